/*
 * logs.h — children's captured output: one file per child under log_dir,
 * fed by a pipe per start, rotated by size.  proc.c asks for the pipe before
 * it spawns; the server reads the files for `supctl logs`.
 */
#ifndef LOGS_H
#define LOGS_H

struct node;

/* The last lines of a child's output that logs.c keeps in memory. */
#define LOGS_LAST_LINES		5
#define LOGS_LINE_MAX		256	/* bytes of one such line, at most */

/*
 * Check log_dir at start: create it 0750 if it is missing; -1 and *cause
 * if it cannot be made, is not a directory, or others may write it.
 */
int	 logs_init(char **cause);
/* What a pipe carries (and where it goes), as a reexec hands it over. */
#define LOGS_OUT	0	/* stdout (or both, without timestamps): NAME.log */
#define LOGS_ERR	1	/* stderr, its lines marked "err": NAME.log */
#define LOGS_ERR_FILE	2	/* stderr = log:separate: NAME.err */

/*
 * Open (or reuse) node's log files and make the pipes of one start: fd[0]
 * for stdout if out, fd[1] for stderr if err is OUTPUT_LOG or
 * OUTPUT_LOG_SEPARATE (else -1; fd[1] == fd[0] when one pipe takes both).
 * The write ends are close-on-exec; the caller closes them after the
 * spawn.  -1 and *cause on failure.
 */
int	 logs_pipes(struct node *, int out, int err, int fd[2], char **cause);
/* Read what node's pipes hold now, so its last lines are up to date. */
void	 logs_drain(struct node *);
/*
 * The last lines node wrote (at most max, oldest first, control bytes
 * shown as '?'), valid until its pipes are read again; how many.
 */
int	 logs_last_lines(const struct node *, const char **lines, int max);
/* Drain and close node's pipes and its file (the node leaves the tree). */
void	 logs_forget(struct node *);
/* 1 if supd captured output under this name since it started. */
int	 logs_known(const char *name);
/* The log file of a child named name, "log_dir/NAME.log" (malloc'd). */
char	*logs_path(const char *name);
/* Its stderr's with stderr = log:separate, "log_dir/NAME.err" (malloc'd). */
char	*logs_err_path(const char *name);
/* A finished task's result was pushed out: remove its log files. */
void	 logs_remove(const char *name);
/* The read ends of node's pipes and their LOGS_* kinds, for a reexec; how many. */
int	 logs_pipe_fds(const struct node *, int *fds, int *kinds, int max);
/* Capture a pipe a reexec carried into node's log file; -1 and *cause if not. */
int	 logs_adopt(struct node *, int fd, int kind, char **cause);
/* Drain every pipe and close every file (supd exits). */
void	 logs_close_all(void);

#endif /* LOGS_H */
