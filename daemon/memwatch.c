/*
 * memwatch.c — memory_restart (pm2's max_memory_restart), without cgroups:
 * the RSS of a watched child's process group, summed from /proc by pstat.c
 * in one scan for every watched child, once a second.  The timer runs only
 * while a watched child runs, so a supd without the key never wakes for
 * it.  Stopping the group and reporting the exit is proc.c's (proc_fail).
 */
#include <stdio.h>
#include <stdlib.h>

#include <ev.h>

#include "memwatch.h"
#include "proc.h"
#include "tree.h"
#include "pstat.h"
#include "util.h"

struct memwatch_ent {
	struct node	*node;
	int		 pgid;
	int64_t		 bound;		/* as the spec said at its start */
};

static struct memwatch_ent	*memwatch_ents;
static size_t			 memwatch_n, memwatch_cap;
static struct ev_loop		*memwatch_loop;
static ev_timer			 memwatch_timer;

void
memwatch_size(char *buf, size_t len, int64_t bytes)
{
	if (bytes >= (1 << 20))
		snprintf(buf, len, "%lld MiB", (long long)(bytes >> 20));
	else
		snprintf(buf, len, "%lld KiB", (long long)(bytes >> 10));
}

static void
memwatch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pstat	*ps, *p;
	struct node	*node;
	char		 why[96], used[32], bound[32];
	size_t		 i, n = memwatch_n;

	(void)loop;
	(void)w;
	(void)revents;
	ps = xcalloc(n + 1, sizeof *ps);
	for (i = 0; i < n; i++)
		ps[i].pgid = memwatch_ents[i].pgid;
	if (pstat_groups(ps, n) == -1) {
		free(ps);
		return;
	}
	/* backwards: an entry removed is swapped with one already looked at */
	for (i = n; i-- > 0;) {
		if ((p = pstat_find(ps, n, memwatch_ents[i].pgid)) == NULL ||
		    p->rss_bytes <= memwatch_ents[i].bound)
			continue;
		node = memwatch_ents[i].node;
		memwatch_size(used, sizeof used, p->rss_bytes);
		memwatch_size(bound, sizeof bound, memwatch_ents[i].bound);
		snprintf(why, sizeof why, "memory_restart: %s > %s", used, bound);
		memwatch_remove(node);
		log_warn("%s pid %d: %s; restarting it", node->name, node->pid,
		    why);
		proc_fail(node, 0, why);
	}
	free(ps);
}

void
memwatch_init(struct ev_loop *loop)
{
	memwatch_loop = loop;
	ev_timer_init(&memwatch_timer, memwatch_cb, MEMWATCH_INTERVAL_S,
	    MEMWATCH_INTERVAL_S);
}

void
memwatch_add(struct node *node, int pgid, int64_t bound)
{
	memwatch_remove(node);
	if (memwatch_n == memwatch_cap) {
		memwatch_cap = memwatch_cap ? memwatch_cap * 2 : 8;
		memwatch_ents = xrealloc(memwatch_ents,
		    memwatch_cap * sizeof *memwatch_ents);
	}
	memwatch_ents[memwatch_n].node = node;
	memwatch_ents[memwatch_n].pgid = pgid;
	memwatch_ents[memwatch_n].bound = bound;
	if (memwatch_n++ == 0)
		ev_timer_again(memwatch_loop, &memwatch_timer);
}

void
memwatch_remove(struct node *node)
{
	size_t	i;

	for (i = 0; i < memwatch_n; i++) {
		if (memwatch_ents[i].node != node)
			continue;
		memwatch_ents[i] = memwatch_ents[--memwatch_n];
		if (memwatch_n == 0) {
			ev_timer_stop(memwatch_loop, &memwatch_timer);
			free(memwatch_ents);
			memwatch_ents = NULL;
			memwatch_cap = 0;
		}
		return;
	}
}
