/*
 * bare-restart.c — the floor for the restart benchmark: the simplest
 * restarter there is, waitpid + fork (or vfork) + exec of the same child,
 * N times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int	i, n, st;
	pid_t	pid;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: bare-restart N CHILD [fork|vfork]\n");
		return (2);
	}
	n = atoi(argv[1]);
	for (i = 0; i < n; i++) {
		pid = argc == 4 && strcmp(argv[3], "vfork") == 0 ? vfork() : fork();
		if (pid == -1)
			return (1);
		if (pid == 0) {
			execl(argv[2], argv[2], (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &st, 0);
	}
	return (0);
}
