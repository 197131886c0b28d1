/* build.c - build the node lookup table of one address family (layout in internal.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

static int
cmp_entry(const void *a, const void *b)
{
	const struct nj_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static nj_u128
end_of(nj_u128 start, unsigned len, unsigned bits)
{
	nj_u128 host = len == 0 ? ~(nj_u128)0 : ((((nj_u128)1) << (bits - len)) - 1);

	if (bits == 32)
		host &= 0xffffffffu;
	return start | host;
}

#define INDEX_MIN 256 /* nodes below which a plain search is as fast */
#define INDEX_BITS 16 /* at most 65,536 buckets */

static nj_u128
start_at(const struct nj_table *t, size_t i)
{
	return t->start4 ? t->start4[i] : t->start6[i];
}

/* Build the bucket index of a finished table (see internal.h): about one node a bucket. */
static int
build_index(struct nj_table *t, unsigned bits)
{
	nj_u128 lo, hi, x;
	size_t nb, i = 0;
	unsigned want = 0;

	/* the nodes starting at 0 (any, ::/0) are left out of the index: below the others,
	 * they would leave every other start in one bucket */
	while (i < t->nnode && start_at(t, i) == 0)
		i++;
	t->below = (uint32_t)i - 1; /* NJ_NONE when there are none */
	if (t->nnode - i < INDEX_MIN)
		return 0;
	while (want < INDEX_BITS && ((size_t)1 << want) < t->nnode)
		want++;
	lo = start_at(t, i);
	hi = start_at(t, t->nnode - 1);
	x = lo ^ hi;
	t->cp = 0;
	while (t->cp < bits && !((x >> (bits - 1 - t->cp)) & 1))
		t->cp++;
	t->kbits = bits - t->cp < want ? bits - t->cp : want;
	t->prefix = t->cp ? lo >> (bits - t->cp) : 0;
	nb = (size_t)1 << t->kbits;
	t->hb = bits == 128 && t->cp + t->kbits <= 64 ? 64 : bits;
	t->sh_top = t->hb - t->cp; /* used only when cp > 0 */
	t->sh_b = t->hb - t->cp - t->kbits;
	t->mask = nb - 1;
	if ((t->idx = malloc((nb + 1) * sizeof(*t->idx))) == NULL)
		return -ENOMEM;
	for (size_t b = 0; b < nb; b++) {
		/* first node whose bucket is >= b */
		while (
		    i < t->nnode && ((start_at(t, i) >> (bits - t->cp - t->kbits)) & (nb - 1)) < b)
			i++;
		t->idx[b] = (uint32_t)i;
	}
	t->idx[nb] = (uint32_t)t->nnode;
	return 0;
}

/* Build t from n entries (sorted here).  Returns 0 or -ENOMEM; t is left empty on error. */
int
nj_table_build(struct nj_table *t, int family, struct nj_entry *e, size_t n)
{
	unsigned bits = family == 4 ? 32 : 128;
	uint32_t *stack = NULL;
	nj_u128 *nstart = NULL, *nend = NULL;
	uint32_t *cnt = NULL;
	size_t depth = 0, nnode = 0, nrefs = 0;

	memset(t, 0, sizeof(*t));
	if (n > 1) /* e may be NULL when n is 0, which qsort must not see */
		qsort(e, n, sizeof(*e), cmp_entry);
	nstart = malloc((n ? n : 1) * sizeof(*nstart));
	nend = malloc((n ? n : 1) * sizeof(*nend));
	cnt = malloc((n ? n : 1) * sizeof(*cnt));
	stack = malloc((bits + 2) * sizeof(*stack));
	t->len = malloc(n ? n : 1);
	t->parent = malloc((n ? n : 1) * sizeof(*t->parent));
	t->rules = malloc((n ? n : 1) * sizeof(*t->rules));
	if (!nstart || !nend || !cnt || !stack || !t->len || !t->parent || !t->rules)
		goto oom;

	/* group equal prefixes into nodes.  One rule with the same prefix twice (a preset that
	 * lists an address twice: two interfaces sharing it, a nameserver named twice) keeps
	 * one entry, so a rule meets an address once (nj_matches lists each rule once). */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && e[i].start == e[i - 1].start && e[i].len == e[i - 1].len &&
		    e[i].rule == e[i - 1].rule)
			continue;
		if (i == 0 || e[i].start != e[i - 1].start || e[i].len != e[i - 1].len) {
			nstart[nnode] = e[i].start;
			nend[nnode] = end_of(e[i].start, e[i].len, bits);
			t->len[nnode] = e[i].len;
			cnt[nnode] = 0;
			nnode++;
		}
		if (++cnt[nnode - 1] == 2)
			nrefs += 3; /* the count and the first two */
		else if (cnt[nnode - 1] > 2)
			nrefs++;
	}
	t->nnode = nnode;
	/* the rules: one in the node itself, more in refs (count first) */
	if (nrefs && (t->refs = malloc(nrefs * sizeof(*t->refs))) == NULL)
		goto oom;
	t->nrefs = nrefs;
	{
		size_t k = 0, o = 0;

		for (size_t i = 0; i < n; i++) {
			if (i > 0 && e[i].start == e[i - 1].start && e[i].len == e[i - 1].len) {
				if (e[i].rule != e[i - 1].rule)
					t->refs[o++] = e[i].rule;
				continue;
			}
			if (cnt[k] == 1) {
				t->rules[k] = NJ_ONE | e[i].rule;
			} else {
				t->rules[k] = (uint32_t)o;
				t->refs[o++] = cnt[k];
				t->refs[o++] = e[i].rule;
			}
			k++;
		}
	}
	/* parents (prefixes nest or are disjoint) */
	for (size_t k = 0; k < nnode; k++) {
		while (depth > 0 && nend[stack[depth - 1]] < nstart[k])
			depth--;
		t->parent[k] = depth ? stack[depth - 1] : NJ_NONE;
		stack[depth++] = (uint32_t)k;
	}
	if (family == 4) {
		if ((t->start4 = malloc((nnode ? nnode : 1) * sizeof(*t->start4))) == NULL)
			goto oom;
		for (size_t i = 0; i < nnode; i++)
			t->start4[i] = (uint32_t)nstart[i];
		free(nstart);
	} else {
		t->start6 = nstart;
	}
	nstart = NULL;
	free(stack);
	free(nend);
	free(cnt);
	if (build_index(t, bits) != 0) {
		nj_table_free(t);
		return -ENOMEM;
	}
	return 0;
oom:
	free(stack);
	free(nstart);
	free(nend);
	free(cnt);
	nj_table_free(t);
	return -ENOMEM;
}

void
nj_table_link_rules(struct nj_rules *r)
{
	for (int k = 0; k < 2; k++) {
		const struct nj_table *t = k ? &r->t6 : &r->t4;

		for (uint32_t n = 0; n < t->nnode; n++) {
			const uint32_t *list;
			uint32_t one, c = nj_node_rules(t, n, &list, &one);

			for (uint32_t i = 0; i < c; i++)
				if (r->rule[list[i]].target == NJ_T_PREFIX)
					r->rule[list[i]].arg = n | (k ? NJ_ARG_V6 : 0);
		}
	}
}

void
nj_rule_prefix(const struct nj_rules *r, const struct nj_rule *ru, struct nj_prefix *ret)
{
	const struct nj_table *t = ru->arg & NJ_ARG_V6 ? &r->t6 : &r->t4;
	uint32_t n = ru->arg & ~NJ_ARG_V6;

	memset(ret, 0, sizeof(*ret));
	if (n >= t->nnode) {
		ret->ip.family = 4; /* (not a valid set's) */
		return;
	}
	if (ru->arg & NJ_ARG_V6)
		nj_ip_from_key(t->start6[n], 6, &ret->ip);
	else
		nj_ip_from_key(t->start4[n], 4, &ret->ip);
	ret->len = t->len[n];
}

void
nj_table_free(struct nj_table *t)
{
	free(t->idx);
	free(t->start4);
	free(t->start6);
	free(t->len);
	free(t->parent);
	free(t->rules);
	free(t->refs);
	memset(t, 0, sizeof(*t));
}
