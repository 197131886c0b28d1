/* write.c - the learned section: the entries sorted, as comments and commented-out rules,
 * checked to parse, written after the rules text to -o (atomically) or standard output. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/learn/learn.h"

static const char *const heading[] = {
	[S_ALLOW - '1'] = NULL,
	[S_BLOCKED - '1'] = "denied by a block rule (an allow cannot override a block):",
	[S_NOTE - '1'] = "denied, with no allow rule to suggest:",
	[S_NAME - '1'] = "names whose answers would have been removed (allowing the connections "
	                 "above is enough; listed for reference):",
};

/* One comment line: "# " and text, every byte that is not printable ASCII as '?', so that
 * the file stays valid whatever a path or a program name held. */
static void __attribute__((format(printf, 2, 3))) comment(FILE *f, const char *format, ...)
{
	char buf[TEXT_MAX * 2];
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	fprintf(f, "#%s%s\n", buf[0] ? " " : "", buf);
}

/* "a, b, c" or "a, b and others" into buf. */
static void
join(const struct names *s, const char *sep, char *buf, size_t size)
{
	struct nj_buf b = { buf, size, 0 };
	size_t shown = s->n < NAMES_SHOWN ? s->n : NAMES_SHOWN;

	buf[0] = '\0';
	for (size_t i = 0; i < shown; i++) {
		if (i)
			nj_buf_str(&b, sep);
		nj_buf_str(&b, s->v[i]);
	}
	if (s->more || shown < s->n)
		nj_buf_str(&b, " and others");
}

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(struct entry *const *)a)->key, (*(struct entry *const *)b)->key);
}

/* "3 times, by curl, python3" */
static void
tally(const struct entry *e, char *buf, size_t size)
{
	char progs[TEXT_MAX / 2];

	join(&e->progs, ", ", progs, sizeof(progs));
	nj_learn_fmt(buf, size, "%lu time%s, by %s", e->count, e->count == 1 ? "" : "s", progs);
}

static void
write_entries(FILE *f, struct entry **v, size_t n)
{
	int section = 0;

	for (size_t i = 0; i < n; i++) {
		const struct entry *e = v[i];
		char t[TEXT_MAX / 2], calls[TEXT_MAX / 4], dests[TEXT_MAX];

		tally(e, t, sizeof(t));
		if (e->key[0] != section) {
			section = e->key[0];
			if (heading[section - '1']) {
				fputc('\n', f);
				comment(f, "%s", heading[section - '1']);
			}
		}
		if (section == S_NOTE || section == S_NAME) {
			comment(f, "%s (%s)", e->text, t);
			continue;
		}
		join(&e->calls, "/", calls, sizeof(calls));
		join(&e->dests, ", ", dests, sizeof(dests));
		fputc('\n', f);
		comment(f, "%s %s: %s", calls, dests, t);
		if (e->why)
			comment(f, "(%s)", e->why);
		comment(f, "%s", e->text);
	}
}

/* The learned section, after the rules text (a blank line between them when there is
 * any).  Returns 0 or -ENOMEM. */
static int
write_section(FILE *f, struct learned *L, char **argv, const char *rpath, int after_text)
{
	struct entry **v = NULL;
	size_t n = 0, nallow = 0;
	char cmd[160], date[64];
	struct nj_buf b = { cmd, sizeof(cmd), 0 };
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = time(NULL);
	struct tm tm;

	/* the command as a reader would type it, shortened */
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			nj_buf_ch(&b, ' ');
		nj_buf_str(&b, argv[i]);
	}
	if (b.len >= sizeof(cmd))
		memcpy(cmd + sizeof(cmd) - 4, "...", 4);
	/* reproducible builds' convention, for output that must compare byte for byte */
	if (sde && *sde && strspn(sde, "0123456789") == strlen(sde) && strlen(sde) < 19)
		now = (time_t)strtoll(sde, NULL, 10);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		nj_learn_fmt(date, sizeof(date), "unknown date");

	if (L->n && (v = malloc(L->n * sizeof(*v))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < L->cap; i++)
		if (L->slot[i] && !L->slot[i]->gone)
			v[n++] = L->slot[i];
	if (n)
		qsort(v, n, sizeof(*v), by_key);
	for (size_t i = 0; i < n; i++)
		nallow += v[i]->key[0] == S_ALLOW;

	if (after_text)
		fputc('\n', f);
	comment(f, "---- netjail learn: %s (%s) ----", cmd, date);
	if (L->decisions == 0) {
		comment(f,
		    "Nothing would have been denied: the rules (%s) allow everything "
		    "the command did.",
		    rpath);
	} else {
		comment(f,
		    "The command's processes asked for %lu connection%s, datagram%s or "
		    "program%s that the rules (%s) deny.",
		    L->decisions, L->decisions == 1 ? "" : "s", L->decisions == 1 ? "" : "s",
		    L->decisions == 1 ? "" : "s", rpath);
		if (nallow)
			comment(f,
			    "%zu suggested allow rule%s below, commented out: review, then "
			    "delete the \"# \" before \"allow\" to adopt.",
			    nallow, nallow == 1 ? "" : "s");
	}
	if (L->skipped)
		comment(f,
		    "%lu line%s of the audit log could not be read (cut short or garbled) "
		    "and were skipped.",
		    L->skipped, L->skipped == 1 ? "" : "s");
	write_entries(f, v, n);
	fputc('\n', f);
	comment(f, "---- end of netjail learn ----");
	free(v);
	return 0;
}

/* The section must parse as it is (comments only) and with every suggestion uncommented
 * (exactly nallow rules): a guard against our own mistakes, cheap next to running the
 * command. */
static int
section_valid(const char *text, size_t len)
{
	struct nj_rules *r = NULL;
	char *un = malloc(len + 1);
	size_t n = 0, want = 0;
	int ok;

	if (un == NULL)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && strncmp(text + i, "# allow ", 8) == 0) {
			i += 1; /* drop "# " */
			want++;
			continue;
		}
		un[n++] = text[i];
	}
	ok = nj_rules_parse(text, len, "section", NULL, &r, NULL) == 0 && nj_rules_count(r) == 0;
	nj_rules_free(r);
	r = NULL;
	ok = ok && nj_rules_parse(un, n, "section", NULL, &r, NULL) == 0 &&
	    nj_rules_count(r) == want;
	nj_rules_free(r);
	free(un);
	return ok;
}

/* Where -o writes: an existing file where its links lead (so a link stays a link), with its
 * mode; a new file with the mode open(2) would give it.  A file that exists but is not a
 * regular file is refused, and so is a directory we cannot write in: both before the command
 * runs.  Returns 0, or -1 (printed). */
int
nj_learn_out_target(const char *out, char *path, size_t size, mode_t *ret_mode)
{
	char dir[PATH_MAX];
	struct stat st;
	const char *slash;
	mode_t um;

	if (stat(out, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			warnx(
			    "-o %s: not a regular file (leave -o out to write to standard output)",
			    out);
			return -1;
		}
		if (realpath(out, path) == NULL) {
			warn("-o %s", out);
			return -1;
		}
		*ret_mode = st.st_mode & 07777;
	} else {
		if ((size_t)snprintf(path, size, "%s", out) >= size) {
			warnx("-o %s: path too long", out);
			return -1;
		}
		um = umask(0);
		umask(um);
		*ret_mode = 0666 & ~um;
	}
	slash = strrchr(path, '/');
	nj_learn_fmt(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
	    slash ? path : ".");
	if (access(dir, W_OK) != 0) {
		warn("-o %s: cannot write in %s", out, dir);
		return -1;
	}
	return 0;
}

/* Write a and b to path through a temporary file beside it and rename(2): a reader sees
 * the old file or the whole new one.  Returns 0, or -1 (printed). */
static int
write_atomic(const char *path, mode_t mode, const char *a, size_t alen, const char *b, size_t blen)
{
	char tmp[PATH_MAX + 16];
	int fd, rc = -1;
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		warnx("%s: path too long", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		warn("%s", tmp);
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	fwrite(a, 1, alen, f);
	fwrite(b, 1, blen, f);
	if (fflush(f) == 0 && !ferror(f) && fchmod(fd, mode) == 0 && fsync(fd) == 0)
		rc = 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
out:
	if (rc != 0) {
		warn("cannot write %s", path);
		unlink(tmp);
	}
	return rc;
}

/* Everything after the command: what the shim said, the rules text and the learned section
 * to out (NULL: standard output), a summary on stderr.  Returns 0, or -1 (printed). */
int
nj_learn_emit(struct learned *L, const char *text, size_t tlen, char **argv, const char *rpath,
    const char *out, mode_t mode)
{
	size_t slen = 0, nallow = 0, nother = 0;
	char *sect = NULL;
	FILE *mem;
	int rc = -1;

	for (size_t k = 0; k < L->shim_said.n; k++)
		warnx("the jailed command's shim said: %s", L->shim_said.v[k]);
	if (L->skipped)
		warnx("warning: %lu line%s of the audit log could not be read and %s skipped",
		    L->skipped, L->skipped == 1 ? "" : "s", L->skipped == 1 ? "was" : "were");
	if (L->oom || (mem = open_memstream(&sect, &slen)) == NULL) {
		warnx("out of memory");
		return -1;
	}
	if (tlen && text[tlen - 1] != '\n')
		fputc('\n', mem);
	rc = write_section(mem, L, argv, rpath, tlen > 0);
	if (fclose(mem) != 0 || rc != 0) {
		warnx("out of memory");
		free(sect);
		return -1;
	}
	rc = -1;
	if (!section_valid(sect, slen)) {
		warnx("internal error: the suggestions do not parse; nothing written");
	} else if (out) {
		rc = write_atomic(out, mode, text, tlen, sect, slen);
	} else {
		fwrite(text, 1, tlen, stdout);
		fwrite(sect, 1, slen, stdout);
		if (fflush(stdout) == 0 && !ferror(stdout))
			rc = 0;
		else
			warn("cannot write the suggestions");
	}
	free(sect);
	if (rc != 0)
		return -1;
	for (size_t k = 0; k < L->cap; k++)
		if (L->slot[k])
			*(L->slot[k]->key[0] == S_ALLOW ? &nallow : &nother) += 1;
	warnx("learned %zu suggested allow rule%s and %zu note%s from %lu denied decision%s%s%s",
	    nallow, nallow == 1 ? "" : "s", nother, nother == 1 ? "" : "s", L->decisions,
	    L->decisions == 1 ? "" : "s", out ? "; written to " : "", out ? out : "");
	return 0;
}
