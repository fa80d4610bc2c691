/*
 * test-cgroup.c — [supd] cgroup = auto: a child's setsid'd grandchild is
 * stopped with it (cgroup.kill) and its cgroup removed; cgroup = off keeps
 * process groups; controller keys this machine lacks are warned of.  Skips
 * where supd cannot make a cgroup2 directory.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
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

	for (i = 0; i < 200 * harness_scale() && pid == 0; i++) {
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
	for (i = 0; i < 100 * harness_scale() && !harness_pid_gone(gc); i++)
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

/*
 * The main process exits, a setsid'd grandchild stays in the cgroup: supd
 * waits for cgroup.events to say populated 0 without polling (inotify),
 * and answers as soon as the last process goes.
 */
Test(cgroup, a_cgroup_left_populated_is_waited_for_without_a_poll)
{
	struct supd_inst in;
	char		*s;
	long		 before, after;
	pid_t		 gc;

	harness_init(&in, "[supd]\ncgroup = auto\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\nshutdown = 60000\n"
	    /* the main exits once the grandchild has left its group */
	    "command = /bin/sh -c 'setsid sh -c \"echo \\$\\$ >> @DIR@/gc; "
	    "exec sleep 1000\" & until [ -s @DIR@/gc ]; do sleep 0.05; done'\n");
	harness_start(&in);
	if (!cgroups_usable(&in)) {
		harness_stop(&in);
		cr_skip("no writable cgroup2 here: supd runs without cgroups");
	}
	gc = wait_pid_file(&in, "gc");
	cr_assert_gt(gc, 0, "the grandchild wrote no pid");
	/* the exit's event is committed, then nothing is due */
	harness_sleep_ms(500);
	before = harness_ctxt_switches(in.pid);
	harness_sleep_ms(1000);
	after = harness_ctxt_switches(in.pid);
	cr_expect_leq(after - before, 3, "%ld context switches in 1 s of "
	    "waiting for a cgroup to empty", after - before);
	s = harness_read(&in, "gc");
	cr_expect_eq(harness_count(s, "\n"), 1, "restarted before its "
	    "cgroup emptied: %s", s);
	free(s);
	kill(gc, SIGKILL);
	/* its cgroup empties: the exit is answered, the worker restarted */
	cr_expect(harness_wait_lines(&in, "gc", 2, 3000),
	    "not restarted once its cgroup emptied");
	s = harness_read(&in, "gc");
	if (s != NULL && harness_count(s, "\n") >= 2)
		kill(atoi(strchr(s, '\n') + 1), SIGKILL);
	free(s);
	harness_stop(&in);
}

/* The cgroup2 mount point when the test runs in its root cgroup as root. */
static const char *
cgroup2_root(void)
{
	static const char *const mounts[] = {
		"/sys/fs/cgroup/unified", "/sys/fs/cgroup",
	};
	char		 path[256], buf[256] = "";
	FILE		*f;
	size_t		 i;

	if (geteuid() != 0 || (f = fopen("/proc/self/cgroup", "r")) == NULL)
		return (NULL);
	while (fgets(buf, sizeof buf, f) != NULL && strncmp(buf, "0::", 3) != 0)
		;
	fclose(f);
	if (strcmp(buf, "0::/\n") != 0)
		return (NULL);
	for (i = 0; i < sizeof mounts / sizeof mounts[0]; i++) {
		snprintf(path, sizeof path, "%s/cgroup.procs", mounts[i]);
		if (access(path, W_OK) == 0)
			return (mounts[i]);
	}
	return (NULL);
}

/* Read dir/file into buf; "" when unreadable. */
static void
cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char	 path[512];
	FILE	*f;
	size_t	 n = 0;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/*
 * As under systemd's Delegate=yes: supd alone in its cgroup moves itself
 * into <cgroup>/supd.daemon, so the cgroup holds no process and can hand
 * controllers down to the children's; a reexec keeps that layout.
 */
Test(cgroup, supd_alone_in_its_cgroup_moves_into_a_leaf)
{
	struct supd_inst in;
	const char	*mnt;
	char		 dir[256], leaf[300], self[300], buf[512], *path;
	char		 want[300];
	FILE		*f;
	int		 fd, i;

	if ((mnt = cgroup2_root()) == NULL)
		cr_skip("needs root in the root of a writable cgroup2");
	snprintf(dir, sizeof dir, "%s/supd-test.%d", mnt, (int)getpid());
	cr_assert(mkdir(dir, 0755) == 0 || errno == EEXIST, "%s: %s", dir,
	    strerror(errno));
	harness_init(&in, "[supd]\ncgroup = auto\n[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/sleep 1000\n");
	in.cgroup = dir;
	harness_start(&in);
	cr_assert(cgroups_usable(&in), "supd made no cgroups");
	snprintf(leaf, sizeof leaf, "%s/supd.daemon", dir);
	snprintf(want, sizeof want, "0::%s\n", leaf + strlen(mnt));
	for (i = 0; i < 2; i++) {
		snprintf(self, sizeof self, "/proc/%d/cgroup", (int)in.pid);
		cr_assert_not_null(f = fopen(self, "r"));
		while (fgets(buf, sizeof buf, f) != NULL &&
		    strncmp(buf, "0::", 3) != 0)
			;
		fclose(f);
		cr_expect_str_eq(buf, want, "%s supd is in %s",
		    i == 0 ? "started," : "after a reexec,", buf);
		cg_read(dir, "cgroup.procs", buf, sizeof buf);
		cr_expect_str_eq(buf, "", "%s/cgroup.procs still holds %s", dir,
		    buf);
		path = cgroup_of(&in, "w");
		cr_assert_not_null(path, "inspect shows no cgroup");
		cr_expect(strncmp(path, dir, strlen(dir)) == 0 &&
		    strncmp(path + strlen(dir), "/supd.", 6) == 0 &&
		    strstr(path, "supd.daemon") == NULL,
		    "w's cgroup %s is not in a base of %s", path, dir);
		free(path);
		if (i == 0)
			cr_assert_eq(harness_supctl(&in, NULL, "reexec", NULL), 0);
	}
	/* no internal process: a controller there can now be handed down */
	cg_read(dir, "cgroup.controllers", buf, sizeof buf);
	if (buf[0] != '\0') {
		snprintf(self, sizeof self, "+%.*s", (int)strcspn(buf, " \n"),
		    buf);
		snprintf(buf, sizeof buf, "%s/cgroup.subtree_control", dir);
		cr_assert((fd = open(buf, O_WRONLY)) != -1);
		cr_expect_eq(write(fd, self, strlen(self)), (ssize_t)strlen(self),
		    "%s to %s: %s", self, buf, strerror(errno));
		close(fd);
	}
	harness_stop(&in);
	rmdir(leaf);
	cr_expect_eq(rmdir(dir), 0, "%s left non-empty: %s", dir,
	    strerror(errno));
}
