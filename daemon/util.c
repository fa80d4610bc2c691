/*
 * util.c — what every daemon file needs: log lines with a level on stderr,
 * allocation that aborts instead of returning NULL, the two clocks, and
 * log lines held to a rate for what may repeat without end.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

enum log_level log_threshold = LOG_LVL_INFO;

static const char *const log_level_names[] = { "debug", "info", "warn", "error" };

static void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char	line[4096];
	int	saved = errno;

	if (lvl < log_threshold)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	/* one write per line, so lines from a busy loop never interleave */
	fprintf(stderr, "supd[%s]: %s\n", log_level_names[lvl], line);
	errno = saved;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
log_rated(struct log_rate *lr, enum log_level lvl, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[4096];
	int64_t	 now = now_mono_ms();

	if (lr->last_ms != 0 && now - lr->last_ms < lr->interval_ms) {
		lr->skipped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (lr->skipped > 0)
		log_msg(lvl, "%s (%lu more like it)", line, lr->skipped);
	else
		log_msg(lvl, "%s", line);
	lr->last_ms = now;
	lr->skipped = 0;
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("out of memory (%zu bytes)", n);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return (p);
}

void *
xrealloc(void *old, size_t n)
{
	void	*p;

	if ((p = realloc(old, n == 0 ? 1 : n)) == NULL)
		fatal("out of memory (%zu bytes)", n);
	return (p);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("out of memory");
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("out of memory");
	va_end(ap);
	return (s);
}

void
strv_free(char **v)
{
	char	**p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

size_t
strv_len(char *const *v)
{
	size_t	n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return (n);
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t
now_mono_ms(void)
{
	return (clock_ms(CLOCK_MONOTONIC));
}

int64_t
now_wall_ms(void)
{
	return (clock_ms(CLOCK_REALTIME));
}
