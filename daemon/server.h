/*
 * server.h — the control socket: accept, peer credentials -> role,
 * bounded buffers, varlink framing, dispatch to the method table.
 */
#ifndef SERVER_H
#define SERVER_H

#include <jansson.h>

/* Listen on path (refuses a socket another supd is serving); -1 and *cause on error. */
int	server_init(const char *path, char **cause);
/* Close the listener and every client; unlink the socket. */
void	server_close(void);
/* Connected clients, for metrics. */
int	server_clients(void);

/* reexec: the listener and the caller carried across the exec */
struct client;
/* Serve a listening socket a reexec carried (bound at path); -1 and *cause. */
int	server_adopt(int fd, const char *path, char **cause);
int	server_listen_fd(void);
/* Take no new call and no new connection / take them again. */
void	server_pause(void);
void	server_resume(void);
/* 1 and *why while a client but except waits for a command or the disk. */
int	server_busy(const struct client *except, const char **why);
/* Close every client but keep; a copy of keep's fd (inheritable), or -1. */
int	server_detach(struct client *keep);
/* Serve a client fd again, sending msg (stolen) first. */
void	server_adopt_client(int fd, json_t *msg);

#endif /* SERVER_H */
