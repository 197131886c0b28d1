/* test_parse.c - parse.c and load.c: the rules grammar of SPEC.md §3, strictly; every error
 * at its FILE:LINE:COL; all-or-nothing; the limits (line, rules, file size). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests.h"

/* ---- lines that must not parse: line, 1-based byte column, and what the message says ---- */

#define T(s) s, sizeof(s) - 1 /* a text with its length: some hold NUL bytes */

static const struct {
	const char *text;
	size_t len;
	uint32_t line, col;
	const char *msg, *msg2; /* substrings the first error's message must hold */
} bad[] = {
	/* addresses and prefixes: strict, one spelling each */
	{ T("allow 10.0.0.1/8"), 1, 7, "10.0.0.0/8 (the network)",
	    "10.0.0.1/32 (the one address)" },
	{ T("allow 010.0.0.1"), 1, 7, "invalid IPv4 address", "no leading zeros" },
	{ T("allow 127.1"), 1, 7, "invalid IPv4 address", "\"127.1\"" },
	{ T("allow 0x7f.0.0.1"), 1, 7, "invalid IPv4 address", NULL },
	{ T("allow 0177.0.0.1"), 1, 7, "invalid IPv4 address", NULL },
	{ T("allow 1.2.3.4.5"), 1, 7, "invalid IPv4 address", NULL },
	{ T("allow 256.0.0.1"), 1, 7, "invalid IPv4 address", NULL },
	{ T("allow 10.0.0.0/33"), 1, 16, "prefix length above 32", NULL },
	{ T("allow ::/129"), 1, 10, "prefix length above 128", NULL },
	{ T("allow 10.0.0.0/"), 1, 16, "expected a prefix length", NULL },
	{ T("allow 10.0.0.0/08"), 1, 16, "prefix length", NULL },
	{ T("allow 10.0.0.0/-1"), 1, 16, "expected a prefix length", NULL },
	{ T("allow 10.0.0.0/8/8"), 1, 17, "invalid prefix length", NULL },
	{ T("allow 10.0.0.0/0"), 1, 7, "host bits", "0.0.0.0/0" },
	{ T("allow fe80::1%eth0"), 1, 14, "zone ids are not allowed", NULL },
	{ T("allow :::1"), 1, 7, "invalid IPv6 address", "\":::1\"" },
	{ T("allow 1::2::3"), 1, 7, "invalid IPv6 address", NULL },
	{ T("allow 12345::1"), 1, 7, "invalid IPv6 address", NULL },
	{ T("allow [::1]"), 1, 7, "invalid IPv6 address", NULL },
	{ T("allow 2001:db8::1/32"), 1, 7, "2001:db8::/32", "2001:db8::1/128" },
	/* ports */
	{ T("allow any port 0"), 1, 16, "expected a port number (1-65535)", "\"0\"" },
	{ T("allow any port 65536"), 1, 16, "expected a port number (1-65535)", "\"65536\"" },
	{ T("allow any port 080"), 1, 16, "expected a port number", NULL },
	{ T("allow any port -5"), 1, 16, "expected a port number", NULL },
	{ T("allow any port 90-80"), 1, 16, "port range is reversed", "\"90-80\"" },
	{ T("allow any port 0-80"), 1, 16, "expected a port number", NULL },
	{ T("allow any port 1-65536"), 1, 18, "expected a port number", "\"65536\"" },
	{ T("allow any port 1-2-3"), 1, 18, "expected a port number", NULL },
	{ T("allow ::1 port 80-"), 1, 19, "expected a port number", NULL },
	{ T("allow tcp 1.2.3.4 port https"), 1, 24,
	    "expected a port number (1-65535), got \"https\"", NULL },
	{ T("allow any port ,"), 1, 16, "empty entry", NULL },
	{ T("allow any port 80,"), 1, 19, "empty entry", NULL },
	{ T("allow any port"), 1, 15, "expected a port list after port", NULL },
	{ T("allow 1.2.3.4 port"), 1, 19, "expected a port list after port", NULL },
	{ T("allow any port 80 port 90"), 1, 19, "unexpected text after the rule", "\"port\"" },
	{ T("allow any port 22 ,80"), 1, 19, "unexpected text after the rule", NULL },
	/* words */
	{ T("permit 10.0.0.1"), 1, 1, "expected allow or block", "\"permit\"" },
	{ T("ALLOW 10.0.0.1"), 1, 1, "expected allow or block", "\"ALLOW\"" },
	{ T("allow foo"), 1, 7, "expected a target", "\"foo\"" },
	{ T("allow port 80"), 1, 7, "expected a target", "\"port\"" },
	{ T("allow TCP 10.0.0.1"), 1, 7, "expected a target", "\"TCP\"" },
	{ T("allow tcp udp 10.0.0.1"), 1, 11, "expected a target", "\"udp\"" },
	{ T("allow any 80"), 1, 11, "unexpected text after the rule", "\"80\"" },
	{ T("allow 1.2.3.4 port 80 extra"), 1, 23, "unexpected text after the rule", "\"extra\"" },
	{ T("allow udp any port 53 udp"), 1, 23, "unexpected text after the rule", NULL },
	/* missing targets: the column just after the word the target should follow */
	{ T("allow"), 1, 6, "expected a target after the action", NULL },
	{ T("block"), 1, 6, "expected a target after the action", NULL },
	{ T("allow tcp"), 1, 10, "expected a target after the action", NULL },
	{ T("allow udp"), 1, 10, "expected a target after the action", NULL },
	{ T("allow tcp # and a comment"), 1, 10, "expected a target after the action", NULL },
	{ T("allow unix"), 1, 11, "expected a path after unix", NULL },
	{ T("allow exec"), 1, 11, "expected a path after exec", NULL },
	{ T("allow family"), 1, 13, "expected a family name after family", NULL },
	{ T("allow family   # none"), 1, 13, "expected a family name after family", NULL },
	/* proto and port only on IP targets (a preset is one: see good[]) */
	{ T("allow tcp unix /run/x"), 1, 7, "tcp and udp apply only to IP and host targets", NULL },
	{ T("allow udp unix @name"), 1, 7, "tcp and udp apply only to IP and host targets", NULL },
	{ T("allow udp family netlink"), 1, 7, "tcp and udp apply only to IP and host targets",
	    NULL },
	{ T("allow tcp exec /bin/sh"), 1, 7, "tcp and udp apply only to IP and host targets",
	    NULL },
	{ T("allow unix /run/x port 80"), 1, 19, "port applies only to IP and host targets", NULL },
	{ T("allow family netlink port 80"), 1, 22, "port applies only to IP and host targets",
	    NULL },
	/* presets */
	{ T("allow @nosuch"), 1, 7, "unknown preset", "\"@nosuch\"" },
	{ T("allow tcp @nosuch"), 1, 11, "unknown preset", NULL },
	{ T("allow @"), 1, 7, "unknown preset", NULL },
	{ T("allow @Public"), 1, 7, "unknown preset", NULL },
	/* unix, exec, family */
	{ T("allow unix run/x"), 1, 12, "a unix path must be absolute", "\"run/x\"" },
	{ T("allow unix *"), 1, 12, "a unix path must be absolute", NULL },
	{ T("allow unix /run/*/x"), 1, 17, "'*' is allowed only at the end of a path", NULL },
	{ T("allow unix @na*me"), 1, 15, "'*' is allowed only at the end of a path", NULL },
	{ T("allow unix /run/**"), 1, 17, "'*' is allowed only at the end of a path", NULL },
	{ T("block exec /x"), 1, 1, "exec rules can only allow", NULL },
	{ T("allow exec run/x"), 1, 12, "an exec path must be absolute", NULL },
	{ T("allow exec @name"), 1, 12, "an exec path must be absolute", NULL },
	{ T("allow exec /usr/*/bin"), 1, 17, "'*' is allowed only at the end of a path", NULL },
	{ T("allow family foo"), 1, 14, "unknown socket family", "\"foo\"" },
	{ T("allow family inet"), 1, 14, "IP is not a family target", NULL },
	{ T("allow family inet6"), 1, 14, "IP is not a family target", NULL },
	{ T("allow family unix"), 1, 14, "unix is not a family target", NULL },
	{ T("allow family NETLINK"), 1, 14, "unknown socket family", NULL },
	/* family raw: the raw IP sockets, a whole kind of socket like a family */
	{ T("allow family RAW"), 1, 14, "unknown socket family", NULL },
	{ T("allow raw"), 1, 7,
	    "raw IP sockets are a family target; write family raw:", "\"raw\"" },
	{ T("block packet"), 1, 7,
	    "packet sockets are a family target; write family packet:", NULL },
	{ T("allow tcp family raw"), 1, 7, "tcp and udp apply only to IP and host targets", NULL },
	{ T("allow family raw port 80"), 1, 18, "port applies only to IP and host targets", NULL },
	{ T("allow family raw extra"), 1, 18, "unexpected text after the rule", "\"extra\"" },
	/* host NAME (SPEC.md §3a) */
	{ T("allow host"), 1, 11, "expected a name after host", NULL },
	{ T("allow host 10.0.0.1"), 1, 12,
	    "host takes a name, not an address: write allow 10.0.0.1", NULL },
	{ T("block host 2001:db8::/32"), 1, 12, "write block 2001:db8::/32", NULL },
	{ T("allow host a..b"), 1, 14, "empty label", NULL },
	{ T("allow host .a"), 1, 12, "empty label", NULL },
	{ T("allow host a.b.."), 1, 16, "empty label", NULL },
	{ T("allow host *"), 1, 12, "only a leading *.", NULL },
	{ T("allow host *.*.example.com"), 1, 14, "only a leading *.", NULL },
	{ T("allow host api*.example.com"), 1, 15, "only a leading *.", NULL },
	{ T("allow host *."), 1, 14, "expected a host name", NULL },
	{ T("allow host caf\xc3\xa9.example"), 1, 15, "xn-- form", NULL },
	{ T("allow host a/b"), 1, 13, "not a letter, digit", NULL },
	{ T("allow host "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"),
	    1, 75, "longer than 63 bytes", NULL },
	{ T("allow host example.com extra"), 1, 24, "unexpected text after the rule", NULL },
	{ T("allow host example.com port 0"), 1, 29, "port", NULL },
	/* bytes that are not rules text */
	{ T("allow 10.0.\0.1"), 1, 12, "NUL byte", NULL },
	{ T("allow 10.0.0.1 # com\0ment"), 1, 21, "NUL byte", NULL },
	{ T("\0"), 1, 1, "NUL byte", NULL },
	{ T("allow 10.0.0.1\rblock 10.0.0.2"), 1, 15, "carriage return not at the end", NULL },
	{ T("allow 10.0.0.1\r\r\n"), 1, 15, "carriage return not at the end", NULL },
	{ T("allow 10.0.0.1\x01"), 1, 15, "control character", NULL },
	{ T("allow\x7f 10.0.0.1"), 1, 6, "control character", NULL },
	/* columns are byte columns: a tab is one */
	{ T("\tallow\t10.0.0.1/8"), 1, 8, "host bits set in 10.0.0.1/8", NULL },
	/* and lines count comments and blank lines */
	{ T("allow 10.0.0.1\n\n  block 10.0.0.0/33 # c\n"), 3, 18, "prefix length above 32", NULL },
	{ T("allow 10.0.0.1 # ok\nallow\t@public\tport\t443,\n"), 2, 24, "empty entry", NULL },
	{ T("# 1\r\n# 2\r\nallow 10.0.0.1/8\r\n"), 3, 7, "host bits", NULL },
};

START_TEST(test_bad_line)
{
	uint32_t line, col;
	char msg[256];
	int rc = parse_err(bad[_i].text, bad[_i].len, &line, &col, msg, sizeof(msg));

	ck_assert_msg(rc == -EINVAL, "row %d must be rejected with -EINVAL, got %d", _i, rc);
	ck_assert_msg(line == bad[_i].line && col == bad[_i].col,
	    "row %d: error at %u:%u, expected %u:%u (%s)", _i, line, col, bad[_i].line, bad[_i].col,
	    msg);
	ck_assert_msg(strstr(msg, bad[_i].msg) != NULL, "row %d: message \"%s\" lacks \"%s\"", _i,
	    msg, bad[_i].msg);
	if (bad[_i].msg2)
		ck_assert_msg(strstr(msg, bad[_i].msg2) != NULL,
		    "row %d: message \"%s\" lacks \"%s\"", _i, msg, bad[_i].msg2);
}
END_TEST

/* ---- texts that must parse, and into how many rules ---- */

static const struct {
	const char *text;
	size_t nrules;
} good[] = {
	{ "", 0 },
	{ "\n\n\n", 0 },
	{ "# only a comment\n", 0 },
	{ "  \t  \n\t\n", 0 },
	{ "\r\n\r\n", 0 },
	{ "allow 10.0.0.1", 1 }, /* no final newline */
	{ "allow 10.0.0.1\n", 1 },
	{ "allow 10.0.0.1\r", 1 },
	{ "allow 10.0.0.1 # a comment\n", 1 },
	{ "allow 10.0.0.1# no space before it\n", 1 },
	{ "allow 10.0.0.1 # com\rment\n", 1 }, /* a comment is not parsed */
	{ "\tallow\t\t10.0.0.1\t \n", 1 },
	{ "allow 10.0.0.1\r\nblock 10.0.0.2\r\n", 2 },
	{ "allow 10.0.0.1\nblock 10.0.0.2\r\n# mixed line ends\n", 2 },
	{ "allow tcp @public port 443", 1 }, /* proto and port on a preset */
	{ "allow udp @resolvers port 53", 1 },
	{ "block tcp @metadata", 1 },
	{ "allow tcp any", 1 },
	{ "block any", 1 },
	{ "block tcp 10.0.0.0/8 port 22,80-90", 1 },
	{ "allow any port 1", 1 },
	{ "allow any port 65535", 1 },
	{ "allow any port 1-65535", 1 },
	{ "allow any port 1,65535", 1 },
	{ "allow any port 5-5", 1 },
	{ "allow any port 1,1,1", 1 },
	{ "allow 0.0.0.0/0\nallow ::/0", 2 },
	{ "allow 0.0.0.0/32", 1 },
	{ "allow 2001:db8::/32", 1 },
	{ "allow 2001:DB8::/32", 1 },
	{ "allow ::ffff:127.0.0.0/104", 1 },
	{ "allow ::ffff:127.0.0.1", 1 },
	{ "allow 255.255.255.255/32", 1 },
	{ "allow ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 1 },
	{ "allow unix /run/pg/*", 1 },
	{ "allow unix /*", 1 },
	{ "allow unix /", 1 },
	{ "allow unix @*", 1 },
	{ "allow unix @name", 1 },
	{ "allow unix /run/caf\xc3\xa9.sock", 1 }, /* UTF-8 */
	{ "block unix /var/run/docker.sock", 1 },
	{ "allow exec /usr/bin/*", 1 },
	{ "allow exec /*", 1 },
	{ "allow exec /usr/bin/curl", 1 },
	{ "allow family netlink\nblock family packet\nallow family vsock", 3 },
	{ "allow family raw\nallow family packet\n", 2 },
	{ "allow host example.com", 1 },
	{ "allow tcp host API.Stripe.com. port 443", 1 },
	{ "allow host *.githubusercontent.com port 443\nblock host *.evil.example", 2 },
	{ "allow udp host xn--caf-dma.example port 53,5353", 1 },
	{ "allow host _srv._tcp.example.com\nallow host 1a.example", 2 },
	{ "block family raw", 1 },
	{ "allow 10.0.0.0/8 port 22 # ssh\nblock 10.0.0.0/8\n", 2 },
	{ "allow 10.0.0.0/8\nallow 10.0.0.0/8\n", 2 }, /* duplicates warn (lint), no error */
	{ "allow 10.1.0.0/16\nblock 10.0.0.0/8\n", 2 }, /* so do useless allows */
	{ "allow @loopback\nallow @this-network\nallow @private\nallow @cgnat\nallow @link-local\n"
	  "allow @multicast\nallow @broadcast\nallow @reserved\nallow @documentation\n"
	  "allow @benchmark\nallow @metadata\nallow @ietf-special\nallow @embedded-v4\n"
	  "allow @special\nallow @public\nallow @self\nallow @resolvers\n",
	    17 },
};

START_TEST(test_good_text)
{
	struct nj_rules *r = rules_ok(good[_i].text);

	ck_assert_uint_eq(nj_rules_count(r), good[_i].nrules);
	nj_rules_free(r);
}
END_TEST

/* ---- all-or-nothing, every error reported ---- */

START_TEST(test_bad_line3_rejects_whole_file)
{
	const char *text = "allow @public\nallow tcp 10.1.2.3 port 5432\nallow 10.0.0.1/8\n"
	                   "block @metadata\n";
	struct nj_rules *r = (struct nj_rules *)(uintptr_t)1;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_parse(text, strlen(text), "x.rules", NULL, &r, &dg), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(dg.nerr, 1);
	ck_assert_uint_eq(dg.v[0].line, 3);
	ck_assert_uint_eq(dg.v[0].col, 7);
	ck_assert_int_eq(dg.v[0].error, 1);
	nj_diags_free(&dg);
}
END_TEST

START_TEST(test_every_error_reported)
{
	const char *text = "allow @public\n" /* 1 */
	                   "allow 127.1\n" /* 2 bad */
	                   "block @metadata\n" /* 3 */
	                   "allow any port 0\n" /* 4 bad */
	                   "\n" /* 5 */
	                   "block exec /x\n" /* 6 bad */
	                   "allow unix rel\n" /* 7 bad */
	                   "# allow nothing\n" /* 8 */
	                   "ALLOW any\n" /* 9 bad */
	                   "allow 10.0.0.0/8\n"; /* 10 */
	static const uint32_t lines[] = { 2, 4, 6, 7, 9 };
	struct nj_rules *r = NULL;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_parse(text, strlen(text), "x.rules", NULL, &r, &dg), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(dg.nerr, NELEM(lines));
	ck_assert_uint_eq(dg.n, NELEM(lines));
	ck_assert_uint_eq(dg.dropped, 0);
	for (size_t i = 0; i < NELEM(lines); i++) {
		ck_assert_uint_eq(dg.v[i].line, lines[i]);
		ck_assert_int_eq(dg.v[i].error, 1);
	}
	nj_diags_free(&dg);
	/* without a diags list the answer is the same */
	ck_assert_int_eq(nj_rules_parse(text, strlen(text), "x.rules", NULL, &r, NULL), -EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_diags_max_counts_the_rest)
{
	const char *text = "a\nb\nc\nd\ne\n";
	struct nj_rules *r = NULL;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	dg.max = 2;
	ck_assert_int_eq(nj_rules_parse(text, strlen(text), "x.rules", NULL, &r, &dg), -EINVAL);
	ck_assert_uint_eq(dg.nerr, 5);
	ck_assert_uint_eq(dg.n, 2);
	ck_assert_uint_eq(dg.dropped, 3);
	ck_assert_uint_eq(dg.v[1].line, 2);
	nj_diags_free(&dg);
	nj_diags_free(NULL);
}
END_TEST

/* Errors already in the list (from an earlier file) do not fail a good parse. */
START_TEST(test_diags_earlier_errors_do_not_count)
{
	struct nj_rules *r = NULL;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_parse("x", 1, "a.rules", NULL, &r, &dg), -EINVAL);
	ck_assert_int_eq(nj_rules_parse("allow any", 9, "b.rules", NULL, &r, &dg), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(dg.nerr, 1);
	nj_rules_free(r);
	nj_diags_free(&dg);
}
END_TEST

START_TEST(test_crlf_file_parses_like_lf)
{
	const char *crlf = "allow any\r\nblock @loopback\r\n\r\n# c\r\nallow unix /run/x\r\n";
	const char *lf = "allow any\nblock @loopback\n\n# c\nallow unix /run/x\n";
	static const char *const dests[] = {
		"8.8.8.8:80",
		"127.0.0.1:80",
		"[::1]:80",
		"unix:/run/x",
		"unix:/run/x\r",
	};
	struct nj_rules *a = rules_ok(crlf), *b = rules_ok(lf);

	ck_assert_uint_eq(nj_rules_count(a), 3);
	ck_assert_uint_eq(nj_rule_line(a, 2), 5);
	for (size_t i = 0; i < NELEM(dests); i++) {
		struct nj_dest d = dest_of("tcp", dests[i]);

		ck_assert_int_eq(nj_decide(a, &d, NULL), nj_decide(b, &d, NULL));
	}
	{
		struct nj_dest d = dest_of("tcp", "unix:/run/x");

		ck_assert_int_eq(nj_decide(a, &d, NULL), 1); /* the CR is not in the path */
	}
	nj_rules_free(a);
	nj_rules_free(b);
}
END_TEST

START_TEST(test_empty_file_valid_and_denies_everything)
{
	struct nj_rules *r = rules_ok("");
	static const char *const dests[] = {
		"127.0.0.1",
		"8.8.8.8:443",
		"[::1]:80",
		"[2606:4700::1111]:443",
		"unix:/run/x",
		"unix:@abstract",
		"family:netlink",
		"family:raw",
		"family:packet",
	};
	struct nj_diags dg;

	ck_assert_uint_eq(nj_rules_count(r), 0);
	for (size_t i = 0; i < NELEM(dests); i++) {
		struct nj_dest d = dest_of("tcp", dests[i]);

		ck_assert_msg(nj_decide(r, &d, NULL) == 0, "%s allowed by an empty file", dests[i]);
	}
	ck_assert_int_eq(nj_exec_allowed(r, "/bin/sh"), 0);
	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_lint(r, &dg), 0);
	ck_assert_uint_eq(dg.nwarn, 1);
	ck_assert_ptr_nonnull(strstr(dg.v[0].msg, "no allow rules"));
	nj_diags_free(&dg);
	nj_rules_free(r);
	nj_rules_free(NULL);
}
END_TEST

START_TEST(test_file_name_copied)
{
	char name[] = "mine.rules";
	struct nj_rules *r = NULL;

	ck_assert_int_eq(nj_rules_parse("allow any", 9, name, NULL, &r, NULL), 0);
	name[0] = 'X';
	ck_assert_str_eq(nj_rules_file(r), "mine.rules");
	nj_rules_free(r);
	ck_assert_int_eq(nj_rules_parse("allow any", 9, NULL, NULL, &r, NULL), 0);
	ck_assert_str_eq(nj_rules_file(r), "");
	nj_rules_free(r);
}
END_TEST

START_TEST(test_rule_lines_and_actions)
{
	struct nj_rules *r = rules_ok("# 1\n\nallow any\n  # 4\nblock 10.0.0.0/8 # 5\n\n\n"
	                              "allow unix /x\n");

	ck_assert_uint_eq(nj_rules_count(r), 3);
	ck_assert_uint_eq(nj_rule_line(r, 0), 3);
	ck_assert_uint_eq(nj_rule_line(r, 1), 5);
	ck_assert_uint_eq(nj_rule_line(r, 2), 8);
	ck_assert_int_eq(nj_rule_action(r, 0), NJ_ALLOW);
	ck_assert_int_eq(nj_rule_action(r, 1), NJ_BLOCK);
	ck_assert_int_eq(nj_rule_action(r, 2), NJ_ALLOW);
	nj_rules_free(r);
}
END_TEST

/* SPEC.md §3 / X10: host bits are an error, never silently masked, and the message offers
 * both readings. */
START_TEST(test_host_bits_is_an_error_offering_both)
{
	uint32_t line, col;
	char msg[256];

	ck_assert_int_eq(parse_err(T("allow 10.0.0.1/8\n"), &line, &col, msg, sizeof(msg)),
	    -EINVAL);
	ck_assert_str_eq(msg,
	    "host bits set in 10.0.0.1/8; did you mean 10.0.0.0/8 (the network) "
	    "or 10.0.0.1/32 (the one address)?");
	ck_assert_int_eq(parse_err(T("block 2001:db8::1/32\n"), &line, &col, msg, sizeof(msg)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "2001:db8::/32 (the network)"));
	ck_assert_ptr_nonnull(strstr(msg, "2001:db8::1/128 (the one address)"));
	/* the longest address still fits the message whole */
	ck_assert_int_eq(parse_err(T("allow ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1\n"), &line,
	                     &col, msg, sizeof(msg)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "8000::/1 (the network)"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 (the one "
	    "address)?"));
}
END_TEST

START_TEST(test_unix_path_length_limit)
{
	char text[256], path[160];
	uint32_t line, col;
	char msg[256];

	memset(path, 'a', sizeof(path));
	path[0] = '/';
	snprintf(text, sizeof(text), "allow unix %.*s\n", 107, path); /* sun_path holds 107 */
	nj_rules_free(rules_ok(text));
	snprintf(text, sizeof(text), "allow unix %.*s*\n", 107, path);
	nj_rules_free(rules_ok(text));
	snprintf(text, sizeof(text), "allow unix %.*s\n", 108, path);
	ck_assert_int_eq(parse_err(text, strlen(text), &line, &col, msg, sizeof(msg)), -EINVAL);
	ck_assert_uint_eq(col, 12);
	ck_assert_ptr_nonnull(strstr(msg, "longer than 107"));
}
END_TEST

/* ---- limits ---- */

START_TEST(test_line_limit_4096)
{
	static char text[NJ_MAX_LINE + 64];
	uint32_t line, col;
	char msg[256];
	size_t n;

	/* exactly 4096 bytes: a rule and a long comment */
	n = (size_t)snprintf(text, sizeof(text), "allow 10.0.0.1 #");
	memset(text + n, 'x', NJ_MAX_LINE - n);
	n = NJ_MAX_LINE;
	text[n] = '\0';
	ck_assert_uint_eq(strlen(text), 4096);
	nj_rules_free(rules_ok(text));
	memcpy(text + n, "\r\n", 3); /* the line end does not count */
	nj_rules_free(rules_ok(text));
	/* 4097 bytes, even of comment, is an error at column 4097 */
	text[n] = 'x';
	text[n + 1] = '\n';
	text[n + 2] = '\0';
	ck_assert_int_eq(parse_err(text, n + 2, &line, &col, msg, sizeof(msg)), -EINVAL);
	ck_assert_uint_eq(line, 1);
	ck_assert_uint_eq(col, 4097);
	ck_assert_ptr_nonnull(strstr(msg, "longer than 4096 bytes"));
	/* on a later line too, and the lines after it still get checked */
	memmove(text + 15, text, n + 3);
	memcpy(text, "allow 10.0.0.1\n", 15);
	memcpy(text + strlen(text), "allow 127.1\n", 13);
	{
		struct nj_rules *r = NULL;
		struct nj_diags dg;

		memset(&dg, 0, sizeof(dg));
		ck_assert_int_eq(nj_rules_parse(text, strlen(text), "x", NULL, &r, &dg), -EINVAL);
		ck_assert_uint_eq(dg.nerr, 2);
		ck_assert_uint_eq(dg.v[0].line, 2);
		ck_assert_uint_eq(dg.v[0].col, 4097);
		ck_assert_uint_eq(dg.v[1].line, 3);
		nj_diags_free(&dg);
	}
}
END_TEST

/* Build "allow 10.0.0.1\n" n times. */
static char *
many_rules(size_t n, size_t *ret_len)
{
	static const char line[] = "allow 10.0.0.1\n";
	size_t l = sizeof(line) - 1;
	char *text = malloc(n * l + 1);

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * l, line, l);
	text[n * l] = '\0';
	*ret_len = n * l;
	return text;
}

START_TEST(test_rules_limit_one_million)
{
	size_t len;
	char *text = many_rules(NJ_MAX_RULES + 1, &len);
	struct nj_rules *r = NULL;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_parse(text, len, "big", NULL, &r, &dg), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(dg.nerr, 1);
	ck_assert_uint_eq(dg.v[0].line, 1000001);
	ck_assert_uint_eq(dg.v[0].col, 1);
	ck_assert_ptr_nonnull(strstr(dg.v[0].msg, "more than 1000000 rules"));
	nj_diags_free(&dg);
	/* exactly the limit is fine, and decides */
	len -= 15;
	ck_assert_int_eq(nj_rules_parse(text, len, "big", NULL, &r, NULL), 0);
	ck_assert_uint_eq(nj_rules_count(r), NJ_MAX_RULES);
	{
		struct nj_dest d = dest_of("tcp", "10.0.0.1:80");
		struct nj_dest e = dest_of("tcp", "10.0.0.2:80");

		ck_assert_int_eq(nj_decide(r, &d, NULL), 1);
		ck_assert_int_eq(nj_decide(r, &e, NULL), 0);
	}
	nj_rules_free(r);
	free(text);
}
END_TEST

/* A length claim past NJ_MAX_FILE is refused before a byte is read: the buffer here is
 * small, so reading it would fault. */
START_TEST(test_2gib_length_claim_is_efbig)
{
	static const char small[] = "allow any\n";
	struct nj_rules *r = (struct nj_rules *)(uintptr_t)1;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_parse(small, (size_t)2 << 30, "huge", NULL, &r, &dg), -EFBIG);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(dg.nerr, 1);
	ck_assert_uint_eq(dg.v[0].line, 0);
	r = (struct nj_rules *)(uintptr_t)1;
	ck_assert_int_eq(nj_rules_parse(small, (size_t)NJ_MAX_FILE + 1, "huge", NULL, &r, NULL),
	    -EFBIG);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(nj_rules_parse(small, SIZE_MAX, "huge", NULL, &r, NULL), -EFBIG);
	nj_diags_free(&dg);
}
END_TEST

START_TEST(test_file_limit_64mib_exactly_is_fine)
{
	size_t len = NJ_MAX_FILE;
	char *text = malloc(len);
	struct nj_rules *r = NULL;

	ck_assert_ptr_nonnull(text);
	/* comment lines of 4096 bytes and one rule at the end */
	memset(text, ' ', len);
	for (size_t i = 0; i + 4097 <= len; i += 4097) {
		text[i] = '#';
		text[i + 4096] = '\n';
	}
	memcpy(text + len - 10, "\nallow any", 10);
	ck_assert_int_eq(nj_rules_parse(text, len, "big", NULL, &r, NULL), 0);
	ck_assert_uint_eq(nj_rules_count(r), 1);
	nj_rules_free(r);
	free(text);
}
END_TEST

/* ---- load.c: the file, safely ---- */

START_TEST(test_load_good_fixture)
{
	struct nj_rules *r = NULL;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_load("fixtures/good.rules", NULL, &r, &dg), 0);
	ck_assert_uint_eq(dg.nerr, 0);
	ck_assert_uint_eq(nj_rules_count(r), 6);
	ck_assert_str_eq(nj_rules_file(r), "fixtures/good.rules");
	ck_assert_uint_eq(nj_rule_line(r, 0), 2);
	ck_assert_uint_eq(nj_rule_line(r, 2), 5);
	ck_assert_uint_eq(nj_rule_line(r, 5), 8);
	{
		struct nj_dest d = dest_of("tcp", "10.1.2.3:5432");
		struct nj_dest u = dest_of("udp", "10.1.2.3:5432");
		struct nj_dest m = dest_of("tcp", "169.254.169.254:80");
		struct nj_dest p = dest_of("tcp", "unix:/run/postgresql/.s.PGSQL.5432");
		struct nj_dest n = dest_of("tcp", "family:netlink");

		ck_assert_int_eq(nj_decide(r, &d, NULL), 1);
		ck_assert_int_eq(nj_decide(r, &u, NULL), 0);
		ck_assert_int_eq(nj_decide(r, &m, NULL), 0);
		ck_assert_int_eq(nj_decide(r, &p, NULL), 1);
		ck_assert_int_eq(nj_decide(r, &n, NULL), 1);
		ck_assert_int_eq(nj_exec_allowed(r, "/usr/bin/curl"), 1);
	}
	nj_rules_free(r);
	nj_diags_free(&dg);
}
END_TEST

START_TEST(test_load_bad_line3_fixture)
{
	struct nj_rules *r = (struct nj_rules *)(uintptr_t)1;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_load("fixtures/bad-line3.rules", NULL, &r, &dg), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(dg.nerr, 1);
	ck_assert_uint_eq(dg.v[0].line, 3);
	ck_assert_uint_eq(dg.v[0].col, 7);
	ck_assert_ptr_nonnull(strstr(dg.v[0].msg, "host bits"));
	nj_diags_free(&dg);
}
END_TEST

START_TEST(test_load_crlf_fixture)
{
	struct nj_rules *r = NULL;

	ck_assert_int_eq(nj_rules_load("fixtures/crlf.rules", NULL, &r, NULL), 0);
	ck_assert_uint_eq(nj_rules_count(r), 3);
	{
		struct nj_dest d = dest_of("tcp", "unix:/run/x.sock");
		struct nj_dest l = dest_of("tcp", "127.0.0.1:80");

		ck_assert_int_eq(nj_decide(r, &d, NULL), 1);
		ck_assert_int_eq(nj_decide(r, &l, NULL), 0);
	}
	nj_rules_free(r);
}
END_TEST

static void
load_fails(const char *path, int want_rc, const char *want_msg)
{
	struct nj_rules *r = (struct nj_rules *)(uintptr_t)1;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_load(path, NULL, &r, &dg), want_rc);
	ck_assert_ptr_null(r);
	ck_assert_uint_ge(dg.nerr, 1);
	ck_assert_uint_eq(dg.v[0].line, 0);
	ck_assert_msg(strstr(dg.v[0].msg, want_msg) != NULL, "%s: \"%s\" lacks \"%s\"", path,
	    dg.v[0].msg, want_msg);
	nj_diags_free(&dg);
}

START_TEST(test_load_missing_file)
{
	load_fails("fixtures/no-such.rules", -ENOENT, "cannot open");
}
END_TEST

START_TEST(test_load_not_a_regular_file)
{
	load_fails("fixtures", -EINVAL, "not a regular file");
	load_fails("/dev/null", -EINVAL, "not a regular file");
}
END_TEST

/* A FIFO must not hang start-up (O_NONBLOCK); the tcase timeout catches a hang. */
START_TEST(test_load_fifo_does_not_block)
{
	char dir[] = "/tmp/nj-test-XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo.rules", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	load_fails(path, -EINVAL, "not a regular file");
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_load_too_large_file)
{
	char path[] = "/tmp/nj-test-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)NJ_MAX_FILE + 1), 0); /* sparse */
	load_fails(path, -EFBIG, "larger than the limit");
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(test_load_world_writable_warns)
{
	char path[] = "/tmp/nj-test-XXXXXX";
	int fd = mkstemp(path);
	struct nj_rules *r = NULL;
	struct nj_diags dg;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "allow 127.0.0.1\n", 16), 16);
	ck_assert_int_eq(fchmod(fd, 0666), 0);
	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_load(path, NULL, &r, &dg), 0);
	ck_assert_uint_eq(dg.nerr, 0);
	ck_assert_uint_eq(dg.nwarn, 1);
	ck_assert_ptr_nonnull(strstr(dg.v[0].msg, "world-writable"));
	ck_assert_uint_eq(nj_rules_count(r), 1);
	nj_rules_free(r);
	nj_diags_free(&dg);
	close(fd);
	unlink(path);
}
END_TEST

/* The one number parser: digits only, no sign, no leading zero, a maximum. */
static const struct {
	const char *s;
	unsigned long max;
	int rc;
	unsigned long v;
} nums[] = {
	{ "0", 65535, 0, 0 },
	{ "1", 65535, 0, 1 },
	{ "65535", 65535, 0, 65535 },
	{ "65536", 65535, -ERANGE, 0 },
	{ "08", 65535, -EINVAL, 0 },
	{ "", 65535, -EINVAL, 0 },
	{ "-1", 65535, -EINVAL, 0 },
	{ "+1", 65535, -EINVAL, 0 },
	{ " 1", 65535, -EINVAL, 0 },
	{ "1 ", 65535, -EINVAL, 0 },
	{ "0x10", 65535, -EINVAL, 0 },
	{ "32", 32, 0, 32 },
	{ "33", 32, -ERANGE, 0 },
	{ "99999999999999999999999", ~0ul, -ERANGE, 0 },
	{ "18446744073709551615", ~0ul, 0, ~0ul },
};

START_TEST(test_num_parse)
{
	unsigned long v = 12345;
	int rc = nj_num_parse(nums[_i].s, strlen(nums[_i].s), nums[_i].max, &v);

	ck_assert_msg(rc == nums[_i].rc, "\"%s\": %d", nums[_i].s, rc);
	if (rc == 0)
		ck_assert_uint_eq(v, nums[_i].v);
}
END_TEST

Suite *
parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc;

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_bad_line, 0, (int)NELEM(bad));
	tcase_add_test(tc, test_bad_line3_rejects_whole_file);
	tcase_add_test(tc, test_every_error_reported);
	tcase_add_test(tc, test_diags_max_counts_the_rest);
	tcase_add_test(tc, test_diags_earlier_errors_do_not_count);
	tcase_add_test(tc, test_host_bits_is_an_error_offering_both);
	tcase_add_test(tc, test_unix_path_length_limit);
	tcase_add_loop_test(tc, test_num_parse, 0, (int)NELEM(nums));
	suite_add_tcase(s, tc);

	tc = tcase_create("good");
	tcase_add_loop_test(tc, test_good_text, 0, (int)NELEM(good));
	tcase_add_test(tc, test_crlf_file_parses_like_lf);
	tcase_add_test(tc, test_empty_file_valid_and_denies_everything);
	tcase_add_test(tc, test_file_name_copied);
	tcase_add_test(tc, test_rule_lines_and_actions);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_line_limit_4096);
	tcase_add_test(tc, test_rules_limit_one_million);
	tcase_add_test(tc, test_2gib_length_claim_is_efbig);
	tcase_add_test(tc, test_file_limit_64mib_exactly_is_fine);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_load_good_fixture);
	tcase_add_test(tc, test_load_bad_line3_fixture);
	tcase_add_test(tc, test_load_crlf_fixture);
	tcase_add_test(tc, test_load_missing_file);
	tcase_add_test(tc, test_load_not_a_regular_file);
	tcase_add_test(tc, test_load_fifo_does_not_block);
	tcase_add_test(tc, test_load_too_large_file);
	tcase_add_test(tc, test_load_world_writable_warns);
	suite_add_tcase(s, tc);
	return s;
}
