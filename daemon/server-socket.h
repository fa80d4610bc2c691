/*
 * server-socket.h — the control socket's file (create, refuse, replace,
 * permissions) and the role of the peer at the other end of a connection.
 */
#ifndef SERVER_SOCKET_H
#define SERVER_SOCKET_H

#include <sys/socket.h>

#include "method.h"

/* A listening, non-blocking socket at path; -1 and *cause if not. */
int		server_socket_open(const char *path, char **cause);
/* What a peer with these credentials may do (after server_socket_open). */
enum role	server_socket_role(const struct ucred *);

#endif /* SERVER_SOCKET_H */
