/*
 * tree.h — the running supervision tree: one struct node per supervisor,
 * dynamic supervisor or worker, children in start order, and the registry
 * (every name, static and dynamic, in one hash).  The policy changes node
 * states; the runtime fills in pids.  No OS headers: unit tests link it.
 */
#ifndef TREE_H
#define TREE_H

#include <stdint.h>
#include <sys/queue.h>
#include <uthash.h>

#include "spec.h"

#define NAME_MAX_LEN	64

enum node_state {
	NODE_STOPPED,	/* not running, spec kept: never started or `supctl stop` */
	NODE_STARTING,	/* start asked for, not yet started (exec or READY=1) */
	NODE_RUNNING,
	NODE_STOPPING,
	NODE_EXITED,	/* exited by itself and not restarted (transient, normal) */
	NODE_FAILED,	/* failed to start, or its supervisor gave up on it */
};

struct node;
TAILQ_HEAD(node_list, node);

/*
 * One restart window: the second of each restart still inside it, in a
 * ring that grows with what the window holds (up to max_restarts + 1), so
 * max_restarts = 100000000 costs what the restarts in max_seconds need.
 */
struct window {
	int64_t		*at;
	int		 cap;
	int		 len;
	int		 head;		/* index of the oldest */
};
/* policy-window.c: an empty window for a supervisor's max_restarts. */
void	window_init(struct window *, int max_restarts);
/* Append one more restart's second, oldest first (a reexec's snapshot). */
void	window_push(struct window *, int max_restarts, int64_t at);

struct pending;				/* policy.c: events waiting for a busy supervisor */
TAILQ_HEAD(pending_list, pending);

struct step;				/* policy.c: a supervisor's operation in progress */
struct membership;			/* tree.c: one node in one process group */

/* What a supervisor node carries besides what every node has. */
struct sup {
	struct window	*windows;	/* one per partition (1 unless dynamic) */
	int		 nwindows;
	int		 nchildren;

	/* the operation in progress (policy.c): a list of steps and what follows */
	struct step	*steps;
	int		 nsteps, cursteps, capsteps;
	int		 op;		/* enum op_kind in policy.c; 0: idle */
	int		 op_reason;	/* enum stop_reason in policy.c, for stops */
	char		*gave_up;	/* why it last gave up (for the exit line), or NULL */
	struct node	*waiting;	/* the child whose start or stop the op waits for */
	int		 waiting_count;	/* children a parallel stop still waits for */
	void		*op_tag;	/* the command's tag, answered by ACT_DONE */
	int		 op_cmd;	/* the command's enum policy_evt */
	int		 op_partition;	/* a partition's stop: which one; -1 all */
	struct node	*op_node;	/* the child the op is about (restart, command) */
	struct pending_list pending;	/* exits and commands queued while busy */
};

/* What `supctl spawn` added to a dynamic child's template. */
struct node_extra {
	char			**argv;		/* NULL-terminated or NULL */
	char			**env;		/* "KEY=VALUE", NULL-terminated or NULL */
	char			**groups;	/* NULL-terminated or NULL */
};
#define node_extra_argv(n)	((n)->extra != NULL ? (n)->extra->argv : NULL)
#define node_extra_env(n)	((n)->extra != NULL ? (n)->extra->env : NULL)
#define node_extra_groups(n)	((n)->extra != NULL ? (n)->extra->groups : NULL)

/* What a few nodes have, each the data of one file (tree_aux). */
struct node_aux {
	void			*live;		/* watchdog and health checks (liveness.c) */
	void			*sockets;	/* the sockets supd holds for it (listen.c) */
	void			*fdstore;	/* the fds it stored (fdstore.c) */
};
#define node_aux_get(n, f)	((n)->aux != NULL ? (n)->aux->f : NULL)

struct node {
	/* flags */
	unsigned char		 dynamic;	/* a child of a dynamic supervisor */
	unsigned char		 task;		/* started by `supctl run` */
	unsigned char		 doomed;	/* removed once stopped (a cancelled spawn or stop) */
	enum node_kind		 kind;
	const struct spec	*spec;		/* a dynamic child's is its supervisor's template */
	struct node		*parent;	/* NULL for the root */
	struct node_list	 children;	/* start order */
	TAILQ_ENTRY(node)	 sibling;
	struct sup		*sup;		/* supervisors and dynamic supervisors only */

	enum node_state		 state;
	int			 pid;		/* 0: none (filled in by the runtime) */
	uint64_t		 incarnation;	/* bumped at every start */
	int			 restarts;	/* since supd started */
	int			 partition;	/* dynamic children: hash(name) % partitions */
	int			 last_exit_code;	/* -1: none (the runtime's) */
	int			 last_exit_signal;	/* 0: none (the runtime's) */

	/* restart backoff (policy-backoff.c), monotonic ms of the policy's clock */
	int64_t			 backoff_at;	/* the delayed restart is due; 0: none pending */
	int64_t			 backoff_ms;	/* the last delay given; 0: none since a reset */
	int64_t			 run_since;	/* when it last became running */
	int64_t			 ran_ms;	/* how long it ran before its last exit */

	/* dynamic children: what `supctl spawn` added (tree_set_extra) */
	struct node_extra	*extra;		/* NULL: nothing */

	/* filled in by the runtime (and pid, last_exit_code, last_exit_signal above) */
	int64_t			 started_at;	/* unix ms of the last start */
	void			*rt;		/* the runtime's own data (proc.c) */
	struct node_aux		*aux;		/* NULL: none of node_aux's */
	struct membership	*memberships;	/* tree.c: the groups it has joined */

	UT_hash_handle		 hh;		/* the registry, by name */
	/* its bytes only (at most NAME_MAX_LEN): not 65 for every node */
	char			 name[];
};

/* Build the running tree from a valid config; every node registered. */
struct node	*tree_build(const struct config *);
/* Free a whole subtree (unregisters every node in it). */
void		 tree_free(struct node *);
/* The node registered under name, or NULL.  O(1). */
struct node	*tree_find(const char *name);
/* Register a new dynamic child of sup (not started); NULL if the name is taken. */
struct node	*tree_add_dynamic(struct node *sup, const char *name);
/*
 * Reload: register a node for spec (not started) as a child of parent,
 * right after the sibling after (first if NULL); NULL if the name is taken.
 */
struct node	*tree_add_static(struct node *parent, const struct spec *,
		    struct node *after);
/* Move n right after its sibling after (first if NULL). */
void		 tree_move_after(struct node *n, struct node *after);
/* Leave every group, then join those of n->spec and node_extra_groups. */
void		 tree_regroup(struct node *);
/* Unlink a node from its parent and the registry; the caller frees it. */
void		 tree_unlink(struct node *);
/* Free one unlinked node (and any children it still holds). */
void		 tree_node_free(struct node *);
/* The pre-order successor of n in the subtree under root, or NULL. */
struct node	*tree_next(const struct node *root, struct node *n);
/* Number of registered names. */
unsigned int	 tree_count(void);
/* The registry's first node, for walks (HASH order, not tree order). */
struct node	*tree_registry(void);

/*
 * Process groups (:pg): a node is a member of the groups its spec and its
 * node_extra_groups name from tree_build / tree_add_dynamic until it is freed;
 * a member counts as running while its pid is non-zero.  Calls fn for each
 * member of group (file order for static, spawn order for dynamic) and
 * returns how many there were; fn may be NULL to count.
 */
int		 tree_group_each(const char *group, void (*fn)(struct node *, void *), void *arg);
/*
 * Give n what a spawn added (the vectors are n's from now on; all NULL: no
 * block), freeing what it had, and join the groups.
 */
void		 tree_set_extra(struct node *n, char **argv, char **env,
		    char **groups);
/* n's node_aux, made at the first call; tree_aux_trim frees it once empty. */
struct node_aux	*tree_aux(struct node *n);
void		 tree_aux_trim(struct node *n);
/* Join node to the groups in node_extra_groups (call after setting them). */
void		 tree_group_join_extra(struct node *);

const char	*tree_state_name(enum node_state);
const char	*tree_kind_name(enum node_kind);
/* Which partition a dynamic child's name falls in. */
int		 tree_partition(const char *name, int partitions);

#endif /* TREE_H */
