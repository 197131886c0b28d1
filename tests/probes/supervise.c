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
 * Exits 0 when it could run its steps (the verdicts are printed), 2 on a setup failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
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
	fputs("usage: supervise asm|race|forks|orphan|reach|io_uring|i386-raw4 ARGS...\n", stderr);
	return 2;
}
