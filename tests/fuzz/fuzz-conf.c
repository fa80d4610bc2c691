/*
 * fuzz-conf.c — the INI loader (conf_load_text): any text is a config or
 * a list of errors, each one line; a config builds a tree and prints for
 * --check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "fuzz.h"
#include "tree.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cf;
	struct node	*root;
	char		**errors, **e;
	FILE		*null;

	cf = conf_load_text("/fuzz/supd.ini", "/fuzz", (const char *)data,
	    size, &errors);
	if (cf == NULL) {
		if (errors == NULL || errors[0] == NULL)
			abort();	/* refused without saying why */
		for (e = errors; *e != NULL; e++)
			if (strchr(*e, '\n') != NULL)
				abort();	/* one line each */
		conf_errors_free(errors);
		return (0);
	}
	if ((null = fopen("/dev/null", "w")) != NULL) {
		check_print(null, cf);
		fclose(null);
	}
	root = tree_build(cf);
	tree_free(root);
	conf_free(cf);
	return (0);
}
