/* learn.c - netjail learn: run a command in audit mode, gather what the rules would have
 * denied, and write the rules back with a suggested allow for each, commented out.
 *
 * The data flows one way: the shim's "would deny" lines (one write(2) each, into a private
 * log file that the whole process tree appends to) -> parsed destinations -> decided again
 * here against the same rules, address by address -> one entry per suggested rule, with a
 * count and the programs that asked -> sorted -> text.  The log line's own "to allow it"
 * hint is not copied: the rule is built from the destination, exact address, proto and port,
 * and only kept when it parses back to itself and matches that destination. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define EXIT_LEARN 125		/* learn itself failed after the command ran (as env(1) says) */
#define LOG_LINE_MAX 511	/* SPEC.md §6: 512 bytes with the newline; longer is not ours */
#define NAMES_KEPT 16		/* programs, calls and destinations kept per entry */
#define NAMES_SHOWN 8
#define TEXT_MAX 1024		/* one comment line we write, before sanitising */

static void
learn_usage(void)
{
	fputs("usage: netjail learn [-r RULES] [-o FILE] [--] COMMAND [ARG...]\n", stderr);
}

/* snprintf for texts that may be cut harmlessly: comments, and rules and keys built from a
 * log line (at most 511 bytes), whose buffers hold them whole; a cut rule would fail rule_ok
 * anyway. */
static void __attribute__((format(printf, 3, 4)))
fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

/* ---- small sorted sets of names ---- */

struct names {
	char *v[NAMES_KEPT];
	size_t n;
	int more;		/* some were not kept */
};

/* Add s[0..n) once, keeping v sorted.  A full set keeps the smallest names, so what it
 * holds does not depend on the order they came in.  Returns 0 or -ENOMEM. */
static int
names_add(struct names *s, const char *p, size_t n)
{
	size_t i;
	char *c;

	for (i = 0; i < s->n; i++) {
		int d = strncmp(s->v[i], p, n);

		if (d == 0 && s->v[i][n] == '\0')
			return 0;
		if (d > 0 || (d == 0 && s->v[i][n] != '\0'))
			break;
	}
	if (s->n == NAMES_KEPT) {
		s->more = 1;
		if (i == NAMES_KEPT)
			return 0;
		free(s->v[--s->n]);	/* the largest falls off */
	}
	if ((c = strndup(p, n)) == NULL)
		return -ENOMEM;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
	s->v[i] = c;
	s->n++;
	return 0;
}

static void
names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
}

/* ---- the entries: one per suggested rule or note, found by key ----
 *
 * The key is also the output order: its first byte is the section, then a sort key that
 * puts IPv4 before IPv6 in address, proto and port order (fixed-width hex and digits), unix
 * paths, families and programs by name, then the entry's text, which makes it unique. */

enum section {
	S_ALLOW = '1',		/* a suggested allow rule */
	S_BLOCKED = '2',	/* a block rule decides: an allow would not help */
	S_NOTE = '3',		/* no rule can allow it, or it cannot be written as one */
	S_NAME = '4',		/* names whose answers the resolver wrapper would remove */
};

struct entry {
	char *key;
	const char *text;	/* points into key: the rule, or the note */
	char *why;		/* NULL, or why the rule is wider than what was seen */
	unsigned long count;
	struct names progs, calls, dests;
};

struct learned {
	struct entry **slot;	/* open addressing, linear probing, a power of two */
	size_t cap, n;
	unsigned long decisions, skipped, said;
	struct names shim_said;	/* the shim's own error and warning lines, once each */
	int oom;
	/* what changes from one run to the next (learn_machine) */
	int eph_lo, eph_hi;	/* this machine's ephemeral port range; 0 0: unknown */
	char tmpdir[PATH_MAX];	/* $TMPDIR, when it is one */
	struct timespec start;	/* when the command started (CLOCK_REALTIME) */
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct entry **
find_slot(struct entry **slot, size_t cap, const char *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);

	while (slot[i] && strcmp(slot[i]->key, key) != 0)
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static int
grow(struct learned *L)
{
	size_t cap = L->cap ? L->cap * 2 : 64;
	struct entry **slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < L->cap; i++)
		if (L->slot[i])
			*find_slot(slot, cap, L->slot[i]->key) = L->slot[i];
	free(L->slot);
	L->slot = slot;
	L->cap = cap;
	return 0;
}

/* Count one decision for the entry (section, sortkey, text), made by call on dest by prog.
 * Returns the entry, or NULL when out of memory (then L->oom). */
static struct entry *
add(struct learned *L, int section, const char *sortkey, const char *text, const char *call,
    const char *dest, const char *prog, size_t progn)
{
	size_t klen = strlen(sortkey), tlen = strlen(text);
	struct entry **sl, *e;
	char *key;

	if (L->oom)
		return NULL;
	if ((key = malloc(1 + klen + 1 + tlen + 1)) == NULL)
		goto oom;
	key[0] = (char)section;
	memcpy(key + 1, sortkey, klen);
	key[1 + klen] = '\001';	/* below every printable byte: shorter sort keys first */
	memcpy(key + 2 + klen, text, tlen + 1);
	if ((L->n + 1) * 2 > L->cap && grow(L) != 0) {
		free(key);
		goto oom;
	}
	sl = find_slot(L->slot, L->cap, key);
	if ((e = *sl) == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			free(key);
			goto oom;
		}
		e->key = key;
		e->text = key + 2 + klen;
		*sl = e;
		L->n++;
	} else {
		free(key);
	}
	e->count++;
	if (names_add(&e->progs, prog, progn) != 0 ||
	    names_add(&e->calls, call, strlen(call)) != 0 ||
	    (dest && names_add(&e->dests, dest, strlen(dest)) != 0))
		goto oom;
	return e;
oom:
	L->oom = 1;
	return NULL;
}

/* add, for a rule wider than what was seen: why says why (the first one given is kept). */
static void
add_wide(struct learned *L, const char *sortkey, const char *rule, const char *why,
    const char *call, const char *dest, const char *prog, size_t progn)
{
	struct entry *e = add(L, S_ALLOW, sortkey, rule, call, dest, prog, progn);

	if (e && e->why == NULL && (e->why = strdup(why)) == NULL)
		L->oom = 1;
}

static void
learned_free(struct learned *L)
{
	for (size_t i = 0; i < L->cap; i++) {
		struct entry *e = L->slot[i];

		if (e == NULL)
			continue;
		names_free(&e->progs);
		names_free(&e->calls);
		names_free(&e->dests);
		free(e->key);
		free(e->why);
		free(e);
	}
	free(L->slot);
	names_free(&L->shim_said);
}

/* ---- from a destination to its entries ---- */

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

/* ---- what changes from one run to the next ----
 *
 * A test suite starts its own servers (mocks) on ports the kernel picks from the ephemeral
 * range, and puts sockets in directories mktemp(1) makes: both differ at the next run, so an
 * exact rule for them fails then.  Such destinations get the rule that holds next time: the
 * whole ephemeral range of that address, or a glob over the temporary directory's name. */

/* The ephemeral port range of this machine (this network namespace): the command ran in it. */
static void
learn_machine(struct learned *L)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	const char *t = getenv("TMPDIR");
	char buf[PATH_MAX];

	L->eph_lo = L->eph_hi = 0;
	if (f) {
		if (fscanf(f, "%d %d", &L->eph_lo, &L->eph_hi) != 2 || L->eph_lo < 1 ||
		    L->eph_hi > 65535 || L->eph_lo > L->eph_hi)
			L->eph_lo = L->eph_hi = 0;
		fclose(f);
	}
	L->tmpdir[0] = '\0';
	if (t && t[0] == '/' && realpath(t, buf) != NULL && strcmp(buf, "/") != 0)
		fmt(L->tmpdir, sizeof(L->tmpdir), "%s", buf);
	clock_gettime(CLOCK_REALTIME, &L->start);
}

static int
ephemeral(const struct learned *L, int port)
{
	return L->eph_lo > 0 && port >= L->eph_lo && port <= L->eph_hi;
}

/* Does name (one path component) look made by mktemp: a prefix ending in '.', '-' or '_'
 * (mktemp's "tmp.", a test's "pgtest-") and at least 6 letters and digits (its X's), or
 * Python's "tmp" and 8 of [a-z0-9_]?  The length of the prefix to keep, or 0. */
static size_t
mktemp_prefix(const char *name, size_t n)
{
	size_t k = n, rnd;

	if (n == 11 && strncmp(name, "tmp", 3) == 0 && strspn(name + 3,
	    "abcdefghijklmnopqrstuvwxyz0123456789_") >= 8)
		return 3;
	while (k > 0 && ((name[k - 1] >= 'a' && name[k - 1] <= 'z') ||
	    (name[k - 1] >= 'A' && name[k - 1] <= 'Z') || (name[k - 1] >= '0' && name[k - 1] <= '9')))
		k--;
	rnd = n - k;
	if (k < 2 || rnd < 6 || (name[k - 1] != '.' && name[k - 1] != '-' && name[k - 1] != '_'))
		return 0;
	return k;
}

/* A unix path inside a directory made for the run under a temporary directory (TMPDIR,
 * /tmp, /var/tmp, /dev/shm): its name looks made by mktemp, and it is gone now or was made
 * after the command started.  Then glob is the rule's path, "/tmp/tmp.*", and 1. */
static int
temp_glob(const struct learned *L, const char *path, char *glob, size_t size)
{
	const char *roots[] = { L->tmpdir, "/tmp", "/var/tmp", "/dev/shm" };

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		size_t rn = strlen(roots[i]), cn, keep;
		const char *c = path + rn + 1;
		char dir[PATH_MAX];
		struct statx st;

		if (rn == 0 || strncmp(path, roots[i], rn) != 0 || path[rn] != '/')
			continue;
		cn = strcspn(c, "/");
		if (c[cn] != '/' || (keep = mktemp_prefix(c, cn)) == 0)
			continue;	/* not a directory of its own, or no mktemp name */
		fmt(dir, sizeof(dir), "%.*s", (int)(rn + 1 + cn), path);
		/* made for the run: gone now, or born after it started (a directory's change
		 * time moves with every entry made in it: it does not tell) */
		if (statx(AT_FDCWD, dir, 0, STATX_BTIME, &st) == 0 &&
		    (!(st.stx_mask & STATX_BTIME) || st.stx_btime.tv_sec < L->start.tv_sec ||
		    (st.stx_btime.tv_sec == L->start.tv_sec &&
		    st.stx_btime.tv_nsec < L->start.tv_nsec)))
			continue;
		if ((size_t)snprintf(glob, size, "%.*s*", (int)(rn + 1 + keep), path) >= size)
			return 0;
		return 1;
	}
	return 0;
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
	fmt(buf + k, size - k, "%05d", d->port < 0 ? 0 : d->port);
}

/* "\"block 10.0.0.0/8\" (/etc/app.rules:2)" */
static void
rule_where(const struct nj_rules *r, uint32_t i, char *buf, size_t size)
{
	char rule[TEXT_MAX / 2];

	nj_rule_format(r, i, rule, sizeof(rule));
	fmt(buf, size, "\"%s\" (%s:%u)", rule, nj_rules_file(r), nj_rule_line(r, i));
}

static void
blocked(struct learned *L, const struct nj_rules *r, uint32_t rule, const char *allow,
    const char *key, const char *call, const char *dest, const char *prog, size_t progn)
{
	char where[TEXT_MAX / 2], text[TEXT_MAX];

	rule_where(r, rule, where, sizeof(where));
	fmt(text, sizeof(text), "blocked by %s: a block always wins, so \"%s\" would not "
	    "help; narrow or remove that block if this destination is wanted", where, allow);
	add(L, S_BLOCKED, key, text, call, dest, prog, progn);
}

static void
allowed_now(struct learned *L, const char *call, const char *dest, const char *prog,
    size_t progn)
{
	char text[TEXT_MAX];

	fmt(text, sizeof(text), "%s %s: denied during the run, but these rules allow it "
	    "now (did the rules file or this host's addresses change?)", call, dest);
	add(L, S_NOTE, "", text, call, NULL, prog, progn);
}

static void
unwritable(struct learned *L, const char *call, const char *dest, const char *why,
    const char *prog, size_t progn)
{
	char text[TEXT_MAX];

	fmt(text, sizeof(text), "%s %s: %s", call, dest, why);
	add(L, S_NOTE, "", text, call, NULL, prog, progn);
}

/* A destination on this machine's ephemeral range: the rule for the range of its address
 * (one for every such port of it).  1 when suggested. */
static int
wide_port(struct learned *L, const struct nj_dest *d, const struct nj_ip *a, const char *ip,
    const char *call, const char *dest, const char *prog, size_t progn)
{
	char rule[200], key[64], why[TEXT_MAX / 2];
	struct nj_dest one = *d;

	fmt(rule, sizeof(rule), "allow %s %s port %d-%d", d->proto == NJ_PROTO_UDP ? "udp" :
	    d->proto == NJ_PROTO_TCP ? "tcp" : "", ip, L->eph_lo, L->eph_hi);
	if (d->proto != NJ_PROTO_UDP && d->proto != NJ_PROTO_TCP)
		fmt(rule, sizeof(rule), "allow %s port %d-%d", ip, L->eph_lo, L->eph_hi);
	one.port = d->port;
	if (!rule_ok(rule, &one, a, NULL))
		return 0;
	one.port = L->eph_lo;	/* one key for every port of the range */
	ip_key(key, sizeof(key), a, &one);
	fmt(why, sizeof(why), "the port is in this machine's ephemeral range (%d-%d, "
	    "/proc/sys/net/ipv4/ip_local_port_range): a server the command started itself takes "
	    "a new one each run, so the whole range is suggested", L->eph_lo, L->eph_hi);
	add_wide(L, key, rule, why, call, dest, prog, progn);
	return 1;
}

/* An IP destination: every address it stands for is decided on its own (SPEC.md §3: all
 * must be allowed), and each one that is not gets its own exact rule or block note. */
static void
learn_ip(struct learned *L, const struct nj_rules *r, struct nj_dest *d, const char *call,
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
		block = v.rule;	/* the block that decided, or NJ_NORULE: no allow matched */
		any = 1;
		nj_ip_format(&a[k], ip, sizeof(ip));
		if (k > 0)
			fmt(dest, sizeof(dest), "%s (which stands for %s)", dtext, ip);
		else
			fmt(dest, sizeof(dest), "%s", dtext);
		nj_suggest_allow(d, &a[k], rule, sizeof(rule));
		ip_key(key, sizeof(key), &a[k], d);
		if (block != NJ_NORULE) {
			blocked(L, r, block, rule, key, call, dest, prog, progn);
		} else if (d->port == 0) {
			char why[TEXT_MAX / 2];

			/* a rule cannot name port 0; without a port it would allow all of them */
			fmt(why, sizeof(why), "port 0 cannot be named in a rule; the nearest "
			    "one, \"%s\", would allow every port of %s: decide yourself", rule, ip);
			unwritable(L, call, dest, why, prog, progn);
		} else if (ephemeral(L, d->port) && wide_port(L, d, &a[k], ip, call, dest, prog,
		    progn)) {
			;
		} else if (rule_ok(rule, d, &a[k], NULL)) {
			add(L, S_ALLOW, key, rule, call, dest, prog, progn);
		} else {
			unwritable(L, call, dest, "cannot be written as a rule", prog, progn);
		}
	}
	if (!any)
		allowed_now(L, call, dtext, prog, progn);
}

/* A unix socket or a whole family: no expansion, the decision's verdict says it all. */
static void
learn_other(struct learned *L, const struct nj_rules *r, const struct nj_dest *d,
    const char *call, const char *dtext, const char *prog, size_t progn)
{
	struct nj_verdict v;
	char rule[TEXT_MAX / 2], key[TEXT_MAX / 2], glob[PATH_MAX];

	if (nj_decide(r, d, &v)) {
		allowed_now(L, call, dtext, prog, progn);
		return;
	}
	nj_suggest_allow(d, NULL, rule, sizeof(rule));
	fmt(key, sizeof(key), "%c%s", d->kind == NJ_DEST_UNIX ? (d->abstract ? 'v' : 'u') :
	    'w', rule);
	if (v.rule != NJ_NORULE) {
		blocked(L, r, v.rule, rule, key, call, dtext, prog, progn);
	} else if (d->kind == NJ_DEST_UNIX && !d->abstract &&
	    temp_glob(L, d->path, glob, sizeof(glob))) {
		fmt(rule, sizeof(rule), "allow unix %s", glob);
		fmt(key, sizeof(key), "u%s", rule);
		if (rule_check(rule, d, NULL, NULL, 1))
			add_wide(L, key, rule, "a directory made for the run (mktemp): its name "
			    "differs each time, so a glob over its name is suggested", call, dtext,
			    prog, progn);
		else
			unwritable(L, call, dtext, "cannot be written as a rule", prog, progn);
	} else if (rule_ok(rule, d, NULL, NULL)) {
		add(L, S_ALLOW, key, rule, call, dtext, prog, progn);
	} else {
		unwritable(L, call, dtext, d->kind == NJ_DEST_UNIX ? "cannot be written as a rule "
		    "(a path with a space, '#', '*' or a control character, or too long)" :
		    "cannot be written as a rule", prog, progn);
	}
}

/* A program the preload cannot follow: lit as the shim saw it (made absolute), canon where
 * its links lead, which is what the shim's hint names; why is its short reason. */
static void
learn_exec(struct learned *L, const struct nj_rules *r, const char *call, const char *lit,
    const char *canon, const char *why, const char *prog, size_t progn)
{
	char rule[TEXT_MAX / 2], key[TEXT_MAX / 2], dest[TEXT_MAX];

	fmt(dest, sizeof(dest), "%s (%s)", lit, why);
	if (nj_exec_allowed(r, lit) || nj_exec_allowed(r, canon)) {
		allowed_now(L, call, lit, prog, progn);
		return;
	}
	fmt(rule, sizeof(rule), "allow exec %s", canon);
	fmt(key, sizeof(key), "x%s", canon);
	if (rule_ok(rule, NULL, NULL, canon))
		add(L, S_ALLOW, key, rule, call, dest, prog, progn);
	else
		unwritable(L, call, dest, "cannot be written as a rule (a path with a space, '#', "
		    "'*' or a control character, or too long)", prog, progn);
}

/* ---- reading the shim's log lines (shim/log.c) ----
 *
 *   netjail: would deny CALL DEST (PROG[PID]): REASON
 *   netjail: would deny io_uring_setup (PROG[PID]): REASON          (no DEST)
 *
 * DEST is "tcp|udp|ip ADDR:PORT" (IPv6 in brackets), "unix PATH", "unix @NAME", "family
 * NAME", a program's path (exec calls), a host name (resolver calls) or a few words.  A path
 * or a program name may hold spaces and parentheses, so the split is: the first "[PID]): ";
 * before it, the first " (" after an address (which holds no space), else the last one.  A
 * program name holding " (" then lengthens a path, which then holds a space, and a space is
 * never written into a rule. */

static int
is_resolver(const char *call)
{
	return strcmp(call, "getaddrinfo") == 0 || strncmp(call, "gethostbyname", 13) == 0;
}

static int
family_of(const char *name)
{
	for (int af = 0; af < 64; af++)
		if (nj_family_name(af) && strcmp(nj_family_name(af), name) == 0)
			return af;
	return -1;
}

/* Split "CALL DEST (PROG[PID]): REASON" in place: *ret_dest is "" when there is none; PROG is
 * not terminated (its length in *ret_progn).  Returns 0 or -1. */
static int
split(char *s, char **ret_call, char **ret_dest, const char **ret_prog, size_t *ret_progn,
    const char **ret_reason)
{
	char *dest, *p, *close = NULL, *open_ = NULL;

	if ((p = strchr(s, ' ')) == NULL)
		return -1;
	*p = '\0';
	dest = p + 1;
	/* the first "[digits]): " */
	for (char *q = strstr(dest, "]): "); q && close == NULL; q = strstr(q + 1, "]): ")) {
		char *b = q;

		while (b > dest && b[-1] >= '0' && b[-1] <= '9')
			b--;
		if (b < q && b > dest && b[-1] == '[') {
			close = b - 1;
			*ret_reason = q + 4;
		}
	}
	if (close == NULL)
		return -1;
	/* an IP address or a family has no space after its kind: the first " (" ends it;
	 * anything else (a path, a host name) ends at the last " (" before PROG[PID]; and there
	 * is no DEST at all when the line goes on with "(" */
	if (dest[0] == '(')
		open_ = p;
	for (char *q = dest; (q = strstr(q, " (")) != NULL && q < close; q++) {
		open_ = q;
		if (strncmp(dest, "tcp ", 4) == 0 || strncmp(dest, "udp ", 4) == 0 ||
		    strncmp(dest, "ip ", 3) == 0 || strncmp(dest, "family ", 7) == 0)
			break;
	}
	if (open_ == NULL || close - (open_ + 2) <= 0)
		return -1;
	*ret_prog = open_ + 2;
	*ret_progn = (size_t)(close - (open_ + 2));
	*ret_call = s;
	*ret_dest = open_ == p ? p : dest;
	*open_ = '\0';
	return 0;
}

/* "statically linked" from "it is statically linked: the preload cannot follow it; ..." */
static void
short_why(const char *reason, char *buf, size_t size)
{
	if (strncmp(reason, "it is ", 6) == 0)
		reason += 6;
	fmt(buf, size, "%.*s", (int)strcspn(reason, ":;"), reason);
}

/* One decision line, without its newline; cut: the shim may have cut it at its limit.
 * Returns 0, or -1 when it does not parse (the caller counts it). */
static int
learn_decision(struct learned *L, const struct nj_rules *r, char *s, int cut)
{
	static const char hint[] = " to allow it: allow exec /";
	const char *prog, *reason, *p, *next;
	char *call, *dest, why[200];
	size_t progn;
	struct nj_dest d;

	if (split(s, &call, &dest, &prog, &progn, &reason) != 0)
		return -1;
	memset(&d, 0, sizeof(d));
	if (strncmp(dest, "tcp ", 4) == 0 || strncmp(dest, "udp ", 4) == 0 ||
	    strncmp(dest, "ip ", 3) == 0) {
		d.proto = dest[0] == 't' ? NJ_PROTO_TCP : dest[0] == 'u' ? NJ_PROTO_UDP :
		    NJ_PROTO_OTHER;
		if (nj_cli_ip_dest(strchr(dest, ' ') + 1, &d) != 0)
			return -1;
		L->decisions++;
		learn_ip(L, r, &d, call, dest, prog, progn);
	} else if (strncmp(dest, "unix ", 5) == 0 && (dest[5] == '/' || dest[5] == '@')) {
		d.kind = NJ_DEST_UNIX;
		d.abstract = dest[5] == '@';
		d.path = dest + 5 + d.abstract;
		d.pathlen = strlen(d.path);
		L->decisions++;
		learn_other(L, r, &d, call, dest, prog, progn);
	} else if (strncmp(dest, "family ", 7) == 0 && family_of(dest + 7) >= 0) {
		d.kind = NJ_DEST_FAMILY;
		d.family = family_of(dest + 7);
		L->decisions++;
		learn_other(L, r, &d, call, dest, prog, progn);
	} else if (dest[0] == '/' && (p = strstr(reason, hint)) != NULL) {
		/* the hint names the canonical path and ends the line, so a cut line may have
		 * lost the end of it */
		if (cut)
			return -1;
		while ((next = strstr(p + 1, hint)) != NULL)
			p = next;
		short_why(reason, why, sizeof(why));
		L->decisions++;
		learn_exec(L, r, call, dest, p + sizeof(hint) - 2, why, prog, progn);
	} else if (is_resolver(call)) {
		/* "every answer denied (10.1.2.3)": what follows it (why, and the rule that
		 * would allow it) is the connection's business, which has a line of its own */
		const char *end = strstr(reason, "): ");
		char text[TEXT_MAX];

		fmt(text, sizeof(text), "%s %s: %.*s", call, dest,
		    end ? (int)(end - reason + 1) : (int)strlen(reason), reason);
		L->decisions++;
		add(L, S_NAME, dest, text, call, NULL, prog, progn);
	} else {
		/* io_uring, a malformed address, a path too long to resolve, an environment
		 * too large: nothing a rule can allow */
		char text[TEXT_MAX];

		fmt(text, sizeof(text), "%s%s%s: %s; no rule can allow it", call,
		    dest[0] ? " " : "", dest, reason);
		L->decisions++;
		add(L, S_NOTE, "", text, call, NULL, prog, progn);
	}
	return 0;
}

/* Every line of the log.  A line the shim did not write whole (a process killed mid-write,
 * a stray writer) is skipped and counted. */
static void
learn_log(struct learned *L, const struct nj_rules *r, FILE *f)
{
	static const char would[] = "netjail: would deny ", deny[] = "netjail: deny ";
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0 && !L->oom) {
		size_t len = (size_t)n;

		if (line[len - 1] != '\n' || len - 1 > LOG_LINE_MAX ||
		    memchr(line, '\0', len) != NULL) {
			L->skipped++;
			continue;
		}
		line[--len] = '\0';
		if (strncmp(line, would, sizeof(would) - 1) == 0) {
			if (learn_decision(L, r, line + sizeof(would) - 1, len == LOG_LINE_MAX) != 0)
				L->skipped++;
		} else if (strncmp(line, deny, sizeof(deny) - 1) == 0) {
			if (learn_decision(L, r, line + sizeof(deny) - 1, len == LOG_LINE_MAX) != 0)
				L->skipped++;
		} else if (strncmp(line, "netjail: warning: no allow rules", 32) == 0) {
			L->said++;	/* learning from an empty file is the point: say nothing */
		} else if (strncmp(line, "netjail: error: ", 16) == 0 ||
		    strncmp(line, "netjail: warning: ", 18) == 0) {
			L->said++;
			if (names_add(&L->shim_said, line, len) != 0)
				L->oom = 1;
		} else {
			L->skipped++;
		}
	}
	free(line);
}

/* ---- writing the suggestions ---- */

/* One comment line: "# " and text, every byte that is not printable ASCII as '?', so that
 * the file stays valid whatever a path or a program name held. */
static void __attribute__((format(printf, 2, 3)))
comment(FILE *f, const char *format, ...)
{
	char buf[TEXT_MAX * 2];
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	fprintf(f, "#%s%s\n", buf[0] ? " " : "", buf);
}

/* "a, b, c" or "a, b and others" into buf. */
static void
join(const struct names *s, const char *sep, char *buf, size_t size)
{
	struct nj_buf b = { buf, size, 0 };
	size_t shown = s->n < NAMES_SHOWN ? s->n : NAMES_SHOWN;

	buf[0] = '\0';
	for (size_t i = 0; i < shown; i++) {
		if (i)
			nj_buf_str(&b, sep);
		nj_buf_str(&b, s->v[i]);
	}
	if (s->more || shown < s->n)
		nj_buf_str(&b, " and others");
}

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(struct entry *const *)a)->key, (*(struct entry *const *)b)->key);
}

/* "3 times, by curl, python3" */
static void
tally(const struct entry *e, char *buf, size_t size)
{
	char progs[TEXT_MAX / 2];

	join(&e->progs, ", ", progs, sizeof(progs));
	fmt(buf, size, "%lu time%s, by %s", e->count, e->count == 1 ? "" : "s", progs);
}

static const char *const heading[] = {
	[S_ALLOW - '1'] = NULL,
	[S_BLOCKED - '1'] = "denied by a block rule (an allow cannot override a block):",
	[S_NOTE - '1'] = "denied, with no allow rule to suggest:",
	[S_NAME - '1'] = "names whose answers would have been removed (allowing the connections "
	    "above is enough; listed for reference):",
};

static void
write_entries(FILE *f, struct entry **v, size_t n)
{
	int section = 0;

	for (size_t i = 0; i < n; i++) {
		const struct entry *e = v[i];
		char t[TEXT_MAX / 2], calls[TEXT_MAX / 4], dests[TEXT_MAX];

		tally(e, t, sizeof(t));
		if (e->key[0] != section) {
			section = e->key[0];
			if (heading[section - '1']) {
				fputc('\n', f);
				comment(f, "%s", heading[section - '1']);
			}
		}
		if (section == S_NOTE || section == S_NAME) {
			comment(f, "%s (%s)", e->text, t);
			continue;
		}
		join(&e->calls, "/", calls, sizeof(calls));
		join(&e->dests, ", ", dests, sizeof(dests));
		fputc('\n', f);
		comment(f, "%s %s: %s", calls, dests, t);
		if (e->why)
			comment(f, "(%s)", e->why);
		comment(f, "%s", e->text);
	}
}

/* The learned section, after the rules text (a blank line between them when there is
 * any).  Returns 0 or -ENOMEM. */
static int
write_section(FILE *f, struct learned *L, char **argv, const char *rpath, int after_text)
{
	struct entry **v = NULL;
	size_t n = 0, nallow = 0;
	char cmd[160], date[64];
	struct nj_buf b = { cmd, sizeof(cmd), 0 };
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = time(NULL);
	struct tm tm;

	/* the command as a reader would type it, shortened */
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			nj_buf_ch(&b, ' ');
		nj_buf_str(&b, argv[i]);
	}
	if (b.len >= sizeof(cmd))
		memcpy(cmd + sizeof(cmd) - 4, "...", 4);
	/* reproducible builds' convention, for output that must compare byte for byte */
	if (sde && *sde && strspn(sde, "0123456789") == strlen(sde) && strlen(sde) < 19)
		now = (time_t)strtoll(sde, NULL, 10);
	if (gmtime_r(&now, &tm) == NULL || strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC",
	    &tm) == 0)
		fmt(date, sizeof(date), "unknown date");

	if (L->n && (v = malloc(L->n * sizeof(*v))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < L->cap; i++)
		if (L->slot[i])
			v[n++] = L->slot[i];
	if (n)
		qsort(v, n, sizeof(*v), by_key);
	for (size_t i = 0; i < n; i++)
		nallow += v[i]->key[0] == S_ALLOW;

	if (after_text)
		fputc('\n', f);
	comment(f, "---- netjail learn: %s (%s) ----", cmd, date);
	if (L->decisions == 0) {
		comment(f, "Nothing would have been denied: the rules (%s) allow everything "
		    "the command did.", rpath);
	} else {
		comment(f, "The command's processes asked for %lu connection%s, datagram%s or "
		    "program%s that the rules (%s) deny.", L->decisions,
		    L->decisions == 1 ? "" : "s", L->decisions == 1 ? "" : "s",
		    L->decisions == 1 ? "" : "s", rpath);
		if (nallow)
			comment(f, "%zu suggested allow rule%s below, commented out: review, then "
			    "delete the \"# \" before \"allow\" to adopt.", nallow,
			    nallow == 1 ? "" : "s");
	}
	if (L->skipped)
		comment(f, "%lu line%s of the audit log could not be read (cut short or garbled) "
		    "and were skipped.", L->skipped, L->skipped == 1 ? "" : "s");
	write_entries(f, v, n);
	fputc('\n', f);
	comment(f, "---- end of netjail learn ----");
	free(v);
	return 0;
}

/* The section must parse as it is (comments only) and with every suggestion uncommented
 * (exactly nallow rules): a guard against our own mistakes, cheap next to running the
 * command. */
static int
section_valid(const char *text, size_t len)
{
	struct nj_rules *r = NULL;
	char *un = malloc(len + 1);
	size_t n = 0, want = 0;
	int ok;

	if (un == NULL)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && strncmp(text + i, "# allow ", 8) == 0) {
			i += 1;		/* drop "# " */
			want++;
			continue;
		}
		un[n++] = text[i];
	}
	ok = nj_rules_parse(text, len, "section", NULL, &r, NULL) == 0 &&
	    nj_rules_count(r) == 0;
	nj_rules_free(r);
	r = NULL;
	ok = ok && nj_rules_parse(un, n, "section", NULL, &r, NULL) == 0 &&
	    nj_rules_count(r) == want;
	nj_rules_free(r);
	free(un);
	return ok;
}

/* ---- files ---- */

/* The rules as text, whole.  Returns 0 with *ret (malloc'd) and *ret_len, or -errno; a
 * compiled policy (it holds NUL bytes) is -EINVAL: there is no text to hand back. */
static int
read_text(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t len = 0, cap = 0;
	char *p = NULL;
	ssize_t k;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (len == cap) {
			char *q;

			cap = cap ? cap * 2 : 65536;
			if (cap > (size_t)NJ_MAX_FILE + 1 || (q = realloc(p, cap)) == NULL) {
				free(p);
				close(fd);
				return cap > (size_t)NJ_MAX_FILE + 1 ? -EFBIG : -ENOMEM;
			}
			p = q;
		}
		if ((k = read(fd, p + len, cap - len)) < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(p);
			close(fd);
			return -e;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (memchr(p, '\0', len) != NULL) {
		free(p);
		return -EINVAL;
	}
	*ret = p;
	*ret_len = len;
	return 0;
}

/* Where -o writes: an existing file where its links lead (so a link stays a link), with its
 * mode; a new file with the mode open(2) would give it.  A file that exists but is not a
 * regular file is refused, and so is a directory we cannot write in: both before the command
 * runs.  Returns 0, or -1 (printed). */
static int
out_target(const char *out, char *path, size_t size, mode_t *ret_mode)
{
	char dir[PATH_MAX];
	struct stat st;
	const char *slash;
	mode_t um;

	if (stat(out, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "netjail: -o %s: not a regular file (leave -o out to write to "
			    "standard output)\n", out);
			return -1;
		}
		if (realpath(out, path) == NULL) {
			fprintf(stderr, "netjail: -o %s: %s\n", out, strerror(errno));
			return -1;
		}
		*ret_mode = st.st_mode & 07777;
	} else {
		if ((size_t)snprintf(path, size, "%s", out) >= size) {
			fprintf(stderr, "netjail: -o %s: path too long\n", out);
			return -1;
		}
		um = umask(0);
		umask(um);
		*ret_mode = 0666 & ~um;
	}
	slash = strrchr(path, '/');
	fmt(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
	    slash ? path : ".");
	if (access(dir, W_OK) != 0) {
		fprintf(stderr, "netjail: -o %s: cannot write in %s: %s\n", out, dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Write a and b to path through a temporary file beside it and rename(2): a reader sees
 * the old file or the whole new one.  Returns 0, or -1 (printed). */
static int
write_atomic(const char *path, mode_t mode, const char *a, size_t alen, const char *b,
    size_t blen)
{
	char tmp[PATH_MAX + 16];
	int fd, rc = -1;
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		fprintf(stderr, "netjail: %s: path too long\n", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		fprintf(stderr, "netjail: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	fwrite(a, 1, alen, f);
	fwrite(b, 1, blen, f);
	if (fflush(f) == 0 && !ferror(f) && fchmod(fd, mode) == 0 && fsync(fd) == 0)
		rc = 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
out:
	if (rc != 0) {
		fprintf(stderr, "netjail: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

/* Start the command as our child and wait for it.  While it runs, SIGINT and SIGQUIT (which
 * a terminal sends to the command too) are ignored here, as system(3) does, so that what it
 * did is still written.  Returns its exit status, 128 + the signal that ended it, or
 * EXIT_CANNOT when it could not be started. */
static int
run_child(const char *cmd, char **argv)
{
	struct sigaction ign, oint, oquit;
	int st = 0;
	pid_t pid;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "netjail: fork: %s\n", strerror(errno));
		st = EXIT_CANNOT << 8;
	} else if (pid == 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		execv(cmd, argv);
		fprintf(stderr, "netjail: %s: %s\n", cmd, strerror(errno));
		_exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT);
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* The private log: a file in a directory only we can enter, named in NETJAIL_LOG.  Every
 * process of the command's tree opens, appends to and closes it per line (shim/log.c). */
static int
make_log(char *dir, size_t dsize, char *path, size_t psize)
{
	const char *t = getenv("TMPDIR");
	int fd;

	if (t == NULL || t[0] != '/' || strlen(t) > 1024)
		t = "/tmp";
	if ((size_t)snprintf(dir, dsize, "%s/netjail-learn.XXXXXX", t) >= dsize ||
	    mkdtemp(dir) == NULL) {
		fprintf(stderr, "netjail: cannot make a directory in %s: %s\n", t,
		    strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(path, psize, "%s/log.XXXXXX", dir) >= psize ||
	    (fd = mkostemp(path, O_CLOEXEC)) < 0) {
		fprintf(stderr, "netjail: cannot make the log in %s: %s\n", dir, strerror(errno));
		rmdir(dir);
		return -1;
	}
	return fd;
}

/* A descendant still running may create the log again between our unlink and rmdir. */
static void
remove_log(const char *dir, const char *path)
{
	for (int i = 0; i < 3; i++) {
		unlink(path);
		if (rmdir(dir) == 0 || errno != ENOTEMPTY)
			return;
	}
}

/* Everything after the command: what the shim said, the rules text and the learned section
 * to out (NULL: standard output), a summary on stderr.  Returns 0, or -1 (printed). */
static int
emit(struct learned *L, const char *text, size_t tlen, char **argv, const char *rpath,
    const char *out, mode_t mode)
{
	size_t slen = 0, nallow = 0, nother = 0;
	char *sect = NULL;
	FILE *mem;
	int rc = -1;

	for (size_t k = 0; k < L->shim_said.n; k++)
		fprintf(stderr, "netjail: the jailed command's shim said: %s\n", L->shim_said.v[k]);
	if (L->skipped)
		fprintf(stderr, "netjail: warning: %lu line%s of the audit log could not be read "
		    "and %s skipped\n", L->skipped, L->skipped == 1 ? "" : "s",
		    L->skipped == 1 ? "was" : "were");
	if (L->oom || (mem = open_memstream(&sect, &slen)) == NULL) {
		fputs("netjail: out of memory\n", stderr);
		return -1;
	}
	if (tlen && text[tlen - 1] != '\n')
		fputc('\n', mem);
	rc = write_section(mem, L, argv, rpath, tlen > 0);
	if (fclose(mem) != 0 || rc != 0) {
		fputs("netjail: out of memory\n", stderr);
		free(sect);
		return -1;
	}
	rc = -1;
	if (!section_valid(sect, slen)) {
		fputs("netjail: internal error: the suggestions do not parse; nothing written\n",
		    stderr);
	} else if (out) {
		rc = write_atomic(out, mode, text, tlen, sect, slen);
	} else {
		fwrite(text, 1, tlen, stdout);
		fwrite(sect, 1, slen, stdout);
		if (fflush(stdout) == 0 && !ferror(stdout))
			rc = 0;
		else
			fprintf(stderr, "netjail: cannot write the suggestions: %s\n",
			    strerror(errno));
	}
	free(sect);
	if (rc != 0)
		return -1;
	for (size_t k = 0; k < L->cap; k++)
		if (L->slot[k])
			*(L->slot[k]->key[0] == S_ALLOW ? &nallow : &nother) += 1;
	fprintf(stderr, "netjail: learned %zu suggested allow rule%s and %zu note%s from %lu "
	    "denied decision%s%s%s\n", nallow, nallow == 1 ? "" : "s", nother,
	    nother == 1 ? "" : "s", L->decisions, L->decisions == 1 ? "" : "s",
	    out ? "; written to " : "", out ? out : "");
	return 0;
}

int
nj_cmd_learn(int argc, char **argv)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	const char *rules = NULL, *out = NULL, *pre = getenv("LD_PRELOAD");
	char outpath[PATH_MAX], dir[PATH_MAX], logpath[PATH_MAX + 16];
	struct learned L;
	struct nj_launch l;
	char *text = NULL;
	size_t tlen = 0;
	mode_t mode = 0644;
	int c, i, rc, fd, status;
	FILE *f;

	/* '+': the options end at COMMAND, whose own arguments are never ours */
	while ((c = getopt_long(argc, argv, "+:r:o:", none, NULL)) != -1) {
		switch (c) {
		case 'r':
			rules = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			nj_cli_badopt(c, argv);
			return learn_usage(), EXIT_USAGE;
		}
	}
	if ((i = optind) >= argc)
		return learn_usage(), EXIT_USAGE;
	/* inside a jail, the outer shim puts its own NETJAIL_* back into every child */
	if (getenv("NETJAIL_RULES") && pre && strstr(pre, "libnetjail")) {
		warnx("learn cannot run inside netjail: the jail around it would keep its own "
		    "settings in the command's processes");
		return EXIT_USAGE;
	}
	if (out && out_target(out, outpath, sizeof(outpath), &mode) != 0)
		return EXIT_USAGE;
	if ((rc = nj_launch_prepare(&l, rules, argv[i])) != 0)
		return rc;
	if ((rc = read_text(l.rpath, &text, &tlen)) != 0) {
		fprintf(stderr, "%s: error: %s\n", l.rpath, rc == -EINVAL ? "a compiled policy has "
		    "no text to write back: give learn the rules file it was compiled from" :
		    strerror(-rc));
		nj_rules_free(l.set);
		return EXIT_USAGE;
	}
	memset(&L, 0, sizeof(L));
	if (l.why[0]) {
		warnx("warning: %s is %s; it runs unjailed, so what it connects to cannot be "
		    "learned (the suggestions include \"allow exec\" for it)", l.cmd, l.why);
		L.decisions++;
		learn_exec(&L, l.set, "exec", l.cmd, l.canon,
		    "the command itself, which netjail cannot follow", "netjail", 7);
	}
	if ((fd = make_log(dir, sizeof(dir), logpath, sizeof(logpath))) < 0 ||
	    nj_launch_env(&l, 1, logpath) != 0) {
		if (fd >= 0) {
			close(fd);
			remove_log(dir, logpath);
		}
		free(text);
		nj_rules_free(l.set);
		learned_free(&L);
		return EXIT_USAGE;
	}
	learn_machine(&L);
	status = run_child(l.cmd, argv + i);

	rc = EXIT_LEARN;
	if ((f = fdopen(fd, "r")) == NULL) {
		warn("cannot read the audit log");
		close(fd);
	} else {
		learn_log(&L, l.set, f);
		fclose(f);
	}
	remove_log(dir, logpath);
	if (f != NULL && emit(&L, text, tlen, argv + i, l.rpath, out ? outpath : NULL, mode) == 0)
		rc = status;
	free(text);
	nj_rules_free(l.set);
	learned_free(&L);
	return rc;
}
