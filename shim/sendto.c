/* sendto.c - interposed sendto(2): a destination given is checked (TCP Fast Open included). */
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

long
nj_do_sendto(int via_syscall, int fd, const void *buf, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	struct nj_sdest sd;

	if (!NJ_READY(via_syscall, sendto))
		return -1;
	if (sa == NULL || len == 0) {
		/* no destination: the connected peer, already checked at connect */
		return via_syscall ? nj_real.syscall(SYS_sendto, fd, buf, n, flags, NULL, 0) :
		                     nj_real.sendto(fd, buf, n, flags, NULL, 0);
	}
	if (!nj_sdest_take(&sd, fd, sa, len, NJ_OP_SEND, "sendto"))
		return -1;
	if (sd.bad) {
		return via_syscall ? nj_real.syscall(SYS_sendto, fd, buf, n, flags, sa, len) :
		                     nj_real.sendto(fd, buf, n, flags, sa, len);
	}
	sa = (const struct sockaddr *)&sd.ss;
	return via_syscall ? nj_real.syscall(SYS_sendto, fd, buf, n, flags, sa, sd.len) :
	                     nj_real.sendto(fd, buf, n, flags, sa, sd.len);
}

NJ_EXPORT ssize_t
sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *sa, socklen_t len)
{
	return nj_do_sendto(0, fd, buf, n, flags, sa, len);
}
