/* socket.c - interposed socket(2): a socket that writes headers of its own (a raw IP, packet
 * or XDP socket: sys/intake.h, nj_socket_family) is made only when the rules allow it, since no
 * check of an address on connect or send sees where its packets go.  Every other socket passes
 * straight through, without loading the rules. */
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

static inline __attribute__((always_inline)) long
make(int via_syscall, int domain, int type, int protocol)
{
	return via_syscall ? nj_real.syscall(SYS_socket, domain, type, protocol) :
	                     nj_real.socket(domain, type, protocol);
}

/* A socket the rules judge, in a frame of its own: the common path then needs none. */
static __attribute__((noinline, cold)) long
judged(int via_syscall, const char *call, int domain, int type, int protocol)
{
	struct nj_dest d;

	if (nj_socket_dest(&d, domain, type) && !nj_dest_decide(call, &d))
		return -1;
	return make(via_syscall, domain, type, protocol);
}

static inline __attribute__((always_inline)) long
do_socket(int via_syscall, const char *call, int domain, int type, int protocol)
{
	if (!NJ_READY(via_syscall, socket))
		return -1;
	if (__builtin_expect(nj_socket_family(domain, type) != 0, 0))
		return judged(via_syscall, call, domain, type, protocol);
	return make(via_syscall, domain, type, protocol);
}

long
nj_do_socket(int via_syscall, const char *call, int domain, int type, int protocol)
{
	return do_socket(via_syscall, call, domain, type, protocol);
}

NJ_EXPORT int
socket(int domain, int type, int protocol)
{
	return (int)do_socket(0, "socket", domain, type, protocol);
}
