/* hard.h - shared by the hard-*.c probes of tests/hardening.sh: "ADDR:PORT" or "[V6]:PORT"
 * into a sockaddr (exits 2 on text it cannot read: a bug in the test, not a verdict), and one
 * TCP connect to such a destination. */
#ifndef NJ_HARD_H
#define NJ_HARD_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* A destination taken from the command line. */
struct hard_dest {
	struct sockaddr_storage ss;
	socklen_t len;
};

static inline void
hard_parse(const char *arg, struct hard_dest *d)
{
	hostport(arg, &d->ss, &d->len);
}

/* connect once over TCP; 0 or the errno (-1 if socket failed without one) */
static inline int
conn(const struct hard_dest *d)
{
	int fd = socket(d->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc, e;

	if (fd < 0)
		return errno ? errno : -1;
	rc = connect(fd, (const struct sockaddr *)&d->ss, d->len);
	e = rc == 0 ? 0 : errno;
	close(fd);
	return e;
}

#endif
