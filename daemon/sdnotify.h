/*
 * sdnotify.h — supd telling its own service manager (systemd, Type=notify)
 * how it is: READY=1, STATUS=, RELOADING=1, STOPPING=1 and WATCHDOG=1 on
 * $NOTIFY_SOCKET.  The children's own notify sockets are notify.c's.
 */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

/*
 * Take NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID out of supd's
 * environment (no child inherits them), check them, and start the
 * watchdog timer on loop_ev.  A bad value is logged and ignored.
 */
void	sdnotify_init(void);
/* Put them back in the environment, for an exec of supd itself (reexec). */
void	sdnotify_export(void);
/* The tree is up: READY=1 and the current STATUS=. */
void	sdnotify_ready(void);
/* A reload begins: RELOADING=1 and MONOTONIC_USEC=; sdnotify_ready() ends it. */
void	sdnotify_reloading(void);
/* An orderly shutdown begins: STOPPING=1. */
void	sdnotify_stopping(void);
/* States may have changed: STATUS= follows, at most 4 times a second. */
void	sdnotify_changed(void);
/* supd is about to exit: a STATUS= still held back goes now. */
void	sdnotify_flush(void);
/* Stop the timers and close the socket. */
void	sdnotify_free(void);

#endif /* SDNOTIFY_H */
