/*
 * policy.h — OTP's supervisor as a pure state machine.  Nothing behind this
 * header forks, sleeps, reads a clock or writes a file: an event comes in
 * (with the time), node states change, and actions come out for the runtime
 * to perform.  The runtime answers each ACT_START with EVT_STARTED or
 * EVT_START_FAILED and each ACT_STOP with EVT_STOPPED, as further events.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdint.h>

#include "tree.h"

enum policy_evt {
	EVT_BOOT,		/* start the tree; node = the root */
	EVT_STARTED,		/* a worker exec'd (ready = exec) or sent READY=1 */
	EVT_START_FAILED,	/* a worker could not start; reason says why */
	EVT_EXITED,		/* a worker's process exited by itself; normal set */
	EVT_STOPPED,		/* an ACT_STOP finished (however the process died) */
	EVT_SHUTDOWN,		/* stop the whole tree, then ACT_EXIT 0 */
	EVT_CMD_START,		/* `supctl start NAME`: a stopped, exited or failed child */
	EVT_CMD_STOP,		/* `supctl stop NAME`: static kept stopped, dynamic removed */
	EVT_CMD_RESTART,	/* `supctl restart NAME`: stop, then start; not counted */
	EVT_SPAWN,		/* a dynamic child just added by tree_add_dynamic: start it */
	EVT_CMD_REMOVE,		/* reload: stop a static child (or subtree) and remove it */
	EVT_RETRY,		/* an ACT_RETRY's turn came: node = the supervisor */
	EVT_DEADLINE,		/* an ACT_DEADLINE ran out: node = the supervisor */
	EVT_BACKOFF,		/* an ACT_BACKOFF ran out: node = the worker */
};

struct policy_event {
	enum policy_evt	 type;
	struct node	*node;		/* the worker, or the target of a command */
	int		 normal;	/* EVT_EXITED: the exit was normal */
	const char	*reason;	/* EVT_START_FAILED: why, copied if kept */
	int64_t		 now;		/* monotonic milliseconds */
	void		*tag;		/* commands: returned in their ACT_DONE */
};

enum action_type {
	ACT_START,	/* start worker node; answer EVT_STARTED / EVT_START_FAILED */
	ACT_STOP,	/* stop worker node (stop_signal, shutdown, SIGKILL); answer EVT_STOPPED */
	ACT_REPORT,	/* tell the log and the event stream: report, node, detail */
	ACT_REMOVE,	/* node has left the tree (unlinked, unregistered): free it after this list */
	ACT_DONE,	/* a command finished: tag, node, outcome, detail */
	ACT_EXIT,	/* supd is done: status (0 shutdown, 1 boot failed, 3 root gave up), detail */
	ACT_KILL,	/* SIGKILL worker node's group now; answer EVT_STOPPED (as ACT_STOP) */
	ACT_RETRY,	/* send EVT_RETRY to supervisor node once what waits is handled */
	ACT_DEADLINE,	/* send EVT_DEADLINE to supervisor node after ms, unless restarted */
	ACT_BACKOFF,	/* send EVT_BACKOFF to worker node after ms (its one timer) */
	ACT_BACKOFF_CANCEL,	/* forget worker node's ACT_BACKOFF timer: never send it */
};

enum report_type {
	RPT_RESTART,	/* node is being restarted by its supervisor */
	RPT_INTENSITY,	/* node (a supervisor) reached its restart intensity: gives up */
	RPT_REMOVE,	/* node removed from the tree (temporary exited, dynamic stopped) */
	RPT_SUP_STARTED,	/* node (a supervisor) has started all its children */
	RPT_SUP_STOPPED,	/* node (a supervisor) has stopped all its children */
	RPT_SUP_FAILED,		/* node (a supervisor) failed to start: detail says why */
	RPT_AUTO_SHUTDOWN,	/* node (a supervisor) stops itself: detail says why */
	RPT_SUP_KILL,		/* node (a supervisor) outlived its shutdown: its subtree is killed */
	RPT_BACKOFF,		/* node's restart waits node->backoff_ms (ACT_BACKOFF) */
};

/* How a command ended (ACT_DONE); detail adds the reason of a start failure. */
enum cmd_outcome {
	CMD_OK,
	CMD_ALREADY_STARTED,	/* start or spawn of a child that runs */
	CMD_START_FAILED,	/* detail: why */
	CMD_REMOVED,		/* the child left the tree while the command waited */
	CMD_SUP_STOPPING,	/* its supervisor began to stop meanwhile */
	CMD_SUP_STOPPED,	/* its supervisor stopped with the command queued */
	CMD_SUP_NOT_RUNNING,	/* its supervisor was not running */
	CMD_ROOT,		/* the root is started and stopped with supd itself */
};

struct action {
	enum action_type type;
	struct node	*node;
	enum report_type report;	/* ACT_REPORT */
	void		*tag;		/* ACT_DONE */
	enum cmd_outcome outcome;	/* ACT_DONE */
	int		 status;	/* ACT_EXIT */
	int64_t		 ms;		/* ACT_DEADLINE, ACT_BACKOFF */
	char		*detail;	/* malloc'd or NULL; freed by action_list_clear */
};

struct action_list {
	struct action	*v;
	int		 len, cap;
};

/* Apply one event; append the actions to take to out, in order. */
void	policy_step(const struct policy_event *, struct action_list *out);

/*
 * Reload: node takes spec (same name and kind) in place.  A supervisor's
 * windows keep their newest restarts when max_restarts changes; a dynamic
 * supervisor whose partitions change puts its children in their new
 * partitions, with fresh partition windows (the pool's is kept).
 */
void	policy_respec(struct node *, const struct spec *);
/* True if `supctl stop` removes node from the tree (dynamic or temporary). */
int	policy_stop_removes(const struct node *);
/* True while a supervisor is in the middle of an operation. */
int	policy_busy(const struct node *sup);
/* Restarts in sup's window (partition p) as of now (monotonic ms). */
int	policy_window_use(const struct node *sup, int partition, int64_t now);

/* Restart backoff as spec says it, defaults filled in (0 delay: none). */
int64_t	policy_backoff_max(const struct spec *);
int64_t	policy_backoff_reset(const struct spec *);
/* Milliseconds left of n's pending restart delay as of now; 0: none. */
int64_t	policy_backoff_left(const struct node *, int64_t now);

/* The outcome in words ("already started"), for logs and tests. */
const char *policy_outcome_text(enum cmd_outcome);

void	action_list_clear(struct action_list *);
void	action_list_free(struct action_list *);

#endif /* POLICY_H */
