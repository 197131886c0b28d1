/* match.c - the decision.
 *
 *     allowed(d) = for every address a that d stands for (nj_ip_expand):
 *                      (some allow rule matches a) and (no block rule matches a)
 *
 * Order of rules does not matter and block always wins, even over a narrower allow.  This is
 * the only place the formula is written.  Everything here is async-signal-safe: no
 * allocation, no locks, no stdio; the rule set is only read.
 */
#include <string.h>

#include "engine/internal.h"

/* The last node starting at or below the key, or NJ_NONE: the bucket index narrows the range
 * [lo, hi), a branchless binary search finishes.  T is the key type (uint32_t for IPv4,
 * nj_u128 for IPv6); h is the word the index reads, of type H (see struct nj_table).  The
 * bounds are clamped so that even a damaged table is not read past its end. */
#define FIND(T, keys, k, H, h, t, ret)                                                       \
	do {                                                                                 \
		size_t lo_ = 0, hi_ = (t)->nnode, n_, base_;                                 \
		if ((t)->idx) {                                                              \
			size_t b_;                                                           \
			if ((t)->cp) {                                                       \
				H top_ = (H)((h) >> (t)->sh_top);                            \
				if (top_ != (H)(t)->prefix) {                                \
					/* below every start but 0, or above all */          \
					(ret) = top_ < (H)(t)->prefix ? (t)->below :         \
					                                (uint32_t)(hi_ - 1); \
					break;                                               \
				}                                                            \
			}                                                                    \
			b_ = (size_t)((h) >> (t)->sh_b) & (t)->mask;                         \
			hi_ = (t)->idx[b_ + 1] < hi_ ? (t)->idx[b_ + 1] : hi_;               \
			lo_ = (t)->idx[b_] < hi_ ? (t)->idx[b_] : hi_;                       \
		}                                                                            \
		if (lo_ == hi_) {                                                            \
			(ret) = (uint32_t)lo_ - 1; /* NJ_NONE when lo_ is 0 */               \
			break;                                                               \
		}                                                                            \
		base_ = lo_, n_ = hi_ - lo_;                                                 \
		while (n_ > 1) {                                                             \
			size_t half_ = n_ / 2;                                               \
			base_ = (keys)[base_ + half_] <= (k) ? base_ + half_ : base_;        \
			n_ -= half_;                                                         \
		}                                                                            \
		(ret) = (keys)[base_] <= (k) ? (uint32_t)base_ : (uint32_t)base_ - 1;        \
	} while (0)

/* Does node n hold the address with key k (of bits bits)?  The shift counts are cut to the
 * word, so that a damaged length gives a wrong answer, never an undefined one. */
static inline __attribute__((always_inline)) int
holds(const struct nj_table *t, uint32_t n, nj_u128 k, unsigned bits)
{
	unsigned len = t->len[n];
	uint64_t x;

	if (bits == 32) /* in a 64-bit word, where a shift by 32 (length 0) is defined */
		return ((uint64_t)((uint32_t)k ^ t->start4[n]) >> ((32 - len) & 63)) == 0;
	if (len == 0)
		return 1;
	x = (uint64_t)(k >> 64) ^ (uint64_t)(t->start6[n] >> 64);
	if (len <= 64) /* the high words alone */
		return (x >> (64 - len)) == 0;
	return x == 0 && (((uint64_t)k ^ (uint64_t)t->start6[n]) >> ((128 - len) & 63)) == 0;
}

/* From node n (the last starting at or below k) up to the first that holds k, or NJ_NONE.
 * Inline with a constant bits, so that each family's test is its own. */
static inline __attribute__((always_inline)) uint32_t
climb(const struct nj_table *t, uint32_t n, nj_u128 k, unsigned bits)
{
	while (n != NJ_NONE && !holds(t, n, k, bits))
		n = nj_node_up(t, n);
	return n;
}

/* The innermost node holding ip, or NJ_NONE (see internal.h). */
static inline __attribute__((always_inline)) uint32_t
table_find(const struct nj_table *t, const struct nj_ip *ip)
{
	uint32_t n;

	if (t->nnode == 0)
		return NJ_NONE;
	if (ip->family == 4) {
		uint32_t k;

		__builtin_memcpy(&k, ip->a, 4);
		k = __builtin_bswap32(k);
		FIND(uint32_t, t->start4, k, uint32_t, k, t, n);
		return climb(t, n, k, 32);
	} else if (t->hb == 64) {
		nj_u128 k = nj_ip_key(ip);
		uint64_t hi = (uint64_t)(k >> 64);

		FIND(nj_u128, t->start6, k, uint64_t, hi, t, n);
		return climb(t, n, k, 128);
	} else {
		nj_u128 k = nj_ip_key(ip);

		FIND(nj_u128, t->start6, k, nj_u128, k, t, n);
		return climb(t, n, k, 128);
	}
}

uint32_t
nj_table_find(const struct nj_table *t, const struct nj_ip *ip)
{
	return table_find(t, ip);
}

/* What rule i says of proto and port: -1 blocks, 1 allows, 0 does not match. */
static inline __attribute__((always_inline)) int
rule_says(const struct nj_rules *r, uint32_t i, int proto, int port)
{
	const struct nj_rule *ru;

	if (i >= r->nrules)
		return 0;
	ru = &r->rule[i];
	if (!nj_rule_matches_port(r, ru, proto, port))
		return 0;
	return ru->action == NJ_BLOCK ? -1 : 1;
}

/* The rules of one table that cover ip: -1 a block rule matched (in *ret_rule), 1 an allow
 * rule did and no block, 0 none.  A node of one rule holds it in its word (most do): no
 * list, nothing on the stack. */
static inline __attribute__((always_inline)) int
walk(const struct nj_rules *r, const struct nj_table *t, const struct nj_ip *ip, int proto,
    int port, uint32_t *ret_rule)
{
	int allowed = 0;

	for (uint32_t n = table_find(t, ip); n != NJ_NONE; n = nj_node_up(t, n)) {
		uint32_t x = t->rules[n], c;
		const uint32_t *list;
		int v;

		if (x & NJ_ONE) {
			if ((v = rule_says(r, x & ~NJ_ONE, proto, port)) < 0) {
				*ret_rule = x & ~NJ_ONE;
				return -1;
			}
			allowed |= v;
			continue;
		}
		c = nj_node_list(t, x, &list);
		for (uint32_t k = 0; k < c; k++) {
			if ((v = rule_says(r, list[k], proto, port)) < 0) {
				*ret_rule = list[k];
				return -1;
			}
			allowed |= v;
		}
	}
	return allowed;
}

/* One address, one port: 1 allowed, 0 denied (with the block rule in *ret_rule, or
 * NJ_NORULE when no allow rule matched).  Inline: it is the whole of the common case.  A
 * compiled policy keeps its dynamic presets' rules in tables of their own (t4d, t6d): the
 * formula then runs over both. */
static inline __attribute__((always_inline)) int
decide_addr(const struct nj_rules *r, const struct nj_ip *ip, int proto, int port,
    uint32_t *ret_rule)
{
	int four = ip->family == 4;
	int a = walk(r, four ? &r->t4 : &r->t6, ip, proto, port, ret_rule);
	const struct nj_table *dyn = four ? &r->t4d : &r->t6d;

	if (a < 0)
		return 0;
	if (__builtin_expect(dyn->nnode != 0, 0)) {
		int b = walk(r, dyn, ip, proto, port, ret_rule);

		if (b < 0)
			return 0;
		a |= b;
	}
	*ret_rule = NJ_NORULE;
	return a;
}

/* Is port allowed at every one of addrs[0..n)?  If not, *ret_bad is the first address
 * denied and *ret_rule its block rule (or NJ_NORULE). */
static int
all_allowed(const struct nj_rules *r, const struct nj_ip *addrs, int n, int proto, int port,
    uint32_t *ret_rule, int *ret_bad)
{
	for (int i = 0; i < n; i++) {
		if (!decide_addr(r, &addrs[i], proto, port, ret_rule)) {
			*ret_bad = i;
			return 0;
		}
	}
	return 1;
}

/* decide_addr_anyport() over the rules of one table: 1 when a candidate port works. */
static int
anyport_table(const struct nj_rules *r, const struct nj_table *t, const struct nj_ip *ip,
    const struct nj_ip *addrs, int naddr, int proto, uint32_t *rule, int *ret_bad)
{
	for (uint32_t n = nj_table_find(t, ip); n != NJ_NONE; n = nj_node_up(t, n)) {
		const uint32_t *list;
		uint32_t one, c = nj_node_rules(t, n, &list, &one);

		for (uint32_t i = 0; i < c; i++) {
			const struct nj_rule *ru;

			if (list[i] >= r->nrules)
				continue;
			ru = &r->rule[list[i]];
			if (ru->proto != NJ_PROTO_ANY && ru->proto != proto)
				continue;
			if (ru->ports_off > r->nports || ru->ports_n > r->nports - ru->ports_off)
				continue;
			if (ru->ports_n == 0) {
				if (all_allowed(r, addrs, naddr, proto, 1, rule, ret_bad))
					return 1;
				continue;
			}
			for (uint32_t k = 0; k < ru->ports_n; k++) {
				const struct nj_portrange *pr = &r->ports[ru->ports_off + k];
				int cand[2], nc = 0;

				if (ru->action == NJ_ALLOW) {
					cand[nc++] = pr->lo;
				} else {
					if (pr->hi < 65535)
						cand[nc++] = pr->hi + 1;
					if (pr->lo > 1)
						cand[nc++] = pr->lo - 1;
				}
				for (int ci = 0; ci < nc; ci++)
					if (all_allowed(r, addrs, naddr, proto, cand[ci], rule,
					        ret_bad))
						return 1;
			}
		}
	}
	return 0;
}

/* Port unknown (a resolver answer with port 0): allowed when some port p is allowed at every
 * one of addrs[0..n) (one connection uses one port).  The ports allowed at one address are a
 * union of allow ranges minus a union of block ranges, so the smallest port allowed at all of
 * them, if there is one, is the low end of an allow range or one past the high end of a block
 * range at one of them (its p - 1 is denied somewhere).  This tries the candidates that the
 * rules covering ip (one of addrs) offer; the caller tries each address's.  When none is
 * allowed, *ret_rule and *ret_bad describe the last candidate tried. */
static int
decide_addr_anyport(const struct nj_rules *r, const struct nj_ip *ip, const struct nj_ip *addrs,
    int naddr, int proto, uint32_t *ret_rule, int *ret_bad)
{
	int four = ip->family == 4;
	uint32_t rule = NJ_NORULE;

	if (anyport_table(r, four ? &r->t4 : &r->t6, ip, addrs, naddr, proto, &rule, ret_bad) ||
	    anyport_table(r, four ? &r->t4d : &r->t6d, ip, addrs, naddr, proto, &rule, ret_bad))
		return *ret_rule = NJ_NORULE, 1;
	*ret_rule = rule;
	return 0;
}

static int
path_matches(const struct nj_rules *r, const struct nj_rule *ru, const char *path, size_t n,
    int abstract)
{
	size_t rn;
	const char *rp = nj_rule_path(r, ru, &rn);

	if (!(ru->flags & NJ_RF_ABSTRACT) != !abstract)
		return 0;
	if (ru->flags & NJ_RF_GLOB)
		return n >= rn && memcmp(path, rp, rn) == 0;
	return n == rn && memcmp(path, rp, rn) == 0;
}

/* unix and family destinations: the same formula over the (short) list of such rules.  A
 * netlink message to the kernel itself reaches no service, on this host or beyond: it is
 * allowed by any valid rule set unless a block rule names netlink (docs/design.md). */
static int
decide_other(const struct nj_rules *r, const struct nj_dest *d, uint32_t *ret_rule)
{
	int allowed = d->kind == NJ_DEST_FAMILY && d->kernel;

	for (size_t i = 0; i < r->nother; i++) {
		const struct nj_rule *ru;
		int m;

		if (r->other[i] >= r->nrules)
			continue;
		ru = &r->rule[r->other[i]];
		if (d->kind == NJ_DEST_UNIX)
			m = ru->target == NJ_T_UNIX &&
			    path_matches(r, ru, d->path, d->pathlen, d->abstract);
		else
			m = ru->target == NJ_T_FAMILY && (int)ru->arg == d->family;
		if (!m)
			continue;
		if (ru->action == NJ_BLOCK) {
			*ret_rule = r->other[i];
			return 0;
		}
		allowed = 1;
	}
	*ret_rule = NJ_NORULE;
	return allowed;
}

/* Every other destination: several addresses, an unknown port, unix, families.  Kept apart
 * so the common path carries no array on its stack. */
static __attribute__((noinline)) int
decide_general(const struct nj_rules *r, const struct nj_dest *d, struct nj_verdict *ret)
{
	struct nj_verdict v;
	struct nj_ip addrs[NJ_MAX_EXPAND];

	memset(&v, 0, sizeof(v));
	v.rule = NJ_NORULE;
	if (r == NULL) {
		v.allow = 0;
	} else if (d->kind == NJ_DEST_IP) {
		int bad = 0;

		v.naddr = nj_ip_expand(&d->ip, addrs);
		v.allow = 1;
		/* each address alone first: one that no port reaches is the one to name */
		for (int i = 0; i < v.naddr && v.allow; i++) {
			v.allow = d->port == NJ_PORT_ANY ?
			    decide_addr_anyport(r, &addrs[i], &addrs[i], 1, d->proto, &v.rule,
			        &bad) :
			    decide_addr(r, &addrs[i], d->proto, d->port, &v.rule);
			if (!v.allow)
				v.addr = addrs[i];
		}
		/* then, port unknown: one port must serve every address at once */
		if (v.allow && d->port == NJ_PORT_ANY && v.naddr > 1) {
			v.allow = 0;
			for (int i = 0; i < v.naddr && !v.allow; i++)
				v.allow = decide_addr_anyport(r, &addrs[i], addrs, v.naddr,
				    d->proto, &v.rule, &bad);
			if (!v.allow)
				v.addr = addrs[bad];
		}
	} else if (d->kind == NJ_DEST_UNIX && d->pathlen == 0 && !d->abstract) {
		v.allow = 1; /* an unnamed socket reaches nothing by name */
	} else if (d->kind == NJ_DEST_UNIX || d->kind == NJ_DEST_FAMILY) {
		v.allow = decide_other(r, d, &v.rule);
	}
	if (ret)
		*ret = v;
	return v.allow;
}

int
nj_decide_one(const struct nj_rules *r, const struct nj_dest *d, const struct nj_ip *addr,
    struct nj_verdict *ret)
{
	struct nj_verdict v;
	int bad = 0;

	memset(&v, 0, sizeof(v));
	v.rule = NJ_NORULE;
	v.addr = *addr;
	v.naddr = 1;
	if (r != NULL)
		v.allow = d->port == NJ_PORT_ANY ?
		    decide_addr_anyport(r, addr, addr, 1, d->proto, &v.rule, &bad) :
		    decide_addr(r, addr, d->proto, d->port, &v.rule);
	if (ret)
		*ret = v;
	return v.allow;
}

int
nj_decide(const struct nj_rules *r, const struct nj_dest *d, struct nj_verdict *ret)
{
	uint32_t rule;
	int allow;

	/* the common case: one address that stands only for itself, a known port */
	if (r == NULL || d->kind != NJ_DEST_IP || d->port == NJ_PORT_ANY || !nj_ip_plain(&d->ip))
		return decide_general(r, d, ret);
	allow = decide_addr(r, &d->ip, d->proto, d->port, &rule);
	if (ret) {
		ret->allow = allow;
		ret->rule = rule;
		ret->addr = d->ip;
		ret->naddr = 1;
	}
	return allow;
}

int
nj_exec_allowed(const struct nj_rules *r, const char *path)
{
	size_t n = strlen(path);

	if (r == NULL)
		return 0;
	for (size_t i = 0; i < r->nother; i++) {
		const struct nj_rule *ru;

		if (r->other[i] >= r->nrules)
			continue;
		ru = &r->rule[r->other[i]];
		if (ru->target == NJ_T_EXEC && path_matches(r, ru, path, n, 0))
			return 1;
	}
	return 0;
}

/* The formula with host rules (SPEC.md §3a): the host allow rule stands in for an address
 * allow rule, for every address d stands for; no block rule on any of them is overridden. */
static int
host_formula(const struct nj_rules *r, const struct nj_dest *d, const char *name, size_t n,
    int decided, struct nj_verdict *ret)
{
	struct nj_verdict v;
	struct nj_ip addrs[NJ_MAX_EXPAND];
	uint32_t host;

	if (decided) { /* the address rules have denied d: only the host rules are left */
		memset(&v, 0, sizeof(v));
		v.rule = NJ_NORULE, v.addr = d->ip, v.naddr = 1;
	}
	if ((!decided && nj_decide(r, d, &v)) || r == NULL || d->kind != NJ_DEST_IP ||
	    r->nhost == 0 ||
	    (host = nj_host_rule(r, NJ_ALLOW, name, n, d->proto, d->port)) == NJ_NORULE)
		goto out;
	v.naddr = nj_ip_expand(&d->ip, addrs);
	for (int i = 0; i < v.naddr; i++) {
		uint32_t rule;
		int bad = 0;
		int allow = d->port == NJ_PORT_ANY ?
		    decide_addr_anyport(r, &addrs[i], &addrs[i], 1, d->proto, &rule, &bad) :
		    decide_addr(r, &addrs[i], d->proto, d->port, &rule);

		if (!allow && rule != NJ_NORULE) { /* a block rule: it wins */
			v.allow = 0, v.rule = rule, v.addr = addrs[i];
			goto out;
		}
	}
	v.allow = 1, v.rule = host, v.addr = d->ip;
out:
	if (ret)
		*ret = v;
	return v.allow;
}

int
nj_decide_host(const struct nj_rules *r, const struct nj_dest *d, const char *name, size_t n,
    struct nj_verdict *ret)
{
	return host_formula(r, d, name, n, 0, ret);
}

int
nj_host_allows(const struct nj_rules *r, const struct nj_dest *d, const char *name, size_t n)
{
	return host_formula(r, d, name, n, 1, NULL);
}
