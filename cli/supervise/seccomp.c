/* seccomp.c - the kernel side of netjail run --supervise: the filter the jailed command and
 * every descendant inherit, and the probe that says whether this kernel can run it.
 *
 * The filter (x86_64; classic BPF over struct seccomp_data):
 *
 *   arch x86_64, nr with the x32 bit      -> EACCES (x32 numbers would dodge the table below)
 *   arch x86_64:
 *     socket                              -> the socket check below
 *     connect(-1, _, NJ_SUPERVISED_PROBE) -> errno NJ_SUPERVISED_ERRNO (the shim's probe)
 *     connect                             -> user notification
 *     sendto with a destination pointer   -> user notification
 *     sendto without one                  -> allow (a connected socket: decided at connect)
 *     sendmsg, sendmmsg                   -> user notification (the destinations are behind
 *                                            pointers the filter cannot follow)
 *     io_uring_setup                      -> user notification (logged, then EACCES): io_uring
 *                                            operations never pass through seccomp
 *     recvfrom with an address pointer    -> user notification while the DNS relay is on
 *                                            (relay.c), else allow
 *     anything else                       -> allow
 *   arch i386 (a 32-bit program):
 *     socketcall, connect, sendto, sendmsg, sendmmsg, io_uring_setup -> EACCES
 *     socket                              -> the socket check below
 *     anything else                       -> allow
 *   any other arch                        -> EACCES
 *
 *   the socket check (its arguments are values, read here; nj_socket_family says the same in C):
 *     a raw IP socket (SOCK_RAW of AF_INET, AF_INET6) -> allow when the rules allow family
 *                                            raw, else user notification (logged, then EACCES)
 *     a packet socket (AF_PACKET; AF_INET SOCK_PACKET) -> the same for family packet
 *     an XDP socket (AF_XDP)              -> the same for family xdp
 *     any other socket                    -> allow
 *   The rules do not change once loaded, so the filter is built knowing them: a program that
 *   is allowed its raw sockets makes them at no cost, and a refusal is asked about only so
 *   that it is logged (in audit mode, logged and let through).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/intake.h"
#include "cli/supervise/supervise.h"

#if defined(__x86_64__)

#define DATA(f) ((unsigned)offsetof(struct seccomp_data, f))
#define ARG_LO(i) (DATA(args) + 8u * (i)) /* little-endian: the low half first */
#define ARG_HI(i) (DATA(args) + 8u * (i) + 4u)
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define AND(k) BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (k))
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

/* A jump skips that many instructions; jumps go forward only.  Each says where it lands.  The
 * verdicts on raw IP, packet and XDP sockets and on recvfrom with an address are set when the
 * filter is installed (AT_RAW, AT_PACKET, AT_XDP, AT_RECV). */
static const struct sock_filter program[] = {
	/* 0 */ LD(DATA(arch)),
	/* 1 */ JEQ(AUDIT_ARCH_X86_64, 2, 0), /* -> 4 */
	/* 2 */ JEQ(AUDIT_ARCH_I386, 23, 0), /* -> 26 */
	/* 3 */ RET(EACCESS),
	/* x86_64 */
	/* 4 */ LD(DATA(nr)),
	/* 5 */ JGE(X32_BIT, 19, 0), /* -> 25 */
	/* 6 */ JEQ(__NR_socket, 29, 0), /* -> 36 */
	/* 7 */ JEQ(__NR_connect, 6, 0), /* -> 14 */
	/* 8 */ JEQ(__NR_sendto, 10, 0), /* -> 19 */
	/* 9 */ JEQ(__NR_sendmsg, 14, 0), /* -> 24 */
	/* 10 */ JEQ(__NR_sendmmsg, 13, 0), /* -> 24 */
	/* 11 */ JEQ(__NR_io_uring_setup, 12, 0), /* -> 24 */
	/* 12 */ JEQ(__NR_recvfrom, 38, 0), /* -> 51 */
	/* 13 */ RET(ALLOW),
	/* connect: the probe is fd -1 with the magic length; any other is asked about */
	/* 14 */ LD(ARG_LO(0)),
	/* 15 */ JEQ(0xffffffffu, 0, 8), /* -> 24 */
	/* 16 */ LD(ARG_LO(2)),
	/* 17 */ JEQ(NJ_SUPERVISED_PROBE, 0, 6), /* -> 24 */
	/* 18 */ RET(PROBED),
	/* sendto: a destination pointer (args[4], either half) is asked about */
	/* 19 */ LD(ARG_LO(4)),
	/* 20 */ JEQ(0, 0, 3), /* -> 24 */
	/* 21 */ LD(ARG_HI(4)),
	/* 22 */ JEQ(0, 0, 1), /* -> 24 */
	/* 23 */ RET(ALLOW),
	/* 24 */ RET(NOTIFY),
	/* 25 */ RET(EACCESS),
	/* i386 */
	/* 26 */ LD(DATA(nr)),
	/* 27 */ JEQ(I386_SOCKETCALL, 7, 0), /* -> 35 */
	/* 28 */ JEQ(I386_CONNECT, 6, 0), /* -> 35 */
	/* 29 */ JEQ(I386_SENDTO, 5, 0), /* -> 35 */
	/* 30 */ JEQ(I386_SENDMSG, 4, 0), /* -> 35 */
	/* 31 */ JEQ(I386_SENDMMSG, 3, 0), /* -> 35 */
	/* 32 */ JEQ(I386_IO_URING, 2, 0), /* -> 35 */
	/* 33 */ JEQ(NJ_I386_SOCKET, 2, 0), /* -> 36 */
	/* 34 */ RET(ALLOW),
	/* 35 */ RET(EACCESS),
	/* socket(domain, type, protocol), either arch: the int arguments are the low halves, and
	 * of the type the kernel keeps the bits of NJ_SOCK_TYPE_MASK */
	/* 36 */ LD(ARG_LO(0)),
	/* 37 */ JEQ(AF_PACKET, 11, 0), /* -> 49 */
	/* 38 */ JEQ(AF_XDP, 11, 0), /* -> 50 */
	/* 39 */ JEQ(AF_INET6, 4, 0), /* -> 44 */
	/* 40 */ JEQ(AF_INET, 0, 6), /* -> 47 */
	/* 41 */ LD(ARG_LO(1)),
	/* 42 */ AND(NJ_SOCK_TYPE_MASK),
	/* 43 */ JEQ(SOCK_PACKET, 5, 2), /* -> 49, 46 (the kernel makes a packet socket of it) */
	/* 44 */ LD(ARG_LO(1)),
	/* 45 */ AND(NJ_SOCK_TYPE_MASK),
	/* 46 */ JEQ(SOCK_RAW, 1, 0), /* -> 48 */
	/* 47 */ RET(ALLOW),
	/* 48 */ RET(NOTIFY), /* AT_RAW */
	/* 49 */ RET(NOTIFY), /* AT_PACKET */
	/* 50 */ RET(NOTIFY), /* AT_XDP */
	/* recvfrom: with an address pointer (args[4], either half), asked about while the DNS
	 * relay is on (notify.c: an answer from a face of the relay names its nameserver) */
	/* 51 */ LD(ARG_LO(4)),
	/* 52 */ JEQ(0, 0, 3), /* -> 56 */
	/* 53 */ LD(ARG_HI(4)),
	/* 54 */ JEQ(0, 0, 1), /* -> 56 */
	/* 55 */ RET(ALLOW),
	/* 56 */ RET(NOTIFY), /* AT_RECV */
};
#define NPROGRAM (sizeof(program) / sizeof(program[0]))
#define AT_RAW 48u
#define AT_PACKET 49u
#define AT_XDP 50u
#define AT_RECV 56u
_Static_assert(NPROGRAM == 57, "the AT_ indexes name the program's verdicts: renumber them");

/* Allowed or asked about: the verdict on the sockets socket(domain, type) makes. */
static unsigned
verdict(const struct nj_rules *set, int domain, int type)
{
	struct nj_dest d;

	return nj_socket_dest(&d, domain, type) && nj_decide(set, &d, NULL) ? ALLOW : NOTIFY;
}

int
nj_seccomp_install(const struct nj_rules *set, int relay)
{
	struct sock_filter p[NPROGRAM];
	struct sock_fprog prog = { .len = (unsigned short)NPROGRAM, .filter = p };
	long fd;

	memcpy(p, program, sizeof(p));
	if (p[AT_RAW].code != (BPF_RET | BPF_K) || p[AT_PACKET].code != (BPF_RET | BPF_K) ||
	    p[AT_XDP].code != (BPF_RET | BPF_K) || p[AT_RECV].code != (BPF_RET | BPF_K))
		return -EINVAL; /* (a verdict moved: the filter would be wrong, so none) */
	p[AT_RAW].k = verdict(set, AF_INET, SOCK_RAW);
	p[AT_PACKET].k = verdict(set, AF_PACKET, SOCK_RAW);
	p[AT_XDP].k = verdict(set, AF_XDP, SOCK_RAW);
	p[AT_RECV].k = relay ? NOTIFY : ALLOW;

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
nj_seccomp_install(const struct nj_rules *set, int relay)
{
	(void)set;
	(void)relay;
	return -ENOSYS;
}

const char *
nj_seccomp_unsupported(void)
{
	return "its seccomp filter is written for x86_64 only, for now";
}

#endif
