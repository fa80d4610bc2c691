/*
 * events.c — the event history: a bounded ring of compact JSON lines with
 * increasing seq numbers, and the live listeners (method-events.c's
 * followers).  A line is kept as text, with the event's name after its
 * NUL, so a replay copies bytes instead of parsing and printing JSON.
 * Who sees something happen calls events_emit; nothing here logs or blocks.
 * An event is recorded at once (with the next seq and its time) but printed,
 * kept and queued for the state database only by events_flush, which the
 * store's commit calls: a restart starts the new process before its exit,
 * restart and start events are printed.  It is published (to followers and
 * replays) only once it is on disk, so a seq anyone has seen is never given
 * again by the next supd.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "store.h"
#include "tree.h"
#include "util.h"

struct listener {
	events_listener	 fn;
	void		*arg;
};

/* One allocation: the JSON text, its NUL, then the name and its NUL (if any). */
struct line {
	char		*text;
	uint32_t	 len;		/* a line is far shorter: 16 bytes a slot */
	uint32_t	 named;
};

/* An event recorded but not printed yet. */
struct pend {
	uint64_t	 seq;
	int64_t		 time;
	const char	*event;		/* a literal */
	char		*name;		/* or NULL */
	json_t		*fields;	/* or NULL */
};

static struct line	 *ring;		/* oldest at ring_head */
static size_t		  ring_cap, ring_len, ring_head;
static uint64_t		  ring_last;	/* seq of the ring's newest line */
static uint64_t		  last_seq;	/* given: in the ring or pending */
static struct pend	 *pending;
static size_t		  npending, cappending;
#define EVENTS_PENDING_KEEP	256	/* room a flushed pending list keeps */
static uint64_t		  published;	/* followers have seen up to here */
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

	events_flush();
	free(pending);
	pending = NULL;
	npending = cappending = 0;
	for (i = 0; i < ring_len; i++)
		free(ring[(ring_head + i) % ring_cap].text);
	free(ring);
	free(listeners);
	ring = NULL;
	listeners = NULL;
	ring_len = ring_head = nlisteners = caplisteners = 0;
}

static void
events_rec(const struct line *l, uint64_t seq, struct event_rec *r)
{
	r->seq = seq;
	r->json = l->text;
	r->len = l->len;
	r->name = l->named ? l->text + l->len + 1 : NULL;
}

/* Print ev into a line; 0, or -1 if it cannot be printed. */
static int
events_line(json_t *ev, const char *name, struct line *l)
{
	size_t	n, nlen = name != NULL ? strlen(name) + 1 : 0;

	if ((n = json_dumpb(ev, NULL, 0, JSON_COMPACT)) == 0)
		return (-1);
	l->text = xmalloc(n + 1 + nlen);
	if (json_dumpb(ev, l->text, n, JSON_COMPACT) != n) {
		free(l->text);
		return (-1);
	}
	l->text[n] = '\0';
	if (name != NULL)
		memcpy(l->text + n + 1, name, nlen);
	l->len = n;
	l->named = name != NULL;
	return (0);
}

static void
events_drop_oldest(void)
{
	free(ring[ring_head].text);
	ring_head = (ring_head + 1) % ring_cap;
	ring_len--;
}

/* Append l to the ring, pushing the oldest out when it is full. */
static void
events_keep(const struct line *l)
{
	if (ring_len == ring_cap)
		events_drop_oldest();
	ring[(ring_head + ring_len) % ring_cap] = *l;
	ring_len++;
}

/* The ring's line for seq, or NULL if it is not (or no longer) there. */
static const struct line *
events_at(uint64_t seq)
{
	uint64_t	first = ring_last - ring_len + 1;

	if (ring_len == 0 || seq < first || seq > ring_last)
		return (NULL);
	return (&ring[(ring_head + (seq - first)) % ring_cap]);
}

void
events_publish(uint64_t upto)
{
	struct event_rec rec;
	const struct line *l;
	size_t		 i;

	events_flush();
	if (upto > last_seq)
		upto = last_seq;
	while (published < upto) {
		if ((l = events_at(++published)) == NULL)
			continue;
		events_rec(l, published, &rec);
		/* a listener may unlisten itself (a follower cut off): walk by index */
		for (i = 0; i < nlisteners; i++) {
			struct listener	li = listeners[i];

			li.fn(&rec, li.arg);
			if (i < nlisteners && (listeners[i].fn != li.fn ||
			    listeners[i].arg != li.arg))
				i--;
		}
	}
}

void
events_restore(uint64_t seq, const char *json, const char *name)
{
	struct line	l;
	size_t		n = strlen(json), nlen = name != NULL ? strlen(name) + 1 : 0;
	json_t		*ev;
	int		ok;

	/* rows come oldest first; anything out of order is not ours */
	events_flush();
	if (ring == NULL || seq <= last_seq)
		return;
	/* replies splice the text as it is: it must be the event it says */
	ev = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	ok = json_is_object(ev) && json_is_integer(json_object_get(ev, "seq")) &&
	    (uint64_t)json_integer_value(json_object_get(ev, "seq")) == seq;
	json_decref(ev);
	/* the ring holds consecutive seqs: a gap (or a bad row) starts it again */
	if (!ok || (ring_len > 0 && seq != last_seq + 1))
		while (ring_len > 0)
			events_drop_oldest();
	if (!ok) {
		/* its seq was given all the same: never give it again */
		last_seq = ring_last = published = seq;
		return;
	}
	l.text = xmalloc(n + 1 + nlen);
	memcpy(l.text, json, n + 1);
	if (name != NULL)
		memcpy(l.text + n + 1, name, nlen);
	l.len = n;
	l.named = name != NULL;
	events_keep(&l);
	last_seq = ring_last = published = seq;
}

void
events_skip_to(uint64_t seq)
{
	events_flush();
	if (seq <= last_seq)
		return;
	/* the ring holds consecutive seqs: what is missing starts it again */
	while (ring_len > 0)
		events_drop_oldest();
	last_seq = ring_last = published = seq;
}

void
events_resave(void)
{
	const struct line *l;
	uint64_t	 seq;

	events_flush();
	for (seq = ring_last - ring_len + 1; seq <= ring_last && ring_len > 0; seq++)
		if ((l = events_at(seq)) != NULL)
			store_event_put(seq, l->text, l->len,
			    l->named ? l->text + l->len + 1 : NULL);
}

void
events_emit_name(const char *event, const char *name, json_t *fields)
{
	struct pend	*p;

	if (ring == NULL) {
		json_decref(fields);
		return;
	}
	if (npending == cappending) {
		cappending = cappending == 0 ? 16 : cappending * 2;
		pending = xrealloc(pending, cappending * sizeof *pending);
	}
	p = &pending[npending++];
	p->seq = ++last_seq;
	p->time = now_wall_ms();
	p->event = event;
	p->name = name != NULL ? xstrdup(name) : NULL;
	p->fields = fields;
	total++;
}

/* Print one pending event into the ring and the store's batch. */
static void
events_print(struct pend *p)
{
	struct line	 l;
	json_t		*ev;

	ev = json_object();
	json_object_set_new(ev, "seq", json_integer((json_int_t)p->seq));
	json_object_set_new(ev, "time", json_integer(p->time));
	json_object_set_new(ev, "event", json_string(p->event));
	json_object_set_new(ev, "name", p->name != NULL ?
	    json_string(p->name) : json_null());
	if (p->fields != NULL) {
		json_object_update_missing(ev, p->fields);
		json_decref(p->fields);
	}
	if (events_line(ev, p->name, &l) == -1) {
		/* given, never seen: the ring (consecutive seqs) starts again */
		while (ring_len > 0)
			events_drop_oldest();
		ring_last = p->seq;
	} else {
		if (ring_len > 0 && p->seq != ring_last + 1)
			while (ring_len > 0)
				events_drop_oldest();
		events_keep(&l);
		ring_last = p->seq;
		store_event_put(p->seq, l.text, l.len, p->name);
	}
	json_decref(ev);
	free(p->name);
}

void
events_flush(void)
{
	size_t	 i;

	/* printing never emits, but keep to the count taken */
	for (i = 0; i < npending; i++)
		events_print(&pending[i]);
	npending = 0;
	/* a burst's (a boot of thousands) is not kept at its peak */
	if (cappending > EVENTS_PENDING_KEEP) {
		free(pending);
		pending = NULL;
		cappending = 0;
	}
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
events_history(uint64_t since, int (*fn)(const struct event_rec *, void *),
    void *arg)
{
	struct event_rec rec;
	size_t		 i = 0;
	uint64_t	 first;

	events_flush();
	first = ring_last - ring_len + 1;
	/* seq numbers in the ring are contiguous: start right after since */
	if (since >= first)
		i = since - first + 1;
	for (; i < ring_len && first + i <= published; i++) {
		events_rec(&ring[(ring_head + i) % ring_cap], first + i, &rec);
		if (fn(&rec, arg))
			return;
	}
}

uint64_t
events_last_seq(void)
{
	return (published);
}

uint64_t
events_recorded_seq(void)
{
	return (last_seq);
}

uint64_t
events_total(void)
{
	return (total);
}
