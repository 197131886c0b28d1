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
	unsigned line, col;		/* 1-based; line 0: about the whole file */
	char message[512];
};

/* Protocols for netjail_decide: any (a destination seen without a socket), TCP or UDP. */
enum { NETJAIL_PROTO_ANY = 0, NETJAIL_PROTO_TCP = 6, NETJAIL_PROTO_UDP = 17 };

/* Parse rules (the language of netjail.rules(5)) from text[0..len); name is used in messages.
 * Returns 0 with *ret set, or -EINVAL (err filled when not NULL), -ENOMEM, -EFBIG.
 * @self and @resolvers are read now, from this machine. */
int netjail_rules_parse(const char *text, size_t len, const char *name,
    struct netjail_rules **ret, struct netjail_error *err);

/* The same from a file (text or compiled by `netjail compile`). */
int netjail_rules_load(const char *path, struct netjail_rules **ret, struct netjail_error *err);

/* NULL is a no-op. */
void netjail_rules_free(struct netjail_rules *r);

/* Decide a destination: an AF_INET, AF_INET6 or AF_UNIX address (other families by their
 * rules name, e.g. netlink).  Returns 1 allowed, 0 denied, -EINVAL for a malformed address.
 * A NULL rule set denies everything. */
int netjail_decide(const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len,
    int proto);

/* netjail_decide, and one line saying why into buf (snprintf-like, always terminated when
 * size > 0): "block @loopback (rules:3)" or "no allow rule matches; to allow it: allow tcp
 * 10.0.0.7 port 5432". */
int netjail_explain(const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len,
    int proto, char *buf, size_t size);

/* The analog of Go netjail's DialFunc: decide sa for the socket fd (its type gives the
 * protocol), then connect(2) it.  Denied: -1 with errno EACCES, nothing sent.  Otherwise
 * connect's own result and errno (EINPROGRESS on a non-blocking socket). */
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
