/* host.c - host rules' names (SPEC.md §3a): what a NAME may be, and which rules a name that
 * a program looked up matches.
 *
 * A rule's name is kept lower case without its trailing dot in rules->str: "api.stripe.com",
 * or for "*.example.com" the suffix ".example.com" with NJ_RF_GLOB (one label or more before
 * it, never the bare domain).  A looked-up name is put in the same form (nj_host_norm) before
 * it is compared, so matching is a plain compare of bytes.  Async-signal-safe.
 *
 * The host rules are indexed by that string (r->hidx: open addressing, linear probing), so a
 * name costs one probe for itself and one per dot in it (the suffixes a wildcard can name),
 * however many host rules there are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

static int
is_label_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

int
nj_host_check(const char *s, size_t n, size_t *ret_col, const char **ret_why)
{
	size_t label = 0, i = 0;

	if (n >= 2 && s[0] == '*' && s[1] == '.')
		i = 2;
	if (n > i && s[n - 1] == '.')
		n--; /* the root's dot: api.stripe.com. is api.stripe.com */
	if (n - i > 253) {
		*ret_col = 253 + i;
		*ret_why = "host name longer than 253 bytes";
		return -EINVAL;
	}
	if (n == i) {
		*ret_col = i;
		*ret_why = "expected a host name";
		return -EINVAL;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0) {
				*ret_col = i;
				*ret_why = "empty label in a host name";
				return -EINVAL;
			}
			label = 0;
			continue;
		}
		if (c == '*') {
			*ret_col = i;
			*ret_why = "a wildcard is only a leading *. (*.example.com)";
			return -EINVAL;
		}
		if (!is_label_byte(c)) {
			*ret_col = i;
			*ret_why = c >= 0x80 ?
			    "a host name is ASCII: write an IDN in its xn-- form" :
			    "not a letter, digit, '-', '_' or '.' in a host name";
			return -EINVAL;
		}
		if (++label > 63) {
			*ret_col = i;
			*ret_why = "a label of a host name is longer than 63 bytes";
			return -EINVAL;
		}
	}
	if (label == 0) { /* "a..": a dot before the root's */
		*ret_col = n;
		*ret_why = "empty label in a host name";
		return -EINVAL;
	}
	return 0;
}

int
nj_host_norm(const char *s, char *out, size_t size)
{
	size_t n, col;
	const char *why;

	if (s == NULL || size == 0)
		return -EINVAL;
	for (n = 0; n < 256 && s[n]; n++) /* (no strnlen: one import fewer in the shim) */
		;
	if (n >= 256 || (n >= 1 && s[0] == '*') || nj_host_check(s, n, &col, &why) != 0)
		return -EINVAL;
	if (s[n - 1] == '.')
		n--;
	if (n >= size)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return (int)n;
}

int
nj_host_rule_matches(const struct nj_rules *r, const struct nj_rule *ru, const char *name, size_t n)
{
	size_t rn;
	const char *rs;

	if (ru->target != NJ_T_HOST || ru->arg >= r->nstr)
		return 0;
	rs = nj_rule_path(r, ru, &rn);
	if (ru->flags & NJ_RF_GLOB) /* ".example.com": one label or more before it */
		return n > rn && memcmp(name + n - rn, rs, rn) == 0;
	return n == rn && memcmp(name, rs, rn) == 0;
}

/* A name's hash, taken from its end: the hash of each suffix a wildcard can name comes on
 * the way to the whole name's (nj_host_rule: one pass over the name). */
#define HASH_SEED 2166136261u
static uint32_t
hash_step(uint32_t h, char c)
{
	return (h ^ (unsigned char)c) * 16777619u;
}

static size_t
name_hash(const char *s, size_t n)
{
	uint32_t h = HASH_SEED;

	while (n > 0)
		h = hash_step(h, s[--n]);
	return h;
}

int
nj_host_index(struct nj_rules *r)
{
	size_t cap = 16;

	r->nhost = 0;
	for (size_t i = 0; i < r->nother; i++)
		r->nhost += r->other[i] < r->nrules && r->rule[r->other[i]].target == NJ_T_HOST;
	if (r->nhost == 0)
		return 0;
	while (cap < 2 * r->nhost)
		cap *= 2;
	if ((r->hidx = calloc(cap, sizeof(*r->hidx))) == NULL)
		return -ENOMEM;
	r->hmask = cap - 1;
	for (size_t i = 0; i < r->nother; i++) {
		const struct nj_rule *ru;
		const char *s;
		size_t n, h;

		if (r->other[i] >= r->nrules || (ru = &r->rule[r->other[i]])->target != NJ_T_HOST ||
		    ru->arg >= r->nstr)
			continue;
		s = nj_rule_path(r, ru, &n);
		for (h = name_hash(s, n) & r->hmask; r->hidx[h]; h = (h + 1) & r->hmask)
			;
		r->hidx[h] = r->other[i] + 1;
	}
	return 0;
}

/* The host rules whose string is s[0..n) (glob: a wildcard's suffix), of action, for proto
 * and port: the first in the file, if it comes before *best. */
static void
probe(const struct nj_rules *r, size_t hash, const char *s, size_t n, int glob, int action,
    int proto, int port, uint32_t *best)
{
	for (size_t h = hash & r->hmask; r->hidx[h]; h = (h + 1) & r->hmask) {
		uint32_t k = r->hidx[h] - 1;
		const struct nj_rule *ru = &r->rule[k];
		const char *rs;
		size_t rn;

		if (k >= *best || ru->action != action || !(ru->flags & NJ_RF_GLOB) != !glob)
			continue;
		rs = nj_rule_path(r, ru, &rn);
		if (rn != n || memcmp(rs, s, n) != 0)
			continue;
		/* proto < 0 (a lookup that names none): any rule of the name; port NJ_PORT_ANY:
		 * some port of it */
		if (proto < 0 ||
		    (port == NJ_PORT_ANY ? ru->proto == NJ_PROTO_ANY || ru->proto == proto :
		                           nj_rule_matches_port(r, ru, proto, port)))
			*best = k;
	}
}

uint32_t
nj_host_rule(const struct nj_rules *r, int action, const char *name, size_t n, int proto, int port)
{
	uint32_t best = NJ_NORULE, h = HASH_SEED;

	if (r == NULL || r->nhost == 0 || r->hidx == NULL || n == 0)
		return NJ_NORULE;
	/* from the end: ".example.com" of "a.example.com" (one label or more before it), then
	 * the name itself */
	for (size_t i = n - 1; i > 0; i--) {
		h = hash_step(h, name[i]);
		if (name[i] == '.')
			probe(r, h, name + i, n - i, 1, action, proto, port, &best);
	}
	probe(r, hash_step(h, name[0]), name, n, 0, action, proto, port, &best);
	return best;
}

size_t
nj_rules_host_count(const struct nj_rules *r)
{
	return r ? r->nhost : 0;
}

int
nj_rule_is_host(const struct nj_rules *r, uint32_t i)
{
	return i < r->nrules && r->rule[i].target == NJ_T_HOST;
}

int
nj_rule_host_matches(const struct nj_rules *r, uint32_t i, const char *name, size_t n)
{
	return i < r->nrules && nj_host_rule_matches(r, &r->rule[i], name, n);
}
