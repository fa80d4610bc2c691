/*
 * pstat.c — CPU and memory of process groups from /proc/PID/stat, one scan
 * of /proc whatever the number of groups (Status asks for every child at
 * once, memory_restart for those that set it).  Read only when asked: no
 * timer of its own.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pstat.h"
#include "tree.h"
#include "util.h"

static int
pstat_cmp(const void *a, const void *b)
{
	const struct pstat	*x = a, *y = b;

	return (x->pgid < y->pgid ? -1 : x->pgid > y->pgid);
}

struct pstat *
pstat_find(struct pstat *ps, size_t n, int pgid)
{
	struct pstat	key;

	key.pgid = pgid;
	return (bsearch(&key, ps, n, sizeof *ps, pstat_cmp));
}

const char *
pstat_fields(const char *pid, char *buf, size_t size)
{
	char	 path[64], *p;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return (NULL);
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return (NULL);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return (NULL);
	return (p + 1);
}

/*
 * One process: its state, group, CPU ticks (its own and its reaped
 * children's) and resident pages, from /proc/PID/stat.
 */
static int
pstat_read(const char *pid, char *state, int *pgrp, unsigned long long *ticks,
    long long *pages)
{
	char			 buf[1024], *p, *end;
	long long		 v[25];
	int			 field;

	if ((p = (char *)pstat_fields(pid, buf, sizeof buf)) == NULL)
		return (-1);
	/* field 3 is the state; then numbers (sscanf was half of a Status) */
	while (*p == ' ')
		p++;
	if ((*state = *p) == '\0')
		return (-1);
	p++;
	for (field = 4; field <= 24; field++) {
		v[field] = strtoll(p, &end, 10);
		if (end == p)
			return (-1);
		p = end;
	}
	*pgrp = (int)v[5];
	*ticks = (unsigned long long)(v[14] > 0 ? v[14] : 0) +
	    (unsigned long long)(v[15] > 0 ? v[15] : 0) +
	    (unsigned long long)(v[16] > 0 ? v[16] : 0) +
	    (unsigned long long)(v[17] > 0 ? v[17] : 0);
	*pages = v[24];
	return (0);
}

int
pstat_groups(struct pstat *ps, size_t n)
{
	static long		 hz, page;
	struct pstat		*g;
	struct dirent		*de;
	DIR			*d;
	unsigned long long	 ticks;
	long long		 pages;
	char			 state;
	size_t			 i;
	int			 pgrp, pid;

	for (i = 0; i < n; i++)
		ps[i].cpu_ms = ps[i].rss_bytes = ps[i].nprocs = 0;
	if (n == 0)
		return (0);
	if (hz == 0) {
		hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
		page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
	}
	qsort(ps, n, sizeof *ps, pstat_cmp);
	if ((d = opendir("/proc")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (pstat_read(de->d_name, &state, &pgrp, &ticks, &pages) == -1 ||
		    state == 'Z' || state == 'X')
			continue;
		/* a main process that left its group still counts */
		if ((g = pstat_find(ps, n, pgrp)) == NULL) {
			pid = atoi(de->d_name);
			if ((g = pstat_find(ps, n, pid)) == NULL)
				continue;
		}
		g->cpu_ms += (int64_t)(ticks * 1000 / (unsigned long long)hz);
		g->rss_bytes += pages > 0 ? (int64_t)pages * page : 0;
		g->nprocs++;
	}
	closedir(d);
	return (0);
}

/*
 * CPU and memory of the groups of nodes[0..n): one scan of /proc for all
 * of them, only when asked (no timer); *nps entries, NULL when none runs.
 */
struct pstat *
pstat_nodes(struct node *const *nodes, size_t n, size_t *nps)
{
	struct pstat	*ps;
	size_t		 i;

	*nps = 0;
	ps = xcalloc(n + 1, sizeof *ps);
	for (i = 0; i < n; i++)
		if (nodes[i]->pid > 0)
			ps[(*nps)++].pgid = nodes[i]->pid;
	if (*nps == 0 || pstat_groups(ps, *nps) == -1) {
		free(ps);
		*nps = 0;
		return (NULL);
	}
	return (ps);
}

