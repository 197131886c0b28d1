/* names.c - the edges of host rules (SPEC.md §3a), for tests/shell/names.sh: what a process
 * remembers of its lookups, across thousands of names, a fork and a signal handler.
 *
 *   names evict NAME PORT SERIES N   look up NAME, then N names nK.SERIES (K = 0..N-1), then
 *                                    connect to NAME's first answer
 *   names fork NAME|- PORT ADDR      look up NAME (not for "-"), fork; the child connects
 *                                    to ADDR:PORT without a lookup of its own
 *   names exec NAME PORT ADDR        look up NAME, then exec "names fork - PORT ADDR": the
 *                                    program exec started connects without a lookup
 *   names signal NAME PORT DENY SERIES N
 *                                    look up NAME, then N names of SERIES while a timer's
 *                                    signal handler connects, in turn, to NAME's answer and
 *                                    to DENY:PORT; prints "signal ok=A denied=D wrong=W"
 *                                    (ok: NAME's answer reached, denied: DENY refused with
 *                                    EACCES, wrong: anything else)
 *
 * Lookups are getaddrinfo, IPv4, TCP.  A connect prints "ok ADDR" (exit 0) or "err ERRNO"
 * (exit 1); a lookup that fails prints "err lookup NAME: ..." (exit 1, 0 in the series).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int
lookup(const char *name, const char *port, struct sockaddr_in *out)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(name, port, &hints, &res)) != 0)
		return rc;
	if (out)
		memcpy(out, res->ai_addr, sizeof(*out));
	freeaddrinfo(res);
	return 0;
}

/* 0, or the errno of a connect to *a (async-signal-safe) */
static int
reach(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), e = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) != 0)
		e = errno;
	close(fd);
	return e;
}

static int
report(const struct sockaddr_in *a)
{
	char text[INET_ADDRSTRLEN];
	int e = reach(a);

	if (e == 0) {
		printf("ok %s\n", inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text)));
		return 0;
	}
	printf("err %s\n", e == EACCES ? "EACCES" : strerror(e));
	return 1;
}

static int
series(const char *suffix, long n)
{
	char name[300];

	for (long k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "n%ld.%s", k, suffix);
		if (lookup(name, NULL, NULL) != 0)
			return -1;
	}
	return 0;
}

static struct sockaddr_in good, bad;
static volatile sig_atomic_t n_ok, n_denied, n_wrong, turn;

static void
on_alarm(int sig)
{
	int saved = errno, e;

	(void)sig;
	turn = !turn;
	e = reach(turn ? &good : &bad);
	if (turn && e == 0)
		n_ok++;
	else if (!turn && e == EACCES)
		n_denied++;
	else
		n_wrong++;
	errno = saved;
}

int
main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	int rc;

	if (strcmp(op, "evict") == 0 && argc == 6) {
		if ((rc = lookup(argv[2], argv[3], &good)) != 0)
			return printf("err lookup %s: %s\n", argv[2], gai_strerror(rc)), 1;
		if (series(argv[4], strtol(argv[5], NULL, 10)) != 0)
			return printf("err lookup in %s\n", argv[4]), 1;
		return report(&good);
	}
	if (strcmp(op, "fork") == 0 && argc == 5) {
		pid_t pid;
		int status;

		if (strcmp(argv[2], "-") != 0 && (rc = lookup(argv[2], argv[3], NULL)) != 0)
			return printf("err lookup %s: %s\n", argv[2], gai_strerror(rc)), 1;
		memset(&good, 0, sizeof(good));
		good.sin_family = AF_INET;
		good.sin_port = htons((uint16_t)strtoul(argv[3], NULL, 10));
		if (inet_pton(AF_INET, argv[4], &good.sin_addr) != 1)
			return printf("err bad address %s\n", argv[4]), 2;
		fflush(stdout);
		if ((pid = fork()) == 0)
			_exit(report(&good));
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			return perror("fork"), 2;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
	}
	if (strcmp(op, "exec") == 0 && argc == 5) {
		if ((rc = lookup(argv[2], argv[3], NULL)) != 0)
			return printf("err lookup %s: %s\n", argv[2], gai_strerror(rc)), 1;
		execl("/proc/self/exe", argv[0], "fork", "-", argv[3], argv[4], (char *)NULL);
		return perror("exec"), 2;
	}
	if (strcmp(op, "signal") == 0 && argc == 7) {
		struct sigaction sa;
		struct itimerval every = { { 0, 1000 }, { 0, 1000 } },
		                 stop = { { 0, 0 }, { 0, 0 } };

		if ((rc = lookup(argv[2], argv[3], &good)) != 0)
			return printf("err lookup %s: %s\n", argv[2], gai_strerror(rc)), 1;
		bad = good;
		if (inet_pton(AF_INET, argv[4], &bad.sin_addr) != 1)
			return printf("err bad address %s\n", argv[4]), 2;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &every, NULL);
		rc = series(argv[5], strtol(argv[6], NULL, 10));
		setitimer(ITIMER_REAL, &stop, NULL);
		if (rc != 0)
			return printf("err lookup in %s\n", argv[5]), 1;
		printf("signal ok=%d denied=%d wrong=%d\n", (int)n_ok, (int)n_denied, (int)n_wrong);
		return n_wrong != 0 || n_ok == 0 || n_denied == 0;
	}
	fprintf(stderr, "usage: names evict|fork|signal ... (see names.c)\n");
	return 2;
}
