/*
 * logs.h — children's captured output: one file per child under log_dir,
 * fed by a pipe per start, rotated by size.  proc.c asks for the pipe before
 * it spawns; the server reads the files for `supctl logs`.
 */
#ifndef LOGS_H
#define LOGS_H

struct node;

/*
 * Open (or reuse) node's log file and make a pipe into it for one start.
 * The write end, close-on-exec, is for the child's stdout and/or stderr;
 * the caller closes it after the spawn.  -1 and *cause on failure.
 */
int	 logs_pipe(struct node *, int *write_fd, char **cause);
/* Drain and close node's pipes and its file (the node leaves the tree). */
void	 logs_forget(struct node *);
/* The log file of a child named name, "log_dir/NAME.log" (malloc'd). */
char	*logs_path(const char *name);
/* Drain every pipe and close every file (supd exits). */
void	 logs_close_all(void);

#endif /* LOGS_H */
