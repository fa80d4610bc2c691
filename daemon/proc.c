/*
 * proc.c — a worker's lifecycle on the OS side: start it (spawn.c execs),
 * reap every child as a subreaper, stop a group with escalation to SIGKILL,
 * and answer the policy (through the ops the loop installed) only once a
 * group is empty.  Readiness
 * datagrams are notify.c's, captured output logs.c's; what to start or stop
 * is the policy's.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>

#include "cgroup.h"
#include "events.h"
#include "liveness.h"
#include "logs.h"
#include "memwatch.h"
#include "fdstore.h"
#include "listen.h"
#include "notify.h"
#include "proc.h"
#include "pstat.h"
#include "reap.h"
#include "spawn.h"
#include "testhook.h"
#include "tree.h"
#include "util.h"

/* How often a group that outlived its main process is looked at again. */
#define PROC_POLL_S		0.02
/* Room for "; log PATH; last output: ..." besides the line itself. */
#define PROC_PATH_MAX_TEXT	4200
/* After this long, zombies nobody reaps no longer count as group members. */
#define PROC_SCAN_MS		100

/* What to tell the policy once the group is empty. */
enum proc_answer {
	ANS_NONE,
	ANS_EXITED,
	ANS_STOPPED,
	ANS_START_FAILED,
};

struct proc_rt {
	struct node		*node;
	pid_t			 pid;		/* main process; 0 once reaped */
	pid_t			 pgid;		/* == the main pid; 0 once empty */
	uid_t			 uid;		/* the child's, for notify */
	/* as the spec said at its start: a reload does not change a running process */
	int			 stop_signal;
	int32_t			 shutdown_ms, start_timeout_ms;	/* at most MS_MAX */
	int			 failures;	/* abnormal exits and start failures */
	/* bytes, not ints: a smaller malloc size class */
	unsigned char		 starting;	/* ready = notify, no READY=1 yet */
	unsigned char		 stopping;	/* the group was signalled */
	unsigned char		 answer;	/* enum proc_answer */
	unsigned char		 normal;	/* ANS_EXITED */
	char			*reason;	/* ANS_START_FAILED; kept for the ops */
	char			*why;		/* proc_fail's reason, for the exit */
	struct proc_wait	*wait;		/* main gone, group not; or NULL */
	/*
	 * start_timeout while starting, shutdown -> SIGKILL once stopping:
	 * never both (a stop ends the start first), so one timer serves.
	 */
	ev_timer		 timer;
	struct notify		*notify;
	char			*status;	/* last STATUS= once notify closed */
	char			*last_exit;	/* how it last ended, for status */
	char			*cgroup;	/* its cgroup v2 directory, or NULL */
	LIST_ENTRY(proc_rt)	 all_entry;	/* proc_all */
};

/* A group whose main process is gone while others live on: rare, so apart. */
struct proc_wait {
	struct proc_rt		*rt;
	int64_t			 since;		/* mono ms */
	int			 cgroup_wd;	/* its cgroup.events watch; 0 none */
	int			 live_seen;	/* proc_scan found a live member */
	LIST_ENTRY(proc_wait)	 entry;		/* proc_waiting */
};

/*
 * Every rt with a live group, by pgid: open addressing, linear probing, at
 * most 3/4 full; a slot is a pointer (the key is rt->pgid), so a group
 * costs 8 to 16 bytes here instead of a hash handle in each rt.
 */
static struct proc_rt		**proc_gtab;
static size_t			 proc_gcap, proc_gn;
static LIST_HEAD(, proc_wait)	 proc_waiting = LIST_HEAD_INITIALIZER(proc_waiting);
static LIST_HEAD(, proc_rt)	 proc_all = LIST_HEAD_INITIALIZER(proc_all);
static int			 proc_nrunning;
static int			 proc_devnull = -1;
static int64_t			 proc_last_scan;
static ev_timer			 proc_poll_w;
static int			 proc_npolled;	/* waiting without a cgroup watch */
static ev_io			 proc_cgroup_w;	/* cgroup_watch_fd */
static ev_timer			 proc_recheck_w;
static int			 proc_inited;
static struct ev_loop		*proc_loop;
static const struct proc_ops	*proc_ops;
static char			 proc_failure[1024];	/* proc_last_failure */

static void	proc_settle(struct proc_rt *);
static void	proc_failed(struct proc_rt *, const char *, char *, size_t);

/* --- the groups by pgid ---------------------------------------------------- */

static size_t
proc_gslot(pid_t pgid)
{
	return (((size_t)pgid * 2654435761u) & (proc_gcap - 1));
}

static struct proc_rt *
proc_group_find(pid_t pgid)
{
	size_t	 i;

	if (proc_gcap == 0)
		return (NULL);
	for (i = proc_gslot(pgid); proc_gtab[i] != NULL;
	    i = (i + 1) & (proc_gcap - 1))
		if (proc_gtab[i]->pgid == pgid)
			return (proc_gtab[i]);
	return (NULL);
}

static void
proc_group_put(struct proc_rt *rt)
{
	size_t	 i;

	for (i = proc_gslot(rt->pgid); proc_gtab[i] != NULL;
	    i = (i + 1) & (proc_gcap - 1))
		;
	proc_gtab[i] = rt;
}

static void
proc_group_add(struct proc_rt *rt)
{
	struct proc_rt	**old = proc_gtab;
	size_t		  oldcap = proc_gcap, i;

	if ((proc_gn + 1) * 4 > proc_gcap * 3) {
		proc_gcap = proc_gcap == 0 ? 64 : proc_gcap * 2;
		proc_gtab = xcalloc(proc_gcap, sizeof *proc_gtab);
		for (i = 0; i < oldcap; i++)
			if (old[i] != NULL)
				proc_group_put(old[i]);
		free(old);
	}
	proc_group_put(rt);
	proc_gn++;
}

/* Remove rt, moving back what probed past its slot (no tombstones). */
static void
proc_group_del(struct proc_rt *rt)
{
	size_t	 i, j, k;

	for (i = proc_gslot(rt->pgid); proc_gtab[i] != rt;
	    i = (i + 1) & (proc_gcap - 1))
		;
	proc_gtab[i] = NULL;
	for (j = (i + 1) & (proc_gcap - 1); proc_gtab[j] != NULL;
	    j = (j + 1) & (proc_gcap - 1)) {
		k = proc_gslot(proc_gtab[j]->pgid);
		/* k cyclically in (i, j]: it stays */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		proc_gtab[i] = proc_gtab[j];
		proc_gtab[j] = NULL;
		i = j;
	}
	if (--proc_gn == 0) {
		free(proc_gtab);
		proc_gtab = NULL;
		proc_gcap = 0;
	}
}

/* --- the runtime data of a node ------------------------------------------ */

static void	proc_timer_cb(struct ev_loop *, ev_timer *, int);

static struct proc_rt *
proc_rt_get(struct node *node)
{
	struct proc_rt	*rt = node->rt;

	if (rt != NULL)
		return (rt);
	rt = xcalloc(1, sizeof *rt);
	rt->node = node;
	ev_init(&rt->timer, proc_timer_cb);
	rt->timer.data = rt;
	node->rt = rt;
	LIST_INSERT_HEAD(&proc_all, rt, all_entry);
	return (rt);
}

static void
proc_notify_close(struct proc_rt *rt)
{
	const char	*s;

	if (rt->notify == NULL)
		return;
	/* what the child stored before it exited or was stopped is kept */
	if (rt->node->spec != NULL && spec_x(rt->node->spec)->fd_store_max > 0)
		notify_drain_fdstore(rt->notify);
	if ((s = notify_status(rt->notify)) != NULL) {
		free(rt->status);
		rt->status = xstrdup(s);
	}
	notify_close(rt->notify);
	rt->notify = NULL;
}

static void
proc_wait_remove(struct proc_rt *rt)
{
	struct proc_wait	*w = rt->wait;

	if (w == NULL)
		return;
	LIST_REMOVE(w, entry);
	rt->wait = NULL;
	if (w->cgroup_wd > 0)
		cgroup_watch_remove(w->cgroup_wd);
	else if (--proc_npolled == 0)
		ev_timer_stop(proc_loop, &proc_poll_w);
	free(w);
}

/* A cgroup is watched (its emptying wakes the loop); a process group polled. */
static void
proc_wait_add(struct proc_rt *rt)
{
	struct proc_wait	*w;
	int			 wd;

	if (rt->wait != NULL)
		return;
	w = xcalloc(1, sizeof *w);
	w->rt = rt;
	w->since = now_mono_ms();
	LIST_INSERT_HEAD(&proc_waiting, w, entry);
	rt->wait = w;
	if (rt->cgroup != NULL && (wd = cgroup_watch_add(rt->cgroup)) > 0) {
		w->cgroup_wd = wd;
		if (!ev_is_active(&proc_cgroup_w)) {
			ev_io_set(&proc_cgroup_w, cgroup_watch_fd(), EV_READ);
			ev_io_start(proc_loop, &proc_cgroup_w);
		}
		/* it may have emptied before the watch: look once more */
		ev_feed_event(proc_loop, &proc_cgroup_w, EV_READ);
		return;
	}
	if (proc_npolled++ == 0)
		ev_timer_again(proc_loop, &proc_poll_w);
}

/* Forget the group: it is empty, or the node is going away. */
static void
proc_group_drop(struct proc_rt *rt)
{
	ev_timer_stop(proc_loop, &rt->timer);
	proc_wait_remove(rt);
	proc_notify_close(rt);
	memwatch_remove(rt->node);
	liveness_stop(rt->node);
	if (rt->pgid != 0) {
		proc_group_del(rt);
		if (proc_ops->group_gone != NULL)
			proc_ops->group_gone(rt->node, rt->pgid);
	}
	if (rt->cgroup != NULL) {
		cgroup_remove(rt->cgroup);
		free(rt->cgroup);
		rt->cgroup = NULL;
	}
	if (rt->pid != 0)
		proc_nrunning--;
	rt->pid = rt->pgid = 0;
	rt->node->pid = 0;
	rt->starting = rt->stopping = 0;
}

static void
proc_report_start_failed(struct proc_rt *rt)
{
	struct node	*node = rt->node;
	char		 out[LOGS_LINE_MAX + PROC_PATH_MAX_TEXT];

	free(rt->last_exit);
	rt->last_exit = xasprintf("start failed: %s", rt->reason);
	proc_failed(rt, rt->last_exit, out, sizeof out);
	log_warn("start %s failed: %s%s", node->name, rt->reason, out);
	events_emit("start_failed", node,
	    json_pack("{s:s}", "reason", rt->reason));
	proc_ops->start_failed(node, rt->reason);
}

/* The group is empty: answer the policy. */
static void
proc_done(struct proc_rt *rt)
{
	enum proc_answer	 answer = rt->answer;

	proc_group_drop(rt);
	rt->answer = ANS_NONE;
	switch (answer) {
	case ANS_EXITED:
		proc_ops->exited(rt->node, rt->normal);
		break;
	case ANS_STOPPED:
		proc_ops->stopped(rt->node);
		break;
	case ANS_START_FAILED:
		proc_report_start_failed(rt);
		break;
	case ANS_NONE:
		break;
	}
}

/* --- signals to a group -------------------------------------------------- */

static void
proc_group_kill(struct proc_rt *rt, int sig)
{
	if (kill(-rt->pgid, sig) == -1 && errno != ESRCH)
		log_warn("kill %s pgid %d: %s", rt->node->name, (int)rt->pgid,
		    strerror(errno));
	/* A main process that left its group still gets the signal. */
	if (rt->pid != 0 && getpgid(rt->pid) != rt->pgid)
		kill(rt->pid, sig);
	/* and whatever left it (setsid, double fork) is still in the cgroup */
	if (sig == SIGKILL && rt->cgroup != NULL)
		cgroup_kill(rt->cgroup);
}

/* sig (and SIGCONT, so a stopped process sees it), then SIGKILL. */
static void
proc_group_stop_sig(struct proc_rt *rt, int sig)
{
	if (rt->stopping)
		return;
	rt->stopping = 1;
	if (rt->shutdown_ms == SHUTDOWN_BRUTAL_KILL || sig == SIGKILL) {
		proc_group_kill(rt, SIGKILL);
		return;
	}
	proc_group_kill(rt, sig);
	if (sig != SIGCONT)
		proc_group_kill(rt, SIGCONT);
	if (rt->shutdown_ms != SHUTDOWN_INFINITY) {
		/* the grace counts from the signal, not from the loop's last wakeup */
		ev_now_update(proc_loop);
		ev_timer_stop(proc_loop, &rt->timer);
		ev_timer_set(&rt->timer, rt->shutdown_ms / 1000.0, 0.);
		ev_timer_start(proc_loop, &rt->timer);
	}
}

/* stop_signal, then SIGKILL after shutdown ms. */
static void
proc_group_stop(struct proc_rt *rt)
{
	proc_group_stop_sig(rt, rt->stop_signal);
}

static void
proc_kill_cb(struct proc_rt *rt)
{
	log_warn("kill %s pgid %d: still running %lld ms after signal %d",
	    rt->node->name, (int)rt->pgid,
	    (long long)rt->shutdown_ms, rt->stop_signal);
	proc_group_kill(rt, SIGKILL);
}

/* --- group emptiness ----------------------------------------------------- */

static int
proc_group_gone(const struct proc_rt *rt)
{
	int	populated;

	/* the cgroup holds every descendant and counts no zombie */
	if (rt->cgroup != NULL &&
	    (populated = cgroup_populated(rt->cgroup)) != -1)
		return (populated == 0);
	/* unreadable (out of fds): the process group says what it can */
	return (kill(-rt->pgid, 0) == -1 && errno == ESRCH);
}

/* Main process reaped: answer now if the group is empty, else wait for it. */
static void
proc_settle(struct proc_rt *rt)
{
	if (rt->pid != 0)
		return;
	if (proc_group_gone(rt)) {
		proc_done(rt);
		return;
	}
	proc_group_stop(rt);
	proc_wait_add(rt);
}

/* Read pid's state and process group from /proc/PID/stat. */
static int
proc_stat(const char *pid, char *state, pid_t *pgrp)
{
	char		 buf[512];
	const char	*p;
	int		 pg;

	if ((p = pstat_fields(pid, buf, sizeof buf)) == NULL ||
	    sscanf(p, " %c %*d %d", state, &pg) != 2)
		return (-1);
	*pgrp = pg;
	return (0);
}

/*
 * kill(-pgid, 0) still finds zombies.  Ours are reaped at once, but one
 * whose parent is alive outside the group may stay: after PROC_SCAN_MS,
 * look at every process and count a group gone when only zombies are left.
 */
static void
proc_scan(void)
{
	struct proc_rt	*rt;
	struct proc_wait *w, *next;
	struct dirent	*de;
	DIR		*d;
	char		 state;
	pid_t		 pgrp;
	int64_t		 now = now_mono_ms();

	if (now - proc_last_scan < PROC_SCAN_MS)
		return;
	LIST_FOREACH(w, &proc_waiting, entry) {
		if (now - w->since >= PROC_SCAN_MS)
			break;
	}
	if (w == NULL)
		return;
	proc_last_scan = now;
	if ((d = opendir("/proc")) == NULL)
		return;
	LIST_FOREACH(w, &proc_waiting, entry)
		w->live_seen = 0;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (proc_stat(de->d_name, &state, &pgrp) == -1 ||
		    state == 'Z' || state == 'X')
			continue;
		rt = proc_group_find(pgrp);
		if (rt != NULL && rt->wait != NULL)
			rt->wait->live_seen = 1;
	}
	closedir(d);
	for (w = LIST_FIRST(&proc_waiting); w != NULL; w = next) {
		next = LIST_NEXT(w, entry);
		rt = w->rt;
		if (!w->live_seen && rt->cgroup == NULL &&
		    now - w->since >= PROC_SCAN_MS) {
			log_debug("%s: only zombies left in pgid %d",
			    rt->node->name, (int)rt->pgid);
			proc_done(rt);
		}
	}
}

static void
proc_recheck(void)
{
	struct proc_wait	*w, *next;

	for (w = LIST_FIRST(&proc_waiting); w != NULL; w = next) {
		next = LIST_NEXT(w, entry);
		if (proc_group_gone(w->rt))
			proc_done(w->rt);
	}
}

/* A watched cgroup.events changed: every waiting group is looked at again. */
static void
proc_cgroup_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	cgroup_watch_drain();
	proc_recheck();
}

static void
proc_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	proc_recheck();
	if (!LIST_EMPTY(&proc_waiting))
		proc_scan();
}

static void
proc_recheck_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	proc_recheck();
}

/* --- reaping ------------------------------------------------------------- */

/* "code 1" or "signal SEGV": how a process ended. */
static void
proc_exit_text(char *buf, size_t len, int status)
{
	const char	*abbrev;

	if (WIFEXITED(status))
		snprintf(buf, len, "code %d", WEXITSTATUS(status));
	else if ((abbrev = sigabbrev_np(WTERMSIG(status))) != NULL)
		snprintf(buf, len, "signal %s", abbrev);
	else
		snprintf(buf, len, "signal %d", WTERMSIG(status));
}

/* "; log FILE; last output: "LINE"" for a child whose output is captured. */
static void
proc_output_text(char *buf, size_t len, struct node *node)
{
	const char	*line;
	char		*path;

	buf[0] = '\0';
	if (node->spec == NULL ||
	    (node->spec->out != OUTPUT_LOG && node->spec->err != OUTPUT_LOG &&
	    node->spec->err != OUTPUT_LOG_SEPARATE))
		return;
	/* what it wrote just before it died may still be in the pipe */
	logs_drain(node);
	path = logs_path(node->name);
	if (logs_last_lines(node, &line, 1) == 1)
		snprintf(buf, len, "; log %s; last output: \"%s\"", path, line);
	else
		snprintf(buf, len, "; log %s (no output)", path);
	free(path);
}

/* An abnormal end: counted, kept for the root's last words; out: its output. */
static void
proc_failed(struct proc_rt *rt, const char *how, char *out, size_t len)
{
	rt->failures++;
	proc_output_text(out, len, rt->node);
	snprintf(proc_failure, sizeof proc_failure, "%s failed %d time%s, the "
	    "last: %s%s", rt->node->name, rt->failures,
	    rt->failures == 1 ? "" : "s", how, out);
}

static void
proc_exit_event(struct proc_rt *rt, pid_t pid, int status, int normal)
{
	struct node	*node = rt->node;
	char		 how[32], out[LOGS_LINE_MAX + PROC_PATH_MAX_TEXT];
	json_t		*f;

	proc_exit_text(how, sizeof how, status);
	free(rt->last_exit);
	rt->last_exit = rt->why != NULL ? xasprintf("%s (%s)", rt->why, how) :
	    xstrdup(how);
	if (WIFEXITED(status)) {
		node->last_exit_code = WEXITSTATUS(status);
		node->last_exit_signal = 0;
		f = json_pack("{s:i,s:i,s:b}", "pid", (int)pid,
		    "code", node->last_exit_code, "normal", normal);
	} else {
		node->last_exit_code = -1;
		node->last_exit_signal = WTERMSIG(status);
		f = json_pack("{s:i,s:i,s:b}", "pid", (int)pid,
		    "signal", node->last_exit_signal, "normal", normal);
	}
	if (rt->why != NULL) {
		json_object_set_new(f, "reason", json_string(rt->why));
		free(rt->why);
		rt->why = NULL;
	}
	if (normal)
		log_info("exit %s pid %d %s", node->name, (int)pid, how);
	else {
		proc_failed(rt, rt->last_exit, out, sizeof out);
		log_warn("exit %s pid %d %s%s", node->name, (int)pid,
		    rt->last_exit, out);
	}
	events_emit("exit", node, f);
}

static void
proc_reaped(pid_t pid, int status)
{
	struct proc_rt	*rt;
	int		 normal;

	if (!WIFEXITED(status) && !WIFSIGNALED(status))
		return;
	/* A health check is liveness.c's: neither a helper nor a leftover. */
	if (liveness_reaped(pid, status))
		return;
	rt = proc_group_find(pid);
	if (rt == NULL || rt->pid != pid) {
		/* A helper or an orphan: its group may be empty now. */
		if (!LIST_EMPTY(&proc_waiting) &&
		    !ev_is_active(&proc_recheck_w)) {
			ev_timer_set(&proc_recheck_w, 0., 0.);
			ev_timer_start(proc_loop, &proc_recheck_w);
		}
		return;
	}
	/*
	 * READY=1 may be queued behind the exit: a child that said it is
	 * ready and then exited did start.
	 */
	if (rt->starting && rt->notify != NULL)
		notify_drain(rt->notify);
	rt->pid = 0;
	rt->node->pid = 0;
	proc_nrunning--;

	if (rt->answer == ANS_NONE && rt->starting) {
		ev_timer_stop(proc_loop, &rt->timer);
		rt->starting = 0;
		free(rt->reason);
		rt->reason = WIFEXITED(status) ?
		    xasprintf("exited before READY=1 (code %d)",
		    WEXITSTATUS(status)) :
		    xasprintf("exited before READY=1 (signal %d)",
		    WTERMSIG(status));
		rt->answer = ANS_START_FAILED;
	} else if (rt->answer == ANS_NONE) {
		rt->answer = ANS_EXITED;
		rt->normal = WIFEXITED(status) ?
		    spec_is_success(rt->node->spec, WEXITSTATUS(status), 0) :
		    spec_is_success(rt->node->spec, -1, WTERMSIG(status));
	}
	/* A stop supd asked for is not a failure, however the process died. */
	if (rt->answer == ANS_STOPPED)
		normal = 1;
	else if (rt->answer == ANS_EXITED)
		normal = rt->normal;
	else
		normal = 0;
	testhook("stop.reaped");
	proc_exit_event(rt, pid, status, normal);
	proc_settle(rt);
}

/* --- the API ------------------------------------------------------------- */

/* Become a child subreaper; watch SIGCHLD on loop; report through ops. */
void
proc_init(struct ev_loop *loop, const struct proc_ops *ops)
{
	int		 fd;

	if (proc_inited)
		return;
	proc_inited = 1;
	proc_loop = loop;
	proc_ops = ops;
	/* With 0, 1 and 2 open, no pipe or socket of ours can land there. */
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			fatal("open /dev/null: %s", strerror(errno));
	}
	if ((proc_devnull = open("/dev/null", O_RDWR|O_CLOEXEC)) == -1)
		fatal("open /dev/null: %s", strerror(errno));
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	memwatch_init(loop);
	/*
	 * Every child and orphan, reaped by its pid (reap.c): no walk of
	 * all of supd's children per exit.
	 */
	reap_init(loop, proc_reaped);
	/* after every disposition of ours is set: the child resets those */
	spawn_init();
	ev_init(&proc_poll_w, proc_poll_cb);
	ev_init(&proc_cgroup_w, proc_cgroup_cb);
	proc_poll_w.repeat = PROC_POLL_S;
	ev_init(&proc_recheck_w, proc_recheck_cb);
}

static void
proc_start_failed(struct proc_rt *rt, char *reason)
{
	free(rt->reason);
	rt->reason = reason;
	proc_report_start_failed(rt);
}

static void
proc_notify_ready(void *arg)
{
	struct proc_rt	*rt = arg;
	struct node	*node = rt->node;

	if (!rt->starting)
		return;
	rt->starting = 0;
	ev_timer_stop(proc_loop, &rt->timer);
	log_info("ready %s pid %d", node->name, (int)node->pid);
	events_emit("ready", node, json_pack("{s:i}", "pid", node->pid));
	liveness_health_start(node);
	proc_ops->started(node);
}

static void
proc_notify_watchdog(void *arg, enum notify_wd what, unsigned long long usec)
{
	struct proc_rt	*rt = arg;

	liveness_watchdog(rt->node, what, usec);
}

static void
proc_notify_fds(void *arg, const char *buf, size_t len, int *fds, size_t nfds)
{
	struct proc_rt	*rt = arg;

	fdstore_message(rt->node, buf, len, fds, nfds);
}

static void
proc_start_timeout_cb(struct proc_rt *rt)
{
	/*
	 * After a stall of the loop (a loaded machine, SIGSTOP, memcheck)
	 * the timer runs before the READY=1 queued meanwhile is read: read
	 * the child's datagrams first (liveness.c does so for the watchdog).
	 */
	if (rt->starting && rt->notify != NULL)
		notify_drain(rt->notify);
	if (!rt->starting)
		return;
	rt->starting = 0;
	free(rt->reason);
	rt->reason = xasprintf("no READY=1 within %lld ms",
	    (long long)rt->start_timeout_ms);
	rt->answer = ANS_START_FAILED;
	proc_notify_close(rt);
	proc_group_stop(rt);
}

static void
proc_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct proc_rt	*rt = w->data;

	(void)loop;
	(void)revents;
	if (rt->stopping)
		proc_kill_cb(rt);
	else
		proc_start_timeout_cb(rt);
}

/* Pick the child's 0, 1 and 2; wfd: the log pipes to close after the spawn. */
static int
proc_fds(struct proc_rt *rt, int fd[3], int wfd[2], char **cause)
{
	const struct spec	*spec = rt->node->spec;

	wfd[0] = wfd[1] = -1;
	if (logs_pipes(rt->node, spec->out == OUTPUT_LOG, spec->err, wfd,
	    cause) == -1)
		return (-1);
	fd[0] = proc_devnull;
	fd[1] = wfd[0] != -1 ? wfd[0] :
	    spec->out == OUTPUT_NULL ? proc_devnull : 1;
	fd[2] = wfd[1] != -1 ? wfd[1] :
	    spec->err == OUTPUT_NULL ? proc_devnull : 2;
	if (wfd[1] == wfd[0])
		wfd[1] = -1;	/* one pipe for both: closed once */
	return (0);
}

/* A start that did not happen leaves no cgroup behind. */
static void
proc_cgroup_drop(struct proc_rt *rt, int fd)
{
	if (fd != -1)
		close(fd);
	if (rt->cgroup == NULL)
		return;
	cgroup_remove(rt->cgroup);
	free(rt->cgroup);
	rt->cgroup = NULL;
}

/*
 * Start node's process.  Reports started (at exec, or at READY=1) or a
 * start failure, through the ops.
 */
void
proc_start(struct node *node)
{
	const struct spec	*spec = node->spec;
	struct proc_rt		*rt = proc_rt_get(node);
	struct spawn		 sp;
	char			*cause = NULL, *pass_names = NULL;
	int			 wfd[2] = { -1, -1 }, cgfd = -1, rc, *pass = NULL;

	if (rt->pgid != 0) {
		proc_start_failed(rt, xasprintf("already running (pid %d)",
		    (int)rt->pgid));
		return;
	}
	if (spec == NULL || spec->argv == NULL || spec->argv[0] == NULL) {
		proc_start_failed(rt, xstrdup("no command"));
		return;
	}
	free(rt->status);
	rt->status = NULL;
	rt->answer = ANS_NONE;
	rt->stop_signal = spec_x(spec)->stop_signal;
	rt->shutdown_ms = spec->shutdown_ms;
	rt->start_timeout_ms = spec_x(spec)->start_timeout_ms;
	/* its held sockets first: one that cannot be bound fails the start */
	if (listen_prepare(node, &cause) == -1) {
		proc_start_failed(rt, cause);
		return;
	}

	memset(&sp, 0, sizeof sp);
	sp.node = node;
	/* a watchdog child needs the socket whatever its ready mode, so does the fd store */
	if (spec_x(spec)->ready == READY_NOTIFY || spec_x(spec)->watchdog_ms > 0 ||
	    spec_x(spec)->fd_store_max > 0) {
		rt->notify = notify_open(node->name,
		    (unsigned long long)node->incarnation, proc_notify_ready, rt,
		    &cause);
		if (rt->notify == NULL) {
			proc_start_failed(rt, cause);
			return;
		}
		sp.notify_socket = notify_socket(rt->notify);
		notify_set_fdstore(rt->notify, proc_notify_fds, rt);
		if (spec_x(spec)->watchdog_ms > 0)
			notify_set_watchdog(rt->notify, proc_notify_watchdog, rt);
		sp.watchdog_usec = (unsigned long long)spec_x(spec)->watchdog_ms * 1000;
	}
	/* without its cgroup (out of fds, say) it starts as with cgroup = off */
	if (cgroup_enabled() && (rt->cgroup = cgroup_child_create(node->name,
	    spec, &cgfd, &cause)) == NULL) {
		log_warn("start %s without a cgroup: %s", node->name, cause);
		free(cause);
		cause = NULL;
	}
	sp.cgroup_procs = cgfd != -1 ? cgfd : 0;
	if (proc_fds(rt, sp.fd, wfd, &cause) == -1) {
		proc_notify_close(rt);
		proc_cgroup_drop(rt, cgfd);
		proc_start_failed(rt, cause);
		return;
	}
	listen_handout(node, &pass, &sp.npass, &pass_names);
	sp.pass_fds = pass;
	sp.pass_names = pass_names;
	rc = spawn_start(&sp, &cause);
	free(pass);
	free(pass_names);
	if (wfd[0] != -1)
		close(wfd[0]);
	if (wfd[1] != -1)
		close(wfd[1]);
	if (cgfd != -1)
		close(cgfd);
	/* after those closed: the pidfd takes the lowest free (reap_low_fd) */
	if (rc == 0)
		reap_watch(sp.pid, reap_low_fd(sp.pidfd));
	if (rc == -1) {
		proc_notify_close(rt);
		proc_cgroup_drop(rt, -1);
		proc_start_failed(rt, cause);
		return;
	}

	testhook("start.forked");
	rt->pid = rt->pgid = sp.pid;
	rt->uid = sp.uid;
	proc_group_add(rt);
	proc_nrunning++;
	node->pid = sp.pid;
	if (proc_ops->group_started != NULL)
		proc_ops->group_started(node, sp.pid, sp.starttime);
	testhook("start.recorded");
	node->started_at = now_wall_ms();
	log_info("start %s pid %d", node->name, (int)sp.pid);
	events_emit("start", node, json_pack("{s:i}", "pid", (int)sp.pid));
	if (spec_x(spec)->memory_restart > 0)
		memwatch_add(node, sp.pid, spec_x(spec)->memory_restart);
	/* systemd's watchdog runs from the main process's start */
	liveness_watchdog_start(node, spec_x(spec)->watchdog_ms);
	if (rt->notify != NULL)
		notify_child(rt->notify, sp.pid, rt->uid);
	if (spec_x(spec)->ready != READY_NOTIFY) {
		liveness_health_start(node);
		proc_ops->started(node);
		return;
	}
	rt->starting = 1;
	if (spec_x(spec)->start_timeout_ms > 0) {
		/* from now, not from the start of a long iteration (a boot) */
		ev_now_update(proc_loop);
		ev_timer_set(&rt->timer, spec_x(spec)->start_timeout_ms / 1000.0,
		    0.);
		ev_timer_start(proc_loop, &rt->timer);
	}
}

/*
 * Stop node's process group; stopped once the main process is reaped
 * and the group is empty.  A start in progress is cancelled.
 */
void
proc_stop(struct node *node)
{
	struct proc_rt	*rt = node->rt;

	if (rt == NULL || rt->pgid == 0) {
		proc_ops->stopped(node);
		return;
	}
	if (rt->starting) {
		rt->starting = 0;
		ev_timer_stop(proc_loop, &rt->timer);
	}
	/* Whatever was to be said (exit, start failure) becomes "stopped". */
	rt->answer = ANS_STOPPED;
	liveness_stop(node);
	proc_notify_close(rt);
	proc_group_stop(rt);
	testhook("stop.signalled");
	if (rt->pid == 0)
		proc_wait_add(rt);
}

/*
 * Stop node's process group at once with SIGKILL (its supervisor's
 * shutdown ran out); answered like proc_stop.  Without a group, its exit
 * or stop is already on its way to the policy.
 */
void
proc_kill(struct node *node)
{
	struct proc_rt	*rt = node->rt;

	if (rt == NULL || rt->pgid == 0)
		return;
	if (rt->answer != ANS_STOPPED)
		proc_stop(node);
	if (rt->pgid == 0)
		return;
	ev_timer_stop(proc_loop, &rt->timer);
	log_warn("kill %s pgid %d: its supervisor's shutdown ran out",
	    node->name, (int)rt->pgid);
	proc_group_kill(rt, SIGKILL);
}

/*
 * A watchdog miss, too many failed health checks or memory_restart: the
 * group gets sig, then the stop escalation, and its exit is abnormal
 * (restarted per its restart type, counted by intensity), why in its exit
 * event and last exit; before READY=1 it is a start failure.  The notify
 * socket stays open until the group is gone: this may run inside its
 * callback.
 */
void
proc_fail(struct node *node, int sig, const char *why)
{
	struct proc_rt	*rt = node->rt;

	if (!proc_checkable(node))
		return;
	liveness_stop(node);
	memwatch_remove(node);
	free(rt->why);
	rt->why = xstrdup(why);
	if (rt->starting) {
		rt->starting = 0;
		ev_timer_stop(proc_loop, &rt->timer);
		free(rt->reason);
		rt->reason = xstrdup(why);
		rt->answer = ANS_START_FAILED;
	} else {
		rt->answer = ANS_EXITED;
		rt->normal = 0;
	}
	proc_group_stop_sig(rt, sig > 0 ? sig : rt->stop_signal);
}

/* 1 while node's process runs and no stop or exit is under way. */
void
proc_notify_drain(struct node *node)
{
	struct proc_rt	*rt = node->rt;

	if (rt != NULL && rt->notify != NULL)
		notify_drain(rt->notify);
}

int
proc_checkable(const struct node *node)
{
	const struct proc_rt	*rt = node->rt;

	return (rt != NULL && rt->pid != 0 && !rt->stopping &&
	    rt->answer == ANS_NONE);
}

/* Send sig to node's process group; -1 (errno set) if it has none. */
int
proc_signal(struct node *node, int sig)
{
	struct proc_rt	*rt = node->rt;

	if (rt == NULL || rt->pgid == 0) {
		errno = ESRCH;
		return (-1);
	}
	return (kill(-rt->pgid, sig));
}

/* The last STATUS= a ready = notify child sent, or NULL. */
const char *
proc_status_text(const struct node *node)
{
	const struct proc_rt	*rt = node->rt;
	const char		*s;

	if (rt == NULL)
		return (NULL);
	if (rt->notify != NULL && (s = notify_status(rt->notify)) != NULL)
		return (s);
	return (rt->status);
}

/* How node last ended: "code 1", "signal SEGV", "start failed: ..." or NULL. */
const char *
proc_last_exit(const struct node *node)
{
	const struct proc_rt	*rt = node->rt;

	return (rt != NULL ? rt->last_exit : NULL);
}

/* The last abnormal exit or start failure of any child, or NULL. */
const char *
proc_last_failure(void)
{
	return (proc_failure[0] != '\0' ? proc_failure : NULL);
}

/* Free the runtime data of a node leaving the tree. */
void
proc_forget(struct node *node)
{
	struct proc_rt	*rt = node->rt;

	logs_forget(node);
	liveness_forget(node);
	listen_forget(node);
	fdstore_forget(node);
	if (rt == NULL)
		return;
	if (rt->pgid != 0) {
		log_warn("forget %s: pgid %d still running, killed",
		    node->name, (int)rt->pgid);
		kill(-rt->pgid, SIGKILL);
		if (rt->cgroup != NULL)
			cgroup_kill(rt->cgroup);
		proc_group_drop(rt);
	}
	LIST_REMOVE(rt, all_entry);
	free(rt->reason);
	free(rt->why);
	free(rt->status);
	free(rt->last_exit);
	free(rt);
	node->rt = NULL;
}

/* SIGKILL every process group still running (last resort at exit). */
void
proc_kill_all(void)
{
	struct proc_rt	*rt;

	LIST_FOREACH(rt, &proc_all, all_entry)
		if (rt->pgid != 0)
			proc_group_kill(rt, SIGKILL);
}

/* Forget every node and close every log (at exit, before the tree is freed). */
void
proc_free_all(void)
{
	struct proc_rt	*rt;

	while ((rt = LIST_FIRST(&proc_all)) != NULL) {
		/* proc_kill_all has been: no warning for each group */
		if (rt->pgid != 0) {
			kill(-rt->pgid, SIGKILL);
			if (rt->cgroup != NULL)
				cgroup_kill(rt->cgroup);
			proc_group_drop(rt);
		}
		proc_forget(rt->node);
	}
	liveness_free_all();
	logs_close_all();
	reap_free_all();
}

/* Number of worker processes running now. */
int
proc_running(void)
{
	return (proc_nrunning);
}

/* node's cgroup v2 directory while it has processes, or NULL. */
const char *
proc_cgroup(const struct node *node)
{
	const struct proc_rt	*rt = node->rt;

	return (rt != NULL ? rt->cgroup : NULL);
}

/* --- reexec -------------------------------------------------------------- */

int
proc_busy(const char **name)
{
	struct proc_rt	*rt;

	if (liveness_busy(name))
		return (1);
	LIST_FOREACH(rt, &proc_all, all_entry) {
		if (rt->pgid == 0)
			continue;
		if (rt->pid == 0 || rt->starting || rt->stopping ||
		    rt->answer != ANS_NONE || rt->wait != NULL) {
			*name = rt->node->name;
			return (1);
		}
	}
	return (0);
}

void
proc_carry_get(const struct node *node, struct proc_carry *pc)
{
	const struct proc_rt	*rt = node->rt;

	memset(pc, 0, sizeof *pc);
	pc->notify_fd = -1;
	if (rt == NULL)
		return;
	pc->failures = rt->failures;
	pc->last_exit = rt->last_exit;
	pc->status = rt->status;
	if (rt->pgid == 0)
		return;
	pc->pid = rt->pid;
	pc->uid = (int)rt->uid;
	pc->stop_signal = rt->stop_signal;
	pc->shutdown_ms = rt->shutdown_ms;
	pc->watchdog_ms = liveness_watchdog_ms(node);
	pc->health = (int)liveness_health(node);
	pc->health_failures = liveness_health_failures(node);
	pc->health_output = liveness_health_output(node);
	pc->health_at = liveness_health_at(node);
	pc->cgroup = rt->cgroup;
	if (rt->notify != NULL) {
		pc->notify_fd = notify_fd(rt->notify);
		pc->notify_socket = notify_socket(rt->notify);
		pc->status = notify_status(rt->notify);
	}
}

/*
 * The group runs on as it did: in the hash, counted, its notify socket
 * watched again.  Its exit, if it came during the exec, is reaped next.
 */
void
proc_adopt(struct node *node, const struct proc_carry *pc)
{
	struct proc_rt	*rt = proc_rt_get(node);

	rt->failures = pc->failures;
	free(rt->last_exit);
	rt->last_exit = pc->last_exit != NULL ? xstrdup(pc->last_exit) : NULL;
	free(rt->status);
	rt->status = pc->status != NULL ? xstrdup(pc->status) : NULL;
	if (pc->pid <= 0)
		return;
	rt->pid = rt->pgid = pc->pid;
	rt->uid = (uid_t)pc->uid;
	rt->stop_signal = pc->stop_signal > 0 ? pc->stop_signal :
	    spec_x(node->spec)->stop_signal;
	rt->shutdown_ms = pc->stop_signal > 0 ? pc->shutdown_ms :
	    node->spec->shutdown_ms;
	rt->start_timeout_ms = spec_x(node->spec)->start_timeout_ms;
	if (pc->cgroup != NULL && cgroup_path_ok(pc->cgroup))
		rt->cgroup = xstrdup(pc->cgroup);
	proc_group_add(rt);
	proc_nrunning++;
	node->pid = pc->pid;
	/* pidfds do not outlive an exec: a new one (after checking it is ours) */
	reap_watch(pc->pid, -1);
	if (spec_x(node->spec)->memory_restart > 0)
		memwatch_add(node, pc->pid, spec_x(node->spec)->memory_restart);
	if (pc->notify_fd >= 0)
		rt->notify = notify_adopt(pc->notify_fd, pc->notify_socket,
		    node->name, (unsigned long long)node->incarnation,
		    proc_notify_ready, rt, pc->pid, rt->uid, pc->status);
	if (rt->notify != NULL && spec_x(node->spec)->watchdog_ms > 0)
		notify_set_watchdog(rt->notify, proc_notify_watchdog, rt);
	if (rt->notify != NULL)
		notify_set_fdstore(rt->notify, proc_notify_fds, rt);
	liveness_adopt(node, rt->notify != NULL ? pc->watchdog_ms : 0,
	    (enum health)pc->health, pc->health_failures, pc->health_output,
	    pc->health_at);
}

void
proc_set_last_failure(const char *s)
{
	snprintf(proc_failure, sizeof proc_failure, "%s", s != NULL ? s : "");
}
