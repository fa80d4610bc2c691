/*
 * method-reload.c — Reload: the configuration file read again (reload.c)
 * and answered once the difference is applied, or with the file's errors
 * (InvalidConfig) when nothing changed.
 */
#include <stdlib.h>

#include "loop.h"
#include "method.h"
#include "proto.h"
#include "reload.h"
#include "store.h"

static int	method_reload(struct call *);

static const char *const method_reload_params[] = { "check", NULL };

struct method method_reload_entry = {
	.name = PROTO_METHOD("Reload"),
	.params = method_reload_params,
	.call = method_reload,
};

static void
method_reload_done(json_t *result, char **errors, int busy, void *arg)
{
	struct call	*c = arg;
	json_t		*v;
	char		**e;

	if (busy)
		call_fail(c, SUPD_BUSY, "{s:s}", "name", "reload");
	else if (result == NULL) {
		v = json_array();
		for (e = errors; e != NULL && *e != NULL; e++)
			json_array_append_new(v, call_string(*e, strlen(*e)));
		call_fail(c, SUPD_INVALID_CONFIG, "{s:o}", "errors", v);
	} else {
		/* removed dynamic children's rows are gone from the disk too */
		if (!json_is_true(json_object_get(result, "check"))) {
			c->commit_ticket = store_ticket();
			store_want(c->commit_ticket);
		}
		call_ok(c, result);
	}
	c->cancel = NULL;
	call_done(c);
}

static void
method_reload_cancel(struct call *c)
{
	reload_forget(c);
}

static int
method_reload(struct call *c)
{
	int	check = 0;

	if (call_bool(c, "check", &check) == -1)
		return (CALL_DONE);
	if (loop_shutting_down)
		return (call_fail(c, SUPD_SHUTTING_DOWN, "{}"));
	c->cancel = method_reload_cancel;
	reload_begin(check, method_reload_done, c);
	return (CALL_WAIT);
}
