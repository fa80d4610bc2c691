/*
 * supctl.h — what the files of supctl share, one section per file, as
 * tmux.h does.  The protocol itself (framing, method and error names) is
 * common/'s; this is the command line around it.
 */
#ifndef SUPCTL_H
#define SUPCTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Exit statuses: the contract's, checked by scripts. */
#define EXIT_OK		0	/* done */
#define EXIT_FAILED	1	/* the daemon refused, or the thing failed */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_UNREACHABLE 3	/* cannot reach the daemon */

#define SUPCTL_TIMEOUT	30	/* seconds to wait for supd; $SUPCTL_TIMEOUT */

/* supctl.c */
extern const char	*supctl_socket;	/* resolved lazily, see supctl_socket_path() */
extern int		 supctl_json;	/* --json */
const char	*supctl_socket_path(void);
/* "the default socket", "the socket given with -s", ... */
const char	*supctl_socket_origin(void);
/* -s/--socket at argv[*i]: 1 taken, 0 not it, -1 usage error (printed). */
int		 supctl_socket_option(int argc, char **argv, int *i,
		    int short_too);
/* Seconds to wait for supd to accept or answer: $SUPCTL_TIMEOUT or 30; 0: for ever. */
int		 supctl_timeout(void);

/* cmd.c */
struct args;

struct cmd_option {
	const char	*name;		/* long name, without "--" */
	int		 key;		/* short letter, also its key in struct args */
	int		 has_arg;
};

struct cmd_entry {
	const char		*name;
	const char		*usage;		/* the man page's synopsis, after "supctl " */
	const char		*summary;	/* one line for supctl --help */
	const char		*help;		/* supctl COMMAND --help, after the usage */
	const struct cmd_option	*options;	/* NULL or ended by { NULL } */
	int			 min_args;
	int			 max_args;	/* -1: no limit */
	int			 flags;
#define CMD_EXTRA	0x1			/* takes ARG... after "--" */
#define CMD_LONG	0x4			/* waits as long as supd takes */
	int			(*exec)(const struct cmd_entry *, struct args *);
};

struct args {
	char		**argv;		/* positional arguments */
	int		  argc;
	char		**extra;	/* after "--" */
	int		  nextra;
	int		  seen_dashdash;
	struct {
		int		 key;
		const char	*value;
	}		 *opts;		/* in command-line order */
	int		  nopts;
};

extern const struct cmd_entry	*cmd_table[];

const struct cmd_entry *cmd_find(const char *);
/* Parse argv (after the command name) against the entry; -1 on a usage error, printed. */
int		 cmd_parse(const struct cmd_entry *, int, char **, struct args *,
		    int *help);
void		 cmd_args_free(struct args *);
int		 args_has(const struct args *, int);
/* The last value given for key, or NULL. */
const char	*args_get(const struct args *, int);
/* Every value given for key, in order, as a new JSON array of strings. */
json_t		*args_array(const struct args *, int);
/* An array of the positional arguments from i on. */
json_t		*args_positional(const struct args *, int);
/* "supctl: CMD: message" and the usage line on stderr; returns EXIT_USAGE. */
int		 cmd_usage_error(const struct cmd_entry *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 cmd_print_usage(const struct cmd_entry *, int to_stderr);
void		 cmd_print_help(const struct cmd_entry *);
void		 cmd_print_list(void);
void		 cmd_print_words(void);
/* Parse a count or a number of seconds given on the command line; -1 if bad. */
int		 cmd_parse_int(const char *, long long *, long long max);
int		 cmd_parse_seconds(const char *, long long *ms);
/* Connect for a command; errors name it and its arguments ("stop web"). */
void		 cmd_connect(const struct cmd_entry *, const struct args *);
/* A name the daemon will register: 0 if valid, else usage error printed. */
int		 cmd_check_name(const struct cmd_entry *, const char *what,
		    const char *);

/* client.c */
/*
 * Connect to supd and set the reply timeout (0: none); exits 3 when the
 * daemon cannot be reached.  ctx prefixes every error ("spawn jobs w1").
 */
void		 client_open(const char *ctx, int timeout);
void		 client_close(void);
/* Change the reply timeout, in seconds; 0: none. */
void		 client_timeout(int);
/* Send a call; params is stolen.  flags: VARLINK_MORE. */
void		 client_send(const char *method, json_t *params, int flags);
/*
 * The next reply: 0 and *params (owned by the client until the next
 * client_recv or client_close), *continues; -1 when the daemon answered
 * an error, which is printed as proto.c's sentence; 1 when supd hung up and
 * client_allow_eof() was called.  Exits 3 when the connection fails.
 * params may be NULL when the caller needs only success.
 */
int		 client_recv(json_t **params, int *continues);
/* From now on client_recv returns 1 when supd hangs up (shutdown). */
void		 client_allow_eof(void);
/* Send, then receive one reply, as client_recv. */
int		 client_call(const char *method, json_t *params, json_t **reply);
/*
 * A call whose reply's parameters are passed through as supd wrote them,
 * not parsed: the members keys[] (NULL-terminated) of the parameters in
 * out[] (jsonspan.h; valid until the next call); an error reply is
 * printed as client_call does, -1.
 */
struct jsonspan;
int		 client_call_members(const char *method, json_t *params,
		    const char *const *keys, struct jsonspan *out);
/* What errors are prefixed with from now on ("stop web"). */
void		 client_context(const char *);
/* The sentence of the last error reply client_recv printed. */
const char	*client_error(void);
/* Print "supctl: CTX: message" on stderr. */
void		 client_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
/* Exit 3 with "supctl: PATH: why". */
void		 client_fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

/* cmd-spawn.c */
/* Check --group and --env values; -1 on a usage error, printed. */
int		 cmd_spawn_check(const struct cmd_entry *, const struct args *);
/* The ARGs after "--" as a new JSON array. */
json_t		*cmd_spawn_extra(const struct args *);

/* targets.c */
struct targets {
	char		**names;	/* resolved, in order, each once */
	int		  n;
	int		  many;		/* more than one NAME, an @GROUP or --all */
};

/*
 * The children NAME and @GROUP arguments stand for (@GROUP: its members,
 * stopped ones too), or with all every child of the root, newest first;
 * connects first.  -1 if none or a group has no member (printed).
 */
int		 targets_resolve(const struct cmd_entry *, char **argv, int argc,
		    int all, struct targets *);
void		 targets_free(struct targets *);
/*
 * Call method once per target (params from make); for each reply, done (may be NULL) prints its line.  With
 * --json and many targets, one array of {name, ok, ...reply} or {name, ok,
 * error}.  EXIT_OK, or EXIT_FAILED if any call failed.
 */
int		 targets_call(const struct cmd_entry *, const struct targets *,
		    const char *method, json_t *(*make)(const char *, void *),
		    void (*done)(const char *, const json_t *, int many, void *),
		    void *arg);

/* logline.c */
enum logline_stream { LOGLINE_UNKNOWN, LOGLINE_OUT, LOGLINE_ERR, LOGLINE_SUPD };
struct logline {
	int64_t			 us;	/* unix microseconds; -1: no timestamp */
	enum logline_stream	 stream;
	const char		*text;	/* what the child wrote (points into the line) */
};
/* Take a stored line apart; -1 (all of it text) if it has no prefix. */
int		 logline_parse(const char *, struct logline *);
/* A --since value, "10m", "1h30m", "90" (seconds): microseconds. */
int		 logline_parse_ago(const char *, int64_t *us);
/* Print a line for people: "WHO | " if who, its text, or all with stamps. */
void		 logline_print(FILE *, const char *who, const char *line,
		    int stamps);

/* cmd-run.c */
#define EXIT_TIMEDOUT	124	/* a task stopped by its timeout, as timeout(1) */

/* output.c */
struct table;

struct table	*table_new(int ncols, ...);
/* Add a row of ncols strings (copied); colour is an SGR code for column
 * color_col or NULL. */
void		 table_add(struct table *, const char *color, int color_col, ...);
void		 table_print(struct table *);
void		 table_fprint(FILE *, struct table *);
void		 table_free(struct table *);
/* Colour on stdout: a TTY and $NO_COLOR unset; decided once. */
int		 output_color(void);
/* The SGR colour of a child state, or NULL. */
const char	*output_state_color(const char *state);
/* Box-drawing glyphs when LC_CTYPE's codeset is UTF-8. */
int		 output_utf8(void);
/* Print a JSON value compact on one line and flush. */
void		 output_json(const json_t *);
/* A reply with a pid: the reply with --json, else the pid alone on a line. */
void		 output_pid_reply(const json_t *);
/* "3d4h", "2h05m", "5m12s", "42s". */
void		 output_duration(char *, size_t, int64_t ms);
/* Local time of a unix-ms timestamp, "2026-11-25T22:49:03.123". */
void		 output_time(char *, size_t, int64_t ms);
/* A scalar JSON value as people read it: strings bare, null as "-". */
char		*output_scalar(const json_t *);
int64_t		 output_now_ms(void);

#endif /* SUPCTL_H */
