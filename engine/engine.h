/* engine.h - the policy engine: rules text -> immutable rule set; (rule set, destination) ->
 * verdict; the decision records.  Everything here is pure: no system calls, no printing, no
 * globals (scripts/check-layers fails the build otherwise).  What reads files or asks the
 * system is in sys/ (sys/sys.h), which hands buffers to this code.
 *
 * Conventions: functions return 0 or a negative errno; outputs filled on success are ret_*;
 * nj_rules_free(NULL) and nj_diags_free(NULL) are no-ops.
 */
#ifndef NJ_ENGINE_H
#define NJ_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* Limits of SPEC.md §3; passing any of them is an error. */
#define NJ_MAX_FILE (64u << 20) /* bytes in a rules file */
#define NJ_MAX_LINE 4096u /* bytes in one line, without its line end */
#define NJ_MAX_RULES 1000000u /* rules in one file */

/* The most addresses one destination can stand for (SPEC.md §3 normalisation): the address
 * itself, up to four embedded IPv4 addresses (NAT64 local-use layouts), and loopback for each
 * unspecified one.  Generous on purpose. */
#define NJ_MAX_EXPAND 12

#define NJ_NORULE UINT32_MAX /* "no rule": e.g. denied because no allow rule matched */
#define NJ_PORT_ANY (-1) /* destination port unknown: "is some port allowed?" */

enum nj_action { NJ_ALLOW = 1, NJ_BLOCK = 2 };

/* A rule's proto: NJ_PROTO_ANY when the rule names none.  A destination's proto: TCP for
 * SOCK_STREAM, UDP for SOCK_DGRAM, OTHER for anything else (matches only proto-less rules). */
enum nj_proto { NJ_PROTO_ANY = 0, NJ_PROTO_TCP = 1, NJ_PROTO_UDP = 2, NJ_PROTO_OTHER = 3 };

/* An IP address.  family is 4 or 6; an IPv4 address uses a[0..3], network byte order, and
 * the rest of a[] is zero.  A v4-mapped IPv6 address (::ffff:a.b.c.d) is family 6 until
 * nj_ip_expand() or the parser turns it into IPv4. */
struct nj_ip {
	uint8_t family;
	uint8_t a[16];
};

struct nj_prefix {
	struct nj_ip ip;
	uint8_t len;
};

/* What a destination is, as the rules see it.  Filled by the shim from a sockaddr, by the
 * CLI from text.  Nothing here is owned: path points into the caller's memory. */
enum nj_dest_kind { NJ_DEST_IP = 1, NJ_DEST_UNIX = 2, NJ_DEST_FAMILY = 3 };
struct nj_dest {
	int kind;
	int proto; /* enum nj_proto; TCP, UDP or OTHER */
	int port; /* 0..65535, or NJ_PORT_ANY */
	struct nj_ip ip; /* NJ_DEST_IP */
	int family; /* NJ_DEST_FAMILY: the AF_* number */
	int kernel; /* NJ_DEST_FAMILY: 1 for a netlink message to the kernel itself
				 * (port id 0, no multicast groups): no network destination,
				 * allowed unless a block rule names its family */
	const char *path; /* NJ_DEST_UNIX: absolute path, or abstract name without its NUL */
	size_t pathlen; /* 0 with abstract == 0: an unnamed socket (always allowed) */
	int abstract; /* NJ_DEST_UNIX: 1 for the abstract namespace */
};

/* The outcome of nj_decide().  When denied, addr is the first address (of those the
 * destination stands for) that was denied and rule is the block rule that matched it, or
 * NJ_NORULE when no allow rule matched it. */
struct nj_verdict {
	int allow;
	uint32_t rule;
	struct nj_ip addr;
	int naddr; /* how many addresses the destination stood for (IP only) */
};

/* Errors and warnings found while parsing or linting.  line and col are 1-based; line 0 is
 * a file-level message (unreadable, too large).  The list keeps at most max entries (0: no
 * limit); further ones are only counted in dropped. */
struct nj_diag {
	int error; /* 1 error, 0 warning */
	uint32_t line, col;
	char msg[240];
};
struct nj_diags {
	struct nj_diag *v;
	size_t n, cap, max;
	size_t nerr, nwarn, dropped;
};
void nj_diags_free(struct nj_diags *d);

/* The dynamic presets, gathered by the caller when rules load (see nj_sys_gather). */
struct nj_sys {
	struct nj_prefix *self; /* @self: every address of every local interface */
	size_t nself;
	struct nj_prefix *resolvers; /* @resolvers: nameservers of /etc/resolv.conf */
	size_t nresolvers;
};

struct nj_rules;

/* ---- addr.c: parse, format and normalise addresses ---- */

/* Parse exactly n bytes of s as an IPv4 (four decimal parts, no leading zeros) or IPv6
 * address (no zone id).  Returns 0 and fills *ret, or -EINVAL.  A v4-mapped address stays
 * family 6. */
int nj_ip_parse(const char *s, size_t n, struct nj_ip *ret);

/* Write the address as text (IPv6 in RFC 5952 form) into buf (NUL-terminated, truncated to
 * size).  Returns the length it needs, as snprintf.  Async-signal-safe. */
size_t nj_ip_format(const struct nj_ip *ip, char *buf, size_t size);
size_t nj_prefix_format(const struct nj_prefix *p, char *buf, size_t size);

/* Every address a destination address stands for (SPEC.md §3 normalisation): itself (a
 * v4-mapped address only as its IPv4 address), the IPv4 addresses embedded in it (NAT64,
 * IPv4-translated, IPv4-compatible, 6to4, Teredo), and loopback for each unspecified one.
 * No duplicates; out[0] is the address itself.  Returns the count (>= 1).
 * Async-signal-safe. */
int nj_ip_expand(const struct nj_ip *ip, struct nj_ip out[NJ_MAX_EXPAND]);

/* A v4-mapped address (::ffff:a.b.c.d) becomes its IPv4 address; any other stays.  Returns 1
 * when it changed.  Async-signal-safe. */
int nj_ip_unmap(struct nj_ip *ip);

/* 1 when the prefix contains the address (same family), else 0. */
int nj_prefix_contains(const struct nj_prefix *p, const struct nj_ip *ip);

/* ---- num.c ---- */

/* Exactly n bytes of s as a decimal number of at most max: digits only, no sign, no leading
 * zero (but "0" itself).  0 with *ret; -EINVAL not a number; -ERANGE above max. */
int nj_num_parse(const char *s, size_t n, unsigned long max, unsigned long *ret);

/* ---- parse.c: rules text -> struct nj_rules ---- */

/* Parse a whole rules file held in text[0..len).  file names it in messages (copied).  sys
 * gives @self and @resolvers (NULL: both empty).  All-or-nothing: on any error returns
 * -EINVAL with *ret NULL and every error in diags (which may be NULL); -ENOMEM on memory
 * exhaustion; -EFBIG when len passes NJ_MAX_FILE.  Warnings are nj_rules_lint's job.  On success
 * *ret is an immutable rule set, owned by the caller (nj_rules_free). */
int nj_rules_parse(const char *text, size_t len, const char *file, const struct nj_sys *sys,
    struct nj_rules **ret, struct nj_diags *diags);

void nj_rules_free(struct nj_rules *r);

/* The rules' name of a socket family ("netlink" for AF_NETLINK), or NULL. */
const char *nj_family_name(int af);
/* The family the rules' name s[0..n) stands for (AF_NETLINK for "netlink"), or -1. */
int nj_family_find(const char *s, size_t n);

/* "family raw": the raw IP sockets (SOCK_RAW of AF_INET and AF_INET6), judged whole like a
 * family because they write IP headers of their own, whose destination no check of the
 * socket's address sees.  No AF_ number: it lies above every sa_family_t. */
#define NJ_FAMILY_RAW 0x10000

/* ---- match.c: the decision ---- */

/* Decide a destination.  Returns 1 (allowed) or 0 (denied) and, when ret is not NULL, fills
 * it.  A NULL rule set denies everything.  No allocation, no locks: async-signal-safe and
 * safe from any number of threads at once. */
int nj_decide(const struct nj_rules *r, const struct nj_dest *d, struct nj_verdict *ret);

/* The same formula for one address of those an IP destination d stands for (one of
 * nj_ip_expand's), taken as it is: not expanded again (0.0.0.0 alone, not 0.0.0.0 and
 * 127.0.0.1).  For `explain` and `learn`, which judge each address on its own. */
int nj_decide_one(const struct nj_rules *r, const struct nj_dest *d, const struct nj_ip *addr,
    struct nj_verdict *ret);

/* 1 when an "allow exec" rule names path (absolute), else 0.  Async-signal-safe. */
int nj_exec_allowed(const struct nj_rules *r, const char *path);

/* ---- host.c: host rules' names (SPEC.md §3a) ---- */

/* Is s[0..n) a NAME a host rule may hold (a leading "*." allowed, a trailing "." ignored)?
 * 0, or -EINVAL with the offset of the fault in *ret_col and why in *ret_why. */
int nj_host_check(const char *s, size_t n, size_t *ret_col, const char **ret_why);
/* A looked-up name in the form rules hold it: lower case, no trailing dot, into out (NUL-
 * terminated).  Its length, or -EINVAL for a name no rule can match (not a valid NAME, a
 * wildcard, too long for out).  Async-signal-safe. */
int nj_host_norm(const char *s, char *out, size_t size);
/* The first host rule of action (NJ_ALLOW, NJ_BLOCK) naming name[0..n) (as nj_host_norm
 * gives it) for proto and port, or NJ_NORULE.  proto < 0: any proto and port; port
 * NJ_PORT_ANY: some port.  Async-signal-safe. */
uint32_t nj_host_rule(const struct nj_rules *r, int action, const char *name, size_t n, int proto,
    int port);
#define NJ_HOST_TEXT 256 /* room for a name as nj_host_norm gives it, with its NUL */
/* Is rule i a host rule, and does it name name[0..n)? */
int nj_rule_is_host(const struct nj_rules *r, uint32_t i);
int nj_rule_host_matches(const struct nj_rules *r, uint32_t i, const char *name, size_t n);
/* How many host rules r holds (0: lookups and connects need no table of answers). */
size_t nj_rules_host_count(const struct nj_rules *r);
/* The decision for IP destination d whose address a lookup of name[0..n) answered (match.c):
 * allowed iff, for every address d stands for, no block rule matches it, and either the
 * address rules allow it or a host allow rule names name for d's proto and port.  ret as
 * nj_decide; ret->rule is the host rule that allowed, when one did. */
int nj_decide_host(const struct nj_rules *r, const struct nj_dest *d, const char *name, size_t n,
    struct nj_verdict *ret);
/* The same for a d the address rules alone have already denied (nj_decide said no): the
 * connect path's question, without deciding d again.  Async-signal-safe. */
int nj_host_allows(const struct nj_rules *r, const struct nj_dest *d, const char *name, size_t n);

/* ---- answers.c: answers remembered with the names that asked (SPEC.md §3a, §8a) ---- */

#define NJ_HOST_MAX 254 /* a name as nj_host_norm gives it, with its NUL */
struct nj_answers;
/* The bytes a table takes; zeroed, they are an empty one (the caller maps or allocates). */
size_t nj_answers_size(void);
/* Remember that a lookup of name[0..n) (nj_host_norm's form) answered ip (t NULL: nothing). */
void nj_answers_keep(struct nj_answers *t, const struct nj_ip *ip, const char *name, size_t n);
/* Does a remembered answer for d's address, with the name that asked, make r allow d
 * (nj_host_allows)?  1 with that name in name[0..size) (when not NULL), else 0.  Lock-free,
 * allocation-free: async-signal-safe. */
int nj_answers_allows(const struct nj_answers *t, const struct nj_rules *r, const struct nj_dest *d,
    char *name, size_t size);
/* A name whose lookup answered ip (for a log line): 1 with it in name[0..size), else 0. */
int nj_answers_name(const struct nj_answers *t, const struct nj_ip *ip, char *name, size_t size);

/* ---- dns.c: DNS messages, for the supervisor's relay (SPEC.md §8a) ---- */

#define NJ_DNS_NAME 256 /* a name as text, with its NUL */
#define NJ_DNS_MAX_RECORDS 4096 /* more in one message is refused */
struct nj_dns_question {
	char name[NJ_DNS_NAME]; /* lower case, no trailing dot; "" for the root */
	size_t len;
	uint16_t id, type, class;
	int response, opcode;
	size_t end; /* the offset just past the question */
};
/* The first question of a message with exactly one.  0, or -EINVAL. */
int nj_dns_question(const uint8_t *msg, size_t n, struct nj_dns_question *q);
/* The IN A and AAAA answers of a response for its question's name, or for a name that name's
 * CNAME records lead to (at most 16 links, in any order in the answer section): up to max
 * into out.  Their count, or -EINVAL for a malformed message (a record or name past the end,
 * a compression pointer that does not point back, a name over 255 bytes, a label holding
 * '.' or NUL, more than NJ_DNS_MAX_RECORDS records). */
int nj_dns_answers(const uint8_t *msg, size_t n, struct nj_ip *out, size_t max);
/* The REFUSED response to a query (its id and question, nothing else) into out.  Its
 * length, or 0 when query is not one query with one question or out is too small. */
size_t nj_dns_refuse(const uint8_t *query, size_t n, uint8_t *out, size_t size);

/* ---- rule access (explain.c) ---- */

size_t nj_rules_count(const struct nj_rules *r);
/* How many of them allow (kept with the rules: no walk over them). */
size_t nj_rules_allow_count(const struct nj_rules *r);

/* 1 when some rule names tcp or udp: only then does a decision depend on the socket type,
 * which a caller may then skip looking up.  Async-signal-safe. */
int nj_rules_use_proto(const struct nj_rules *r);
const char *nj_rules_file(const struct nj_rules *r);
uint32_t nj_rule_line(const struct nj_rules *r, uint32_t i);
int nj_rule_action(const struct nj_rules *r, uint32_t i);

/* The rule as normalised text ("block tcp 10.0.0.0/8 port 22,80-90").  Re-parsing it gives
 * the same rule.  snprintf-like return.  Async-signal-safe. */
size_t nj_rule_format(const struct nj_rules *r, uint32_t i, char *buf, size_t size);

/* The narrowest rule that would allow dest ("allow tcp 10.0.0.7 port 53"); for an IP
 * destination, addr names which of the addresses it stands for (a verdict's addr).
 * snprintf-like.  Async-signal-safe. */
size_t nj_suggest_allow(const struct nj_dest *d, const struct nj_ip *addr, char *buf, size_t size);
/* The same for a destination a lookup of host gave (host NULL: none): for an IP destination
 * and a name a host rule can hold, "allow tcp host api.example.com port 443"; else as
 * nj_suggest_allow.  Async-signal-safe. */
size_t nj_suggest_allow_for(const struct nj_dest *d, const struct nj_ip *addr, const char *host,
    char *buf, size_t size);

/* Every rule that matches a single address (not expanded) of dest, ascending rule index,
 * into out[0..max).  Returns how many matched (may exceed max). */
size_t nj_matches(const struct nj_rules *r, const struct nj_dest *d, const struct nj_ip *addr,
    uint32_t *out, size_t max);

/* Warnings a careful author wants: duplicate rules, allow rules a block makes useless, no
 * allow rule at all.  Appends warnings to diags.  Returns 0 or -ENOMEM. */
int nj_rules_lint(const struct nj_rules *r, struct nj_diags *diags);

/* ---- presets.c ---- */

/* Preset ids are small integers; nj_preset_find returns one or -1 for an unknown name. */
int nj_preset_find(const char *name, size_t n);
const char *nj_preset_name(int id);
int nj_preset_count(void);

/* Every prefix of preset id, with the source of each (a static string), through fn.
 * Computed presets (@public, @special's parts, @self, @resolvers) included.  Returns 0 or
 * the first non-zero value fn returned. */
int nj_preset_each(int id, const struct nj_sys *sys,
    int (*fn)(void *arg, const struct nj_prefix *p, const char *source), void *arg);

/* The nameserver addresses of a resolv.conf held in text[0..len), as /32 and /128
 * prefixes appended to *s (s->resolvers).  Returns 0 or -ENOMEM. */
int nj_resolvconf_parse(const char *text, size_t len, struct nj_sys *s);

/* Where a loaded rule set's arrays live: parsed here (malloc'd), or a compiled file's copy
 * in huge pages, in a sealed memfd snapshot, or in anonymous 4 KiB pages (sys/load.c says
 * which is taken when), or shared from the snapshot cache (sys/cache.c).  For the tests. */
enum nj_held { NJ_HELD_PARSED = 0, NJ_HELD_HUGE, NJ_HELD_SNAPSHOT, NJ_HELD_COPY, NJ_HELD_SHARED };
int nj_rules_held(const struct nj_rules *r);

/* ---- fmt.c: bounded text appenders, async-signal-safe (log lines are built with them) ----
 * The buffer stays NUL-terminated; len counts what was wanted, as snprintf's return does. */
struct nj_buf {
	char *p;
	size_t size, len;
};
void nj_buf_str(struct nj_buf *b, const char *s);
void nj_buf_mem(struct nj_buf *b, const char *s, size_t n);
void nj_buf_uint(struct nj_buf *b, unsigned long v);
void nj_buf_ch(struct nj_buf *b, char c);

/* (explain.c) Why r decided d as v (nj_decide's verdict), appended to b as the shim's log
 * lines and netjail_explain(3) say it.  A denial: "block @loopback (FILE:3)" or "no allow rule
 * matches (FILE); to allow it: allow tcp 10.0.0.7 port 5432", preceded by "it stands for A,
 * and " when the denied address A is not d's own; async-signal-safe.  An allowal: the first
 * allow rule that matches d's first address, "allow @public (FILE:1)".  r is not NULL. */
void nj_verdict_why(struct nj_buf *b, const struct nj_rules *r, const struct nj_dest *d,
    const struct nj_verdict *v);
/* The same for a destination a lookup of host gave (host NULL: none): what it would take to
 * allow it is a host rule (nj_suggest_allow_for). */
void nj_verdict_why_for(struct nj_buf *b, const struct nj_rules *r, const struct nj_dest *d,
    const struct nj_verdict *v, const char *host);

/* ---- record.c: the decision record of SPEC.md §6, one description written as the line
 * people read or as one JSON object (NETJAIL_LOG_FORMAT=json; what netjail learn reads).
 * Pure and async-signal-safe; the caller gives the time and writes the line. ---- */
#define NJ_LINE_MAX 512 /* bytes in one text line, its newline included */
#define NJ_RECORD_MAX 2048 /* bytes in one JSON record, its newline included */

enum nj_rec_verdict { NJ_REC_DENY = 1, NJ_REC_WOULD_DENY, NJ_REC_ERROR, NJ_REC_WARNING };
/* reason: the machine word of a denial that is not a verdict on a destination ("reason" in
 * JSON; a verdict's own is "blocked" or "no-allow") */
enum nj_rec_reason {
	NJ_WHY_NONE = 0,
	NJ_WHY_NO_ALLOW,
	NJ_WHY_BLOCKED,
	NJ_WHY_NO_RULES,
	NJ_WHY_UNJAILABLE,
	NJ_WHY_MALFORMED,
	NJ_WHY_IO_URING,
	NJ_WHY_UNCHECKABLE,
	NJ_WHY_RULES_ERROR,
	NJ_WHY_SETTING
};

/* One decision (or start-up error).  Fields that do not apply are 0 or NULL.  Nothing is
 * owned. */
struct nj_record {
	int verdict; /* enum nj_rec_verdict */
	int reason; /* enum nj_rec_reason */
	const char *call; /* connect, sendto, getaddrinfo, execve...; NULL for errors */
	const char *prog;
	unsigned long pid;
	const struct nj_dest *dest; /* the destination; or */
	const char *host; /* with dest: the name whose lookup answered it (host rules) */
	const char *what; /* the subject: a program's path (with suggest), a looked-up
					 * name (with answers), a few words ("a malformed address") */
	/* a verdict: rules decided vdest (dest, or a lookup's first removed answer) as v */
	const struct nj_rules *rules;
	const struct nj_verdict *v;
	const struct nj_dest *vdest;
	const char *text; /* the reason in words, when there is no verdict; for errors,
					 * the message */
	const char *suggest; /* the rule that would allow it, when not the verdict's */
	const char *answers; /* a lookup: the answers removed ("10.0.0.1, ::1") */
	unsigned removed, total; /* and how many of how many */
	const char *rules_path; /* NJ_WHY_NO_RULES: what NETJAIL_RULES said */
	const char *file; /* errors: where, and what follows ("denying all network */
	uint32_t line, col; /* access") */
	const char *effect;
	unsigned long count; /* more like it, held back before this one (rate limit) */
	long long time; /* JSON: seconds since the epoch, and milliseconds; 0: none */
	unsigned msec;
};

/* The line (SPEC.md §6), without its newline, appended to b. */
void nj_record_text(struct nj_buf *b, const struct nj_record *r);
/* The same as one JSON object, without its newline (a record too long for b gets its strings
 * cut, and "cut":true). */
void nj_record_json(struct nj_buf *b, const struct nj_record *r);
/* The destination as lines name it: "tcp 127.0.0.1:8080", "udp [::1]:53", "unix /run/x.sock",
 * "family netlink". */
void nj_line_dest(struct nj_buf *b, const struct nj_dest *d);
/* End the line with its newline, cut to fit b (size at least 2): b->p[0..b->len) is then the
 * whole line, ready for one write(2). */
void nj_line_end(struct nj_buf *b);
/* s[0..n) as a JSON string: quotes, escapes, each byte outside printable ASCII as \u00XX. */
void nj_buf_json_str(struct nj_buf *b, const char *s, size_t n);
/* "2026-12-03T14:00:00.123Z" (RFC 3339, UTC) for sec seconds since the epoch. */
void nj_buf_time(struct nj_buf *b, long long sec, unsigned msec);

/* ---- sha256.c: SHA-256, the snapshot cache's content key ---- */
struct nj_sha256 {
	uint32_t h[8];
	unsigned long long n;
	unsigned char buf[64];
	size_t used;
};
void nj_sha256_init(struct nj_sha256 *s);
void nj_sha256_update(struct nj_sha256 *s, const void *data, size_t n);
void nj_sha256_final(struct nj_sha256 *s, unsigned char out[32]);

/* The built-in policy of `netjail run` without -r (SPEC.md §4). */
extern const char nj_default_policy[];
#define NJ_DEFAULT_POLICY_NAME "<built-in default policy>"

#endif
