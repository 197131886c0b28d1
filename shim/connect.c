/* connect.c - interposed connect(2) and glibc's exported alias __connect. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

/* via: 0 connect, 1 syscall(SYS_connect), 2 __connect.  Inline into each entry point: a
 * call less on every connect. */
static inline __attribute__((always_inline)) long
do_connect(int via, const char *call, int fd, const struct sockaddr *sa, socklen_t len)
{
	int (*fn)(int, const struct sockaddr *, socklen_t);
	struct nj_sdest sd;

	if (!NJ_READY(via == 1, connect))
		return -1;
	if (!nj_sdest_take(&sd, fd, sa, len, NJ_OP_CONNECT, call))
		return -1;
	if (!sd.bad)
		sa = (const struct sockaddr *)&sd.ss, len = sd.len;
	/* else audit mode let a malformed address through: as the caller gave it */
	if (via == 1)
		return nj_real.syscall(SYS_connect, fd, sa, len);
	fn = via == 2 ? nj_real.connect_ : nj_real.connect;
	return fn(fd, sa, len);
}

long
nj_do_connect(int via, const char *call, int fd, const struct sockaddr *sa, socklen_t len)
{
	return do_connect(via, call, fd, sa, len);
}

NJ_EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (int)do_connect(0, "connect", fd, sa, len);
}

int __connect(int fd, const struct sockaddr *sa, socklen_t len); /* glibc has no prototype */

NJ_EXPORT int
__connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (int)do_connect(2, "__connect", fd, sa, len);
}
