/*
 * store.c — the state database over sqlite3, in WAL mode: synchronous =
 * NORMAL survives any crash of supd (a commit is a write to the WAL, no
 * fsync), FULL also a power loss.  The loop reads the last run's state at
 * start; after that the connection is used by one side at a time: the
 * writer thread while it has a batch, else the loop.  The loop queues
 * writes as operations in a batch; store_commit hands the batch over when
 * the writer is idle, so one transaction carries everything that happened
 * while the one before it was being written, or commits it itself when a
 * reply waits and it is a WAL write only (store_hand).  The writer never
 * logs or touches the loop's state: it fills in the batch's outcome and
 * wakes the loop (ev_async); it also does the checkpoints.
 *
 * When a batch fails (disk full, read-only file system, file removed) the
 * store is in trouble: writes are dropped, spawns refused (method-dynamic.c)
 * and every second the whole state is written again into a new
 * transaction (reopening the file when it went away); the first one that
 * commits ends the trouble.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <malloc.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>
#include <sqlite3.h>

#include "events.h"
#include "leftover.h"
#include "loop.h"
#include "spec.h"
#include "store.h"
#include "testhook.h"
#include "tree.h"
#include "util.h"

#define STORE_SCHEMA	2
#define STORE_RETRY_S	1.0
#define STORE_DELAY_S	0.005
#define STORE_CHECKPOINT_PAGES	1000	/* the WAL is copied back past this, by the writer */
#define STORE_TRIM_OPS	1000	/* a batch this large is followed by malloc_trim */

/* Each version's schema change, applied in order from the file's user_version. */
static const char *const store_migrations[STORE_SCHEMA] = {
	"CREATE TABLE children ("
	"  name TEXT PRIMARY KEY, supervisor TEXT NOT NULL,"
	"  args TEXT, env TEXT, groups TEXT, restart TEXT NOT NULL);"
	"CREATE TABLE process_groups ("
	"  pgid INTEGER PRIMARY KEY, name TEXT NOT NULL, pid INTEGER NOT NULL,"
	"  starttime INTEGER NOT NULL, stop_signal INTEGER NOT NULL,"
	"  shutdown_ms INTEGER NOT NULL);",

	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY, name TEXT, json TEXT NOT NULL);"
	"CREATE TABLE tasks ("
	"  name TEXT PRIMARY KEY, ended_at INTEGER NOT NULL,"
	"  result TEXT NOT NULL);",
};

enum store_stmt {
	ST_CHILD_PUT,
	ST_CHILD_DEL,
	ST_GROUP_PUT,
	ST_GROUP_DEL,
	ST_EVENT_PUT,
	ST_EVENT_TRIM,
	ST_TASK_PUT,
	ST_TASK_DEL,
	ST_CLEAR_CHILDREN,
	ST_CLEAR_GROUPS,
	ST_CLEAR_EVENTS,
	ST_CLEAR_TASKS,
	ST_BEGIN,
	ST_COMMIT,
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
	[ST_EVENT_PUT] = "INSERT OR REPLACE INTO events (seq, name, json)"
	    " VALUES (?, ?, ?)",
	[ST_EVENT_TRIM] = "DELETE FROM events WHERE seq <= ?",
	[ST_TASK_PUT] = "INSERT OR REPLACE INTO tasks (name, ended_at, result)"
	    " VALUES (?, ?, ?)",
	[ST_TASK_DEL] = "DELETE FROM tasks WHERE name = ?",
	[ST_CLEAR_CHILDREN] = "DELETE FROM children",
	[ST_CLEAR_GROUPS] = "DELETE FROM process_groups",
	[ST_CLEAR_EVENTS] = "DELETE FROM events",
	[ST_CLEAR_TASKS] = "DELETE FROM tasks",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
};

/* What a statement's operation does, for the error that says it failed. */
static const char *const store_what[ST_COUNT] = {
	[ST_CHILD_PUT] = "adding a child",
	[ST_CHILD_DEL] = "removing a child",
	[ST_GROUP_PUT] = "recording a process group",
	[ST_GROUP_DEL] = "forgetting a process group",
	[ST_EVENT_PUT] = "recording an event",
	[ST_EVENT_TRIM] = "trimming the history",
	[ST_TASK_PUT] = "recording a task's result",
	[ST_TASK_DEL] = "forgetting a task's result",
	[ST_CLEAR_CHILDREN] = "rewriting the state",
	[ST_CLEAR_GROUPS] = "rewriting the state",
	[ST_CLEAR_EVENTS] = "rewriting the state",
	[ST_CLEAR_TASKS] = "rewriting the state",
	[ST_BEGIN] = "beginning a transaction",
	[ST_COMMIT] = "committing",
};

#define STORE_MAX_BINDS	6

struct store_bind {
	enum { B_NULL, B_INT, B_TEXT } kind;
	sqlite3_int64	 i;
	char		*s;
};

struct store_op {
	enum store_stmt		 stmt;
	int			 nbinds;
	struct store_batch	*batch;		/* whose chunks hold its texts */
	struct store_bind	 b[STORE_MAX_BINDS];
	STAILQ_ENTRY(store_op)	 entry;
};

/*
 * A batch's ops and their texts, bump-allocated: a boot's batch of tens of
 * thousands of small blocks, freed after its commit, would have left holes
 * among the blocks kept (each child's runtime data, its event line).
 */
struct store_chunk {
	struct store_chunk	*next;
	size_t			 used, size;
	max_align_t		 data[];
};
#define STORE_CHUNK_FIRST	2048
#define STORE_CHUNK_MAX		(256 * 1024)	/* past glibc's mmap threshold */

struct store_batch {
	STAILQ_HEAD(, store_op)		 ops;
	size_t				 nops;
	struct store_chunk		*chunks;	/* newest first */
	int				 wanted;	/* a reply waits for it: no delay */
	uint64_t			 id;		/* batches in the order they are filled */
	uint64_t			 event_seq;	/* the newest event in it */
	int				 rewrite;	/* the whole state: reopen if need be */
	char				*why;		/* the writer's verdict: NULL, committed */
};

/* The loop's side */
static char		*store_path;
static int		 store_sync_full;
static int64_t		 store_history_max;
static int		 store_started;
static struct store_batch *store_cur;		/* being filled */
static struct store_batch *store_inflight;	/* with the writer */
static char		*store_why;		/* the trouble, or NULL */
static struct log_rate	 store_rate = LOG_RATE_INITIALIZER(1000);
static void		(*store_fill)(void);
static void		(*store_saved)(uint64_t);
static void		(*store_notify)(void);
static int		(*store_more)(void);
static ev_async		 store_async;
static ev_timer		 store_retry;
static ev_timer		 store_delay;		/* writes nobody waits for */
static uint64_t		 store_ncommits, store_nfailures;
static uint64_t		 store_next_id = 1, store_committed_id;

/*
 * The writer's side: the connection (the loop's until store_start) and
 * the hand-over, under store_mu.
 */
static sqlite3		*store_db;
static sqlite3_stmt	*store_stmts[ST_COUNT];
static int		 store_moved;		/* reopen before the next write */
static int		 store_wal_pages;	/* in the WAL after the last commit */
static pthread_t	 store_thread;
static pthread_mutex_t	 store_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 store_cv = PTHREAD_COND_INITIALIZER;
static struct store_batch *store_w_in, *store_w_out;
static int		 store_w_quit;

static struct store_batch *store_batch_new(void);
static int	store_wal_cb(void *, sqlite3 *, const char *, int);
static void	store_delay_cb(struct ev_loop *, ev_timer *, int);

/* --- opening ---------------------------------------------------------------- */

static int
store_exec(const char *sql)
{
	return (sqlite3_exec(store_db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1);
}

/* Move a damaged file (and its WAL) aside as PATH.corrupt-YYYYmmddTHHMMSS. */
static char *
store_move_aside(const char *path)
{
	char		 stamp[32], *to, *from, *moved = NULL;
	const char	*sfx[] = { "", "-wal", "-shm" };
	time_t		 t = time(NULL);
	size_t		 i;

	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", gmtime(&t));
	for (i = 0; i < 3; i++) {
		from = xasprintf("%s%s", path, sfx[i]);
		to = xasprintf("%s.corrupt-%s%s", path, stamp, sfx[i]);
		if (rename(from, to) == 0 && i == 0)
			moved = xstrdup(to);
		free(from);
		free(to);
	}
	return (moved);
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

static void
store_db_close(void)
{
	int	i;

	for (i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(store_stmts[i]);
		store_stmts[i] = NULL;
	}
	if (store_db != NULL)
		sqlite3_close(store_db);
	store_db = NULL;
}

static int
store_wal_cb(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg;
	(void)db;
	(void)name;
	store_wal_pages = pages;
	return (SQLITE_OK);
}

/*
 * 0: open and checked; -1: damaged or not a database; -2: must not start;
 * -3: cannot be opened at all.  *why: sqlite's word on a failure.
 */
static int
store_try_open(char **cause, char **why)
{
	sqlite3_stmt	*st;
	const char	*ok = NULL;
	int		 rc, i;

	*why = NULL;
	rc = sqlite3_open_v2(store_path, &store_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		*why = xstrdup(store_db != NULL ? sqlite3_errmsg(store_db) :
		    sqlite3_errstr(rc));
		store_db_close();
		return (-3);
	}
	sqlite3_busy_timeout(store_db, 1000);
	rc = -1;
	if (sqlite3_prepare_v2(store_db, "PRAGMA quick_check", -1, &st,
	    NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = (const char *)sqlite3_column_text(st, 0);
	i = ok != NULL && strcmp(ok, "ok") == 0;
	sqlite3_finalize(st);
	if (!i)
		goto out;
	if (store_exec("PRAGMA journal_mode = WAL") == -1)
		goto out;
	store_exec(store_sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
	/* no commit copies the WAL back (and fsyncs): the writer does, apart */
	store_exec("PRAGMA wal_autocheckpoint = 0");
	/*
	 * Appends touch the last leaf of each table and the few pages above
	 * it: 256 KiB of cache holds those; sqlite's 2 MiB default grew with
	 * every child's rows and stayed (heap of the writer thread).
	 */
	store_exec("PRAGMA cache_size = -256");
	sqlite3_wal_hook(store_db, store_wal_cb, NULL);
	if ((rc = store_migrate(cause)) != 0)
		goto out;
	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(store_db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &store_stmts[i], NULL) != SQLITE_OK) {
			rc = -1;
			goto out;
		}
	return (0);
out:
	*why = xstrdup(sqlite3_errmsg(store_db));
	store_db_close();
	return (rc);
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

/*
 * Open store_path, moving a damaged file aside; 0, -1 (*why: cannot be
 * used), -2 (*cause: must not start).  *aside: where a damaged file went.
 */
static int
store_open_db(char **cause, char **why, char **aside)
{
	int	rc;

	*aside = NULL;
	store_mkdirs(store_path);
	if ((rc = store_try_open(cause, why)) == -1) {
		*aside = store_move_aside(store_path);
		free(*why);
		rc = store_try_open(cause, why);
	}
	if (rc == -3)
		rc = -1;
	return (rc);
}

static void
store_set_trouble(const char *why)
{
	if (store_why == NULL || strcmp(store_why, why) != 0) {
		free(store_why);
		store_why = xstrdup(why);
	}
	log_rated(&store_rate, LOG_LVL_ERR, "state database %s: %s; supervising "
	    "on, new spawns refused until it can be written (retried every "
	    "second)", store_path, store_why);
}

int
store_open(const char *path, int sync_full, int64_t history_max, char **cause)
{
	char	*why, *aside, *msg;
	int	 rc;

	*cause = NULL;
	store_path = xstrdup(path);
	store_sync_full = sync_full;
	store_history_max = history_max > 0 ? history_max : 1;
	store_cur = store_batch_new();
	rc = store_open_db(cause, &why, &aside);
	if (aside != NULL)
		log_err("state database %s is damaged: moved to %s; starting "
		    "with no durable state", path, aside);
	free(aside);
	if (rc == -2) {
		free(why);
		return (-1);
	}
	if (rc == -1) {
		/* supervise all the same; nothing durable until it is fixed */
		msg = xasprintf("cannot be used: %s", why != NULL ? why : "?");
		store_set_trouble(msg);
		free(msg);
	}
	free(why);
	return (0);
}

const char *
store_trouble(void)
{
	return (store_why);
}

uint64_t
store_commits(void)
{
	return (store_ncommits);
}

uint64_t
store_failures(void)
{
	return (store_nfailures);
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

static sqlite3_stmt *
store_query(const char *sql)
{
	sqlite3_stmt	*st;

	if (store_started || store_db == NULL ||
	    sqlite3_prepare_v2(store_db, sql, -1, &st, NULL) != SQLITE_OK)
		return (NULL);
	return (st);
}

static const char *
store_col(sqlite3_stmt *st, int i)
{
	return ((const char *)sqlite3_column_text(st, i));
}

void
store_each_child(void (*fn)(const char *, const char *, char **, char **,
    char **, void *), void *arg)
{
	sqlite3_stmt	*st;

	if ((st = store_query("SELECT supervisor, name, args, env, groups"
	    " FROM children ORDER BY rowid")) == NULL)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (store_col(st, 0) == NULL || store_col(st, 1) == NULL)
			continue;
		fn(store_col(st, 0), store_col(st, 1),
		    store_strv(sqlite3_column_text(st, 2)),
		    store_strv(sqlite3_column_text(st, 3)),
		    store_strv(sqlite3_column_text(st, 4)), arg);
	}
	sqlite3_finalize(st);
}

size_t
store_take_groups(struct leftover **out)
{
	sqlite3_stmt	*st;
	struct leftover	*v = NULL, *g;
	size_t		 n = 0, cap = 0;

	*out = NULL;
	if ((st = store_query("SELECT name, pid, pgid, starttime, stop_signal,"
	    " shutdown_ms FROM process_groups")) == NULL)
		return (0);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xrealloc(v, cap * sizeof *v);
		}
		g = &v[n++];
		memset(g, 0, sizeof *g);
		snprintf(g->name, sizeof g->name, "%s",
		    store_col(st, 0) != NULL ? store_col(st, 0) : "");
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

void
store_each_event(void (*fn)(uint64_t, const char *, const char *, void *),
    void *arg)
{
	sqlite3_stmt	*st;

	if ((st = store_query("SELECT seq, json, name FROM events WHERE seq >"
	    " (SELECT max(seq) FROM events) - ? ORDER BY seq")) == NULL)
		return;
	sqlite3_bind_int64(st, 1, store_history_max);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_int64(st, 0) > 0 && store_col(st, 1) != NULL)
			fn((uint64_t)sqlite3_column_int64(st, 0),
			    store_col(st, 1), store_col(st, 2), arg);
	sqlite3_finalize(st);
}

void
store_each_task(void (*fn)(const char *, const char *, void *), void *arg)
{
	sqlite3_stmt	*st;

	if ((st = store_query("SELECT name, result FROM tasks"
	    " ORDER BY ended_at")) == NULL)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (store_col(st, 0) != NULL && store_col(st, 1) != NULL)
			fn(store_col(st, 0), store_col(st, 1), arg);
	sqlite3_finalize(st);
}

/* --- queueing writes ------------------------------------------------------- */

static struct store_batch *
store_batch_new(void)
{
	struct store_batch	*b = xcalloc(1, sizeof *b);

	STAILQ_INIT(&b->ops);
	b->id = store_next_id++;
	return (b);
}

/* size bytes (zeroed, aligned as an op) from b's chunks. */
static void *
store_alloc(struct store_batch *b, size_t size)
{
	struct store_chunk	*c = b->chunks;
	size_t			 want;
	void			*p;

	size = (size + alignof(struct store_op) - 1) &
	    ~(alignof(struct store_op) - 1);
	if (c == NULL || c->size - c->used < size) {
		want = c == NULL ? STORE_CHUNK_FIRST : c->size * 2;
		if (want > STORE_CHUNK_MAX)
			want = STORE_CHUNK_MAX;
		if (want < size)
			want = size;
		c = xmalloc(sizeof *c + want);
		c->size = want;
		c->used = 0;
		c->next = b->chunks;
		b->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return (p);
}

static void
store_batch_free_ops(struct store_batch *b)
{
	struct store_chunk	*c;

	while ((c = b->chunks) != NULL) {
		b->chunks = c->next;
		free(c);
	}
	STAILQ_INIT(&b->ops);
	b->nops = 0;
	b->event_seq = 0;
}

static void
store_batch_free(struct store_batch *b)
{
	size_t	nops = b->nops;

	store_batch_free_ops(b);
	free(b->why);
	free(b);
	/*
	 * A batch of thousands (a boot, a burst of spawns) was that many small
	 * blocks among the ones kept: their pages go back now, not at the
	 * next burst.  A walk of the heap, after a batch that cost far more.
	 */
	if (nops >= STORE_TRIM_OPS)
		malloc_trim(0);
}

static struct store_op *
store_op(enum store_stmt stmt)
{
	struct store_op	*op;

	if (store_cur == NULL)
		return (NULL);
	op = store_alloc(store_cur, sizeof *op);
	op->stmt = stmt;
	op->batch = store_cur;
	STAILQ_INSERT_TAIL(&store_cur->ops, op, entry);
	store_cur->nops++;
	if (!store_started)
		return (op);
	/* queued outside a drain (a timer): make sure it is handed over */
	loop_kick();
	return (op);
}

static void
store_int(struct store_op *op, sqlite3_int64 v)
{
	op->b[op->nbinds].kind = B_INT;
	op->b[op->nbinds++].i = v;
}

static void
store_text(struct store_op *op, const char *s, size_t len)
{
	struct store_bind	*b = &op->b[op->nbinds++];

	if (s == NULL)
		return;
	b->kind = B_TEXT;
	b->s = store_alloc(op->batch, len + 1);
	memcpy(b->s, s, len);
	b->s[len] = '\0';
}

static void
store_str(struct store_op *op, const char *s)
{
	store_text(op, s, s != NULL ? strlen(s) : 0);
}

/* NULL-terminated strings as JSON array text (NULL when empty). */
static void
store_strv_bind(struct store_op *op, char **v)
{
	json_t	*a;
	char	*text;

	if (v == NULL || v[0] == NULL) {
		op->nbinds++;
		return;
	}
	a = json_array();
	for (; *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	store_str(op, text);
	free(text);
}

void
store_child_put(const struct node *n)
{
	struct store_op	*op;

	if ((op = store_op(ST_CHILD_PUT)) == NULL)
		return;
	store_str(op, n->name);
	store_str(op, n->parent->name);
	store_strv_bind(op, node_extra_argv(n));
	store_strv_bind(op, node_extra_env(n));
	store_strv_bind(op, node_extra_groups(n));
	store_str(op, spec_restart_names[n->spec->restart]);
}

void
store_child_del(const char *name)
{
	struct store_op	*op;

	if ((op = store_op(ST_CHILD_DEL)) != NULL)
		store_str(op, name);
}

void
store_group_put(const struct node *n, pid_t pgid, uint64_t starttime)
{
	struct store_op	*op;

	if ((op = store_op(ST_GROUP_PUT)) == NULL)
		return;
	store_int(op, pgid);
	store_str(op, n->name);
	store_int(op, pgid);
	store_int(op, (sqlite3_int64)starttime);
	store_int(op, spec_x(n->spec)->stop_signal);
	store_int(op, n->spec->shutdown_ms);
}

void
store_group_del(pid_t pgid)
{
	struct store_op	*op;

	if ((op = store_op(ST_GROUP_DEL)) != NULL)
		store_int(op, pgid);
}

void
store_event_put(uint64_t seq, const char *json, size_t len, const char *name)
{
	struct store_op	*op;

	if ((op = store_op(ST_EVENT_PUT)) == NULL)
		return;
	store_int(op, (sqlite3_int64)seq);
	store_str(op, name);
	store_text(op, json, len);
	if (seq > store_cur->event_seq)
		store_cur->event_seq = seq;
}

void
store_task_put(const char *name, const char *result, int64_t ended_at)
{
	struct store_op	*op;

	if ((op = store_op(ST_TASK_PUT)) == NULL)
		return;
	store_str(op, name);
	store_int(op, ended_at);
	store_str(op, result);
}

void
store_task_del(const char *name)
{
	struct store_op	*op;

	if ((op = store_op(ST_TASK_DEL)) != NULL)
		store_str(op, name);
}

/* --- the writer ------------------------------------------------------------ */

static char *
store_errmsg(const char *what)
{
	return (xasprintf("%s: %s", what, store_db != NULL ?
	    sqlite3_errmsg(store_db) : "not open"));
}

static int
store_step_once(enum store_stmt which)
{
	sqlite3_stmt	*st = store_stmts[which];
	int		 rc = sqlite3_step(st);

	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* The writer's side of a batch: b->why stays NULL if it is committed. */
static void
store_write(struct store_batch *b)
{
	struct store_op	*op;
	sqlite3_stmt	*st;
	char		*cause = NULL, *why = NULL, *aside = NULL;
	int		 i, moved = 0;

	if (b->rewrite) {
		/* a fresh connection: after an I/O error, or on a new file */
		store_db_close();
		store_moved = 0;
		if (store_open_db(&cause, &why, &aside) != 0) {
			b->why = xasprintf("cannot be used: %s", cause != NULL ?
			    cause : why != NULL ? why : "?");
			free(cause);
			free(why);
			free(aside);
			return;
		}
		free(aside);
	}
	if (store_db == NULL || store_moved) {
		b->why = xstrdup("waiting for the state to be rewritten");
		return;
	}
	/* prepared once: a commit is mostly these two and a few inserts */
	if (store_step_once(ST_BEGIN) == -1) {
		b->why = store_errmsg(store_what[ST_BEGIN]);
		return;
	}
	STAILQ_FOREACH(op, &b->ops, entry) {
		st = store_stmts[op->stmt];
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		for (i = 0; i < op->nbinds; i++) {
			if (op->b[i].kind == B_INT)
				sqlite3_bind_int64(st, i + 1, op->b[i].i);
			else if (op->b[i].kind == B_TEXT)
				sqlite3_bind_text(st, i + 1, op->b[i].s, -1,
				    SQLITE_STATIC);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			b->why = store_errmsg(store_what[op->stmt]);
			sqlite3_reset(st);
			break;
		}
		sqlite3_reset(st);
	}
	testhook("commit.before");
	if (b->why == NULL && store_step_once(ST_COMMIT) == -1)
		b->why = store_errmsg(store_what[ST_COMMIT]);
	if (b->why != NULL) {
		if (!sqlite3_get_autocommit(store_db))
			store_exec("ROLLBACK");
		return;
	}
	testhook("commit.after");
	if (store_wal_pages >= STORE_CHECKPOINT_PAGES &&
	    sqlite3_wal_checkpoint_v2(store_db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL) == SQLITE_OK)
		store_wal_pages = 0;
	/* a removed file takes writes without a word: look each time */
	if (sqlite3_file_control(store_db, "main", SQLITE_FCNTL_HAS_MOVED,
	    &moved) == SQLITE_OK && moved) {
		store_moved = 1;
		b->why = xstrdup("the file was removed or renamed");
	}
}

static void *
store_writer(void *arg)
{
	struct store_batch	*b;

	(void)arg;
	pthread_mutex_lock(&store_mu);
	for (;;) {
		while (store_w_in == NULL && !store_w_quit)
			pthread_cond_wait(&store_cv, &store_mu);
		if (store_w_in == NULL)
			break;
		b = store_w_in;
		store_w_in = NULL;
		pthread_mutex_unlock(&store_mu);
		store_write(b);
		pthread_mutex_lock(&store_mu);
		store_w_out = b;
		pthread_cond_broadcast(&store_cv);
		ev_async_send(loop_ev, &store_async);
	}
	pthread_mutex_unlock(&store_mu);
	return (NULL);
}

static void	store_done(struct store_batch *);

/*
 * Hand b to the writer; or, when a reply waits for it and the commit is a
 * write to the WAL only (sync = normal, no checkpoint due), commit it here:
 * two thread wake-ups cost more than that write.
 */
static void
store_hand(struct store_batch *b, int inline_ok)
{
	struct store_op	*op;

	if (b->event_seq > (uint64_t)store_history_max) {
		op = store_alloc(b, sizeof *op);
		op->stmt = ST_EVENT_TRIM;
		op->batch = b;
		store_int(op, (sqlite3_int64)(b->event_seq -
		    (uint64_t)store_history_max));
		STAILQ_INSERT_TAIL(&b->ops, op, entry);
		b->nops++;
	}
	store_inflight = b;
	if (inline_ok && !store_sync_full && !b->rewrite && store_db != NULL &&
	    !store_moved && store_wal_pages < STORE_CHECKPOINT_PAGES) {
		store_write(b);
		store_done(b);
		return;
	}
	pthread_mutex_lock(&store_mu);
	store_w_in = b;
	pthread_cond_broadcast(&store_cv);
	pthread_mutex_unlock(&store_mu);
}

/* The loop's side of a finished batch. */
static void
store_done(struct store_batch *b)
{
	store_inflight = NULL;
	if (b->why == NULL) {
		store_ncommits++;
		if (b->id > store_committed_id)
			store_committed_id = b->id;
		if (store_why != NULL) {
			log_info("state database %s: written again; spawns "
			    "accepted", store_path);
			free(store_why);
			store_why = NULL;
			ev_timer_stop(loop_ev, &store_retry);
		}
		if (b->event_seq > 0 && store_saved != NULL)
			store_saved(b->event_seq);
	} else {
		store_nfailures++;
		store_set_trouble(b->why);
		if (store_saved != NULL)
			store_saved(UINT64_MAX);
		if (!ev_is_active(&store_retry))
			ev_timer_again(loop_ev, &store_retry);
	}
	store_batch_free(b);
	/* the replies held for it go out now, or as errors */
	if (store_notify != NULL)
		store_notify();
}

static void
store_async_cb(struct ev_loop *l, ev_async *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	store_settle();
	/* what queued up meanwhile goes next */
	store_commit();
}

/* In trouble: write everything again; its commit ends the trouble. */
static void
store_retry_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct store_batch	*b, *cur;
	static const enum store_stmt clear[] = {
		ST_CLEAR_CHILDREN, ST_CLEAR_GROUPS, ST_CLEAR_EVENTS,
		ST_CLEAR_TASKS
	};
	size_t			 i;

	(void)l;
	(void)w;
	(void)revents;
	if (store_why == NULL || store_inflight != NULL)
		return;
	cur = store_cur;
	store_cur = b = store_batch_new();
	b->rewrite = 1;
	b->wanted = 1;
	for (i = 0; i < sizeof clear / sizeof clear[0]; i++)
		store_op(clear[i]);
	if (store_fill != NULL)
		store_fill();
	store_cur = cur;
	store_hand(b, 0);
}

void
store_start(void (*fill)(void), void (*saved)(uint64_t))
{
	int	rc;

	store_fill = fill;
	store_saved = saved;
	store_w_quit = 0;	/* started again after a reexec that failed */
	ev_async_init(&store_async, store_async_cb);
	ev_async_start(loop_ev, &store_async);
	/* it wakes the loop only to finish a batch: no reason to keep it alive */
	ev_unref(loop_ev);
	ev_init(&store_retry, store_retry_cb);
	ev_init(&store_delay, store_delay_cb);
	store_retry.repeat = STORE_RETRY_S;
	if ((rc = pthread_create(&store_thread, NULL, store_writer, NULL)) != 0)
		fatal("state database: cannot start its writer: %s",
		    strerror(rc));
	store_started = 1;
	if (store_why != NULL)
		ev_timer_again(loop_ev, &store_retry);
	store_commit();
}

/*
 * Hand the batch over: now, or when a reply waits for it and no more calls
 * are queued to join it; else within STORE_DELAY_S, so that writes nobody
 * waits for (a restart's events and process group) and pipelined spawns
 * share a commit instead of keeping the writer busy one by one.
 */
static void
store_commit_when(int now)
{
	struct store_batch	*b;

	/* the events recorded since are part of this commit */
	events_flush();
	b = store_cur;
	if (!store_started || store_inflight != NULL)
		return;
	if (store_why != NULL) {
		/* nothing reaches the disk now: the rewrite will put it all */
		if (b->nops > 0) {
			store_batch_free_ops(b);
			if (store_saved != NULL)
				store_saved(UINT64_MAX);
		}
		return;
	}
	if (b->nops == 0) {
		/*
		 * A reply waited for an iteration that wrote nothing: it is
		 * settled now, and what comes later goes to a batch of its own.
		 */
		if (b->wanted) {
			ev_timer_stop(loop_ev, &store_delay);
			store_cur = store_batch_new();
			store_committed_id = b->id;
			store_batch_free(b);
			if (store_notify != NULL)
				store_notify();
		}
		return;
	}
	/* a reply waits, but more calls are queued that will join it */
	if (!now && (!b->wanted || (store_more != NULL && store_more()))) {
		if (!ev_is_active(&store_delay)) {
			ev_timer_set(&store_delay, STORE_DELAY_S, 0.);
			ev_timer_start(loop_ev, &store_delay);
		}
		return;
	}
	ev_timer_stop(loop_ev, &store_delay);
	store_cur = store_batch_new();
	store_hand(b, b->wanted);
}

void
store_commit(void)
{
	store_commit_when(0);
}

/*
 * The writer's batch, if it is done: settled now, not at its wake-up (a
 * sync = full commit runs beside the start that follows it; the reply
 * goes as soon as both are over).
 */
void
store_settle(void)
{
	struct store_batch	*b;

	if (store_inflight == NULL)
		return;
	pthread_mutex_lock(&store_mu);
	b = store_w_out;
	store_w_out = NULL;
	pthread_mutex_unlock(&store_mu);
	/* settled early, the loop's wake-up finds nothing and commits what queued */
	if (b != NULL)
		store_done(b);
}

static void
store_flush(void)
{
	store_commit_when(1);
}

static void
store_delay_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	store_flush();
}

uint64_t
store_ticket(void)
{
	return (store_cur != NULL ? store_cur->id : 0);
}

void
store_want(uint64_t id)
{
	if (store_cur != NULL && store_cur->id == id) {
		store_cur->wanted = 1;
		loop_kick();
	}
}

int
store_ticket_state(uint64_t id, const char **why)
{
	*why = NULL;
	if (id == 0 || id <= store_committed_id)
		return (0);
	/*
	 * The batch being filled is waited for even while empty: what the
	 * call acknowledges may be written later in the same iteration (a
	 * removal follows the command's end); its commit settles it.
	 */
	if (store_cur != NULL && store_cur->id == id) {
		if (store_why == NULL)
			return (1);
	} else if (store_inflight != NULL && store_inflight->id == id)
		return (1);
	/* neither committed nor on its way: it failed */
	*why = store_why != NULL ? store_why : "the write failed";
	return (-1);
}

int
store_idle(void)
{
	events_flush();
	if (store_inflight != NULL)
		return (0);
	/* in trouble nothing is written: what is queued is dropped anyway */
	return (store_cur == NULL || store_cur->nops == 0 || store_why != NULL);
}

void
store_set_notify(void (*fn)(void), int (*more)(void))
{
	store_notify = fn;
	store_more = more;
}

/* Wait for the batch with the writer and settle it (at exit only). */
static void
store_wait_inflight(void)
{
	struct store_batch	*b;

	if (store_inflight == NULL)
		return;
	pthread_mutex_lock(&store_mu);
	while (store_w_out == NULL)
		pthread_cond_wait(&store_cv, &store_mu);
	b = store_w_out;
	store_w_out = NULL;
	pthread_mutex_unlock(&store_mu);
	store_done(b);
}

void
store_close(void)
{
	if (store_started) {
		store_wait_inflight();
		store_flush();
		store_wait_inflight();
		ev_timer_stop(loop_ev, &store_delay);
		pthread_mutex_lock(&store_mu);
		store_w_quit = 1;
		pthread_cond_broadcast(&store_cv);
		pthread_mutex_unlock(&store_mu);
		pthread_join(store_thread, NULL);
		ev_timer_stop(loop_ev, &store_retry);
		ev_ref(loop_ev);
		ev_async_stop(loop_ev, &store_async);
		store_started = 0;
	}
	if (store_cur != NULL) {
		store_batch_free(store_cur);
		store_cur = NULL;
	}
	store_db_close();
	free(store_why);
	free(store_path);
	store_why = store_path = NULL;
}
