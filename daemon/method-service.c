/*
 * method-service.c — org.varlink.service, which every varlink service
 * implements: GetInfo, and GetInterfaceDescription returning the IDL as
 * the repository has it (embedded at build time).  Anyone may call these.
 */
#include <string.h>

#include "method.h"
#include "proto.h"

extern const char	supd_idl[];

/* The standard description of org.varlink.service itself. */
static const char	method_service_idl[] =
	"# The Varlink Service Interface is provided by every varlink service. It\n"
	"# describes the service and the interfaces it implements.\n"
	"interface org.varlink.service\n"
	"\n"
	"# Get a list of all the interfaces a service provides and information\n"
	"# about the implementation.\n"
	"method GetInfo() -> (\n"
	"  vendor: string,\n"
	"  product: string,\n"
	"  version: string,\n"
	"  url: string,\n"
	"  interfaces: []string\n"
	")\n"
	"\n"
	"# Get the description of an interface that is implemented by this service.\n"
	"method GetInterfaceDescription(interface: string) -> (description: string)\n"
	"\n"
	"# The requested interface was not found.\n"
	"error InterfaceNotFound (interface: string)\n"
	"\n"
	"# The requested method was not found\n"
	"error MethodNotFound (method: string)\n"
	"\n"
	"# The interface defines the requested method, but the service does not\n"
	"# implement it.\n"
	"error MethodNotImplemented (method: string)\n"
	"\n"
	"# One of the passed parameters is invalid.\n"
	"error InvalidParameter (parameter: string)\n"
	"\n"
	"# Client is denied access\n"
	"error PermissionDenied ()\n"
	"\n"
	"# Method is expected to be called with 'more' set to true, but wasn't\n"
	"error ExpectedMore ()\n";

static int	method_getinfo(struct call *);
static int	method_getinterfacedescription(struct call *);

static const char *const method_getinterfacedescription_params[] = {
	"interface", NULL
};

struct method method_getinfo_entry = {
	.name = PROTO_SERVICE ".GetInfo",
	.flags = M_READ | M_OPEN,
	.call = method_getinfo,
};

struct method method_getinterfacedescription_entry = {
	.name = PROTO_SERVICE ".GetInterfaceDescription",
	.flags = M_READ | M_OPEN,
	.params = method_getinterfacedescription_params,
	.call = method_getinterfacedescription,
};

static int
method_getinfo(struct call *c)
{
	return (call_ok(c, json_pack("{s:s, s:s, s:s, s:s, s:[s, s]}",
	    "vendor", "supd",
	    "product", "supd",
	    "version", SUPD_VERSION,
	    "url", "man:supd(8)",
	    "interfaces", PROTO_SERVICE, PROTO_INTERFACE)));
}

static int
method_getinterfacedescription(struct call *c)
{
	const char	*name;

	if (call_str(c, "interface", 1, &name) == -1)
		return (CALL_DONE);
	if (strcmp(name, PROTO_INTERFACE) == 0)
		return (call_ok(c, json_pack("{s:s}", "description", supd_idl)));
	if (strcmp(name, PROTO_SERVICE) == 0)
		return (call_ok(c, json_pack("{s:s}", "description",
		    method_service_idl)));
	return (call_fail(c, VL_INTERFACE_NOT_FOUND, "{s:s}", "interface",
	    name));
}
