/*
 * test-limits.c — the control socket under pressure, against the real supd:
 * out of file descriptors (refused with TooManyClients, no busy loop, a log
 * line a second at most, children still restarted), and the slots of
 * max_clients (admins always get in, peers with no role are cut off soon,
 * a follower that hangs up is closed at once).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

#define IFACE		"io.supd.Supervisor."
#define GETINFO		"{\"method\":\"org.varlink.service.GetInfo\"}"
#define FOLLOW		"{\"method\":\"" IFACE "Events\",\"more\":true," \
			"\"parameters\":{\"follow\":true}}"
#define NOBODY		65534

static struct supd_inst	inst;
static pid_t		peers[16];
static int		npeers;

static void	nothing(void) { }

static void
cleanup(void)
{
	int	i;

	for (i = 0; i < npeers; i++) {
		kill(peers[i], SIGKILL);
		waitpid(peers[i], NULL, 0);
	}
	npeers = 0;
	harness_stop(&inst);
}

TestSuite(fds, .init = nothing, .fini = cleanup, .timeout = 60);
TestSuite(slots, .init = nothing, .fini = cleanup, .timeout = 60);

static int
sock_open(void)
{
	return (harness_connect(inst.sock));
}

/* Send a message and its NUL; a peer already closed by supd is no error here. */
static void
sock_send(int fd, const char *msg)
{
	(void)send(fd, msg, strlen(msg) + 1, MSG_NOSIGNAL);
}

/*
 * The next message into buf (NUL-terminated); 1, or 0 at end of file, -1
 * after ms without one.  One message at a time: reads byte by byte.
 */
static int
sock_recv(int fd, char *buf, size_t size, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	size_t		len = 0;
	ssize_t		n;

	ms = harness_ms(ms);
	for (;;) {
		if (poll(&pfd, 1, ms) != 1)
			return (-1);
		if ((n = recv(fd, buf + len, 1, 0)) <= 0)
			return (0);
		if (buf[len] == '\0')
			return (1);
		if (len + 2 < size)
			len++;
	}
}

/* 1 if supd closes fd within ms (messages before the end are skipped). */
static int
sock_closed_within(int fd, int ms)
{
	char	buf[4096];
	int	rc;

	while ((rc = sock_recv(fd, buf, sizeof buf, ms)) == 1)
		;
	return (rc == 0);
}

/* 's' if a call on a new connection is answered, 'r' if refused (TooManyClients), else '?'. */
static char
sock_try(int *fdp, const char *msg)
{
	char	buf[4096];
	int	fd;

	*fdp = -1;
	if ((fd = sock_open()) == -1)
		return ('?');
	sock_send(fd, msg);
	if (sock_recv(fd, buf, sizeof buf, 3000) != 1) {
		close(fd);
		return ('?');
	}
	if (strstr(buf, IFACE "TooManyClients") != NULL) {
		close(fd);
		return ('r');
	}
	if (strstr(buf, "\"error\"") != NULL) {
		close(fd);
		return ('?');
	}
	*fdp = fd;
	return ('s');
}

/* supd's user and system CPU time, in ms. */
static long
cpu_ms(pid_t pid)
{
	char		 path[64], *stat, *p;
	unsigned long	 ut, st;
	FILE		*f;
	size_t		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	cr_assert_not_null(f = fopen(path, "re"));
	stat = NULL;
	cr_assert_gt(getline(&stat, &n, f), 0);
	fclose(f);
	cr_assert_not_null(p = strrchr(stat, ')'));
	cr_assert_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%lu %lu", &ut, &st), 2);
	free(stat);
	return ((long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK)));
}

/* Lines of supd's log holding needle. */
static int
log_count(const char *needle)
{
	char	*log = harness_read(&inst, "supd.log"), *p;
	int	 n = 0;

	for (p = log; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(log);
	return (n);
}

/* The lowest fd number supd has free: with RLIMIT_NOFILE at it, no open succeeds. */
static int
lowest_free_fd(pid_t pid)
{
	char	path[64];
	int	fd;

	for (fd = 0; ; fd++) {
		snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
		if (access(path, F_OK) == -1)
			return (fd);
	}
}

/* Set pid's soft RLIMIT_NOFILE; the one it had. */
static rlim_t
set_fd_limit(pid_t pid, rlim_t cur)
{
	struct rlimit	rl;
	rlim_t		old;

	cr_assert_eq(prlimit(pid, RLIMIT_NOFILE, NULL, &rl), 0);
	old = rl.rlim_cur;
	rl.rlim_cur = cur;
	cr_assert_eq(prlimit(pid, RLIMIT_NOFILE, &rl, NULL), 0, "prlimit: %s",
	    strerror(errno));
	return (old);
}

static int
count_x(const char *file)
{
	char	*s = harness_read(&inst, file), *p;
	int	 n = 0;

	for (p = s; p != NULL && *p != '\0'; p++)
		n += *p == 'x';
	free(s);
	return (n);
}

Test(fds, clients_cannot_take_the_fds_a_restart_needs)
{
	int	fds[200], nfds = 0, i, fd, refused = 0, starts, lines;
	long	cpu;
	char	r;

	harness_init(&inst, "[supd]\nmax_clients = 1000\nidle_timeout = 0\n"
	    "[supervisor:root]\nmax_restarts = 100000\nmax_seconds = 1\n"
	    "[worker:crash]\nparent = root\n"
	    /* one log pipe a start: its write end, closed after the spawn,
	     * is not a low fd left free for a client between restarts */
	    "stderr = null\n"
	    "command = /bin/sh -c 'echo x >> @DIR@/starts; sleep 0.1; exit 1'\n");
	harness_start(&inst);
	cr_assert_geq(harness_wait_lines(&inst, "starts", 1, 5000), 1);
	set_fd_limit(inst.pid, (rlim_t)lowest_free_fd(inst.pid) + 40);
	/* clients until supd says it has no room */
	while (nfds < 200) {
		r = sock_try(&fd, GETINFO);
		if (r != 's')
			break;
		fds[nfds++] = fd;
	}
	cr_assert_eq(r, 'r', "client %d was neither served nor refused", nfds);
	cr_assert_geq(nfds, 5, "only %d clients served", nfds);
	/* a second of refusals: no busy loop, a line a second at most, restarts go on */
	cpu = cpu_ms(inst.pid);
	starts = count_x("starts");
	lines = log_count("refused a client") + log_count("accept:");
	for (i = 0; i < 20; i++) {
		/*
		 * Refused, or served in the instant an exiting child's fds
		 * were free (that client leaves at once): never unanswered.
		 */
		r = sock_try(&fd, GETINFO);
		cr_assert(r == 'r' || r == 's', "try %d: no answer", i);
		if (r == 's')
			close(fd);
		refused += r == 'r';
		harness_sleep_ms(50);
	}
	cpu = cpu_ms(inst.pid) - cpu;
	starts = count_x("starts") - starts;
	lines = log_count("refused a client") + log_count("accept:") - lines;
	cr_log_info("%d clients, then 20 refused in 1 s: %ld ms of CPU, %d starts, "
	    "%d log lines", nfds, cpu, starts, lines);
	cr_assert_geq(refused, 15, "only %d of 20 refused", refused);
	if (!harness_skip_valgrind("supd's CPU time (memcheck's own is in it)"))
		cr_assert_lt(cpu, 500, "supd used %ld ms of CPU in a second", cpu);
	cr_assert_leq(lines, 2, "%d log lines in a second", lines);
	if (!harness_skip_valgrind("restarts at the fd limit (memcheck's fork needs "
	    "fds of its own there)"))
		cr_assert_geq(starts, 3, "the crashing child was restarted %d "
		    "times", starts);
	/* once they leave, clients are served again */
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	harness_sleep_ms(200);
	cr_assert_eq(sock_try(&fd, GETINFO), 's');
	close(fd);
}

Test(fds, out_of_fds_supd_refuses_without_a_busy_loop)
{
	int	fd, pending[5], i, lines;
	long	cpu;
	char	buf[4096];
	rlim_t	old;

	harness_init(&inst, "[supd]\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	harness_start(&inst);
	cr_assert_gt(harness_whereis(&inst, "w"), 0);
	harness_sleep_ms(300);	/* supctl's connection is closed */
	/* no fd left at all: accept fails with EMFILE */
	old = set_fd_limit(inst.pid, (rlim_t)lowest_free_fd(inst.pid));
	cpu = cpu_ms(inst.pid);
	lines = log_count("accept:");
	for (i = 0; i < 5; i++) {
		cr_assert_neq(pending[i] = sock_open(), -1);
		sock_send(pending[i], GETINFO);
	}
	harness_sleep_ms(1000);
	cpu = cpu_ms(inst.pid) - cpu;
	lines = log_count("accept:") - lines;
	cr_log_info("out of fds, 5 clients in 1 s: %ld ms of CPU, %d log lines",
	    cpu, lines);
	if (!harness_skip_valgrind("supd's CPU time (memcheck's own is in it)"))
		cr_assert_lt(cpu, 300, "supd used %ld ms of CPU in a second", cpu);
	cr_assert_geq(lines, 1, "the shortage is not logged");
	cr_assert_leq(lines, 2, "%d log lines in a second", lines);
	/* each was told why */
	for (i = 0; i < 5; i++) {
		cr_assert_eq(sock_recv(pending[i], buf, sizeof buf, 2000), 1,
		    "client %d got no answer", i);
		cr_assert_not_null(strstr(buf, IFACE "TooManyClients"), "%s", buf);
		close(pending[i]);
	}
	/* fds again: served again */
	set_fd_limit(inst.pid, old);
	cr_assert_eq(sock_try(&fd, GETINFO), 's');
	close(fd);
}

/* What a peer process does with its connection */
enum peer_kind {
	PEER_FOLLOW,	/* Events follow, then reads all that comes */
	PEER_IDLE,	/* GetInfo, then nothing */
	PEER_TRICKLE,	/* GetInfo, then a byte of a message every 100 ms */
};

/*
 * A process as uid NOBODY (in read_group if reader) with one connection;
 * it writes on *status 's' when served or 'r' when refused, then 'c' when
 * supd closes the connection.
 */
static void
peer_start(int reader, enum peer_kind kind, int *status)
{
	struct group	*gr;
	gid_t		 gid = 4242;
	char		 buf[4096], c;
	int		 p[2], fd, rc;
	pid_t		 pid;

	if (reader) {
		cr_assert_not_null(gr = getgrnam("nogroup"));
		gid = gr->gr_gid;
	}
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_lt(npeers, 16);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(10);
		c = sock_try(&fd, kind == PEER_FOLLOW ? FOLLOW : GETINFO);
		(void)write(p[1], &c, 1);
		if (c != 's')
			_exit(0);
		for (;;) {
			if (kind == PEER_TRICKLE && send(fd, " ", 1,
			    MSG_NOSIGNAL) == -1)
				break;
			rc = sock_recv(fd, buf, sizeof buf,
			    kind == PEER_TRICKLE ? 100 : -1);
			if (rc == 0)
				break;
		}
		c = 'c';
		(void)write(p[1], &c, 1);
		pause();
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	close(p[1]);
	peers[npeers++] = pid;
	*status = p[0];
}

/* The next status byte of a peer, 0 after ms without one. */
static char
peer_wait(int status, int ms)
{
	struct pollfd	pfd = { .fd = status, .events = POLLIN };
	char		c;

	ms = harness_ms(ms);
	if (poll(&pfd, 1, ms) != 1 || read(status, &c, 1) != 1)
		return (0);
	return (c);
}

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Until supd has read the EOF of harness_start's probe, that connection holds
 * a slot: wait until the only client is the one asking, then until supd has
 * closed that one too (its fd count drops).
 */
static void
wait_alone(void)
{
	char	buf[4096];
	int	fd, i, n;

	for (i = 0; i < 500 * harness_scale(); i++) {
		cr_assert_neq(fd = sock_open(), -1);
		sock_send(fd, "{\"method\":\"" IFACE "Metrics\"}");
		cr_assert_eq(sock_recv(fd, buf, sizeof buf, 5000), 1);
		n = harness_fd_count(inst.pid);
		close(fd);
		if (strstr(buf, "supd_clients_connected 1\\n") != NULL) {
			for (i = 0; i < 500 * harness_scale() &&
			    harness_fd_count(inst.pid) >= n; i++)
				harness_sleep_ms(10);
			return;
		}
		harness_sleep_ms(10);
	}
	cr_assert_fail("supd still counts other clients: %s", buf);
}

static void
start_roles(int max_clients)
{
	char	ini[512];

	if (geteuid() != 0)
		cr_skip_test("needs root to run peers as another user");
	snprintf(ini, sizeof ini, "[supd]\nsocket_mode = 0666\n"
	    "read_group = nogroup\nmax_clients = %d\nidle_timeout = 60000\n"
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n", max_clients);
	harness_init(&inst, ini);
	harness_start(&inst);
	wait_alone();
}

Test(slots, followers_and_idle_readers_leave_room_for_the_admin)
{
	int	st[4], fds[4], i;
	char	buf[4096], c;

	start_roles(3);
	peer_start(1, PEER_FOLLOW, &st[0]);
	peer_start(1, PEER_FOLLOW, &st[1]);
	peer_start(1, PEER_IDLE, &st[2]);
	for (i = 0; i < 3; i++) {
		c = peer_wait(st[i], 5000);
		cr_assert_eq(c, 's', "reader %d: '%c'", i, c ? c : '0');
	}
	/* max_clients holds for them */
	peer_start(1, PEER_IDLE, &st[3]);
	c = peer_wait(st[3], 5000);
	cr_assert_eq(c, 'r', "reader 3: '%c'", c ? c : '0');
	/* root gets in, a few times over, and is answered */
	for (i = 0; i < 4; i++) {
		cr_assert_eq(sock_try(&fds[i], "{\"method\":\"" IFACE "Whereis\","
		    "\"parameters\":{\"name\":\"w\"}}"), 's', "admin %d", i);
	}
	sock_send(fds[0], "{\"method\":\"" IFACE "Metrics\"}");
	cr_assert_eq(sock_recv(fds[0], buf, sizeof buf, 5000), 1);
	cr_assert_not_null(strstr(buf, "supd_clients_connected 7\\n"), "%s", buf);
	for (i = 0; i < 4; i++)
		close(fds[i]);
}

Test(slots, a_peer_with_no_role_is_cut_off_though_it_trickles)
{
	int64_t	t0, took;
	int	trickle, idle;

	start_roles(8);
	peer_start(0, PEER_TRICKLE, &trickle);
	peer_start(0, PEER_IDLE, &idle);
	t0 = mono_ms();
	cr_assert_eq(peer_wait(trickle, 5000), 's');
	cr_assert_eq(peer_wait(idle, 5000), 's');
	/* idle_timeout is a minute; a peer with no role goes within seconds */
	cr_assert_eq(peer_wait(trickle, 5000), 'c', "the trickling peer stays");
	took = mono_ms() - t0;
	cr_assert_eq(peer_wait(idle, 1000), 'c', "the idle peer stays");
	cr_log_info("a peer with no role was closed after %lld ms", (long long)took);
	cr_assert_geq(took, 1000, "closed before its time");
}

Test(slots, a_peer_with_a_role_takes_the_place_of_one_without)
{
	int	reader, roleless, newcomer;

	start_roles(2);
	peer_start(1, PEER_FOLLOW, &reader);
	cr_assert_eq(peer_wait(reader, 5000), 's');
	peer_start(0, PEER_IDLE, &roleless);
	cr_assert_eq(peer_wait(roleless, 5000), 's');
	peer_start(1, PEER_FOLLOW, &newcomer);
	cr_assert_eq(peer_wait(newcomer, 5000), 's', "the reader was refused");
	cr_assert_eq(peer_wait(roleless, 5000), 'c');
	cr_assert_eq(peer_wait(reader, 100), 0, "the first reader was closed");
}

/* A follower that shuts down its side is closed at once, its slot free. */
static void
half_closed_follower(const char *call)
{
	char	buf[4096];
	int	fd, ctl;

	harness_init(&inst, "[supd]\nmax_clients = 2\nidle_timeout = 60000\n"
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sh -c "
	    "'echo hello; exec sleep 600'\n");
	harness_start(&inst);
	cr_assert_geq(harness_wait_lines(&inst, "log/w.log", 1, 5000), 1);
	cr_assert_eq(sock_try(&fd, call), 's');
	cr_assert_eq(shutdown(fd, SHUT_WR), 0);
	cr_assert(sock_closed_within(fd, 1000), "the follower is still there");
	close(fd);
	cr_assert_eq(sock_try(&ctl, "{\"method\":\"" IFACE "Metrics\"}"), 's');
	sock_send(ctl, "{\"method\":\"" IFACE "Metrics\"}");
	cr_assert_eq(sock_recv(ctl, buf, sizeof buf, 5000), 1);
	cr_assert_not_null(strstr(buf, "supd_clients_connected 1\\n"), "%s", buf);
	close(ctl);
}

Test(slots, a_half_closed_events_follower_is_closed_at_once)
{
	half_closed_follower(FOLLOW);
}

Test(slots, a_half_closed_logs_follower_is_closed_at_once)
{
	half_closed_follower("{\"method\":\"" IFACE "Logs\",\"more\":true,"
	    "\"parameters\":{\"name\":\"w\",\"follow\":true}}");
}
