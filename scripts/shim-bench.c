/* shim-bench.c - the shim's workloads, run with and without LD_PRELOAD by scripts/bench.
 *
 *   shim-bench connect N ADDR      N x (connect + accept + close) to a listener of our own on
 *                                  ADDR (numeric IPv4), in this process
 *   shim-bench spawn N PROG        N x (fork + execve PROG + wait)
 *   shim-bench spawn-ab PAIRS N PROG LIB:RULES...
 *                                  a plain driver and one per LIB:RULES (LIB preloaded, rules
 *                                  RULES, log off) take turns spawning PROG once each, N
 *                                  times per pair (drivers replaced every 5 spawns); prints
 *                                  per pair "ns-plain ns-jailed..."
 *   shim-bench connect-ab PAIRS N ADDR LIB:RULES...
 *                                  the same for connect N ADDR: each side's driver does its
 *                                  N connects 1,000 at a time, taking turns
 *   shim-bench gai N NAME          N x getaddrinfo(NAME), IPv4
 *   shim-bench gai-ab PAIRS N NAME LIB:RULES...
 *                                  the same for gai N NAME, 100 lookups a piece
 *   shim-bench deny N ADDR         N x connect to ADDR, which the rules deny (for callgrind)
 *   shim-bench slow N M ADDR       N threads each make a blocking connect to a listener of
 *                                  ours on ADDR whose accept queue is full (its SYNs are
 *                                  dropped: a destination that never answers); once all N are
 *                                  inside connect, M x (connect + accept + close) to another
 *                                  listener on ADDR, each timed: prints "MEDIAN MAX" (ns)
 *
 * With NJ_BENCH_NAMES="COUNT SERIES" in the environment, every process first looks up
 * nK.SERIES for K = 0..COUNT-1 (not timed): a jailed one then remembers COUNT answers, as a
 * policy of host rules makes it (SPEC.md §3a).
 *
 * Prints the elapsed nanoseconds on stdout; checks its own work (a connect that should work
 * and fails, or one that should be denied and is not, exits 2), never timings.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

/* A fixed sequence (xorshift64): the same orders every run. */
static unsigned long long
next_random(void)
{
	static unsigned long long x = 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* One fork + execve + wait of prog; its nanoseconds, or -1. */
static long long
spawn_one(char *prog)
{
	char *args[] = { prog, NULL };
	long long t = now();
	int st;
	pid_t p = fork();

	if (p == 0) {
		execve(prog, args, environ);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return now() - t;
}

/* A listener of our own on addr (numeric IPv4), port chosen by the kernel; its address in
 * *in.  Returns the socket, or -1. */
static int
listener(const char *addr, struct sockaddr_in *in)
{
	socklen_t len = sizeof(*in);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &in->sin_addr);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(l, (struct sockaddr *)in, sizeof(*in)) != 0 || listen(l, 128) != 0 ||
	    getsockname(l, (struct sockaddr *)in, &len) != 0)
		return perror("listen"), -1;
	return l;
}

/* n x (connect + accept + close) to the listener l at *in; its nanoseconds, or -1. */
static long long
connect_n(int l, const struct sockaddr_in *in, long n)
{
	long long t = now();

	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), a;

		if (connect(c, (const struct sockaddr *)in, sizeof(*in)) != 0)
			return perror("connect"), -1;
		if ((a = accept(l, NULL, NULL)) < 0)
			return perror("accept"), -1;
		/* the accepting side closes first, so TIME_WAIT sits on the listener's port and
		 * 20,000 connects do not use up the ephemeral ports */
		close(a);
		close(c);
	}
	return now() - t;
}

/* How many threads of this process are inside connect (/proc/self/task/TID/syscall). */
static int
in_connect(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[300], buf[32];
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		int fd;
		ssize_t k;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/syscall", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (k > 0) {
			buf[k] = '\0';
			n += strtol(buf, NULL, 10) == SYS_connect;
		}
	}
	closedir(d);
	return n;
}

static struct sockaddr_in slow_to;

static void *
slow_one(void *arg)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);

	(void)arg;
	if (c >= 0)
		connect(c, (const struct sockaddr *)&slow_to, sizeof(slow_to));
	return NULL; /* (the process exits first) */
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int
slow(long n, long m, const char *addr)
{
	struct sockaddr_in in;
	struct rlimit rl;
	pthread_attr_t attr;
	long long *t = calloc((size_t)m, sizeof(*t));
	int l = listener(addr, &in), s, fill, k = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { /* n sockets */
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* the slow listener: backlog 0, and one connection that is never accepted fills it */
	memcpy(&slow_to, &in, sizeof(in));
	slow_to.sin_port = 0;
	if (t == NULL || l < 0 || (s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(s, (struct sockaddr *)&slow_to, sizeof(slow_to)) != 0 || listen(s, 0) != 0 ||
	    getsockname(s, (struct sockaddr *)&slow_to, &(socklen_t){ sizeof(slow_to) }) != 0 ||
	    (fill = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fill, (struct sockaddr *)&slow_to, sizeof(slow_to)) != 0)
		return perror("slow listener"), 2;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (long i = 0; i < n; i++) {
		pthread_t th;

		if (pthread_create(&th, &attr, slow_one, NULL) != 0)
			return perror("pthread_create"), 2;
	}
	for (int i = 0; i < 3000 && (k = in_connect()) < n; i++)
		usleep(10000);
	if (k < n)
		return fprintf(stderr, "slow: %d of %ld connects pending\n", k, n), 2;
	alarm(60); /* a fast connect held behind the slow ones: fail, not wait for minutes */
	for (long i = 0; i < m; i++)
		if ((t[i] = connect_n(l, &in, 1)) < 0)
			return 2;
	qsort(t, (size_t)m, sizeof(*t), cmp_ll);
	printf("%lld %lld\n", t[m / 2], t[m - 1]);
	fflush(stdout);
	_exit(0); /* the slow threads are still inside connect */
}

static int
lookup(const char *name)
{
	struct addrinfo hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return fprintf(stderr, "getaddrinfo %s failed\n", name), -1;
	freeaddrinfo(res);
	return 0;
}

/* NJ_BENCH_NAMES (above): 0, or -1 when a lookup failed */
static int
names_first(void)
{
	const char *v = getenv("NJ_BENCH_NAMES");
	char name[300], series[256];
	long count;

	if (v == NULL)
		return 0;
	if (sscanf(v, "%ld %255s", &count, series) != 2)
		return fprintf(stderr, "NJ_BENCH_NAMES: COUNT SERIES\n"), -1;
	for (long k = 0; k < count; k++) {
		snprintf(name, sizeof(name), "n%ld.%s", k, series);
		if (lookup(name) != 0)
			return -1;
	}
	return 0;
}

/* n x getaddrinfo(name); its nanoseconds, or -1 */
static long long
lookup_n(const char *name, long n)
{
	long long t = now();

	for (long i = 0; i < n; i++)
		if (lookup(name) != 0)
			return -1;
	return now() - t;
}

/* A driver: one piece of work per byte on stdin (a spawn of prog; with addr, slice connects
 * to a listener of its own on addr; with name, slice lookups of it), its time back on
 * stdout. */
static int
serve(char *prog, const char *addr, const char *name, long slice)
{
	struct sockaddr_in in;
	int l = addr ? listener(addr, &in) : -1;
	char c;

	if ((addr && l < 0) || names_first() != 0)
		return 2;
	while (read(0, &c, 1) == 1) {
		long long t = addr ? connect_n(l, &in, slice) :
		    name           ? lookup_n(name, slice) :
		                     spawn_one(prog);

		if (t < 0 || write(1, &t, sizeof(t)) != (ssize_t)sizeof(t))
			return 2;
	}
	return 0;
}

struct driver {
	int to, from;
	pid_t pid;
};

static int
start_driver(struct driver *d, char **args, char **env)
{
	int in[2], out[2];
	pid_t p;

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		return -1;
	/* close-on-exec: a driver started later must not hold this one's pipe open, or this
	 * one would never see the end of its input */
	if ((p = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execve(args[0], args, env);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	d->to = in[1];
	d->from = out[0];
	d->pid = p;
	return p < 0 ? -1 : 0;
}

/* End of input: the driver returns; wait for it. */
static void
stop_driver(struct driver *d)
{
	close(d->to);
	close(d->from);
	waitpid(d->pid, NULL, 0);
}

static long long
ask(struct driver *d)
{
	long long t;

	if (write(d->to, "x", 1) != 1 || read(d->from, &t, sizeof(t)) != (ssize_t)sizeof(t))
		return -1;
	return t;
}

/*
 * A workload with the sides interleaved piece by piece, on one CPU, so that the machine's
 * slow and fast moments (on this VM they last seconds to minutes) fall on all of them alike:
 * a plain driver and one jailed driver per LIB:RULES (LIB preloaded, rules RULES, log off)
 * take turns, one piece of work each, in a new order every round; each pair is `rounds`
 * pieces of every side.  Prints, per pair, the plain side's nanoseconds and then each jailed
 * side's.
 *
 * life > 0 (spawns): a driver lives for `life` pieces, after one untimed piece of its own
 * (the first spawn binds fork, execve and waitpid, which a plain and a jailed driver do
 * differently), and is replaced.  On this VM the same driver, started twice, measured up to
 * 2% apart for the whole of its life (where the kernel put its memory, we think), so drivers
 * that lived through the whole run made that chance part of the result; many short-lived
 * ones average it out (with 5, the same library in two columns of one run came out within
 * 0.1-0.7% of itself; with 20, 0.5-0.8%; living the whole run, 1-2%).
 * life == 0 (connects): one driver per side and pair does all the pair's pieces, since what
 * is measured includes what its first connect does once (loading the rules).
 */
#define MAXSIDES 8
#define DRIVER_LIFE 5 /* spawns */
#define SLICE 1000 /* connects per piece */
static int
run_ab(char **cmd, long pairs, long rounds, long life, int nj, char **jails)
{
	struct driver d[MAXSIDES];
	char *plain[256], *jailed[MAXSIDES][256], pre[MAXSIDES][4200], rul[MAXSIDES][4200];
	size_t k = 0;
	int sides = nj + 1;

	if (sides > MAXSIDES)
		return fprintf(stderr, "ab: at most %d sides\n", MAXSIDES - 1), 2;
	for (char **e = environ; *e && k < 250; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "NETJAIL_", 8))
			plain[k++] = *e;
	plain[k] = NULL;
	for (int j = 0; j < nj; j++) {
		const char *colon = strchr(jails[j], ':');

		if (colon == NULL)
			return fprintf(stderr, "ab: LIB:RULES, not %s\n", jails[j]), 2;
		memcpy(jailed[j], plain, k * sizeof(char *));
		snprintf(pre[j], sizeof(pre[j]), "LD_PRELOAD=%.*s", (int)(colon - jails[j]),
		    jails[j]);
		snprintf(rul[j], sizeof(rul[j]), "NETJAIL_RULES=%s", colon + 1);
		jailed[j][k] = pre[j], jailed[j][k + 1] = rul[j];
		jailed[j][k + 2] = "NETJAIL_LOG=off", jailed[j][k + 3] = NULL;
	}
	/* every driver (and so every child) on the one CPU we are on: on a machine where one
	 * CPU is busier than another, drivers on both would measure the CPUs, not the shim */
	{
		cpu_set_t one;
		int cpu = sched_getcpu();

		CPU_ZERO(&one);
		CPU_SET(cpu < 0 ? 0 : cpu, &one);
		(void)sched_setaffinity(0, sizeof(one), &one);
	}
	for (long p = 0; p < pairs; p++) {
		long long sum[MAXSIDES] = { 0 };

		for (long i = 0; i < rounds; i++) {
			int order[MAXSIDES];

			if (i == 0 || (life > 0 && i % life == 0)) {
				for (int j = 0; i > 0 && j < sides; j++)
					stop_driver(&d[j]);
				for (int j = 0; j < sides; j++)
					if (start_driver(&d[j], cmd, j ? jailed[j - 1] : plain) !=
					        0 ||
					    (life > 0 && ask(&d[j]) < 0))
						return perror("driver"), 2;
			}
			/* each round in a new order: what runs next to what (a driver after
			 * itself, or after the plain one) must not favour one side */
			for (int j = 0; j < sides; j++)
				order[j] = j;
			for (int j = sides - 1; j > 0; j--) {
				int r = (int)(next_random() % (unsigned long long)(j + 1)),
				    x = order[j];

				order[j] = order[r], order[r] = x;
			}
			for (int j = 0; j < sides; j++) {
				int side = order[j];
				long long t = ask(&d[side]);

				if (t < 0)
					return fprintf(stderr, "a driver failed\n"), 2;
				sum[side] += t;
			}
		}
		for (int j = 0; j < sides; j++)
			stop_driver(&d[j]);
		for (int j = 0; j < sides; j++)
			printf("%lld%c", sum[j], j + 1 < sides ? ' ' : '\n');
		fflush(stdout);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	long long t0;

	if (argc == 4 && strcmp(argv[1], "connect") == 0) {
		struct sockaddr_in in;
		int l = listener(argv[3], &in);
		long long t = l < 0 || names_first() != 0 ? -1 : connect_n(l, &in, n);

		if (t < 0)
			return 2;
		printf("%lld\n", t);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "slow") == 0)
		return slow(n, strtol(argv[3], NULL, 10), argv[4]);
	if (argc == 3 && strcmp(argv[1], "spawn-serve") == 0)
		return serve(argv[2], NULL, NULL, 0);
	if (argc == 4 && strcmp(argv[1], "connect-serve") == 0)
		return serve(NULL, argv[2], NULL, strtol(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "gai-serve") == 0)
		return serve(NULL, NULL, argv[2], strtol(argv[3], NULL, 10));
	if (argc >= 6 && strcmp(argv[1], "gai-ab") == 0) {
		long total = strtol(argv[3], NULL, 10), slice = total < 100 ? total : 100;
		char num[32], *cmd[] = { argv[0], "gai-serve", argv[4], num, NULL };

		if (slice <= 0 || total % slice != 0)
			return fprintf(stderr, "gai-ab: N a multiple of 100\n"), 2;
		snprintf(num, sizeof(num), "%ld", slice);
		return run_ab(cmd, n, total / slice, 0, argc - 5, argv + 5);
	}
	if (argc == 4 && strcmp(argv[1], "gai") == 0) {
		long long t = names_first() == 0 ? lookup_n(argv[3], n) : -1;

		if (t < 0)
			return 2;
		printf("%lld\n", t);
		return 0;
	}
	if (argc >= 6 && strcmp(argv[1], "spawn-ab") == 0) {
		char *cmd[] = { argv[0], "spawn-serve", argv[4], NULL };

		return run_ab(cmd, n, strtol(argv[3], NULL, 10), DRIVER_LIFE, argc - 5, argv + 5);
	}
	if (argc >= 6 && strcmp(argv[1], "connect-ab") == 0) {
		long total = strtol(argv[3], NULL, 10), slice = total < SLICE ? total : SLICE;
		char num[32], *cmd[] = { argv[0], "connect-serve", argv[4], num, NULL };

		if (slice <= 0 || total % slice != 0)
			return fprintf(stderr, "connect-ab: N a multiple of %d\n", SLICE), 2;
		snprintf(num, sizeof(num), "%ld", slice);
		return run_ab(cmd, n, total / slice, 0, argc - 5, argv + 5);
	}
	if (argc == 4 && strcmp(argv[1], "spawn") == 0) {
		t0 = now();
		for (long i = 0; i < n; i++)
			if (spawn_one(argv[3]) < 0)
				return fprintf(stderr, "spawn failed\n"), 2;
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
		if (names_first() != 0)
			return 2;
		t0 = now();
		for (long i = 0; i < n; i++)
			if (connect(c, (struct sockaddr *)&ss, len) == 0 || errno != EACCES)
				return fprintf(stderr, "deny: not denied\n"), 2;
		printf("%lld\n", now() - t0);
		return 0;
	}
	fputs(
	    "usage: shim-bench connect N ADDR | spawn N PROG | spawn-ab PAIRS N PROG LIB:RULES... |"
	    " connect-ab PAIRS N ADDR LIB:RULES... | gai N NAME | gai-ab PAIRS N NAME LIB:RULES... |"
	    " deny N ADDR | slow N M ADDR\n",
	    stderr);
	return 2;
}
