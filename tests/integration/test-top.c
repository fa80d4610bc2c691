/*
 * test-top.c — `supctl top` driven in tmux as a person would: its rows
 * appear, a killed child shows as restarted (from the event stream), it
 * redraws to a smaller window, keys act on the selected child, and q
 * leaves with status 0.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct supd_inst	in;
static char		tmux_sock[400];

/* tmux -S our socket ARGS... (NULL-ended); its stdout in *out if out. */
static void
tmux(char **out, ...)
{
	char	*argv[16];
	int	 argc = 0;
	va_list	 ap;

	argv[argc++] = "/usr/bin/tmux";
	argv[argc++] = "-S";
	argv[argc++] = tmux_sock;
	va_start(ap, out);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	harness_run(out, NULL, argv);
}

static void
teardown(void)
{
	if (tmux_sock[0] != '\0')
		tmux(NULL, "kill-server", NULL);
	tmux_sock[0] = '\0';
	if (in.dir[0] != '\0')
		harness_stop(&in);
	memset(&in, 0, sizeof in);
}

TestSuite(top, .fini = teardown, .timeout = 120);

static char *
screen(void)
{
	char	*out;

	tmux(&out, "capture-pane", "-p", "-t", "top", NULL);
	return (out);
}

/* Wait (ms at most) for the screen to hold needle; the screen, malloc'd. */
static char *
wait_screen(const char *needle, int ms)
{
	char	*s;
	int	 waited;

	ms = harness_ms(ms);
	for (waited = 0;; waited += 50) {
		s = screen();
		if (strstr(s, needle) != NULL || waited >= ms)
			return (s);
		free(s);
		harness_sleep_ms(50);
	}
}

/* The row of child name on the screen: its line, malloc'd, or NULL. */
static char *
row_of(const char *s, const char *name)
{
	const char	*p = s, *nl;
	size_t		 len = strlen(name);

	for (; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (strncmp(p, name, len) == 0 && p[len] == ' ')
			return (strndup(p, (size_t)(nl - p)));
		if (*nl == '\0')
			break;
	}
	return (NULL);
}

/* The RESTARTS column of a row: the 6th word. */
static int
restarts_of(const char *row)
{
	char	name[80], type[32], state[32], pid[32], up[32];
	int	n = -1;

	if (row == NULL || sscanf(row, "%79s %31s %31s %31s %31s %d", name,
	    type, state, pid, up, &n) != 6)
		return (-1);
	return (n);
}

Test(top, rows_restarts_resize_keys_and_quit)
{
	char	 cmd[1400], *s, *row, exitfile[400], *st;
	pid_t	 pid;
	int	 i, wide;
	FILE	*f;

	if (access("/usr/bin/tmux", X_OK) == -1)
		cr_skip_test("no /usr/bin/tmux (make deps installs it)");
	harness_init(&in, "[supervisor:root]\n"
	    "[worker:web]\nparent = root\n"
	    "command = /bin/sh -c 'echo serving; exec sleep 600'\n"
	    "[worker:idle]\nparent = root\nautostart = no\n"
	    "command = /bin/sleep 600\n");
	harness_start(&in);
	snprintf(tmux_sock, sizeof tmux_sock, "%s/tmux.sock", in.dir);
	snprintf(exitfile, sizeof exitfile, "%s/top.exit", in.dir);
	snprintf(cmd, sizeof cmd, "%s -s %s top 2>%s/top.err; "
	    "echo $? > %s; sleep 60", harness_supctl_bin, in.sock, in.dir,
	    exitfile);
	tmux(NULL, "new-session", "-d", "-s", "top", "-x", "100", "-y", "30",
	    cmd, NULL);
	/* a child's row appears */
	s = wait_screen("web ", 15000);
	row = row_of(s, "web");
	cr_assert_not_null(row, "%s", s);
	cr_assert_not_null(strstr(row, "running"), "%s", row);
	cr_assert_eq(restarts_of(row), 0, "%s", row);
	free(row);
	row = row_of(s, "idle");
	cr_assert_not_null(row, "%s", s);
	cr_assert_not_null(strstr(row, "stopped"), "%s", row);
	free(row);
	free(s);
	/* a kill is seen as a restart: the event stream, then the row */
	pid = harness_whereis(&in, "web");
	cr_assert_gt(pid, 0);
	kill(pid, SIGKILL);
	for (i = 0; i < 200 * harness_scale(); i++) {
		s = screen();
		row = row_of(s, "web");
		if (restarts_of(row) == 1 && strstr(s, "restart ") != NULL)
			break;
		free(row);
		free(s);
		s = NULL;
		harness_sleep_ms(50);
	}
	cr_assert_not_null(s, "no restart of web on the screen");
	cr_assert_not_null(strstr(s, " exit "), "%s", s);
	free(row);
	free(s);
	/* a smaller window: redrawn to its width */
	tmux(NULL, "resize-window", "-t", "top", "-x", "50", "-y", "16", NULL);
	s = wait_screen("q quit", 5000);
	for (i = 0; i < 100 * harness_scale(); i++) {
		free(s);
		harness_sleep_ms(50);
		s = screen();
		wide = 0;
		for (char *p = s, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
			if (nl - p > 50)
				wide = 1;
		if (!wide && strstr(s, "supd top") != NULL)
			break;
	}
	cr_assert(!wide, "%s", s);
	cr_assert_not_null(strstr(s, "web"), "%s", s);
	free(s);
	/* filter on idle, start it with s */
	tmux(NULL, "send-keys", "-t", "top", "/", "idle", "Enter", NULL);
	s = wait_screen("filter: idle", 5000);
	cr_assert_null(row_of(s, "web"), "%s", s);
	free(s);
	tmux(NULL, "send-keys", "-t", "top", "s", NULL);
	s = wait_screen("start idle: done", 10000);
	cr_assert_not_null(strstr(s, "start idle: done"), "%s", s);
	free(s);
	cr_assert_gt(harness_whereis(&in, "idle"), 0);
	/* q: status 0 */
	tmux(NULL, "send-keys", "-t", "top", "q", NULL);
	for (i = 0; i < 200 * harness_scale() && access(exitfile, F_OK) == -1; i++)
		harness_sleep_ms(50);
	cr_assert_not_null(st = harness_read(&in, "top.exit"));
	cr_assert_str_eq(st, "0\n");
	free(st);
	cr_assert_not_null(f = fopen(exitfile, "r"));
	fclose(f);
}
