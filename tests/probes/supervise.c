/* supervise.c - probes for netjail run --supervise (tests/shell/supervise.sh).  Every connect here
 * is an inline-assembly system call: no libc function, so no preload can see it; only the
 * kernel's seccomp filter can.  The test also builds this file with -static.
 *
 *   supervise asm ADDR PORT          one TCP connect; prints "ok" or "err NAME"
 *   supervise race ADDR OK BAD N     one thread flips the port of a shared sockaddr between OK
 *                                    and BAD in a tight loop while another connects N times;
 *                                    prints "ok N", "err NAME M" counts (a connect to BAD that
 *                                    got through is the leak the listener would log)
 *   supervise forks N ADDR OK BAD    N children at once, child i connects to OK (i even) or
 *                                    BAD (i odd); each verdict must be right: success on OK,
 *                                    EACCES on BAD; prints "right R wrong W", then connects to
 *                                    OK once more ("after ok": the supervisor survived)
 *   supervise orphan ADDR OK FLAG    connect to OK ("before ok"), wait until the file FLAG
 *                                    exists (the test kills the supervisor), connect to OK
 *                                    again and print "after ok" or "after err NAME"
 *   supervise io_uring               io_uring_setup; prints "ok" or "err NAME"
 *   supervise reach ADDR PORT        try to reach the supervisor (our parent) as the red team
 *                                    did: pidfd_getfd of each of its first 64 descriptors,
 *                                    ptrace, /proc/PID/mem, process_vm_readv, /proc/PID/fd;
 *                                    one line each, "NAME ok" or "NAME err ERRNO"; then one
 *                                    TCP connect to ADDR PORT ("after ok" / "after err NAME")
 *   supervise i386-raw4 CONN HDR PORT  a raw IPv4 socket (IPPROTO_RAW) made with the 32-bit
 *                                    socket call (int $0x80: seccomp sees a call of arch
 *                                    i386), connected to CONN, then one UDP datagram written
 *                                    whose own header names HDR PORT; prints "ok" or "err NAME"
 *
 * A slow destination here is a listener of our own on ADDR SLOW whose accept queue is full
 * (listen backlog 0, one connection never accepted): the kernel drops the SYNs that reach it,
 * as a host that does not answer would, and nothing leaves the machine.
 *
 *   supervise slow N ADDR SLOW PORT  N threads each make a blocking connect to the slow
 *                                    destination; once all N are inside connect, one
 *                                    connect to PORT (given 20 s, then EINTR); prints
 *                                    "pending N", "fast ok USEC" or "fast err NAME", and
 *                                    "slow done K" (how many slow ones had returned)
 *   supervise sndtimeo ADDR SLOW MS  a blocking connect with SO_SNDTIMEO of MS ms to the slow
 *                                    destination ("first err NAME"), then again on the same
 *                                    socket ("again err NAME"); each with " early" when it
 *                                    returned before MS ms
 *   supervise eintr ADDR SLOW        a blocking connect to the slow destination interrupted by
 *                                    a signal without SA_RESTART ("first err NAME"); then
 *                                    again with SO_SNDTIMEO of 300 ms ("again err NAME")
 *   supervise restart ADDR SLOW      a blocking connect to the slow destination while a
 *                                    signal with SA_RESTART arrives every 50 ms; after 300 ms
 *                                    a thread accepts the queued connection, so the SYN's
 *                                    retransmission is answered: prints "connect ok" or
 *                                    "connect err NAME"
 *   supervise refused ADDR CLOSED PORT  a blocking connect to CLOSED, where nothing listens
 *                                    ("first err NAME"), then the same socket to PORT
 *                                    ("again ok" or "again err NAME"), and once more
 *                                    ("third ...": connected already)
 *   supervise nonblock ADDR SLOW     a non-blocking connect to the slow destination: prints
 *                                    "err NAME" ("late" when it took a second or more)
 *
 * Exits 0 when it could run its steps (the verdicts are printed), 2 on a setup failure. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "packet.h"

#define I386_SOCKET 359 /* arch/x86/entry/syscalls/syscall_32.tbl */

static long
raw3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a), "S"(b), "d"(c)
	                 : "rcx", "r11", "memory");
	return ret;
}

/* A call as a 32-bit program makes it, from this 64-bit one: 0 or -errno.  (The kernel's
 * 32-bit entry may leave r8-r11 zero.) */
static long
int80_3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
	                 : "=a"(ret)
	                 : "a"(nr), "b"(a), "c"(b), "d"(c)
	                 : "r8", "r9", "r10", "r11", "memory");
	return ret;
}

/* connect through the raw system call: 0 or -errno */
static long
raw_connect(int fd, const struct sockaddr_in *in)
{
	return raw3(SYS_connect, fd, (long)in, sizeof(*in));
}

static const char *
name(long e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENOSYS: return "ENOSYS";
	case EINTR: return "EINTR";
	case EPERM: return "EPERM";
	case ESRCH: return "ESRCH";
	case EINPROGRESS: return "EINPROGRESS";
	case EALREADY: return "EALREADY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNABORTED: return "ECONNABORTED";
	case EISCONN: return "EISCONN";
	default: return strerror((int)e);
	}
}

static struct sockaddr_in
addr(const char *a, const char *port)
{
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((unsigned short)strtoul(port, NULL, 10));
	if (inet_pton(AF_INET, a, &in.sin_addr) != 1)
		exit(2);
	return in;
}

/* one TCP connect to in: 0 or -errno */
static long
connect_once(const struct sockaddr_in *in)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	long rc;

	if (fd < 0)
		exit(2);
	rc = raw_connect(fd, in);
	close(fd);
	return rc;
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The slow destination: a listener on in whose accept queue one connection fills (the
 * caller keeps both sockets).  Returns the listener. */
static int
slow_listener(const struct sockaddr_in *in)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1, fill;

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(l, (const struct sockaddr *)in, sizeof(*in)) != 0 || listen(l, 0) != 0)
		exit(2);
	if ((fill = socket(AF_INET, SOCK_STREAM, 0)) < 0 || raw_connect(fill, in) != 0)
		exit(2);
	return l;
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
static volatile int slow_done;

static void *
slow_one(void *arg)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)arg;
	if (fd < 0)
		exit(2);
	raw_connect(fd, &slow_to);
	__sync_fetch_and_add(&slow_done, 1);
	return NULL;
}

static void
nothing(int sig)
{
	(void)sig;
}

/* sig calls nothing, with or without SA_RESTART */
static void
on_signal(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nothing;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static int
slow(long n, const char *a, const char *slowport, const char *port)
{
	struct sockaddr_in in = addr(a, port);
	struct rlimit rl;
	pthread_attr_t attr;
	long long t;
	long rc;
	int fd, k = 0;

	/* n sockets, and the supervisor's copies */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	slow_to = addr(a, slowport);
	slow_listener(&slow_to);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (long i = 0; i < n; i++) {
		pthread_t th;

		if (pthread_create(&th, &attr, slow_one, NULL) != 0)
			return perror("pthread_create"), 2;
	}
	for (int i = 0; i < 2000 && (k = in_connect()) < n; i++)
		usleep(10000);
	printf("pending %d\n", k);
	on_signal(SIGALRM, 0);
	alarm(20);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 2;
	t = now_us();
	rc = raw_connect(fd, &in);
	t = now_us() - t;
	alarm(0);
	if (rc == 0)
		printf("fast ok %lld\n", t);
	else
		printf("fast err %s\n", name(-rc));
	printf("slow done %d\n", slow_done);
	fflush(stdout);
	_exit(0); /* the slow threads are still inside connect */
}

/* A connect of fd to in, with SO_SNDTIMEO of ms first (0: as it is); prints "WHAT ok" or
 * "WHAT err NAME", with " early" when a timeout was set and it returned before it. */
static void
timed(const char *what, int fd, const struct sockaddr_in *in, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	long long t;
	long rc;

	if (ms > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		exit(2);
	t = now_us();
	rc = raw_connect(fd, in);
	t = now_us() - t;
	if (rc == 0)
		printf("%s ok\n", what);
	else
		printf("%s err %s%s\n", what, name(-rc), ms > 0 && t < ms * 1000 ? " early" : "");
}

static int
sndtimeo(const char *a, const char *slowport, long ms)
{
	struct sockaddr_in in = addr(a, slowport);
	int fd;

	slow_listener(&in);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 2;
	timed("first", fd, &in, ms);
	timed("again", fd, &in, ms);
	return 0;
}

static int
eintr(const char *a, const char *slowport)
{
	struct sockaddr_in in = addr(a, slowport);
	struct itimerval it = { { 0, 0 }, { 0, 200000 } };
	int fd;

	slow_listener(&in);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 2;
	on_signal(SIGALRM, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	timed("first", fd, &in, 0);
	timed("again", fd, &in, 300);
	return 0;
}

static int slow_l;

static void *
accept_later(void *arg)
{
	(void)arg;
	usleep(300000);
	close(accept(slow_l, NULL, NULL)); /* room in the queue for the next SYN */
	return NULL;
}

static int
restart(const char *a, const char *slowport)
{
	struct sockaddr_in in = addr(a, slowport);
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
	pthread_t t;
	sigset_t set;
	int fd;

	slow_l = slow_listener(&in);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 2;
	/* the signals go to this thread, which connects */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t, NULL, accept_later, NULL) != 0)
		return 2;
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	on_signal(SIGALRM, SA_RESTART);
	setitimer(ITIMER_REAL, &it, NULL);
	timed("connect", fd, &in, 0);
	return 0;
}

static int
refused(const char *a, const char *closed, const char *port)
{
	struct sockaddr_in no = addr(a, closed), in = addr(a, port);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 2;
	timed("first", fd, &no, 0);
	timed("again", fd, &in, 0);
	timed("third", fd, &in, 0);
	return 0;
}

static int
nonblock(const char *a, const char *slowport)
{
	struct sockaddr_in in = addr(a, slowport);
	long long t;
	long rc;
	int fd;

	slow_listener(&in);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		return 2;
	t = now_us();
	rc = raw_connect(fd, &in);
	t = now_us() - t;
	if (rc == 0)
		printf("ok%s\n", t >= 1000000 ? " late" : "");
	else
		printf("err %s%s\n", name(-rc), t >= 1000000 ? " late" : "");
	return 0;
}

static struct sockaddr_in shared;
static volatile int stop;
static unsigned short ports[2];

static void *
flipper(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !stop; i++)
		*(volatile unsigned short *)&shared.sin_port = ports[i & 1];
	return NULL;
}

static int
race(const char *a, const char *ok, const char *bad, long n)
{
	long nok = 0, nerr = 0;
	pthread_t t;

	shared = addr(a, ok);
	ports[0] = shared.sin_port;
	ports[1] = addr(a, bad).sin_port;
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		return 2;
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (raw_connect(fd, &shared) == 0)
			nok++;
		else
			nerr++;
		close(fd);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("ok %ld, err %ld\n", nok, nerr);
	return 0;
}

static int
forks(long n, const char *a, const char *ok, const char *bad)
{
	struct sockaddr_in in[2] = { addr(a, ok), addr(a, bad) };
	long right = 0, wrong = 0, rc;
	int st;

	for (long i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			return perror("fork"), 2;
		if (p == 0) {
			rc = connect_once(&in[i & 1]);
			_exit((i & 1) ? rc == -EACCES : rc == 0);
		}
	}
	while (wait(&st) > 0) {
		if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
			right++;
		else
			wrong++;
	}
	printf("right %ld wrong %ld\n", right, wrong);
	rc = connect_once(&in[0]);
	printf("after %s\n", rc == 0 ? "ok" : name(-rc));
	return 0;
}

static int
orphan(const char *a, const char *ok, const char *flag)
{
	struct sockaddr_in in = addr(a, ok);
	long rc = connect_once(&in);

	printf("before %s\n", rc == 0 ? "ok" : name(-rc));
	fflush(stdout);
	for (int i = 0; i < 2000 && access(flag, F_OK) != 0; i++)
		usleep(10000);
	usleep(100000); /* the supervisor's death reaches the kernel */
	rc = connect_once(&in);
	printf(rc == 0 ? "after ok\n" : "after err %s\n", name(-rc));
	return 0;
}

static void
said(const char *what, long rc)
{
	if (rc >= 0)
		printf("%s ok\n", what);
	else
		printf("%s err %s\n", what, name(-rc));
}

/* What the red team tried on the supervisor, each printed; then a connect. */
static int
reach(const char *a, const char *port)
{
	struct sockaddr_in in = addr(a, port);
	pid_t sup = getppid();
	char path[64], byte;
	struct iovec here = { &byte, 1 }, there = { (void *)&reach, 1 };
	long pidfd, rc, got = 0;
	int fd;

	pidfd = syscall(SYS_pidfd_open, sup, 0);
	said("pidfd_open", pidfd < 0 ? -errno : 0);
	rc = -EBADF;
	for (int n = 0; pidfd >= 0 && n < 64; n++) {
		long k = syscall(SYS_pidfd_getfd, (int)pidfd, n, 0);

		if (k >= 0)
			got++, close((int)k), rc = 0;
		else if (rc != 0 && errno != EBADF)
			rc = -errno;
	}
	said("pidfd_getfd", rc);
	rc = ptrace(PTRACE_SEIZE, sup, NULL, NULL);
	said("ptrace", rc < 0 ? -errno : 0);
	if (rc == 0)
		ptrace(PTRACE_DETACH, sup, NULL, NULL);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)sup);
	fd = open(path, O_RDWR | O_CLOEXEC);
	said("mem", fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	rc = process_vm_readv(sup, &here, 1, &there, 1, 0);
	said("process_vm_readv", rc < 0 && errno != EFAULT ? -errno : 0);
	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)sup);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	said("fd", fd < 0 && errno != ENOENT ? -errno : 0);
	if (fd >= 0)
		close(fd);
	rc = connect_once(&in);
	printf(rc == 0 ? "after ok\n" : "after err %s\n", name(-rc));
	return got ? 3 : 0;
}

int
main(int argc, char **argv)
{
	long rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "asm") == 0) {
		struct sockaddr_in in = addr(argv[2], argv[3]);

		rc = connect_once(&in);
		printf(rc == 0 ? "ok\n" : "err %s\n", name(-rc));
		return rc == 0 ? 0 : 1;
	}
	if (argc == 6 && strcmp(argv[1], "race") == 0)
		return race(argv[2], argv[3], argv[4], strtol(argv[5], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "forks") == 0)
		return forks(strtol(argv[2], NULL, 10), argv[3], argv[4], argv[5]);
	if (argc == 5 && strcmp(argv[1], "orphan") == 0)
		return orphan(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "reach") == 0)
		return reach(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "slow") == 0)
		return slow(strtol(argv[2], NULL, 10), argv[3], argv[4], argv[5]);
	if (argc == 5 && strcmp(argv[1], "sndtimeo") == 0)
		return sndtimeo(argv[2], argv[3], strtol(argv[4], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "eintr") == 0)
		return eintr(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "restart") == 0)
		return restart(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "refused") == 0)
		return refused(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "nonblock") == 0)
		return nonblock(argv[2], argv[3]);
	if (argc == 2 && strcmp(argv[1], "io_uring") == 0) {
		char params[120];

		memset(params, 0, sizeof(params));
		rc = raw3(SYS_io_uring_setup, 1, (long)params, 0);
		if (rc >= 0)
			close((int)rc);
		printf(rc >= 0 ? "ok\n" : "err %s\n", name(-rc));
		return rc >= 0 ? 0 : 1;
	}
	if (argc == 5 && strcmp(argv[1], "i386-raw4") == 0) {
		struct sockaddr_in in = addr(argv[2], "0");
		uint8_t pkt[64];
		size_t n = ip4_udp(pkt, NULL, argv[3], argv[4]);
		long fd = int80_3(I386_SOCKET, AF_INET, SOCK_RAW, IPPROTO_RAW);

		if (fd >= 0 && (rc = raw_connect((int)fd, &in)) == 0)
			rc = raw3(SYS_write, fd, (long)pkt, (long)n);
		else if (fd < 0)
			rc = fd;
		printf(rc >= 0 ? "ok\n" : "err %s\n", name(-rc));
		return rc >= 0 ? 0 : 1;
	}
	fputs("usage: supervise asm|race|forks|orphan|reach|slow|sndtimeo|eintr|restart|"
	      "refused|nonblock|io_uring|i386-raw4 ARGS...\n",
	    stderr);
	return 2;
}
