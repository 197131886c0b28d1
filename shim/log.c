/* log.c - the one decision-line formatter and writer: one write(2) per line, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

#define LINE_MAX_ 512	/* SPEC.md §6: at most 512 bytes a line */

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

/* "netjail: [would ]deny CALL" */
static void
head(struct nj_buf *b, const char *call, int audit)
{
	nj_buf_str(b, audit ? "netjail: would deny " : "netjail: deny ");
	nj_buf_str(b, call);
}

/* " (prog[pid]): " */
static void
who(struct nj_buf *b, const struct nj_config *c)
{
	nj_buf_str(b, " (");
	nj_buf_str(b, c->prog);
	nj_buf_ch(b, '[');
	nj_buf_uint(b, (unsigned long)getpid());
	nj_buf_str(b, "]): ");
}

/* End the line (cut to LINE_MAX_ with its newline) and write it. */
static void
finish(struct nj_buf *b)
{
	if (b->len > b->size - 1)
		b->len = b->size - 1;	/* truncated: still one line */
	b->p[b->len++] = '\n';
	nj_log_line(b->p, b->len);
}

static void
put_dest(struct nj_buf *b, const struct nj_dest *d)
{
	char ip[64];

	switch (d->kind) {
	case NJ_DEST_IP:
		nj_buf_str(b, d->proto == NJ_PROTO_TCP ? "tcp " : d->proto == NJ_PROTO_UDP ?
		    "udp " : "ip ");
		nj_ip_format(&d->ip, ip, sizeof(ip));
		if (d->ip.family == 6)
			nj_buf_ch(b, '[');
		nj_buf_str(b, ip);
		if (d->ip.family == 6)
			nj_buf_ch(b, ']');
		if (d->port != NJ_PORT_ANY) {
			nj_buf_ch(b, ':');
			nj_buf_uint(b, (unsigned long)d->port);
		}
		break;
	case NJ_DEST_UNIX:
		nj_buf_str(b, "unix ");
		if (d->abstract)
			nj_buf_ch(b, '@');
		/* abstract names may hold any byte: keep the line one line */
		for (size_t i = 0; i < d->pathlen; i++) {
			char c = d->path[i];

			nj_buf_ch(b, (c >= 0x20 && c < 0x7f) ? c : '?');
		}
		if (d->pathlen == 0 && !d->abstract)
			nj_buf_str(b, "(unnamed)");
		break;
	default:
		nj_buf_str(b, "family ");
		if (nj_family_name(d->family))
			nj_buf_str(b, nj_family_name(d->family));
		else
			nj_buf_uint(b, (unsigned long)d->family);
		break;
	}
}

void
nj_log_verdict(const char *call, const struct nj_dest *d, const struct nj_verdict *v,
    const struct nj_rules *r)
{
	const struct nj_config *c = nj_shim();
	char line[LINE_MAX_];
	struct nj_buf b = { line, sizeof(line), 0 };

	if (c->logdest == NJ_LOG_OFF)
		return;
	head(&b, call, c->audit);
	nj_buf_ch(&b, ' ');
	put_dest(&b, d);
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
	char line[LINE_MAX_];
	struct nj_buf b = { line, sizeof(line), 0 };

	if (c->logdest == NJ_LOG_OFF)
		return;
	head(&b, call, audit);
	if (what && *what) {
		nj_buf_ch(&b, ' ');
		nj_buf_str(&b, what);
	}
	who(&b, c);
	nj_buf_str(&b, why);
	finish(&b);
}
