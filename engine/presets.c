/* presets.c - named prefix sets (SPEC.md §4), each prefix with its source. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

/* Arrays, not pointers: a table of pointers needs a relocation per pointer, which puts it in
 * the shim's writable data; every process the shim is loaded into would carry it there.
 * scripts/gen-presets refuses a field that does not fit. */
struct preset_row {
	char name[16], prefix[44], source[160];
};

/* The static rows: IANA IPv4/IPv6 Special-Purpose Address Registries, the RFCs they cite,
 * and the cloud providers' metadata documentation.  Generated from data/presets.tsv. */
#include "engine/presets_table.h"

/* Preset ids, in the order `netjail presets` lists them.  The static ones come from the
 * table; public, self and resolvers are computed. */
static const char names[][16] = {
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
	"public",
	"self",
	"resolvers",
};
enum { P_PUBLIC = 14, P_SELF = 15, P_RESOLVERS = 16, NPRESETS = 17 };

int
nj_preset_count(void)
{
	return NPRESETS;
}

const char *
nj_preset_name(int id)
{
	return id >= 0 && id < NPRESETS ? names[id] : NULL;
}

int
nj_preset_find(const char *name, size_t n)
{
	for (int i = 0; i < NPRESETS; i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return i;
	return -1;
}

int
nj_pfxvec_push(struct nj_pfxvec *pv, const struct nj_prefix *p)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 64;
		struct nj_prefix *v = realloc(pv->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->n++] = *p;
	return 0;
}

static int
static_each(const char *name, int (*fn)(void *, const struct nj_prefix *, const char *), void *arg)
{
	for (size_t i = 0; i < sizeof(preset_rows) / sizeof(preset_rows[0]); i++) {
		struct nj_prefix p;
		size_t col;
		char msg[8];
		int rc;

		if (strcmp(preset_rows[i].name, name) != 0)
			continue;
		/* the table is checked by the tests; a row that does not parse is skipped
		 * rather than guessed at */
		if (nj_prefix_parse_err(preset_rows[i].prefix, strlen(preset_rows[i].prefix), &p,
		        &col, msg, sizeof(msg)) != 0)
			continue;
		if ((rc = fn(arg, &p, preset_rows[i].source)) != 0)
			return rc;
	}
	return 0;
}

/* @public = any minus @special minus @metadata, as the fewest prefixes: split the space in
 * halves until each half lies wholly inside or wholly outside the excluded set. */
struct excl {
	struct nj_prefix v[96];
	int n;
};

static int
collect(void *arg, const struct nj_prefix *p, const char *source)
{
	struct excl *x = arg;

	(void)source;
	if (x->n < (int)(sizeof(x->v) / sizeof(x->v[0])))
		x->v[x->n++] = *p;
	return 0;
}

static int
complement(const struct excl *x, int family, nj_u128 key, unsigned len,
    int (*fn)(void *, const struct nj_prefix *, const char *), void *arg)
{
	unsigned bits = family == 4 ? 32 : 128;
	struct nj_prefix p;
	int inside = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	nj_ip_from_key(key, family, &p.ip);
	p.len = (uint8_t)len;
	for (int i = 0; i < x->n; i++) {
		if (x->v[i].ip.family != family)
			continue;
		if (x->v[i].len <= len && nj_prefix_contains(&x->v[i], &p.ip))
			return 0; /* wholly excluded */
		if (x->v[i].len > len && nj_prefix_contains(&p, &x->v[i].ip))
			inside = 1; /* partly excluded: split */
	}
	if (!inside)
		return fn(arg, &p, "any minus @special minus @metadata");
	if ((rc = complement(x, family, key, len + 1, fn, arg)) != 0)
		return rc;
	return complement(x, family, key | ((nj_u128)1 << (bits - len - 1)), len + 1, fn, arg);
}

static int
each_sys(const struct nj_prefix *v, size_t n, const char *source,
    int (*fn)(void *, const struct nj_prefix *, const char *), void *arg)
{
	for (size_t i = 0; i < n; i++) {
		int rc = fn(arg, &v[i], source);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int
nj_preset_is_dynamic(int id)
{
	return id == P_SELF || id == P_RESOLVERS;
}

const struct nj_prefix *
nj_preset_find_dynamic(int id, const struct nj_sys *sys, size_t *ret_n)
{
	*ret_n = 0;
	if (sys == NULL)
		return NULL;
	if (id == P_SELF) {
		*ret_n = sys->nself;
		return sys->self;
	}
	if (id == P_RESOLVERS) {
		*ret_n = sys->nresolvers;
		return sys->resolvers;
	}
	return NULL;
}

int
nj_preset_each(int id, const struct nj_sys *sys,
    int (*fn)(void *arg, const struct nj_prefix *p, const char *source), void *arg)
{
	struct excl x;
	int rc;

	switch (id) {
	case P_PUBLIC:
		x.n = 0;
		static_each("special", collect, &x);
		static_each("metadata", collect, &x);
		if ((rc = complement(&x, 4, 0, 0, fn, arg)) != 0)
			return rc;
		return complement(&x, 6, 0, 0, fn, arg);
	case P_SELF:
		return sys ?
		    each_sys(sys->self, sys->nself, "address of a local interface", fn, arg) :
		    0;
	case P_RESOLVERS:
		return sys ? each_sys(sys->resolvers, sys->nresolvers,
		                 "nameserver in /etc/resolv.conf", fn, arg) :
		             0;
	default:
		if (id < 0 || id >= NPRESETS)
			return -EINVAL;
		return static_each(names[id], fn, arg);
	}
}

/* The policy of `netjail run` without -r (SPEC.md §4); examples/default.rules is the
 * same text with comments, and a test keeps the two equal. */
const char nj_default_policy[] = "allow @public\n"
                                 "allow @resolvers port 53\n"
                                 "block @metadata\n"
                                 "block @self\n";
