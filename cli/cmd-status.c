/*
 * cmd-status.c — `supctl status [NAME|@GROUP...] [--watch]`: a row per child (name, type,
 * parent, state, pid, uptime, restarts, CPU%, RSS, last exit), or with --json the
 * Child objects exactly as supd returns them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonspan.h"
#include "proto.h"
#include "supctl.h"

static int	cmd_status_exec(const struct cmd_entry *, struct args *);

static const struct cmd_option cmd_status_options[] = {
	{ "all", 'a', 0 },
	{ "watch", 'w', 0 },
	{ "interval", 'i', 1 },
	{ "usage", 'u', 0 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "status [NAME|@GROUP...|--all] [-w [-i SEC]] [--usage]",
	.summary = "a row per child: type, parent, state, pid, uptime, restarts, "
	    "CPU%, RSS, last exit",
	.help =
	    "Print a row per child and supervisor (all of them, or the NAMEs): "
	    "NAME, TYPE\n"
	    "(supervisor, dynamic, worker), PARENT, STATE (starting, running, "
	    "stopping,\n"
	    "stopped, exited, failed), PID, UPTIME since its last start and "
	    "RESTARTS since\n"
	    "supd started, CPU% (user and system CPU of its process group over "
	    "its uptime;\n"
	    "100 is one core) and RSS (resident memory of the group), and LAST "
	    "EXIT, how it\n"
	    "last ended (code 1, signal KILL, start failed: REASON).  A child "
	    "whose restart\n"
	    "waits out its restart_delay shows STATE backoff and the time left "
	    "(backoff 4s).\n"
	    "With --json, the array of Child objects of the Status call as supd "
	    "sent it\n"
	    "(backoff_ms: the milliseconds left); cpu_ms and rss_bytes only with "
	    "--usage\n"
	    "(null without a process), since reading them is most of the "
	    "call's cost.\n"
	    "When supd cannot write its state database, a warning on stderr "
	    "says why.\n"
	    "\n"
	    "  -a, --all            every child (the default without NAMEs)\n"
	    "  @GROUP               the members of process group GROUP\n"
	    "  -w, --watch          print the table again every interval, "
	    "over the last one\n"
	    "                       on a terminal (as watch(1)), until "
	    "interrupted\n"
	    "  -i, --interval SEC   seconds between tables (default 2, at "
	    "least 0.1)\n"
	    "  -u, --usage          with --json: each row's cpu_ms and rss_bytes "
	    "(the table\n"
	    "                       always has them)\n",
	.options = cmd_status_options,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_status_exec,
};

/* Uptime of a child that has a process: now - started_at. */
static void
cmd_status_uptime(char *buf, size_t len, json_t *c, int64_t now)
{
	json_t		*at = json_object_get(c, "started_at");
	const char	*state = json_string_value(json_object_get(c, "state"));

	if (!json_is_integer(at) || !json_is_integer(json_object_get(c, "pid")) ||
	    state == NULL || strcmp(state, "stopped") == 0 ||
	    strcmp(state, "exited") == 0 || strcmp(state, "failed") == 0) {
		snprintf(buf, len, "-");
		return;
	}
	output_duration(buf, len, now - json_integer_value(at));
}

/* CPU% over its uptime: cpu_ms / (now - started_at); "-" without a process. */
static void
cmd_status_cpu(char *buf, size_t len, json_t *c, int64_t now)
{
	json_t	*cpu = json_object_get(c, "cpu_ms");
	json_t	*at = json_object_get(c, "started_at");
	int64_t	 up;

	if (!json_is_integer(cpu) || !json_is_integer(at) ||
	    (up = now - json_integer_value(at)) <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%.1f", 100.0 * (double)json_integer_value(cpu) /
	    (double)up);
}

/* Resident memory as 812K, 61M or 1.5G; "-" without a process. */
static void
cmd_status_rss(char *buf, size_t len, json_t *c)
{
	json_t	*rss = json_object_get(c, "rss_bytes");
	double	 b;

	if (!json_is_integer(rss)) {
		snprintf(buf, len, "-");
		return;
	}
	b = (double)json_integer_value(rss);
	if (b < 1024.0 * 1024)
		snprintf(buf, len, "%.0fK", b / 1024);
	else if (b < 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.0fM", b / (1024 * 1024));
	else
		snprintf(buf, len, "%.1fG", b / (1024 * 1024 * 1024));
}

/* 1 if the row c is one the arguments ask for (names, or members of @GROUPs). */
static int
cmd_status_wanted(const struct args *args, const json_t *c)
{
	const char	*name = json_string_value(json_object_get(c, "name"));
	json_t		*g;
	size_t		 j;
	int		 i;

	for (i = 0; i < args->argc; i++) {
		if (args->argv[i][0] != '@') {
			if (name != NULL && strcmp(args->argv[i], name) == 0)
				return (1);
			continue;
		}
		json_array_foreach(json_object_get(c, "groups"), j, g)
			if (json_is_string(g) && strcmp(json_string_value(g),
			    args->argv[i] + 1) == 0)
				return (1);
	}
	return (0);
}

/* Status's parameters: the names, and usage for the table or --usage. */
static json_t *
cmd_status_params(const struct args *args, int groups)
{
	json_t	*params = json_object();

	if (args->argc > 0 && !groups)
		json_object_set_new(params, "names", args_positional(args, 0));
	if (!supctl_json || args_has(args, 'u'))
		json_object_set_new(params, "usage", json_true());
	return (params);
}

static void
cmd_status_degraded(const char *why)
{
	fprintf(stderr, "supctl: warning: supd's state database is not "
	    "being written (%s); new spawns are refused until it is\n", why);
}

/* The rows asked for: supd picks names; @GROUP is picked from every row. */
static json_t *
cmd_status_fetch(const struct args *args, int groups)
{
	json_t	*reply, *children, *rows, *c;
	size_t	 i;
	int	 a;

	if (client_call(PROTO_METHOD("Status"), cmd_status_params(args,
	    groups), &reply) != 0)
		return (NULL);
	if (json_is_string(json_object_get(reply, "degraded")))
		cmd_status_degraded(json_string_value(json_object_get(reply,
		    "degraded")));
	children = json_object_get(reply, "children");
	if (!groups)
		return (children != NULL ? json_incref(children) : json_array());
	rows = json_array();
	json_array_foreach(children, i, c)
		if (cmd_status_wanted(args, c))
			json_array_append(rows, c);
	/* a NAME that matched no row is an error, as supd says for names */
	for (a = 0; a < args->argc; a++) {
		if (args->argv[a][0] == '@')
			continue;
		json_array_foreach(rows, i, c)
			if (strcmp(json_string_value(json_object_get(c, "name")),
			    args->argv[a]) == 0)
				break;
		if (i == json_array_size(rows)) {
			client_warn("no such child: %s", args->argv[a]);
			json_decref(rows);
			return (NULL);
		}
	}
	return (rows);
}

/*
 * --json without @GROUP: the children array printed as supd sent it, not
 * parsed and printed again (at 10,000 children that was half the time).
 */
static int
cmd_status_json(const struct args *args)
{
	static const char *const keys[] = { "children", "degraded", NULL };
	struct jsonspan	 m[2];
	json_t		*why;

	if (client_call_members(PROTO_METHOD("Status"), cmd_status_params(args,
	    0), keys, m) != 0)
		return (-1);
	if (m[1].p != NULL) {
		why = json_loadb(m[1].p, (size_t)(m[1].end - m[1].p),
		    JSON_DECODE_ANY, NULL);
		if (json_is_string(why))
			cmd_status_degraded(json_string_value(why));
		json_decref(why);
	}
	if (m[0].p != NULL && *m[0].p == '[')
		fwrite(m[0].p, 1, (size_t)(m[0].end - m[0].p), stdout);
	else
		fputs("[]", stdout);
	putchar('\n');
	fflush(stdout);
	return (0);
}

static void
cmd_status_table(FILE *fp, json_t *children)
{
	struct table	*t;
	json_t		*c;
	char		 pid[32], uptime[32], restarts[32], cpu[32], rss[32];
	char		 backoff[48], left[32], shown[64];
	json_t		*wait;
	const char	*state, *health;
	int64_t		 now;
	size_t		 i;

	now = output_now_ms();
	t = table_new(10, "NAME", "TYPE", "PARENT", "STATE", "PID", "UPTIME",
	    "RESTARTS", "CPU%", "RSS", "LAST EXIT");
	json_array_foreach(children, i, c) {
		state = json_string_value(json_object_get(c, "state"));
		if (json_is_integer(json_object_get(c, "pid")))
			snprintf(pid, sizeof pid, "%lld", (long long)
			    json_integer_value(json_object_get(c, "pid")));
		else
			snprintf(pid, sizeof pid, "-");
		snprintf(restarts, sizeof restarts, "%lld", (long long)
		    json_integer_value(json_object_get(c, "restarts")));
		cmd_status_uptime(uptime, sizeof uptime, c, now);
		cmd_status_cpu(cpu, sizeof cpu, c, now);
		cmd_status_rss(rss, sizeof rss, c);
		/* a restart waiting out restart_delay: how long it still waits */
		if (json_is_integer(wait = json_object_get(c, "backoff_ms"))) {
			output_duration(left, sizeof left,
			    json_integer_value(wait) + 999);
			snprintf(backoff, sizeof backoff, "backoff %s", left);
			state = backoff;
		}
		/* a health check's verdict as a suffix: "running (healthy)" */
		health = json_string_value(json_object_get(c, "health"));
		if (health != NULL && state != NULL) {
			snprintf(shown, sizeof shown, "%s (%s)", state, health);
			state = shown;
		}
		table_add(t, output_state_color(json_string_value(
		    json_object_get(c, "state"))), 3,
		    json_string_value(json_object_get(c, "name")),
		    json_string_value(json_object_get(c, "type")),
		    json_string_value(json_object_get(c, "parent")),
		    state, pid, uptime, restarts, cpu, rss,
		    json_string_value(json_object_get(c, "last_exit")));
	}
	table_fprint(fp, t);
	table_free(t);
}

/*
 * --watch: the table again every interval, drawn over the last one on a
 * terminal (cursor home, each line's rest and the screen's rest erased, as
 * watch(1) does, without curses); elsewhere one table after another.
 */
static int
cmd_status_watch(const struct args *args, int groups, long long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };
	json_t		*rows;
	char		*buf, *p, *nl, stamp[64];
	size_t		 len;
	FILE		*fp;
	int		 tty = isatty(STDOUT_FILENO), first = 1;

	for (;;) {
		if (supctl_json && !groups) {
			if (cmd_status_json(args) == -1)
				return (EXIT_FAILED);
			nanosleep(&ts, NULL);
			continue;
		}
		if ((rows = cmd_status_fetch(args, groups)) == NULL)
			return (EXIT_FAILED);
		if (supctl_json) {
			output_json(rows);
			json_decref(rows);
			nanosleep(&ts, NULL);
			continue;
		}
		if ((fp = open_memstream(&buf, &len)) == NULL) {
			perror("supctl");
			return (EXIT_FAILED);
		}
		output_time(stamp, sizeof stamp, output_now_ms());
		fprintf(fp, "Every %lld.%01llds: supctl status  %s\n\n",
		    ms / 1000, (ms % 1000) / 100, stamp);
		cmd_status_table(fp, rows);
		fclose(fp);
		json_decref(rows);
		if (tty) {
			/* the screen cleared once, then drawn over in place */
			fputs(first ? "\033[H\033[2J" : "\033[H", stdout);
			first = 0;
			for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
				printf("%.*s\033[K\n", (int)(nl - p), p);
			fputs("\033[J", stdout);
		} else
			printf("%s\n", buf);
		fflush(stdout);
		free(buf);
		nanosleep(&ts, NULL);
	}
}

static int
cmd_status_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t		*rows;
	const char	*iv;
	long long	 ms = 2000;
	int		 i, groups = 0;

	if (args_has(args, 'a') && args->argc > 0)
		return (cmd_usage_error(ce, "--all or names, not both"));
	if ((iv = args_get(args, 'i')) != NULL &&
	    (cmd_parse_seconds(iv, &ms) == -1 || ms < 100))
		return (cmd_usage_error(ce, "--interval wants seconds, at "
		    "least 0.1, not \"%s\"", iv));
	if (iv != NULL && !args_has(args, 'w'))
		return (cmd_usage_error(ce, "--interval goes with --watch"));
	for (i = 0; i < args->argc; i++)
		if (args->argv[i][0] == '@')
			groups = 1;
	cmd_connect(ce, args);
	if (args_has(args, 'w'))
		return (cmd_status_watch(args, groups, ms));
	if (supctl_json && !groups)
		return (cmd_status_json(args) == 0 ? EXIT_OK : EXIT_FAILED);
	if ((rows = cmd_status_fetch(args, groups)) == NULL)
		return (EXIT_FAILED);
	if (supctl_json)
		output_json(rows);
	else
		cmd_status_table(stdout, rows);
	json_decref(rows);
	return (EXIT_OK);
}
