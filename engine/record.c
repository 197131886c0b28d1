/* logline.c - the decision line of SPEC.md §6, built piece by piece into a bounded buffer.
 * Shared by the shim (shim/log.c) and the supervisor of netjail run --supervise
 * (cli/notify.c), so both write the same lines.  Pure and async-signal-safe: no allocation,
 * no I/O; the caller writes the line. */
#include <string.h>

#include "engine/internal.h"

void
nj_line_head(struct nj_buf *b, const char *call, int audit)
{
	nj_buf_str(b, audit ? "netjail: would deny " : "netjail: deny ");
	nj_buf_str(b, call);
}

void
nj_line_who(struct nj_buf *b, const char *prog, unsigned long pid)
{
	nj_buf_str(b, " (");
	nj_buf_str(b, prog);
	nj_buf_ch(b, '[');
	nj_buf_uint(b, pid);
	nj_buf_str(b, "]): ");
}

void
nj_line_end(struct nj_buf *b)
{
	if (b->len > b->size - 1)
		b->len = b->size - 1;	/* truncated: still one line */
	b->p[b->len++] = '\n';
}

void
nj_line_dest(struct nj_buf *b, const struct nj_dest *d)
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

