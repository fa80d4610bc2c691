/*
 * test-completion.c — supctl's bash completion driven as bash drives it:
 * the file sourced in a bash subprocess, COMP_WORDS and COMP_CWORD set,
 * _supctl called, COMPREPLY printed.  Commands and options come from
 * supctl; names from a running supd, and nothing (quietly) without one.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define COMPLETION	SRCDIR "/completion/supctl.bash"

static const char tree_ini[] =
    "[supervisor:root]\n"
    "[worker:web]\n"
    "parent = root\n"
    "command = /bin/sleep 600\n"
    "groups = front, edge\n"
    "[supervisor:back]\n"
    "parent = root\n"
    "[worker:db]\n"
    "parent = back\n"
    "command = /bin/sleep 600\n"
    "[dynamic:jobs]\n"
    "parent = root\n"
    "command = /bin/sleep 600\n";

static struct supd_inst	in;
/* supctl as the completion runs it: under valgrind, a wrapper (see up) */
static char		supctl[400];

/*
 * Complete the words (the last is the one being completed) with the
 * socket sock in $SUPD_SOCKET (none: NULL); COMPREPLY sorted, one line
 * each.  stderr in *err.
 */
static char *
complete(const char *sock, char **err, const char *words)
{
	char	 script[2048], *out;
	char	*argv[] = { "/bin/bash", "--norc", "--noprofile", "-c", script,
	    NULL };
	int	 rc;

	snprintf(script, sizeof script,
	    "%s%s%s unset SUPD_SOCKET; [ -n \"$S\" ] && export SUPD_SOCKET=$S; "
	    "source '%s' || exit 9; COMP_WORDS=('%s' %s); "
	    "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _supctl; "
	    "printf '%%s\\n' \"${COMPREPLY[@]}\" | LC_ALL=C sort",
	    sock != NULL ? "S='" : "S=", sock != NULL ? sock : "",
	    sock != NULL ? "';" : ";", COMPLETION,
	    supctl[0] != '\0' ? supctl : harness_supctl_bin, words);
	rc = harness_run(&out, err, argv);
	cr_assert_eq(rc, 0, "bash exit %d for %s: %s", rc, words, *err);
	return (out);
}

static void
expect(const char *sock, const char *words, const char *want)
{
	char	*out, *err;

	out = complete(sock, &err, words);
	cr_assert_str_eq(out, want, "completing [%s]: got\n%s", words, out);
	cr_assert_str_empty(err, "completing [%s]: stderr\n%s", words, err);
	free(out);
	free(err);
}

static void
up(void)
{
	FILE	*f;

	harness_init(&in, tree_ini);
	harness_start(&in);
	/*
	 * The completion gives supd one second (SUPCTL_TIMEOUT=1): under
	 * valgrind, a supctl that waits harness_scale() times as long.
	 */
	supctl[0] = '\0';
	if (harness_valgrind()) {
		snprintf(supctl, sizeof supctl, "%s/supctl", in.dir);
		cr_assert_not_null(f = fopen(supctl, "w"));
		fprintf(f, "#!/bin/sh\nSUPCTL_TIMEOUT=%d exec '%s' \"$@\"\n",
		    harness_scale(), harness_supctl_bin);
		fclose(f);
		cr_assert_eq(chmod(supctl, 0755), 0);
	}
}

static void
down(void)
{
	harness_stop(&in);
}

Test(completion, commands_and_options_come_from_supctl)
{
	expect(NULL, "st", "start\nstatus\nstop\n");
	expect(NULL, "''", "await\nevents\nhelp\ninspect\nlogs\nmembers\n"
	    "metrics\nreexec\nreload\nrestart\nrun\nshutdown\nsignal\nspawn\n"
	    "start\nstatus\nstop\ntop\ntree\nwhereis\n");
	expect(NULL, "logs web --", "--follow\n--help\n--json\n--lines\n"
	    "--since\n--socket\n--stderr\n--timestamps\n");
	expect(NULL, "help sh", "shutdown\n");
	expect(NULL, "signal web K", "KILL\n");
	expect(NULL, "--js", "--json\n");
}

Test(completion, without_a_daemon_names_are_quietly_nothing)
{
	char	sock[300];

	snprintf(sock, sizeof sock, "/tmp/supd-test-no-such-dir-%d/supd.sock",
	    (int)getpid());
	expect(sock, "status ''", "\n");
	expect(sock, "signal ''", "\n");
	expect(sock, "spawn ''", "\n");
	expect(sock, "members ''", "\n");
}

Test(completion, names_groups_and_dynamic_supervisors_from_supd,
    .init = up, .fini = down)
{
	char	words[600];

	expect(in.sock, "status ''", "@edge\n@front\nback\ndb\njobs\nroot\n"
	    "web\n");
	expect(in.sock, "stop web @", "@edge\n@front\n");
	expect(in.sock, "signal web K", "KILL\n");
	expect(in.sock, "stop w", "web\n");
	expect(in.sock, "signal ''", "@edge\n@front\nback\ndb\njobs\nroot\n"
	    "web\n");
	expect(in.sock, "spawn ''", "jobs\n");
	expect(in.sock, "run j", "jobs\n");
	expect(in.sock, "members ''", "edge\nfront\n");
	expect(in.sock, "spawn jobs j1 --group f", "front\n");
	expect(in.sock, "logs -n 5 d", "db\n");
	/* after --, the child's own arguments: nothing */
	expect(in.sock, "run jobs -- ''", "\n");
	/* the socket given on the line is the one asked */
	snprintf(words, sizeof words, "-s '%s' inspect ''", in.sock);
	expect(NULL, words, "back\ndb\njobs\nroot\nweb\n");
	snprintf(words, sizeof words, "--socket='%s' whereis d", in.sock);
	expect(NULL, words, "db\n");
}
