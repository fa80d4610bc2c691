/*
 * cmd-start.c — `supctl start|stop|restart NAME|@GROUP...` (and `stop
 * --all`): one call per child, answered once it is started or stopped.
 * For one NAME, start and restart print the new pid and stop nothing (a
 * removed dynamic or temporary child included); for several, a line per
 * child.  targets.c resolves the names and makes the calls.
 */
#include <stdio.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_start_exec(const struct cmd_entry *, struct args *);

static const struct cmd_option cmd_stop_options[] = {
	{ "all", 'a', 0 },
	{ NULL, 0, 0 }
};

#define CMD_START_MANY \
	"Several NAMEs and @GROUP (every member of process group GROUP, " \
	"stopped ones too)\n" \
	"are done one after the other, a line per child (\"web: started, " \
	"pid 123\"; errors\n" \
	"on stderr), exit 1 if any failed; with --json, one array of " \
	"{name, ok, ...}.\n"

/* supd answers once the child is started or stopped: start_timeout and shutdown bound it. */
const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "start NAME|@GROUP...",
	.summary = "start a stopped, exited or failed static child",
	.help =
	    "Start a stopped, exited or failed static child (or supervisor) "
	    "and print its pid\n"
	    "once it is started (exec, or READY=1 for ready = notify).  Waits "
	    "as long as supd\n"
	    "does.  With --json, {\"name\", \"pid\"}.  A child with autostart "
	    "= no is started\n"
	    "only this way.\n" CMD_START_MANY,
	.min_args = 1,
	.max_args = -1,
	.flags = CMD_LONG,
	.exec = cmd_start_exec,
};

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "stop NAME|@GROUP...|--all",
	.summary = "stop a child (its spec is kept); a dynamic or temporary "
	    "one is removed",
	.help =
	    "Stop a child: its stop_signal to its process group, SIGKILL after "
	    "its shutdown\n"
	    "time.  A static child keeps its spec and stays stopped, not "
	    "restarted, until\n"
	    "supctl start; a dynamic or temporary child is removed and "
	    "unregistered.\n"
	    "Prints nothing.  With --json, {\"name\", \"removed\"}.\n"
	    CMD_START_MANY
	    "\n"
	    "  -a, --all   every child of the root, newest first (supd keeps "
	    "running)\n",
	.options = cmd_stop_options,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_LONG,
	.exec = cmd_start_exec,
};

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.usage = "restart NAME|@GROUP...",
	.summary = "stop, then start a child",
	.help =
	    "Stop, then start a child, and print its new pid; not counted "
	    "toward its\n"
	    "supervisor's restart intensity.  With --json, {\"name\", "
	    "\"pid\"}.\n" CMD_START_MANY,
	.min_args = 1,
	.max_args = -1,
	.flags = CMD_LONG,
	.exec = cmd_start_exec,
};

static json_t *
cmd_start_params(const char *name, void *arg)
{
	(void)arg;
	return (json_pack("{s:s}", "name", name));
}

static void
cmd_start_done(const char *name, const json_t *reply, int many, void *arg)
{
	const struct cmd_entry	*ce = arg;
	json_t			*pid = json_object_get(reply, "pid");

	if (ce == &cmd_stop_entry) {
		if (many)
			printf("%s: %s\n", name, json_is_true(json_object_get(
			    reply, "removed")) ? "stopped, removed" : "stopped");
		return;
	}
	if (!many) {
		if (json_is_integer(pid))
			printf("%lld\n", (long long)json_integer_value(pid));
		return;
	}
	printf("%s: %s", name, ce == &cmd_start_entry ? "started" :
	    "restarted");
	if (json_is_integer(pid))
		printf(", pid %lld", (long long)json_integer_value(pid));
	putchar('\n');
}

static int
cmd_start_exec(const struct cmd_entry *ce, struct args *args)
{
	struct targets	 t;
	const char	*method;
	int		 all = args_has(args, 'a'), rc;

	if (all && args->argc > 0)
		return (cmd_usage_error(ce, "--all or names, not both"));
	if (!all && args->argc == 0)
		return (cmd_usage_error(ce, "missing argument"));
	if (ce == &cmd_start_entry)
		method = PROTO_METHOD("Start");
	else if (ce == &cmd_stop_entry)
		method = PROTO_METHOD("Stop");
	else
		method = PROTO_METHOD("Restart");
	cmd_connect(ce, args);
	if (targets_resolve(ce, args->argv, args->argc, all, &t) == -1)
		return (EXIT_FAILED);
	rc = targets_call(ce, &t, method, cmd_start_params, cmd_start_done,
	    (void *)ce);
	targets_free(&t);
	return (rc);
}
