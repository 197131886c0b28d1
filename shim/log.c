/* log.c - the one decision-line formatter and writer: one write(2) per line, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"


/* Write one whole line where NETJAIL_LOG says.  A log file is opened, written and closed per
 * line: programs such as ssh close every descriptor above 2 at start-up and reuse the
 * numbers, so a descriptor kept open could end up being someone else's. */
void
nj_log_line(const char *line, size_t len)
{
	const struct nj_config *c = nj_shim();
	int saved = errno;
	int fd;

	if (c->logdest == NJ_LOG_OFF)
		return;
	if (c->logdest == NJ_LOG_FILE) {
		fd = open(c->logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			(void)!write(fd, line, len);
			close(fd);
		}
	} else {
		(void)!write(2, line, len);
	}
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
