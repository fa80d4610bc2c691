/*
 * harness.c — start and stop the real daemon for integration tests.  Every
 * child a test's config starts carries SUPD_TEST_TAG=<its directory> in its
 * environment (supd passes its own environment on), so cleanup can find and
 * kill whatever is left, whichever process group it ended up in.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"

const char *harness_supd_bin = BUILDDIR "/daemon/supd";
const char *harness_supctl_bin = BUILDDIR "/cli/supctl";

/*
 * make valgrind: memcheck runs supd some 20 times slower, so every wait a
 * test makes on supd is harness_scale() times as long (SUPD_VALGRIND_SCALE,
 * 30 by default; 1 without SUPD_VALGRIND).
 */
int
harness_valgrind(void)
{
	return (getenv("SUPD_VALGRIND") != NULL);
}

int
harness_scale(void)
{
	const char	*s;
	int		 n;

	if (!harness_valgrind())
		return (1);
	if ((s = getenv("SUPD_VALGRIND_SCALE")) != NULL && (n = atoi(s)) > 0)
		return (n);
	return (30);
}

int
harness_ms(int ms)
{
	return (ms > 0 ? ms * harness_scale() : ms);
}

const char *
harness_secs(double secs)
{
	static char	buf[8][32];
	static int	next;
	char		*b = buf[next++ % 8];

	snprintf(b, sizeof buf[0], "%g", secs * harness_scale());
	return (b);
}

int
harness_skip_valgrind(const char *what)
{
	if (!harness_valgrind())
		return (0);
	/* stderr, not cr_log_warn: a warning would fail the program */
	fprintf(stderr, "valgrind: %s::%s: not checked: %s\n",
	    criterion_current_test->category, criterion_current_test->name, what);
	return (1);
}

/*
 * Criterion's own per-test and per-suite timeouts, scaled likewise before
 * any test runs (the runner reads them when it starts each test), and
 * supctl's.
 */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	int	scale = harness_scale();
	char	secs[32];

	if (scale == 1)
		return;
	/* supctl's own wait for a reply (30 s), unless a test sets it */
	snprintf(secs, sizeof secs, "%d", 30 * scale);
	setenv("SUPCTL_TIMEOUT", secs, 0);
	FOREACH_SET(struct criterion_suite_set *s, set->suites) {
		if (s->suite.data != NULL)
			s->suite.data->timeout *= scale;
		FOREACH_SET(struct criterion_test *t, s->tests)
			if (t->data != NULL)
				t->data->timeout *= scale;
	}
}

void
harness_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static char *
harness_replace(const char *s, const char *from, const char *to)
{
	size_t	 n = 0, fl = strlen(from), tl = strlen(to);
	const char *p;
	char	*out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	out = o = malloc(strlen(s) + n * tl + 1);
	while ((p = strstr(s, from)) != NULL) {
		memcpy(o, s, p - s);
		o += p - s;
		memcpy(o, to, tl);
		o += tl;
		s = p + fl;
	}
	strcpy(o, s);
	return (out);
}

void
harness_init(struct supd_inst *in, const char *ini)
{
	char	*body;
	FILE	*f;

	memset(in, 0, sizeof *in);
	strcpy(in->dir, "/tmp/supd-test.XXXXXX");
	cr_assert_not_null(mkdtemp(in->dir));
	chmod(in->dir, 0755);
	snprintf(in->conf, sizeof in->conf, "%s/supd.ini", in->dir);
	snprintf(in->sock, sizeof in->sock, "%s/supd.sock", in->dir);
	snprintf(in->log, sizeof in->log, "%s/supd.log", in->dir);
	body = harness_replace(ini, "@DIR@", in->dir);
	cr_assert_not_null(f = fopen(in->conf, "w"));
	fputs(body, f);
	fclose(f);
	free(body);
	in->status = -1;
}

int
harness_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return (-1);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
harness_connects(const char *path)
{
	int	fd;

	if ((fd = harness_connect(path)) == -1)
		return (0);
	close(fd);
	return (1);
}

/* The test's own environment changes for supd ("K=V" sets, "K" unsets). */
static void
harness_apply_env(const char *const *env)
{
	char	key[256];
	const char *eq;

	for (; env != NULL && *env != NULL; env++) {
		if ((eq = strchr(*env, '=')) == NULL) {
			unsetenv(*env);
			continue;
		}
		snprintf(key, sizeof key, "%.*s", (int)(eq - *env), *env);
		setenv(key, eq + 1, 1);
	}
}

/*
 * make valgrind: supd under memcheck, its report in dir/valgrind.d/valgrind.PID.log
 * (-q: only errors and definite leaks), read by harness_check_sanitizers.
 */
static void
harness_exec_valgrind(struct supd_inst *in, const char *state,
    const char *logdir)
{
	char	logfile[320];

	snprintf(logfile, sizeof logfile,
	    "--log-file=%s/valgrind.d/valgrind.%%p.log", in->dir);
	if (in->defaults)
		execl("/usr/bin/valgrind", "valgrind", "-q", "--leak-check=full",
		    "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
		    logfile, harness_supd_bin, "-v", (char *)NULL);
	else
		execl("/usr/bin/valgrind", "valgrind", "-q", "--leak-check=full",
		    "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
		    logfile, harness_supd_bin, "-c", in->conf, "-s", in->sock,
		    "--state", state, "--log-dir", logdir, "-v", (char *)NULL);
	_exit(127);
}

/* Move the calling process into the cgroup2 directory dir. */
static int
harness_join_cgroup(const char *dir)
{
	char	path[512], pid[32];
	int	fd, n, ok;

	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	n = snprintf(pid, sizeof pid, "%d", (int)getpid());
	if ((fd = open(path, O_WRONLY)) == -1)
		return (-1);
	ok = write(fd, pid, n) == n;
	close(fd);
	return (ok ? 0 : -1);
}

void
harness_start_nowait(struct supd_inst *in)
{
	char	tag[300], state[300], logdir[300];
	int	fd;

	snprintf(tag, sizeof tag, "SUPD_TEST_TAG=%s", in->dir);
	if (in->state != NULL)
		snprintf(state, sizeof state, "%s", in->state);
	else
		snprintf(state, sizeof state, "%s/state.db", in->dir);
	snprintf(logdir, sizeof logdir, "%s/log", in->dir);
	in->pid = fork();
	cr_assert(in->pid != -1);
	if (in->pid == 0) {
		/*
		 * A failed assertion ends the test before harness_stop: supd
		 * then goes when the test process goes, stopping its tree.
		 */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		putenv(tag);
		unsetenv("NOTIFY_SOCKET");
		harness_apply_env(in->env);
		if ((fd = open(in->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 2);
			close(fd);
		}
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			close(fd);
		}
		if (in->cgroup != NULL && harness_join_cgroup(in->cgroup) == -1)
			_exit(125);
		/* memcheck's logs, where supd's user may write them */
		if (harness_valgrind()) {
			char	vgdir[320];

			snprintf(vgdir, sizeof vgdir, "%s/valgrind.d", in->dir);
			(void)mkdir(vgdir, 0755);
			if (in->uid != 0 && chown(vgdir, in->uid, in->gid) == -1)
				_exit(125);
		}
		/* the user may not reach the test's working directory */
		if (in->uid != 0 && (setgroups(0, NULL) == -1 ||
		    setgid(in->gid) == -1 || setuid(in->uid) == -1 ||
		    chdir(in->dir) == -1))
			_exit(126);
		if (getenv("SUPD_VALGRIND") != NULL)
			harness_exec_valgrind(in, state, logdir);
		if (in->defaults)
			execl(harness_supd_bin, "supd", "-v", (char *)NULL);
		else
			execl(harness_supd_bin, "supd", "-c", in->conf, "-s",
			    in->sock, "--state", state, "--log-dir", logdir, "-v",
			    (char *)NULL);
		_exit(127);
	}
}

void
harness_start(struct supd_inst *in)
{
	int	i;

	harness_start_nowait(in);
	for (i = 0; i < 500 * harness_scale(); i++) {
		if (harness_connects(in->sock))
			return;
		if (harness_wait_exit(in, 0) >= 0)
			break;
		harness_sleep_ms(10);
	}
	{
		char	*log = harness_read(in, "supd.log");

		cr_log_error("supd did not come up; its log:\n%s", log ? log : "(none)");
		free(log);
	}
	harness_stop(in);
	cr_assert_fail("supd did not start serving %s", in->sock);
}

int
harness_wait_exit(struct supd_inst *in, int ms)
{
	int	st, waited = 0;

	ms = harness_ms(ms);
	if (in->status >= 0 || in->pid <= 0)
		return (in->status);
	for (;;) {
		if (waitpid(in->pid, &st, WNOHANG) == in->pid) {
			in->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			return (in->status);
		}
		if (waited >= ms)
			return (-1);
		harness_sleep_ms(5);
		waited += 5;
	}
}

int
harness_tagged_each(struct supd_inst *in, void (*fn)(pid_t, void *), void *arg)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[300], buf[65536], tag[300];
	int		 fd, n = 0;
	ssize_t		 len, i;
	size_t		 taglen;

	snprintf(tag, sizeof tag, "SUPD_TEST_TAG=%s", in->dir);
	taglen = strlen(tag);
	if ((d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		pid_t	pid = atoi(de->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%d/environ", pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (i = 0; i < len; i += strlen(buf + i) + 1) {
			if (strncmp(buf + i, tag, taglen) == 0 &&
			    buf[i + taglen] == '\0') {
				char	stat[512], *p;

				/* zombies are dead already; their parent reaps them */
				snprintf(path, sizeof path, "/proc/%d/stat", pid);
				if ((fd = open(path, O_RDONLY)) != -1) {
					ssize_t	sl = read(fd, stat, sizeof stat - 1);

					close(fd);
					stat[sl > 0 ? sl : 0] = '\0';
					if ((p = strrchr(stat, ')')) != NULL && p[2] == 'Z')
						break;
				}
				n++;
				if (fn != NULL)
					fn(pid, arg);
				break;
			}
		}
	}
	closedir(d);
	return (n);
}

static void
harness_kill_one(pid_t pid, void *arg)
{
	kill(pid, *(int *)arg);
}

/* Every live pid whose environment carries our tag, sent sig (0: counted only). */
static int
harness_tagged(struct supd_inst *in, int sig)
{
	return (harness_tagged_each(in, sig != 0 ? harness_kill_one : NULL, &sig));
}

json_t *
harness_status_rows(struct supd_inst *in)
{
	char	*out = NULL;
	json_t	*rows;
	int	 rc = -1, tries;

	for (tries = 0; tries < 100 * harness_scale(); tries++) {
		if ((rc = harness_supctl(in, &out, "--json", "status", NULL)) == 0)
			break;
		free(out);
		out = NULL;
		harness_sleep_ms(50);
	}
	cr_assert_eq(rc, 0, "supctl status: exit %d", rc);
	cr_assert_not_null(rows = json_loads(out, 0, NULL), "%s", out);
	free(out);
	return (rows);
}

json_t *
harness_row(json_t *rows, const char *name)
{
	const char	*nm;
	json_t		*r;
	size_t		 i;

	json_array_foreach(rows, i, r)
		if ((nm = json_string_value(json_object_get(r, "name"))) != NULL &&
		    strcmp(nm, name) == 0)
			return (r);
	return (NULL);
}

struct harness_known {
	const pid_t	*pids;
	int		 n;
	pid_t		 supd, found;
};

static void
harness_stranger_cb(pid_t pid, void *arg)
{
	struct harness_known	*k = arg;
	int			 i;

	if (pid == k->supd || k->found != 0)
		return;
	for (i = 0; i < k->n && k->pids[i] != pid; i++)
		;
	if (i == k->n)
		k->found = pid;
}

pid_t
harness_stranger(struct supd_inst *in, const pid_t *known, int n)
{
	struct harness_known	k = { known, n, in->pid, 0 };

	harness_tagged_each(in, harness_stranger_cb, &k);
	return (k.found);
}

int
harness_tagged_alive(struct supd_inst *in)
{
	return (harness_tagged(in, 0));
}

/*
 * Whether a memcheck log says something is wrong: an error or a definite
 * leak (-q: memcheck prints nothing else on its "==pid==" lines), or
 * valgrind giving up.  Its "--pid--" lines are notes on valgrind itself
 * (a system call it does not know fails with ENOSYS, which supd handles),
 * as is a log it could not move out of a child's way.
 */
static int
harness_valgrind_note(const char *line)
{
	/* a child out of fds (test-limits) before its exec: valgrind's own log */
	const char	*note = "Valgrind: failed to move log file descriptor";
	const char	*p = strstr(line, "== ");

	return (p != NULL && strncmp(p + 3, note, strlen(note)) == 0);
}

static int
harness_valgrind_bad(const char *log)
{
	const char	*line;

	for (line = log; *line != '\0'; line = strchrnul(line, '\n') +
	    (*strchrnul(line, '\n') != '\0'))
		if (strncmp(line, "==", 2) == 0 && !harness_valgrind_note(line))
			return (1);
	return (0);
}

/* What memcheck said of supd (make valgrind): errors and definite leaks fail the test. */
static void
harness_check_valgrind(struct supd_inst *in)
{
	DIR		*d;
	struct dirent	*de;
	char		 rel[300], *log;
	int		 found = 0;

	snprintf(rel, sizeof rel, "%s/valgrind.d", in->dir);
	if (!harness_valgrind() || (d = opendir(rel)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "valgrind.", 9) != 0)
			continue;
		snprintf(rel, sizeof rel, "valgrind.d/%s", de->d_name);
		if ((log = harness_read(in, rel)) == NULL)
			continue;
		if (harness_valgrind_bad(log)) {
			cr_log_error("memcheck on supd (%s):\n%s", rel, log);
			found = 1;
		}
		free(log);
	}
	closedir(d);
	if (found)
		cr_assert_fail("memcheck reported an error or a definite leak in supd");
}

/* supd runs under the sanitizers in `make test`: anything they said fails the test. */
static void
harness_check_sanitizers(struct supd_inst *in)
{
	char	*log = harness_read(in, "supd.log");

	if (log != NULL && (strstr(log, "ERROR: AddressSanitizer") != NULL ||
	    strstr(log, "ERROR: LeakSanitizer") != NULL ||
	    strstr(log, "runtime error:") != NULL)) {
		cr_log_error("supd's sanitizers reported:\n%s", log);
		free(log);
		cr_assert_fail("a sanitizer reported an error in supd");
	}
	free(log);
	harness_check_valgrind(in);
}

void
harness_stop(struct supd_inst *in)
{
	char	cmd[400];
	int	i;

	if (in->pid > 0 && harness_wait_exit(in, 0) < 0) {
		kill(in->pid, SIGTERM);
		if (harness_wait_exit(in, 10000) < 0) {
			kill(in->pid, SIGKILL);
			harness_wait_exit(in, 5000);
		}
	}
	for (i = 0; i < 50 && harness_tagged(in, SIGKILL) > 0; i++)
		harness_sleep_ms(20);
	harness_check_sanitizers(in);
	if (in->dir[0] != '\0' && getenv("SUPD_TEST_KEEP") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", in->dir);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", in->dir);
	}
}

char *
harness_slurp_fd(int fd)
{
	size_t	 len = 0, cap = 4096;
	char	*buf = malloc(cap);
	ssize_t	 n;

	for (;;) {
		if (len + 1024 > cap)
			buf = realloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return (buf);
}

int
harness_run(char **out, char **err, char *const argv[])
{
	int	opipe[2], epipe[2], st;
	pid_t	pid;
	char	*o, *e;

	cr_assert(pipe2(opipe, O_CLOEXEC) == 0);
	cr_assert(pipe2(epipe, O_CLOEXEC) == 0);
	if ((pid = fork()) == 0) {
		dup2(opipe[1], 1);
		dup2(epipe[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	/* stderr is small; read stdout first, then stderr */
	o = harness_slurp_fd(opipe[0]);
	e = harness_slurp_fd(epipe[0]);
	close(opipe[0]);
	close(epipe[0]);
	waitpid(pid, &st, 0);
	if (out != NULL)
		*out = o;
	else
		free(o);
	if (err != NULL)
		*err = e;
	else
		free(e);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int
harness_supctl(struct supd_inst *in, char **out, ...)
{
	char	*argv[64];
	int	 argc = 0;
	va_list	 ap;

	argv[argc++] = (char *)harness_supctl_bin;
	argv[argc++] = "-s";
	argv[argc++] = in->sock;
	va_start(ap, out);
	while (argc < 63 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return (harness_run(out, NULL, argv));
}

char *
harness_read(struct supd_inst *in, const char *file)
{
	char	path[600], *s;
	int	fd;

	snprintf(path, sizeof path, "%s/%s", in->dir, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	s = harness_slurp_fd(fd);
	close(fd);
	return (s);
}

static int
harness_count_lines(const char *s)
{
	int	n = 0;

	for (; s != NULL && *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return (n);
}

int
harness_wait_lines(struct supd_inst *in, const char *file, int n, int ms)
{
	int	waited = 0, have = 0;
	char	*s;

	ms = harness_ms(ms);
	for (;;) {
		s = harness_read(in, file);
		have = harness_count_lines(s);
		free(s);
		if (have >= n || waited >= ms)
			return (have);
		harness_sleep_ms(10);
		waited += 10;
	}
}

int
harness_wait_log(struct supd_inst *in, const char *needle, int ms)
{
	int	waited = 0, found;
	char	*s;

	ms = harness_ms(ms);
	for (;;) {
		s = harness_read(in, "supd.log");
		found = s != NULL && strstr(s, needle) != NULL;
		free(s);
		if (found || waited >= ms)
			return (found);
		harness_sleep_ms(10);
		waited += 10;
	}
}

pid_t
harness_whereis(struct supd_inst *in, const char *name)
{
	char	*out = NULL;
	pid_t	 pid = 0;

	if (harness_supctl(in, &out, "whereis", name, NULL) == 0)
		pid = atoi(out);
	free(out);
	return (pid);
}

pid_t
harness_wait_new_pid(struct supd_inst *in, const char *name, pid_t old, int ms)
{
	int	waited = 0;
	pid_t	pid;

	ms = harness_ms(ms);
	for (;;) {
		pid = harness_whereis(in, name);
		if ((pid != 0 && pid != old) || waited >= ms)
			return (pid != old ? pid : 0);
		harness_sleep_ms(20);
		waited += 20;
	}
}

int
harness_pid_gone(pid_t pid)
{
	char	 path[64], stat[512], *p = NULL;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (1);
	if (fgets(stat, sizeof stat, f) != NULL)
		p = strrchr(stat, ')');
	fclose(f);
	return (p != NULL && p[2] == 'Z');
}

int
harness_zombies_of(pid_t parent)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[64], stat[512], *p;
	int		 fd, n = 0, ppid;
	ssize_t		 len;
	char		 state;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", atoi(de->d_name));
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		len = read(fd, stat, sizeof stat - 1);
		close(fd);
		if (len <= 0)
			continue;
		stat[len] = '\0';
		if ((p = strrchr(stat, ')')) == NULL)
			continue;
		if (sscanf(p + 2, "%c %d", &state, &ppid) == 2 && state == 'Z' &&
		    ppid == parent)
			n++;
	}
	closedir(d);
	return (n);
}

long
harness_ctxt_switches(pid_t pid)
{
	char		 path[320], line[256];
	struct dirent	*de;
	FILE		*f;
	DIR		*d;
	long		 n = 0, v;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	cr_assert_not_null(d = opendir(path), "%s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/status", (int)pid,
		    de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
				n += v;
		fclose(f);
	}
	closedir(d);
	return (n);
}

int
harness_fd_count(pid_t pid)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[64];
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

int
harness_count(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

long long
harness_db_count(struct supd_inst *in, const char *sql)
{
	char		 path[320];
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 n = -1;

	snprintf(path, sizeof path, "%s/state.db", in->dir);
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (n);
}
