/* test_compiled.c - compiled.c: a compiled policy decides exactly as its text, fills in the
 * dynamic presets where it loads, and a damaged file is an error, never a wild read. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests.h"

/* Parse text (without sys), compile it to a temporary file, and return that file's path. */
static void
compile_to(const char *text, char *path, size_t size)
{
	struct nj_rules *r = rules_ok(text);
	int fd;

	snprintf(path, size, "/tmp/nj-test-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(nj_rules_compile(r, fd), 0);
	close(fd);
	nj_rules_free(r);
}

static struct nj_rules *
load(const char *path, const struct nj_sys *sys, int *rc)
{
	struct nj_rules *r = NULL;
	struct nj_diags dg;

	memset(&dg, 0, sizeof(dg));
	*rc = nj_rules_load(path, sys, &r, &dg);
	nj_diags_free(&dg);
	return r;
}

static struct nj_dest
random_dest(uint64_t *seed)
{
	struct nj_ip ip;
	uint64_t x = prng_next(seed);
	static const int protos[] = { NJ_PROTO_TCP, NJ_PROTO_UDP, NJ_PROTO_OTHER };
	int ports[] = { 22, 53, 80, 443, 8080, NJ_PORT_ANY };

	memset(&ip, 0, sizeof(ip));
	ip.family = (x & 1) ? 4 : 6;
	for (int i = 0; i < 16; i++)
		ip.a[i] = (uint8_t)prng_next(seed);
	if (ip.family == 4) {
		memset(ip.a + 4, 0, 12);
		if (x & 2)
			ip.a[0] = 10; /* land in the interesting part */
	} else if (x & 2) {
		ip.a[0] = 0x20, ip.a[1] = 0x01, ip.a[2] = 0x0d, ip.a[3] = 0xb8;
	}
	return dest_ip(protos[(x >> 2) % 3], &ip, ports[(x >> 4) % 6]);
}

/* n random destinations: the compiled set c decides each as the text's t does. */
static void
same_decisions(const struct nj_rules *c, const struct nj_rules *t, uint64_t seed, int n)
{
	for (int i = 0; i < n; i++) {
		struct nj_dest d = random_dest(&seed);

		ck_assert_int_eq(nj_decide(c, &d, NULL), nj_decide(t, &d, NULL));
	}
}

static const char *const policies[] = {
	"allow any\nblock @loopback\nblock @metadata\nblock 10.0.0.0/8\nallow tcp 10.1.2.3 port 5432\n",
	"allow @public\nallow udp 10.0.0.2 port 53\nblock 2001:db8::/32\nallow tcp 2001:db8:1::/48 port 443,8000-8080\n",
	"allow unix /run/pg/*\nblock unix /run/pg/secret\nallow unix @x\nallow family netlink\nallow exec /usr/bin/*\n",
	"allow family raw\nblock family packet\nallow any\n",
	"",
};

START_TEST(test_compiled_decides_as_text)
{
	const char *text = policies[_i];
	struct nj_rules *t = rules_ok(text), *c;
	char path[64];
	uint64_t seed = 42 + (uint64_t)_i;
	int rc;

	compile_to(text, path, sizeof(path));
	c = load(path, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(nj_rules_count(c), nj_rules_count(t));
	same_decisions(c, t, seed, 20000);
	/* and the non-IP targets */
	{
		struct nj_dest u = dest_of(NULL, "unix:/run/pg/.s.PGSQL.5432");
		struct nj_dest s = dest_of(NULL, "unix:/run/pg/secret");
		struct nj_dest f = dest_of(NULL, "family:netlink");
		struct nj_dest raw = dest_of("other", "family:raw");
		struct nj_dest pkt = dest_of("other", "family:packet");

		ck_assert_int_eq(nj_decide(c, &u, NULL), nj_decide(t, &u, NULL));
		ck_assert_int_eq(nj_decide(c, &s, NULL), nj_decide(t, &s, NULL));
		ck_assert_int_eq(nj_decide(c, &f, NULL), nj_decide(t, &f, NULL));
		ck_assert_int_eq(nj_decide(c, &raw, NULL), nj_decide(t, &raw, NULL));
		ck_assert_int_eq(nj_decide(c, &pkt, NULL), nj_decide(t, &pkt, NULL));
		ck_assert_int_eq(nj_exec_allowed(c, "/usr/bin/env"),
		    nj_exec_allowed(t, "/usr/bin/env"));
	}
	nj_rules_free(c);
	nj_rules_free(t);
	unlink(path);
}
END_TEST

/* How the load should hold a compiled file of size bytes on this machine, by compiled.c's
 * rule: in huge pages when the system gives them on request and rounding the file up to
 * whole huge pages wastes at most a quarter of it; else in a sealed memfd snapshot. */
static long
huge_page_size(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char buf[128] = "";
	long hp = 0;

	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL ||
	    (strstr(buf, "[always]") == NULL && strstr(buf, "[madvise]") == NULL))
		buf[0] = '\0';
	fclose(f);
	if (buf[0] && (f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r"))) {
		if (fscanf(f, "%ld", &hp) != 1)
			hp = 0;
		fclose(f);
	}
	return hp;
}

static int
expected_held(off_t size)
{
	long hp = huge_page_size();
	off_t whole = hp ? (size + hp - 1) / hp * hp : 0;

	return hp && size >= hp && whole - size <= size / 4 ? NJ_HELD_HUGE : NJ_HELD_SNAPSHOT;
}

/* n /24 and n /48 blocks behind "allow any". */
static char *
blocks_text(int n)
{
	char *text = malloc(80 * (size_t)n + 64);
	size_t len = 0;

	len += (size_t)snprintf(text + len, 64, "allow any\n");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, 80,
		    "block 10.%d.%d.0/24\nblock 2001:db8:%x::/48\n", (i >> 8) & 255, i & 255, i);
	return text;
}

/* Large policies (the index in front of the search) round-trip too.  Large compiled files
 * load into huge pages where the machine gives them, unless that wastes too much of the last
 * one; every way decides as the text does. */
static const int held_sizes[] = { 47000, 35000, 10000 };

START_TEST(test_compiled_held_by_size)
{
	char *text = blocks_text(held_sizes[_i]), path[64];
	struct nj_rules *t = rules_ok(text), *c;
	struct stat st;
	uint64_t seed = 11;
	int rc;

	compile_to(text, path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	if (huge_page_size() == 2 << 20 && _i < 2) /* the sizes meant for 2 MiB pages */
		ck_assert_msg(expected_held(st.st_size) ==
		        (_i == 0 ? NJ_HELD_HUGE : NJ_HELD_SNAPSHOT),
		    "test policy of %ld bytes misses its case", (long)st.st_size);
	c = load(path, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(nj_rules_held(c), expected_held(st.st_size));
	same_decisions(c, t, seed, 50000);
	nj_rules_free(c);
	nj_rules_free(t);
	free(text);
	unlink(path);
}
END_TEST

/* The file loads as a sealed memfd snapshot; where no memfd can be made (here: no descriptor
 * left for it), it is read into anonymous memory instead, and decides the same. */
START_TEST(test_compiled_loads_without_a_memfd)
{
	const char *text = policies[0];
	struct nj_rules *t = rules_ok(text), *c;
	struct rlimit old, low;
	char path[64];
	uint64_t seed = 9;
	int rc, spare;

	compile_to(text, path, sizeof(path));
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	spare = dup(0); /* the lowest free descriptor: the load's open takes it, nothing more */
	ck_assert_int_ge(spare, 0);
	close(spare);
	low = old;
	low.rlim_cur = (rlim_t)spare + 1;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	spare = open("/dev/null", O_RDONLY); /* as the load's open will: then no memfd */
	ck_assert_int_ge(spare, 0);
	ck_assert_int_lt(memfd_create("probe", MFD_CLOEXEC), 0);
	close(spare);
	c = load(path, NULL, &rc);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(nj_rules_held(c), NJ_HELD_COPY);
	same_decisions(c, t, seed, 20000);
	nj_rules_free(c);
	nj_rules_free(t);
	unlink(path);
}
END_TEST

/* @self and @resolvers are this machine's: filled in where the compiled file loads. */
START_TEST(test_compiled_dynamic_presets_filled_at_load)
{
	struct nj_prefix self = pfx_of("192.0.2.5"), res = pfx_of("2001:db8::53");
	struct nj_sys sys = { &self, 1, &res, 1 };
	char path[64];
	struct nj_rules *c;
	struct nj_dest a = dest_of("tcp", "192.0.2.5:80"), b = dest_of("tcp", "192.0.2.6:80");
	struct nj_dest r53 = dest_of("udp", "[2001:db8::53]:53"),
	               r54 = dest_of("udp", "[2001:db8::53]:54");
	int rc;

	compile_to("allow @self\nallow @resolvers port 53\n", path, sizeof(path));
	c = load(path, &sys, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(nj_decide(c, &a, NULL), 1);
	ck_assert_int_eq(nj_decide(c, &b, NULL), 0);
	ck_assert_int_eq(nj_decide(c, &r53, NULL), 1);
	ck_assert_int_eq(nj_decide(c, &r54, NULL), 0);
	nj_rules_free(c);
	/* block @self wins over allow any, in a compiled policy too */
	compile_to("allow any\nblock @self\n", path, sizeof(path));
	c = load(path, &sys, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(nj_decide(c, &a, NULL), 0);
	ck_assert_int_eq(nj_decide(c, &b, NULL), 1);
	nj_rules_free(c);
	unlink(path);
}
END_TEST

/* host rules travel in a compiled policy: counted, matched and written as in the text */
START_TEST(test_compiled_host_rules)
{
	char path[64], buf[128];
	struct nj_rules *c;
	struct nj_dest a = dest_of("tcp", "93.184.216.34:443"),
	               m = dest_of("tcp", "169.254.169.254:443");
	int rc;

	compile_to(
	    "allow tcp host *.example.com port 443\nblock @metadata\nblock host bad.example\n",
	    path, sizeof(path));
	c = load(path, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(nj_rules_host_count(c), 2);
	ck_assert_int_eq(nj_decide(c, &a, NULL), 0);
	ck_assert_int_eq(nj_decide_host(c, &a, "a.example.com", 13, NULL), 1);
	ck_assert_int_eq(nj_decide_host(c, &a, "example.com", 11, NULL), 0);
	ck_assert_int_eq(nj_decide_host(c, &m, "a.example.com", 13, NULL), 0);
	ck_assert_uint_eq(nj_host_rule(c, NJ_BLOCK, "bad.example", 11, -1, NJ_PORT_ANY), 2);
	nj_rule_format(c, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "allow tcp host *.example.com port 443");
	nj_rules_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_compile_refuses_machine_specific_rules)
{
	struct nj_prefix self = pfx_of("192.0.2.5");
	struct nj_sys sys = { &self, 1, NULL, 0 };
	struct nj_rules *r = rules_sys("allow @self\n", &sys);
	int fd = open("/dev/null", O_WRONLY);

	ck_assert_int_eq(nj_rules_compile(r, fd), -EINVAL);
	close(fd);
	nj_rules_free(r);
}
END_TEST

/* The damage test's policies: one of prefixes, presets and paths; one whose @self and
 * @resolvers rules the file lists, for their tables to be built where it loads. */
static const char *const damaged[] = {
	"allow any\nblock @loopback\nblock @metadata\nblock 10.0.0.0/8\nallow tcp 10.1.2.3 port 5432\n",
	"block 10.0.0.0/8\nallow @self\nallow unix /run/x\nblock udp @resolvers port 53\nallow any\n",
};

/* Every single-byte change, and every truncation, either fails to load or loads something
 * that decides without reading out of bounds (run it under ASan: make check-asan). */
START_TEST(test_compiled_damage_is_an_error_not_a_crash)
{
	struct nj_prefix self = pfx_of("192.0.2.5"), res = pfx_of("2001:db8::53");
	struct nj_sys sys = { &self, 1, &res, 1 };
	char path[64], bad[] = "/tmp/nj-test-bad-XXXXXX";
	struct stat st;
	unsigned char *buf;
	uint64_t seed = 99;
	int fd, rc, failed = 0;

	compile_to(damaged[_i], path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	buf = malloc((size_t)st.st_size);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	fd = mkstemp(bad);
	ck_assert_int_ge(fd, 0);
	close(fd);
	for (off_t i = 0; i < st.st_size; i++) {
		struct nj_rules *r;

		buf[i] ^= (unsigned char)(1u << (i % 8));
		fd = open(bad, O_WRONLY | O_TRUNC);
		ck_assert_int_eq(write(fd, buf, (size_t)st.st_size), st.st_size);
		close(fd);
		buf[i] ^= (unsigned char)(1u << (i % 8));
		r = load(bad, &sys, &rc);
		if (rc != 0) {
			failed++;
			ck_assert_ptr_null(r);
			continue;
		}
		for (int k = 0; k < 50; k++) {
			struct nj_dest d = random_dest(&seed);

			(void)nj_decide(r, &d, NULL);
		}
		nj_rules_free(r);
	}
	ck_assert_int_gt(failed, 0);
	for (off_t n = 8; n < st.st_size; n += 7) { /* the magic kept: a compiled file */
		fd = open(bad, O_WRONLY | O_TRUNC);
		ck_assert_int_eq(write(fd, buf, (size_t)n), n);
		close(fd);
		ck_assert_ptr_null(load(bad, NULL, &rc));
		ck_assert_int_ne(rc, 0);
	}
	free(buf);
	unlink(bad);
	unlink(path);
}
END_TEST

Suite *
compiled_suite(void)
{
	Suite *s = suite_create("compiled");
	TCase *tc = tcase_create("compiled");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_compiled_decides_as_text, 0, NELEM(policies));
	tcase_add_loop_test(tc, test_compiled_held_by_size, 0, NELEM(held_sizes));
	tcase_add_test(tc, test_compiled_loads_without_a_memfd);
	tcase_add_test(tc, test_compiled_dynamic_presets_filled_at_load);
	tcase_add_test(tc, test_compiled_host_rules);
	tcase_add_test(tc, test_compile_refuses_machine_specific_rules);
	tcase_add_loop_test(tc, test_compiled_damage_is_an_error_not_a_crash, 0, NELEM(damaged));
	suite_add_tcase(s, tc);
	return s;
}
