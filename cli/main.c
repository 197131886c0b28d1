/* main.c - the netjail command: dispatch to run, learn, check, compile, explain, presets; the
 * option errors they share. */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static void
usage(FILE *f)
{
	fputs(
	    "usage: netjail run [-r RULES] [--audit] [--log DEST] [--allow-unjailed] [--] "
	    "COMMAND [ARG...]\n"
	    "       netjail learn [-r RULES] [-o FILE] [--wildcards] [--supervise] [--] COMMAND [ARG...]\n"
	    "       netjail check RULES\n"
	    "       netjail compile RULES -o OUT\n"
	    "       netjail explain [-r RULES] [tcp|udp] ADDRESS[:PORT] | [IPv6]:PORT | unix:PATH\n"
	    "       netjail presets [NAME]\n",
	    f);
}

void
nj_cli_badopt(int c, char *const argv[])
{
	char opt[3] = { '-', (char)optopt, '\0' };
	const char *name = optopt > 0 && optopt < 256 ? opt : argv[optind - 1];

	if (c == ':')
		warnx("option %s needs an argument", name);
	else
		warnx("unknown option %s", name);
}

/*
 * check and compile build a large policy's tables in fresh memory (a 1,000,000-line file
 * touches some 150 MB), where page faults are most of their time.  glibc's malloc asks for
 * huge pages for its memory when the tunable glibc.malloc.hugetlb is set, which is read only
 * at start-up: so these two commands run themselves again, once, with it added (figures in
 * docs/performance.md).  They start no other program, so nothing inherits it.  When the
 * re-run cannot be done, they go on as they are.
 */
static void
with_huge_pages(char **argv)
{
	const char *was = getenv("GLIBC_TUNABLES");
	char *t, *v;

	if (was && strstr(was, "glibc.malloc.hugetlb"))
		return; /* set already: by the re-run, or by the user */
	if ((t = was ? strdup(was) : NULL) == NULL && was)
		return;
	if (asprintf(&v, "%s%sglibc.malloc.hugetlb=1", t ? t : "", t && *t ? ":" : "") < 0) {
		free(t);
		return;
	}
	if (setenv("GLIBC_TUNABLES", v, 1) == 0)
		execv("/proc/self/exe", argv);
	if (t)
		setenv("GLIBC_TUNABLES", t, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(t);
	free(v);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "run") == 0)
		return nj_cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "learn") == 0)
		return nj_cmd_learn(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0 || strcmp(argv[1], "compile") == 0)
		with_huge_pages(argv);
	if (strcmp(argv[1], "check") == 0)
		return nj_cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "compile") == 0)
		return nj_cmd_compile(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return nj_cmd_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "presets") == 0)
		return nj_cmd_presets(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	warnx("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
