/*
 * test-policy-backoff.c — restart_delay, restart_delay_max and
 * restart_delay_reset: the delay doubles between consecutive restarts of
 * one child up to the cap, begins again once the child ran long enough,
 * is counted by intensity when decided, and a command (start, restart,
 * stop) or a sibling's restart ends it.  The test plays the timer: the
 * policy asks with "backoff a MS", the test answers with h_backoff.
 */
#include <stdio.h>

#include <criterion/criterion.h>

#include "policy-harness.h"

TestSuite(backoff, .init = h_setup, .fini = h_teardown);

static struct spec *
delayed(const char *name, const char *parent)
{
	struct spec	*sp = h_worker(name, parent, RESTART_PERMANENT);

	spec_extra_own(sp)->restart_delay_ms = 100;
	spec_extra_own(sp)->restart_delay_max_ms = 400;
	spec_extra_own(sp)->restart_delay_reset_ms = 1000;
	return (sp);
}

/* root (strategy, 10 restarts in 60 s): a with a delay, b and c without. */
static void
boot_abc(enum strategy strategy, int max_restarts)
{
	h_sup("root", NULL, strategy, max_restarts, 60);
	delayed("a", "root");
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_at(1000);
	h_boot_all();
}

/* a exits at now; its restart waits ms; then the timer runs out and a starts. */
static void
crash_and_wait(int64_t *now, int64_t ms)
{
	char	want[64];

	h_at(*now);
	h_exited("a", 0);
	snprintf(want, sizeof want, "backoff a %lld", (long long)ms);
	expect("report backoff a", want);
	expect_state("a", "exited");
	cr_assert_eq(h_node("a")->backoff_at, *now + ms);
	*now += ms;
	h_at(*now);
	h_backoff("a");
	expect("report restart a", "start a");
	h_started("a");
	expect_nothing();
	cr_assert_eq(h_node("a")->backoff_at, 0);
}

Test(backoff, no_restart_delay_restarts_at_once)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	h_exited("b", 0);
	expect("report restart b", "start b");
}

Test(backoff, delays_double_100_200_400_then_stay_at_the_cap)
{
	int64_t	now = 1010;

	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	crash_and_wait(&now, 100);
	now += 10;
	crash_and_wait(&now, 200);
	now += 10;
	crash_and_wait(&now, 400);
	now += 10;
	crash_and_wait(&now, 400);
	cr_assert_eq(h_node("a")->restarts, 4);
}

Test(backoff, a_child_that_ran_restart_delay_reset_begins_again_at_restart_delay)
{
	int64_t	now = 1010;

	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	crash_and_wait(&now, 100);
	now += 999;		/* not quite long enough */
	crash_and_wait(&now, 200);
	now += 1000;		/* long enough */
	crash_and_wait(&now, 100);
}

Test(backoff, restart_delay_max_unset_caps_at_30_s)
{
	struct spec	*sp;
	int64_t		 now = 1010;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 100, 1);
	sp = h_worker("a", "root", RESTART_PERMANENT);
	spec_extra_own(sp)->restart_delay_ms = 10000;
	h_build();
	h_at(1000);
	h_boot_all();
	crash_and_wait(&now, 10000);
	crash_and_wait(&now, 20000);
	crash_and_wait(&now, 30000);
	crash_and_wait(&now, 30000);
}

Test(backoff, intensity_counts_each_restart_when_decided)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 2);
	h_at(1100);
	h_exited("a", 0);
	expect("report backoff a", "backoff a 100");
	cr_assert_eq(h_window("root", 0), 1);
	h_at(1200);
	h_backoff("a");
	h_started("a");
	h_exited("a", 0);
	expect("report backoff a", "backoff a 200");
	cr_assert_eq(h_window("root", 0), 2);
	h_at(1400);
	h_backoff("a");
	h_started("a");
	h_exited("a", 0);
	cr_assert_str_eq(h_trace(0), "report intensity root");
}

Test(backoff, other_children_are_restarted_while_one_waits)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	h_exited("a", 0);
	expect("report backoff a", "backoff a 100");
	h_exited("b", 0);
	expect("report restart b", "start b");
	h_started("b");
	expect_nothing();
	h_cmd(EVT_CMD_STOP, "c");
	expect("stop c");
	h_stopped("c");
	expect("done ok c");
	h_backoff("a");
	expect("report restart a", "start a");
}

Test(backoff, start_during_backoff_starts_at_once_and_the_timer_goes)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	h_exited("a", 0);
	expect("report backoff a", "backoff a 100");
	h_cmd(EVT_CMD_START, "a");
	expect("cancel backoff a", "start a");
	h_started("a");
	expect("done ok a");
	/* a timer that ran out at the same moment is moot */
	h_backoff("a");
	expect_nothing();
	/* started by hand: the next delay begins again */
	h_exited("a", 0);
	expect("report backoff a", "backoff a 100");
}

Test(backoff, restart_during_backoff_starts_at_once)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	h_exited("a", 0);
	h_cmd(EVT_CMD_RESTART, "a");
	expect("cancel backoff a", "start a");
	h_started("a");
	expect("done ok a");
	cr_assert_eq(h_node("a")->restarts, 0, "a command's restart is not counted");
}

Test(backoff, stop_during_backoff_keeps_it_stopped)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	h_exited("a", 0);
	h_cmd(EVT_CMD_STOP, "a");
	expect("cancel backoff a", "done ok a");
	expect_state("a", "stopped");
	h_backoff("a");
	expect_nothing();
	expect_state("a", "stopped");
}

Test(backoff, a_start_failure_is_retried_after_a_doubled_delay)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	h_at(1500);
	h_exited("a", 0);
	expect("report backoff a", "backoff a 100");
	h_at(1600);
	h_backoff("a");
	expect("report restart a", "start a");
	h_start_failed("a", "no such file");
	expect("retry root");
	h_retry("root");
	expect("report backoff a", "backoff a 200");
	cr_assert_eq(h_window("root", 0), 2);
	h_at(1800);
	h_backoff("a");
	expect("report restart a", "start a");
}

Test(backoff, one_for_all_waits_before_the_whole_restart)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, 10);
	h_exited("a", 0);
	expect("report backoff a", "backoff a 100");
	expect_state("b", "running");
	expect_state("c", "running");
	h_backoff("a");
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("start a");
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
}

Test(backoff, a_siblings_restart_starts_a_waiting_child_with_the_rest)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, 10);
	h_exited("a", 0);
	expect("report backoff a", "backoff a 100");
	h_exited("b", 0);
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("cancel backoff a", "start a");
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
	h_backoff("a");
	expect_nothing();
}

Test(backoff, shutdown_during_backoff_cancels_the_timer)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, 10);
	h_exited("a", 0);
	h_shutdown();
	expect("stop c");
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("cancel backoff a", "report stopped root", "exit 0");
}

Test(backoff, a_dynamic_childs_template_delays_its_restart)
{
	struct spec	*sp;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 10, 60);
	sp = h_dynamic("jobs", "root", RESTART_PERMANENT, 10, 60, 1);
	spec_extra_own(sp)->restart_delay_ms = 250;
	h_build();
	h_boot_all();
	h_spawn("jobs", "w1");
	h_settle();
	h_exited("w1", 0);
	expect("report backoff w1", "backoff w1 250");
	h_cmd(EVT_CMD_STOP, "w1");
	expect("cancel backoff w1", "report remove w1", "remove w1", "done ok w1");
	expect_state("w1", "removed");
}
