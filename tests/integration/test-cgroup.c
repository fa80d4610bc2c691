/*
 * test-cgroup.c — [supd] cgroup = auto: a child's setsid'd grandchild is
 * stopped with it (cgroup.kill) and its cgroup removed; cgroup = off keeps
 * process groups; controller keys this machine lacks are warned of.  Skips
 * where supd cannot make a cgroup2 directory.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define DOUBLE_FORK \
	"command = /bin/sh -c 'setsid sh -c \"sleep 1000 & echo \\$! > " \
	"@DIR@/grandchild; wait\" & sleep 1000'\n"

/* The cgroup inspect shows for name, or NULL (JSON null: none). */
static char *
cgroup_of(struct supd_inst *in, const char *name)
{
	json_t		*j, *cg;
	char		*out = NULL, *path = NULL;

	if (harness_supctl(in, &out, "--json", "inspect", name, NULL) != 0) {
		free(out);
		return (NULL);
	}
	j = json_loads(out, 0, NULL);
	free(out);
	cg = json_object_get(j, "cgroup");
	if (cg == NULL)
		cg = json_object_get(json_object_get(j, "info"), "cgroup");
	if (json_is_object(cg))
		path = strdup(json_string_value(json_object_get(cg, "path")));
	json_decref(j);
	return (path);
}

static pid_t
wait_pid_file(struct supd_inst *in, const char *file)
{
	char	*s;
	pid_t	 pid = 0;
	int	 i;

	for (i = 0; i < 200 && pid == 0; i++) {
		if ((s = harness_read(in, file)) != NULL)
			pid = atoi(s);
		free(s);
		if (pid == 0)
			harness_sleep_ms(25);
	}
	return (pid);
}

/* Started supd has made its cgroups, or the test is skipped. */
static int
cgroups_usable(struct supd_inst *in)
{
	return (harness_wait_log(in, "cgroups: children in ", 2000));
}

Test(cgroup, stop_kills_a_setsid_grandchild_and_removes_the_cgroup)
{
	struct supd_inst in;
	struct stat	 st;
	char		*path;
	pid_t		 gc;
	int		 i;

	harness_init(&in, "[supd]\ncgroup = auto\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\nshutdown = 300\n" DOUBLE_FORK);
	harness_start(&in);
	if (!cgroups_usable(&in)) {
		harness_stop(&in);
		cr_skip("no writable cgroup2 here: supd runs without cgroups");
	}
	gc = wait_pid_file(&in, "grandchild");
	cr_assert_gt(gc, 0, "the grandchild wrote no pid");
	path = cgroup_of(&in, "w");
	cr_assert_not_null(path, "inspect shows no cgroup");
	cr_expect_eq(stat(path, &st), 0, "%s is not there", path);
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "w", NULL), 0);
	for (i = 0; i < 100 && !harness_pid_gone(gc); i++)
		harness_sleep_ms(20);
	cr_expect(harness_pid_gone(gc), "grandchild %d outlived the stop",
	    (int)gc);
	cr_expect(stat(path, &st) == -1 && errno == ENOENT,
	    "%s was not removed", path);
	free(path);
	harness_stop(&in);
}

Test(cgroup, inspect_shows_the_cgroup_and_its_cpu_time)
{
	struct supd_inst in;
	char		*out = NULL;

	harness_init(&in, "[supd]\ncgroup = auto\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 1000\n");
	harness_start(&in);
	if (!cgroups_usable(&in)) {
		harness_stop(&in);
		cr_skip("no writable cgroup2 here: supd runs without cgroups");
	}
	cr_assert_eq(harness_supctl(&in, &out, "--json", "inspect", "w", NULL), 0);
	cr_expect(strstr(out, "\"cpu_usec\"") != NULL, "%s", out);
	cr_expect(strstr(out, "\"populated\": true") != NULL ||
	    strstr(out, "\"populated\":true") != NULL, "%s", out);
	cr_expect(strstr(out, "/supd.") != NULL, "%s", out);
	free(out);
	harness_stop(&in);
}

Test(cgroup, off_keeps_process_groups)
{
	struct supd_inst in;
	char		*path;

	harness_init(&in, "[supd]\ncgroup = off\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\nshutdown = 300\n" DOUBLE_FORK);
	harness_start(&in);
	cr_expect(harness_wait_log(&in, "cgroup = off", 2000));
	cr_assert_gt(wait_pid_file(&in, "grandchild"), 0);
	path = cgroup_of(&in, "w");
	cr_expect_null(path, "cgroup = off, yet a cgroup %s", path);
	free(path);
	cr_assert_eq(harness_supctl(&in, NULL, "stop", "w", NULL), 0);
	/* as before: the setsid'd grandchild escaped the process group */
	cr_expect_gt(harness_tagged_alive(&in), 0);
	harness_stop(&in);
}

Test(cgroup, a_controller_key_without_its_controller_is_warned_of)
{
	struct supd_inst in;
	char		*out = NULL, *err = NULL;
	char		*argv[] = { (char *)harness_supd_bin, "--check", "-c",
	    NULL, NULL };
	char		 buf[4096];
	FILE		*f;
	int		 have = 0;

	/* only meaningful where memory is not delegated to us (this machine) */
	if ((f = fopen("/proc/self/cgroup", "r")) != NULL) {
		while (fgets(buf, sizeof buf, f) != NULL)
			;
		fclose(f);
	}
	harness_init(&in, "[supd]\ncgroup = off\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 1000\n"
	    "memory_max = 64M\n");
	argv[3] = in.conf;
	cr_assert_eq(harness_run(&out, &err, argv), 0, "stderr: %s", err);
	cr_expect(strstr(err, "memory controller is not available "
	    "([supd] cgroup = off)") != NULL, "stderr: %s", err);
	cr_expect(strstr(err, "warning: ") != NULL, "stderr: %s", err);
	free(out);
	free(err);
	(void)have;
	harness_stop(&in);
}

Test(cgroup, a_controller_not_delegated_is_named_at_check_and_start)
{
	struct supd_inst in;
	char		*out = NULL, *err = NULL, buf[512] = "";
	char		*argv[] = { (char *)harness_supd_bin, "--check", "-c",
	    NULL, NULL };
	FILE		*f;

	/* skip where pids is delegated to the cgroup2 root (pure v2 hosts) */
	if ((f = fopen("/sys/fs/cgroup/unified/cgroup.controllers", "r")) == NULL)
		cr_skip("no hybrid cgroup2 at /sys/fs/cgroup/unified");
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	if (strstr(buf, "pids") != NULL)
		cr_skip("the pids controller is delegated here");
	harness_init(&in, "[supd]\ncgroup = auto\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 1000\n"
	    "pids_max = 10\n");
	argv[3] = in.conf;
	cr_assert_eq(harness_run(&out, &err, argv), 0, "stderr: %s", err);
	cr_expect(strstr(err, "[worker:w] warning: the pids controller is not "
	    "available") != NULL || strstr(err, "the pids controller is not "
	    "available") != NULL, "stderr: %s", err);
	free(out);
	free(err);
	harness_start(&in);
	cr_expect(harness_wait_log(&in, "the pids controller is not available",
	    2000), "no warning at start");
	harness_stop(&in);
}
