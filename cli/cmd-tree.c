/*
 * cmd-tree.c — `supctl tree`: the supervision tree from the Tree call's
 * pre-order nodes, drawn with box-drawing lines in a UTF-8 locale and
 * ASCII otherwise; supervisors show strategy and restart window use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"

#define TREE_MAX_DEPTH	64

static int	cmd_tree_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_tree_entry = {
	.name = "tree",
	.usage = "tree",
	.summary = "the supervision tree with strategies and states",
	.help =
	    "Draw the supervision tree, children in start order.  A supervisor "
	    "shows its\n"
	    "strategy and the use of its restart intensity: [one_for_all 1/3 "
	    "in 5s] is one\n"
	    "restart inside its 5 s window of 3 allowed; a dynamic supervisor "
	    "also shows its\n"
	    "number of children; every node its state and pid.  Box-drawing "
	    "lines in a UTF-8\n"
	    "locale, ASCII otherwise.  With --json, the Tree call's nodes in "
	    "pre-order.\n",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_tree_exec,
};

static const char *glyph_utf8[] = { "├── ", "└── ", "│   ", "    " };
static const char *glyph_ascii[] = { "|-- ", "`-- ", "|   ", "    " };

static long long
cmd_tree_int(json_t *n, const char *key, long long dflt)
{
	json_t	*v = json_object_get(n, key);

	return (json_is_integer(v) ? (long long)json_integer_value(v) : dflt);
}

/* Whether node i is the last child of its parent: no later sibling. */
static int
cmd_tree_last(json_t *nodes, size_t i, long long depth)
{
	size_t		j;
	long long	d;

	for (j = i + 1; j < json_array_size(nodes); j++) {
		d = cmd_tree_int(json_array_get(nodes, j), "depth", 0);
		if (d < depth)
			return (1);
		if (d == depth)
			return (0);
	}
	return (1);
}

static void
cmd_tree_node(json_t *n)
{
	const char	*type, *state, *strategy, *color;
	long long	 pid, children;

	type = json_string_value(json_object_get(n, "type"));
	state = json_string_value(json_object_get(n, "state"));
	strategy = json_string_value(json_object_get(n, "strategy"));
	fputs(json_string_value(json_object_get(n, "name")), stdout);
	if (type != NULL && strcmp(type, "worker") != 0) {
		printf(" [%s%s %lld/%lld in %llds]",
		    strcmp(type, "dynamic") == 0 ? "dynamic " : "",
		    strategy != NULL ? strategy :
		    strcmp(type, "dynamic") == 0 ? "one_for_one" : "?",
		    cmd_tree_int(n, "window_use", 0),
		    cmd_tree_int(n, "max_restarts", 0),
		    cmd_tree_int(n, "max_seconds", 0));
	}
	color = output_color() ? output_state_color(state) : NULL;
	if (color != NULL)
		printf(" \033[%sm%s\033[0m", color, state);
	else
		printf(" %s", state != NULL ? state : "?");
	if ((pid = cmd_tree_int(n, "pid", 0)) > 0)
		printf(" pid %lld", pid);
	if ((children = cmd_tree_int(n, "children", -1)) >= 0 &&
	    type != NULL && strcmp(type, "dynamic") == 0)
		printf(", %lld %s", children, children == 1 ? "child" :
		    "children");
	putchar('\n');
}

static int
cmd_tree_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t		 *reply, *nodes, *n;
	const char	**g;
	long long	  depth, d;
	char		  last[TREE_MAX_DEPTH + 1];
	size_t		  i;

	cmd_connect(ce, args);
	if (client_call(PROTO_METHOD("Tree"), NULL, &reply) != 0)
		return (EXIT_FAILED);
	nodes = json_object_get(reply, "nodes");
	if (supctl_json) {
		if (nodes != NULL)
			output_json(nodes);
		else
			printf("[]\n");
		return (EXIT_OK);
	}
	g = output_utf8() ? glyph_utf8 : glyph_ascii;
	json_array_foreach(nodes, i, n) {
		depth = cmd_tree_int(n, "depth", 0);
		if (depth < 0)
			depth = 0;
		if (depth > TREE_MAX_DEPTH)
			depth = TREE_MAX_DEPTH;
		last[depth] = cmd_tree_last(nodes, i, depth);
		/* the root has no line; depth 1 hangs from it */
		for (d = 1; d < depth; d++)
			fputs(g[last[d] ? 3 : 2], stdout);
		if (depth > 0)
			fputs(g[last[depth] ? 1 : 0], stdout);
		cmd_tree_node(n);
	}
	return (EXIT_OK);
}
