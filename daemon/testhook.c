/*
 * testhook.c — SUPD_TEST_PAUSE: supd stops itself at a named point so a
 * test can SIGKILL it exactly there (see testhook.h).  No debugger, no
 * timing: the test waits for the stopped state in /proc.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhook.h"
#include "util.h"

const char	*testhook_point;
static char	*testhook_arm;		/* the file that arms the point */

void
testhook_init(void)
{
	const char	*v = getenv("SUPD_TEST_PAUSE");
	char		*at;

	if (v == NULL || *v == '\0')
		return;
	free(testhook_arm);
	testhook_arm = NULL;
	if ((at = strchr(v, '@')) == NULL || at[1] == '\0') {
		log_warn("SUPD_TEST_PAUSE=%s: not POINT@FILE; ignored", v);
		return;
	}
	testhook_arm = xstrdup(at + 1);
	testhook_point = xasprintf("%.*s", (int)(at - v), v);
}

void
testhook_slow(const char *point)
{
	if (strcmp(point, testhook_point) != 0 || unlink(testhook_arm) == -1)
		return;
	log_info("test hook: stopped at %s", point);
	raise(SIGSTOP);
}
