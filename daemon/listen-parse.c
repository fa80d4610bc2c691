/*
 * listen-parse.c — the syntax of `listen =`: NAME=tcp:ADDR:PORT,
 * NAME=udp:ADDR:PORT or NAME=unix:PATH[:MODE].  Addresses are numeric
 * (no name lookup: the loop never waits for DNS), an IPv6 one in
 * brackets as in URLs.  No socket is made here: --check and the unit
 * tests link this file alone.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"
#include "spec.h"
#include "util.h"

#define LISTEN_NAME_MAX	255	/* as systemd's FDNAME= */

int
listen_name_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > LISTEN_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ':')
			return (0);
	return (1);
}

void
listen_text(struct spec_listen *l)
{
	free(l->text);
	switch (l->kind) {
	case LISTEN_UNIX:
		if (l->mode >= 0)
			l->text = xasprintf("%s=unix:%s:%04o", l->name, l->addr,
			    l->mode);
		else
			l->text = xasprintf("%s=unix:%s", l->name, l->addr);
		break;
	default:
		l->text = xasprintf("%s=%s:%s%s%s:%d", l->name,
		    l->kind == LISTEN_TCP ? "tcp" : "udp",
		    strchr(l->addr, ':') != NULL ? "[" : "",
		    l->addr[0] != '\0' ? l->addr : "*",
		    strchr(l->addr, ':') != NULL ? "]" : "", l->port);
		break;
	}
}

/* 1..65535, digits only. */
static int
listen_port(const char *s, int *port)
{
	long	v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return (-1);
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return (-1);
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > 65535)
		return (-1);
	*port = (int)v;
	return (0);
}

/* ADDR:PORT of tcp: and udp:. */
static int
listen_parse_inet(const char *v, struct spec_listen *out, char **why)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*colon, *close;
	char		*addr;

	if (v[0] == '[') {
		if ((close = strchr(v, ']')) == NULL) {
			*why = xasprintf("\"%s\": \"[\" without \"]\"", v);
			return (-1);
		}
		addr = xasprintf("%.*s", (int)(close - v - 1), v + 1);
		if (inet_pton(AF_INET6, addr, &a6) != 1) {
			*why = xasprintf("\"%s\" is not an IPv6 address", addr);
			free(addr);
			return (-1);
		}
		if (close[1] != ':') {
			*why = xasprintf("\"%s\": no \":PORT\" after the address",
			    v);
			free(addr);
			return (-1);
		}
		colon = close + 1;
	} else {
		if ((colon = strrchr(v, ':')) == NULL) {
			*why = xasprintf("\"%s\" has no \":PORT\"", v);
			return (-1);
		}
		addr = xasprintf("%.*s", (int)(colon - v), v);
		if (strchr(addr, ':') != NULL) {
			*why = xasprintf("\"%s\": an IPv6 address goes in "
			    "brackets ([::1]:8080)", v);
			free(addr);
			return (-1);
		}
		if (strcmp(addr, "*") == 0)
			addr[0] = '\0';
		else if (inet_pton(AF_INET, addr, &a4) != 1) {
			*why = xasprintf("\"%s\" is not a numeric IPv4 address "
			    "(write one, [IPv6] or *; names are not looked up)",
			    addr);
			free(addr);
			return (-1);
		}
	}
	if (listen_port(colon + 1, &out->port) == -1) {
		*why = xasprintf("\"%s\" is not a port (1 to 65535)", colon + 1);
		free(addr);
		return (-1);
	}
	out->addr = addr;
	return (0);
}

/* PATH[:MODE] of unix:: a last part of 1 to 4 octal digits is the mode. */
static int
listen_parse_unix(const char *v, struct spec_listen *out, char **why)
{
	const char	*colon = strrchr(v, ':'), *p;
	long		 mode = -1;
	size_t		 plen = strlen(v);

	if (colon != NULL && colon[1] != '\0' && strlen(colon + 1) <= 4 &&
	    strspn(colon + 1, "01234567") == strlen(colon + 1)) {
		mode = strtol(colon + 1, NULL, 8);
		plen = colon - v;
		if (mode > 0777) {
			*why = xasprintf("mode %s: at most 0777", colon + 1);
			return (-1);
		}
	} else if (colon != NULL && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
		*why = xasprintf("\"%s\" is not an octal mode such as 0660",
		    colon + 1);
		return (-1);
	}
	if (plen == 0) {
		*why = xstrdup("unix: needs a path (unix:/run/app.sock[:0660])");
		return (-1);
	}
	for (p = v; p < v + plen; p++)
		if ((unsigned char)*p < ' ') {
			*why = xstrdup("the path holds a control character");
			return (-1);
		}
	out->addr = xasprintf("%.*s", (int)plen, v);
	out->mode = (int)mode;
	return (0);
}

int
listen_parse(const char *value, struct spec_listen *out, char **why)
{
	const char	*eq, *rest;
	int		 rc;

	memset(out, 0, sizeof *out);
	out->mode = -1;
	*why = NULL;
	if ((eq = strchr(value, '=')) == NULL) {
		*why = xasprintf("\"%s\" has no name (write NAME=tcp:ADDR:PORT, "
		    "NAME=udp:ADDR:PORT or NAME=unix:PATH[:MODE])", value);
		return (-1);
	}
	if (!listen_name_valid(value, eq - value)) {
		*why = xasprintf("\"%.*s\" is not a socket name (1 to 255 "
		    "printable characters, no spaces or \":\")",
		    (int)(eq - value), value);
		return (-1);
	}
	rest = eq + 1;
	if (strncmp(rest, "tcp:", 4) == 0) {
		out->kind = LISTEN_TCP;
		rc = listen_parse_inet(rest + 4, out, why);
	} else if (strncmp(rest, "udp:", 4) == 0) {
		out->kind = LISTEN_UDP;
		rc = listen_parse_inet(rest + 4, out, why);
	} else if (strncmp(rest, "unix:", 5) == 0) {
		out->kind = LISTEN_UNIX;
		rc = listen_parse_unix(rest + 5, out, why);
	} else {
		*why = xasprintf("\"%s\": the kind is tcp:, udp: or unix:", rest);
		return (-1);
	}
	if (rc == -1)
		return (-1);
	out->name = xasprintf("%.*s", (int)(eq - value), value);
	listen_text(out);
	return (0);
}
