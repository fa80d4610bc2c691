/*
 * cmd-top.c — `supctl top`: the tree live, full screen (ncurses).  Three
 * connections, never waited on: Events follows the event stream (the
 * latest scroll below the table), Status refreshes the rows when an event
 * says something changed (once a second at most) or every TOP_IDLE_MS,
 * and commands (start, stop, restart) go on a third, so a slow stop
 * never freezes the screen.  Keys select a child, act on it, show its
 * last log lines and filter by name.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "proto.h"
#include "supctl.h"
#include "varlink.h"

#define TOP_STATUS_MIN_MS	1000	/* Status at most once a second */
#define TOP_IDLE_MS		2000	/* and this often with no event */
#define TOP_EVENTS		200	/* events kept for the pane */
#define TOP_QUEUE		16	/* calls awaiting a reply, per connection */
#define TOP_REPLY_MAX		(256 * 1024 * 1024)
#define NAME_MAX_LEN		64	/* as supd's names */

static int	cmd_top_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_top_entry = {
	.name = "top",
	.usage = "top",
	.summary = "a live full-screen view of the tree and its events",
	.help =
	    "Show every child live, full screen: state, pid, uptime, restarts, "
	    "CPU% (since\n"
	    "the last refresh), RSS and health, and the latest events below.  "
	    "It follows\n"
	    "supd's event stream and asks for the rows again when something "
	    "changed (once a\n"
	    "second at most) or every 2 seconds.\n"
	    "\n"
	    "Keys: Up/Down or k/j select, s start, x stop, r restart the "
	    "selected child\n"
	    "(admin only), l its last log lines (again: hide), / filter by "
	    "name (Enter\n"
	    "applies, Esc clears), q quit.\n",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_LONG,
	.exec = cmd_top_exec,
};

enum top_call { TOP_STATUS, TOP_LOGS, TOP_COMMAND, TOP_EVENTS_CALL };

struct top_conn {
	int			 fd;
	struct varlink_rbuf	 rbuf;
	struct varlink_wbuf	 wbuf;
	enum top_call		 queue[TOP_QUEUE];	/* what each reply answers */
	char			 what[TOP_QUEUE][96];	/* "restart web" */
	int			 head, n;
};

struct top {
	struct top_conn	 ev, st, cmd;
	json_t		*rows;		/* the last Status's children */
	json_t		*prev;		/* {name: [cpu_ms, at]} of the refresh before */
	char		 selected[NAME_MAX_LEN + 1];
	char		 filter[NAME_MAX_LEN + 1];
	char		 input[NAME_MAX_LEN + 1];
	int		 typing;	/* the filter is being typed */
	char		 events[TOP_EVENTS][160];
	int		 nevents, evhead;
	char		 message[256];
	int		 show_log;
	json_t		*log;		/* the selected child's last lines */
	char		 log_of[NAME_MAX_LEN + 1];
	int64_t		 last_status, want_status_at;
	int		 colors;
};


static int64_t
top_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
top_fatal(const char *what)
{
	endwin();
	client_fatal("%s: %s", supctl_socket_path(), what);
}

static void
top_connect(struct top_conn *c)
{
	memset(c, 0, sizeof *c);
	if ((c->fd = varlink_connect(supctl_socket_path(),
	    supctl_timeout())) == -1)
		client_fatal("cannot connect to %s: %s (is supd running?)",
		    supctl_socket_path(), strerror(errno));
	varlink_rbuf_init(&c->rbuf, TOP_REPLY_MAX);
	varlink_wbuf_init(&c->wbuf);
}

static void
top_close(struct top_conn *c)
{
	close(c->fd);
	varlink_rbuf_free(&c->rbuf);
	varlink_wbuf_free(&c->wbuf);
}

/* Queue a call; 0, or -1 if too many wait for their replies already. */
static int
top_call(struct top_conn *c, enum top_call kind, const char *what,
    const char *method, json_t *params, int flags)
{
	int	slot;

	if (c->n == TOP_QUEUE) {
		json_decref(params);
		return (-1);
	}
	slot = (c->head + c->n) % TOP_QUEUE;
	c->queue[slot] = kind;
	snprintf(c->what[slot], sizeof c->what[slot], "%s", what);
	c->n++;
	if (varlink_wbuf_call(&c->wbuf, method, params, flags) == -1)
		top_fatal("cannot encode a call");
	/* small calls on a fresh socket: written at once */
	if (varlink_wbuf_flush(&c->wbuf, c->fd) == -1)
		top_fatal(strerror(errno));
	return (0);
}

static void
top_event_add(struct top *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
top_event_add(struct top *t, const char *fmt, ...)
{
	va_list	ap;
	int	slot = (t->evhead + t->nevents) % TOP_EVENTS;

	if (t->nevents == TOP_EVENTS) {
		slot = t->evhead;
		t->evhead = (t->evhead + 1) % TOP_EVENTS;
	} else
		t->nevents++;
	va_start(ap, fmt);
	vsnprintf(t->events[slot], sizeof t->events[slot], fmt, ap);
	va_end(ap);
}

/* "12:03:04 restart web" and the fields an event has. */
static void
top_on_event(struct top *t, json_t *e)
{
	char		 when[64], more[96];
	const char	*key;
	json_t		*v;
	size_t		 n = 0;
	time_t		 s;
	struct tm	 tm;

	if (e == NULL || !json_is_object(e))
		return;
	s = (time_t)(json_integer_value(json_object_get(e, "time")) / 1000);
	localtime_r(&s, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	more[0] = '\0';
	json_object_foreach(e, key, v) {
		if (strcmp(key, "seq") == 0 || strcmp(key, "time") == 0 ||
		    strcmp(key, "event") == 0 || strcmp(key, "name") == 0)
			continue;
		if (json_is_integer(v))
			n += snprintf(more + n, n < sizeof more ? sizeof more - n : 0,
			    " %s=%lld", key, (long long)json_integer_value(v));
		else if (json_is_string(v))
			n += snprintf(more + n, n < sizeof more ? sizeof more - n : 0,
			    " %s=%s", key, json_string_value(v));
		else if (json_is_boolean(v))
			n += snprintf(more + n, n < sizeof more ? sizeof more - n : 0,
			    " %s=%s", key, json_is_true(v) ? "true" : "false");
	}
	top_event_add(t, "%s %-12s %s%s", when,
	    json_string_value(json_object_get(e, "event")) ?: "?",
	    json_string_value(json_object_get(e, "name")) ?: "", more);
	/* something changed: the rows again, once a second at most */
	if (t->want_status_at == 0 || t->want_status_at > t->last_status +
	    TOP_STATUS_MIN_MS)
		t->want_status_at = t->last_status + TOP_STATUS_MIN_MS;
}

static int
top_wanted(const struct top *t, const json_t *c)
{
	const char	*name = json_string_value(json_object_get(c, "name"));

	return (t->filter[0] == '\0' || (name != NULL &&
	    strstr(name, t->filter) != NULL));
}

/* The rows shown, in order; the selection kept by name. */
static json_t *
top_shown(const struct top *t)
{
	json_t	*a = json_array(), *c;
	size_t	 i;

	json_array_foreach(t->rows, i, c)
		if (top_wanted(t, c))
			json_array_append(a, c);
	return (a);
}

static void
top_on_status(struct top *t, json_t *reply)
{
	json_t	*now = json_object(), *c, *p;
	size_t	 i;
	int64_t	 at = top_now();

	/* CPU% is the time used since the refresh before */
	json_array_foreach(json_object_get(reply, "children"), i, c) {
		const char	*name = json_string_value(json_object_get(c,
		    "name"));
		json_t		*cpu = json_object_get(c, "cpu_ms");

		if (name == NULL || !json_is_integer(cpu))
			continue;
		if ((p = json_object_get(t->prev, name)) != NULL &&
		    json_integer_value(json_array_get(p, 0)) <=
		    json_integer_value(cpu) &&
		    at > json_integer_value(json_array_get(p, 1)))
			json_object_set_new(c, "top_cpu", json_real(100.0 *
			    (double)(json_integer_value(cpu) -
			    json_integer_value(json_array_get(p, 0))) /
			    (double)(at - json_integer_value(json_array_get(p,
			    1)))));
		json_object_set_new(now, name, json_pack("[I, I]",
		    (json_int_t)json_integer_value(cpu), (json_int_t)at));
	}
	json_decref(t->prev);
	t->prev = now;
	json_decref(t->rows);
	t->rows = json_incref(json_object_get(reply, "children"));
	if (t->rows == NULL)
		t->rows = json_array();
}

static void
top_ask_log(struct top *t)
{
	if (t->selected[0] == '\0')
		return;
	snprintf(t->log_of, sizeof t->log_of, "%s", t->selected);
	top_call(&t->st, TOP_LOGS, t->selected, PROTO_METHOD("Logs"),
	    json_pack("{s:s, s:i}", "name", t->selected, "lines", 50), 0);
}

static void
top_ask_status(struct top *t)
{
	t->last_status = top_now();
	t->want_status_at = t->last_status + TOP_IDLE_MS;
	top_call(&t->st, TOP_STATUS, "status", PROTO_METHOD("Status"),
	    json_pack("{s:b}", "usage", 1), 0);
	if (t->show_log)
		top_ask_log(t);
}

/* Every reply waiting on c; -1 if supd hung up. */
static int
top_read(struct top *t, struct top_conn *c)
{
	struct varlink_reply	 reply;
	const char		*why;
	char			*msg, *text;
	size_t			 len;
	ssize_t			 n;
	enum top_call		 kind;
	int			 slot, rc;

	if ((n = varlink_read(&c->rbuf, c->fd)) == 0 ||
	    (n == -1 && errno != EINTR && errno != EAGAIN))
		return (-1);
	memset(&reply, 0, sizeof reply);
	while ((rc = varlink_next(&c->rbuf, &msg, &len)) == VARLINK_MSG) {
		if (varlink_reply_parse(msg, len, &reply, &why) == -1)
			top_fatal(why);
		slot = c->head;
		kind = c == &t->ev ? TOP_EVENTS_CALL : c->queue[slot];
		if (reply.error != NULL) {
			text = proto_error_text(reply.error, reply.params);
			snprintf(t->message, sizeof t->message, "%s: %s",
			    c->what[slot], text != NULL ? text : reply.error);
			free(text);
		} else if (kind == TOP_STATUS)
			top_on_status(t, reply.params);
		else if (kind == TOP_LOGS) {
			json_decref(t->log);
			t->log = json_incref(json_object_get(reply.params,
			    "lines"));
		} else if (kind == TOP_COMMAND)
			snprintf(t->message, sizeof t->message, "%s: done",
			    c->what[slot]);
		else
			top_on_event(t, json_object_get(reply.params, "event"));
		if (c != &t->ev && !reply.continues) {
			c->head = (c->head + 1) % TOP_QUEUE;
			c->n--;
		}
		varlink_reply_clear(&reply);
	}
	if (rc == VARLINK_TOO_LARGE)
		top_fatal("a reply passed its bound");
	return (0);
}

static void
top_command(struct top *t, const char *verb, const char *method)
{
	char	what[96];

	if (t->selected[0] == '\0')
		return;
	snprintf(what, sizeof what, "%s %s", verb, t->selected);
	if (top_call(&t->cmd, TOP_COMMAND, what, method, json_pack("{s:s}",
	    "name", t->selected), 0) == -1)
		snprintf(t->message, sizeof t->message, "%s: too many commands "
		    "waiting", what);
	else
		snprintf(t->message, sizeof t->message, "%s ...", what);
}

/* Move the selection by d rows of those shown. */
static void
top_move(struct top *t, int d)
{
	json_t		*shown = top_shown(t), *c;
	const char	*name;
	size_t		 i, n = json_array_size(shown);
	long		 at = -1;

	json_array_foreach(shown, i, c)
		if ((name = json_string_value(json_object_get(c, "name"))) !=
		    NULL && strcmp(name, t->selected) == 0)
			at = (long)i;
	if (n > 0) {
		at = at < 0 ? 0 : at + d;
		if (at < 0)
			at = 0;
		if (at >= (long)n)
			at = (long)n - 1;
		snprintf(t->selected, sizeof t->selected, "%s",
		    json_string_value(json_object_get(json_array_get(shown,
		    (size_t)at), "name")));
	}
	json_decref(shown);
	if (t->show_log && strcmp(t->log_of, t->selected) != 0)
		top_ask_log(t);
}

/* A key; 1 to quit. */
static int
top_key(struct top *t, int k)
{
	size_t	len;

	if (t->typing) {
		len = strlen(t->input);
		if (k == '\n' || k == KEY_ENTER || k == '\r') {
			snprintf(t->filter, sizeof t->filter, "%s", t->input);
			t->typing = 0;
			top_move(t, 0);
		} else if (k == 27) {
			t->typing = 0;
		} else if ((k == KEY_BACKSPACE || k == 127 || k == 8) &&
		    len > 0)
			t->input[len - 1] = '\0';
		else if (k > 0 && k < 256 && isprint(k) &&
		    len + 1 < sizeof t->input) {
			t->input[len] = (char)k;
			t->input[len + 1] = '\0';
		}
		return (0);
	}
	switch (k) {
	case 'q':
	case 'Q':
		return (1);
	case KEY_UP:
	case 'k':
		top_move(t, -1);
		break;
	case KEY_DOWN:
	case 'j':
		top_move(t, 1);
		break;
	case 's':
		top_command(t, "start", PROTO_METHOD("Start"));
		break;
	case 'x':
		top_command(t, "stop", PROTO_METHOD("Stop"));
		break;
	case 'r':
		top_command(t, "restart", PROTO_METHOD("Restart"));
		break;
	case 'l':
		t->show_log = !t->show_log;
		if (t->show_log)
			top_ask_log(t);
		break;
	case '/':
		t->typing = 1;
		t->input[0] = '\0';
		break;
	case 27:
		t->filter[0] = '\0';
		break;
	}
	return (0);
}

static int
top_state_pair(const char *state)
{
	if (state == NULL)
		return (0);
	if (strcmp(state, "running") == 0)
		return (1);
	if (strcmp(state, "failed") == 0)
		return (2);
	if (strcmp(state, "starting") == 0 || strcmp(state, "stopping") == 0)
		return (3);
	return (0);
}

static void
top_draw(struct top *t)
{
	json_t		*shown = top_shown(t), *c, *v;
	char		 pid[16], up[32], cpu[16], rss[16], line[512], clock[16];
	const char	*name, *state, *health;
	int		 rows, evrows, logrows, y = 0, i, first = 0, sel = -1;
	int64_t		 now = output_now_ms();
	size_t		 k, nrunning = 0;
	time_t		 s = time(NULL);
	struct tm	 tm;
	double		 b;

	erase();
	json_array_foreach(t->rows, k, c)
		if ((state = json_string_value(json_object_get(c, "state"))) &&
		    strcmp(state, "running") == 0)
			nrunning++;
	localtime_r(&s, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	snprintf(line, sizeof line, "supd top  %zu children, %zu running%s%s  "
	    "%s", json_array_size(t->rows), nrunning, t->filter[0] ?
	    "  filter: " : "", t->filter, clock);
	attron(A_BOLD);
	mvaddnstr(0, 0, line, COLS);
	attroff(A_BOLD);
	evrows = LINES >= 16 ? LINES / 4 : 0;
	logrows = t->show_log ? LINES / 3 : 0;
	rows = LINES - 3 - evrows - logrows;
	if (rows < 1)
		rows = 1;
	snprintf(line, sizeof line, "%-20s %-10s %-9s %8s %8s %8s %6s %6s %-9s",
	    "NAME", "TYPE", "STATE", "PID", "UPTIME", "RESTARTS", "CPU%", "RSS",
	    "HEALTH");
	attron(A_UNDERLINE);
	mvaddnstr(1, 0, line, COLS);
	attroff(A_UNDERLINE);
	json_array_foreach(shown, k, c)
		if ((name = json_string_value(json_object_get(c, "name"))) &&
		    strcmp(name, t->selected) == 0)
			sel = (int)k;
	if (sel >= rows)
		first = sel - rows + 1;
	for (i = first; i < (int)json_array_size(shown) && y < rows; i++, y++) {
		c = json_array_get(shown, (size_t)i);
		name = json_string_value(json_object_get(c, "name"));
		state = json_string_value(json_object_get(c, "state"));
		health = json_string_value(json_object_get(c, "health"));
		v = json_object_get(c, "pid");
		snprintf(pid, sizeof pid, json_is_integer(v) ? "%lld" : "-",
		    (long long)json_integer_value(v));
		v = json_object_get(c, "started_at");
		if (json_is_integer(v) && json_is_integer(json_object_get(c,
		    "pid")))
			output_duration(up, sizeof up, now -
			    json_integer_value(v));
		else
			snprintf(up, sizeof up, "-");
		v = json_object_get(c, "top_cpu");
		snprintf(cpu, sizeof cpu, json_is_real(v) ? "%.1f" : "-",
		    json_real_value(v));
		v = json_object_get(c, "rss_bytes");
		b = (double)json_integer_value(v);
		if (!json_is_integer(v))
			snprintf(rss, sizeof rss, "-");
		else if (b < 1024.0 * 1024)
			snprintf(rss, sizeof rss, "%.0fK", b / 1024);
		else if (b < 1024.0 * 1024 * 1024)
			snprintf(rss, sizeof rss, "%.0fM", b / (1024 * 1024));
		else
			snprintf(rss, sizeof rss, "%.1fG", b / (1024 * 1024 * 1024));
		/* cut at the screen's width, then coloured in place */
		snprintf(line, sizeof line, "%-20.20s %-10.10s %-9.9s %8s %8s "
		    "%8lld %6s %6s %-9s", name ?: "?", json_string_value(
		    json_object_get(c, "type")) ?: "", state ?: "?", pid, up,
		    (long long)json_integer_value(json_object_get(c,
		    "restarts")), cpu, rss, health ?: "-");
		mvaddnstr(2 + y, 0, line, COLS);
		if (i == sel)
			mvchgat(2 + y, 0, -1, A_REVERSE, 0, NULL);
		if (t->colors && top_state_pair(state) && COLS > 32)
			mvchgat(2 + y, 32, 9, i == sel ? A_REVERSE : A_NORMAL,
			    (short)top_state_pair(state), NULL);
	}
	y = 2 + rows;
	if (logrows > 0) {
		attron(A_BOLD);
		mvprintw(y++, 0, "log of %.*s", COLS > 7 ? COLS - 7 : 0,
		    t->log_of);
		attroff(A_BOLD);
		k = json_array_size(t->log);
		for (i = (int)k > logrows - 1 ? (int)k - (logrows - 1) : 0;
		    i < (int)k; i++) {
			struct logline	ll;

			logline_parse(json_string_value(json_array_get(t->log,
			    (size_t)i)) ?: "", &ll);
			mvaddnstr(y++, 0, ll.text, COLS);
		}
		y = 2 + rows + logrows;
	}
	if (evrows > 0) {
		attron(A_BOLD);
		mvprintw(y++, 0, "events");
		attroff(A_BOLD);
		for (i = t->nevents > evrows - 1 ? t->nevents - (evrows - 1) : 0;
		    i < t->nevents; i++)
			mvaddnstr(y++, 0, t->events[(t->evhead + i) %
			    TOP_EVENTS], COLS);
	}
	if (t->typing)
		snprintf(line, sizeof line, "filter: %s_", t->input);
	else if (t->message[0] != '\0')
		snprintf(line, sizeof line, "%s", t->message);
	else
		snprintf(line, sizeof line, "q quit  j/k select  s start  "
		    "x stop  r restart  l log  / filter");
	attron(A_REVERSE);
	mvaddnstr(LINES - 1, 0, line, COLS);
	attroff(A_REVERSE);
	mvchgat(LINES - 1, 0, -1, A_REVERSE, 0, NULL);
	refresh();
	json_decref(shown);
}

static int
cmd_top_exec(const struct cmd_entry *ce, struct args *args)
{
	struct top	 t;
	struct pollfd	 pfd[4];
	int64_t		 now;
	int		 k, timeout, quit = 0, i;

	(void)ce;
	(void)args;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "supctl: top: needs a terminal (try supctl "
		    "status --watch)\n");
		return (EXIT_USAGE);
	}
	memset(&t, 0, sizeof t);
	t.rows = json_array();
	t.prev = json_object();
	top_connect(&t.ev);
	top_connect(&t.st);
	top_connect(&t.cmd);
	/* the history replays first: the pane keeps its last TOP_EVENTS */
	top_call(&t.ev, TOP_EVENTS_CALL, "events", PROTO_METHOD("Events"),
	    json_pack("{s:b}", "follow", 1), VARLINK_MORE);
	top_ask_status(&t);
	if (initscr() == NULL) {
		fprintf(stderr, "supctl: top: cannot use this terminal "
		    "($TERM)\n");
		return (EXIT_FAILED);
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (has_colors() && getenv("NO_COLOR") == NULL) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_GREEN, -1);
		init_pair(2, COLOR_RED, -1);
		init_pair(3, COLOR_YELLOW, -1);
		t.colors = 1;
	}
	while (!quit) {
		now = top_now();
		if (t.want_status_at != 0 && now >= t.want_status_at &&
		    t.st.n == 0)
			top_ask_status(&t);
		if (t.selected[0] == '\0')
			top_move(&t, 0);
		top_draw(&t);
		timeout = t.want_status_at > now ? (int)(t.want_status_at -
		    now) : 50;
		pfd[0].fd = STDIN_FILENO;
		pfd[1].fd = t.ev.fd;
		pfd[2].fd = t.st.fd;
		pfd[3].fd = t.cmd.fd;
		for (i = 0; i < 4; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/* a resize interrupts poll; getch then says KEY_RESIZE */
		if (poll(pfd, 4, timeout) == -1 && errno != EINTR) {
			endwin();
			client_fatal("poll: %s", strerror(errno));
		}
		while ((k = getch()) != ERR)
			if (k != KEY_RESIZE && top_key(&t, k)) {
				quit = 1;
				break;
			}
		for (i = 1; i < 4 && !quit; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (top_read(&t, i == 1 ? &t.ev : i == 2 ? &t.st :
			    &t.cmd) == -1) {
				endwin();
				fprintf(stderr, "supctl: top: supd closed the "
				    "connection\n");
				return (EXIT_FAILED);
			}
		}
	}
	endwin();
	top_close(&t.ev);
	top_close(&t.st);
	top_close(&t.cmd);
	json_decref(t.rows);
	json_decref(t.prev);
	json_decref(t.log);
	return (EXIT_OK);
}
