/*
 * paths.h — where supd's files are when neither the command line nor the
 * configuration says: the one set of rules, shared by supd and supctl.
 * Root gets the system's paths; any other user the XDG ones, as
 * systemd --user does.
 */
#ifndef PATHS_H
#define PATHS_H

#include <stddef.h>

#define PATHS_SYSTEM_CONFIG	"/etc/supd/supd.ini"
#define PATHS_SYSTEM_SOCKET	"/run/supd/supd.sock"
#define PATHS_SYSTEM_STATE	"/var/lib/supd/state.db"
#define PATHS_SYSTEM_LOG_DIR	"/var/log/supd"

/* The same, for a user, as supd --help and the manuals write them. */
#define PATHS_USER_CONFIG	"$XDG_CONFIG_HOME/supd/supd.ini"
#define PATHS_USER_SOCKET	"$XDG_RUNTIME_DIR/supd/supd.sock"
#define PATHS_USER_STATE	"$XDG_STATE_HOME/supd/state.db"
#define PATHS_USER_LOG_DIR	"$XDG_STATE_HOME/supd/log"

enum paths_kind {
	PATHS_CONFIG,
	PATHS_SOCKET,
	PATHS_STATE,
	PATHS_LOG_DIR,
};

/* 1 when the user rules apply: the effective uid is not root's. */
int		 paths_user(void);

/*
 * The default path of kind.  For root, the system's.  For a user:
 * $XDG_CONFIG_HOME (else ~/.config), $XDG_STATE_HOME (else ~/.local/state)
 * and $XDG_RUNTIME_DIR (else /run/user/UID if it is the user's, else the
 * state directory) with "supd/" and the file's name.  A variable that is
 * relative, empty or too long is skipped, and *note (if note is not NULL)
 * says so, else is NULL; with no usable base at all, the system's path.
 * The string is static, one per kind.
 */
const char	*paths_default(enum paths_kind, const char **note);

/* The socket when none is given: $SUPD_SOCKET if set and not empty, else the default. */
const char	*paths_socket(const char **note);

/*
 * If path is kind's default for a user, create the missing directories
 * above it mode 0700, as systemd does for a user's; else do nothing.
 * 0, or -1 with the reason in why.
 */
int		 paths_make_dirs(enum paths_kind, const char *path, char *why,
		    size_t whylen);

#endif /* PATHS_H */
