/* path.c - I/O: file names as the kernel will resolve them: absolute, links followed, without
 * allocation (unix socket destinations, for the shim and the library alike). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "sys/sys.h"

/* Make path[0..n) absolute and canonical as the kernel will resolve it: symbolic links
 * followed, "." and ".." taken physically.  Returns 0 with out filled, 1 when the path cannot
 * be resolved (the caller then matches it as written, made absolute; the kernel will not
 * reach a socket through it either), -1 when it does not fit our buffers (deny).  Only
 * readlink(2) and getcwd(3) with our buffer: async-signal-safe, no allocation. */
static int
canon(const char *path, size_t n, char *out, size_t size)
{
	char rest[PATH_MAX], link[PATH_MAX];
	size_t olen = 0, rlen, pos = 0;
	int hops = 0;

	if (n >= sizeof(rest))
		return -1;
	memcpy(rest, path, n);
	rest[n] = '\0';
	rlen = n;
	if (path[0] != '/') {
		if (getcwd(out, size) == NULL)
			return -1;
		olen = strlen(out);
		if (olen == 1)
			olen = 0; /* "/" */
	}
	while (pos < rlen) {
		size_t start, clen;
		ssize_t k;

		while (pos < rlen && rest[pos] == '/')
			pos++;
		start = pos;
		while (pos < rlen && rest[pos] != '/')
			pos++;
		clen = pos - start;
		if (clen == 0 || (clen == 1 && rest[start] == '.'))
			continue;
		if (clen == 2 && rest[start] == '.' && rest[start + 1] == '.') {
			while (olen > 0 && out[olen - 1] != '/')
				olen--;
			if (olen > 0)
				olen--;
			continue;
		}
		if (olen + 1 + clen >= size)
			return -1;
		out[olen] = '/';
		memcpy(out + olen + 1, rest + start, clen);
		out[olen + 1 + clen] = '\0';
		k = readlink(out, link, sizeof(link));
		if (k < 0) {
			if (errno == EINVAL) {
				olen += 1 + clen; /* there, and not a link */
				continue;
			}
			return 1;
		}
		if ((size_t)k >= sizeof(link) || ++hops > 40)
			return hops > 40 ? 1 : -1;
		/* rest = link + remaining */
		if ((size_t)k + (rlen - pos) >= sizeof(rest))
			return -1;
		memmove(rest + k, rest + pos, rlen - pos);
		memcpy(rest, link, (size_t)k);
		rlen = (size_t)k + (rlen - pos);
		rest[rlen] = '\0';
		pos = 0;
		if (link[0] == '/')
			olen = 0;
	}
	if (olen == 0)
		out[olen++] = '/';
	out[olen] = '\0';
	return 0;
}

/* As written, made absolute. */
static int
literal(const char *path, size_t n, char *out, size_t size)
{
	size_t c = 0;

	if (path[0] != '/') {
		if (getcwd(out, size) == NULL)
			return -1;
		c = strlen(out);
		if (c > 1)
			out[c++] = '/';
	}
	if (c + n >= size)
		return -1;
	memcpy(out + c, path, n);
	out[c + n] = '\0';
	return 0;
}

int
nj_path_abs(const char *path, size_t n, char *out, size_t size)
{
	int rc;

	if (n == 0)
		return -1;
	rc = canon(path, n, out, size);
	if (rc == 1)
		rc = literal(path, n, out, size);
	return rc;
}
