/*
 * logline.c — a captured line as supd writes it with log_timestamps = yes,
 * "2026-12-03T13:29:03.123456Z out TEXT" (or err, or supd), taken apart
 * again, and shown to people: the text alone, stderr's in red on a
 * terminal, or with -t the line as it is.  A line without the prefix
 * (log_timestamps = no) is all text, of no known time.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supctl.h"

#define LOGLINE_STAMP_LEN	27	/* "2026-12-03T13:29:03.123456Z" */

static int
logline_digits(const char *s, int n, int *out)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

int
logline_parse(const char *line, struct logline *ll)
{
	struct tm	 tm;
	const char	*s = line, *sp;
	int		 y, mo, d, h, mi, se, us;

	memset(ll, 0, sizeof *ll);
	ll->text = line;
	ll->stream = LOGLINE_UNKNOWN;
	ll->us = -1;
	if (strlen(s) < LOGLINE_STAMP_LEN + 1 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
	    s[26] != 'Z' || s[27] != ' ' ||
	    logline_digits(s, 4, &y) == -1 || logline_digits(s + 5, 2, &mo) == -1 ||
	    logline_digits(s + 8, 2, &d) == -1 || logline_digits(s + 11, 2, &h) == -1 ||
	    logline_digits(s + 14, 2, &mi) == -1 ||
	    logline_digits(s + 17, 2, &se) == -1 ||
	    logline_digits(s + 20, 6, &us) == -1)
		return (-1);
	s += LOGLINE_STAMP_LEN + 1;
	if ((sp = strchr(s, ' ')) == NULL)
		sp = s + strlen(s);
	if (sp - s == 3 && strncmp(s, "out", 3) == 0)
		ll->stream = LOGLINE_OUT;
	else if (sp - s == 3 && strncmp(s, "err", 3) == 0)
		ll->stream = LOGLINE_ERR;
	else if (sp - s == 4 && strncmp(s, "supd", 4) == 0)
		ll->stream = LOGLINE_SUPD;
	else
		return (-1);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	ll->us = (int64_t)timegm(&tm) * 1000000 + us;
	ll->text = *sp == ' ' ? sp + 1 : sp;
	return (0);
}

/* "10m", "90s", "2h", "1d", "1h30m", or plain seconds: microseconds ago. */
int
logline_parse_ago(const char *s, int64_t *us)
{
	int64_t	total = 0, n, unit;
	int	any = 0;

	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return (-1);
		for (n = 0; isdigit((unsigned char)*s); s++) {
			n = n * 10 + (*s - '0');
			if (n > 100LL * 365 * 86400)
				return (-1);
		}
		switch (*s) {
		case 's': case '\0': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return (-1);
		}
		if (*s != '\0')
			s++;
		total += n * unit;
		any = 1;
	}
	if (!any)
		return (-1);
	*us = total * 1000000;
	return (0);
}

void
logline_print(FILE *fp, const char *who, const char *line, int stamps)
{
	struct logline	ll;
	int		red;

	logline_parse(line, &ll);
	red = ll.stream == LOGLINE_ERR && fp == stdout && output_color();
	if (who != NULL)
		fprintf(fp, "%s | ", who);
	if (red)
		fputs("\033[31m", fp);
	fputs(stamps ? line : ll.text, fp);
	if (red)
		fputs("\033[0m", fp);
	putc('\n', fp);
}
