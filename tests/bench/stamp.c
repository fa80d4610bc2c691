/*
 * stamp.c — the child of the restart benchmark: appends "s NS" when its
 * code starts and "e NS" just before it exits (CLOCK_MONOTONIC), so the gap
 * from one instance's exit to the next one's start can be read off the file.
 * STAMP_SLEEP_MS=T: run T ms between the two (a child that runs longer: s6
 * and runit pause a second before restarting one that ran under a second).
 * Without STAMP_FILE it exits 2 at once (the crash storm's child).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
stamp(int fd, char what)
{
	struct timespec	ts;
	char		buf[64];
	int		n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(buf, sizeof buf, "%c %lld\n", what,
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	(void)write(fd, buf, n);
}

int
main(void)
{
	const char	*path = getenv("STAMP_FILE"), *sleep_ms = getenv("STAMP_SLEEP_MS");
	struct timespec	 ts;
	long		 ms;
	int		 fd;

	if (path == NULL)
		return (2);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return (2);
	stamp(fd, 's');
	if (sleep_ms != NULL && (ms = atol(sleep_ms)) > 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1)
			;
	}
	stamp(fd, 'e');
	_exit(1);
}
