/* ratelimit.c - identical decision lines from one process: the first few are written, then
 * summaries with the count of those left out.
 *
 * A program that retries for ever (a replica that cannot reach its primary, a client in a
 * reconnect loop) would otherwise write one line a second, for ever.  Every call is still
 * decided and denied; only the lines are held back.
 *
 *   count of a line:  1  2  3  4 ... 9  10        11 ... 99  100        ...
 *   written:          y  y  y  held     y (+6)    held       y (+89)    at 10^k, or an hour
 *                                                                        after the last one
 *
 * Each line written stands for one event and the N of its " [N more like it not shown]";
 * at exit the last held one is written, with the others counted.
 *
 * Lines are told apart by a key, the text line (which names the process and has no time in
 * it), hashed; what is kept for the summary at exit is the line as written (text or JSON).  The table is
 * mapped on the first line that is noted, so a process that is never denied pays nothing;
 * a fork child starts with none of its parent's counts.  Lock-free and allocation-free
 * after that mapping: async-signal-safe, safe from any number of threads.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sys/sys.h"

#define SLOTS 128 /* distinct lines followed; more are written as they come */
#define PROBES 8
#define BURST 3 /* lines written before the first is held */
#define EVERY 3600 /* seconds: a held line is summarised at least this often */

struct slot {
	uint64_t key; /* 0: free */
	uint32_t count; /* times noted */
	uint32_t shown; /* count when last written */
	uint32_t when; /* monotonic seconds when last written */
	uint32_t len; /* of text, once a line was held */
	char text[NJ_RECORD_MAX];
};

static struct slot *table; /* SLOTS slots, or NULL until the first line */
static pid_t table_pid; /* whose counts they are: a fork child starts afresh */

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h ? h : 1;
}

static uint32_t
now(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (uint32_t)t.tv_sec;
}

static struct slot *
slots(void)
{
	struct slot *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE), *mine = NULL;
	pid_t me = getpid();
	void *p;

	if (t) {
		pid_t was = __atomic_load_n(&table_pid, __ATOMIC_ACQUIRE);

		/* a fork child (one thread) holds its parent's counts: they are not its lines,
		 * and it must not summarise them at its exit */
		if (was != me &&
		    __atomic_compare_exchange_n(&table_pid, &was, me, 0, __ATOMIC_ACQ_REL,
		        __ATOMIC_ACQUIRE))
			memset(t, 0, SLOTS * sizeof(*t));
		return t;
	}
	p = mmap(NULL, SLOTS * sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	    0);
	if (p == MAP_FAILED)
		return NULL;
	__atomic_store_n(&table_pid, me, __ATOMIC_RELEASE);
	if (__atomic_compare_exchange_n(&table, &mine, (struct slot *)p, 0, __ATOMIC_ACQ_REL,
	        __ATOMIC_ACQUIRE))
		return p;
	munmap(p, SLOTS * sizeof(*t)); /* another thread's mapping won */
	return mine;
}

/* The slot of key, claimed if need be; NULL when the table is full around it. */
static struct slot *
find(struct slot *t, uint64_t key)
{
	for (unsigned i = 0; i < PROBES; i++) {
		struct slot *s = &t[(key + i) % SLOTS];
		uint64_t k = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE), zero = 0;

		if (k == key)
			return s;
		if (k == 0) {
			if (__atomic_compare_exchange_n(&s->key, &zero, key, 0, __ATOMIC_ACQ_REL,
			        __ATOMIC_ACQUIRE) ||
			    zero == key)
				return s;
		}
	}
	return NULL;
}

/* shown only ever rises: a burst line written late (its thread was preempted) must not move
 * it back below a count another thread has already written, or the next summary would count
 * events twice */
static void
raise_shown(struct slot *s, uint32_t c)
{
	uint32_t was = __atomic_load_n(&s->shown, __ATOMIC_ACQUIRE);

	while (was < c &&
	    !__atomic_compare_exchange_n(&s->shown, &was, c, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

/* Events a summary at count c stands for, with shown the count last written: the first
 * BURST were each written as they came, whatever shown says yet. */
static uint32_t
summarised(uint32_t c, uint32_t shown)
{
	return c - (shown > BURST ? shown : BURST);
}

static int
power_of_ten(uint32_t n)
{
	while (n >= 10 && n % 10 == 0)
		n /= 10;
	return n == 1;
}

int
nj_rl_note(const char *key, size_t keylen, const char *line, size_t len, unsigned long *ret_held)
{
	struct slot *t = slots(), *s;
	uint32_t c, shown, at;

	*ret_held = 0;
	if (t == NULL || (s = find(t, hash(key, keylen))) == NULL)
		return NJ_RL_WRITE;
	c = __atomic_add_fetch(&s->count, 1, __ATOMIC_ACQ_REL);
	if (c <= BURST) {
		__atomic_store_n(&s->when, now(), __ATOMIC_RELEASE);
		raise_shown(s, c);
		return NJ_RL_WRITE;
	}
	if (c == BURST + 1) { /* the first held: its text is kept for the summary at exit */
		size_t n = len < sizeof(s->text) ? len : sizeof(s->text);

		memcpy(s->text, line, n);
		__atomic_store_n(&s->len, (uint32_t)n, __ATOMIC_RELEASE);
	}
	shown = __atomic_load_n(&s->shown, __ATOMIC_ACQUIRE);
	at = now();
	if (!power_of_ten(c) && at - __atomic_load_n(&s->when, __ATOMIC_ACQUIRE) < EVERY)
		return NJ_RL_HOLD;
	if (shown >= c ||
	    !__atomic_compare_exchange_n(&s->shown, &shown, c, 0, __ATOMIC_ACQ_REL,
	        __ATOMIC_ACQUIRE))
		return NJ_RL_HOLD; /* another thread writes this summary, or wrote a later one */
	__atomic_store_n(&s->when, at, __ATOMIC_RELEASE);
	*ret_held = summarised(c, shown) - 1;
	return NJ_RL_WRITE;
}

__attribute__((hot)) void
nj_rl_flush(void (*fn)(const char *line, size_t len, unsigned long held, void *arg), void *arg)
{
	struct slot *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);

	if (t && __atomic_load_n(&table_pid, __ATOMIC_ACQUIRE) != getpid())
		return; /* a fork child's copy of its parent's counts */
	for (size_t i = 0; t && i < SLOTS; i++) {
		struct slot *s = &t[i];
		uint32_t c = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE);
		uint32_t shown = __atomic_load_n(&s->shown, __ATOMIC_ACQUIRE);
		uint32_t len = __atomic_load_n(&s->len, __ATOMIC_ACQUIRE);

		if (c > shown && len > 0 &&
		    __atomic_compare_exchange_n(&s->shown, &shown, c, 0, __ATOMIC_ACQ_REL,
		        __ATOMIC_ACQUIRE))
			fn(s->text, len, summarised(c, shown) - 1, arg);
	}
}
