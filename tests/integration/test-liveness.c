/*
 * test-liveness.c — a worker's watchdog (WATCHDOG=1 on $NOTIFY_SOCKET)
 * and health checks with real children: a silent child, WATCHDOG=trigger,
 * a child that keeps pinging, failing and hanging checks, status.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

Test(liveness, silent_child_is_restarted_after_watchdog)
{
	struct supd_inst in;
	pid_t		 p1, p2;
	char		*out = NULL;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 10\n"
	    "[worker:w]\nparent = root\nwatchdog = 300\nshutdown = 200\n"
	    "command = /bin/sh -c 'echo $WATCHDOG_USEC $WATCHDOG_PID $$ "
	    ">> @DIR@/env; exec sleep 1000'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "env", 1, 5000), 1);
	p1 = harness_whereis(&in, "w");
	p2 = harness_wait_new_pid(&in, "w", p1, 3000);
	cr_expect_neq(p2, 0, "restarted within interval plus margin");
	cr_expect(harness_wait_log(&in, "watchdog w pid", 0));
	harness_supctl(&in, &out, "--json", "status", "w", NULL);
	cr_expect(strstr(out, "\"restarts\":1") != NULL ||
	    strstr(out, "\"restarts\":2") != NULL, "%s", out);
	free(out);
	out = harness_read(&in, "env");
	{
		unsigned long	 usec;
		int		 a, b;

		cr_assert_eq(sscanf(out, "%lu %d %d", &usec, &a, &b), 3, "%s", out);
		cr_expect_eq(usec, 300000UL);
		cr_expect_eq(a, b, "WATCHDOG_PID is the child's pid");
	}
	free(out);
	harness_stop(&in);
}

Test(liveness, watchdog_trigger_fails_at_once)
{
	struct supd_inst in;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 10\n"
	    "[worker:w]\nparent = root\nwatchdog = 60s\nshutdown = 200\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/runs; sleep 0.2; "
	    "systemd-notify WATCHDOG=trigger; exec sleep 1000'\n");
	harness_start(&in);
	cr_expect_eq(harness_wait_lines(&in, "runs", 2, 5000), 2,
	    "restarted after WATCHDOG=trigger");
	cr_expect(harness_wait_log(&in, "WATCHDOG=trigger", 0));
	harness_stop(&in);
}

/* A worker that pings its watchdog every 0.1 s, its starts counted in runs. */
static const char *conf_pinging =
    "[supervisor:root]\n"
    "[worker:w]\nparent = root\nwatchdog = 1s\n"
    "command = /bin/sh -c 'echo x >> @DIR@/runs; while :; do "
    "systemd-notify WATCHDOG=1; sleep 0.1; done'\n";

Test(liveness, child_that_keeps_pinging_is_not_restarted)
{
	struct supd_inst in;
	pid_t		 p1;

	harness_init(&in, conf_pinging);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "runs", 1, 5000), 1);
	p1 = harness_whereis(&in, "w");
	harness_sleep_ms(2500);
	cr_expect_eq(harness_whereis(&in, "w"), p1, "not restarted");
	harness_stop(&in);
}

/*
 * A stall of supd's loop (SIGSTOP here; a loaded machine, memcheck) past the
 * interval while the child kept pinging: the pings are queued on its notify
 * socket, so the watchdog that runs first on resume must read them, not fire.
 */
Test(liveness, pings_queued_while_supd_stalled_keep_the_child)
{
	struct supd_inst in;
	pid_t		 p1;

	harness_init(&in, conf_pinging);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "runs", 1, 5000), 1);
	p1 = harness_whereis(&in, "w");
	harness_sleep_ms(harness_ms(300));
	kill(in.pid, SIGSTOP);
	harness_sleep_ms(1500);
	kill(in.pid, SIGCONT);
	harness_sleep_ms(harness_ms(500));
	cr_expect_eq(harness_whereis(&in, "w"), p1, "restarted after the stall");
	cr_expect(!harness_wait_log(&in, "watchdog w pid", 0),
	    "the watchdog fired with pings queued");
	harness_stop(&in);
}

Test(liveness, failing_health_check_restarts_child)
{
	struct supd_inst in;
	char		*out = NULL;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 10\n"
	    "[worker:w]\nparent = root\nhealth = /bin/sh -c 'echo sick; exit 1'\n"
	    "health_interval = 100\nhealth_retries = 3\nshutdown = 200\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/runs; exec sleep 1000'\n");
	harness_start(&in);
	cr_expect_eq(harness_wait_lines(&in, "runs", 2, 5000), 2,
	    "restarted after 3 failed checks");
	cr_expect(harness_wait_log(&in, "health checks failed in a row", 0));
	harness_supctl(&in, &out, "--json", "events", "w", NULL);
	cr_expect(strstr(out, "\"unhealthy\"") != NULL, "%s", out);
	free(out);
	harness_stop(&in);
}

Test(liveness, hanging_health_check_is_timed_out)
{
	struct supd_inst in;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 10\n"
	    "[worker:w]\nparent = root\nhealth = /bin/sleep 1000\n"
	    "health_interval = 100\nhealth_timeout = 200\nhealth_retries = 2\n"
	    "shutdown = 200\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/runs; exec sleep 1000'\n");
	harness_start(&in);
	cr_expect_eq(harness_wait_lines(&in, "runs", 2, 5000), 2,
	    "restarted after 2 timed out checks");
	cr_expect(harness_wait_log(&in, "still running after 200 ms", 0));
	harness_stop(&in);
}

Test(liveness, status_shows_healthy_and_unhealthy)
{
	struct supd_inst in;
	char		*out = NULL;
	int		 i, seen = 0;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:ok]\nparent = root\nhealth = /bin/sh -c 'echo fine'\n"
	    "health_interval = 100\n"
	    "command = /bin/sleep 1000\n");
	harness_start(&in);
	for (i = 0; i < 50 * harness_scale() && !seen; i++) {
		harness_sleep_ms(100);
		free(out);
		harness_supctl(&in, &out, "--json", "status", "ok", NULL);
		seen = strstr(out, "\"health\":\"healthy\"") != NULL;
	}
	cr_expect(seen, "%s", out);
	free(out);
	harness_supctl(&in, &out, "status", NULL);
	cr_expect(strstr(out, "healthy") != NULL, "%s", out);
	free(out);
	harness_supctl(&in, &out, "--json", "inspect", "ok", NULL);
	cr_expect(strstr(out, "\"health_output\":\"fine\"") != NULL, "%s", out);
	free(out);
	harness_stop(&in);
}

/*
 * None of the liveness, backoff, resource or cgroup keys: an idle supd
 * sleeps (no timer of theirs, no poll), whatever its tree holds.
 */
Test(liveness, an_idle_supd_without_the_keys_does_not_wake_up)
{
	struct supd_inst in;
	long		 before, after;
	int		 i;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:a]\nparent = root\ncommand = /bin/sleep 600\n"
	    "[worker:once]\nparent = root\nrestart = transient\n"
	    "command = /bin/true\n"
	    "[dynamic:jobs]\nparent = root\ncommand = /bin/sleep\n");
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "j1", "--",
	    "600", (char *)NULL), 0);
	/* let the starts, the exit and the commits settle */
	harness_sleep_ms(1500);
	for (i = 0; i < 3; i++) {
		before = harness_ctxt_switches(in.pid);
		harness_sleep_ms(2000);
		after = harness_ctxt_switches(in.pid);
		if (after == before)
			break;
	}
	cr_expect_eq(after - before, 0, "%ld context switches in 2 s of idle",
	    after - before);
	harness_stop(&in);
}
