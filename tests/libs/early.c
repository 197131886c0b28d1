/* early.c - a preloaded library whose constructor connects (to NJTEST_EARLY=ADDR:PORT) before
 * the shim's own constructor may have run: the shim must initialise first, never pass the
 * call through unchecked.  Prints "early ok" or "early err EACCES" on stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((constructor)) static void
early(void)
{
	const char *spec = getenv("NJTEST_EARLY");
	struct sockaddr_in in;
	char addr[64];
	const char *colon;
	int fd, rc;

	if (spec == NULL || (colon = strchr(spec, ':')) == NULL ||
	    (size_t)(colon - spec) >= sizeof(addr))
		return;
	memcpy(addr, spec, (size_t)(colon - spec));
	addr[colon - spec] = '\0';
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((unsigned short)strtol(colon + 1, NULL, 10));
	inet_pton(AF_INET, addr, &in.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	rc = connect(fd, (struct sockaddr *)&in, sizeof(in));
	fprintf(stderr, rc == 0 ? "early ok\n" : "early err %s\n",
	    errno == EACCES ? "EACCES" : strerror(errno));
	close(fd);
}
