/*
 * signame.h — the one table of signal names and numbers, for the config
 * (stop_signal, success_exit_codes), supd's Signal method, supctl and
 * Inspect: "TERM", "SIGTERM", "15", "RTMIN+3", "RTMAX-1" both ways.
 */
#ifndef SIGNAME_H
#define SIGNAME_H

#include <stddef.h>

#define SIGNAME_BUF	16	/* enough for any name signame_name makes */

/* The number of the signal s names (any case, SIG optional), or -1. */
int		 signame_number(const char *s);
/* The name of sig without SIG ("TERM", "RTMIN+3"), or its number, in buf. */
const char	*signame_name(int sig, char *buf, size_t size);

#endif /* SIGNAME_H */
