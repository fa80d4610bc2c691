/*
 * liveness.c — a running worker's watchdog and health checks.  The
 * watchdog is one ev_timer per child, pushed back (ev_timer_again) by
 * every WATCHDOG=1; a health check is a process of the child's command
 * environment (spawn.c: same user, group, cwd, env), in a process group
 * of its own, its output read from a pipe (the last line is kept for
 * inspect; nothing goes to the child's log).  A miss or too many failed
 * checks is proc_fail: the stop escalation, counted as an abnormal exit.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>
#include <uthash.h>

#include "events.h"
#include "liveness.h"
#include "reap.h"
#include "loop.h"
#include "proc.h"
#include "spawn.h"
#include "tree.h"
#include "util.h"

/* Output of a check kept (its tail): enough for a last line. */
#define LIVE_OUT_MAX	4096
#define LIVE_LINE_MAX	512

const char *const liveness_health_names[] = {
	NULL, "starting", "healthy", "unhealthy", NULL
};

struct live_check;

struct live {
	struct node		*node;
	ev_timer		 wd_timer;
	int64_t			 wd_ms;		/* 0: no watchdog */
	int			 pinged;	/* a WATCHDOG=1 since live_wd_cb looked */
	ev_timer		 hc_timer;	/* next check, or its timeout */
	struct live_check	*check;		/* the one running, or NULL */
	enum health		 health;
	int			 failures;	/* in a row */
	int64_t			 started;	/* mono ms of the start */
	char			*output;	/* last line of the last check */
	int64_t			 at;		/* unix ms of the last check */
};

/* A check process: outlives its node's interest until it is reaped. */
struct live_check {
	pid_t			 pid;		/* also its process group */
	struct live		*live;		/* NULL once nobody waits for it */
	ev_io			 io;		/* its stdout and stderr */
	char			 buf[LIVE_OUT_MAX];
	size_t			 len;
	int			 timed_out;
	UT_hash_handle		 hh;
};

static struct live_check	*live_checks;	/* by pid */
static int			 live_devnull = -1;

static void	live_wd_cb(struct ev_loop *, ev_timer *, int);
static void	live_hc_cb(struct ev_loop *, ev_timer *, int);

static struct live *
live_get(struct node *node)
{
	struct live	*l = node_aux_get(node, live);

	if (l != NULL)
		return (l);
	l = xcalloc(1, sizeof *l);
	l->node = node;
	ev_init(&l->wd_timer, live_wd_cb);
	l->wd_timer.data = l;
	ev_init(&l->hc_timer, live_hc_cb);
	l->hc_timer.data = l;
	tree_aux(node)->live = l;
	return (l);
}

/* --- the watchdog -------------------------------------------------------- */

static void
live_wd_arm(struct live *l)
{
	if (l->wd_ms <= 0) {
		ev_timer_stop(loop_ev, &l->wd_timer);
		return;
	}
	l->wd_timer.repeat = l->wd_ms / 1000.0;
	/*
	 * From now, not from the loop's idea of now: a start at the end of a
	 * long iteration (the boot of a large tree, a loaded machine,
	 * memcheck) would otherwise give the child less than its interval.
	 */
	ev_now_update(loop_ev);
	ev_timer_again(loop_ev, &l->wd_timer);
}

static void
live_wd_fail(struct live *l, const char *why)
{
	struct node	*node = l->node;
	const char	*sig = sigabbrev_np(spec_x(node->spec)->watchdog_signal);

	ev_timer_stop(loop_ev, &l->wd_timer);
	log_warn("watchdog %s pid %d: %s; signal %s", node->name, node->pid,
	    why, sig != NULL ? sig : "?");
	events_emit("watchdog", node, json_pack("{s:i, s:s, s:I}", "pid",
	    node->pid, "reason", why, "timeout", (json_int_t)l->wd_ms));
	proc_fail(node, spec_x(node->spec)->watchdog_signal, why);
}

static void
live_wd_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct live	*l = w->data;
	struct node	*node = l->node;
	char		 why[64];

	(void)loop;
	(void)revents;
	/*
	 * After a stall of the loop (a loaded machine, SIGSTOP, memcheck)
	 * the timer runs before the WATCHDOG=1 queued meanwhile is read:
	 * read the child's datagrams first; a ping among them pushed it back.
	 */
	l->pinged = 0;
	proc_notify_drain(node);
	if (node_aux_get(node, live) != l || l->pinged || !proc_checkable(node) ||
	    !ev_is_active(&l->wd_timer))
		return;
	snprintf(why, sizeof why, "no WATCHDOG=1 within %lld ms",
	    (long long)l->wd_ms);
	live_wd_fail(l, why);
}

/* node's process exec'd: arm its watchdog for ms (0: none). */
void
liveness_watchdog_start(struct node *node, int64_t ms)
{
	struct live	*l;

	if (ms <= 0 && node_aux_get(node, live) == NULL)
		return;
	l = live_get(node);
	l->wd_ms = ms;
	live_wd_arm(l);
}

/* A WATCHDOG= line: push the timer back, change it, or fail now. */
void
liveness_watchdog(struct node *node, enum notify_wd what,
    unsigned long long usec)
{
	struct live	*l = node_aux_get(node, live);

	if (l == NULL || !proc_checkable(node))
		return;
	switch (what) {
	case NOTIFY_WD_PING:
		l->pinged = 1;
		if (l->wd_ms > 0)
			ev_timer_again(loop_ev, &l->wd_timer);
		break;
	case NOTIFY_WD_USEC:
		/* as systemd: the new interval counts from now; 0 turns it off */
		l->wd_ms = usec == 0 ? 0 : usec / 1000 > INT32_MAX ? INT32_MAX :
		    usec < 1000 ? 1 : (int64_t)(usec / 1000);
		live_wd_arm(l);
		break;
	case NOTIFY_WD_TRIGGER:
		live_wd_fail(l, "WATCHDOG=trigger");
		break;
	}
}

int64_t
liveness_watchdog_ms(const struct node *node)
{
	const struct live	*l = node_aux_get(node, live);

	return (l != NULL ? l->wd_ms : 0);
}

/* --- health checks ------------------------------------------------------- */

static void
live_set_health(struct live *l, enum health h)
{
	struct node	*node = l->node;

	if (l->health == h)
		return;
	l->health = h;
	if (h == HEALTH_NONE || h == HEALTH_STARTING)
		return;
	log_info("health %s: %s (%d failure%s in a row)%s%s%s", node->name,
	    liveness_health_names[h], l->failures, l->failures == 1 ? "" : "s",
	    l->output != NULL ? "; last output: \"" : "",
	    l->output != NULL ? l->output : "", l->output != NULL ? "\"" : "");
	events_emit("health", node, json_pack("{s:s, s:i, s:o}", "status",
	    liveness_health_names[h], "failures", l->failures, "output",
	    l->output != NULL ? json_string(l->output) : json_null()));
}

static void
live_hc_next(struct live *l)
{
	ev_timer_stop(loop_ev, &l->hc_timer);
	ev_timer_set(&l->hc_timer, spec_x(l->node->spec)->health_interval_ms / 1000.0,
	    0.);
	ev_timer_start(loop_ev, &l->hc_timer);
}

/* Keep the last line of what the check wrote, made printable. */
static void
live_check_output(struct live *l, struct live_check *c)
{
	char	*s = c->buf, *end = c->buf + c->len, *nl, line[LIVE_LINE_MAX];
	size_t	 i, n;
	json_t	*j;

	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (nl = end; nl > s && nl[-1] != '\n'; nl--)
		;
	free(l->output);
	l->output = NULL;
	if (end == nl)
		return;
	n = (size_t)(end - nl) < sizeof line - 1 ? (size_t)(end - nl) :
	    sizeof line - 1;
	for (i = 0; i < n; i++) {
		unsigned char	ch = (unsigned char)nl[i];

		line[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	line[n] = '\0';
	/* JSON wants UTF-8: a cut or invalid sequence becomes '?' */
	if ((j = json_string(line)) == NULL) {
		for (i = 0; i < n; i++)
			if ((unsigned char)line[i] >= 0x80)
				line[i] = '?';
	}
	json_decref(j);
	l->output = xstrdup(line);
}

static void
live_check_read(struct live_check *c)
{
	char	 tmp[1024];
	ssize_t	 n;
	size_t	 keep;

	for (;;) {
		n = read(c->io.fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN)
				ev_io_stop(loop_ev, &c->io);
			return;
		}
		if (c->len + (size_t)n > sizeof c->buf) {
			/* keep the tail: the last line is what counts */
			keep = sizeof c->buf - (size_t)n;
			memmove(c->buf, c->buf + c->len - keep, keep);
			c->len = keep;
		}
		memcpy(c->buf + c->len, tmp, (size_t)n);
		c->len += (size_t)n;
	}
}

static void
live_check_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	live_check_read(w->data);
}

static void
live_check_free(struct live_check *c)
{
	HASH_DEL(live_checks, c);
	ev_io_stop(loop_ev, &c->io);
	close(c->io.fd);
	if (c->live != NULL && c->live->check == c)
		c->live->check = NULL;
	free(c);
}

/* The check is over: count it, maybe give up on the child. */
static void
live_check_done(struct live *l, struct live_check *c, int status)
{
	struct node	*node = l->node;
	const struct spec *spec = node->spec;
	int		 ok = !c->timed_out && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0;
	char		 why[96];

	live_check_output(l, c);
	l->at = now_wall_ms();
	if (c->timed_out) {
		free(l->output);
		l->output = xasprintf("timed out after %lld ms",
		    (long long)spec_x(spec)->health_timeout_ms);
	}
	if (ok) {
		l->failures = 0;
		live_set_health(l, HEALTH_HEALTHY);
		live_hc_next(l);
		return;
	}
	/* Docker: failures in the start period count only once a check passed */
	if (l->health == HEALTH_STARTING &&
	    now_mono_ms() - l->started < spec_x(spec)->health_start_period_ms) {
		log_debug("health %s: check failed in the start period",
		    node->name);
		live_hc_next(l);
		return;
	}
	l->failures++;
	log_info("health %s: check failed (%d of %d)%s%s%s", node->name,
	    l->failures, spec_x(spec)->health_retries,
	    l->output != NULL ? ": \"" : "", l->output != NULL ? l->output : "",
	    l->output != NULL ? "\"" : "");
	if (l->failures < spec_x(spec)->health_retries) {
		live_hc_next(l);
		return;
	}
	live_set_health(l, HEALTH_UNHEALTHY);
	snprintf(why, sizeof why, "unhealthy: %d health checks failed in a row",
	    l->failures);
	log_warn("health %s pid %d: %s; restarting it", node->name, node->pid,
	    why);
	proc_fail(node, 0, why);
}

/* Start one check (one that cannot start counts as failed). */
static void
live_check_start(struct live *l)
{
	struct node		*node = l->node;
	struct live_check	*c;
	struct spawn		 sp;
	char			*cause = NULL;
	int			 p[2];

	if (live_devnull == -1 &&
	    (live_devnull = open("/dev/null", O_RDWR|O_CLOEXEC)) == -1) {
		log_warn("health %s: /dev/null: %s", node->name,
		    strerror(errno));
		live_hc_next(l);
		return;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("health %s: pipe: %s", node->name, strerror(errno));
		live_hc_next(l);
		return;
	}
	memset(&sp, 0, sizeof sp);
	sp.node = node;
	sp.argv = spec_x(node->spec)->health_argv;
	sp.fd[0] = live_devnull;
	sp.fd[1] = sp.fd[2] = p[1];
	if (spawn_start(&sp, &cause) == 0)
		reap_watch(sp.pid, sp.pidfd);
	else {
		struct live_check	 failed;

		close(p[0]);
		close(p[1]);
		/* a check that cannot start has failed, as Docker's does */
		log_warn("health %s: %s", node->name, cause);
		memset(&failed, 0, sizeof failed);
		snprintf(failed.buf, sizeof failed.buf, "%s", cause);
		failed.len = strlen(failed.buf);
		free(cause);
		live_check_done(l, &failed, 127 << 8);
		return;
	}
	close(p[1]);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	c = xcalloc(1, sizeof *c);
	c->pid = sp.pid;
	c->live = l;
	ev_io_init(&c->io, live_check_io_cb, p[0], EV_READ);
	c->io.data = c;
	ev_io_start(loop_ev, &c->io);
	HASH_ADD_INT(live_checks, pid, c);
	l->check = c;
	log_debug("health %s: check pid %d", node->name, (int)c->pid);
	ev_timer_set(&l->hc_timer, spec_x(node->spec)->health_timeout_ms / 1000.0, 0.);
	ev_timer_start(loop_ev, &l->hc_timer);
}

/* Time for a check, or a check ran out of time. */
static void
live_hc_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct live	*l = w->data;

	(void)loop;
	(void)revents;
	if (!proc_checkable(l->node))
		return;
	if (l->check == NULL) {
		live_check_start(l);
		return;
	}
	log_info("health %s: check pid %d still running after %lld ms, killed",
	    l->node->name, (int)l->check->pid,
	    (long long)spec_x(l->node->spec)->health_timeout_ms);
	l->check->timed_out = 1;
	kill(-l->check->pid, SIGKILL);
}

/* node is started: the first check one interval on, as Docker's. */
void
liveness_health_start(struct node *node)
{
	struct live	*l;

	if (node->spec == NULL || spec_x(node->spec)->health_argv == NULL ||
	    spec_x(node->spec)->health_argv[0] == NULL)
		return;
	l = live_get(node);
	l->failures = 0;
	l->started = now_mono_ms();
	l->health = HEALTH_STARTING;
	live_hc_next(l);
}

/* 1 if pid was a health check. */
int
liveness_reaped(pid_t pid, int status)
{
	struct live_check	*c;
	struct live		*l;

	HASH_FIND_INT(live_checks, &pid, c);
	if (c == NULL)
		return (0);
	/* whatever it left in its group goes with it */
	kill(-pid, SIGKILL);
	live_check_read(c);
	l = c->live;
	if (l != NULL) {
		l->check = NULL;
		ev_timer_stop(loop_ev, &l->hc_timer);
		live_check_done(l, c, status);
	}
	live_check_free(c);
	return (1);
}

/* No more timers; a running check is killed and reaped later. */
void
liveness_stop(struct node *node)
{
	struct live	*l = node_aux_get(node, live);

	if (l == NULL)
		return;
	ev_timer_stop(loop_ev, &l->wd_timer);
	ev_timer_stop(loop_ev, &l->hc_timer);
	if (l->check != NULL) {
		kill(-l->check->pid, SIGKILL);
		l->check->live = NULL;
		l->check = NULL;
	}
	l->health = HEALTH_NONE;
}

void
liveness_forget(struct node *node)
{
	struct live	*l = node_aux_get(node, live);

	if (l == NULL)
		return;
	liveness_stop(node);
	free(l->output);
	free(l);
	node->aux->live = NULL;
	tree_aux_trim(node);
}

int
liveness_busy(const char **name)
{
	struct live_check	*c, *tmp;

	HASH_ITER(hh, live_checks, c, tmp) {
		*name = c->live != NULL ? c->live->node->name : "a health check";
		return (1);
	}
	return (0);
}

void
liveness_free_all(void)
{
	struct live_check	*c, *tmp;

	HASH_ITER(hh, live_checks, c, tmp) {
		kill(-c->pid, SIGKILL);
		live_check_free(c);
	}
	if (live_devnull != -1) {
		close(live_devnull);
		live_devnull = -1;
	}
}

enum health
liveness_health(const struct node *node)
{
	const struct live	*l = node_aux_get(node, live);

	return (l != NULL ? l->health : HEALTH_NONE);
}

const char *
liveness_health_output(const struct node *node)
{
	const struct live	*l = node_aux_get(node, live);

	return (l != NULL ? l->output : NULL);
}

int64_t
liveness_health_at(const struct node *node)
{
	const struct live	*l = node_aux_get(node, live);

	return (l != NULL ? l->at : 0);
}

int
liveness_health_failures(const struct node *node)
{
	const struct live	*l = node_aux_get(node, live);

	return (l != NULL ? l->failures : 0);
}

/* What a reexec carried: the watchdog armed afresh, the next check an interval on. */
void
liveness_adopt(struct node *node, int64_t watchdog_ms, enum health h,
    int failures, const char *output, int64_t at)
{
	struct live	*l;

	if (watchdog_ms > 0)
		liveness_watchdog_start(node, watchdog_ms);
	if (h == HEALTH_NONE || spec_x(node->spec)->health_argv == NULL)
		return;
	liveness_health_start(node);
	l = node_aux_get(node, live);
	l->health = h;
	l->failures = failures;
	/* a start period is over after a reexec unless no check passed yet */
	free(l->output);
	l->output = output != NULL ? xstrdup(output) : NULL;
	l->at = at;
}
