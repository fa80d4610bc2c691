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

/* Lay s out into p (or measure it, p->base NULL); the copy, or NULL. */
static struct spec *
pack_lay(struct pack *p, const struct spec *s)
{
	struct spec		*d;
	struct spec_listen	*l;
	char			**argv, **env, **groups, **health;
	size_t			 i;

	d = pack_take(p, sizeof *d, alignof(struct spec));
	if (d != NULL) {
		*d = *s;
		d->packed = 1;
	}
	/* pointers first, then the ints, then every byte of text */
	argv = pack_strv(p, s->argv);
	env = pack_strv(p, s->env);
	groups = pack_strv(p, s->groups);
	health = pack_strv(p, s->health_argv);
	l = s->listen != NULL ? pack_take(p, s->nlisten * sizeof *l,
	    alignof(struct spec_listen)) : NULL;
	if (d != NULL) {
		d->argv = argv;
		d->env = env;
		d->groups = groups;
		d->health_argv = health;
		d->listen = l;
	}
	{
		int	*codes = pack_ints(p, s->success_codes, s->nsuccess);
		int	*sigs = pack_ints(p, s->success_signals,
		    s->nsuccess_signals);

		if (d != NULL) {
			d->success_codes = codes;
			d->success_signals = sigs;
		}
	}
	pack_strv_strs(p, argv, s->argv);
	pack_strv_strs(p, env, s->env);
	pack_strv_strs(p, groups, s->groups);
	pack_strv_strs(p, health, s->health_argv);
	for (i = 0; s->listen != NULL && i < s->nlisten; i++) {
		char	*text = pack_str(p, s->listen[i].text);
		char	*name = pack_str(p, s->listen[i].name);
		char	*addr = pack_str(p, s->listen[i].addr);

		if (l != NULL) {
			l[i] = s->listen[i];
			l[i].text = text;
			l[i].name = name;
			l[i].addr = addr;
		}
	}
	{
		char	*name = pack_str(p, s->name);
		char	*parent = pack_str(p, s->parent);
		char	*cwd = pack_str(p, s->cwd);
		char	*user = pack_str(p, s->user);
		char	*group = pack_str(p, s->group);
		char	*mmax = pack_str(p, s->memory_max);
		char	*mhigh = pack_str(p, s->memory_high);
		char	*cpuw = pack_str(p, s->cpu_weight);
		char	*cpum = pack_str(p, s->cpu_max);
		char	*pids = pack_str(p, s->pids_max);

		if (d != NULL) {
			d->name = name;
			d->parent = parent;
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
