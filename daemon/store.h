/*
 * store.h — the state database (SQLite, WAL, supd its only writer): the
 * durable dynamic children and the process groups of running children,
 * so that the next supd, after any exit of this one, starts the same
 * children again and stops what is left of this run.  Writes made during
 * one loop iteration are one transaction, committed by store_commit before
 * the loop sleeps and before any reply goes out (commit, then reply).
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>
#include <sys/types.h>

struct node;

/* A child's process group as the database keeps it. */
struct store_group {
	char		 name[65];
	pid_t		 pid;
	pid_t		 pgid;
	uint64_t	 starttime;	/* /proc/PID/stat field 22 */
	int		 stop_signal;
	int64_t		 shutdown_ms;	/* spec.h's, SHUTDOWN_BRUTAL_KILL / _INFINITY too */
};

/*
 * Open path (created with its directory when missing).  A file that is not
 * a database or fails its check is moved aside with a timestamp and a new
 * one started.  -1 with *cause set only when supd must not start (a schema
 * newer than this supd knows).
 */
int	 store_open(const char *path, int sync_full, char **cause);
void	 store_close(void);

/* Each durable dynamic child of the last run, in spawn order. */
void	 store_each_child(void (*fn)(const char *sup, const char *name,
	    char **args, char **env, char **groups, void *arg), void *arg);
/*
 * The process groups the last run left running, to stop before anything
 * starts: *out (free it), how many.  store_group_del each once stopped.
 */
size_t	 store_take_groups(struct store_group **out);

/* A durable dynamic child was added / removed. */
void	 store_child_put(const struct node *);
void	 store_child_del(const char *name);
/* A child's process group started / is empty. */
void	 store_group_put(const struct node *, pid_t pid, uint64_t starttime);
void	 store_group_del(pid_t pgid);

/* Commit what this loop iteration wrote; 0, or -1 (logged, rate limited). */
int	 store_commit(void);
/* NULL while writes succeed; else why the state is not being written. */
const char *store_trouble(void);

#endif /* STORE_H */
