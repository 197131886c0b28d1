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

static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The program interpreter (dynamic loader) of this very process, from its own program
 * headers: "ld-linux-x86-64.so.2".  NULL when there is none (we are static). */
static const char *
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
static int
our_machine(void)
{
	const ElfW(Ehdr) *v = (const void *)getauxval(AT_SYSINFO_EHDR);

	return v ? v->e_machine : -1;
}

/* Judge one ELF file already open on fd whose first bytes are in hdr[0..n). */
static int
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
		off_t off = (off_t)(eh->e_phoff + (ElfW(Off))i * eh->e_phentsize);

		if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
			break;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= sizeof(interp) ||
		    pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz) {
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

static int
judge(const char *path, int depth, char *why, size_t size)
{
	unsigned char hdr[512];
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 1;	/* exec will fail on its own */
	}
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		close(fd);
		say(why, size, st.st_mode & S_ISUID ? "a setuid program: the loader drops the "
		    "preload" : "a setgid program: the loader drops the preload", NULL);
		return 0;
	}
	if (fgetxattr(fd, "security.capability", NULL, 0) > 0) {
		close(fd);
		say(why, size, "a program with file capabilities: the loader drops the preload",
		    NULL);
		return 0;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n >= 4 && memcmp(hdr, ELFMAG, SELFMAG) == 0) {
		rc = judge_elf(fd, hdr, (size_t)n, why, size);
		close(fd);
		return rc;
	}
	close(fd);
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
		rc = judge(interp, depth + 1, why, size);
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
		return rc < 0 ? 1 : rc;	/* a missing interpreter: exec fails on its own */
	}
	return 1;	/* not ELF, not #!: exec fails with ENOEXEC (a shell then runs sh) */
}

int
nj_jailable(const char *path, char *why, size_t size)
{
	if (size)
		why[0] = '\0';
	return judge(path, 0, why, size);
}
