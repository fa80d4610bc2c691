/*
 * paths.c — the default control socket.  Named proto_ because supd's main.c
 * and supctl both call it by that name; it depends on the environment, the
 * effective uid and one access(2), nothing else.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "paths.h"

const char *
proto_default_socket(void)
{
	static char	 buf[PATH_MAX];
	const char	*env;

	if ((env = getenv("SUPD_SOCKET")) != NULL && *env != '\0')
		return (env);
	/* A user's own supd lives in their runtime directory, as systemd --user's. */
	if (geteuid() != 0 && access(PATHS_SYSTEM_SOCKET, F_OK) != 0 &&
	    (env = getenv("XDG_RUNTIME_DIR")) != NULL && *env == '/') {
		if (snprintf(buf, sizeof(buf), "%s/supd/supd.sock", env) <
		    (int)sizeof(buf))
			return (buf);
	}
	return (PATHS_SYSTEM_SOCKET);
}
