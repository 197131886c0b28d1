/* load.c - load a policy for the command and print its errors and warnings. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_PRINTED 10000 /* errors kept for printing; the rest are counted */

static void
print_diags(const char *file, const struct nj_diags *d, size_t from)
{
	for (size_t i = from; i < d->n; i++) {
		const struct nj_diag *g = &d->v[i];
		const char *kind = g->error ? "error" : "warning";

		if (g->line == 0)
			fprintf(stderr, "%s: %s: %s\n", file, kind, g->msg);
		else
			fprintf(stderr, "%s:%u:%u: %s: %s\n", file, g->line, g->col, kind, g->msg);
	}
}

struct nj_rules *
nj_cli_load(const char *path, const struct nj_sys *sys, int lint, size_t *ret_nerr,
    size_t *ret_nwarn)
{
	return nj_cli_load_text(path, sys, lint, ret_nerr, ret_nwarn, NULL, NULL, NULL);
}

struct nj_rules *
nj_cli_load_text(const char *path, const struct nj_sys *sys, int lint, size_t *ret_nerr,
    size_t *ret_nwarn, char **ret_text, size_t *ret_len, struct nj_snap *snap)
{
	struct nj_diags d = { .max = MAX_PRINTED };
	const char *name = path ? path : NJ_DEFAULT_POLICY_NAME;
	struct nj_rules *r = NULL;
	int rc;

	if (path && snap)
		rc = nj_rules_load_cached(path, sys, &r, &d, snap);
	else if (path)
		rc = nj_rules_load_text(path, sys, &r, &d, ret_text, ret_len);
	else
		rc = nj_rules_parse(nj_default_policy, strlen(nj_default_policy), name, sys, &r,
		    &d);
	if (rc == -12 /* ENOMEM */ && d.n == 0)
		fprintf(stderr, "%s: error: out of memory\n", name);
	print_diags(name, &d, 0);
	if (rc == 0 && lint) {
		size_t n0 = d.n;

		nj_rules_lint(r, &d);
		print_diags(name, &d, n0);
	}
	if (d.dropped)
		fprintf(stderr, "%s: %zu more messages not shown\n", name, d.dropped);
	if (ret_nerr)
		*ret_nerr += d.nerr;
	if (ret_nwarn)
		*ret_nwarn += d.nwarn;
	nj_diags_free(&d);
	return r;
}
