/*
 * cmd-metrics.c — `supctl metrics`: supd's Prometheus text exposition,
 * printed as it comes, so `supctl metrics > file` feeds a textfile collector.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_metrics_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics",
	.usage = "metrics",
	.summary = "supd's metrics in Prometheus text format",
	.help =
	    "Print supd's metrics in the Prometheus text exposition format, "
	    "as supd wrote\n"
	    "them.  With --json, {\"text\": \"...\"}.\n",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_metrics_exec,
};

static int
cmd_metrics_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t		*reply;
	const char	*text;
	size_t		 len;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Metrics"), NULL, &reply) != 0)
		return (EXIT_FAILED);
	if (supctl_json) {
		output_json(reply);
		return (EXIT_OK);
	}
	if ((text = json_string_value(json_object_get(reply, "text"))) == NULL)
		return (EXIT_OK);
	len = strlen(text);
	fwrite(text, 1, len, stdout);
	if (len > 0 && text[len - 1] != '\n')
		putchar('\n');
	return (EXIT_OK);
}
