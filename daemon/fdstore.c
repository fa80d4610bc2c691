/*
 * fdstore.c — the fd store, as systemd's: FDSTORE=1 (with FDNAME=, and
 * FDPOLL=0 to not watch) stores the fds of a datagram, FDSTOREREMOVE=1
 * closes those of a name.  Stored fds are close-on-exec copies: only
 * spawn.c's dup2 in the child hands them on.  Their peers are watched
 * through one epoll set asking for no event (EPOLLHUP and EPOLLERR are
 * always reported), itself watched by one ev_io while anything is in it:
 * a stored socket with data to read never wakes the loop.
 */
#include <sys/epoll.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "fdstore.h"
#include "listen.h"
#include "loop.h"
#include "tree.h"
#include "util.h"

#define FDSTORE_NAME_DEFAULT	"stored"	/* systemd's, without FDNAME= */
#define FDSTORE_EVENTS		64		/* peers gone, read per wakeup */

struct fdstore_fd {
	struct fdstore		*store;
	char			*name;
	int			 fd;
	int			 polled;	/* in fdstore_ep */
	TAILQ_ENTRY(fdstore_fd)	 entry;
};

struct fdstore {
	struct node			*node;
	TAILQ_HEAD(, fdstore_fd)	 fds;
	size_t				 n;
	int				 warned;	/* said once that it is off */
};

static int		fdstore_ep = -1;
static ev_io		fdstore_w;
static size_t		fdstore_npolled;
static struct log_rate	fdstore_full_rate = LOG_RATE_INITIALIZER(1000);

static void	fdstore_cb(struct ev_loop *, ev_io *, int);

static struct fdstore *
fdstore_get_store(struct node *node)
{
	struct fdstore	*st = node_aux_get(node, fdstore);

	if (st != NULL)
		return (st);
	st = xcalloc(1, sizeof *st);
	st->node = node;
	TAILQ_INIT(&st->fds);
	tree_aux(node)->fdstore = st;
	return (st);
}

/* Watch f for its peer going: an epoll set made at the first need. */
static void
fdstore_poll(struct fdstore_fd *f)
{
	struct epoll_event	ev;

	if (fdstore_ep == -1) {
		if ((fdstore_ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
			log_warn("fd store: epoll_create1: %s; stored fds are "
			    "not watched", strerror(errno));
			return;
		}
		ev_io_init(&fdstore_w, fdstore_cb, fdstore_ep, EV_READ);
	}
	memset(&ev, 0, sizeof ev);
	ev.events = 0;		/* EPOLLHUP and EPOLLERR only */
	ev.data.ptr = f;
	/* a regular file or a memfd cannot be polled: it has no peer */
	if (epoll_ctl(fdstore_ep, EPOLL_CTL_ADD, f->fd, &ev) == -1)
		return;
	f->polled = 1;
	if (fdstore_npolled++ == 0)
		ev_io_start(loop_ev, &fdstore_w);
}

static void
fdstore_close(struct fdstore_fd *f)
{
	struct fdstore	*st = f->store;

	if (f->polled) {
		(void)epoll_ctl(fdstore_ep, EPOLL_CTL_DEL, f->fd, NULL);
		if (--fdstore_npolled == 0)
			ev_io_stop(loop_ev, &fdstore_w);
	}
	close(f->fd);
	TAILQ_REMOVE(&st->fds, f, entry);
	st->n--;
	free(f->name);
	free(f);
}

static void
fdstore_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct epoll_event	 evs[FDSTORE_EVENTS];
	struct fdstore_fd	*f;
	int			 n, i;

	(void)loop;
	(void)w;
	(void)revents;
	if ((n = epoll_wait(fdstore_ep, evs, FDSTORE_EVENTS, 0)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		f = evs[i].data.ptr;
		log_info("fd store of %s: %s (fd %d) closed: its peer is gone",
		    f->store->node->name, f->name, f->fd);
		fdstore_close(f);
	}
}

static void
fdstore_add(struct fdstore *st, const char *name, int fd, int poll)
{
	struct fdstore_fd	*f;

	f = xcalloc(1, sizeof *f);
	f->store = st;
	f->name = xstrdup(name);
	f->fd = fd;
	TAILQ_INSERT_TAIL(&st->fds, f, entry);
	st->n++;
	if (poll)
		fdstore_poll(f);
}

/* The value of KEY= in a datagram (len bytes), or NULL; *vlen its length. */
static const char *
fdstore_value(const char *buf, size_t len, const char *key, size_t *vlen)
{
	const char	*line, *end = buf + len, *nl;
	size_t		 klen = strlen(key);

	for (line = buf; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		if ((size_t)(nl - line) >= klen && memcmp(line, key, klen) == 0) {
			*vlen = nl - line - klen;
			return (line + klen);
		}
	}
	return (NULL);
}

static int
fdstore_is(const char *buf, size_t len, const char *key, const char *want)
{
	const char	*v;
	size_t		 vlen;

	return ((v = fdstore_value(buf, len, key, &vlen)) != NULL &&
	    vlen == strlen(want) && memcmp(v, want, vlen) == 0);
}

int
fdstore_wanted(const char *buf, size_t len)
{
	return (fdstore_is(buf, len, "FDSTORE=", "1") ||
	    fdstore_is(buf, len, "FDSTOREREMOVE=", "1"));
}

static void
fdstore_close_all(int *fds, size_t nfds)
{
	size_t	i;

	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

void
fdstore_message(struct node *node, const char *buf, size_t len, int *fds,
    size_t nfds)
{
	struct fdstore		*st;
	struct fdstore_fd	*f, *next;
	const char		*v;
	char			 name[256];
	size_t			 vlen, i, max = (size_t)spec_x(node->spec)->fd_store_max;
	int			 removed = 0;

	snprintf(name, sizeof name, "%s", FDSTORE_NAME_DEFAULT);
	if ((v = fdstore_value(buf, len, "FDNAME=", &vlen)) != NULL) {
		if (!listen_name_valid(v, vlen)) {
			log_warn("fd store of %s: FDNAME=%.*s is not a valid "
			    "name (1 to 255 printable characters, no \":\"); "
			    "%zu fds closed", node->name, (int)(vlen > 64 ? 64 :
			    vlen), v, nfds);
			fdstore_close_all(fds, nfds);
			return;
		}
		snprintf(name, sizeof name, "%.*s", (int)vlen, v);
	}
	if (fdstore_is(buf, len, "FDSTOREREMOVE=", "1")) {
		st = node_aux_get(node, fdstore);
		for (f = st != NULL ? TAILQ_FIRST(&st->fds) : NULL; f != NULL;
		    f = next) {
			next = TAILQ_NEXT(f, entry);
			if (strcmp(f->name, name) == 0) {
				fdstore_close(f);
				removed++;
			}
		}
		log_info("fd store of %s: %d fds named %s removed", node->name,
		    removed, name);
		fdstore_close_all(fds, nfds);
		return;
	}
	if (nfds == 0)
		return;
	st = fdstore_get_store(node);
	if (max == 0) {
		if (!st->warned)
			log_warn("fd store of %s: FDSTORE=1 refused, its fds "
			    "closed (fd_store_max is 0: the store is off)",
			    node->name);
		st->warned = 1;
		fdstore_close_all(fds, nfds);
		return;
	}
	for (i = 0; i < nfds; i++) {
		if (st->n >= max) {
			log_rated(&fdstore_full_rate, LOG_LVL_WARN, "fd store of "
			    "%s: full (fd_store_max = %zu); %zu fds named %s "
			    "closed", node->name, max, nfds - i, name);
			fdstore_close_all(fds + i, nfds - i);
			return;
		}
		fdstore_add(st, name, fds[i], !fdstore_is(buf, len, "FDPOLL=",
		    "0"));
	}
	log_info("fd store of %s: %zu fds named %s stored (%zu held)",
	    node->name, nfds, name, st->n);
}

void
fdstore_forget(struct node *node)
{
	struct fdstore		*st = node_aux_get(node, fdstore);
	struct fdstore_fd	*f;

	if (st == NULL)
		return;
	while ((f = TAILQ_FIRST(&st->fds)) != NULL)
		fdstore_close(f);
	free(st);
	node->aux->fdstore = NULL;
	tree_aux_trim(node);
}

size_t
fdstore_count(const struct node *node)
{
	const struct fdstore	*st = node_aux_get(node, fdstore);

	return (st != NULL ? st->n : 0);
}

static struct fdstore_fd *
fdstore_nth(const struct node *node, size_t i)
{
	const struct fdstore	*st = node_aux_get(node, fdstore);
	struct fdstore_fd	*f;

	TAILQ_FOREACH(f, &st->fds, entry)
		if (i-- == 0)
			return (f);
	return (NULL);
}

int
fdstore_get(const struct node *node, size_t i, const char **name)
{
	struct fdstore_fd	*f = fdstore_nth(node, i);

	*name = f->name;
	return (f->fd);
}

int
fdstore_polled(const struct node *node, size_t i)
{
	return (fdstore_nth(node, i)->polled);
}

void
fdstore_adopt(struct node *node, const char *name, int fd, int poll)
{
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	fdstore_add(fdstore_get_store(node), name, fd, poll);
}
