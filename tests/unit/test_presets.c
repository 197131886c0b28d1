/* test_presets.c - presets.c and sys.c: the named prefix sets of SPEC.md §4 at their edges,
 * @special as the union of its parts, @public as the exact complement, the dynamic @self and
 * @resolvers, resolv.conf parsing, and the built-in default policy. */
#include "tests.h"

static const char *const static_presets[] = {
	"loopback",
	"this-network",
	"private",
	"cgnat",
	"link-local",
	"multicast",
	"broadcast",
	"reserved",
	"documentation",
	"benchmark",
	"metadata",
	"ietf-special",
	"embedded-v4",
	"special",
};

/* @special's parts: every static preset but @metadata, @embedded-v4 and itself. */
static const char *const special_parts[] = {
	"loopback",
	"this-network",
	"private",
	"cgnat",
	"link-local",
	"multicast",
	"broadcast",
	"reserved",
	"documentation",
	"benchmark",
	"ietf-special",
};

struct pvec {
	struct nj_prefix *v;
	const char **src;
	size_t n, cap;
};

static int
collect(void *arg, const struct nj_prefix *p, const char *source)
{
	struct pvec *pv = arg;

	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? 2 * pv->cap : 64;
		pv->v = realloc(pv->v, pv->cap * sizeof(*pv->v));
		pv->src = realloc(pv->src, pv->cap * sizeof(*pv->src));
		ck_assert(pv->v && pv->src);
	}
	pv->v[pv->n] = *p;
	pv->src[pv->n] = source;
	pv->n++;
	return 0;
}

static int
preset_id(const char *name)
{
	int id = nj_preset_find(name, strlen(name));

	ck_assert_msg(id >= 0, "preset %s missing", name);
	return id;
}

/* Append every prefix of the named preset. */
static void
preset_get(const char *name, const struct nj_sys *sys, struct pvec *pv)
{
	ck_assert_int_eq(nj_preset_each(preset_id(name), sys, collect, pv), 0);
}

static void
pvec_free(struct pvec *pv)
{
	free(pv->v);
	free(pv->src);
	memset(pv, 0, sizeof(*pv));
}

static int
pvec_contains(const struct pvec *pv, const struct nj_ip *ip)
{
	for (size_t i = 0; i < pv->n; i++)
		if (nj_prefix_contains(&pv->v[i], ip))
			return 1;
	return 0;
}

/* ---- intervals, for "is this set the union of those" ---- */

struct iv {
	t_u128 lo, hi;
};

static int
cmp_iv(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* 1 when [lo, hi] lies inside the union of the family's prefixes of pv. */
static int
covered(int family, t_u128 lo, t_u128 hi, const struct pvec *pv)
{
	struct iv *v = malloc((pv->n + 1) * sizeof(*v));
	size_t n = 0;
	t_u128 cur = lo;
	int ok = 0;

	for (size_t i = 0; i < pv->n; i++) {
		if (pv->v[i].ip.family != family)
			continue;
		v[n].lo = pfx_first(&pv->v[i]);
		v[n].hi = pfx_last(&pv->v[i]);
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_iv);
	for (size_t i = 0; i < n; i++) {
		if (v[i].hi < cur)
			continue;
		if (v[i].lo > cur)
			break;
		if (v[i].hi >= hi) {
			ok = 1;
			break;
		}
		cur = v[i].hi + 1;
	}
	free(v);
	return ok;
}

static int
overlap(const struct nj_prefix *a, const struct nj_prefix *b)
{
	return a->ip.family == b->ip.family && pfx_first(a) <= pfx_last(b) &&
	    pfx_first(b) <= pfx_last(a);
}

/* ---- names ---- */

START_TEST(test_preset_names)
{
	ck_assert_int_eq(nj_preset_count(), 17);
	for (int id = 0; id < nj_preset_count(); id++) {
		const char *n = nj_preset_name(id);

		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(nj_preset_find(n, strlen(n)), id);
	}
	for (size_t i = 0; i < NELEM(static_presets); i++)
		(void)preset_id(static_presets[i]);
	(void)preset_id("public");
	(void)preset_id("self");
	(void)preset_id("resolvers");
	ck_assert_int_eq(nj_preset_find("nosuch", 6), -1);
	ck_assert_int_eq(nj_preset_find("loopback", 4), -1); /* "loop" */
	ck_assert_int_eq(nj_preset_find("loopbackx", 9), -1);
	ck_assert_int_eq(nj_preset_find("Loopback", 8), -1);
	ck_assert_int_eq(nj_preset_find("", 0), -1);
	ck_assert_ptr_null(nj_preset_name(-1));
	ck_assert_ptr_null(nj_preset_name(nj_preset_count()));
	ck_assert_int_eq(nj_preset_each(-1, NULL, collect, NULL), -EINVAL);
	ck_assert_int_eq(nj_preset_each(nj_preset_count(), NULL, collect, NULL), -EINVAL);
}
END_TEST

static int
stop_at_second(void *arg, const struct nj_prefix *p, const char *source)
{
	int *n = arg;

	(void)p;
	(void)source;
	return ++*n == 2 ? 77 : 0;
}

START_TEST(test_preset_each_stops_on_nonzero)
{
	int n = 0;

	ck_assert_int_eq(nj_preset_each(preset_id("private"), NULL, stop_at_second, &n), 77);
	ck_assert_int_eq(n, 2);
	n = 0;
	ck_assert_int_eq(nj_preset_each(preset_id("public"), NULL, stop_at_second, &n), 77);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* ---- the table is data/presets.tsv, row for row ---- */

START_TEST(test_table_matches_data_file)
{
	FILE *f = fopen("../../data/presets.tsv", "r");
	char line[1024];
	size_t rows = 0, total = 0;

	ck_assert_msg(f != NULL, "../../data/presets.tsv: cannot open");
	for (size_t k = 0; k < NELEM(static_presets); k++) {
		struct pvec pv = { 0 };
		size_t i = 0;

		preset_get(static_presets[k], NULL, &pv);
		ck_assert_msg(pv.n > 0, "@%s is empty", static_presets[k]);
		total += pv.n;
		rewind(f);
		while (fgets(line, sizeof(line), f)) {
			char *name = line, *pfx, *src;
			struct nj_prefix want;
			char a[64], b[64];

			if (line[0] == '#' || line[0] == '\n')
				continue;
			pfx = strchr(name, '\t');
			ck_assert_ptr_nonnull(pfx);
			*pfx++ = '\0';
			src = strchr(pfx, '\t');
			ck_assert_ptr_nonnull(src);
			*src++ = '\0';
			ck_assert_msg(name[0] == '@', "row without @: %s", name);
			if (strcmp(name + 1, static_presets[k]) != 0)
				continue;
			ck_assert_msg(i < pv.n, "@%s: %s is in the data, not in the table",
			    static_presets[k], pfx);
			want = pfx_of(pfx);
			nj_prefix_format(&want, a, sizeof(a));
			nj_prefix_format(&pv.v[i], b, sizeof(b));
			ck_assert_msg(strcmp(a, b) == 0, "@%s row %zu: data %s, table %s",
			    static_presets[k], i, a, b);
			ck_assert_msg(pv.src[i] && pv.src[i][0], "@%s %s: no source",
			    static_presets[k], a);
			ck_assert_msg(strncmp(pv.src[i], src, strlen(pv.src[i])) == 0,
			    "@%s %s: source differs", static_presets[k], a);
			i++;
		}
		ck_assert_msg(i == pv.n, "@%s: the table has %zu prefixes, the data %zu",
		    static_presets[k], pv.n, i);
		pvec_free(&pv);
	}
	/* and no row of the data names a preset the table lacks */
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		if (line[0] == '#' || line[0] == '\n')
			continue;
		ck_assert_ptr_nonnull(tab);
		*tab = '\0';
		ck_assert_msg(nj_preset_find(line + 1, strlen(line + 1)) >= 0, "unknown %s", line);
		rows++;
	}
	ck_assert_uint_eq(rows, total);
	fclose(f);
}
END_TEST

/* What SPEC.md §4 names outright. */
START_TEST(test_spec_named_members)
{
	static const struct {
		const char *preset, *addr;
	} in[] = {
		{ "loopback", "0.0.0.0" }, { "loopback", "::" }, { "loopback", "127.255.255.255" },
		{ "loopback", "::1" }, { "private", "fc00::" }, { "private", "fdff::1" },
		{ "private", "fec0::1" }, { "private", "172.31.255.255" }, { "cgnat", "100.64.0.0" },
		{ "metadata", "169.254.169.254" }, { "metadata", "168.63.129.16" },
		{ "metadata", "fd00:ec2::254" }, { "metadata", "100.100.100.200" },
		{ "metadata", "169.254.170.2" }, { "metadata", "fe80::a9fe:a9fe" },
		{ "embedded-v4", "64:ff9b::1" }, { "embedded-v4", "2002::1" },
		{ "embedded-v4", "2001::1" }, { "embedded-v4", "::ffff:0:1.2.3.4" },
		{ "embedded-v4", "::1.2.3.4" }, { "embedded-v4", "64:ff9b:1::1" },
		{ "special", "255.255.255.255" }, { "special", "240.0.0.1" },
		{ "special", "224.0.0.1" }, { "special", "ff02::1" }, { "special", "fe80::1" },
		{ "documentation", "3fff::1" }, { "benchmark", "198.19.255.255" },
	}, out[] = {
		{ "loopback", "0.0.0.1" }, { "loopback", "::2" }, { "private", "fe00::" },
		{ "private", "172.32.0.0" }, { "cgnat", "100.128.0.0" },
		{ "metadata", "169.254.169.253" }, { "metadata", "168.63.129.17" },
		{ "special", "168.63.129.16" }, { "special", "64:ff9b::808:808" },
		{ "special", "8.8.8.8" }, { "special", "2606:4700::1111" },
		{ "embedded-v4", "2003::1" }, { "embedded-v4", "::ffff:1.2.3.4" },
	};

	for (size_t i = 0; i < NELEM(in) + NELEM(out); i++) {
		int want = i < NELEM(in);
		const char *preset = want ? in[i].preset : out[i - NELEM(in)].preset;
		const char *addr = want ? in[i].addr : out[i - NELEM(in)].addr;
		struct pvec pv = { 0 };
		struct nj_ip ip = ip_of(addr);

		preset_get(preset, NULL, &pv);
		ck_assert_msg(pvec_contains(&pv, &ip) == want, "%s %s @%s", addr,
		    want ? "not in" : "in", preset);
		pvec_free(&pv);
	}
}
END_TEST

/* ---- every static prefix at its edges, through the compiled rules ---- */

/* Does "allow @X" (r) match ip, as one address?  Also checks nj_decide agrees whenever ip
 * stands for itself alone. */
static int
rule_matches(const struct nj_rules *r, const struct nj_ip *ip)
{
	struct nj_dest d = dest_ip(NJ_PROTO_TCP, ip, 443);
	struct nj_ip out[NJ_MAX_EXPAND];
	uint32_t m[4];
	size_t n = nj_matches(r, &d, ip, m, NELEM(m));

	ck_assert_uint_le(n, 1);
	if (nj_ip_expand(ip, out) == 1)
		ck_assert_int_eq(nj_decide(r, &d, NULL), (int)n);
	return (int)n;
}

START_TEST(test_preset_boundaries)
{
	const char *name = static_presets[_i];
	struct pvec pv = { 0 };
	struct nj_rules *r;
	char text[64], buf[64];

	preset_get(name, NULL, &pv);
	snprintf(text, sizeof(text), "allow @%s\n", name);
	r = rules_ok(text);
	for (size_t i = 0; i < pv.n; i++) {
		const struct nj_prefix *p = &pv.v[i];
		int fam = p->ip.family;
		struct nj_ip first = ip_from_key(pfx_first(p), fam);
		struct nj_ip last = ip_from_key(pfx_last(p), fam);

		ck_assert_msg(rule_matches(r, &first), "@%s: first of prefix %zu (%s) not matched",
		    name, i, ip_str(&first, buf, sizeof(buf)));
		ck_assert_msg(rule_matches(r, &last), "@%s: last of prefix %zu (%s) not matched",
		    name, i, ip_str(&last, buf, sizeof(buf)));
		if (pfx_first(p) > 0) {
			struct nj_ip before = ip_from_key(pfx_first(p) - 1, fam);

			ck_assert_msg(rule_matches(r, &before) == pvec_contains(&pv, &before),
			    "@%s: %s, just before prefix %zu", name,
			    ip_str(&before, buf, sizeof(buf)), i);
		}
		if (pfx_last(p) < fam_max(fam)) {
			struct nj_ip after = ip_from_key(pfx_last(p) + 1, fam);

			ck_assert_msg(rule_matches(r, &after) == pvec_contains(&pv, &after),
			    "@%s: %s, just after prefix %zu", name,
			    ip_str(&after, buf, sizeof(buf)), i);
		}
	}
	nj_rules_free(r);
	pvec_free(&pv);
}
END_TEST

/* No address is in two prefixes of one preset (so no rule meets an address twice). */
START_TEST(test_preset_prefixes_disjoint)
{
	for (int id = 0; id < nj_preset_count(); id++) {
		struct pvec pv = { 0 };

		ck_assert_int_eq(nj_preset_each(id, NULL, collect, &pv), 0);
		for (size_t i = 0; i < pv.n; i++)
			for (size_t k = i + 1; k < pv.n; k++)
				ck_assert_msg(!overlap(&pv.v[i], &pv.v[k]),
				    "@%s: prefixes %zu and "
				    "%zu overlap",
				    nj_preset_name(id), i, k);
		pvec_free(&pv);
	}
}
END_TEST

/* @special is exactly the union of its parts: each side covers the other. */
START_TEST(test_special_is_union_of_parts)
{
	struct pvec special = { 0 }, parts = { 0 };
	char buf[64];

	preset_get("special", NULL, &special);
	for (size_t i = 0; i < NELEM(special_parts); i++)
		preset_get(special_parts[i], NULL, &parts);
	for (size_t i = 0; i < parts.n; i++) {
		const struct nj_prefix *p = &parts.v[i];
		struct nj_ip first = ip_from_key(pfx_first(p), p->ip.family);
		struct nj_ip last = ip_from_key(pfx_last(p), p->ip.family);

		nj_prefix_format(p, buf, sizeof(buf));
		ck_assert_msg(pvec_contains(&special, &first), "first of part %s not in @special",
		    buf);
		ck_assert_msg(pvec_contains(&special, &last), "last of part %s not in @special",
		    buf);
		ck_assert_msg(covered(p->ip.family, pfx_first(p), pfx_last(p), &special),
		    "part %s not wholly in @special", buf);
	}
	for (size_t i = 0; i < special.n; i++) {
		const struct nj_prefix *p = &special.v[i];

		nj_prefix_format(p, buf, sizeof(buf));
		ck_assert_msg(covered(p->ip.family, pfx_first(p), pfx_last(p), &parts),
		    "@special %s is not covered by its parts", buf);
	}
	pvec_free(&special);
	pvec_free(&parts);
}
END_TEST

/* @public = any minus @special minus @metadata, exactly. */
START_TEST(test_public_is_exact_complement)
{
	struct pvec pub = { 0 }, excl = { 0 }, all = { 0 };
	char a[64], b[64];

	preset_get("public", NULL, &pub);
	preset_get("special", NULL, &excl);
	preset_get("metadata", NULL, &excl);
	ck_assert_uint_gt(pub.n, 10);
	/* as few prefixes as can be: no two are the halves of one (they would merge) */
	for (size_t i = 0; i < pub.n; i++) {
		const struct nj_prefix *p = &pub.v[i];
		t_u128 sib;

		if (p->len == 0)
			continue;
		sib = pfx_first(p) ^ ((t_u128)1 << (fam_bits(p->ip.family) - p->len));
		for (size_t k = 0; k < pub.n; k++)
			ck_assert_msg(!(pub.v[k].ip.family == p->ip.family &&
			                  pub.v[k].len == p->len && pfx_first(&pub.v[k]) == sib),
			    "@public %s and its sibling both listed",
			    (nj_prefix_format(p, a, sizeof(a)), a));
	}
	for (size_t i = 0; i < pub.n; i++)
		for (size_t k = 0; k < excl.n; k++)
			ck_assert_msg(!overlap(&pub.v[i], &excl.v[k]), "@public %s meets %s",
			    (nj_prefix_format(&pub.v[i], a, sizeof(a)), a),
			    (nj_prefix_format(&excl.v[k], b, sizeof(b)), b));
	for (size_t i = 0; i < pub.n; i++)
		collect(&all, &pub.v[i], "");
	for (size_t i = 0; i < excl.n; i++)
		collect(&all, &excl.v[i], "");
	ck_assert_msg(covered(4, 0, fam_max(4), &all), "IPv4 has a hole");
	ck_assert_msg(covered(6, 0, fam_max(6), &all), "IPv6 has a hole");
	pvec_free(&pub);
	pvec_free(&excl);
	pvec_free(&all);
}
END_TEST

START_TEST(test_public_samples)
{
	static const char *const allowed[] = {
		"8.8.8.8:53",
		"1.1.1.1:443",
		"[2606:4700::1111]:443",
		"9.9.9.9:443",
		"[2001:4860:4860::8888]:443",
		"168.63.129.15:80",
		"168.63.129.17:80",
		"100.63.255.255:80",
		"100.128.0.0:80",
		"11.0.0.0:80",
		"9.255.255.255:80",
		"172.15.255.255:80",
		"172.32.0.0:80",
		"223.255.255.255:80",
		"[64:ff9b::808:808]:80",
		"[2001:200::1]:80",
		"[fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:80",
	};
	static const char *const denied[] = {
		"168.63.129.16:80",
		"[::ffff:168.63.129.16]:80",
		"[64:ff9b::a83f:8110]:80",
		"169.254.169.254:80",
		"[fd00:ec2::254]:80",
		"127.0.0.1:80",
		"[::1]:80",
		"0.0.0.0:80",
		"[::]:80",
		"10.0.0.1:80",
		"192.168.1.1:80",
		"[fe80::1]:80",
		"255.255.255.255:80",
		"224.0.0.251:5353",
		"[ff02::fb]:5353",
		"192.0.2.1:80",
		"[2001:db8::1]:80",
		"[2002:7f00:1::]:80",
		"[2001:0:808:808::80ff:fffe]:80",
	};
	struct pvec excl = { 0 };
	struct nj_rules *r = rules_ok("allow @public\n");
	char buf[64];

	for (size_t i = 0; i < NELEM(allowed); i++) {
		struct nj_dest d = dest_of("tcp", allowed[i]);

		ck_assert_msg(nj_decide(r, &d, NULL) == 1, "%s denied by @public", allowed[i]);
	}
	for (size_t i = 0; i < NELEM(denied); i++) {
		struct nj_dest d = dest_of("tcp", denied[i]);

		ck_assert_msg(nj_decide(r, &d, NULL) == 0, "%s allowed by @public", denied[i]);
	}
	preset_get("special", NULL, &excl);
	preset_get("metadata", NULL, &excl);
	for (size_t i = 0; i < excl.n; i++) {
		const struct nj_prefix *p = &excl.v[i];
		struct nj_ip first = ip_from_key(pfx_first(p), p->ip.family);
		struct nj_ip last = ip_from_key(pfx_last(p), p->ip.family);
		struct nj_dest d1 = dest_ip(NJ_PROTO_TCP, &first, 80);
		struct nj_dest d2 = dest_ip(NJ_PROTO_UDP, &last, NJ_PORT_ANY);

		ck_assert_msg(nj_decide(r, &d1, NULL) == 0, "%s allowed by @public",
		    ip_str(&first, buf, sizeof(buf)));
		ck_assert_msg(nj_decide(r, &d2, NULL) == 0, "%s allowed by @public",
		    ip_str(&last, buf, sizeof(buf)));
	}
	pvec_free(&excl);
	nj_rules_free(r);
}
END_TEST

/* ---- dynamic presets ---- */

struct fake {
	struct nj_prefix self[3], res[3];
	struct nj_sys sys;
};

static void
fake_sys(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->self[0] = pfx_of("8.8.4.4"); /* a public address of this host */
	f->self[1] = pfx_of("192.0.2.10");
	f->self[2] = pfx_of("2001:db8::10");
	f->res[0] = pfx_of("10.0.0.53");
	f->res[1] = pfx_of("127.0.0.53"); /* systemd-resolved's stub */
	f->res[2] = pfx_of("2001:db8::53");
	f->sys.self = f->self;
	f->sys.nself = 3;
	f->sys.resolvers = f->res;
	f->sys.nresolvers = 3;
}

START_TEST(test_self_and_resolvers_from_sys)
{
	struct fake f;
	static const struct {
		const char *rules, *proto, *dest;
		int want;
	} c[] = {
		{ "allow @self\n", "tcp", "192.0.2.10:80", V_ALLOW },
		{ "allow @self\n", "tcp", "192.0.2.11:80", V_DENY },
		{ "allow @self\n", "tcp", "[2001:db8::10]:80", V_ALLOW },
		{ "allow @self\n", "tcp", "[::ffff:192.0.2.10]:80", V_ALLOW },
		{ "allow @self\n", "tcp", "10.0.0.53:53", V_DENY },
		{ "allow @resolvers port 53\n", "udp", "10.0.0.53:53", V_ALLOW },
		{ "allow @resolvers port 53\n", "tcp", "10.0.0.53:53", V_ALLOW },
		{ "allow @resolvers port 53\n", "udp", "10.0.0.53:80", V_DENY },
		{ "allow @resolvers port 53\n", "udp", "10.0.0.54:53", V_DENY },
		{ "allow @resolvers port 53\n", "udp", "127.0.0.53:53", V_ALLOW },
		{ "allow @resolvers port 53\n", "udp", "[2001:db8::53]:53", V_ALLOW },
		{ "allow @resolvers port 53\n", "udp", "10.0.0.53", V_ALLOW },
		{ "allow any\nblock @self\n", "tcp", "8.8.4.4:443", V_DENY },
		{ "allow any\nblock @self\n", "tcp", "8.8.8.8:443", V_ALLOW },
	};

	fake_sys(&f);
	for (size_t i = 0; i < NELEM(c); i++) {
		int got = decide_v(c[i].rules, &f.sys, c[i].proto, c[i].dest, NULL);

		ck_assert_msg(got == c[i].want, "row %zu: %s under %s: %s", i, c[i].dest,
		    c[i].rules, verdict_str(got));
	}
	/* without a sys, both are empty: nothing extra is allowed */
	ck_assert_int_eq(decide_v("allow @self\n", NULL, "tcp", "192.0.2.10:80", NULL), V_DENY);
	ck_assert_int_eq(decide_v("allow @resolvers\n", NULL, "udp", "10.0.0.53:53", NULL), V_DENY);
	{
		struct pvec pv = { 0 };

		preset_get("resolvers", &f.sys, &pv);
		ck_assert_uint_eq(pv.n, 3);
		ck_assert_mem_eq(&pv.v[1], &f.res[1], sizeof(pv.v[1]));
		ck_assert_ptr_nonnull(strstr(pv.src[0], "resolv.conf"));
		pvec_free(&pv);
		preset_get("self", &f.sys, &pv);
		ck_assert_uint_eq(pv.n, 3);
		pvec_free(&pv);
		preset_get("self", NULL, &pv);
		ck_assert_uint_eq(pv.n, 0);
		pvec_free(&pv);
	}
}
END_TEST

START_TEST(test_resolvconf_parse)
{
	static const char text[] = "# generated\n"
	                           "; also a comment\n"
	                           "search example.com\n"
	                           "options ndots:2 edns0\n"
	                           "nameserver 192.0.2.53\n"
	                           "nameserver 2001:db8::53\n"
	                           "nameserver fe80::1%eth0\n"
	                           "nameserver\t198.51.100.1   # trailing comment\n"
	                           "nameserver 203.0.113.9;x\n"
	                           "nameserver ::ffff:192.0.2.7\n"
	                           "nameserver bogus\n"
	                           "nameserver 127.1\n"
	                           "nameserver\n"
	                           "nameserver   \n"
	                           "nameservers 192.0.2.99\n"
	                           " nameserver 192.0.2.98\n"
	                           "#nameserver 192.0.2.97\n"
	                           "nameserver 192.0.2.54\r\n"
	                           "nameserver 10.0.0.1"; /* no final newline */
	static const char *const want[] = {
		"192.0.2.53/32",
		"2001:db8::53/128",
		"fe80::1/128",
		"198.51.100.1/32",
		"203.0.113.9/32",
		"192.0.2.7/32",
		"192.0.2.54/32",
		"10.0.0.1/32",
	};
	struct nj_sys s;
	char buf[64];

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(nj_resolvconf_parse(text, sizeof(text) - 1, &s), 0);
	ck_assert_uint_eq(s.nresolvers, NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++) {
		nj_prefix_format(&s.resolvers[i], buf, sizeof(buf));
		ck_assert_str_eq(buf, want[i]);
	}
	ck_assert_int_eq(s.resolvers[5].ip.family, 4); /* the mapped one, as IPv4 */
	/* it appends */
	ck_assert_int_eq(nj_resolvconf_parse("nameserver 9.9.9.9\n", 19, &s), 0);
	ck_assert_uint_eq(s.nresolvers, NELEM(want) + 1);
	/* it reads exactly len bytes */
	ck_assert_int_eq(nj_resolvconf_parse("nameserver 1.1.1.10\n", 18, &s), 0);
	ck_assert_uint_eq(s.nresolvers, NELEM(want) + 2);
	nj_prefix_format(&s.resolvers[NELEM(want) + 1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.1.1.1/32");
	ck_assert_int_eq(nj_resolvconf_parse("nameserver 1.1.1.1\n", 14, &s), 0); /* "1.1" */
	ck_assert_uint_eq(s.nresolvers, NELEM(want) + 2);
	ck_assert_int_eq(nj_resolvconf_parse("", 0, &s), 0);
	nj_sys_free(&s);
	ck_assert_ptr_null(s.resolvers);
	ck_assert_uint_eq(s.nresolvers, 0);
	nj_sys_free(NULL);
}
END_TEST

START_TEST(test_sys_gather_succeeds)
{
	struct nj_sys s;

	memset(&s, 0xa5, sizeof(s));
	ck_assert_int_eq(nj_sys_gather(&s), 0);
	for (size_t i = 0; i < s.nself; i++)
		ck_assert_int_eq(s.self[i].len, fam_bits(s.self[i].ip.family));
	for (size_t i = 0; i < s.nresolvers; i++)
		ck_assert_int_eq(s.resolvers[i].len, fam_bits(s.resolvers[i].ip.family));
	/* and the rules load with it */
	{
		struct nj_rules *r = rules_sys(nj_default_policy, &s);

		nj_rules_free(r);
	}
	nj_sys_free(&s);
	ck_assert_ptr_null(s.self);
	ck_assert_uint_eq(s.nself, 0);
}
END_TEST

/* ---- the built-in default policy (SPEC.md §4) ---- */

START_TEST(test_default_policy)
{
	struct fake f;
	static const struct {
		const char *proto, *dest;
		int want;
	} c[] = {
		{ "tcp", "8.8.8.8:443", V_ALLOW },
		{ "tcp", "[2606:4700::1111]:443", V_ALLOW },
		{ "tcp", "[64:ff9b::808:808]:443", V_ALLOW },
		{ "tcp", "8.8.4.4:443", V_DENY }, /* @self, public or not */
		{ "tcp", "169.254.169.254:80", V_DENY },
		{ "tcp", "168.63.129.16:80", V_DENY },
		{ "tcp", "[fd00:ec2::254]:80", V_DENY },
		{ "tcp", "[64:ff9b::a9fe:a9fe]:80", V_DENY },
		{ "tcp", "127.0.0.1:80", V_DENY },
		{ "tcp", "[::1]:80", V_DENY },
		{ "tcp", "0.0.0.0:80", V_DENY },
		{ "tcp", "[::ffff:127.0.0.1]:80", V_DENY },
		{ "tcp", "10.0.0.1:80", V_DENY },
		{ "udp", "10.0.0.53:53", V_ALLOW }, /* a private resolver, port 53 */
		{ "udp", "10.0.0.53:5353", V_DENY },
		{ "udp", "127.0.0.53:53", V_ALLOW },
		{ "udp", "10.0.0.53", V_ALLOW },
	};

	ck_assert_str_eq(nj_default_policy,
	    "allow @public\nallow @resolvers port 53\n"
	    "block @metadata\nblock @self\n");
	fake_sys(&f);
	for (size_t i = 0; i < NELEM(c); i++) {
		int got = decide_v(nj_default_policy, &f.sys, c[i].proto, c[i].dest, NULL);

		ck_assert_msg(got == c[i].want, "%s %s under the default policy: %s", c[i].proto,
		    c[i].dest, verdict_str(got));
	}
}
END_TEST

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* examples/default.rules is the built-in policy with comments: the same rules (order
 * plays no part in a decision, so as a set). */
START_TEST(test_default_policy_matches_example_file)
{
	struct nj_rules *file = NULL, *builtin = rules_ok(nj_default_policy);
	struct nj_diags dg;
	char *a[16], *b[16];
	size_t n;

	memset(&dg, 0, sizeof(dg));
	ck_assert_msg(nj_rules_load("../../examples/default.rules", NULL, &file, &dg) == 0,
	    "../../examples/default.rules: %s", dg.n ? dg.v[0].msg : "?");
	n = nj_rules_count(builtin);
	ck_assert_uint_eq(nj_rules_count(file), n);
	ck_assert_uint_le(n, NELEM(a));
	for (uint32_t i = 0; i < n; i++) {
		a[i] = malloc(256);
		b[i] = malloc(256);
		nj_rule_format(builtin, i, a[i], 256);
		nj_rule_format(file, i, b[i], 256);
	}
	qsort(a, n, sizeof(a[0]), cmp_str);
	qsort(b, n, sizeof(b[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(a[i], b[i]);
		free(a[i]);
		free(b[i]);
	}
	nj_diags_free(&dg);
	nj_rules_free(file);
	nj_rules_free(builtin);
}
END_TEST

Suite *
presets_suite(void)
{
	Suite *s = suite_create("presets");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_preset_names);
	tcase_add_test(tc, test_preset_each_stops_on_nonzero);
	tcase_add_test(tc, test_table_matches_data_file);
	tcase_add_test(tc, test_spec_named_members);
	tcase_add_test(tc, test_preset_prefixes_disjoint);
	tcase_add_test(tc, test_special_is_union_of_parts);
	tcase_add_test(tc, test_public_is_exact_complement);
	suite_add_tcase(s, tc);

	tc = tcase_create("boundaries");
	tcase_add_loop_test(tc, test_preset_boundaries, 0, (int)NELEM(static_presets));
	tcase_add_test(tc, test_public_samples);
	suite_add_tcase(s, tc);

	tc = tcase_create("dynamic");
	tcase_add_test(tc, test_self_and_resolvers_from_sys);
	tcase_add_test(tc, test_resolvconf_parse);
	tcase_add_test(tc, test_sys_gather_succeeds);
	tcase_add_test(tc, test_default_policy);
	tcase_add_test(tc, test_default_policy_matches_example_file);
	suite_add_tcase(s, tc);
	return s;
}
