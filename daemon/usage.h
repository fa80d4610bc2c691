/*
 * usage.h — a child's CPU and memory for Status, Inspect and top, read
 * only when a call asks: from its cgroup's files when it has one
 * ([supd] cgroup = auto), else from one scan of /proc for all the others.
 */
#ifndef USAGE_H
#define USAGE_H

#include <stddef.h>
#include <stdint.h>

struct node;

struct usage {
	int64_t		 cpu_ms;	/* -1: unknown (no process) */
	int64_t		 rss_bytes;	/* -1: unknown */
	int64_t		 cg_cpu_usec;	/* its cgroup's, -1 without one */
	int64_t		 cg_memory_bytes; /* -1 without a memory controller */
	int		 cgroup;	/* 1 if it has a cgroup (cg_* set) */
};

/*
 * The usage of nodes[0..n), an array parallel to it (free it): a cgroup's
 * cpu.stat and memory.current where there is one, /proc (one scan) for
 * the running ones without.
 */
struct usage	*usage_nodes(struct node *const *nodes, size_t n);

#endif /* USAGE_H */
