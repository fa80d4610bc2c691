/*
 * notify.c — the sd_notify side of ready = notify: an abstract datagram
 * socket per child start under a random name, credentials checked on every
 * datagram, every passed descriptor closed at once (but those of an
 * FDSTORE=1, handed to the fd store), READY=1 and STATUS= handed to
 * proc.c.  The start timeout and the node's state stay in proc.c.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "fdstore.h"
#include "loop.h"
#include "notify.h"
#include "util.h"

/* Datagrams read per wakeup, so a flood cannot hold the loop. */
#define NOTIFY_READS_PER_WAKEUP	64
/* Descriptors we make room for; the kernel drops (closes) any beyond. */
#define NOTIFY_FDS_MAX		16
#define NOTIFY_DRAIN_MAX	1024
/* Random bytes in a socket's name: 128 bits, beyond guessing. */
#define NOTIFY_NAME_RANDOM	16

struct notify {
	ev_io		 io;
	char		 socket[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
	char		*who;		/* "NAME (start N)", for the log */
	pid_t		 pid;		/* main pid, also the process group */
	uid_t		 uid;
	int		 have_child;
	notify_ready_cb	 cb;
	void		*arg;
	notify_watchdog_cb wd_cb;
	void		*wd_arg;
	notify_fds_cb	 fd_cb;
	void		*fd_arg;
	int		 fds_only;	/* notify_drain_fdstore: nothing else */
	char		 status[NOTIFY_STATUS_MAX + 1];
	int		 has_status;
};

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0. */
static size_t
notify_utf8_len(const unsigned char *s, size_t len)
{
	size_t	 n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return (0);
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return (0);
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (0);
	}
	return (n);
}

/* STATUS= goes to JSON and log lines: valid UTF-8, no control characters. */
static void
notify_copy_status(const char *v, size_t len, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)v;
	size_t			 i = 0, o = 0, n;

	while (i < len) {
		n = notify_utf8_len(s + i, len - i);
		if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			i += n == 0 ? 1 : n;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
}

/*
 * Parse one datagram.  -1 for a malformed one (empty, or holding a NUL, as
 * systemd also rejects).  Unknown keys (MAINPID=, STOPPING=1, BARRIER=1,
 * WATCHDOG=1, ...) are ignored.
 */
int
notify_parse(const char *buf, size_t len, int *ready, char *status,
    size_t statuslen, int *has_status)
{
	const char	*line, *end, *nl;

	*ready = 0;
	*has_status = 0;
	if (len == 0 || memchr(buf, '\0', len) != NULL)
		return (-1);
	end = buf + len;
	for (line = buf; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		if (nl - line == 7 && memcmp(line, "READY=1", 7) == 0)
			*ready = 1;
		else if (nl - line >= 7 && memcmp(line, "STATUS=", 7) == 0 &&
		    statuslen > 0) {
			notify_copy_status(line + 7, nl - line - 7, status,
			    statuslen);
			*has_status = 1;
		}
	}
	return (0);
}

/* WATCHDOG=1, WATCHDOG=trigger and WATCHDOG_USEC=N lines, as bits. */
int
notify_parse_watchdog(const char *buf, size_t len, unsigned long long *usec)
{
	const char		*line, *end, *nl;
	char			 num[24], *e;
	unsigned long long	 v;
	size_t			 l;
	int			 bits = 0;

	end = buf + len;
	for (line = buf; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		l = nl - line;
		if (l == 10 && memcmp(line, "WATCHDOG=1", 10) == 0)
			bits |= 1 << NOTIFY_WD_PING;
		else if (l == 16 && memcmp(line, "WATCHDOG=trigger", 16) == 0)
			bits |= 1 << NOTIFY_WD_TRIGGER;
		else if (l > 14 && l - 14 < sizeof num &&
		    memcmp(line, "WATCHDOG_USEC=", 14) == 0) {
			memcpy(num, line + 14, l - 14);
			num[l - 14] = '\0';
			errno = 0;
			v = strtoull(num, &e, 10);
			if (*e == '\0' && errno == 0 && num[0] >= '0' &&
			    num[0] <= '9') {
				*usec = v;
				bits |= 1 << NOTIFY_WD_USEC;
			}
		}
	}
	return (bits);
}

/*
 * The datagram is the child's if its sender is the main pid or in its
 * process group; systemd-notify may be gone already, so then its uid
 * stands in for it.
 */
static int
notify_sender_ok(const struct notify *n, const struct ucred *uc)
{
	pid_t	 pg;

	if (!n->have_child)
		return (0);
	if (uc->pid > 0) {
		if (uc->pid == n->pid)
			return (1);
		if ((pg = getpgid(uc->pid)) != -1)
			return (pg == n->pid);
		if (errno != ESRCH)
			return (0);
	}
	return (uc->uid == n->uid);
}

static void
notify_close_fds(int *fds, size_t *nfds)
{
	size_t	i;

	for (i = 0; i < *nfds; i++)
		close(fds[i]);
	*nfds = 0;
}

/*
 * Take every descriptor passed into fds (at most NOTIFY_FDS_MAX, the
 * rest closed: the caller closes or hands on these); note the credentials.
 */
static int
notify_cmsgs(struct msghdr *msg, struct ucred *uc, int *fds, size_t *nfds)
{
	struct cmsghdr	*c;
	int		*got, have = 0;
	size_t		 i, n;

	*nfds = 0;
	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			got = (int *)CMSG_DATA(c);
			n = (c->cmsg_len - CMSG_LEN(0)) / sizeof (int);
			for (i = 0; i < n; i++) {
				if (*nfds < NOTIFY_FDS_MAX)
					fds[(*nfds)++] = got[i];
				else
					close(got[i]);
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof *uc)) {
			memcpy(uc, CMSG_DATA(c), sizeof *uc);
			have = 1;
		}
	}
	return (have);
}

/* USEC first, so a datagram that changes the interval and pings arms the new one. */
static void
notify_watchdog(struct notify *n, const char *buf, size_t len)
{
	unsigned long long	 usec = 0;
	int			 bits;

	if ((bits = notify_parse_watchdog(buf, len, &usec)) == 0)
		return;
	if (bits & (1 << NOTIFY_WD_USEC))
		n->wd_cb(n->wd_arg, NOTIFY_WD_USEC, usec);
	if (bits & (1 << NOTIFY_WD_PING))
		n->wd_cb(n->wd_arg, NOTIFY_WD_PING, 0);
	if (bits & (1 << NOTIFY_WD_TRIGGER))
		n->wd_cb(n->wd_arg, NOTIFY_WD_TRIGGER, 0);
}

/* Read one datagram: 1 if one was handled (or dropped), 0 when none is left. */
static int
notify_read_one(struct notify *n)
{
	char		 buf[NOTIFY_DGRAM_MAX];
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof (struct ucred)) +
				    CMSG_SPACE(sizeof (int) * NOTIFY_FDS_MAX)];
	}		 cbuf;
	struct iovec	 iov = { buf, sizeof buf };
	struct msghdr	 msg;
	struct ucred	 uc;
	ssize_t		 len;
	int		 ready, has_status, have_cred, fds[NOTIFY_FDS_MAX];
	size_t		 nfds = 0;
	char		 status[NOTIFY_STATUS_MAX + 1];

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof cbuf.buf;
	len = recvmsg(n->io.fd, &msg, MSG_DONTWAIT|MSG_CMSG_CLOEXEC|MSG_TRUNC);
	if (len == -1) {
		if (errno == EINTR)
			return (1);
		if (errno != EAGAIN)
			log_warn("notify socket of %s: %s", n->who,
			    strerror(errno));
		return (0);
	}
	have_cred = notify_cmsgs(&msg, &uc, fds, &nfds);
	if ((size_t)len > sizeof buf || (msg.msg_flags & MSG_TRUNC)) {
		log_debug("notify socket of %s: datagram of %zd bytes dropped",
		    n->who, len);
		goto done;
	}
	/* more fds than room: the kernel closed the rest, the set is not whole */
	if (msg.msg_flags & MSG_CTRUNC) {
		log_warn("notify socket of %s: more than %d fds or a cut "
		    "control message; datagram dropped, its fds closed", n->who,
		    NOTIFY_FDS_MAX);
		goto done;
	}
	if (!have_cred || !notify_sender_ok(n, &uc)) {
		log_debug("notify socket of %s: datagram from pid %d dropped",
		    n->who, have_cred ? (int)uc.pid : -1);
		goto done;
	}
	if (notify_parse(buf, len, &ready, status, sizeof status,
	    &has_status) == -1)
		goto done;
	if (n->fd_cb != NULL && fdstore_wanted(buf, (size_t)len)) {
		n->fd_cb(n->fd_arg, buf, (size_t)len, fds, nfds);
		nfds = 0;	/* the fd store's now: kept or closed */
	}
	if (n->fds_only)
		goto done;
	if (has_status) {
		memcpy(n->status, status, sizeof n->status);
		n->has_status = 1;
	}
	if (n->wd_cb != NULL)
		notify_watchdog(n, buf, (size_t)len);
	/* BARRIER=1's fd among them: its sender waits for this close */
	notify_close_fds(fds, &nfds);
	if (ready && n->cb != NULL)
		n->cb(n->arg);
	return (1);
done:
	notify_close_fds(fds, &nfds);
	return (1);
}

static void
notify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct notify	*n = w->data;
	int		 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < NOTIFY_READS_PER_WAKEUP; i++) {
		if (!notify_read_one(n))
			break;
	}
}

/*
 * "supd/" and 128 random bits in hex.  Anyone may send to an abstract
 * socket, and a sender gone before its datagram is read is only checked
 * by uid, so a name made of supd's pid and the child's name let any
 * process of the child's user mark it ready without looking.  The name is
 * still listed in /proc/net/unix: the sender checks remain the guard.
 */
static int
notify_random_name(char *buf, size_t size, char **cause)
{
	unsigned char	 r[NOTIFY_NAME_RANDOM];
	size_t		 got = 0, i;
	ssize_t		 n;
	int		 o;

	while (got < sizeof r) {
		/* never block the loop: early at boot, fail this start instead */
		n = getrandom(r + got, sizeof r - got, GRND_NONBLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("notify socket: getrandom: %s",
			    strerror(errno));
			return (-1);
		}
		got += (size_t)n;
	}
	o = snprintf(buf, size, "supd/");
	for (i = 0; i < sizeof r && o > 0 && (size_t)o < size; i++)
		o += snprintf(buf + o, size - o, "%02x", r[i]);
	return (0);
}

/* Bind "@supd/RANDOM" for a start of name and watch it; NULL and *cause on failure. */
struct notify *
notify_open(const char *name, unsigned long long incarnation,
    notify_ready_cb cb, void *arg, char **cause)
{
	struct notify		*n;
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 fd, on = 1;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	/* sun_path[0] stays NUL: the abstract namespace, no file to clean up. */
	if (notify_random_name(sun.sun_path + 1, sizeof sun.sun_path - 1,
	    cause) == -1)
		return (NULL);
	len = offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(sun.sun_path + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*cause = xasprintf("notify socket: %s", strerror(errno));
		return (NULL);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, len) == -1) {
		*cause = xasprintf("notify socket @%s: %s", sun.sun_path + 1,
		    strerror(errno));
		close(fd);
		return (NULL);
	}
	n = xcalloc(1, sizeof *n);
	snprintf(n->socket, sizeof n->socket, "@%s", sun.sun_path + 1);
	n->who = xasprintf("%s (start %llu)", name, incarnation);
	n->cb = cb;
	n->arg = arg;
	ev_io_init(&n->io, notify_cb, fd, EV_READ);
	n->io.data = n;
	ev_io_start(loop_ev, &n->io);
	return (n);
}

/* The $NOTIFY_SOCKET value for the child. */
const char *
notify_socket(const struct notify *n)
{
	return (n->socket);
}

/* Report WATCHDOG= lines to cb. */
void
notify_set_watchdog(struct notify *n, notify_watchdog_cb cb, void *arg)
{
	n->wd_cb = cb;
	n->wd_arg = arg;
}

/* Hand FDSTORE=1 and FDSTOREREMOVE=1 datagrams to cb. */
void
notify_set_fdstore(struct notify *n, notify_fds_cb cb, void *arg)
{
	n->fd_cb = cb;
	n->fd_arg = arg;
}

/* Who may talk: the main pid, its process group, or (sender gone) this uid. */
void
notify_child(struct notify *n, pid_t pid, uid_t uid)
{
	n->pid = pid;
	n->uid = uid;
	n->have_child = 1;
}

/* Read the datagrams queued now (bounded: a sender may never stop). */
void
notify_drain(struct notify *n)
{
	int	 i;

	for (i = 0; i < NOTIFY_DRAIN_MAX; i++) {
		if (!notify_read_one(n))
			break;
	}
}

/* The fd store's datagrams queued now, before the socket closes. */
void
notify_drain_fdstore(struct notify *n)
{
	if (n->fd_cb == NULL)
		return;
	n->fds_only = 1;
	notify_drain(n);
	n->fds_only = 0;
}

/* The last STATUS= accepted, or NULL. */
const char *
notify_status(const struct notify *n)
{
	return (n->has_status ? n->status : NULL);
}

void
notify_close(struct notify *n)
{
	if (n == NULL)
		return;
	ev_io_stop(loop_ev, &n->io);
	close(n->io.fd);
	free(n->who);
	free(n);
}

int
notify_fd(const struct notify *n)
{
	return (n->io.fd);
}

/* Watch a socket a reexec carried; its child and last STATUS= as they were. */
struct notify *
notify_adopt(int fd, const char *socket, const char *name,
    unsigned long long incarnation, notify_ready_cb cb, void *arg, pid_t pid,
    uid_t uid, const char *status)
{
	struct notify	*n;

	n = xcalloc(1, sizeof *n);
	snprintf(n->socket, sizeof n->socket, "%s", socket);
	n->who = xasprintf("%s (start %llu)", name, incarnation);
	n->cb = cb;
	n->arg = arg;
	notify_child(n, pid, uid);
	if (status != NULL) {
		snprintf(n->status, sizeof n->status, "%s", status);
		n->has_status = 1;
	}
	ev_io_init(&n->io, notify_cb, fd, EV_READ);
	n->io.data = n;
	ev_io_start(loop_ev, &n->io);
	return (n);
}
