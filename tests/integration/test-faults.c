/*
 * test-faults.c — what the machine and the children throw at supd, and
 * supd supervising on: fork failing (RLIMIT_NPROC) is a start failure
 * counted by intensity; a child that closes its output pipe or floods it;
 * a child that exits between fork and exec (its cwd is gone); SIGSTOP-ed
 * children (a stop still escalates to SIGKILL); the state file's
 * directory removed while running; a junk flood at a starting child's
 * notify socket.  (EMFILE on accept: test-limits.c.)
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct supd_inst	in;

static void	nproc_free(void);

static void
teardown(void)
{
	nproc_free();
	harness_stop(&in);
}

TestSuite(faults, .fini = teardown, .timeout = 120);

static long
cpu_ms(pid_t pid)
{
	char		 path[64], *stat = NULL, *p;
	unsigned long	 ut, st;
	size_t		 n = 0;
	FILE		*f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	cr_assert_not_null(f = fopen(path, "re"));
	cr_assert_gt(getline(&stat, &n, f), 0);
	fclose(f);
	cr_assert_not_null(p = strrchr(stat, ')'));
	cr_assert_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%lu %lu", &ut, &st), 2);
	free(stat);
	return ((long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK)));
}

static long
rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	cr_assert_not_null(f = fopen(path, "re"));
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return (kb);
}

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* supd still supervises: w is killed and comes back with a new pid. */
static void
still_supervising(const char *name)
{
	pid_t	old, now;

	cr_assert_gt(old = harness_whereis(&in, name), 0, "%s does not run", name);
	cr_assert_eq(kill(old, SIGKILL), 0);
	now = harness_wait_new_pid(&in, name, old, 10000);
	cr_assert(now > 0 && now != old, "%s was not restarted after a kill",
	    name);
}

/*
 * Run as nobody when root (RLIMIT_NPROC binds no root process): copies of
 * the binaries in the test's directory, which nobody owns.
 */
static void
as_nobody(void)
{
	static char	 supd_copy[300], supctl_copy[300];
	struct passwd	*pw;
	char		 cmd[1000];

	if (geteuid() != 0)
		return;
	cr_assert_not_null(pw = getpwnam("nobody"));
	in.uid = pw->pw_uid;
	in.gid = pw->pw_gid;
	snprintf(cmd, sizeof cmd, "mkdir -m 0755 %s/bin && cp %s/daemon/supd "
	    "%s/cli/supctl %s/bin/ && chown -R %u:%u %s", in.dir, BUILDDIR,
	    BUILDDIR, in.dir, (unsigned)in.uid, (unsigned)in.gid, in.dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(supd_copy, sizeof supd_copy, "%s/bin/supd", in.dir);
	snprintf(supctl_copy, sizeof supctl_copy, "%s/bin/supctl", in.dir);
	harness_supd_bin = supd_copy;
	harness_supctl_bin = supctl_copy;
}

/*
 * RLIMIT_NPROC counts every task of a user, and lowering a running
 * process's limit may take a capability the test lacks: supd starts with
 * a limit of 64 tasks more than its user has, and a filler process of the
 * same user then takes every task left (forking until EAGAIN, and again
 * whenever one is freed), so supd's next fork fails.
 */
static rlim_t	nproc_limit;
static pid_t	filler;

static int
user_tasks(uid_t uid)
{
	char	 cmd[128], buf[32];
	FILE	*p;
	int	 n = 0;

	snprintf(cmd, sizeof cmd, "ps -L -o lwp= -u %u | wc -l", (unsigned)uid);
	cr_assert_not_null(p = popen(cmd, "r"));
	if (fgets(buf, sizeof buf, p) != NULL)
		n = atoi(buf);
	pclose(p);
	return (n);
}

static void
nproc_lower(void)
{
	struct rlimit	rl;

	nproc_limit = (rlim_t)user_tasks(in.uid) + 64;
	cr_assert_eq(getrlimit(RLIMIT_NPROC, &rl), 0);
	rl.rlim_cur = nproc_limit;
	cr_assert_eq(setrlimit(RLIMIT_NPROC, &rl), 0);
}

static void
nproc_restore(void)
{
	struct rlimit	rl;

	cr_assert_eq(getrlimit(RLIMIT_NPROC, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NPROC, &rl), 0);
}

static volatile sig_atomic_t	filler_done;

static void
filler_term(int sig)
{
	(void)sig;
	filler_done = 1;
}

/* Fork until the user has no task left, and take each one freed; TERM: reap all. */
static void __attribute__((noreturn))
filler_run(int report)
{
	struct rlimit	 rl;
	pid_t		*kids, pid;
	int		 n = 0, i;
	char		 c = 0;

	kids = calloc(nproc_limit + 1, sizeof *kids);
	signal(SIGTERM, filler_term);
	if (kids == NULL || setgroups(0, NULL) == -1 || setgid(in.gid) == -1 ||
	    setuid(in.uid) == -1 || getrlimit(RLIMIT_NPROC, &rl) == -1)
		_exit(1);
	rl.rlim_cur = nproc_limit;
	if (setrlimit(RLIMIT_NPROC, &rl) == -1)
		_exit(1);
	while (!filler_done) {
		if (n < (int)nproc_limit && (pid = fork()) == 0) {
			pause();
			_exit(0);
		} else if (n < (int)nproc_limit && pid > 0) {
			kids[n++] = pid;
			continue;
		}
		if (c == 0) {
			/* full (or, whatever the kernel does, never past the limit) */
			c = n < (int)nproc_limit ? 'f' : 'x';
			(void)write(report, &c, 1);
		}
		usleep(2000);
	}
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	_exit(0);
}

static void
nproc_fill(void)
{
	int	p[2];
	char	c = 0;

	cr_assert_eq(pipe(p), 0);
	cr_assert_neq(filler = fork(), -1);
	if (filler == 0) {
		close(p[0]);
		filler_run(p[1]);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	cr_assert_eq(c, 'f', "the filler could not fill the user's tasks");
}

/* The filler reaps its own children: their tasks are free once it is gone. */
static void
nproc_free(void)
{
	if (filler > 0) {
		kill(filler, SIGTERM);
		waitpid(filler, NULL, 0);
		filler = 0;
	}
}

/* Start supd as nobody (when root) with fork failing once nproc_fill runs. */
static void
nproc_start(const char *ini)
{
	const char *const *env = in.env;

	harness_init(&in, ini);
	in.env = env;
	as_nobody();
	cr_assert_neq(in.uid, 0, "needs a user to run supd as");
	nproc_lower();
	harness_start(&in);
	nproc_restore();
}

Test(faults, fork_failing_is_a_start_failure_and_supd_supervises_on)
{
	char	*out = NULL, *log;
	pid_t	 old, now;

	nproc_start("[supervisor:root]\n"
	    "max_restarts = 1000\nmax_seconds = 60\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n"
	    "restart_delay = 200\nrestart_delay_max = 200\n"
	    "[dynamic:jobs]\nparent = root\ncommand = /bin/sleep 600\n");
	cr_assert_gt(old = harness_whereis(&in, "w"), 0);
	nproc_fill();

	/* a spawn is refused with the reason */
	cr_assert_neq(harness_supctl(&in, &out, "spawn", "jobs", "j1", NULL), 0,
	    "spawn succeeded without a fork: %s", out);
	free(out);
	cr_assert(harness_wait_log(&in, "Resource temporarily unavailable",
	    5000), "the start failure does not say why");

	/* restarts fail, each after its delay, and each counts */
	kill(old, SIGKILL);
	cr_assert(harness_wait_log(&in, "restart w (restart 3)", 10000),
	    "failed starts are not retried as restarts");
	cr_assert_eq(harness_whereis(&in, "w"), 0, "w runs without a fork");
	cr_assert_eq(harness_wait_exit(&in, 0), -1, "supd exited");
	cr_assert_eq(harness_supctl(&in, NULL, "status", NULL), 0);

	/* forks again: w comes back, and a spawn works */
	nproc_free();
	now = harness_wait_new_pid(&in, "w", old, 10000);
	cr_assert(now > 0 && now != old, "w did not come back");
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "j2", NULL), 0);
	log = harness_read(&in, "supd.log");
	cr_assert_gt(harness_count(log, "start w failed: "), 1);
	free(log);
	still_supervising("w");
}

Test(faults, fork_failing_counts_against_intensity_until_the_root_gives_up)
{
	pid_t	 old;
	char	*log;

	/* LeakSanitizer's exit check needs a thread it cannot have here */
	static const char *const env[] = {
	    "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1", NULL };

	in.env = env;
	nproc_start("[supervisor:root]\nmax_restarts = 3\nmax_seconds = 3600\n"
	    "[worker:fragile]\nparent = root\ncommand = /bin/sleep 600\n"
	    "restart_delay = 100\nrestart_delay_max = 100\n");
	cr_assert_gt(old = harness_whereis(&in, "fragile"), 0);
	nproc_fill();
	kill(old, SIGKILL);
	/* OTP: a child that cannot start is restarted until intensity runs out */
	cr_assert_eq(harness_wait_exit(&in, 20000), 3,
	    "supd did not exit 3 (the root gave up): %d", in.status);
	log = harness_read(&in, "supd.log");
	cr_assert_not_null(strstr(log, "give up: root: more than 3 restarts"),
	    "%s", log);
	cr_assert_not_null(strstr(log, "Resource temporarily unavailable"));
	free(log);
}

Test(faults, a_child_that_closes_its_output_is_still_supervised)
{
	pid_t	pid;
	long	cpu;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:closer]\nparent = root\n"
	    "command = /bin/sh -c 'exec >&- 2>&-; exec sleep 600'\n"
	    "shutdown = 2000\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	harness_start(&in);
	cr_assert_gt(pid = harness_whereis(&in, "closer"), 0);
	harness_sleep_ms(300);
	/* the end of its output is no exit, and no busy loop */
	cpu = cpu_ms(in.pid);
	harness_sleep_ms(1000);
	cpu = cpu_ms(in.pid) - cpu;
	cr_assert_lt(cpu, 300, "supd used %ld ms of CPU in a second", cpu);
	cr_assert_eq(harness_whereis(&in, "closer"), pid, "closer is not running");
	still_supervising("closer");
	still_supervising("w");
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "closer", NULL), 0);
	cr_assert_eq(harness_whereis(&in, "closer"), 0);
}

Test(faults, a_child_flooding_its_output_leaves_supd_serving)
{
	char	*out = NULL;
	long	 rss0, rss1;
	int64_t	 t0, worst = 0, dt;
	int	 i;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:flood]\nparent = root\n"
	    "command = /bin/sh -c 'exec cat /dev/zero'\n"
	    "[worker:flood2]\nparent = root\n"
	    "command = /usr/bin/yes 0123456789abcdef0123456789abcdef\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	harness_start(&in);
	cr_assert_gt(harness_whereis(&in, "flood"), 0);
	harness_sleep_ms(1000);
	rss0 = rss_kb(in.pid);
	for (i = 0; i < 10; i++) {
		t0 = mono_ms();
		cr_assert_eq(harness_supctl(&in, &out, "status", NULL), 0);
		free(out);
		out = NULL;
		if ((dt = mono_ms() - t0) > worst)
			worst = dt;
		harness_sleep_ms(200);
	}
	still_supervising("w");
	still_supervising("flood");
	harness_sleep_ms(1000);
	rss1 = rss_kb(in.pid);
	cr_log_info("flooded: status at worst %lld ms, RSS %ld -> %ld kB",
	    (long long)worst, rss0, rss1);
	/* bounded buffers: the floods do not pile up in supd */
	cr_assert_lt(rss1, rss0 + 32 * 1024, "RSS grew from %ld to %ld kB",
	    rss0, rss1);
	cr_assert_lt(worst, harness_ms(5000), "a status took %lld ms",
	    (long long)worst);
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "flood", NULL), 0);
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "flood2", NULL), 0);
}

Test(faults, a_child_exiting_between_fork_and_exec_is_a_start_failure)
{
	char	 wd[320], *out = NULL;
	pid_t	 old, now;

	harness_init(&in, "[supervisor:root]\nmax_restarts = 1000\n"
	    "max_seconds = 60\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n"
	    "cwd = @DIR@/wd\nrestart_delay = 200\nrestart_delay_max = 200\n"
	    "[dynamic:jobs]\nparent = root\ncommand = /bin/sleep 600\n"
	    "cwd = @DIR@/wd\n");
	snprintf(wd, sizeof wd, "%s/wd", in.dir);
	cr_assert_eq(mkdir(wd, 0755), 0);
	harness_start(&in);
	cr_assert_gt(old = harness_whereis(&in, "w"), 0);
	/* the child cannot chdir: it exits after fork, before exec */
	cr_assert_eq(rmdir(wd), 0);
	cr_assert_neq(harness_supctl(&in, &out, "spawn", "jobs", "j1", NULL), 0);
	free(out);
	kill(old, SIGKILL);
	cr_assert(harness_wait_log(&in, "chdir", 5000),
	    "the start failure does not name the step");
	harness_sleep_ms(harness_ms(600));
	cr_assert_eq(harness_whereis(&in, "w"), 0);
	cr_assert_eq(harness_wait_exit(&in, 0), -1, "supd exited");
	cr_assert_eq(harness_zombies_of(in.pid), 0, "zombies left");
	cr_assert_eq(mkdir(wd, 0755), 0);
	now = harness_wait_new_pid(&in, "w", old, 10000);
	cr_assert(now > 0 && now != old, "w did not come back");
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "j2", NULL), 0);
}

/* 1 once pid is in state c (/proc/PID/stat) within ms. */
static int
wait_state(pid_t pid, char c, int ms)
{
	char	 path[64], buf[512], *p;
	int	 fd, waited;
	ssize_t	 n;

	ms = harness_ms(ms);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (waited = 0; waited <= ms; waited += 10) {
		if ((fd = open(path, O_RDONLY)) == -1)
			return (0);
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if ((p = strrchr(buf, ')')) != NULL && p[2] == c)
			return (1);
		harness_sleep_ms(10);
	}
	return (0);
}

Test(faults, sigstopped_children_are_stopped_and_restarted)
{
	pid_t	stubborn, plain, now;
	int64_t	t0;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:stubborn]\nparent = root\n"
	    "command = /bin/sh -c 'trap \"\" TERM; exec sleep 600'\n"
	    "shutdown = 500\n"
	    "[worker:plain]\nparent = root\ncommand = /bin/sleep 600\n");
	harness_start(&in);
	cr_assert_gt(stubborn = harness_whereis(&in, "stubborn"), 0);
	cr_assert_gt(plain = harness_whereis(&in, "plain"), 0);
	kill(stubborn, SIGSTOP);
	kill(plain, SIGSTOP);
	cr_assert(wait_state(stubborn, 'T', 2000) && wait_state(plain, 'T', 2000));
	/* a stopped child is not an exited one */
	harness_sleep_ms(300);
	cr_assert_eq(harness_whereis(&in, "stubborn"), stubborn);
	cr_assert_eq(harness_whereis(&in, "plain"), plain);
	/* stop: TERM (ignored) and CONT, then KILL after shutdown = 500 */
	t0 = (int64_t)time(NULL);
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "stubborn", NULL), 0);
	cr_assert(harness_pid_gone(stubborn), "a stopped child survived stop");
	cr_assert_lt((int64_t)time(NULL) - t0, 10);
	/* stop of a SIGSTOP-ed child that takes TERM: it is woken to take it */
	cr_assert_eq(harness_supctl(&in, NULL, "restart", "plain", NULL), 0);
	cr_assert(harness_pid_gone(plain));
	now = harness_whereis(&in, "plain");
	cr_assert(now > 0 && now != plain);
	/* stopped, then killed from outside: restarted as any exit */
	kill(now, SIGSTOP);
	cr_assert(wait_state(now, 'T', 2000));
	still_supervising("plain");
	cr_assert_eq(harness_supctl(&in, NULL, "start", "stubborn", NULL), 0);
	cr_assert_gt(harness_whereis(&in, "stubborn"), 0);
}

Test(faults, the_state_directory_removed_while_running)
{
	char	 cmd[400], *out = NULL;
	int	 i, rc = -1;
	pid_t	 pid;

	char	 state[320];

	harness_init(&in, "[supervisor:root]\nmax_restarts = 100\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n"
	    "[dynamic:jobs]\nparent = root\ncommand = /bin/sleep 600\n");
	snprintf(state, sizeof state, "%s/state/state.db", in.dir);
	in.state = state;
	snprintf(cmd, sizeof cmd, "mkdir %s/state", in.dir);
	cr_assert_eq(system(cmd), 0);
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "before", NULL), 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s/state", in.dir);
	cr_assert_eq(system(cmd), 0);
	/* every spawn is answered: done on disk, or refused with the reason */
	rc = harness_supctl(&in, &out, "spawn", "jobs", "during", NULL);
	cr_log_info("spawn with the directory gone: exit %d", rc);
	free(out);
	out = NULL;
	still_supervising("w");
	cr_assert_eq(harness_wait_exit(&in, 0), -1, "supd exited");
	/* the directory back: the state is written again, spawns on disk */
	snprintf(cmd, sizeof cmd, "mkdir -p %s/state", in.dir);
	cr_assert_eq(system(cmd), 0);
	for (i = 0; i < 100 * harness_scale(); i++) {
		if ((rc = harness_supctl(&in, NULL, "spawn", "jobs", "after",
		    NULL)) == 0)
			break;
		harness_sleep_ms(100);
	}
	cr_assert_eq(rc, 0, "spawns are still refused with the directory back");
	/* after a crash the acknowledged children come back from that file */
	kill(in.pid, SIGKILL);
	cr_assert_geq(harness_wait_exit(&in, 5000), 0);
	in.status = -1;
	harness_start(&in);
	/* supd serves before its tree is up: wait for the starts */
	cr_assert_gt(pid = harness_wait_new_pid(&in, "after", 0, 10000), 0,
	    "the spawn acknowledged after the directory came back is lost");
	cr_assert_gt(harness_wait_new_pid(&in, "before", 0, 10000), 0,
	    "a child acknowledged before the removal is lost");
}

/*
 * A ready = notify child that floods its notify socket with junk while it
 * starts (malformed, oversized, passing descriptors), then says READY=1:
 * it becomes running, and supd answers all the while.
 */
static const char flood_py[] =
    "import os, socket, array, time\n"
    "a = os.environ['NOTIFY_SOCKET']\n"
    "a = '\\0' + a[1:] if a.startswith('@') else a\n"
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
    "s.connect(a)\n"
    "junk = [b'', b'\\0READY=1', b'READY=0', b'STATUS=' + b'\\xff' * 300,\n"
    "        b'x' * 8000, b'=\\n=\\n', b'WATCHDOG_USEC=nope', b'READY=1x']\n"
    "fds = array.array('i', [0, 1, 2])\n"
    "for i in range(20000):\n"
    "    try:\n"
    "        if i % 100 == 0:\n"
    "            s.sendmsg([b'MAINPID=1'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])\n"
    "        else:\n"
    "            s.send(junk[i % len(junk)])\n"
    "    except (BlockingIOError, OSError):\n"
    "        time.sleep(0.001)\n"
    "s.send(b'READY=1\\nSTATUS=up after the flood')\n"
    "time.sleep(600)\n";

Test(faults, a_junk_flood_at_the_notify_socket_while_starting)
{
	char	 path[320], *out = NULL;
	FILE	*f;
	long	 fds0, fds1;
	int	 i, served = 0;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:noisy]\nparent = root\nready = notify\nstart_timeout = 60000\n"
	    "command = /usr/bin/python3 @DIR@/flood.py\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	snprintf(path, sizeof path, "%s/flood.py", in.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(flood_py, f);
	fclose(f);
	harness_start_nowait(&in);
	for (i = 0; i < 500 * harness_scale() && harness_whereis(&in, "w") == 0; i++)
		harness_sleep_ms(20);
	fds0 = harness_fd_count(in.pid);
	/* served while the flood goes on */
	for (i = 0; i < 600; i++) {
		cr_assert_eq(harness_supctl(&in, &out, "status", "noisy", NULL), 0);
		served++;
		if (strstr(out, "running") != NULL)
			break;
		free(out);
		out = NULL;
		harness_sleep_ms(100);
	}
	cr_assert_not_null(out, "noisy never became running");
	free(out);
	out = NULL;
	cr_assert_eq(harness_supctl(&in, &out, "inspect", "noisy", NULL), 0);
	cr_assert_not_null(strstr(out, "up after the flood"), "%s", out);
	free(out);
	/* every descriptor passed was closed */
	fds1 = harness_fd_count(in.pid);
	cr_log_info("%d status calls during the flood; fds %ld -> %ld", served,
	    fds0, fds1);
	cr_assert_leq(fds1, fds0 + 2, "fds %ld -> %ld", fds0, fds1);
	still_supervising("w");
}

/* A connection to supd's socket, or -1. */
static int
raw_connect(void)
{
	return (harness_connect(in.sock));
}

/* One whole message (up to its NUL) within ms: 1, or 0 at EOF or timeout. */
static int
raw_reply(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	char		buf[4096];
	ssize_t		n;

	ms = harness_ms(ms);
	for (;;) {
		if (poll(&pfd, 1, ms) != 1)
			return (0);
		if ((n = read(fd, buf, sizeof buf)) <= 0)
			return (0);
		if (memchr(buf, '\0', (size_t)n) != NULL)
			return (1);
	}
}

/*
 * supd stalled (SIGSTOP: a loaded machine, a debugger) past idle_timeout
 * while a client's request waited unread: the request is answered, not
 * taken for idleness (found by make soak).
 */
Test(faults, a_request_sent_while_supd_stalled_is_answered)
{
	static const char	status[] = "{\"method\":\"io.supd.Supervisor.Status\"}";
	int			fd;

	harness_init(&in, "[supd]\nidle_timeout = 1000\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	harness_start(&in);
	cr_assert_neq(fd = raw_connect(), -1);
	cr_assert_eq(write(fd, status, sizeof status), (ssize_t)sizeof status);
	cr_assert_eq(raw_reply(fd, 5000), 1);
	harness_sleep_ms(300);
	kill(in.pid, SIGSTOP);
	cr_assert_eq(write(fd, status, sizeof status), (ssize_t)sizeof status);
	harness_sleep_ms(1500);
	kill(in.pid, SIGCONT);
	cr_assert_eq(raw_reply(fd, 5000), 1, "the request went unanswered: "
	    "the connection was closed as idle");
	/* and idle it is closed, as it should */
	cr_assert_eq(raw_reply(fd, 5000), 0);
	close(fd);
	still_supervising("w");
}
