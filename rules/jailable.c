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

static void
say(char *why, size_t size, const char *a, const char *b)
{
	struct nj_buf o = { why, size, 0 };

	nj_buf_str(&o, a);
	if (b)
		nj_buf_str(&o, b);
	nj_buf_mem(&o, "", 0);
}

__attribute__((hot)) static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
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
our_machine(void)
{
	const ElfW(Ehdr) *v = (const void *)getauxval(AT_SYSINFO_EHDR);

	return v ? v->e_machine : -1;
}

/* Judge one ELF file already open on fd whose first bytes are in hdr[0..n). */
__attribute__((hot)) static int
judge_elf(int fd, const unsigned char *hdr, size_t n, char *why, size_t size)
{
	const ElfW(Ehdr) *eh = (const void *)hdr;
	const char *loader;
	char interp[256];

	if (n < sizeof(*eh) || hdr[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) {
		say(why, size, "an ELF of another class (32/64-bit): the preload cannot load "
		    "into it", NULL);
		return 0;
	}
	if (our_machine() >= 0 && eh->e_machine != our_machine()) {
		say(why, size, "an ELF for another machine: the preload cannot load into it", NULL);
		return 0;
	}
	for (unsigned i = 0; i < eh->e_phnum && i < 512; i++) {
		ElfW(Phdr) ph;
		ElfW(Off) off = eh->e_phoff + (ElfW(Off))i * eh->e_phentsize;

		/* the program headers and the loader's name are nearly always in the bytes
		 * already read: every system call counts when a fork child runs this */
		if (off + sizeof(ph) <= n)
			memcpy(&ph, hdr + off, sizeof(ph));
		else if (pread(fd, &ph, sizeof(ph), (off_t)off) != (ssize_t)sizeof(ph))
			break;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= sizeof(interp)) {
			say(why, size, "an ELF whose loader cannot be read", NULL);
			return 0;
		}
		if (ph.p_offset + ph.p_filesz <= n) {
			memcpy(interp, hdr + ph.p_offset, ph.p_filesz);
		} else if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) !=
		    (ssize_t)ph.p_filesz) {
			say(why, size, "an ELF whose loader cannot be read", NULL);
			return 0;
		}
		interp[ph.p_filesz] = '\0';
		loader = our_loader();
		if (loader && strcmp(base(interp), loader) != 0) {
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

static int judge_at(int dirfd, const char *path, int flags, int depth, char *why, size_t size);

/* Judge the file open on fd (not closed here). */
__attribute__((hot)) static int
judge_fd(int fd, int depth, char *why, size_t size)
{
	unsigned char hdr[1024];
	struct stat st;
	ssize_t n;
	int rc;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 1;	/* exec will fail on its own */
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		say(why, size, st.st_mode & S_ISUID ? "a setuid program: the loader drops the "
		    "preload" : "a setgid program: the loader drops the preload", NULL);
		return 0;
	}
	if (fgetxattr(fd, "security.capability", NULL, 0) > 0) {
		say(why, size, "a program with file capabilities: the loader drops the preload",
		    NULL);
		return 0;
	}
	if ((n = pread(fd, hdr, sizeof(hdr), 0)) < 0)
		return -errno;	/* EBADF: an O_PATH descriptor */
	if (n >= 4 && memcmp(hdr, ELFMAG, SELFMAG) == 0)
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
		rc = judge_at(AT_FDCWD, interp, 0, depth + 1, why, size);
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

__attribute__((hot)) static int
judge_at(int dirfd, const char *path, int flags, int depth, char *why, size_t size)
{
	int fd, rc;

	if ((flags & AT_EMPTY_PATH) && path[0] == '\0') {
		char proc[64];
		struct nj_buf o = { proc, sizeof(proc), 0 };

		rc = judge_fd(dirfd, depth, why, size);
		if (rc != -EBADF)
			return rc;
		/* an O_PATH descriptor cannot be read: open the file it names */
		nj_buf_str(&o, "/proc/self/fd/");
		nj_buf_uint(&o, (unsigned long)dirfd);
		nj_buf_mem(&o, "", 0);
		path = proc;
		dirfd = AT_FDCWD;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	} else {
		fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		    ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));
	}
	if (fd < 0)
		return -errno;
	rc = judge_fd(fd, depth, why, size);
	close(fd);
	return rc;
}

__attribute__((hot)) int
nj_jailable_at(int dirfd, const char *path, int flags, char *why, size_t size)
{
	if (size)
		why[0] = '\0';
	return judge_at(dirfd, path, flags, 0, why, size);
}

int
nj_jailable(const char *path, char *why, size_t size)
{
	return nj_jailable_at(AT_FDCWD, path, 0, why, size);
}
