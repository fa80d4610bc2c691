/*
 * test-reload.c — `supctl reload` and SIGHUP on a running tree: added,
 * removed, changed and unchanged children (pids compared), an invalid file
 * that changes nothing, a strategy changed in place, a dynamic
 * supervisor's template and its removal (rows deleted), settings that need
 * a restart, --check.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SLEEPER(n)	"command = /bin/sleep " n "\n"

/* Write dir/supd.ini again (@DIR@ replaced), as an administrator would. */
static void
rewrite(struct supd_inst *in, const char *ini)
{
	const char	*p;
	FILE		*f;

	cr_assert_not_null(f = fopen(in->conf, "w"));
	for (p = ini; *p != '\0'; p++) {
		if (strncmp(p, "@DIR@", 5) == 0) {
			fputs(in->dir, f);
			p += 4;
		} else
			fputc(*p, f);
	}
	fclose(f);
}


/* The names of `supctl status`, in its order, one per line. */
static char *
status_names(struct supd_inst *in)
{
	char	*out = NULL, *line, *save = NULL, *names;
	size_t	 len = 0;

	cr_assert_eq(harness_supctl(in, &out, "status", (char *)NULL), 0);
	names = calloc(1, strlen(out) + 1);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "NAME", 4) == 0)
			continue;
		len += sprintf(names + len, "%.*s ", (int)strcspn(line, " "), line);
	}
	free(out);
	return (names);
}

Test(reload, adds_removes_restarts_changed_and_leaves_the_rest)
{
	struct supd_inst in;
	pid_t	 a, b, c, c2, d;
	char	*out = NULL, *names;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000")
	    "[worker:b]\nparent = root\n" SLEEPER("1001")
	    "[worker:c]\nparent = root\n" SLEEPER("1002"));
	harness_start(&in);
	cr_assert_gt(a = harness_whereis(&in, "a"), 0);
	cr_assert_gt(b = harness_whereis(&in, "b"), 0);
	cr_assert_gt(c = harness_whereis(&in, "c"), 0);

	rewrite(&in,
	    "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000")
	    "[worker:d]\nparent = root\n" SLEEPER("1003")
	    "[worker:c]\nparent = root\nenv = X=1\n" SLEEPER("1002"));
	cr_assert_eq(harness_supctl(&in, &out, "reload", (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "- b "), "%s", out);
	cr_expect_not_null(strstr(out, "+ d "), "%s", out);
	cr_expect_not_null(strstr(out, "~ c "), "%s", out);
	cr_expect_not_null(strstr(out, "restarted: env"), "%s", out);
	cr_expect_null(strstr(out, " a "), "a is unchanged: %s", out);
	free(out);

	cr_expect_eq(harness_whereis(&in, "a"), a, "a untouched");
	cr_expect_eq(harness_whereis(&in, "b"), 0, "b forgotten");
	cr_expect(harness_pid_gone(b), "b's process stopped");
	cr_expect_gt(c2 = harness_whereis(&in, "c"), 0);
	cr_expect_neq(c2, c, "c restarted with its new spec");
	cr_expect(harness_pid_gone(c));
	cr_expect_gt(d = harness_whereis(&in, "d"), 0, "d started");
	/* the file's new order */
	names = status_names(&in);
	cr_expect_str_eq(names, "root a d c ");
	free(names);
	/* the event lists it too */
	cr_assert_eq(harness_supctl(&in, &out, "--json", "events", (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "\"event\":\"reload\""), "%s", out);
	cr_expect_not_null(strstr(out, "\"added\":[\"d\"]"), "%s", out);
	cr_expect_not_null(strstr(out, "\"removed\":[\"b\"]"), "%s", out);
	cr_expect_not_null(strstr(out, "\"changed\":[\"c\"]"), "%s", out);
	free(out);
	harness_stop(&in);
}

Test(reload, an_invalid_file_changes_nothing_and_says_where)
{
	struct supd_inst in;
	pid_t	 a, b;
	char	*out = NULL, *err = NULL;
	char	*argv[] = { (char *)harness_supctl_bin, "-s", in.sock, "reload",
		    NULL };

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000")
	    "[worker:b]\nparent = root\n" SLEEPER("1001"));
	harness_start(&in);
	cr_assert_gt(a = harness_whereis(&in, "a"), 0);
	cr_assert_gt(b = harness_whereis(&in, "b"), 0);
	rewrite(&in,
	    "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("2000")
	    "[worker:new]\nparent = root\n" SLEEPER("1")
	    "[worker:bad]\nparent = nowhere\n" SLEEPER("1"));
	argv[2] = in.sock;
	cr_expect_eq(harness_run(&out, &err, argv), 1);
	cr_expect_not_null(strstr(err, "supd.ini:9: [worker:bad] unknown parent"),
	    "%s", err);
	cr_expect_not_null(strstr(err, "nothing changed"), "%s", err);
	free(out);
	free(err);
	cr_expect_eq(harness_whereis(&in, "a"), a);
	cr_expect_eq(harness_whereis(&in, "b"), b);
	cr_expect_eq(harness_whereis(&in, "new"), 0);
	/* the root cannot be swapped under a running tree */
	rewrite(&in, "[supervisor:other]\n[worker:a]\nparent = other\n"
	    SLEEPER("1000"));
	cr_expect_eq(harness_run(&out, &err, argv), 1);
	cr_expect_not_null(strstr(err, "needs a restart of supd"), "%s", err);
	free(out);
	free(err);
	cr_expect_eq(harness_whereis(&in, "a"), a);
	cr_expect_eq(harness_whereis(&in, "b"), b);
	harness_stop(&in);
}

Test(reload, check_applies_nothing)
{
	struct supd_inst in;
	pid_t	 a;
	char	*out = NULL;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000"));
	harness_start(&in);
	cr_assert_gt(a = harness_whereis(&in, "a"), 0);
	rewrite(&in, "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("2000")
	    "[worker:b]\nparent = root\n" SLEEPER("1001"));
	cr_assert_eq(harness_supctl(&in, &out, "reload", "--check", (char *)NULL),
	    0);
	cr_expect_not_null(strstr(out, "+ b "), "%s", out);
	cr_expect_not_null(strstr(out, "~ a "), "%s", out);
	cr_expect_not_null(strstr(out, "nothing was applied"), "%s", out);
	free(out);
	cr_expect_eq(harness_whereis(&in, "a"), a);
	cr_expect_eq(harness_whereis(&in, "b"), 0);
	harness_stop(&in);
}

Test(reload, strategy_changes_in_place)
{
	struct supd_inst in;
	pid_t	 a, b, a2;
	char	*out = NULL;

	harness_init(&in,
	    "[supervisor:root]\nstrategy = one_for_one\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000")
	    "[worker:b]\nparent = root\n" SLEEPER("1001"));
	harness_start(&in);
	cr_assert_gt(a = harness_whereis(&in, "a"), 0);
	cr_assert_gt(b = harness_whereis(&in, "b"), 0);
	rewrite(&in,
	    "[supervisor:root]\nstrategy = one_for_all\nmax_restarts = 7\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000")
	    "[worker:b]\nparent = root\n" SLEEPER("1001"));
	cr_assert_eq(harness_supctl(&in, &out, "reload", (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "~ root"), "%s", out);
	cr_expect_not_null(strstr(out, "in place: strategy, max_restarts"), "%s",
	    out);
	free(out);
	cr_expect_eq(harness_whereis(&in, "a"), a, "no child restarted");
	cr_expect_eq(harness_whereis(&in, "b"), b, "no child restarted");
	/* one_for_all now: a's crash restarts b too */
	kill(a, SIGKILL);
	cr_assert_gt(a2 = harness_wait_new_pid(&in, "a", a, 5000), 0);
	cr_expect_gt(harness_wait_new_pid(&in, "b", b, 5000), 0,
	    "b restarted with a");
	cr_assert_eq(harness_supctl(&in, &out, "inspect", "root", (char *)NULL),
	    0);
	cr_expect_not_null(strstr(out, "one_for_all"), "%s", out);
	free(out);
	harness_stop(&in);
}

Test(reload, a_dynamic_template_is_used_from_the_next_start)
{
	struct supd_inst in;
	pid_t	 j;
	char	*out = NULL;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[dynamic:jobs]\nparent = root\n"
	    "command = /bin/sh -c 'echo v1 >> @DIR@/$SUPD_NAME.out; exec sleep 1000'\n");
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "j1", (char *)NULL), 0);
	cr_assert_eq(harness_wait_lines(&in, "j1.out", 1, 5000), 1);
	cr_assert_gt(j = harness_whereis(&in, "j1"), 0);
	rewrite(&in,
	    "[supervisor:root]\n"
	    "[dynamic:jobs]\nparent = root\n"
	    "command = /bin/sh -c 'echo v2 >> @DIR@/$SUPD_NAME.out; exec sleep 1000'\n");
	cr_assert_eq(harness_supctl(&in, &out, "reload", (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "template from the next start: command"),
	    "%s", out);
	free(out);
	cr_expect_eq(harness_whereis(&in, "j1"), j, "the child runs on");
	kill(j, SIGKILL);
	cr_assert_gt(harness_wait_new_pid(&in, "j1", j, 5000), 0);
	cr_assert_eq(harness_wait_lines(&in, "j1.out", 2, 5000), 2);
	out = harness_read(&in, "j1.out");
	cr_expect_str_eq(out, "v1\nv2\n");
	free(out);
	harness_stop(&in);
}

Test(reload, a_removed_dynamic_supervisor_takes_its_children_and_rows)
{
	struct supd_inst in;
	pid_t	 j1, j2, w;
	char	*out = NULL;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\n" SLEEPER("1000")
	    "[dynamic:jobs]\nparent = root\n" SLEEPER("1001"));
	harness_start(&in);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "j1", (char *)NULL), 0);
	cr_assert_eq(harness_supctl(&in, NULL, "spawn", "jobs", "j2", (char *)NULL), 0);
	cr_assert_gt(j1 = harness_whereis(&in, "j1"), 0);
	cr_assert_gt(j2 = harness_whereis(&in, "j2"), 0);
	cr_assert_gt(w = harness_whereis(&in, "w"), 0);
	cr_expect_eq(harness_db_count(&in, "SELECT count(*) FROM children"), 2);
	rewrite(&in,
	    "[supervisor:root]\n"
	    "[worker:w]\nparent = root\n" SLEEPER("1000"));
	cr_assert_eq(harness_supctl(&in, &out, "reload", (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "- jobs"), "%s", out);
	cr_expect_not_null(strstr(out, "and its 2 children"), "%s", out);
	free(out);
	cr_expect(harness_pid_gone(j1));
	cr_expect(harness_pid_gone(j2));
	cr_expect_eq(harness_whereis(&in, "j1"), 0);
	cr_expect_eq(harness_whereis(&in, "w"), w);
	/* the reply came after the commit */
	cr_expect_eq(harness_db_count(&in, "SELECT count(*) FROM children"), 0);
	harness_stop(&in);
}

Test(reload, sighup_reloads_and_settings_that_need_a_restart_are_kept)
{
	struct supd_inst in;
	pid_t	 a;
	char	*out = NULL;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000"));
	harness_start(&in);
	cr_assert_gt(a = harness_whereis(&in, "a"), 0);
	rewrite(&in, "[supd]\nhistory_max = 50\nmax_clients = 10\n"
	    "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000")
	    "[worker:b]\nparent = root\n" SLEEPER("1001"));
	kill(in.pid, SIGHUP);
	cr_assert(harness_wait_log(&in, "reload", 5000));
	cr_assert(harness_wait_log(&in, "1 added, 0 removed, 0 changed", 5000));
	cr_expect_gt(harness_whereis(&in, "b"), 0);
	cr_expect_eq(harness_whereis(&in, "a"), a);
	/* nothing more to do; the settings say what was applied */
	cr_assert_eq(harness_supctl(&in, &out, "reload", "--check", (char *)NULL),
	    0);
	cr_expect_not_null(strstr(out, "! history_max"), "%s", out);
	cr_expect_not_null(strstr(out, "kept until supd restarts"), "%s", out);
	cr_expect_null(strstr(out, "max_clients"), "applied already: %s", out);
	free(out);
	harness_stop(&in);
}

Test(reload, moved_and_retyped_children_are_replaced_and_exited_temporaries_return)
{
	struct supd_inst in;
	pid_t	 m;
	char	*out = NULL;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[supervisor:left]\nparent = root\n"
	    "[supervisor:right]\nparent = root\n"
	    "[worker:m]\nparent = left\n" SLEEPER("1000")
	    "[worker:once]\nparent = root\nrestart = temporary\n"
	    "command = /bin/sh -c 'echo ran >> @DIR@/once.out'\n");
	harness_start(&in);
	cr_assert_gt(m = harness_whereis(&in, "m"), 0);
	cr_assert_eq(harness_wait_lines(&in, "once.out", 1, 5000), 1);
	/* the temporary child exited and left the tree */
	for (int i = 0; i < 100 * harness_scale(); i++) {
		cr_assert_eq(harness_supctl(&in, &out, "status", (char *)NULL), 0);
		if (strstr(out, "once") == NULL)
			break;
		free(out);
		out = NULL;
		harness_sleep_ms(50);
	}
	free(out);
	rewrite(&in,
	    "[supervisor:root]\n"
	    "[supervisor:left]\nparent = root\n"
	    "[supervisor:right]\nparent = root\n"
	    "[worker:m]\nparent = right\n" SLEEPER("1000")
	    "[worker:once]\nparent = root\nrestart = temporary\n"
	    "command = /bin/sh -c 'echo ran >> @DIR@/once.out'\n");
	cr_assert_eq(harness_supctl(&in, &out, "reload", (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "- m "), "%s", out);
	cr_expect_not_null(strstr(out, "+ m                    worker under right"),
	    "%s", out);
	cr_expect_not_null(strstr(out, "+ once "), "%s", out);
	free(out);
	cr_expect(harness_pid_gone(m));
	cr_expect_gt(harness_wait_new_pid(&in, "m", m, 5000), 0);
	cr_assert_eq(harness_supctl(&in, &out, "--json", "status", "m",
	    (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "\"parent\":\"right\""), "%s", out);
	free(out);
	cr_expect_eq(harness_wait_lines(&in, "once.out", 2, 5000), 2,
	    "the temporary child ran again");
	harness_stop(&in);
}

Test(reload, a_second_reload_while_one_runs_is_busy)
{
	struct supd_inst in;
	char	*out = NULL, *err = NULL;
	char	*argv[] = { (char *)harness_supctl_bin, "-s", in.sock, "reload",
		    NULL };
	pid_t	 slow;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:slow]\nparent = root\nshutdown = 1500\n"
	    "command = /bin/sh -c 'trap \"\" TERM; while :; do sleep 0.05; done'\n");
	harness_start(&in);
	cr_assert_gt(slow = harness_whereis(&in, "slow"), 0);
	rewrite(&in, "[supervisor:root]\n");
	kill(in.pid, SIGHUP);	/* removes slow: 1.5 s until its SIGKILL */
	cr_assert(harness_wait_log(&in, "reload", 5000));
	harness_sleep_ms(200);
	argv[2] = in.sock;
	cr_expect_eq(harness_run(&out, &err, argv), 1);
	cr_expect_not_null(strstr(err, "reload is busy"), "%s", err);
	free(out);
	free(err);
	cr_expect(harness_wait_log(&in, "0 added, 1 removed", 5000));
	cr_expect(harness_pid_gone(slow));
	harness_stop(&in);
}

Test(reload, reexec_carries_the_reloaded_configuration_not_the_edited_file)
{
	struct supd_inst in;
	pid_t	 a, b;
	char	*out = NULL;

	harness_init(&in, "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000"));
	harness_start(&in);
	cr_assert_gt(a = harness_whereis(&in, "a"), 0);
	rewrite(&in, "[supervisor:root]\n"
	    "[worker:a]\nparent = root\n" SLEEPER("1000")
	    "[worker:b]\nparent = root\n" SLEEPER("1001"));
	cr_assert_eq(harness_supctl(&in, NULL, "reload", (char *)NULL), 0);
	cr_assert_gt(b = harness_whereis(&in, "b"), 0);
	/* edited again, not reloaded: the running tree is what carries over */
	rewrite(&in, "[supervisor:root]\n"
	    "[worker:c]\nparent = root\n" SLEEPER("1002"));
	cr_assert_eq(harness_supctl(&in, &out, "reexec", (char *)NULL), 0,
	    "%s", out != NULL ? out : "");
	free(out);
	cr_expect_eq(harness_whereis(&in, "a"), a);
	cr_expect_eq(harness_whereis(&in, "b"), b);
	cr_expect_eq(harness_whereis(&in, "c"), 0);
	/* and the next reload starts from it */
	cr_assert_eq(harness_supctl(&in, &out, "reload", (char *)NULL), 0);
	cr_expect_not_null(strstr(out, "- a "), "%s", out);
	cr_expect_not_null(strstr(out, "- b "), "%s", out);
	cr_expect_not_null(strstr(out, "+ c "), "%s", out);
	free(out);
	cr_expect_gt(harness_whereis(&in, "c"), 0);
	harness_stop(&in);
}
