/* shim.h - private to shim/: the real functions, the loaded rules, the destination copy, the log. */
#ifndef NJ_SHIM_H
#define NJ_SHIM_H

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "engine/engine.h"
#include "sys/exec.h"
#include "sys/intake.h"
#include "sys/sys.h"

#define NJ_EXPORT __attribute__((visibility("default")))
#define NJ_TLS __thread __attribute__((tls_model("initial-exec")))

/* sendmmsg's flags: int in glibc, unsigned int in musl */
#ifdef __GLIBC__
typedef int nj_mmsg_flags;
#else
typedef unsigned int nj_mmsg_flags;
#endif

/* The functions we wrap, as the next object in the lookup order (libc) has them.  Filled once
 * by nj_shim_init() before any wrapper uses them; a NULL entry makes its wrapper deny. */
struct nj_real {
	int (*socket)(int, int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*connect_)(int, const struct sockaddr *, socklen_t); /* __connect */
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, nj_mmsg_flags);
	long (*syscall)(long, ...);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	void (*freeaddrinfo)(struct addrinfo *);
	struct hostent *(*gethostbyname)(const char *);
	struct hostent *(*gethostbyname2)(const char *, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **,
	    int *);
	int (*gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t,
	    struct hostent **, int *);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*posix_spawn)(pid_t *, const char *, const void *, const void *, char *const[],
	    char *const[]);
	int (*posix_spawnp)(pid_t *, const char *, const void *, const void *, char *const[],
	    char *const[]);
	int (*system)(const char *);
	FILE *(*popen)(const char *, const char *);
};
extern struct nj_real nj_real;

#define NJ_NENV 7 /* NETJAIL_RULES, _LOG, _MODE, _SCOPES, _LOG_FORMAT, _SUPERVISED, _SNAPSHOT */
#define NJ_ENV_SCOPES 3
#define NJ_ENV_FORMAT 4
#define NJ_ENV_SUPERVISED 5
#define NJ_ENV_SNAPSHOT 6
#define NJ_SCOPE_MAX 16 /* nested scopes on one thread; and scopes a program inherits */

/* What the shim decided at start-up; immutable afterwards. */
struct nj_config {
	const struct nj_rules *rules; /* NULL: every checked call is denied; read it
					 * through nj_rules_now(), which loads it */
	int audit; /* NETJAIL_MODE=audit: log "would deny" and proceed */
	int use_proto; /* some rule set names tcp or udp (set when the rules
					 * load, or when a scope that does is entered) */
	struct nj_log log; /* NETJAIL_LOG, NETJAIL_LOG_FORMAT (and audit) */
	char prog[64]; /* the program's short name, for log lines */
	const char *rules_path; /* NETJAIL_RULES as given, for log lines ("" unset) */
	/* What a child must inherit (child.c): our absolute path, first in LD_PRELOAD, and each
	 * NETJAIL_* variable as the "NAME=value" entry it was at start-up ("" when unset),
	 * copied then (init.c): the program may rewrite its environment afterwards. */
	const char *shim_path;
	int shim_unloadable; /* shim_path holds a space or a colon (nj_preload_entry_ok) */
	int has_hosts; /* the process rules have host rules: a denied connect asks the
			* answers (answers.c); NJ_HOSTS_SUPERVISED: and netjail run --supervise
			* judges what they do not allow (dest.c) */
	void *answers; /* the one field written after start-up: answers.c's table, mapped on
			* the first answer kept (here, not in a variable of its own: the
			* writable page has no room for one, scripts/check-layout) */
	const char *env[NJ_NENV];
	/* The scopes this program was started inside (NETJAIL_SCOPES, scope.c), in force on
	 * every thread: loaded with the rules; a destination must pass each of them too. */
	const struct nj_rules *extra[NJ_SCOPE_MAX];
	size_t nextra;
	/* The nameservers /etc/resolv.conf named when the rules loaded (resolver.c): the
	 * resolver's queries to them on port 53 are exempt, as SPEC.md §5 says.  On the heap:
	 * the start-up page of writable data has no room to spare. */
	const struct nj_ip *sysres;
	size_t nsysres;
};
#define NJ_HOSTS_SUPERVISED 2

/* The names, "NAME=", in the order of env[] (init.c).  In .data, not .rodata: a fork child
 * shares the pages its parent wrote and nothing else, and each other page it reads on its
 * way to exec is a page fault (see sys/exec.h).  The same for nj_empty, the "" that
 * unset entries point to. */
extern char nj_env_names[NJ_NENV][24];
extern char nj_empty[1];

/* The configuration, initialising first if need be (a call can arrive before our
 * constructor ran, or while another thread initialises: it waits).  Never NULL.
 * Async-signal-safe once initialised; a signal handler that interrupts initialisation on
 * the same thread gets a configuration without rules (deny).  The check is inline: it is
 * on every wrapper's path. */
extern struct nj_config nj_config_;
extern long nj_state_, nj_rules_state_;
const struct nj_config *nj_shim_slow(void);
const struct nj_rules *nj_rules_slow(void);

static inline const struct nj_config *
nj_shim(void)
{
	if (__builtin_expect(__atomic_load_n(&nj_state_, __ATOMIC_ACQUIRE) == 2, 1))
		return &nj_config_;
	return nj_shim_slow();
}

/* Take a guard (init.c): 1 when this thread now holds it, 0 when whoever held it marked it
 * done (2).  Waits while another thread of this process holds it; takes it over from a
 * thread of the process we were forked from.  Released by storing 2 (done) or 0 (free: a
 * lock that is never done, as scope.c's). */
int nj_take(long *guard);

/* Make sure we are initialised, then that the real function (or syscall(), for via_syscall)
 * was found: 1, or 0 with errno = EACCES (a missing real symbol denies: fail closed).  A
 * macro, so the field is read after initialisation, not before. */
#define NJ_READY(via_syscall, field)                                             \
	(nj_shim(),                                                              \
	    ((via_syscall) ? nj_real.syscall != NULL : nj_real.field != NULL) || \
	        (errno = EACCES, 0))

/* The rule set, loading it first if this is the first use (NULL: deny everything: the rules
 * are missing or invalid, or this thread is the one loading them).  Never blocks on itself;
 * waits while another thread loads.  Async-signal-safe once loaded. */
static inline const struct nj_rules *
nj_rules_now(void)
{
	if (__builtin_expect(__atomic_load_n(&nj_rules_state_, __ATOMIC_ACQUIRE) == 2, 1))
		return nj_config_.rules;
	return nj_rules_slow();
}

/* Set while this thread is inside the resolver: connections that NSS modules make while
 * answering are not the program's. */
extern NJ_TLS int nj_in_resolver;

/* getaddrinfo with the rules applied to its answers (resolve.c): those they deny are removed,
 * order kept; when none is left, EAI_SYSTEM with errno = EACCES.  call names, in the log
 * line, the function the lookup is made for. */
int nj_getaddrinfo(const char *call, const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);

/* A destination taken from the caller: the private copy that is checked and then handed to
 * the kernel, and what the rules see of it. */
struct nj_sdest {
	struct sockaddr_storage ss;
	socklen_t len;
	struct nj_dest d; /* d.proto is -1 until someone needs it (nj_sdest_proto) */
	int fd;
	int bad; /* malformed: deny without looking further */
};

/* Take a destination from the caller: copy sa[0..len) into sd (the copy is what the kernel
 * gets), describe it, check it.  op: connect or a send (they treat AF_UNSPEC differently:
 * connect with AF_UNSPEC dissolves an association and passes).  Returns 1 to go ahead
 * (errno kept; with sd->bad set only in audit mode: then pass the caller's own arguments),
 * 0 when denied (logged, errno = EACCES).  call names the function for the log line.
 * Async-signal-safe. */
int nj_sdest_take(struct nj_sdest *sd, int fd, const struct sockaddr *sa, socklen_t len, int op,
    const char *call);

/* Decide a described destination that is not taken from the caller (a socket being made, as
 * nj_socket_dest describes it): 1 to go ahead (errno kept), 0 when denied (logged, errno
 * EACCES); in audit mode logged and 1.  Async-signal-safe. */
int nj_dest_decide(const char *call, struct nj_dest *d);

/* A denial that is not about a destination (io_uring, a malformed address, an environment
 * too large): log "netjail: deny CALL WHAT (prog[pid]): WHY" with its reason (enum
 * nj_rec_reason).  Returns 1 in audit mode (proceed), else 0 with errno = EACCES. */
int nj_deny_msg(const char *call, int reason, const char *what, const char *why);

/* The wrappers' bodies, shared by the libc names and syscall(): via_syscall makes the real
 * call through syscall(2) instead of the libc function (for connect, via is 0 connect,
 * 1 syscall, 2 __connect). */
long nj_do_socket(int via_syscall, const char *call, int domain, int type, int protocol);
long nj_do_connect(int via, const char *call, int fd, const struct sockaddr *sa, socklen_t len);
long nj_do_sendto(int via_syscall, int fd, const void *buf, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len);
long nj_do_sendmsg(int via_syscall, int fd, const struct msghdr *msg, int flags);
long nj_do_sendmmsg(int via_syscall, int fd, struct mmsghdr *vec, unsigned int vlen, int flags);

/* ---- scope.c: per-thread scopes (netjail.h) ----
 * A thread's active scopes, innermost last.  env is the NETJAIL_SCOPES entry a child started
 * on this thread inherits ("NETJAIL_SCOPES=" then every set in force, inherited ones first,
 * separated by lines "--"), made when the scope was entered: exec has no time to build it. */
struct nj_scope_frame {
	const struct nj_rules *rules;
	struct nj_rules *owned; /* to free on leave (not kept in the cache) */
	char *env;
};
extern NJ_TLS int nj_scope_depth;
extern NJ_TLS struct nj_scope_frame nj_scope_stack[NJ_SCOPE_MAX];

/* ---- answers.c: the answers of this process's lookups, for host rules (SPEC.md §3a) ---- */

/* The table of engine/answers.c, this process's (mapped on the first answer kept: a policy
 * without host rules pays nothing; exec starts empty).  The three calls below are that
 * table's nj_answers_keep, nj_answers_allows and nj_answers_name. */
void nj_answer_keep(const struct nj_ip *ip, const char *name, size_t n);
int nj_answer_allows(const struct nj_rules *r, const struct nj_dest *d, char *name, size_t size);
int nj_answer_name(const struct nj_ip *ip, char *name, size_t size);
/* Are names remembered at all?  For host rules; and in audit mode for every answer, so that
 * a "would deny" record names the lookup (what netjail learn turns into a host rule). */
static inline int
nj_names_kept(void)
{
	return nj_config_.has_hosts || nj_config_.audit;
}

int nj_scopes_allow(const struct nj_dest *d, const struct nj_rules **ret);

/* The decision of every rule set in force on this thread: the process rules, the scopes it
 * inherited, the thread's own scopes.  1 allowed; 0 denied, with *ret (when not NULL) the
 * set that denied it (NULL: no valid rules).  Async-signal-safe.  nj_allowed_r: r is
 * nj_rules_now(), already read. */
static inline __attribute__((always_inline)) int
nj_allowed_r(const struct nj_rules *r, const struct nj_dest *d, const struct nj_rules **ret)
{
	if (!nj_decide(r, d, NULL) &&
	    (__builtin_expect(!nj_config_.has_hosts, 1) || !nj_answer_allows(r, d, NULL, 0))) {
		if (ret)
			*ret = r;
		return 0;
	}
	if (__builtin_expect(nj_scope_depth == 0 && nj_config_.nextra == 0, 1))
		return 1;
	return nj_scopes_allow(d, ret);
}

static inline int
nj_allowed(const struct nj_dest *d, const struct nj_rules **ret)
{
	return nj_allowed_r(nj_rules_now(), d, ret);
}

/* Does every rule set in force on this thread have an "allow exec" naming path? */
int nj_exec_allowed_all(const char *path);

/* The "NAME=value" entry k (NJ_NENV) a child started now on this thread must carry: the one
 * copied at start-up, or for NETJAIL_SCOPES the thread's innermost scope's.  "" unset. */
const char *nj_env_entry(const struct nj_config *c, size_t k);

/* Parse the sets of a NETJAIL_SCOPES value into c->extra (init.c, when the rules load).
 * 0, or -errno with the failing set's diagnostics in d and its name in *ret_name. */
int nj_scopes_inherit(struct nj_config *c, const char *value, const struct nj_sys *sys,
    struct nj_diags *d, const char **ret_name);

/* ---- resolver.c: the resolver's own servers ---- */

/* Would the resolver state st (the thread's _res, or a res_n* call's) query only servers the
 * rules allow, or the system's own?  1, or 0 with the denial logged and errno EACCES. */
struct __res_state;
int nj_resolver_ok(const char *call, const struct __res_state *st);

/* ---- child.c: starting programs ---- */

/* Is this process under the seccomp filter of netjail run --supervise (child.c says how
 * that is proved)?  Then the kernel checks every program the tree starts. */
int nj_supervised(void);

/* Bounded: an environment too large to rebuild on the stack fails the exec with E2BIG. */
#define NJ_CHILD_ENV_MAX 2048
struct nj_childenv {
	char *v[NJ_CHILD_ENV_MAX + 8];
	char preload[PATH_MAX + 4096];
	char other[PATH_MAX]; /* the other C library's shim, when the child is of that one */
};

/* The environment a child must get: envp itself when it already carries the jail (us first
 * in LD_PRELOAD, the start-up NETJAIL_* values), else a copy in ce with them put back (other
 * preloads kept).  other: the child is a program of the other C library (nj_exec_check said
 * 2), whose shim, beside ours, goes first instead, and ours is left out.  NULL when that
 * cannot be done (logged; errno E2BIG or EACCES).  Stack only: safe in a vfork child. */
char *const *nj_child_env(char *const envp[], struct nj_childenv *ce, int other);

/* May the program execveat(dirfd, path, flags) would run be started?  1 yes (errno kept);
 * 2 yes, with the other C library's shim (a program of that library, whose shim lies beside
 * ours); 0 no: the preload cannot follow it and no "allow exec" rule names it (logged,
 * errno = EACCES).  call names the function for the log line.  Stack only. */
int nj_exec_check(const char *call, int dirfd, const char *path, int flags);

/* How to start a program once its environment is right (nj_start). */
enum {
	NJ_START_EXECVE,
	NJ_START_EXECVEAT,
	NJ_START_FEXECVE,
	NJ_START_EXECVPE,
	NJ_START_SPAWN,
	NJ_START_SPAWNP
};
struct nj_start {
	int how;
	int via_syscall; /* execve, execveat: through syscall(2) */
	int other; /* a program of the other C library (nj_exec_check said 2) */
	int fd, flags; /* execveat's dirfd and flags; fexecve's fd */
	const char *path; /* or the file, for execvpe and posix_spawnp */
	char *const *argv;
	pid_t *pid; /* posix_spawn */
	const void *fa, *attr;
};

/* Start the program as s says, with envp when it already carries the jail, else with a
 * copy that does (built on the stack in a frame of its own: the common path keeps its stack
 * small, which in a fork child saves page faults).  Returns what the real call returns;
 * for posix_spawn an error number. */
long nj_start(const struct nj_start *s, char *const envp[]);

/* nj_exec_check for what execvp(file) may run: FILE itself when it has a '/', else every
 * PATH candidate up to the one that will run (glibc passes over the ones that fail).
 * 1 go ahead, 2 go ahead with the other C library's shim, 0 refused.  Stack only. */
int nj_exec_check_search(const char *call, const char *file);

/* The wrappers' bodies that syscall() shares. */
long nj_do_execve(int via_syscall, const char *call, const char *path, char *const argv[],
    char *const envp[]);
long nj_do_execveat(int via_syscall, int dirfd, const char *path, char *const argv[],
    char *const envp[], int flags);

/* The process's environment (environ), for the exec functions that use it. */
char *const *nj_environ(void);

/* ---- log.c: the shim's records (SPEC.md §6), each one write(2) where NETJAIL_LOG says, as
 * NETJAIL_LOG_FORMAT says; rate-limited as sys/log.c does.  Async-signal-safe. ---- */
/* A destination r decided as v (r NULL: no valid rules); host: the name whose lookup
 * answered it ("for NAME" in the line), or NULL. */
void nj_log_verdict(const char *call, const struct nj_dest *d, const struct nj_verdict *v,
    const struct nj_rules *r, const char *host);
/* A denial in words (nj_deny_msg's line); suggest: the rule that would allow it (an exec). */
void nj_log_text(const char *call, int reason, const char *what, const char *why,
    const char *suggest);
/* A lookup of name that lost removed of its total answers (listed in answers); the first
 * removed, d, as r decided it (v). */
void nj_log_lookup(const char *call, const char *name, const char *answers, unsigned removed,
    unsigned total, const struct nj_dest *d, const struct nj_verdict *v, const struct nj_rules *r);
/* A start-up problem: "netjail: error|warning: [FILE[:LINE:COL]: ]TEXT[; EFFECT]". */
void nj_log_problem(int verdict, int reason, const char *file, uint32_t line, uint32_t col,
    const char *text, const char *effect);

#endif
