/*
 * reexec.h — zero-downtime upgrade: supd execs its binary again (same
 * pid) and the new image takes the tree over.  The old image's side
 * (probe the binary, wait until the tree is quiet, the exec, and coming
 * back if it fails) and the new image's start from a snapshot.
 */
#ifndef REEXEC_H
#define REEXEC_H

#include <jansson.h>

struct call;

/* What --reexec-probe prints: the snapshot format this binary reads. */
#define REEXEC_PROBE_ANSWER	"supd-reexec"

/*
 * Keep what the exec needs: the binary supd was started from (resolved
 * now: a package upgrade replaces the file), its arguments, and how to
 * refill the store if an exec fails.
 */
void	reexec_init(int argc, char **argv, void (*fill)(void));
/* The Reexec call: CALL_WAIT while the probe and the drain run. */
int	reexec_call(struct call *);
/* Print the probe's answer (supd --reexec-probe). */
void	reexec_probe_answer(void);
/*
 * The new image could not use the snapshot: close whatever the last image
 * left open and exec this binary afresh, as after a crash.  Never returns.
 */
void	reexec_fresh(const char *why) __attribute__((noreturn));
/*
 * The new image serves: answer the caller the snapshot carried, unblock
 * the signals the old image blocked and reap what exited meanwhile.
 */
void	reexec_took_over(json_t *snap, int64_t began_ms);
/* Unblock what the last image blocked before its exec (after the watchers). */
void	reexec_unblock(void);

#endif /* REEXEC_H */
