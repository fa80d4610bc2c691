/*
 * paths.h — where supd's control socket is when no -s is given: the one
 * rule, shared by supd and supctl.
 */
#ifndef PATHS_H
#define PATHS_H

#define PATHS_SYSTEM_SOCKET	"/run/supd/supd.sock"

/*
 * The socket to use when none is given on the command line: $SUPD_SOCKET if
 * set and not empty; else /run/supd/supd.sock, unless the caller is not root,
 * that socket does not exist and $XDG_RUNTIME_DIR is set (an absolute path):
 * then $XDG_RUNTIME_DIR/supd/supd.sock.  The string is static.
 */
const char	*proto_default_socket(void);

#endif /* PATHS_H */
