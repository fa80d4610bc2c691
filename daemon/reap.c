/*
 * reap.c — reaping only the pid that exited: a pidfd per child, watched by
 * an ev_io and reaped with waitid(P_PIDFD), and a SIGCHLD handler of our
 * own that notes si_pid and reaps that pid with waitid(P_PID).  Neither
 * makes the kernel walk supd's children, as waitpid(-1) does (libev's
 * handler on the default loop: twice per exit).  An orphan's SIGCHLD (a
 * pid without a pidfd) is rare and does walk: more of its group may have
 * exited with it.  Merged SIGCHLDs lose a pid: a pidfd child does not
 * care, an orphan waits for the one walk 0.1 s after a run of exits.
 */
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "reap.h"
#include "util.h"

#ifndef P_PIDFD
#define P_PIDFD		3
#endif

/* SIGCHLDs noted between two runs of the loop; more and we walk. */
#define REAP_NOTED	64
/* After a run of exits, one walk for the SIGCHLDs the kernel merged. */
#define REAP_SWEEP_S	0.1

/* The pid is kept in io.data: 56 bytes, one malloc size class less. */
struct reap_w {
	ev_io		 io;		/* fd -1: no pidfd, SIGCHLD reaps it */
	reap_fn		 fn;
};
#define REAP_PID(w)	((pid_t)(intptr_t)(w)->io.data)

/* pid -> watcher: open addressing, linear probing, at most 3/4 full */
static struct reap_w	**reap_tab;
static size_t		  reap_cap, reap_n;

static struct ev_loop	 *reap_loop;
static reap_fn		  reap_default;
static ev_async		  reap_async_w;
static ev_timer		  reap_sweep_w;

/* written by the handler only while SIGCHLD is not blocked */
static volatile pid_t	  reap_noted[REAP_NOTED];
static volatile sig_atomic_t reap_nnoted;
static volatile sig_atomic_t reap_lost;

/* --- the pid table ------------------------------------------------------- */

static size_t
reap_slot(pid_t pid)
{
	return (((size_t)pid * 2654435761u) & (reap_cap - 1));
}

static struct reap_w *
reap_find(pid_t pid)
{
	size_t	 i;

	if (reap_cap == 0)
		return (NULL);
	for (i = reap_slot(pid); reap_tab[i] != NULL; i = (i + 1) & (reap_cap - 1))
		if (REAP_PID(reap_tab[i]) == pid)
			return (reap_tab[i]);
	return (NULL);
}

static void
reap_put(struct reap_w *w)
{
	size_t	 i;

	for (i = reap_slot(REAP_PID(w)); reap_tab[i] != NULL;
	    i = (i + 1) & (reap_cap - 1))
		;
	reap_tab[i] = w;
}

static void
reap_insert(struct reap_w *w)
{
	struct reap_w	**old = reap_tab;
	size_t		  oldcap = reap_cap, i;

	if ((reap_n + 1) * 4 > reap_cap * 3) {
		reap_cap = reap_cap == 0 ? 64 : reap_cap * 2;
		reap_tab = xcalloc(reap_cap, sizeof *reap_tab);
		for (i = 0; i < oldcap; i++)
			if (old[i] != NULL)
				reap_put(old[i]);
		free(old);
	}
	reap_put(w);
	reap_n++;
}

/* Remove w, moving back what probed past its slot (no tombstones). */
static void
reap_remove(struct reap_w *w)
{
	size_t	 i, j, k;

	for (i = reap_slot(REAP_PID(w)); reap_tab[i] != w; i = (i + 1) & (reap_cap - 1))
		;
	reap_tab[i] = NULL;
	for (j = (i + 1) & (reap_cap - 1); reap_tab[j] != NULL;
	    j = (j + 1) & (reap_cap - 1)) {
		k = reap_slot(REAP_PID(reap_tab[j]));
		/* k cyclically in (i, j]: it stays */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		reap_tab[i] = reap_tab[j];
		reap_tab[j] = NULL;
		i = j;
	}
	reap_n--;
}

/* --- reaping -------------------------------------------------------------- */

static void
reap_drop(struct reap_w *w)
{
	if (w->io.fd >= 0) {
		/* started unreferenced: reaping alone keeps no loop running */
		ev_ref(reap_loop);
		ev_io_stop(reap_loop, &w->io);
		close(w->io.fd);
	}
	reap_remove(w);
	free(w);
}

/* The wait status waitpid would have given. */
static int
reap_status(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return ((si->si_status & 0xff) << 8);
	case CLD_DUMPED:
		return ((si->si_status & 0x7f) | 0x80);
	default:
		return (si->si_status & 0x7f);
	}
}

/* pid is reaped: to its watcher's fn, or reap_init's. */
static void
reap_report(pid_t pid, int status)
{
	struct reap_w	*w = reap_find(pid);
	reap_fn		 fn = reap_default;

	if (w != NULL) {
		fn = w->fn;
		reap_drop(w);
	}
	fn(pid, status);
}

/* Reap pid if it has exited, by its pidfd if it has one; no walk.  1 if reaped. */
static int
reap_one(pid_t pid)
{
	struct reap_w	*w = reap_find(pid);
	siginfo_t	 si;
	int		 rc;

	memset(&si, 0, sizeof si);
	do {
		if (w != NULL && w->io.fd >= 0)
			rc = waitid(P_PIDFD, (id_t)w->io.fd, &si,
			    WEXITED | WNOHANG);
		else
			rc = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG);
	} while (rc == -1 && errno == EINTR);
	if (rc == -1) {
		/* ECHILD: reaped already, or not a child of ours */
		if (w != NULL)
			reap_drop(w);
		return (0);
	}
	if (si.si_pid == 0)
		return (0);
	reap_report(pid, reap_status(&si));
	return (1);
}

static void
reap_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	reap_one(REAP_PID((struct reap_w *)io));
}

void
reap_sweep(void)
{
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		reap_report(pid, status);
}

static void
reap_sweep_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)t;
	(void)revents;
	ev_ref(reap_loop);	/* libev stopped it: it was unreferenced */
	reap_sweep();
}

static void
reap_sigchld(int sig, siginfo_t *si, void *uc)
{
	int	 saved = errno;

	(void)sig;
	(void)uc;
	if (reap_nnoted < REAP_NOTED)
		reap_noted[reap_nnoted++] = si->si_pid;
	else
		reap_lost = 1;
	ev_async_send(reap_loop, &reap_async_w);
	errno = saved;
}

static void
reap_async_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	pid_t		 pids[REAP_NOTED];
	sigset_t	 chld, old;
	int		 n, i, lost;

	(void)loop;
	(void)a;
	(void)revents;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	n = reap_nnoted;
	for (i = 0; i < n; i++)
		pids[i] = reap_noted[i];
	lost = reap_lost;
	reap_nnoted = reap_lost = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);

	for (i = 0; i < n; i++) {
		/*
		 * Not watched: reaped through its pidfd already (no walk), or
		 * an orphan: rare, and others of its group may be merged in.
		 */
		if (reap_find(pids[i]) != NULL)
			reap_one(pids[i]);
		else if (reap_one(pids[i]))
			lost = 1;
	}
	if (lost)
		reap_sweep();
	else if (!ev_is_active(&reap_sweep_w)) {
		ev_timer_set(&reap_sweep_w, REAP_SWEEP_S, 0.);
		ev_timer_start(reap_loop, &reap_sweep_w);
		ev_unref(reap_loop);
	}
}

/* --- the API ------------------------------------------------------------- */

void
reap_init(struct ev_loop *loop, reap_fn fn)
{
	struct sigaction	 sa;

	reap_loop = loop;
	reap_default = fn;
	ev_async_init(&reap_async_w, reap_async_cb);
	ev_async_start(loop, &reap_async_w);
	ev_unref(loop);
	ev_init(&reap_sweep_w, reap_sweep_cb);
	/*
	 * Replaces libev's handler on the default loop, whose waitpid(-1)
	 * walk (for ev_child watchers) would run on every exit.
	 */
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = reap_sigchld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		fatal("sigaction SIGCHLD: %s", strerror(errno));
}

void
reap_watch_fn(pid_t pid, int pidfd, reap_fn fn)
{
	struct reap_w	*w;
	siginfo_t	 si;

	if ((w = reap_find(pid)) != NULL) {
		/* already watched: a second pidfd is not needed */
		if (pidfd >= 0)
			close(pidfd);
		w->fn = fn;
		return;
	}
	if (pidfd == -1) {
		/* not ours (or gone): nothing to watch */
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si,
		    WEXITED | WNOHANG | WNOWAIT) == -1)
			return;
		/* without a pidfd (out of fds, an old kernel) SIGCHLD does */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	}
	w = xcalloc(1, sizeof *w);
	w->io.data = (void *)(intptr_t)pid;	/* REAP_PID; ev_io_init leaves data */
	w->fn = fn;
	w->io.fd = -1;
	reap_insert(w);
	if (pidfd >= 0) {
		ev_io_init(&w->io, reap_io_cb, pidfd, EV_READ);
		ev_io_start(reap_loop, &w->io);
		ev_unref(reap_loop);
		/* a zombie already (during a reexec): its pidfd is readable */
	}
}

void
reap_watch(pid_t pid, int pidfd)
{
	reap_watch_fn(pid, pidfd, reap_default);
}

int
reap_low_fd(int fd)
{
	int	 low;

	if (fd < 0 || (low = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return (fd);
	if (low > fd) {
		close(low);
		return (fd);
	}
	close(fd);
	return (low);
}

void
reap_forget(pid_t pid)
{
	struct reap_w	*w = reap_find(pid);

	if (w != NULL)
		w->fn = reap_default;
}

int
reap_watched(void)
{
	return ((int)reap_n);
}

void
reap_free_all(void)
{
	size_t	 i;

	for (i = 0; i < reap_cap; i++)
		while (reap_tab != NULL && reap_tab[i] != NULL)
			reap_drop(reap_tab[i]);
	free(reap_tab);
	reap_tab = NULL;
	reap_cap = reap_n = 0;
	if (ev_is_active(&reap_sweep_w)) {
		ev_ref(reap_loop);
		ev_timer_stop(reap_loop, &reap_sweep_w);
	}
}
