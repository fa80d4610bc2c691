/*
 * paths.c — the default paths of supd's configuration, socket, state and
 * logs.  They depend on the environment, the effective uid and a stat(2)
 * or two, nothing else; supd makes the directories (paths_make_dirs),
 * supctl only reads the socket's path.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

#define PATHS_SOCKET_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path))

static const char *const paths_system[] = {
	[PATHS_CONFIG] = PATHS_SYSTEM_CONFIG,
	[PATHS_SOCKET] = PATHS_SYSTEM_SOCKET,
	[PATHS_STATE] = PATHS_SYSTEM_STATE,
	[PATHS_LOG_DIR] = PATHS_SYSTEM_LOG_DIR,
};

/* What each kind is, under its base directory. */
static const char *const paths_leaf[] = {
	[PATHS_CONFIG] = "supd/supd.ini",
	[PATHS_SOCKET] = "supd/supd.sock",
	[PATHS_STATE] = "supd/state.db",
	[PATHS_LOG_DIR] = "supd/log",
};

static char	paths_note[1024];

int
paths_user(void)
{
	return (geteuid() != 0);
}

/* base/leaf into buf if it fits in max; 1 if so. */
static int
paths_join(char *buf, size_t max, const char *base, const char *leaf)
{
	int	n = snprintf(buf, max, "%s/%s", base, leaf);

	return (n > 0 && (size_t)n < max);
}

/* Add to what paths_default will say, "; " between two. */
static void __attribute__((format(printf, 1, 2)))
paths_add_note(const char *fmt, ...)
{
	size_t	len = strlen(paths_note);
	va_list	ap;

	if (len > 0 && len + 2 < sizeof paths_note) {
		strcpy(paths_note + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(paths_note + len, sizeof paths_note - len, fmt, ap);
	va_end(ap);
}

/* An XDG variable, or what stands in for it; 1 and buf if usable. */
static int
paths_try(char *buf, size_t max, const char *var, const char *value,
    const char *sub, const char *leaf)
{
	char	base[PATH_MAX];

	if (value == NULL)
		return (0);
	/* the XDG spec: a relative path is invalid and is ignored */
	if (value[0] != '/') {
		paths_add_note("$%s=\"%.64s\" is %s: not used", var, value,
		    value[0] == '\0' ? "empty" : "not an absolute path");
		return (0);
	}
	if (snprintf(base, sizeof base, "%s%s", value, sub) >=
	    (int)sizeof base || !paths_join(buf, max, base, leaf)) {
		paths_add_note("$%s (%zu bytes) is too long for %s: not used",
		    var, strlen(value), leaf);
		return (0);
	}
	return (1);
}

/* $XDG_STATE_HOME or ~/.local/state, with leaf; 1 if usable. */
static int
paths_state_home(char *buf, size_t max, const char *leaf)
{
	if (paths_try(buf, max, "XDG_STATE_HOME", getenv("XDG_STATE_HOME"),
	    "", leaf))
		return (1);
	return (paths_try(buf, max, "HOME", getenv("HOME"), "/.local/state",
	    leaf));
}

/* $XDG_RUNTIME_DIR, else /run/user/UID when it is ours, else the state home. */
static int
paths_runtime_dir(char *buf, size_t max, const char *leaf)
{
	struct stat	st;
	char		own[64];

	if (paths_try(buf, max, "XDG_RUNTIME_DIR", getenv("XDG_RUNTIME_DIR"),
	    "", leaf))
		return (1);
	snprintf(own, sizeof own, "/run/user/%u", (unsigned int)geteuid());
	if (stat(own, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && paths_join(buf, max, own, leaf))
		return (1);
	return (paths_state_home(buf, max, leaf));
}

const char *
paths_default(enum paths_kind kind, const char **note)
{
	static char	 buf[4][PATH_MAX];
	const char	*leaf = paths_leaf[kind];
	size_t		 max = kind == PATHS_SOCKET ? PATHS_SOCKET_MAX : PATH_MAX;
	int		 ok;

	paths_note[0] = '\0';
	if (note != NULL)
		*note = NULL;
	if (!paths_user())
		return (paths_system[kind]);
	switch (kind) {
	case PATHS_CONFIG:
		ok = paths_try(buf[kind], max, "XDG_CONFIG_HOME",
		    getenv("XDG_CONFIG_HOME"), "", leaf) ||
		    paths_try(buf[kind], max, "HOME", getenv("HOME"),
		    "/.config", leaf);
		break;
	case PATHS_SOCKET:
		ok = paths_runtime_dir(buf[kind], max, leaf);
		break;
	default:
		ok = paths_state_home(buf[kind], max, leaf);
		break;
	}
	if (!ok && paths_note[0] == '\0')
		paths_add_note("neither $%s nor $HOME is set",
		    kind == PATHS_CONFIG ? "XDG_CONFIG_HOME" :
		    kind == PATHS_SOCKET ? "XDG_RUNTIME_DIR" : "XDG_STATE_HOME");
	if (!ok)
		paths_add_note("using %s", paths_system[kind]);
	if (note != NULL && paths_note[0] != '\0')
		*note = paths_note;
	return (ok ? buf[kind] : paths_system[kind]);
}

const char *
paths_socket(const char **note)
{
	const char	*env;

	if (note != NULL)
		*note = NULL;
	if ((env = getenv("SUPD_SOCKET")) != NULL && *env != '\0')
		return (env);
	return (paths_default(PATHS_SOCKET, note));
}

int
paths_make_dirs(enum paths_kind kind, const char *path, char *why,
    size_t whylen)
{
	char	dir[PATH_MAX], *p;

	if (!paths_user() || strcmp(path, paths_default(kind, NULL)) != 0 ||
	    strcmp(path, paths_system[kind]) == 0)
		return (0);
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir ||
	    (p = strrchr(dir, '/')) == NULL)
		return (0);
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (*p == '\0') {
			if (mkdir(dir, 0700) == -1 && errno != EEXIST)
				break;
			return (0);
		}
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			break;
		*p = '/';
	}
	snprintf(why, whylen, "mkdir %s: %s", dir, strerror(errno));
	return (-1);
}
