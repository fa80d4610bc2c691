/*
 * signame.c — signal names and numbers: the classic names (and the
 * aliases kill(1) takes: IOT, CLD, POLL), numbers from 1 to SIGRTMAX, and
 * the realtime signals as RTMIN+N and RTMAX-N.  Printing prefers RTMIN+N,
 * since SIGRTMIN is not a constant (glibc keeps a few for itself).
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signame.h"

static const struct {
	const char	*name;
	int		 sig;
} signame_table[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
#ifdef SIGSTKFLT
	{ "STKFLT", SIGSTKFLT },
#endif
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	{ "IO", SIGIO },
#ifdef SIGPWR
	{ "PWR", SIGPWR },
#endif
	{ "SYS", SIGSYS },
	/* aliases: parsed, never printed (the first name of a number wins) */
	{ "IOT", SIGIOT }, { "CLD", SIGCHLD }, { "POLL", SIGIO },
};
#define SIGNAME_COUNT	(sizeof(signame_table) / sizeof(signame_table[0]))

/* A decimal number with nothing after it, at most max; -1 otherwise. */
static long
signame_decimal(const char *s, long max)
{
	long	n = 0;

	if (!isdigit((unsigned char)*s))
		return (-1);
	for (; isdigit((unsigned char)*s); s++) {
		n = n * 10 + (*s - '0');
		if (n > max)
			return (-1);
	}
	return (*s == '\0' ? n : -1);
}

/* The number of the signal s names (any case, SIG optional), or -1. */
int
signame_number(const char *s)
{
	long	n;
	size_t	i;
	int	min;

	if (isdigit((unsigned char)*s)) {
		n = signame_decimal(s, SIGRTMAX);
		return (n >= 1 ? (int)n : -1);
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < SIGNAME_COUNT; i++) {
		if (strcasecmp(s, signame_table[i].name) == 0)
			return (signame_table[i].sig);
	}
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N, as kill(1) spells them */
	if (strncasecmp(s, "RTMIN", 5) != 0 && strncasecmp(s, "RTMAX", 5) != 0)
		return (-1);
	min = toupper((unsigned char)s[4]) == 'N';
	if (s[5] == '\0')
		return (min ? SIGRTMIN : SIGRTMAX);
	if (s[5] != (min ? '+' : '-') ||
	    (n = signame_decimal(s + 6, SIGRTMAX - SIGRTMIN)) < 0)
		return (-1);
	return ((int)(min ? SIGRTMIN + n : SIGRTMAX - n));
}

/* The name of sig without SIG ("TERM", "RTMIN+3"), or its number, in buf. */
const char *
signame_name(int sig, char *buf, size_t size)
{
	size_t	i;

	for (i = 0; i < SIGNAME_COUNT; i++) {
		if (signame_table[i].sig == sig) {
			snprintf(buf, size, "%s", signame_table[i].name);
			return (buf);
		}
	}
	if (sig == SIGRTMIN)
		snprintf(buf, size, "RTMIN");
	else if (sig > SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, size, "RTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "%d", sig);
	return (buf);
}
