/*
 * test-signame.c — the one signal table: names, SIG prefixes, numbers and
 * realtime signals parsed, and names printed back, word for word.
 */
#include <signal.h>

#include <criterion/criterion.h>

#include "signame.h"

Test(signame, names_numbers_and_spellings)
{
	cr_assert_eq(signame_number("TERM"), SIGTERM);
	cr_assert_eq(signame_number("SIGTERM"), SIGTERM);
	cr_assert_eq(signame_number("15"), SIGTERM);
	cr_assert_eq(signame_number("sigterm"), SIGTERM);
	cr_assert_eq(signame_number("HUP"), SIGHUP);
	cr_assert_eq(signame_number("SIGKILL"), SIGKILL);
	cr_assert_eq(signame_number("CLD"), SIGCHLD);
	cr_assert_eq(signame_number("POLL"), SIGIO);
	cr_assert_eq(signame_number("IOT"), SIGABRT);
	cr_assert_eq(signame_number("WINCH"), SIGWINCH);
	cr_assert_eq(signame_number("RTMIN"), SIGRTMIN);
	cr_assert_eq(signame_number("RTMIN+3"), SIGRTMIN + 3);
	cr_assert_eq(signame_number("SIGRTMIN+3"), SIGRTMIN + 3);
	cr_assert_eq(signame_number("rtmin+3"), SIGRTMIN + 3);
	cr_assert_eq(signame_number("RTMAX-1"), SIGRTMAX - 1);
	cr_assert_eq(signame_number("RTMAX"), SIGRTMAX);
	cr_assert_eq(signame_number("64"), SIGRTMAX);
}

Test(signame, unknown_ones)
{
	cr_assert_eq(signame_number("0"), -1);
	cr_assert_eq(signame_number("65"), -1);
	cr_assert_eq(signame_number("-9"), -1);
	cr_assert_eq(signame_number("9x"), -1);
	cr_assert_eq(signame_number("99999999999999999999"), -1);
	cr_assert_eq(signame_number("TERMS"), -1);
	cr_assert_eq(signame_number("SIG"), -1);
	cr_assert_eq(signame_number(""), -1);
	cr_assert_eq(signame_number("RTMIN-1"), -1);
	cr_assert_eq(signame_number("RTMAX+1"), -1);
	cr_assert_eq(signame_number("RTMIN+"), -1);
	cr_assert_eq(signame_number("RTMIN+99"), -1);
	cr_assert_eq(signame_number("RTMIN+3x"), -1);
}

Test(signame, names_printed)
{
	char	buf[SIGNAME_BUF];

	cr_assert_str_eq(signame_name(SIGTERM, buf, sizeof buf), "TERM");
	cr_assert_str_eq(signame_name(SIGKILL, buf, sizeof buf), "KILL");
	/* an alias is never printed: the number's first name is */
	cr_assert_str_eq(signame_name(SIGABRT, buf, sizeof buf), "ABRT");
	cr_assert_str_eq(signame_name(SIGCHLD, buf, sizeof buf), "CHLD");
	cr_assert_str_eq(signame_name(SIGRTMIN, buf, sizeof buf), "RTMIN");
	cr_assert_str_eq(signame_name(SIGRTMIN + 3, buf, sizeof buf), "RTMIN+3");
	cr_assert_str_eq(signame_name(0, buf, sizeof buf), "0");
	cr_assert_str_eq(signame_name(200, buf, sizeof buf), "200");
}

Test(signame, every_signal_round_trips)
{
	char	buf[SIGNAME_BUF];
	int	sig;

	for (sig = 1; sig <= SIGRTMAX; sig++) {
		/* 32 and 33 are glibc's own and have no name */
		if (sig > SIGSYS && sig < SIGRTMIN)
			continue;
		cr_assert_eq(signame_number(signame_name(sig, buf, sizeof buf)),
		    sig, "signal %d printed as %s", sig, buf);
	}
}
