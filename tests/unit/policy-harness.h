/*
 * policy-harness.h — what the test-policy-*.c files share: specs built by
 * hand, a tree, events fed to policy_step with a clock the test sets, and
 * each event's actions as a compact trace ("start a", "stop c", "exit 3")
 * that a test compares word for word.  No children are forked: the test
 * plays the runtime and answers each ACT_START and ACT_STOP itself.
 */
#ifndef POLICY_HARNESS_H
#define POLICY_HARNESS_H

#include <stdint.h>

#include "policy.h"

/* Specs, in "file order": the order of the calls.  parent NULL: the root. */
struct spec	*h_sup(const char *name, const char *parent, enum strategy,
		    int max_restarts, int max_seconds);
struct spec	*h_worker(const char *name, const char *parent, enum restart_type);
struct spec	*h_dynamic(const char *name, const char *parent, enum restart_type,
		    int max_restarts, int max_seconds, int partitions);
/* Build the tree from the specs so far; returns the root. */
struct node	*h_build(void);
/* The node registered as name; fails the test if there is none or the test never made it. */
struct node	*h_node(const char *name);

/* The clock: monotonic milliseconds given with every event. */
void		 h_at(int64_t ms);

/* Events.  Each replaces the trace with the actions it produced. */
void		 h_boot(void);
void		 h_started(const char *name);
void		 h_start_failed(const char *name, const char *why);
void		 h_exited(const char *name, int normal);
void		 h_stopped(const char *name);
void		 h_shutdown(void);
/* EVT_RETRY / EVT_DEADLINE for supervisor sup, as the runtime sends them. */
void		 h_retry(const char *sup);
void		 h_deadline(const char *sup);
/* EVT_BACKOFF for worker name: its ACT_BACKOFF ran out. */
void		 h_backoff(const char *name);
/* EVT_CMD_START / EVT_CMD_STOP / EVT_CMD_RESTART, with a tag so ACT_DONE shows. */
void		 h_cmd(enum policy_evt, const char *name);
/* tree_add_dynamic then EVT_SPAWN; task marks it a `supctl run` task. */
void		 h_spawn(const char *sup, const char *name);
void		 h_run_task(const char *sup, const char *name);

/* Boot, answering every ACT_START with EVT_STARTED; the trace is then cleared. */
void		 h_boot_all(void);
/* Answer the starts, stops and kills of the last trace in order, until none is left. */
void		 h_settle(void);

/* The last event's trace. */
int		 h_trace_len(void);
const char	*h_trace(int i);
/* The detail of the action whose trace is exactly what ("exit 3"); fails if none. */
const char	*h_detail(const char *what);
void		 h_expect_at(const char *file, int line, ...);
/* expect("start a", "start b"): the whole trace, in order, nothing more. */
#define expect(...)	h_expect_at(__FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)
/* expect_nothing(): the last event produced no action. */
#define expect_nothing()	h_expect_at(__FILE__, __LINE__, (const char *)NULL)

/*
 * "running", "exited", ... or "removed" when the name is no longer
 * registered; fails on a name no spec or spawn of the test created.
 */
const char	*h_state(const char *name);
#define expect_state(name, st)	cr_assert_str_eq(h_state(name), (st), \
	    "%s is %s, expected %s", (name), h_state(name), (st))
/* Restarts in sup's window (partition p) as of the clock. */
int		 h_window(const char *sup, int partition);

/* Two names that fall in partitions 0 and 1 of a pool of two partitions. */
const char	*h_name_in_partition(const char *prefix, int partition, int nth);

/* Criterion fixtures: a fresh config; the end shuts down and frees everything. */
void		 h_setup(void);
void		 h_teardown(void);

#endif /* POLICY_HARNESS_H */
