/*
 * conf-key.h — what conf.c (the file: lines, sections, the tree) and
 * conf-key.c (the keys and the syntax of their values) share, and nobody
 * else: the state of one load, its sections, errors and suggestions.
 */
#ifndef CONF_KEY_H
#define CONF_KEY_H

#include <stdarg.h>
#include <stdio.h>

#include <uthash.h>

#include "spec.h"

/* Section kinds as bits, so a key names every kind it belongs to. */
#define SEC_SUPD	0x1
#define SEC_SUPERVISOR	0x2
#define SEC_DYNAMIC	0x4
#define SEC_WORKER	0x8
#define SEC_CHILD	(SEC_DYNAMIC | SEC_WORKER)	/* a worker, or a template */
#define SEC_TREE	(SEC_SUPERVISOR | SEC_DYNAMIC | SEC_WORKER)

struct conf_key;

struct conf_error {
	int		 line;
	size_t		 seq;		/* keeps one line's errors in order */
	char		*text;
};

struct conf_section {
	int		 kind;		/* SEC_* */
	char		*label;		/* "[worker:web]", as written */
	int		 line;
	struct spec	*spec;		/* NULL for [supd] */
	int		 ghost;		/* bad or duplicate: keys checked, then dropped */
	int		*seen;		/* line of each key's first appearance */
	struct conf_section *up;	/* the parent, once linked */
	size_t		 walk;		/* cycle search: the walk that reached it */
	UT_hash_handle	 hh;		/* conf_state.byname, on spec->name */
};

struct conf_state {
	struct config	*cf;
	struct config	 scratch;	/* where a second [supd] is checked */
	FILE		*fp;
	char		*buf;
	size_t		 bufsize;
	int		 line;
	int		 cut_comment;	/* the reader dropped a " ;" comment */
	int		 outside;	/* no section header yet */
	struct conf_section *cur;	/* NULL: outside, or after a bad header */
	const struct conf_key *key;	/* the key being set */
	struct conf_section **secs;	/* file order */
	size_t		 nsecs, capsecs;
	struct conf_section *byname;
	struct conf_section *supd;
	struct conf_error *errs;
	size_t		 nerrs, caperrs;
	size_t		 guesses;	/* names compared for unknown parents */
};

/* Did-you-mean: the closest candidate by edit distance, if close enough. */
struct conf_best {
	const char	*word;
	const char	*best;
	size_t		 dist;
};

/* conf.c */
/* Keep an error; line 0 for one about the whole file, sec NULL for none. */
void	conf_error(struct conf_state *, int line, const struct conf_section *,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Keep an error about the line being read. */
void	conf_bad(struct conf_state *, const struct conf_section *,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	conf_best_try(struct conf_best *, const char *candidate);

/* conf-key.c */
extern const size_t conf_key_count;	/* the size of conf_section.seen */
/* Check and store one KEY = VALUE of section sec, or report why not. */
void	conf_key_set(struct conf_state *, struct conf_section *,
	    const char *name, const char *value);
/* The index of key name in conf_section.seen. */
size_t	conf_key_index(const char *name);
/* Note that a known key appeared on a line too bad to read its value. */
void	conf_key_seen(struct conf_state *, struct conf_section *,
	    const char *name);

#endif /* CONF_KEY_H */
