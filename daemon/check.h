/*
 * check.h — `supd --check`: the tree a valid configuration describes, one
 * line per section, indented by depth.  Loading and errors are conf.c's.
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

#endif /* CHECK_H */
