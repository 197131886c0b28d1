/* answers.c - this process's table of answers (engine/answers.c), mapped on the first answer
 * kept for a host rule (or, in audit mode, for any name): a policy without host rules pays
 * nothing.  The mapping is private: a fork child starts with a copy, exec with none. */
#include <sys/mman.h>

#include "shim/shim.h"

static struct nj_answers *
get(int make)
{
	struct nj_answers *t = __atomic_load_n((struct nj_answers **)&nj_config_.answers,
	    __ATOMIC_ACQUIRE);
	void *none = NULL;
	void *p;

	if (t || !make)
		return t;
	p = mmap(NULL, nj_answers_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	    0);
	if (p == MAP_FAILED)
		return NULL;
	if (__atomic_compare_exchange_n(&nj_config_.answers, &none, p, 0, __ATOMIC_ACQ_REL,
	        __ATOMIC_ACQUIRE))
		return p;
	munmap(p, nj_answers_size()); /* another thread's won */
	return (struct nj_answers *)none;
}

void
nj_answer_keep(const struct nj_ip *ip, const char *name, size_t n)
{
	if (n > 0 && n < NJ_HOST_MAX)
		nj_answers_keep(get(1), ip, name, n);
}

int
nj_answer_allows(const struct nj_rules *r, const struct nj_dest *d, char *name, size_t size)
{
	return nj_answers_allows(get(0), r, d, name, size);
}

int
nj_answer_name(const struct nj_ip *ip, char *name, size_t size)
{
	return nj_answers_name(get(0), ip, name, size);
}
