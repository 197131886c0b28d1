/* internal.h - the layout of a compiled rule set, shared by the files of engine/ (and sys/load.c, which reads what compiled.c writes). */
#ifndef NJ_INTERNAL_H
#define NJ_INTERNAL_H

#include "engine/engine.h"

__extension__ typedef unsigned __int128 nj_u128;

enum nj_target {
	NJ_T_PREFIX = 1,
	NJ_T_ANY,
	NJ_T_PRESET,
	NJ_T_UNIX,
	NJ_T_FAMILY,
	NJ_T_EXEC,
	NJ_T_HOST /* a name (host.c): arg its offset into str, NJ_RF_GLOB for *.domain */
};

struct nj_portrange {
	uint16_t lo, hi;
};

/* One line of the file, 20 bytes: compiled policies hold one per rule, so it is kept small.
 * A prefix rule's prefix is not stored here but in its table's node (arg names it): the
 * table holds it anyway. */
struct nj_rule {
	uint32_t line;
	uint8_t action; /* enum nj_action */
	uint8_t proto; /* enum nj_proto: ANY, TCP or UDP */
	uint8_t target; /* enum nj_target */
	uint8_t flags; /* NJ_T_PRESET: the preset id; NJ_T_UNIX, NJ_T_EXEC: NJ_RF_* */
	uint32_t ports_off; /* into rules->ports; ports_n == 0: every port */
	uint32_t ports_n;
	/* NJ_T_PREFIX: the node of its prefix, NJ_ARG_V6 set when in t6; NJ_T_UNIX, NJ_T_EXEC:
	 * the path's offset into rules->str (NUL-terminated); NJ_T_FAMILY: the AF_* number */
	uint32_t arg;
};
#define NJ_RF_GLOB 1 /* a path ending in '*': prefix match */
#define NJ_RF_ABSTRACT 2 /* NJ_T_UNIX: the abstract namespace */
#define NJ_ARG_V6 0x80000000u

/*
 * The IP lookup structure, one per family.  Rule prefixes nest or are disjoint (a laminar
 * family); each distinct prefix is a node, and the nodes are sorted by start address (a
 * shorter prefix before a longer one with the same start).  A node knows its parent, the next
 * prefix out, so the rules covering an address are those of the innermost node holding it
 * and of that node's ancestors:
 *
 *     start[]:  10.0.0.0   10.1.0.0   10.1.5.0   192.168.0.0    sorted
 *     len[]:    8          16         24         16
 *     parent[]: NONE       0          1          NONE
 *
 * A lookup finds the last node starting at or below the address (a binary search, narrowed
 * by a bucket index on large tables) and walks up from it: the first node on the way that
 * holds the address is the innermost one (every node between a holder and that last node
 * lies inside the holder), and from there every node up holds it.  At most 33 (129) steps.
 * Nothing else is stored: a compiled policy is about as large as its text.
 */
#define NJ_NONE UINT32_MAX
#define NJ_ONE 0x80000000u /* rules[n]: the node's one rule, in the low bits */

struct nj_table {
	/* the bucket index, for tables of at least INDEX_MIN nodes: the node starts share their
	 * top cp bits (value prefix); the next kbits bits pick a bucket, and idx[b] is the first
	 * node whose start lies in bucket b or beyond (idx[2^kbits] = nnode).  kbits grows with
	 * the table, about one bucket a node (most buckets hold one start: the search ends at
	 * once), at four bytes a node.  For the lookup: it reads a word of hb bits (the key, or
	 * the high 64 bits of an IPv6 key when the index lies there); top = word >> sh_top (when
	 * cp > 0) is compared with prefix, and (word >> sh_b) & mask is the bucket.  idx is NULL
	 * for small tables. */
	uint32_t *idx;
	uint32_t below; /* the last node starting at 0, for keys below the prefix (or NJ_NONE) */
	unsigned cp, kbits;
	nj_u128 prefix;
	unsigned hb, sh_top, sh_b;
	size_t mask;
	size_t nnode;
	uint32_t *start4; /* family 4: node starts */
	nj_u128 *start6; /* family 6 */
	uint8_t *len; /* prefix lengths */
	uint32_t *parent; /* NJ_NONE at the top; always below the node's own index */
	/* a node's rules: NJ_ONE | rule for one, else an offset o into refs, where refs[o] is
	 * the count and the rule indices follow */
	uint32_t *rules;
	uint32_t *refs;
	size_t nrefs;
};

struct nj_rules {
	char *file;
	struct nj_rule *rule;
	size_t nrules;
	struct nj_portrange *ports;
	size_t nports;
	char *str; /* unix and exec paths, each NUL-terminated */
	size_t nstr;
	struct nj_table t4, t6;
	uint32_t *other; /* indices of unix, family and exec rules, in file order */
	size_t nother;
	/* indices of the rules naming @self or @resolvers, in file order: a compiled policy
	 * builds their tables (t4d, t6d) from these where it loads, not from every rule */
	uint32_t *dyn;
	size_t ndyn;
	size_t nallow; /* how many rules allow */
	size_t nhost; /* how many are host rules (counted where the rules are made or adopted) */
	/* the host rules by name (host.c, built where the rules are made or adopted, in every
	 * process's own memory): hmask + 1 slots, each a rule's index + 1 or 0 (empty) */
	uint32_t *hidx;
	size_t hmask;
	int use_proto; /* some rule names tcp or udp */
	int dyn_merged; /* @self/@resolvers prefixes are in t4/t6 (not portable) */
	/* a compiled policy (compiled.c): the arrays above point into map, and the dynamic
	 * presets' rules have tables of their own, built where the policy loads */
	int held; /* enum nj_held: NJ_HELD_PARSED, or how the map was made */
	void *map;
	size_t maplen;
	void (*release)(void *map, size_t maplen); /* gives map back (sys/load.c) */
	struct nj_table t4d, t6d;
};

/* host.c: count the host rules and index them by name (r->nhost, r->hidx).  0 or -ENOMEM. */
int nj_host_index(struct nj_rules *r);

/* The sizes and format version a compiled file must agree with (the snapshot cache keys its
 * entries by them too). */
void nj_compiled_layout(uint32_t out[8]);
/* compiled.c (the engine's half: the bytes; sys/load.c reads and copies them) */
int nj_rules_is_compiled(const void *head, size_t n);
/* Write r's compiled form through put (its return, when not 0, stops and is returned). */
int nj_compiled_write(const struct nj_rules *r, int (*put)(void *arg, const void *p, size_t n),
    void *arg);
/* The header's size, and its check against the file's size: 0 or -EINVAL with *why. */
size_t nj_compiled_header_size(void);
int nj_compiled_check_header(const void *head, size_t size, const char **why);
/* A private read-only copy of a compiled file: base[0..len) holds the size bytes of the file,
 * made as held (enum nj_held) says, given back with release. */
struct nj_compiled_copy {
	void *base;
	size_t len, size;
	int held;
	void (*release)(void *base, size_t len);
};
/* Adopt copy as a rule set (owning it: released on error or with the rule set), with the
 * dynamic presets' tables built from sys.  full: validate every byte first (a file from
 * anywhere); otherwise only what costs nothing (the sizes: a snapshot validated whole when it
 * was made, whose identity the caller has checked; the lookups stay inside it even so).  0,
 * -EINVAL with *why, or -ENOMEM. */
int nj_compiled_adopt(const struct nj_compiled_copy *copy, const struct nj_sys *sys, int full,
    struct nj_rules **ret, const char **why);

/* presets.c: @self and @resolvers, which a compiled policy fills in when it loads */
int nj_preset_is_dynamic(int id);
/* Does rule ru name one of them? */
static inline int
nj_rule_is_dynamic(const struct nj_rule *ru)
{
	return ru->target == NJ_T_PRESET && nj_preset_is_dynamic(ru->flags);
}
const struct nj_prefix *nj_preset_find_dynamic(int id, const struct nj_sys *sys, size_t *ret_n);

/* match.c */

/* Does rule ru match proto and port (the address aside)? */
static inline int
nj_rule_matches_port(const struct nj_rules *r, const struct nj_rule *ru, int proto, int port)
{
	if (ru->proto != NJ_PROTO_ANY && ru->proto != proto)
		return 0;
	if (ru->ports_n == 0)
		return 1;
	/* (a bound that a valid set always meets: a snapshot is not read past its end) */
	if (ru->ports_off > r->nports || ru->ports_n > r->nports - ru->ports_off)
		return 0;
	for (uint32_t i = 0; i < ru->ports_n; i++) {
		const struct nj_portrange *pr = &r->ports[ru->ports_off + i];

		if (port >= pr->lo && port <= pr->hi)
			return 1;
	}
	return 0;
}

/* The innermost node of t holding ip, or NJ_NONE. */
uint32_t nj_table_find(const struct nj_table *t, const struct nj_ip *ip);
/* A node's parent (NJ_NONE at the top, or for a damaged link). */
static inline uint32_t
nj_node_up(const struct nj_table *t, uint32_t n)
{
	uint32_t p = t->parent[n];

	return p < n ? p : NJ_NONE;
}
/* The list of a node's rules word x (t->rules[n]) without NJ_ONE: *ret_list[0..count),
 * count returned. */
static inline uint32_t
nj_node_list(const struct nj_table *t, uint32_t x, const uint32_t **ret_list)
{
	uint32_t c;

	if (x >= t->nrefs)
		return 0;
	c = t->refs[x];
	if (c > t->nrefs - x - 1)
		c = (uint32_t)(t->nrefs - x - 1);
	*ret_list = t->refs + x + 1;
	return c;
}
/* The rules of node n: *ret_list[0..count), count returned; one points at storage for the
 * single-rule case. */
static inline uint32_t
nj_node_rules(const struct nj_table *t, uint32_t n, const uint32_t **ret_list, uint32_t *one)
{
	uint32_t x = t->rules[n];

	if (x & NJ_ONE) {
		*one = x & ~NJ_ONE;
		*ret_list = one;
		return 1;
	}
	return nj_node_list(t, x, ret_list);
}
/* The prefix of NJ_T_PREFIX rule ru (from its node). */
void nj_rule_prefix(const struct nj_rules *r, const struct nj_rule *ru, struct nj_prefix *ret);
/* Does host rule ru name name[0..n) (lower case, no trailing dot)? */
int nj_host_rule_matches(const struct nj_rules *r, const struct nj_rule *ru, const char *name,
    size_t n);
/* The path of an NJ_T_UNIX, NJ_T_EXEC or NJ_T_HOST rule, and its length (without a '*'). */
static inline const char *
nj_rule_path(const struct nj_rules *r, const struct nj_rule *ru, size_t *ret_len)
{
	const char *p = r->str + ru->arg;

	*ret_len = __builtin_strlen(p);
	return p;
}

/* addr.c (the two small ones inline: they are on every decision) */

/* The address as an integer, most significant byte first (IPv4 in the low 32 bits). */
static inline nj_u128
nj_ip_key(const struct nj_ip *ip)
{
	uint64_t hi, lo;
	uint32_t v4;

	if (ip->family == 4) {
		__builtin_memcpy(&v4, ip->a, 4);
		return __builtin_bswap32(v4);
	}
	__builtin_memcpy(&hi, ip->a, 8);
	__builtin_memcpy(&lo, ip->a + 8, 8);
	return ((nj_u128)__builtin_bswap64(hi) << 64) | __builtin_bswap64(lo);
}

/* 1 when the address can stand for nothing but itself: not unspecified, not v4-mapped and
 * outside every embedding prefix (those all start with byte 0x00, or are 2001:0::/32 and
 * 2002::/16).  The common case, so the decision skips the general path. */
static inline int
nj_ip_plain(const struct nj_ip *ip)
{
	if (ip->family == 4)
		return ip->a[0] != 0;
	if (ip->a[0] == 0)
		return 0;
	if (ip->a[0] == 0x20)
		return !(ip->a[1] == 0x02 || (ip->a[1] == 0x01 && ip->a[2] == 0 && ip->a[3] == 0));
	return 1;
}
void nj_ip_from_key(nj_u128 k, int family, struct nj_ip *ret);
int nj_ip_is_mapped(const struct nj_ip *ip);
int nj_prefix_parse_err(const char *s, size_t n, struct nj_prefix *ret, size_t *errcol, char *msg,
    size_t msgsize);

/* presets.c: append every prefix of a preset to a growable array */
struct nj_pfxvec {
	struct nj_prefix *v;
	size_t n, cap;
};
int nj_pfxvec_push(struct nj_pfxvec *pv, const struct nj_prefix *p);

/* table.c: build a lookup table from (prefix, rule) entries (consumed; may be reordered) */
struct nj_entry {
	nj_u128 start;
	uint8_t len;
	uint32_t rule;
};
int nj_table_build(struct nj_table *t, int family, struct nj_entry *e, size_t n);
/* After the build: point each NJ_T_PREFIX rule of r at its node (arg). */
void nj_table_link_rules(struct nj_rules *r);
void nj_table_free(struct nj_table *t);

/* resolvconf.c: append ip, as a /32 or /128, to the array v[0..*n) (grown with realloc).
 * 0 or -ENOMEM. */
int nj_prefixes_push(struct nj_prefix **v, size_t *n, const struct nj_ip *ip);

/* diag.c */
int nj_diag_add(struct nj_diags *d, int error, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
