/*
 * varlink.h — varlink's framing: JSON objects, each ended by a NUL byte.
 * A bounded read buffer splits a byte stream into messages; a write queue
 * keeps what a peer has not taken yet and counts it.  Pure buffer code and
 * helpers for non-blocking descriptors, shared by supd and supctl.
 */
#ifndef VARLINK_H
#define VARLINK_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define VARLINK_MAX_DEFAULT	(64 * 1024)	/* the contract's request limit */

/* Read side: bytes in buf[off, len) are not yet returned as messages. */
struct varlink_rbuf {
	char		*buf;
	size_t		 off;
	size_t		 len;
	size_t		 cap;
	size_t		 scan;		/* buf[off, scan) holds no NUL */
	size_t		 max;		/* largest message, its NUL excluded */
	int		 too_large;	/* sticky: framing cannot go on */
};

/* Write side: buf[off, len) is still to be sent. */
struct varlink_wbuf {
	char		*buf;
	size_t		 off;
	size_t		 len;
	size_t		 cap;
	int		 mid;		/* buf[off] is inside a message partly sent */
};

/* varlink_next results */
#define VARLINK_MSG		1	/* a message: *msg, *len */
#define VARLINK_NONE		0	/* no complete message yet */
#define VARLINK_TOO_LARGE	(-1)	/* a message passed max bytes */

/* Set up an empty read buffer for messages of at most max bytes. */
void	varlink_rbuf_init(struct varlink_rbuf *, size_t max);
void	varlink_rbuf_free(struct varlink_rbuf *);
/*
 * Copy up to n bytes in; returns how many were taken (less than n when the
 * buffer is full: call varlink_next, then feed the rest).  -1 on ENOMEM.
 */
ssize_t	varlink_rbuf_feed(struct varlink_rbuf *, const void *, size_t n);
/*
 * One read(2) from fd into the buffer; never holds more than one message
 * of max bytes plus its NUL beyond what varlink_next has not returned.
 * Returns the bytes read, 0 at end of file, -1 with errno (EAGAIN...).
 * With the buffer full (messages not taken out yet) returns -1, ENOBUFS.
 */
ssize_t	varlink_read(struct varlink_rbuf *, int fd);
/*
 * The next complete message: VARLINK_MSG with *msg pointing at it inside
 * the buffer, NUL-terminated, *len bytes (0 for an empty message), valid
 * until the next feed or read; VARLINK_NONE; or VARLINK_TOO_LARGE once the
 * unfinished message passed max bytes (sticky).
 */
int	varlink_next(struct varlink_rbuf *, char **msg, size_t *len);
/* Bytes held that are not returned yet (a partial message, or several). */
size_t	varlink_rbuf_pending(const struct varlink_rbuf *);

void	varlink_wbuf_init(struct varlink_wbuf *);
void	varlink_wbuf_free(struct varlink_wbuf *);
/* Queue len bytes of s and a NUL; 0, or -1 on ENOMEM. */
int	varlink_wbuf_add(struct varlink_wbuf *, const char *s, size_t len);
/*
 * Queue the message buf[0, len), taking buf (malloc'd, with room for the
 * NUL after it): kept as the buffer, not copied, when nothing is queued
 * (a Status of 10,000 rows is 2 MB).  0, or -1 on ENOMEM; buf is freed.
 */
int	varlink_wbuf_give(struct varlink_wbuf *, char *buf, size_t len);
/* Queue a JSON value, compact, and a NUL; 0, or -1. */
int	varlink_wbuf_add_json(struct varlink_wbuf *, const json_t *);
/*
 * Drop every queued message that has not begun to go out; a message
 * partly written stays, so the peer never sees a torn one.
 */
void	varlink_wbuf_drop(struct varlink_wbuf *);
/* Bytes queued and not yet written. */
size_t	varlink_wbuf_pending(const struct varlink_wbuf *);
/*
 * Write as much as fd takes (send with MSG_NOSIGNAL on a socket): 1 when
 * everything is written, 0 when some is left (EAGAIN), -1 with errno.
 */
int	varlink_wbuf_flush(struct varlink_wbuf *, int fd);

/* Call flags */
#define VARLINK_MORE		0x1	/* "more": the reply may be streamed */
#define VARLINK_ONEWAY		0x2	/* "oneway": no reply */

/* Queue a call {"method", "parameters", "more", "oneway"}; params stolen (NULL: {}). */
int	varlink_wbuf_call(struct varlink_wbuf *, const char *method,
	    json_t *params, int flags);

/* A call as the server reads it. */
struct varlink_request {
	json_t		*root;		/* owns everything below */
	const char	*method;
	json_t		*params;	/* an object, {} when absent */
	int		 flags;		/* VARLINK_MORE, VARLINK_ONEWAY */
};

/* A reply as the client reads it. */
struct varlink_reply {
	json_t		*root;
	const char	*error;		/* NULL unless an error reply */
	json_t		*params;	/* an object, {} when absent */
	int		 continues;	/* more replies follow */
};

/* Parse a call; -1 and a static *why when it is not one. */
int	varlink_request_parse(const char *msg, size_t len,
	    struct varlink_request *, const char **why);
void	varlink_request_clear(struct varlink_request *);
/* Parse a reply; -1 and a static *why when it is not one. */
int	varlink_reply_parse(const char *msg, size_t len,
	    struct varlink_reply *, const char **why);
void	varlink_reply_clear(struct varlink_reply *);

/* O_NONBLOCK on; 0 or -1. */
int	varlink_set_nonblock(int fd);
/*
 * Connect a close-on-exec stream socket to the UNIX socket at path
 * (blocking connect; set O_NONBLOCK after if wanted): fd, or -1 with errno
 * (ENAMETOOLONG for a path that does not fit sun_path).  timeout > 0 sets
 * SO_SNDTIMEO first: on a UNIX socket it also bounds a connect to a server
 * whose backlog is full (EAGAIN), and every later write.
 */
int	varlink_connect(const char *path, int timeout_sec);

#endif /* VARLINK_H */
