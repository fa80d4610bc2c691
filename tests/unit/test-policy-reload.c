/*
 * test-policy-reload.c — what a reload asks of the policy: EVT_CMD_REMOVE
 * (a static child or a whole subtree stopped and removed, whatever its
 * supervisor is doing) and policy_respec (a supervisor's intensity changed
 * in place, its window's newest restarts kept).
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "policy-harness.h"

TestSuite(reload, .init = h_setup, .fini = h_teardown);

static void
boot_abc(enum strategy strategy)
{
	h_sup("root", NULL, strategy, 3, 5);
	h_worker("a", "root", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_worker("c", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
}

Test(reload, remove_stops_the_child_alone_and_forgets_it)
{
	boot_abc(STRATEGY_ONE_FOR_ALL);
	h_cmd(EVT_CMD_REMOVE, "b");
	expect("stop b");
	h_stopped("b");
	expect("report remove b", "remove b", "done ok b");
	expect_state("b", "removed");
	expect_state("a", "running");
	expect_state("c", "running");
	cr_assert_eq(h_window("root", 0), 0, "not a restart");
}

Test(reload, remove_of_a_stopped_child_needs_no_stop)
{
	boot_abc(STRATEGY_ONE_FOR_ONE);
	h_cmd(EVT_CMD_STOP, "b");
	h_settle();
	h_cmd(EVT_CMD_REMOVE, "b");
	expect("report remove b", "remove b", "done ok b");
	expect_state("b", "removed");
}

Test(reload, remove_of_a_supervisor_stops_its_subtree_newest_first)
{
	h_sup("root", NULL, STRATEGY_ONE_FOR_ONE, 3, 5);
	h_sup("sub", "root", STRATEGY_ONE_FOR_ONE, 3, 5);
	h_worker("s1", "sub", RESTART_PERMANENT);
	h_worker("s2", "sub", RESTART_PERMANENT);
	h_worker("b", "root", RESTART_PERMANENT);
	h_build();
	h_boot_all();
	h_cmd(EVT_CMD_REMOVE, "sub");
	expect("stop s2");
	h_stopped("s2");
	expect("stop s1");
	h_stopped("s1");
	expect("report stopped sub", "report remove s1", "remove s1",
	    "report remove s2", "remove s2", "report remove sub", "remove sub",
	    "done ok sub");
	expect_state("s1", "removed");
	expect_state("sub", "removed");
	expect_state("b", "running");
}

Test(reload, remove_queued_behind_a_shutdown_still_removes)
{
	boot_abc(STRATEGY_ONE_FOR_ONE);
	h_shutdown();
	expect("stop c");
	h_cmd(EVT_CMD_REMOVE, "a");
	expect_nothing();
	h_stopped("c");
	h_settle();
	expect_state("a", "removed");
	expect_state("b", "stopped");
}

/* A copy of name's spec with other intensity; the test puts the original back. */
static struct spec *
respec_copy(const char *name, int max_restarts)
{
	struct spec	*sp = malloc(sizeof *sp);

	cr_assert_not_null(sp);
	*sp = *h_node(name)->spec;
	spec_extra_own(sp)->max_restarts = max_restarts;
	return (sp);
}

Test(reload, a_lower_max_restarts_keeps_the_newest_restarts)
{
	const struct spec	*orig;
	struct spec		*sp;

	boot_abc(STRATEGY_ONE_FOR_ONE);
	orig = h_node("root")->spec;
	h_at(0);
	h_exited("a", 0);
	h_settle();
	h_at(1000);
	h_exited("a", 0);
	h_settle();
	cr_assert_eq(h_window("root", 0), 2);
	sp = respec_copy("root", 1);
	policy_respec(h_node("root"), sp);
	cr_expect_eq(h_window("root", 0), 2, "both kept (the window holds 2)");
	h_at(2000);
	h_exited("b", 0);
	expect("report intensity root", "stop c");
	h_settle();
	policy_respec(h_node("root"), orig);
	free(sp);
}

Test(reload, a_higher_max_restarts_allows_more)
{
	const struct spec	*orig;
	struct spec		*sp;
	int			 i;

	boot_abc(STRATEGY_ONE_FOR_ONE);
	orig = h_node("root")->spec;
	for (i = 0; i < 3; i++) {
		h_at(i * 100);
		h_exited("a", 0);
		h_settle();
	}
	cr_assert_eq(h_window("root", 0), 3);
	sp = respec_copy("root", 10);
	policy_respec(h_node("root"), sp);
	cr_expect_eq(h_window("root", 0), 3);
	for (i = 3; i < 10; i++) {
		h_at(i * 100);
		h_exited("a", 0);
		expect("report restart a", "start a");
		h_settle();
	}
	cr_expect_eq(h_window("root", 0), 10);
	expect_state("root", "running");
	policy_respec(h_node("root"), orig);
	free(sp);
}

Test(reload, a_strategy_changed_in_place_is_used_at_the_next_exit)
{
	const struct spec	*orig;
	struct spec		*sp;

	boot_abc(STRATEGY_ONE_FOR_ONE);
	orig = h_node("root")->spec;
	sp = respec_copy("root", 3);
	spec_extra_own(sp)->strategy = STRATEGY_REST_FOR_ONE;
	policy_respec(h_node("root"), sp);
	expect_state("a", "running");
	h_exited("b", 0);
	expect("report restart b", "report restart c", "stop c");
	h_settle();
	expect_state("c", "running");
	policy_respec(h_node("root"), orig);
	free(sp);
}
