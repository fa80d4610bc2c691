/*
 * test-logs.c — children's logs with the real supd: a rotation that cannot
 * happen never stalls it, log_dir others may write is refused, `supctl
 * logs` only for names supd had, and what a failure leaves for the user
 * (the exit line, the root's last words, status and inspect).
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* supctl ARGS, killed after 5 s: 124 when supd did not answer in time. */
static int
supctl_in_time(struct supd_inst *in, char **out, const char *a1,
    const char *a2, const char *a3)
{
	char	*argv[] = { "/usr/bin/timeout", (char *)harness_secs(5), (char *)harness_supctl_bin,
	    "-s", in->sock, (char *)a1, (char *)a2, (char *)a3, NULL };

	return (harness_run(out, NULL, argv));
}

static json_t *
supctl_json(struct supd_inst *in, const char *cmd, const char *name)
{
	json_t		*j;
	json_error_t	 e;
	char		*out;

	cr_assert_eq(supctl_in_time(in, &out, "--json", cmd, name), 0);
	j = json_loads(out, 0, &e);
	cr_assert_not_null(j, "%s: %s", e.text, out);
	free(out);
	return (j);
}

Test(logs, a_rotation_that_cannot_happen_never_stalls_supd)
{
	struct supd_inst in;
	char		 path[600], *log;
	int		 i;

	harness_init(&in,
	    "[supd]\nlog_max_bytes = 1000\nlog_backups = 1\n"
	    "[supervisor:root]\n"
	    "[worker:talk]\nparent = root\n"
	    "command = /bin/sh -c 'while :; do echo line "
	    "..........................................; done'\n");
	/* a directory in the way of talk.log.1: every rename fails */
	snprintf(path, sizeof path, "%s/log", in.dir);
	cr_assert_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof path, "%s/log/talk.log.1", in.dir);
	cr_assert_eq(mkdir(path, 0750), 0);
	harness_start(&in);
	for (i = 0; i < 5; i++) {
		harness_sleep_ms(100);
		cr_assert_eq(supctl_in_time(&in, NULL, "status", NULL, NULL), 0,
		    "supd did not answer");
	}
	kill(in.pid, SIGTERM);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0, "SIGTERM was not heard");
	log = harness_read(&in, "supd.log");
	cr_assert_eq(harness_count(log, "cannot rotate"), 1, "%s", log);
	cr_assert_not_null(strstr(log, "truncated it instead"), "%s", log);
	cr_assert_lt(strlen(log), 16384, "supd wrote %zu bytes of its own log",
	    strlen(log));
	free(log);
	harness_stop(&in);
}

Test(logs, a_log_dir_others_may_write_is_refused_at_start)
{
	struct supd_inst in;
	char		 path[600], want[700];

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 600\n");
	snprintf(path, sizeof path, "%s/log", in.dir);
	cr_assert_eq(mkdir(path, 0750), 0);
	cr_assert_eq(chmod(path, 0777), 0);
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_exit(&in, 10000), 1);
	snprintf(want, sizeof want, "supd: log_dir %s: writable by others "
	    "(mode 0777)", path);
	cr_assert(harness_wait_log(&in, want, 0), "no \"%s\"", want);
	snprintf(want, sizeof want, "chmod go-w %s, or choose another log_dir",
	    path);
	cr_assert(harness_wait_log(&in, want, 0), "no \"%s\"", want);
	cr_assert(harness_wait_log(&in, "nothing started", 0));
	cr_assert_eq(harness_tagged_alive(&in), 0);
	harness_stop(&in);
}

Test(logs, supd_makes_log_dir_private)
{
	struct supd_inst in;
	char		 path[600];
	struct stat	 st;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sh -c 'echo hi; "
	    "exec sleep 600'\n");
	harness_start(&in);
	cr_assert_eq(harness_wait_lines(&in, "log/w.log", 1, 5000), 1);
	snprintf(path, sizeof path, "%s/log", in.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0027, 0, "log_dir mode %o", st.st_mode & 0777);
	snprintf(path, sizeof path, "%s/log/w.log", in.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0137, 0, "log mode %o", st.st_mode & 0777);
	harness_stop(&in);
}

Test(logs, logs_answer_only_for_names_supd_had)
{
	struct supd_inst in;
	char		 path[600], *out;
	FILE		*f;

	harness_init(&in, "[supervisor:root]\n"
	    "[dynamic:tasks]\nparent = root\nrestart = temporary\n"
	    "command = /bin/sh -c 'echo task output'\n");
	harness_start(&in);
	/* a file supd never wrote, under a name it never had */
	snprintf(path, sizeof path, "%s/log/ghost.log", in.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("not for you\n", f);
	fclose(f);
	cr_assert_eq(harness_supctl(&in, &out, "logs", "ghost", NULL), 1);
	cr_assert_null(strstr(out, "not for you"), "%s", out);
	free(out);
	/* a task that has come and gone: its name was had */
	cr_assert_eq(harness_supctl(&in, NULL, "run", "tasks", "--name", "t1",
	    "--wait", NULL), 0);
	cr_assert_eq(harness_supctl(&in, &out, "logs", "t1", NULL), 0);
	cr_assert_str_eq(out, "task output\n");
	free(out);
	harness_stop(&in);
}

Test(logs, the_root_giving_up_names_the_child_its_exit_and_its_log)
{
	struct supd_inst in;
	char		 want[1200];

	harness_init(&in,
	    "[supervisor:root]\nmax_restarts = 1\nmax_seconds = 60\n"
	    "[worker:crash]\nparent = root\n"
	    "command = /bin/sh -c 'echo starting; "
	    "echo \"fatal: port 8080 in use\" >&2; exit 3'\n");
	harness_start_nowait(&in);
	cr_assert_eq(harness_wait_exit(&in, 10000), 3);
	snprintf(want, sizeof want, " code 3; log %s/log/crash.log; last "
	    "output: \"fatal: port 8080 in use\"", in.dir);
	cr_assert(harness_wait_log(&in, want, 0), "no exit line \"%s\"", want);
	snprintf(want, sizeof want, "giving up: root: more than 1 restarts in "
	    "60 s (last: crash); crash failed 2 times, the last: code 3; log "
	    "%s/log/crash.log; last output: \"fatal: port 8080 in use\"\n",
	    in.dir);
	cr_assert(harness_wait_log(&in, want, 0), "no final line \"%s\"", want);
	harness_stop(&in);
}

Test(logs, status_shows_the_last_exit_and_inspect_the_last_lines)
{
	struct supd_inst in;
	json_t		*j, *row, *lines;
	char		*out;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:once]\nparent = root\n"
	    "command = /bin/sh -c 'if [ -e @DIR@/once ]; then exec sleep 600; "
	    "fi; : > @DIR@/once; echo first; echo \"bye: bad input\" >&2; "
	    "exit 3'\n"
	    "[worker:calm]\nparent = root\ncommand = /bin/sleep 600\n");
	harness_start(&in);
	cr_assert(harness_wait_log(&in, "restart once", 5000));
	j = supctl_json(&in, "status", "once");
	row = json_array_get(j, 0);
	cr_assert_str_eq(json_string_value(json_object_get(row, "last_exit")),
	    "code 3");
	json_decref(j);
	j = supctl_json(&in, "status", "calm");
	row = json_array_get(j, 0);
	cr_assert(json_is_null(json_object_get(row, "last_exit")));
	json_decref(j);
	cr_assert_eq(supctl_in_time(&in, &out, "status", "once", NULL), 0);
	cr_assert_not_null(strstr(out, "LAST EXIT"), "%s", out);
	cr_assert_not_null(strstr(out, "  code 3\n"), "%s", out);
	free(out);
	j = supctl_json(&in, "inspect", "once");
	lines = json_object_get(j, "last_output");
	cr_assert_eq(json_array_size(lines), 2);
	cr_assert_str_eq(json_string_value(json_array_get(lines, 0)), "first");
	cr_assert_str_eq(json_string_value(json_array_get(lines, 1)),
	    "bye: bad input");
	json_decref(j);
	harness_stop(&in);
}
