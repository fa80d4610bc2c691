/*
 * test-policy-dynamic.c — dynamic supervisors: spawns answered when the
 * child is started, one_for_one restarts of the same node, removal of
 * children that leave, stops of all children at once, partitions with
 * their own windows under the pool's, and tasks that never restart.
 */
#include <stdio.h>

#include <criterion/criterion.h>

#include "policy-harness.h"

TestSuite(dynamic, .init = h_setup, .fini = h_teardown);

/* root (one_for_one, 3 in 5 s): jobs (dynamic, template restart, max in 5 s). */
static void
boot_jobs(enum restart_type restart, int max_restarts, int partitions)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_dynamic("jobs", "root", restart, max_restarts, 5, partitions);
	h_build();
	h_boot();
	expect("report started jobs", "report started root");
}

Test(dynamic, spawn_starts_the_child_and_answers_once_it_is_started)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	expect("start w1");
	expect_state("w1", "starting");
	h_started("w1");
	expect("done ok w1");
	expect_state("w1", "running");
	cr_assert(h_node("w1")->dynamic);
	cr_assert_eq(h_node("jobs")->sup->nchildren, 1);
}

Test(dynamic, spawn_start_failure_answers_with_the_reason_and_removes_the_child)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	expect("start w1");
	h_start_failed("w1", "exec /usr/local/bin/job: No such file or directory");
	expect("done fail w1: exec /usr/local/bin/job: No such file or directory",
	    "report remove w1", "remove w1");
	expect_state("w1", "removed");
	cr_assert_eq(h_window("jobs", 0), 0);
	cr_assert_eq(h_node("jobs")->sup->nchildren, 0);
}

Test(dynamic, spawn_of_a_running_name_says_already_started)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_cmd(EVT_SPAWN, "w1");
	expect("done fail w1: already started");
	expect_state("w1", "running");
}

Test(dynamic, spawns_queue_while_the_supervisor_is_busy)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	expect("start w1");
	h_spawn("jobs", "w2");
	expect_nothing();
	h_spawn("jobs", "w3");
	expect_nothing();
	expect_state("w2", "stopped");
	h_started("w1");
	expect("done ok w1", "start w2");
	h_started("w2");
	expect("done ok w2", "start w3");
	h_started("w3");
	expect("done ok w3");
}

Test(dynamic, exit_during_a_spawn_is_handled_after_it)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_spawn("jobs", "w2");
	expect("start w2");
	h_exited("w1", 0);
	expect_nothing();
	h_started("w2");
	expect("done ok w2", "report restart w1", "start w1");
	h_started("w1");
	expect_nothing();
}

Test(dynamic, child_is_restarted_one_for_one_as_the_same_node)
{
	struct node	*w1;

	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_spawn("jobs", "w2");
	h_started("w2");
	w1 = h_node("w1");
	h_exited("w1", 0);
	expect("report restart w1", "start w1");
	cr_assert_eq(h_node("w1"), w1);
	expect_state("w2", "running");
	h_started("w1");
	expect_nothing();
	cr_assert_eq(w1->restarts, 1);
	cr_assert_eq(h_node("w2")->restarts, 0);
	cr_assert_eq(h_window("jobs", 0), 1);
	cr_assert_eq(h_window("root", 0), 0);
}

Test(dynamic, transient_child_exiting_normally_is_removed)
{
	boot_jobs(RESTART_TRANSIENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_exited("w1", 1);
	expect("report remove w1", "remove w1");
	expect_state("w1", "removed");
	cr_assert_eq(h_window("jobs", 0), 0);
}

Test(dynamic, transient_child_exiting_abnormally_is_restarted)
{
	boot_jobs(RESTART_TRANSIENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_exited("w1", 0);
	expect("report restart w1", "start w1");
	h_started("w1");
	expect_nothing();
	cr_assert_eq(h_window("jobs", 0), 1);
}

Test(dynamic, cmd_stop_stops_and_removes_the_child)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_cmd(EVT_CMD_STOP, "w1");
	expect("stop w1");
	h_stopped("w1");
	expect("report remove w1", "remove w1", "done ok w1");
	expect_state("w1", "removed");
	cr_assert_eq(h_window("jobs", 0), 0);
}

Test(dynamic, shutdown_stops_all_children_at_once)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_spawn("jobs", "w2");
	h_started("w2");
	h_spawn("jobs", "w3");
	h_started("w3");
	h_shutdown();
	expect("stop w1", "stop w2", "stop w3");
	h_stopped("w2");
	expect_nothing();
	h_stopped("w3");
	expect_nothing();
	h_stopped("w1");
	expect("report stopped jobs", "report stopped root", "exit 0");
	/* permanent dynamic children are durable: still registered, stopped */
	expect_state("w1", "stopped");
	expect_state("w3", "stopped");
}

Test(dynamic, giving_up_stops_all_at_once_and_the_parent_restarts_it_with_its_children)
{
	boot_jobs(RESTART_PERMANENT, 1, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_spawn("jobs", "w2");
	h_started("w2");
	h_spawn("jobs", "w3");
	h_started("w3");
	h_exited("w2", 0);
	expect("report restart w2", "start w2");
	h_started("w2");
	h_exited("w2", 0);
	expect("report intensity jobs", "stop w1", "stop w3");
	expect_state("jobs", "stopping");
	h_stopped("w3");
	expect_nothing();
	h_stopped("w1");
	expect("report stopped jobs", "report restart jobs", "start w1");
	cr_assert_eq(h_window("jobs", 0), 0);
	h_started("w1");
	expect("start w2");
	h_started("w2");
	expect("start w3");
	h_started("w3");
	expect("report started jobs");
	cr_assert_eq(h_window("root", 0), 1);
}

Test(dynamic, a_temporary_template_does_not_make_the_supervisor_temporary)
{
	/* the dynamic section's restart = is its children's, not its own */
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_dynamic("jobs", "root", RESTART_TEMPORARY, 3, 5, 1);
	h_build();
	h_boot_all();
	h_spawn("jobs", "w1");
	h_started("w1");
	h_exited("a", 0);
	expect("report restart a", "report restart jobs", "stop w1");
	h_stopped("w1");
	expect("report remove w1", "remove w1", "report stopped jobs", "start a");
	h_started("a");
	expect("report started jobs");
	expect_state("jobs", "running");
}

Test(dynamic, cmd_restart_of_the_supervisor_removes_its_temporary_children)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_dynamic("jobs", "root", RESTART_TEMPORARY, 0, 5, 1);
	h_build();
	h_boot_all();
	h_spawn("jobs", "w1");
	h_started("w1");
	h_cmd(EVT_CMD_RESTART, "jobs");
	expect("stop w1");
	h_stopped("w1");
	expect("report remove w1", "remove w1", "report stopped jobs",
	    "report started jobs", "done ok jobs");
	expect_state("jobs", "running");
}

Test(dynamic, tasks_are_never_restarted_and_never_counted)
{
	boot_jobs(RESTART_PERMANENT, 0, 1);
	h_run_task("jobs", "t1");
	expect("start t1");
	h_started("t1");
	expect("done ok t1");
	cr_assert(h_node("t1")->task);
	h_exited("t1", 0);
	expect("report remove t1", "remove t1");
	h_run_task("jobs", "t2");
	h_started("t2");
	h_exited("t2", 1);
	expect("report remove t2", "remove t2");
	cr_assert_eq(h_window("jobs", 0), 0);
	expect_state("jobs", "running");
}

Test(dynamic, tasks_are_not_started_again_when_the_supervisor_restarts)
{
	boot_jobs(RESTART_PERMANENT, 0, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_run_task("jobs", "t1");
	h_started("t1");
	h_exited("w1", 0);
	expect("report intensity jobs", "stop t1");
	h_stopped("t1");
	expect("report remove t1", "remove t1", "report stopped jobs",
	    "report restart jobs", "start w1");
	h_started("w1");
	expect("report started jobs");
}

/* Partitions: jobs with two partitions, 1 restart in 5 s each and for the pool. */

static const char *p0a, *p0b, *p1a;

static void
boot_partitions(void)
{
	boot_jobs(RESTART_PERMANENT, 1, 2);
	p0a = h_name_in_partition("w", 0, 0);
	p0b = h_name_in_partition("w", 0, 1);
	p1a = h_name_in_partition("w", 1, 0);
	h_spawn("jobs", p0a);
	h_started(p0a);
	h_spawn("jobs", p0b);
	h_started(p0b);
	h_spawn("jobs", p1a);
	h_started(p1a);
	cr_assert_eq(h_node(p0a)->partition, 0);
	cr_assert_eq(h_node(p1a)->partition, 1);
}

static char *
words(const char *verb, const char *name)
{
	static char	buf[8][80];
	static int	i;
	char		*s = buf[i++ % 8];

	snprintf(s, sizeof buf[0], "%s %s", verb, name);
	return (s);
}

/* p0a crashes past partition 0's intensity: only partition 0 stops. */
static void
crash_loop_partition_0(void)
{
	h_exited(p0a, 0);
	expect(words("report restart", p0a), words("start", p0a));
	h_started(p0a);
	h_exited(p0a, 0);
	expect("report intensity jobs", words("stop", p0b));
}

Test(dynamic, a_crash_loop_in_one_partition_restarts_only_that_partition)
{
	char	why[128];

	boot_partitions();
	crash_loop_partition_0();
	snprintf(why, sizeof why, "jobs partition 0: more than 1 restarts in 5 s (last: %s)",
	    p0a);
	cr_assert_str_eq(h_detail("report intensity jobs"), why);
	expect_state(p1a, "running");
	h_stopped(p0b);
	expect(words("report restart", p0a), words("report restart", p0b), words("start", p0a));
	h_started(p0a);
	expect(words("start", p0b));
	h_started(p0b);
	expect_nothing();
	expect_state(p1a, "running");
	cr_assert_eq(h_node(p1a)->restarts, 0);
	cr_assert_eq(h_window("jobs", 0), 0);	/* the partition starts afresh */
	cr_assert_eq(h_window("jobs", 2), 1);	/* the pool counted one restart */
	cr_assert_eq(h_window("root", 0), 0);
}

Test(dynamic, a_crash_in_the_other_partition_has_its_own_window)
{
	boot_partitions();
	h_exited(p0a, 0);
	expect(words("report restart", p0a), words("start", p0a));
	h_started(p0a);
	h_exited(p1a, 0);
	expect(words("report restart", p1a), words("start", p1a));
	h_started(p1a);
	expect_nothing();
	cr_assert_eq(h_window("jobs", 0), 1);
	cr_assert_eq(h_window("jobs", 1), 1);
	cr_assert_eq(h_window("jobs", 2), 0);
}

Test(dynamic, the_pool_window_gives_up_and_escalates)
{
	boot_partitions();
	crash_loop_partition_0();
	h_stopped(p0b);
	h_settle();
	crash_loop_partition_0();
	h_stopped(p0b);
	expect("report intensity jobs", words("stop", p1a));
	cr_assert_str_eq(h_detail("report intensity jobs"),
	    "jobs: more than 1 restarts of its partitions in 5 s");
	expect_state("jobs", "stopping");
	h_stopped(p1a);
	expect("report stopped jobs", "report restart jobs", words("start", p0a));
	h_started(p0a);
	expect(words("start", p0b));
	h_started(p0b);
	expect(words("start", p1a));
	h_started(p1a);
	expect("report started jobs");
	cr_assert_eq(h_window("root", 0), 1);
	cr_assert_eq(h_window("jobs", 2), 0);
}

/* Spawns and stops that meet a stopping supervisor */

Test(dynamic, shutdown_answers_a_queued_spawn_and_removes_its_child)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_shutdown();
	expect("stop w1");
	h_spawn("jobs", "w2");
	expect_nothing();
	h_stopped("w1");
	expect("report stopped jobs", "done fail w2: its supervisor stopped",
	    "report remove w2", "remove w2", "report stopped root", "exit 0");
	expect_state("w2", "removed");
}

Test(dynamic, shutdown_during_a_spawn_fails_it_and_removes_the_child_once_stopped)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_spawn("jobs", "w1");
	expect("start w1");
	h_shutdown();
	expect("done fail w1: its supervisor is stopping", "stop w1");
	h_stopped("w1");
	expect("report remove w1", "remove w1", "report stopped jobs",
	    "report stopped root", "exit 0");
}

Test(dynamic, spawn_on_a_stopped_dynamic_supervisor_is_refused)
{
	boot_jobs(RESTART_PERMANENT, 3, 1);
	h_cmd(EVT_CMD_STOP, "jobs");
	expect("report stopped jobs", "done ok jobs");
	h_spawn("jobs", "w1");
	expect("done fail w1: its supervisor is not running", "report remove w1", "remove w1");
}

Test(dynamic, queued_stop_of_a_child_that_left_meanwhile_still_removes_it_once)
{
	boot_jobs(RESTART_TRANSIENT, 3, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_spawn("jobs", "w2");
	expect("start w2");
	h_cmd(EVT_CMD_STOP, "w1");
	h_exited("w1", 1);
	expect_nothing();
	h_started("w2");
	expect("done ok w2", "report remove w1", "remove w1", "done ok w1");
	expect_state("w1", "removed");
	expect_state("w2", "running");
}

Test(dynamic, a_partition_restart_removes_its_temporary_children)
{
	const char	*t;

	boot_partitions();
	t = h_name_in_partition("t", 0, 0);
	h_run_task("jobs", t);
	h_started(t);
	h_exited(p0a, 0);
	h_started(p0a);
	h_exited(p0a, 0);
	expect("report intensity jobs", words("stop", p0b), words("stop", t));
	h_stopped(p0b);
	expect_nothing();	/* stopped together, waited for together */
	h_stopped(t);
	expect(words("report remove", t), words("remove", t),
	    words("report restart", p0a), words("report restart", p0b), words("start", p0a));
}

Test(dynamic, a_durable_child_failing_to_start_again_stops_the_others_at_once)
{
	boot_jobs(RESTART_PERMANENT, 0, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_spawn("jobs", "w2");
	h_started("w2");
	h_spawn("jobs", "w3");
	h_started("w3");
	h_exited("w1", 0);
	expect("report intensity jobs", "stop w2", "stop w3");
	h_stopped("w2");
	h_stopped("w3");
	expect("report stopped jobs", "report restart jobs", "start w1");
	h_started("w1");
	expect("start w2");
	h_started("w2");
	expect("start w3");
	h_start_failed("w3", "No such file or directory");
	expect("stop w1", "stop w2");
	h_stopped("w2");
	expect_nothing();
	h_stopped("w1");
	expect("report failed jobs", "retry root");
	cr_assert_str_eq(h_detail("report failed jobs"),
	    "w3 failed to start: No such file or directory");
	h_retry("root");
	expect("report restart jobs", "start w1");
	cr_assert_eq(h_window("root", 0), 2);
}

Test(dynamic, a_failed_start_in_a_partition_restart_still_starts_the_rest_of_it)
{
	boot_partitions();
	crash_loop_partition_0();
	h_stopped(p0b);
	expect(words("report restart", p0a), words("report restart", p0b), words("start", p0a));
	h_start_failed(p0a, "bad user");
	/* the rest of the partition starts; the failed one waits its turn */
	expect("retry jobs", words("start", p0b));
	h_started(p0b);
	expect_nothing();
	expect_state(p0b, "running");
	expect_state(p0a, "failed");
	h_retry("jobs");
	expect(words("report restart", p0a), words("start", p0a));
	cr_assert_eq(h_window("jobs", 0), 1);
	h_started(p0a);
	expect_nothing();
	cr_assert(!policy_busy(h_node("jobs")));
}

Test(dynamic, a_spawn_queued_during_a_partition_restart_is_started_by_the_spawn)
{
	const char	*n0;

	boot_partitions();
	crash_loop_partition_0();
	n0 = h_name_in_partition("n", 0, 0);
	h_spawn("jobs", n0);
	expect_nothing();
	h_stopped(p0b);
	expect(words("report restart", p0a), words("report restart", p0b), words("start", p0a));
	h_started(p0a);
	expect(words("start", p0b));
	h_started(p0b);
	expect(words("start", n0));
	h_started(n0);
	expect(words("done ok", n0));
	cr_assert_eq(h_node(n0)->restarts, 0);
}

Test(dynamic, a_task_queued_during_a_partition_restart_is_run_after_it)
{
	const char	*t0;

	boot_partitions();
	crash_loop_partition_0();
	t0 = h_name_in_partition("t", 0, 0);
	h_run_task("jobs", t0);
	expect_nothing();
	h_stopped(p0b);
	expect(words("report restart", p0a), words("report restart", p0b), words("start", p0a));
	h_started(p0a);
	expect(words("start", p0b));
	h_started(p0b);
	expect(words("start", t0));
	h_started(t0);
	expect(words("done ok", t0));
}

Test(dynamic, cmd_restart_of_a_dynamic_child_keeps_it_and_is_not_counted)
{
	boot_jobs(RESTART_PERMANENT, 0, 1);
	h_spawn("jobs", "w1");
	h_started("w1");
	h_cmd(EVT_CMD_RESTART, "w1");
	expect("stop w1");
	h_stopped("w1");
	expect("start w1");
	h_started("w1");
	expect("done ok w1");
	cr_assert_eq(h_window("jobs", 0), 0);
	expect_state("jobs", "running");
}

Test(dynamic, durable_children_come_back_when_a_sibling_restarts_their_supervisor)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ALL, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_dynamic("jobs", "root", RESTART_PERMANENT, 3, 5, 1);
	h_build();
	h_boot_all();
	h_spawn("jobs", "w1");
	h_started("w1");
	h_spawn("jobs", "w2");
	h_started("w2");
	h_exited("a", 0);
	expect("report restart a", "report restart jobs", "stop w1", "stop w2");
	h_stopped("w1");
	expect_nothing();
	h_stopped("w2");
	expect("report stopped jobs", "start a");
	h_started("a");
	expect("start w1");
	h_started("w1");
	expect("start w2");
	h_started("w2");
	expect("report started jobs");
	cr_assert_eq(h_node("w1")->restarts, 0);
}
