/*
 * cli-run.c — helpers of supctl's tests: run supctl with a chosen
 * environment and capture its stdout (on a pipe or a pseudo-terminal),
 * stderr and exit status; start and stop fakesupd.py.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli-run.h"
#include "harness.h"

const char *cli_supctl_bin = BUILDDIR "/cli/supctl";

static void
cli_child(const char *sock, const char *const *env, char **argv)
{
	const char	*e;

	if (sock != NULL)
		setenv("SUPD_SOCKET", sock, 1);
	for (; env != NULL && *env != NULL; env++) {
		e = *env;
		if (strchr(e, '=') != NULL)
			putenv((char *)e);
		else
			unsetenv(e);
	}
	/* alarms survive execve: a supctl that hangs dies instead */
	alarm(20);
	execv(cli_supctl_bin, argv);
	_exit(127);
}

void
cli_run(struct cli_result *r, const char *sock, const char *const *env,
    int tty, ...)
{
	struct termios	 tio;
	char		*argv[64];
	int		 argc = 0, ofd = -1, efd, master = -1, slave, st;
	va_list		 ap;
	pid_t		 pid;

	argv[argc++] = (char *)cli_supctl_bin;
	va_start(ap, tty);
	while (argc < 63 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	cr_assert((efd = memfd_create("stderr", MFD_CLOEXEC)) != -1);
	if (tty) {
		cr_assert(openpty(&master, &slave, NULL, NULL, NULL) == 0);
		tcgetattr(slave, &tio);
		cfmakeraw(&tio);
		tcsetattr(slave, TCSANOW, &tio);
	} else
		cr_assert((ofd = memfd_create("stdout", MFD_CLOEXEC)) != -1);
	cr_assert((pid = fork()) != -1);
	if (pid == 0) {
		if (tty) {
			dup2(slave, 1);
			close(master);
		} else
			dup2(ofd, 1);
		dup2(efd, 2);
		cli_child(sock, env, argv);
	}
	if (tty) {
		close(slave);
		r->out = harness_slurp_fd(master);
		close(master);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (!tty) {
		lseek(ofd, 0, SEEK_SET);
		r->out = harness_slurp_fd(ofd);
		close(ofd);
	}
	lseek(efd, 0, SEEK_SET);
	r->err = harness_slurp_fd(efd);
	close(efd);
}

void
cli_result_free(struct cli_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof *r);
}

json_t *
cli_json(const char *s)
{
	json_error_t	 e;
	json_t		*j;

	j = json_loads(s, 0, &e);
	cr_assert_not_null(j, "not one JSON document (%s): %s", e.text, s);
	return (j);
}

char *
cli_line(const char *s, int n)
{
	const char	*end;

	for (; n > 0 && s != NULL; n--)
		if ((s = strchr(s, '\n')) != NULL)
			s++;
	if (s == NULL || *s == '\0')
		return (NULL);
	end = strchr(s, '\n');
	return (strndup(s, end != NULL ? (size_t)(end - s) : strlen(s)));
}

int
cli_lines(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return (n);
}

static void
cli_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Whether something listens on path (the socket file exists before listen). */
static int
cli_connects(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, ok;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof sun.sun_path - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return (ok);
}

void
fake_start(struct fake *f)
{
	int	i, fd;

	memset(f, 0, sizeof *f);
	strcpy(f->dir, "/tmp/supctl-test.XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof f->sock, "%s/fake.sock", f->dir);
	snprintf(f->record, sizeof f->record, "%s/calls.jsonl", f->dir);
	cr_assert((f->pid = fork()) != -1);
	if (f->pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			close(fd);
		}
		execlp("python3", "python3", SRCDIR "/tests/integration/fakesupd.py",
		    f->sock, f->record, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if (cli_connects(f->sock))
			return;
		cli_sleep_ms(10);
	}
	fake_stop(f);
	cr_assert_fail("fakesupd.py did not start");
}

void
fake_stop(struct fake *f)
{
	char	cmd[300];

	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
	if (f->dir[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", f->dir);
	}
}

json_t *
fake_last_call(struct fake *f)
{
	FILE	*fp;
	char	 line[65536], last[65536] = "";

	cr_assert_not_null(fp = fopen(f->record, "r"), "no call recorded");
	while (fgets(line, sizeof line, fp) != NULL)
		strcpy(last, line);
	fclose(fp);
	return (cli_json(last));
}
