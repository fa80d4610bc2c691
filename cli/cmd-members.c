/*
 * cmd-members.c — `supctl members G`: the running members of process
 * group G, a NAME PID table, or with --json the Member array.
 */
#include <stdio.h>

#include "proto.h"
#include "supctl.h"

static int	cmd_members_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_members_entry = {
	.name = "members",
	.usage = "members GROUP",
	.summary = "the running members of a process group",
	.help =
	    "List the running members of process group GROUP (a leading @ is "
	    "allowed), a row\n"
	    "each: NAME, PID.  With --json, the array of {\"name\", \"pid\"}.\n",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_members_exec,
};

static int
cmd_members_exec(const struct cmd_entry *ce, struct args *args)
{
	struct table	*t;
	json_t		*reply, *members, *m;
	const char	*group = args->argv[0];
	char		 pid[32];
	size_t		 i;

	if (group[0] == '@')
		group++;
	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Members"),
	    json_pack("{s:s}", "group", group), &reply) != 0)
		return (EXIT_FAILED);
	members = json_object_get(reply, "members");
	if (supctl_json) {
		if (members != NULL)
			output_json(members);
		else
			printf("[]\n");
		return (EXIT_OK);
	}
	t = table_new(2, "NAME", "PID");
	json_array_foreach(members, i, m) {
		snprintf(pid, sizeof pid, "%lld", (long long)
		    json_integer_value(json_object_get(m, "pid")));
		table_add(t, NULL, -1,
		    json_string_value(json_object_get(m, "name")), pid);
	}
	table_print(t);
	table_free(t);
	return (EXIT_OK);
}
