/* shim-bench.c - the shim's workloads, run with and without LD_PRELOAD by scripts/bench.
 *
 *   shim-bench connect N ADDR      N x (connect + accept + close) to a listener of our own on
 *                                  ADDR (numeric IPv4), in this process
 *   shim-bench spawn N PROG        N x (fork + execve PROG + wait)
 *   shim-bench deny N ADDR         N x connect to ADDR, which the rules deny (for callgrind)
 *
 * Prints the elapsed nanoseconds on stdout; checks its own work (a connect that should work
 * and fails, or one that should be denied and is not, exits 2), never timings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	long long t0;

	if (argc == 4 && strcmp(argv[1], "connect") == 0) {
		struct sockaddr_in in;
		socklen_t len = sizeof(in);
		int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		memset(&in, 0, sizeof(in));
		in.sin_family = AF_INET;
		inet_pton(AF_INET, argv[3], &in.sin_addr);
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(l, (struct sockaddr *)&in, sizeof(in)) != 0 || listen(l, 128) != 0 ||
		    getsockname(l, (struct sockaddr *)&in, &len) != 0)
			return perror("listen"), 2;
		t0 = now();
		for (long i = 0; i < n; i++) {
			int c = socket(AF_INET, SOCK_STREAM, 0), a;

			if (connect(c, (struct sockaddr *)&in, sizeof(in)) != 0)
				return perror("connect"), 2;
			if ((a = accept(l, NULL, NULL)) < 0)
				return perror("accept"), 2;
			/* the accepting side closes first, so TIME_WAIT sits on the listener's
			 * port and 20,000 connects do not use up the ephemeral ports */
			close(a);
			close(c);
		}
		printf("%lld\n", now() - t0);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "spawn") == 0) {
		char *args[] = { argv[3], NULL };

		t0 = now();
		for (long i = 0; i < n; i++) {
			int st;
			pid_t p = fork();

			if (p == 0) {
				execve(argv[3], args, environ);
				_exit(127);
			}
			if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
				return fprintf(stderr, "spawn failed\n"), 2;
		}
		printf("%lld\n", now() - t0);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "deny") == 0) {
		struct sockaddr_storage ss;
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		socklen_t len;
		int c;

		memset(&ss, 0, sizeof(ss));
		if (strchr(argv[3], ':')) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(9);
			inet_pton(AF_INET6, argv[3], &in6->sin6_addr);
			len = sizeof(*in6);
		} else {
			in->sin_family = AF_INET;
			in->sin_port = htons(9);
			inet_pton(AF_INET, argv[3], &in->sin_addr);
			len = sizeof(*in);
		}
		c = socket(ss.ss_family, SOCK_STREAM, 0);
		t0 = now();
		for (long i = 0; i < n; i++)
			if (connect(c, (struct sockaddr *)&ss, len) == 0 || errno != EACCES)
				return fprintf(stderr, "deny: not denied\n"), 2;
		printf("%lld\n", now() - t0);
		return 0;
	}
	fputs("usage: shim-bench connect N ADDR | spawn N PROG | deny N ADDR\n", stderr);
	return 2;
}
