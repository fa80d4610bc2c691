/*
 * test-proc.c — the runtime's OS side (proc.c, notify.c, logs.c) against
 * real processes, with the loop glue (proc's ops, events_emit) faked here:
 * spawn, exec failures, fds, signals, environment, process groups, stop
 * escalation, readiness, log capture, and leaks over many cycles.
 */
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <ev.h>
#include <jansson.h>

#include "events.h"
#include "logs.h"
#include "loop.h"
#include "notify.h"
#include "proc.h"
#include "tree.h"
#include "util.h"

/* --- the fake loop glue -------------------------------------------------- */

struct ev_loop	*loop_ev;
struct config	*loop_conf;
struct node	*loop_root;

struct rec {
	enum policy_evt	 type;
	struct node	*node;
	int		 normal;
	char		 reason[256];
};

struct emitted {
	char		 event[32];
	char		 name[NAME_MAX_LEN + 1];
	json_t		*fields;
};

#define MAX_RECS	64
static struct rec	recs[MAX_RECS];
static int		nrecs;
static struct emitted	emits[MAX_RECS];
static int		nemits;

static void
rec_add(enum policy_evt type, struct node *n, int normal, const char *reason)
{
	struct rec	*r;

	cr_assert_lt(nrecs, MAX_RECS);
	r = &recs[nrecs++];
	r->type = type;
	r->node = n;
	r->normal = normal;
	snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
}

static void
fake_started(struct node *n)
{
	rec_add(EVT_STARTED, n, 0, NULL);
}

static void
fake_start_failed(struct node *n, const char *reason)
{
	rec_add(EVT_START_FAILED, n, 0, reason);
}

static void
fake_exited(struct node *n, int normal)
{
	rec_add(EVT_EXITED, n, normal, NULL);
}

static void
fake_stopped(struct node *n)
{
	rec_add(EVT_STOPPED, n, 0, NULL);
}

/* What the real loop installs, recorded as the events it would queue. */
static const struct proc_ops fake_ops = {
	.started = fake_started,
	.start_failed = fake_start_failed,
	.exited = fake_exited,
	.stopped = fake_stopped,
};

void
events_emit(const char *event, const struct node *n, json_t *fields)
{
	struct emitted	*e;

	cr_assert_lt(nemits, MAX_RECS);
	e = &emits[nemits++];
	snprintf(e->event, sizeof e->event, "%s", event);
	snprintf(e->name, sizeof e->name, "%s", n->name);
	e->fields = fields;
}

void
events_emit_name(const char *event, const char *name, json_t *fields)
{
	(void)event;
	(void)name;
	json_decref(fields);
}

static void
recs_clear(void)
{
	int	 i;

	for (i = 0; i < nemits; i++)
		json_decref(emits[i].fields);
	nrecs = nemits = 0;
}

static struct rec *
rec_find(struct node *n, enum policy_evt type)
{
	int	 i;

	for (i = 0; i < nrecs; i++) {
		if (recs[i].node == n && recs[i].type == type)
			return (&recs[i]);
	}
	return (NULL);
}

static int
rec_count(struct node *n)
{
	int	 i, c = 0;

	for (i = 0; i < nrecs; i++)
		c += recs[i].node == n;
	return (c);
}

static struct emitted *
emit_find(const char *event, const char *name)
{
	int	 i;

	for (i = 0; i < nemits; i++) {
		if (strcmp(emits[i].event, event) == 0 &&
		    strcmp(emits[i].name, name) == 0)
			return (&emits[i]);
	}
	return (NULL);
}

static json_int_t
emit_int(struct emitted *e, const char *key)
{
	json_t	*v = json_object_get(e->fields, key);

	cr_assert(json_is_integer(v), "%s has no integer %s", e->event, key);
	return (json_integer_value(v));
}

/* --- fixtures ------------------------------------------------------------ */

#define MAX_NODES	8
static struct config	 conf;
static struct node	 root;
static struct node	*nodes[MAX_NODES];
static int		 nnodes;
static char		 tmpdir[256];

static void
noop_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
}

/* Run the loop until cond holds or ms pass; whether it held. */
static int
run_until(int (*cond)(void *), void *arg, int ms)
{
	int64_t	 deadline = now_mono_ms() + ms;
	ev_timer t;

	while (cond == NULL || !cond(arg)) {
		if (now_mono_ms() >= deadline)
			return (cond == NULL);
		ev_timer_init(&t, noop_cb, 0.005, 0.);
		ev_timer_start(loop_ev, &t);
		ev_run(loop_ev, EVRUN_ONCE);
		ev_timer_stop(loop_ev, &t);
	}
	return (1);
}

struct want {
	struct node	*node;
	enum policy_evt	 type;
};

static int
want_cond(void *arg)
{
	struct want	*w = arg;

	return (rec_find(w->node, w->type) != NULL);
}

static struct rec *
wait_rec(struct node *n, enum policy_evt type, int ms)
{
	struct want	 w = { n, type };

	run_until(want_cond, &w, ms);
	return (rec_find(n, type));
}

static void
run_for(int ms)
{
	run_until(NULL, NULL, ms);
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static void
setup_with(struct ev_loop *l)
{
	char	*p;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/test-proc.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	memset(&conf, 0, sizeof conf);
	p = xasprintf("%s/logs", tmpdir);
	conf.log_dir = p;
	conf.log_max_bytes = 10 * 1024 * 1024;
	conf.log_backups = 5;
	loop_conf = &conf;
	log_threshold = LOG_LVL_WARN;
	loop_ev = l;
	memset(&root, 0, sizeof root);
	snprintf(root.name, sizeof root.name, "root");
	root.kind = KIND_SUPERVISOR;
	loop_root = &root;
	proc_init(l, &fake_ops);
}

static void
setup(void)
{
	setup_with(EV_DEFAULT);
}

static void
teardown(void)
{
	struct node	*n;
	int		 i;

	/* Every test stops what it started. */
	for (i = 0; i < nnodes; i++) {
		n = nodes[i];
		if (n->pid != 0 || (n->rt != NULL && proc_running() > 0)) {
			proc_stop(n);
			wait_rec(n, EVT_STOPPED, 10000);
		}
	}
	proc_kill_all();
	proc_free_all();
	for (i = 0; i < nnodes; i++) {
		cr_assert_null(nodes[i]->rt);
		free((void *)nodes[i]->spec);
		free(nodes[i]);
	}
	nnodes = 0;
	recs_clear();
	nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(conf.log_dir);
}

static struct spec *
mkspec(char **argv)
{
	struct spec	*s = xcalloc(1, sizeof *s);

	s->kind = KIND_WORKER;
	s->argv = argv;
	s->restart = RESTART_PERMANENT;
	s->shutdown_ms = 5000;
	s->stop_signal = SIGTERM;
	s->umask = -1;
	s->ready = READY_EXEC;
	s->start_timeout_ms = 90000;
	s->out = s->err = OUTPUT_LOG;
	return (s);
}

static struct node *
mknode(const char *name, struct spec *s)
{
	struct node	*n = xcalloc(1, sizeof *n);

	cr_assert_lt(nnodes, MAX_NODES);
	snprintf(n->name, sizeof n->name, "%s", name);
	s->name = n->name;
	n->kind = KIND_WORKER;
	n->spec = s;
	n->parent = &root;
	n->last_exit_code = -1;
	n->incarnation = 1;
	nodes[nnodes++] = n;
	return (n);
}

/* Start n and insist on EVT_STARTED (synchronous for ready = exec). */
static void
start_ok(struct node *n)
{
	struct rec	*r;

	proc_start(n);
	r = rec_find(n, EVT_START_FAILED);
	cr_assert_null(r, "start of %s failed: %s", n->name, r ? r->reason : "");
	cr_assert_not_null(rec_find(n, EVT_STARTED));
	cr_assert_gt(n->pid, 0);
}

static void
stop_ok(struct node *n)
{
	proc_stop(n);
	cr_assert_not_null(wait_rec(n, EVT_STOPPED, 10000), "%s did not stop",
	    n->name);
}

static char *
read_file(const char *path)
{
	static char	 buf[65536];
	ssize_t		 len;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return (NULL);
	len = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[len < 0 ? 0 : len] = '\0';
	return (buf);
}

/* A field of /proc/PID/status ("SigIgn", "Uid"), or NULL. */
static char *
proc_status_field(pid_t pid, const char *key)
{
	static char	 val[256];
	char		 path[64], *s, *line;
	size_t		 klen = strlen(key);

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((s = read_file(path)) == NULL)
		return (NULL);
	for (line = strtok(s, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			line += klen + 1;
			while (isspace((unsigned char)*line))
				line++;
			snprintf(val, sizeof val, "%s", line);
			return (val);
		}
	}
	return (NULL);
}

struct comm {
	pid_t		 pid;
	const char	*comm;
};

static int
comm_cond(void *arg)
{
	struct comm	*c = arg;
	char		 path[64], *s;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)c->pid);
	s = read_file(path);
	return (s != NULL && strncmp(s, c->comm, strlen(c->comm)) == 0 &&
	    s[strlen(c->comm)] == '\n');
}

/* Wait until pid has exec'd the program named comm. */
static void
wait_comm(pid_t pid, const char *comm)
{
	struct comm	 c = { pid, comm };

	cr_assert(run_until(comm_cond, &c, 5000), "pid %d never ran %s",
	    (int)pid, comm);
}

static int
file_cond(void *arg)
{
	struct stat	 st;

	return (stat(arg, &st) == 0 && st.st_size > 0);
}

static pid_t
read_pid_file(const char *name)
{
	char	 path[PATH_MAX], *s;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	cr_assert(run_until(file_cond, path, 5000), "no %s", path);
	s = read_file(path);
	return (atoi(s));
}

static int
gone(pid_t pid)
{
	return (kill(pid, 0) == -1 && errno == ESRCH);
}

/* Zombies whose parent is this process. */
static int
count_zombies(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX], *s, *p, state;
	int		 ppid, n = 0;

	cr_assert_not_null(d = opendir("/proc"));
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((s = read_file(path)) == NULL || (p = strrchr(s, ')')) == NULL)
			continue;
		if (sscanf(p + 1, " %c %d", &state, &ppid) == 2 &&
		    state == 'Z' && ppid == getpid())
			n++;
	}
	closedir(d);
	return (n);
}

static int
count_fds(pid_t pid)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[64];
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	cr_assert_not_null(d = opendir(path));
	while ((de = readdir(d)) != NULL) {
		if (isdigit((unsigned char)de->d_name[0]))
			n++;
	}
	closedir(d);
	return (n - (pid == getpid()));	/* opendir's own */
}

#define SH(script)	(char *[]){ "/bin/sh", "-c", script, NULL }

TestSuite(proc, .init = setup, .fini = teardown, .timeout = 60);

/* --- exec ---------------------------------------------------------------- */

Test(proc, exec_success_reports_started_pid_and_own_group)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "sleep", "100",
	    NULL }));
	struct emitted	*e;
	pid_t		 pid;

	start_ok(n);
	pid = n->pid;
	cr_assert_eq(getpgid(pid), pid, "not its own process group");
	cr_assert_eq(proc_running(), 1);
	cr_assert_not_null(e = emit_find("start", "w1"));
	cr_assert_eq(emit_int(e, "pid"), pid);
	cr_assert_gt(n->started_at, 0);
	stop_ok(n);
	cr_assert(gone(pid));
	cr_assert_eq(proc_running(), 0);
	cr_assert_eq(n->pid, 0);
	cr_assert_eq(n->last_exit_signal, SIGTERM);
	cr_assert_not_null(e = emit_find("exit", "w1"));
	cr_assert_eq(emit_int(e, "signal"), SIGTERM);
	cr_assert(json_is_true(json_object_get(e->fields, "normal")));
	cr_assert_null(rec_find(n, EVT_EXITED));
}

Test(proc, exec_failure_names_the_missing_binary)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "/no/such", NULL }));
	struct rec	*r;
	struct emitted	*e;

	proc_start(n);
	cr_assert_not_null(r = rec_find(n, EVT_START_FAILED));
	cr_assert_str_eq(r->reason, "exec /no/such: No such file or directory");
	cr_assert_eq(n->pid, 0);
	cr_assert_not_null(e = emit_find("start_failed", "w1"));
	cr_assert_str_eq(json_string_value(json_object_get(e->fields,
	    "reason")), r->reason);
	cr_assert_null(emit_find("start", "w1"));
	cr_assert_eq(count_zombies(), 0);
	cr_assert_eq(proc_running(), 0);
}

Test(proc, exec_failure_of_a_command_not_in_path)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "no-such-cmd-x",
	    NULL }));
	struct rec	*r;

	proc_start(n);
	cr_assert_not_null(r = rec_find(n, EVT_START_FAILED));
	cr_assert_str_eq(r->reason,
	    "exec no-such-cmd-x: No such file or directory");
}

Test(proc, bad_cwd_is_a_start_failure)
{
	struct spec	*s = mkspec((char *[]){ "/bin/true", NULL });
	struct node	*n = mknode("w1", s);
	struct rec	*r;

	s->cwd = "/no/such/dir";
	proc_start(n);
	cr_assert_not_null(r = rec_find(n, EVT_START_FAILED));
	cr_assert_str_eq(r->reason,
	    "chdir /no/such/dir: No such file or directory");
	cr_assert_eq(count_zombies(), 0);
}

Test(proc, unknown_user_is_a_start_failure)
{
	struct spec	*s = mkspec((char *[]){ "/bin/true", NULL });
	struct node	*n = mknode("w1", s);
	struct rec	*r;

	s->user = "no-such-user-x";
	proc_start(n);
	cr_assert_not_null(r = rec_find(n, EVT_START_FAILED));
	cr_assert_str_eq(r->reason, "user no-such-user-x: no such user");
}

Test(proc, unprivileged_supd_cannot_change_ids)
{
	struct spec	*s = mkspec((char *[]){ "/bin/true", NULL });
	struct node	*n = mknode("w1", s);
	struct rec	*r;

	if (geteuid() != 0)
		cr_skip_test("needs root, to drop to nobody");
	s->user = "daemon";
	s->out = s->err = OUTPUT_NULL;
	cr_assert_eq(seteuid(65534), 0);
	proc_start(n);
	cr_assert_eq(seteuid(0), 0);
	cr_assert_not_null(r = rec_find(n, EVT_START_FAILED));
	cr_assert_str_eq(r->reason, "setgid(1): Operation not permitted");
	cr_assert_eq(count_zombies(), 0);
}

Test(proc, runs_as_user_and_group)
{
	struct spec	*s = mkspec((char *[]){ "sleep", "100", NULL });
	struct node	*n = mknode("w1", s);
	char		*v;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	s->user = "nobody";
	s->umask = 027;
	start_ok(n);
	cr_assert_not_null(v = proc_status_field(n->pid, "Uid"));
	cr_assert_str_eq(v, "65534\t65534\t65534\t65534");
	cr_assert_not_null(v = proc_status_field(n->pid, "Gid"));
	cr_assert_str_eq(v, "65534\t65534\t65534\t65534");
	cr_assert_not_null(v = proc_status_field(n->pid, "Groups"));
	cr_assert_eq(atoi(v), 65534);
	cr_assert_null(strchr(v, ','));
	cr_assert_eq(strspn(v, "0123456789"), 5, "Groups: %s", v);
	cr_assert_eq(strspn(v + 5, " "), strlen(v + 5), "Groups: %s", v);
	cr_assert_not_null(v = proc_status_field(n->pid, "Umask"));
	cr_assert_str_eq(v, "0027");
	stop_ok(n);
}

/* --- what the child inherits --------------------------------------------- */

Test(proc, child_holds_only_fds_0_1_2)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "sleep", "100",
	    NULL }));
	char		 path[64], link[PATH_MAX];
	ssize_t		 len;
	int		 fds[2], extra;

	/* Descriptors supd forgot to mark close-on-exec must not leak either. */
	cr_assert_neq(extra = open("/dev/null", O_RDONLY), -1);
	cr_assert_eq(pipe(fds), 0);
	start_ok(n);
	wait_comm(n->pid, "sleep");
	cr_assert_eq(count_fds(n->pid), 3);
	snprintf(path, sizeof path, "/proc/%d/fd/0", n->pid);
	cr_assert_gt(len = readlink(path, link, sizeof link - 1), 0);
	link[len] = '\0';
	cr_assert_str_eq(link, "/dev/null");
	snprintf(path, sizeof path, "/proc/%d/fd/1", n->pid);
	cr_assert_gt(len = readlink(path, link, sizeof link - 1), 0);
	link[len] = '\0';
	cr_assert_eq(strncmp(link, "pipe:", 5), 0, "stdout is %s", link);
	stop_ok(n);
	close(extra);
	close(fds[0]);
	close(fds[1]);
}

Test(proc, signal_dispositions_and_mask_are_reset)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "sleep", "100",
	    NULL }));
	struct rec	*r;
	sigset_t	 set, old;
	char		*v;

	/* As a shell starting supd in the background leaves it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	start_ok(n);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	wait_comm(n->pid, "sleep");
	cr_assert_not_null(v = proc_status_field(n->pid, "SigIgn"));
	cr_assert_str_eq(v, "0000000000000000");
	cr_assert_not_null(v = proc_status_field(n->pid, "SigBlk"));
	cr_assert_str_eq(v, "0000000000000000");
	cr_assert_eq(kill(n->pid, SIGINT), 0);
	cr_assert_not_null(r = wait_rec(n, EVT_EXITED, 5000));
	/* SIGINT is one of systemd's clean signals: a normal exit */
	cr_assert_eq(r->normal, 1);
	cr_assert_eq(n->last_exit_signal, SIGINT);
}

Test(proc, environment_names_the_child_and_its_supervisor)
{
	struct spec	*s = mkspec((char *[]){ "/bin/sh", "-c",
	    "echo \"$SUPD_NAME|$SUPD_SUPERVISOR|$FOO|$BAR|${NOTIFY_SOCKET-unset}|$0|$1\"",
	    "zero", NULL });
	struct node	*n = mknode("w1", s);
	char		*path;

	s->env = (char *[]){ "FOO=spec", "BAR=spec", NULL };
	s->nenv = 2;
	n->extra_env = (char *[]){ "BAR=extra", "SUPD_NAME=forged", NULL };
	n->extra_argv = (char *[]){ "one", NULL };
	/* supd's own $NOTIFY_SOCKET (systemd's) is not the child's. */
	setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
	start_ok(n);
	unsetenv("NOTIFY_SOCKET");
	cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000));
	logs_forget(n);
	path = logs_path("w1");
	cr_assert_str_eq(read_file(path), "w1|root|spec|extra|unset|zero|one\n");
	free(path);
}

/* --- exits and stops ----------------------------------------------------- */

Test(proc, exit_classification_uses_success_codes)
{
	struct spec	*s0 = mkspec(SH("exit 0"));
	struct spec	*s3 = mkspec(SH("exit 3"));
	struct spec	*s4 = mkspec(SH("exit 4"));
	struct node	*n0 = mknode("w0", s0);
	struct node	*n3 = mknode("w3", s3);
	struct node	*n4 = mknode("w4", s4);
	int		 codes[] = { 0, 3 };
	struct rec	*r;

	s3->success_codes = s4->success_codes = codes;
	s3->nsuccess = s4->nsuccess = 2;
	start_ok(n0);
	start_ok(n3);
	start_ok(n4);
	cr_assert_not_null(r = wait_rec(n0, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 1);
	cr_assert_not_null(r = wait_rec(n3, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 1);
	cr_assert_eq(n3->last_exit_code, 3);
	cr_assert_not_null(r = wait_rec(n4, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 0);
	cr_assert_eq(n4->last_exit_code, 4);
	cr_assert_eq(emit_int(emit_find("exit", "w4"), "code"), 4);
	cr_assert(json_is_false(json_object_get(emit_find("exit", "w4")->fields,
	    "normal")));
}

Test(proc, clean_and_listed_signals_are_normal_exits)
{
	struct spec	*st = mkspec(SH("kill -TERM $$"));
	struct spec	*sp = mkspec(SH("kill -PIPE $$"));
	struct spec	*sk = mkspec(SH("kill -KILL $$"));
	struct spec	*su = mkspec(SH("kill -USR1 $$"));
	struct spec	*sl = mkspec(SH("kill -USR1 $$"));
	struct node	*nt = mknode("wt", st), *np = mknode("wp", sp);
	struct node	*nk = mknode("wk", sk), *nu = mknode("wu", su);
	struct node	*nl = mknode("wl", sl);
	int		 sigs[] = { SIGUSR1 };
	struct rec	*r;

	sl->success_signals = sigs;
	sl->nsuccess_signals = 1;
	start_ok(nt);
	start_ok(np);
	start_ok(nk);
	start_ok(nu);
	start_ok(nl);
	cr_assert_not_null(r = wait_rec(nt, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 1);
	cr_assert_eq(nt->last_exit_signal, SIGTERM);
	cr_assert_not_null(r = wait_rec(np, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 1);
	cr_assert_not_null(r = wait_rec(nk, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 0);
	cr_assert_not_null(r = wait_rec(nu, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 0, "USR1 is not clean unless listed");
	cr_assert_not_null(r = wait_rec(nl, EVT_EXITED, 5000));
	cr_assert_eq(r->normal, 1, "USR1 listed in success_exit_codes");
	cr_assert(json_is_true(json_object_get(emit_find("exit", "wl")->fields,
	    "normal")));
}

Test(proc, stop_escalates_to_sigkill_after_shutdown)
{
	struct spec	*s = mkspec(SH("trap '' TERM; exec sleep 100"));
	struct node	*n = mknode("w1", s);
	int64_t		 t0, dt;

	s->shutdown_ms = 200;
	start_ok(n);
	wait_comm(n->pid, "sleep");
	t0 = now_mono_ms();
	proc_stop(n);
	cr_assert_not_null(wait_rec(n, EVT_STOPPED, 5000));
	dt = now_mono_ms() - t0;
	cr_assert_geq(dt, 190, "stopped after %lld ms", (long long)dt);
	cr_assert_lt(dt, 1500, "stopped after %lld ms", (long long)dt);
	cr_assert_eq(n->last_exit_signal, SIGKILL);
}

Test(proc, brutal_kill_kills_at_once)
{
	struct spec	*s = mkspec(SH("trap '' TERM; exec sleep 100"));
	struct node	*n = mknode("w1", s);
	int64_t		 t0;

	s->shutdown_ms = SHUTDOWN_BRUTAL_KILL;
	start_ok(n);
	wait_comm(n->pid, "sleep");
	t0 = now_mono_ms();
	stop_ok(n);
	/* well before the 5 s a stop_signal + shutdown would take */
	cr_assert_lt(now_mono_ms() - t0, 2000);
	cr_assert_eq(n->last_exit_signal, SIGKILL);
}

Test(proc, stopped_process_gets_sigcont_with_the_stop_signal)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "sleep", "100",
	    NULL }));
	int64_t		 t0;

	start_ok(n);
	wait_comm(n->pid, "sleep");
	cr_assert_eq(kill(n->pid, SIGSTOP), 0);
	run_for(50);
	t0 = now_mono_ms();
	stop_ok(n);
	cr_assert_lt(now_mono_ms() - t0, 2500);
	cr_assert_eq(n->last_exit_signal, SIGTERM);
}

Test(proc, stop_kills_grandchildren_in_the_group)
{
	struct spec	*s = mkspec(SH("sleep 100 & echo $! > gc.pid; exec sleep 100"));
	struct node	*n = mknode("w1", s);
	pid_t		 gc;

	s->cwd = tmpdir;
	start_ok(n);
	gc = read_pid_file("gc.pid");
	cr_assert_eq(getpgid(gc), n->pid);
	stop_ok(n);
	cr_assert(gone(gc), "grandchild %d survived", (int)gc);
	cr_assert_eq(count_zombies(), 0);
}

Test(proc, exit_on_its_own_stops_the_rest_of_the_group_first)
{
	struct spec	*s = mkspec(SH("sleep 100 & echo $! > gc.pid; exit 3"));
	struct node	*n = mknode("w1", s);
	struct rec	*r;
	pid_t		 gc;

	s->cwd = tmpdir;
	start_ok(n);
	gc = read_pid_file("gc.pid");
	cr_assert_not_null(r = wait_rec(n, EVT_EXITED, 5000));
	cr_assert(gone(gc), "EVT_EXITED before grandchild %d died", (int)gc);
	cr_assert_eq(r->normal, 0);
	cr_assert_eq(n->last_exit_code, 3);
	cr_assert_eq(emit_int(emit_find("exit", "w1"), "code"), 3);
	cr_assert_eq(count_zombies(), 0);
}

static int
exit_emitted_cond(void *arg)
{
	return (emit_find("exit", arg) != NULL);
}

Test(proc, stop_during_cleanup_answers_stopped_only)
{
	struct spec	*s = mkspec(SH("trap '' TERM; sleep 100 & exit 0"));
	struct node	*n = mknode("w1", s);

	s->shutdown_ms = 300;
	start_ok(n);
	/* The main process is gone, its helper ignores SIGTERM. */
	cr_assert(run_until(exit_emitted_cond, "w1", 5000));
	cr_assert_null(rec_find(n, EVT_EXITED));
	proc_stop(n);
	cr_assert_not_null(wait_rec(n, EVT_STOPPED, 5000));
	run_for(50);
	cr_assert_null(rec_find(n, EVT_EXITED));
	cr_assert_eq(rec_count(n), 2);	/* STARTED, STOPPED */
}

Test(proc, signal_reaches_the_group)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "sleep", "100",
	    NULL }));

	cr_assert_eq(proc_signal(n, SIGUSR1), -1);
	start_ok(n);
	wait_comm(n->pid, "sleep");
	cr_assert_eq(proc_signal(n, SIGUSR1), 0);
	cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000));
	cr_assert_eq(n->last_exit_signal, SIGUSR1);
}

Test(proc, stop_of_a_node_never_started_answers_at_once)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "sleep", "100",
	    NULL }));

	proc_stop(n);
	cr_assert_not_null(rec_find(n, EVT_STOPPED));
}

Test(proc, orphaned_grandchildren_are_reaped)
{
	struct node	*n = mknode("w1", mkspec(SH(
	    "/bin/sh -c 'sleep 0.1 &'; exec sleep 100")));

	start_ok(n);
	wait_comm(n->pid, "sleep");
	run_for(400);
	cr_assert_eq(count_zombies(), 0);
	stop_ok(n);
}

/* --- readiness ----------------------------------------------------------- */

Test(proc, notify_ready_starts_the_child)
{
	struct spec	*s = mkspec(SH("systemd-notify --status=warming; "
	    "systemd-notify --ready --status=up; exec sleep 100"));
	struct node	*n = mknode("w1", s);
	struct emitted	*e;

	s->ready = READY_NOTIFY;
	proc_start(n);
	cr_assert_null(rec_find(n, EVT_STARTED));
	cr_assert_null(rec_find(n, EVT_START_FAILED));
	cr_assert_not_null(emit_find("start", "w1"));
	cr_assert_not_null(wait_rec(n, EVT_STARTED, 10000), "no READY=1");
	cr_assert_not_null(e = emit_find("ready", "w1"));
	cr_assert_eq(emit_int(e, "pid"), n->pid);
	cr_assert_str_eq(proc_status_text(n), "up");
	stop_ok(n);
	cr_assert_null(rec_find(n, EVT_START_FAILED));
}

Test(proc, notify_start_timeout_is_a_start_failure)
{
	struct spec	*s = mkspec((char *[]){ "sleep", "100", NULL });
	struct node	*n = mknode("w1", s);
	struct rec	*r;
	pid_t		 pid;

	s->ready = READY_NOTIFY;
	s->start_timeout_ms = 200;
	proc_start(n);
	pid = n->pid;
	cr_assert_gt(pid, 0);
	cr_assert_not_null(r = wait_rec(n, EVT_START_FAILED, 5000));
	cr_assert_str_eq(r->reason, "no READY=1 within 200 ms");
	cr_assert(gone(pid));
	cr_assert_null(rec_find(n, EVT_STARTED));
	cr_assert_not_null(emit_find("start_failed", "w1"));
}

Test(proc, notify_exit_before_ready_is_a_start_failure)
{
	struct spec	*s = mkspec(SH("exit 3"));
	struct node	*n = mknode("w1", s);
	struct rec	*r;

	s->ready = READY_NOTIFY;
	proc_start(n);
	cr_assert_not_null(r = wait_rec(n, EVT_START_FAILED, 5000));
	cr_assert_str_eq(r->reason, "exited before READY=1 (code 3)");
	cr_assert_null(rec_find(n, EVT_EXITED));
}

Test(proc, notify_ready_then_exit_is_a_start_and_an_exit)
{
	struct spec	*s = mkspec(SH("systemd-notify --ready; exit 0"));
	struct node	*n = mknode("w1", s);
	struct rec	*r;

	s->ready = READY_NOTIFY;
	proc_start(n);
	cr_assert_not_null(r = wait_rec(n, EVT_EXITED, 10000));
	cr_assert_not_null(rec_find(n, EVT_STARTED));
	cr_assert_null(rec_find(n, EVT_START_FAILED));
	cr_assert_lt(rec_find(n, EVT_STARTED) - recs, r - recs);
	cr_assert_gt(emit_int(emit_find("ready", "w1"), "pid"), 0);
}

Test(proc, stop_while_waiting_for_ready_answers_stopped_only)
{
	struct spec	*s = mkspec((char *[]){ "sleep", "100", NULL });
	struct node	*n = mknode("w1", s);

	s->ready = READY_NOTIFY;
	proc_start(n);
	stop_ok(n);
	run_for(50);
	cr_assert_eq(rec_count(n), 1);
}

/* Send a datagram to the child's socket from this (foreign) process. */
static void
send_dgram(const char *socket_name, const char *msg, int fd)
{
	struct sockaddr_un	 sun;
	struct msghdr		 m;
	struct iovec		 iov = { (void *)msg, strlen(msg) };
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(sizeof (int))];
	}			 cb;
	struct cmsghdr		*c;
	int			 s;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1, "%s",
	    socket_name + 1);
	memset(&m, 0, sizeof m);
	m.msg_name = &sun;
	m.msg_namelen = offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(socket_name + 1);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (fd != -1) {
		m.msg_control = cb.b;
		m.msg_controllen = sizeof cb.b;
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof (int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	cr_assert_neq(s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), -1);
	cr_assert_eq(sendmsg(s, &m, 0), (ssize_t)strlen(msg), "sendmsg: %s",
	    strerror(errno));
	close(s);
}

static int
hup_cond(void *arg)
{
	struct pollfd	 pfd = { *(int *)arg, POLLIN, 0 };

	return (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP));
}

Test(proc, notify_ignores_strangers_and_closes_passed_fds)
{
	struct spec	*s = mkspec(SH("echo $NOTIFY_SOCKET > sock; exec sleep 100"));
	struct node	*n = mknode("w1", s);
	char		 path[PATH_MAX], name[256], *p;
	int		 fds[2];

	s->ready = READY_NOTIFY;
	s->cwd = tmpdir;
	proc_start(n);
	snprintf(path, sizeof path, "%s/sock", tmpdir);
	cr_assert(run_until(file_cond, path, 5000));
	snprintf(name, sizeof name, "%s", read_file(path));
	if ((p = strchr(name, '\n')) != NULL)
		*p = '\0';
	cr_assert_eq(name[0], '@', "NOTIFY_SOCKET=%s", name);
	/* This test process is alive and outside the child's group. */
	cr_assert_eq(pipe(fds), 0);
	send_dgram(name, "READY=1\nBARRIER=1", fds[1]);
	close(fds[1]);
	cr_assert(run_until(hup_cond, &fds[0], 2000), "passed fd not closed");
	close(fds[0]);
	send_dgram(name, "READY=1", -1);
	run_for(100);
	cr_assert_null(rec_find(n, EVT_STARTED));
	stop_ok(n);
}

/* $NOTIFY_SOCKET is "@supd/" and 32 hex digits: nothing of the pid or the name. */
static void
assert_random_socket_name(const char *name)
{
	char	pid[32];
	size_t	i;

	cr_assert_eq(strlen(name), 6 + 32, "NOTIFY_SOCKET=%s", name);
	cr_assert_eq(strncmp(name, "@supd/", 6), 0, "NOTIFY_SOCKET=%s", name);
	for (i = 6; name[i] != '\0'; i++)
		cr_assert(isxdigit((unsigned char)name[i]) &&
		    !isupper((unsigned char)name[i]), "NOTIFY_SOCKET=%s", name);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	cr_assert_null(strstr(name, "w1"), "NOTIFY_SOCKET=%s", name);
	cr_assert_null(strstr(name, pid), "NOTIFY_SOCKET=%s names pid %s",
	    name, pid);
}

Test(proc, notify_socket_has_a_new_random_name_at_each_start)
{
	struct spec	*s = mkspec(SH("echo $NOTIFY_SOCKET > sock; "
	    "exec sleep 100"));
	struct node	*n = mknode("w1", s);
	char		 path[PATH_MAX], names[2][256], *p;
	int		 i;

	s->ready = READY_NOTIFY;
	s->cwd = tmpdir;
	snprintf(path, sizeof path, "%s/sock", tmpdir);
	for (i = 0; i < 2; i++) {
		proc_start(n);
		cr_assert(run_until(file_cond, path, 5000),
		    "start %d: no NOTIFY_SOCKET written", i + 1);
		snprintf(names[i], sizeof names[i], "%s", read_file(path));
		if ((p = strchr(names[i], '\n')) != NULL)
			*p = '\0';
		cr_assert_eq(unlink(path), 0);
		stop_ok(n);
		recs_clear();
		assert_random_socket_name(names[i]);
	}
	cr_assert_str_neq(names[0], names[1], "the same name for two starts");
}

Test(notify, parse_keeps_ready_and_a_clean_status)
{
	char	 st[16];
	int	 ready, has;

	cr_assert_eq(notify_parse("STATUS=a\tb\nREADY=1\nMAINPID=1", 28,
	    &ready, st, sizeof st, &has), 0);
	cr_assert_eq(ready, 1);
	cr_assert_eq(has, 1);
	cr_assert_str_eq(st, "a?b");
	cr_assert_eq(notify_parse("READY=10\nSTATUS=", 16, &ready, st,
	    sizeof st, &has), 0);
	cr_assert_eq(ready, 0);
	cr_assert_str_eq(st, "");
	cr_assert_eq(notify_parse("", 0, &ready, st, sizeof st, &has), -1);
	cr_assert_eq(notify_parse("READY=1\0x", 9, &ready, st, sizeof st,
	    &has), -1);
	/* invalid UTF-8 replaced; a cut never splits a character */
	cr_assert_eq(notify_parse("STATUS=\xff\xc3\xa9\xe2\x82", 12, &ready,
	    st, sizeof st, &has), 0);
	cr_assert_str_eq(st, "?\xc3\xa9??");
	cr_assert_eq(notify_parse("STATUS=abcdefghijklmn\xc3\xa9", 23, &ready,
	    st, sizeof st, &has), 0);
	cr_assert_str_eq(st, "abcdefghijklmn");
}

/* --- logs ---------------------------------------------------------------- */

Test(proc, output_goes_to_the_log_file)
{
	struct spec	*s = mkspec(SH("echo out; echo err >&2"));
	struct node	*n = mknode("w1", s);
	char		*path;

	start_ok(n);
	cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000));
	logs_forget(n);
	path = logs_path("w1");
	cr_assert_str_eq(read_file(path), "out\nerr\n");
	free(path);
}

Test(proc, null_output_writes_nothing)
{
	struct spec	*s = mkspec(SH("echo out; echo err >&2"));
	struct node	*n = mknode("w1", s);
	char		*path;
	struct stat	 st;

	s->out = s->err = OUTPUT_NULL;
	start_ok(n);
	cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000));
	logs_forget(n);
	path = logs_path("w1");
	cr_assert_eq(stat(path, &st), -1);
	free(path);
}

Test(proc, log_rotates_by_size)
{
	struct spec	*s = mkspec(SH("i=0; while [ $i -lt 200 ]; do "
	    "echo \"line $i .........................................\"; "
	    "i=$((i+1)); done"));
	struct node	*n = mknode("w1", s);
	char		*path, p[PATH_MAX];
	struct stat	 st;
	int		 i;

	conf.log_max_bytes = 1000;
	conf.log_backups = 2;
	start_ok(n);
	cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000));
	logs_forget(n);
	path = logs_path("w1");
	for (i = 1; i <= 2; i++) {
		snprintf(p, sizeof p, "%s.%d", path, i);
		cr_assert_eq(stat(p, &st), 0, "no %s", p);
		/* cut at a line end: never more than log_max_bytes */
		cr_assert_gt(st.st_size, 900);
		cr_assert_leq(st.st_size, 1000);
	}
	snprintf(p, sizeof p, "%s.3", path);
	cr_assert_eq(stat(p, &st), -1, "%s kept", p);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_leq(st.st_size, 1000);
	/* The newest lines are in the live file or the first backup. */
	snprintf(p, sizeof p, "%s", read_file(path));
	if (strstr(p, "line 199") == NULL) {
		snprintf(p, sizeof p, "%s.1", path);
		cr_assert_not_null(strstr(read_file(p), "line 199"));
	}
	free(path);
}

/* --- leaks and cost ------------------------------------------------------ */

struct fdcount {
	int	 want;
};

static int
fds_cond(void *arg)
{
	return (count_fds(getpid()) <= ((struct fdcount *)arg)->want);
}

static void
cycles(int count, const char *label)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "/bin/true",
	    NULL }));
	struct fdcount	 fc;
	int64_t		 spawn_us = 0, t0;
	struct timespec	 a, b;
	int		 i;

	/* One warm-up: the log file stays open for the node. */
	start_ok(n);
	cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000));
	recs_clear();
	run_for(20);
	fc.want = count_fds(getpid());
	t0 = now_mono_ms();
	for (i = 0; i < count; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		proc_start(n);
		clock_gettime(CLOCK_MONOTONIC, &b);
		spawn_us += (b.tv_sec - a.tv_sec) * 1000000 +
		    (b.tv_nsec - a.tv_nsec) / 1000;
		cr_assert_not_null(rec_find(n, EVT_STARTED), "cycle %d", i);
		cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000), "cycle %d", i);
		recs_clear();
	}
	cr_log_info("%s: %d cycles in %lld ms, proc_start %lld us each",
	    label, count, (long long)(now_mono_ms() - t0),
	    (long long)(spawn_us / count));
	fprintf(stderr, "%s: %d start/exit cycles in %lld ms; proc_start "
	    "%lld us each\n", label, count, (long long)(now_mono_ms() - t0),
	    (long long)(spawn_us / count));
	cr_assert(run_until(fds_cond, &fc, 2000), "fds: %d before, %d after",
	    fc.want, count_fds(getpid()));
	cr_assert_eq(count_zombies(), 0);
	cr_assert_eq(proc_running(), 0);
}

Test(proc, thousand_cycles_leak_no_zombie_and_no_fd)
{
	cycles(1000, "small heap");
}

/*
 * A start copies no page tables, so its cost does not grow with supd's
 * heap.  fork would leave every page of the heap copy-on-write: writing
 * the heap again afterwards would take a page fault per page.
 */
Test(proc, spawn_does_not_make_the_heap_copy_on_write)
{
	struct node	*n = mknode("w1", mkspec((char *[]){ "/bin/true",
	    NULL }));
	size_t		 sz = 64 << 20, pages = sz / (size_t)getpagesize();
	struct rusage	 before, after;
	long		 faults;
	char		*heap;
	int		 i;

	heap = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(heap, MAP_FAILED);
	/* small pages, so a fault per page is counted, not one per 2 MiB */
	(void)madvise(heap, sz, MADV_NOHUGEPAGE);
	memset(heap, 1, sz);
	for (i = 0; i < 3; i++) {
		start_ok(n);
		cr_assert_not_null(wait_rec(n, EVT_EXITED, 5000));
		recs_clear();
	}
	cr_assert_eq(getrusage(RUSAGE_SELF, &before), 0);
	memset(heap, 2, sz);
	cr_assert_eq(getrusage(RUSAGE_SELF, &after), 0);
	faults = after.ru_minflt - before.ru_minflt;
	cr_assert_lt(faults, (long)pages / 10, "%ld page faults rewriting a "
	    "heap of %zu pages: the starts made it copy-on-write", faults, pages);
	munmap(heap, sz);
}

/* libev's default loop reaps for us; any other loop gets our own waitpid. */
Test(proc_own_loop, reaps_with_its_own_sigchld_watcher, .fini = teardown,
    .timeout = 60)
{
	struct ev_loop	*l = ev_loop_new(EVFLAG_AUTO);
	struct node	*n;
	struct rec	*r;

	setup_with(l);
	n = mknode("w1", mkspec(SH("sleep 100 & exit 2")));
	start_ok(n);
	cr_assert_not_null(r = wait_rec(n, EVT_EXITED, 5000));
	cr_assert_eq(n->last_exit_code, 2);
	cr_assert_eq(count_zombies(), 0);
}

Test(proc_limits, supd_raises_its_fd_limit_but_not_the_childs,
    .fini = teardown, .timeout = 60)
{
	struct rlimit	 rl, got;
	struct node	*n;
	char		 path[64], want[128], *s;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max <= 256)
		cr_skip_test("hard limit too low");
	rl.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	setup();
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &got), 0);
	cr_assert_eq(got.rlim_cur, rl.rlim_max);
	n = mknode("w1", mkspec((char *[]){ "sleep", "100", NULL }));
	start_ok(n);
	snprintf(path, sizeof path, "/proc/%d/limits", n->pid);
	cr_assert_not_null(s = read_file(path));
	snprintf(want, sizeof want, "Max open files            256                  %-20llu",
	    (unsigned long long)rl.rlim_max);
	cr_assert_not_null(strstr(s, want), "%s", s);
	stop_ok(n);
}
