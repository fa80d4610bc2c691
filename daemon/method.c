/*
 * method.c — the method table and what every call goes through once:
 * lookup (MethodNotFound, InterfaceNotFound), access by role
 * (PermissionDenied), unknown parameters (InvalidParameter), counting for
 * Metrics, and the life of a call that waits.  Handlers live in method-*.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "method.h"
#include "proto.h"
#include "store.h"
#include "util.h"
#include "varlink.h"

extern struct method	method_getinfo_entry, method_getinterfacedescription_entry;
extern struct method	method_status_entry, method_tree_entry, method_inspect_entry;
extern struct method	method_start_entry, method_stop_entry, method_restart_entry;
extern struct method	method_signal_entry;
extern struct method	method_spawn_entry, method_whereis_entry, method_members_entry;
extern struct method	method_run_entry, method_await_entry;
extern struct method	method_events_entry, method_logs_entry;
extern struct method	method_metrics_entry, method_reload_entry, method_reexec_entry;
extern struct method	method_shutdown_entry;

struct method *method_table[] = {
	&method_getinfo_entry,
	&method_getinterfacedescription_entry,
	&method_status_entry,
	&method_tree_entry,
	&method_inspect_entry,
	&method_start_entry,
	&method_stop_entry,
	&method_restart_entry,
	&method_signal_entry,
	&method_spawn_entry,
	&method_run_entry,
	&method_await_entry,
	&method_whereis_entry,
	&method_members_entry,
	&method_events_entry,
	&method_logs_entry,
	&method_metrics_entry,
	&method_reload_entry,
	&method_reexec_entry,
	&method_shutdown_entry,
	NULL
};


void
method_init(void)
{
	struct method	**m;
	const char	*dot;
	int		 i;

	/* the IDL (via proto.c, held to it by test-idl) and the table agree */
	for (i = 0; proto_methods[i] != NULL; i++)
		if (method_find(proto_methods[i]) == NULL)
			fatal("method %s is in the IDL but has no handler",
			    proto_methods[i]);
	for (m = method_table; *m != NULL; m++) {
		dot = strrchr((*m)->name, '.');
		if (strncmp((*m)->name, PROTO_INTERFACE ".",
		    sizeof PROTO_INTERFACE) == 0 && !proto_method_known((*m)->name))
			fatal("method %s has a handler but is not in the IDL",
			    (*m)->name);
		if (dot == NULL)
			fatal("method %s has no interface", (*m)->name);
	}
}

struct method *
method_find(const char *name)
{
	struct method	**m;

	for (m = method_table; *m != NULL; m++)
		if (strcmp((*m)->name, name) == 0)
			return (*m);
	return (NULL);
}

/* Not a method of ours: is it the interface or the method that is unknown? */
static int
method_unknown(struct call *c, const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 len = dot != NULL ? (size_t)(dot - name) : 0;

	if (dot != NULL &&
	    !(len == strlen(PROTO_INTERFACE) &&
	    strncmp(name, PROTO_INTERFACE, len) == 0) &&
	    !(len == strlen(PROTO_SERVICE) &&
	    strncmp(name, PROTO_SERVICE, len) == 0)) {
		c->error = VL_INTERFACE_NOT_FOUND;
		c->error_params = json_pack("{s:s%}", "interface", name, len);
		return (CALL_DONE);
	}
	return (call_fail(c, VL_METHOD_NOT_FOUND, "{s:s}", "method", name));
}

static int
method_allowed(const struct method *m, enum role role)
{
	if (m->flags & M_OPEN)
		return (1);
	switch (role) {
	case ROLE_ADMIN:
		return (1);
	case ROLE_READ:
		return ((m->flags & M_READ) != 0);
	default:
		return (0);
	}
}

/* A parameter the method does not take is refused, as systemd's varlink does. */
static const char *
method_unknown_param(const struct method *m, json_t *params)
{
	const char		*key;
	const char *const	*p;
	json_t			*v;

	json_object_foreach(params, key, v) {
		for (p = m->params; p != NULL && *p != NULL; p++)
			if (strcmp(*p, key) == 0)
				break;
		if (p == NULL || *p == NULL)
			return (key);
	}
	return (NULL);
}

int
method_dispatch(struct call *c, const char *name)
{
	struct method	*m;
	const char	*bad;
	int		 rc;

	if ((m = method_find(name)) == NULL)
		return (method_unknown(c, name));
	c->method = m;
	m->calls++;
	if (!method_allowed(m, c->role))
		return (call_fail(c, SUPD_PERMISSION_DENIED, "{s:s}", "method",
		    name));
	if ((bad = method_unknown_param(m, c->params)) != NULL)
		return (call_invalid(c, bad));
	if (loop_shutting_down && !(m->flags & (M_READ | M_OPEN)) &&
	    strcmp(name, PROTO_METHOD("Shutdown")) != 0)
		return (call_fail(c, SUPD_SHUTTING_DOWN, "{}"));
	c->dispatching = 1;
	rc = m->call(c);
	c->dispatching = 0;
	if (rc == CALL_WAIT && c->finished)
		rc = CALL_DONE;	/* answered before its handler returned */
	return (rc);
}

struct call *
call_new(struct client *cl, enum role role, json_t *params, int flags)
{
	struct call	*c;

	c = xcalloc(1, sizeof *c);
	c->client = cl;
	c->role = role;
	c->params = json_incref(params);
	c->more = (flags & VARLINK_MORE) != 0;
	c->oneway = (flags & VARLINK_ONEWAY) != 0;
	return (c);
}

void
call_free(struct call *c)
{
	if (c == NULL)
		return;
	if (c->method != NULL && c->error != NULL)
		c->method->failures++;
	json_decref(c->params);
	json_decref(c->reply);
	free(c->reply_text);
	json_decref(c->error_params);
	free(c);
}

int
call_fail(struct call *c, const char *error, const char *fmt, ...)
{
	va_list	ap;

	json_decref(c->error_params);
	json_decref(c->reply);
	c->reply = NULL;
	free(c->reply_text);
	c->reply_text = NULL;
	c->error = error;
	va_start(ap, fmt);
	c->error_params = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	if (c->error_params == NULL)
		c->error_params = json_object();
	return (CALL_DONE);
}

int
call_invalid(struct call *c, const char *parameter)
{
	return (call_fail(c, VL_INVALID_PARAMETER, "{s:s}", "parameter",
	    parameter));
}

int
call_ok(struct call *c, json_t *reply)
{
	json_decref(c->reply);
	free(c->reply_text);
	c->reply_text = NULL;
	c->reply = reply != NULL ? reply : json_object();
	return (CALL_DONE);
}

static const char	call_text_head[] = "{\"parameters\":";

void
call_text_begin(struct jtext *t)
{
	memset(t, 0, sizeof *t);
	jtext_add(t, call_text_head, sizeof call_text_head - 1);
}

int
call_ok_text(struct call *c, struct jtext *t)
{
	json_decref(c->reply);
	c->reply = NULL;
	free(c->reply_text);
	jtext_add(t, "}", 1);
	/* and a byte for the NUL, so the server sends it without a copy */
	jtext_room(t, 1);
	c->reply_text = t->buf;
	c->reply_len = t->len;
	memset(t, 0, sizeof *t);
	return (CALL_DONE);
}

/* The member, or NULL when absent or null. */
static json_t *
call_param(struct call *c, const char *key)
{
	json_t	*v = json_object_get(c->params, key);

	return (v == NULL || json_is_null(v) ? NULL : v);
}

int
call_str(struct call *c, const char *key, int required, const char **out)
{
	json_t	*v = call_param(c, key);

	if (v == NULL && !required)
		return (0);
	if (v == NULL || !json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		call_invalid(c, key);
		return (-1);
	}
	*out = json_string_value(v);
	return (0);
}

int
call_int(struct call *c, const char *key, int required, json_int_t *out)
{
	json_t	*v = call_param(c, key);

	if (v == NULL && !required)
		return (0);
	if (v == NULL || !json_is_integer(v)) {
		call_invalid(c, key);
		return (-1);
	}
	*out = json_integer_value(v);
	return (0);
}

int
call_bool(struct call *c, const char *key, int *out)
{
	json_t	*v = call_param(c, key);

	if (v == NULL)
		return (0);
	if (!json_is_boolean(v)) {
		call_invalid(c, key);
		return (-1);
	}
	*out = json_is_true(v);
	return (0);
}

int
call_strv(struct call *c, const char *key, json_t **out)
{
	json_t	*v = call_param(c, key), *s;
	size_t	 i;

	*out = NULL;
	if (v == NULL)
		return (0);
	if (!json_is_array(v))
		goto bad;
	json_array_foreach(v, i, s) {
		/* a NUL inside would cut the string short where C reads it */
		if (!json_is_string(s) ||
		    strlen(json_string_value(s)) != json_string_length(s))
			goto bad;
	}
	*out = v;
	return (0);
bad:
	call_invalid(c, key);
	return (-1);
}

int
call_stream(struct call *c, json_t *params)
{
	json_t	*msg;

	if (c->client == NULL || c->oneway) {
		json_decref(params);
		return (c->client == NULL ? -1 : 0);
	}
	msg = json_pack("{s:o, s:b}", "parameters", params, "continues", 1);
	return (server_send(c->client, msg, 1));
}

int
call_stream_text(struct call *c, const char *key, const char *json, size_t len)
{
	static const char	 tail[] = "},\"continues\":true}";
	char			*msg;
	size_t			 klen = strlen(key), n;
	int			 rc;

	if (c->client == NULL || c->oneway)
		return (c->client == NULL ? -1 : 0);
	/* {"parameters":{"KEY":JSON},"continues":true}: key is ours, no escaping */
	msg = xmalloc(sizeof "{\"parameters\":{\"\":" - 1 + klen + len +
	    sizeof tail);
	n = (size_t)sprintf(msg, "{\"parameters\":{\"%s\":", key);
	memcpy(msg + n, json, len);
	memcpy(msg + n + len, tail, sizeof tail);
	rc = server_send_text(c->client, msg, n + len + sizeof tail - 1, 1);
	free(msg);
	return (rc);
}

void
call_cut_off(struct call *c)
{
	if (c->client != NULL)
		server_cut_off(c->client);
}

int
call_stream_room(struct call *c)
{
	if (c->client == NULL)
		return (0);
	return (server_pending(c->client) < server_stream_high());
}

static void
call_command_done(struct command *cmd, struct node *n, enum cmd_outcome o,
    const char *detail)
{
	struct call	*c = (struct call *)((char *)cmd -
			    offsetof(struct call, cmd));

	c->command_done(c, n, o, detail);
	/* commit, then reply: server.c holds the reply until its batch is in */
	if (c->wants_commit && c->commit_ticket == 0)
		c->commit_ticket = store_ticket();
	if (c->commit_ticket != 0)
		store_want(c->commit_ticket);
	call_done(c);
}

int
call_command(struct call *c, enum policy_evt type, struct node *n,
    void (*done)(struct call *, struct node *, enum cmd_outcome, const char *))
{
	c->command_done = done;
	c->cmd.done = call_command_done;
	loop_command(type, n, &c->cmd);
	return (CALL_WAIT);
}

const char *
call_outcome_reason(enum cmd_outcome o, const char *detail)
{
	return (detail != NULL ? detail : policy_outcome_text(o));
}

void
call_done(struct call *c)
{
	if (c->dispatching) {
		/* still inside its handler: method_dispatch answers it */
		c->finished = 1;
		return;
	}
	if (c->client == NULL) {
		call_free(c);
		return;
	}
	server_call_over(c->client, c);
}


json_t *
call_string(const char *p, size_t n)
{
	json_t	*s;
	char	*out;
	size_t	 i, o = 0, len;

	if (p == NULL)
		return (json_null());
	if ((s = json_stringn(p, n)) != NULL)
		return (s);
	out = xmalloc(n * 3 + 1);
	for (i = 0; i < n; i += len) {
		if ((len = jtext_utf8((const unsigned char *)p + i,
		    n - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			len = 1;
			continue;
		}
		memcpy(out + o, p + i, len);
		o += len;
	}
	s = json_stringn(out, o);
	free(out);
	return (s != NULL ? s : json_string(""));
}

json_t *
call_pid(int pid)
{
	return (pid > 0 ? json_integer(pid) : json_null());
}
