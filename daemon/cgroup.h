/*
 * cgroup.h — a cgroup v2 per child ([supd] cgroup = auto): where supd's
 * own cgroup is, the directory its children's cgroups go in, which
 * controllers reach them, and the files proc.c reads and writes (procs,
 * events, kill, cpu.stat, memory.current).  proc.c decides when.
 */
#ifndef CGROUP_H
#define CGROUP_H

#include <stdint.h>

struct spec;

/* The controllers the keys of a spec write to, as bits. */
#define CGROUP_CPU	0x1
#define CGROUP_MEMORY	0x2
#define CGROUP_PIDS	0x4

/*
 * Set up the base of this supd's cgroups (off: nothing): a directory of
 * its own cgroup named after the state file, the controllers enabled
 * there.  Without a usable cgroup2, one log line says why and children
 * run as before.
 */
void		 cgroup_init(int off, const char *state);
/* Kill (cgroup.kill) and remove what a crashed run left in the base. */
void		 cgroup_sweep(void);
/* Remove the base if it is empty (at exit). */
void		 cgroup_fini(void);
/* 1 once cgroup_init found a usable cgroup2 and made the base. */
int		 cgroup_enabled(void);
/* The base directory (absolute path in the cgroup2 mount), or NULL. */
const char	*cgroup_base(void);
/* The CGROUP_* bits the children's cgroups have. */
int		 cgroup_controllers(void);
/*
 * For --check and the start: the CGROUP_* bits the spec's keys need;
 * the name of the first of them that would have no effect (mode off, no
 * cgroup2, or not delegated) in *missing and the reason in *why, else NULL.
 */
int		 cgroup_spec_wants(const struct spec *);
void		 cgroup_probe_missing(int off, int wants, const char **missing,
		    const char **why);
/*
 * Make name's cgroup (a leftover one is emptied first) and write the
 * spec's limits; returns its path and *procs_fd, cgroup.procs opened for
 * writing (close-on-exec), or NULL and *cause.
 */
char		*cgroup_child_create(const char *name, const struct spec *,
		    int *procs_fd, char **cause);
/* 1 if processes are left in path's cgroup, 0 if none, -1 unreadable. */
int		 cgroup_populated(const char *path);
/* SIGKILL everything in path's cgroup (cgroup.kill); -1 and errno. */
int		 cgroup_kill(const char *path);
/* rmdir path; quiet when it is gone already. */
void		 cgroup_remove(const char *path);
/* cpu.stat usage_usec and memory.current (-1: not there); -1 if none. */
int		 cgroup_usage(const char *path, int64_t *cpu_usec,
		    int64_t *memory_bytes);
/*
 * A change of a child cgroup's cgroup.events (populated 1 -> 0) makes
 * cgroup_watch_fd readable: proc.c waits for a cgroup to empty without a
 * poll.  watch_add returns the watch (> 0) or -1 (then poll).
 */
int		 cgroup_watch_fd(void);
int		 cgroup_watch_add(const char *path);
void		 cgroup_watch_remove(int wd);
/* Read what the fd holds; the caller rechecks its cgroups. */
void		 cgroup_watch_drain(void);
/* True if path is a child cgroup in this supd's base (a reexec's carry). */
int		 cgroup_path_ok(const char *path);

#endif /* CGROUP_H */
