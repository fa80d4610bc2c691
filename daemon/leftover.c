/*
 * leftover.c — stopping what a previous run of supd left behind.  These
 * processes are not supd's children: they cannot be reaped, and a group of
 * zombies still answers kill(-pgid, 0), so a group counts as gone once
 * /proc shows none of its members alive.  It runs once, before the loop.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leftover.h"
#include "spec.h"
#include "util.h"

#define LEFTOVER_POLL_MS	10
#define LEFTOVER_KILL_WAIT_MS	2000	/* after SIGKILL */
#define LEFTOVER_INFINITY_MS	60000	/* shutdown = infinity, at start-up */
#define LEFTOVER_MARKED_MS	5000	/* a group found by its mark only */
#define LEFTOVER_ENV_MAX	(1024 * 1024)	/* of a process's environ, read */

int
leftover_parse_stat(const char *text, size_t len, char *state, pid_t *pgid,
    uint64_t *starttime)
{
	char			 buf[1024], *p, *end;
	unsigned long long	 v = 0;
	long			 pg = 0;
	int			 field;

	if (len == 0 || len >= sizeof buf)
		return (-1);
	memcpy(buf, text, len);
	buf[len] = '\0';
	/* comm (field 2) may hold spaces and parentheses: after the last ')' */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return (-1);
	p += 2;
	for (field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return (-1);
		if (field == 3) {
			*state = *p;
			p++;
		} else if (field == 5 || field == 22) {
			errno = 0;
			if (field == 5)
				pg = strtol(p, &end, 10);
			else
				v = strtoull(p, &end, 10);
			if (end == p || errno != 0 || (*end != ' ' &&
			    *end != '\0' && *end != '\n'))
				return (-1);
			p = end;
		} else {
			while (*p != ' ' && *p != '\0')
				p++;
		}
	}
	if (pg < 0 || pg > INT32_MAX)
		return (-1);
	*pgid = (pid_t)pg;
	*starttime = v;
	return (0);
}

int
leftover_stat(const char *pid, char *state, pid_t *pgid, uint64_t *starttime)
{
	char	 path[64], buf[1024];
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	return (leftover_parse_stat(buf, (size_t)n, state, pgid, starttime));
}

int
leftover_starttime(pid_t pid, uint64_t *starttime)
{
	char	 text[16], state;
	pid_t	 pgid;

	snprintf(text, sizeof text, "%d", (int)pid);
	return (leftover_stat(text, &state, &pgid, starttime));
}

/*
 * The kernel stamps a process with CLOCK_BOOTTIME while it forks it, and
 * /proc/PID/stat shows that stamp in clock ticks (nsec_to_clock_t, in the
 * reader's time namespace as clock_gettime is): a fork between two
 * readings of one tick started in that tick.  A start takes some 100 us,
 * a tick is 10 ms: one start in a hundred straddles two and is read from
 * /proc.
 */
int
leftover_starttime_between(const struct timespec *before,
    const struct timespec *after, uint64_t *starttime)
{
	static long	 hz;
	uint64_t	 per, a, b;

	if (hz == 0 && (hz = sysconf(_SC_CLK_TCK)) <= 0)
		hz = -1;
	/* the kernel divides exactly only then; otherwise ask /proc */
	if (hz <= 0 || 1000000000L % hz != 0)
		return (-1);
	per = 1000000000ULL / (uint64_t)hz;
	a = ((uint64_t)before->tv_sec * 1000000000ULL +
	    (uint64_t)before->tv_nsec) / per;
	b = ((uint64_t)after->tv_sec * 1000000000ULL +
	    (uint64_t)after->tv_nsec) / per;
	if (a != b)
		return (-1);
	*starttime = a;
	return (0);
}

/*
 * Find "KEY=VALUE" in an environ image (entries separated by NUL), the
 * value of "NAME=" into name too; 1 if the entry is there.
 */
int
leftover_parse_environ(const char *env, size_t len, const char *mark,
    char *name, size_t namesz)
{
	const char	*p = env, *end = env + len, *nul;
	size_t		 mlen = strlen(mark), n;
	int		 found = 0;

	if (namesz > 0)
		name[0] = '\0';
	while (p < end) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			nul = end;
		n = (size_t)(nul - p);
		if (n == mlen && memcmp(p, mark, mlen) == 0)
			found = 1;
		else if (n > 10 && memcmp(p, "SUPD_NAME=", 10) == 0 && namesz > 0)
			snprintf(name, namesz, "%.*s", (int)(n - 10), p + 10);
		p = nul + 1;
	}
	return (found);
}

/* A process's environ image (bounded), or NULL. */
static char *
leftover_environ(const char *pid, size_t *len)
{
	char	 path[64], *buf;
	size_t	 cap = 65536, n = 0;
	ssize_t	 r;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%s/environ", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	buf = xmalloc(cap);
	while (n < LEFTOVER_ENV_MAX) {
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
		if ((r = read(fd, buf + n, cap - n)) <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return (buf);
}

size_t
leftover_find_marked(const char *mark, struct leftover **out)
{
	struct dirent	*de;
	struct leftover	*v = NULL;
	DIR		*d;
	char		*env, state, name[65];
	pid_t		 pg, self = getpid();
	uint64_t	 st;
	size_t		 n = 0, cap = 0, len, i;

	*out = NULL;
	if ((d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    atoi(de->d_name) == self ||
		    leftover_stat(de->d_name, &state, &pg, &st) == -1 ||
		    state == 'Z' || state == 'X' || pg <= 1 || pg == getpgrp())
			continue;
		if ((env = leftover_environ(de->d_name, &len)) == NULL)
			continue;
		if (leftover_parse_environ(env, len, mark, name, sizeof name)) {
			for (i = 0; i < n && v[i].pgid != pg; i++)
				;
			if (i == n) {
				if (n == cap) {
					cap = cap == 0 ? 16 : cap * 2;
					v = xrealloc(v, cap * sizeof *v);
				}
				memset(&v[n], 0, sizeof v[n]);
				snprintf(v[n].name, sizeof v[n].name, "%s", name);
				v[n].pid = v[n].pgid = pg;
				v[n].marked = 1;
				v[n].stop_signal = SIGTERM;
				v[n].shutdown_ms = LEFTOVER_MARKED_MS;
				n++;
			}
		}
		free(env);
	}
	closedir(d);
	*out = v;
	return (n);
}

/* 1 if any process of group pgid is alive (not a zombie). */
static int
leftover_group_alive(pid_t pgid)
{
	struct dirent	*de;
	DIR		*d;
	char		 state;
	pid_t		 pg;
	uint64_t	 st;
	int		 alive = 0;

	if (kill(-pgid, 0) == -1 && errno == ESRCH)
		return (0);
	if ((d = opendir("/proc")) == NULL)
		return (1);
	while (!alive && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (leftover_stat(de->d_name, &state, &pg, &st) == 0 &&
		    pg == pgid && state != 'Z' && state != 'X')
			alive = 1;
	}
	closedir(d);
	return (alive);
}

/*
 * Still the group that was recorded: its leader is alive with the same
 * start time, or the leader is gone and the group is not empty (Linux
 * gives no process a pid still in use as a group id).
 */
static int
leftover_ours(const struct leftover *l)
{
	char		 text[16], state;
	pid_t		 pg;
	uint64_t	 st;

	/* a row that cannot be one of our children's groups is not acted on */
	if (l->pgid <= 1 || l->pid != l->pgid || l->pgid == getpgrp() ||
	    l->pgid == getpid())
		return (0);
	/* found by its mark: the environment is the process's own, not a pid's */
	if (l->marked)
		return (leftover_group_alive(l->pgid));
	snprintf(text, sizeof text, "%d", (int)l->pid);
	if (leftover_stat(text, &state, &pg, &st) == 0) {
		if (st != l->starttime) {
			log_info("leftover %s: pid %d is another process now: "
			    "left alone", l->name, (int)l->pid);
			return (0);
		}
		return (pg == l->pgid || leftover_group_alive(l->pgid));
	}
	return (leftover_group_alive(l->pgid));
}

size_t
leftover_stop(const struct leftover *v, size_t n)
{
	int64_t	*deadline, start = now_mono_ms(), now;
	int	*state;		/* 0: not ours or gone, 1: stopping, 2: killed */
	size_t	 i, left = 0, stopped = 0;

	deadline = xcalloc(n == 0 ? 1 : n, sizeof *deadline);
	state = xcalloc(n == 0 ? 1 : n, sizeof *state);
	for (i = 0; i < n; i++) {
		if (!leftover_ours(&v[i]))
			continue;
		stopped++;
		left++;
		state[i] = 1;
		if (v[i].shutdown_ms == SHUTDOWN_BRUTAL_KILL) {
			kill(-v[i].pgid, SIGKILL);
			state[i] = 2;
			deadline[i] = start + LEFTOVER_KILL_WAIT_MS;
			continue;
		}
		kill(-v[i].pgid, v[i].stop_signal > 0 ? v[i].stop_signal :
		    SIGTERM);
		kill(-v[i].pgid, SIGCONT);
		deadline[i] = start + (v[i].shutdown_ms == SHUTDOWN_INFINITY ||
		    v[i].shutdown_ms < 0 || v[i].shutdown_ms > LEFTOVER_INFINITY_MS ?
		    LEFTOVER_INFINITY_MS : v[i].shutdown_ms);
	}
	while (left > 0) {
		struct timespec	 ts = { 0, LEFTOVER_POLL_MS * 1000000L };

		nanosleep(&ts, NULL);
		now = now_mono_ms();
		for (i = 0; i < n; i++) {
			if (state[i] == 0)
				continue;
			if (!leftover_group_alive(v[i].pgid)) {
				log_info("leftover %s pgid %d of the last run: "
				    "stopped%s after %" PRId64 " ms", v[i].name,
				    (int)v[i].pgid, state[i] == 2 ? " (SIGKILL)" :
				    "", now - start);
				state[i] = 0;
				left--;
			} else if (now >= deadline[i] && state[i] == 1) {
				kill(-v[i].pgid, SIGKILL);
				state[i] = 2;
				deadline[i] = now + LEFTOVER_KILL_WAIT_MS;
			} else if (now >= deadline[i]) {
				log_warn("leftover %s pgid %d survives SIGKILL; "
				    "starting all the same", v[i].name,
				    (int)v[i].pgid);
				state[i] = 0;
				left--;
			}
		}
	}
	free(deadline);
	free(state);
	return (stopped);
}
