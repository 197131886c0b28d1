/* raw.h - system calls made with the instruction itself, not through libc's wrappers.
 *
 * For the code a fork child runs between fork and exec (the check that the preload can follow
 * the program): the child shares no page-table entries with its parent for libc's code, so
 * every libc wrapper it calls is a page fault, which costs more than the system call.  Each returns the kernel's answer: a result, or a negative errno (errno is
 * not touched).  On other architectures they fall back to libc's syscall(), errno kept. */
#ifndef NJ_SYSRAW_H
#define NJ_SYSRAW_H

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) && !defined(__ILP32__)
#define NJ_SYSRAW 1
static inline long
nj_sys4(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
	                 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define NJ_SYSRAW 1
static inline long
nj_sys4(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}
#else
#define NJ_SYSRAW 0
#endif

#if NJ_SYSRAW
#define NJ_SYS(n, a, b, c, d) nj_sys4((long)(n), (long)(a), (long)(b), (long)(c), (long)(d))
#else
#define NJ_SYS(n, a, b, c, d) nj_sys_libc((long)(n), (long)(a), (long)(b), (long)(c), (long)(d))
static inline long
nj_sys_libc(long n, long a, long b, long c, long d)
{
	int saved = errno;
	long r = syscall(n, a, b, c, d);

	if (r == -1)
		r = -errno;
	errno = saved;
	return r;
}
#endif

#endif
