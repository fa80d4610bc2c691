/*
 * test-policy-strategy.c — one_for_one | one_for_all | rest_for_one, as
 * sequences: boot in file order and depth first, stops newest first and
 * each waited for, restarts oldest first, startup failure and its
 * escalation, shutdown, and exits that arrive while a supervisor is busy.
 */
#include <criterion/criterion.h>

#include "policy-harness.h"

TestSuite(strategy, .init = h_setup, .fini = h_teardown);

static void
tree_abc(enum strategy strategy)
{
	h_sup("root", NULL, strategy, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
}

/* root: a, sub (x, y), b; sub is one_for_one. */
static void
tree_nested(enum strategy strategy)
{
	h_sup("root", NULL, strategy, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("y", "sub", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
}

/* Boot */

Test(strategy, boot_starts_children_one_after_another_in_file_order)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot();
	expect("start a");
	expect_state("b", "stopped");
	cr_assert(policy_busy(h_node("root")));
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect("report started root");
	expect_state("root", "running");
	cr_assert(!policy_busy(h_node("root")));
}

Test(strategy, boot_starts_nested_supervisors_depth_first)
{
	tree_nested(STRATEGY_ONE_FOR_ONE);
	h_boot();
	expect("start a");
	h_started("a");
	expect("start x");
	expect_state("sub", "starting");
	h_started("x");
	expect("start y");
	h_started("y");
	expect("report started sub", "start b");
	expect_state("sub", "running");
	h_started("b");
	expect("report started root");
}

Test(strategy, a_started_answer_for_a_child_not_starting_is_ignored)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot();
	h_started("b");		/* b was not asked to start */
	expect_nothing();
	expect_state("b", "stopped");
	h_started("a");
	expect("start b");
}

/* Restarts */

Test(strategy, one_for_one_restarts_only_that_child)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_started("a");
	expect_nothing();
	expect_state("b", "running");
	expect_state("c", "running");
	cr_assert_eq(h_node("a")->restarts, 1);
	cr_assert_eq(h_node("b")->restarts, 0);
	cr_assert_eq(h_node("c")->restarts, 0);
}

Test(strategy, one_for_all_stops_the_others_newest_first_each_waited_for)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_worker("d", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("b", 0);
	expect("report restart a", "report restart b", "report restart c",
	    "report restart d", "stop d");
	expect_state("c", "running");
	h_stopped("d");
	expect("stop c");
	h_stopped("c");
	expect("stop a");	/* b, the child that died, is not stopped again */
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect("start d");
	h_started("d");
	expect_nothing();
	cr_assert(!policy_busy(h_node("root")));
}

Test(strategy, one_for_all_on_the_newest_child_stops_the_rest_first)
{
	tree_abc(STRATEGY_ONE_FOR_ALL);
	h_boot_all();
	h_exited("c", 0);
	expect("report restart a", "report restart b", "report restart c", "stop b");
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
}

Test(strategy, rest_for_one_stops_the_later_ones_newest_first_and_restarts_them)
{
	tree_abc(STRATEGY_REST_FOR_ONE);
	h_boot_all();
	h_exited("a", 0);
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

Test(strategy, rest_for_one_on_the_last_child_restarts_only_it)
{
	tree_abc(STRATEGY_REST_FOR_ONE);
	h_boot_all();
	h_exited("c", 0);
	expect("report restart c", "start c");
	h_started("c");
	expect_nothing();
	cr_assert_eq(h_node("a")->restarts, 0);
	cr_assert_eq(h_node("b")->restarts, 0);
}

Test(strategy, one_for_all_restarts_a_nested_supervisor_with_its_children)
{
	tree_nested(STRATEGY_ONE_FOR_ALL);
	h_boot_all();
	h_exited("b", 0);
	expect("report restart a", "report restart sub", "report restart b", "stop y");
	expect_state("sub", "stopping");
	h_stopped("y");
	expect("stop x");
	h_stopped("x");
	expect("report stopped sub", "stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("start x");
	h_started("x");
	expect("start y");
	h_started("y");
	expect("report started sub", "start b");
	h_started("b");
	expect_nothing();
	expect_state("sub", "running");
}

/* Temporary and exited children in a restart */

Test(strategy, one_for_all_removes_a_temporary_sibling_it_stopped)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("t", "root", RESTART_TEMPORARY);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "report restart c", "stop c");
	h_stopped("c");
	expect("stop t");
	h_stopped("t");
	expect("report remove t", "remove t", "start a");
	expect_state("t", "removed");
	h_started("a");
	expect("start c");
	h_started("c");
	expect_nothing();
}

Test(strategy, rest_for_one_removes_a_temporary_later_sibling_it_stopped)
{
	h_sup("root", NULL, STRATEGY_REST_FOR_ONE, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("t", "root", RESTART_TEMPORARY);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "report restart c", "stop c");
	h_stopped("c");
	expect("stop t");
	h_stopped("t");
	expect("report remove t", "remove t", "start a");
	h_started("a");
	expect("start c");
	h_started("c");
	expect_nothing();
	expect_state("t", "removed");
}

Test(strategy, rest_for_one_leaves_an_earlier_temporary_sibling_alone)
{
	h_sup("root", NULL, STRATEGY_REST_FOR_ONE, 3, 5);
	h_worker("t", "root", RESTART_TEMPORARY);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("b", 0);
	expect("report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
	expect_state("t", "running");
}

Test(strategy, one_for_all_restarts_a_transient_that_had_exited_normally)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("tr", "root", RESTART_TRANSIENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("tr", 1);
	expect_nothing();
	expect_state("tr", "exited");
	h_exited("c", 0);
	expect("report restart a", "report restart tr", "report restart c", "stop a");
	h_stopped("a");
	expect("start a");
	h_started("a");
	expect("start tr");
	h_started("tr");
	expect("start c");
	h_started("c");
	expect_nothing();
	expect_state("tr", "running");
}

Test(strategy, rest_for_one_from_an_earlier_sibling_restarts_an_exited_transient)
{
	h_sup("root", NULL, STRATEGY_REST_FOR_ONE, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("tr", "root", RESTART_TRANSIENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("tr", 1);
	expect_nothing();
	h_exited("a", 0);
	expect("report restart a", "report restart tr", "report restart c", "stop c");
	h_stopped("c");
	expect("start a");	/* tr is not running: nothing to stop */
	h_started("a");
	expect("start tr");
	h_started("tr");
	expect("start c");
	h_started("c");
	expect_nothing();
}

Test(strategy, rest_for_one_from_a_later_sibling_leaves_an_exited_transient)
{
	h_sup("root", NULL, STRATEGY_REST_FOR_ONE, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("tr", "root", RESTART_TRANSIENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("tr", 1);
	h_exited("c", 0);
	expect("report restart c", "start c");
	h_started("c");
	expect_nothing();
	expect_state("tr", "exited");
}

Test(strategy, one_for_all_restarts_a_child_stopped_with_supctl)
{
	/* OTP: terminate_child leaves the spec; a sibling's failure restarts it with the rest */
	tree_abc(STRATEGY_ONE_FOR_ALL);
	h_boot_all();
	h_cmd(EVT_CMD_STOP, "b");
	h_stopped("b");
	expect("done ok b");
	h_exited("a", 0);
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_stopped("c");
	expect("start a");
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();
}

/* Startup failure */

Test(strategy, boot_failure_stops_the_started_ones_in_reverse_and_exits_1)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_worker("d", "root", RESTART_PERMANENT);
	h_build();
	h_boot();
	h_started("a");
	h_started("b");
	expect("start c");
	h_start_failed("c", "No such file or directory");
	expect("stop b");
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("report failed root", "exit 1");
	cr_assert_str_eq(h_detail("exit 1"),
	    "cannot start: c failed to start: No such file or directory");
	cr_assert_str_eq(h_detail("report failed root"),
	    "c failed to start: No such file or directory");
	expect_state("root", "failed");
	expect_state("c", "failed");
	expect_state("d", "stopped");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(strategy, boot_failure_of_the_first_child_exits_at_once)
{
	tree_abc(STRATEGY_ONE_FOR_ALL);
	h_boot();
	h_start_failed("a", "readiness timeout");
	expect("report failed root", "exit 1");
	cr_assert_str_eq(h_detail("exit 1"), "cannot start: a failed to start: readiness timeout");
}

Test(strategy, sub_supervisor_start_failure_escalates_to_the_root)
{
	tree_nested(STRATEGY_ONE_FOR_ONE);
	h_boot();
	h_started("a");
	h_started("x");
	expect("start y");
	h_start_failed("y", "bad user");
	expect("stop x");
	h_stopped("x");
	expect("report failed sub", "stop a");
	expect_state("sub", "failed");
	h_stopped("a");
	expect("report failed root", "exit 1");
	cr_assert_str_eq(h_detail("exit 1"),
	    "cannot start: sub failed to start: y failed to start: bad user");
	expect_state("b", "stopped");
}

/* Shutdown */

Test(strategy, shutdown_stops_everything_newest_first_through_nested_supervisors)
{
	tree_nested(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_shutdown();
	expect("stop b");
	expect_state("root", "stopping");
	h_stopped("b");
	expect("stop y");
	h_stopped("y");
	expect("stop x");
	h_stopped("x");
	expect("report stopped sub", "stop a");
	h_stopped("a");
	expect("report stopped root", "exit 0");
	expect_state("root", "stopped");
	expect_state("sub", "stopped");
	expect_state("a", "stopped");
}

Test(strategy, shutdown_during_boot_stops_the_child_still_starting)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot();
	h_started("a");
	expect("start b");
	h_shutdown();
	expect("stop b");
	h_started("b");		/* too late: it is being stopped */
	expect_nothing();
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("report stopped root", "exit 0");
	expect_state("c", "stopped");
}

Test(strategy, shutdown_during_a_nested_boot_stops_the_nested_child_starting)
{
	tree_nested(STRATEGY_ONE_FOR_ONE);
	h_boot();
	h_started("a");
	h_started("x");
	expect("start y");
	h_shutdown();
	expect("stop y");
	h_stopped("y");
	expect("stop x");
	h_stopped("x");
	expect("report stopped sub", "stop a");
	h_stopped("a");
	expect("report stopped root", "exit 0");
}

Test(strategy, shutdown_during_a_restart_stops_the_restarting_child)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_exited("b", 0);
	expect("report restart b", "start b");
	h_shutdown();
	expect("stop c");
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("report stopped root", "exit 0");
}

Test(strategy, exit_during_shutdown_is_not_restarted)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_shutdown();
	expect("stop c");
	h_exited("a", 0);
	expect_nothing();
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("report stopped root", "exit 0");
	expect_state("a", "exited");
}

/* Busy supervisors */

Test(strategy, exit_while_busy_is_handled_after_the_restart)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_exited("c", 0);
	expect_nothing();
	expect_state("c", "exited");
	h_started("a");
	expect("report restart c", "start c");
	h_started("c");
	expect_nothing();
	cr_assert_eq(h_window("root", 0), 2);
}

Test(strategy, stale_queued_exit_of_a_restarted_child_is_dropped)
{
	tree_abc(STRATEGY_ONE_FOR_ALL);
	h_boot_all();
	h_exited("b", 0);
	expect("report restart a", "report restart b", "report restart c", "stop c");
	h_exited("a", 0);	/* dies while the restart stops c */
	expect_nothing();
	h_stopped("c");
	expect("start a");	/* a is already down: not stopped */
	h_started("a");
	expect("start b");
	h_started("b");
	expect("start c");
	h_started("c");
	expect_nothing();	/* a's exit was before its restart: dropped */
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_node("a")->restarts, 1);
}

Test(strategy, commands_while_busy_wait_for_the_restart)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_cmd(EVT_CMD_STOP, "c");
	expect_nothing();
	h_started("a");
	expect("stop c");
	h_stopped("c");
	expect("done ok c");
}

/* Escalation of a sub-supervisor */

Test(strategy, sub_supervisor_giving_up_is_restarted_one_for_one)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("y", "sub", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("x", 0);
	expect("report intensity sub", "stop y");
	h_stopped("y");
	expect("report stopped sub", "report restart sub", "start x");
	h_started("x");
	expect("start y");
	h_started("y");
	expect("report started sub");
	expect_state("a", "running");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_window("sub", 0), 0);
}

Test(strategy, sub_supervisor_giving_up_while_the_parent_is_busy_is_restarted_after)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 0, 5);
	h_worker("x", "sub", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "start a");
	h_exited("x", 0);
	expect("report intensity sub", "report stopped sub");
	expect_state("sub", "failed");
	h_started("a");
	expect("report restart sub", "start x");
	h_started("x");
	expect("report started sub");
	expect_state("sub", "running");
	cr_assert_eq(h_window("root", 0), 2);
}

Test(strategy, command_queued_during_shutdown_is_answered_before_the_exit)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_shutdown();
	expect("stop c");
	h_cmd(EVT_CMD_RESTART, "a");
	expect_nothing();
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("report stopped root", "done fail a: its supervisor stopped", "exit 0");
}

Test(strategy, cmd_stop_of_a_sub_supervisor_stops_its_children_then_start_boots_it)
{
	tree_nested(STRATEGY_ONE_FOR_ALL);
	h_boot_all();
	h_cmd(EVT_CMD_STOP, "sub");
	expect("stop y");
	h_stopped("y");
	expect("stop x");
	h_stopped("x");
	expect("report stopped sub", "done ok sub");
	expect_state("sub", "stopped");
	expect_state("a", "running");
	cr_assert_eq(h_window("root", 0), 0);
	h_cmd(EVT_CMD_START, "x");
	expect("done fail x: its supervisor is not running");
	h_cmd(EVT_CMD_START, "sub");
	expect("start x");
	h_started("x");
	expect("start y");
	h_started("y");
	expect("report started sub", "done ok sub");
}

Test(strategy, exit_during_boot_is_handled_once_the_boot_is_done)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot();
	h_started("a");
	expect("start b");
	h_exited("a", 0);
	expect_nothing();
	h_started("b");
	expect("start c");
	h_started("c");
	expect("report started root", "report restart a", "start a");
	h_started("a");
	expect_nothing();
}

Test(strategy, boot_failure_after_an_earlier_child_exited_stops_only_the_running)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot();
	h_started("a");
	h_started("b");
	expect("start c");
	h_exited("a", 0);
	expect_nothing();
	h_start_failed("c", "bad user");
	expect("stop b");
	h_stopped("b");
	expect("report failed root", "exit 1");
}

Test(strategy, a_second_shutdown_does_not_stop_anything_twice)
{
	tree_abc(STRATEGY_ONE_FOR_ONE);
	h_boot_all();
	h_shutdown();
	expect("stop c");
	h_shutdown();
	expect_nothing();
	h_stopped("c");
	expect("stop b");
	h_stopped("b");
	expect("stop a");
	h_stopped("a");
	expect("report stopped root", "exit 0");
}

Test(strategy, sibling_failure_during_a_sub_supervisor_restart_stops_the_restarting_child)
{
	tree_nested(STRATEGY_ONE_FOR_ALL);
	h_boot_all();
	h_exited("x", 0);
	expect("report restart x", "start x");
	h_exited("a", 0);	/* root is idle: it restarts everything at once */
	expect("report restart a", "report restart sub", "report restart b", "stop b");
	h_stopped("b");
	expect("stop y");
	h_stopped("y");
	expect("stop x");	/* still starting: stopped all the same */
	h_started("x");		/* a late answer to the aborted start */
	expect_nothing();
	h_stopped("x");
	expect("report stopped sub", "start a");
	h_settle();
	expect_state("x", "running");
	expect_state("sub", "running");
	cr_assert_eq(h_window("sub", 0), 0);
}
