/* test_addr.c - addr.c: strict address parsing, RFC 5952 formatting, prefix containment, and
 * every normalisation of SPEC.md §3 (what one destination stands for), each as a named test
 * that fails if the bypass it guards comes back. */
#include "tests.h"

/* Rules under which an embedded or stand-in IPv4 address alone decides: every IPv6 and IPv4
 * address is allowed except IPv4 loopback. */
#define ALL_BUT_V4_LOOPBACK "allow ::/0\nallow 0.0.0.0/0\nblock 127.0.0.0/8\n"

/* ---- nj_ip_parse / nj_ip_format ---- */

static const struct {
	const char *in;
	int family;
	const char *canon; /* nj_ip_format's RFC 5952 text */
} good_ips[] = {
	{ "10.0.0.1", 4, "10.0.0.1" },
	{ "0.0.0.0", 4, "0.0.0.0" },
	{ "255.255.255.255", 4, "255.255.255.255" },
	{ "1.20.100.200", 4, "1.20.100.200" },
	{ "::", 6, "::" },
	{ "::1", 6, "::1" },
	{ "0:0:0:0:0:0:0:1", 6, "::1" },
	{ "0:0:0:0:0:0:0:0", 6, "::" },
	{ "2001:DB8::1", 6, "2001:db8::1" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001", 6, "2001:db8::1" },
	{ "2001:db8:0:0:1:0:0:1", 6, "2001:db8::1:0:0:1" }, /* tie: the first run */
	{ "2001:0:0:1:0:0:0:1", 6, "2001:0:0:1::1" }, /* the longest run */
	{ "2001:db8:0:1:1:1:1:1", 6, "2001:db8:0:1:1:1:1:1" }, /* one zero group stays */
	{ "1::", 6, "1::" },
	{ "1::8", 6, "1::8" },
	{ "1:2:3:4:5:6:7:8", 6, "1:2:3:4:5:6:7:8" },
	{ "1:2:3:4:5:6:7::", 6, "1:2:3:4:5:6:7:0" },
	{ "::2:3:4:5:6:7:8", 6, "0:2:3:4:5:6:7:8" },
	{ "::ffff:10.0.0.1", 6, "::ffff:10.0.0.1" }, /* v4-mapped stays family 6 */
	{ "::FFFF:a00:1", 6, "::ffff:10.0.0.1" },
	{ "::ffff:0:0", 6, "::ffff:0.0.0.0" },
	{ "::1.2.3.4", 6, "::102:304" }, /* IPv4-compatible */
	{ "1:2:3:4:5:6:1.2.3.4", 6, "1:2:3:4:5:6:102:304" },
	{ "64:ff9b::8.8.8.8", 6, "64:ff9b::808:808" },
	{ "fe80::a9fe:a9fe", 6, "fe80::a9fe:a9fe" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
};

START_TEST(test_ip_parse_good)
{
	struct nj_ip ip;
	char buf[64];

	ck_assert_msg(nj_ip_parse(good_ips[_i].in, strlen(good_ips[_i].in), &ip) == 0,
	    "\"%s\" must parse", good_ips[_i].in);
	ck_assert_int_eq(ip.family, good_ips[_i].family);
	ck_assert_uint_eq(nj_ip_format(&ip, buf, sizeof(buf)), strlen(good_ips[_i].canon));
	ck_assert_str_eq(buf, good_ips[_i].canon);
	if (ip.family == 4) {
		static const uint8_t zero[12];

		ck_assert_mem_eq(ip.a + 4, zero, 12); /* the rest of a[] is zero */
	}
}
END_TEST

/* Every spelling a lenient parser (inet_aton, getaddrinfo) would accept and we must not:
 * each is a classic way to write loopback past a filter that reads it differently. */
static const char *const bad_ips[] = {
	"",
	"1.2.3",
	"1.2.3.4.5",
	"01.2.3.4",
	"1.2.3.04",
	"010.0.0.1",
	"1.2.3.256",
	"256.0.0.1",
	"1.2.3.4 ",
	" 1.2.3.4",
	"1..2.3",
	"127.1",
	"127.0.1",
	"0x7f.0.0.1",
	"0x7f000001",
	"2130706433",
	"0177.0.0.1",
	"1.2.3.-4",
	"+1.2.3.4",
	"1234.1.1.1",
	"1.2.3.4/32",
	"1.2.3.",
	".1.2.3",
	":::1",
	"1::2::3",
	"12345::1",
	"1:2:3:4:5:6:7:8:9",
	"1:2:3:4:5:6:7",
	":1::",
	":1:2:3:4:5:6:7:8",
	"1:",
	"::1:",
	"1:2:3:4:5:6:7:8::",
	"::1:2:3:4:5:6:7:8",
	"fe80::1%eth0",
	"fe80::1%1",
	"1:2:3:4:5:6:7:1.2.3.4",
	"::1.2.3",
	"::ffff:1.2.3.04",
	"::ffff:1.2.3.4.5",
	"::1.2.3.4:5",
	"g::1",
	"[::1]",
	"::/0",
	"::-1",
	"1:2:3:4:5:6:7:8:",
	"localhost",
	"0",
	"::ffff:127.1",
};

START_TEST(test_ip_parse_bad)
{
	struct nj_ip ip;

	memset(&ip, 0xa5, sizeof(ip));
	ck_assert_msg(nj_ip_parse(bad_ips[_i], strlen(bad_ips[_i]), &ip) == -EINVAL,
	    "\"%s\" must not parse", bad_ips[_i]);
}
END_TEST

/* "exactly n bytes": the parser reads no further, and what follows does not matter. */
START_TEST(test_ip_parse_reads_exactly_n_bytes)
{
	struct nj_ip ip;
	char buf[64];

	ck_assert_int_eq(nj_ip_parse("10.0.0.1:80", 8, &ip), 0);
	ck_assert_str_eq(ip_str(&ip, buf, sizeof(buf)), "10.0.0.1");
	ck_assert_int_eq(nj_ip_parse("2001:db8::1/64", 11, &ip), 0);
	ck_assert_str_eq(ip_str(&ip, buf, sizeof(buf)), "2001:db8::1");
	ck_assert_int_eq(nj_ip_parse("10.0.0.12", 8, &ip), 0);
	ck_assert_str_eq(ip_str(&ip, buf, sizeof(buf)), "10.0.0.1");
	ck_assert_int_eq(nj_ip_parse("10.0.0.1", 7, &ip), -EINVAL); /* "10.0.0." */
	ck_assert_int_eq(nj_ip_parse("::1", 2, &ip), 0); /* "::" */
	ck_assert_str_eq(ip_str(&ip, buf, sizeof(buf)), "::");
}
END_TEST

START_TEST(test_ip_format_truncates_like_snprintf)
{
	struct nj_ip ip = ip_of("192.168.100.200");
	struct nj_ip ip6 = ip_of("2001:db8:1:2:3:4:5:6");
	char buf[16];

	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(nj_ip_format(&ip, buf, 0), 15);
	ck_assert_int_eq(buf[0], 'x'); /* size 0: nothing written */
	ck_assert_uint_eq(nj_ip_format(&ip, buf, 5), 15);
	ck_assert_str_eq(buf, "192.");
	ck_assert_uint_eq(nj_ip_format(&ip, buf, 16), 15);
	ck_assert_str_eq(buf, "192.168.100.200");
	ck_assert_uint_eq(nj_ip_format(&ip6, buf, sizeof(buf)), 20);
	ck_assert_str_eq(buf, "2001:db8:1:2:3:");
}
END_TEST

START_TEST(test_prefix_format)
{
	static const char *const in[] = {
		"10.0.0.0/8",
		"0.0.0.0/0",
		"::/0",
		"2001:db8::/32",
		"fe80::/9",
		"1.2.3.4/32",
		"::1/128",
		"64:ff9b::/96",
	};
	char buf[64];

	for (size_t i = 0; i < NELEM(in); i++) {
		struct nj_prefix p = pfx_of(in[i]);

		ck_assert_uint_eq(nj_prefix_format(&p, buf, sizeof(buf)), strlen(in[i]));
		ck_assert_str_eq(buf, in[i]);
	}
	{
		struct nj_prefix p = pfx_of("2001:db8::/32");

		ck_assert_uint_eq(nj_prefix_format(&p, buf, 6), 13);
		ck_assert_str_eq(buf, "2001:");
	}
}
END_TEST

/* ---- nj_prefix_contains ---- */

static const struct {
	const char *pfx, *addr;
	int in;
} contains[] = {
	{ "10.0.0.0/8", "10.0.0.0", 1 },
	{ "10.0.0.0/8", "10.255.255.255", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.0.0/8", "9.255.255.255", 0 },
	{ "0.0.0.0/0", "255.255.255.255", 1 },
	{ "0.0.0.0/0", "::", 0 }, /* families never cross */
	{ "::/0", "10.0.0.1", 0 },
	{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "::/0", "::ffff:127.0.0.1", 1 }, /* containment is plain bits; matching expands */
	{ "128.0.0.0/1", "127.255.255.255", 0 },
	{ "128.0.0.0/1", "128.0.0.0", 1 },
	{ "128.0.0.0/1", "255.255.255.255", 1 },
	{ "1.2.3.4/32", "1.2.3.4", 1 },
	{ "1.2.3.4/32", "1.2.3.5", 0 },
	{ "1.2.3.4/31", "1.2.3.5", 1 },
	{ "1.2.3.4/31", "1.2.3.3", 0 },
	{ "::1/128", "::1", 1 },
	{ "::1/128", "::", 0 },
	{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "2001:db8::/32", "2001:db9::", 0 },
	{ "2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
	{ "fe80::/9", "feff:ffff::", 1 },
	{ "fe80::/9", "ff00::", 0 },
	{ "fe80::/9", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
	{ "2001:db8:0:1::/64", "2001:db8:0:1:ffff:ffff:ffff:ffff", 1 },
	{ "2001:db8:0:1::/64", "2001:db8:0:2::", 0 },
	{ "2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff", 1 },
	{ "2001:db8::/65", "2001:db8::8000:0:0:0", 0 },
	{ "2001:db8::/127", "2001:db8::1", 1 },
	{ "2001:db8::/127", "2001:db8::2", 0 },
	{ "64:ff9b::/96", "64:ff9b::ffff:ffff", 1 },
	{ "64:ff9b::/96", "64:ff9b::1:0:0", 0 },
	{ "::ffff:0:0:0/96", "::ffff:0:ffff:ffff", 1 },
	{ "::ffff:0:0:0/96", "::1:0:0:0", 0 },
	{ "::/96", "::ffff:ffff", 1 },
	{ "::/96", "::1:0:0", 0 },
};

START_TEST(test_prefix_contains)
{
	struct nj_prefix p = pfx_of(contains[_i].pfx);
	struct nj_ip ip = ip_of(contains[_i].addr);

	ck_assert_msg(nj_prefix_contains(&p, &ip) == contains[_i].in, "%s in %s: expected %d",
	    contains[_i].addr, contains[_i].pfx, contains[_i].in);
}
END_TEST

/* ---- nj_ip_expand: what one destination address stands for ---- */

static const struct {
	const char *in;
	const char *out[NJ_MAX_EXPAND + 1]; /* out[0] is the address itself; NULL-terminated */
} expansions[] = {
	{ "10.0.0.1", { "10.0.0.1" } },
	{ "127.0.0.1", { "127.0.0.1" } },
	{ "1.0.0.0", { "1.0.0.0" } },
	{ "0.0.0.0", { "0.0.0.0", "127.0.0.1" } },
	{ "0.1.2.3", { "0.1.2.3", "127.0.0.1" } },
	{ "0.255.255.255", { "0.255.255.255", "127.0.0.1" } },
	{ "::ffff:127.0.0.1", { "127.0.0.1" } },
	{ "::ffff:8.8.8.8", { "8.8.8.8" } },
	{ "::ffff:0.0.0.0", { "0.0.0.0", "127.0.0.1" } },
	{ "::ffff:0.1.0.0", { "0.1.0.0", "127.0.0.1" } },
	{ "::", { "::", "::1", "127.0.0.1" } },
	{ "::1", { "::1" } },
	{ "::2", { "::2", "0.0.0.2", "127.0.0.1" } },
	{ "::1.2.3.4", { "::1.2.3.4", "1.2.3.4" } },
	{ "::ffff:ffff", { "::ffff:ffff", "255.255.255.255" } },
	{ "::ffff", { "::ffff", "0.0.255.255", "127.0.0.1" } },
	{ "::1:0:0", { "::1:0:0" } },
	{ "::ffff:0:1.2.3.4", { "::ffff:0:1.2.3.4", "1.2.3.4" } },
	{ "::ffff:0:0:0", { "::ffff:0:0:0", "0.0.0.0", "127.0.0.1" } },
	{ "64:ff9b::808:808", { "64:ff9b::808:808", "8.8.8.8" } },
	{ "64:ff9b::a9fe:a9fe", { "64:ff9b::a9fe:a9fe", "169.254.169.254" } },
	{ "64:ff9b::7f00:1", { "64:ff9b::7f00:1", "127.0.0.1" } },
	{ "64:ff9b::1", { "64:ff9b::1", "0.0.0.1", "127.0.0.1" } },
	{ "64:ff9b:2::808:808", { "64:ff9b:2::808:808" } }, /* not 64:ff9b::/96 */
	{ "64:ff9b::1:0:808:808", { "64:ff9b::1:0:808:808" } }, /* nor this */
	{ "64:ff9b:1:a0b:c:d0e:f10:1112",
	    { "64:ff9b:1:a0b:c:d0e:f10:1112", "10.11.12.13", "11.12.13.14", "12.13.14.15",
	        "15.16.17.18" } },
	{ "64:ff9b:1::", { "64:ff9b:1::", "0.0.0.0", "127.0.0.1" } },
	{ "2002:c000:204::", { "2002:c000:204::", "192.0.2.4" } },
	{ "2002:7f00:1::", { "2002:7f00:1::", "127.0.0.1" } },
	{ "2002:808:808:7f00:1::", { "2002:808:808:7f00:1::", "8.8.8.8" } },
	{ "2002::", { "2002::", "0.0.0.0", "127.0.0.1" } },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", /* RFC 4380 section 4's example */
	    { "2001:0:4136:e378:8000:63bf:3fff:fdd2", "65.54.227.120", "192.0.2.45" } },
	{ "2001::", { "2001::", "0.0.0.0", "255.255.255.255", "127.0.0.1" } },
	{ "2001:db8::1", { "2001:db8::1" } },
	{ "2001:1::1", { "2001:1::1" } },
	{ "2003::1", { "2003::1" } },
	{ "fe80::1", { "fe80::1" } },
	{ "2606:4700::1111", { "2606:4700::1111" } },
};

START_TEST(test_ip_expand)
{
	struct nj_ip in = ip_of(expansions[_i].in), out[NJ_MAX_EXPAND];
	int want = 0, n;
	char a[64], b[64];

	while (expansions[_i].out[want])
		want++;
	memset(out, 0xa5, sizeof(out));
	n = nj_ip_expand(&in, out);
	ck_assert_msg(n == want, "%s stands for %d addresses, expected %d", expansions[_i].in, n,
	    want);
	{
		struct nj_ip first = ip_of(expansions[_i].out[0]);

		if (first.family == 6 && memcmp(first.a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
			ck_abort_msg("test bug: expected mapped output");
		ck_assert_msg(ip_eq(&out[0], &first), "out[0] of %s is %s, expected %s",
		    expansions[_i].in, ip_str(&out[0], a, sizeof(a)), expansions[_i].out[0]);
	}
	for (int i = 0; i < n; i++) {
		int found = 0;

		for (int k = 0; k < want; k++) {
			struct nj_ip e = ip_of(expansions[_i].out[k]);

			found |= ip_eq(&out[i], &e);
		}
		ck_assert_msg(found, "%s expanded to unexpected %s", expansions[_i].in,
		    ip_str(&out[i], a, sizeof(a)));
		for (int k = 0; k < i; k++)
			ck_assert_msg(!ip_eq(&out[i], &out[k]), "%s: duplicate %s",
			    expansions[_i].in, ip_str(&out[i], b, sizeof(b)));
		if (out[i].family == 4) {
			static const uint8_t zero[12];

			ck_assert_mem_eq(out[i].a + 4, zero, 12);
		}
	}
}
END_TEST

/* The kernel sends ::ffff:a.b.c.d as IPv4: the IPv6 form itself must not be judged. */
START_TEST(test_expand_v4mapped_is_only_its_ipv4)
{
	struct nj_ip in = ip_of("::ffff:127.0.0.1"), out[NJ_MAX_EXPAND];

	ck_assert_int_eq(nj_ip_expand(&in, out), 1);
	ck_assert_int_eq(out[0].family, 4);
	ck_assert_mem_eq(out[0].a, "\x7f\0\0\x01", 4);
}
END_TEST

/* The worst case the header promises fits: 64:ff9b:1::/48 in every layout, each 0/8. */
START_TEST(test_expand_bounded)
{
	uint64_t s = 42;

	for (int i = 0; i < 20000; i++) {
		struct nj_ip in, out[NJ_MAX_EXPAND + 1];
		int n;

		memset(&in, 0, sizeof(in));
		in.family = 6;
		for (int k = 0; k < 16; k++)
			in.a[k] = (uint8_t)prng_next(&s);
		switch (i % 6) { /* into each embedding prefix in turn */
		case 0: memcpy(in.a, "\0\x64\xff\x9b\0\0\0\0\0\0\0\0", 12); break;
		case 1: memcpy(in.a, "\0\x64\xff\x9b\0\x01", 6); break;
		case 2: memcpy(in.a, "\x20\x02", 2); break;
		case 3: memcpy(in.a, "\x20\x01\0\0", 4); break;
		case 4: memset(in.a, 0, 12); break;
		case 5: memcpy(in.a, "\0\0\0\0\0\0\0\0\xff\xff\0\0", 12); break;
		}
		if (i % 12 >= 6) /* and the v4 parts often in 0.0.0.0/8 */
			in.a[6] = in.a[7] = in.a[9] = in.a[12] = in.a[2] = in.a[4] = 0;
		memset(&out[NJ_MAX_EXPAND], 0x5a, sizeof(out[0]));
		n = nj_ip_expand(&in, out);
		ck_assert_int_ge(n, 1);
		ck_assert_int_le(n, NJ_MAX_EXPAND);
		ck_assert_int_eq(out[NJ_MAX_EXPAND].family, 0x5a); /* nothing past the end */
	}
}
END_TEST

/* ---- SPEC.md §3 normalisation, one named test per bypass ---- */

/* 1. v4-mapped: judged purely as IPv4. */
START_TEST(test_v4mapped_judged_as_ipv4)
{
	ck_assert_int_eq(decide("allow 127.0.0.0/8\n", "tcp", "[::ffff:127.0.0.1]:80"), V_ALLOW);
	ck_assert_int_eq(decide("allow 127.0.0.0/8\n", "tcp", "::ffff:127.0.0.1"), V_ALLOW);
	ck_assert_int_eq(decide("allow 127.0.0.0/8\n", "tcp", "[::ffff:128.0.0.1]:80"), V_DENY);
}
END_TEST

START_TEST(test_v4mapped_not_allowed_by_ipv6_rules)
{
	ck_assert_int_eq(decide("allow ::/0\n", "tcp", "[::ffff:127.0.0.1]:80"), V_DENY);
	ck_assert_int_eq(decide("allow ::/0\n", "tcp", "[::ffff:8.8.8.8]:80"), V_DENY);
	ck_assert_int_eq(decide("allow ::/80\n", "tcp", "[::ffff:8.8.8.8]:80"), V_DENY);
	ck_assert_int_eq(decide("allow ::/0\nallow 0.0.0.0/0\n", "tcp", "[::ffff:8.8.8.8]:80"),
	    V_ALLOW);
}
END_TEST

START_TEST(test_v4mapped_loopback_blocked_by_ipv4_block)
{
	const char *r = "allow 0.0.0.0/0\nallow ::/0\nblock 127.0.0.0/8\nblock ::1/128\n";
	struct nj_verdict v;
	char buf[64];

	ck_assert_int_eq(decide_v(r, NULL, "tcp", "[::ffff:127.0.0.1]:80", &v), V_DENY);
	ck_assert_str_eq(ip_str(&v.addr, buf, sizeof(buf)), "127.0.0.1");
	ck_assert_uint_eq(v.rule, 2);
	ck_assert_int_eq(v.naddr, 1);
}
END_TEST

/* A rule written in mapped form stands for the IPv4 prefix. */
START_TEST(test_mapped_rule_stands_for_ipv4_prefix)
{
	const char *m = "allow ::ffff:127.0.0.0/104\n";
	static const char *const dests[] = {
		"127.0.0.1:80",
		"127.255.255.255:80",
		"126.255.255.255:80",
		"128.0.0.0:80",
		"[::ffff:127.0.0.1]:80",
		"[::ffff:128.0.0.1]:80",
		"[::1]:80",
	};

	for (size_t i = 0; i < NELEM(dests); i++)
		ck_assert_msg(decide(m, "tcp", dests[i]) ==
		        decide("allow 127.0.0.0/8\n", "tcp", dests[i]),
		    "%s: mapped rule differs from "
		    "its IPv4 prefix",
		    dests[i]);
	ck_assert_int_eq(decide(m, "tcp", "127.0.0.1:80"), V_ALLOW);
	ck_assert_int_eq(decide("allow any\nblock ::ffff:127.0.0.0/104\n", "tcp", "127.0.0.1:80"),
	    V_DENY);
	ck_assert_int_eq(decide("allow any\nblock ::ffff:127.0.0.1\n", "tcp", "127.0.0.1:80"),
	    V_DENY);
	ck_assert_int_eq(decide("allow any\nblock ::ffff:127.0.0.1\n", "tcp", "127.0.0.2:80"),
	    V_ALLOW);
	{
		struct nj_rules *r = rules_ok(m);
		char buf[64];

		nj_rule_format(r, 0, buf, sizeof(buf));
		ck_assert_str_eq(buf, "allow 127.0.0.0/8");
		nj_rules_free(r);
	}
}
END_TEST

/* ::ffff:0:0/96 is the mapped form of all of IPv4 (presets.tsv explains why no preset lists
 * it). */
START_TEST(test_mapped_rule_slash96_is_all_ipv4)
{
	ck_assert_int_eq(decide("allow ::ffff:0:0/96\n", "tcp", "8.8.8.8:80"), V_ALLOW);
	ck_assert_int_eq(decide("allow ::ffff:0:0/96\n", "tcp", "[2606:4700::1111]:80"), V_DENY);
	ck_assert_int_eq(decide("allow any\nblock ::ffff:0:0/96\n", "tcp", "8.8.8.8:80"), V_DENY);
}
END_TEST

/* 2. The unspecified destinations reach this host: they stand for loopback too. */
START_TEST(test_unspecified_stands_for_loopback)
{
	const char *r = "allow 0.0.0.0/0\nallow ::/0\nblock 127.0.0.0/8\nblock ::1/128\n";
	struct nj_verdict v;
	char buf[64];

	ck_assert_int_eq(decide_v(r, NULL, "tcp", "0.0.0.0:80", &v), V_DENY);
	ck_assert_str_eq(ip_str(&v.addr, buf, sizeof(buf)), "127.0.0.1");
	ck_assert_uint_eq(v.rule, 2);
	ck_assert_int_eq(v.naddr, 2);
	ck_assert_int_eq(decide(r, "udp", "0.0.0.0:53"), V_DENY);
	ck_assert_int_eq(decide(r, "tcp", "0.0.0.0"), V_DENY);
}
END_TEST

START_TEST(test_this_network_stands_for_loopback)
{
	const char *r = "allow 0.0.0.0/0\nblock 127.0.0.0/8\n";

	ck_assert_int_eq(decide(r, "tcp", "0.1.2.3:80"), V_DENY);
	ck_assert_int_eq(decide(r, "tcp", "0.0.0.1:80"), V_DENY);
	ck_assert_int_eq(decide(r, "tcp", "0.255.255.255:80"), V_DENY);
	ck_assert_int_eq(decide(r, "tcp", "1.0.0.0:80"), V_ALLOW); /* just past 0.0.0.0/8 */
	ck_assert_int_eq(decide(r, "tcp", "[::ffff:0.0.0.0]:80"), V_DENY);
	ck_assert_int_eq(decide(r, "tcp", "[::ffff:0.9.9.9]:80"), V_DENY);
}
END_TEST

START_TEST(test_unspecified_v6_stands_for_loopback)
{
	const char *r = "allow ::/0\nblock ::1/128\n";
	struct nj_verdict v;
	char buf[64];

	ck_assert_int_eq(decide_v(r, NULL, "tcp", "[::]:80", &v), V_DENY);
	ck_assert_str_eq(ip_str(&v.addr, buf, sizeof(buf)), "::1");
	ck_assert_uint_eq(v.rule, 1);
	ck_assert_int_eq(decide(r, "tcp", "[::2]:80"), V_DENY); /* ::2 embeds 0.0.0.2 */
	/* a socket bound to ::ffff:127.0.0.1 reaches 127.0.0.1 through :: */
	ck_assert_int_eq(decide_v("allow ::/0\nblock 127.0.0.0/8\n", NULL, "tcp", "[::]:80", &v),
	    V_DENY);
	ck_assert_str_eq(ip_str(&v.addr, buf, sizeof(buf)), "127.0.0.1");
	ck_assert_int_eq(decide(r, "tcp", "[2001:db8::]:80"), V_ALLOW);
}
END_TEST

/* 3. IPv6 forms that embed IPv4 stand for each embedded address. */
START_TEST(test_nat64_metadata_denied)
{
	struct nj_verdict v;
	char buf[64];

	ck_assert_int_eq(decide_v("allow @public\n", NULL, "tcp", "[64:ff9b::a9fe:a9fe]:80", &v),
	    V_DENY);
	ck_assert_str_eq(ip_str(&v.addr, buf, sizeof(buf)), "169.254.169.254");
	ck_assert_int_eq(decide("allow @public\n", "tcp", "[64:ff9b::169.254.169.254]:80"), V_DENY);
	ck_assert_int_eq(decide("allow @public\n", "tcp", "[64:ff9b::a83f:8110]:80"), V_DENY);
}
END_TEST

START_TEST(test_nat64_loopback_denied)
{
	ck_assert_int_eq(decide("allow @public\n", "tcp", "[64:ff9b::7f00:1]:80"), V_DENY);
	ck_assert_int_eq(decide("allow @public\n", "tcp", "[64:ff9b::a00:1]:80"), V_DENY);
	ck_assert_int_eq(decide("allow @public\n", "tcp", "[64:ff9b::1]:80"), V_DENY); /* 0.0.0.1 */
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[64:ff9b::7f00:1]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[64:ff9b::0.0.0.0]:80"), V_DENY);
}
END_TEST

START_TEST(test_nat64_public_allowed)
{
	struct nj_verdict v;

	ck_assert_int_eq(decide_v("allow @public\n", NULL, "tcp", "[64:ff9b::808:808]:443", &v),
	    V_ALLOW);
	ck_assert_int_eq(v.naddr, 2);
	ck_assert_int_eq(decide("allow @public\n", "tcp", "[64:ff9b::101:101]:443"), V_ALLOW);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[64:ff9b::808:808]:80"), V_ALLOW);
}
END_TEST

/* Both halves must be allowed: the IPv6 address and the IPv4 one it carries. */
START_TEST(test_embedded_needs_both_families_allowed)
{
	ck_assert_int_eq(decide("allow ::/0\n", "tcp", "[64:ff9b::808:808]:80"), V_DENY);
	ck_assert_int_eq(decide("allow 0.0.0.0/0\n", "tcp", "[64:ff9b::808:808]:80"), V_DENY);
	ck_assert_int_eq(decide("allow ::/0\nallow 8.8.8.8\n", "tcp", "[64:ff9b::808:808]:80"),
	    V_ALLOW);
	ck_assert_int_eq(decide("allow 64:ff9b::/96\nallow 8.8.8.8\nblock 8.8.8.8 port 53\n", "udp",
	                     "[64:ff9b::808:808]:53"),
	    V_DENY);
	ck_assert_int_eq(decide("allow 64:ff9b::/96\nallow 8.8.8.8\nblock 8.8.8.8 port 53\n", "tcp",
	                     "[64:ff9b::808:808]:443"),
	    V_ALLOW);
}
END_TEST

/* 64:ff9b:1::/48 may carry IPv4 in the /48, /56, /64 or /96 layout: each one counts. */
START_TEST(test_nat64_local_use_every_layout)
{
	static const char *const loopback_in[] = {
		"[64:ff9b:1:7f01:1:108:808:808]:80", /* /48: 127.1.1.1 */
		"[64:ff9b:1:87f:1:101:808:808]:80", /* /56: 127.1.1.1 */
		"[64:ff9b:1:808:7f:101:108:808]:80", /* /64: 127.1.1.1 */
		"[64:ff9b:1:808:8:808:7f00:1]:80", /* /96: 127.0.0.1 */
	};

	for (size_t i = 0; i < NELEM(loopback_in); i++)
		ck_assert_msg(decide(ALL_BUT_V4_LOOPBACK, "tcp", loopback_in[i]) == V_DENY,
		    "%s carries 127/8 in one RFC 6052 layout", loopback_in[i]);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[64:ff9b:1:808:8:808:808:808]:80"),
	    V_ALLOW);
	ck_assert_int_eq(decide("allow @public\n", "tcp", "[64:ff9b:1:808:8:808:808:808]:80"),
	    V_DENY); /* and it is @special anyway */
}
END_TEST

START_TEST(test_ipv4_translated_embedding)
{
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[::ffff:0:7f00:1]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[::ffff:0:127.0.0.1]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[::ffff:0:808:808]:80"), V_ALLOW);
}
END_TEST

START_TEST(test_ipv4_compatible_embedding)
{
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[::7f00:1]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[::127.0.0.1]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[::808:808]:80"), V_ALLOW);
	ck_assert_int_eq(decide("allow ::/0\n", "tcp", "[::808:808]:80"), V_DENY);
}
END_TEST

/* :: and ::1 are the unspecified and loopback addresses, not 0.0.0.0 and 0.0.0.1 (:: stands
 * for IPv4 loopback, 127.0.0.1, for another reason: normalisation 2). */
START_TEST(test_ipv4_compatible_excludes_unspecified_and_loopback)
{
	struct nj_ip out[NJ_MAX_EXPAND];
	struct nj_ip any = ip_of("::"), one = ip_of("::1"), lo4 = ip_of("127.0.0.1");
	int n = nj_ip_expand(&any, out);

	ck_assert_int_eq(n, 3);
	for (int i = 0; i < n; i++)
		ck_assert(out[i].family == 6 || memcmp(&out[i], &lo4, sizeof(lo4)) == 0);
	n = nj_ip_expand(&one, out);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(out[0].family, 6);
	ck_assert_int_eq(decide("allow ::/0\n", "tcp", "[::1]:80"), V_ALLOW);
	ck_assert_int_eq(decide("allow ::/0\n", "tcp", "[::]:80"), V_DENY);
	ck_assert_int_eq(decide("allow ::/0\nallow 127.0.0.1\n", "tcp", "[::]:80"), V_ALLOW);
	ck_assert_int_eq(decide("allow ::/0\nblock 0.0.0.0/8\n", "tcp", "[::1]:80"), V_ALLOW);
}
END_TEST

START_TEST(test_6to4_embedding_bits_16_to_47)
{
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2002:7f00:1::]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2002:7f00:1:ffff::1]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2002:808:808::1]:80"), V_ALLOW);
	/* bits 48 and on are the site's own: 127.0.0.1 there is no IPv4 address */
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2002:808:808:7f00:1::]:80"), V_ALLOW);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2002:808:808::7f00:1]:80"), V_ALLOW);
}
END_TEST

START_TEST(test_teredo_server_embedding)
{
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2001:0:7f00:1::]:80"), V_DENY);
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2001:0:808:808::f7f7:f7f7]:80"),
	    V_ALLOW);
	/* 2001:db8::/32 is documentation, not Teredo: nothing embedded */
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2001:db8:7f00:1::]:80"), V_ALLOW);
}
END_TEST

/* The client address is stored inverted; reading the raw bits would judge the wrong host. */
START_TEST(test_teredo_client_is_inverted)
{
	/* NOT 80ff:fffe is 7f00:0001 = 127.0.0.1 */
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2001:0:808:808::80ff:fffe]:80"),
	    V_DENY);
	/* raw 7f00:0001 is client 128.255.255.254 */
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2001:0:808:808::7f00:1]:80"),
	    V_ALLOW);
	/* client NOT ffff:ffff = 0.0.0.0, which stands for loopback in turn */
	ck_assert_int_eq(decide(ALL_BUT_V4_LOOPBACK, "tcp", "[2001:0:808:808::ffff:ffff]:80"),
	    V_DENY);
}
END_TEST

Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_ip_parse_good, 0, (int)NELEM(good_ips));
	tcase_add_loop_test(tc, test_ip_parse_bad, 0, (int)NELEM(bad_ips));
	tcase_add_test(tc, test_ip_parse_reads_exactly_n_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_ip_format_truncates_like_snprintf);
	tcase_add_test(tc, test_prefix_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("contains");
	tcase_add_loop_test(tc, test_prefix_contains, 0, (int)NELEM(contains));
	suite_add_tcase(s, tc);

	tc = tcase_create("expand");
	tcase_add_loop_test(tc, test_ip_expand, 0, (int)NELEM(expansions));
	tcase_add_test(tc, test_expand_v4mapped_is_only_its_ipv4);
	tcase_add_test(tc, test_expand_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("normalise");
	tcase_add_test(tc, test_v4mapped_judged_as_ipv4);
	tcase_add_test(tc, test_v4mapped_not_allowed_by_ipv6_rules);
	tcase_add_test(tc, test_v4mapped_loopback_blocked_by_ipv4_block);
	tcase_add_test(tc, test_mapped_rule_stands_for_ipv4_prefix);
	tcase_add_test(tc, test_mapped_rule_slash96_is_all_ipv4);
	tcase_add_test(tc, test_unspecified_stands_for_loopback);
	tcase_add_test(tc, test_this_network_stands_for_loopback);
	tcase_add_test(tc, test_unspecified_v6_stands_for_loopback);
	tcase_add_test(tc, test_nat64_metadata_denied);
	tcase_add_test(tc, test_nat64_loopback_denied);
	tcase_add_test(tc, test_nat64_public_allowed);
	tcase_add_test(tc, test_embedded_needs_both_families_allowed);
	tcase_add_test(tc, test_nat64_local_use_every_layout);
	tcase_add_test(tc, test_ipv4_translated_embedding);
	tcase_add_test(tc, test_ipv4_compatible_embedding);
	tcase_add_test(tc, test_ipv4_compatible_excludes_unspecified_and_loopback);
	tcase_add_test(tc, test_6to4_embedding_bits_16_to_47);
	tcase_add_test(tc, test_teredo_server_embedding);
	tcase_add_test(tc, test_teredo_client_is_inverted);
	suite_add_tcase(s, tc);
	return s;
}
