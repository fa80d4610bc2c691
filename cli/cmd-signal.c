/*
 * cmd-signal.c — `supctl signal NAME|@GROUP... SIG`: a signal to a child's
 * process group, or to every running member of a process group; says how
 * many were signalled.  supd checks the signal's name or number; the
 * line printed names it as common/signame.c does (9 is KILL).
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "signame.h"
#include "supctl.h"

static int	cmd_signal_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_signal_entry = {
	.name = "signal",
	.usage = "signal NAME|@GROUP... SIG",
	.summary = "send a signal to a child or to a process group's members",
	.help =
	    "Send SIG (a name, TERM, SIGTERM or RTMIN+3, or a number) to "
	    "the process\n"
	    "group of child NAME, or with @GROUP to every running member of "
	    "process group\n"
	    "GROUP, and say how many processes were signalled.  With --json, "
	    "{\"signalled\"}.\n"
	    "Several targets are signalled one after the other, a line each, "
	    "exit 1 if any\n"
	    "failed; with --json, one array of {name, ok, signalled}.\n",
	.min_args = 2,
	.max_args = -1,
	.exec = cmd_signal_exec,
};

struct cmd_signal {
	const char	*sig;
};

static json_t *
cmd_signal_params(const char *target, void *arg)
{
	struct cmd_signal	*cs = arg;

	/* "name" is what targets.c reports; supd wants "target" */
	return (json_pack("{s:s, s:s}", "target", target, "signal", cs->sig));
}

static void
cmd_signal_done(const char *target, const json_t *reply, int many, void *arg)
{
	struct cmd_signal	*cs = arg;
	long long		 n;
	char			 buf[SIGNAME_BUF];
	int			 sig;

	(void)many;
	n = json_integer_value(json_object_get(reply, "signalled"));
	sig = signame_number(cs->sig);
	printf("%s: %s sent to %lld %s\n", target, sig == -1 ? cs->sig :
	    signame_name(sig, buf, sizeof buf), n,
	    n == 1 ? "process" : "processes");
}

static int
cmd_signal_exec(const struct cmd_entry *ce, struct args *args)
{
	struct cmd_signal	 cs = { .sig = args->argv[args->argc - 1] };
	struct targets		 t;
	json_t			*params, *p;
	int			 i, rc;

	/* supd expands @GROUP itself: the targets go as they are */
	memset(&t, 0, sizeof t);
	t.names = args->argv;
	t.n = args->argc - 1;
	t.many = t.n > 1;
	cmd_connect(ce, args);
	if (!t.many) {
		params = cmd_signal_params(t.names[0], &cs);
		if (client_call(PROTO_METHOD("Signal"), params, &p) != 0)
			return (EXIT_FAILED);
		if (supctl_json)
			output_json(p);
		else
			cmd_signal_done(t.names[0], p, 0, &cs);
		return (EXIT_OK);
	}
	for (i = 0; i < t.n; i++)
		if (t.names[i][0] == '\0')
			return (cmd_usage_error(ce, "an empty target"));
	rc = targets_call(ce, &t, PROTO_METHOD("Signal"), cmd_signal_params,
	    cmd_signal_done, &cs);
	return (rc);
}
