/*
 * fdstore.h — the fd store (sd_notify FDSTORE=1): descriptors a child
 * hands supd on its notify socket, kept while it restarts and given back
 * to its next start after its listen sockets, named in $LISTEN_FDNAMES.
 * A stored fd whose peer is gone (POLLHUP or POLLERR) is closed; the
 * store goes when the child leaves the tree.  Off unless fd_store_max.
 */
#ifndef FDSTORE_H
#define FDSTORE_H

#include <stddef.h>

struct node;

/* 1 if a datagram holds an FDSTORE=1 or FDSTOREREMOVE=1 line. */
int	 fdstore_wanted(const char *buf, size_t len);
/*
 * An accepted datagram of node's that fdstore_wanted: store fds (FDNAME=,
 * default "stored"), or remove those named (FDSTOREREMOVE=1).  Takes the
 * fds: each is kept or closed, never left open.
 */
void	 fdstore_message(struct node *, const char *buf, size_t len, int *fds,
	    size_t nfds);
/* Close every stored fd of node (it leaves the tree). */
void	 fdstore_forget(struct node *);
/* How many node holds, and the i-th's fd and name. */
size_t	 fdstore_count(const struct node *);
int	 fdstore_get(const struct node *, size_t i, const char **name);
/* 1 if the i-th is watched for its peer going away (FDPOLL=0 says not). */
int	 fdstore_polled(const struct node *, size_t i);
/* Keep a fd a reexec carried. */
void	 fdstore_adopt(struct node *, const char *name, int fd, int poll);

#endif /* FDSTORE_H */
