/* name.h — the one rule for child, supervisor and group names, at both ends. */
#ifndef NAME_H
#define NAME_H

#define NAME_MAX_CHARS	64	/* [A-Za-z0-9][A-Za-z0-9_.@-]{0,63} */

/* 1 if s is a valid name; else 0 and, if why != NULL, a static sentence. */
int	name_valid(const char *s, const char **why);

#endif /* NAME_H */
