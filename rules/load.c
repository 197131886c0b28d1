/* load.c - I/O: read a rules file safely and hand its bytes to the parser. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

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
				nj_diag_add(diags, 0, 0, 0, "the file is world-writable: anyone on "
				    "this machine can change the policy (chmod o-w)");
			rc = nj_rules_map(fd, (size_t)st.st_size, sys, ret, &why);
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
		nj_diag_add(diags, 0, 0, 0, "the file is world-writable: anyone on this machine "
		    "can change the policy (chmod o-w)");
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = read_all(fd, buf, (size_t)st.st_size, &len)) != 0) {
		nj_diag_add(diags, 1, 0, 0, rc == -EFBIG ? "the file grew while being read" :
		    "cannot read: %s", strerror(-rc));
		goto out;
	}
	rc = nj_rules_parse(buf, len, path, sys, ret, diags);
	if (rc == 0 && ret_text) {
		buf[len] = '\0';	/* len <= st_size: the buffer has room */
		*ret_text = buf;
		*ret_len = len;
		buf = NULL;
	}
out:
	free(buf);
	close(fd);
	return rc;
}
