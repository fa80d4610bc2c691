/*
 * test-protocol.c — the control protocol spoken raw to the real supd (no
 * supctl): introspection, each method, pipelining, each error, and the
 * limits (message size, bad JSON, max_clients, idle timeout, access by
 * role, a client that hangs mid-message, a follower that stops reading).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "harness.h"

#define IFACE	"io.supd.Supervisor."

/* A captured line's text: after "2026-12-03T13:29:03.123456Z out ". */
static const char *
log_text(const char *line)
{
	if (line != NULL && strlen(line) >= 32 && line[26] == 'Z' &&
	    line[27] == ' ')
		return (line + 32);
	return (line != NULL ? line : "");
}

static const char	*proto_ini =
	"[supd]\n"
	"max_clients = 8\n"
	"idle_timeout = 60000\n"
	"\n"
	"[supervisor:root]\n"
	"strategy = one_for_one\n"
	"max_restarts = 10\n"
	"max_seconds = 1\n"
	"\n"
	"[worker:w1]\n"
	"parent = root\n"
	"command = /bin/sh -c 'echo hello from w1; exec sleep 600'\n"
	"groups = g1\n"
	"\n"
	"[worker:w2]\n"
	"parent = root\n"
	"command = /bin/sleep 600\n"
	"groups = g1\n"
	"\n"
	"[dynamic:jobs]\n"
	"parent = root\n"
	"max_children = 3\n"
	"command = /bin/sh -c 'echo job \"$@\"; exec sleep 600' job\n"
	"restart = transient\n"
	"\n"
	"[dynamic:tasks]\n"
	"parent = root\n"
	"command = /bin/sh -c 'sleep \"${2:-0}\"; exit \"${1:-0}\"' task\n"
	"restart = temporary\n";

static struct supd_inst	inst;

/* A raw varlink connection: a socket and what was read past the last message. */
struct vl {
	int	 fd;
	char	*buf;
	size_t	 off;		/* buf[off, len) is unread */
	size_t	 len;
};

static int
vl_try_open(struct vl *v, const char *path)
{
	struct sockaddr_un	sun;

	memset(v, 0, sizeof *v);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((v->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(v->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(v->fd);
		return (-1);
	}
	return (0);
}

static void
vl_open(struct vl *v)
{
	cr_assert_eq(vl_try_open(v, inst.sock), 0, "connect %s: %s", inst.sock,
	    strerror(errno));
}

static void
vl_close(struct vl *v)
{
	if (v->fd != -1)
		close(v->fd);
	free(v->buf);
	v->buf = NULL;
	v->fd = -1;
}

static void
vl_write(struct vl *v, const char *bytes, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = send(v->fd, bytes, n, MSG_NOSIGNAL);
		cr_assert(w > 0, "send: %s", strerror(errno));
		bytes += w;
		n -= (size_t)w;
	}
}

/* Send a message and its NUL. */
static void
vl_send(struct vl *v, const char *json)
{
	vl_write(v, json, strlen(json) + 1);
}

/*
 * The next message as text (NUL-terminated, *mlen bytes, valid until the
 * next read), or NULL at end of file (*eof = 1) or after timeout_ms
 * without one (*eof = 0).
 */
static const char *
vl_recv_text(struct vl *v, int timeout_ms, int *eof, size_t *mlen)
{
	struct pollfd	 pfd = { .fd = v->fd, .events = POLLIN };
	char		*nul, *msg, chunk[65536];
	ssize_t		 n;

	timeout_ms = harness_ms(timeout_ms);
	*eof = 0;
	for (;;) {
		if (v->len > v->off && (nul = memchr(v->buf + v->off, '\0',
		    v->len - v->off)) != NULL) {
			msg = v->buf + v->off;
			*mlen = (size_t)(nul - msg);
			v->off += *mlen + 1;
			return (msg);
		}
		if (poll(&pfd, 1, timeout_ms) != 1)
			return (NULL);
		n = recv(v->fd, chunk, sizeof chunk, 0);
		if (n <= 0) {
			*eof = 1;
			return (NULL);
		}
		/* what was read is moved down once a recv, not once a message */
		if (v->off > 0) {
			memmove(v->buf, v->buf + v->off, v->len - v->off);
			v->len -= v->off;
			v->off = 0;
		}
		v->buf = realloc(v->buf, v->len + (size_t)n);
		memcpy(v->buf + v->len, chunk, (size_t)n);
		v->len += (size_t)n;
	}
}

/* The same, parsed. */
static json_t *
vl_recv_eof(struct vl *v, int timeout_ms, int *eof)
{
	const char	*msg;
	json_t		*j;
	json_error_t	 err;
	size_t		 mlen;

	if ((msg = vl_recv_text(v, timeout_ms, eof, &mlen)) == NULL)
		return (NULL);
	j = json_loadb(msg, mlen, 0, &err);
	cr_assert_not_null(j, "bad reply: %.*s", (int)mlen, msg);
	return (j);
}

static json_t *
vl_recv(struct vl *v)
{
	json_t	*j;
	int	 eof;

	j = vl_recv_eof(v, 10000, &eof);
	cr_assert_not_null(j, "no reply (%s)", eof ? "connection closed" :
	    "timeout");
	return (j);
}

/* 1 if the server closes the connection within ms (messages before it are dropped). */
static int
vl_closed_within(struct vl *v, int ms)
{
	json_t	*j;
	int	 eof;

	while ((j = vl_recv_eof(v, ms, &eof)) != NULL)
		json_decref(j);
	return (eof);
}

/* Call method (IFACE is prepended to a bare name) with params (JSON text or NULL). */
static json_t *
vl_call(struct vl *v, const char *method, const char *params)
{
	char	*msg;

	cr_assert(asprintf(&msg, "{\"method\":\"%s%s\",\"parameters\":%s}",
	    strchr(method, '.') ? "" : IFACE, method,
	    params != NULL ? params : "{}") > 0);
	vl_send(v, msg);
	free(msg);
	return (vl_recv(v));
}

/* One call on a fresh connection. */
static json_t *
call1(const char *method, const char *params)
{
	struct vl	 v;
	json_t		*r;

	vl_open(&v);
	r = vl_call(&v, method, params);
	vl_close(&v);
	return (r);
}

static json_t *
params_of(json_t *r)
{
	cr_assert_null(json_object_get(r, "error"), "unexpected error %s %s",
	    json_string_value(json_object_get(r, "error")),
	    json_dumps(json_object_get(r, "parameters"), JSON_COMPACT));
	return (json_object_get(r, "parameters"));
}

static void
expect_error(json_t *r, const char *error)
{
	const char	*e = json_string_value(json_object_get(r, "error"));

	cr_assert_not_null(e, "expected %s, got a reply: %s", error,
	    json_dumps(r, JSON_COMPACT));
	cr_assert_str_eq(e, error);
	cr_assert(json_is_object(json_object_get(r, "parameters")));
}

static const char *
param_str(json_t *r, const char *key)
{
	return (json_string_value(json_object_get(json_object_get(r,
	    "parameters"), key)));
}

static json_int_t
param_int(json_t *r, const char *key)
{
	json_t	*v = json_object_get(json_object_get(r, "parameters"), key);

	cr_assert(json_is_integer(v), "%s is not an integer", key);
	return (json_integer_value(v));
}

static void
start_with(const char *ini)
{
	harness_init(&inst, ini);
	harness_start(&inst);
}

static void
start_default(void)
{
	start_with(proto_ini);
}

static void
stop_daemon(void)
{
	harness_stop(&inst);
}

/* The pid of name from Whereis, 0 if it has none. */
static json_int_t
whereis(const char *name)
{
	char		 p[128];
	json_t		*r;
	json_int_t	 pid = 0;

	snprintf(p, sizeof p, "{\"name\":\"%s\"}", name);
	r = call1("Whereis", p);
	if (json_object_get(r, "error") == NULL)
		pid = param_int(r, "pid");
	json_decref(r);
	return (pid);
}

TestSuite(protocol, .init = start_default, .fini = stop_daemon, .timeout = 60);

Test(protocol, getinfo_names_both_interfaces)
{
	json_t	*r = call1("org.varlink.service.GetInfo", NULL), *ifs;

	ifs = json_object_get(params_of(r), "interfaces");
	cr_assert_eq(json_array_size(ifs), 2);
	cr_assert_str_eq(json_string_value(json_array_get(ifs, 0)),
	    "org.varlink.service");
	cr_assert_str_eq(json_string_value(json_array_get(ifs, 1)),
	    "io.supd.Supervisor");
	cr_assert_str_eq(param_str(r, "version"), SUPD_VERSION);
	json_decref(r);
}

Test(protocol, interface_description_is_the_idl_file_byte_for_byte)
{
	FILE	*f;
	char	*file;
	long	 n;
	json_t	*r;

	cr_assert_not_null(f = fopen(SRCDIR "/common/io.supd.Supervisor.varlink",
	    "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	file = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(file, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	r = call1("org.varlink.service.GetInterfaceDescription",
	    "{\"interface\":\"io.supd.Supervisor\"}");
	cr_assert_str_eq(param_str(r, "description"), file);
	json_decref(r);
	free(file);
	r = call1("org.varlink.service.GetInterfaceDescription",
	    "{\"interface\":\"org.varlink.service\"}");
	cr_assert_not_null(strstr(param_str(r, "description"),
	    "interface org.varlink.service\n"));
	json_decref(r);
	r = call1("org.varlink.service.GetInterfaceDescription",
	    "{\"interface\":\"com.example.Nope\"}");
	expect_error(r, "org.varlink.service.InterfaceNotFound");
	cr_assert_str_eq(param_str(r, "interface"), "com.example.Nope");
	json_decref(r);
}

Test(protocol, status_lists_the_tree_in_pre_order)
{
	static const char *order[] = { "root", "w1", "w2", "jobs", "tasks" };
	json_t	*r, *rows, *row;
	size_t	 i;

	r = call1("Status", NULL);
	rows = json_object_get(params_of(r), "children");
	cr_assert_eq(json_array_size(rows), 5);
	for (i = 0; i < 5; i++) {
		row = json_array_get(rows, i);
		cr_assert_str_eq(json_string_value(json_object_get(row, "name")),
		    order[i]);
	}
	row = json_array_get(rows, 0);
	cr_assert(json_is_null(json_object_get(row, "parent")));
	cr_assert(json_is_null(json_object_get(row, "pid")));
	cr_assert_str_eq(json_string_value(json_object_get(row, "type")),
	    "supervisor");
	row = json_array_get(rows, 1);
	cr_assert_str_eq(json_string_value(json_object_get(row, "state")),
	    "running");
	cr_assert(json_integer_value(json_object_get(row, "pid")) > 0);
	cr_assert(json_integer_value(json_object_get(row, "started_at")) > 0);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(row,
	    "groups"), 0)), "g1");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
	    3), "type")), "dynamic");
	json_decref(r);

	r = call1("Status", "{\"names\":[\"w2\",\"root\"]}");
	rows = json_object_get(params_of(r), "children");
	cr_assert_eq(json_array_size(rows), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
	    0), "name")), "w2");
	json_decref(r);
	r = call1("Status", "{\"names\":[\"w1\",\"ghost\"]}");
	expect_error(r, IFACE "NotFound");
	cr_assert_str_eq(param_str(r, "name"), "ghost");
	json_decref(r);
}

Test(protocol, tree_and_inspect)
{
	json_t	*r, *nodes, *info;

	r = call1("Tree", NULL);
	nodes = json_object_get(params_of(r), "nodes");
	cr_assert_eq(json_array_size(nodes), 5);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(nodes, 0),
	    "depth")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(nodes,
	    0), "strategy")), "one_for_one");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(nodes, 0),
	    "children")), 4);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(nodes, 1),
	    "depth")), 1);
	json_decref(r);

	r = call1("Inspect", "{\"name\":\"w1\"}");
	info = json_object_get(params_of(r), "info");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    json_object_get(info, "spec"), "command"), 0)), "/bin/sh");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(info,
	    "spec"), "restart")), "permanent");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(info,
	    "spec"), "shutdown")), 5000);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(info,
	    "spec"), "stop_signal")), "TERM");
	json_decref(r);

	r = call1("Inspect", "{\"name\":\"root\"}");
	info = json_object_get(params_of(r), "info");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(info,
	    "supervisor"), "max_restarts")), 10);
	json_decref(r);
}

Test(protocol, three_calls_in_one_write_get_three_replies_in_order)
{
	struct vl	 v;
	json_t		*r;
	const char	 three[] =
	    "{\"method\":\"org.varlink.service.GetInfo\"}\0"
	    "{\"method\":\"" IFACE "Status\",\"parameters\":{\"names\":[\"w1\"]}}\0"
	    "{\"method\":\"" IFACE "Nope\"}";

	vl_open(&v);
	vl_write(&v, three, sizeof three);
	r = vl_recv(&v);
	cr_assert_not_null(json_object_get(params_of(r), "interfaces"));
	json_decref(r);
	r = vl_recv(&v);
	cr_assert_not_null(json_object_get(params_of(r), "children"));
	json_decref(r);
	r = vl_recv(&v);
	expect_error(r, "org.varlink.service.MethodNotFound");
	cr_assert_str_eq(param_str(r, "method"), IFACE "Nope");
	json_decref(r);
	vl_close(&v);
}

Test(protocol, a_waiting_call_holds_back_the_replies_behind_it)
{
	struct vl	 v;
	json_t		*r;
	json_int_t	 pid;
	const char	 two[] =
	    "{\"method\":\"" IFACE "Spawn\",\"parameters\":"
	    "{\"supervisor\":\"jobs\",\"name\":\"p1\"}}\0"
	    "{\"method\":\"" IFACE "Whereis\",\"parameters\":{\"name\":\"p1\"}}";

	vl_open(&v);
	vl_write(&v, two, sizeof two);
	r = vl_recv(&v);
	cr_assert_str_eq(param_str(r, "name"), "p1");
	pid = param_int(r, "pid");
	json_decref(r);
	/* Whereis ran only after the child was started */
	r = vl_recv(&v);
	cr_assert_eq(param_int(r, "pid"), pid);
	json_decref(r);
	vl_close(&v);
}

Test(protocol, oneway_calls_get_no_reply)
{
	struct vl	 v;
	json_t		*r;

	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Status\",\"oneway\":true}");
	r = vl_call(&v, "Whereis", "{\"name\":\"w1\"}");
	cr_assert_str_eq(param_str(r, "name"), "w1");
	json_decref(r);
	vl_close(&v);
}

Test(protocol, parameter_errors)
{
	json_t	*r;

	r = call1("Inspect", "{\"name\":5}");
	expect_error(r, "org.varlink.service.InvalidParameter");
	cr_assert_str_eq(param_str(r, "parameter"), "name");
	json_decref(r);
	r = call1("Inspect", NULL);
	expect_error(r, "org.varlink.service.InvalidParameter");
	cr_assert_str_eq(param_str(r, "parameter"), "name");
	json_decref(r);
	r = call1("Inspect", "{\"name\":\"w1\",\"colour\":\"red\"}");
	expect_error(r, "org.varlink.service.InvalidParameter");
	cr_assert_str_eq(param_str(r, "parameter"), "colour");
	json_decref(r);
	r = call1("Status", "{\"names\":[\"w1\",7]}");
	expect_error(r, "org.varlink.service.InvalidParameter");
	cr_assert_str_eq(param_str(r, "parameter"), "names");
	json_decref(r);
	r = call1("Status", "{\"usage\":\"yes\"}");
	expect_error(r, "org.varlink.service.InvalidParameter");
	cr_assert_str_eq(param_str(r, "parameter"), "usage");
	json_decref(r);
	r = call1("Signal", "{\"target\":\"w1\",\"signal\":15}");
	expect_error(r, "org.varlink.service.InvalidParameter");
	json_decref(r);
	r = call1("Inspect", "{\"name\":\"ghost\"}");
	expect_error(r, IFACE "NotFound");
	json_decref(r);
	r = call1("com.example.Thing.Do", NULL);
	expect_error(r, "org.varlink.service.InterfaceNotFound");
	cr_assert_str_eq(param_str(r, "interface"), "com.example.Thing");
	json_decref(r);
	r = call1("Reload", "{\"check\":\"yes\"}");
	expect_error(r, "org.varlink.service.InvalidParameter");
	cr_assert_str_eq(param_str(r, "parameter"), "check");
	json_decref(r);
}

Test(protocol, start_stop_restart)
{
	json_t		*r;
	json_int_t	 pid, pid2;

	pid = whereis("w2");
	cr_assert_gt(pid, 0);
	r = call1("Start", "{\"name\":\"w2\"}");
	expect_error(r, IFACE "AlreadyStarted");
	cr_assert_eq(param_int(r, "pid"), pid);
	json_decref(r);

	r = call1("Stop", "{\"name\":\"w2\"}");
	cr_assert_str_eq(param_str(r, "name"), "w2");
	cr_assert(json_is_false(json_object_get(params_of(r), "removed")));
	json_decref(r);
	cr_assert_eq(whereis("w2"), 0);
	r = call1("Whereis", "{\"name\":\"w2\"}");
	expect_error(r, IFACE "NotRunning");
	json_decref(r);
	/* stopping what is stopped is fine */
	r = call1("Stop", "{\"name\":\"w2\"}");
	params_of(r);
	json_decref(r);

	r = call1("Start", "{\"name\":\"w2\"}");
	pid = param_int(r, "pid");
	cr_assert_gt(pid, 0);
	json_decref(r);
	r = call1("Restart", "{\"name\":\"w2\"}");
	pid2 = param_int(r, "pid");
	cr_assert(pid2 > 0 && pid2 != pid);
	json_decref(r);

	r = call1("Stop", "{\"name\":\"root\"}");
	expect_error(r, IFACE "CommandFailed");
	json_decref(r);
	r = call1("Start", "{\"name\":\"ghost\"}");
	expect_error(r, IFACE "NotFound");
	json_decref(r);
}

Test(protocol, signal_a_child_and_a_group)
{
	json_t		*r;
	json_int_t	 old = whereis("w2"), pid = 0;
	int		 i;

	r = call1("Signal", "{\"target\":\"@g1\",\"signal\":\"SIGCONT\"}");
	cr_assert_eq(param_int(r, "signalled"), 2);
	json_decref(r);
	r = call1("Signal", "{\"target\":\"w2\",\"signal\":\"9\"}");
	cr_assert_eq(param_int(r, "signalled"), 1);
	json_decref(r);
	/* w2 is permanent: its supervisor restarts it */
	for (i = 0; i < 500 * harness_scale() && ((pid = whereis("w2")) == 0 || pid == old); i++)
		harness_sleep_ms(10);
	cr_assert(pid > 0 && pid != old, "w2 was not restarted");
	r = call1("Signal", "{\"target\":\"w1\",\"signal\":\"SIGNOPE\"}");
	expect_error(r, IFACE "InvalidSignal");
	cr_assert_str_eq(param_str(r, "signal"), "SIGNOPE");
	json_decref(r);
	r = call1("Signal", "{\"target\":\"@nobody-here\",\"signal\":\"TERM\"}");
	expect_error(r, IFACE "NotFound");
	json_decref(r);
	r = call1("Signal", "{\"target\":\"jobs\",\"signal\":\"TERM\"}");
	expect_error(r, IFACE "NotAWorker");
	cr_assert_str_eq(param_str(r, "type"), "dynamic");
	json_decref(r);
}

Test(protocol, spawn_errors_in_the_contract_order)
{
	json_t	*r;
	int	 i;
	char	 p[128];

	r = call1("Spawn", "{\"supervisor\":\"nope\",\"name\":\"-x\"}");
	expect_error(r, IFACE "InvalidName");
	cr_assert_str_eq(param_str(r, "name"), "-x");
	json_decref(r);
	r = call1("Spawn", "{\"supervisor\":\"nope\",\"name\":\"x\"}");
	expect_error(r, IFACE "NotFound");
	cr_assert_str_eq(param_str(r, "name"), "nope");
	json_decref(r);
	r = call1("Spawn", "{\"supervisor\":\"root\",\"name\":\"x\"}");
	expect_error(r, IFACE "NotDynamic");
	json_decref(r);
	r = call1("Spawn", "{\"supervisor\":\"jobs\",\"name\":\"w1\"}");
	expect_error(r, IFACE "AlreadyStarted");
	cr_assert_eq(param_int(r, "pid"), whereis("w1"));
	json_decref(r);
	r = call1("Spawn", "{\"supervisor\":\"jobs\",\"name\":\"x\",\"env\":[\"NOEQUALS\"]}");
	expect_error(r, "org.varlink.service.InvalidParameter");
	cr_assert_str_eq(param_str(r, "parameter"), "env");
	json_decref(r);
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "{\"supervisor\":\"jobs\",\"name\":\"j%d\","
		    "\"args\":[\"a%d\"],\"groups\":[\"g2\"]}", i, i);
		r = call1("Spawn", p);
		cr_assert_gt(param_int(r, "pid"), 0);
		json_decref(r);
	}
	r = call1("Spawn", "{\"supervisor\":\"jobs\",\"name\":\"j3\"}");
	expect_error(r, IFACE "MaxChildren");
	cr_assert_eq(param_int(r, "max"), 3);
	json_decref(r);
	r = call1("Members", "{\"group\":\"g2\"}");
	cr_assert_eq(json_array_size(json_object_get(params_of(r), "members")), 3);
	json_decref(r);
	r = call1("Stop", "{\"name\":\"j0\"}");
	cr_assert(json_is_true(json_object_get(params_of(r), "removed")));
	json_decref(r);
	r = call1("Whereis", "{\"name\":\"j0\"}");
	expect_error(r, IFACE "NotFound");
	json_decref(r);
}

Test(protocol, run_and_await)
{
	json_t		*r, *res;
	const char	*name;
	char		 p[128];

	r = call1("Run", "{\"supervisor\":\"tasks\",\"args\":[\"3\"]}");
	name = param_str(r, "name");
	cr_assert_not_null(name);
	cr_assert_eq(strncmp(name, "task-", 5), 0);
	snprintf(p, sizeof p, "{\"name\":\"%s\"}", name);
	json_decref(r);
	r = call1("Await", p);
	res = json_object_get(params_of(r), "result");
	cr_assert_str_eq(json_string_value(json_object_get(res, "state")), "exited");
	cr_assert_eq(json_integer_value(json_object_get(res, "code")), 3);
	cr_assert_eq(json_integer_value(json_object_get(res, "exit_status")), 3);
	cr_assert(json_is_false(json_object_get(res, "timed_out")));
	cr_assert(json_integer_value(json_object_get(res, "pid")) > 0);
	json_decref(r);

	r = call1("Run", "{\"supervisor\":\"tasks\",\"name\":\"slow\","
	    "\"args\":[\"0\",\"30\"],\"timeout\":300}");
	params_of(r);
	json_decref(r);
	r = call1("Await", "{\"name\":\"slow\",\"timeout\":50}");
	expect_error(r, IFACE "Timeout");
	json_decref(r);
	r = call1("Await", "{\"name\":\"slow\"}");
	res = json_object_get(params_of(r), "result");
	cr_assert(json_is_true(json_object_get(res, "timed_out")));
	cr_assert_eq(json_integer_value(json_object_get(res, "signal")), 15);
	cr_assert_eq(json_integer_value(json_object_get(res, "exit_status")), 143);
	json_decref(r);

	r = call1("Await", "{\"name\":\"never-ran\"}");
	expect_error(r, IFACE "NotFound");
	json_decref(r);
	r = call1("Run", "{\"supervisor\":\"w1\",\"args\":[\"0\"]}");
	expect_error(r, IFACE "NotDynamic");
	json_decref(r);
}

Test(protocol, events_history_then_live)
{
	struct vl	 v, w;
	json_t		*r, *ev;
	json_int_t	 last = 0, seq;
	int		 n = 0, saw_spawn = 0;

	r = call1("Events", NULL);
	expect_error(r, "org.varlink.service.ExpectedMore");
	json_decref(r);

	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Events\",\"more\":true}");
	for (;;) {
		r = vl_recv(&v);
		if (!json_is_true(json_object_get(r, "continues"))) {
			cr_assert_null(json_object_get(params_of(r), "event"));
			json_decref(r);
			break;
		}
		ev = json_object_get(params_of(r), "event");
		seq = json_integer_value(json_object_get(ev, "seq"));
		cr_assert_gt(seq, last);
		last = seq;
		n++;
		json_decref(r);
	}
	cr_assert_geq(n, 2, "the boot's start events");
	vl_close(&v);

	/* follow, only about f1; spawn it from another connection */
	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Events\",\"more\":true,"
	    "\"parameters\":{\"follow\":true,\"names\":[\"f1\"]}}");
	vl_open(&w);
	r = vl_call(&w, "Spawn", "{\"supervisor\":\"jobs\",\"name\":\"f1\"}");
	params_of(r);
	json_decref(r);
	vl_close(&w);
	while (!saw_spawn || n < 100) {
		r = vl_recv(&v);
		cr_assert(json_is_true(json_object_get(r, "continues")));
		ev = json_object_get(params_of(r), "event");
		cr_assert_str_eq(json_string_value(json_object_get(ev, "name")), "f1");
		if (strcmp(json_string_value(json_object_get(ev, "event")),
		    "start") == 0) {
			json_decref(r);
			break;
		}
		if (strcmp(json_string_value(json_object_get(ev, "event")),
		    "spawn") == 0)
			saw_spawn = 1;
		json_decref(r);
		n++;
	}
	cr_assert(saw_spawn);
	vl_close(&v);
}

/*
 * A call pipelined behind a long Events replay is handled as soon as the
 * replay ends, not at the next unrelated wakeup: the replay is paced by
 * the reader, so it ends in the flush before the loop sleeps, and the
 * Restart it releases must reach the policy before that sleep.
 */
Test(limits, a_call_behind_a_long_replay_is_not_stalled)
{
	struct vl	 v;
	json_t		*r;
	const char	*msg;
	char		*burst, *p;
	size_t		 one, mlen;
	int		 i, round, nev, eof;
	long		 total;
	const char	 spawn[] = "{\"method\":\"" IFACE "Spawn\",\"parameters\":"
	    "{\"supervisor\":\"burst\",\"name\":\"b%05d\"}}";
	const char	 two[] =
	    "{\"method\":\"" IFACE "Events\",\"more\":true}\0"
	    "{\"method\":\"" IFACE "Restart\",\"parameters\":{\"name\":\"w\"}}";

	start_with("[supd]\nhistory_max = 20000\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n"
	    "[dynamic:burst]\nparent = root\ncommand = /bin/true\n"
	    "restart = temporary\n");
	/* spawn, start, exit, remove: four events a child, 10,000+ in all */
	one = sizeof spawn + 8;
	burst = p = malloc(2600 * one);
	for (i = 0; i < 2600; i++)
		p += snprintf(p, one, spawn, i) + 1;
	vl_open(&v);
	vl_write(&v, burst, (size_t)(p - burst));
	free(burst);
	for (i = 0; i < 2600; i++)
		json_decref(vl_recv(&v));
	/* the children exit and go on their own time: all four events each */
	for (i = 0, total = 0; i < 1000 * harness_scale() && total < 10400;
	    i++) {
		r = vl_call(&v, "Metrics", NULL);
		if ((p = strstr(param_str(r, "text"),
		    "\nsupd_events_total ")) != NULL)
			total = atol(p + 19);
		json_decref(r);
		if (total < 10400)
			harness_sleep_ms(10);
	}
	for (round = 0; round < 100; round++) {
		vl_write(&v, two, sizeof two);
		nev = 0;
		for (;;) {
			/* 10,000 events a round: parse only what ends the stream */
			msg = vl_recv_text(&v, 1000, &eof, &mlen);
			cr_assert_not_null(msg, "round %d: no reply within 1 s "
			    "after %d events (%s)", round, nev,
			    eof ? "connection closed" : "stalled");
			if (strstr(msg, "\"continues\":true") == NULL) {
				r = json_loadb(msg, mlen, 0, NULL);
				cr_assert_not_null(r);
				cr_assert_null(json_object_get(r, "error"),
				    "round %d: %.*s", round, (int)mlen, msg);
				json_decref(r);
				break;
			}
			nev++;
		}
		cr_assert_geq(nev, 10000, "round %d: a history of %d events",
		    round, nev);
		r = vl_recv_eof(&v, 1000, &eof);
		cr_assert_not_null(r, "round %d: Restart not answered within "
		    "1 s of the replay's end", round);
		cr_assert_gt(param_int(r, "pid"), 0);
		json_decref(r);
	}
	vl_close(&v);
}

Test(protocol, logs_tail)
{
	json_t	*r, *lines;

	cr_assert(harness_wait_lines(&inst, "log/w1.log", 1, 5000) >= 1);
	r = call1("Logs", "{\"name\":\"w1\",\"lines\":5}");
	lines = json_object_get(params_of(r), "lines");
	cr_assert_eq(json_array_size(lines), 1);
	cr_assert_str_eq(log_text(json_string_value(json_array_get(lines, 0))),
	    "hello from w1");
	json_decref(r);
	r = call1("Logs", "{\"name\":\"w1\",\"follow\":true}");
	expect_error(r, "org.varlink.service.ExpectedMore");
	json_decref(r);
	r = call1("Logs", "{\"name\":\"ghost\"}");
	expect_error(r, IFACE "NotFound");
	json_decref(r);
}

Test(protocol, metrics_are_prometheus_text)
{
	json_t		*r;
	const char	*text, *p;

	r = call1("Metrics", NULL);
	text = param_str(r, "text");
	cr_assert_not_null(strstr(text, "supd_children{state=\"running\"} 2\n"));
	/* this one, and maybe the harness's probe not yet seen closing */
	cr_assert_not_null(p = strstr(text, "\nsupd_clients_connected "));
	cr_assert(atoi(p + 24) >= 1 && atoi(p + 24) <= 2);
	cr_assert_not_null(strstr(text, "# TYPE supd_restarts_total counter\n"));
	cr_assert_not_null(strstr(text, "supd_restarts_total{name=\"w1\"} 0\n"));
	cr_assert_not_null(strstr(text, "supd_supervisor_window_use{name=\"root\"} "));
	cr_assert_not_null(strstr(text, "supd_method_calls_total{method=\"Metrics\"} 1\n"));
	cr_assert_not_null(strstr(text, "supd_uptime_seconds "));
	json_decref(r);
}

Test(protocol, oversized_message_is_refused_and_the_connection_closed)
{
	struct vl	 v;
	json_t		*r;
	char		*big;
	size_t		 n = 70 * 1024;

	big = malloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, "{\"method\":\"x\",\"pad\":\"", 21);
	big[n - 2] = '"';
	big[n - 1] = '}';
	big[n] = '\0';
	vl_open(&v);
	vl_write(&v, big, n + 1);
	r = vl_recv(&v);
	expect_error(r, IFACE "RequestTooLarge");
	cr_assert_eq(param_int(r, "max"), 65536);
	json_decref(r);
	cr_assert(vl_closed_within(&v, 5000));
	vl_close(&v);
	free(big);
	/* and the daemon is fine */
	r = call1("Whereis", "{\"name\":\"w1\"}");
	params_of(r);
	json_decref(r);
}

Test(protocol, bad_json_is_refused_and_the_connection_closed)
{
	static const char *bad[] = {
		"{\"method\":",
		"[1,2,3]",
		"{\"parameters\":{}}",
		"{\"method\":\"" IFACE "Status\",\"parameters\":[]}",
		"",
		"\xff\xfe garbage",
	};
	struct vl	 v;
	json_t		*r;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		vl_open(&v);
		/* a good call first: it is still answered, in order */
		vl_send(&v, "{\"method\":\"" IFACE "Whereis\",\"parameters\":"
		    "{\"name\":\"w1\"}}");
		vl_send(&v, bad[i]);
		r = vl_recv(&v);
		params_of(r);
		json_decref(r);
		r = vl_recv(&v);
		expect_error(r, IFACE "InvalidRequest");
		cr_assert_not_null(param_str(r, "reason"));
		json_decref(r);
		cr_assert(vl_closed_within(&v, 5000), "%s", bad[i]);
		vl_close(&v);
	}
	r = call1("org.varlink.service.GetInfo", NULL);
	params_of(r);
	json_decref(r);
}

Test(protocol, deep_nesting_and_garbage_never_crash_it)
{
	struct vl	 v;
	char		*deep;
	json_t		*r;
	int		 i;

	deep = malloc(60001);
	for (i = 0; i < 30000; i++) {
		deep[i] = '[';
		deep[30000 + i] = ']';
	}
	deep[60000] = '\0';
	vl_open(&v);
	vl_send(&v, deep);
	r = vl_recv(&v);
	expect_error(r, IFACE "InvalidRequest");
	json_decref(r);
	vl_close(&v);
	free(deep);
	vl_open(&v);
	vl_write(&v, "\0\0\0", 3);
	r = vl_recv(&v);
	expect_error(r, IFACE "InvalidRequest");
	json_decref(r);
	vl_close(&v);
	r = call1("org.varlink.service.GetInfo", NULL);
	params_of(r);
	json_decref(r);
}

Test(protocol, a_client_hanging_mid_message_does_not_stall_others)
{
	struct vl	 a, b;
	json_t		*r;
	const char	*half = "{\"method\":\"" IFACE "Whereis\",\"param";

	vl_open(&a);
	vl_write(&a, half, strlen(half));
	vl_open(&b);
	r = vl_call(&b, "Status", NULL);
	params_of(r);
	json_decref(r);
	vl_close(&b);
	/* the rest arrives later: the message is whole again */
	vl_send(&a, "eters\":{\"name\":\"w1\"}}");
	r = vl_recv(&a);
	cr_assert_str_eq(param_str(r, "name"), "w1");
	json_decref(r);
	vl_close(&a);
}

Test(protocol, a_half_closed_client_gets_its_replies_then_the_end)
{
	struct vl	 v;
	json_t		*r;

	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Whereis\",\"parameters\":"
	    "{\"name\":\"w1\"}}");
	vl_send(&v, "{\"method\":\"" IFACE "Spawn\",\"parameters\":"
	    "{\"supervisor\":\"jobs\",\"name\":\"h1\"}}");
	cr_assert_eq(shutdown(v.fd, SHUT_WR), 0);
	r = vl_recv(&v);
	cr_assert_str_eq(param_str(r, "name"), "w1");
	json_decref(r);
	r = vl_recv(&v);
	cr_assert_str_eq(param_str(r, "name"), "h1");
	json_decref(r);
	cr_assert(vl_closed_within(&v, 5000));
	vl_close(&v);
}

Test(protocol, clients_that_leave_while_their_calls_wait)
{
	struct vl	 v;
	json_t		*r;
	int		 i;

	/* Await on a task that ends later */
	r = call1("Run", "{\"supervisor\":\"tasks\",\"name\":\"later\","
	    "\"args\":[\"0\",\"1\"]}");
	params_of(r);
	json_decref(r);
	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Await\",\"parameters\":"
	    "{\"name\":\"later\",\"timeout\":500}}");
	vl_close(&v);
	/* a follower of events and of a log */
	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Events\",\"more\":true,"
	    "\"parameters\":{\"follow\":true}}");
	vl_close(&v);
	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Logs\",\"more\":true,"
	    "\"parameters\":{\"name\":\"w1\",\"follow\":true}}");
	vl_close(&v);
	/* a spawn whose answer has nobody to go to */
	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Spawn\",\"parameters\":"
	    "{\"supervisor\":\"jobs\",\"name\":\"orphan\"}}");
	vl_close(&v);
	/* events flow, the task ends, and all is well */
	for (i = 0; i < 200 * harness_scale() && whereis("orphan") == 0; i++)
		harness_sleep_ms(10);
	cr_assert_gt(whereis("orphan"), 0);
	r = call1("Await", "{\"name\":\"later\"}");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    params_of(r), "result"), "code")), 0);
	json_decref(r);
	r = call1("Metrics", NULL);
	cr_assert_not_null(strstr(param_str(r, "text"),
	    "\nsupd_clients_connected 1\n"));
	json_decref(r);
}

Test(protocol, shutdown_answers_then_supd_exits_0)
{
	json_t	*r;

	r = call1("Shutdown", NULL);
	params_of(r);
	json_decref(r);
	cr_assert_eq(harness_wait_exit(&inst, 15000), 0);
	cr_assert_eq(access(inst.sock, F_OK), -1, "the socket is removed");
}

/* limits, each with a config of its own */

static void	nothing(void) { }

TestSuite(limits, .init = nothing, .fini = stop_daemon, .timeout = 60);

/* Status of name, asked until it is there (gone = 0) or NotFound (gone = 1). */
static json_t *
status_until(const char *name, int gone)
{
	json_t	*r = NULL;
	char	 params[128];
	int	 i;

	snprintf(params, sizeof params, "{\"names\":[\"%s\"]}", name);
	for (i = 0; i < 500 * harness_scale(); i++) {
		r = call1("Status", params);
		if ((json_object_get(r, "error") != NULL) == gone)
			break;
		json_decref(r);
		harness_sleep_ms(10);
	}
	if (gone)
		expect_error(r, IFACE "NotFound");
	else
		params_of(r);
	return (r);
}

Test(limits, a_start_that_fails_after_its_client_left)
{
	struct vl	 v;
	json_t		*r;

	start_with("[supd]\n[supervisor:root]\n"
	    "[dynamic:slow]\nparent = root\nready = notify\n"
	    "start_timeout = 300\ncommand = /bin/sleep 600\n");
	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Spawn\",\"parameters\":"
	    "{\"supervisor\":\"slow\",\"name\":\"s1\"}}");
	vl_close(&v);
	/* the start fails for nobody (s1 is there, then gone); then the same, with someone to tell */
	json_decref(status_until("s1", 0));
	json_decref(status_until("s1", 1));
	r = call1("Spawn", "{\"supervisor\":\"slow\",\"name\":\"s1\"}");
	expect_error(r, IFACE "StartFailed");
	cr_assert_str_eq(param_str(r, "name"), "s1");
	cr_assert_not_null(param_str(r, "reason"));
	json_decref(r);
	json_decref(status_until("s1", 1));
}

Test(limits, a_task_that_cannot_start_has_a_failed_result)
{
	json_t	*r, *res;

	start_with("[supd]\n[supervisor:root]\n"
	    "[dynamic:broken]\nparent = root\ncommand = /nonexistent/task\n");
	r = call1("Run", "{\"supervisor\":\"broken\",\"name\":\"b1\"}");
	expect_error(r, IFACE "StartFailed");
	cr_assert_str_eq(param_str(r, "name"), "b1");
	cr_assert_not_null(strstr(param_str(r, "reason"), "/nonexistent/task"),
	    "%s", param_str(r, "reason"));
	json_decref(r);
	r = call1("Await", "{\"name\":\"b1\"}");
	res = json_object_get(params_of(r), "result");
	cr_assert_str_eq(json_string_value(json_object_get(res, "state")), "failed");
	cr_assert(json_is_null(json_object_get(res, "exit_status")));
	cr_assert_not_null(json_string_value(json_object_get(res, "reason")));
	json_decref(r);
}

Test(limits, logs_follow_across_rotations)
{
	struct vl	 v;
	json_t		*r, *lines, *l;
	size_t		 i;
	int		 n, expect = 0, got = 0;

	start_with("[supd]\nlog_max_bytes = 120\nlog_backups = 3\n"
	    "[supervisor:root]\n[worker:talk]\nparent = root\n"
	    "command = /bin/sh -c 'i=0; while :; do i=$((i+1)); "
	    "echo line $i; sleep 0.05; done'\n");
	harness_sleep_ms(300);
	vl_open(&v);
	vl_send(&v, "{\"method\":\"" IFACE "Logs\",\"more\":true,"
	    "\"parameters\":{\"name\":\"talk\",\"lines\":2,\"follow\":true}}");
	r = vl_recv(&v);
	cr_assert(json_is_true(json_object_get(r, "continues")));
	lines = json_object_get(params_of(r), "lines");
	cr_assert_leq(json_array_size(lines), 2);
	json_array_foreach(lines, i, l) {
		cr_assert_eq(sscanf(log_text(json_string_value(l)), "line %d", &n),
		    1);
		cr_assert(expect == 0 || n == expect, "%d after %d", n, expect - 1);
		expect = n + 1;
	}
	json_decref(r);
	/* several files' worth, every line once and in order */
	while (got < 60) {
		r = vl_recv(&v);
		cr_assert(json_is_true(json_object_get(r, "continues")));
		json_array_foreach(json_object_get(params_of(r), "lines"), i, l) {
			cr_assert_eq(sscanf(log_text(json_string_value(l)),
			    "line %d", &n), 1, "%s", json_string_value(l));
			cr_assert(expect == 0 || n == expect, "line %d after %d", n,
			    expect - 1);
			expect = n + 1;
			got++;
		}
		json_decref(r);
	}
	vl_close(&v);
}

Test(limits, max_clients_refuses_the_one_too_many)
{
	struct vl	 v[7], extra;
	json_t		*r;
	int		 i;

	start_with("[supd]\nmax_clients = 3\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	/* root is an admin: 4 connections more than max_clients are its own */
	for (i = 0; i < 7; i++) {
		vl_open(&v[i]);
		r = vl_call(&v[i], "org.varlink.service.GetInfo", NULL);
		json_decref(r);
	}
	vl_open(&extra);
	r = vl_recv(&extra);
	expect_error(r, IFACE "TooManyClients");
	cr_assert_eq(param_int(r, "max"), 3);
	json_decref(r);
	cr_assert(vl_closed_within(&extra, 5000));
	vl_close(&extra);
	/* those connected are still served; a slot frees when one leaves */
	r = vl_call(&v[0], "Whereis", "{\"name\":\"w\"}");
	params_of(r);
	json_decref(r);
	vl_close(&v[6]);
	harness_sleep_ms(100);
	vl_open(&extra);
	r = vl_call(&extra, "Whereis", "{\"name\":\"w\"}");
	params_of(r);
	json_decref(r);
	vl_close(&extra);
	for (i = 0; i < 6; i++)
		vl_close(&v[i]);
}

Test(limits, idle_clients_are_closed_but_not_those_waiting)
{
	struct vl	 idle, waiting;
	json_t		*r;

	start_with("[supd]\nidle_timeout = 300\n[supervisor:root]\n"
	    "[dynamic:tasks]\nparent = root\n"
	    "command = /bin/sh -c 'sleep \"$1\"' task\n");
	vl_open(&idle);
	r = vl_call(&idle, "org.varlink.service.GetInfo", NULL);
	json_decref(r);
	vl_open(&waiting);
	r = vl_call(&waiting, "Run", "{\"supervisor\":\"tasks\",\"name\":\"t\","
	    "\"args\":[\"1\"]}");
	params_of(r);
	json_decref(r);
	vl_send(&waiting, "{\"method\":\"" IFACE "Await\",\"parameters\":"
	    "{\"name\":\"t\"}}");
	cr_assert(vl_closed_within(&idle, 2000), "an idle client stays");
	r = vl_recv(&waiting);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    params_of(r), "result"), "code")), 0);
	json_decref(r);
	vl_close(&idle);
	vl_close(&waiting);
}

Test(limits, a_follower_that_stops_reading_is_cut_off_with_an_error)
{
	struct vl	 slow, ctl;
	json_t		*r, *ev;
	json_int_t	 seq, last = 0;
	const char	*err = NULL, *text;
	int		 rcvbuf = 4096, i, eof;
	char		*p;
	long		 total = 0;

	/* a child that exits at once and is restarted at once: events galore */
	start_with("[supd]\n[supervisor:root]\n"
	    "[supervisor:flappers]\nparent = root\nmax_restarts = 1000000\n"
	    "max_seconds = 1\n"
	    "[worker:flap]\nparent = flappers\ncommand = /bin/true\n");
	vl_open(&slow);
	setsockopt(slow.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	vl_send(&slow, "{\"method\":\"" IFACE "Events\",\"more\":true,"
	    "\"parameters\":{\"follow\":true}}");
	vl_open(&ctl);
	for (i = 0; i < 600 * harness_scale() && total < 20000; i++) {
		harness_sleep_ms(50);
		r = vl_call(&ctl, "Metrics", NULL);
		text = param_str(r, "text");
		if ((p = strstr(text, "\nsupd_events_total ")) != NULL)
			total = atol(p + 19);
		json_decref(r);
	}
	r = vl_call(&ctl, "Stop", "{\"name\":\"flap\"}");
	json_decref(r);
	vl_close(&ctl);
	cr_assert_geq(total, 20000, "events were not produced fast enough");
	/* every event it got is in sequence, then the error, then the end */
	for (;;) {
		r = vl_recv_eof(&slow, 10000, &eof);
		if (r == NULL)
			break;
		if (json_object_get(r, "error") != NULL) {
			err = json_string_value(json_object_get(r, "error"));
			err = strdup(err);
			json_decref(r);
			continue;
		}
		cr_assert_null(err, "a message after the error");
		ev = json_object_get(params_of(r), "event");
		seq = json_integer_value(json_object_get(ev, "seq"));
		cr_assert(last == 0 || seq == last + 1, "skipped from %lld to %lld",
		    (long long)last, (long long)seq);
		last = seq;
		json_decref(r);
	}
	cr_log_info("follower: last seq %lld of %ld events", (long long)last, total);
	cr_assert(eof, "the follower was not disconnected");
	cr_assert_not_null(err);
	cr_assert_str_eq(err, IFACE "OutputOverflow");
	cr_assert_lt(last, total, "it was cut off before the end");
	free((char *)err);
	vl_close(&slow);
}

/* The result of a few calls as a peer with this uid and these groups; 0 if as expected. */
static int
as_peer(uid_t uid, gid_t gid, gid_t *groups, int ngroups, int admin, int read)
{
	struct vl	 v;
	json_t		*r;
	const char	*e;
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == 0) {
		if (setgroups((size_t)ngroups, groups) == -1 || setgid(gid) == -1 ||
		    setuid(uid) == -1)
			_exit(10);
		if (vl_try_open(&v, inst.sock) == -1)
			_exit(11);
		/* introspection is open to anyone who may connect */
		r = vl_call(&v, "org.varlink.service.GetInfo", NULL);
		if (json_object_get(r, "error") != NULL)
			_exit(12);
		json_decref(r);
		r = vl_call(&v, "Status", NULL);
		e = json_string_value(json_object_get(r, "error"));
		if (read ? e != NULL : (e == NULL ||
		    strcmp(e, IFACE "PermissionDenied") != 0))
			_exit(13);
		json_decref(r);
		r = vl_call(&v, "Stop", "{\"name\":\"ghost\"}");
		e = json_string_value(json_object_get(r, "error"));
		if (e == NULL || strcmp(e, admin ? IFACE "NotFound" :
		    IFACE "PermissionDenied") != 0)
			_exit(14);
		if (!admin && strcmp(json_string_value(json_object_get(
		    json_object_get(r, "parameters"), "method")), IFACE "Stop") != 0)
			_exit(15);
		json_decref(r);
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 100);
}

Test(limits, roles_from_the_peer_credentials)
{
	gid_t		 nogroup, daemon_gid, none[1];
	struct group	*gr;

	if (geteuid() != 0)
		cr_skip_test("needs root to become another user");
	cr_assert_not_null(gr = getgrnam("nogroup"));
	nogroup = gr->gr_gid;
	cr_assert_not_null(gr = getgrnam("daemon"));
	daemon_gid = gr->gr_gid;
	start_with("[supd]\nsocket_mode = 0666\nread_group = nogroup\n"
	    "admin_group = daemon\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	/* read_group as a supplementary group: read-only */
	none[0] = nogroup;
	cr_assert_eq(as_peer(65534, 4242, none, 1, 0, 1), 0);
	/* read_group as the primary group */
	cr_assert_eq(as_peer(65534, nogroup, NULL, 0, 0, 1), 0);
	/* admin_group: everything */
	none[0] = daemon_gid;
	cr_assert_eq(as_peer(65534, 4242, none, 1, 1, 1), 0);
	/* neither: introspection only */
	cr_assert_eq(as_peer(65534, 4242, NULL, 0, 0, 0), 0);
	/* root */
	cr_assert_eq(as_peer(0, 0, NULL, 0, 1, 1), 0);
}

/* Inspect name as a peer with this uid and groups: the reply, as supd sent it. */
static json_t *
inspect_as(uid_t uid, gid_t gid, gid_t *groups, int ngroups, const char *name)
{
	struct vl	 v;
	json_t		*r;
	json_error_t	 jerr;
	char		 params[128], buf[65536], *s;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], st;

	cr_assert_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (setgroups((size_t)ngroups, groups) == -1 || setgid(gid) == -1 ||
		    setuid(uid) == -1)
			_exit(10);
		if (vl_try_open(&v, inst.sock) == -1)
			_exit(11);
		snprintf(params, sizeof params, "{\"name\":\"%s\"}", name);
		r = vl_call(&v, "Inspect", params);
		s = json_dumps(r, JSON_COMPACT);
		if (s == NULL || write(p[1], s, strlen(s)) != (ssize_t)strlen(s))
			_exit(12);
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	close(p[1]);
	while (len < sizeof buf - 1 && (n = read(p[0], buf + len,
	    sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "peer failed: %d", st);
	buf[len] = '\0';
	cr_assert_not_null(r = json_loads(buf, 0, &jerr), "bad reply: %s", buf);
	return (r);
}

/* The strings of the array at a path of keys in an Inspect reply, joined by '|'. */
static char *
env_at(json_t *r, const char *k1, const char *k2, const char *k3)
{
	static char	 out[1024];
	json_t		*o = json_object_get(params_of(r), "info"), *e;
	size_t		 i, len = 0;

	o = json_object_get(json_object_get(o, k1), k2);
	if (k3 != NULL)
		o = json_object_get(o, k3);
	cr_assert(json_is_array(o), "no %s.%s%s%s", k1, k2, k3 ? "." : "",
	    k3 ? k3 : "");
	out[0] = '\0';
	json_array_foreach(o, i, e)
		len += snprintf(out + len, sizeof out - len, "%s%s",
		    i > 0 ? "|" : "", json_string_value(e));
	return (out);
}

Test(limits, a_reader_sees_env_names_and_an_admin_their_values)
{
	gid_t		 nogroup, daemon_gid, g[1];
	struct group	*gr;
	json_t		*r;
	char		*text;

	if (geteuid() != 0)
		cr_skip_test("needs root to become another user");
	cr_assert_not_null(gr = getgrnam("nogroup"));
	nogroup = gr->gr_gid;
	cr_assert_not_null(gr = getgrnam("daemon"));
	daemon_gid = gr->gr_gid;
	start_with("[supd]\nsocket_mode = 0666\nread_group = nogroup\n"
	    "admin_group = daemon\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n"
	    "env = SECRET=hunter2\nenv = EMPTY=\n"
	    "[dynamic:jobs]\nparent = root\ncommand = /bin/sleep 600\n"
	    "env = TOKEN=t0ps3cret\n");
	r = call1("Spawn", "{\"supervisor\":\"jobs\",\"name\":\"j1\","
	    "\"env\":[\"EXTRA=s3cr3t\"]}");
	params_of(r);
	json_decref(r);

	/* read_group: the names, and no value anywhere in the reply */
	g[0] = nogroup;
	r = inspect_as(65534, 4242, g, 1, "w");
	cr_assert_str_eq(env_at(r, "spec", "env", NULL), "SECRET|EMPTY");
	cr_assert_null(strstr(text = json_dumps(r, 0), "hunter2"), "%s", text);
	free(text);
	json_decref(r);
	r = inspect_as(65534, 4242, g, 1, "j1");
	cr_assert_str_eq(env_at(r, "spec", "env", NULL), "TOKEN|EXTRA");
	text = json_dumps(r, 0);
	cr_assert(strstr(text, "t0ps3cret") == NULL &&
	    strstr(text, "s3cr3t") == NULL, "%s", text);
	free(text);
	json_decref(r);
	r = inspect_as(65534, 4242, g, 1, "jobs");
	cr_assert_str_eq(env_at(r, "supervisor", "template", "env"), "TOKEN");
	cr_assert_null(strstr(text = json_dumps(r, 0), "t0ps3cret"), "%s", text);
	free(text);
	json_decref(r);

	/* admin_group: the whole KEY=VALUE */
	g[0] = daemon_gid;
	r = inspect_as(65534, 4242, g, 1, "w");
	cr_assert_str_eq(env_at(r, "spec", "env", NULL),
	    "SECRET=hunter2|EMPTY=");
	json_decref(r);
	r = inspect_as(65534, 4242, g, 1, "j1");
	cr_assert_str_eq(env_at(r, "spec", "env", NULL),
	    "TOKEN=t0ps3cret|EXTRA=s3cr3t");
	json_decref(r);
	r = inspect_as(65534, 4242, g, 1, "jobs");
	cr_assert_str_eq(env_at(r, "supervisor", "template", "env"),
	    "TOKEN=t0ps3cret");
	json_decref(r);
	/* root is an admin too */
	r = inspect_as(0, 0, NULL, 0, "w");
	cr_assert_str_eq(env_at(r, "spec", "env", NULL),
	    "SECRET=hunter2|EMPTY=");
	json_decref(r);
}

/* As a read_group peer: 0 if Logs and Inspect's last_output match may_read. */
static int
reader_sees_logs(gid_t gid, int may_read)
{
	struct vl	 v;
	json_t		*r, *info;
	const char	*e;
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == 0) {
		if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
		    setuid(65534) == -1)
			_exit(10);
		if (vl_try_open(&v, inst.sock) == -1)
			_exit(11);
		r = vl_call(&v, "Logs", "{\"name\":\"w\"}");
		e = json_string_value(json_object_get(r, "error"));
		if (may_read ? e != NULL : (e == NULL ||
		    strcmp(e, IFACE "PermissionDenied") != 0))
			_exit(12);
		if (may_read && strcmp(log_text(json_string_value(json_array_get(
		    json_object_get(json_object_get(r, "parameters"), "lines"),
		    0))), "a secret") != 0)
			_exit(13);
		json_decref(r);
		/* inspect is for readers, the child's output only with read_logs */
		r = vl_call(&v, "Inspect", "{\"name\":\"w\"}");
		info = json_object_get(json_object_get(r, "parameters"), "info");
		if (info == NULL)
			_exit(14);
		if ((json_object_get(info, "last_output") != NULL) != may_read)
			_exit(15);
		json_decref(r);
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 100);
}

Test(limits, readers_read_logs_only_with_read_logs_yes)
{
	struct group	*gr;
	gid_t		 nogroup;
	json_t		*r;
	const char	*ini = "[supd]\nsocket_mode = 0666\nread_group = nogroup\n"
	    "%s[supervisor:root]\n[worker:w]\nparent = root\n"
	    "command = /bin/sh -c 'echo a secret; exec sleep 600'\n";
	char		 buf[512];

	if (geteuid() != 0)
		cr_skip_test("needs root to become another user");
	cr_assert_not_null(gr = getgrnam("nogroup"));
	nogroup = gr->gr_gid;
	snprintf(buf, sizeof buf, ini, "");
	start_with(buf);
	cr_assert(harness_wait_lines(&inst, "log/w.log", 1, 5000) >= 1);
	cr_assert_eq(reader_sees_logs(nogroup, 0), 0);
	/* the admin still may */
	r = call1("Logs", "{\"name\":\"w\"}");
	params_of(r);
	json_decref(r);
	harness_stop(&inst);
	snprintf(buf, sizeof buf, ini, "read_logs = yes\n");
	start_with(buf);
	cr_assert(harness_wait_lines(&inst, "log/w.log", 1, 5000) >= 1);
	cr_assert_eq(reader_sees_logs(nogroup, 1), 0);
}

Test(limits, a_second_supd_on_the_same_socket_is_refused)
{
	struct supd_inst	second;
	char			*log;

	start_with("[supd]\n[supervisor:root]\n");
	harness_init(&second, "[supd]\n[supervisor:root]\n");
	snprintf(second.sock, sizeof second.sock, "%s", inst.sock);
	harness_start_nowait(&second);
	cr_assert_eq(harness_wait_exit(&second, 10000), 1);
	log = harness_read(&second, "supd.log");
	cr_assert_not_null(strstr(log, "another supd is serving"), "%s", log);
	free(log);
	harness_stop(&second);
	/* the first is untouched */
	cr_assert_eq(access(inst.sock, F_OK), 0);
}

Test(limits, a_stale_socket_is_replaced)
{
	struct sockaddr_un	sun;
	json_t			*r;
	int			fd;

	harness_init(&inst, "[supd]\n[supervisor:root]\n");
	/* a socket file nobody listens on, as a crashed supd leaves */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	cr_assert_lt(strlen(inst.sock), sizeof sun.sun_path);
	memcpy(sun.sun_path, inst.sock, strlen(inst.sock));
	cr_assert_neq(fd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	harness_start(&inst);
	r = call1("org.varlink.service.GetInfo", NULL);
	params_of(r);
	json_decref(r);
}

/*
 * Status is printed a row at a time: with hundreds of children the reply
 * is still one valid message, every child in it once, in tree order.
 */
Test(limits, status_of_many_children_is_one_complete_valid_reply)
{
	struct vl	 v;
	json_t		*r, *rows, *row;
	char		*burst, *p, want[16];
	size_t		 one, i;
	int		 k, n = 400;
	const char	 spawn[] = "{\"method\":\"" IFACE "Spawn\",\"parameters\":"
	    "{\"supervisor\":\"pool\",\"name\":\"c%05d\"}}";

	start_with("[supd]\n[supervisor:root]\n"
	    "[dynamic:pool]\nparent = root\ncommand = /bin/sleep 600\n"
	    "stdout = null\nstderr = null\n");
	one = sizeof spawn + 8;
	burst = p = malloc((size_t)n * one);
	for (k = 0; k < n; k++)
		p += snprintf(p, one, spawn, k) + 1;
	vl_open(&v);
	vl_write(&v, burst, (size_t)(p - burst));
	free(burst);
	for (k = 0; k < n; k++) {
		r = vl_recv(&v);
		params_of(r);
		json_decref(r);
	}
	vl_close(&v);
	r = call1("Status", NULL);
	rows = json_object_get(params_of(r), "children");
	cr_assert(json_is_array(rows));
	/* root, pool, then the pool's children in the order they came */
	cr_assert_eq(json_array_size(rows), (size_t)n + 2);
	json_array_foreach(rows, i, row) {
		if (i < 2)
			continue;
		snprintf(want, sizeof want, "c%05d", (int)i - 2);
		cr_assert_str_eq(json_string_value(json_object_get(row, "name")),
		    want);
		cr_assert_str_eq(json_string_value(json_object_get(row,
		    "parent")), "pool");
		cr_assert_gt(json_integer_value(json_object_get(row, "pid")), 0);
	}
	json_decref(r);
}
