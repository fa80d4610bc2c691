/*
 * spec-pack.c — a loaded spec moved into one allocation: the struct, then
 * its vectors, arrays and strings.  A [worker:] section parsed as a dozen
 * small blocks (each string, each vector, the default empty ones) costs
 * their malloc headers and rounding on top of the bytes; 10,000 workers
 * paid that 10,000 times.  Nothing changes a spec once conf.c is done
 * with it, and spec_free frees a packed one as the single block it is.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "util.h"

/* A bump allocator over the block; with base NULL it only measures. */
struct pack {
	char	*base;
	size_t	 off;
};

static void *
pack_take(struct pack *p, size_t size, size_t align)
{
	void	*at;

	p->off = (p->off + align - 1) & ~(align - 1);
	at = p->base != NULL ? p->base + p->off : NULL;
	p->off += size;
	return (at);
}

static char *
pack_str(struct pack *p, const char *s)
{
	size_t	 len;
	char	*d;

	if (s == NULL)
		return (NULL);
	len = strlen(s) + 1;
	if ((d = pack_take(p, len, 1)) != NULL)
		memcpy(d, s, len);
	return (d);
}

/* A NULL-terminated vector: its pointers here, its strings in pack_strv_strs. */
static char **
pack_strv(struct pack *p, char *const *v)
{
	size_t	n = 0;

	if (v == NULL)
		return (NULL);
	while (v[n] != NULL)
		n++;
	return (pack_take(p, (n + 1) * sizeof *v, alignof(char *)));
}

static void
pack_strv_strs(struct pack *p, char **to, char *const *v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++) {
		char	*s = pack_str(p, v[i]);

		if (to != NULL)
			to[i] = s;
	}
	if (to != NULL)
		to[i] = NULL;
}

static int *
pack_ints(struct pack *p, const int *v, size_t n)
{
	int	*d;

	if (v == NULL)
		return (NULL);
	if ((d = pack_take(p, n * sizeof *v, alignof(int))) != NULL && n > 0)
		memcpy(d, v, n * sizeof *v);
	return (d);
}

/* x laid out into p after its spec (or measured); the copy, or NULL. */
static struct spec_extra *
pack_extra(struct pack *p, const struct spec_extra *x)
{
	struct spec_extra	*d;
	struct spec_listen	*l;
	char			**health;
	size_t			 i;

	/* a block the parse made but left at the defaults is not kept */
	if (x == NULL || memcmp(x, &spec_extra_defaults, sizeof *x) == 0)
		return (NULL);
	d = pack_take(p, sizeof *d, alignof(struct spec_extra));
	if (d != NULL)
		*d = *x;
	health = pack_strv(p, x->health_argv);
	{
		int	*sigs = pack_ints(p, x->success_signals,
		    x->nsuccess_signals);

		if (d != NULL)
			d->success_signals = sigs;
	}
	l = x->listen != NULL ? pack_take(p, x->nlisten * sizeof *l,
	    alignof(struct spec_listen)) : NULL;
	if (d != NULL) {
		d->health_argv = health;
		d->listen = l;
	}
	pack_strv_strs(p, health, x->health_argv);
	for (i = 0; x->listen != NULL && i < x->nlisten; i++) {
		char	*text = pack_str(p, x->listen[i].text);
		char	*name = pack_str(p, x->listen[i].name);
		char	*addr = pack_str(p, x->listen[i].addr);

		if (l != NULL) {
			l[i] = x->listen[i];
			l[i].text = text;
			l[i].name = name;
			l[i].addr = addr;
		}
	}
	{
		char	*cwd = pack_str(p, x->cwd);
		char	*user = pack_str(p, x->user);
		char	*group = pack_str(p, x->group);
		char	*mmax = pack_str(p, x->memory_max);
		char	*mhigh = pack_str(p, x->memory_high);
		char	*cpuw = pack_str(p, x->cpu_weight);
		char	*cpum = pack_str(p, x->cpu_max);
		char	*pids = pack_str(p, x->pids_max);

		if (d != NULL) {
			d->cwd = cwd;
			d->user = user;
			d->group = group;
			d->memory_max = mmax;
			d->memory_high = mhigh;
			d->cpu_weight = cpuw;
			d->cpu_max = cpum;
			d->pids_max = pids;
		}
	}
	return (d);
}

/* v, or the one empty vector every packed spec shares. */
static char **
pack_strv_or_empty(struct pack *p, char *const *v)
{
	if (v != NULL && v[0] == NULL)
		return ((char **)spec_empty_strv);
	return (pack_strv(p, v));
}

/* Lay s out into p (or measure it, p->base NULL); the copy, or NULL. */
static struct spec *
pack_lay(struct pack *p, const struct spec *s)
{
	struct spec		*d;
	struct spec_extra	*x;
	char			**argv, **env, **groups;
	int			*codes;

	d = pack_take(p, sizeof *d, alignof(struct spec));
	if (d != NULL) {
		*d = *s;
		d->packed = 1;
	}
	/* pointers first, then the ints, then every byte of text */
	argv = pack_strv_or_empty(p, s->argv);
	env = pack_strv_or_empty(p, s->env);
	groups = pack_strv_or_empty(p, s->groups);
	/* success_exit_codes unset: { 0 }, shared */
	if (s->nsuccess == 1 && s->success_codes != NULL &&
	    s->success_codes[0] == 0)
		codes = (int *)spec_default_codes;
	else
		codes = pack_ints(p, s->success_codes, s->nsuccess);
	if (d != NULL) {
		d->argv = argv;
		d->env = env;
		d->groups = groups;
		d->success_codes = codes;
	}
	if (argv != spec_empty_strv)
		pack_strv_strs(p, argv, s->argv);
	if (env != spec_empty_strv)
		pack_strv_strs(p, env, s->env);
	if (groups != spec_empty_strv)
		pack_strv_strs(p, groups, s->groups);
	{
		char	*name = pack_str(p, s->name);
		char	*parent = pack_str(p, s->parent);

		if (d != NULL) {
			d->name = name;
			d->parent = parent;
		}
	}
	x = pack_extra(p, s->x);
	if (d != NULL)
		d->x = x;
	return (d);
}

struct spec *
spec_pack(struct spec *s)
{
	struct pack	 p = { NULL, 0 };
	struct spec	*d;

	if (s->packed)
		return (s);
	pack_lay(&p, s);
	p.base = xmalloc(p.off);
	p.off = 0;
	d = pack_lay(&p, s);
	spec_free(s);
	return (d);
}

void *
spec_pack_list(struct spec_list *list, struct spec **track)
{
	struct pack	 p = { NULL, 0 };
	struct spec_list done = TAILQ_HEAD_INITIALIZER(done);
	struct spec	*s, *d;

	TAILQ_FOREACH(s, list, entry)
		pack_lay(&p, s);
	if (p.off == 0)
		return (NULL);
	p.base = xmalloc(p.off);
	p.off = 0;
	while ((s = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, s, entry);
		d = pack_lay(&p, s);
		d->packed = SPEC_PACKED_SHARED;
		if (track != NULL && *track == s)
			*track = d;
		TAILQ_INSERT_TAIL(&done, d, entry);
		spec_free(s);
	}
	TAILQ_CONCAT(list, &done, entry);
	return (p.base);
}
