/*
 * listen.c — the sockets supd holds for a child: made and bound at its
 * first start (or the first start after its listen keys changed), kept
 * open across its restarts, closed when it leaves the tree.  Every copy
 * supd keeps is close-on-exec: only spawn.c's dup2 onto 3.. in the
 * child itself hands one on, so no other child ever sees them.  supd
 * never accepts on them: the child does, and while it restarts the
 * kernel's backlog keeps connections waiting.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdstore.h"
#include "listen.h"
#include "tree.h"
#include "util.h"

struct listen_sock {
	char	*text;		/* the spec_listen's */
	char	*name;
	int	 unix_file;	/* its path is a file of ours, removed at close */
	char	*path;
	int	 fd;
};

struct listen_set {
	struct listen_sock	*v;
	size_t			 n;
};

static void
listen_sock_close(struct listen_sock *s)
{
	struct stat	st;

	close(s->fd);
	/* the file of a socket we bound; a reexec's new image still holds it */
	if (s->unix_file && lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(s->path);
	free(s->text);
	free(s->name);
	free(s->path);
}

/* A socket file nobody accepts on is what a crash left: remove it. */
static int
listen_unix_clear(const char *path, char **why)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, rc, err;

	if (lstat(path, &st) == -1)
		return (errno == ENOENT ? 0 : (*why = xasprintf("%s: %s", path,
		    strerror(errno)), -1));
	if (!S_ISSOCK(st.st_mode)) {
		*why = xasprintf("%s exists and is not a socket (remove it or "
		    "choose another path)", path);
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC,
	    0)) == -1) {
		*why = xasprintf("socket: %s", strerror(errno));
		return (-1);
	}
	/* a local connect never waits: refused, accepted or EAGAIN (full) */
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	err = errno;
	close(fd);
	if (rc == -1 && err == ECONNREFUSED) {
		log_info("listen: %s: a stale socket file, removed", path);
		if (unlink(path) == -1 && errno != ENOENT) {
			*why = xasprintf("unlink %s: %s", path, strerror(errno));
			return (-1);
		}
		return (0);
	}
	if (rc == 0 || err == EAGAIN)
		*why = xasprintf("%s: another process listens on it", path);
	else
		*why = xasprintf("%s: %s", path, strerror(err));
	return (-1);
}

static int
listen_open_unix(const struct spec_listen *l, int backlog, char **why)
{
	struct sockaddr_un	 sun;
	int			 fd;

	if (listen_unix_clear(l->addr, why) == -1)
		return (-1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, l->addr, strlen(l->addr));
	if ((fd = socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)) == -1) {
		*why = xasprintf("socket: %s", strerror(errno));
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		*why = xasprintf("bind %s: %s", l->addr, strerror(errno));
		close(fd);
		return (-1);
	}
	/* nobody can connect before listen(): the mode is in place by then */
	if (l->mode >= 0 && chmod(l->addr, (mode_t)l->mode) == -1) {
		*why = xasprintf("chmod %s %04o: %s", l->addr, l->mode,
		    strerror(errno));
		unlink(l->addr);
		close(fd);
		return (-1);
	}
	if (listen(fd, backlog) == -1) {
		*why = xasprintf("listen: %s", strerror(errno));
		unlink(l->addr);
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
listen_open_inet(const struct spec_listen *l, int backlog, int reuseport,
    char **why)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, on = 1, family, type;

	memset(&ss, 0, sizeof ss);
	if (strchr(l->addr, ':') != NULL) {
		family = AF_INET6;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)l->port);
		(void)inet_pton(AF_INET6, l->addr, &sin6->sin6_addr);
		len = sizeof *sin6;
	} else {
		family = AF_INET;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)l->port);
		if (l->addr[0] == '\0')
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else
			(void)inet_pton(AF_INET, l->addr, &sin->sin_addr);
		len = sizeof *sin;
	}
	type = l->kind == LISTEN_TCP ? SOCK_STREAM : SOCK_DGRAM;
	if ((fd = socket(family, type|SOCK_CLOEXEC, 0)) == -1) {
		*why = xasprintf("socket: %s", strerror(errno));
		return (-1);
	}
	/* as systemd: a restart of supd itself rebinds past TIME_WAIT */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof on) == -1)) {
		*why = xasprintf("setsockopt: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		*why = xasprintf("bind: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (type == SOCK_STREAM && listen(fd, backlog) == -1) {
		*why = xasprintf("listen: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

static struct listen_set *
listen_set_get(struct node *node)
{
	if (node_aux_get(node, sockets) == NULL)
		tree_aux(node)->sockets = xcalloc(1, sizeof (struct listen_set));
	return (node_aux_get(node, sockets));
}

int
listen_prepare(struct node *node, char **cause)
{
	const struct spec	*spec = node->spec;
	struct listen_set	*set = node_aux_get(node, sockets);
	struct listen_sock	*keep;
	const struct spec_listen *l;
	size_t			 i, j, nkeep = 0;
	int			 fd, backlog;
	char			*why = NULL;

	if (spec_x(spec)->nlisten == 0 && set == NULL)
		return (0);
	set = listen_set_get(node);
	backlog = spec_x(spec)->listen_backlog > 0 ? spec_x(spec)->listen_backlog : SOMAXCONN;
	/* the spec's order; closed first, so a changed key may take its address */
	keep = xcalloc(spec_x(spec)->nlisten + 1, sizeof *keep);
	for (i = 0; i < set->n; i++) {
		for (j = 0; j < spec_x(spec)->nlisten; j++)
			if (strcmp(set->v[i].text, spec_x(spec)->listen[j].text) == 0 &&
			    keep[j].text == NULL)
				break;
		if (j == spec_x(spec)->nlisten) {
			log_info("listen %s: %s closed (its listen changed)",
			    node->name, set->v[i].text);
			listen_sock_close(&set->v[i]);
			continue;
		}
		keep[j] = set->v[i];
		/* listen_backlog may have changed: listen() again takes it */
		if (spec_x(spec)->listen[j].kind != LISTEN_UDP)
			(void)listen(keep[j].fd, backlog);
	}
	free(set->v);
	set->v = keep;
	set->n = spec_x(spec)->nlisten;
	for (j = 0; j < spec_x(spec)->nlisten; j++) {
		if (keep[j].text != NULL)
			continue;
		l = &spec_x(spec)->listen[j];
		fd = l->kind == LISTEN_UNIX ? listen_open_unix(l, backlog, &why) :
		    listen_open_inet(l, backlog, spec_x(spec)->listen_reuseport, &why);
		if (fd == -1) {
			*cause = xasprintf("listen %s: %s", l->text, why);
			free(why);
			break;
		}
		keep[j].text = xstrdup(l->text);
		keep[j].name = xstrdup(l->name);
		keep[j].path = xstrdup(l->addr);
		keep[j].unix_file = l->kind == LISTEN_UNIX;
		keep[j].fd = fd;
		log_info("listen %s: %s (fd %d)", node->name, l->text, fd);
	}
	/* what failed, and what follows it, is tried again at the next start */
	for (nkeep = 0, i = 0; i < set->n; i++)
		if (set->v[i].text != NULL)
			set->v[nkeep++] = set->v[i];
	set->n = nkeep;
	return (j == spec_x(spec)->nlisten ? 0 : -1);
}

void
listen_forget(struct node *node)
{
	struct listen_set	*set = node_aux_get(node, sockets);
	size_t			 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		listen_sock_close(&set->v[i]);
	free(set->v);
	free(set);
	node->aux->sockets = NULL;
	tree_aux_trim(node);
}

size_t
listen_count(const struct node *node)
{
	const struct listen_set	*set = node_aux_get(node, sockets);

	return (set != NULL ? set->n : 0);
}

int
listen_get(const struct node *node, size_t i, const char **name,
    const char **text)
{
	const struct listen_set	*set = node_aux_get(node, sockets);

	*name = set->v[i].name;
	*text = set->v[i].text;
	return (set->v[i].fd);
}

void
listen_handout(const struct node *node, int **fds, size_t *n, char **names)
{
	size_t		 nl = listen_count(node), ns = fdstore_count(node), i;
	size_t		 len = 0, off = 0;
	const char	*name, *text;

	*fds = NULL;
	*n = 0;
	*names = NULL;
	if (nl + ns == 0)
		return;
	*fds = xcalloc(nl + ns, sizeof **fds);
	for (i = 0; i < nl; i++) {
		(*fds)[i] = listen_get(node, i, &name, &text);
		len += strlen(name) + 1;
	}
	for (i = 0; i < ns; i++) {
		(*fds)[nl + i] = fdstore_get(node, i, &name);
		len += strlen(name) + 1;
	}
	*names = xmalloc(len);
	for (i = 0; i < nl + ns; i++) {
		if (i < nl)
			(void)listen_get(node, i, &name, &text);
		else
			(void)fdstore_get(node, i - nl, &name);
		off += (size_t)snprintf(*names + off, len - off, "%s%s",
		    i > 0 ? ":" : "", name);
	}
	*n = nl + ns;
}

void
listen_adopt(struct node *node, const char *text, int fd)
{
	struct listen_set	*set = listen_set_get(node);
	const struct spec	*spec = node->spec;
	struct listen_sock	*s;
	size_t			 j;

	for (j = 0; j < spec_x(spec)->nlisten; j++)
		if (strcmp(spec_x(spec)->listen[j].text, text) == 0)
			break;
	if (j == spec_x(spec)->nlisten) {
		/* the same configuration text: cannot happen, but never leak */
		close(fd);
		return;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	set->v = xrealloc(set->v, (set->n + 1) * sizeof *set->v);
	s = &set->v[set->n++];
	s->text = xstrdup(text);
	s->name = xstrdup(spec_x(spec)->listen[j].name);
	s->path = xstrdup(spec_x(spec)->listen[j].addr);
	s->unix_file = spec_x(spec)->listen[j].kind == LISTEN_UNIX;
	s->fd = fd;
}
