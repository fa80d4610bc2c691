/*
 * test-idl.c — the IDL embedded in supd is valid varlink IDL (a small
 * parser below: interface line, types, methods, errors, balanced parens,
 * names as the varlink grammar allows), is the repository's file byte for
 * byte, and names exactly the methods and errors of proto.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "proto.h"

extern const char supd_idl[];

#define IDL_MAX	64

struct idl {
	char	 interface[256];
	char	 methods[IDL_MAX][64];
	int	 nmethods;
	char	 errors[IDL_MAX][64];
	int	 nerrors;
	char	 types[IDL_MAX][64];
	int	 ntypes;
	char	 used[IDL_MAX * 4][64];	/* type names referenced */
	int	 nused;
	char	 why[256];
};

struct lex {
	const char	*p;
	int		 line;
	struct idl	*idl;
};

static int
idl_fail(struct lex *lx, const char *what)
{
	snprintf(lx->idl->why, sizeof lx->idl->why, "line %d: %s", lx->line,
	    what);
	return (-1);
}

/* Skip blanks, newlines and # comments. */
static void
idl_skip(struct lex *lx)
{
	for (;;) {
		if (*lx->p == '\n')
			lx->line++;
		if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' ||
		    *lx->p == '\r')
			lx->p++;
		else if (*lx->p == '#')
			while (*lx->p != '\0' && *lx->p != '\n')
				lx->p++;
		else
			return;
	}
}

static int
idl_punct(struct lex *lx, const char *s)
{
	idl_skip(lx);
	if (strncmp(lx->p, s, strlen(s)) != 0)
		return (0);
	lx->p += strlen(s);
	return (1);
}

/* A word of letters, digits, '_', '-' and '.'. */
static int
idl_word(struct lex *lx, char *out, size_t size)
{
	size_t	n = 0;

	idl_skip(lx);
	while (isalnum((unsigned char)lx->p[n]) || lx->p[n] == '_' ||
	    lx->p[n] == '-' || lx->p[n] == '.')
		n++;
	if (n == 0 || n >= size)
		return (idl_fail(lx, "expected a name"));
	memcpy(out, lx->p, n);
	out[n] = '\0';
	lx->p += n;
	return (0);
}

/*
 * Interface: reverse-domain, two labels or more of letters, digits and
 * '-', the first starting with a letter, none starting or ending with '-'.
 */
static int
idl_interface_name_ok(const char *s)
{
	const char	*label = s;
	int		 dots = 0;

	for (;; s++) {
		if (*s == '.' || *s == '\0') {
			if (s == label || label[0] == '-' || s[-1] == '-')
				return (0);
			if (dots == 0 && !isalpha((unsigned char)label[0]))
				return (0);
			if (*s == '\0')
				break;
			dots++;
			label = s + 1;
			continue;
		}
		if (!isalnum((unsigned char)*s) && *s != '-')
			return (0);
	}
	return (dots >= 1);
}

/* Member (type, method, error): [A-Z][A-Za-z0-9]*. */
static int
idl_member_name_ok(const char *s)
{
	if (!isupper((unsigned char)*s))
		return (0);
	for (s++; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s))
			return (0);
	return (1);
}

/* Field: [A-Za-z](_?[A-Za-z0-9])*. */
static int
idl_field_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return (0);
	for (s++; *s != '\0'; s++) {
		if (*s == '_' && isalnum((unsigned char)s[1]))
			continue;
		if (!isalnum((unsigned char)*s))
			return (0);
	}
	return (1);
}

static int	idl_struct(struct lex *);

static int
idl_type(struct lex *lx)
{
	char	w[64];

	if (idl_punct(lx, "?")) {
		if (idl_punct(lx, "?"))
			return (idl_fail(lx, "?? is not a type"));
		return (idl_type(lx));
	}
	if (idl_punct(lx, "[]"))
		return (idl_type(lx));
	if (idl_punct(lx, "[string]"))
		return (idl_type(lx));
	idl_skip(lx);
	if (*lx->p == '(')
		return (idl_struct(lx));
	if (idl_word(lx, w, sizeof w) == -1)
		return (-1);
	if (strcmp(w, "bool") == 0 || strcmp(w, "int") == 0 ||
	    strcmp(w, "float") == 0 || strcmp(w, "string") == 0 ||
	    strcmp(w, "object") == 0)
		return (0);
	if (!idl_member_name_ok(w))
		return (idl_fail(lx, "bad type name"));
	if (lx->idl->nused < IDL_MAX * 4)
		strcpy(lx->idl->used[lx->idl->nused++], w);
	return (0);
}

/* "(" [field ("," field)*] ")", or an enum "(" name ("," name)* ")". */
static int
idl_struct(struct lex *lx)
{
	char	w[64];

	if (!idl_punct(lx, "("))
		return (idl_fail(lx, "expected ("));
	if (idl_punct(lx, ")"))
		return (0);
	for (;;) {
		if (idl_word(lx, w, sizeof w) == -1)
			return (-1);
		if (!idl_field_name_ok(w))
			return (idl_fail(lx, "bad field name"));
		if (idl_punct(lx, ":") && idl_type(lx) == -1)
			return (-1);
		if (idl_punct(lx, ")"))
			return (0);
		if (!idl_punct(lx, ","))
			return (idl_fail(lx, "expected , or )"));
	}
}

static int
idl_member(struct lex *lx, char list[][64], int *n, const char *w)
{
	char	name[64];

	if (idl_word(lx, name, sizeof name) == -1)
		return (-1);
	if (!idl_member_name_ok(name))
		return (idl_fail(lx, "bad member name"));
	if (*n >= IDL_MAX)
		return (idl_fail(lx, "too many members"));
	snprintf(list[(*n)++], 64, "%s", name);
	if (idl_struct(lx) == -1)
		return (-1);
	if (strcmp(w, "method") == 0) {
		if (!idl_punct(lx, "->"))
			return (idl_fail(lx, "expected ->"));
		return (idl_struct(lx));
	}
	return (0);
}

static int
idl_parse(const char *text, struct idl *idl)
{
	struct lex	lx = { text, 1, idl };
	char		w[256];
	int		i, j, rc;

	memset(idl, 0, sizeof *idl);
	if (idl_word(&lx, w, sizeof w) == -1 || strcmp(w, "interface") != 0)
		return (idl_fail(&lx, "expected interface"));
	if (idl_word(&lx, idl->interface, sizeof idl->interface) == -1)
		return (-1);
	if (!idl_interface_name_ok(idl->interface))
		return (idl_fail(&lx, "bad interface name"));
	for (;;) {
		idl_skip(&lx);
		if (*lx.p == '\0')
			break;
		if (idl_word(&lx, w, sizeof w) == -1)
			return (-1);
		if (strcmp(w, "type") == 0)
			rc = idl_member(&lx, idl->types, &idl->ntypes, w);
		else if (strcmp(w, "method") == 0)
			rc = idl_member(&lx, idl->methods, &idl->nmethods, w);
		else if (strcmp(w, "error") == 0)
			rc = idl_member(&lx, idl->errors, &idl->nerrors, w);
		else
			rc = idl_fail(&lx, "expected type, method or error");
		if (rc == -1)
			return (-1);
	}
	for (i = 0; i < idl->nused; i++) {
		for (j = 0; j < idl->ntypes; j++)
			if (strcmp(idl->used[i], idl->types[j]) == 0)
				break;
		if (j == idl->ntypes)
			return (idl_fail(&lx, "a type used is not defined"));
	}
	return (0);
}

Test(idl, embedded_idl_parses)
{
	struct idl	idl;

	cr_assert_eq(idl_parse(supd_idl, &idl), 0, "%s", idl.why);
	cr_assert_str_eq(idl.interface, PROTO_INTERFACE);
	cr_assert_gt(idl.nmethods, 0);
}

Test(idl, embedded_idl_is_the_file_byte_for_byte)
{
	FILE	*f;
	char	*buf;
	long	 n;

	f = fopen(SRCDIR "/common/io.supd.Supervisor.varlink", "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	cr_assert_eq(strlen(supd_idl), (size_t)n);
	cr_assert_eq(memcmp(buf, supd_idl, (size_t)n), 0);
	free(buf);
}

Test(idl, methods_match_proto)
{
	struct idl	idl;
	char		full[320];
	int		i;

	cr_assert_eq(idl_parse(supd_idl, &idl), 0, "%s", idl.why);
	for (i = 0; i < idl.nmethods && proto_methods[i] != NULL; i++) {
		snprintf(full, sizeof full, "%s.%s", idl.interface,
		    idl.methods[i]);
		cr_assert_str_eq(proto_methods[i], full);
		cr_assert(proto_method_known(full));
	}
	cr_assert_eq(i, idl.nmethods, "proto.c lacks %s", idl.methods[i]);
	cr_assert_null(proto_methods[i], "the IDL lacks %s", proto_methods[i]);
	cr_assert_not(proto_method_known(PROTO_METHOD("Frobnicate")));
}

Test(idl, errors_match_proto)
{
	struct idl	idl;
	char		full[320];
	int		i;

	cr_assert_eq(idl_parse(supd_idl, &idl), 0, "%s", idl.why);
	for (i = 0; i < idl.nerrors && proto_errors[i] != NULL; i++) {
		snprintf(full, sizeof full, "%s.%s", idl.interface,
		    idl.errors[i]);
		cr_assert_str_eq(proto_errors[i], full);
	}
	cr_assert_eq(i, idl.nerrors, "proto.c lacks %s", idl.errors[i]);
	cr_assert_null(proto_errors[i], "the IDL lacks %s", proto_errors[i]);
}

Test(idl, parser_rejects_broken_idl)
{
	static const char *bad[] = {
		"",
		"interface 1o.supd\n",
		"interface io.-supd\n",
		"interface io\n",
		"interface io.x\nmethod F(a: int -> ()\n",
		"interface io.x\nmethod F(a: int) ()\n",
		"interface io.x\nmethod f() -> ()\n",
		"interface io.x\nmethod F(a: Missing) -> ()\n",
		"interface io.x\nerror E (bad__name: int)\n",
		"interface io.x\nfrob X ()\n",
		"interface io.x\ntype T (a: ??int)\n",
	};
	struct idl	idl;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(idl_parse(bad[i], &idl), -1, "%s", bad[i]);
	cr_assert_eq(idl_parse("interface io.x\n# c\ntype T (a: ?[]string, "
	    "b: [string]int, c: (d: bool), e: (one, two))\nmethod M(t: T) -> ()\n"
	    "error E ()\n", &idl), 0, "%s", idl.why);
}

static void
expect_text(const char *error, const char *params, const char *want)
{
	json_t	*p = params != NULL ? json_loads(params, 0, NULL) : NULL;
	char	*s = proto_error_text(error, p);

	cr_assert_str_eq(s, want);
	free(s);
	json_decref(p);
}

Test(proto, sentences_word_for_word)
{
	expect_text(SUPD_ALREADY_STARTED, "{\"name\":\"w1\",\"pid\":4242}",
	    "already started (pid 4242)");
	expect_text(SUPD_ALREADY_STARTED, "{\"name\":\"w1\",\"pid\":null}",
	    "already started");
	expect_text(SUPD_ALREADY_STARTED, "{\"name\":\"web\",\"pid\":7,"
	    "\"held_by\":\"static\",\"parent\":\"root\"}",
	    "the name is taken by a static worker under root (pid 7); choose "
	    "another name");
	expect_text(SUPD_ALREADY_STARTED, "{\"name\":\"web\",\"pid\":null,"
	    "\"held_by\":\"static\",\"parent\":\"root\"}",
	    "the name is taken by a static worker under root (not running); "
	    "choose another name");
	expect_text(SUPD_ALREADY_STARTED, "{\"name\":\"root\",\"pid\":null,"
	    "\"held_by\":\"supervisor\",\"parent\":null}",
	    "the name is taken by a supervisor; choose another name");
	expect_text(SUPD_ALREADY_STARTED, "{\"name\":\"j\",\"pid\":8,"
	    "\"held_by\":\"spawned\",\"parent\":\"jobs2\"}",
	    "already started under jobs2 (pid 8)");
	expect_text(SUPD_NOT_A_WORKER, "{\"name\":\"pipeline\",\"type\":"
	    "\"supervisor\"}", "pipeline is a supervisor: it has no process of "
	    "its own (name a worker)");
	expect_text(SUPD_NOT_A_WORKER, "{\"name\":\"jobs\",\"type\":"
	    "\"dynamic\"}", "jobs is a dynamic supervisor: it has no process "
	    "of its own (name a worker)");
	expect_text(SUPD_NOT_FOUND, "{\"name\":\"jobs\"}",
	    "no such child or supervisor: jobs");
	expect_text(SUPD_NOT_RUNNING, "{\"name\":\"w1\"}", "w1 is not running");
	expect_text(SUPD_MAX_CHILDREN, "{\"supervisor\":\"jobs\",\"max\":2}",
	    "max children reached (2)");
	expect_text(SUPD_NOT_DYNAMIC, "{\"name\":\"root\"}",
	    "root is not a dynamic supervisor");
	expect_text(SUPD_INVALID_NAME, "{\"name\":\"-x\",\"reason\":\"r\"}",
	    "invalid name \"-x\": r");
	expect_text(SUPD_INVALID_SIGNAL, "{\"signal\":\"FOO\"}",
	    "invalid signal \"FOO\"");
	expect_text(SUPD_START_FAILED,
	    "{\"name\":\"w\",\"reason\":\"exec /nope: No such file or directory\"}",
	    "start failed: exec /nope: No such file or directory");
	expect_text(SUPD_TIMEOUT, "{\"name\":\"t1\"}", "timed out waiting for t1");
	expect_text(SUPD_PERMISSION_DENIED,
	    "{\"method\":\"io.supd.Supervisor.Stop\"}",
	    "permission denied for Stop");
	expect_text(SUPD_NOT_SUPPORTED, "{\"method\":\"io.supd.Supervisor.Reload\"}",
	    "Reload is not supported yet");
	expect_text(SUPD_SHUTTING_DOWN, NULL, "supd is shutting down");
	expect_text(SUPD_COMMAND_FAILED, "{\"name\":\"root\",\"reason\":"
	    "\"the root is started and stopped with supd itself\"}",
	    "the root is started and stopped with supd itself");
	expect_text(SUPD_REQUEST_TOO_LARGE, "{\"max\":65536}",
	    "request too large (the limit is 65536 bytes)");
	expect_text(SUPD_TOO_MANY_CLIENTS, "{\"max\":2}",
	    "too many clients (the limit is 2)");
	expect_text(SUPD_INVALID_REQUEST, "{\"reason\":\"invalid JSON\"}",
	    "invalid request: invalid JSON");
	expect_text(VL_METHOD_NOT_FOUND, "{\"method\":\"x.y.Z\"}",
	    "unknown method x.y.Z");
	expect_text(VL_METHOD_NOT_FOUND, "{\"method\":\"io.supd.Supervisor.Frob\"}",
	    "unknown method io.supd.Supervisor.Frob");
	expect_text(VL_INVALID_PARAMETER, "{\"parameter\":\"name\"}",
	    "invalid parameter \"name\"");
	expect_text(VL_EXPECTED_MORE, "{}",
	    "the call needs \"more\" (a streaming call)");
	expect_text("com.example.Weird", "{\"a\":1}", "com.example.Weird {\"a\":1}");
	expect_text("com.example.Weird", NULL, "com.example.Weird");
	/* a parameter of the wrong type never prints (null) */
	expect_text(SUPD_NOT_FOUND, "{\"name\":7}",
	    "no such child or supervisor: ?");
}

/*
 * The fallback for an unknown error prints its full name: a known error
 * must say something of its own instead, and no two errors the same thing.
 */
Test(proto, every_error_has_its_own_sentence)
{
	char	*s[64];
	int	 i, j;

	for (i = 0; proto_errors[i] != NULL; i++) {
		cr_assert_lt(i, 64);
		s[i] = proto_error_text(proto_errors[i], NULL);
		cr_assert_not_null(s[i]);
		cr_assert_null(strstr(s[i], PROTO_INTERFACE),
		    "%s has no sentence: \"%s\"", proto_errors[i], s[i]);
		for (j = 0; j < i; j++)
			cr_assert_str_neq(s[i], s[j], "%s and %s both say \"%s\"",
			    proto_errors[j], proto_errors[i], s[i]);
	}
	while (i-- > 0)
		free(s[i]);
}
