/* shim.h - private to shim/: the real functions, the loaded rules, the destination copy, the log. */
#ifndef NJ_SHIM_H
#define NJ_SHIM_H

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "rules.h"

#define NJ_EXPORT __attribute__((visibility("default")))
#define NJ_TLS __thread __attribute__((tls_model("initial-exec")))

/* The functions we wrap, as the next object in the lookup order (libc) has them.  Filled once
 * by nj_shim_init() before any wrapper uses them; a NULL entry makes its wrapper deny. */
struct nj_real {
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*connect_)(int, const struct sockaddr *, socklen_t);	/* __connect */
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	long (*syscall)(long, ...);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **);
	void (*freeaddrinfo)(struct addrinfo *);
	struct hostent *(*gethostbyname)(const char *);
	struct hostent *(*gethostbyname2)(const char *, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t,
	    struct hostent **, int *);
	int (*gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t,
	    struct hostent **, int *);
};
extern struct nj_real nj_real;

/* What the shim decided at start-up; immutable afterwards. */
enum nj_logdest { NJ_LOG_STDERR, NJ_LOG_OFF, NJ_LOG_FILE };
struct nj_config {
	const struct nj_rules *rules;	/* NULL: every checked call is denied */
	int audit;			/* NETJAIL_MODE=audit: log "would deny" and proceed */
	int logdest;
	char logpath[4096];
	char prog[64];			/* the program's short name, for log lines */
	char rules_path[512];		/* NETJAIL_RULES as given, for log lines */
};

/* The configuration, initialising first if need be (a call can arrive before our
 * constructor ran, or while another thread initialises: it waits).  Never NULL.
 * Async-signal-safe once initialised; a signal handler that interrupts initialisation on
 * the same thread gets a configuration without rules (deny). */
const struct nj_config *nj_shim(void);

/* Make sure we are initialised, then that the real function (or syscall(), for via_syscall)
 * was found: 1, or 0 with errno = EACCES (a missing real symbol denies: fail closed).  A
 * macro, so the field is read after initialisation, not before. */
#define NJ_READY(via_syscall, field) \
	(nj_shim(), ((via_syscall) ? nj_real.syscall != NULL : nj_real.field != NULL) || \
	    (errno = EACCES, 0))

/* Set while this thread is inside the resolver: connections that NSS modules make while
 * answering are not the program's. */
extern NJ_TLS int nj_in_resolver;

/* A destination taken from the caller: the private copy that is checked and then handed to
 * the kernel, and what the rules see of it. */
struct nj_sdest {
	struct sockaddr_storage ss;
	socklen_t len;
	struct nj_dest d;
	int bad;			/* malformed: deny without looking further */
};

enum { NJ_OP_CONNECT, NJ_OP_SEND };

/* Copy sa[0..len) and describe it.  op: connect or a send (they treat AF_UNSPEC
 * differently).  Returns 0, or -1 when the call is to pass through unchecked (connect with
 * AF_UNSPEC dissolves an association).  errno is preserved.  Async-signal-safe. */
int nj_sdest_copy(struct nj_sdest *sd, int fd, const struct sockaddr *sa, socklen_t len, int op);

/* Check a copied destination: 1 allowed (or audit mode), 0 denied (logged, errno = EACCES).
 * call names the libc function for the log line.  Async-signal-safe. */
int nj_sdest_check(struct nj_sdest *sd, const char *call);

/* A denial that is not about a destination (io_uring_setup, an unjailable program): log
 * "netjail: deny CALL (prog[pid]): WHY".  Returns 1 in audit mode (proceed), else 0 with
 * errno = EACCES. */
int nj_deny_msg(const char *call, const char *what, const char *why);

/* The wrappers' bodies, shared by the libc names and syscall(): via_syscall makes the real
 * call through syscall(2) instead of the libc function (for connect, via is 0 connect,
 * 1 syscall, 2 __connect). */
long nj_do_connect(int via, const char *call, int fd, const struct sockaddr *sa, socklen_t len);
long nj_do_sendto(int via_syscall, int fd, const void *buf, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len);
long nj_do_sendmsg(int via_syscall, int fd, const struct msghdr *msg, int flags);
long nj_do_sendmmsg(int via_syscall, int fd, struct mmsghdr *vec, unsigned int vlen, int flags);

/* Log one decision line (SPEC.md §6) with a single write(2).  Async-signal-safe. */
void nj_log_line(const char *line, size_t len);
void nj_log_verdict(const char *call, const struct nj_dest *d, const struct nj_verdict *v);
void nj_log_error(const char *msg);
void nj_log_text(const char *call, const char *what, const char *why, int audit);

#endif
