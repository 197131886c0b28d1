/* test_dns.c - DNS messages as the relay reads them (engine/dns.c): the question, the answers
 * through a CNAME chain, REFUSED, and the malformed messages it must refuse. */
#include "tests.h"

/* A message under construction: header, then sections appended by hand. */
struct msg {
	uint8_t b[70000];
	size_t n;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
put16(struct msg *m, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, 2);
}

/* "api.example.com" as labels */
static void
name(struct msg *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		m->b[m->n++] = (uint8_t)l;
		put(m, s, l);
		s += l + (dot ? 1 : 0);
	}
	m->b[m->n++] = 0;
}

static void
header(struct msg *m, int response, unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, response ? 0x8180 : 0x0100);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

static void
question(struct msg *m, const char *q, unsigned type)
{
	name(m, q);
	put16(m, type);
	put16(m, 1);
}

/* A record whose owner is a pointer to offset at (or a name, when at is 0 and s given). */
static void
rr(struct msg *m, unsigned at, const char *owner, unsigned type, const void *rd, unsigned rdlen)
{
	if (at)
		put16(m, 0xc000 | at);
	else
		name(m, owner);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	put16(m, rdlen);
	put(m, rd, rdlen);
}

START_TEST(test_dns_question)
{
	struct msg m;
	struct nj_dns_question q;

	header(&m, 0, 0);
	question(&m, "API.Example.COM", 28);
	ck_assert_int_eq(nj_dns_question(m.b, m.n, &q), 0);
	ck_assert_str_eq(q.name, "api.example.com");
	ck_assert_uint_eq(q.len, 15);
	ck_assert_uint_eq(q.type, 28);
	ck_assert_uint_eq(q.id, 0x1234);
	ck_assert_int_eq(q.response, 0);
	ck_assert_uint_eq(q.end, m.n);
	/* cut anywhere: refused */
	for (size_t k = 0; k < m.n; k++)
		ck_assert_int_eq(nj_dns_question(m.b, k, &q), -EINVAL);
	/* two questions: refused */
	m.b[5] = 2;
	ck_assert_int_eq(nj_dns_question(m.b, m.n, &q), -EINVAL);
}
END_TEST

START_TEST(test_dns_answers_chain)
{
	static const uint8_t a1[4] = { 93, 184, 216, 34 }, a2[4] = { 10, 0, 0, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct msg m, t;
	struct nj_ip ip[8];
	char buf[64];

	/* cdn.example.com CNAME edge.cdn.net CNAME e1.cdn.net A 93.184.216.34, AAAA; and an
	 * A record of a name off the chain, which must not count; the chain's records out of
	 * order */
	header(&m, 1, 5);
	question(&m, "cdn.example.com", 1);
	t.n = 0;
	name(&t, "e1.cdn.net");
	rr(&m, 0, "edge.cdn.net", 5, t.b, (unsigned)t.n);
	rr(&m, 0, "e1.cdn.net", 1, a1, 4);
	t.n = 0;
	name(&t, "edge.cdn.net");
	rr(&m, 12, NULL, 5, t.b, (unsigned)t.n); /* owner: a pointer to the question's name */
	rr(&m, 0, "other.example", 1, a2, 4);
	rr(&m, 0, "E1.cdn.net", 28, v6, 16);
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 8), 2);
	nj_ip_format(&ip[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "93.184.216.34");
	nj_ip_format(&ip[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::1");
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 1), 1);
	/* a query is not an answer */
	m.b[2] = 0x01;
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 8), -EINVAL);
}
END_TEST

START_TEST(test_dns_malformed)
{
	static const uint8_t a1[4] = { 1, 2, 3, 4 };
	struct msg m;
	struct nj_ip ip[4];
	size_t at;

	/* a pointer to itself, and one forwards: no loop, refused */
	header(&m, 1, 1);
	question(&m, "a.example", 1);
	at = m.n;
	put16(&m, 0xc000 | (unsigned)at);
	put(&m, "\0\1\0\1\0\0\0\1\0\4\1\2\3\4", 14);
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), -EINVAL);
	m.b[at + 1] = (uint8_t)(at + 4);
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), -EINVAL);
	/* a length past the end */
	header(&m, 1, 1);
	question(&m, "a.example", 1);
	rr(&m, 12, NULL, 1, a1, 4);
	m.b[m.n - 5] = 200;
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), -EINVAL);
	/* a header that claims 10,000 records, and one that claims one more than there are */
	header(&m, 1, 10000);
	question(&m, "a.example", 1);
	for (int i = 0; i < 200; i++)
		rr(&m, 12, NULL, 1, a1, 4);
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), -EINVAL);
	m.b[6] = 0, m.b[7] = 201;
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), -EINVAL);
	m.b[7] = 200;
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), 4);
	/* a name over 255 bytes, through pointers back to a long name */
	header(&m, 1, 0);
	question(&m,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc."
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
	    1);
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), 0);
	m.n -= 4;
	m.n -= 1;
	put(&m, "\x02xx\0\0\1\0\1", 8); /* one more label: 257 bytes */
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), -EINVAL);
	/* a label holding a dot */
	header(&m, 1, 0);
	question(&m, "a.example", 1);
	m.b[13] = '.';
	ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), -EINVAL);
	/* an owner reached through a chain of pointers (each to the one before, the first to the
	 * question): 30 are read, 70 cost too much to read up to 17 times and are refused */
	for (int k = 30; k <= 70; k += 40) {
		uint8_t chain[140];
		size_t start;

		header(&m, 1, 2);
		question(&m, "a.example", 1);
		start = m.n + 12; /* the first record's rdata: past its 2-byte owner and 10 bytes */
		for (int i = 0; i < k; i++) {
			unsigned to = i == 0 ? 12 : (unsigned)(start + 2 * (size_t)(i - 1));

			chain[2 * i] = (uint8_t)(0xc0 | to >> 8);
			chain[2 * i + 1] = (uint8_t)to;
		}
		rr(&m, 12, NULL, 16, chain, 2 * (unsigned)k); /* a TXT record holding the chain */
		rr(&m, (unsigned)(start + 2 * (size_t)(k - 1)), NULL, 1, a1, 4);
		ck_assert_int_eq(nj_dns_answers(m.b, m.n, ip, 4), k == 30 ? 1 : -EINVAL);
	}
}
END_TEST

START_TEST(test_dns_refuse)
{
	struct msg m;
	uint8_t out[512];
	size_t n;
	struct nj_dns_question q;

	header(&m, 0, 0);
	question(&m, "evil.example", 1);
	put(&m, "\0\0\51\20\0\0\0\0\0\0\0", 11); /* an EDNS0 OPT record: not echoed */
	m.b[11] = 1;
	n = nj_dns_refuse(m.b, m.n, out, sizeof(out));
	ck_assert_uint_eq(n, 12 + 14 + 4);
	ck_assert_int_eq(nj_dns_question(out, n, &q), 0);
	ck_assert_str_eq(q.name, "evil.example");
	ck_assert_int_eq(q.response, 1);
	ck_assert_uint_eq(out[3] & 0x0f, 5);
	ck_assert_uint_eq(out[2] & 0x01, 1); /* RD kept */
	ck_assert_uint_eq(out[11], 0);
	ck_assert_uint_eq(nj_dns_refuse(out, n, out, sizeof(out)), 0); /* not a query */
	ck_assert_uint_eq(nj_dns_refuse(m.b, m.n, out, 8), 0);
}
END_TEST

Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("messages");

	tcase_add_test(tc, test_dns_question);
	tcase_add_test(tc, test_dns_answers_chain);
	tcase_add_test(tc, test_dns_malformed);
	tcase_add_test(tc, test_dns_refuse);
	suite_add_tcase(s, tc);
	return s;
}
