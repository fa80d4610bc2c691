/*
 * test-sdnotify.c — supd under a service manager: a fake one binds a
 * datagram socket in the test's directory and starts supd with
 * NOTIFY_SOCKET (and WATCHDOG_USEC) naming it, then checks every message:
 * READY=1 once the tree is up, STATUS=, WATCHDOG=1 again and again,
 * STOPPING=1; and that children never see supd's own NOTIFY_SOCKET.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The child with ready = notify: its environment to a file, then READY=1. */
static const char notify_py[] =
    "import os, socket, sys, time\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    for k, v in os.environ.items():\n"
    "        f.write(k + '=' + v + '\\n')\n"
    "a = os.environ['NOTIFY_SOCKET']\n"
    "if a.startswith('@'):\n"
    "    a = '\\0' + a[1:]\n"
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
    "s.sendto(b'READY=1', a)\n"
    "time.sleep(600)\n";

static const char tree_ini[] =
    "[supervisor:root]\n"
    "[worker:plain]\n"
    "parent = root\n"
    "command = /bin/sh -c 'env > @DIR@/plain.env; exec sleep 600'\n"
    "[worker:notified]\n"
    "parent = root\n"
    "ready = notify\n"
    "command = /usr/bin/python3 @DIR@/notify.py @DIR@/notified.env\n"
    "[dynamic:jobs]\n"
    "parent = root\n"
    "command = /bin/sleep 600\n";

static struct supd_inst	in;
static int		mgr = -1;	/* the fake service manager's socket */
static char		mgr_path[300];
static char		env_socket[340];

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Bind the fake manager's socket: a path in dir, or an abstract name. */
static void
mgr_bind(int abstract)
{
	struct sockaddr_un	sun;
	socklen_t		len;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (abstract) {
		snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1,
		    "supd-test-notify-%d", (int)getpid());
		len = offsetof(struct sockaddr_un, sun_path) + 1 +
		    strlen(sun.sun_path + 1);
		snprintf(env_socket, sizeof env_socket, "NOTIFY_SOCKET=@%s",
		    sun.sun_path + 1);
	} else {
		snprintf(mgr_path, sizeof mgr_path, "%s/notify.sock", in.dir);
		cr_assert(strlen(mgr_path) < sizeof sun.sun_path);
		memcpy(sun.sun_path, mgr_path, strlen(mgr_path));
		len = sizeof sun;
		snprintf(env_socket, sizeof env_socket, "NOTIFY_SOCKET=%s",
		    mgr_path);
	}
	mgr = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(mgr != -1);
	cr_assert(bind(mgr, (struct sockaddr *)&sun, len) == 0, "bind: %s",
	    strerror(errno));
}

/* One datagram within ms, NUL-terminated in buf; 0 on timeout. */
static int
mgr_recv(char *buf, size_t size, int ms)
{
	struct pollfd	pfd = { .fd = mgr, .events = POLLIN };
	ssize_t		n;

	if (poll(&pfd, 1, ms) <= 0)
		return (0);
	if ((n = recv(mgr, buf, size - 1, 0)) < 0)
		return (0);
	buf[n] = '\0';
	return (1);
}

/* Read messages until one holds needle (1), or ms pass (0); all of them in log. */
static int
mgr_wait(const char *needle, int ms, char *log, size_t logsize)
{
	int64_t	end = now_ms() + harness_ms(ms);
	char	msg[4096];
	int	left;

	while ((left = (int)(end - now_ms())) > 0) {
		if (!mgr_recv(msg, sizeof msg, left))
			break;
		if (log != NULL && strlen(log) + strlen(msg) + 8 < logsize) {
			strcat(log, msg);
			strcat(log, "\n---\n");
		}
		if (strstr(msg, needle) != NULL)
			return (1);
	}
	return (0);
}

static void
write_file(const char *name, const char *body)
{
	char	 path[400];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", in.dir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(body, f);
	fclose(f);
}

static void
setup(void)
{
	harness_init(&in, tree_ini);
	write_file("notify.py", notify_py);
}

static void
teardown(void)
{
	harness_stop(&in);
	if (mgr != -1)
		close(mgr);
	mgr = -1;
}

/* Start supd with env; wait for READY=1 (its message in ready). */
static void
start_until_ready(const char *const *env, char *log, size_t logsize)
{
	in.env = env;
	harness_start(&in);
	cr_assert(mgr_wait("READY=1", 20000, log, logsize),
	    "no READY=1 from supd; got:\n%s", log);
}

TestSuite(sdnotify, .init = setup, .fini = teardown, .timeout = 120);

Test(sdnotify, ready_once_the_tree_is_up_with_a_status)
{
	const char	*env[] = { NULL, NULL };
	char		 log[16384] = "", *s;

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	/* READY=1 and the counts in the same datagram, both workers up */
	cr_assert(strstr(log, "READY=1\nSTATUS=2 running, 0 failed") != NULL,
	    "%s", log);
	cr_assert_not_null(s = harness_read(&in, "notified.env"),
	    "READY=1 came before the notify child was up");
	free(s);
}

Test(sdnotify, children_never_see_supds_notify_socket)
{
	const char	*env[] = { NULL, "WATCHDOG_USEC=5000000",
	    "WATCHDOG_PID", NULL };
	char		 log[16384] = "", *plain, *notified, *p;

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	cr_assert(harness_wait_lines(&in, "plain.env", 1, 5000) > 0);
	plain = harness_read(&in, "plain.env");
	notified = harness_read(&in, "notified.env");
	cr_assert_not_null(plain);
	cr_assert_not_null(notified);
	cr_assert(strstr(plain, "NOTIFY_SOCKET=") == NULL, "%s", plain);
	cr_assert(strstr(plain, "WATCHDOG_") == NULL, "%s", plain);
	cr_assert(strstr(notified, "WATCHDOG_") == NULL, "%s", notified);
	/* the ready = notify child has its own, supd's abstract one */
	cr_assert_not_null(p = strstr(notified, "NOTIFY_SOCKET="), "%s",
	    notified);
	cr_assert(p[strlen("NOTIFY_SOCKET=")] == '@', "%s", notified);
	cr_assert(strstr(notified, env_socket) == NULL, "%s", notified);
	free(plain);
	free(notified);
}

Test(sdnotify, watchdog_keepalive_arrives_again_and_again)
{
	const char	*env[] = { NULL, "WATCHDOG_USEC=200000", NULL };
	char		 log[16384] = "", msg[4096];
	int64_t		 start;
	int		 n = 0;

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	/* every 100 ms: at least 5 within 1.5 s, under sanitizers too */
	start = now_ms();
	while (now_ms() - start < 1500 && mgr_recv(msg, sizeof msg, 500))
		if (strcmp(msg, "WATCHDOG=1") == 0)
			n++;
	cr_assert_geq(n, 5, "%d WATCHDOG=1 in 1.5 s", n);
	cr_assert_leq(n, 40, "%d WATCHDOG=1 in 1.5 s", n);
}

Test(sdnotify, watchdog_for_another_pid_is_not_supds)
{
	const char	*env[] = { NULL, "WATCHDOG_USEC=200000", "WATCHDOG_PID=1",
	    NULL };
	char		 log[16384] = "";

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	cr_assert_not(mgr_wait("WATCHDOG=1", 800, log, sizeof log), "%s", log);
}

Test(sdnotify, status_follows_the_counts_and_stopping_comes_at_shutdown)
{
	const char	*env[] = { NULL, NULL };
	char		 log[16384] = "";

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "plain", NULL), 0);
	cr_assert(mgr_wait("STATUS=1 running, 0 failed", 5000, log,
	    sizeof log), "%s", log);
	cr_assert_eq(kill(in.pid, SIGTERM), 0);
	cr_assert(mgr_wait("STOPPING=1", 10000, log, sizeof log), "%s", log);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	/* the last word: nothing running any more */
	cr_assert(mgr_wait("STATUS=stopping: 0 running, 0 failed", 1000, log,
	    sizeof log), "%s", log);
}

Test(sdnotify, status_is_rate_limited_in_a_burst_of_changes)
{
	const char	*env[] = { NULL, NULL };
	char		 log[16384] = "", name[32], msg[4096];
	int64_t		 start, elapsed;
	int		 i, n = 0, last = 0;

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	start = now_ms();
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "j%d", i);
		cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", name,
		    NULL), 0);
		/* the last count may come before the last spawn's reply is read */
		while (mgr_recv(msg, sizeof msg, 0)) {
			n += strncmp(msg, "STATUS=", 7) == 0;
			last = strstr(msg, "STATUS=22 running, 0 failed") != NULL;
		}
	}
	/* the last count comes, within the rate limit's delay */
	if (!last) {
		cr_assert(mgr_wait("STATUS=22 running, 0 failed", 2000, log,
		    sizeof log), "%s", log);
		n++;
	}
	elapsed = now_ms() - start;
	/* at most one per 250 ms, and one at the start of the burst */
	cr_assert_leq(n, elapsed / 250 + 2, "%d STATUS= in %lld ms", n,
	    (long long)elapsed);
}

Test(sdnotify, an_abstract_notify_socket_works_too)
{
	const char	*env[] = { NULL, NULL };
	char		 log[16384] = "";

	mgr_bind(1);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
}

Test(sdnotify, bad_values_are_logged_and_ignored)
{
	static char	 longsock[400];
	const char	*cases[][4] = {
		{ "NOTIFY_SOCKET=relative/notify.sock", "WATCHDOG_USEC=100000",
		    "NOTIFY_SOCKET=\"relative/notify.sock\" is neither", NULL },
		{ longsock, NULL, "is too long for a UNIX socket address", NULL },
		{ "NOTIFY_SOCKET=", NULL, "NOTIFY_SOCKET=\"\" is empty", NULL },
		{ "NOTIFY_SOCKET=@x", "WATCHDOG_USEC=12abc",
		    "WATCHDOG_USEC=\"12abc\" is not a positive number", NULL },
		{ "NOTIFY_SOCKET=@x", "WATCHDOG_USEC=99999999999999999999999",
		    "is not a positive number", NULL },
		{ "NOTIFY_SOCKET=@x", "WATCHDOG_USEC=0",
		    "WATCHDOG_USEC=\"0\" is not a positive number", NULL },
		{ "WATCHDOG_USEC=100000", "WATCHDOG_PID=x1",
		    "WATCHDOG_PID=\"x1\" is not a pid", NULL },
	};
	size_t		 i;

	memset(longsock, 'a', sizeof longsock - 1);
	memcpy(longsock, "NOTIFY_SOCKET=/", 15);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char	*env[] = { cases[i][0], cases[i][1], NULL };

		if (i > 0) {
			harness_stop(&in);
			setup();
		}
		in.env = env;
		harness_start(&in);
		cr_assert(harness_wait_log(&in, cases[i][2], 5000),
		    "case %zu: no \"%s\" in the log:\n%s", i, cases[i][2],
		    harness_read(&in, "supd.log"));
		/* and supd serves on */
		cr_assert_eq(harness_supctl(&in, NULL, "status", NULL), 0);
	}
}

/* A reload is RELOADING=1 with the clock, then READY=1 once it is applied. */
Test(sdnotify, reload_is_bracketed_by_reloading_and_ready)
{
	const char	*env[] = { NULL, NULL };
	char		 log[16384] = "", *r;
	FILE		*f;

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	cr_assert_not_null(f = fopen(in.conf, "a"));
	fputs("[worker:extra]\nparent = root\ncommand = /bin/sleep 600\n", f);
	fclose(f);
	log[0] = '\0';
	cr_assert_eq(harness_supctl(&in, NULL, "reload", (char *)NULL), 0);
	cr_assert(mgr_wait("READY=1", 10000, log, sizeof log), "%s", log);
	cr_assert_not_null(r = strstr(log, "RELOADING=1\nMONOTONIC_USEC="),
	    "%s", log);
	cr_assert(r < strstr(log, "READY=1"), "RELOADING=1 first: %s", log);
	cr_assert_not_null(strstr(strstr(log, "READY=1"), "STATUS=3 running"),
	    "%s", log);
}

/* After a reexec the new image keeps the watchdog fed: same socket, same pid. */
Test(sdnotify, the_watchdog_survives_a_reexec)
{
	const char	*env[] = { NULL, "WATCHDOG_USEC=200000", NULL };
	char		 log[16384] = "", msg[4096];
	int64_t		 start;
	int		 n = 0;

	mgr_bind(0);
	env[0] = env_socket;
	start_until_ready(env, log, sizeof log);
	cr_assert_eq(harness_supctl(&in, NULL, "reexec", (char *)NULL), 0);
	while (mgr_recv(msg, sizeof msg, 50))
		;	/* what the old image sent */
	start = now_ms();
	while (now_ms() - start < 1500 && mgr_recv(msg, sizeof msg, 500))
		if (strcmp(msg, "WATCHDOG=1") == 0)
			n++;
	cr_assert_geq(n, 5, "%d WATCHDOG=1 in 1.5 s after the reexec", n);
}
