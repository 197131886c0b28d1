/* syscall.c - interposed syscall(): the socket numbers get the same checks as their libc
 * functions, io_uring_setup is denied, and every other number passes straight through.
 *
 * Programs call syscall() for unrelated numbers at high rates (a JVM calls syscall(gettid)
 * thousands of times at start), so the pass-through is a switch and one call. */
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

NJ_EXPORT long
syscall(long nr, ...)
{
	va_list ap;
	long a, b, c, d, e, f;

	/* the kernel takes six arguments; reading six is what libc's own syscall() does */
	va_start(ap, nr);
	a = va_arg(ap, long);
	b = va_arg(ap, long);
	c = va_arg(ap, long);
	d = va_arg(ap, long);
	e = va_arg(ap, long);
	f = va_arg(ap, long);
	va_end(ap);

	switch (nr) {
	case SYS_socket: return nj_do_socket(1, "syscall(socket)", (int)a, (int)b, (int)c);
	case SYS_connect:
		return nj_do_connect(1, "syscall(connect)", (int)a,
		    (const struct sockaddr *)(uintptr_t)b, (socklen_t)c);
	case SYS_sendto:
		return nj_do_sendto(1, (int)a, (const void *)(uintptr_t)b, (size_t)c, (int)d,
		    (const struct sockaddr *)(uintptr_t)e, (socklen_t)f);
	case SYS_sendmsg:
		return nj_do_sendmsg(1, (int)a, (const struct msghdr *)(uintptr_t)b, (int)c);
	case SYS_sendmmsg:
		return nj_do_sendmmsg(1, (int)a, (struct mmsghdr *)(uintptr_t)b, (unsigned int)c,
		    (int)d);
	case SYS_execve:
		return nj_do_execve(1, "syscall(execve)", (const char *)(uintptr_t)a,
		    (char *const *)(uintptr_t)b, (char *const *)(uintptr_t)c);
	case SYS_execveat:
		return nj_do_execveat(1, (int)a, (const char *)(uintptr_t)b,
		    (char *const *)(uintptr_t)c, (char *const *)(uintptr_t)d, (int)e);
#ifdef SYS_io_uring_setup
	case SYS_io_uring_setup:
		if (!nj_deny_msg("io_uring_setup", NJ_WHY_IO_URING, "",
		        "io_uring makes connections without "
		        "libc, where netjail cannot check them"))
			return -1;
		break;
#endif
	default: break;
	}
	if (__builtin_expect(nj_real.syscall == NULL, 0) && !NJ_READY(1, syscall))
		return -1;
	return nj_real.syscall(nr, a, b, c, d, e, f);
}
