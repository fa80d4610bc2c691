/*
 * varlink.c — NUL-terminated JSON framing for both ends of the control
 * socket.  What a message means is the caller's business (server.c and
 * method.c in supd, client.c in supctl); this file only bounds, splits and
 * queues bytes, so a peer can never make it hold more than it allows.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "varlink.h"

#define VARLINK_READ_CHUNK	65536	/* at most this much per read(2) */
#define VARLINK_WBUF_KEEP	(1024 * 1024)	/* free a larger empty queue */

void
varlink_rbuf_init(struct varlink_rbuf *rb, size_t max)
{
	memset(rb, 0, sizeof *rb);
	/* max + 1 must not wrap: one message and its NUL always fit */
	rb->max = max < SIZE_MAX / 2 ? max : SIZE_MAX / 2;
}

void
varlink_rbuf_free(struct varlink_rbuf *rb)
{
	free(rb->buf);
	memset(rb, 0, sizeof *rb);
}

size_t
varlink_rbuf_pending(const struct varlink_rbuf *rb)
{
	return (rb->len - rb->off);
}

/*
 * Make room for the next bytes and return how many may come in.  The
 * bytes not yet returned are bounded by max + 1, so a peer that never
 * sends a NUL costs one message of memory, not more.
 */
static size_t
varlink_rbuf_room(struct varlink_rbuf *rb)
{
	size_t	 limit = rb->max + 1, want, ncap;
	char	*nbuf;

	if (rb->off > 0) {
		/* messages handed out are dropped only now: their pointers lived until here */
		memmove(rb->buf, rb->buf + rb->off, rb->len - rb->off);
		rb->len -= rb->off;
		rb->scan -= rb->off;
		rb->off = 0;
	}
	if (rb->len >= limit)
		return (0);
	want = limit - rb->len;
	if (want > VARLINK_READ_CHUNK)
		want = VARLINK_READ_CHUNK;
	if (rb->cap - rb->len < want) {
		ncap = rb->cap ? rb->cap * 2 : 4096;
		if (ncap < rb->len + want)
			ncap = rb->len + want;
		if (ncap > limit)
			ncap = limit;
		if ((nbuf = realloc(rb->buf, ncap)) == NULL)
			return (rb->cap - rb->len);
		rb->buf = nbuf;
		rb->cap = ncap;
	}
	return (rb->cap - rb->len < want ? rb->cap - rb->len : want);
}

ssize_t
varlink_rbuf_feed(struct varlink_rbuf *rb, const void *data, size_t n)
{
	size_t	room;

	if (n == 0)
		return (0);
	room = varlink_rbuf_room(rb);
	if (room == 0 && rb->len < rb->max + 1) {
		errno = ENOMEM;
		return (-1);
	}
	if (n > room)
		n = room;
	memcpy(rb->buf + rb->len, data, n);
	rb->len += n;
	return ((ssize_t)n);
}

ssize_t
varlink_read(struct varlink_rbuf *rb, int fd)
{
	size_t	room;
	ssize_t	n;

	room = varlink_rbuf_room(rb);
	if (room == 0) {
		errno = rb->len < rb->max + 1 ? ENOMEM : ENOBUFS;
		return (-1);
	}
	do
		n = read(fd, rb->buf + rb->len, room);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		rb->len += (size_t)n;
	return (n);
}

int
varlink_next(struct varlink_rbuf *rb, char **msg, size_t *len)
{
	char	*nul;
	size_t	 mlen;

	if (rb->too_large)
		return (VARLINK_TOO_LARGE);
	if (rb->scan < rb->off)
		rb->scan = rb->off;
	nul = rb->scan < rb->len ?
	    memchr(rb->buf + rb->scan, '\0', rb->len - rb->scan) : NULL;
	if (nul == NULL) {
		rb->scan = rb->len;
		if (rb->len - rb->off > rb->max) {
			rb->too_large = 1;
			return (VARLINK_TOO_LARGE);
		}
		return (VARLINK_NONE);
	}
	mlen = (size_t)(nul - (rb->buf + rb->off));
	if (mlen > rb->max) {
		rb->too_large = 1;
		return (VARLINK_TOO_LARGE);
	}
	*msg = rb->buf + rb->off;
	*len = mlen;
	rb->off += mlen + 1;
	rb->scan = rb->off;
	return (VARLINK_MSG);
}

void
varlink_wbuf_init(struct varlink_wbuf *wb)
{
	memset(wb, 0, sizeof *wb);
}

void
varlink_wbuf_free(struct varlink_wbuf *wb)
{
	free(wb->buf);
	memset(wb, 0, sizeof *wb);
}

size_t
varlink_wbuf_pending(const struct varlink_wbuf *wb)
{
	return (wb->len - wb->off);
}

/* Room for n more bytes at buf + len; 0 or -1. */
static int
varlink_wbuf_reserve(struct varlink_wbuf *wb, size_t n)
{
	size_t	 ncap;
	char	*nbuf;

	if (wb->off == wb->len)
		wb->off = wb->len = 0;
	if (wb->cap - wb->len >= n)
		return (0);
	if (wb->off > 0) {
		memmove(wb->buf, wb->buf + wb->off, wb->len - wb->off);
		wb->len -= wb->off;
		wb->off = 0;
		if (wb->cap - wb->len >= n)
			return (0);
	}
	if (n > SIZE_MAX / 2 - wb->len) {
		errno = ENOMEM;
		return (-1);
	}
	ncap = wb->cap ? wb->cap : 4096;
	while (ncap < wb->len + n)
		ncap *= 2;
	if ((nbuf = realloc(wb->buf, ncap)) == NULL)
		return (-1);
	wb->buf = nbuf;
	wb->cap = ncap;
	return (0);
}

int
varlink_wbuf_add(struct varlink_wbuf *wb, const char *s, size_t len)
{
	if (varlink_wbuf_reserve(wb, len + 1) == -1)
		return (-1);
	memcpy(wb->buf + wb->len, s, len);
	wb->buf[wb->len + len] = '\0';
	wb->len += len + 1;
	return (0);
}

int
varlink_wbuf_give(struct varlink_wbuf *wb, char *buf, size_t len)
{
	int	rc;

	if (wb->off < wb->len) {
		rc = varlink_wbuf_add(wb, buf, len);
		free(buf);
		return (rc);
	}
	free(wb->buf);
	buf[len] = '\0';
	wb->buf = buf;
	wb->off = 0;
	wb->len = wb->cap = len + 1;
	wb->mid = 0;
	return (0);
}

int
varlink_wbuf_add_json(struct varlink_wbuf *wb, const json_t *j)
{
	size_t	n;

	/* jansson escapes NUL in strings, so the only NUL is ours */
	if ((n = json_dumpb(j, NULL, 0, JSON_COMPACT)) == 0) {
		errno = EINVAL;
		return (-1);
	}
	if (varlink_wbuf_reserve(wb, n + 1) == -1)
		return (-1);
	if (json_dumpb(j, wb->buf + wb->len, n, JSON_COMPACT) != n) {
		errno = EINVAL;
		return (-1);
	}
	wb->buf[wb->len + n] = '\0';
	wb->len += n + 1;
	return (0);
}

void
varlink_wbuf_drop(struct varlink_wbuf *wb)
{
	char	*nul;

	if (!wb->mid) {
		wb->off = wb->len = 0;
		return;
	}
	nul = memchr(wb->buf + wb->off, '\0', wb->len - wb->off);
	if (nul != NULL)
		wb->len = (size_t)(nul - wb->buf) + 1;
}

int
varlink_wbuf_flush(struct varlink_wbuf *wb, int fd)
{
	ssize_t	n;
	int	sock = 1;

	while (wb->off < wb->len) {
		if (sock)
			n = send(fd, wb->buf + wb->off, wb->len - wb->off,
			    MSG_NOSIGNAL);
		else
			n = write(fd, wb->buf + wb->off, wb->len - wb->off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOTSOCK && sock) {
				sock = 0;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}
		wb->off += (size_t)n;
		wb->mid = wb->buf[wb->off - 1] != '\0';
	}
	wb->off = wb->len = 0;
	wb->mid = 0;
	if (wb->cap > VARLINK_WBUF_KEEP) {
		/* one huge reply should not pin its memory for the connection's life */
		free(wb->buf);
		wb->buf = NULL;
		wb->cap = 0;
	}
	return (1);
}

int
varlink_wbuf_call(struct varlink_wbuf *wb, const char *method, json_t *params,
    int flags)
{
	json_t	*call;
	int	 rc;

	if (params == NULL)
		params = json_object();
	call = json_pack("{s:s, s:o}", "method", method, "parameters", params);
	if (call == NULL)
		return (-1);
	if (flags & VARLINK_MORE)
		json_object_set_new(call, "more", json_true());
	if (flags & VARLINK_ONEWAY)
		json_object_set_new(call, "oneway", json_true());
	rc = varlink_wbuf_add_json(wb, call);
	json_decref(call);
	return (rc);
}

/* An optional boolean member: 0 absent or false, 1 true, -1 wrong type. */
static int
varlink_bool(json_t *obj, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(obj, key)) == NULL || json_is_null(v))
		return (0);
	if (!json_is_boolean(v))
		return (-1);
	return (json_is_true(v));
}

/* An optional "parameters" object; {} when absent or null. */
static json_t *
varlink_params(json_t *root, const char **why)
{
	json_t	*p;

	p = json_object_get(root, "parameters");
	if (p == NULL || json_is_null(p)) {
		p = json_object();
		json_object_set_new(root, "parameters", p);
		return (p);
	}
	if (!json_is_object(p)) {
		*why = "\"parameters\" is not an object";
		return (NULL);
	}
	return (p);
}

int
varlink_request_parse(const char *msg, size_t len, struct varlink_request *rq,
    const char **why)
{
	json_t	*m;
	int	 more, oneway;

	memset(rq, 0, sizeof *rq);
	if ((rq->root = json_loadb(msg, len, 0, NULL)) == NULL) {
		*why = "invalid JSON";
		return (-1);
	}
	if (!json_is_object(rq->root)) {
		*why = "the message is not a JSON object";
		goto fail;
	}
	if ((m = json_object_get(rq->root, "method")) == NULL ||
	    !json_is_string(m)) {
		*why = "\"method\" is missing or not a string";
		goto fail;
	}
	rq->method = json_string_value(m);
	if ((rq->params = varlink_params(rq->root, why)) == NULL)
		goto fail;
	if ((more = varlink_bool(rq->root, "more")) == -1 ||
	    (oneway = varlink_bool(rq->root, "oneway")) == -1) {
		*why = "\"more\" or \"oneway\" is not a boolean";
		goto fail;
	}
	rq->flags = (more ? VARLINK_MORE : 0) | (oneway ? VARLINK_ONEWAY : 0);
	return (0);
fail:
	varlink_request_clear(rq);
	return (-1);
}

void
varlink_request_clear(struct varlink_request *rq)
{
	json_decref(rq->root);
	memset(rq, 0, sizeof *rq);
}

int
varlink_reply_parse(const char *msg, size_t len, struct varlink_reply *rp,
    const char **why)
{
	json_t	*e;
	int	 cont;

	memset(rp, 0, sizeof *rp);
	if ((rp->root = json_loadb(msg, len, 0, NULL)) == NULL) {
		*why = "invalid JSON";
		return (-1);
	}
	if (!json_is_object(rp->root)) {
		*why = "the message is not a JSON object";
		goto fail;
	}
	if ((e = json_object_get(rp->root, "error")) != NULL &&
	    !json_is_null(e)) {
		if (!json_is_string(e)) {
			*why = "\"error\" is not a string";
			goto fail;
		}
		rp->error = json_string_value(e);
	}
	if ((rp->params = varlink_params(rp->root, why)) == NULL)
		goto fail;
	if ((cont = varlink_bool(rp->root, "continues")) == -1) {
		*why = "\"continues\" is not a boolean";
		goto fail;
	}
	rp->continues = cont;
	return (0);
fail:
	varlink_reply_clear(rp);
	return (-1);
}

void
varlink_reply_clear(struct varlink_reply *rp)
{
	json_decref(rp->root);
	memset(rp, 0, sizeof *rp);
}

int
varlink_set_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	if (fl & O_NONBLOCK)
		return (0);
	return (fcntl(fd, F_SETFL, fl | O_NONBLOCK));
}

int
varlink_connect(const char *path, int timeout_sec)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { .tv_sec = timeout_sec };
	int			fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if ((timeout_sec > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1) ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}
