/*
 * bench-conf.c — conf_load on a generated file of 10,000 sections (plus the
 * root): the median of RUNS loads, against a bare getline pass over the same
 * file in the same run.  Fails (exit 1) past one second: the contract's bound.
 * Its BENCH-RESULT line is run-all's (benchlib.py's format).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"

#define SECTIONS	10000
#define RUNS		15	/* 5 with BENCH_QUICK */
#define LIMIT_MS	1000.0

static double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return (v[n / 2]);
}

/* A tree as a big site might write it: 1% supervisors, 1% dynamic, the rest workers. */
static long
bench_generate(const char *path)
{
	FILE	*fp;
	int	 i, nsup = SECTIONS / 100, ndyn = SECTIONS / 100;
	long	 size;

	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fprintf(fp, "[supd]\nhistory_max = 1000\n\n[supervisor:root]\n"
	    "strategy = one_for_one\n\n");
	for (i = 0; i < nsup; i++)
		fprintf(fp, "[supervisor:sup%d]\nparent = root\n"
		    "strategy = rest_for_one\nmax_restarts = 5\n\n", i);
	for (i = 0; i < SECTIONS - nsup - ndyn; i++)
		fprintf(fp, "[worker:worker-%d]   ; a comment\nparent = sup%d\n"
		    "command = /bin/sh -c 'echo \"worker %d\"; exec sleep 3600'\n"
		    "env = INDEX=%d\nenv = LANG=C.UTF-8\nrestart = transient\n"
		    "shutdown = 2000\nstop_signal = SIGINT\n"
		    "success_exit_codes = 0 3\ngroups = all, g%d\n\n",
		    i, i % nsup, i, i, i % 10);
	for (i = 0; i < ndyn; i++)
		fprintf(fp, "[dynamic:jobs%d]\nparent = sup%d\nmax_children = 100\n"
		    "command = /usr/local/bin/job --id %d\n\n", i, i, i);
	size = ftell(fp);
	if (fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return (size);
}

static double
bench_getline(const char *path)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 size = 0;
	double	 t0 = bench_now_ms();
	long	 n = 0;

	if ((fp = fopen(path, "r")) == NULL)
		exit(2);
	while (getline(&line, &size, fp) != -1)
		n += line[0];	/* touch the line */
	free(line);
	fclose(fp);
	if (n == 0)
		exit(2);
	return (bench_now_ms() - t0);
}

static double
bench_load(const char *path)
{
	struct config	 *cf;
	char		**errs;
	double		  t0 = bench_now_ms(), t;

	cf = conf_load(path, &errs);
	t = bench_now_ms() - t0;
	if (cf == NULL) {
		fprintf(stderr, "bench-conf: %s\n", errs[0]);
		exit(2);
	}
	if (cf->nspecs != SECTIONS + 1) {
		fprintf(stderr, "bench-conf: %zu specs, not %d\n", cf->nspecs,
		    SECTIONS + 1);
		exit(2);
	}
	conf_free(cf);
	return (t);
}

int
main(void)
{
	char	dir[] = "/tmp/supd-bench-conf-XXXXXX", path[PATH_MAX];
	double	load[RUNS], bare[RUNS], mload, mbare;
	const char *quick = getenv("BENCH_QUICK");
	long	size;
	int	i, runs = quick != NULL && *quick != '\0' && strcmp(quick, "0") != 0 ? 5 : RUNS;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (2);
	}
	snprintf(path, sizeof(path), "%s/big.ini", dir);
	size = bench_generate(path);
	bench_load(path);	/* warm the page cache and the user database */
	for (i = 0; i < runs; i++) {
		bare[i] = bench_getline(path);
		load[i] = bench_load(path);
	}
	unlink(path);
	rmdir(dir);
	mload = bench_median(load, runs);
	mbare = bench_median(bare, runs);
	printf("bench-conf: %d sections, %.1f MB: conf_load median %.2f ms "
	    "(min %.2f, %d runs), %.2f us a section; %.1fx a bare getline "
	    "pass (%.2f ms)\n", SECTIONS + 1, size / 1e6, mload, load[0], runs,
	    mload * 1e3 / (SECTIONS + 1), mload / mbare, mbare);
	printf("BENCH-RESULT {\"bench\": \"conf_load of %d sections\", "
	    "\"supd\": %.3f, \"unit\": \"ms\", \"baseline\": %.3f, "
	    "\"baseline_what\": \"bare getline pass\", \"ratio\": %.3f, "
	    "\"target\": \"\u2264 %.0f ms\", \"passed\": %s, "
	    "\"source\": \"bench-conf\"}\n", SECTIONS + 1, mload, mbare,
	    mload / mbare, LIMIT_MS, mload <= LIMIT_MS ? "true" : "false");
	if (mload > LIMIT_MS) {
		fprintf(stderr, "bench-conf: median %.0f ms is over %.0f ms\n",
		    mload, LIMIT_MS);
		return (1);
	}
	return (0);
}
