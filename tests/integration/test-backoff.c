/*
 * test-backoff.c — restart_delay end to end: a child that crashes at once
 * is started again after 200, 400, 800 ms (its own start times, written by
 * the child, say so); while it waits `supctl status` shows backoff, and
 * `supctl start` starts it at once, `supctl stop` keeps it stopped.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Writes its start time (ns, monotonic enough at this scale) and fails. */
#define CRASHER(delay, max) \
	"[supervisor:root]\nmax_restarts = 100\nmax_seconds = 60\n" \
	"[worker:crash]\nparent = root\n" \
	"restart_delay = " delay "\nrestart_delay_max = " max "\n" \
	"command = /bin/sh -c 'date +%s%N >> @DIR@/starts; exit 1'\n"

static struct supd_inst	in;

static void
fini(void)
{
	harness_stop(&in);
}

TestSuite(backoff, .fini = fini, .timeout = 60);

/* The start times the child wrote, in ms; how many. */
static int
starts(long long *at, int max)
{
	char	*text = harness_read(&in, "starts"), *line, *save = NULL;
	int	 n = 0;

	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL;
	    line != NULL && n < max; line = strtok_r(NULL, "\n", &save))
		at[n++] = atoll(line) / 1000000;
	free(text);
	return (n);
}

Test(backoff, the_gaps_between_starts_double_up_to_the_cap)
{
	long long	at[8], gap[4];
	int		i;

	harness_init(&in, CRASHER("200", "800"));
	harness_start(&in);
	cr_assert_geq(harness_wait_lines(&in, "starts", 5, 10000), 5);
	cr_assert_eq(starts(at, 5), 5);
	for (i = 0; i < 4; i++)
		gap[i] = at[i + 1] - at[i];
	cr_log_info("gaps %lld %lld %lld %lld ms", gap[0], gap[1], gap[2], gap[3]);
	cr_assert_geq(gap[0], 190, "first gap %lld ms", gap[0]);
	cr_assert_geq(gap[1], 390, "second gap %lld ms", gap[1]);
	cr_assert_geq(gap[2], 790, "third gap %lld ms", gap[2]);
	cr_assert_geq(gap[3], 790, "fourth gap %lld ms (the cap)", gap[3]);
	/* doubling, not merely long: each gap well below the next one's double */
	if (harness_skip_valgrind("the gaps' upper bounds (memcheck's own "
	    "time is in each gap)"))
		return;
	cr_assert_lt(gap[0], 390, "first gap %lld ms", gap[0]);
	cr_assert_lt(gap[1], 790, "second gap %lld ms", gap[1]);
	cr_assert_lt(gap[3], 1590, "the cap is 800 ms, gap %lld ms", gap[3]);
}

Test(backoff, status_shows_backoff_and_start_starts_at_once)
{
	char	*out = NULL;

	harness_init(&in, CRASHER("30000", "60000"));
	harness_start(&in);
	cr_assert_geq(harness_wait_lines(&in, "starts", 1, 5000), 1);
	cr_assert(harness_wait_log(&in, "backoff: crash restarts in 30000 ms", 5000));
	cr_assert_eq(harness_supctl(&in, &out, "status", "crash", NULL), 0);
	cr_assert(strstr(out, "backoff 30s") != NULL ||
	    strstr(out, "backoff 29s") != NULL, "status says: %s", out);
	free(out);
	cr_assert_eq(harness_supctl(&in, &out, "--json", "status", "crash", NULL), 0);
	cr_assert(strstr(out, "\"backoff_ms\"") != NULL, "status --json says: %s", out);
	cr_assert(strstr(out, "\"backoff_ms\": null") == NULL, "status --json says: %s", out);
	free(out);
	cr_assert_eq(harness_supctl(&in, NULL, "start", "crash", NULL), 0);
	cr_assert_geq(harness_wait_lines(&in, "starts", 2, 3000), 2,
	    "supctl start did not start it at once");
}

Test(backoff, stop_during_backoff_keeps_it_stopped)
{
	char		*out = NULL;
	long long	 at[4];

	harness_init(&in, CRASHER("1000", "1000"));
	harness_start(&in);
	cr_assert_geq(harness_wait_lines(&in, "starts", 1, 5000), 1);
	cr_assert(harness_wait_log(&in, "backoff: crash restarts in 1000 ms", 5000));
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "crash", NULL), 0);
	harness_sleep_ms(1800);
	cr_assert_eq(starts(at, 4), 1, "started again after supctl stop");
	cr_assert_eq(harness_supctl(&in, &out, "status", "crash", NULL), 0);
	cr_assert(strstr(out, "stopped") != NULL, "status says: %s", out);
	free(out);
}

Test(backoff, a_reexec_carries_the_pending_delay)
{
	long long	at[4];
	char		*out = NULL;

	harness_init(&in, CRASHER("1500", "1500"));
	harness_start(&in);
	cr_assert_geq(harness_wait_lines(&in, "starts", 1, 5000), 1);
	cr_assert(harness_wait_log(&in, "backoff: crash restarts in 1500 ms", 5000));
	cr_assert_eq(harness_supctl(&in, &out, "reexec", NULL), 0, "reexec: %s", out);
	free(out);
	cr_assert_eq(harness_supctl(&in, &out, "status", "crash", NULL), 0);
	cr_assert(strstr(out, "backoff") != NULL, "after the reexec: %s", out);
	free(out);
	cr_assert_geq(harness_wait_lines(&in, "starts", 2, 5000), 2);
	cr_assert_eq(starts(at, 2), 2);
	cr_assert_geq(at[1] - at[0], 1490, "restarted %lld ms later", at[1] - at[0]);
	cr_assert_lt(at[1] - at[0], 3000, "restarted %lld ms later", at[1] - at[0]);
}
