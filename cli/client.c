/*
 * client.c — supctl's one connection to supd: a blocking socket with a
 * reply timeout, calls out and replies in through common/varlink.c's
 * framing, and error replies turned into proto.c's sentences on stderr.
 * Transport failures end supctl with status 3 here.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonspan.h"
#include "proto.h"
#include "supctl.h"
#include "varlink.h"

/* supctl reads replies, not requests: a Status of a big tree is megabytes. */
#define CLIENT_REPLY_MAX	(256 * 1024 * 1024)

static struct {
	int			 fd;
	char			 ctx[256];
	int			 timeout;
	struct varlink_rbuf	 rbuf;
	struct varlink_wbuf	 wbuf;
	struct varlink_reply	 reply;
	int			 eof_ok;	/* a hang-up is an answer (shutdown) */
	char			 error[512];	/* the last error reply, as printed */
	char			*text;		/* client_call_members's reply, when parsed */
} client = { .fd = -1 };

void
client_context(const char *ctx)
{
	snprintf(client.ctx, sizeof client.ctx, "%s", ctx);
}

const char *
client_error(void)
{
	return (client.error);
}

void
client_fatal(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fprintf(stderr, "supctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_UNREACHABLE);
}

void
client_warn(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fprintf(stderr, "supctl: %s: ", client.ctx);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
client_timeout(int seconds)
{
	struct timeval	tv = { .tv_sec = seconds };

	client.timeout = seconds;
	if (client.fd != -1 &&
	    setsockopt(client.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
		client_fatal("%s: %s", supctl_socket_path(), strerror(errno));
}

void
client_open(const char *ctx, int timeout)
{
	const char	*path = supctl_socket_path(), *hint = "";
	int		 e;

	snprintf(client.ctx, sizeof client.ctx, "%s", ctx);
	if ((client.fd = varlink_connect(path, supctl_timeout())) == -1) {
		e = errno;
		if (e == ENOENT || e == ECONNREFUSED)
			hint = "is supd running? ";
		else if (e == EACCES)
			hint = "supctl needs the socket's owner, group or "
			    "read_group; ";
		else if (e == EAGAIN) {
			client_fatal("cannot connect to %s: supd accepts no "
			    "connection within %d s", path, supctl_timeout());
		}
		/* Say which rule chose the path: the fix may be another one. */
		client_fatal("cannot connect to %s: %s (%sthis is %s; choose "
		    "another with -s PATH or $SUPD_SOCKET)", path, strerror(e),
		    hint, supctl_socket_origin());
	}
	varlink_rbuf_init(&client.rbuf, CLIENT_REPLY_MAX);
	varlink_wbuf_init(&client.wbuf);
	if (timeout > 0)
		client_timeout(timeout);
}

void
client_close(void)
{
	varlink_reply_clear(&client.reply);
	if (client.fd == -1)
		return;
	close(client.fd);
	client.fd = -1;
	varlink_rbuf_free(&client.rbuf);
	varlink_wbuf_free(&client.wbuf);
}

void
client_send(const char *method, json_t *params, int flags)
{
	int	rc;

	if (varlink_wbuf_call(&client.wbuf, method, params, flags) == -1)
		client_fatal("%s: cannot encode the call", method);
	rc = varlink_wbuf_flush(&client.wbuf, client.fd);
	if (rc == 1)
		return;
	if (rc == 0)
		client_fatal("%s: supd takes no call within %d s",
		    supctl_socket_path(), supctl_timeout());
	client_fatal("%s: %s", supctl_socket_path(), strerror(errno));
}

/*
 * The next message, NUL-terminated in the read buffer; exits 3 at EOF.
 * arrived, if not NULL, sees the start of the message after each read
 * while it is incomplete.
 */
static char *
client_read_watched(size_t *len, void (*arrived)(const char *, size_t,
    void *), void *arg)
{
	char	*msg;
	ssize_t	 n;

	for (;;) {
		switch (varlink_next(&client.rbuf, &msg, len)) {
		case VARLINK_MSG:
			return (msg);
		case VARLINK_TOO_LARGE:
			client_fatal("%s: a reply passed %d MiB",
			    supctl_socket_path(), CLIENT_REPLY_MAX >> 20);
		}
		if (arrived != NULL)
			arrived(client.rbuf.buf + client.rbuf.off,
			    client.rbuf.len - client.rbuf.off, arg);
		if ((n = varlink_read(&client.rbuf, client.fd)) > 0)
			continue;
		if (n == 0 || (n == -1 && errno == ECONNRESET && client.eof_ok))
			return (NULL);
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			client_fatal("%s: no reply from supd within %d s",
			    supctl_socket_path(), client.timeout);
		client_fatal("%s: %s", supctl_socket_path(), strerror(errno));
	}
}

static char *
client_read(size_t *len)
{
	return (client_read_watched(len, NULL, NULL));
}

/* A message read: parsed, an error reply printed (-1). */
static int
client_parse(char *msg, size_t len, json_t **params, int *continues)
{
	const char	*why;
	char		*text;

	if (varlink_reply_parse(msg, len, &client.reply, &why) == -1)
		client_fatal("%s: bad reply from supd: %s",
		    supctl_socket_path(), why);
	if (continues != NULL)
		*continues = client.reply.continues;
	if (client.reply.error == NULL) {
		if (params != NULL)
			*params = client.reply.params;
		return (0);
	}
	text = proto_error_text(client.reply.error, client.reply.params);
	snprintf(client.error, sizeof client.error, "%s",
	    text != NULL ? text : client.reply.error);
	client_warn("%s", client.error);
	free(text);
	if (params != NULL)
		*params = NULL;
	return (-1);
}

int
client_recv(json_t **params, int *continues)
{
	char		*msg;
	size_t		 len;

	varlink_reply_clear(&client.reply);
	if ((msg = client_read(&len)) == NULL) {
		if (client.eof_ok)
			return (1);
		client_fatal("%s: supd closed the connection",
		    supctl_socket_path());
	}
	return (client_parse(msg, len, params, continues));
}

int
client_call(const char *method, json_t *params, json_t **reply)
{
	client_send(method, params, 0);
	return (client_recv(reply, NULL));
}

/* supd's replies start so (method.c's call_text_head) */
#define CLIENT_PARAMS_HEAD	"{\"parameters\":"

/* The first member's value scanned as the reply arrives, not after. */
struct client_first {
	char			 head[128];	/* {"parameters":{"KEY": */
	size_t			 headlen;
	struct jsonspan_scan	 scan;
	size_t			 fed;		/* bytes of the value scanned */
	int			 state;		/* jsonspan_scan_feed's */
	size_t			 len;		/* the value's, once state is 1 */
};

static void
client_first_arrived(const char *msg, size_t n, void *arg)
{
	struct client_first	*f = arg;

	if (f->state != 0 || n <= f->headlen ||
	    memcmp(msg, f->head, f->headlen) != 0 ||
	    (f->fed == 0 && msg[f->headlen] != '[' && msg[f->headlen] != '{'))
		return;
	f->state = jsonspan_scan_feed(&f->scan, msg + f->headlen + f->fed,
	    n - f->headlen - f->fed, &f->len);
	f->fed = n - f->headlen;
}

int
client_call_members(const char *method, json_t *params,
    const char *const *keys, struct jsonspan *out)
{
	struct client_first	 f;
	const char		*end = NULL;
	char			*msg;
	size_t			 n, head = strlen(CLIENT_PARAMS_HEAD);
	int			 rc;

	memset(&f, 0, sizeof f);
	f.headlen = (size_t)snprintf(f.head, sizeof f.head, "%s{\"%s\":",
	    CLIENT_PARAMS_HEAD, keys[0]);
	jsonspan_scan_init(&f.scan);
	client_send(method, params, 0);
	varlink_reply_clear(&client.reply);
	if ((msg = client_read_watched(&n, client_first_arrived, &f)) == NULL)
		client_fatal("%s: supd closed the connection",
		    supctl_socket_path());
	client_first_arrived(msg, n, &f);	/* the last piece */
	/* {"parameters":{...}}: one pass; an error or any other shape parses */
	if (f.state == 1 && f.headlen + f.len <= n) {
		out[0].p = msg + f.headlen;
		out[0].end = msg + f.headlen + f.len;
		end = jsonspan_members_rest(out[0].end, msg + n, keys, out);
	} else if (n > head && memcmp(msg, CLIENT_PARAMS_HEAD, head) == 0)
		end = jsonspan_members(msg + head, msg + n, keys, out);
	if (end != NULL) {
		while (end < msg + n && (*end == ' ' || *end == '\n' ||
		    *end == '\t' || *end == '\r'))
			end++;
		if (end + 1 == msg + n && *end == '}')
			return (0);
	}
	if ((rc = client_parse(msg, n, &params, NULL)) != 0)
		return (rc);
	free(client.text);
	if ((client.text = json_dumps(params, JSON_COMPACT)) == NULL ||
	    jsonspan_members(client.text, client.text + strlen(client.text),
	    keys, out) == NULL)
		client_fatal("%s: cannot encode the reply", method);
	return (0);
}

void
client_allow_eof(void)
{
	client.eof_ok = 1;
}
