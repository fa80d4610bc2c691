/*
 * test-cli-supd.c — supctl against the real supd: each command's output for
 * people and for scripts, and its exit status, on a small tree of sleeping
 * workers and a dynamic supervisor.  Every test has its own supd, stopped
 * with everything it started at the end.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-run.h"
#include "harness.h"

static const char *conf =
    "[supervisor:root]\n"
    "strategy = one_for_one\n"
    "max_restarts = 3\n"
    "max_seconds = 5\n"
    "\n"
    "[worker:web]\n"
    "parent = root\n"
    "command = /bin/sleep 1000\n"
    "groups = g\n"
    "\n"
    "[worker:talker]\n"
    "parent = root\n"
    "command = /bin/sh -c 'echo hello; echo world; exec sleep 1000'\n"
    "\n"
    "[dynamic:jobs]\n"
    "parent = root\n"
    "max_children = 3\n"
    "restart = transient\n"
    "command = /bin/sh -c 'case \"$1\" in exit) exit \"$2\";; "
    "kill) kill -\"$2\" $$;; *) exec sleep 1000;; esac' job\n";

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

TestSuite(supd, .init = supd_up, .fini = supd_down, .timeout = 60);

#define RUN(r, ...)	cli_run(&(r), in.sock, NULL, 0, __VA_ARGS__, NULL)
#define RUN_ENV(r, env, ...) cli_run(&(r), in.sock, env, 0, __VA_ARGS__, NULL)

static json_t *
child_of(json_t *status, const char *name)
{
	json_t	*c;
	size_t	 i;

	json_array_foreach(status, i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
			return (c);
	return (NULL);
}

Test(supd, status_lists_the_tree_for_people_and_scripts)
{
	struct cli_result	 r;
	json_t			*j, *web;
	char			*l;
	int			 i;

	RUN(r, "status");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(cli_lines(r.out), 5, "%s", r.out);
	l = cli_line(r.out, 0);
	cr_assert(strncmp(l, "NAME    TYPE        PARENT  STATE    PID", 39) == 0,
	    "%s", l);
	cr_assert_not_null(strstr(l, "  UPTIME  RESTARTS"), "%s", l);
	free(l);
	/* aligned: every row's state starts under STATE */
	for (i = 1; i < 5; i++) {
		l = cli_line(r.out, i);
		cr_assert(strncmp(l + 28, "running  ", 9) == 0, "%s", r.out);
		free(l);
	}
	cli_result_free(&r);

	RUN(r, "--json", "status");
	cr_assert_eq(r.status, 0);
	j = cli_json(r.out);
	cr_assert_eq(json_array_size(j), 4);
	cr_assert_not_null(web = child_of(j, "web"));
	cr_assert_str_eq(json_string_value(json_object_get(web, "type")), "worker");
	cr_assert_str_eq(json_string_value(json_object_get(web, "parent")), "root");
	cr_assert_str_eq(json_string_value(json_object_get(web, "state")),
	    "running");
	cr_assert(json_integer_value(json_object_get(web, "pid")) > 0);
	cr_assert_eq(json_integer_value(json_object_get(web, "restarts")), 0);
	cr_assert(json_is_integer(json_object_get(web, "started_at")));
	cr_assert(json_is_null(json_object_get(child_of(j, "root"), "parent")));
	cr_assert_str_eq(json_string_value(json_object_get(child_of(j, "jobs"),
	    "type")), "dynamic");
	json_decref(j);
	cli_result_free(&r);

	RUN(r, "status", "nope");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cr_assert_not_null(strstr(r.err, "supctl: status nope: "), "%s", r.err);
	cli_result_free(&r);
}

Test(supd, tree_shows_strategies_window_use_and_pids)
{
	static const char *const env[] = { "LC_ALL=C", NULL };
	struct cli_result	r;
	char			expect[512];

	RUN_ENV(r, env, "tree");
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(expect, sizeof expect,
	    "root [one_for_one 0/3 in 5s] running\n"
	    "|-- web running pid %d\n"
	    "|-- talker running pid %d\n"
	    "`-- jobs [dynamic one_for_one 0/3 in 5s] running, 0 children\n",
	    (int)harness_whereis(&in, "web"), (int)harness_whereis(&in, "talker"));
	cr_assert_str_eq(r.out, expect);
	cli_result_free(&r);
}

Test(supd, inspect_agrees_with_whereis)
{
	struct cli_result	 r;
	json_t			*j;
	char			 line[64];
	pid_t			 pid = harness_whereis(&in, "web");

	cr_assert(pid > 0);
	RUN(r, "--json", "inspect", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), pid);
	json_decref(j);
	cli_result_free(&r);
	RUN(r, "inspect", "web");
	snprintf(line, sizeof line, "\npid:");
	cr_assert_not_null(strstr(r.out, line), "%s", r.out);
	cli_result_free(&r);
}

Test(supd, spawn_whereis_members_signal_stop)
{
	struct cli_result	 r;
	json_t			*j;
	char			 expect[128];
	long			 pid;

	RUN(r, "spawn", "jobs", "w1", "--group", "g");
	cr_assert_eq(r.status, 0, "%s", r.err);
	pid = atol(r.out);
	cr_assert(pid > 0, "%s", r.out);
	cli_result_free(&r);

	RUN(r, "whereis", "w1");
	cr_assert_eq(r.status, 0);
	cr_assert_eq(atol(r.out), pid);
	cli_result_free(&r);

	RUN(r, "spawn", "jobs", "w1");
	cr_assert_eq(r.status, 1);
	snprintf(expect, sizeof expect, "supctl: spawn jobs w1: already started "
	    "(pid %ld)\n", pid);
	cr_assert_str_eq(r.err, expect);
	cli_result_free(&r);

	RUN(r, "--json", "members", "g");
	cr_assert_eq(r.status, 0);
	j = cli_json(r.out);
	cr_assert_eq(json_array_size(j), 2, "%s", r.out);
	json_decref(j);
	cli_result_free(&r);

	RUN(r, "signal", "@g", "CONT");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "@g: CONT sent to 2 processes\n");
	cli_result_free(&r);

	RUN(r, "--json", "stop", "w1");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert(json_is_true(json_object_get(j, "removed")));
	json_decref(j);
	cli_result_free(&r);

	RUN(r, "whereis", "w1");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cli_result_free(&r);
}

Test(supd, spawn_refusals_exit_1)
{
	struct cli_result	r;

	RUN(r, "spawn", "web", "x");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: spawn web x: web is not a dynamic "
	    "supervisor\n");
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "a");
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "b");
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "c");
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "d");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: spawn jobs d: max children reached "
	    "(3)\n");
	cli_result_free(&r);
}

Test(supd, start_stop_restart_a_static_child)
{
	struct cli_result	r;
	pid_t			old = harness_whereis(&in, "web");
	long			pid;

	RUN(r, "stop", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.out);
	cli_result_free(&r);
	RUN(r, "whereis", "web");
	cr_assert_eq(r.status, 1);
	cli_result_free(&r);
	RUN(r, "start", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	pid = atol(r.out);
	cr_assert(pid > 0 && pid != old);
	cli_result_free(&r);
	RUN(r, "restart", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(atol(r.out) > 0 && atol(r.out) != pid);
	cli_result_free(&r);
}

Test(supd, run_wait_and_await_exit_with_the_task_status)
{
	struct cli_result	r;

	RUN(r, "run", "jobs", "--wait", "--quiet", "--", "exit", "3");
	cr_assert_eq(r.status, 3, "%s", r.err);
	cr_assert(cli_lines(r.out) == 1, "the task's name: %s", r.out);
	cli_result_free(&r);
	RUN(r, "run", "jobs", "--wait", "--", "kill", "9");
	cr_assert_eq(r.status, 137, "%s", r.err);
	cli_result_free(&r);
	RUN(r, "run", "jobs", "--wait", "--timeout", "0.3", "--", "sleep");
	cr_assert_eq(r.status, 124, "%s", r.err);
	cr_assert_not_null(strstr(r.err, " timed out after 0.3 s\n"), "%s", r.err);
	cli_result_free(&r);
	RUN(r, "run", "jobs", "--name", "t7", "--", "exit", "7");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "t7\n");
	cli_result_free(&r);
	RUN(r, "await", "t7");
	cr_assert_eq(r.status, 7, "%s", r.err);
	cli_result_free(&r);
}

Test(supd, await_timeout_exits_1)
{
	struct cli_result	r;

	RUN(r, "run", "jobs", "--name", "slow", "--", "sleep");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	RUN(r, "await", "slow", "--timeout", "0.2");
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "supctl: await slow: "), "%s", r.err);
	cli_result_free(&r);
}

Test(supd, logs_prints_the_captured_output)
{
	struct cli_result	r;
	int			i;

	for (i = 0; i < 200 * harness_scale(); i++) {
		RUN(r, "logs", "talker");
		if (r.status == 0 && strcmp(r.out, "hello\nworld\n") == 0)
			break;
		cli_result_free(&r);
		harness_sleep_ms(20);
	}
	cr_assert_str_eq(r.out, "hello\nworld\n", "%s", r.err);
	cli_result_free(&r);
	RUN(r, "logs", "talker", "-n", "1");
	cr_assert_str_eq(r.out, "world\n");
	cli_result_free(&r);
}

Test(supd, metrics_is_prometheus_text)
{
	struct cli_result	r;

	RUN(r, "metrics");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "# TYPE "), "%s", r.out);
	cli_result_free(&r);
}

Test(supd, events_json_lines_and_follow_sees_a_spawn)
{
	struct cli_result	 r;
	struct pollfd		 pfd;
	char			 buf[65536], *nl, *l;
	size_t			 len = 0;
	ssize_t			 n;
	json_t			*j;
	pid_t			 pid;
	int			 p[2], found = 0;

	RUN(r, "--json", "events");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(cli_lines(r.out) >= 2, "%s", r.out);
	l = cli_line(r.out, 0);
	j = cli_json(l);
	free(l);
	cr_assert(json_is_integer(json_object_get(j, "seq")));
	cr_assert(json_is_integer(json_object_get(j, "time")));
	cr_assert(json_is_string(json_object_get(j, "event")));
	json_decref(j);
	cli_result_free(&r);

	cr_assert(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(cli_supctl_bin, "supctl", "-s", in.sock, "--json", "events",
		    "--follow", "w2", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	RUN(r, "spawn", "jobs", "w2");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (!found && poll(&pfd, 1, 5000) == 1) {
		if ((n = read(p[0], buf + len, sizeof buf - 1 - len)) <= 0)
			break;
		len += n;
		buf[len] = '\0';
		for (nl = buf; (nl = strstr(nl, "\"event\":\"spawn\"")) != NULL; nl++)
			found = 1;
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(p[0]);
	cr_assert(found, "no spawn event followed: %s", buf);
}

Test(supd, whereis_and_signal_on_a_supervisor_say_it_is_one)
{
	struct cli_result	r;

	RUN(r, "whereis", "root");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cr_assert_str_eq(r.err, "supctl: whereis root: root is a supervisor: it "
	    "has no process of its own (name a worker)\n");
	cli_result_free(&r);
	RUN(r, "signal", "jobs", "TERM");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: signal jobs TERM: jobs is a dynamic "
	    "supervisor: it has no process of its own (name a worker)\n");
	cli_result_free(&r);
}

Test(supd, spawn_of_a_static_workers_name_says_so)
{
	struct cli_result	r;
	char			expect[300];
	pid_t			pid;

	pid = harness_whereis(&in, "web");
	cr_assert_gt(pid, 0);
	RUN(r, "spawn", "jobs", "web");
	cr_assert_eq(r.status, 1);
	snprintf(expect, sizeof expect, "supctl: spawn jobs web: the name is "
	    "taken by a static worker under root (pid %lld); choose another "
	    "name\n", (long long)pid);
	cr_assert_str_eq(r.err, expect);
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "root");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: spawn jobs root: the name is taken by a "
	    "supervisor; choose another name\n");
	cli_result_free(&r);
	/* a child of jobs itself is just already started */
	RUN(r, "spawn", "jobs", "j1");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "j1");
	cr_assert_eq(r.status, 1);
	cr_assert(strncmp(r.err, "supctl: spawn jobs j1: already started (pid ",
	    44) == 0, "%s", r.err);
	cli_result_free(&r);
}

Test(supd, shutdown_stops_supd_and_then_supctl_exits_3)
{
	struct cli_result	r;
	char			expect[600];

	RUN(r, "shutdown");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	RUN(r, "status");
	cr_assert_eq(r.status, 3);
	snprintf(expect, sizeof expect, "supctl: cannot connect to %s: No such "
	    "file or directory (is supd running? this is the socket "
	    "$SUPD_SOCKET names; choose another with -s PATH or $SUPD_SOCKET)\n",
	    in.sock);
	cr_assert_str_eq(r.err, expect);
	cli_result_free(&r);
}

/* Shutdown: supctl waits for the end; a second signal forces it. */

/* A worker that takes two seconds to stop, under an idle_timeout it outlasts. */
static const char *slow_conf =
    "[supd]\n"
    "idle_timeout = 200\n"
    "[supervisor:root]\n"
    "[worker:slow]\n"
    "parent = root\n"
    "command = /bin/sh -c 'trap \"sleep 2; exit 0\" TERM; "
    "while :; do sleep 0.1; done'\n"
    "shutdown = 10000\n";

Test(shutdown, supctl_returns_once_every_child_has_stopped, .timeout = 60)
{
	struct cli_result	r;
	pid_t			pid;

	harness_init(&in, slow_conf);
	harness_start(&in);
	cr_assert_gt(pid = harness_whereis(&in, "slow"), 0);
	RUN(r, "shutdown");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.out);
	cli_result_free(&r);
	/* past the idle timeout, and the worker's two seconds */
	cr_assert(harness_pid_gone(pid), "supctl returned while slow (pid %d) still ran",
	    (int)pid);
	cr_assert_eq(harness_wait_exit(&in, 5000), 0);
	harness_stop(&in);
}

Test(shutdown, no_wait_returns_once_supd_accepted, .timeout = 60)
{
	struct cli_result	r;
	pid_t			pid;

	harness_init(&in, slow_conf);
	harness_start(&in);
	cr_assert_gt(pid = harness_whereis(&in, "slow"), 0);
	RUN(r, "shutdown", "--no-wait");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	cr_assert(!harness_pid_gone(pid), "slow is still in its two seconds of stopping");
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	cr_assert(harness_pid_gone(pid));
	harness_stop(&in);
}

Test(shutdown, a_second_sigterm_kills_every_group_and_exits_1, .timeout = 60)
{
	pid_t	pid;
	int	i;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:stubborn]\n"
	    "parent = root\n"
	    "command = /bin/sh -c 'trap \"\" TERM; while :; do sleep 0.1; done'\n"
	    "shutdown = infinity\n");
	harness_start(&in);
	cr_assert_gt(pid = harness_whereis(&in, "stubborn"), 0);
	cr_assert_eq(kill(in.pid, SIGTERM), 0);
	cr_assert(harness_wait_log(&in, "shutting down", 5000));
	/* shutdown = infinity: the orderly stop never ends on its own */
	cr_assert_eq(harness_wait_exit(&in, 300), -1);
	cr_assert_eq(kill(in.pid, SIGTERM), 0);
	cr_assert_eq(harness_wait_exit(&in, 5000), 1);
	cr_assert(harness_wait_log(&in, "SIGTERM again while shutting down: "
	    "forcing the exit, SIGKILL to every process group, exit status 1",
	    0));
	for (i = 0; i < 250 * harness_scale() && !harness_pid_gone(pid); i++)
		harness_sleep_ms(20);
	cr_assert(harness_pid_gone(pid), "stubborn (pid %d) outlived supd", (int)pid);
	harness_stop(&in);
}
