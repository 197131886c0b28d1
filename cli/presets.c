/* presets.c - netjail presets [NAME]: every preset with its prefixes and their sources. */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int
print_one(void *arg, const struct nj_prefix *p, const char *source)
{
	char buf[80];

	(void)arg;
	nj_prefix_format(p, buf, sizeof(buf));
	printf("  %-24s %s\n", buf, source);
	return 0;
}

static void
print_preset(int id, const struct nj_sys *sys)
{
	printf("@%s\n", nj_preset_name(id));
	nj_preset_each(id, sys, print_one, NULL);
}

static void
presets_usage(void)
{
	fputs("usage: netjail presets [NAME]\n", stderr);
}

int
nj_cmd_presets(int argc, char **argv)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	struct nj_sys sys;
	int c;

	if ((c = getopt_long(argc, argv, "+:", none, NULL)) != -1) {
		nj_cli_badopt(c, argv);
		return presets_usage(), EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		return presets_usage(), EXIT_USAGE;
	if (nj_sys_gather(&sys) != 0)
		errx(1, "out of memory");
	if (argc == 1) {
		const char *name = argv[0][0] == '@' ? argv[0] + 1 : argv[0];
		int id = nj_preset_find(name, strlen(name));

		if (id < 0) {
			warnx("unknown preset \"%s\"; netjail presets lists them", argv[0]);
			nj_sys_free(&sys);
			return EXIT_USAGE;
		}
		print_preset(id, &sys);
	} else {
		for (int id = 0; id < nj_preset_count(); id++) {
			if (id)
				putchar('\n');
			print_preset(id, &sys);
		}
	}
	nj_sys_free(&sys);
	return 0;
}
