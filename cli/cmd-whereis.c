/*
 * cmd-whereis.c — `supctl whereis NAME`: the registry's answer, the pid
 * registered under NAME; exit 1 when it is not running.
 */
#include <stdio.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_whereis_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_whereis_entry = {
	.name = "whereis",
	.usage = "whereis NAME",
	.summary = "the pid registered under NAME",
	.help =
	    "Print the pid of the child registered as NAME; exit 1 (and say "
	    "why) when it is\n"
	    "not running or there is no such name.  With --json, {\"name\", "
	    "\"pid\"}.\n",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_whereis_exec,
};

static int
cmd_whereis_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t	*reply;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Whereis"),
	    json_pack("{s:s}", "name", args->argv[0]), &reply) != 0)
		return (EXIT_FAILED);
	output_pid_reply(reply);
	return (EXIT_OK);
}
