/* addr.h - the probes' one way to turn an address and a port, as text, into a sockaddr
 * (exits 2 on text it cannot read: a bug in the test, not a verdict). */
#ifndef NJ_PROBE_ADDR_H
#define NJ_PROBE_ADDR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ADDR is IPv6 when it has a colon; returns the sockaddr's length. */
static inline socklen_t
mkaddr(const char *addr, const char *port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)strtol(port, NULL, 10));
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			exit(2);
		return sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)strtol(port, NULL, 10));
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			exit(2);
		return sizeof(*in);
	}
}

#endif
