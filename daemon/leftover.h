/*
 * leftover.h — the process groups a previous supd left running (it was
 * killed, or crashed): recognised by their leader's start time, so a pid
 * reused by another process is never touched, and stopped with the
 * shutdown specs they were started with before the new tree starts.
 */
#ifndef LEFTOVER_H
#define LEFTOVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct leftover {
	char		 name[65];
	pid_t		 pid;		/* the group's leader, when it was started */
	pid_t		 pgid;
	uint64_t	 starttime;	/* /proc/PID/stat field 22, clock ticks */
	int		 stop_signal;
	int64_t		 shutdown_ms;	/* or SHUTDOWN_BRUTAL_KILL / SHUTDOWN_INFINITY */
	int		 marked;	/* found by its environment, not a row */
};

/*
 * Parse the text of /proc/PID/stat: its state (field 3), process group
 * (field 5) and start time (field 22).  0, or -1 if it is not such a line.
 */
int	 leftover_parse_stat(const char *text, size_t len, char *state,
	    pid_t *pgid, uint64_t *starttime);
/* The same, read for pid ("1234" in text); -1 if it is gone or unreadable. */
int	 leftover_stat(const char *pid, char *state, pid_t *pgid,
	    uint64_t *starttime);
/*
 * The groups of live processes whose environment holds the entry mark
 * (SUPD_STATE=path: started by a supd on this state file), for the window
 * between a child's start and its row's commit.  *out (free it), how many.
 */
size_t	 leftover_find_marked(const char *mark, struct leftover **out);
/* Whether an environ image holds mark; the SUPD_NAME value into name. */
int	 leftover_parse_environ(const char *env, size_t len, const char *mark,
	    char *name, size_t namesz);
/* pid's start time; -1 if it is gone. */
int	 leftover_starttime(pid_t pid, uint64_t *starttime);
/*
 * The start time of a process forked between two CLOCK_BOOTTIME readings,
 * without reading /proc: 0 when both fall in the same clock tick (then
 * that tick is it), -1 when they do not.
 */
int	 leftover_starttime_between(const struct timespec *before,
	    const struct timespec *after, uint64_t *starttime);
/*
 * Stop every group of v that is still the one recorded: its stop signal
 * to all at once, SIGKILL past each one's shutdown time, and wait until
 * only zombies are left (bounded).  How many groups it stopped.
 */
size_t	 leftover_stop(const struct leftover *v, size_t n);

#endif /* LEFTOVER_H */
