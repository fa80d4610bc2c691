/*
 * harness.h — the real supd in a temporary directory: write a config,
 * start the daemon, run supctl, wait for what children write, and kill
 * every process the test started (found by a tag in their environment).
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <sys/types.h>

struct supd_inst {
	char	dir[256];	/* the temporary directory */
	char	conf[300];	/* dir/supd.ini */
	char	sock[300];	/* dir/supd.sock */
	char	log[300];	/* dir/supd.log: supd's stderr */
	pid_t	pid;
	int	status;		/* exit status once harness_wait_exit saw it */
	/* set before harness_start; harness_init clears them */
	const char *const *env;	/* "K=V" sets, "K" unsets, in supd's environment */
	int	defaults;	/* no -c, -s, --state, --log-dir: supd's defaults */
	uid_t	uid;		/* not 0: supd runs as this uid (the test is root) */
	gid_t	gid;
	const char *state;	/* the --state file; NULL: dir/state.db */
	const char *cgroup;	/* not NULL: supd starts in this cgroup2 directory */
};

/*
 * make valgrind (SUPD_VALGRIND set): supd runs under memcheck, some 20 times
 * slower.  harness_ms scales a wait on supd by harness_scale() (1 without
 * valgrind), harness_secs a number of seconds given to supctl (static, eight
 * at a time).  harness_skip_valgrind says why one assertion is not made under
 * valgrind and returns 1 there, 0 otherwise.  The harness's own waits and
 * criterion's test timeouts are scaled already.
 */
int	harness_valgrind(void);
int	harness_scale(void);
int	harness_ms(int ms);
const char *harness_secs(double secs);
int	harness_skip_valgrind(const char *what);

/* Make the directory and write dir/supd.ini: ini with @DIR@ replaced by dir. */
void	harness_init(struct supd_inst *, const char *ini);
/* Start supd on it; wait until the socket accepts (5 s) unless nowait. */
void	harness_start(struct supd_inst *);
void	harness_start_nowait(struct supd_inst *);
/* SIGTERM supd, wait for it, then SIGKILL anything left with our tag; rm -r dir. */
void	harness_stop(struct supd_inst *);
/* Wait up to ms for supd to exit; its exit status, or -1 on timeout. */
int	harness_wait_exit(struct supd_inst *, int ms);
/* Run supctl -s sock ARGS...; stdout in *out (malloc'd) if out != NULL; exit status. */
int	harness_supctl(struct supd_inst *, char **out, ...) __attribute__((sentinel));
/* Run a command line with the harness's supd/supctl paths; like harness_supctl. */
int	harness_run(char **out, char **err, char *const argv[]);
/* Wait up to ms until file (relative to dir) holds at least n lines; its lines count. */
int	harness_wait_lines(struct supd_inst *, const char *file, int n, int ms);
/* Wait up to ms until supd's log holds needle; 1 if found. */
int	harness_wait_log(struct supd_inst *, const char *needle, int ms);
/* Read fd to its end (EOF, or EIO from a pty); malloc'd, NUL-terminated. */
char	*harness_slurp_fd(int fd);
/* Read a file under dir (malloc'd), or NULL. */
char	*harness_read(struct supd_inst *, const char *file);
/* The pid registered under name, via `supctl whereis`; 0 if none. */
pid_t	harness_whereis(struct supd_inst *, const char *name);
/* Wait up to ms for name's pid to differ from old and be non-zero. */
pid_t	harness_wait_new_pid(struct supd_inst *, const char *name, pid_t old, int ms);
/* Processes still alive that carry this test's tag. */
int	harness_tagged_alive(struct supd_inst *);
/* fn(pid, arg) for each of them (not the test itself); how many. */
int	harness_tagged_each(struct supd_inst *, void (*fn)(pid_t, void *),
	    void *arg);
/* 1 once pid has exited (gone, or a zombie nobody reaped yet). */
int	harness_pid_gone(pid_t);
/* A connection to the UNIX socket at path (close-on-exec), or -1. */
int	harness_connect(const char *path);
/* The rows of `supctl --json status`, retried 5 s while supd comes up (json_t *). */
struct json_t;
struct json_t *harness_status_rows(struct supd_inst *);
/* The row of rows (status --json) named name, or NULL. */
struct json_t *harness_row(struct json_t *, const char *);
/* A live process of ours that is neither supd nor one of known[0..n): its pid, or 0. */
pid_t	harness_stranger(struct supd_inst *, const pid_t *known, int n);
/* How many times needle occurs in hay. */
int	harness_count(const char *hay, const char *needle);
/* Zombie children of pid. */
int	harness_zombies_of(pid_t);
/* Open fds of pid. */
int	harness_fd_count(pid_t);
/* Context switches of every thread of pid (voluntary and not) so far. */
long	harness_ctxt_switches(pid_t);
void	harness_sleep_ms(int);
/* The first column of the first row of sql on dir/state.db, read-only; -1 if none. */
long long harness_db_count(struct supd_inst *, const char *sql);

extern const char *harness_supd_bin;
extern const char *harness_supctl_bin;

#endif /* HARNESS_H */
