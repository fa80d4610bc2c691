/*
 * liveness.h — is a running worker still alive: sd_notify's watchdog
 * (WATCHDOG=1 at least every `watchdog`) and Docker-style health checks
 * (`health` run every `health_interval`).  liveness.c owns the timers and
 * the check processes; proc.c owns the group and the stop a failure asks
 * for (proc_fail).
 */
#ifndef LIVENESS_H
#define LIVENESS_H

#include <stdint.h>
#include <sys/types.h>

#include "notify.h"

struct node;

enum health {
	HEALTH_NONE,		/* no health check, or no process */
	HEALTH_STARTING,	/* no check has passed yet */
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
};
/* "starting", "healthy", "unhealthy" by enum health; [HEALTH_NONE] is NULL. */
extern const char *const liveness_health_names[];

/* node's process exec'd: arm its watchdog for ms (0: none). */
void		 liveness_watchdog_start(struct node *, int64_t ms);
/* A WATCHDOG= line from node's notify socket. */
void		 liveness_watchdog(struct node *, enum notify_wd,
		    unsigned long long usec);
/* The watchdog interval in force (WATCHDOG_USEC= may change it); 0: none. */
int64_t		 liveness_watchdog_ms(const struct node *);
/* node is started (exec'd, or READY=1): its health checks begin. */
void		 liveness_health_start(struct node *);
/* node's process is being stopped or gone: no more timers, a check killed. */
void		 liveness_stop(struct node *);
/* Free what liveness keeps of a node leaving the tree. */
void		 liveness_forget(struct node *);
/* 1 if pid was a health check (reaped and handled here). */
int		 liveness_reaped(pid_t pid, int status);
/* 1 with *name set while a health check process runs. */
int		 liveness_busy(const char **name);
/* SIGKILL and forget every check (at exit). */
void		 liveness_free_all(void);

enum health	 liveness_health(const struct node *);
/* The last check: its last line of output (or NULL), unix ms (0: none), failures in a row. */
const char	*liveness_health_output(const struct node *);
int64_t		 liveness_health_at(const struct node *);
int		 liveness_health_failures(const struct node *);
/*
 * Take over what a reexec carried for a running node: the watchdog
 * interval (armed afresh) and the health state (next check one interval on).
 */
void		 liveness_adopt(struct node *, int64_t watchdog_ms,
		    enum health, int failures, const char *output, int64_t at);

#endif /* LIVENESS_H */
