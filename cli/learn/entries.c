/* entries.c - what learn gathers: small sorted sets of names, and the entries (one per
 * suggested rule or note), found by key.
 *
 * The key is also the output order: its first byte is the section, then a sort key that
 * puts IPv4 before IPv6 in address, proto and port order (fixed-width hex and digits), unix
 * paths, families and programs by name, then the entry's text, which makes it unique. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/learn/learn.h"

/* snprintf for texts that may be cut harmlessly: comments, and rules and keys built from a
 * record, whose buffers hold them whole; a cut rule would fail rule_ok anyway. */
void
nj_learn_fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

/* Add s[0..n) once, keeping v sorted.  A full set keeps the smallest names, so what it
 * holds does not depend on the order they came in.  Returns 0 or -ENOMEM. */
int
nj_names_add(struct names *s, const char *p, size_t n)
{
	size_t i;
	char *c;

	for (i = 0; i < s->n; i++) {
		int d = strncmp(s->v[i], p, n);

		if (d == 0 && s->v[i][n] == '\0')
			return 0;
		if (d > 0 || (d == 0 && s->v[i][n] != '\0'))
			break;
	}
	if (s->n == NAMES_KEPT) {
		s->more = 1;
		if (i == NAMES_KEPT)
			return 0;
		free(s->v[--s->n]); /* the largest falls off */
	}
	if ((c = strndup(p, n)) == NULL)
		return -ENOMEM;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
	s->v[i] = c;
	s->n++;
	return 0;
}

void
nj_names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct entry **
find_slot(struct entry **slot, size_t cap, const char *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);

	while (slot[i] && strcmp(slot[i]->key, key) != 0)
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static int
grow(struct learned *L)
{
	size_t cap = L->cap ? L->cap * 2 : 64;
	struct entry **slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < L->cap; i++)
		if (L->slot[i])
			*find_slot(slot, cap, L->slot[i]->key) = L->slot[i];
	free(L->slot);
	L->slot = slot;
	L->cap = cap;
	return 0;
}

/* Count one decision for the entry (section, sortkey, text), made by call on dest by prog.
 * Returns the entry, or NULL when out of memory (then L->oom). */
struct entry *
nj_learn_add(struct learned *L, int section, const char *sortkey, const char *text,
    const char *call, const char *dest, const char *prog, size_t progn)
{
	size_t klen = strlen(sortkey), tlen = strlen(text);
	struct entry **sl, *e;
	char *key;

	if (L->oom)
		return NULL;
	if ((key = malloc(1 + klen + 1 + tlen + 1)) == NULL)
		goto oom;
	key[0] = (char)section;
	memcpy(key + 1, sortkey, klen);
	key[1 + klen] = '\001'; /* below every printable byte: shorter sort keys first */
	memcpy(key + 2 + klen, text, tlen + 1);
	if ((L->n + 1) * 2 > L->cap && grow(L) != 0) {
		free(key);
		goto oom;
	}
	sl = find_slot(L->slot, L->cap, key);
	if ((e = *sl) == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			free(key);
			goto oom;
		}
		e->key = key;
		e->text = key + 2 + klen;
		*sl = e;
		L->n++;
	} else {
		free(key);
	}
	e->count += L->weight ? L->weight : 1;
	if (nj_names_add(&e->progs, prog, progn) != 0 ||
	    nj_names_add(&e->calls, call, strlen(call)) != 0 ||
	    (dest && nj_names_add(&e->dests, dest, strlen(dest)) != 0))
		goto oom;
	return e;
oom:
	L->oom = 1;
	return NULL;
}

/* add, for a rule wider than what was seen: why says why (the first one given is kept). */
void
nj_learn_add_wide(struct learned *L, const char *sortkey, const char *rule, const char *why,
    const char *call, const char *dest, const char *prog, size_t progn)
{
	struct entry *e = nj_learn_add(L, S_ALLOW, sortkey, rule, call, dest, prog, progn);

	if (e && e->why == NULL && (e->why = strdup(why)) == NULL)
		L->oom = 1;
}

void
nj_learned_free(struct learned *L)
{
	for (size_t i = 0; i < L->cap; i++) {
		struct entry *e = L->slot[i];

		if (e == NULL)
			continue;
		nj_names_free(&e->progs);
		nj_names_free(&e->calls);
		nj_names_free(&e->dests);
		free(e->key);
		free(e->why);
		free(e);
	}
	free(L->slot);
	nj_names_free(&L->shim_said);
}
