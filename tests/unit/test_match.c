/* test_match.c - match.c and table.c: the decision formula (block always wins, order does
 * not matter), protos, ports and "some port", unix paths, families, exec, and a stress test
 * of the interval lookup table against a linear-scan oracle. */
#include "tests.h"

struct dcase {
	const char *rules;
	const char *proto;
	const char *dest;
	int want;
};

static void
check_case(const struct dcase *c, int i)
{
	int got = decide(c->rules, c->proto, c->dest);

	ck_assert_msg(got == c->want, "row %d: %s %s under\n%s: %s, expected %s", i,
	    c->proto ? c->proto : "tcp", c->dest, c->rules, verdict_str(got), verdict_str(c->want));
}

/* ---- the formula ---- */

static const struct dcase formula[] = {
	{ "allow 10.0.0.0/8\n", "tcp", "10.1.2.3:80", V_ALLOW },
	{ "allow 10.0.0.0/8\n", "tcp", "11.1.2.3:80", V_DENY }, /* no allow matches */
	{ "block 10.0.0.0/8\n", "tcp", "8.8.8.8:80", V_DENY }, /* block-only: all denied */
	{ "allow 10.1.0.0/16\nblock 10.0.0.0/8\n", "tcp", "10.1.2.3:80", V_DENY },
	{ "block 10.0.0.0/8\nallow 10.1.0.0/16\n", "tcp", "10.1.2.3:80", V_DENY }, /* order */
	{ "allow 10.1.2.3\nblock 10.0.0.0/8\n", "tcp", "10.1.2.3:80", V_DENY },
	{ "allow 10.0.0.0/8\nblock 10.1.0.0/16\n", "tcp", "10.2.0.0:80", V_ALLOW },
	{ "allow 10.0.0.0/8\nblock 10.1.0.0/16\n", "tcp", "10.1.255.255:80", V_DENY },
	{ "allow 10.0.0.0/8\nblock 10.1.0.0/16\n", "tcp", "10.2.0.0:80", V_ALLOW },
	{ "allow 10.0.0.0/8\nblock 10.1.0.0/16\n", "tcp", "10.0.255.255:80", V_ALLOW },
	{ "allow any\nblock 10.0.0.0/8\n", "tcp", "[2001:db8::1]:80", V_ALLOW },
	{ "allow any\n", "tcp", "[::1]:80", V_ALLOW },
	{ "allow 0.0.0.0/0\n", "tcp", "[::1]:80", V_DENY }, /* families do not cross */
	{ "allow ::/0\n", "tcp", "10.0.0.1:80", V_DENY },
	{ "allow 0.0.0.0/0\nblock 0.0.0.0/0\n", "tcp", "8.8.8.8:80", V_DENY },
	{ "allow 8.8.8.8\nallow 8.8.8.8\nallow 8.8.0.0/16\n", "tcp", "8.8.8.8:80", V_ALLOW },
	{ "allow 255.255.255.255\n", "udp", "255.255.255.255:67", V_ALLOW },
	{ "allow 255.255.255.255\n", "udp", "255.255.255.254:67", V_DENY },
	{ "allow ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n", "tcp",
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", V_ALLOW },
	{ "allow 128.0.0.0/1\nblock 255.0.0.0/8\n", "tcp", "255.255.255.255:1", V_DENY },
	{ "allow 128.0.0.0/1\nblock 255.0.0.0/8\n", "tcp", "254.255.255.255:1", V_ALLOW },
	{ "allow 8000::/1\nblock ffff::/16\n", "tcp", "[ffff::1]:1", V_DENY },
	{ "allow 8000::/1\nblock ffff::/16\n", "tcp", "[fffe:ffff::1]:1", V_ALLOW },
};

START_TEST(test_formula)
{
	check_case(&formula[_i], _i);
}
END_TEST

START_TEST(test_null_rules_and_unknown_kinds_deny)
{
	struct nj_dest d = dest_of("tcp", "8.8.8.8:80");
	struct nj_rules *r = rules_ok("allow any\nallow unix /*\nallow unix @*\n");
	struct nj_verdict v;

	memset(&v, 0xa5, sizeof(v));
	ck_assert_int_eq(nj_decide(NULL, &d, &v), 0);
	ck_assert_int_eq(v.allow, 0);
	ck_assert_uint_eq(v.rule, NJ_NORULE);
	ck_assert_int_eq(nj_exec_allowed(NULL, "/bin/sh"), 0);
	ck_assert_int_eq(nj_decide(r, &d, NULL), 1);
	d.kind = 0;
	ck_assert_int_eq(nj_decide(r, &d, NULL), 0);
	d.kind = 99;
	ck_assert_int_eq(nj_decide(r, &d, NULL), 0);
	nj_rules_free(r);
}
END_TEST

START_TEST(test_verdict_names_rule_and_address)
{
	const char *text = "allow any\n# c\nblock 10.0.0.0/8\nblock tcp 10.1.0.0/16 port 22\n";
	struct nj_verdict v;
	char buf[64];

	ck_assert_int_eq(decide_v(text, NULL, "tcp", "10.1.2.3:22", &v), V_DENY);
	ck_assert_msg(v.rule == 1 || v.rule == 2, "a block rule that matched, got %u", v.rule);
	ck_assert_str_eq(ip_str(&v.addr, buf, sizeof(buf)), "10.1.2.3");
	ck_assert_int_eq(v.naddr, 1);
	ck_assert_int_eq(v.allow, 0);
	ck_assert_int_eq(decide_v(text, NULL, "tcp", "10.200.0.1:80", &v), V_DENY);
	ck_assert_uint_eq(v.rule, 1);
	ck_assert_int_eq(decide_v("allow 10.0.0.0/8\n", NULL, "tcp", "11.0.0.1:80", &v), V_DENY);
	ck_assert_uint_eq(v.rule, NJ_NORULE);
	ck_assert_str_eq(ip_str(&v.addr, buf, sizeof(buf)), "11.0.0.1");
	ck_assert_int_eq(decide_v(text, NULL, "tcp", "8.8.8.8:80", &v), V_ALLOW);
	ck_assert_int_eq(v.allow, 1);
	ck_assert_int_eq(v.naddr, 1);
}
END_TEST

/* ---- protos and ports ---- */

static const struct dcase ports[] = {
	{ "allow 10.0.0.0/8 port 1\n", "tcp", "10.0.0.1:1", V_ALLOW },
	{ "allow 10.0.0.0/8 port 1\n", "tcp", "10.0.0.1:2", V_DENY },
	{ "allow 10.0.0.0/8 port 1\n", "tcp", "10.0.0.1:0", V_DENY },
	{ "allow 10.0.0.0/8 port 65535\n", "tcp", "10.0.0.1:65535", V_ALLOW },
	{ "allow 10.0.0.0/8 port 65535\n", "tcp", "10.0.0.1:65534", V_DENY },
	{ "allow 10.0.0.0/8 port 1-65535\n", "tcp", "10.0.0.1:1", V_ALLOW },
	{ "allow 10.0.0.0/8 port 1-65535\n", "tcp", "10.0.0.1:65535", V_ALLOW },
	{ "allow 10.0.0.0/8 port 1-65535\n", "tcp", "10.0.0.1:0", V_DENY },
	{ "allow 10.0.0.0/8\n", "tcp", "10.0.0.1:0", V_ALLOW },
	{ "allow any port 22,80-90\n", "tcp", "10.0.0.1:21", V_DENY },
	{ "allow any port 22,80-90\n", "tcp", "10.0.0.1:22", V_ALLOW },
	{ "allow any port 22,80-90\n", "tcp", "10.0.0.1:23", V_DENY },
	{ "allow any port 22,80-90\n", "tcp", "10.0.0.1:79", V_DENY },
	{ "allow any port 22,80-90\n", "tcp", "10.0.0.1:80", V_ALLOW },
	{ "allow any port 22,80-90\n", "tcp", "10.0.0.1:85", V_ALLOW },
	{ "allow any port 22,80-90\n", "tcp", "[::1]:90", V_ALLOW },
	{ "allow any port 22,80-90\n", "tcp", "10.0.0.1:91", V_DENY },
	{ "allow any\nblock any port 22\n", "tcp", "10.0.0.1:22", V_DENY },
	{ "allow any\nblock any port 22\n", "tcp", "10.0.0.1:23", V_ALLOW },
	{ "allow any\nblock 10.0.0.0/8 port 1-1024\n", "tcp", "10.0.0.1:1024", V_DENY },
	{ "allow any\nblock 10.0.0.0/8 port 1-1024\n", "tcp", "10.0.0.1:1025", V_ALLOW },
	{ "allow any\nblock 10.0.0.0/8 port 1-1024\n", "tcp", "11.0.0.1:80", V_ALLOW },
	/* proto: tcp is SOCK_STREAM, udp SOCK_DGRAM; other types match only proto-less rules */
	{ "allow tcp any\n", "tcp", "10.0.0.1:53", V_ALLOW },
	{ "allow tcp any\n", "udp", "10.0.0.1:53", V_DENY },
	{ "allow tcp any\n", "other", "10.0.0.1:53", V_DENY },
	{ "allow udp any port 53\n", "udp", "10.0.0.1:53", V_ALLOW },
	{ "allow udp any port 53\n", "tcp", "10.0.0.1:53", V_DENY },
	{ "allow tcp any\nallow udp any\n", "other", "10.0.0.1:53", V_DENY },
	{ "allow any\n", "other", "10.0.0.1:53", V_ALLOW },
	{ "allow any\nblock tcp 10.0.0.0/8\n", "tcp", "10.0.0.1:80", V_DENY },
	{ "allow any\nblock tcp 10.0.0.0/8\n", "udp", "10.0.0.1:80", V_ALLOW },
	{ "allow any\nblock tcp 10.0.0.0/8\n", "other", "10.0.0.1:80", V_ALLOW },
	{ "allow any\nblock 10.0.0.0/8\n", "other", "10.0.0.1:80", V_DENY },
	{ "allow tcp @public port 443\n", "tcp", "8.8.8.8:443", V_ALLOW },
	{ "allow tcp @public port 443\n", "tcp", "8.8.8.8:80", V_DENY },
	{ "allow tcp @public port 443\n", "udp", "8.8.8.8:443", V_DENY },
	{ "allow tcp @public port 443\n", "tcp", "10.0.0.1:443", V_DENY },
};

START_TEST(test_ports_and_protos)
{
	check_case(&ports[_i], _i);
}
END_TEST

/* NJ_PORT_ANY (a resolver answer with port 0): allowed iff some port p is, i.e. iff
 * dest:p is allowed for one p, at every address the destination stands for. */
static const struct dcase portany[] = {
	{ "allow 10.0.0.0/8 port 80\nblock 10.0.0.0/8 port 1-79,81-65535\n", "tcp", "10.0.0.1",
	    V_ALLOW },
	{ "allow 10.0.0.0/8 port 80\nblock 10.0.0.0/8 port 1-65535\n", "tcp", "10.0.0.1", V_DENY },
	{ "allow 10.0.0.0/8 port 80\nblock 10.0.0.0/8\n", "tcp", "10.0.0.1", V_DENY },
	{ "allow 10.0.0.0/8 port 80\nblock 10.0.0.0/8 port 80\n", "tcp", "10.0.0.1", V_DENY },
	{ "allow 10.0.0.0/8 port 1-100\nblock 10.0.0.0/8 port 1-99\n", "tcp", "10.0.0.1",
	    V_ALLOW }, /* only 100 */
	{ "allow 10.0.0.0/8 port 1-100\nblock 10.0.0.0/8 port 1-99,100\n", "tcp", "10.0.0.1",
	    V_DENY },
	{ "allow 10.0.0.0/8 port 100-200\nblock 10.0.0.0/8 port 50-150\n"
	  "block 10.0.0.0/8 port 152-300\n",
	    "tcp", "10.0.0.1", V_ALLOW }, /* only 151 */
	{ "allow 10.0.0.0/8 port 100-200\nblock 10.0.0.0/8 port 50-150,151-200\n", "tcp",
	    "10.0.0.1", V_DENY },
	{ "allow 10.0.0.0/8 port 65535\nblock 10.0.0.0/8 port 1-65534\n", "tcp", "10.0.0.1",
	    V_ALLOW },
	{ "allow 10.0.0.0/8\nblock 10.0.0.0/8 port 2-65535\n", "tcp", "10.0.0.1", V_ALLOW },
	{ "allow 10.0.0.0/8\nblock 10.0.0.0/8 port 1-65534\n", "tcp", "10.0.0.1", V_ALLOW },
	{ "allow 10.0.0.0/8\nblock 10.0.0.0/8 port 1-30000,30001-65535\n", "tcp", "10.0.0.1",
	    V_DENY },
	{ "allow tcp 10.0.0.0/8 port 80\n", "udp", "10.0.0.1", V_DENY },
	{ "allow tcp 10.0.0.0/8 port 80\n", "tcp", "10.0.0.1", V_ALLOW },
	{ "allow 10.0.0.0/8 port 80\nblock udp 10.0.0.0/8\n", "tcp", "10.0.0.1", V_ALLOW },
	{ "allow 10.0.0.0/8 port 80\nblock udp 10.0.0.0/8\n", "udp", "10.0.0.1", V_DENY },
	{ "allow 10.0.0.0/8 port 80\nblock 10.0.0.0/16 port 80\n", "tcp", "10.0.0.1", V_DENY },
	{ "allow 10.0.0.0/8 port 80\nblock 10.0.0.0/16 port 80\n", "tcp", "10.1.0.1", V_ALLOW },
	{ "allow 10.0.0.0/16 port 80\nallow 10.0.0.0/8 port 443\nblock 10.0.0.0/8 port 443\n",
	    "tcp", "10.0.0.1", V_ALLOW },
	{ "block 10.0.0.0/8 port 80\n", "tcp", "10.0.0.1", V_DENY },
	{ "", "tcp", "10.0.0.1", V_DENY },
	/* a destination that stands for several addresses needs one port good for all */
	{ "allow ::/0 port 80\nallow 0.0.0.0/0 port 443\n", "tcp", "64:ff9b::808:808", V_DENY },
	{ "allow ::/0 port 80,443\nallow 0.0.0.0/0 port 443\n", "tcp", "64:ff9b::808:808",
	    V_ALLOW },
	{ "allow any\nblock ::/0 port 1-1000\nblock 0.0.0.0/0 port 1001-65535\n", "tcp",
	    "64:ff9b::808:808", V_DENY },
	{ "allow any\nblock ::/0 port 1-1000\nblock 0.0.0.0/0 port 1002-65535\n", "tcp",
	    "64:ff9b::808:808", V_ALLOW }, /* only 1001 */
	{ "allow 0.0.0.0/0 port 80\nblock 127.0.0.0/8 port 80\n", "tcp", "0.0.0.0", V_DENY },
	{ "allow 0.0.0.0/0 port 80,81\nblock 127.0.0.0/8 port 80\n", "tcp", "0.0.0.0", V_ALLOW },
};

START_TEST(test_port_any)
{
	check_case(&portany[_i], _i);
}
END_TEST

/* The named guard: "some port" must be one port for every address, not a different port per
 * address (64:ff9b::808:808 at port 80 is denied for 8.8.8.8, at 443 for itself). */
START_TEST(test_port_any_needs_one_port_for_every_address)
{
	const char *text = "allow ::/0 port 80\nallow 0.0.0.0/0 port 443\n";
	struct nj_rules *r = rules_ok(text);
	struct nj_ip ip = ip_of("64:ff9b::808:808");
	struct nj_verdict v;
	int any;

	for (int p = 1; p <= 65535; p++) {
		struct nj_dest d = dest_ip(NJ_PROTO_TCP, &ip, p);

		ck_assert_msg(nj_decide(r, &d, NULL) == 0, "port %d allowed", p);
	}
	{
		struct nj_dest d = dest_ip(NJ_PROTO_TCP, &ip, NJ_PORT_ANY);

		any = nj_decide(r, &d, &v);
	}
	ck_assert_int_eq(any, 0);
	ck_assert_int_eq(v.allow, 0);
	ck_assert_int_eq(v.naddr, 2);
	nj_rules_free(r);
}
END_TEST

/* nj_decide_one: one of the addresses a destination stands for, judged alone (explain and
 * learn print a line for each): 0.0.0.0 itself is allowed where the 127.0.0.1 it stands for
 * is blocked, and "some port" works for the one address. */
START_TEST(test_decide_one_address_alone)
{
	struct nj_rules *r = rules_ok("allow any\nblock 127.0.0.0/8\nallow tcp 10.0.0.1 port 80\n");
	struct nj_ip zero = ip_of("0.0.0.0"), lo = ip_of("127.0.0.1"), ten = ip_of("10.0.0.1");
	struct nj_dest d = dest_ip(NJ_PROTO_TCP, &zero, 80);
	struct nj_verdict v;

	ck_assert_int_eq(nj_decide(r, &d, NULL), 0); /* the whole destination */
	ck_assert_int_eq(nj_decide_one(r, &d, &zero, &v), 1);
	ck_assert_int_eq(v.naddr, 1);
	ck_assert_int_eq(nj_decide_one(r, &d, &lo, &v), 0);
	ck_assert_uint_eq(v.rule, 1); /* the block decided */
	d = dest_ip(NJ_PROTO_TCP, &ten, NJ_PORT_ANY);
	ck_assert_int_eq(nj_decide_one(r, &d, &ten, &v), 1);
	ck_assert_int_eq(nj_decide_one(NULL, &d, &ten, &v), 0);
	ck_assert_uint_eq(v.rule, NJ_NORULE);
	nj_rules_free(r);
}
END_TEST

/* ---- unix ---- */

static const struct dcase unixes[] = {
	{ "allow unix /run/pg/*\n", "tcp", "unix:/run/pg/x", V_ALLOW },
	{ "allow unix /run/pg/*\n", "tcp", "unix:/run/pg/a/b", V_ALLOW },
	{ "allow unix /run/pg/*\n", "tcp", "unix:/run/pg/", V_ALLOW },
	{ "allow unix /run/pg/*\n", "tcp", "unix:/run/pgx", V_DENY },
	{ "allow unix /run/pg/*\n", "tcp", "unix:/run/pg", V_DENY },
	{ "allow unix /run/pg/*\n", "tcp", "unix:@/run/pg/x", V_DENY }, /* abstract: other space */
	{ "allow unix /run/pg/.s.PGSQL.5432\n", "tcp", "unix:/run/pg/.s.PGSQL.5432", V_ALLOW },
	{ "allow unix /run/pg/.s.PGSQL.5432\n", "tcp", "unix:/run/pg/.s.PGSQL.54321", V_DENY },
	{ "allow unix /run/pg/.s.PGSQL.5432\n", "tcp", "unix:/run/pg/.s.PGSQL.543", V_DENY },
	{ "allow unix /*\n", "tcp", "unix:/anything/at/all", V_ALLOW },
	{ "allow unix /*\n", "tcp", "unix:@name", V_DENY },
	{ "allow unix @name\n", "tcp", "unix:@name", V_ALLOW },
	{ "allow unix @name\n", "tcp", "unix:@name2", V_DENY },
	{ "allow unix @name\n", "tcp", "unix:@nam", V_DENY },
	{ "allow unix @name\n", "tcp", "unix:/name", V_DENY },
	{ "allow unix @*\n", "tcp", "unix:@anything", V_ALLOW },
	{ "allow unix @*\n", "tcp", "unix:@", V_ALLOW }, /* empty abstract name */
	{ "", "tcp", "unix:@", V_DENY }, /* ... which is not unnamed */
	{ "allow unix @*\n", "tcp", "unix:/x", V_DENY },
	{ "allow unix @/run/*\n", "tcp", "unix:@/run/x", V_ALLOW },
	{ "allow unix /*\nblock unix /var/run/docker.sock\n", "tcp", "unix:/var/run/docker.sock",
	    V_DENY },
	{ "allow unix /*\nblock unix /var/run/docker.sock\n", "tcp", "unix:/var/run/docker.sock2",
	    V_ALLOW },
	{ "block unix /run/*\nallow unix /run/pg/x\n", "tcp", "unix:/run/pg/x", V_DENY },
	{ "allow unix /run/x\n", "other", "unix:/run/x", V_ALLOW }, /* proto plays no part */
	{ "allow any\n", "tcp", "unix:/run/x", V_DENY }, /* IP rules are not unix */
	{ "allow exec /run/*\n", "tcp", "unix:/run/x", V_DENY }, /* nor are exec rules */
	{ "allow family netlink\n", "tcp", "unix:/run/x", V_DENY },
	/* an unnamed socket reaches nothing by name: always allowed */
	{ "", "tcp", "unix:", V_ALLOW },
	{ "block unix /*\nblock unix @*\nblock any\n", "tcp", "unix:", V_ALLOW },
};

START_TEST(test_unix)
{
	check_case(&unixes[_i], _i);
}
END_TEST

START_TEST(test_unix_paths_with_nul_and_long_names)
{
	struct nj_rules *r = rules_ok("allow unix @abc\nallow unix /run/a\n");
	struct nj_dest d;

	memset(&d, 0, sizeof(d));
	d.kind = NJ_DEST_UNIX;
	d.abstract = 1;
	d.path = "abc\0def"; /* abstract names may hold NUL: the length decides */
	d.pathlen = 7;
	ck_assert_int_eq(nj_decide(r, &d, NULL), 0);
	d.pathlen = 3;
	ck_assert_int_eq(nj_decide(r, &d, NULL), 1);
	d.abstract = 0;
	d.path = "/run/a";
	d.pathlen = 6;
	ck_assert_int_eq(nj_decide(r, &d, NULL), 1);
	d.pathlen = 5; /* "/run/" */
	ck_assert_int_eq(nj_decide(r, &d, NULL), 0);
	nj_rules_free(r);
}
END_TEST

/* ---- families ---- */

static const struct dcase families[] = {
	{ "allow family netlink\n", "tcp", "family:netlink", V_ALLOW },
	{ "allow family netlink\n", "other", "family:netlink", V_ALLOW },
	{ "allow family netlink\n", "tcp", "family:packet", V_DENY },
	{ "allow family netlink\nblock family netlink\n", "tcp", "family:netlink", V_DENY },
	{ "block family netlink\nallow family netlink\n", "tcp", "family:netlink", V_DENY },
	{ "block family packet\nallow family netlink\n", "tcp", "family:netlink", V_ALLOW },
	{ "", "tcp", "family:netlink", V_DENY },
	{ "allow any\n", "tcp", "family:netlink", V_DENY },
	{ "allow unix /*\nallow unix @*\n", "tcp", "family:vsock", V_DENY },
	{ "allow family vsock\nallow family packet\n", "tcp", "family:packet", V_ALLOW },
	/* raw IP sockets: only a rule that names them, never an IP rule, allows them */
	{ "allow family raw\n", "other", "family:raw", V_ALLOW },
	{ "allow any\nallow family packet\n", "other", "family:raw", V_DENY },
	{ "allow family raw\n", "other", "family:packet", V_DENY },
	{ "allow family raw\nblock family raw\n", "other", "family:raw", V_DENY },
	{ "allow family raw\nblock family packet\n", "other", "family:raw", V_ALLOW },
	{ "", "other", "family:raw", V_DENY },
	{ "allow any\nallow unix /*\nallow unix @*\n", "other", "family:packet", V_DENY },
};

START_TEST(test_families)
{
	check_case(&families[_i], _i);
}
END_TEST

START_TEST(test_family_names)
{
	ck_assert_str_eq(nj_family_name(AF_NETLINK), "netlink");
	ck_assert_str_eq(nj_family_name(AF_PACKET), "packet");
	ck_assert_str_eq(nj_family_name(AF_VSOCK), "vsock");
	ck_assert_ptr_null(nj_family_name(AF_INET)); /* IP is not a family target */
	ck_assert_ptr_null(nj_family_name(AF_INET6));
	ck_assert_ptr_null(nj_family_name(AF_UNIX));
	ck_assert_ptr_null(nj_family_name(-1));
	ck_assert_str_eq(nj_family_name(NJ_FAMILY_RAW), "raw");
	ck_assert_int_eq(nj_family_find("raw", 3), NJ_FAMILY_RAW);
	ck_assert_int_eq(nj_family_find("packet", 6), AF_PACKET);
	ck_assert_int_eq(nj_family_find("rawx", 3), NJ_FAMILY_RAW); /* the length decides */
	ck_assert_int_eq(nj_family_find("ra", 2), -1);
	ck_assert_int_eq(nj_family_find("inet", 4), -1);
	ck_assert_int_eq(nj_family_find("", 0), -1);
	/* every name parses as a family rule and decides its own number */
	for (int af = 0; af < 64; af++) {
		char text[64];
		struct nj_rules *r;
		struct nj_dest d;

		if (nj_family_name(af) == NULL)
			continue;
		snprintf(text, sizeof(text), "allow family %s\n", nj_family_name(af));
		r = rules_ok(text);
		memset(&d, 0, sizeof(d));
		d.kind = NJ_DEST_FAMILY;
		d.family = af;
		ck_assert_msg(nj_decide(r, &d, NULL) == 1, "%s", text);
		d.family = af + 1;
		ck_assert_int_eq(nj_decide(r, &d, NULL), 0);
		d.family = NJ_FAMILY_RAW;
		ck_assert_int_eq(nj_decide(r, &d, NULL), 0); /* no AF_ rule allows raw */
		nj_rules_free(r);
	}
}
END_TEST

/* A netlink message to the kernel itself reaches no service: any valid rule set allows it,
 * a block on netlink denies it, no rules deny it; netlink to a process needs a rule. */
START_TEST(test_netlink_to_the_kernel)
{
	struct nj_rules *narrow = rules_ok("allow tcp 127.0.0.1 port 5432\n");
	struct nj_rules *empty = rules_ok("");
	struct nj_rules *blocked = rules_ok("allow any\nblock family netlink\n");
	struct nj_rules *fam = rules_ok("allow family netlink\n");
	struct nj_dest k, p;
	struct nj_verdict v;

	memset(&k, 0, sizeof(k));
	k.kind = NJ_DEST_FAMILY;
	k.family = AF_NETLINK;
	k.kernel = 1;
	p = k;
	p.kernel = 0; /* another process, or a multicast group */
	ck_assert_int_eq(nj_decide(narrow, &k, NULL), 1);
	ck_assert_int_eq(nj_decide(empty, &k, NULL), 1);
	ck_assert_int_eq(nj_decide(NULL, &k, NULL), 0);
	ck_assert_int_eq(nj_decide(blocked, &k, &v), 0);
	ck_assert_uint_eq(v.rule, 1);
	ck_assert_int_eq(nj_decide(narrow, &p, &v), 0);
	ck_assert_uint_eq(v.rule, NJ_NORULE);
	ck_assert_int_eq(nj_decide(fam, &p, NULL), 1);
	ck_assert_int_eq(nj_decide(fam, &k, NULL), 1);
	nj_rules_free(narrow);
	nj_rules_free(empty);
	nj_rules_free(blocked);
	nj_rules_free(fam);
}
END_TEST

/* ---- exec ---- */

START_TEST(test_exec_allowed)
{
	struct nj_rules *r = rules_ok("allow exec /usr/bin/curl\nallow exec /opt/tools/*\n"
	                              "allow unix /usr/bin/python3\n");
	struct nj_rules *all = rules_ok("allow exec /*\n");
	struct nj_rules *none = rules_ok("allow any\nallow unix /*\n");

	ck_assert_int_eq(nj_exec_allowed(r, "/usr/bin/curl"), 1);
	ck_assert_int_eq(nj_exec_allowed(r, "/usr/bin/curl2"), 0);
	ck_assert_int_eq(nj_exec_allowed(r, "/usr/bin/cur"), 0);
	ck_assert_int_eq(nj_exec_allowed(r, "/opt/tools/x"), 1);
	ck_assert_int_eq(nj_exec_allowed(r, "/opt/tools/a/b"), 1);
	ck_assert_int_eq(nj_exec_allowed(r, "/opt/tools/"), 1);
	ck_assert_int_eq(nj_exec_allowed(r, "/opt/toolsx"), 0);
	ck_assert_int_eq(nj_exec_allowed(r, "/usr/bin/python3"), 0); /* a unix rule */
	ck_assert_int_eq(nj_exec_allowed(all, "/anything"), 1);
	ck_assert_int_eq(nj_exec_allowed(all, "/"), 1);
	ck_assert_int_eq(nj_exec_allowed(none, "/usr/bin/curl"), 0);
	{
		/* an exec rule lets no connection through */
		struct nj_dest d = dest_of("tcp", "unix:/usr/bin/curl");

		ck_assert_int_eq(nj_decide(r, &d, NULL), 0);
	}
	nj_rules_free(r);
	nj_rules_free(all);
	nj_rules_free(none);
}
END_TEST

/* ---- the lookup structure against a linear scan ---- */

struct srule {
	struct nj_prefix p;
	int action, proto;
	int nports;
	int lo[3], hi[3];
};

struct stress {
	struct srule *rule;
	size_t n;
	struct nj_rules *r;
	unsigned char *ok, *tmp; /* port bitmaps for the NJ_PORT_ANY oracle */
};

static struct stress st;

static int
srule_port(const struct srule *s, int proto, int port)
{
	if (s->proto != NJ_PROTO_ANY && s->proto != proto)
		return 0;
	if (s->nports == 0)
		return 1;
	for (int k = 0; k < s->nports; k++)
		if (port >= s->lo[k] && port <= s->hi[k])
			return 1;
	return 0;
}

/* The formula, written out the slow way over one address and port. */
static int
oracle_addr(const struct nj_ip *ip, int proto, int port)
{
	int allow = 0;

	for (size_t i = 0; i < st.n; i++) {
		if (!nj_prefix_contains(&st.rule[i].p, ip) || !srule_port(&st.rule[i], proto, port))
			continue;
		if (st.rule[i].action == NJ_BLOCK)
			return 0;
		allow = 1;
	}
	return allow;
}

/* The ports 1..65535 allowed at ip, into map[]. */
static void
oracle_ports(const struct nj_ip *ip, int proto, unsigned char *map)
{
	memset(map, 0, 65536);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < st.n; i++) {
			const struct srule *s = &st.rule[i];

			if ((s->action == NJ_ALLOW) != (pass == 0))
				continue;
			if (!nj_prefix_contains(&s->p, ip) ||
			    (s->proto != NJ_PROTO_ANY && s->proto != proto))
				continue;
			for (int k = 0; k < (s->nports ? s->nports : 1); k++) {
				int lo = s->nports ? s->lo[k] : 1,
				    hi = s->nports ? s->hi[k] : 65535;

				memset(map + lo, pass == 0, (size_t)(hi - lo + 1));
			}
		}
	}
}

static int
oracle(const struct nj_dest *d)
{
	struct nj_ip a[NJ_MAX_EXPAND];
	int n = nj_ip_expand(&d->ip, a);

	if (d->port != NJ_PORT_ANY) {
		for (int i = 0; i < n; i++)
			if (!oracle_addr(&a[i], d->proto, d->port))
				return 0;
		return 1;
	}
	oracle_ports(&a[0], d->proto, st.ok);
	for (int i = 1; i < n; i++) {
		oracle_ports(&a[i], d->proto, st.tmp);
		for (int p = 1; p < 65536; p++)
			st.ok[p] &= st.tmp[p];
	}
	for (int p = 1; p < 65536; p++)
		if (st.ok[p])
			return 1;
	return 0;
}

static void
random_prefix(uint64_t *s, struct nj_prefix *p)
{
	int family;
	unsigned bits, len;

	if (st.n > 0 && prng_below(s, 100) < 55) {
		/* inside (or equal to) an earlier one: the table's nesting */
		const struct nj_prefix *up = &st.rule[prng_below(s, st.n)].p;
		t_u128 k;

		family = up->ip.family;
		bits = fam_bits(family);
		len = up->len + (unsigned)prng_below(s, prng_below(s, 4) == 0 ? 2 : 17);
		if (len > bits)
			len = bits;
		k = (pfx_first(up) |
		        ((((t_u128)prng_next(s) << 64) | prng_next(s)) &
		            host_mask(family, up->len))) &
		    ~host_mask(family, len) & fam_max(family);
		p->ip = ip_from_key(k, family);
		p->len = (uint8_t)len;
		return;
	}
	family = prng_below(s, 100) < 55 ? 4 : 6;
	bits = fam_bits(family);
	switch (prng_below(s, 4)) {
	case 0: len = (unsigned)prng_below(s, bits + 1); break;
	case 1: len = bits; break;
	default: len = (unsigned)prng_below(s, bits / 2) + bits / 4; break;
	}
	memset(p, 0, sizeof(*p));
	p->ip = ip_from_key(((((t_u128)prng_next(s) << 64) | prng_next(s)) & fam_max(family)) &
	        ~host_mask(family, len),
	    family);
	p->len = (uint8_t)len;
}

static int
is_mapped_prefix(const struct nj_prefix *p)
{
	return p->ip.family == 6 && p->len >= 96 &&
	    memcmp(p->ip.a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
}

/* A port in the few values the random rules use, so that rules meet. */
static int
random_port(uint64_t *s)
{
	return prng_below(s, 4) == 0 ? 65530 + (int)prng_below(s, 6) : 1 + (int)prng_below(s, 60);
}

static void
stress_setup(void)
{
	uint64_t s = 0x6e6a; /* "nj" */
	size_t n = 3000, cap = 0, len = 0;
	char *text = NULL;

	memset(&st, 0, sizeof(st));
	st.rule = calloc(n, sizeof(*st.rule));
	st.ok = malloc(65536);
	st.tmp = malloc(65536);
	ck_assert(st.rule && st.ok && st.tmp);
	while (st.n < n) {
		struct srule *r = &st.rule[st.n];
		char line[200], pfx[64];
		int k;

		if (st.n > 0 && prng_below(&s, 100) < 4)
			r->p = st.rule[prng_below(&s, st.n)].p; /* the same prefix again */
		else
			random_prefix(&s, &r->p);
		if (is_mapped_prefix(&r->p))
			continue; /* the parser turns those into IPv4; not this test's point */
		r->action = prng_below(&s, 100) < 70 ? NJ_ALLOW : NJ_BLOCK;
		k = (int)prng_below(&s, 10);
		r->proto = k == 0 ? NJ_PROTO_TCP : k == 1 ? NJ_PROTO_UDP : NJ_PROTO_ANY;
		r->nports = prng_below(&s, 100) < 25 ? 1 + (int)prng_below(&s, 3) : 0;
		for (k = 0; k < r->nports; k++) {
			int a = random_port(&s), b = random_port(&s);

			r->lo[k] = a < b ? a : b;
			r->hi[k] = a < b ? b : a;
		}
		nj_prefix_format(&r->p, pfx, sizeof(pfx));
		k = snprintf(line, sizeof(line), "%s %s%s",
		    r->action == NJ_ALLOW ? "allow" : "block",
		    r->proto == NJ_PROTO_TCP     ? "tcp " :
		        r->proto == NJ_PROTO_UDP ? "udp " :
		                                   "",
		    pfx);
		for (int j = 0; j < r->nports; j++)
			k += snprintf(line + k, sizeof(line) - (size_t)k, "%s%d-%d",
			    j ? "," : " port ", r->lo[j], r->hi[j]);
		line[k++] = '\n';
		if (len + (size_t)k + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			text = realloc(text, cap);
			ck_assert_ptr_nonnull(text);
		}
		memcpy(text + len, line, (size_t)k);
		len += (size_t)k;
		text[len] = '\0';
		st.n++;
	}
	st.r = rules_ok(text);
	ck_assert_uint_eq(nj_rules_count(st.r), st.n);
	free(text);
}

static void
stress_teardown(void)
{
	nj_rules_free(st.r);
	free(st.rule);
	free(st.ok);
	free(st.tmp);
	memset(&st, 0, sizeof(st));
}

/* An address to ask about: uniform, inside a rule's prefix, or at one's edges. */
static struct nj_ip
random_addr(uint64_t *s)
{
	const struct nj_prefix *p = &st.rule[prng_below(s, st.n)].p;
	int family = p->ip.family;
	t_u128 r = (((t_u128)prng_next(s) << 64) | prng_next(s)) & fam_max(family);
	t_u128 k;

	switch (prng_below(s, 8)) {
	case 0: k = r; break;
	case 1: k = pfx_first(p); break;
	case 2: k = pfx_last(p); break;
	case 3: k = (pfx_first(p) - 1) & fam_max(family); break;
	case 4: k = (pfx_last(p) + 1) & fam_max(family); break;
	default: k = pfx_first(p) | (r & host_mask(family, p->len)); break;
	}
	return ip_from_key(k, family);
}

START_TEST(test_stress_against_linear_scan)
{
	uint64_t s = 1000 + (uint64_t)_i;
	int allowed = 0, denied = 0;

	for (int q = 0; q < 4000; q++) {
		struct nj_ip ip = random_addr(&s);
		int k = (int)prng_below(&s, 10), proto, port, want, got;
		struct nj_dest d;
		struct nj_verdict v;
		char buf[64];

		proto = k < 6 ? NJ_PROTO_TCP : k < 9 ? NJ_PROTO_UDP : NJ_PROTO_OTHER;
		port = prng_below(&s, 10) == 0 ? NJ_PORT_ANY : random_port(&s);
		if (prng_below(&s, 20) == 0 && ip.family == 4) {
			/* the same address through an embedding: NAT64 or v4-mapped */
			struct nj_ip e;

			memset(&e, 0, sizeof(e));
			e.family = 6;
			memcpy(e.a,
			    prng_below(&s, 2) ? "\0\x64\xff\x9b\0\0\0\0\0\0\0\0" :
			                        "\0\0\0\0\0\0\0\0\0\0\xff\xff",
			    12);
			memcpy(e.a + 12, ip.a, 4);
			ip = e;
		}
		d = dest_ip(proto, &ip, port);
		want = oracle(&d);
		got = nj_decide(st.r, &d, &v);
		ck_assert_msg(got == want, "query %d: %s port %d proto %d: got %d, oracle %d", q,
		    ip_str(&ip, buf, sizeof(buf)), port, proto, got, want);
		if (got) {
			allowed++;
			continue;
		}
		denied++;
		if (port != NJ_PORT_ANY) {
			/* the verdict names a denied address and, if any, a block rule that
			 * matches it */
			ck_assert_int_eq(oracle_addr(&v.addr, proto, port), 0);
			if (v.rule != NJ_NORULE) {
				ck_assert_uint_lt(v.rule, st.n);
				ck_assert_int_eq(st.rule[v.rule].action, NJ_BLOCK);
				ck_assert(nj_prefix_contains(&st.rule[v.rule].p, &v.addr));
				ck_assert(srule_port(&st.rule[v.rule], proto, port));
			}
		}
	}
	/* the mix must exercise both answers */
	ck_assert_int_gt(allowed, 400);
	ck_assert_int_gt(denied, 400);
}
END_TEST

/* ---- host rules (SPEC.md §3a) ---- */

/* rules, proto, destination, the name a lookup gave it (NULL: none), expected */
static const struct hcase {
	const char *rules, *proto, *dest, *name;
	int want;
} hosts[] = {
	{ "allow host api.example.com", "tcp", "93.184.216.34:443", "api.example.com", V_ALLOW },
	{ "allow host api.example.com", "tcp", "93.184.216.34:443", NULL, V_DENY },
	{ "allow host api.example.com", "tcp", "93.184.216.34:443", "API.Example.COM.", V_ALLOW },
	{ "allow host api.example.com", "tcp", "93.184.216.34:443", "www.example.com", V_DENY },
	{ "allow host api.example.com", "tcp", "93.184.216.34:443", "x.api.example.com", V_DENY },
	/* wildcards: one label or more, never the bare domain */
	{ "allow host *.example.com", "tcp", "93.184.216.34:443", "a.example.com", V_ALLOW },
	{ "allow host *.example.com", "tcp", "93.184.216.34:443", "a.b.c.example.com", V_ALLOW },
	{ "allow host *.example.com", "tcp", "93.184.216.34:443", "example.com", V_DENY },
	{ "allow host *.example.com", "tcp", "93.184.216.34:443", "badexample.com", V_DENY },
	{ "allow host *.b.example.com", "tcp", "93.184.216.34:443", "a.example.com", V_DENY },
	/* protos and ports */
	{ "allow tcp host a.example port 443", "tcp", "93.184.216.34:443", "a.example", V_ALLOW },
	{ "allow tcp host a.example port 443", "tcp", "93.184.216.34:80", "a.example", V_DENY },
	{ "allow tcp host a.example port 443", "udp", "93.184.216.34:443", "a.example", V_DENY },
	{ "allow udp host a.example", "udp", "93.184.216.34:53", "a.example", V_ALLOW },
	/* a block rule on the address is never overridden (DNS rebinding) */
	{ "allow host *.example.com\nblock @special", "tcp", "169.254.169.254:80",
	    "evil.example.com", V_DENY },
	{ "allow host *.example.com\nblock @special", "tcp", "127.0.0.1:80", "evil.example.com",
	    V_DENY },
	{ "allow host *.example.com\nblock @special", "tcp", "93.184.216.34:80", "good.example.com",
	    V_ALLOW },
	/* nor one on an address embedded in it (NAT64 of the metadata address) */
	{ "allow host *.example.com\nblock @metadata", "tcp", "[64:ff9b::a9fe:a9fe]:80",
	    "evil.example.com", V_DENY },
	{ "allow host *.example.com\nblock @metadata", "tcp", "[64:ff9b::5db8:d822]:80",
	    "good.example.com", V_ALLOW },
	/* address rules still decide alone; block host concerns lookups, not addresses */
	{ "allow 93.184.216.0/24\nallow host x.example", "tcp", "93.184.216.34:80", NULL, V_ALLOW },
	{ "allow any\nblock host evil.example", "tcp", "93.184.216.34:80", "evil.example",
	    V_ALLOW },
	{ "block host a.example", "tcp", "93.184.216.34:80", "a.example", V_DENY },
};

START_TEST(test_host_rules)
{
	const struct hcase *c = &hosts[_i];
	struct nj_rules *r = rules_ok(c->rules);
	struct nj_dest d = dest_of(c->proto, c->dest);
	struct nj_verdict v;
	char name[256];
	int n = c->name ? nj_host_norm(c->name, name, sizeof(name)) : -1;
	int got;

	got = n >= 0 ? nj_decide_host(r, &d, name, (size_t)n, &v) : nj_decide(r, &d, &v);
	ck_assert_msg(got == c->want, "row %d: %s for %s %s as %s under \"%s\"", _i,
	    verdict_str(got), c->proto, c->dest, c->name ? c->name : "(no name)", c->rules);
	nj_rules_free(r);
}
END_TEST

START_TEST(test_host_names_and_rules)
{
	struct nj_rules *r = rules_ok("allow any\nallow tcp host a.example port 443\n"
	                              "block host *.evil.example\n");
	char name[256], buf[128];

	ck_assert_uint_eq(nj_rules_host_count(r), 2);
	ck_assert_int_eq(nj_host_norm("A.Example.", name, sizeof(name)), 9);
	ck_assert_str_eq(name, "a.example");
	ck_assert_int_lt(nj_host_norm("*.example", name, sizeof(name)), 0);
	ck_assert_int_lt(nj_host_norm("a..example", name, sizeof(name)), 0);
	ck_assert_int_lt(nj_host_norm("", name, sizeof(name)), 0);
	ck_assert_int_lt(nj_host_norm("a.example", name, 4), 0);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "a.example", 9, -1, NJ_PORT_ANY), 1);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "a.example", 9, NJ_PROTO_UDP, NJ_PORT_ANY),
	    NJ_NORULE);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "a.example", 9, NJ_PROTO_TCP, NJ_PORT_ANY), 1);
	ck_assert_uint_eq(nj_host_rule(r, NJ_BLOCK, "x.evil.example", 14, -1, NJ_PORT_ANY), 2);
	ck_assert_uint_eq(nj_host_rule(r, NJ_BLOCK, "evil.example", 12, -1, NJ_PORT_ANY),
	    NJ_NORULE);
	nj_rule_format(r, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "allow tcp host a.example port 443");
	nj_rule_format(r, 2, buf, sizeof(buf));
	ck_assert_str_eq(buf, "block host *.evil.example");
	nj_rules_free(r);
	r = rules_ok("allow any\n");
	ck_assert_uint_eq(nj_rules_host_count(r), 0);
	nj_rules_free(r);
}
END_TEST

/* The index (host.c): with thousands of host rules, the first matching rule in the file still
 * decides, whether it names the name or a suffix of it. */
START_TEST(test_host_rules_many)
{
	size_t cap = 2100 * 48, len = 0;
	char *text = malloc(cap);
	struct nj_rules *r;

	ck_assert_ptr_nonnull(text);
	for (int k = 0; k < 2000; k++) {
		const char *line = k == 3 ? "allow tcp host *.w.example port 443" :
		    k == 1500             ? "allow tcp host a.w.example port 443" :
		    k == 1600             ? "allow host *.example port 80" :
		    k == 1700             ? "block host bad.w.example" :
		                            NULL;
		if (line)
			len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
		else
			len += (size_t)snprintf(text + len, cap - len,
			    "allow tcp host h%d.example port %d\n", k, 1000 + k);
	}
	r = rules_ok(text);
	ck_assert_uint_eq(nj_rules_host_count(r), 2000);
	/* the wildcard comes first: it decides over the later exact rule */
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "a.w.example", 11, NJ_PROTO_TCP, 443), 3);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "x.y.w.example", 13, NJ_PROTO_TCP, 443), 3);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "w.example", 9, NJ_PROTO_TCP, 443), NJ_NORULE);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "w.example", 9, NJ_PROTO_TCP, 80), 1600);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "h1999.example", 13, NJ_PROTO_TCP, 2999), 1999);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "h1999.example", 13, NJ_PROTO_TCP, 2998),
	    NJ_NORULE);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "h1999.example", 13, NJ_PROTO_UDP, 80), 1600);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "h0.example", 10, -1, NJ_PORT_ANY), 0);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "h0.example", 10, NJ_PROTO_UDP, NJ_PORT_ANY),
	    1600);
	ck_assert_uint_eq(nj_host_rule(r, NJ_BLOCK, "bad.w.example", 13, -1, NJ_PORT_ANY), 1700);
	ck_assert_uint_eq(nj_host_rule(r, NJ_BLOCK, "a.w.example", 11, -1, NJ_PORT_ANY), NJ_NORULE);
	ck_assert_uint_eq(nj_host_rule(r, NJ_ALLOW, "example", 7, -1, NJ_PORT_ANY), NJ_NORULE);
	nj_rules_free(r);
	free(text);
}
END_TEST

Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc;

	tc = tcase_create("formula");
	tcase_add_loop_test(tc, test_formula, 0, (int)NELEM(formula));
	tcase_add_test(tc, test_null_rules_and_unknown_kinds_deny);
	tcase_add_test(tc, test_verdict_names_rule_and_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("ports");
	tcase_add_loop_test(tc, test_ports_and_protos, 0, (int)NELEM(ports));
	tcase_add_loop_test(tc, test_port_any, 0, (int)NELEM(portany));
	tcase_add_test(tc, test_port_any_needs_one_port_for_every_address);
	tcase_add_test(tc, test_decide_one_address_alone);
	suite_add_tcase(s, tc);

	tc = tcase_create("unix");
	tcase_add_loop_test(tc, test_unix, 0, (int)NELEM(unixes));
	tcase_add_test(tc, test_unix_paths_with_nul_and_long_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("family-exec");
	tcase_add_loop_test(tc, test_families, 0, (int)NELEM(families));
	tcase_add_test(tc, test_family_names);
	tcase_add_test(tc, test_netlink_to_the_kernel);
	tcase_add_test(tc, test_exec_allowed);
	suite_add_tcase(s, tc);

	tc = tcase_create("hosts");
	tcase_add_loop_test(tc, test_host_rules, 0, (int)NELEM(hosts));
	tcase_add_test(tc, test_host_names_and_rules);
	tcase_add_test(tc, test_host_rules_many);
	suite_add_tcase(s, tc);

	tc = tcase_create("stress");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, stress_setup, stress_teardown);
	tcase_add_loop_test(tc, test_stress_against_linear_scan, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
