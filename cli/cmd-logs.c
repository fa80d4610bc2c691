/*
 * cmd-logs.c — `supctl logs NAME [-n N] [-f]`: the last lines of a child's
 * captured output, then with -f what it writes next, as supd streams it.
 */
#include <stdio.h>

#include "proto.h"
#include "supctl.h"
#include "varlink.h"

static int	cmd_logs_exec(const struct cmd_entry *, struct args *);

static const struct cmd_option cmd_logs_options[] = {
	{ "lines", 'n', 1 },
	{ "follow", 'f', 0 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.usage = "logs NAME [-n N] [-f]",
	.summary = "a child's captured output",
	.help =
	    "Print the last lines of NAME's captured stdout and stderr (as "
	    "many as supd's\n"
	    "default unless -n).  With --json, each reply's {\"lines\": [...]} "
	    "on a line.\n"
	    "Read-only peers may read logs only with [supd] read_logs = yes.\n"
	    "\n"
	    "  -n, --lines N     the last N lines\n"
	    "  -f, --follow      then print what NAME writes, until "
	    "interrupted\n",
	.options = cmd_logs_options,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_logs_exec,
};

static int
cmd_logs_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t		*params, *reply, *line;
	const char	*n, *s;
	long long	 lines;
	size_t		 i;
	int		 more, follow = args_has(args, 'f');

	params = json_pack("{s:s}", "name", args->argv[0]);
	if ((n = args_get(args, 'n')) != NULL) {
		if (cmd_parse_int(n, &lines, INT32_MAX) == -1) {
			json_decref(params);
			return (cmd_usage_error(ce, "-n wants a number of "
			    "lines, not \"%s\"", n));
		}
		json_object_set_new(params, "lines", json_integer(lines));
	}
	if (follow)
		json_object_set_new(params, "follow", json_true());
	cmd_connect(ce, args);
	if (follow)
		client_timeout(0);
	client_send(PROTO_METHOD("Logs"), params, follow ? VARLINK_MORE : 0);
	do {
		if (client_recv(&reply, &more) != 0)
			return (EXIT_FAILED);
		if (supctl_json) {
			output_json(reply);
			continue;
		}
		json_array_foreach(json_object_get(reply, "lines"), i, line)
			if ((s = json_string_value(line)) != NULL)
				printf("%s\n", s);
		fflush(stdout);
	} while (more);
	return (EXIT_OK);
}
