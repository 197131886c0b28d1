/* log.c - where decision records go: standard error, nowhere, or a file; as text or JSON;
 * identical denials rate-limited.  The one sink of the shim and of the supervisor of
 * netjail run --supervise.
 *
 * A log file is opened, written and closed per line: programs such as ssh close every
 * descriptor above 2 at start-up and reuse the numbers, so a descriptor kept open could end
 * up being someone else's.  Every line is one write(2), with O_APPEND: the lines of a whole
 * process tree interleave whole. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/sys.h"

/* The words of NETJAIL_LOG and NETJAIL_LOG_FORMAT, read in every jailed process at start-up:
 * in .data, beside what the shim's start-up writes anyway, not on a page of .rodata that
 * every process would fault in for them alone. */
static char words[4][8] = { "stderr", "off", "text", "json" };
enum { W_STDERR, W_OFF, W_TEXT, W_JSON };

static int
same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Hot, like the shim's start-up that calls them (shim/init.c): on its page of code. */
__attribute__((hot)) int
nj_log_set_dest(struct nj_log *l, const char *value)
{
	l->dest = NJ_LOG_STDERR;
	l->path = NULL;
	if (value == NULL || value[0] == '\0' || same(value, words[W_STDERR]))
		return 0;
	if (same(value, words[W_OFF])) {
		l->dest = NJ_LOG_OFF;
		return 0;
	}
	if (value[0] == '/') {
		l->dest = NJ_LOG_FILE;
		l->path = value;
		return 0;
	}
	return -EINVAL;
}

__attribute__((hot)) int
nj_log_set_format(struct nj_log *l, const char *value)
{
	l->json = 0;
	if (value == NULL || value[0] == '\0' || same(value, words[W_TEXT]))
		return 0;
	if (same(value, words[W_JSON])) {
		l->json = 1;
		return 0;
	}
	return -EINVAL;
}

static void
sink(const struct nj_log *l, const char *line, size_t len)
{
	int fd;

	if (l->dest == NJ_LOG_FILE) {
		fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			(void)!write(fd, line, len);
			close(fd);
		}
	} else {
		(void)!write(2, line, len);
	}
}

static void
render(const struct nj_log *l, const struct nj_record *r, struct nj_buf *b)
{
	if (l->json)
		nj_record_json(b, r);
	else
		nj_record_text(b, r);
	nj_line_end(b);
}

void
nj_log_record(const struct nj_log *l, struct nj_record *r)
{
	char key[NJ_LINE_MAX], out[NJ_RECORD_MAX];
	struct nj_buf k = { key, sizeof(key), 0 }, o = { out, sizeof(out), 0 };
	struct timespec now;
	unsigned long held = 0;
	int saved = errno;

	if (l->dest == NJ_LOG_OFF)
		return;
	if (l->json && r->time == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0) {
		r->time = (long long)now.tv_sec;
		r->msec = (unsigned)(now.tv_nsec / 1000000);
	}
	render(l, r, &o);
	if (!l->audit && (r->verdict == NJ_REC_DENY || r->verdict == NJ_REC_WOULD_DENY)) {
		/* the text line is the key: it names the process and holds no time */
		nj_record_text(&k, r);
		if (nj_rl_note(k.p, k.len < sizeof(key) ? k.len : sizeof(key), o.p, o.len, &held) ==
		    NJ_RL_HOLD) {
			errno = saved;
			return;
		}
		if (held) {
			r->count = held;
			o.len = 0;
			render(l, r, &o);
		}
	}
	sink(l, o.p, o.len);
	errno = saved;
}

/* A line held back, written at exit with the count of the others like it. */
static void
summary(const char *line, size_t len, unsigned long held, void *arg)
{
	const struct nj_log *l = arg;
	char buf[NJ_RECORD_MAX + 64]; /* the line, and room for its count */
	struct nj_buf b = { buf, sizeof(buf), 0 };

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (held == 0) {
		nj_buf_mem(&b, line, len);
	} else if (l->json && len > 0 && line[len - 1] == '}') {
		nj_buf_mem(&b, line, len - 1);
		nj_buf_str(&b, ",\"count\":");
		nj_buf_uint(&b, held);
		nj_buf_ch(&b, '}');
	} else {
		nj_buf_mem(&b, line, len);
		nj_buf_str(&b, " [");
		nj_buf_uint(&b, held);
		nj_buf_str(&b, " more like it not shown]");
	}
	nj_line_end(&b);
	sink(l, b.p, b.len);
}

__attribute__((hot)) void
nj_log_flush(const struct nj_log *l)
{
	int saved = errno;

	if (l->dest != NJ_LOG_OFF && !l->audit)
		nj_rl_flush(summary, (void *)l);
	errno = saved;
}
