/*
 * test-lifecycle.c — one worker's life with real processes: exec failures,
 * readiness over $NOTIFY_SOCKET, stop escalating to SIGKILL, process groups
 * killed whole, nothing leaked (fds, zombies) after many restarts.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static long
ms_since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

static pid_t
read_pid(struct supd_inst *in, const char *file)
{
	char	*s = harness_read(in, file);
	pid_t	 pid = s != NULL ? atoi(s) : 0;

	free(s);
	return (pid);
}

Test(lifecycle, exec_failure_at_boot_exits_1_naming_child_and_reason)
{
	struct supd_inst in;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:first]\nparent = root\ncommand = /bin/sleep 1000\n"
	    "[worker:ghost]\nparent = root\ncommand = /no/such/binary --flag\n");
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_exit(&in, 10000), 1);
	/* the last line says which child and why */
	cr_expect(harness_wait_log(&in, "cannot start: ghost failed to start: "
	    "exec /no/such/binary: No such file or directory", 0),
	    "the log does not name the child and the reason");
	cr_expect_eq(harness_tagged_alive(&in), 0, "first was stopped again");
	harness_stop(&in);
}

Test(lifecycle, stop_escalates_to_sigkill_after_shutdown_ms)
{
	struct supd_inst in;
	struct timespec	 t0;
	long		 took;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:stubborn]\nparent = root\nshutdown = 400\n"
	    "command = /bin/sh -c 'trap \"\" TERM; echo $$ > @DIR@/pid; "
	    "while :; do sleep 0.05; done'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "pid", 1, 5000), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(in.pid, SIGTERM);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	took = ms_since(&t0);
	cr_expect_geq(took, 390, "waited for the shutdown time (%ld ms)", took);
	if (!harness_skip_valgrind("how soon supd exits (memcheck's leak "
	    "check at exit takes seconds)"))
		cr_expect_lt(took, 3000, "then killed it (%ld ms)", took);
	cr_expect_eq(harness_tagged_alive(&in), 0);
	harness_stop(&in);
}

Test(lifecycle, brutal_kill_stops_at_once)
{
	struct supd_inst in;
	struct timespec	 t0;
	long		 took;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:stubborn]\nparent = root\nshutdown = brutal_kill\n"
	    "command = /bin/sh -c 'trap \"\" TERM; echo $$ > @DIR@/pid; "
	    "while :; do sleep 0.05; done'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "pid", 1, 5000), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(in.pid, SIGTERM);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	took = ms_since(&t0);
	if (!harness_skip_valgrind("how soon supd exits (memcheck's leak "
	    "check at exit takes seconds)"))
		cr_expect_lt(took, 1000, "no wait (%ld ms)", took);
	harness_stop(&in);
}

Test(lifecycle, grandchildren_die_with_their_group_before_the_restart)
{
	struct supd_inst in;
	pid_t		 main1, main2;
	int		 alive;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 5\n"
	    "[worker:family]\nparent = root\nshutdown = 1000\n"
	    "command = /bin/sh -c 'sleep 1000 & sleep 1000 & echo $$ >> @DIR@/pids; wait'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "pids", 1, 5000), 1);
	harness_sleep_ms(100);
	/* supd, sh, sleep, sleep */
	cr_assert_eq(harness_tagged_alive(&in), 4);
	main1 = read_pid(&in, "pids");
	kill(main1, SIGKILL);
	cr_assert_eq(harness_wait_lines(&in, "pids", 2, 5000), 2);
	harness_sleep_ms(200);
	alive = harness_tagged_alive(&in);
	cr_expect_eq(alive, 4, "the old sleeps are gone: %d tagged alive", alive);
	main2 = harness_whereis(&in, "family");
	cr_expect_neq(main2, main1);
	cr_expect_eq(harness_zombies_of(in.pid), 0);
	harness_stop(&in);
}

Test(lifecycle, children_get_no_daemon_fds_and_default_signals)
{
	struct supd_inst in;
	pid_t		 pid;
	char		 path[64], *status = NULL, *p;
	FILE		*f;
	size_t		 cap = 0;
	int		 fds;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:plain]\nparent = root\n"
	    "command = /bin/sh -c 'echo $$ > @DIR@/pid; exec sleep 1000'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "pid", 1, 5000), 1);
	harness_sleep_ms(100);
	pid = read_pid(&in, "pid");
	fds = harness_fd_count(pid);
	cr_expect_eq(fds, 3, "only stdin, stdout and stderr: %d fds", fds);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	cr_assert_not_null(f = fopen(path, "r"));
	while (getline(&status, &cap, f) != -1) {
		if ((p = strstr(status, "SigBlk:")) != NULL)
			cr_expect_eq(strtoull(p + 7, NULL, 16), 0, "%s", status);
		if ((p = strstr(status, "SigIgn:")) != NULL)
			cr_expect_eq(strtoull(p + 7, NULL, 16), 0, "%s", status);
	}
	free(status);
	fclose(f);
	harness_stop(&in);
}

Test(lifecycle, notify_readiness_orders_the_next_sibling)
{
	struct supd_inst in;
	char		*log;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:slow]\nparent = root\nready = notify\nstart_timeout = 10000\n"
	    "command = /bin/sh -c 'sleep 0.3; echo slow-ready >> @DIR@/trace; "
	    "systemd-notify --ready --status=warm; exec sleep 1000'\n"
	    "[worker:next]\nparent = root\n"
	    "command = /bin/sh -c 'echo next-start >> @DIR@/trace; exec sleep 1000'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "trace", 2, 8000), 2);
	log = harness_read(&in, "trace");
	cr_expect_str_eq(log, "slow-ready\nnext-start\n");
	free(log);
	harness_stop(&in);
}

Test(lifecycle, notify_start_timeout_is_a_start_failure)
{
	struct supd_inst in;
	struct timespec	 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:mute]\nparent = root\nready = notify\nstart_timeout = 300\n"
	    "command = /bin/sleep 1000\n");
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_exit(&in, 10000), 1);
	cr_expect_geq(ms_since(&t0), 300);
	cr_expect(harness_wait_log(&in, "cannot start: mute failed to start: "
	    "no READY=1 within 300 ms", 0),
	    "the log does not name the child and the reason");
	cr_expect_eq(harness_tagged_alive(&in), 0, "the mute child was killed");
	harness_stop(&in);
}

/*
 * A stall of supd's loop (SIGSTOP here; a loaded machine, memcheck) past
 * start_timeout while the child sent READY=1: on resume the timer runs
 * before the queued datagram is read, so it must read it first, not fail.
 */
Test(lifecycle, a_ready_queued_while_supd_stalled_is_a_start)
{
	struct supd_inst in;
	pid_t		 pid;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\nready = notify\nstart_timeout = 1000\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/runs; sleep 0.3; "
	    "systemd-notify --ready; exec sleep 1000'\n");
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_lines(&in, "runs", 1, 5000), 1);
	kill(in.pid, SIGSTOP);
	harness_sleep_ms(1500);
	kill(in.pid, SIGCONT);
	cr_assert(harness_wait_log(&in, "ready w pid", 5000),
	    "w is not ready after the stall");
	cr_expect(!harness_wait_log(&in, "no READY=1 within", 0),
	    "the start timed out with READY=1 queued");
	cr_assert_gt(pid = harness_whereis(&in, "w"), 0);
	harness_sleep_ms(harness_ms(300));
	cr_expect_eq(harness_whereis(&in, "w"), pid, "w was restarted");
	harness_stop(&in);
}

Test(lifecycle, a_thousand_restarts_leave_no_zombie_and_no_fd)
{
	struct supd_inst in;
	int		 fds1, fds2;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 1000000\nmax_seconds = 1\n"
	    "[worker:crash]\nparent = root\ncommand = /bin/sh -c 'exit 7'\n");
	harness_start(&in);
	cr_assert(harness_wait_log(&in, "restart crash (restart 500)", 30000));
	fds1 = harness_fd_count(in.pid);
	cr_assert(harness_wait_log(&in, "restart crash (restart 1500)", 60000));
	fds2 = harness_fd_count(in.pid);
	/* one child's pipes may be open at either moment */
	cr_expect_leq(abs(fds2 - fds1), 3, "fds %d then %d", fds1, fds2);
	cr_expect_leq(harness_zombies_of(in.pid), 1, "no zombies pile up");
	harness_stop(&in);
}

Test(lifecycle, a_supervisor_past_its_shutdown_has_its_subtree_killed)
{
	struct supd_inst in;
	struct timespec	 t0;
	long		 took;

	/* stubborn ignores TERM and may take 20 s; mid allows 300 ms for all */
	harness_init(&in,
	    "[supervisor:root]\n"
	    "[supervisor:mid]\nparent = root\nshutdown = 300\n"
	    "[worker:calm]\nparent = mid\ncommand = /bin/sleep 1000\n"
	    "[worker:stubborn]\nparent = mid\nshutdown = 20000\n"
	    "command = /bin/sh -c 'trap \"\" TERM; echo $$ > @DIR@/pid; "
	    "while :; do sleep 0.05; done'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "pid", 1, 5000), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(in.pid, SIGTERM);
	cr_assert_eq(harness_wait_exit(&in, 15000), 0);
	took = ms_since(&t0);
	cr_expect_geq(took, 290, "waited for mid's shutdown (%ld ms)", took);
	/* under memcheck its exit takes seconds: still short of the 20 */
	cr_expect_lt(took, harness_valgrind() ? 19000 : 5000,
	    "not for stubborn's 20 s (%ld ms)", took);
	cr_expect(harness_wait_log(&in, "mid: still stopping 300 ms after its "
	    "parent asked: killing what is left of it", 0));
	cr_expect_eq(harness_tagged_alive(&in), 0);
	harness_stop(&in);
}

Test(lifecycle, a_transient_child_killed_by_term_is_not_restarted)
{
	struct supd_inst in;
	char		*out = NULL;

	/* TERM is a clean death (systemd's rule); USR1 is listed as one */
	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:t]\nparent = root\nrestart = transient\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/t; sleep 0.2; kill -TERM $$'\n"
	    "[worker:u]\nparent = root\nrestart = transient\n"
	    "success_exit_codes = 0 USR1\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/u; sleep 0.2; kill -USR1 $$'\n"
	    "[worker:k]\nparent = root\nrestart = transient\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/k; sleep 0.2; kill -KILL $$'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "k", 2, 5000), 2, "k restarted");
	harness_sleep_ms(400);
	cr_expect_eq(harness_wait_lines(&in, "t", 1, 0), 1, "t not restarted");
	cr_expect_eq(harness_wait_lines(&in, "u", 1, 0), 1, "u not restarted");
	cr_assert_eq(harness_supctl(&in, &out, "--json", "inspect", "t", NULL), 0);
	cr_expect(strstr(out, "\"state\":\"exited\"") != NULL, "%s", out);
	cr_expect(strstr(out, "\"last_exit_signal_name\":\"TERM\"") != NULL,
	    "%s", out);
	free(out);
	harness_stop(&in);
}

Test(lifecycle, stop_of_a_temporary_child_removes_it)
{
	struct supd_inst in;
	char		*out = NULL;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:tmp]\nparent = root\nrestart = temporary\n"
	    "command = /bin/sleep 1000\n"
	    "[worker:keep]\nparent = root\ncommand = /bin/sleep 1000\n");
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, &out, "--json", "stop", "tmp", NULL), 0);
	cr_expect_str_eq(out, "{\"name\":\"tmp\",\"removed\":true}\n");
	free(out);
	out = NULL;
	cr_expect_eq(harness_supctl(&in, NULL, "inspect", "tmp", NULL), 1);
	cr_assert_eq(harness_supctl(&in, &out, "--json", "stop", "keep", NULL), 0);
	cr_expect_str_eq(out, "{\"name\":\"keep\",\"removed\":false}\n");
	free(out);
	harness_stop(&in);
}

Test(lifecycle, a_stop_is_handled_between_two_tries_of_a_failing_restart)
{
	struct supd_inst in;
	char		*out = NULL;
	struct timespec	 t0;
	long		 took;

	/*
	 * w runs once, then every restart fails (exit before READY=1); the
	 * intensity is too large to end the retries: only the stop can.
	 */
	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 100000\nmax_seconds = 3600\n"
	    "[worker:w]\nparent = root\nready = notify\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/tries; "
	    "[ -e @DIR@/ran ] && exit 1; touch @DIR@/ran; "
	    "systemd-notify --ready; sleep 0.2; exit 1'\n");
	harness_start(&in);
	cr_assert_geq(harness_wait_lines(&in, "tries", 5, 10000), 5,
	    "w is being retried");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(harness_supctl(&in, &out, "--json", "stop", "w", NULL), 0);
	took = ms_since(&t0);
	cr_expect_str_eq(out, "{\"name\":\"w\",\"removed\":false}\n");
	cr_expect_lt(took, harness_ms(5000), "the stop waited %ld ms", took);
	free(out);
	out = NULL;
	cr_assert_eq(harness_supctl(&in, &out, "--json", "inspect", "w", NULL), 0);
	cr_expect(strstr(out, "\"state\":\"stopped\"") != NULL, "%s", out);
	free(out);
	harness_stop(&in);
}
