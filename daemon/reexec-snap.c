/*
 * reexec-snap.c — the snapshot a reexec passes to the new image, as JSON
 * in a memfd: the running configuration's text (not the file, which may
 * have changed since), every node in pre-order with its state, restart
 * counts and windows (CLOCK_MONOTONIC seconds, which survive the exec),
 * its process group, log pipes and notify socket.  The new image checks
 * all of it before it uses any of it: a snapshot it cannot use is a crash
 * of the last run, and main.c starts afresh (leftover.c stops the groups).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "conf.h"
#include "events.h"
#include "fdstore.h"
#include "leftover.h"
#include "listen.h"
#include "logs.h"
#include "loop.h"
#include "name.h"
#include "proc.h"
#include "reexec-snap.h"
#include "server-socket.h"
#include "task.h"
#include "tree.h"
#include "util.h"

#define SNAP_PIPES_MAX	32	/* log pipes of one child (two per start) */
#define SNAP_TEXT_MAX	8192	/* a status, a last exit, a reason */

/* --- the old image: build ------------------------------------------------ */

static json_t *
snap_strv(char **v)
{
	json_t	*a;

	if (v == NULL)
		return (json_null());
	a = json_array();
	for (; *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	return (a);
}

static json_t *
snap_str(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

/* A supervisor's windows: the seconds of each, oldest first. */
static json_t *
snap_windows(const struct sup *s)
{
	json_t	*all = json_array(), *one;
	int	 p, i;

	for (p = 0; p < s->nwindows; p++) {
		one = json_array();
		for (i = 0; i < s->windows[p].len; i++)
			json_array_append_new(one, json_integer(
			    s->windows[p].at[(s->windows[p].head + i) %
			    s->windows[p].cap]));
		json_array_append_new(all, one);
	}
	return (all);
}

static void
snap_fd_add(int **fds, size_t *nfds, int fd)
{
	*fds = xrealloc(*fds, (*nfds + 1) * sizeof **fds);
	(*fds)[(*nfds)++] = fd;
}

/* The stop a running process was started with: absent, or a signal and a time. */
static int
snap_stop_ok(const json_t *o)
{
	const json_t	*sig = json_object_get(o, "stop_signal");
	const json_t	*ms = json_object_get(o, "shutdown_ms");
	json_int_t	 s;

	if (sig == NULL && ms == NULL)
		return (1);
	if (!json_is_integer(sig) || !json_is_integer(ms))
		return (0);
	s = json_integer_value(sig);
	return (s >= 0 && s < 65 && json_integer_value(ms) >= SHUTDOWN_INFINITY &&
	    json_integer_value(ms) <= INT32_MAX);
}

/* The sockets held for n and the fds it stored (listen.c, fdstore.c). */
static void
snap_held(struct node *n, json_t *o, int **fds, size_t *nfds)
{
	json_t		*a;
	const char	*name, *text;
	size_t		 i;
	int		 fd;

	if (listen_count(n) + fdstore_count(n) == 0)
		return;
	a = json_array();
	for (i = 0; i < listen_count(n); i++) {
		fd = listen_get(n, i, &name, &text);
		json_array_append_new(a, json_pack("{s:s, s:i}", "text", text,
		    "fd", fd));
		snap_fd_add(fds, nfds, fd);
	}
	json_object_set_new(o, "listen", a);
	a = json_array();
	for (i = 0; i < fdstore_count(n); i++) {
		fd = fdstore_get(n, i, &name);
		json_array_append_new(a, json_pack("{s:s, s:i, s:b}", "name",
		    name, "fd", fd, "poll", fdstore_polled(n, i)));
		snap_fd_add(fds, nfds, fd);
	}
	json_object_set_new(o, "fdstore", a);
}

static json_t *
snap_node(struct node *n, int **fds, size_t *nfds)
{
	struct proc_carry	 pc;
	json_t			*o, *pipes, *kinds;
	int			 pfd[SNAP_PIPES_MAX], pkind[SNAP_PIPES_MAX];
	int			 np, i, timed_out;

	proc_carry_get(n, &pc);
	o = json_pack("{s:s, s:i, s:o, s:i, s:I, s:i, s:b, s:b, s:i, s:I,"
	    " s:i, s:i}",
	    "name", n->name, "kind", (int)n->kind,
	    "parent", snap_str(n->parent != NULL ? n->parent->name : NULL),
	    "state", (int)n->state, "incarnation", (json_int_t)n->incarnation,
	    "restarts", n->restarts, "dynamic", n->dynamic, "task", n->task,
	    "pid", pc.pid, "started_at", (json_int_t)n->started_at,
	    "code", n->last_exit_code, "signal", n->last_exit_signal);
	if (n->dynamic) {
		json_object_set_new(o, "args", snap_strv(node_extra_argv(n)));
		json_object_set_new(o, "env", snap_strv(node_extra_env(n)));
		json_object_set_new(o, "groups", snap_strv(node_extra_groups(n)));
	}
	if (n->sup != NULL) {
		json_object_set_new(o, "windows", snap_windows(n->sup));
		json_object_set_new(o, "gave_up", snap_str(n->sup->gave_up));
	}
	/* monotonic ms: the clock goes on across the exec, the deadline holds */
	if (n->backoff_at != 0 || n->backoff_ms != 0) {
		json_object_set_new(o, "backoff_at", json_integer(n->backoff_at));
		json_object_set_new(o, "backoff_ms", json_integer(n->backoff_ms));
		json_object_set_new(o, "run_since", json_integer(n->run_since));
	}
	json_object_set_new(o, "uid", json_integer(pc.uid));
	json_object_set_new(o, "failures", json_integer(pc.failures));
	json_object_set_new(o, "stop_signal", json_integer(pc.stop_signal));
	json_object_set_new(o, "shutdown_ms", json_integer(pc.shutdown_ms));
	json_object_set_new(o, "last_exit", snap_str(pc.last_exit));
	json_object_set_new(o, "status", snap_str(pc.status));
	json_object_set_new(o, "notify_fd", json_integer(pc.notify_fd));
	json_object_set_new(o, "notify_socket", snap_str(pc.notify_socket));
	json_object_set_new(o, "watchdog_ms", json_integer(pc.watchdog_ms));
	json_object_set_new(o, "health", json_integer(pc.health));
	json_object_set_new(o, "health_failures",
	    json_integer(pc.health_failures));
	json_object_set_new(o, "health_output", snap_str(pc.health_output));
	json_object_set_new(o, "health_at", json_integer(pc.health_at));
	json_object_set_new(o, "cgroup", snap_str(pc.cgroup));
	if (pc.notify_fd >= 0)
		snap_fd_add(fds, nfds, pc.notify_fd);
	pipes = json_array();
	kinds = json_array();
	np = logs_pipe_fds(n, pfd, pkind, SNAP_PIPES_MAX);
	for (i = 0; i < np; i++) {
		json_array_append_new(pipes, json_integer(pfd[i]));
		json_array_append_new(kinds, json_integer(pkind[i]));
		snap_fd_add(fds, nfds, pfd[i]);
	}
	json_object_set_new(o, "pipes", pipes);
	/* absent in an older image's snapshot: every pipe is stdout's */
	json_object_set_new(o, "pipe_kinds", kinds);
	snap_held(n, o, fds, nfds);
	if (n->task) {
		json_object_set_new(o, "task_deadline", json_integer(
		    task_deadline(n->name, &timed_out)));
		json_object_set_new(o, "task_started_at", json_integer(
		    task_started_at(n->name)));
		json_object_set_new(o, "timed_out", json_boolean(timed_out));
	}
	return (o);
}

json_t *
reexec_snap_build(int listen_fd, int client_fd, int **fds, size_t *nfds)
{
	struct config	*cf = loop_conf;
	struct node	*n;
	json_t		*nodes = json_array();

	*fds = NULL;
	*nfds = 0;
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		json_array_append_new(nodes, snap_node(n, fds, nfds));
	return (json_pack("{s:s, s:i, s:I, s:{s:s, s:s, s:s%}, s:s, s:s, s:s,"
	    " s:i, s:i, s:I, s:o, s:o}",
	    "format", "supd-reexec", "version", REEXEC_SNAP_VERSION,
	    "pid", (json_int_t)getpid(),
	    "conf", "path", cf->path, "dir", cf->dir,
	    "text", cf->text != NULL ? cf->text : "", cf->textlen,
	    "socket", cf->socket, "state", cf->state, "log_dir", cf->log_dir,
	    "listen_fd", listen_fd, "client_fd", client_fd,
	    "seq", (json_int_t)events_recorded_seq(),
	    "last_failure", snap_str(proc_last_failure()),
	    "nodes", nodes));
}

/* --- the new image: read and check --------------------------------------- */

json_t *
reexec_snap_read(int fd, char **cause)
{
	struct stat	 st;
	json_error_t	 jerr;
	json_t		*snap;
	const char	*format;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 version;

	*cause = NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > REEXEC_SNAP_MAX) {
		*cause = xasprintf("descriptor %d is not a snapshot (%s)", fd,
		    errno != 0 ? strerror(errno) : "wrong type or size");
		close(fd);
		return (NULL);
	}
	buf = xmalloc((size_t)st.st_size);
	while (len < (size_t)st.st_size) {
		n = pread(fd, buf + len, (size_t)st.st_size - len, (off_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	snap = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (snap == NULL) {
		*cause = xasprintf("not JSON: %s (byte %d)", jerr.text,
		    jerr.position);
		return (NULL);
	}
	if (json_unpack_ex(snap, &jerr, 0, "{s:s, s:i}", "format", &format,
	    "version", &version) == -1 || strcmp(format, "supd-reexec") != 0) {
		*cause = xstrdup("not a supd snapshot");
		json_decref(snap);
		return (NULL);
	}
	if (version != REEXEC_SNAP_VERSION) {
		*cause = xasprintf("snapshot version %d, this supd reads %d",
		    version, REEXEC_SNAP_VERSION);
		json_decref(snap);
		return (NULL);
	}
	return (snap);
}

struct config *
reexec_snap_config(json_t *snap, char **cause)
{
	struct config	*cf;
	const char	*path, *dir, *text, *sock, *state, *logdir;
	size_t		 len;
	json_int_t	 pid;
	char		**errors;

	if (json_unpack(snap, "{s:I, s:{s:s, s:s, s:s%}, s:s, s:s, s:s}",
	    "pid", &pid, "conf", "path", &path, "dir", &dir, "text", &text,
	    &len, "socket", &sock, "state", &state, "log_dir", &logdir) == -1) {
		*cause = xstrdup("its configuration is missing or malformed");
		return (NULL);
	}
	if (pid != (json_int_t)getpid()) {
		*cause = xasprintf("written by pid %lld, not this one",
		    (long long)pid);
		return (NULL);
	}
	if ((cf = conf_load_text(path, dir, text, len, &errors)) == NULL) {
		*cause = xasprintf("its configuration is not valid: %s",
		    errors != NULL && errors[0] != NULL ? errors[0] : "?");
		conf_errors_free(errors);
		return (NULL);
	}
	free(cf->socket);
	free(cf->state);
	free(cf->log_dir);
	cf->socket = xstrdup(sock);
	cf->state = xstrdup(state);
	cf->log_dir = xstrdup(logdir);
	return (cf);
}

/* Descriptors seen so far: none may be named twice. */
struct snap_fds {
	int	*v;
	size_t	 n;
};

static int
snap_fd_ok(struct snap_fds *seen, int fd, mode_t type, char **cause,
    const char *what)
{
	struct stat	st;
	size_t		i;

	/* type 0: any (a stored fd may be a file, a pipe, a memfd) */
	if (fd < 3 || fstat(fd, &st) == -1 ||
	    (type != 0 && (st.st_mode & S_IFMT) != type)) {
		*cause = xasprintf("%s: descriptor %d is not open or not the "
		    "right type", what, fd);
		return (-1);
	}
	for (i = 0; i < seen->n; i++)
		if (seen->v[i] == fd) {
			*cause = xasprintf("%s: descriptor %d named twice",
			    what, fd);
			return (-1);
		}
	seen->v = xrealloc(seen->v, (seen->n + 1) * sizeof *seen->v);
	seen->v[seen->n++] = fd;
	return (0);
}

/* A pid of a group carried must be a child of ours, alive or a zombie. */
static int
snap_pid_ok(int pid, char **cause, const char *name)
{
	siginfo_t	 si;
	char		 buf[32], state;
	pid_t		 pgid;
	uint64_t	 starttime;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
		*cause = xasprintf("%s: pid %d is not a child of supd", name,
		    pid);
		return (-1);
	}
	snprintf(buf, sizeof buf, "%d", pid);
	/* a zombie keeps its group; one already reaped cannot be */
	if (leftover_stat(buf, &state, &pgid, &starttime) == 0 && pgid != pid) {
		*cause = xasprintf("%s: pid %d is not its group's leader", name,
		    pid);
		return (-1);
	}
	return (0);
}

static int
snap_strv_ok(json_t *v, int names)
{
	json_t	*s;
	size_t	 i;

	if (v == NULL || json_is_null(v))
		return (1);
	if (!json_is_array(v) || json_array_size(v) > 4096)
		return (0);
	json_array_foreach(v, i, s)
		if (!json_is_string(s) || json_string_length(s) > 65536 ||
		    (names && !name_valid(json_string_value(s), NULL)))
			return (0);
	return (1);
}

static int
snap_text_ok(json_t *v)
{
	return (v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) <= SNAP_TEXT_MAX));
}

static int
snap_windows_ok(struct node *n, json_t *w, int64_t now_s)
{
	json_t	*one, *at;
	size_t	 p, i;

	if (n == NULL || n->sup == NULL)
		return (w == NULL);
	if (!json_is_array(w) || json_array_size(w) != (size_t)n->sup->nwindows)
		return (0);
	json_array_foreach(w, p, one) {
		if (!json_is_array(one) ||
		    json_array_size(one) > (size_t)spec_x(n->spec)->max_restarts + 1)
			return (0);
		json_array_foreach(one, i, at)
			if (!json_is_integer(at) ||
			    json_integer_value(at) > now_s)
				return (0);
	}
	return (1);
}

/* One node: its place in the tree, its values, its descriptors and pid. */
/* A restart delay carried: a worker's, waiting only when exited or failed. */
static int
snap_backoff_ok(json_t *o, int kind, int state, int64_t now_s)
{
	json_t		*at = json_object_get(o, "backoff_at");
	json_t		*ms = json_object_get(o, "backoff_ms");
	json_t		*since = json_object_get(o, "run_since");
	json_int_t	 a;

	if (at == NULL && ms == NULL && since == NULL)
		return (1);
	if (!json_is_integer(at) || !json_is_integer(ms) ||
	    !json_is_integer(since) || kind != KIND_WORKER)
		return (0);
	a = json_integer_value(at);
	if (a < 0 || json_integer_value(ms) < 0 ||
	    json_integer_value(ms) > INT32_MAX || json_integer_value(since) < 0 ||
	    a > now_s * 1000 + INT32_MAX)
		return (0);
	return (a == 0 || state == NODE_EXITED || state == NODE_FAILED);
}

/* Held sockets and stored fds: absent (an older image), or well formed. */
static int
snap_held_ok(json_t *o, const char *name, struct snap_fds *seen, char **cause)
{
	json_t		*a, *e;
	const char	*s;
	size_t		 i;
	int		 fd, poll;

	if ((a = json_object_get(o, "listen")) != NULL) {
		if (!json_is_array(a) || json_array_size(a) > LISTEN_FDS_MAX)
			goto bad;
		json_array_foreach(a, i, e)
			if (json_unpack(e, "{s:s, s:i}", "text", &s, "fd",
			    &fd) == -1 || strlen(s) > SNAP_TEXT_MAX ||
			    snap_fd_ok(seen, fd, S_IFSOCK, cause, name) == -1)
				goto bad;
	}
	if ((a = json_object_get(o, "fdstore")) != NULL) {
		if (!json_is_array(a) || json_array_size(a) > FD_STORE_MAX)
			goto bad;
		json_array_foreach(a, i, e)
			if (json_unpack(e, "{s:s, s:i, s:b}", "name", &s, "fd",
			    &fd, "poll", &poll) == -1 ||
			    !listen_name_valid(s, strlen(s)) ||
			    snap_fd_ok(seen, fd, 0, cause, name) == -1)
				goto bad;
	}
	return (0);
bad:
	if (*cause == NULL)
		*cause = xasprintf("%s: its held sockets or stored fds are "
		    "malformed", name);
	return (-1);
}

static int
snap_node_ok(json_t *o, json_t *names, struct snap_fds *seen, int64_t now_s,
    char **cause)
{
	const char	*name, *parent = NULL;
	json_t		*pipes, *fd, *pv;
	struct node	*n, *p;
	int		 kind, state, restarts, dynamic, task, pid, nfd, failures;
	int		 uid;
	json_int_t	 inc, started;
	size_t		 i;
	json_error_t	 jerr;

	if (json_unpack_ex(o, &jerr, 0, "{s:s, s:i, s:o, s:i, s:I, s:i, s:b,"
	    " s:b, s:i, s:I, s:i, s:i, s:o, s:i}", "name", &name, "kind", &kind,
	    "parent", &pv, "state", &state, "incarnation", &inc,
	    "restarts", &restarts, "dynamic", &dynamic, "task", &task,
	    "pid", &pid, "started_at", &started, "failures", &failures,
	    "notify_fd", &nfd, "pipes", &pipes, "uid", &uid) == -1 ||
	    !name_valid(name, NULL)) {
		*cause = xasprintf("a node is malformed: %s", jerr.text);
		return (-1);
	}
	if (!json_is_null(pv) && !json_is_string(pv)) {
		*cause = xasprintf("%s: its parent is not a name", name);
		return (-1);
	}
	parent = json_string_value(pv);
	if (json_object_get(names, name) != NULL) {
		*cause = xasprintf("%s: named twice", name);
		return (-1);
	}
	json_object_set_new(names, name, json_true());
	if (state < NODE_STOPPED || state > NODE_FAILED ||
	    state == NODE_STARTING || state == NODE_STOPPING || restarts < 0 ||
	    inc < 0 || pid < 0 || failures < 0 || !json_is_array(pipes) ||
	    !snap_stop_ok(o) ||
	    json_array_size(pipes) > SNAP_PIPES_MAX ||
	    !snap_text_ok(json_object_get(o, "last_exit")) ||
	    !snap_text_ok(json_object_get(o, "status")) ||
	    !snap_text_ok(json_object_get(o, "gave_up")) ||
	    !snap_strv_ok(json_object_get(o, "args"), 0) ||
	    !snap_strv_ok(json_object_get(o, "env"), 0) ||
	    !snap_strv_ok(json_object_get(o, "groups"), 1)) {
		*cause = xasprintf("%s: a value is out of range", name);
		return (-1);
	}
	if (!dynamic) {
		n = tree_find(name);
		if (n == NULL || (int)n->kind != kind || n->dynamic ||
		    (n->parent == NULL) != (parent == NULL) ||
		    (parent != NULL && strcmp(n->parent->name, parent) != 0)) {
			*cause = xasprintf("%s: not in the configuration as "
			    "the snapshot says", name);
			return (-1);
		}
	} else {
		if (parent == NULL || (p = tree_find(parent)) == NULL ||
		    p->kind != KIND_DYNAMIC || kind != KIND_WORKER ||
		    tree_find(name) != NULL) {
			*cause = xasprintf("%s: its dynamic supervisor is "
			    "missing or its name is taken", name);
			return (-1);
		}
		n = NULL;
	}
	if (!snap_backoff_ok(o, kind, state, now_s)) {
		*cause = xasprintf("%s: its restart delay is malformed", name);
		return (-1);
	}
	if (!snap_windows_ok(n, json_object_get(o, "windows"), now_s)) {
		*cause = xasprintf("%s: its restart windows are malformed", name);
		return (-1);
	}
	if (pid > 0 && (kind != KIND_WORKER || snap_pid_ok(pid, cause, name) == -1)) {
		if (*cause == NULL)
			*cause = xasprintf("%s: a supervisor with a pid", name);
		return (-1);
	}
	if (nfd >= 0 && (pid == 0 || !json_is_string(json_object_get(o,
	    "notify_socket")) || strncmp(json_string_value(json_object_get(o,
	    "notify_socket")), "@supd/", 6) != 0 ||
	    json_string_length(json_object_get(o, "notify_socket")) > 100)) {
		*cause = xasprintf("%s: its notify socket is malformed", name);
		return (-1);
	}
	if (nfd >= 0 && snap_fd_ok(seen, nfd, S_IFSOCK, cause, name) == -1)
		return (-1);
	/* a cgroup is one of this supd's children's, there now */
	if (json_is_string(json_object_get(o, "cgroup")) && (pid == 0 ||
	    !cgroup_path_ok(json_string_value(json_object_get(o, "cgroup"))))) {
		*cause = xasprintf("%s: its cgroup is not one of supd's", name);
		return (-1);
	}
	if ((json_object_get(o, "listen") != NULL ||
	    json_object_get(o, "fdstore") != NULL) && kind != KIND_WORKER) {
		*cause = xasprintf("%s: a supervisor with held fds", name);
		return (-1);
	}
	if (snap_held_ok(o, name, seen, cause) == -1)
		return (-1);
	json_array_foreach(pipes, i, fd) {
		if (!json_is_integer(fd) || json_integer_value(fd) > 1 << 30 ||
		    snap_fd_ok(seen, (int)json_integer_value(fd), S_IFIFO,
		    cause, name) == -1) {
			if (*cause == NULL)
				*cause = xasprintf("%s: a pipe is malformed", name);
			return (-1);
		}
	}
	return (0);
}

int
reexec_snap_check(json_t *snap, char **cause)
{
	struct snap_fds	 seen = { NULL, 0 };
	json_t		*nodes, *o, *names;
	json_int_t	 seq;
	int		 lfd, cfd, rc = 0;
	size_t		 i;
	int64_t		 now_s = now_mono_ms() / 1000;

	*cause = NULL;
	if (json_unpack(snap, "{s:i, s:i, s:I, s:o}", "listen_fd", &lfd,
	    "client_fd", &cfd, "seq", &seq, "nodes", &nodes) == -1 ||
	    !json_is_array(nodes) || seq < 0 ||
	    !snap_text_ok(json_object_get(snap, "last_failure"))) {
		*cause = xstrdup("its descriptors, seq or nodes are malformed");
		return (-1);
	}
	if (lfd < 3 || !server_socket_is_listener(lfd)) {
		*cause = xasprintf("descriptor %d is not the listening socket",
		    lfd);
		return (-1);
	}
	if (snap_fd_ok(&seen, lfd, S_IFSOCK, cause, "the socket") == -1 ||
	    (cfd != -1 && snap_fd_ok(&seen, cfd, S_IFSOCK, cause,
	    "the client") == -1)) {
		free(seen.v);
		return (-1);
	}
	names = json_object();
	json_array_foreach(nodes, i, o) {
		if (!json_is_object(o) ||
		    snap_node_ok(o, names, &seen, now_s, cause) == -1) {
			if (*cause == NULL)
				*cause = xstrdup("a node is not an object");
			rc = -1;
			break;
		}
	}
	/* the root comes first, and every static node is carried */
	if (rc == 0 && (json_array_size(nodes) == 0 || strcmp(json_string_value(
	    json_object_get(json_array_get(nodes, 0), "name")),
	    loop_root->name) != 0)) {
		*cause = xstrdup("the root is not its first node");
		rc = -1;
	}
	json_decref(names);
	free(seen.v);
	return (rc);
}

/* --- the new image: apply ------------------------------------------------ */

static char **
snap_strv_take(json_t *v)
{
	char	**out;
	json_t	 *s;
	size_t	  i;

	if (!json_is_array(v))
		return (NULL);
	out = xcalloc(json_array_size(v) + 1, sizeof *out);
	json_array_foreach(v, i, s)
		out[i] = xstrdup(json_string_value(s));
	return (out);
}

static const char *
snap_get_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

static int
snap_get_int(json_t *o, const char *key)
{
	return ((int)json_integer_value(json_object_get(o, key)));
}

static void
snap_apply_windows(struct node *n, json_t *w)
{
	json_t		*one, *at;
	size_t		 p, i;
	struct window	*win;

	json_array_foreach(w, p, one) {
		win = &n->sup->windows[p];
		win->head = 0;
		win->len = 0;
		json_array_foreach(one, i, at)
			window_push(win, spec_x(n->spec)->max_restarts,
			    json_integer_value(at));
	}
}

static void
snap_apply_node(json_t *o)
{
	struct proc_carry	 pc;
	struct node		*n;
	json_t			*fd;
	char			*cause = NULL;
	size_t			 i;

	if (json_is_true(json_object_get(o, "dynamic"))) {
		n = tree_add_dynamic(tree_find(snap_get_str(o, "parent")),
		    snap_get_str(o, "name"));
		tree_set_extra(n, snap_strv_take(json_object_get(o, "args")),
		    snap_strv_take(json_object_get(o, "env")),
		    snap_strv_take(json_object_get(o, "groups")));
		n->task = json_is_true(json_object_get(o, "task"));
	} else
		n = tree_find(snap_get_str(o, "name"));
	n->state = (enum node_state)snap_get_int(o, "state");
	n->incarnation = (uint64_t)json_integer_value(json_object_get(o,
	    "incarnation"));
	n->restarts = snap_get_int(o, "restarts");
	n->started_at = json_integer_value(json_object_get(o, "started_at"));
	n->last_exit_code = snap_get_int(o, "code");
	n->last_exit_signal = snap_get_int(o, "signal");
	n->backoff_at = json_integer_value(json_object_get(o, "backoff_at"));
	n->backoff_ms = json_integer_value(json_object_get(o, "backoff_ms"));
	n->run_since = json_integer_value(json_object_get(o, "run_since"));
	if (n->sup != NULL) {
		snap_apply_windows(n, json_object_get(o, "windows"));
		if (snap_get_str(o, "gave_up") != NULL)
			n->sup->gave_up = xstrdup(snap_get_str(o, "gave_up"));
		return;
	}
	memset(&pc, 0, sizeof pc);
	pc.pid = snap_get_int(o, "pid");
	pc.uid = snap_get_int(o, "uid");
	pc.notify_fd = snap_get_int(o, "notify_fd");
	pc.notify_socket = snap_get_str(o, "notify_socket");
	pc.status = snap_get_str(o, "status");
	pc.last_exit = snap_get_str(o, "last_exit");
	pc.failures = snap_get_int(o, "failures");
	pc.stop_signal = snap_get_int(o, "stop_signal");
	pc.shutdown_ms = json_integer_value(json_object_get(o, "shutdown_ms"));
	/* absent in an older image's snapshot: 0, no liveness state */
	pc.watchdog_ms = json_integer_value(json_object_get(o, "watchdog_ms"));
	pc.health = (int)json_integer_value(json_object_get(o, "health"));
	pc.health_failures = (int)json_integer_value(json_object_get(o,
	    "health_failures"));
	pc.health_output = snap_get_str(o, "health_output");
	pc.health_at = json_integer_value(json_object_get(o, "health_at"));
	pc.cgroup = snap_get_str(o, "cgroup");
	if (pc.notify_fd >= 0)
		(void)fcntl(pc.notify_fd, F_SETFD, FD_CLOEXEC);
	proc_adopt(n, &pc);
	json_array_foreach(json_object_get(o, "pipes"), i, fd) {
		(void)fcntl((int)json_integer_value(fd), F_SETFD, FD_CLOEXEC);
		if (logs_adopt(n, (int)json_integer_value(fd),
		    (int)json_integer_value(json_array_get(json_object_get(o,
		    "pipe_kinds"), i)), &cause) == -1) {
			/* the pipe stays open: the child's writes must not fail */
			log_warn("%s: its output is not captured: %s", n->name,
			    cause);
			free(cause);
			cause = NULL;
		}
	}
	json_array_foreach(json_object_get(o, "listen"), i, fd)
		listen_adopt(n, snap_get_str(fd, "text"), snap_get_int(fd, "fd"));
	json_array_foreach(json_object_get(o, "fdstore"), i, fd)
		fdstore_adopt(n, snap_get_str(fd, "name"), snap_get_int(fd, "fd"),
		    json_is_true(json_object_get(fd, "poll")));
	if (n->task && pc.pid > 0)
		task_adopt(n, json_integer_value(json_object_get(o,
		    "task_started_at")), json_integer_value(json_object_get(o,
		    "task_deadline")), json_is_true(json_object_get(o,
		    "timed_out")));
}

void
reexec_snap_apply(json_t *snap)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(json_object_get(snap, "nodes"), i, o)
		snap_apply_node(o);
	events_skip_to((uint64_t)json_integer_value(json_object_get(snap,
	    "seq")));
	if (snap_get_str(snap, "last_failure") != NULL)
		proc_set_last_failure(snap_get_str(snap, "last_failure"));
}

int
reexec_snap_carries(json_t *snap, int pgid)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(json_object_get(snap, "nodes"), i, o)
		if (pgid > 0 && snap_get_int(o, "pid") == pgid)
			return (1);
	return (0);
}

int
reexec_snap_running_task(json_t *snap, const char *name)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(json_object_get(snap, "nodes"), i, o)
		if (json_is_true(json_object_get(o, "task")) &&
		    snap_get_int(o, "pid") > 0 &&
		    strcmp(snap_get_str(o, "name"), name) == 0)
			return (1);
	return (0);
}

int
reexec_snap_listen_fd(json_t *snap)
{
	return (snap_get_int(snap, "listen_fd"));
}

int
reexec_snap_client_fd(json_t *snap)
{
	return (snap_get_int(snap, "client_fd"));
}

int
reexec_snap_children(json_t *snap)
{
	json_t	*o;
	size_t	 i;
	int	 n = 0;

	json_array_foreach(json_object_get(snap, "nodes"), i, o)
		if (snap_get_int(o, "pid") > 0)
			n++;
	return (n);
}
