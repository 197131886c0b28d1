/* supervise.h - private to netjail run --supervise: seccomp.c (the filter), supervise.c (the
 * launch and the workers), notify.c (one notification: read, decide, answer, log), pending.c
 * (the connects under way, answered when they end). */
#ifndef NJ_SUPERVISE_H
#define NJ_SUPERVISE_H

#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "sys/exec.h"
#include "sys/sys.h"

/* In the child, before exec: PR_SET_NO_NEW_PRIVS, then the filter (seccomp.c's comment), built
 * for the rule set set and whether the DNS relay is on, with a new listener.  Returns the
 * listener (close-on-exec) or -errno. */
int nj_seccomp_install(const struct nj_rules *set, int relay);

/* socket(2) of a 32-bit (i386) program: the one i386 number the filter asks about
 * (arch/x86/entry/syscalls/syscall_32.tbl) */
#define NJ_I386_SOCKET 359u

/* NULL when this kernel and machine can run the supervisor, else why not (a static string). */
const char *nj_seccomp_unsupported(void);

/* What every worker shares; immutable once the workers start. */
struct nj_super {
	int listener; /* the seccomp listener */
	const struct nj_rules *set;
	int audit; /* log "would deny" and let the call proceed */
	struct nj_log log; /* where and how denials are written */
	int relay; /* the DNS relay is on (relay.c): host rules, or audit mode */
	struct nj_answers *answers; /* the tree's answers (the relay writes them), or NULL */
};

/* ioctl's request: unsigned long in glibc, int in musl (the same bits) */
#ifdef __GLIBC__
#define NJ_IOCTL_REQ(r) (r)
#else
#define NJ_IOCTL_REQ(r) ((int)(r))
#endif

/* msg_iovlen and msg_controllen of a struct msghdr read from a caller, as the kernel reads
 * them: size_t, also where the C library declares int and socklen_t with padding beside
 * (musl, 64-bit: before the field on big-endian machines, after it on little-endian).  field
 * points at the field; the kernel's word is the aligned one holding it. */
static inline size_t
nj_kernel_len(const void *field)
{
	const char *at = (const char *)field - (uintptr_t)field % sizeof(size_t);
	size_t v;

	__builtin_memcpy(&v, at, sizeof(v));
	return v;
}

#define NJ_WORKERS_MAX 512 /* threads answering notifications (supervise.c) */
#define NJ_PIDFDS_KEPT 64 /* pidfds of callers kept open (notify.c) */
#define NJ_RELAY_FDS 2048 /* descriptors the DNS relay holds at most, a margin included (relay.c) */

/* Answer one notification: read what the caller passed from its memory, decide as the
 * preload would, log a denial, and send the answer (connect performed here, on our copy;
 * see notify.c).  Safe from any number of threads at once.  A TCP connect still under way is
 * handed to pending.c, which answers it when it ends; a unix connect blocks as long as it
 * takes, and so does a TCP one when that set is full. */
void nj_notify_handle(const struct nj_super *s, const struct seccomp_notif *req);

/* Start the thread that waits for the connects under way (pending.c).  0 or -errno. */
int nj_pending_start(const struct nj_super *s);

/* Hand over a connect under way: fd (our copy of the caller's socket, which pending.c closes
 * from now on), the notification id, the socket's inode, what to answer when deadline passes
 * (-EINPROGRESS or -EALREADY) and the deadline (CLOCK_MONOTONIC nanoseconds, 0: none).
 * 0 when taken; -1 when the set is full (fd stays the caller's). */
int nj_pending_add(__u64 id, int fd, ino_t ino, int expired, uint64_t deadline);

/* The end of a connect under way on the TCP socket fd: 1 while the handshake goes on; else 0
 * with *res what a blocking connect returns (0 or -errno; a failed socket is left
 * unconnected, as a failed blocking connect leaves it). */
int nj_connect_settle(int fd, int *res);

/* When a blocking connect on fd, started now, gives up: now + SO_SNDTIMEO, or 0 (none). */
uint64_t nj_connect_deadline(int fd);

/* The program's name (the last part of argv[0]) of thread pid into prog, as the preload's
 * lines give it; returns its process id. */
unsigned long nj_notify_who(pid_t pid, char *prog, size_t size);

/* ---- relay.c: the DNS relay (SPEC.md §8a) ---- */

/* Start the relay's thread.  0 or -errno. */
int nj_relay_start(const struct nj_super *s);
/* Is an allowed destination d of a socket of this type (SOCK_DGRAM, SOCK_STREAM) one the relay
 * stands between: port 53 of an IP address, with the relay on? */
int nj_relay_wants(const struct nj_super *s, const struct nj_dest *d, int type);
/* Register sock (our copy of the caller's socket, of family fam; bound here if it is not yet)
 * as a client of nameserver d, for pid, and give the address of d's face that the socket is
 * to be connected or sent to instead (to, len).  0, or -errno (nothing registered). */
int nj_relay_redirect(int sock, int fam, int stream, const struct nj_dest *d, pid_t pid,
    struct sockaddr_storage *to, socklen_t *len);
/* A query (msg, n bytes: the caller's, copied) sent on the UDP socket of inode ino to the face
 * whose port is face_port (the socket's peer, or the destination it was given), forwarded by the worker that answers the send itself: judged (REFUSED to the
 * socket from the face, or dropped, both logged), sent to the nameserver and recorded as
 * asked, without the hop through the face and the relay's thread.  n, or -ENOENT when no flow
 * names the socket (the caller then sends to the face), or -errno. */
ssize_t nj_relay_forward(ino_t ino, uint16_t face_port, const uint8_t *msg, size_t n);
/* Is the UDP socket of inode ino one the relay answers (recvfrom is then answered here)? */
int nj_relay_serves(ino_t ino);
/* If from is the address of a face, replace it with its nameserver's (port 53, in from's
 * family), *len with its length: 1; else 0. */
int nj_relay_unface(struct sockaddr_storage *from, socklen_t *len);

/* When the tree has exited: the lines rate-limiting held back since their last summary. */
void nj_notify_flush(const struct nj_super *s);

#endif
