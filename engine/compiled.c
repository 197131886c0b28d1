/* compiled.c - a rule set written out as it sits in memory, and adopted back from a copy of
 * those bytes (sys/load.c makes the copy).
 *
 * Parsing a 100,000-line policy takes tens of milliseconds and touches megabytes of fresh
 * memory; mapping its compiled form from the page cache takes a fraction of that, which is
 * what a process that connects a few times (or a CI job's thousands of short processes)
 * wants.  `netjail compile RULES -o RULES.nj` writes it; nj_rules_load recognises it by its
 * magic.  The file is specific to the netjail build that wrote it (the layout fingerprint
 * says so) and is validated whole when it loads: a damaged or hostile file is an error,
 * never an out-of-bounds read.
 *
 * The dynamic presets (@self, @resolvers) belong to the machine where the rules load, not
 * to the one where they were compiled: their rules are left out of the compiled tables and
 * get small tables of their own (dyn4, dyn6) when the file loads.
 *
 *     header | file name | rules | ports | strings | other | dyn | t4 arrays | t6 arrays
 *     every section 16-byte aligned, offsets from the start of the file
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

#define MAGIC "NJRULES2"

enum {
	S_FILE,
	S_RULES,
	S_PORTS,
	S_STR,
	S_OTHER,
	S_DYN,
	S_T4, /* each table: start, len, parent, rules, refs, idx */
	S_T6 = S_T4 + 6,
	NSEC = S_T6 + 6
};
enum { T_START, T_LEN, T_PARENT, T_RULES, T_REFS, T_IDX };

struct tablehdr {
	uint64_t nnode, nrefs;
	uint32_t cp, kbits, hb, sh_top, sh_b, has_idx, below, pad;
	uint64_t prefix_hi, prefix_lo, mask;
};

struct header {
	char magic[8];
	uint32_t layout[8]; /* sizes that must match this build */
	uint64_t size;
	uint64_t off[NSEC], len[NSEC];
	uint64_t nrules, nports, nstr, nother, ndyn, nallow;
	uint32_t use_proto, pad;
	struct tablehdr t[2];
};

void
nj_compiled_layout(uint32_t out[8])
{
	memset(out, 0, 8 * sizeof(uint32_t));
	out[0] = 0x01020304; /* byte order */
	out[1] = sizeof(struct nj_rule);
	out[3] = sizeof(struct nj_portrange);
	out[4] = sizeof(nj_u128);
	out[5] = sizeof(struct header);
	out[6] = 3; /* format version */
}

/* ---- writing ---- */

static void
put_table(struct tablehdr *h, const struct nj_table *t)
{
	h->nnode = t->nnode;
	h->nrefs = t->nrefs;
	h->cp = t->cp, h->kbits = t->kbits, h->hb = t->hb;
	h->sh_top = t->sh_top, h->sh_b = t->sh_b, h->has_idx = t->idx != NULL;
	h->below = t->below;
	h->prefix_hi = (uint64_t)(t->prefix >> 64);
	h->prefix_lo = (uint64_t)t->prefix;
	h->mask = t->mask;
}

int
nj_compiled_write(const struct nj_rules *r, int (*put)(void *arg, const void *p, size_t n),
    void *arg)
{
	struct header h;
	const void *src[NSEC];
	uint64_t pos;
	static const char zero[16];
	int rc;

	if (r->dyn_merged || r->held)
		return -EINVAL; /* this machine's @self/@resolvers inside: not portable */
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, 8);
	nj_compiled_layout(h.layout);
	h.nrules = r->nrules, h.nports = r->nports, h.nstr = r->nstr, h.nother = r->nother;
	h.ndyn = r->ndyn, h.nallow = r->nallow;
	h.use_proto = (uint32_t)r->use_proto;
	put_table(&h.t[0], &r->t4);
	put_table(&h.t[1], &r->t6);
	src[S_FILE] = r->file, h.len[S_FILE] = strlen(r->file) + 1;
	src[S_RULES] = r->rule, h.len[S_RULES] = r->nrules * sizeof(*r->rule);
	src[S_PORTS] = r->ports, h.len[S_PORTS] = r->nports * sizeof(*r->ports);
	src[S_STR] = r->str, h.len[S_STR] = r->nstr;
	src[S_OTHER] = r->other, h.len[S_OTHER] = r->nother * sizeof(*r->other);
	src[S_DYN] = r->dyn, h.len[S_DYN] = r->ndyn * sizeof(*r->dyn);
	for (int k = 0; k < 2; k++) {
		const struct nj_table *t = k ? &r->t6 : &r->t4;
		int base = k ? S_T6 : S_T4;

		src[base + T_START] = k ? (const void *)t->start6 : (const void *)t->start4;
		h.len[base + T_START] = t->nnode * (k ? sizeof(nj_u128) : sizeof(uint32_t));
		src[base + T_LEN] = t->len, h.len[base + T_LEN] = t->nnode;
		src[base + T_PARENT] = t->parent;
		h.len[base + T_PARENT] = t->nnode * sizeof(uint32_t);
		src[base + T_RULES] = t->rules, h.len[base + T_RULES] = t->nnode * sizeof(uint32_t);
		src[base + T_REFS] = t->refs, h.len[base + T_REFS] = t->nrefs * sizeof(uint32_t);
		src[base + T_IDX] = t->idx;
		h.len[base + T_IDX] = t->idx ? (((size_t)1 << t->kbits) + 1) * sizeof(uint32_t) : 0;
	}
	pos = (sizeof(h) + 15) & ~(uint64_t)15;
	for (int s = 0; s < NSEC; s++) {
		h.off[s] = pos;
		pos = (pos + h.len[s] + 15) & ~(uint64_t)15;
	}
	h.size = pos;
	if ((rc = put(arg, &h, sizeof(h))) != 0)
		return rc;
	pos = sizeof(h);
	for (int s = 0; s < NSEC; s++) {
		if ((rc = put(arg, zero, h.off[s] - pos)) != 0 ||
		    (h.len[s] && (rc = put(arg, src[s], h.len[s])) != 0))
			return rc;
		pos = h.off[s] + h.len[s];
	}
	return put(arg, zero, h.size - pos);
}

int
nj_rules_held(const struct nj_rules *r)
{
	return r ? r->held : NJ_HELD_PARSED;
}

int
nj_rules_is_compiled(const void *head, size_t n)
{
	return n >= 8 && memcmp(head, MAGIC, 8) == 0;
}

/* ---- adopting: validate everything, trust nothing ---- */

#define BAD(msg)                \
	do {                    \
		*why = (msg);   \
		return -EINVAL; \
	} while (0)

/* Point t at its arrays in the file and check what costs nothing to check (sizes agree, the
 * index fits its table); with full, check every element as well. */
static int
check_table(const struct header *h, int k, const unsigned char *base, struct nj_table *t,
    size_t nrules, int full, const char **why)
{
	const struct tablehdr *th = &h->t[k];
	int s = k ? S_T6 : S_T4;
	unsigned bits = k ? 128 : 32;
	size_t ksize = k ? sizeof(nj_u128) : sizeof(uint32_t);

	if (th->nnode > UINT32_MAX / 2 || th->nrefs > UINT32_MAX / 2 ||
	    h->len[s + T_START] != th->nnode * ksize || h->len[s + T_LEN] != th->nnode ||
	    h->len[s + T_PARENT] != th->nnode * sizeof(uint32_t) ||
	    h->len[s + T_RULES] != th->nnode * sizeof(uint32_t) ||
	    h->len[s + T_REFS] != th->nrefs * sizeof(uint32_t))
		BAD("table sizes do not agree");
	memset(t, 0, sizeof(*t));
	t->nnode = th->nnode;
	t->nrefs = th->nrefs;
	t->len = (uint8_t *)(uintptr_t)(base + h->off[s + T_LEN]);
	t->parent = (uint32_t *)(uintptr_t)(base + h->off[s + T_PARENT]);
	t->rules = (uint32_t *)(uintptr_t)(base + h->off[s + T_RULES]);
	t->refs = (uint32_t *)(uintptr_t)(base + h->off[s + T_REFS]);
	if (k)
		t->start6 = (nj_u128 *)(uintptr_t)(base + h->off[s + T_START]);
	else
		t->start4 = (uint32_t *)(uintptr_t)(base + h->off[s + T_START]);
	if (th->has_idx) {
		if (th->kbits > 16 || th->cp > bits || th->cp + th->kbits > bits ||
		    (th->hb != bits && !(k && th->hb == 64 && th->cp + th->kbits <= 64)) ||
		    th->sh_top != th->hb - th->cp || th->sh_b != th->hb - th->cp - th->kbits ||
		    th->mask != ((uint64_t)1 << th->kbits) - 1 || t->nnode < 1)
			BAD("the index does not fit its table");
		if (h->len[s + T_IDX] != (((size_t)1 << th->kbits) + 1) * sizeof(uint32_t))
			BAD("the index has the wrong size");
		t->idx = (uint32_t *)(uintptr_t)(base + h->off[s + T_IDX]);
		t->cp = th->cp, t->kbits = th->kbits, t->hb = th->hb;
		t->sh_top = th->sh_top, t->sh_b = th->sh_b, t->mask = (size_t)th->mask;
		/* (any value is safe: a lookup walks up from a node only through checked links) */
		t->below = th->below < t->nnode ? th->below : NJ_NONE;
		t->prefix = ((nj_u128)th->prefix_hi << 64) | th->prefix_lo;
	} else if (h->len[s + T_IDX] != 0) {
		BAD("an index without its parameters");
	}
	if (!full)
		return 0;
	for (size_t i = 0; i < t->nnode; i++) {
		nj_u128 st = k ? t->start6[i] : t->start4[i];
		unsigned len = t->len[i];
		uint32_t x = t->rules[i], p = t->parent[i];

		if (len > bits || (len > 0 && len < bits && (st << len) << (128 - bits) != 0) ||
		    (len == 0 && st != 0))
			BAD("a node's prefix is invalid");
		if (i > 0) {
			nj_u128 ps = k ? t->start6[i - 1] : t->start4[i - 1];

			if (st < ps || (st == ps && len <= t->len[i - 1]))
				BAD("nodes out of order");
		}
		/* a parent comes before its child and holds it: no cycles */
		if (p != NJ_NONE) {
			nj_u128 pst;
			unsigned pl;

			if (p >= i)
				BAD("a node's parent does not come before it");
			pst = k ? t->start6[p] : t->start4[p];
			pl = t->len[p];
			if (pl >= len || (pl > 0 && ((st ^ pst) >> (bits - pl)) != 0))
				BAD("a node's parent does not hold it");
		}
		if (x & NJ_ONE) {
			if ((x & ~NJ_ONE) >= nrules)
				BAD("a node names a rule that is not there");
		} else if (x >= t->nrefs || t->refs[x] < 2 || t->refs[x] > t->nrefs - x - 1) {
			BAD("a node's rules are out of bounds");
		} else {
			for (uint32_t j = 0; j < t->refs[x]; j++)
				if (t->refs[x + 1 + j] >= nrules)
					BAD("a node names a rule that is not there");
		}
	}
	if (t->idx) {
		size_t nb = (size_t)1 << t->kbits;

		for (size_t b = 0; b <= nb; b++)
			if (t->idx[b] > t->nnode || (b > 0 && t->idx[b] < t->idx[b - 1]))
				BAD("the index is out of bounds");
		if (t->idx[nb] != t->nnode)
			BAD("the index does not end at the table's end");
		for (size_t i = 0; i < t->nnode; i++) {
			nj_u128 st = k ? t->start6[i] : t->start4[i];
			size_t b = (size_t)(st >> (bits - t->cp - t->kbits)) & t->mask;

			if (st == 0 ? (t->below == NJ_NONE || i > t->below) :
			              ((t->cp && (st >> (bits - t->cp)) != t->prefix) ||
			                  t->idx[b] > i || t->idx[b + 1] <= i))
				BAD("the index does not match the nodes");
		}
		if (t->below != NJ_NONE && t->below + 1 < t->nnode &&
		    (k ? t->start6[t->below + 1] : t->start4[t->below + 1]) == 0)
			BAD("the index does not match the nodes");
	}
	return 0;
}

static int
check_rules(const struct nj_rules *r, const char **why)
{
	size_t nallow = 0, ndyn = 0;

	for (size_t i = 0; i < r->nports; i++)
		if (r->ports[i].lo < 1 || r->ports[i].lo > r->ports[i].hi)
			BAD("a port range is invalid");
	for (size_t i = 0; i < r->nrules; i++) {
		const struct nj_rule *ru = &r->rule[i];
		const struct nj_table *t = ru->arg & NJ_ARG_V6 ? &r->t6 : &r->t4;

		if ((ru->action != NJ_ALLOW && ru->action != NJ_BLOCK) ||
		    ru->proto > NJ_PROTO_UDP || ru->target < NJ_T_PREFIX ||
		    ru->target > NJ_T_HOST || (uint64_t)ru->ports_off + ru->ports_n > r->nports)
			BAD("a rule is invalid");
		if (ru->target == NJ_T_PRESET && ru->flags >= nj_preset_count())
			BAD("a rule names an unknown preset");
		if (ru->target == NJ_T_PREFIX && (ru->arg & ~NJ_ARG_V6) >= t->nnode)
			BAD("a rule's prefix is not in its table");
		if ((ru->target == NJ_T_UNIX || ru->target == NJ_T_EXEC ||
		        ru->target == NJ_T_HOST) &&
		    ru->arg >= r->nstr)
			BAD("a rule's path is out of bounds");
	}
	for (size_t i = 0; i < r->nother; i++)
		if (r->other[i] >= r->nrules)
			BAD("a rule index is out of bounds");
	for (size_t i = 0; i < r->nrules; i++) {
		nallow += r->rule[i].action == NJ_ALLOW ? 1 : 0;
		ndyn += nj_rule_is_dynamic(&r->rule[i]) ? 1 : 0;
	}
	if (nallow != r->nallow || ndyn != r->ndyn)
		BAD("the rule counts do not agree with the rules");
	return 0;
}

/* The list of the dynamic presets' rules, checked however the file loads: it costs its
 * length, not the policy's. */
static int
check_dyn(const struct nj_rules *r, const char **why)
{
	for (size_t j = 0; j < r->ndyn; j++)
		if (r->dyn[j] >= r->nrules || (j > 0 && r->dyn[j] <= r->dyn[j - 1]) ||
		    !nj_rule_is_dynamic(&r->rule[r->dyn[j]]))
			BAD("the list of @self and @resolvers rules is invalid");
	return 0;
}

/* The dynamic presets' rules (r->dyn, checked), in tables of their own, from this
 * machine's sys. */
static int
build_dynamic(struct nj_rules *r, const struct nj_sys *sys)
{
	struct nj_entry *e[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 }, cap[2] = { 0, 0 };
	int rc = 0;

	for (size_t j = 0; j < r->ndyn && sys != NULL && rc == 0; j++) {
		uint32_t i = r->dyn[j];
		const struct nj_rule *ru = &r->rule[i];
		const struct nj_prefix *v;
		size_t nv;

		v = nj_preset_find_dynamic(ru->flags, sys, &nv);
		for (size_t k = 0; k < nv && rc == 0; k++) {
			int f = v[k].ip.family == 6;

			if (n[f] == cap[f]) {
				struct nj_entry *ne;

				cap[f] = cap[f] ? 2 * cap[f] : 16;
				if ((ne = realloc(e[f], cap[f] * sizeof(*ne))) == NULL) {
					rc = -ENOMEM;
					break;
				}
				e[f] = ne;
			}
			e[f][n[f]].start = nj_ip_key(&v[k].ip);
			e[f][n[f]].len = v[k].len;
			e[f][n[f]].rule = (uint32_t)i;
			n[f]++;
		}
	}
	if (rc == 0 && (rc = nj_table_build(&r->t4d, 4, e[0], n[0])) == 0)
		rc = nj_table_build(&r->t6d, 6, e[1], n[1]);
	free(e[0]);
	free(e[1]);
	return rc;
}

size_t
nj_compiled_header_size(void)
{
	return sizeof(struct header);
}

int
nj_compiled_check_header(const void *head, size_t size, const char **why)
{
	struct header h;
	uint32_t lay[8];

	*why = "";
	if (size < sizeof(h))
		BAD("too short to be a compiled policy");
	memcpy(&h, head, sizeof(h));
	nj_compiled_layout(lay);
	if (memcmp(h.magic, MAGIC, 8) != 0 || memcmp(h.layout, lay, sizeof(lay)) != 0)
		BAD("compiled by another netjail build: compile it again with this one");
	if (h.size != size)
		BAD("truncated or extended since it was compiled");
	for (int s = 0; s < NSEC; s++)
		if (h.off[s] % 16 || h.off[s] < sizeof(h) || h.off[s] > size ||
		    h.len[s] > size - h.off[s])
			BAD("a section lies outside the file");
	if (h.len[S_RULES] != h.nrules * sizeof(struct nj_rule) ||
	    h.len[S_PORTS] != h.nports * sizeof(struct nj_portrange) || h.len[S_STR] != h.nstr ||
	    h.len[S_OTHER] != h.nother * sizeof(uint32_t) ||
	    h.len[S_DYN] != h.ndyn * sizeof(uint32_t) || h.nrules > NJ_MAX_RULES ||
	    h.ndyn > h.nrules || h.nallow > h.nrules || h.len[S_FILE] == 0)
		BAD("section sizes do not agree");
	return 0;
}

int
nj_compiled_adopt(const struct nj_compiled_copy *copy, const struct nj_sys *sys, int full,
    struct nj_rules **ret, const char **why)
{
	const unsigned char *base = copy->base;
	struct header h;
	struct nj_rules *r;
	int rc = -EINVAL;

	*ret = NULL;
	if ((rc = nj_compiled_check_header(base, copy->size, why)) != 0) {
		copy->release(copy->base, copy->len);
		return rc;
	}
	memcpy(&h, base, sizeof(h));
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		copy->release(copy->base, copy->len);
		return -ENOMEM;
	}
	r->held = copy->held;
	r->map = copy->base;
	r->maplen = copy->len;
	r->release = copy->release;
	r->nrules = h.nrules, r->nports = h.nports, r->nstr = h.nstr, r->nother = h.nother;
	r->ndyn = h.ndyn, r->nallow = h.nallow;
	r->use_proto = (int)h.use_proto;
	r->rule = (struct nj_rule *)(uintptr_t)(base + h.off[S_RULES]);
	r->ports = (struct nj_portrange *)(uintptr_t)(base + h.off[S_PORTS]);
	r->str = (char *)(uintptr_t)(base + h.off[S_STR]);
	r->other = (uint32_t *)(uintptr_t)(base + h.off[S_OTHER]);
	r->dyn = (uint32_t *)(uintptr_t)(base + h.off[S_DYN]);
	if (base[h.off[S_FILE] + h.len[S_FILE] - 1] != '\0') {
		*why = "the file name is not terminated";
		goto fail;
	}
	if ((r->file = strdup((const char *)base + h.off[S_FILE])) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (r->nstr && r->str[r->nstr - 1] != '\0') {
		*why = "the string section is not terminated";
		goto fail;
	}
	if ((rc = check_table(&h, 0, base, &r->t4, r->nrules, full, why)) != 0 ||
	    (rc = check_table(&h, 1, base, &r->t6, r->nrules, full, why)) != 0 ||
	    (full && (rc = check_rules(r, why)) != 0) || (rc = check_dyn(r, why)) != 0)
		goto fail;
	/* host rules are among the others: counted and indexed here, not kept in the file */
	if (nj_host_index(r) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = build_dynamic(r, sys)) != 0)
		goto fail;
	*ret = r;
	return 0;
fail:
	nj_rules_free(r);
	return rc;
}
