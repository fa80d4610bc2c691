/*
 * task.h — tasks' results (supctl run / await): a bounded table of what
 * each task left behind, the timer that stops a task past its timeout,
 * and the Await calls waiting for a result.
 */
#ifndef TASK_H
#define TASK_H

#include <stddef.h>
#include <stdint.h>

struct call;
struct node;

#define TASK_RESULTS_MAX	10000	/* finished results kept; the oldest go first */
#define TASK_RESULTS_AGE_MS	(7 * 24 * 3600 * 1000LL)	/* and none older */

/* A node leaves the tree: if a task, keep its result, wake whoever awaits it. */
void	task_exited(struct node *);
/* Run accepted a task (not started yet); timeout_ms > 0 stops it after that long. */
void	task_started(struct node *, int64_t timeout_ms);
/* The task started as pid (kept for its result once it is gone). */
void	task_running(const char *name, int pid);
/* The task could not start: its result says why (task_exited follows). */
void	task_failed(const char *name, const char *reason);
/* A name for a task run without one, free in the registry and the table. */
void	task_new_name(char *buf, size_t size);
/*
 * Await: answer c with the result of task name now, or when it ends, or
 * with Timeout after timeout_ms (<= 0: wait for ever).  CALL_DONE or CALL_WAIT.
 */
int	task_await(struct call *, const char *name, int64_t timeout_ms);
/* A result the last run kept (compact JSON, as task_result wrote it). */
void	task_restore(const char *name, const char *result);
/*
 * A task a reexec carried, still running: started_at (unix ms), and its
 * timeout's deadline (monotonic ms; 0: none).  Replaces the "interrupted"
 * result task_restore made of its row.
 */
void	task_adopt(struct node *, int64_t started_at, int64_t deadline,
	    int timed_out);
/* A running task's timeout deadline (monotonic ms), 0 if none; its timed_out. */
int64_t	task_deadline(const char *name, int *timed_out);
/* When a task started (unix ms), 0 if unknown. */
int64_t	task_started_at(const char *name);
/* Queue every result for the store (its rewrite). */
void	task_resave(void);
/* Results held, finished or not, for metrics. */
size_t	task_count(void);
/* Free every result and stop every timer (supd exits). */
void	task_free_all(void);

#endif /* TASK_H */
