/*
 * loop.c — the one libev loop and the glue between the OS and the policy.
 * Outcomes (a child exec'd, exited, stopped) and commands are queued as
 * policy events and handled before the loop sleeps again, one at a time;
 * the actions the policy returns are performed here and nowhere else.
 */
#include <sys/queue.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "leftover.h"
#include "loop.h"
#include "proc.h"
#include "reload.h"
#include "sdnotify.h"
#include "store.h"
#include "util.h"

struct ev_loop	*loop_ev;
struct config	*loop_conf;
struct node	*loop_root;

static struct policy_event	*queue;		/* FIFO of events for the policy */
static size_t			 queue_len, queue_cap, queue_first;
#define LOOP_QUEUE_KEEP		256	/* events a drained queue keeps room for */
static struct action_list	 actions;
static ev_prepare		 loop_prepare;
static ev_idle			 loop_kick_w;	/* no sleep while events wait */
static int			 loop_draining;
static const struct loop_ops	*loop_ops;
static ev_signal		 loop_sigterm, loop_sigint, loop_sighup;
static int			 loop_exit_status = -1;
int				 loop_shutting_down;

/*
 * Supervisors waiting for EVT_RETRY or EVT_DEADLINE, by name: the node may
 * be gone (or restarted) by then, and a name is looked up again.
 */
struct loop_later {
	char			 name[NAME_MAX_LEN + 1];
	uint64_t		 incarnation;
	ev_timer		 timer;		/* deadlines */
	TAILQ_ENTRY(loop_later)	 entry;
};
TAILQ_HEAD(loop_later_list, loop_later);
static struct loop_later_list	 loop_retries = TAILQ_HEAD_INITIALIZER(loop_retries);
static struct loop_later_list	 loop_deadlines = TAILQ_HEAD_INITIALIZER(loop_deadlines);
/* workers waiting out a restart delay: one timer each, only while it waits */
static struct loop_later_list	 loop_backoffs = TAILQ_HEAD_INITIALIZER(loop_backoffs);
static ev_idle			 loop_retry_w;	/* lowest priority: after the clients */

static void	loop_drain(void);

static void
loop_queue(enum policy_evt type, struct node *n, int normal, const char *reason,
    void *tag)
{
	struct policy_event	*ev;

	if (queue_len == queue_cap) {
		queue_cap = queue_cap == 0 ? 64 : queue_cap * 2;
		queue = xrealloc(queue, queue_cap * sizeof *queue);
	}
	ev = &queue[queue_len++];
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->node = n;
	ev->normal = normal;
	ev->reason = reason != NULL ? xstrdup(reason) : NULL;
	ev->tag = tag;
	/*
	 * Queued from outside the drain (a client's call, a timer): the
	 * prepare watcher may have run already, so keep the loop from
	 * sleeping until the policy has seen it.
	 */
	loop_kick();
}

void
loop_kick(void)
{
	if (!loop_draining && loop_ev != NULL)
		ev_idle_start(loop_ev, &loop_kick_w);
}

void
loop_event(enum policy_evt type, struct node *n, int normal, const char *reason)
{
	loop_queue(type, n, normal, reason, NULL);
}

void
loop_command(enum policy_evt type, struct node *n, struct command *cmd)
{
	if (type == EVT_SHUTDOWN) {
		if (loop_shutting_down) {
			if (cmd != NULL)
				cmd->done(cmd, n, CMD_OK, NULL);
			return;
		}
		loop_shutting_down = 1;
		events_emit_name("shutdown", NULL, NULL);
		log_info("shutting down: stopping every child in reverse order");
		sdnotify_stopping();
	}
	loop_queue(type, n, 0, NULL, cmd);
}

static void
loop_report(struct action *a)
{
	struct node	*n = a->node;

	switch (a->report) {
	case RPT_RESTART:
		log_info("restart %s (restart %d)", n->name, n->restarts);
		events_emit("restart", n, json_pack("{s:i}", "restarts", n->restarts));
		break;
	case RPT_INTENSITY:
		log_warn("give up: %s", a->detail != NULL ? a->detail : n->name);
		events_emit("intensity", n, a->detail != NULL ?
		    json_pack("{s:s}", "reason", a->detail) : NULL);
		break;
	case RPT_REMOVE:
		log_info("remove %s", n->name);
		events_emit("remove", n, NULL);
		break;
	case RPT_SUP_STARTED:
		log_info("supervisor %s started", n->name);
		if (n == loop_root)
			sdnotify_ready();
		break;
	case RPT_SUP_STOPPED:
		log_info("supervisor %s stopped", n->name);
		break;
	case RPT_SUP_FAILED:
		log_err("supervisor %s failed to start: %s", n->name,
		    a->detail != NULL ? a->detail : "a child failed to start");
		break;
	case RPT_AUTO_SHUTDOWN:
		log_info("auto_shutdown: %s", a->detail);
		break;
	case RPT_SUP_KILL:
		log_warn("kill: %s", a->detail);
		break;
	case RPT_BACKOFF:
		log_info("backoff: %s", a->detail);
		events_emit("backoff", n, json_pack("{s:I}", "delay_ms",
		    (json_int_t)n->backoff_ms));
		break;
	}
}

static struct loop_later *
loop_later_new(struct node *n)
{
	struct loop_later	*l = xcalloc(1, sizeof *l);

	snprintf(l->name, sizeof l->name, "%s", n->name);
	l->incarnation = n->incarnation;
	return (l);
}

/*
 * OTP's try_again_restart is a message to the supervisor itself: the retry
 * waits for an idle moment of the loop, after the clients' requests and
 * every other event, and never makes the loop sleep.
 */
static void
loop_retry_cb(struct ev_loop *l, ev_idle *w, int revents)
{
	struct loop_later	*r;
	struct node		*n;

	(void)revents;
	ev_idle_stop(l, w);
	while ((r = TAILQ_FIRST(&loop_retries)) != NULL) {
		TAILQ_REMOVE(&loop_retries, r, entry);
		if ((n = tree_find(r->name)) != NULL)
			loop_event(EVT_RETRY, n, 0, NULL);
		free(r);
	}
}

static void
loop_retry(struct node *n)
{
	struct loop_later	*r = loop_later_new(n);

	TAILQ_INSERT_TAIL(&loop_retries, r, entry);
	ev_idle_start(loop_ev, &loop_retry_w);
}

static void
loop_deadline_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct loop_later	*d = w->data;
	struct node		*n;

	(void)l;
	(void)revents;
	TAILQ_REMOVE(&loop_deadlines, d, entry);
	/* a supervisor started again since is not the one that was stopping */
	if ((n = tree_find(d->name)) != NULL && n->incarnation == d->incarnation)
		loop_event(EVT_DEADLINE, n, 0, NULL);
	free(d);
}

static void
loop_deadline(struct node *n, int64_t ms)
{
	struct loop_later	*d = loop_later_new(n);

	ev_timer_init(&d->timer, loop_deadline_cb, ms / 1000.0, 0.);
	d->timer.data = d;
	ev_timer_start(loop_ev, &d->timer);
	TAILQ_INSERT_TAIL(&loop_deadlines, d, entry);
}

static void
loop_backoff_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct loop_later	*b = w->data;
	struct node		*n;

	(void)l;
	(void)revents;
	TAILQ_REMOVE(&loop_backoffs, b, entry);
	if ((n = tree_find(b->name)) != NULL && n->incarnation == b->incarnation)
		loop_event(EVT_BACKOFF, n, 0, NULL);
	free(b);
}

static struct loop_later *
loop_backoff_find(struct node *n)
{
	struct loop_later	*b;

	TAILQ_FOREACH(b, &loop_backoffs, entry)
		if (strcmp(b->name, n->name) == 0)
			return (b);
	return (NULL);
}

static void
loop_backoff_cancel(struct node *n)
{
	struct loop_later	*b;

	if ((b = loop_backoff_find(n)) == NULL)
		return;
	ev_timer_stop(loop_ev, &b->timer);
	TAILQ_REMOVE(&loop_backoffs, b, entry);
	free(b);
}

static void
loop_backoff(struct node *n, int64_t ms)
{
	struct loop_later	*b;

	loop_backoff_cancel(n);
	/* the delay is counted from now, not from when the loop last woke */
	ev_now_update(loop_ev);
	b = loop_later_new(n);
	ev_timer_init(&b->timer, loop_backoff_cb, ms / 1000.0, 0.);
	b->timer.data = b;
	ev_timer_start(loop_ev, &b->timer);
	TAILQ_INSERT_TAIL(&loop_backoffs, b, entry);
}

/* Perform one list of actions; removed nodes are freed once it is all done. */
static void
loop_perform(struct action_list *l)
{
	struct action	*a;
	int		 i;

	for (i = 0; i < l->len; i++) {
		a = &l->v[i];
		switch (a->type) {
		case ACT_START:
			proc_start(a->node);
			break;
		case ACT_STOP:
			proc_stop(a->node);
			break;
		case ACT_KILL:
			proc_kill(a->node);
			break;
		case ACT_RETRY:
			loop_retry(a->node);
			break;
		case ACT_DEADLINE:
			loop_deadline(a->node, a->ms);
			break;
		case ACT_BACKOFF:
			loop_backoff(a->node, a->ms);
			break;
		case ACT_BACKOFF_CANCEL:
			loop_backoff_cancel(a->node);
			break;
		case ACT_REPORT:
			loop_report(a);
			break;
		case ACT_DONE: {
			struct command	*cmd = a->tag;

			cmd->done(cmd, a->node, a->outcome, a->detail);
			break;
		}
		case ACT_REMOVE:
			break;
		case ACT_EXIT:
			loop_exit_status = a->status;
			if (a->status == 0)
				log_info("every child stopped; exiting");
			else if (a->status == 3 && proc_last_failure() != NULL)
				/* the root gave up: say which child, how and where */
				log_err("%s; %s", a->detail != NULL ? a->detail :
				    "giving up", proc_last_failure());
			else
				log_err("%s", a->detail != NULL ? a->detail : "exiting");
			break;
		}
	}
	for (i = 0; i < l->len; i++) {
		a = &l->v[i];
		if (a->type != ACT_REMOVE)
			continue;
		if (loop_ops != NULL && loop_ops->removed != NULL)
			loop_ops->removed(a->node);
		if (a->node->dynamic && !a->node->task)
			store_child_del(a->node->name);
		proc_forget(a->node);
		tree_node_free(a->node);
	}
}

/*
 * Events fed to the policy in one go at most: a crash storm queues
 * hundreds of exits an iteration, each a restart (a spawn), and the
 * clients' calls, the reaps and the timers are served between batches
 * (the loop does not sleep while events wait).  Each event still goes
 * through at once when few are queued: a lone restart is not slowed.
 */
#define LOOP_DRAIN_BATCH	32

/*
 * Feed the queued events to the policy, including those its actions
 * queue: at most max of them (0: all), the rest at the next iteration.
 */
static void
loop_drain_max(size_t max)
{
	struct policy_event	 ev;
	size_t			 done = 0;

	loop_draining = 1;
	ev_idle_stop(loop_ev, &loop_kick_w);
	while (queue_first < queue_len && (max == 0 || done++ < max)) {
		ev = queue[queue_first++];
		ev.now = now_mono_ms();
		if (ev.type == EVT_STOPPED)
			events_emit("stop", ev.node, NULL);
		policy_step(&ev, &actions);
		free((char *)ev.reason);
		loop_perform(&actions);
		action_list_clear(&actions);
	}
	/* states changed: systemd's STATUS= follows, rate-limited */
	if (done > 0)
		sdnotify_changed();
	if (queue_first < queue_len) {
		/* left for the next iteration, which does not sleep */
		memmove(queue, queue + queue_first, (queue_len - queue_first) *
		    sizeof *queue);
		queue_len -= queue_first;
		queue_first = 0;
		ev_idle_start(loop_ev, &loop_kick_w);
	} else {
		queue_first = queue_len = 0;
		/* the queue of a burst (a boot of thousands) is not kept at its peak */
		if (queue_cap > LOOP_QUEUE_KEEP) {
			free(queue);
			queue = NULL;
			queue_cap = 0;
		}
	}
	loop_draining = 0;
	/* commit, then reply: server.c's flusher runs after this */
	store_commit();
	if (loop_exit_status >= 0 && queue_len == 0) {
		sdnotify_flush();
		ev_break(loop_ev, EVBREAK_ALL);
	}
}

static void
loop_drain(void)
{
	loop_drain_max(LOOP_DRAIN_BATCH);
}

static void
loop_prepare_cb(struct ev_loop *l, ev_prepare *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	loop_drain();
}

static void
loop_kick_cb(struct ev_loop *l, ev_idle *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	loop_drain();
}

/* The runtime's outcomes, as policy events */
static void
loop_proc_started(struct node *n)
{
	loop_event(EVT_STARTED, n, 0, NULL);
}

static void
loop_proc_start_failed(struct node *n, const char *reason)
{
	loop_event(EVT_START_FAILED, n, 0, reason);
}

static void
loop_proc_exited(struct node *n, int normal)
{
	loop_event(EVT_EXITED, n, normal, NULL);
}

static void
loop_proc_stopped(struct node *n)
{
	loop_event(EVT_STOPPED, n, 0, NULL);
}

/* What the next supd must stop if this one dies: the group, by start time. */
static void
loop_proc_group_started(struct node *n, int pgid, uint64_t starttime)
{
	if (starttime != 0 || leftover_starttime(pgid, &starttime) == 0)
		store_group_put(n, pgid, starttime);
}

static void
loop_proc_group_gone(struct node *n, int pgid)
{
	(void)n;
	store_group_del(pgid);
}

static const struct proc_ops loop_proc_ops = {
	.started = loop_proc_started,
	.start_failed = loop_proc_start_failed,
	.exited = loop_proc_exited,
	.stopped = loop_proc_stopped,
	.group_started = loop_proc_group_started,
	.group_gone = loop_proc_group_gone,
};

static void
loop_signal_cb(struct ev_loop *l, ev_signal *w, int revents)
{
	(void)l;
	(void)revents;
	if (w->signum == SIGHUP) {
		if (loop_shutting_down)
			log_info("SIGHUP while shutting down: no reload");
		else
			reload_begin(0, NULL, NULL);
		return;
	}
	if (loop_shutting_down) {
		/* A second request to stop: main.c kills every group at once. */
		log_warn("%s again while shutting down: forcing the exit, SIGKILL "
		    "to every process group, exit status 1",
		    w->signum == SIGINT ? "SIGINT" : "SIGTERM");
		loop_exit_status = 1;
		ev_break(loop_ev, EVBREAK_ALL);
		return;
	}
	log_info("%s received", strsignal(w->signum));
	loop_command(EVT_SHUTDOWN, loop_root, NULL);
}

void
loop_init(struct config *conf, struct node *root, const struct loop_ops *ops)
{
	loop_ev = EV_DEFAULT;
	loop_conf = conf;
	loop_root = root;
	loop_ops = ops;
	ev_prepare_init(&loop_prepare, loop_prepare_cb);
	ev_prepare_start(loop_ev, &loop_prepare);
	ev_idle_init(&loop_kick_w, loop_kick_cb);
	ev_idle_init(&loop_retry_w, loop_retry_cb);
	ev_set_priority(&loop_retry_w, EV_MINPRI);
	ev_signal_init(&loop_sigterm, loop_signal_cb, SIGTERM);
	ev_signal_start(loop_ev, &loop_sigterm);
	ev_signal_init(&loop_sigint, loop_signal_cb, SIGINT);
	ev_signal_start(loop_ev, &loop_sigint);
	ev_signal_init(&loop_sighup, loop_signal_cb, SIGHUP);
	ev_signal_start(loop_ev, &loop_sighup);
	/* a client that hangs up must not kill supd */
	signal(SIGPIPE, SIG_IGN);
	/* a file past RLIMIT_FSIZE is a write error (EFBIG) to handle, not death */
	signal(SIGXFSZ, SIG_IGN);
	proc_init(loop_ev, &loop_proc_ops);
	/* before the first child starts: none inherits supd's NOTIFY_SOCKET */
	sdnotify_init();
}


int
loop_resume(void)
{
	struct node	*n;
	int64_t		 now = now_mono_ms();

	/* a reexec carried restart delays as deadlines: their timers again */
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		if (n->backoff_at != 0)
			loop_backoff(n, n->backoff_at > now ?
			    n->backoff_at - now : 0);
	loop_drain_max(0);
	if (loop_exit_status < 0)
		ev_run(loop_ev, 0);
	if (loop_exit_status < 0)
		loop_exit_status = 1;
	return (loop_exit_status);
}

int
loop_run(void)
{
	loop_event(EVT_BOOT, loop_root, 0, NULL);
	return (loop_resume());
}

int
loop_quiet(const char **why)
{
	static char	 buf[NAME_MAX_LEN + 64];
	struct node	*n;
	const char	*name;

	if (queue_first < queue_len || !TAILQ_EMPTY(&loop_retries) ||
	    !TAILQ_EMPTY(&loop_deadlines)) {
		*why = "a supervisor is restarting children";
		return (0);
	}
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n)) {
		name = NULL;
		if (n->state == NODE_STARTING)
			snprintf(buf, sizeof buf, "%s is starting", n->name);
		else if (n->state == NODE_STOPPING)
			snprintf(buf, sizeof buf, "%s is stopping", n->name);
		else if (n->sup != NULL && (policy_busy(n) ||
		    !TAILQ_EMPTY(&n->sup->pending)))
			snprintf(buf, sizeof buf, "supervisor %s is busy",
			    n->name);
		else
			continue;
		*why = buf;
		return (0);
	}
	if (proc_busy(&name)) {
		snprintf(buf, sizeof buf, "%s is between two states", name);
		*why = buf;
		return (0);
	}
	return (1);
}

void
loop_free(void)
{
	struct loop_later	*l;

	while ((l = TAILQ_FIRST(&loop_retries)) != NULL) {
		TAILQ_REMOVE(&loop_retries, l, entry);
		free(l);
	}
	while ((l = TAILQ_FIRST(&loop_deadlines)) != NULL) {
		ev_timer_stop(loop_ev, &l->timer);
		TAILQ_REMOVE(&loop_deadlines, l, entry);
		free(l);
	}
	while ((l = TAILQ_FIRST(&loop_backoffs)) != NULL) {
		ev_timer_stop(loop_ev, &l->timer);
		TAILQ_REMOVE(&loop_backoffs, l, entry);
		free(l);
	}
	if (loop_ev != NULL)
		ev_idle_stop(loop_ev, &loop_retry_w);
	sdnotify_free();
	action_list_free(&actions);
	free(queue);
	queue = NULL;
	queue_cap = 0;
}
