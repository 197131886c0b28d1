/* supervise.h - private to netjail run --supervise: seccomp.c (the filter), supervise.c (the
 * launch and the workers), notify.c (one notification: read, decide, answer, log), pending.c
 * (the connects under way, answered when they end). */
#ifndef NJ_SUPERVISE_H
#define NJ_SUPERVISE_H

#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "sys/exec.h"
#include "sys/sys.h"

/* In the child, before exec: PR_SET_NO_NEW_PRIVS, then the filter (seccomp.c's comment), built
 * for the rule set set, with a new listener.  Returns the listener (close-on-exec) or -errno. */
int nj_seccomp_install(const struct nj_rules *set);

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
};

#define NJ_WORKERS_MAX 512 /* threads answering notifications (supervise.c) */

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

/* When the tree has exited: the lines rate-limiting held back since their last summary. */
void nj_notify_flush(const struct nj_super *s);

#endif
