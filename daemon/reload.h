/*
 * reload.h — `supctl reload` and SIGHUP: the configuration file read and
 * checked again, then the difference applied to the running tree, one
 * command at a time (removals, restarts of changed workers, additions).
 */
#ifndef RELOAD_H
#define RELOAD_H

#include <jansson.h>

struct config;

/*
 * How it ended: result (stolen, or NULL) lists what was added, removed and
 * changed; errors (borrowed, NULL-terminated, or NULL) are the file's
 * errors ("FILE:LINE: ..."), or why nothing was done; busy is set when
 * another reload was in progress.
 */
typedef void (*reload_done_fn)(json_t *result, char **errors, int busy,
	    void *arg);

/* settle applies supd's command line and defaults to a loaded config. */
void	reload_init(void (*settle)(struct config *));
/*
 * Read the file again; with check, only say what would change.  done
 * (may be NULL) is called once, maybe before this returns.
 */
void	reload_begin(int check, reload_done_fn done, void *arg);
/* The caller of a reload in progress went away: do not call it back. */
void	reload_forget(void *arg);
/* At exit: free the configurations earlier reloads replaced. */
void	reload_free(void);

#endif /* RELOAD_H */
