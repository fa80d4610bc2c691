/*
 * method-task.c — Run (a temporary child of a dynamic supervisor whose
 * exit status is kept as its result) and Await (that result, now or when
 * the task ends).  The results and timers themselves are task.c's.
 */
#include <stdio.h>

#include "events.h"
#include "loop.h"
#include "method.h"
#include "proto.h"
#include "store.h"
#include "task.h"

static int	method_run(struct call *);
static int	method_await(struct call *);

static const char *const method_run_params[] = {
	"supervisor", "name", "args", "env", "timeout", NULL
};
static const char *const method_await_params[] = { "name", "timeout", NULL };

struct method method_run_entry = {
	.name = PROTO_METHOD("Run"),
	.params = method_run_params,
	.call = method_run,
};

struct method method_await_entry = {
	.name = PROTO_METHOD("Await"),
	.flags = M_READ,
	.params = method_await_params,
	.call = method_await,
};

static void
method_run_done(struct call *c, struct node *n, enum cmd_outcome o,
    const char *detail)
{
	if (o != CMD_OK)
		task_failed(c->name, call_outcome_reason(o, detail));
	else if (n != NULL)
		task_running(c->name, n->pid);
	method_spawn_done(c, n, o, detail);
}

static int
method_run(struct call *c)
{
	const char	*sup, *name = NULL;
	char		 gen[NAME_MAX_LEN + 1];
	json_t		*args, *env;
	json_int_t	 timeout = 0;
	struct node	*n;

	if (call_str(c, "supervisor", 1, &sup) == -1 ||
	    call_str(c, "name", 0, &name) == -1 ||
	    call_strv(c, "args", &args) == -1 ||
	    call_strv(c, "env", &env) == -1 ||
	    call_int(c, "timeout", 0, &timeout) == -1)
		return (CALL_DONE);
	if (timeout < 0)
		return (call_invalid(c, "timeout"));
	if (name == NULL) {
		task_new_name(gen, sizeof gen);
		name = gen;
	}
	method_dynamic_add(c, sup, name, args, env, NULL, &n);
	if (n == NULL)
		return (CALL_DONE);
	n->task = 1;
	task_started(n, timeout);
	events_emit("spawn", n, json_pack("{s:s, s:b}", "supervisor", sup,
	    "task", 1));
	/*
	 * Its row is on disk before the reply, so await finds it after a
	 * restart; in trouble the task runs all the same, not promised.
	 */
	c->wants_commit = store_trouble() == NULL;
	return (call_command(c, EVT_SPAWN, n, method_run_done));
}

static int
method_await(struct call *c)
{
	const char	*name;
	json_int_t	 timeout = 0;

	if (call_str(c, "name", 1, &name) == -1 ||
	    call_int(c, "timeout", 0, &timeout) == -1)
		return (CALL_DONE);
	if (timeout < 0)
		return (call_invalid(c, "timeout"));
	return (task_await(c, name, timeout));
}
