/* fuzz_rules.c - libFuzzer target over the rules parser and the decision (`make fuzz`).
 *
 * The input is a rules file.  Whether or not it parses, the parser must not crash, leak or
 * invoke undefined behaviour, and its diagnostics must be well formed; the input also goes
 * through nj_resolvconf_parse.  When it parses, a few dozen destinations are derived from
 * the input bytes (read backwards from its end, so a trailing comment steers them) and from
 * the rules themselves (the edges of every prefix, the ends of every port range), in every
 * form a destination takes (IPv4, IPv6, v4-mapped, NAT64, 6to4, Teredo, unspecified, port
 * unknown), and every decision is checked against:
 *
 *   - block never loses: when nj_matches lists a block rule for an address the destination
 *     stands for (nj_ip_expand), nj_decide denies;
 *   - a model: the rules read back from their normalised text (nj_rule_format) and matched
 *     one by one, without the lookup tables: allowed = for every address, some allow rule
 *     matches and no block rule does; nj_matches lists exactly the rules the model matches;
 *     a destination with an unknown port is allowed exactly when some port is (tried at
 *     every port where some rule's port ranges start or end);
 *   - normalisation: the normalised text (nj_rule_format of every rule, one a line)
 *     parses again, formats the same, and gives the same verdicts;
 *   - nj_ip_expand: a destination stands for the IPv4 address it was built around
 *     (v4-mapped: only that), and for loopback when unspecified;
 *   - the compiled form (nj_rules_compile, loaded back by nj_rules_load) gives the same
 *     decisions (for one input in four: it costs system calls);
 *   - a rule set naming no tcp/udp (nj_rules_use_proto 0) decides alike for every proto;
 *   - the rule nj_suggest_allow offers parses and allows the address it names.
 *
 * Any violation aborts with a message, which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/engine.h"
#include "sys/exec.h"
#include "sys/sys.h"

__extension__ typedef unsigned __int128 u128;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- failing ---- */

static const struct nj_dest *cur_dest; /* for the message */

static void
describe_dest(const struct nj_dest *d)
{
	char ip[80];

	if (d == NULL)
		return;
	if (d->kind == NJ_DEST_IP) {
		nj_ip_format(&d->ip, ip, sizeof(ip));
		fprintf(stderr, "  destination: ip %s (family %d) port %d proto %d\n", ip,
		    d->ip.family, d->port, d->proto);
	} else if (d->kind == NJ_DEST_UNIX) {
		fprintf(stderr, "  destination: unix %s%.*s (len %zu)\n", d->abstract ? "@" : "",
		    (int)d->pathlen, d->path ? d->path : "", d->pathlen);
	} else {
		fprintf(stderr, "  destination: family %d\n", d->family);
	}
}

static void __attribute__((noreturn, format(printf, 2, 3))) fail(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nfuzz_rules.c:%d: invariant violated: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	describe_dest(cur_dest);
	abort();
}

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond))                                        \
			fail(__LINE__, "(" #cond ") " __VA_ARGS__); \
	} while (0)

static void *
xrealloc(void *p, size_t n)
{
	void *v = realloc(p, n ? n : 1);

	if (v == NULL)
		abort();
	return v;
}

/* ---- the input as a byte source ---- */

struct rd {
	const uint8_t *d;
	size_t n, i;
	uint64_t h;
};

static uint8_t
rd8(struct rd *r)
{
	if (r->i < r->n)
		return r->d[r->n - 1 - r->i++];
	r->h ^= r->h << 13; /* input used up: a generator seeded by its hash */
	r->h ^= r->h >> 7;
	r->h ^= r->h << 17;
	return (uint8_t)(r->h >> 24);
}

static unsigned
rd16(struct rd *r)
{
	unsigned v = rd8(r);

	return v << 8 | rd8(r);
}

/* ---- addresses as integers ---- */

static u128
key_of(const struct nj_ip *ip)
{
	u128 k = 0;
	int bytes = ip->family == 4 ? 4 : 16;

	for (int i = 0; i < bytes; i++)
		k = k << 8 | ip->a[i];
	return k;
}

static void
ip_of(u128 k, int family, struct nj_ip *ip)
{
	int bytes = family == 4 ? 4 : 16;

	memset(ip, 0, sizeof(*ip));
	ip->family = (uint8_t)family;
	for (int i = bytes - 1; i >= 0; i--) {
		ip->a[i] = (uint8_t)k;
		k >>= 8;
	}
}

static u128
host_mask(int family, unsigned len)
{
	unsigned bits = family == 4 ? 32 : 128;

	if (len >= bits)
		return 0;
	if (len == 0)
		return family == 4 ? (u128)0xffffffffu : ~(u128)0;
	return (((u128)1) << (bits - len)) - 1;
}

/* The model's own prefix test, byte by byte (not the library's). */
static int
contains(const struct nj_prefix *p, const struct nj_ip *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->ip.family != a->family)
		return 0;
	if (memcmp(p->ip.a, a->a, full) != 0)
		return 0;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return (p->ip.a[full] & m) == (a->a[full] & m);
	}
	return 1;
}

static int
ip_eq(const struct nj_ip *x, const struct nj_ip *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

static int
is_mapped(const struct nj_ip *ip)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return ip->family == 6 && memcmp(ip->a, pfx, 12) == 0;
}

/* ---- the model: the rules read back from their normalised text ---- */

enum { K_PREFIX = 1, K_ANY, K_PRESET, K_UNIX, K_EXEC, K_FAMILY };

struct mrule {
	int action, proto, kind;
	struct nj_prefix pfx; /* K_PREFIX */
	int preset; /* K_PRESET */
	const char *path; /* K_UNIX, K_EXEC: into model.text */
	size_t plen;
	int glob, abstract;
	int family; /* K_FAMILY: AF_* */
	size_t port_off, nports;
};

struct pset {
	struct nj_prefix *v;
	size_t n, cap;
	int have;
};

#define NPRESET_MAX 32
#define MAXCAND 256

struct model {
	struct mrule *rule;
	size_t n;
	uint16_t (*ports)[2];
	size_t nports, capports;
	char *text; /* normalised: one rule a line */
	size_t len, cap;
	struct pset preset[NPRESET_MAX];
	const struct nj_sys *sys;
	int use_proto, uses_dynamic;
	uint16_t cand[MAXCAND]; /* ports where some rule's port ranges start or end */
	size_t ncand;
	int cand_all; /* cand[] holds every such port */
	int memo[NPRESET_MAX]; /* per address: preset contains it (-1 unknown) */
};

static int
collect_cb(void *arg, const struct nj_prefix *p, const char *source)
{
	struct pset *s = arg;

	(void)source;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = *p;
	return 0;
}

static struct pset *
pset_get(struct model *m, int id)
{
	struct pset *s = &m->preset[id];

	if (!s->have) {
		CHECK(nj_preset_each(id, m->sys, collect_cb, s) == 0, "preset %d", id);
		s->have = 1;
	}
	return s;
}

static int
toklit(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* Next space-separated token of [*p, end). */
static int
token(const char **p, const char *end, const char **ts, size_t *tn)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return 0;
	*ts = s;
	while (s < end && *s != ' ')
		s++;
	*tn = (size_t)(s - *ts);
	*p = s;
	return 1;
}

static long
num(const char *s, size_t n)
{
	long v = 0;

	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Read one normalised rule line [s, s + n) into the model, or abort: the text is not of the
 * normalised shape "ACTION [tcp|udp] TARGET [port P[,P...]]". */
static void
model_rule(struct model *m, const char *s, size_t n, struct mrule *ru)
{
	const char *p = s, *end = s + n, *t;
	size_t tn;

	memset(ru, 0, sizeof(*ru));
	CHECK(token(&p, end, &t, &tn), "empty normalised rule");
	if (toklit(t, tn, "allow"))
		ru->action = NJ_ALLOW;
	else if (toklit(t, tn, "block"))
		ru->action = NJ_BLOCK;
	else
		fail(__LINE__, "normalised rule \"%.*s\" has no action", (int)n, s);
	CHECK(token(&p, end, &t, &tn), "normalised rule \"%.*s\" has no target", (int)n, s);
	if (toklit(t, tn, "tcp") || toklit(t, tn, "udp")) {
		ru->proto = toklit(t, tn, "tcp") ? NJ_PROTO_TCP : NJ_PROTO_UDP;
		m->use_proto = 1;
		CHECK(token(&p, end, &t, &tn), "normalised rule \"%.*s\"", (int)n, s);
	}
	if (toklit(t, tn, "any")) {
		ru->kind = K_ANY;
	} else if (t[0] == '@') {
		ru->kind = K_PRESET;
		ru->preset = nj_preset_find(t + 1, tn - 1);
		CHECK(ru->preset >= 0 && ru->preset < NPRESET_MAX, "normalised rule \"%.*s\"",
		    (int)n, s);
		if (strcmp(nj_preset_name(ru->preset), "self") == 0 ||
		    strcmp(nj_preset_name(ru->preset), "resolvers") == 0)
			m->uses_dynamic = 1;
	} else if (toklit(t, tn, "unix") || toklit(t, tn, "exec")) {
		ru->kind = toklit(t, tn, "unix") ? K_UNIX : K_EXEC;
		CHECK(token(&p, end, &t, &tn), "normalised rule \"%.*s\"", (int)n, s);
		if (ru->kind == K_UNIX && t[0] == '@') {
			ru->abstract = 1;
			t++, tn--;
		}
		CHECK(ru->abstract || (tn > 0 && t[0] == '/'), "normalised rule \"%.*s\"", (int)n,
		    s);
		if (tn > 0 && t[tn - 1] == '*') {
			ru->glob = 1;
			tn--;
		}
		CHECK(memchr(t, '*', tn) == NULL, "normalised rule \"%.*s\"", (int)n, s);
		ru->path = t;
		ru->plen = tn;
		CHECK(ru->kind == K_UNIX || ru->action == NJ_ALLOW, "normalised rule \"%.*s\"",
		    (int)n, s);
	} else if (toklit(t, tn, "family")) {
		ru->kind = K_FAMILY;
		CHECK(token(&p, end, &t, &tn), "normalised rule \"%.*s\"", (int)n, s);
		ru->family = nj_family_find(t, tn);
		CHECK(ru->family >= 0, "normalised rule \"%.*s\"", (int)n, s);
	} else {
		const char *slash = memchr(t, '/', tn);
		size_t alen = slash ? (size_t)(slash - t) : tn;
		long len;

		ru->kind = K_PREFIX;
		CHECK(nj_ip_parse(t, alen, &ru->pfx.ip) == 0, "normalised rule \"%.*s\"", (int)n,
		    s);
		CHECK(!is_mapped(&ru->pfx.ip), "normalised rule \"%.*s\" is v4-mapped", (int)n, s);
		len = ru->pfx.ip.family == 4 ? 32 : 128;
		if (slash) {
			len = num(slash + 1, tn - alen - 1);
			CHECK(len >= 0 && len < (ru->pfx.ip.family == 4 ? 32 : 128),
			    "normalised rule \"%.*s\": a full-length prefix keeps no /len", (int)n,
			    s);
		}
		ru->pfx.len = (uint8_t)len;
		CHECK((key_of(&ru->pfx.ip) & host_mask(ru->pfx.ip.family, ru->pfx.len)) == 0,
		    "normalised rule \"%.*s\" has host bits", (int)n, s);
	}
	ru->port_off = m->nports;
	if (token(&p, end, &t, &tn)) {
		const char *q, *qe;

		CHECK(toklit(t, tn, "port"), "normalised rule \"%.*s\"", (int)n, s);
		CHECK(ru->kind == K_PREFIX || ru->kind == K_ANY || ru->kind == K_PRESET,
		    "normalised rule \"%.*s\"", (int)n, s);
		CHECK(token(&p, end, &t, &tn), "normalised rule \"%.*s\"", (int)n, s);
		for (q = t, qe = t + tn; q <= qe;) {
			const char *c = memchr(q, ',', (size_t)(qe - q));
			const char *e = c ? c : qe;
			const char *dash = memchr(q, '-', (size_t)(e - q));
			long lo, hi;

			lo = num(q, (size_t)((dash ? dash : e) - q));
			hi = dash ? num(dash + 1, (size_t)(e - dash - 1)) : lo;
			CHECK(lo >= 1 && hi <= 65535 && lo <= hi && (!dash || lo < hi),
			    "normalised rule \"%.*s\": port entry", (int)n, s);
			if (m->nports == m->capports) {
				m->capports = m->capports ? 2 * m->capports : 64;
				m->ports = xrealloc(m->ports, m->capports * sizeof(*m->ports));
			}
			m->ports[m->nports][0] = (uint16_t)lo;
			m->ports[m->nports][1] = (uint16_t)hi;
			m->nports++;
			ru->nports++;
			q = e + 1;
		}
	}
	CHECK(!token(&p, end, &t, &tn), "normalised rule \"%.*s\" has trailing text", (int)n, s);
	CHECK(ru->proto == 0 || ru->kind == K_PREFIX || ru->kind == K_ANY || ru->kind == K_PRESET,
	    "normalised rule \"%.*s\"", (int)n, s);
}

static int
cmp_u16(const void *x, const void *y)
{
	return (int)*(const uint16_t *)x - (int)*(const uint16_t *)y;
}

/* The ports where what a rule set allows can change: 1, and the low end and one past the
 * high end of every port range.  Between two of them every rule matches alike. */
static void
model_candidates(struct model *m)
{
	uint16_t *v = xrealloc(NULL, (1 + 2 * m->nports) * sizeof(*v));
	size_t n = 0;

	v[n++] = 1;
	for (size_t i = 0; i < m->nports; i++) {
		v[n++] = m->ports[i][0];
		if (m->ports[i][1] < 65535)
			v[n++] = (uint16_t)(m->ports[i][1] + 1);
	}
	qsort(v, n, sizeof(*v), cmp_u16);
	m->ncand = 0;
	m->cand_all = 1;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && v[i] == v[i - 1])
			continue;
		if (m->ncand == MAXCAND) {
			m->cand_all = 0;
			break;
		}
		m->cand[m->ncand++] = v[i];
	}
	free(v);
}

static void
model_free(struct model *m)
{
	free(m->rule);
	free(m->ports);
	free(m->text);
	for (int i = 0; i < NPRESET_MAX; i++)
		free(m->preset[i].v);
	memset(m, 0, sizeof(*m));
}

/* Does rule i match address a (one of those d stands for) at port (NJ_PORT_ANY: ports
 * aside)?  m->memo must have been reset for a. */
static int
model_match_ip(struct model *m, size_t i, const struct nj_dest *d, const struct nj_ip *a, int port)
{
	const struct mrule *ru = &m->rule[i];
	int in = 0;

	if (ru->kind != K_PREFIX && ru->kind != K_ANY && ru->kind != K_PRESET)
		return 0;
	if (ru->proto != NJ_PROTO_ANY && ru->proto != d->proto)
		return 0;
	if (port != NJ_PORT_ANY && ru->nports) {
		for (size_t k = 0; k < ru->nports && !in; k++)
			in = port >= m->ports[ru->port_off + k][0] &&
			    port <= m->ports[ru->port_off + k][1];
		if (!in)
			return 0;
	}
	if (ru->kind == K_ANY)
		return 1;
	if (ru->kind == K_PREFIX)
		return contains(&ru->pfx, a);
	if (m->memo[ru->preset] < 0) {
		struct pset *s = pset_get(m, ru->preset);

		m->memo[ru->preset] = 0;
		for (size_t k = 0; k < s->n && !m->memo[ru->preset]; k++)
			m->memo[ru->preset] = contains(&s->v[k], a);
	}
	return m->memo[ru->preset];
}

static void
memo_reset(struct model *m)
{
	for (int i = 0; i < NPRESET_MAX; i++)
		m->memo[i] = -1;
}

/* The formula at one address and one port: 1 allowed, 0 denied. */
static int
model_addr(struct model *m, const struct nj_dest *d, const struct nj_ip *a, int port)
{
	int allowed = 0;

	memo_reset(m);
	for (size_t i = 0; i < m->n; i++) {
		if (!model_match_ip(m, i, d, a, port))
			continue;
		if (m->rule[i].action == NJ_BLOCK)
			return 0;
		allowed = 1;
	}
	return allowed;
}

static int
model_ip(struct model *m, const struct nj_dest *d, const struct nj_ip *addrs, int naddr, int port)
{
	for (int k = 0; k < naddr; k++)
		if (!model_addr(m, d, &addrs[k], port))
			return 0;
	return 1;
}

static int
model_match_other(const struct model *m, size_t i, const struct nj_dest *d)
{
	const struct mrule *ru = &m->rule[i];

	if (d->kind == NJ_DEST_FAMILY)
		return ru->kind == K_FAMILY && ru->family == d->family;
	if (d->kind != NJ_DEST_UNIX || ru->kind != K_UNIX || ru->abstract != d->abstract)
		return 0;
	if (d->pathlen == 0 && !d->abstract)
		return 0; /* unnamed */
	if (ru->glob)
		return d->pathlen >= ru->plen && memcmp(d->path, ru->path, ru->plen) == 0;
	return d->pathlen == ru->plen && memcmp(d->path, ru->path, ru->plen) == 0;
}

static int
model_other(const struct model *m, const struct nj_dest *d)
{
	int allowed = 0;

	if (d->kind == NJ_DEST_UNIX && d->pathlen == 0 && !d->abstract)
		return 1;
	for (size_t i = 0; i < m->n; i++) {
		if (!model_match_other(m, i, d))
			continue;
		if (m->rule[i].action == NJ_BLOCK)
			return 0;
		allowed = 1;
	}
	return allowed;
}

static int
model_exec(const struct model *m, const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < m->n; i++) {
		const struct mrule *ru = &m->rule[i];

		if (ru->kind != K_EXEC)
			continue;
		if (ru->glob ? n >= ru->plen && memcmp(path, ru->path, ru->plen) == 0 :
		               n == ru->plen && memcmp(path, ru->path, ru->plen) == 0)
			return 1;
	}
	return 0;
}

/* ---- destinations ---- */

#define MAXDEST 40
#define PATHMAX 4200

struct dests {
	struct nj_dest d[MAXDEST];
	size_t n;
	char path[8][PATHMAX];
	size_t npath;
	char exec[4][PATHMAX];
	size_t nexec;
	/* how an IP destination was built: v4_form's form (0: as is) around address v4 */
	unsigned form[MAXDEST];
	uint8_t v4[MAXDEST][4];
};

static struct nj_dest *
dest_new(struct dests *ds, int kind)
{
	struct nj_dest *d;

	if (ds->n == MAXDEST)
		return NULL;
	d = &ds->d[ds->n++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->proto = NJ_PROTO_OTHER;
	return d;
}

static int
pick_proto(struct rd *r, int rule_proto)
{
	unsigned b = rd8(r) % 4;

	if (b == 0 && rule_proto != NJ_PROTO_ANY)
		return rule_proto;
	return b == 1 ? NJ_PROTO_UDP : b == 2 ? NJ_PROTO_OTHER : NJ_PROTO_TCP;
}

/* An IPv4 address a in one of the forms a destination can carry it in. */
static void
v4_form(struct rd *r, const uint8_t v4[4], unsigned form, struct nj_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = 6;
	switch (form) {
	case 1: /* v4-mapped */
		ip->a[10] = ip->a[11] = 0xff;
		memcpy(ip->a + 12, v4, 4);
		break;
	case 2: /* NAT64 64:ff9b::/96 */
		ip->a[1] = 0x64, ip->a[2] = 0xff, ip->a[3] = 0x9b;
		memcpy(ip->a + 12, v4, 4);
		break;
	case 3: /* 64:ff9b:1::/48, the four RFC 6052 layouts */
	case 4:
	case 5:
	case 6:
		ip->a[1] = 0x64, ip->a[2] = 0xff, ip->a[3] = 0x9b, ip->a[5] = 1;
		for (int i = 6; i < 16; i++)
			ip->a[i] = (rd8(r) & 1) ? rd8(r) : 0;
		if (form == 3)
			ip->a[6] = v4[0], ip->a[7] = v4[1], ip->a[9] = v4[2], ip->a[10] = v4[3];
		else if (form == 4)
			ip->a[7] = v4[0], ip->a[9] = v4[1], ip->a[10] = v4[2], ip->a[11] = v4[3];
		else if (form == 5)
			memcpy(ip->a + 9, v4, 4);
		else
			memcpy(ip->a + 12, v4, 4);
		ip->a[8] = rd8(r) & 1 ? rd8(r) : 0; /* the u octet */
		break;
	case 7: /* 6to4 */
		ip->a[0] = 0x20, ip->a[1] = 0x02;
		memcpy(ip->a + 2, v4, 4);
		for (int i = 6; i < 16; i++)
			ip->a[i] = rd8(r) & 1 ? rd8(r) : 0;
		break;
	case 8: /* Teredo server */
	case 9: /* Teredo client (inverted) */
		ip->a[0] = 0x20, ip->a[1] = 0x01;
		for (int i = 4; i < 16; i++)
			ip->a[i] = rd8(r);
		if (form == 8)
			memcpy(ip->a + 4, v4, 4);
		else
			for (int i = 0; i < 4; i++)
				ip->a[12 + i] = (uint8_t)~v4[i];
		break;
	case 10: /* IPv4-compatible */ memcpy(ip->a + 12, v4, 4); break;
	case 11: /* IPv4-translated ::ffff:0:a.b.c.d */
		ip->a[8] = ip->a[9] = 0xff;
		memcpy(ip->a + 12, v4, 4);
		break;
	default:
		ip->family = 4;
		memcpy(ip->a, v4, 4);
		break;
	}
}

/* Some address of prefix p, near its edges; an IPv4 one in some form (returned, with the
 * IPv4 address in v4). */
static unsigned
addr_near(struct rd *r, const struct nj_prefix *p, struct nj_ip *ip, uint8_t v4[4])
{
	int f = p->ip.family;
	u128 net = key_of(&p->ip), hm = host_mask(f, p->len), all = host_mask(f, 0), k;
	unsigned b = rd8(r);

	switch (b % 6) {
	case 0: k = net; break;
	case 1: k = net | hm; break;
	case 2: k = (net - 1) & all; break;
	case 3: k = ((net | hm) + 1) & all; break;
	default: {
		u128 x = 0;

		for (int i = 0; i < 16; i++)
			x = x << 8 | rd8(r);
		k = net | (x & hm);
		break;
	}
	}
	ip_of(k, f, ip);
	if (f == 4 && (b & 0x80)) {
		unsigned form = 1 + rd8(r) % 11;

		memcpy(v4, ip->a, 4);
		v4_form(r, v4, form, ip);
		return form;
	}
	return 0;
}

static int
port_near(struct rd *r, const struct model *m, const struct mrule *ru)
{
	unsigned b = rd8(r);

	if (ru && ru->nports && b % 8 < 6) {
		const uint16_t *pr = m->ports[ru->port_off + rd8(r) % ru->nports];

		switch (b % 8) {
		case 0: return pr[0];
		case 1: return pr[1];
		case 2: return pr[0] - 1;
		case 3: return pr[1] < 65535 ? pr[1] + 1 : 0;
		case 4: return pr[0] + (int)(rd16(r) % ((unsigned)pr[1] - pr[0] + 1));
		default: return NJ_PORT_ANY;
		}
	}
	switch (b % 5) {
	case 0:
	case 1: return NJ_PORT_ANY;
	case 2: return b & 8 ? 0 : 65535;
	default: return (int)rd16(r);
	}
}

static void
dests_ip(struct rd *r, struct model *m, struct dests *ds)
{
	size_t nip = 0;

	/* from the rules: up to 10 IP rules, each at an edge of its prefix(es) */
	for (size_t j = 0; j < m->n && nip < 10; j++) {
		size_t i = m->n <= 10 ? j : rd16(r) % m->n;
		const struct mrule *ru = &m->rule[i];
		struct nj_prefix p;
		struct nj_dest *d;

		memset(&p, 0, sizeof(p));
		if (ru->kind == K_PREFIX) {
			p = ru->pfx;
		} else if (ru->kind == K_ANY) {
			p.ip.family = rd8(r) & 1 ? 4 : 6;
		} else if (ru->kind == K_PRESET) {
			struct pset *s = pset_get(m, ru->preset);

			if (s->n == 0)
				continue;
			p = s->v[rd16(r) % s->n];
		} else {
			continue;
		}
		if ((d = dest_new(ds, NJ_DEST_IP)) == NULL)
			return;
		ds->form[ds->n - 1] = addr_near(r, &p, &d->ip, ds->v4[ds->n - 1]);
		d->port = port_near(r, m, ru);
		d->proto = pick_proto(r, ru->proto);
		nip++;
	}
	/* from the bytes */
	for (int j = 0; j < 5; j++) {
		struct nj_dest *d = dest_new(ds, NJ_DEST_IP);
		uint8_t *v4;
		unsigned form = rd8(r), *f;

		if (d == NULL)
			return;
		v4 = ds->v4[ds->n - 1];
		f = &ds->form[ds->n - 1];
		for (int i = 0; i < 4; i++)
			v4[i] = rd8(r);
		*f = 0;
		switch (form % 8) {
		case 0: /* IPv6 from bytes */
			d->ip.family = 6;
			for (int i = 0; i < 16; i++)
				d->ip.a[i] = rd8(r);
			break;
		case 1: /* unspecified, in several forms */
			memset(v4 + 1, 0, 3);
			v4[0] = 0;
			if (form & 0x40)
				v4[3] = rd8(r); /* 0.0.0.x: 0.0.0.0/8 */
			*f = form & 0x80 ? 0 : 1 + (form >> 3) % 11;
			v4_form(r, v4, *f, &d->ip);
			if ((form & 0x30) == 0x30) {
				*f = 0;
				memset(&d->ip, 0, sizeof(d->ip));
				d->ip.family = 6; /* :: */
			}
			break;
		case 2: /* loopback */
			v4[0] = 127;
			*f = (form >> 3) % 12;
			v4_form(r, v4, *f, &d->ip);
			if ((form & 0x30) == 0x30) {
				*f = 0;
				memset(&d->ip, 0, sizeof(d->ip));
				d->ip.family = 6;
				d->ip.a[15] = 1; /* ::1 */
			}
			break;
		default:
			*f = (form >> 3) % 12;
			v4_form(r, v4, *f, &d->ip);
			break;
		}
		d->port = port_near(r, m, NULL);
		d->proto = pick_proto(r, NJ_PROTO_ANY);
	}
	/* this host's addresses and nameservers (the dynamic presets) */
	if (m->sys->nself + m->sys->nresolvers > 0) {
		struct nj_dest *d = dest_new(ds, NJ_DEST_IP);
		size_t k = rd8(r) % (m->sys->nself + m->sys->nresolvers);

		if (d == NULL)
			return;
		ds->form[ds->n - 1] = addr_near(r,
		    k < m->sys->nself ? &m->sys->self[k] : &m->sys->resolvers[k - m->sys->nself],
		    &d->ip, ds->v4[ds->n - 1]);
		d->port = rd8(r) & 1 ? 53 : port_near(r, m, NULL);
		d->proto = pick_proto(r, NJ_PROTO_ANY);
	}
}

/* A path near rule ru's, into out[PATHMAX]; returns its length. */
static size_t
path_near(struct rd *r, const struct mrule *ru, char *out, int *abstract)
{
	size_t n = ru->plen;
	unsigned b = rd8(r);

	memcpy(out, ru->path, n);
	*abstract = ru->abstract;
	switch (b % 6) {
	case 0: break;
	case 1: /* longer */
		for (unsigned k = 1 + rd8(r) % 3; k > 0; k--) {
			char c = (char)rd8(r);

			out[n++] = c ? c : '/';
		}
		break;
	case 2: /* shorter */
		if (n > 0)
			n -= 1 + rd8(r) % n;
		break;
	case 3: /* one byte changed */
		if (n > 0) {
			size_t at = rd8(r) % n;
			char c = (char)(out[at] ^ (1 + rd8(r) % 255));

			out[at] = c ? c : 'x';
		}
		break;
	case 4: *abstract = !*abstract; break;
	default: /* the glob's literal star */ out[n++] = '*'; break;
	}
	return n;
}

static void
dests_other(struct rd *r, struct model *m, struct dests *ds)
{
	size_t nu = 0, nf = 0;

	for (size_t j = 0; j < m->n && ds->npath < 8; j++) {
		const struct mrule *ru = &m->rule[m->n <= 8 ? j : rd16(r) % m->n];
		struct nj_dest *d;
		char *p;

		if (ru->kind == K_UNIX && nu < 5) {
			if ((d = dest_new(ds, NJ_DEST_UNIX)) == NULL)
				return;
			p = ds->path[ds->npath++];
			d->pathlen = path_near(r, ru, p, &d->abstract);
			d->path = p;
			nu++;
		} else if (ru->kind == K_FAMILY && nf < 3) {
			if ((d = dest_new(ds, NJ_DEST_FAMILY)) == NULL)
				return;
			d->family = rd8(r) & 7 ? ru->family : ru->family + 1;
			nf++;
		} else if (ru->kind == K_EXEC && ds->nexec < 4) {
			int abstract;
			size_t n = path_near(r, ru, ds->exec[ds->nexec], &abstract);

			if (n > 0 && memchr(ds->exec[ds->nexec], 0, n) == NULL) {
				ds->exec[ds->nexec][n] = '\0';
				ds->nexec++;
			}
		}
	}
	/* from the bytes: a unix path (or none, or the empty abstract name) and a family */
	{
		struct nj_dest *d = dest_new(ds, NJ_DEST_UNIX);
		unsigned b = rd8(r);

		if (d == NULL || ds->npath == 8)
			return;
		d->path = ds->path[ds->npath++];
		d->abstract = b & 1;
		if (b & 2) {
			char *p = ds->path[ds->npath - 1];
			size_t n = rd8(r) % 8;

			p[0] = '/';
			for (size_t i = 1; i <= n; i++)
				p[i] = (char)rd8(r);
			d->pathlen = n + 1;
		}
	}
	{
		struct nj_dest *d = dest_new(ds, NJ_DEST_FAMILY);

		if (d != NULL)
			d->family = rd8(r) % 64;
	}
}

/* ---- the checks ---- */

struct ctx {
	struct model m;
	const struct nj_rules *r; /* the input, parsed with sys */
	const struct nj_rules *r2; /* its normalised text, parsed */
	const struct nj_rules *rm; /* parsed without sys, compiled, mapped with sys */
	uint32_t *out; /* nj_matches */
	uint32_t *want;
	size_t nout;
	int suggested;
};

static void
check_verdict_shape(struct ctx *c, const struct nj_rules *r, const struct nj_verdict *v, int a)
{
	CHECK(v->allow == a, "verdict.allow %d vs return %d", v->allow, a);
	CHECK(a == 0 || a == 1, "nj_decide returned %d", a);
	if (a)
		CHECK(v->rule == NJ_NORULE, "allowed, yet verdict names rule %u", v->rule);
	else
		CHECK(v->rule == NJ_NORULE ||
		        (v->rule < nj_rules_count(r) && nj_rule_action(r, v->rule) == NJ_BLOCK),
		    "denied by rule %u, which is not a block rule (%zu rules)", v->rule, c->m.n);
}

static void
same_verdict(const struct nj_verdict *x, const struct nj_verdict *y, const char *what)
{
	CHECK(x->allow == y->allow && x->rule == y->rule && x->naddr == y->naddr &&
	        ip_eq(&x->addr, &y->addr),
	    "%s: verdicts differ: allow %d/%d rule %u/%u naddr %d/%d", what, x->allow, y->allow,
	    x->rule, y->rule, x->naddr, y->naddr);
}

/* nj_matches(d, a) against the model; returns 1 when a listed rule is a block rule that
 * decides regardless of port. */
static int
check_matches(struct ctx *c, const struct nj_dest *d, const struct nj_ip *a)
{
	struct model *m = &c->m;
	int ip = d->kind == NJ_DEST_IP;
	size_t got = nj_matches(c->r, d, a, c->out, c->nout), nw = 0;
	int block = 0;

	memo_reset(m);
	for (size_t i = 0; i < m->n; i++)
		if (ip ? model_match_ip(m, i, d, a, d->port) : model_match_other(m, i, d))
			c->want[nw++] = (uint32_t)i;
	CHECK(got == nw, "nj_matches found %zu rules, the model %zu", got, nw);
	for (size_t k = 0; k < nw; k++) {
		const struct mrule *ru = &m->rule[c->out[k]];

		CHECK(c->out[k] == c->want[k], "nj_matches[%zu] = rule %u, the model says %u", k,
		    c->out[k], c->want[k]);
		if (ru->action == NJ_BLOCK &&
		    (d->kind != NJ_DEST_IP || d->port != NJ_PORT_ANY || ru->nports == 0))
			block = 1;
	}
	if (nw > 0) { /* a short out[] holds the start of the answer */
		uint32_t two[2];
		size_t g2 = nj_matches(c->r, d, a, two, 1 + (nw & 1));

		CHECK(g2 == nw, "nj_matches with max %zu: %zu, not %zu", (size_t)(1 + (nw & 1)), g2,
		    nw);
		for (size_t k = 0; k < 1 + (nw & 1) && k < nw; k++)
			CHECK(two[k] == c->want[k], "short nj_matches[%zu] = %u, not %u", k, two[k],
			    c->want[k]);
	}
	return block;
}

static void
check_suggest(struct ctx *c, const struct nj_dest *d, const struct nj_verdict *v)
{
	char buf[256], fmt[256];
	struct nj_ip one[NJ_MAX_EXPAND];
	struct nj_rules *s = NULL;
	struct nj_dest d1 = *d;
	size_t n;

	if (c->suggested >= 2 || nj_ip_expand(&v->addr, one) != 1)
		return;
	c->suggested++;
	n = nj_suggest_allow(d, &v->addr, buf, sizeof(buf));
	CHECK(n < sizeof(buf) && strlen(buf) == n, "nj_suggest_allow length %zu", n);
	CHECK(nj_rules_parse(buf, n, "suggest", NULL, &s, NULL) == 0,
	    "the suggested rule \"%s\" does not parse", buf);
	CHECK(nj_rules_count(s) == 1, "the suggestion \"%s\" is %zu rules", buf, nj_rules_count(s));
	nj_rule_format(s, 0, fmt, sizeof(fmt));
	CHECK(strcmp(fmt, buf) == 0, "the suggestion \"%s\" normalises to \"%s\"", buf, fmt);
	d1.ip = v->addr;
	CHECK(nj_decide(s, &d1, NULL) == 1, "the suggestion \"%s\" does not allow it", buf);
	nj_rules_free(s);
}

static int
has(const struct nj_ip *addrs, int n, int family, const uint8_t *a)
{
	struct nj_ip x;

	memset(&x, 0, sizeof(x));
	x.family = (uint8_t)family;
	memcpy(x.a, a, family == 4 ? 4 : 16);
	for (int i = 0; i < n; i++)
		if (ip_eq(&addrs[i], &x))
			return 1;
	return 0;
}

/* What the destination must stand for, from how it was built (rules.h, nj_ip_expand): the
 * IPv4 address embedded in it, loopback for every unspecified address (:: both loopbacks). */
static void
check_expand(const struct nj_ip *addrs, int n, unsigned form, const uint8_t v4[4])
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 }, zero4[4] = { 0 }, one4[4] = { 0, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 }, zero6[16] = { 0 };

	for (int i = 0; i < n; i++) {
		if (addrs[i].family == 4 && addrs[i].a[0] == 0)
			CHECK(has(addrs, n, 4, lo4), "an address in 0.0.0.0/8, without 127.0.0.1");
		if (addrs[i].family == 6 && memcmp(addrs[i].a, zero6, 16) == 0)
			CHECK(has(addrs, n, 6, lo6) && has(addrs, n, 4, lo4),
			    ":: without ::1 and 127.0.0.1");
	}
	if (form == 0 || (form == 10 && (!memcmp(v4, zero4, 4) || !memcmp(v4, one4, 4))))
		return;
	CHECK(has(addrs, n, 4, v4),
	    "form %u: the embedded %u.%u.%u.%u is not among the %d "
	    "addresses",
	    form, v4[0], v4[1], v4[2], v4[3], n);
	if (form == 1) /* v4-mapped: the IPv4 address only */
		CHECK(n == 1 + (v4[0] == 0), "v4-mapped: %d addresses", n);
}

static void
check_ip(struct ctx *c, const struct nj_dest *d, unsigned form, const uint8_t v4[4])
{
	struct model *m = &c->m;
	struct nj_ip addrs[NJ_MAX_EXPAND];
	struct nj_verdict v, v2, vm;
	int a, n, expect, block = 0, inset = 0;

	cur_dest = d;
	a = nj_decide(c->r, d, &v);
	check_verdict_shape(c, c->r, &v, a);
	n = nj_ip_expand(&d->ip, addrs);
	CHECK(n >= 1 && n <= NJ_MAX_EXPAND, "nj_ip_expand gave %d", n);
	CHECK(v.naddr == n, "verdict.naddr %d, nj_ip_expand %d", v.naddr, n);
	if (is_mapped(&d->ip))
		CHECK(addrs[0].family == 4 && memcmp(addrs[0].a, d->ip.a + 12, 4) == 0,
		    "a v4-mapped address expands first to its IPv4 address");
	else
		CHECK(ip_eq(&addrs[0], &d->ip), "nj_ip_expand's first address is not itself");
	for (int i = 0; i < n; i++) {
		CHECK(addrs[i].family == 4 || addrs[i].family == 6, "expand: family %d",
		    addrs[i].family);
		CHECK(addrs[i].family == 6 || !addrs[i].a[4], "expand: IPv4 with bytes past 4");
		CHECK(!is_mapped(&addrs[i]), "expand gave a v4-mapped address");
		for (int k = 0; k < i; k++)
			CHECK(!ip_eq(&addrs[i], &addrs[k]), "expand gave a duplicate");
		inset |= ip_eq(&addrs[i], &v.addr);
	}
	if (!a)
		CHECK(inset, "denied at an address the destination does not stand for");
	check_expand(addrs, n, form, v4);

	/* block never loses, and nj_matches is the model's list */
	for (int i = 0; i < n; i++)
		block |= check_matches(c, d, &addrs[i]);
	if (block)
		CHECK(!a, "allowed although a block rule matches");

	/* the model */
	if (d->port != NJ_PORT_ANY) {
		expect = model_ip(m, d, addrs, n, d->port);
		CHECK(a == expect, "nj_decide %d, the model %d", a, expect);
		if (!a) {
			memo_reset(m);
			if (v.rule != NJ_NORULE)
				CHECK(model_match_ip(m, v.rule, d, &v.addr, d->port),
				    "the verdict's rule %u does not match its address", v.rule);
			else
				for (size_t i = 0; i < m->n; i++)
					CHECK(!model_match_ip(m, i, d, &v.addr, d->port),
					    "denied for want of an allow rule, yet rule %zu matches",
					    i);
		}
	} else {
		/* port unknown: allowed exactly when some port is */
		struct nj_dest dp = *d;
		int some = 0;

		for (size_t k = 0; k < m->ncand && !some; k++) {
			dp.port = m->cand[k];
			some = nj_decide(c->r, &dp, NULL);
		}
		if (m->cand_all)
			CHECK(a == some, "port unknown: nj_decide %d, yet some port allowed: %d", a,
			    some);
		else if (some)
			CHECK(a, "port unknown: denied, yet some port is allowed");
		if (m->cand_all && m->ncand * m->n * (size_t)n <= 40000) {
			expect = 0;
			for (size_t k = 0; k < m->ncand && !expect; k++)
				expect = model_ip(m, d, addrs, n, m->cand[k]);
			CHECK(a == expect, "port unknown: nj_decide %d, the model %d", a, expect);
		}
	}

	/* normalised text, compiled form */
	same_verdict(&v, (nj_decide(c->r2, d, &v2), &v2), "normalised text");
	if (c->rm) {
		int am = nj_decide(c->rm, d, &vm);

		check_verdict_shape(c, c->rm, &vm, am);
		CHECK(am == a, "compiled policy decides %d, parsed %d", am, a);
		CHECK(vm.naddr == n, "compiled policy: naddr %d", vm.naddr);
	}

	/* no rule names tcp or udp: the proto cannot matter */
	if (!nj_rules_use_proto(c->r)) {
		struct nj_dest dp = *d;

		for (int p = NJ_PROTO_TCP; p <= NJ_PROTO_OTHER; p++) {
			dp.proto = p;
			CHECK(nj_decide(c->r, &dp, NULL) == a,
			    "use_proto 0, yet proto %d decides "
			    "otherwise",
			    p);
		}
	}
	if (!a && v.rule == NJ_NORULE)
		check_suggest(c, d, &v);
	cur_dest = NULL;
}

static void
check_other(struct ctx *c, const struct nj_dest *d)
{
	struct nj_verdict v, v2, vm;
	int a, block, expect;

	cur_dest = d;
	a = nj_decide(c->r, d, &v);
	check_verdict_shape(c, c->r, &v, a);
	expect = model_other(&c->m, d);
	CHECK(a == expect, "nj_decide %d, the model %d", a, expect);
	if (!a && v.rule != NJ_NORULE)
		CHECK(model_match_other(&c->m, v.rule, d), "the verdict's rule %u does not match",
		    v.rule);
	block = check_matches(c, d, &d->ip);
	if (block)
		CHECK(!a, "allowed although a block rule matches");
	same_verdict(&v, (nj_decide(c->r2, d, &v2), &v2), "normalised text");
	if (c->rm) {
		int am = nj_decide(c->rm, d, &vm);

		check_verdict_shape(c, c->rm, &vm, am);
		CHECK(am == a, "compiled policy decides %d, parsed %d", am, a);
	}
	cur_dest = NULL;
}

static void
check_exec(struct ctx *c, const char *path)
{
	int a = nj_exec_allowed(c->r, path), expect = model_exec(&c->m, path);

	CHECK(a == expect, "nj_exec_allowed(\"%s\") %d, the model %d", path, a, expect);
	CHECK(nj_exec_allowed(c->r2, path) == a, "normalised text: exec \"%s\"", path);
	if (c->rm)
		CHECK(nj_exec_allowed(c->rm, path) == a, "compiled policy: exec \"%s\"", path);
}

/* Every diagnostic well formed: a place inside the text (or just past a line's end). */
static void
check_diags(const struct nj_diags *dg, const uint8_t *data, size_t size)
{
	size_t nlines = 1, k = 0;

	CHECK(dg->n <= dg->max || dg->max == 0, "diags: %zu kept, max %zu", dg->n, dg->max);
	CHECK(dg->n + dg->dropped == dg->nerr + dg->nwarn, "diags: counts disagree");
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	for (size_t i = 0; i < dg->n; i++) {
		const struct nj_diag *g = &dg->v[i];

		CHECK(memchr(g->msg, '\0', sizeof(g->msg)) != NULL, "diag message unterminated");
		CHECK(g->msg[0] != '\0', "empty diag message");
		if (g->line == 0)
			continue;
		CHECK(g->line <= nlines, "diag on line %u of %zu", g->line, nlines);
		if (g->col) {
			size_t pos = 0, len;
			uint32_t l = 1;

			for (; pos < size && l < g->line; pos++)
				l += data[pos] == '\n';
			for (len = 0; pos + len < size && data[pos + len] != '\n'; len++)
				;
			CHECK(g->col <= len + 1 || (len > NJ_MAX_LINE && g->col == NJ_MAX_LINE + 1),
			    "diag at %u:%u, the line has %zu bytes: %s", g->line, g->col, len,
			    g->msg);
		}
		k++;
	}
}

/* ---- the target ---- */

static int memfd = -1;
static char mempath[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	memfd = memfd_create("fuzz_rules", MFD_CLOEXEC);
	if (memfd >= 0) {
		snprintf(mempath, sizeof(mempath), "/proc/self/fd/%d", memfd);
		if (access(mempath, R_OK) != 0) {
			close(memfd);
			memfd = -1;
		}
	}
	return 0;
}

static void
sys_push(struct nj_prefix **v, size_t *n, const struct nj_ip *ip)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].ip = *ip;
	(*v)[*n].len = ip->family == 4 ? 32 : 128;
	(*n)++;
}

/* The compiled form of the rules, parsed without sys, mapped back with sys; or NULL. */
static struct nj_rules *
compiled(const uint8_t *data, size_t size, const struct nj_sys *sys, const struct nj_rules *r,
    const struct model *m)
{
	struct nj_rules *r0 = NULL, *rm = NULL;
	struct nj_diags dg;
	char x[8192], y[8192];
	int rc;

	if (memfd < 0)
		return NULL;
	if (ftruncate(memfd, 0) != 0 || lseek(memfd, 0, SEEK_SET) != 0)
		abort();
	if (m->uses_dynamic) {
		/* this machine's @self/@resolvers inside: not portable, so parse without sys */
		CHECK(nj_rules_compile(r, memfd) == -EINVAL,
		    "nj_rules_compile of a rule set with this machine's addresses in it");
		rc = nj_rules_parse((const char *)data, size, "fuzz", NULL, &r0, NULL);
		CHECK(rc == 0, "parses with sys, not without (%d)", rc);
	}
	CHECK(nj_rules_compile(r0 ? r0 : r, memfd) == 0, "nj_rules_compile failed");
	memset(&dg, 0, sizeof(dg));
	rc = nj_rules_load(mempath, sys, &rm, &dg);
	CHECK(rc == 0, "the compiled policy does not load: %s", dg.n ? dg.v[0].msg : "?");
	nj_diags_free(&dg);
	CHECK(nj_rules_count(rm) == m->n, "compiled: %zu rules, not %zu", nj_rules_count(rm), m->n);
	CHECK(nj_rules_use_proto(rm) == nj_rules_use_proto(r), "compiled: use_proto");
	for (uint32_t i = 0; i < m->n; i++) {
		nj_rule_format(r, i, x, sizeof(x));
		nj_rule_format(rm, i, y, sizeof(y));
		CHECK(strcmp(x, y) == 0, "compiled rule %u: \"%s\", not \"%s\"", i, y, x);
		CHECK(nj_rule_line(rm, i) == nj_rule_line(r, i), "compiled: line of rule %u", i);
	}
	nj_rules_free(r0);
	return rm;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dests ds;
	struct nj_sys sys;
	struct nj_diags dg;
	struct nj_rules *r = NULL, *r2 = NULL, *rm = NULL;
	struct ctx c;
	struct rd rdr;
	char line[8192], small[8];
	uint32_t lastline = 0;
	int rc;

	memset(&rdr, 0, sizeof(rdr));
	rdr.d = data;
	rdr.n = size;
	rdr.h = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < size; i++)
		rdr.h = (rdr.h ^ data[i]) * 1099511628211ull;
	rdr.h |= 1;

	/* the input as resolv.conf; then a few addresses of "this host" from its bytes */
	memset(&sys, 0, sizeof(sys));
	CHECK(nj_resolvconf_parse((const char *)data, size, &sys) == 0, "resolvconf");
	for (size_t i = 0; i < sys.nresolvers; i++) {
		const struct nj_prefix *p = &sys.resolvers[i];

		CHECK((p->ip.family == 4 && p->len == 32 && !p->ip.a[4]) ||
		        (p->ip.family == 6 && p->len == 128 && !is_mapped(&p->ip)),
		    "resolvconf: a bad nameserver prefix");
	}
	for (int k = 0; k < 3; k++) {
		struct nj_ip ip;
		unsigned b = rd8(&rdr);

		memset(&ip, 0, sizeof(ip));
		ip.family = b & 1 ? 4 : 6;
		for (int i = 0; i < (ip.family == 4 ? 4 : 16); i++)
			ip.a[i] = rd8(&rdr);
		if (ip.family == 6 && is_mapped(&ip))
			ip.a[10] = 0;
		if (k < 2)
			sys_push(&sys.self, &sys.nself, &ip);
		else
			sys_push(&sys.resolvers, &sys.nresolvers, &ip);
	}

	memset(&dg, 0, sizeof(dg));
	dg.max = 8;
	rc = nj_rules_parse((const char *)data, size, "fuzz", &sys, &r, &dg);
	CHECK(rc == 0 || rc == -EINVAL, "nj_rules_parse returned %d", rc);
	check_diags(&dg, data, size);
	if (rc != 0) {
		CHECK(r == NULL && dg.nerr > 0, "failed without an error");
		nj_diags_free(&dg);
		nj_sys_free(&sys);
		return 0;
	}
	CHECK(r != NULL && dg.nerr == 0, "parsed with errors");
	nj_diags_free(&dg);

	/* lint: warnings only, well formed */
	memset(&dg, 0, sizeof(dg));
	dg.max = 4;
	CHECK(nj_rules_lint(r, &dg) == 0, "lint");
	CHECK(dg.nerr == 0, "lint reported an error");
	check_diags(&dg, data, size);
	nj_diags_free(&dg);

	/* the normalised text, and the model read back from it */
	memset(&c, 0, sizeof(c));
	c.m.sys = &sys;
	c.m.n = nj_rules_count(r);
	c.m.rule = xrealloc(NULL, c.m.n * sizeof(*c.m.rule));
	for (uint32_t i = 0; i < c.m.n; i++) {
		size_t n = nj_rule_format(r, i, line, sizeof(line));

		CHECK(n < sizeof(line) && strlen(line) == n, "nj_rule_format length %zu", n);
		CHECK(n <= NJ_MAX_LINE, "normalised rule longer than a line may be: %zu", n);
		if (i < 4) {
			size_t k = nj_rule_format(r, i, small, sizeof(small));

			CHECK(k == n && strlen(small) == (n < 7 ? n : 7) &&
			        memcmp(small, line, strlen(small)) == 0,
			    "nj_rule_format truncated");
		}
		CHECK(nj_rule_line(r, i) > lastline, "rule lines out of order");
		lastline = nj_rule_line(r, i);
		if (c.m.len + n + 1 > c.m.cap) {
			c.m.cap = 2 * (c.m.len + n + 1);
			c.m.text = xrealloc(c.m.text, c.m.cap);
		}
		memcpy(c.m.text + c.m.len, line, n);
		c.m.text[c.m.len + n] = '\n';
		c.m.len += n + 1;
	}
	for (size_t i = 0, pos = 0; i < c.m.n; i++) {
		const char *s = c.m.text + pos, *nl = memchr(s, '\n', c.m.len - pos);

		model_rule(&c.m, s, (size_t)(nl - s), &c.m.rule[i]);
		CHECK(c.m.rule[i].action == nj_rule_action(r, (uint32_t)i), "rule %zu's action", i);
		pos += (size_t)(nl - s) + 1;
	}
	CHECK(nj_rules_use_proto(r) == c.m.use_proto, "nj_rules_use_proto %d",
	    nj_rules_use_proto(r));
	model_candidates(&c.m);

	/* which parses again to the same rules */
	memset(&dg, 0, sizeof(dg));
	dg.max = 1;
	rc = nj_rules_parse(c.m.text, c.m.len, "normalised", &sys, &r2, &dg);
	CHECK(rc == 0, "the normalised text does not parse: %u:%u: %s", dg.n ? dg.v[0].line : 0,
	    dg.n ? dg.v[0].col : 0, dg.n ? dg.v[0].msg : "");
	nj_diags_free(&dg);
	CHECK(nj_rules_count(r2) == c.m.n, "normalised: %zu rules, not %zu", nj_rules_count(r2),
	    c.m.n);
	for (uint32_t i = 0, pos = 0; i < c.m.n; i++) {
		size_t n = nj_rule_format(r2, i, line, sizeof(line));
		const char *s = c.m.text + pos;

		CHECK(n < sizeof(line) && memcmp(line, s, n) == 0 && s[n] == '\n',
		    "normalising twice: \"%s\" then \"%.*s\"", line, (int)n, s);
		CHECK(nj_rule_line(r2, i) == i + 1, "normalised: line of rule %u", i);
		pos += (uint32_t)n + 1;
	}

	/* the compiled form costs system calls: one input in four */
	if ((rdr.h >> 40) % 4 == 0)
		rm = compiled(data, size, &sys, r, &c.m);

	/* the decisions */
	c.r = r, c.r2 = r2, c.rm = rm;
	c.nout = c.m.n ? c.m.n : 1;
	c.out = xrealloc(NULL, c.nout * sizeof(*c.out));
	c.want = xrealloc(NULL, c.nout * sizeof(*c.want));
	ds.n = ds.npath = ds.nexec = 0;
	dests_ip(&rdr, &c.m, &ds);
	dests_other(&rdr, &c.m, &ds);
	for (size_t i = 0; i < ds.n; i++) {
		if (ds.d[i].kind == NJ_DEST_IP)
			check_ip(&c, &ds.d[i], ds.form[i], ds.v4[i]);
		else
			check_other(&c, &ds.d[i]);
	}
	for (size_t i = 0; i < ds.nexec; i++)
		check_exec(&c, ds.exec[i]);

	free(c.out);
	free(c.want);
	model_free(&c.m);
	nj_rules_free(rm);
	nj_rules_free(r2);
	nj_rules_free(r);
	nj_sys_free(&sys);
	return 0;
}
