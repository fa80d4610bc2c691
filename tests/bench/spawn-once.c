/*
 * spawn-once.c — the floor of `supctl spawn` from a shell loop: one exec
 * from the shell (this program, static as supctl is) that starts PROG ARG
 * as supd starts a child (its own process group, output on /dev/null) and
 * returns once the child has exec'd, printing its pid.  No daemon, no
 * state, no round trip: what any CLI that confirms a start must pay.
 *
 *   spawn-once PROG ARG [IGNORED...]
 *
 * The children are left running; the benchmark kills them (their
 * environment carries its tag).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	char				*av[3];
	pid_t				 pid;
	int				 rc;

	if (argc < 3) {
		fprintf(stderr, "usage: spawn-once PROG ARG [IGNORED...]\n");
		return (2);
	}
	av[0] = argv[1];
	av[1] = argv[2];
	av[2] = NULL;
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if ((rc = posix_spawn(&pid, av[0], &fa, &at, av, environ)) != 0) {
		fprintf(stderr, "spawn-once: %s: %s\n", av[0], strerror(rc));
		return (1);
	}
	printf("%d\n", (int)pid);
	return (0);
}
