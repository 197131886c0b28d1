/* internal.h - the layout of a compiled rule set, shared by the files of engine/ (and sys/load.c, which reads what compiled.c writes). */
#ifndef NJ_INTERNAL_H
#define NJ_INTERNAL_H

#include "engine/engine.h"

__extension__ typedef unsigned __int128 nj_u128;

enum nj_target { NJ_T_PREFIX = 1, NJ_T_ANY, NJ_T_PRESET, NJ_T_UNIX, NJ_T_FAMILY, NJ_T_EXEC };

struct nj_portrange {
	uint16_t lo, hi;
};

/* One line of the file. */
struct nj_rule {
	uint32_t line;
	uint8_t action; /* enum nj_action */
	uint8_t proto; /* enum nj_proto: ANY, TCP or UDP */
	uint8_t target; /* enum nj_target */
	uint8_t preset; /* NJ_T_PRESET: preset id */
	uint32_t ports_off; /* into rules->ports; ports_n == 0: every port */
	uint32_t ports_n;
	union {
		struct nj_prefix prefix; /* NJ_T_PREFIX */
		struct {
			uint32_t off, len; /* into rules->str: path (NJ_T_UNIX, NJ_T_EXEC) */
			uint8_t glob; /* trailing '*': prefix match */
			uint8_t abstract; /* NJ_T_UNIX: the abstract namespace */
		} path;
		int family; /* NJ_T_FAMILY: AF_* number */
	} u;
};

/*
 * The IP lookup structure, one per family.  Rule prefixes nest or are disjoint (a laminar
 * family), so the address space cuts into at most 2n+1 elementary intervals, each lying
 * inside one innermost prefix (a node) or none.  Nodes know their parent, the next prefix
 * out, so the rules covering an address are those of the innermost node and its ancestors:
 *
 *     key[]:   k0        k1          k2      k3 ...    sorted interval starts
 *     owner[]: NONE      n0          n1      n0        innermost node of [k_i, k_i+1)
 *                        |           |
 *     node:    n0 = 10.0.0.0/8  <- parent -  n1 = 10.1.0.0/16
 *              refs[first..first+count) = the rules written with this prefix
 *
 * A lookup is a binary search over key[] and a walk up at most 33 (129) nodes.
 */
#define NJ_NONE UINT32_MAX

struct nj_node {
	uint32_t parent; /* NJ_NONE at the top */
	uint32_t first; /* into refs */
	uint32_t count;
};

struct nj_table {
	/* A direct index in front of the search, for large tables: the interval keys (but
	 * key[0] = 0) share their top cp bits (value prefix); the next kbits bits pick a bucket,
	 * idx[b] is the first interval whose key lies in bucket b or beyond, and the search
	 * runs inside one bucket.  NULL for small tables. */
	uint32_t *idx;
	unsigned cp, kbits;
	nj_u128 prefix;
	/* the same, ready for the lookup: it reads a word of hb bits (the key, or the high 64
	 * bits of an IPv6 key when the index lies there); top = word >> sh_top (when cp > 0)
	 * must equal prefix, and (word >> sh_b) & mask is the bucket */
	unsigned hb, sh_top, sh_b;
	size_t mask;
	size_t nint; /* intervals */
	uint32_t *key4; /* family 4: interval starts */
	nj_u128 *key6; /* family 6: interval starts */
	uint32_t *owner;
	size_t nnode;
	struct nj_node *node;
	uint32_t *refs; /* rule indices, grouped by node */
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
/* Validate copy whole and adopt it as a rule set (owning it: released on error or with the
 * rule set), with the dynamic presets' tables built from sys.  0, -EINVAL with *why, or
 * -ENOMEM. */
int nj_compiled_adopt(const struct nj_compiled_copy *copy, const struct nj_sys *sys,
    struct nj_rules **ret, const char **why);

/* presets.c: @self and @resolvers, which a compiled policy fills in when it loads */
int nj_preset_is_dynamic(int id);
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
	for (uint32_t i = 0; i < ru->ports_n; i++) {
		const struct nj_portrange *pr = &r->ports[ru->ports_off + i];

		if (port >= pr->lo && port <= pr->hi)
			return 1;
	}
	return 0;
}

uint32_t nj_table_find(const struct nj_table *t, const struct nj_ip *ip);

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
void nj_table_free(struct nj_table *t);

/* resolvconf.c: append ip, as a /32 or /128, to the array v[0..*n) (grown with realloc).
 * 0 or -ENOMEM. */
int nj_prefixes_push(struct nj_prefix **v, size_t *n, const struct nj_ip *ip);

/* diag.c */
int nj_diag_add(struct nj_diags *d, int error, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
