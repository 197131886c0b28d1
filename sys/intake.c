/* intake.c - unix pathname destinations made canonical where the caller stands (intake.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/intake.h"

/* In another process: as its kernel would resolve it, made canonical in our view: a relative
 * path from its working directory (/proc/PID/cwd), an absolute one from its root
 * (/proc/PID/root), symbolic links followed; as written, made absolute, when it does not
 * resolve. */
static int
abs_of(int pid, const char *p, size_t n, char *out, size_t size)
{
	char lit[PATH_MAX + 64], cwd[PATH_MAX], full[PATH_MAX];
	ssize_t k;
	int w;

	w = snprintf(lit, sizeof(lit), "/proc/%d/%s/%.*s", pid, p[0] == '/' ? "root" : "cwd",
	    (int)n, p);
	if (w < 0 || (size_t)w >= sizeof(lit))
		return -1;
	if (realpath(lit, full) != NULL) {
		w = snprintf(out, size, "%s", full);
		return w < 0 || (size_t)w >= size ? -1 : 0;
	}
	if (p[0] == '/') {
		w = snprintf(out, size, "%.*s", (int)n, p);
	} else {
		snprintf(lit, sizeof(lit), "/proc/%d/cwd", pid);
		if ((k = readlink(lit, cwd, sizeof(cwd) - 1)) <= 0)
			return -1;
		cwd[k] = '\0';
		w = snprintf(out, size, "%s/%.*s", k > 1 ? cwd : "", (int)n, p);
	}
	return w < 0 || (size_t)w >= size ? -1 : 0;
}

int
nj_intake_unix(struct nj_dest *d, int pid, char *buf, size_t size)
{
	int saved = errno;
	int rc = pid == 0 ? nj_path_abs(d->path, d->pathlen, buf, size) :
	                    abs_of(pid, d->path, d->pathlen, buf, size);

	struct stat st;

	if (rc != 0) {
		errno = saved;
		return -ENAMETOOLONG;
	}
	d->path = buf;
	d->pathlen = strlen(buf);
	/* A socket is one file that may have several names: a hard link to it in an allowed
	 * directory would carry a denied socket's connections.  Its other names cannot be found,
	 * so a socket with more than one is not judged by the name it was reached by. */
	rc = stat(buf, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_nlink > 1 ? -EMLINK : 0;
	errno = saved;
	return rc;
}

const char *
nj_intake_unix_why(int rc)
{
	return rc == -EMLINK ? "it is a socket with several names (hard links): netjail cannot "
	                       "judge it by the one it was reached by" :
	                       "it is too long to resolve";
}
