/*
 * method-logs.c — Logs: the last lines of a child's captured output, read
 * from the end of its file (never the whole file), then with follow what
 * is appended, polled every 200 ms; a rotation (new inode, or a file that
 * shrank) is followed to the new file.  Only for names supd knows (in the
 * tree, or with output captured since it started), never a symlink, and for
 * read-only peers only with read_logs = yes.  logs.c writes the files.
 * With until_exit the stream ends once no child has the name (a task that
 * finished) and its file is read to the end: `supctl run --wait` shows a
 * task's output so.  stderr reads NAME.err (stderr = log:separate).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "logs.h"
#include "loop.h"
#include "method.h"
#include "proto.h"
#include "util.h"

#define LOGS_DEFAULT_LINES	10
#define LOGS_MAX_LINES		100000
#define LOGS_TAIL_MAX		(4 * 1024 * 1024)	/* bytes read for a tail, at most */
#define LOGS_CHUNK		65536
#define LOGS_POLL		0.2		/* seconds between looks at a followed file */

static int	method_logs(struct call *);

static const char *const method_logs_params[] = {
	"name", "lines", "follow", "stderr", "until_exit", NULL
};

struct method method_logs_entry = {
	.name = PROTO_METHOD("Logs"),
	.flags = M_READ | M_MORE,
	.params = method_logs_params,
	.call = method_logs,
};

struct method_logs {
	struct call	*call;
	char		*path;
	int		 fd;		/* -1: not open (no file yet) */
	ino_t		 ino;
	off_t		 off;		/* read up to here */
	char		*partial;	/* a line without its newline yet */
	size_t		 npartial;
	int		 until_exit;
	char		 name[NAME_MAX_LEN + 1];
	ev_timer	 timer;
};

static void	method_logs_cancel(struct call *);

/*
 * until_exit: the child is gone; once the file is read to its end and the
 * last line without a newline is sent, the stream ends.  1 if it ended.
 */
static int
method_logs_end(struct method_logs *ml)
{
	struct call	*c = ml->call;
	json_t		*a;

	if (!ml->until_exit || tree_find(ml->name) != NULL)
		return (0);
	if (ml->fd != -1) {
		struct stat	st;

		if (fstat(ml->fd, &st) == 0 && st.st_size > ml->off)
			return (0);	/* more to read: next time */
	}
	a = json_array();
	if (ml->npartial > 0)
		json_array_append_new(a, call_string(ml->partial, ml->npartial));
	method_logs_cancel(c);
	c->cancel = NULL;
	call_ok(c, json_pack("{s:o}", "lines", a));
	call_done(c);
	return (1);
}

/* Append the lines of buf[0, len) to a; the last one may lack its newline. */
static void
method_logs_split(json_t *a, const char *buf, size_t len)
{
	const char	*p = buf, *nl, *end = buf + len;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		json_array_append_new(a, call_string(p, (size_t)(nl - p)));
		p = nl + 1;
	}
}

/* The last n lines of fd (size bytes): read backwards, a chunk at a time. */
static json_t *
method_logs_tail(int fd, off_t size, json_int_t n)
{
	json_t	*a = json_array();
	char	*buf = NULL, *start;
	size_t	 have = 0, cap = 0, chunk;
	off_t	 pos = size;
	ssize_t	 r;
	json_int_t count = 0;
	size_t	 i;

	if (n == 0 || size == 0)
		return (a);
	/* buf holds the file's bytes [pos, size) */
	while (pos > 0 && have < LOGS_TAIL_MAX) {
		chunk = pos > LOGS_CHUNK ? LOGS_CHUNK : (size_t)pos;
		if (have + chunk > cap) {
			cap = have + chunk;
			buf = xrealloc(buf, cap);
		}
		memmove(buf + chunk, buf, have);
		pos -= (off_t)chunk;
		if ((r = pread(fd, buf, chunk, pos)) != (ssize_t)chunk)
			break;
		have += chunk;
		count = 0;
		for (i = 0; i < have; i++)
			if (buf[i] == '\n')
				count++;
		/* a newline at the very end closes the last line, it starts none */
		if (count - (buf[have - 1] == '\n') >= n)
			break;
	}
	if (have == 0) {
		free(buf);
		return (a);
	}
	/* keep the last n lines: skip forward past the surplus newlines */
	if (buf[have - 1] == '\n')
		have--;
	start = buf + have;
	for (count = 0; start > buf; start--) {
		if (start[-1] == '\n' && ++count == n)
			break;
	}
	method_logs_split(a, start, (size_t)(buf + have - start));
	free(buf);
	return (a);
}

/* 1 if the caller may read children's output: admins; readers with read_logs. */
int
method_logs_readable(const struct call *c)
{
	return (c->role == ROLE_ADMIN || (c->role == ROLE_READ &&
	    loop_conf != NULL && loop_conf->read_logs));
}

/* A log file to read: a regular file, never through a symlink; -1 if none. */
static int
method_logs_open_file(const char *path, struct stat *st)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOFOLLOW)) == -1)
		return (-1);
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Open the file at path (if there is one) and remember which it is. */
static void
method_logs_open(struct method_logs *ml, int at_end)
{
	struct stat	st;

	if ((ml->fd = method_logs_open_file(ml->path, &st)) == -1)
		return;
	ml->ino = st.st_ino;
	ml->off = at_end ? st.st_size : 0;
}

/* Read what was appended since the last look; send the complete lines. */
static int
method_logs_pump(struct method_logs *ml)
{
	char	 buf[LOGS_CHUNK];
	json_t	*a;
	ssize_t	 r;
	char	*nl;
	size_t	 take;

	if (ml->fd == -1)
		return (0);
	a = json_array();
	while (call_stream_room(ml->call) &&
	    (r = pread(ml->fd, buf, sizeof buf, ml->off)) > 0) {
		ml->off += r;
		ml->partial = xrealloc(ml->partial, ml->npartial + (size_t)r);
		memcpy(ml->partial + ml->npartial, buf, (size_t)r);
		ml->npartial += (size_t)r;
		if ((nl = memrchr(ml->partial, '\n', ml->npartial)) != NULL)
			take = (size_t)(nl - ml->partial) + 1;
		else if (ml->npartial >= LOGS_CHUNK)
			take = ml->npartial;	/* an endless line goes out in pieces */
		else
			continue;
		method_logs_split(a, ml->partial, take - (ml->partial[take - 1] == '\n'));
		memmove(ml->partial, ml->partial + take, ml->npartial - take);
		ml->npartial -= take;
		if (json_array_size(a) >= 1000)
			break;
	}
	if (json_array_size(a) == 0) {
		json_decref(a);
		return (0);
	}
	if (call_stream(ml->call, json_pack("{s:o}", "lines", a)) == -1)
		return (-1);
	return (1);
}

/* Pump until the file is read to its end (or the reader is full). */
static int
method_logs_pump_all(struct method_logs *ml)
{
	int	rc;

	while ((rc = method_logs_pump(ml)) == 1 && call_stream_room(ml->call))
		;
	return (rc);
}

/*
 * The file followed was rotated more than once since the last look: it is
 * NAME.log.K now, and NAME.log.K-1 ... NAME.log.1 came after it.  Read
 * those, oldest first, before the current one.
 */
static int
method_logs_between(struct method_logs *ml)
{
	struct stat	 st;
	char		*p;
	int		 k, j, n = loop_conf != NULL ? loop_conf->log_backups : 0;

	for (k = 1; k <= n; k++) {
		p = xasprintf("%s.%d", ml->path, k);
		j = lstat(p, &st);
		free(p);
		if (j == 0 && st.st_ino == ml->ino)
			break;
	}
	for (j = k - 1; k <= n && j >= 1; j--) {
		p = xasprintf("%s.%d", ml->path, j);
		ml->fd = method_logs_open_file(p, &st);
		free(p);
		if (ml->fd == -1)
			continue;
		ml->off = 0;
		ml->npartial = 0;
		if (method_logs_pump_all(ml) == -1)
			return (-1);
		close(ml->fd);
		ml->fd = -1;
	}
	return (0);
}

static void
method_logs_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct method_logs	*ml = w->data;
	struct stat		 st;

	(void)l;
	(void)revents;
	if (method_logs_pump(ml) == -1)
		return;		/* cut off: server.c cancels the call */
	if (lstat(ml->path, &st) == -1) {
		method_logs_end(ml);
		return;
	}
	if (ml->fd == -1 || st.st_ino != ml->ino) {
		/* rotated (or created): the old file was drained above */
		if (ml->fd != -1) {
			method_logs_pump_all(ml);
			close(ml->fd);
			ml->fd = -1;
			if (method_logs_between(ml) == -1)
				return;
		}
		ml->npartial = 0;
		method_logs_open(ml, 0);
		method_logs_pump(ml);
	} else if (st.st_size < ml->off) {
		ml->off = 0;	/* truncated in place */
		ml->npartial = 0;
		method_logs_pump(ml);
	}
	method_logs_end(ml);
}

static void
method_logs_cancel(struct call *c)
{
	struct method_logs	*ml = c->data;

	ev_timer_stop(loop_ev, &ml->timer);
	if (ml->fd != -1)
		close(ml->fd);
	free(ml->partial);
	free(ml->path);
	free(ml);
	c->data = NULL;
}

static int
method_logs(struct call *c)
{
	struct method_logs	*ml;
	const char		*name;
	json_int_t		 lines = LOGS_DEFAULT_LINES;
	struct stat		 st;
	json_t			*tail;
	char			*path;
	int			 follow = 0, fd, err = 0, until_exit = 0;

	/* output may hold secrets: readers see it only with read_logs = yes */
	if (!method_logs_readable(c))
		return (call_fail(c, SUPD_PERMISSION_DENIED, "{s:s}", "method",
		    c->method->name));
	if (call_str(c, "name", 1, &name) == -1 ||
	    call_int(c, "lines", 0, &lines) == -1 ||
	    call_bool(c, "follow", &follow) == -1 ||
	    call_bool(c, "stderr", &err) == -1 ||
	    call_bool(c, "until_exit", &until_exit) == -1)
		return (CALL_DONE);
	if (lines < 0)
		return (call_invalid(c, "lines"));
	if (lines > LOGS_MAX_LINES)
		lines = LOGS_MAX_LINES;
	if (follow && !c->more)
		return (call_fail(c, VL_EXPECTED_MORE, "{}"));
	/* a name supd never had is no reason to look at the disk */
	if (tree_find(name) == NULL && !logs_known(name))
		return (call_fail(c, SUPD_NOT_FOUND, "{s:s}", "name", name));
	path = err ? logs_err_path(name) : logs_path(name);
	fd = method_logs_open_file(path, &st);
	tail = fd != -1 ? method_logs_tail(fd, st.st_size, lines) : json_array();
	if (!follow) {
		if (fd != -1)
			close(fd);
		free(path);
		return (call_ok(c, json_pack("{s:o}", "lines", tail)));
	}
	ml = xcalloc(1, sizeof *ml);
	ml->call = c;
	ml->path = path;
	ml->fd = fd;
	ml->until_exit = until_exit;
	snprintf(ml->name, sizeof ml->name, "%s", name);
	if (fd != -1) {
		ml->ino = st.st_ino;
		ml->off = st.st_size;
	}
	c->data = ml;
	c->endless = 1;
	c->cancel = method_logs_cancel;
	call_stream(c, json_pack("{s:o}", "lines", tail));
	ev_timer_init(&ml->timer, method_logs_timer_cb, LOGS_POLL, LOGS_POLL);
	ml->timer.data = ml;
	ev_timer_start(loop_ev, &ml->timer);
	return (CALL_WAIT);
}
