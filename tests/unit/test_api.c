/* test_api.c - api.c, the engine as a library (netjail.h): parse and load with their errors,
 * decisions on real sockaddrs (v4, v6, v4-mapped, unix paths, bad lengths), the explanation
 * lines, the text a scope hands to libnetjail.so, netjail_connect against a loopback listener
 * (a denial proved on both sides, with its allowed twin), and many threads on one rule set. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/api.h" /* the fields libnetjail.so reads: magic, abi, text, len, name */
#include "sys/intake.h"
#include "tests.h"

/* ---- sockaddrs ---- */

struct sa {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* "1.2.3.4" or "2001:db8::1" (v4-mapped included) with a port, as the kernel takes it. */
static struct sa
sa_ip(const char *ip, int port)
{
	struct sa s;

	memset(&s, 0, sizeof(s));
	if (strchr(ip, ':') == NULL) {
		struct sockaddr_in *in = (struct sockaddr_in *)&s.ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET, ip, &in->sin_addr), 1);
		s.len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&s.ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
		s.len = sizeof(*in6);
	}
	return s;
}

/* A unix pathname, "@name" for the abstract namespace, "" for an unnamed socket. */
static struct sa
sa_unix(const char *path)
{
	struct sa s;
	struct sockaddr_un *un = (struct sockaddr_un *)&s.ss;
	size_t n = strlen(path);

	memset(&s, 0, sizeof(s));
	un->sun_family = AF_UNIX;
	ck_assert_uint_lt(n, sizeof(un->sun_path));
	memcpy(un->sun_path, path, n);
	if (path[0] == '@')
		un->sun_path[0] = '\0';
	s.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '@' ? 0 : n > 0));
	return s;
}

static struct netjail_rules *
parse_ok(const char *text, const char *name)
{
	struct netjail_rules *r = NULL;
	struct netjail_error e;
	int rc = netjail_rules_parse(text, strlen(text), name, &r, &e);

	ck_assert_msg(rc == 0, "rules did not parse (%d): %s", rc, e.message);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* ---- parse errors ---- */

static const struct {
	const char *text, *name;
	unsigned line, col;
	const char *message; /* the whole line, as `netjail check` prints it */
} parse_errors[] = {
	{ "allow @public\nallow @publik\n", "webhook", 2, 7, "webhook:2:7: error: unknown preset" },
	{ "allow any\nallow 10.0.0.1/8\n", "app.rules", 2, 7,
	    "app.rules:2:7: error: host bits set in 10.0.0.1/8" },
	{ "allow 127.1\n", NULL, 1, 7, "rules:1:7: error: " },
	{ "allow tcp 1.2.3.4 port https\n", "p", 1, 24, "p:1:24: error: expected a port number" },
	{ "ALLOW any\n", "k", 1, 1, "k:1:1: error: " },
};

START_TEST(test_api_parse_errors)
{
	struct netjail_rules *r = (struct netjail_rules *)(uintptr_t)1; /* must come back NULL */
	struct netjail_error e;
	const char *t = parse_errors[_i].text;

	memset(&e, 0x55, sizeof(e));
	ck_assert_int_eq(netjail_rules_parse(t, strlen(t), parse_errors[_i].name, &r, &e), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(e.line, parse_errors[_i].line);
	ck_assert_uint_eq(e.col, parse_errors[_i].col);
	ck_assert_msg(strncmp(e.message, parse_errors[_i].message,
	                  strlen(parse_errors[_i].message)) == 0,
	    "message \"%s\", want \"%s...\"", e.message, parse_errors[_i].message);
	ck_assert_ptr_nonnull(memchr(e.message, '\0', sizeof(e.message)));
	/* without an error struct: the same code, nothing written */
	ck_assert_int_eq(netjail_rules_parse(t, strlen(t), "x", &r, NULL), -EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_api_parse_arguments)
{
	static const char big[] = "allow any\n";
	struct netjail_rules *r = NULL;
	struct netjail_error e;

	/* too large: refused before a byte is read, a line-0 error */
	ck_assert_int_eq(netjail_rules_parse(big, (size_t)NJ_MAX_FILE + 1, "big", &r, &e), -EFBIG);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(e.line, 0);
	ck_assert_str_eq(e.message, "big: error: file larger than 67108864 bytes");
	ck_assert_int_eq(netjail_rules_parse("x", 1, "n", NULL, &e), -EINVAL);
	ck_assert_int_eq(netjail_rules_parse(NULL, 3, "n", &r, &e), -EINVAL);
	ck_assert_ptr_null(r);
	/* no text at all: a valid, empty rule set, which denies everything */
	ck_assert_int_eq(netjail_rules_parse(NULL, 0, NULL, &r, &e), 0);
	ck_assert_str_eq(r->name, "rules");
	ck_assert_str_eq(r->text, "");
	ck_assert_uint_eq(r->len, 0);
	{
		struct sa s = sa_ip("8.8.8.8", 443);

		ck_assert_int_eq(netjail_decide(r, (struct sockaddr *)&s.ss, s.len,
		                     NETJAIL_PROTO_TCP),
		    0);
	}
	netjail_rules_free(r);
	netjail_rules_free(NULL); /* a no-op */
}
END_TEST

/* What libnetjail.so reads of a struct netjail_rules: magic, abi, and the text as given. */
START_TEST(test_api_struct_fields)
{
	static const char text[] = "allow @public\r\n# comment\nblock @metadata\n";
	struct netjail_rules *r = parse_ok(text, "webhook");

	ck_assert_uint_eq(r->magic, NJ_API_MAGIC);
	ck_assert_uint_eq(r->abi, NETJAIL_ABI);
	ck_assert_str_eq(r->text, text);
	ck_assert_uint_eq(r->len, strlen(text));
	ck_assert_str_eq(r->name, "webhook");
	ck_assert_ptr_nonnull(r->rules);
	ck_assert_uint_eq(nj_rules_count(r->rules), 2);
	netjail_rules_free(r);
}
END_TEST

/* ---- decisions on sockaddrs ---- */

static const char decide_rules[] = "allow @public\n"
                                   "allow tcp 10.1.2.3 port 5432\n"
                                   "allow 10.9.9.9 port 53\n"
                                   "block @metadata\n"
                                   "allow unix /run/pg/*\n"
                                   "allow unix @ok\n"
                                   "allow family netlink\n";

#define ANY NETJAIL_PROTO_ANY
#define TCP NETJAIL_PROTO_TCP
#define UDP NETJAIL_PROTO_UDP

static const struct {
	const char *ip;
	int port, proto, want;
} ip_cases[] = {
	{ "8.8.8.8", 443, TCP, 1 },
	{ "8.8.8.8", 53, UDP, 1 },
	{ "8.8.8.8", 443, ANY, 1 },
	{ "127.0.0.1", 80, TCP, 0 },
	{ "169.254.169.254", 80, TCP, 0 },
	{ "168.63.129.16", 80, TCP, 0 },
	{ "10.0.0.1", 80, TCP, 0 },
	{ "0.0.0.0", 80, TCP, 0 }, /* stands for 127.0.0.1 too */
	{ "10.1.2.3", 5432, TCP, 1 },
	{ "10.1.2.3", 5432, UDP, 0 },
	{ "10.1.2.3", 5433, TCP, 0 },
	{ "10.1.2.3", 5432, ANY, 0 }, /* any protocol: a tcp rule is not enough */
	{ "10.9.9.9", 53, ANY, 1 }, /* a rule without proto is */
	{ "10.9.9.9", 53, UDP, 1 },
	/* IPv6 */
	{ "2606:4700::1111", 443, TCP, 1 },
	{ "::1", 80, TCP, 0 },
	{ "::", 80, TCP, 0 },
	{ "fd00::1", 80, TCP, 0 },
	{ "64:ff9b::808:808", 443, TCP, 1 }, /* NAT64 of 8.8.8.8 */
	{ "64:ff9b::7f00:1", 80, TCP, 0 }, /* NAT64 of loopback */
	{ "64:ff9b::a9fe:a9fe", 80, TCP, 0 }, /* NAT64 of metadata */
	{ "2002:7f00:1::", 80, TCP, 0 }, /* 6to4 of loopback */
	/* v4-mapped: judged as the IPv4 address the kernel sends to */
	{ "::ffff:8.8.8.8", 443, TCP, 1 },
	{ "::ffff:127.0.0.1", 80, TCP, 0 },
	{ "::ffff:169.254.169.254", 80, TCP, 0 },
	{ "::ffff:10.1.2.3", 5432, TCP, 1 },
	{ "::ffff:10.1.2.3", 5432, UDP, 0 },
};

START_TEST(test_api_decide_ip)
{
	struct netjail_rules *r = parse_ok(decide_rules, "decide");
	struct sa s = sa_ip(ip_cases[_i].ip, ip_cases[_i].port);
	char why[256];
	int got;

	got = netjail_decide(r, (struct sockaddr *)&s.ss, s.len, ip_cases[_i].proto);
	netjail_explain(r, (struct sockaddr *)&s.ss, s.len, ip_cases[_i].proto, why, sizeof(why));
	ck_assert_msg(got == ip_cases[_i].want, "%s port %d proto %d: got %d, want %d (%s)",
	    ip_cases[_i].ip, ip_cases[_i].port, ip_cases[_i].proto, got, ip_cases[_i].want, why);
	/* explain decides the same */
	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&s.ss, s.len, ip_cases[_i].proto,
	                     why, sizeof(why)),
	    got);
	/* a NULL rule set denies everything */
	ck_assert_int_eq(netjail_decide(NULL, (struct sockaddr *)&s.ss, s.len, TCP), 0);
	netjail_rules_free(r);
}
END_TEST

static const struct {
	const char *path; /* "@x" abstract, "" unnamed */
	int want;
} unix_cases[] = {
	{ "/run/pg/.s.PGSQL.5432", 1 }, { "/run/pg/sub/dir.sock", 1 }, { "/run/pgx.sock", 0 },
	{ "/var/run/docker.sock", 0 }, { "relative.sock", 0 }, /* made absolute against the cwd */
	{ "@ok", 1 }, { "@ok2", 0 }, { "@", 0 }, /* the empty abstract name */
	{ "", 1 }, /* unnamed: reaches no one */
};

START_TEST(test_api_decide_unix)
{
	struct netjail_rules *r = parse_ok(decide_rules, "decide");
	struct sa s = sa_unix(unix_cases[_i].path);

	ck_assert_msg(netjail_decide(r, (struct sockaddr *)&s.ss, s.len, ANY) ==
	        unix_cases[_i].want,
	    "unix \"%s\"", unix_cases[_i].path);
	ck_assert_int_eq(netjail_decide(r, (struct sockaddr *)&s.ss, s.len, TCP),
	    unix_cases[_i].want);
	netjail_rules_free(r);
}
END_TEST

/* A unix path is judged where the kernel will take it: a symbolic link or a ".." inside an
 * allowed directory does not admit a socket outside it.  (A path that does not resolve is
 * judged as written: the kernel cannot reach a socket through it either.) */
START_TEST(test_api_decide_unix_canonical)
{
	char dir[] = "/tmp/nj-api-XXXXXX", rules[512], path[512], secret[512];
	struct netjail_rules *r;
	struct sa s;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/allowed", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(secret, sizeof(secret), "%s/secret.sock", dir);
	ck_assert_int_ge(fd = open(secret, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/allowed/link.sock", dir);
	ck_assert_int_eq(symlink(secret, path), 0);
	snprintf(rules, sizeof(rules), "allow unix %s/allowed/*\n", dir);
	r = parse_ok(rules, "links");

	s = sa_unix(path); /* the link: leads outside */
	ck_assert_int_eq(netjail_decide(r, (struct sockaddr *)&s.ss, s.len, ANY), 0);
	snprintf(path, sizeof(path), "%s/allowed/../secret.sock", dir);
	s = sa_unix(path); /* "..": outside too */
	ck_assert_int_eq(netjail_decide(r, (struct sockaddr *)&s.ss, s.len, ANY), 0);
	snprintf(path, sizeof(path), "%s/allowed/plain.sock", dir);
	s = sa_unix(path); /* inside: the allowed twin */
	ck_assert_int_eq(netjail_decide(r, (struct sockaddr *)&s.ss, s.len, ANY), 1);
	netjail_rules_free(r);

	snprintf(path, sizeof(path), "%s/allowed/link.sock", dir);
	unlink(path);
	unlink(secret);
	snprintf(path, sizeof(path), "%s/allowed", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_api_decide_families)
{
	struct netjail_rules *r = parse_ok(decide_rules, "decide");
	struct sockaddr_nl nl;
	struct sockaddr_storage ss;

	memset(&nl, 0, sizeof(nl));
	nl.nl_family = AF_NETLINK;
	ck_assert_int_eq(netjail_decide(r, (struct sockaddr *)&nl, sizeof(nl), ANY), 1);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_PACKET;
	ck_assert_int_eq(netjail_decide(r, (struct sockaddr *)&ss, 20, ANY), 0);
	netjail_rules_free(r);
}
END_TEST

/* What socket(2) makes, as the rules see it then: the sockets that write headers of their own
 * are family destinations (packet, raw), every other socket none. */
static const struct {
	int domain, type, want; /* want: the family, or 0 */
} socket_cases[] = {
	{ AF_INET, SOCK_RAW, NJ_FAMILY_RAW }, { AF_INET6, SOCK_RAW, NJ_FAMILY_RAW },
	{ AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NJ_FAMILY_RAW },
	{ AF_INET6, SOCK_RAW | SOCK_CLOEXEC, NJ_FAMILY_RAW }, { AF_PACKET, SOCK_RAW, AF_PACKET },
	{ AF_PACKET, SOCK_DGRAM, AF_PACKET }, { AF_PACKET, SOCK_PACKET | SOCK_NONBLOCK, AF_PACKET },
	{ AF_PACKET, 0, AF_PACKET }, /* whatever the type: the kernel decides what it makes */
	{ AF_INET, SOCK_PACKET, AF_PACKET }, /* the kernel makes a packet socket of it */
	{ AF_INET, SOCK_PACKET | SOCK_CLOEXEC, AF_PACKET }, { AF_XDP, SOCK_RAW, AF_XDP },
	{ AF_XDP, SOCK_RAW | SOCK_CLOEXEC, AF_XDP },
	{ AF_INET6, SOCK_PACKET, 0 }, /* refused by the kernel: no packet socket */
	{ AF_INET, SOCK_DGRAM, 0 }, /* UDP, and ping sockets (IPPROTO_ICMP) */
	{ AF_INET6, SOCK_DGRAM, 0 }, { AF_INET, SOCK_STREAM, 0 }, { AF_INET6, SOCK_SEQPACKET, 0 },
	{ AF_INET, SOCK_RDM, 0 },
	{ AF_NETLINK, SOCK_RAW, 0 }, /* netlink is judged by where it sends */
	{ AF_UNIX, SOCK_RAW, 0 }, { AF_UNIX, SOCK_STREAM, 0 }, { AF_VSOCK, SOCK_STREAM, 0 },
	{ AF_UNSPEC, SOCK_RAW, 0 }, { -1, SOCK_RAW, 0 },
	{ AF_INET, SOCK_RAW | 0x10, NJ_FAMILY_RAW }, /* a bad flag: EINVAL, or refused here */
};

START_TEST(test_api_socket_dest)
{
	struct nj_rules *none = rules_ok("allow any\nallow family netlink\n");
	struct nj_rules *raw = rules_ok("allow family raw\n");
	struct nj_rules *pkt = rules_ok("allow family packet\n");
	struct nj_rules *xdp = rules_ok("allow family xdp\n");
	struct nj_dest d;
	int got;

	memset(&d, 0xa5, sizeof(d));
	got = nj_socket_dest(&d, socket_cases[_i].domain, socket_cases[_i].type);
	ck_assert_int_eq(got, socket_cases[_i].want != 0);
	if (got) {
		ck_assert_int_eq(d.kind, NJ_DEST_FAMILY);
		ck_assert_int_eq(d.family, socket_cases[_i].want);
		ck_assert_int_eq(d.kernel, 0);
		ck_assert_int_eq(nj_decide(none, &d, NULL), 0); /* allow any is addresses only */
		ck_assert_int_eq(nj_decide(raw, &d, NULL), d.family == NJ_FAMILY_RAW);
		ck_assert_int_eq(nj_decide(pkt, &d, NULL), d.family == AF_PACKET);
		ck_assert_int_eq(nj_decide(xdp, &d, NULL), d.family == AF_XDP);
	}
	nj_rules_free(none);
	nj_rules_free(raw);
	nj_rules_free(pkt);
	nj_rules_free(xdp);
}
END_TEST

/* Malformed: -EINVAL, and nothing read past what the caller said it gave. */
START_TEST(test_api_decide_bad_lengths)
{
	struct netjail_rules *r = parse_ok("allow any\n", "bad");
	struct sa v4 = sa_ip("8.8.8.8", 80), v6 = sa_ip("2606:4700::1111", 80);
	struct sockaddr_storage ss;
	struct sockaddr *sa4 = (struct sockaddr *)&v4.ss, *sa6 = (struct sockaddr *)&v6.ss;
	char why[128];

	ck_assert_int_eq(netjail_decide(r, sa4, sizeof(struct sockaddr_in), TCP), 1);
	ck_assert_int_eq(netjail_decide(r, sa4, sizeof(struct sockaddr_in) - 1, TCP), -EINVAL);
	ck_assert_int_eq(netjail_decide(r, sa4, 4, TCP), -EINVAL);
	ck_assert_int_eq(netjail_decide(r, sa4, 1, TCP), -EINVAL);
	ck_assert_int_eq(netjail_decide(r, sa4, 0, TCP), -EINVAL);
	ck_assert_int_eq(netjail_decide(r, sa6, 24, TCP), 1); /* the kernel's minimum */
	ck_assert_int_eq(netjail_decide(r, sa6, 23, TCP), -EINVAL);
	ck_assert_int_eq(netjail_decide(r, sa6, sizeof(struct sockaddr_storage), TCP), 1);
	ck_assert_int_eq(netjail_decide(r, sa6, sizeof(struct sockaddr_storage) + 1, TCP), -EINVAL);
	ck_assert_int_eq(netjail_decide(r, NULL, 16, TCP), -EINVAL);
	ck_assert_int_eq(netjail_decide(NULL, sa4, 4, TCP), -EINVAL); /* malformed first */
	ck_assert_int_eq(netjail_decide(r, sa4, sizeof(struct sockaddr_in), 3), -EINVAL);
	ck_assert_int_eq(netjail_decide(r, sa4, sizeof(struct sockaddr_in), IPPROTO_SCTP), -EINVAL);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNSPEC;
	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&ss, sizeof(ss), TCP, why,
	                     sizeof(why)),
	    -EINVAL);
	ck_assert_str_eq(why, "AF_UNSPEC names no destination");
	ck_assert_int_eq(netjail_explain(r, sa6, 23, TCP, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "the address length does not fit its family");
	netjail_rules_free(r);
}
END_TEST

/* ---- explanations ---- */

static const char explain_rules[] = "allow any\n"
                                    "block 127.0.0.0/8\n"
                                    "block tcp 10.0.0.0/8 port 22\n"
                                    "allow unix /run/pg/*\n";

static const struct {
	const char *dest; /* IP or "unix:PATH" */
	int port, proto, want;
	const char *line;
} explain_cases[] = {
	{ "127.0.0.1", 80, TCP, 0, "block 127.0.0.0/8 (app:2)" },
	{ "::ffff:127.0.0.1", 80, TCP, 0, "block 127.0.0.0/8 (app:2)" },
	{ "0.0.0.0", 80, TCP, 0, "it stands for 127.0.0.1, and block 127.0.0.0/8 (app:2)" },
	{ "64:ff9b::7f00:1", 80, TCP, 0, "it stands for 127.0.0.1, and block 127.0.0.0/8 (app:2)" },
	{ "10.0.0.7", 22, TCP, 0, "block tcp 10.0.0.0/8 port 22 (app:3)" },
	{ "10.0.0.7", 22, ANY, 0, "block tcp 10.0.0.0/8 port 22 (app:3)" },
	{ "10.0.0.7", 22, UDP, 1, "allow any (app:1)" },
	{ "8.8.8.8", 443, TCP, 1, "allow any (app:1)" },
	{ "8.8.8.8", 443, ANY, 1, "allow any (app:1)" },
	{ "unix:/run/pg/x.sock", 0, ANY, 1, "allow unix /run/pg/* (app:4)" },
	{ "unix:/run/other.sock", 0, ANY, 0,
	    "no allow rule matches (app); to allow it: allow unix /run/other.sock" },
	{ "unix:", 0, ANY, 1, "an unnamed unix socket reaches no one: always allowed" },
};

static struct sa
sa_of(const char *dest, int port)
{
	return strncmp(dest, "unix:", 5) == 0 ? sa_unix(dest + 5) : sa_ip(dest, port);
}

START_TEST(test_api_explain)
{
	struct netjail_rules *r = parse_ok(explain_rules, "app");
	struct sa s = sa_of(explain_cases[_i].dest, explain_cases[_i].port);
	char why[256];

	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&s.ss, s.len,
	                     explain_cases[_i].proto, why, sizeof(why)),
	    explain_cases[_i].want);
	ck_assert_str_eq(why, explain_cases[_i].line);
	netjail_rules_free(r);
}
END_TEST

START_TEST(test_api_explain_no_allow)
{
	struct netjail_rules *r = parse_ok("allow @public\n", "webhook");
	struct sa s = sa_ip("10.0.0.7", 5432);
	char why[256];

	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&s.ss, s.len, TCP, why, sizeof(why)),
	    0);
	ck_assert_str_eq(why,
	    "no allow rule matches (webhook); to allow it: allow tcp 10.0.0.7 "
	    "port 5432");
	/* any protocol: the rule to write names none */
	netjail_explain(r, (struct sockaddr *)&s.ss, s.len, ANY, why, sizeof(why));
	ck_assert_str_eq(why,
	    "no allow rule matches (webhook); to allow it: allow 10.0.0.7 "
	    "port 5432");
	s = sa_ip("::ffff:10.0.0.7", 53);
	netjail_explain(r, (struct sockaddr *)&s.ss, s.len, UDP, why, sizeof(why));
	ck_assert_str_eq(why,
	    "no allow rule matches (webhook); to allow it: allow udp 10.0.0.7 "
	    "port 53");
	/* no rule set */
	ck_assert_int_eq(netjail_explain(NULL, (struct sockaddr *)&s.ss, s.len, UDP, why,
	                     sizeof(why)),
	    0);
	ck_assert_str_eq(why, "no rule set: every destination is denied");
	netjail_rules_free(r);
}
END_TEST

/* snprintf-like: always terminated, cut to size; no buffer at all is fine. */
START_TEST(test_api_explain_truncates)
{
	struct netjail_rules *r = parse_ok(explain_rules, "app");
	struct sa s = sa_ip("127.0.0.1", 80);
	char why[8];

	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&s.ss, s.len, TCP, why, sizeof(why)),
	    0);
	ck_assert_str_eq(why, "block 1");
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&s.ss, s.len, TCP, why, 1), 0);
	ck_assert_int_eq(why[0], '\0');
	ck_assert_int_eq(why[1], 'x');
	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&s.ss, s.len, TCP, NULL, 0), 0);
	ck_assert_int_eq(netjail_explain(r, (struct sockaddr *)&s.ss, s.len, TCP, NULL, 100), 0);
	netjail_rules_free(r);
}
END_TEST

/* ---- load: text and compiled, and the text a scope hands on ---- */

static const char load_text[] = "# a policy\n"
                                "allow @public\n"
                                "\n"
                                "allow tcp 10.1.2.3 port 5432   # the database\n"
                                "block @metadata\n"
                                "allow udp @resolvers port 53\n"
                                "block @self\n"
                                "allow unix /run/pg/*\n";

static const char *const load_dests[] = {
	"8.8.8.8",
	"127.0.0.1",
	"169.254.169.254",
	"10.1.2.3",
	"10.1.2.4",
	"2606:4700::1111",
	"::ffff:10.1.2.3",
	"64:ff9b::a9fe:a9fe",
	"0.0.0.0",
	"unix:/run/pg/s",
	"unix:/run/x",
};

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* a and b decide every load_dests[] entry alike, for each protocol, with the same line. */
static void
same_decisions(const struct netjail_rules *a, const struct netjail_rules *b)
{
	static const int protos[] = { ANY, TCP, UDP };
	static const int ports[] = { 53, 443, 5432 };

	for (size_t i = 0; i < NELEM(load_dests); i++) {
		for (size_t k = 0; k < NELEM(protos) * NELEM(ports); k++) {
			struct sa s = sa_of(load_dests[i], ports[k % 3]);
			char wa[256], wb[256];
			int da = netjail_explain(a, (struct sockaddr *)&s.ss, s.len, protos[k / 3],
			    wa, sizeof(wa));
			int db = netjail_explain(b, (struct sockaddr *)&s.ss, s.len, protos[k / 3],
			    wb, sizeof(wb));

			ck_assert_msg(da == db, "%s port %d: %d vs %d", load_dests[i], ports[k % 3],
			    da, db);
			ck_assert_str_eq(wa, wb);
		}
	}
}

START_TEST(test_api_load_text)
{
	char path[] = "/tmp/nj-api-XXXXXX";
	struct netjail_rules *p = parse_ok(load_text, NULL), *l = NULL;
	struct netjail_error e;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, load_text);
	ck_assert_int_eq(netjail_rules_load(path, &l, &e), 0);
	ck_assert_str_eq(l->text, load_text); /* the text as given, comments and all */
	ck_assert_uint_eq(l->len, strlen(load_text));
	ck_assert_str_eq(l->name, path);
	ck_assert_str_eq(p->name, "rules");
	/* the parse was named "rules", the load by its path: only the lines may differ */
	{
		struct netjail_rules *q = parse_ok(load_text, path);

		same_decisions(q, l);
		netjail_rules_free(q);
	}
	netjail_rules_free(p);
	netjail_rules_free(l);
	unlink(path);
}
END_TEST

START_TEST(test_api_load_compiled)
{
	char path[] = "/tmp/nj-api-XXXXXX";
	struct netjail_rules *t, *c = NULL, *again;
	struct netjail_error e;
	struct nj_rules *plain = rules_ok(load_text); /* compiled without @self/@resolvers */
	int fd = mkstemp(path);
	const char *rule_lines[] = { "allow @public\n", "allow tcp 10.1.2.3 port 5432\n",
		"block @metadata\n", "allow udp @resolvers port 53\n", "block @self\n",
		"allow unix /run/pg/*\n" };
	const unsigned want_lines[] = { 2, 4, 5, 6, 7, 8 };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(nj_rules_compile(plain, fd), 0);
	close(fd);
	nj_rules_free(plain);
	ck_assert_int_eq(netjail_rules_load(path, &c, &e), 0);
	/* compiled from the test's "test.rules": that is the name the rules carry */
	ck_assert_str_eq(c->name, "test.rules");
	ck_assert_uint_eq(strlen(c->text), c->len);
	/* every rule, normalised, on the line it came from */
	for (size_t i = 0; i < NELEM(rule_lines); i++) {
		const char *at = c->text;

		for (unsigned l = 1; l < want_lines[i]; l++) {
			at = strchr(at, '\n');
			ck_assert_ptr_nonnull(at);
			at++;
		}
		ck_assert_msg(strncmp(at, rule_lines[i], strlen(rule_lines[i])) == 0,
		    "line %u of the text is not \"%s\":\n%s", want_lines[i], rule_lines[i],
		    c->text);
	}
	/* the text re-parses to the same decisions, and both decide as the original text */
	again = parse_ok(c->text, "test.rules");
	same_decisions(again, c);
	t = parse_ok(load_text, "test.rules");
	same_decisions(t, c);
	netjail_rules_free(again);
	netjail_rules_free(t);
	netjail_rules_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_api_load_errors)
{
	char path[] = "/tmp/nj-api-XXXXXX", want[128];
	struct netjail_rules *r = (struct netjail_rules *)(uintptr_t)1;
	struct netjail_error e;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, "allow any\n\nallow 10.0.0.1/8\n");
	ck_assert_int_eq(netjail_rules_load(path, &r, &e), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(e.line, 3);
	ck_assert_uint_eq(e.col, 7);
	snprintf(want, sizeof(want), "%s:3:7: error: host bits set", path);
	ck_assert_msg(strncmp(e.message, want, strlen(want)) == 0, "%s", e.message);
	unlink(path);
	ck_assert_int_eq(netjail_rules_load(path, &r, &e), -ENOENT);
	ck_assert_uint_eq(e.line, 0);
	snprintf(want, sizeof(want), "%s: error: cannot open: No such file or directory", path);
	ck_assert_str_eq(e.message, want);
	ck_assert_int_eq(netjail_rules_load("/tmp", &r, &e), -EINVAL);
	ck_assert_str_eq(e.message, "/tmp: error: not a regular file");
	ck_assert_int_eq(netjail_rules_load(NULL, &r, NULL), -EINVAL);
	ck_assert_int_eq(netjail_rules_load(path, NULL, NULL), -EINVAL);
}
END_TEST

/* ---- netjail_connect against a loopback listener: both sides ---- */

/* A listener on 127.0.0.1, port chosen by the kernel: non-blocking, so an empty accept
 * queue answers EAGAIN at once. */
static int
listener(int type, struct sa *ret)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sa s = sa_ip("127.0.0.1", 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&s.ss, s.len), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&s.ss, &s.len), 0);
	*ret = s;
	return fd;
}

/* Did a connection (stream) or datagram arrive within a moment?  Takes it if so. */
static int
arrived(int lfd, int type)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char buf[16];

	if (poll(&p, 1, 200) != 1)
		return 0;
	if (type == SOCK_STREAM) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			return 0;
		close(c);
		return 1;
	}
	return recv(lfd, buf, sizeof(buf), 0) >= 0;
}

/* A denial on both sides: a new stream socket's netjail_connect to s fails with EACCES, the
 * socket is not connected, and nothing arrives at the listener lfd. */
static void
refused(const struct netjail_rules *r, const struct sa *s, int lfd)
{
	int fd = socket(s->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage peer;
	socklen_t n = sizeof(peer);

	ck_assert_int_ge(fd, 0);
	errno = 0;
	ck_assert_int_eq(netjail_connect(r, fd, (const struct sockaddr *)&s->ss, s->len), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(getpeername(fd, (struct sockaddr *)&peer, &n), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	ck_assert_msg(!arrived(lfd, SOCK_STREAM), "a denied connect reached the listener");
	ck_assert_int_eq(accept(lfd, NULL, NULL), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(fd);
}

/* Its allowed twin: netjail_connect connects, errno untouched, and the listener sees it. */
static void
connects(const struct netjail_rules *r, const struct sa *s, int lfd)
{
	int fd = socket(s->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	errno = 4242;
	ck_assert_int_eq(netjail_connect(r, fd, (const struct sockaddr *)&s->ss, s->len), 0);
	ck_assert_int_eq(errno, 4242);
	ck_assert_msg(arrived(lfd, SOCK_STREAM), "an allowed connect did not arrive");
	close(fd);
}

static int
port_of_sa(const struct sa *s)
{
	return ntohs(((const struct sockaddr_in *)&s->ss)->sin_port);
}

START_TEST(test_api_connect_tcp)
{
	struct sa l;
	int lfd = listener(SOCK_STREAM, &l), port = port_of_sa(&l), fd;
	char text[128];
	struct netjail_rules *allow, *deny;

	snprintf(text, sizeof(text), "allow tcp 127.0.0.1 port %d\n", port);
	allow = parse_ok(text, "allow");
	deny = parse_ok("allow @public\n", "deny");

	refused(deny, &l, lfd);
	refused(NULL, &l, lfd); /* a NULL rule set denies everything */

	/* so does a malformed length, or no address */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(netjail_connect(allow, fd, (struct sockaddr *)&l.ss, 8), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(netjail_connect(allow, fd, NULL, l.len), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_msg(!arrived(lfd, SOCK_STREAM), "a denied connect reached the listener");
	close(fd);

	connects(allow, &l, lfd);

	/* connect's own errors come through: a port nobody listens on */
	{
		struct sa closed;
		int cfd = listener(SOCK_STREAM, &closed);
		char t2[128];
		struct netjail_rules *r2;

		close(cfd); /* the port is now free: connecting is refused */
		snprintf(t2, sizeof(t2), "allow 127.0.0.1 port %d\n", port_of_sa(&closed));
		r2 = parse_ok(t2, "closed");
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_eq(netjail_connect(r2, fd, (struct sockaddr *)&closed.ss, closed.len),
		    -1);
		ck_assert_int_eq(errno, ECONNREFUSED);
		close(fd);
		netjail_rules_free(r2);
	}
	netjail_rules_free(allow);
	netjail_rules_free(deny);
	close(lfd);
}
END_TEST

/* The socket's type is the protocol: a tcp rule does not admit a UDP socket. */
START_TEST(test_api_connect_udp)
{
	struct sa l;
	int lfd = listener(SOCK_DGRAM, &l), port = port_of_sa(&l), fd;
	char text[128];
	struct netjail_rules *tcp_only, *udp;
	struct sockaddr_storage un;

	snprintf(text, sizeof(text), "allow tcp 127.0.0.1 port %d\n", port);
	tcp_only = parse_ok(text, "tcp");
	snprintf(text, sizeof(text), "allow udp 127.0.0.1 port %d\n", port);
	udp = parse_ok(text, "udp");

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(netjail_connect(tcp_only, fd, (struct sockaddr *)&l.ss, l.len), -1);
	ck_assert_int_eq(errno, EACCES);
	/* not connected: a send has nowhere to go, and nothing arrived */
	ck_assert_int_eq(send(fd, "x", 1, 0), -1);
	ck_assert_int_eq(errno, EDESTADDRREQ);
	ck_assert_msg(!arrived(lfd, SOCK_DGRAM), "a denied datagram arrived");

	ck_assert_int_eq(netjail_connect(udp, fd, (struct sockaddr *)&l.ss, l.len), 0);
	ck_assert_int_eq(send(fd, "x", 1, 0), 1);
	ck_assert_msg(arrived(lfd, SOCK_DGRAM), "an allowed datagram did not arrive");

	/* AF_UNSPEC dissolves the association, whatever the rules: as connect(2) */
	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNSPEC;
	ck_assert_int_eq(netjail_connect(NULL, fd, (struct sockaddr *)&un, sizeof(un)), 0);
	ck_assert_int_eq(send(fd, "x", 1, 0), -1);
	ck_assert_int_eq(errno, EDESTADDRREQ);
	close(fd);
	netjail_rules_free(tcp_only);
	netjail_rules_free(udp);
	close(lfd);
}
END_TEST

/* A unix listener reached through a symbolic link in an allowed directory: denied, and the
 * listener's queue stays empty; by its own path (allowed) it connects. */
START_TEST(test_api_connect_unix)
{
	char dir[] = "/tmp/nj-api-XXXXXX", rules[600], sock[300], link[300];
	struct netjail_rules *r;
	struct sa s, via_link;
	int lfd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/secret.sock", dir);
	snprintf(link, sizeof(link), "%s/ok", dir);
	ck_assert_int_eq(mkdir(link, 0700), 0);
	snprintf(link, sizeof(link), "%s/ok/link.sock", dir);
	ck_assert_int_eq(symlink(sock, link), 0);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s = sa_unix(sock);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&s.ss, s.len), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	snprintf(rules, sizeof(rules), "allow unix %s/ok/*\n", dir);
	r = parse_ok(rules, "unix");

	via_link = sa_unix(link);
	refused(r, &via_link, lfd);
	netjail_rules_free(r);

	snprintf(rules, sizeof(rules), "allow unix %s\n", sock);
	r = parse_ok(rules, "unix");
	connects(r, &s, lfd); /* by its own path */
	netjail_rules_free(r);
	close(lfd);
	unlink(link);
	unlink(sock);
	snprintf(link, sizeof(link), "%s/ok", dir);
	rmdir(link);
	rmdir(dir);
}
END_TEST

/* ---- threads: one rule set, many deciders ---- */

#define NTHREADS 8
#define NDECIDE 20000

struct worker {
	const struct netjail_rules *r;
	const signed char *want;
	int bad;
};

static struct sa
nth_dest(int i)
{
	static const char *const base[] = { "8.8.8.8", "127.0.0.1", "10.1.2.3", "169.254.169.254",
		"2606:4700::1111", "::ffff:127.0.0.1", "64:ff9b::808:808", "0.0.0.0" };

	return sa_ip(base[i % 8], 1 + (i / 8) % 6000);
}

static void *
work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < NDECIDE; i++) {
		struct sa s = nth_dest(i);
		char why[128];

		if (netjail_explain(w->r, (struct sockaddr *)&s.ss, s.len, i % 3 == 0 ? TCP : ANY,
		        why, sizeof(why)) != w->want[i])
			w->bad++;
	}
	return NULL;
}

START_TEST(test_api_threads)
{
	struct netjail_rules *r = parse_ok(decide_rules, "threads");
	static signed char want[NDECIDE];
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];

	for (int i = 0; i < NDECIDE; i++) {
		struct sa s = nth_dest(i);

		want[i] = (signed char)netjail_decide(r, (struct sockaddr *)&s.ss, s.len,
		    i % 3 == 0 ? TCP : ANY);
	}
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ r, want, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].bad, 0);
	}
	netjail_rules_free(r);
}
END_TEST

Suite *
api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_api_parse_errors, 0, NELEM(parse_errors));
	tcase_add_test(tc, test_api_parse_arguments);
	tcase_add_test(tc, test_api_struct_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("decide");
	tcase_add_loop_test(tc, test_api_decide_ip, 0, NELEM(ip_cases));
	tcase_add_loop_test(tc, test_api_decide_unix, 0, NELEM(unix_cases));
	tcase_add_loop_test(tc, test_api_socket_dest, 0, NELEM(socket_cases));
	tcase_add_test(tc, test_api_decide_unix_canonical);
	tcase_add_test(tc, test_api_decide_families);
	tcase_add_test(tc, test_api_decide_bad_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("explain");
	tcase_add_loop_test(tc, test_api_explain, 0, NELEM(explain_cases));
	tcase_add_test(tc, test_api_explain_no_allow);
	tcase_add_test(tc, test_api_explain_truncates);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_api_load_text);
	tcase_add_test(tc, test_api_load_compiled);
	tcase_add_test(tc, test_api_load_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("connect");
	tcase_add_test(tc, test_api_connect_tcp);
	tcase_add_test(tc, test_api_connect_udp);
	tcase_add_test(tc, test_api_connect_unix);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_api_threads);
	suite_add_tcase(s, tc);
	return s;
}
