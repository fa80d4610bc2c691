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

/*
 * The same, for an object whose first member (keys[0]) was found already
 * (out[0] set): from after its value on.
 */
const char	*jsonspan_members_rest(const char *after, const char *end,
		    const char *const *keys, struct jsonspan *out);

/*
 * jsonspan_value's scan of a string, object or array over text that
 * arrives in pieces, fed in order from its first byte ('"', '{' or '['):
 * 1 once the value ended (*after: its length), 0 while more is wanted,
 * -1 if it is not JSON.
 */
#define JSONSPAN_DEPTH	256
struct jsonspan_scan {
	char	 want[JSONSPAN_DEPTH];	/* the closing brackets due */
	int	 depth, in_string;
	int	 escaped;		/* the next byte follows a backslash */
	size_t	 fed;
};
void	 jsonspan_scan_init(struct jsonspan_scan *);
int	 jsonspan_scan_feed(struct jsonspan_scan *, const char *p, size_t len,
	    size_t *after);

#endif /* JSONSPAN_H */
