/*
 * cmd-spawn.c — `supctl spawn SUP NAME ...`: a child of dynamic supervisor
 * SUP from its template, registered as NAME; prints its pid once started.
 * Called from shell loops thousands of times: one call, no locale, no TTY.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_spawn_exec(const struct cmd_entry *, struct args *);

static const struct cmd_option cmd_spawn_options[] = {
	{ "group", 'g', 1 },
	{ "env", 'e', 1 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_spawn_entry = {
	.name = "spawn",
	.usage = "spawn SUP NAME [--group G]... [--env K=V]... [-- ARG...]",
	.summary = "start a child of a dynamic supervisor, registered as NAME",
	.help =
	    "Start a child of dynamic supervisor SUP from its template, "
	    "registered as NAME,\n"
	    "and print its pid once it is started (or say why it failed).  "
	    "ARGs are appended\n"
	    "to the template's command; --env adds to its environment and "
	    "--group makes it a\n"
	    "member of process group G (both repeatable).  With --json, "
	    "{\"name\", \"pid\"}.\n"
	    "\n"
	    "  -g, --group G   join process group G\n"
	    "  -e, --env K=V   set K to V in the child's environment\n",
	.options = cmd_spawn_options,
	.min_args = 2,
	.max_args = 2,
	.flags = CMD_EXTRA | CMD_LONG,
	.exec = cmd_spawn_exec,
};

/* --env K=V and --group G, checked here so a typo costs no round trip. */
int
cmd_spawn_check(const struct cmd_entry *ce, const struct args *args)
{
	const char	*eq;
	int		 i;

	for (i = 0; i < args->nopts; i++) {
		if (args->opts[i].key == 'g' &&
		    cmd_check_name(ce, "group", args->opts[i].value) == -1)
			return (-1);
		if (args->opts[i].key == 'e' &&
		    ((eq = strchr(args->opts[i].value, '=')) == NULL ||
		    eq == args->opts[i].value)) {
			cmd_usage_error(ce, "--env wants KEY=VALUE, not \"%s\"",
			    args->opts[i].value);
			return (-1);
		}
	}
	return (0);
}

/* ARG... after --, as a JSON array. */
json_t *
cmd_spawn_extra(const struct args *args)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < args->nextra; i++)
		json_array_append_new(a, json_string(args->extra[i]));
	return (a);
}

static int
cmd_spawn_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t	*params, *reply;

	if (cmd_check_name(ce, "name", args->argv[1]) == -1 ||
	    cmd_spawn_check(ce, args) == -1)
		return (EXIT_USAGE);
	params = json_pack("{s:s, s:s}", "supervisor", args->argv[0],
	    "name", args->argv[1]);
	if (args->nextra > 0)
		json_object_set_new(params, "args", cmd_spawn_extra(args));
	if (args_has(args, 'e'))
		json_object_set_new(params, "env", args_array(args, 'e'));
	if (args_has(args, 'g'))
		json_object_set_new(params, "groups", args_array(args, 'g'));
	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Spawn"), params, &reply) != 0)
		return (EXIT_FAILED);
	output_pid_reply(reply);
	return (EXIT_OK);
}
