/* jailable.c - I/O: can the preload follow a program into this file?  (Used by `netjail run`
 * and, before every exec, by the shim: so no allocation, only system calls and the stack.) */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rules.h"
#include "sysraw.h"

/*
 * In a fork child this file is nearly all that runs between fork and exec, and every page
 * it touches that the parent did not share costs a page fault (15-30 us on a virtual
 * machine, more than the rest of the check).  So on the common path: system calls made
 * directly (sysraw.h), no libc string functions (the loops below), and what describes our
 * own process (machine, loader) worked out once, before any fork (nj_jailable_init), and
 * the code of the common path on one page with the exec wrappers (NJ_CHILD_CODE).
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
	volatile unsigned char *d = dst;	/* volatile: not turned into a memcpy call */
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

NJ_CHILD_CODE static const char *
base(const char *p)
{
	const char *b = p;

	for (; *p; p++)
		if (*p == '/')
			b = p + 1;
	return b;
}

/* The program interpreter (dynamic loader) of this very process, from its own program
 * headers: "ld-linux-x86-64.so.2".  NULL when there is none (we are static). */
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
			return base((const char *)(bias + ph[i].p_vaddr));
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
	int ready;		/* set last, with release */
	int machine;
	char loader[64];	/* "" when we have none, or its name is too long to compare */
	char xattr[20];		/* here rather than in .rodata, a page a fork child has not;
				 * copied into the caller's nj_jailbuf for the kernel to read */
} self = { .machine = -1, .xattr = "security.capability" };

__attribute__((hot)) void
nj_jailable_init(void)
{
	int saved = errno;	/* getauxval sets it when an entry is missing */
	const char *l;

	if (__atomic_load_n(&self.ready, __ATOMIC_ACQUIRE))
		return;
	self.machine = find_machine();
	l = our_loader();
	self.loader[0] = '\0';
	if (l && strlen(l) < sizeof(self.loader))
		memcpy(self.loader, l, strlen(l) + 1);
	__atomic_store_n(&self.ready, 1, __ATOMIC_RELEASE);
	errno = saved;
}

/* Judge one ELF file already open on fd whose first bytes are in hdr[0..n). */
NJ_CHILD_CODE static int
judge_elf(int fd, const unsigned char *hdr, size_t n, char *why, size_t size)
{
	const ElfW(Ehdr) *eh = (const void *)hdr;
	char interp[256];

	if (n < sizeof(*eh) || hdr[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) {
		say(why, size, "an ELF of another class (32/64-bit): the preload cannot load "
		    "into it", NULL);
		return 0;
	}
	if (self.machine >= 0 && eh->e_machine != self.machine) {
		say(why, size, "an ELF for another machine: the preload cannot load into it", NULL);
		return 0;
	}
	for (unsigned i = 0; i < eh->e_phnum && i < 512; i++) {
		ElfW(Phdr) ph;
		ElfW(Off) off = eh->e_phoff + (ElfW(Off))i * eh->e_phentsize;

		/* the program headers and the loader's name are nearly always in the bytes
		 * already read: every system call counts when a fork child runs this */
		if (off + sizeof(ph) <= n)
			nj_copy_bytes(&ph, hdr + off, sizeof(ph));
		else if (NJ_SYS(SYS_pread64, fd, &ph, sizeof(ph), off) != (long)sizeof(ph))
			break;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= sizeof(interp)) {
			say(why, size, "an ELF whose loader cannot be read", NULL);
			return 0;
		}
		if (ph.p_offset + ph.p_filesz <= n) {
			nj_copy_bytes(interp, hdr + ph.p_offset, ph.p_filesz);
		} else if (NJ_SYS(SYS_pread64, fd, interp, ph.p_filesz, ph.p_offset) !=
		    (long)ph.p_filesz) {
			say(why, size, "an ELF whose loader cannot be read", NULL);
			return 0;
		}
		interp[ph.p_filesz] = '\0';
		if (self.loader[0] && !nj_streq(base(interp), self.loader)) {
			struct nj_buf o = { why, size, 0 };

			nj_buf_str(&o, "linked against another C library (loader ");
			nj_buf_str(&o, interp);
			nj_buf_str(&o, "): the preload cannot load into it");
			nj_buf_mem(&o, "", 0);
			return 0;
		}
		return 1;
	}
	say(why, size, "statically linked: the preload cannot follow it", NULL);
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
	int rc;

	if (!__atomic_load_n(&self.ready, __ATOMIC_ACQUIRE))
		nj_jailable_init();
	if ((n = NJ_SYS(SYS_fstat, fd, &buf->st, 0, 0)) != 0)
		return (int)n;
	if (!S_ISREG(buf->st.st_mode))
		return 1;	/* exec will fail on its own */
	if (buf->st.st_mode & (S_ISUID | S_ISGID)) {
		say(why, size, buf->st.st_mode & S_ISUID ? "a setuid program: the loader drops "
		    "the preload" : "a setgid program: the loader drops the preload", NULL);
		return 0;
	}
	nj_copy_bytes(buf->xattr, self.xattr, sizeof(self.xattr));
	if (NJ_SYS(SYS_fgetxattr, fd, buf->xattr, 0, 0) > 0) {
		say(why, size, "a program with file capabilities: the loader drops the preload",
		    NULL);
		return 0;
	}
	if ((n = NJ_SYS(SYS_pread64, fd, hdr, sizeof(buf->hdr), 0)) < 0)
		return (int)n;	/* EBADF: an O_PATH descriptor */
	if (n >= 4 && hdr[0] == ELFMAG0 && hdr[1] == ELFMAG1 && hdr[2] == ELFMAG2 &&
	    hdr[3] == ELFMAG3)
		return judge_elf(fd, hdr, (size_t)n, why, size);
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
			return 1;	/* the kernel will refuse it */
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
	return 1;	/* not ELF, not #!: exec fails with ENOEXEC (a shell then runs sh) */
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
		fd = (int)NJ_SYS(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK, 0);
	} else {
		fd = (int)NJ_SYS(SYS_openat, dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0);
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
nj_jailable(const char *path, char *why, size_t size)
{
	struct nj_jailbuf buf;

	return nj_jailable_at(AT_FDCWD, path, 0, &buf, why, size);
}
