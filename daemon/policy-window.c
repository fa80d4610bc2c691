/*
 * policy-window.c — restart intensity: a ring of the seconds at which the
 * restarts inside a supervisor's (or partition's) window happened.
 */
#include "policy.h"
#include "policy-int.h"

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
	policy_window_expire(w, spec->max_seconds, now);
	if (w->len == w->cap) {
		/* full: already over the limit; keep the newest */
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
	w->at[(w->head + w->len) % w->cap] = now;
	w->len++;
	return (w->len > spec->max_restarts);
}

int
policy_window_use(const struct node *sup, int partition, int64_t now_ms)
{
	struct window	*w;

	if (sup->sup == NULL || partition < 0 || partition >= sup->sup->nwindows)
		return (0);
	w = &sup->sup->windows[partition];
	policy_window_expire(w, sup->spec->max_seconds, now_ms / 1000);
	return (w->len);
}
