/* seccomp.c - the kernel side of netjail run --supervise: the filter the jailed command and
 * every descendant inherit, and the probe that says whether this kernel can run it.
 *
 * The filter (x86_64; classic BPF over struct seccomp_data):
 *
 *   arch x86_64, nr with the x32 bit      -> EACCES (x32 numbers would dodge the table below)
 *   arch x86_64:
 *     connect(-1, _, NJ_SUPERVISED_PROBE) -> errno NJ_SUPERVISED_ERRNO (the shim's probe)
 *     connect                             -> user notification
 *     sendto with a destination pointer   -> user notification
 *     sendto without one                  -> allow (a connected socket: decided at connect)
 *     sendmsg, sendmmsg                   -> user notification (the destinations are behind
 *                                            pointers the filter cannot follow)
 *     io_uring_setup                      -> user notification (logged, then EACCES): io_uring
 *                                            operations never pass through seccomp
 *     anything else                       -> allow
 *   arch i386 (a 32-bit program):
 *     socketcall, connect, sendto, sendmsg, sendmmsg, io_uring_setup -> EACCES
 *     anything else                       -> allow
 *   any other arch                        -> EACCES
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/supervise/supervise.h"

#if defined(__x86_64__)

#define DATA(f) ((unsigned)offsetof(struct seccomp_data, f))
#define ARG_LO(i) (DATA(args) + 8u * (i)) /* little-endian: the low half first */
#define ARG_HI(i) (DATA(args) + 8u * (i) + 4u)
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGE(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

#define X32_BIT 0x40000000u
#define I386_SOCKETCALL 102u /* the i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
#define I386_SENDMMSG 345u
#define I386_CONNECT 362u
#define I386_SENDTO 369u
#define I386_SENDMSG 370u
#define I386_IO_URING 425u

#define ALLOW SECCOMP_RET_ALLOW
#define NOTIFY SECCOMP_RET_USER_NOTIF
#define EACCESS (SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA))
#define PROBED (SECCOMP_RET_ERRNO | (NJ_SUPERVISED_ERRNO & SECCOMP_RET_DATA))

/* A jump skips that many instructions; jumps go forward only.  Each says where it lands. */
static struct sock_filter program[] = {
	/* 0 */ LD(DATA(arch)),
	/* 1 */ JEQ(AUDIT_ARCH_X86_64, 2, 0), /* -> 4 */
	/* 2 */ JEQ(AUDIT_ARCH_I386, 21, 0), /* -> 24 */
	/* 3 */ RET(EACCESS),
	/* x86_64 */
	/* 4 */ LD(DATA(nr)),
	/* 5 */ JGE(X32_BIT, 17, 0), /* -> 23 */
	/* 6 */ JEQ(__NR_connect, 5, 0), /* -> 12 */
	/* 7 */ JEQ(__NR_sendto, 9, 0), /* -> 17 */
	/* 8 */ JEQ(__NR_sendmsg, 13, 0), /* -> 22 */
	/* 9 */ JEQ(__NR_sendmmsg, 12, 0), /* -> 22 */
	/* 10 */ JEQ(__NR_io_uring_setup, 11, 0), /* -> 22 */
	/* 11 */ RET(ALLOW),
	/* connect: the probe is fd -1 with the magic length; any other is asked about */
	/* 12 */ LD(ARG_LO(0)),
	/* 13 */ JEQ(0xffffffffu, 0, 8), /* -> 22 */
	/* 14 */ LD(ARG_LO(2)),
	/* 15 */ JEQ(NJ_SUPERVISED_PROBE, 0, 6), /* -> 22 */
	/* 16 */ RET(PROBED),
	/* sendto: a destination pointer (args[4], either half) is asked about */
	/* 17 */ LD(ARG_LO(4)),
	/* 18 */ JEQ(0, 0, 3), /* -> 22 */
	/* 19 */ LD(ARG_HI(4)),
	/* 20 */ JEQ(0, 0, 1), /* -> 22 */
	/* 21 */ RET(ALLOW),
	/* 22 */ RET(NOTIFY),
	/* 23 */ RET(EACCESS),
	/* i386 */
	/* 24 */ LD(DATA(nr)),
	/* 25 */ JEQ(I386_SOCKETCALL, 6, 0), /* -> 32 */
	/* 26 */ JEQ(I386_CONNECT, 5, 0), /* -> 32 */
	/* 27 */ JEQ(I386_SENDTO, 4, 0), /* -> 32 */
	/* 28 */ JEQ(I386_SENDMSG, 3, 0), /* -> 32 */
	/* 29 */ JEQ(I386_SENDMMSG, 2, 0), /* -> 32 */
	/* 30 */ JEQ(I386_IO_URING, 1, 0), /* -> 32 */
	/* 31 */ RET(ALLOW),
	/* 32 */ RET(EACCESS),
};

int
nj_seccomp_install(void)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(program) / sizeof(program[0])),
		.filter = program,
	};
	long fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -errno : (int)fd;
}

const char *
nj_seccomp_unsupported(void)
{
	unsigned int action = SECCOMP_RET_USER_NOTIF;
	long pidfd;

	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0)
		return "this kernel has no seccomp user notifications (they need Linux 5.0 or "
		       "later, built with CONFIG_SECCOMP_FILTER)";
	if ((pidfd = syscall(SYS_pidfd_open, getpid(), 0)) < 0)
		return "this kernel has no pidfd_open (it needs Linux 5.3 or later)";
	if (syscall(SYS_pidfd_getfd, (int)pidfd, 0, 0) < 0 && errno == ENOSYS) {
		close((int)pidfd);
		return "this kernel has no pidfd_getfd (it needs Linux 5.6 or later)";
	}
	close((int)pidfd);
	return NULL;
}

#else

int
nj_seccomp_install(void)
{
	return -ENOSYS;
}

const char *
nj_seccomp_unsupported(void)
{
	return "its seccomp filter is written for x86_64 only, for now";
}

#endif
