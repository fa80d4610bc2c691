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
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "jtext.h"
#include "store.h"
#include "tree.h"
#include "util.h"

#ifdef SUPD_ASAN
#include <sanitizer/lsan_interface.h>
#endif

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

/*
 * An event recorded but not printed yet.  Its name and its fields, as the
 * text the line will splice in, are in pend_text: a boot's ten thousand
 * events held as jansson objects were five small blocks each, freed among
 * the blocks kept (each child's runtime data, its line).
 */
struct pend {
	uint64_t	 seq;
	int64_t		 time;
	const char	*event;		/* a literal */
	size_t		 off;		/* in pend_text: the name and its NUL, then the fields */
	uint32_t	 nlen;		/* the name's bytes and NUL; 0: none */
	uint32_t	 flen;		/* ",\"key\":value..." or none; or PEND_BAD */
};
#define PEND_BAD	UINT32_MAX	/* the fields could not be printed */

static struct line	 *ring;		/* oldest at ring_head */
static size_t		  ring_cap, ring_len, ring_head;
static uint64_t		  ring_last;	/* seq of the ring's newest line */
static uint64_t		  last_seq;	/* given: in the ring or pending */
static struct pend	 *pending;
static size_t		  npending, cappending;
#define EVENTS_PENDING_KEEP	256	/* room a flushed pending list keeps */
static char		 *pend_text;
static size_t		  pend_len, pend_cap;
#define EVENTS_TEXT_KEEP	16384	/* room a flushed pend_text keeps */
static struct jtext	  events_scratch;	/* a line being printed */
static uint64_t		  published;	/* followers have seen up to here */
static uint64_t		  total;
static struct listener	 *listeners;
static size_t		  nlisteners, caplisteners;

/*
 * The ring is mapped, not calloc'd: glibc would carve a block this large
 * from the heap's top when the configuration's parse left room there, and
 * clear every page of it; mapped, a page costs only once a line is in it.
 */
void
events_init(int64_t history_max)
{
	ring_cap = history_max > 0 ? (size_t)history_max : 1;
	if (ring_cap > SIZE_MAX / sizeof *ring)
		fatal("history_max %lld is too large", (long long)history_max);
	ring = mmap(NULL, ring_cap * sizeof *ring, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ring == MAP_FAILED)
		fatal("the event history (%lld events): %s",
		    (long long)history_max, strerror(errno));
#ifdef SUPD_ASAN
	/* the leak checker looks for the lines' pointers in the heap only */
	__lsan_register_root_region(ring, ring_cap * sizeof *ring);
#endif
}

void
events_free(void)
{
	size_t	i;

	events_flush();
	free(pending);
	pending = NULL;
	npending = cappending = 0;
	free(pend_text);
	pend_text = NULL;
	pend_len = pend_cap = 0;
	free(events_scratch.buf);
	memset(&events_scratch, 0, sizeof events_scratch);
	for (i = 0; i < ring_len; i++)
		free(ring[(ring_head + i) % ring_cap].text);
	if (ring != NULL) {
#ifdef SUPD_ASAN
		__lsan_unregister_root_region(ring, ring_cap * sizeof *ring);
#endif
		munmap(ring, ring_cap * sizeof *ring);
	}
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

/*
 * Print p into a line: what jansson's compact dump of the object seq,
 * time, event, name and then the fields would give; 0, or -1 if it
 * cannot be printed.  Made in events_scratch, then copied out at its size.
 */
static int
events_line(const struct pend *p, struct line *l)
{
	const char	*name = p->nlen > 0 ? pend_text + p->off : NULL;
	struct jtext	*t = &events_scratch;

	if (p->flen == PEND_BAD)
		return (-1);
	t->len = 0;
	JTEXT_ADD(t, "{\"seq\":");
	jtext_add_int(t, (long long)p->seq);
	JTEXT_ADD(t, ",\"time\":");
	jtext_add_int(t, (long long)p->time);
	JTEXT_ADD(t, ",\"event\":");
	jtext_add_str(t, p->event);
	JTEXT_ADD(t, ",\"name\":");
	jtext_add_str(t, name);
	if (p->flen > 0)
		jtext_add(t, pend_text + p->off + p->nlen, p->flen);
	JTEXT_ADD(t, "}");
	l->text = xmalloc(t->len + 1 + p->nlen);
	memcpy(l->text, t->buf, t->len);
	l->text[t->len] = '\0';
	if (name != NULL)
		memcpy(l->text + t->len + 1, name, p->nlen);
	l->len = t->len;
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

/* Room for n more bytes in pend_text. */
static void
events_text_room(size_t n)
{
	if (pend_cap - pend_len >= n)
		return;
	while (pend_cap - pend_len < n)
		pend_cap = pend_cap == 0 ? 1024 : pend_cap * 2;
	pend_text = xrealloc(pend_text, pend_cap);
}

/*
 * fields as the text a line splices in after its name: ",\"k\":v,..." (a
 * compact dump without its braces), the keys the line has already left
 * out, as json_object_update_missing would; its length, or PEND_BAD.
 */
static uint32_t
events_fields(json_t *fields)
{
	static const char *const own[] = { "seq", "time", "event", "name" };
	size_t		 i, n;

	if (!json_is_object(fields))
		return (0);
	for (i = 0; i < sizeof own / sizeof own[0]; i++)
		json_object_del(fields, own[i]);
	n = json_dumpb(fields, pend_text + pend_len, pend_cap - pend_len,
	    JSON_COMPACT);
	if (n > pend_cap - pend_len) {
		events_text_room(n);
		n = json_dumpb(fields, pend_text + pend_len,
		    pend_cap - pend_len, JSON_COMPACT);
	}
	if (n < 2 || n - 1 >= PEND_BAD)
		return (PEND_BAD);
	if (n == 2)
		return (0);		/* {} */
	pend_text[pend_len] = ',';	/* the '{' */
	return ((uint32_t)(n - 1));	/* less the '}' */
}

void
events_emit_name(const char *event, const char *name, json_t *fields)
{
	struct pend	*p;
	size_t		 nlen = name != NULL ? strlen(name) + 1 : 0;

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
	p->off = pend_len;
	p->nlen = (uint32_t)nlen;
	events_text_room(nlen);
	if (name != NULL)
		memcpy(pend_text + pend_len, name, nlen);
	pend_len += nlen;
	p->flen = events_fields(fields);
	if (p->flen != PEND_BAD)
		pend_len += p->flen;
	json_decref(fields);
	total++;
}

/* Print one pending event into the ring and the store's batch. */
static void
events_print(struct pend *p)
{
	struct line	 l;

	if (events_line(p, &l) == -1) {
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
		store_event_put(p->seq, l.text, l.len,
		    l.named ? l.text + l.len + 1 : NULL);
	}
}

void
events_flush(void)
{
	size_t	 i;

	/* printing never emits, but keep to the count taken */
	for (i = 0; i < npending; i++)
		events_print(&pending[i]);
	npending = 0;
	pend_len = 0;
	if (pend_cap > EVENTS_TEXT_KEEP) {
		free(pend_text);
		pend_text = NULL;
		pend_cap = 0;
	}
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
