/*
 * check.h — `supd --check`: the tree a valid configuration describes, one
 * line per section, indented by depth, and what the file names that this
 * machine lacks.  Loading and errors are conf.c's.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

#include "spec.h"

/*
 * Print the tree for `supd --check`: indentation shows nesting; each
 * supervisor with strategy and intensity (max_restarts/max_seconds); dynamic
 * supervisors with max_children/partitions; workers with their command and
 * restart type.
 */
void	check_print(FILE *, const struct config *);

/* Print argv as one line a POSIX shell (and conf_split_command) splits back. */
void	check_print_argv(FILE *, char *const *argv);

/*
 * Look up on this machine what the children of cf name: the program of
 * each command (as execve finds it: a path, or a name in PATH), cwd, user
 * and group.  Returns the number of problems and sets *problems to a
 * NULL-terminated malloc'd vector (strv_free), one "FILE:LINE: [section]
 * TAGmessage" each (tag: "warning: " or ""), in file order; NULL when there
 * is none.
 */
size_t	check_machine(const struct config *cf, const char *tag,
	    char ***problems);

#endif /* CHECK_H */
