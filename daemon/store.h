/*
 * store.h — the state database (SQLite, WAL, supd its only writer): the
 * durable dynamic children, the process groups of running children, the
 * event history and the results of tasks, so that the next supd, after any
 * exit of this one, starts the same children again, stops what is left of
 * this run and carries the history on.
 *
 * Writes made during one loop iteration form a batch; store_commit hands
 * it to the writer thread, which commits it as one transaction while the
 * loop goes on (group commit: a batch also takes whatever came while the
 * one before it was being committed), or, for a reply waiting on a WAL
 * write only, commits it in the loop.  A reply that says "done" waits for
 * its batch (server.c holds it: store_ticket_state); a restart never waits
 * for the disk.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct leftover;
struct node;

/*
 * Open path (created with its directory when missing).  A file that is not
 * a database or fails its check is moved aside with a timestamp and a new
 * one started; a file that cannot be opened leaves the store in trouble
 * (retried every second).  -1 with *cause set only when supd must not
 * start (a schema newer than this supd knows).
 */
int	 store_open(const char *path, int sync_full, int64_t history_max,
	    char **cause);
/*
 * The database is read; start the writer thread.  fill puts every row of
 * the current state (store_child_put, store_group_put, store_task_put): it
 * rewrites the file after trouble.  saved(seq): events up to seq are on
 * disk (or, in trouble, will not be: publish them anyway).
 */
void	 store_start(void (*fill)(void), void (*saved)(uint64_t seq));
/* Commit what is queued and stop the writer. */
void	 store_close(void);

/* --- what the last run left (before store_start) --- */

/* Each durable dynamic child of the last run, in spawn order. */
void	 store_each_child(void (*fn)(const char *sup, const char *name,
	    char **args, char **env, char **groups, void *arg), void *arg);
/* The process groups the last run left running: *out (free it), how many. */
size_t	 store_take_groups(struct leftover **out);
/* The last history_max events, oldest first, and the task results. */
void	 store_each_event(void (*fn)(uint64_t seq, const char *json,
	    const char *name, void *arg), void *arg);
void	 store_each_task(void (*fn)(const char *name, const char *result,
	    void *arg), void *arg);

/* --- writes, queued for the next commit --- */

/* A durable dynamic child was added / removed. */
void	 store_child_put(const struct node *);
void	 store_child_del(const char *name);
/* A child's process group started / is empty. */
void	 store_group_put(const struct node *, pid_t pgid, uint64_t starttime);
void	 store_group_del(pid_t pgid);
/* An event as events.c keeps it (name may be NULL). */
void	 store_event_put(uint64_t seq, const char *json, size_t len,
	    const char *name);
/* A task's result (compact JSON) / its result was pushed out. */
void	 store_task_put(const char *name, const char *result, int64_t ended_at);
void	 store_task_del(const char *name);

/*
 * Hand this iteration's writes to the writer (the loop calls it before it
 * sleeps): at once if a reply waits for them, else within a few ms, with
 * whatever comes meanwhile.  In trouble they are dropped: the rewrite
 * after recovery puts the whole state back.
 */
void	 store_commit(void);
/*
 * Settle the writer's batch now if it is done (the replies held for it
 * are released), without waiting for its wake-up of the loop.
 */
void	 store_settle(void);
/*
 * A ticket for what was queued so far in this iteration (the batch being
 * filled).  store_want: a reply waits for it, hand it over before the loop
 * sleeps.  store_ticket_state: 0 committed (or nothing to wait for), 1 on
 * its way, -1 failed (*why).  fn runs after each batch is settled; more()
 * says calls are queued that may add to the batch (wait a little for them).
 */
uint64_t store_ticket(void);
void	 store_want(uint64_t);
int	 store_ticket_state(uint64_t, const char **why);
void	 store_set_notify(void (*fn)(void), int (*more)(void));
/* 1 when nothing is queued or being written (a reexec waits for it). */
int	 store_idle(void);
/* NULL while writes succeed; else why the state is not being written. */
const char *store_trouble(void);
/* Commits done and batches that failed, for Metrics. */
uint64_t store_commits(void);
uint64_t store_failures(void);

#endif /* STORE_H */
