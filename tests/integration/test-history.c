/*
 * test-history.c — what the state database carries across a restart of
 * supd (the event history, with seq going on where it stopped; the results
 * of tasks, also of one that was running), the history's bound, and disk
 * trouble: a file past its size limit, a removed file, both recovered from
 * without a restart and without acknowledging anything that is not on disk.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *conf =
    "[supd]\n"
    "history_max = 60\n"
    "\n"
    "[supervisor:root]\n"
    "max_restarts = 100\n"
    "max_seconds = 10\n"
    "\n"
    "[worker:static1]\n"
    "parent = root\n"
    "command = /bin/sleep 100000\n"
    "\n"
    "[dynamic:jobs]\n"
    "parent = root\n"
    "max_restarts = 100\n"
    "command = /bin/sh -c 'exec sleep 100000' job\n"
    "\n"
    "[dynamic:tasks]\n"
    "parent = root\n"
    "command = /bin/sh -c 'eval \"$1\"' task\n";

static struct supd_inst	in;

static void
setup(void)
{
	harness_init(&in, conf);
	harness_start(&in);
	/* answered from the loop: the state file is open and migrated */
	cr_assert_eq(harness_supctl(&in, NULL, "status", NULL), 0);
}

static void
teardown(void)
{
	harness_stop(&in);
}

/* SIGKILL supd (its children stay, orphaned), then start it again. */
static void
crash_and_restart(void)
{
	kill(in.pid, SIGKILL);
	cr_assert_geq(harness_wait_exit(&in, 5000), 0, "supd did not die");
	in.status = -1;
	harness_start(&in);
}

/* `supctl --json events [--since N]`, one object a line, as an array. */
static json_t *
events_since(long long since)
{
	char	 arg[32], *out = NULL, *line, *save = NULL;
	json_t	*all = json_array(), *ev;
	int	 rc;

	snprintf(arg, sizeof arg, "%lld", since);
	rc = harness_supctl(&in, &out, "--json", "events", "--since", arg, NULL);
	cr_assert_eq(rc, 0, "supctl events --since %s: exit %d", arg, rc);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		cr_assert_not_null(ev = json_loads(line, 0, NULL),
		    "an event line is not JSON: %s", line);
		json_array_append_new(all, ev);
	}
	free(out);
	return (all);
}

static long long
seq_of(json_t *ev)
{
	return (json_integer_value(json_object_get(ev, "seq")));
}

/* Each seq is the one before plus one; the first seq. */
static long long
assert_contiguous(json_t *evs)
{
	size_t	i;

	cr_assert_gt(json_array_size(evs), 0, "no events");
	for (i = 1; i < json_array_size(evs); i++)
		cr_assert_eq(seq_of(json_array_get(evs, i)),
		    seq_of(json_array_get(evs, i - 1)) + 1,
		    "seq %lld follows %lld", seq_of(json_array_get(evs, i)),
		    seq_of(json_array_get(evs, i - 1)));
	return (seq_of(json_array_get(evs, 0)));
}

static void
spawn_ok(const char *name)
{
	int	rc = harness_supctl(&in, NULL, "spawn", "jobs", name, NULL);

	cr_assert_eq(rc, 0, "spawn %s: exit %d", name, rc);
}

/* One value of `supctl metrics`, or -1. */
static long long
metric(const char *name)
{
	char		*out = NULL, *p;
	long long	 v = -1;
	size_t		 n = strlen(name);

	if (harness_supctl(&in, &out, "metrics", NULL) != 0) {
		free(out);
		return (-1);
	}
	for (p = out; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			v = atoll(p + n + 1);
	free(out);
	return (v);
}

/* Wait up to ms for a metric to read want. */
static int
metric_becomes(const char *name, long long want, int ms)
{
	int	waited;

	ms = harness_ms(ms);
	for (waited = 0; waited < ms; waited += 50) {
		if (metric(name) == want)
			return (1);
		harness_sleep_ms(50);
	}
	return (metric(name) == want);
}


TestSuite(history, .init = setup, .fini = teardown, .timeout = 120);

Test(history, events_since_has_no_gap_nor_duplicate_across_a_crash)
{
	json_t		*before, *after, *all;
	long long	 last;

	spawn_ok("a1");
	spawn_ok("a2");
	before = events_since(0);
	last = seq_of(json_array_get(before, json_array_size(before) - 1));
	assert_contiguous(before);
	crash_and_restart();
	spawn_ok("a3");
	after = events_since(last);
	cr_assert_eq(assert_contiguous(after), last + 1,
	    "after the restart, events --since %lld starts at %lld", last,
	    seq_of(json_array_get(after, 0)));
	/* the whole history: the first run's events, then the second's */
	all = events_since(0);
	assert_contiguous(all);
	cr_assert_eq(json_array_size(all), json_array_size(before) +
	    json_array_size(after));
	json_decref(before);
	json_decref(after);
	json_decref(all);
}

Test(history, the_history_is_bounded_by_history_max_on_disk_and_in_replies)
{
	json_t		*evs;
	char		 name[32];
	long long	 last;
	int		 i;

	/* spawn, start and remove: three events a round, past the bound */
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof name, "b%d", i);
		spawn_ok(name);
		cr_assert_eq(harness_supctl(&in, NULL, "stop", name, NULL), 0);
	}
	evs = events_since(0);
	cr_assert_eq(json_array_size(evs), 60, "%zu events kept, not 60",
	    json_array_size(evs));
	last = seq_of(json_array_get(evs, 59));
	cr_assert_gt(last, 90);
	assert_contiguous(evs);
	cr_assert_leq(harness_db_count(&in, "SELECT count(*) FROM events"), 60);
	cr_assert_eq(harness_db_count(&in, "SELECT max(seq) FROM events"), last);
	json_decref(evs);
	crash_and_restart();
	spawn_ok("c1");
	evs = events_since(0);
	cr_assert_leq(json_array_size(evs), 60);
	assert_contiguous(evs);
	cr_assert_gt(seq_of(json_array_get(evs, json_array_size(evs) - 1)),
	    last, "seq went back after the restart");
	json_decref(evs);
}

Test(history, await_finds_results_of_tasks_from_before_a_crash)
{
	char	*out = NULL;
	json_t	*r;
	int	 rc;

	rc = harness_supctl(&in, NULL, "run", "tasks", "--wait", "--name",
	    "done7", "--", "exit 7", NULL);
	cr_assert_eq(rc, 7, "run --wait: exit %d", rc);
	rc = harness_supctl(&in, NULL, "run", "tasks", "--name", "long",
	    "--", "sleep 100000", NULL);
	cr_assert_eq(rc, 0, "run: exit %d", rc);
	crash_and_restart();
	rc = harness_supctl(&in, NULL, "await", "done7", NULL);
	cr_assert_eq(rc, 7, "await done7 after the restart: exit %d", rc);
	/* the running one went with the last run: its result says so */
	rc = harness_supctl(&in, &out, "--json", "await", "long", NULL);
	cr_assert_neq(rc, 0);
	cr_assert_not_null(r = json_loads(out, 0, NULL), "not JSON: %s", out);
	cr_assert_str_eq(json_string_value(json_object_get(r, "state")), "failed");
	cr_assert_not_null(strstr(json_string_value(json_object_get(r,
	    "reason")), "interrupted"));
	json_decref(r);
	free(out);
}

/* Children of jobs that run now, by `status --json`. */
static int
jobs_running(const char *name)
{
	return (harness_whereis(&in, name) > 0);
}

Test(history, a_file_past_its_size_limit_degrades_then_recovers)
{
	struct rlimit	 small = { 150000, RLIM_INFINITY };
	struct rlimit	 none = { 0, RLIM_INFINITY };
	struct rlimit	 big = { RLIM_INFINITY, RLIM_INFINITY };
	char		 name[32], *arg, *err = NULL;
	pid_t		 old, now;
	int		 i, rc = 0, acked = 0;

	arg = malloc(40001);
	memset(arg, 'x', 40000);
	arg[40000] = '\0';
	cr_assert_eq(prlimit(in.pid, RLIMIT_FSIZE, &small, NULL), 0);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "big%d", i);
		if ((rc = harness_supctl(&in, NULL, "spawn", "jobs", name, "--",
		    arg, NULL)) != 0)
			break;
		acked++;
	}
	cr_assert_eq(rc, 1, "no spawn was refused (exit %d)", rc);
	/* the refused one does not run: nothing unacknowledged */
	cr_assert(harness_wait_log(&in, "state database", 2000));
	/*
	 * The retry reopens the file, which moves the WAL into it, and its
	 * rewrite may then fit in the limit: right, but not this test's
	 * point.  No file grows from now, so no retry commits until room.
	 */
	cr_assert_eq(prlimit(in.pid, RLIMIT_FSIZE, &none, NULL), 0);
	/* it was started, then stopped once its commit failed */
	harness_sleep_ms(harness_ms(300));
	cr_assert_not(jobs_running(name), "%s runs though it was refused", name);
	cr_assert_eq(metric("supd_state_degraded"), 1);
	rc = harness_supctl(&in, NULL, "spawn", "jobs", "refused", NULL);
	cr_assert_eq(rc, 1, "spawn while degraded: exit %d", rc);
	{
		char	*argv[] = { (char *)harness_supctl_bin, "-s", in.sock,
			    "status", NULL };
		char	*o = NULL;

		harness_run(&o, &err, argv);
		cr_assert_not_null(strstr(err, "state database"),
		    "status says nothing of the trouble: %s", err);
		free(o);
		free(err);
	}
	/* supervising goes on: a killed child comes back */
	old = harness_whereis(&in, "static1");
	kill(old, SIGKILL);
	now = harness_wait_new_pid(&in, "static1", old, 5000);
	cr_assert_gt(now, 0, "static1 was not restarted while degraded");
	/* room again: it writes everything and takes spawns */
	cr_assert_eq(prlimit(in.pid, RLIMIT_FSIZE, &big, NULL), 0);
	cr_assert(metric_becomes("supd_state_degraded", 0, 5000),
	    "still degraded with room on the disk");
	spawn_ok("after");
	crash_and_restart();
	for (i = 0; i < acked; i++) {
		snprintf(name, sizeof name, "big%d", i);
		/* they come back with the boot: within a while under memcheck */
		if (harness_wait_new_pid(&in, name, 0, 5000) == 0) {
			char	*log = harness_read(&in, "supd.log");

			cr_log_error("%lld children on disk; supd's log:\n%s",
			    harness_db_count(&in, "SELECT count(*) FROM children"),
			    log != NULL ? log : "(none)");
			free(log);
			cr_assert_fail("acknowledged %s is gone", name);
		}
	}
	snprintf(name, sizeof name, "big%d", acked);
	cr_assert_not(jobs_running(name), "refused %s came back", name);
	cr_assert_not(jobs_running("refused"));
	cr_assert(jobs_running("after"));
	free(arg);
}

Test(history, a_removed_state_file_is_written_again)
{
	char	path[320];
	int	rc;

	spawn_ok("kept");
	snprintf(path, sizeof path, "%s/state.db", in.dir);
	cr_assert_eq(unlink(path), 0);
	snprintf(path, sizeof path, "%s/state.db-wal", in.dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/state.db-shm", in.dir);
	unlink(path);
	/* written into the removed file: not acknowledged */
	rc = harness_supctl(&in, NULL, "spawn", "jobs", "lost", NULL);
	cr_assert_eq(rc, 1, "spawn into a removed file: exit %d", rc);
	cr_assert(metric_becomes("supd_state_degraded", 0, 5000));
	spawn_ok("later");
	snprintf(path, sizeof path, "%s/state.db", in.dir);
	cr_assert_eq(access(path, F_OK), 0, "no new state file");
	crash_and_restart();
	cr_assert(jobs_running("kept"));
	cr_assert(jobs_running("later"));
	cr_assert_not(jobs_running("lost"));
}

/* Run sql on the state file while supd is down. */
static void
db_exec(const char *sql)
{
	char	 path[320], *err = NULL;
	sqlite3	*db;

	snprintf(path, sizeof path, "%s/state.db", in.dir);
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK,
	    "%s: %s", sql, err);
	sqlite3_close(db);
}

Test(history, a_tampered_state_file_is_read_without_harm)
{
	json_t		*evs;
	long long	 last;
	char		 sql[2048];

	spawn_ok("good");
	evs = events_since(0);
	last = seq_of(json_array_get(evs, json_array_size(evs) - 1));
	json_decref(evs);
	kill(in.pid, SIGKILL);
	cr_assert_geq(harness_wait_exit(&in, 5000), 0);
	in.status = -1;
	snprintf(sql, sizeof sql,
	    "INSERT INTO children VALUES ('../../etc/x', 'jobs', NULL, NULL, NULL, 'permanent');"
	    "INSERT INTO children VALUES ('nosup', 'no-such', NULL, NULL, NULL, 'permanent');"
	    "INSERT INTO children VALUES ('junkargs', 'jobs', '{not json', '[1,2]', 'x', 'permanent');"
	    "INSERT INTO process_groups VALUES (0, 'zero', 0, 1, 15, 100);"
	    "INSERT INTO process_groups VALUES (1, 'init', 1, 1, 9, 100);"
	    "INSERT INTO process_groups VALUES (%d, 'me', %d, 1, 9, -5);"
	    "INSERT INTO events VALUES (%lld, 'x', 'not json at all');"
	    "INSERT INTO tasks VALUES ('t1', 0, '[\"not an object\"]');"
	    "INSERT INTO tasks VALUES ('t2', 0, '{\"state\":7,\"pid\":\"x\"}');",
	    (int)getpgrp(), (int)getpgrp(), last + 1);
	db_exec(sql);
	harness_start(&in);
	/* the test itself lives on: its own group was not signalled */
	cr_assert(jobs_running("good"));
	cr_assert(jobs_running("junkargs"), "a child with bad arguments text is lost");
	cr_assert_not(jobs_running("../../etc/x"));
	cr_assert_not(jobs_running("nosup"));
	spawn_ok("fresh");
	/* every event line is JSON, and seq goes past the bad row's */
	evs = events_since(0);
	assert_contiguous(evs);
	cr_assert_gt(seq_of(json_array_get(evs, json_array_size(evs) - 1)),
	    last + 1);
	json_decref(evs);
	cr_assert_eq(harness_supctl(&in, NULL, "await", "t2", NULL), 1);
	cr_assert_eq(harness_supctl(&in, NULL, "await", "t1", NULL), 1);
}

/* A sleep in its own process group with env entry mark (and our tag). */
static pid_t
start_marked(const char *mark)
{
	char	 tag[320];
	pid_t	 pid;

	snprintf(tag, sizeof tag, "SUPD_TEST_TAG=%s", in.dir);
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		char	*env[] = { (char *)mark, tag, NULL };

		setpgid(0, 0);
		execle("/bin/sleep", "sleep", "100000", (char *)NULL, env);
		_exit(127);
	}
	setpgid(pid, pid);
	return (pid);
}

/* 1 once pid has exited, within ms; reaps it (it is the test's child). */
static int
gone_within(pid_t pid, int ms)
{
	int	waited, st;

	ms = harness_ms(ms);
	for (waited = 0; waited < ms; waited += 20) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (1);
		harness_sleep_ms(20);
	}
	return (0);
}

Test(history, a_child_with_no_row_yet_is_found_by_its_mark)
{
	char	 path[320], *real, mark[400], other[400];
	pid_t	 ours, theirs;

	snprintf(path, sizeof path, "%s/state.db", in.dir);
	cr_assert_not_null(real = realpath(path, NULL));
	snprintf(mark, sizeof mark, "SUPD_STATE=%s", real);
	snprintf(other, sizeof other, "SUPD_STATE=%s.other", real);
	free(real);
	kill(in.pid, SIGKILL);
	cr_assert_geq(harness_wait_exit(&in, 5000), 0);
	in.status = -1;
	/* as if supd died between a child's start and its row's commit */
	ours = start_marked(mark);
	theirs = start_marked(other);
	harness_sleep_ms(100);
	harness_start(&in);
	cr_assert(gone_within(ours, 8000), "the marked leftover still runs");
	cr_assert_not(gone_within(theirs, 300),
	    "another supd's child was stopped");
	kill(theirs, SIGKILL);
	waitpid(theirs, NULL, 0);
}

/* The next NUL-terminated message on fd (malloc'd), within 10 s; NULL at the end. */
static char *
recv_msg(int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	size_t		 len = 0, cap = 256;
	char		*buf = malloc(cap);

	for (;;) {
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		if (poll(&pfd, 1, 10000) != 1 || recv(fd, buf + len, 1, 0) != 1) {
			free(buf);
			return (NULL);
		}
		if (buf[len] == '\0')
			return (buf);
		len++;
	}
}

Test(history, pipelined_spawns_share_commits_and_replies_keep_their_order)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	char			 msg[256], want[64], *r, *all;
	size_t			 len = 0;
	long long		 before, after;
	int			 fd, i, n = 150;

	before = metric("supd_state_commits_total");
	strcpy(sun.sun_path, in.sock);
	cr_assert_neq(fd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	/* every third call a Whereis, answered in its place, not first; all in one write */
	all = calloc(n, 256);
	cr_assert_not_null(all);
	for (i = 0; i < n; i++) {
		if (i % 3 == 2)
			snprintf(msg, sizeof msg, "{\"method\":\"io.supd.Supervisor."
			    "Whereis\",\"parameters\":{\"name\":\"static1\"}}");
		else
			snprintf(msg, sizeof msg, "{\"method\":\"io.supd.Supervisor."
			    "Spawn\",\"parameters\":{\"supervisor\":\"jobs\","
			    "\"name\":\"p%d\"}}", i);
		memcpy(all + len, msg, strlen(msg) + 1);
		len += strlen(msg) + 1;
	}
	cr_assert_eq(send(fd, all, len, MSG_NOSIGNAL), (ssize_t)len);
	free(all);
	for (i = 0; i < n; i++) {
		cr_assert_not_null(r = recv_msg(fd), "reply %d missing", i);
		snprintf(want, sizeof want, "\"name\":\"%s\"",
		    i % 3 == 2 ? "static1" : "");
		if (i % 3 != 2)
			snprintf(want, sizeof want, "\"name\":\"p%d\"", i);
		cr_assert_not_null(strstr(r, want), "reply %d is not for %s: %s",
		    i, want, r);
		cr_assert_null(strstr(r, "\"error\""), "reply %d: %s", i, r);
		free(r);
	}
	close(fd);
	after = metric("supd_state_commits_total");
	/*
	 * group commit: fewer transactions than acknowledged spawns (one
	 * each, and one per event, without it).  How many fewer depends on
	 * the machine's load (under half when quiet, ~85% with both cores
	 * busy): bench-spawn-conn measures it.
	 */
	if (!harness_skip_valgrind("commits shared (memcheck's slow loop "
	    "lets the writer keep up with each spawn)"))
		cr_assert_lt(after - before, n * 2 / 3, "%lld commits for %d "
		    "spawns", after - before, n * 2 / 3);
	/* and each acknowledged spawn is on disk */
	cr_assert_eq(harness_db_count(&in, "SELECT count(*) FROM children WHERE name LIKE 'p%'"),
	    n * 2 / 3);
}

/* /proc/PID/stat field 22, the start time; 0 if unreadable. */
static unsigned long long
starttime_of(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 v = 0;
	int			 fd, field;
	ssize_t			 n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return (0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return (0);
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		v = strtoull(p + 1, NULL, 10);
	return (v);
}

Test(history, a_recorded_pid_now_used_by_another_process_is_left_alone)
{
	char			 mark[16], sql[512];
	pid_t			 reused, ours;
	unsigned long long	 st;

	kill(in.pid, SIGKILL);
	cr_assert_geq(harness_wait_exit(&in, 5000), 0);
	in.status = -1;
	/* not marked: only the rows speak for these two */
	snprintf(mark, sizeof mark, "X=1");
	reused = start_marked(mark);
	ours = start_marked(mark);
	harness_sleep_ms(100);
	cr_assert_gt(st = starttime_of(ours), 0);
	snprintf(sql, sizeof sql,
	    "INSERT INTO process_groups VALUES (%d, 'old', %d, %llu, 15, 2000);"
	    "INSERT INTO process_groups VALUES (%d, 'mine', %d, %llu, 15, 2000);",
	    (int)reused, (int)reused, starttime_of(reused) + 12345,
	    (int)ours, (int)ours, st);
	db_exec(sql);
	harness_start(&in);
	cr_assert(gone_within(ours, 8000), "the recorded group was not stopped");
	cr_assert_not(gone_within(reused, 500),
	    "a process with a recorded pid but another start time was stopped");
	cr_assert(harness_wait_log(&in, "is another process now: left alone",
	    2000));
	kill(reused, SIGKILL);
	waitpid(reused, NULL, 0);
}

Test(history, a_damaged_state_file_is_moved_aside_and_supd_starts_fresh)
{
	char	 path[320], cmd[700];
	FILE	*f;
	int	 i;

	spawn_ok("before");
	kill(in.pid, SIGKILL);
	cr_assert_geq(harness_wait_exit(&in, 5000), 0);
	in.status = -1;
	snprintf(cmd, sizeof cmd, "rm -f '%s/state.db-wal' '%s/state.db-shm'",
	    in.dir, in.dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof path, "%s/state.db", in.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	for (i = 0; i < 4096; i++)
		fputc("SQLite format 3\0garbage"[i % 24] ^ (i > 100 ? i : 0), f);
	fclose(f);
	harness_start(&in);
	cr_assert(harness_wait_log(&in, "is damaged", 3000),
	    "supd did not say the file is damaged");
	snprintf(cmd, sizeof cmd, "ls '%s'/state.db.corrupt-* >/dev/null 2>&1",
	    in.dir);
	cr_assert_eq(system(cmd), 0, "the damaged file was not kept aside");
	cr_assert_gt(harness_whereis(&in, "static1"), 0);
	spawn_ok("after");
	cr_assert_eq(metric("supd_state_degraded"), 0);
}
