/* log.c - the one decision-line formatter and writer: one write(2) per line, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "shim/shim.h"


/* Write one whole line where NETJAIL_LOG says.  A log file is opened, written and closed per
 * line: programs such as ssh close every descriptor above 2 at start-up and reuse the
 * numbers, so a descriptor kept open could end up being someone else's. */
static void
sink(const struct nj_config *c, const char *line, size_t len)
{
	int fd;

	if (c->logdest == NJ_LOG_FILE) {
		fd = open(c->logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			(void)!write(fd, line, len);
			close(fd);
		}
	} else {
		(void)!write(2, line, len);
	}
}

/* A held line's summary: the line, and how many like it were left out. */
static void
summary(const char *line, size_t len, unsigned long held, void *arg)
{
	char buf[NJ_LINE_MAX];
	struct nj_buf b = { buf, sizeof(buf), 0 };

	if (held)
		nj_rl_summary(&b, line, len, held);
	else
		nj_buf_mem(&b, line, len);
	nj_line_end(&b);
	sink(arg, b.p, b.len);
}

/* Every line goes through here.  In enforce mode identical lines are rate-limited (a program
 * that retries for ever would write one a second, for ever); audit mode writes every one,
 * since what it records is the point (netjail learn counts them). */
void
nj_log_line(const char *line, size_t len)
{
	const struct nj_config *c = nj_shim();
	unsigned long held;
	int saved = errno;

	if (c->logdest == NJ_LOG_OFF)
		return;
	if (c->audit)
		sink(c, line, len);
	else if (nj_rl_note(line, len, &held) == NJ_RL_WRITE)
		held ? summary(line, len, held, (void *)c) : sink(c, line, len);
	errno = saved;
}

/* At exit, the lines held back since their last summary. */
__attribute__((destructor)) static void
flush_held(void)
{
	const struct nj_config *c = nj_shim();
	int saved = errno;

	if (c->logdest != NJ_LOG_OFF && !c->audit)
		nj_rl_flush(summary, (void *)c);
	errno = saved;
}

/* Start-up messages: they may come before the configuration is complete, so they always go
 * to stderr unless logging is off. */
void
nj_log_error(const char *msg)
{
	nj_log_line(msg, strlen(msg));
}

/* " (prog[pid]): " */
static void
who(struct nj_buf *b, const struct nj_config *c)
{
	nj_line_who(b, c->prog, (unsigned long)getpid());
}

/* End the line and write it. */
static void
finish(struct nj_buf *b)
{
	nj_line_end(b);
	nj_log_line(b->p, b->len);
}

void
nj_log_verdict(const char *call, const struct nj_dest *d, const struct nj_verdict *v,
    const struct nj_rules *r)
{
	const struct nj_config *c = nj_shim();
	char line[NJ_LINE_MAX];
	struct nj_buf b = { line, sizeof(line), 0 };

	if (c->logdest == NJ_LOG_OFF)
		return;
	nj_line_head(&b, call, c->audit);
	nj_buf_ch(&b, ' ');
	nj_line_dest(&b, d);
	who(&b, c);
	if (r == NULL) {
		nj_buf_str(&b, "no valid rules loaded (NETJAIL_RULES");
		if (c->rules_path[0]) {
			nj_buf_ch(&b, '=');
			nj_buf_str(&b, c->rules_path);
		}
		nj_buf_str(&b, "): every destination is denied");
	} else {
		nj_verdict_why(&b, r, d, v);
	}
	finish(&b);
}

void
nj_log_text(const char *call, const char *what, const char *why, int audit)
{
	const struct nj_config *c = nj_shim();
	char line[NJ_LINE_MAX];
	struct nj_buf b = { line, sizeof(line), 0 };

	if (c->logdest == NJ_LOG_OFF)
		return;
	nj_line_head(&b, call, audit);
	if (what && *what) {
		nj_buf_ch(&b, ' ');
		nj_buf_str(&b, what);
	}
	who(&b, c);
	nj_buf_str(&b, why);
	finish(&b);
}
