/*
 * server-socket.c — the control socket as a file and who is at the other
 * end: create its directory, refuse a socket another supd serves, replace
 * a stale one, bind it no more open than socket_mode; accept when supd is
 * out of file descriptors, and the descriptors kept from clients for the
 * children; a peer's role from its credentials and groups.  Connections are
 * server.c's.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "proto.h"
#include "server-socket.h"
#include "util.h"
#include "varlink.h"

/* fds clients never take, so a child can still be started: 1/8 of the limit, within these */
#define SERVER_SOCKET_KEEP_MIN	16
#define SERVER_SOCKET_KEEP_MAX	256

static gid_t	server_socket_admin_gid, server_socket_read_gid;
static int	server_socket_has_admin, server_socket_has_read;
/* held in reserve: closed to accept (and refuse) a client when out of fds */
static int	server_socket_spare = -1;
static struct log_rate	server_socket_emfile_rate = LOG_RATE_INITIALIZER(1000);
static struct log_rate	server_socket_error_rate = LOG_RATE_INITIALIZER(1000);

/* mkdir -p for the socket's directory. */
static int
server_socket_mkdirs(const char *path, char **cause)
{
	char	*dir, *p, save;

	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir) {
		free(dir);
		return (0);
	}
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		save = *p;
		*p = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			*cause = xasprintf("cannot create %s: %s", dir,
			    strerror(errno));
			free(dir);
			return (-1);
		}
		*p = save;
		if (save == '\0')
			break;
	}
	free(dir);
	return (0);
}

/* A socket file at path: refuse it if served, remove it if stale. */
static int
server_socket_check_stale(const char *path, char **cause)
{
	struct stat	st;
	int		fd;

	if (lstat(path, &st) == -1)
		return (errno == ENOENT ? 0 : (*cause = xasprintf("%s: %s",
		    path, strerror(errno)), -1));
	if (!S_ISSOCK(st.st_mode)) {
		*cause = xasprintf("%s exists and is not a socket", path);
		return (-1);
	}
	if ((fd = varlink_connect(path, 0)) != -1) {
		close(fd);
		*cause = xasprintf("another supd is serving %s", path);
		return (-1);
	}
	if (errno != ECONNREFUSED) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (unlink(path) == -1) {
		*cause = xasprintf("cannot remove stale %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	log_info("removed stale socket %s", path);
	return (0);
}

/* The gid of a [supd] group setting; -1 and *cause if there is none such. */
static int
server_socket_group(const char *key, const char *name, gid_t *gid, int *has,
    char **cause)
{
	struct group	*gr;

	*has = 0;
	if (name == NULL || *name == '\0')
		return (0);
	if ((gr = getgrnam(name)) == NULL) {
		*cause = xasprintf("%s: no such group \"%s\"", key, name);
		return (-1);
	}
	*gid = gr->gr_gid;
	*has = 1;
	return (0);
}

/* The [supd] groups the socket's file and its peers' roles depend on. */
static int
server_socket_groups(gid_t *sock_gid, int *has_sock_gid, char **cause)
{
	if (loop_conf != NULL &&
	    (server_socket_group("socket_group", loop_conf->socket_group,
	    sock_gid, has_sock_gid, cause) == -1 ||
	    server_socket_group("admin_group", loop_conf->admin_group,
	    &server_socket_admin_gid, &server_socket_has_admin, cause) == -1 ||
	    server_socket_group("read_group", loop_conf->read_group,
	    &server_socket_read_gid, &server_socket_has_read, cause) == -1))
		return (-1);
	return (0);
}

int
server_socket_adopt(int fd, char **cause)
{
	gid_t	sock_gid = 0;
	int	has_sock_gid = 0;

	if (server_socket_groups(&sock_gid, &has_sock_gid, cause) == -1)
		return (-1);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		*cause = xasprintf("the listening socket: %s", strerror(errno));
		return (-1);
	}
	if (server_socket_spare == -1)
		server_socket_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return (0);
}

int
server_socket_is_listener(int fd)
{
	int		v = 0, d = 0;
	socklen_t	len = sizeof v;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 || !v)
		return (0);
	len = sizeof d;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &d, &len) == -1 ||
	    d != AF_UNIX)
		return (0);
	len = sizeof v;
	return (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 &&
	    v == SOCK_STREAM);
}

int
server_socket_open(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	gid_t			 sock_gid = 0;
	mode_t			 mode, old;
	int			 has_sock_gid = 0, fd;

	if (server_socket_groups(&sock_gid, &has_sock_gid, cause) == -1)
		return (-1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		*cause = xasprintf("socket path too long (%zu bytes at most): %s",
		    sizeof sun.sun_path - 1, path);
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (server_socket_mkdirs(path, cause) == -1 ||
	    server_socket_check_stale(path, cause) == -1)
		return (-1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*cause = xasprintf("socket: %s", strerror(errno));
		return (-1);
	}
	/* never, even for an instant, more open than asked */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		*cause = xasprintf("bind %s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	umask(old);
	mode = loop_conf != NULL && loop_conf->socket_mode > 0 ?
	    (mode_t)loop_conf->socket_mode : 0600;
	if ((has_sock_gid && chown(path, (uid_t)-1, sock_gid) == -1) ||
	    chmod(path, mode) == -1 || listen(fd, SOMAXCONN) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	if (server_socket_spare == -1)
		server_socket_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return (fd);
}

void
server_socket_close(int fd)
{
	close(fd);
	if (server_socket_spare != -1) {
		close(server_socket_spare);
		server_socket_spare = -1;
	}
}

void
server_socket_refuse(int fd, int max)
{
	char	*s;
	int	 n;

	n = asprintf(&s, "{\"error\":\"%s\",\"parameters\":{\"max\":%d}}",
	    SUPD_TOO_MANY_CLIENTS, max);
	if (n > 0) {
		(void)send(fd, s, (size_t)n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(s);
	}
	close(fd);
}

/*
 * Out of fds with a connection pending: give the spare up for a moment to
 * take the connection and refuse it, so the listener does not stay readable
 * for nothing and the client hears why.
 */
static int
server_socket_shed(int lfd, int why, int serving)
{
	int	fd, saved;

	log_rated(&server_socket_emfile_rate, LOG_LVL_WARN,
	    "accept: %s; refusing new clients until some leave",
	    strerror(why));
	if (server_socket_spare == -1)
		return (SERVER_SOCKET_BROKEN);
	close(server_socket_spare);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	saved = errno;
	if (fd != -1)
		server_socket_refuse(fd, serving);
	server_socket_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd != -1)
		return (SERVER_SOCKET_SHED);
	if (saved == EAGAIN || saved == EWOULDBLOCK)
		return (SERVER_SOCKET_EMPTY);
	return (SERVER_SOCKET_BROKEN);
}

int
server_socket_accept(int lfd, int serving)
{
	int	fd;

	if (server_socket_spare == -1)	/* given up in a shortage */
		server_socket_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd != -1)
			return (fd);
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (SERVER_SOCKET_EMPTY);
		if (errno == EMFILE || errno == ENFILE)
			return (server_socket_shed(lfd, errno, serving));
		log_rated(&server_socket_error_rate, LOG_LVL_WARN,
		    "accept: %s; not accepting for a second", strerror(errno));
		return (SERVER_SOCKET_BROKEN);
	}
}

/*
 * fds are handed out lowest first and the limit is on the number, so a
 * client whose fd is below the line leaves every fd above it free for
 * supd's own use (a child's log pipe, a notify socket).  Admins may go a
 * few fds further than other peers.
 */
int
server_socket_fd_allowed(int fd, enum role role)
{
	struct rlimit	rl;
	rlim_t		keep;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return (1);
	keep = rl.rlim_cur / 8;
	if (keep < SERVER_SOCKET_KEEP_MIN)
		keep = SERVER_SOCKET_KEEP_MIN;
	if (keep > SERVER_SOCKET_KEEP_MAX)
		keep = SERVER_SOCKET_KEEP_MAX;
	/* a tiny limit still leaves room for clients */
	if (keep > rl.rlim_cur / 4)
		keep = rl.rlim_cur / 4;
	if (role != ROLE_ADMIN)
		keep += SERVER_SOCKET_ADMIN_SLOTS;
	return ((rlim_t)fd + keep < rl.rlim_cur);
}

/* Is gid the peer's primary group or one of its supplementary groups? */
static int
server_socket_in_group(const struct ucred *uc, gid_t gid)
{
	char		 path[64], line[4096], *p, *end;
	FILE		*f;
	unsigned long	 g;
	int		 found = 0;

	if (uc->gid == gid)
		return (1);
	snprintf(path, sizeof path, "/proc/%d/status", (int)uc->pid);
	if ((f = fopen(path, "re")) == NULL)
		return (0);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (p = line + 7; *p != '\0'; p = end) {
			g = strtoul(p, &end, 10);
			if (end == p)
				break;
			if ((gid_t)g == gid)
				found = 1;
		}
		break;
	}
	fclose(f);
	return (found);
}

enum role
server_socket_role(const struct ucred *uc)
{
	if (uc->uid == 0 || uc->uid == geteuid())
		return (ROLE_ADMIN);
	if (server_socket_has_admin && server_socket_in_group(uc, server_socket_admin_gid))
		return (ROLE_ADMIN);
	if (server_socket_has_read && server_socket_in_group(uc, server_socket_read_gid))
		return (ROLE_READ);
	return (ROLE_NONE);
}
