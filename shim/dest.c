/* dest.c - take a destination from the caller: private copy, what the rules see, the check. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "shim/shim.h"
#include "sys/intake.h"

/* Take the destination into sd (the intake: sys/intake.h).  Returns 0, or -1 when the call
 * is to pass through unchecked (connect with AF_UNSPEC dissolves an association). */
static inline __attribute__((always_inline)) int
copy(struct nj_sdest *sd, int fd, const struct sockaddr *sa, socklen_t len, int op)
{
	int rc = nj_intake(&sd->d, &sd->ss, sa, len, op, fd);

	if (rc == NJ_INTAKE_NONE)
		return -1;
	sd->len = len;
	sd->fd = fd;
	sd->d.proto = -1; /* looked up only when a rule or a log line needs it */
	sd->bad = rc == NJ_INTAKE_BAD;
	return 0;
}

/* The log line of a denial: the verdict worked out again in full, so the allowed path
 * never pays for it. */
static __attribute__((noinline, cold)) void
log_denial(const char *call, struct nj_dest *d, int fd)
{
	const struct nj_rules *r = NULL;
	struct nj_verdict v;
	char host[NJ_HOST_MAX];

	if (d->proto < 0 && d->kind == NJ_DEST_IP)
		d->proto = nj_socket_proto(fd); /* the line names the real type */
	nj_allowed(d, &r); /* which rule set said no: the process's or a scope's */
	nj_decide(r, d, &v);
	host[0] = '\0';
	if (nj_names_kept() && d->kind == NJ_DEST_IP)
		nj_answer_name(&d->ip, host, sizeof(host)); /* "for api.example.com" */
	nj_log_verdict(call, d, &v, r, host);
}

/* The decision on a described destination: 1 go ahead, 0 denied (logged, errno EACCES).
 * The socket type costs a system call, so it is asked only of rule sets that name one. */
static inline __attribute__((always_inline)) int
decide(const char *call, struct nj_dest *d, int fd)
{
	const struct nj_rules *r = nj_rules_now(); /* first: it says whether proto matters */
	const struct nj_rules *no = NULL;
	const struct nj_config *c;
	int known = d->proto >= 0;
	int use_proto = __atomic_load_n(&nj_config_.use_proto, __ATOMIC_RELAXED);

	if (d->kind == NJ_DEST_IP && !known)
		d->proto = use_proto ? nj_socket_proto(fd) : NJ_PROTO_OTHER;
	if (nj_allowed_r(r, d, &no))
		return 1;
	if (__builtin_expect(nj_config_.has_hosts == NJ_HOSTS_SUPERVISED, 0) && no == r && r &&
	    d->kind == NJ_DEST_IP)
		return 1; /* the supervisor judges it: its relay saw every lookup of the tree,
			   * ours and those made without libc (SPEC.md §8a) */
	c = nj_shim();
	if (c->log.dest != NJ_LOG_OFF) {
		if (!known && !use_proto)
			d->proto = -1;
		log_denial(call, d, fd);
	}
	if (c->audit)
		return 1;
	errno = EACCES;
	return 0;
}

/* A unix pathname is decided on its canonical form, in a frame of its own: its PATH_MAX
 * buffer has no place on the common path. */
static __attribute__((noinline)) int
decide_unix(const char *call, const struct nj_dest *d0)
{
	char path[PATH_MAX];
	struct nj_dest d = *d0;

	int rc = nj_intake_unix(&d, 0, path, sizeof(path));

	if (rc != 0)
		return nj_deny_msg(call, NJ_WHY_UNCHECKABLE, rc == -EMLINK ? path : "a unix path",
		    nj_intake_unix_why(rc));
	return decide(call, &d, -1);
}

int
nj_sdest_take(struct nj_sdest *sd, int fd, const struct sockaddr *sa, socklen_t len, int op,
    const char *call)
{
	if (copy(sd, fd, sa, len, op) != 0)
		return 1;
	/* Inside the resolver, NSS modules talk to local daemons (nscd, systemd-resolved,
	 * dbus) over unix and netlink sockets: those are the resolver's, not the program's.
	 * IP destinations are checked even there: a signal handler that connects while its
	 * thread is inside getaddrinfo must not slip through to the network. */
	if (nj_in_resolver &&
	    (sd->d.kind == NJ_DEST_UNIX ||
	        (sd->d.kind == NJ_DEST_FAMILY && sd->d.family == AF_NETLINK)))
		return 1;
	if (sd->bad)
		return nj_deny_msg(call, NJ_WHY_MALFORMED, "a malformed address",
		    "the address length does not fit its family");
	if (sd->d.kind == NJ_DEST_UNIX && !sd->d.abstract && sd->d.pathlen > 0)
		return decide_unix(call, &sd->d);
	return decide(call, &sd->d, sd->fd);
}

int
nj_dest_decide(const char *call, struct nj_dest *d)
{
	return decide(call, d, -1);
}

int
nj_deny_msg(const char *call, int reason, const char *what, const char *why)
{
	const struct nj_config *c = nj_shim();

	nj_log_text(call, reason, what, why, NULL);
	if (c->audit)
		return 1;
	errno = EACCES;
	return 0;
}
