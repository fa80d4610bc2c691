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
/*
 * Open (or reuse) node's log file and make a pipe into it for one start.
 * The write end, close-on-exec, is for the child's stdout and/or stderr;
 * the caller closes it after the spawn.  -1 and *cause on failure.
 */
int	 logs_pipe(struct node *, int *write_fd, char **cause);
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
/* The read ends of node's pipes (at most max into fds), for a reexec; how many. */
int	 logs_pipe_fds(const struct node *, int *fds, int max);
/* Capture a pipe a reexec carried into node's log file; -1 and *cause if not. */
int	 logs_adopt(struct node *, int fd, char **cause);
/* Drain every pipe and close every file (supd exits). */
void	 logs_close_all(void);

#endif /* LOGS_H */
