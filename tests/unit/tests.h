/* tests.h - the Check suites of the unit runner (unit.c), and the small helpers they share.
 *
 * The helpers are static inline so every test file compiles on its own under
 * -Wmissing-prototypes and a file that uses only some of them gets no unused-function
 * warning.  They speak the public API of engine/engine.h only: the tests hold the engine to its
 * contract, not to its insides.  A helper that meets input it cannot handle is a bug in the
 * test, and says so through ck_abort_msg.
 */
#ifndef NJ_TESTS_H
#define NJ_TESTS_H

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "sys/exec.h"
#include "sys/sys.h"

Suite *addr_suite(void);
Suite *parse_suite(void);
Suite *match_suite(void);
Suite *presets_suite(void);
Suite *explain_suite(void);
Suite *vectors_suite(void);
Suite *compiled_suite(void);
Suite *api_suite(void);
Suite *ratelimit_suite(void);
Suite *record_suite(void);
Suite *dns_suite(void);
Suite *answers_suite(void);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What decide() returns: the verdict, or that the rules did not parse. */
#define V_ALLOW 1
#define V_DENY 0
#define V_ERROR (-1)

__extension__ typedef unsigned __int128 t_u128;

/* ---- addresses ---- */

static inline struct nj_ip
ip_of(const char *s)
{
	struct nj_ip ip;

	if (nj_ip_parse(s, strlen(s), &ip) != 0)
		ck_abort_msg("test bug: cannot parse address \"%s\"", s);
	return ip;
}

static inline const char *
ip_str(const struct nj_ip *ip, char *buf, size_t size)
{
	nj_ip_format(ip, buf, size);
	return buf;
}

static inline int
ip_eq(const struct nj_ip *a, const struct nj_ip *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

static inline unsigned
fam_bits(int family)
{
	return family == 4 ? 32 : 128;
}

static inline t_u128
fam_max(int family)
{
	return family == 4 ? (t_u128)0xffffffffu : ~(t_u128)0;
}

static inline t_u128
ip_key(const struct nj_ip *ip)
{
	t_u128 k = 0;

	for (int i = 0; i < (ip->family == 4 ? 4 : 16); i++)
		k = k << 8 | ip->a[i];
	return k;
}

static inline struct nj_ip
ip_from_key(t_u128 k, int family)
{
	struct nj_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = (uint8_t)family;
	for (int i = (family == 4 ? 4 : 16) - 1; i >= 0; i--, k >>= 8)
		ip.a[i] = (uint8_t)k;
	return ip;
}

/* The host bits of a prefix length. */
static inline t_u128
host_mask(int family, unsigned len)
{
	unsigned bits = fam_bits(family);

	return len == 0 ? fam_max(family) : (((t_u128)1 << (bits - len)) - 1);
}

static inline t_u128
pfx_first(const struct nj_prefix *p)
{
	return ip_key(&p->ip) & ~host_mask(p->ip.family, p->len) & fam_max(p->ip.family);
}

static inline t_u128
pfx_last(const struct nj_prefix *p)
{
	return pfx_first(p) | host_mask(p->ip.family, p->len);
}

static inline struct nj_prefix
pfx_of(const char *s)
{
	const char *slash = strchr(s, '/');
	struct nj_prefix p;

	memset(&p, 0, sizeof(p));
	if (slash == NULL) {
		p.ip = ip_of(s);
		p.len = (uint8_t)fam_bits(p.ip.family);
		return p;
	}
	if (nj_ip_parse(s, (size_t)(slash - s), &p.ip) != 0)
		ck_abort_msg("test bug: cannot parse prefix \"%s\"", s);
	p.len = (uint8_t)strtol(slash + 1, NULL, 10);
	return p;
}

/* ---- rules ---- */

/* Parse rules text that must be valid; aborts the test with the first error otherwise. */
static inline struct nj_rules *
rules_sys(const char *text, const struct nj_sys *sys)
{
	struct nj_rules *r = NULL;
	struct nj_diags dg;
	int rc;

	memset(&dg, 0, sizeof(dg));
	rc = nj_rules_parse(text, strlen(text), "test.rules", sys, &r, &dg);
	if (rc != 0)
		ck_abort_msg("rules did not parse (rc %d): %u:%u: %s\n--- rules:\n%s", rc,
		    dg.n ? dg.v[0].line : 0, dg.n ? dg.v[0].col : 0, dg.n ? dg.v[0].msg : "", text);
	ck_assert_ptr_nonnull(r);
	nj_diags_free(&dg);
	return r;
}

static inline struct nj_rules *
rules_ok(const char *text)
{
	return rules_sys(text, NULL);
}

/* Parse text[0..len) that is expected to be bad.  Returns nj_rules_parse's code and the
 * first error (line 0, col 0, "" when there was none), and checks *ret stayed NULL. */
static inline int
parse_err(const char *text, size_t len, uint32_t *line, uint32_t *col, char *msg, size_t msgsize)
{
	struct nj_rules *r = (struct nj_rules *)(uintptr_t)1; /* must come back NULL */
	struct nj_diags dg;
	int rc;

	memset(&dg, 0, sizeof(dg));
	rc = nj_rules_parse(text, len, "bad.rules", NULL, &r, &dg);
	*line = *col = 0;
	if (msgsize)
		msg[0] = '\0';
	for (size_t i = 0; i < dg.n; i++) {
		if (!dg.v[i].error)
			continue;
		*line = dg.v[i].line;
		*col = dg.v[i].col;
		snprintf(msg, msgsize, "%s", dg.v[i].msg);
		break;
	}
	if (rc != 0)
		ck_assert_msg(r == NULL, "a failed parse must leave *ret NULL");
	else
		nj_rules_free(r);
	nj_diags_free(&dg);
	return rc;
}

/* ---- destinations ---- */

static inline int
proto_of(const char *proto)
{
	if (proto == NULL || strcmp(proto, "tcp") == 0)
		return NJ_PROTO_TCP;
	if (strcmp(proto, "udp") == 0)
		return NJ_PROTO_UDP;
	if (strcmp(proto, "other") == 0)
		return NJ_PROTO_OTHER;
	ck_abort_msg("test bug: proto \"%s\"", proto);
	return -1;
}

/* 0..65535 in decimal, or -1. */
static inline int
port_of(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 65535 ? (int)v : -1;
}

/* A destination as `netjail explain` takes it: a.b.c.d, a.b.c.d:PORT, [v6]:PORT, [v6], v6,
 * unix:/path, unix:@abstract, unix: (unnamed), family:NAME.  No port: NJ_PORT_ANY.  proto
 * "tcp" (or NULL), "udp" or "other".  Paths point into text.  Returns 0 or -1. */
static inline int
dest_parse(const char *proto, const char *text, struct nj_dest *d)
{
	char host[128];
	const char *port = NULL;

	memset(d, 0, sizeof(*d));
	d->proto = proto_of(proto);
	d->port = NJ_PORT_ANY;
	if (strncmp(text, "unix:", 5) == 0) {
		d->kind = NJ_DEST_UNIX;
		d->path = text + 5;
		if (d->path[0] == '@') {
			d->abstract = 1;
			d->path++;
		}
		d->pathlen = strlen(d->path);
		return 0;
	}
	if (strncmp(text, "family:", 7) == 0) {
		d->kind = NJ_DEST_FAMILY;
		d->family = nj_family_find(text + 7, strlen(text + 7));
		return d->family < 0 ? -1 : 0;
	}
	d->kind = NJ_DEST_IP;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (end == NULL || (size_t)(end - text - 1) >= sizeof(host))
			return -1;
		memcpy(host, text + 1, (size_t)(end - text - 1));
		host[end - text - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		const char *colon = strchr(text, ':');

		if (strlen(text) >= sizeof(host))
			return -1;
		if (colon && strchr(colon + 1, ':') == NULL) {
			memcpy(host, text, (size_t)(colon - text));
			host[colon - text] = '\0';
			port = colon + 1;
		} else {
			memcpy(host, text, strlen(text) + 1); /* a.b.c.d, or bare IPv6 */
		}
	}
	if (nj_ip_parse(host, strlen(host), &d->ip) != 0)
		return -1;
	if (port && (d->port = port_of(port)) < 0)
		return -1;
	return 0;
}

static inline struct nj_dest
dest_of(const char *proto, const char *text)
{
	struct nj_dest d;

	if (dest_parse(proto, text, &d) != 0)
		ck_abort_msg("test bug: cannot parse destination \"%s\"", text);
	return d;
}

/* An IP destination for an address that is already parsed. */
static inline struct nj_dest
dest_ip(int proto, const struct nj_ip *ip, int port)
{
	struct nj_dest d;

	memset(&d, 0, sizeof(d));
	d.kind = NJ_DEST_IP;
	d.proto = proto;
	d.port = port;
	d.ip = *ip;
	return d;
}

/* Decide dest_text (see dest_parse) under rules_text: V_ALLOW, V_DENY, or V_ERROR when the
 * rules do not parse.  ret (may be NULL) gets the verdict. */
static inline int
decide_v(const char *rules_text, const struct nj_sys *sys, const char *proto, const char *dest_text,
    struct nj_verdict *ret)
{
	struct nj_rules *r = NULL;
	struct nj_dest d = dest_of(proto, dest_text);
	int rc, allow;

	rc = nj_rules_parse(rules_text, strlen(rules_text), "test.rules", sys, &r, NULL);
	if (rc != 0) {
		ck_assert_ptr_null(r);
		return V_ERROR;
	}
	allow = nj_decide(r, &d, ret);
	nj_rules_free(r);
	return allow ? V_ALLOW : V_DENY;
}

static inline int
decide(const char *rules_text, const char *proto, const char *dest_text)
{
	return decide_v(rules_text, NULL, proto, dest_text, NULL);
}

static inline const char *
verdict_str(int v)
{
	return v == V_ALLOW ? "allow" : v == V_DENY ? "deny" : v == V_ERROR ? "error" : "?";
}

/* ---- a fixed-seed PRNG (splitmix64): the same cases on every run ---- */

static inline uint64_t
prng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint64_t
prng_below(uint64_t *s, uint64_t n)
{
	return n ? prng_next(s) % n : 0;
}

#endif
