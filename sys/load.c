/* load.c - I/O: read a rules file safely and hand its bytes to the parser; copy a compiled
 * policy into private read-only memory and let the engine adopt it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/internal.h"
#include "sys/sys.h"

/*
 * The file is copied, not mapped: a mapping of it would follow the file if someone rewrote it
 * in place (`cp new.nj rules.nj` does; the rules must not change after they load) and would
 * raise SIGBUS in the middle of a connect if someone truncated it.  The copy is made
 * read-only once made.  Three ways, the first that this machine and file allow:
 *
 * 1. Huge pages.  A large file is read into anonymous memory aligned to the transparent huge
 *    page size and advised for it, so the kernel backs it with a few huge pages rather than
 *    thousands of 4 KiB ones, and each first touch of a page is one fault fewer.  Alignment is
 *    what makes it work: an unaligned mapping gets no huge page where it starts or ends
 *    (figures in docs/performance.md).  Only when the system gives huge pages on request (sysfs says [always] or [madvise]) and
 *    rounding the file up to whole huge pages wastes at most a quarter of it: a 2.1 MB file
 *    would take 4 MB.  Were no huge page to be had after all, the read falls back on 4 KiB
 *    pages: correct, only slower.
 * 2. A sealed memfd snapshot: the kernel copies the file's page-cache pages into it
 *    (sendfile: no zeroing of fresh memory, no copy through user space), the seals make it
 *    immutable, and it is mapped read-only, populated in one go.
 * 3. Where memfds or sendfile are not available (old kernels, seccomp filters, no file
 *    descriptor left, files that cannot be spliced): anonymous 4 KiB pages.
 *
 * Each returns the mapping and its length in *len, MAP_FAILED when its way is not available
 * here (the caller tries the next), or NULL with errno set (EIO: the file ended early).
 */

/* Read size bytes of fd into p (len bytes mapped, writable) and make them read-only: p, or
 * NULL with p unmapped and errno set. */
static unsigned char *
fill_readonly(int fd, unsigned char *p, size_t size, size_t len)
{
	size_t got = 0;
	int e;

	while (got < size) {
		ssize_t k = pread(fd, p + got, size - got, (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			e = k == 0 ? EIO : errno;
			goto fail;
		}
		got += (size_t)k;
	}
	if (mprotect(p, len, PROT_READ) == 0)
		return p;
	e = errno;
fail:
	munmap(p, len);
	errno = e;
	return NULL;
}

static unsigned char *
read_anonymous(int fd, size_t size, size_t *len)
{
	unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	    0);

	if (p == MAP_FAILED || (p = fill_readonly(fd, p, size, size)) == NULL)
		return NULL;
	*len = size;
	return p;
}

/* A small sysfs file's text, NUL-terminated; 0 or -1. */
static int
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The transparent huge page size when the system hands huge pages to a region that asks
 * for them, else 0. */
static size_t
huge_page_size(void)
{
	char buf[128];
	unsigned long v = 0;

	if (read_small("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) != 0 ||
	    (strstr(buf, "[always]") == NULL && strstr(buf, "[madvise]") == NULL) ||
	    read_small("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf, sizeof(buf)) != 0)
		return 0;
	for (const char *c = buf; *c >= '0' && *c <= '9' && v < (1ul << 40); c++)
		v = v * 10 + (unsigned long)(*c - '0');
	/* a power of two, and not absurd (arm64 with 64 KiB pages has 512 MiB) */
	return v >= 4096 && v <= (32ul << 20) && (v & (v - 1)) == 0 ? (size_t)v : 0;
}

static unsigned char *
read_huge(int fd, size_t size, size_t *len)
{
	size_t hp, n;
	unsigned char *q, *p;

	/* no huge page is smaller than 2 MiB: a smaller file (most policies) skips sysfs */
	if (size < ((size_t)2 << 20) || (hp = huge_page_size()) == 0 || size < hp)
		return MAP_FAILED;
	n = (size + hp - 1) / hp * hp;
	if (n - size > size / 4)
		return MAP_FAILED; /* too much of the last huge page would be wasted */
	q = mmap(NULL, n + hp, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return MAP_FAILED;
	p = (unsigned char *)(((uintptr_t)q + hp - 1) & ~(uintptr_t)(hp - 1));
	if (p > q)
		munmap(q, (size_t)(p - q));
	if (p + n < q + n + hp)
		munmap(p + n, (size_t)(q + n + hp - (p + n)));
	if (madvise(p, n, MADV_HUGEPAGE) != 0) {
		munmap(p, n);
		return MAP_FAILED;
	}
	if ((p = fill_readonly(fd, p, size, n)) != NULL)
		*len = n;
	return p;
}

static unsigned char *
read_snapshot(int fd, size_t size, size_t *len)
{
	int m = memfd_create("netjail-rules", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	off_t off = 0;
	unsigned char *p;
	int e;

	if (m < 0)
		return MAP_FAILED;
	while ((size_t)off < size) {
		ssize_t k = sendfile(m, fd, &off, size - (size_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && off == 0) {
			close(m);
			return MAP_FAILED; /* this file or kernel cannot do it */
		}
		if (k <= 0) {
			e = k == 0 ? EIO : errno;
			goto fail;
		}
	}
	if (fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		close(m);
		return MAP_FAILED;
	}
	p = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, m, 0);
	if (p == MAP_FAILED) {
		e = errno;
		goto fail;
	}
	close(m);
	*len = size;
	return p;
fail:
	close(m);
	errno = e;
	return NULL;
}

/* The copy, and how it was made (enum nj_held). */
static unsigned char *
read_private(int fd, size_t size, size_t *len, int *held)
{
	unsigned char *p;

	*held = NJ_HELD_HUGE;
	if ((p = read_huge(fd, size, len)) != MAP_FAILED)
		return p;
	*held = NJ_HELD_SNAPSHOT;
	if ((p = read_snapshot(fd, size, len)) != MAP_FAILED)
		return p;
	*held = NJ_HELD_COPY;
	return read_anonymous(fd, size, len);
}

int
nj_write_all(void *arg, const void *p, size_t n)
{
	int fd = *(int *)arg;
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

int
nj_rules_compile(const struct nj_rules *r, int fd)
{
	return nj_compiled_write(r, nj_write_all, &fd);
}

static void
release(void *p, size_t len)
{
	munmap(p, len);
}

/* A compiled policy open on fd (size bytes): its header checked, a private read-only copy
 * made, the rule set adopted from it. */
static int
rules_map(int fd, size_t size, const struct nj_sys *sys, struct nj_rules **ret, const char **why)
{
	unsigned char head[1024]; /* more than the header (nj_compiled_header_size) */
	struct nj_compiled_copy c;
	size_t hn = nj_compiled_header_size();
	int rc;

	*ret = NULL;
	*why = "";
	if (hn > sizeof(head) || size < hn || pread(fd, head, hn, 0) != (ssize_t)hn) {
		*why = "too short to be a compiled policy";
		return -EINVAL;
	}
	if ((rc = nj_compiled_check_header(head, size, why)) != 0)
		return rc;
	if ((c.base = read_private(fd, size, &c.len, &c.held)) == NULL) {
		rc = errno == EIO ? -EINVAL : -errno;
		if (rc == -EINVAL)
			*why = "truncated while being read";
		return rc;
	}
	c.size = size;
	c.release = release;
	return nj_compiled_adopt(&c, sys, 1, ret, why);
}

/* Read exactly size bytes (the file may not grow under us: we stop at size + 1 and call
 * that a change).  Returns 0 or -errno. */
static int
read_all(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t got = 0;

	for (;;) {
		ssize_t k = read(fd, buf + got, size + 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += (size_t)k;
		if (got > size)
			return -EFBIG;
	}
	*ret_len = got;
	return 0;
}

int
nj_rules_load(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags)
{
	return nj_rules_load_text(path, sys, ret, diags, NULL, NULL);
}

int
nj_rules_load_text(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags, char **ret_text, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	*ret = NULL;
	if (ret_text)
		*ret_text = NULL;
	/* O_NONBLOCK: a FIFO must not hang the program at start-up; O_NOCTTY: a terminal
	 * must not become ours */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		nj_diag_add(diags, 1, 0, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		nj_diag_add(diags, 1, 0, 0, "cannot stat: %s", strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		nj_diag_add(diags, 1, 0, 0, "not a regular file");
		goto out;
	}
	{
		char head[8];
		const char *why;

		if (pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
		    nj_rules_is_compiled(head, sizeof(head))) {
			if ((unsigned long long)st.st_size > NJ_MAX_COMPILED) {
				rc = -EFBIG;
				nj_diag_add(diags, 1, 0, 0, "compiled policy larger than %u bytes",
				    NJ_MAX_COMPILED);
				goto out;
			}
			if (st.st_mode & S_IWOTH)
				nj_diag_add(diags, 0, 0, 0,
				    "the file is world-writable: anyone on "
				    "this machine can change the policy (chmod o-w)");
			rc = rules_map(fd, (size_t)st.st_size, sys, ret, &why);
			if (rc == -EINVAL)
				nj_diag_add(diags, 1, 0, 0, "invalid compiled policy: %s", why);
			else if (rc != 0)
				nj_diag_add(diags, 1, 0, 0, "cannot map: %s", strerror(-rc));
			goto out;
		}
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > NJ_MAX_FILE) {
		rc = -EFBIG;
		nj_diag_add(diags, 1, 0, 0, "file of %lld bytes is larger than the limit of %u",
		    (long long)st.st_size, NJ_MAX_FILE);
		goto out;
	}
	if (st.st_mode & S_IWOTH)
		nj_diag_add(diags, 0, 0, 0,
		    "the file is world-writable: anyone on this machine "
		    "can change the policy (chmod o-w)");
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = read_all(fd, buf, (size_t)st.st_size, &len)) != 0) {
		nj_diag_add(diags, 1, 0, 0,
		    rc == -EFBIG ? "the file grew while being read" : "cannot read: %s",
		    strerror(-rc));
		goto out;
	}
	rc = nj_rules_parse(buf, len, path, sys, ret, diags);
	if (rc == 0 && ret_text) {
		buf[len] = '\0'; /* len <= st_size: the buffer has room */
		*ret_text = buf;
		*ret_len = len;
		buf = NULL;
	}
out:
	free(buf);
	close(fd);
	return rc;
}
