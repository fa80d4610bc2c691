/*
 * test-strategy.c — the three strategies end to end with real processes:
 * kill one child with SIGKILL and read, from the log the children write
 * themselves, which children stop and start again and in which order.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/*
 * Writes "start NAME PID" when it starts and "stop NAME" on SIGTERM; says
 * READY=1 after writing, so the next sibling's line comes after its own.
 */
#define CHILD(name) \
	"[worker:" name "]\n" \
	"parent = root\n" \
	"shutdown = 2000\n" \
	"ready = notify\n" \
	"command = /bin/sh -c 'trap \"echo stop $SUPD_NAME >> @DIR@/trace; exit 0\" TERM; " \
	"echo start $SUPD_NAME $$ >> @DIR@/trace; systemd-notify --ready; sleep 1000 & wait'\n"

static const char *
tree_of(const char *strategy)
{
	static char	buf[4096];

	snprintf(buf, sizeof buf,
	    "[supervisor:root]\nstrategy = %s\nmax_restarts = 5\nmax_seconds = 10\n"
	    CHILD("a") CHILD("b") CHILD("c"), strategy);
	return (buf);
}

/* The pid child name logged at its last start. */
static pid_t
pid_in_log(struct supd_inst *in, const char *name)
{
	char	*log = harness_read(in, "trace"), *line, *save = NULL;
	char	 want[80];
	pid_t	 pid = 0;

	snprintf(want, sizeof want, "start %s ", name);
	for (line = strtok_r(log, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, want, strlen(want)) == 0)
			pid = atoi(line + strlen(want));
	free(log);
	return (pid);
}

/* The log's lines from line `from` on, pids dropped, joined with "|". */
static char *
log_tail(struct supd_inst *in, int from)
{
	char	*log = harness_read(in, "trace"), *line, *save = NULL, *out;
	int	 i = 0;
	size_t	 len = 0;

	out = calloc(1, 4096);
	for (line = strtok_r(log, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		char	word[16], name[64];

		if (i < from || sscanf(line, "%15s %63s", word, name) != 2)
			continue;
		len += snprintf(out + len, 4096 - len, "%s%s %s", len ? "|" : "",
		    word, name);
	}
	free(log);
	return (out);
}

static void
kill_and_expect(const char *strategy, int nlines, const char *expected)
{
	struct supd_inst in;
	pid_t		 b;
	char		*tail;

	harness_init(&in, tree_of(strategy));
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "trace", 3, 5000), 3);
	/* the children set their traps right after logging; give them a moment */
	harness_sleep_ms(100);
	b = pid_in_log(&in, "b");
	cr_assert_gt(b, 0);
	kill(b, SIGKILL);
	harness_wait_lines(&in, "trace", 3 + nlines, 5000);
	harness_sleep_ms(200);	/* nothing more may come */
	tail = log_tail(&in, 3);
	cr_expect_str_eq(tail, expected, "%s: got %s", strategy, tail);
	cr_expect_neq(pid_in_log(&in, "b"), b, "b runs with a new pid");
	free(tail);
	harness_stop(&in);
}

Test(strategy, one_for_one_restarts_only_the_dead_child)
{
	kill_and_expect("one_for_one", 1, "start b");
}

Test(strategy, one_for_all_stops_the_others_newest_first_then_starts_all_in_order)
{
	kill_and_expect("one_for_all", 5, "stop c|stop a|start a|start b|start c");
}

Test(strategy, rest_for_one_restarts_the_dead_child_and_those_after_it)
{
	kill_and_expect("rest_for_one", 3, "stop c|start b|start c");
}

Test(strategy, boot_starts_in_file_order_and_shutdown_stops_in_reverse)
{
	struct supd_inst in;
	char		*tail;

	harness_init(&in, tree_of("one_for_one"));
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "trace", 3, 5000), 3);
	harness_sleep_ms(100);
	kill(in.pid, SIGTERM);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0, "supd exits 0 after SIGTERM");
	tail = log_tail(&in, 0);
	cr_expect_str_eq(tail, "start a|start b|start c|stop c|stop b|stop a");
	free(tail);
	cr_expect_eq(harness_tagged_alive(&in), 0, "no child outlives supd");
	harness_stop(&in);
}

Test(strategy, root_giving_up_stops_everything_and_exits_3)
{
	struct supd_inst in;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 2\nmax_seconds = 10\n"
	    "[worker:steady]\nparent = root\ncommand = /bin/sleep 1000\n"
	    "[worker:crash]\nparent = root\ncommand = /bin/sh -c 'exit 1'\n");
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_exit(&in, 10000), 3);
	/* the reason names the supervisor, how often and the last child */
	cr_expect(harness_wait_log(&in,
	    "root: more than 2 restarts in 10 s (last: crash)", 0),
	    "the log does not give the reason");
	cr_expect_eq(harness_tagged_alive(&in), 0, "steady was stopped too");
	harness_stop(&in);
}

Test(strategy, nested_supervisor_escalates_to_its_parent)
{
	struct supd_inst in;
	char		*log;
	int		 starts = 0;
	char		*p;

	/* inner gives up after its third exit; root restarts inner once, then
	 * inner gives up again: two inner give-ups in 10 s exceed root's 1 */
	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 1\nmax_seconds = 10\n"
	    "[supervisor:inner]\nparent = root\nmax_restarts = 2\nmax_seconds = 10\n"
	    "[worker:crash]\nparent = inner\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/trace; exit 1'\n");
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_exit(&in, 10000), 3);
	log = harness_read(&in, "trace");
	for (p = log; p != NULL && (p = strchr(p, 'x')) != NULL; p++)
		starts++;
	/* 3 starts per inner incarnation (1 + 2 restarts), 2 incarnations */
	cr_expect_eq(starts, 6, "crash started %d times", starts);
	free(log);
	harness_stop(&in);
}

Test(strategy, a_transient_supervisor_that_gives_up_is_not_restarted)
{
	struct supd_inst in;
	char		*out = NULL;

	/* inner gives up on crash's second exit; root, steady and inner stay */
	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 1\nmax_seconds = 10\n"
	    "[worker:steady]\nparent = root\ncommand = /bin/sleep 1000\n"
	    "[supervisor:inner]\nparent = root\nrestart = transient\n"
	    "max_restarts = 1\nmax_seconds = 10\n"
	    "[worker:crash]\nparent = inner\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/trace; exit 1'\n");
	harness_start(&in);
	cr_assert(harness_wait_log(&in, "supervisor inner stopped", 5000));
	harness_sleep_ms(300);
	cr_expect_eq(harness_wait_lines(&in, "trace", 2, 0), 2,
	    "crash ran twice, inner was not restarted");
	cr_assert_eq(harness_supctl(&in, &out, "--json", "status", "inner",
	    "steady", NULL), 0);
	cr_expect(strstr(out, "\"name\":\"inner\"") != NULL &&
	    strstr(out, "\"state\":\"failed\"") != NULL, "%s", out);
	cr_expect(strstr(out, "\"state\":\"running\"") != NULL, "%s", out);
	free(out);
	harness_stop(&in);
}

Test(strategy, a_significant_child_done_ends_an_auto_shutdown_root_with_0)
{
	struct supd_inst in;

	harness_init(&in,
	    "[supervisor:root]\nauto_shutdown = any_significant\n"
	    "[worker:steady]\nparent = root\ncommand = /bin/sleep 1000\n"
	    "[worker:job]\nparent = root\nrestart = transient\n"
	    "significant = true\ncommand = /bin/sh -c 'sleep 0.3; exit 0'\n");
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	cr_expect(harness_wait_log(&in, "auto_shutdown: root: significant child "
	    "job exited (any_significant)", 0));
	cr_expect_eq(harness_tagged_alive(&in), 0, "steady was stopped");
	harness_stop(&in);
}
