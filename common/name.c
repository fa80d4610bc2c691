/*
 * name.c — the contract's name pattern, [A-Za-z0-9][A-Za-z0-9_.@-]{0,63}.
 * Checked by the config loader, the daemon's methods and supctl alike.
 */
#include <string.h>

#include "name.h"

static int
name_first_char(char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'));
}

static int
name_char(char c)
{
	return (name_first_char(c) || c == '_' || c == '.' || c == '@' ||
	    c == '-');
}

int
name_valid(const char *s, const char **why)
{
	size_t	i, len;

	if (s == NULL || *s == '\0') {
		if (why != NULL)
			*why = "name is empty";
		return (0);
	}
	len = strlen(s);
	if (len > NAME_MAX_CHARS) {
		if (why != NULL)
			*why = "name is longer than 64 characters";
		return (0);
	}
	if (!name_first_char(s[0])) {
		if (why != NULL)
			*why = "name must start with a letter or a digit";
		return (0);
	}
	for (i = 1; i < len; i++) {
		if (!name_char(s[i])) {
			if (why != NULL)
				*why = "name may hold only letters, digits and _ . @ -";
			return (0);
		}
	}
	return (1);
}
