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

/*
 * A command for the policy (start, stop, restart, spawn, shutdown) and
 * whom to tell when it is over: done runs once, from the loop, with the
 * command's typed outcome (detail: a start failure's reason, or NULL).
 */
struct command {
	void	(*done)(struct command *, struct node *, enum cmd_outcome,
		    const char *detail);
};

/* What the loop tells its owner (main.c installs it). */
struct loop_ops {
	/* node has left the tree and is about to be freed */
	void	(*removed)(struct node *);
};

/* Queue an event for the policy; handled before the loop sleeps again. */
void	loop_event(enum policy_evt, struct node *, int normal, const char *reason);
/* Queue a command (cmd may be NULL: nobody waits for it). */
void	loop_command(enum policy_evt, struct node *, struct command *);

/* Something was queued outside the drain: run it before the loop sleeps. */
void	loop_kick(void);

/* Set up the loop, its signal watchers and the event queue. */
void	loop_init(struct config *, struct node *root, const struct loop_ops *);
/* Boot the tree and run until the policy says supd is done; the exit status. */
int	loop_run(void);
/*
 * Run a tree a reexec carried over: no boot, the tree is up already; the
 * restart delays it carried (node->backoff_at) get their timers again.
 */
int	loop_resume(void);
/*
 * 1 if the tree is quiet: no event queued, no supervisor in the middle of
 * an operation, no child starting or stopping.  Else 0 and *why, such as
 * "web is starting" (static storage).
 */
int	loop_quiet(const char **why);
void	loop_free(void);

#endif /* LOOP_H */
