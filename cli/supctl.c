/*
 * supctl.c — the command line of supd: global options, socket resolution,
 * dispatch to the command table and the exit status (0 done, 1 refused or
 * failed, 2 usage, 3 daemon unreachable).  Commands live in cmd-*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "supctl.h"

const char	*supctl_socket;
int		 supctl_json;
static int	 supctl_socket_given;	/* by -s or --socket */

static void	supctl_usage(FILE *);

/*
 * The socket: -s, else paths_socket()'s rule ($SUPD_SOCKET, ...); a user
 * who runs no supd of their own reaches the system's (read_group members).
 */
const char *
supctl_socket_path(void)
{
	const char	*env = getenv("SUPD_SOCKET");

	if (supctl_socket != NULL)
		return (supctl_socket);
	supctl_socket = paths_socket(NULL);
	if ((env == NULL || *env == '\0') &&
	    strcmp(supctl_socket, PATHS_SYSTEM_SOCKET) != 0 &&
	    access(supctl_socket, F_OK) != 0 &&
	    access(PATHS_SYSTEM_SOCKET, F_OK) == 0)
		supctl_socket = PATHS_SYSTEM_SOCKET;
	return (supctl_socket);
}

/* Where the socket's path came from, for "cannot connect". */
const char *
supctl_socket_origin(void)
{
	const char	*env = getenv("SUPD_SOCKET");

	if (supctl_socket_given)
		return ("the socket given with -s");
	if (env != NULL && *env != '\0')
		return ("the socket $SUPD_SOCKET names");
	return ("the default socket");
}

int
supctl_timeout(void)
{
	static int	 timeout = -1;
	const char	*s;
	char		*end;
	long		 v;

	if (timeout == -1) {
		timeout = SUPCTL_TIMEOUT;
		if ((s = getenv("SUPCTL_TIMEOUT")) != NULL && *s != '\0') {
			v = strtol(s, &end, 10);
			if (*end == '\0' && v >= 0 && v <= 86400 * 365)
				timeout = (int)v;
		}
	}
	return (timeout);
}

static void
supctl_usage(FILE *f)
{
	fprintf(f, "usage: supctl [-s SOCKET] [--json] COMMAND [ARG...]\n");
}

/* An option taking a value: "-s PATH", "-sPATH", "--socket PATH", "--socket=PATH". */
static const char *
supctl_value(int argc, char **argv, int *i, const char *s, const char *l)
{
	const char	*a = argv[*i];
	size_t		 n = strlen(l);

	if (strcmp(a, s) == 0 || strcmp(a, l) == 0) {
		if (*i + 1 >= argc)
			return (NULL);
		return (argv[++*i]);
	}
	if (strncmp(a, l, n) == 0 && a[n] == '=')
		return (a + n + 1);
	return (a + 2);		/* -sPATH */
}

/*
 * The socket option at argv[*i], before or after the command: 1 if it is
 * one (taken, with its value), 0 if not, -1 on a usage error (printed).
 * short_too: "-s" counts, which it does not after a command that has an
 * -s of its own (events -s SEQ).
 */
int
supctl_socket_option(int argc, char **argv, int *i, int short_too)
{
	const char	*a = argv[*i];

	if (strncmp(a, "--socket", 8) == 0) {
		if (a[8] != '\0' && a[8] != '=')
			return (0);
	} else if (!short_too || strncmp(a, "-s", 2) != 0)
		return (0);
	if ((supctl_socket = supctl_value(argc, argv, i, "-s",
	    "--socket")) == NULL || *supctl_socket == '\0') {
		fprintf(stderr, "supctl: option %s needs a socket path\n", a);
		supctl_usage(stderr);
		return (-1);
	}
	supctl_socket_given = 1;
	return (1);
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*ce;
	struct args		 args;
	const char		*a;
	int			 i, rc, help;

	/*
	 * jansson seeds its hash from /dev/urandom (three system calls) on the
	 * first object; supctl's only JSON input is its own daemon's replies,
	 * so a fixed seed costs nothing and `supctl spawn` in a loop saves them.
	 */
	json_object_seed(0x5eed);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		a = argv[i];
		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0)
			supctl_json = 1;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			supctl_usage(stdout);
			cmd_print_list();
			return (EXIT_OK);
		} else if (strcmp(a, "--commands") == 0) {
			/* for the shell's completion, not for people */
			cmd_print_words();
			return (EXIT_OK);
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("supctl %s\n", SUPD_VERSION);
			return (EXIT_OK);
		} else if ((rc = supctl_socket_option(argc, argv, &i, 1)) != 0) {
			if (rc == -1)
				return (EXIT_USAGE);
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else
			goto bad;
	}
	if (i >= argc) {
		supctl_usage(stderr);
		fprintf(stderr, "Run 'supctl --help' for the commands.\n");
		return (EXIT_USAGE);
	}
	if ((ce = cmd_find(argv[i])) == NULL)
		return (EXIT_USAGE);	/* cmd_find said why */
	if (cmd_parse(ce, argc - i - 1, argv + i + 1, &args, &help) == -1)
		return (EXIT_USAGE);
	if (help) {
		cmd_print_help(ce);
		cmd_args_free(&args);
		return (EXIT_OK);
	}
	rc = ce->exec(ce, &args);
	cmd_args_free(&args);
	client_close();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("supctl: stdout");
		if (rc == EXIT_OK)
			rc = EXIT_FAILED;
	}
	return (rc);

bad:
	fprintf(stderr, "supctl: unknown option %s\n", a);
	supctl_usage(stderr);
	return (EXIT_USAGE);
}
