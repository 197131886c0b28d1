/* explain.c - netjail explain: the verdict for one destination and the rules that decided it. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static void
explain_usage(void)
{
	fputs("usage: netjail explain [-r RULES] [tcp|udp] ADDRESS[:PORT]\n"
	      "       netjail explain [-r RULES] [tcp|udp] [IPv6]:PORT\n"
	      "       netjail explain [-r RULES] unix:PATH\n"
	      "       netjail explain [-r RULES] family:NAME\n",
	    stderr);
}

static int
parse_port(const char *s, int *ret)
{
	unsigned long v;

	if (nj_num_parse(s, strlen(s), 65535, &v) != 0)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int
nj_cli_ip_dest(const char *s, struct nj_dest *d)
{
	const char *colon;
	size_t n;

	d->kind = NJ_DEST_IP;
	d->port = NJ_PORT_ANY;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL)
			return -EINVAL;
		if (close[1] == ':') {
			if (parse_port(close + 2, &d->port) != 0)
				return -EINVAL;
		} else if (close[1] != '\0') {
			return -EINVAL;
		}
		return nj_ip_parse(s + 1, (size_t)(close - s - 1), &d->ip);
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':') == NULL) {
		n = (size_t)(colon - s);
		if (parse_port(colon + 1, &d->port) != 0)
			return -EINVAL;
	} else {
		n = strlen(s);
	}
	return nj_ip_parse(s, n, &d->ip);
}

/* unix:PATH, matched as the shim would: absolute and canonical when the path resolves. */
static int
parse_unix_dest(const char *path, struct nj_dest *d, char *buf, size_t size)
{
	char cwd[PATH_MAX];

	d->kind = NJ_DEST_UNIX;
	if (path[0] == '@') {
		d->abstract = 1;
		d->path = path + 1;
		d->pathlen = strlen(path + 1);
		return 0;
	}
	if (*path == '\0')
		return -EINVAL;
	if (realpath(path, buf) != NULL) {
		d->path = buf;
	} else if (path[0] == '/') {
		d->path = path;
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    (size_t)snprintf(buf, size, "%s/%s", cwd, path) >= size)
			return -EINVAL;
		d->path = buf;
	}
	d->pathlen = strlen(d->path);
	return 0;
}

static void
print_matches(const struct nj_rules *r, const struct nj_dest *d, const struct nj_ip *addr,
    const struct nj_verdict *v, const char *indent)
{
	uint32_t m[64];
	size_t n = nj_matches(r, d, addr, m, 64);
	char rule[600];

	for (size_t i = 0; i < n && i < 64; i++) {
		nj_rule_format(r, m[i], rule, sizeof(rule));
		printf("%s%s (%s:%u)%s\n", indent, rule, nj_rules_file(r), nj_rule_line(r, m[i]),
		    v && !v->allow && v->rule == m[i] ? "  <- decides: block always wins" : "");
	}
	if (n > 64)
		printf("%s... and %zu more matching rules\n", indent, n - 64);
	if (v && !v->allow && v->rule == NJ_NORULE) {
		nj_suggest_allow(d, addr, rule, sizeof(rule));
		printf("%sno allow rule matches; to allow it: %s\n", indent, rule);
	}
}

static void
print_dest(const struct nj_dest *d)
{
	char ip[80];

	if (d->kind == NJ_DEST_UNIX) {
		printf("unix %s%.*s", d->abstract ? "@" : "", (int)d->pathlen, d->path);
		return;
	}
	if (d->kind == NJ_DEST_FAMILY) {
		printf("family %s", nj_family_name(d->family));
		return;
	}
	printf("%s ", d->proto == NJ_PROTO_UDP ? "udp" : "tcp");
	nj_ip_format(&d->ip, ip, sizeof(ip));
	if (d->port == NJ_PORT_ANY)
		printf("%s (no port given: allowed if some port is)", ip);
	else if (d->ip.family == 6)
		printf("[%s]:%d", ip, d->port);
	else
		printf("%s:%d", ip, d->port);
}

int
nj_cmd_explain(int argc, char **argv)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	const char *rules = NULL, *target;
	struct nj_dest d;
	struct nj_verdict v;
	struct nj_rules *r;
	struct nj_sys sys;
	char path[PATH_MAX + 2];
	int c, i, allowed;

	memset(&d, 0, sizeof(d));
	d.proto = NJ_PROTO_TCP;
	while ((c = getopt_long(argc, argv, "+:r:", none, NULL)) != -1) {
		if (c != 'r') {
			nj_cli_badopt(c, argv);
			return explain_usage(), EXIT_USAGE;
		}
		rules = optarg;
	}
	if ((i = optind) < argc && (strcmp(argv[i], "tcp") == 0 || strcmp(argv[i], "udp") == 0)) {
		d.proto = argv[i][0] == 't' ? NJ_PROTO_TCP : NJ_PROTO_UDP;
		i++;
	}
	if (i != argc - 1)
		return explain_usage(), EXIT_USAGE;
	target = argv[i];
	if (strncmp(target, "unix:", 5) == 0) {
		if (parse_unix_dest(target + 5, &d, path, sizeof(path)) != 0)
			errx(EXIT_USAGE, "invalid unix destination \"%s\"", target);
	} else if (strncmp(target, "family:", 7) == 0) {
		/* a socket of that family, or family:raw, a raw IP socket, as socket(2) makes it
		 * (a netlink message to the kernel itself is no destination to explain) */
		d.kind = NJ_DEST_FAMILY;
		d.proto = NJ_PROTO_OTHER;
		if ((d.family = nj_family_find(target + 7, strlen(target + 7))) < 0)
			errx(EXIT_USAGE,
			    "invalid family destination \"%s\": expected family:NAME, a name "
			    "that family rules take (netjail.rules(5))",
			    target);
	} else if (nj_cli_ip_dest(target, &d) != 0) {
		errx(EXIT_USAGE,
		    "invalid destination \"%s\": expected ADDRESS[:PORT], "
		    "[IPv6]:PORT, unix:PATH or family:NAME (numeric addresses only)",
		    target);
	}
	if (nj_sys_gather(&sys) != 0)
		errx(EXIT_USAGE, "out of memory");
	if (rules == NULL)
		warnx("no -r given: explaining the built-in default policy");
	r = nj_cli_load(rules, &sys, 0, NULL, NULL);
	nj_sys_free(&sys);
	if (r == NULL)
		return EXIT_USAGE;

	allowed = nj_decide(r, &d, &v);
	printf("%s: ", allowed ? "allow" : "deny");
	print_dest(&d);
	if (d.kind == NJ_DEST_IP) {
		struct nj_ip addrs[NJ_MAX_EXPAND];
		int n = nj_ip_expand(&d.ip, addrs);

		if (n == 1) {
			putchar('\n');
			print_matches(r, &d, &addrs[0], &v, "  ");
			nj_rules_free(r);
			return allowed ? 0 : 1;
		}
		printf(" stands for %d addresses; every one must be allowed\n", n);
		for (int k = 0; k < n; k++) {
			struct nj_verdict ov;
			char ip[80];

			nj_decide_one(r, &d, &addrs[k], &ov);
			nj_ip_format(&addrs[k], ip, sizeof(ip));
			printf("  %s: %s\n", ip, ov.allow ? "allow" : "deny");
			print_matches(r, &d, &addrs[k], &ov, "    ");
		}
	} else {
		putchar('\n');
		print_matches(r, &d, NULL, &v, "  ");
	}
	nj_rules_free(r);
	return allowed ? 0 : 1;
}
