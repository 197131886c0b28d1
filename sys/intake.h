/* intake.h - the destination intake: what an address a program passed means, as the rules see
 * it.  The one home of that meaning for the shim (shim/dest.c), the supervisor of netjail run
 * --supervise (cli/supervise/notify.c) and the library (lib/api.c): the private copy, the
 * family of the address deciding (a send to AF_UNSPEC going where the socket's family says),
 * malformed lengths, unix pathnames made canonical where the caller stands.
 *
 * Inline on purpose: the shim runs it on every connect and send, where one call more shows in
 * its per-call instruction count (make bench).  Pure but for nj_socket_proto and
 * nj_socket_domain (one getsockopt each).  Async-signal-safe.
 */
#ifndef NJ_INTAKE_H
#define NJ_INTAKE_H

#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sys/sys.h"

/* Copy sa[0..len) into *ss: the private copy that is checked and then handed to the kernel,
 * so nothing is read twice from the caller's memory (another thread may change it).
 * Returns 0, or -EINVAL without reading anything when sa is NULL or len is shorter than a
 * family or longer than *ss. */
static inline __attribute__((always_inline)) int
nj_sockaddr_copy(struct sockaddr_storage *ss, const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL || len < sizeof(sa_family_t) || len > sizeof(*ss))
		return -EINVAL;
	memcpy(ss, sa, len);
	return 0;
}

/* Describe ss[0..len) (a private copy, len at least sizeof(sa_family_t)) as an address of
 * family af: normally ss->ss_family; the shim passes the socket's own family for a send to
 * AF_UNSPEC, which the kernel reads that way.  Sets d->kind and what that kind reads: ip
 * and port (IP; scope id and flow label play no part), path, pathlen and abstract (UNIX,
 * pointing into *ss: a pathname up to its NUL or len, an abstract name without its leading
 * NUL; pathlen 0 and not abstract is an unnamed socket), family and kernel (any other af;
 * kernel for a netlink message to the kernel itself).  Nothing
 * else is written: d->proto is left alone.  Returns 0, or -EINVAL with d->kind 0 when len is too short for af: IPv4
 * needs sizeof(struct sockaddr_in), IPv6 24 bytes (SIN6_LEN_RFC2133, the kernel's minimum). */
static inline __attribute__((always_inline)) int
nj_sockaddr_dest(struct nj_dest *d, const struct sockaddr_storage *ss, socklen_t len, int af)
{
	switch (af) {
	case AF_INET: {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ss;

		if (len < sizeof(*in))
			return d->kind = 0, -EINVAL;
		d->kind = NJ_DEST_IP;
		d->ip.family = 4;
		memset(d->ip.a, 0, sizeof(d->ip.a)); /* nj_ip: the rest is zero */
		memcpy(d->ip.a, &in->sin_addr, 4);
		d->port = ntohs(in->sin_port);
		return 0;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ss;

		if (len < 24)
			return d->kind = 0, -EINVAL;
		d->kind = NJ_DEST_IP;
		d->ip.family = 6;
		memcpy(d->ip.a, &in6->sin6_addr, 16);
		d->port = ntohs(in6->sin6_port);
		return 0;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const struct sockaddr_un *)(const void *)ss;
		size_t n;

		if (len < offsetof(struct sockaddr_un, sun_path))
			return d->kind = 0, -EINVAL;
		n = len - offsetof(struct sockaddr_un, sun_path);
		d->kind = NJ_DEST_UNIX;
		if (n > 0 && un->sun_path[0] == '\0') {
			d->abstract = 1;
			d->path = un->sun_path + 1;
			d->pathlen = n - 1;
		} else {
			d->abstract = 0;
			d->path = un->sun_path;
			d->pathlen = strnlen(un->sun_path, n);
		}
		return 0;
	}
	case AF_NETLINK: {
		const struct sockaddr_nl *nl = (const struct sockaddr_nl *)(const void *)ss;

		d->kind = NJ_DEST_FAMILY;
		d->family = af;
		d->kernel = len >= sizeof(*nl) && nl->nl_pid == 0 && nl->nl_groups == 0;
		return 0;
	}
	default:
		d->kind = NJ_DEST_FAMILY;
		d->family = af;
		d->kernel = 0;
		return 0;
	}
}

/* The bits of a socket type that name it: the kernel keeps these (SOCK_TYPE_MASK) once it has
 * refused every flag but SOCK_NONBLOCK and SOCK_CLOEXEC. */
#define NJ_SOCK_TYPE_MASK 0xf

/* What socket(domain, type, protocol) makes, as the rules see it at that moment: the family
 * rules judge a socket that writes headers of its own, whose packets go where those headers say
 * and not where any address checked on connect or send says: a packet socket (AF_PACKET, or
 * AF_INET with the obsolete SOCK_PACKET, which the kernel makes one of) is family packet, an
 * XDP socket (AF_XDP: whole frames, bound to an interface) family xdp, and a raw IP socket
 * (SOCK_RAW of AF_INET or AF_INET6, whatever its protocol, since IP_HDRINCL can be set on any
 * of them) family raw.  Returns that family (AF_PACKET, AF_XDP, NJ_FAMILY_RAW), or 0 for every
 * other socket: its connects and sends are checked instead.  The protocol plays no part.  The
 * seccomp filter of netjail run --supervise (cli/supervise/seccomp.c) says the same in BPF. */
static inline __attribute__((always_inline)) int
nj_socket_family(int domain, int type)
{
	int t = type & NJ_SOCK_TYPE_MASK;

	if (domain == AF_PACKET || (domain == AF_INET && t == SOCK_PACKET))
		return AF_PACKET;
	if (domain == AF_XDP)
		return AF_XDP;
	if ((domain == AF_INET || domain == AF_INET6) && t == SOCK_RAW)
		return NJ_FAMILY_RAW;
	return 0;
}

/* The same as a destination: 1 with d the family destination nj_socket_family names, or 0. */
static inline int
nj_socket_dest(struct nj_dest *d, int domain, int type)
{
	int family = nj_socket_family(domain, type);

	if (family == 0)
		return 0;
	memset(d, 0, sizeof(*d));
	d->kind = NJ_DEST_FAMILY;
	d->proto = NJ_PROTO_OTHER;
	d->family = family;
	return 1;
}

/* I/O.  The socket's family (SO_DOMAIN), or -1 when fd is not a socket.  errno is kept. */
static inline int
nj_socket_domain(int fd)
{
	int saved = errno, family = -1;
	socklen_t n = sizeof(family);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &n) != 0)
		family = -1;
	errno = saved;
	return family;
}

/* What a connect or a send is doing with its address: connect with AF_UNSPEC dissolves an
 * association (reaching nobody), a send with it goes where the socket's family says. */
enum nj_op { NJ_OP_CONNECT, NJ_OP_SEND };
enum nj_intake { NJ_INTAKE_DEST = 0, NJ_INTAKE_NONE = 1, NJ_INTAKE_BAD = -1 };

/* Take the address sa[0..len) a program passed on socket fd for op: copy it into *ss (the
 * private copy that is checked and then handed to the kernel: nothing is read twice from the
 * caller's memory) and describe the copy in d (nj_sockaddr_dest; d->proto left alone).
 * Returns NJ_INTAKE_DEST; NJ_INTAKE_NONE for a connect to AF_UNSPEC (no destination: let it
 * through); NJ_INTAKE_BAD for an address that is NULL, shorter than its family needs or
 * longer than *ss, or a send to AF_UNSPEC on something that is not a socket (deny).  A unix
 * pathname is as written: nj_intake_unix makes it canonical.  errno is kept.
 * Async-signal-safe. */
static inline __attribute__((always_inline)) int
nj_intake(struct nj_dest *d, struct sockaddr_storage *ss, const struct sockaddr *sa, socklen_t len,
    int op, int fd)
{
	int family;

	/* only what each kind reads is set: the common path writes little */
	d->kind = 0;
	d->abstract = 0;
	if (nj_sockaddr_copy(ss, sa, len) != 0)
		return NJ_INTAKE_BAD; /* never read past what the caller said it gave */
	family = ss->ss_family;
	if (family == AF_UNSPEC) {
		if (op == NJ_OP_CONNECT)
			return NJ_INTAKE_NONE;
		family = nj_socket_domain(fd);
	}
	if (family == -1 || nj_sockaddr_dest(d, ss, len, family) != 0)
		return NJ_INTAKE_BAD;
	return NJ_INTAKE_DEST;
}

/* I/O.  A unix pathname destination (d->kind NJ_DEST_UNIX, not abstract, pathlen > 0) made
 * absolute and canonical where the caller stands, into buf, and d->path pointed at it: in
 * this process (pid 0: its working directory, the links it sees), or in process pid (its
 * /proc/PID/cwd and /proc/PID/root).  A path that does not resolve is matched as written,
 * made absolute.  0, or (deny) -ENAMETOOLONG, or -EMLINK for a socket with more than one
 * name (a hard link).  With pid 0: async-signal-safe, errno kept. */
int nj_intake_unix(struct nj_dest *d, int pid, char *buf, size_t size);
/* Why nj_intake_unix's nonzero rc denies, for the log line. */
const char *nj_intake_unix_why(int rc);

/* I/O.  The socket's type as the rules see it: SOCK_STREAM tcp, SOCK_DGRAM udp, any other
 * type (or fd not a socket) other.  errno is kept. */
static inline int
nj_socket_proto(int fd)
{
	int saved = errno, type = -1;
	socklen_t n = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) != 0)
		type = -1;
	errno = saved;
	return type == SOCK_STREAM ? NJ_PROTO_TCP :
	    type == SOCK_DGRAM     ? NJ_PROTO_UDP :
	                             NJ_PROTO_OTHER;
}

#endif
