/*
 * server.h — the control socket: accept, peer credentials -> role,
 * bounded buffers, varlink framing, dispatch to the method table.
 */
#ifndef SERVER_H
#define SERVER_H

/* Listen on path (refuses a socket another supd is serving); -1 and *cause on error. */
int	server_init(const char *path, char **cause);
/* Close the listener and every client; unlink the socket. */
void	server_close(void);
/* Connected clients, for metrics. */
int	server_clients(void);

#endif /* SERVER_H */
