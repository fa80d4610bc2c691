/*
 * fake-loop.c — loop.c for the dispatcher's fuzz target: the real policy
 * and a runtime that forks nothing.  Every ACT_START succeeds at once
 * (no pid), every stop is over at once, timers are due at once; commands
 * end with the policy's own outcome, so the handlers' done callbacks run.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "loop.h"
#include "store.h"
#include "task.h"
#include "util.h"

struct ev_loop	*loop_ev;
struct config	*loop_conf;
struct node	*loop_root;
int		 loop_shutting_down;

static struct policy_event	*queue;
static size_t			 queue_len, queue_cap, queue_first;
static struct action_list	 actions;
static int			 fake_exited;

static void
fake_queue(enum policy_evt type, struct node *n, int normal,
    const char *reason, void *tag)
{
	struct policy_event	*ev;

	if (queue_len == queue_cap) {
		queue_cap = queue_cap == 0 ? 64 : queue_cap * 2;
		queue = xrealloc(queue, queue_cap * sizeof *queue);
	}
	ev = &queue[queue_len++];
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->node = n;
	ev->normal = normal;
	ev->reason = reason != NULL ? xstrdup(reason) : NULL;
	ev->tag = tag;
}

void
loop_kick(void)
{
}

void
loop_event(enum policy_evt type, struct node *n, int normal, const char *reason)
{
	fake_queue(type, n, normal, reason, NULL);
}

void
loop_command(enum policy_evt type, struct node *n, struct command *cmd)
{
	if (type == EVT_SHUTDOWN) {
		if (loop_shutting_down) {
			if (cmd != NULL)
				cmd->done(cmd, n, CMD_OK, NULL);
			return;
		}
		loop_shutting_down = 1;
	}
	fake_queue(type, n, 0, NULL, cmd);
}

int
loop_quiet(const char **why)
{
	if (queue_first < queue_len) {
		*why = "a supervisor is restarting children";
		return (0);
	}
	return (1);
}

static void
fake_perform(struct action_list *l)
{
	struct action	*a;
	int		 i;

	for (i = 0; i < l->len; i++) {
		a = &l->v[i];
		switch (a->type) {
		case ACT_START:
			fake_queue(EVT_STARTED, a->node, 0, NULL, NULL);
			break;
		case ACT_STOP:
		case ACT_KILL:
			fake_queue(EVT_STOPPED, a->node, 0, NULL, NULL);
			break;
		case ACT_RETRY:
			fake_queue(EVT_RETRY, a->node, 0, NULL, NULL);
			break;
		case ACT_DEADLINE:
			fake_queue(EVT_DEADLINE, a->node, 0, NULL, NULL);
			break;
		case ACT_BACKOFF:
			fake_queue(EVT_BACKOFF, a->node, 0, NULL, NULL);
			break;
		case ACT_DONE: {
			struct command	*cmd = a->tag;

			cmd->done(cmd, a->node, a->outcome, a->detail);
			break;
		}
		case ACT_EXIT:
			fake_exited = 1;
			break;
		default:
			break;
		}
	}
	for (i = 0; i < l->len; i++) {
		a = &l->v[i];
		if (a->type != ACT_REMOVE)
			continue;
		task_exited(a->node);
		if (a->node->dynamic && !a->node->task)
			store_child_del(a->node->name);
		tree_node_free(a->node);
	}
}

/* The policy takes every queued event (and what they queue); 1 if supd would exit. */
int
fake_loop_drain(void)
{
	struct policy_event	ev;
	size_t			steps = 0;

	while (queue_first < queue_len && steps++ < 100000) {
		ev = queue[queue_first++];
		ev.now = now_mono_ms();
		policy_step(&ev, &actions);
		free((char *)ev.reason);
		fake_perform(&actions);
		action_list_clear(&actions);
	}
	queue_first = queue_len = 0;
	store_commit();
	return (fake_exited);
}

void
fake_loop_boot(void)
{
	fake_exited = 0;
	loop_shutting_down = 0;
	fake_queue(EVT_BOOT, loop_root, 0, NULL, NULL);
	fake_loop_drain();
}
