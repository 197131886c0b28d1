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

#include "shim/shim.h"

/* via_syscall: syscall(SYS_execve) instead of libc's execve. */
NJ_CHILD_CODE long
nj_do_execve(int via_syscall, const char *call, const char *path, char *const argv[],
    char *const envp[])
{
	struct nj_start s = { .how = NJ_START_EXECVE,
		.via_syscall = via_syscall,
		.path = path,
		.argv = argv };

	if (!NJ_READY(via_syscall, execve))
		return -1;
	if (path == NULL)
		return errno = EFAULT, -1;
	if ((s.other = nj_exec_check(call, AT_FDCWD, path, 0)) == 0)
		return -1;
	s.other = s.other == 2;
	return nj_start(&s, envp);
}

long
nj_do_execveat(int via_syscall, int dirfd, const char *path, char *const argv[], char *const envp[],
    int flags)
{
	struct nj_start s = { .how = NJ_START_EXECVEAT,
		.via_syscall = via_syscall,
		.fd = dirfd,
		.flags = flags,
		.path = path,
		.argv = argv };

	if (!NJ_READY(via_syscall, execveat))
		return -1;
	if (path == NULL)
		return errno = EFAULT, -1;
	if ((s.other = nj_exec_check("execveat", dirfd, path, flags)) == 0)
		return -1;
	s.other = s.other == 2;
	return nj_start(&s, envp);
}

static int
do_execvpe(const char *call, const char *file, char *const argv[], char *const envp[])
{
	struct nj_start s = { .how = NJ_START_EXECVPE, .path = file, .argv = argv };

	if (!NJ_READY(0, execvpe))
		return -1;
	if (file == NULL || *file == '\0')
		return nj_real.execvpe(file, argv, envp); /* fails with ENOENT/EFAULT */
	if ((s.other = nj_exec_check_search(call, file)) == 0)
		return -1;
	s.other = s.other == 2;
	return (int)nj_start(&s, envp);
}

NJ_CHILD_CODE NJ_EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)nj_do_execve(0, "execve", path, argv, envp);
}

NJ_CHILD_CODE NJ_EXPORT int
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

#ifdef __GLIBC__
/* (musl has no execveat function: its programs reach it only through syscall(2)) */
NJ_EXPORT int
execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	return (int)nj_do_execveat(0, dirfd, path, argv, envp, flags);
}
#endif

NJ_EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	struct nj_start s = { .how = NJ_START_FEXECVE, .fd = fd, .argv = argv };

	if (!NJ_READY(0, fexecve))
		return -1;
	if ((s.other = nj_exec_check("fexecve", fd, "", AT_EMPTY_PATH)) == 0)
		return -1;
	s.other = s.other == 2;
	return (int)nj_start(&s, envp);
}

/* The execl family: the variadic arguments become an argv on the stack, as in glibc. */
static size_t
count_args(va_list ap)
{
	size_t n = 1; /* arg0, already taken */

	while (va_arg(ap, char *) != NULL)
		n++;
	return n;
}

/* Run CALL with the variadic arguments after arg0 gathered into a NULL-terminated argv on
 * the stack (as glibc does); THEN runs after the terminating NULL has been read (execle takes
 * its envp there).  arg0 is non-NULL: glibc declares it so. */
#define WITH_ARGV(arg0, argv, THEN, CALL)                                          \
	do {                                                                       \
		va_list ap_;                                                       \
		size_t n_;                                                         \
                                                                                   \
		va_start(ap_, arg0);                                               \
		n_ = count_args(ap_);                                              \
		va_end(ap_);                                                       \
		{                                                                  \
			char *argv[n_ + 1];                                        \
                                                                                   \
			va_start(ap_, arg0);                                       \
			argv[0] = (char *)(arg0);                                  \
			for (size_t i_ = 1; i_ <= n_; i_++)                        \
				argv[i_] = va_arg(ap_, char *); /* ends on NULL */ \
			THEN;                                                      \
			va_end(ap_);                                               \
			return CALL;                                               \
		}                                                                  \
	} while (0)

NJ_EXPORT int
execl(const char *path, const char *arg0, ...)
{
	WITH_ARGV(arg0, argv, (void)0, (int)nj_do_execve(0, "execl", path, argv, nj_environ()));
}

NJ_EXPORT int
execlp(const char *file, const char *arg0, ...)
{
	WITH_ARGV(arg0, argv, (void)0, do_execvpe("execlp", file, argv, nj_environ()));
}

NJ_EXPORT int
execle(const char *path, const char *arg0, ...)
{
	char *const *envp;

	WITH_ARGV(arg0, argv, envp = va_arg(ap_, char *const *),
	    (int)nj_do_execve(0, "execle", path, argv, envp));
}
