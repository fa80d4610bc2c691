/*
 * fuzz-varlink.c — the control socket's input path: a byte stream is cut
 * into messages by the varlink framing (fed in chunks of a size the input
 * picks), each parsed as a call and dispatched through the real method
 * table against a running tree (fake-loop.c: the real policy, nothing
 * forked), in the role the input's first byte picks.  Replies are parsed
 * back as supctl would.  Reload and Reexec read files and exec: skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "events.h"
#include "fuzz.h"
#include "logs.h"
#include "method.h"
#include "proc.h"
#include "proto.h"
#include "store.h"
#include "tree.h"
#include "util.h"
#include "varlink.h"

int	fake_loop_drain(void);
void	fake_loop_boot(void);

static const char fuzz_ini[] =
	"[supd]\n"
	"socket = @DIR@/supd.sock\n"
	"state = @DIR@/state.db\n"
	"log_dir = @DIR@/log\n"
	"[supervisor:root]\n"
	"strategy = one_for_one\n"
	"max_restarts = 1000000\n"
	"max_seconds = 1\n"
	"[worker:web]\n"
	"parent = root\n"
	"command = /bin/true web\n"
	"groups = front\n"
	"[worker:once]\n"
	"parent = root\n"
	"restart = transient\n"
	"command = /bin/true once\n"
	"[supervisor:pipe]\n"
	"parent = root\n"
	"strategy = rest_for_one\n"
	"[worker:a]\n"
	"parent = pipe\n"
	"command = /bin/true a\n"
	"groups = front\n"
	"[worker:b]\n"
	"parent = pipe\n"
	"command = /bin/true b\n"
	"[dynamic:jobs]\n"
	"parent = root\n"
	"max_children = 20\n"
	"command = /bin/true job\n"
	"[dynamic:tasks]\n"
	"parent = root\n"
	"restart = temporary\n"
	"max_children = 20\n"
	"command = /bin/true task\n";

static char	fuzz_dir[] = "/tmp/supd-fuzz.XXXXXX";

static void
fuzz_cleanup(void)
{
	char	cmd[64];

	snprintf(cmd, sizeof cmd, "rm -rf %s", fuzz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz-varlink: could not remove %s\n", fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct config	*cf;
	char		 text[sizeof fuzz_ini + 512], **errors, *cause;
	const char	*s;
	size_t		 o = 0;

	(void)argc;
	(void)argv;
	if (mkdtemp(fuzz_dir) == NULL)
		fatal("mkdtemp: %s", fuzz_dir);
	atexit(fuzz_cleanup);
	for (s = fuzz_ini; *s != '\0'; ) {
		if (strncmp(s, "@DIR@", 5) == 0) {
			o += (size_t)snprintf(text + o, sizeof text - o, "%s",
			    fuzz_dir);
			s += 5;
		} else
			text[o++] = *s++;
	}
	text[o] = '\0';
	if ((cf = conf_load_text("fuzz.ini", fuzz_dir, text, o, &errors)) ==
	    NULL)
		fatal("fuzz.ini: %s", errors[0]);
	log_threshold = LOG_LVL_ERR + 1;	/* quiet */
	loop_ev = EV_DEFAULT;
	loop_conf = cf;
	loop_root = tree_build(cf);
	events_init(cf->history_max);
	method_init();
	if (logs_init(&cause) == -1)
		fatal("logs_init: %s", cause);
	if (store_open(cf->state, 0, cf->history_max, &cause) == -1)
		fatal("store_open: %s", cause);
	store_start(NULL, events_publish);
	fake_loop_boot();
	return (0);
}

static void
fuzz_reply(struct call *c)
{
	struct varlink_reply	 rp;
	const char		*why;
	json_t			*msg;
	char			*text;

	if (c->error != NULL)
		msg = json_pack("{s:s, s:O?}", "error", c->error, "parameters",
		    c->error_params);
	else
		msg = json_pack("{s:O?}", "parameters", c->reply);
	if (msg == NULL)
		abort();	/* a reply that is not JSON */
	if ((text = json_dumps(msg, JSON_COMPACT)) == NULL)
		abort();
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s -> %.300s\n", c->method != NULL ?
		    c->method->name : "?", text);
	if (varlink_reply_parse(text, strlen(text), &rp, &why) == -1)
		abort();	/* supctl could not read it */
	varlink_reply_clear(&rp);
	free(text);
	json_decref(msg);
}

static void
fuzz_call(enum role role, const struct varlink_request *rq)
{
	struct call	*c;
	const char	*m = rq->method;
	int		 rc;

	if (strcmp(m, PROTO_METHOD("Reload")) == 0 ||
	    strcmp(m, PROTO_METHOD("Reexec")) == 0)
		return;
	c = call_new(NULL, role, rq->params, rq->flags);
	if (method_dispatch(c, m) == CALL_DONE) {
		fuzz_reply(c);
		call_free(c);
	} else if (c->cancel != NULL) {
		/* what server.c does when the peer hangs up while it waits */
		c->cancel(c);
		call_free(c);
	}
	/* else a command holds it: its done callback frees it */
	rc = fake_loop_drain();
	ev_run(loop_ev, EVRUN_NOWAIT);	/* the store's commits come back */
	if (rc) {
		/* supd would exit (Shutdown): start the tree again */
		fake_loop_boot();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct varlink_rbuf	 rb;
	struct varlink_request	 rq;
	const char		*why;
	enum role		 role;
	char			*msg;
	size_t			 chunk, off, len;
	ssize_t			 took;
	int			 rc, done = 0;

	if (size < 2)
		return (0);
	role = (enum role)(data[0] % 3);
	chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	varlink_rbuf_init(&rb, 4096);
	for (off = 0; off < size && !done; ) {
		len = size - off < chunk ? size - off : chunk;
		if ((took = varlink_rbuf_feed(&rb, data + off, len)) == -1)
			abort();
		off += (size_t)took;
		while ((rc = varlink_next(&rb, &msg, &len)) == VARLINK_MSG) {
			if (varlink_request_parse(msg, len, &rq, &why) == -1) {
				if (why == NULL)
					abort();
				done = 1;	/* framing stops at a bad message */
				break;
			}
			fuzz_call(role, &rq);
			varlink_request_clear(&rq);
		}
		if (rc == VARLINK_TOO_LARGE)
			break;
		if (took == 0 && rc == VARLINK_NONE)
			abort();	/* full, yet no message: stuck */
	}
	varlink_rbuf_free(&rb);
	return (0);
}
