/* hostinfo.c - this machine's dynamic presets: @self (its interfaces' addresses) and
 * @resolvers (its resolv.conf's nameservers, parsed by the engine). */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/internal.h"
#include "sys/sys.h"

static int
gather_resolvers(struct nj_sys *s)
{
	char buf[16384];
	size_t got = 0;
	int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return 0; /* no resolv.conf: an empty set, not an error */
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
		return 0; /* nothing known: @self is empty, so nothing extra is allowed */
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
		rc = nj_prefixes_push(&s->self, &s->nself, &ip);
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
