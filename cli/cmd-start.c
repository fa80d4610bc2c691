/*
 * cmd-start.c — `supctl start|stop|restart NAME`: one call each, answered
 * once the child is started or stopped.  start and restart print the new
 * pid; stop prints nothing (a removed dynamic or temporary child included).
 */
#include <stdio.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_start_exec(const struct cmd_entry *, struct args *);

/* supd answers once the child is started or stopped: start_timeout and shutdown bound it. */
const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "start NAME",
	.summary = "start a stopped, exited or failed static child",
	.help =
	    "Start a stopped, exited or failed static child (or supervisor) "
	    "and print its pid\n"
	    "once it is started (exec, or READY=1 for ready = notify).  Waits "
	    "as long as supd\n"
	    "does.  With --json, {\"name\", \"pid\"}.\n",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_LONG,
	.exec = cmd_start_exec,
};

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "stop NAME",
	.summary = "stop a child (its spec is kept); a dynamic or temporary "
	    "one is removed",
	.help =
	    "Stop a child: its stop_signal to its process group, SIGKILL after "
	    "its shutdown\n"
	    "time.  A static child keeps its spec and stays stopped, not "
	    "restarted, until\n"
	    "supctl start; a dynamic or temporary child is removed and "
	    "unregistered.\n"
	    "Prints nothing.  With --json, {\"name\", \"removed\"}.\n",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_LONG,
	.exec = cmd_start_exec,
};

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.usage = "restart NAME",
	.summary = "stop, then start a child",
	.help =
	    "Stop, then start a child, and print its new pid; not counted "
	    "toward its\n"
	    "supervisor's restart intensity.  With --json, {\"name\", "
	    "\"pid\"}.\n",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_LONG,
	.exec = cmd_start_exec,
};

static int
cmd_start_exec(const struct cmd_entry *ce, struct args *args)
{
	const char	*method;
	json_t		*reply, *pid;

	if (ce == &cmd_start_entry)
		method = PROTO_METHOD("Start");
	else if (ce == &cmd_stop_entry)
		method = PROTO_METHOD("Stop");
	else
		method = PROTO_METHOD("Restart");
	cmd_connect(ce, args);
	if (client_call(method, json_pack("{s:s}", "name", args->argv[0]),
	    &reply) != 0)
		return (EXIT_FAILED);
	if (supctl_json)
		output_json(reply);
	else if (ce != &cmd_stop_entry &&
	    json_is_integer(pid = json_object_get(reply, "pid")))
		printf("%lld\n", (long long)json_integer_value(pid));
	return (EXIT_OK);
}
