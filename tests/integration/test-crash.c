/*
 * test-crash.c — supd killed with SIGKILL at random moments while a client
 * spawns and stops dynamic children, again and again: after each restart
 * every acknowledged spawn runs exactly once, nothing acknowledged as
 * stopped runs, nothing of the previous run is left, and the state file
 * passes SQLite's integrity check.
 */
#include <sys/wait.h>


#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define ROUNDS		50
#define NAMES		400	/* at most this many names over the whole test */

static const char *conf =
    "[supervisor:root]\n"
    "max_restarts = 1000\n"
    "max_seconds = 1\n"
    "\n"
    "[worker:static1]\n"
    "parent = root\n"
    "command = /bin/sleep 100000\n"
    "\n"
    "[dynamic:jobs]\n"
    "parent = root\n"
    "max_restarts = 1000\n"
    "max_seconds = 1\n"
    "command = /bin/sh -c 'exec sleep 100000' job\n";

static struct supd_inst	in;

/* What the client was told: 0 nothing yet, 1 spawned, 2 stopped. */
static int	 state[NAMES];
static int	 nnames;

/* supctl -s SOCK cmd jobs? name, quietly; its exit status (the client's). */
static int
client_supctl(const char *cmd, const char *name)
{
	char	*argv[8];
	int	 st, fd, argc = 0;
	pid_t	 pid;

	argv[argc++] = (char *)harness_supctl_bin;
	argv[argc++] = "-s";
	argv[argc++] = in.sock;
	argv[argc++] = (char *)cmd;
	if (strcmp(cmd, "spawn") == 0)
		argv[argc++] = "jobs";
	argv[argc++] = (char *)name;
	argv[argc] = NULL;
	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &st, 0) != pid)
		return (-1);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* One line to the client's log, appended whole. */
static void
client_log(int fd, char op, int i)
{
	char	line[32];
	int	n = snprintf(line, sizeof line, "%c %d\n", op, i);

	(void)write(fd, line, (size_t)n);
}

/*
 * The client: spawn new names, and now and then stop one that runs.  "A i"
 * before a call, "S i" or "T i" once supd acknowledged it.
 */
static void
client(const char *logpath, int first, int last, unsigned seed)
{
	int	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	int	i = first, j, k;
	char	name[16];

	for (;;) {
		/* past its names, the round goes on with stops */
		if (i > 0 && (i >= last || rand_r(&seed) % 3 == 0)) {
			/* a running name, from the last round or this one */
			for (k = 0, j = -1; k < 20 && j == -1; k++) {
				int	c = (int)(rand_r(&seed) % (unsigned)i);

				if (state[c] == 1)
					j = c;
			}
			if (j >= 0) {
				snprintf(name, sizeof name, "n%d", j);
				client_log(fd, 'A', j);
				if (client_supctl("stop", name) == 0) {
					state[j] = 2;
					client_log(fd, 'T', j);
				}
				continue;
			}
		}
		if (i >= last)
			break;
		snprintf(name, sizeof name, "n%d", i);
		client_log(fd, 'A', i);
		if (client_supctl("spawn", name) == 0) {
			state[i] = 1;
			client_log(fd, 'S', i);
		}
		i++;
	}
	pause();
}

/*
 * Once supd serves (its tree is up): the pid of each name n0.. into
 * pids[], 0 if it has none; how many children have a pid (static1 too).
 */
static pid_t	 allpids[NAMES + 8];	/* every pid status gives */
static int	 nall;

static int
running_children(pid_t *pids)
{
	const char	*nm;
	json_t		*rows, *r, *p;
	size_t		 i;
	int		 n = 0, k;

	rows = harness_status_rows(&in);
	memset(pids, 0, NAMES * sizeof *pids);
	nall = 0;
	json_array_foreach(rows, i, r) {
		if (!json_is_integer(p = json_object_get(r, "pid")))
			continue;
		n++;
		if (nall < NAMES + 8)
			allpids[nall++] = (pid_t)json_integer_value(p);
		nm = json_string_value(json_object_get(r, "name"));
		if (nm != NULL && nm[0] == 'n' && (k = atoi(nm + 1)) >= 0 &&
		    k < NAMES)
			pids[k] = (pid_t)json_integer_value(p);
	}
	json_decref(rows);
	return (n);
}

/* A leftover of the last run or a duplicate: its pid, or 0. */
static pid_t
stranger(void)
{
	return (harness_stranger(&in, allpids, nall));
}

static void
integrity_ok(void)
{
	char		 path[320];
	sqlite3		*db;
	sqlite3_stmt	*st;
	const char	*v;

	snprintf(path, sizeof path, "%s/state.db", in.dir);
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
	    NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	v = (const char *)sqlite3_column_text(st, 0);
	cr_assert_str_eq(v != NULL ? v : "(null)", "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Read the client's log of a round into state[]; the in-flight name's index or -1. */
static void
apply_log(const char *logpath, int *pending, int *npending)
{
	FILE	*f;
	char	 op;
	int	 i;

	*npending = 0;
	cr_assert_not_null(f = fopen(logpath, "r"));
	while (fscanf(f, " %c %d", &op, &i) == 2) {
		if (i < 0 || i >= NAMES)
			continue;
		if (i >= nnames)
			nnames = i + 1;
		if (op == 'A')
			pending[(*npending)++] = i;
		else {
			state[i] = op == 'S' ? 1 : 2;
			/* acknowledged: no longer in flight */
			if (*npending > 0 && pending[*npending - 1] == i)
				(*npending)--;
		}
	}
	fclose(f);
}

/* Also when an assertion ends a test: kill what the rounds left, rm the directory. */
static void
teardown(void)
{
	if (in.dir[0] != '\0')
		harness_stop(&in);
}

TestSuite(crash, .fini = teardown, .timeout = 240);

/*
 * The names round may spawn up to: twice its share of those left, so a
 * fast machine does not use them all before the last round.
 */
static int
round_names(int round)
{
	int	share = 2 * (NAMES - nnames) / (ROUNDS - round + 1);

	return (nnames + (share > 0 ? share : 1));
}

Test(crash, sigkill_at_random_moments_loses_nothing_acknowledged)
{
	char		 logpath[320];
	int		 pending[NAMES + 8], npending, round, i, want = 0;
	int		 nrun;
	unsigned	 seed = (unsigned)time(NULL);
	pid_t		 cl, pids[NAMES], stray = 0;

	cr_log_info("seed %u", seed);
	harness_init(&in, conf);
	harness_start(&in);
	snprintf(logpath, sizeof logpath, "%s/client.log", in.dir);
	for (round = 0; round < ROUNDS && nnames < NAMES; round++) {
		/*
		 * The client and its supctl in a group of their own: a supctl
		 * the kill left running would reach the next supd with a call
		 * the test has already settled by looking.
		 */
		if ((cl = fork()) == 0) {
			setpgid(0, 0);
			client(logpath, nnames, round_names(round),
			    seed + (unsigned)round);
		}
		cr_assert_neq(cl, -1);
		setpgid(cl, cl);
		harness_sleep_ms(30 + (int)(rand_r(&seed) % 250));
		kill(in.pid, SIGKILL);
		kill(-cl, SIGKILL);
		waitpid(cl, NULL, 0);
		cr_assert_geq(harness_wait_exit(&in, 5000), 0);
		in.status = -1;
		harness_start(&in);

		apply_log(logpath, pending, &npending);
		nrun = running_children(pids);
		/* a call with no answer may or may not have happened: look */
		for (i = 0; i < npending; i++)
			state[pending[i]] = pids[pending[i]] > 0 ? 1 : 2;
		want = 0;
		for (i = 0; i < nnames; i++) {
			if (state[i] == 1) {
				cr_assert_gt(pids[i], 0, "round %d: n%d was "
				    "acknowledged as spawned and does not run",
				    round, i);
				want++;
			} else
				cr_assert_eq(pids[i], 0, "round %d: n%d runs (pid "
				    "%d) though it was %s", round, i, (int)pids[i],
				    state[i] == 2 ? "acknowledged as stopped" :
				    "never spawned");
		}
		/* static1 too */
		cr_assert_eq(nrun, want + 1, "round %d", round);
		/* supd, its children, and nothing else of ours */
		for (i = 0; i < 100 * harness_scale() && (stray = stranger()) != 0; i++) {
			harness_sleep_ms(50);
			nrun = running_children(pids);
		}
		cr_assert_eq(stray, 0, "round %d: pid %d is ours but neither supd "
		    "nor one of its children: a leftover or a duplicate", round,
		    (int)stray);
		integrity_ok();
	}
	cr_assert_geq(round, ROUNDS, "only %d rounds", round);
	cr_log_info("%d rounds, %d names, %d running at the end", round,
	    nnames, want);
}

/* Not a crash: the tree comes back as it was, also after a clean stop. */
Test(crash, a_clean_restart_keeps_every_dynamic_child)
{
	pid_t	before, after;

	harness_init(&in, conf);
	harness_start(&in);
	cr_assert_eq(client_supctl("spawn", "kept"), 0);
	before = harness_whereis(&in, "kept");
	kill(in.pid, SIGTERM);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
	cr_assert(harness_pid_gone(before), "a clean stop left kept running");
	in.status = -1;
	harness_start(&in);
	after = harness_whereis(&in, "kept");
	cr_assert_gt(after, 0);
	cr_assert_neq(after, before);
}
