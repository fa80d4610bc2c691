/*
 * test-install.c — `meson install` as a packager runs it: a build of the
 * sources with prefix /usr installed into a DESTDIR holds exactly the
 * expected files, its units run the installed binary; installed for real
 * under a temporary prefix, systemd-analyze verify accepts both units.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char	tmp[64];

/* Run a shell command line; its status; stdout in *out if out is not NULL. */
static int
sh(char **out, const char *fmt, ...)
{
	char	 cmd[4096], *err = NULL, *o = NULL;
	char	*argv[] = { "/bin/sh", "-c", cmd, NULL };
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	rc = harness_run(&o, &err, argv);
	if (rc != 0)
		cr_log_error("%s: exit %d\n%s%s", cmd, rc, o, err);
	if (out != NULL)
		*out = o;
	else
		free(o);
	free(err);
	return (rc);
}

static void
setup(void)
{
	strcpy(tmp, "/tmp/supd-install.XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void
teardown(void)
{
	if (getenv("SUPD_TEST_KEEP") == NULL)
		sh(NULL, "rm -rf '%s'", tmp);
}

static const char expected[] =
    "./etc/supd/supd.ini\n"
    "./usr/bin/supctl\n"
    "./usr/bin/supd\n"
    "./usr/lib/systemd/system/supd.service\n"
    "./usr/lib/systemd/user/supd.service\n"
    "./usr/share/bash-completion/completions/supctl\n"
    "./usr/share/man/man1/supctl.1\n"
    "./usr/share/man/man5/supd.ini.5\n"
    "./usr/share/man/man8/supd.8\n";

/* The value of key in the unit at path (first occurrence), malloc'd. */
static char *
unit_value(const char *path, const char *key)
{
	char	*out = NULL, *nl;

	cr_assert_eq(sh(&out, "sed -n 's/^%s=//p' '%s' | head -1", key, path),
	    0);
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	return (out);
}

TestSuite(install, .init = setup, .fini = teardown, .timeout = 600);

Test(install, puts_every_file_in_its_place_and_systemd_accepts_the_units)
{
	char	*list = NULL, *v;
	char	 path[300];

	/* a build of its own: the test's build dir is the one running it */
	cr_assert_eq(sh(NULL, "meson setup --prefix=/usr --buildtype=plain "
	    "'%s' '%s/build' >'%s/setup.log' 2>&1", SRCDIR, tmp, tmp), 0);
	cr_assert_eq(sh(NULL, "ninja -C '%s/build' daemon/supd cli/supctl "
	    ">'%s/ninja.log' 2>&1", tmp, tmp), 0);
	cr_assert_eq(sh(NULL, "meson install -C '%s/build' --no-rebuild "
	    "--destdir '%s/dest' >'%s/install.log' 2>&1", tmp, tmp, tmp), 0);
	cr_assert_eq(sh(&list, "cd '%s/dest' && find . ! -type d | LC_ALL=C "
	    "sort", tmp), 0);
	cr_assert_str_eq(list, expected);
	free(list);

	/* the units run what was installed, on the installed file */
	snprintf(path, sizeof path, "%s/dest/usr/lib/systemd/system/supd.service",
	    tmp);
	cr_assert_str_eq(v = unit_value(path, "ExecStart"),
	    "/usr/bin/supd -c /etc/supd/supd.ini");
	free(v);
	cr_assert_str_eq(v = unit_value(path, "Type"), "notify");
	free(v);
	cr_assert_str_eq(v = unit_value(path, "KillMode"), "mixed");
	free(v);
	snprintf(path, sizeof path, "%s/dest/usr/lib/systemd/user/supd.service",
	    tmp);
	cr_assert_str_eq(v = unit_value(path, "ExecStart"), "/usr/bin/supd");
	free(v);
	/* the installed example runs nothing at all */
	cr_assert_eq(sh(&list, "'%s/dest/usr/bin/supd' --check -c "
	    "'%s/dest/etc/supd/supd.ini'", tmp, tmp), 0);
	cr_assert_str_eq(list, "root  supervisor one_for_one 3/5s\n");
	free(list);

	if (sh(NULL, "command -v systemd-analyze >/dev/null") != 0) {
		cr_log_warn("no systemd-analyze on this machine: the units are "
		    "not verified");
		return;
	}
	/* for real, under a prefix of its own: ExecStart names a binary there */
	cr_assert_eq(sh(NULL, "meson configure '%s/build' -Dprefix='%s/p' "
	    ">>'%s/setup.log' 2>&1 && ninja -C '%s/build' daemon/supd "
	    "cli/supctl >>'%s/ninja.log' 2>&1 && meson install -C '%s/build' "
	    "--no-rebuild >>'%s/install.log' 2>&1", tmp, tmp, tmp, tmp, tmp,
	    tmp, tmp), 0);
	/* it says what it ignores (a bad value, an unknown key) yet exits 0 */
	cr_assert_eq(sh(&list, "systemd-analyze verify --man=no "
	    "'%s/p/lib/systemd/system/supd.service' 2>&1", tmp), 0);
	cr_assert_str_empty(list, "systemd-analyze verify: %s", list);
	free(list);
	cr_assert_eq(sh(&list, "mkdir -p '%s/xdg' && XDG_RUNTIME_DIR='%s/xdg' "
	    "systemd-analyze --user verify --man=no "
	    "'%s/p/lib/systemd/user/supd.service' 2>&1", tmp, tmp, tmp), 0);
	cr_assert_str_empty(list, "systemd-analyze --user verify: %s", list);
	free(list);
}
