/*
 * test-policy-intensity.c — restart intensity as OTP's add_restart: the
 * restart is added to the window first, more than max_restarts entries
 * gives up; the window counts whole seconds and keeps its boundary second;
 * a supervisor that gives up is one abnormal exit of a child of its parent.
 */
#include <criterion/criterion.h>

#include "policy-harness.h"

TestSuite(intensity, .init = h_setup, .fini = h_teardown);

/* root (one_for_one, max_restarts in max_seconds): a, b; all running. */
static void
boot_ab(int max_restarts, int max_seconds)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, max_restarts, max_seconds);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
}

/* a crashes at ms and is restarted. */
static void
crash_a_restarted(int64_t ms)
{
	h_at(ms);
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_started("a");
	expect_nothing();
}

/* a crashes at ms and root gives up: b stopped, exit 3. */
static void
crash_a_gives_up(int64_t ms)
{
	h_at(ms);
	h_exited("a", 0);
	expect("report intensity root", "stop b");
	expect_state("root", "stopping");
	h_stopped("b");
	expect("report stopped root", "exit 3");
	expect_state("root", "failed");
}

Test(intensity, third_exit_in_5s_is_restarted)
{
	boot_ab(3, 5);
	crash_a_restarted(0);
	crash_a_restarted(1000);
	crash_a_restarted(2000);
	cr_assert_eq(h_window("root", 0), 3);
	expect_state("root", "running");
}

Test(intensity, fourth_exit_in_5s_gives_up)
{
	boot_ab(3, 5);
	crash_a_restarted(0);
	crash_a_restarted(1000);
	crash_a_restarted(2000);
	h_at(3000);
	h_exited("a", 0);
	expect("report intensity root", "stop b");
	cr_assert_str_eq(h_detail("report intensity root"),
	    "root: more than 3 restarts in 5 s (last: a)");
	h_stopped("b");
	expect("report stopped root", "exit 3");
	cr_assert_str_eq(h_detail("exit 3"),
	    "giving up: root: more than 3 restarts in 5 s (last: a)");
	expect_state("root", "failed");
	expect_state("a", "exited");
	expect_state("b", "stopped");
}

Test(intensity, max_restarts_2_allows_two_restarts_and_the_third_exit_gives_up)
{
	boot_ab(2, 5);
	crash_a_restarted(0);
	crash_a_restarted(0);
	crash_a_gives_up(0);
}

Test(intensity, max_restarts_0_gives_up_on_the_first_exit)
{
	boot_ab(0, 5);
	crash_a_gives_up(100000);
	cr_assert_str_eq(h_detail("exit 3"),
	    "giving up: root: more than 0 restarts in 5 s (last: a)");
}

Test(intensity, exits_of_different_children_share_the_window)
{
	boot_ab(1, 5);
	crash_a_restarted(0);
	h_at(1000);
	h_exited("b", 0);
	expect("report intensity root", "stop a");
	h_stopped("a");
	expect("report stopped root", "exit 3");
	cr_assert_str_eq(h_detail("exit 3"),
	    "giving up: root: more than 1 restarts in 5 s (last: b)");
}

Test(intensity, the_window_slides_and_old_restarts_expire)
{
	boot_ab(3, 5);
	crash_a_restarted(0);
	crash_a_restarted(1000);
	crash_a_restarted(2000);
	/* at 6 s the restart of second 0 is 6 s old: out of a 5 s window */
	crash_a_restarted(6000);
	cr_assert_eq(h_window("root", 0), 3);
	/* seconds 1, 2, 6 and now 6 again: four in 5 s */
	crash_a_gives_up(6500);
}

Test(intensity, spaced_exits_never_give_up)
{
	int	i;

	boot_ab(1, 5);
	for (i = 0; i < 10; i++)
		crash_a_restarted(i * 6000);
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_node("a")->restarts, 10);
}

Test(intensity, restart_exactly_max_seconds_ago_still_counts)
{
	boot_ab(1, 5);
	crash_a_restarted(0);
	crash_a_gives_up(5000);
}

Test(intensity, restart_one_second_past_max_seconds_no_longer_counts)
{
	boot_ab(1, 5);
	crash_a_restarted(0);
	crash_a_restarted(6000);
	cr_assert_eq(h_window("root", 0), 1);
}

Test(intensity, the_window_counts_whole_seconds)
{
	/* 999 ms and 5999 ms are seconds 0 and 5: the boundary, still in */
	boot_ab(1, 5);
	crash_a_restarted(999);
	crash_a_gives_up(5999);
}

Test(intensity, the_window_counts_whole_seconds_on_the_far_side)
{
	/* 999 ms and 6000 ms are seconds 0 and 6: out, though 5001 ms apart */
	boot_ab(1, 5);
	crash_a_restarted(999);
	crash_a_restarted(6000);
}

Test(intensity, window_use_reads_the_window_as_of_now)
{
	boot_ab(3, 5);
	crash_a_restarted(0);
	crash_a_restarted(2000);
	h_at(5000);
	cr_assert_eq(h_window("root", 0), 2);
	h_at(6000);
	cr_assert_eq(h_window("root", 0), 1);
	h_at(8000);
	cr_assert_eq(h_window("root", 0), 0);
}

Test(intensity, one_failure_is_one_restart_however_many_siblings_one_for_all_touches)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 1, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("b", 0);
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_settle();
	cr_assert_eq(h_window("root", 0), 1);
	h_exited("c", 0);
	expect("report intensity root", "stop b");
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("report stopped root", "exit 3");
}

Test(intensity, one_failure_is_one_restart_under_rest_for_one)
{
	h_sup("root", NULL, STRATEGY_REST_FOR_ONE, 1, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 0);
	h_settle();
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_node("c")->restarts, 1);
}

Test(intensity, giving_up_stops_the_children_newest_first_through_nested_supervisors)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("y", "sub", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("b", 0);
	expect("report intensity root", "stop c");
	h_stopped("c");
	expect("stop y");	/* b died: not stopped again */
	h_stopped("y");
	expect("stop x");
	h_stopped("x");
	expect("report stopped sub", "stop a");
	h_stopped("a");
	expect("report stopped root", "exit 3");
}

Test(intensity, a_restart_whose_start_fails_counts_and_is_retried)
{
	boot_ab(2, 5);
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_start_failed("a", "No such file or directory");
	/* OTP's try_again_restart: through the mailbox, counted at its turn */
	expect("retry root");
	expect_state("a", "failed");
	cr_assert_eq(h_window("root", 0), 1);
	h_retry("root");
	expect("report restart a", "start a");
	cr_assert_eq(h_window("root", 0), 2);
	h_started("a");
	expect_nothing();
	expect_state("a", "running");
	cr_assert_eq(h_node("a")->restarts, 2);
}

Test(intensity, failed_restarts_are_retried_until_intensity_gives_up)
{
	boot_ab(2, 5);
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_start_failed("a", "No such file or directory");
	expect("retry root");
	h_retry("root");
	expect("report restart a", "start a");
	h_start_failed("a", "No such file or directory");
	expect("retry root");
	h_retry("root");
	expect("report intensity root", "stop b");
	h_stopped("b");
	expect("report stopped root", "exit 3");
	expect_state("a", "failed");
}

/* a's restart fails once: its retry waits in root's mailbox. */
static void
a_fails_to_restart(void)
{
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_start_failed("a", "No such file or directory");
	expect("retry root");
}

Test(intensity, a_stop_between_two_tries_ends_the_retries)
{
	boot_ab(3, 5);
	a_fails_to_restart();
	h_cmd(EVT_CMD_STOP, "a");
	expect("done ok a");
	expect_state("a", "stopped");
	h_retry("root");
	expect_nothing();
	expect_state("a", "stopped");
	cr_assert_eq(h_window("root", 0), 1);
}

Test(intensity, a_shutdown_between_two_tries_stops_without_a_retry)
{
	boot_ab(3, 5);
	a_fails_to_restart();
	h_shutdown();
	expect("stop b");
	h_stopped("b");
	expect("report stopped root", "exit 0");
}

Test(intensity, an_exit_between_two_tries_is_handled_before_the_retry)
{
	boot_ab(3, 5);
	a_fails_to_restart();
	h_exited("b", 0);
	expect("report restart b", "start b");
	h_started("b");
	expect_nothing();
	cr_assert_eq(h_window("root", 0), 2);
	h_retry("root");
	expect("report restart a", "start a");
	cr_assert_eq(h_window("root", 0), 3);
}

Test(intensity, a_command_queued_during_a_restart_runs_before_the_retry)
{
	boot_ab(3, 5);
	h_exited("a", 0);
	expect("report restart a", "start a");
	/* queued while root waits for a's start */
	h_cmd(EVT_CMD_RESTART, "b");
	expect_nothing();
	h_start_failed("a", "No such file or directory");
	expect("retry root", "stop b");
	h_stopped("b");
	expect("start b");
	h_started("b");
	expect("done ok b");
	h_retry("root");
	expect("report restart a", "start a");
}

Test(intensity, a_failed_start_in_a_one_for_all_restart_restarts_all_again)
{
	/* OTP's try_again: restart the child that failed, by the strategy */
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("start a");
	h_started("a");
	expect("start b");
	h_start_failed("b", "bad user");
	/* c is not started: the plan ends at the failure */
	expect("retry root");
	expect_state("c", "stopped");
	h_retry("root");
	expect("report restart a", "report restart b", "report restart c", "stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
	cr_assert_eq(h_window("root", 0), 2);
}

Test(intensity, a_failed_start_in_a_rest_for_one_restart_retries_from_that_child)
{
	h_sup("root", NULL, STRATEGY_REST_FOR_ONE, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("start a");
	h_started("a");
	expect("start b");
	h_start_failed("b", "bad user");
	expect("retry root");
	h_retry("root");
	expect("report restart b", "report restart c", "start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
	expect_state("a", "running");
	cr_assert_eq(h_window("root", 0), 2);
}

Test(intensity, temporary_exits_never_count)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 1, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("t1", "root", RESTART_TEMPORARY);
	h_worker("t2", "root", RESTART_TEMPORARY);
	h_worker("t3", "root", RESTART_TEMPORARY);
	h_build();
	h_boot_all();
	h_exited("t1", 0);
	h_exited("t2", 0);
	h_exited("t3", 1);
	cr_assert_eq(h_window("root", 0), 0);
	crash_a_restarted(0);
	cr_assert_eq(h_window("root", 0), 1);
}

Test(intensity, transient_normal_exits_never_count)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("a", "root", RESTART_TRANSIENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 1);
	expect_nothing();
	cr_assert_eq(h_window("root", 0), 0);
	expect_state("root", "running");
}

/* Escalation: root (strategy): a, mid (1 in 5 s): leaf (0 in 5 s): x; b. */

static void
boot_two_levels(enum strategy strategy)
{
	h_sup("root", NULL, strategy, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_sup("mid", "root", STRATEGY_ONE_FOR_ONE, 1, 5);
	h_sup("leaf", "mid", STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("x", "leaf", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot();
	expect("start a");
	h_started("a");
	expect("start x");
	h_started("x");
	expect("report started leaf", "report started mid", "start b");
	h_started("b");
	expect("report started root");
}

/* x crashes twice: leaf gives up twice, the second time mid gives up too. */
static void
escalate_to_root(void)
{
	h_exited("x", 0);
	expect("report intensity leaf", "report stopped leaf", "report restart leaf", "start x");
	cr_assert_eq(h_window("mid", 0), 1);
	h_started("x");
	expect("report started leaf");
	cr_assert_eq(h_window("leaf", 0), 0);	/* restarted: a fresh window */
	h_exited("x", 0);
}

Test(intensity, escalation_two_levels_up_one_for_one)
{
	boot_two_levels(STRATEGY_ONE_FOR_ONE);
	escalate_to_root();
	expect("report intensity leaf", "report stopped leaf",
	    "report intensity mid", "report stopped mid",
	    "report restart mid", "start x");
	cr_assert_str_eq(h_detail("report intensity mid"),
	    "mid: more than 1 restarts in 5 s (last: leaf)");
	h_started("x");
	expect("report started leaf", "report started mid");
	expect_state("a", "running");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_window("mid", 0), 0);
	cr_assert_eq(h_window("leaf", 0), 0);
}

Test(intensity, escalation_two_levels_up_one_for_all)
{
	boot_two_levels(STRATEGY_ONE_FOR_ALL);
	escalate_to_root();
	expect("report intensity leaf", "report stopped leaf",
	    "report intensity mid", "report stopped mid",
	    "report restart a", "report restart mid", "report restart b", "stop b");
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("start x");
	h_started("x");
	expect("report started leaf", "report started mid", "start b");
	h_started("b");
	expect_nothing();
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_window("mid", 0), 0);
}

Test(intensity, escalation_two_levels_up_rest_for_one)
{
	boot_two_levels(STRATEGY_REST_FOR_ONE);
	escalate_to_root();
	expect("report intensity leaf", "report stopped leaf",
	    "report intensity mid", "report stopped mid",
	    "report restart mid", "report restart b", "stop b");
	h_stopped("b");
	expect("start x");
	h_started("x");
	expect("report started leaf", "report started mid", "start b");
	h_started("b");
	expect_nothing();
	expect_state("a", "running");
	cr_assert_eq(h_node("a")->restarts, 0);
}

Test(intensity, escalation_reaches_the_root_and_exits_3)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("y", "sub", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("x", 0);
	expect("report intensity sub", "stop y");
	h_stopped("y");
	expect("report stopped sub", "report intensity root", "stop a");
	cr_assert_str_eq(h_detail("report intensity root"),
	    "root: more than 0 restarts in 5 s (last: sub)");
	h_stopped("a");
	expect("report stopped root", "exit 3");
	expect_state("sub", "failed");
}

Test(intensity, a_sub_supervisor_that_fails_to_restart_counts_and_is_retried)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 2, 5);
	h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("y", "sub", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("x", 0);
	expect("report intensity sub", "stop y");
	h_stopped("y");
	expect("report stopped sub", "report restart sub", "start x");
	h_started("x");
	expect("start y");
	h_start_failed("y", "bad user");
	expect("stop x");
	h_stopped("x");
	expect("report failed sub", "retry root");
	h_retry("root");
	expect("report restart sub", "start x");
	cr_assert_eq(h_window("root", 0), 2);
	h_started("x");
	expect("start y");
	h_start_failed("y", "bad user");
	expect("stop x");
	h_stopped("x");
	expect("report failed sub", "retry root");
	h_retry("root");
	expect("report intensity root", "report stopped root", "exit 3");
}

/*
 * The window holds what max_seconds can: max_restarts = 100000000 is not
 * 800 MB up front, and the ring grows only with the restarts inside it.
 */
Test(intensity, a_huge_max_restarts_allocates_only_what_the_window_holds)
{
	struct node	*root;
	int		 i;

	boot_ab(100000000, 1);
	root = h_node("root");
	cr_assert_leq(root->sup->windows[0].cap, 8);
	for (i = 0; i < 100; i++)
		crash_a_restarted(i < 50 ? 0 : 5000);
	/* 50 in the second at 5 s: the first 50 expired */
	cr_assert_eq(h_window("root", 0), 50);
	cr_assert_leq(root->sup->windows[0].cap, 128);
	expect_state("root", "running");
}

/* Growing keeps counting: the (max_restarts + 1)th in the window gives up. */
Test(intensity, a_window_that_grew_still_gives_up_past_max_restarts)
{
	int	 i;

	boot_ab(40, 5);
	for (i = 0; i < 40; i++)
		crash_a_restarted(i * 10);
	cr_assert_eq(h_window("root", 0), 40);
	crash_a_gives_up(500);
}
