/*
 * notify.h — readiness of ready = notify children: one datagram socket per
 * child start ($NOTIFY_SOCKET, sd_notify protocol).  notify.c owns the
 * socket and the datagrams; proc.c owns the start timeout and what READY=1
 * means for the node.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>
#include <sys/types.h>

struct notify;

/* Called once per datagram that says READY=1 (the callback must not close n). */
typedef void	(*notify_ready_cb)(void *arg);

/* What a datagram says of the watchdog (sd_notify's WATCHDOG= lines). */
enum notify_wd {
	NOTIFY_WD_PING,		/* WATCHDOG=1 */
	NOTIFY_WD_TRIGGER,	/* WATCHDOG=trigger: fail now */
	NOTIFY_WD_USEC,		/* WATCHDOG_USEC=N: the interval is N us now */
};
/* Called for each WATCHDOG= line of an accepted datagram (usec for _USEC). */
typedef void	(*notify_watchdog_cb)(void *arg, enum notify_wd,
		    unsigned long long usec);

/*
 * Called for an accepted datagram with an FDSTORE=1 or FDSTOREREMOVE=1
 * line and the fds it carried (nfds may be 0): the callee owns the fds.
 */
typedef void	(*notify_fds_cb)(void *arg, const char *buf, size_t len,
		    int *fds, size_t nfds);

#define NOTIFY_DGRAM_MAX	4096	/* larger datagrams are dropped */
#define NOTIFY_STATUS_MAX	256	/* STATUS= is cut to this many bytes */

/*
 * Bind an abstract socket of a random name ("@supd/" and 32 hex digits)
 * for this start of the child name and watch it.  NULL and *cause on
 * failure.
 */
struct notify	*notify_open(const char *name, unsigned long long incarnation,
		    notify_ready_cb, void *arg, char **cause);
/* The $NOTIFY_SOCKET value for the child ("@supd/..."). */
const char	*notify_socket(const struct notify *);
/* Who may talk: the main pid, its process group, or (sender gone) this uid. */
void		 notify_child(struct notify *, pid_t pid, uid_t uid);
/* Report WATCHDOG= lines to cb (a watchdog child); NULL: ignore them. */
void		 notify_set_watchdog(struct notify *, notify_watchdog_cb,
		    void *arg);
/* Hand FDSTORE=1 / FDSTOREREMOVE=1 datagrams and their fds to cb; else they are closed. */
void		 notify_set_fdstore(struct notify *, notify_fds_cb, void *arg);
/*
 * The watchdog lines of one datagram: bits 1 << NOTIFY_WD_* in the
 * result, *usec for WATCHDOG_USEC= (a bad number is ignored).
 */
int		 notify_parse_watchdog(const char *buf, size_t len,
		    unsigned long long *usec);
/* Read every datagram queued now (before deciding a child died unready). */
void		 notify_drain(struct notify *);
/* Read the FDSTORE= datagrams queued now, and only those (before a close). */
void		 notify_drain_fdstore(struct notify *);
/* The last STATUS= accepted, or NULL. */
const char	*notify_status(const struct notify *);
void		 notify_close(struct notify *);
/* The socket's descriptor (a reexec carries it). */
int		 notify_fd(const struct notify *);
/*
 * Watch a socket a reexec carried (fd, bound to socket, "@supd/..."), for
 * the child pid running as uid, with the last STATUS= (or NULL).
 */
struct notify	*notify_adopt(int fd, const char *socket, const char *name,
		    unsigned long long incarnation, notify_ready_cb, void *arg,
		    pid_t pid, uid_t uid, const char *status);

/*
 * Parse one datagram (newline-separated KEY=VALUE).  Sets *ready if it says
 * READY=1; copies a STATUS= value (made printable, cut) to status and sets
 * *has_status.  -1 for a malformed datagram, which must then be ignored.
 */
int		 notify_parse(const char *buf, size_t len, int *ready,
		    char *status, size_t statuslen, int *has_status);

#endif /* NOTIFY_H */
