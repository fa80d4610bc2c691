/*
 * cmd-reload.c — `supctl reload [--check]`: supd reads its configuration
 * file again; what it added, removed and changed is printed as a short
 * diff, once it is applied.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_reload_exec(const struct cmd_entry *, struct args *);

static const struct cmd_option cmd_reload_options[] = {
	{ "check", 'c', 0 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_reload_entry = {
	.name = "reload",
	.usage = "reload [--check]",
	.summary = "re-read the configuration and apply the difference",
	.help =
	    "Make supd read its configuration file again and apply the "
	    "difference, then print\n"
	    "it, a line per child:\n"
	    "\n"
	    "  + NAME  added (and started, in file order)\n"
	    "  - NAME  removed (stopped, newest first, and forgotten)\n"
	    "  ~ NAME  changed: which keys, and what was done (a worker is "
	    "restarted; a\n"
	    "          supervisor changes in place; a dynamic supervisor's "
	    "template is used\n"
	    "          from each child's next start)\n"
	    "  ! KEY   a [supd] setting: applied, or kept until supd restarts\n"
	    "  x NAME  what could not be done (a start that failed)\n"
	    "\n"
	    "Unchanged children are not touched.  An invalid file changes "
	    "nothing: its errors\n"
	    "are printed and supctl exits 1; so does a reload with a failure.  "
	    "SIGHUP to supd\n"
	    "does the same as this command.  --json prints supd's reply.\n"
	    "\n"
	    "  -c, --check       only validate, and print what would change\n",
	.options = cmd_reload_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_LONG,
	.exec = cmd_reload_exec,
};

static const char *
cmd_reload_str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

/* "a, b, c" from an array of strings. */
static void
cmd_reload_keys(const json_t *keys, char *buf, size_t len)
{
	const json_t	*k;
	size_t		 i, off = 0;

	buf[0] = '\0';
	json_array_foreach(keys, i, k) {
		if (off >= len)
			break;
		off += snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "",
		    json_string_value(k) != NULL ? json_string_value(k) : "");
	}
}

static int
cmd_reload_print(const json_t *reply)
{
	const json_t	*e;
	char		 keys[512];
	size_t		 i, n = 0;
	long long	 children;
	int		 check = json_is_true(json_object_get(reply, "check"));

	json_array_foreach(json_object_get(reply, "removed"), i, e) {
		children = json_integer_value(json_object_get(e, "children"));
		printf("- %-20s %s", cmd_reload_str(e, "name"),
		    cmd_reload_str(e, "type"));
		if (children > 0)
			printf(" and its %lld child%s", children,
			    children == 1 ? "" : "ren");
		printf("\n");
		n++;
	}
	json_array_foreach(json_object_get(reply, "added"), i, e) {
		printf("+ %-20s %s", cmd_reload_str(e, "name"),
		    cmd_reload_str(e, "type"));
		if (json_object_get(e, "parent") != NULL &&
		    json_is_string(json_object_get(e, "parent")))
			printf(" under %s", cmd_reload_str(e, "parent"));
		printf("\n");
		n++;
	}
	json_array_foreach(json_object_get(reply, "changed"), i, e) {
		cmd_reload_keys(json_object_get(e, "keys"), keys, sizeof keys);
		printf("~ %-20s %s: %s\n", cmd_reload_str(e, "name"),
		    cmd_reload_str(e, "action"), keys);
		n++;
	}
	json_array_foreach(json_object_get(reply, "settings"), i, e) {
		printf("! %-20s %s\n", cmd_reload_str(e, "key"),
		    json_is_true(json_object_get(e, "applied")) ? "applied" :
		    "kept until supd restarts");
		n++;
	}
	json_array_foreach(json_object_get(reply, "failed"), i, e)
		fprintf(stderr, "x %-20s %s\n", cmd_reload_str(e, "name"),
		    cmd_reload_str(e, "reason"));
	json_array_foreach(json_object_get(reply, "warnings"), i, e)
		fprintf(stderr, "%s\n", json_string_value(e) != NULL ?
		    json_string_value(e) : "");
	if (n == 0)
		printf("no changes\n");
	else if (check)
		printf("(--check: nothing was applied)\n");
	return (json_array_size(json_object_get(reply, "failed")) > 0 ?
	    EXIT_FAILED : EXIT_OK);
}

static int
cmd_reload_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t	*reply;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Reload"), json_pack("{s:b}", "check",
	    args_has(args, 'c')), &reply) != 0)
		return (EXIT_FAILED);
	if (supctl_json) {
		output_json(reply);
		return (json_array_size(json_object_get(reply, "failed")) > 0 ?
		    EXIT_FAILED : EXIT_OK);
	}
	return (cmd_reload_print(reply));
}
