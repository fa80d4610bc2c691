/*
 * cli-run.h — run supctl as a user would and keep what it said: stdout,
 * stderr and exit status, with chosen environment variables, on a pipe or
 * a terminal.  Also starts and stops fakesupd.py, the stand-in daemon.
 */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include <sys/types.h>

#include <jansson.h>

struct cli_result {
	int	 status;	/* exit status, or 128 + signal */
	char	*out;
	char	*err;
};

struct fake {
	char	 dir[256];
	char	 sock[300];
	char	 record[300];	/* every call received, one JSON line each */
	pid_t	 pid;
};

/*
 * Run supctl with the NULL-terminated arguments.  env (NULL-terminated, may
 * be NULL): "K=V" sets, "K" unsets, applied after SUPD_SOCKET=sock (if sock
 * is not NULL) in supctl's environment.  tty: stdout on a pseudo-terminal.
 */
void	cli_run(struct cli_result *, const char *sock, const char *const *env,
	    int tty, ...) __attribute__((sentinel));
void	cli_result_free(struct cli_result *);
/* Parse s as one JSON document; fails the test if it is not one. */
json_t	*cli_json(const char *s);
/* The n-th line of s (0 first), malloc'd, or NULL. */
char	*cli_line(const char *s, int n);
int	 cli_lines(const char *s);

void	fake_start(struct fake *);
void	fake_stop(struct fake *);
/* The last call fakesupd.py received (method and parameters). */
json_t	*fake_last_call(struct fake *);

extern const char *cli_supctl_bin;

#endif /* CLI_RUN_H */
