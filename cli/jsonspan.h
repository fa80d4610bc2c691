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
 * checked for its brackets and strings only (what lies between them is
 * passed on as it is); NULL if they do not match or it runs past end.
 */
const char	*jsonspan_value(const char *p, const char *end);
struct jsonspan {
	const char	*p, *end;	/* NULL when absent */
};
/*
 * The values of the members keys[] (NULL-terminated) of the object at p,
 * in out[], by one pass over it: the end of the object, or NULL if it is
 * not an object or is malformed.  A name is matched as written (supd writes no escapes in
 * its names).
 */
const char	*jsonspan_members(const char *p, const char *end,
		    const char *const *keys, struct jsonspan *out);

#endif /* JSONSPAN_H */
