/*
 * usage.c — CPU and memory of children, only when a call asks for them.
 * A child in a cgroup is read from its two cgroup files (cheap, exact,
 * and it counts processes that left the group); the others from one scan
 * of /proc, which reads every process on the machine and so is done only
 * when some running child has no cgroup to read.
 */
#include <stdlib.h>

#include "cgroup.h"
#include "proc.h"
#include "pstat.h"
#include "tree.h"
#include "usage.h"
#include "util.h"

struct usage *
usage_nodes(struct node *const *nodes, size_t n)
{
	struct usage	*u;
	struct pstat	*ps, *p;
	struct node	**rest;
	const char	*path;
	size_t		 i, nrest = 0, nps;

	u = xcalloc(n + 1, sizeof *u);
	rest = xcalloc(n + 1, sizeof *rest);
	for (i = 0; i < n; i++) {
		u[i].cpu_ms = u[i].rss_bytes = -1;
		u[i].cg_cpu_usec = u[i].cg_memory_bytes = -1;
		if (nodes[i]->pid <= 0)
			continue;
		if ((path = proc_cgroup(nodes[i])) != NULL &&
		    cgroup_usage(path, &u[i].cg_cpu_usec,
		    &u[i].cg_memory_bytes) == 0) {
			u[i].cgroup = 1;
			if (u[i].cg_cpu_usec >= 0 && u[i].cg_memory_bytes >= 0) {
				u[i].cpu_ms = u[i].cg_cpu_usec / 1000;
				u[i].rss_bytes = u[i].cg_memory_bytes;
				continue;
			}
		}
		rest[nrest++] = nodes[i];
	}
	ps = nrest > 0 ? pstat_nodes(rest, nrest, &nps) : NULL;
	for (i = 0; ps != NULL && i < n; i++) {
		if (nodes[i]->pid <= 0 || u[i].cpu_ms >= 0 ||
		    (p = pstat_find(ps, nps, nodes[i]->pid)) == NULL ||
		    p->nprocs == 0)
			continue;
		u[i].cpu_ms = p->cpu_ms;
		u[i].rss_bytes = p->rss_bytes;
	}
	free(ps);
	free(rest);
	return (u);
}
