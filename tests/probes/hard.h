/* hard.h - shared by the hard-*.c probes of tests/shell/hardening.sh: "ADDR:PORT" or "[V6]:PORT"
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

#include "addr.h"

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
	if (addr[0] == '[') { /* [V6] */
		addr++;
		addr[strlen(addr) - 1] = '\0';
	}
	*len = mkaddr(addr, port, ss);
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
