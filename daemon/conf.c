/*
 * conf.c — the INI file to a struct config (spec.h): inih splits KEY = VALUE
 * lines, the reader below counts lines and reads section headers, conf-key.c
 * checks each key and value, then the tree is linked (parents, one root, no
 * cycle).  Every error is kept with its line, so one run reports them all.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <uthash.h>

#include "conf.h"
#include "conf-key.h"
#include "name.h"
#include "util.h"

#define CONF_MAX_GUESSES	1000000	/* did-you-mean comparisons for parents */

static const char *const conf_section_types[] = {
	"supd", "supervisor", "dynamic", "worker", NULL
};
static const int conf_section_kinds[] = {
	SEC_SUPD, SEC_SUPERVISOR, SEC_DYNAMIC, SEC_WORKER
};

/* Errors. */

static void __attribute__((format(printf, 4, 0)))
conf_verror(struct conf_state *st, int line, const struct conf_section *sec,
    const char *fmt, va_list ap)
{
	struct conf_error	*e;
	char			*msg;

	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("out of memory");
	if (st->nerrs == st->caperrs) {
		st->caperrs = st->caperrs == 0 ? 16 : st->caperrs * 2;
		st->errs = xrealloc(st->errs, st->caperrs * sizeof(*st->errs));
	}
	e = &st->errs[st->nerrs];
	e->line = line;
	e->seq = st->nerrs++;
	if (line == 0)
		e->text = xasprintf("%s: %s", st->cf->path, msg);
	else if (sec == NULL)
		e->text = xasprintf("%s:%d: %s", st->cf->path, line, msg);
	else
		e->text = xasprintf("%s:%d: %s %s", st->cf->path, line,
		    sec->label, msg);
	free(msg);
}

/* Keep an error; line 0 for one about the whole file, sec NULL for none. */
void
conf_error(struct conf_state *st, int line, const struct conf_section *sec,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_verror(st, line, sec, fmt, ap);
	va_end(ap);
}

/* Keep an error about the line being read. */
void
conf_bad(struct conf_state *st, const struct conf_section *sec,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_verror(st, st->line, sec, fmt, ap);
	va_end(ap);
}

static int
conf_error_cmp(const void *a, const void *b)
{
	const struct conf_error	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Did-you-mean. */

/* Edit distance of a and b, or SIZE_MAX once it is sure to pass max. */
static size_t
conf_distance(const char *a, const char *b, size_t max)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, diag, up, least;
	size_t	row[NAME_MAX_CHARS + 1];

	if (la > NAME_MAX_CHARS || lb > NAME_MAX_CHARS ||
	    (la > lb ? la - lb : lb - la) > max)
		return (SIZE_MAX);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		least = row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (row[j] < least)
				least = row[j];
			diag = up;
		}
		/* a row's least value never shrinks further down */
		if (least > max)
			return (SIZE_MAX);
	}
	return (row[lb]);
}

/* Remember candidate if it is the closest yet and close enough. */
void
conf_best_try(struct conf_best *b, const char *candidate)
{
	/* One typo in a short word, two in a longer one; more is a guess. */
	size_t	max = strlen(b->word) <= 4 ? 1 : 2;
	size_t	d = conf_distance(b->word, candidate, max);

	if (d > max)
		return;
	if (b->best == NULL || d < b->dist) {
		b->best = candidate;
		b->dist = d;
	}
}

/* Small string helpers. */

static char *
conf_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

/*
 * inih's find_chars_or_comment with its default ";" prefix: the first of
 * chars, or a ";" that follows whitespace (an inline comment), or the end.
 */
static char *
conf_find(char *s, const char *chars)
{
	int	was_space = 0;

	while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL) &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return (s);
}

/* Sections. */

static struct spec *
conf_spec_new(struct conf_state *st, int kind, const char *name)
{
	struct spec	*s;

	s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(name);
	s->kind = kind == SEC_SUPERVISOR ? KIND_SUPERVISOR :
	    kind == SEC_DYNAMIC ? KIND_DYNAMIC : KIND_WORKER;
	s->file = st->cf->path;
	s->line = st->line;
	s->restart = RESTART_PERMANENT;
	s->shutdown_ms = kind == SEC_SUPERVISOR ? SHUTDOWN_INFINITY :
	    DEFAULT_WORKER_SHUTDOWN;
	/* Empty vectors rather than NULL, so readers need not test. */
	s->env = xcalloc(1, sizeof(*s->env));
	s->groups = xcalloc(1, sizeof(*s->groups));
	s->out = OUTPUT_LOG;
	s->err = OUTPUT_LOG;
	s->success_codes = xcalloc(1, sizeof(*s->success_codes));
	s->nsuccess = 1;
	return (s);
}

static struct conf_section *
conf_section_new(struct conf_state *st, int kind, char *label)
{
	struct conf_section	*sec;

	sec = xcalloc(1, sizeof(*sec));
	sec->kind = kind;
	sec->label = label;
	sec->line = st->line;
	sec->seen = xcalloc(conf_key_count, sizeof(*sec->seen));
	if (st->nsecs == st->capsecs) {
		st->capsecs = st->capsecs == 0 ? 64 : st->capsecs * 2;
		st->secs = xrealloc(st->secs, st->capsecs * sizeof(*st->secs));
	}
	st->secs[st->nsecs++] = sec;
	st->cur = sec;
	return (sec);
}

static void
conf_section_free(struct conf_section *sec)
{
	if (sec->ghost)
		spec_free(sec->spec);
	free(sec->seen);
	free(sec->label);
	free(sec);
}

/* Open the section whose header says inner (the text between [ and ]). */
static void
conf_section_open(struct conf_state *st, char *inner, char *label)
{
	struct conf_section	*sec, *other;
	struct conf_best	 best = { NULL, NULL, 0 };
	char			*colon, *type, *name = NULL;
	const char		*why;
	int			 i, kind = 0;

	if ((colon = strchr(inner, ':')) != NULL) {
		*colon = '\0';
		name = conf_trim(colon + 1);
	}
	type = conf_trim(inner);
	for (i = 0; conf_section_types[i] != NULL; i++) {
		if (strcmp(type, conf_section_types[i]) == 0)
			kind = conf_section_kinds[i];
	}
	if (kind == 0) {
		best.word = type;
		for (i = 0; conf_section_types[i] != NULL; i++)
			conf_best_try(&best, conf_section_types[i]);
		if (best.best != NULL)
			conf_bad(st, NULL, "%s unknown section type \"%s\" (did "
			    "you mean \"%s\"?)", label, type, best.best);
		else
			conf_bad(st, NULL, "%s unknown section type \"%s\" (use "
			    "[supd], [supervisor:NAME], [worker:NAME] or "
			    "[dynamic:NAME])", label, type);
		free(label);
		return;
	}
	sec = conf_section_new(st, kind, label);
	if (kind == SEC_SUPD) {
		if (name != NULL) {
			conf_bad(st, sec, "[supd] takes no name (write [supd])");
			sec->ghost = 1;
		} else if (st->supd != NULL) {
			conf_bad(st, sec, "[supd] appears twice (first on line "
			    "%d; merge them)", st->supd->line);
			sec->ghost = 1;
		} else
			st->supd = sec;
		return;
	}
	sec->spec = conf_spec_new(st, kind, name != NULL ? name : "");
	sec->ghost = 1;
	if (name == NULL || *name == '\0')
		conf_bad(st, sec, "section has no name (write [%s:NAME])", type);
	else if (!name_valid(name, &why))
		conf_bad(st, sec, "bad name \"%s\": %s", name, why);
	else {
		HASH_FIND_STR(st->byname, name, other);
		if (other != NULL)
			conf_bad(st, sec, "duplicate name \"%s\" (%s on line %d "
			    "has it; names are unique across the tree)", name,
			    other->label, other->line);
		else {
			sec->ghost = 0;
			HASH_ADD_KEYPTR(hh, st->byname, sec->spec->name,
			    strlen(sec->spec->name), sec);
			TAILQ_INSERT_TAIL(&st->cf->specs, sec->spec, entry);
			st->cf->nspecs++;
		}
	}
}

/* A line that starts with "[". */
static void
conf_section_line(struct conf_state *st, char *s)
{
	char	*end, *rest;

	st->cur = NULL;
	st->outside = 0;
	end = conf_find(s + 1, "]");
	if (*end != ']') {
		conf_bad(st, NULL, "section header has no closing \"]\"");
		return;
	}
	*end = '\0';
	rest = end + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		conf_bad(st, NULL, "text after \"]\" in section header [%s] "
		    "(comments start with \";\")", s + 1);
		return;
	}
	conf_section_open(st, s + 1, xasprintf("[%s]", conf_trim(s + 1)));
}

/*
 * inih's reader: one physical line per call, so st->line is the line the
 * handler sees next.  inih stops counting errors after the first and cuts
 * section names at 50 characters, so section headers, syntax errors and over
 * long lines are dealt with here; inih only gets KEY = VALUE lines.
 */
static char *
conf_reader(char *out, int size, void *arg)
{
	struct conf_state	*st = arg;
	ssize_t			 n;
	char			*s, *e, *key, *value;
	size_t			 len;

	if ((n = getline(&st->buf, &st->bufsize, st->fp)) == -1)
		return (NULL);
	st->line++;
	memcpy(out, "\n", 2);
	s = st->buf;
	if ((size_t)n != strlen(s)) {
		conf_bad(st, st->cur, "line holds a NUL byte (is this a text file?)");
		return (out);
	}
	if (st->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	s = conf_trim(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return (out);
	if (*s == '[') {
		conf_section_line(st, s);
		return (out);
	}
	e = conf_find(s, "=:");
	if (*e != '=' && *e != ':') {
		conf_bad(st, st->cur, "line has no \"=\" (expected KEY = VALUE, "
		    "a [section] or a ; comment; a value cannot go on over lines)");
		return (out);
	}
	*e++ = '\0';
	key = conf_trim(s);
	value = e;
	e = conf_find(value, NULL);
	st->cut_comment = *e != '\0';
	*e = '\0';
	value = conf_trim(value);
	if (st->cur == NULL && !st->outside)
		return (out);	/* under a bad header, reported already */
	/* inih gets "KEY=VALUE\n\0" in its buffer of size bytes */
	if ((len = strlen(key) + strlen(value) + 1) + 2 > (size_t)size) {
		conf_bad(st, st->cur, "%s and its value make %zu characters, more "
		    "than the %d the INI parser takes (shorten the line; a long "
		    "command can go in a script)", key, len, size - 2);
		if (st->cur != NULL)
			conf_key_seen(st, st->cur, key);
		return (out);
	}
	snprintf(out, size, "%s=%s\n", key, value);
	return (out);
}

static int
conf_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct conf_state	*st = arg;

	(void)section;	/* cut at 50 characters by inih; st->cur has it all */
	if (st->cur == NULL)
		conf_bad(st, NULL, "key \"%s\" is outside any section (put it "
		    "under [supd] or a [worker:NAME] header)", name);
	else
		conf_key_set(st, st->cur, name, value);
	return (1);	/* 0 would make inih count an error we already have */
}

/* The tree: parents exist and are supervisors, one root, no cycle. */

/* The line of sec's parent key: errors about its value point there. */
static int
conf_parent_line(const struct conf_section *sec)
{
	int	line = sec->seen[conf_key_index("parent")];

	return (line != 0 ? line : sec->line);
}

static void
conf_report_cycle(struct conf_state *st, struct conf_section *start)
{
	struct conf_section	*v, *first = start;
	char			 path[1024];
	size_t			 len;
	int			 n = 0;

	for (v = start->up; v != start; v = v->up) {
		if (v->line < first->line)
			first = v;
	}
	/* a -> b -> a from the first in the file; names are short, 9 fit */
	len = snprintf(path, sizeof(path), "%s", first->spec->name);
	for (v = first->up; v != first && n < 8; v = v->up, n++)
		len += snprintf(path + len, sizeof(path) - len, " -> %s",
		    v->spec->name);
	snprintf(path + len, sizeof(path) - len, "%s -> %s",
	    v != first ? " -> ..." : "", first->spec->name);
	conf_error(st, conf_parent_line(first), first, "parent cycle: %s "
	    "(following parent never reaches the root)", path);
}

static void
conf_find_cycles(struct conf_state *st)
{
	struct conf_section	*sec, *v;
	size_t			 i, walk = 0;

	/* Only supervisors are parents, so only they can be on a cycle. */
	for (i = 0; i < st->nsecs; i++) {
		sec = st->secs[i];
		if (sec->kind != SEC_SUPERVISOR || sec->ghost || sec->walk != 0)
			continue;
		walk++;
		for (v = sec; v != NULL && v->walk == 0; v = v->up)
			v->walk = walk;
		if (v != NULL && v->walk == walk)
			conf_report_cycle(st, v);
	}
}

static void
conf_unknown_parent(struct conf_state *st, struct conf_section *sec)
{
	struct conf_best	 best = { sec->spec->parent, NULL, 0 };
	struct conf_section	*p, *tmp;

	/* A bound on the guessing keeps a huge broken file quick to check. */
	HASH_ITER(hh, st->byname, p, tmp) {
		if (st->guesses >= CONF_MAX_GUESSES)
			break;
		if (p->kind == SEC_SUPERVISOR && p != sec) {
			conf_best_try(&best, p->spec->name);
			st->guesses++;
		}
	}
	if (best.best != NULL)
		conf_error(st, conf_parent_line(sec), sec, "unknown parent "
		    "\"%s\" (did you mean \"%s\"?)", sec->spec->parent,
		    best.best);
	else
		conf_error(st, conf_parent_line(sec), sec, "unknown parent "
		    "\"%s\" (no [supervisor:%s] in this file)",
		    sec->spec->parent, sec->spec->parent);
}

/* OTP's bad_combination checks: what significant = true needs. */
static void
conf_check_significant(struct conf_state *st, struct conf_section *sec,
    const struct conf_section *parent)
{
	int	line = sec->seen[conf_key_index("significant")];

	if (sec->spec->restart == RESTART_PERMANENT)
		conf_error(st, line, sec, "significant = true needs restart = "
		    "transient or temporary (a permanent child is always "
		    "restarted, so its exit never ends its supervisor)");
	else if (parent == NULL)
		conf_error(st, line, sec, "significant = true on the root means "
		    "nothing (it has no supervisor to stop; drop it)");
	else if (parent->kind == SEC_SUPERVISOR &&
	    spec_x(parent->spec)->auto_shutdown == AUTO_SHUTDOWN_NEVER)
		conf_error(st, line, sec, "significant = true, but parent \"%s\" "
		    "has auto_shutdown = never (set auto_shutdown = "
		    "any_significant or all_significant there, or drop "
		    "significant)", parent->spec->name);
}

static void
conf_link_section(struct conf_state *st, struct conf_section *sec,
    struct conf_section **root)
{
	struct conf_section	*p;
	const char		*kind;

	kind = sec->kind == SEC_DYNAMIC ? "dynamic supervisor" : "worker";
	if ((sec->kind & SEC_CHILD) && sec->seen[conf_key_index("command")] == 0)
		conf_error(st, sec->line, sec, "missing command (a %s needs "
		    "command = PROGRAM ARGS...)", kind);
	if (sec->spec->parent == NULL) {
		if (sec->kind != SEC_SUPERVISOR)
			conf_error(st, sec->line, sec, "missing parent (a %s "
			    "needs parent = SUPERVISOR)", kind);
		else if (*root != NULL)
			conf_error(st, sec->line, sec, "a second root: %s on line "
			    "%d has no parent either (give one of them a parent)",
			    (*root)->label, (*root)->line);
		else
			*root = sec;
		if (sec->spec->significant)
			conf_check_significant(st, sec, NULL);
		return;
	}
	HASH_FIND_STR(st->byname, sec->spec->parent, p);
	if (p == NULL)
		conf_unknown_parent(st, sec);
	else if (p->kind == SEC_WORKER)
		conf_error(st, conf_parent_line(sec), sec, "parent \"%s\" is a "
		    "worker (a parent must be a [supervisor:NAME])",
		    p->spec->name);
	else if (p->kind == SEC_DYNAMIC)
		conf_error(st, conf_parent_line(sec), sec, "parent \"%s\" is a "
		    "dynamic supervisor, whose children come from supctl spawn "
		    "(a parent must be a [supervisor:NAME])", p->spec->name);
	else
		sec->up = p;
	if (sec->spec->significant && p != NULL)
		conf_check_significant(st, sec, p);
}

/* Keep the lines of the keys check.c looks up on the machine. */
static void
conf_key_lines(struct conf_section *sec)
{
	struct spec	*s = sec->spec;

	int		 cwd = sec->seen[conf_key_index("cwd")];
	int		 user = sec->seen[conf_key_index("user")];
	int		 group = sec->seen[conf_key_index("group")];

	s->command_line = sec->seen[conf_key_index("command")];
	/* those three keys gave the spec its extra block already */
	if (cwd != 0 || user != 0 || group != 0) {
		spec_extra_own(s)->cwd_line = cwd;
		spec_extra_own(s)->user_line = user;
		spec_extra_own(s)->group_line = group;
	}
}

static void
conf_link(struct conf_state *st)
{
	struct conf_section	*root = NULL;
	size_t			 i;

	for (i = 0; i < st->nsecs; i++) {
		if (st->secs[i]->spec != NULL && !st->secs[i]->ghost) {
			conf_link_section(st, st->secs[i], &root);
			conf_key_lines(st->secs[i]);
		}
	}
	if (root == NULL)
		conf_error(st, 0, NULL, "no root supervisor (exactly one "
		    "[supervisor:NAME] must have no parent)");
	else
		st->cf->root = root->spec;
	conf_find_cycles(st);
}

/* Loading. */

static struct config *
conf_new(const char *path)
{
	struct config	*cf;

	cf = xcalloc(1, sizeof(*cf));
	cf->path = xstrdup(path);
	cf->socket_mode = 0600;
	cf->max_request_bytes = 65536;
	cf->max_clients = 256;
	/* opt-in: a child's exit then waits for its cgroup to empty */
	cf->cgroup_off = 1;
	cf->idle_timeout_ms = 300000;
	cf->log_max_bytes = 10 * 1024 * 1024;
	cf->log_backups = 5;
	cf->history_max = 100000;
	TAILQ_INIT(&cf->specs);
	return (cf);
}

static void
conf_settings_free(struct config *cf)
{
	free(cf->socket);
	free(cf->state);
	free(cf->log_dir);
	free(cf->socket_group);
	free(cf->admin_group);
	free(cf->read_group);
}

/* Free a config from conf_load and every spec in it. */
void
conf_free(struct config *cf)
{
	struct spec	*s;

	if (cf == NULL)
		return;
	while ((s = TAILQ_FIRST(&cf->specs)) != NULL) {
		TAILQ_REMOVE(&cf->specs, s, entry);
		spec_free(s);
	}
	free(cf->pack);
	conf_settings_free(cf);
	free(cf->path);
	free(cf->dir);
	free(cf->text);
	free(cf);
}

/* Free the error lines of a failed conf_load. */
void
conf_errors_free(char **errors)
{
	strv_free(errors);
}

/* A configuration file larger than this is refused (it is kept in memory). */
#define CONF_MAX_BYTES	(16 * 1024 * 1024)

/* The whole file into cf->text: a reexec parses this text, not the file. */
static int
conf_slurp(struct conf_state *st)
{
	struct config	*cf = st->cf;
	FILE		*f;
	size_t		 n, cap = 0;

	if ((f = fopen(cf->path, "re")) == NULL) {
		conf_error(st, 0, NULL, "cannot open: %s", strerror(errno));
		return (-1);
	}
	for (;;) {
		if (cf->textlen == cap) {
			if (cap >= CONF_MAX_BYTES) {
				conf_error(st, 0, NULL, "larger than %d MiB",
				    CONF_MAX_BYTES / (1024 * 1024));
				fclose(f);
				return (-1);
			}
			cap = cap == 0 ? 8192 : cap * 2;
			cf->text = xrealloc(cf->text, cap + 1);
		}
		n = fread(cf->text + cf->textlen, 1, cap - cf->textlen, f);
		cf->textlen += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		conf_error(st, 0, NULL, "cannot read: %s", strerror(errno));
		fclose(f);
		return (-1);
	}
	fclose(f);
	cf->text[cf->textlen] = '\0';
	return (0);
}

/* Parse cf->text; relative paths are against cf->dir. */
static void
conf_parse(struct conf_state *st)
{
	int	 r;

	/* fmemopen of 0 bytes fails: an empty file reads as one empty line */
	if ((st->fp = fmemopen(st->cf->textlen > 0 ? st->cf->text : "\n",
	    st->cf->textlen > 0 ? st->cf->textlen : 1, "r")) == NULL)
		fatal("fmemopen: %s", strerror(errno));
	st->outside = 1;
	r = ini_parse_stream(conf_reader, st, conf_handler, st);
	if (ferror(st->fp))
		conf_error(st, 0, NULL, "cannot read: %s", strerror(errno));
	else if (r == -2)
		fatal("out of memory");
	else if (r > 0 && st->nerrs == 0)
		conf_error(st, r, NULL, "syntax error");	/* not expected */
	else
		conf_link(st);
	free(st->buf);
}

static void
conf_read(struct conf_state *st)
{
	char	*copy, *dir;

	if (conf_slurp(st) == -1)
		return;
	copy = xstrdup(st->cf->path);
	if ((dir = realpath(dirname(copy), NULL)) == NULL) {
		conf_error(st, 0, NULL, "cannot find its directory: %s",
		    strerror(errno));
		free(copy);
		return;
	}
	free(copy);
	st->cf->dir = dir;
	conf_parse(st);
}

/* Every spec of a valid config into one allocation (spec-pack.c). */
static void
conf_pack(struct config *cf)
{
	cf->pack = spec_pack_list(&cf->specs, &cf->root);
}

/* What conf_load and conf_load_text share once the text is parsed. */
static struct config *
conf_finish(struct conf_state *st, char ***errors)
{
	struct config	*cf = st->cf;
	size_t		 i;

	if (st->fp != NULL)
		fclose(st->fp);
	HASH_CLEAR(hh, st->byname);
	for (i = 0; i < st->nsecs; i++)
		conf_section_free(st->secs[i]);
	free(st->secs);
	conf_settings_free(&st->scratch);

	*errors = NULL;
	if (st->nerrs == 0) {
		conf_pack(cf);
		return (cf);
	}
	qsort(st->errs, st->nerrs, sizeof(*st->errs), conf_error_cmp);
	*errors = xcalloc(st->nerrs + 1, sizeof(**errors));
	for (i = 0; i < st->nerrs; i++)
		(*errors)[i] = st->errs[i].text;
	free(st->errs);
	conf_free(cf);
	return (NULL);
}

/* Read and check path: a config, or NULL and every error in file order. */
struct config *
conf_load(const char *path, char ***errors)
{
	struct conf_state	 st;

	memset(&st, 0, sizeof(st));
	st.cf = conf_new(path);
	conf_read(&st);
	return (conf_finish(&st, errors));
}

/* Check a text as if it were path's, relative paths against dir. */
struct config *
conf_load_text(const char *path, const char *dir, const char *text,
    size_t len, char ***errors)
{
	struct conf_state	 st;

	memset(&st, 0, sizeof(st));
	st.cf = conf_new(path);
	st.cf->dir = xstrdup(dir);
	st.cf->text = xmalloc(len + 1);
	memcpy(st.cf->text, text, len);
	st.cf->text[len] = '\0';
	st.cf->textlen = len;
	conf_parse(&st);
	return (conf_finish(&st, errors));
}
