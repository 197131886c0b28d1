/* gai_a.c - interposed getaddrinfo_a, gai_suspend, gai_error and gai_cancel: asynchronous
 * lookups whose answers the rules filter, as getaddrinfo's are.
 *
 * glibc resolves getaddrinfo_a's requests in helper threads of its own, through its internal
 * getaddrinfo, which no preload sees: their answers came back unfiltered, and the connections
 * an NSS module made while answering were checked as the program's.  Filtering the answers
 * afterwards cannot be done at one point: a program learns that a request is done from
 * gai_error, gai_suspend, a signal or a notification thread, or by reading ar_result in
 * any of those.  So the requests are run here, each on a thread of ours through the same
 * filtered getaddrinfo (resolve.c), and their result is published only once filtered.
 * The four functions share glibc's internal list, so all four are ours.
 *
 * Threads: SPEC.md §7 says the shim starts none.  These are started only for a program that
 * called getaddrinfo_a, which asks for threads: glibc would start them (up to 20, detached,
 * every signal blocked), and these are started the same way, in their place.
 *
 * What a program sees is glibc's behaviour (2.36), which this follows step by step:
 *   - getaddrinfo_a sets each request's result to EAI_INPROGRESS and queues it; a request
 *     that cannot be queued makes the call return EAI_SYSTEM (errno EAGAIN), the others
 *     still run.  GAI_WAIT returns once every queued request is done (signals do not end
 *     the wait; each request's outcome is its gai_error).  GAI_NOWAIT notifies once, when the
 *     last of the call's requests is done: SIGEV_SIGNAL queues the signal with si_code
 *     SI_ASYNCNL and the caller's pid; SIGEV_THREAD starts the function on a new thread
 *     (the given attributes, else detached), every signal unblocked; with nothing queued it
 *     notifies at once, from the caller.
 *   - gai_suspend waits for the listed requests that are in progress, until one is done (0),
 *     the timeout passes or a signal handler runs (EAI_INTR); with none in progress,
 *     EAI_ALLDONE.  A timeout gives EAI_SYSTEM, not the EAI_AGAIN of the manual: glibc's wait
 *     reports it as EAGAIN, which its gai_suspend then does not recognise.  Programs are
 *     written against what glibc does, so that is what they get.
 *   - gai_cancel takes a request that is still queued (EAI_CANCELED; like glibc it leaves the
 *     result EAI_INPROGRESS and notifies no one), refuses one being resolved
 *     (EAI_NOTCANCELED), and answers EAI_ALLDONE for any other.
 *   - A lookup whose every answer is denied fails with EAI_SYSTEM, as getaddrinfo does; its
 *     errno (EACCES) stays in the thread that resolved it: a request has no errno.
 * glibc keeps an idle helper for a second in case more requests come; these end at once.
 * Not async-signal-safe, as glibc's are not (gai_error excepted). */
#include <errno.h>
#include <linux/futex.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim/shim.h"

#define WORKERS_MAX 20 /* glibc's number of helper threads */
/* room for the resolver and NSS modules (glibc gives its helpers less), not the default's
 * megabytes per thread */
#define WORKER_STACK (256 * 1024)

/* One waiter's hold on one request: a GAI_WAIT caller, gai_suspend, or the notification of a
 * GAI_NOWAIT call.  left counts the requests still awaited; group is the NOWAIT call's. */
struct link {
	struct link *next;
	unsigned int *left;
	struct group *group;
};

/* The notification of a GAI_NOWAIT call, sent when its last request is done; freed then. */
struct group {
	unsigned int left;
	pid_t pid;
	struct sigevent sev;
	struct link links[];
};

/* A request queued or being resolved; freed when it is done. */
struct job {
	struct gaicb *cb;
	struct job *next;
	struct link *waiting;
	unsigned long serial; /* tells a request from a later one of the same gaicb */
	int running;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct job *queue, *queue_tail;
static int workers;
static unsigned long serials;

static long
futex(unsigned int *word, int op, unsigned int val, const struct timespec *abs)
{
	return nj_real.syscall(SYS_futex, word, (long)(op | FUTEX_PRIVATE_FLAG), (long)val, abs,
	    NULL, (long)FUTEX_BITSET_MATCH_ANY);
}

/* Sleep while *word is val (the lock released meanwhile), until woken, abs (CLOCK_MONOTONIC)
 * passes or a signal handler runs: 0, ETIMEDOUT or EINTR.  As glibc's wait, a value that
 * changed before we slept is read again. */
static int
sleep_on(unsigned int *word, unsigned int val, const struct timespec *abs)
{
	int saved = errno, rc = 0;

	pthread_mutex_unlock(&lock);
	while (val != 0) {
		if (futex(word, FUTEX_WAIT_BITSET, val, abs) == 0) {
			rc = 0;
			break;
		}
		rc = errno;
		if (rc != EAGAIN)
			break;
		rc = 0;
		val = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	}
	errno = saved;
	pthread_mutex_lock(&lock);
	return rc;
}

static struct job *
find(const struct gaicb *cb)
{
	struct job *j = queue;

	while (j && j->cb != cb)
		j = j->next;
	return j;
}

static void
unqueue(struct job *j)
{
	struct job **p = &queue, *prev = NULL;

	while (*p != j)
		prev = *p, p = &(*p)->next;
	*p = j->next;
	if (queue_tail == j)
		queue_tail = prev;
}

struct notice {
	void (*fn)(union sigval);
	union sigval value;
};

static void *
notice_main(void *arg)
{
	struct notice n = *(struct notice *)arg;
	sigset_t none;

	free(arg);
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	n.fn(n.value);
	return NULL;
}

/* What sev asks for, as glibc does it. */
static void
notify(const struct sigevent *sev, pid_t pid)
{
	if (sev->sigev_notify == SIGEV_THREAD) {
		pthread_attr_t own, *attr = sev->sigev_notify_attributes;
		struct notice *n = malloc(sizeof(*n));
		pthread_t t;

		if (n == NULL)
			return;
		n->fn = sev->sigev_notify_function;
		n->value = sev->sigev_value;
		if (attr == NULL) {
			pthread_attr_init(&own);
			pthread_attr_setdetachstate(&own, PTHREAD_CREATE_DETACHED);
			attr = &own;
		}
		if (pthread_create(&t, attr, notice_main, n) != 0)
			free(n);
		if (attr == &own)
			pthread_attr_destroy(&own);
	} else if (sev->sigev_notify == SIGEV_SIGNAL) {
		siginfo_t si;
		int saved = errno;

		memset(&si, 0, sizeof(si));
		si.si_signo = sev->sigev_signo;
		si.si_code = SI_ASYNCNL;
		si.si_pid = pid;
		si.si_uid = getuid();
		si.si_value = sev->sigev_value;
		nj_real.syscall(SYS_rt_sigqueueinfo, (long)pid, (long)sev->sigev_signo, &si);
		errno = saved;
	}
}

/* j is done: tell its waiters, take it off the queue.  Under the lock. */
static void
finish(struct job *j)
{
	struct link *l, *next;

	for (l = j->waiting; l; l = next) {
		next = l->next;
		if (l->group == NULL) {
			if (*l->left > 0 && __atomic_sub_fetch(l->left, 1, __ATOMIC_RELEASE) == 0)
				futex(l->left, FUTEX_WAKE, 1, NULL);
		} else if (--*l->left == 0) {
			struct group *g = l->group; /* l is inside it */

			notify(&g->sev, g->pid);
			free(g);
		}
	}
	unqueue(j);
	free(j);
}

static int start_worker(struct job *first);

/* The next queued request, marked as taken; and another worker if more are waiting.  Under
 * the lock. */
static struct job *
take(void)
{
	struct job *j = queue, *more;

	while (j && j->running)
		j = j->next;
	if (j == NULL)
		return NULL;
	j->running = 1;
	for (more = j->next; more && more->running; more = more->next)
		;
	if (more && workers < WORKERS_MAX && start_worker(NULL) == 0)
		workers++;
	return j;
}

static void *
worker(void *arg)
{
	struct job *j = arg;

	if (j == NULL) {
		pthread_mutex_lock(&lock);
		if ((j = take()) == NULL)
			workers--;
		pthread_mutex_unlock(&lock);
	}
	while (j) {
		struct gaicb *cb = j->cb;
		int rc = nj_getaddrinfo("getaddrinfo_a", cb->ar_name, cb->ar_service,
		    cb->ar_request, &cb->ar_result);

		pthread_mutex_lock(&lock);
		__atomic_store_n(&cb->__return, rc, __ATOMIC_RELEASE);
		finish(j);
		if ((j = take()) == NULL)
			workers--;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* A worker, detached, every signal blocked (so that the program's signals go to its own
 * threads), starting with first (NULL: whatever is queued).  0 or an error number. */
static int
start_worker(struct job *first)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, &attr, worker, first);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

/* Queue cb, starting a worker for it when there is room for one.  NULL (errno set) when it
 * cannot be queued.  Under the lock. */
static struct job *
enqueue(struct gaicb *cb)
{
	struct job *j = calloc(1, sizeof(*j));
	int rc;

	if (j == NULL) {
		errno = EAGAIN;
		return NULL;
	}
	j->cb = cb;
	j->serial = ++serials;
	if (queue_tail)
		queue_tail->next = j;
	else
		queue = j;
	queue_tail = j;
	__atomic_store_n(&cb->__return, EAI_INPROGRESS, __ATOMIC_RELEASE);
	if (workers >= WORKERS_MAX)
		return j;
	j->running = 1;
	if ((rc = start_worker(j)) == 0) {
		workers++;
		return j;
	}
	if (workers > 0) {
		j->running = 0; /* a worker that is running will take it */
		return j;
	}
	unqueue(j);
	free(j);
	errno = rc;
	return NULL;
}

static void
hold(struct job *j, struct link *l, unsigned int *left, struct group *g)
{
	l->next = j->waiting;
	l->left = left;
	l->group = g;
	j->waiting = l;
}

NJ_EXPORT int
getaddrinfo_a(int mode, struct gaicb *list[], int ent, struct sigevent *sig)
{
	struct sigevent none;
	int n = ent > 0 ? ent : 0, result = 0;
	struct job *jobs[n > 0 ? n : 1];
	unsigned int total = 0;

	if (!NJ_READY(1, syscall)) /* the waits and the signal are made through syscall() */
		return EAI_SYSTEM;
	if (mode != GAI_WAIT && mode != GAI_NOWAIT) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	if (sig == NULL) {
		memset(&none, 0, sizeof(none));
		none.sigev_notify = SIGEV_NONE;
		sig = &none;
	}
	pthread_mutex_lock(&lock);
	for (int i = 0; i < n; i++) {
		jobs[i] = list[i] ? enqueue(list[i]) : NULL;
		if (jobs[i])
			total++;
		else if (list[i])
			result = EAI_SYSTEM;
	}
	if (total == 0) {
		/* unlocked first: the signal handler may leave by siglongjmp */
		pthread_mutex_unlock(&lock);
		if (mode == GAI_NOWAIT)
			notify(sig, sig->sigev_notify == SIGEV_SIGNAL ? getpid() : 0);
		return result;
	}
	if (mode == GAI_WAIT) {
		struct link links[n];
		unsigned int left = total;

		for (int i = 0; i < n; i++)
			if (jobs[i])
				hold(jobs[i], &links[i], &left, NULL);
		while (left > 0)
			sleep_on(&left, left, NULL); /* a signal does not end it */
	} else {
		struct group *g = malloc(sizeof(*g) + (size_t)n * sizeof(struct link));

		if (g == NULL) {
			result = EAI_AGAIN;
		} else {
			g->left = total;
			g->pid = sig->sigev_notify == SIGEV_SIGNAL ? getpid() : 0;
			g->sev = *sig;
			for (int i = 0; i < n; i++)
				if (jobs[i])
					hold(jobs[i], &g->links[i], &g->left, g);
		}
	}
	pthread_mutex_unlock(&lock);
	return result;
}

NJ_EXPORT int
gai_suspend(const struct gaicb *const list[], int ent, const struct timespec *timeout)
{
	int n = ent > 0 ? ent : 0, waiting = 0, rc = 0, result;
	struct link links[n > 0 ? n : 1];
	unsigned long serial[n > 0 ? n : 1];
	unsigned int left = 1;
	struct timespec abs;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < n; i++) {
		struct job *j = NULL;

		serial[i] = 0;
		if (list[i] &&
		    __atomic_load_n(&list[i]->__return, __ATOMIC_ACQUIRE) == EAI_INPROGRESS &&
		    (j = find(list[i])) != NULL) {
			hold(j, &links[i], &left, NULL);
			serial[i] = j->serial;
			waiting = 1;
		}
	}
	if (!waiting) {
		pthread_mutex_unlock(&lock);
		return EAI_ALLDONE;
	}
	if (timeout) {
		clock_gettime(CLOCK_MONOTONIC, &abs);
		abs.tv_sec += timeout->tv_sec;
		abs.tv_nsec += timeout->tv_nsec;
		if (abs.tv_nsec >= 1000000000) {
			abs.tv_nsec -= 1000000000;
			abs.tv_sec++;
		}
	}
	rc = sleep_on(&left, left, timeout ? &abs : NULL);
	/* let go of the requests still in progress (each found again by its serial: the others
	 * are done and freed) */
	for (int i = 0; i < n; i++) {
		struct job *j;
		struct link **l;

		if (serial[i] == 0)
			continue;
		for (j = queue; j && !(j->cb == list[i] && j->serial == serial[i]); j = j->next)
			;
		if (j == NULL)
			continue;
		for (l = &j->waiting; *l && *l != &links[i]; l = &(*l)->next)
			;
		if (*l)
			*l = links[i].next;
	}
	pthread_mutex_unlock(&lock);
	result = rc == 0 ? 0 : rc == EINTR ? EAI_INTR : EAI_SYSTEM; /* a timeout too: see above */
	return result;
}

NJ_EXPORT int
gai_error(struct gaicb *req)
{
	return __atomic_load_n(&req->__return, __ATOMIC_ACQUIRE);
}

NJ_EXPORT int
gai_cancel(struct gaicb *req)
{
	struct job *j;
	int result;

	pthread_mutex_lock(&lock);
	if ((j = find(req)) == NULL) {
		result = EAI_ALLDONE;
	} else if (j->running) {
		result = EAI_NOTCANCELED;
	} else {
		unqueue(j);
		free(j);
		result = EAI_CANCELED;
	}
	pthread_mutex_unlock(&lock);
	return result;
}
