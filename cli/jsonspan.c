/*
 * jsonspan.c — a value's extent in JSON text, by one pass over its bytes:
 * strings skipped with their escapes, brackets matched, nothing built.
 */
#include <string.h>

#include "jsonspan.h"

#define JSONSPAN_DEPTH	256

static const char *
jsonspan_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return (p);
}

/* Bytes that end a run inside a string: the quote, backslash, controls. */
static const unsigned char jsonspan_special[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};
/* Bytes of numbers and of true, false and null. */
static const unsigned char jsonspan_scalar_byte[256] = {
	['0' ... '9'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['e'] = 1,
	['E'] = 1, ['t'] = 1, ['r'] = 1, ['u'] = 1, ['f'] = 1, ['a'] = 1,
	['l'] = 1, ['s'] = 1, ['n'] = 1,
};

/* After the string whose opening quote is at p. */
static const char *
jsonspan_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (!jsonspan_special[(unsigned char)*p])
			continue;
		if (*p == '"')
			return (p + 1);
		if (*p != '\\' || ++p == end)
			return (NULL);
	}
	return (NULL);
}

/* After a number, true, false or null at p. */
static const char *
jsonspan_scalar(const char *p, const char *end)
{
	const char	*s = p;

	while (p < end && jsonspan_scalar_byte[(unsigned char)*p])
		p++;
	return (p > s ? p : NULL);
}

const char *
jsonspan_value(const char *p, const char *end)
{
	char	 want[JSONSPAN_DEPTH];
	int	 depth = 0;

	if ((p = jsonspan_ws(p, end)) == end)
		return (NULL);
	if (*p != '{' && *p != '[' && *p != '"')
		return (jsonspan_scalar(p, end));
	/* brackets matched, strings skipped: a tight loop over megabytes */
	for (; p < end; p++) {
		switch (*p) {
		case '"':
			if ((p = jsonspan_string(p, end)) == NULL)
				return (NULL);
			p--;
			break;
		case '{':
		case '[':
			if (depth == JSONSPAN_DEPTH)
				return (NULL);
			want[depth++] = *p == '{' ? '}' : ']';
			break;
		case '}':
		case ']':
			if (depth == 0 || want[--depth] != *p)
				return (NULL);
			break;
		}
		if (depth == 0)
			return (p + 1);
	}
	return (NULL);
}

const char *
jsonspan_members(const char *p, const char *end, const char *const *keys,
    struct jsonspan *out)
{
	const char	*k, *ke, *v;
	size_t		 i;

	for (i = 0; keys[i] != NULL; i++)
		out[i].p = out[i].end = NULL;
	if ((p = jsonspan_ws(p, end)) == end || *p != '{')
		return (NULL);
	p = jsonspan_ws(p + 1, end);
	if (p < end && *p == '}')
		return (p + 1);
	for (;;) {
		if (p == end || *p != '"' || (ke = jsonspan_string(p, end)) == NULL)
			return (NULL);
		k = p + 1;
		p = jsonspan_ws(ke, end);
		if (p == end || *p != ':')
			return (NULL);
		v = jsonspan_ws(p + 1, end);
		if ((p = jsonspan_value(v, end)) == NULL)
			return (NULL);
		/* a name written with escapes is not the one asked: fine for supd */
		for (i = 0; keys[i] != NULL; i++)
			if ((size_t)(ke - k - 1) == strlen(keys[i]) &&
			    memcmp(k, keys[i], (size_t)(ke - k - 1)) == 0) {
				out[i].p = v;
				out[i].end = p;
			}
		p = jsonspan_ws(p, end);
		if (p < end && *p == '}')
			return (p + 1);
		if (p == end || *p != ',')
			return (NULL);
		p = jsonspan_ws(p + 1, end);
	}
}
