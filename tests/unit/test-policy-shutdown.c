/*
 * test-policy-shutdown.c — how supervisors end, as OTP's supervisor.erl:
 * a supervisor's own restart type when it gives up, its own shutdown (a
 * deadline past which its subtree is killed), significant children and
 * auto_shutdown, and `supctl stop` of a temporary child.
 */
#include <criterion/criterion.h>

#include "policy-harness.h"

TestSuite(shutdown, .init = h_setup, .fini = h_teardown);

/* root (one_for_one, 3 in 5 s): sub (restart r, gives up at once) with x; b. */
static void
boot_sub(enum restart_type r)
{
	struct spec	*sub;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	sub = h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 0, 5);
	sub->restart = r;
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
}

/* Supervisors' restart types */

Test(shutdown, a_permanent_supervisor_that_gives_up_is_restarted_and_counted)
{
	boot_sub(RESTART_PERMANENT);
	h_exited("x", 0);
	expect("report intensity sub", "report stopped sub", "report restart sub",
	    "start x");
	h_started("x");
	expect("report started sub");
	expect_state("sub", "running");
	cr_assert_eq(h_window("root", 0), 1);
}

Test(shutdown, a_transient_supervisor_that_gives_up_is_not_restarted)
{
	boot_sub(RESTART_TRANSIENT);
	h_exited("x", 0);
	expect("report intensity sub", "report stopped sub");
	expect_state("sub", "failed");
	expect_state("x", "exited");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(shutdown, a_temporary_supervisor_that_gives_up_is_removed_with_its_children)
{
	boot_sub(RESTART_TEMPORARY);
	h_exited("x", 0);
	expect("report intensity sub", "report stopped sub", "report remove x",
	    "remove x", "report remove sub", "remove sub");
	expect_state("sub", "removed");
	expect_state("x", "removed");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(shutdown, a_temporary_supervisor_stopped_by_a_one_for_all_restart_is_removed)
{
	struct spec	*sub;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	sub = h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	sub->restart = RESTART_TEMPORARY;
	h_worker("x", "sub", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("a", 0);
	expect("report restart a", "stop x");
	h_stopped("x");
	expect("report stopped sub", "report remove x", "remove x",
	    "report remove sub", "remove sub", "start a");
	h_started("a");
	expect_nothing();
	expect_state("sub", "removed");
}

/* supctl stop of a temporary child: OTP's terminate_child deletes it */

Test(shutdown, stop_of_a_temporary_worker_removes_it)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("t", "root", RESTART_TEMPORARY);
	h_worker("p", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	cr_assert(policy_stop_removes(h_node("t")));
	cr_assert(!policy_stop_removes(h_node("p")));
	h_cmd(EVT_CMD_STOP, "t");
	expect("stop t");
	h_stopped("t");
	expect("report remove t", "remove t", "done ok t");
	expect_state("t", "removed");
	h_cmd(EVT_CMD_STOP, "p");
	expect("stop p");
	h_stopped("p");
	expect("done ok p");
	expect_state("p", "stopped");
}

/* A supervisor's shutdown */

/* root: sub (shutdown ms) holding x, y; both workers ignore nothing here. */
static void
boot_sub_shutdown(int64_t ms)
{
	struct spec	*sub;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	sub = h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	sub->shutdown_ms = ms;
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("y", "sub", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
}

Test(shutdown, a_supervisor_past_its_shutdown_has_its_subtree_killed)
{
	boot_sub_shutdown(300);
	h_shutdown();
	expect("stop b");
	h_stopped("b");
	expect("stop y", "deadline sub 300");
	h_deadline("sub");
	/* y is being stopped, x not yet: both die now */
	expect("report kill sub", "kill x", "kill y");
	h_stopped("y");
	expect_nothing();
	h_stopped("x");
	expect("report stopped sub", "report stopped root", "exit 0");
}

Test(shutdown, a_deadline_after_the_stop_is_ignored)
{
	boot_sub_shutdown(300);
	h_cmd(EVT_CMD_STOP, "sub");
	expect("stop y", "deadline sub 300");
	h_stopped("y");
	expect("stop x");
	h_stopped("x");
	expect("report stopped sub", "done ok sub");
	h_deadline("sub");
	expect_nothing();
	/* nor after it was started again */
	h_cmd(EVT_CMD_START, "sub");
	h_settle();
	expect_state("sub", "running");
	h_deadline("sub");
	expect_nothing();
}

Test(shutdown, infinity_sets_no_deadline)
{
	boot_sub_shutdown(SHUTDOWN_INFINITY);
	h_cmd(EVT_CMD_STOP, "sub");
	expect("stop y");
}

Test(shutdown, brutal_kill_kills_the_subtree_at_once)
{
	boot_sub_shutdown(SHUTDOWN_BRUTAL_KILL);
	h_cmd(EVT_CMD_STOP, "sub");
	expect("stop y", "kill x", "kill y");
	h_stopped("x");
	expect_nothing();
	h_stopped("y");
	expect("report stopped sub", "done ok sub");
}

Test(shutdown, a_kill_stops_the_supervisors_below_so_none_starts_more)
{
	struct spec	*top;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	top = h_sup("top", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	top->shutdown_ms = 100;
	h_sup("low", "top", STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("x", "low", RESTART_PERMANENT);
	h_worker("y", "low", RESTART_PERMANENT);
	h_worker("z", "top", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	/* low is restarting x when top is asked to stop */
	h_exited("x", 0);
	expect("report restart x", "start x");
	h_cmd(EVT_CMD_STOP, "top");
	expect("stop z", "deadline top 100");
	h_deadline("top");
	expect("report kill top", "kill x", "kill y", "kill z");
	h_stopped("x");
	/* low was restarting x: it stops now, it does not go on */
	expect_nothing();
	h_stopped("y");
	expect("report stopped low");
	h_stopped("z");
	expect("report stopped top", "done ok top");
	expect_state("low", "stopped");
}

/* significant children and auto_shutdown */

/* root: sup (auto_shutdown as) with a (transient, significant), s2 (temporary, significant), w. */
static void
boot_auto(enum auto_shutdown as, enum restart_type sup_restart)
{
	struct spec	*sup;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	sup = h_sup("sup", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	spec_extra_own(sup)->auto_shutdown = as;
	sup->restart = sup_restart;
	h_worker("a", "sup", RESTART_TRANSIENT)->significant = 1;
	h_worker("s2", "sup", RESTART_TEMPORARY)->significant = 1;
	h_worker("w", "sup", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
}

Test(shutdown, any_significant_a_normal_exit_stops_the_supervisor_normally)
{
	boot_auto(AUTO_SHUTDOWN_ANY_SIGNIFICANT, RESTART_TRANSIENT);
	h_exited("a", 1);
	expect("report auto_shutdown sup", "stop w");
	cr_assert_str_eq(h_detail("report auto_shutdown sup"),
	    "sup: significant child a exited (any_significant)");
	h_stopped("w");
	expect("stop s2");
	h_stopped("s2");
	/* a normal exit for root: a transient sup is not restarted */
	expect("report remove s2", "remove s2", "report stopped sup");
	expect_state("sup", "exited");
	expect_state("b", "running");
	cr_assert_eq(h_window("root", 0), 0);
}

Test(shutdown, a_permanent_supervisor_that_auto_shuts_down_is_restarted)
{
	boot_auto(AUTO_SHUTDOWN_ANY_SIGNIFICANT, RESTART_PERMANENT);
	h_exited("a", 1);
	h_settle();
	expect_state("sup", "running");
	expect_state("a", "running");
	cr_assert_eq(h_window("root", 0), 1);
}

Test(shutdown, an_abnormal_exit_of_a_transient_significant_child_restarts_it)
{
	boot_auto(AUTO_SHUTDOWN_ANY_SIGNIFICANT, RESTART_TRANSIENT);
	h_exited("a", 0);
	expect("report restart a", "start a");
}

Test(shutdown, any_exit_of_a_temporary_significant_child_stops_the_supervisor)
{
	boot_auto(AUTO_SHUTDOWN_ANY_SIGNIFICANT, RESTART_TRANSIENT);
	h_exited("s2", 0);
	expect("report remove s2", "remove s2", "report auto_shutdown sup",
	    "stop w");
}

Test(shutdown, all_significant_waits_for_the_last_significant_child)
{
	boot_auto(AUTO_SHUTDOWN_ALL_SIGNIFICANT, RESTART_TRANSIENT);
	h_exited("a", 1);
	expect_nothing();
	expect_state("a", "exited");
	h_exited("s2", 1);
	expect("report remove s2", "remove s2", "report auto_shutdown sup",
	    "stop w");
	h_stopped("w");
	expect("report stopped sup");
	expect_state("sup", "exited");
}

Test(shutdown, never_ignores_significant_exits)
{
	boot_auto(AUTO_SHUTDOWN_NEVER, RESTART_TRANSIENT);
	h_exited("a", 1);
	expect_nothing();
	expect_state("sup", "running");
}

Test(shutdown, a_significant_child_stopped_by_supctl_does_not_stop_its_supervisor)
{
	/* OTP: terminate_child is not an exit; only do_restart checks auto_shutdown */
	boot_auto(AUTO_SHUTDOWN_ANY_SIGNIFICANT, RESTART_TRANSIENT);
	h_cmd(EVT_CMD_STOP, "a");
	expect("stop a");
	h_stopped("a");
	expect("done ok a");
	expect_state("sup", "running");
}

Test(shutdown, a_significant_supervisor_that_gives_up_stops_its_parent)
{
	struct spec	*mid, *sub;

	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	mid = h_sup("mid", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	spec_extra_own(mid)->auto_shutdown = AUTO_SHUTDOWN_ANY_SIGNIFICANT;
	mid->restart = RESTART_TRANSIENT;
	sub = h_sup("sub", "mid", STRATEGY_ONE_FOR_ONE, 0, 5);
	sub->restart = RESTART_TRANSIENT;
	sub->significant = 1;
	h_worker("x", "sub", RESTART_PERMANENT);
	h_worker("w", "mid", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	/* giving up is OTP's shutdown: a normal exit of a significant child */
	h_exited("x", 0);
	expect("report intensity sub", "report stopped sub",
	    "report auto_shutdown mid", "stop w");
	h_stopped("w");
	expect("report stopped mid");
	expect_state("mid", "exited");
}

Test(shutdown, the_root_auto_shutting_down_ends_supd_with_status_0)
{
	struct spec	*root;

	root = h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	spec_extra_own(root)->auto_shutdown = AUTO_SHUTDOWN_ANY_SIGNIFICANT;
	h_worker("job", "root", RESTART_TRANSIENT)->significant = 1;
	h_worker("w", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_exited("job", 1);
	expect("report auto_shutdown root", "stop w");
	h_stopped("w");
	expect("report stopped root", "exit 0");
	cr_assert_str_eq(h_detail("exit 0"),
	    "auto_shutdown: root: significant child job exited (any_significant)");
}
