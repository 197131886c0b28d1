/* suggest.c - from a destination the rules would have denied to its entry: the exact rule
 * that allows it (decided again here, address by address), a note when a block decides or no
 * rule can be written, or the wider rule that holds at the next run (nextrun.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/learn/learn.h"

/* A suggested rule is kept only when it is one rule that parses back to the same text, has
 * no '*' (a glob would widen it) and matches the destination it is for (for an IP address,
 * addr: one of those the destination stands for; for a program, exec). */
static int
rule_check(const char *rule, const struct nj_dest *d, const struct nj_ip *addr, const char *exec,
    int glob)
{
	struct nj_rules *one = NULL;
	char back[TEXT_MAX];
	uint32_t m[2];
	size_t n = strlen(rule);
	int ok;

	if (n == 0 || n >= sizeof(back) || strchr(rule, '#') ||
	    (strchr(rule, '*') && !(glob && strchr(rule, '*') == rule + n - 1)))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)rule[i] < 0x20 || rule[i] == 0x7f)
			return 0;
	if (nj_rules_parse(rule, n, "suggestion", NULL, &one, NULL) != 0)
		return 0;
	ok = nj_rules_count(one) == 1 && nj_rule_action(one, 0) == NJ_ALLOW &&
	    nj_rule_format(one, 0, back, sizeof(back)) < sizeof(back) && strcmp(back, rule) == 0;
	if (ok)
		ok = exec ? nj_exec_allowed(one, exec) : nj_matches(one, d, addr, m, 2) == 1;
	nj_rules_free(one);
	return ok;
}

static int
rule_ok(const char *rule, const struct nj_dest *d, const struct nj_ip *addr, const char *exec)
{
	return rule_check(rule, d, addr, exec, 0);
}

/* The sort key of an IP destination: family, address, proto, port, all fixed width. */
static void
ip_key(char *buf, size_t size, const struct nj_ip *a, const struct nj_dest *d)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	if (size < 1 + 32 + 1 + 5 + 1)
		return;
	buf[k++] = a->family == 4 ? '4' : '6';
	for (size_t i = 0; i < 16; i++) {
		buf[k++] = hex[a->a[i] >> 4];
		buf[k++] = hex[a->a[i] & 15];
	}
	buf[k++] = (char)('0' + d->proto);
	nj_learn_fmt(buf + k, size - k, "%05d", d->port < 0 ? 0 : d->port);
}

/* "\"block 10.0.0.0/8\" (/etc/app.rules:2)" */
static void
rule_where(const struct nj_rules *r, uint32_t i, char *buf, size_t size)
{
	char rule[TEXT_MAX / 2];

	nj_rule_format(r, i, rule, sizeof(rule));
	nj_learn_fmt(buf, size, "\"%s\" (%s:%u)", rule, nj_rules_file(r), nj_rule_line(r, i));
}

static void
blocked(struct learned *L, const struct nj_rules *r, uint32_t rule, const char *allow,
    const char *key, const char *call, const char *dest, const char *prog, size_t progn)
{
	char where[TEXT_MAX / 2], text[TEXT_MAX];

	rule_where(r, rule, where, sizeof(where));
	nj_learn_fmt(text, sizeof(text),
	    "blocked by %s: a block always wins, so \"%s\" would not "
	    "help; narrow or remove that block if this destination is wanted",
	    where, allow);
	nj_learn_add(L, S_BLOCKED, key, text, call, dest, prog, progn);
}

static void
allowed_now(struct learned *L, const char *call, const char *dest, const char *prog, size_t progn)
{
	char text[TEXT_MAX];

	nj_learn_fmt(text, sizeof(text),
	    "%s %s: denied during the run, but these rules allow it "
	    "now (did the rules file or this host's addresses change?)",
	    call, dest);
	nj_learn_add(L, S_NOTE, "", text, call, NULL, prog, progn);
}

static void
unwritable(struct learned *L, const char *call, const char *dest, const char *why, const char *prog,
    size_t progn)
{
	char text[TEXT_MAX];

	nj_learn_fmt(text, sizeof(text), "%s %s: %s", call, dest, why);
	nj_learn_add(L, S_NOTE, "", text, call, NULL, prog, progn);
}

/* A destination on this machine's ephemeral range: the rule for the range of its address
 * (one for every such port of it).  1 when suggested. */
static int
wide_port(struct learned *L, const struct nj_dest *d, const struct nj_ip *a, const char *ip,
    const char *call, const char *dest, const char *prog, size_t progn)
{
	char rule[200], key[64], why[TEXT_MAX / 2];
	struct nj_dest one = *d;

	nj_learn_fmt(rule, sizeof(rule), "allow %s %s port %d-%d",
	    d->proto == NJ_PROTO_UDP     ? "udp" :
	        d->proto == NJ_PROTO_TCP ? "tcp" :
	                                   "",
	    ip, L->eph_lo, L->eph_hi);
	if (d->proto != NJ_PROTO_UDP && d->proto != NJ_PROTO_TCP)
		nj_learn_fmt(rule, sizeof(rule), "allow %s port %d-%d", ip, L->eph_lo, L->eph_hi);
	one.port = d->port;
	if (!rule_ok(rule, &one, a, NULL))
		return 0;
	one.port = L->eph_lo; /* one key for every port of the range */
	ip_key(key, sizeof(key), a, &one);
	nj_learn_fmt(why, sizeof(why),
	    "the port is in this machine's ephemeral range (%d-%d, "
	    "/proc/sys/net/ipv4/ip_local_port_range): a server the command started itself takes "
	    "a new one each run, so the whole range is suggested",
	    L->eph_lo, L->eph_hi);
	nj_learn_add_wide(L, key, rule, why, call, dest, prog, progn);
	return 1;
}

/* A host rule is kept only when it is one allow rule that parses back to the same text and
 * names name[0..n). */
static int
host_rule_ok(const char *rule, const char *name, size_t n)
{
	struct nj_rules *one = NULL;
	char back[TEXT_MAX];
	int ok;

	if (nj_rules_parse(rule, strlen(rule), "suggestion", NULL, &one, NULL) != 0)
		return 0;
	ok = nj_rules_count(one) == 1 && nj_rule_action(one, 0) == NJ_ALLOW &&
	    nj_rule_is_host(one, 0) && nj_rule_host_matches(one, 0, name, n) &&
	    nj_rule_format(one, 0, back, sizeof(back)) < sizeof(back) && strcmp(back, rule) == 0;
	nj_rules_free(one);
	return ok;
}

/* The sort key of a host rule: 'h', proto, port (fixed width), then the name, which
 * nj_learn_group_names reads back. */
#define HOST_KEY_HEAD 7 /* 'h', proto, five digits of port */

/* A destination a lookup of host gave, which no block rule denies: the host rule for the
 * name (SPEC.md §3a), which holds when its addresses change.  1 when it was suggested (or
 * the rules allow it now), 0 when the address decides (a block, or no usable name). */
static int
learn_host(struct learned *L, const struct nj_rules *r, const struct nj_dest *d, const char *host,
    const char *call, const char *dtext, const char *prog, size_t progn)
{
	char name[NJ_HOST_TEXT], rule[TEXT_MAX / 2], key[HOST_KEY_HEAD + NJ_HOST_TEXT];
	struct nj_verdict v;
	int n;

	if (host == NULL || d->port <= 0 || (n = nj_host_norm(host, name, sizeof(name))) <= 0)
		return 0;
	if (nj_decide_host(r, d, name, (size_t)n, &v)) {
		allowed_now(L, call, dtext, prog, progn);
		return 1;
	}
	if (v.rule != NJ_NORULE && nj_rule_action(r, v.rule) == NJ_BLOCK)
		return 0; /* a block decides: the address's note says which */
	nj_suggest_allow_for(d, NULL, name, rule, sizeof(rule));
	nj_learn_fmt(key, sizeof(key), "h%c%05d%s", (char)('0' + d->proto), d->port, name);
	if (!host_rule_ok(rule, name, (size_t)n))
		return 0;
	nj_learn_add(L, S_ALLOW, key, rule, call, dtext, prog, progn);
	return 1;
}

static void
merge_names(struct learned *L, struct names *to, const struct names *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (nj_names_add(to, from->v[i], strlen(from->v[i])) != 0)
			L->oom = 1;
	to->more |= from->more;
}

/* The name of a host rule's entry (its sort key after HOST_KEY_HEAD) in name[0..*len), and
 * its parent domain when that has two labels or more ("api.example.com": "example.com"),
 * else NULL.  NULL for any other entry. */
static const char *
host_of(const struct entry *e, size_t *len, const char **parent)
{
	const char *name, *dot;

	if (e->gone || e->key[0] != S_ALLOW || e->key[1] != 'h' ||
	    strlen(e->key) < 1 + HOST_KEY_HEAD)
		return NULL;
	name = e->key + 1 + HOST_KEY_HEAD;
	*len = strcspn(name, "\001");
	dot = memchr(name, '.', *len);
	*parent = dot && memchr(dot + 1, '.', *len - (size_t)(dot + 1 - name)) ? dot + 1 : NULL;
	return name;
}

/* Is m a host rule's entry for the proto and port of head, under parent[0..plen)? */
static const char *
sibling(const struct entry *m, const char *head, const char *parent, size_t plen, size_t *len)
{
	const char *name, *p;

	if ((name = host_of(m, len, &p)) == NULL || p == NULL ||
	    *len - (size_t)(p - name) != plen || memcmp(p, parent, plen) != 0 ||
	    memcmp(m->key + 1, head, HOST_KEY_HEAD) != 0)
		return NULL;
	return name;
}

void
nj_learn_group_names(struct learned *L)
{
	struct entry **v;
	size_t nv = 0;

	if (!L->wildcards || L->n == 0 || (v = malloc(L->n * sizeof(*v))) == NULL)
		return;
	for (size_t i = 0; i < L->cap; i++) /* first: adding entries may move the slots */
		if (L->slot[i])
			v[nv++] = L->slot[i];
	for (size_t i = 0; i < nv; i++) {
		const char *name, *parent, *head = v[i]->key + 1, *at, *sib;
		char rule[TEXT_MAX / 2], key[TEXT_MAX / 2], why[TEXT_MAX], names[TEXT_MAX / 2];
		size_t len, len2, plen, k = 0;
		struct entry *w;

		if ((name = host_of(v[i], &len, &parent)) == NULL || parent == NULL ||
		    (at = strstr(v[i]->text, "host ")) == NULL)
			continue;
		plen = len - (size_t)(parent - name);
		names[0] = '\0';
		for (size_t j = i; j < nv; j++)
			if ((sib = sibling(v[j], head, parent, plen, &len2)) != NULL &&
			    k++ < NAMES_SHOWN)
				nj_learn_fmt(names + strlen(names), sizeof(names) - strlen(names),
				    "%s%.*s", k > 1 ? ", " : "", (int)len2, sib);
		if (k < 2)
			continue; /* a name alone stays itself */
		/* the rule: the name's, with "*.PARENT" in the name's place */
		at += 5;
		nj_learn_fmt(rule, sizeof(rule), "%.*s*.%.*s%s", (int)(at - v[i]->text), v[i]->text,
		    (int)plen, parent, at + len);
		nj_learn_fmt(key, sizeof(key), "%.*s*.%.*s", HOST_KEY_HEAD, head, (int)plen,
		    parent);
		nj_learn_fmt(why, sizeof(why),
		    "--wildcards: %zu names under %.*s were seen (%s%s); this allows every other "
		    "name under it too",
		    k, (int)plen, parent, names, k > NAMES_SHOWN ? ", ..." : "");
		if (!host_rule_ok(rule, name, len))
			continue;
		L->weight = 0;
		if ((w = nj_learn_add(L, S_ALLOW, key, rule, v[i]->calls.v[0], NULL,
		         v[i]->progs.v[0], strlen(v[i]->progs.v[0]))) == NULL)
			break;
		w->count = 0;
		if (w->why == NULL && (w->why = strdup(why)) == NULL)
			L->oom = 1;
		for (size_t j = nv; j-- > i;) { /* (i last: its key is the pattern) */
			struct entry *m = v[j];

			if (sibling(m, head, parent, plen, &len2) == NULL)
				continue;
			w->count += m->count;
			merge_names(L, &w->progs, &m->progs);
			merge_names(L, &w->calls, &m->calls);
			merge_names(L, &w->dests, &m->dests);
			m->gone = 1;
		}
	}
	free(v);
}

/* An IP destination: every address it stands for is decided on its own (SPEC.md §3: all
 * must be allowed), and each one that is not gets its own exact rule or block note.  A
 * destination a lookup gave (host) gets the host rule for its name instead. */
void
nj_learn_ip(struct learned *L, const struct nj_rules *r, struct nj_dest *d, const char *host,
    const char *call, const char *dtext, const char *prog, size_t progn)
{
	struct nj_ip a[NJ_MAX_EXPAND];
	int n = nj_ip_expand(&d->ip, a), any = 0;
	char named[TEXT_MAX / 2];

	if (host && host[0]) { /* "tcp 10.1.2.3:443 for api.example.com" */
		nj_learn_fmt(named, sizeof(named), "%s for %s", dtext, host);
		dtext = named;
	}
	if (learn_host(L, r, d, host, call, dtext, prog, progn))
		return;

	for (int k = 0; k < n; k++) {
		char rule[200], key[64], ip[64], dest[TEXT_MAX / 2];
		struct nj_verdict v;
		uint32_t block;

		if (nj_decide_one(r, d, &a[k], &v))
			continue;
		block = v.rule; /* the block that decided, or NJ_NORULE: no allow matched */
		any = 1;
		nj_ip_format(&a[k], ip, sizeof(ip));
		if (k > 0)
			nj_learn_fmt(dest, sizeof(dest), "%s (which stands for %s)", dtext, ip);
		else
			nj_learn_fmt(dest, sizeof(dest), "%s", dtext);
		nj_suggest_allow(d, &a[k], rule, sizeof(rule));
		ip_key(key, sizeof(key), &a[k], d);
		if (block != NJ_NORULE) {
			blocked(L, r, block, rule, key, call, dest, prog, progn);
		} else if (d->port == 0) {
			char why[TEXT_MAX / 2];

			/* a rule cannot name port 0; without a port it would allow all of them */
			nj_learn_fmt(why, sizeof(why),
			    "port 0 cannot be named in a rule; the nearest "
			    "one, \"%s\", would allow every port of %s: decide yourself",
			    rule, ip);
			unwritable(L, call, dest, why, prog, progn);
		} else if (nj_learn_ephemeral(L, d->port) &&
		    wide_port(L, d, &a[k], ip, call, dest, prog, progn)) {
			;
		} else if (rule_ok(rule, d, &a[k], NULL)) {
			nj_learn_add(L, S_ALLOW, key, rule, call, dest, prog, progn);
		} else {
			unwritable(L, call, dest, "cannot be written as a rule", prog, progn);
		}
	}
	if (!any)
		allowed_now(L, call, dtext, prog, progn);
}

/* A unix socket or a whole family: no expansion, the decision's verdict says it all. */
void
nj_learn_other(struct learned *L, const struct nj_rules *r, const struct nj_dest *d,
    const char *call, const char *dtext, const char *prog, size_t progn)
{
	struct nj_verdict v;
	char rule[TEXT_MAX / 2], key[TEXT_MAX / 2], glob[PATH_MAX];

	if (nj_decide(r, d, &v)) {
		allowed_now(L, call, dtext, prog, progn);
		return;
	}
	nj_suggest_allow(d, NULL, rule, sizeof(rule));
	nj_learn_fmt(key, sizeof(key), "%c%s",
	    d->kind == NJ_DEST_UNIX ? (d->abstract ? 'v' : 'u') : 'w', rule);
	if (v.rule != NJ_NORULE) {
		blocked(L, r, v.rule, rule, key, call, dtext, prog, progn);
	} else if (d->kind == NJ_DEST_UNIX && !d->abstract &&
	    nj_learn_temp_glob(L, d->path, glob, sizeof(glob))) {
		nj_learn_fmt(rule, sizeof(rule), "allow unix %s", glob);
		nj_learn_fmt(key, sizeof(key), "u%s", rule);
		if (rule_check(rule, d, NULL, NULL, 1))
			nj_learn_add_wide(L, key, rule,
			    "a directory made for the run (mktemp): its name "
			    "differs each time, so a glob over its name is suggested",
			    call, dtext, prog, progn);
		else
			unwritable(L, call, dtext, "cannot be written as a rule", prog, progn);
	} else if (rule_ok(rule, d, NULL, NULL)) {
		nj_learn_add(L, S_ALLOW, key, rule, call, dtext, prog, progn);
	} else {
		unwritable(L, call, dtext,
		    d->kind == NJ_DEST_UNIX ?
		        "cannot be written as a rule "
		        "(a path with a space, '#', '*' or a control character, or too long)" :
		        "cannot be written as a rule",
		    prog, progn);
	}
}

/* A program the preload cannot follow: lit as the shim saw it (made absolute), canon where
 * its links lead, which is what the shim's hint names; why is its short reason. */
void
nj_learn_exec(struct learned *L, const struct nj_rules *r, const char *call, const char *lit,
    const char *canon, const char *why, const char *prog, size_t progn)
{
	char rule[TEXT_MAX / 2], key[TEXT_MAX / 2], dest[TEXT_MAX];

	nj_learn_fmt(dest, sizeof(dest), "%s (%s)", lit, why);
	if (nj_exec_allowed(r, lit) || nj_exec_allowed(r, canon)) {
		allowed_now(L, call, lit, prog, progn);
		return;
	}
	nj_learn_fmt(rule, sizeof(rule), "allow exec %s", canon);
	nj_learn_fmt(key, sizeof(key), "x%s", canon);
	if (rule_ok(rule, NULL, NULL, canon))
		nj_learn_add(L, S_ALLOW, key, rule, call, dest, prog, progn);
	else
		unwritable(L, call, dest,
		    "cannot be written as a rule (a path with a space, '#', "
		    "'*' or a control character, or too long)",
		    prog, progn);
}
