/*
 * test-policy-restart.c — restart types against exit kinds under each
 * strategy: permanent | transient | temporary x normal | abnormal | killed,
 * and the stops, starts and restarts that supctl asks for (never failures).
 * The policy sees an exit as normal or not; a death by signal is an
 * abnormal exit (normal = 0), as the runtime classifies it.
 */
#include <criterion/criterion.h>

#include "policy-harness.h"

TestSuite(restart, .init = h_setup, .fini = h_teardown);

/* root (strategy): a permanent, b of the type under test, c permanent; all running. */
static void
boot_abc(enum strategy strategy, enum restart_type b)
{
	h_sup("root", NULL, strategy, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", b);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
}

/* b's restart under one_for_one: only b. */
static void
expect_b_restarted_alone(void)
{
	expect("report restart b", "start b");
	expect_state("b", "starting");
	expect_state("a", "running");
	expect_state("c", "running");
	h_started("b");
	expect_nothing();
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_node("b")->restarts, 1);
}

/* b's restart under one_for_all: stop c then a, start a, b, c. */
static void
expect_all_restarted(void)
{
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
	cr_assert_eq(h_window("root", 0), 1);
}

/* b's restart under rest_for_one: stop c, start b, c; a untouched. */
static void
expect_rest_restarted(void)
{
	expect("report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
	expect_state("a", "running");
	cr_assert_eq(h_node("a")->restarts, 0);
	cr_assert_eq(h_window("root", 0), 1);
}

/* Permanent: restarted whatever the exit. */

Test(restart, permanent_exit_0_is_restarted_one_for_one)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_exited("b", 1);
	expect_b_restarted_alone();
}

Test(restart, permanent_abnormal_exit_is_restarted_one_for_one)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_exited("b", 0);
	expect_b_restarted_alone();
}

Test(restart, permanent_exit_0_restarts_all_one_for_all)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, RESTART_PERMANENT);
	h_exited("b", 1);
	expect_all_restarted();
}

Test(restart, permanent_killed_restarts_all_one_for_all)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, RESTART_PERMANENT);
	h_exited("b", 0);
	expect_all_restarted();
}

Test(restart, permanent_exit_0_restarts_the_rest_rest_for_one)
{
	boot_abc(STRATEGY_REST_FOR_ONE, RESTART_PERMANENT);
	h_exited("b", 1);
	expect_rest_restarted();
}

Test(restart, permanent_abnormal_exit_restarts_the_rest_rest_for_one)
{
	boot_abc(STRATEGY_REST_FOR_ONE, RESTART_PERMANENT);
	h_exited("b", 0);
	expect_rest_restarted();
}

/* Transient: restarted only after an abnormal exit. */

Test(restart, transient_exit_0_stays_exited_one_for_one)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_TRANSIENT);
	h_exited("b", 1);
	expect_nothing();
	expect_state("b", "exited");
	cr_assert_eq(h_window("root", 0), 0);
	cr_assert_eq(h_node("b")->restarts, 0);
}

Test(restart, transient_exit_0_stays_exited_one_for_all)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, RESTART_TRANSIENT);
	h_exited("b", 1);
	expect_nothing();
	expect_state("a", "running");
	expect_state("b", "exited");
	expect_state("c", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(restart, transient_exit_0_stays_exited_rest_for_one)
{
	boot_abc(STRATEGY_REST_FOR_ONE, RESTART_TRANSIENT);
	h_exited("b", 1);
	expect_nothing();
	expect_state("b", "exited");
	expect_state("c", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(restart, transient_abnormal_exit_is_restarted_one_for_one)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_TRANSIENT);
	h_exited("b", 0);
	expect_b_restarted_alone();
}

Test(restart, transient_killed_is_restarted_one_for_one)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_TRANSIENT);
	h_exited("b", 0);	/* a death by signal is never normal */
	expect_b_restarted_alone();
}

Test(restart, transient_abnormal_exit_restarts_all_one_for_all)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, RESTART_TRANSIENT);
	h_exited("b", 0);
	expect_all_restarted();
}

Test(restart, transient_abnormal_exit_restarts_the_rest_rest_for_one)
{
	boot_abc(STRATEGY_REST_FOR_ONE, RESTART_TRANSIENT);
	h_exited("b", 0);
	expect_rest_restarted();
}

/* Temporary: never restarted, removed from the tree, never counted. */

static void
expect_b_removed(void)
{
	expect("report remove b", "remove b");
	expect_state("b", "removed");
	expect_state("a", "running");
	expect_state("c", "running");
	cr_assert_eq(h_window("root", 0), 0);
	cr_assert_eq(h_node("root")->sup->nchildren, 2);
}

Test(restart, temporary_exit_0_is_removed_one_for_one)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_TEMPORARY);
	h_exited("b", 1);
	expect_b_removed();
}

Test(restart, temporary_abnormal_exit_is_removed_one_for_one)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_TEMPORARY);
	h_exited("b", 0);
	expect_b_removed();
}

Test(restart, temporary_abnormal_exit_is_removed_one_for_all)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, RESTART_TEMPORARY);
	h_exited("b", 0);
	expect_b_removed();
}

Test(restart, temporary_exit_0_is_removed_one_for_all)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, RESTART_TEMPORARY);
	h_exited("b", 1);
	expect_b_removed();
}

Test(restart, temporary_killed_is_removed_rest_for_one)
{
	boot_abc(STRATEGY_REST_FOR_ONE, RESTART_TEMPORARY);
	h_exited("b", 0);
	expect_b_removed();
}

Test(restart, temporary_exit_0_is_removed_rest_for_one)
{
	boot_abc(STRATEGY_REST_FOR_ONE, RESTART_TEMPORARY);
	h_exited("b", 1);
	expect_b_removed();
}

Test(restart, temporary_exit_never_counts_even_with_max_restarts_0)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("t1", "root", RESTART_TEMPORARY);
	h_worker("t2", "root", RESTART_TEMPORARY);
	h_build();
	h_boot_all();
	h_exited("t1", 0);
	expect("report remove t1", "remove t1");
	h_exited("t2", 0);
	expect("report remove t2", "remove t2");
	expect_state("root", "running");
	expect_state("a", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(restart, temporary_dynamic_child_is_removed_on_exit)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_dynamic("jobs", "root", RESTART_TEMPORARY, 3, 5, 1);
	h_build();
	h_boot_all();
	h_spawn("jobs", "w1");
	expect("start w1");
	h_started("w1");
	expect("done ok w1");
	h_exited("w1", 0);
	expect("report remove w1", "remove w1");
	expect_state("w1", "removed");
	cr_assert_eq(h_window("jobs", 0), 0);
	cr_assert_eq(h_node("jobs")->sup->nchildren, 0);
}

Test(restart, permanent_dynamic_child_exit_0_is_restarted)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_dynamic("jobs", "root", RESTART_PERMANENT, 3, 5, 1);
	h_build();
	h_boot_all();
	h_spawn("jobs", "w1");
	h_started("w1");
	h_exited("w1", 1);
	expect("report restart w1", "start w1");
	h_started("w1");
	expect_nothing();
	cr_assert_eq(h_window("jobs", 0), 1);
	cr_assert_eq(h_window("root", 0), 0);
}

/* Stops, starts and restarts asked for with supctl. */

Test(restart, cmd_stop_is_not_a_failure)
{
	boot_abc(STRATEGY_ONE_FOR_ALL, RESTART_PERMANENT);
	h_cmd(EVT_CMD_STOP, "b");
	expect("stop b");
	expect_state("b", "stopping");
	h_stopped("b");
	expect("done ok b");
	expect_state("b", "stopped");
	expect_state("a", "running");
	expect_state("c", "running");
	cr_assert_eq(h_window("root", 0), 0);
	cr_assert_eq(h_node("b")->restarts, 0);
}

Test(restart, cmd_stop_of_a_child_that_dies_meanwhile_is_still_a_stop)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_cmd(EVT_CMD_STOP, "b");
	expect("stop b");
	h_exited("b", 0);	/* killed by the stop signal before the stop reports */
	expect("done ok b");
	expect_state("b", "stopped");
	cr_assert_eq(h_window("root", 0), 0);
	h_stopped("b");		/* the runtime's late answer changes nothing */
	expect_nothing();
	expect_state("b", "stopped");
}

Test(restart, cmd_stop_of_an_exited_transient_child_marks_it_stopped)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_TRANSIENT);
	h_exited("b", 1);
	expect_nothing();
	expect_state("b", "exited");
	h_cmd(EVT_CMD_STOP, "b");
	expect("done ok b");
	expect_state("b", "stopped");
}

Test(restart, stopped_child_is_not_restarted_by_one_for_one_sibling)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_cmd(EVT_CMD_STOP, "b");
	h_stopped("b");
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_started("a");
	expect_nothing();
	expect_state("b", "stopped");
}

Test(restart, cmd_start_starts_a_stopped_child)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_cmd(EVT_CMD_STOP, "b");
	h_stopped("b");
	h_cmd(EVT_CMD_START, "b");
	expect("start b");
	h_started("b");
	expect("done ok b");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 0);
	cr_assert_eq(h_node("b")->restarts, 0);
}

Test(restart, cmd_start_starts_an_exited_transient_child)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_TRANSIENT);
	h_exited("b", 1);
	expect_nothing();
	h_cmd(EVT_CMD_START, "b");
	expect("start b");
	h_started("b");
	expect("done ok b");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(restart, cmd_start_of_a_running_child_says_already_started)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_cmd(EVT_CMD_START, "b");
	expect("done fail b: already started");
	expect_state("b", "running");
}

Test(restart, cmd_start_that_fails_is_reported_and_not_retried)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_cmd(EVT_CMD_STOP, "b");
	h_stopped("b");
	h_cmd(EVT_CMD_START, "b");
	expect("start b");
	h_start_failed("b", "No such file or directory");
	expect("done fail b: No such file or directory");
	expect_state("b", "failed");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(restart, cmd_restart_stops_then_starts_and_is_not_counted)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 0, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_cmd(EVT_CMD_RESTART, "a");
	expect("stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("done ok a");
	h_cmd(EVT_CMD_RESTART, "a");
	expect("stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("done ok a");
	/* max_restarts = 0: one counted restart would have given up */
	expect_state("root", "running");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(restart, cmd_on_the_root_is_refused)
{
	boot_abc(STRATEGY_ONE_FOR_ONE, RESTART_PERMANENT);
	h_cmd(EVT_CMD_STOP, "root");
	expect("done fail root: the root is started and stopped with supd itself");
	expect_state("root", "running");
}
