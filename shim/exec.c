/* exec.c - interposed exec family: the jail follows the program into what it executes.
 *
 * Each of glibc's exec functions is separate (none reaches another's wrapper), so each is
 * wrapped here: check that the preload can follow the new program (or an "allow exec" rule
 * names it), put the jail back into its environment, then exec.  Stack only: these run in
 * vfork children. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

/* via_syscall: syscall(SYS_execve) instead of libc's execve. */
__attribute__((hot)) long
nj_do_execve(int via_syscall, const char *call, const char *path, char *const argv[],
    char *const envp[])
{
	struct nj_start s = { .how = NJ_START_EXECVE, .via_syscall = via_syscall,
	    .path = path, .argv = argv };

	if (!NJ_READY(via_syscall, execve))
		return -1;
	if (path == NULL)
		return errno = EFAULT, -1;
	if (!nj_exec_check(call, AT_FDCWD, path, 0))
		return -1;
	return nj_start(&s, envp);
}

long
nj_do_execveat(int via_syscall, int dirfd, const char *path, char *const argv[],
    char *const envp[], int flags)
{
	struct nj_start s = { .how = NJ_START_EXECVEAT, .via_syscall = via_syscall,
	    .fd = dirfd, .flags = flags, .path = path, .argv = argv };

	if (!NJ_READY(via_syscall, execveat))
		return -1;
	if (path == NULL)
		return errno = EFAULT, -1;
	if (!nj_exec_check("execveat", dirfd, path, flags))
		return -1;
	return nj_start(&s, envp);
}

static int
do_execvpe(const char *call, const char *file, char *const argv[], char *const envp[])
{
	struct nj_start s = { .how = NJ_START_EXECVPE, .path = file, .argv = argv };

	if (!NJ_READY(0, execvpe))
		return -1;
	if (file == NULL || *file == '\0')
		return nj_real.execvpe(file, argv, envp);	/* fails with ENOENT/EFAULT */
	if (!nj_exec_check_search(call, file))
		return -1;
	return (int)nj_start(&s, envp);
}

__attribute__((hot)) NJ_EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)nj_do_execve(0, "execve", path, argv, envp);
}

__attribute__((hot)) NJ_EXPORT int
execv(const char *path, char *const argv[])
{
	return (int)nj_do_execve(0, "execv", path, argv, nj_environ());
}

NJ_EXPORT int
execvp(const char *file, char *const argv[])
{
	return do_execvpe("execvp", file, argv, nj_environ());
}

NJ_EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	return do_execvpe("execvpe", file, argv, envp);
}

NJ_EXPORT int
execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	return (int)nj_do_execveat(0, dirfd, path, argv, envp, flags);
}

NJ_EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	struct nj_start s = { .how = NJ_START_FEXECVE, .fd = fd, .argv = argv };

	if (!NJ_READY(0, fexecve))
		return -1;
	if (!nj_exec_check("fexecve", fd, "", AT_EMPTY_PATH))
		return -1;
	return (int)nj_start(&s, envp);
}

/* The execl family: the variadic arguments become an argv on the stack, as in glibc. */
static size_t
count_args(va_list ap)
{
	size_t n = 1;	/* arg0, already taken */

	while (va_arg(ap, char *) != NULL)
		n++;
	return n;
}

#define COLLECT(arg0, argv, n, ap) do {					\
	(argv)[0] = (char *)(arg0);					\
	for (size_t i_ = 1; i_ < (n); i_++)				\
		(argv)[i_] = va_arg(ap, char *);			\
} while (0)

NJ_EXPORT int
execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, arg0);
	n = count_args(ap);	/* arg0 is non-NULL: glibc declares it so */
	va_end(ap);
	{
		char *argv[n + 1];

		va_start(ap, arg0);
		COLLECT(arg0, argv, n, ap);
		va_end(ap);
		argv[n] = NULL;
		return (int)nj_do_execve(0, "execl", path, argv, nj_environ());
	}
}

NJ_EXPORT int
execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, arg0);
	n = count_args(ap);	/* arg0 is non-NULL: glibc declares it so */
	va_end(ap);
	{
		char *argv[n + 1];

		va_start(ap, arg0);
		COLLECT(arg0, argv, n, ap);
		va_end(ap);
		argv[n] = NULL;
		return do_execvpe("execlp", file, argv, nj_environ());
	}
}

NJ_EXPORT int
execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	size_t n;
	char *const *envp;

	va_start(ap, arg0);
	n = count_args(ap);	/* arg0 is non-NULL: glibc declares it so */
	envp = va_arg(ap, char *const *);	/* after the NULL that ends the arguments */
	va_end(ap);
	{
		char *argv[n + 1];

		va_start(ap, arg0);
		COLLECT(arg0, argv, n, ap);
		va_end(ap);
		argv[n] = NULL;
		return (int)nj_do_execve(0, "execle", path, argv, envp);
	}
}
