/*
 * cmd.c — the command table, lookup, argument parsing against each entry's
 * options, usage and help texts.  What a command does is in its cmd-*.c;
 * how to reach the daemon is client.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "supctl.h"

extern const struct cmd_entry cmd_status_entry, cmd_tree_entry,
    cmd_inspect_entry, cmd_start_entry, cmd_stop_entry, cmd_restart_entry,
    cmd_signal_entry, cmd_spawn_entry, cmd_run_entry, cmd_await_entry,
    cmd_whereis_entry, cmd_members_entry, cmd_events_entry, cmd_logs_entry,
    cmd_metrics_entry, cmd_reload_entry, cmd_reexec_entry,
    cmd_shutdown_entry, cmd_top_entry, cmd_help_entry;

/* In the order supctl --help lists them. */
const struct cmd_entry *cmd_table[] = {
	&cmd_status_entry,
	&cmd_top_entry,
	&cmd_tree_entry,
	&cmd_inspect_entry,
	&cmd_start_entry,
	&cmd_stop_entry,
	&cmd_restart_entry,
	&cmd_signal_entry,
	&cmd_spawn_entry,
	&cmd_run_entry,
	&cmd_await_entry,
	&cmd_whereis_entry,
	&cmd_members_entry,
	&cmd_events_entry,
	&cmd_logs_entry,
	&cmd_metrics_entry,
	&cmd_reload_entry,
	&cmd_reexec_entry,
	&cmd_shutdown_entry,
	&cmd_help_entry,
	NULL
};

/* Edit distance, for "did you mean"; command names are short. */
static size_t
cmd_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, d[32], prev, tmp;

	if (la >= 31 || lb >= 31)
		return (99);
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (tmp + 1 < d[j])
				d[j] = tmp + 1;
			prev = tmp;
		}
	}
	return (d[lb]);
}

/* Find a command by its full name; prints why not and the usage if none. */
const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry	**ce, *best = NULL;
	size_t			  d, bestd = 3;

	for (ce = cmd_table; *ce != NULL; ce++) {
		if (strcmp((*ce)->name, name) == 0)
			return (*ce);
		if ((d = cmd_distance((*ce)->name, name)) < bestd) {
			bestd = d;
			best = *ce;
		}
	}
	fprintf(stderr, "supctl: unknown command \"%s\"", name);
	if (best != NULL)
		fprintf(stderr, " (did you mean \"%s\"?)", best->name);
	fprintf(stderr, "\nusage: supctl [-s SOCKET] [--json] COMMAND [ARG...]\n"
	    "Run 'supctl --help' for the commands.\n");
	return (NULL);
}

void
cmd_print_usage(const struct cmd_entry *ce, int to_stderr)
{
	fprintf(to_stderr ? stderr : stdout, "usage: supctl %s\n", ce->usage);
}

void
cmd_print_help(const struct cmd_entry *ce)
{
	cmd_print_usage(ce, 0);
	printf("\n%s", ce->help);
}

void
cmd_print_list(void)
{
	const struct cmd_entry	**ce;

	printf("\nOptions:\n"
	    "  -s, --socket PATH  supd's control socket (default: $SUPD_SOCKET, "
	    "else\n"
	    "                     /run/supd/supd.sock for root, "
	    "$XDG_RUNTIME_DIR/supd/supd.sock\n"
	    "                     for anyone else, as supd's own default)\n"
	    "                     -s and --json may also follow the command "
	    "(after events\n"
	    "                     and logs, -s is their --since: write "
	    "--socket)\n"
	    "  -j, --json         JSON for scripts: one document, or one a line "
	    "for streams\n"
	    "  -h, --help         this list; supctl COMMAND --help for one "
	    "command\n"
	    "  -V, --version      supctl's version\n"
	    "\nCommands:\n");
	for (ce = cmd_table; *ce != NULL; ce++)
		printf("  %-10s %s\n", (*ce)->name, (*ce)->summary);
	printf("\nEnvironment: SUPD_SOCKET (the socket), SUPCTL_TIMEOUT "
	    "(seconds to wait for\nsupd, default 30, 0 for ever), NO_COLOR.\n"
	    "Exit status: 0 done, 1 refused or failed, 2 usage error, "
	    "3 supd unreachable.\n");
}

/*
 * For shell completion: a line per command, its name then its options,
 * long and short, those that take a value ending in "=".
 */
void
cmd_print_words(void)
{
	const struct cmd_entry	**ce;
	const struct cmd_option	 *o;

	for (ce = cmd_table; *ce != NULL; ce++) {
		printf("%s", (*ce)->name);
		for (o = (*ce)->options; o != NULL && o->name != NULL; o++)
			printf(" --%s%s -%c%s", o->name, o->has_arg ? "=" : "",
			    o->key, o->has_arg ? "=" : "");
		putchar('\n');
	}
}

int
cmd_usage_error(const struct cmd_entry *ce, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "supctl: %s: ", ce->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_print_usage(ce, 1);
	return (EXIT_USAGE);
}

static const struct cmd_option *
cmd_option_find(const struct cmd_entry *ce, const char *a, size_t len,
    int isshort)
{
	const struct cmd_option	*o;

	if (ce->options == NULL)
		return (NULL);
	for (o = ce->options; o->name != NULL; o++) {
		if (isshort ? (len == 1 && o->key == a[0]) :
		    (strlen(o->name) == len && strncmp(o->name, a, len) == 0))
			return (o);
	}
	return (NULL);
}

static void
cmd_args_push(struct args *args, int key, const char *value)
{
	void	*p;

	p = reallocarray(args->opts, args->nopts + 1, sizeof *args->opts);
	if (p == NULL) {
		perror("supctl");
		exit(EXIT_FAILED);
	}
	args->opts = p;
	args->opts[args->nopts].key = key;
	args->opts[args->nopts].value = value;
	args->nopts++;
}

/* One option at argv[*i]; 0, or -1 on a usage error (printed). */
static int
cmd_parse_option(const struct cmd_entry *ce, int argc, char **argv, int *i,
    struct args *args)
{
	const struct cmd_option	*o;
	const char		*a = argv[*i], *name, *eq, *value = NULL;
	size_t			 len;
	int			 isshort = (a[1] != '-');

	name = a + (isshort ? 1 : 2);
	if (isshort)
		len = 1;
	else if ((eq = strchr(name, '=')) != NULL) {
		len = eq - name;
		value = eq + 1;
	} else
		len = strlen(name);
	if ((o = cmd_option_find(ce, name, len, isshort)) == NULL) {
		cmd_usage_error(ce, "unknown option %s", a);
		return (-1);
	}
	if (!o->has_arg) {
		if (value != NULL || (isshort && name[1] != '\0')) {
			cmd_usage_error(ce, "option %s takes no value", a);
			return (-1);
		}
	} else if (value == NULL) {
		if (isshort && name[1] != '\0')
			value = name + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else {
			cmd_usage_error(ce, "option %s needs a value", a);
			return (-1);
		}
	}
	cmd_args_push(args, o->key, value);
	return (0);
}

int
cmd_parse(const struct cmd_entry *ce, int argc, char **argv,
    struct args *args, int *help)
{
	char	*a;
	int	 i, rc;

	memset(args, 0, sizeof *args);
	*help = 0;
	if ((args->argv = calloc(argc + 1, sizeof *args->argv)) == NULL) {
		perror("supctl");
		exit(EXIT_FAILED);
	}
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			args->argv[args->argc++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			args->seen_dashdash = 1;
			i++;
			break;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = 1;
			return (0);
		}
		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0) {
			supctl_json = 1;
			continue;
		}
		/* supctl's own -s, unless the command has an -s of its own */
		if ((rc = supctl_socket_option(argc, argv, &i,
		    cmd_option_find(ce, "s", 1, 1) == NULL)) == -1)
			goto fail;
		if (rc == 1)
			continue;
		if (cmd_parse_option(ce, argc, argv, &i, args) == -1)
			goto fail;
	}
	if (ce->flags & CMD_EXTRA) {
		args->extra = argv + i;
		args->nextra = argc - i;
	} else {
		for (; i < argc; i++)
			args->argv[args->argc++] = argv[i];
	}
	if (args->argc < ce->min_args) {
		cmd_usage_error(ce, "missing argument");
		goto fail;
	}
	if (ce->max_args >= 0 && args->argc > ce->max_args) {
		cmd_usage_error(ce, "unexpected argument \"%s\"%s",
		    args->argv[ce->max_args], (ce->flags & CMD_EXTRA) ?
		    " (the command's arguments go after --)" : "");
		goto fail;
	}
	return (0);
fail:
	cmd_args_free(args);
	return (-1);
}

void
cmd_args_free(struct args *args)
{
	free(args->argv);
	free(args->opts);
	memset(args, 0, sizeof *args);
}

int
args_has(const struct args *args, int key)
{
	int	i;

	for (i = 0; i < args->nopts; i++)
		if (args->opts[i].key == key)
			return (1);
	return (0);
}

const char *
args_get(const struct args *args, int key)
{
	int	i;

	for (i = args->nopts - 1; i >= 0; i--)
		if (args->opts[i].key == key)
			return (args->opts[i].value);
	return (NULL);
}

json_t *
args_array(const struct args *args, int key)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < args->nopts; i++)
		if (args->opts[i].key == key)
			json_array_append_new(a, json_string(args->opts[i].value));
	return (a);
}

json_t *
args_positional(const struct args *args, int from)
{
	json_t	*a = json_array();
	int	 i;

	for (i = from; i < args->argc; i++)
		json_array_append_new(a, json_string(args->argv[i]));
	return (a);
}

int
cmd_parse_int(const char *s, long long *out, long long max)
{
	char		*end;
	long long	 v;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* Seconds with up to three decimals ("1.5"), to milliseconds. */
int
cmd_parse_seconds(const char *s, long long *ms)
{
	long long	 whole = 0, frac = 0;
	int		 digits = 0;

	if (!isdigit((unsigned char)*s))
		return (-1);
	for (; isdigit((unsigned char)*s); s++) {
		whole = whole * 10 + (*s - '0');
		if (whole > 1000LL * 1000 * 1000)
			return (-1);
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++) {
			if (++digits > 3)
				return (-1);
			frac = frac * 10 + (*s - '0');
		}
		if (digits == 0)
			return (-1);
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*s != '\0')
		return (-1);
	*ms = whole * 1000 + frac;
	return (0);
}

int
cmd_check_name(const struct cmd_entry *ce, const char *what, const char *s)
{
	const char	*why;

	if (name_valid(s, &why))
		return (0);
	cmd_usage_error(ce, "invalid %s \"%s\": %s", what, s, why);
	return (-1);
}

/* Connect for ce, naming the command and its arguments in errors. */
void
cmd_connect(const struct cmd_entry *ce, const struct args *args)
{
	char	ctx[256];
	size_t	len;
	int	i;

	len = snprintf(ctx, sizeof ctx, "%s", ce->name);
	for (i = 0; i < args->argc && len < sizeof ctx; i++)
		len += snprintf(ctx + len, sizeof ctx - len, " %s",
		    args->argv[i]);
	client_open(ctx, (ce->flags & CMD_LONG) ? 0 : supctl_timeout());
}

static int	cmd_help_exec(const struct cmd_entry *, struct args *);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "help [COMMAND]",
	.summary = "list the commands, or describe one",
	.help = "Without COMMAND, list the commands; with it, print its usage "
	    "and description.\n",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_help_exec,
};

static int
cmd_help_exec(const struct cmd_entry *ce, struct args *args)
{
	const struct cmd_entry	*c;

	(void)ce;
	if (args->argc == 0) {
		printf("usage: supctl [-s SOCKET] [--json] COMMAND [ARG...]\n");
		cmd_print_list();
		return (EXIT_OK);
	}
	if ((c = cmd_find(args->argv[0])) == NULL)
		return (EXIT_USAGE);
	cmd_print_help(c);
	return (EXIT_OK);
}
