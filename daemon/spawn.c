/*
 * spawn.c — one process start: argv, environment, user and groups prepared
 * in the parent, then vfork and, in the child, its own process group,
 * default signals, stdio, ids, umask, cwd, no other fds, execve.  Which
 * fds, and what the start means for the node, is proc.c's business.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <ctype.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leftover.h"
#include "spawn.h"
#include "tree.h"
#include "util.h"

#ifdef HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND	0
#endif

extern char	**environ;

/* Where the vfork child failed, for the reason line. */
enum spawn_step {
	STEP_NONE,
	STEP_SETPGID,
	STEP_CGROUP,
	STEP_FDS,
	STEP_SETGROUPS,
	STEP_SETGID,
	STEP_SETUID,
	STEP_RLIMIT,
	STEP_LIMIT,		/* a limit_* key: spawn_ctx.which says which */
	STEP_NICE,
	STEP_OOM,
	STEP_CHDIR,
	STEP_EXEC,
};

/*
 * Everything the child needs, prepared by the parent: between vfork and
 * execve the child shares our memory and may only make system calls.  It
 * reports a failure by writing step and err here before _exit, which the
 * parent reads once vfork returns (glibc's posix_spawn does the same).
 * memcheck runs vfork as fork, so the child writes into its own copy:
 * there it writes them to the report pipe too, which exec closes.
 */
struct spawn_ctx {
	const char		*path;
	char			**argv;
	char			**envp;
	int			 fd[3];		/* becomes the child's 0, 1, 2 */
	int			 cgroup_procs;	/* its cgroup's cgroup.procs, or -1 */
	int			 set_groups, set_gid, set_uid;
	uid_t			 uid;
	gid_t			 gid;
	gid_t			*groups;
	int			 ngroups;
	int			 umask;		/* -1: keep */
	const char		*cwd;
	const int		*sigs;		/* to reset to SIG_DFL */
	int			 nsigs;
	int			 rtmin;		/* glibc keeps 32..rtmin-1 for itself */
	int			 maxfd;		/* close_range fallback */
	/* every descriptor the child uses is below: all it copies of ours */
	unsigned int		 keep_below;
	struct rlimit		 nofile;	/* the limit supd was given */
	int			 set_nofile;
	/* the spec's limit_*, nice and oom_score_adjust (text to write) */
	struct rlimit		 limits[LIMIT_COUNT];
	int			 set_limit[LIMIT_COUNT];
	int			 set_nice, nice;
	char			 oom[16];	/* "" : keep */
	size_t			 oomlen;
	volatile int		 which;
	char			*watchdog_pid;	/* the digits of "WATCHDOG_PID=..." */
	/* listen.c's sockets and stored fds: they become 3, 4, ... */
	int			*pass;
	int			 npass;
	int			*pass_tmp;	/* room for their copies */
	char			*listen_pid;	/* the digits of "LISTEN_PID=..." */
	volatile int		 step;
	volatile int		 err;
	int			 report;	/* memcheck: the pipe's write end, or -1 */
};

/* What the report pipe carries: a failed step, its errno and which limit. */
struct spawn_report {
	int			 step, err, which;
};

/* An environment under construction: later KEY= replaces earlier. */
struct spawn_env {
	char			**v;
	size_t			 len, cap;
	char			**owned;	/* strings to free with it */
	size_t			 nowned, capowned;
};


static char		*spawn_mark;	/* SUPD_STATE=path */
static int		spawn_rtmin;
/* the signals not at SIG_DFL when supd looked (spawn_signals_changed) */
static int		spawn_sigs[NSIG];
static int		spawn_nsigs;
/* supd's environment without what is its own, made once */
static char		**spawn_base_env;
static size_t		spawn_base_len;
static char		**spawn_base_of;	/* the environ it was made from */
/*
 * The clone child's stack: it runs there until execve while we wait
 * (CLONE_VFORK), so one stack serves every spawn of this thread.
 */
#define SPAWN_STACK_SIZE	(64 * 1024)
static char		*spawn_stack;
static int		spawn_no_pidfd;	/* clone(CLONE_PIDFD) is refused here */
static int		spawn_maxfd;
static struct rlimit	spawn_nofile;	/* as supd was started */
static int		spawn_raised;

/* The resource of each limit_* key, in enum spec_limit_kind order. */
static const int	spawn_limit_res[LIMIT_COUNT] = {
	RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, RLIMIT_AS, RLIMIT_STACK
};

/* --- the child side: system calls only ---------------------------------- */

/*
 * The child may run on spawn_stack, which the address sanitizer does not
 * know as a stack: its code keeps no shadow frames there.
 */
#ifdef SUPD_ASAN
#define SPAWN_CHILD_SIDE	__attribute__((no_sanitize_address))
#else
#define SPAWN_CHILD_SIDE
#endif

static void SPAWN_CHILD_SIDE __attribute__((noreturn))
spawn_child_fail(struct spawn_ctx *c, enum spawn_step step)
{
	struct spawn_report	r;

	c->err = errno;
	c->step = step;
	if (c->report != -1) {
		r.step = step;
		r.err = c->err;
		r.which = c->which;
		(void)write(c->report, &r, sizeof r);
	}
	_exit(127);
}

/*
 * limit_*, nice and oom_score_adjust, before the ids change as systemd
 * does: raising a hard limit, lowering nice or the OOM score need root.
 */
static void SPAWN_CHILD_SIDE
spawn_child_resources(struct spawn_ctx *c)
{
	int	i, fd;

	for (i = 0; i < LIMIT_COUNT; i++) {
		if (c->set_limit[i] &&
		    setrlimit(spawn_limit_res[i], &c->limits[i]) == -1) {
			c->which = i;
			spawn_child_fail(c, STEP_LIMIT);
		}
	}
	if (c->set_nice && setpriority(PRIO_PROCESS, 0, c->nice) == -1)
		spawn_child_fail(c, STEP_NICE);
	if (c->oomlen > 0) {
		/* /proc/self is this child: vfork gave it its own pid */
		if ((fd = open("/proc/self/oom_score_adj",
		    O_WRONLY|O_CLOEXEC)) == -1)
			spawn_child_fail(c, STEP_OOM);
		if (write(fd, c->oom, c->oomlen) != (ssize_t)c->oomlen)
			spawn_child_fail(c, STEP_OOM);
		close(fd);
	}
}

/*
 * systemd sets WATCHDOG_PID to the main pid, known only once vfork
 * returned: the child writes its own pid into the string the parent
 * left room for (system calls and plain stores only).
 */
static void SPAWN_CHILD_SIDE
spawn_child_pid(char *buf)
{
	char	 rev[24];
	long	 pid = syscall(SYS_getpid);
	int	 n = 0;

	do {
		rev[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0 && n < (int)sizeof rev);
	while (n > 0)
		*buf++ = rev[--n];
	*buf = '\0';
}

/* --- passed fds (listen.c): the only fds besides 0-2 that survive exec --- */

/*
 * Move the fds to pass onto 3, 4, ...: first copies of them all above
 * the targets (a source may sit on a target, or on a log pipe's number),
 * then dup2 down, which leaves them without close-on-exec.  Nothing the
 * child opens after this (oom_score_adj) takes 3..3+npass-1, and the
 * close_range before execve starts at 3+npass.
 */
static void
spawn_child_pass(struct spawn_ctx *c)
{
	int	 i;

	for (i = 0; i < c->npass; i++)
		if ((c->pass_tmp[i] = fcntl(c->pass[i], F_DUPFD_CLOEXEC,
		    3 + c->npass)) == -1)
			spawn_child_fail(c, STEP_FDS);
	for (i = 0; i < c->npass; i++)
		if (dup2(c->pass_tmp[i], 3 + i) == -1)
			spawn_child_fail(c, STEP_FDS);
}

/* --- end of passed fds --------------------------------------------------- */

/* Close first..last, by close_range or one at a time below maxfd. */
static void SPAWN_CHILD_SIDE
spawn_child_close(unsigned int first, unsigned int last, int maxfd)
{
	unsigned int	i;

	if (close_range(first, last, 0) == -1)
		for (i = first; i <= last && i < (unsigned int)maxfd; i++)
			close((int)i);
}

static void SPAWN_CHILD_SIDE __attribute__((noreturn))
spawn_child(struct spawn_ctx *c)
{
	struct sigaction	 dfl;
	sigset_t		 empty;
	int			 sig, i;

	/*
	 * A clone child shares our descriptor table (CLONE_FILES, no copy
	 * of supd's thousands of pidfds and pipes): make its own now, with
	 * only what lies below keep_below, before it changes any descriptor.
	 */
	if (close_range(c->keep_below, ~0U, CLOSE_RANGE_UNSHARE) == -1 &&
	    syscall(SYS_unshare, CLONE_FILES) == -1)
		spawn_child_fail(c, STEP_FDS);
	if (setpgid(0, 0) == -1)
		spawn_child_fail(c, STEP_SETPGID);
	if (c->watchdog_pid != NULL)
		spawn_child_pid(c->watchdog_pid);
	if (c->listen_pid != NULL)
		spawn_child_pid(c->listen_pid);
	/* "0" moves the writer: this child, before it can fork anything */
	if (c->cgroup_procs != -1 && write(c->cgroup_procs, "0", 1) != 1)
		spawn_child_fail(c, STEP_CGROUP);
	/*
	 * execve resets caught signals but keeps ignored ones (a shell that
	 * started supd in the background ignores SIGINT and SIGQUIT); reset
	 * both now, while every signal is still blocked, so no handler of
	 * ours can run in this child that shares our memory.  Only those
	 * supd found changed: the other ~60 are at SIG_DFL already.
	 */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (i = 0; i < c->nsigs; i++) {
		sig = c->sigs[i];
		if (sig >= 32 && sig < c->rtmin) {
			/*
			 * glibc's sigaction refuses its own two real-time
			 * signals, yet an ignored one is inherited too: ask
			 * the kernel directly (handler, flags, restorer, mask).
			 */
			unsigned long	 kdfl[4] = { 0, 0, 0, 0 };

			syscall(SYS_rt_sigaction, sig, kdfl, NULL, sizeof(unsigned long));
			continue;
		}
		sigaction(sig, &dfl, NULL);
	}
	for (i = 0; i < 3; i++) {
		/* dup2 onto itself would keep close-on-exec set */
		if (c->fd[i] == i) {
			if (fcntl(i, F_SETFD, 0) == -1)
				spawn_child_fail(c, STEP_FDS);
		} else if (dup2(c->fd[i], i) == -1)
			spawn_child_fail(c, STEP_FDS);
	}
	if (c->npass > 0)
		spawn_child_pass(c);
	spawn_child_resources(c);
	/* Raw system calls: glibc's wrappers would signal every thread. */
	if (c->set_groups &&
	    syscall(SYS_setgroups, (size_t)c->ngroups, c->groups) == -1)
		spawn_child_fail(c, STEP_SETGROUPS);
	if (c->set_gid && syscall(SYS_setgid, c->gid) == -1)
		spawn_child_fail(c, STEP_SETGID);
	if (c->set_uid && syscall(SYS_setuid, c->uid) == -1)
		spawn_child_fail(c, STEP_SETUID);
	if (c->set_nofile && setrlimit(RLIMIT_NOFILE, &c->nofile) == -1)
		spawn_child_fail(c, STEP_RLIMIT);
	if (c->umask != -1)
		umask(c->umask);
	/* After setuid, as systemd does: the user must be allowed in there. */
	if (c->cwd != NULL && chdir(c->cwd) == -1)
		spawn_child_fail(c, STEP_CHDIR);
	if (c->report == -1)
		spawn_child_close(3 + c->npass, ~0U, c->maxfd);
	else {
		/* at or above 3 + npass (spawn_report_open); exec closes it */
		if (c->report > 3 + c->npass)
			spawn_child_close(3 + c->npass, c->report - 1, c->maxfd);
		spawn_child_close(c->report + 1, ~0U, c->maxfd);
	}
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	execve(c->path, c->argv, c->envp);
	spawn_child_fail(c, STEP_EXEC);
}

static int SPAWN_CHILD_SIDE
spawn_clone_child(void *arg)
{
	spawn_child(arg);
}

/*
 * vfork: the parent's page tables are not copied, so a spawn costs the same
 * however large supd grows (BASELINES.md: fork is 30x slower with a 64 MiB
 * heap).  Signals stay blocked in the parent until the child has exec'd or
 * died, so none of our handlers runs in the child.
 *
 * Where the kernel has pidfds, the same as a clone (CLONE_VM|CLONE_VFORK)
 * that also gives the child's pidfd (O_CLOEXEC, not in the child), so its
 * exit is reaped by that pid alone (reap.c); *pidfd -1 after a vfork.
 * It shares our descriptor table too (CLONE_FILES): vfork's copy of the
 * table costs as much as supd has descriptors (0.7 ms at 10,000), the
 * child's own copy (spawn_child) only what it keeps.
 */
static pid_t
spawn_vfork(struct spawn_ctx *c, int *pidfd, uint64_t *starttime)
{
	struct timespec	 before, after;
	sigset_t	 all, old;
	pid_t		 pid = -1;
	int		 saved;

	*pidfd = -1;
	*starttime = 0;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	/* the child's start time, without a read of /proc (leftover.c) */
	clock_gettime(CLOCK_BOOTTIME, &before);
	if (!spawn_no_pidfd && spawn_stack != NULL) {
		pid = clone(spawn_clone_child, spawn_stack + SPAWN_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PIDFD | SIGCHLD,
		    c, pidfd);
		/* an old kernel or a filter: vfork from now on */
		if (pid == -1 && (errno == EINVAL || errno == ENOSYS ||
		    errno == EPERM))
			spawn_no_pidfd = 1;
		/* out of fds for the pidfd, say: this one by vfork */
		if (pid == -1)
			*pidfd = -1;
	}
	if (pid == -1 && c->step == STEP_NONE) {
		clock_gettime(CLOCK_BOOTTIME, &before);
		pid = vfork();
		if (pid == 0)
			spawn_child(c);
	}
	saved = errno;
	clock_gettime(CLOCK_BOOTTIME, &after);
	if (pid > 0 && leftover_starttime_between(&before, &after,
	    starttime) == -1)
		*starttime = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return (pid);
}

/* --- the parent side ----------------------------------------------------- */

static void
spawn_env_own(struct spawn_env *e, char *s)
{
	if (e->nowned == e->capowned) {
		e->capowned = e->capowned ? e->capowned * 2 : 8;
		e->owned = xrealloc(e->owned, e->capowned * sizeof *e->owned);
	}
	e->owned[e->nowned++] = s;
}

static void
spawn_env_set(struct spawn_env *e, char *kv)
{
	size_t	 klen, i;
	char	*eq;

	if ((eq = strchr(kv, '=')) == NULL)
		return;
	klen = eq - kv + 1;
	for (i = 0; i < e->len; i++) {
		if (strncmp(e->v[i], kv, klen) == 0) {
			e->v[i] = kv;
			return;
		}
	}
	if (e->len + 1 >= e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = xrealloc(e->v, e->cap * sizeof *e->v);
	}
	e->v[e->len++] = kv;
	e->v[e->len] = NULL;
}

static void
spawn_env_add(struct spawn_env *e, const char *key, const char *value)
{
	char	*kv;

	kv = xasprintf("%s=%s", key, value);
	spawn_env_own(e, kv);
	spawn_env_set(e, kv);
}

static void
spawn_env_free(struct spawn_env *e)
{
	size_t	 i;

	for (i = 0; i < e->nowned; i++)
		free(e->owned[i]);
	free(e->owned);
	free(e->v);
}

/* What supd was given for itself (by systemd) is not the child's. */
static int
spawn_env_private(const char *kv)
{
	static const char *const keys[] = { "NOTIFY_SOCKET=", "LISTEN_PID=",
	    "LISTEN_FDS=", "LISTEN_FDNAMES=", "WATCHDOG_USEC=", "WATCHDOG_PID=",
	    NULL };
	int	 i;

	for (i = 0; keys[i] != NULL; i++) {
		if (strncmp(kv, keys[i], strlen(keys[i])) == 0)
			return (1);
	}
	return (0);
}

/* supd's environment as every child starts from it, made once. */
static void
spawn_env_base(void)
{
	struct spawn_env	 e;
	char			**p;

	if (spawn_base_env != NULL && spawn_base_of == environ)
		return;
	free(spawn_base_env);
	memset(&e, 0, sizeof e);
	for (p = environ; p != NULL && *p != NULL; p++) {
		if (!spawn_env_private(*p))
			spawn_env_set(&e, *p);
	}
	spawn_base_env = e.v;
	spawn_base_len = e.len;
	spawn_base_of = environ;
}

static void
spawn_env_build(const struct spawn *sp, const struct passwd *pw,
    struct spawn_env *e, char **watchdog_pid)
{
	const struct node	*node = sp->node;
	const struct spec	*spec = node->spec;
	char			**p;

	memset(e, 0, sizeof *e);
	spawn_env_base();
	/* room for what is usually added without a realloc */
	e->cap = spawn_base_len + strv_len(spec->env) + 16;
	e->v = xmalloc(e->cap * sizeof *e->v);
	memcpy(e->v, spawn_base_env, spawn_base_len * sizeof *e->v);
	e->len = spawn_base_len;
	e->v[e->len] = NULL;
	if (pw != NULL) {
		spawn_env_add(e, "USER", pw->pw_name);
		spawn_env_add(e, "LOGNAME", pw->pw_name);
		spawn_env_add(e, "HOME", pw->pw_dir);
	}
	for (p = spec->env; p != NULL && *p != NULL; p++)
		spawn_env_set(e, *p);
	for (p = node_extra_env(node); p != NULL && *p != NULL; p++)
		spawn_env_set(e, *p);
	spawn_env_add(e, "SUPD_NAME", node->name);
	spawn_env_add(e, "SUPD_SUPERVISOR",
	    node->parent != NULL ? node->parent->name : "");
	if (sp->notify_socket != NULL)
		spawn_env_add(e, "NOTIFY_SOCKET", sp->notify_socket);
	*watchdog_pid = NULL;
	if (sp->watchdog_usec > 0) {
		char	 usec[32];

		snprintf(usec, sizeof usec, "%llu", sp->watchdog_usec);
		spawn_env_add(e, "WATCHDOG_USEC", usec);
		/* room for any pid; spawn_child_pid writes the digits */
		spawn_env_add(e, "WATCHDOG_PID", "00000000000000000000");
		*watchdog_pid = e->owned[e->nowned - 1] + strlen("WATCHDOG_PID=");
	}
	if (spawn_mark != NULL)
		spawn_env_set(e, spawn_mark);
	if (e->v == NULL) {
		e->v = xcalloc(1, sizeof *e->v);
		e->cap = 1;
	}
}

/* --- passed fds (listen.c), the parent's side --------------------------- */

/* $LISTEN_FDS, $LISTEN_FDNAMES and a $LISTEN_PID the child fills in. */
static void
spawn_env_pass(const struct spawn *sp, struct spawn_env *e,
    char **listen_pid)
{
	char	 n[24];

	*listen_pid = NULL;
	if (sp->npass == 0)
		return;
	snprintf(n, sizeof n, "%zu", sp->npass);
	spawn_env_add(e, "LISTEN_FDS", n);
	spawn_env_add(e, "LISTEN_FDNAMES", sp->pass_names != NULL ?
	    sp->pass_names : "");
	spawn_env_add(e, "LISTEN_PID", "00000000000000000000");
	*listen_pid = e->owned[e->nowned - 1] + strlen("LISTEN_PID=");
}

/* --- end of passed fds --------------------------------------------------- */

/* argv = the spec's command, then what `supctl spawn` added (or sp's own). */
static char **
spawn_argv(const struct spawn *sp)
{
	const struct node	*node = sp->node;
	char			**v;
	size_t			 n, m, i;

	if (sp->argv != NULL) {
		n = strv_len(sp->argv);
		v = xcalloc(n + 1, sizeof *v);
		for (i = 0; i < n; i++)
			v[i] = sp->argv[i];
		return (v);
	}
	n = strv_len(node->spec->argv);
	m = node_extra_argv(node) != NULL ? strv_len(node_extra_argv(node)) : 0;
	v = xcalloc(n + m + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = node->spec->argv[i];
	for (i = 0; i < m; i++)
		v[n + i] = node_extra_argv(node)[i];
	return (v);
}

/* A command without a slash is looked up in the child's PATH. */
static const char *
spawn_path(const char *cmd, char *const *envp, char *buf, size_t len)
{
	const char	*path = SPAWN_DEFAULT_PATH, *dir, *end;
	struct stat	 st;
	char *const	*p;
	size_t		 dlen;

	if (strchr(cmd, '/') != NULL)
		return (cmd);
	for (p = envp; *p != NULL; p++) {
		if (strncmp(*p, "PATH=", 5) == 0)
			path = *p + 5;
	}
	for (dir = path; *dir != '\0'; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		dlen = end - dir;
		if (dlen == 0)
			continue;
		if (snprintf(buf, len, "%.*s/%s", (int)dlen, dir, cmd) >=
		    (int)len)
			continue;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0)
			return (buf);
	}
	return (cmd);
}

static int
spawn_parse_id(const char *s, unsigned long *id)
{
	char	*end;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*id = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || *id >= (unsigned long)UINT32_MAX)
		return (-1);
	return (0);
}

/*
 * Resolve user and group here, in the parent: NSS lookups are not allowed
 * between vfork and execve.  *pw points into getpwnam's static storage.
 */
static int
spawn_ids(const struct spec *spec, struct spawn_ctx *c, struct passwd **pw,
    char **cause)
{
	struct group	*gr;
	unsigned long	 id;
	int		 n;

	*pw = NULL;
	if (spec_x(spec)->user != NULL) {
		if ((*pw = getpwnam(spec_x(spec)->user)) != NULL) {
			c->uid = (*pw)->pw_uid;
			c->gid = (*pw)->pw_gid;
		} else if (spawn_parse_id(spec_x(spec)->user, &id) == 0) {
			c->uid = id;
			c->gid = ((*pw = getpwuid(id)) != NULL) ?
			    (*pw)->pw_gid : (gid_t)id;
		} else {
			*cause = xasprintf("user %s: no such user", spec_x(spec)->user);
			return (-1);
		}
		c->set_uid = c->set_gid = 1;
	}
	if (spec_x(spec)->group != NULL) {
		if ((gr = getgrnam(spec_x(spec)->group)) != NULL)
			c->gid = gr->gr_gid;
		else if (spawn_parse_id(spec_x(spec)->group, &id) == 0)
			c->gid = id;
		else {
			*cause = xasprintf("group %s: no such group",
			    spec_x(spec)->group);
			return (-1);
		}
		c->set_gid = 1;
	}
	/* Only root can change its supplementary groups. */
	if (!c->set_gid || geteuid() != 0)
		return (0);
	c->set_groups = 1;
	if (*pw == NULL) {
		c->groups = xmalloc(sizeof *c->groups);
		c->groups[0] = c->gid;
		c->ngroups = 1;
		return (0);
	}
	n = 32;
	for (;;) {
		c->groups = xrealloc(c->groups, n * sizeof *c->groups);
		c->ngroups = n;
		if (getgrouplist((*pw)->pw_name, c->gid, c->groups,
		    &c->ngroups) != -1)
			break;
		if (c->ngroups <= n)
			n *= 2;
		else
			n = c->ngroups;
	}
	return (0);
}

/* A limit as the file may write it: N, infinity, or SOFT:HARD. */
static void
spawn_limit_text(char *buf, size_t len, const struct rlimit *rl)
{
	char	soft[24], hard[24];

	if (rl->rlim_cur == RLIM_INFINITY)
		snprintf(soft, sizeof soft, "infinity");
	else
		snprintf(soft, sizeof soft, "%llu",
		    (unsigned long long)rl->rlim_cur);
	if (rl->rlim_max == RLIM_INFINITY)
		snprintf(hard, sizeof hard, "infinity");
	else
		snprintf(hard, sizeof hard, "%llu",
		    (unsigned long long)rl->rlim_max);
	if (rl->rlim_cur == rl->rlim_max)
		snprintf(buf, len, "%s", soft);
	else
		snprintf(buf, len, "%s:%s", soft, hard);
}

/* What the spec asks of the child's resources, ready for the child. */
static void
spawn_resources(const struct spec *spec, struct spawn_ctx *c)
{
	const struct spec_limit	*l;
	int			 i;

	for (i = 0; i < LIMIT_COUNT; i++) {
		l = &spec_x(spec)->limits[i];
		if (!l->set)
			continue;
		c->set_limit[i] = 1;
		c->limits[i].rlim_cur = l->soft == SPEC_LIMIT_INFINITY ?
		    RLIM_INFINITY : (rlim_t)l->soft;
		c->limits[i].rlim_max = l->hard == SPEC_LIMIT_INFINITY ?
		    RLIM_INFINITY : (rlim_t)l->hard;
	}
	/* limit_nofile replaces the limit supd was given */
	if (c->set_limit[LIMIT_NOFILE])
		c->set_nofile = 0;
	c->set_nice = spec_x(spec)->nice.set;
	c->nice = spec_x(spec)->nice.value;
	if (spec_x(spec)->oom_score_adjust.set)
		c->oomlen = (size_t)snprintf(c->oom, sizeof c->oom, "%d\n",
		    spec_x(spec)->oom_score_adjust.value);
}

static char *
spawn_reason(const struct spawn_ctx *c)
{
	const char	*e = strerror(c->err);
	char		 lim[56];

	switch (c->step) {
	case STEP_SETPGID:
		return (xasprintf("setpgid: %s", e));
	case STEP_CGROUP:
		return (xasprintf("cgroup.procs: %s", e));
	case STEP_FDS:
		return (xasprintf("dup2: %s", e));
	case STEP_SETGROUPS:
		return (xasprintf("setgroups: %s", e));
	case STEP_SETGID:
		return (xasprintf("setgid(%u): %s", (unsigned)c->gid, e));
	case STEP_SETUID:
		return (xasprintf("setuid(%u): %s", (unsigned)c->uid, e));
	case STEP_RLIMIT:
		return (xasprintf("setrlimit: %s", e));
	case STEP_LIMIT:
		spawn_limit_text(lim, sizeof lim, &c->limits[c->which]);
		return (xasprintf("%s %s: %s", spec_limit_names[c->which], lim,
		    e));
	case STEP_NICE:
		return (xasprintf("nice %d: %s", c->nice, e));
	case STEP_OOM:
		return (xasprintf("oom_score_adjust %.*s: %s",
		    (int)c->oomlen - 1, c->oom, e));
	case STEP_CHDIR:
		return (xasprintf("chdir %s: %s", c->cwd, e));
	case STEP_EXEC:
		return (xasprintf("exec %s: %s", c->argv[0], e));
	default:
		return (xasprintf("spawn failed: %s", e));
	}
}

/*
 * Look up what does not change.  A supervisor holds a pipe, a log file and
 * maybe a socket per child: raise our own soft RLIMIT_NOFILE to the hard
 * one (systemd gives services 1024), and give children the limit we got,
 * as programs using select() expect.
 */
void
spawn_set_mark(const char *kv)
{
	free(spawn_mark);
	spawn_mark = kv != NULL ? xstrdup(kv) : NULL;
}

/* Which signals are not at SIG_DFL now: the ones a child must reset. */
void
spawn_signals_changed(void)
{
	struct sigaction	 old;
	unsigned long		 kold[4];
	int			 sig;

	spawn_nsigs = 0;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sig >= 32 && sig < spawn_rtmin) {
			/* glibc's own: only the kernel tells */
			memset(kold, 0, sizeof kold);
			if (syscall(SYS_rt_sigaction, sig, NULL, kold,
			    sizeof(unsigned long)) == 0 &&
			    kold[0] == (unsigned long)SIG_DFL)
				continue;
		} else if (sigaction(sig, NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			continue;
		spawn_sigs[spawn_nsigs++] = sig;
	}
}

/*
 * Low descriptors held for the spawn: the fds a child keeps are moved
 * onto them for the clone, so its own table (close_range UNSHARE) is a
 * copy of a few entries, not of every pipe and pidfd supd holds above.
 * Between spawns each holds /dev/null.
 */
#define SPAWN_SLOTS	8
static int	spawn_slot[SPAWN_SLOTS] = { -1, -1, -1, -1, -1, -1, -1, -1 };
static int	spawn_slot_null = -1;

static void
spawn_slots_init(void)
{
	int	i;

	if (spawn_slot_null != -1 ||
	    (spawn_slot_null = open("/dev/null", O_RDONLY|O_CLOEXEC)) == -1)
		return;
	for (i = 0; i < SPAWN_SLOTS; i++)
		spawn_slot[i] = fcntl(spawn_slot_null, F_DUPFD_CLOEXEC, 3);
}

/* Put *fd on slot i (close-on-exec, as every fd of supd's). */
static int
spawn_slot_put(int i, int *fd)
{
	if (spawn_slot[i] == -1 || *fd < 0 ||
	    dup3(*fd, spawn_slot[i], O_CLOEXEC) == -1)
		return (-1);
	*fd = spawn_slot[i];
	return (0);
}

/* The child's fds on the slots, if they all fit; 0 slots used otherwise. */
static int
spawn_slots_take(struct spawn_ctx *c)
{
	int	n = 0, i, high;

	if (3 + (c->cgroup_procs != -1) + c->npass > SPAWN_SLOTS)
		return (0);
	/* all below the slots already (/dev/null, supd's own 1 and 2): stay */
	high = c->fd[0] > c->fd[1] ? c->fd[0] : c->fd[1];
	if (c->fd[2] > high)
		high = c->fd[2];
	if (c->cgroup_procs > high)
		high = c->cgroup_procs;
	for (i = 0; i < c->npass; i++)
		if (c->pass[i] > high)
			high = c->pass[i];
	if (spawn_slot[0] != -1 && high < spawn_slot[0])
		return (0);
	for (i = 0; i < 3; i++)
		if (spawn_slot_put(n++, &c->fd[i]) == -1)
			return (n);
	if (c->cgroup_procs != -1 && spawn_slot_put(n++, &c->cgroup_procs) == -1)
		return (n);
	for (i = 0; i < c->npass; i++)
		if (spawn_slot_put(n++, &c->pass[i]) == -1)
			return (n);
	return (n);
}

static void
spawn_slots_give_back(int n)
{
	int	i;

	for (i = 0; i < n; i++)
		(void)dup3(spawn_slot_null, spawn_slot[i], O_CLOEXEC);
}

/*
 * memcheck (3.19) runs vfork as fork, and after a fork that failed
 * (RLIMIT_NPROC) it leaves every signal blocked: the next fault that
 * should grow the main stack then kills supd.  Grow it now, once.
 */
static void __attribute__((noinline))
spawn_grow_stack(void)
{
	volatile char	stk[1024 * 1024];
	size_t		i;

	for (i = sizeof stk; i > 0; i -= 4096)
		stk[i - 1] = 0;
}

/*
 * memcheck: a pipe the child reports a failed step on (spawn_child_fail),
 * its write end at or above 3 + npass so that no dup2 of the child's
 * lands on it.  Its read end; -1 without one (a failed step then looks
 * like an exit right after the start).
 */
static int
spawn_report_open(struct spawn_ctx *c)
{
	int	p[2];

	c->report = -1;
	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	c->report = fcntl(p[1], F_DUPFD_CLOEXEC, 3 + c->npass);
	close(p[1]);
	if (c->report == -1) {
		close(p[0]);
		return (-1);
	}
	return (p[0]);
}

/* Once the fork returned: EOF if the child exec'd, its report if not. */
static void
spawn_report_read(struct spawn_ctx *c, int rd, pid_t pid)
{
	struct spawn_report	r;
	ssize_t			n;
	int			saved = errno;	/* the fork's */

	close(c->report);
	c->report = -1;
	if (pid != -1) {
		while ((n = read(rd, &r, sizeof r)) == -1 && errno == EINTR)
			;
		if (n == (ssize_t)sizeof r) {
			c->err = r.err;
			c->which = r.which;
			c->step = r.step;
		}
	}
	close(rd);
	errno = saved;
}

void
spawn_init(void)
{
	struct rlimit	 rl;
	void		*stk;

	spawn_rtmin = SIGRTMIN;
	spawn_signals_changed();
	spawn_slots_init();
	/* memcheck dies on a clone that is neither a thread nor a fork */
	if (RUNNING_ON_VALGRIND) {
		spawn_no_pidfd = 1;
		spawn_grow_stack();
	}
	if (spawn_stack == NULL) {
		/* a guard page below the stack: an overflow faults, not corrupts */
		stk = mmap(NULL, SPAWN_STACK_SIZE + 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stk != MAP_FAILED) {
			(void)mprotect(stk, 4096, PROT_NONE);
			spawn_stack = (char *)stk + 4096;
		}
	}
	if (getrlimit(RLIMIT_NOFILE, &spawn_nofile) == 0 &&
	    spawn_nofile.rlim_cur < spawn_nofile.rlim_max) {
		rl = spawn_nofile;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			spawn_raised = 1;
	}
	spawn_maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536 ?
	    (int)rl.rlim_cur : 65536;
}

/*
 * Start sp->node's command in a process group of its own, with sp->fd as
 * its 0, 1 and 2.  Returns once it exec'd (sp->pid, sp->uid set) or
 * failed: -1 and *cause, the failed child already reaped.
 */
int
spawn_start(struct spawn *sp, char **cause)
{
	const struct spec	*spec = sp->node->spec;
	struct spawn_ctx	 c;
	struct spawn_env	 env;
	struct passwd		*pw;
	char			 pathbuf[PATH_MAX];
	pid_t			 pid;
	uint64_t		 starttime;
	int			 pidfd, i, nslots, report = -1;

	*cause = NULL;
	if (spawn_rtmin == 0)
		spawn_init();
	memset(&c, 0, sizeof c);
	memcpy(c.fd, sp->fd, sizeof c.fd);
	c.cgroup_procs = sp->cgroup_procs > 0 ? sp->cgroup_procs : -1;
	c.umask = spec_x(spec)->umask;
	c.cwd = spec_x(spec)->cwd;
	c.rtmin = spawn_rtmin;
	c.maxfd = spawn_maxfd;
	c.nofile = spawn_nofile;
	c.set_nofile = spawn_raised;
	spawn_resources(spec, &c);
	if (spawn_ids(spec, &c, &pw, cause) == -1)
		return (-1);
	sp->uid = c.set_uid ? c.uid : geteuid();
	spawn_env_build(sp, pw, &env, &c.watchdog_pid);
	spawn_env_pass(sp, &env, &c.listen_pid);
	c.npass = (int)sp->npass;
	c.pass = c.npass > 0 ? xcalloc(sp->npass, sizeof *c.pass) : NULL;
	if (c.npass > 0)
		memcpy(c.pass, sp->pass_fds, sp->npass * sizeof *c.pass);
	nslots = spawn_slots_take(&c);
	c.report = -1;
	if (RUNNING_ON_VALGRIND)
		report = spawn_report_open(&c);
	/* the child's own fd table is made of what lies below keep_below */
	c.keep_below = 3;
	for (i = 0; i < 3; i++)
		if (c.fd[i] >= (int)c.keep_below)
			c.keep_below = (unsigned int)c.fd[i] + 1;
	if (c.cgroup_procs >= (int)c.keep_below)
		c.keep_below = (unsigned int)c.cgroup_procs + 1;
	for (i = 0; i < c.npass; i++)
		if (c.pass[i] >= (int)c.keep_below)
			c.keep_below = (unsigned int)c.pass[i] + 1;
	if (c.report >= (int)c.keep_below)
		c.keep_below = (unsigned int)c.report + 1;
	c.pass_tmp = sp->npass > 0 ? xcalloc(sp->npass, sizeof *c.pass_tmp) :
	    NULL;
	c.argv = spawn_argv(sp);
	c.envp = env.v;
	c.path = spawn_path(c.argv[0], c.envp, pathbuf, sizeof pathbuf);
	c.sigs = spawn_sigs;
	c.nsigs = spawn_nsigs;

	pid = spawn_vfork(&c, &pidfd, &starttime);
	spawn_slots_give_back(nslots);
	if (report != -1)
		spawn_report_read(&c, report, pid);

	if (pid == -1)
		*cause = xasprintf("vfork: %s", strerror(errno));
	else if (c.step != STEP_NONE) {
		/* It has exited already: vfork returned after its _exit. */
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		if (pidfd != -1)
			close(pidfd);
		*cause = spawn_reason(&c);
	}
	free(c.argv);
	free(c.groups);
	free(c.pass_tmp);
	free(c.pass);
	spawn_env_free(&env);
	if (*cause != NULL)
		return (-1);
	sp->pid = pid;
	sp->pidfd = pidfd;
	sp->starttime = starttime;
	return (0);
}
