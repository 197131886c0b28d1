/* check.c - netjail check RULES: validate, print every error and warning; exit 0 or 1. */
#include <err.h>
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"

static void
check_usage(void)
{
	fputs("usage: netjail check RULES\n", stderr);
}

int
nj_cmd_check(int argc, char **argv)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	struct nj_sys sys;
	struct nj_rules *r;
	size_t nerr = 0, nwarn = 0, nallow = 0;
	const char *path;
	int c;

	/* no options: "--" lets a file name start with '-' */
	if ((c = getopt_long(argc, argv, "+:", none, NULL)) != -1) {
		nj_cli_badopt(c, argv);
		return check_usage(), EXIT_USAGE;
	}
	if (argc - optind != 1 || argv[optind][0] == '\0')
		return check_usage(), EXIT_USAGE;
	path = argv[optind];
	if (nj_sys_gather(&sys) != 0)
		errx(1, "out of memory");
	r = nj_cli_load(path, &sys, 1, &nerr, &nwarn);
	nj_sys_free(&sys);
	if (r == NULL) {
		fprintf(stderr, "%s: invalid: %zu error%s\n", path, nerr, nerr == 1 ? "" : "s");
		return 1;
	}
	nallow = nj_rules_allow_count(r);
	printf("%s: valid: %zu rule%s (%zu allow, %zu block), %zu warning%s\n", path,
	    nj_rules_count(r), nj_rules_count(r) == 1 ? "" : "s", nallow,
	    nj_rules_count(r) - nallow, nwarn, nwarn == 1 ? "" : "s");
	nj_rules_free(r);
	return 0;
}
