/*
 * logs.c — children's stdout and stderr: a pipe per start, read without
 * blocking by an ev_io watcher and appended to log_dir/NAME.log, which is
 * rotated by size (NAME.log.1 ... NAME.log.N).  proc.c decides which of a
 * child's outputs come here; the server only reads the files.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct logs_file;

struct logs_pipe {
	ev_io			 io;
	struct logs_file	*file;
	LIST_ENTRY(logs_pipe)	 entry;
};

struct logs_file {
	const struct node	*node;		/* the hash key */
	char			 name[NAME_MAX_LEN + 1];
	int			 fd;		/* -1: not open */
	int64_t			 size;
	int			 failing;	/* a write failed; warned once */
	LIST_HEAD(, logs_pipe)	 pipes;
	UT_hash_handle		 hh;
};

static struct logs_file	*logs_files;
static char		 logs_buf[LOGS_CHUNK];

static const char *
logs_dir(void)
{
	if (loop_conf != NULL && loop_conf->log_dir != NULL)
		return (loop_conf->log_dir);
	return (LOGS_DEFAULT_DIR);
}

/* The log file of a child named name, "log_dir/NAME.log" (malloc'd). */
char *
logs_path(const char *name)
{
	return (xasprintf("%s/%s.log", logs_dir(), name));
}

/* mkdir -p: log_dir may be fresh (a first run, a tmpfs /var/log). */
static int
logs_mkdirs(const char *dir, char **cause)
{
	char	 path[PATH_MAX], *p;

	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
		*cause = xasprintf("log_dir %s: path too long", dir);
		return (-1);
	}
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		goto fail;
	return (0);
fail:
	*cause = xasprintf("mkdir %s: %s", path, strerror(errno));
	return (-1);
}

static int
logs_open(struct logs_file *lf, char **cause)
{
	struct stat	 st;
	char		*path;

	if (logs_mkdirs(logs_dir(), cause) == -1)
		return (-1);
	path = logs_path(lf->name);
	lf->fd = open(path, O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC|O_NOCTTY,
	    0644);
	if (lf->fd == -1) {
		*cause = xasprintf("open %s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	free(path);
	lf->size = fstat(lf->fd, &st) == 0 ? (int64_t)st.st_size : 0;
	return (0);
}

/* NAME.log -> NAME.log.1 -> ... -> NAME.log.N; the oldest is overwritten. */
static void
logs_rotate(struct logs_file *lf)
{
	char	*path, from[PATH_MAX], to[PATH_MAX];
	int	 i, backups;

	backups = loop_conf != NULL ? loop_conf->log_backups : 0;
	path = logs_path(lf->name);
	close(lf->fd);
	lf->fd = -1;
	if (backups <= 0)
		unlink(path);
	else {
		for (i = backups - 1; i >= 1; i--) {
			snprintf(from, sizeof from, "%s.%d", path, i);
			snprintf(to, sizeof to, "%s.%d", path, i + 1);
			if (rename(from, to) == -1 && errno != ENOENT)
				log_warn("rename %s: %s", from, strerror(errno));
		}
		snprintf(to, sizeof to, "%s.1", path);
		if (rename(path, to) == -1 && errno != ENOENT)
			log_warn("rename %s: %s", path, strerror(errno));
	}
	free(path);
	/* logs_write reopens it. */
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
	int64_t	 max;

	max = loop_conf != NULL ? loop_conf->log_max_bytes : 0;
	while (len > 0) {
		if (lf->fd == -1 && logs_open(lf, &cause) == -1) {
			if (!lf->failing)
				log_warn("%s: output dropped", cause);
			lf->failing = 1;
			free(cause);
			return;
		}
		if ((fit = logs_fit(lf, buf, len, max)) == 0) {
			logs_rotate(lf);
			continue;
		}
		if ((n = write(lf->fd, buf, fit)) == -1) {
			if (errno == EINTR)
				continue;
			if (!lf->failing)
				log_warn("log of %s: %s: output dropped", lf->name,
				    strerror(errno));
			lf->failing = 1;
			return;
		}
		buf += n;
		len -= n;
		lf->size += n;
		lf->failing = 0;
	}
}

static void
logs_pipe_close(struct logs_pipe *p)
{
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
			logs_write(p->file, logs_buf, n);
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
	(void)loop;
	(void)revents;
	logs_pipe_read(w->data, LOGS_READS_PER_WAKEUP);
}

static struct logs_file *
logs_file_get(struct node *node)
{
	struct logs_file	*lf;

	HASH_FIND_PTR(logs_files, &node, lf);
	if (lf != NULL)
		return (lf);
	lf = xcalloc(1, sizeof *lf);
	lf->node = node;
	snprintf(lf->name, sizeof lf->name, "%s", node->name);
	lf->fd = -1;
	LIST_INIT(&lf->pipes);
	HASH_ADD_PTR(logs_files, node, lf);
	return (lf);
}

/*
 * Open (or reuse) node's log file and make a pipe into it for one start.
 * The write end is close-on-exec; the caller closes it after the spawn.
 */
int
logs_pipe(struct node *node, int *write_fd, char **cause)
{
	struct logs_file	*lf;
	struct logs_pipe	*p;
	int			 fds[2];

	lf = logs_file_get(node);
	if (lf->fd == -1 && logs_open(lf, cause) == -1)
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
	p = xcalloc(1, sizeof *p);
	p->file = lf;
	ev_io_init(&p->io, logs_pipe_cb, fds[0], EV_READ);
	p->io.data = p;
	ev_io_start(loop_ev, &p->io);
	LIST_INSERT_HEAD(&lf->pipes, p, entry);
	*write_fd = fds[1];
	return (0);
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
	free(lf);
}

/* Drain and close node's pipes and its file (the node leaves the tree). */
void
logs_forget(struct node *node)
{
	struct logs_file	*lf;

	HASH_FIND_PTR(logs_files, &node, lf);
	if (lf != NULL)
		logs_file_free(lf);
}

/* Drain every pipe and close every file (supd exits). */
void
logs_close_all(void)
{
	struct logs_file	*lf, *tmp;

	HASH_ITER(hh, logs_files, lf, tmp)
		logs_file_free(lf);
}
