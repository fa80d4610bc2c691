/*
 * vlpipe.c — the benchmarks' varlink client and its floors.
 *
 *   vlpipe call SOCK N FIRST WINDOW FORMAT
 *	N calls over one connection, up to WINDOW in flight; FORMAT is a
 *	printf format of the message with at most one %ld (FIRST, FIRST+1...).
 *	Prints "calls N errors E seconds S per_second R".
 *   vlpipe rtt SOCK N MESSAGE
 *	N round trips of one call, each on a new connection (as a CLI makes
 *	them), one after the other; prints "calls N median S p90 S max S
 *	bytes B" (seconds; B: the size of the last reply).
 *   vlpipe echo SOCK
 *	A bare server: answers every message with {"parameters":{}}, one
 *	connection at a time, until killed.  The floor for `call`.
 *   vlpipe spawnloop N PROG [ARG...]
 *	posix_spawn N copies of PROG, each in its own process group with its
 *	output on /dev/null, as supd starts children; prints "spawns N seconds
 *	S per_second R", then kills and reaps them.  The floor for Spawn.
 *
 * Framing only (a JSON object and a NUL byte each way); replies are not
 * parsed beyond looking for "error", so the client costs next to nothing.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
die(const char *what)
{
	fprintf(stderr, "vlpipe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
vlpipe_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "vlpipe: socket path too long\n");
		exit(1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		die(path);
	return (fd);
}

static int
vlpipe_call(const char *path, long n, long first, long window, const char *fmt)
{
	static char	 rbuf[1 << 24];
	char		*wbuf;
	size_t		 wcap = 1 << 16, wlen = 0, woff = 0, rlen = 0, i, start;
	long		 sent = 0, got = 0, errors = 0, inflight;
	struct pollfd	 pfd;
	double		 t0, t;
	ssize_t		 r;
	int		 fd, len;

	fd = vlpipe_connect(path);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		die("fcntl");
	if ((wbuf = malloc(wcap)) == NULL)
		die("malloc");
	t0 = now();
	while (got < n) {
		/* queue calls while the window has room */
		inflight = sent - got;
		while (sent < n && inflight < window && wcap - wlen > 1024) {
			len = snprintf(wbuf + wlen, wcap - wlen - 1, fmt, first + sent);
			wlen += len + 1;	/* snprintf's NUL is the frame's */
			sent++;
			inflight++;
		}
		pfd.fd = fd;
		pfd.events = POLLIN | (woff < wlen ? POLLOUT : 0);
		if (poll(&pfd, 1, 60000) <= 0) {
			fprintf(stderr, "vlpipe: no progress for 60 s (%ld of %ld "
			    "replies)\n", got, n);
			return (1);
		}
		if (pfd.revents & POLLOUT) {
			r = write(fd, wbuf + woff, wlen - woff);
			if (r == -1 && errno != EAGAIN && errno != EINTR)
				die("write");
			if (r > 0)
				woff += r;
			if (woff == wlen)
				woff = wlen = 0;
			else if (woff > wcap / 2) {
				memmove(wbuf, wbuf + woff, wlen - woff);
				wlen -= woff;
				woff = 0;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read(fd, rbuf + rlen, sizeof rbuf - rlen);
			if (r == -1 && errno != EAGAIN && errno != EINTR)
				die("read");
			if (r == 0) {
				fprintf(stderr, "vlpipe: supd closed the connection "
				    "after %ld replies\n", got);
				return (1);
			}
			if (r > 0)
				rlen += r;
			for (start = 0, i = 0; i < rlen; i++) {
				if (rbuf[i] != '\0')
					continue;
				if (strstr(rbuf + start, "\"error\"") != NULL &&
				    errors++ == 0)
					fprintf(stderr, "vlpipe: first error: %s\n",
					    rbuf + start);
				got++;
				start = i + 1;
			}
			memmove(rbuf, rbuf + start, rlen - start);
			rlen -= start;
			if (rlen == sizeof rbuf) {
				fprintf(stderr, "vlpipe: a reply over 16 MiB\n");
				return (1);
			}
		}
	}
	t = now() - t0;
	close(fd);
	printf("calls %ld errors %ld seconds %.6f per_second %.1f\n", n, errors,
	    t, n / t);
	return (errors > 0);
}

static int
vlpipe_dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static int
vlpipe_rtt(const char *path, long n, const char *msg)
{
	static char	 rbuf[1 << 16];
	double		*t, t0;
	size_t		 bytes = 0;
	ssize_t		 r;
	long		 i;
	int		 fd, done;

	if (n < 1 || (t = calloc(n, sizeof *t)) == NULL)
		die("calloc");
	for (i = 0; i < n; i++) {
		t0 = now();
		fd = vlpipe_connect(path);
		if (write(fd, msg, strlen(msg) + 1) != (ssize_t)strlen(msg) + 1)
			die("write");
		for (bytes = 0, done = 0; !done; bytes += r) {
			if ((r = read(fd, rbuf, sizeof rbuf)) <= 0) {
				fprintf(stderr, "vlpipe: connection closed before "
				    "the reply's end\n");
				return (1);
			}
			done = memchr(rbuf, '\0', r) != NULL;
			if (bytes == 0 && strstr(rbuf, "\"error\"") != NULL) {
				fprintf(stderr, "vlpipe: error: %.*s\n", (int)r, rbuf);
				return (1);
			}
		}
		close(fd);
		t[i] = now() - t0;
	}
	qsort(t, n, sizeof *t, vlpipe_dcmp);
	printf("calls %ld median %.6f p90 %.6f max %.6f bytes %zu\n", n,
	    t[n / 2], t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], t[n - 1], bytes);
	free(t);
	return (0);
}

static void __attribute__((noreturn))
vlpipe_echo(const char *path)
{
	static const char	 reply[] = "{\"parameters\":{}}";
	static char		 rbuf[1 << 16], wbuf[1 << 18];
	struct sockaddr_un	 sun;
	size_t			 wlen, off;
	ssize_t			 r, i, w;
	int			 lfd, fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket");
	if (bind(lfd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(lfd, 16) == -1)
		die(path);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		/* a reply per NUL, wherever the reads split the messages */
		while ((r = read(fd, rbuf, sizeof rbuf)) > 0) {
			wlen = 0;
			for (i = 0; i < r; i++)
				if (rbuf[i] == '\0') {
					memcpy(wbuf + wlen, reply, sizeof reply);
					wlen += sizeof reply;
				}
			for (off = 0; off < wlen; off += w)
				if ((w = write(fd, wbuf + off, wlen - off)) <= 0)
					break;
		}
		close(fd);
	}
}

static int
vlpipe_spawnloop(long n, char **argv)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none;
	pid_t				*pids;
	double				 t0, t;
	long				 i;
	int				 st;

	if ((pids = calloc(n, sizeof *pids)) == NULL)
		die("calloc");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK);
	t0 = now();
	for (i = 0; i < n; i++)
		if ((errno = posix_spawn(&pids[i], argv[0], &fa, &attr, argv,
		    environ)) != 0)
			die(argv[0]);
	t = now() - t0;
	printf("spawns %ld seconds %.6f per_second %.1f\n", n, t, n / t);
	fflush(stdout);
	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(pids[i], &st, 0);
	free(pids);
	return (0);
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 7 && strcmp(argv[1], "call") == 0)
		return (vlpipe_call(argv[2], atol(argv[3]), atol(argv[4]),
		    atol(argv[5]), argv[6]));
	if (argc == 5 && strcmp(argv[1], "rtt") == 0)
		return (vlpipe_rtt(argv[2], atol(argv[3]), argv[4]));
	if (argc == 3 && strcmp(argv[1], "echo") == 0)
		vlpipe_echo(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "spawnloop") == 0)
		return (vlpipe_spawnloop(atol(argv[2]), argv + 3));
	fprintf(stderr, "usage: vlpipe call SOCK N FIRST WINDOW FORMAT\n"
	    "       vlpipe rtt SOCK N MESSAGE\n"
	    "       vlpipe echo SOCK\n"
	    "       vlpipe spawnloop N PROG [ARG...]\n");
	return (2);
}
