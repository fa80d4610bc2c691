/*
 * cmd-events.c — `supctl events`: the event history, then with --follow
 * live events as supd streams them ("continues"), one line each, flushed
 * at once so a pipe sees every event as it happens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "supctl.h"
#include "varlink.h"

static int	cmd_events_exec(const struct cmd_entry *, struct args *);

/* A follower whose connection ends tries this often to connect again. */
#define CMD_EVENTS_RECONNECTS	10
#define CMD_EVENTS_RECONNECT_MS	100

static long long	cmd_events_last = -1;	/* the last seq printed */

static const struct cmd_option cmd_events_options[] = {
	{ "follow", 'f', 0 },
	{ "since", 's', 1 },
	{ NULL, 0, 0 }
};

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.usage = "events [--follow] [--since SEQ] [NAME...]",
	.summary = "the event history, then live events with --follow",
	.help =
	    "Print the events supd kept (all, those after SEQ, or those about "
	    "the NAMEs), one\n"
	    "a line: SEQ TIME EVENT NAME and the event's fields as key=value.  "
	    "Events: start,\n"
	    "ready, exit, start_failed, restart, stop, spawn, remove, "
	    "intensity, reload,\n"
	    "shutdown.  With --json, one JSON object a line (seq, time in unix "
	    "ms, event,\n"
	    "name, and the event's fields).\n"
	    "\n"
	    "  -f, --follow      then print events as they happen, until "
	    "interrupted;\n"
	    "                    across a reexec it connects again and goes "
	    "on after the\n"
	    "                    last seq it printed\n"
	    "  -s, --since SEQ   only events after sequence number SEQ; seqs "
	    "are never\n"
	    "                    reused, so --since the last seen seq loses "
	    "nothing\n",
	.options = cmd_events_options,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_events_exec,
};

/* The fields after SEQ TIME EVENT NAME, as key=value; strings with spaces quoted. */
static void
cmd_events_fields(json_t *ev)
{
	const char	*key, *s;
	json_t		*v;
	char		*d;

	json_object_foreach(ev, key, v) {
		if (strcmp(key, "seq") == 0 || strcmp(key, "time") == 0 ||
		    strcmp(key, "event") == 0 || strcmp(key, "name") == 0)
			continue;
		s = json_string_value(v);
		if (s != NULL && *s != '\0' && strpbrk(s, " \t\n\"\\=") == NULL) {
			printf(" %s=%s", key, s);
			continue;
		}
		d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf(" %s=%s", key, d != NULL ? d : "?");
		free(d);
	}
}

static void
cmd_events_print(json_t *ev)
{
	const char	*event, *name;
	char		 when[64];

	cmd_events_last = (long long)json_integer_value(json_object_get(ev,
	    "seq"));
	if (supctl_json) {
		output_json(ev);
		return;
	}
	event = json_string_value(json_object_get(ev, "event"));
	name = json_string_value(json_object_get(ev, "name"));
	output_time(when, sizeof when,
	    json_integer_value(json_object_get(ev, "time")));
	printf("%lld %s %-12s %s", (long long)json_integer_value(
	    json_object_get(ev, "seq")), when, event != NULL ? event : "?",
	    name != NULL ? name : "-");
	cmd_events_fields(ev);
	putchar('\n');
	fflush(stdout);
}

/* Send the Events call: after since (-1: all), names as given. */
static void
cmd_events_call(const struct cmd_entry *ce, struct args *args,
    long long since, int follow)
{
	json_t	*params = json_object();

	if (since >= 0)
		json_object_set_new(params, "since", json_integer(since));
	if (args->argc > 0)
		json_object_set_new(params, "names", args_positional(args, 0));
	if (follow)
		json_object_set_new(params, "follow", json_true());
	cmd_connect(ce, args);
	if (follow) {
		client_timeout(0);
		/* a reexec closes followers: connect again, go on after the last */
		client_allow_eof();
	}
	/* one reply per event: "more" even for the history alone */
	client_send(PROTO_METHOD("Events"), params, VARLINK_MORE);
}

static int
cmd_events_exec(const struct cmd_entry *ce, struct args *args)
{
	json_t		*reply, *ev;
	const char	*since;
	long long	 seq = -1;
	int		 more, rc, tries = 0, follow = args_has(args, 'f');

	if ((since = args_get(args, 's')) != NULL &&
	    cmd_parse_int(since, &seq, INT64_MAX) == -1)
		return (cmd_usage_error(ce, "--since wants a sequence number, "
		    "not \"%s\"", since));
	cmd_events_call(ce, args, seq, follow);
	do {
		if ((rc = client_recv(&reply, &more)) == -1)
			return (EXIT_FAILED);
		if (rc == 1) {
			/*
			 * supd hung up: a reexec (the socket takes the next
			 * connection at once), or its end (connecting fails:
			 * client_open says so and exits 3).
			 */
			client_close();
			if (++tries > CMD_EVENTS_RECONNECTS)
				client_fatal("%s: supd closed the connection",
				    supctl_socket_path());
			if (tries > 1)
				usleep(CMD_EVENTS_RECONNECT_MS * 1000);
			cmd_events_call(ce, args, cmd_events_last >= 0 ?
			    cmd_events_last : seq, follow);
			more = 1;
			continue;
		}
		ev = json_object_get(reply, "event");
		/* the stream may end with a reply that carries no event */
		if (json_is_object(ev) && json_object_size(ev) > 0) {
			cmd_events_print(ev);
			tries = 0;
		}
	} while (more);
	return (EXIT_OK);
}
