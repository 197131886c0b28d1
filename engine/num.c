/* num.c - the one strict number parser: ports, prefix lengths, counts, wherever netjail reads
 * a number (rules, explain's destinations, records). */
#include <errno.h>

#include "engine/internal.h"

int
nj_num_parse(const char *s, size_t n, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return -EINVAL; /* nothing, or a leading zero (octal to some readers) */
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}
