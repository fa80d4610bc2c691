/*
 * targets.c — commands that act on several children at once (start, stop,
 * restart, signal): NAME and @GROUP arguments, or --all, resolved to names
 * from one Status call, then one call per name pipelined on the
 * connection (supd answers them in order, one after the other), a line per
 * target and exit 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"
#include "varlink.h"

/* Calls sent ahead of their replies: below supd's queue of read-ahead calls. */
#define TARGETS_WINDOW	32

static void
targets_add(struct targets *t, const char *name)
{
	char	**p;
	int	  i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return;
	if ((p = reallocarray(t->names, t->n + 1, sizeof *p)) == NULL ||
	    (p[t->n] = strdup(name)) == NULL) {
		perror("supctl");
		exit(EXIT_FAILED);
	}
	t->names = p;
	t->n++;
}

static int
targets_in_group(const json_t *c, const char *group)
{
	json_t	*g;
	size_t	 i;

	json_array_foreach(json_object_get(c, "groups"), i, g)
		if (json_is_string(g) && strcmp(json_string_value(g), group) == 0)
			return (1);
	return (0);
}

int
targets_resolve(const struct cmd_entry *ce, char **argv, int argc, int all,
    struct targets *t)
{
	json_t		*reply = NULL, *children, *c;
	const char	*root = NULL, *parent, *name;
	size_t		 i, n;
	int		 a, need_status = all, found;

	memset(t, 0, sizeof *t);
	t->many = all || argc > 1;
	for (a = 0; a < argc; a++)
		if (argv[a][0] == '@') {
			need_status = 1;
			t->many = 1;
		}
	if (need_status && client_call(PROTO_METHOD("Status"), json_object(),
	    &reply) != 0)
		return (-1);
	children = json_object_get(reply, "children");
	if (all) {
		/* the root's children, newest first: as supd stops its tree */
		json_array_foreach(children, i, c)
			if (json_is_null(json_object_get(c, "parent")))
				root = json_string_value(json_object_get(c, "name"));
		n = json_array_size(children);
		for (i = n; i > 0; i--) {
			c = json_array_get(children, i - 1);
			parent = json_string_value(json_object_get(c, "parent"));
			name = json_string_value(json_object_get(c, "name"));
			if (parent != NULL && root != NULL && name != NULL &&
			    strcmp(parent, root) == 0)
				targets_add(t, name);
		}
	}
	for (a = 0; a < argc; a++) {
		if (argv[a][0] != '@') {
			targets_add(t, argv[a]);
			continue;
		}
		found = 0;
		json_array_foreach(children, i, c) {
			name = json_string_value(json_object_get(c, "name"));
			if (name != NULL && targets_in_group(c, argv[a] + 1)) {
				targets_add(t, name);
				found = 1;
			}
		}
		if (!found) {
			fprintf(stderr, "supctl: %s: process group %s has no "
			    "member (supctl members %s)\n", ce->name, argv[a] + 1,
			    argv[a] + 1);
			targets_free(t);
			return (-1);
		}
	}
	if (t->n == 0) {
		fprintf(stderr, "supctl: %s: no child to %s\n", ce->name,
		    ce->name);
		targets_free(t);
		return (-1);
	}
	return (0);
}

void
targets_free(struct targets *t)
{
	int	i;

	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	memset(t, 0, sizeof *t);
}

int
targets_call(const struct cmd_entry *ce, const struct targets *t,
    const char *method, json_t *(*make)(const char *, void *),
    void (*done)(const char *, const json_t *, int, void *), void *arg)
{
	json_t	*all = NULL, *reply, *params, *row;
	char	 ctx[256];
	int	 sent = 0, got, rc = EXIT_OK;

	if (supctl_json && t->many)
		all = json_array();
	for (got = 0; got < t->n; got++) {
		for (; sent < t->n && sent - got < TARGETS_WINDOW; sent++) {
			params = make(t->names[sent], arg);
			client_send(method, params, 0);
		}
		if (t->many) {
			snprintf(ctx, sizeof ctx, "%s %s", ce->name,
			    t->names[got]);
			client_context(ctx);
		}
		if (client_recv(&reply, NULL) != 0) {
			rc = EXIT_FAILED;
			if (all != NULL)
				json_array_append_new(all, json_pack("{s:s, s:b,"
				    " s:s}", "name", t->names[got], "ok", 0,
				    "error", client_error()));
			continue;
		}
		if (all != NULL) {
			row = json_deep_copy(reply);
			json_object_set_new(row, "name",
			    json_string(t->names[got]));
			json_object_set_new(row, "ok", json_true());
			json_array_append_new(all, row);
		} else if (supctl_json)
			output_json(reply);
		else if (done != NULL)
			done(t->names[got], reply, t->many, arg);
		fflush(stdout);
	}
	if (all != NULL) {
		output_json(all);
		json_decref(all);
	}
	return (rc);
}
