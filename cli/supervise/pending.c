/* pending.c - the connects the supervisor has started on the tree's behalf and not yet
 * answered: one thread waits for all of them, so that a destination that never answers holds
 * up no worker (notify.c hands them over).
 *
 * A worker that has checked an allowed TCP connect on a blocking socket starts it without
 * blocking (notify.c) and, if the handshake is still under way, hands us its copy of the
 * socket and the notification's id.  The waiter thread has every such socket in one epoll set
 * (EPOLLOUT, one shot: a connecting socket becomes writable when the handshake ends, one way
 * or the other) and answers the notification with what a blocking connect would have
 * returned (nj_connect_settle).  The socket's SO_SNDTIMEO is honoured as the kernel does: when
 * it passes, the answer is EINPROGRESS (EALREADY for a connect on a socket already
 * connecting) and the handshake goes on in the kernel; the deadlines are kept in a heap, the
 * earliest set on a timerfd in the same epoll set.  A socket connected here is left as a
 * non-blocking connect leaves it, not marked connected as the kernel's blocking connect
 * marks it (that takes a connect, which may wait, on a socket that is blocking again): a
 * second connect on it then returns 0, not EISCONN.  (notify.c marks the ones that connect
 * at once, most of them.)
 *
 * A caller that is interrupted by a signal has its connect restarted or failed with EINTR by
 * the kernel, and the notification is gone (NOTIF_SEND: ENOENT).  A restarted connect is a
 * new notification for the same socket: the entries for a socket are found by its inode, and
 * those whose notification is no longer valid are dropped when a new one comes.  Otherwise an
 * entry whose caller has gone is dropped by a sweep that checks a few entries each second,
 * or when its handshake ends.
 *
 * The set is bounded (PENDING_MAX, and the supervisor's file limit: each entry holds a
 * descriptor).  When it is full, the worker waits for its connect itself (notify.c), as every
 * connect did before there was a waiter: later connects may then wait for a free worker.
 *
 * Everything about the set (the entries, their descriptors, the heap, the timer) changes
 * under one mutex, never held across anything that can block. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cli/supervise/supervise.h"

#define PENDING_MAX 65536
/* left to the workers (a pidfd, a socket, /proc files each), the pidfds kept, the relay */
#define FDS_KEPT (5 * NJ_WORKERS_MAX + NJ_PIDFDS_KEPT + NJ_RELAY_FDS)
#define NBUCKETS 4096 /* hash chains by socket inode */
#define NONE UINT32_MAX
#define TIMER UINT64_MAX /* the timerfd's epoll data */
#define SWEEP_BATCH 64 /* entries checked each second for a caller that has gone */
#define WAITER_STACK (256u << 10)

struct entry {
	__u64 id; /* the notification */
	uint64_t deadline; /* CLOCK_MONOTONIC nanoseconds; 0: none */
	ino_t ino; /* of the socket */
	int fd; /* our copy of the caller's socket; -1: a free slot */
	int expired; /* the answer when the deadline passes: -EINPROGRESS or -EALREADY */
	uint32_t gen; /* counts the slot's uses: an epoll event of an earlier use is ignored */
	uint32_t heap; /* its place in the deadline heap, or NONE */
	uint32_t next; /* the next entry of its hash chain, or of the free list */
};

static const struct nj_super *sup;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *tab;
static uint32_t cap, used, free_head = NONE;
static uint32_t *heap, nheap; /* slots with a deadline, the earliest first */
static uint32_t buckets[NBUCKETS];
static uint64_t armed; /* the timer's deadline, 0: disarmed */
static int ep = -1, tfd = -1;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
nj_connect_deadline(int fd)
{
	struct timeval tv;
	socklen_t n = sizeof(tv);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &n) != 0 ||
	    (tv.tv_sec == 0 && tv.tv_usec == 0))
		return 0; /* none: the kernel waits for the handshake however long it takes */
	return now_ns() + (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

int
nj_connect_settle(int fd, int *res)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	struct tcp_info ti;
	socklen_t n = sizeof(ti), en = sizeof(int);
	int e = 0;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &n) != 0) {
		*res = -errno;
		return 0;
	}
	if (ti.tcpi_state == TCP_SYN_SENT || ti.tcpi_state == TCP_SYN_RECV)
		return 1;
	if (ti.tcpi_state != TCP_CLOSE) {
		*res = 0; /* connected: the kernel's connect returns 0 whatever came since */
		return 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &en) != 0)
		e = errno;
	if (e == 0)
		e = ECONNABORTED; /* its error was taken by another caller: the kernel's answer */
	/* a failed blocking connect leaves the socket unconnected, so that the program can
	 * connect it again: AF_UNSPEC does that here (it never blocks, and starts nothing) */
	(void)connect(fd, &sa, sizeof(sa));
	*res = -e;
	return 0;
}

/* ---- the deadline heap (under mu) ---- */

static int
earlier(uint32_t a, uint32_t b)
{
	return tab[heap[a]].deadline < tab[heap[b]].deadline;
}

static void
heap_swap(uint32_t a, uint32_t b)
{
	uint32_t t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
	tab[heap[a]].heap = a;
	tab[heap[b]].heap = b;
}

static void
heap_fix(uint32_t i)
{
	while (i > 0 && earlier(i, (i - 1) / 2)) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < nheap && earlier(l, m))
			m = l;
		if (r < nheap && earlier(r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(i, m);
		i = m;
	}
}

static void
heap_remove(uint32_t slot)
{
	uint32_t i = tab[slot].heap;

	if (i == NONE)
		return;
	tab[slot].heap = NONE;
	if (i != --nheap) {
		heap[i] = heap[nheap];
		tab[heap[i]].heap = i;
		heap_fix(i);
	}
}

/* The timer at the earliest deadline (or disarmed), if it is not there already. */
static void
arm(void)
{
	uint64_t want = nheap ? tab[heap[0]].deadline : 0;
	struct itimerspec it;

	if (want == armed)
		return;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)(want / 1000000000u);
	it.it_value.tv_nsec = (long)(want % 1000000000u);
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &it, NULL) == 0)
		armed = want;
}

/* ---- entries (under mu) ---- */

static void
unchain(uint32_t slot)
{
	uint32_t *p = &buckets[tab[slot].ino % NBUCKETS];

	while (*p != slot)
		p = &tab[*p].next;
	*p = tab[slot].next;
}

/* Forget slot: out of the epoll set, its descriptor closed, the slot free. */
static void
drop(uint32_t slot)
{
	struct entry *e = &tab[slot];

	(void)epoll_ctl(ep, EPOLL_CTL_DEL, e->fd, NULL);
	close(e->fd);
	unchain(slot);
	heap_remove(slot);
	e->fd = -1;
	e->gen++;
	e->next = free_head;
	free_head = slot;
	used--;
}

static int
still_valid(__u64 id)
{
	return ioctl(sup->listener, NJ_IOCTL_REQ(SECCOMP_IOCTL_NOTIF_ID_VALID), &id) == 0;
}

/* The entries for the socket ino whose notification has gone (a restarted connect leaves
 * one behind each time). */
static void
drop_stale(ino_t ino)
{
	uint32_t slot = buckets[ino % NBUCKETS];

	while (slot != NONE) {
		uint32_t next = tab[slot].next;

		if (tab[slot].ino == ino && !still_valid(tab[slot].id))
			drop(slot);
		slot = next;
	}
}

int
nj_pending_add(__u64 id, int fd, ino_t ino, int expired, uint64_t deadline)
{
	struct epoll_event ev;
	struct entry *e;
	uint32_t slot;

	pthread_mutex_lock(&mu);
	drop_stale(ino);
	if (used == cap) {
		pthread_mutex_unlock(&mu);
		return -1;
	}
	slot = free_head;
	e = &tab[slot];
	free_head = e->next;
	e->id = id;
	e->fd = fd;
	e->ino = ino;
	e->expired = expired;
	e->deadline = deadline;
	e->heap = NONE;
	e->next = buckets[ino % NBUCKETS];
	buckets[ino % NBUCKETS] = slot;
	used++;
	if (deadline) {
		heap[nheap] = slot;
		e->heap = nheap++;
		heap_fix(e->heap);
		arm();
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT | EPOLLONESHOT; /* (EPOLLERR and EPOLLHUP always) */
	ev.data.u64 = (uint64_t)e->gen << 32 | slot;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		/* not ours after all: the caller keeps fd */
		unchain(slot);
		heap_remove(slot);
		arm();
		e->fd = -1;
		e->gen++;
		e->next = free_head;
		free_head = slot;
		used--;
		pthread_mutex_unlock(&mu);
		return -1;
	}
	pthread_mutex_unlock(&mu);
	return 0;
}

/* Answer the notification id with res (0 or -errno).  ENOENT: the caller has gone, or a
 * signal interrupted it; nothing to do either way. */
static void
answer(__u64 id, int res)
{
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.id = id;
	resp.error = res;
	(void)ioctl(sup->listener, NJ_IOCTL_REQ(SECCOMP_IOCTL_NOTIF_SEND), &resp);
}

/* An epoll event for slot's socket (data: its generation and slot). */
static void
ready(uint64_t data)
{
	uint32_t slot = (uint32_t)data, gen = (uint32_t)(data >> 32);
	struct epoll_event ev;
	struct entry *e;
	__u64 id;
	int res;

	pthread_mutex_lock(&mu);
	if (slot >= cap || tab[slot].fd < 0 || tab[slot].gen != gen) {
		pthread_mutex_unlock(&mu); /* an earlier use of the slot */
		return;
	}
	e = &tab[slot];
	if (nj_connect_settle(e->fd, &res)) {
		/* connecting again (the program connected it anew after a failure) */
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLOUT | EPOLLONESHOT;
		ev.data.u64 = data;
		(void)epoll_ctl(ep, EPOLL_CTL_MOD, e->fd, &ev);
		pthread_mutex_unlock(&mu);
		return;
	}
	id = e->id;
	drop(slot);
	pthread_mutex_unlock(&mu);
	answer(id, res);
}

/* The entries whose deadline has passed: answered as the kernel answers a blocking connect
 * whose SO_SNDTIMEO passes (the handshake goes on in the kernel). */
static void
expire(void)
{
	uint64_t t;
	ssize_t k = read(tfd, &t, sizeof(t)); /* (EAGAIN: it had not fired) */

	(void)k;
	for (;;) {
		uint32_t slot;
		__u64 id;
		int res;

		pthread_mutex_lock(&mu);
		armed = 0; /* it fired, or is to be set anew */
		if (nheap == 0 || tab[heap[0]].deadline > now_ns()) {
			arm();
			pthread_mutex_unlock(&mu);
			return;
		}
		slot = heap[0];
		id = tab[slot].id;
		if (nj_connect_settle(tab[slot].fd, &res))
			res = tab[slot].expired;
		drop(slot);
		pthread_mutex_unlock(&mu);
		answer(id, res);
	}
}

/* A few entries whose caller may have gone without its socket finishing (killed, or
 * interrupted by a signal and not restarted): dropped, which closes our copy of the socket. */
static void
sweep(void)
{
	static uint32_t cursor;
	uint32_t slots[SWEEP_BATCH], gens[SWEEP_BATCH];
	__u64 ids[SWEEP_BATCH];
	int n = 0, gone[SWEEP_BATCH];

	pthread_mutex_lock(&mu);
	for (uint32_t k = 0; k < cap && n < SWEEP_BATCH && used > 0; k++) {
		uint32_t slot = cursor++ % cap;

		if (tab[slot].fd < 0)
			continue;
		slots[n] = slot;
		gens[n] = tab[slot].gen;
		ids[n++] = tab[slot].id;
	}
	pthread_mutex_unlock(&mu);
	if (n == 0)
		return;
	/* (outside the mutex: the kernel finds each id in a list of every notification) */
	for (int i = 0; i < n; i++)
		gone[i] = !still_valid(ids[i]);
	pthread_mutex_lock(&mu);
	for (int i = 0; i < n; i++)
		if (gone[i] && tab[slots[i]].fd >= 0 && tab[slots[i]].gen == gens[i])
			drop(slots[i]);
	pthread_mutex_unlock(&mu);
}

static void *
waiter(void *arg)
{
	struct epoll_event evs[256];
	uint64_t swept = now_ns();

	(void)arg;
	for (;;) {
		int n = epoll_wait(ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), 1000);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == TIMER)
				expire();
			else
				ready(evs[i].data.u64);
		}
		if (now_ns() - swept >= 1000000000u) {
			sweep();
			swept = now_ns();
		}
	}
	return NULL;
}

int
nj_pending_start(const struct nj_super *s)
{
	struct epoll_event ev;
	struct rlimit rl;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	sup = s;
	cap = PENDING_MAX;
	/* (under a low limit, as 4,096, a quarter of it: the workers and the relay seldom hold
	 * all they may, and without this set every slow connect would hold a worker) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		cap = rl.rlim_cur <= FDS_KEPT + 256      ? (uint32_t)(rl.rlim_cur / 4) :
		    rl.rlim_cur - FDS_KEPT < PENDING_MAX ? (uint32_t)(rl.rlim_cur - FDS_KEPT) :
		                                           PENDING_MAX;
	for (uint32_t i = 0; i < NBUCKETS; i++)
		buckets[i] = NONE;
	if (cap > 0) {
		if ((tab = calloc(cap, sizeof(*tab))) == NULL ||
		    (heap = calloc(cap, sizeof(*heap))) == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < cap; i++) {
			tab[i].fd = -1;
			tab[i].next = i + 1 < cap ? i + 1 : NONE;
		}
		free_head = 0;
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		return -errno;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = TIMER;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) != 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, WAITER_STACK);
	rc = pthread_create(&t, &attr, waiter, NULL);
	pthread_attr_destroy(&attr);
	return -rc;
}
