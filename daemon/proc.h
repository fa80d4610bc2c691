/*
 * proc.h — a worker's OS side: fork/exec into its own process group, the
 * close-on-exec pipe that reports exec failures, readiness (notify.c),
 * output capture (logs.c), stop with escalation to SIGKILL, reaping as a
 * child subreaper.  Outcomes go back through the ops the loop installs.
 */
#ifndef PROC_H
#define PROC_H

#include <stdint.h>

struct ev_loop;
struct node;

/*
 * How the runtime reports outcomes.  The loop only queues each one for
 * the policy, so they may be called from inside proc_start and proc_stop.
 */
struct proc_ops {
	void	(*started)(struct node *);	/* exec'd, or READY=1 */
	void	(*start_failed)(struct node *, const char *reason);
	void	(*exited)(struct node *, int normal);	/* by itself, group empty */
	void	(*stopped)(struct node *);	/* a proc_stop is over */
	/* node's process group pid was made / is empty (may be NULL) */
	/* starttime: as /proc/PID/stat has it, 0 if not known */
	void	(*group_started)(struct node *, int pgid, uint64_t starttime);
	void	(*group_gone)(struct node *, int pgid);
};

/* Become a child subreaper; watch SIGCHLD on loop; report through ops. */
void		 proc_init(struct ev_loop *, const struct proc_ops *);
/*
 * Start node's process.  Sets node->pid and node->started_at; reports
 * started (at exec, or at READY=1 for ready = notify) or start_failed
 * with the reason, through the ops (possibly before it returns).
 */
void		 proc_start(struct node *);
/*
 * Stop node's process group: stop_signal, then SIGKILL after shutdown ms
 * (at once for brutal_kill, never for infinity).  Reports stopped once
 * the main process is reaped and its group is empty.  Also valid while the
 * node is starting: then stopped is the only answer.
 */
void		 proc_stop(struct node *);
/* SIGKILL node's process group now; reports stopped as proc_stop does. */
void		 proc_kill(struct node *);
/*
 * node failed a liveness check or passed memory_restart (why): sig (0:
 * its stop_signal) to its group, then the stop escalation; its exit is
 * reported abnormal, why in its exit event and last exit.
 */
void		 proc_fail(struct node *, int sig, const char *why);
/* 1 while node's process runs and no stop or exit is under way. */
int		 proc_checkable(const struct node *);
/* Read the sd_notify datagrams node's child has queued (a timer that ran late may find its answer there). */
void		 proc_notify_drain(struct node *);
/* Send sig to node's process group; -1 (errno set) if it has none. */
int		 proc_signal(struct node *, int sig);
/* The last STATUS= a ready = notify child sent, or NULL. */
const char	*proc_status_text(const struct node *);
/* How node last ended: "code 1", "signal SEGV", "start failed: ..." or NULL. */
const char	*proc_last_exit(const struct node *);
/*
 * The last abnormal exit or start failure of any child: its name, how many
 * it had, how it ended, its log file and last line; NULL if none yet.
 */
const char	*proc_last_failure(void);
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
/* node's cgroup v2 directory while it has processes ([supd] cgroup), or NULL. */
const char	*proc_cgroup(const struct node *);

/*
 * What a reexec carries of a worker's runtime: its running group (pid 0:
 * none), the notify socket of a ready = notify child, and its history.
 */
struct proc_carry {
	int		 pid;		/* main pid, also the process group */
	int		 uid;
	int		 notify_fd;	/* -1: none */
	const char	*notify_socket;	/* "@supd/..." */
	const char	*status;	/* the last STATUS=, or NULL */
	const char	*last_exit;	/* or NULL */
	int		 failures;
	/* what it was started with (a reload may have changed its spec); 0: the spec's */
	int		 stop_signal;
	int64_t		 shutdown_ms;
	/* liveness.c's: the watchdog in force, the health state */
	int64_t		 watchdog_ms;
	int		 health;	/* enum health */
	int		 health_failures;
	const char	*health_output;
	int64_t		 health_at;
	const char	*cgroup;	/* its cgroup directory, or NULL */
};
/*
 * 1 with *name set while a group is between two states (starting, being
 * stopped, its main process gone and the group not yet empty).
 */
int		 proc_busy(const char **name);
/* node's runtime as a reexec carries it; pid 0 and notify_fd -1 when idle. */
void		 proc_carry_get(const struct node *, struct proc_carry *);
/* Take over a running group (or only the history) the last image had. */
void		 proc_adopt(struct node *, const struct proc_carry *);
/* The last image's proc_last_failure(). */
void		 proc_set_last_failure(const char *);

#endif /* PROC_H */
