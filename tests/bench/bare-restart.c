/*
 * bare-restart.c — the floor for the restart benchmarks: the simplest
 * restarter there is, N times: start the child (fork + exec, vfork + exec
 * or posix_spawn), waitpid for it, start it again.  Prints the restarter's
 * own CPU time ("self_cpu_us T"), the children's excluded.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int
main(int argc, char **argv)
{
	const char	*how = argc == 4 ? argv[3] : "fork";
	char		*cargv[2];
	struct rusage	 ru;
	int		 i, n, st;
	pid_t		 pid;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: bare-restart N CHILD [fork|vfork|posix_spawn]\n");
		return (2);
	}
	n = atoi(argv[1]);
	cargv[0] = argv[2];
	cargv[1] = NULL;
	for (i = 0; i < n; i++) {
		if (strcmp(how, "posix_spawn") == 0) {
			if (posix_spawn(&pid, argv[2], NULL, NULL, cargv, environ) != 0)
				return (1);
		} else {
			pid = strcmp(how, "vfork") == 0 ? vfork() : fork();
			if (pid == -1)
				return (1);
			if (pid == 0) {
				execv(argv[2], cargv);
				_exit(127);
			}
		}
		waitpid(pid, &st, 0);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("self_cpu_us %ld\n", (long)(ru.ru_utime.tv_sec * 1000000L +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec));
	return (0);
}
