/* sendmmsg.c - interposed sendmmsg(2): every message's destination is checked.
 *
 * If the first message is denied the call fails with EACCES; otherwise the messages before
 * the first denied one are sent and their count returned (SPEC.md §5).  Messages go to the
 * kernel in batches of private copies, so the stack stays small whatever vlen is. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

#define BATCH 16
#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024 /* the kernel's cap on vlen */
#endif

long
nj_do_sendmmsg(int via_syscall, int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct mmsghdr cp[BATCH];
	struct nj_sdest sd[BATCH];
	unsigned int total = 0;
	int saved0 = errno;

	if (!NJ_READY(via_syscall, sendmmsg))
		return -1;
	if (vec == NULL)
		return via_syscall ? nj_real.syscall(SYS_sendmmsg, fd, vec, vlen, flags) :
		                     nj_real.sendmmsg(fd, vec, vlen, (nj_mmsg_flags)flags);
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (total < vlen) {
		unsigned int k = vlen - total < BATCH ? vlen - total : BATCH, ok = 0;
		int denied = 0, saved;
		long r;

		for (; ok < k; ok++) {
			struct msghdr *m = &cp[ok].msg_hdr;

			memcpy(&cp[ok], &vec[total + ok], sizeof(cp[ok]));
			if (m->msg_name == NULL || m->msg_namelen == 0)
				continue;
			if (!nj_sdest_take(&sd[ok], fd, m->msg_name, m->msg_namelen, NJ_OP_SEND,
			        "sendmmsg")) {
				denied = 1;
				break;
			}
			if (!sd[ok].bad) {
				m->msg_name = &sd[ok].ss;
				m->msg_namelen = sd[ok].len;
			}
		}
		if (ok == 0) {
			if (total == 0)
				return errno = EACCES, -1;
			break;
		}
		saved = errno;
		r = via_syscall ? nj_real.syscall(SYS_sendmmsg, fd, cp, ok, flags) :
		                  nj_real.sendmmsg(fd, cp, ok, (nj_mmsg_flags)flags);
		if (r < 0) {
			if (total == 0)
				return -1;
			break; /* some were sent: that count is the answer */
		}
		for (long i = 0; i < r; i++)
			vec[total + (unsigned int)i].msg_len = cp[i].msg_len;
		total += (unsigned int)r;
		if ((unsigned int)r < ok || denied)
			break;
		errno = saved;
	}
	errno = saved0;
	return total;
}

NJ_EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, nj_mmsg_flags flags)
{
	return (int)nj_do_sendmmsg(0, fd, vec, vlen, (int)flags);
}
