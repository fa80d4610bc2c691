/*
 * cmd-run.c — tasks: `supctl run` starts a temporary child whose result
 * supd keeps, `supctl await` waits for that result.  With --wait (run) and
 * in await, supctl exits with the task's status, as a shell would; --wait
 * shows the task's output meanwhile, from a Logs follow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "supctl.h"
#include "varlink.h"

static int	cmd_run_exec(const struct cmd_entry *, struct args *);
static int	cmd_await_exec(const struct cmd_entry *, struct args *);

static const struct cmd_option cmd_run_options[] = {
	{ "name", 'n', 1 },
	{ "wait", 'w', 0 },
	{ "timeout", 't', 1 },
	{ "env", 'e', 1 },
	{ "quiet", 'q', 0 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "run SUP [--name N] [--wait [--quiet]] [--timeout SEC] "
	    "[--env K=V]... [-- ARG...]",
	.summary = "start a task (a temporary child whose result is kept)",
	.help =
	    "Start a task of dynamic supervisor SUP: a temporary child from its "
	    "template,\n"
	    "ARGs appended as words of their own, whose exit status supd keeps "
	    "as its result.\n"
	    "Without --wait, prints the task's name (generated unless --name) "
	    "once it is\n"
	    "started; with --json, {name, pid}.  A template /bin/sh -c takes "
	    "one ARG, a\n"
	    "shell line; /bin/sh -c 'exec \"$@\"' sh runs the ARGs as a "
	    "command and its\n"
	    "arguments, each as it is.\n"
	    "\n"
	    "  -n, --name N      register the task as N\n"
	    "  -w, --wait        print the task's stdout and stderr (to supctl's "
	    "own) as it\n"
	    "                    runs, then exit with its status: its exit code, "
	    "or 128+N\n"
	    "                    when signal N killed it; with --json print its "
	    "result (a\n"
	    "                    TaskResult) instead, and no output\n"
	    "  -q, --quiet       with --wait: print the task's name, not its "
	    "output\n"
	    "  -t, --timeout SEC supd stops the task after SEC seconds (decimals "
	    "allowed);\n"
	    "                    with --wait, a task stopped so makes supctl say\n"
	    "                    \"task N timed out after SEC s\" and exit 124, "
	    "as timeout(1)\n"
	    "  -e, --env K=V     set K to V in the task's environment\n",
	.options = cmd_run_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_EXTRA | CMD_LONG,
	.exec = cmd_run_exec,
};

static const struct cmd_option cmd_await_options[] = {
	{ "timeout", 't', 1 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_await_entry = {
	.name = "await",
	.usage = "await NAME [--timeout SEC]",
	.summary = "wait for a task's result and exit with its status",
	.help =
	    "Wait for task NAME to finish (at once if it has) and exit with its "
	    "status: its\n"
	    "exit code, or 128+N when signal N killed it; 124 if its own "
	    "timeout stopped it;\n"
	    "1 if it failed to start.  Prints nothing; with --json, its "
	    "TaskResult.\n"
	    "\n"
	    "  -t, --timeout SEC give up after SEC seconds: \"timed out\", exit 1\n",
	.options = cmd_await_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_LONG,
	.exec = cmd_await_exec,
};

/* The exit status a TaskResult stands for. */
static int
cmd_run_status(json_t *result, const char *name, const char *timeout)
{
	const char	*state, *reason;
	json_t		*v;

	state = json_string_value(json_object_get(result, "state"));
	if (state != NULL && strcmp(state, "failed") == 0) {
		/* it never ran: no status of its own, so supctl's "it failed" */
		reason = json_string_value(json_object_get(result, "reason"));
		client_warn("task %s failed to start: %s", name,
		    reason != NULL ? reason : "unknown reason");
		return (EXIT_FAILED);
	}
	if (json_is_true(json_object_get(result, "timed_out"))) {
		if (timeout != NULL)
			client_warn("task %s timed out after %s s", name,
			    timeout);
		else
			client_warn("task %s timed out", name);
		return (EXIT_TIMEDOUT);
	}
	if (json_is_integer(v = json_object_get(result, "exit_status")))
		return ((int)(json_integer_value(v) & 0xff));
	if (json_is_integer(v = json_object_get(result, "signal")))
		return ((int)((128 + json_integer_value(v)) & 0xff));
	if (json_is_integer(v = json_object_get(result, "code")))
		return ((int)(json_integer_value(v) & 0xff));
	client_warn("task %s has no result yet", name);
	return (EXIT_FAILED);
}

/* Await name on the open connection; ms < 0: no timeout. */
static int
cmd_run_await(const char *name, long long ms, const char *timeout)
{
	json_t	*params, *reply, *result;

	params = json_pack("{s:s}", "name", name);
	if (ms >= 0) {
		json_object_set_new(params, "timeout", json_integer(ms));
		/* supd answers Timeout itself; the margin is for a hung supd */
		client_timeout(supctl_timeout() == 0 ? 0 :
		    (int)(ms / 1000) + supctl_timeout());
	} else
		client_timeout(0);
	if (client_call(PROTO_METHOD("Await"), params, &reply) != 0)
		return (EXIT_FAILED);
	result = json_object_get(reply, "result");
	if (supctl_json)
		output_json(result != NULL ? result : reply);
	return (cmd_run_status(result, name, timeout));
}

/*
 * The task's output as it runs: a Logs follow that supd ends once the task
 * is gone and its file read, its lines back on stdout and stderr.  Lines
 * from before since_us are an earlier task's of the same name.
 */
static int
cmd_run_stream(const char *name, int64_t since_us)
{
	struct logline	 ll;
	json_t		*reply, *line;
	const char	*s;
	size_t		 i;
	int		 more;

	client_timeout(0);
	client_send(PROTO_METHOD("Logs"), json_pack("{s:s, s:i, s:b, s:b}",
	    "name", name, "lines", 100000, "follow", 1, "until_exit", 1),
	    VARLINK_MORE);
	do {
		if (client_recv(&reply, &more) != 0)
			return (-1);
		json_array_foreach(json_object_get(reply, "lines"), i, line) {
			if ((s = json_string_value(line)) == NULL)
				continue;
			if (logline_parse(s, &ll) == 0 && ll.us < since_us)
				continue;
			if (ll.stream == LOGLINE_ERR || ll.stream == LOGLINE_SUPD) {
				fflush(stdout);
				fprintf(stderr, "%s\n", ll.text);
			} else
				printf("%s\n", ll.text);
		}
		fflush(stdout);
	} while (more);
	return (0);
}

static int
cmd_run_exec(const struct cmd_entry *ce, struct args *args)
{
	int64_t		 t0;
	json_t		*params, *reply;
	const char	*name, *timeout;
	long long	 ms;
	char		*task;
	int		 rc;

	params = json_pack("{s:s}", "supervisor", args->argv[0]);
	if ((name = args_get(args, 'n')) != NULL &&
	    cmd_check_name(ce, "name", name) == -1)
		goto usage;
	if ((timeout = args_get(args, 't')) != NULL) {
		if (cmd_parse_seconds(timeout, &ms) == -1 || ms == 0) {
			cmd_usage_error(ce, "--timeout wants a number of "
			    "seconds above 0, not \"%s\"", timeout);
			goto usage;
		}
		json_object_set_new(params, "timeout", json_integer(ms));
	}
	if (cmd_spawn_check(ce, args) == -1)
		goto usage;
	if (name != NULL)
		json_object_set_new(params, "name", json_string(name));
	if (args->nextra > 0)
		json_object_set_new(params, "args", cmd_spawn_extra(args));
	if (args_has(args, 'e'))
		json_object_set_new(params, "env", args_array(args, 'e'));
	if (args_has(args, 'q') && !args_has(args, 'w'))
		return (cmd_usage_error(ce, "--quiet goes with --wait"));
	cmd_connect(ce, args);
	/* the clock's resolution is the read's: a millisecond of slack */
	t0 = (output_now_ms() - 1) * 1000;
	if (client_call(PROTO_METHOD("Run"), params, &reply) != 0)
		return (EXIT_FAILED);
	if ((name = json_string_value(json_object_get(reply, "name"))) == NULL) {
		client_warn("supd's reply names no task");
		return (EXIT_FAILED);
	}
	if (!args_has(args, 'w')) {
		if (supctl_json)
			output_json(reply);
		else
			printf("%s\n", name);
		return (EXIT_OK);
	}
	if (!supctl_json && args_has(args, 'q')) {
		printf("%s\n", name);
		fflush(stdout);
	}
	/* the reply is freed by the next call */
	if ((task = strdup(name)) == NULL)
		return (EXIT_FAILED);
	if (!supctl_json && !args_has(args, 'q') &&
	    cmd_run_stream(task, t0) == -1) {
		free(task);
		return (EXIT_FAILED);
	}
	rc = cmd_run_await(task, -1, timeout);
	free(task);
	return (rc);
usage:
	json_decref(params);
	return (EXIT_USAGE);
}

static int
cmd_await_exec(const struct cmd_entry *ce, struct args *args)
{
	const char	*timeout;
	long long	 ms = -1;

	if ((timeout = args_get(args, 't')) != NULL &&
	    cmd_parse_seconds(timeout, &ms) == -1)
		return (cmd_usage_error(ce, "--timeout wants a number of "
		    "seconds, not \"%s\"", timeout));
	cmd_connect(ce, args);
	return (cmd_run_await(args->argv[0], ms, NULL));
}
