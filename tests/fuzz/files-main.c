/*
 * files-main.c — libFuzzer's driver for a build without libFuzzer: each
 * argument is a file, or a directory whose files are, fed once to the
 * target.  `make test` runs every corpus this way (gcc, ASan, UBSan).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int	nfiles;

static int
run_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return (-1);
	}
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	/* an exact-size copy, so ASan sees a read past the input's end */
	uint8_t *exact = malloc(len > 0 ? len : 1);
	if (exact == NULL)
		abort();
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	nfiles++;
	return (0);
}

static int
run_path(const char *path)
{
	struct stat	 st;
	struct dirent	**ents;
	char		 sub[4096];
	int		 n, i, rc = 0;

	if (stat(path, &st) == -1) {
		perror(path);
		return (-1);
	}
	if (!S_ISDIR(st.st_mode))
		return (run_file(path));
	if ((n = scandir(path, &ents, NULL, alphasort)) == -1) {
		perror(path);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
			if (run_path(sub) == -1)
				rc = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return (rc);
}

int
main(int argc, char **argv)
{
	int	i, rc = 0;

	/* optional, as in libFuzzer: only fuzz-varlink has one */
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]) == -1)
			rc = 1;
	if (nfiles == 0) {
		fprintf(stderr, "%s: no input files\n", argv[0]);
		return (1);
	}
	printf("%s: %d inputs, no finding\n", argv[0], nfiles);
	return (rc);
}
