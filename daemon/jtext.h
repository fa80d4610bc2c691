/*
 * jtext.h — JSON printed straight into a growing buffer, piece by piece
 * (jtext.c).
 */
#ifndef JTEXT_H
#define JTEXT_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

struct jtext {
	char		*buf;
	size_t		 len, cap;
};
/* Room for n more bytes. */
void	 jtext_room(struct jtext *, size_t n);
/* Inline: a Status of 10,000 rows is 300,000 pieces of a few bytes. */
static inline void
jtext_add(struct jtext *t, const char *s, size_t n)
{
	if (t->cap - t->len < n)
		jtext_room(t, n);
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}
/* j's compact JSON; -1 if it cannot be printed (nothing added). */
int	 jtext_add_json(struct jtext *, const json_t *j);
/*
 * Pieces of JSON printed straight into the text, for replies too big to
 * build as jansson trees: a string as jansson prints it (bytes that are
 * not UTF-8 as U+FFFD, as call_string), or null for NULL; an integer;
 * ,"key": before a member.
 */
void	 jtext_add_str(struct jtext *, const char *);
void	 jtext_add_int(struct jtext *, long long);
/* A string literal, its length known where it is written. */
#define JTEXT_ADD(t, lit)	jtext_add((t), (lit), sizeof(lit) - 1)

/* A word of supd's own (a state, a kind): quoted, needing no escape. */
static inline void
jtext_add_word(struct jtext *t, const char *s)
{
	size_t	n = strlen(s);

	if (t->cap - t->len < n + 2)
		jtext_room(t, n + 2);
	t->buf[t->len] = '"';
	memcpy(t->buf + t->len + 1, s, n);
	t->buf[t->len + 1 + n] = '"';
	t->len += n + 2;
}

/* Inline: the key's length is known where it is written. */
static inline void
jtext_add_key(struct jtext *t, const char *key)
{
	size_t	n = strlen(key);

	if (t->cap - t->len < n + 4)
		jtext_room(t, n + 4);
	memcpy(t->buf + t->len, ",\"", 2);
	memcpy(t->buf + t->len + 2, key, n);
	memcpy(t->buf + t->len + 2 + n, "\":", 2);
	t->len += n + 4;
}
/*
 * The length of the UTF-8 sequence at p (n bytes there), 0 if it is not
 * one (overlong, a surrogate, past U+10FFFF, cut short).
 */
size_t	 jtext_utf8(const unsigned char *p, size_t n);

#endif /* JTEXT_H */
