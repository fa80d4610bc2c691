/*
 * store.c — the state database over sqlite3.  One connection, supd's only
 * writer, in WAL mode: synchronous=NORMAL survives any crash of supd (a
 * commit is a write to the WAL, no fsync), FULL also a power loss.  A
 * write opens the iteration's transaction; store_commit ends it from the
 * loop's prepare watcher, after the policy and before the replies, so a
 * reply never says more than the disk holds and a restart never waits.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "spec.h"
#include "store.h"
#include "tree.h"
#include "util.h"

#define STORE_SCHEMA	1

/* Each version's schema change, applied in order from the file's user_version. */
static const char *const store_migrations[STORE_SCHEMA] = {
	"CREATE TABLE children ("
	"  name TEXT PRIMARY KEY, supervisor TEXT NOT NULL,"
	"  args TEXT, env TEXT, groups TEXT, restart TEXT NOT NULL);"
	"CREATE TABLE process_groups ("
	"  pgid INTEGER PRIMARY KEY, name TEXT NOT NULL, pid INTEGER NOT NULL,"
	"  starttime INTEGER NOT NULL, stop_signal INTEGER NOT NULL,"
	"  shutdown_ms INTEGER NOT NULL);",
};

enum store_stmt {
	ST_CHILD_PUT,
	ST_CHILD_DEL,
	ST_GROUP_PUT,
	ST_GROUP_DEL,
	ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
	[ST_CHILD_PUT] = "INSERT OR REPLACE INTO children"
	    " (name, supervisor, args, env, groups, restart)"
	    " VALUES (?, ?, ?, ?, ?, ?)",
	[ST_CHILD_DEL] = "DELETE FROM children WHERE name = ?",
	[ST_GROUP_PUT] = "INSERT OR REPLACE INTO process_groups"
	    " (pgid, name, pid, starttime, stop_signal, shutdown_ms)"
	    " VALUES (?, ?, ?, ?, ?, ?)",
	[ST_GROUP_DEL] = "DELETE FROM process_groups WHERE pgid = ?",
};

static sqlite3		*store_db;
static sqlite3_stmt	*store_stmts[ST_COUNT];
static int		 store_in_txn;
static int		 store_txn_bad;	/* a write of this transaction failed */
static char		*store_why;		/* the trouble, or NULL */
static struct log_rate	 store_rate;

static void
store_fail(const char *what)
{
	const char	*msg = store_db != NULL ? sqlite3_errmsg(store_db) :
			    "no database";

	free(store_why);
	store_why = xasprintf("%s: %s", what, msg);
	log_rated(&store_rate, LOG_LVL_ERR, "state database: %s", store_why);
}

static int
store_exec(const char *sql)
{
	return (sqlite3_exec(store_db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1);
}

/* Move a damaged file (and its WAL) aside as PATH.corrupt-YYYYmmddTHHMMSS. */
static void
store_move_aside(const char *path, const char *why)
{
	char		 stamp[32], *to, *from;
	const char	*sfx[] = { "", "-wal", "-shm" };
	time_t		 t = time(NULL);
	size_t		 i;

	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", gmtime(&t));
	for (i = 0; i < 3; i++) {
		from = xasprintf("%s%s", path, sfx[i]);
		to = xasprintf("%s.corrupt-%s%s", path, stamp, sfx[i]);
		if (rename(from, to) == 0 && i == 0)
			log_err("state database %s is damaged (%s): moved to %s; "
			    "starting with no durable state", path, why, to);
		free(from);
		free(to);
	}
}

/* The file's schema version, migrated up to ours; -1: not a usable database. */
static int
store_migrate(char **cause)
{
	sqlite3_stmt	*st;
	int		 version = -1, v;

	if (sqlite3_prepare_v2(store_db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < 0)
		return (-1);
	if (version > STORE_SCHEMA) {
		*cause = xasprintf("the state database has schema %d, newer than "
		    "this supd's %d: run the supd that wrote it, or choose "
		    "another file ([supd] state, --state)", version,
		    STORE_SCHEMA);
		return (-2);
	}
	for (v = version; v < STORE_SCHEMA; v++) {
		char	*sql = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version"
			    " = %d; COMMIT;", store_migrations[v], v + 1);
		int	 rc = store_exec(sql);

		free(sql);
		if (rc == -1) {
			store_exec("ROLLBACK");
			return (-1);
		}
	}
	return (0);
}

/* 0: open and checked; -1: damaged or not a database; -2: must not start. */
static int
store_try_open(const char *path, int sync_full, char **cause)
{
	sqlite3_stmt	*st;
	const char	*ok = NULL;
	int		 rc, i;

	if (sqlite3_open_v2(path, &store_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		return (-3);
	sqlite3_busy_timeout(store_db, 1000);
	if (sqlite3_prepare_v2(store_db, "PRAGMA quick_check", -1, &st,
	    NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = (const char *)sqlite3_column_text(st, 0);
	rc = ok != NULL && strcmp(ok, "ok") == 0;
	sqlite3_finalize(st);
	if (!rc)
		return (-1);
	if (store_exec("PRAGMA journal_mode = WAL") == -1)
		return (-1);
	store_exec(sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
	if ((rc = store_migrate(cause)) != 0)
		return (rc);
	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(store_db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &store_stmts[i], NULL) != SQLITE_OK)
			return (-1);
	return (0);
}

static void
store_mkdirs(const char *path)
{
	char	*copy = xstrdup(path), *dir = dirname(copy), *p;

	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(dir, 0750);
		*p = '/';
	}
	(void)mkdir(dir, 0750);
	free(copy);
}

int
store_open(const char *path, int sync_full, char **cause)
{
	int	rc;

	*cause = NULL;
	store_mkdirs(path);
	rc = store_try_open(path, sync_full, cause);
	if (rc == -1) {
		char	*why = xstrdup(sqlite3_errmsg(store_db));

		store_close();
		store_move_aside(path, why);
		free(why);
		rc = store_try_open(path, sync_full, cause);
	}
	if (rc == -2) {
		store_close();
		return (-1);
	}
	if (rc != 0) {
		/* supervise all the same; nothing durable until it is fixed */
		store_fail(path);
		store_close();
		log_err("state database %s cannot be used: %s; dynamic children "
		    "will not be accepted", path, store_why);
	}
	return (0);
}

void
store_close(void)
{
	int	i;

	for (i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(store_stmts[i]);
		store_stmts[i] = NULL;
	}
	if (store_db != NULL)
		sqlite3_close(store_db);
	store_db = NULL;
	store_in_txn = store_txn_bad = 0;
}

const char *
store_trouble(void)
{
	return (store_why);
}

/* --- reading the last run's state ----------------------------------------- */

static char **
store_strv(const unsigned char *text)
{
	json_t	*a, *s;
	char	**v = NULL;
	size_t	  i, n = 0;

	if (text == NULL || (a = json_loads((const char *)text, 0, NULL)) == NULL)
		return (NULL);
	if (json_is_array(a) && json_array_size(a) > 0) {
		v = xcalloc(json_array_size(a) + 1, sizeof *v);
		json_array_foreach(a, i, s)
			if (json_is_string(s))
				v[n++] = xstrdup(json_string_value(s));
	}
	json_decref(a);
	return (v);
}

void
store_each_child(void (*fn)(const char *, const char *, char **, char **,
    char **, void *), void *arg)
{
	sqlite3_stmt	*st;

	if (store_db == NULL || sqlite3_prepare_v2(store_db, "SELECT supervisor,"
	    " name, args, env, groups FROM children ORDER BY rowid", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char	*sup = (const char *)sqlite3_column_text(st, 0);
		const char	*name = (const char *)sqlite3_column_text(st, 1);

		if (sup == NULL || name == NULL)
			continue;
		fn(sup, name, store_strv(sqlite3_column_text(st, 2)),
		    store_strv(sqlite3_column_text(st, 3)),
		    store_strv(sqlite3_column_text(st, 4)), arg);
	}
	sqlite3_finalize(st);
}

size_t
store_take_groups(struct store_group **out)
{
	sqlite3_stmt		*st;
	struct store_group	*v = NULL, *g;
	size_t			 n = 0, cap = 0;

	*out = NULL;
	if (store_db == NULL || sqlite3_prepare_v2(store_db, "SELECT name, pid,"
	    " pgid, starttime, stop_signal, shutdown_ms FROM process_groups",
	    -1, &st, NULL) != SQLITE_OK)
		return (0);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xrealloc(v, cap * sizeof *v);
		}
		g = &v[n++];
		memset(g, 0, sizeof *g);
		snprintf(g->name, sizeof g->name, "%s",
		    sqlite3_column_text(st, 0) != NULL ?
		    (const char *)sqlite3_column_text(st, 0) : "");
		g->pid = (pid_t)sqlite3_column_int64(st, 1);
		g->pgid = (pid_t)sqlite3_column_int64(st, 2);
		g->starttime = (uint64_t)sqlite3_column_int64(st, 3);
		g->stop_signal = sqlite3_column_int(st, 4);
		g->shutdown_ms = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	*out = v;
	return (n);
}

/* --- writes ----------------------------------------------------------------- */

/* The statement, reset, inside this iteration's transaction; NULL if none. */
static sqlite3_stmt *
store_begin(enum store_stmt which)
{
	if (store_db == NULL)
		return (NULL);
	if (!store_in_txn) {
		if (store_exec("BEGIN IMMEDIATE") == -1) {
			store_fail("begin");
			return (NULL);
		}
		store_in_txn = 1;
	}
	sqlite3_reset(store_stmts[which]);
	sqlite3_clear_bindings(store_stmts[which]);
	return (store_stmts[which]);
}

static void
store_step(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(what);
		store_txn_bad = 1;
	}
	sqlite3_reset(st);
}

/* NULL-terminated strings as JSON array text (or NULL), bound to column i. */
static void
store_bind_strv(sqlite3_stmt *st, int i, char **v)
{
	json_t	*a;
	char	*text;

	if (v == NULL || v[0] == NULL)
		return;
	a = json_array();
	for (; *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (text != NULL)
		sqlite3_bind_text(st, i, text, -1, free);
}

void
store_child_put(const struct node *n)
{
	sqlite3_stmt	*st;

	if ((st = store_begin(ST_CHILD_PUT)) == NULL)
		return;
	sqlite3_bind_text(st, 1, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->parent->name, -1, SQLITE_STATIC);
	store_bind_strv(st, 3, n->extra_argv);
	store_bind_strv(st, 4, n->extra_env);
	store_bind_strv(st, 5, n->extra_groups);
	sqlite3_bind_text(st, 6, spec_restart_names[n->spec->restart], -1,
	    SQLITE_STATIC);
	store_step(st, "adding a child");
}

void
store_child_del(const char *name)
{
	sqlite3_stmt	*st;

	if ((st = store_begin(ST_CHILD_DEL)) == NULL)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	store_step(st, "removing a child");
}

void
store_group_put(const struct node *n, pid_t pid, uint64_t starttime)
{
	sqlite3_stmt	*st;

	if ((st = store_begin(ST_GROUP_PUT)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, pid);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)starttime);
	sqlite3_bind_int(st, 5, n->spec->stop_signal);
	sqlite3_bind_int64(st, 6, n->spec->shutdown_ms);
	store_step(st, "recording a process group");
}

void
store_group_del(pid_t pgid)
{
	sqlite3_stmt	*st;

	if ((st = store_begin(ST_GROUP_DEL)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, pgid);
	store_step(st, "forgetting a process group");
}

int
store_commit(void)
{
	if (!store_in_txn)
		return (store_why != NULL && store_db == NULL ? -1 : 0);
	store_in_txn = 0;
	if (store_txn_bad || store_exec("COMMIT") == -1) {
		if (!store_txn_bad)
			store_fail("commit");
		store_txn_bad = 0;
		store_exec("ROLLBACK");
		return (-1);
	}
	if (store_why != NULL) {
		log_info("state database: writes succeed again");
		free(store_why);
		store_why = NULL;
	}
	return (0);
}
