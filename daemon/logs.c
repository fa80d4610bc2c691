/*
 * logs.c — children's stdout and stderr: a pipe per start, read without
 * blocking by an ev_io watcher and appended to log_dir/NAME.log, which is
 * rotated by size (NAME.log.1 ... NAME.log.N).  A file that cannot be
 * rotated or written degrades (truncated, written past its size, or
 * dropped with a marker line) and never stalls the loop.  It also keeps
 * each child's last lines in memory for exit lines and inspect.  proc.c
 * decides which of a child's outputs come here; the server reads the files.
 *
 * With log_timestamps = yes (the default) stdout and stderr come on pipes
 * of their own and every line starts "2026-12-03T13:29:03.123456Z out "
 * (or "err "; "supd " for supd's own markers): the time of the read that
 * brought it, UTC, so `supctl logs` can sort and filter on it.  A line
 * stays open in the file while its writer is mid-line; another stream's
 * line ends it first, and one past LOGS_LINE_CUT is cut, so a record is
 * always one prefixed line.  stderr = log:separate writes NAME.err.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <uthash.h>

#include "logs.h"
#include "loop.h"
#include "tree.h"
#include "util.h"

#define LOGS_DEFAULT_DIR	"/var/log/supd"
#define LOGS_CHUNK		(64 * 1024)
/* A child that writes without pause must not starve the rest of the loop. */
#define LOGS_READS_PER_WAKEUP	4
/* Bound the final drain: a writer that escaped its group may never stop. */
#define LOGS_DRAIN_MAX		16
/* Log files hold the children's output, which may be secret. */
#define LOGS_DIR_MODE		0750
#define LOGS_FILE_MODE		0640
/* Warnings: once a minute for a file that keeps failing, once a second in all. */
#define LOGS_WARN_FILE_MS	60000
#define LOGS_WARN_ANY_MS	1000
/* A rotation that failed and could not truncate is not tried again before. */
#define LOGS_ROTATE_RETRY_MS	60000
/* Names that had a log, kept for `supctl logs` once they left the tree. */
#define LOGS_NAMES_MAX		10000
/* A line longer than this is cut: its rest goes on lines of its own. */
#define LOGS_LINE_CUT		16384
#define LOGS_PREFIX_MAX		40	/* "2026-12-03T13:29:03.123456Z supd " */

struct logs_file;

struct logs_pipe {
	ev_io			 io;
	struct logs_file	*file;		/* where it writes */
	struct logs_file	*track;		/* whose last lines it feeds */
	int			 kind;		/* LOGS_OUT, LOGS_ERR, LOGS_ERR_FILE */
	struct logs_pipe	*peer;		/* the other stream of the same start */
	LIST_ENTRY(logs_pipe)	 entry;
};

/* The hash key of a file: the child, and which of its two files. */
struct logs_key {
	const struct node	*node;
	int			 err;		/* NAME.err (stderr = log:separate) */
};

/* The last lines: a ring of complete lines and the one in progress. */
struct logs_lines {
	char			 v[LOGS_LAST_LINES + 1][LOGS_LINE_MAX + 1];
	int			 cur;		/* the slot of the line in progress */
	size_t			 curlen;
	int			 n;		/* complete lines before it */
};

struct logs_file {
	struct logs_key		 key;		/* the hash key */
	char			 name[NAME_MAX_LEN + 1];
	int			 fd;		/* -1: not open */
	int64_t			 size;
	int			 midline;	/* the file does not end with a newline */
	int64_t			 dropped;	/* bytes lost since the last marker */
	char			 drop_why[128];
	int64_t			 rotate_after;	/* mono ms; 0: rotate by size */
	int64_t			 warned_at;	/* mono ms of the last warning */
	int			 warned;
	struct logs_lines	*lines;		/* NULL until it writes */
	struct logs_pipe	*open_line;	/* whose line the file ends in, or NULL */
	size_t			 open_len;	/* bytes of it so far */
	LIST_HEAD(, logs_pipe)	 pipes;
	UT_hash_handle		 hh;
};

struct logs_name {
	char			 name[NAME_MAX_LEN + 1];
	TAILQ_ENTRY(logs_name)	 entry;
	UT_hash_handle		 hh;
};

static struct logs_file	*logs_files;
static struct logs_name	*logs_names;
static TAILQ_HEAD(, logs_name) logs_names_fifo =
    TAILQ_HEAD_INITIALIZER(logs_names_fifo);
static unsigned int	 logs_nnames;
static char		 logs_buf[LOGS_CHUNK];
/* What a chunk becomes with its prefixes: written when full, and at the end. */
static char		 logs_out[LOGS_CHUNK + 2 * LOGS_PREFIX_MAX];
static int64_t		 logs_warned_any;
static int		 logs_dir_made;	/* log_dir was there or made once */
/* Bumped by every rotation: a full disk looks for backups only after one. */
static uint64_t		 logs_rotations = 1, logs_freed_at;

static const char *
logs_dir(void)
{
	if (loop_conf != NULL && loop_conf->log_dir != NULL)
		return (loop_conf->log_dir);
	return (LOGS_DEFAULT_DIR);
}

static int
logs_backups(void)
{
	return (loop_conf != NULL ? loop_conf->log_backups : 0);
}

/* The log file of a child named name, "log_dir/NAME.log" (malloc'd). */
char *
logs_path(const char *name)
{
	return (xasprintf("%s/%s.log", logs_dir(), name));
}

/*
 * Its stderr with stderr = log:separate, "log_dir/NAME.err": no name's
 * NAME.log nor its backups NAME.log.N can be spelled so.
 */
char *
logs_err_path(const char *name)
{
	return (xasprintf("%s/%s.err", logs_dir(), name));
}

static char *
logs_file_path(const struct logs_file *lf)
{
	return (lf->key.err ? logs_err_path(lf->name) : logs_path(lf->name));
}

/* log_timestamps = yes, the default */
static int
logs_stamped(void)
{
	return (loop_conf == NULL || !loop_conf->log_plain);
}

/*
 * "2026-12-03T13:29:03.123456Z out ": once per read, the date part once
 * per second.  Returns its length.
 */
static size_t
logs_prefix(char *dst, const char *stream)
{
	static time_t	 last = (time_t)-1;
	static char	 date[32];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
		last = ts.tv_sec;
	}
	n = snprintf(dst, LOGS_PREFIX_MAX, "%s.%06ldZ %s ", date,
	    ts.tv_nsec / 1000, stream);
	return (n > 0 && n < LOGS_PREFIX_MAX ? (size_t)n : 0);
}

/* A degraded file's warning: once a minute per file, once a second in all. */
static void __attribute__((format(printf, 2, 3)))
logs_warn(struct logs_file *lf, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[1024];
	int64_t	 now = now_mono_ms();

	if (lf->warned && now - lf->warned_at < LOGS_WARN_FILE_MS)
		return;
	if (logs_warned_any != 0 && now - logs_warned_any < LOGS_WARN_ANY_MS)
		return;
	lf->warned = 1;
	lf->warned_at = logs_warned_any = now;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_warn("log of %s: %s", lf->name, line);
}

/* mkdir -p, the last 0750: 1 if it made log_dir, 0 if it was there. */
static int
logs_mkdirs(const char *dir, char **cause)
{
	char	 path[PATH_MAX], *p;

	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
		*cause = xasprintf("log_dir %s: path too long", dir);
		return (-1);
	}
	if (mkdir(path, LOGS_DIR_MODE) == 0)
		return (1);
	if (errno == EEXIST)
		return (0);
	if (errno != ENOENT)
		goto fail;
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(path, LOGS_DIR_MODE) == -1 && errno != EEXIST)
		goto fail;
	return (1);
fail:
	*cause = xasprintf("mkdir %s: %s", path, strerror(errno));
	return (-1);
}

/* Check log_dir at start: create it 0750, or refuse one others may write. */
int
logs_init(char **cause)
{
	const char	*dir = logs_dir();
	struct stat	 st;
	char		*why;

	if (logs_mkdirs(dir, &why) == -1) {
		*cause = xasprintf("log_dir %s: cannot create it (%s); set "
		    "log_dir in [supd], or --log-dir", dir, why);
		free(why);
		return (-1);
	}
	logs_dir_made = 1;
	if (stat(dir, &st) == -1) {
		*cause = xasprintf("log_dir %s: %s", dir, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		*cause = xasprintf("log_dir %s: not a directory", dir);
		return (-1);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		*cause = xasprintf("log_dir %s: writable by %s (mode %04o), who "
		    "could replace the children's logs; chmod go-w %s, or "
		    "choose another log_dir", dir, st.st_mode & S_IWOTH ?
		    "others" : "its group", (unsigned int)(st.st_mode & 07777),
		    dir);
		return (-1);
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*cause = xasprintf("log_dir %s: owned by uid %u, who could "
		    "replace the children's logs; chown it to uid %u, or choose "
		    "another log_dir", dir, (unsigned int)st.st_uid,
		    (unsigned int)geteuid());
		return (-1);
	}
	return (0);
}

/* Whether the file ends in the middle of a line (a marker starts a new one). */
static int
logs_ends_midline(int fd, int64_t size)
{
	char	c;

	return (size > 0 && pread(fd, &c, 1, size - 1) == 1 && c != '\n');
}

static int
logs_open(struct logs_file *lf, char **cause)
{
	struct stat	 st;
	char		*path;
	int		 fd, made;

	if ((made = logs_mkdirs(logs_dir(), cause)) == -1)
		return (-1);
	if (made && logs_dir_made)
		log_warn("log_dir %s was removed; created it again", logs_dir());
	logs_dir_made = 1;
	path = logs_file_path(lf);
	/* never a symlink (it may point anywhere), nor a FIFO (it blocks) */
	fd = open(path, O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC|O_NOCTTY|
	    O_NOFOLLOW|O_NONBLOCK, LOGS_FILE_MODE);
	if (fd == -1) {
		*cause = errno == ELOOP ?
		    xasprintf("open %s: a symbolic link, not followed (remove "
		    "it)", path) :
		    xasprintf("open %s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf("open %s: not a regular file (remove it)",
		    path);
		close(fd);
		free(path);
		return (-1);
	}
	free(path);
	lf->fd = fd;
	lf->size = (int64_t)st.st_size;
	lf->midline = logs_ends_midline(fd, lf->size);
	return (0);
}

/* Open the file, or open it again if it was removed under us. */
static int
logs_ready(struct logs_file *lf, char **cause)
{
	struct stat	st;

	if (lf->fd != -1 && fstat(lf->fd, &st) == 0 && st.st_nlink == 0) {
		close(lf->fd);
		lf->fd = -1;
		if (logs_open(lf, cause) == -1)
			return (-1);
		log_warn("log of %s was removed; created it again", lf->name);
		return (0);
	}
	if (lf->fd == -1)
		return (logs_open(lf, cause));
	return (0);
}

/* What is lost is counted, said once a minute, and marked in the file later. */
static void
logs_drop(struct logs_file *lf, size_t len, const char *why)
{
	lf->dropped += (int64_t)len;
	snprintf(lf->drop_why, sizeof lf->drop_why, "%s", why);
	logs_warn(lf, "%s: output dropped (%lld bytes so far)", why,
	    (long long)lf->dropped);
}

/* The oldest backup of any log file goes first; 1 if one was removed. */
static int
logs_free_backup(void)
{
	struct logs_file	*lf, *tmp;
	char			*path;
	int			 i, freed;

	if (logs_freed_at == logs_rotations)
		return (0);	/* none left since the last look */
	for (i = logs_backups(); i >= 1; i--) {
		HASH_ITER(hh, logs_files, lf, tmp) {
			path = xasprintf("%s/%s.%s.%d", logs_dir(), lf->name,
			    lf->key.err ? "err" : "log", i);
			freed = unlink(path) == 0;
			if (freed)
				log_warn("disk full: removed %s", path);
			free(path);
			if (freed)
				return (1);
		}
	}
	logs_freed_at = logs_rotations;
	return (0);
}

static void	logs_rotate(struct logs_file *);

/* A write failed for lack of room: make some; 1 if it is worth trying again. */
static int
logs_make_room(struct logs_file *lf, int err)
{
	int64_t	size = lf->size;

	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return (logs_free_backup());
	case EFBIG:
		/* the file may not grow (RLIMIT_FSIZE): start a fresh one */
		if (size == 0)
			return (0);
		logs_rotate(lf);
		return (lf->fd == -1 || lf->size < size);
	default:
		return (0);
	}
}

/* write(2), freeing room once the disk is full; -1 (errno set): dropped. */
static ssize_t
logs_put(struct logs_file *lf, const char *buf, size_t len)
{
	ssize_t	 n;
	char	*cause;
	int	 err;

	for (;;) {
		if (lf->fd == -1 && logs_open(lf, &cause) == -1) {
			free(cause);
			return (-1);
		}
		if ((n = write(lf->fd, buf, len)) > 0) {
			lf->size += n;
			lf->midline = buf[n - 1] != '\n';
			return (n);
		}
		err = n == 0 ? ENOSPC : errno;
		if (err == EINTR)
			continue;
		if (!logs_make_room(lf, err)) {
			errno = err;
			return (-1);
		}
	}
}

/* Say in the file where output was lost, on a line of its own. */
static int
logs_mark(struct logs_file *lf)
{
	char	 mark[256], prefix[LOGS_PREFIX_MAX];
	int	 len;
	ssize_t	 n;

	prefix[0] = '\0';
	if (logs_stamped())
		logs_prefix(prefix, "supd");
	len = snprintf(mark, sizeof mark, "%s%s[supd: %lld bytes dropped: %s]\n",
	    lf->midline ? "\n" : "", prefix, (long long)lf->dropped,
	    lf->drop_why);
	lf->open_line = NULL;
	if (len >= (int)sizeof mark)
		len = sizeof mark - 1;
	if ((n = logs_put(lf, mark, (size_t)len)) == -1)
		return (-1);
	if (n < len) {
		/* cut even the marker: end its line at least */
		(void)logs_put(lf, "\n", 1);
		lf->midline = 0;
	}
	lf->dropped = 0;
	return (0);
}

/*
 * NAME.log -> NAME.log.1 -> ... -> NAME.log.N; the oldest is overwritten.
 * When the file cannot be moved away (append-only or immutable, or a
 * directory in the way), it is truncated instead, or if that fails too,
 * written past log_max_bytes until the next try a minute later.
 */
static void
logs_rotate(struct logs_file *lf)
{
	char	*path, from[PATH_MAX], to[PATH_MAX], stuck[PATH_MAX];
	int	 i, backups = logs_backups(), rc, err, stuck_err = 0;
	int64_t	 size = lf->size;

	path = logs_file_path(lf);
	for (i = backups - 1; i >= 1; i--) {
		snprintf(from, sizeof from, "%s.%d", path, i);
		snprintf(to, sizeof to, "%s.%d", path, i + 1);
		if (rename(from, to) == -1 && errno != ENOENT && !stuck_err) {
			stuck_err = errno;
			snprintf(stuck, sizeof stuck, "%s", from);
		}
	}
	snprintf(to, sizeof to, "%s.1", path);
	rc = backups <= 0 ? unlink(path) : rename(path, to);
	err = errno;
	if (rc == 0 || err == ENOENT) {
		/* an older backup that could not move was overwritten */
		if (stuck_err)
			logs_warn(lf, "rename %s: %s", stuck, strerror(stuck_err));
		close(lf->fd);
		lf->fd = -1;
		lf->rotate_after = 0;
		logs_rotations++;
		free(path);
		return;		/* logs_put opens the new one */
	}
	if (ftruncate(lf->fd, 0) == 0) {
		logs_warn(lf, "cannot rotate %s: %s: truncated it instead",
		    path, strerror(err));
		lf->size = 0;
		lf->midline = 0;
		lf->dropped += size;
		snprintf(lf->drop_why, sizeof lf->drop_why,
		    "older output truncated, rotation failed: %s", strerror(err));
	} else {
		logs_warn(lf, "cannot rotate %s: %s, nor truncate it: %s; "
		    "writing past log_max_bytes", path, strerror(err),
		    strerror(errno));
		lf->rotate_after = now_mono_ms() + LOGS_ROTATE_RETRY_MS;
	}
	free(path);
}

/* log_max_bytes, or 0 (none) while a failed rotation waits for its retry. */
static int64_t
logs_max(struct logs_file *lf)
{
	if (loop_conf == NULL)
		return (0);
	if (lf->rotate_after != 0 && now_mono_ms() < lf->rotate_after)
		return (0);
	return (loop_conf->log_max_bytes);
}

/*
 * How much of buf goes into the current file: all of it if it fits, else up
 * to the last newline that fits, so a rotation does not cut a line in two
 * (unless one line alone is longer than log_max_bytes).  0: rotate first.
 */
static size_t
logs_fit(const struct logs_file *lf, const char *buf, size_t len, int64_t max)
{
	const char	*nl;
	int64_t		 room;

	if (max <= 0 || lf->size + (int64_t)len <= max)
		return (len);
	room = max - lf->size;
	if (room > 0 && (nl = memrchr(buf, '\n', room)) != NULL)
		return (nl - buf + 1);
	if (lf->size == 0)
		return (room);
	return (0);
}

static void
logs_write(struct logs_file *lf, const char *buf, size_t len)
{
	char	*cause;
	ssize_t	 n;
	size_t	 fit;
	int	 rotated = 0;

	if (logs_ready(lf, &cause) == -1) {
		logs_drop(lf, len, cause);
		free(cause);
		return;
	}
	/* every turn writes, or rotates once before it writes */
	while (len > 0) {
		if (lf->fd == -1 && logs_open(lf, &cause) == -1) {
			logs_drop(lf, len, cause);
			free(cause);
			return;
		}
		if (lf->dropped > 0 && logs_mark(lf) == -1) {
			logs_drop(lf, len, strerror(errno));
			return;
		}
		fit = logs_fit(lf, buf, len, logs_max(lf));
		if (fit == 0 && !rotated) {
			logs_rotate(lf);
			rotated = 1;
			continue;
		}
		/* a rotation that left no room: past the limit, never a spin */
		if (fit == 0)
			fit = len;
		if ((n = logs_put(lf, buf, fit)) == -1) {
			logs_drop(lf, len, strerror(errno));
			return;
		}
		buf += n;
		len -= (size_t)n;
		rotated = 0;
	}
}

/* End the line in progress; blank lines tell nothing and are not kept. */
static void
logs_line_end(struct logs_lines *l)
{
	if (l->curlen == 0)
		return;
	l->v[l->cur][l->curlen] = '\0';
	l->cur = (l->cur + 1) % (LOGS_LAST_LINES + 1);
	l->curlen = 0;
	if (l->n < LOGS_LAST_LINES)
		l->n++;
}

/* Keep the child's last lines, bounded, control bytes as '?'. */
static void
logs_track(struct logs_file *lf, const char *buf, size_t len)
{
	struct logs_lines	*l;
	const char		*end = buf + len, *nl;
	unsigned char		 c;
	char			*dst;

	if (lf->lines == NULL)
		lf->lines = xcalloc(1, sizeof *lf->lines);
	l = lf->lines;
	while (buf < end) {
		if ((nl = memchr(buf, '\n', (size_t)(end - buf))) == NULL)
			nl = end;
		dst = l->v[l->cur];
		for (; buf < nl && l->curlen < LOGS_LINE_MAX; buf++) {
			c = (unsigned char)*buf;
			if (c == '\r')
				continue;
			dst[l->curlen++] = (c < 0x20 && c != '\t') || c == 0x7f ?
			    '?' : (char)c;
		}
		buf = nl;
		if (buf < end) {
			logs_line_end(l);
			buf++;
		}
	}
}

/*
 * One read of a pipe into its file, each line prefixed (log_timestamps):
 * the bytes go through logs_out, written whenever it fills, so a chunk of
 * short lines costs a few writes, and no allocation.
 */
static void
logs_emit(struct logs_pipe *p, const char *buf, size_t len)
{
	struct logs_file	*lf = p->file;
	char			 prefix[LOGS_PREFIX_MAX];
	const char		*nl;
	size_t			 plen, o = 0, seg, n;
	int			 cut;

	if (!logs_stamped()) {
		logs_write(lf, buf, len);
		return;
	}
	plen = logs_prefix(prefix, p->kind == LOGS_OUT ? "out" : "err");
	/* another stream's line (or an old file's last) is ended first */
	if (lf->open_line != p && lf->midline) {
		logs_out[o++] = '\n';
		lf->open_line = NULL;
	}
	while (len > 0) {
		if (lf->open_line != p) {
			if (o + plen > sizeof logs_out) {
				logs_write(lf, logs_out, o);
				o = 0;
			}
			memcpy(logs_out + o, prefix, plen);
			o += plen;
			lf->open_line = p;
			lf->open_len = 0;
		}
		nl = memchr(buf, '\n', len);
		seg = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		cut = 0;
		if (seg > LOGS_LINE_CUT - lf->open_len) {
			seg = LOGS_LINE_CUT - lf->open_len;
			cut = 1;
		}
		lf->open_len += seg;
		if (seg > 0 && buf[seg - 1] == '\n')
			lf->open_line = NULL;
		while (seg > 0) {
			if (o == sizeof logs_out) {
				logs_write(lf, logs_out, o);
				o = 0;
			}
			n = sizeof logs_out - o < seg ? sizeof logs_out - o : seg;
			memcpy(logs_out + o, buf, n);
			o += n;
			buf += n;
			len -= n;
			seg -= n;
		}
		if (cut) {
			if (o == sizeof logs_out) {
				logs_write(lf, logs_out, o);
				o = 0;
			}
			logs_out[o++] = '\n';
			lf->open_line = NULL;
		}
	}
	if (o > 0)
		logs_write(lf, logs_out, o);
}

static void
logs_pipe_close(struct logs_pipe *p)
{
	/* the last line of a writer that is gone ends here */
	if (p->file->open_line == p) {
		logs_write(p->file, "\n", 1);
		p->file->open_line = NULL;
	}
	if (p->peer != NULL)
		p->peer->peer = NULL;
	ev_io_stop(loop_ev, &p->io);
	close(p->io.fd);
	LIST_REMOVE(p, entry);
	free(p);
}

/* Read up to max chunks; 1 if the pipe is still open, 0 if it was closed. */
static int
logs_pipe_read(struct logs_pipe *p, int max)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < max; i++) {
		n = read(p->io.fd, logs_buf, sizeof logs_buf);
		if (n > 0) {
			logs_track(p->track, logs_buf, (size_t)n);
			logs_emit(p, logs_buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (1);
		/* EOF: every writer is gone.  An error ends the pipe too. */
		logs_pipe_close(p);
		return (0);
	}
	return (1);
}

static void
logs_pipe_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct logs_pipe	*p = w->data;

	(void)loop;
	(void)revents;
	/*
	 * Which of two pipes was written first is lost; stdout's read first
	 * keeps "usage ..." then "error: ..." of one burst in that order.
	 */
	if (p->kind != LOGS_OUT && p->peer != NULL)
		logs_pipe_read(p->peer, LOGS_READS_PER_WAKEUP);
	logs_pipe_read(p, LOGS_READS_PER_WAKEUP);
}

/* Remember that name had a log; the oldest of too many is forgotten. */
static void
logs_name_add(const char *name)
{
	struct logs_name	*ln;

	HASH_FIND_STR(logs_names, name, ln);
	if (ln != NULL)
		return;
	if (logs_nnames >= LOGS_NAMES_MAX) {
		ln = TAILQ_FIRST(&logs_names_fifo);
		TAILQ_REMOVE(&logs_names_fifo, ln, entry);
		HASH_DEL(logs_names, ln);
		free(ln);
		logs_nnames--;
	}
	ln = xcalloc(1, sizeof *ln);
	snprintf(ln->name, sizeof ln->name, "%s", name);
	HASH_ADD_STR(logs_names, name, ln);
	TAILQ_INSERT_TAIL(&logs_names_fifo, ln, entry);
	logs_nnames++;
}

/* 1 if supd captured output under this name since it started. */
int
logs_known(const char *name)
{
	struct logs_name	*ln;

	HASH_FIND_STR(logs_names, name, ln);
	return (ln != NULL);
}

static struct logs_file *
logs_file_find(const struct node *node, int err)
{
	struct logs_file	*lf;
	struct logs_key		 key;

	memset(&key, 0, sizeof key);
	key.node = node;
	key.err = err;
	HASH_FIND(hh, logs_files, &key, sizeof key, lf);
	return (lf);
}

static struct logs_file *
logs_file_get(struct node *node, int err)
{
	struct logs_file	*lf;

	if ((lf = logs_file_find(node, err)) != NULL)
		return (lf);
	lf = xcalloc(1, sizeof *lf);
	lf->key.node = node;
	lf->key.err = err;
	snprintf(lf->name, sizeof lf->name, "%s", node->name);
	lf->fd = -1;
	LIST_INIT(&lf->pipes);
	HASH_ADD(hh, logs_files, key, sizeof lf->key, lf);
	logs_name_add(lf->name);
	return (lf);
}

/* Watch fd, the read end of a pipe of kind for node. */
static struct logs_pipe *
logs_pipe_add(struct node *node, int fd, int kind)
{
	struct logs_file	*lf;
	struct logs_pipe	*p;

	lf = logs_file_get(node, kind == LOGS_ERR_FILE);
	p = xcalloc(1, sizeof *p);
	p->file = lf;
	p->track = kind == LOGS_ERR_FILE ? logs_file_get(node, 0) : lf;
	p->kind = kind;
	ev_io_init(&p->io, logs_pipe_cb, fd, EV_READ);
	p->io.data = p;
	ev_io_start(loop_ev, &p->io);
	LIST_INSERT_HEAD(&lf->pipes, p, entry);
	return (p);
}

static int
logs_pipe_make(struct node *node, int kind, int *write_fd,
    struct logs_pipe **pp, char **cause)
{
	int	fds[2];

	if (logs_ready(logs_file_get(node, kind == LOGS_ERR_FILE), cause) == -1)
		return (-1);
	if (pipe2(fds, O_CLOEXEC) == -1) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return (-1);
	}
	/* Only supd's end is non-blocking: the child's stdout stays blocking. */
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1) {
		*cause = xasprintf("fcntl: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return (-1);
	}
	*pp = logs_pipe_add(node, fds[0], kind);
	*write_fd = fds[1];
	return (0);
}

/*
 * The pipes of one start: out, its stdout is logged; err, its stderr is
 * (OUTPUT_LOG or OUTPUT_LOG_SEPARATE).  One pipe for both unless they must
 * be told apart (timestamps, or a file of its own for stderr).
 */
int
logs_pipes(struct node *node, int out, int err, int fd[2], char **cause)
{
	struct logs_pipe	*po = NULL, *pe = NULL;
	int			 kind;

	fd[0] = fd[1] = -1;
	if (out && logs_pipe_make(node, LOGS_OUT, &fd[0], &po, cause) == -1)
		return (-1);
	if (err == OUTPUT_LOG && out && !logs_stamped()) {
		fd[1] = fd[0];
		return (0);
	}
	if (err == OUTPUT_LOG || err == OUTPUT_LOG_SEPARATE) {
		kind = err == OUTPUT_LOG_SEPARATE ? LOGS_ERR_FILE :
		    logs_stamped() ? LOGS_ERR : LOGS_OUT;
		if (logs_pipe_make(node, kind, &fd[1], &pe, cause) == -1) {
			if (fd[0] != -1)
				close(fd[0]);
			fd[0] = -1;
			return (-1);
		}
	}
	if (po != NULL && pe != NULL) {
		po->peer = pe;
		pe->peer = po;
	}
	return (0);
}

/* The read ends of node's pipes and their kinds, for a reexec; how many. */
int
logs_pipe_fds(const struct node *node, int *fds, int *kinds, int max)
{
	struct logs_file	*lf;
	struct logs_pipe	*p;
	int			 n = 0, err;

	for (err = 0; err <= 1; err++) {
		if ((lf = logs_file_find(node, err)) == NULL)
			continue;
		LIST_FOREACH(p, &lf->pipes, entry)
			if (n < max) {
				kinds[n] = p->kind;
				fds[n++] = p->io.fd;
			}
	}
	return (n);
}

/* A pipe the last image read: the same file, opened again, takes what comes. */
int
logs_adopt(struct node *node, int fd, int kind, char **cause)
{
	if (kind != LOGS_ERR && kind != LOGS_ERR_FILE)
		kind = LOGS_OUT;
	if (logs_ready(logs_file_get(node, kind == LOGS_ERR_FILE), cause) == -1)
		return (-1);
	logs_pipe_add(node, fd, kind);
	return (0);
}

/* Read what node's pipes hold now, so its last lines are up to date. */
void
logs_drain(struct node *node)
{
	struct logs_file	*lf;
	struct logs_pipe	*p, *next;

	int			 err, pass;

	/* stdout's first, as logs_pipe_cb reads them */
	for (pass = 0; pass <= 1; pass++)
		for (err = 0; err <= 1; err++) {
			if ((lf = logs_file_find(node, err)) == NULL)
				continue;
			for (p = LIST_FIRST(&lf->pipes); p != NULL; p = next) {
				next = LIST_NEXT(p, entry);
				if ((p->kind == LOGS_OUT) == (pass == 0))
					logs_pipe_read(p, LOGS_DRAIN_MAX);
			}
		}
}

/* node's last lines, oldest first, the one in progress last; how many. */
int
logs_last_lines(const struct node *node, const char **lines, int max)
{
	struct logs_file	*lf;
	struct logs_lines	*l;
	int			 have, i, slot, skip;

	if ((lf = logs_file_find(node, 0)) == NULL || (l = lf->lines) == NULL)
		return (0);
	/* the line in progress is shown as it is so far */
	l->v[l->cur][l->curlen] = '\0';
	have = l->n + (l->curlen > 0);
	skip = have > max ? have - max : 0;
	for (i = skip; i < have; i++) {
		slot = (l->cur - l->n + i + LOGS_LAST_LINES + 1) %
		    (LOGS_LAST_LINES + 1);
		lines[i - skip] = l->v[slot];
	}
	return (have - skip);
}

static void
logs_file_free(struct logs_file *lf)
{
	struct logs_pipe	*p;

	while ((p = LIST_FIRST(&lf->pipes)) != NULL) {
		if (logs_pipe_read(p, LOGS_DRAIN_MAX))
			logs_pipe_close(p);
	}
	if (lf->fd != -1)
		close(lf->fd);
	HASH_DEL(logs_files, lf);
	free(lf->lines);
	free(lf);
}

/* Drain and close node's pipes and its file (the node leaves the tree). */
void
logs_forget(struct node *node)
{
	struct logs_file	*lf;
	int			 err;

	/* NAME.err's pipes feed NAME.log's last lines: it goes first */
	for (err = 1; err >= 0; err--)
		if ((lf = logs_file_find(node, err)) != NULL)
			logs_file_free(lf);
}

/*
 * A task's result is gone: its log files go too, unless the name is in
 * use again (a child of the tree has it, or its file is still open).
 */
void
logs_remove(const char *name)
{
	struct logs_name	*ln;
	struct logs_file	*lf, *tmp;
	char			*path, *p;
	int			 i, err;

	HASH_ITER(hh, logs_files, lf, tmp)
		if (strcmp(lf->name, name) == 0)
			return;
	for (err = 0; err <= 1; err++) {
		path = err ? logs_err_path(name) : logs_path(name);
		(void)unlink(path);
		for (i = 1; i <= logs_backups(); i++) {
			p = xasprintf("%s.%d", path, i);
			(void)unlink(p);
			free(p);
		}
		free(path);
	}
	HASH_FIND_STR(logs_names, name, ln);
	if (ln != NULL) {
		TAILQ_REMOVE(&logs_names_fifo, ln, entry);
		HASH_DEL(logs_names, ln);
		free(ln);
		logs_nnames--;
	}
}

/* Drain every pipe and close every file (supd exits). */
void
logs_close_all(void)
{
	struct logs_file	*lf, *tmp;
	struct logs_name	*ln;

	/* NAME.err's pipes feed NAME.log's last lines: those files go first */
	HASH_ITER(hh, logs_files, lf, tmp)
		if (lf->key.err)
			logs_file_free(lf);
	HASH_ITER(hh, logs_files, lf, tmp)
		logs_file_free(lf);
	while ((ln = TAILQ_FIRST(&logs_names_fifo)) != NULL) {
		TAILQ_REMOVE(&logs_names_fifo, ln, entry);
		HASH_DEL(logs_names, ln);
		free(ln);
	}
	logs_nnames = 0;
}
