/*
 * output.c — what supctl prints for people (aligned tables, colour on a
 * terminal, durations and times) and for scripts (compact JSON, a line per
 * document).  Terminal and locale questions are asked only by commands
 * that draw, so `supctl spawn` in a loop never pays for them.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "supctl.h"

#define SGR_RESET	"\033[0m"

struct table {
	int		  ncols;
	char		**cells;	/* nrows * ncols */
	const char	**colors;	/* nrows * ncols, NULL for none */
	int		  nrows;
	int		  cap;
};

static void *
output_alloc(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n, size)) == NULL) {
		perror("supctl");
		exit(EXIT_FAILED);
	}
	return (p);
}

static void
table_row(struct table *t, char **cells, const char *color, int color_col)
{
	int	i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = output_alloc(t->cells, (size_t)t->cap * t->ncols,
		    sizeof *t->cells);
		t->colors = output_alloc(t->colors, (size_t)t->cap * t->ncols,
		    sizeof *t->colors);
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = cells[i];
		t->colors[t->nrows * t->ncols + i] =
		    i == color_col ? color : NULL;
	}
	t->nrows++;
}

/* A table whose header is the ncols strings that follow. */
struct table *
table_new(int ncols, ...)
{
	struct table	*t;
	char		*cells[16];
	va_list		 ap;
	int		 i;

	t = output_alloc(NULL, 1, sizeof *t);
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	va_start(ap, ncols);
	for (i = 0; i < ncols && i < 16; i++)
		cells[i] = strdup(va_arg(ap, const char *));
	va_end(ap);
	table_row(t, cells, NULL, -1);
	return (t);
}

void
table_add(struct table *t, const char *color, int color_col, ...)
{
	char		*cells[16];
	const char	*s;
	va_list		 ap;
	int		 i;

	va_start(ap, color_col);
	for (i = 0; i < t->ncols && i < 16; i++) {
		s = va_arg(ap, const char *);
		cells[i] = strdup(s != NULL ? s : "-");
	}
	va_end(ap);
	table_row(t, cells, output_color() ? color : NULL, color_col);
}

void
table_print(struct table *t)
{
	table_fprint(stdout, t);
}

/* Columns two spaces apart; the last is not padded. */
void
table_fprint(FILE *fp, struct table *t)
{
	size_t		 width[16] = { 0 }, n;
	const char	*color;
	int		 r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((n = strlen(t->cells[r * t->ncols + c])) > width[c])
				width[c] = n;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			color = t->colors[r * t->ncols + c];
			if (color != NULL)
				fprintf(fp, "\033[%sm", color);
			if (c == t->ncols - 1)
				fputs(t->cells[r * t->ncols + c], fp);
			else
				fprintf(fp, "%-*s", (int)width[c],
				    t->cells[r * t->ncols + c]);
			if (color != NULL)
				fputs(SGR_RESET, fp);
			if (c < t->ncols - 1)
				fputs("  ", fp);
		}
		putc('\n', fp);
	}
}

void
table_free(struct table *t)
{
	int	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colors);
	free(t);
}

int
output_color(void)
{
	static int	 color = -1;
	const char	*term, *nc;

	if (color == -1) {
		nc = getenv("NO_COLOR");
		term = getenv("TERM");
		/* no-color.org: set and not empty disables colour */
		color = (nc == NULL || *nc == '\0') && isatty(STDOUT_FILENO) &&
		    (term == NULL || strcmp(term, "dumb") != 0);
	}
	return (color);
}

const char *
output_state_color(const char *state)
{
	if (state == NULL)
		return (NULL);
	if (strcmp(state, "running") == 0)
		return ("32");		/* green */
	if (strcmp(state, "failed") == 0)
		return ("1;31");	/* bold red */
	if (strcmp(state, "starting") == 0 || strcmp(state, "stopping") == 0)
		return ("33");		/* yellow */
	return (NULL);
}

int
output_utf8(void)
{
	static int	 utf8 = -1;
	const char	*cs;

	if (utf8 == -1) {
		setlocale(LC_CTYPE, "");
		cs = nl_langinfo(CODESET);
		utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
		    strcmp(cs, "utf8") == 0);
	}
	return (utf8);
}

void
output_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
	putchar('\n');
	fflush(stdout);
}

void
output_pid_reply(const json_t *reply)
{
	if (supctl_json)
		output_json(reply);
	else
		printf("%lld\n", (long long)
		    json_integer_value(json_object_get(reply, "pid")));
}

void
output_duration(char *buf, size_t len, int64_t ms)
{
	int64_t	s = ms / 1000;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

void
output_time(char *buf, size_t len, int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	size_t		n;

	if (localtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, len, "%lld", (long long)ms);
		return;
	}
	snprintf(buf + n, len - n, ".%03lld", (long long)(ms % 1000));
}

int64_t
output_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

char *
output_scalar(const json_t *v)
{
	char	*s;

	if (v == NULL || json_is_null(v))
		return (strdup("-"));
	if (json_is_string(v))
		return (strdup(json_string_value(v)));
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return (strdup("?"));
	return (s);
}
