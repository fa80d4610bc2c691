/*
 * test-dynamic.c — dynamic children by name against the real supd: spawn,
 * the registry, refusals, templates, restarts and removal, partitions,
 * tasks (run, await, timeouts), process groups, what status, tree, inspect
 * and events say about them, and that a thousand spawns leave nothing behind.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/*
 * jobs: each child appends "PID NAME SUPERVISOR TEMPLATE_ENV EXTRA ARGC:ARGS"
 * to DIR/NAME.out, then becomes a sleep (same pid).  scripts: the first
 * argument is a shell script, transient.  tasks: the same, for `run`.
 * small: at most 3 children.  broken: a command that cannot exec.  many:
 * cheap sleeps for the leak test.
 */
static const char *conf =
    "[supervisor:root]\n"
    "max_restarts = 100\n"
    "max_seconds = 60\n"
    "\n"
    "[worker:static1]\n"
    "parent = root\n"
    "command = /bin/sleep 100000\n"
    "\n"
    "[dynamic:jobs]\n"
    "parent = root\n"
    "max_children = 50\n"
    "max_restarts = 20\n"
    "max_seconds = 60\n"
    "restart = transient\n"
    "groups = pool\n"
    "env = FROM_TEMPLATE=yes\n"
    "command = /bin/sh -c 'echo \"$$ $SUPD_NAME $SUPD_SUPERVISOR "
    "$FROM_TEMPLATE $EXTRA $#:$*\" >> @DIR@/$SUPD_NAME.out; "
    "exec sleep 100000' job\n"
    "\n"
    "[dynamic:scripts]\n"
    "parent = root\n"
    "max_restarts = 20\n"
    "max_seconds = 60\n"
    "restart = transient\n"
    "command = /bin/sh -c 'eval \"$1\"' script\n"
    "\n"
    "[dynamic:tasks]\n"
    "parent = root\n"
    "command = /bin/sh -c 'eval \"$1\"' task\n"
    "\n"
    "[dynamic:small]\n"
    "parent = root\n"
    "max_children = 3\n"
    "command = /bin/sleep 100000\n"
    "\n"
    "[dynamic:broken]\n"
    "parent = root\n"
    "command = @DIR@/no-such-binary\n"
    "\n"
    "[dynamic:many]\n"
    "parent = root\n"
    "max_children = 2000\n"
    "restart = transient\n"
    "command = /bin/sleep 100000\n";

/* One partitioned pool: a crash loop in one partition is this test's subject. */
static const char *conf_partitions =
    "[supervisor:root]\n"
    "max_restarts = 100\n"
    "max_seconds = 60\n"
    "\n"
    "[worker:static1]\n"
    "parent = root\n"
    "command = /bin/sleep 100000\n"
    "\n"
    "[dynamic:pool]\n"
    "parent = root\n"
    "partitions = 4\n"
    "max_restarts = 3\n"
    "max_seconds = 60\n"
    "restart = transient\n"
    "command = /bin/sh -c 'eval \"$1\"' pool\n";

/* A dynamic supervisor that gives up at its second restart; root restarts it. */
static const char *conf_give_up =
    "[supervisor:root]\n"
    "max_restarts = 100\n"
    "max_seconds = 60\n"
    "\n"
    "[dynamic:fragile]\n"
    "parent = root\n"
    "max_restarts = 1\n"
    "max_seconds = 60\n"
    "restart = transient\n"
    "command = /bin/sh -c 'echo \"$$ $*\" >> @DIR@/$SUPD_NAME.out; "
    "eval \"$1\"' fragile\n";

#define WAIT_MS		20000	/* generous: a loaded 2-core machine, sanitizers */

static struct supd_inst	in;

static void
supd_up(void)
{
	harness_init(&in, conf);
	harness_start(&in);
}

static void
supd_down(void)
{
	harness_stop(&in);
}

TestSuite(dynamic, .init = supd_up, .fini = supd_down, .timeout = 120);
TestSuite(tasks, .init = supd_up, .fini = supd_down, .timeout = 120);
TestSuite(groups, .init = supd_up, .fini = supd_down, .timeout = 120);
TestSuite(observe, .init = supd_up, .fini = supd_down, .timeout = 120);
TestSuite(partitions, .timeout = 120);
TestSuite(durable, .timeout = 120);
TestSuite(leaks, .init = supd_up, .fini = supd_down, .timeout = 120);

/* supctl -s SOCK ARGS...: its exit status; stdout and stderr kept if asked. */
static int
supctl(char **out, char **err, ...)
{
	char	*argv[64];
	int	 argc = 0;
	va_list	 ap;

	argv[argc++] = (char *)harness_supctl_bin;
	argv[argc++] = "-s";
	argv[argc++] = in.sock;
	va_start(ap, err);
	while (argc < 63 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return (harness_run(out, err, argv));
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* A process that exists and is no zombie. */
static int
alive(pid_t pid)
{
	char	path[64], stat[512], *p;
	FILE	*f;
	int	 ok = 0;

	if (pid <= 0 || kill(pid, 0) == -1)
		return (0);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(stat, sizeof stat, f) != NULL &&
	    (p = strrchr(stat, ')')) != NULL)
		ok = p[2] != 'Z';
	fclose(f);
	return (ok);
}

static int
wait_dead(pid_t pid, int ms)
{
	int	waited;

	ms = harness_ms(ms);
	for (waited = 0; alive(pid) && waited < ms; waited += 20)
		harness_sleep_ms(20);
	return (!alive(pid));
}

/* `supctl spawn` that must succeed; the pid it printed. */
static pid_t
spawn_ok(const char *sup, const char *name, ...)
{
	char	*argv[64], *out = NULL, *err = NULL;
	int	 argc = 0, rc;
	pid_t	 pid;
	va_list	 ap;

	argv[argc++] = (char *)harness_supctl_bin;
	argv[argc++] = "-s";
	argv[argc++] = in.sock;
	argv[argc++] = "spawn";
	argv[argc++] = (char *)sup;
	argv[argc++] = (char *)name;
	va_start(ap, name);
	while (argc < 63 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	rc = harness_run(&out, &err, argv);
	cr_assert_eq(rc, 0, "spawn %s %s: exit %d: %s", sup, name, rc, err);
	pid = atoi(out);
	cr_assert_gt(pid, 0, "spawn %s %s printed \"%s\"", sup, name, out);
	free(out);
	free(err);
	return (pid);
}

/* The JSON document a `supctl --json ...` printed; asserts it exited want. */
static json_t *
supctl_json_rc(const char *cmd, const char *arg, int want)
{
	char		*out = NULL;
	json_t		*j;
	json_error_t	 e;
	int		 rc;

	rc = supctl(&out, NULL, "--json", cmd, arg, NULL);
	cr_assert_eq(rc, want, "supctl --json %s %s: exit %d", cmd,
	    arg != NULL ? arg : "", rc);
	j = json_loads(out, 0, &e);
	cr_assert_not_null(j, "supctl --json %s: not JSON (%s): %s", cmd,
	    e.text, out);
	free(out);
	return (j);
}

static json_t *
supctl_json(const char *cmd, const char *arg)
{
	return (supctl_json_rc(cmd, arg, 0));
}

/* `supctl --json events [NAME]`: one object a line, as an array. */
static json_t *
events_of(const char *name)
{
	char		*out = NULL, *line, *save = NULL;
	json_t		*all = json_array(), *ev;
	int		 rc;

	rc = supctl(&out, NULL, "--json", "events", name, NULL);
	cr_assert_eq(rc, 0, "supctl events: exit %d", rc);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ev = json_loads(line, 0, NULL);
		cr_assert_not_null(ev, "an event line is not JSON: %s", line);
		json_array_append_new(all, ev);
	}
	free(out);
	return (all);
}

/* How many events of this kind (and for this name, unless NULL) there are. */
static int
count_events(json_t *evs, const char *kind, const char *name)
{
	json_t	*ev;
	size_t	 i;
	int	 n = 0;

	json_array_foreach(evs, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "event"));
		const char *nm = json_string_value(json_object_get(ev, "name"));

		if (k != NULL && strcmp(k, kind) == 0 &&
		    (name == NULL || (nm != NULL && strcmp(nm, name) == 0)))
			n++;
	}
	return (n);
}

/* Rows of `status --json` whose parent is sup. */
static int
children_of(json_t *rows, const char *sup)
{
	json_t	*r;
	size_t	 i;
	int	 n = 0;

	json_array_foreach(rows, i, r) {
		const char *p = json_string_value(json_object_get(r, "parent"));

		if (p != NULL && strcmp(p, sup) == 0)
			n++;
	}
	return (n);
}

static int
has_string(json_t *a, const char *s)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return (1);
	return (0);
}

/* Wait until status no longer lists name; 1 if it went. */
static int
wait_gone(const char *name, int ms)
{
	json_t	*rows;
	int	 waited = 0, there;

	ms = harness_ms(ms);
	for (;;) {
		rows = supctl_json("status", NULL);
		there = harness_row(rows, name) != NULL;
		json_decref(rows);
		if (!there || waited >= ms)
			return (!there);
		harness_sleep_ms(50);
		waited += 50;
	}
}

/* The last line of DIR/file, split as "PID rest": pid returned, rest copied. */
static pid_t
last_line(const char *file, char *rest, size_t size)
{
	char	*s = harness_read(&in, file), *p, *last;
	pid_t	 pid = 0;

	rest[0] = '\0';
	if (s == NULL)
		return (0);
	for (last = p = s; *p != '\0'; p++)
		if (*p == '\n' && p[1] != '\0')
			last = p + 1;
	pid = atoi(last);
	if ((p = strchr(last, ' ')) != NULL)
		snprintf(rest, size, "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
	free(s);
	return (pid);
}

/* One raw varlink call on a fresh connection; the reply object. */
static json_t *
varlink_call(const char *msg)
{
	struct sockaddr_un	 sun;
	char			 buf[65536];
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;
	json_t			*j;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	cr_assert_lt(strlen(in.sock), sizeof sun.sun_path);
	memcpy(sun.sun_path, in.sock, strlen(in.sock) + 1);
	cr_assert_neq(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), -1);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	cr_assert_eq(write(fd, msg, strlen(msg) + 1), (ssize_t)strlen(msg) + 1);
	while (len < sizeof buf - 1 && memchr(buf, '\0', len) == NULL) {
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	cr_assert(memchr(buf, '\0', len) != NULL, "no reply to %s", msg);
	j = json_loads(buf, 0, NULL);
	cr_assert_not_null(j, "reply is not JSON: %s", buf);
	return (j);
}

/* supd's tree_partition: FNV-1a of the name, mod partitions. */
static int
partition_of(const char *name, int partitions)
{
	uint32_t	h = 2166136261u;

	for (; *name != '\0'; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	return ((int)(h % (uint32_t)partitions));
}

Test(dynamic, spawn_then_whereis_then_stop_round_trips_the_registry)
{
	json_t	*rows, *r;
	char	*out = NULL;
	pid_t	 pid;

	pid = spawn_ok("jobs", "w1", NULL);
	cr_expect(alive(pid), "the pid spawn printed runs");
	cr_expect_eq(harness_whereis(&in, "w1"), pid);
	rows = supctl_json("status", "w1");
	cr_assert_not_null(r = harness_row(rows, "w1"));
	cr_expect_str_eq(json_string_value(json_object_get(r, "state")), "running");
	cr_expect_str_eq(json_string_value(json_object_get(r, "parent")), "jobs");
	cr_expect_eq(json_integer_value(json_object_get(r, "pid")), pid);
	json_decref(rows);

	cr_assert_eq(supctl(NULL, NULL, "stop", "w1", NULL), 0);
	cr_expect(wait_dead(pid, WAIT_MS), "stop ended the child");
	cr_expect_eq(supctl(&out, NULL, "whereis", "w1", NULL), 1,
	    "whereis fails once the name is gone");
	cr_expect_str_empty(out);
	free(out);
	cr_expect(wait_gone("w1", 0), "status no longer lists w1");
	/* the name is free again */
	pid = spawn_ok("jobs", "w1", NULL);
	cr_expect_eq(harness_whereis(&in, "w1"), pid);
}

Test(dynamic, a_duplicate_name_is_refused_with_the_running_pid)
{
	char	*err = NULL, want[64];
	pid_t	 pid;
	int	 rc;

	pid = spawn_ok("jobs", "dup", NULL);
	rc = supctl(NULL, &err, "spawn", "jobs", "dup", NULL);
	cr_expect_eq(rc, 1, "exit %d", rc);
	snprintf(want, sizeof want, "already started (pid %d)", (int)pid);
	cr_expect(strstr(err, want) != NULL, "stderr: %s", err);
	free(err);
	cr_expect_eq(harness_whereis(&in, "dup"), pid, "the first one is untouched");
	cr_expect(alive(pid));
	cr_expect_eq(harness_wait_lines(&in, "dup.out", 1, WAIT_MS), 1);
	harness_sleep_ms(100);
	cr_expect_eq(harness_wait_lines(&in, "dup.out", 1, 0), 1,
	    "no second process was started");
}

Test(dynamic, max_children_refuses_one_more_until_a_child_is_stopped)
{
	char	*err = NULL;
	json_t	*rows;
	int	 rc;

	spawn_ok("small", "s1", NULL);
	spawn_ok("small", "s2", NULL);
	spawn_ok("small", "s3", NULL);
	rc = supctl(NULL, &err, "spawn", "small", "s4", NULL);
	cr_expect_eq(rc, 1, "exit %d", rc);
	cr_expect(strstr(err, "max children reached (3)") != NULL, "stderr: %s", err);
	free(err);
	cr_expect_eq(harness_whereis(&in, "s4"), 0, "s4 was not registered");
	rows = supctl_json("status", NULL);
	cr_expect_eq(children_of(rows, "small"), 3);
	json_decref(rows);

	cr_assert_eq(supctl(NULL, NULL, "stop", "s2", NULL), 0);
	spawn_ok("small", "s4", NULL);
	rows = supctl_json("status", NULL);
	cr_expect_eq(children_of(rows, "small"), 3);
	cr_expect_null(harness_row(rows, "s2"));
	cr_expect_not_null(harness_row(rows, "s4"));
	json_decref(rows);
}

Test(dynamic, invalid_names_are_refused_by_supctl_and_by_supd)
{
	static const char *const bad[] = { "", "a b", "-lead", ".lead", "a/b",
	    "x;y", "caf\xc3\xa9", NULL };
	char	 long65[66], long64[65], msg[512], *err = NULL, want[128];
	json_t	*rows, *reply;
	int	 i, rc, before, after;
	pid_t	 static_pid;

	memset(long65, 'n', 65);
	long65[65] = '\0';
	memset(long64, 'n', 64);
	long64[64] = '\0';
	rows = supctl_json("status", NULL);
	before = (int)json_array_size(rows);
	json_decref(rows);

	for (i = 0; bad[i] != NULL; i++) {
		rc = supctl(NULL, NULL, "spawn", "jobs", bad[i], NULL);
		cr_expect_eq(rc, 2, "supctl spawn \"%s\": exit %d", bad[i], rc);
	}
	rc = supctl(NULL, &err, "spawn", "jobs", long65, NULL);
	cr_expect_eq(rc, 2, "65 characters: exit %d", rc);
	cr_expect(strstr(err, "longer than 64") != NULL, "stderr: %s", err);
	free(err);

	/* supd checks too: a client that skips supctl's check gets InvalidName */
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(msg, sizeof msg, "{\"method\":\"io.supd.Supervisor.Spawn\","
		    "\"parameters\":{\"supervisor\":\"jobs\",\"name\":\"%s\"}}", bad[i]);
		reply = varlink_call(msg);
		cr_expect_str_eq(json_string_value(json_object_get(reply, "error")),
		    "io.supd.Supervisor.InvalidName", "name \"%s\"", bad[i]);
		json_decref(reply);
	}
	snprintf(msg, sizeof msg, "{\"method\":\"io.supd.Supervisor.Spawn\","
	    "\"parameters\":{\"supervisor\":\"jobs\",\"name\":\"%s\"}}", long65);
	reply = varlink_call(msg);
	cr_expect_str_eq(json_string_value(json_object_get(reply, "error")),
	    "io.supd.Supervisor.InvalidName");
	json_decref(reply);

	/* a static child's name is taken: refused with the static child's pid */
	static_pid = harness_whereis(&in, "static1");
	cr_assert_gt(static_pid, 0);
	err = NULL;
	rc = supctl(NULL, &err, "spawn", "jobs", "static1", NULL);
	cr_expect_eq(rc, 1, "static1: exit %d", rc);
	snprintf(want, sizeof want, "the name is taken by a static worker under "
	    "root (pid %d)", (int)static_pid);
	cr_expect(strstr(err, want) != NULL, "stderr: %s", err);
	free(err);
	cr_expect_eq(harness_whereis(&in, "static1"), static_pid);
	/* so is a supervisor's */
	rc = supctl(NULL, NULL, "spawn", "jobs", "scripts", NULL);
	cr_expect_eq(rc, 1, "scripts: exit %d", rc);

	rows = supctl_json("status", NULL);
	after = (int)json_array_size(rows);
	json_decref(rows);
	cr_expect_eq(after, before, "nothing was registered (%d rows, then %d)",
	    before, after);
	/* 64 characters is the longest name, and it is fine */
	spawn_ok("jobs", long64, NULL);
	cr_expect_gt(harness_whereis(&in, long64), 0);
}

Test(dynamic, template_arguments_and_environment_reach_the_child)
{
	char	rest[512];
	pid_t	pid, logged;

	pid = spawn_ok("jobs", "argy", "--env", "EXTRA=extra-value", "--",
	    "one two", "three", NULL);
	cr_assert_eq(harness_wait_lines(&in, "argy.out", 1, WAIT_MS), 1);
	logged = last_line("argy.out", rest, sizeof rest);
	cr_expect_eq(logged, pid, "the registered pid is the child's own");
	/* SUPD_NAME SUPD_SUPERVISOR template-env --env $#:$* */
	cr_expect_str_eq(rest, "argy jobs yes extra-value 2:one two three");
}

Test(dynamic, a_crashing_transient_child_comes_back_with_its_name_and_arguments)
{
	char	rest1[512], rest2[512];
	pid_t	pid, pid2;
	json_t	*rows, *evs;

	pid = spawn_ok("jobs", "crashy", "--env", "EXTRA=x", "--", "a1", "a 2", NULL);
	cr_assert_eq(harness_wait_lines(&in, "crashy.out", 1, WAIT_MS), 1);
	last_line("crashy.out", rest1, sizeof rest1);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	pid2 = harness_wait_new_pid(&in, "crashy", pid, WAIT_MS);
	cr_assert_gt(pid2, 0, "crashy was restarted");
	cr_expect_neq(pid2, pid);
	cr_assert_eq(harness_wait_lines(&in, "crashy.out", 2, WAIT_MS), 2);
	cr_expect_eq(last_line("crashy.out", rest2, sizeof rest2), pid2);
	cr_expect_str_eq(rest2, rest1, "same name, environment and arguments");
	cr_expect_str_eq(rest2, "crashy jobs yes x 2:a1 a 2");

	rows = supctl_json("status", "crashy");
	cr_expect_eq(json_integer_value(json_object_get(harness_row(rows, "crashy"),
	    "restarts")), 1);
	json_decref(rows);
	evs = events_of("crashy");
	cr_expect_eq(count_events(evs, "restart", "crashy"), 1);
	cr_expect_eq(count_events(evs, "remove", "crashy"), 0);
	json_decref(evs);
}

Test(dynamic, a_transient_child_that_exits_normally_is_removed)
{
	char	script[600];
	json_t	*evs, *ev;
	size_t	 i;
	int	 normal_exits = 0;
	pid_t	 pid;

	snprintf(script, sizeof script,
	    "while [ ! -e %s/go ]; do sleep 0.02; done; exit 0", in.dir);
	pid = spawn_ok("scripts", "finisher", "--", script, NULL);
	cr_expect_eq(harness_whereis(&in, "finisher"), pid);
	{
		char	 go[400];
		FILE	*f;

		snprintf(go, sizeof go, "%s/go", in.dir);
		cr_assert_not_null(f = fopen(go, "w"));
		fclose(f);
	}
	cr_expect(wait_gone("finisher", WAIT_MS), "a normal exit removes it");
	cr_expect_eq(harness_whereis(&in, "finisher"), 0);
	cr_expect(wait_dead(pid, WAIT_MS));

	evs = events_of("finisher");
	json_array_foreach(evs, i, ev)
		if (strcmp(json_string_value(json_object_get(ev, "event")), "exit") == 0 &&
		    json_is_true(json_object_get(ev, "normal")))
			normal_exits++;
	cr_expect_eq(normal_exits, 1);
	cr_expect_eq(count_events(evs, "remove", "finisher"), 1);
	cr_expect_eq(count_events(evs, "restart", "finisher"), 0);
	json_decref(evs);
	/* and the name can be used again */
	spawn_ok("scripts", "finisher", "--", "exec sleep 100000", NULL);
}

Test(dynamic, spawn_refusals_say_why_and_register_nothing)
{
	char	*err = NULL;
	json_t	*rows;
	int	 rc, before, after;

	rows = supctl_json("status", NULL);
	before = (int)json_array_size(rows);
	json_decref(rows);
	rc = supctl(NULL, &err, "spawn", "nosuch", "x1", NULL);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "no such") != NULL, "stderr: %s", err);
	free(err);
	err = NULL;
	rc = supctl(NULL, &err, "spawn", "static1", "x1", NULL);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "not a dynamic supervisor") != NULL, "stderr: %s", err);
	free(err);
	err = NULL;
	rc = supctl(NULL, &err, "spawn", "root", "x1", NULL);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "not a dynamic supervisor") != NULL, "stderr: %s", err);
	free(err);
	/* a start failure says why, and leaves the name free */
	err = NULL;
	rc = supctl(NULL, &err, "spawn", "broken", "x1", NULL);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "start failed") != NULL &&
	    strstr(err, "No such file or directory") != NULL, "stderr: %s", err);
	free(err);
	err = NULL;
	rc = supctl(NULL, &err, "spawn", "broken", "x1", NULL);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "start failed") != NULL, "not registered: %s", err);
	free(err);
	cr_expect_eq(supctl(NULL, NULL, "whereis", "x1", NULL), 1);
	rows = supctl_json("status", NULL);
	after = (int)json_array_size(rows);
	json_decref(rows);
	cr_expect_eq(after, before, "%d rows, then %d", before, after);
}

Test(durable, a_restarted_dynamic_supervisor_brings_back_its_children_but_not_its_tasks)
{
	char	 crash[600], rest[256], *out = NULL;
	pid_t	 keep1, keep2, task;
	json_t	*rows;

	harness_init(&in, conf_give_up);
	harness_start(&in);
	keep1 = spawn_ok("fragile", "keep", "--", "exec sleep 100000", "x y", NULL);
	cr_assert_eq(supctl(&out, NULL, "run", "fragile", "--name", "chore", "--",
	    "exec sleep 100000", NULL), 0);
	free(out);
	task = harness_whereis(&in, "chore");
	cr_assert_gt(task, 0);
	/* two crashes pass max_restarts = 1: fragile gives up, root restarts it */
	snprintf(crash, sizeof crash, "[ $(wc -l < %s/crash.out) -gt 2 ] && "
	    "exec sleep 100000; exit 1", in.dir);
	spawn_ok("fragile", "crash", "--", crash, NULL);
	cr_assert_eq(harness_wait_lines(&in, "crash.out", 3, WAIT_MS), 3);
	keep2 = harness_wait_new_pid(&in, "keep", keep1, WAIT_MS);
	cr_assert_gt(keep2, 0, "keep came back");
	cr_expect_neq(keep2, keep1);
	cr_expect(wait_dead(keep1, WAIT_MS));
	cr_assert_eq(harness_wait_lines(&in, "keep.out", 2, WAIT_MS), 2);
	cr_expect_eq(last_line("keep.out", rest, sizeof rest), keep2);
	cr_expect_str_eq(rest, "exec sleep 100000 x y", "with its arguments");
	cr_expect_gt(harness_wait_new_pid(&in, "crash", 0, WAIT_MS), 0);

	/* the task was temporary: stopped with its supervisor and gone */
	cr_expect(wait_dead(task, WAIT_MS));
	cr_expect(wait_gone("chore", WAIT_MS));
	cr_expect_eq(harness_wait_lines(&in, "chore.out", 1, 0), 1,
	    "the task was not started again");
	rows = supctl_json("status", NULL);
	cr_expect_str_eq(json_string_value(json_object_get(harness_row(rows,
	    "fragile"), "state")), "running");
	cr_expect_eq(json_integer_value(json_object_get(harness_row(rows, "fragile"),
	    "restarts")), 1, "root restarted fragile once");
	json_decref(rows);
	harness_stop(&in);
}

Test(partitions, a_crash_loop_in_one_partition_leaves_the_others_untouched)
{
	char	 crash[700], crasher[32], same[32], other[32], sleeper[64];
	json_t	*rows, *info, *evs;
	pid_t	 static_pid, same1, same2, other1, crasher_pid;
	int	 p, i;

	harness_init(&in, conf_partitions);
	harness_start(&in);
	/* a crasher, a sibling in its partition, a child in another */
	snprintf(crasher, sizeof crasher, "crasher");
	p = partition_of(crasher, 4);
	for (i = 0; partition_of((snprintf(same, sizeof same, "same%d", i), same),
	    4) != p; i++)
		;
	for (i = 0; partition_of((snprintf(other, sizeof other, "other%d", i),
	    other), 4) == p; i++)
		;
	snprintf(sleeper, sizeof sleeper, "exec sleep 100000");
	same1 = spawn_ok("pool", same, "--", sleeper, NULL);
	other1 = spawn_ok("pool", other, "--", sleeper, NULL);
	static_pid = harness_whereis(&in, "static1");
	/* supd agrees on the partitions the test computed */
	info = supctl_json("inspect", same);
	cr_assert_eq(json_integer_value(json_object_get(info, "partition")), p);
	json_decref(info);
	info = supctl_json("inspect", other);
	cr_assert_neq(json_integer_value(json_object_get(info, "partition")), p);
	json_decref(info);

	/* four quick crashes pass max_restarts = 3; the fifth run stays up */
	snprintf(crash, sizeof crash,
	    "echo x >> %s/crashes; "
	    "[ $(wc -l < %s/crashes) -gt 4 ] && exec sleep 100000; exit 1",
	    in.dir, in.dir);
	spawn_ok("pool", crasher, "--", crash, NULL);
	cr_assert_eq(harness_wait_lines(&in, "crashes", 5, WAIT_MS), 5);
	same2 = harness_wait_new_pid(&in, same, same1, WAIT_MS);
	cr_expect_gt(same2, 0, "the crasher's partition restarted as a unit");
	crasher_pid = harness_wait_new_pid(&in, crasher, 0, WAIT_MS);
	cr_expect_gt(crasher_pid, 0, "the crasher runs again");

	cr_expect_eq(harness_whereis(&in, other), other1,
	    "the other partition's child kept its pid");
	cr_expect(alive(other1));
	cr_expect_eq(harness_whereis(&in, "static1"), static_pid,
	    "nothing above the pool was touched");
	rows = supctl_json("status", NULL);
	cr_expect_eq(json_integer_value(json_object_get(harness_row(rows, other),
	    "restarts")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(harness_row(rows, "pool"),
	    "state")), "running");
	json_decref(rows);
	evs = events_of(NULL);
	cr_expect_geq(count_events(evs, "intensity", NULL), 1,
	    "the partition's intensity event was recorded");
	cr_expect_eq(count_events(evs, "restart", other), 0);
	cr_expect_eq(count_events(evs, "stop", other), 0);
	cr_expect_eq(count_events(evs, "exit", other), 0);
	json_decref(evs);
	harness_stop(&in);
}

Test(tasks, run_wait_exits_0_7_and_128_plus_the_signal_like_a_shell)
{
	char	*out = NULL;
	int	 rc;

	rc = supctl(&out, NULL, "run", "tasks", "--name", "ok", "--wait",
	    "--quiet", "--", "exit 0", NULL);
	cr_expect_eq(rc, 0, "exit 0: %d", rc);
	cr_expect_str_eq(out, "ok\n", "it prints the task's name");
	free(out);
	rc = supctl(NULL, NULL, "run", "tasks", "--wait", "--", "exit 7", NULL);
	cr_expect_eq(rc, 7, "exit 7: %d", rc);
	rc = supctl(NULL, NULL, "run", "tasks", "--wait", "--", "kill -USR1 $$",
	    NULL);
	cr_expect_eq(rc, 128 + SIGUSR1, "killed by SIGUSR1: %d", rc);
	rc = supctl(NULL, NULL, "run", "tasks", "--wait", "--", "kill -KILL $$",
	    NULL);
	cr_expect_eq(rc, 128 + SIGKILL, "killed by SIGKILL: %d", rc);
	/* crashing tasks took nothing down */
	cr_expect_gt(harness_whereis(&in, "static1"), 0);
	cr_expect_eq(supctl(NULL, NULL, "run", "tasks", "--wait", "--", "exit 0",
	    NULL), 0);
}

Test(tasks, await_after_the_task_ended_returns_its_kept_result)
{
	char	*out = NULL;
	json_t	*res;
	int	 rc;

	cr_assert_eq(supctl(&out, NULL, "run", "tasks", "--name", "later", "--",
	    "exit 5", NULL), 0);
	cr_expect_str_eq(out, "later\n");
	free(out);
	/* a temporary child: gone from the tree once it exited */
	cr_assert(wait_gone("later", WAIT_MS));
	rc = supctl(NULL, NULL, "await", "later", NULL);
	cr_expect_eq(rc, 5, "await: %d", rc);
	rc = supctl(NULL, NULL, "await", "later", NULL);
	cr_expect_eq(rc, 5, "the result is kept: %d", rc);
	res = supctl_json_rc("await", "later", 5);
	cr_expect_str_eq(json_string_value(json_object_get(res, "state")), "exited");
	cr_expect_eq(json_integer_value(json_object_get(res, "exit_status")), 5);
	cr_expect_eq(json_integer_value(json_object_get(res, "code")), 5);
	cr_expect(json_is_null(json_object_get(res, "signal")));
	cr_expect(json_is_false(json_object_get(res, "timed_out")));
	json_decref(res);
	/* one that never ran has no result */
	cr_expect_eq(supctl(NULL, NULL, "await", "never", NULL), 1);
}

Test(tasks, run_timeout_stops_the_task_and_exits_124)
{
	char		 script[400], *err = NULL, *s;
	struct timespec	 t0;
	json_t		*res;
	long		 took;
	pid_t		 pid;
	int		 rc;

	snprintf(script, sizeof script, "echo $$ > %s/slow.pid; exec sleep 100000",
	    in.dir);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = supctl(NULL, &err, "run", "tasks", "--name", "slow", "--timeout",
	    "0.5", "--wait", "--", script, NULL);
	took = ms_since(&t0);
	cr_expect_eq(rc, 124, "exit %d", rc);
	cr_expect(strstr(err, "timed out") != NULL, "stderr: %s", err);
	free(err);
	cr_expect_geq(took, 450, "it ran for its timeout first (%ld ms)", took);
	s = harness_read(&in, "slow.pid");
	cr_assert_not_null(s);
	pid = atoi(s);
	free(s);
	cr_expect(wait_dead(pid, WAIT_MS), "the task was stopped");
	cr_expect(wait_gone("slow", WAIT_MS));
	cr_expect_eq(supctl(NULL, NULL, "await", "slow", NULL), 124);
	res = supctl_json_rc("await", "slow", 124);
	cr_expect(json_is_true(json_object_get(res, "timed_out")));
	json_decref(res);
}

Test(groups, template_groups_and_the_group_option_make_members)
{
	json_t	*m, *row;
	pid_t	 a, b;

	a = spawn_ok("jobs", "ga", NULL);
	b = spawn_ok("jobs", "gb", "--group", "extra", "--group", "more", NULL);
	m = supctl_json("members", "pool");
	cr_expect_eq(json_array_size(m), 2, "both from the template's groups");
	cr_expect_eq(json_integer_value(json_object_get(harness_row(m, "ga"), "pid")), a);
	cr_expect_eq(json_integer_value(json_object_get(harness_row(m, "gb"), "pid")), b);
	json_decref(m);
	m = supctl_json("members", "extra");
	cr_expect_eq(json_array_size(m), 1);
	cr_expect_not_null(row = harness_row(m, "gb"));
	json_decref(m);
	m = supctl_json("members", "@more");
	cr_expect_eq(json_array_size(m), 1);
	json_decref(m);
	m = supctl_json("members", "nosuchgroup");
	cr_expect_eq(json_array_size(m), 0);
	json_decref(m);

	/* a stopped child leaves its groups; an empty group has no members */
	cr_assert_eq(supctl(NULL, NULL, "stop", "gb", NULL), 0);
	m = supctl_json("members", "extra");
	cr_expect_eq(json_array_size(m), 0);
	json_decref(m);
	m = supctl_json("members", "pool");
	cr_expect_eq(json_array_size(m), 1);
	cr_expect_not_null(harness_row(m, "ga"));
	json_decref(m);
}

Test(groups, a_group_signal_reaches_every_member_and_says_how_many)
{
	char	 script[1200], *out = NULL, file[64];
	json_t	*j;
	int	 rc;

	snprintf(script, sizeof script,
	    "trap 'echo usr1 >> %s/$SUPD_NAME.sig' USR1; "
	    "echo up > %s/$SUPD_NAME.up; while :; do sleep 0.02; done",
	    in.dir, in.dir);
	spawn_ok("scripts", "m1", "--group", "sig", "--", script, NULL);
	spawn_ok("scripts", "m2", "--group", "sig", "--", script, NULL);
	spawn_ok("scripts", "outsider", "--", script, NULL);
	cr_assert_eq(harness_wait_lines(&in, "m1.up", 1, WAIT_MS), 1);
	cr_assert_eq(harness_wait_lines(&in, "m2.up", 1, WAIT_MS), 1);
	cr_assert_eq(harness_wait_lines(&in, "outsider.up", 1, WAIT_MS), 1);

	rc = supctl(&out, NULL, "signal", "@sig", "USR1", NULL);
	cr_expect_eq(rc, 0);
	cr_expect_str_eq(out, "@sig: USR1 sent to 2 processes\n");
	free(out);
	cr_expect_eq(harness_wait_lines(&in, "m1.sig", 1, WAIT_MS), 1);
	cr_expect_eq(harness_wait_lines(&in, "m2.sig", 1, WAIT_MS), 1);

	rc = supctl(&out, NULL, "--json", "signal", "@sig", "USR1", NULL);
	cr_expect_eq(rc, 0);
	cr_assert_not_null(j = json_loads(out, 0, NULL), "%s", out);
	cr_expect_eq(json_integer_value(json_object_get(j, "signalled")), 2);
	json_decref(j);
	free(out);
	cr_expect_eq(harness_wait_lines(&in, "m1.sig", 2, WAIT_MS), 2);
	cr_expect_eq(harness_wait_lines(&in, "m2.sig", 2, WAIT_MS), 2);
	snprintf(file, sizeof file, "outsider.sig");
	cr_expect_null(harness_read(&in, file), "a non-member got nothing");
	/* the members handled it and still run under their names */
	cr_expect_gt(harness_whereis(&in, "m1"), 0);
	cr_expect_gt(harness_whereis(&in, "m2"), 0);
}

Test(observe, status_tree_inspect_and_events_show_dynamic_children_tasks_and_groups)
{
	char	*out = NULL;
	json_t	*rows, *r, *info, *spec, *evs, *ev, *nodes;
	size_t	 i;
	pid_t	 w, t;
	int	 found;

	w = spawn_ok("jobs", "seen", "--group", "watchers", "--", "arg1", NULL);
	cr_assert_eq(supctl(&out, NULL, "run", "tasks", "--name", "chore", "--",
	    "exec sleep 100000", NULL), 0);
	free(out);
	t = harness_whereis(&in, "chore");
	cr_assert_gt(t, 0);

	/* status: both rows, their parents, pids, task flag, groups */
	rows = supctl_json("status", NULL);
	cr_assert_not_null(r = harness_row(rows, "seen"));
	cr_expect_str_eq(json_string_value(json_object_get(r, "parent")), "jobs");
	cr_expect_str_eq(json_string_value(json_object_get(r, "type")), "worker");
	cr_expect_eq(json_integer_value(json_object_get(r, "pid")), w);
	cr_expect(json_is_false(json_object_get(r, "task")));
	cr_expect(has_string(json_object_get(r, "groups"), "pool"));
	cr_expect(has_string(json_object_get(r, "groups"), "watchers"));
	cr_assert_not_null(r = harness_row(rows, "chore"));
	cr_expect_str_eq(json_string_value(json_object_get(r, "parent")), "tasks");
	cr_expect_eq(json_integer_value(json_object_get(r, "pid")), t);
	cr_expect(json_is_true(json_object_get(r, "task")));
	cr_expect_str_eq(json_string_value(json_object_get(harness_row(rows, "jobs"),
	    "type")), "dynamic");
	json_decref(rows);

	/* the human table too */
	cr_assert_eq(supctl(&out, NULL, "status", NULL), 0);
	cr_expect(strstr(out, "seen") != NULL && strstr(out, "chore") != NULL,
	    "%s", out);
	free(out);

	/* tree: both under their supervisors, which count them */
	nodes = supctl_json("tree", NULL);
	found = 0;
	json_array_foreach(nodes, i, r) {
		const char *nm = json_string_value(json_object_get(r, "name"));

		if (strcmp(nm, "jobs") == 0 || strcmp(nm, "tasks") == 0)
			cr_expect_eq(json_integer_value(json_object_get(r,
			    "children")), 1, "%s counts its child", nm);
		if (strcmp(nm, "seen") == 0 || strcmp(nm, "chore") == 0) {
			cr_expect_eq(json_integer_value(json_object_get(r, "depth")), 2);
			found++;
		}
	}
	cr_expect_eq(found, 2);
	json_decref(nodes);
	cr_assert_eq(supctl(&out, NULL, "tree", NULL), 0);
	cr_expect(strstr(out, "seen running") != NULL, "%s", out);
	cr_expect(strstr(out, "chore running") != NULL, "%s", out);
	free(out);

	/* inspect: dynamic, the template's command with the arguments, groups */
	info = supctl_json("inspect", "seen");
	cr_expect(json_is_true(json_object_get(info, "dynamic")));
	cr_expect_eq(json_integer_value(json_object_get(info, "pid")), w);
	spec = json_object_get(info, "spec");
	cr_expect(has_string(json_object_get(spec, "command"), "arg1"));
	cr_expect(has_string(json_object_get(spec, "groups"), "watchers"));
	json_decref(info);
	info = supctl_json("inspect", "chore");
	cr_expect(json_is_true(json_object_get(info, "task")));
	json_decref(info);

	/* events: spawn (with the supervisor; a task says so), then remove */
	cr_assert_eq(supctl(NULL, NULL, "stop", "seen", NULL), 0);
	cr_assert_eq(supctl(NULL, NULL, "stop", "chore", NULL), 0);
	evs = events_of(NULL);
	cr_expect_eq(count_events(evs, "spawn", "seen"), 1);
	cr_expect_eq(count_events(evs, "spawn", "chore"), 1);
	cr_expect_eq(count_events(evs, "remove", "seen"), 1);
	cr_expect_eq(count_events(evs, "remove", "chore"), 1);
	json_array_foreach(evs, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "event"));
		const char *nm = json_string_value(json_object_get(ev, "name"));

		if (strcmp(k, "spawn") != 0)
			continue;
		if (strcmp(nm, "seen") == 0) {
			cr_expect_str_eq(json_string_value(json_object_get(ev,
			    "supervisor")), "jobs");
		} else if (strcmp(nm, "chore") == 0) {
			cr_expect_str_eq(json_string_value(json_object_get(ev,
			    "supervisor")), "tasks");
			cr_expect(json_is_true(json_object_get(ev, "task")));
		}
	}
	json_decref(evs);
	cr_assert_eq(supctl(&out, NULL, "events", "seen", NULL), 0);
	cr_expect(strstr(out, "spawn") != NULL && strstr(out, "remove") != NULL,
	    "%s", out);
	free(out);
}

/*
 * A spawn or a stop over a connection of its own, as supctl makes one, but
 * without a process per call: a thousand supctl runs under the sanitizers
 * would take minutes.  The reply's error, or NULL; *pid from a Spawn.
 */
static char *
raw_call(const char *method, const char *name, pid_t *pid)
{
	char	 msg[256], *error = NULL;
	json_t	*reply, *e;

	if (strcmp(method, "Spawn") == 0)
		snprintf(msg, sizeof msg, "{\"method\":\"io.supd.Supervisor.Spawn\","
		    "\"parameters\":{\"supervisor\":\"many\",\"name\":\"%s\"}}", name);
	else
		snprintf(msg, sizeof msg, "{\"method\":\"io.supd.Supervisor.%s\","
		    "\"parameters\":{\"name\":\"%s\"}}", method, name);
	reply = varlink_call(msg);
	if ((e = json_object_get(reply, "error")) != NULL)
		error = strdup(json_string_value(e));
	else if (pid != NULL)
		*pid = json_integer_value(json_object_get(json_object_get(reply,
		    "parameters"), "pid"));
	json_decref(reply);
	return (error);
}

/*
 * supd's fd count once it holds still: a client that just hung up is
 * closed on supd's side only when its loop next reads the socket.
 */
static int
settled_fd_count(pid_t pid)
{
	int	n, prev = -1, waited;

	for (waited = 0; waited < harness_ms(WAIT_MS); waited += 100) {
		if ((n = harness_fd_count(pid)) == prev)
			return (n);
		prev = n;
		harness_sleep_ms(100);
	}
	return (prev);
}

Test(leaks, a_thousand_spawns_then_a_thousand_stops_leave_nothing_behind)
{
	char	 name[32], *err;
	json_t	*rows;
	int	 i, fds_before, fds_after, tagged_before, n, waited;
	pid_t	 pid, first = 0;

	/* one spawn and stop first, so lazily opened files are open already */
	spawn_ok("many", "warmup", NULL);
	cr_assert_eq(supctl(NULL, NULL, "stop", "warmup", NULL), 0);
	tagged_before = harness_tagged_alive(&in);
	fds_before = settled_fd_count(in.pid);
	cr_assert_gt(fds_before, 0);

	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "m%d", i);
		pid = 0;
		if ((err = raw_call("Spawn", name, &pid)) != NULL)
			cr_assert_fail("spawn %s: %s", name, err);
		cr_assert_gt(pid, 0, "spawn %s: no pid", name);
		if (i == 0)
			first = pid;
	}
	cr_expect_eq(harness_whereis(&in, "m0"), first);
	rows = supctl_json("status", NULL);
	cr_expect_eq(children_of(rows, "many"), 1000);
	json_decref(rows);
	n = harness_tagged_alive(&in);
	cr_expect_eq(n, tagged_before + 1000, "%d processes, %d before", n,
	    tagged_before);

	/* supctl for a few, the raw protocol for the rest */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "m%d", i);
		if (i % 100 == 0)
			cr_assert_eq(supctl(NULL, NULL, "stop", name, NULL), 0,
			    "supctl stop %s", name);
		else if ((err = raw_call("Stop", name, NULL)) != NULL)
			cr_assert_fail("stop %s: %s", name, err);
	}
	for (waited = 0; (n = harness_tagged_alive(&in)) > tagged_before &&
	    waited < harness_ms(WAIT_MS); waited += 50)
		harness_sleep_ms(50);
	cr_expect_eq(n, tagged_before, "no child left: %d processes, %d before",
	    n, tagged_before);
	cr_expect(!alive(first));
	cr_expect_eq(harness_zombies_of(in.pid), 0);
	fds_after = settled_fd_count(in.pid);
	cr_expect_eq(fds_after, fds_before, "supd's fds: %d, then %d", fds_before,
	    fds_after);
	rows = supctl_json("status", NULL);
	cr_expect_eq(children_of(rows, "many"), 0, "no registry entry left");
	json_decref(rows);
	cr_expect_eq(harness_whereis(&in, "m0"), 0);
	cr_expect_eq(harness_whereis(&in, "m999"), 0);
}
