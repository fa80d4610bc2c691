/*
 * test-spec-pack.c — spec_pack: a spec with every string, vector and array
 * a section can give, moved into one allocation, reads the same (spec_diff
 * finds nothing, every string equal) and holds no pointer outside its block;
 * ASan checks that spec_free frees it whole and the original is gone.
 */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "spec.h"
#include "util.h"

static char **
strv(const char *a, const char *b)
{
	char	**v = xcalloc(3, sizeof *v);

	v[0] = a != NULL ? xstrdup(a) : NULL;
	v[1] = a != NULL && b != NULL ? xstrdup(b) : NULL;
	return (v);
}

/* A spec as conf.c builds one: every owned part its own block. */
static struct spec *
full_spec(void)
{
	struct spec	*s = xcalloc(1, sizeof *s);

	s->name = xstrdup("web");
	s->kind = KIND_WORKER;
	s->parent = xstrdup("root");
	s->file = "/etc/supd.ini";
	s->line = 7;
	s->argv = strv("/usr/bin/web", "--port=80");
	s->env = strv("A=1", "B=two");
	s->nenv = 2;
	s->cwd = xstrdup("/srv");
	s->user = xstrdup("www");
	s->group = xstrdup("www-data");
	s->umask = 022;
	s->success_codes = xcalloc(2, sizeof *s->success_codes);
	s->success_codes[1] = 3;
	s->nsuccess = 2;
	s->success_signals = xcalloc(1, sizeof *s->success_signals);
	s->success_signals[0] = SIGUSR1;
	s->nsuccess_signals = 1;
	s->groups = strv("front", NULL);
	s->ngroups = 1;
	s->health_argv = strv("/bin/check", "-q");
	s->memory_max = xstrdup("512M");
	s->memory_high = xstrdup("400M");
	s->cpu_weight = xstrdup("50");
	s->cpu_max = xstrdup("50000 100000");
	s->pids_max = xstrdup("64");
	s->listen = xcalloc(2, sizeof *s->listen);
	s->listen[0].text = xstrdup("http=tcp:0.0.0.0:80");
	s->listen[0].name = xstrdup("http");
	s->listen[0].addr = xstrdup("0.0.0.0");
	s->listen[0].port = 80;
	s->listen[1].text = xstrdup("ctl=unix:/run/web.sock:0600");
	s->listen[1].name = xstrdup("ctl");
	s->listen[1].kind = LISTEN_UNIX;
	s->listen[1].addr = xstrdup("/run/web.sock");
	s->listen[1].mode = 0600;
	s->nlisten = 2;
	s->max_restarts = 3;
	return (s);
}

static const char	*block;
static size_t		 blocklen;

static void
inside(const void *p, const char *what)
{
	cr_assert(p == NULL || ((const char *)p >= block &&
	    (const char *)p < block + blocklen), "%s is outside the block", what);
}

static void
inside_strv(char **v, const char *what)
{
	inside(v, what);
	for (; v != NULL && *v != NULL; v++)
		inside(*v, what);
}

Test(spec_pack, reads_the_same_from_one_block)
{
	struct spec	*want = full_spec(), *s;
	const char	*keys[SPEC_KEYS_MAX];
	size_t		 i;

	s = spec_pack(full_spec());
	cr_assert(s->packed);
	cr_assert_eq(spec_diff(s, want, keys, SPEC_KEYS_MAX), 0,
	    "differs in %s", keys[0]);
	cr_assert_str_eq(s->name, "web");
	cr_assert_str_eq(s->parent, "root");
	cr_assert_eq(s->file, want->file);
	cr_assert_eq(s->line, 7);
	cr_assert_eq(s->nenv, 2);
	cr_assert_str_eq(s->listen[1].name, "ctl");
	cr_assert_str_eq(s->listen[1].addr, "/run/web.sock");
	cr_assert_eq(s->listen[1].mode, 0600);
	cr_assert_eq(s->success_codes[1], 3);
	cr_assert_eq(s->success_signals[0], SIGUSR1);
	cr_assert(spec_is_success(s, 3, 0));
	cr_assert(spec_is_success(s, 0, SIGUSR1));

	block = (const char *)s;
	blocklen = malloc_usable_size(s);
	inside(s->name, "name");
	inside(s->parent, "parent");
	inside_strv(s->argv, "argv");
	inside_strv(s->env, "env");
	inside_strv(s->groups, "groups");
	inside_strv(s->health_argv, "health");
	inside(s->cwd, "cwd");
	inside(s->user, "user");
	inside(s->group, "group");
	inside(s->success_codes, "success_exit_codes");
	inside(s->success_signals, "success signals");
	inside(s->memory_max, "memory_max");
	inside(s->pids_max, "pids_max");
	inside(s->listen, "listen");
	for (i = 0; i < s->nlisten; i++) {
		inside(s->listen[i].text, "listen text");
		inside(s->listen[i].name, "listen name");
		inside(s->listen[i].addr, "listen addr");
	}
	cr_assert(((uintptr_t)s->argv & (sizeof(char *) - 1)) == 0);
	cr_assert(((uintptr_t)s->listen & 7) == 0);
	/* a second pack is the same spec */
	cr_assert_eq(spec_pack(s), s);
	spec_free(s);
	spec_free(want);
}

/* A supervisor's spec: no command, no health check, no sockets, no codes. */
Test(spec_pack, keeps_what_is_absent_absent)
{
	struct spec	*s = xcalloc(1, sizeof *s);

	s->name = xstrdup("root");
	s->kind = KIND_SUPERVISOR;
	s->env = xcalloc(1, sizeof *s->env);
	s->groups = xcalloc(1, sizeof *s->groups);
	s = spec_pack(s);
	cr_assert_null(s->parent);
	cr_assert_null(s->argv);
	cr_assert_null(s->health_argv);
	cr_assert_null(s->listen);
	cr_assert_null(s->success_codes);
	cr_assert_null(s->cwd);
	cr_assert_not_null(s->env);
	cr_assert_null(s->env[0]);
	cr_assert_not_null(s->groups);
	cr_assert_null(s->groups[0]);
	cr_assert(spec_is_success(s, 0, 0));
	spec_free(s);
}
