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
	.summary = "supd execs its binary again (not supported yet)",
	.help =
	    "Make supd exec its (possibly replaced) binary again with the same "
	    "pid: children,\n"
	    "their output pipes and restart windows carry over.  Returns once "
	    "the new supd\n"
	    "answers.  This version of supd answers \"not supported\".\n",
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
