/* exec-static.c - tests/shell/exec.sh links this with -static: a program the preload cannot follow.
 *
 *   exec-static [ANY...] PORT      connect to 127.0.0.1:PORT over TCP; print "ok" or "err N"
 *
 * The port is the last argument, so the same binary also serves as a #! interpreter
 * (argv is then: interpreter, script, the script's arguments). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in in;
	int fd;

	if (argc < 2)
		return fprintf(stderr, "usage: exec-static [ANY...] PORT\n"), 2;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((unsigned short)strtol(argv[argc - 1], NULL, 10));
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&in, sizeof(in)) != 0) {
		printf("err %d\n", errno);
		return 1;
	}
	printf("ok\n");
	close(fd);
	return 0;
}
