/*
 * cmd-status.c — `supctl status [NAME...]`: a row per child (name, type,
 * parent, state, pid, uptime, restarts, CPU%, RSS, last exit), or with --json the
 * Child objects exactly as supd returns them.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_status_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "status [NAME...]",
	.summary = "a row per child: type, parent, state, pid, uptime, restarts, "
	    "CPU%, RSS, last exit",
	.help =
	    "Print a row per child and supervisor (all of them, or the NAMEs): "
	    "NAME, TYPE\n"
	    "(supervisor, dynamic, worker), PARENT, STATE (starting, running, "
	    "stopping,\n"
	    "stopped, exited, failed), PID, UPTIME since its last start and "
	    "RESTARTS since\n"
	    "supd started, CPU% (user and system CPU of its process group over "
	    "its uptime;\n"
	    "100 is one core) and RSS (resident memory of the group), and LAST "
	    "EXIT, how it\n"
	    "last ended (code 1, signal KILL, start failed: REASON).  A child "
	    "whose restart\n"
	    "waits out its restart_delay shows STATE backoff and the time left "
	    "(backoff 4s).\n"
	    "With --json, the array of Child objects of the Status call "
	    "(cpu_ms, rss_bytes:\n"
	    "null without a process; backoff_ms: the milliseconds left).\n"
	    "When supd cannot write its state database, a warning on stderr "
	    "says why.\n",
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_status_exec,
};

/* Uptime of a child that has a process: now - started_at. */
static void
cmd_status_uptime(char *buf, size_t len, json_t *c, int64_t now)
{
	json_t		*at = json_object_get(c, "started_at");
	const char	*state = json_string_value(json_object_get(c, "state"));

	if (!json_is_integer(at) || !json_is_integer(json_object_get(c, "pid")) ||
	    state == NULL || strcmp(state, "stopped") == 0 ||
	    strcmp(state, "exited") == 0 || strcmp(state, "failed") == 0) {
		snprintf(buf, len, "-");
		return;
	}
	output_duration(buf, len, now - json_integer_value(at));
}

/* CPU% over its uptime: cpu_ms / (now - started_at); "-" without a process. */
static void
cmd_status_cpu(char *buf, size_t len, json_t *c, int64_t now)
{
	json_t	*cpu = json_object_get(c, "cpu_ms");
	json_t	*at = json_object_get(c, "started_at");
	int64_t	 up;

	if (!json_is_integer(cpu) || !json_is_integer(at) ||
	    (up = now - json_integer_value(at)) <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%.1f", 100.0 * (double)json_integer_value(cpu) /
	    (double)up);
}

/* Resident memory as 812K, 61M or 1.5G; "-" without a process. */
static void
cmd_status_rss(char *buf, size_t len, json_t *c)
{
	json_t	*rss = json_object_get(c, "rss_bytes");
	double	 b;

	if (!json_is_integer(rss)) {
		snprintf(buf, len, "-");
		return;
	}
	b = (double)json_integer_value(rss);
	if (b < 1024.0 * 1024)
		snprintf(buf, len, "%.0fK", b / 1024);
	else if (b < 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.0fM", b / (1024 * 1024));
	else
		snprintf(buf, len, "%.1fG", b / (1024 * 1024 * 1024));
}

static int
cmd_status_exec(const struct cmd_entry *ce, struct args *args)
{
	struct table	*t;
	json_t		*reply, *children, *c, *params;
	char		 pid[32], uptime[32], restarts[32], cpu[32], rss[32];
	char		 backoff[48], left[32], shown[64];
	json_t		*wait;
	const char	*state, *health;
	int64_t		 now;
	size_t		 i;

	params = json_object();
	if (args->argc > 0)
		json_object_set_new(params, "names", args_positional(args, 0));
	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Status"), params, &reply) != 0)
		return (EXIT_FAILED);
	children = json_object_get(reply, "children");
	if (json_is_string(json_object_get(reply, "degraded")))
		fprintf(stderr, "supctl: warning: supd's state database is not "
		    "being written (%s); new spawns are refused until it is\n",
		    json_string_value(json_object_get(reply, "degraded")));
	if (supctl_json) {
		if (children != NULL)
			output_json(children);
		else
			printf("[]\n");
		return (EXIT_OK);
	}
	now = output_now_ms();
	t = table_new(10, "NAME", "TYPE", "PARENT", "STATE", "PID", "UPTIME",
	    "RESTARTS", "CPU%", "RSS", "LAST EXIT");
	json_array_foreach(children, i, c) {
		state = json_string_value(json_object_get(c, "state"));
		if (json_is_integer(json_object_get(c, "pid")))
			snprintf(pid, sizeof pid, "%lld", (long long)
			    json_integer_value(json_object_get(c, "pid")));
		else
			snprintf(pid, sizeof pid, "-");
		snprintf(restarts, sizeof restarts, "%lld", (long long)
		    json_integer_value(json_object_get(c, "restarts")));
		cmd_status_uptime(uptime, sizeof uptime, c, now);
		cmd_status_cpu(cpu, sizeof cpu, c, now);
		cmd_status_rss(rss, sizeof rss, c);
		/* a restart waiting out restart_delay: how long it still waits */
		if (json_is_integer(wait = json_object_get(c, "backoff_ms"))) {
			output_duration(left, sizeof left,
			    json_integer_value(wait) + 999);
			snprintf(backoff, sizeof backoff, "backoff %s", left);
			state = backoff;
		}
		/* a health check's verdict as a suffix: "running (healthy)" */
		health = json_string_value(json_object_get(c, "health"));
		if (health != NULL && state != NULL) {
			snprintf(shown, sizeof shown, "%s (%s)", state, health);
			state = shown;
		}
		table_add(t, output_state_color(json_string_value(
		    json_object_get(c, "state"))), 3,
		    json_string_value(json_object_get(c, "name")),
		    json_string_value(json_object_get(c, "type")),
		    json_string_value(json_object_get(c, "parent")),
		    state, pid, uptime, restarts, cpu, rss,
		    json_string_value(json_object_get(c, "last_exit")));
	}
	table_print(t);
	table_free(t);
	return (EXIT_OK);
}
