/*
 * policy-int.h — what policy.c shares with policy-action.c and
 * policy-window.c; nothing outside the policy includes it.
 */
#ifndef POLICY_INT_H
#define POLICY_INT_H

#include "policy.h"

extern struct action_list	*policy_out;	/* the list policy_step fills */

struct action	*policy_act_push(enum action_type, struct node *);
/* detail is stolen */
void		 policy_act_report(enum report_type, struct node *, char *detail);
/* nothing when tag is NULL; detail is copied */
void		 policy_act_done(void *tag, struct node *, enum cmd_outcome,
		    const char *detail);
/* detail is stolen */
void		 policy_act_exit(int status, char *detail);

void		 policy_window_reset(struct window *);
/* OTP's add_restart: add now, then 1 if the window holds more than max_restarts. */
int		 policy_window_add(struct window *, const struct spec *, int64_t now);

/*
 * Restart backoff (policy-backoff.c).  policy_backoff_begin parks child
 * for its delay and returns 1, or returns 0 when it restarts at once.
 */
int		 policy_backoff_begin(struct node *child, int64_t now);
/* Forget child's pending delay (it starts, stops or leaves): its timer goes. */
void		 policy_backoff_cancel(struct node *child);

#endif /* POLICY_INT_H */
