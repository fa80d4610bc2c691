/* util.h — logging to stderr with a level, allocation that cannot fail, clocks. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

/* ASan is on: gcc says so with __SANITIZE_ADDRESS__, clang with __has_feature */
#if defined(__SANITIZE_ADDRESS__)
#define SUPD_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SUPD_ASAN	1
#endif
#endif

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERR };

extern enum log_level log_threshold;

void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
/*
 * A log line that may repeat at any rate (a resource ran out): written at
 * most once per interval_ms, with the count of those left out since.
 */
struct log_rate {
	int64_t		 interval_ms;
	int64_t		 last_ms;	/* when one was last written; 0: never */
	unsigned long	 skipped;
};
#define LOG_RATE_INITIALIZER(ms)	{ (ms), 0, 0 }
void	log_rated(struct log_rate *, enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* For start-up and the impossible: log, then exit 1. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Free a NULL-terminated vector of strings and the vector. */
void	 strv_free(char **);
size_t	 strv_len(char *const *);

int64_t	 now_mono_ms(void);	/* CLOCK_MONOTONIC */
int64_t	 now_wall_ms(void);	/* unix time */

#endif /* UTIL_H */
