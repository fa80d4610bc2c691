/*
 * test-conf.c — the INI loader: parsed values and defaults, path resolution,
 * every kind of error checked word for word with its line, all errors of a
 * file in one run, command splitting, signal names, the --check tree, a
 * 10,000-section file and the shipped conf/example.ini.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "check.h"
#include "conf.h"
#include "util.h"

#define FIXTURES	SRCDIR "/tests/unit/conf/"

static char	tmpdir[PATH_MAX];

/* Each test runs in its own process, in a fresh directory holding t.ini. */
static void
enter_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/supd-test-conf-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	cr_assert_eq(chdir(tmpdir), 0);
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static void
leave_tmpdir(void)
{
	if (chdir("/") == 0)
		nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(load, .init = enter_tmpdir, .fini = leave_tmpdir);
TestSuite(errors, .init = enter_tmpdir, .fini = leave_tmpdir);
TestSuite(check, .init = enter_tmpdir, .fini = leave_tmpdir);

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	cr_assert_not_null(fp = fopen(path, "w"));
	cr_assert_eq(fputs(text, fp) >= 0, 1);
	cr_assert_eq(fclose(fp), 0);
}

static struct config *
load_path_ok(const char *path)
{
	struct config	 *cf;
	char		**errs;

	cf = conf_load(path, &errs);
	cr_assert_null(errs, "unexpected error: %s", errs ? errs[0] : "");
	cr_assert_not_null(cf);
	return (cf);
}

/* Load text as t.ini; it must be valid. */
static struct config *
load_ok(const char *text)
{
	write_file("t.ini", text);
	return (load_path_ok("t.ini"));
}

/* Load path; its errors must be exactly the NULL-terminated list given. */
static void
expect_path_errors(const char *path, ...)
{
	struct config	 *cf;
	char		**errs;
	const char	 *want;
	va_list		  ap;
	size_t		  i = 0;

	cf = conf_load(path, &errs);
	cr_assert_null(cf, "%s loaded", path);
	cr_assert_not_null(errs);
	va_start(ap, path);
	while ((want = va_arg(ap, const char *)) != NULL) {
		cr_assert_not_null(errs[i], "missing error %zu: %s", i, want);
		cr_assert_str_eq(errs[i], want);
		i++;
	}
	va_end(ap);
	cr_assert_null(errs[i], "unexpected error: %s", errs[i]);
	conf_errors_free(errs);
}

#define expect_errors(text, ...) do {					\
	write_file("t.ini", (text));					\
	expect_path_errors("t.ini", __VA_ARGS__, (const char *)NULL);	\
} while (0)

static const struct spec *
find(const struct config *cf, const char *name)
{
	const struct spec	*s;

	TAILQ_FOREACH(s, &cf->specs, entry) {
		if (strcmp(s->name, name) == 0)
			return (s);
	}
	cr_assert_fail("no spec %s", name);
	return (NULL);
}

static char *
cwd_join(const char *rel)
{
	char	dir[PATH_MAX];

	cr_assert_not_null(realpath(".", dir));
	return (xasprintf("%s/%s", dir, rel));
}

#define ROOT	"[supervisor:root]\n"

/* Good files. */

Test(load, a_lone_root_has_supervisor_defaults)
{
	struct config		*cf = load_ok(ROOT);
	const struct spec	*s = cf->root;

	cr_assert_eq(cf->nspecs, 1);
	cr_assert_not_null(s);
	cr_assert_str_eq(s->name, "root");
	cr_assert_eq(s->kind, KIND_SUPERVISOR);
	cr_assert_null(s->parent);
	cr_assert_null(s->argv);
	cr_assert_eq(spec_x(s)->strategy, STRATEGY_ONE_FOR_ONE);
	cr_assert_eq(spec_x(s)->max_restarts, 3);
	cr_assert_eq(spec_x(s)->max_seconds, 5);
	cr_assert_eq(s->restart, RESTART_PERMANENT);
	cr_assert_eq(s->shutdown_ms, SHUTDOWN_INFINITY);
	cr_assert_eq(s->line, 1);
	cr_assert_str_eq(s->file, "t.ini");
	conf_free(cf);
}

Test(load, supd_settings_have_their_defaults)
{
	struct config	*cf = load_ok("[supd]\n" ROOT);

	cr_assert_str_eq(cf->path, "t.ini");
	cr_assert_null(cf->socket);
	cr_assert_null(cf->state);
	cr_assert_null(cf->log_dir);
	cr_assert_eq(cf->socket_mode, 0600);
	cr_assert_null(cf->socket_group);
	cr_assert_null(cf->admin_group);
	cr_assert_null(cf->read_group);
	cr_assert_eq(cf->max_request_bytes, 65536);
	cr_assert_eq(cf->max_clients, 256);
	cr_assert_eq(cf->idle_timeout_ms, 300000);
	cr_assert_eq(cf->log_max_bytes, 10 * 1024 * 1024);
	cr_assert_eq(cf->log_backups, 5);
	cr_assert_eq(cf->history_max, 100000);
	conf_free(cf);
}

Test(load, read_logs_is_no_unless_it_says_yes)
{
	struct config	*cf = load_ok("[supd]\n" ROOT);

	cr_assert_eq(cf->read_logs, 0);
	conf_free(cf);
	cf = load_ok("[supd]\nread_logs = yes\n" ROOT);
	cr_assert_eq(cf->read_logs, 1);
	conf_free(cf);
	expect_errors("[supd]\nread_logs = always\n" ROOT,
	    "t.ini:2: [supd] unknown value \"always\" (use no or yes)");
}

Test(load, a_worker_has_worker_defaults)
{
	struct config		*cf = load_ok(ROOT "[worker:w]\nparent = root\n"
	    "command = /bin/true\n");
	const struct spec	*s = find(cf, "w");

	cr_assert_eq(s->kind, KIND_WORKER);
	cr_assert_str_eq(s->parent, "root");
	cr_assert_eq(s->restart, RESTART_PERMANENT);
	cr_assert_eq(s->shutdown_ms, 5000);
	cr_assert_eq(spec_x(s)->stop_signal, SIGTERM);
	cr_assert_null(s->env[0]);
	cr_assert_eq(s->nenv, 0);
	cr_assert_null(spec_x(s)->cwd);
	cr_assert_null(spec_x(s)->user);
	cr_assert_null(spec_x(s)->group);
	cr_assert_eq(spec_x(s)->umask, -1);
	cr_assert_eq(spec_x(s)->ready, READY_EXEC);
	cr_assert_eq(spec_x(s)->start_timeout_ms, 90000);
	cr_assert_eq(s->out, OUTPUT_LOG);
	cr_assert_eq(s->err, OUTPUT_LOG);
	cr_assert_eq(s->nsuccess, 1);
	cr_assert_eq(s->success_codes[0], 0);
	cr_assert_eq(spec_is_success(s, 0, 0), 1);
	cr_assert_eq(spec_is_success(s, 1, 0), 0);
	cr_assert_null(s->groups[0]);
	cr_assert_eq(s->ngroups, 0);
	cr_assert_str_eq(s->argv[0], "/bin/true");
	cr_assert_null(s->argv[1]);
	cr_assert_eq(s->line, 2);
	conf_free(cf);
}

Test(load, a_dynamic_supervisor_has_its_defaults)
{
	struct config		*cf = load_ok(ROOT "[dynamic:d]\nparent = root\n"
	    "command = /bin/job\n");
	const struct spec	*s = find(cf, "d");

	cr_assert_eq(s->kind, KIND_DYNAMIC);
	cr_assert_eq(spec_x(s)->max_children, 0);
	cr_assert_eq(spec_x(s)->partitions, 1);
	cr_assert_eq(spec_x(s)->max_restarts, 3);
	cr_assert_eq(spec_x(s)->max_seconds, 5);
	cr_assert_eq(spec_x(s)->strategy, STRATEGY_ONE_FOR_ONE);
	cr_assert_eq(s->restart, RESTART_PERMANENT);
	cr_assert_eq(s->shutdown_ms, 5000, "the template's child shutdown");
	conf_free(cf);
}

Test(load, every_key_of_the_full_fixture)
{
	struct config		*cf = load_path_ok(FIXTURES "full.ini");
	const struct spec	*s;
	char			 dir[PATH_MAX], *want;

	cr_assert_not_null(realpath(FIXTURES, dir));
	cr_assert_str_eq(cf->dir, dir);
	want = xasprintf("%s/run/supd.sock", dir);
	cr_assert_str_eq(cf->socket, want);
	free(want);
	cr_assert_str_eq(cf->state, "/var/tmp/supd-test/state.db");
	want = xasprintf("%s/logs/children", dir);
	cr_assert_str_eq(cf->log_dir, want);
	free(want);
	cr_assert_eq(cf->socket_mode, 0660);
	cr_assert_str_eq(cf->socket_group, "root");
	cr_assert_str_eq(cf->admin_group, "0");
	cr_assert_str_eq(cf->read_group, "root");
	cr_assert_eq(cf->max_request_bytes, 128 * 1024);
	cr_assert_eq(cf->max_clients, 16);
	cr_assert_eq(cf->idle_timeout_ms, 0);
	cr_assert_eq(cf->log_max_bytes, 2 * 1024 * 1024);
	cr_assert_eq(cf->log_backups, 0);
	cr_assert_eq(cf->history_max, 500);

	s = find(cf, "top");
	cr_assert_eq(cf->root, s);
	cr_assert_eq(spec_x(s)->strategy, STRATEGY_REST_FOR_ONE);
	cr_assert_eq(spec_x(s)->max_restarts, 0);
	cr_assert_eq(spec_x(s)->max_seconds, 60);
	cr_assert_eq(s->restart, RESTART_TRANSIENT);
	cr_assert_eq(s->shutdown_ms, 10000);
	cr_assert_eq(spec_x(find(cf, "mid"))->strategy, STRATEGY_ONE_FOR_ALL);

	s = find(cf, "w");
	cr_assert_str_eq(s->parent, "mid");
	cr_assert_str_eq(s->argv[0], "/bin/echo");
	cr_assert_str_eq(s->argv[1], "hello world");
	cr_assert_str_eq(s->argv[2], "its");
	cr_assert_str_eq(s->argv[3], "$HOME");
	cr_assert_null(s->argv[4]);
	cr_assert_eq(s->restart, RESTART_TEMPORARY);
	cr_assert_eq(s->shutdown_ms, SHUTDOWN_BRUTAL_KILL);
	cr_assert_eq(spec_x(s)->stop_signal, SIGINT);
	cr_assert_eq(s->nenv, 3);
	cr_assert_str_eq(s->env[0], "A=1");
	cr_assert_str_eq(s->env[1], "B=two=2");
	cr_assert_str_eq(s->env[2], "EMPTY=");
	cr_assert_null(s->env[3]);
	want = xasprintf("%s/data", dir);
	cr_assert_str_eq(spec_x(s)->cwd, want);
	free(want);
	cr_assert_str_eq(spec_x(s)->user, "root");
	cr_assert_str_eq(spec_x(s)->group, "0");
	cr_assert_eq(spec_x(s)->umask, 027);
	cr_assert_eq(spec_x(s)->ready, READY_NOTIFY);
	cr_assert_eq(spec_x(s)->start_timeout_ms, 1500);
	cr_assert_eq(s->out, OUTPUT_NULL);
	cr_assert_eq(s->err, OUTPUT_INHERIT);
	cr_assert_eq(s->nsuccess, 4);
	cr_assert_eq(spec_is_success(s, 3, 0), 1);
	cr_assert_eq(spec_is_success(s, 4, 0), 0);
	cr_assert_eq(s->ngroups, 3);
	cr_assert_str_eq(s->groups[0], "g1");
	cr_assert_str_eq(s->groups[1], "g2");
	cr_assert_str_eq(s->groups[2], "g3");
	cr_assert_null(s->groups[3]);

	s = find(cf, "jobs");
	cr_assert_eq(spec_x(s)->max_restarts, 7);
	cr_assert_eq(spec_x(s)->max_seconds, 9);
	cr_assert_eq(spec_x(s)->max_children, 1000);
	cr_assert_eq(spec_x(s)->partitions, 4);
	cr_assert_str_eq(s->argv[1], "--verbose");
	cr_assert_eq(s->restart, RESTART_TRANSIENT);
	cr_assert_eq(s->shutdown_ms, SHUTDOWN_INFINITY);
	cr_assert_eq(spec_x(s)->stop_signal, SIGHUP);
	conf_free(cf);
}

Test(load, sections_keep_file_order)
{
	struct config		*cf = load_ok("[worker:c]\nparent = root\n"
	    "command = c\n" ROOT "[worker:a]\nparent = root\ncommand = a\n"
	    "[supervisor:b]\nparent = root\n");
	const struct spec	*s;
	const char		*order[] = { "c", "root", "a", "b" };
	int			 i = 0;

	cr_assert_eq(cf->nspecs, 4);
	TAILQ_FOREACH(s, &cf->specs, entry)
		cr_assert_str_eq(s->name, order[i++]);
	cr_assert_eq(i, 4);
	cr_assert_str_eq(cf->root->name, "root");
	cr_assert_eq(find(cf, "a")->line, 5);
	conf_free(cf);
}

Test(load, comments_whole_line_and_inline)
{
	struct config		*cf = load_ok("; a comment\n# another\n"
	    "[supervisor:root]   ; the root\n"
	    "strategy = rest_for_one ; inline\n"
	    "[worker:w]\nparent = root\n"
	    "command = /bin/sh -c 'a;b' # not a comment\n");
	const struct spec	*s = find(cf, "w");

	cr_assert_eq(spec_x(cf->root)->strategy, STRATEGY_REST_FOR_ONE);
	cr_assert_str_eq(s->argv[2], "a;b", "a ; without a space before stays");
	cr_assert_str_eq(s->argv[3], "#");
	cr_assert_str_eq(s->argv[6], "comment");
	conf_free(cf);
}

Test(load, indentation_crlf_bom_and_colon_are_accepted)
{
	struct config	*cf = load_ok("\xef\xbb\xbf[supervisor:root]\r\n"
	    "  max_restarts = 9\r\n"
	    "\tmax_seconds: 11\r\n"
	    "   [ worker : w ]\r\n"
	    "    parent = root\r\n"
	    "    command = /bin/true\r\n");

	cr_assert_eq(spec_x(cf->root)->max_restarts, 9);
	cr_assert_eq(spec_x(cf->root)->max_seconds, 11, "KEY: VALUE as inih takes it");
	cr_assert_str_eq(find(cf, "w")->argv[0], "/bin/true");
	conf_free(cf);
}

Test(load, a_64_character_name_survives_inih_section_limit)
{
	char		 name[65], *text;
	struct config	*cf;

	memset(name, 'n', 64);
	name[64] = '\0';
	text = xasprintf("[supervisor:%s]\n[worker:w]\nparent = %s\n"
	    "command = x\n", name, name);
	cf = load_ok(text);
	cr_assert_str_eq(cf->root->name, name);
	cr_assert_str_eq(find(cf, "w")->parent, name);
	conf_free(cf);
	free(text);
}

Test(load, relative_paths_resolve_against_the_file_directory)
{
	struct config	*cf;
	char		*want;

	cr_assert_eq(mkdir("sub", 0755), 0);
	write_file("sub/t.ini", "[supd]\nsocket = s.sock\nstate = ./db/./x.db\n"
	    "log_dir = .\n" ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "cwd = ../elsewhere\n[worker:v]\nparent = root\ncommand = x\n"
	    "cwd = /srv/abs\n");
	cf = load_path_ok("sub/t.ini");
	want = cwd_join("sub");
	cr_assert_str_eq(cf->dir, want);
	cr_assert_str_eq(cf->log_dir, want);
	free(want);
	want = cwd_join("sub/s.sock");
	cr_assert_str_eq(cf->socket, want);
	free(want);
	want = cwd_join("sub/db/x.db");
	cr_assert_str_eq(cf->state, want);
	free(want);
	want = cwd_join("sub/../elsewhere");
	cr_assert_str_eq(spec_x(find(cf, "w"))->cwd, want);
	free(want);
	cr_assert_str_eq(spec_x(find(cf, "v"))->cwd, "/srv/abs");
	cr_assert_str_eq(cf->path, "sub/t.ini");
	conf_free(cf);
}

Test(load, a_program_path_is_relative_to_the_file_a_bare_name_is_not)
{
	struct config	*cf;
	char		*want;

	cr_assert_eq(mkdir("sub", 0755), 0);
	write_file("sub/t.ini", ROOT "[worker:w]\nparent = root\n"
	    "command = ./bin/run -x\n[worker:v]\nparent = root\n"
	    "command = sleep 1\n[dynamic:d]\nparent = root\n"
	    "command = lib/job\n");
	cf = load_path_ok("sub/t.ini");
	want = cwd_join("sub/bin/run");
	cr_assert_str_eq(find(cf, "w")->argv[0], want);
	cr_assert_str_eq(find(cf, "w")->argv[1], "-x");
	free(want);
	want = cwd_join("sub/lib/job");
	cr_assert_str_eq(find(cf, "d")->argv[0], want);
	free(want);
	cr_assert_str_eq(find(cf, "v")->argv[0], "sleep");
	conf_free(cf);
}

Test(load, a_childs_user_and_group_are_not_looked_up_here)
{
	struct config		*cf = load_ok(ROOT "[worker:w]\nparent = root\n"
	    "command = x\nuser = no-such-user-here\ngroup = no-such-group-here\n"
	    "cwd = /no/such/dir\n");
	const struct spec	*w = find(cf, "w");

	/* check.c looks them up (supd --check): the lines are kept for it */
	cr_assert_str_eq(spec_x(w)->user, "no-such-user-here");
	cr_assert_str_eq(spec_x(w)->group, "no-such-group-here");
	cr_assert_eq(w->line, 2);
	cr_assert_eq(w->command_line, 4);
	cr_assert_eq(spec_x(w)->user_line, 5);
	cr_assert_eq(spec_x(w)->group_line, 6);
	cr_assert_eq(spec_x(w)->cwd_line, 7);
	conf_free(cf);
}

Test(load, shutdown_and_signal_spellings)
{
	struct config	*cf = load_ok(ROOT
	    "[worker:a]\nparent = root\ncommand = x\nshutdown = 0\nstop_signal = TERM\n"
	    "[worker:b]\nparent = root\ncommand = x\nshutdown = infinity\nstop_signal = 9\n"
	    "[worker:c]\nparent = root\ncommand = x\nshutdown = 250\nstop_signal = sigusr1\n"
	    "[worker:d]\nparent = root\ncommand = x\nstop_signal = RTMIN+2\n");

	cr_assert_eq(find(cf, "a")->shutdown_ms, 0);
	cr_assert_eq(spec_x(find(cf, "a"))->stop_signal, SIGTERM);
	cr_assert_eq(find(cf, "b")->shutdown_ms, SHUTDOWN_INFINITY);
	cr_assert_eq(spec_x(find(cf, "b"))->stop_signal, SIGKILL);
	cr_assert_eq(find(cf, "c")->shutdown_ms, 250);
	cr_assert_eq(spec_x(find(cf, "c"))->stop_signal, SIGUSR1);
	cr_assert_eq(spec_x(find(cf, "d"))->stop_signal, SIGRTMIN + 2);
	conf_free(cf);
}

Test(load, sizes_take_k_m_g_suffixes)
{
	struct config	*cf = load_ok("[supd]\nlog_max_bytes = 3G\n"
	    "max_request_bytes = 4096\n" ROOT);

	cr_assert_eq(cf->log_max_bytes, 3LL * 1024 * 1024 * 1024);
	cr_assert_eq(cf->max_request_bytes, 4096);
	conf_free(cf);
}

Test(load, success_exit_codes_take_signal_names)
{
	struct config		*cf = load_ok(ROOT "[worker:w]\nparent = root\n"
	    "command = x\nsuccess_exit_codes = 0 TERM sigusr1, 3 USR1\n"
	    "[worker:v]\nparent = root\ncommand = x\n"
	    "success_exit_codes = RTMIN+2\n");
	const struct spec	*s = find(cf, "w");

	cr_assert_eq(s->nsuccess, 2);
	cr_assert_eq(spec_x(s)->nsuccess_signals, 2);
	cr_assert_eq(spec_is_success(s, 3, 0), 1);
	cr_assert_eq(spec_is_success(s, 1, 0), 0);
	cr_assert_eq(spec_is_success(s, -1, SIGUSR1), 1);
	cr_assert_eq(spec_is_success(s, -1, SIGUSR2), 0);
	cr_assert_eq(spec_is_success(s, -1, SIGKILL), 0);
	cr_assert_eq(spec_is_success(s, -1, SIGSEGV), 0);
	/* a list with no number keeps 0 a normal exit */
	s = find(cf, "v");
	cr_assert_eq(spec_is_success(s, 0, 0), 1);
	cr_assert_eq(spec_is_success(s, 1, 0), 0);
	cr_assert_eq(spec_is_success(s, -1, SIGRTMIN + 2), 1);
	conf_free(cf);
}

Test(load, clean_signals_are_normal_exits_by_default)
{
	struct config		*cf = load_ok(ROOT "[worker:w]\nparent = root\n"
	    "command = x\n");
	const struct spec	*s = find(cf, "w");

	cr_assert_eq(spec_is_success(s, -1, SIGTERM), 1);
	cr_assert_eq(spec_is_success(s, -1, SIGINT), 1);
	cr_assert_eq(spec_is_success(s, -1, SIGHUP), 1);
	cr_assert_eq(spec_is_success(s, -1, SIGPIPE), 1);
	cr_assert_eq(spec_is_success(s, -1, SIGKILL), 0);
	cr_assert_eq(spec_is_success(s, -1, SIGABRT), 0);
	cr_assert_eq(spec_is_success(s, -1, SIGUSR1), 0);
	conf_free(cf);
}

Test(load, duplicate_codes_and_groups_are_kept_once)
{
	struct config		*cf = load_ok(ROOT "[worker:w]\nparent = root\n"
	    "command = x\nsuccess_exit_codes = 1 1,2\ngroups = a, a b\n");
	const struct spec	*s = find(cf, "w");

	cr_assert_eq(s->nsuccess, 2);
	cr_assert_eq(spec_is_success(s, 0, 0), 0, "the list replaces the default");
	cr_assert_eq(spec_is_success(s, 2, 0), 1);
	cr_assert_eq(s->ngroups, 2);
	cr_assert_str_eq(s->groups[1], "b");
	conf_free(cf);
}

Test(load, the_shipped_example_loads)
{
	struct config		*cf = load_path_ok(SRCDIR "/conf/example.ini");
	const struct spec	*s;
	char			 dir[PATH_MAX];

	cr_assert_str_eq(cf->root->name, "root");
	cr_assert_null(cf->socket, "make run gives the socket");
	cr_assert_null(cf->state);
	cr_assert_null(cf->log_dir);
	s = find(cf, "jobs");
	cr_assert_eq(s->kind, KIND_DYNAMIC);
	cr_assert_str_eq(s->argv[0], "/bin/sh");
	cr_assert_eq(spec_x(find(cf, "pipeline"))->strategy, STRATEGY_REST_FOR_ONE);
	cr_assert_str_eq(find(cf, "producer")->parent, "pipeline");
	cr_assert_not_null(realpath(SRCDIR "/conf", dir));
	cr_assert_str_eq(spec_x(find(cf, "web"))->cwd, dir);
	conf_free(cf);
}

Test(load, ten_thousand_sections, .timeout = 60)
{
	struct config	*cf;
	FILE		*fp;
	int		 i;

	/* root, 100 supervisors, 9,800 workers, 100 dynamic supervisors */
	cr_assert_not_null(fp = fopen("t.ini", "w"));
	fprintf(fp, "[supd]\n[supervisor:root]\n");
	for (i = 0; i < 100; i++)
		fprintf(fp, "[supervisor:s%d]\nparent = root\n"
		    "strategy = one_for_all\n", i);
	for (i = 0; i < 9800; i++)
		fprintf(fp, "[worker:w%d]\nparent = s%d\ncommand = /bin/sleep "
		    "%d\nenv = N=%d\n", i, i % 100, i, i);
	for (i = 0; i < 100; i++)
		fprintf(fp, "[dynamic:d%d]\nparent = s%d\ncommand = /bin/job\n",
		    i, 99 - i);
	cr_assert_eq(fclose(fp), 0);
	cf = load_path_ok("t.ini");
	cr_assert_eq(cf->nspecs, 10001);
	cr_assert_str_eq(find(cf, "w9799")->argv[1], "9799");
	cr_assert_str_eq(find(cf, "w9799")->parent, "s99");
	cr_assert_str_eq(TAILQ_LAST(&cf->specs, spec_list)->name, "d99");
	conf_free(cf);
}

/* Errors, word for word. */

Test(errors, a_missing_file)
{
	expect_path_errors("nosuch.ini",
	    "nosuch.ini: cannot open: No such file or directory", NULL);
}

Test(errors, an_empty_file_has_no_root)
{
	expect_errors("; nothing\n",
	    "t.ini: no root supervisor (exactly one [supervisor:NAME] must "
	    "have no parent)");
}

Test(errors, two_roots)
{
	expect_errors(ROOT "[supervisor:other]\n[supervisor:third]\n",
	    "t.ini:2: [supervisor:other] a second root: [supervisor:root] on "
	    "line 1 has no parent either (give one of them a parent)",
	    "t.ini:3: [supervisor:third] a second root: [supervisor:root] on "
	    "line 1 has no parent either (give one of them a parent)");
}

Test(errors, unknown_section_types)
{
	expect_errors(ROOT "[wroker:w]\nparent = root\n[service:x]\ncommand = x\n",
	    "t.ini:2: [wroker:w] unknown section type \"wroker\" (did you mean "
	    "\"worker\"?)",
	    "t.ini:4: [service:x] unknown section type \"service\" (use [supd], "
	    "[supervisor:NAME], [worker:NAME] or [dynamic:NAME])");
}

Test(errors, section_names_missing_or_misplaced)
{
	expect_errors(ROOT "[worker]\ncommand = x\n[dynamic:]\n[supd:main]\n"
	    "[supd]\n[supd]\n",
	    "t.ini:2: [worker] section has no name (write [worker:NAME])",
	    "t.ini:4: [dynamic:] section has no name (write [dynamic:NAME])",
	    "t.ini:5: [supd:main] [supd] takes no name (write [supd])",
	    "t.ini:7: [supd] [supd] appears twice (first on line 6; merge them)");
}

Test(errors, bad_names)
{
	char	*text, *want;
	char	 name[66];

	memset(name, 'x', 65);
	name[65] = '\0';
	text = xasprintf(ROOT "[worker:web server]\n[worker:-w]\n[worker:%s]\n",
	    name);
	want = xasprintf("t.ini:4: [worker:%s] bad name \"%s\": name is longer "
	    "than 64 characters", name, name);
	expect_errors(text,
	    "t.ini:2: [worker:web server] bad name \"web server\": name may "
	    "hold only letters, digits and _ . @ -",
	    "t.ini:3: [worker:-w] bad name \"-w\": name must start with a "
	    "letter or a digit",
	    want);
	free(text);
	free(want);
}

Test(errors, duplicate_names_across_kinds)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "[worker:w]\nparent = root\ncommand = y\nrestart = sometimes\n"
	    "[dynamic:root]\nparent = root\n",
	    "t.ini:5: [worker:w] duplicate name \"w\" ([worker:w] on line 2 "
	    "has it; names are unique across the tree)",
	    "t.ini:8: [worker:w] unknown restart type \"sometimes\" (use "
	    "permanent, transient or temporary)",
	    "t.ini:9: [dynamic:root] duplicate name \"root\" ([supervisor:root] "
	    "on line 1 has it; names are unique across the tree)");
}

Test(errors, unknown_key_with_did_you_mean)
{
	expect_errors(ROOT "strategi = one_for_all\n[worker:web]\nparent = root\n"
	    "command = x\ncomand = y\nUser = root\n",
	    "t.ini:2: [supervisor:root] unknown key \"strategi\" (did you mean "
	    "\"strategy\"?)",
	    "t.ini:6: [worker:web] unknown key \"comand\" (did you mean "
	    "\"command\"?)",
	    "t.ini:7: [worker:web] unknown key \"User\" (did you mean \"user\"?)");
}

Test(errors, unknown_key_without_suggestion)
{
	expect_errors(ROOT "colour = blue\nxyz = 1\n",
	    "t.ini:2: [supervisor:root] unknown key \"colour\"",
	    "t.ini:3: [supervisor:root] unknown key \"xyz\"");
}

Test(errors, a_key_of_another_kind_of_section)
{
	expect_errors("[supd]\nparent = root\n" ROOT "command = x\n"
	    "max_children = 4\n[worker:w]\nparent = root\ncommand = x\n"
	    "socket = /x\nstrategy = one_for_all\n",
	    "t.ini:2: [supd] unknown key \"parent\" (it is a key of "
	    "[supervisor:NAME], [dynamic:NAME] and [worker:NAME])",
	    "t.ini:4: [supervisor:root] unknown key \"command\" (it is a key "
	    "of [dynamic:NAME] and [worker:NAME])",
	    "t.ini:5: [supervisor:root] unknown key \"max_children\" (it is a "
	    "key of [dynamic:NAME])",
	    "t.ini:9: [worker:w] unknown key \"socket\" (it is a key of [supd])",
	    "t.ini:10: [worker:w] unknown key \"strategy\" (it is a key of "
	    "[supervisor:NAME])");
}

Test(errors, missing_command)
{
	expect_errors(ROOT "[worker:w]\nparent = root\n[dynamic:d]\nparent = root\n",
	    "t.ini:2: [worker:w] missing command (a worker needs command = "
	    "PROGRAM ARGS...)",
	    "t.ini:4: [dynamic:d] missing command (a dynamic supervisor needs "
	    "command = PROGRAM ARGS...)");
}

Test(errors, missing_parent)
{
	expect_errors(ROOT "[worker:w]\ncommand = x\n[dynamic:d]\ncommand = x\n",
	    "t.ini:2: [worker:w] missing parent (a worker needs parent = "
	    "SUPERVISOR)",
	    "t.ini:4: [dynamic:d] missing parent (a dynamic supervisor needs "
	    "parent = SUPERVISOR)");
}

Test(errors, unknown_parent)
{
	expect_errors(ROOT "[worker:w]\nparent = rot\ncommand = x\n"
	    "[worker:v]\nparent = elsewhere\ncommand = x\n",
	    "t.ini:3: [worker:w] unknown parent \"rot\" (did you mean \"root\"?)",
	    "t.ini:6: [worker:v] unknown parent \"elsewhere\" (no "
	    "[supervisor:elsewhere] in this file)");
}

Test(errors, parent_is_a_worker_or_a_dynamic_supervisor)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "[dynamic:d]\nparent = root\ncommand = x\n"
	    "[worker:a]\nparent = w\ncommand = x\n"
	    "[supervisor:b]\nparent = d\n",
	    "t.ini:9: [worker:a] parent \"w\" is a worker (a parent must be a "
	    "[supervisor:NAME])",
	    "t.ini:12: [supervisor:b] parent \"d\" is a dynamic supervisor, "
	    "whose children come from supctl spawn (a parent must be a "
	    "[supervisor:NAME])");
}

Test(errors, parent_cycles)
{
	expect_errors(ROOT "[supervisor:a]\nparent = b\n[supervisor:b]\n"
	    "parent = c\n[supervisor:c]\nparent = a\n[supervisor:self]\n"
	    "parent = self\n[worker:w]\nparent = a\ncommand = x\n",
	    "t.ini:3: [supervisor:a] parent cycle: a -> b -> c -> a (following "
	    "parent never reaches the root)",
	    "t.ini:9: [supervisor:self] parent cycle: self -> self (following "
	    "parent never reaches the root)");
}

Test(errors, a_cycle_and_no_root)
{
	expect_errors("[supervisor:a]\nparent = b\n[supervisor:b]\nparent = a\n",
	    "t.ini: no root supervisor (exactly one [supervisor:NAME] must "
	    "have no parent)",
	    "t.ini:2: [supervisor:a] parent cycle: a -> b -> a (following "
	    "parent never reaches the root)");
}

Test(errors, bad_whole_numbers)
{
	expect_errors(ROOT "max_restarts = -1\nmax_seconds = 5s\n"
	    "[dynamic:d]\nparent = root\ncommand = x\n"
	    "max_children = 99999999999999999999999\npartitions = 0\n"
	    "max_restarts = 2147483648\nmax_seconds =\n",
	    "t.ini:2: [supervisor:root] max_restarts = \"-1\" is negative (use "
	    "0 or more)",
	    "t.ini:3: [supervisor:root] max_seconds = \"5s\" is not a whole "
	    "number",
	    "t.ini:7: [dynamic:d] max_children = \"99999999999999999999999\" is "
	    "too large (use at most 2147483647)",
	    "t.ini:8: [dynamic:d] partitions = \"0\" is too small (use 1 or "
	    "more)",
	    "t.ini:9: [dynamic:d] max_restarts = \"2147483648\" is too large "
	    "(use at most 2147483647)",
	    "t.ini:10: [dynamic:d] max_seconds has no value");
}

Test(errors, bad_milliseconds_octal_and_sizes)
{
	expect_errors("[supd]\nsocket_mode = 0999\nlog_max_bytes = 10Q\n"
	    "max_request_bytes = 100\nidle_timeout = +5\n" ROOT
	    "[worker:w]\nparent = root\ncommand = x\numask = 01000\n"
	    "start_timeout = 0\nshutdown = soon\n",
	    "t.ini:2: [supd] socket_mode = \"0999\" is not an octal mode such "
	    "as 0660",
	    "t.ini:3: [supd] log_max_bytes = \"10Q\" is not a size in bytes (a "
	    "number, optionally followed by K, M or G)",
	    "t.ini:4: [supd] max_request_bytes = \"100\" is too small (use 1024 "
	    "or more)",
	    "t.ini:5: [supd] idle_timeout = \"+5\" is not a number of "
	    "milliseconds",
	    "t.ini:10: [worker:w] umask = \"01000\" is too large (use at most "
	    "0777)",
	    "t.ini:11: [worker:w] start_timeout = \"0\" is too small (use 1 or "
	    "more)",
	    "t.ini:12: [worker:w] shutdown = \"soon\" is not a number of "
	    "milliseconds, brutal_kill or infinity");
}

Test(errors, unknown_words)
{
	expect_errors(ROOT "strategy = one_for_two\n[worker:w]\nparent = root\n"
	    "command = x\nrestart = always\nready = socket\nstdout = file\n"
	    "stderr = LOG\nstop_signal = SIGFOO\n",
	    "t.ini:2: [supervisor:root] unknown strategy \"one_for_two\" (use "
	    "one_for_one, one_for_all or rest_for_one)",
	    "t.ini:6: [worker:w] unknown restart type \"always\" (use permanent, "
	    "transient or temporary)",
	    "t.ini:7: [worker:w] unknown ready mode \"socket\" (use exec or "
	    "notify)",
	    "t.ini:8: [worker:w] unknown stdout mode \"file\" (use log, null or "
	    "inherit)",
	    "t.ini:9: [worker:w] unknown stderr mode \"LOG\" (use log, null, "
	    "inherit or log:separate)",
	    "t.ini:10: [worker:w] unknown signal \"SIGFOO\" (use a name such as "
	    "TERM or SIGTERM, or a number from 1 to 64)");
}

Test(errors, unterminated_quotes_in_command)
{
	expect_errors(ROOT "[worker:a]\nparent = root\ncommand = sh -c 'echo\n"
	    "[worker:b]\nparent = root\ncommand = sh -c 'a ; b'\n"
	    "[worker:c]\nparent = root\ncommand = echo \\\n"
	    "[worker:d]\nparent = root\ncommand = ''\n",
	    "t.ini:4: [worker:a] command: unterminated single quote (close the "
	    "quote, or escape it with a backslash)",
	    "t.ini:7: [worker:b] command: unterminated single quote (a \";\" "
	    "after a space starts a comment, even inside quotes: write \"a; b\", "
	    "not \"a ; b\")",
	    "t.ini:10: [worker:c] command: trailing backslash (close the quote, "
	    "or escape it with a backslash)",
	    "t.ini:13: [worker:d] command: the program name is empty");
}

Test(errors, a_key_given_twice)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = a\n"
	    "restart = transient\ncommand = b\nrestart = temporary\n",
	    "t.ini:6: [worker:w] command is set twice (first on line 4; keep "
	    "one)",
	    "t.ini:7: [worker:w] restart is set twice (first on line 5; keep "
	    "one)");
}

Test(errors, bad_env)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = a\n"
	    "env = FOO\nenv = 1A=b\nenv = A-B=c\nenv = X=1\nenv = X=2\n"
	    "env = SUPD_NAME=me\n",
	    "t.ini:5: [worker:w] env = \"FOO\" has no \"=\" (write env = "
	    "KEY=VALUE)",
	    "t.ini:6: [worker:w] env = \"1A=b\": \"1A\" is not a variable name "
	    "(letters, digits and _, not starting with a digit)",
	    "t.ini:7: [worker:w] env = \"A-B=c\": \"A-B\" is not a variable "
	    "name (letters, digits and _, not starting with a digit)",
	    "t.ini:9: [worker:w] env X is set twice (keep one)",
	    "t.ini:10: [worker:w] env = \"SUPD_NAME=me\": supd sets SUPD_NAME "
	    "itself (choose another name)");
}

Test(errors, unknown_group_of_supd_itself)
{
	/* supd needs its own groups to serve; a child's are check.c's */
	expect_errors("[supd]\nadmin_group = no-such-group-here\n" ROOT
	    "[worker:w]\nparent = root\ncommand = a\n"
	    "user = no-such-user-here\ngroup = no-such-group-here\n",
	    "t.ini:2: [supd] unknown group \"no-such-group-here\" (no such group "
	    "on this machine; use an existing name or a numeric gid)");
}

Test(errors, significant_needs_a_transient_or_temporary_child_and_auto_shutdown)
{
	expect_errors(ROOT "[supervisor:s]\nparent = root\n"
	    "auto_shutdown = any_significant\n"
	    "[worker:p]\nparent = s\ncommand = x\nsignificant = true\n"
	    "[worker:n]\nparent = root\ncommand = x\nrestart = transient\n"
	    "significant = true\n"
	    "[worker:b]\nparent = s\ncommand = x\nsignificant = yes\n"
	    "[dynamic:d]\nparent = s\ncommand = x\nsignificant = true\n"
	    "[worker:w]\nparent = s\ncommand = x\nauto_shutdown = never\n",
	    "t.ini:8: [worker:p] significant = true needs restart = transient or "
	    "temporary (a permanent child is always restarted, so its exit never "
	    "ends its supervisor)",
	    "t.ini:13: [worker:n] significant = true, but parent \"root\" has "
	    "auto_shutdown = never (set auto_shutdown = any_significant or "
	    "all_significant there, or drop significant)",
	    "t.ini:17: [worker:b] unknown boolean \"yes\" (use false or true)",
	    "t.ini:21: [dynamic:d] unknown key \"significant\" (it is a key of "
	    "[supervisor:NAME] and [worker:NAME])",
	    "t.ini:25: [worker:w] unknown key \"auto_shutdown\" (it is a key of "
	    "[supervisor:NAME])");
}

Test(load, supervisors_take_restart_significant_and_auto_shutdown)
{
	struct config		*cf = load_ok(ROOT "auto_shutdown = all_significant\n"
	    "[supervisor:s]\nparent = root\nrestart = transient\n"
	    "significant = true\nshutdown = 300\nauto_shutdown = any_significant\n"
	    "[worker:w]\nparent = s\ncommand = x\nrestart = temporary\n"
	    "significant = true\n"
	    "[worker:v]\nparent = s\ncommand = x\nsignificant = false\n");
	const struct spec	*s = find(cf, "s");

	cr_assert_eq(spec_x(find(cf, "root"))->auto_shutdown, AUTO_SHUTDOWN_ALL_SIGNIFICANT);
	cr_assert_eq(find(cf, "root")->restart, RESTART_PERMANENT);
	cr_assert_eq(s->restart, RESTART_TRANSIENT);
	cr_assert_eq(s->significant, 1);
	cr_assert_eq(s->shutdown_ms, 300);
	cr_assert_eq(spec_x(s)->auto_shutdown, AUTO_SHUTDOWN_ANY_SIGNIFICANT);
	cr_assert_eq(find(cf, "w")->significant, 1);
	cr_assert_eq(find(cf, "v")->significant, 0);
	cr_assert_eq(find(cf, "root")->shutdown_ms, SHUTDOWN_INFINITY);
	conf_free(cf);
}

Test(errors, bad_exit_codes_and_groups)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = a\n"
	    "success_exit_codes = 0,256 x\ngroups = ok, bad!name\n"
	    "[worker:v]\nparent = root\ncommand = a\nsuccess_exit_codes = ,\n"
	    "groups = , ,\n",
	    "t.ini:5: [worker:w] success_exit_codes: \"256\" is not an exit "
	    "code or a signal (use numbers from 0 to 255 and signal names such "
	    "as TERM, separated by spaces or commas)",
	    "t.ini:5: [worker:w] success_exit_codes: \"x\" is not an exit code "
	    "or a signal (use numbers from 0 to 255 and signal names such as "
	    "TERM, separated by spaces or commas)",
	    "t.ini:6: [worker:w] groups: bad group name \"bad!name\": name may "
	    "hold only letters, digits and _ . @ -",
	    "t.ini:10: [worker:v] success_exit_codes lists no exit code",
	    "t.ini:11: [worker:v] groups lists no group");
}

Test(errors, syntax_errors_on_every_line)
{
	expect_errors(ROOT "this line has no equals sign\n[worker:w\n"
	    "[worker:v] junk\n= value\n",
	    "t.ini:2: [supervisor:root] line has no \"=\" (expected KEY = "
	    "VALUE, a [section] or a ; comment; a value cannot go on over "
	    "lines)",
	    "t.ini:3: section header has no closing \"]\"",
	    "t.ini:4: text after \"]\" in section header [worker:v] (comments "
	    "start with \";\")");
}

Test(errors, an_empty_key_name)
{
	expect_errors(ROOT "= value\n",
	    "t.ini:2: [supervisor:root] key name missing before \"=\"");
}

Test(errors, a_value_cannot_continue_on_the_next_line)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = /bin/echo\n"
	    "    second line\n",
	    "t.ini:5: [worker:w] line has no \"=\" (expected KEY = VALUE, a "
	    "[section] or a ; comment; a value cannot go on over lines)");
}

Test(errors, a_key_outside_any_section)
{
	expect_errors("socket = /x\n" ROOT,
	    "t.ini:1: key \"socket\" is outside any section (put it under "
	    "[supd] or a [worker:NAME] header)");
}

Test(errors, a_line_too_long_for_inih)
{
	char	*text, *want, arg[301];

	memset(arg, 'x', 300);
	arg[300] = '\0';
	/* no "missing command" after it: the key was there */
	text = xasprintf(ROOT "[worker:w]\nparent = root\ncommand = /bin/echo "
	    "%s\n; %s\n", arg, arg);
	want = xasprintf("t.ini:4: [worker:w] command and its value make %zu "
	    "characters, more than the 198 the INI parser takes (shorten the "
	    "line; a long command can go in a script)",
	    strlen("command=/bin/echo ") + 300);
	expect_errors(text, want);
	free(text);
	free(want);
}

Test(errors, a_line_just_short_enough)
{
	char		*text, arg[199];
	struct config	*cf;
	size_t		 n = 198 - strlen("command=/bin/echo ");

	memset(arg, 'y', n);
	arg[n] = '\0';
	text = xasprintf(ROOT "[worker:w]\nparent = root\ncommand = /bin/echo "
	    "%s   ; a comment does not count\n", arg);
	cf = load_ok(text);
	cr_assert_eq(strlen(find(cf, "w")->argv[1]), n);
	conf_free(cf);
	free(text);
}

Test(errors, a_socket_path_too_long)
{
	char	path[121], *text, *want;

	memset(path, 's', 120);
	path[0] = '/';
	path[120] = '\0';
	text = xasprintf("[supd]\nsocket = %s\n" ROOT, path);
	want = xasprintf("t.ini:2: [supd] socket path \"%s\" is longer than 107 "
	    "bytes, the most a UNIX socket takes (use a shorter path)", path);
	expect_errors(text, want);
	free(text);
	free(want);
}

Test(errors, a_nul_byte)
{
	FILE	*fp;

	cr_assert_not_null(fp = fopen("t.ini", "w"));
	fwrite(ROOT "max_restarts = 3\0x\n", 1, sizeof(ROOT) + 18, fp);
	cr_assert_eq(fclose(fp), 0);
	expect_path_errors("t.ini",
	    "t.ini:2: [supervisor:root] line holds a NUL byte (is this a text "
	    "file?)", NULL);
}

Test(errors, every_unknown_parent_of_a_big_file, .timeout = 60)
{
	struct config	 *cf;
	char		**errs;
	FILE		 *fp;
	size_t		  n;
	int		  i;

	cr_assert_not_null(fp = fopen("t.ini", "w"));
	fprintf(fp, ROOT);
	for (i = 0; i < 3000; i++)
		fprintf(fp, "[supervisor:s%d]\nparent = root\n", i);
	for (i = 0; i < 3000; i++)
		fprintf(fp, "[worker:w%d]\nparent = x%d\ncommand = c\n", i, i);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_null(cf = conf_load("t.ini", &errs));
	for (n = 0; errs[n] != NULL; n++)
		;
	cr_assert_eq(n, 3000);
	cr_assert_str_eq(errs[0], "t.ini:6003: [worker:w0] unknown parent "
	    "\"x0\" (did you mean \"s0\"?)");
	/* past a bound on comparisons, no more guesses: still every error */
	cr_assert_str_eq(errs[2999], "t.ini:15000: [worker:w2999] unknown "
	    "parent \"x2999\" (no [supervisor:x2999] in this file)");
	conf_errors_free(errs);
}

Test(errors, section_errors_come_in_file_order)
{
	/* missing command is found last but belongs to line 2, before line 4 */
	expect_errors(ROOT "[worker:w]\nparent = root\nrestart = never\n"
	    "[worker:v]\nparent = nope\ncommand = x\n",
	    "t.ini:2: [worker:w] missing command (a worker needs command = "
	    "PROGRAM ARGS...)",
	    "t.ini:4: [worker:w] unknown restart type \"never\" (use permanent, "
	    "transient or temporary)",
	    "t.ini:6: [worker:v] unknown parent \"nope\" (no [supervisor:nope] "
	    "in this file)");
}

Test(errors, five_errors_give_five_lines)
{
	expect_path_errors(FIXTURES "five-errors.ini",
	    FIXTURES "five-errors.ini:3: [supervisor:root] unknown strategy "
	    "\"one_for_two\" (use one_for_one, one_for_all or rest_for_one)",
	    FIXTURES "five-errors.ini:8: [worker:web] unknown key \"restrat\" "
	    "(did you mean \"restart\"?)",
	    FIXTURES "five-errors.ini:11: [worker:db] unknown parent \"nowhere\" "
	    "(no [supervisor:nowhere] in this file)",
	    FIXTURES "five-errors.ini:13: [worker:db] unknown key "
	    "\"max_restarts\" (it is a key of [supervisor:NAME] and "
	    "[dynamic:NAME])",
	    FIXTURES "five-errors.ini:14: [worker:db] shutdown = \"-1\" is "
	    "negative (use 0 or more)",
	    NULL);
}

/* conf_split_command: POSIX shell quoting, no expansion. */

static void
expect_words(const char *line, ...)
{
	char		**argv;
	const char	 *why = NULL, *want;
	va_list		  ap;
	size_t		  i = 0;

	argv = conf_split_command(line, &why);
	cr_assert_not_null(argv, "%s: %s", line, why);
	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL) {
		cr_assert_not_null(argv[i], "%s: word %zu missing", line, i);
		cr_assert_str_eq(argv[i], want, "%s: word %zu", line, i);
		i++;
	}
	va_end(ap);
	cr_assert_null(argv[i], "%s: extra word %s", line, argv[i]);
	strv_free(argv);
}

static void
expect_split_error(const char *line, const char *why_want)
{
	const char	*why = NULL;

	cr_assert_null(conf_split_command(line, &why), "%s split", line);
	cr_assert_str_eq(why, why_want);
}

Test(split, plain_words)
{
	expect_words("/usr/bin/redis-server --port 6390", "/usr/bin/redis-server",
	    "--port", "6390", NULL);
}

Test(split, runs_of_blanks_separate_once)
{
	expect_words("  a \t b\t\tc  ", "a", "b", "c", NULL);
}

Test(split, empty_and_blank_lines_have_no_words)
{
	expect_words("", NULL);
	expect_words(" \t ", NULL);
}

Test(split, single_quotes_are_literal)
{
	expect_words("sh -c 'echo \"$HOME\" \\n; ls *'", "sh", "-c",
	    "echo \"$HOME\" \\n; ls *", NULL);
}

Test(split, double_quotes_keep_blanks)
{
	expect_words("echo \"hello   world\"", "echo", "hello   world", NULL);
}

Test(split, double_quotes_escape_only_four_characters)
{
	expect_words("x \"a\\\"b\\\\c\\$d\\`e\"", "x", "a\"b\\c$d`e", NULL);
	expect_words("x \"\\n\\a\"", "x", "\\n\\a", NULL);
}

Test(split, backslash_outside_quotes_escapes_the_next_character)
{
	expect_words("a\\ b c\\'d \\\\", "a b", "c'd", "\\", NULL);
}

Test(split, empty_quotes_are_words)
{
	expect_words("redis --save '' \"\" end", "redis", "--save", "", "",
	    "end", NULL);
}

Test(split, adjacent_parts_join_into_one_word)
{
	expect_words("a'b'\"c\"d 'x'\\ 'y'", "abcd", "x y", NULL);
}

Test(split, nothing_is_expanded)
{
	expect_words("echo $HOME ~ *.c $(id) `id` a;b a|b >x", "echo", "$HOME",
	    "~", "*.c", "$(id)", "`id`", "a;b", "a|b", ">x", NULL);
}

Test(split, quotes_inside_the_other_quotes)
{
	expect_words("say \"it's\" 'a \"b\"'", "say", "it's", "a \"b\"", NULL);
}

Test(split, backslash_is_literal_in_single_quotes)
{
	expect_words("'a\\'", "a\\", NULL);
}

Test(split, unterminated_single_quote)
{
	expect_split_error("sh -c 'echo", "unterminated single quote");
}

Test(split, unterminated_double_quote)
{
	expect_split_error("echo \"abc", "unterminated double quote");
	expect_split_error("echo \"abc\\\"", "unterminated double quote");
}

Test(split, trailing_backslash)
{
	expect_split_error("echo \\", "trailing backslash");
}

Test(split, a_quote_escaped_is_not_a_quote)
{
	expect_words("don\\'t", "don't", NULL);
}

Test(split, backslash_newline_joins)
{
	expect_words("a\\\nb \"c\\\nd\"", "ab", "cd", NULL);
}

/* check_print */

static char *
print_tree(const struct config *cf)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	cr_assert_not_null(fp = open_memstream(&buf, &len));
	check_print(fp, cf);
	cr_assert_eq(fclose(fp), 0);
	return (buf);
}

Test(check, the_tree_with_indentation)
{
	struct config	*cf = load_ok(ROOT "strategy = rest_for_one\n"
	    "[worker:cache]\nparent = root\n"
	    "command = /usr/bin/redis-server --port 6390 --save \"\"\n"
	    "[supervisor:inner]\nparent = root\nstrategy = one_for_all\n"
	    "max_restarts = 1\nmax_seconds = 30\n"
	    "[worker:x]\nparent = inner\ncommand = /bin/sh -c 'echo \"$A\"; "
	    "it'\\''s'\nrestart = temporary\n"
	    "[dynamic:jobs]\nparent = root\nmax_children = 1000\n"
	    "command = /usr/local/bin/job\nrestart = transient\n"
	    "[dynamic:more]\nparent = inner\npartitions = 4\ncommand = /bin/m\n"
	    "[worker:web]\nparent = root\ncommand = /usr/bin/python3 -m "
	    "http.server 8080\n");
	char		*out = print_tree(cf);

	cr_assert_str_eq(out,
	    "root  supervisor rest_for_one 3/5s\n"
	    "  cache  worker permanent /usr/bin/redis-server --port 6390 --save ''\n"
	    "  inner  supervisor one_for_all 1/30s\n"
	    "    x  worker temporary /bin/sh -c 'echo \"$A\"; it'\\''s'\n"
	    "    more  dynamic max_children=unlimited partitions=4 3/5s\n"
	    "      (template)  worker permanent /bin/m\n"
	    "  jobs  dynamic max_children=1000 partitions=1 3/5s\n"
	    "    (template)  worker transient /usr/local/bin/job\n"
	    "  web  worker permanent /usr/bin/python3 -m http.server 8080\n");
	free(out);
	conf_free(cf);
}

Test(check, printed_commands_split_back_to_the_same_words)
{
	char		*argv[] = { "/bin/x", "", "a b", "it's", "$HOME", "\\",
	    "\"q\"", "plain-word_1.0@x:y,z+%=", NULL };
	char		*buf = NULL, **back;
	const char	*why;
	size_t		 len = 0, i;
	FILE		*fp;

	cr_assert_not_null(fp = open_memstream(&buf, &len));
	check_print_argv(fp, argv);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_str_eq(buf, "/bin/x '' 'a b' 'it'\\''s' '$HOME' '\\' "
	    "'\"q\"' plain-word_1.0@x:y,z+%=");
	cr_assert_not_null(back = conf_split_command(buf, &why));
	for (i = 0; argv[i] != NULL; i++)
		cr_assert_str_eq(back[i], argv[i]);
	cr_assert_null(back[i]);
	strv_free(back);
	free(buf);
}

Test(check, the_shipped_example)
{
	struct config	*cf = load_path_ok(SRCDIR "/conf/example.ini");
	char		*out = print_tree(cf);
	const char	*head = "root  supervisor one_for_one 3/5s\n"
	    "  web  worker permanent /usr/bin/python3 -u -m http.server 0 ";

	cr_assert_eq(strncmp(out, head, strlen(head)), 0, "%s", out);
	cr_assert_not_null(strstr(out, "\n  jobs  dynamic max_children=100 "
	    "partitions=1 10/60s\n    (template)  worker transient /bin/sh -c "));
	free(out);
	conf_free(cf);
}

/* Reload compares each section with its namesake: which keys differ. */
Test(load, spec_diff_names_the_keys_that_differ)
{
	struct config	*a, *b;
	const char	*keys[SPEC_KEYS_MAX];
	int		 n;

	a = load_ok("[supervisor:root]\n"
	    "[worker:w]\nparent = root\ncommand = /bin/true x\nenv = A=1\n"
	    "success_exit_codes = 0\n[worker:same]\nparent = root\n"
	    "command = /bin/true\n");
	b = load_ok("[supervisor:root]\nstrategy = one_for_all\n"
	    "[worker:w]\nparent = root\ncommand = /bin/true y\nenv = A=1\n"
	    "stop_signal = INT\n\n[worker:same]\nparent = root\n"
	    "command = /bin/true\n");
	n = spec_diff(find(a, "w"), find(b, "w"), keys, SPEC_KEYS_MAX);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(keys[0], "command");
	cr_expect_str_eq(keys[1], "stop_signal");
	cr_expect_eq(spec_diff(find(a, "same"), find(b, "same"), keys,
	    SPEC_KEYS_MAX), 0, "other lines, the same spec");
	n = spec_diff(find(a, "root"), find(b, "root"), keys, 1);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(keys[0], "strategy");
	conf_free(a);
	conf_free(b);
}

/* Resources: limit_*, nice, oom_score_adjust, memory_restart. */

Test(load, resource_keys_are_unset_by_default)
{
	struct config		*cf = load_ok(ROOT "[worker:w]\nparent = root\n"
	    "command = /bin/true\n");
	const struct spec	*s = find(cf, "w");
	int			 i;

	for (i = 0; i < LIMIT_COUNT; i++)
		cr_expect_eq(spec_x(s)->limits[i].set, 0, "%s", spec_limit_names[i]);
	cr_expect_eq(spec_x(s)->nice.set, 0);
	cr_expect_eq(spec_x(s)->oom_score_adjust.set, 0);
	cr_expect_eq(spec_x(s)->memory_restart, 0);
	conf_free(cf);
}

Test(load, resource_keys_take_numbers_sizes_infinity_and_soft_hard)
{
	struct config		*cf = load_ok(ROOT "[worker:w]\nparent = root\n"
	    "command = /bin/true\nlimit_nofile = 1024:4096\n"
	    "limit_nproc = infinity\nlimit_core = 0:infinity\n"
	    "limit_as = 2G\nlimit_stack = 8M:16M\nnice = -20\n"
	    "oom_score_adjust = -1000\nmemory_restart = 500M\n"
	    "[dynamic:d]\nparent = root\ncommand = x\nnice = 19\n"
	    "oom_score_adjust = 1000\nlimit_nofile = 64\n");
	const struct spec	*s = find(cf, "w"), *d = find(cf, "d");

	cr_expect(spec_x(s)->limits[LIMIT_NOFILE].set);
	cr_expect_eq(spec_x(s)->limits[LIMIT_NOFILE].soft, 1024);
	cr_expect_eq(spec_x(s)->limits[LIMIT_NOFILE].hard, 4096);
	cr_expect_eq(spec_x(s)->limits[LIMIT_NPROC].soft, SPEC_LIMIT_INFINITY);
	cr_expect_eq(spec_x(s)->limits[LIMIT_NPROC].hard, SPEC_LIMIT_INFINITY);
	cr_expect_eq(spec_x(s)->limits[LIMIT_CORE].soft, 0);
	cr_expect_eq(spec_x(s)->limits[LIMIT_CORE].hard, SPEC_LIMIT_INFINITY);
	cr_expect_eq(spec_x(s)->limits[LIMIT_AS].soft, 2ULL << 30);
	cr_expect_eq(spec_x(s)->limits[LIMIT_AS].hard, 2ULL << 30);
	cr_expect_eq(spec_x(s)->limits[LIMIT_STACK].soft, 8ULL << 20);
	cr_expect_eq(spec_x(s)->limits[LIMIT_STACK].hard, 16ULL << 20);
	cr_expect(spec_x(s)->nice.set);
	cr_expect_eq(spec_x(s)->nice.value, -20);
	cr_expect(spec_x(s)->oom_score_adjust.set);
	cr_expect_eq(spec_x(s)->oom_score_adjust.value, -1000);
	cr_expect_eq(spec_x(s)->memory_restart, 500LL << 20);
	cr_expect_eq(spec_x(d)->nice.value, 19);
	cr_expect_eq(spec_x(d)->oom_score_adjust.value, 1000);
	cr_expect_eq(spec_x(d)->limits[LIMIT_NOFILE].soft, 64);
	conf_free(cf);
}

Test(errors, bad_resource_values_name_the_line)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "limit_nofile = 1K\nlimit_nproc = -1\nlimit_core = 2:1\n"
	    "limit_as = lots\nlimit_stack = 1M:\nnice = 20\nnice = 1\n"
	    "oom_score_adjust = -1001\nmemory_restart = 0\n"
	    "[worker:v]\nparent = root\ncommand = x\nnice = -\n"
	    "oom_score_adjust = 1.5\nmemory_restart = 5X\n",
	    "t.ini:5: [worker:w] limit_nofile = \"1K\" is not a number or "
	    "infinity, nor SOFT:HARD of those",
	    "t.ini:6: [worker:w] limit_nproc = \"-1\" is not a number or "
	    "infinity, nor SOFT:HARD of those",
	    "t.ini:7: [worker:w] limit_core = \"2:1\": the soft limit is above "
	    "the hard one (write SOFT:HARD, SOFT at most HARD)",
	    "t.ini:8: [worker:w] limit_as = \"lots\" is not a size in bytes or "
	    "infinity, nor SOFT:HARD of those (a number, optionally followed "
	    "by K, M or G)",
	    "t.ini:9: [worker:w] limit_stack = \"1M:\" is not a size in bytes "
	    "or infinity, nor SOFT:HARD of those (a number, optionally "
	    "followed by K, M or G)",
	    "t.ini:10: [worker:w] nice = \"20\" is not a whole number from -20 "
	    "to 19",
	    "t.ini:11: [worker:w] nice is set twice (first on line 10; keep one)",
	    "t.ini:12: [worker:w] oom_score_adjust = \"-1001\" is not a whole "
	    "number from -1000 to 1000",
	    "t.ini:13: [worker:w] memory_restart = \"0\" is too small (use 1 or "
	    "more)",
	    "t.ini:17: [worker:v] nice = \"-\" is not a whole number from -20 "
	    "to 19",
	    "t.ini:18: [worker:v] oom_score_adjust = \"1.5\" is not a whole "
	    "number from -1000 to 1000",
	    "t.ini:19: [worker:v] memory_restart = \"5X\" is not a size in bytes "
	    "(a number, optionally followed by K, M or G)");
}

Test(errors, resource_keys_belong_to_workers_and_templates)
{
	expect_errors(ROOT "nice = 1\n",
	    "t.ini:2: [supervisor:root] unknown key \"nice\" (it is a key of "
	    "[dynamic:NAME] and [worker:NAME])");
}

Test(load, spec_diff_names_the_resource_keys)
{
	struct config	*a, *b;
	const char	*keys[SPEC_KEYS_MAX];
	int		 n;

	a = load_ok(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "limit_nofile = 10\nnice = 1\nmemory_restart = 1M\n");
	b = load_ok(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "limit_nofile = 10:20\nlimit_core = 0\noom_score_adjust = 5\n"
	    "memory_restart = 2M\n");
	n = spec_diff(find(a, "w"), find(b, "w"), keys, SPEC_KEYS_MAX);
	cr_assert_eq(n, 5);
	cr_expect_str_eq(keys[0], "limit_nofile");
	cr_expect_str_eq(keys[1], "limit_core");
	cr_expect_str_eq(keys[2], "nice");
	cr_expect_str_eq(keys[3], "oom_score_adjust");
	cr_expect_str_eq(keys[4], "memory_restart");
	conf_free(a);
	conf_free(b);
}

Test(keys, restart_delay_keys_of_a_worker_and_a_template)
{
	struct config		*a, *b;
	const struct spec	*s;
	const char		*keys[SPEC_KEYS_MAX];

	a = load_ok(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "restart_delay = 100\nrestart_delay_max = 4000\n"
	    "restart_delay_reset = 20000\n"
	    "[dynamic:d]\nparent = root\ncommand = x\nrestart_delay = 50\n");
	s = find(a, "w");
	cr_assert_eq(spec_x(s)->restart_delay_ms, 100);
	cr_assert_eq(spec_x(s)->restart_delay_max_ms, 4000);
	cr_assert_eq(spec_x(s)->restart_delay_reset_ms, 20000);
	s = find(a, "d");
	cr_assert_eq(spec_x(s)->restart_delay_ms, 50);
	cr_assert_eq(spec_x(s)->restart_delay_max_ms, 0, "unset: the default applies");
	b = load_ok(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "[dynamic:d]\nparent = root\ncommand = x\n");
	cr_assert_eq(spec_x(find(b, "w"))->restart_delay_ms, 0, "no delay unless asked");
	cr_assert_eq(spec_diff(find(a, "w"), find(b, "w"), keys,
	    SPEC_KEYS_MAX), 3);
	cr_expect_str_eq(keys[0], "restart_delay");
	cr_expect_str_eq(keys[1], "restart_delay_max");
	cr_expect_str_eq(keys[2], "restart_delay_reset");
	conf_free(a);
	conf_free(b);
	expect_errors(ROOT "[supervisor:s]\nparent = root\nrestart_delay = 5\n",
	    "t.ini:4: [supervisor:s] unknown key \"restart_delay\" (it is a key "
	    "of [dynamic:NAME] and [worker:NAME])");
}

Test(load, liveness_keys_take_times_and_default_like_docker)
{
	struct config	*cf;
	struct spec	*s;

	cf = load_ok(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "watchdog = 10s\nhealth = /bin/check --deep\nhealth_timeout = 500ms\n"
	    "health_start_period = 1m\n");
	s = TAILQ_LAST(&cf->specs, spec_list);
	cr_assert_eq(spec_x(s)->watchdog_ms, 10000);
	cr_assert_eq(spec_x(s)->watchdog_signal, SIGABRT);
	cr_assert_str_eq(spec_x(s)->health_argv[1], "--deep");
	cr_assert_eq(spec_x(s)->health_interval_ms, 30000);
	cr_assert_eq(spec_x(s)->health_timeout_ms, 500);
	cr_assert_eq(spec_x(s)->health_retries, 3);
	cr_assert_eq(spec_x(s)->health_start_period_ms, 60000);
	conf_free(cf);
}

Test(errors, bad_liveness_values)
{
	expect_errors(ROOT "[worker:w]\nparent = root\ncommand = x\n"
	    "watchdog = soon\nwatchdog_signal = NOPE\nhealth = 'open\n"
	    "health_interval = 0\nhealth_retries = 0\nhealth_timeout = 5h\n",
	    "t.ini:5: [worker:w] watchdog = \"soon\" is not a time (ms, or "
	    "with s or m after it)",
	    "t.ini:6: [worker:w] unknown signal \"NOPE\" (use a name such as "
	    "TERM or SIGTERM, or a number from 1 to 64)",
	    "t.ini:7: [worker:w] health: unterminated single quote (close the quote, "
	    "or escape it with a backslash)",
	    "t.ini:8: [worker:w] health_interval = \"0\" is too small (use 1 "
	    "or more)",
	    "t.ini:9: [worker:w] health_retries = \"0\" is too small (use 1 "
	    "or more)",
	    "t.ini:10: [worker:w] health_timeout = \"5h\" is not a time (ms, "
	    "or with s or m after it)");
}

/*
 * The extra keys (spec.h's struct spec_extra): a plain worker's spec has
 * none, one key gives a spec the block, and both read the same once the
 * text is parsed again as a reexec does (conf_load_text) or reloaded.
 */
Test(conf, extra_keys_round_trip_through_the_text)
{
	static const char text[] = ROOT
	    "[worker:plain]\nparent = root\ncommand = /bin/true\n"
	    "[worker:rich]\nparent = root\ncommand = /bin/true\n"
	    "cwd = /srv\nnice = 5\nlimit_nofile = 64:128\n"
	    "health = /bin/check -q\nmemory_max = 1G\n"
	    "listen = http=tcp:127.0.0.1:8080\n"
	    "success_exit_codes = 0 3 USR1\nstop_signal = INT\n"
	    "[dynamic:pool]\nparent = root\ncommand = /bin/true\n"
	    "max_children = 7\n";
	struct config	*a, *b;
	const struct spec *s, *t;
	const char	*keys[SPEC_KEYS_MAX];
	char		**errors;

	a = load_ok(text);
	cr_assert_null(find(a, "plain")->x, "no extra key: no block");
	cr_assert_eq(spec_x(find(a, "plain"))->stop_signal, SIGTERM);
	cr_assert_eq(spec_x(find(a, "plain"))->max_restarts,
	    DEFAULT_MAX_RESTARTS);
	s = find(a, "rich");
	cr_assert_not_null(s->x);
	cr_assert_str_eq(spec_x(s)->cwd, "/srv");
	cr_assert_eq(spec_x(s)->nice.value, 5);
	cr_assert_eq(spec_x(s)->limits[LIMIT_NOFILE].hard, 128);
	cr_assert_str_eq(spec_x(s)->health_argv[1], "-q");
	cr_assert_eq(spec_x(s)->nlisten, 1);
	cr_assert_eq(spec_x(s)->stop_signal, SIGINT);
	cr_assert_eq(spec_x(s)->nsuccess_signals, 1);
	cr_assert_eq(spec_x(find(a, "pool"))->max_children, 7);
	cr_assert_eq(spec_diff(find(a, "plain"), s, keys, SPEC_KEYS_MAX), 8);

	b = conf_load_text(a->path, a->dir, a->text, a->textlen, &errors);
	cr_assert_not_null(b);
	TAILQ_FOREACH(t, &b->specs, entry) {
		cr_assert_eq(spec_diff(find(a, t->name), t, keys,
		    SPEC_KEYS_MAX), 0, "%s differs in %s", t->name, keys[0]);
		cr_assert_eq(find(a, t->name)->x == NULL, t->x == NULL);
	}
	conf_free(b);
	conf_free(a);
}
