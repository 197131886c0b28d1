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
	      "       netjail explain [-r RULES] [tcp|udp] NAME[:PORT] [--answer ADDRESS]\n"
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
    const struct nj_verdict *v, const char *indent, const char *host)
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
		nj_suggest_allow_for(d, addr, host, rule, sizeof(rule));
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

/* NAME[:PORT]: a name a program looks up (SPEC.md §3a) into name (nj_host_norm's form), the
 * port into d.  Its length, or -1 when target is no such name. */
static int
parse_name_dest(const char *target, struct nj_dest *d, char *name, size_t size)
{
	char buf[NJ_HOST_TEXT];
	const char *colon = strchr(target, ':');
	size_t n = colon ? (size_t)(colon - target) : strlen(target);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, target, n);
	buf[n] = '\0';
	d->kind = NJ_DEST_IP;
	d->port = NJ_PORT_ANY;
	if (colon && parse_port(colon + 1, &d->port) != 0)
		return -1;
	/* no top-level domain is all digits: 127.1 is an address the resolver reads, not a
	 * name (and not one this command takes: it wants the address written whole) */
	{
		const char *last = strrchr(buf, '.') ? strrchr(buf, '.') + 1 : buf;

		if (last[0] == '\0' || strspn(last, "0123456789") == strlen(last) ||
		    strncmp(last, "0x", 2) == 0)
			return -1;
	}
	return nj_host_norm(buf, name, size);
}

/* explain NAME: the host rules that match it, and (with an answer) the verdict on it */
static int
explain_name(const struct nj_rules *r, struct nj_dest *d, const char *name, size_t n,
    const char *answer)
{
	char rule[600];
	uint32_t block = nj_host_rule(r, NJ_BLOCK, name, n, -1, NJ_PORT_ANY);
	struct nj_verdict v;
	int allowed, any = 0;

	if (answer) {
		if (nj_ip_parse(answer, strlen(answer), &d->ip) != 0)
			errx(EXIT_USAGE, "--answer %s: not an address", answer);
		allowed = block == NJ_NORULE && nj_decide_host(r, d, name, n, &v);
		printf("%s: ", allowed ? "allow" : "deny");
		print_dest(d);
		printf(" for %s\n", name);
		if (block != NJ_NORULE) {
			nj_rule_format(r, block, rule, sizeof(rule));
			printf("  %s (%s:%u)  <- decides: lookups of %s fail\n", rule,
			    nj_rules_file(r), nj_rule_line(r, block), name);
		} else if (allowed && v.rule != NJ_NORULE &&
		    nj_host_rule(r, NJ_ALLOW, name, n, d->proto, d->port) == v.rule) {
			nj_rule_format(r, v.rule, rule, sizeof(rule));
			printf("  %s (%s:%u)  <- allows the answers of this name\n", rule,
			    nj_rules_file(r), nj_rule_line(r, v.rule));
		} else {
			print_matches(r, d, &d->ip, &v, "  ", name);
		}
		return allowed ? 0 : 1;
	}
	printf("%s", name);
	if (d->port != NJ_PORT_ANY)
		printf(" port %d", d->port);
	printf(" (%s): host rules that name it:\n", d->proto == NJ_PROTO_UDP ? "udp" : "tcp");
	for (uint32_t i = 0; i < nj_rules_count(r); i++) {
		if (nj_rule_is_host(r, i) && nj_rule_host_matches(r, i, name, n)) {
			nj_rule_format(r, i, rule, sizeof(rule));
			printf("  %s (%s:%u)\n", rule, nj_rules_file(r), nj_rule_line(r, i));
			any = 1;
		}
	}
	if (!any)
		printf("  none: its answers are judged by the address rules alone\n");
	if (block != NJ_NORULE) {
		printf("deny: lookups of %s fail (block host)\n", name);
		return 1;
	}
	if (nj_host_rule(r, NJ_ALLOW, name, n, d->proto, d->port) != NJ_NORULE) {
		printf("allow: its answers%s, unless a block rule matches the address (try "
		       "--answer ADDRESS)\n",
		    d->port == NJ_PORT_ANY ? " on some port" : "");
		return 0;
	}
	nj_suggest_allow_for(d, NULL, name, rule, sizeof(rule));
	printf("deny: no host rule allows it%s; its answers need an address rule, or to allow it: "
	       "%s\n",
	    d->port == NJ_PORT_ANY ? "" : " on this port", rule);
	return 1;
}

int
nj_cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = { { "answer", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 } };
	const char *rules = NULL, *target, *answer = NULL;
	char name[NJ_HOST_TEXT];
	int namelen = -1;
	struct nj_dest d;
	struct nj_verdict v;
	struct nj_rules *r;
	struct nj_sys sys;
	char path[PATH_MAX + 2];
	int c, i, allowed;

	memset(&d, 0, sizeof(d));
	d.proto = NJ_PROTO_TCP;
	while ((c = getopt_long(argc, argv, "+:r:", opts, NULL)) != -1) {
		if (c == 'a') {
			answer = optarg;
			continue;
		}
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
	/* --answer after the destination too */
	if (i == argc - 3 && strcmp(argv[i + 1], "--answer") == 0)
		answer = argv[i + 2], argc -= 2;
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
	} else if (nj_cli_ip_dest(target, &d) != 0 &&
	    (namelen = parse_name_dest(target, &d, name, sizeof(name))) < 0) {
		errx(EXIT_USAGE,
		    "invalid destination \"%s\": expected ADDRESS[:PORT], "
		    "[IPv6]:PORT, NAME[:PORT], unix:PATH or family:NAME",
		    target);
	}
	if (answer && namelen < 0)
		errx(EXIT_USAGE, "--answer judges an answer of a name: give a NAME[:PORT]");
	if (nj_sys_gather(&sys) != 0)
		errx(EXIT_USAGE, "out of memory");
	if (rules == NULL)
		warnx("no -r given: explaining the built-in default policy");
	r = nj_cli_load(rules, &sys, 0, NULL, NULL);
	nj_sys_free(&sys);
	if (r == NULL)
		return EXIT_USAGE;

	if (namelen >= 0) {
		allowed = explain_name(r, &d, name, (size_t)namelen, answer);
		nj_rules_free(r);
		return allowed;
	}
	allowed = nj_decide(r, &d, &v);
	printf("%s: ", allowed ? "allow" : "deny");
	print_dest(&d);
	if (d.kind == NJ_DEST_IP) {
		struct nj_ip addrs[NJ_MAX_EXPAND];
		int n = nj_ip_expand(&d.ip, addrs);

		if (n == 1) {
			putchar('\n');
			print_matches(r, &d, &addrs[0], &v, "  ", NULL);
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
			print_matches(r, &d, &addrs[k], &ov, "    ", NULL);
		}
	} else {
		putchar('\n');
		print_matches(r, &d, NULL, &v, "  ", NULL);
	}
	nj_rules_free(r);
	return allowed ? 0 : 1;
}
