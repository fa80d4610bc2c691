/*
 * method.h — the varlink methods: struct method (one per method, next to
 * its handler in method-*.c, listed in method.c's table), struct call (one
 * call in progress) and the helpers handlers share.  Connections and bytes
 * are server.c's; a call only knows its client to answer it.
 */
#ifndef METHOD_H
#define METHOD_H

#include <sys/queue.h>

#include <stdint.h>

#include <jansson.h>

#include "jtext.h"
#include "loop.h"
#include "tree.h"

struct client;

enum role {
	ROLE_NONE,		/* may only introspect (org.varlink.service) */
	ROLE_READ,		/* read_group: list, inspect, follow */
	ROLE_ADMIN,		/* root, supd's own uid, admin_group */
};

struct call;

struct method {
	const char		*name;
	int			 flags;
#define M_READ		0x1		/* the read-only role may call it */
#define M_MORE		0x2		/* may stream ("continues") */
#define M_OPEN		0x4		/* anyone may call it (introspection) */
	const char *const	*params;	/* the parameters it takes; NULL: none */
	int			(*call)(struct call *);
	uint64_t		 calls, failures;	/* exported by Metrics */
};

/* What a handler returns */
#define CALL_DONE	0		/* c->reply or c->error is set: answer now */
#define CALL_WAIT	1		/* answered later by call_done() */

struct call {
	struct client		*client;	/* NULL once the peer has gone */
	struct method		*method;
	enum role		 role;
	json_t			*params;	/* an object */
	int			 more;		/* the caller asked for "more" */
	int			 oneway;	/* the caller wants no reply */

	json_t			*reply;		/* parameters of the last reply */
	/* or the whole message as text (call_ok_text: printed row by row) */
	char			*reply_text;
	size_t			 reply_len;
	const char		*error;		/* a varlink error name, or NULL */
	json_t			*error_params;

	/* a call that waits (CALL_WAIT) */
	char			 name[NAME_MAX_LEN + 1];	/* what it is about */
	void			*data;		/* the handler's own state */
	/* the peer went away before the answer: drop watchers, free data */
	void			(*cancel)(struct call *);
	/* the command call_command() queued has finished */
	struct command		 cmd;
	void			(*command_done)(struct call *, struct node *,
				    enum cmd_outcome, const char *detail);
	/*
	 * Its reply says something is on disk: it goes out once the batch
	 * commit_ticket names is committed (wants_commit: the batch of the
	 * iteration its command ends in), or as StateUnavailable.
	 */
	uint64_t		 commit_ticket;
	int			 wants_commit;
	TAILQ_ENTRY(call)	 held_entry;	/* server.c: answered, not yet sent */
	/* its reply said done but the commit failed: undo what it did */
	void			(*uncommitted)(struct call *);
	/* a stream paced by its reader: its output has drained, send more */
	void			(*writable)(struct call *);
	int			 endless;	/* follows: ends when its peer hangs up */
	int			 dispatching;	/* inside its handler */
	int			 finished;	/* call_done while dispatching */
};

/* method.c */
extern struct method	*method_table[];
/* Check the table against proto.c's list of methods; fatal on a mismatch. */
void	 method_init(void);
/* The entry for a full method name, or NULL. */
struct method *method_find(const char *name);
/* Look up, check access and parameters, run; CALL_DONE or CALL_WAIT. */
int	 method_dispatch(struct call *, const char *name);
struct call *call_new(struct client *, enum role, json_t *params, int flags);
void	 call_free(struct call *);
/* Set a varlink error with json_pack-style parameters; returns CALL_DONE. */
int	 call_fail(struct call *, const char *error, const char *fmt, ...);
/* InvalidParameter {parameter}; returns CALL_DONE. */
int	 call_invalid(struct call *, const char *parameter);
/* Set the reply's parameters (stolen); returns CALL_DONE. */
int	 call_ok(struct call *, json_t *reply);
/*
 * A reply of thousands of rows printed one row at a time instead of held
 * as one tree: call_text_begin, the parameters object's text in pieces,
 * then call_ok_text, which takes it.
 */
void	 call_text_begin(struct jtext *);
int	 call_ok_text(struct call *, struct jtext *);
/*
 * Parameter getters: 0 with *out set (left alone when an optional one is
 * absent or null), or -1 with InvalidParameter set on the call.
 */
int	 call_str(struct call *, const char *key, int required, const char **out);
int	 call_int(struct call *, const char *key, int required, json_int_t *out);
int	 call_bool(struct call *, const char *key, int *out);
/* An optional array of strings; *out borrowed, NULL when absent. */
int	 call_strv(struct call *, const char *key, json_t **out);
/* A streamed reply (continues); params stolen.  -1 when the peer is gone or cut off. */
int	 call_stream(struct call *, json_t *params);
/* The same, for a reply {key: json} whose member is JSON text already. */
int	 call_stream_text(struct call *, const char *key, const char *json,
	    size_t len);
/* The stream fell behind what can be replayed: cut the client off. */
void	 call_cut_off(struct call *);
/* 1 while the client's unread output leaves room for more of a paced stream. */
int	 call_stream_room(struct call *);
/*
 * Queue a command for the policy on the call's behalf; done sets the
 * reply or error when it is over, then the call is answered.  CALL_WAIT.
 */
int	 call_command(struct call *, enum policy_evt, struct node *,
	    void (*done)(struct call *, struct node *, enum cmd_outcome,
	    const char *));
/* A failed command's reason: the detail, or the outcome in words. */
const char *call_outcome_reason(enum cmd_outcome, const char *detail);
/* A waiting call has its final reply or error: answer it (or drop it if orphaned). */
void	 call_done(struct call *);
/* A JSON string of any bytes (what is not UTF-8 becomes U+FFFD); NULL s: null. */
json_t	*call_string(const char *s, size_t len);
/* The JSON null or integer for an optional number (pid 0: null). */
json_t	*call_pid(int pid);

/* server.c: what the methods need from the connections */
/* Queue a message for the client; stream: subject to the output bound. -1 if cut off. */
int	 server_send(struct client *, json_t *msg, int stream);
/* Same, for a message that is JSON text already (len bytes, no NUL). */
int	 server_send_text(struct client *, const char *msg, size_t len, int stream);
/* The client cannot keep up: OutputOverflow, its call cancelled, then closed. */
void	 server_cut_off(struct client *);
/* The client's waiting call is over: answer the requests queued behind it. */
void	 server_call_over(struct client *, struct call *);
/* Output queued for the client and not yet written. */
size_t	 server_pending(struct client *);
/* Output a paced stream keeps queued at most before it waits for writable(). */
size_t	 server_stream_high(void);
/* Milliseconds since supd started serving. */
int64_t	 server_uptime_ms(void);

/* method-dynamic.c */
/*
 * Checks of Spawn and Run, in the contract's order, then a new registered
 * child of the dynamic supervisor (not started): *out, or NULL with the
 * error set on the call.  Returns CALL_DONE.
 */
int	 method_dynamic_add(struct call *, const char *sup, const char *name,
	    json_t *args, json_t *env, json_t *groups, struct node **out);
/* Spawn's and Run's answer when their EVT_SPAWN finishes. */
void	 method_spawn_done(struct call *, struct node *, enum cmd_outcome,
	    const char *);

/* method-logs.c */
/* 1 if the caller may read children's output: admins, readers with read_logs. */
int	 method_logs_readable(const struct call *);

#endif /* METHOD_H */
