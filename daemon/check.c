/*
 * check.c — what `supd --check` prints for a valid file: the tree, one line
 * per section, two spaces of indent per level, children in start (file)
 * order.  doc/config.md shows the format; loading and errors are conf.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "check.h"
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

static void
check_print_node(FILE *fp, const struct check_node *n, int depth)
{
	const struct spec		*s = n->spec;
	const struct check_node		*c;

	fprintf(fp, "%*s%s  %s", depth * 2, "", s->name, spec_kind_names[s->kind]);
	switch (s->kind) {
	case KIND_SUPERVISOR:
		fprintf(fp, " %s %d/%ds", spec_strategy_names[s->strategy],
		    s->max_restarts, s->max_seconds);
		/* what differs from OTP's defaults */
		if (s->restart != RESTART_PERMANENT)
			fprintf(fp, " %s", spec_restart_names[s->restart]);
		if (s->auto_shutdown != AUTO_SHUTDOWN_NEVER)
			fprintf(fp, " auto_shutdown=%s",
			    spec_auto_shutdown_names[s->auto_shutdown]);
		if (s->significant)
			fprintf(fp, " significant");
		putc('\n', fp);
		break;
	case KIND_DYNAMIC:
		if (s->max_children == 0)
			fprintf(fp, " max_children=unlimited");
		else
			fprintf(fp, " max_children=%d", s->max_children);
		fprintf(fp, " partitions=%d %d/%ds\n", s->partitions,
		    s->max_restarts, s->max_seconds);
		/* The template stands for the children spawned at run time. */
		fprintf(fp, "%*s(template)  worker %s ", (depth + 1) * 2, "",
		    spec_restart_names[s->restart]);
		check_print_argv(fp, s->argv);
		putc('\n', fp);
		break;
	case KIND_WORKER:
		fprintf(fp, " %s ", spec_restart_names[s->restart]);
		if (s->significant)
			fprintf(fp, "significant ");
		check_print_argv(fp, s->argv);
		putc('\n', fp);
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
