/* test_record.c - the decision record: the text line is SPEC.md §6's, byte for byte; the JSON
 * object carries the same facts as named fields; both are bounded and stay one line. */
#include <stdio.h>
#include <string.h>

#include "tests.h"

static const char *
text_of(const struct nj_record *r, char *buf, size_t size)
{
	struct nj_buf b = { buf, size, 0 };

	nj_record_text(&b, r);
	if (b.len >= size)
		b.len = size - 1;
	buf[b.len] = '\0';
	return buf;
}

static const char *
json_of(const struct nj_record *r, char *buf, size_t size)
{
	struct nj_buf b = { buf, size, 0 };

	nj_record_json(&b, r);
	ck_assert_uint_lt(b.len, size);
	buf[b.len] = '\0';
	return buf;
}

START_TEST(test_record_verdict_line_and_json)
{
	struct nj_rules *r = rules_ok("allow @public\nblock @loopback\n");
	struct nj_dest d = dest_of("tcp", "127.0.0.1:8081"), p = dest_of("tcp", "10.0.0.7:5432");
	struct nj_verdict v;
	struct nj_record rec = { .verdict = NJ_REC_DENY,
		.call = "connect",
		.prog = "curl",
		.pid = 42,
		.dest = &d,
		.rules = r,
		.v = &v,
		.vdest = &d };
	char buf[NJ_RECORD_MAX];

	nj_decide(r, &d, &v);
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: deny connect tcp "
	    "127.0.0.1:8081 (curl[42]): block @loopback (test.rules:2)");
	rec.time = 1796310000; /* 2026-12-03T15:00:00Z */
	rec.msec = 7;
	ck_assert_str_eq(json_of(&rec, buf, sizeof(buf)),
	    "{\"v\":1,\"time\":"
	    "\"2026-12-03T15:00:00.007Z\",\"pid\":42,\"prog\":\"curl\",\"call\":\"connect\","
	    "\"verdict\":\"deny\",\"mode\":\"enforce\",\"proto\":\"tcp\",\"addr\":\"127.0.0.1\","
	    "\"port\":8081,\"reason\":\"blocked\",\"rule\":\"block @loopback\",\"file\":\"test.rules\","
	    "\"line\":2,\"message\":\"block @loopback (test.rules:2)\"}");
	/* no allow rule: the rule that would allow it; audit: would deny */
	nj_decide(r, &p, &v);
	rec.dest = rec.vdest = &p;
	rec.verdict = NJ_REC_WOULD_DENY;
	rec.time = 0;
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: would deny connect tcp "
	    "10.0.0.7:5432 (curl[42]): no allow rule matches (test.rules); to allow it: allow tcp "
	    "10.0.0.7 port 5432");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"verdict\":\"would-deny\","
	    "\"mode\":\"audit\""));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\"reason\":\"no-allow\",\"file\":\"test.rules\","
	    "\"suggest\":\"allow tcp 10.0.0.7 port 5432\""));
	/* a summary: the count of those held back */
	rec.count = 89;
	ck_assert_ptr_nonnull(
	    strstr(text_of(&rec, buf, sizeof(buf)), "port 5432 [89 more like it not shown]"));
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)), ",\"count\":89}"));
	nj_rules_free(r);
}
END_TEST

START_TEST(test_record_stands_for)
{
	struct nj_rules *r = rules_ok("allow any\nblock 127.0.0.0/8\n");
	struct nj_dest d = dest_of("tcp", "0.0.0.0:80");
	struct nj_verdict v;
	struct nj_record rec = { .verdict = NJ_REC_DENY,
		.call = "connect",
		.prog = "p",
		.pid = 1,
		.dest = &d,
		.rules = r,
		.v = &v,
		.vdest = &d };
	char buf[NJ_RECORD_MAX];

	nj_decide(r, &d, &v);
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: deny connect tcp 0.0.0.0:80 "
	    "(p[1]): it stands for 127.0.0.1, and block 127.0.0.0/8 (test.rules:2)");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"addr\":\"0.0.0.0\","
	    "\"port\":80,\"reason\":\"blocked\",\"denied\":\"127.0.0.1\""));
	nj_rules_free(r);
}
END_TEST

/* A socket the rules refuse to make (socket(2) of a raw IP or packet socket) reads as a family
 * denial, with the rule that would allow it. */
START_TEST(test_record_socket_family)
{
	struct nj_rules *r = rules_ok("allow any\nblock family packet\n");
	struct nj_dest raw = dest_of("other", "family:raw"),
	               pkt = dest_of("other", "family:packet");
	struct nj_verdict v;
	struct nj_record rec = { .verdict = NJ_REC_DENY,
		.call = "socket",
		.prog = "ping",
		.pid = 7,
		.dest = &raw,
		.rules = r,
		.v = &v,
		.vdest = &raw };
	char buf[NJ_RECORD_MAX];

	ck_assert_int_eq(nj_decide(r, &raw, &v), 0);
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: deny socket family raw (ping[7]): no allow rule matches (test.rules); to "
	    "allow it: allow family raw");
	ck_assert_str_eq(json_of(&rec, buf, sizeof(buf)),
	    "{\"v\":1,\"pid\":7,\"prog\":\"ping\",\"call\":\"socket\",\"verdict\":\"deny\","
	    "\"mode\":\"enforce\",\"family\":\"raw\",\"reason\":\"no-allow\",\"file\":"
	    "\"test.rules\",\"suggest\":\"allow family raw\",\"message\":\"no allow rule matches "
	    "(test.rules); to allow it: allow family raw\"}");
	ck_assert_int_eq(nj_decide(r, &pkt, &v), 0);
	rec.dest = rec.vdest = &pkt;
	rec.verdict = NJ_REC_WOULD_DENY;
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: would deny socket family packet (ping[7]): block family packet "
	    "(test.rules:2)");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"family\":\"packet\",\"reason\":\"blocked\",\"rule\":\"block family packet\""));
	nj_rules_free(r);
}
END_TEST

START_TEST(test_record_no_rules_exec_lookup_error)
{
	struct nj_rules *r = rules_ok("allow @public\n");
	struct nj_dest d = dest_of("tcp", "127.0.0.1:80"), a = dest_of("tcp", "10.1.2.3:0");
	struct nj_verdict v;
	struct nj_record rec = { .verdict = NJ_REC_DENY,
		.call = "connect",
		.prog = "p",
		.pid = 9,
		.dest = &d,
		.reason = NJ_WHY_NO_RULES,
		.rules_path = "/etc/x.rules" };
	char buf[NJ_RECORD_MAX];

	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: deny connect tcp "
	    "127.0.0.1:80 (p[9]): no valid rules loaded (NETJAIL_RULES=/etc/x.rules): every "
	    "destination is denied");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"reason\":\"no-rules\","
	    "\"file\":\"/etc/x.rules\""));
	/* a program the preload cannot follow */
	memset(&rec, 0, sizeof(rec));
	rec.verdict = NJ_REC_DENY, rec.call = "execve", rec.prog = "make", rec.pid = 42;
	rec.reason = NJ_WHY_UNJAILABLE, rec.what = "/opt/tool";
	rec.text = "it is statically linked: the preload cannot follow it";
	rec.suggest = "allow exec /opt/tool";
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: deny execve /opt/tool "
	    "(make[42]): it is statically linked: the preload cannot follow it; netjail run "
	    "--supervise can jail it, or to allow it: allow exec /opt/tool");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"path\":\"/opt/tool\","
	    "\"reason\":\"unjailable\",\"suggest\":\"allow exec /opt/tool\""));
	/* a lookup */
	a.port = NJ_PORT_ANY;
	nj_decide(r, &a, &v);
	memset(&rec, 0, sizeof(rec));
	rec.verdict = NJ_REC_DENY, rec.call = "getaddrinfo", rec.prog = "py", rec.pid = 3;
	rec.what = "db.internal", rec.answers = "10.1.2.3", rec.removed = 1, rec.total = 1;
	rec.rules = r, rec.v = &v, rec.vdest = &a;
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: deny getaddrinfo "
	    "db.internal (py[3]): every answer denied (10.1.2.3): no allow rule matches (test.rules); "
	    "to allow it: allow tcp host db.internal");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"name\":\"db.internal\","
	    "\"answers\":\"10.1.2.3\",\"removed\":1,\"total\":1,\"reason\":\"no-allow\""));
	ck_assert_ptr_nonnull(
	    strstr(json_of(&rec, buf, sizeof(buf)), "\"suggest\":\"allow tcp host db.internal\""));
	/* a name no host rule can hold: the address rule */
	rec.what = "db_internal!";
	ck_assert_ptr_nonnull(
	    strstr(text_of(&rec, buf, sizeof(buf)), "; to allow it: allow tcp 10.1.2.3"));
	rec.what = "db.internal";
	/* a connect to an answer of a lookup: the host rule, with its port */
	a.port = 5432;
	nj_decide(r, &a, &v);
	rec.call = "connect", rec.dest = &a, rec.host = "DB.internal.", rec.answers = NULL;
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: deny connect tcp 10.1.2.3:5432 for DB.internal. (py[3]): no allow rule matches "
	    "(test.rules); to allow it: allow tcp host db.internal port 5432");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"host\":\"DB.internal.\",\"reason\":\"no-allow\",\"file\":\"test.rules\","
	    "\"suggest\":\"allow tcp host db.internal port 5432\""));
	rec.call = "getaddrinfo", rec.dest = NULL, rec.host = NULL, rec.answers = "10.1.2.3";
	a.port = NJ_PORT_ANY;
	nj_decide(r, &a, &v);
	rec.total = 3;
	ck_assert_ptr_nonnull(strstr(text_of(&rec, buf, sizeof(buf)),
	    "(py[3]): removed 1 of 3 answers (10.1.2.3): "));
	/* a start-up error */
	memset(&rec, 0, sizeof(rec));
	rec.verdict = NJ_REC_ERROR, rec.reason = NJ_WHY_RULES_ERROR, rec.prog = "p", rec.pid = 1;
	rec.file = "/etc/app.rules", rec.line = 7, rec.col = 12;
	rec.text = "expected a port number, got \"https\"";
	rec.effect = "denying all network access";
	ck_assert_str_eq(text_of(&rec, buf, sizeof(buf)),
	    "netjail: error: /etc/app.rules:7:12: "
	    "expected a port number, got \"https\"; denying all network access");
	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)),
	    "\"verdict\":\"error\","
	    "\"reason\":\"rules-error\",\"file\":\"/etc/app.rules\",\"line\":7,\"col\":12,"
	    "\"message\":\"expected a port number, got \\\"https\\\"\",\"effect\":"
	    "\"denying all network access\"}"));
	nj_rules_free(r);
}
END_TEST

START_TEST(test_record_json_escapes_and_cuts)
{
	struct nj_record rec = { .verdict = NJ_REC_DENY,
		.call = "connect",
		.prog = "p\"q",
		.pid = 1,
		.reason = NJ_WHY_MALFORMED,
		.what = "a\\b\n\x01\xff",
		.text = "t" };
	char buf[NJ_RECORD_MAX], big[8000];
	struct nj_buf b;

	ck_assert_ptr_nonnull(strstr(json_of(&rec, buf, sizeof(buf)), "\"prog\":\"p\\\"q\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"what\":\"a\\\\b\\n\\u0001\\u00ff\""));
	/* too long for one record: the strings cut, and said so; still one whole object */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rec.what = big;
	b.p = buf, b.size = sizeof(buf), b.len = 0;
	nj_record_json(&b, &rec);
	ck_assert_uint_lt(b.len, sizeof(buf));
	buf[b.len] = '\0';
	ck_assert_int_eq(buf[b.len - 1], '}');
	ck_assert_ptr_nonnull(strstr(buf, ",\"cut\":true}"));
	/* and the text line is cut to its buffer */
	ck_assert_uint_eq(strlen(text_of(&rec, buf, NJ_LINE_MAX)), NJ_LINE_MAX - 1);
}
END_TEST

static const struct {
	long long sec;
	const char *want;
} times[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 951782400, "2000-02-29T00:00:00.000Z" },
	{ 1709251199, "2024-02-29T23:59:59.000Z" },
	{ 1796310000, "2026-12-03T15:00:00.000Z" },
	{ 4102444800, "2100-01-01T00:00:00.000Z" },
};

START_TEST(test_record_time)
{
	char buf[64];
	struct nj_buf b = { buf, sizeof(buf), 0 };

	nj_buf_time(&b, times[_i].sec, 0);
	buf[b.len] = '\0';
	ck_assert_str_eq(buf, times[_i].want);
}
END_TEST

Suite *
record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_add_test(tc, test_record_verdict_line_and_json);
	tcase_add_test(tc, test_record_stands_for);
	tcase_add_test(tc, test_record_socket_family);
	tcase_add_test(tc, test_record_no_rules_exec_lookup_error);
	tcase_add_test(tc, test_record_json_escapes_and_cuts);
	tcase_add_loop_test(tc, test_record_time, 0, (int)NELEM(times));
	suite_add_tcase(s, tc);
	return s;
}
