/*
 * loop.h — the daemon's one libev loop and the glue between the runtime and
 * the policy: OS outcomes come in as policy events (queued, never handled
 * recursively), and the actions the policy returns are performed here.
 */
#ifndef LOOP_H
#define LOOP_H

#include <ev.h>

#include "policy.h"
#include "spec.h"

extern struct ev_loop	*loop_ev;	/* the loop */
extern struct config	*loop_conf;	/* the running configuration */
extern struct node	*loop_root;	/* the running tree */
extern int		 loop_shutting_down;	/* a shutdown (signal or Shutdown) began */

/* Queue an event for the policy; handled before the loop sleeps again. */
void	loop_event(enum policy_evt, struct node *, int normal, const char *reason);
/* Queue a command event with a tag (answered by loop_command_done). */
void	loop_command(enum policy_evt, struct node *, void *tag);

/* Set up the loop, its signal watchers and the event queue. */
void	loop_init(struct config *, struct node *root);
/* Boot the tree and run until the policy says supd is done; the exit status. */
int	loop_run(void);
void	loop_free(void);

#endif /* LOOP_H */
