/* test_answers.c - the table of answers and the names that asked (engine/answers.c), which
 * the preload keeps per process and the supervisor's relay per tree: what it allows, the
 * v4-mapped form of an answer, the name a log line gives, and the oldest dropped. */
#include <stdlib.h>

#include "tests.h"

static struct nj_answers *
table(void)
{
	struct nj_answers *t = calloc(1, nj_answers_size());

	ck_assert_ptr_nonnull(t);
	return t;
}

static void
keep(struct nj_answers *t, const char *addr, const char *name)
{
	struct nj_dest d = dest_of("tcp", addr);

	nj_answers_keep(t, &d.ip, name, strlen(name));
}

START_TEST(test_answers_allow)
{
	struct nj_answers *t = table();
	struct nj_rules *r = rules_ok("allow tcp host api.example.com port 443\nblock @special");
	struct nj_dest ok = dest_of("tcp", "93.184.216.34:443");
	struct nj_dest port = dest_of("tcp", "93.184.216.34:80");
	struct nj_dest mapped = dest_of("tcp", "[::ffff:93.184.216.34]:443");
	struct nj_dest meta = dest_of("tcp", "169.254.169.254:443");
	char name[NJ_HOST_MAX];

	ck_assert_int_eq(nj_answers_allows(t, r, &ok, NULL, 0), 0); /* nothing looked up yet */
	ck_assert_int_eq(nj_answers_allows(NULL, r, &ok, NULL, 0), 0);
	keep(t, "93.184.216.34:0", "api.example.com");
	keep(t, "169.254.169.254:0", "api.example.com"); /* rebinding */
	ck_assert_int_eq(nj_answers_allows(t, r, &ok, name, sizeof(name)), 1);
	ck_assert_str_eq(name, "api.example.com");
	ck_assert_int_eq(nj_answers_allows(t, r, &port, NULL, 0), 0);
	ck_assert_int_eq(nj_answers_allows(t, r, &mapped, NULL, 0), 1); /* a v6 socket's form */
	ck_assert_int_eq(nj_answers_allows(t, r, &meta, NULL, 0), 0); /* block @special wins */
	ck_assert_int_eq(nj_answers_name(t, &meta.ip, name, sizeof(name)), 1);
	ck_assert_str_eq(name, "api.example.com"); /* the log line still names the lookup */
	nj_rules_free(r);
	free(t);
}
END_TEST

/* Another name's answer for the same address does not lend it the allowed name's rule,
 * and the allowed one is still found beside it. */
START_TEST(test_answers_two_names)
{
	struct nj_answers *t = table();
	struct nj_rules *r = rules_ok("allow tcp host api.example.com");
	struct nj_dest d = dest_of("tcp", "93.184.216.34:443");

	keep(t, "93.184.216.34:0", "other.example.net");
	ck_assert_int_eq(nj_answers_allows(t, r, &d, NULL, 0), 0);
	keep(t, "93.184.216.34:0", "api.example.com");
	ck_assert_int_eq(nj_answers_allows(t, r, &d, NULL, 0), 1);
	nj_rules_free(r);
	free(t);
}
END_TEST

/* The oldest answers are dropped: after 4,096 more, the first must be looked up again. */
START_TEST(test_answers_oldest_dropped)
{
	struct nj_answers *t = table();
	struct nj_rules *r = rules_ok("allow tcp host *.example.com");
	struct nj_dest first = dest_of("tcp", "10.9.0.1:443");
	struct nj_dest last = dest_of("tcp", "10.10.15.255:443");
	char addr[32];

	keep(t, "10.9.0.1:0", "first.example.com");
	ck_assert_int_eq(nj_answers_allows(t, r, &first, NULL, 0), 1);
	for (int k = 0; k < 4096; k++) {
		snprintf(addr, sizeof(addr), "10.10.%d.%d:0", k / 256, k % 256);
		keep(t, addr, "n.example.com");
	}
	ck_assert_int_eq(nj_answers_allows(t, r, &first, NULL, 0), 0);
	ck_assert_int_eq(nj_answers_allows(t, r, &last, NULL, 0), 1);
	nj_rules_free(r);
	free(t);
}
END_TEST

Suite *
answers_suite(void)
{
	Suite *s = suite_create("answers");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_answers_allow);
	tcase_add_test(tc, test_answers_two_names);
	tcase_add_test(tc, test_answers_oldest_dropped);
	suite_add_tcase(s, tc);
	return s;
}
