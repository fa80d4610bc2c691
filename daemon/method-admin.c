/*
 * method-admin.c — the daemon as a whole: Metrics (Prometheus text
 * exposition), Reexec (reexec.c) and Shutdown (answered first,
 * then the orderly stop of the tree, after which supd exits 0).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fdstore.h"
#include "listen.h"
#include "loop.h"
#include "method.h"
#include "proc.h"
#include "proto.h"
#include "pstat.h"
#include "reexec.h"
#include "server.h"
#include "store.h"
#include "task.h"
#include "util.h"

static int	method_metrics(struct call *);
static int	method_reexec(struct call *);
static int	method_shutdown(struct call *);

struct method method_metrics_entry = {
	.name = PROTO_METHOD("Metrics"),
	.flags = M_READ,
	.call = method_metrics,
};

struct method method_reexec_entry = {
	.name = PROTO_METHOD("Reexec"),
	.call = method_reexec,
};

struct method method_shutdown_entry = {
	.name = PROTO_METHOD("Shutdown"),
	.call = method_shutdown,
};

/* The exposition text, written to a memory stream (glibc grows it). */
struct method_text {
	FILE	*f;
	char	*s;
	size_t	 len;
};

static void
method_text_open(struct method_text *t)
{
	t->s = NULL;
	t->len = 0;
	if ((t->f = open_memstream(&t->s, &t->len)) == NULL)
		fatal("open_memstream: %s", strerror(errno));
}

/* Close the stream: t->s holds the text (t->len bytes), to free. */
static void
method_text_close(struct method_text *t)
{
	if (fclose(t->f) != 0)
		fatal("metrics text: %s", strerror(errno));
	t->f = NULL;
}

static void
method_text_add(struct method_text *t, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfprintf(t->f, fmt, ap);
	va_end(ap);
}

static void
method_text_help(struct method_text *t, const char *name, const char *type,
    const char *help)
{
	method_text_add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
method_metrics_children(struct method_text *t)
{
	static const enum node_state	 states[] = {
		NODE_STARTING, NODE_RUNNING, NODE_STOPPING, NODE_STOPPED,
		NODE_EXITED, NODE_FAILED,
	};
	int				 count[NODE_FAILED + 1] = { 0 };
	struct node			*n;
	size_t				 i;

	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		if (n->kind == KIND_WORKER)
			count[n->state]++;
	method_text_help(t, "supd_children", "gauge",
	    "Workers (static and dynamic) by state.");
	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		method_text_add(t, "supd_children{state=\"%s\"} %d\n",
		    tree_state_name(states[i]), count[states[i]]);
}

static void
method_metrics_nodes(struct method_text *t)
{
	struct node	*n;
	int64_t		 now = now_mono_ms();
	int		 p, use, max;

	/* names match [A-Za-z0-9][A-Za-z0-9_.@-]*: nothing to escape in a label */
	method_text_help(t, "supd_restarts_total", "counter",
	    "Restarts of each child since supd started.");
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		method_text_add(t, "supd_restarts_total{name=\"%s\"} %d\n",
		    n->name, n->restarts);
	method_text_help(t, "supd_supervisor_window_use", "gauge",
	    "Restarts inside each supervisor's intensity window now.");
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n)) {
		if (n->sup == NULL)
			continue;
		for (max = 0, p = 0; p < n->sup->nwindows; p++)
			if ((use = policy_window_use(n, p, now)) > max)
				max = use;
		method_text_add(t, "supd_supervisor_window_use{name=\"%s\"} %d\n",
		    n->name, max);
	}
	method_text_help(t, "supd_supervisor_max_restarts", "gauge",
	    "Each supervisor's max_restarts.");
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		if (n->sup != NULL)
			method_text_add(t,
			    "supd_supervisor_max_restarts{name=\"%s\"} %d\n",
			    n->name, spec_x(n->spec)->max_restarts);
}

/* Sockets held and fds stored, for each worker that may have any. */
static void
method_metrics_held(struct method_text *t)
{
	struct node	*n;

	method_text_help(t, "supd_child_listen_fds", "gauge",
	    "Listening sockets supd holds for each child (listen =).");
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		if (n->kind == KIND_WORKER && (spec_x(n->spec)->nlisten > 0 ||
		    listen_count(n) > 0))
			method_text_add(t, "supd_child_listen_fds{name=\"%s\"} "
			    "%zu\n", n->name, listen_count(n));
	method_text_help(t, "supd_child_stored_fds", "gauge",
	    "Fds each child stored in supd (FDSTORE=1).");
	for (n = loop_root; n != NULL; n = tree_next(loop_root, n))
		if (n->kind == KIND_WORKER && (spec_x(n->spec)->fd_store_max > 0 ||
		    fdstore_count(n) > 0))
			method_text_add(t, "supd_child_stored_fds{name=\"%s\"} "
			    "%zu\n", n->name, fdstore_count(n));
}

/* CPU and memory of each running child's group: one /proc scan, when asked. */
static void
method_metrics_usage(struct method_text *t)
{
	struct node	*n, **nodes = NULL;
	struct pstat	*ps, *p;
	size_t		 nn = 0, cap = 0, i, nps = 0;

	for (n = loop_root; n != NULL; n = tree_next(loop_root, n)) {
		if (n->pid <= 0)
			continue;
		if (nn == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			nodes = xrealloc(nodes, cap * sizeof *nodes);
		}
		nodes[nn++] = n;
	}
	if ((ps = pstat_nodes(nodes, nn, &nps)) == NULL)
		nn = 0;
	method_text_help(t, "supd_child_cpu_seconds_total", "counter",
	    "User and system CPU of each running child's process group.");
	for (i = 0; i < nn; i++)
		if ((p = pstat_find(ps, nps, nodes[i]->pid)) != NULL &&
		    p->nprocs > 0)
			method_text_add(t, "supd_child_cpu_seconds_total"
			    "{name=\"%s\"} %.3f\n", nodes[i]->name,
			    (double)p->cpu_ms / 1000.0);
	method_text_help(t, "supd_child_resident_bytes", "gauge",
	    "Resident memory of each running child's process group.");
	for (i = 0; i < nn; i++)
		if ((p = pstat_find(ps, nps, nodes[i]->pid)) != NULL &&
		    p->nprocs > 0)
			method_text_add(t, "supd_child_resident_bytes"
			    "{name=\"%s\"} %lld\n", nodes[i]->name,
			    (long long)p->rss_bytes);
	free(ps);
	free(nodes);
}

static int
method_metrics(struct call *c)
{
	struct method_text	  t;
	struct method		**m;
	json_t			 *reply;
	const char		 *short_name;

	method_text_open(&t);
	method_metrics_children(&t);
	method_metrics_nodes(&t);
	method_metrics_usage(&t);
	method_metrics_held(&t);
	method_text_help(&t, "supd_processes", "gauge",
	    "Worker processes running now.");
	method_text_add(&t, "supd_processes %d\n", proc_running());
	method_text_help(&t, "supd_registered_names", "gauge",
	    "Names in the registry (static and dynamic).");
	method_text_add(&t, "supd_registered_names %u\n", tree_count());
	method_text_help(&t, "supd_events_total", "counter",
	    "Events recorded since supd started.");
	method_text_add(&t, "supd_events_total %llu\n",
	    (unsigned long long)events_total());
	method_text_help(&t, "supd_task_results", "gauge",
	    "Task results held (running tasks included).");
	method_text_add(&t, "supd_task_results %zu\n", task_count());
	method_text_help(&t, "supd_state_degraded", "gauge",
	    "1 while the state database cannot be written (spawns refused).");
	method_text_add(&t, "supd_state_degraded %d\n", store_trouble() != NULL);
	method_text_help(&t, "supd_state_commits_total", "counter",
	    "Transactions committed to the state database.");
	method_text_add(&t, "supd_state_commits_total %llu\n",
	    (unsigned long long)store_commits());
	method_text_help(&t, "supd_state_failures_total", "counter",
	    "Transactions of the state database that failed.");
	method_text_add(&t, "supd_state_failures_total %llu\n",
	    (unsigned long long)store_failures());
	method_text_help(&t, "supd_clients_connected", "gauge",
	    "Clients connected to the control socket.");
	method_text_add(&t, "supd_clients_connected %d\n", server_clients());
	method_text_help(&t, "supd_uptime_seconds", "gauge",
	    "Seconds since supd started serving.");
	method_text_add(&t, "supd_uptime_seconds %lld\n",
	    (long long)(server_uptime_ms() / 1000));
	method_text_help(&t, "supd_method_calls_total", "counter",
	    "Control protocol calls, by method.");
	for (m = method_table; *m != NULL; m++) {
		short_name = strrchr((*m)->name, '.') + 1;
		method_text_add(&t, "supd_method_calls_total{method=\"%s\"} %llu\n",
		    short_name, (unsigned long long)(*m)->calls);
	}
	method_text_help(&t, "supd_method_failures_total", "counter",
	    "Control protocol calls answered with an error, by method.");
	for (m = method_table; *m != NULL; m++) {
		short_name = strrchr((*m)->name, '.') + 1;
		method_text_add(&t,
		    "supd_method_failures_total{method=\"%s\"} %llu\n",
		    short_name, (unsigned long long)(*m)->failures);
	}
	method_text_close(&t);
	reply = json_pack("{s:s%}", "text", t.s, t.len);
	free(t.s);
	return (call_ok(c, reply));
}

/* Answered by the new image once it serves (reexec.c), or with why not. */
static int
method_reexec(struct call *c)
{
	return (reexec_call(c));
}

static int
method_shutdown(struct call *c)
{
	/*
	 * The reply is queued first; it goes out before the loop exits.  The
	 * connection stays open until supd has stopped its tree and exits:
	 * that is how supctl shutdown waits for the end.
	 */
	call_ok(c, json_object());
	loop_command(EVT_SHUTDOWN, loop_root, NULL);
	return (CALL_DONE);
}
