/*
 * method-events.c — Events: the history after a seq, replayed at the pace
 * the client reads it, then with follow the live events as events.c emits
 * them.  A follower that cannot keep up is cut off by server.c with an
 * error; it never misses an event silently.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "method.h"
#include "proto.h"
#include "store.h"
#include "util.h"

static int	method_events(struct call *);

static const char *const method_events_params[] = {
	"since", "names", "follow", NULL
};

struct method method_events_entry = {
	.name = PROTO_METHOD("Events"),
	.flags = M_READ | M_MORE,
	.params = method_events_params,
	.call = method_events,
};

struct method_events {
	json_t		*names;		/* NULL: every event */
	uint64_t	 upto;		/* recorded when it came: replay waits for it */
	int		 waiting;	/* listening until upto is published */
	uint64_t	 cursor;	/* the last seq sent */
	int		 follow;
	int		 live;		/* listening to events.c */
	int		 started;	/* sent from the history: no gap allowed now */
};

static int
method_events_match(struct method_events *me, const struct event_rec *ev)
{
	json_t		*v;
	size_t		 i;

	if (me->names == NULL)
		return (1);
	if (ev->name == NULL)
		return (0);
	json_array_foreach(me->names, i, v)
		if (strcmp(json_string_value(v), ev->name) == 0)
			return (1);
	return (0);
}

/* Send one event; 0 to go on, 1 to pause (output backed up or peer gone). */
static int
method_events_send(struct call *c, const struct event_rec *ev)
{
	struct method_events	*me = c->data;

	if (ev->seq <= me->cursor)
		return (0);
	if (me->started && ev->seq != me->cursor + 1) {
		/* the history moved on past a paused reader: say so, never skip */
		call_cut_off(c);
		return (1);
	}
	me->started = 1;
	me->cursor = ev->seq;
	if (!method_events_match(me, ev))
		return (0);
	if (call_stream_text(c, "event", ev->json, ev->len) == -1)
		return (1);
	return (0);
}

static int
method_events_history_cb(const struct event_rec *ev, void *arg)
{
	struct call	*c = arg;

	if (method_events_send(c, ev) != 0)
		return (1);
	/* paced: let the client read before the next part of the history */
	return (!call_stream_room(c));
}

static void
method_events_live_cb(const struct event_rec *ev, void *arg)
{
	method_events_send(arg, ev);
}

static void	method_events_replay(struct call *);

/* Read your writes: what happened before the call is in its reply. */
static void
method_events_wait_cb(const struct event_rec *ev, void *arg)
{
	struct call		*c = arg;
	struct method_events	*me = c->data;

	if (ev->seq < me->upto)
		return;
	events_unlisten(method_events_wait_cb, c);
	me->waiting = 0;
	method_events_replay(c);
}

static void
method_events_cancel(struct call *c)
{
	struct method_events	*me = c->data;

	if (me->waiting)
		events_unlisten(method_events_wait_cb, c);
	if (me->live)
		events_unlisten(method_events_live_cb, c);
	json_decref(me->names);
	free(me);
	c->data = NULL;
}

/* Replay what is left of the history; then end, or turn live. */
static void
method_events_replay(struct call *c)
{
	struct method_events	*me = c->data;

	if (c->client == NULL || me->waiting)
		return;
	events_history(me->cursor, method_events_history_cb, c);
	if (me->cursor < events_last_seq())
		return;		/* paused: writable() calls again */
	c->writable = NULL;
	if (me->follow) {
		me->live = 1;
		events_listen(method_events_live_cb, c);
		return;
	}
	method_events_cancel(c);
	c->cancel = NULL;
	call_ok(c, json_object());
	call_done(c);
}

static int
method_events(struct call *c)
{
	struct method_events	*me;
	json_int_t		 since = 0;
	json_t			*names;
	int			 follow = 0;

	if (call_int(c, "since", 0, &since) == -1 ||
	    call_strv(c, "names", &names) == -1 ||
	    call_bool(c, "follow", &follow) == -1)
		return (CALL_DONE);
	if (since < 0)
		return (call_invalid(c, "since"));
	if (!c->more)
		return (call_fail(c, VL_EXPECTED_MORE, "{}"));
	me = xcalloc(1, sizeof *me);
	me->names = names != NULL && json_array_size(names) > 0 ?
	    json_incref(names) : NULL;
	me->cursor = (uint64_t)since;
	me->follow = follow;
	c->endless = follow;
	c->data = me;
	c->cancel = method_events_cancel;
	c->writable = method_events_replay;
	me->upto = events_recorded_seq();
	if (events_last_seq() < me->upto) {
		/* events of earlier calls still on their way to the disk */
		me->waiting = 1;
		events_listen(method_events_wait_cb, c);
		store_want(store_ticket());
		store_commit();
		return (CALL_WAIT);
	}
	method_events_replay(c);
	return (CALL_WAIT);
}
