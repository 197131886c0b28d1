/* cache.c - the snapshot cache: a policy compiled once per version and shared, read-only,
 * by every process that loads it (docs/design.md, "Snapshots").
 *
 *     $XDG_CACHE_HOME/netjail/c2-TAG/      (or ~/.cache/...; 0700, ours, or not used)
 *         KEY.nj       an entry: the compiled policy, 0400, written once, never rewritten
 *         m-DEV-INO    a memo: "this file, with this size, mtime and ctime, has key KEY,
 *                      and its entry is the inode I"
 *
 * KEY is the SHA-256 of the build's compiled layout (TAG is made from it too), the policy's
 * absolute path (the entry names it in messages) and the policy's bytes: content, not time.
 * A launch whose policy has not changed reads only the memo: stat, open, read, open, fstat,
 * mmap.  A memo is believed only when the policy's ctime, which no one can set back, lies
 * seconds before the memo was written (git's "racy" rule: two writes in one clock tick leave
 * the same time stamps).  Entries are linked into place, never renamed over: two launches
 * racing to make one keep the first, and a tree's entry is never replaced under it.
 *
 * Entries are mapped shared from the page cache: no private copy, nothing read but the pages
 * a lookup touches.  They are validated whole when made (or found without a memo); a memo's
 * entry is checked by identity (inode, size, ctime, owner, mode), which any write changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/internal.h"
#include "sys/sys.h"

#define RACY_SECONDS 3 /* a memo this close to the policy's change is not believed */

/* ---- names ---- */

static void
hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The key of bytes[0..n) read from path. */
static void
key_of(const char *path, const void *bytes, size_t n, char out[65])
{
	struct nj_sha256 s;
	uint32_t lay[8];
	unsigned char d[32];

	nj_compiled_layout(lay);
	nj_sha256_init(&s);
	nj_sha256_update(&s, "netjail snapshot\n", 17);
	nj_sha256_update(&s, lay, sizeof(lay));
	nj_sha256_update(&s, path, strlen(path) + 1);
	nj_sha256_update(&s, bytes, n);
	nj_sha256_final(&s, d);
	hex(out, d, 32);
}

/* dir made if missing; then it must be a directory of ours that no one else may enter. */
static int
private_dir(const char *dir, int make)
{
	struct stat st;

	if (make && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return -EPERM;
	return 0;
}

int
nj_cache_dir(char *out, size_t size)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	uint32_t lay[8];
	unsigned char d[32];
	char tag[9];
	struct nj_sha256 s;
	size_t n;
	int rc;

	nj_compiled_layout(lay);
	nj_sha256_init(&s);
	nj_sha256_update(&s, lay, sizeof(lay));
	nj_sha256_final(&s, d);
	hex(tag, d, 4);
	if (x && x[0] == '/')
		n = (size_t)snprintf(out, size, "%s", x);
	else if (home && home[0] == '/')
		n = (size_t)snprintf(out, size, "%s/.cache", home);
	else
		return -ENOENT; /* no home: no cache */
	if (n >= size - 32)
		return -ENAMETOOLONG;
	/* ~/.cache itself may be anyone's choice of mode; ours below it is private */
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return -errno;
	memcpy(out + n, "/netjail", 9);
	if ((rc = private_dir(out, 1)) != 0)
		return rc;
	snprintf(out + n + 8, size - n - 8, "/c2-%s", tag);
	return private_dir(out, 1);
}

/* ---- the snapshot's identity ---- */

static void
ident_of(const struct stat *st, struct nj_snap *s)
{
	s->dev = (unsigned long long)st->st_dev;
	s->ino = (unsigned long long)st->st_ino;
	s->size = (unsigned long long)st->st_size;
	s->ctime_sec = (long long)st->st_ctim.tv_sec;
	s->ctime_nsec = (long)st->st_ctim.tv_nsec;
}

/* An entry as we leave it: a regular file of ours, read-only, one name. */
static int
entry_sane(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 0777) == 0400 &&
	    st->st_nlink == 1 && st->st_size > 0 &&
	    (unsigned long long)st->st_size <= NJ_MAX_COMPILED;
}

static int
same_ident(const struct stat *st, const struct nj_snap *s)
{
	struct nj_snap now;

	ident_of(st, &now);
	return now.dev == s->dev && now.ino == s->ino && now.size == s->size &&
	    now.ctime_sec == s->ctime_sec && now.ctime_nsec == s->ctime_nsec;
}

size_t
nj_snap_format(const struct nj_snap *s, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s:%llx:%llx:%llx:%llx.%lx:%s", s->key, s->dev, s->ino,
	    s->size, (unsigned long long)s->ctime_sec, (unsigned long)s->ctime_nsec, s->path);
}

int
nj_snap_parse(const char *v, struct nj_snap *s)
{
	unsigned long long csec;
	unsigned long cnsec;
	int used = 0;

	memset(s, 0, sizeof(*s));
	if (strlen(v) < 66 || v[64] != ':')
		return -EINVAL;
	for (int i = 0; i < 64; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return -EINVAL;
	memcpy(s->key, v, 64);
	if (sscanf(v + 65, "%llx:%llx:%llx:%llx.%lx:%n", &s->dev, &s->ino, &s->size, &csec, &cnsec,
	        &used) != 5 ||
	    used == 0 || v[65 + used] != '/' || strlen(v + 65 + used) >= sizeof(s->path))
		return -EINVAL;
	s->ctime_sec = (long long)csec;
	s->ctime_nsec = (long)cnsec;
	memcpy(s->path, v + 65 + used, strlen(v + 65 + used) + 1);
	return 0;
}

/* ---- mapping an entry ---- */

static void
unmap(void *p, size_t len)
{
	munmap(p, len);
}

/* The entry open on fd (st its fstat), mapped shared and adopted. */
static int
adopt_fd(int fd, const struct stat *st, const struct nj_sys *sys, int full, struct nj_rules **ret,
    const char **why)
{
	struct nj_compiled_copy c;

	c.size = c.len = (size_t)st->st_size;
	c.held = NJ_HELD_SHARED;
	c.release = unmap;
	if ((c.base = mmap(NULL, c.len, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
		return -errno;
	return nj_compiled_adopt(&c, sys, full, ret, why);
}

int
nj_snap_map(const struct nj_snap *s, const struct nj_sys *sys, struct nj_rules **ret,
    const char **why)
{
	struct stat st;
	int fd, rc;

	*ret = NULL;
	*why = "";
	if ((fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
	} else if (!same_ident(&st, s)) {
		*why = "the snapshot changed since the tree started";
		rc = -ESTALE;
	} else if (!entry_sane(&st)) {
		rc = -EACCES; /* another user's (the process changed user): not ours to trust */
	} else {
		rc = adopt_fd(fd, &st, sys, 0, ret, why);
	}
	close(fd);
	return rc;
}

/* ---- memos ---- */

struct memo {
	unsigned long long size;
	long long msec, mnsec, csec, cnsec;
	int racy;
	struct nj_snap entry; /* key and identity (path filled by the caller) */
};

static void
memo_path(const char *dir, const struct stat *st, char *out, size_t size)
{
	snprintf(out, size, "%s/m-%llx-%llx", dir, (unsigned long long)st->st_dev,
	    (unsigned long long)st->st_ino);
}

static int
memo_read(const char *path, struct memo *m)
{
	char buf[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	ssize_t n;
	unsigned long long csec, cnsec;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	memset(m, 0, sizeof(*m));
	if (sscanf(buf,
	        "netjail-memo-1 %llu %lld.%lld %lld.%lld %d %64s %llx:%llx:%llx:%llx.%llx\n",
	        &m->size, &m->msec, &m->mnsec, &m->csec, &m->cnsec, &m->racy, m->entry.key,
	        &m->entry.dev, &m->entry.ino, &m->entry.size, &csec, &cnsec) != 12 ||
	    strlen(m->entry.key) != 64)
		return -1;
	m->entry.ctime_sec = (long long)csec;
	m->entry.ctime_nsec = (long)cnsec;
	return 0;
}

static int
memo_matches(const struct memo *m, const struct stat *st)
{
	return !m->racy && m->size == (unsigned long long)st->st_size &&
	    m->msec == (long long)st->st_mtim.tv_sec &&
	    m->mnsec == (long long)st->st_mtim.tv_nsec &&
	    m->csec == (long long)st->st_ctim.tv_sec && m->cnsec == (long long)st->st_ctim.tv_nsec;
}

/* Written whole and renamed into place: a reader sees the old memo or the new one. */
static void
memo_write(const char *dir, const struct stat *st, const struct nj_snap *e)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], line[512];
	struct timespec now;
	int fd, n, racy;

	clock_gettime(CLOCK_REALTIME, &now);
	racy = now.tv_sec - st->st_ctim.tv_sec < RACY_SECONDS;
	memo_path(dir, st, path, sizeof(path));
	n = snprintf(line, sizeof(line),
	    "netjail-memo-1 %llu %lld.%lld %lld.%lld %d %s %llx:%llx:%llx:%llx.%lx\n",
	    (unsigned long long)st->st_size, (long long)st->st_mtim.tv_sec,
	    (long long)st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
	    (long long)st->st_ctim.tv_nsec, racy, e->key, e->dev, e->ino, e->size,
	    (unsigned long long)e->ctime_sec, (unsigned long)e->ctime_nsec);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n <= 0 || (size_t)n >= sizeof(line) || (fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return;
	if (write(fd, line, (size_t)n) != n || close(fd) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

/* ---- making an entry ---- */

/* Write bytes[0..n) as the entry for key, linked into place: an entry already there (a racing
 * launch's) is kept.  0 or -errno. */
static int
entry_write(const char *dir, const char *key, const void *bytes, size_t n)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s.nj", dir, key);
	snprintf(tmp, sizeof(tmp), "%s/tmp-%s.XXXXXX", dir, key);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return -errno;
	rc = nj_write_all(&fd, bytes, n);
	if (rc == 0 && fchmod(fd, 0400) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST)
		rc = -errno;
	unlink(tmp);
	return rc;
}

/* Does the entry at path hold exactly bytes[0..n)?  1 yes, 0 no, -1 it is not there. */
static int
entry_holds(const char *path, const unsigned char *bytes, size_t n)
{
	unsigned char buf[65536];
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK), same;

	if (fd < 0)
		return errno == ENOENT ? -1 : 0;
	same = fstat(fd, &st) == 0 && entry_sane(&st) && (size_t)st.st_size == n;
	while (same && got < n) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || (size_t)k > n - got || memcmp(buf, bytes + got, (size_t)k) != 0)
			same = 0;
		else
			got += (size_t)k;
	}
	close(fd);
	return same;
}

/* A growable buffer for nj_compiled_write. */
struct grow {
	unsigned char *p;
	size_t n, cap;
};

static int
put_mem(void *arg, const void *p, size_t n)
{
	struct grow *g = arg;

	if (g->n + n > g->cap) {
		size_t cap = g->cap ? g->cap : 65536;
		unsigned char *q;

		while (cap < g->n + n)
			cap *= 2;
		if ((q = realloc(g->p, cap)) == NULL)
			return -ENOMEM;
		g->p = q, g->cap = cap;
	}
	memcpy(g->p + g->n, p, n);
	g->n += n;
	return 0;
}

/* Open the entry of key and adopt it (full: validate it whole); want: it must be that file
 * still.  0, or -errno; -ENOENT when it is not there. */
static int
entry_open(const char *dir, const char *key, const struct nj_snap *want, const struct nj_sys *sys,
    int full, struct nj_rules **ret, struct nj_snap *snap)
{
	struct stat st;
	const char *why;
	int fd, rc;

	snprintf(snap->path, sizeof(snap->path), "%s/%s.nj", dir, key);
	if ((fd = open(snap->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
	} else if (!entry_sane(&st) || (want && !same_ident(&st, want))) {
		rc = -ESTALE;
	} else {
		ident_of(&st, snap);
		memcpy(snap->key, key, 65);
		rc = adopt_fd(fd, &st, sys, full, ret, &why);
	}
	close(fd);
	return rc;
}

/* Every byte of fd (st its fstat, at most max): mapped anonymous, read-only once read.  The
 * file must not change while it is read. */
static unsigned char *
read_whole(int fd, const struct stat *st, size_t *ret_len)
{
	size_t size = (size_t)st->st_size, got = 0, len = size ? size : 1;
	unsigned char *p, one;
	struct stat after;

	if (size == 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	while (got < size) {
		ssize_t k = pread(fd, p + got, size - got, (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	/* a file whose size does not say its length (/proc's) is left to nj_rules_load */
	if (got == size && pread(fd, &one, 1, (off_t)size) != 0)
		got = size + 1;
	if (got != size || fstat(fd, &after) != 0 || after.st_size != st->st_size ||
	    after.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
	    after.st_mtim.tv_sec != st->st_mtim.tv_sec || mprotect(p, len, PROT_READ) != 0) {
		munmap(p, len);
		return NULL;
	}
	*ret_len = len;
	return p;
}

int
nj_rules_load_cached(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags, struct nj_snap *snap)
{
	char dir[PATH_MAX - 80], mpath[PATH_MAX];
	struct stat st;
	struct memo m;
	unsigned char *bytes = NULL;
	size_t blen = 0;
	struct nj_rules *parsed = NULL;
	int fd, rc;

	*ret = NULL;
	memset(snap, 0, sizeof(*snap));
	if (path[0] != '/' || nj_cache_dir(dir, sizeof(dir)) != 0)
		return nj_rules_load(path, sys, ret, diags);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > NJ_MAX_COMPILED) {
		if (fd >= 0)
			close(fd);
		return nj_rules_load(path, sys, ret, diags); /* its errors name the problem */
	}
	/* the fast way: the memo says this file is the version an entry was made from */
	memo_path(dir, &st, mpath, sizeof(mpath));
	if (memo_read(mpath, &m) == 0 && memo_matches(&m, &st) &&
	    entry_open(dir, m.entry.key, &m.entry, sys, 0, ret, snap) == 0)
		goto done;
	/* the slow way: read it, key it; the entry may be there (a policy touched, or put back
	 * as it was), else make it */
	if ((bytes = read_whole(fd, &st, &blen)) == NULL) {
		close(fd);
		return nj_rules_load(path, sys, ret, diags);
	}
	key_of(path, bytes, (size_t)st.st_size, snap->key);
	{
		char key[65], epath[PATH_MAX];
		struct grow g = { NULL, 0, 0 };
		const unsigned char *e = bytes;
		size_t en = (size_t)st.st_size;
		int compiled = nj_rules_is_compiled(bytes, en);

		memcpy(key, snap->key, sizeof(key));
		if (!compiled) {
			if (st.st_size > NJ_MAX_FILE) {
				close(fd);
				munmap(bytes, blen);
				return nj_rules_load(path, sys, ret, diags);
			}
			/* without sys: @self and @resolvers are filled in where it loads */
			rc = nj_rules_parse((const char *)bytes, en, path, NULL, &parsed, diags);
			if (rc == 0)
				rc = nj_compiled_write(parsed, put_mem, &g);
			nj_rules_free(parsed);
			if (rc != 0) {
				free(g.p);
				close(fd);
				munmap(bytes, blen);
				return rc;
			}
			e = g.p, en = g.n;
		}
		/* an entry already there is used only when it holds what we would write: a name
		 * is no proof (anything running as us can write one) */
		snprintf(epath, sizeof(epath), "%s/%s.nj", dir, key);
		rc = 0;
		for (int tries = 0, h; tries < 2 && (h = entry_holds(epath, e, en)) != 1; tries++) {
			/* only an entry that is there and wrong is removed: one that was not there
			 * a moment ago may be a racing launch's, just linked, which its tree
			 * already uses (removing it denied that tree everything) */
			if (h == 0)
				unlink(epath);
			if ((rc = entry_write(dir, key, e, en)) != 0)
				break;
		}
		free(g.p);
		/* a compiled file is validated whole here, as nj_rules_load would */
		if (rc == 0)
			rc = entry_open(dir, key, NULL, sys, compiled, ret, snap);
		if (rc != 0) {
			/* no cache after all (a full disk, a read-only home): as without one */
			munmap(bytes, blen);
			close(fd);
			memset(snap, 0, sizeof(*snap));
			return nj_rules_load(path, sys, ret, diags);
		}
	}
	memo_write(dir, &st, snap);
done:
	if (st.st_mode & S_IWOTH)
		nj_diag_add(diags, 0, 0, 0,
		    "the file is world-writable: anyone on this machine can change the policy "
		    "(chmod o-w)");
	if (bytes)
		munmap(bytes, blen);
	close(fd);
	return 0;
}

int
nj_rules_load_keyed(const char *path, const char *key, const struct nj_sys *sys,
    struct nj_rules **ret, struct nj_diags *diags)
{
	struct stat st;
	unsigned char *bytes;
	size_t blen;
	char k[65];
	int fd, rc;

	*ret = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > NJ_MAX_COMPILED ||
	    (bytes = read_whole(fd, &st, &blen)) == NULL) {
		close(fd);
		return -EIO;
	}
	close(fd);
	key_of(path, bytes, (size_t)st.st_size, k);
	if (strcmp(k, key) != 0) {
		munmap(bytes, blen);
		nj_diag_add(diags, 1, 0, 0, "changed since the tree started");
		return -ESTALE;
	}
	if (nj_rules_is_compiled(bytes, (size_t)st.st_size)) {
		struct nj_compiled_copy c = { bytes, blen, (size_t)st.st_size, NJ_HELD_COPY,
			unmap };
		const char *why;

		rc = nj_compiled_adopt(&c, sys, 1, ret, &why);
		if (rc == -EINVAL)
			nj_diag_add(diags, 1, 0, 0, "invalid compiled policy: %s", why);
		return rc;
	}
	rc = nj_rules_parse((const char *)bytes, (size_t)st.st_size, path, sys, ret, diags);
	munmap(bytes, blen);
	return rc;
}
