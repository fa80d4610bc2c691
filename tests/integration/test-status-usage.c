/*
 * test-status-usage.c — Status reads CPU and memory only when asked: what
 * `supctl status --json` sends and shows with and without --usage, that a
 * Status without usage reads no file of other processes (counted by
 * supd's read calls in /proc/PID/io), and that Status stays answered, with
 * every row, while hundreds of children crash-loop.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static json_t *
rows_of(struct supd_inst *in, const char *usage)
{
	json_t	*rows;
	char	*out;

	cr_assert_eq(harness_supctl(in, &out, "--json", "status", usage, NULL),
	    0, "%s", out);
	cr_assert_not_null(rows = json_loads(out, 0, NULL), "%s", out);
	cr_assert(json_is_array(rows), "%s", out);
	free(out);
	return (rows);
}

static json_t *
row_named(json_t *rows, const char *name)
{
	json_t	*c = harness_row(rows, name);

	cr_assert_not_null(c, "no row %s", name);
	return (c);
}

/* supd's read(2) calls so far, all threads (/proc/PID/io syscr). */
static long long
reads_of(pid_t pid)
{
	char		 path[64], line[128];
	long long	 n = -1;
	FILE		*fp;

	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	cr_assert_not_null(fp = fopen(path, "r"), "%s", path);
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "syscr: %lld", &n) == 1)
			break;
	fclose(fp);
	cr_assert_geq(n, 0);
	return (n);
}

Test(status_usage, json_has_cpu_and_memory_only_with_usage)
{
	struct supd_inst in;
	json_t		*rows, *c;
	char		*out;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 1000\n");
	harness_start(&in);
	rows = rows_of(&in, NULL);
	c = row_named(rows, "w");
	cr_expect(json_is_integer(json_object_get(c, "pid")));
	cr_expect_null(json_object_get(c, "cpu_ms"), "not asked, not sent");
	cr_expect_null(json_object_get(c, "rss_bytes"));
	cr_expect_null(json_object_get(row_named(rows, "root"), "cpu_ms"));
	json_decref(rows);

	rows = rows_of(&in, "--usage");
	c = row_named(rows, "w");
	cr_expect(json_is_integer(json_object_get(c, "cpu_ms")));
	cr_expect_gt(json_integer_value(json_object_get(c, "rss_bytes")), 0);
	/* asked, but no process: null */
	c = row_named(rows, "root");
	cr_expect(json_is_null(json_object_get(c, "cpu_ms")));
	cr_expect(json_is_null(json_object_get(c, "rss_bytes")));
	json_decref(rows);

	/* the table asks: the worker's RSS is a size, not "-" */
	cr_assert_eq(harness_supctl(&in, &out, "status", "w", NULL), 0);
	cr_expect(strstr(out, "K  ") != NULL || strstr(out, "M  ") != NULL,
	    "%s", out);
	free(out);
	harness_stop(&in);
}

/*
 * Wait until n workers run: a boot still going on (memcheck's is slow)
 * would count its own reads (spawn.c's report pipe under memcheck).
 */
static void
wait_running(struct supd_inst *in, int n)
{
	json_t	*rows, *pid;
	size_t	 i;
	int	 waited, up = 0;

	for (waited = 0; waited <= harness_ms(5000); waited += 50) {
		rows = rows_of(in, NULL);
		up = 0;
		for (i = 0; i < json_array_size(rows); i++) {
			pid = json_object_get(json_array_get(rows, i), "pid");
			if (json_is_integer(pid) && json_integer_value(pid) > 0)
				up++;
		}
		json_decref(rows);
		if (up >= n)
			return;
		harness_sleep_ms(50);
	}
	cr_assert_fail("%d of %d workers run", up, n);
}

Test(status_usage, without_usage_status_reads_no_process_files)
{
	struct supd_inst in;
	json_t		*rows;
	char		 ini[16384];
	long long	 before, plain, asked;
	size_t		 len;
	int		 i;

	len = (size_t)snprintf(ini, sizeof ini, "[supervisor:root]\n");
	for (i = 0; i < 60; i++)
		len += (size_t)snprintf(ini + len, sizeof ini - len,
		    "[worker:w%d]\nparent = root\ncommand = /bin/sleep 1000\n"
		    "stdout = null\nstderr = null\n", i);
	harness_init(&in, ini);
	harness_start(&in);
	wait_running(&in, 60);
	json_decref(rows_of(&in, NULL));	/* the first call's own set-up */

	before = reads_of(in.pid);
	rows = rows_of(&in, NULL);
	plain = reads_of(in.pid) - before;
	cr_assert_eq(json_array_size(rows), 61);
	json_decref(rows);

	before = reads_of(in.pid);
	json_decref(rows_of(&in, "--usage"));
	asked = reads_of(in.pid) - before;

	/*
	 * The call itself is a few reads (22 under memcheck); usage is one
	 * file or more a child.
	 */
	cr_expect_lt(plain, 30, "%lld reads for a Status without usage", plain);
	cr_expect_geq(asked, 60, "%lld reads for a Status with usage", asked);
	harness_stop(&in);
}

static long long
restarts_sum(json_t *rows)
{
	long long	 sum = 0;
	json_t		*c;
	size_t		 i;

	json_array_foreach(rows, i, c)
		sum += json_integer_value(json_object_get(c, "restarts"));
	return (sum);
}

Test(status_usage, status_is_answered_during_a_crash_storm)
{
	struct supd_inst in;
	json_t		*rows;
	char		*ini;
	size_t		 len, cap = 200 * 160;
	long long	 first = -1, last = -1;
	int		 i;

	ini = malloc(cap);
	len = (size_t)snprintf(ini, cap, "[supervisor:root]\n");
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(ini + len, cap - len,
		    "[supervisor:c%d]\nparent = root\nmax_restarts = 1000000\n"
		    "max_seconds = 1\n[worker:f%d]\nparent = c%d\n"
		    "command = /bin/false\nstdout = null\nstderr = null\n",
		    i, i, i);
	harness_init(&in, ini);
	free(ini);
	harness_start(&in);
	/* every call answered with every row while all of them crash-loop */
	for (i = 0; i < 10; i++) {
		rows = harness_status_rows(&in);
		cr_assert_eq(json_array_size(rows), 401, "call %d: %zu rows", i,
		    json_array_size(rows));
		if (first < 0)
			first = restarts_sum(rows);
		last = restarts_sum(rows);
		json_decref(rows);
		json_decref(rows_of(&in, "--usage"));
	}
	cr_expect_gt(last, first, "the storm went on: %lld then %lld restarts",
	    first, last);
	cr_expect_eq(harness_wait_exit(&in, 0), -1, "supd is still running");
	harness_stop(&in);
}

/* The next NUL-terminated message from fd, read a little at a time. */
static char *
read_message(int fd)
{
	size_t	 len = 0, cap = 4096;
	char	*buf = malloc(cap);
	ssize_t	 n;

	for (;;) {
		if (len == cap)
			buf = realloc(buf, cap *= 2);
		/* a byte at a time, after a pause: the rest waits in supd */
		n = read(fd, buf + len, 1);
		cr_assert_eq(n, 1, "the reply ended after %zu bytes", len);
		if (buf[len++] == '\0')
			return (buf);
		if (len == 1)
			harness_sleep_ms(200);
	}
}

/* rows: root, then w0 .. w(n-1) in order. */
static void
expect_root_and_w(json_t *rows, int n)
{
	char	name[32];
	int	i;

	cr_assert_eq(json_array_size(rows), (size_t)n + 1);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "w%d", i);
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(rows, (size_t)i + 1), "name")), name);
	}
}

/*
 * A Status larger than the socket takes, to a slow reader: whole, in
 * order, and before the reply of the call pipelined behind it.
 */
Test(status_usage, a_large_status_to_a_slow_reader_arrives_whole_and_in_order)
{
	static const char calls[] =
	    "{\"method\":\"io.supd.Supervisor.Status\",\"parameters\":{}}\0"
	    "{\"method\":\"org.varlink.service.GetInfo\",\"parameters\":{}}";
	struct supd_inst in;
	json_t		*r, *rows;
	char		*ini, *msg;
	size_t		 len, cap = 1000 * 64;
	int		 fd, rcvbuf = 4096, i;

	ini = malloc(cap);
	len = (size_t)snprintf(ini, cap, "[supervisor:root]\n");
	/* not started: rows without processes, 1,000 of them ~190 KB */
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(ini + len, cap - len,
		    "[worker:w%d]\nparent = root\nautostart = no\n"
		    "command = /bin/true\n", i);
	harness_init(&in, ini);
	free(ini);
	harness_start(&in);
	cr_assert_geq(fd = harness_connect(in.sock), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	cr_assert_eq(write(fd, calls, sizeof calls), (ssize_t)sizeof calls);
	msg = read_message(fd);
	cr_assert_not_null(r = json_loads(msg, 0, NULL), "not JSON: %.200s",
	    msg);
	free(msg);
	expect_root_and_w(json_object_get(json_object_get(r, "parameters"),
	    "children"), 1000);
	json_decref(r);
	msg = read_message(fd);
	cr_assert_not_null(strstr(msg, "\"vendor\""), "%s", msg);
	free(msg);
	close(fd);
	/* and supctl's pass-through of it, scanned as it arrives */
	rows = rows_of(&in, NULL);
	expect_root_and_w(rows, 1000);
	json_decref(rows);
	harness_stop(&in);
}
