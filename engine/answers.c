/* answers.c - answers lookups were given, with the names that asked (SPEC.md §3a, §8a): what
 * a host rule allows is read from here on the connect path, and only when the address rules
 * alone deny.  One table for the preload (shim/answers.c maps one per process) and for the
 * supervisor's relay (one per supervised tree); the caller owns the memory, zeroed.
 *
 *     ring:  NRING entries, written in turn (gen = the count of entries ever written);
 *            the oldest is overwritten: its name must be looked up again
 *     index: NINDEX slots (open addressing on the address, PROBES slots a chain), each
 *            gen + 1 of an entry, 0 never used; a slot whose entry has been overwritten
 *            is stale and taken by the next insert on its chain
 *
 * An entry is written under its own sequence count (odd while it is written); a reader
 * copies it and believes it only if the count was even and unchanged, so a reader never
 * waits (a signal handler that interrupts a writer on its own thread sees the entry as
 * absent: denied, never allowed unjudged).  Any number of threads may keep and read at once;
 * nothing here locks or allocates.  A fork child of the preload starts with its parent's
 * table (its memory is copied; an entry being written at the fork stays odd and absent).
 */
#include <string.h>

#include "engine/engine.h"

#define NRING 4096 /* SPEC.md §3a: at least 4,096 addresses */
#define NINDEX 16384
#define PROBES 16

struct answer {
	uint32_t seq; /* odd while written */
	uint32_t len; /* of name */
	uint64_t gen;
	struct nj_ip ip;
	char name[NJ_HOST_MAX]; /* lower case, no trailing dot (nj_host_norm) */
};

struct nj_answers {
	uint64_t cursor; /* entries ever written */
	uint64_t index[NINDEX];
	struct answer ring[NRING];
};

static size_t
home(const struct nj_ip *ip)
{
	uint64_t hi, lo, h;

	memcpy(&hi, ip->a, 8);
	memcpy(&lo, ip->a + 8, 8);
	h = (hi * 0x9e3779b97f4a7c15u) ^ (lo + ip->family) * 0xc2b2ae3d27d4eb4fu;
	return (size_t)(h ^ (h >> 31));
}

/* The table's key for an address: a v4-mapped one as its IPv4 address (AI_V4MAPPED's
 * answers, and a v6 socket's connect, which the kernel sends as IPv4). */
static struct nj_ip
key_of(const struct nj_ip *ip)
{
	struct nj_ip k = *ip;

	if (k.family == 6) /* (no call for IPv4: the connect path asks for every denial) */
		nj_ip_unmap(&k);
	return k;
}

static int
same_ip(const struct nj_ip *a, const struct nj_ip *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

/* Copy the entry of index word v into *out if it is whole and still the one v names. */
static int
read_entry(const struct nj_answers *t, uint64_t v, struct answer *out)
{
	const struct answer *e = &t->ring[(v - 1) % NRING];
	uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE), s2;

	if (s1 & 1)
		return 0;
	out->gen = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);
	out->len = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
	memcpy(&out->ip, &e->ip, sizeof(out->ip));
	if (out->len >= sizeof(out->name))
		return 0;
	memcpy(out->name, e->name, out->len);
	out->name[out->len] = '\0';
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
	return s1 == s2 && out->gen == v - 1;
}

static int
stale(const struct nj_answers *t, uint64_t v)
{
	uint64_t cur = __atomic_load_n(&t->cursor, __ATOMIC_ACQUIRE);

	return v == 0 || cur - (v - 1) > NRING ||
	    __atomic_load_n(&t->ring[(v - 1) % NRING].gen, __ATOMIC_RELAXED) != v - 1;
}

size_t
nj_answers_size(void)
{
	return sizeof(struct nj_answers);
}

void
nj_answers_keep(struct nj_answers *t, const struct nj_ip *answer, const char *name, size_t n)
{
	struct answer *e, old;
	struct nj_ip key = key_of(answer), *ip = &key;
	uint64_t g, *oldest = NULL, least = UINT64_MAX;
	uint32_t seq;
	size_t h;

	if (t == NULL || n == 0 || n >= NJ_HOST_MAX)
		return;
	h = home(ip);
	/* the same answer for the same name, recent enough not to be dropped soon: kept */
	for (size_t k = 0; k < PROBES; k++) {
		uint64_t v = __atomic_load_n(&t->index[(h + k) % NINDEX], __ATOMIC_ACQUIRE);

		if (v == 0)
			break;
		if (read_entry(t, v, &old) && same_ip(&old.ip, ip) && old.len == n &&
		    memcmp(old.name, name, n) == 0 &&
		    __atomic_load_n(&t->cursor, __ATOMIC_ACQUIRE) - (v - 1) < NRING / 2)
			return;
	}
	g = __atomic_fetch_add(&t->cursor, 1, __ATOMIC_ACQ_REL);
	e = &t->ring[g % NRING];
	seq = __atomic_load_n(&e->seq, __ATOMIC_RELAXED) | 1u; /* odd: being written */
	__atomic_store_n(&e->seq, seq, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->gen, g, __ATOMIC_RELAXED);
	e->ip = *ip;
	memcpy(e->name, name, n);
	__atomic_store_n(&e->len, (uint32_t)n, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, seq + 1, __ATOMIC_RELEASE);
	/* its slot: the first free or stale one on its chain, else the oldest */
	for (size_t k = 0; k < PROBES; k++) {
		uint64_t *slot = &t->index[(h + k) % NINDEX];
		uint64_t v = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

		if (v == 0 || stale(t, v)) {
			if (__atomic_compare_exchange_n(slot, &v, g + 1, 0, __ATOMIC_ACQ_REL,
			        __ATOMIC_ACQUIRE))
				return;
			continue;
		}
		if (v < least)
			least = v, oldest = slot;
	}
	if (oldest)
		__atomic_compare_exchange_n(oldest, &least, g + 1, 0, __ATOMIC_ACQ_REL,
		    __ATOMIC_ACQUIRE);
}

int
nj_answers_allows(const struct nj_answers *t, const struct nj_rules *r, const struct nj_dest *d,
    char *name, size_t size)
{
	struct answer e;
	struct nj_ip ip;
	size_t h;

	if (t == NULL || d->kind != NJ_DEST_IP)
		return 0;
	ip = key_of(&d->ip);
	h = home(&ip);
	for (size_t k = 0; k < PROBES; k++) {
		uint64_t v = __atomic_load_n(&t->index[(h + k) % NINDEX], __ATOMIC_ACQUIRE);

		if (v == 0)
			break;
		/* (the address first, as it stands: only an entry that may be ours is read whole,
		 * under its sequence count) */
		if (!same_ip(&t->ring[(v - 1) % NRING].ip, &ip) || !read_entry(t, v, &e) ||
		    !same_ip(&e.ip, &ip) || !nj_host_allows(r, d, e.name, e.len))
			continue;
		if (name && size) {
			size_t n = e.len < size - 1 ? e.len : size - 1;

			memcpy(name, e.name, n);
			name[n] = '\0';
		}
		return 1;
	}
	return 0;
}

int
nj_answers_name(const struct nj_answers *t, const struct nj_ip *addr, char *name, size_t size)
{
	struct answer e;
	struct nj_ip key = key_of(addr), *ip = &key;
	size_t h;

	if (t == NULL || size == 0)
		return 0;
	h = home(ip);
	for (size_t k = 0; k < PROBES; k++) {
		uint64_t v = __atomic_load_n(&t->index[(h + k) % NINDEX], __ATOMIC_ACQUIRE);

		if (v == 0)
			break;
		if (read_entry(t, v, &e) && same_ip(&e.ip, ip)) {
			size_t n = e.len < size - 1 ? e.len : size - 1;

			memcpy(name, e.name, n);
			name[n] = '\0';
			return 1;
		}
	}
	return 0;
}
