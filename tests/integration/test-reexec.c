/*
 * test-reexec.c — `supctl reexec` against the real supd: 100 children
 * kept with their pids, logs, restart windows and counts and dynamic
 * arguments; a socket that never refuses; a follower without gap or
 * duplicate; a replaced binary, a broken one; the fds of a child started
 * after; a bad snapshot handed to a new image; and specs with and without
 * the rarely set keys (spec.h's struct spec_extra) read the same after a
 * reexec and a reload of the same file.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define NSTATIC	89	/* + crash + 10 dynamic = 100 children */
#define NDYN	10

static struct supd_inst	in;

static void
teardown(void)
{
	if (in.dir[0] != '\0')
		harness_stop(&in);
	memset(&in, 0, sizeof in);
}

TestSuite(reexec, .fini = teardown, .timeout = 240);

static char *
big_conf(void)
{
	char	*s = NULL, *t;
	int	 i;

	s = strdup("[supervisor:root]\nmax_restarts = 100\nmax_seconds = 3600\n"
	    "\n[supervisor:flaky]\nparent = root\nmax_restarts = 2\n"
	    "max_seconds = 3600\n"
	    "\n[worker:crash]\nparent = flaky\ncommand = /bin/sleep 100000\n"
	    "\n[dynamic:jobs]\nparent = root\nmax_restarts = 100\n"
	    "command = /bin/sh -c 'while :; do echo \"$SUPD_NAME $1\"; "
	    "sleep 0.3; done' job\n");
	for (i = 0; i < NSTATIC; i++) {
		cr_assert(asprintf(&t, "%s\n[worker:w%d]\nparent = root\n"
		    "command = /bin/sh -c 'while :; do echo tick; sleep 0.3; "
		    "done'\n", s, i) > 0);
		free(s);
		s = t;
	}
	return (s);
}

/* name -> pid of every worker with a process, from status --json. */
static json_t *
pids(void)
{
	json_t	*rows, *row, *out = json_object();
	char	*o = NULL;
	size_t	 i;

	cr_assert_eq(harness_supctl(&in, &o, "--json", "status", NULL), 0);
	cr_assert_not_null(rows = json_loads(o, 0, NULL), "%s", o);
	json_array_foreach(rows, i, row)
		if (json_is_integer(json_object_get(row, "pid")))
			json_object_set(out, json_string_value(json_object_get(
			    row, "name")), json_object_get(row, "pid"));
	json_decref(rows);
	free(o);
	return (out);
}

static int
restarts_of(const char *name)
{
	json_t	*rows, *row;
	char	*o = NULL;
	int	 r = -1;

	cr_assert_eq(harness_supctl(&in, &o, "--json", "status", name, NULL), 0);
	rows = json_loads(o, 0, NULL);
	row = json_array_get(rows, 0);
	r = (int)json_integer_value(json_object_get(row, "restarts"));
	json_decref(rows);
	free(o);
	return (r);
}

static void
reexec_ok(int children)
{
	char	*o = NULL, want[128];
	int	 rc;

	char	*argv[] = { (char *)harness_supctl_bin, "-s", in.sock, "reexec",
	    NULL }, *e = NULL;

	rc = harness_run(&o, &e, argv);
	cr_assert_eq(rc, 0, "%s%s", o, e);
	free(e);
	snprintf(want, sizeof want, "supd reexecuted: pid %d, %d children "
	    "kept\n", (int)in.pid, children);
	cr_assert_str_eq(o, want);
	free(o);
}

static void
crash(const char *name)
{
	pid_t	pid = harness_whereis(&in, name);

	cr_assert(pid > 0);
	kill(pid, SIGKILL);
	harness_wait_new_pid(&in, name, pid, 5000);
}

Test(reexec, hundred_children_keep_pids_logs_windows_and_counts)
{
	json_t	*before, *after;
	char	*conf = big_conf(), name[16], arg[32], *o = NULL, *log;
	int	 i, lines;

	harness_init(&in, conf);
	free(conf);
	harness_start(&in);
	for (i = 0; i < NDYN; i++) {
		snprintf(name, sizeof name, "j%d", i);
		snprintf(arg, sizeof arg, "arg-of-%d", i);
		cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", name,
		    "--", arg, NULL), 0);
	}
	cr_assert(harness_wait_lines(&in, "log/w0.log", 1, 5000) >= 1);
	crash("crash");
	crash("crash");
	cr_assert_eq(restarts_of("crash"), 2);
	before = pids();
	cr_assert_eq(json_object_size(before), NSTATIC + 1 + NDYN);

	reexec_ok(NSTATIC + 1 + NDYN);
	after = pids();
	cr_assert(json_equal(before, after), "pids changed across the reexec");
	cr_assert(harness_wait_log(&in, "took over pid", 1000));
	cr_assert_eq(restarts_of("crash"), 2);

	/* the output still reaches the same files */
	log = harness_read(&in, "log/w5.log");
	lines = harness_count(log, "tick");
	free(log);
	cr_assert(harness_wait_lines(&in, "log/w5.log", lines + 3, 5000) >=
	    lines + 3);
	log = harness_read(&in, "log/j3.log");
	cr_assert(strstr(log, "j3 arg-of-3") != NULL, "%s", log);
	lines = harness_count(log, "arg-of-3");
	free(log);
	cr_assert(harness_wait_lines(&in, "log/j3.log", lines + 2, 5000) >=
	    lines + 2);

	/* the window held two restarts: the third exit gives up */
	kill(harness_whereis(&in, "crash"), SIGKILL);
	cr_assert(harness_wait_log(&in, "give up: flaky", 5000));
	cr_assert_eq(harness_supctl(&in, &o, "events", "flaky", NULL), 0);
	cr_assert(strstr(o, "intensity") != NULL, "%s", o);
	free(o);
	/* a dynamic child keeps its arguments when it restarts after */
	crash("j4");
	cr_assert(harness_wait_lines(&in, "log/j4.log", 1, 2000) >= 1);
	harness_sleep_ms(700);
	log = harness_read(&in, "log/j4.log");
	cr_assert_eq(harness_count(log, "j4 arg-of-4"), harness_count(log,
	    "\n"), "%s", log);
	free(log);
	json_decref(before);
	json_decref(after);
}

static const char *small_conf =
    "[supervisor:root]\n"
    "[worker:a]\nparent = root\ncommand = /bin/sleep 100000\n"
    "[dynamic:jobs]\nparent = root\ncommand = /bin/sleep\n";

static int
try_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, rc;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	close(fd);
	return (rc);
}

Test(reexec, clients_connecting_meanwhile_are_never_refused)
{
	struct timespec	 ts = { 0, 200000 };
	int		 p[2], refused = -1, tries = 0, i;
	char		*s, stop[400];
	pid_t		 pid;

	harness_init(&in, small_conf);
	harness_start(&in);
	cr_assert_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		snprintf(stop, sizeof stop, "%s/stop-probing", in.dir);
		refused = 0;
		/* bounded: 20 s at most, whatever happens to the test */
		for (i = 0; i < 50000 && access(stop, F_OK) == -1; i++) {
			tries++;
			if (try_connect(in.sock) == -1)
				refused++;
			nanosleep(&ts, NULL);
		}
		dprintf(p[1], "%d %d\n", refused, tries);
		_exit(0);
	}
	close(p[1]);
	for (i = 0; i < 3; i++) {
		harness_sleep_ms(150);
		reexec_ok(1);
	}
	harness_sleep_ms(150);
	snprintf(stop, sizeof stop, "%s/stop-probing", in.dir);
	close(open(stop, O_WRONLY | O_CREAT, 0644));
	waitpid(pid, NULL, 0);
	s = harness_slurp_fd(p[0]);
	close(p[0]);
	cr_assert(s != NULL && sscanf(s, "%d %d", &refused, &tries) == 2);
	free(s);
	cr_assert(tries > 100, "%d tries", tries);
	cr_assert_eq(refused, 0, "%d of %d connections refused", refused, tries);
}

Test(reexec, a_follower_sees_no_gap_and_no_duplicate)
{
	char	 outp[400], *s, *line, *save, name[16];
	pid_t	 pid;
	int	 fd, i, n = 0;
	long	 seq, prev = 0;
	json_t	*ev;

	harness_init(&in, small_conf);
	harness_start(&in);
	snprintf(outp, sizeof outp, "%s/follow.out", in.dir);
	if ((pid = fork()) == 0) {
		fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		execl(harness_supctl_bin, "supctl", "-s", in.sock, "--json",
		    "events", "--follow", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "s%d", i);
		cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", name,
		    "--", "100000", NULL), 0);
		if (i % 4 == 3)
			reexec_ok(1 + i + 1);
	}
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "s0", NULL), 0);
	harness_sleep_ms(500);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	s = harness_read(&in, "follow.out");
	cr_assert_not_null(s);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		cr_assert_not_null(ev = json_loads(line, 0, NULL), "%s", line);
		seq = (long)json_integer_value(json_object_get(ev, "seq"));
		cr_assert_eq(seq, prev + 1, "seq %ld after %ld", seq, prev);
		prev = seq;
		n++;
		json_decref(ev);
	}
	free(s);
	/* start a, 12 spawns with their starts, the stop and remove of s0 */
	cr_assert(n >= 1 + 24 + 2, "%d events", n);
}

/* A copy of the built supd at dir/bin/supd, which supd is started from. */
static void
start_from_copy(char *bin, size_t len)
{
	char	cmd[1200];

	snprintf(bin, len, "%s/bin-supd", in.dir);
	snprintf(cmd, sizeof cmd, "cp %s %s", harness_supd_bin, bin);
	cr_assert_eq(system(cmd), 0);
	harness_supd_bin = bin;
	harness_start(&in);
}

/* Put text in place of bin as a package upgrade does: a new file renamed over. */
static void
replace(const char *bin, const char *text)
{
	char	tmp[600];
	FILE	*f;

	snprintf(tmp, sizeof tmp, "%s.new", bin);
	cr_assert_not_null(f = fopen(tmp, "w"));
	fputs(text, f);
	fclose(f);
	chmod(tmp, 0755);
	cr_assert_eq(rename(tmp, bin), 0);
}

Test(reexec, a_replaced_binary_takes_over)
{
	const char	*real = harness_supd_bin;
	char		 bin[400], script[1200], *m;
	pid_t		 a;

	harness_init(&in, small_conf);
	start_from_copy(bin, sizeof bin);
	harness_supd_bin = real;
	a = harness_whereis(&in, "a");
	snprintf(script, sizeof script, "#!/bin/sh\necho \"new $*\" >> %s/marker\n"
	    "exec %s \"$@\"\n", in.dir, real);
	replace(bin, script);
	reexec_ok(1);
	m = harness_read(&in, "marker");
	cr_assert_not_null(m);
	cr_assert(strstr(m, "new --reexec-probe") != NULL, "%s", m);
	cr_assert(strstr(m, "--reexec-fd") != NULL, "%s", m);
	free(m);
	cr_assert_eq(harness_whereis(&in, "a"), a);
	/* and once more, from the binary the script exec'd */
	reexec_ok(1);
	cr_assert_eq(harness_whereis(&in, "a"), a);
}

Test(reexec, a_broken_binary_leaves_the_old_supd_running)
{
	const char	*real = harness_supd_bin;
	char		 bin[400], *o = NULL, *e = NULL;
	char		*argv[] = { (char *)harness_supctl_bin, "-s", in.sock,
			    "reexec", NULL };
	pid_t		 a;

	harness_init(&in, small_conf);
	argv[2] = in.sock;
	start_from_copy(bin, sizeof bin);
	harness_supd_bin = real;
	a = harness_whereis(&in, "a");

	replace(bin, "#!/bin/sh\necho broken\nexit 1\n");
	cr_assert_eq(harness_run(&o, &e, argv), 1);
	cr_assert(strstr(e, "--reexec-probe: exit status 1 (\"broken\")") !=
	    NULL, "%s", e);
	free(o);
	free(e);

	replace(bin, "\x7f" "ELF garbage\x01\x02\x03");
	cr_assert_eq(harness_run(&o, &e, argv), 1);
	cr_assert(strstr(e, "exec: Exec format error") != NULL, "%s", e);
	free(o);
	free(e);

	unlink(bin);
	cr_assert_eq(harness_run(&o, &e, argv), 1);
	cr_assert(strstr(e, "No such file or directory") != NULL, "%s", e);
	free(o);
	free(e);

	cr_assert(harness_wait_log(&in, "reexec failed", 100));
	cr_assert_eq(harness_whereis(&in, "a"), a);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "x", "--",
	    "100000", NULL), 0);
}

/* The fds of pid other than 0, 1 and 2. */
static int
extra_fds(pid_t pid, char *what, size_t len)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	what[0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	cr_assert_not_null(d = opendir(path));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "0") == 0 ||
		    strcmp(de->d_name, "1") == 0 || strcmp(de->d_name, "2") == 0)
			continue;
		n++;
		strncat(what, de->d_name, len - strlen(what) - 2);
		strncat(what, " ", len - strlen(what) - 1);
	}
	closedir(d);
	return (n);
}

Test(reexec, a_child_started_after_holds_only_its_stdio)
{
	char	what[256];
	pid_t	pid;
	int	before, after, i;

	harness_init(&in, small_conf);
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "old", "--",
	    "100000", NULL), 0);
	before = harness_fd_count(in.pid);
	reexec_ok(2);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "new", "--",
	    "100000", NULL), 0);
	pid = harness_whereis(&in, "new");
	/* just exec'd: the dynamic loader holds its files for a moment */
	for (i = 0; i < 50 * harness_scale() && extra_fds(pid, what, sizeof what) != 0; i++)
		harness_sleep_ms(20);
	cr_assert_eq(extra_fds(pid, what, sizeof what), 0, "fds: %s", what);
	pid = harness_whereis(&in, "old");
	cr_assert_eq(extra_fds(pid, what, sizeof what), 0, "fds: %s", what);
	/*
	 * the new child's two pipes (stdout, stderr), its log file and pidfd,
	 * nothing left of the snapshot; the old children's pidfds opened
	 * again, not added
	 */
	after = harness_fd_count(in.pid);
	cr_assert(after <= before + 4, "supd had %d fds, now %d", before, after);
}

/* Start supd as a reexec would, with fmt (%d: its pid) as the snapshot on fd 9. */
static void
start_with_snapshot(const char *fmt)
{
	char	path[400], state[400], logdir[400], tag[400], *text;
	int	fd;

	snprintf(path, sizeof path, "%s/snap", in.dir);
	snprintf(state, sizeof state, "%s/state.db", in.dir);
	snprintf(logdir, sizeof logdir, "%s/log", in.dir);
	snprintf(tag, sizeof tag, "SUPD_TEST_TAG=%s", in.dir);
	if ((in.pid = fork()) == 0) {
		putenv(tag);
		if (asprintf(&text, fmt, (int)getpid()) == -1)
			_exit(127);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
			_exit(127);
		dup2(fd, 9);
		if ((fd = open(in.log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1)
			dup2(fd, 2);
		execl(harness_supd_bin, "supd", "-c", in.conf, "-s", in.sock,
		    "--state", state, "--log-dir", logdir, "-v", "--reexec-fd",
		    "9", (char *)NULL);
		_exit(127);
	}
}

Test(reexec, a_bad_snapshot_is_refused_and_supd_starts_afresh)
{
	static const char *bad[] = {
		"garbage \x01\x02",
		"{\"format\":\"supd-reexec\",\"vers",
		"{\"format\":\"supd-reexec\",\"version\":99}",
		"{\"format\":\"supd-reexec\",\"version\":1,\"pid\":1}",
		"{\"format\":\"supd-reexec\",\"version\":1,\"pid\":%d,"
		    "\"conf\":{\"path\":\"x.ini\",\"dir\":\"/\",\"text\":"
		    "\"[worker:\"}}",
		"{\"format\":\"supd-reexec\",\"version\":1,\"pid\":%d,"
		    "\"conf\":{\"path\":\"x.ini\",\"dir\":\"/\",\"text\":"
		    "\"[supervisor:root]\\n[worker:a]\\nparent=root\\n"
		    "command=/bin/sleep 100000\\n\"},\"socket\":\"/nonexistent/s\","
		    "\"state\":\"/nonexistent/s\",\"log_dir\":\"/nonexistent\","
		    "\"listen_fd\":9,\"client_fd\":-1,\"seq\":5,\"nodes\":[]}",
		NULL
	};
	char	*log;
	int	 i;

	harness_init(&in, small_conf);
	for (i = 0; bad[i] != NULL; i++) {
		start_with_snapshot(bad[i]);
		cr_assert(harness_wait_log(&in, "supervisor root started", 5000),
		    "snapshot %d", i);
		log = harness_read(&in, "supd.log");
		cr_assert(strstr(log, "the snapshot cannot be used") != NULL,
		    "snapshot %d: %s", i, log);
		free(log);
		cr_assert(harness_whereis(&in, "a") > 0);
		cr_assert_eq(harness_supctl(&in, NULL, "shutdown", NULL), 0);
		cr_assert_eq(harness_wait_exit(&in, 5000), 0);
		cr_assert_eq(truncate(in.log, 0), 0);
	}
	in.pid = 0;
}

/* What inspect says of name's spec. */
static json_t *
spec_of(const char *name)
{
	json_t	*doc, *spec;
	char	*o = NULL;

	cr_assert_eq(harness_supctl(&in, &o, "--json", "inspect", name, NULL), 0);
	cr_assert_not_null(doc = json_loads(o, 0, NULL), "%s", o);
	cr_assert_not_null(spec = json_object_get(doc, "spec"), "%s", o);
	json_incref(spec);
	json_decref(doc);
	free(o);
	return (spec);
}

Test(reexec, extra_keys_and_none_read_the_same_after_reexec_and_reload)
{
	static const char conf[] = "[supervisor:root]\n"
	    "[worker:plain]\nparent = root\ncommand = /bin/sleep 100000\n"
	    "[worker:rich]\nparent = root\ncommand = /bin/sleep 100000\n"
	    /* no limit_nofile: memcheck refuses a child its own fd limit */
	    "cwd = /tmp\nnice = 5\nlimit_core = 0\nstop_signal = INT\n"
	    "restart_delay = 100\nsuccess_exit_codes = 0 3 USR1\n"
	    "umask = 027\n";
	static const char *const names[] = { "plain", "rich" };
	json_t	*before[2], *now, *res;
	char	*o = NULL, *a, *b;
	size_t	 i;

	harness_init(&in, conf);
	harness_start(&in);
	for (i = 0; i < 2; i++)
		before[i] = spec_of(names[i]);
	cr_assert_str_eq(json_string_value(json_object_get(before[1],
	    "stop_signal")), "INT");
	cr_assert_str_eq(json_string_value(json_object_get(before[0],
	    "stop_signal")), "TERM", "the defaults, with no extra block");
	reexec_ok(2);
	cr_assert_eq(harness_supctl(&in, &o, "--json", "reload", NULL), 0);
	cr_assert_not_null(res = json_loads(o, 0, NULL), "%s", o);
	cr_assert_eq(json_array_size(json_object_get(res, "changed")), 0,
	    "a reload of the same file changes nothing: %s", o);
	json_decref(res);
	free(o);
	for (i = 0; i < 2; i++) {
		now = spec_of(names[i]);
		a = json_dumps(before[i], JSON_SORT_KEYS);
		b = json_dumps(now, JSON_SORT_KEYS);
		cr_assert(json_equal(before[i], now), "%s: %s, then %s",
		    names[i], a, b);
		free(a);
		free(b);
		json_decref(now);
		json_decref(before[i]);
	}
}
