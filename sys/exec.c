/* exec.c - the exec policy: can the preload follow a program into this file?  (Used by
 * `netjail run` and, before every exec, by the shim: so no allocation, only system calls and
 * the stack.)  Also the names an "allow exec" rule may give a program, the PATH search and
 * the preload list, which the shim and netjail run must agree on. */
#include <elf.h>
#include <limits.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sys/exec.h"
#include "sys/sys.h"
#include "sys/raw.h"

/*
 * In a fork child this file is nearly all that runs between fork and exec, and every page it
 * touches that the parent did not share is a page fault, which costs more than the check's
 * own work.  So on the common path: system calls made directly (sys/raw.h), no libc string
 * functions (the loops below), no .rodata (strings the child reads live in .data), what
 * describes our own process (machine, loader) worked out once, before any fork
 * (nj_jailable_init), and the code on one page with the exec wrappers (NJ_CHILD_CODE; built
 * with -Os).  The figures are in docs/performance.md.
 */
NJ_CHILD_CODE int
nj_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

NJ_CHILD_CODE int
nj_starts(const char *s, const char *prefix)
{
	while (*prefix && *s == *prefix)
		s++, prefix++;
	return *prefix == '\0';
}

NJ_CHILD_CODE void
nj_copy_bytes(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst; /* volatile: not turned into a memcpy call */
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
}

static void
say(char *why, size_t size, const char *a, const char *b)
{
	struct nj_buf o = { why, size, 0 };

	nj_buf_str(&o, a);
	if (b)
		nj_buf_str(&o, b);
	nj_buf_mem(&o, "", 0);
}

/* The program interpreter (dynamic loader) of this very process, from its own program
 * headers: "/lib64/ld-linux-x86-64.so.2".  NULL when there is none (we are static). */
__attribute__((hot)) static const char *
our_loader(void)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	uintptr_t bias = 0;

	if (ph == NULL)
		return NULL;
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (uintptr_t)ph - ph[i].p_vaddr;
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_INTERP)
			return (const char *)(bias + ph[i].p_vaddr);
	return NULL;
}

/* Our machine, from the vDSO's ELF header the kernel maps into every process; -1 unknown. */
__attribute__((hot)) static int
find_machine(void)
{
	const ElfW(Ehdr) *v = (const void *)getauxval(AT_SYSINFO_EHDR);

	return v ? v->e_machine : -1;
}

/* In .data (an initialiser that is not all zeros), beside the shim's other start-up data:
 * a page of its own would be one more page fault in every process. */
static struct {
	int ready; /* set last, with release */
	int machine;
	char loader[96]; /* our PT_INTERP as written; "" when we have none, or it is too long */
	dev_t loader_dev; /* the file it names, when the shim started (0, 0: unknown) */
	ino_t loader_ino;
	char xattr[20]; /* here rather than in .rodata, a page a fork child has not;
				 * copied into the caller's nj_jailbuf for the kernel to read */
} self = { .machine = -1, .xattr = "security.capability" };

__attribute__((hot)) void
nj_jailable_init(void)
{
	int saved = errno; /* getauxval sets it when an entry is missing */
	const char *l;

	if (__atomic_load_n(&self.ready, __ATOMIC_ACQUIRE))
		return;
	self.machine = find_machine();
	l = our_loader();
	self.loader[0] = '\0';
	if (l && strlen(l) < sizeof(self.loader)) {
		struct stat st;

		memcpy(self.loader, l, strlen(l) + 1);
		/* the raw call, as the exec check makes it: libc's stat is a page of code that
		 * nothing else of a process's start touches, one more fault in each */
		if (NJ_SYS(SYS_newfstatat, AT_FDCWD, l, &st, 0) == 0) {
			self.loader_dev = st.st_dev;
			self.loader_ino = st.st_ino;
		}
	}
	__atomic_store_n(&self.ready, 1, __ATOMIC_RELEASE);
	errno = saved;
}

/* Bytes [off, off + len) of the file, from what was read already when they are in it, else
 * read into buf: a pointer to them, or NULL. */
NJ_CHILD_CODE __attribute__((noinline)) static const unsigned char *
bytes_at(int fd, const unsigned char *hdr, size_t n, ElfW(Off) off, size_t len, unsigned char *buf)
{
	if (off + len <= n && off + len >= off)
		return hdr + off;
	if (NJ_SYS(SYS_pread64, fd, buf, len, off) != (long)len)
		return NULL;
	return buf;
}

/*
 * Go's runtime makes its own system calls even in a dynamically linked program (cgo on, the
 * default): its connections never pass through libc, where the preload waits.  Its linker
 * marks every program it writes, and that mark is what is looked for, not a name: a note of
 * owner "Go" and type 4 (the build ID) in a PT_NOTE segment, or, when the build ID was left
 * empty (-buildid=), the build-information blob ("\xff Go buildinf:") with which the Go
 * linker starts the first writable segment.  (A program linked externally with an empty
 * build ID has the blob elsewhere and is not recognised: netjail(1), LIMITS.)
 */
#define NT_GO_BUILDID 4
static char go_buildinfo[14] = "\xff Go buildinf:"; /* .data: see self below */

NJ_CHILD_CODE __attribute__((noinline)) static int
go_note(const unsigned char *p, size_t len)
{
	while (len >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) nh;
		size_t name, desc;

		nj_copy_bytes(&nh, p, sizeof(nh));
		name = (nh.n_namesz + 3u) & ~(size_t)3;
		desc = (nh.n_descsz + 3u) & ~(size_t)3;
		if (name > len || desc > len || sizeof(nh) + name + desc > len)
			return 0;
		/* the name is "Go" and its NUL, padded ("Go\0\0": the Go linker counts 4) */
		if (nh.n_type == NT_GO_BUILDID && (nh.n_namesz == 3 || nh.n_namesz == 4) &&
		    p[sizeof(nh)] == 'G' && p[sizeof(nh) + 1] == 'o' && p[sizeof(nh) + 2] == '\0')
			return 1;
		p += sizeof(nh) + name + desc;
		len -= sizeof(nh) + name + desc;
	}
	return 0;
}

/* Is the loader at path our own loader, the same file?  Asked only when the program names
 * another path than ours: a name alone ("/tmp/x/ld-linux-x86-64.so.2") proves nothing. */
static __attribute__((noinline, cold)) int
same_loader(const char *path)
{
	struct stat st;
	int saved = errno;
	long rc = NJ_SYS(SYS_newfstatat, AT_FDCWD, path, &st, 0);

	errno = saved;
	return rc == 0 && self.loader_ino != 0 && st.st_dev == self.loader_dev &&
	    st.st_ino == self.loader_ino;
}

/* Is the loader at interp the other C library's, the one whose shim may lie beside ours
 * (glibc's ld-linux*.so and ld64.so.*, musl's ld-musl-*.so.1)?  Only asked of a program
 * whose loader is not ours: off the common path. */
static int
other_libc(const char *interp)
{
	const char *base = strrchr(interp, '/') ? strrchr(interp, '/') + 1 : interp;

#ifdef __GLIBC__
	return nj_starts(base, "ld-musl-");
#else
	return nj_starts(base, "ld-linux") || nj_starts(base, "ld64.so.");
#endif
}

/* Judge one ELF file already open on fd whose first bytes are in hdr[0..n). */
NJ_CHILD_CODE static int
judge_elf(int fd, const unsigned char *hdr, size_t n, char *why, size_t size)
{
	const ElfW(Ehdr) *eh = (const void *)hdr;
	ElfW(Phdr) interp_ph = { 0 }, data_ph = { 0 }, note_ph[4];
	unsigned char scratch[256];
	const unsigned char *p;
	char interp[256];
	unsigned nnote = 0;
	int go = 0, other = 0;

	if (n < sizeof(*eh) || hdr[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) {
		say(why, size,
		    "an ELF of another class (32/64-bit): the preload cannot load "
		    "into it",
		    NULL);
		return 0;
	}
	if (self.machine >= 0 && eh->e_machine != self.machine) {
		say(why, size, "an ELF for another machine: the preload cannot load into it", NULL);
		return 0;
	}
	/* the program headers, the loader's name and the notes are nearly always in the bytes
	 * already read: every system call counts when a fork child runs this */
	for (unsigned i = 0; i < eh->e_phnum && i < 512; i++) {
		ElfW(Phdr) ph;
		ElfW(Off) off = eh->e_phoff + (ElfW(Off))i * eh->e_phentsize;

		if ((p = bytes_at(fd, hdr, n, off, sizeof(ph), scratch)) == NULL)
			break;
		nj_copy_bytes(&ph, p, sizeof(ph));
		if (ph.p_type == PT_INTERP && interp_ph.p_type == 0)
			interp_ph = ph;
		else if (ph.p_type == PT_NOTE && nnote < sizeof(note_ph) / sizeof(note_ph[0]))
			note_ph[nnote++] = ph;
		else if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W) && data_ph.p_type == 0)
			data_ph = ph;
	}
	if (interp_ph.p_type == 0) {
		say(why, size, "statically linked: the preload cannot follow it", NULL);
		return 0;
	}
	if (interp_ph.p_filesz == 0 || interp_ph.p_filesz >= sizeof(interp) ||
	    (p = bytes_at(fd, hdr, n, interp_ph.p_offset, interp_ph.p_filesz, scratch)) == NULL) {
		say(why, size, "an ELF whose loader cannot be read", NULL);
		return 0;
	}
	nj_copy_bytes(interp, p, interp_ph.p_filesz);
	interp[interp_ph.p_filesz] = '\0';
	if (self.loader[0] && !nj_streq(interp, self.loader) && !same_loader(interp)) {
		struct nj_buf o = { why, size, 0 };

		other = other_libc(interp);
		nj_buf_str(&o, "linked against ");
		nj_buf_str(&o, other ? NJ_LIBC_OTHER : "another C library");
		nj_buf_str(&o, " (loader ");
		nj_buf_str(&o, interp);
		nj_buf_str(&o, other ? ")" : "): the preload cannot load into it");
		nj_buf_mem(&o, "", 0);
		if (!other)
			return 0;
	}
	for (unsigned i = 0; i < nnote && !go; i++) {
		size_t len = note_ph[i].p_filesz < sizeof(scratch) ? note_ph[i].p_filesz :
		                                                     sizeof(scratch);

		if ((p = bytes_at(fd, hdr, n, note_ph[i].p_offset, len, scratch)) != NULL)
			go = go_note(p, len);
	}
	if (!go && data_ph.p_type == PT_LOAD && data_ph.p_filesz >= sizeof(go_buildinfo) &&
	    (p = bytes_at(fd, hdr, n, data_ph.p_offset, sizeof(go_buildinfo), scratch)) != NULL) {
		go = 1;
		for (size_t k = 0; k < sizeof(go_buildinfo) && go; k++)
			go = p[k] == (unsigned char)go_buildinfo[k];
	}
	if (go) {
		say(why, size,
		    "a Go program, which makes its own system calls: the preload "
		    "cannot see its connections",
		    NULL);
		return 0;
	}
	return other ? 2 : 1;
}

/*
 * Would the exec change the process's credentials?  That is what the kernel calls a secure
 * exec (AT_SECURE), and then the loader drops LD_PRELOAD.  The kernel's rule (fs/exec.c,
 * bprm_fill_uid; security/commoncap.c): the set-user-ID bit makes the effective uid the
 * file's owner, and the set-group-ID bit (with group execute) the effective gid its group,
 * unless the file system is mounted nosuid or the process has no_new_privs; the exec is
 * secure when the new effective ids differ from the real ones, or when file capabilities
 * raise a process whose real uid is not root.  So root starting a setuid-root program keeps
 * the preload (sudo run by root is jailed like any program).  1 secure, with the reason in
 * why; 0 not.  Only for files with those bits or capabilities: a cold path.
 */
static __attribute__((noinline, cold)) int
secure_exec(int fd, const struct stat *st, int caps, char *why, size_t size)
{
	unsigned int uid[3], gid[3], euid, egid; /* real, effective, saved */
	struct statfs fs;
	int nosuid, honoured, saved = errno;

	if (NJ_SYS(SYS_getresuid, uid, uid + 1, uid + 2, 0) != 0 ||
	    NJ_SYS(SYS_getresgid, gid, gid + 1, gid + 2, 0) != 0) {
		say(why, size,
		    "a setuid, setgid or capability program whose effect on this "
		    "process cannot be worked out: the loader may drop the preload",
		    NULL);
		return 1;
	}
	nosuid = NJ_SYS(SYS_fstatfs, fd, &fs, 0, 0) == 0 && (fs.f_flags & ST_NOSUID);
	honoured = !nosuid && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0;
	errno = saved;
	euid = honoured && (st->st_mode & S_ISUID) ? st->st_uid : uid[1];
	egid = honoured && (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ? st->st_gid :
	                                                                                gid[1];
	if (euid != uid[0]) {
		say(why, size,
		    "a setuid program (it would run as another user): the loader "
		    "drops the preload",
		    NULL);
		return 1;
	}
	if (egid != gid[0]) {
		say(why, size,
		    "a setgid program (it would run with another group): the loader "
		    "drops the preload",
		    NULL);
		return 1;
	}
	/* (no_new_privs keeps capabilities from being gained, but not the exec from being
	 * secure: only nosuid makes the kernel ignore them) */
	if (caps && !nosuid && uid[0] != 0) {
		say(why, size,
		    "a program with file capabilities (they would raise its "
		    "privileges): the loader drops the preload",
		    NULL);
		return 1;
	}
	return 0;
}

static int judge_at(int dirfd, const char *path, int flags, int depth, struct nj_jailbuf *buf,
    char *why, size_t size);

/* Judge the file open on fd (not closed here). */
NJ_CHILD_CODE static int
judge_fd(int fd, int depth, struct nj_jailbuf *buf, char *why, size_t size)
{
	unsigned char *hdr = buf->hdr;
	long n;
	int rc, caps;

	if (!__atomic_load_n(&self.ready, __ATOMIC_ACQUIRE))
		nj_jailable_init();
	if ((n = NJ_SYS(SYS_fstat, fd, &buf->st, 0, 0)) != 0)
		return (int)n;
	if (!S_ISREG(buf->st.st_mode))
		return 1; /* exec will fail on its own */
	nj_copy_bytes(buf->xattr, self.xattr, sizeof(self.xattr));
	caps = NJ_SYS(SYS_fgetxattr, fd, buf->xattr, 0, 0) > 0;
	if ((n = NJ_SYS(SYS_pread64, fd, hdr, sizeof(buf->hdr), 0)) < 0)
		return (int)n; /* EBADF: an O_PATH descriptor */
	if (n >= 4 && hdr[0] == ELFMAG0 && hdr[1] == ELFMAG1 && hdr[2] == ELFMAG2 &&
	    hdr[3] == ELFMAG3) {
		/* (the kernel honours these bits and capabilities on the file it maps, never
		 * on a #! script: a script is judged by its interpreter's) */
		if (((buf->st.st_mode & (S_ISUID | S_ISGID)) || caps) &&
		    secure_exec(fd, &buf->st, caps, why, size))
			return 0;
		return judge_elf(fd, hdr, (size_t)n, why, size);
	}
	if (n >= 2 && hdr[0] == '#' && hdr[1] == '!') {
		char interp[256];
		size_t i = 2, k = 0;

		while (i < (size_t)n && (hdr[i] == ' ' || hdr[i] == '\t'))
			i++;
		while (i < (size_t)n && hdr[i] != ' ' && hdr[i] != '\t' && hdr[i] != '\n' &&
		    k < sizeof(interp) - 1)
			interp[k++] = (char)hdr[i++];
		interp[k] = '\0';
		if (k == 0)
			return 1; /* the kernel will refuse it */
		if (depth > 0) {
			say(why, size, "a script whose interpreter is itself a script", NULL);
			return 0;
		}
		/* done with buf (the interpreter's name is copied out): the check of the
		 * interpreter takes it over */
		rc = judge_at(AT_FDCWD, interp, 0, depth + 1, buf, why, size);
		if (rc == 0) {
			char inner[200];
			struct nj_buf o = { why, size, 0 };

			memcpy(inner, why, sizeof(inner) - 1);
			inner[sizeof(inner) - 1] = '\0';
			nj_buf_str(&o, "a script run by ");
			nj_buf_str(&o, interp);
			nj_buf_str(&o, ", which is ");
			nj_buf_str(&o, inner);
			nj_buf_mem(&o, "", 0);
		}
		/* a missing interpreter: exec fails with ENOENT, and a PATH search goes on to
		 * the next directory (the caller must know that) */
		return rc < 0 ? -ENOENT : rc;
	}
	return 1; /* not ELF, not #!: exec fails with ENOEXEC (a shell then runs sh) */
}

NJ_CHILD_CODE static int
judge_at(int dirfd, const char *path, int flags, int depth, struct nj_jailbuf *buf, char *why,
    size_t size)
{
	int fd, rc;

	if ((flags & AT_EMPTY_PATH) && path[0] == '\0') {
		char proc[64];
		struct nj_buf o = { proc, sizeof(proc), 0 };

		rc = judge_fd(dirfd, depth, buf, why, size);
		if (rc != -EBADF)
			return rc;
		/* an O_PATH descriptor cannot be read: open the file it names */
		nj_buf_str(&o, "/proc/self/fd/");
		nj_buf_uint(&o, (unsigned long)dirfd);
		nj_buf_mem(&o, "", 0);
		path = proc;
		dirfd = AT_FDCWD;
		fd = (int)NJ_SYS(SYS_openat, AT_FDCWD, path,
		    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
	} else {
		fd = (int)NJ_SYS(SYS_openat, dirfd, path,
		    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		        ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0),
		    0);
	}
	if (fd < 0)
		return fd;
	rc = judge_fd(fd, depth, buf, why, size);
	NJ_SYS(SYS_close, fd, 0, 0, 0);
	return rc;
}

NJ_CHILD_CODE int
nj_jailable_at(int dirfd, const char *path, int flags, struct nj_jailbuf *buf, char *why,
    size_t size)
{
	if (size)
		why[0] = '\0';
	return judge_at(dirfd, path, flags, 0, buf, why, size);
}

int
nj_shim_sibling(const char *shim, char *buf, size_t size)
{
	struct nj_buf b = { buf, size, 0 };
	const char *slash = shim;

	for (const char *c = shim; *c; c++)
		if (*c == '/')
			slash = c;
	if (*slash != '/')
		return -1;
	nj_buf_mem(&b, shim, (size_t)(slash - shim) + 1);
	nj_buf_str(&b, NJ_SHIM_OTHER);
	if (b.len >= size)
		return -1;
	buf[b.len] = '\0';
	return 0;
}

int
nj_jailable(const char *path, char *why, size_t size)
{
	struct nj_jailbuf buf;

	return nj_jailable_at(AT_FDCWD, path, 0, &buf, why, size);
}

/* ---- the exec policy's other parts: names, the PATH search, the preload list ----
 * (shared by the shim's exec wrappers and netjail run; not on the fork child's common path) */

/* Does the path have a "." or ".." component? */
static int
dotted(const char *p)
{
	for (const char *c = p; *c; c++)
		if (c[0] == '.' && (c == p || c[-1] == '/') &&
		    (c[1] == '\0' || c[1] == '/' || (c[1] == '.' && (c[2] == '\0' || c[2] == '/'))))
			return 1;
	return 0;
}

int
nj_exec_names(int dirfd, const char *path, int flags, char *lit, char *canon, size_t size)
{
	char proc[64], dir[PATH_MAX];
	struct nj_buf o = { proc, sizeof(proc), 0 };
	struct nj_buf l = { lit, size, 0 };
	ssize_t k;

	if (path[0] == '/' || (dirfd == AT_FDCWD && path[0] != '\0')) {
		if (path[0] != '/') {
			if (getcwd(dir, sizeof(dir)) == NULL)
				return -1;
			nj_buf_str(&l, dir);
			nj_buf_ch(&l, '/');
		}
		nj_buf_str(&l, path);
	} else {
		nj_buf_str(&o, "/proc/self/fd/");
		nj_buf_uint(&o, (unsigned long)dirfd);
		nj_buf_mem(&o, "", 0);
		if ((k = readlink(proc, dir, sizeof(dir) - 1)) <= 0)
			return -1;
		dir[k] = '\0';
		nj_buf_str(&l, dir);
		if (!((flags & AT_EMPTY_PATH) && path[0] == '\0')) {
			nj_buf_ch(&l, '/');
			nj_buf_str(&l, path);
		}
	}
	if (l.len >= size)
		return -1;
	if (nj_path_abs(lit, l.len, canon, size) != 0)
		return -1;
	/* "as written" must not climb: "DIR/../static" would match a rule that allows every
	 * program in DIR, and run one outside it.  A name with a "." or ".." part is judged by
	 * where it leads only. */
	if (dotted(lit))
		memcpy(lit, canon, strlen(canon) + 1);
	return 0;
}

const char *
nj_exec_path(void)
{
	const char *p = getenv("PATH");

	return p ? p : "/bin:/usr/bin"; /* glibc's default search path */
}

int
nj_path_next(const char **list, const char *file, char *buf, size_t size)
{
	const char *p = *list;
	struct nj_buf b = { buf, size, 0 };
	size_t n;

	if (p == NULL)
		return 0;
	n = strcspn(p, ":");
	*list = p[n] ? p + n + 1 : NULL;
	nj_buf_mem(&b, n ? p : ".", n ? n : 1); /* an empty entry: the working directory */
	nj_buf_ch(&b, '/');
	nj_buf_str(&b, file);
	return b.len < size ? 1 : -1;
}

int
nj_path_runs(const char *path)
{
	struct stat st;

	return access(path, X_OK) == 0 && stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

void
nj_preload_list(struct nj_buf *b, const char *shim, const char *others, const char *drop)
{
	size_t sn = strlen(shim), dn = drop ? strlen(drop) : 0;

	nj_buf_str(b, shim);
	while (others && *others) {
		size_t k;

		others += strspn(others, ": ");
		k = strcspn(others, ": ");
		if (k > 0 && !(k == sn && strncmp(others, shim, k) == 0) &&
		    !(drop && k == dn && strncmp(others, drop, k) == 0)) {
			nj_buf_ch(b, ':');
			nj_buf_mem(b, others, k);
		}
		others += k;
	}
}
