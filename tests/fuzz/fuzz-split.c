/*
 * fuzz-split.c — the `command` word splitter (conf_split_command).  Any
 * line either splits or is refused with a reason; what splits, printed
 * back by check_print_argv, splits again to the same words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "fuzz.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*line, **argv, **again, *printed = NULL;
	const char	*why = NULL;
	size_t		 plen = 0, i;
	FILE		*f;

	line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = '\0';
	argv = conf_split_command(line, &why);
	if (argv == NULL) {
		if (why == NULL)
			abort();	/* a refusal always says why */
		free(line);
		return (0);
	}
	/* the round trip, for lines without a NUL (the file cannot hold one) */
	if (memchr(data, '\0', size) == NULL && argv[0] != NULL) {
		f = open_memstream(&printed, &plen);
		check_print_argv(f, argv);
		fclose(f);
		if (plen > 0 && printed[plen - 1] == '\n')
			printed[plen - 1] = '\0';
		again = conf_split_command(printed, &why);
		if (again == NULL)
			abort();
		for (i = 0; argv[i] != NULL; i++)
			if (again[i] == NULL || strcmp(argv[i], again[i]) != 0)
				abort();
		if (again[i] != NULL)
			abort();
		strv_free(again);
		free(printed);
	}
	strv_free(argv);
	free(line);
	return (0);
}
