/*
 * test-resources.c — what a child gets of the resource keys and what supd
 * reads of it: limit_*, nice and oom_score_adjust as the child sees them in
 * /proc, a limit it may not raise as a start failure with its reason, CPU
 * and memory in status, and memory_restart restarting a child that grew.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* The soft and hard columns of one line of /proc/PID/limits. */
static void
limits_of(const char *text, const char *label, char *soft, char *hard)
{
	const char	*p = strstr(text, label);

	cr_assert_not_null(p, "no \"%s\" in:\n%s", label, text);
	cr_assert_eq(sscanf(p + strlen(label), " %31s %31s", soft, hard), 2);
}

static void
expect_limit(const char *text, const char *label, const char *soft,
    const char *hard)
{
	char	s[32], h[32];

	limits_of(text, label, s, h);
	cr_expect_str_eq(s, soft, "%s soft", label);
	cr_expect_str_eq(h, hard, "%s hard", label);
}

static char *
read_trimmed(struct supd_inst *in, const char *file)
{
	char	*s = harness_read(in, file);

	cr_assert_not_null(s, "no %s", file);
	s[strcspn(s, "\n")] = '\0';
	return (s);
}

Test(resources, the_child_has_its_limits_nice_and_oom_score)
{
	struct supd_inst in;
	char		*limits, *s, ini[1024];
	/* memcheck keeps the fd limits for itself: it refuses a child's setrlimit */
	int		 nofile = !harness_skip_valgrind("limit_nofile");

	snprintf(ini, sizeof ini,
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncwd = @DIR@\n"
	    "%slimit_nproc = 500:1000\n"
	    "limit_core = 0\nlimit_stack = 4M\nlimit_as = infinity\n"
	    "nice = 5\noom_score_adjust = 300\n"
	    "command = /bin/sh -c 'cat /proc/self/limits > limits; "
	    "cat /proc/self/oom_score_adj > oom; "
	    "read -r s < /proc/self/stat; set -- $s; echo ${19} > nice; "
	    "echo ok > done; exec sleep 1000'\n",
	    nofile ? "limit_nofile = 1234:5678\n" : "");
	harness_init(&in, ini);
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "done", 1, 5000), 1);
	limits = harness_read(&in, "limits");
	cr_assert_not_null(limits);
	if (nofile)
		expect_limit(limits, "Max open files", "1234", "5678");
	expect_limit(limits, "Max processes", "500", "1000");
	expect_limit(limits, "Max core file size", "0", "0");
	/* memcheck keeps a child's stack limit for itself: exec never sees it */
	if (!harness_skip_valgrind("limit_stack"))
		expect_limit(limits, "Max stack size", "4194304", "4194304");
	expect_limit(limits, "Max address space", "unlimited", "unlimited");
	free(limits);
	s = read_trimmed(&in, "oom");
	cr_expect_str_eq(s, "300");
	free(s);
	s = read_trimmed(&in, "nice");
	cr_expect_str_eq(s, "5");
	free(s);
	harness_stop(&in);
}

/* With none of the keys, the child has supd's own (OTP's defaults stay). */
Test(resources, without_the_keys_the_child_keeps_supds)
{
	struct supd_inst in;
	char		*s;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncwd = @DIR@\n"
	    "command = /bin/sh -c 'cat /proc/self/oom_score_adj > oom; "
	    "read -r s < /proc/self/stat; set -- $s; echo ${19} > nice; "
	    "echo ok > done; exec sleep 1000'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "done", 1, 5000), 1);
	s = read_trimmed(&in, "oom");
	cr_expect_str_eq(s, "0");
	free(s);
	s = read_trimmed(&in, "nice");
	cr_expect_str_eq(s, "0");
	free(s);
	harness_stop(&in);
}

/* Above fs.nr_open (and any unprivileged hard limit): refused by the kernel. */
Test(resources, a_limit_it_may_not_raise_is_a_start_failure)
{
	struct supd_inst in;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\nlimit_nofile = 999999999\n"
	    "command = /bin/sleep 1000\n");
	harness_start_nowait(&in);
	if (harness_skip_valgrind("exit 1 naming the limit (memcheck runs vfork "
	    "as fork: the child's failure is an exit of it)")) {
		cr_assert_geq(harness_wait_exit(&in, 10000), 0);
		harness_stop(&in);
		return;
	}
	cr_assert_eq(harness_wait_exit(&in, 10000), 1);
	cr_expect(harness_wait_log(&in, "cannot start: w failed to start: "
	    "limit_nofile 999999999: Operation not permitted", 0),
	    "the log does not name the limit and the reason");
	harness_stop(&in);
}

Test(resources, a_dynamic_template_gives_its_children_the_keys)
{
	struct supd_inst in;
	char		*s, ini[512];

	snprintf(ini, sizeof ini,
	    "[supervisor:root]\n"
	    "[dynamic:jobs]\nparent = root\ncwd = @DIR@\nnice = 7\n%s"
	    "command = /bin/sh -c 'read -r s < /proc/self/stat; set -- $s; "
	    "echo ${19} > nice; exec sleep 1000'\n",
	    /* memcheck refuses a child's setrlimit of its fds */
	    harness_valgrind() ? "" : "limit_nofile = 321\n");
	harness_init(&in, ini);
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "j1", NULL), 0);
	cr_assert_eq(harness_wait_lines(&in, "nice", 1, 5000), 1);
	s = read_trimmed(&in, "nice");
	cr_expect_str_eq(s, "7");
	free(s);
	harness_stop(&in);
}

/* The Child of `supctl --json status NAME`. */
static json_t *
status_of(struct supd_inst *in, const char *name)
{
	json_t	*rows, *c;
	char	*out;

	cr_assert_eq(harness_supctl(in, &out, "--json", "status", "--usage",
	    name, NULL), 0);
	cr_assert_not_null(rows = json_loads(out, 0, NULL), "%s", out);
	free(out);
	c = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	cr_assert_not_null(c);
	return (c);
}

Test(resources, status_shows_cpu_and_memory_of_a_running_child)
{
	struct supd_inst in;
	json_t		*c;
	char		*out;
	long long	 cpu1, cpu2;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:busy]\nparent = root\n"
	    "command = /bin/sh -c 'while :; do :; done'\n"
	    "[worker:idle]\nparent = root\nrestart = transient\n"
	    "command = /bin/true\n");
	harness_start(&in);
	harness_sleep_ms(500);
	c = status_of(&in, "busy");
	cr_assert(json_is_integer(json_object_get(c, "cpu_ms")));
	cpu1 = json_integer_value(json_object_get(c, "cpu_ms"));
	cr_expect_gt(json_integer_value(json_object_get(c, "rss_bytes")), 0);
	json_decref(c);
	harness_sleep_ms(1000);
	c = status_of(&in, "busy");
	cpu2 = json_integer_value(json_object_get(c, "cpu_ms"));
	cr_expect_gt(cpu2, cpu1 + 200, "cpu_ms grows: %lld then %lld", cpu1,
	    cpu2);
	json_decref(c);
	/* no process, no numbers */
	c = status_of(&in, "root");
	cr_expect(json_is_null(json_object_get(c, "cpu_ms")));
	cr_expect(json_is_null(json_object_get(c, "rss_bytes")));
	json_decref(c);
	c = status_of(&in, "idle");
	cr_expect(json_is_null(json_object_get(c, "cpu_ms")));
	json_decref(c);
	/* people see CPU% and RSS */
	cr_assert_eq(harness_supctl(&in, &out, "status", NULL), 0);
	cr_expect_not_null(strstr(out, "CPU%"), "%s", out);
	cr_expect_not_null(strstr(out, "RSS"), "%s", out);
	free(out);
	/* and Prometheus: the busy child's counter, none for a stopped one */
	cr_assert_eq(harness_supctl(&in, &out, "metrics", NULL), 0);
	cr_expect_not_null(strstr(out,
	    "supd_child_cpu_seconds_total{name=\"busy\"} "), "%s", out);
	cr_expect_not_null(strstr(out,
	    "supd_child_resident_bytes{name=\"busy\"} "), "%s", out);
	cr_expect_null(strstr(out,
	    "supd_child_cpu_seconds_total{name=\"idle\"}"), "%s", out);
	free(out);
	harness_stop(&in);
}

Test(resources, memory_restart_restarts_a_child_that_grew_and_counts_it)
{
	struct supd_inst in;
	json_t		*c;
	char		*out;
	int		 i;

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 100\nmax_seconds = 60\n"
	    "[worker:big]\nparent = root\nmemory_restart = 50M\n"
	    "command = python3 -c 'b = b\"x\" * (200 << 20); "
	    "import time; time.sleep(600)'\n");
	harness_start(&in);
	cr_assert(harness_wait_log(&in, "memory_restart: ", 10000),
	    "no memory_restart in the log");
	cr_expect(harness_wait_log(&in, "> 50 MiB", 0));
	for (i = 0; i < 100 * harness_scale(); i++) {
		c = status_of(&in, "big");
		if (json_integer_value(json_object_get(c, "restarts")) >= 1)
			break;
		json_decref(c);
		c = NULL;
		harness_sleep_ms(100);
	}
	cr_assert_not_null(c, "never restarted");
	cr_expect_not_null(strstr(json_string_value(json_object_get(c,
	    "last_exit")), "memory_restart: "), "%s",
	    json_string_value(json_object_get(c, "last_exit")));
	json_decref(c);
	cr_assert_eq(harness_supctl(&in, &out, "--json", "events", "big", NULL),
	    0);
	cr_expect_not_null(strstr(out, "\"reason\":\"memory_restart: "), "%s",
	    out);
	cr_expect_not_null(strstr(out, "\"normal\":false"), "%s", out);
	free(out);
	harness_stop(&in);
}

/* A child below its bound runs on. */
Test(resources, memory_restart_leaves_a_small_child_alone)
{
	struct supd_inst in;
	json_t		*c;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:small]\nparent = root\nmemory_restart = 500M\n"
	    "command = /bin/sleep 1000\n");
	harness_start(&in);
	harness_sleep_ms(2500);
	c = status_of(&in, "small");
	cr_expect_eq(json_integer_value(json_object_get(c, "restarts")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(c, "state")),
	    "running");
	json_decref(c);
	harness_stop(&in);
}
