/*
 * listen.h — sockets supd holds for a child (`listen =`), handed to every
 * start of it with the systemd protocol ($LISTEN_FDS from fd 3,
 * $LISTEN_PID, $LISTEN_FDNAMES) and kept open across its restarts, so
 * the kernel's backlog keeps connections waiting while it restarts.
 * listen-parse.c reads the key (pure: conf.c and unit tests link it);
 * listen.c opens, holds and closes the sockets.
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <stddef.h>

struct node;
struct spec_listen;

/* --- listen-parse.c ------------------------------------------------------ */

/*
 * Parse "NAME=tcp:ADDR:PORT", "NAME=udp:ADDR:PORT" or
 * "NAME=unix:PATH[:MODE]" into *out (its text as written; a relative
 * PATH is left for the caller to resolve, then listen_text to set).
 * ADDR: a numeric IPv4 address, an IPv6 one in brackets, or * for any.
 * -1 and *why (malloc'd, says what is wrong) on bad input.
 */
int	 listen_parse(const char *value, struct spec_listen *out, char **why);
/* Set out->text from its fields (after a path was resolved). */
void	 listen_text(struct spec_listen *);
/* A name fit for $LISTEN_FDNAMES and FDNAME=: 1..255 printable ASCII, no ':'. */
int	 listen_name_valid(const char *, size_t len);

/* --- listen.c ------------------------------------------------------------ */

/*
 * Make node's held sockets what its spec's listen keys say: keep those
 * whose text is unchanged, close the others, open the new ones.  0, or
 * -1 and *cause ("listen web=tcp:...: bind: Address already in use"):
 * a start failure.
 */
int	 listen_prepare(struct node *, char **cause);
/* Close node's sockets (it leaves the tree); a unix socket's file goes too. */
void	 listen_forget(struct node *);
/* Sockets held for node, and the i-th: its fd, name and text. */
size_t	 listen_count(const struct node *);
int	 listen_get(const struct node *, size_t i, const char **name,
	    const char **text);
/*
 * What a start of node is given, in order: its sockets, then its stored
 * fds (fdstore.c): *fds (malloc'd, NULL if none), *n, and the names
 * joined with ':' (malloc'd, NULL if none).
 */
void	 listen_handout(const struct node *, int **fds, size_t *n,
	    char **names);
/* Hold a socket a reexec carried (fd of text, one of node's listen keys). */
void	 listen_adopt(struct node *, const char *text, int fd);

#endif /* LISTEN_H */
