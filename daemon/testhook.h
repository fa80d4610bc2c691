/*
 * testhook.h — named points where a test can freeze supd to kill it there
 * (the crash-consistency tests).  SUPD_TEST_PAUSE=POINT@FILE, read once at
 * start: the first time supd passes POINT while FILE exists, it removes
 * FILE, logs the point and stops itself with SIGSTOP; the test then sends
 * SIGKILL.  Without the variable every point is one test of a NULL.
 */
#ifndef TESTHOOK_H
#define TESTHOOK_H

/* Read SUPD_TEST_PAUSE (a reexec'd image reads it again). */
void	testhook_init(void);
/* Stop here if a test asked for this point and has armed it. */
void	testhook_slow(const char *point);

extern const char	*testhook_point;	/* NULL: no test hook */

#define testhook(point)	do {						\
	if (testhook_point != NULL)					\
		testhook_slow(point);					\
} while (0)

#endif /* TESTHOOK_H */
