/*
 * sdnotify.c — the sd_notify protocol spoken by supd itself to the service
 * manager that started it: one datagram per message to $NOTIFY_SOCKET
 * (a path, or an abstract name written with '@'), sent without ever
 * waiting; the watchdog's keep-alive; STATUS= with the counts of children,
 * rate-limited.  Readiness of supd's own children is notify.c's.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "sdnotify.h"
#include "tree.h"
#include "util.h"

/* STATUS= at most this often: a restart storm must not flood systemd. */
#define SDNOTIFY_STATUS_MS	250
/* A watchdog faster than this would keep the loop busy for nothing. */
#define SDNOTIFY_WATCHDOG_MIN_US	2000

static struct sockaddr_un	 sdnotify_addr;
static socklen_t		 sdnotify_addrlen;	/* 0: nobody listens */
static int			 sdnotify_fd = -1;
static char			*sdnotify_env_socket;	/* as given, for reexec */
static char			*sdnotify_env_usec, *sdnotify_env_pid;
static ev_timer			 sdnotify_watchdog_w;
static ev_timer			 sdnotify_status_w;
static int64_t			 sdnotify_status_at;	/* monotonic ms of the last */
static char			 sdnotify_last[128];	/* the last STATUS= sent */
static struct log_rate		 sdnotify_rate = LOG_RATE_INITIALIZER(60000);

/* Send one message; a full queue or a gone manager loses it, never blocks. */
static void
sdnotify_send(const char *msg)
{
	if (sdnotify_addrlen == 0)
		return;
	if (sdnotify_fd == -1 && (sdnotify_fd = socket(AF_UNIX,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_rated(&sdnotify_rate, LOG_LVL_WARN, "NOTIFY_SOCKET: "
		    "socket: %s", strerror(errno));
		return;
	}
	if (sendto(sdnotify_fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sdnotify_addr, sdnotify_addrlen) == -1)
		log_rated(&sdnotify_rate, LOG_LVL_WARN, "NOTIFY_SOCKET %s: "
		    "cannot send \"%.*s\": %s", sdnotify_env_socket,
		    (int)strcspn(msg, "\n"), msg, strerror(errno));
}

/* "12 running, 0 failed": the workers, static and dynamic. */
static void
sdnotify_counts(char *buf, size_t len)
{
	struct node	*n;
	unsigned int	 running = 0, starting = 0, failed = 0;

	for (n = loop_root; n != NULL; n = tree_next(loop_root, n)) {
		if (n->kind != KIND_WORKER)
			continue;
		if (n->state == NODE_RUNNING)
			running++;
		else if (n->state == NODE_STARTING)
			starting++;
		else if (n->state == NODE_FAILED)
			failed++;
	}
	if (starting > 0)
		snprintf(buf, len, "%s%u running, %u starting, %u failed",
		    loop_shutting_down ? "stopping: " : "", running, starting,
		    failed);
	else
		snprintf(buf, len, "%s%u running, %u failed",
		    loop_shutting_down ? "stopping: " : "", running, failed);
}

/* Send STATUS= (after head, if any) when it says something new, or always. */
static void
sdnotify_send_status(const char *head, int always)
{
	char	status[sizeof sdnotify_last], msg[sizeof status + 64];

	sdnotify_counts(status, sizeof status);
	sdnotify_status_at = now_mono_ms();
	if (!always && strcmp(status, sdnotify_last) == 0)
		return;
	snprintf(sdnotify_last, sizeof sdnotify_last, "%s", status);
	snprintf(msg, sizeof msg, "%s%sSTATUS=%s", head != NULL ? head : "",
	    head != NULL ? "\n" : "", status);
	sdnotify_send(msg);
}

static void
sdnotify_status_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	sdnotify_send_status(NULL, 0);
}

static void
sdnotify_watchdog_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	sdnotify_send("WATCHDOG=1");
}

/* NOTIFY_SOCKET: an absolute path or "@abstract"; 0, or -1 and why. */
static int
sdnotify_parse_socket(const char *s, const char **why)
{
	size_t	len = strlen(s);

	if (len == 0) {
		*why = "empty";
		return (-1);
	}
	if (s[0] != '/' && s[0] != '@') {
		*why = "neither an absolute path nor an @abstract name";
		return (-1);
	}
	if (len >= sizeof sdnotify_addr.sun_path) {
		*why = "too long for a UNIX socket address";
		return (-1);
	}
	memset(&sdnotify_addr, 0, sizeof sdnotify_addr);
	sdnotify_addr.sun_family = AF_UNIX;
	memcpy(sdnotify_addr.sun_path, s, len);
	if (s[0] == '@')
		sdnotify_addr.sun_path[0] = '\0';
	sdnotify_addrlen = offsetof(struct sockaddr_un, sun_path) + len +
	    (s[0] == '/');
	return (0);
}

/* A whole decimal number that fits; -1 if s is anything else. */
static int
sdnotify_parse_number(const char *s, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	 v = 0;
	const char		*p;

	if (*s == '\0')
		return (-1);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (max - (*p - '0')) / 10)
			return (-1);
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return (0);
}

/* WATCHDOG_USEC and WATCHDOG_PID: the keep-alive interval, or 0 for none. */
static double
sdnotify_watchdog_interval(void)
{
	unsigned long long	 usec, pid;

	if (sdnotify_env_usec == NULL)
		return (0);
	/* a week in microseconds is far beyond any watchdog */
	if (sdnotify_parse_number(sdnotify_env_usec, 604800ULL * 1000000,
	    &usec) == -1 || usec == 0) {
		log_warn("WATCHDOG_USEC=\"%.32s\" is not a positive number of "
		    "microseconds: no watchdog keep-alive", sdnotify_env_usec);
		return (0);
	}
	if (sdnotify_env_pid != NULL) {
		if (sdnotify_parse_number(sdnotify_env_pid, INT32_MAX,
		    &pid) == -1) {
			log_warn("WATCHDOG_PID=\"%.32s\" is not a pid: no "
			    "watchdog keep-alive", sdnotify_env_pid);
			return (0);
		}
		if ((pid_t)pid != getpid()) {
			log_debug("WATCHDOG_PID=%llu is not supd (pid %d): no "
			    "watchdog keep-alive", pid, (int)getpid());
			return (0);
		}
	}
	if (sdnotify_addrlen == 0) {
		log_warn("WATCHDOG_USEC is set but NOTIFY_SOCKET is not usable: "
		    "no watchdog keep-alive");
		return (0);
	}
	/* twice per period, as sd_watchdog_enabled(3) advises */
	usec /= 2;
	if (usec < SDNOTIFY_WATCHDOG_MIN_US)
		usec = SDNOTIFY_WATCHDOG_MIN_US;
	return ((double)usec / 1e6);
}

/* Take a variable out of the environment; a copy of its value, or NULL. */
static char *
sdnotify_take(const char *key)
{
	const char	*v = getenv(key);
	char		*copy = v != NULL ? xstrdup(v) : NULL;

	unsetenv(key);
	return (copy);
}

void
sdnotify_init(void)
{
	const char	*why;
	double		 interval;

	sdnotify_env_socket = sdnotify_take("NOTIFY_SOCKET");
	sdnotify_env_usec = sdnotify_take("WATCHDOG_USEC");
	sdnotify_env_pid = sdnotify_take("WATCHDOG_PID");
	if (sdnotify_env_socket != NULL &&
	    sdnotify_parse_socket(sdnotify_env_socket, &why) == -1) {
		log_warn("NOTIFY_SOCKET=\"%.120s\" is %s: the service manager "
		    "will not hear from supd", sdnotify_env_socket, why);
		sdnotify_addrlen = 0;
	}
	ev_timer_init(&sdnotify_status_w, sdnotify_status_cb, 0., 0.);
	ev_timer_init(&sdnotify_watchdog_w, sdnotify_watchdog_cb, 0., 0.);
	if ((interval = sdnotify_watchdog_interval()) > 0) {
		ev_timer_set(&sdnotify_watchdog_w, interval, interval);
		ev_timer_start(loop_ev, &sdnotify_watchdog_w);
		log_debug("watchdog: WATCHDOG=1 every %.3f s", interval);
	}
}

void
sdnotify_export(void)
{
	if (sdnotify_env_socket != NULL)
		setenv("NOTIFY_SOCKET", sdnotify_env_socket, 1);
	if (sdnotify_env_usec != NULL)
		setenv("WATCHDOG_USEC", sdnotify_env_usec, 1);
	if (sdnotify_env_pid != NULL)
		setenv("WATCHDOG_PID", sdnotify_env_pid, 1);
}

void
sdnotify_ready(void)
{
	sdnotify_send_status("READY=1", 1);
}

void
sdnotify_reloading(void)
{
	struct timespec	ts;
	char		msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000);
	sdnotify_send(msg);
}

void
sdnotify_stopping(void)
{
	sdnotify_send_status("STOPPING=1", 1);
}

void
sdnotify_changed(void)
{
	int64_t	wait;

	/* nobody listens, or a STATUS= is on its way already */
	if (sdnotify_addrlen == 0 || loop_ev == NULL ||
	    ev_is_active(&sdnotify_status_w))
		return;
	wait = sdnotify_status_at + SDNOTIFY_STATUS_MS - now_mono_ms();
	ev_timer_set(&sdnotify_status_w, wait > 0 ? wait / 1000.0 : 0., 0.);
	ev_timer_start(loop_ev, &sdnotify_status_w);
}

void
sdnotify_flush(void)
{
	if (loop_ev == NULL || !ev_is_active(&sdnotify_status_w))
		return;
	ev_timer_stop(loop_ev, &sdnotify_status_w);
	sdnotify_send_status(NULL, 0);
}

void
sdnotify_free(void)
{
	if (loop_ev != NULL) {
		ev_timer_stop(loop_ev, &sdnotify_watchdog_w);
		ev_timer_stop(loop_ev, &sdnotify_status_w);
	}
	if (sdnotify_fd != -1)
		close(sdnotify_fd);
	sdnotify_fd = -1;
	sdnotify_addrlen = 0;
	free(sdnotify_env_socket);
	free(sdnotify_env_usec);
	free(sdnotify_env_pid);
	sdnotify_env_socket = sdnotify_env_usec = sdnotify_env_pid = NULL;
}
