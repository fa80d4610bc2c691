/*
 * spec.h — what the configuration file says: the [supd] settings and one
 * struct spec per section, in file order.  conf.c fills these; the policy,
 * the runtime and --check read them.  No OS headers, so unit tests link it.
 */
#ifndef SPEC_H
#define SPEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

enum node_kind {
	KIND_SUPERVISOR,	/* [supervisor:NAME] */
	KIND_DYNAMIC,		/* [dynamic:NAME]: children by name at run time */
	KIND_WORKER,		/* [worker:NAME], or a child of a dynamic supervisor */
};

enum restart_type {
	RESTART_PERMANENT,
	RESTART_TRANSIENT,
	RESTART_TEMPORARY,
};

enum strategy {
	STRATEGY_ONE_FOR_ONE,
	STRATEGY_ONE_FOR_ALL,
	STRATEGY_REST_FOR_ONE,
};

enum auto_shutdown {
	AUTO_SHUTDOWN_NEVER,
	AUTO_SHUTDOWN_ANY_SIGNIFICANT,
	AUTO_SHUTDOWN_ALL_SIGNIFICANT,
};

enum ready_mode {
	READY_EXEC,
	READY_NOTIFY,
};

enum output_mode {
	OUTPUT_LOG,
	OUTPUT_NULL,
	OUTPUT_INHERIT,
	OUTPUT_LOG_SEPARATE,	/* stderr = log:separate: NAME.err */
};

#define SHUTDOWN_BRUTAL_KILL	0	/* shutdown = brutal_kill */
#define SHUTDOWN_INFINITY	(-1)	/* shutdown = infinity */

#define DEFAULT_MAX_RESTARTS	3
#define DEFAULT_MAX_SECONDS	5
#define DEFAULT_WORKER_SHUTDOWN	5000
#define DEFAULT_START_TIMEOUT	90000
#define DEFAULT_MAX_CHILDREN	0	/* 0: no limit */
#define DEFAULT_RESTART_DELAY_MAX	30000	/* restart_delay_max unset */
#define DEFAULT_RESTART_DELAY_RESET	60000	/* restart_delay_reset unset */

/* Resource limits (limit_* keys), in the order of spec_limit_names. */
enum spec_limit_kind {
	LIMIT_NOFILE,
	LIMIT_NPROC,
	LIMIT_CORE,
	LIMIT_AS,
	LIMIT_STACK,
	LIMIT_COUNT,
};
#define SPEC_LIMIT_INFINITY	UINT64_MAX	/* limit_* = infinity */

/* One limit_* key: not set leaves the child supd's own limit. */
struct spec_limit {
	int			 set;
	uint64_t		 soft, hard;	/* or SPEC_LIMIT_INFINITY */
};

/* A signed key that may be left out (nice, oom_score_adjust). */
struct spec_opt {
	int			 set;
	int			 value;
};
/* listen = NAME=tcp:ADDR:PORT | NAME=udp:ADDR:PORT | NAME=unix:PATH[:MODE] */
enum listen_kind {
	LISTEN_TCP,
	LISTEN_UDP,
	LISTEN_UNIX,
};

/* One socket supd holds for a child (listen.c opens it, listen-parse.c reads it). */
struct spec_listen {
	char			*text;		/* "NAME=KIND:...", paths resolved: compared at reload */
	char			*name;		/* its name in $LISTEN_FDNAMES */
	enum listen_kind	 kind;
	char			*addr;		/* numeric address ("" : any), or the path */
	int			 port;		/* tcp and udp */
	int			 mode;		/* unix: the file's mode; -1: as umask says */
};
#define LISTEN_FDS_MAX		64	/* listen keys of one section */
#define FD_STORE_MAX		1024	/* fd_store_max at most */

#define DEFAULT_HEALTH_INTERVAL	30000	/* Docker's HEALTHCHECK defaults */
#define DEFAULT_HEALTH_TIMEOUT	30000
#define DEFAULT_HEALTH_RETRIES	3

/*
 * The keys a plain worker leaves alone: how it runs (cwd, user, umask,
 * stop_signal, ...), resources, backoff, liveness, cgroup limits, sockets,
 * and a supervisor's strategy and intensity.  A spec that leaves them all
 * at their defaults has x NULL and pays a pointer; read them with spec_x,
 * which gives the defaults then.  conf.c gives a spec its own block
 * (spec_extra_own) at the first such key it sets.
 */
struct spec_extra {
	/* lines of the keys --check looks up on the machine; 0: not given */
	int			 cwd_line, user_line, group_line;
	/* how a child runs */
	int			 stop_signal;	/* default SIGTERM */
	char			*cwd;		/* absolute, or NULL */
	char			*user;		/* NULL: supd's own */
	char			*group;
	int			 umask;		/* -1: inherit supd's */
	enum ready_mode		 ready;
	int64_t			 start_timeout_ms;
	int			*success_signals;	/* signal names in success_exit_codes */
	size_t			 nsuccess_signals;
	/* resources, all opt-in: set in the child between fork and exec */
	struct spec_limit	 limits[LIMIT_COUNT];
	struct spec_opt		 nice;		/* -20..19 */
	struct spec_opt		 oom_score_adjust;	/* -1000..1000 */
	int64_t			 memory_restart;	/* bytes of RSS; 0: not watched */
	/* restart backoff (policy-backoff.c); 0: not given */
	int64_t			 restart_delay_ms;	/* 0: restarts at once (OTP) */
	int64_t			 restart_delay_max_ms;
	int64_t			 restart_delay_reset_ms;
	/* liveness, opt-in: sd_notify's watchdog, Docker's HEALTHCHECK */
	int64_t			 watchdog_ms;	/* 0: none */
	int			 watchdog_signal;	/* default SIGABRT */
	char			**health_argv;	/* NULL: no health check */
	int64_t			 health_interval_ms;
	int64_t			 health_timeout_ms;
	int			 health_retries;
	int64_t			 health_start_period_ms;
	/* cgroup v2 limits, as written to the files (cgroup.c); NULL: not set */
	char			*memory_max, *memory_high, *cpu_weight;
	char			*cpu_max, *pids_max;
	int			 cgroup_line;	/* the first of them; 0: none */
	/* sockets held by supd across restarts, and the fd store (listen.c, fdstore.c) */
	struct spec_listen	*listen;	/* file order */
	size_t			 nlisten;
	int			 listen_backlog;	/* 0: SOMAXCONN */
	int			 listen_reuseport;
	int			 fd_store_max;	/* 0: FDSTORE=1 refused */

	/* supervisors and dynamic supervisors */
	enum strategy		 strategy;	/* dynamic: always one_for_one */
	int			 max_restarts;
	int			 max_seconds;
	enum auto_shutdown	 auto_shutdown;	/* static supervisors only */
	/* dynamic supervisors */
	int			 max_children;	/* 0: unlimited */
	int			 partitions;	/* >= 1 */
};

/*
 * What every section has, and what a plain worker sets: the rest is in
 * *x.  The ints the key table fills are int-sized (conf-key.c).
 */
struct spec {
	char			*name;
	char			*parent;	/* NULL for the root */
	const char		*file;		/* points into struct config */
	enum node_kind		 kind;
	int			 packed;	/* one allocation (spec_pack), or */
#define SPEC_PACKED_SHARED	2	/* one of a list's block (spec_pack_list) */
	int			 line;		/* line of the [section] header */
	int			 command_line;	/* 0: not given (--check looks it up) */

	/* workers, and the template of a dynamic supervisor */
	char			**argv;		/* NULL-terminated; NULL for a supervisor */
	enum restart_type	 restart;	/* a dynamic supervisor's: its children's */
	int			 significant;	/* its exit may stop its supervisor */
	int			 manual;	/* autostart = no: started only by `supctl start` */
	enum output_mode	 out;
	enum output_mode	 err;
	int64_t			 shutdown_ms;	/* or SHUTDOWN_BRUTAL_KILL / SHUTDOWN_INFINITY */
	char			**env;		/* "KEY=VALUE", NULL-terminated, file order */
	size_t			 nenv;
	int			*success_codes;	/* default { 0 } */
	size_t			 nsuccess;
	char			**groups;	/* process groups (:pg), NULL-terminated */
	size_t			 ngroups;
	/* the keys a worker rarely sets, in a block of their own */
	const struct spec_extra	*x;		/* NULL: all at their defaults */

	TAILQ_ENTRY(spec)	 entry;		/* file order */
};
TAILQ_HEAD(spec_list, spec);

struct config {
	char			*path;		/* as given */
	char			*dir;		/* the file's directory, absolute */
	/* the text it was parsed from: a reexec parses the running config again */
	char			*text;
	size_t			 textlen;

	/* [supd]; relative paths already resolved against dir */
	char			*socket;	/* NULL: default rules */
	char			*state;
	char			*log_dir;
	int			 socket_mode;	/* default 0600 */
	char			*socket_group;
	char			*admin_group;
	char			*read_group;
	int			 read_logs;	/* read_group may call Logs; default no */
	int			 log_plain;	/* log_timestamps = no: the bytes as written */
	int			 sync_full;	/* [supd] sync = full: fsync every commit */
	int64_t			 max_request_bytes;	/* default 65536 */
	int			 max_clients;		/* default 256 */
	int64_t			 idle_timeout_ms;	/* default 300000; 0: none */
	int64_t			 log_max_bytes;		/* default 10 MiB */
	int			 log_backups;		/* default 5 */
	int64_t			 history_max;		/* default 100000 */
	int			 cgroup_off;		/* [supd] cgroup = off */

	struct spec_list	 specs;		/* every section but [supd], file order */
	struct spec		*root;
	size_t			 nspecs;
	void			*pack;		/* every spec's bytes (spec_pack_list) */
};

/* What packed specs share: the empty vector, success_exit_codes unset. */
extern char *const spec_empty_strv[1];
extern const int spec_default_codes[1];
/* Every extra key at its default: what spec_x gives for x NULL. */
extern const struct spec_extra spec_extra_defaults;
#define spec_x(s)	((s)->x != NULL ? (s)->x : &spec_extra_defaults)
/*
 * s's own extra block, made from the defaults at the first call, for conf.c
 * to fill while it parses (never a packed spec's).
 */
struct spec_extra *spec_extra_own(struct spec *s);

/* The words of the file, indexed by the enums above; NULL-terminated. */
extern const char *const spec_kind_names[];	/* "supervisor", "dynamic", "worker" */
extern const char *const spec_restart_names[];
extern const char *const spec_strategy_names[];
extern const char *const spec_auto_shutdown_names[];
extern const char *const spec_bool_names[];	/* "false", "true" */
extern const char *const spec_ready_names[];
extern const char *const spec_output_names[];	/* stdout's; stderr's add log:separate */
extern const char *const spec_stderr_names[];
extern const char *const spec_limit_names[];	/* "limit_nofile", ... */

/*
 * True if an exit is normal: code (sig 0) is in success_exit_codes, or
 * the death by sig is clean (TERM, INT, HUP, PIPE) or listed there.
 */
int	spec_is_success(const struct spec *, int code, int sig);
/*
 * The keys (the file's words) whose values differ between two specs of
 * one name: at most max of them into keys; returns how many (0: the same).
 * Name, kind, parent and line numbers are not compared.
 */
#define SPEC_KEYS_MAX	64
int	spec_diff(const struct spec *, const struct spec *, const char **keys,
	    int max);
/* True if two strings are equal, or both NULL. */
int	spec_str_equal(const char *, const char *);
/* True if two NULL-terminated vectors (NULL: empty) hold the same strings. */
int	spec_strv_equal(char *const *, char *const *);
/* Free n listen entries and the array. */
void	spec_listen_free(struct spec_listen *, size_t n);
/* Free a spec and every string and vector it owns. */
void	spec_free(struct spec *);
/*
 * spec-pack.c: s and all it owns moved into one allocation (s is freed);
 * the copy's TAILQ entry is s's, to be linked again.  Nothing may change
 * a packed spec's strings or vectors; spec_free frees it whole.
 */
struct spec	*spec_pack(struct spec *s);
/*
 * Every spec of list moved into one allocation, returned (NULL for an
 * empty list): no block header or rounding per spec, and none of the
 * parse's small blocks left among them.  spec_free leaves such a spec
 * alone; the block is freed whole once no spec of it is used.  *track,
 * if it is one of list, becomes its copy.
 */
void		*spec_pack_list(struct spec_list *list, struct spec **track);

#endif /* SPEC_H */
