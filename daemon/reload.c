/*
 * reload.c — the configuration file read again and the difference applied
 * (SPEC sections 1 and 7).  Nothing changes unless the whole file is
 * valid.  Then, as OTP's release handler does: what stays takes its new
 * spec in place (a supervisor's strategy and intensity, a dynamic
 * supervisor's template), removed children are stopped newest first and
 * forgotten, changed workers are restarted, and added children started in
 * file order.  Each stop, restart and start is one policy command, run
 * one after the other; the caller is answered when the last one is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "check.h"
#include "conf.h"
#include "events.h"
#include "loop.h"
#include "policy.h"
#include "reload.h"
#include "sdnotify.h"
#include "testhook.h"
#include "tree.h"
#include "util.h"

enum fate {
	FATE_KEEP,		/* the same spec */
	FATE_IN_PLACE,		/* a supervisor's keys changed: no restart */
	FATE_RESTART,		/* a worker's keys changed */
	FATE_REMOVE,		/* gone from the file, or moved, or of another kind */
	FATE_ADD,		/* new in the file */
};

/* One name of the old tree or the new file. */
struct entry {
	const char	*name;		/* the node's or the new spec's */
	struct node	*node;		/* in the running tree, at planning time */
	struct spec	*spec;		/* in the new file, or NULL */
	enum fate	 fate;		/* what happens to node; FATE_ADD: no node */
	int		 added;		/* spec is added (a removed node's name too) */
	int		 inserted;	/* added, and in the tree now */
	struct node	*last;		/* reordering: the child placed last */
	UT_hash_handle	 hh;
};

enum step_kind {
	STEP_REMOVE,		/* EVT_CMD_REMOVE */
	STEP_RESTART,		/* EVT_CMD_RESTART, or EVT_CMD_START if it had failed */
	STEP_INSERT,		/* every added node into the tree (no command) */
	STEP_START,		/* EVT_CMD_START of an added subtree's top */
};

struct step {
	enum step_kind	 kind;
	char		 name[NAME_MAX_LEN + 1];
	uint64_t	 incarnation;	/* STEP_RESTART: restarted since, skip */
};

struct reload {
	struct config	*conf;		/* the new file */
	struct config	*old;		/* what it replaces */
	int		 check;		/* only say what would change */
	struct entry	*entries;
	struct step	*steps;
	int		 nsteps, cap, cur;
	json_t		*added, *removed, *changed, *settings, *failed;
	char		**warnings;
	struct command	 cmd;
	reload_done_fn	 done;
	void		*arg;
};

static struct reload	 *reload_now;		/* the one in progress */
static int		  reload_again;		/* a SIGHUP came meanwhile */
static struct config	**reload_retired;	/* replaced, a node may still use it */
static size_t		  reload_nretired;
static void		(*reload_settle)(struct config *);

static void	reload_next(struct reload *);
static void	reload_failed(struct reload *, const char *, const char *);

void
reload_init(void (*settle)(struct config *))
{
	reload_settle = settle;
}

static struct entry *
reload_entry(struct reload *r, const char *name)
{
	struct entry	*e;

	HASH_FIND_STR(r->entries, name, e);
	if (e == NULL) {
		e = xcalloc(1, sizeof *e);
		e->name = name;
		HASH_ADD_KEYPTR(hh, r->entries, e->name, strlen(e->name), e);
	}
	return (e);
}

static void
reload_step(struct reload *r, enum step_kind kind, const struct node *n,
    const char *name)
{
	struct step	*st;

	if (r->nsteps == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		r->steps = xrealloc(r->steps, r->cap * sizeof *r->steps);
	}
	st = &r->steps[r->nsteps++];
	memset(st, 0, sizeof *st);
	st->kind = kind;
	if (name != NULL)
		snprintf(st->name, sizeof st->name, "%s", name);
	if (n != NULL)
		st->incarnation = n->incarnation;
}

static void
reload_free_one(struct reload *r, int keep_conf)
{
	struct entry	*e, *tmp;

	HASH_ITER(hh, r->entries, e, tmp) {
		HASH_DEL(r->entries, e);
		free(e);
	}
	free(r->steps);
	json_decref(r->added);
	json_decref(r->removed);
	json_decref(r->changed);
	json_decref(r->settings);
	json_decref(r->failed);
	strv_free(r->warnings);
	if (!keep_conf)
		conf_free(r->conf);
	free(r);
}

/* A static node's place in the file: its parent's name, or NULL for the root. */
static int
reload_same_place(const struct node *n, const struct spec *sp)
{
	if (n->parent == NULL || sp->parent == NULL)
		return (n->parent == NULL && sp->parent == NULL);
	return (strcmp(n->parent->name, sp->parent) == 0);
}

/* The file's errors that only the running tree shows; NULL if none. */
static char **
reload_refuse(struct reload *r)
{
	struct spec	*sp;
	struct node	*n;
	char		**why = NULL;
	size_t		 nwhy = 0;

	if (strcmp(r->conf->root->name, loop_root->name) != 0 ||
	    r->conf->root->kind != loop_root->kind) {
		why = xrealloc(why, (nwhy + 2) * sizeof *why);
		why[nwhy++] = xasprintf("%s:%d: [supervisor:%s] the root "
		    "supervisor was [%s:%s]: another root needs a restart of "
		    "supd", r->conf->root->file, r->conf->root->line,
		    r->conf->root->name, tree_kind_name(loop_root->kind),
		    loop_root->name);
		why[nwhy] = NULL;
	}
	TAILQ_FOREACH(sp, &r->conf->specs, entry) {
		if ((n = tree_find(sp->name)) == NULL || !n->dynamic)
			continue;
		why = xrealloc(why, (nwhy + 2) * sizeof *why);
		why[nwhy++] = xasprintf("%s:%d: [%s:%s] the name is taken by a "
		    "child %s started at run time: stop it first (supctl stop "
		    "%s)", sp->file, sp->line, spec_kind_names[sp->kind],
		    sp->name, n->parent != NULL ? n->parent->name : "", n->name);
		why[nwhy] = NULL;
	}
	return (why);
}

static json_t *
reload_keys(const char **keys, int nkeys)
{
	json_t	*v = json_array();
	int	 i;

	for (i = 0; i < nkeys; i++)
		json_array_append_new(v, json_string(keys[i]));
	return (v);
}

/* What changed for a node that stays, and what is done about it. */
static void
reload_plan_kept(struct reload *r, struct entry *e)
{
	const char	*keys[SPEC_KEYS_MAX], *action;
	struct node	*n = e->node;
	int		 nkeys;

	nkeys = spec_diff(n->spec, e->spec, keys, SPEC_KEYS_MAX);
	if (nkeys == 0) {
		e->fate = FATE_KEEP;
		return;
	}
	/* autostart alone says nothing about the running process */
	if (n->kind != KIND_WORKER ||
	    (nkeys == 1 && strcmp(keys[0], "autostart") == 0)) {
		e->fate = FATE_IN_PLACE;
		action = n->kind == KIND_DYNAMIC ? "template from the next start"
		    : "in place";
	} else {
		e->fate = FATE_RESTART;
		switch (n->state) {
		case NODE_STOPPED:
			action = "kept stopped";
			break;
		case NODE_EXITED:
			/* a restart waiting out restart_delay keeps waiting */
			action = n->backoff_at != 0 ? "restarted after its delay" :
			    "kept exited";
			break;
		case NODE_FAILED:
			action = "started";
			break;
		default:
			action = "restarted";
			break;
		}
	}
	json_array_append_new(r->changed, json_pack("{s:s, s:s, s:o, s:s}",
	    "name", n->name, "type", tree_kind_name(n->kind), "keys",
	    reload_keys(keys, nkeys), "action", action));
}

/* Decide every node's fate and the steps, from the old tree and the new file. */
static void
reload_plan(struct reload *r)
{
	struct node	*n, **order = NULL;
	struct spec	*sp;
	struct entry	*e, *pe;
	size_t		 norder = 0, cap = 0, i;

	TAILQ_FOREACH(sp, &r->conf->specs, entry)
		reload_entry(r, sp->name)->spec = sp;
	/* pre-order: a parent's fate is known before its children's */
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n)) {
		if (n->dynamic)
			continue;
		e = reload_entry(r, n->name);
		e->node = n;
		pe = n->parent != NULL ? reload_entry(r, n->parent->name) : NULL;
		if (e->spec == NULL || e->spec->kind != n->kind ||
		    !reload_same_place(n, e->spec) ||
		    (pe != NULL && pe->fate == FATE_REMOVE)) {
			e->fate = FATE_REMOVE;
			e->added = e->spec != NULL;
			/* a dynamic supervisor's children go with it, rows and all */
			json_array_append_new(r->removed, json_pack("{s:s, s:s, s:i}",
			    "name", n->name, "type", tree_kind_name(n->kind),
			    "children", n->kind == KIND_DYNAMIC ?
			    n->sup->nchildren : 0));
			if (pe == NULL || pe->fate != FATE_REMOVE) {
				if (norder == cap) {
					cap = cap == 0 ? 16 : cap * 2;
					order = xrealloc(order, cap * sizeof *order);
				}
				order[norder++] = n;
			}
			continue;
		}
		reload_plan_kept(r, e);
	}
	/* removals newest first, as a supervisor stops its children */
	for (i = norder; i > 0; i--)
		reload_step(r, STEP_REMOVE, order[i - 1], order[i - 1]->name);
	free(order);
	TAILQ_FOREACH(sp, &r->conf->specs, entry) {
		e = reload_entry(r, sp->name);
		if (e->node == NULL) {
			e->fate = FATE_ADD;
			e->added = 1;
		}
		if (e->added)
			json_array_append_new(r->added, json_pack("{s:s, s:s, s:s?}",
			    "name", sp->name, "type", spec_kind_names[sp->kind],
			    "parent", sp->parent));
		else if (e->fate == FATE_RESTART &&
		    e->node->state != NODE_STOPPED && e->node->state != NODE_EXITED)
			reload_step(r, STEP_RESTART, e->node, sp->name);
	}
	reload_step(r, STEP_INSERT, NULL, NULL);
	/* an added subtree starts from its top, as its supervisor boots */
	TAILQ_FOREACH(sp, &r->conf->specs, entry) {
		e = reload_entry(r, sp->name);
		pe = sp->parent != NULL ? reload_entry(r, sp->parent) : NULL;
		if (e->added && (pe == NULL || !pe->added) &&
		    !(sp->kind == KIND_WORKER && sp->manual))
			reload_step(r, STEP_START, NULL, sp->name);
	}
}

/* One [supd] setting: applied now, or kept as it is until supd restarts. */
static void
reload_setting(struct reload *r, const char *key, int differ, int live)
{
	if (!differ)
		return;
	json_array_append_new(r->settings, json_pack("{s:s, s:b}", "key", key,
	    "applied", live));
}

/*
 * Settings read at each use take their new values; those set up once (the
 * socket, the store, the log directory, the roles' groups, the history
 * ring) keep the running value until supd restarts: never half applied.
 */
static void
reload_settings(struct reload *r)
{
	struct config	*o = r->old, *c = r->conf;

#define KEEP_STR(f, key) do {						\
	reload_setting(r, key, !spec_str_equal(o->f, c->f), 0);	\
	free(c->f);							\
	c->f = o->f != NULL ? xstrdup(o->f) : NULL;			\
} while (0)
#define KEEP_NUM(f, key) do {						\
	reload_setting(r, key, o->f != c->f, 0);			\
	c->f = o->f;							\
} while (0)
	KEEP_STR(socket, "socket");
	KEEP_STR(state, "state");
	KEEP_STR(log_dir, "log_dir");
	KEEP_NUM(socket_mode, "socket_mode");
	KEEP_STR(socket_group, "socket_group");
	KEEP_STR(admin_group, "admin_group");
	KEEP_STR(read_group, "read_group");
	KEEP_NUM(sync_full, "sync");
	KEEP_NUM(history_max, "history_max");
	KEEP_NUM(cgroup_off, "cgroup");
#undef KEEP_STR
#undef KEEP_NUM
	reload_setting(r, "read_logs", o->read_logs != c->read_logs, 1);
	reload_setting(r, "max_request_bytes",
	    o->max_request_bytes != c->max_request_bytes, 1);
	reload_setting(r, "max_clients", o->max_clients != c->max_clients, 1);
	reload_setting(r, "idle_timeout",
	    o->idle_timeout_ms != c->idle_timeout_ms, 1);
	reload_setting(r, "log_max_bytes", o->log_max_bytes != c->log_max_bytes,
	    1);
	reload_setting(r, "log_backups", o->log_backups != c->log_backups, 1);
	reload_setting(r, "log_timestamps", o->log_plain != c->log_plain, 1);
}

/* The groups a node joins are its spec's: join them again if they changed. */
static void
reload_respec(struct node *n, const struct spec *sp)
{
	int	regroup = !spec_strv_equal(n->spec->groups, sp->groups);

	policy_respec(n, sp);
	if (regroup)
		tree_regroup(n);
}

/*
 * Every node that stays takes its new spec now (a running process keeps
 * what it was started with: proc.c copied its stop signal and timeouts),
 * and the children that stay are put in the file's new order.
 */
static void
reload_swap(struct reload *r)
{
	struct spec	*sp;
	struct entry	*e;
	struct node	*c;

	TAILQ_FOREACH(sp, &r->conf->specs, entry) {
		e = reload_entry(r, sp->name);
		if (e->node == NULL || e->fate == FATE_REMOVE)
			continue;
		reload_respec(e->node, sp);
		if (e->node->kind == KIND_DYNAMIC)
			TAILQ_FOREACH(c, &e->node->children, sibling)
				reload_respec(c, sp);
	}
	loop_conf = r->conf;
}

/* Siblings in the new file's order; what is not in the file stays behind them. */
static void
reload_reorder(struct reload *r)
{
	struct spec	*sp;
	struct entry	*pe;
	struct node	*n;

	TAILQ_FOREACH(sp, &r->conf->specs, entry)
		reload_entry(r, sp->name)->last = NULL;
	TAILQ_FOREACH(sp, &r->conf->specs, entry) {
		if (sp->parent == NULL || (n = tree_find(sp->name)) == NULL ||
		    n->spec != sp)
			continue;
		pe = reload_entry(r, sp->parent);
		tree_move_after(n, pe->last);
		pe->last = n;
	}
}

/* Every added node joins the tree, stopped; its supervisor may be added too. */
static void
reload_insert(struct reload *r)
{
	struct spec	*sp;
	struct entry	*e;
	struct node	*parent;
	int		 progress = 1;

	/* a child's section may come before its supervisor's */
	while (progress) {
		progress = 0;
		TAILQ_FOREACH(sp, &r->conf->specs, entry) {
			e = reload_entry(r, sp->name);
			if (!e->added || e->inserted || tree_find(sp->name) != NULL)
				continue;
			/* the parent of the new file, not an old namesake */
			if ((parent = tree_find(sp->parent)) == NULL ||
			    parent->spec != reload_entry(r, sp->parent)->spec)
				continue;
			(void)tree_add_static(parent, sp, NULL);
			e->inserted = progress = 1;
		}
	}
	TAILQ_FOREACH(sp, &r->conf->specs, entry) {
		e = reload_entry(r, sp->name);
		if (e->added && !e->inserted)
			reload_failed(r, sp->name, tree_find(sp->name) != NULL ?
			    "not added: the child of that name it replaces is "
			    "still stopping; reload again" :
			    "not added: its supervisor was not added");
	}
	reload_reorder(r);
}

static void
reload_failed(struct reload *r, const char *name, const char *reason)
{
	json_array_append_new(r->failed, json_pack("{s:s, s:s}", "name", name,
	    "reason", reason));
}

static void
reload_cmd_done(struct command *cmd, struct node *n, enum cmd_outcome o,
    const char *detail)
{
	struct reload	*r = (struct reload *)((char *)cmd -
			    offsetof(struct reload, cmd));
	struct step	*st = &r->steps[r->cur - 1];

	(void)n;
	if (o != CMD_OK && o != CMD_ALREADY_STARTED && o != CMD_REMOVED)
		reload_failed(r, st->name, detail != NULL ? detail :
		    policy_outcome_text(o));
	reload_next(r);
}

static json_t *
reload_names(json_t *list)
{
	json_t	*v = json_array(), *e;
	size_t	 i;

	json_array_foreach(list, i, e)
		json_array_append(v, json_object_get(e, "name"));
	return (v);
}

/* True if a node of the tree still uses a spec of conf (one not yet freed). */
static int
reload_conf_used(const struct config *conf)
{
	const struct node	*n;

	/* a spec's file is its own config's path: the same pointer */
	for (n = tree_registry(); n != NULL; n = n->hh.next)
		if (n->spec != NULL && n->spec->file == conf->path)
			return (1);
	return (0);
}

/* A replaced configuration: freed once no node uses it (reload_sweep). */
static void
reload_retire(struct config *conf)
{
	reload_retired = xrealloc(reload_retired, (reload_nretired + 1) *
	    sizeof *reload_retired);
	reload_retired[reload_nretired++] = conf;
}

/* Free the configurations no node uses any more. */
static void
reload_sweep(void)
{
	size_t	i, j = 0;

	for (i = 0; i < reload_nretired; i++) {
		if (reload_conf_used(reload_retired[i]))
			reload_retired[j++] = reload_retired[i];
		else
			conf_free(reload_retired[i]);
	}
	reload_nretired = j;
}

static json_t *
reload_result(struct reload *r)
{
	json_t	*w = json_array();
	char	**p;

	for (p = r->warnings; p != NULL && *p != NULL; p++)
		json_array_append_new(w, json_string(*p));
	return (json_pack("{s:b, s:O, s:O, s:O, s:O, s:O, s:o}", "check",
	    r->check, "added", r->added, "removed",
	    r->removed, "changed", r->changed, "settings", r->settings,
	    "failed", r->failed, "warnings", w));
}

static void
reload_finish(struct reload *r)
{
	reload_done_fn	 done = r->done;
	void		*arg = r->arg;
	json_t		*result;

	testhook("reload.finish");
	result = reload_result(r);
	log_info("reload %s: %zu added, %zu removed, %zu changed%s",
	    r->conf->path, json_array_size(r->added),
	    json_array_size(r->removed), json_array_size(r->changed),
	    json_array_size(r->failed) > 0 ? ", with failures" : "");
	events_emit_name("reload", NULL, json_pack("{s:o, s:o, s:o, s:o}",
	    "added", reload_names(r->added), "removed", reload_names(r->removed),
	    "changed", reload_names(r->changed), "failed",
	    reload_names(r->failed)));
	reload_retire(r->old);
	reload_now = NULL;
	reload_free_one(r, 1);
	reload_sweep();
	sdnotify_ready();
	if (done != NULL)
		done(result, NULL, 0, arg);
	else
		json_decref(result);
	if (reload_again) {
		reload_again = 0;
		reload_begin(0, NULL, NULL);
	}
}

/* Run steps until one waits for a command; finish after the last. */
static void
reload_next(struct reload *r)
{
	struct step	*st;
	struct node	*n;

	while (r->cur < r->nsteps) {
		st = &r->steps[r->cur++];
		if (loop_shutting_down) {
			reload_failed(r, st->name[0] != '\0' ? st->name :
			    loop_root->name, "supd began to shut down: the rest "
			    "of the reload was not applied");
			r->cur = r->nsteps;
			break;
		}
		if (st->kind == STEP_INSERT) {
			reload_insert(r);
			continue;
		}
		if ((n = tree_find(st->name)) == NULL)
			continue;	/* removed meanwhile (a temporary child's exit) */
		switch (st->kind) {
		case STEP_REMOVE:
			loop_command(EVT_CMD_REMOVE, n, &r->cmd);
			return;
		case STEP_RESTART:
			if (n->incarnation != st->incarnation)
				continue;	/* restarted since, with the new spec */
			loop_command(n->state == NODE_FAILED ? EVT_CMD_START :
			    EVT_CMD_RESTART, n, &r->cmd);
			return;
		case STEP_START:
			if (n->state == NODE_RUNNING || n->state == NODE_STARTING)
				continue;
			loop_command(EVT_CMD_START, n, &r->cmd);
			return;
		case STEP_INSERT:
			break;
		}
	}
	reload_finish(r);
}

void
reload_begin(int check, reload_done_fn done, void *arg)
{
	struct reload	*r;
	struct config	*conf;
	char		**errors, **problems;

	if (reload_now != NULL) {
		if (done == NULL) {
			log_info("SIGHUP: a reload is in progress; another "
			    "follows it");
			reload_again = 1;
		} else
			done(NULL, NULL, 1, arg);
		return;
	}
	log_info("reload %s%s", loop_conf->path, check ? " (check only)" : "");
	if ((conf = conf_load(loop_conf->path, &errors)) == NULL) {
		for (problems = errors; problems != NULL && *problems != NULL;
		    problems++)
			log_err("%s", *problems);
		log_err("reload: %s is not valid; nothing changed",
		    loop_conf->path);
		if (done != NULL)
			done(NULL, errors, 0, arg);
		conf_errors_free(errors);
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->conf = conf;
	r->old = loop_conf;
	r->check = check;
	if ((errors = reload_refuse(r)) != NULL) {
		for (problems = errors; *problems != NULL; problems++)
			log_err("%s", *problems);
		log_err("reload: %s cannot be applied; nothing changed",
		    loop_conf->path);
		if (done != NULL)
			done(NULL, errors, 0, arg);
		strv_free(errors);
		reload_free_one(r, 0);
		return;
	}
	if (reload_settle != NULL)
		reload_settle(conf);
	(void)check_machine(conf, "warning: ", &r->warnings);
	r->added = json_array();
	r->removed = json_array();
	r->changed = json_array();
	r->settings = json_array();
	r->failed = json_array();
	r->done = done;
	r->arg = arg;
	r->cmd.done = reload_cmd_done;
	reload_plan(r);
	reload_settings(r);
	if (check) {
		json_t	*result = reload_result(r);

		reload_free_one(r, 0);
		if (done != NULL)
			done(result, NULL, 0, arg);
		else
			json_decref(result);
		return;
	}
	for (problems = r->warnings; problems != NULL && *problems != NULL;
	    problems++)
		log_warn("%s", *problems);
	reload_now = r;
	sdnotify_reloading();
	reload_swap(r);
	reload_reorder(r);
	reload_next(r);
}

void
reload_forget(void *arg)
{
	if (reload_now != NULL && reload_now->arg == arg) {
		reload_now->done = NULL;
		reload_now->arg = NULL;
	}
}

void
reload_free(void)
{
	size_t	i;

	if (reload_now != NULL) {
		/* its new configuration is loop_conf, main.c's to free */
		reload_retire(reload_now->old);
		reload_free_one(reload_now, 1);
		reload_now = NULL;
	}
	for (i = 0; i < reload_nretired; i++)
		conf_free(reload_retired[i]);
	free(reload_retired);
	reload_retired = NULL;
	reload_nretired = 0;
}
