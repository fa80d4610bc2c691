/*
 * test-cli.c — supctl against fakesupd.py, a stand-in daemon with a fixed
 * tree: what each command sends, prints (people and --json) and exits
 * with; usage errors and an unreachable daemon.  test-cli-supd.c runs
 * supctl against the real supd.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-run.h"

static struct fake	fk;

static void
fake_up(void)
{
	fake_start(&fk);
}

static void
fake_down(void)
{
	fake_stop(&fk);
}

/* Run supctl against the fake with args; r must be freed. */
#define RUN(r, ...)	cli_run(&(r), fk.sock, NULL, 0, __VA_ARGS__, NULL)
#define RUN_ENV(r, env, ...) cli_run(&(r), fk.sock, env, 0, __VA_ARGS__, NULL)

static void
assert_usage_error(struct cli_result *r, const char *cmdline_usage)
{
	cr_assert_eq(r->status, 2, "status %d, stderr: %s", r->status, r->err);
	cr_assert_str_empty(r->out);
	cr_assert_not_null(strstr(r->err, cmdline_usage), "stderr: %s", r->err);
}

static const char *commands[] = {
	"status", "top", "tree", "inspect", "start", "stop", "restart", "signal",
	"spawn", "run", "await", "whereis", "members", "events", "logs",
	"metrics", "reload", "reexec", "shutdown", "help", NULL
};

/* Usage: no daemon needed, none is asked. */

Test(usage, no_command_prints_usage_and_exits_2)
{
	struct cli_result	r;

	cli_run(&r, "/nonexistent", NULL, 0, NULL);
	assert_usage_error(&r, "usage: supctl [-s SOCKET] [--json] COMMAND");
	cli_result_free(&r);
}

Test(usage, help_lists_every_command_with_a_summary)
{
	struct cli_result	 r;
	char			 needle[64];
	int			 i;

	cli_run(&r, "/nonexistent", NULL, 0, "--help", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.err);
	for (i = 0; commands[i] != NULL; i++) {
		snprintf(needle, sizeof needle, "\n  %-10s ", commands[i]);
		cr_assert_not_null(strstr(r.out, needle), "%s missing from:\n%s",
		    commands[i], r.out);
	}
	cr_assert_not_null(strstr(r.out, "Exit status: 0 done, 1 refused or "
	    "failed, 2 usage error, 3 supd unreachable."));
	cli_result_free(&r);
}

Test(usage, command_help_prints_usage_and_description)
{
	struct cli_result	 r;
	char			 needle[64];
	int			 i;

	for (i = 0; commands[i] != NULL; i++) {
		cli_run(&r, "/nonexistent", NULL, 0, commands[i], "--help", NULL);
		cr_assert_eq(r.status, 0, "%s --help: %d", commands[i], r.status);
		snprintf(needle, sizeof needle, "usage: supctl %s", commands[i]);
		cr_assert(strncmp(r.out, needle, strlen(needle)) == 0,
		    "%s --help:\n%s", commands[i], r.out);
		cr_assert(cli_lines(r.out) >= 3, "%s --help has no description",
		    commands[i]);
		cli_result_free(&r);
	}
}

Test(usage, unknown_command_suggests_the_nearest_and_exits_2)
{
	struct cli_result	r;

	cli_run(&r, "/nonexistent", NULL, 0, "stauts", NULL);
	assert_usage_error(&r, "supctl: unknown command \"stauts\" (did you mean "
	    "\"status\"?)\n");
	cli_result_free(&r);
}

Test(usage, wrong_argument_counts_exit_2_with_the_usage)
{
	struct cli_result	r;

	cli_run(&r, "/nonexistent", NULL, 0, "spawn", "jobs", NULL);
	assert_usage_error(&r, "supctl: spawn: missing argument\n"
	    "usage: supctl spawn SUP NAME [--group G]... [--env K=V]... "
	    "[-- ARG...]\n");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "spawn", "jobs", "w1", "x", NULL);
	assert_usage_error(&r, "unexpected argument \"x\" (the command's "
	    "arguments go after --)");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "tree", "x", NULL);
	assert_usage_error(&r, "usage: supctl tree\n");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "signal", "web", NULL);
	assert_usage_error(&r, "usage: supctl signal NAME|@GROUP... SIG\n");
	cli_result_free(&r);
}

Test(usage, bad_options_and_values_exit_2)
{
	struct cli_result	r;

	cli_run(&r, "/nonexistent", NULL, 0, "status", "--bogus", NULL);
	assert_usage_error(&r, "supctl: status: unknown option --bogus\n");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "-x", "status", NULL);
	assert_usage_error(&r, "supctl: unknown option -x\n");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "spawn", "jobs", "w!", NULL);
	assert_usage_error(&r, "supctl: spawn: invalid name \"w!\": ");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "spawn", "jobs", "w1", "--env",
	    "NOEQUALS", NULL);
	assert_usage_error(&r, "--env wants KEY=VALUE");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "spawn", "jobs", "w1", "--group",
	    NULL);
	assert_usage_error(&r, "option --group needs a value");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "run", "jobs", "--timeout", "soon",
	    "--", "x", NULL);
	assert_usage_error(&r, "--timeout wants a number of seconds");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "events", "--since", "-3", NULL);
	assert_usage_error(&r, "--since wants a sequence number");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "logs", "web", "-n", "many", NULL);
	assert_usage_error(&r, "-n wants a number of lines");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent", NULL, 0, "stop", "--wait", "web", NULL);
	assert_usage_error(&r, "unknown option --wait");
	cli_result_free(&r);
}

/* Reaching the daemon */

Test(connect, no_daemon_exits_3_and_says_so)
{
	struct cli_result	r;

	cli_run(&r, "/nonexistent/supd.sock", NULL, 0, "status", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_str_empty(r.out);
	cr_assert_str_eq(r.err, "supctl: cannot connect to /nonexistent/supd.sock: "
	    "No such file or directory (is supd running? this is the socket "
	    "$SUPD_SOCKET names; choose another with -s PATH or $SUPD_SOCKET)\n");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent/a.sock", NULL, 0, "-s", "/nonexistent/b.sock",
	    "status", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_str_eq(r.err, "supctl: cannot connect to /nonexistent/b.sock: "
	    "No such file or directory (is supd running? this is the socket "
	    "given with -s; choose another with -s PATH or $SUPD_SOCKET)\n");
	cli_result_free(&r);
}

Test(connect, the_socket_option_goes_before_or_after_the_command,
    .init = fake_up, .fini = fake_down)
{
	struct cli_result	r;
	char			opt[400];
	json_t			*j;

	cli_run(&r, "/nonexistent/a.sock", NULL, 0, "whereis", "web", "-s",
	    fk.sock, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "101\n");
	cli_result_free(&r);
	snprintf(opt, sizeof opt, "--socket=%s", fk.sock);
	cli_run(&r, "/nonexistent/a.sock", NULL, 0, "status", "web", opt,
	    "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert_eq(json_array_size(j), 1);
	json_decref(j);
	cli_result_free(&r);
	snprintf(opt, sizeof opt, "-s%s", fk.sock);
	cli_run(&r, "/nonexistent/a.sock", NULL, 0, "status", opt, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	cli_run(&r, "/nonexistent/a.sock", NULL, 0, "status", "-s", NULL);
	assert_usage_error(&r, "option -s needs a socket path");
	cli_result_free(&r);
}

Test(connect, after_events_dash_s_is_still_its_since, .init = fake_up,
    .fini = fake_down)
{
	struct cli_result	r;
	json_t			*call;

	RUN(r, "events", "-s", "4", "--socket", fk.sock);
	cr_assert_eq(r.status, 0, "%s", r.err);
	call = fake_last_call(&fk);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(call,
	    "parameters"), "since")), 4);
	json_decref(call);
	cli_result_free(&r);
}

Test(connect, dash_s_wins_over_supd_socket, .init = fake_up, .fini = fake_down)
{
	struct cli_result	r;

	cli_run(&r, "/nonexistent/a.sock", NULL, 0, "-s", fk.sock, "whereis",
	    "web", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "101\n");
	cli_result_free(&r);
	cli_run(&r, "/nonexistent/a.sock", NULL, 0, "--socket=/nonexistent/b.sock",
	    "whereis", "web", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_not_null(strstr(r.err, "/nonexistent/b.sock"));
	cli_result_free(&r);
}

Test(connect, supd_socket_is_used_without_dash_s, .init = fake_up,
    .fini = fake_down)
{
	struct cli_result	r;

	cli_run(&r, fk.sock, NULL, 0, "whereis", "web", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "101\n");
	cli_result_free(&r);
}

Test(connect, a_daemon_that_does_not_answer_exits_3_after_the_timeout,
    .init = fake_up, .fini = fake_down)
{
	static const char *const env[] = { "SUPCTL_TIMEOUT=1", NULL };
	struct cli_result	r;
	char			expect[400];

	cli_run(&r, fk.sock, env, 0, "inspect", "hang", NULL);
	cr_assert_eq(r.status, 3);
	snprintf(expect, sizeof expect, "supctl: %s: no reply from supd within "
	    "1 s\n", fk.sock);
	cr_assert_str_eq(r.err, expect);
	cli_result_free(&r);
}

Test(connect, the_default_socket_follows_the_one_rule)
{
	static const char *const env[] = { "SUPD_SOCKET",
	    "XDG_RUNTIME_DIR=/nonexistent-xdg", NULL };
	struct cli_result	 r;
	const char		*want;

	/* a supd of this machine's own would answer: nothing to check then */
	if (access("/run/supd/supd.sock", F_OK) == 0)
		return;
	want = geteuid() == 0 ? "supctl: cannot connect to /run/supd/supd.sock: " :
	    "supctl: cannot connect to /nonexistent-xdg/supd/supd.sock: ";
	cli_run(&r, NULL, env, 0, "whereis", "x", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
	cli_result_free(&r);
}

TestSuite(cli, .init = fake_up, .fini = fake_down);

/* status */

Test(cli, status_prints_an_aligned_table)
{
	struct cli_result	 r;
	char			*l;

	RUN(r, "status");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.err);
	cr_assert_eq(cli_lines(r.out), 7, "%s", r.out);
	l = cli_line(r.out, 0);
	cr_assert_str_eq(l, "NAME  TYPE        PARENT  STATE    PID  UPTIME   "
	    "RESTARTS  CPU%  RSS  LAST EXIT");
	free(l);
	/* an older supd sends no last_exit, cpu_ms nor rss_bytes: "-" */
	l = cli_line(r.out, 1);
	cr_assert_str_eq(l, "root  supervisor  -       running  -    -        0"
	    "         -     -    -");
	free(l);
	l = cli_line(r.out, 3);
	cr_assert_str_eq(l, "db    worker      root    stopped  -    -        0"
	    "         -     -    -");
	free(l);
	/*
	 * uptime counts from started_at; the fake's is in the past, so its
	 * 1.5 s of CPU is 0.0% of it; 64 MiB resident
	 */
	l = cli_line(r.out, 2);
	cr_assert(strncmp(l, "web   worker      root    running  101  ", 40) == 0,
	    "%s", l);
	cr_assert(strcmp(l + strlen(l) - 22, "2         0.0   64M  -") == 0,
	    "%s", l);
	free(l);
	cr_assert_null(strchr(r.out, '\033'), "colour on a pipe");
	cli_result_free(&r);
}

Test(cli, status_json_is_the_child_array_as_supd_sent_it)
{
	struct cli_result	 r;
	json_t			*j, *c;

	RUN(r, "--json", "status");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert(json_is_array(j));
	cr_assert_eq(json_array_size(j), 6);
	c = json_array_get(j, 1);
	cr_assert_str_eq(json_string_value(json_object_get(c, "name")), "web");
	cr_assert_str_eq(json_string_value(json_object_get(c, "type")), "worker");
	cr_assert_str_eq(json_string_value(json_object_get(c, "parent")), "root");
	cr_assert_str_eq(json_string_value(json_object_get(c, "state")), "running");
	cr_assert_eq(json_integer_value(json_object_get(c, "pid")), 101);
	cr_assert_eq(json_integer_value(json_object_get(c, "restarts")), 2);
	cr_assert(json_is_integer(json_object_get(c, "started_at")));
	cr_assert(json_is_null(json_object_get(json_array_get(j, 0), "parent")));
	cr_assert_eq(cli_lines(r.out), 1, "one document, one line");
	json_decref(j);
	cli_result_free(&r);
}

Test(cli, json_after_the_command_works_too)
{
	struct cli_result	 r;
	json_t			*j;

	RUN(r, "status", "web", "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert_eq(json_array_size(j), 1);
	json_decref(j);
	cli_result_free(&r);
}

Test(cli, status_names_are_sent_and_unknown_ones_exit_1)
{
	struct cli_result	 r;
	json_t			*call;

	RUN(r, "status", "web", "db");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(cli_lines(r.out), 3);
	call = fake_last_call(&fk);
	cr_assert_str_eq(json_string_value(json_object_get(call, "method")),
	    "io.supd.Supervisor.Status");
	cr_assert_eq(json_array_size(json_object_get(json_object_get(call,
	    "parameters"), "names")), 2);
	json_decref(call);
	cli_result_free(&r);

	RUN(r, "--json", "status", "nope");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cr_assert_str_eq(r.err, "supctl: status nope: no such child or "
	    "supervisor: nope\n");
	cli_result_free(&r);
}

Test(cli, status_colours_states_on_a_terminal_unless_no_color)
{
	static const char *const nocolor[] = { "NO_COLOR=1", "TERM=xterm", NULL };
	static const char *const color[] = { "NO_COLOR", "TERM=xterm", NULL };
	struct cli_result	 r;

	cli_run(&r, fk.sock, color, 1, "status", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "\033[32mrunning\033[0m"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\033[1;31mfailed \033[0m"), "%s", r.out);
	cli_result_free(&r);
	cli_run(&r, fk.sock, nocolor, 1, "status", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strchr(r.out, '\033'), "%s", r.out);
	cli_result_free(&r);
}

/* tree */

Test(cli, tree_draws_box_lines_in_a_utf8_locale)
{
	static const char *const env[] = { "LC_ALL=C.UTF-8", NULL };
	struct cli_result	r;

	RUN_ENV(r, env, "tree");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out,
	    "root [one_for_all 1/3 in 5s] running\n"
	    "├── web running pid 101\n"
	    "├── pipe [rest_for_one 0/5 in 10s] running\n"
	    "│   ├── prod running pid 111\n"
	    "│   └── cons starting pid 112\n"
	    "├── db stopped\n"
	    "└── jobs [dynamic one_for_one 0/10 in 60s] running, 2 children\n"
	    "    ├── w1 running pid 201\n"
	    "    └── bad failed\n");
	cli_result_free(&r);
}

Test(cli, tree_draws_ascii_otherwise)
{
	static const char *const env[] = { "LC_ALL=C", NULL };
	struct cli_result	r;

	RUN_ENV(r, env, "tree");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out,
	    "root [one_for_all 1/3 in 5s] running\n"
	    "|-- web running pid 101\n"
	    "|-- pipe [rest_for_one 0/5 in 10s] running\n"
	    "|   |-- prod running pid 111\n"
	    "|   `-- cons starting pid 112\n"
	    "|-- db stopped\n"
	    "`-- jobs [dynamic one_for_one 0/10 in 60s] running, 2 children\n"
	    "    |-- w1 running pid 201\n"
	    "    `-- bad failed\n");
	cli_result_free(&r);
}

Test(cli, tree_json_is_the_node_list)
{
	struct cli_result	 r;
	json_t			*j;

	RUN(r, "tree", "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert_eq(json_array_size(j), 9);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0),
	    "strategy")), "one_for_all");
	json_decref(j);
	cli_result_free(&r);
}

/* inspect */

Test(cli, inspect_prints_key_value_lines)
{
	struct cli_result	r;

	RUN(r, "inspect", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strncmp(r.out, "name:       web\n", 16) == 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\npid:        101\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\nspec:\n  command:  /bin/sleep, "
	    "1000\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\nlast_exits:\n  - code:   1\n"),
	    "%s", r.out);
	cli_result_free(&r);
}

Test(cli, inspect_json_is_the_info_object)
{
	struct cli_result	 r;
	json_t			*j;

	RUN(r, "--json", "inspect", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), 101);
	cr_assert(json_is_object(json_object_get(j, "spec")));
	json_decref(j);
	cli_result_free(&r);
	RUN(r, "inspect", "nope");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: inspect nope: no such child or "
	    "supervisor: nope\n");
	cli_result_free(&r);
}

/* start, stop, restart, signal */

Test(cli, start_prints_the_pid_and_refusals_exit_1)
{
	struct cli_result	r;

	RUN(r, "start", "db");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "555\n");
	cli_result_free(&r);
	RUN(r, "start", "web");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cr_assert_str_eq(r.err, "supctl: start web: already started (pid 101)\n");
	cli_result_free(&r);
	RUN(r, "start", "bad");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: start bad: start failed: exec "
	    "/nonexistent: No such file or directory\n");
	cli_result_free(&r);
}

Test(cli, stop_prints_nothing_and_restart_the_new_pid)
{
	struct cli_result	 r;
	json_t			*j;

	RUN(r, "stop", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.out);
	cr_assert_str_empty(r.err);
	cli_result_free(&r);
	RUN(r, "--json", "stop", "w1");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert(json_is_true(json_object_get(j, "removed")));
	json_decref(j);
	cli_result_free(&r);
	RUN(r, "stop", "db");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: stop db: db is not running\n");
	cli_result_free(&r);
	RUN(r, "restart", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "556\n");
	cli_result_free(&r);
}

Test(cli, signal_says_how_many_were_signalled)
{
	struct cli_result	 r;
	json_t			*call;

	RUN(r, "signal", "@g", "HUP");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "@g: HUP sent to 2 processes\n");
	call = fake_last_call(&fk);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(call,
	    "parameters"), "target")), "@g");
	json_decref(call);
	cli_result_free(&r);
	RUN(r, "signal", "web", "9");
	cr_assert_str_eq(r.out, "web: KILL sent to 1 process\n");
	cli_result_free(&r);
	RUN(r, "--json", "signal", "web", "TERM");
	cr_assert_str_eq(r.out, "{\"signalled\":1}\n");
	cli_result_free(&r);
	RUN(r, "signal", "web", "NOPE");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: signal web NOPE: invalid signal "
	    "\"NOPE\"\n");
	cli_result_free(&r);
}

/* spawn */

Test(cli, spawn_prints_the_pid_and_sends_args_env_groups)
{
	struct cli_result	 r;
	json_t			*call, *p, *want;

	RUN(r, "spawn", "jobs", "w9", "--group", "g", "-g", "h", "--env", "A=1",
	    "-e", "B=x=y", "--", "--flag", "arg two");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "301\n");
	cr_assert_str_empty(r.err);
	call = fake_last_call(&fk);
	p = json_object_get(call, "parameters");
	cr_assert_str_eq(json_string_value(json_object_get(call, "method")),
	    "io.supd.Supervisor.Spawn");
	cr_assert_str_eq(json_string_value(json_object_get(p, "supervisor")),
	    "jobs");
	cr_assert_str_eq(json_string_value(json_object_get(p, "name")), "w9");
	want = json_pack("{s:[s,s], s:[s,s], s:[s,s]}", "args", "--flag",
	    "arg two", "env", "A=1", "B=x=y", "groups", "g", "h");
	cr_assert(json_equal(json_object_get(p, "args"),
	    json_object_get(want, "args")));
	cr_assert(json_equal(json_object_get(p, "env"),
	    json_object_get(want, "env")));
	cr_assert(json_equal(json_object_get(p, "groups"),
	    json_object_get(want, "groups")));
	json_decref(want);
	json_decref(call);
	cli_result_free(&r);
}

Test(cli, spawn_json_prints_name_and_pid_only)
{
	struct cli_result	 r;
	json_t			*j;

	RUN(r, "--json", "spawn", "jobs", "w9");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = cli_json(r.out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "w9");
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), 301);
	json_decref(j);
	cli_result_free(&r);
}

Test(cli, spawn_refusals_say_why_and_exit_1)
{
	struct cli_result	r;

	RUN(r, "spawn", "jobs", "w1");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cr_assert_str_eq(r.err, "supctl: spawn jobs w1: already started "
	    "(pid 201)\n");
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "full");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: spawn jobs full: max children reached "
	    "(2)\n");
	cli_result_free(&r);
	RUN(r, "spawn", "root", "x");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: spawn root x: root is not a dynamic "
	    "supervisor\n");
	cli_result_free(&r);
	RUN(r, "spawn", "nope", "x");
	cr_assert_str_eq(r.err, "supctl: spawn nope x: no such child or "
	    "supervisor: nope\n");
	cli_result_free(&r);
	RUN(r, "spawn", "jobs", "broken");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: spawn jobs broken: start failed: exec "
	    "/usr/local/bin/job: No such file or directory\n");
	cli_result_free(&r);
}

/* run, await */

Test(cli, run_prints_the_task_name_and_passes_the_timeout_in_ms)
{
	struct cli_result	 r;
	json_t			*call, *p;

	RUN(r, "run", "jobs", "--timeout", "1.5", "--name", "t1", "--", "exit",
	    "0");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "t1\n");
	call = fake_last_call(&fk);
	p = json_object_get(call, "parameters");
	cr_assert_eq(json_integer_value(json_object_get(p, "timeout")), 1500);
	cr_assert_str_eq(json_string_value(json_object_get(p, "name")), "t1");
	json_decref(call);
	cli_result_free(&r);
	RUN(r, "run", "jobs", "--", "exit", "0");
	cr_assert_str_eq(r.out, "jobs-task-2\n");
	cli_result_free(&r);
}

Test(cli, run_wait_exits_with_the_task_status)
{
	struct cli_result	r;

	RUN(r, "run", "jobs", "--wait", "--quiet", "--", "exit", "3");
	cr_assert_eq(r.status, 3, "%s", r.err);
	cr_assert_str_eq(r.out, "jobs-task-1\n");
	cr_assert_str_empty(r.err);
	cli_result_free(&r);
	RUN(r, "run", "jobs", "-w", "--", "kill", "9");
	cr_assert_eq(r.status, 137);
	cli_result_free(&r);
	RUN(r, "run", "jobs", "--wait", "--", "exit", "0");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
}

Test(cli, run_wait_on_a_timed_out_task_exits_124)
{
	struct cli_result	r;

	RUN(r, "run", "jobs", "--wait", "--timeout", "2", "--", "sleep");
	cr_assert_eq(r.status, 124);
	cr_assert_str_eq(r.err, "supctl: run jobs: task jobs-task-1 timed out "
	    "after 2 s\n");
	cli_result_free(&r);
}

Test(cli, run_wait_json_prints_the_result_only)
{
	struct cli_result	 r;
	json_t			*j;

	RUN(r, "--json", "run", "jobs", "--wait", "--", "exit", "4");
	cr_assert_eq(r.status, 4);
	cr_assert_eq(cli_lines(r.out), 1, "%s", r.out);
	j = cli_json(r.out);
	cr_assert_eq(json_integer_value(json_object_get(j, "exit_status")), 4);
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")),
	    "exited");
	json_decref(j);
	cli_result_free(&r);
}

Test(cli, await_exits_with_the_status_or_1_on_timeout)
{
	struct cli_result	 r;
	json_t			*call;

	RUN(r, "run", "jobs", "--name", "t5", "--", "exit", "5");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	RUN(r, "await", "t5");
	cr_assert_eq(r.status, 5, "%s", r.err);
	cr_assert_str_empty(r.out);
	cli_result_free(&r);
	RUN(r, "run", "jobs", "--name", "long", "--", "forever");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	RUN(r, "await", "long", "--timeout", "0.2");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: await long: timed out waiting for "
	    "long\n");
	call = fake_last_call(&fk);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(call,
	    "parameters"), "timeout")), 200);
	json_decref(call);
	cli_result_free(&r);
	RUN(r, "await", "nope");
	cr_assert_eq(r.status, 1);
	cli_result_free(&r);
}

Test(cli, await_of_a_task_that_never_started_exits_1)
{
	struct cli_result	r;

	RUN(r, "run", "jobs", "--name", "f", "--", "fail");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cli_result_free(&r);
	RUN(r, "await", "f");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: await f: task f failed to start: exec "
	    "/nonexistent: No such file\n");
	cli_result_free(&r);
}

/* whereis, members */

Test(cli, whereis_prints_the_pid_or_exits_1)
{
	struct cli_result	r;

	RUN(r, "whereis", "w1");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "201\n");
	cli_result_free(&r);
	RUN(r, "whereis", "db");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cr_assert_str_eq(r.err, "supctl: whereis db: db is not running\n");
	cli_result_free(&r);
	RUN(r, "--json", "whereis", "web");
	cr_assert_str_eq(r.out, "{\"name\":\"web\",\"pid\":101}\n");
	cli_result_free(&r);
}

Test(cli, members_prints_a_table_and_takes_an_at_sign)
{
	struct cli_result	 r;
	json_t			*call, *j;

	RUN(r, "members", "@g");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "NAME  PID\nweb   101\nw1    201\n");
	call = fake_last_call(&fk);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(call,
	    "parameters"), "group")), "g");
	json_decref(call);
	cli_result_free(&r);
	RUN(r, "--json", "members", "g");
	j = cli_json(r.out);
	cr_assert_eq(json_array_size(j), 2);
	json_decref(j);
	cli_result_free(&r);
}

/* events, logs, metrics, reload, reexec, shutdown */

Test(cli, events_prints_a_line_per_event)
{
	struct cli_result	 r;
	char			*l;

	RUN(r, "events");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(cli_lines(r.out), 5, "%s", r.out);
	l = cli_line(r.out, 1);
	cr_assert(strncmp(l, "2 ", 2) == 0, "%s", l);
	cr_assert_not_null(strstr(l, " exit         web pid=101 code=1 "
	    "normal=false"), "%s", l);
	free(l);
	l = cli_line(r.out, 3);
	cr_assert_not_null(strstr(l, " start_failed bad reason=\"exec: No such "
	    "file or directory\""), "%s", l);
	free(l);
	cli_result_free(&r);
}

Test(cli, events_json_is_one_object_a_line)
{
	struct cli_result	 r;
	json_t			*call, *j;
	char			*l;
	int			 i;

	RUN(r, "--json", "events", "--since", "1", "--follow", "web");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(cli_lines(r.out), 4, "%s", r.out);
	for (i = 0; i < 4; i++) {
		l = cli_line(r.out, i);
		j = cli_json(l);
		cr_assert_str_eq(json_string_value(json_object_get(j, "name")),
		    "web");
		cr_assert(json_integer_value(json_object_get(j, "seq")) > 1);
		json_decref(j);
		free(l);
	}
	call = fake_last_call(&fk);
	cr_assert(json_is_true(json_object_get(call, "more")));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(call,
	    "parameters"), "since")), 1);
	cr_assert(json_is_true(json_object_get(json_object_get(call,
	    "parameters"), "follow")));
	json_decref(call);
	cli_result_free(&r);
}

Test(cli, logs_prints_lines_and_passes_n)
{
	struct cli_result	 r;
	json_t			*call;

	RUN(r, "logs", "web", "-n", "2");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "line 9\nline 10\n");
	call = fake_last_call(&fk);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(call,
	    "parameters"), "lines")), 2);
	json_decref(call);
	cli_result_free(&r);
	RUN(r, "--json", "logs", "web", "--lines=1");
	cr_assert_str_eq(r.out, "{\"lines\":[\"line 10\"]}\n");
	cli_result_free(&r);
}

Test(cli, metrics_prints_the_text_as_is)
{
	struct cli_result	r;

	RUN(r, "metrics");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "# HELP supd_children Children by state.\n"
	    "# TYPE supd_children gauge\n"
	    "supd_children{state=\"running\"} 3\n");
	cli_result_free(&r);
}

Test(cli, reload_prints_the_changes_and_check_only_checks)
{
	struct cli_result	 r;
	json_t			*call;

	RUN(r, "reload");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out,
	    "- old                  worker\n"
	    "+ cache                worker under root\n"
	    "~ web                  restarted: command, env\n"
	    "! history_max          kept until supd restarts\n");
	cli_result_free(&r);
	RUN(r, "reload", "--check");
	cr_assert_str_eq(r.out,
	    "+ cache                worker under root\n"
	    "~ web                  restarted: command, env\n"
	    "! history_max          kept until supd restarts\n"
	    "(--check: nothing was applied)\n");
	call = fake_last_call(&fk);
	cr_assert(json_is_true(json_object_get(json_object_get(call,
	    "parameters"), "check")));
	json_decref(call);
	cli_result_free(&r);
}

Test(cli, an_unknown_method_is_a_refusal)
{
	struct cli_result	r;

	RUN(r, "reexec");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "supctl: reexec: unknown method "
	    "io.supd.Supervisor.Reexec\n");
	cli_result_free(&r);
}

Test(cli, shutdown_exits_0)
{
	struct cli_result	r;

	RUN(r, "shutdown");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.out);
	cli_result_free(&r);
}
