/*
 * cmd-status.c — `supctl status [NAME...]`: a row per child (name, type,
 * parent, state, pid, uptime, restarts, last exit), or with --json the
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
	    "last exit",
	.help =
	    "Print a row per child and supervisor (all of them, or the NAMEs): "
	    "NAME, TYPE\n"
	    "(supervisor, dynamic, worker), PARENT, STATE (starting, running, "
	    "stopping,\n"
	    "stopped, exited, failed), PID, UPTIME since its last start and "
	    "RESTARTS since\n"
	    "supd started, and LAST EXIT, how it last ended (code 1, signal "
	    "KILL, start\n"
	    "failed: REASON).  With --json, the array of Child objects of the "
	    "Status call.\n"
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

static int
cmd_status_exec(const struct cmd_entry *ce, struct args *args)
{
	struct table	*t;
	json_t		*reply, *children, *c, *params;
	char		 pid[32], uptime[32], restarts[32], shown[64];
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
	t = table_new(8, "NAME", "TYPE", "PARENT", "STATE", "PID", "UPTIME",
	    "RESTARTS", "LAST EXIT");
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
		    state, pid, uptime, restarts,
		    json_string_value(json_object_get(c, "last_exit")));
	}
	table_print(t);
	table_free(t);
	return (EXIT_OK);
}
