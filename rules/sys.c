/* sys.c - I/O: gather the dynamic presets @self (interfaces) and @resolvers (resolv.conf). */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static int
push(struct nj_prefix **v, size_t *n, const struct nj_ip *ip)
{
	struct nj_prefix *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	nv[*n].ip = *ip;
	nv[*n].len = ip->family == 4 ? 32 : 128;
	(*n)++;
	return 0;
}

/* "nameserver ADDR" lines; anything else (options, search, comments) is not ours.  A
 * nameserver written with a zone (fe80::1%eth0) counts without it. */
int
nj_resolvconf_parse(const char *text, size_t len, struct nj_sys *s)
{
	size_t pos = 0;

	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		size_t i = 10, j;
		struct nj_ip ip;

		pos += n + 1;
		if (n < 11 || memcmp(l, "nameserver", 10) != 0 || (l[10] != ' ' && l[10] != '\t'))
			continue;
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		for (j = i; j < n && l[j] != ' ' && l[j] != '\t' && l[j] != '\r' && l[j] != '%' &&
		    l[j] != '#' && l[j] != ';'; j++)
			;
		if (nj_ip_parse(l + i, j - i, &ip) != 0)
			continue;
		if (nj_ip_is_mapped(&ip)) {
			struct nj_ip v4;

			memset(&v4, 0, sizeof(v4));
			v4.family = 4;
			memcpy(v4.a, ip.a + 12, 4);
			ip = v4;
		}
		if (push(&s->resolvers, &s->nresolvers, &ip))
			return -ENOMEM;
	}
	return 0;
}

static int
gather_resolvers(struct nj_sys *s)
{
	char buf[16384];
	size_t got = 0;
	int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return 0;	/* no resolv.conf: an empty set, not an error */
	for (;;) {
		ssize_t k = read(fd, buf + got, sizeof(buf) - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
		if (got == sizeof(buf))
			break;
	}
	close(fd);
	return nj_resolvconf_parse(buf, got, s);
}

static int
gather_self(struct nj_sys *s)
{
	struct ifaddrs *ifa, *i;
	int rc = 0;

	if (getifaddrs(&ifa) != 0)
		return 0;	/* nothing known: @self is empty, so nothing extra is allowed */
	for (i = ifa; i && rc == 0; i = i->ifa_next) {
		struct nj_ip ip;

		if (i->ifa_addr == NULL)
			continue;
		memset(&ip, 0, sizeof(ip));
		if (i->ifa_addr->sa_family == AF_INET) {
			ip.family = 4;
			memcpy(ip.a, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			ip.family = 6;
			memcpy(ip.a, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		rc = push(&s->self, &s->nself, &ip);
	}
	freeifaddrs(ifa);
	return rc;
}

int
nj_sys_gather(struct nj_sys *ret)
{
	int rc;

	memset(ret, 0, sizeof(*ret));
	if ((rc = gather_self(ret)) != 0 || (rc = gather_resolvers(ret)) != 0) {
		nj_sys_free(ret);
		return rc;
	}
	return 0;
}

void
nj_sys_free(struct nj_sys *s)
{
	if (s == NULL)
		return;
	free(s->self);
	free(s->resolvers);
	memset(s, 0, sizeof(*s));
}
