/* compile.c - netjail compile RULES -o OUT: the rule set in a form the shim maps in one go. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static void
compile_usage(void)
{
	fputs("usage: netjail compile RULES -o OUT\n", stderr);
}

int
nj_cmd_compile(int argc, char **argv)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	const char *in = NULL, *out = NULL;
	struct nj_rules *r;
	char tmp[4096];
	int c, fd, rc, nin = 0;

	/* '-': RULES comes before -o OUT, as the usage has it, whatever POSIXLY_CORRECT says */
	while ((c = getopt_long(argc, argv, "-:o:", none, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 1:
			in = optarg;
			nin++;
			break;
		default: nj_cli_badopt(c, argv); return compile_usage(), EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++, nin++) /* after "--" */
		in = argv[optind];
	if (nin != 1 || out == NULL)
		return compile_usage(), EXIT_USAGE;
	/* no nj_sys: @self and @resolvers are filled in where the compiled file loads */
	if ((r = nj_cli_load(in, NULL, 0, NULL, NULL)) == NULL)
		return 1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", out) >= sizeof(tmp)) {
		warnx("%s: name too long", out);
		nj_rules_free(r);
		return EXIT_USAGE;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		warn("%s", tmp);
		nj_rules_free(r);
		return 1;
	}
	rc = nj_rules_compile(r, fd);
	if (rc == 0 && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	/* written whole, then renamed over OUT: a reader sees the old file or the new one */
	if (rc == 0 && rename(tmp, out) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		errno = -rc;
		if (rc == -EINVAL)
			warnx("%s: this policy cannot be compiled (is it compiled already?)", out);
		else
			warn("%s", out);
	} else {
		printf("%s: %zu rules compiled to %s\n", in, nj_rules_count(r), out);
	}
	nj_rules_free(r);
	return rc == 0 ? 0 : 1;
}
