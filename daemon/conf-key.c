/*
 * conf-key.c — every key of the INI file and the syntax of its values:
 * numbers, sizes, enums, signals, users, env and the shell-like splitting
 * of command.  conf.c reads lines and sections and calls conf_key_set for
 * each KEY = VALUE; the tree itself (parents, root) is checked there.
 */
#include <sys/types.h>
#include <sys/un.h>

#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf-key.h"
#include "listen.h"
#include "name.h"
#include "signame.h"
#include "util.h"

/* Key flags. */
#define K_REPEAT	0x1	/* may be given more than once (env) */
#define K_WIDE		0x2	/* the field is an int64_t, not an int */
#define K_OCTAL		0x4
#define K_SIZE		0x8	/* K, M or G may follow the number */

#define MS_MAX		INT32_MAX	/* about 24.8 days: any timer holds it */

struct conf_key {
	const char	*name;
	int		 where;		/* SEC_* bits */
	int		 flags;		/* K_* */
	void		(*set)(struct conf_state *, struct conf_section *,
			    const char *);
	size_t		 off;		/* of the field in struct config or spec */
	int64_t		 min, max;	/* numbers */
	const char	*what;		/* what the value is, for errors */
	const char *const *words;	/* the accepted words of an enum */
};

static void	conf_key_path(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_socket(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_number(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_enum(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_user(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_group(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_parent(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_command(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_shutdown(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_signal(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_env(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_codes(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_groups(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_limit(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_opt(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_time(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_cgroup(struct conf_state *, struct conf_section *, const char *);
static void	conf_key_listen(struct conf_state *, struct conf_section *, const char *);

static const char *const conf_key_no_yes[] = { "no", "yes", NULL };
/* autostart's words, in the order of spec->manual's values */
static const char *const conf_key_yes_no[] = { "yes", "no", NULL };
static const char *const conf_key_sync[] = { "normal", "full", NULL };
static const char *const conf_key_cgroup_mode[] = { "auto", "off", NULL };

#define CF(f)	offsetof(struct config, f)
#define SP(f)	offsetof(struct spec, f)
/* A field of struct spec_extra: the key gives the spec a block of its own. */
#define OFF_X	((size_t)1 << 30)
#define XP(f)	(offsetof(struct spec_extra, f) | OFF_X)

/* Every key of the file; doc/config.md documents the same list. */
static const struct conf_key conf_keys[] = {
	{ .name = "socket", .where = SEC_SUPD, .set = conf_key_socket,
	    .off = CF(socket) },
	{ .name = "state", .where = SEC_SUPD, .set = conf_key_path,
	    .off = CF(state) },
	{ .name = "log_dir", .where = SEC_SUPD, .set = conf_key_path,
	    .off = CF(log_dir) },
	{ .name = "socket_mode", .where = SEC_SUPD, .flags = K_OCTAL,
	    .set = conf_key_number, .off = CF(socket_mode), .min = 0,
	    .max = 0777, .what = "an octal mode such as 0660" },
	{ .name = "socket_group", .where = SEC_SUPD, .set = conf_key_group,
	    .off = CF(socket_group) },
	{ .name = "admin_group", .where = SEC_SUPD, .set = conf_key_group,
	    .off = CF(admin_group) },
	{ .name = "read_group", .where = SEC_SUPD, .set = conf_key_group,
	    .off = CF(read_group) },
	{ .name = "read_logs", .where = SEC_SUPD, .set = conf_key_enum,
	    .off = CF(read_logs), .what = "value", .words = conf_key_no_yes },
	{ .name = "sync", .where = SEC_SUPD, .set = conf_key_enum,
	    .off = CF(sync_full), .what = "value", .words = conf_key_sync },
	{ .name = "max_request_bytes", .where = SEC_SUPD,
	    .flags = K_WIDE | K_SIZE, .set = conf_key_number,
	    .off = CF(max_request_bytes), .min = 1024, .max = 1 << 30,
	    .what = "a size in bytes" },
	{ .name = "max_clients", .where = SEC_SUPD, .set = conf_key_number,
	    .off = CF(max_clients), .min = 1, .max = 65536,
	    .what = "a whole number" },
	{ .name = "idle_timeout", .where = SEC_SUPD, .flags = K_WIDE,
	    .set = conf_key_number, .off = CF(idle_timeout_ms), .min = 0,
	    .max = MS_MAX, .what = "a number of milliseconds" },
	{ .name = "log_max_bytes", .where = SEC_SUPD,
	    .flags = K_WIDE | K_SIZE, .set = conf_key_number,
	    .off = CF(log_max_bytes), .min = 1, .max = INT64_MAX,
	    .what = "a size in bytes" },
	{ .name = "log_timestamps", .where = SEC_SUPD, .set = conf_key_enum,
	    .off = CF(log_plain), .what = "value", .words = conf_key_yes_no },
	{ .name = "log_backups", .where = SEC_SUPD, .set = conf_key_number,
	    .off = CF(log_backups), .min = 0, .max = 1000,
	    .what = "a whole number" },
	{ .name = "history_max", .where = SEC_SUPD, .flags = K_WIDE,
	    .set = conf_key_number, .off = CF(history_max), .min = 1,
	    .max = INT64_MAX, .what = "a whole number" },
	{ .name = "cgroup", .where = SEC_SUPD, .set = conf_key_enum,
	    .off = CF(cgroup_off), .what = "value",
	    .words = conf_key_cgroup_mode },

	{ .name = "parent", .where = SEC_TREE, .set = conf_key_parent,
	    .off = SP(parent) },
	{ .name = "strategy", .where = SEC_SUPERVISOR, .set = conf_key_enum,
	    .off = XP(strategy), .what = "strategy",
	    .words = spec_strategy_names },
	{ .name = "max_restarts", .where = SEC_SUPERVISOR | SEC_DYNAMIC,
	    .set = conf_key_number, .off = XP(max_restarts), .min = 0,
	    .max = INT_MAX, .what = "a whole number" },
	{ .name = "max_seconds", .where = SEC_SUPERVISOR | SEC_DYNAMIC,
	    .set = conf_key_number, .off = XP(max_seconds), .min = 1,
	    .max = INT_MAX, .what = "a whole number" },
	{ .name = "max_children", .where = SEC_DYNAMIC,
	    .set = conf_key_number, .off = XP(max_children), .min = 0,
	    .max = INT_MAX, .what = "a whole number" },
	{ .name = "partitions", .where = SEC_DYNAMIC, .set = conf_key_number,
	    .off = XP(partitions), .min = 1, .max = 65536,
	    .what = "a whole number" },
	{ .name = "restart", .where = SEC_TREE, .set = conf_key_enum,
	    .off = SP(restart), .what = "restart type",
	    .words = spec_restart_names },
	{ .name = "significant", .where = SEC_SUPERVISOR | SEC_WORKER,
	    .set = conf_key_enum, .off = SP(significant), .what = "boolean",
	    .words = spec_bool_names },
	{ .name = "autostart", .where = SEC_WORKER, .set = conf_key_enum,
	    .off = SP(manual), .what = "value", .words = conf_key_yes_no },
	{ .name = "auto_shutdown", .where = SEC_SUPERVISOR,
	    .set = conf_key_enum, .off = XP(auto_shutdown),
	    .what = "auto_shutdown", .words = spec_auto_shutdown_names },
	{ .name = "shutdown", .where = SEC_TREE, .flags = K_WIDE,
	    .set = conf_key_shutdown, .off = SP(shutdown_ms), .min = 0,
	    .max = MS_MAX,
	    .what = "a number of milliseconds, brutal_kill or infinity" },

	{ .name = "command", .where = SEC_CHILD, .set = conf_key_command,
	    .off = SP(argv) },
	{ .name = "stop_signal", .where = SEC_CHILD, .set = conf_key_signal,
	    .off = XP(stop_signal) },
	{ .name = "env", .where = SEC_CHILD, .flags = K_REPEAT,
	    .set = conf_key_env, .off = SP(env) },
	{ .name = "cwd", .where = SEC_CHILD, .set = conf_key_path,
	    .off = XP(cwd) },
	{ .name = "user", .where = SEC_CHILD, .set = conf_key_user,
	    .off = XP(user) },
	{ .name = "group", .where = SEC_CHILD, .set = conf_key_group,
	    .off = XP(group) },
	{ .name = "umask", .where = SEC_CHILD, .flags = K_OCTAL,
	    .set = conf_key_number, .off = XP(umask), .min = 0, .max = 0777,
	    .what = "an octal mask such as 022" },
	{ .name = "ready", .where = SEC_CHILD, .set = conf_key_enum,
	    .off = XP(ready), .what = "ready mode",
	    .words = spec_ready_names },
	{ .name = "start_timeout", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_number, .off = XP(start_timeout_ms), .min = 1,
	    .max = MS_MAX, .what = "a number of milliseconds" },
	{ .name = "stdout", .where = SEC_CHILD, .set = conf_key_enum,
	    .off = SP(out), .what = "stdout mode",
	    .words = spec_output_names },
	{ .name = "stderr", .where = SEC_CHILD, .set = conf_key_enum,
	    .off = SP(err), .what = "stderr mode",
	    .words = spec_stderr_names },
	{ .name = "success_exit_codes", .where = SEC_CHILD,
	    .set = conf_key_codes, .off = SP(success_codes) },
	{ .name = "groups", .where = SEC_CHILD, .set = conf_key_groups,
	    .off = SP(groups) },

	/* resources: set in the child before exec (spawn.c), all opt-in */
	{ .name = "limit_nofile", .where = SEC_CHILD, .set = conf_key_limit,
	    .off = XP(limits[LIMIT_NOFILE]), .what = "a number" },
	{ .name = "limit_nproc", .where = SEC_CHILD, .set = conf_key_limit,
	    .off = XP(limits[LIMIT_NPROC]), .what = "a number" },
	{ .name = "limit_core", .where = SEC_CHILD, .flags = K_SIZE,
	    .set = conf_key_limit, .off = XP(limits[LIMIT_CORE]),
	    .what = "a size in bytes" },
	{ .name = "limit_as", .where = SEC_CHILD, .flags = K_SIZE,
	    .set = conf_key_limit, .off = XP(limits[LIMIT_AS]),
	    .what = "a size in bytes" },
	{ .name = "limit_stack", .where = SEC_CHILD, .flags = K_SIZE,
	    .set = conf_key_limit, .off = XP(limits[LIMIT_STACK]),
	    .what = "a size in bytes" },
	{ .name = "nice", .where = SEC_CHILD, .set = conf_key_opt,
	    .off = XP(nice), .min = -20, .max = 19 },
	{ .name = "oom_score_adjust", .where = SEC_CHILD, .set = conf_key_opt,
	    .off = XP(oom_score_adjust), .min = -1000, .max = 1000 },
	{ .name = "memory_restart", .where = SEC_CHILD,
	    .flags = K_WIDE | K_SIZE, .set = conf_key_number,
	    .off = XP(memory_restart), .min = 1, .max = INT64_MAX,
	    .what = "a size in bytes" },
	{ .name = "restart_delay", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_number, .off = XP(restart_delay_ms), .min = 0,
	    .max = MS_MAX, .what = "a number of milliseconds" },
	{ .name = "restart_delay_max", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_number, .off = XP(restart_delay_max_ms), .min = 1,
	    .max = MS_MAX, .what = "a number of milliseconds" },
	{ .name = "restart_delay_reset", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_number, .off = XP(restart_delay_reset_ms), .min = 1,
	    .max = MS_MAX, .what = "a number of milliseconds" },
	{ .name = "watchdog", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_time, .off = XP(watchdog_ms), .min = 0,
	    .max = MS_MAX, .what = "a time (ms, or with s or m after it)" },
	{ .name = "watchdog_signal", .where = SEC_CHILD,
	    .set = conf_key_signal, .off = XP(watchdog_signal) },
	{ .name = "health", .where = SEC_CHILD, .set = conf_key_command,
	    .off = XP(health_argv) },
	{ .name = "health_interval", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_time, .off = XP(health_interval_ms), .min = 1,
	    .max = MS_MAX, .what = "a time (ms, or with s or m after it)" },
	{ .name = "health_timeout", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_time, .off = XP(health_timeout_ms), .min = 1,
	    .max = MS_MAX, .what = "a time (ms, or with s or m after it)" },
	{ .name = "health_retries", .where = SEC_CHILD,
	    .set = conf_key_number, .off = XP(health_retries), .min = 1,
	    .max = INT_MAX, .what = "a whole number" },
	{ .name = "health_start_period", .where = SEC_CHILD, .flags = K_WIDE,
	    .set = conf_key_time, .off = XP(health_start_period_ms), .min = 0,
	    .max = MS_MAX, .what = "a time (ms, or with s or m after it)" },
	/* cgroup v2 limits: "max" or a number; cpu_max also "QUOTA PERIOD" */
	{ .name = "memory_max", .where = SEC_CHILD, .flags = K_SIZE,
	    .set = conf_key_cgroup, .off = XP(memory_max), .min = 0,
	    .max = INT64_MAX, .what = "a size in bytes or max" },
	{ .name = "memory_high", .where = SEC_CHILD, .flags = K_SIZE,
	    .set = conf_key_cgroup, .off = XP(memory_high), .min = 0,
	    .max = INT64_MAX, .what = "a size in bytes or max" },
	{ .name = "cpu_weight", .where = SEC_CHILD, .set = conf_key_cgroup,
	    .off = XP(cpu_weight), .min = 1, .max = 10000,
	    .what = "a weight from 1 to 10000" },
	{ .name = "cpu_max", .where = SEC_CHILD, .set = conf_key_cgroup,
	    .off = XP(cpu_max), .min = 1000, .max = 1000000,
	    .what = "max or QUOTA [PERIOD] in microseconds" },
	{ .name = "pids_max", .where = SEC_CHILD, .set = conf_key_cgroup,
	    .off = XP(pids_max), .min = 1, .max = INT32_MAX,
	    .what = "a number of processes or max" },
	/* sockets held across restarts, the fd store (listen.c, fdstore.c) */
	{ .name = "listen", .where = SEC_CHILD, .flags = K_REPEAT,
	    .set = conf_key_listen, .off = XP(listen) },
	{ .name = "listen_backlog", .where = SEC_CHILD, .set = conf_key_number,
	    .off = XP(listen_backlog), .min = 1, .max = 65535,
	    .what = "a whole number" },
	{ .name = "listen_reuseport", .where = SEC_CHILD, .set = conf_key_enum,
	    .off = XP(listen_reuseport), .what = "value",
	    .words = conf_key_no_yes },
	{ .name = "fd_store_max", .where = SEC_CHILD, .set = conf_key_number,
	    .off = XP(fd_store_max), .min = 0, .max = FD_STORE_MAX,
	    .what = "a whole number" },
};
const size_t conf_key_count = sizeof(conf_keys) / sizeof(conf_keys[0]);

static const char *const conf_key_places[] = {
	"[supd]", "[supervisor:NAME]", "[dynamic:NAME]", "[worker:NAME]"
};
static const int conf_key_place_kinds[] = {
	SEC_SUPD, SEC_SUPERVISOR, SEC_DYNAMIC, SEC_WORKER
};

/* Small helpers. */

/* Append s to the string in buf, cutting at size. */
static void
conf_key_cat(char *buf, size_t size, const char *s)
{
	size_t	len = strlen(buf);

	snprintf(buf + len, size - len, "%s", s);
}

static void
conf_key_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* The field the current key fills: in struct config for [supd], else the spec. */
static char *
conf_key_field(struct conf_state *st, struct conf_section *sec)
{
	char	*obj;

	if (st->key->off & OFF_X)
		return ((char *)spec_extra_own(sec->spec) + (st->key->off &
		    ~OFF_X));
	if (sec->kind != SEC_SUPD)
		obj = (char *)sec->spec;
	else
		obj = sec->ghost ? (char *)&st->scratch : (char *)st->cf;
	return (obj + st->key->off);
}

static void
conf_key_string(struct conf_state *st, struct conf_section *sec, char *s)
{
	char	**field = (char **)conf_key_field(st, sec);

	free(*field);
	*field = s;
}

/* Resolve a relative path against the file's directory, dropping "." parts. */
static char *
conf_key_resolve(struct conf_state *st, const char *value)
{
	char	*out, *copy, *part, *save;
	size_t	 len, plen;

	if (value[0] == '/')
		return (xstrdup(value));
	len = strlen(st->cf->dir);
	out = xmalloc(len + strlen(value) + 2);
	memcpy(out, st->cf->dir, len + 1);
	copy = xstrdup(value);
	for (part = strtok_r(copy, "/", &save); part != NULL;
	    part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (len == 0 || out[len - 1] != '/')
			out[len++] = '/';
		plen = strlen(part);
		memcpy(out + len, part, plen + 1);
		len += plen;
	}
	free(copy);
	return (out);
}

/* Numbers. */

enum { NUM_OK, NUM_JUNK, NUM_NEGATIVE, NUM_RANGE };

static int
conf_key_parse_number(const char *v, int base, int suffix, int64_t *out)
{
	const char	*p = v;
	uint64_t	 n = 0, mult = 1, digit;
	int		 over = 0, r;

	if (*p == '-') {
		r = conf_key_parse_number(p + 1, base, suffix, out);
		return (r == NUM_OK || r == NUM_RANGE ? NUM_NEGATIVE : NUM_JUNK);
	}
	if (*p < '0' || *p >= '0' + base)
		return (NUM_JUNK);
	for (; *p >= '0' && *p < '0' + base; p++) {
		digit = (uint64_t)(*p - '0');
		if (n > ((uint64_t)INT64_MAX - digit) / (uint64_t)base)
			over = 1;
		else
			n = n * (uint64_t)base + digit;
	}
	if (suffix && *p != '\0' && strchr("kKmMgG", *p) != NULL) {
		mult = *p == 'k' || *p == 'K' ? 1 << 10 :
		    *p == 'm' || *p == 'M' ? 1 << 20 : 1 << 30;
		p++;
	}
	if (*p != '\0')
		return (NUM_JUNK);
	if (over || n > (uint64_t)INT64_MAX / mult)
		return (NUM_RANGE);
	*out = (int64_t)(n * mult);
	return (NUM_OK);
}

/* Parse the current key's number within its bounds; -1 after an error. */
static int
conf_key_bounded(struct conf_state *st, struct conf_section *sec,
    const char *v, int64_t *out)
{
	const struct conf_key	*k = st->key;
	int			 octal = (k->flags & K_OCTAL) != 0, r;
	char			 bound[32];

	r = conf_key_parse_number(v, octal ? 8 : 10, k->flags & K_SIZE, out);
	if (r == NUM_JUNK) {
		conf_bad(st, sec, "%s = \"%s\" is not %s%s", k->name, v, k->what,
		    k->flags & K_SIZE ?
		    " (a number, optionally followed by K, M or G)" : "");
		return (-1);
	}
	if (r == NUM_NEGATIVE || *out < k->min) {
		snprintf(bound, sizeof(bound), octal ? "0%llo" : "%lld",
		    (long long)k->min);
		conf_bad(st, sec, "%s = \"%s\" is %s (use %s or more)", k->name,
		    v, r == NUM_NEGATIVE ? "negative" : "too small", bound);
		return (-1);
	}
	if (r == NUM_RANGE || *out > k->max) {
		snprintf(bound, sizeof(bound), octal ? "0%llo" : "%lld",
		    (long long)k->max);
		conf_bad(st, sec, "%s = \"%s\" is too large (use at most %s)",
		    k->name, v, bound);
		return (-1);
	}
	return (0);
}

/* Setters: each checks its value and fills its field, or reports why not. */

static void
conf_key_path(struct conf_state *st, struct conf_section *sec, const char *v)
{
	conf_key_string(st, sec, conf_key_resolve(st, v));
}

static void
conf_key_socket(struct conf_state *st, struct conf_section *sec, const char *v)
{
	struct sockaddr_un	 sun;
	char			*path = conf_key_resolve(st, v);

	if (strlen(path) >= sizeof(sun.sun_path)) {
		conf_bad(st, sec, "socket path \"%s\" is longer than %zu bytes, "
		    "the most a UNIX socket takes (use a shorter path)", path,
		    sizeof(sun.sun_path) - 1);
		free(path);
		return;
	}
	conf_key_string(st, sec, path);
}

static void
conf_key_number(struct conf_state *st, struct conf_section *sec, const char *v)
{
	int64_t	 n;
	char	*field = conf_key_field(st, sec);

	if (conf_key_bounded(st, sec, v, &n) == -1)
		return;
	if (st->key->flags & K_WIDE)
		*(int64_t *)field = n;
	else
		*(int *)field = (int)n;
}

static void
conf_key_shutdown(struct conf_state *st, struct conf_section *sec, const char *v)
{
	int64_t	n;

	if (strcmp(v, "brutal_kill") == 0)
		n = SHUTDOWN_BRUTAL_KILL;
	else if (strcmp(v, "infinity") == 0)
		n = SHUTDOWN_INFINITY;
	else if (conf_key_bounded(st, sec, v, &n) == -1)
		return;
	sec->spec->shutdown_ms = n;
}

static void
conf_key_enum(struct conf_state *st, struct conf_section *sec, const char *v)
{
	const struct conf_key	*k = st->key;
	char			 list[256];
	size_t			 i, n;

	for (i = 0; k->words[i] != NULL; i++) {
		if (strcmp(k->words[i], v) == 0) {
			/* enum fields are int-sized; spec.h's enums start at 0 */
			*(int *)conf_key_field(st, sec) = (int)i;
			return;
		}
	}
	list[0] = '\0';
	for (n = i, i = 0; i < n; i++) {
		if (i > 0)
			conf_key_cat(list, sizeof(list), i == n - 1 ? " or " : ", ");
		conf_key_cat(list, sizeof(list), k->words[i]);
	}
	conf_bad(st, sec, "unknown %s \"%s\" (use %s)", k->what, v, list);
}

static int
conf_key_is_id(const char *v)
{
	int64_t	n;

	/* (uid_t)-1 means "no change" to setuid(2): not an id */
	return (conf_key_parse_number(v, 10, 0, &n) == NUM_OK &&
	    n < UINT32_MAX);
}

/*
 * A child's user and group are looked up by check.c (supd --check, and at
 * start, as warnings), so a file checks on a machine that lacks them;
 * supd's own groups must exist for it to serve.
 */
static void
conf_key_user(struct conf_state *st, struct conf_section *sec, const char *v)
{
	conf_key_string(st, sec, xstrdup(v));
}

static void
conf_key_group(struct conf_state *st, struct conf_section *sec, const char *v)
{
	if (sec->kind == SEC_SUPD && !conf_key_is_id(v) && getgrnam(v) == NULL) {
		conf_bad(st, sec, "unknown group \"%s\" (no such group on this "
		    "machine; use an existing name or a numeric gid)", v);
		return;
	}
	conf_key_string(st, sec, xstrdup(v));
}

static void
conf_key_parent(struct conf_state *st, struct conf_section *sec, const char *v)
{
	/* Checked by conf.c once the whole file is read: it may come later. */
	conf_key_string(st, sec, xstrdup(v));
}

static void
conf_key_command(struct conf_state *st, struct conf_section *sec, const char *v)
{
	const char	 *why, *key = st->key->name;
	char		**argv, *path;

	if ((argv = conf_split_command(v, &why)) == NULL) {
		/* inih cuts the value at " ;", even inside quotes. */
		conf_bad(st, sec, "%s: %s%s", key, why, st->cut_comment ?
		    " (a \";\" after a space starts a comment, even inside "
		    "quotes: write \"a; b\", not \"a ; b\")" :
		    " (close the quote, or escape it with a backslash)");
		return;
	}
	if (argv[0] == NULL || argv[0][0] == '\0') {
		conf_bad(st, sec, "%s: the program name is empty", key);
		strv_free(argv);
		return;
	}
	/* A path (not a name looked up in PATH) is relative to the file. */
	if (strchr(argv[0], '/') != NULL && argv[0][0] != '/') {
		path = conf_key_resolve(st, argv[0]);
		free(argv[0]);
		argv[0] = path;
	}
	/* command or health: the field the key names */
	strv_free(*(char ***)conf_key_field(st, sec));
	*(char ***)conf_key_field(st, sec) = argv;
}

static void
conf_key_signal(struct conf_state *st, struct conf_section *sec, const char *v)
{
	int	sig;

	if ((sig = signame_number(v)) == -1) {
		conf_bad(st, sec, "unknown signal \"%s\" (use a name such as TERM "
		    "or SIGTERM, or a number from 1 to %d)", v, SIGRTMAX);
		return;
	}
	/* stop_signal or watchdog_signal: the field the key names */
	*(int *)conf_key_field(st, sec) = sig;
}

/*
 * A time: milliseconds, as every time key, or a number followed by ms, s
 * or m (watchdog = 10s, as systemd's WatchdogSec= and Docker's --interval).
 */
static void
conf_key_time(struct conf_state *st, struct conf_section *sec, const char *v)
{
	const struct conf_key	*k = st->key;
	char			 num[32];
	size_t			 len = strlen(v), digits;
	int64_t			 n, mult = 1;

	digits = strspn(v, "0123456789");
	if (digits > 0 && digits < len && digits < sizeof num) {
		if (strcmp(v + digits, "ms") == 0)
			mult = 1;
		else if (strcmp(v + digits, "s") == 0)
			mult = 1000;
		else if (strcmp(v + digits, "m") == 0 ||
		    strcmp(v + digits, "min") == 0)
			mult = 60000;
		else
			mult = 0;
		if (mult != 0) {
			memcpy(num, v, digits);
			num[digits] = '\0';
			v = num;
		} else
			mult = 1;
	}
	if (conf_key_parse_number(v, 10, 0, &n) == NUM_OK && mult > 1) {
		if (n > k->max / mult) {
			conf_bad(st, sec, "%s = \"%s%s\" is too large (use at "
			    "most %lld ms)", k->name, v, mult == 1000 ? "s" :
			    "m", (long long)k->max);
			return;
		}
		snprintf(num, sizeof num, "%lld", (long long)(n * mult));
		v = num;
	}
	if (conf_key_bounded(st, sec, v, &n) == -1)
		return;
	*(int64_t *)conf_key_field(st, sec) = n;
}

static int
conf_key_env_name(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || isdigit((unsigned char)s[0]))
		return (0);
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return (0);
	}
	return (1);
}

static void
conf_key_env(struct conf_state *st, struct conf_section *sec, const char *v)
{
	struct spec	*s = sec->spec;
	const char	*eq;
	size_t		 i, len;

	if ((eq = strchr(v, '=')) == NULL) {
		conf_bad(st, sec, "env = \"%s\" has no \"=\" (write env = "
		    "KEY=VALUE)", v);
		return;
	}
	len = eq - v;
	if (!conf_key_env_name(v, len)) {
		conf_bad(st, sec, "env = \"%s\": \"%.*s\" is not a variable name "
		    "(letters, digits and _, not starting with a digit)", v,
		    (int)len, v);
		return;
	}
	if ((len == 9 && strncmp(v, "SUPD_NAME", len) == 0) ||
	    (len == 10 && strncmp(v, "SUPD_STATE", len) == 0) ||
	    (len == 15 && strncmp(v, "SUPD_SUPERVISOR", len) == 0)) {
		conf_bad(st, sec, "env = \"%s\": supd sets %.*s itself (choose "
		    "another name)", v, (int)len, v);
		return;
	}
	for (i = 0; i < s->nenv; i++) {
		if (strncmp(s->env[i], v, len + 1) == 0) {
			conf_bad(st, sec, "env %.*s is set twice (keep one)",
			    (int)len, v);
			return;
		}
	}
	conf_key_push(&s->env, &s->nenv, xstrdup(v));
}

/* One socket: its syntax, a path resolved, no name or address twice. */
static void
conf_key_listen(struct conf_state *st, struct conf_section *sec, const char *v)
{
	struct spec_extra	*s = spec_extra_own(sec->spec);
	struct spec_listen	 l;
	char			*why, *path;
	size_t			 i;

	if (listen_parse(v, &l, &why) == -1) {
		conf_bad(st, sec, "listen = \"%s\": %s", v, why);
		free(why);
		return;
	}
	if (l.kind == LISTEN_UNIX) {
		path = conf_key_resolve(st, l.addr);
		free(l.addr);
		l.addr = path;
		listen_text(&l);
		if (strlen(path) >= sizeof ((struct sockaddr_un *)0)->sun_path) {
			conf_bad(st, sec, "listen = \"%s\": the path %s is longer "
			    "than a socket address holds (%zu bytes)", v, path,
			    sizeof ((struct sockaddr_un *)0)->sun_path - 1);
			goto bad;
		}
	}
	if (s->nlisten >= LISTEN_FDS_MAX) {
		conf_bad(st, sec, "listen = \"%s\": more than %d sockets", v,
		    LISTEN_FDS_MAX);
		goto bad;
	}
	for (i = 0; i < s->nlisten; i++) {
		if (strcmp(s->listen[i].name, l.name) == 0) {
			conf_bad(st, sec, "listen = \"%s\": the name %s is "
			    "taken by an earlier listen (keep one)", v, l.name);
			goto bad;
		}
		if (s->listen[i].kind == l.kind && s->listen[i].port == l.port &&
		    strcmp(s->listen[i].addr, l.addr) == 0) {
			conf_bad(st, sec, "listen = \"%s\": the same address as "
			    "%s (keep one)", v, s->listen[i].name);
			goto bad;
		}
	}
	s->listen = xrealloc(s->listen, (s->nlisten + 1) * sizeof *s->listen);
	s->listen[s->nlisten++] = l;
	return;
bad:
	free(l.text);
	free(l.name);
	free(l.addr);
}

/* Exit codes from 0 to 255 and signal names; a number is always a code. */
static void
conf_key_codes(struct conf_state *st, struct conf_section *sec, const char *v)
{
	struct spec	*s = sec->spec;
	struct spec_extra *xs;
	char		*copy, *word, *save;
	int		*codes, *sigs, **list, x;
	size_t		 n = 0, nsigs = 0, *len, i;
	int64_t		 code;
	int		 bad = 0;

	copy = xstrdup(v);
	codes = xcalloc(strlen(v), sizeof(*codes));
	sigs = xcalloc(strlen(v), sizeof(*sigs));
	for (word = strtok_r(copy, ", \t", &save); word != NULL;
	    word = strtok_r(NULL, ", \t", &save)) {
		if (conf_key_parse_number(word, 10, 0, &code) == NUM_OK &&
		    code <= 255) {
			list = &codes, len = &n, x = (int)code;
		} else if (!isdigit((unsigned char)word[0]) &&
		    (x = signame_number(word)) != -1) {
			list = &sigs, len = &nsigs;
		} else {
			conf_bad(st, sec, "success_exit_codes: \"%s\" is not an "
			    "exit code or a signal (use numbers from 0 to 255 "
			    "and signal names such as TERM, separated by spaces "
			    "or commas)", word);
			bad = 1;
			continue;
		}
		for (i = 0; i < *len && (*list)[i] != x; i++)
			;
		if (i == *len)
			(*list)[(*len)++] = x;
	}
	free(copy);
	if (n == 0 && nsigs == 0 && !bad)
		conf_bad(st, sec, "success_exit_codes lists no exit code");
	if (bad || n + nsigs == 0) {
		free(codes);
		free(sigs);
		return;
	}
	free(s->success_codes);
	s->success_codes = codes;
	s->nsuccess = n;
	if (nsigs == 0 && s->x == NULL) {
		free(sigs);	/* no signal: the spec keeps its x NULL */
		return;
	}
	xs = spec_extra_own(s);
	free(xs->success_signals);
	xs->success_signals = sigs;
	xs->nsuccess_signals = nsigs;
}

static void
conf_key_groups(struct conf_state *st, struct conf_section *sec, const char *v)
{
	struct spec	*s = sec->spec;
	char		*copy, *word, *save;
	const char	*why;
	size_t		 i;
	int		 bad = 0;

	copy = xstrdup(v);
	for (word = strtok_r(copy, ", \t", &save); word != NULL;
	    word = strtok_r(NULL, ", \t", &save)) {
		if (!name_valid(word, &why)) {
			conf_bad(st, sec, "groups: bad group name \"%s\": %s",
			    word, why);
			bad = 1;
			continue;
		}
		for (i = 0; i < s->ngroups && strcmp(s->groups[i], word) != 0; i++)
			;
		if (i == s->ngroups)
			conf_key_push(&s->groups, &s->ngroups, xstrdup(word));
	}
	free(copy);
	if (s->ngroups == 0 && !bad)
		conf_bad(st, sec, "groups lists no group");
}

/* One side of a limit_* value: a number (a size for bytes) or infinity. */
static int
conf_key_limit_side(const char *v, int suffix, uint64_t *out)
{
	int64_t	n;

	if (strcmp(v, "infinity") == 0) {
		*out = SPEC_LIMIT_INFINITY;
		return (0);
	}
	if (conf_key_parse_number(v, 10, suffix, &n) != NUM_OK)
		return (-1);
	*out = (uint64_t)n;
	return (0);
}

/* limit_*: N, infinity, or SOFT:HARD of those, as systemd's LimitNOFILE=. */
static void
conf_key_limit(struct conf_state *st, struct conf_section *sec, const char *v)
{
	const struct conf_key	*k = st->key;
	struct spec_limit	*l = (struct spec_limit *)conf_key_field(st, sec);
	uint64_t		 soft, hard;
	char			*copy, *colon;
	int			 bad;

	copy = xstrdup(v);
	if ((colon = strchr(copy, ':')) != NULL)
		*colon++ = '\0';
	bad = conf_key_limit_side(copy, k->flags & K_SIZE, &soft) == -1 ||
	    (colon != NULL &&
	    conf_key_limit_side(colon, k->flags & K_SIZE, &hard) == -1);
	free(copy);
	if (bad) {
		conf_bad(st, sec, "%s = \"%s\" is not %s or infinity, nor "
		    "SOFT:HARD of those%s", k->name, v, k->what,
		    k->flags & K_SIZE ?
		    " (a number, optionally followed by K, M or G)" : "");
		return;
	}
	if (colon == NULL)
		hard = soft;
	if (soft > hard) {
		conf_bad(st, sec, "%s = \"%s\": the soft limit is above the "
		    "hard one (write SOFT:HARD, SOFT at most HARD)", k->name, v);
		return;
	}
	l->set = 1;
	l->soft = soft;
	l->hard = hard;
}

/* A signed whole number within the key's bounds (nice, oom_score_adjust). */
static void
conf_key_opt(struct conf_state *st, struct conf_section *sec, const char *v)
{
	const struct conf_key	*k = st->key;
	struct spec_opt		*o = (struct spec_opt *)conf_key_field(st, sec);
	int64_t			 n;
	int			 neg = v[0] == '-';

	if (conf_key_parse_number(v + neg, 10, 0, &n) != NUM_OK ||
	    (neg ? -n : n) < k->min || (neg ? -n : n) > k->max) {
		conf_bad(st, sec, "%s = \"%s\" is not a whole number from %lld "
		    "to %lld", k->name, v, (long long)k->min, (long long)k->max);
		return;
	}
	o->set = 1;
	o->value = (int)(neg ? -n : n);
}

/*
 * A cgroup limit, kept as the text its file takes: "max" or a number in
 * bounds (sizes with K, M or G); cpu_max is "max" or "QUOTA [PERIOD]".
 */
static void
conf_key_cgroup(struct conf_state *st, struct conf_section *sec, const char *v)
{
	const struct conf_key	*k = st->key;
	char			*copy, *quota, *period, *extra, *save;
	int64_t			 q, p = 100000;
	int			 ok = 1;

	if (spec_extra_own(sec->spec)->cgroup_line == 0)
		spec_extra_own(sec->spec)->cgroup_line = st->line;
	if (strcmp(v, "max") == 0 && strcmp(k->name, "cpu_weight") != 0) {
		conf_key_string(st, sec, xstrdup("max"));
		return;
	}
	if (strcmp(k->name, "cpu_max") != 0) {
		if (conf_key_bounded(st, sec, v, &q) == 0)
			conf_key_string(st, sec, xasprintf("%lld", (long long)q));
		return;
	}
	copy = xstrdup(v);
	quota = strtok_r(copy, " \t", &save);
	period = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (quota == NULL || extra != NULL ||
	    (strcmp(quota, "max") != 0 && (conf_key_parse_number(quota, 10, 0,
	    &q) != NUM_OK || q < k->min)) ||
	    (period != NULL && (conf_key_parse_number(period, 10, 0, &p) !=
	    NUM_OK || p < k->min || p > k->max)))
		ok = 0;
	if (ok)
		conf_key_string(st, sec, xasprintf("%s %lld", quota,
		    (long long)p));
	else
		conf_bad(st, sec, "cpu_max = \"%s\" is not %s (such as "
		    "\"50000 100000\" for half a CPU; each from 1000 to 1000000)",
		    v, k->what);
	free(copy);
}

/* The table. */

static const struct conf_key *
conf_key_find(const char *name, int kinds)
{
	size_t	i;

	for (i = 0; i < conf_key_count; i++) {
		if ((conf_keys[i].where & kinds) &&
		    strcmp(conf_keys[i].name, name) == 0)
			return (&conf_keys[i]);
	}
	return (NULL);
}

/* The index of a key in conf_section.seen; the key must exist. */
size_t
conf_key_index(const char *name)
{
	const struct conf_key	*k;

	if ((k = conf_key_find(name, SEC_SUPD | SEC_TREE)) == NULL)
		fatal("conf_key_index: no key %s", name);
	return (k - conf_keys);
}

/* Mark a known key as given, when its line could not be read. */
void
conf_key_seen(struct conf_state *st, struct conf_section *sec, const char *name)
{
	const struct conf_key	*k;

	/* so that "missing command" does not follow "line too long" */
	if ((k = conf_key_find(name, sec->kind)) != NULL &&
	    sec->seen[k - conf_keys] == 0)
		sec->seen[k - conf_keys] = st->line;
}

static void
conf_key_unknown(struct conf_state *st, struct conf_section *sec,
    const char *name)
{
	struct conf_best	 best = { name, NULL, 0 };
	const struct conf_key	*k;
	const char		*places[4];
	char			 where[128];
	size_t			 i, n;

	for (i = 0; i < conf_key_count; i++) {
		if (conf_keys[i].where & sec->kind)
			conf_best_try(&best, conf_keys[i].name);
	}
	if (best.best != NULL) {
		conf_bad(st, sec, "unknown key \"%s\" (did you mean \"%s\"?)",
		    name, best.best);
		return;
	}
	if ((k = conf_key_find(name, SEC_SUPD | SEC_TREE)) == NULL) {
		conf_bad(st, sec, "unknown key \"%s\"", name);
		return;
	}
	/* A real key in the wrong kind of section: say where it goes. */
	where[0] = '\0';
	for (i = 0, n = 0; i < 4; i++) {
		if (k->where & conf_key_place_kinds[i])
			places[n++] = conf_key_places[i];
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			conf_key_cat(where, sizeof(where), i == n - 1 ? " and " : ", ");
		conf_key_cat(where, sizeof(where), places[i]);
	}
	conf_bad(st, sec, "unknown key \"%s\" (it is a key of %s)", name, where);
}

/* Check one KEY = VALUE of sec and store it, or report why not. */
void
conf_key_set(struct conf_state *st, struct conf_section *sec, const char *name,
    const char *value)
{
	const struct conf_key	*k;
	size_t			 i;

	if (*name == '\0') {
		conf_bad(st, sec, "key name missing before \"=\"");
		return;
	}
	if ((k = conf_key_find(name, sec->kind)) == NULL) {
		conf_key_unknown(st, sec, name);
		return;
	}
	i = k - conf_keys;
	if (sec->seen[i] != 0 && !(k->flags & K_REPEAT)) {
		conf_bad(st, sec, "%s is set twice (first on line %d; keep one)",
		    name, sec->seen[i]);
		return;
	}
	if (sec->seen[i] == 0)
		sec->seen[i] = st->line;
	if (*value == '\0') {
		conf_bad(st, sec, "%s has no value", name);
		return;
	}
	st->key = k;
	k->set(st, sec, value);
}

/* Commands. */

/* Split line into words as a POSIX shell does, expanding nothing. */
char **
conf_split_command(const char *line, const char **why)
{
	const char	*p = line, *q;
	char		**argv, *word;
	size_t		 argc = 0, len;

	argv = xcalloc(1, sizeof(*argv));
	word = xmalloc(strlen(line) + 1);	/* no word outgrows the line */
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		for (len = 0; *p != '\0' && *p != ' ' && *p != '\t' && *p != '\n';) {
			if (*p == '\\') {
				if (p[1] == '\0') {
					*why = "trailing backslash";
					goto fail;
				}
				if (p[1] != '\n')	/* \newline joins lines */
					word[len++] = p[1];
				p += 2;
			} else if (*p == '\'') {
				if ((q = strchr(p + 1, '\'')) == NULL) {
					*why = "unterminated single quote";
					goto fail;
				}
				memcpy(word + len, p + 1, q - p - 1);
				len += q - p - 1;
				p = q + 1;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (*p == '\0') {
						*why = "unterminated double quote";
						goto fail;
					}
					/* Inside "", a backslash escapes only these. */
					if (*p == '\\' && p[1] != '\0' &&
					    strchr("\\\"$`\n", p[1]) != NULL) {
						if (*++p == '\n')
							continue;
					}
					word[len++] = *p;
				}
				p++;
			} else
				word[len++] = *p++;
		}
		word[len] = '\0';
		conf_key_push(&argv, &argc, xstrdup(word));
	}
	free(word);
	return (argv);
fail:
	free(word);
	strv_free(argv);
	return (NULL);
}
