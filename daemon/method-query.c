/*
 * method-query.c — what supctl status, tree and inspect show: Status (a
 * row per node, tree pre-order), Tree (the same walk with depth and the
 * supervisors' restart windows) and Inspect (everything about one node).
 * Read-only: nothing here changes the tree.
 */
#include <stdlib.h>
#include <string.h>

#include "liveness.h"
#include "cgroup.h"
#include "fdstore.h"
#include "listen.h"
#include "logs.h"
#include "loop.h"
#include "method.h"
#include "proc.h"
#include "proto.h"
#include "signame.h"
#include "store.h"
#include "usage.h"
#include "util.h"

static int	method_status(struct call *);
static int	method_tree(struct call *);
static int	method_inspect(struct call *);

static const char *const method_status_params[] = { "names", "usage", NULL };
static const char *const method_inspect_params[] = { "name", NULL };

struct method method_status_entry = {
	.name = PROTO_METHOD("Status"),
	.flags = M_READ,
	.params = method_status_params,
	.call = method_status,
};

struct method method_tree_entry = {
	.name = PROTO_METHOD("Tree"),
	.flags = M_READ,
	.call = method_tree,
};

struct method method_inspect_entry = {
	.name = PROTO_METHOD("Inspect"),
	.flags = M_READ,
	.params = method_inspect_params,
	.call = method_inspect,
};

static int
method_query_depth(const struct node *n)
{
	int	d = 0;

	for (; n->parent != NULL; n = n->parent)
		d++;
	return (d);
}

/* The groups a node has joined: its spec's, then those spawn added. */
static json_t *
method_query_groups(const struct node *n)
{
	json_t	*a = json_array();
	size_t	 i;
	char	**g;

	for (i = 0; n->spec != NULL && i < n->spec->ngroups; i++)
		json_array_append_new(a, call_string(n->spec->groups[i],
		    strlen(n->spec->groups[i])));
	for (g = node_extra_groups(n); g != NULL && *g != NULL; g++)
		json_array_append_new(a, call_string(*g, strlen(*g)));
	return (a);
}

static json_t *
method_query_started_at(const struct node *n)
{
	return (n->started_at > 0 ? json_integer(n->started_at) : json_null());
}

/* How it last ended ("code 1", "signal KILL", "start failed: ..."), or null. */
static json_t *
method_query_last_exit(const struct node *n)
{
	const char	*s = proc_last_exit(n);

	return (s != NULL ? call_string(s, strlen(s)) : json_null());
}

/* The last lines of its output, for those who may read logs. */
static json_t *
method_query_last_output(const struct node *n)
{
	const char	*lines[LOGS_LAST_LINES];
	json_t		*a = json_array();
	int		 i, count;

	count = logs_last_lines(n, lines, LOGS_LAST_LINES);
	for (i = 0; i < count; i++)
		json_array_append_new(a, call_string(lines[i], strlen(lines[i])));
	return (a);
}

static json_t	*method_query_health(const struct node *);

/* inspect's cgroup: its directory, usage and whether processes are left. */
static json_t *
method_query_cgroup(const struct node *n)
{
	const char	*path = proc_cgroup(n);
	int64_t		 cpu, mem;

	if (path == NULL)
		return (json_null());
	cgroup_usage(path, &cpu, &mem);
	return (json_pack("{s:s, s:o, s:o, s:b}", "path", path,
	    "cpu_usec", cpu >= 0 ? json_integer(cpu) : json_null(),
	    "memory_bytes", mem >= 0 ? json_integer(mem) : json_null(),
	    "populated", cgroup_populated(path) == 1));
}

/* Milliseconds left of a pending restart delay, or null. */
static json_t *
method_query_backoff(const struct node *n)
{
	int64_t	left = policy_backoff_left(n, now_mono_ms());

	return (left > 0 ? json_integer(left) : json_null());
}

/*
 * One Child of the IDL; u is its usage, or NULL when the call did not ask
 * (cpu_ms and rss_bytes are then absent: reading them is most of a Status).
 */
static json_t *
method_query_child(const struct node *n, const struct usage *u)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:o, s:s, s:o, s:i, s:o, s:b, s:o, s:o}",
	    "name", n->name,
	    "type", tree_kind_name(n->kind),
	    "parent", n->parent != NULL ? json_string(n->parent->name) :
	    json_null(),
	    "state", tree_state_name(n->state),
	    "pid", call_pid(n->pid),
	    "restarts", n->restarts,
	    "started_at", method_query_started_at(n),
	    "task", n->task,
	    "groups", method_query_groups(n),
	    "last_exit", method_query_last_exit(n));
	json_object_set_new(o, "backoff_ms", method_query_backoff(n));
	json_object_set_new(o, "health", method_query_health(n));
	if (u == NULL)
		return (o);
	json_object_set_new(o, "cpu_ms", u->cpu_ms >= 0 ?
	    json_integer(u->cpu_ms) : json_null());
	json_object_set_new(o, "rss_bytes", u->rss_bytes >= 0 ?
	    json_integer(u->rss_bytes) : json_null());
	if (u->cgroup) {
		json_object_set_new(o, "cgroup_cpu_usec", u->cg_cpu_usec >= 0 ?
		    json_integer(u->cg_cpu_usec) : json_null());
		json_object_set_new(o, "cgroup_memory_bytes",
		    u->cg_memory_bytes >= 0 ?
		    json_integer(u->cg_memory_bytes) : json_null());
	}
	return (o);
}

static inline void
method_query_text_int(struct jtext *t, const char *key, int64_t v)
{
	jtext_add_key(t, key);
	if (v >= 0)
		jtext_add_int(t, (long long)v);
	else
		jtext_add(t, "null", 4);
}

/*
 * One Status row printed straight as text: the members of
 * method_query_child, in its order (a jansson tree and its dump per row
 * were most of a Status of 10,000 children once usage was left out).
 */
static void
method_query_row_text(struct jtext *t, const struct node *n,
    const struct usage *u, int64_t now)
{
	enum health	 h = liveness_health(n);
	int64_t		 left = policy_backoff_left(n, now);
	size_t		 i;
	char		**g;
	int		 first = 1;

	/* the constant runs between values in one piece each */
	jtext_add(t, "{\"name\":", 8);
	jtext_add_str(t, n->name);
	JTEXT_ADD(t, ",\"type\":");
	jtext_add_word(t, tree_kind_name(n->kind));
	JTEXT_ADD(t, ",\"parent\":");
	jtext_add_str(t, n->parent != NULL ? n->parent->name : NULL);
	JTEXT_ADD(t, ",\"state\":");
	jtext_add_word(t, tree_state_name(n->state));
	method_query_text_int(t, "pid", n->pid > 0 ? n->pid : -1);
	method_query_text_int(t, "restarts", n->restarts);
	method_query_text_int(t, "started_at", n->started_at > 0 ?
	    n->started_at : -1);
	if (n->task)
		JTEXT_ADD(t, ",\"task\":true,\"groups\":[");
	else
		JTEXT_ADD(t, ",\"task\":false,\"groups\":[");
	for (i = 0; n->spec != NULL && i < n->spec->ngroups; i++, first = 0) {
		if (!first)
			jtext_add(t, ",", 1);
		jtext_add_str(t, n->spec->groups[i]);
	}
	for (g = node_extra_groups(n); g != NULL && *g != NULL; g++, first = 0) {
		if (!first)
			jtext_add(t, ",", 1);
		jtext_add_str(t, *g);
	}
	JTEXT_ADD(t, "],\"last_exit\":");
	jtext_add_str(t, proc_last_exit(n));
	if (left <= 0 && h == HEALTH_NONE && u == NULL) {
		JTEXT_ADD(t, ",\"backoff_ms\":null,\"health\":null}");
		return;
	}
	method_query_text_int(t, "backoff_ms", left > 0 ? left : -1);
	JTEXT_ADD(t, ",\"health\":");
	if (h != HEALTH_NONE)
		jtext_add_word(t, liveness_health_names[h]);
	else
		JTEXT_ADD(t, "null");
	if (u != NULL) {
		method_query_text_int(t, "cpu_ms", u->cpu_ms);
		method_query_text_int(t, "rss_bytes", u->rss_bytes);
		if (u->cgroup) {
			method_query_text_int(t, "cgroup_cpu_usec",
			    u->cg_cpu_usec);
			method_query_text_int(t, "cgroup_memory_bytes",
			    u->cg_memory_bytes);
		}
	}
	jtext_add(t, "}", 1);
}

/*
 * The rows of Status, with their usage when asked, printed one at a time:
 * 10,000 rows as one jansson tree were 3 MB of small blocks glibc kept
 * afterwards.
 */
static void
method_query_rows(struct jtext *t, struct node **nodes, size_t n,
    int usage)
{
	struct usage	*u;
	int64_t		 now = now_mono_ms();
	size_t		 i;

	u = usage ? usage_nodes(nodes, n) : NULL;
	jtext_add(t, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			jtext_add(t, ",", 1);
		method_query_row_text(t, nodes[i], u != NULL ? &u[i] : NULL,
		    now);
	}
	jtext_add(t, "]", 1);
	free(u);
}

/*
 * Every node's row, in tree pre-order, walked as it is printed (the plain
 * Status of a whole tree).  A row reads the node and its runtime blocks,
 * scattered over megabytes: they are asked for ahead (nodes two rows on,
 * their runtime one row on) rather than waited for in turn.
 */
static void
method_query_tree_rows(struct jtext *t)
{
	struct node	*n, *next, *after;
	int64_t		 now = now_mono_ms();

	jtext_add(t, "[", 1);
	next = loop_root != NULL ? tree_next(loop_root, loop_root) : NULL;
	for (n = loop_root; n != NULL; n = next, next = after) {
		after = next != NULL ? tree_next(loop_root, next) : NULL;
		if (after != NULL)
			__builtin_prefetch(after);
		if (next != NULL) {
			__builtin_prefetch(next->rt);
			__builtin_prefetch(next->aux);
		}
		if (n != loop_root)
			jtext_add(t, ",", 1);
		method_query_row_text(t, n, NULL, now);
	}
	jtext_add(t, "]", 1);
}

/* "starting", "healthy", "unhealthy", or null (no health check, no process). */
static json_t *
method_query_health(const struct node *n)
{
	enum health	 h = liveness_health(n);

	return (h != HEALTH_NONE ? json_string(liveness_health_names[h]) :
	    json_null());
}

static int	method_status_end(struct call *, struct jtext *);

static int
method_status(struct call *c)
{
	json_t		*names, *v;
	struct jtext t;
	struct node	*n, **nodes;
	size_t		 i, count = 0, cap = 16;
	int		 usage = 0;

	if (call_strv(c, "names", &names) == -1 ||
	    call_bool(c, "usage", &usage) == -1)
		return (CALL_DONE);
	call_text_begin(&t);
	jtext_add(&t, "{\"children\":", strlen("{\"children\":"));
	if ((names == NULL || json_array_size(names) == 0) && !usage) {
		method_query_tree_rows(&t);
		return (method_status_end(c, &t));
	}
	nodes = xcalloc(cap, sizeof *nodes);
	if (names != NULL && json_array_size(names) > 0) {
		json_array_foreach(names, i, v) {
			if ((n = tree_find(json_string_value(v))) == NULL) {
				free(nodes);
				free(t.buf);
				return (call_fail(c, SUPD_NOT_FOUND, "{s:s}",
				    "name", json_string_value(v)));
			}
			if (count == cap)
				nodes = xrealloc(nodes, (cap *= 2) *
				    sizeof *nodes);
			nodes[count++] = n;
		}
	} else
		for (n = loop_root; n != NULL; n = tree_next(loop_root, n)) {
			if (count == cap)
				nodes = xrealloc(nodes, (cap *= 2) *
				    sizeof *nodes);
			nodes[count++] = n;
		}
	method_query_rows(&t, nodes, count, usage);
	free(nodes);
	return (method_status_end(c, &t));
}

/* After the rows: whether the state file is degraded, and the reply. */
static int
method_status_end(struct call *c, struct jtext *t)
{
	json_t	*degraded;

	if (store_trouble() != NULL) {
		jtext_add(t, ",\"degraded\":", strlen(",\"degraded\":"));
		degraded = json_string(store_trouble());
		if (degraded == NULL || jtext_add_json(t, degraded) == -1)
			jtext_add(t, "\"\"", 2);
		json_decref(degraded);
	}
	jtext_add(t, "}", 1);
	return (call_ok_text(c, t));
}

/* The fullest restart window of a supervisor (of any partition). */
static int
method_query_window_use(const struct node *sup, int64_t now)
{
	int	p, use, max = 0;

	for (p = 0; p < sup->sup->nwindows; p++)
		if ((use = policy_window_use(sup, p, now)) > max)
			max = use;
	return (max);
}

static json_t *
method_query_tree_node(const struct node *n, int64_t now)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s, s:i, s:o}",
	    "name", n->name,
	    "type", tree_kind_name(n->kind),
	    "state", tree_state_name(n->state),
	    "depth", method_query_depth(n),
	    "pid", call_pid(n->pid));
	if (n->sup != NULL) {
		json_object_set_new(o, "strategy",
		    json_string(spec_strategy_names[spec_x(n->spec)->strategy]));
		json_object_set_new(o, "max_restarts",
		    json_integer(spec_x(n->spec)->max_restarts));
		json_object_set_new(o, "max_seconds",
		    json_integer(spec_x(n->spec)->max_seconds));
		json_object_set_new(o, "window_use",
		    json_integer(method_query_window_use(n, now)));
		json_object_set_new(o, "children",
		    json_integer(n->sup->nchildren));
	} else {
		json_object_set_new(o, "strategy", json_null());
		json_object_set_new(o, "max_restarts", json_null());
		json_object_set_new(o, "max_seconds", json_null());
		json_object_set_new(o, "window_use", json_null());
		json_object_set_new(o, "children", json_null());
	}
	return (o);
}

static int
method_tree(struct call *c)
{
	json_t		*nodes = json_array();
	struct node	*n;
	int64_t		 now = now_mono_ms();

	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		json_array_append_new(nodes, method_query_tree_node(n, now));
	return (call_ok(c, json_pack("{s:o}", "nodes", nodes)));
}

static json_t *
method_query_strv(char *const *v, char *const *extra)
{
	json_t	*a = json_array();

	/* the configuration may hold bytes that are not UTF-8: show them anyway */
	for (; v != NULL && *v != NULL; v++)
		json_array_append_new(a, call_string(*v, strlen(*v)));
	for (; extra != NULL && *extra != NULL; extra++)
		json_array_append_new(a, call_string(*extra, strlen(*extra)));
	return (a);
}

static void
method_query_env_names(json_t *a, char *const *v)
{
	const char	*eq;

	for (; v != NULL && *v != NULL; v++) {
		eq = strchr(*v, '=');
		json_array_append_new(a, call_string(*v, eq != NULL ?
		    (size_t)(eq - *v) : strlen(*v)));
	}
}

/*
 * The environment, KEY=VALUE: values may be secrets (tokens, passwords),
 * so a read-only peer sees the names only.
 */
static json_t *
method_query_env(char *const *v, char *const *extra, int values)
{
	json_t	*a;

	if (values)
		return (method_query_strv(v, extra));
	a = json_array();
	method_query_env_names(a, v);
	method_query_env_names(a, extra);
	return (a);
}

static json_t *
method_query_str(const char *s)
{
	return (s != NULL ? call_string(s, strlen(s)) : json_null());
}

static json_t *
method_query_ms(int64_t ms)
{
	if (ms == SHUTDOWN_INFINITY)
		return (json_string("infinity"));
	if (ms == SHUTDOWN_BRUTAL_KILL)
		return (json_string("brutal_kill"));
	return (json_integer(ms));
}

/*
 * What the configuration says about a worker (or a dynamic child's
 * template); env values only when values is set (an admin asks).
 */
static json_t *
method_query_spec(const struct node *n, int values)
{
	const struct spec	*s = n->spec;
	json_t			*o, *codes;
	char			 buf[SIGNAME_BUF];
	size_t			 i;

	codes = json_array();
	for (i = 0; i < s->nsuccess; i++)
		json_array_append_new(codes, json_integer(s->success_codes[i]));
	if (s->nsuccess == 0)
		json_array_append_new(codes, json_integer(0));
	o = json_pack("{s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:I,"
	    " s:s, s:s, s:o, s:o}",
	    "command", method_query_strv(s->argv, node_extra_argv(n)),
	    "restart", n->task ? "temporary" : spec_restart_names[s->restart],
	    "shutdown", method_query_ms(s->shutdown_ms),
	    "stop_signal", signame_name(spec_x(s)->stop_signal, buf, sizeof buf),
	    "env", method_query_env(s->env, node_extra_env(n), values),
	    "cwd", method_query_str(spec_x(s)->cwd),
	    "user", method_query_str(spec_x(s)->user),
	    "group", method_query_str(spec_x(s)->group),
	    "ready", spec_ready_names[spec_x(s)->ready],
	    "start_timeout", (json_int_t)spec_x(s)->start_timeout_ms,
	    "stdout", spec_output_names[s->out],
	    "stderr", spec_stderr_names[s->err],
	    "success_exit_codes", codes,
	    "groups", method_query_groups(n));
	if (!n->dynamic && n->kind == KIND_WORKER)
		json_object_set_new(o, "autostart", json_boolean(!s->manual));
	json_object_set_new(o, "umask", spec_x(s)->umask >= 0 ?
	    json_integer(spec_x(s)->umask) : json_null());
	codes = json_array();
	for (i = 0; i < spec_x(s)->nsuccess_signals; i++)
		json_array_append_new(codes, json_string(signame_name(
		    spec_x(s)->success_signals[i], buf, sizeof buf)));
	json_object_set_new(o, "success_exit_signals", codes);
	/* the backoff as the policy applies it: defaults filled in, or none */
	json_object_set_new(o, "restart_delay", json_integer(spec_x(s)->restart_delay_ms));
	json_object_set_new(o, "restart_delay_max", spec_x(s)->restart_delay_ms > 0 ?
	    json_integer(policy_backoff_max(s)) : json_null());
	json_object_set_new(o, "restart_delay_reset", spec_x(s)->restart_delay_ms > 0 ?
	    json_integer(policy_backoff_reset(s)) : json_null());
	return (o);
}

/* The sockets supd holds for n and the fds n stored: name, fd (supd's), what. */
static void
method_query_held(const struct node *n, json_t *info)
{
	json_t		*a;
	const char	*name, *text;
	size_t		 i;
	int		 fd;

	a = json_array();
	for (i = 0; i < listen_count(n); i++) {
		fd = listen_get(n, i, &name, &text);
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i}",
		    "name", name, "listen", strchr(text, '=') + 1, "fd", fd,
		    "child_fd", 3 + (int)i));
	}
	json_object_set_new(info, "sockets", a);
	a = json_array();
	for (i = 0; i < fdstore_count(n); i++) {
		fd = fdstore_get(n, i, &name);
		json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:b}",
		    "name", name, "fd", fd, "child_fd",
		    3 + (int)(listen_count(n) + i), "polled",
		    fdstore_polled(n, i)));
	}
	json_object_set_new(info, "stored_fds", a);
	json_object_set_new(info, "fd_store_max",
	    json_integer(spec_x(n->spec)->fd_store_max));
}

/* A supervisor's restart intensity and how much of it is used now. */
static json_t *
method_query_window(const struct node *n, int values)
{
	json_t	*o, *parts;
	int64_t	 now = now_mono_ms();
	int	 p;

	o = json_pack("{s:s, s:i, s:i, s:i, s:i}",
	    "strategy", spec_strategy_names[spec_x(n->spec)->strategy],
	    "max_restarts", spec_x(n->spec)->max_restarts,
	    "max_seconds", spec_x(n->spec)->max_seconds,
	    "window_use", method_query_window_use(n, now),
	    "children", n->sup->nchildren);
	if (n->kind == KIND_DYNAMIC) {
		json_object_set_new(o, "max_children",
		    json_integer(spec_x(n->spec)->max_children));
		json_object_set_new(o, "partitions",
		    json_integer(spec_x(n->spec)->partitions));
		parts = json_array();
		for (p = 0; p < n->sup->nwindows; p++)
			json_array_append_new(parts,
			    json_integer(policy_window_use(n, p, now)));
		json_object_set_new(o, "window_use_by_partition", parts);
		json_object_set_new(o, "template", method_query_spec(n,
		    values));
	}
	json_object_set_new(o, "busy", json_boolean(policy_busy(n)));
	return (o);
}

static int
method_inspect(struct call *c)
{
	const char	*name, *status;
	struct node	*n;
	struct usage	*u;
	json_t		*info;
	char		 buf[SIGNAME_BUF], *log;

	if (call_str(c, "name", 1, &name) == -1)
		return (CALL_DONE);
	if ((n = tree_find(name)) == NULL)
		return (call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name", name));
	u = usage_nodes(&n, 1);
	info = method_query_child(n, u);
	free(u);
	json_object_set_new(info, "dynamic", json_boolean(n->dynamic));
	json_object_set_new(info, "depth", json_integer(method_query_depth(n)));
	if (n->sup != NULL) {
		json_object_set_new(info, "supervisor", method_query_window(n,
		    c->role == ROLE_ADMIN));
		return (call_ok(c, json_pack("{s:o}", "info", info)));
	}
	json_object_set_new(info, "spec", method_query_spec(n,
	    c->role == ROLE_ADMIN));
	/* the delay its last restart waited (or waits), for the next doubling */
	json_object_set_new(info, "backoff_delay_ms", n->backoff_ms > 0 ?
	    json_integer(n->backoff_ms) : json_null());
	json_object_set_new(info, "partition", n->dynamic ?
	    json_integer(n->partition) : json_null());
	status = proc_status_text(n);
	json_object_set_new(info, "status_text", method_query_str(status));
	json_object_set_new(info, "cgroup", method_query_cgroup(n));
	json_object_set_new(info, "last_exit_code", n->last_exit_code >= 0 ?
	    json_integer(n->last_exit_code) : json_null());
	json_object_set_new(info, "last_exit_signal", n->last_exit_signal > 0 ?
	    json_integer(n->last_exit_signal) : json_null());
	json_object_set_new(info, "last_exit_signal_name",
	    n->last_exit_signal > 0 ? json_string(signame_name(
	    n->last_exit_signal, buf, sizeof buf)) : json_null());
	if ((log = logs_path(n->name)) != NULL) {
		json_object_set_new(info, "log_file", json_string(log));
		free(log);
	}
	if (method_logs_readable(c))
		json_object_set_new(info, "last_output",
		    method_query_last_output(n));
	json_object_set_new(info, "health_output",
	    method_query_str(liveness_health_output(n)));
	json_object_set_new(info, "health_at", liveness_health_at(n) > 0 ?
	    json_integer(liveness_health_at(n)) : json_null());
	json_object_set_new(info, "watchdog_usec", liveness_watchdog_ms(n) > 0 ?
	    json_integer(liveness_watchdog_ms(n) * 1000) : json_null());
	method_query_held(n, info);
	return (call_ok(c, json_pack("{s:o}", "info", info)));
}
