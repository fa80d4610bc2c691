/*
 * fuzz-notify.c — the sd_notify datagram parser (notify_parse and
 * notify_parse_watchdog): any datagram is taken or refused, STATUS= stays
 * inside its buffer, NUL-terminated and printable.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notify.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*buf, status[NOTIFY_STATUS_MAX + 1];
	unsigned long long	 usec = 0;
	int			 ready, has_status;
	size_t			 i, n;

	if (size > NOTIFY_DGRAM_MAX)
		return (0);	/* larger datagrams are dropped before parsing */
	buf = malloc(size > 0 ? size : 1);
	memcpy(buf, data, size);
	memset(status, 'x', sizeof status);
	if (notify_parse(buf, size, &ready, status, sizeof status,
	    &has_status) == 0 && has_status) {
		if ((n = strnlen(status, sizeof status)) == sizeof status)
			abort();	/* not terminated */
		for (i = 0; i < n; i++)
			if ((unsigned char)status[i] < 0x20 || status[i] == 0x7f)
				abort();	/* not made printable */
	}
	(void)notify_parse_watchdog(buf, size, &usec);
	free(buf);
	return (0);
}
