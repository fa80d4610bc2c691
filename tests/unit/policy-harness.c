/*
 * policy-harness.c — the runtime's side of the policy, played by the tests:
 * specs built by hand, events with a clock, each event's actions turned into
 * a trace of short words, removed nodes freed as the runtime frees them.
 * Every test ends with a shutdown and frees the tree, so ASan sees no leak.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "policy-harness.h"

struct entry {
	char		*text;
	char		*detail;
};

static struct config	 h_conf;
static struct node	*h_root;
static struct action_list h_acts;
static int64_t		 h_now;
static int		 h_tag;		/* any non-NULL tag makes ACT_DONE show */

static struct entry	*h_entries;
static int		 h_nentries, h_capentries;

static char		 h_names[64][32];
static int		 h_nnames;

/* Every name a spec or a spawn created: a name outside it is the test's typo. */
static char		**h_created;
static int		 h_ncreated, h_capcreated;

static char *
h_strdup(const char *s)
{
	char	*p;

	if (s == NULL)
		return (NULL);
	if ((p = strdup(s)) == NULL)
		abort();
	return (p);
}

static void *
h_calloc(size_t n)
{
	void	*p;

	if ((p = calloc(1, n)) == NULL)
		abort();
	return (p);
}

static void
h_create(const char *name)
{
	if (h_ncreated == h_capcreated) {
		h_capcreated = h_capcreated == 0 ? 64 : h_capcreated * 2;
		if ((h_created = realloc(h_created, h_capcreated *
		    sizeof *h_created)) == NULL)
			abort();
	}
	h_created[h_ncreated++] = h_strdup(name);
}

/* Fail the test on a name it never created (a spec or a spawn). */
static void
h_known(const char *name)
{
	int	i;

	for (i = 0; i < h_ncreated; i++)
		if (strcmp(h_created[i], name) == 0)
			return;
	cr_assert_fail("the test never created a node named \"%s\"", name);
}

/* Specs */

static struct spec *
h_spec(const char *name, const char *parent, enum node_kind kind)
{
	struct spec	*sp = h_calloc(sizeof *sp);

	sp->name = h_strdup(name);
	sp->parent = h_strdup(parent);
	sp->kind = kind;
	sp->restart = RESTART_PERMANENT;
	sp->shutdown_ms = kind == KIND_WORKER ? DEFAULT_WORKER_SHUTDOWN : SHUTDOWN_INFINITY;
	h_create(name);
	TAILQ_INSERT_TAIL(&h_conf.specs, sp, entry);
	h_conf.nspecs++;
	if (parent == NULL)
		h_conf.root = sp;
	return (sp);
}

struct spec *
h_sup(const char *name, const char *parent, enum strategy strategy, int max_restarts,
    int max_seconds)
{
	struct spec	*sp = h_spec(name, parent, KIND_SUPERVISOR);

	spec_extra_own(sp)->strategy = strategy;
	spec_extra_own(sp)->max_restarts = max_restarts;
	spec_extra_own(sp)->max_seconds = max_seconds;
	return (sp);
}

struct spec *
h_worker(const char *name, const char *parent, enum restart_type restart)
{
	struct spec	*sp = h_spec(name, parent, KIND_WORKER);

	sp->restart = restart;
	return (sp);
}

struct spec *
h_dynamic(const char *name, const char *parent, enum restart_type restart,
    int max_restarts, int max_seconds, int partitions)
{
	struct spec	*sp = h_spec(name, parent, KIND_DYNAMIC);

	sp->restart = restart;	/* the template's: what its children are */
	spec_extra_own(sp)->strategy = STRATEGY_ONE_FOR_ONE;
	spec_extra_own(sp)->max_restarts = max_restarts;
	spec_extra_own(sp)->max_seconds = max_seconds;
	spec_extra_own(sp)->partitions = partitions;
	return (sp);
}

struct node *
h_build(void)
{
	h_root = tree_build(&h_conf);
	cr_assert_not_null(h_root, "tree_build found no root");
	return (h_root);
}

struct node *
h_node(const char *name)
{
	struct node	*n;

	h_known(name);
	n = tree_find(name);
	cr_assert_not_null(n, "no node named %s", name);
	return (n);
}

void
h_at(int64_t ms)
{
	h_now = ms;
}

/* The trace */

static void
h_trace_clear(void)
{
	int	i;

	for (i = 0; i < h_nentries; i++) {
		free(h_entries[i].text);
		free(h_entries[i].detail);
	}
	h_nentries = 0;
}

static void
h_trace_add(char *text, const char *detail)
{
	if (h_nentries == h_capentries) {
		h_capentries = h_capentries == 0 ? 64 : h_capentries * 2;
		if ((h_entries = realloc(h_entries, h_capentries * sizeof *h_entries)) == NULL)
			abort();
	}
	h_entries[h_nentries].text = text;
	h_entries[h_nentries].detail = h_strdup(detail);
	h_nentries++;
}

static char *
h_format(const struct action *a)
{
	static const char *const reports[] = {
		[RPT_RESTART] = "restart",
		[RPT_INTENSITY] = "intensity",
		[RPT_REMOVE] = "remove",
		[RPT_SUP_STARTED] = "started",
		[RPT_SUP_STOPPED] = "stopped",
		[RPT_SUP_FAILED] = "failed",
		[RPT_AUTO_SHUTDOWN] = "auto_shutdown",
		[RPT_SUP_KILL] = "kill",
		[RPT_BACKOFF] = "backoff",
	};
	const char	*name = a->node != NULL ? a->node->name : "-";
	char		*s = NULL;
	int		 r = -1;

	switch (a->type) {
	case ACT_START:
		r = asprintf(&s, "start %s", name);
		break;
	case ACT_STOP:
		r = asprintf(&s, "stop %s", name);
		break;
	case ACT_REPORT:
		r = asprintf(&s, "report %s %s", reports[a->report], name);
		break;
	case ACT_REMOVE:
		r = asprintf(&s, "remove %s", name);
		break;
	case ACT_DONE:
		if (a->outcome == CMD_OK)
			r = asprintf(&s, "done ok %s", name);
		else
			r = asprintf(&s, "done fail %s: %s", name,
			    a->detail != NULL ? a->detail :
			    policy_outcome_text(a->outcome));
		break;
	case ACT_EXIT:
		r = asprintf(&s, "exit %d", a->status);
		break;
	case ACT_KILL:
		r = asprintf(&s, "kill %s", name);
		break;
	case ACT_RETRY:
		r = asprintf(&s, "retry %s", name);
		break;
	case ACT_DEADLINE:
		r = asprintf(&s, "deadline %s %lld", name, (long long)a->ms);
		break;
	case ACT_BACKOFF:
		r = asprintf(&s, "backoff %s %lld", name, (long long)a->ms);
		break;
	case ACT_BACKOFF_CANCEL:
		r = asprintf(&s, "cancel backoff %s", name);
		break;
	}
	if (r == -1)
		abort();
	return (s);
}

/* Run one event: record its actions, then free what it removed, as the runtime does. */
static void
h_step(enum policy_evt type, struct node *n, int normal, const char *reason, void *tag)
{
	struct policy_event	 ev;
	int			 i;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.node = n;
	ev.normal = normal;
	ev.reason = reason;
	ev.now = h_now;
	ev.tag = tag;
	action_list_clear(&h_acts);
	policy_step(&ev, &h_acts);
	for (i = 0; i < h_acts.len; i++)
		h_trace_add(h_format(&h_acts.v[i]), h_acts.v[i].detail);
	for (i = 0; i < h_acts.len; i++)
		if (h_acts.v[i].type == ACT_REMOVE)
			tree_node_free(h_acts.v[i].node);
	action_list_clear(&h_acts);
}

void
h_boot(void)
{
	h_trace_clear();
	h_step(EVT_BOOT, h_root, 0, NULL, NULL);
}

void
h_started(const char *name)
{
	h_trace_clear();
	h_step(EVT_STARTED, h_node(name), 0, NULL, NULL);
}

void
h_start_failed(const char *name, const char *why)
{
	h_trace_clear();
	h_step(EVT_START_FAILED, h_node(name), 0, why, NULL);
}

void
h_exited(const char *name, int normal)
{
	h_trace_clear();
	h_step(EVT_EXITED, h_node(name), normal, NULL, NULL);
}

void
h_stopped(const char *name)
{
	h_trace_clear();
	h_step(EVT_STOPPED, h_node(name), 0, NULL, NULL);
}

void
h_retry(const char *sup)
{
	h_trace_clear();
	h_step(EVT_RETRY, h_node(sup), 0, NULL, NULL);
}

void
h_deadline(const char *sup)
{
	h_trace_clear();
	h_step(EVT_DEADLINE, h_node(sup), 0, NULL, NULL);
}

void
h_backoff(const char *name)
{
	h_trace_clear();
	h_step(EVT_BACKOFF, h_node(name), 0, NULL, NULL);
}

void
h_shutdown(void)
{
	h_trace_clear();
	h_step(EVT_SHUTDOWN, h_root, 0, NULL, NULL);
}

void
h_cmd(enum policy_evt type, const char *name)
{
	h_trace_clear();
	h_step(type, h_node(name), 0, NULL, &h_tag);
}

static void
h_spawn_node(const char *sup, const char *name, int task)
{
	struct node	*n;

	n = tree_add_dynamic(h_node(sup), name);
	cr_assert_not_null(n, "tree_add_dynamic %s %s", sup, name);
	h_create(name);
	n->task = task;
	h_trace_clear();
	h_step(EVT_SPAWN, n, 0, NULL, &h_tag);
}

void
h_spawn(const char *sup, const char *name)
{
	h_spawn_node(sup, name, 0);
}

void
h_run_task(const char *sup, const char *name)
{
	h_spawn_node(sup, name, 1);
}

/* Answer starts and stops in the order they were asked for; keep the whole trace. */
void
h_settle(void)
{
	char		 queue[256][NAME_MAX_LEN + 8];
	int		 head = 0, tail = 0, seen = 0, rounds = 0;
	struct node	*n;
	char		*q;

	for (;;) {
		for (; seen < h_nentries; seen++) {
			const char	*t = h_entries[seen].text;

			if ((strncmp(t, "start ", 6) == 0 || strncmp(t, "stop ", 5) == 0) &&
			    tail < 256)
				snprintf(queue[tail++], sizeof queue[0], "%s", t);
			/* a kill is answered as a stop */
			if (strncmp(t, "kill ", 5) == 0 && tail < 256)
				snprintf(queue[tail++], sizeof queue[0], "stop %s", t + 5);
		}
		if (head == tail || ++rounds > 1000)
			break;
		q = queue[head++];
		if (strncmp(q, "start ", 6) == 0) {
			if ((n = tree_find(q + 6)) != NULL && n->state == NODE_STARTING)
				h_step(EVT_STARTED, n, 0, NULL, NULL);
		} else {
			if ((n = tree_find(q + 5)) != NULL && n->state == NODE_STOPPING)
				h_step(EVT_STOPPED, n, 0, NULL, NULL);
		}
	}
}

void
h_boot_all(void)
{
	h_boot();
	h_settle();
	cr_assert(h_root->state == NODE_RUNNING, "the root did not start: %s",
	    tree_state_name(h_root->state));
	h_trace_clear();
}

int
h_trace_len(void)
{
	return (h_nentries);
}

const char *
h_trace(int i)
{
	return (i >= 0 && i < h_nentries ? h_entries[i].text : NULL);
}

const char *
h_detail(const char *what)
{
	int	i;

	for (i = 0; i < h_nentries; i++)
		if (strcmp(h_entries[i].text, what) == 0)
			return (h_entries[i].detail);
	cr_assert_fail("no \"%s\" in the trace", what);
	return (NULL);
}

static void
h_dump(char *buf, size_t size, const char **v, int n)
{
	size_t	len = 0;
	int	i;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s\"%s\"", i > 0 ? ", " : "", v[i]);
}

void
h_expect_at(const char *file, int line, ...)
{
	const char	*want[256], *got[256];
	char		 wbuf[4096], gbuf[4096];
	const char	*s;
	va_list		 ap;
	int		 nwant = 0, i, same;

	va_start(ap, line);
	while ((s = va_arg(ap, const char *)) != NULL && nwant < 256)
		want[nwant++] = s;
	va_end(ap);
	for (i = 0; i < h_nentries && i < 256; i++)
		got[i] = h_entries[i].text;
	same = nwant == h_nentries;
	for (i = 0; same && i < nwant; i++)
		same = strcmp(want[i], got[i]) == 0;
	if (same)
		return;
	h_dump(wbuf, sizeof wbuf, want, nwant);
	h_dump(gbuf, sizeof gbuf, got, h_nentries < 256 ? h_nentries : 256);
	cr_assert_fail("%s:%d: actions differ\n  expected: [%s]\n  actual:   [%s]",
	    file, line, wbuf, gbuf);
}

const char *
h_state(const char *name)
{
	struct node	*n;

	h_known(name);
	n = tree_find(name);
	return (n == NULL ? "removed" : tree_state_name(n->state));
}

int
h_window(const char *sup, int partition)
{
	return (policy_window_use(h_node(sup), partition, h_now));
}

const char *
h_name_in_partition(const char *prefix, int partition, int nth)
{
	char	name[32];
	int	i;

	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof name, "%s%d", prefix, i);
		if (tree_partition(name, 2) == partition && nth-- == 0)
			break;
	}
	cr_assert(h_nnames < 64, "too many generated names");
	snprintf(h_names[h_nnames], sizeof h_names[0], "%s", name);
	return (h_names[h_nnames++]);
}

/* Fixtures */

void
h_setup(void)
{
	memset(&h_conf, 0, sizeof h_conf);
	TAILQ_INIT(&h_conf.specs);
	h_root = NULL;
	h_now = 0;
	h_nnames = 0;
}

void
h_teardown(void)
{
	struct spec	*sp;

	if (h_root != NULL) {
		h_trace_clear();
		h_step(EVT_SHUTDOWN, h_root, 0, NULL, NULL);
		h_settle();
		tree_free(h_root);
		h_root = NULL;
	}
	while ((sp = TAILQ_FIRST(&h_conf.specs)) != NULL) {
		TAILQ_REMOVE(&h_conf.specs, sp, entry);
		free(sp->name);
		free(sp->parent);
		free((void *)sp->x);	/* a test's spec_extra_own: no strings */
		free(sp);
	}
	h_trace_clear();
	free(h_entries);
	h_entries = NULL;
	h_capentries = 0;
	while (h_ncreated > 0)
		free(h_created[--h_ncreated]);
	free(h_created);
	h_created = NULL;
	h_capcreated = 0;
	action_list_free(&h_acts);
}
