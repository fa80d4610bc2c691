/*
 * reexec.c — `supctl reexec`: the old image checks the new binary (it
 * runs `BINARY --reexec-probe` as a child, with a timeout, and wants the
 * snapshot version it writes), stops taking calls and connections, waits
 * (bounded) until the tree is quiet and the store has written everything,
 * closes every client but the caller, closes the store and execs with the
 * snapshot in a memfd.  If execve returns, everything is put back and the
 * caller is told why.  The new image answers the caller (reexec_took_over).
 * The snapshot's contents are reexec-snap.c's.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "events.h"
#include "loop.h"
#include "method.h"
#include "proto.h"
#include "reap.h"
#include "reexec.h"
#include "reexec-snap.h"
#include "sdnotify.h"
#include "server.h"
#include "store.h"
#include "testhook.h"
#include "util.h"

#define REEXEC_PROBE_S		5.0	/* the new binary must answer within */
#define REEXEC_PROBE_OUT	512	/* bytes of its answer kept */
#define REEXEC_DRAIN_MS		10000	/* the tree must be quiet within */
#define REEXEC_POLL_S		0.01

enum reexec_phase {
	RX_IDLE,
	RX_PROBING,
	RX_DRAINING,
};

static struct {
	enum reexec_phase	 phase;
	struct call		*call;		/* NULL once its client left */
	pid_t			 probe_pid;
	int			 probe_fd;
	int			 probe_status;
	int			 probe_exited, probe_eof, probe_timed_out;
	char			 out[REEXEC_PROBE_OUT + 1];
	size_t			 outlen;
	ev_io			 probe_io;
	ev_timer		 timer;
	int64_t			 began, deadline;
} rx;

static char		 *reexec_exe;		/* the binary supd was started from */
static char		**reexec_argv;		/* its arguments, without --reexec-fd */
static void		(*reexec_fill)(void);

/* The signals whose arrival during the exec the new image must see. */
static void
reexec_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

void
reexec_init(int argc, char **argv, void (*fill)(void))
{
	char	buf[4096];
	ssize_t	n;
	int	i, j;

	/* after an upgrade the link says "PATH (deleted)": keep it now */
	if ((n = readlink("/proc/self/exe", buf, sizeof buf - 1)) > 0) {
		buf[n] = '\0';
		reexec_exe = xstrdup(buf);
	}
	reexec_fill = fill;
	reexec_argv = xcalloc((size_t)argc + 3, sizeof *reexec_argv);
	for (i = j = 0; i < argc; i++) {
		if (strcmp(argv[i], "--reexec-fd") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--reexec-fd=", 12) == 0)
			continue;
		reexec_argv[j++] = xstrdup(argv[i]);
	}
	rx.probe_fd = -1;
}

void
reexec_probe_answer(void)
{
	printf("%s %d\n", REEXEC_PROBE_ANSWER, REEXEC_SNAP_VERSION);
	fflush(stdout);
}

/* --- the end of a reexec that did not happen ----------------------------- */

static void
reexec_reset(void)
{
	if (rx.probe_fd != -1) {
		ev_io_stop(loop_ev, &rx.probe_io);
		close(rx.probe_fd);
		rx.probe_fd = -1;
	}
	if (rx.probe_pid > 0 && !rx.probe_exited)
		reap_forget(rx.probe_pid);
	ev_timer_stop(loop_ev, &rx.timer);
	rx.phase = RX_IDLE;
}

static void __attribute__((format(printf, 1, 2)))
reexec_fail(const char *fmt, ...)
{
	va_list	 ap;
	char	*why;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) == -1)
		why = NULL;
	va_end(ap);
	log_err("reexec failed: %s; this supd (pid %d) runs on",
	    why != NULL ? why : "?", (int)getpid());
	if (rx.call != NULL) {
		call_fail(rx.call, SUPD_COMMAND_FAILED, "{s:s, s:s}", "name",
		    "reexec", "reason", why != NULL ? why : "?");
		rx.call->cancel = NULL;
		call_done(rx.call);
		rx.call = NULL;
	}
	free(why);
	reexec_reset();
}

static void
reexec_cancel(struct call *c)
{
	/* the caller left: the reexec goes on without anyone to tell */
	(void)c;
	rx.call = NULL;
}

/* --- the exec ------------------------------------------------------------ */

static void
reexec_cloexec(const int *fds, size_t n, int on)
{
	size_t	i;
	int	fl;

	for (i = 0; i < n; i++) {
		if ((fl = fcntl(fds[i], F_GETFD)) == -1)
			continue;
		(void)fcntl(fds[i], F_SETFD, on ? fl | FD_CLOEXEC :
		    fl & ~FD_CLOEXEC);
	}
}

/* The snapshot in a memfd the new image inherits; -1 and *cause if not. */
static int
reexec_memfd(json_t *snap, char **cause)
{
	char	*text;
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 fd;

	if ((text = json_dumps(snap, JSON_COMPACT)) == NULL) {
		*cause = xstrdup("the snapshot cannot be written as JSON (a "
		    "name, argument or the configuration is not UTF-8)");
		return (-1);
	}
	len = strlen(text);
	if (len > REEXEC_SNAP_MAX) {
		*cause = xasprintf("the snapshot is too large (%zu bytes)", len);
		free(text);
		return (-1);
	}
	if ((fd = memfd_create("supd-reexec", 0)) == -1) {
		*cause = xasprintf("memfd_create: %s", strerror(errno));
		free(text);
		return (-1);
	}
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*cause = xasprintf("writing the snapshot: %s",
			    strerror(errno));
			free(text);
			close(fd);
			return (-1);
		}
		off += (size_t)n;
	}
	free(text);
	return (fd);
}

/* execve returned: the store, the signals, the descriptors and the caller back. */
static void
reexec_undo(int *fds, size_t nfds, int client_fd, const sigset_t *old,
    const char *why)
{
	char	*cause = NULL;

	reexec_cloexec(fds, nfds, 1);
	sigprocmask(SIG_SETMASK, old, NULL);
	if (store_open(loop_conf->state, loop_conf->sync_full,
	    loop_conf->history_max, &cause) == -1) {
		log_err("state database %s: %s", loop_conf->state, cause);
		free(cause);
	}
	store_start(reexec_fill, events_publish);
	server_resume();
	log_err("reexec failed: %s; this supd (pid %d) runs on", why,
	    (int)getpid());
	if (client_fd != -1)
		server_adopt_client(client_fd, json_pack("{s:s, s:{s:s, s:s}}",
		    "error", SUPD_COMMAND_FAILED, "parameters", "name", "reexec",
		    "reason", why));
	rx.phase = RX_IDLE;
}

static void
reexec_go(void)
{
	struct client	*cl = rx.call != NULL ? rx.call->client : NULL;
	sigset_t	 set, old;
	json_t		*snap;
	char		*why = NULL, fdarg[16], **argv;
	int		*fds = NULL, cfd, sfd, lfd = server_listen_fd(), saved;
	size_t		 nfds = 0, n, i;

	ev_timer_stop(loop_ev, &rx.timer);
	if (rx.call != NULL) {
		/* server_detach orphans it: it is ours to free */
		rx.call->cancel = NULL;
	}
	cfd = server_detach(cl);
	if (rx.call != NULL) {
		call_free(rx.call);
		rx.call = NULL;
	}
	/* quiet and idle: this commits nothing and waits for nothing */
	store_close();
	snap = reexec_snap_build(lfd, cfd, &fds, &nfds);
	if (snap == NULL || (sfd = reexec_memfd(snap, &why)) == -1) {
		if (why == NULL)
			why = xstrdup("the snapshot cannot be made");
		json_decref(snap);
		sigprocmask(SIG_BLOCK, NULL, &old);
		reexec_undo(fds, 0, cfd, &old, why);
		free(why);
		free(fds);
		return;
	}
	fds = xrealloc(fds, (nfds + 2) * sizeof *fds);
	fds[nfds++] = lfd;
	n = strv_len(reexec_argv);
	argv = xcalloc(n + 3, sizeof *argv);
	for (i = 0; i < n; i++)
		argv[i] = reexec_argv[i];
	snprintf(fdarg, sizeof fdarg, "%d", sfd);
	argv[n] = "--reexec-fd";
	argv[n + 1] = fdarg;
	log_info("reexec: exec %s (snapshot of %zu nodes, %d children, %lld "
	    "ms after the call)", reexec_exe,
	    json_array_size(json_object_get(snap, "nodes")),
	    reexec_snap_children(snap), (long long)(now_mono_ms() - rx.began));
	json_decref(snap);
	reexec_cloexec(fds, nfds, 0);
	/* blocked signals stay pending across execve: the new image sees them */
	reexec_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* the new image tells systemd too (and feeds its watchdog) */
	sdnotify_export();
	testhook("reexec.exec");
	execv(reexec_exe, argv);
	saved = errno;
	free(argv);
	close(sfd);
	why = xasprintf("exec %s: %s", reexec_exe, strerror(saved));
	reexec_undo(fds, nfds, cfd, &old, why);
	free(why);
	free(fds);
}

/* --- waiting for a quiet tree -------------------------------------------- */

static void
reexec_poll_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	const char	*why = NULL;

	(void)l;
	(void)w;
	(void)revents;
	if (loop_shutting_down) {
		server_resume();
		reexec_fail("supd is shutting down");
		return;
	}
	if (loop_quiet(&why) && !server_busy(rx.call != NULL ?
	    rx.call->client : NULL, &why) && store_idle()) {
		reexec_go();
		return;
	}
	if (why == NULL) {
		why = "the state database is being written";
		store_want(store_ticket());
	}
	if (now_mono_ms() >= rx.deadline) {
		server_resume();
		reexec_fail("busy: %s; try again", why);
	}
}

static void
reexec_drain(void)
{
	rx.phase = RX_DRAINING;
	rx.deadline = now_mono_ms() + REEXEC_DRAIN_MS;
	server_pause();
	ev_timer_init(&rx.timer, reexec_poll_cb, 0., REEXEC_POLL_S);
	ev_timer_start(loop_ev, &rx.timer);
}

/* --- the probe ----------------------------------------------------------- */

/* Both its exit and its output's end are in: is it a supd that reads ours? */
static void
reexec_probe_done(void)
{
	char	*nl, want[64];
	int	 st = rx.probe_status;

	if (!rx.probe_exited || !rx.probe_eof)
		return;
	ev_timer_stop(loop_ev, &rx.timer);
	rx.out[rx.outlen] = '\0';
	if ((nl = strchr(rx.out, '\n')) != NULL)
		*nl = '\0';
	snprintf(want, sizeof want, "%s %d", REEXEC_PROBE_ANSWER,
	    REEXEC_SNAP_VERSION);
	if (rx.probe_timed_out)
		reexec_fail("%s --reexec-probe: no answer within %.0f s",
		    reexec_exe, REEXEC_PROBE_S);
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		reexec_fail("%s --reexec-probe: %s %d%s%s%s", reexec_exe,
		    WIFEXITED(st) ? "exit status" : "killed by signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		    rx.out[0] != '\0' ? " (\"" : "", rx.out,
		    rx.out[0] != '\0' ? "\")" : "");
	else if (strcmp(rx.out, want) != 0)
		reexec_fail("%s --reexec-probe: answered \"%.100s\", not \"%s\" "
		    "(it cannot read this supd's snapshot)", reexec_exe, rx.out,
		    want);
	else {
		if (rx.probe_fd != -1) {
			ev_io_stop(loop_ev, &rx.probe_io);
			close(rx.probe_fd);
			rx.probe_fd = -1;
		}
		reexec_drain();
	}
}

/* The probe's output is over (its end, or its timeout): done once it exited. */
static void
reexec_probe_eof(void)
{
	if (rx.probe_fd != -1) {
		ev_io_stop(loop_ev, &rx.probe_io);
		close(rx.probe_fd);
		rx.probe_fd = -1;
	}
	rx.probe_eof = 1;
	reexec_probe_done();
}

static void
reexec_probe_read_cb(struct ev_loop *l, ev_io *w, int revents)
{
	char	buf[256];
	ssize_t	n;
	size_t	take;

	(void)l;
	(void)revents;
	n = read(w->fd, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		take = (size_t)n;
		if (take > REEXEC_PROBE_OUT - rx.outlen)
			take = REEXEC_PROBE_OUT - rx.outlen;
		memcpy(rx.out + rx.outlen, buf, take);
		rx.outlen += take;
		return;
	}
	reexec_probe_eof();
}

static void
reexec_probe_reaped(pid_t pid, int status)
{
	(void)pid;
	rx.probe_exited = 1;
	rx.probe_status = status;
	reexec_probe_done();
}

static void
reexec_probe_timeout_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	rx.probe_timed_out = 1;
	/* its exit (reaped by the child watcher) ends the probe */
	kill(rx.probe_pid, SIGKILL);
	reexec_probe_eof();
}

/* Run BINARY --reexec-probe, its output into a pipe; -1 and *cause if not. */
static int
reexec_probe(char **cause)
{
	sigset_t	 empty;
	int		 p[2], fd;
	pid_t		 pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close_range(3, ~0U, 0);
		sigemptyset(&empty);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		execl(reexec_exe, "supd", "--reexec-probe", (char *)NULL);
		dprintf(1, "exec: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	rx.probe_pid = pid;
	rx.probe_fd = p[0];
	rx.probe_exited = rx.probe_eof = rx.probe_timed_out = 0;
	rx.outlen = 0;
	ev_io_init(&rx.probe_io, reexec_probe_read_cb, p[0], EV_READ);
	ev_io_start(loop_ev, &rx.probe_io);
	reap_watch_fn(pid, -1, reexec_probe_reaped);
	ev_timer_init(&rx.timer, reexec_probe_timeout_cb, REEXEC_PROBE_S, 0.);
	ev_timer_start(loop_ev, &rx.timer);
	return (0);
}

int
reexec_call(struct call *c)
{
	struct stat	 st;
	char		*cause = NULL;

	if (loop_shutting_down)
		return (call_fail(c, SUPD_SHUTTING_DOWN, "{}"));
	if (rx.phase != RX_IDLE)
		return (call_fail(c, SUPD_COMMAND_FAILED, "{s:s, s:s}", "name",
		    "reexec", "reason", "a reexec is in progress"));
	if (reexec_exe == NULL)
		return (call_fail(c, SUPD_COMMAND_FAILED, "{s:s, s:s}", "name",
		    "reexec", "reason", "the path of supd's binary is unknown"));
	if (stat(reexec_exe, &st) == -1 || access(reexec_exe, X_OK) == -1) {
		cause = xasprintf("cannot execute %s: %s", reexec_exe,
		    strerror(errno));
		log_err("reexec failed: %s; this supd (pid %d) runs on", cause,
		    (int)getpid());
		call_fail(c, SUPD_COMMAND_FAILED, "{s:s, s:s}", "name",
		    "reexec", "reason", cause);
		free(cause);
		return (CALL_DONE);
	}
	if (reexec_probe(&cause) == -1) {
		call_fail(c, SUPD_COMMAND_FAILED, "{s:s, s:s}", "name",
		    "reexec", "reason", cause);
		free(cause);
		return (CALL_DONE);
	}
	log_info("reexec: asked by client pid; probing %s", reexec_exe);
	rx.phase = RX_PROBING;
	rx.call = c;
	rx.began = now_mono_ms();
	c->cancel = reexec_cancel;
	return (CALL_WAIT);
}

/* --- the new image ------------------------------------------------------- */

void
reexec_fresh(const char *why)
{
	int	i;

	log_err("reexec: the snapshot cannot be used: %s; starting afresh, "
	    "as after a crash (what the last image ran is stopped)", why);
	/* the listener, pipes and sockets the last image left: not ours now */
	if (close_range(3, ~0U, 0) == -1)
		for (i = 3; i < 1024; i++)
			close(i);
	reexec_unblock();
	execv("/proc/self/exe", reexec_argv);
	if (reexec_exe != NULL)
		execv(reexec_exe, reexec_argv);
	fatal("reexec: cannot start afresh: exec %s: %s", reexec_exe != NULL ?
	    reexec_exe : "/proc/self/exe", strerror(errno));
}

void
reexec_unblock(void)
{
	sigset_t	set;

	reexec_sigset(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

void
reexec_took_over(json_t *snap, int64_t began_ms)
{
	int	cfd = reexec_snap_client_fd(snap), kept;

	kept = reexec_snap_children(snap);
	log_info("reexec: supd %s took over pid %d: %d children kept, serving "
	    "again (%lld ms to read the snapshot and take the tree over)",
	    SUPD_VERSION, (int)getpid(), kept,
	    (long long)(now_mono_ms() - began_ms));
	if (cfd != -1)
		server_adopt_client(cfd, json_pack("{s:{s:i, s:i}}",
		    "parameters", "pid", (int)getpid(), "children", kept));
	reexec_unblock();
	/* what exited during the exec is a zombie whose SIGCHLD may be gone */
	reap_sweep();
}
