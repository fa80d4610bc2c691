/*
 * server.c — the control socket: listen, accept, the peer's role from
 * SO_PEERCRED, a bounded read buffer and a write queue per client, and the
 * order of calls on one connection (answered one after another, a waiting
 * call holding back the rest).  What a call does is method.c's business.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "loop.h"
#include "method.h"
#include "proto.h"
#include "server.h"
#include "server-socket.h"
#include "store.h"
#include "testhook.h"
#include "util.h"
#include "varlink.h"

#define SERVER_MAX_QUEUED	64	/* calls read ahead of the one being answered */
#define SERVER_OUT_MIN		(1024 * 1024)	/* output bound, at least */
#define SERVER_WBUF_KEEP	(256 * 1024)	/* a client's output buffer kept once sent */
#define SERVER_CLOSE_GRACE_MS	5000	/* to read a last error, without idle_timeout */
#define SERVER_NO_ROLE_MS	2000	/* a peer with no role: introspect, then go */
#define SERVER_ACCEPT_PAUSE	1.0	/* seconds without accepting when accept fails */
/*
 * Accepted per wakeup: the loop then reads what those clients sent (or
 * that they left) before it takes more, so a burst of connections that
 * close at once does not fill max_clients with peers already gone.
 */
#define SERVER_ACCEPT_BATCH	32

struct request {
	TAILQ_ENTRY(request)	 entry;
	struct varlink_request	 rq;
	const char		*bad;		/* not a call: this error, then close */
	json_t			*bad_params;
};
TAILQ_HEAD(request_list, request);

struct client {
	TAILQ_ENTRY(client)	 entry;
	TAILQ_ENTRY(client)	 dirty_entry;
	int			 fd;
	ev_io			 rio, wio;
	ev_timer		 timer;		/* idle timeout, or close grace */
	struct varlink_rbuf	 rb;
	struct varlink_wbuf	 wb;
	enum role		 role;
	uid_t			 uid;
	pid_t			 pid;
	struct request_list	 queue;
	int			 nqueued;
	struct call		*current;	/* the call being answered, if it waits */
	/* answered, held until what they acknowledge is on disk; in order */
	TAILQ_HEAD(, call)	 held;
	int			 nheld;
	int64_t			 active_at;	/* last read or write progress (mono ms) */
	int64_t			 accepted_at;
	unsigned		 reading:1;	/* rio started */
	unsigned		 halted:1;	/* no more reading: eof, bad input, cut off */
	unsigned		 closing:1;	/* close once the output is out */
	unsigned		 overflow:1;	/* cut off: its stream is cancelled */
	unsigned		 dirty:1;	/* on the flush list */
	unsigned		 running:1;	/* in server_run */
	unsigned		 rerun:1;
};
TAILQ_HEAD(client_list, client);

static struct client_list	 server_all = TAILQ_HEAD_INITIALIZER(server_all);
static struct client_list	 server_dirty = TAILQ_HEAD_INITIALIZER(server_dirty);
static int			 server_nclients;
static int			 server_nroleless;	/* of them, with ROLE_NONE */
static int			 server_fd = -1;
static char			*server_path;
static ev_io			 server_listener;
static ev_timer			 server_accept_pause;
static struct log_rate		 server_refuse_rate = LOG_RATE_INITIALIZER(1000);
static ev_prepare		 server_flusher;
static ev_check			 server_flusher_early;
static int64_t			 server_started_at;
static int			 server_paused;	/* a reexec: no new calls, no accepts */

static void	server_run(struct client *);
static int	server_may_run(struct client *, struct request *);
static void	server_client_close(struct client *);

/*
 * Milliseconds before the client is closed, -1 for never: idle_timeout of
 * no read or write progress while no call waits or streams, a short grace
 * to read a last error without one, and a peer with no role goes
 * SERVER_NO_ROLE_MS after it came, busy or not.
 */
static int64_t
server_time_left(struct client *cl, int64_t now)
{
	int64_t	limit, left = INT64_MAX, deadline;

	limit = loop_conf != NULL ? loop_conf->idle_timeout_ms : 0;
	if (limit <= 0 && cl->closing)
		limit = SERVER_CLOSE_GRACE_MS;
	if (limit > 0) {
		left = cl->active_at + limit - now;
		/* a peer waiting for supd to exit (supctl shutdown) is not idle */
		if ((cl->current != NULL && !cl->overflow) ||
		    !TAILQ_EMPTY(&cl->held) ||
		    (loop_shutting_down && !cl->closing))
			left = limit;
	}
	if (cl->role == ROLE_NONE) {
		deadline = cl->accepted_at + SERVER_NO_ROLE_MS - now;
		if (deadline < left)
			left = deadline;
	}
	if (left == INT64_MAX)
		return (-1);
	return (left < 0 ? 0 : left);
}

static void
server_timer_arm(struct client *cl)
{
	int64_t	left;

	ev_timer_stop(loop_ev, &cl->timer);
	if ((left = server_time_left(cl, now_mono_ms())) < 0)
		return;
	ev_timer_set(&cl->timer, (double)left / 1000.0, 0.);
	ev_timer_start(loop_ev, &cl->timer);
}

/*
 * Take no more calls; close once the last error is out.  A peer that does
 * not read it is closed by the idle timeout (or a short grace without one).
 */
static void
server_close_later(struct client *cl)
{
	cl->closing = 1;
	server_timer_arm(cl);
}

static size_t
server_max_request(void)
{
	if (loop_conf == NULL || loop_conf->max_request_bytes <= 0)
		return (VARLINK_MAX_DEFAULT);
	return ((size_t)loop_conf->max_request_bytes);
}

/* Output a client may leave unread before a stream to it is cut off. */
static size_t
server_out_bound(void)
{
	size_t	b = 4 * server_max_request();

	return (b < SERVER_OUT_MIN ? SERVER_OUT_MIN : b);
}

size_t
server_stream_high(void)
{
	return (server_out_bound() / 4);
}

size_t
server_pending(struct client *cl)
{
	return (varlink_wbuf_pending(&cl->wb));
}

int64_t
server_uptime_ms(void)
{
	return (now_mono_ms() - server_started_at);
}

int
server_clients(void)
{
	return (server_nclients);
}

/* Mark a client for the flush before the loop sleeps. */
static void
server_dirty_add(struct client *cl)
{
	if (cl->dirty)
		return;
	cl->dirty = 1;
	TAILQ_INSERT_TAIL(&server_dirty, cl, dirty_entry);
}

static void
server_halt_reading(struct client *cl)
{
	cl->halted = 1;
	if (cl->reading) {
		ev_io_stop(loop_ev, &cl->rio);
		cl->reading = 0;
	}
}

static void
server_request_free(struct request *r)
{
	varlink_request_clear(&r->rq);
	json_decref(r->bad_params);
	free(r);
}

static void
server_queue_clear(struct client *cl)
{
	struct request	*r;

	while ((r = TAILQ_FIRST(&cl->queue)) != NULL) {
		TAILQ_REMOVE(&cl->queue, r, entry);
		server_request_free(r);
	}
	cl->nqueued = 0;
}

/* The waiting call loses its client: cancelled, or orphaned until its command ends. */
static void
server_drop_current(struct client *cl)
{
	struct call	*c = cl->current;

	if (c == NULL)
		return;
	cl->current = NULL;
	c->client = NULL;
	if (c->cancel != NULL) {
		c->cancel(c);
		call_free(c);
	}
	/* else a loop_command() holds it: its done callback frees it */
}

void
server_cut_off(struct client *cl)
{
	json_t	*msg;

	if (cl->overflow)
		return;
	log_info("client pid %d: cannot keep up with its output; "
	    "disconnecting", (int)cl->pid);
	cl->overflow = 1;
	server_halt_reading(cl);
	/* what it has not begun to receive goes; the error takes its place */
	varlink_wbuf_drop(&cl->wb);
	msg = json_pack("{s:s, s:{}}", "error", SUPD_OUTPUT_OVERFLOW,
	    "parameters");
	varlink_wbuf_add_json(&cl->wb, msg);
	json_decref(msg);
	server_close_later(cl);
	server_dirty_add(cl);
}

/* 0 if a message may be queued; -1 if the client is (now) cut off. */
static int
server_send_check(struct client *cl, int stream)
{
	if (cl->overflow)
		return (-1);
	if (stream && varlink_wbuf_pending(&cl->wb) > server_out_bound()) {
		/* a follower that cannot keep up is told so and cut off, never skipped */
		server_cut_off(cl);
		return (-1);
	}
	return (0);
}

int
server_send(struct client *cl, json_t *msg, int stream)
{
	if (msg == NULL)
		return (-1);
	if (server_send_check(cl, stream) == -1) {
		json_decref(msg);
		return (-1);
	}
	if (varlink_wbuf_add_json(&cl->wb, msg) == -1)
		log_warn("client pid %d: cannot queue a reply", (int)cl->pid);
	json_decref(msg);
	server_dirty_add(cl);
	return (0);
}

int
server_send_text(struct client *cl, const char *msg, size_t len, int stream)
{
	if (server_send_check(cl, stream) == -1)
		return (-1);
	if (varlink_wbuf_add(&cl->wb, msg, len) == -1)
		log_warn("client pid %d: cannot queue a reply", (int)cl->pid);
	server_dirty_add(cl);
	return (0);
}

/* Send the final reply of a call (none for oneway). */
static void
server_answer_now(struct client *cl, struct call *c)
{
	json_t	*msg;
	char	*text;

	if (c->error != NULL) {
		if (log_threshold <= LOG_LVL_DEBUG) {
			text = proto_error_text(c->error, c->error_params);
			log_debug("client pid %d: %s: %s", (int)cl->pid,
			    c->method != NULL ? c->method->name : "?", text);
			free(text);
		}
		msg = json_pack("{s:s, s:O}", "error", c->error, "parameters",
		    c->error_params != NULL ? c->error_params : json_object());
	} else if (c->reply_text != NULL) {
		/* the whole message, printed row by row (call_ok_text) */
		if (c->oneway || server_send_check(cl, 0) == -1)
			free(c->reply_text);
		else {
			if (varlink_wbuf_give(&cl->wb, c->reply_text,
			    c->reply_len) == -1)
				log_warn("client pid %d: cannot queue a reply",
				    (int)cl->pid);
			server_dirty_add(cl);
		}
		c->reply_text = NULL;
		return;
	} else
		msg = json_pack("{s:O}", "parameters",
		    c->reply != NULL ? c->reply : json_object());
	if (c->oneway) {
		json_decref(msg);
		return;
	}
	server_send(cl, msg, 0);
}

/*
 * The last reply a client waits for goes out now, not at the flush before
 * the loop sleeps: the rest of the round (the policy's other work, the
 * events, a start's bookkeeping) is then no part of its wait.  Replies to
 * pipelined calls still leave together; the flush does the rest (a
 * partial write, an error, closing).
 */
static void
server_send_now(struct client *cl)
{
	if (cl->overflow || !TAILQ_EMPTY(&cl->queue) ||
	    !TAILQ_EMPTY(&cl->held) || varlink_wbuf_pending(&cl->wb) == 0 ||
	    ev_is_active(&cl->wio))
		return;
	if (varlink_wbuf_flush(&cl->wb, cl->fd) == 1) {
		cl->active_at = now_mono_ms();
		testhook("reply.sent");
	}
}

/*
 * Send the held replies whose batches are settled, in order: a failed
 * batch turns "done" into StateUnavailable (and undoes what it can).
 */
static void
server_release(struct client *cl)
{
	struct call	*c;
	const char	*why;
	int		 state;

	while ((c = TAILQ_FIRST(&cl->held)) != NULL) {
		if ((state = store_ticket_state(c->commit_ticket, &why)) > 0)
			break;
		TAILQ_REMOVE(&cl->held, c, held_entry);
		cl->nheld--;
		if (state < 0 && c->error == NULL) {
			if (c->uncommitted != NULL)
				c->uncommitted(c);
			call_fail(c, SUPD_STATE_UNAVAILABLE, "{s:s}", "reason", why);
		}
		server_answer_now(cl, c);
		call_free(c);
	}
	server_dirty_add(cl);
	server_send_now(cl);
}

/* Answer c: now, or once what it acknowledges is committed. */
static void
server_answer(struct client *cl, struct call *c)
{
	const char	*why;

	/* its commit may be done already (written beside a start) */
	if (c->commit_ticket != 0)
		store_settle();
	if (TAILQ_EMPTY(&cl->held) &&
	    store_ticket_state(c->commit_ticket, &why) == 0) {
		server_answer_now(cl, c);
		call_free(c);
		server_send_now(cl);
		return;
	}
	TAILQ_INSERT_TAIL(&cl->held, c, held_entry);
	cl->nheld++;
	server_release(cl);
}

/*
 * Calls read and able to run now (pipelined behind the one that wrote):
 * the batch may wait a little for them to join it.
 */
static int
server_more_queued(void)
{
	struct client	*cl;
	struct request	*r;

	TAILQ_FOREACH(cl, &server_all, entry)
		if ((r = TAILQ_FIRST(&cl->queue)) != NULL &&
		    server_may_run(cl, r))
			return (1);
	return (0);
}

/* A batch was settled: release what waited for it. */
static void
server_store_settled(void)
{
	struct client	*cl;

	TAILQ_FOREACH(cl, &server_all, entry)
		if (!TAILQ_EMPTY(&cl->held))
			server_release(cl);
}

/*
 * The calls queued behind c run from the flush before the loop sleeps,
 * never from here: this may be inside the policy's actions, and a next
 * call's command must be queued, not handled in the middle of them.
 */
void
server_call_over(struct client *cl, struct call *c)
{
	if (cl->current == c)
		cl->current = NULL;
	server_answer(cl, c);
	server_dirty_add(cl);
}

/* Take the complete messages out of the read buffer, up to the queue's bound. */
static void
server_parse(struct client *cl)
{
	struct request	*r;
	const char	*why;
	char		*msg;
	size_t		 len;
	int		 rc;

	while (!cl->halted && cl->nqueued < SERVER_MAX_QUEUED) {
		rc = varlink_next(&cl->rb, &msg, &len);
		if (rc == VARLINK_NONE)
			break;
		r = xcalloc(1, sizeof *r);
		if (rc == VARLINK_TOO_LARGE) {
			r->bad = SUPD_REQUEST_TOO_LARGE;
			r->bad_params = json_pack("{s:I}", "max",
			    (json_int_t)server_max_request());
		} else if (varlink_request_parse(msg, len, &r->rq, &why) == -1) {
			r->bad = SUPD_INVALID_REQUEST;
			r->bad_params = json_pack("{s:s}", "reason", why);
		}
		TAILQ_INSERT_TAIL(&cl->queue, r, entry);
		cl->nqueued++;
		/* framing cannot resume after a bad message: read no further */
		if (r->bad != NULL)
			server_halt_reading(cl);
	}
	if (cl->reading && cl->nqueued >= SERVER_MAX_QUEUED) {
		ev_io_stop(loop_ev, &cl->rio);
		cl->reading = 0;
	}
}

/*
 * The next call may run while replies are held for the disk: they queue
 * behind them, and the next spawn joins their batch.  Not a stream, whose
 * messages would pass them, and not past a bound.
 */
static int
server_may_run(struct client *cl, struct request *r)
{
	if (TAILQ_EMPTY(&cl->held))
		return (1);
	return (cl->nheld < SERVER_MAX_QUEUED && r->bad == NULL &&
	    !(r->rq.flags & VARLINK_MORE));
}

/*
 * The queued call to run now, or NULL: none waits, the output has room,
 * and held replies let it pass.
 */
static struct request *
server_next(struct client *cl)
{
	struct request	*r;

	if (cl->current != NULL || cl->overflow || server_paused ||
	    (r = TAILQ_FIRST(&cl->queue)) == NULL ||
	    varlink_wbuf_pending(&cl->wb) > server_out_bound() ||
	    !server_may_run(cl, r))
		return (NULL);
	return (r);
}

/* Answer queued calls in order until one waits or output backs up. */
static void
server_run(struct client *cl)
{
	struct request	*r;
	struct call	*c;
	json_t		*msg;

	if (cl->running) {
		cl->rerun = 1;
		return;
	}
	cl->running = 1;
	do {
		cl->rerun = 0;
		while ((r = server_next(cl)) != NULL) {
			TAILQ_REMOVE(&cl->queue, r, entry);
			cl->nqueued--;
			if (r->bad != NULL) {
				log_info("client pid %d: %s; disconnecting",
				    (int)cl->pid, r->bad);
				msg = json_pack("{s:s, s:O}", "error", r->bad,
				    "parameters", r->bad_params);
				server_send(cl, msg, 0);
				server_request_free(r);
				server_queue_clear(cl);
				server_close_later(cl);
				break;
			}
			c = call_new(cl, cl->role, r->rq.params, r->rq.flags);
			if (method_dispatch(c, r->rq.method) == CALL_WAIT)
				cl->current = c;
			else
				server_answer(cl, c);
			server_request_free(r);
		}
		if (!cl->halted && !cl->reading && !server_paused &&
		    cl->nqueued < SERVER_MAX_QUEUED) {
			ev_io_start(loop_ev, &cl->rio);
			cl->reading = 1;
			server_parse(cl);
		}
	} while (cl->rerun || server_next(cl) != NULL);
	cl->running = 0;
	if (cl->closing)
		server_dirty_add(cl);
}

/* Write what the client takes; close it when it is done or broken. */
static void
server_flush(struct client *cl)
{
	size_t	before = varlink_wbuf_pending(&cl->wb);
	int	rc;

	if (cl->overflow && cl->current != NULL)
		server_drop_current(cl);	/* deferred: it may have been streaming from a callback */
	rc = varlink_wbuf_flush(&cl->wb, cl->fd);
	if (rc == -1) {
		log_debug("client pid %d: write: %s", (int)cl->pid,
		    strerror(errno));
		server_client_close(cl);
		return;
	}
	if (varlink_wbuf_pending(&cl->wb) < before)
		cl->active_at = now_mono_ms();
	if (rc == 0) {
		ev_io_start(loop_ev, &cl->wio);
		return;
	}
	ev_io_stop(loop_ev, &cl->wio);
	if (varlink_wbuf_pending(&cl->wb) < before)
		testhook("reply.sent");
	/*
	 * All sent: a buffer a large reply grew (4 MB for Status at 10,000
	 * children) goes back to the system, not kept per client nor left
	 * in glibc's heap; a paced stream keeps its buffer, it fills again.
	 */
	if (cl->wb.cap > SERVER_WBUF_KEEP &&
	    varlink_wbuf_pending(&cl->wb) == 0 && (cl->current == NULL ||
	    cl->current->writable == NULL)) {
		varlink_wbuf_free(&cl->wb);
		malloc_trim(0);
	}
	if (cl->current != NULL && cl->current->writable != NULL) {
		/* a paced stream (history replay) goes on where it stopped */
		cl->current->writable(cl->current);
		return;
	}
	if (cl->closing && cl->current == NULL && TAILQ_EMPTY(&cl->queue) &&
	    TAILQ_EMPTY(&cl->held)) {
		server_client_close(cl);
		return;
	}
	/* the output drained: calls held back behind it may go on */
	if (!TAILQ_EMPTY(&cl->queue) && cl->current == NULL)
		server_run(cl);
}

static void
server_flusher_cb(struct ev_loop *l, ev_prepare *w, int revents)
{
	struct client	*cl;

	(void)l;
	(void)w;
	(void)revents;
	while ((cl = TAILQ_FIRST(&server_dirty)) != NULL) {
		TAILQ_REMOVE(&server_dirty, cl, dirty_entry);
		cl->dirty = 0;
		server_flush(cl);
	}
}

/*
 * The replies of the calls this iteration answered, before the loop's
 * prepare feeds the policy its next batch of events (restarts): a
 * Status during a crash storm waits for no spawn.
 */
static void
server_flusher_early_cb(struct ev_loop *l, ev_check *w, int revents)
{
	(void)w;
	server_flusher_cb(l, NULL, revents);
}

static void
server_write_cb(struct ev_loop *l, ev_io *w, int revents)
{
	(void)l;
	(void)revents;
	server_flush(w->data);
}

/* 1 if the peer has closed both directions (not just shut down its writes). */
static int
server_peer_gone(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLOUT };

	return (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)));
}

/*
 * A follower that shut down its side has no call to come: its stream would
 * hold a slot for ever.  What is queued goes out if the socket takes it now.
 */
static void
server_follower_hung_up(struct client *cl)
{
	log_debug("client pid %d: a follower hung up; closing", (int)cl->pid);
	server_drop_current(cl);
	(void)varlink_wbuf_flush(&cl->wb, cl->fd);
	server_client_close(cl);
}

static void
server_read_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct client	*cl = w->data;
	ssize_t		 n;
	int		 gone;

	(void)l;
	(void)revents;
	while (!cl->halted && cl->reading) {
		n = varlink_read(&cl->rb, cl->fd);
		if (n > 0) {
			cl->active_at = now_mono_ms();
			server_parse(cl);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1 && errno == ENOBUFS) {
			server_parse(cl);
			break;
		}
		if (n == 0) {
			/*
			 * End of its calls: what it sent is still done, in
			 * order (a oneway call and a hang-up is a fair use),
			 * and answered if it only half-closed.
			 */
			gone = server_peer_gone(cl->fd);
			server_halt_reading(cl);
			cl->closing = 1;
			server_run(cl);
			if (gone) {
				server_client_close(cl);
				return;
			}
			if (cl->current != NULL && cl->current->endless) {
				server_follower_hung_up(cl);
				return;
			}
			break;
		}
		log_debug("client pid %d: read: %s", (int)cl->pid,
		    strerror(errno));
		server_client_close(cl);
		return;
	}
	server_run(cl);
	if (cl->closing)
		server_dirty_add(cl);
}

/* 1 if the peer sent bytes supd has not read yet. */
static int
server_unread(const struct client *cl)
{
	char	c;

	return (recv(cl->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1);
}

/* The idle timeout, the grace after an error, or the end of a role-less peer's time. */
static void
server_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct client	*cl = w->data;
	int64_t		 now = now_mono_ms(), left;

	(void)l;
	(void)revents;
	if ((left = server_time_left(cl, now)) == -1)
		return;
	/*
	 * After a stall of the loop the timer may run before the read its
	 * peer's request made ready: a call waiting unread is no idleness.
	 */
	if (left == 0 && cl->reading && server_unread(cl)) {
		cl->active_at = now;
		left = server_time_left(cl, now);
	}
	if (left > 0) {
		ev_timer_set(w, (double)left / 1000.0, 0.);
		ev_timer_start(loop_ev, w);
		return;
	}
	if (cl->role == ROLE_NONE &&
	    now - cl->accepted_at >= SERVER_NO_ROLE_MS)
		log_debug("client pid %d: no role, here for %d ms; closing",
		    (int)cl->pid, SERVER_NO_ROLE_MS);
	else
		log_debug("client pid %d: idle for %lld ms; closing",
		    (int)cl->pid, (long long)(now - cl->active_at));
	server_client_close(cl);
}

static void
server_client_close(struct client *cl)
{
	struct call	*c;

	while ((c = TAILQ_FIRST(&cl->held)) != NULL) {
		TAILQ_REMOVE(&cl->held, c, held_entry);
		c->client = NULL;
		call_free(c);
	}
	cl->nheld = 0;
	server_drop_current(cl);
	server_queue_clear(cl);
	ev_io_stop(loop_ev, &cl->rio);
	ev_io_stop(loop_ev, &cl->wio);
	ev_timer_stop(loop_ev, &cl->timer);
	if (cl->dirty)
		TAILQ_REMOVE(&server_dirty, cl, dirty_entry);
	TAILQ_REMOVE(&server_all, cl, entry);
	close(cl->fd);
	varlink_rbuf_free(&cl->rb);
	varlink_wbuf_free(&cl->wb);
	server_nclients--;
	if (cl->role == ROLE_NONE)
		server_nroleless--;
	log_debug("client pid %d: closed", (int)cl->pid);
	free(cl);
}

static const char *
server_role_name(enum role role)
{
	return (role == ROLE_ADMIN ? "admin" : role == ROLE_READ ? "read-only" :
	    "no access");
}

/*
 * Room for a peer of this role on fd?  max_clients, and SERVER_SOCKET_ADMIN_SLOTS
 * more for admins, so followers and idle readers never lock root out; when
 * full, a peer with a role takes the place of the oldest one without.  If
 * not, *max is the limit to tell it: max_clients, or the clients served
 * when fds are short.
 */
static int
server_admit(int fd, enum role role, pid_t pid, int *max)
{
	struct client	*cl;

	if (!server_socket_fd_allowed(fd, role)) {
		log_rated(&server_refuse_rate, LOG_LVL_WARN, "refused a client "
		    "(pid %d): the file descriptors left are kept for the "
		    "children", (int)pid);
		*max = server_nclients;
		return (0);
	}
	*max = loop_conf != NULL && loop_conf->max_clients > 0 ?
	    loop_conf->max_clients : 256;
	if (server_nclients < *max + (role == ROLE_ADMIN ?
	    SERVER_SOCKET_ADMIN_SLOTS : 0))
		return (1);
	if (role != ROLE_NONE && server_nroleless > 0) {
		TAILQ_FOREACH(cl, &server_all, entry)
			if (cl->role == ROLE_NONE)
				break;
		log_debug("client pid %d: no role; closed to make room",
		    (int)cl->pid);
		server_client_close(cl);
		return (1);
	}
	log_rated(&server_refuse_rate, LOG_LVL_WARN, "refused a client "
	    "(pid %d, %s): %d clients already", (int)pid,
	    server_role_name(role), server_nclients);
	return (0);
}

static void
server_client_new(int fd, const struct ucred *uc, enum role role)
{
	struct client	*cl;

	cl = xcalloc(1, sizeof *cl);
	cl->fd = fd;
	cl->uid = uc->uid;
	cl->pid = uc->pid;
	cl->role = role;
	TAILQ_INIT(&cl->queue);
	TAILQ_INIT(&cl->held);
	varlink_rbuf_init(&cl->rb, server_max_request());
	varlink_wbuf_init(&cl->wb);
	ev_io_init(&cl->rio, server_read_cb, fd, EV_READ);
	ev_io_init(&cl->wio, server_write_cb, fd, EV_WRITE);
	/* clients before the iteration's reaps and timers (server_serve) */
	ev_set_priority(&cl->rio, EV_MAXPRI);
	ev_set_priority(&cl->wio, EV_MAXPRI);
	cl->rio.data = cl->wio.data = cl;
	ev_init(&cl->timer, server_timer_cb);
	cl->timer.data = cl;
	cl->active_at = cl->accepted_at = now_mono_ms();
	server_timer_arm(cl);
	ev_io_start(loop_ev, &cl->rio);
	cl->reading = 1;
	TAILQ_INSERT_TAIL(&server_all, cl, entry);
	server_nclients++;
	if (role == ROLE_NONE)
		server_nroleless++;
	log_debug("client pid %d uid %d: connected (%s)", (int)uc->pid,
	    (int)uc->uid, server_role_name(role));
}

/* accept failed for another reason than a shortage of fds: try again in a while */
static void
server_accept_pause_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	if (!server_paused)
		ev_io_start(loop_ev, &server_listener);
}

static void
server_accept_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct ucred	 uc;
	socklen_t	 len;
	enum role	 role;
	int		 fd, max, n;

	(void)l;
	(void)w;
	(void)revents;
	/* the listener stays readable: the rest of a burst comes next wakeup */
	for (n = 0; n < SERVER_ACCEPT_BATCH; n++) {
		fd = server_socket_accept(server_fd, server_nclients);
		if (fd == SERVER_SOCKET_EMPTY)
			return;
		if (fd == SERVER_SOCKET_SHED)
			continue;
		if (fd == SERVER_SOCKET_BROKEN) {
			/* the listener stays readable: polling it would spin */
			ev_io_stop(loop_ev, &server_listener);
			ev_timer_set(&server_accept_pause, SERVER_ACCEPT_PAUSE, 0.);
			ev_timer_start(loop_ev, &server_accept_pause);
			return;
		}
		len = sizeof uc;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
			log_warn("SO_PEERCRED: %s", strerror(errno));
			close(fd);
			continue;
		}
		role = server_socket_role(&uc);
		if (!server_admit(fd, role, uc.pid, &max)) {
			server_socket_refuse(fd, max);
			continue;
		}
		server_client_new(fd, &uc, role);
	}
}

/* Serve the listening socket fd (bound at path). */
static void
server_serve(int fd, const char *path)
{
	method_init();
	server_fd = fd;
	server_path = xstrdup(path);
	server_started_at = now_mono_ms();
	/*
	 * The socket's watchers first in an iteration: in a crash storm one
	 * holds hundreds of reaps, and a call waits for none of them.
	 */
	ev_io_init(&server_listener, server_accept_cb, fd, EV_READ);
	ev_set_priority(&server_listener, EV_MAXPRI);
	ev_io_start(loop_ev, &server_listener);
	ev_init(&server_accept_pause, server_accept_pause_cb);
	/* after the loop's own prepare (policy, then commit): replies go out last */
	ev_prepare_init(&server_flusher, server_flusher_cb);
	ev_set_priority(&server_flusher, EV_MINPRI);
	ev_prepare_start(loop_ev, &server_flusher);
	ev_check_init(&server_flusher_early, server_flusher_early_cb);
	ev_set_priority(&server_flusher_early, EV_MINPRI);
	ev_check_start(loop_ev, &server_flusher_early);
	store_set_notify(server_store_settled, server_more_queued);
}

int
server_init(const char *path, char **cause)
{
	int	fd;

	if ((fd = server_socket_open(path, cause)) == -1)
		return (-1);
	server_serve(fd, path);
	return (0);
}

void
server_close(void)
{
	struct client	*cl;

	/* the store is closed: every held reply can be settled */
	server_store_settled();
	while ((cl = TAILQ_FIRST(&server_all)) != NULL) {
		/* one last try for what is queued (the Shutdown reply) */
		(void)varlink_wbuf_flush(&cl->wb, cl->fd);
		if (cl->current != NULL && cl->current->cancel == NULL) {
			/* its command will never finish now */
			cl->current->client = NULL;
			call_free(cl->current);
			cl->current = NULL;
		}
		server_client_close(cl);
	}
	if (server_fd != -1) {
		ev_io_stop(loop_ev, &server_listener);
		ev_timer_stop(loop_ev, &server_accept_pause);
		ev_prepare_stop(loop_ev, &server_flusher);
		ev_check_stop(loop_ev, &server_flusher_early);
		server_socket_close(server_fd);
		server_fd = -1;
	}
	if (server_path != NULL) {
		unlink(server_path);
		free(server_path);
		server_path = NULL;
	}
}

/* --- reexec: the listener and one client carried across the exec --------- */

int
server_adopt(int fd, const char *path, char **cause)
{
	if (server_socket_adopt(fd, cause) == -1)
		return (-1);
	server_serve(fd, path);
	return (0);
}

int
server_listen_fd(void)
{
	return (server_fd);
}

/*
 * No new calls and no new connections: what is read stays queued, what
 * connects waits in the listen backlog.
 */
void
server_pause(void)
{
	struct client	*cl;

	server_paused = 1;
	ev_io_stop(loop_ev, &server_listener);
	ev_timer_stop(loop_ev, &server_accept_pause);
	TAILQ_FOREACH(cl, &server_all, entry) {
		if (cl->reading) {
			ev_io_stop(loop_ev, &cl->rio);
			cl->reading = 0;
		}
	}
}

void
server_resume(void)
{
	struct client	*cl, *next;

	server_paused = 0;
	ev_io_start(loop_ev, &server_listener);
	for (cl = TAILQ_FIRST(&server_all); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		server_run(cl);
		server_dirty_add(cl);
	}
}

/*
 * 1 and *why while a client other than except waits for something that
 * will end by itself: a command in progress, a reply held for the disk.
 * Streams and Await (calls that can be cancelled) do not count.
 */
int
server_busy(const struct client *except, const char **why)
{
	struct client	*cl;

	TAILQ_FOREACH(cl, &server_all, entry) {
		if (cl == except)
			continue;
		if (!TAILQ_EMPTY(&cl->held)) {
			*why = "a reply waits for the state database";
			return (1);
		}
		if (cl->current != NULL && cl->current->cancel == NULL &&
		    !cl->overflow) {
			*why = "a call is in progress";
			return (1);
		}
	}
	return (0);
}

/*
 * Close every connection but keep's, after a last try to write what is
 * queued for it; keep's waiting call is orphaned (the caller frees it).
 * A copy of keep's descriptor, without close-on-exec, or -1.
 */
int
server_detach(struct client *keep)
{
	struct client	*cl;
	int		 fd = -1;

	while ((cl = TAILQ_FIRST(&server_all)) != NULL) {
		(void)varlink_wbuf_flush(&cl->wb, cl->fd);
		if (cl == keep)
			fd = fcntl(cl->fd, F_DUPFD, 3);
		server_client_close(cl);
	}
	return (fd);
}

/* A client carried across the exec (or kept after one that failed): msg first. */
void
server_adopt_client(int fd, json_t *msg)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof uc;
	struct client	*cl;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
		log_warn("the client of the reexec is gone: %s", strerror(errno));
		close(fd);
		json_decref(msg);
		return;
	}
	server_client_new(fd, &uc, server_socket_role(&uc));
	cl = TAILQ_LAST(&server_all, client_list);
	server_send(cl, msg, 0);
}
