/*
 * pstat.h — what /proc says of process groups: CPU time and resident
 * memory summed over every live process of each group, for any number of
 * groups in one scan of /proc.  No cgroups: a process that left its group
 * (setsid) is not counted, unless it is the group's main process.
 */
#ifndef PSTAT_H
#define PSTAT_H

#include <stddef.h>
#include <stdint.h>

struct pstat {
	int		 pgid;		/* in: the group, == its main pid */
	int64_t		 cpu_ms;	/* out: user + system, with reaped children's */
	int64_t		 rss_bytes;	/* out: resident memory */
	int		 nprocs;	/* out: live processes found */
};

/*
 * Fill the out fields of each of n groups (sorting the array by pgid);
 * -1 if /proc cannot be read.
 */
int		 pstat_groups(struct pstat *, size_t n);
/*
 * /proc/PID/stat read into buf: its fields after the command's name
 * (" S ppid pgrp ..."), or NULL if the process is gone.
 */
const char	*pstat_fields(const char *pid, char *buf, size_t size);
struct node;
/*
 * The groups of the running ones among nodes[0..n), filled by one scan of
 * /proc; *nps entries (free the array), NULL when none runs or /proc
 * cannot be read.
 */
struct pstat	*pstat_nodes(struct node *const *nodes, size_t n, size_t *nps);
/* The entry of pgid in an array pstat_groups filled, or NULL. */
struct pstat	*pstat_find(struct pstat *, size_t n, int pgid);

#endif /* PSTAT_H */
