/*
 * reap.h — reaping only the child that exited.  A waitpid(-1) makes the
 * kernel walk every child of supd (20 us at 1,000 children; libev's own
 * SIGCHLD handler does two per exit), so: each child spawn.c starts comes
 * with a pidfd, watched by an ev_io and reaped with waitid(P_PIDFD); the
 * SIGCHLD handler notes the pid the kernel names: a watched one is left
 * to its pidfd, any other (an orphan a subreaper inherits) makes a walk.
 * After a run of exits one more walk, 0.1 s later, finds what merged
 * SIGCHLDs hid.
 */
#ifndef REAP_H
#define REAP_H

#include <sys/types.h>

struct ev_loop;

/* How a reaped child is reported: its pid and wait status. */
typedef void (*reap_fn)(pid_t pid, int status);

/* Take SIGCHLD over (from libev's default loop too); fn gets every pid. */
void	reap_init(struct ev_loop *, reap_fn fn);
/*
 * Watch pid through pidfd (O_CLOEXEC; closed once pid is reaped).  With
 * pidfd -1 one is opened (a child a reexec carried), if pid is a child of
 * ours; without one, SIGCHLD reaps it all the same.
 */
void	reap_watch(pid_t pid, int pidfd);
/* Same, with its own fn instead of reap_init's. */
void	reap_watch_fn(pid_t pid, int pidfd, reap_fn fn);
/*
 * fd, or a duplicate of it at the lowest free descriptor if lower (once
 * the fds a spawn used for a moment are closed): supd's descriptors stay
 * packed at the bottom, and the server, which counts the room left by a
 * client's descriptor number, keeps its margin for restarts.
 */
int	reap_low_fd(int fd);
/* No longer report pid to its own fn (reap_init's gets it). */
void	reap_forget(pid_t pid);
/* Reap whatever has exited now, by a walk (after a reexec). */
void	reap_sweep(void);
/* Children watched now. */
int	reap_watched(void);
/* Close every pidfd and free the watchers (at exit). */
void	reap_free_all(void);

#endif /* REAP_H */
