/*
 * policy-backoff.c — restart backoff (restart_delay, restart_delay_max,
 * restart_delay_reset): how long a child's decided restart waits, doubling
 * between consecutive restarts up to the cap, back to restart_delay once
 * the child ran restart_delay_reset.  The policy parks the child and asks
 * the runtime for one timer (ACT_BACKOFF); policy.c runs the restart when
 * EVT_BACKOFF comes back, or forgets it when a command got there first.
 */
#include <stdlib.h>

#include "policy.h"
#include "policy-int.h"
#include "util.h"

int64_t
policy_backoff_max(const struct spec *s)
{
	int64_t	max = spec_x(s)->restart_delay_max_ms > 0 ? spec_x(s)->restart_delay_max_ms :
	    DEFAULT_RESTART_DELAY_MAX;

	/* a cap below the first delay caps nothing: the delay stays the same */
	return (max > spec_x(s)->restart_delay_ms ? max : spec_x(s)->restart_delay_ms);
}

int64_t
policy_backoff_reset(const struct spec *s)
{
	return (spec_x(s)->restart_delay_reset_ms > 0 ? spec_x(s)->restart_delay_reset_ms :
	    DEFAULT_RESTART_DELAY_RESET);
}

int64_t
policy_backoff_left(const struct node *n, int64_t now)
{
	if (n->backoff_at == 0)
		return (0);
	return (n->backoff_at > now ? n->backoff_at - now : 1);
}

/* The delay of child's next restart: systemd's RestartSteps, doubling. */
static int64_t
policy_backoff_delay(struct node *child)
{
	const struct spec	*s = child->spec;
	int64_t			 max = policy_backoff_max(s);

	/* a child that ran long enough was well: begin again */
	if (child->backoff_ms == 0 || child->ran_ms >= policy_backoff_reset(s))
		return (spec_x(s)->restart_delay_ms);
	return (child->backoff_ms > max / 2 ? max : child->backoff_ms * 2);
}

int
policy_backoff_begin(struct node *child, int64_t now)
{
	struct action	*a;
	int64_t		 delay;

	if (child->kind != KIND_WORKER || spec_x(child->spec)->restart_delay_ms <= 0)
		return (0);
	delay = policy_backoff_delay(child);
	child->backoff_ms = delay;
	child->backoff_at = now + delay;
	/* a start failure ran for nothing: the next delay doubles */
	child->ran_ms = 0;
	policy_act_report(RPT_BACKOFF, child, xasprintf("%s restarts in %lld ms",
	    child->name, (long long)delay));
	a = policy_act_push(ACT_BACKOFF, child);
	a->ms = delay;
	return (1);
}

void
policy_backoff_cancel(struct node *child)
{
	if (child->backoff_at == 0)
		return;
	child->backoff_at = 0;
	policy_act_push(ACT_BACKOFF_CANCEL, child);
}
