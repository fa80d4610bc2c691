/*
 * jsonspan.h — where a value lies in JSON text, without building it: for
 * replies supctl passes through as they came (status --json of 10,000
 * children is megabytes that parsing and printing again only slow down).
 */
#ifndef JSONSPAN_H
#define JSONSPAN_H

#include <stddef.h>

/*
 * The end of the JSON value starting at p (after leading white space),
 * checked for structure (brackets, strings, literals and numbers in their
 * places, not every rule of RFC 8259); NULL if malformed or past end.
 */
const char	*jsonspan_value(const char *p, const char *end);
/*
 * The value of member key of the object at p, in [*vp, *vend); 0 if found,
 * 1 if the object has no such member, -1 if it is not an object or is
 * malformed.
 */
int		 jsonspan_member(const char *p, const char *end, const char *key,
		    const char **vp, const char **vend);

#endif /* JSONSPAN_H */
