/* explain.c - which rules decided a destination, rules as text, and warnings (lint). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

size_t
nj_rules_count(const struct nj_rules *r)
{
	return r ? r->nrules : 0;
}

size_t
nj_rules_allow_count(const struct nj_rules *r)
{
	return r ? r->nallow : 0;
}

int
nj_rules_use_proto(const struct nj_rules *r)
{
	return r ? r->use_proto : 0;
}

const char *
nj_rules_file(const struct nj_rules *r)
{
	return r ? r->file : "";
}

uint32_t
nj_rule_line(const struct nj_rules *r, uint32_t i)
{
	return r->rule[i].line;
}

int
nj_rule_action(const struct nj_rules *r, uint32_t i)
{
	return r->rule[i].action;
}

static void
fmt_target(struct nj_buf *b, const struct nj_rules *r, const struct nj_rule *ru)
{
	char tmp[80];
	unsigned full;
	struct nj_prefix p;
	const char *path;
	size_t n;

	switch (ru->target) {
	case NJ_T_PREFIX:
		nj_rule_prefix(r, ru, &p);
		full = p.ip.family == 4 ? 32 : 128;
		if (p.len == full)
			nj_ip_format(&p.ip, tmp, sizeof(tmp));
		else
			nj_prefix_format(&p, tmp, sizeof(tmp));
		nj_buf_str(b, tmp);
		break;
	case NJ_T_ANY: nj_buf_str(b, "any"); break;
	case NJ_T_PRESET:
		nj_buf_ch(b, '@');
		nj_buf_str(b, nj_preset_name(ru->flags));
		break;
	case NJ_T_UNIX:
	case NJ_T_EXEC:
		nj_buf_str(b, ru->target == NJ_T_UNIX ? "unix " : "exec ");
		if (ru->flags & NJ_RF_ABSTRACT)
			nj_buf_ch(b, '@');
		path = nj_rule_path(r, ru, &n);
		nj_buf_mem(b, path, n);
		if (ru->flags & NJ_RF_GLOB)
			nj_buf_ch(b, '*');
		break;
	case NJ_T_HOST:
		nj_buf_str(b, ru->flags & NJ_RF_GLOB ? "host *" : "host ");
		path = nj_rule_path(r, ru, &n);
		nj_buf_mem(b, path, n);
		break;
	case NJ_T_FAMILY:
		nj_buf_str(b, "family ");
		nj_buf_str(b, nj_family_name((int)ru->arg) ? nj_family_name((int)ru->arg) : "?");
		break;
	}
}

size_t
nj_rule_format(const struct nj_rules *r, uint32_t i, char *buf, size_t size)
{
	const struct nj_rule *ru = &r->rule[i];
	struct nj_buf b = { buf, size, 0 };

	nj_buf_str(&b, ru->action == NJ_ALLOW ? "allow " : "block ");
	if (ru->proto == NJ_PROTO_TCP)
		nj_buf_str(&b, "tcp ");
	else if (ru->proto == NJ_PROTO_UDP)
		nj_buf_str(&b, "udp ");
	fmt_target(&b, r, ru);
	for (uint32_t k = 0; k < ru->ports_n; k++) {
		const struct nj_portrange *pr = &r->ports[ru->ports_off + k];

		nj_buf_str(&b, k == 0 ? " port " : ",");
		nj_buf_uint(&b, pr->lo);
		if (pr->hi != pr->lo) {
			nj_buf_ch(&b, '-');
			nj_buf_uint(&b, pr->hi);
		}
	}
	nj_buf_mem(&b, "", 0);
	return b.len;
}

size_t
nj_suggest_allow(const struct nj_dest *d, const struct nj_ip *addr, char *buf, size_t size)
{
	return nj_suggest_allow_for(d, addr, NULL, buf, size);
}

size_t
nj_suggest_allow_for(const struct nj_dest *d, const struct nj_ip *addr, const char *host, char *buf,
    size_t size)
{
	struct nj_buf b = { buf, size, 0 };
	char tmp[NJ_HOST_TEXT];

	nj_buf_str(&b, "allow ");
	switch (d->kind) {
	case NJ_DEST_IP:
		if (d->proto == NJ_PROTO_TCP)
			nj_buf_str(&b, "tcp ");
		else if (d->proto == NJ_PROTO_UDP)
			nj_buf_str(&b, "udp ");
		if (host && nj_host_norm(host, tmp, sizeof(tmp)) > 0)
			nj_buf_str(&b, "host "); /* the name: its addresses change, it does not */
		else
			nj_ip_format(addr ? addr : &d->ip, tmp, sizeof(tmp));
		nj_buf_str(&b, tmp);
		if (d->port > 0) {
			nj_buf_str(&b, " port ");
			nj_buf_uint(&b, (unsigned long)d->port);
		}
		break;
	case NJ_DEST_UNIX:
		nj_buf_str(&b, "unix ");
		if (d->abstract)
			nj_buf_ch(&b, '@');
		nj_buf_mem(&b, d->path, d->pathlen);
		break;
	case NJ_DEST_FAMILY:
		nj_buf_str(&b, "family ");
		nj_buf_str(&b, nj_family_name(d->family) ? nj_family_name(d->family) : "?");
		break;
	}
	nj_buf_mem(&b, "", 0);
	return b.len;
}

/* "RULE (FILE:LINE)" */
static void
put_rule(struct nj_buf *b, const struct nj_rules *r, uint32_t i)
{
	char tmp[300];

	nj_rule_format(r, i, tmp, sizeof(tmp));
	nj_buf_str(b, tmp);
	nj_buf_str(b, " (");
	nj_buf_str(b, r->file);
	nj_buf_ch(b, ':');
	nj_buf_uint(b, r->rule[i].line);
	nj_buf_ch(b, ')');
}

/* The first allow rule that matches d's first address: what allowed it. */
static void
why_allowed(struct nj_buf *b, const struct nj_rules *r, const struct nj_dest *d)
{
	struct nj_ip addrs[NJ_MAX_EXPAND];
	uint32_t m[64]; /* the first 64 matches, ascending */
	size_t n;

	if (d->kind == NJ_DEST_UNIX && d->pathlen == 0 && !d->abstract) {
		nj_buf_str(b, "an unnamed unix socket reaches no one: always allowed");
		return;
	}
	if (d->kind == NJ_DEST_IP)
		nj_ip_expand(&d->ip, addrs);
	n = nj_matches(r, d, d->kind == NJ_DEST_IP ? &addrs[0] : &d->ip, m, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		if (r->rule[m[i]].action == NJ_ALLOW) {
			put_rule(b, r, m[i]);
			return;
		}
	}
	nj_buf_str(b, "allowed");
}

void
nj_verdict_why(struct nj_buf *b, const struct nj_rules *r, const struct nj_dest *d,
    const struct nj_verdict *v)
{
	nj_verdict_why_for(b, r, d, v, NULL);
}

void
nj_verdict_why_for(struct nj_buf *b, const struct nj_rules *r, const struct nj_dest *d,
    const struct nj_verdict *v, const char *host)
{
	char tmp[300];

	if (v->allow) {
		why_allowed(b, r, d);
		return;
	}
	if (d->kind == NJ_DEST_IP && v->naddr > 1 && memcmp(&v->addr, &d->ip, sizeof(d->ip)) != 0) {
		nj_ip_format(&v->addr, tmp, sizeof(tmp));
		nj_buf_str(b, "it stands for ");
		nj_buf_str(b, tmp);
		nj_buf_str(b, ", and ");
	}
	if (v->rule == NJ_NORULE) {
		nj_buf_str(b, "no allow rule matches (");
		nj_buf_str(b, r->file);
		nj_buf_str(b, "); to allow it: ");
		nj_suggest_allow_for(d, d->kind == NJ_DEST_IP ? &v->addr : NULL, host, tmp,
		    sizeof(tmp));
		nj_buf_str(b, tmp);
	} else {
		put_rule(b, r, v->rule);
	}
}

static void
put(uint32_t *out, size_t max, size_t *n, uint32_t v)
{
	size_t i;

	/* out[] keeps the smallest max indices seen, ascending (insertion; when full, the
	 * largest falls off), so a short out[] holds the start of the full answer */
	if (max > 0 && (*n < max || v < out[max - 1])) {
		for (i = *n < max ? *n : max - 1; i > 0 && out[i - 1] > v; i--)
			out[i] = out[i - 1];
		out[i] = v;
	}
	(*n)++;
}

size_t
nj_matches(const struct nj_rules *r, const struct nj_dest *d, const struct nj_ip *addr,
    uint32_t *out, size_t max)
{
	size_t n = 0;

	if (r == NULL)
		return 0;
	for (int tb = 0; tb < 2 && d->kind == NJ_DEST_IP; tb++) {
		/* the main table, then a compiled policy's table of dynamic presets */
		const struct nj_table *t = addr->family == 4 ? (tb ? &r->t4d : &r->t4) :
		                                               (tb ? &r->t6d : &r->t6);

		for (uint32_t k = nj_table_find(t, addr); k != NJ_NONE; k = nj_node_up(t, k)) {
			const uint32_t *list;
			uint32_t one, c = nj_node_rules(t, k, &list, &one);

			for (uint32_t i = 0; i < c; i++) {
				uint32_t ri = list[i];
				const struct nj_rule *ru = &r->rule[ri];
				int m = d->port == NJ_PORT_ANY ?
				    (ru->proto == NJ_PROTO_ANY || ru->proto == d->proto) :
				    nj_rule_matches_port(r, ru, d->proto, d->port);

				if (m)
					put(out, max, &n, ri);
			}
		}
	}
	if (d->kind == NJ_DEST_IP)
		return n;
	if (d->kind == NJ_DEST_UNIX && d->pathlen == 0 && !d->abstract)
		return 0; /* an unnamed socket is allowed without any rule: none matches it */
	for (size_t i = 0; i < r->nother; i++) {
		const struct nj_rule *ru = &r->rule[r->other[i]];
		struct nj_rules one = *r;
		struct nj_verdict v;

		/* reuse the decision on a one-rule view: same matching, written once */
		one.other = &r->other[i];
		one.nother = 1;
		if (ru->target == NJ_T_EXEC || ru->target == NJ_T_HOST)
			continue;
		if (nj_decide(&one, d, &v) || v.rule != NJ_NORULE)
			put(out, max, &n, r->other[i]);
	}
	return n;
}

/* ---- lint ---- */

/* Duplicates are found on the rules' structure, not their text: the parser zeroes each rule
 * before filling it, so equal rules have equal bytes (line and ports_off aside). */
static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull; /* FNV-1a */
	return h;
}

static uint64_t
rule_hash(const struct nj_rules *r, const struct nj_rule *ru)
{
	uint64_t h = 1469598103934665603ull;

	h = mix(h, &ru->action, 4); /* action, proto, target, flags */
	h = mix(h, &ru->ports_n, sizeof(ru->ports_n));
	if (ru->ports_n) /* r->ports may be NULL */
		h = mix(h, &r->ports[ru->ports_off], ru->ports_n * sizeof(*r->ports));
	if (ru->target == NJ_T_UNIX || ru->target == NJ_T_EXEC || ru->target == NJ_T_HOST) {
		size_t n;
		const char *path = nj_rule_path(r, ru, &n);

		h = mix(h, path, n);
	} else {
		/* a prefix rule's node: rules with the same prefix share one */
		h = mix(h, &ru->arg, sizeof(ru->arg));
	}
	return h;
}

static int
rule_equal(const struct nj_rules *r, const struct nj_rule *a, const struct nj_rule *b)
{
	/* r->ports is NULL when no rule has ports: memcmp must not see it, even for 0 bytes */
	if (memcmp(&a->action, &b->action, 4) != 0 || a->ports_n != b->ports_n ||
	    (a->ports_n &&
	        memcmp(&r->ports[a->ports_off], &r->ports[b->ports_off],
	            a->ports_n * sizeof(*r->ports)) != 0))
		return 0;
	if (a->target == NJ_T_UNIX || a->target == NJ_T_EXEC || a->target == NJ_T_HOST)
		return strcmp(r->str + a->arg, r->str + b->arg) == 0;
	return a->arg == b->arg;
}

static int
lint_duplicates(const struct nj_rules *r, struct nj_diags *diags)
{
	size_t cap = 16;
	uint32_t *slot;
	char a[512];

	while (cap < r->nrules * 2)
		cap *= 2;
	if ((slot = malloc(cap * sizeof(*slot))) == NULL)
		return -ENOMEM;
	memset(slot, 0xff, cap * sizeof(*slot));
	for (uint32_t i = 0; i < r->nrules; i++) {
		size_t h = (size_t)rule_hash(r, &r->rule[i]) & (cap - 1);

		for (; slot[h] != NJ_NONE; h = (h + 1) & (cap - 1))
			if (rule_equal(r, &r->rule[i], &r->rule[slot[h]]))
				break;
		if (slot[h] == NJ_NONE) {
			slot[h] = i;
			continue;
		}
		nj_rule_format(r, i, a, sizeof(a));
		if (nj_diag_add(diags, 0, r->rule[i].line, 1,
		        "duplicate rule: \"%s\" is already on line %u", a, r->rule[slot[h]].line))
			return free(slot), -ENOMEM;
	}
	free(slot);
	return 0;
}

/* Does block rule b cover every proto and port of allow rule a? */
static int
scope_covers(const struct nj_rules *r, const struct nj_rule *b, const struct nj_rule *a)
{
	if (b->proto != NJ_PROTO_ANY && b->proto != a->proto)
		return 0;
	if (b->ports_n == 0)
		return 1;
	if (a->ports_n == 0)
		return 0;
	for (uint32_t i = 0; i < a->ports_n; i++) {
		const struct nj_portrange *ap = &r->ports[a->ports_off + i];
		int in = 0;

		for (uint32_t k = 0; k < b->ports_n && !in; k++) {
			const struct nj_portrange *bp = &r->ports[b->ports_off + k];

			in = bp->lo <= ap->lo && ap->hi <= bp->hi;
		}
		if (!in)
			return 0;
	}
	return 1;
}

/* The block rules, by prefix, for "is this prefix inside a block?" */
struct blocks {
	struct nj_entry *e;
	size_t n, cap;
	uint8_t lens[2][129]; /* lens[family==6][len]: some block has this length */
};

static int
cmp_e(const void *x, const void *y)
{
	const struct nj_entry *a = x, *b = y;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

struct pfx_cb {
	struct nj_pfxvec *v;
};

static int
push_cb(void *arg, const struct nj_prefix *p, const char *source)
{
	(void)source;
	return nj_pfxvec_push(arg, p);
}

/* The prefixes of an IP rule (sys-dependent presets come out empty: lint runs on what the
 * rules say, not on this machine). */
static int
rule_prefixes(const struct nj_rules *r, const struct nj_rule *ru, struct nj_pfxvec *v)
{
	struct nj_prefix p;

	v->n = 0;
	memset(&p, 0, sizeof(p));
	if (ru->target == NJ_T_PREFIX) {
		nj_rule_prefix(r, ru, &p);
		return nj_pfxvec_push(v, &p);
	}
	if (ru->target == NJ_T_ANY) {
		p.ip.family = 4;
		if (nj_pfxvec_push(v, &p))
			return -ENOMEM;
		p.ip.family = 6;
		return nj_pfxvec_push(v, &p);
	}
	if (ru->target == NJ_T_PRESET)
		return nj_preset_each(ru->flags, NULL, push_cb, v);
	return 0;
}

/* A block rule whose prefix holds p and whose scope covers allow rule a, or NJ_NONE. */
static uint32_t
covering_block(const struct nj_rules *r, const struct blocks *bl, const struct nj_prefix *p,
    const struct nj_rule *a)
{
	int f6 = p->ip.family == 6;
	unsigned bits = f6 ? 128 : 32;
	nj_u128 k = nj_ip_key(&p->ip);

	for (unsigned len = 0; len <= p->len; len++) {
		nj_u128 m, s;
		size_t lo = 0, hi = bl->n;

		if (!bl->lens[f6][len])
			continue;
		m = len == 0 ? 0 : ~((((nj_u128)1) << (bits - len)) - 1);
		if (bits == 32)
			m &= 0xffffffffu;
		s = k & m;
		/* first entry >= (len, s) in (len, start) order */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct nj_entry *e = &bl->e[mid];

			if (e->len < len || (e->len == len && e->start < s))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < bl->n && bl->e[lo].len == len && bl->e[lo].start == s; lo++) {
			const struct nj_rule *b = &r->rule[bl->e[lo].rule];

			/* entries of both families share the array: check the family */
			if (b->target == NJ_T_PREFIX && !(b->arg & NJ_ARG_V6) != !f6)
				continue;
			if (scope_covers(r, b, a))
				return bl->e[lo].rule;
		}
	}
	return NJ_NONE;
}

/* covering_block() without a table: every block rule, one by one. */
struct preset_cache {
	struct nj_pfxvec v[32];
	uint8_t have[32];
};

static uint32_t
covering_block_scan(const struct nj_rules *r, const struct nj_prefix *p, const struct nj_rule *a,
    struct preset_cache *pc)
{
	for (uint32_t i = 0; i < r->nrules; i++) {
		const struct nj_rule *b = &r->rule[i];

		if (b->action != NJ_BLOCK || b->target == NJ_T_UNIX || b->target == NJ_T_FAMILY ||
		    b->target == NJ_T_HOST)
			continue;
		if (b->target == NJ_T_PREFIX) {
			struct nj_prefix bp;

			nj_rule_prefix(r, b, &bp);
			if (bp.len > p->len || !nj_prefix_contains(&bp, &p->ip))
				continue;
		} else if (b->target == NJ_T_PRESET) {
			struct nj_pfxvec *w = &pc->v[b->flags];
			int in = 0;

			if (!pc->have[b->flags]) {
				if (rule_prefixes(r, b, w) != 0)
					return NJ_NONE;
				pc->have[b->flags] = 1;
			}
			for (size_t k = 0; k < w->n && !in; k++)
				in = w->v[k].len <= p->len && nj_prefix_contains(&w->v[k], &p->ip);
			if (!in)
				continue;
		}
		if (scope_covers(r, b, a))
			return i;
	}
	return NJ_NONE;
}

/* Does unix block rule b cover every path of unix allow rule a? */
static int
path_covers(const struct nj_rules *r, const struct nj_rule *b, const struct nj_rule *a)
{
	size_t bn, an;
	const char *bp = nj_rule_path(r, b, &bn), *ap = nj_rule_path(r, a, &an);

	if (!(b->flags & NJ_RF_ABSTRACT) != !(a->flags & NJ_RF_ABSTRACT))
		return 0;
	if (b->flags & NJ_RF_GLOB)
		return an >= bn && memcmp(bp, ap, bn) == 0;
	return !(a->flags & NJ_RF_GLOB) && an == bn && memcmp(bp, ap, bn) == 0;
}

static int
lint_useless_allows(const struct nj_rules *r, struct nj_diags *diags)
{
	struct blocks bl[2];
	struct nj_pfxvec v = { 0 };
	struct preset_cache pc;
	size_t nallow = 0;
	int direct, rc = -ENOMEM;

	memset(bl, 0, sizeof(bl));
	memset(&pc, 0, sizeof(pc));
	for (uint32_t i = 0; i < r->nrules; i++)
		nallow += r->rule[i].action == NJ_ALLOW;
	/* one block table per family, so keys of the two never mix (with very few allow rules
	 * a scan of the blocks is cheaper than building it, as for a large blocklist) */
	direct = nallow <= 16;
	for (uint32_t i = 0; i < r->nrules && !direct; i++) {
		const struct nj_rule *ru = &r->rule[i];

		if (ru->action != NJ_BLOCK)
			continue;
		if (rule_prefixes(r, ru, &v))
			goto out;
		for (size_t k = 0; k < v.n; k++) {
			struct blocks *b = &bl[v.v[k].ip.family == 6];
			struct nj_entry *e = b->e;

			if (b->n == b->cap) {
				b->cap = b->cap ? 2 * b->cap : 64;
				if ((e = realloc(b->e, b->cap * sizeof(*e))) == NULL)
					goto out;
				b->e = e;
			}
			e[b->n].start = nj_ip_key(&v.v[k].ip);
			e[b->n].len = v.v[k].len;
			e[b->n].rule = i;
			b->n++;
			b->lens[v.v[k].ip.family == 6][v.v[k].len] = 1;
		}
	}
	for (int f = 0; f < 2; f++)
		if (bl[f].n)
			qsort(bl[f].e, bl[f].n, sizeof(*bl[f].e), cmp_e);
	for (uint32_t i = 0; i < r->nrules; i++) {
		const struct nj_rule *ru = &r->rule[i];
		uint32_t by = NJ_NONE;

		if (ru->action != NJ_ALLOW)
			continue;
		if (ru->target == NJ_T_UNIX || ru->target == NJ_T_FAMILY) {
			for (size_t k = 0; k < r->nother && by == NJ_NONE; k++) {
				const struct nj_rule *b = &r->rule[r->other[k]];

				if (b->action != NJ_BLOCK || b->target != ru->target)
					continue;
				if (ru->target == NJ_T_FAMILY ? b->arg == ru->arg :
				                                path_covers(r, b, ru))
					by = r->other[k];
			}
		} else if (ru->target != NJ_T_EXEC && ru->target != NJ_T_HOST) {
			if (rule_prefixes(r, ru, &v))
				goto out;
			for (size_t k = 0; k < v.n; k++) {
				uint32_t c = direct ?
				    covering_block_scan(r, &v.v[k], ru, &pc) :
				    covering_block(r, &bl[v.v[k].ip.family == 6], &v.v[k], ru);

				if (c == NJ_NONE) {
					by = NJ_NONE;
					break;
				}
				by = c;
			}
		}
		if (by != NJ_NONE) {
			char a[512], b[512];

			nj_rule_format(r, i, a, sizeof(a));
			nj_rule_format(r, by, b, sizeof(b));
			if (nj_diag_add(diags, 0, ru->line, 1,
			        "\"%s\" never allows anything: "
			        "\"%s\" on line %u blocks all of it (block always wins)",
			        a, b, r->rule[by].line))
				goto out;
		}
	}
	rc = 0;
out:
	free(v.v);
	for (size_t k = 0; k < 32; k++)
		free(pc.v[k].v);
	free(bl[0].e);
	free(bl[1].e);
	return rc;
}

/* "allow any" reads as "allow everything", but it is every IP address: a program's unix
 * sockets (a database's, syslog's, D-Bus's) stay closed unless a rule names them. */
static void
lint_any_without_unix(const struct nj_rules *r, struct nj_diags *diags)
{
	uint32_t any = NJ_NORULE;

	for (size_t i = 0; i < r->nrules; i++) {
		const struct nj_rule *ru = &r->rule[i];

		if (ru->target == NJ_T_UNIX && ru->action == NJ_ALLOW)
			return;
		if (ru->target == NJ_T_ANY && ru->action == NJ_ALLOW && any == NJ_NORULE)
			any = (uint32_t)i;
	}
	if (any != NJ_NORULE)
		nj_diag_add(diags, 0, r->rule[any].line, 1,
		    "\"allow any\" allows every IP "
		    "address, not unix sockets: they stay closed unless an \"allow unix PATH\" "
		    "rule names them");
}

/* A wildcard host allow lets names someone else controls choose addresses: warn unless
 * blocks that hold for every proto and port cover all of @special (SPEC.md §3a). */
static int
lint_wildcard_hosts(const struct nj_rules *r, struct nj_diags *diags)
{
	struct nj_pfxvec sp = { 0 }, bv = { 0 };
	uint32_t w = NJ_NONE;
	char a[64], rule[300];
	int rc = 0, id = nj_preset_find("special", 7);

	for (uint32_t i = 0; i < r->nrules && w == NJ_NONE; i++)
		if (r->rule[i].target == NJ_T_HOST && r->rule[i].action == NJ_ALLOW &&
		    (r->rule[i].flags & NJ_RF_GLOB))
			w = i;
	if (w == NJ_NONE || id < 0)
		return 0;
	if ((rc = nj_preset_each(id, NULL, push_cb, &sp)) != 0)
		goto out;
	for (size_t k = 0; k < sp.n; k++) {
		int covered = 0;

		for (uint32_t i = 0; i < r->nrules && !covered; i++) {
			const struct nj_rule *b = &r->rule[i];

			if (b->action != NJ_BLOCK || b->proto != NJ_PROTO_ANY || b->ports_n != 0)
				continue;
			if ((rc = rule_prefixes(r, b, &bv)) != 0)
				goto out;
			for (size_t j = 0; j < bv.n && !covered; j++)
				covered = bv.v[j].ip.family == sp.v[k].ip.family &&
				    bv.v[j].len <= sp.v[k].len &&
				    nj_prefix_contains(&bv.v[j], &sp.v[k].ip);
		}
		if (!covered) {
			nj_prefix_format(&sp.v[k], a, sizeof(a));
			nj_rule_format(r, w, rule, sizeof(rule));
			nj_diag_add(diags, 0, r->rule[w].line, 1,
			    "\"%s\": a name under it may answer an internal address, and no block "
			    "rule covers %s (add block @special)",
			    rule, a);
			break;
		}
	}
out:
	free(sp.v);
	free(bv.v);
	return rc;
}

int
nj_rules_lint(const struct nj_rules *r, struct nj_diags *diags)
{
	int any_allow = 0;
	int rc;

	for (size_t i = 0; r && i < r->nrules; i++)
		any_allow |= r->rule[i].action == NJ_ALLOW;
	if (!any_allow)
		nj_diag_add(diags, 0, 0, 0, "no allow rules: every destination is denied");
	if (r == NULL)
		return 0;
	if ((rc = lint_duplicates(r, diags)) != 0 || (rc = lint_useless_allows(r, diags)) != 0)
		return rc;
	lint_any_without_unix(r, diags);
	return lint_wildcard_hosts(r, diags);
}
