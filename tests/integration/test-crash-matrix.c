/*
 * test-crash-matrix.c — supd killed with SIGKILL at each named step of a
 * spawn, a stop, a reload and a reexec (SUPD_TEST_PAUSE: supd stops itself
 * there, testhook.h), then started again: every acknowledged child runs
 * exactly once, what was acknowledged as stopped does not run, nothing of
 * the killed run is left (no duplicate), and the state file passes
 * SQLite's integrity check.  A step the operation never reaches fails the
 * test: the matrix stays true to the code.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *conf =
    "[supervisor:root]\n"
    "max_restarts = 100\n"
    "max_seconds = 1\n"
    "\n"
    "[worker:static1]\n"
    "parent = root\n"
    "command = /bin/sleep 100000\n"
    "\n"
    "[dynamic:jobs]\n"
    "parent = root\n"
    "command = /bin/sh -c 'exec sleep 100000' job\n";

/*
 * The same with sync = full: every commit goes through the writer thread,
 * so the loop runs on (and sends what replies it may) while it writes.
 */
static const char *conf_sync_full =
    "[supd]\n"
    "sync = full\n"
    "\n";

/* What a reload finds in the file: one worker more. */
static const char *conf_added =
    "\n"
    "[worker:added]\n"
    "parent = root\n"
    "command = /bin/sleep 100001\n";

static struct supd_inst	in;
static char		 hook_env[400];
static const char	*hook_envv[2] = { hook_env, NULL };

static void
teardown(void)
{
	if (in.dir[0] != '\0')
		harness_stop(&in);
}

TestSuite(crash_matrix, .fini = teardown, .timeout = 280);

/* 1 once pid is stopped (SIGSTOP: /proc state T), 0 after ms. */
static int
wait_stopped(pid_t pid, int ms)
{
	char	 path[64], buf[512], *p;
	int	 fd, waited;
	ssize_t	 n;

	ms = harness_ms(ms);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (waited = 0; waited < ms; waited += 10) {
		if ((fd = open(path, O_RDONLY)) == -1)
			return (0);
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if ((p = strrchr(buf, ')')) != NULL && (p[2] == 'T' || p[2] == 't'))
			return (1);
		if (p != NULL && p[2] == 'Z')
			return (0);
		harness_sleep_ms(10);
	}
	return (0);
}

/* supctl -s SOCK ARGS... in the background, output to /dev/null. */
static pid_t
client_start(const char *a1, const char *a2, const char *a3)
{
	char	*argv[8];
	int	 argc = 0, fd;
	pid_t	 pid;

	argv[argc++] = (char *)harness_supctl_bin;
	argv[argc++] = "-s";
	argv[argc++] = in.sock;
	argv[argc++] = (char *)a1;
	if (a2 != NULL)
		argv[argc++] = (char *)a2;
	if (a3 != NULL)
		argv[argc++] = (char *)a3;
	argv[argc] = NULL;
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return (pid);
}

/* The client's exit status (it ends once supd is gone), -1 if it did not end. */
static int
client_wait(pid_t pid)
{
	int	st, i;

	for (i = 0; i < 1000 * harness_scale(); i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		harness_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return (-1);
}

static pid_t	 status_pids[64];
static int	 nstatus;

/* The pid status gives name (0: none); every pid it gives into status_pids. */
static pid_t
pid_of(const char *name)
{
	json_t		*rows, *r, *p;
	const char	*nm;
	size_t		 i;
	pid_t		 found = 0;

	rows = harness_status_rows(&in);
	nstatus = 0;
	json_array_foreach(rows, i, r) {
		if (!json_is_integer(p = json_object_get(r, "pid")))
			continue;
		if (nstatus < 64)
			status_pids[nstatus++] = (pid_t)json_integer_value(p);
		nm = json_string_value(json_object_get(r, "name"));
		if (nm != NULL && strcmp(nm, name) == 0)
			found = (pid_t)json_integer_value(p);
	}
	json_decref(rows);
	return (found);
}

/* Every process of ours is supd or a child status gives: no leftover, no duplicate. */
static void
no_stranger(const char *step)
{
	pid_t	found = 0;
	int	i;

	for (i = 0; i < 100 * harness_scale(); i++) {
		(void)pid_of("static1");
		if ((found = harness_stranger(&in, status_pids, nstatus)) == 0)
			return;
		harness_sleep_ms(50);
	}
	cr_assert_fail("%s: pid %d is ours but neither supd nor one of its "
	    "children: a leftover or a duplicate", step, (int)found);
}

static void
integrity_ok(const char *step)
{
	char		 path[320];
	sqlite3		*db;
	sqlite3_stmt	*st;
	const char	*v;

	snprintf(path, sizeof path, "%s/state.db", in.dir);
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
	    NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	v = (const char *)sqlite3_column_text(st, 0);
	cr_assert_str_eq(v != NULL ? v : "(null)", "ok", "%s: integrity_check",
	    step);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

enum op { OP_SPAWN, OP_STOP, OP_RELOAD, OP_REEXEC };

static void
append_conf(const char *text)
{
	FILE	*f;

	cr_assert_not_null(f = fopen(in.conf, "a"));
	fputs(text, f);
	fclose(f);
}

/*
 * One cell: supd armed to stop at step during op; killed there; started
 * again; the tree checked against what the client was told.
 */
static void
cell_in(enum op op, const char *step, const char *head)
{
	static const char *opname[] = { "spawn", "stop", "reload", "reexec" };
	char	 arm[320], what[96], *text;
	pid_t	 cl, kept, pid;
	int	 fd, rc;

	snprintf(what, sizeof what, "%s at %s%s", opname[op], step,
	    head != NULL ? " (sync = full)" : "");
	if (head == NULL || asprintf(&text, "%s%s", head, conf) == -1)
		text = NULL;
	harness_init(&in, text != NULL ? text : conf);
	free(text);
	snprintf(arm, sizeof arm, "%s/arm", in.dir);
	snprintf(hook_env, sizeof hook_env, "SUPD_TEST_PAUSE=%s@%s", step, arm);
	in.env = hook_envv;
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "kept", NULL), 0);
	if (op == OP_STOP)
		cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "victim",
		    NULL), 0);
	if (op == OP_RELOAD)
		append_conf(conf_added);
	cr_assert_gt(kept = harness_whereis(&in, "kept"), 0);

	/* armed: the next pass through step stops supd */
	cr_assert_neq(fd = open(arm, O_WRONLY | O_CREAT, 0644), -1);
	close(fd);
	switch (op) {
	case OP_SPAWN:	cl = client_start("spawn", "jobs", "fresh"); break;
	case OP_STOP:	cl = client_start("stop", "victim", NULL); break;
	case OP_RELOAD:	cl = client_start("reload", NULL, NULL); break;
	default:	cl = client_start("reexec", NULL, NULL); break;
	}
	if (!wait_stopped(in.pid, 20000)) {
		kill(cl, SIGKILL);
		waitpid(cl, NULL, 0);
		cr_assert_fail("%s: supd never stopped there (step not on the "
		    "path, or supd died: exit %d)", what, harness_wait_exit(&in, 0));
	}
	cr_assert_eq(access(arm, F_OK), -1, "%s: the hook left its arm file", what);
	kill(in.pid, SIGKILL);
	cr_assert_geq(harness_wait_exit(&in, 5000), 0);
	rc = client_wait(cl);
	cr_log_info("%s: the client exited %d", what, rc);

	in.env = NULL;
	in.status = -1;
	harness_start(&in);
	/* supd serves before its tree is up: wait for the starts */
	cr_assert_gt(harness_wait_new_pid(&in, "kept", 0, 10000), 0,
	    "%s: kept (acknowledged) does not run", what);
	cr_assert_gt(harness_wait_new_pid(&in, "static1", 0, 10000), 0,
	    "%s: static1 does not run", what);
	switch (op) {
	case OP_SPAWN:
		pid = rc == 0 ? harness_wait_new_pid(&in, "fresh", 0, 10000) :
		    pid_of("fresh");
		if (rc == 0)
			cr_assert_gt(pid, 0, "%s: fresh was acknowledged and does "
			    "not run", what);
		break;
	case OP_STOP:
		pid = pid_of("victim");
		if (rc == 0)
			cr_assert_eq(pid, 0, "%s: victim was acknowledged as "
			    "stopped and runs (pid %d)", what, (int)pid);
		break;
	case OP_RELOAD:
		/* the file has it: a fresh start runs it, whatever the reload did */
		cr_assert_gt(harness_wait_new_pid(&in, "added", 0, 10000), 0,
		    "%s: added does not run", what);
		break;
	default:
		break;
	}
	no_stranger(what);
	integrity_ok(what);
	harness_stop(&in);
	memset(&in, 0, sizeof in);
}

static void
cell(enum op op, const char *step)
{
	cell_in(op, step, NULL);
}

Test(crash_matrix, spawn)
{
	static const char *steps[] = { "spawn.registered", "commit.before",
	    "commit.after", "start.forked", "start.recorded", "reply.sent",
	    NULL };
	int	i;

	for (i = 0; steps[i] != NULL; i++)
		cell(OP_SPAWN, steps[i]);
}

Test(crash_matrix, stop)
{
	static const char *steps[] = { "stop.signalled", "stop.reaped",
	    "commit.before", "commit.after", "reply.sent", NULL };
	int	i;

	for (i = 0; steps[i] != NULL; i++)
		cell(OP_STOP, steps[i]);
}

/*
 * With sync = full every commit is the writer thread's, and the loop goes on
 * sending replies while it writes: a stop's reply must still wait for the
 * commit of its removal (the cells above commit on the loop's thread).
 */
Test(crash_matrix, stop_while_the_writer_thread_commits)
{
	static const char *steps[] = { "commit.before", "commit.after", NULL };
	int	i;

	for (i = 0; steps[i] != NULL; i++)
		cell_in(OP_STOP, steps[i], conf_sync_full);
}

Test(crash_matrix, reload)
{
	static const char *steps[] = { "start.forked", "start.recorded",
	    "reload.finish", "reply.sent", NULL };
	int	i;

	for (i = 0; steps[i] != NULL; i++)
		cell(OP_RELOAD, steps[i]);
}

Test(crash_matrix, reexec)
{
	static const char *steps[] = { "reexec.exec", "reexec.resumed",
	    "reply.sent", NULL };
	int	i;

	for (i = 0; steps[i] != NULL; i++)
		cell(OP_REEXEC, steps[i]);
}
