/*
 * main.c — supd's options, --check, the start-up order (config, tree,
 * runtime, socket, boot) and the exit status: 0 after a shutdown, 1 when
 * the tree could not start, 3 when the root supervisor gave up.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "events.h"
#include "cgroup.h"
#include "leftover.h"
#include "logs.h"
#include "loop.h"
#include "name.h"
#include "paths.h"
#include "proc.h"
#include "reexec.h"
#include "reexec-snap.h"
#include "reload.h"
#include "server.h"
#include "spawn.h"
#include "store.h"
#include "task.h"
#include "testhook.h"
#include "tree.h"
#include "util.h"

/* A task leaving the tree leaves its result behind. */
static const struct loop_ops main_loop_ops = {
	.removed = task_exited,
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: supd [-c FILE] [-s SOCKET] [--state FILE] [--log-dir DIR] [--strict]\n"
	    "            [-v]\n"
	    "       supd --check [--strict] [-c FILE]\n"
	    "\n"
	    "Supervise the OS processes of the tree in FILE with Erlang/OTP's rules.\n"
	    "\n"
	    "  -c, --config FILE    configuration (default: below)\n"
	    "  -s, --socket PATH    control socket (default: [supd] socket, then\n"
	    "                       $SUPD_SOCKET, then below)\n"
	    "      --state FILE     state database (default: [supd] state, then below)\n"
	    "      --log-dir DIR    children's output (default: [supd] log_dir, then\n"
	    "                       below)\n"
	    "      --check          validate FILE, print the tree, exit 0; or print\n"
	    "                       every error and exit 1.  What FILE names that\n"
	    "                       this machine lacks (a program, a cwd, a user, a\n"
	    "                       group) is a warning, here and at start\n"
	    "      --strict         what this machine lacks is an error: exit 1\n"
	    "  -v, --verbose        log debug lines too\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        print the version\n"
	    "\n"
	    "Defaults, for root and for any other user (as systemd --user's):\n"
	    "  config   " PATHS_SYSTEM_CONFIG "      " PATHS_USER_CONFIG "\n"
	    "  socket   " PATHS_SYSTEM_SOCKET "     " PATHS_USER_SOCKET "\n"
	    "  state    " PATHS_SYSTEM_STATE "  " PATHS_USER_STATE "\n"
	    "  log_dir  " PATHS_SYSTEM_LOG_DIR "           " PATHS_USER_LOG_DIR "\n"
	    "A user's XDG_CONFIG_HOME is ~/.config and XDG_STATE_HOME ~/.local/state\n"
	    "when unset; without XDG_RUNTIME_DIR the socket goes to /run/user/UID,\n"
	    "else next to the state.  Missing directories are made mode 0700.\n"
	    "\n"
	    "Signals: SIGTERM or SIGINT stop the tree in order, then supd exits 0;\n"
	    "a second one while it stops forces the exit: SIGKILL to every process\n"
	    "group, exit status 1.\n"
	    "Exit status: 0 shut down, 1 could not start or forced to exit, 3 the root\n"
	    "supervisor gave up.\n");
}

/* kind's default; a bad variable it skipped is logged. */
static const char *
main_default(enum paths_kind kind)
{
	const char	*p, *note;

	p = kind == PATHS_SOCKET ? paths_socket(&note) :
	    paths_default(kind, &note);
	if (note != NULL)
		log_warn("%s", note);
	return (p);
}

/* A user's default directories are made 0700 (the rest make the leaves). */
static void
main_make_dirs(enum paths_kind kind, const char *path)
{
	char	why[PATH_MAX + 64];

	if (paths_make_dirs(kind, path, why, sizeof why) == -1)
		log_warn("%s", why);
}

/* Resolve a path given on the command line against the working directory. */
static char *
main_abspath(const char *p)
{
	char	cwd[4096];

	if (p[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return (xstrdup(p));
	return (xasprintf("%s/%s", cwd, p));
}

static void
main_set(char **slot, const char *opt, const char *dflt)
{
	if (opt != NULL) {
		free(*slot);
		*slot = main_abspath(opt);
	} else if (*slot == NULL)
		*slot = xstrdup(dflt);
}

/* What the command line said, for the configurations reload reads again. */
static const char	*main_opt_socket, *main_opt_state, *main_opt_log_dir;

/* The command line over the file, then the defaults. */
static void
main_settle(struct config *conf)
{
	const char	*sock = main_opt_socket;

	if (sock == NULL && conf->socket == NULL)
		sock = main_default(PATHS_SOCKET);
	main_set(&conf->socket, sock, NULL);
	main_set(&conf->state, main_opt_state, main_opt_state == NULL &&
	    conf->state == NULL ? main_default(PATHS_STATE) : NULL);
	main_set(&conf->log_dir, main_opt_log_dir, main_opt_log_dir == NULL &&
	    conf->log_dir == NULL ? main_default(PATHS_LOG_DIR) : NULL);
}

/*
 * What the file names that this machine lacks: warnings (on stderr with
 * --check, in the log at start), or errors with --strict; -1 then.
 */
static int
main_machine(const struct config *conf, const char *path, int strict,
    int check)
{
	char	**problems, **p;
	size_t	  n;

	if ((n = check_machine(conf, strict || !check ? "" : "warning: ",
	    &problems)) == 0)
		return (0);
	for (p = problems; *p != NULL; p++) {
		if (strict || check)
			fprintf(stderr, "%s\n", *p);
		else
			log_warn("%s", *p);
	}
	strv_free(problems);
	if (!strict)
		return (0);
	fprintf(stderr, "supd: %s: %zu problem%s on this machine (--strict); "
	    "nothing started\n", path, n, n == 1 ? "" : "s");
	return (-1);
}

/* A durable dynamic child of the last run joins its supervisor again. */
static void
main_restore(const char *supname, const char *name, char **args, char **env,
    char **groups, void *arg)
{
	struct node	*sup = tree_find(supname), *n = NULL;
	const char	*why = NULL;

	(void)arg;
	if (!name_valid(name, &why))
		log_warn("state database: a child named \"%.64s\" is not a valid "
		    "name (%s): forgotten", name, why != NULL ? why : "invalid");
	else if (sup == NULL || sup->kind != KIND_DYNAMIC)
		log_warn("%s: its dynamic supervisor %s is no longer in the "
		    "configuration: forgotten", name, supname);
	else if ((n = tree_add_dynamic(sup, name)) == NULL)
		log_warn("%s: the name is taken in the configuration now: "
		    "forgotten", name);
	if (n == NULL) {
		store_child_del(name);
		strv_free(args);
		strv_free(env);
		strv_free(groups);
		return;
	}
	tree_set_extra(n, args, env, groups);
}

static char	*main_mark;	/* SUPD_STATE=the state file's real path */

static void
main_set_mark(const char *state)
{
	char	*real = realpath(state, NULL);

	main_mark = xasprintf("SUPD_STATE=%s", real != NULL ? real : state);
	free(real);
	spawn_set_mark(main_mark);
}

static void
main_restore_event(uint64_t seq, const char *json, const char *name, void *arg)
{
	(void)arg;
	events_restore(seq, json, name);
}

static void
main_restore_task(const char *name, const char *result, void *arg)
{
	(void)arg;
	task_restore(name, result);
}

/*
 * What the last run left behind: its history and task results; its
 * process groups, stopped (a pid reused by another process is left
 * alone); its dynamic children, put back to start with the tree.
 */
static void
main_last_run(json_t *snap)
{
	struct leftover	*v, *m;
	struct node	*n;
	size_t		 nv, nm, i, j;

	store_each_event(main_restore_event, NULL);
	store_each_task(main_restore_task, NULL);
	nv = store_take_groups(&v);
	/*
	 * started, but killed before its row was committed: found by its mark
	 * (a /proc walk; a reexec's predecessor did it, and started nothing
	 * since that its snapshot does not carry)
	 */
	m = NULL;
	nm = snap == NULL ? leftover_find_marked(main_mark, &m) : 0;
	for (i = 0; i < nm; i++) {
		for (j = 0; j < nv && v[j].pgid != m[i].pgid; j++)
			;
		if (j < nv)
			continue;
		if ((n = tree_find(m[i].name)) != NULL && n->spec != NULL) {
			m[i].stop_signal = spec_x(n->spec)->stop_signal;
			m[i].shutdown_ms = n->spec->shutdown_ms;
		}
		v = xrealloc(v, (nv + 1) * sizeof *v);
		v[nv++] = m[i];
	}
	free(m);
	/* a reexec's children are not leftovers: they run on, carried */
	for (i = j = 0; snap != NULL && i < nv; i++)
		if (!reexec_snap_carries(snap, v[i].pgid))
			v[j++] = v[i];
	if (snap != NULL)
		nv = j;
	if (nv > 0) {
		leftover_stop(v, nv);
		for (i = 0; i < nv; i++)
			if (!v[i].marked)
				store_group_del(v[i].pgid);
	}
	free(v);
	/* a reexec's cgroups are carried; a crash's are leftovers */
	if (snap == NULL)
		cgroup_sweep();
	/* the snapshot has every dynamic child, with its process */
	if (snap == NULL)
		store_each_child(main_restore, NULL);
}

/* The whole state, for the store to write again after trouble. */
static void
main_fill(void)
{
	struct node	*n;
	uint64_t	 starttime;

	for (n = loop_root; n != NULL; n = tree_next(loop_root, n)) {
		if (n->dynamic && !n->task && n->spec->restart != RESTART_TEMPORARY)
			store_child_put(n);
		if (n->pid > 0 && leftover_starttime(n->pid, &starttime) == 0)
			store_group_put(n, n->pid, starttime);
	}
	events_resave();
	task_resave();
}

/* The configuration from the file and the command line; NULL: exit 1. */
static struct config *
main_config(const char *path, int strict, int check)
{
	struct config	*conf;
	char		**errors, **e;

	if ((conf = conf_load(path, &errors)) == NULL) {
		for (e = errors; e != NULL && *e != NULL; e++)
			fprintf(stderr, "%s\n", *e);
		fprintf(stderr, "supd: %s: not valid; nothing started\n", path);
		conf_errors_free(errors);
		return (NULL);
	}
	if (main_machine(conf, path, strict, check) == -1) {
		conf_free(conf);
		return (NULL);
	}
	if (check)
		return (conf);
	main_settle(conf);
	main_make_dirs(PATHS_SOCKET, conf->socket);
	main_make_dirs(PATHS_STATE, conf->state);
	main_make_dirs(PATHS_LOG_DIR, conf->log_dir);
	return (conf);
}

/*
 * Started by a reexec: the running configuration of the last image, from
 * its snapshot; one that cannot be used is a start afresh.
 */
static struct config *
main_reexeced(int fd, json_t **snap)
{
	struct config	*conf;
	char		*cause;

	if ((*snap = reexec_snap_read(fd, &cause)) == NULL)
		reexec_fresh(cause);
	if ((conf = reexec_snap_config(*snap, &cause)) == NULL)
		reexec_fresh(cause);
	return (conf);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "socket",	required_argument,	NULL, 's' },
		{ "state",	required_argument,	NULL, 'S' },
		{ "log-dir",	required_argument,	NULL, 'L' },
		{ "check",	no_argument,		NULL, 'C' },
		{ "strict",	no_argument,		NULL, 'X' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "reexec-probe", no_argument,		NULL, 'P' },
		{ "reexec-fd",	required_argument,	NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = NULL, *sock = NULL, *state = NULL;
	const char	*logdir = NULL;
	struct config	*conf;
	struct node	*root;
	json_t		*snap = NULL;
	char		*cause;
	int		 ch, check = 0, strict = 0, status, snapfd = -1;
	int64_t		 began = now_mono_ms();

	/*
	 * glibc's mmap threshold (128 KiB) fixed: left dynamic, the first free
	 * of a large block (a status reply at 10,000 children, a boot's queues)
	 * raises it to that size, and from then on such blocks come from the
	 * heap, whose pages stay with supd after the free.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	while ((ch = getopt_long(argc, argv, "c:s:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 's': sock = optarg; break;
		case 'S': state = optarg; break;
		case 'L': logdir = optarg; break;
		case 'C': check = 1; break;
		case 'X': strict = 1; break;
		case 'v': log_threshold = LOG_LVL_DEBUG; break;
		case 'h': usage(stdout); return (0);
		case 'V': printf("supd %s\n", SUPD_VERSION); return (0);
		case 'P': reexec_probe_answer(); return (0);
		case 'R': snapfd = atoi(optarg); break;
		default: usage(stderr); return (2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "supd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return (2);
	}

	/* a reexec'd image gets the same options: reloads settle alike */
	main_opt_socket = sock;
	main_opt_state = state;
	main_opt_log_dir = logdir;
	if (path == NULL && snapfd < 0)
		path = main_default(PATHS_CONFIG);
	testhook_init();
	reexec_init(argc, argv, main_fill);
	if (snapfd >= 0)
		conf = main_reexeced(snapfd, &snap);
	else if ((conf = main_config(path, strict, check)) == NULL)
		return (1);
	if (check) {
		check_print(stdout, conf);
		conf_free(conf);
		return (0);
	}
	reload_init(main_settle);
	root = tree_build(conf);
	events_init(conf->history_max);
	loop_init(conf, root, &main_loop_ops);
	/* before the snapshot is checked: it names its children's cgroups */
	cgroup_init(conf->cgroup_off, conf->state);
	/* every part of the snapshot is checked before any is used */
	if (snap != NULL && reexec_snap_check(snap, &cause) == -1)
		reexec_fresh(cause);
	if (logs_init(&cause) == -1) {
		fprintf(stderr, "supd: %s; nothing started\n", cause);
		free(cause);
		return (1);
	}
	if (snap != NULL ? server_adopt(reexec_snap_listen_fd(snap),
	    conf->socket, &cause) == -1 : server_init(conf->socket,
	    &cause) == -1) {
		log_err("%s", cause);
		fprintf(stderr, "supd: cannot serve %s: %s\n", conf->socket, cause);
		free(cause);
		return (1);
	}
	/* the socket is ours: no other supd runs this tree, its leftovers are ours */
	if (store_open(conf->state, conf->sync_full, conf->history_max,
	    &cause) == -1) {
		fprintf(stderr, "supd: %s: %s; nothing started\n", conf->state,
		    cause);
		free(cause);
		return (1);
	}
	main_set_mark(conf->state);
	main_last_run(snap);
	if (snap != NULL)
		reexec_snap_apply(snap);
	store_start(main_fill, events_publish);
	log_info("supd %s: %s, socket %s, %zu sections", SUPD_VERSION,
	    conf->path, conf->socket, conf->nspecs);
	if (snap != NULL) {
		testhook("reexec.resumed");
		reexec_took_over(snap, began);
		json_decref(snap);
		status = loop_resume();
	} else
		status = loop_run();
	/* whatever the policy did, nothing of ours outlives supd */
	proc_kill_all();
	proc_free_all();
	cgroup_fini();
	store_close();
	spawn_set_mark(NULL);
	free(main_mark);
	server_close();
	task_free_all();
	tree_free(root);
	reload_free();
	events_free();
	loop_free();
	/* the running configuration: the last reload's, or the first */
	conf_free(loop_conf);
	return (status);
}
