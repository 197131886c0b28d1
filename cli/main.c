/* main.c - the netjail command: dispatch to run, learn, check, compile, explain, presets. */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
usage(FILE *f)
{
	fputs("usage: netjail run [-r RULES] [--audit] [--log DEST] [--allow-unjailed] [--] "
	    "COMMAND [ARG...]\n"
	    "       netjail learn [-r RULES] [-o FILE] [--] COMMAND [ARG...]\n"
	    "       netjail check RULES\n"
	    "       netjail compile RULES -o OUT\n"
	    "       netjail explain [-r RULES] [tcp|udp] ADDRESS[:PORT] | [IPv6]:PORT | unix:PATH\n"
	    "       netjail presets [NAME]\n", f);
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
