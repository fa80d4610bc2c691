/*
 * task.c — what tasks leave behind (Task.Supervisor.async_nolink's result):
 * one entry per task from Run until TASK_RESULTS_MAX later results push
 * it out or it is older than TASK_RESULTS_AGE_MS, kept in the state
 * database too, so `await` finds it after a restart of supd; the timer of
 * a task with a timeout, and the Await calls parked on a running task.  The loop reports removed nodes to task_exited (main.c
 * wires it); the policy never sees this.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <uthash.h>

#include "logs.h"
#include "loop.h"
#include "method.h"
#include "proto.h"
#include "store.h"
#include "task.h"
#include "tree.h"
#include "util.h"

struct task;

struct task_waiter {
	struct call		*call;
	struct task		*task;
	ev_timer		 timer;
	TAILQ_ENTRY(task_waiter) entry;
};

struct task {
	char			 name[NAME_MAX_LEN + 1];
	int			 running;
	int			 pid;		/* last known */
	int			 code;		/* -1: none */
	int			 signal;	/* 0: none */
	int			 timed_out;
	char			*reason;	/* it never started: why */
	int64_t			 started_at, ended_at;	/* unix ms */
	ev_timer		 timeout;
	int			 has_timeout;
	TAILQ_HEAD(, task_waiter) waiters;
	TAILQ_ENTRY(task)	 done_entry;	/* finished ones, oldest first */
	UT_hash_handle		 hh;
};

static struct task		*task_table;
static TAILQ_HEAD(, task)	 task_done = TAILQ_HEAD_INITIALIZER(task_done);
static size_t			 task_ndone;
static uint64_t			 task_seq;

static struct task *
task_find(const char *name)
{
	struct task	*t;

	HASH_FIND_STR(task_table, name, t);
	return (t);
}

static void
task_free(struct task *t)
{
	HASH_DEL(task_table, t);
	if (!t->running) {
		TAILQ_REMOVE(&task_done, t, done_entry);
		task_ndone--;
	}
	if (t->has_timeout)
		ev_timer_stop(loop_ev, &t->timeout);
	free(t->reason);
	free(t);
}

static json_t *
task_result(const struct task *t)
{
	struct node	*n;
	json_t		*status;
	int		 pid = t->pid;

	if (t->running && (n = tree_find(t->name)) != NULL && n->pid > 0)
		pid = n->pid;
	if (t->running || t->reason != NULL)
		status = json_null();
	else if (t->signal > 0)
		status = json_integer(128 + t->signal);
	else if (t->code >= 0)
		status = json_integer(t->code);
	else
		status = json_null();
	return (json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:I, s:o, s:o}",
	    "name", t->name,
	    "state", t->running ? "running" : t->reason != NULL ? "failed" :
	    "exited",
	    "pid", call_pid(pid),
	    "code", !t->running && t->code >= 0 && t->reason == NULL ?
	    json_integer(t->code) : json_null(),
	    "signal", !t->running && t->signal > 0 ? json_integer(t->signal) :
	    json_null(),
	    "exit_status", status,
	    "timed_out", t->timed_out,
	    "started_at", (json_int_t)t->started_at,
	    "ended_at", t->running ? json_null() : json_integer(t->ended_at),
	    "reason", t->reason != NULL ? json_string(t->reason) : json_null()));
}

/* The result as the state database keeps it. */
static void
task_save(const struct task *t)
{
	json_t	*r = task_result(t);
	char	*text = json_dumps(r, JSON_COMPACT);

	json_decref(r);
	if (text != NULL)
		store_task_put(t->name, text, t->running ? t->started_at :
		    t->ended_at);
	free(text);
}

/* Push out the oldest results: past the count, or past the age. */
static void
task_trim(void)
{
	struct task	*t;
	int64_t		 old = now_wall_ms() - TASK_RESULTS_AGE_MS;

	while ((t = TAILQ_FIRST(&task_done)) != NULL &&
	    (task_ndone > TASK_RESULTS_MAX || t->ended_at < old)) {
		store_task_del(t->name);
		/* a task's output lives as long as its result */
		if (tree_find(t->name) == NULL)
			logs_remove(t->name);
		task_free(t);
	}
}

/* A task past its timeout is stopped like `supctl stop`; its result says so. */
static void
task_timeout_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct task	*t = w->data;
	struct node	*n;

	(void)l;
	(void)revents;
	t->has_timeout = 0;
	if (!t->running || (n = tree_find(t->name)) == NULL || !n->task)
		return;
	log_info("task %s: timed out; stopping it", t->name);
	t->timed_out = 1;
	loop_command(EVT_CMD_STOP, n, NULL);
}

/*
 * A running task's record: started at started_at (unix ms), stopped by its
 * timeout after timeout_ms (0: none).  A name used again: the new task's
 * result replaces the old one.
 */
static struct task *
task_begin(struct node *n, int64_t started_at, int64_t timeout_ms)
{
	struct task	*t;

	if ((t = task_find(n->name)) != NULL)
		task_free(t);
	t = xcalloc(1, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", n->name);
	t->running = 1;
	t->code = -1;
	t->started_at = started_at;
	TAILQ_INIT(&t->waiters);
	if (timeout_ms > 0) {
		ev_timer_init(&t->timeout, task_timeout_cb,
		    (double)timeout_ms / 1000.0, 0.);
		t->timeout.data = t;
		ev_timer_start(loop_ev, &t->timeout);
		t->has_timeout = 1;
	}
	HASH_ADD_STR(task_table, name, t);
	return (t);
}

void
task_started(struct node *n, int64_t timeout_ms)
{
	/* if supd dies before it ends, the next one says so */
	task_save(task_begin(n, now_wall_ms(), timeout_ms));
}

void
task_running(const char *name, int pid)
{
	struct task	*t;

	if ((t = task_find(name)) != NULL && t->running)
		t->pid = pid;
}

void
task_failed(const char *name, const char *reason)
{
	struct task	*t;

	if ((t = task_find(name)) != NULL && t->running && t->reason == NULL)
		t->reason = xstrdup(reason != NULL ? reason : "unknown reason");
}

static void
task_waiter_free(struct task_waiter *w)
{
	TAILQ_REMOVE(&w->task->waiters, w, entry);
	ev_timer_stop(loop_ev, &w->timer);
	w->call->data = NULL;
	w->call->cancel = NULL;
	free(w);
}

void
task_exited(struct node *n)
{
	struct task		*t;
	struct task_waiter	*w;
	struct call		*c;
	TAILQ_HEAD(, task_waiter) woken;

	if (!n->task)
		return;
	if ((t = task_find(n->name)) == NULL) {
		/* a task this run of supd did not start (restored from state) */
		task_started(n, 0);
		t = task_find(n->name);
	}
	if (!t->running)
		return;
	t->running = 0;
	if (n->pid > 0)
		t->pid = n->pid;
	t->code = n->last_exit_code;
	t->signal = n->last_exit_signal;
	if (n->started_at > 0)
		t->started_at = n->started_at;
	t->ended_at = now_wall_ms();
	if (t->has_timeout) {
		ev_timer_stop(loop_ev, &t->timeout);
		t->has_timeout = 0;
	}
	TAILQ_INSERT_TAIL(&task_done, t, done_entry);
	task_ndone++;
	task_save(t);
	/*
	 * Answer the waiters only once the table is settled: answering lets
	 * their clients' next calls run, and a Run of the same name would
	 * free t under us.
	 */
	TAILQ_INIT(&woken);
	TAILQ_CONCAT(&woken, &t->waiters, entry);
	TAILQ_FOREACH(w, &woken, entry) {
		call_ok(w->call, json_pack("{s:o}", "result", task_result(t)));
		/*
		 * Answered once the result is on disk (server.c holds it);
		 * in trouble at once: a result is no promise about the disk.
		 */
		if (store_trouble() == NULL) {
			w->call->commit_ticket = store_ticket();
			store_want(w->call->commit_ticket);
		}
	}
	task_trim();
	while ((w = TAILQ_FIRST(&woken)) != NULL) {
		TAILQ_REMOVE(&woken, w, entry);
		ev_timer_stop(loop_ev, &w->timer);
		c = w->call;
		c->data = NULL;
		c->cancel = NULL;
		free(w);
		call_done(c);
	}
}

void
task_new_name(char *buf, size_t size)
{
	do
		snprintf(buf, size, "task-%llu", (unsigned long long)++task_seq);
	while (tree_find(buf) != NULL || task_find(buf) != NULL);
}

static void
task_await_timeout_cb(struct ev_loop *l, ev_timer *tw, int revents)
{
	struct task_waiter	*w = tw->data;
	struct call		*c = w->call;

	(void)l;
	(void)revents;
	task_waiter_free(w);
	call_fail(c, SUPD_TIMEOUT, "{s:s}", "name", c->name);
	call_done(c);
}

static void
task_await_cancel(struct call *c)
{
	task_waiter_free(c->data);
}

int
task_await(struct call *c, const char *name, int64_t timeout_ms)
{
	struct task_waiter	*w;
	struct task		*t;

	if ((t = task_find(name)) == NULL)
		return (call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name", name));
	if (!t->running)
		return (call_ok(c, json_pack("{s:o}", "result", task_result(t))));
	snprintf(c->name, sizeof c->name, "%s", t->name);
	w = xcalloc(1, sizeof *w);
	w->call = c;
	w->task = t;
	ev_init(&w->timer, task_await_timeout_cb);
	w->timer.data = w;
	if (timeout_ms > 0) {
		ev_timer_set(&w->timer, (double)timeout_ms / 1000.0, 0.);
		ev_timer_start(loop_ev, &w->timer);
	}
	TAILQ_INSERT_TAIL(&t->waiters, w, entry);
	c->data = w;
	c->cancel = task_await_cancel;
	return (CALL_WAIT);
}

static int64_t
task_ms(json_t *r, const char *key)
{
	json_t	*v = json_object_get(r, key);

	return (json_is_integer(v) ? (int64_t)json_integer_value(v) : 0);
}

void
task_restore(const char *name, const char *result)
{
	struct task	*t;
	json_t		*r, *v;
	int		 interrupted;

	if ((r = json_loads(result, 0, NULL)) == NULL || !json_is_object(r) ||
	    strlen(name) > NAME_MAX_LEN || task_find(name) != NULL) {
		json_decref(r);
		return;
	}
	t = xcalloc(1, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	TAILQ_INIT(&t->waiters);
	t->pid = (int)task_ms(r, "pid");
	t->code = json_is_integer(json_object_get(r, "code")) ?
	    (int)task_ms(r, "code") : -1;
	t->signal = (int)task_ms(r, "signal");
	t->timed_out = json_is_true(json_object_get(r, "timed_out"));
	t->started_at = task_ms(r, "started_at");
	t->ended_at = task_ms(r, "ended_at");
	v = json_object_get(r, "state");
	interrupted = json_is_string(v) &&
	    strcmp(json_string_value(v), "running") == 0;
	if (interrupted) {
		/* its process group went with the last run (main.c stopped it) */
		t->reason = xstrdup("interrupted: supd exited while it ran");
		t->code = -1;
		t->ended_at = now_wall_ms();
	} else if (json_is_string(v = json_object_get(r, "reason")))
		t->reason = xstrdup(json_string_value(v));
	json_decref(r);
	HASH_ADD_STR(task_table, name, t);
	TAILQ_INSERT_TAIL(&task_done, t, done_entry);
	task_ndone++;
	/* the row is what the file holds already, unless it changed here */
	if (interrupted)
		task_save(t);
	task_trim();
}

void
task_adopt(struct node *n, int64_t started_at, int64_t deadline,
    int timed_out)
{
	struct task	*t;
	int64_t		 left = deadline - now_mono_ms();

	/* a deadline passed during the exec: due at once */
	t = task_begin(n, started_at, deadline <= 0 ? 0 : left > 0 ? left : 1);
	t->pid = n->pid;
	t->timed_out = timed_out;
	/* the row says "interrupted" now if task_restore rewrote it */
	task_save(t);
}

int64_t
task_deadline(const char *name, int *timed_out)
{
	struct task	*t = task_find(name);

	*timed_out = t != NULL && t->timed_out;
	if (t == NULL || !t->running || !t->has_timeout)
		return (0);
	return (now_mono_ms() + (int64_t)(ev_timer_remaining(loop_ev,
	    &t->timeout) * 1000.0));
}

/* When a task started (unix ms), 0 if unknown. */
int64_t
task_started_at(const char *name)
{
	struct task	*t = task_find(name);

	return (t != NULL ? t->started_at : 0);
}

void
task_resave(void)
{
	struct task	*t, *tmp;

	HASH_ITER(hh, task_table, t, tmp)
		task_save(t);
}

size_t
task_count(void)
{
	return (HASH_COUNT(task_table));
}

void
task_free_all(void)
{
	struct task	*t, *tmp;

	HASH_ITER(hh, task_table, t, tmp) {
		while (!TAILQ_EMPTY(&t->waiters))
			task_waiter_free(TAILQ_FIRST(&t->waiters));
		task_free(t);
	}
}
