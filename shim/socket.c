/* socket.c - interposed socket(2): a socket that writes headers of its own (a raw IP socket, a
 * packet socket: sys/intake.h, nj_socket_dest) is made only when the rules allow it, since no
 * check of an address on connect or send sees where its packets go.  Every other socket passes
 * straight through, without loading the rules. */
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

long
nj_do_socket(int via_syscall, const char *call, int domain, int type, int protocol)
{
	struct nj_dest d;

	if (!NJ_READY(via_syscall, socket))
		return -1;
	if (__builtin_expect(nj_socket_dest(&d, domain, type), 0) && !nj_dest_decide(call, &d))
		return -1;
	return via_syscall ? nj_real.syscall(SYS_socket, domain, type, protocol) :
	                     nj_real.socket(domain, type, protocol);
}

NJ_EXPORT int
socket(int domain, int type, int protocol)
{
	return (int)nj_do_socket(0, "socket", domain, type, protocol);
}
