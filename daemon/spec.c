/*
 * spec.c — small helpers on struct spec: the words of the file for each
 * enum, the success test for an exit, and freeing.  Filling a spec from
 * the INI file is conf.c's job.
 */
#include <signal.h>
#include <stdlib.h>

#include "spec.h"
#include "util.h"

const char *const spec_kind_names[] = { "supervisor", "dynamic", "worker", NULL };
const char *const spec_restart_names[] = { "permanent", "transient", "temporary", NULL };
const char *const spec_strategy_names[] = {
	"one_for_one", "one_for_all", "rest_for_one", NULL
};
const char *const spec_auto_shutdown_names[] = {
	"never", "any_significant", "all_significant", NULL
};
const char *const spec_bool_names[] = { "false", "true", NULL };
const char *const spec_ready_names[] = { "exec", "notify", NULL };
const char *const spec_output_names[] = { "log", "null", "inherit", NULL };

/* A death systemd calls clean: OTP's shutdown, what supd itself sends. */
static int
spec_clean_signal(int sig)
{
	return (sig == SIGTERM || sig == SIGINT || sig == SIGHUP ||
	    sig == SIGPIPE);
}

/* True if the exit (code, or death by sig when sig is not 0) is normal. */
int
spec_is_success(const struct spec *s, int code, int sig)
{
	size_t	i;

	if (sig != 0) {
		if (spec_clean_signal(sig))
			return (1);
		for (i = 0; i < s->nsuccess_signals; i++) {
			if (s->success_signals[i] == sig)
				return (1);
		}
		return (0);
	}
	/* A spec built by hand (tests, dynamic children) may leave the list empty. */
	if (s->success_codes == NULL || s->nsuccess == 0)
		return (code == 0);
	for (i = 0; i < s->nsuccess; i++) {
		if (s->success_codes[i] == code)
			return (1);
	}
	return (0);
}

/* Free s and every string and vector it owns. */
void
spec_free(struct spec *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->parent);
	strv_free(s->argv);
	strv_free(s->env);
	free(s->cwd);
	free(s->user);
	free(s->group);
	free(s->success_codes);
	free(s->success_signals);
	strv_free(s->groups);
	free(s);
}
