/*
 * test-people.c — supctl for people at a terminal, with the real supd:
 * timestamped logs with their stream, a follow across rotations, logs of
 * several children merged, run --wait showing the task's output as it
 * runs, several targets and @GROUP at once, autostart = no, status --watch
 * and inspect's log lines.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct supd_inst	in;

static void
teardown(void)
{
	if (in.dir[0] != '\0')
		harness_stop(&in);
	memset(&in, 0, sizeof in);
}

TestSuite(people, .fini = teardown, .timeout = 120);

/* supctl ARGS with stdout and stderr kept apart; its exit status. */
static int
ctl(char **out, char **err, ...)
{
	char	*argv[32];
	int	 argc = 0;
	va_list	 ap;

	argv[argc++] = (char *)harness_supctl_bin;
	argv[argc++] = "-s";
	argv[argc++] = in.sock;
	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return (harness_run(out, err, argv));
}

static json_t *
ctl_json(const char *cmd, const char *arg)
{
	json_t	*j;
	char	*out;

	cr_assert_eq(ctl(&out, NULL, "--json", cmd, arg, NULL), 0);
	cr_assert_not_null(j = json_loads(out, 0, NULL), "%s", out);
	free(out);
	return (j);
}

static const char *
state_of(const char *name, char *buf, size_t len)
{
	json_t	*j = ctl_json("status", name);

	snprintf(buf, len, "%s", json_string_value(json_object_get(
	    json_array_get(j, 0), "state")));
	json_decref(j);
	return (buf);
}

/* supctl ARGS in the background, its stdout (and stderr) on pipes. */
struct bg {
	pid_t	pid;
	int	out, err;
	char	buf[65536];
	size_t	len;
};

static void
bg_start(struct bg *b, char *const argv[])
{
	int	op[2], ep[2];

	memset(b, 0, sizeof *b);
	cr_assert(pipe2(op, O_CLOEXEC) == 0 && pipe2(ep, O_CLOEXEC) == 0);
	if ((b->pid = fork()) == 0) {
		dup2(op[1], 1);
		dup2(ep[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(op[1]);
	close(ep[1]);
	b->out = op[0];
	b->err = ep[0];
}

/* Read stdout until it holds needle (ms at most); 1 if it does. */
static int
bg_wait_for(struct bg *b, const char *needle, int ms)
{
	struct pollfd	pfd = { .fd = b->out, .events = POLLIN };
	ssize_t		n;
	int		waited = 0;

	ms = harness_ms(ms);
	for (;;) {
		b->buf[b->len] = '\0';
		if (strstr(b->buf, needle) != NULL)
			return (1);
		if (waited >= ms || b->len >= sizeof b->buf - 1)
			return (0);
		if (poll(&pfd, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		n = read(b->out, b->buf + b->len, sizeof b->buf - 1 - b->len);
		if (n <= 0)
			return (strstr(b->buf, needle) != NULL);
		b->len += (size_t)n;
	}
}

static int
bg_end(struct bg *b, int sig)
{
	int	st;

	if (sig != 0)
		kill(b->pid, sig);
	waitpid(b->pid, &st, 0);
	close(b->out);
	close(b->err);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* "2026-12-03T13:29:03.123456Z " at the start of s */
/* Wait (10 s at most) for a file under the test's directory. */
static void
wait_file(const char *name)
{
	char	path[400];
	int	i;

	snprintf(path, sizeof path, "%s/%s", in.dir, name);
	for (i = 0; i < 200 * harness_scale() && access(path, F_OK) == -1; i++)
		harness_sleep_ms(50);
	cr_assert_eq(access(path, F_OK), 0, "no %s", path);
	/* what was written before it is read by supd within its next turn */
	harness_sleep_ms(harness_ms(300));
}

static int
stamped(const char *s)
{
	int	i;

	for (i = 0; i < 27; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return (0);
		} else if (i == 10) {
			if (s[i] != 'T')
				return (0);
		} else if (i == 13 || i == 16) {
			if (s[i] != ':')
				return (0);
		} else if (i == 19) {
			if (s[i] != '.')
				return (0);
		} else if (i == 26) {
			if (s[i] != 'Z')
				return (0);
		} else if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (s[27] == ' ');
}

Test(people, every_line_has_its_time_and_its_stream)
{
	char	*log, *line, *save, *out, *err, ini[1024];
	int	 lines = 0;

	/* the sleeps give supd time to read each stream: scaled under valgrind */
	snprintf(ini, sizeof ini, "[supervisor:root]\n"
	    "[worker:w]\nparent = root\n"
	    "command = /bin/sh -c 'echo to out; echo to err >&2; sleep %s; "
	    "printf part; sleep %s; printf \"ial\\n\"; "
	    "head -c 40000 /dev/zero | tr \"\\\\0\" a; echo; "
	    ": > @DIR@/done; exec sleep 600'\n"
	    "[worker:s]\nparent = root\nstderr = log:separate\n"
	    "command = /bin/sh -c 'echo s out; echo s err >&2; "
	    "exec sleep 600'\n", harness_secs(0.3), harness_secs(0.3));
	harness_init(&in, ini);
	harness_start(&in);
	wait_file("done");
	cr_assert_not_null(log = harness_read(&in, "log/w.log"));
	cr_assert_not_null(strstr(log, "Z out to out\n"), "%s", log);
	cr_assert_not_null(strstr(log, "Z err to err\n"), "%s", log);
	/* a line written in two pieces is one line */
	cr_assert_not_null(strstr(log, "Z out partial\n"), "%s", log);
	for (line = strtok_r(log, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		cr_assert(stamped(line), "no timestamp: %.80s", line);
		cr_assert(strncmp(line + 28, "out ", 4) == 0 ||
		    strncmp(line + 28, "err ", 4) == 0, "%.80s", line);
		/* the 40000-byte line is cut at 16 KiB */
		cr_assert_leq(strlen(line), 28 + 4 + 16384, "%zu", strlen(line));
		lines++;
	}
	cr_assert_geq(lines, 6);
	free(log);
	/* supctl shows the text; -t the line as stored */
	cr_assert_eq(ctl(&out, NULL, "logs", "w", "-n", "100", NULL), 0);
	cr_assert_not_null(strstr(out, "to out\nto err\npartial\n"), "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, NULL, "logs", "w", "-t", "-n", "100", NULL), 0);
	cr_assert(stamped(out), "%s", out);
	cr_assert_not_null(strstr(out, "Z err to err\n"), "%s", out);
	free(out);
	/* stderr = log:separate: its own file, read with -e */
	cr_assert_not_null(log = harness_read(&in, "log/s.log"));
	cr_assert_not_null(strstr(log, "Z out s out\n"), "%s", log);
	cr_assert_null(strstr(log, "s err"), "%s", log);
	free(log);
	cr_assert_not_null(log = harness_read(&in, "log/s.err"));
	cr_assert_not_null(strstr(log, "Z err s err\n"), "%s", log);
	free(log);
	cr_assert_eq(ctl(&out, &err, "logs", "s", "-e", NULL), 0, "%s", err);
	cr_assert_str_eq(out, "s err\n");
	free(out);
	free(err);
	/* several children, merged by time, each line named */
	cr_assert_eq(ctl(&out, NULL, "logs", "s", "w", "-n", "2", NULL), 0);
	cr_assert_not_null(strstr(out, "s | s out\n"), "%s", out);
	cr_assert_not_null(strstr(out, "w | "), "%s", out);
	free(out);
	/* --since: nothing of the last 0 s was before now, all of the last hour */
	cr_assert_eq(ctl(&out, NULL, "logs", "w", "--since", "1h", NULL), 0);
	cr_assert_not_null(strstr(out, "to out\n"), "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, &err, "logs", "w", "--since", "soon", NULL), 2);
	cr_assert_not_null(strstr(err, "--since wants"), "%s", err);
	free(out);
	free(err);
}

Test(people, logs_f_follows_across_rotations)
{
	struct bg	 b;
	char		*argv[] = { (char *)harness_supctl_bin, "-s", in.sock,
	    "logs", "w", "-f", "-n", "0", NULL };
	char		*p, *log1;
	int		 last = 0, n, seen = 0;

	harness_init(&in, "[supd]\nlog_max_bytes = 1500\nlog_backups = 3\n"
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\n"
	    "command = /bin/sh -c 'i=0; while :; do i=$((i+1)); echo n$i; "
	    "sleep 0.01; done'\n");
	harness_start(&in);
	argv[2] = in.sock;
	bg_start(&b, argv);
	/* about 40 lines to a file: 150 lines are three rotations and more */
	cr_assert(bg_wait_for(&b, "\nn150\n", 30000), "%s", b.buf);
	bg_end(&b, SIGTERM);
	cr_assert_not_null(log1 = harness_read(&in, "log/w.log.1"));
	free(log1);
	/* every number once, in order, from the first seen on */
	for (p = b.buf; (p = strstr(p, "n")) != NULL; p++) {
		if (sscanf(p, "n%d", &n) != 1)
			continue;
		if (seen)
			cr_assert_eq(n, last + 1, "after n%d came n%d", last, n);
		seen = 1;
		last = n;
		if (n == 150)
			break;
	}
	cr_assert_eq(last, 150);
}

Test(people, run_wait_shows_the_output_as_it_comes_and_exits_with_the_code)
{
	struct bg	 b;
	char		 go[400], *argv[16], *out, *err;
	char		 script[600];
	int		 fd;

	harness_init(&in, "[supervisor:root]\n"
	    "[dynamic:tasks]\nparent = root\nrestart = temporary\n"
	    "command = /bin/sh -c\n"
	    "[dynamic:exec]\nparent = root\nrestart = temporary\n"
	    "command = /bin/sh -c 'exec \"$@\"' sh\n");
	harness_start(&in);
	snprintf(go, sizeof go, "%s/go", in.dir);
	/* the first line shows while the task still runs: it waits for us */
	snprintf(script, sizeof script, "for i in 1 2 3 4 5; do echo line$i; "
	    "done; echo oops >&2; while [ ! -e %s ]; do sleep 0.05; done; "
	    "echo last; exit 5", go);
	argv[0] = (char *)harness_supctl_bin;
	argv[1] = "-s";
	argv[2] = in.sock;
	argv[3] = "run";
	argv[4] = "tasks";
	argv[5] = "--wait";
	argv[6] = "--";
	argv[7] = script;
	argv[8] = NULL;
	bg_start(&b, argv);
	cr_assert(bg_wait_for(&b, "line5\n", 15000), "%s", b.buf);
	cr_assert_null(strstr(b.buf, "last"));
	cr_assert((fd = open(go, O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	cr_assert(bg_wait_for(&b, "last\n", 15000), "%s", b.buf);
	cr_assert_str_eq(b.buf, "line1\nline2\nline3\nline4\nline5\nlast\n");
	err = harness_slurp_fd(b.err);
	cr_assert_str_eq(err, "oops\n");
	free(err);
	cr_assert_eq(bg_end(&b, 0), 5);
	/* words after -- stay words with an exec "$@" template */
	cr_assert_eq(ctl(&out, NULL, "run", "exec", "--wait", "--", "printf",
	    "[%s]", "a b", "c", NULL), 0);
	/* a last line without its newline is a line all the same */
	cr_assert_str_eq(out, "[a b][c]\n");
	free(out);
	/* --quiet: the name, not the output */
	cr_assert_eq(ctl(&out, NULL, "run", "tasks", "--name", "q", "--wait",
	    "--quiet", "--", "echo hidden; exit 3", NULL), 3);
	cr_assert_str_eq(out, "q\n");
	free(out);
	/* a second task of that name shows its own output only */
	cr_assert_eq(ctl(&out, NULL, "run", "tasks", "--name", "q", "--wait",
	    "--", "echo shown", NULL), 0);
	cr_assert_str_eq(out, "shown\n");
	free(out);
}

Test(people, several_targets_and_groups_a_line_each)
{
	json_t	*j;
	char	*out, *err, st[32];

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:a]\nparent = root\ngroups = g\ncommand = /bin/sleep 600\n"
	    "[worker:b]\nparent = root\ngroups = g\ncommand = /bin/sleep 600\n"
	    "[worker:c]\nparent = root\ncommand = /bin/sleep 600\n");
	harness_start(&in);
	cr_assert_eq(ctl(&out, &err, "stop", "a", "nosuch", "c", NULL), 1);
	cr_assert_str_eq(out, "a: stopped\nc: stopped\n");
	cr_assert_not_null(strstr(err, "supctl: stop nosuch: "), "%s", err);
	cr_assert_eq(harness_count(err, "\n"), 1, "%s", err);
	free(out);
	free(err);
	cr_assert_str_eq(state_of("a", st, sizeof st), "stopped");
	cr_assert_str_eq(state_of("b", st, sizeof st), "running");
	cr_assert_eq(ctl(&out, &err, "restart", "@g", NULL), 0, "%s", err);
	cr_assert_eq(harness_count(out, "\n"), 2, "%s", out);
	cr_assert(strncmp(out, "a: restarted, pid ", 18) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "\nb: restarted, pid "), "%s", out);
	free(out);
	free(err);
	cr_assert_str_eq(state_of("a", st, sizeof st), "running");
	/* --json: one array, a row per target */
	cr_assert_eq(ctl(&out, &err, "--json", "stop", "@g", "nosuch", NULL), 1);
	cr_assert_not_null(j = json_loads(out, 0, NULL), "%s", out);
	cr_assert_eq(json_array_size(j), 3);
	cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "ok")));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 1),
	    "name")), "b");
	cr_assert(json_is_false(json_object_get(json_array_get(j, 2), "ok")));
	cr_assert(json_is_string(json_object_get(json_array_get(j, 2),
	    "error")));
	json_decref(j);
	free(out);
	free(err);
	cr_assert_eq(ctl(&out, &err, "start", "@nobody", NULL), 1);
	cr_assert_not_null(strstr(err, "process group nobody has no member"),
	    "%s", err);
	free(out);
	free(err);
	cr_assert_eq(ctl(&out, NULL, "start", "a", "b", "c", NULL), 0);
	cr_assert_eq(harness_count(out, ": started, pid "), 3, "%s", out);
	free(out);
	/* signal several */
	cr_assert_eq(ctl(&out, NULL, "signal", "@g", "c", "CONT", NULL), 0);
	cr_assert_str_eq(out, "@g: CONT sent to 2 processes\n"
	    "c: CONT sent to 1 process\n");
	free(out);
	/* status of a group; stop --all, newest first */
	cr_assert_eq(ctl(&out, NULL, "status", "@g", NULL), 0);
	cr_assert_eq(harness_count(out, "\n"), 3, "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, NULL, "stop", "--all", NULL), 0);
	cr_assert_str_eq(out, "c: stopped\nb: stopped\na: stopped\n");
	free(out);
	cr_assert_str_eq(state_of("root", st, sizeof st), "running");
	cr_assert_eq(ctl(&out, &err, "stop", "--all", "a", NULL), 2);
	free(out);
	free(err);
}

Test(people, autostart_no_waits_for_supctl_start)
{
	json_t	*j;
	char	*out, st[32], path[400];
	pid_t	 a, a2;
	FILE	*f;

	harness_init(&in, "[supervisor:root]\nstrategy = one_for_all\n"
	    "max_restarts = 10\n"
	    "[worker:a]\nparent = root\ncommand = /bin/sleep 600\n"
	    "[worker:m]\nparent = root\nautostart = no\n"
	    "command = /bin/sleep 600\n");
	harness_start(&in);
	cr_assert_str_eq(state_of("m", st, sizeof st), "stopped");
	j = ctl_json("inspect", "m");
	cr_assert(json_is_false(json_object_get(json_object_get(json_object_get(
	    j, "info"), "spec"), "autostart")) || json_is_false(
	    json_object_get(json_object_get(j, "spec"), "autostart")),
	    "%s", json_dumps(j, 0));
	json_decref(j);
	/* a sibling's restart (one_for_all) leaves it stopped */
	a = harness_whereis(&in, "a");
	kill(a, SIGKILL);
	a2 = harness_wait_new_pid(&in, "a", a, 10000);
	cr_assert_gt(a2, 0);
	cr_assert_str_eq(state_of("m", st, sizeof st), "stopped");
	/* a reexec keeps it stopped; a reload of the same file too */
	cr_assert_eq(ctl(&out, NULL, "reexec", NULL), 0);
	free(out);
	cr_assert_str_eq(state_of("m", st, sizeof st), "stopped");
	cr_assert_eq(ctl(&out, NULL, "reload", NULL), 0);
	free(out);
	cr_assert_str_eq(state_of("m", st, sizeof st), "stopped");
	/* started by hand, it is supervised as any child */
	cr_assert_eq(ctl(&out, NULL, "start", "m", NULL), 0);
	free(out);
	cr_assert_str_eq(state_of("m", st, sizeof st), "running");
	cr_assert_eq(ctl(&out, NULL, "reexec", NULL), 0);
	free(out);
	cr_assert_str_eq(state_of("m", st, sizeof st), "running");
	/* a reload that adds one with autostart = no adds it stopped, and a
	 * change of autostart alone restarts nothing */
	snprintf(path, sizeof path, "%s", in.conf);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "[supervisor:root]\nstrategy = one_for_all\n"
	    "max_restarts = 10\n"
	    "[worker:a]\nparent = root\ncommand = /bin/sleep 600\n"
	    "[worker:m]\nparent = root\ncommand = /bin/sleep 600\n"
	    "[worker:n]\nparent = root\nautostart = no\n"
	    "command = /bin/sleep 600\n");
	fclose(f);
	a = harness_whereis(&in, "m");
	cr_assert_eq(ctl(&out, NULL, "reload", NULL), 0);
	cr_assert_not_null(strstr(out, "+ n"), "%s", out);
	free(out);
	cr_assert_str_eq(state_of("n", st, sizeof st), "stopped");
	cr_assert_eq(harness_whereis(&in, "m"), a);
}

Test(people, status_watch_redraws_and_inspect_shows_the_log)
{
	struct bg	 b;
	char		*argv[] = { (char *)harness_supctl_bin, "-s", in.sock,
	    "status", "--watch", "--interval", "0.2", NULL };
	char		*out, *err;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:w]\nparent = root\n"
	    "command = /bin/sh -c 'for i in $(seq 1 12); do echo l$i; done; "
	    "exec sleep 600'\n");
	harness_start(&in);
	argv[2] = in.sock;
	bg_start(&b, argv);
	/* not a terminal: one table after another */
	cr_assert(bg_wait_for(&b, "Every 0.2s: supctl status", 10000));
	b.len = 0;
	cr_assert(bg_wait_for(&b, "Every 0.2s: supctl status", 10000));
	cr_assert(bg_wait_for(&b, "\nw ", 10000), "%s", b.buf);
	bg_end(&b, SIGTERM);
	cr_assert_eq(ctl(&out, &err, "status", "--interval", "1", NULL), 2);
	free(out);
	free(err);
	harness_wait_lines(&in, "log/w.log", 12, 10000);
	cr_assert_eq(ctl(&out, NULL, "inspect", "w", NULL), 0);
	cr_assert_not_null(strstr(out, "log (last 10 lines):\n"), "%s", out);
	cr_assert_null(strstr(out, " out l2\n"), "%s", out);
	cr_assert_not_null(strstr(out, " out l3\n"), "%s", out);
	cr_assert_not_null(strstr(out, " out l12\n"), "%s", out);
	free(out);
}

Test(people, logs_f_of_several_children_follows_each)
{
	struct bg	 b;
	char		*argv[] = { (char *)harness_supctl_bin, "-s", in.sock,
	    "logs", "-f", "-n", "1", "@pair", NULL };

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:a]\nparent = root\ngroups = pair\n"
	    "command = /bin/sh -c 'while :; do echo tick-a; sleep 0.05; done'\n"
	    "[worker:b]\nparent = root\ngroups = pair\n"
	    "command = /bin/sh -c 'while :; do echo tick-b >&2; sleep 0.05; "
	    "done'\n");
	harness_start(&in);
	/* a group has members once they run: @pair before that is refused */
	cr_assert_neq(harness_wait_new_pid(&in, "a", 0, 10000), 0);
	cr_assert_neq(harness_wait_new_pid(&in, "b", 0, 10000), 0);
	argv[2] = in.sock;
	bg_start(&b, argv);
	cr_assert(bg_wait_for(&b, "a | tick-a\n", 15000), "%s", b.buf);
	cr_assert(bg_wait_for(&b, "b | tick-b\n", 15000), "%s", b.buf);
	/* live lines of both, after the tails */
	b.len = 0;
	cr_assert(bg_wait_for(&b, "a | tick-a\n", 15000), "%s", b.buf);
	cr_assert(bg_wait_for(&b, "b | tick-b\n", 15000), "%s", b.buf);
	cr_assert_eq(bg_end(&b, SIGTERM), 128 + SIGTERM);
}
