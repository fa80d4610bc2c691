/*
 * method-dynamic.c — children by name at run time: Spawn (a child of a
 * dynamic supervisor from its template, answered once it is started or
 * failed), the registry (Whereis) and process groups (Members).  Run in
 * method-task.c adds its children through method_dynamic_add too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "loop.h"
#include "method.h"
#include "name.h"
#include "proto.h"
#include "store.h"
#include "testhook.h"
#include "util.h"

static int	method_spawn(struct call *);
static int	method_whereis(struct call *);
static int	method_members(struct call *);

static const char *const method_spawn_params[] = {
	"supervisor", "name", "args", "env", "groups", NULL
};
static const char *const method_whereis_params[] = { "name", NULL };
static const char *const method_members_params[] = { "group", NULL };

struct method method_spawn_entry = {
	.name = PROTO_METHOD("Spawn"),
	.params = method_spawn_params,
	.call = method_spawn,
};

struct method method_whereis_entry = {
	.name = PROTO_METHOD("Whereis"),
	.flags = M_READ,
	.params = method_whereis_params,
	.call = method_whereis,
};

struct method method_members_entry = {
	.name = PROTO_METHOD("Members"),
	.flags = M_READ,
	.params = method_members_params,
	.call = method_members,
};

/* A JSON array of strings (checked by call_strv) as a NULL-terminated vector. */
static char **
method_dynamic_strv(json_t *a)
{
	char	**v;
	json_t	 *s;
	size_t	  i;

	if (a == NULL || json_array_size(a) == 0)
		return (NULL);
	v = xcalloc(json_array_size(a) + 1, sizeof *v);
	json_array_foreach(a, i, s)
		v[i] = xstrdup(json_string_value(s));
	return (v);
}

/* env items are KEY=VALUE with a non-empty key. */
static int
method_dynamic_env_ok(json_t *env)
{
	const char	*s, *eq;
	json_t		*v;
	size_t		 i;

	json_array_foreach(env, i, v) {
		s = json_string_value(v);
		if ((eq = strchr(s, '=')) == NULL || eq == s)
			return (0);
	}
	return (1);
}

static int
method_dynamic_groups_ok(json_t *groups)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(groups, i, v)
		if (!name_valid(json_string_value(v), NULL))
			return (0);
	return (1);
}

/* AlreadyStarted, saying what holds the name unless it is sup's own child. */
static int
method_dynamic_taken(struct call *c, const struct node *sup,
    const struct node *n)
{
	const char	*by;

	if (n->parent == sup)
		return (call_fail(c, SUPD_ALREADY_STARTED, "{s:s, s:o}", "name",
		    n->name, "pid", call_pid(n->pid)));
	if (n->kind == KIND_SUPERVISOR)
		by = "supervisor";
	else if (n->kind == KIND_DYNAMIC)
		by = "dynamic";
	else
		by = n->dynamic ? "spawned" : "static";
	return (call_fail(c, SUPD_ALREADY_STARTED, "{s:s, s:o, s:s, s:o}",
	    "name", n->name, "pid", call_pid(n->pid), "held_by", by, "parent",
	    n->parent != NULL ? json_string(n->parent->name) : json_null()));
}

int
method_dynamic_add(struct call *c, const char *supname, const char *name,
    json_t *args, json_t *env, json_t *groups, struct node **out)
{
	struct node	*sup, *n;
	const char	*why = NULL;

	*out = NULL;
	if (env != NULL && !method_dynamic_env_ok(env))
		return (call_invalid(c, "env"));
	if (groups != NULL && !method_dynamic_groups_ok(groups))
		return (call_invalid(c, "groups"));
	if (!name_valid(name, &why))
		return (call_fail(c, SUPD_INVALID_NAME, "{s:s, s:s}", "name",
		    name, "reason", why != NULL ? why : "invalid"));
	if ((sup = tree_find(supname)) == NULL)
		return (call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name", supname));
	if (sup->kind != KIND_DYNAMIC)
		return (call_fail(c, SUPD_NOT_DYNAMIC, "{s:s}", "name", supname));
	if ((n = tree_find(name)) != NULL)
		return (method_dynamic_taken(c, sup, n));
	if (spec_x(sup->spec)->max_children > 0 &&
	    sup->sup->nchildren >= spec_x(sup->spec)->max_children)
		return (call_fail(c, SUPD_MAX_CHILDREN, "{s:s, s:i}",
		    "supervisor", supname, "max", spec_x(sup->spec)->max_children));
	if ((n = tree_add_dynamic(sup, name)) == NULL)
		return (call_fail(c, SUPD_ALREADY_STARTED, "{s:s, s:n}", "name",
		    name, "pid"));
	tree_set_extra(n, method_dynamic_strv(args), method_dynamic_strv(env),
	    method_dynamic_strv(groups));
	snprintf(c->name, sizeof c->name, "%s", n->name);
	*out = n;
	return (CALL_DONE);
}

void
method_spawn_done(struct call *c, struct node *n, enum cmd_outcome o,
    const char *detail)
{
	if (o == CMD_OK) {
		call_ok(c, json_pack("{s:s, s:i}", "name", c->name, "pid",
		    n != NULL ? n->pid : 0));
		return;
	}
	call_fail(c, SUPD_START_FAILED, "{s:s, s:s}", "name", c->name,
	    "reason", call_outcome_reason(o, detail));
}

/* Spawned, but not on disk: it must not run unacknowledged. */
static void
method_spawn_uncommitted(struct call *c)
{
	struct node	*n = tree_find(c->name);

	if (n != NULL && n->dynamic)
		loop_command(EVT_CMD_STOP, n, NULL);
}

static int
method_spawn(struct call *c)
{
	const char	*sup, *name;
	json_t		*args, *env, *groups;
	struct node	*n;

	if (call_str(c, "supervisor", 1, &sup) == -1 ||
	    call_str(c, "name", 1, &name) == -1 ||
	    call_strv(c, "args", &args) == -1 ||
	    call_strv(c, "env", &env) == -1 ||
	    call_strv(c, "groups", &groups) == -1)
		return (CALL_DONE);
	/* nothing is acknowledged that is not on disk */
	if (store_trouble() != NULL)
		return (call_fail(c, SUPD_STATE_UNAVAILABLE, "{s:s}", "reason",
		    store_trouble()));
	method_dynamic_add(c, sup, name, args, env, groups, &n);
	if (n == NULL)
		return (CALL_DONE);
	/* committed before the reply goes out (loop.c) */
	if (n->spec->restart != RESTART_TEMPORARY) {
		store_child_put(n);
		c->uncommitted = method_spawn_uncommitted;
		/*
		 * Acknowledged once its row is on disk: committed while the
		 * child starts, or with the calls queued behind this one.
		 */
		c->commit_ticket = store_ticket();
		store_want(c->commit_ticket);
		testhook("spawn.registered");
		store_commit();
	}
	/* after the hand-over: the row's commit carries nothing else */
	events_emit("spawn", n, json_pack("{s:s}", "supervisor", sup));
	return (call_command(c, EVT_SPAWN, n, method_spawn_done));
}

static int
method_whereis(struct call *c)
{
	const char	*name;
	struct node	*n;

	if (call_str(c, "name", 1, &name) == -1)
		return (CALL_DONE);
	if ((n = tree_find(name)) == NULL)
		return (call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name", name));
	if (n->kind != KIND_WORKER)
		return (call_fail(c, SUPD_NOT_A_WORKER, "{s:s, s:s}", "name",
		    name, "type", spec_kind_names[n->kind]));
	if (n->pid <= 0)
		return (call_fail(c, SUPD_NOT_RUNNING, "{s:s}", "name", name));
	return (call_ok(c, json_pack("{s:s, s:i}", "name", n->name, "pid",
	    n->pid)));
}

static void
method_members_add(struct node *n, void *arg)
{
	if (n->pid > 0)
		json_array_append_new(arg, json_pack("{s:s, s:i}", "name",
		    n->name, "pid", n->pid));
}

static int
method_members(struct call *c)
{
	const char	*group;
	json_t		*members;

	if (call_str(c, "group", 1, &group) == -1)
		return (CALL_DONE);
	/* "@G", as supctl signal takes it, means the group G */
	if (group[0] == '@')
		group++;
	members = json_array();
	tree_group_each(group, method_members_add, members);
	return (call_ok(c, json_pack("{s:o}", "members", members)));
}
