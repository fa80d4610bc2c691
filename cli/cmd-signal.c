/*
 * cmd-signal.c — `supctl signal NAME|@GROUP SIG`: a signal to a child's
 * process group, or to every running member of a process group; says how
 * many were signalled.  supd checks the signal's name or number; the
 * line printed names it as common/signame.c does (9 is KILL).
 */
#include <stdio.h>

#include "proto.h"
#include "signame.h"
#include "supctl.h"

static int	cmd_signal_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_signal_entry = {
	.name = "signal",
	.usage = "signal NAME|@GROUP SIG",
	.summary = "send a signal to a child or to a process group's members",
	.help =
	    "Send SIG (a name, TERM, SIGTERM or RTMIN+3, or a number) to "
	    "the process\n"
	    "group of child NAME, or with @GROUP to every running member of "
	    "process group\n"
	    "GROUP, and say how many processes were signalled.  With --json, "
	    "{\"signalled\"}.\n",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_signal_exec,
};

static int
cmd_signal_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t		*reply;
	long long	 n;
	char		 buf[SIGNAME_BUF];
	int		 sig;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Signal"), json_pack("{s:s, s:s}",
	    "target", args->argv[0], "signal", args->argv[1]), &reply) != 0)
		return (EXIT_FAILED);
	if (supctl_json) {
		output_json(reply);
		return (EXIT_OK);
	}
	n = json_integer_value(json_object_get(reply, "signalled"));
	sig = signame_number(args->argv[1]);
	printf("%s: %s sent to %lld %s\n", args->argv[0], sig == -1 ?
	    args->argv[1] : signame_name(sig, buf, sizeof buf), n,
	    n == 1 ? "process" : "processes");
	return (EXIT_OK);
}
