/*
 * jsonspan.c — a value's extent in JSON text, by one pass over its bytes:
 * strings skipped with their escapes, brackets matched, nothing built.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jsonspan.h"

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

/*
 * The bytes the scan of a container stops at, as bits (byte i at bit i)
 * of the n <= 16 at p: quotes, backslashes, brackets, controls.  Status of
 * 10,000 children is 2 MB of which one byte in seven is one of them: the
 * rest is skipped sixteen at a time.
 */
static const unsigned char jsonspan_mark[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, ['['] = 1, [']'] = 1,
	['{'] = 1, ['}'] = 1,
};

static unsigned int
jsonspan_marks(const char *p, size_t n)
{
	unsigned int	bits = 0;
	size_t		i;
#ifdef __SSE2__
	__m128i		v, w, m;

	if (n == 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* '[' and '{' are 0x5b and 0x7b, ']' and '}' 0x5d and 0x7d */
		w = _mm_or_si128(v, _mm_set1_epi8(0x20));
		m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(w, _mm_set1_epi8('{')));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(w, _mm_set1_epi8('}')));
		/* controls: v <= 0x1f, unsigned */
		m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(v,
		    _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f)));
		return ((unsigned int)_mm_movemask_epi8(m));
	}
#endif
	for (i = 0; i < n; i++)
		bits |= (unsigned int)jsonspan_mark[(unsigned char)p[i]] << i;
	return (bits);
}

void
jsonspan_scan_init(struct jsonspan_scan *sc)
{
	sc->depth = sc->in_string = sc->escaped = 0;
	sc->fed = 0;
}

int
jsonspan_scan_feed(struct jsonspan_scan *sc, const char *p, size_t len,
    size_t *after)
{
	const char	*start = p, *end = p + len, *base, *q;
	const char	*esc = sc->escaped ? p : NULL;	/* taken as it is */
	unsigned int	 bits;
	size_t		 n;

	sc->escaped = 0;
	for (; p < end; p += n) {
		n = end - p < 16 ? (size_t)(end - p) : 16;
		base = p;
		for (bits = jsonspan_marks(p, n); bits != 0; bits &= bits - 1) {
			q = base + __builtin_ctz(bits);
			if (q == esc)
				continue;
			if (sc->in_string) {
				if (*q == '"') {
					sc->in_string = 0;
					if (sc->depth == 0)
						goto done;
				} else if (*q == '\\')
					esc = q + 1;
				else if ((unsigned char)*q < 0x20)
					return (-1);
				continue;
			}
			switch (*q) {
			case '"':
				sc->in_string = 1;
				break;
			case '{':
			case '[':
				if (sc->depth == JSONSPAN_DEPTH)
					return (-1);
				sc->want[sc->depth++] = *q == '{' ? '}' : ']';
				break;
			case '}':
			case ']':
				if (sc->depth == 0 || sc->want[--sc->depth] != *q)
					return (-1);
				if (sc->depth == 0)
					goto done;
				break;
			}
			/* a control out of a string is white space, a backslash junk */
		}
	}
	sc->escaped = esc == end;
	sc->fed += len;
	return (0);
done:
	*after = sc->fed + (size_t)(q + 1 - start);
	return (1);
}

/* After the string, object or array at p. */
static const char *
jsonspan_scan(const char *p, const char *end)
{
	struct jsonspan_scan	sc;
	size_t			after;

	jsonspan_scan_init(&sc);
	if (jsonspan_scan_feed(&sc, p, (size_t)(end - p), &after) != 1)
		return (NULL);
	return (p + after);
}

const char *
jsonspan_value(const char *p, const char *end)
{
	if ((p = jsonspan_ws(p, end)) == end)
		return (NULL);
	if (*p != '{' && *p != '[' && *p != '"')
		return (jsonspan_scalar(p, end));
	return (jsonspan_scan(p, end));
}

/* After a member's value: at the next member's name, or at the '}'; NULL if neither. */
static const char *
jsonspan_members_next(const char *p, const char *end)
{
	p = jsonspan_ws(p, end);
	if (p < end && *p == '}')
		return (p);
	if (p == end || *p != ',')
		return (NULL);
	p = jsonspan_ws(p + 1, end);
	/* a name must follow a comma */
	return (p < end && *p == '"' ? p : NULL);
}

/* From the name of a member on: the end of the object, or NULL. */
static const char *
jsonspan_members_from(const char *p, const char *end,
    const char *const *keys, struct jsonspan *out)
{
	const char	*k, *ke, *v;
	size_t		 i;

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
		if ((p = jsonspan_members_next(p, end)) == NULL || *p == '}')
			return (p != NULL ? p + 1 : NULL);
	}
}

const char *
jsonspan_members(const char *p, const char *end, const char *const *keys,
    struct jsonspan *out)
{
	size_t	i;

	for (i = 0; keys[i] != NULL; i++)
		out[i].p = out[i].end = NULL;
	if ((p = jsonspan_ws(p, end)) == end || *p != '{')
		return (NULL);
	p = jsonspan_ws(p + 1, end);
	if (p < end && *p == '}')
		return (p + 1);
	return (jsonspan_members_from(p, end, keys, out));
}

const char *
jsonspan_members_rest(const char *after, const char *end,
    const char *const *keys, struct jsonspan *out)
{
	const char	*p;
	size_t		 i;

	for (i = 1; keys[i] != NULL; i++)
		out[i].p = out[i].end = NULL;
	if ((p = jsonspan_members_next(after, end)) == NULL || *p == '}')
		return (p != NULL ? p + 1 : NULL);
	return (jsonspan_members_from(p, end, keys, out));
}
