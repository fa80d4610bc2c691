/*
 * spec.c — small helpers on struct spec: the words of the file for each
 * enum, the success test for an exit, and freeing.  Filling a spec from
 * the INI file is conf.c's job.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "util.h"

const char *const spec_kind_names[] = { "supervisor", "dynamic", "worker", NULL };
const char *const spec_restart_names[] = { "permanent", "transient", "temporary", NULL };
const char *const spec_strategy_names[] = {
	"one_for_one", "one_for_all", "rest_for_one", NULL
};
const char *const spec_auto_shutdown_names[] = {
	"never", "any_significant", "all_significant", NULL
};
const char *const spec_bool_names[] = { "false", "true", NULL };
const char *const spec_ready_names[] = { "exec", "notify", NULL };
const char *const spec_output_names[] = { "log", "null", "inherit", NULL };
const char *const spec_stderr_names[] = { "log", "null", "inherit",
    "log:separate", NULL };
const char *const spec_limit_names[] = {
	"limit_nofile", "limit_nproc", "limit_core", "limit_as", "limit_stack",
	NULL
};

char *const spec_empty_strv[1] = { NULL };
const int spec_default_codes[1] = { 0 };

const struct spec_extra spec_extra_defaults = {
	.stop_signal = SIGTERM,
	.umask = -1,
	.ready = READY_EXEC,
	.start_timeout_ms = DEFAULT_START_TIMEOUT,
	.strategy = STRATEGY_ONE_FOR_ONE,
	.max_restarts = DEFAULT_MAX_RESTARTS,
	.max_seconds = DEFAULT_MAX_SECONDS,
	.max_children = DEFAULT_MAX_CHILDREN,
	.partitions = 1,
	.watchdog_signal = SIGABRT,
	.health_interval_ms = DEFAULT_HEALTH_INTERVAL,
	.health_timeout_ms = DEFAULT_HEALTH_TIMEOUT,
	.health_retries = DEFAULT_HEALTH_RETRIES,
};

struct spec_extra *
spec_extra_own(struct spec *s)
{
	struct spec_extra	*x;

	if (s->x != NULL)
		return ((struct spec_extra *)s->x);
	x = xmalloc(sizeof *x);
	memcpy(x, &spec_extra_defaults, sizeof *x);
	s->x = x;
	return (x);
}

/* An unpacked spec's extra block and what it owns. */
static void
spec_extra_free(struct spec_extra *x)
{
	if (x == NULL)
		return;
	free(x->cwd);
	free(x->user);
	free(x->group);
	free(x->success_signals);
	free(x->memory_max);
	free(x->memory_high);
	free(x->cpu_weight);
	free(x->cpu_max);
	free(x->pids_max);
	strv_free(x->health_argv);
	spec_listen_free(x->listen, x->nlisten);
	free(x);
}

/* A death systemd calls clean: OTP's shutdown, what supd itself sends. */
static int
spec_clean_signal(int sig)
{
	return (sig == SIGTERM || sig == SIGINT || sig == SIGHUP ||
	    sig == SIGPIPE);
}

/* True if the exit (code, or death by sig when sig is not 0) is normal. */
int
spec_is_success(const struct spec *s, int code, int sig)
{
	size_t	i;

	if (sig != 0) {
		if (spec_clean_signal(sig))
			return (1);
		for (i = 0; i < spec_x(s)->nsuccess_signals; i++) {
			if (spec_x(s)->success_signals[i] == sig)
				return (1);
		}
		return (0);
	}
	/* A spec built by hand (tests, dynamic children) may leave the list empty. */
	if (s->success_codes == NULL || s->nsuccess == 0)
		return (code == 0);
	for (i = 0; i < s->nsuccess; i++) {
		if (s->success_codes[i] == code)
			return (1);
	}
	return (0);
}

/* Free s and every string and vector it owns. */
void
spec_free(struct spec *s)
{
	if (s == NULL)
		return;
	if (s->packed == SPEC_PACKED_SHARED)
		return;		/* its list's block is its owner's to free */
	if (s->packed) {
		free(s);
		return;
	}
	free(s->name);
	free(s->parent);
	strv_free(s->argv);
	strv_free(s->env);
	spec_extra_free((struct spec_extra *)s->x);
	free(s->success_codes);
	strv_free(s->groups);
	free(s);
}

void
spec_listen_free(struct spec_listen *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].name);
		free(v[i].addr);
	}
	free(v);
}

/* listen keys as resolved: same sockets in the same order */
static int
spec_listen_eq(const struct spec_extra *a, const struct spec_extra *b)
{
	size_t	i;

	if (a->nlisten != b->nlisten)
		return (0);
	for (i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i].text, b->listen[i].text) != 0)
			return (0);
	return (1);
}

int
spec_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

int
spec_strv_equal(char *const *a, char *const *b)
{
	size_t	i;

	if (strv_len(a) != strv_len(b))
		return (0);
	for (i = 0; a != NULL && a[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return (0);
	return (1);
}

static int
spec_ints_eq(const int *a, size_t na, const int *b, size_t nb)
{
	return (na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0));
}

/* success_exit_codes as the file gave them: an unset list is { 0 }. */
static int
spec_codes_eq(const struct spec *a, const struct spec *b)
{
	static const int	zero[] = { 0 };
	const int		*ca = a->nsuccess > 0 ? a->success_codes : zero;
	const int		*cb = b->nsuccess > 0 ? b->success_codes : zero;

	return (spec_ints_eq(ca, a->nsuccess > 0 ? a->nsuccess : 1, cb,
	    b->nsuccess > 0 ? b->nsuccess : 1) &&
	    spec_ints_eq(spec_x(a)->success_signals, spec_x(a)->nsuccess_signals,
	    spec_x(b)->success_signals, spec_x(b)->nsuccess_signals));
}

static int
spec_limit_eq(const struct spec_limit *a, const struct spec_limit *b)
{
	if (!a->set || !b->set)
		return (a->set == b->set);
	return (a->soft == b->soft && a->hard == b->hard);
}

static int
spec_opt_eq(const struct spec_opt *a, const struct spec_opt *b)
{
	return (a->set == b->set && (!a->set || a->value == b->value));
}

int
spec_diff(const struct spec *a, const struct spec *b, const char **keys,
    int max)
{
	const struct spec_extra *xa = spec_x(a), *xb = spec_x(b);
	int	n = 0, i;

#define SPEC_DIFF(cond, key) do {					\
	if (!(cond) && n < max)						\
		keys[n++] = (key);					\
} while (0)
	SPEC_DIFF(spec_strv_equal(a->argv, b->argv), "command");
	SPEC_DIFF(a->restart == b->restart, "restart");
	SPEC_DIFF(a->significant == b->significant, "significant");
	SPEC_DIFF(a->manual == b->manual, "autostart");
	SPEC_DIFF(a->shutdown_ms == b->shutdown_ms, "shutdown");
	SPEC_DIFF(spec_x(a)->stop_signal == spec_x(b)->stop_signal, "stop_signal");
	SPEC_DIFF(spec_strv_equal(a->env, b->env), "env");
	SPEC_DIFF(spec_str_equal(spec_x(a)->cwd, spec_x(b)->cwd), "cwd");
	SPEC_DIFF(spec_str_equal(spec_x(a)->user, spec_x(b)->user), "user");
	SPEC_DIFF(spec_str_equal(spec_x(a)->group, spec_x(b)->group), "group");
	SPEC_DIFF(spec_x(a)->umask == spec_x(b)->umask, "umask");
	SPEC_DIFF(spec_x(a)->ready == spec_x(b)->ready, "ready");
	SPEC_DIFF(spec_x(a)->start_timeout_ms == spec_x(b)->start_timeout_ms, "start_timeout");
	SPEC_DIFF(a->out == b->out, "stdout");
	SPEC_DIFF(a->err == b->err, "stderr");
	SPEC_DIFF(spec_codes_eq(a, b), "success_exit_codes");
	SPEC_DIFF(spec_strv_equal(a->groups, b->groups), "groups");
	SPEC_DIFF(xa->restart_delay_ms == xb->restart_delay_ms, "restart_delay");
	SPEC_DIFF(xa->restart_delay_max_ms == xb->restart_delay_max_ms,
	    "restart_delay_max");
	SPEC_DIFF(xa->restart_delay_reset_ms == xb->restart_delay_reset_ms,
	    "restart_delay_reset");
	SPEC_DIFF(xa->watchdog_ms == xb->watchdog_ms, "watchdog");
	SPEC_DIFF(xa->watchdog_signal == xb->watchdog_signal, "watchdog_signal");
	SPEC_DIFF(spec_strv_equal(xa->health_argv, xb->health_argv), "health");
	SPEC_DIFF(xa->health_interval_ms == xb->health_interval_ms,
	    "health_interval");
	SPEC_DIFF(xa->health_timeout_ms == xb->health_timeout_ms,
	    "health_timeout");
	SPEC_DIFF(xa->health_retries == xb->health_retries, "health_retries");
	SPEC_DIFF(xa->health_start_period_ms == xb->health_start_period_ms,
	    "health_start_period");
	SPEC_DIFF(spec_str_equal(xa->memory_max, xb->memory_max), "memory_max");
	SPEC_DIFF(spec_str_equal(xa->memory_high, xb->memory_high), "memory_high");
	SPEC_DIFF(spec_str_equal(xa->cpu_weight, xb->cpu_weight), "cpu_weight");
	SPEC_DIFF(spec_str_equal(xa->cpu_max, xb->cpu_max), "cpu_max");
	SPEC_DIFF(spec_str_equal(xa->pids_max, xb->pids_max), "pids_max");
	SPEC_DIFF(spec_x(a)->strategy == spec_x(b)->strategy, "strategy");
	SPEC_DIFF(spec_x(a)->max_restarts == spec_x(b)->max_restarts, "max_restarts");
	SPEC_DIFF(spec_x(a)->max_seconds == spec_x(b)->max_seconds, "max_seconds");
	SPEC_DIFF(spec_x(a)->auto_shutdown == spec_x(b)->auto_shutdown, "auto_shutdown");
	SPEC_DIFF(spec_x(a)->max_children == spec_x(b)->max_children, "max_children");
	SPEC_DIFF(spec_x(a)->partitions == spec_x(b)->partitions, "partitions");
	for (i = 0; i < LIMIT_COUNT; i++)
		SPEC_DIFF(spec_limit_eq(&xa->limits[i], &xb->limits[i]),
		    spec_limit_names[i]);
	SPEC_DIFF(spec_opt_eq(&xa->nice, &xb->nice), "nice");
	SPEC_DIFF(spec_opt_eq(&xa->oom_score_adjust, &xb->oom_score_adjust),
	    "oom_score_adjust");
	SPEC_DIFF(xa->memory_restart == xb->memory_restart, "memory_restart");
	SPEC_DIFF(spec_listen_eq(xa, xb), "listen");
	SPEC_DIFF(xa->listen_backlog == xb->listen_backlog, "listen_backlog");
	SPEC_DIFF(xa->listen_reuseport == xb->listen_reuseport,
	    "listen_reuseport");
	SPEC_DIFF(xa->fd_store_max == xb->fd_store_max, "fd_store_max");
#undef SPEC_DIFF
	return (n);
}
