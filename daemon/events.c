/*
 * events.c — the event history: a bounded ring of compact JSON lines with
 * increasing seq numbers, and the live listeners (server.c's followers).
 * Who sees something happen calls events_emit; nothing here logs or blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "tree.h"
#include "util.h"

struct listener {
	events_listener	 fn;
	void		*arg;
};

static char		**ring;		/* compact JSON, oldest at ring_head */
static size_t		  ring_cap, ring_len, ring_head;
static uint64_t		  last_seq;
static uint64_t		  total;
static struct listener	 *listeners;
static size_t		  nlisteners, caplisteners;

void
events_init(int64_t history_max)
{
	ring_cap = history_max > 0 ? (size_t)history_max : 1;
	ring = xcalloc(ring_cap, sizeof *ring);
}

void
events_free(void)
{
	size_t	i;

	for (i = 0; i < ring_len; i++)
		free(ring[(ring_head + i) % ring_cap]);
	free(ring);
	free(listeners);
	ring = NULL;
	listeners = NULL;
	ring_len = ring_head = nlisteners = caplisteners = 0;
}

static void
events_record(json_t *ev)
{
	char	*line;

	if (ring == NULL)
		return;
	if ((line = json_dumps(ev, JSON_COMPACT)) == NULL)
		return;
	if (ring_len == ring_cap) {
		free(ring[ring_head]);
		ring_head = (ring_head + 1) % ring_cap;
		ring_len--;
	}
	ring[(ring_head + ring_len) % ring_cap] = line;
	ring_len++;
}

void
events_emit_name(const char *event, const char *name, json_t *fields)
{
	json_t	*ev;
	size_t	 i;

	ev = json_object();
	json_object_set_new(ev, "seq", json_integer((json_int_t)++last_seq));
	json_object_set_new(ev, "time", json_integer(now_wall_ms()));
	json_object_set_new(ev, "event", json_string(event));
	json_object_set_new(ev, "name", name != NULL ? json_string(name) : json_null());
	if (fields != NULL) {
		json_object_update_missing(ev, fields);
		json_decref(fields);
	}
	total++;
	events_record(ev);
	/* a listener may unlisten itself (a follower cut off): walk by index */
	for (i = 0; i < nlisteners; i++) {
		struct listener	l = listeners[i];

		l.fn(ev, l.arg);
		if (i < nlisteners && (listeners[i].fn != l.fn || listeners[i].arg != l.arg))
			i--;
	}
	json_decref(ev);
}

void
events_emit(const char *event, const struct node *n, json_t *fields)
{
	events_emit_name(event, n != NULL ? n->name : NULL, fields);
}

void
events_listen(events_listener fn, void *arg)
{
	if (nlisteners == caplisteners) {
		caplisteners = caplisteners == 0 ? 8 : caplisteners * 2;
		listeners = xrealloc(listeners, caplisteners * sizeof *listeners);
	}
	listeners[nlisteners].fn = fn;
	listeners[nlisteners].arg = arg;
	nlisteners++;
}

void
events_unlisten(events_listener fn, void *arg)
{
	size_t	i;

	for (i = 0; i < nlisteners; i++) {
		if (listeners[i].fn == fn && listeners[i].arg == arg) {
			memmove(&listeners[i], &listeners[i + 1],
			    (nlisteners - i - 1) * sizeof *listeners);
			nlisteners--;
			return;
		}
	}
}

void
events_history(uint64_t since, int (*fn)(const json_t *, void *), void *arg)
{
	size_t		 i = 0;
	uint64_t	 first = last_seq - ring_len + 1;
	json_t		*ev;
	json_error_t	 jerr;
	int		 stop;

	/* seq numbers in the ring are contiguous: start right after since */
	if (since >= first)
		i = since - first + 1;
	for (; i < ring_len; i++) {
		ev = json_loads(ring[(ring_head + i) % ring_cap], 0, &jerr);
		if (ev == NULL)
			continue;
		stop = fn(ev, arg);
		json_decref(ev);
		if (stop)
			return;
	}
}

uint64_t
events_last_seq(void)
{
	return (last_seq);
}

uint64_t
events_total(void)
{
	return (total);
}
