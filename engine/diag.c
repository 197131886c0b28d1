/* diag.c - the list of errors and warnings a parse or lint produces. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/internal.h"

/* Append one message.  Returns 0, or -ENOMEM (the message is then only counted).  Not for
 * the hot path: it formats with vsnprintf. */
int
nj_diag_add(struct nj_diags *d, int error, uint32_t line, uint32_t col, const char *fmt, ...)
{
	struct nj_diag *g;
	va_list ap;

	if (d == NULL)
		return 0;
	if (error)
		d->nerr++;
	else
		d->nwarn++;
	if (d->max && d->n >= d->max) {
		d->dropped++;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct nj_diag *v = realloc(d->v, cap * sizeof(*v));

		if (v == NULL) {
			d->dropped++;
			return -ENOMEM;
		}
		d->v = v;
		d->cap = cap;
	}
	g = &d->v[d->n++];
	g->error = error;
	g->line = line;
	g->col = col;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
	return 0;
}

void
nj_diags_free(struct nj_diags *d)
{
	if (d == NULL)
		return;
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}
