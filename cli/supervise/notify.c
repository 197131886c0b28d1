/* notify.c - one seccomp notification of netjail run --supervise: read the destination from
 * the caller's memory, take it in as the preload does (sys/intake.h), decide it with the rules, log a denial the way the
 * preload does, answer.
 *
 * connect is never let through with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel would read
 * the caller's address again, after our check, and another thread of the caller may have
 * rewritten it by then.  The supervisor takes the caller's socket (pidfd_getfd: the same open
 * socket, not a copy) and connects it to its own checked copy of the address; the caller gets
 * that connect's result (a non-blocking socket stays non-blocking: EINPROGRESS).  The sends are
 * checked and then continued: netjail(1), "netjail run --supervise", says what that leaves.
 *
 * A TCP connect on a blocking socket must not hold this thread for as long as the handshake
 * takes (a destination that drops SYNs takes minutes, and every worker it held would be one
 * fewer for the rest of the tree): the socket is made non-blocking for the connect and made
 * blocking again at once (the handshake goes on in the kernel regardless), and a connect still
 * under way is handed to pending.c, which answers it when it ends.  O_NONBLOCK is a flag of
 * the open file description, which we share with the caller: for that moment, another thread
 * of the caller using the same socket sees it non-blocking (a read or write on a socket that
 * is still connecting returns EAGAIN instead of waiting).  Only one worker at a time does this
 * for one socket (the stripes below), so two of them cannot take each other's flag for the
 * program's.  EALREADY (the socket was connecting already: a connect restarted after a
 * signal, or two threads connecting one socket) means waiting too, as the kernel's blocking
 * connect waits.  Unix sockets keep the blocking connect: a non-blocking one returns EAGAIN
 * when the listener's queue is full, and there is nothing to wait on.
 *
 * Every read of the caller's memory is followed by SECCOMP_IOCTL_NOTIF_ID_VALID: if the caller
 * died (and its pid was reused) in between, what we read is not its and the notification is
 * dropped.  A caller that dies while we decide makes NOTIF_SEND fail with ENOENT: ignored. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sys/intake.h"
#include "cli/supervise/supervise.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd for one thread, not its process */
#endif

#define LATER 1 /* a connect handed to pending.c: it answers */
#define NSTRIPES 64

/* One socket's flags are changed by one worker at a time: by socket inode. */
static pthread_mutex_t stripes[NSTRIPES] = {
	[0 ... NSTRIPES - 1] = PTHREAD_MUTEX_INITIALIZER,
};

/* One notification being answered. */
struct call {
	const struct nj_super *s;
	const struct seccomp_notif *req;
	const char *name; /* the call, for log lines */
	pid_t pid; /* the calling thread */
	int pidfd; /* the calling thread (or its process), or -1 */
	int pidslot; /* its place among the pidfds kept, or -1: its own */
	int sock; /* the caller's socket, ours through pidfd_getfd, or -1 */
	int type; /* of sock: SO_TYPE */
	int denied; /* the rules (or a check) said no: logged */
	char path[PATH_MAX]; /* a unix pathname destination, canonical */
	struct sockaddr_un un; /* what a unix connect is made to */
};

static int
still_valid(const struct call *c)
{
	__u64 id = c->req->id;

	return ioctl(c->s->listener, NJ_IOCTL_REQ(SECCOMP_IOCTL_NOTIF_ID_VALID), &id) == 0;
}

/* Read n bytes at addr in the caller's memory.  0 or -errno (-EFAULT for a short read). */
static int
peek(const struct call *c, uint64_t addr, void *buf, size_t n)
{
	struct iovec local = { buf, n }, remote = { (void *)(uintptr_t)addr, n };
	ssize_t k;

	if (n == 0)
		return 0;
	k = process_vm_readv(c->pid, &local, 1, &remote, 1, 0);
	if (k < 0)
		return -errno;
	return (size_t)k == n ? 0 : -EFAULT;
}

/* ---- pidfds, kept ----
 * A pidfd for each calling thread, kept from one call to the next (opening and closing one
 * around every call costs two system calls of each).  A pidfd stands for one thread (or
 * process) and never another: when that one is gone and its tid is another's, pidfd_getfd
 * fails with ESRCH and a new pidfd is opened.  One in use (refs) is never closed under its
 * user; one a call found stale is closed by the last user letting it go. */

#define PIDFDS NJ_PIDFDS_KEPT
static struct {
	pid_t pid; /* 0: none (or stale) */
	int fd, refs;
	uint64_t used; /* for the choice of the one to close */
} pidfds[PIDFDS] = { [0 ... PIDFDS - 1] = { .fd = -1 } };
static pthread_mutex_t pidfds_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t pidfds_clock;

static int
pidfd_open_thread(pid_t pid)
{
	/* the thread itself (its fd table, even an unshared one); a kernel before 6.9 opens
	 * only a process's first thread, and the rest share its table */
	long k = syscall(SYS_pidfd_open, pid, PIDFD_THREAD);

	if (k < 0 && errno == EINVAL)
		k = syscall(SYS_pidfd_open, pid, 0);
	return k < 0 ? -errno : (int)k;
}

/* A pidfd for thread c->pid into c->pidfd (and c->pidslot: its place, or -1 for one of its
 * own, closed when the call is answered).  0 or -errno. */
static int
pidfd_take(struct call *c)
{
	int i, fd, slot = -1;

	if (c->pid <= 0)
		return -ESRCH; /* (the caller is not in our pid namespace) */
	pthread_mutex_lock(&pidfds_mu);
	for (i = 0; i < PIDFDS; i++)
		if (pidfds[i].pid == c->pid && pidfds[i].fd >= 0)
			break;
	if (i < PIDFDS) {
		pidfds[i].refs++;
		pidfds[i].used = ++pidfds_clock;
		c->pidfd = pidfds[i].fd;
		c->pidslot = i;
		pthread_mutex_unlock(&pidfds_mu);
		return 0;
	}
	pthread_mutex_unlock(&pidfds_mu);
	if ((fd = pidfd_open_thread(c->pid)) < 0)
		return fd;
	pthread_mutex_lock(&pidfds_mu);
	for (i = 0; i < PIDFDS; i++)
		if (pidfds[i].refs == 0 && (slot < 0 || pidfds[i].used < pidfds[slot].used))
			slot = i;
	if (slot >= 0) {
		if (pidfds[slot].fd >= 0)
			close(pidfds[slot].fd);
		pidfds[slot].pid = c->pid;
		pidfds[slot].fd = fd;
		pidfds[slot].refs = 1;
		pidfds[slot].used = ++pidfds_clock;
	}
	pthread_mutex_unlock(&pidfds_mu);
	c->pidfd = fd;
	c->pidslot = slot;
	return 0;
}

/* Let c's pidfd go; stale: it stands for a thread that is gone (no one takes it again). */
static void
pidfd_let_go(struct call *c, int stale)
{
	if (c->pidfd < 0)
		return;
	if (c->pidslot < 0) {
		close(c->pidfd);
	} else {
		pthread_mutex_lock(&pidfds_mu);
		if (stale)
			pidfds[c->pidslot].pid = 0;
		if (--pidfds[c->pidslot].refs == 0 && pidfds[c->pidslot].pid == 0) {
			close(pidfds[c->pidslot].fd);
			pidfds[c->pidslot].fd = -1;
		}
		pthread_mutex_unlock(&pidfds_mu);
	}
	c->pidfd = -1;
	c->pidslot = -1;
}

/* The caller's fd as our own descriptor.  0 or -errno.  Until the notification is found
 * still valid (check_addr does it, before anything uses the socket but getsockopt), the pid
 * may have been someone else's: nothing is done with it before. */
static int
grab_fd(struct call *c, int fd)
{
	long k;
	int rc;

	/* (until a pidfd opened now fails: two workers may each have kept one for a tid) */
	for (int tries = 0;; tries++) {
		if (c->pidfd < 0 && (rc = pidfd_take(c)) != 0)
			return rc;
		if ((k = syscall(SYS_pidfd_getfd, c->pidfd, fd, 0)) >= 0)
			break;
		rc = -errno;
		if (rc != -ESRCH || c->pidslot < 0 || tries > PIDFDS)
			return rc;
		pidfd_let_go(c, 1); /* kept for a thread gone: its tid is the caller's now */
	}
	c->sock = (int)k;
	return 0;
}

/* grab_fd, and the socket's type. */
static int
grab(struct call *c, int fd)
{
	socklen_t n = sizeof(int);
	int rc = grab_fd(c, fd);

	if (rc == 0 && getsockopt(c->sock, SOL_SOCKET, SO_TYPE, &c->type, &n) != 0)
		rc = -errno;
	return rc;
}

/* Write n bytes of buf at addr in the caller's memory.  0 or -EFAULT. */
static int
poke(const struct call *c, uint64_t addr, const void *buf, size_t n)
{
	struct iovec local = { (void *)buf, n }, remote = { (void *)(uintptr_t)addr, n };

	if (n == 0)
		return 0;
	return process_vm_writev(c->pid, &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -EFAULT;
}

/* (req.pid is a thread's: the process id is its Tgid) */
unsigned long
nj_notify_who(pid_t pid, char *prog, size_t size)
{
	char path[64], buf[4096], *p;
	unsigned long tgid = (unsigned long)pid;
	ssize_t k;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (k > 0) {
			buf[k] = '\0';
			if ((p = strstr(buf, "\nTgid:\t")) != NULL)
				tgid = strtoul(p + 7, NULL, 10);
		}
	}
	snprintf(prog, size, "?");
	snprintf(path, sizeof(path), "/proc/%lu/cmdline", tgid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (k > 0) {
			struct nj_buf b = { prog, size, 0 };

			buf[k] = '\0';
			p = strrchr(buf, '/');
			nj_buf_str(&b, p ? p + 1 : buf);
		}
	}
	return tgid;
}

void
nj_notify_flush(const struct nj_super *s)
{
	nj_log_flush(&s->log);
}

/* One denial record, as the preload would write it: a destination d and its verdict v, or
 * with d NULL a denial in words. */
static void
log_deny(const struct call *c, const struct nj_dest *d, const struct nj_verdict *v, int reason,
    const char *what, const char *why)
{
	struct nj_record r = { 0 };
	char prog[64], host[NJ_HOST_MAX];

	if (c->s->log.dest == NJ_LOG_OFF)
		return;
	r.pid = nj_notify_who(c->pid, prog, sizeof(prog));
	r.prog = prog;
	r.call = c->name;
	r.verdict = c->s->audit ? NJ_REC_WOULD_DENY : NJ_REC_DENY;
	r.reason = reason;
	if (d) {
		if (c->s->answers && d->kind == NJ_DEST_IP &&
		    nj_answers_name(c->s->answers, &d->ip, host, sizeof(host)))
			r.host = host; /* "for api.example.com": the lookup it came from */
		r.dest = d;
		r.rules = c->s->set;
		r.v = v;
		r.vdest = d;
	} else {
		r.what = what;
		r.text = why;
	}
	nj_log_record(&c->s->log, &r);
}

/* A denial that is not about a destination: logged, -EACCES (in audit mode the call is then
 * continued: nj_notify_handle). */
static int
deny_text(struct call *c, int reason, const char *what, const char *why)
{
	log_deny(c, NULL, NULL, reason, what, why);
	c->denied = 1;
	return -EACCES;
}

/* What the rules see of the address the caller passed (len bytes, read into buf): the intake
 * (sys/intake.h), the same as the preload's, with a unix pathname resolved where the caller
 * stands (its cwd and root).  Returns 0 with ss and d filled; 1 for a connect to AF_UNSPEC
 * (it dissolves an association and reaches nobody); -EINVAL for an address too short for its
 * family; -ENAMETOOLONG for a unix path that cannot be resolved. */
static int
describe(struct call *c, struct nj_dest *d, struct sockaddr_storage *ss, const void *buf,
    socklen_t len, int op)
{
	int rc;

	memset(d, 0, sizeof(*d));
	rc = nj_intake(d, ss, buf, len, op, c->sock);
	if (rc == NJ_INTAKE_NONE)
		return 1;
	if (rc == NJ_INTAKE_BAD)
		return -EINVAL;
	d->proto = c->type == SOCK_STREAM ? NJ_PROTO_TCP :
	    c->type == SOCK_DGRAM         ? NJ_PROTO_UDP :
	                                    NJ_PROTO_OTHER;
	if (d->kind != NJ_DEST_UNIX || d->abstract || d->pathlen == 0)
		return 0;
	return nj_intake_unix(d, (int)c->pid, c->path, sizeof(c->path));
}

/* Read the address at addr (len bytes) from the caller, then describe and decide it.  0 when
 * allowed, 1 for connect to AF_UNSPEC, else the error to answer with (-EACCES when denied,
 * logged; -EFAULT for an address the caller cannot read either; -ESRCH: the caller is gone). */
static int
check_addr(struct call *c, uint64_t addr, uint64_t len, int op, struct sockaddr_storage *ss,
    struct nj_dest *d)
{
	struct sockaddr_storage buf; /* what the caller passed, as read */
	struct nj_verdict v;
	int rc;

	if (addr == 0 || len < sizeof(sa_family_t) || len > sizeof(buf))
		return deny_text(c, NJ_WHY_MALFORMED, "a malformed address",
		    "the address length does not fit its family");
	if ((rc = peek(c, addr, &buf, (size_t)len)) != 0) {
		if (rc == -EFAULT || rc == -ESRCH)
			return rc; /* the kernel would say EFAULT; or the caller is gone */
		return deny_text(c, NJ_WHY_UNCHECKABLE, "",
		    "netjail cannot read the program's memory to check its "
		    "destination (process_vm_readv: not permitted)");
	}
	if (!still_valid(c))
		return -ESRCH; /* the caller died: what we read (and took) was not its */
	rc = describe(c, d, ss, &buf, (socklen_t)len, op);
	if (rc == 1)
		return 1;
	if (rc == -EINVAL)
		return deny_text(c, NJ_WHY_MALFORMED, "a malformed address",
		    "the address length does not fit its family");
	if (rc != 0)
		return deny_text(c, NJ_WHY_UNCHECKABLE, rc == -EMLINK ? c->path : "a unix path",
		    nj_intake_unix_why(rc));
	if (nj_decide(c->s->set, d, &v) ||
	    (c->s->answers && nj_answers_allows(c->s->answers, c->s->set, d, NULL, 0)))
		return 0; /* (a host rule: a lookup of the tree, seen by the relay, answered it) */
	log_deny(c, d, &v, NJ_WHY_NONE, NULL, NULL);
	c->denied = 1;
	return -EACCES;
}

/* Take the caller's socket: 0, or the error to answer with (EBADF, ENOTSOCK as the kernel
 * would; a denial when we may not take it). */
static int
take(struct call *c, uint64_t fd)
{
	int rc = grab(c, (int)fd);

	if (rc == 0 || rc == -EBADF || rc == -ENOTSOCK || rc == -ESRCH)
		return rc;
	return deny_text(c, NJ_WHY_UNCHECKABLE, "",
	    rc == -EPERM ? "netjail cannot take the program's socket to "
	                   "check it (pidfd_getfd: not permitted)" :
	                   "netjail cannot take the program's socket "
	                   "to check it");
}

/* The unix address our connect uses: the checked canonical path (no links left to swap).
 * -ENAMETOOLONG when it does not fit a sockaddr_un. */
static int
unix_target(struct call *c, socklen_t *len)
{
	size_t n = strlen(c->path);

	if (n >= sizeof(c->un.sun_path))
		return -ENAMETOOLONG;
	memset(&c->un, 0, sizeof(c->un));
	c->un.sun_family = AF_UNIX;
	memcpy(c->un.sun_path, c->path, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* Is our socket TCP (over IPv4 or IPv6)? */
static int
is_tcp(const struct call *c)
{
	socklen_t n = sizeof(int);
	int proto = 0;

	return c->type == SOCK_STREAM &&
	    getsockopt(c->sock, SOL_SOCKET, SO_PROTOCOL, &proto, &n) == 0 && proto == IPPROTO_TCP;
}

/* Is our socket of this IP protocol? */
static int
is_proto(const struct call *c, int want)
{
	socklen_t n = sizeof(int);
	int proto = 0;

	return getsockopt(c->sock, SOL_SOCKET, SO_PROTOCOL, &proto, &n) == 0 && proto == want;
}

/* Is the allowed destination d one the DNS relay stands between (relay.c): UDP or TCP to
 * port 53 of an address the address rules allow?  (One that only a host rule allows, an
 * answer of an earlier lookup, is reached as it is: a server the tree found by name does not
 * get to vouch for the names of other host rules.) */
static int
relayable(const struct call *c, const struct nj_dest *d)
{
	return nj_relay_wants(c->s, d, c->type) && nj_decide(c->s->set, d, NULL) &&
	    is_proto(c, c->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
}

/* The face of nameserver d that our socket is to reach instead (to, len), the socket bound
 * and registered with the relay.  0, or a denial (logged): the relay cannot stand for it. */
static int
relay_target(struct call *c, const struct nj_dest *d, struct sockaddr_storage *to, socklen_t *len)
{
	socklen_t n = sizeof(int);
	int fam = 0, rc;

	if (getsockopt(c->sock, SOL_SOCKET, SO_DOMAIN, &fam, &n) != 0)
		return -errno;
	rc = nj_relay_redirect(c->sock, fam, c->type == SOCK_STREAM, d, c->pid, to, len);
	if (rc == 0 || rc == -EAFNOSUPPORT)
		return rc; /* (an IPv6 nameserver to an IPv4 socket: what the kernel says) */
	return deny_text(c, NJ_WHY_UNCHECKABLE, "a nameserver",
	    rc == -EMFILE            ? "netjail's DNS relay stands for 32 nameservers at most" :
	        rc == -EADDRNOTAVAIL ? "netjail's DNS relay has no loopback address of this "
	                               "family to stand for it (is lo up?)" :
	                               "netjail's DNS relay cannot stand for it");
}

/* Wait here for a connect under way on our socket (the set of pending.c is full), as long as
 * the caller is still waiting for it: the answer, or expired when the deadline passes. */
static int
wait_here(struct call *c, int expired, uint64_t deadline)
{
	struct pollfd p = { .fd = c->sock, .events = POLLOUT };
	int res;

	for (;;) {
		struct timespec ts;
		uint64_t t;
		int ms = 1000;

		if (deadline) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			if (t >= deadline)
				return nj_connect_settle(c->sock, &res) ? expired : res;
			if (deadline - t < 1000000000u)
				ms = (int)((deadline - t + 999999u) / 1000000u);
		}
		(void)poll(&p, 1, ms);
		if (!nj_connect_settle(c->sock, &res))
			return res;
		if (!still_valid(c))
			return -ESRCH; /* interrupted, or gone: the answer is not wanted */
	}
}

/* A TCP connect of our socket to the checked address: a blocking socket's connect is started
 * without blocking, and if it is still under way, handed to pending.c (LATER). */
static int
connect_tcp(struct call *c, const struct sockaddr *to, socklen_t len)
{
	pthread_mutex_t *m;
	struct stat st;
	uint64_t deadline;
	int fl, rc, res = 0, later;

	if (fstat(c->sock, &st) != 0)
		return -errno;
	m = &stripes[st.st_ino % NSTRIPES];
	pthread_mutex_lock(m);
	if ((fl = fcntl(c->sock, F_GETFL)) < 0 || (fl & O_NONBLOCK) ||
	    fcntl(c->sock, F_SETFL, fl | O_NONBLOCK) != 0) {
		/* non-blocking already (or the flag cannot be set): connected as it is */
		pthread_mutex_unlock(m);
		return connect(c->sock, to, len) != 0 ? -errno : 0;
	}
	rc = connect(c->sock, to, len) != 0 ? -errno : 0;
	later = (rc == -EINPROGRESS || rc == -EALREADY) && nj_connect_settle(c->sock, &res);
	if ((rc == -EINPROGRESS || rc == -EALREADY) && !later && res == 0 &&
	    connect(c->sock, to, len) != 0 && errno != EISCONN)
		res = -errno;
	/* (over already, as on loopback it usually is, and connected: connecting again marks
	 * the socket connected, as the kernel's blocking connect leaves it, so that a later
	 * connect gets EISCONN; with O_NONBLOCK still set, it cannot wait) */
	/* blocking again at once; only our flag is taken back */
	if ((fl = fcntl(c->sock, F_GETFL)) >= 0)
		(void)fcntl(c->sock, F_SETFL, fl & ~O_NONBLOCK);
	if (rc != -EINPROGRESS && rc != -EALREADY) {
		pthread_mutex_unlock(m);
		return rc;
	}
	if (!later) {
		pthread_mutex_unlock(m);
		return res;
	}
	deadline = nj_connect_deadline(c->sock); /* (from now: the handshake has just begun) */
	if (nj_pending_add(c->req->id, c->sock, st.st_ino, rc, deadline) == 0) {
		c->sock = -1; /* pending.c's now */
		pthread_mutex_unlock(m);
		return LATER;
	}
	pthread_mutex_unlock(m);
	return wait_here(c, rc, deadline);
}

static int
do_connect(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	struct sockaddr_storage ss;
	const struct sockaddr *to = (const struct sockaddr *)&ss;
	socklen_t len = (socklen_t)(a[2] & 0xffffffffu);
	struct nj_dest d;
	int rc;

	if ((rc = take(c, a[0])) != 0)
		return rc;
	rc = check_addr(c, a[1], len, NJ_OP_CONNECT, &ss, &d);
	if (rc < 0)
		return rc;
	if (rc == 0 && d.kind == NJ_DEST_UNIX && !d.abstract && d.pathlen > 0) {
		if (unix_target(c, &len) != 0)
			return deny_text(c, NJ_WHY_UNCHECKABLE, "a unix path",
			    "its canonical form is too long for "
			    "netjail to connect on the program's behalf");
		to = (const struct sockaddr *)&c->un;
	}
	resp->val = 0;
	if (rc == 0 && relayable(c, &d)) {
		/* a nameserver: connected to its face in the relay instead */
		if ((rc = relay_target(c, &d, &ss, &len)) != 0)
			return rc;
		to = (const struct sockaddr *)&ss;
	}
	if (rc == 0 && is_tcp(c))
		return connect_tcp(c, to, len);
	if (connect(c->sock, to, len) != 0)
		return -errno;
	return 0;
}

#define DGRAM_MAX 65535 /* the most a UDP datagram holds */

/* The port of an IP socket address (host order) when its address is the loopback one a face
 * is bound to (127.0.0.1, ::1, ::ffff:127.0.0.1), else 0. */
static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	static const uint8_t lo6[16] = { [15] = 1 },
	                     mapped[16] = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 };

	if (ss->ss_family == AF_INET &&
	    ((const struct sockaddr_in *)ss)->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		return 0;
	if (ss->ss_family == AF_INET6 &&
	    memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, lo6, 16) != 0 &&
	    memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, mapped, 16) != 0)
		return 0;
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* The bytes of one datagram of the caller's (iov[0..n): its buffers, read from its memory
 * now) into data (DGRAM_MAX bytes).  Their count, or -errno (-EMSGSIZE as the kernel says of a
 * datagram too big). */
static ssize_t
gather(struct call *c, const struct iovec *iov, size_t n, uint8_t *data)
{
	size_t total = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > DGRAM_MAX - total)
			return -EMSGSIZE;
		if ((rc = peek(c, (uint64_t)(uintptr_t)iov[i].iov_base, data + total,
		         iov[i].iov_len)) != 0)
			return rc == -ESRCH ? rc : -EFAULT;
		total += iov[i].iov_len;
	}
	return still_valid(c) ? (ssize_t)total : -ESRCH;
}

/* One datagram of the caller's (iov[0..n)) sent here to our checked copy to (NULL: the
 * connected peer).  The bytes sent, or -errno. */
static ssize_t
send_copy(struct call *c, const struct iovec *iov, size_t n, int flags, struct sockaddr_storage *to,
    socklen_t tlen)
{
	struct msghdr out = { 0 };
	struct iovec v;
	uint8_t *data = malloc(DGRAM_MAX);
	ssize_t k = data ? gather(c, iov, n, data) : -ENOMEM;

	if (k >= 0) {
		v.iov_base = data;
		v.iov_len = (size_t)k;
		out.msg_name = to;
		out.msg_namelen = to ? tlen : 0;
		out.msg_iov = &v;
		out.msg_iovlen = 1;
		k = sendmsg(c->sock, &out, flags | MSG_NOSIGNAL);
		if (k < 0)
			k = -errno;
	}
	free(data);
	return k;
}

/* A query of the caller's (iov[0..n)) on our socket, which the relay serves (of inode ino),
 * to the face of port face_port, forwarded to its nameserver here (nj_relay_forward): the bytes, or -ENOENT when no flow
 * names the socket, or -errno. */
static ssize_t
forward(struct call *c, const struct iovec *iov, size_t n, ino_t ino, uint16_t face_port)
{
	uint8_t *data = malloc(DGRAM_MAX);
	ssize_t k = data ? gather(c, iov, n, data) : -ENOMEM;

	if (k >= 0)
		k = nj_relay_forward(ino, face_port, data, (size_t)k);
	free(data);
	return k;
}

/* The same, to nameserver d: the socket registered with the relay (relay_target) and the
 * query forwarded here; sent to d's face if the relay has no flow for it after all. */
static ssize_t
send_to_face(struct call *c, const struct iovec *iov, size_t n, int flags, const struct nj_dest *d)
{
	struct sockaddr_storage to;
	struct stat st;
	socklen_t tlen;
	ssize_t k;
	int rc;

	if ((rc = relay_target(c, d, &to, &tlen)) != 0)
		return rc;
	if (fstat(c->sock, &st) == 0 &&
	    (k = forward(c, iov, n, st.st_ino, port_of(&to))) != -ENOENT)
		return k;
	return send_copy(c, iov, n, flags, &to, tlen);
}

/* A message m (read from the caller; its pointers are the caller's) sent here: to nameserver
 * d's face (send_to_face), or with d NULL to our checked copy to (NULL: unnamed).  The bytes
 * sent, or -errno. */
static ssize_t
send_msg_here(struct call *c, const struct msghdr *m, int flags, const struct nj_dest *d,
    struct sockaddr_storage *to, socklen_t tlen)
{
	struct iovec *iov;
	size_t n = nj_kernel_len(&m->msg_iovlen);
	ssize_t k = -EFAULT;

	/* control data would be applied with the supervisor's credentials and capabilities, not
	 * the caller's (SO_MARK, SCM_CREDENTIALS...): refused on a message sent here */
	if (nj_kernel_len(&m->msg_controllen) != 0)
		return -EOPNOTSUPP;
	if (n > 1024)
		return -EMSGSIZE;
	if ((iov = calloc(n ? n : 1, sizeof(*iov))) == NULL)
		return -ENOMEM;
	if (n && peek(c, (uint64_t)(uintptr_t)m->msg_iov, iov, n * sizeof(*iov)) != 0)
		goto out;
	k = d ? send_to_face(c, iov, n, flags, d) : send_copy(c, iov, n, flags, to, tlen);
out:
	free(iov);
	return k;
}

/* sendto, sendmsg, sendmmsg: checked, then continued (the kernel makes the call itself). */
static int
do_sendto(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	struct sockaddr_storage ss;
	struct nj_dest d;
	int rc;

	if ((rc = take(c, a[0])) != 0)
		return rc;
	if ((rc = check_addr(c, a[4], a[5] & 0xffffffffu, NJ_OP_SEND, &ss, &d)) < 0)
		return rc;
	if (rc == 0 && c->type == SOCK_STREAM && relayable(c, &d))
		return -EOPNOTSUPP; /* TCP Fast Open to a nameserver would pass the relay by */
	if (rc == 0 && c->type == SOCK_DGRAM && relayable(c, &d)) {
		/* a nameserver: sent here, to its face (the address is our checked copy) */
		struct iovec v = { (void *)(uintptr_t)a[1], (size_t)a[2] };
		ssize_t k = send_to_face(c, &v, 1, (int)a[3], &d);

		if (k < 0)
			return (int)k;
		resp->val = k;
		return 0;
	}
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	return 0;
}

#define RELAYED 2 /* check_msg: allowed, a nameserver the relay stands for */

/* One message's destination (none: 0), into ss and d: 0 allowed, RELAYED, or the error. */
static int
check_msg(struct call *c, const struct msghdr *m, struct sockaddr_storage *ss, struct nj_dest *d)
{
	int rc;

	memset(ss, 0, sizeof(*ss));
	if (m->msg_name == NULL || m->msg_namelen == 0)
		return 0; /* a connected socket: decided at connect */
	rc = check_addr(c, (uint64_t)(uintptr_t)m->msg_name, m->msg_namelen, NJ_OP_SEND, ss, d);
	if (rc == 0 && c->type == SOCK_DGRAM && relayable(c, d))
		return RELAYED;
	if (rc == 0 && c->type == SOCK_STREAM && relayable(c, d))
		return -EOPNOTSUPP; /* TCP Fast Open to a nameserver would pass the relay by */
	return rc < 0 ? rc : 0;
}

/* Message i of the caller's batch at `at` was sent, k bytes: its msg_len written back, as the
 * kernel's sendmmsg does.  k, or -EFAULT. */
static ssize_t
mmsg_sent(struct call *c, struct mmsghdr *v, unsigned int i, uint64_t at, ssize_t k)
{
	v[i].msg_len = (unsigned int)k;
	if (!still_valid(c) ||
	    poke(c, at + i * sizeof(*v) + offsetof(struct mmsghdr, msg_len), &v[i].msg_len,
	        sizeof(v[i].msg_len)) != 0)
		return -EFAULT;
	return k;
}

/* The answer to a batch of which i messages were sent, the last try's result k: the count, or
 * k's error when none was. */
static int
mmsg_answer(unsigned int i, ssize_t k, struct seccomp_notif_resp *resp)
{
	if (i == 0)
		return k < 0 ? (int)k : 0;
	resp->val = i;
	return 0;
}

/* A batch of which some message goes to a nameserver the relay stands for: every message
 * sent here, in turn (the checked copy of each destination; a nameserver's face), and the
 * caller's msg_len written back, as the kernel's sendmmsg does.  The count sent. */
static int
mmsg_here(struct call *c, struct mmsghdr *v, unsigned int n, uint64_t at, int flags,
    struct seccomp_notif_resp *resp)
{
	unsigned int i;
	ssize_t k = 0;

	for (i = 0; i < n; i++) {
		struct msghdr *m = &v[i].msg_hdr;
		struct sockaddr_storage ss;
		struct nj_dest d;
		int rc = check_msg(c, m, &ss, &d);

		if (rc == RELAYED) {
			k = send_msg_here(c, m, flags, &d, NULL, 0);
		} else if (rc == 0 && (m->msg_name == NULL || m->msg_namelen == 0)) {
			k = send_msg_here(c, m, flags, NULL, NULL, 0); /* the connected peer */
		} else if (rc == 0 && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
			k = send_msg_here(c, m, flags, NULL, &ss,
			    ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
			                              sizeof(struct sockaddr_in6));
		} else {
			k = rc ? rc : -EINVAL; /* (a unix name in a batch to a nameserver) */
		}
		if (k < 0)
			break;
		if ((k = mmsg_sent(c, v, i, at, k)) < 0)
			break;
	}
	return mmsg_answer(i, k, resp);
}

static int
do_sendmsg(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	struct sockaddr_storage ss;
	struct nj_dest d;
	struct msghdr m;
	int rc;

	if ((rc = peek(c, a[1], &m, sizeof(m))) != 0)
		return rc == -ESRCH ? rc : -EFAULT;
	if (m.msg_name != NULL && m.msg_namelen != 0 && (rc = take(c, a[0])) != 0)
		return rc;
	if ((rc = check_msg(c, &m, &ss, &d)) == RELAYED) {
		ssize_t k = send_msg_here(c, &m, (int)a[2], &d, NULL, 0);

		if (k < 0)
			return (int)k;
		resp->val = k;
		return 0;
	}
	if (rc != 0)
		return rc;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	return 0;
}

#define MMSG_MAX 1024 /* UIO_MAXIOV: the kernel sends no more in one call */

/* A batch without destinations (glibc's A and AAAA queries together) on a socket the DNS
 * relay serves: every query forwarded here (nj_relay_forward), saving each the hop through
 * the face, and msg_len written back.  0 answered (resp->val the count); 1 when the batch is
 * not the relay's (continue it); or -errno. */
static int
mmsg_forward(struct call *c, struct mmsghdr *v, unsigned int n, uint64_t at,
    struct seccomp_notif_resp *resp)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct stat st;
	unsigned int i;
	ssize_t k = 0;

	if (!c->s->relay)
		return 1;
	if (c->sock < 0 && grab(c, (int)c->req->data.args[0]) != 0)
		return 1; /* (the kernel will say what it says of this fd) */
	/* only a socket whose peer is still a face (connected there by the relay) */
	if (c->type != SOCK_DGRAM || !still_valid(c) || fstat(c->sock, &st) != 0 ||
	    !nj_relay_serves(st.st_ino) ||
	    getpeername(c->sock, (struct sockaddr *)&peer, &plen) != 0)
		return 1;
	for (i = 0; i < n; i++) {
		const struct msghdr *m = &v[i].msg_hdr;
		size_t niov = nj_kernel_len(&m->msg_iovlen);
		struct iovec *iov;

		if (nj_kernel_len(&m->msg_controllen) != 0) {
			k = -EOPNOTSUPP; /* (as send_msg_here says why) */
			break;
		}
		if (niov > 1024 || (iov = calloc(niov ? niov : 1, sizeof(*iov))) == NULL) {
			k = -EMSGSIZE;
			break;
		}
		k = peek(c, (uint64_t)(uintptr_t)m->msg_iov, iov, niov * sizeof(*iov));
		k = k == 0 ? forward(c, iov, niov, st.st_ino, port_of(&peer)) : -EFAULT;
		free(iov);
		if (k == -ENOENT && i == 0)
			return 1; /* the flow is gone: the face still takes it */
		if (k < 0)
			break;
		if ((k = mmsg_sent(c, v, i, at, k)) < 0)
			break;
	}
	return mmsg_answer(i, k, resp);
}

/* Any denied message denies the whole call (the preload would send the ones before it). */
static int
do_sendmmsg(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	unsigned int n = (unsigned int)a[2] > MMSG_MAX ? MMSG_MAX : (unsigned int)a[2];
	struct mmsghdr *v;
	int rc = 0, relayed = 0;

	if (n == 0) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		return 0;
	}
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -ENOMEM;
	if ((rc = peek(c, a[1], v, n * sizeof(*v))) != 0)
		rc = rc == -ESRCH ? rc : -EFAULT;
	for (unsigned int i = 0; rc == 0 && i < n; i++) {
		if (v[i].msg_hdr.msg_name == NULL || v[i].msg_hdr.msg_namelen == 0)
			continue;
		struct sockaddr_storage ss;
		struct nj_dest d;

		if (c->sock < 0 && (rc = take(c, a[0])) != 0)
			break;
		if ((rc = check_msg(c, &v[i].msg_hdr, &ss, &d)) == RELAYED)
			relayed = 1, rc = 0;
	}
	if (rc == 0 && relayed)
		rc = mmsg_here(c, v, n, a[1], (int)a[3], resp);
	else if (rc == 0 && (rc = mmsg_forward(c, v, n, a[1], resp)) == 1)
		rc = 0, resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	free(v);
	return rc;
}

/* socket: the filter, built knowing the rules, asks only about a raw IP or packet socket they
 * do not allow, so that its refusal is logged as the preload logs it.  Continued when allowed
 * after all, or in audit mode: its arguments are values, with nothing for the kernel to read
 * again after this check. */
static int
do_socket(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	struct nj_dest d;
	struct nj_verdict v;

	if (!nj_socket_dest(&d, (int)a[0], (int)a[1]) || nj_decide(c->s->set, &d, &v)) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		return 0;
	}
	log_deny(c, &d, &v, NJ_WHY_NONE, NULL, NULL);
	c->denied = 1;
	return -EACCES;
}

/* Is our socket non-blocking (or the call's flags say so)? */
static int
nonblocking(const struct call *c, int flags)
{
	int fl = fcntl(c->sock, F_GETFL);

	return (flags & MSG_DONTWAIT) || fl < 0 || (fl & O_NONBLOCK);
}

/* recvfrom with an address: the filter asks about it only while the DNS relay is on.  On a
 * socket the relay serves, the call is made here, and an answer from a nameserver's face
 * says it came from the nameserver (relay.c says why); any other socket's is continued. */
static int
do_recvfrom(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from), alen;
	size_t len = a[2] > DGRAM_MAX + 1 ? DGRAM_MAX + 1 : (size_t)a[2];
	int flags = (int)a[3], rc;
	uint64_t deadline = 0;
	struct stat st;
	uint8_t *buf;
	ssize_t k;

	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (grab_fd(c, (int)a[0]) != 0 || !still_valid(c) || fstat(c->sock, &st) != 0 ||
	    !S_ISSOCK(st.st_mode) || !nj_relay_serves(st.st_ino))
		return 0; /* (a socket the relay serves is a UDP one) */
	resp->flags = 0;
	if ((rc = peek(c, a[5], &alen, sizeof(alen))) != 0)
		return rc == -ESRCH ? rc : -EFAULT;
	if ((int)alen < 0)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		flags |= MSG_DONTWAIT; /* the kernel never waits for the error queue */
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	for (;;) {
		k = recvfrom(c->sock, buf, len, flags | MSG_DONTWAIT, (struct sockaddr *)&from,
		    &flen);
		if (k >= 0 || errno != EAGAIN || nonblocking(c, flags))
			break;
		if (deadline == 0) {
			struct timeval tv;
			socklen_t n = sizeof(tv);

			deadline = UINT64_MAX;
			if (getsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &n) == 0 &&
			    (tv.tv_sec || tv.tv_usec) && tv.tv_sec < 100000000) {
				struct timespec ts;

				clock_gettime(CLOCK_MONOTONIC, &ts);
				deadline = (uint64_t)ts.tv_sec * 1000000000u +
				    (uint64_t)ts.tv_nsec + (uint64_t)tv.tv_sec * 1000000000u +
				    (uint64_t)tv.tv_usec * 1000u;
			}
		}
		{
			struct pollfd p = { .fd = c->sock, .events = POLLIN };
			struct timespec ts;
			uint64_t t;
			int ms = 1000;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			if (t >= deadline) {
				errno = EAGAIN;
				k = -1;
				break;
			}
			if (deadline - t < 1000000000u)
				ms = (int)((deadline - t + 999999u) / 1000000u);
			(void)poll(&p, 1, ms);
		}
		if (!still_valid(c)) {
			free(buf);
			return -ESRCH; /* interrupted, or gone: the answer is not wanted */
		}
	}
	if (k < 0) {
		rc = -errno;
		free(buf);
		return rc;
	}
	(void)nj_relay_unface(&from, &flen);
	{
		/* the datagram, its source and the source's length, in one write */
		size_t nb = (size_t)k < len ? (size_t)k : len, na = alen < flen ? alen : flen;
		struct iovec l[3] = { { buf, nb }, { &from, na }, { &flen, sizeof(flen) } };
		struct iovec r[3] = { { (void *)(uintptr_t)a[1], nb },
			{ (void *)(uintptr_t)a[4], na },
			{ (void *)(uintptr_t)a[5], sizeof(flen) } };

		rc = !still_valid(c) ? -ESRCH :
		    process_vm_writev(c->pid, l, 3, r, 3, 0) == (ssize_t)(nb + na + sizeof(flen)) ?
		                       0 :
		                       -EFAULT;
	}
	free(buf);
	if (rc != 0)
		return rc == -ESRCH ? rc : -EFAULT;
	resp->val = k;
	return 0;
}

static int
do_io_uring(struct call *c, struct seccomp_notif_resp *resp)
{
	(void)resp;
	return deny_text(c, NJ_WHY_IO_URING, "",
	    "io_uring makes connections the kernel does not "
	    "show netjail");
}

/* Let the caller's socket go: before the answer, so that the caller's own close of it is
 * the last (its port free at once, a linger in the caller's close, not in a worker). */
static void
drop_sock(struct call *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
}

/* The calls the filter asks about, and who answers each. */
static const struct {
	int nr;
	const char *name;
	int (*fn)(struct call *, struct seccomp_notif_resp *);
} calls[] = {
	{ __NR_socket, "socket", do_socket },
	{ __NR_connect, "connect", do_connect },
	{ __NR_sendto, "sendto", do_sendto },
	{ __NR_sendmsg, "sendmsg", do_sendmsg },
	{ __NR_sendmmsg, "sendmmsg", do_sendmmsg },
	{ __NR_recvfrom, "recvfrom", do_recvfrom },
	{ __NR_io_uring_setup, "io_uring_setup", do_io_uring },
};

void
nj_notify_handle(const struct nj_super *s, const struct seccomp_notif *req)
{
	struct seccomp_notif_resp resp;
	struct call c = { .s = s,
		.req = req,
		.pid = (pid_t)req->pid,
		.pidfd = -1,
		.pidslot = -1,
		.sock = -1 };
	int rc = -EACCES; /* a number the filter never asks about */
	int nr = req->data.nr;

	memset(&resp, 0, sizeof(resp));
	resp.id = req->id;
	if (req->data.arch != AUDIT_ARCH_X86_64)
		nr = req->data.arch == AUDIT_ARCH_I386 && (unsigned)nr == NJ_I386_SOCKET ?
		    __NR_socket :
		    -1; /* of a 32-bit program, only socket is asked about */
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (calls[i].nr == nr) {
			c.name = calls[i].name;
			rc = calls[i].fn(&c, &resp);
			break;
		}
	}
	drop_sock(&c);
	if (rc == LATER) {
		pidfd_let_go(&c, 0);
		return; /* pending.c answers when the connect ends */
	}
	if (rc < 0 && c.denied && s->audit) {
		rc = 0; /* audit: logged as "would deny"; the kernel makes the call */
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	}
	if (rc == -ESRCH)
		rc = -EACCES; /* the caller is most likely gone; if not, it is not let through */
	if (rc < 0) {
		resp.error = rc;
		resp.flags = 0;
		resp.val = 0;
	}
	/* ENOENT: the caller died or a signal interrupted its call (it restarts, asking
	 * again); nothing to do either way */
	(void)ioctl(s->listener, NJ_IOCTL_REQ(SECCOMP_IOCTL_NOTIF_SEND), &resp);
	pidfd_let_go(&c, 0); /* (after the answer: the caller need not wait for it) */
}
