/* hard-steps.c - connects with pauses between them, for tests that change something while a
 * jailed program runs (tests/shell/hardening.sh).
 *
 *   hard-steps STEP...
 *     c ADDR PORT     connect a TCP socket to ADDR:PORT (numeric, v4 or v6); prints "ok" or
 *                     "err NAME"
 *     w PATH          wait until PATH exists (at most 10 s; then print "timeout", exit 3)
 *
 * Output is unbuffered, one line per connect, so the test can watch it step by step.
 * Exit 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"

static void
step_connect(const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc;

	len = mkaddr(addr, port, &ss);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("socket");
		exit(2);
	}
	rc = connect(fd, (struct sockaddr *)&ss, len);
	if (rc == 0)
		printf("ok\n");
	else
		printf("err %s\n",
		    errno == EACCES           ? "EACCES" :
		        errno == ECONNREFUSED ? "ECONNREFUSED" :
		                                strerror(errno));
	close(fd);
}

static void
step_wait(const char *path)
{
	struct timespec ts = { 0, 10 * 1000000L };

	for (int i = 0; i < 1000; i++) {
		if (access(path, F_OK) == 0)
			return;
		nanosleep(&ts, NULL);
	}
	printf("timeout\n");
	exit(3);
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc;) {
		if (strcmp(argv[i], "c") == 0 && i + 2 < argc) {
			step_connect(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(argv[i], "w") == 0 && i + 1 < argc) {
			step_wait(argv[i + 1]);
			i += 2;
		} else {
			fprintf(stderr, "usage: see the top of hard-steps.c\n");
			return 2;
		}
	}
	return 0;
}
