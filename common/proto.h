/*
 * proto.h — the names of io.supd.Supervisor (its methods and errors, as
 * the IDL spells them) and the English sentence for each error, so supd's
 * log and supctl's stderr say the same thing for the same reply.
 */
#ifndef PROTO_H
#define PROTO_H

#include <jansson.h>

#define PROTO_INTERFACE		"io.supd.Supervisor"
#define PROTO_SERVICE		"org.varlink.service"
#define PROTO_METHOD(m)		PROTO_INTERFACE "." m	/* PROTO_METHOD("Status") */

/* org.varlink.service's own errors */
#define VL_INTERFACE_NOT_FOUND	 "org.varlink.service.InterfaceNotFound"
#define VL_METHOD_NOT_FOUND	 "org.varlink.service.MethodNotFound"
#define VL_METHOD_NOT_IMPLEMENTED "org.varlink.service.MethodNotImplemented"
#define VL_INVALID_PARAMETER	 "org.varlink.service.InvalidParameter"
#define VL_EXPECTED_MORE	 "org.varlink.service.ExpectedMore"

/* io.supd.Supervisor's errors */
#define SUPD_NOT_FOUND		 PROTO_INTERFACE ".NotFound"
#define SUPD_NOT_RUNNING	 PROTO_INTERFACE ".NotRunning"
#define SUPD_NOT_A_WORKER	 PROTO_INTERFACE ".NotAWorker"
#define SUPD_ALREADY_STARTED	 PROTO_INTERFACE ".AlreadyStarted"
#define SUPD_MAX_CHILDREN	 PROTO_INTERFACE ".MaxChildren"
#define SUPD_NOT_DYNAMIC	 PROTO_INTERFACE ".NotDynamic"
#define SUPD_INVALID_NAME	 PROTO_INTERFACE ".InvalidName"
#define SUPD_INVALID_SIGNAL	 PROTO_INTERFACE ".InvalidSignal"
#define SUPD_START_FAILED	 PROTO_INTERFACE ".StartFailed"
#define SUPD_TIMEOUT		 PROTO_INTERFACE ".Timeout"
#define SUPD_BUSY		 PROTO_INTERFACE ".Busy"
#define SUPD_NOT_SUPPORTED	 PROTO_INTERFACE ".NotSupported"
#define SUPD_PERMISSION_DENIED	 PROTO_INTERFACE ".PermissionDenied"
#define SUPD_SHUTTING_DOWN	 PROTO_INTERFACE ".ShuttingDown"
#define SUPD_COMMAND_FAILED	 PROTO_INTERFACE ".CommandFailed"
#define SUPD_INVALID_REQUEST	 PROTO_INTERFACE ".InvalidRequest"
#define SUPD_REQUEST_TOO_LARGE	 PROTO_INTERFACE ".RequestTooLarge"
#define SUPD_TOO_MANY_CLIENTS	 PROTO_INTERFACE ".TooManyClients"
#define SUPD_OUTPUT_OVERFLOW	 PROTO_INTERFACE ".OutputOverflow"
#define SUPD_STATE_UNAVAILABLE	 PROTO_INTERFACE ".StateUnavailable"
#define SUPD_INVALID_CONFIG	 PROTO_INTERFACE ".InvalidConfig"

/* Every method of io.supd.Supervisor, full names in IDL order; NULL-terminated. */
extern const char *const proto_methods[];
/* Every error of io.supd.Supervisor, full names in IDL order; NULL-terminated. */
extern const char *const proto_errors[];

/* 1 if name is one of proto_methods. */
int	 proto_method_known(const char *name);
/*
 * The sentence for a varlink error and its parameters, without the
 * command it answers: AlreadyStarted {"pid": 4242} -> "already started
 * (pid 4242)".  An unknown error gives its name and parameters.  malloc'd;
 * NULL only without memory.
 */
char	*proto_error_text(const char *error, const json_t *params);

#endif /* PROTO_H */
