/*
 * events.h — the event history (seq-numbered, bounded) and its live
 * followers.  Every file that sees something happen calls events_emit;
 * events.c logs nothing itself.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdint.h>
#include <jansson.h>

struct node;

/*
 * Record an event: "start", "ready", "exit", "start_failed", "restart",
 * "stop", "spawn", "remove", "intensity", "reload", "shutdown" (a literal).
 * fields (may be NULL) is stolen; seq, time, event and name are added.  It
 * gets its seq and time now; the JSON is printed by events_flush.
 */
void	 events_emit(const char *event, const struct node *, json_t *fields);
/* Same, for an event about no node or a name no longer in the tree. */
void	 events_emit_name(const char *event, const char *name, json_t *fields);

/* One recorded event as its followers get it: compact JSON text. */
struct event_rec {
	uint64_t	 seq;
	const char	*json;		/* NUL-terminated, len bytes */
	size_t		 len;
	const char	*name;		/* its "name", or NULL */
};

/* Called for every event once it is published (method-events.c streams it). */
typedef void (*events_listener)(const struct event_rec *, void *arg);
void	 events_listen(events_listener, void *arg);
void	 events_unlisten(events_listener, void *arg);

/* History walk: events with seq > since, oldest first; stop if fn returns non-zero. */
void	 events_history(uint64_t since, int (*fn)(const struct event_rec *, void *),
	    void *arg);
/* The newest seq published: on disk, or in trouble at least recorded. */
uint64_t events_last_seq(void);
/* The newest seq given, published or not yet. */
uint64_t events_recorded_seq(void);
/* Events up to seq are on disk: tell the followers (UINT64_MAX: all). */
void	 events_publish(uint64_t seq);
/* An event of the last run, oldest first, before anything is emitted. */
void	 events_restore(uint64_t seq, const char *json, const char *name);
/*
 * A reexec gave seqs up to seq (some may not have reached the disk, in
 * trouble): the next event gets a higher one.
 */
void	 events_skip_to(uint64_t seq);
/* Queue every event of the history for the store (its rewrite). */
void	 events_resave(void);
uint64_t events_total(void);
/*
 * Print what was recorded since into the history and the store's batch
 * (store_commit does it first; so does every reader of the history).
 */
void	 events_flush(void);
void	 events_init(int64_t history_max);
void	 events_free(void);

#endif /* EVENTS_H */
