/*
 * cmd-logs.c — `supctl logs NAME|@GROUP... [-n N] [-f] [--since AGO]`: the
 * last lines of a child's captured output, then with -f what it writes
 * next, as supd streams it.  Several children (or a group's members) are
 * merged by the lines' timestamps, each line prefixed with its child's
 * name; with -f, one connection per child (a follow holds its connection).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "supctl.h"
#include "varlink.h"

#define LOGS_WINDOW	32	/* calls sent ahead of their replies */
#define LOGS_SINCE_LINES 100000	/* --since without -n: as many as supd gives */

static int	cmd_logs_exec(const struct cmd_entry *, struct args *);

static const struct cmd_option cmd_logs_options[] = {
	{ "lines", 'n', 1 },
	{ "follow", 'f', 0 },
	{ "since", 's', 1 },
	{ "timestamps", 't', 0 },
	{ "stderr", 'e', 0 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.usage = "logs NAME|@GROUP... [-n N] [-f] [-s AGO] [-t] [-e]",
	.summary = "a child's captured output",
	.help =
	    "Print the last lines of NAME's captured stdout and stderr (as "
	    "many as supd's\n"
	    "default unless -n), stderr's in red on a terminal.  Several NAMEs "
	    "or @GROUP\n"
	    "(its members) are merged by time, each line as \"NAME | ...\".  "
	    "With --json, each\n"
	    "reply's {\"lines\": [...]} on a line, the lines as stored, with "
	    "\"name\" for several.\n"
	    "Read-only peers may read logs only with [supd] read_logs = yes.\n"
	    "\n"
	    "  -n, --lines N     the last N lines\n"
	    "  -f, --follow      then print what NAME writes, until "
	    "interrupted; a rotated\n"
	    "                    file is followed to the new one\n"
	    "  -s, --since AGO   only lines of the last AGO: 90s, 10m, 2h, 1d, "
	    "1h30m (all of\n"
	    "                    them within supd's bound unless -n)\n"
	    "  -t, --timestamps  each line as stored: "
	    "\"2026-12-03T13:29:03.123456Z out TEXT\"\n"
	    "                    (UTC; out, err, or supd for supd's own notes)\n"
	    "  -e, --stderr      the NAME.err file of stderr = log:separate\n",
	.options = cmd_logs_options,
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_logs_exec,
};

struct cmd_logs {
	json_t		*params;	/* for each child, "name" added */
	int64_t		 since_us;	/* 0: no --since */
	int		 stamps;
	int		 follow;
};

/* One line of several children's, for the merge. */
struct cmd_logs_line {
	const char	*who;
	char		*line;
	int64_t		 us;
	size_t		 seq;
};

struct cmd_logs_merge {
	struct cmd_logs_line	*v;
	size_t			 n, cap;
	int64_t			 last_us;	/* of the child's previous line */
};

/* A line's time: its own, else the previous line's of the same child. */
static int64_t
cmd_logs_time(const char *line, int64_t *last)
{
	struct logline	ll;

	if (logline_parse(line, &ll) == 0)
		*last = ll.us;
	return (*last);
}

static void
cmd_logs_add(struct cmd_logs_merge *m, const char *who, const char *line)
{
	void	*p;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		if ((p = reallocarray(m->v, m->cap, sizeof *m->v)) == NULL) {
			perror("supctl");
			exit(EXIT_FAILED);
		}
		m->v = p;
	}
	m->v[m->n].who = who;
	if ((m->v[m->n].line = strdup(line)) == NULL) {
		perror("supctl");
		exit(EXIT_FAILED);
	}
	m->v[m->n].us = cmd_logs_time(line, &m->last_us);
	m->v[m->n].seq = m->n;
	m->n++;
}

static int
cmd_logs_cmp(const void *a, const void *b)
{
	const struct cmd_logs_line	*x = a, *y = b;

	if (x->us != y->us)
		return (x->us < y->us ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Sort by time (a child's own order kept), print, empty. */
static void
cmd_logs_flush(struct cmd_logs_merge *m, const struct cmd_logs *cl)
{
	size_t	i;

	qsort(m->v, m->n, sizeof *m->v, cmd_logs_cmp);
	for (i = 0; i < m->n; i++) {
		if (cl->since_us == 0 || m->v[i].us >= cl->since_us)
			logline_print(stdout, m->v[i].who, m->v[i].line,
			    cl->stamps);
		free(m->v[i].line);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
	fflush(stdout);
}

/* One reply's lines: printed, or with who kept for the merge. */
static void
cmd_logs_reply(const struct cmd_logs *cl, const char *who, const json_t *reply,
    struct cmd_logs_merge *m)
{
	json_t		*line, *o;
	const char	*s;
	int64_t		 last = 0;
	size_t		 i;

	if (supctl_json) {
		if (who == NULL) {
			output_json(reply);
			return;
		}
		o = json_deep_copy(reply);
		json_object_set_new(o, "name", json_string(who));
		output_json(o);
		json_decref(o);
		return;
	}
	if (m != NULL) {
		m->last_us = 0;
		json_array_foreach(json_object_get(reply, "lines"), i, line)
			if ((s = json_string_value(line)) != NULL)
				cmd_logs_add(m, who, s);
		return;
	}
	json_array_foreach(json_object_get(reply, "lines"), i, line) {
		if ((s = json_string_value(line)) == NULL)
			continue;
		if (cl->since_us != 0 && cmd_logs_time(s, &last) < cl->since_us)
			continue;
		logline_print(stdout, who, s, cl->stamps);
	}
	fflush(stdout);
}

static json_t *
cmd_logs_params(const struct cmd_logs *cl, const char *name)
{
	json_t	*p = json_deep_copy(cl->params);

	json_object_set_new(p, "name", json_string(name));
	return (p);
}

/* One child: one call on supctl's connection, as it always was. */
static int
cmd_logs_one(const struct cmd_logs *cl, const char *name)
{
	json_t	*reply;
	int	 more;

	if (cl->follow)
		client_timeout(0);
	client_send(PROTO_METHOD("Logs"), cmd_logs_params(cl, name),
	    cl->follow ? VARLINK_MORE : 0);
	do {
		if (client_recv(&reply, &more) != 0)
			return (EXIT_FAILED);
		cmd_logs_reply(cl, NULL, reply, NULL);
		/* --since filters the tail, not what comes after */
	} while (more);
	return (EXIT_OK);
}

/* Several without -f: the calls pipelined, the lines merged by time. */
static int
cmd_logs_many(const struct cmd_logs *cl, const struct targets *t)
{
	struct cmd_logs_merge	 m = { 0 };
	json_t			*reply;
	char			 ctx[256];
	int			 sent = 0, got, rc = EXIT_OK;

	for (got = 0; got < t->n; got++) {
		for (; sent < t->n && sent - got < LOGS_WINDOW; sent++)
			client_send(PROTO_METHOD("Logs"),
			    cmd_logs_params(cl, t->names[sent]), 0);
		snprintf(ctx, sizeof ctx, "logs %s", t->names[got]);
		client_context(ctx);
		if (client_recv(&reply, NULL) != 0) {
			rc = EXIT_FAILED;
			continue;
		}
		cmd_logs_reply(cl, t->names[got], reply,
		    supctl_json ? NULL : &m);
	}
	cmd_logs_flush(&m, cl);
	return (rc);
}

/* A follow of one child on a connection of its own. */
struct cmd_logs_conn {
	const char		*name;
	int			 fd;
	struct varlink_rbuf	 rbuf;
	struct varlink_wbuf	 wbuf;
	int			 first;		/* its first reply: the tail */
};

/*
 * The next reply on conn, if one is there: 1 and reply (to clear), 0 if
 * none yet, -1 if the connection ended (an error reply printed).
 */
static int
cmd_logs_conn_next(struct cmd_logs_conn *lc, struct varlink_reply *reply)
{
	const char	*why;
	char		*msg, *text;
	size_t		 len;

	switch (varlink_next(&lc->rbuf, &msg, &len)) {
	case VARLINK_NONE:
		return (0);
	case VARLINK_TOO_LARGE:
		client_fatal("%s: a reply passed its bound",
		    supctl_socket_path());
	}
	if (varlink_reply_parse(msg, len, reply, &why) == -1)
		client_fatal("%s: bad reply from supd: %s",
		    supctl_socket_path(), why);
	if (reply->error != NULL) {
		text = proto_error_text(reply->error, reply->params);
		fflush(stdout);
		fprintf(stderr, "supctl: logs %s: %s\n", lc->name,
		    text != NULL ? text : reply->error);
		free(text);
		varlink_reply_clear(reply);
		return (-1);
	}
	return (1);
}

/* Read until conn has a reply; -1 if it ended. */
static int
cmd_logs_conn_wait(struct cmd_logs_conn *lc, struct varlink_reply *reply)
{
	ssize_t	n;
	int	rc;

	for (;;) {
		if ((rc = cmd_logs_conn_next(lc, reply)) != 0)
			return (rc);
		if ((n = varlink_read(&lc->rbuf, lc->fd)) <= 0) {
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			return (-1);
		}
	}
}

/* Several with -f: the tails merged, then each child's lines as they come. */
static int
cmd_logs_follow_many(const struct cmd_logs *cl, const struct targets *t)
{
	struct cmd_logs_merge	 m = { 0 };
	struct cmd_logs_conn	*lc;
	struct varlink_reply	 reply;
	struct pollfd		*pfd;
	int			 i, live = 0, rc = EXIT_OK, got, more;
	ssize_t			 n;

	client_close();
	lc = calloc(t->n, sizeof *lc);
	pfd = calloc(t->n, sizeof *pfd);
	if (lc == NULL || pfd == NULL) {
		perror("supctl");
		exit(EXIT_FAILED);
	}
	memset(&reply, 0, sizeof reply);
	for (i = 0; i < t->n; i++) {
		lc[i].name = t->names[i];
		if ((lc[i].fd = varlink_connect(supctl_socket_path(),
		    supctl_timeout())) == -1)
			client_fatal("cannot connect to %s: %s",
			    supctl_socket_path(), strerror(errno));
		varlink_rbuf_init(&lc[i].rbuf, 256 * 1024 * 1024);
		varlink_wbuf_init(&lc[i].wbuf);
		if (varlink_wbuf_call(&lc[i].wbuf, PROTO_METHOD("Logs"),
		    cmd_logs_params(cl, t->names[i]), VARLINK_MORE) == -1 ||
		    varlink_wbuf_flush(&lc[i].wbuf, lc[i].fd) != 1)
			client_fatal("%s: cannot send to supd",
			    supctl_socket_path());
	}
	/* the tails, merged by time */
	for (i = 0; i < t->n; i++) {
		if (cmd_logs_conn_wait(&lc[i], &reply) == -1) {
			rc = EXIT_FAILED;
			close(lc[i].fd);
			lc[i].fd = -1;
			continue;
		}
		cmd_logs_reply(cl, lc[i].name, reply.params,
		    supctl_json ? NULL : &m);
		more = reply.continues;
		varlink_reply_clear(&reply);
		if (!more) {
			close(lc[i].fd);
			lc[i].fd = -1;
		} else
			live++;
	}
	cmd_logs_flush(&m, cl);
	while (live > 0) {
		for (i = 0; i < t->n; i++) {
			pfd[i].fd = lc[i].fd;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)t->n, -1) == -1) {
			if (errno == EINTR)
				continue;
			client_fatal("poll: %s", strerror(errno));
		}
		for (i = 0; i < t->n; i++) {
			if (lc[i].fd == -1 || pfd[i].revents == 0)
				continue;
			n = varlink_read(&lc[i].rbuf, lc[i].fd);
			more = n > 0 || (n == -1 && errno == EINTR);
			while (more && (got = cmd_logs_conn_next(&lc[i],
			    &reply)) != 0) {
				if (got == -1) {
					rc = EXIT_FAILED;
					more = 0;
					break;
				}
				cmd_logs_reply(cl, lc[i].name, reply.params,
				    NULL);
				more = reply.continues;
				varlink_reply_clear(&reply);
			}
			if (!more) {
				close(lc[i].fd);
				lc[i].fd = -1;
				live--;
			}
		}
	}
	for (i = 0; i < t->n; i++) {
		varlink_rbuf_free(&lc[i].rbuf);
		varlink_wbuf_free(&lc[i].wbuf);
	}
	free(lc);
	free(pfd);
	return (rc);
}

static int
cmd_logs_exec(const struct cmd_entry *ce, struct args *args)
{
	struct cmd_logs	 cl;
	struct targets	 t;
	const char	*n, *since;
	long long	 lines;
	int64_t		 ago;
	int		 rc;

	memset(&cl, 0, sizeof cl);
	cl.params = json_object();
	cl.follow = args_has(args, 'f');
	cl.stamps = args_has(args, 't');
	if ((n = args_get(args, 'n')) != NULL) {
		if (cmd_parse_int(n, &lines, INT32_MAX) == -1) {
			json_decref(cl.params);
			return (cmd_usage_error(ce, "-n wants a number of "
			    "lines, not \"%s\"", n));
		}
		json_object_set_new(cl.params, "lines", json_integer(lines));
	}
	if ((since = args_get(args, 's')) != NULL) {
		if (logline_parse_ago(since, &ago) == -1) {
			json_decref(cl.params);
			return (cmd_usage_error(ce, "--since wants how long "
			    "ago, as 90s, 10m, 2h or 1d, not \"%s\"", since));
		}
		cl.since_us = output_now_ms() * 1000 - ago;
		if (n == NULL)
			json_object_set_new(cl.params, "lines",
			    json_integer(LOGS_SINCE_LINES));
	}
	if (cl.follow)
		json_object_set_new(cl.params, "follow", json_true());
	if (args_has(args, 'e'))
		json_object_set_new(cl.params, "stderr", json_true());
	cmd_connect(ce, args);
	if (args->argc == 1 && args->argv[0][0] != '@') {
		rc = cmd_logs_one(&cl, args->argv[0]);
		json_decref(cl.params);
		return (rc);
	}
	if (targets_resolve(ce, args->argv, args->argc, 0, &t) == -1) {
		json_decref(cl.params);
		return (EXIT_FAILED);
	}
	rc = cl.follow ? cmd_logs_follow_many(&cl, &t) : cmd_logs_many(&cl, &t);
	targets_free(&t);
	json_decref(cl.params);
	return (rc);
}
