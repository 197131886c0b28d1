/* exec.h - the exec policy: can the preload follow a program into a file (the jailability
 * check, sys/exec.c), and the constraints of the code a fork child runs on its way to exec.
 * Shared by the shim's exec wrappers and netjail run. */
#ifndef NJ_EXEC_H
#define NJ_EXEC_H

#include <stddef.h>
#include <sys/stat.h>

#include "engine/engine.h"

/* netjail run --supervise (cli/supervise/seccomp.c) answers this probe in its seccomp filter, so the
 * shim can tell that the kernel checks this process's connections and may let it start
 * programs the preload cannot follow: connect(-1, NULL, NJ_SUPERVISED_PROBE) fails with
 * errno NJ_SUPERVISED_ERRNO (without the filter: EBADF). */
#define NJ_SUPERVISED_PROBE 0x6e6a7376 /* "njsv" */
#define NJ_SUPERVISED_ERRNO 3946 /* below MAX_ERRNO (4095), used by nothing else */

/* The shims' file names, one per C library, side by side in one directory (make install;
 * make MUSL=1 install), and which this build is: a program of the other C library is
 * jailed by the other shim, found beside this one (README.md "musl"). */
#define NJ_SHIM_GLIBC "libnetjail.so"
#define NJ_SHIM_MUSL "libnetjail-musl.so"
#ifdef __GLIBC__
#define NJ_SHIM_OWN NJ_SHIM_GLIBC
#define NJ_SHIM_OTHER NJ_SHIM_MUSL
#define NJ_LIBC_OTHER "musl"
#else
#define NJ_SHIM_OWN NJ_SHIM_MUSL
#define NJ_SHIM_OTHER NJ_SHIM_GLIBC
#define NJ_LIBC_OTHER "glibc"
#endif

/* The other C library's shim beside shim (an absolute path): "DIR/" NJ_SHIM_OTHER in buf.
 * 0, or -1 when shim has no directory or the name does not fit.  Without libc. */
int nj_shim_sibling(const char *shim, char *buf, size_t size);

/* ---- exec.c: the jailability check.  I/O, async-signal-safe, no allocation ----
 * Can the preload follow a program into the file at path?  Returns 1 yes; 2 yes, with the
 * other C library's shim (a program linked against it: NJ_LIBC_OTHER; why says so); 0 no,
 * with the reason in why ("statically linked: ..."): a statically linked ELF, a
 * setuid/setgid or file-capability program, an ELF of another class, machine or C library
 * (one this shim knows no sibling for), or a #! script whose interpreter is one of those
 * (one level); -errno when the file cannot be opened (-ENOENT too for a script whose
 * interpreter is missing: exec fails the same way).  errno is kept. */
int nj_jailable(const char *path, char *why, size_t size);

/* What the kernel writes, or reads from us, while a file is judged: its first bytes, its
 * status and the name of the attribute asked for.  The caller's to place: the shim keeps one
 * per thread (shim/child.c says why), nj_jailable one on its stack. */
struct nj_jailbuf {
	unsigned char hdr[1024];
	struct stat st;
	char xattr[24];
};

/* The same for execveat(2)'s arguments: path relative to dirfd; with AT_EMPTY_PATH and an
 * empty path, the file open on dirfd itself (an O_PATH descriptor is reopened through
 * /proc/self/fd).  buf is scratch, used by one check at a time. */
int nj_jailable_at(int dirfd, const char *path, int flags, struct nj_jailbuf *buf, char *why,
    size_t size);

/* Work out, once, what the checks compare against in our own process (machine, loader).
 * The checks call it themselves; calling it before any fork spares each fork child that
 * work (the shim's constructor does). */
void nj_jailable_init(void);

/* What runs in a fork child between fork and exec, on the common path (a program the
 * preload can follow): the exec wrappers, the environment check and the jailability check.
 * The linker sorts .text.sorted.* sections by name, across files, so these functions land
 * together, nj_exec_check first (NJ_CHILD_FIRST, aligned to a page) and the others after it:
 * on one page of code, not three (scripts/check-layout fails when they no longer fit). */
#define NJ_CHILD_FIRST __attribute__((section(".text.sorted.nj_child.0"), aligned(4096), hot))
#define NJ_CHILD_CODE __attribute__((section(".text.sorted.nj_child.1"), hot))

/* strcmp(a, b) == 0 without libc, for code that runs between fork and exec (exec.c). */
int nj_streq(const char *a, const char *b);
/* Does s begin with prefix?  Without libc, likewise. */
int nj_starts(const char *s, const char *prefix);
/* memcpy without a call into libc (a page of libc a fork child or a start-up need not fault in) */
void nj_copy_bytes(void *dst, const void *src, size_t n);

/* ---- the rest of the exec policy (not fork-child code) ---- */

/* The absolute path of what execveat(dirfd, path, flags) will run, as written (lit; the same
 * as canon when it has a "." or ".." part) and where its links lead (canon): what an "allow
 * exec" rule may name.  0, or -1 when it cannot
 * be worked out (too long).  Stack only; errno may change. */
int nj_exec_names(int dirfd, const char *path, int flags, char *lit, char *canon, size_t size);

/* The PATH execvp searches: the process's PATH, or glibc's default "/bin:/usr/bin". */
const char *nj_exec_path(void);
/* The next candidate for file in the list *list (advanced; NULL at the end): buf is
 * "DIR/file", an empty entry being the working directory.  1 with a candidate, 0 at the end,
 * -1 when it does not fit size (exec passes over it). */
int nj_path_next(const char **list, const char *file, char *buf, size_t size);
/* Would exec run path (executable for us, not a directory)? */
int nj_path_runs(const char *path);

/* LD_PRELOAD's list with shim first and every entry of others (NULL: none) kept, in order,
 * once, but drop (NULL: none; the other C library's shim, which the child's loader could
 * not load), appended to b.  The loader splits the list on ':' and ' '. */
void nj_preload_list(struct nj_buf *b, const char *shim, const char *others, const char *drop);
/* 1 when path can be an entry of LD_PRELOAD; 0 when it holds a space, a colon or other white
 * space, where a loader splits the list: it would load pieces that do not exist, say "ignored", and run the
 * program unjailed.  Whoever puts the shim into a child's LD_PRELOAD asks this first.
 * Inline and without libc: the shim's constructor asks it in every process, and a call out
 * of its start-up page (or into a libc function nothing else touches) costs page faults. */
static inline int
nj_preload_entry_ok(const char *path)
{
	for (; *path; path++)
		if (*path == ' ' || *path == ':' || (*path >= '\t' && *path <= '\r'))
			return 0; /* (musl's loader splits on every white space) */
	return 1;
}

#endif
