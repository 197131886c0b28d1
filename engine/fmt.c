/* fmt.c - bounded, async-signal-safe text appenders (the shim's log lines are built with these). */
#include <string.h>

#include "engine/internal.h"

/* Append n bytes; the buffer always stays NUL-terminated and len counts what was wanted, as
 * snprintf's return value does, so a caller can tell truncation. */
void
nj_buf_mem(struct nj_buf *b, const char *s, size_t n)
{
	if (b->size > 0 && b->len < b->size - 1) {
		size_t room = b->size - 1 - b->len;
		size_t k = n < room ? n : room;

		memcpy(b->p + b->len, s, k);
		b->p[b->len + k] = '\0';
	} else if (b->size > 0) {
		b->p[b->size - 1] = '\0';
	}
	b->len += n;
}

void
nj_buf_str(struct nj_buf *b, const char *s)
{
	nj_buf_mem(b, s, strlen(s));
}

void
nj_buf_ch(struct nj_buf *b, char c)
{
	nj_buf_mem(b, &c, 1);
}

void
nj_buf_uint(struct nj_buf *b, unsigned long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	nj_buf_mem(b, tmp + i, sizeof(tmp) - i);
}
