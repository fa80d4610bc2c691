/*
 * method-child.c — commands on one child: Start, Stop and Restart go to
 * the policy as commands (call_command) and are answered when they finish; Signal
 * goes straight to the process groups (names: common/signame.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "method.h"
#include "proc.h"
#include "proto.h"
#include "signame.h"
#include "util.h"

static int	method_start(struct call *);
static int	method_stop(struct call *);
static int	method_restart(struct call *);
static int	method_signal(struct call *);

static const char *const method_child_params[] = { "name", NULL };
static const char *const method_signal_params[] = { "target", "signal", NULL };

struct method method_start_entry = {
	.name = PROTO_METHOD("Start"),
	.params = method_child_params,
	.call = method_start,
};

struct method method_stop_entry = {
	.name = PROTO_METHOD("Stop"),
	.params = method_child_params,
	.call = method_stop,
};

struct method method_restart_entry = {
	.name = PROTO_METHOD("Restart"),
	.params = method_child_params,
	.call = method_restart,
};

struct method method_signal_entry = {
	.name = PROTO_METHOD("Signal"),
	.params = method_signal_params,
	.call = method_signal,
};

#define ROOT_REASON	"the root is started and stopped with supd itself"

/* The target of a command: NotFound, or the root refused. */
static struct node *
method_child_target(struct call *c, int *rc)
{
	const char	*name;
	struct node	*n;

	if (call_str(c, "name", 1, &name) == -1) {
		*rc = CALL_DONE;
		return (NULL);
	}
	if ((n = tree_find(name)) == NULL) {
		*rc = call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name", name);
		return (NULL);
	}
	if (n->parent == NULL) {
		*rc = call_fail(c, SUPD_COMMAND_FAILED, "{s:s, s:s}", "name",
		    name, "reason", ROOT_REASON);
		return (NULL);
	}
	snprintf(c->name, sizeof c->name, "%s", n->name);
	return (n);
}

/* Start and Restart answer alike: the pid now, or why not. */
static void
method_start_done(struct call *c, struct node *n, enum cmd_outcome o,
    const char *detail)
{
	switch (o) {
	case CMD_OK:
		call_ok(c, json_pack("{s:s, s:o}", "name", c->name, "pid",
		    call_pid(n != NULL ? n->pid : 0)));
		return;
	case CMD_ALREADY_STARTED:
		call_fail(c, SUPD_ALREADY_STARTED, "{s:s, s:o}", "name",
		    c->name, "pid", call_pid(n != NULL ? n->pid : 0));
		return;
	default:
		call_fail(c, SUPD_START_FAILED, "{s:s, s:s}", "name", c->name,
		    "reason", call_outcome_reason(o, detail));
		return;
	}
}

static int
method_start(struct call *c)
{
	struct node	*n;
	int		 rc;

	if ((n = method_child_target(c, &rc)) == NULL)
		return (rc);
	if (n->state == NODE_RUNNING || n->state == NODE_STARTING)
		return (call_fail(c, SUPD_ALREADY_STARTED, "{s:s, s:o}",
		    "name", n->name, "pid", call_pid(n->pid)));
	return (call_command(c, EVT_CMD_START, n, method_start_done));
}

static void
method_stop_done(struct call *c, struct node *n, enum cmd_outcome o,
    const char *detail)
{
	int	removed = c->data != NULL;

	(void)n;
	switch (o) {
	case CMD_REMOVED:
		/* removed while the stop waited: stopped all the same */
		removed = 1;
		/* FALLTHROUGH */
	case CMD_OK:
	case CMD_SUP_STOPPING:
	case CMD_SUP_STOPPED:
	case CMD_SUP_NOT_RUNNING:
		/* or its supervisor stopped it with the rest of its children */
		call_ok(c, json_pack("{s:s, s:b}", "name", c->name, "removed",
		    removed));
		return;
	default:
		call_fail(c, SUPD_COMMAND_FAILED, "{s:s, s:s}", "name", c->name,
		    "reason", call_outcome_reason(o, detail));
		return;
	}
}

static int
method_stop(struct call *c)
{
	struct node	*n;
	int		 rc;

	if ((n = method_child_target(c, &rc)) == NULL)
		return (rc);
	/*
	 * A failed child may have a retry waiting, an exited one a restart
	 * delay (restart_delay): those are the policy's to cancel.
	 */
	if (!policy_stop_removes(n) && n->backoff_at == 0 &&
	    (n->state == NODE_STOPPED || n->state == NODE_EXITED))
		return (call_ok(c, json_pack("{s:s, s:b}", "name", n->name,
		    "removed", 0)));
	/* a dynamic or temporary child is removed by its stop: remember that */
	c->data = policy_stop_removes(n) ? c : NULL;
	/* a durable dynamic child's removal is acknowledged once it is on disk */
	c->wants_commit = n->dynamic && !n->task &&
	    n->spec->restart != RESTART_TEMPORARY;
	return (call_command(c, EVT_CMD_STOP, n, method_stop_done));
}

static int
method_restart(struct call *c)
{
	struct node	*n;
	int		 rc;

	if ((n = method_child_target(c, &rc)) == NULL)
		return (rc);
	return (call_command(c, EVT_CMD_RESTART, n, method_start_done));
}

struct method_signal_walk {
	int	sig;
	int	signalled;
};

static void
method_signal_member(struct node *n, void *arg)
{
	struct method_signal_walk	*w = arg;

	if (n->pid > 0 && proc_signal(n, w->sig) == 0)
		w->signalled++;
}

static int
method_signal(struct call *c)
{
	struct method_signal_walk	 w = { 0, 0 };
	const char			*target, *signame;
	struct node			*n;

	if (call_str(c, "target", 1, &target) == -1 ||
	    call_str(c, "signal", 1, &signame) == -1)
		return (CALL_DONE);
	if ((w.sig = signame_number(signame)) == -1)
		return (call_fail(c, SUPD_INVALID_SIGNAL, "{s:s}", "signal",
		    signame));
	if (target[0] == '@') {
		if (tree_group_each(target + 1, NULL, NULL) == 0)
			return (call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name",
			    target));
		tree_group_each(target + 1, method_signal_member, &w);
		if (w.signalled == 0)
			return (call_fail(c, SUPD_NOT_RUNNING, "{s:s}", "name",
			    target));
		return (call_ok(c, json_pack("{s:i}", "signalled", w.signalled)));
	}
	if ((n = tree_find(target)) == NULL)
		return (call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name", target));
	if (n->kind != KIND_WORKER)
		return (call_fail(c, SUPD_NOT_A_WORKER, "{s:s, s:s}", "name",
		    target, "type", spec_kind_names[n->kind]));
	if (n->pid <= 0 || proc_signal(n, w.sig) == -1)
		return (call_fail(c, SUPD_NOT_RUNNING, "{s:s}", "name", target));
	return (call_ok(c, json_pack("{s:i}", "signalled", 1)));
}
