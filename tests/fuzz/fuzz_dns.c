/* fuzz_dns.c - libFuzzer target for the DNS messages the supervisor's relay reads
 * (engine/dns.c): any bytes as a query and as a response, and the REFUSED made from them.
 * A crash, a sanitizer report or an answer outside the message is a bug; -EINVAL is the
 * expected end of most inputs.  Built and run by `make fuzz-dns` (scripts/fuzz). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nj_dns_question q;
	struct nj_ip ip[32];
	uint8_t out[600];
	uint8_t *copy = malloc(size ? size : 1); /* exactly size bytes: ASan sees any overread */
	int n;
	size_t r;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (nj_dns_question(copy, size, &q) == 0 && (q.len >= sizeof(q.name) || q.end > size))
		abort();
	n = nj_dns_answers(copy, size, ip, 32);
	if (n > 32 || (n < 0 && n != -EINVAL))
		abort();
	for (int i = 0; i < n; i++)
		if (ip[i].family != 4 && ip[i].family != 6)
			abort();
	r = nj_dns_refuse(copy, size, out, sizeof(out));
	if (r > sizeof(out) || (r && nj_dns_question(out, r, &q) != 0))
		abort();
	free(copy);
	return 0;
}
