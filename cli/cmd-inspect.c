/*
 * cmd-inspect.c — `supctl inspect NAME`: everything supd knows about one
 * child or supervisor, as "key: value" lines (nested objects indented,
 * *_at times in local time) and its log's last lines, or with --json the
 * object itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"

#define CMD_INSPECT_LOG_LINES	10

static int	cmd_inspect_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_inspect_entry = {
	.name = "inspect",
	.usage = "inspect NAME",
	.summary = "everything known about one child or supervisor",
	.help =
	    "Print everything supd knows about NAME: its spec, state, pid, "
	    "restart window,\n"
	    "readiness and last exits, one \"key: value\" a line; times (keys "
	    "ending in _at)\n"
	    "in local time, then the last 10 lines of its log with their times "
	    "(for those\n"
	    "who may read logs).  With --json, the Inspect call's info "
	    "object.\n"
	    "A read-only client sees environment variable names, not their "
	    "values.\n",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_inspect_exec,
};

static void	cmd_inspect_object(json_t *, int, int);

static int
cmd_inspect_scalar_array(json_t *a)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(a, i, v)
		if (json_is_object(v) || json_is_array(v))
			return (0);
	return (1);
}

/* One value after its "key:", or on the lines below when it is nested. */
static void
cmd_inspect_value(const char *key, json_t *v, int indent)
{
	json_t	*e;
	char	*s, when[64];
	size_t	 i, klen = strlen(key);

	if (json_is_object(v)) {
		putchar('\n');
		cmd_inspect_object(v, indent + 2, 0);
		return;
	}
	if (json_is_array(v) && !cmd_inspect_scalar_array(v)) {
		putchar('\n');
		json_array_foreach(v, i, e) {
			printf("%*s- ", indent + 2, "");
			if (json_is_object(e) && json_object_size(e) > 0)
				cmd_inspect_object(e, indent + 4, 1);
			else {
				s = output_scalar(e);
				printf("%s\n", s);
				free(s);
			}
		}
		return;
	}
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			putchar('-');
		json_array_foreach(v, i, e) {
			s = output_scalar(e);
			printf("%s%s", i > 0 ? ", " : "", s);
			free(s);
		}
		putchar('\n');
		return;
	}
	if (json_is_integer(v) && klen > 3 && strcmp(key + klen - 3, "_at") == 0) {
		output_time(when, sizeof when, json_integer_value(v));
		printf("%s\n", when);
		return;
	}
	s = output_scalar(v);
	printf("%s\n", s);
	free(s);
}

/* inline: the first key goes on the current line, after "- ". */
static void
cmd_inspect_object(json_t *o, int indent, int inline_first)
{
	const char	*key;
	json_t		*v;
	int		 width = 0, n;

	json_object_foreach(o, key, v)
		if ((n = (int)strlen(key)) > width)
			width = n;
	json_object_foreach(o, key, v) {
		printf("%*s%s:", inline_first ? 0 : indent, "", key);
		inline_first = 0;
		if (!json_is_object(v) && !(json_is_array(v) &&
		    !cmd_inspect_scalar_array(v)))
			printf("%*s ", width - (int)strlen(key), "");
		cmd_inspect_value(key, v, indent);
	}
}

/* The last lines of its log file, with their times, after the rest. */
static void
cmd_inspect_log(const char *name)
{
	json_t		*reply, *line;
	const char	*s;
	size_t		 i;

	if (client_call(PROTO_METHOD("Logs"), json_pack("{s:s, s:i}", "name",
	    name, "lines", CMD_INSPECT_LOG_LINES), &reply) != 0)
		return;
	printf("log (last %d lines):", CMD_INSPECT_LOG_LINES);
	if (json_array_size(json_object_get(reply, "lines")) == 0)
		printf(" -");
	putchar('\n');
	json_array_foreach(json_object_get(reply, "lines"), i, line)
		if ((s = json_string_value(line)) != NULL) {
			fputs("  ", stdout);
			logline_print(stdout, NULL, s, 1);
		}
}

static int
cmd_inspect_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t	*reply, *info;
	int	 tail;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Inspect"),
	    json_pack("{s:s}", "name", args->argv[0]), &reply) != 0)
		return (EXIT_FAILED);
	info = json_object_get(reply, "info");
	if (supctl_json) {
		if (info != NULL)
			output_json(info);
		else
			printf("{}\n");
		return (EXIT_OK);
	}
	if (!json_is_object(info))
		return (EXIT_OK);
	/* shown below from the file, with times, in place of supd's ring */
	tail = json_object_get(info, "last_output") != NULL &&
	    json_is_string(json_object_get(info, "log_file"));
	if (tail) {
		json_incref(info);
		json_object_del(info, "last_output");
	}
	cmd_inspect_object(info, 0, 0);
	if (tail) {
		cmd_inspect_log(args->argv[0]);
		json_decref(info);
	}
	return (EXIT_OK);
}
