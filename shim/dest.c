/* dest.c - take a destination from the caller: private copy, what the rules see, the check. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

static int
sockopt(int fd, int opt)
{
	int v = -1;
	socklen_t n = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &n) != 0)
		return -1;
	return v;
}

int
nj_sdest_copy(struct nj_sdest *sd, int fd, const struct sockaddr *sa, socklen_t len, int op)
{
	int saved = errno;
	int family, type;

	memset(&sd->d, 0, sizeof(sd->d));
	sd->bad = 0;
	sd->len = len;
	if (sa == NULL || len < sizeof(sa_family_t) || len > sizeof(sd->ss)) {
		sd->bad = 1;	/* never read past what the caller said it gave */
		return 0;
	}
	memcpy(&sd->ss, sa, len);
	family = sd->ss.ss_family;
	if (family == AF_UNSPEC) {
		if (op == NJ_OP_CONNECT)
			return -1;	/* dissolves an association: reaches nobody */
		/* a send to AF_UNSPEC goes where the socket's family says (the kernel reads
		 * it as sockaddr_in on IPv4 sockets, as sockaddr_in6 on IPv6 ones) */
		family = sockopt(fd, SO_DOMAIN);
	}
	type = sockopt(fd, SO_TYPE);
	sd->d.proto = type == SOCK_STREAM ? NJ_PROTO_TCP : type == SOCK_DGRAM ? NJ_PROTO_UDP :
	    NJ_PROTO_OTHER;
	switch (family) {
	case AF_INET: {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)&sd->ss;

		if (len < sizeof(*in)) {
			sd->bad = 1;
			break;
		}
		sd->d.kind = NJ_DEST_IP;
		sd->d.ip.family = 4;
		memcpy(sd->d.ip.a, &in->sin_addr, 4);
		sd->d.port = ntohs(in->sin_port);
		break;
	}
	case AF_INET6: {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&sd->ss;

		if (len < 24) {		/* SIN6_LEN_RFC2133: the kernel's minimum */
			sd->bad = 1;
			break;
		}
		sd->d.kind = NJ_DEST_IP;
		sd->d.ip.family = 6;
		memcpy(sd->d.ip.a, &in6->sin6_addr, 16);
		sd->d.port = ntohs(in6->sin6_port);
		break;
	}
	case AF_UNIX: {
		struct sockaddr_un *un = (struct sockaddr_un *)(void *)&sd->ss;
		size_t n = len - offsetof(struct sockaddr_un, sun_path);

		sd->d.kind = NJ_DEST_UNIX;
		if (n > 0 && un->sun_path[0] == '\0') {
			sd->d.abstract = 1;
			sd->d.path = un->sun_path + 1;
			sd->d.pathlen = n - 1;
		} else {
			/* a pathname: up to its NUL or the length given */
			sd->d.path = un->sun_path;
			sd->d.pathlen = strnlen(un->sun_path, n);
		}
		break;
	}
	case -1:
		sd->bad = 1;	/* AF_UNSPEC on something that is not a socket */
		break;
	default:
		sd->d.kind = NJ_DEST_FAMILY;
		sd->d.family = family;
		break;
	}
	errno = saved;
	return 0;
}

/* Make path[0..n) absolute and canonical as the kernel will resolve it: symbolic links
 * followed, "." and ".." taken physically.  Returns 0 with out filled, 1 when the path cannot
 * be resolved (the caller then matches it as written, made absolute; the kernel will not
 * reach a socket through it either), -1 when it does not fit our buffers (deny).  Only
 * readlink(2) and getcwd(3) with our buffer: async-signal-safe, no allocation. */
static int
canon(const char *path, size_t n, char *out, size_t size)
{
	char rest[PATH_MAX], link[PATH_MAX];
	size_t olen = 0, rlen, pos = 0;
	int hops = 0;

	if (n >= sizeof(rest))
		return -1;
	memcpy(rest, path, n);
	rest[n] = '\0';
	rlen = n;
	if (path[0] != '/') {
		if (getcwd(out, size) == NULL)
			return -1;
		olen = strlen(out);
		if (olen == 1)
			olen = 0;	/* "/" */
	}
	while (pos < rlen) {
		size_t start, clen;
		ssize_t k;

		while (pos < rlen && rest[pos] == '/')
			pos++;
		start = pos;
		while (pos < rlen && rest[pos] != '/')
			pos++;
		clen = pos - start;
		if (clen == 0 || (clen == 1 && rest[start] == '.'))
			continue;
		if (clen == 2 && rest[start] == '.' && rest[start + 1] == '.') {
			while (olen > 0 && out[olen - 1] != '/')
				olen--;
			if (olen > 0)
				olen--;
			continue;
		}
		if (olen + 1 + clen >= size)
			return -1;
		out[olen] = '/';
		memcpy(out + olen + 1, rest + start, clen);
		out[olen + 1 + clen] = '\0';
		k = readlink(out, link, sizeof(link));
		if (k < 0) {
			if (errno == EINVAL) {
				olen += 1 + clen;	/* there, and not a link */
				continue;
			}
			return 1;
		}
		if ((size_t)k >= sizeof(link) || ++hops > 40)
			return hops > 40 ? 1 : -1;
		/* rest = link + remaining */
		if ((size_t)k + (rlen - pos) >= sizeof(rest))
			return -1;
		memmove(rest + k, rest + pos, rlen - pos);
		memcpy(rest, link, (size_t)k);
		rlen = (size_t)k + (rlen - pos);
		rest[rlen] = '\0';
		pos = 0;
		if (link[0] == '/')
			olen = 0;
	}
	if (olen == 0)
		out[olen++] = '/';
	out[olen] = '\0';
	return 0;
}

/* As written, made absolute. */
static int
literal(const char *path, size_t n, char *out, size_t size)
{
	size_t c = 0;

	if (path[0] != '/') {
		if (getcwd(out, size) == NULL)
			return -1;
		c = strlen(out);
		if (c > 1)
			out[c++] = '/';
	}
	if (c + n >= size)
		return -1;
	memcpy(out + c, path, n);
	out[c + n] = '\0';
	return 0;
}

int
nj_sdest_check(struct nj_sdest *sd, const char *call)
{
	const struct nj_config *c = nj_shim();
	struct nj_verdict v;
	char path[PATH_MAX];
	int saved = errno;

	if (nj_in_resolver)
		return 1;	/* the resolver's own connections (NSS modules) */
	if (sd->bad) {
		if (nj_deny_msg(call, "a malformed address",
		    "the address length does not fit its family"))
			return 1;
		return 0;
	}
	if (sd->d.kind == NJ_DEST_UNIX && !sd->d.abstract && sd->d.pathlen > 0) {
		int rc = canon(sd->d.path, sd->d.pathlen, path, sizeof(path));

		if (rc == 1)
			rc = literal(sd->d.path, sd->d.pathlen, path, sizeof(path));
		if (rc != 0) {
			errno = saved;
			return nj_deny_msg(call, "a unix path", "it is too long to resolve");
		}
		sd->d.path = path;
		sd->d.pathlen = strlen(path);
	}
	errno = saved;
	if (nj_decide(c->rules, &sd->d, &v))
		return 1;
	nj_log_verdict(call, &sd->d, &v);
	if (c->audit)
		return 1;
	errno = EACCES;
	return 0;
}

int
nj_deny_msg(const char *call, const char *what, const char *why)
{
	const struct nj_config *c = nj_shim();

	nj_log_text(call, what, why, c->audit);
	if (c->audit)
		return 1;
	errno = EACCES;
	return 0;
}
