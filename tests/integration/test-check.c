/*
 * test-check.c — `supd --check`: the shipped example is valid and printed
 * as a tree; a broken file lists every error and exits 1, nothing started.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

Test(check, example_ini_is_valid_and_printed_as_a_tree)
{
	char	*out = NULL, *err = NULL;
	char	*argv[] = { (char *)harness_supd_bin, "--check", "-c",
	    SRCDIR "/conf/example.ini", NULL };

	cr_assert_eq(harness_run(&out, &err, argv), 0, "stderr: %s", err);
	cr_assert_not_null(strstr(out, "root"), "tree: %s", out);
	cr_assert_not_null(strstr(out, "jobs"), "the dynamic supervisor: %s", out);
	free(out);
	free(err);
}

Test(check, broken_file_lists_every_error_and_exits_1)
{
	struct supd_inst in;
	char	*out = NULL, *err = NULL;
	char	*argv[] = { (char *)harness_supd_bin, "--check", "-c", NULL, NULL };
	int	 lines = 0;
	char	*p;

	harness_init(&in,
	    "[supervisor:root]\n"
	    "strategy = one_for_none\n"
	    "[worker:a]\n"
	    "parent = root\n"
	    "comand = /bin/true\n"
	    "[worker:b]\n"
	    "parent = nowhere\n"
	    "command = /bin/true\n"
	    "[worker:b]\n"
	    "parent = root\n"
	    "command = 'unterminated\n");
	argv[3] = in.conf;
	cr_assert_eq(harness_run(&out, &err, argv), 1);
	for (p = err; (p = strstr(p, in.conf)) != NULL; p++)
		lines++;
	cr_assert_geq(lines, 5, "every error listed, got:\n%s", err);
	cr_assert_not_null(strstr(err, ":2: [supervisor:root]"), "%s", err);
	cr_assert_not_null(strstr(err, "did you mean \"command\"?"), "%s", err);
	cr_assert_not_null(strstr(err, "nowhere"), "%s", err);
	cr_assert_eq(out[0], '\0', "nothing printed on stdout: %s", out);
	free(out);
	free(err);
	harness_stop(&in);
}

/* What the file names that the machine lacks: warnings, or errors with --strict. */
static const char *machine_ini =
    "[supervisor:root]\n"				/* 1 */
    "[worker:a]\n"
    "parent = root\n"
    "command = /no/such/prog --flag\n"			/* 4 */
    "cwd = /no/such/dir\n"
    "user = no-such-user-x\n"
    "group = no-such-group-x\n"				/* 7 */
    "[worker:b]\n"
    "parent = root\n"
    "command = no-such-cmd-x\n"				/* 10 */
    "[dynamic:d]\n"
    "parent = root\n"
    "command = bin/plain.sh\n";				/* 13 */

static void
machine_expect(const char *err, const char *conf, const char *tag)
{
	static const char *const lines[] = {
		"4: [worker:a] %scommand: /no/such/prog: No such file or directory",
		"5: [worker:a] %scwd /no/such/dir: No such file or directory",
		"6: [worker:a] %sunknown user \"no-such-user-x\" (no such user on "
		    "this machine; use an existing name or a numeric uid)",
		"7: [worker:a] %sunknown group \"no-such-group-x\" (no such group "
		    "on this machine; use an existing name or a numeric gid)",
		"10: [worker:b] %scommand: no program \"no-such-cmd-x\" in PATH (",
		"13: [dynamic:d] %scommand: %s/bin/plain.sh: not executable "
		    "(chmod +x it?)",
		NULL
	};
	char	 want[600], line[500], dir[300], *p;
	int	 i;

	snprintf(dir, sizeof dir, "%s", conf);
	*strrchr(dir, '/') = '\0';
	for (i = 0, p = (char *)err; lines[i] != NULL; i++) {
		snprintf(line, sizeof line, lines[i], tag, dir);
		snprintf(want, sizeof want, "%s:%s", conf, line);
		cr_assert_not_null(p = strstr(p, want), "no \"%s\" in order in:\n%s",
		    want, err);
	}
}

static void
machine_init(struct supd_inst *in)
{
	char	path[400];
	FILE	*f;

	harness_init(in, machine_ini);
	snprintf(path, sizeof path, "%s/bin", in->dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/bin/plain.sh", in->dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("#!/bin/sh\n", f);
	fclose(f);
}

Test(check, what_the_machine_lacks_is_a_warning_with_file_and_line)
{
	struct supd_inst in;
	char	*out = NULL, *err = NULL;
	char	*argv[] = { (char *)harness_supd_bin, "--check", "-c", NULL, NULL };

	machine_init(&in);
	argv[3] = in.conf;
	cr_assert_eq(harness_run(&out, &err, argv), 0, "stderr: %s", err);
	machine_expect(err, in.conf, "warning: ");
	cr_assert_not_null(strstr(out, "root  supervisor"), "the tree: %s", out);
	free(out);
	free(err);
	harness_stop(&in);
}

Test(check, strict_makes_what_the_machine_lacks_an_error)
{
	struct supd_inst in;
	char	*out = NULL, *err = NULL, want[400];
	char	*argv[] = { (char *)harness_supd_bin, "--check", "--strict", "-c",
	    NULL, NULL };

	machine_init(&in);
	argv[4] = in.conf;
	cr_assert_eq(harness_run(&out, &err, argv), 1, "stderr: %s", err);
	machine_expect(err, in.conf, "");
	snprintf(want, sizeof want, "supd: %s: 6 problems on this machine "
	    "(--strict); nothing started\n", in.conf);
	cr_assert_not_null(strstr(err, want), "%s", err);
	cr_assert_str_empty(out);
	free(out);
	free(err);
	harness_stop(&in);
}

Test(check, programs_are_found_as_exec_finds_them)
{
	struct supd_inst in;
	char	*out = NULL, *err = NULL, path[400];
	char	*argv[] = { (char *)harness_supd_bin, "--check", "--strict", "-c",
	    NULL, NULL };

	/* a path relative to the file, a name in PATH, a name in the env's PATH */
	harness_init(&in,
	    "[supervisor:root]\n"
	    "[worker:a]\nparent = root\ncommand = ./bin/run.sh x\ncwd = .\n"
	    "[worker:b]\nparent = root\ncommand = sh -c true\nuser = 0\n"
	    "group = 0\n"
	    "[worker:c]\nparent = root\ncommand = run.sh\n"
	    "env = PATH=/nowhere:@DIR@/bin\n");
	snprintf(path, sizeof path, "%s/bin", in.dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/bin/run.sh", in.dir);
	cr_assert_eq(close(open(path, O_WRONLY | O_CREAT, 0755)), 0);
	argv[4] = in.conf;
	cr_assert_eq(harness_run(&out, &err, argv), 0, "stderr: %s", err);
	cr_assert_str_empty(err);
	free(out);
	free(err);
	harness_stop(&in);
}

Test(check, the_example_needs_nothing_this_machine_lacks)
{
	char	*out = NULL, *err = NULL;
	char	*argv[] = { (char *)harness_supd_bin, "--check", "--strict", "-c",
	    SRCDIR "/conf/example.ini", NULL };

	cr_assert_eq(harness_run(&out, &err, argv), 0, "stderr: %s", err);
	cr_assert_str_empty(err);
	free(out);
	free(err);
}

Test(check, supd_logs_what_the_machine_lacks_at_start)
{
	struct supd_inst in;
	char	 want[400];

	/* a template is only started by spawn: supd runs, and warns */
	harness_init(&in,
	    "[supervisor:root]\n"
	    "[dynamic:d]\nparent = root\ncommand = /no/such/job\n");
	harness_start(&in);
	snprintf(want, sizeof want, "%s:4: [dynamic:d] command: /no/such/job: "
	    "No such file or directory", in.conf);
	cr_assert(harness_wait_log(&in, want, 2000), "no \"%s\" in the log", want);
	harness_stop(&in);
}

Test(check, missing_file_is_an_error_naming_it)
{
	char	*err = NULL;
	char	*argv[] = { (char *)harness_supd_bin, "--check", "-c",
	    "/nonexistent/supd.ini", NULL };

	cr_assert_eq(harness_run(NULL, &err, argv), 1);
	cr_assert_not_null(strstr(err, "/nonexistent/supd.ini"), "%s", err);
	free(err);
}

Test(check, help_and_version)
{
	char	*out = NULL;
	char	*h[] = { (char *)harness_supd_bin, "--help", NULL };
	char	*v[] = { (char *)harness_supd_bin, "--version", NULL };
	char	*bad[] = { (char *)harness_supd_bin, "--bogus", NULL };

	cr_assert_eq(harness_run(&out, NULL, h), 0);
	cr_assert_not_null(strstr(out, "--check"));
	free(out);
	cr_assert_eq(harness_run(&out, NULL, v), 0);
	cr_assert_not_null(strstr(out, "supd "));
	free(out);
	cr_assert_eq(harness_run(NULL, NULL, bad), 2);
}

Test(check, the_systemd_units_pass_systemd_analyze_verify)
{
	static const char *const units[][3] = {
		{ "supd.service", "", "supd.service" },
		{ "supd-user.service", "--user", "user/supd.service" },
	};
	struct supd_inst in;
	char	 unit[400], cmd[1600], *out;
	char	*sh[] = { "/bin/sh", "-c", cmd, NULL };
	size_t	 i;
	int	 rc;

	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0)
		cr_skip_test("systemd-analyze is not installed");
	harness_init(&in, "");
	snprintf(cmd, sizeof cmd, "mkdir -p %s/user %s/xdg", in.dir, in.dir);
	cr_assert_eq(system(cmd), 0);
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		/* as meson configured it, ExecStart pointed at this build's supd */
		snprintf(unit, sizeof unit, "%s/%s", in.dir, units[i][2]);
		snprintf(cmd, sizeof cmd, "sed 's|^ExecStart=[^ ]*|ExecStart=%s|' "
		    "%s/systemd/%s > %s", harness_supd_bin, BUILDDIR,
		    units[i][0], unit);
		cr_assert_eq(system(cmd), 0);
		/* it says what it ignores (a bad value, an unknown key), exit 0 */
		snprintf(cmd, sizeof cmd, "XDG_RUNTIME_DIR=%s/xdg systemd-analyze "
		    "%s verify --man=no %s 2>&1", in.dir, units[i][1], unit);
		rc = harness_run(&out, NULL, sh);
		cr_expect_eq(rc, 0, "systemd-analyze verify %s said no (%d)",
		    units[i][0], rc);
		cr_expect_str_empty(out, "systemd-analyze verify %s: %s",
		    units[i][0], out);
		free(out);
	}
	harness_stop(&in);
}

/* supd.ini(5) names every key of conf-key.c's table, the one source. */
Test(check, every_key_has_its_entry_in_supd_ini_5)
{
	char	 cmd[1200], *out;
	char	*sh[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof cmd, "for k in $(grep -o '\\.name = \"[a-z_]*\"' "
	    "%s/daemon/conf-key.c | cut -d'\"' -f2); do grep -qE "
	    "\"^\\.BR ([a-z_]+ \\\", \\\" )*$k( |\\$|\\\")\" "
	    "%s/man/supd.ini.5 || echo $k; done", SRCDIR, SRCDIR);
	cr_assert_eq(harness_run(&out, NULL, sh), 0);
	cr_assert_str_empty(out, "keys missing from man/supd.ini.5:\n%s", out);
	free(out);
}

Test(harness, supd_goes_when_its_test_dies_before_stopping_it)
{
	struct supd_inst in;
	int		 fd[2], i;
	pid_t		 test, supd = 0;

	harness_init(&in,
	    "[supervisor:root]\n[worker:w]\nparent = root\ncommand = /bin/sleep 1000\n");
	cr_assert_eq(pipe(fd), 0);
	if ((test = fork()) == 0) {
		/* a test whose assertion failed: it ends without harness_stop */
		harness_start(&in);
		(void)write(fd[1], &in.pid, sizeof in.pid);
		_exit(0);
	}
	close(fd[1]);
	cr_assert_eq(read(fd[0], &supd, sizeof supd), (ssize_t)sizeof supd);
	close(fd[0]);
	waitpid(test, NULL, 0);
	for (i = 0; i < 500 * harness_scale() && !harness_pid_gone(supd); i++)
		harness_sleep_ms(20);
	cr_expect(harness_pid_gone(supd), "supd %d outlived its test", (int)supd);
	for (i = 0; i < 100 * harness_scale() && harness_tagged_alive(&in) > 0; i++)
		harness_sleep_ms(20);
	cr_expect_eq(harness_tagged_alive(&in), 0, "and stopped its children");
	in.pid = 0;
	harness_stop(&in);
}
