/*
 * conf.h — the INI file (SPEC section 1) to a struct config, with every
 * error of the file found in one run.  main.c calls it at start-up, for
 * --check and on reload; what a config means at run time is tree.c's.
 */
#ifndef CONF_H
#define CONF_H

#include "spec.h"

/*
 * Load and validate path.  On success returns the config and *errors = NULL.
 * On failure returns NULL and *errors = a NULL-terminated malloc'd vector of
 * every error, one line each, "FILE:LINE: [section] message", in file order.
 */
struct config	*conf_load(const char *path, char ***errors);
/*
 * The same for a text already read (what a config's text member holds),
 * with path for messages and dir for relative paths.
 */
struct config	*conf_load_text(const char *path, const char *dir,
		    const char *text, size_t len, char ***errors);
void		 conf_free(struct config *);
void		 conf_errors_free(char **errors);

/*
 * Split a command line like a POSIX shell (quotes, backslashes), no
 * expansion.  Returns a NULL-terminated argv, each word and the vector
 * malloc'd (strv_free frees it), or NULL and *why on error (unterminated
 * quote, trailing backslash).
 */
char		**conf_split_command(const char *line, const char **why);

#endif /* CONF_H */
