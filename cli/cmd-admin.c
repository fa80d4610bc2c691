/*
 * cmd-admin.c — the daemon as a whole: `supctl reexec` and
 * `supctl shutdown`.  Each waits as long as supd takes
 * (children start and stop inside them).
 */
#include <stdio.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_reexec_exec(const struct cmd_entry *, struct args *);
static int	cmd_shutdown_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_reexec_entry = {
	.name = "reexec",
	.usage = "reexec",
	.summary = "supd execs its (possibly replaced) binary again, same pid",
	.help =
	    "Make supd exec the binary it was started from again (a package "
	    "upgrade may have\n"
	    "replaced it) with the same pid: children, their output pipes, "
	    "restart windows\n"
	    "and counts, dynamic children and running tasks carry over, and the "
	    "socket keeps\n"
	    "its connections waiting.  supd first runs the new binary with "
	    "--reexec-probe\n"
	    "and waits (up to 10 s) for the tree to be quiet; if either fails, "
	    "the running\n"
	    "supd goes on and supctl says why (exit 1).  Returns once the new "
	    "supd serves:\n"
	    "\"supd reexecuted: pid N, M children kept\".  With --json, "
	    "{\"pid\": N, \"children\": M}.\n",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_LONG,
	.exec = cmd_reexec_exec,
};

static const struct cmd_option cmd_shutdown_options[] = {
	{ "no-wait", 'n', 0 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_shutdown_entry = {
	.name = "shutdown",
	.usage = "shutdown [--no-wait]",
	.summary = "stop everything in order; supd exits 0",
	.help =
	    "Stop every child in reverse start order, then supd exits 0.  "
	    "Returns once\n"
	    "everything has stopped and supd has exited (it closes the "
	    "connection then).\n"
	    "A second SIGTERM or SIGINT to supd forces the exit: SIGKILL to "
	    "every process\n"
	    "group, exit status 1.\n"
	    "\n"
	    "  -n, --no-wait     return once supd has accepted the shutdown\n",
	.options = cmd_shutdown_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_LONG,
	.exec = cmd_shutdown_exec,
};

static int
cmd_reexec_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t	*reply;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Reexec"), NULL, &reply) != 0)
		return (EXIT_FAILED);
	if (supctl_json)
		output_json(reply);
	else
		printf("supd reexecuted: pid %lld, %lld children kept\n",
		    (long long)json_integer_value(json_object_get(reply, "pid")),
		    (long long)json_integer_value(json_object_get(reply,
		    "children")));
	return (EXIT_OK);
}

static int
cmd_shutdown_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t	*reply;
	int	 rc;

	cmd_connect(ce, args);
	/* supd may be gone before its reply is read: that is what we asked */
	client_allow_eof();
	client_send(PROTO_METHOD("Shutdown"), NULL, 0);
	if ((rc = client_recv(&reply, NULL)) == -1)
		return (EXIT_FAILED);
	/* supd closes every connection once the tree is down, then exits */
	while (rc == 0 && !args_has(args, 'n'))
		rc = client_recv(NULL, NULL);
	if (supctl_json)
		printf("{}\n");
	return (EXIT_OK);
}
