/* addr.c - parse, format and normalise IP addresses; one function per case. */
#include <errno.h>
#include <string.h>

#include "engine/internal.h"

static int
isdigit_(char c)
{
	return c >= '0' && c <= '9';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strict dotted decimal: exactly four parts, each 0..255, no leading zeros, no sign.  The
 * strictness is the point: inet_aton() accepts 127.1, 0x7f.1 and 0177.0.0.1, which are
 * classic ways to smuggle loopback past a filter that reads the text differently. */
static int
parse_v4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -EINVAL;
			start = ++i;
		}
		while (i < n && isdigit_(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -EINVAL;
		if (i < n && isdigit_(s[i]))
			return -EINVAL;
		out[part] = (uint8_t)v;
	}
	return i == n ? 0 : -EINVAL;
}

/* RFC 4291 section 2.2 text forms, with an optional trailing dotted quad; no zone id. */
static int
parse_v6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
		if (i == n)
			goto done;
	} else if (n >= 1 && s[0] == ':') {
		return -EINVAL;
	}
	for (;;) {
		size_t start = i;
		unsigned v = 0;

		while (i < n && hexval(s[i]) >= 0 && i - start < 4)
			v = (v << 4) | (unsigned)hexval(s[i++]);
		if (i < n && s[i] == '.') {
			uint8_t q[4];

			/* an embedded IPv4 address ends the text and fills two groups */
			if (ng > 6 || parse_v4(s + start, n - start, q) != 0)
				return -EINVAL;
			g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
			g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
			break;
		}
		if (i == start || ng >= 8)
			return -EINVAL;
		if (i < n && hexval(s[i]) >= 0)
			return -EINVAL; /* five hex digits */
		g[ng++] = (uint16_t)v;
		if (i == n)
			break;
		if (s[i] != ':')
			return -EINVAL;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = ng;
			i++;
			if (i == n)
				break;
		} else if (i == n) {
			return -EINVAL; /* trailing single colon */
		}
	}
done:
	if (gap < 0 && ng != 8)
		return -EINVAL;
	if (gap >= 0 && ng > 7)
		return -EINVAL; /* "::" must stand for at least one group */
	memset(out, 0, 16);
	for (int k = 0; k < ng; k++) {
		int pos = (gap >= 0 && k >= gap) ? 8 - (ng - k) : k;

		out[2 * pos] = (uint8_t)(g[k] >> 8);
		out[2 * pos + 1] = (uint8_t)g[k];
	}
	return 0;
}

int
nj_ip_parse(const char *s, size_t n, struct nj_ip *ret)
{
	struct nj_ip ip;

	memset(&ip, 0, sizeof(ip));
	if (memchr(s, ':', n) != NULL) {
		if (parse_v6(s, n, ip.a) != 0)
			return -EINVAL;
		ip.family = 6;
	} else {
		if (parse_v4(s, n, ip.a) != 0)
			return -EINVAL;
		ip.family = 4;
	}
	*ret = ip;
	return 0;
}

void
nj_ip_from_key(nj_u128 k, int family, struct nj_ip *ret)
{
	int bytes = family == 4 ? 4 : 16;

	memset(ret, 0, sizeof(*ret));
	ret->family = (uint8_t)family;
	for (int i = bytes - 1; i >= 0; i--) {
		ret->a[i] = (uint8_t)k;
		k >>= 8;
	}
}

static nj_u128
mask_of(int family, unsigned len)
{
	unsigned bits = family == 4 ? 32 : 128;
	nj_u128 all = family == 4 ? (nj_u128)0xffffffffu : ~(nj_u128)0;

	if (len == 0)
		return 0;
	return all & ~((((nj_u128)1) << (bits - len)) - 1);
}

int
nj_prefix_contains(const struct nj_prefix *p, const struct nj_ip *ip)
{
	nj_u128 m;

	if (p->ip.family != ip->family)
		return 0;
	if (p->len == 0)
		return 1;
	m = mask_of(p->ip.family, p->len);
	return (nj_ip_key(ip) & m) == (nj_ip_key(&p->ip) & m);
}

int
nj_ip_is_mapped(const struct nj_ip *ip)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return ip->family == 6 && memcmp(ip->a, pfx, 12) == 0;
}

int
nj_ip_unmap(struct nj_ip *ip)
{
	uint8_t v4[4];

	if (!nj_ip_is_mapped(ip))
		return 0;
	memcpy(v4, ip->a + 12, 4);
	memset(ip, 0, sizeof(*ip));
	ip->family = 4;
	memcpy(ip->a, v4, 4);
	return 1;
}

/* ---- formatting ---- */

static void
fmt_v4(struct nj_buf *b, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			nj_buf_ch(b, '.');
		nj_buf_uint(b, a[i]);
	}
}

/* RFC 5952: lower case, no leading zeros, the longest run (first if tied) of two or more zero
 * groups as "::", and the mapped form ::ffff:a.b.c.d. */
static void
fmt_v6(struct nj_buf *b, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned g[8];
	int best = -1, bestlen = 1;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)(a[2 * i] << 8 | a[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j == i ? i + 1 : j;
	}
	if (best == 0 && bestlen == 5 && g[5] == 0xffff) {
		nj_buf_str(b, "::ffff:");
		fmt_v4(b, a + 12);
		return;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			nj_buf_str(b, "::");
			i += bestlen - 1;
			continue;
		}
		if (i && i != best + bestlen)
			nj_buf_ch(b, ':');
		int started = 0;
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = (g[i] >> sh) & 0xf;

			if (d || started || sh == 0) {
				nj_buf_ch(b, hex[d]);
				started = 1;
			}
		}
	}
}

size_t
nj_ip_format(const struct nj_ip *ip, char *buf, size_t size)
{
	struct nj_buf b = { buf, size, 0 };

	if (ip->family == 4)
		fmt_v4(&b, ip->a);
	else
		fmt_v6(&b, ip->a);
	nj_buf_mem(&b, "", 0);
	return b.len;
}

size_t
nj_prefix_format(const struct nj_prefix *p, char *buf, size_t size)
{
	struct nj_buf b = { buf, size, 0 };
	char tmp[64];

	nj_ip_format(&p->ip, tmp, sizeof(tmp));
	nj_buf_str(&b, tmp);
	nj_buf_ch(&b, '/');
	nj_buf_uint(&b, p->len);
	nj_buf_mem(&b, "", 0);
	return b.len;
}

/* ---- prefixes as the rules parser wants them ---- */

static void
put_msg(char *msg, size_t size, const char *a, const char *b, const char *c)
{
	struct nj_buf o = { msg, size, 0 };

	nj_buf_str(&o, a);
	if (b)
		nj_buf_str(&o, b);
	if (c)
		nj_buf_str(&o, c);
	nj_buf_mem(&o, "", 0);
}

/* Parse "address" or "address/len".  A v4-mapped form becomes the IPv4 prefix it stands for
 * (::ffff:127.0.0.0/104 is 127.0.0.0/8).  On error, *errcol is the 0-based offset of the
 * offending byte and msg says what is wrong (and, for host bits, offers both corrections). */
int
nj_prefix_parse_err(const char *s, size_t n, struct nj_prefix *ret, size_t *errcol, char *msg,
    size_t msgsize)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	struct nj_prefix p;
	unsigned len, max;
	unsigned long v = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	*errcol = 0;
	if (memchr(s, '%', alen)) {
		put_msg(msg, msgsize, "zone ids are not allowed in rules", NULL, NULL);
		*errcol = (size_t)((const char *)memchr(s, '%', alen) - s);
		return -EINVAL;
	}
	if (nj_ip_parse(s, alen, &p.ip) != 0) {
		if (memchr(s, ':', alen) == NULL)
			put_msg(msg, msgsize,
			    "invalid IPv4 address (four decimal parts 0-255, "
			    "no leading zeros)",
			    NULL, NULL);
		else
			put_msg(msg, msgsize, "invalid IPv6 address", NULL, NULL);
		return -EINVAL;
	}
	max = p.ip.family == 4 ? 32 : 128;
	len = max;
	if (slash) {
		size_t i = alen + 1;

		len = 0;
		if (i == n || !isdigit_(s[i]) || (s[i] == '0' && i + 1 < n)) {
			*errcol = i;
			put_msg(msg, msgsize, "expected a prefix length after '/'", NULL, NULL);
			return -EINVAL;
		}
		rc = nj_num_parse(s + i, n - i, ~0ul, &v);
		if (rc == -EINVAL) {
			while (i < n && isdigit_(s[i]))
				i++;
			*errcol = i;
			put_msg(msg, msgsize, "invalid prefix length", NULL, NULL);
			return -EINVAL;
		}
		len = rc == 0 && v <= max ? (unsigned)v : max + 1;
		if (len > max) {
			*errcol = alen + 1;
			put_msg(msg, msgsize,
			    p.ip.family == 4 ? "prefix length above 32" : "prefix length above 128",
			    NULL, NULL);
			return -EINVAL;
		}
	}
	p.len = (uint8_t)len;
	{
		nj_u128 k = nj_ip_key(&p.ip), m = mask_of(p.ip.family, len);

		if ((k & m) != k) {
			struct nj_prefix net = p, host = p;
			char a[80], h[80], full[80];

			nj_ip_from_key(k & m, p.ip.family, &net.ip);
			host.len = (uint8_t)max;
			nj_prefix_format(&net, a, sizeof(a));
			nj_prefix_format(&host, h, sizeof(h));
			{
				struct nj_buf o = { msg, msgsize, 0 };

				memcpy(full, s, n < sizeof(full) - 1 ? n : sizeof(full) - 1);
				full[n < sizeof(full) - 1 ? n : sizeof(full) - 1] = '\0';
				nj_buf_str(&o, "host bits set in ");
				nj_buf_str(&o, full);
				nj_buf_str(&o, "; did you mean ");
				nj_buf_str(&o, a);
				nj_buf_str(&o, " (the network) or ");
				nj_buf_str(&o, h);
				nj_buf_str(&o, " (the one address)?");
				nj_buf_mem(&o, "", 0);
			}
			*errcol = 0;
			return -EINVAL;
		}
	}
	if (nj_ip_is_mapped(&p.ip) && p.len >= 96) {
		struct nj_ip v4;

		memset(&v4, 0, sizeof(v4));
		v4.family = 4;
		memcpy(v4.a, p.ip.a + 12, 4);
		p.ip = v4;
		p.len = (uint8_t)(p.len - 96);
	}
	*ret = p;
	return 0;
}

/* ---- normalisation: what one destination address stands for ---- */

static void
add(struct nj_ip out[NJ_MAX_EXPAND], int *n, const struct nj_ip *ip)
{
	for (int i = 0; i < *n; i++)
		if (memcmp(&out[i], ip, sizeof(*ip)) == 0)
			return;
	if (*n < NJ_MAX_EXPAND)
		out[(*n)++] = *ip;
}

static void
add_v4(struct nj_ip out[NJ_MAX_EXPAND], int *n, const uint8_t a[4], int invert)
{
	struct nj_ip v4;

	memset(&v4, 0, sizeof(v4));
	v4.family = 4;
	for (int i = 0; i < 4; i++)
		v4.a[i] = invert ? (uint8_t)~a[i] : a[i];
	add(out, n, &v4);
}

static int
has_prefix(const uint8_t *a, const uint8_t *p, int bits)
{
	int bytes = bits / 8;

	return memcmp(a, p, (size_t)bytes) == 0;
}

/* The IPv4 addresses embedded in an IPv6 address, per each embedding SPEC.md §3 names. */
static void
embedded_v4(const uint8_t *a, struct nj_ip out[NJ_MAX_EXPAND], int *n)
{
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t nat64local[6] = { 0, 0x64, 0xff, 0x9b, 0, 1 };
	static const uint8_t translated[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 };
	static const uint8_t zero12[12] = { 0 };
	static const uint8_t sixto4[2] = { 0x20, 0x02 };
	static const uint8_t teredo[4] = { 0x20, 0x01, 0, 0 };

	if (has_prefix(a, nat64, 96)) /* 64:ff9b::/96, RFC 6052 /96 layout */
		add_v4(out, n, a + 12, 0);
	if (has_prefix(a, nat64local, 48)) {
		/* 64:ff9b:1::/48 (RFC 8215) may hold any RFC 6052 layout that fits in it: /48,
		 * /56, /64 or /96.  We cannot know which one the local translator uses, so the
		 * destination stands for the IPv4 address of every layout. */
		uint8_t v[4];

		v[0] = a[6], v[1] = a[7], v[2] = a[9], v[3] = a[10]; /* /48: bits 48-63, 72-87 */
		add_v4(out, n, v, 0);
		v[0] = a[7], v[1] = a[9], v[2] = a[10], v[3] = a[11]; /* /56 */
		add_v4(out, n, v, 0);
		add_v4(out, n, a + 9, 0); /* /64: bits 72-103 */
		add_v4(out, n, a + 12, 0); /* /96 */
	}
	if (has_prefix(a, translated, 96)) /* ::ffff:0:0:0/96 IPv4-translated */
		add_v4(out, n, a + 12, 0);
	if (has_prefix(a, zero12, 96)) { /* ::/96 IPv4-compatible, not :: or ::1 */
		static const uint8_t one[4] = { 0, 0, 0, 1 }, zero[4] = { 0 };

		if (memcmp(a + 12, zero, 4) != 0 && memcmp(a + 12, one, 4) != 0)
			add_v4(out, n, a + 12, 0);
	}
	if (has_prefix(a, sixto4, 16)) /* 2002::/16, bits 16-47 */
		add_v4(out, n, a + 2, 0);
	if (has_prefix(a, teredo, 32)) { /* 2001::/32 */
		add_v4(out, n, a + 4, 0); /* server: bits 32-63 */
		add_v4(out, n, a + 12, 1); /* client: NOT the low 32 bits */
	}
}

/* 0.0.0.0/8 and :: reach this host on Linux: they stand for loopback too.  :: stands for
 * 127.0.0.1 as well: a socket bound to ::ffff:127.0.0.1 that connects or sends to :: reaches
 * 127.0.0.1 (the kernel picks the unspecified destination's loopback in the bound family). */
static void
unspecified(struct nj_ip out[NJ_MAX_EXPAND], int *n)
{
	int m = *n;

	for (int i = 0; i < m; i++) {
		struct nj_ip lo;

		memset(&lo, 0, sizeof(lo));
		if (out[i].family == 4 && out[i].a[0] == 0) {
			lo.family = 4;
			lo.a[0] = 127, lo.a[3] = 1;
			add(out, n, &lo);
		} else if (out[i].family == 6) {
			static const uint8_t zero[16] = { 0 };

			if (memcmp(out[i].a, zero, 16) == 0) {
				static const uint8_t one[4] = { 127, 0, 0, 1 };

				lo.family = 6;
				lo.a[15] = 1;
				add(out, n, &lo);
				add_v4(out, n, one, 0);
			}
		}
	}
}

int
nj_ip_expand(const struct nj_ip *ip, struct nj_ip out[NJ_MAX_EXPAND])
{
	int n = 0;

	if (nj_ip_plain(ip)) {
		out[0] = *ip;
		return 1;
	}

	if (nj_ip_is_mapped(ip)) {
		add_v4(out, &n, ip->a + 12, 0); /* the kernel sends it as IPv4: only that */
	} else {
		add(out, &n, ip);
		if (ip->family == 6)
			embedded_v4(ip->a, out, &n);
	}
	unspecified(out, &n);
	return n;
}
