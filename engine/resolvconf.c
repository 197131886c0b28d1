/* resolvconf.c - the nameservers of a resolv.conf, as @resolvers' prefixes (the text is read
 * by sys/hostinfo.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

int
nj_prefixes_push(struct nj_prefix **v, size_t *n, const struct nj_ip *ip)
{
	struct nj_prefix *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	nv[*n].ip = *ip;
	nv[*n].len = ip->family == 4 ? 32 : 128;
	(*n)++;
	return 0;
}

/* "nameserver ADDR" lines; anything else (options, search, comments) is not ours.  A
 * nameserver written with a zone (fe80::1%eth0) counts without it. */
int
nj_resolvconf_parse(const char *text, size_t len, struct nj_sys *s)
{
	size_t pos = 0;

	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		size_t i = 10, j;
		struct nj_ip ip;

		pos += n + 1;
		if (n < 11 || memcmp(l, "nameserver", 10) != 0 || (l[10] != ' ' && l[10] != '\t'))
			continue;
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		for (j = i; j < n && l[j] != ' ' && l[j] != '\t' && l[j] != '\r' && l[j] != '%' &&
		     l[j] != '#' && l[j] != ';';
		     j++)
			;
		if (nj_ip_parse(l + i, j - i, &ip) != 0)
			continue;
		nj_ip_unmap(&ip);
		if (nj_prefixes_push(&s->resolvers, &s->nresolvers, &ip))
			return -ENOMEM;
	}
	return 0;
}
