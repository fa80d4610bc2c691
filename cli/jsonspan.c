/*
 * jsonspan.c — a value's extent in JSON text, by one pass over its bytes:
 * strings skipped with their escapes, brackets counted, nothing built.
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

/* After the string whose opening quote is at p. */
static const char *
jsonspan_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '"')
			return (p + 1);
		if ((unsigned char)*p < 0x20)
			return (NULL);
		if (*p == '\\' && ++p == end)
			return (NULL);
	}
	return (NULL);
}

/* After a number, true, false or null at p. */
static const char *
jsonspan_scalar(const char *p, const char *end)
{
	const char	*s = p;

	while (p < end && strchr("0123456789+-.eEtruefalsn", *p) != NULL &&
	    *p != '\0')
		p++;
	return (p > s ? p : NULL);
}

const char *
jsonspan_value(const char *p, const char *end)
{
	char	 want[JSONSPAN_DEPTH];
	int	 depth = 0, key = 0;	/* key: a member's name comes next */

	for (;;) {
		if ((p = jsonspan_ws(p, end)) == end)
			return (NULL);
		if (key && *p != '"')
			return (NULL);
		if (*p == '{' || *p == '[') {
			if (depth == JSONSPAN_DEPTH)
				return (NULL);
			want[depth++] = *p == '{' ? '}' : ']';
			p = jsonspan_ws(p + 1, end);
			if (p < end && *p == want[depth - 1]) {
				depth--;
				p++;
			} else {
				key = want[depth - 1] == '}';
				continue;
			}
		} else if (*p == '"') {
			if ((p = jsonspan_string(p, end)) == NULL)
				return (NULL);
			if (key) {
				p = jsonspan_ws(p, end);
				if (p == end || *p != ':')
					return (NULL);
				p++;
				key = 0;
				continue;
			}
		} else if ((p = jsonspan_scalar(p, end)) == NULL)
			return (NULL);
		/* a value ended: a comma, or the brackets it closes */
		for (;;) {
			if (depth == 0)
				return (p);
			if ((p = jsonspan_ws(p, end)) == end)
				return (NULL);
			if (*p == ',') {
				p++;
				key = want[depth - 1] == '}';
				break;
			}
			if (*p != want[depth - 1])
				return (NULL);
			depth--;
			p++;
		}
	}
}

int
jsonspan_member(const char *p, const char *end, const char *key,
    const char **vp, const char **vend)
{
	const char	*k, *ke;
	size_t		 klen = strlen(key);

	if ((p = jsonspan_ws(p, end)) == end || *p != '{')
		return (-1);
	p = jsonspan_ws(p + 1, end);
	if (p < end && *p == '}')
		return (1);
	for (;;) {
		if (p == end || *p != '"' || (ke = jsonspan_string(p, end)) == NULL)
			return (-1);
		k = p + 1;
		p = jsonspan_ws(ke, end);
		if (p == end || *p != ':')
			return (-1);
		p = jsonspan_ws(p + 1, end);
		if ((ke = jsonspan_value(p, end)) == NULL)
			return (-1);
		/* a name written with escapes is not this one: fine for supd's */
		if ((size_t)(jsonspan_string(k - 1, end) - k - 1) == klen &&
		    memcmp(k, key, klen) == 0) {
			*vp = p;
			*vend = ke;
			return (0);
		}
		p = jsonspan_ws(ke, end);
		if (p < end && *p == '}')
			return (1);
		if (p == end || *p != ',')
			return (-1);
		p = jsonspan_ws(p + 1, end);
	}
}
