/*
 * test-spec-pack.c — spec_pack: a spec with every string, vector and array
 * a section can give, moved into one allocation, reads the same (spec_diff
 * finds nothing, every string equal) and holds no pointer outside its block;
 * ASan checks that spec_free frees it whole and the original is gone.  A
 * plain worker's packed spec has no extra block and shares the empty
 * vectors; spec_pack_list puts a whole list in one block.
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
	struct spec_extra *x = spec_extra_own(s);

	s->name = xstrdup("web");
	s->kind = KIND_WORKER;
	s->parent = xstrdup("root");
	s->file = "/etc/supd.ini";
	s->line = 7;
	s->argv = strv("/usr/bin/web", "--port=80");
	s->env = strv("A=1", "B=two");
	s->nenv = 2;
	x->cwd = xstrdup("/srv");
	x->user = xstrdup("www");
	x->group = xstrdup("www-data");
	x->umask = 022;
	s->success_codes = xcalloc(2, sizeof *s->success_codes);
	s->success_codes[1] = 3;
	s->nsuccess = 2;
	x->success_signals = xcalloc(1, sizeof *x->success_signals);
	x->success_signals[0] = SIGUSR1;
	x->nsuccess_signals = 1;
	s->groups = strv("front", NULL);
	s->ngroups = 1;
	x->health_argv = strv("/bin/check", "-q");
	x->memory_max = xstrdup("512M");
	x->memory_high = xstrdup("400M");
	x->cpu_weight = xstrdup("50");
	x->cpu_max = xstrdup("50000 100000");
	x->pids_max = xstrdup("64");
	x->listen = xcalloc(2, sizeof *x->listen);
	x->listen[0].text = xstrdup("http=tcp:0.0.0.0:80");
	x->listen[0].name = xstrdup("http");
	x->listen[0].addr = xstrdup("0.0.0.0");
	x->listen[0].port = 80;
	x->listen[1].text = xstrdup("ctl=unix:/run/web.sock:0600");
	x->listen[1].name = xstrdup("ctl");
	x->listen[1].kind = LISTEN_UNIX;
	x->listen[1].addr = xstrdup("/run/web.sock");
	x->listen[1].mode = 0600;
	x->nlisten = 2;
	x->max_restarts = 3;
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
	cr_assert_str_eq(spec_x(s)->listen[1].name, "ctl");
	cr_assert_str_eq(spec_x(s)->listen[1].addr, "/run/web.sock");
	cr_assert_eq(spec_x(s)->listen[1].mode, 0600);
	cr_assert_eq(s->success_codes[1], 3);
	cr_assert_eq(spec_x(s)->success_signals[0], SIGUSR1);
	cr_assert(spec_is_success(s, 3, 0));
	cr_assert(spec_is_success(s, 0, SIGUSR1));

	block = (const char *)s;
	blocklen = malloc_usable_size(s);
	inside(s->name, "name");
	inside(s->parent, "parent");
	cr_assert_not_null(s->x, "its extra keys are kept");
	inside(s->x, "the extra block");
	inside_strv(s->argv, "argv");
	inside_strv(s->env, "env");
	inside_strv(s->groups, "groups");
	inside_strv(spec_x(s)->health_argv, "health");
	inside(spec_x(s)->cwd, "cwd");
	inside(spec_x(s)->user, "user");
	inside(spec_x(s)->group, "group");
	inside(s->success_codes, "success_exit_codes");
	inside(spec_x(s)->success_signals, "success signals");
	inside(spec_x(s)->memory_max, "memory_max");
	inside(spec_x(s)->pids_max, "pids_max");
	inside(spec_x(s)->listen, "listen");
	for (i = 0; i < spec_x(s)->nlisten; i++) {
		inside(spec_x(s)->listen[i].text, "listen text");
		inside(spec_x(s)->listen[i].name, "listen name");
		inside(spec_x(s)->listen[i].addr, "listen addr");
	}
	cr_assert(((uintptr_t)s->argv & (sizeof(char *) - 1)) == 0);
	cr_assert(((uintptr_t)spec_x(s)->listen & 7) == 0);
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
	cr_assert_null(spec_x(s)->health_argv);
	cr_assert_null(spec_x(s)->listen);
	cr_assert_null(s->success_codes);
	cr_assert_null(spec_x(s)->cwd);
	cr_assert_not_null(s->env);
	cr_assert_null(s->env[0]);
	cr_assert_not_null(s->groups);
	cr_assert_null(s->groups[0]);
	cr_assert(spec_is_success(s, 0, 0));
	spec_free(s);
}

/* A spec as conf.c makes one for a [worker:] with only command and parent. */
static struct spec *
plain_spec(const char *name)
{
	struct spec	*s = xcalloc(1, sizeof *s);

	s->name = xstrdup(name);
	s->kind = KIND_WORKER;
	s->parent = xstrdup("root");
	s->file = "/etc/supd.ini";
	s->argv = strv("/bin/sleep", "1000");
	s->env = xcalloc(1, sizeof *s->env);
	s->groups = xcalloc(1, sizeof *s->groups);
	s->success_codes = xcalloc(1, sizeof *s->success_codes);
	s->nsuccess = 1;
	s->shutdown_ms = DEFAULT_WORKER_SHUTDOWN;
	return (s);
}

Test(spec_pack, a_plain_worker_pays_for_no_extra_key)
{
	struct spec	*want = plain_spec("w"), *s = plain_spec("w");
	const char	*keys[SPEC_KEYS_MAX];

	/* a block the parse made and left at the defaults is dropped too */
	spec_extra_own(s);
	s = spec_pack(s);
	cr_assert_null(s->x);
	cr_assert_eq(spec_diff(s, want, keys, SPEC_KEYS_MAX), 0,
	    "differs in %s", keys[0]);
	cr_assert_eq(spec_x(s), &spec_extra_defaults);
	cr_assert_eq(spec_x(s)->stop_signal, SIGTERM);
	cr_assert_eq(spec_x(s)->umask, -1);
	cr_assert_eq(spec_x(s)->start_timeout_ms, DEFAULT_START_TIMEOUT);
	cr_assert_eq(spec_x(s)->watchdog_signal, SIGABRT);
	cr_assert_eq(spec_x(s)->health_retries, DEFAULT_HEALTH_RETRIES);
	cr_assert_eq(spec_x(s)->max_restarts, DEFAULT_MAX_RESTARTS);
	cr_assert_eq(spec_x(s)->partitions, 1);
	cr_assert_eq(s->env, spec_empty_strv);
	cr_assert_eq(s->groups, spec_empty_strv);
	cr_assert_eq(s->success_codes, spec_default_codes);
	cr_assert(spec_is_success(s, 0, 0));
	cr_assert_not(spec_is_success(s, 1, 0));
	cr_assert_str_eq(s->argv[1], "1000");
	/* the struct, argv and its strings, the name and the parent */
	cr_assert_leq(malloc_usable_size(s), sizeof *s + 80);
	spec_free(s);
	spec_free(want);
}

/* One extra key set: the spec gets the block, and a diff names the key. */
Test(spec_pack, one_extra_key_gets_the_block)
{
	struct spec	*plain = plain_spec("w"), *s = plain_spec("w");
	const char	*keys[SPEC_KEYS_MAX];

	spec_extra_own(s)->nice.set = 1;
	spec_extra_own(s)->nice.value = 5;
	s = spec_pack(s);
	cr_assert_not_null(s->x);
	cr_assert_eq(spec_x(s)->nice.value, 5);
	cr_assert_eq(spec_x(s)->stop_signal, SIGTERM, "the others at their defaults");
	cr_assert_eq(spec_diff(s, plain, keys, SPEC_KEYS_MAX), 1);
	cr_assert_str_eq(keys[0], "nice");
	spec_free(s);
	spec_free(plain);
}

Test(spec_pack, a_list_in_one_block)
{
	struct spec_list list = TAILQ_HEAD_INITIALIZER(list);
	struct spec	*want[3], *s, *root;
	const char	*keys[SPEC_KEYS_MAX];
	void		*pack;
	int		 i = 0;

	want[0] = plain_spec("a");
	want[1] = full_spec();
	want[2] = plain_spec("c");
	/* (the macros name their element more than once) */
	s = plain_spec("a");
	TAILQ_INSERT_TAIL(&list, s, entry);
	root = s = full_spec();
	TAILQ_INSERT_TAIL(&list, s, entry);
	s = plain_spec("c");
	TAILQ_INSERT_TAIL(&list, s, entry);
	pack = spec_pack_list(&list, &root);
	cr_assert_not_null(pack);
	block = pack;
	blocklen = malloc_usable_size(pack);
	cr_assert_str_eq(root->name, "web", "the tracked spec is its copy");
	TAILQ_FOREACH(s, &list, entry) {
		cr_assert_lt(i, 3);
		cr_assert_eq(s->packed, SPEC_PACKED_SHARED);
		inside(s, "a spec");
		inside(s->name, "name");
		inside_strv(s->argv, "argv");
		inside(s->x, "the extra block");
		cr_assert_eq(spec_diff(s, want[i], keys, SPEC_KEYS_MAX), 0,
		    "%s differs in %s", s->name, keys[0]);
		cr_assert_str_eq(s->name, want[i]->name);
		i++;
	}
	cr_assert_eq(i, 3);
	/* spec_free leaves a list's spec alone: the block is freed whole */
	while ((s = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, s, entry);
		spec_free(s);
	}
	free(pack);
	for (i = 0; i < 3; i++)
		spec_free(want[i]);
	cr_assert_null(spec_pack_list(&list, NULL), "an empty list: no block");
}
