/*
 * reexec-snap.h — the snapshot a reexec hands to the new image: the
 * running configuration's text, the tree with every node's state,
 * restart windows and runtime, and the descriptors carried across the
 * exec.  reexec.c decides when; this file says what, as JSON.
 */
#ifndef REEXEC_SNAP_H
#define REEXEC_SNAP_H

#include <stddef.h>

#include <jansson.h>

#define REEXEC_SNAP_VERSION	1	/* what --reexec-probe answers */
#define REEXEC_SNAP_MAX		(64 * 1024 * 1024)	/* bytes read at most */

struct config;

/*
 * The snapshot of the running supd: listen_fd and client_fd (-1: none)
 * go in it; every other descriptor to carry is appended to *fds (*nfds,
 * malloc'd).  The caller makes them all inheritable.
 */
json_t	*reexec_snap_build(int listen_fd, int client_fd, int **fds,
	    size_t *nfds);

/*
 * Read and parse the snapshot from fd (closed), and check its shape:
 * NULL and *cause if it is not one this supd can use.
 */
json_t	*reexec_snap_read(int fd, char **cause);
/* The running configuration it holds, parsed again; NULL and *cause if not. */
struct config *reexec_snap_config(json_t *, char **cause);
/*
 * Check every node against the tree built from that configuration, every
 * descriptor and every pid, before anything is done with any of it: 0,
 * or -1 and *cause.
 */
int	 reexec_snap_check(json_t *, char **cause);
/* Take the tree over as the snapshot says (after reexec_snap_check). */
void	 reexec_snap_apply(json_t *);
/* 1 if the snapshot carries a process group pgid. */
int	 reexec_snap_carries(json_t *, int pgid);
/* 1 if it carries a running task name (its row says "running"). */
int	 reexec_snap_running_task(json_t *, const char *name);
/* The descriptors it names; workers it carries with a process. */
int	 reexec_snap_listen_fd(json_t *);
int	 reexec_snap_client_fd(json_t *);
int	 reexec_snap_children(json_t *);

#endif /* REEXEC_SNAP_H */
