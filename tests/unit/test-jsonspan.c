/*
 * test-jsonspan.c — cli/jsonspan.c: the extent of values and members in
 * JSON text supctl passes through, and text that is not JSON refused
 * without reading past its end.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jsonspan.h"

/* s copied to a buffer of exactly its length: ASan sees a read past it */
static char *
exact(const char *s, size_t *n)
{
	char	*p;

	*n = strlen(s);
	p = calloc(1, *n ? *n : 1);
	memcpy(p, s, *n);
	return (p);
}

static long
span(const char *s)
{
	const char	*end;
	size_t		 n;
	char		*p = exact(s, &n);
	long		 r;

	end = jsonspan_value(p, p + n);
	r = end != NULL ? (long)(end - p) : -1;
	free(p);
	return (r);
}

Test(jsonspan, values_end_where_they_end)
{
	cr_assert_eq(span("[1,2,3] tail"), 7);
	cr_assert_eq(span("{\"a\":[{\"b\":\"]}\\\"\"}]}x"), 20);
	cr_assert_eq(span("\"a\\\\\"  "), 5);
	cr_assert_eq(span("  null,"), 6);
	cr_assert_eq(span("-12.5e3]"), 7);
	cr_assert_eq(span("[]"), 2);
	cr_assert_eq(span("{}"), 2);
}

/* The scan goes sixteen bytes at a time: every mark at every offset. */
Test(jsonspan, marks_at_every_offset_of_a_block)
{
	char	 s[128];
	int	 pad, i;

	for (pad = 0; pad < 40; pad++) {
		/* ["xx..x\"]{}",[1]] : an escaped quote and brackets in a string */
		i = 0;
		s[i++] = '[';
		s[i++] = '"';
		memset(s + i, 'x', (size_t)pad);
		i += pad;
		strcpy(s + i, "\\\"]{}\\\\\",[1]] tail");
		cr_expect_eq(span(s), i + 13, "pad %d: %s", pad, s);
		/* the same cut before its end: open */
		s[i + 12] = '\0';
		cr_expect_eq(span(s), -1, "pad %d cut: %s", pad, s);
	}
}

/* Fed in pieces of every size, a value ends where it ends in one. */
Test(jsonspan, a_value_fed_in_pieces_ends_where_it_does_whole)
{
	static const char *const texts[] = {
		"[\"a\\\"b\",{\"k\":[1,2,{}]},\"\\\\\"] tail",
		"{\"x\":\"]}\\\"{[\",\"y\":[[[]]]}\0",
		"\"just a string with \\\" in it\" x",
		"[\"open",
		"[1}",
		NULL
	};
	struct jsonspan_scan	 sc;
	const char		*whole;
	size_t			 len, piece, off, after, n;
	int			 i, rc;

	for (i = 0; texts[i] != NULL; i++) {
		len = strlen(texts[i]);
		whole = jsonspan_value(texts[i], texts[i] + len);
		for (piece = 1; piece <= len; piece++) {
			jsonspan_scan_init(&sc);
			for (off = 0, rc = 0; off < len && rc == 0; off += n) {
				n = len - off < piece ? len - off : piece;
				rc = jsonspan_scan_feed(&sc, texts[i] + off, n,
				    &after);
			}
			if (whole == NULL)
				cr_expect_neq(rc, 1, "%s by %zu", texts[i], piece);
			else {
				cr_expect_eq(rc, 1, "%s by %zu", texts[i], piece);
				cr_expect_eq(after, (size_t)(whole - texts[i]),
				    "%s by %zu", texts[i], piece);
			}
		}
	}
}

/* A reply's other members found after its first, scanned apart. */
Test(jsonspan, the_members_after_the_first)
{
	static const char *const keys[] = { "children", "degraded", NULL };
	static const char text[] = "{\"children\":[1,2],\"degraded\":\"disk\"}";
	static const char trailing[] = ",}";
	struct jsonspan	 m[2];
	const char	*end = text + strlen(text);

	m[0].p = text + 12;
	m[0].end = text + 17;
	cr_assert_eq(jsonspan_members_rest(m[0].end, end, keys, m), end);
	cr_assert_eq(m[1].p, text + 29);
	cr_assert_eq(m[1].end, end - 1);
	/* cut short, or a comma with no member after it */
	cr_assert_null(jsonspan_members_rest(text + 17, text + 18, keys, m));
	cr_assert_null(jsonspan_members_rest(trailing, trailing + 2, keys, m));
}

Test(jsonspan, bad_input_is_refused)
{
	static const char *const bad[] = {
		"", "   ", "[", "[1,2", "{\"a\":1", "[1}", "{\"a\":1]", "]",
		"\"open", "\"esc\\", "\"ctl\x01\"", "[\"a]", "@", "[[[[", NULL
	};
	int	i;

	for (i = 0; bad[i] != NULL; i++)
		cr_expect_eq(span(bad[i]), -1, "%s", bad[i]);
}

Test(jsonspan, deep_nesting_is_refused_not_overflowed)
{
	char	buf[2048];

	memset(buf, '[', 1000);
	memset(buf + 1000, ']', 1000);
	buf[2000] = '\0';
	cr_assert_eq(span(buf), -1);
}

static const char *const keys[] = { "children", "degraded", NULL };

Test(jsonspan, members_are_found_in_one_pass)
{
	struct jsonspan	 m[2];
	const char	*s = "{\"children\":[{\"name\":\"a\",\"x\":{\"degraded\":1}}],"
	    " \"degraded\" : \"disk full\" } rest", *end;

	end = jsonspan_members(s, s + strlen(s), keys, m);
	cr_assert_not_null(end);
	cr_assert_str_eq(end, " rest");
	cr_assert_eq(m[0].end - m[0].p, 33);
	cr_assert(strncmp(m[0].p, "[{\"name\"", 8) == 0);
	cr_assert_eq(m[1].end - m[1].p, 11);
	cr_assert(strncmp(m[1].p, "\"disk full\"", 11) == 0);
}

Test(jsonspan, absent_members_are_null)
{
	struct jsonspan	 m[2];
	const char	*s = "{\"other\":1}";

	cr_assert_not_null(jsonspan_members(s, s + strlen(s), keys, m));
	cr_assert_null(m[0].p);
	cr_assert_null(m[1].p);
	s = "{}";
	cr_assert_not_null(jsonspan_members(s, s + 2, keys, m));
	cr_assert_null(m[0].p);
}

Test(jsonspan, members_of_what_is_not_an_object_fail)
{
	static const char *const bad[] = {
		"[1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1", "{a:1}",
		"{\"a\":1 \"b\":2}", "", NULL
	};
	struct jsonspan	 m[2];
	size_t		 n;
	char		*p;
	int		 i;

	for (i = 0; bad[i] != NULL; i++) {
		p = exact(bad[i], &n);
		cr_expect_null(jsonspan_members(p, p + n, keys, m), "%s", bad[i]);
		free(p);
	}
}
