/*
 * cmd-signal.c — `supctl signal NAME|@GROUP SIG`: a signal to a child's
 * process group, or to every running member of a process group; says how
 * many were signalled.  supd checks the signal's name or number.
 */
#include <stdio.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_signal_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_signal_entry = {
	.name = "signal",
	.usage = "signal NAME|@GROUP SIG",
	.summary = "send a signal to a child or to a process group's members",
	.help =
	    "Send SIG (a name, TERM or SIGTERM, or a number) to the process "
	    "group of child\n"
	    "NAME, or with @GROUP to every running member of process group "
	    "GROUP, and say\n"
	    "how many processes were signalled.  With --json, {\"signalled\"}.\n",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_signal_exec,
};

static int
cmd_signal_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t		*reply;
	long long	 n;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Signal"), json_pack("{s:s, s:s}",
	    "target", args->argv[0], "signal", args->argv[1]), &reply) != 0)
		return (EXIT_FAILED);
	if (supctl_json) {
		output_json(reply);
		return (EXIT_OK);
	}
	n = json_integer_value(json_object_get(reply, "signalled"));
	printf("%s: %s sent to %lld %s\n", args->argv[0], args->argv[1], n,
	    n == 1 ? "process" : "processes");
	return (EXIT_OK);
}
