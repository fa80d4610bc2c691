/*
 * test-listen.c — the syntax of `listen =` (listen-parse.c) on good and
 * bad input, and the key in a file: a relative unix path resolved
 * against the file's directory, names and addresses taken once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "check.h"
#include "conf.h"
#include "listen.h"
#include "spec.h"
#include "util.h"

static void
good(const char *v, enum listen_kind kind, const char *name, const char *addr,
    int port, int mode, const char *text)
{
	struct spec_listen	 l;
	char			*why = NULL;

	cr_assert_eq(listen_parse(v, &l, &why), 0, "%s: %s", v, why);
	cr_assert_eq(l.kind, kind, "%s", v);
	cr_assert_str_eq(l.name, name, "%s", v);
	cr_assert_str_eq(l.addr, addr, "%s", v);
	if (kind != LISTEN_UNIX)
		cr_assert_eq(l.port, port, "%s", v);
	cr_assert_eq(l.mode, mode, "%s", v);
	cr_assert_str_eq(l.text, text, "%s", v);
	free(l.text);
	free(l.name);
	free(l.addr);
}

static void
bad(const char *v, const char *says)
{
	struct spec_listen	 l;
	char			*why = NULL;

	cr_assert_eq(listen_parse(v, &l, &why), -1, "%s was accepted", v);
	cr_assert_not_null(why, "%s: no reason", v);
	cr_assert_not_null(strstr(why, says), "%s: \"%s\" does not say \"%s\"",
	    v, why, says);
	free(why);
	free(l.name);
	free(l.addr);
	free(l.text);
}

Test(listen_parse, good_values)
{
	good("web=tcp:127.0.0.1:8080", LISTEN_TCP, "web", "127.0.0.1", 8080, -1,
	    "web=tcp:127.0.0.1:8080");
	good("web=tcp:*:80", LISTEN_TCP, "web", "", 80, -1, "web=tcp:*:80");
	good("v6=tcp:[::1]:65535", LISTEN_TCP, "v6", "::1", 65535, -1,
	    "v6=tcp:[::1]:65535");
	good("any6=udp:[::]:53", LISTEN_UDP, "any6", "::", 53, -1,
	    "any6=udp:[::]:53");
	good("dns=udp:0.0.0.0:5353", LISTEN_UDP, "dns", "0.0.0.0", 5353, -1,
	    "dns=udp:0.0.0.0:5353");
	good("ctl=unix:/run/app.sock", LISTEN_UNIX, "ctl", "/run/app.sock", 0,
	    -1, "ctl=unix:/run/app.sock");
	good("ctl=unix:/run/app.sock:660", LISTEN_UNIX, "ctl", "/run/app.sock",
	    0, 0660, "ctl=unix:/run/app.sock:0660");
	good("a.b-c@d=unix:rel/x.sock:0", LISTEN_UNIX, "a.b-c@d", "rel/x.sock",
	    0, 0, "a.b-c@d=unix:rel/x.sock:0000");
	/* a last part that is not a number belongs to the path */
	good("p=unix:/run/a:b", LISTEN_UNIX, "p", "/run/a:b", 0, -1,
	    "p=unix:/run/a:b");
}

Test(listen_parse, bad_values_say_what_is_wrong)
{
	char	long_name[300];

	bad("", "has no name");
	bad("web", "has no name");
	bad("=tcp:127.0.0.1:80", "is not a socket name");
	bad("a:b=tcp:127.0.0.1:80", "is not a socket name");
	bad("a b=tcp:127.0.0.1:80", "is not a socket name");
	bad("a\tb=tcp:127.0.0.1:80", "is not a socket name");
	memset(long_name, 'n', 256);
	snprintf(long_name + 256, sizeof long_name - 256, "=tcp:*:80");
	bad(long_name, "is not a socket name");
	bad("web=", "the kind is tcp:, udp: or unix:");
	bad("web=sctp:1.2.3.4:5", "the kind is tcp:, udp: or unix:");
	bad("web=TCP:1.2.3.4:5", "the kind is tcp:, udp: or unix:");
	bad("web=tcp:", "has no \":PORT\"");
	bad("web=tcp:127.0.0.1", "has no \":PORT\"");
	bad("web=tcp:127.0.0.1:", "is not a port");
	bad("web=tcp:127.0.0.1:0", "is not a port");
	bad("web=tcp:127.0.0.1:65536", "is not a port");
	bad("web=tcp:127.0.0.1:123456", "is not a port");
	bad("web=tcp:127.0.0.1:-1", "is not a port");
	bad("web=tcp:127.0.0.1:8o", "is not a port");
	bad("web=tcp:127.0.0.1: 80", "is not a port");
	bad("web=tcp:localhost:80", "names are not looked up");
	bad("web=tcp:256.1.1.1:80", "is not a numeric IPv4 address");
	bad("web=tcp::80", "is not a numeric IPv4 address");
	bad("web=tcp:::1:80", "goes in brackets");
	bad("web=tcp:[::1:80", "without \"]\"");
	bad("web=tcp:[::g]:80", "is not an IPv6 address");
	bad("web=tcp:[127.0.0.1]:80", "is not an IPv6 address");
	bad("web=tcp:[::1]", "no \":PORT\" after the address");
	bad("web=tcp:[::1]80", "no \":PORT\" after the address");
	bad("web=udp:[::1]:0", "is not a port");
	bad("web=unix:", "needs a path");
	bad("web=unix::0660", "needs a path");
	bad("web=unix:/run/x.sock:0999", "is not an octal mode");
	bad("web=unix:/run/x.sock:7777", "at most 0777");
	bad("web=unix:/run/\x01.sock", "control character");
}

static struct config *
load(const char *text, char ***errors)
{
	return (conf_load_text("/etc/supd/t.ini", "/etc/supd", text,
	    strlen(text), errors));
}

Test(listen_key, a_relative_path_is_resolved_and_keys_default)
{
	struct config	*cf;
	struct spec	*s;
	char		**errors = NULL;

	cf = load("[supervisor:root]\n[worker:w]\nparent = root\n"
	    "command = /bin/true\nlisten = a=unix:run/a.sock:0600\n"
	    "listen = b=tcp:*:8080\n", &errors);
	cr_assert_not_null(cf, "%s", errors != NULL ? errors[0] : "?");
	s = TAILQ_LAST(&cf->specs, spec_list);
	cr_assert_eq(spec_x(s)->nlisten, 2);
	cr_assert_str_eq(spec_x(s)->listen[0].addr, "/etc/supd/run/a.sock");
	cr_assert_str_eq(spec_x(s)->listen[0].text, "a=unix:/etc/supd/run/a.sock:0600");
	cr_assert_str_eq(spec_x(s)->listen[1].name, "b");
	cr_assert_eq(spec_x(s)->listen_backlog, 0);
	cr_assert_eq(spec_x(s)->listen_reuseport, 0);
	cr_assert_eq(spec_x(s)->fd_store_max, 0);
	conf_free(cf);
}

Test(listen_key, a_name_or_an_address_twice_and_a_long_path_are_errors)
{
	char		**errors = NULL, path[200];
	char		 text[1024];

	memset(path, 'p', 120);
	path[120] = '\0';
	snprintf(text, sizeof text, "[supervisor:root]\n[worker:w]\n"
	    "parent = root\ncommand = /bin/true\n"
	    "listen = a=tcp:*:80\n"
	    "listen = a=tcp:*:81\n"
	    "listen = b=tcp:*:80\n"
	    "listen = c=unix:/%s\n"
	    "[supervisor:x]\nparent = root\nlisten = d=tcp:*:82\n", path);
	cr_assert_null(load(text, &errors));
	cr_assert_not_null(errors);
	cr_assert_not_null(strstr(errors[0], "t.ini:6: [worker:w]"), "%s",
	    errors[0]);
	cr_assert_not_null(strstr(errors[0], "the name a is taken"), "%s",
	    errors[0]);
	cr_assert_not_null(strstr(errors[1], ":7: "), "%s", errors[1]);
	cr_assert_not_null(strstr(errors[1], "the same address as a"), "%s",
	    errors[1]);
	cr_assert_not_null(strstr(errors[2], ":8: "), "%s", errors[2]);
	cr_assert_not_null(strstr(errors[2], "longer than a socket address"),
	    "%s", errors[2]);
	cr_assert_not_null(strstr(errors[3], ":11: [supervisor:x]"), "%s",
	    errors[3]);
	cr_assert_null(errors[4]);
	conf_errors_free(errors);
}

Test(listen_key, check_prints_each_socket_under_its_child)
{
	struct config	*cf;
	char		**errors = NULL, *text = NULL;
	size_t		 len = 0;
	FILE		*fp;

	cf = load("[supervisor:root]\n[worker:w]\nparent = root\n"
	    "command = /bin/true\nlisten = a=tcp:[::1]:80\n"
	    "listen = b=unix:/run/b.sock:660\n"
	    "[dynamic:d]\nparent = root\ncommand = /bin/m\n"
	    "listen = c=udp:*:53\n", &errors);
	cr_assert_not_null(cf, "%s", errors != NULL ? errors[0] : "?");
	cr_assert_not_null(fp = open_memstream(&text, &len));
	check_print(fp, cf);
	fclose(fp);
	cr_assert_str_eq(text,
	    "root  supervisor one_for_one 3/5s\n"
	    "  w  worker permanent /bin/true\n"
	    "    (listen)  a=tcp:[::1]:80\n"
	    "    (listen)  b=unix:/run/b.sock:0660\n"
	    "  d  dynamic max_children=unlimited partitions=1 3/5s\n"
	    "    (template)  worker permanent /bin/m\n"
	    "      (listen)  c=udp:*:53\n");
	free(text);
	conf_free(cf);
}
