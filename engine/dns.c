/* dns.c - DNS messages (RFC 1035), read for the supervisor's relay (SPEC.md §8a): the name a
 * query asks for, and the addresses a response gives for it through its CNAME chain.  Nothing
 * here trusts the message: every length is checked against the end, a compression pointer
 * must point back (so a name cannot loop) and past the header, at most 64 of them a name (so
 * reading one costs little), a name stops at 255 bytes, a
 * message at NJ_DNS_MAX_RECORDS records; anything else is -EINVAL and the relay refuses it.
 * No system calls, no allocation.
 */
#include <errno.h>
#include <string.h>

#include "engine/internal.h"

#define T_A 1
#define T_CNAME 5
#define T_AAAA 28
#define C_IN 1
#define MAX_CHAIN 16 /* CNAME links followed from the question's name */
#define MAX_JUMPS \
	64 /* compression pointers followed in one name: each name is read up
		      * to 17 times (the chain's passes), so its cost must be bounded too */

static uint16_t
u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The name at msg[*pos] in text (lower case, labels joined by '.', the root as "") into out
 * (at least NJ_DNS_NAME bytes); *pos moves past the name as it stands (a pointer is 2 bytes).
 * Returns its length, or -EINVAL. */
static int
name_at(const uint8_t *msg, size_t n, size_t *pos, char *out)
{
	size_t p = *pos, len = 0, end = 0, low = *pos;
	int jumped = 0, jumps = 0;

	for (;;) {
		uint8_t c;

		if (p >= n)
			return -EINVAL;
		c = msg[p];
		if ((c & 0xc0) == 0xc0) { /* a pointer: only backwards, so no name can loop */
			size_t to;

			/* (never into the header: names start at 12) */
			if (p + 1 >= n || (to = (size_t)(c & 0x3f) << 8 | msg[p + 1]) >= low ||
			    to < 12 || ++jumps > MAX_JUMPS)
				return -EINVAL;
			if (!jumped)
				end = p + 2, jumped = 1;
			low = to;
			p = to;
			continue;
		}
		if (c & 0xc0) /* 0x40, 0x80: extended label types, never used */
			return -EINVAL;
		if (c == 0) {
			if (!jumped)
				end = p + 1;
			break;
		}
		if (p + 1 + c > n || len + (len ? 1 : 0) + c > NJ_DNS_NAME - 1)
			return -EINVAL;
		if (len)
			out[len++] = '.';
		for (size_t i = 0; i < c; i++) {
			char ch = (char)msg[p + 1 + i];

			if (ch == '.' || ch == '\0')
				return -EINVAL; /* no rule can name it, and text would misread it */
			out[len++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
		}
		p += 1 + (size_t)c;
	}
	out[len] = '\0';
	*pos = end;
	return (int)len;
}

int
nj_dns_question(const uint8_t *msg, size_t n, struct nj_dns_question *q)
{
	size_t pos = 12;
	int len;

	if (n < 12 || u16(msg + 4) != 1)
		return -EINVAL;
	if ((len = name_at(msg, n, &pos, q->name)) < 0 || pos + 4 > n)
		return -EINVAL;
	q->len = (size_t)len;
	q->id = u16(msg);
	q->response = msg[2] >> 7;
	q->opcode = (msg[2] >> 3) & 0x0f;
	q->type = u16(msg + pos);
	q->class = u16(msg + pos + 2);
	q->end = pos + 4;
	return 0;
}

/* One resource record at *pos: its owner's offset, type, class and rdata; *pos past it. */
struct rr {
	size_t owner, rdata;
	uint16_t type, class, rdlen;
};

static int
rr_at(const uint8_t *msg, size_t n, size_t *pos, struct rr *r)
{
	char skip[NJ_DNS_NAME];

	r->owner = *pos;
	if (name_at(msg, n, pos, skip) < 0 || *pos + 10 > n)
		return -EINVAL;
	r->type = u16(msg + *pos);
	r->class = u16(msg + *pos + 2);
	r->rdlen = u16(msg + *pos + 8);
	r->rdata = *pos + 10;
	if (r->rdata + r->rdlen > n)
		return -EINVAL;
	*pos = r->rdata + r->rdlen;
	return 0;
}

int
nj_dns_answers(const uint8_t *msg, size_t n, struct nj_ip *out, size_t max)
{
	struct nj_dns_question q;
	char chain[MAX_CHAIN + 1][NJ_DNS_NAME], owner[NJ_DNS_NAME];
	size_t an, pos, first, links = 0, got = 0;

	if (nj_dns_question(msg, n, &q) != 0 || !q.response)
		return -EINVAL;
	an = u16(msg + 6);
	if (an + u16(msg + 8) + u16(msg + 10) > NJ_DNS_MAX_RECORDS)
		return -EINVAL;
	memcpy(chain[0], q.name, q.len + 1);
	first = q.end;
	/* the whole answer section must read, whatever is used of it */
	pos = first;
	for (size_t i = 0; i < an; i++) {
		struct rr r;

		if (rr_at(msg, n, &pos, &r) != 0)
			return -EINVAL;
	}
	/* the chain: from the question's name, each CNAME whose owner is the last link */
	for (int more = 1; more && links < MAX_CHAIN;) {
		more = 0;
		pos = first;
		for (size_t i = 0; i < an; i++) {
			struct rr r;
			size_t at;

			rr_at(msg, n, &pos, &r);
			if (r.type != T_CNAME || r.class != C_IN)
				continue;
			at = r.owner;
			if (name_at(msg, n, &at, owner) < 0 || strcmp(owner, chain[links]) != 0)
				continue;
			at = r.rdata;
			if (name_at(msg, n, &at, chain[links + 1]) < 0 || at != r.rdata + r.rdlen)
				return -EINVAL;
			links++;
			more = 1;
			break;
		}
	}
	/* the addresses of any name on the chain */
	pos = first;
	for (size_t i = 0; i < an; i++) {
		struct rr r;
		size_t at;
		int on = 0;

		rr_at(msg, n, &pos, &r);
		if (r.class != C_IN ||
		    !((r.type == T_A && r.rdlen == 4) || (r.type == T_AAAA && r.rdlen == 16)))
			continue;
		at = r.owner;
		if (name_at(msg, n, &at, owner) < 0)
			return -EINVAL;
		for (size_t k = 0; k <= links && !on; k++)
			on = strcmp(owner, chain[k]) == 0;
		if (!on)
			continue;
		if (got < max) {
			memset(&out[got], 0, sizeof(out[got]));
			out[got].family = r.type == T_A ? 4 : 6;
			memcpy(out[got].a, msg + r.rdata, r.rdlen);
		}
		got++;
	}
	return (int)(got < max ? got : max);
}

size_t
nj_dns_refuse(const uint8_t *query, size_t n, uint8_t *out, size_t size)
{
	struct nj_dns_question q;

	if (nj_dns_question(query, n, &q) != 0 || q.response || q.end > size)
		return 0;
	memcpy(out, query, q.end);
	out[2] = (uint8_t)(0x80 | (query[2] & 0x79)); /* QR, the opcode and RD kept */
	out[3] = 5; /* REFUSED */
	memset(out + 6, 0, 6); /* no answer, authority or additional records */
	return q.end;
}
