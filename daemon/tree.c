/*
 * tree.c — the running tree built from the configuration, the registry of
 * every name (static and dynamic, one uthash), and process groups (:pg).
 * It changes no node state: the policy does; the runtime fills in pids.
 */
#include <stdlib.h>
#include <string.h>

#include "tree.h"
#include "util.h"

struct group;

struct membership {
	struct group		*group;
	struct node		*node;
	TAILQ_ENTRY(membership)	 in_group;
	struct membership	*next;		/* the node's next membership */
};

struct group {
	char			 name[NAME_MAX_LEN + 1];
	int			 count;
	TAILQ_HEAD(, membership) members;
	UT_hash_handle		 hh;
};

static struct node	*tree_names;	/* the registry */
static struct group	*tree_groups;

static struct sup *
tree_sup_new(const struct spec *spec)
{
	struct sup	*s;
	int		 i;

	s = xcalloc(1, sizeof *s);
	/* A partitioned pool has one window per partition plus its own. */
	s->nwindows = spec->kind == KIND_DYNAMIC && spec_x(spec)->partitions > 1 ?
	    spec_x(spec)->partitions + 1 : 1;
	s->windows = xcalloc(1, sizeof *s->windows * s->nwindows);
	for (i = 0; i < s->nwindows; i++)
		window_init(&s->windows[i], spec_x(spec)->max_restarts);
	TAILQ_INIT(&s->pending);
	return (s);
}

static void
tree_sup_free(struct sup *s)
{
	int	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nwindows; i++)
		free(s->windows[i].at);
	free(s->windows);
	free(s->steps);
	free(s->gave_up);
	free(s);
}

static struct node *
tree_node_new(const char *name, const struct spec *spec, enum node_kind kind)
{
	struct node	*n;
	size_t		 len = strnlen(name, NAME_MAX_LEN);

	n = xcalloc(1, sizeof *n + len + 1);
	memcpy(n->name, name, len);
	n->kind = kind;
	n->spec = spec;
	n->state = NODE_STOPPED;
	n->last_exit_code = -1;
	TAILQ_INIT(&n->children);
	if (kind != KIND_WORKER)
		n->sup = tree_sup_new(spec);
	HASH_ADD_STR(tree_names, name, n);
	return (n);
}

static void
tree_link(struct node *parent, struct node *n)
{
	n->parent = parent;
	TAILQ_INSERT_TAIL(&parent->children, n, sibling);
	parent->sup->nchildren++;
}

static void
tree_group_join(struct node *n, const char *name)
{
	struct group		*g;
	struct membership	*m;

	for (m = n->memberships; m != NULL; m = m->next)
		if (strcmp(m->group->name, name) == 0)
			return;
	HASH_FIND_STR(tree_groups, name, g);
	if (g == NULL) {
		g = xcalloc(1, sizeof *g);
		strncpy(g->name, name, NAME_MAX_LEN);
		TAILQ_INIT(&g->members);
		HASH_ADD_STR(tree_groups, name, g);
	}
	m = xcalloc(1, sizeof *m);
	m->group = g;
	m->node = n;
	TAILQ_INSERT_TAIL(&g->members, m, in_group);
	g->count++;
	m->next = n->memberships;
	n->memberships = m;
}

static void
tree_group_leave_all(struct node *n)
{
	struct membership	*m, *next;
	struct group		*g;

	for (m = n->memberships; m != NULL; m = next) {
		next = m->next;
		g = m->group;
		TAILQ_REMOVE(&g->members, m, in_group);
		/* an empty group is forgotten: names never outlive their members */
		if (--g->count == 0) {
			HASH_DEL(tree_groups, g);
			free(g);
		}
		free(m);
	}
	n->memberships = NULL;
}

struct node *
tree_build(const struct config *conf)
{
	struct spec	*sp;
	struct node	*n, *parent, *root = NULL;
	size_t		 i;

	TAILQ_FOREACH(sp, &conf->specs, entry) {
		n = tree_node_new(sp->name, sp, sp->kind);
		for (i = 0; i < sp->ngroups; i++)
			tree_group_join(n, sp->groups[i]);
	}
	/* link in file order, so children are in start order */
	TAILQ_FOREACH(sp, &conf->specs, entry) {
		n = tree_find(sp->name);
		if (sp->parent == NULL) {
			root = n;
			continue;
		}
		parent = tree_find(sp->parent);
		tree_link(parent, n);
	}
	return (root);
}

struct node *
tree_find(const char *name)
{
	struct node	*n;

	HASH_FIND_STR(tree_names, name, n);
	return (n);
}

struct node *
tree_add_dynamic(struct node *sup, const char *name)
{
	struct node	*n;
	size_t		 i;

	if (tree_find(name) != NULL || strlen(name) > NAME_MAX_LEN)
		return (NULL);
	n = tree_node_new(name, sup->spec, KIND_WORKER);
	n->dynamic = 1;
	n->partition = tree_partition(name, spec_x(sup->spec)->partitions);
	for (i = 0; i < sup->spec->ngroups; i++)
		tree_group_join(n, sup->spec->groups[i]);
	tree_link(sup, n);
	return (n);
}

struct node *
tree_add_static(struct node *parent, const struct spec *spec,
    struct node *after)
{
	struct node	*n;
	size_t		 i;

	if (tree_find(spec->name) != NULL)
		return (NULL);
	n = tree_node_new(spec->name, spec, spec->kind);
	for (i = 0; i < spec->ngroups; i++)
		tree_group_join(n, spec->groups[i]);
	n->parent = parent;
	parent->sup->nchildren++;
	if (after != NULL)
		TAILQ_INSERT_AFTER(&parent->children, after, n, sibling);
	else
		TAILQ_INSERT_HEAD(&parent->children, n, sibling);
	return (n);
}

void
tree_move_after(struct node *n, struct node *after)
{
	struct node	*parent = n->parent;

	if (after == n)
		return;
	TAILQ_REMOVE(&parent->children, n, sibling);
	if (after != NULL)
		TAILQ_INSERT_AFTER(&parent->children, after, n, sibling);
	else
		TAILQ_INSERT_HEAD(&parent->children, n, sibling);
}

void
tree_regroup(struct node *n)
{
	size_t	i;

	tree_group_leave_all(n);
	for (i = 0; i < n->spec->ngroups; i++)
		tree_group_join(n, n->spec->groups[i]);
	tree_group_join_extra(n);
}

void
tree_group_join_extra(struct node *n)
{
	char	**g;

	for (g = node_extra_groups(n); g != NULL && *g != NULL; g++)
		tree_group_join(n, *g);
}

int
tree_group_each(const char *name, void (*fn)(struct node *, void *), void *arg)
{
	struct group		*g;
	struct membership	*m, *next;
	int			 n = 0;

	HASH_FIND_STR(tree_groups, name, g);
	if (g == NULL)
		return (0);
	for (m = TAILQ_FIRST(&g->members); m != NULL; m = next) {
		next = TAILQ_NEXT(m, in_group);
		n++;
		if (fn != NULL)
			fn(m->node, arg);
	}
	return (n);
}

void
tree_unlink(struct node *n)
{
	if (n->parent != NULL) {
		TAILQ_REMOVE(&n->parent->children, n, sibling);
		n->parent->sup->nchildren--;
		n->parent = NULL;
	}
	HASH_DEL(tree_names, n);
	tree_group_leave_all(n);
}

static void
tree_extra_free(struct node_extra *x)
{
	if (x == NULL)
		return;
	strv_free(x->argv);
	strv_free(x->env);
	strv_free(x->groups);
	free(x);
}

void
tree_set_extra(struct node *n, char **argv, char **env, char **groups)
{
	tree_extra_free(n->extra);
	n->extra = NULL;
	if (argv != NULL || env != NULL || groups != NULL) {
		n->extra = xmalloc(sizeof *n->extra);
		n->extra->argv = argv;
		n->extra->env = env;
		n->extra->groups = groups;
	}
	tree_group_join_extra(n);
}

struct node_aux *
tree_aux(struct node *n)
{
	if (n->aux == NULL)
		n->aux = xcalloc(1, sizeof *n->aux);
	return (n->aux);
}

void
tree_aux_trim(struct node *n)
{
	if (n->aux != NULL && n->aux->live == NULL &&
	    n->aux->sockets == NULL && n->aux->fdstore == NULL) {
		free(n->aux);
		n->aux = NULL;
	}
}

void
tree_node_free(struct node *n)
{
	struct node	*c;

	while ((c = TAILQ_FIRST(&n->children)) != NULL) {
		tree_unlink(c);
		tree_node_free(c);
	}
	tree_extra_free(n->extra);
	free(n->aux);	/* its files forgot theirs before the node went */
	tree_sup_free(n->sup);
	free(n);
}

void
tree_free(struct node *n)
{
	if (n == NULL)
		return;
	if (n->parent != NULL || tree_find(n->name) == n)
		tree_unlink(n);
	tree_node_free(n);
}

struct node *
tree_next(const struct node *root, struct node *n)
{
	struct node	*next;

	if ((next = TAILQ_FIRST(&n->children)) != NULL)
		return (next);
	for (; n != NULL && n != root; n = n->parent)
		if ((next = TAILQ_NEXT(n, sibling)) != NULL)
			return (next);
	return (NULL);
}

unsigned int
tree_count(void)
{
	return (HASH_COUNT(tree_names));
}

struct node *
tree_registry(void)
{
	return (tree_names);
}

const char *
tree_state_name(enum node_state s)
{
	static const char *const names[] = {
		[NODE_STOPPED] = "stopped",
		[NODE_STARTING] = "starting",
		[NODE_RUNNING] = "running",
		[NODE_STOPPING] = "stopping",
		[NODE_EXITED] = "exited",
		[NODE_FAILED] = "failed",
	};

	return (names[s]);
}

const char *
tree_kind_name(enum node_kind k)
{
	static const char *const names[] = {
		[KIND_SUPERVISOR] = "supervisor",
		[KIND_DYNAMIC] = "dynamic",
		[KIND_WORKER] = "worker",
	};

	return (names[k]);
}

int
tree_partition(const char *name, int partitions)
{
	uint32_t	h = 2166136261u;	/* FNV-1a: stable across runs and builds */

	if (partitions <= 1)
		return (0);
	for (; *name != '\0'; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	return ((int)(h % (uint32_t)partitions));
}
