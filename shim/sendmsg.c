/* sendmsg.c - interposed sendmsg(2): msg_name is checked (TCP Fast Open included). */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

long
nj_do_sendmsg(int via_syscall, int fd, const struct msghdr *msg, int flags)
{
	struct nj_sdest sd;
	struct msghdr m;

	if (!NJ_READY(via_syscall, sendmsg))
		return -1;
	if (msg == NULL || msg->msg_name == NULL || msg->msg_namelen == 0)
		return via_syscall ? nj_real.syscall(SYS_sendmsg, fd, msg, flags) :
		                     nj_real.sendmsg(fd, msg, flags);
	/* the kernel gets our copy of the header too, so no thread can swap msg_name after
	 * the check */
	memcpy(&m, msg, sizeof(m));
	if (!nj_sdest_take(&sd, fd, m.msg_name, m.msg_namelen, NJ_OP_SEND, "sendmsg"))
		return -1;
	if (!sd.bad) {
		m.msg_name = &sd.ss;
		m.msg_namelen = sd.len;
	}
	return via_syscall ? nj_real.syscall(SYS_sendmsg, fd, &m, flags) :
	                     nj_real.sendmsg(fd, &m, flags);
}

NJ_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return nj_do_sendmsg(0, fd, msg, flags);
}
