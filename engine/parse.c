/* parse.c - rules text -> struct nj_rules: strict, all-or-nothing, FILE:LINE:COL errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef AF_MCTP
#define AF_MCTP 45 /* the kernel's number; musl's headers lack it */
#endif

#include "engine/internal.h"

#define MAXTOK 16 /* a valid rule has at most 6 tokens; more is reported as trailing text */

struct tok {
	const char *s;
	size_t n;
	uint32_t col; /* 1-based */
};

/* Growable arrays while parsing; the finished rule set takes them over. */
struct build {
	const struct nj_sys *sys;
	struct nj_diags *diags;
	struct nj_rule *rule;
	size_t nrule, caprule;
	struct nj_portrange *ports;
	size_t nports, capports;
	char *str;
	size_t nstr, capstr;
	struct nj_prefix *pfx; /* NJ_T_PREFIX rules' prefixes, by rule, until the tables */
	size_t cappfx;
	struct nj_prefix cur; /* the prefix of the rule being parsed */
	struct nj_entry *e4, *e6;
	size_t n4, cap4, n6, cap6;
	uint32_t *other;
	size_t nother, capother;
	struct nj_pfxvec preset[32]; /* each preset expanded once per parse */
	int have_preset[32];
	int oom;
	int dyn_merged;
};

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *v;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if ((v = realloc(*p, c * size)) == NULL)
		return -ENOMEM;
	*p = v;
	*cap = c;
	return 0;
}

static int
toklit(const struct tok *t, const char *lit)
{
	size_t n = strlen(lit);

	return t->n == n && memcmp(t->s, lit, n) == 0;
}

/* Quote a token for a message, cut to a sane width. */
static void
quote(char *out, size_t size, const struct tok *t)
{
	size_t n = t->n < 40 ? t->n : 40;

	if (size < 8) {
		out[0] = '\0';
		return;
	}
	if (n > size - 6)
		n = size - 6;
	out[0] = '"';
	memcpy(out + 1, t->s, n);
	memcpy(out + 1 + n, t->n > n ? "...\"" : "\"", t->n > n ? 5 : 2);
}

/* The column just past a token: where a missing word that should follow it is reported
 * (inside the line or one past its end, never past a comment). */
static uint32_t
after(const struct tok *t)
{
	return t->col + (uint32_t)t->n;
}

static int
err(struct build *b, uint32_t line, uint32_t col, const char *msg, const struct tok *t)
{
	char q[64];

	if (t) {
		quote(q, sizeof(q), t);
		return nj_diag_add(b->diags, 1, line, col, "%s %s", msg, q);
	}
	return nj_diag_add(b->diags, 1, line, col, "%s", msg);
}

/* ---- ports ---- */

/* A port: 1..65535 (nj_num_parse: no sign, no leading zero).  Returns its value or -1. */
static long
port_num(const char *s, size_t n)
{
	unsigned long v;

	return nj_num_parse(s, n, 65535, &v) == 0 && v >= 1 ? (long)v : -1;
}

static int
parse_ports(struct build *b, uint32_t line, const struct tok *t, struct nj_rule *ru)
{
	size_t i = 0;

	ru->ports_off = (uint32_t)b->nports;
	ru->ports_n = 0;
	while (i <= t->n) {
		size_t j = i, dash = SIZE_MAX;
		struct tok part;
		long lo, hi;

		while (j < t->n && t->s[j] != ',') {
			if (t->s[j] == '-' && dash == SIZE_MAX)
				dash = j;
			j++;
		}
		part.s = t->s + i;
		part.n = j - i;
		part.col = t->col + (uint32_t)i;
		if (part.n == 0)
			return err(b, line, part.col, "expected a port number, got an empty entry",
			           NULL),
			       -EINVAL;
		if (dash == SIZE_MAX) {
			lo = hi = port_num(part.s, part.n);
			if (lo < 0)
				return err(b, line, part.col,
				           "expected a port number (1-65535), got", &part),
				       -EINVAL;
		} else {
			struct tok a = { part.s, dash - i, part.col };
			struct tok z = { t->s + dash + 1, j - dash - 1,
				t->col + (uint32_t)(dash + 1) };

			lo = port_num(a.s, a.n);
			if (lo < 0)
				return err(b, line, a.col, "expected a port number (1-65535), got",
				           &a),
				       -EINVAL;
			hi = port_num(z.s, z.n);
			if (hi < 0)
				return err(b, line, z.col, "expected a port number (1-65535), got",
				           &z),
				       -EINVAL;
			if (hi < lo)
				return err(b, line, part.col,
				           "port range is reversed (low-high):", &part),
				       -EINVAL;
		}
		if (grow((void **)&b->ports, &b->capports, b->nports + 1, sizeof(*b->ports)))
			return b->oom = 1, -ENOMEM;
		b->ports[b->nports].lo = (uint16_t)lo;
		b->ports[b->nports].hi = (uint16_t)hi;
		b->nports++;
		ru->ports_n++;
		i = j + 1;
	}
	return 0;
}

/* ---- targets ---- */

static const struct {
	char name[12]; /* an array, not a pointer: see struct preset_row in presets.c */
	int af;
} families[] = {
	{ "netlink", AF_NETLINK },
	{ "packet", AF_PACKET },
	{ "raw", NJ_FAMILY_RAW },
	{ "vsock", AF_VSOCK },
	{ "bluetooth", AF_BLUETOOTH },
	{ "can", AF_CAN },
	{ "alg", AF_ALG },
	{ "x25", AF_X25 },
	{ "ax25", AF_AX25 },
	{ "ipx", AF_IPX },
	{ "appletalk", AF_APPLETALK },
	{ "netrom", AF_NETROM },
	{ "bridge", AF_BRIDGE },
	{ "atmpvc", AF_ATMPVC },
	{ "rose", AF_ROSE },
	{ "decnet", AF_DECnet },
	{ "netbeui", AF_NETBEUI },
	{ "security", AF_SECURITY },
	{ "key", AF_KEY },
	{ "ash", AF_ASH },
	{ "econet", AF_ECONET },
	{ "atmsvc", AF_ATMSVC },
	{ "rds", AF_RDS },
	{ "sna", AF_SNA },
	{ "irda", AF_IRDA },
	{ "pppox", AF_PPPOX },
	{ "wanpipe", AF_WANPIPE },
	{ "llc", AF_LLC },
	{ "ib", AF_IB },
	{ "mpls", AF_MPLS },
	{ "tipc", AF_TIPC },
	{ "iucv", AF_IUCV },
	{ "rxrpc", AF_RXRPC },
	{ "isdn", AF_ISDN },
	{ "phonet", AF_PHONET },
	{ "ieee802154", AF_IEEE802154 },
	{ "caif", AF_CAIF },
	{ "nfc", AF_NFC },
	{ "kcm", AF_KCM },
	{ "qipcrtr", AF_QIPCRTR },
	{ "smc", AF_SMC },
	{ "xdp", AF_XDP },
	{ "mctp", AF_MCTP },
};

const char *
nj_family_name(int af)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].af == af)
			return families[i].name;
	return NULL;
}

int
nj_family_find(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strlen(families[i].name) == n && memcmp(families[i].name, s, n) == 0)
			return families[i].af;
	return -1;
}

static int
add_str(struct build *b, const char *s, size_t n, uint32_t *ret_off)
{
	if (grow((void **)&b->str, &b->capstr, b->nstr + n + 1, 1))
		return b->oom = 1, -ENOMEM;
	memcpy(b->str + b->nstr, s, n);
	b->str[b->nstr + n] = '\0';
	*ret_off = (uint32_t)b->nstr;
	b->nstr += n + 1;
	return 0;
}

/* A path target: "unix /abs[*]", "unix @name[*]", "exec /abs[*]". */
static int
parse_path(struct build *b, uint32_t line, const struct tok *t, struct nj_rule *ru, int is_unix)
{
	const char *s = t->s;
	size_t n = t->n;
	const char *star;

	ru->flags = 0;
	if (is_unix && n >= 1 && s[0] == '@') {
		ru->flags |= NJ_RF_ABSTRACT;
		s++, n--;
	} else if (n == 0 || s[0] != '/') {
		return err(b, line, t->col,
		           is_unix ?
		               "a unix path must be absolute (or @name for an abstract socket), got" :
		               "an exec path must be absolute, got",
		           t),
		       -EINVAL;
	}
	if ((star = memchr(s, '*', n)) != NULL) {
		if (star != s + n - 1)
			return err(b, line, t->col + (uint32_t)(star - t->s),
			           "'*' is allowed only at the end of a path:", t),
			       -EINVAL;
		ru->flags |= NJ_RF_GLOB;
		n--;
	}
	if (!(ru->flags & NJ_RF_ABSTRACT) && n > 107 && is_unix)
		return err(b, line, t->col, "unix path longer than 107 bytes:", t), -EINVAL;
	if (memchr(s, '\0', n) != NULL) /* (tokenize refuses NUL bytes: never) */
		return -EINVAL;
	return add_str(b, s, n, &ru->arg);
}

/* host NAME (SPEC.md §3a): kept lower case, without its trailing dot; *.domain as the
 * suffix ".domain" with NJ_RF_GLOB. */
static int
parse_host(struct build *b, uint32_t line, const struct tok *tk, size_t ntk, size_t *i,
    struct nj_rule *ru)
{
	const struct tok *h;
	struct nj_prefix p;
	char name[256], msg[240];
	const char *why;
	size_t col, n, skip = 0;

	if (*i + 1 >= ntk)
		return err(b, line, after(&tk[*i]), "expected a name after host", NULL), -EINVAL;
	h = &tk[*i + 1];
	*i += 2;
	if (nj_prefix_parse_err(h->s, h->n, &p, &col, msg, sizeof(msg)) == 0)
		return nj_diag_add(b->diags, 1, line, h->col,
		           "host takes a name, not an address: write %s %.*s",
		           ru->action == NJ_ALLOW ? "allow" : "block", (int)(h->n < 64 ? h->n : 64),
		           h->s),
		       -EINVAL;
	if (nj_host_check(h->s, h->n, &col, &why) != 0)
		return err(b, line, h->col + (uint32_t)col, why, h), -EINVAL;
	n = h->n;
	if (h->s[n - 1] == '.')
		n--;
	if (h->s[0] == '*') {
		ru->flags |= NJ_RF_GLOB;
		skip = 1; /* keep the dot: ".example.com" */
	}
	for (size_t k = skip; k < n; k++) {
		char c = h->s[k];

		name[k - skip] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	ru->target = NJ_T_HOST;
	return add_str(b, name, n - skip, &ru->arg);
}

static int
parse_target(struct build *b, uint32_t line, const struct tok *tk, size_t ntk, size_t *i,
    struct nj_rule *ru)
{
	const struct tok *t = &tk[*i];
	char msg[240];

	if (toklit(t, "any")) {
		ru->target = NJ_T_ANY;
		(*i)++;
		return 0;
	}
	if (t->s[0] == '@') {
		int id = nj_preset_find(t->s + 1, t->n - 1);

		if (id < 0)
			return err(b, line, t->col,
			           "unknown preset (netjail presets lists them):", t),
			       -EINVAL;
		ru->target = NJ_T_PRESET;
		ru->flags = (uint8_t)id;
		(*i)++;
		return 0;
	}
	if (toklit(t, "unix") || toklit(t, "exec")) {
		int is_unix = toklit(t, "unix");

		if (*i + 1 >= ntk)
			return err(b, line, after(t),
			           is_unix ? "expected a path after unix" :
			                     "expected a path after exec",
			           NULL),
			       -EINVAL;
		if (!is_unix && ru->action != NJ_ALLOW)
			return err(b, line, tk[0].col,
			           "exec rules can only allow "
			           "(programs not named by an allow exec rule are refused anyway)",
			           NULL),
			       -EINVAL;
		ru->target = is_unix ? NJ_T_UNIX : NJ_T_EXEC;
		*i += 2;
		return parse_path(b, line, &tk[*i - 1], ru, is_unix);
	}
	if (toklit(t, "host"))
		return parse_host(b, line, tk, ntk, i, ru);
	if (toklit(t, "family")) {
		const struct tok *f;
		int fam;

		if (*i + 1 >= ntk)
			return err(b, line, after(t), "expected a family name after family", NULL),
			       -EINVAL;
		f = &tk[*i + 1];
		*i += 2;
		if ((fam = nj_family_find(f->s, f->n)) >= 0) {
			ru->arg = (uint32_t)fam;
			ru->target = NJ_T_FAMILY;
			return 0;
		}
		if (toklit(f, "inet") || toklit(f, "inet6"))
			return err(b, line, f->col,
			           "IP is not a family target; write any or an address:", f),
			       -EINVAL;
		if (toklit(f, "unix") || toklit(f, "local"))
			return err(b, line, f->col,
			           "unix is not a family target; write unix /* and unix @*:", f),
			       -EINVAL;
		return err(b, line, f->col, "unknown socket family:", f), -EINVAL;
	}
	if (toklit(t, "raw") || toklit(t, "packet"))
		return err(b, line, t->col,
		           toklit(t, "raw") ?
		               "raw IP sockets are a family target; write family raw:" :
		               "packet sockets are a family target; write family packet:",
		           t),
		       -EINVAL;
	{
		size_t col;

		if (memchr(t->s, ':', t->n) == NULL && memchr(t->s, '.', t->n) == NULL &&
		    !(t->s[0] >= '0' && t->s[0] <= '9'))
			return err(b, line, t->col,
			           "expected a target (address, prefix, any, "
			           "@preset, host, unix, family or exec), got",
			           t),
			       -EINVAL;
		if (nj_prefix_parse_err(t->s, t->n, &b->cur, &col, msg, sizeof(msg)) != 0) {
			if (strncmp(msg, "host bits", 9) == 0)
				return err(b, line, t->col + (uint32_t)col, msg, NULL), -EINVAL;
			return err(b, line, t->col + (uint32_t)col, msg, t), -EINVAL;
		}
		ru->target = NJ_T_PREFIX;
		(*i)++;
		return 0;
	}
}

static int
ip_or_host(int target)
{
	return target == NJ_T_PREFIX || target == NJ_T_PRESET || target == NJ_T_ANY ||
	    target == NJ_T_HOST;
}

/* One rule line, already cut into tokens.  Appends the rule or reports one error. */
static int
parse_rule(struct build *b, uint32_t line, const struct tok *tk, size_t ntk)
{
	struct nj_rule ru;
	size_t i = 1;
	const struct tok *proto = NULL;
	int rc;

	memset(&ru, 0, sizeof(ru));
	ru.line = line;
	if (toklit(&tk[0], "allow"))
		ru.action = NJ_ALLOW;
	else if (toklit(&tk[0], "block"))
		ru.action = NJ_BLOCK;
	else
		return err(b, line, tk[0].col, "expected allow or block, got", &tk[0]), -EINVAL;
	if (i < ntk && (toklit(&tk[i], "tcp") || toklit(&tk[i], "udp"))) {
		proto = &tk[i];
		ru.proto = toklit(&tk[i], "tcp") ? NJ_PROTO_TCP : NJ_PROTO_UDP;
		i++;
	}
	if (i >= ntk)
		return err(b, line, after(&tk[i - 1]), "expected a target after the action", NULL),
		       -EINVAL;
	if ((rc = parse_target(b, line, tk, ntk, &i, &ru)) != 0)
		return rc;
	if (proto && !ip_or_host(ru.target))
		return err(b, line, proto->col,
		           "tcp and udp apply only to IP and host targets:", proto),
		       -EINVAL;
	if (i < ntk && toklit(&tk[i], "port")) {
		if (!ip_or_host(ru.target))
			return err(b, line, tk[i].col, "port applies only to IP and host targets",
			           NULL),
			       -EINVAL;
		if (i + 1 >= ntk)
			return err(b, line, after(&tk[i]), "expected a port list after port", NULL),
			       -EINVAL;
		if ((rc = parse_ports(b, line, &tk[i + 1], &ru)) != 0)
			return rc;
		i += 2;
	}
	if (i < ntk)
		return err(b, line, tk[i].col, "unexpected text after the rule:", &tk[i]), -EINVAL;
	if (b->nrule >= NJ_MAX_RULES)
		return err(b, line, tk[0].col, "more than 1000000 rules", NULL), -EINVAL;
	if (grow((void **)&b->rule, &b->caprule, b->nrule + 1, sizeof(*b->rule)) ||
	    grow((void **)&b->pfx, &b->cappfx, b->nrule + 1, sizeof(*b->pfx)))
		return b->oom = 1, -ENOMEM;
	b->pfx[b->nrule] = b->cur;
	b->rule[b->nrule++] = ru;
	return 0;
}

/* Cut one line into tokens; report bad bytes.  Returns the token count or -1 on error. */
static int
tokenize(struct build *b, uint32_t line, const char *s, size_t n, struct tok *tk, size_t *ntk)
{
	size_t i = 0;

	*ntk = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '#')
			break;
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < n) {
			c = (unsigned char)s[i];
			if (c == ' ' || c == '\t' || c == '#')
				break;
			if (c == 0)
				return err(b, line, (uint32_t)i + 1, "NUL byte in the rules file",
				           NULL),
				       -1;
			if (c == '\r')
				return err(b, line, (uint32_t)i + 1,
				           "carriage return not at the end of the line", NULL),
				       -1;
			if (c < 0x20 || c == 0x7f)
				return err(b, line, (uint32_t)i + 1, "control character in a rule",
				           NULL),
				       -1;
			i++;
		}
		if (*ntk < MAXTOK) {
			tk[*ntk].s = s + start;
			tk[*ntk].n = i - start;
			tk[*ntk].col = (uint32_t)start + 1;
			(*ntk)++;
		}
	}
	/* bytes in a comment are not rules, but a NUL there is still not text */
	for (; i < n; i++)
		if (s[i] == '\0')
			return err(b, line, (uint32_t)i + 1, "NUL byte in the rules file", NULL),
			       -1;
	return 0;
}

/* ---- from rules to lookup tables ---- */

static int
push_entry(struct build *b, const struct nj_prefix *p, uint32_t rule)
{
	struct nj_entry e;

	e.start = nj_ip_key(&p->ip);
	e.len = p->len;
	e.rule = rule;
	if (p->ip.family == 4) {
		if (grow((void **)&b->e4, &b->cap4, b->n4 + 1, sizeof(*b->e4)))
			return -ENOMEM;
		b->e4[b->n4++] = e;
	} else {
		if (grow((void **)&b->e6, &b->cap6, b->n6 + 1, sizeof(*b->e6)))
			return -ENOMEM;
		b->e6[b->n6++] = e;
	}
	return 0;
}

static int
collect_preset(void *arg, const struct nj_prefix *p, const char *source)
{
	(void)source;
	return nj_pfxvec_push(arg, p);
}

static int
add_entries(struct build *b, uint32_t ri)
{
	const struct nj_rule *ru = &b->rule[ri];
	struct nj_prefix any;
	int rc;

	switch (ru->target) {
	case NJ_T_PREFIX: return push_entry(b, &b->pfx[ri], ri);
	case NJ_T_ANY:
		memset(&any, 0, sizeof(any));
		any.ip.family = 4;
		if ((rc = push_entry(b, &any, ri)) != 0)
			return rc;
		any.ip.family = 6;
		return push_entry(b, &any, ri);
	case NJ_T_PRESET:
		if (nj_preset_is_dynamic(ru->flags) && b->sys)
			b->dyn_merged = 1;
		if (!b->have_preset[ru->flags]) {
			if ((rc = nj_preset_each(ru->flags, b->sys, collect_preset,
			         &b->preset[ru->flags])) != 0)
				return rc;
			b->have_preset[ru->flags] = 1;
		}
		for (size_t k = 0; k < b->preset[ru->flags].n; k++)
			if ((rc = push_entry(b, &b->preset[ru->flags].v[k], ri)) != 0)
				return rc;
		return 0;
	default:
		if (grow((void **)&b->other, &b->capother, b->nother + 1, sizeof(*b->other)))
			return -ENOMEM;
		b->other[b->nother++] = ri;
		return 0;
	}
}

static void
build_free(struct build *b)
{
	free(b->rule);
	free(b->pfx);
	free(b->ports);
	free(b->str);
	free(b->e4);
	free(b->e6);
	free(b->other);
	for (size_t i = 0; i < sizeof(b->preset) / sizeof(b->preset[0]); i++)
		free(b->preset[i].v);
}

static int
finish(struct build *b, const char *file, struct nj_rules **ret)
{
	struct nj_rules *r = calloc(1, sizeof(*r));
	int rc = -ENOMEM;

	if (r == NULL)
		return -ENOMEM;
	if ((r->file = strdup(file ? file : "")) == NULL)
		goto fail;
	for (size_t i = 0; i < b->nrule; i++)
		if ((rc = add_entries(b, (uint32_t)i)) != 0)
			goto fail;
	if ((rc = nj_table_build(&r->t4, 4, b->e4, b->n4)) != 0 ||
	    (rc = nj_table_build(&r->t6, 6, b->e6, b->n6)) != 0)
		goto fail;
	r->rule = b->rule, r->nrules = b->nrule, b->rule = NULL;
	r->ports = b->ports, r->nports = b->nports, b->ports = NULL;
	r->str = b->str, r->nstr = b->nstr, b->str = NULL;
	r->other = b->other, r->nother = b->nother, b->other = NULL;
	nj_table_link_rules(r);
	for (size_t i = 0; i < r->nrules; i++) {
		const struct nj_rule *ru = &r->rule[i];

		r->use_proto |= ru->proto != NJ_PROTO_ANY;
		r->nallow += ru->action == NJ_ALLOW ? 1 : 0;
		r->ndyn += nj_rule_is_dynamic(ru) ? 1 : 0;
	}
	if ((r->ndyn && (r->dyn = malloc(r->ndyn * sizeof(*r->dyn))) == NULL) ||
	    nj_host_index(r) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0, k = 0; k < r->ndyn; i++)
		if (nj_rule_is_dynamic(&r->rule[i]))
			r->dyn[k++] = (uint32_t)i;
	r->dyn_merged = b->dyn_merged;
	*ret = r;
	return 0;
fail:
	nj_rules_free(r);
	return rc;
}

int
nj_rules_parse(const char *text, size_t len, const char *file, const struct nj_sys *sys,
    struct nj_rules **ret, struct nj_diags *diags)
{
	struct build b;
	size_t pos = 0;
	uint32_t line = 0;
	size_t nerr0 = diags ? diags->nerr : 0;
	int failed = 0, rc;

	*ret = NULL;
	if (len > NJ_MAX_FILE) {
		nj_diag_add(diags, 1, 0, 0, "file larger than %u bytes", NJ_MAX_FILE);
		return -EFBIG;
	}
	memset(&b, 0, sizeof(b));
	b.sys = sys;
	b.diags = diags;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		struct tok tk[MAXTOK];
		size_t ntk;

		line++;
		pos += n + (nl ? 1 : 0);
		if (n > 0 && s[n - 1] == '\r')
			n--; /* CRLF */
		if (n > NJ_MAX_LINE) {
			err(&b, line, NJ_MAX_LINE + 1, "line longer than 4096 bytes", NULL);
			failed = 1;
			continue;
		}
		if (tokenize(&b, line, s, n, tk, &ntk) != 0) {
			failed = 1;
			continue;
		}
		if (ntk == 0)
			continue;
		if (parse_rule(&b, line, tk, ntk) != 0)
			failed = 1;
		if (b.oom)
			break;
	}
	if (b.oom) {
		build_free(&b);
		return -ENOMEM;
	}
	if (failed || (diags && diags->nerr > nerr0)) {
		build_free(&b);
		return -EINVAL;
	}
	rc = finish(&b, file, ret);
	build_free(&b);
	return rc;
}

void
nj_rules_free(struct nj_rules *r)
{
	if (r == NULL)
		return;
	nj_table_free(&r->t4d);
	nj_table_free(&r->t6d);
	free(r->file);
	free(r->hidx);
	if (r->held) {
		/* every other array lives in the mapping */
		r->release(r->map, r->maplen);
		free(r);
		return;
	}
	nj_table_free(&r->t4);
	nj_table_free(&r->t6);
	free(r->rule);
	free(r->ports);
	free(r->str);
	free(r->other);
	free(r->dyn);
	free(r);
}
