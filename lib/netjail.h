/* netjail.h - the rules engine as a library (libnetjail-rules), and per-thread scopes.
 *
 * A program that decides its own connections links libnetjail-rules (pkg-config netjail):
 *
 *     struct netjail_rules *r;
 *     struct netjail_error e;
 *     if (netjail_rules_parse("allow @public\n", 14, "webhook", &r, &e) != 0)
 *         errx(1, "%s", e.message);
 *     if (netjail_connect(r, fd, sa, salen) != 0)      // EACCES: the rules deny it
 *         ...
 *
 * A program running under the preload (libnetjail.so) can also narrow the process rules for
 * one thread while it does one piece of work, the analog of Go netjail's ContextWithRules:
 * every connection, datagram, name resolution and child started on that thread must then
 * pass the process rules and every active scope's rules.  A scope can only narrow, never
 * widen.  Those two functions live in libnetjail.so only: find them at run time, so the
 * program runs unchanged without the preload:
 *
 *     int (*enter)(const struct netjail_rules *) =
 *         (int (*)(const struct netjail_rules *))dlsym(RTLD_DEFAULT, "netjail_scope_enter");
 *
 * Everything here is thread-safe: a parsed rule set is immutable and may be shared.
 */
#ifndef NETJAIL_H
#define NETJAIL_H

#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The layout version of struct netjail_rules that libnetjail.so accepts in a scope. */
#define NETJAIL_ABI 1

/* A parsed rule set; opaque.  Immutable: share it between threads freely. */
struct netjail_rules;

/* Why parsing failed: the first error, as `netjail check` prints it
 * ("webhook:1:7: error: unknown preset @publik"). */
struct netjail_error {
	unsigned line, col; /* 1-based; line 0: about the whole file */
	char message[512];
};

/* Protocols for netjail_decide: TCP, UDP, or ANY for a destination seen without a socket,
 * which is then allowed only if it is allowed whatever the protocol: a rule without a proto
 * must allow it and no block of any proto may match it (so "allow tcp 10.0.0.7" does not
 * allow 10.0.0.7 for ANY, and "block udp 10.0.0.7" denies it). */
enum { NETJAIL_PROTO_ANY = 0, NETJAIL_PROTO_TCP = 6, NETJAIL_PROTO_UDP = 17 };

/* Parse rules (the language of netjail.rules(5)) from text[0..len); name is used in messages
 * ("rules" when NULL).  Returns 0 with *ret set, or -EINVAL (also for ret NULL, or text NULL
 * with len > 0), -ENOMEM, -EFBIG (len over 64 MiB), with *ret NULL and err (when not NULL)
 * filled with the first error.  Text NULL with len 0 is an empty rule set: it denies
 * everything.  @self and @resolvers are read now, from this machine. */
int netjail_rules_parse(const char *text, size_t len, const char *name, struct netjail_rules **ret,
    struct netjail_error *err);

/* The same from a file (text or compiled by `netjail compile`, told apart by its magic; a
 * regular file, opened without blocking).  The rules are named by the path, or for a
 * compiled file by the file it was compiled from.  A file that cannot be opened or read is a
 * line-0 error with its -errno (-ENOENT, -EACCES, ...); not a regular file: -EINVAL. */
int netjail_rules_load(const char *path, struct netjail_rules **ret, struct netjail_error *err);

/* NULL is a no-op. */
void netjail_rules_free(struct netjail_rules *r);

/* Decide a destination: an AF_INET, AF_INET6 or AF_UNIX address (other families by their
 * rules name, e.g. netlink), judged as libnetjail.so judges it: a v4-mapped address as its
 * IPv4 address, an address that stands for others (0.0.0.0, NAT64, 6to4, ...) only if every
 * one is allowed, a unix pathname where the kernel will take it (made absolute against the
 * working directory, symbolic links followed: this reads the file system), a port of 0 as
 * port 0.  Returns 1 allowed, 0 denied, -EINVAL for a malformed address (len shorter than
 * its family needs, 16 for IPv4 and 24 for IPv6, or longer than struct sockaddr_storage;
 * sa NULL; AF_UNSPEC, which names no destination) or an unknown proto.  sa[0..len) is read
 * once, and no further.  A NULL rule set denies everything.  errno is kept. */
int netjail_decide(const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len,
    int proto);

/* netjail_decide, and one line saying why into buf (truncated to size, always terminated
 * when size > 0; buf may be NULL when size is 0), the reason libnetjail.so logs:
 * "block @loopback (rules:3)", "no allow rule matches (rules); to allow it: allow tcp
 * 10.0.0.7 port 5432", "it stands for 127.0.0.1, and block 127.0.0.0/8 (rules:2)"; when
 * allowed, the allow rule that matched: "allow @public (rules:1)".  Returns as
 * netjail_decide. */
int netjail_explain(const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len,
    int proto, char *buf, size_t size);

/* The analog of Go netjail's DialFunc: decide sa for the socket fd (its type gives the
 * protocol: SOCK_STREAM tcp, SOCK_DGRAM udp, others match only rules without a proto), then
 * connect(2) it.  sa is copied once; the copy is decided and is what the kernel gets, so
 * another thread cannot change it in between.  Denied (a malformed address or a NULL rule
 * set too): -1 with errno EACCES, nothing sent.  AF_UNSPEC (dissolving an association) is
 * passed on.  Otherwise connect's own result and errno (EINPROGRESS on a non-blocking
 * socket); errno is untouched when connect succeeds.  Under libnetjail.so, connect(2) is the
 * preload's: the process rules (and scopes) are checked as well. */
int netjail_connect(const struct netjail_rules *r, int fd, const struct sockaddr *sa,
    socklen_t len);

/* Per-thread scopes (libnetjail.so only; see above).  enter: 0, or -1 with errno EINVAL (r is
 * NULL or not a struct netjail_rules of NETJAIL_ABI), ENOMEM, ENOSPC (more than 16 nested).
 * Failing closed is the caller's part: a failed enter must stop the work it was to guard.
 * leave: ends the innermost scope of this thread; 0, or -1 with errno EINVAL when none is
 * active.  A fork child keeps the scopes of the thread that forked; a program started inside
 * a scope starts with those rules added to its process rules, for all its threads.
 * r must stay valid until the scope is left. */
int netjail_scope_enter(const struct netjail_rules *r);
int netjail_scope_leave(void);

#ifdef __cplusplus
}
#endif

#endif
