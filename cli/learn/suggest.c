/* suggest.c - from a destination the rules would have denied to its entry: the exact rule
 * that allows it (decided again here, address by address), a note when a block decides or no
 * rule can be written, or the wider rule that holds at the next run (nextrun.c). */
#include <stdio.h>
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

/* An IP destination: every address it stands for is decided on its own (SPEC.md §3: all
 * must be allowed), and each one that is not gets its own exact rule or block note. */
void
nj_learn_ip(struct learned *L, const struct nj_rules *r, struct nj_dest *d, const char *call,
    const char *dtext, const char *prog, size_t progn)
{
	struct nj_ip a[NJ_MAX_EXPAND];
	int n = nj_ip_expand(&d->ip, a), any = 0;

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
