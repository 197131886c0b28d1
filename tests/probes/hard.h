/* hard.h - shared by the hard-*.c probes of tests/hardening.sh: "ADDR:PORT" or "[V6]:PORT"
 * into a sockaddr (exits 2 on text it cannot read: a bug in the test, not a verdict). */
#ifndef NJ_HARD_H
#define NJ_HARD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static inline void
hostport(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[80], *addr = buf, *port;

	if (strlen(arg) >= sizeof(buf))
		exit(2);
	snprintf(buf, sizeof(buf), "%s", arg);
	if ((port = strrchr(buf, ':')) == NULL)
		exit(2);
	*port++ = '\0';
	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		addr++;
		addr[strlen(addr) - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)strtol(port, NULL, 10));
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			exit(2);
		*len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)strtol(port, NULL, 10));
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			exit(2);
		*len = sizeof(*in);
	}
}

#endif
