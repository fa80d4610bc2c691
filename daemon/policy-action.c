/*
 * policy-action.c — the action list the policy fills: starts, stops,
 * reports, removals, command answers and supd's exit, in order.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy-int.h"
#include "util.h"

/* Actions an emptied list keeps room for; a larger one is freed. */
#define ACTION_LIST_KEEP	256

struct action *
policy_act_push(enum action_type type, struct node *n)
{
	struct action_list	*l = policy_out;
	struct action		*a;

	if (l->len == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	a = &l->v[l->len++];
	memset(a, 0, sizeof *a);
	a->type = type;
	a->node = n;
	return (a);
}

void
policy_act_report(enum report_type r, struct node *n, char *detail)
{
	struct action	*a = policy_act_push(ACT_REPORT, n);

	a->report = r;
	a->detail = detail;
}

void
policy_act_done(void *tag, struct node *n, enum cmd_outcome outcome,
    const char *detail)
{
	struct action	*a;

	if (tag == NULL)
		return;
	a = policy_act_push(ACT_DONE, n);
	a->tag = tag;
	a->outcome = outcome;
	a->detail = detail != NULL ? xstrdup(detail) : NULL;
}

void
policy_act_exit(int status, char *detail)
{
	struct action	*a = policy_act_push(ACT_EXIT, NULL);

	a->status = status;
	a->detail = detail;
}

const char *
policy_outcome_text(enum cmd_outcome o)
{
	switch (o) {
	case CMD_OK:
		return ("done");
	case CMD_ALREADY_STARTED:
		return ("already started");
	case CMD_START_FAILED:
		return ("start failed");
	case CMD_REMOVED:
		return ("removed");
	case CMD_SUP_STOPPING:
		return ("its supervisor is stopping");
	case CMD_SUP_STOPPED:
		return ("its supervisor stopped");
	case CMD_SUP_NOT_RUNNING:
		return ("its supervisor is not running");
	case CMD_ROOT:
		return ("the root is started and stopped with supd itself");
	}
	return ("unknown outcome");
}

void
action_list_clear(struct action_list *l)
{
	int	i;

	for (i = 0; i < l->len; i++)
		free(l->v[i].detail);
	l->len = 0;
	/* a burst's list (a boot of thousands) is not kept at its peak */
	if (l->cap > ACTION_LIST_KEEP) {
		free(l->v);
		l->v = NULL;
		l->cap = 0;
	}
}

void
action_list_free(struct action_list *l)
{
	action_list_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}
