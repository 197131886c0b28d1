/* table.c - build the interval lookup table of one address family (layout in internal.h). */
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

struct sweep {
	struct nj_table *t;
	nj_u128 *key;
	size_t nint;
};

/* Append interval [start, ...) owned by owner; a later interval at the same start replaces
 * the earlier (it belongs to a longer prefix), one with the same owner as the last merges. */
static void
emit(struct sweep *s, nj_u128 start, uint32_t owner)
{
	if (s->nint > 0 && s->key[s->nint - 1] == start) {
		s->t->owner[s->nint - 1] = owner;
		if (s->nint > 1 && s->t->owner[s->nint - 2] == owner)
			s->nint--;
		return;
	}
	if (s->nint > 0 && s->t->owner[s->nint - 1] == owner)
		return;
	s->key[s->nint] = start;
	s->t->owner[s->nint] = owner;
	s->nint++;
}

#define INDEX_MIN 256 /* intervals below which a plain search is as fast */
#define INDEX_BITS 16

static nj_u128
key_at(const struct nj_table *t, size_t i)
{
	return t->key4 ? t->key4[i] : t->key6[i];
}

/* Build the bucket index of a finished table (see internal.h). */
static int
build_index(struct nj_table *t, unsigned bits)
{
	nj_u128 lo, hi, x;
	size_t nb, i = 1;

	if (t->nint < INDEX_MIN)
		return 0;
	lo = key_at(t, 1);
	hi = key_at(t, t->nint - 1);
	x = lo ^ hi;
	t->cp = 0;
	while (t->cp < bits && !((x >> (bits - 1 - t->cp)) & 1))
		t->cp++;
	t->kbits = bits - t->cp < INDEX_BITS ? bits - t->cp : INDEX_BITS;
	t->prefix = t->cp ? lo >> (bits - t->cp) : 0;
	nb = (size_t)1 << t->kbits;
	t->hb = bits == 128 && t->cp + t->kbits <= 64 ? 64 : bits;
	t->sh_top = t->hb - t->cp; /* used only when cp > 0 */
	t->sh_b = t->hb - t->cp - t->kbits;
	t->mask = nb - 1;
	if ((t->idx = malloc((nb + 1) * sizeof(*t->idx))) == NULL)
		return -ENOMEM;
	for (size_t b = 0; b < nb; b++) {
		/* first interval (past key[0]) whose bucket is >= b */
		while (i < t->nint && ((key_at(t, i) >> (bits - t->cp - t->kbits)) & (nb - 1)) < b)
			i++;
		t->idx[b] = (uint32_t)i;
	}
	t->idx[nb] = (uint32_t)t->nint;
	return 0;
}

/* Build t from n entries (sorted here).  Returns 0 or -ENOMEM; t is left empty on error. */
int
nj_table_build(struct nj_table *t, int family, struct nj_entry *e, size_t n)
{
	unsigned bits = family == 4 ? 32 : 128;
	nj_u128 maxkey = end_of(0, 0, bits);
	struct sweep s;
	uint32_t *stack = NULL;
	nj_u128 *nstart = NULL, *nend = NULL;
	size_t depth = 0, nref = 0;

	memset(t, 0, sizeof(*t));
	memset(&s, 0, sizeof(s));
	if (n > 1) /* e may be NULL when n is 0, which qsort must not see */
		qsort(e, n, sizeof(*e), cmp_entry);
	t->refs = malloc((n ? n : 1) * sizeof(*t->refs));
	t->node = malloc((n ? n : 1) * sizeof(*t->node));
	nstart = malloc((n ? n : 1) * sizeof(*nstart));
	nend = malloc((n ? n : 1) * sizeof(*nend));
	stack = malloc((bits + 2) * sizeof(*stack));
	s.key = malloc((2 * n + 1) * sizeof(*s.key));
	t->owner = malloc((2 * n + 1) * sizeof(*t->owner));
	if (!t->refs || !t->node || !nstart || !nend || !stack || !s.key || !t->owner)
		goto oom;
	s.t = t;

	/* group equal prefixes into nodes.  One rule with the same prefix twice (a preset that
	 * lists an address twice: two interfaces sharing it, a nameserver named twice) keeps
	 * one entry, so a rule meets an address once (nj_matches lists each rule once). */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && e[i].start == e[i - 1].start && e[i].len == e[i - 1].len &&
		    e[i].rule == e[i - 1].rule)
			continue;
		if (i == 0 || e[i].start != e[i - 1].start || e[i].len != e[i - 1].len) {
			struct nj_node *nd = &t->node[t->nnode];

			nd->first = (uint32_t)nref;
			nd->count = 0;
			nd->parent = NJ_NONE;
			nstart[t->nnode] = e[i].start;
			nend[t->nnode] = end_of(e[i].start, e[i].len, bits);
			t->nnode++;
		}
		t->refs[nref++] = e[i].rule;
		t->node[t->nnode - 1].count++;
	}

	/* sweep: parents and intervals (prefixes nest or are disjoint) */
	emit(&s, 0, NJ_NONE);
	for (size_t k = 0; k < t->nnode; k++) {
		while (depth > 0 && nend[stack[depth - 1]] < nstart[k]) {
			uint32_t p = stack[--depth];

			emit(&s, nend[p] + 1, depth ? stack[depth - 1] : NJ_NONE);
		}
		t->node[k].parent = depth ? stack[depth - 1] : NJ_NONE;
		stack[depth++] = (uint32_t)k;
		emit(&s, nstart[k], (uint32_t)k);
	}
	while (depth > 0) {
		uint32_t p = stack[--depth];

		if (nend[p] != maxkey)
			emit(&s, nend[p] + 1, depth ? stack[depth - 1] : NJ_NONE);
	}
	t->nint = s.nint;
	if (family == 4) {
		t->key4 = malloc(s.nint * sizeof(*t->key4));
		if (t->key4 == NULL)
			goto oom;
		for (size_t i = 0; i < s.nint; i++)
			t->key4[i] = (uint32_t)s.key[i];
		free(s.key);
	} else {
		t->key6 = s.key;
	}
	free(stack);
	free(nstart);
	free(nend);
	if (build_index(t, bits) != 0) {
		nj_table_free(t);
		return -ENOMEM;
	}
	return 0;
oom:
	free(stack);
	free(nstart);
	free(nend);
	free(s.key);
	nj_table_free(t);
	return -ENOMEM;
}

void
nj_table_free(struct nj_table *t)
{
	free(t->idx);
	free(t->key4);
	free(t->key6);
	free(t->owner);
	free(t->node);
	free(t->refs);
	memset(t, 0, sizeof(*t));
}
