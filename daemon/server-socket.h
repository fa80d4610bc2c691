/*
 * server-socket.h — the control socket's file (create, refuse, replace,
 * permissions), accepting when out of fds, and the role of the peer at the
 * other end of a connection.
 */
#ifndef SERVER_SOCKET_H
#define SERVER_SOCKET_H

#include <sys/socket.h>

#include "method.h"

/* Connections above max_clients (and fds) only the admin role may take. */
#define SERVER_SOCKET_ADMIN_SLOTS	4

/* What server_socket_accept returns when it has no new connection */
#define SERVER_SOCKET_EMPTY	(-1)	/* none pending */
#define SERVER_SOCKET_SHED	(-2)	/* out of fds: one refused, go on */
#define SERVER_SOCKET_BROKEN	(-3)	/* accept fails: stop for a while */

/* A listening, non-blocking socket at path; -1 and *cause if not. */
int		server_socket_open(const char *path, char **cause);
/* Take over a listening socket a reexec carried: groups, the spare fd. */
int		server_socket_adopt(int fd, char **cause);
/* 1 if fd is a listening UNIX stream socket. */
int		server_socket_is_listener(int fd);
/* Close the listening socket fd and the fd kept in reserve. */
void		server_socket_close(int fd);
/*
 * A pending connection's fd, or one of SERVER_SOCKET_EMPTY, _SHED, _BROKEN;
 * one refused for want of fds is told it is one too many for serving.
 */
int		server_socket_accept(int fd, int serving);
/* Tell the peer on fd TooManyClients {max} if its socket takes it at once; close fd. */
void		server_socket_refuse(int fd, int max);
/* 1 if a peer of this role may hold fd and leave supd the fds it keeps. */
int		server_socket_fd_allowed(int fd, enum role);
/* What a peer with these credentials may do (after server_socket_open). */
enum role	server_socket_role(const struct ucred *);

#endif /* SERVER_SOCKET_H */
