/*
 * spawn.h — one process start, vfork fast: the child gets its own process
 * group (and cgroup, when given), default signal dispositions and an empty mask, the given stdio,
 * its user, group, umask and cwd, and no other descriptor.  The caller
 * hands its pidfd to reap.c (SIGCHLD reaps a child without one).
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <sys/types.h>

#include <stdint.h>

struct node;

/* Where a command without a slash is looked up when PATH is not set. */
#define SPAWN_DEFAULT_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct spawn {
	const struct node	*node;		/* spec, extra argv and env, names */
	int			 fd[3];		/* the child's 0, 1 and 2 */
	const char		*notify_socket;	/* $NOTIFY_SOCKET, or NULL */
	/* not 0: $WATCHDOG_USEC, and $WATCHDOG_PID set to the child's own pid */
	unsigned long long	 watchdog_usec;
	char *const		*argv;		/* NULL: the node's command */
	int			 cgroup_procs;	/* cgroup.procs to join; 0: none */
	/* sockets and stored fds handed on (listen.c): fds 3.., $LISTEN_* */
	const int		*pass_fds;
	size_t			 npass;
	const char		*pass_names;	/* $LISTEN_FDNAMES */
	pid_t			 pid;		/* out: also its process group */
	/* out: its pidfd (O_CLOEXEC), -1 if none: for reap_watch */
	int			 pidfd;
	uid_t			 uid;		/* out: the uid it runs as */
	/* out: its start time as /proc/PID/stat says it (ticks); 0: not known */
	uint64_t		 starttime;
};

/*
 * Every child's environment gets this KEY=VALUE (SUPD_STATE=path), set
 * last: how the next supd knows a child of this one it has no row for.
 */
void	spawn_set_mark(const char *kv);
/*
 * Look up what does not change (done by the first spawn_start if need be),
 * once supd has set its signal dispositions: a child resets to SIG_DFL
 * only those found changed (ignored or caught) then.
 */
void	spawn_init(void);
/* Signal dispositions changed since spawn_init: look at them again. */
void	spawn_signals_changed(void);
/*
 * Start sp->node's command; returns once it exec'd (0, sp->pid set) or
 * failed (-1 and *cause, such as "exec /x: No such file or directory";
 * the failed child is already reaped).
 */
int	spawn_start(struct spawn *, char **cause);

#endif /* SPAWN_H */
