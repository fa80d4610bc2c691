/*
 * test-user.c — supd run by a user who is not root, with no -c, -s,
 * --state or --log-dir: its files go where systemd --user's would
 * (XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR, else under HOME), the
 * missing directories made 0700, and supctl finds it without -s.  Run as
 * root (CI is), the test drops supd and supctl to nobody first.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static const char user_ini[] =
    "[supervisor:root]\n"
    "[worker:hello]\n"
    "parent = root\n"
    "command = /bin/sh -c 'echo hello from $SUPD_NAME; exec sleep 600'\n";

static struct supd_inst	in;
static uid_t		uid;	/* whom supd runs as */
static gid_t		gid;
static char		home[128];

static void
setup(void)
{
	struct passwd	*pw;

	harness_init(&in, user_ini);
	uid = geteuid();
	gid = getegid();
	if (uid == 0) {
		cr_assert_not_null(pw = getpwnam("nobody"),
		    "running as root and no user nobody to drop to");
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		in.uid = uid;
		in.gid = gid;
		/* supd's log is opened before the drop; the user reads the rest */
	}
	/*
	 * The build may sit where nobody cannot reach (a clone under /root):
	 * the user runs copies of the binaries, from the test's directory.
	 */
	if (in.uid != 0) {
		static char	supd_copy[300], supctl_copy[300];
		char		cmd[1000];

		snprintf(cmd, sizeof cmd, "mkdir -m 0755 %s/bin && cp %s/daemon/supd "
		    "%s/cli/supctl %s/bin/", in.dir, BUILDDIR, BUILDDIR, in.dir);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		snprintf(supd_copy, sizeof supd_copy, "%s/bin/supd", in.dir);
		snprintf(supctl_copy, sizeof supctl_copy, "%s/bin/supctl", in.dir);
		harness_supd_bin = supd_copy;
		harness_supctl_bin = supctl_copy;
	}
	cr_assert(strlen(in.dir) < 100);
	memcpy(home, in.dir, strlen(in.dir));
	strcpy(home + strlen(in.dir), "/home");
	cr_assert_eq(mkdir(home, 0755), 0);
	cr_assert_eq(chown(home, uid, gid), 0);
}

static void
teardown(void)
{
	harness_stop(&in);
}

TestSuite(user, .init = setup, .fini = teardown, .timeout = 120);

/* Write the configuration where path (under home) says, owned by the user. */
static void
write_config(const char *rel)
{
	char	 path[600], cmd[1400];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", home, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\" && chown -R "
	    "%u:%u '%s'", path, (unsigned int)uid, (unsigned int)gid, home);
	cr_assert_eq(system(cmd), 0);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(user_ini, f);
	fclose(f);
	cr_assert_eq(chown(path, uid, gid), 0);
}

/* What mode and owner path has; fails the test if it is not there. */
static void
expect(const char *path, mode_t type, int mode)
{
	struct stat	st;
	int		i;

	/*
	 * supd listens before it opens its state database: the socket may
	 * answer a moment before the file is there.
	 */
	for (i = 0; i < 100 * harness_scale() && lstat(path, &st) == -1; i++)
		usleep(20000);

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(st.st_mode & S_IFMT, type, "%s: type %o", path,
	    st.st_mode & S_IFMT);
	cr_assert_eq(st.st_uid, uid, "%s: owner %u", path, st.st_uid);
	if (mode >= 0)
		cr_assert_eq((int)(st.st_mode & 07777), mode, "%s: mode %04o",
		    path, st.st_mode & 07777);
}

/* Run supctl ARGS as the user, with env applied; stdout and stderr kept. */
static int
supctl_as_user(const char *const *env, char **out, char **err, ...)
{
	char	*argv[16];
	int	 argc = 0, opipe[2], epipe[2], st;
	pid_t	 pid;
	va_list	 ap;

	argv[argc++] = (char *)harness_supctl_bin;
	va_start(ap, err);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	cr_assert(pipe2(opipe, O_CLOEXEC) == 0 && pipe2(epipe, O_CLOEXEC) == 0);
	if ((pid = fork()) == 0) {
		for (; env != NULL && *env != NULL; env++) {
			const char	*eq = strchr(*env, '=');
			char		 key[128];

			if (eq == NULL) {
				unsetenv(*env);
				continue;
			}
			snprintf(key, sizeof key, "%.*s", (int)(eq - *env), *env);
			setenv(key, eq + 1, 1);
		}
		if (geteuid() == 0 && (setgroups(0, NULL) == -1 ||
		    setgid(gid) == -1 || setuid(uid) == -1))
			_exit(126);
		dup2(opipe[1], 1);
		dup2(epipe[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	*out = harness_slurp_fd(opipe[0]);
	*err = harness_slurp_fd(epipe[0]);
	close(opipe[0]);
	close(epipe[0]);
	waitpid(pid, &st, 0);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void
start_as_user(const char *const *env, const char *sock)
{
	in.env = env;
	in.defaults = 1;
	snprintf(in.sock, sizeof in.sock, "%s", sock);
	harness_start(&in);
}

Test(user, the_xdg_directories_hold_everything)
{
	char	 run[300], state[300], config[300], rt[300], sock[700];
	char	 path[600];
	char	*out, *err, *log;
	const char *env[] = { NULL, NULL, NULL, NULL, "SUPD_SOCKET", NULL };

	snprintf(run, sizeof run, "HOME=%s", home);
	env[0] = run;
	snprintf(state, sizeof state, "XDG_STATE_HOME=%s/st", home);
	env[1] = state;
	snprintf(config, sizeof config, "XDG_CONFIG_HOME=%s/cf", home);
	env[2] = config;
	snprintf(rt, sizeof rt, "XDG_RUNTIME_DIR=%s/run", home);
	env[3] = rt;
	write_config("cf/supd/supd.ini");
	snprintf(sock, sizeof sock, "%s/run/supd/supd.sock", home);
	start_as_user(env, sock);

	/* no runtime directory yet (systemd would have made one): made 0700 */
	snprintf(path, sizeof path, "%s/run", home);
	expect(path, S_IFDIR, 0700);
	snprintf(path, sizeof path, "%s/run/supd", home);
	expect(path, S_IFDIR, 0700);
	expect(sock, S_IFSOCK, 0600);
	snprintf(path, sizeof path, "%s/st/supd", home);
	expect(path, S_IFDIR, 0700);
	snprintf(path, sizeof path, "%s/st/supd/log", home);
	expect(path, S_IFDIR, 0750);
	cr_assert(harness_wait_lines(&in, "home/st/supd/log/hello.log", 1,
	    5000) == 1);
	/* opened after the socket, before the first child starts */
	snprintf(path, sizeof path, "%s/st/supd/state.db", home);
	expect(path, S_IFREG, -1);
	log = harness_read(&in, "home/st/supd/log/hello.log");
	cr_assert(strlen(log) > 28 && strcmp(log + 27, " out hello from hello\n")
	    == 0, "%s", log);
	free(log);

	/* supctl, as the same user, with no -s */
	cr_assert_eq(supctl_as_user(env, &out, &err, "whereis", "hello", NULL),
	    0, "%s", err);
	cr_assert_gt(atoi(out), 0, "%s", out);
	free(out);
	free(err);
	cr_assert_eq(harness_supctl(&in, NULL, "shutdown", NULL), 0);
	cr_assert_eq(harness_wait_exit(&in, 10000), 0);
}

Test(user, home_alone_is_enough)
{
	char	 henv[300], sock[700], path[600];
	char	*out, *err;
	const char *env[] = { NULL, "XDG_STATE_HOME", "XDG_CONFIG_HOME",
	    "XDG_RUNTIME_DIR", "SUPD_SOCKET", NULL };

	snprintf(henv, sizeof henv, "HOME=%s", home);
	env[0] = henv;
	write_config(".config/supd/supd.ini");
	snprintf(path, sizeof path, "/run/user/%u", (unsigned int)uid);
	/* where the user has a runtime directory of theirs, it is used */
	if (access(path, F_OK) == 0)
		snprintf(sock, sizeof sock, "%s/supd/supd.sock", path);
	else
		snprintf(sock, sizeof sock, "%s/.local/state/supd/supd.sock",
		    home);
	start_as_user(env, sock);
	expect(sock, S_IFSOCK, 0600);
	snprintf(path, sizeof path, "%s/.local", home);
	expect(path, S_IFDIR, 0700);
	snprintf(path, sizeof path, "%s/.local/state/supd/state.db", home);
	expect(path, S_IFREG, -1);
	snprintf(path, sizeof path, "%s/.local/state/supd/log", home);
	expect(path, S_IFDIR, 0750);
	cr_assert_eq(supctl_as_user(env, &out, &err, "status", NULL), 0, "%s",
	    err);
	cr_assert(strstr(out, "hello") != NULL, "%s", out);
	free(out);
	free(err);
}

Test(user, bad_variables_are_logged_and_skipped)
{
	static char	 longrun[400];
	char		 henv[300], sock[400], note[200], path[100];
	char		*out, *err;
	const char *env[] = { NULL, "XDG_STATE_HOME=relative/state",
	    "XDG_CONFIG_HOME=", longrun, "SUPD_SOCKET", NULL };

	/* too long for a socket's address, not for a path */
	memset(longrun, 'r', sizeof longrun - 1);
	memcpy(longrun, "XDG_RUNTIME_DIR=/", 17);
	snprintf(henv, sizeof henv, "HOME=%s", home);
	env[0] = henv;
	write_config(".config/supd/supd.ini");
	snprintf(path, sizeof path, "/run/user/%u", (unsigned int)uid);
	if (access(path, F_OK) == 0)
		snprintf(sock, sizeof sock, "%s/supd/supd.sock", path);
	else
		snprintf(sock, sizeof sock, "%s/.local/state/supd/supd.sock",
		    home);
	start_as_user(env, sock);
	cr_assert(harness_wait_log(&in, "$XDG_STATE_HOME=\"relative/state\" is "
	    "not an absolute path: not used", 1000));
	cr_assert(harness_wait_log(&in, "$XDG_CONFIG_HOME=\"\" is empty: not "
	    "used", 1000));
	snprintf(note, sizeof note, "$XDG_RUNTIME_DIR (%zu bytes) is too long "
	    "for supd/supd.sock: not used", strlen(longrun) - 16);
	cr_assert(harness_wait_log(&in, note, 1000), "no \"%s\"", note);
	cr_assert_eq(supctl_as_user(env, &out, &err, "status", NULL), 0, "%s",
	    err);
	free(out);
	free(err);
}

Test(user, no_home_at_all_falls_back_to_the_system_paths)
{
	const char *env[] = { "HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME",
	    "XDG_RUNTIME_DIR", "SUPD_SOCKET", NULL };

	in.env = env;
	in.defaults = 1;
	harness_start_nowait(&in);
	/* the user cannot read /etc/supd/supd.ini (or it is not there) */
	cr_assert_eq(harness_wait_exit(&in, 10000), 1);
	cr_assert(harness_wait_log(&in, "neither $XDG_CONFIG_HOME nor $HOME is "
	    "set; using /etc/supd/supd.ini", 0));
}
