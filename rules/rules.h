/* rules.h - the policy engine: rules text -> immutable rule set; (rule set, destination) -> verdict.
 *
 * The one header the rest of the project includes.  Everything here is pure (no printing, no
 * globals, no I/O) except the functions marked "I/O" (load.c, sys.c, path.c, jailable.c,
 * compiled.c), which are the thin callers that read a file or ask the system and hand a buffer
 * to the pure code.
 *
 * Conventions: functions return 0 or a negative errno; outputs filled on success are ret_*;
 * nj_rules_free(NULL) and nj_diags_free(NULL) are no-ops.
 */
#ifndef NJ_RULES_H
#define NJ_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Limits of SPEC.md §3; passing any of them is an error. */
#define NJ_MAX_FILE	(64u << 20)	/* bytes in a rules file */
#define NJ_MAX_LINE	4096u		/* bytes in one line, without its line end */
#define NJ_MAX_RULES	1000000u	/* rules in one file */

/* The most addresses one destination can stand for (SPEC.md §3 normalisation): the address
 * itself, up to four embedded IPv4 addresses (NAT64 local-use layouts), and loopback for each
 * unspecified one.  Generous on purpose. */
#define NJ_MAX_EXPAND	12

#define NJ_NORULE	UINT32_MAX	/* "no rule": e.g. denied because no allow rule matched */
#define NJ_PORT_ANY	(-1)		/* destination port unknown: "is some port allowed?" */

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
	int proto;		/* enum nj_proto; TCP, UDP or OTHER */
	int port;		/* 0..65535, or NJ_PORT_ANY */
	struct nj_ip ip;	/* NJ_DEST_IP */
	int family;		/* NJ_DEST_FAMILY: the AF_* number */
	int kernel;		/* NJ_DEST_FAMILY: 1 for a netlink message to the kernel itself
				 * (port id 0, no multicast groups): no network destination,
				 * allowed unless a block rule names its family */
	const char *path;	/* NJ_DEST_UNIX: absolute path, or abstract name without its NUL */
	size_t pathlen;		/* 0 with abstract == 0: an unnamed socket (always allowed) */
	int abstract;		/* NJ_DEST_UNIX: 1 for the abstract namespace */
};

/* The outcome of nj_decide().  When denied, addr is the first address (of those the
 * destination stands for) that was denied and rule is the block rule that matched it, or
 * NJ_NORULE when no allow rule matched it. */
struct nj_verdict {
	int allow;
	uint32_t rule;
	struct nj_ip addr;
	int naddr;		/* how many addresses the destination stood for (IP only) */
};

/* Errors and warnings found while parsing or linting.  line and col are 1-based; line 0 is
 * a file-level message (unreadable, too large).  The list keeps at most max entries (0: no
 * limit); further ones are only counted in dropped. */
struct nj_diag {
	int error;		/* 1 error, 0 warning */
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
	struct nj_prefix *self;		/* @self: every address of every local interface */
	size_t nself;
	struct nj_prefix *resolvers;	/* @resolvers: nameservers of /etc/resolv.conf */
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

/* 1 when the prefix contains the address (same family), else 0. */
int nj_prefix_contains(const struct nj_prefix *p, const struct nj_ip *ip);

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

/* ---- rule access (explain.c) ---- */

size_t nj_rules_count(const struct nj_rules *r);

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
size_t nj_suggest_allow(const struct nj_dest *d, const struct nj_ip *addr, char *buf,
    size_t size);

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

/* ---- load.c, sys.c: I/O ---- */

/* I/O.  Read the rules file at path (opened non-blocking; must be a regular file of at most
 * NJ_MAX_FILE bytes) and parse it as nj_rules_parse does; or, when it starts with the magic
 * of a compiled policy (nj_rules_compile; at most NJ_MAX_COMPILED bytes), map it and
 * validate it whole.  File-level problems are line-0 errors in diags and -errno returns.
 * A world-writable file gets a warning. */
#define NJ_MAX_COMPILED (1024u << 20)
int nj_rules_load(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags);

/* I/O.  nj_rules_load, keeping the text: when the file held rules text and parsed, *ret_text
 * is that text (NUL-terminated, malloc'd: the caller frees it) and *ret_len its length; for
 * a compiled file, or on failure, *ret_text is NULL.  ret_text and ret_len are both given or
 * both NULL (then this is nj_rules_load). */
int nj_rules_load_text(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags, char **ret_text, size_t *ret_len);

/* I/O.  Write r in compiled form to fd (nj_rules_load maps it back with one mmap).  r must
 * have been parsed without a struct nj_sys (the dynamic presets are filled in where the
 * compiled file loads): otherwise -EINVAL.  Returns 0 or -errno. */
int nj_rules_compile(const struct nj_rules *r, int fd);

/* Where a loaded rule set's arrays live: parsed here (malloc'd), or a compiled file's copy
 * in huge pages, in a sealed memfd snapshot, or in anonymous 4 KiB pages (compiled.c says
 * which is taken when).  For the tests. */
enum nj_held { NJ_HELD_PARSED = 0, NJ_HELD_HUGE, NJ_HELD_SNAPSHOT, NJ_HELD_COPY };
int nj_rules_held(const struct nj_rules *r);

/* I/O.  Gather @self (getifaddrs) and @resolvers (/etc/resolv.conf; a missing file gives an
 * empty set).  Returns 0 or -ENOMEM; *ret must be released with nj_sys_free. */
int nj_sys_gather(struct nj_sys *ret);
void nj_sys_free(struct nj_sys *s);

/* Pure: the nameserver addresses of a resolv.conf held in text[0..len), as /32 and /128
 * prefixes appended to *s (s->resolvers).  Returns 0 or -ENOMEM. */
int nj_resolvconf_parse(const char *text, size_t len, struct nj_sys *s);

/* I/O (path.c).  path[0..n) made absolute and canonical the way the kernel will resolve it
 * (symbolic links followed, "." and ".." taken physically); a path that does not resolve is
 * given as written, made absolute: the unix socket paths the rules see (SPEC.md §3), and the
 * programs an "allow exec" rule names.
 * Returns 0, or -1 when it does not fit or n is 0 (the caller denies).
 * Async-signal-safe: readlink(2) and getcwd(3) into our buffers only; errno may change. */
int nj_path_abs(const char *path, size_t n, char *out, size_t size);

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

/* ---- logline.c: the decision line of SPEC.md §6, built piece by piece (the shim and the
 * supervisor of netjail run --supervise write the same lines).  Async-signal-safe. ---- */
#define NJ_LINE_MAX 512		/* bytes in one line, its newline included */
/* "netjail: [would ]deny CALL" */
void nj_line_head(struct nj_buf *b, const char *call, int audit);
/* " (PROG[PID]): " */
void nj_line_who(struct nj_buf *b, const char *prog, unsigned long pid);
/* The destination: "tcp 127.0.0.1:8080", "udp [::1]:53", "unix /run/x.sock", "family netlink". */
void nj_line_dest(struct nj_buf *b, const struct nj_dest *d);
/* End the line with its newline, cut to fit b (size at least 2): b->p[0..b->len) is then the
 * whole line, ready for one write(2). */
void nj_line_end(struct nj_buf *b);

/* ---- ratelimit.c: identical lines from one process, written a few times, then summarised
 * (the first 3; then one at the 10th, 100th, 1000th..., or an hour after the last written,
 * with the count of those held back).  Lock-free and allocation-free once its table is
 * mapped (on the first line): async-signal-safe. ---- */
enum { NJ_RL_WRITE = 1, NJ_RL_HOLD = 0 };
/* Note one line (its text, with or without the newline).  NJ_RL_WRITE: write it, and when
 * *ret_held is not 0, say that many like it were held back since the last one written
 * (nj_rl_summary); NJ_RL_HOLD: do not write it. */
int nj_rl_note(const char *line, size_t len, unsigned long *ret_held);
/* At exit: fn(text, len, held, arg) for each line with some held back since it was last
 * written: the line itself stands for the last of them, held counts the others (it may be
 * 0).  text is the line as first held. */
void nj_rl_flush(void (*fn)(const char *line, size_t len, unsigned long held, void *arg),
    void *arg);
/* line[0..len) followed by " [N more like it not shown]", cut to fit b. */
void nj_rl_summary(struct nj_buf *b, const char *line, size_t len, unsigned long held);

/* netjail run --supervise (cli/seccomp.c) answers this probe in its seccomp filter, so the
 * shim can tell that the kernel checks this process's connections and may let it start
 * programs the preload cannot follow: connect(-1, NULL, NJ_SUPERVISED_PROBE) fails with
 * errno NJ_SUPERVISED_ERRNO (without the filter: EBADF). */
#define NJ_SUPERVISED_PROBE	0x6e6a7376	/* "njsv" */
#define NJ_SUPERVISED_ERRNO	3946		/* below MAX_ERRNO (4095), used by nothing else */

/* ---- jailable.c: I/O, async-signal-safe, no allocation ----
 * Can the preload follow a program into the file at path?  Returns 1 yes; 0 no, with the
 * reason in why ("statically linked: ..."): a statically linked ELF, a setuid/setgid or
 * file-capability program, an ELF of another class, machine or C library, or a #! script
 * whose interpreter is one of those (one level); -errno when the file cannot be opened
 * (-ENOENT too for a script whose interpreter is missing: exec fails the same way).
 * errno is kept. */
int nj_jailable(const char *path, char *why, size_t size);

/* What the kernel writes, or reads from us, while a file is judged: its first bytes, its
 * status and the name of the attribute asked for.  The caller's to place: the shim keeps one
 * per thread (shim/child.c says why), nj_jailable one on its stack. */
struct nj_jailbuf {
	unsigned char hdr[1024];
	struct stat st;
	char xattr[24];
};

/* The same for execveat(2)'s arguments: path relative to dirfd; with AT_EMPTY_PATH and an
 * empty path, the file open on dirfd itself (an O_PATH descriptor is reopened through
 * /proc/self/fd).  buf is scratch, used by one check at a time. */
int nj_jailable_at(int dirfd, const char *path, int flags, struct nj_jailbuf *buf, char *why,
    size_t size);

/* Work out, once, what the checks compare against in our own process (machine, loader).
 * The checks call it themselves; calling it before any fork spares each fork child that
 * work (the shim's constructor does). */
void nj_jailable_init(void);

/* What runs in a fork child between fork and exec, on the common path (a program the
 * preload can follow): the exec wrappers, the environment check and the jailability check.
 * The linker sorts .text.sorted.* sections by name, across files, so these functions land
 * together, nj_exec_check first (NJ_CHILD_FIRST, aligned to a page) and the others after it:
 * on one page of code, not three (scripts/check-layout fails when they no longer fit). */
#define NJ_CHILD_FIRST __attribute__((section(".text.sorted.nj_child.0"), aligned(4096), hot))
#define NJ_CHILD_CODE __attribute__((section(".text.sorted.nj_child.1"), hot))

/* strcmp(a, b) == 0 without libc, for code that runs between fork and exec (jailable.c). */
int nj_streq(const char *a, const char *b);
/* Does s begin with prefix?  Without libc, likewise. */
int nj_starts(const char *s, const char *prefix);
/* memcpy without a call into libc (a page of libc a fork child or a start-up need not fault in) */
void nj_copy_bytes(void *dst, const void *src, size_t n);

/* The built-in policy of `netjail run` without -r (SPEC.md §4). */
extern const char nj_default_policy[];
#define NJ_DEFAULT_POLICY_NAME "<built-in default policy>"

#endif
