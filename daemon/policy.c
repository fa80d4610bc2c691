/*
 * policy.c — OTP's supervisor.erl as a pure state machine.  A supervisor
 * works through one operation at a time (boot, restart, stop, a command),
 * as a list of steps: start this child, stop that one.  Each step issues an
 * action and waits for the runtime's answer, so stops are sequential and
 * newest first, starts sequential and oldest first, and nothing here waits.
 * Exits and commands that arrive while a supervisor is busy are queued, as
 * messages queue in a supervisor's mailbox while it restarts children; a
 * restart whose start failed is tried again from the back of that queue
 * (OTP's try_again_restart), after a round trip through the runtime.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy-int.h"
#include "util.h"

enum op_kind {
	OP_IDLE,
	OP_BOOT,	/* start every child in order; report started to the parent */
	OP_BOOT_UNDO,	/* a child failed to start: stop the started ones, report failure */
	OP_RESTART,	/* the strategy's stops then starts */
	OP_STOP,	/* stop every child; op_reason says what follows */
	OP_CMD,		/* a command on one child; answered with ACT_DONE */
};

enum stop_reason {
	STOP_BY_PARENT,	/* the parent stops this supervisor: report stopped */
	STOP_GIVE_UP,	/* intensity reached: exit as OTP's shutdown reason */
	STOP_SHUTDOWN,	/* the root shuts down: ACT_EXIT 0 */
	STOP_PARTITION,	/* one partition of a dynamic supervisor gave up */
	STOP_AUTO_SHUTDOWN,	/* a significant child exited: exit normally */
};

enum step_kind {
	STEP_START,
	STEP_STOP,
	STEP_STOP_ALL,	/* dynamic: stop every child of the step's set at once */
	STEP_REMOVE,	/* remove a stopped dynamic child */
};

struct step {
	enum step_kind	 kind;
	struct node	*node;
	int		 partition;	/* STEP_STOP_ALL: -1 every child, else one partition */
};

struct pending {
	enum policy_evt		 type;	/* EVT_EXITED, EVT_RETRY, EVT_BACKOFF or a command */
	struct node		*node;
	uint64_t		 incarnation;
	int			 normal;
	int			 due;	/* EVT_RETRY: its EVT_RETRY came back */
	void			*tag;
	TAILQ_ENTRY(pending)	 entry;
};

enum outcome { OUT_STARTED, OUT_START_FAILED, OUT_STOPPED, OUT_EXITED };

/* A child's report to its supervisor, deferred so no step runs inside another. */
struct notice {
	struct node	*child;
	enum outcome	 out;
	int		 normal;
	char		*why;
};

static struct notice	*notices;
static int		 nnotices, capnotices, firstnotice;

struct action_list		*policy_out;
static int64_t			 policy_now;	/* seconds */
static int64_t			 policy_now_ms;

static void	sup_advance(struct node *);
static void	sup_idle(struct node *);
static void	node_start(struct node *);
static void	node_stop(struct node *);
static void	child_outcome(struct node *, enum outcome, int, const char *);
static void	child_outcome_apply(struct node *, enum outcome, int, const char *);
static void	sup_handle_exit(struct node *, struct node *, int);
static void	sup_handle_command(struct node *, struct pending *);
static void	sup_begin_stop(struct node *, enum stop_reason, int);
static void	sup_restart(struct node *, struct node *);
static void	sup_plan_restart(struct node *, struct node *);

int
policy_busy(const struct node *sup)
{
	return (sup->sup != NULL && sup->sup->op != OP_IDLE);
}

/* Steps */

/* Steps a supervisor keeps room for once its operation is over. */
#define STEPS_KEEP	256

static void
steps_reset(struct sup *s, enum op_kind op)
{
	s->nsteps = 0;
	s->cursteps = 0;
	s->op = op;
	s->waiting = NULL;
	s->waiting_count = 0;
}

static void
steps_add(struct sup *s, enum step_kind kind, struct node *n, int partition)
{
	if (s->nsteps == s->capsteps) {
		s->capsteps = s->capsteps == 0 ? 8 : s->capsteps * 2;
		s->steps = xrealloc(s->steps, s->capsteps * sizeof *s->steps);
	}
	s->steps[s->nsteps].kind = kind;
	s->steps[s->nsteps].node = n;
	s->steps[s->nsteps].partition = partition;
	s->nsteps++;
}

static int
node_active(const struct node *n)
{
	return (n->state == NODE_STARTING || n->state == NODE_RUNNING ||
	    n->state == NODE_STOPPING);
}

/*
 * A node's restart type as a child of its parent.  A dynamic supervisor's
 * spec->restart is its template's, for its children: it is itself always
 * a permanent child.
 */
static enum restart_type
node_restart(const struct node *n)
{
	if (n->task)
		return (RESTART_TEMPORARY);
	if (n->kind == KIND_DYNAMIC)
		return (RESTART_PERMANENT);
	return (n->spec->restart);
}

static int
node_temporary(const struct node *n)
{
	return (node_restart(n) == RESTART_TEMPORARY);
}

/* Dynamic children take no significant from their template (conf.c refuses it). */
/* autostart = no: a supervisor's boot, or its siblings' restart, leaves it be. */
static int
node_manual(const struct node *n)
{
	return (n->kind == KIND_WORKER && !n->dynamic && n->spec != NULL &&
	    n->spec->manual);
}

static int
node_significant(const struct node *n)
{
	return (!n->dynamic && n->kind != KIND_DYNAMIC && n->spec->significant);
}

int
policy_stop_removes(const struct node *n)
{
	return (n->dynamic || node_temporary(n));
}

/* Stop steps for the active children of sup, newest first; parallel if dynamic. */
static void
steps_stop_all(struct node *sup, int partition)
{
	struct node	*c;

	if (sup->kind == KIND_DYNAMIC) {
		steps_add(sup->sup, STEP_STOP_ALL, NULL, partition);
		return;
	}
	TAILQ_FOREACH_REVERSE(c, &sup->children, node_list, sibling)
		steps_add(sup->sup, STEP_STOP, c, -1);
}

/*
 * Remove a child from the tree: its pending entries go, the runtime frees
 * it.  A supervisor's children go first, so the runtime forgets each one.
 */
static void
node_remove(struct node *n)
{
	struct node	*sup = n->parent, *c;
	struct pending	*p, *next;

	while ((c = TAILQ_FIRST(&n->children)) != NULL)
		node_remove(c);

	if (sup != NULL) {
		for (p = TAILQ_FIRST(&sup->sup->pending); p != NULL; p = next) {
			next = TAILQ_NEXT(p, entry);
			if (p->node != n)
				continue;
			policy_act_done(p->tag, n, CMD_REMOVED, NULL);
			TAILQ_REMOVE(&sup->sup->pending, p, entry);
			free(p);
		}
		if (sup->sup->waiting == n)
			sup->sup->waiting = NULL;
	}
	policy_backoff_cancel(n);
	policy_act_report(RPT_REMOVE, n, NULL);
	tree_unlink(n);
	policy_act_push(ACT_REMOVE, n);
}

/* Begin the current step; return 1 if it waits for an answer, 0 if it is done. */
static int
step_begin(struct node *sup, struct step *st)
{
	struct sup	*s = sup->sup;
	struct node	*c, *next;

	switch (st->kind) {
	case STEP_START:
		if (st->node->state == NODE_RUNNING)
			return (0);
		s->waiting = st->node;
		if (st->node->state != NODE_STARTING)
			node_start(st->node);
		return (1);
	case STEP_STOP:
		/* a child waiting out its restart delay is stopped already */
		policy_backoff_cancel(st->node);
		if (!node_active(st->node))
			return (0);
		s->waiting = st->node;
		if (st->node->state != NODE_STOPPING)
			node_stop(st->node);
		return (1);
	case STEP_STOP_ALL:
		s->waiting_count = 0;
		for (c = TAILQ_FIRST(&sup->children); c != NULL; c = next) {
			next = TAILQ_NEXT(c, sibling);
			if (st->partition >= 0 && c->partition != st->partition)
				continue;
			policy_backoff_cancel(c);
			if (!node_active(c))
				continue;
			s->waiting_count++;
			if (c->state != NODE_STOPPING)
				node_stop(c);
		}
		return (s->waiting_count > 0);
	case STEP_REMOVE:
		node_remove(st->node);
		return (0);
	}
	return (0);
}

static void
sup_report_parent(struct node *sup, enum outcome out, int normal, const char *why)
{
	if (sup->parent != NULL)
		child_outcome(sup, out, normal, why);
}

/* A child added by tree_add_dynamic whose spawn waits in the queue: not started yet. */
static int
node_spawn_pending(struct node *sup, struct node *n)
{
	struct pending	*p;

	TAILQ_FOREACH(p, &sup->sup->pending, entry)
		if (p->type == EVT_SPAWN && p->node == n)
			return (1);
	return (0);
}

/* Whatever was queued is moot now that the children are gone: answer and drop it. */
static void
sup_flush_pending(struct node *sup)
{
	struct pending	*p;

	while ((p = TAILQ_FIRST(&sup->sup->pending)) != NULL) {
		TAILQ_REMOVE(&sup->sup->pending, p, entry);
		/* a reload's removal is done all the same: the child is stopped */
		if (p->type == EVT_CMD_REMOVE && p->node->parent == sup &&
		    !node_active(p->node)) {
			node_remove(p->node);
			policy_act_done(p->tag, NULL, CMD_OK, NULL);
		} else
			policy_act_done(p->tag, p->node, CMD_SUP_STOPPED, NULL);
		if (p->type == EVT_SPAWN && p->node->parent == sup)
			node_remove(p->node);
		free(p);
	}
}

/* The last step of sup's operation is done: what follows depends on the op. */
static void
sup_finish(struct node *sup)
{
	struct sup	*s = sup->sup;
	struct node	*c, *next;
	enum op_kind	 op = s->op;
	void		*tag = s->op_tag;
	struct node	*target = s->op_node;

	s->op = OP_IDLE;
	s->op_tag = NULL;
	s->op_node = NULL;
	switch (op) {
	case OP_IDLE:
		break;
	case OP_BOOT:
		sup->state = NODE_RUNNING;
		policy_act_report(RPT_SUP_STARTED, sup, NULL);
		sup_report_parent(sup, OUT_STARTED, 0, NULL);
		break;
	case OP_BOOT_UNDO:
		sup_flush_pending(sup);
		sup->state = NODE_FAILED;
		policy_act_report(RPT_SUP_FAILED, sup, s->gave_up != NULL ? xstrdup(s->gave_up) : NULL);
		if (sup->parent == NULL)
			policy_act_exit(1, xasprintf("cannot start: %s",
			    s->gave_up != NULL ? s->gave_up : "a child failed to start"));
		else
			sup_report_parent(sup, OUT_START_FAILED, 0, s->gave_up);
		return;
	case OP_RESTART:
		break;
	case OP_CMD:
		policy_act_done(tag, target, CMD_OK, NULL);
		break;
	case OP_STOP:
		/* temporary children stopped with their supervisor are gone */
		for (c = TAILQ_FIRST(&sup->children); c != NULL; c = next) {
			next = TAILQ_NEXT(c, sibling);
			if ((node_temporary(c) || c->doomed) && !node_active(c) &&
			    !node_spawn_pending(sup, c) &&
			    (s->op_reason != STOP_PARTITION ||
			    c->partition == s->op_partition))
				node_remove(c);
		}
		switch (s->op_reason) {
		case STOP_PARTITION:
			/* the partition restarts as a unit: one restart of the pool */
			if (policy_window_add(&s->windows[s->nwindows - 1], sup->spec, policy_now)) {
				free(s->gave_up);
				s->gave_up = xasprintf("%s: more than %d restarts of "
				    "its partitions in %d s", sup->name,
				    spec_x(sup->spec)->max_restarts, spec_x(sup->spec)->max_seconds);
				policy_act_report(RPT_INTENSITY, sup, xstrdup(s->gave_up));
				sup_begin_stop(sup, STOP_GIVE_UP, -1);
				return;
			}
			/* a reload may have changed the partitions meanwhile */
			if (s->op_partition < s->nwindows - 1)
				policy_window_reset(&s->windows[s->op_partition]);
			steps_reset(s, OP_RESTART);
			TAILQ_FOREACH(c, &sup->children, sibling)
				if (c->partition == s->op_partition &&
				    !node_spawn_pending(sup, c)) {
					c->restarts++;
					policy_act_report(RPT_RESTART, c, NULL);
					steps_add(s, STEP_START, c, -1);
				}
			sup_advance(sup);
			return;
		case STOP_BY_PARENT:
			sup->state = NODE_STOPPED;
			policy_act_report(RPT_SUP_STOPPED, sup, NULL);
			break;
		case STOP_GIVE_UP:
			sup->state = NODE_FAILED;
			policy_act_report(RPT_SUP_STOPPED, sup, NULL);
			if (sup->parent == NULL) {
				sup_flush_pending(sup);
				policy_act_exit(3, xasprintf("giving up: %s", s->gave_up));
				return;
			}
			break;
		case STOP_SHUTDOWN:
			sup->state = NODE_STOPPED;
			policy_act_report(RPT_SUP_STOPPED, sup, NULL);
			sup_flush_pending(sup);
			policy_act_exit(0, NULL);
			return;
		case STOP_AUTO_SHUTDOWN:
			sup->state = NODE_EXITED;
			policy_act_report(RPT_SUP_STOPPED, sup, NULL);
			if (sup->parent == NULL) {
				sup_flush_pending(sup);
				policy_act_exit(0, xasprintf("auto_shutdown: %s",
				    s->gave_up));
				return;
			}
			break;
		}
		sup_flush_pending(sup);
		/*
		 * Giving up and auto_shutdown both exit with OTP's shutdown
		 * reason: a normal exit for a transient supervisor's parent.
		 */
		if (s->op_reason == STOP_GIVE_UP ||
		    s->op_reason == STOP_AUTO_SHUTDOWN)
			sup_report_parent(sup, OUT_EXITED, 1, s->gave_up);
		else
			sup_report_parent(sup, OUT_STOPPED, 0, NULL);
		return;
	}
	sup_idle(sup);
}

/* Work through steps until one waits, or the operation is done. */
static void
sup_advance(struct node *sup)
{
	struct sup	*s = sup->sup;

	while (s->cursteps < s->nsteps) {
		if (step_begin(sup, &s->steps[s->cursteps]))
			return;
		s->cursteps++;
	}
	/* every step is done: a boot of thousands does not keep its list */
	if (s->capsteps > STEPS_KEEP) {
		free(s->steps);
		s->steps = NULL;
		s->nsteps = s->cursteps = s->capsteps = 0;
	}
	sup_finish(sup);
}

/* The first queued entry that may be handled now: a retry waits for its turn. */
static struct pending *
sup_next_pending(struct sup *s)
{
	struct pending	*p;

	TAILQ_FOREACH(p, &s->pending, entry)
		if (p->type != EVT_RETRY || p->due)
			return (p);
	return (NULL);
}

/* Handle queued exits, retries and commands while the supervisor stays idle. */
static void
sup_idle(struct node *sup)
{
	struct sup	*s = sup->sup;
	struct pending	*p;

	while (s->op == OP_IDLE && (p = sup_next_pending(s)) != NULL) {
		TAILQ_REMOVE(&s->pending, p, entry);
		if (p->type == EVT_RETRY) {
			/* moot if the child was started, stopped or removed since */
			if (p->node->incarnation == p->incarnation &&
			    p->node->state == NODE_FAILED &&
			    sup->state == NODE_RUNNING)
				sup_restart(sup, p->node);
		} else if (p->type == EVT_BACKOFF) {
			/* moot if a command started or stopped it meanwhile */
			if (p->node->incarnation == p->incarnation &&
			    (p->node->state == NODE_EXITED ||
			    p->node->state == NODE_FAILED) &&
			    sup->state == NODE_RUNNING)
				sup_plan_restart(sup, p->node);
		} else if (p->type == EVT_EXITED) {
			/*
			 * Stale if the child was restarted or stopped since.  A
			 * sub-supervisor that gave up is left failed, not exited.
			 */
			if (p->node->incarnation == p->incarnation &&
			    (p->node->state == NODE_EXITED ||
			    (p->node->state == NODE_FAILED && p->node->sup != NULL)))
				sup_handle_exit(sup, p->node, p->normal);
		} else
			sup_handle_command(sup, p);
		free(p);
	}
}

static void
sup_enqueue(struct node *sup, enum policy_evt type, struct node *n, int normal, void *tag)
{
	struct pending	*p;

	p = xcalloc(1, sizeof *p);
	p->type = type;
	p->node = n;
	p->incarnation = n->incarnation;
	p->normal = normal;
	p->tag = tag;
	TAILQ_INSERT_TAIL(&sup->sup->pending, p, entry);
}

/* Abort whatever sup is doing: answer its command, keep its queue. */
static void
sup_abort(struct node *sup)
{
	struct sup	*s = sup->sup;

	if (s->op == OP_CMD) {
		policy_act_done(s->op_tag, s->op_node, CMD_SUP_STOPPING, NULL);
		/* the client was told it failed: a half-made spawn or stop must not stay */
		if ((s->op_node->dynamic &&
		    (s->op_cmd == EVT_SPAWN || s->op_cmd == EVT_CMD_STOP)) ||
		    s->op_cmd == EVT_CMD_REMOVE) {
			if (node_active(s->op_node))
				s->op_node->doomed = 1;
			else
				node_remove(s->op_node);
		}
	}
	s->op_tag = NULL;
	s->op_node = NULL;
	steps_reset(s, OP_IDLE);
}

/* Starting and stopping nodes */

static void
sup_begin_stop(struct node *sup, enum stop_reason why, int partition)
{
	struct sup	*s = sup->sup;

	sup_abort(sup);
	steps_reset(s, OP_STOP);
	s->op_reason = why;
	s->op_partition = partition;
	if (why != STOP_PARTITION)
		sup->state = NODE_STOPPING;
	steps_stop_all(sup, partition);
	sup_advance(sup);
}

static void
node_start(struct node *n)
{
	struct node	*c;
	int		 i;

	n->incarnation++;
	n->state = NODE_STARTING;
	if (n->kind == KIND_WORKER) {
		/* started by anything (a command, a sibling's restart): no wait */
		policy_backoff_cancel(n);
		policy_act_push(ACT_START, n);
		return;
	}
	/* a (re)started supervisor is a new process in OTP: a fresh window */
	for (i = 0; i < n->sup->nwindows; i++)
		policy_window_reset(&n->sup->windows[i]);
	sup_abort(n);
	steps_reset(n->sup, OP_BOOT);
	TAILQ_FOREACH(c, &n->children, sibling)
		if (!(n->kind == KIND_DYNAMIC && node_temporary(c)) &&
		    !node_manual(c))
			steps_add(n->sup, STEP_START, c, -1);
	sup_advance(n);
}

/*
 * Past its shutdown, what is left of a stopping supervisor's subtree dies
 * at once, as OTP's exit(Pid, kill) takes a supervisor's linked children
 * with it: every worker still up is killed, and every supervisor below that
 * was not stopping yet stops now, so none goes on starting children.
 */
static void
sup_kill_subtree(struct node *top)
{
	struct node	*c, **sups = NULL;
	int		 nsups = 0, cap = 0, i;

	for (c = tree_next(top, top); c != NULL; c = tree_next(top, c)) {
		if (c->kind != KIND_WORKER) {
			if (c->state != NODE_RUNNING && c->state != NODE_STARTING)
				continue;
			if (nsups == cap) {
				cap = cap == 0 ? 8 : cap * 2;
				sups = xrealloc(sups, cap * sizeof *sups);
			}
			sups[nsups++] = c;
			continue;
		}
		if (!node_active(c))
			continue;
		c->state = NODE_STOPPING;
		policy_act_push(ACT_KILL, c);
	}
	/* pre-order: a supervisor's stop may have stopped those below it */
	for (i = 0; i < nsups; i++)
		if (sups[i]->state == NODE_RUNNING || sups[i]->state == NODE_STARTING)
			sup_begin_stop(sups[i], STOP_BY_PARENT, -1);
	free(sups);
}

static void
node_stop(struct node *n)
{
	struct action	*a;

	if (n->kind == KIND_WORKER) {
		n->state = NODE_STOPPING;
		policy_act_push(ACT_STOP, n);
		return;
	}
	sup_begin_stop(n, STOP_BY_PARENT, -1);
	/* a supervisor's own shutdown: how long its parent waits for it */
	if (n->state != NODE_STOPPING || n->spec->shutdown_ms == SHUTDOWN_INFINITY)
		return;
	if (n->spec->shutdown_ms == SHUTDOWN_BRUTAL_KILL) {
		sup_kill_subtree(n);
		return;
	}
	a = policy_act_push(ACT_DEADLINE, n);
	a->ms = n->spec->shutdown_ms;
}

/* A stopping supervisor's shutdown ran out (EVT_DEADLINE). */
static void
sup_deadline(struct node *sup)
{
	if (sup->sup == NULL || sup->state != NODE_STOPPING ||
	    sup->sup->op != OP_STOP || sup->sup->op_reason != STOP_BY_PARENT)
		return;
	policy_act_report(RPT_SUP_KILL, sup, xasprintf("%s: still stopping "
	    "%lld ms after its parent asked: killing what is left of it",
	    sup->name, (long long)sup->spec->shutdown_ms));
	sup_kill_subtree(sup);
}

/* OTP's restart/3: the steps one failure of child calls for under sup's strategy. */
static void
sup_plan_restart(struct node *sup, struct node *child)
{
	struct sup	*s = sup->sup;
	struct node	*c;
	int		 from;

	steps_reset(s, OP_RESTART);
	s->op_node = child;
	if (sup->kind == KIND_DYNAMIC ||
	    spec_x(sup->spec)->strategy == STRATEGY_ONE_FOR_ONE) {
		child->restarts++;
		policy_act_report(RPT_RESTART, child, NULL);
		steps_add(s, STEP_START, child, -1);
		sup_advance(sup);
		return;
	}
	/* newest first, the child that died is not stopped again */
	from = spec_x(sup->spec)->strategy == STRATEGY_ONE_FOR_ALL;
	TAILQ_FOREACH_REVERSE(c, &sup->children, node_list, sibling) {
		if (c != child)
			steps_add(s, STEP_STOP, c, -1);
		if (c == child && !from)
			break;
	}
	/* temporary children stopped this way are removed, not restarted */
	TAILQ_FOREACH_REVERSE(c, &sup->children, node_list, sibling) {
		if (node_temporary(c) && c != child)
			steps_add(s, STEP_REMOVE, c, -1);
		if (c == child && !from)
			break;
	}
	from = spec_x(sup->spec)->strategy == STRATEGY_ONE_FOR_ALL;
	TAILQ_FOREACH(c, &sup->children, sibling) {
		if (c == child)
			from = 1;
		if (!from || node_temporary(c) ||
		    (node_manual(c) && c->state == NODE_STOPPED))
			continue;
		c->restarts++;
		policy_act_report(RPT_RESTART, c, NULL);
		steps_add(s, STEP_START, c, -1);
	}
	sup_advance(sup);
}

/* A restart is due: count it (per partition), then restart or give up. */
static void
sup_restart(struct node *sup, struct node *child)
{
	struct sup	*s = sup->sup;
	int		 w = sup->kind == KIND_DYNAMIC ? child->partition : 0;

	/* counted when decided; a restart delay defers what the plan does */
	if (!policy_window_add(&s->windows[w], sup->spec, policy_now)) {
		if (!policy_backoff_begin(child, policy_now_ms))
			sup_plan_restart(sup, child);
		return;
	}
	free(s->gave_up);
	if (s->nwindows > 1)
		s->gave_up = xasprintf("%s partition %d: more than %d restarts "
		    "in %d s (last: %s)", sup->name, w, spec_x(sup->spec)->max_restarts,
		    spec_x(sup->spec)->max_seconds, child->name);
	else
		s->gave_up = xasprintf("%s: more than %d restarts in %d s "
		    "(last: %s)", sup->name, spec_x(sup->spec)->max_restarts,
		    spec_x(sup->spec)->max_seconds, child->name);
	policy_act_report(RPT_INTENSITY, sup, xstrdup(s->gave_up));
	if (s->nwindows > 1)
		sup_begin_stop(sup, STOP_PARTITION, w);
	else
		sup_begin_stop(sup, STOP_GIVE_UP, -1);
}

/*
 * OTP's check_auto_shutdown, after a significant child exited without a
 * restart: any_significant stops sup at once, all_significant once no
 * other significant child is still up.  The stop ends in a normal exit.
 */
static void
sup_check_auto_shutdown(struct node *sup, struct node *child)
{
	struct node	*c;

	switch (spec_x(sup->spec)->auto_shutdown) {
	case AUTO_SHUTDOWN_NEVER:
		return;
	case AUTO_SHUTDOWN_ANY_SIGNIFICANT:
		break;
	case AUTO_SHUTDOWN_ALL_SIGNIFICANT:
		TAILQ_FOREACH(c, &sup->children, sibling)
			if (c != child && node_significant(c) && node_active(c))
				return;
		break;
	}
	free(sup->sup->gave_up);
	sup->sup->gave_up = xasprintf("%s: significant child %s exited (%s)",
	    sup->name, child->name,
	    spec_auto_shutdown_names[spec_x(sup->spec)->auto_shutdown]);
	policy_act_report(RPT_AUTO_SHUTDOWN, sup, xstrdup(sup->sup->gave_up));
	sup_begin_stop(sup, STOP_AUTO_SHUTDOWN, -1);
}

/* An idle supervisor handles a child's exit: OTP's do_restart clauses. */
static void
sup_handle_exit(struct node *sup, struct node *child, int normal)
{
	int	significant = node_significant(child);

	switch (node_restart(child)) {
	case RESTART_PERMANENT:
		sup_restart(sup, child);
		return;
	case RESTART_TRANSIENT:
		if (!normal) {
			sup_restart(sup, child);
			return;
		}
		if (child->dynamic)
			node_remove(child);
		break;
	case RESTART_TEMPORARY:
		/* removed now, freed once the action list is done */
		node_remove(child);
		break;
	}
	if (significant)
		sup_check_auto_shutdown(sup, child);
}

static void
sup_handle_command(struct node *sup, struct pending *p)
{
	struct sup	*s = sup->sup;
	struct node	*n = p->node;

	if (sup->state != NODE_RUNNING) {
		/* a child of a stopped or failed supervisor is not running either */
		if (p->type == EVT_CMD_REMOVE && !node_active(n)) {
			node_remove(n);
			policy_act_done(p->tag, NULL, CMD_OK, NULL);
			return;
		}
		policy_act_done(p->tag, n, CMD_SUP_NOT_RUNNING, NULL);
		if (p->type == EVT_SPAWN)
			node_remove(n);
		return;
	}
	steps_reset(s, OP_CMD);
	s->op_tag = p->tag;
	s->op_node = n;
	s->op_cmd = p->type;
	switch (p->type) {
	case EVT_CMD_START:
	case EVT_SPAWN:
		/* a child started by hand begins its backoff afresh */
		n->backoff_ms = 0;
		if (n->state == NODE_RUNNING) {
			s->op = OP_IDLE;
			policy_act_done(p->tag, n, CMD_ALREADY_STARTED, NULL);
			return;
		}
		steps_add(s, STEP_START, n, -1);
		break;
	case EVT_CMD_STOP:
		/* OTP's terminate_child on a dead child: it is stopped now */
		if (n->state == NODE_EXITED || n->state == NODE_FAILED)
			n->state = NODE_STOPPED;
		steps_add(s, STEP_STOP, n, -1);
		/* OTP's terminate_child deletes a temporary child */
		if (policy_stop_removes(n))
			steps_add(s, STEP_REMOVE, n, -1);
		break;
	case EVT_CMD_RESTART:
		n->backoff_ms = 0;
		steps_add(s, STEP_STOP, n, -1);
		steps_add(s, STEP_START, n, -1);
		break;
	case EVT_CMD_REMOVE:
		if (n->state == NODE_EXITED || n->state == NODE_FAILED)
			n->state = NODE_STOPPED;
		steps_add(s, STEP_STOP, n, -1);
		steps_add(s, STEP_REMOVE, n, -1);
		break;
	default:
		break;
	}
	sup_advance(sup);
}

/*
 * A start failed in a restart: OTP's try_again_restart.  The retry goes to
 * the back of sup's queue and waits for the runtime's EVT_RETRY, so what
 * arrived meanwhile (a stop, a shutdown, another exit) is handled first;
 * the retry counts as a restart when its turn comes.  A static
 * supervisor's plan ends here (one_for_all and rest_for_one restart the
 * siblings again with the retry); a partition's restart goes on with the
 * starts of the partition's other children.
 */
static void
sup_start_failed_restart(struct node *sup, struct node *child)
{
	struct sup	*s = sup->sup;

	sup_enqueue(sup, EVT_RETRY, child, 0, NULL);
	policy_act_push(ACT_RETRY, sup);
	if (sup->kind == KIND_DYNAMIC) {
		s->cursteps++;
		sup_advance(sup);
		return;
	}
	s->op_node = NULL;
	steps_reset(s, OP_IDLE);
	sup_idle(sup);
}

/* A start failed in sup's operation: OTP's clauses for init, restart, start_child. */
static void
sup_start_failed(struct node *sup, struct node *child, const char *why)
{
	struct sup	*s = sup->sup;

	switch (s->op) {
	case OP_BOOT:
		free(s->gave_up);
		s->gave_up = xasprintf("%s failed to start: %s", child->name,
		    why != NULL ? why : "unknown reason");
		steps_reset(s, OP_BOOT_UNDO);
		sup->state = NODE_STOPPING;
		steps_stop_all(sup, -1);
		sup_advance(sup);
		break;
	case OP_RESTART:
		/* counted as a restart, and tried again under the same intensity */
		sup_start_failed_restart(sup, child);
		break;
	case OP_CMD:
		s->op = OP_IDLE;
		policy_act_done(s->op_tag, child, CMD_START_FAILED, why);
		s->op_tag = NULL;
		s->op_node = NULL;
		if (child->dynamic)
			node_remove(child);
		sup_idle(sup);
		break;
	default:
		break;
	}
}

/* Queue a child's report to its supervisor; policy_step applies them in order. */
static void
child_outcome(struct node *child, enum outcome out, int normal, const char *why)
{
	struct notice	*nt;

	if (nnotices == capnotices) {
		capnotices = capnotices == 0 ? 16 : capnotices * 2;
		notices = xrealloc(notices, capnotices * sizeof *notices);
	}
	nt = &notices[nnotices++];
	nt->child = child;
	nt->out = out;
	nt->normal = normal;
	nt->why = why != NULL ? xstrdup(why) : NULL;
}

/* A child of its parent reports: started, start failed, stopped or exited. */
static void
child_outcome_apply(struct node *child, enum outcome out, int normal, const char *why)
{
	struct node	*sup = child->parent;
	struct sup	*s = sup->sup;

	if (out == OUT_STOPPED && s->waiting_count > 0 &&
	    s->cursteps < s->nsteps && s->steps[s->cursteps].kind == STEP_STOP_ALL) {
		if (--s->waiting_count == 0) {
			s->cursteps++;
			sup_advance(sup);
		}
		return;
	}
	if (s->waiting == child && s->op != OP_IDLE) {
		s->waiting = NULL;
		switch (out) {
		case OUT_STARTED:
		case OUT_STOPPED:
			s->cursteps++;
			sup_advance(sup);
			return;
		case OUT_START_FAILED:
			sup_start_failed(sup, child, why);
			return;
		case OUT_EXITED:
			break;	/* a supervisor gave up while we waited: handled below */
		}
	}
	if (out != OUT_EXITED)
		return;
	if (s->op != OP_IDLE) {
		sup_enqueue(sup, EVT_EXITED, child, normal, NULL);
		return;
	}
	sup_handle_exit(sup, child, normal);
}

/* Commands from supctl, for a child of a supervisor */
static void
policy_command(const struct policy_event *ev)
{
	struct node	*n = ev->node;
	struct node	*sup = n->parent;

	if (sup == NULL) {
		policy_act_done(ev->tag, n, CMD_ROOT, NULL);
		return;
	}
	sup_enqueue(sup, ev->type, n, 0, ev->tag);
	if (sup->sup->op == OP_IDLE)
		sup_idle(sup);
}

/* The turn of sup's oldest waiting retry has come. */
static void
policy_retry(struct node *sup)
{
	struct pending	*p;

	if (sup->sup == NULL)
		return;
	TAILQ_FOREACH(p, &sup->sup->pending, entry)
		if (p->type == EVT_RETRY && !p->due) {
			p->due = 1;
			break;
		}
	if (sup->sup->op == OP_IDLE)
		sup_idle(sup);
}

/*
 * A parked child's restart delay ran out: its restart is a new operation
 * of its supervisor, queued behind whatever the supervisor does now.
 */
static void
policy_backoff_due(struct node *n)
{
	struct node	*sup = n->parent;

	if (n->backoff_at == 0 || sup == NULL)
		return;		/* cancelled: a command got there first */
	n->backoff_at = 0;
	sup_enqueue(sup, EVT_BACKOFF, n, 0, NULL);
	if (sup->sup->op == OP_IDLE)
		sup_idle(sup);
}

void
policy_step(const struct policy_event *ev, struct action_list *out)
{
	struct node	*n = ev->node;

	policy_out = out;
	policy_now_ms = ev->now;
	policy_now = ev->now / 1000;

	switch (ev->type) {
	case EVT_BOOT:
		node_start(n);
		break;
	case EVT_STARTED:
		if (n->state != NODE_STARTING)
			break;
		n->state = NODE_RUNNING;
		n->run_since = policy_now_ms;
		child_outcome(n, OUT_STARTED, 0, NULL);
		break;
	case EVT_START_FAILED:
		if (n->state != NODE_STARTING)
			break;
		n->state = NODE_FAILED;
		n->ran_ms = 0;
		child_outcome(n, OUT_START_FAILED, 0, ev->reason);
		break;
	case EVT_EXITED:
		if (n->state == NODE_STOPPING) {
			/* it died on its own while we stopped it: that stop is done */
			n->state = NODE_STOPPED;
			child_outcome(n, OUT_STOPPED, 0, NULL);
			break;
		}
		if (n->state != NODE_RUNNING)
			break;
		n->state = NODE_EXITED;
		n->ran_ms = policy_now_ms - n->run_since;
		child_outcome(n, OUT_EXITED, ev->normal, NULL);
		break;
	case EVT_STOPPED:
		if (n->state != NODE_STOPPING && n->state != NODE_STARTING)
			break;
		n->state = NODE_STOPPED;
		child_outcome(n, OUT_STOPPED, 0, NULL);
		break;
	case EVT_SHUTDOWN:
		while (n->parent != NULL)
			n = n->parent;
		sup_begin_stop(n, STOP_SHUTDOWN, -1);
		break;
	case EVT_CMD_START:
	case EVT_CMD_STOP:
	case EVT_CMD_RESTART:
	case EVT_SPAWN:
	case EVT_CMD_REMOVE:
		policy_command(ev);
		break;
	case EVT_RETRY:
		policy_retry(n);
		break;
	case EVT_DEADLINE:
		sup_deadline(n);
		break;
	case EVT_BACKOFF:
		policy_backoff_due(n);
		break;
	}
	while (firstnotice < nnotices) {
		struct notice	nt = notices[firstnotice++];

		if (nt.child->parent != NULL)
			child_outcome_apply(nt.child, nt.out, nt.normal, nt.why);
		free(nt.why);
	}
	nnotices = firstnotice = 0;
	policy_out = NULL;
}
