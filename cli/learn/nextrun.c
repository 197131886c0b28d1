/* nextrun.c - what changes from one run to the next.
 *
 * A test suite starts its own servers (mocks) on ports the kernel picks from the ephemeral
 * range, and puts sockets in directories mktemp(1) makes: both differ at the next run, so an
 * exact rule for them fails then.  Such destinations get the rule that holds next time: the
 * whole ephemeral range of that address, or a glob over the temporary directory's name. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli/learn/learn.h"

/* The ephemeral port range of this machine (this network namespace): the command ran in it. */
void
nj_learn_machine(struct learned *L)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	const char *t = getenv("TMPDIR");
	char buf[PATH_MAX];

	L->eph_lo = L->eph_hi = 0;
	if (f) {
		if (fscanf(f, "%d %d", &L->eph_lo, &L->eph_hi) != 2 || L->eph_lo < 1 ||
		    L->eph_hi > 65535 || L->eph_lo > L->eph_hi)
			L->eph_lo = L->eph_hi = 0;
		fclose(f);
	}
	L->tmpdir[0] = '\0';
	if (t && t[0] == '/' && realpath(t, buf) != NULL && strcmp(buf, "/") != 0)
		nj_learn_fmt(L->tmpdir, sizeof(L->tmpdir), "%s", buf);
	clock_gettime(CLOCK_REALTIME, &L->start);
}

int
nj_learn_ephemeral(const struct learned *L, int port)
{
	return L->eph_lo > 0 && port >= L->eph_lo && port <= L->eph_hi;
}

/* Does name (one path component) look made by mktemp: a prefix ending in '.', '-' or '_'
 * (mktemp's "tmp.", a test's "pgtest-") and at least 6 letters and digits (its X's), or
 * Python's "tmp" and 8 of [a-z0-9_]?  The length of the prefix to keep, or 0. */
static size_t
mktemp_prefix(const char *name, size_t n)
{
	size_t k = n, rnd;

	if (n == 11 && strncmp(name, "tmp", 3) == 0 &&
	    strspn(name + 3, "abcdefghijklmnopqrstuvwxyz0123456789_") >= 8)
		return 3;
	while (k > 0 &&
	    ((name[k - 1] >= 'a' && name[k - 1] <= 'z') ||
	        (name[k - 1] >= 'A' && name[k - 1] <= 'Z') ||
	        (name[k - 1] >= '0' && name[k - 1] <= '9')))
		k--;
	rnd = n - k;
	if (k < 2 || rnd < 6 || (name[k - 1] != '.' && name[k - 1] != '-' && name[k - 1] != '_'))
		return 0;
	return k;
}

/* When was path born?  1 with *t set, 0 when the file system does not say, -1 when path
 * cannot be looked at.  statx(2); musl before 1.2.5 has no wrapper for it, and then the
 * system call is made and its answer read where the kernel writes it (struct statx:
 * stx_mask at 0, stx_btime's seconds and nanoseconds at 80 and 88). */
static int
birth(const char *path, struct timespec *t)
{
#ifdef STATX_BTIME
	struct statx st;

	if (statx(AT_FDCWD, path, 0, STATX_BTIME, &st) != 0)
		return -1;
	if (!(st.stx_mask & STATX_BTIME))
		return 0;
	t->tv_sec = st.stx_btime.tv_sec;
	t->tv_nsec = st.stx_btime.tv_nsec;
	return 1;
#else
	unsigned char st[256];
	uint32_t mask, ns;
	int64_t s;

	if (syscall(SYS_statx, AT_FDCWD, path, 0, 0x800U /* STATX_BTIME */, st) != 0)
		return -1;
	memcpy(&mask, st, sizeof(mask));
	if (!(mask & 0x800U))
		return 0;
	memcpy(&s, st + 80, sizeof(s));
	memcpy(&ns, st + 88, sizeof(ns));
	t->tv_sec = (time_t)s;
	t->tv_nsec = (long)ns;
	return 1;
#endif
}

/* A unix path inside a directory made for the run under a temporary directory (TMPDIR,
 * /tmp, /var/tmp, /dev/shm): its name looks made by mktemp, and it is gone now or was made
 * after the command started.  Then glob is the rule's path, "/tmp/tmp.*", and 1. */
int
nj_learn_temp_glob(const struct learned *L, const char *path, char *glob, size_t size)
{
	const char *roots[] = { L->tmpdir, "/tmp", "/var/tmp", "/dev/shm" };

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		size_t rn = strlen(roots[i]), cn, keep;
		const char *c = path + rn + 1;
		char dir[PATH_MAX];
		struct timespec born;
		int k;

		if (rn == 0 || strncmp(path, roots[i], rn) != 0 || path[rn] != '/')
			continue;
		cn = strcspn(c, "/");
		if (c[cn] != '/' || (keep = mktemp_prefix(c, cn)) == 0)
			continue; /* not a directory of its own, or no mktemp name */
		nj_learn_fmt(dir, sizeof(dir), "%.*s", (int)(rn + 1 + cn), path);
		/* made for the run: gone now, or born after it started (a directory's change
		 * time moves with every entry made in it: it does not tell) */
		if ((k = birth(dir, &born)) == 0 ||
		    (k == 1 &&
		        (born.tv_sec < L->start.tv_sec ||
		            (born.tv_sec == L->start.tv_sec && born.tv_nsec < L->start.tv_nsec))))
			continue;
		if ((size_t)snprintf(glob, size, "%.*s*", (int)(rn + 1 + keep), path) >= size)
			return 0;
		return 1;
	}
	return 0;
}
