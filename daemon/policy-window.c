/*
 * policy-window.c — restart intensity: a ring of the seconds at which the
 * restarts inside a supervisor's (or partition's) window happened.
 */
#include <limits.h>
#include <stdlib.h>

#include "policy.h"
#include "policy-int.h"
#include "util.h"

/* A window starts this small and doubles while it fills. */
#define WINDOW_FIRST	8

/* The most a window needs: max_restarts + 1 (the one over the limit). */
static int
window_limit(int max_restarts)
{
	return (max_restarts < 0 ? 1 : max_restarts >= INT_MAX - 1 ?
	    INT_MAX - 1 : max_restarts + 1);
}

/* A window of a new capacity holding the newest restarts of the old one. */
static void
policy_window_resize(struct window *w, int cap)
{
	int64_t	*at = xcalloc(cap, sizeof *at);
	int	 keep = w->len < cap ? w->len : cap, i;

	for (i = 0; i < keep; i++)
		at[i] = w->at[(w->head + w->len - keep + i) % w->cap];
	free(w->at);
	w->at = at;
	w->cap = cap;
	w->head = 0;
	w->len = keep;
}

void
window_init(struct window *w, int max_restarts)
{
	int	 lim = window_limit(max_restarts);

	w->cap = lim < WINDOW_FIRST ? lim : WINDOW_FIRST;
	w->at = xcalloc(w->cap, sizeof *w->at);
	w->len = w->head = 0;
}

/* Room for one more, unless max_restarts + 1 are there already. */
static int
window_room(struct window *w, int max_restarts)
{
	int	 lim = window_limit(max_restarts), cap;

	if (w->len < w->cap)
		return (1);
	if (w->cap >= lim)
		return (0);
	cap = w->cap > lim / 2 ? lim : w->cap * 2;
	policy_window_resize(w, cap);
	return (1);
}

void
window_push(struct window *w, int max_restarts, int64_t at)
{
	if (!window_room(w, max_restarts)) {
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
	w->at[(w->head + w->len) % w->cap] = at;
	w->len++;
}

void
policy_window_reset(struct window *w)
{
	w->len = 0;
	w->head = 0;
}

/* Drop restarts older than max_seconds; the boundary second still counts. */
static void
policy_window_expire(struct window *w, int max_seconds, int64_t now)
{
	while (w->len > 0 && w->at[w->head] < now - max_seconds) {
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
}

/* OTP's add_restart: add first, then give up if more than max_restarts. */
int
policy_window_add(struct window *w, const struct spec *spec, int64_t now)
{
	policy_window_expire(w, spec_x(spec)->max_seconds, now);
	/* a burst gone: give back what it grew (the first size is kept) */
	if (w->cap > 4 * WINDOW_FIRST && w->len < w->cap / 4)
		policy_window_resize(w, w->cap / 2);
	/* full at max_restarts + 1: already over the limit; keep the newest */
	window_push(w, spec_x(spec)->max_restarts, now);
	return (w->len > spec_x(spec)->max_restarts);
}

int
policy_window_use(const struct node *sup, int partition, int64_t now_ms)
{
	struct window	*w;

	if (sup->sup == NULL || partition < 0 || partition >= sup->sup->nwindows)
		return (0);
	w = &sup->sup->windows[partition];
	policy_window_expire(w, spec_x(sup->spec)->max_seconds, now_ms / 1000);
	return (w->len);
}

void
policy_respec(struct node *n, const struct spec *spec)
{
	struct sup	*s = n->sup;
	struct window	 pool;
	struct node	*c;
	int		 i, nwindows;

	n->spec = spec;
	if (s == NULL)
		return;
	nwindows = spec->kind == KIND_DYNAMIC && spec_x(spec)->partitions > 1 ?
	    spec_x(spec)->partitions + 1 : 1;
	if (nwindows != s->nwindows) {
		/* the pool's own window (the last, or the only one) is kept */
		pool = s->windows[s->nwindows - 1];
		for (i = 0; i < s->nwindows - 1; i++)
			free(s->windows[i].at);
		free(s->windows);
		s->windows = xcalloc(nwindows, sizeof *s->windows);
		for (i = 0; i < nwindows - 1; i++)
			window_init(&s->windows[i], spec_x(spec)->max_restarts);
		s->windows[nwindows - 1] = pool;
		s->nwindows = nwindows;
		TAILQ_FOREACH(c, &n->children, sibling)
			c->partition = tree_partition(c->name, spec_x(spec)->partitions);
	}
	/* a lower max_restarts keeps the newest it allows */
	for (i = 0; i < s->nwindows; i++)
		if (s->windows[i].cap > window_limit(spec_x(spec)->max_restarts))
			policy_window_resize(&s->windows[i],
			    window_limit(spec_x(spec)->max_restarts));
}
