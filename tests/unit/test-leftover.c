/*
 * test-leftover.c — the readers of what the last run left in /proc: a
 * /proc/PID/stat line (state, process group, start time) and an environ
 * image (the mark of a supd's children), good and bad.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leftover.h"

static int
parse(const char *text, char *state, pid_t *pgid, uint64_t *st)
{
	return (leftover_parse_stat(text, strlen(text), state, pgid, st));
}

Test(stat, a_real_line_gives_state_group_and_start_time)
{
	char		 state = 0;
	pid_t		 pg = 0;
	uint64_t	 st = 0;

	cr_assert_eq(parse("1234 (sleep) S 1 1234 1234 0 -1 4194560 100 0 0 0 "
	    "0 0 0 0 20 0 1 0 987654 8192 100\n", &state, &pg, &st), 0);
	cr_assert_eq(state, 'S');
	cr_assert_eq(pg, 1234);
	cr_assert_eq(st, 987654);
}

Test(stat, a_command_with_spaces_and_parentheses_is_skipped_whole)
{
	char		 state = 0;
	pid_t		 pg = 0;
	uint64_t	 st = 0;

	cr_assert_eq(parse("7 (a) b (c) R 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 "
	    "0 5 0 0", &state, &pg, &st), 0);
	cr_assert_eq(state, 'R');
	cr_assert_eq(pg, 42);
	cr_assert_eq(st, 5);
}

Test(stat, bad_lines_are_refused)
{
	static const char *const bad[] = {
		"",
		"1234",
		"1234 (sleep)",
		"1234 (sleep) S",
		"1234 (sleep)S 1 2 3",
		"1234 (sleep) S 1 x 1234 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"1234 (sleep) S 1 -7 1234 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"1234 (sleep) S 1 99999999999 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"1234 (sleep) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5x",
		"1234 (sleep) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
		"1234 (sleep) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
		    "99999999999999999999999",
		NULL
	};
	char		 state, big[2048];
	pid_t		 pg;
	uint64_t	 st;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		cr_assert_eq(parse(bad[i], &state, &pg, &st), -1,
		    "accepted \"%s\"", bad[i]);
	/* longer than any stat line: refused, not truncated */
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cr_assert_eq(parse(big, &state, &pg, &st), -1);
}

static int
env_has(const char *img, size_t len, char *name, size_t namesz)
{
	return (leftover_parse_environ(img, len, "SUPD_STATE=/s/state.db",
	    name, namesz));
}

Test(environ, the_mark_is_found_whole_and_the_name_with_it)
{
	static const char img[] = "PATH=/bin\0SUPD_NAME=web\0"
	    "SUPD_STATE=/s/state.db\0HOME=/";
	char	name[65];

	cr_assert_eq(env_has(img, sizeof img - 1, name, sizeof name), 1);
	cr_assert_str_eq(name, "web");
}

Test(environ, near_misses_are_not_the_mark)
{
	static const char a[] = "SUPD_STATE=/s/state.db.old\0";
	static const char b[] = "SUPD_STATE=/s/state.d\0";
	static const char c[] = "XSUPD_STATE=/s/state.db\0";
	static const char d[] = "";
	char	name[65];

	cr_assert_eq(env_has(a, sizeof a - 1, name, sizeof name), 0);
	cr_assert_eq(env_has(b, sizeof b - 1, name, sizeof name), 0);
	cr_assert_eq(env_has(c, sizeof c - 1, name, sizeof name), 0);
	cr_assert_eq(env_has(d, 0, name, sizeof name), 0);
	cr_assert_str_eq(name, "");
}

Test(environ, an_image_without_a_final_nul_or_with_a_long_name_is_read_safely)
{
	static const char img[] = "SUPD_STATE=/s/state.db";
	char	 name[8], *long_name;
	size_t	 n = 5000;

	cr_assert_eq(env_has(img, sizeof img - 1, name, sizeof name), 1);
	long_name = malloc(n);
	memcpy(long_name, "SUPD_NAME=", 10);
	memset(long_name + 10, 'x', n - 10);
	cr_assert_eq(env_has(long_name, n, name, sizeof name), 0);
	cr_assert_eq(strlen(name), sizeof name - 1, "name not bounded");
	free(long_name);
}

/*
 * The start time taken from the clock around a fork is /proc's: forked
 * many times, every one the clocks place in one tick matches, and most do.
 */
Test(stat, the_start_time_from_the_clock_around_a_fork_is_procs)
{
	struct timespec	 before, after;
	uint64_t	 mine, procs;
	pid_t		 pid;
	int		 i, known = 0;

	for (i = 0; i < 200; i++) {
		clock_gettime(CLOCK_BOOTTIME, &before);
		if ((pid = fork()) == 0) {
			pause();
			_exit(0);
		}
		clock_gettime(CLOCK_BOOTTIME, &after);
		cr_assert_gt(pid, 0);
		cr_assert_eq(leftover_starttime(pid, &procs), 0);
		if (leftover_starttime_between(&before, &after, &mine) == 0) {
			cr_assert_eq(mine, procs, "fork %d: %llu from the clock, "
			    "%llu in /proc", i, (unsigned long long)mine,
			    (unsigned long long)procs);
			known++;
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	cr_assert_gt(known, 100, "only %d of 200 forks in one tick", known);
}

Test(stat, readings_in_two_ticks_give_no_start_time)
{
	struct timespec	 before = { 100, 999999999 }, after = { 101, 0 };
	uint64_t	 st = 7;

	cr_assert_eq(leftover_starttime_between(&before, &after, &st), -1);
	cr_assert_eq(st, 7);
	after = before;
	cr_assert_eq(leftover_starttime_between(&before, &after, &st), 0);
	cr_assert_eq(st, 100 * (uint64_t)sysconf(_SC_CLK_TCK) +
	    (uint64_t)sysconf(_SC_CLK_TCK) - 1);
}
