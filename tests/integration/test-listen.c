/*
 * test-listen.c — sockets supd holds (`listen =`) and the fd store
 * (FDSTORE=1), with the real daemon and python3 children: a server
 * restarted 50 times while a client connects refuses nothing (and the
 * same server binding its own port does refuse), $LISTEN_PID is the
 * child's pid, $LISTEN_FDNAMES names the fds, a stored fd comes back by
 * name after a restart and after a reexec, a peer gone closes its stored
 * fd, no held fd leaks into another child, unix socket modes and stale
 * files, start failures with the reason, and --check of bad values.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct supd_inst	in;
static pid_t		client = -1;

static void
teardown(void)
{
	if (client > 0) {
		kill(client, SIGKILL);
		waitpid(client, NULL, 0);
		client = -1;
	}
	harness_stop(&in);
}

TestSuite(listen, .fini = teardown, .timeout = 240);

/*
 * The server: one line about its start (pid, $LISTEN_*, the fds it has,
 * fd 3's inode and close-on-exec flag), then HTTP on fd 3 or on its own
 * socket (argv[2]: a port to bind).
 */
static const char server_py[] =
    "import os, socket, sys, fcntl\n"
    "n = int(os.environ.get('LISTEN_FDS', '0'))\n"
    "fds = sorted(int(x) for x in os.listdir('/proc/self/fd'))\n"
    "ino = os.fstat(3).st_ino if n > 0 else 0\n"
    "cloexec = fcntl.fcntl(3, fcntl.F_GETFD) & 1 if n > 0 else -1\n"
    "with open(sys.argv[1], 'a') as f:\n"
    "    f.write('pid=%d listen_pid=%s fds=%d names=%s ino=%d cloexec=%d open=%s\\n' % (\n"
    "        os.getpid(), os.environ.get('LISTEN_PID', '-'), n,\n"
    "        os.environ.get('LISTEN_FDNAMES', '-'), ino, cloexec,\n"
    "        ','.join(str(x) for x in fds if x > 2 and x < 3 + n + 8)))\n"
    "if n > 0:\n"
    "    s = socket.socket(fileno=3)\n"
    "else:\n"
    "    s = socket.socket()\n"
    "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "    s.bind(('127.0.0.1', int(sys.argv[2])))\n"
    "    s.listen(128)\n"
    "a = os.environ.get('NOTIFY_SOCKET')\n"
    "if a:\n"
    "    a = '\\0' + a[1:] if a.startswith('@') else a\n"
    "    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'READY=1', a)\n"
    "while True:\n"
    "    c, _ = s.accept()\n"
    "    c.recv(4096)\n"
    "    c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok')\n"
    "    c.close()\n";

/* The client: connects in a loop until argv[2] exists; counts in argv[3]. */
static const char client_py[] =
    "import os, socket, sys, time, errno\n"
    "port, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
    "ok = refused = other = 0\n"
    "end = time.time() + 200\n"
    "while not os.path.exists(stop) and time.time() < end:\n"
    "    s = socket.socket()\n"
    "    s.settimeout(10)\n"
    "    try:\n"
    "        s.connect(('127.0.0.1', port))\n"
    "    except ConnectionRefusedError:\n"
    "        refused += 1\n"
    "        s.close()\n"
    "        time.sleep(0.001)\n"
    "        continue\n"
    "    except OSError:\n"
    "        other += 1\n"
    "        s.close()\n"
    "        continue\n"
    "    try:\n"
    "        s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n"
    "        if b'200 OK' in s.recv(4096):\n"
    "            ok += 1\n"
    "        else:\n"
    "            other += 1\n"
    "    except OSError:\n"
    "        other += 1\n"
    "    s.close()\n"
    "    time.sleep(0.001)\n"
    "with open(out, 'w') as f:\n"
    "    f.write('ok=%d refused=%d other=%d\\n' % (ok, refused, other))\n";

/*
 * The fd store's child: the first start stores a memfd ("mine", holding
 * hello) and one end of a socketpair ("peer", its other end then closed:
 * supd must drop it); a start that got "mine" back reads it, says so and
 * removes it from the store.
 */
static const char keeper_py[] =
    "import os, socket, sys, time\n"
    "out = sys.argv[1]\n"
    "names = os.environ.get('LISTEN_FDNAMES', '')\n"
    "names = names.split(':') if names else []\n"
    "a = os.environ['NOTIFY_SOCKET']\n"
    "a = '\\0' + a[1:] if a.startswith('@') else a\n"
    "ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
    "ns.connect(a)\n"
    "def w(s):\n"
    "    with open(out, 'a') as f:\n"
    "        f.write(s + '\\n')\n"
    "w('start pid=%d names=%s' % (os.getpid(), ':'.join(names) or '-'))\n"
    "if 'mine' in names:\n"
    "    fd = 3 + names.index('mine')\n"
    "    os.lseek(fd, 0, 0)\n"
    "    w('got=' + os.read(fd, 100).decode())\n"
    "    if len(sys.argv) > 2 and sys.argv[2] == 'remove':\n"
    "        ns.send(b'FDSTOREREMOVE=1\\nFDNAME=mine')\n"
    "        w('removed')\n"
    "else:\n"
    "    m = os.memfd_create('mine')\n"
    "    os.write(m, b'hello')\n"
    "    x, y = socket.socketpair()\n"
    "    socket.send_fds(ns, [b'FDSTORE=1\\nFDNAME=mine'], [m])\n"
    "    socket.send_fds(ns, [b'FDSTORE=1\\nFDNAME=peer'], [x.fileno()])\n"
    "    os.close(m)\n"
    "    x.close()\n"
    "    y.close()\n"
    "    w('stored')\n"
    "ns.close()\n"
    "time.sleep(600)\n";

static void
write_file(const char *name, const char *text)
{
	char	path[400];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", in.dir, name);
	cr_assert_not_null(f = fopen(path, "w"), "%s: %s", path,
	    strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* A TCP port free now on 127.0.0.1. */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* The config with @PORT@ (and @PORT2@) replaced, then harness_init. */
static void
init_with_ports(const char *ini, int port, int port2)
{
	char	*text = malloc(strlen(ini) * 2 + 64), *o = text;
	const char *p;

	for (p = ini; *p != '\0';) {
		if (strncmp(p, "@PORT2@", 7) == 0) {
			o += sprintf(o, "%d", port2);
			p += 7;
		} else if (strncmp(p, "@PORT@", 6) == 0) {
			o += sprintf(o, "%d", port);
			p += 6;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	harness_init(&in, text);
	free(text);
}

/* The n-th line (0 first) of a file under dir, malloc'd, or NULL. */
static char *
nth_line(const char *file, int n)
{
	char	*text = harness_read(&in, file), *p, *nl, *line = NULL;

	if (text == NULL)
		return (NULL);
	for (p = text; n > 0 && (p = strchr(p, '\n')) != NULL; n--)
		p++;
	if (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		line = strndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
	}
	free(text);
	return (line);
}

static long
field(const char *line, const char *key)
{
	const char	*p = strstr(line, key);

	cr_assert_not_null(p, "no %s in: %s", key, line);
	return (strtol(p + strlen(key), NULL, 10));
}

static json_t *
inspect(const char *name)
{
	char	*out = NULL;
	json_t	*j;

	cr_assert_eq(harness_supctl(&in, &out, "--json", "inspect", name, NULL),
	    0);
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "inspect: %s", out);
	free(out);
	return (j);
}

/* The names of inspect's array key of name, joined with ','. */
static void
inspect_names(const char *name, const char *key, char *buf, size_t size)
{
	json_t	*j = inspect(name), *a, *e;
	size_t	 i, o = 0;

	buf[0] = '\0';
	a = json_object_get(j, key);
	cr_assert(json_is_array(a), "inspect has no %s", key);
	json_array_foreach(a, i, e)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i > 0 ? "," :
		    "", json_string_value(json_object_get(e, "name")));
	json_decref(j);
}

/* Wait until inspect's key lists want (ms at most); 1 if it did. */
static int
wait_names(const char *name, const char *key, const char *want, int ms)
{
	char	buf[512];

	ms = harness_ms(ms);
	for (; ms > 0; ms -= 50) {
		inspect_names(name, key, buf, sizeof buf);
		if (strcmp(buf, want) == 0)
			return (1);
		harness_sleep_ms(50);
	}
	return (0);
}

static void
start_client(int port)
{
	char	py[400], stop[400], out[400], portbuf[16], tag[400];

	snprintf(py, sizeof py, "%s/client.py", in.dir);
	snprintf(stop, sizeof stop, "%s/client.stop", in.dir);
	snprintf(out, sizeof out, "%s/client.out", in.dir);
	snprintf(portbuf, sizeof portbuf, "%d", port);
	snprintf(tag, sizeof tag, "SUPD_TEST_TAG=%s", in.dir);
	write_file("client.py", client_py);
	client = fork();
	cr_assert(client != -1);
	if (client == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		putenv(tag);
		execl("/usr/bin/python3", "python3", py, portbuf, stop, out,
		    (char *)NULL);
		_exit(127);
	}
}

/* Stop the client; its counts. */
static void
stop_client(long *ok, long *refused, long *other)
{
	char	*line;
	int	 status;

	write_file("client.stop", "");
	cr_assert_eq(waitpid(client, &status, 0), client);
	client = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "client status %d", status);
	cr_assert_not_null(line = nth_line("client.out", 0));
	*ok = field(line, "ok=");
	*refused = field(line, "refused=");
	*other = field(line, "other=");
	free(line);
}

#define RESTARTS	50

/* 50 restarts of web while the client connects; its counts. */
static void
restart_under_load(int port, const char *listen_key, long *ok, long *refused,
    long *other)
{
	char	ini[2048];
	int	i;

	snprintf(ini, sizeof ini,
	    "[supervisor:root]\n"
	    "max_restarts = 1000\n"
	    "[worker:web]\n"
	    "parent = root\n"
	    "command = /usr/bin/python3 @DIR@/server.py @DIR@/web.out %d\n"
	    "shutdown = brutal_kill\n"
	    "ready = notify\n"
	    "%s\n", port, listen_key);
	harness_init(&in, ini);
	write_file("server.py", server_py);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "web.out", 1, 10000), 1);
	start_client(port);
	/* the client is connecting before the first restart */
	harness_sleep_ms(300);
	for (i = 0; i < RESTARTS; i++)
		cr_assert_eq(harness_supctl(&in, NULL, "restart", "web", NULL),
		    0, "restart %d", i);
	cr_assert_eq(harness_wait_lines(&in, "web.out", RESTARTS + 1, 20000),
	    RESTARTS + 1);
	harness_sleep_ms(200);
	stop_client(ok, refused, other);
}

Test(listen, restarts_of_a_held_socket_refuse_no_connection)
{
	char	key[64], *line;
	long	ok, refused, other;
	int	port = free_port(), i;

	snprintf(key, sizeof key, "listen = http=tcp:127.0.0.1:%d", port);
	restart_under_load(port, key, &ok, &refused, &other);
	cr_log_info("held socket, %d restarts: %ld answered, %ld refused, %ld "
	    "cut by a restart", RESTARTS, ok, refused, other);
	fprintf(stderr, "listen: held socket, %d restarts: %ld answered, %ld "
	    "refused, %ld cut by a restart\n", RESTARTS, ok, refused, other);
	cr_assert_eq(refused, 0, "%ld connections refused", refused);
	cr_assert_gt(ok, RESTARTS, "the client got answers (%ld)", ok);
	/* every start: $LISTEN_PID its own pid, one fd named http on 3 */
	for (i = 0; i <= RESTARTS; i++) {
		cr_assert_not_null(line = nth_line("web.out", i));
		cr_assert_eq(field(line, "pid="), field(line, "listen_pid="),
		    "%s", line);
		cr_assert_not_null(strstr(line, " fds=1 names=http "), "%s", line);
		cr_assert_not_null(strstr(line, " cloexec=0 "), "%s", line);
		free(line);
	}
	/* the same socket each time */
	{
		char	*first = nth_line("web.out", 0);
		char	*last = nth_line("web.out", RESTARTS);

		cr_assert_eq(field(first, "ino="), field(last, "ino="));
		free(first);
		free(last);
	}
}

Test(listen, restarts_of_a_server_binding_its_own_port_refuse_connections)
{
	long	ok, refused, other;
	int	port = free_port();

	restart_under_load(port, "", &ok, &refused, &other);
	fprintf(stderr, "listen: own socket, %d restarts: %ld answered, %ld "
	    "refused, %ld cut by a restart\n", RESTARTS, ok, refused, other);
	cr_assert_gt(ok, 0);
	/* the gap a held socket closes: between the old exit and the new bind */
	cr_assert_gt(refused, 0, "no refusal in %d restarts", RESTARTS);
}

/* Three kinds, their names in order, the child's pid, no other fd. */
static const char kinds_ini[] =
    "[supervisor:root]\n"
    "[worker:w]\n"
    "parent = root\n"
    "command = /usr/bin/python3 @DIR@/kinds.py @DIR@/w.out\n"
    "listen = web=tcp:127.0.0.1:@PORT@\n"
    "listen = dns=udp:127.0.0.1:@PORT2@\n"
    "listen = ctl=unix:ctl.sock:0660\n"
    "listen_backlog = 16\n"
    "[worker:sibling]\n"
    "parent = root\n"
    "command = /bin/sleep 600\n";

static const char kinds_py[] =
    "import os, socket, sys, time\n"
    "n = int(os.environ['LISTEN_FDS'])\n"
    "kinds = []\n"
    "for fd in range(3, 3 + n):\n"
    "    s = socket.socket(fileno=os.dup(fd))\n"
    "    kinds.append('%d/%d' % (s.family, s.type))\n"
    "    s.detach()\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    f.write('pid=%d listen_pid=%s fds=%d names=%s kinds=%s\\n' % (\n"
    "        os.getpid(), os.environ['LISTEN_PID'], n,\n"
    "        os.environ['LISTEN_FDNAMES'], ','.join(kinds)))\n"
    "time.sleep(600)\n";

/* The fds of pid at 3 and above, as "3,4"; "" if none. */
static void
fds_of(pid_t pid, char *buf, size_t size)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*e;
	int		 v[256], n = 0, i, j, t;
	size_t		 o = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	cr_assert_not_null(d = opendir(path));
	while ((e = readdir(d)) != NULL && n < 256)
		if (e->d_name[0] != '.' && atoi(e->d_name) > 2)
			v[n++] = atoi(e->d_name);
	closedir(d);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%d", i > 0 ? "," : "",
		    v[i]);
}

Test(listen, three_kinds_named_in_order_with_the_childs_pid)
{
	struct stat	 st;
	char		*line, path[400], *out = NULL, want[128];
	int		 port = free_port(), port2 = free_port();
	pid_t		 pid;
	int		 fd;

	init_with_ports(kinds_ini, port, port2);
	write_file("kinds.py", kinds_py);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "w.out", 1, 10000), 1);
	cr_assert_not_null(line = nth_line("w.out", 0));
	pid = harness_whereis(&in, "w");
	cr_assert_eq(field(line, "listen_pid="), pid, "%s", line);
	cr_assert_eq(field(line, "pid="), pid, "%s", line);
	snprintf(want, sizeof want, " fds=3 names=web:dns:ctl kinds=%d/%d,%d/%d,"
	    "%d/%d", AF_INET, SOCK_STREAM, AF_INET, SOCK_DGRAM, AF_UNIX,
	    SOCK_STREAM);
	cr_assert_not_null(strstr(line, want), "%s (want %s)", line, want);
	free(line);
	/* the unix socket: its mode, and it accepts (the backlog does) */
	snprintf(path, sizeof path, "%s/ctl.sock", in.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0660, "mode %o", st.st_mode & 0777);
	cr_assert_neq(fd = harness_connect(path), -1, "connect %s: %s", path,
	    strerror(errno));
	close(fd);
	/* inspect and metrics */
	inspect_names("w", "sockets", want, sizeof want);
	cr_assert_str_eq(want, "web,dns,ctl");
	cr_assert_eq(harness_supctl(&in, &out, "metrics", NULL), 0);
	cr_assert_not_null(strstr(out, "supd_child_listen_fds{name=\"w\"} 3\n"),
	    "%s", out);
	free(out);
	/* closed at shutdown: the file goes too */
	cr_assert_eq(harness_supctl(&in, NULL, "shutdown", NULL), 0);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	cr_assert_eq(stat(path, &st), -1, "%s is left", path);
}

Test(listen, held_and_stored_fds_never_reach_another_child)
{
	char	buf[256], link[320], target[256], fdinfo[320], *text;
	pid_t	w, sib, supd;
	DIR	*d;
	struct dirent *e;
	ssize_t	n;
	FILE	*f;
	unsigned long flags;
	int	checked = 0;

	init_with_ports(
	    "[supervisor:root]\n"
	    "[worker:w]\n"
	    "parent = root\n"
	    "command = /usr/bin/python3 @DIR@/keeper.py @DIR@/w.out\n"
	    "listen = web=tcp:127.0.0.1:@PORT@\n"
	    "fd_store_max = 4\n"
	    "[worker:sibling]\n"
	    "parent = root\n"
	    "command = /bin/sleep 600\n", free_port(), 0);
	write_file("keeper.py", keeper_py);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "w.out", 2, 10000), 2);
	cr_assert(wait_names("w", "stored_fds", "mine", 5000));
	/* a sibling started while supd holds both kinds */
	sib = harness_whereis(&in, "sibling");
	cr_assert_eq(harness_supctl(&in, NULL, "restart", "sibling", NULL), 0);
	sib = harness_wait_new_pid(&in, "sibling", sib, 5000);
	cr_assert_gt(sib, 0);
	fds_of(sib, buf, sizeof buf);
	/* memcheck runs vfork as fork: its own high fds go on past exec */
	if (!harness_skip_valgrind("the sibling's fds (memcheck's own reach it)"))
		cr_assert_str_eq(buf, "", "the sibling has fds %s", buf);
	/* w itself, restarted: exactly its socket and its stored fd */
	w = harness_whereis(&in, "w");
	cr_assert_eq(harness_supctl(&in, NULL, "restart", "w", NULL), 0);
	w = harness_wait_new_pid(&in, "w", w, 5000);
	cr_assert_eq(harness_wait_lines(&in, "w.out", 4, 10000), 4);
	/* once python closed its own (the file it appends to, its socket) */
	for (n = 0; n < 100 * harness_scale(); n++) {
		fds_of(w, buf, sizeof buf);
		if (strcmp(buf, "3,4") == 0)
			break;
		harness_sleep_ms(50);
	}
	cr_assert_str_eq(buf, "3,4", "w has fds %s", buf);
	/* every socket and memfd of supd's is close-on-exec */
	supd = in.pid;
	snprintf(buf, sizeof buf, "/proc/%d/fd", (int)supd);
	cr_assert_not_null(d = opendir(buf));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) < 3)
			continue;
		snprintf(link, sizeof link, "/proc/%d/fd/%s", (int)supd, e->d_name);
		if ((n = readlink(link, target, sizeof target - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "socket:", 7) != 0 &&
		    strncmp(target, "/memfd:", 7) != 0)
			continue;
		snprintf(fdinfo, sizeof fdinfo, "/proc/%d/fdinfo/%s", (int)supd,
		    e->d_name);
		cr_assert_not_null(f = fopen(fdinfo, "r"));
		flags = 0;
		while (fgets(buf, sizeof buf, f) != NULL)
			if (sscanf(buf, "flags: %lo", &flags) == 1)
				break;
		fclose(f);
		cr_assert(flags & 02000000, "supd's fd %s (%s) is not "
		    "close-on-exec", e->d_name, target);
		checked++;
	}
	closedir(d);
	cr_assert_geq(checked, 3, "supd's socket and memfd seen");
	text = harness_read(&in, "w.out");
	cr_assert_not_null(strstr(text, "got=hello"), "%s", text);
	free(text);
}

Test(listen, a_stored_fd_comes_back_by_name_and_one_whose_peer_is_gone_is_closed)
{
	char	*text, *out = NULL;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:keeper]\n"
	    "parent = root\n"
	    "command = /usr/bin/python3 @DIR@/keeper.py @DIR@/k.out remove\n"
	    "fd_store_max = 4\n");
	write_file("keeper.py", keeper_py);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "k.out", 2, 10000), 2);
	/* "peer"'s other end is closed: supd drops it, keeps "mine" */
	cr_assert(wait_names("keeper", "stored_fds", "mine", 5000),
	    "the store holds only mine");
	cr_assert(harness_wait_log(&in, "peer (fd", 5000));
	cr_assert_eq(harness_supctl(&in, &out, "metrics", NULL), 0);
	cr_assert_not_null(strstr(out,
	    "supd_child_stored_fds{name=\"keeper\"} 1\n"), "%s", out);
	free(out);
	cr_assert_eq(harness_supctl(&in, NULL, "restart", "keeper", NULL), 0);
	cr_assert_eq(harness_wait_lines(&in, "k.out", 5, 10000), 5);
	text = harness_read(&in, "k.out");
	cr_assert_not_null(strstr(text, "names=mine\ngot=hello\nremoved\n"),
	    "%s", text);
	free(text);
	/* FDSTOREREMOVE=1 emptied it: the next start gets nothing */
	cr_assert(wait_names("keeper", "stored_fds", "", 5000));
	cr_assert_eq(harness_supctl(&in, NULL, "restart", "keeper", NULL), 0);
	cr_assert_eq(harness_wait_lines(&in, "k.out", 7, 10000), 7);
	text = nth_line("k.out", 5);
	cr_assert_not_null(strstr(text, "names=-"), "%s", text);
	free(text);
}

/* fd_store_max = 0: the fds are closed (the child sees EOF), one warning. */
Test(listen, without_fd_store_max_stored_fds_are_closed_with_one_warning)
{
	char	*log;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:n]\n"
	    "parent = root\n"
	    "ready = notify\n"
	    "command = /usr/bin/python3 @DIR@/refused.py @DIR@/n.out\n");
	write_file("refused.py",
	    "import os, socket, sys, time\n"
	    "a = os.environ['NOTIFY_SOCKET']\n"
	    "a = '\\0' + a[1:]\n"
	    "ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
    "ns.connect(a)\n"
	    "for i in range(2):\n"
	    "    r, w = os.pipe()\n"
	    "    socket.send_fds(ns, [b'FDSTORE=1\\nFDNAME=p'], [w])\n"
	    "    os.close(w)\n"
	    "    got = os.read(r, 1)\n"
	    "    with open(sys.argv[1], 'a') as f:\n"
	    "        f.write('eof\\n' if got == b'' else 'data\\n')\n"
	    "ns.send(b'READY=1')\n"
	    "time.sleep(600)\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "n.out", 2, 10000), 2);
	log = harness_read(&in, "n.out");
	cr_assert_str_eq(log, "eof\neof\n");
	free(log);
	log = harness_read(&in, "supd.log");
	cr_assert_eq(harness_count(log, "FDSTORE=1 refused"), 1, "%s", log);
	free(log);
}

Test(listen, a_stale_socket_file_is_replaced_and_a_live_one_or_a_file_refused)
{
	struct sockaddr_un	sun;
	char			path[400], *log;
	int			fd, lfd;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:u]\n"
	    "parent = root\n"
	    "command = /bin/sleep 600\n"
	    "listen = s=unix:@DIR@/s.sock:0600\n");
	/* what a crash leaves: a socket file nobody listens on */
	snprintf(path, sizeof path, "%s/s.sock", in.dir);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	cr_assert_lt(strlen(path), sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	harness_start(&in);
	cr_assert(harness_wait_log(&in, "stale socket file, removed", 5000));
	/* the log line comes before the bind and listen; u starts after them */
	cr_assert_gt(harness_wait_new_pid(&in, "u", 0, 5000), 0);
	cr_assert_neq(fd = harness_connect(path), -1, "connect %s: %s", path,
	    strerror(errno));
	close(fd);
	harness_stop(&in);

	/* someone listens there: a start failure that says so */
	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:u]\n"
	    "parent = root\n"
	    "command = /bin/sleep 600\n"
	    "listen = s=unix:@DIR@/s.sock\n");
	snprintf(path, sizeof path, "%s/s.sock", in.dir);
	cr_assert_lt(strlen(path), sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	harness_start_nowait(&in);
	cr_assert_neq(harness_wait_exit(&in, 10000), 0);
	log = harness_read(&in, "supd.log");
	cr_assert_not_null(strstr(log, "another process listens on it"), "%s",
	    log);
	free(log);
	close(lfd);
	harness_stop(&in);

	/* a file that is not a socket is never removed */
	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:u]\n"
	    "parent = root\n"
	    "command = /bin/sleep 600\n"
	    "listen = s=unix:@DIR@/s.sock\n");
	write_file("s.sock", "precious\n");
	harness_start_nowait(&in);
	cr_assert_neq(harness_wait_exit(&in, 10000), 0);
	log = harness_read(&in, "supd.log");
	cr_assert_not_null(strstr(log, "exists and is not a socket"), "%s", log);
	free(log);
	log = harness_read(&in, "s.sock");
	cr_assert_str_eq(log, "precious\n");
	free(log);
}

Test(listen, a_port_in_use_is_a_start_failure_with_the_reason)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	char			*log, *out = NULL;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	cr_assert(listen(fd, 4) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	port = ntohs(sin.sin_port);
	/* under a dynamic supervisor the failure is the spawn's answer */
	init_with_ports(
	    "[supervisor:root]\n"
	    "[dynamic:d]\n"
	    "parent = root\n"
	    "command = /bin/sleep 600\n"
	    "listen = web=tcp:127.0.0.1:@PORT@\n", port, 0);
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, &out, "spawn", "d", "one", NULL), 1);
	free(out);
	log = harness_read(&in, "supd.log");
	cr_assert_not_null(strstr(log, "Address already in use"), "%s", log);
	cr_assert_not_null(strstr(log, "start one failed: listen web=tcp:127.0.0.1:"),
	    "%s", log);
	free(log);
	close(fd);
	/* the port free again: the same spawn works */
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "d", "one", NULL), 0);
}

Test(listen, bad_listen_values_are_rejected_by_check_with_file_and_line)
{
	char	*out = NULL, *err = NULL, want[400];
	char	*argv[] = { (char *)harness_supd_bin, "--check", "-c", NULL, NULL };
	static const int bad_lines[] = { 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16,
	    17, 18, 19 };
	size_t	i;

	harness_init(&in,
	    "[supervisor:root]\n"				/* 1 */
	    "[worker:w]\n"
	    "parent = root\n"
	    "command = /bin/true\n"				/* 4 */
	    "listen = web\n"
	    "listen = a=tcp:127.0.0.1\n"
	    "listen = b=tcp:localhost:80\n"
	    "listen = c=tcp:::1:80\n"
	    "listen = d=tcp:[::1]:99999\n"			/* 9 */
	    "listen = e=sctp:127.0.0.1:80\n"
	    "listen = f=unix:\n"
	    "listen = g:h=tcp:127.0.0.1:80\n"
	    "listen = i=unix:/tmp/x.sock:0999\n"
	    "listen = j=tcp:[::1:80\n"				/* 14 */
	    "listen = ok=tcp:[::1]:8080\n"
	    "listen = ok=tcp:127.0.0.1:8081\n"
	    "listen = other=tcp:[::1]:8080\n"
	    "listen_backlog = 0\n"
	    "fd_store_max = 5000\n");				/* 19 */
	argv[3] = in.conf;
	cr_assert_eq(harness_run(&out, &err, argv), 1, "stderr: %s", err);
	for (i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		snprintf(want, sizeof want, "%s:%d: [worker:w]", in.conf,
		    bad_lines[i]);
		cr_assert_not_null(strstr(err, want), "no error for line %d:\n%s",
		    bad_lines[i], err);
	}
	snprintf(want, sizeof want, "%s:15:", in.conf);
	cr_assert_null(strstr(err, want), "line 15 is good:\n%s", err);
	cr_assert_not_null(strstr(err, "names are not looked up"), "%s", err);
	cr_assert_not_null(strstr(err, "goes in brackets"), "%s", err);
	cr_assert_not_null(strstr(err, "the name ok is taken"), "%s", err);
	free(out);
	free(err);
}

Test(listen, the_socket_and_the_store_survive_a_reexec)
{
	char	*line, *text, *before;
	long	ino;

	init_with_ports(
	    "[supervisor:root]\n"
	    "[worker:web]\n"
	    "parent = root\n"
	    "command = /usr/bin/python3 @DIR@/server.py @DIR@/web.out\n"
	    "listen = http=tcp:127.0.0.1:@PORT@\n"
	    "[worker:keeper]\n"
	    "parent = root\n"
	    "command = /usr/bin/python3 @DIR@/keeper.py @DIR@/k.out\n"
	    "fd_store_max = 4\n", free_port(), 0);
	write_file("server.py", server_py);
	write_file("keeper.py", keeper_py);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "web.out", 1, 10000), 1);
	cr_assert_eq(harness_wait_lines(&in, "k.out", 2, 10000), 2);
	cr_assert(wait_names("keeper", "stored_fds", "mine", 5000));
	cr_assert_not_null(line = nth_line("web.out", 0));
	ino = field(line, "ino=");
	free(line);
	cr_assert_eq(harness_supctl(&in, NULL, "reexec", NULL), 0);
	inspect_names("web", "sockets", text = malloc(64), 64);
	cr_assert_str_eq(text, "http");
	free(text);
	cr_assert(wait_names("keeper", "stored_fds", "mine", 5000));
	/* the next starts get what the last image held */
	cr_assert_eq(harness_supctl(&in, NULL, "restart", "web", NULL), 0);
	cr_assert_eq(harness_supctl(&in, NULL, "restart", "keeper", NULL), 0);
	cr_assert_eq(harness_wait_lines(&in, "web.out", 2, 10000), 2);
	cr_assert_not_null(line = nth_line("web.out", 1));
	cr_assert_eq(field(line, "ino="), ino, "the same socket: %s", line);
	free(line);
	cr_assert_eq(harness_wait_lines(&in, "k.out", 4, 10000), 4);
	before = harness_read(&in, "k.out");
	cr_assert_not_null(strstr(before, "got=hello"), "%s", before);
	free(before);
}

Test(listen, a_reload_moves_a_changed_socket_and_closes_a_removed_one)
{
	struct sockaddr_in	sin;
	int			port = free_port(), port2 = free_port(), fd;
	char			*out = NULL;
	FILE			*f;

	init_with_ports(
	    "[supervisor:root]\n"
	    "[worker:web]\n"
	    "parent = root\n"
	    "command = /usr/bin/python3 @DIR@/server.py @DIR@/web.out\n"
	    "listen = http=tcp:127.0.0.1:@PORT@\n", port, port2);
	write_file("server.py", server_py);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "web.out", 1, 10000), 1);
	cr_assert_not_null(f = fopen(in.conf, "w"));
	fprintf(f, "[supervisor:root]\n[worker:web]\nparent = root\n"
	    "command = /usr/bin/python3 %s/server.py %s/web.out\n"
	    "listen = http=tcp:127.0.0.1:%d\n", in.dir, in.dir, port2);
	fclose(f);
	cr_assert_eq(harness_supctl(&in, &out, "reload", NULL), 0);
	free(out);
	cr_assert_eq(harness_wait_lines(&in, "web.out", 2, 10000), 2);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), -1,
	    "the old port is closed");
	close(fd);
	sin.sin_port = htons((uint16_t)port2);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0,
	    "the new port: %s", strerror(errno));
	close(fd);
	/* removed from the file: its socket goes with it */
	cr_assert_not_null(f = fopen(in.conf, "w"));
	fprintf(f, "[supervisor:root]\n[worker:other]\nparent = root\n"
	    "command = /bin/sleep 600\n");
	fclose(f);
	cr_assert_eq(harness_supctl(&in, &out, "reload", NULL), 0);
	free(out);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), -1,
	    "a removed child's port is closed");
	close(fd);
}

/*
 * Bad FDSTORE=1 datagrams: too many fds (a cut control message), a bad
 * FDNAME=, a store full, fds without FDSTORE=1: each fd closed (the
 * child reads EOF), none kept but what fits; a stored pipe whose reader
 * is gone is closed too.
 */
static const char badstore_py[] =
    "import os, socket, sys, select\n"
    "a = os.environ['NOTIFY_SOCKET']\n"
    "a = '\\0' + a[1:]\n"
    "ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
    "ns.connect(a)\n"
    "def send(msg, n):\n"
    "    ps = [os.pipe() for i in range(n)]\n"
    "    socket.send_fds(ns, [msg], [w for r, w in ps])\n"
    "    for r, w in ps:\n"
    "        os.close(w)\n"
    "    return [r for r, w in ps]\n"
    "def state(rs):\n"
    "    out = []\n"
    "    for r in rs:\n"
    "        ready, _, _ = select.select([r], [], [], 2)\n"
    "        out.append('eof' if ready and os.read(r, 1) == b'' else 'open')\n"
    "    return out\n"
    "many = send(b'FDSTORE=1\\nFDNAME=many', 20)\n"
    "badname = send(b'FDSTORE=1\\nFDNAME=bad:name', 1)\n"
    "full = send(b'FDSTORE=1\\nFDNAME=ok', 3)\n"
    "barrier = send(b'BARRIER=1', 1)\n"
    "res = ['many=' + ','.join(sorted(set(state(many)))),\n"
    "       'bad=' + ','.join(state(badname)),\n"
    "       'full=' + ','.join(state(full)),\n"
    "       'barrier=' + ','.join(state(barrier))]\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    f.write(' '.join(res) + '\\n')\n"
    "ns.send(b'READY=1')\n"
    "import time\n"
    "time.sleep(600)\n";

Test(listen, bad_fd_store_datagrams_close_every_fd)
{
	char	*line, *log;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:b]\n"
	    "parent = root\n"
	    "ready = notify\n"
	    "fd_store_max = 2\n"
	    "command = /usr/bin/python3 @DIR@/badstore.py @DIR@/b.out\n");
	write_file("badstore.py", badstore_py);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "b.out", 1, 20000), 1);
	cr_assert_not_null(line = nth_line("b.out", 0));
	cr_assert_str_eq(line, "many=eof bad=eof full=open,open,eof "
	    "barrier=eof");
	free(line);
	cr_assert(wait_names("b", "stored_fds", "ok,ok", 5000));
	log = harness_read(&in, "supd.log");
	cr_assert_not_null(strstr(log, "datagram dropped, its fds closed"), "%s",
	    log);
	cr_assert_not_null(strstr(log, "FDNAME=bad:name is not a valid name"),
	    "%s", log);
	cr_assert_not_null(strstr(log, "full (fd_store_max = 2)"), "%s", log);
	free(log);
	/* its reader gone with the child, a stored pipe is closed */
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "b", NULL), 0);
	cr_assert(wait_names("b", "stored_fds", "", 5000));
}

/* What a child stored right before it crashed comes back to its restart. */
Test(listen, fds_stored_just_before_a_crash_come_back)
{
	char	*text;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:c]\n"
	    "parent = root\n"
	    "fd_store_max = 1\n"
	    "command = /usr/bin/python3 @DIR@/crash.py @DIR@/c.out\n");
	write_file("crash.py",
	    "import os, socket, sys, time\n"
	    "names = os.environ.get('LISTEN_FDNAMES', '')\n"
	    "if names == 'state':\n"
	    "    os.lseek(3, 0, 0)\n"
	    "    with open(sys.argv[1], 'a') as f:\n"
	    "        f.write('got=' + os.read(3, 100).decode() + '\\n')\n"
	    "    time.sleep(600)\n"
	    "a = os.environ['NOTIFY_SOCKET']\n"
	    "ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
	    "ns.connect('\\0' + a[1:])\n"
	    "m = os.memfd_create('state')\n"
	    "os.write(m, b'counter=41')\n"
	    "socket.send_fds(ns, [b'FDSTORE=1\\nFDNAME=state'], [m])\n"
	    "os._exit(1)\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "c.out", 1, 10000), 1);
	text = harness_read(&in, "c.out");
	cr_assert_str_eq(text, "got=counter=41\n");
	free(text);
}
