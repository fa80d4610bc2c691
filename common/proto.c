/*
 * proto.c — the names of io.supd.Supervisor's methods and errors, and an
 * English sentence for every error.  test-idl.c holds these lists against
 * the IDL; supd checks its method table against proto_methods at start.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

const char *const proto_methods[] = {
	PROTO_METHOD("Status"),
	PROTO_METHOD("Tree"),
	PROTO_METHOD("Inspect"),
	PROTO_METHOD("Start"),
	PROTO_METHOD("Stop"),
	PROTO_METHOD("Restart"),
	PROTO_METHOD("Signal"),
	PROTO_METHOD("Spawn"),
	PROTO_METHOD("Run"),
	PROTO_METHOD("Await"),
	PROTO_METHOD("Whereis"),
	PROTO_METHOD("Members"),
	PROTO_METHOD("Events"),
	PROTO_METHOD("Logs"),
	PROTO_METHOD("Metrics"),
	PROTO_METHOD("Reload"),
	PROTO_METHOD("Reexec"),
	PROTO_METHOD("Shutdown"),
	NULL
};

const char *const proto_errors[] = {
	SUPD_NOT_FOUND,
	SUPD_NOT_RUNNING,
	SUPD_NOT_A_WORKER,
	SUPD_ALREADY_STARTED,
	SUPD_MAX_CHILDREN,
	SUPD_NOT_DYNAMIC,
	SUPD_INVALID_NAME,
	SUPD_INVALID_SIGNAL,
	SUPD_START_FAILED,
	SUPD_TIMEOUT,
	SUPD_BUSY,
	SUPD_NOT_SUPPORTED,
	SUPD_PERMISSION_DENIED,
	SUPD_SHUTTING_DOWN,
	SUPD_COMMAND_FAILED,
	SUPD_INVALID_REQUEST,
	SUPD_REQUEST_TOO_LARGE,
	SUPD_TOO_MANY_CLIENTS,
	SUPD_OUTPUT_OVERFLOW,
	SUPD_STATE_UNAVAILABLE,
	SUPD_INVALID_CONFIG,
	NULL
};

int
proto_method_known(const char *name)
{
	int	i;

	for (i = 0; proto_methods[i] != NULL; i++)
		if (strcmp(proto_methods[i], name) == 0)
			return (1);
	return (0);
}

static char *
proto_printf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return (n == -1 ? NULL : s);
}

/* A string parameter, or "?" so a sentence never prints (null). */
static const char *
proto_str(const json_t *params, const char *key)
{
	const char	*s = json_string_value(json_object_get(params, key));

	return (s != NULL ? s : "?");
}

/* A method parameter without our interface's prefix: "Reload", not "io.supd.Supervisor.Reload". */
static const char *
proto_method_str(const json_t *params, const char *key)
{
	const char	*s = proto_str(params, key);

	if (strncmp(s, PROTO_INTERFACE ".", sizeof PROTO_INTERFACE) == 0)
		s += sizeof PROTO_INTERFACE;
	return (s);
}

/* An integer parameter; *has is 0 when absent or null. */
static long long
proto_int(const json_t *params, const char *key, int *has)
{
	json_t	*v = json_object_get(params, key);

	*has = json_is_integer(v);
	return (*has ? (long long)json_integer_value(v) : 0);
}

/* AlreadyStarted: by the child asked for, or by something else of that name. */
static char *
proto_already_started(const json_t *params)
{
	const char	*by = json_string_value(json_object_get(params, "held_by"));
	const char	*parent = proto_str(params, "parent");
	char		 pid[64] = "";
	long long	 n;
	int		 has;

	n = proto_int(params, "pid", &has);
	if (has)
		snprintf(pid, sizeof pid, " (pid %lld)", n);
	if (by == NULL)
		return (proto_printf("already started%s", pid));
	if (strcmp(by, "static") == 0)
		return (proto_printf("the name is taken by a static worker "
		    "under %s%s; choose another name", parent,
		    has ? pid : " (not running)"));
	if (strcmp(by, "supervisor") == 0 || strcmp(by, "dynamic") == 0)
		return (proto_printf("the name is taken by a %s; choose another "
		    "name", strcmp(by, "dynamic") == 0 ? "dynamic supervisor" :
		    "supervisor"));
	return (proto_printf("already started under %s%s", parent, pid));
}

/* Errors whose sentence is one format with at most one string parameter. */
static const struct {
	const char	*error;
	const char	*fmt;
	const char	*key;		/* NULL: no parameter */
} proto_sentences[] = {
	{ SUPD_NOT_FOUND, "no such child or supervisor: %s", "name" },
	{ SUPD_NOT_RUNNING, "%s is not running", "name" },
	{ SUPD_NOT_DYNAMIC, "%s is not a dynamic supervisor", "name" },
	{ SUPD_INVALID_SIGNAL, "invalid signal \"%s\"", "signal" },
	{ SUPD_START_FAILED, "start failed: %s", "reason" },
	{ SUPD_TIMEOUT, "timed out waiting for %s", "name" },
	{ SUPD_BUSY, "%s is busy, try again", "name" },
	{ SUPD_NOT_SUPPORTED, "%s is not supported yet", "method" },
	{ SUPD_PERMISSION_DENIED, "permission denied for %s", "method" },
	{ SUPD_SHUTTING_DOWN, "supd is shutting down", NULL },
	{ SUPD_COMMAND_FAILED, "%s", "reason" },
	{ SUPD_INVALID_REQUEST, "invalid request: %s", "reason" },
	{ SUPD_OUTPUT_OVERFLOW, "disconnected: the client did not read its "
	    "replies fast enough", NULL },
	{ SUPD_STATE_UNAVAILABLE, "refused: the state database cannot be "
	    "written (%s); supd keeps supervising and accepts new children "
	    "again once it can", "reason" },
	{ VL_INTERFACE_NOT_FOUND, "unknown interface %s", "interface" },
	{ VL_METHOD_NOT_FOUND, "unknown method %s", "method" },
	{ VL_METHOD_NOT_IMPLEMENTED, "method %s is not implemented", "method" },
	{ VL_INVALID_PARAMETER, "invalid parameter \"%s\"", "parameter" },
	{ VL_EXPECTED_MORE, "the call needs \"more\" (a streaming call)", NULL },
};

/* A reload's refusal: every error of the file on a line of its own. */
static char *
proto_config_errors(const json_t *params)
{
	const json_t	*errors = json_object_get(params, "errors"), *e;
	char		*s = strdup("the configuration was not applied; nothing "
			    "changed"), *t;
	size_t		 i;

	json_array_foreach(errors, i, e) {
		if (s == NULL || !json_is_string(e))
			continue;
		t = proto_printf("%s\n  %s", s, json_string_value(e));
		free(s);
		s = t;
	}
	return (s);
}

char *
proto_error_text(const char *error, const json_t *params)
{
	char		*dump, *s;
	long long	 n;
	size_t		 i;
	int		 has;

	if (error == NULL)
		return (strdup("no error"));
	for (i = 0; i < sizeof proto_sentences / sizeof proto_sentences[0]; i++) {
		if (strcmp(error, proto_sentences[i].error) != 0)
			continue;
		if (proto_sentences[i].key == NULL)
			return (strdup(proto_sentences[i].fmt));
		/* our own method's short name reads better; a foreign one stays whole */
		if (strcmp(proto_sentences[i].key, "method") == 0 &&
		    strncmp(error, PROTO_INTERFACE ".", sizeof PROTO_INTERFACE) == 0)
			return (proto_printf(proto_sentences[i].fmt,
			    proto_method_str(params, "method")));
		return (proto_printf(proto_sentences[i].fmt,
		    proto_str(params, proto_sentences[i].key)));
	}
	if (strcmp(error, SUPD_ALREADY_STARTED) == 0)
		return (proto_already_started(params));
	if (strcmp(error, SUPD_NOT_A_WORKER) == 0)
		return (proto_printf("%s is a %s: it has no process of its own "
		    "(name a worker)", proto_str(params, "name"),
		    strcmp(proto_str(params, "type"), "dynamic") == 0 ?
		    "dynamic supervisor" : "supervisor"));
	if (strcmp(error, SUPD_MAX_CHILDREN) == 0) {
		n = proto_int(params, "max", &has);
		return (proto_printf("max children reached (%lld)", n));
	}
	if (strcmp(error, SUPD_INVALID_NAME) == 0)
		return (proto_printf("invalid name \"%s\": %s",
		    proto_str(params, "name"), proto_str(params, "reason")));
	if (strcmp(error, SUPD_INVALID_CONFIG) == 0)
		return (proto_config_errors(params));
	if (strcmp(error, SUPD_REQUEST_TOO_LARGE) == 0) {
		n = proto_int(params, "max", &has);
		return (proto_printf("request too large (the limit is %lld bytes)",
		    n));
	}
	if (strcmp(error, SUPD_TOO_MANY_CLIENTS) == 0) {
		n = proto_int(params, "max", &has);
		return (proto_printf("too many clients (the limit is %lld)", n));
	}
	/* an error this build does not know: say it as it came */
	dump = params != NULL && json_object_size(params) > 0 ?
	    json_dumps(params, JSON_COMPACT) : NULL;
	s = dump != NULL ? proto_printf("%s %s", error, dump) : strdup(error);
	free(dump);
	return (s);
}
