/*
 * check.c — what `supd --check` prints for a valid file: the tree, one line
 * per section, two spaces of indent per level, children in start (file)
 * order; and the machine check: programs, directories, users and groups the
 * file names, looked up here.  doc/config.md shows the format; loading and
 * errors are conf.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>

#include "cgroup.h"
#include "check.h"
#include "spawn.h"
#include "util.h"

struct check_node {
	const struct spec	*spec;
	struct check_node	*first, *last;	/* children, file order */
	struct check_node	*next;		/* the next sibling */
	UT_hash_handle		 hh;
};

/* Words that need no quotes in a shell. */
#define CHECK_SAFE	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_@%+=:,./-"

static void
check_print_word(FILE *fp, const char *w)
{
	if (*w != '\0' && strspn(w, CHECK_SAFE) == strlen(w)) {
		fputs(w, fp);
		return;
	}
	putc('\'', fp);
	for (; *w != '\0'; w++) {
		if (*w == '\'')
			fputs("'\\''", fp);	/* close, escaped quote, reopen */
		else
			putc(*w, fp);
	}
	putc('\'', fp);
}

/* Print argv so that a shell splits the line back into the same words. */
void
check_print_argv(FILE *fp, char *const *argv)
{
	size_t	i;

	for (i = 0; argv != NULL && argv[i] != NULL; i++) {
		if (i > 0)
			putc(' ', fp);
		check_print_word(fp, argv[i]);
	}
}

/* The sockets supd will hold for it, a line each under its line. */
static void
check_print_listen(FILE *fp, const struct spec *s, int depth)
{
	size_t	i;

	for (i = 0; i < spec_x(s)->nlisten; i++)
		fprintf(fp, "%*s(listen)  %s\n", depth * 2, "", spec_x(s)->listen[i].text);
}

static void
check_print_node(FILE *fp, const struct check_node *n, int depth)
{
	const struct spec		*s = n->spec;
	const struct check_node		*c;

	fprintf(fp, "%*s%s  %s", depth * 2, "", s->name, spec_kind_names[s->kind]);
	switch (s->kind) {
	case KIND_SUPERVISOR:
		fprintf(fp, " %s %d/%ds", spec_strategy_names[spec_x(s)->strategy],
		    spec_x(s)->max_restarts, spec_x(s)->max_seconds);
		/* what differs from OTP's defaults */
		if (s->restart != RESTART_PERMANENT)
			fprintf(fp, " %s", spec_restart_names[s->restart]);
		if (spec_x(s)->auto_shutdown != AUTO_SHUTDOWN_NEVER)
			fprintf(fp, " auto_shutdown=%s",
			    spec_auto_shutdown_names[spec_x(s)->auto_shutdown]);
		if (s->significant)
			fprintf(fp, " significant");
		putc('\n', fp);
		break;
	case KIND_DYNAMIC:
		if (spec_x(s)->max_children == 0)
			fprintf(fp, " max_children=unlimited");
		else
			fprintf(fp, " max_children=%d", spec_x(s)->max_children);
		fprintf(fp, " partitions=%d %d/%ds\n", spec_x(s)->partitions,
		    spec_x(s)->max_restarts, spec_x(s)->max_seconds);
		/* The template stands for the children spawned at run time. */
		fprintf(fp, "%*s(template)  worker %s ", (depth + 1) * 2, "",
		    spec_restart_names[s->restart]);
		check_print_argv(fp, s->argv);
		putc('\n', fp);
		check_print_listen(fp, s, depth + 2);
		break;
	case KIND_WORKER:
		fprintf(fp, " %s ", spec_restart_names[s->restart]);
		if (s->significant)
			fprintf(fp, "significant ");
		if (s->manual)
			fprintf(fp, "autostart=no ");
		check_print_argv(fp, s->argv);
		putc('\n', fp);
		check_print_listen(fp, s, depth + 1);
		break;
	}
	for (c = n->first; c != NULL; c = c->next)
		check_print_node(fp, c, depth + 1);
}

/* Print the tree of cf, from its root, for supd --check. */
void
check_print(FILE *fp, const struct config *cf)
{
	struct check_node	*nodes, *byname = NULL, *n, *p;
	const struct spec	*s;
	size_t			 i = 0;

	if (cf->root == NULL)
		return;
	/* A hash on names links children to parents in one pass, file order. */
	nodes = xcalloc(cf->nspecs, sizeof(*nodes));
	TAILQ_FOREACH(s, &cf->specs, entry) {
		n = &nodes[i++];
		n->spec = s;
		HASH_ADD_KEYPTR(hh, byname, s->name, strlen(s->name), n);
	}
	for (n = nodes; n < nodes + i; n++) {
		if (n->spec->parent == NULL)
			continue;
		HASH_FIND_STR(byname, n->spec->parent, p);
		if (p == NULL)
			continue;	/* conf_load refuses such a file */
		if (p->last != NULL)
			p->last->next = n;
		else
			p->first = n;
		p->last = n;
	}
	HASH_FIND_STR(byname, cf->root->name, p);
	if (p != NULL)
		check_print_node(fp, p, 0);
	HASH_CLEAR(hh, byname);
	free(nodes);
}

/* The machine check. */

struct check_list {
	const char	*tag;		/* after the section: "warning: " or "" */
	struct check_problem {
		int	 line;
		size_t	 seq;		/* keeps one line's problems in order */
		char	*text;
	}	*v;
	size_t	 len, cap;
};

static void __attribute__((format(printf, 4, 5)))
check_add(struct check_list *l, const struct spec *s, int line,
    const char *fmt, ...)
{
	struct check_problem	*p;
	va_list			 ap;
	char			*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("out of memory");
	va_end(ap);
	if (l->len == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	p = &l->v[l->len];
	p->line = line != 0 ? line : s->line;
	p->seq = l->len++;
	p->text = xasprintf("%s:%d: [%s:%s] %s%s", s->file, p->line,
	    spec_kind_names[s->kind], s->name, l->tag, msg);
	free(msg);
}

static int
check_problem_cmp(const void *a, const void *b)
{
	const struct check_problem	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Why path cannot be exec'd, or NULL if it can. */
static const char *
check_exec_why(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return (strerror(errno));
	if (S_ISDIR(st.st_mode))
		return ("is a directory");
	if (!S_ISREG(st.st_mode))
		return ("not a regular file");
	if (access(path, X_OK) == -1)
		return ("not executable (chmod +x it?)");
	return (NULL);
}

/* The PATH the child gets: its env's, else supd's, else spawn.c's default. */
static const char *
check_child_path(const struct spec *s)
{
	const char	*path = getenv("PATH");
	size_t		 i;

	for (i = 0; i < s->nenv; i++) {
		if (strncmp(s->env[i], "PATH=", 5) == 0)
			return (s->env[i] + 5);
	}
	return (path != NULL ? path : SPAWN_DEFAULT_PATH);
}

/* As spawn.c starts it: a path as is, a bare name searched in PATH. */
static void
check_program(struct check_list *l, const struct spec *s)
{
	const char	*prog = s->argv[0], *path, *dir, *end, *why;
	char		*cand;
	int		 found = 0;

	if (strchr(prog, '/') != NULL) {
		if ((why = check_exec_why(prog)) != NULL)
			check_add(l, s, s->command_line, "command: %s: %s", prog,
			    why);
		return;
	}
	path = check_child_path(s);
	for (dir = path; *dir != '\0' && !found; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		if (end == dir)
			continue;
		cand = xasprintf("%.*s/%s", (int)(end - dir), dir, prog);
		found = check_exec_why(cand) == NULL;
		free(cand);
	}
	if (!found)
		check_add(l, s, s->command_line, "command: no program \"%s\" "
		    "in PATH (%s)", prog, path);
}

/* A number is an id: as conf-key.c and spawn.c take it. */
static int
check_is_id(const char *v)
{
	char		*end;
	unsigned long	 n;

	if (*v < '0' || *v > '9')
		return (0);
	errno = 0;
	n = strtoul(v, &end, 10);
	return (*end == '\0' && errno == 0 && n < 0xffffffffUL);
}

static void
check_spec(struct check_list *l, const struct spec *s)
{
	struct stat	st;

	if (s->argv == NULL)
		return;		/* a supervisor */
	check_program(l, s);
	if (spec_x(s)->cwd != NULL) {
		if (stat(spec_x(s)->cwd, &st) == -1)
			check_add(l, s, spec_x(s)->cwd_line, "cwd %s: %s", spec_x(s)->cwd,
			    strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			check_add(l, s, spec_x(s)->cwd_line, "cwd %s: not a directory",
			    spec_x(s)->cwd);
	}
	if (spec_x(s)->user != NULL && !check_is_id(spec_x(s)->user) &&
	    getpwnam(spec_x(s)->user) == NULL)
		check_add(l, s, spec_x(s)->user_line, "unknown user \"%s\" (no such "
		    "user on this machine; use an existing name or a numeric "
		    "uid)", spec_x(s)->user);
	if (spec_x(s)->group != NULL && !check_is_id(spec_x(s)->group) &&
	    getgrnam(spec_x(s)->group) == NULL)
		check_add(l, s, spec_x(s)->group_line, "unknown group \"%s\" (no such "
		    "group on this machine; use an existing name or a numeric "
		    "gid)", spec_x(s)->group);
}

/* A cgroup limit that would have no effect: the controller is not there. */
static void
check_cgroup(struct check_list *l, const struct config *cf,
    const struct spec *s)
{
	const char	*missing, *why;

	cgroup_probe_missing(cf->cgroup_off, cgroup_spec_wants(s), &missing,
	    &why);
	if (missing != NULL)
		check_add(l, s, spec_x(s)->cgroup_line, "the %s controller is not "
		    "available (%s): its cgroup keys have no effect", missing,
		    why);
}

/* Look up what cf's children name on this machine; see check.h. */
size_t
check_machine(const struct config *cf, const char *tag, char ***problems)
{
	struct check_list	 l = { tag, NULL, 0, 0 };
	const struct spec	*s;
	size_t			 i, n;

	TAILQ_FOREACH(s, &cf->specs, entry) {
		check_spec(&l, s);
		if (s->argv != NULL)
			check_cgroup(&l, cf, s);
	}
	*problems = NULL;
	if ((n = l.len) == 0)
		return (0);
	qsort(l.v, l.len, sizeof(*l.v), check_problem_cmp);
	*problems = xcalloc(l.len + 1, sizeof(**problems));
	for (i = 0; i < l.len; i++)
		(*problems)[i] = l.v[i].text;
	free(l.v);
	return (n);
}
