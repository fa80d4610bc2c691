/*
 * proc.h — a worker's OS side: fork/exec into its own process group, the
 * close-on-exec pipe that reports exec failures, readiness (notify.c),
 * output capture (logs.c), stop with escalation to SIGKILL, reaping as a
 * child subreaper.  Outcomes go back to the policy through loop_event().
 */
#ifndef PROC_H
#define PROC_H

struct node;

/* Become a child subreaper; watch SIGCHLD on loop_ev. */
void		 proc_init(void);
/*
 * Start node's process.  Sets node->pid and node->started_at; reports
 * EVT_STARTED (at exec, or at READY=1 for ready = notify) or
 * EVT_START_FAILED with the reason, always through loop_event().
 */
void		 proc_start(struct node *);
/*
 * Stop node's process group: stop_signal, then SIGKILL after shutdown ms
 * (at once for brutal_kill, never for infinity).  Reports EVT_STOPPED once
 * the main process is reaped and its group is empty.  Also valid while the
 * node is starting: then EVT_STOPPED is the only answer.
 */
void		 proc_stop(struct node *);
/* Send sig to node's process group; -1 (errno set) if it has none. */
int		 proc_signal(struct node *, int sig);
/* The last STATUS= a ready = notify child sent, or NULL. */
const char	*proc_status_text(const struct node *);
/* Free the runtime data of a node leaving the tree (its processes are gone). */
void		 proc_forget(struct node *);
/* SIGKILL every process group still running (last resort at exit). */
void		 proc_kill_all(void);
/*
 * Free every node's runtime data and drain and close the log pipes and
 * files (at exit, after proc_kill_all, before the tree is freed).
 */
void		 proc_free_all(void);
/* Number of worker processes running now. */
int		 proc_running(void);

#endif /* PROC_H */
