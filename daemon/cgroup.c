/*
 * cgroup.c — a cgroup v2 per child: find the cgroup2 mount and supd's own
 * cgroup, make <own>/supd.<id> (id: a hash of the state file, so two supd
 * in one cgroup keep apart and a crashed run's is found again), one
 * directory per child in it, the limits, and the files proc.c reads.
 * A non-root cgroup with processes cannot hand controllers down (the
 * "no internal processes" rule), so a supd alone in its cgroup (systemd's
 * Delegate=yes) first moves itself into the leaf <own>/supd.daemon.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "spec.h"
#include "util.h"

/* where a supd alone in its cgroup moves itself */
#define CGROUP_LEAF	"supd.daemon"

static char	*cgroup_mnt;		/* the cgroup2 mount point */
static char	*cgroup_own;		/* supd's cgroup, absolute path */
static char	*cgroup_dir;		/* the base; NULL: no cgroups */
static int	 cgroup_ctl;		/* CGROUP_* enabled in the base */
static int	 cgroup_inotify = -1;	/* cgroup.events watches */

static const struct {
	int		 bit;
	const char	*name;
} cgroup_names[] = {
	{ CGROUP_CPU, "cpu" },
	{ CGROUP_MEMORY, "memory" },
	{ CGROUP_PIDS, "pids" },
};

/* Write s to dir/file; -1 and errno. */
static int
cgroup_write(const char *dir, const char *file, const char *s)
{
	char	 path[PATH_MAX];
	int	 fd, saved;
	ssize_t	 n;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((fd = open(path, O_WRONLY|O_CLOEXEC)) == -1)
		return (-1);
	n = write(fd, s, strlen(s));
	saved = errno;
	close(fd);
	errno = saved;
	return (n == (ssize_t)strlen(s) ? 0 : -1);
}

/* Read dir/file into buf (NUL-terminated); -1 and errno. */
static int
cgroup_read(const char *dir, const char *file, char *buf, size_t len)
{
	char	 path[PATH_MAX];
	int	 fd;
	ssize_t	 n;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return (-1);
	buf[n] = '\0';
	return (0);
}

/* The CGROUP_* bits a "cpu memory pids ..." list names. */
static int
cgroup_parse_list(const char *s)
{
	char	*copy, *w, *save;
	size_t	 i;
	int	 bits = 0;

	copy = xstrdup(s);
	for (w = strtok_r(copy, " \n", &save); w != NULL;
	    w = strtok_r(NULL, " \n", &save)) {
		for (i = 0; i < sizeof cgroup_names / sizeof cgroup_names[0]; i++)
			if (strcmp(w, cgroup_names[i].name) == 0)
				bits |= cgroup_names[i].bit;
	}
	free(copy);
	return (bits);
}

/* The cgroup2 mount and supd's own cgroup; NULL and *why if there is none. */
static int
cgroup_find(char **mnt, char **own, const char **why)
{
	FILE	*f;
	char	*line = NULL, *p, *sep, mp[PATH_MAX];
	size_t	 cap = 0;

	*mnt = *own = NULL;
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL) {
		*why = "cannot read /proc/self/mountinfo";
		return (-1);
	}
	while (*mnt == NULL && getline(&line, &cap, f) != -1) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE ..." */
		if ((sep = strstr(line, " - ")) == NULL ||
		    strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1)
			*mnt = xstrdup(mp);
	}
	fclose(f);
	if (*mnt == NULL) {
		free(line);
		*why = "no cgroup2 file system is mounted";
		return (-1);
	}
	if ((f = fopen("/proc/self/cgroup", "re")) != NULL) {
		while (*own == NULL && getline(&line, &cap, f) != -1) {
			if (strncmp(line, "0::", 3) != 0)
				continue;
			p = line + 3;
			p[strcspn(p, "\n")] = '\0';
			*own = strcmp(p, "/") == 0 ? xstrdup(*mnt) :
			    xasprintf("%s%s", *mnt, p);
		}
		fclose(f);
	}
	free(line);
	if (*own == NULL) {
		free(*mnt);
		*mnt = NULL;
		*why = "/proc/self/cgroup has no cgroup2 (0::) line";
		return (-1);
	}
	/* moved there by an earlier run in this cgroup (or before a reexec) */
	if ((p = strrchr(*own, '/')) != NULL && strcmp(p + 1, CGROUP_LEAF) == 0 &&
	    p >= *own + strlen(*mnt))
		*p = '\0';
	return (0);
}

/*
 * Leave own for own/supd.daemon if supd is the only process there, so
 * own can enable controllers for the base.  The root cgroup may hold
 * processes and controllers both; a cgroup shared with others stays as
 * it is (its controllers stay where they are).
 */
static void
cgroup_leave_own(void)
{
	char	 buf[256], *leaf, pid[32], *end;
	long	 p;

	if (strcmp(cgroup_own, cgroup_mnt) == 0 ||
	    cgroup_read(cgroup_own, "cgroup.procs", buf, sizeof buf) == -1)
		return;
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	for (end = buf; *end != '\0'; end++) {
		p = strtol(end, &end, 10);
		if (p != getpid()) {
			log_debug("cgroups: %s holds other processes than supd: "
			    "it stays there", cgroup_own);
			return;
		}
		if (*end == '\0')
			break;
	}
	leaf = xasprintf("%s/%s", cgroup_own, CGROUP_LEAF);
	if ((mkdir(leaf, 0755) == -1 && errno != EEXIST) ||
	    cgroup_write(leaf, "cgroup.procs", pid) == -1)
		log_info("cgroups: cannot move supd into %s: %s (controllers "
		    "of %s cannot reach its children)", leaf, strerror(errno),
		    cgroup_own);
	else
		log_debug("cgroups: supd moved into %s", leaf);
	free(leaf);
}

/* Wait up to ms for path's cgroup to empty. */
static int
cgroup_wait_empty(const char *path, int ms)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < ms / 10; i++) {
		if (cgroup_populated(path) != 1)
			return (0);
		nanosleep(&ts, NULL);
	}
	return (-1);
}

/* Kill and remove what a crashed run of this tree left in the base. */
void
cgroup_sweep(void)
{
	struct dirent	*de;
	DIR		*d;
	char		*path;

	if (cgroup_dir == NULL || (d = opendir(cgroup_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", cgroup_dir, de->d_name);
		if (cgroup_populated(path) == 1) {
			log_warn("cgroup %s: left by the last run, killed", path);
			cgroup_kill(path);
			cgroup_wait_empty(path, 1000);
		}
		cgroup_remove(path);
		free(path);
	}
	closedir(d);
}

/* Enable what the children may use: in our own cgroup, then in the base. */
static void
cgroup_enable(void)
{
	char	 buf[512], word[16];
	size_t	 i;
	int	 avail;

	if (cgroup_read(cgroup_own, "cgroup.controllers", buf, sizeof buf) == -1)
		return;
	avail = cgroup_parse_list(buf);
	for (i = 0; i < sizeof cgroup_names / sizeof cgroup_names[0]; i++) {
		if (!(avail & cgroup_names[i].bit))
			continue;
		snprintf(word, sizeof word, "+%s", cgroup_names[i].name);
		/* refused (EBUSY) while supd sits in its own cgroup, unless it is the root */
		(void)cgroup_write(cgroup_own, "cgroup.subtree_control", word);
		if (cgroup_write(cgroup_dir, "cgroup.subtree_control", word) == 0)
			cgroup_ctl |= cgroup_names[i].bit;
	}
}

void
cgroup_init(int off, const char *state)
{
	const char	*why = NULL;
	uint32_t	 h = 2166136261u;
	const char	*p;

	if (off) {
		log_info("cgroup = off: children are tracked by process group");
		return;
	}
	if (cgroup_find(&cgroup_mnt, &cgroup_own, &why) == -1) {
		log_info("cgroups not used (%s): children are tracked by "
		    "process group", why);
		return;
	}
	for (p = state != NULL ? state : ""; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	cgroup_dir = xasprintf("%s/supd.%08x", cgroup_own, (unsigned)h);
	if (mkdir(cgroup_dir, 0755) == -1 && errno != EEXIST) {
		log_info("cgroups not used (cannot create %s: %s): children "
		    "are tracked by process group", cgroup_dir, strerror(errno));
		free(cgroup_dir);
		cgroup_dir = NULL;
		return;
	}
	cgroup_leave_own();
	cgroup_enable();
	log_info("cgroups: children in %s", cgroup_dir);
}

void
cgroup_fini(void)
{
	if (cgroup_inotify != -1)
		close(cgroup_inotify);
	cgroup_inotify = -1;
	/* children's cgroups left (EBUSY) are the next start's leftovers */
	if (cgroup_dir != NULL)
		(void)rmdir(cgroup_dir);
	free(cgroup_dir);
	free(cgroup_own);
	free(cgroup_mnt);
	cgroup_dir = cgroup_own = cgroup_mnt = NULL;
}

int
cgroup_enabled(void)
{
	return (cgroup_dir != NULL);
}

const char *
cgroup_base(void)
{
	return (cgroup_dir);
}

int
cgroup_controllers(void)
{
	return (cgroup_ctl);
}

int
cgroup_spec_wants(const struct spec *s)
{
	return ((spec_x(s)->cpu_weight != NULL || spec_x(s)->cpu_max != NULL ? CGROUP_CPU : 0) |
	    (spec_x(s)->memory_max != NULL || spec_x(s)->memory_high != NULL ?
	    CGROUP_MEMORY : 0) | (spec_x(s)->pids_max != NULL ? CGROUP_PIDS : 0));
}

/*
 * Without a base (--check), the controllers are the ones supd's own
 * cgroup could hand down: its cgroup.controllers.
 */
void
cgroup_probe_missing(int off, int wants, const char **missing,
    const char **why)
{
	static char	 buf[512];
	char		*mnt, *own;
	size_t		 i;
	int		 have = 0;

	*missing = *why = NULL;
	if (wants == 0)
		return;
	for (i = 0; i < sizeof cgroup_names / sizeof cgroup_names[0]; i++)
		if (wants & cgroup_names[i].bit) {
			*missing = cgroup_names[i].name;
			break;
		}
	if (off) {
		*why = "[supd] cgroup = off";
		return;
	}
	if (cgroup_dir != NULL)
		have = cgroup_ctl;
	else if (cgroup_find(&mnt, &own, why) == 0) {
		if (cgroup_read(own, "cgroup.controllers", buf,
		    sizeof buf) == 0)
			have = cgroup_parse_list(buf);
		free(mnt);
		free(own);
	} else
		return;
	for (i = 0; i < sizeof cgroup_names / sizeof cgroup_names[0]; i++)
		if ((wants & cgroup_names[i].bit) && !(have & cgroup_names[i].bit)) {
			*missing = cgroup_names[i].name;
			*why = "not delegated to supd's cgroup";
			return;
		}
	*missing = NULL;
}

/* The spec's limits, for the controllers there are; the others are warned of. */
static int
cgroup_limits(const char *path, const struct spec *s, char **cause)
{
	const struct {
		int		 bit;
		const char	*file, *value;
	} v[] = {
		{ CGROUP_MEMORY, "memory.max", spec_x(s)->memory_max },
		{ CGROUP_MEMORY, "memory.high", spec_x(s)->memory_high },
		{ CGROUP_CPU, "cpu.weight", spec_x(s)->cpu_weight },
		{ CGROUP_CPU, "cpu.max", spec_x(s)->cpu_max },
		{ CGROUP_PIDS, "pids.max", spec_x(s)->pids_max },
	};
	size_t	 i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (v[i].value == NULL || !(cgroup_ctl & v[i].bit))
			continue;
		if (cgroup_write(path, v[i].file, v[i].value) == -1) {
			*cause = xasprintf("cgroup %s: %s = %s: %s", path,
			    v[i].file, v[i].value, strerror(errno));
			return (-1);
		}
	}
	return (0);
}

char *
cgroup_child_create(const char *name, const struct spec *s, int *procs_fd,
    char **cause)
{
	char	*path, procs[PATH_MAX];

	*procs_fd = -1;
	path = xasprintf("%s/%s", cgroup_dir, name);
	if (mkdir(path, 0755) == -1) {
		if (errno != EEXIST) {
			*cause = xasprintf("cgroup %s: %s", path,
			    strerror(errno));
			free(path);
			return (NULL);
		}
		/* a predecessor's helpers must not share it */
		if (cgroup_populated(path) == 1) {
			cgroup_kill(path);
			cgroup_wait_empty(path, 1000);
		}
	}
	if (cgroup_limits(path, s, cause) == -1) {
		cgroup_remove(path);
		free(path);
		return (NULL);
	}
	snprintf(procs, sizeof procs, "%s/cgroup.procs", path);
	if ((*procs_fd = open(procs, O_WRONLY|O_CLOEXEC)) == -1) {
		*cause = xasprintf("cgroup %s: %s", procs, strerror(errno));
		cgroup_remove(path);
		free(path);
		return (NULL);
	}
	return (path);
}

int
cgroup_populated(const char *path)
{
	char	 buf[256], *p;

	if (cgroup_read(path, "cgroup.events", buf, sizeof buf) == -1)
		return (errno == ENOENT ? 0 : -1);
	if ((p = strstr(buf, "populated ")) == NULL)
		return (-1);
	return (p[10] == '1');
}

int
cgroup_kill(const char *path)
{
	if (cgroup_write(path, "cgroup.kill", "1") == 0)
		return (0);
	if (errno == ENOENT)
		return (0);
	log_warn("cgroup %s: cgroup.kill: %s", path, strerror(errno));
	return (-1);
}

void
cgroup_remove(const char *path)
{
	if (rmdir(path) == -1 && errno != ENOENT)
		log_debug("cgroup %s: rmdir: %s", path, strerror(errno));
}

int
cgroup_usage(const char *path, int64_t *cpu_usec, int64_t *memory_bytes)
{
	char		 buf[1024], *p;

	*cpu_usec = *memory_bytes = -1;
	if (cgroup_read(path, "cpu.stat", buf, sizeof buf) == -1)
		return (-1);
	if ((p = strstr(buf, "usage_usec ")) != NULL)
		*cpu_usec = strtoll(p + 11, NULL, 10);
	if (cgroup_read(path, "memory.current", buf, sizeof buf) == 0)
		*memory_bytes = strtoll(buf, NULL, 10);
	return (0);
}

int
cgroup_path_ok(const char *path)
{
	struct stat	 st;
	size_t		 len;

	if (cgroup_dir == NULL || path == NULL)
		return (0);
	len = strlen(cgroup_dir);
	if (strncmp(path, cgroup_dir, len) != 0 || path[len] != '/' ||
	    strchr(path + len + 1, '/') != NULL || path[len + 1] == '\0' ||
	    path[len + 1] == '.')
		return (0);
	return (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

int
cgroup_watch_fd(void)
{
	static struct log_rate	 rate = LOG_RATE_INITIALIZER(1000);

	if (cgroup_inotify == -1 && cgroup_dir != NULL &&
	    (cgroup_inotify = inotify_init1(IN_NONBLOCK|IN_CLOEXEC)) == -1)
		log_rated(&rate, LOG_LVL_WARN, "cgroups: inotify_init1: %s "
		    "(emptied cgroups are polled for)", strerror(errno));
	return (cgroup_inotify);
}

int
cgroup_watch_add(const char *path)
{
	char	 events[PATH_MAX];
	int	 wd;

	if (cgroup_watch_fd() == -1)
		return (-1);
	snprintf(events, sizeof events, "%s/cgroup.events", path);
	if ((wd = inotify_add_watch(cgroup_inotify, events, IN_MODIFY)) == -1)
		log_debug("cgroup %s: inotify_add_watch: %s", path,
		    strerror(errno));
	return (wd);
}

void
cgroup_watch_remove(int wd)
{
	/* EINVAL: the kernel dropped it with its cgroup */
	if (cgroup_inotify != -1 && wd > 0)
		(void)inotify_rm_watch(cgroup_inotify, wd);
}

void
cgroup_watch_drain(void)
{
	char	 buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (cgroup_inotify == -1)
		return;
	while (read(cgroup_inotify, buf, sizeof buf) > 0)
		;
}
