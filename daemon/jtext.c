/*
 * jtext.c — JSON printed straight into a growing buffer, as jansson's
 * compact dump would print it: for replies too big to build as trees
 * (Status of 10,000 children) and for the event lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jtext.h"
#include "util.h"

void
jtext_room(struct jtext *t, size_t n)
{
	if (t->cap - t->len >= n)
		return;
	while (t->cap - t->len < n)
		t->cap = t->cap ? t->cap * 2 : 4096;
	t->buf = xrealloc(t->buf, t->cap);
}

int
jtext_add_json(struct jtext *t, const json_t *j)
{
	size_t	 n;

	/* one dump where it fits (a row does), a second only to grow */
	jtext_room(t, 1024);
	if ((n = json_dumpb(j, t->buf + t->len, t->cap - t->len,
	    JSON_COMPACT)) == 0)
		return (-1);
	if (n > t->cap - t->len) {
		jtext_room(t, n);
		if (json_dumpb(j, t->buf + t->len, n, JSON_COMPACT) != n)
			return (-1);
	}
	t->len += n;
	return (0);
}


/* Bytes a JSON string holds as they are: printable ASCII but '"' and '\\'. */
static const unsigned char jtext_plain[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

void
jtext_add_str(struct jtext *t, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *run;
	char			 esc[8];
	size_t			 len;

	if (s == NULL) {
		jtext_add(t, "null", 4);
		return;
	}
	jtext_add(t, "\"", 1);
	/* escaped as jansson does; bytes that are not UTF-8 as U+FFFD */
	for (;;) {
		/* a run that needs no escape in one copy: most names are one */
		for (run = p; jtext_plain[*p]; p++)
			;
		if (p > run)
			jtext_add(t, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p >= 0x80) {
			if ((len = jtext_utf8(p, strnlen((const char *)p, 4))) ==
			    0) {
				jtext_add(t, "\xef\xbf\xbd", 3);
				p++;
			} else {
				jtext_add(t, (const char *)p, len);
				p += len;
			}
			continue;
		}
		switch (*p) {
		case '"':	jtext_add(t, "\\\"", 2); break;
		case '\\':	jtext_add(t, "\\\\", 2); break;
		case '\b':	jtext_add(t, "\\b", 2); break;
		case '\f':	jtext_add(t, "\\f", 2); break;
		case '\n':	jtext_add(t, "\\n", 2); break;
		case '\r':	jtext_add(t, "\\r", 2); break;
		case '\t':	jtext_add(t, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", *p);
			jtext_add(t, esc, 6);
		}
		p++;
	}
	jtext_add(t, "\"", 1);
}

void
jtext_add_int(struct jtext *t, long long v)
{
	static const char	 pairs[] =
	    "000102030405060708091011121314151617181920212223242526272829"
	    "303132333435363738394041424344454647484950515253545556575859"
	    "606162636465666768697071727374757677787980818283848586878889"
	    "90919293949596979899";
	char			 buf[24], *e = buf + sizeof buf, *p = e;
	unsigned long long	 u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	/* by hand, two digits a step: snprintf was a tenth of a big Status */
	while (u >= 100) {
		p -= 2;
		memcpy(p, pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else
		*--p = (char)('0' + u);
	if (v < 0)
		*--p = '-';
	jtext_add(t, p, (size_t)(e - p));
}


/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
size_t
jtext_utf8(const unsigned char *p, size_t n)
{
	size_t	len, i;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return (0);
	if (len > n)
		return (0);
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	/* overlong forms, surrogates and past U+10FFFF */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return (0);
	return (len);
}
