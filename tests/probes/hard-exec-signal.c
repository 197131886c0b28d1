/* hard-exec-signal.c - a signal handler that execs while the shim is in the middle of
 * checking another exec on the same thread (tests/shell/hardening.sh).
 *
 *   hard-exec-signal OUTER INNER
 *
 * The shim checks whether it can follow a program with a per-thread scratch buffer
 * (shim/child.c).  Here the check of OUTER is interrupted at a chosen point: a seccomp filter
 * turns the shim's pread of OUTER's program headers (at offset 2048, past the first 1 KiB
 * it has read) into SIGSYS, and the handler does that read itself and then execs INNER, whose
 * check runs inside the outer one.  OUTER is a statically linked ELF (to the check: program
 * headers and no PT_INTERP), INNER a dynamically linked one without execute permission (its
 * check passes, its exec fails with EACCES).  Had the inner check used the outer one's buffer,
 * the outer one would go on reading INNER's headers, find INNER's loader, and let OUTER
 * through.
 * Prints "outer=ERR inner=ERR traps=N": how each execve failed ("ok" never shows: OUTER
 * cannot run) and how many times the filter fired; "skip: ..." off x86-64.  Exit 0, or 2
 * when the setup fails. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

extern char **environ;

#ifdef __x86_64__
static const char *inner;
static volatile sig_atomic_t traps;
static volatile int inner_errno = -1;

static void
on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	greg_t *r = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	int fd = (int)r[REG_RDI];
	char *buf = (char *)r[REG_RSI];
	size_t n = (size_t)r[REG_RDX];
	off_t off = (off_t)r[REG_R10];
	char *argv[] = { (char *)inner, NULL };
	ssize_t got;
	int saved = errno;

	(void)sig, (void)si;
	/* the read the filter stopped, made another way (lseek + read: not trapped) */
	got = lseek(fd, off, SEEK_SET) == off ? read(fd, buf, n) : -1;
	r[REG_RAX] = got < 0 ? -errno : got;
	if (traps++ == 0) {
		execve(inner, argv, environ);
		inner_errno = errno;
	}
	errno = saved;
}

static const char *
err(int e)
{
	return e == 0    ? "ok" :
	    e == EACCES  ? "EACCES" :
	    e == ENOEXEC ? "ENOEXEC" :
	    e == ENOENT  ? "ENOENT" :
	    e == -1      ? "none" :
	                   strerror(e);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pread64, 0, 3),
		/* the offset, the fourth argument: its low 32 bits */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2048, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	char *oargv[] = { argv[1], NULL };
	int outer_errno;

	if (argc != 3)
		return fprintf(stderr, "usage: hard-exec-signal OUTER INNER\n"), 2;
	inner = argv[2];
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return perror("hard-exec-signal: setup"), 2;
	execve(argv[1], oargv, environ);
	outer_errno = errno;
	printf("outer=%s inner=%s traps=%d\n", err(outer_errno), err(inner_errno), (int)traps);
	return 0;
}
#else
int
main(void)
{
	puts("skip: the handler reads x86-64 registers");
	return 0;
}
#endif
