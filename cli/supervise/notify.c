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

	return ioctl(c->s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
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

/* The caller's fd as our own descriptor, with its type.  0 or -errno.  Until the
 * notification is found still valid (check_addr does it, before anything uses the socket
 * but getsockopt), the pid may have been someone else's: nothing is done with it before. */
static int
grab(struct call *c, int fd)
{
	socklen_t n = sizeof(int);
	long k;

	if (c->pidfd < 0) {
		/* the thread itself (its fd table, even an unshared one); a kernel before 6.9
		 * opens only a process's first thread, and the rest share its table */
		k = syscall(SYS_pidfd_open, c->pid, PIDFD_THREAD);
		if (k < 0 && errno == EINVAL)
			k = syscall(SYS_pidfd_open, c->pid, 0);
		if (k < 0)
			return -errno;
		c->pidfd = (int)k;
	}
	if ((k = syscall(SYS_pidfd_getfd, c->pidfd, fd, 0)) < 0)
		return -errno;
	c->sock = (int)k;
	if (getsockopt(c->sock, SOL_SOCKET, SO_TYPE, &c->type, &n) != 0)
		return -errno;
	return 0;
}

/* The program's name and pid as the preload's lines give them: the last part of argv[0], the
 * process id (req.pid is a thread's). */
static unsigned long
who(const struct call *c, char *prog, size_t size)
{
	char path[64], buf[4096], *p;
	unsigned long tgid = (unsigned long)c->pid;
	ssize_t k;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)c->pid);
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
	char prog[64];

	if (c->s->log.dest == NJ_LOG_OFF)
		return;
	r.pid = who(c, prog, sizeof(prog));
	r.prog = prog;
	r.call = c->name;
	r.verdict = c->s->audit ? NJ_REC_WOULD_DENY : NJ_REC_DENY;
	r.reason = reason;
	if (d) {
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
	if (nj_decide(c->s->set, d, &v))
		return 0;
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
	if (rc == 0 && is_tcp(c))
		return connect_tcp(c, to, len);
	if (connect(c->sock, to, len) != 0)
		return -errno;
	return 0;
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
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	return 0;
}

/* One message's destination (none: 0). */
static int
check_msg(struct call *c, const struct msghdr *m)
{
	struct sockaddr_storage ss;
	struct nj_dest d;
	int rc;

	if (m->msg_name == NULL || m->msg_namelen == 0)
		return 0; /* a connected socket: decided at connect */
	rc = check_addr(c, (uint64_t)(uintptr_t)m->msg_name, m->msg_namelen, NJ_OP_SEND, &ss, &d);
	return rc < 0 ? rc : 0;
}

static int
do_sendmsg(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	struct msghdr m;
	int rc;

	if ((rc = peek(c, a[1], &m, sizeof(m))) != 0)
		return rc == -ESRCH ? rc : -EFAULT;
	if (m.msg_name != NULL && m.msg_namelen != 0 && (rc = take(c, a[0])) != 0)
		return rc;
	if ((rc = check_msg(c, &m)) != 0)
		return rc;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	return 0;
}

#define MMSG_MAX 1024 /* UIO_MAXIOV: the kernel sends no more in one call */

/* Any denied message denies the whole call (the preload would send the ones before it). */
static int
do_sendmmsg(struct call *c, struct seccomp_notif_resp *resp)
{
	const __u64 *a = c->req->data.args;
	unsigned int n = (unsigned int)a[2] > MMSG_MAX ? MMSG_MAX : (unsigned int)a[2];
	struct mmsghdr *v;
	int rc = 0;

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
		if (c->sock < 0 && (rc = take(c, a[0])) != 0)
			break;
		rc = check_msg(c, &v[i].msg_hdr);
	}
	free(v);
	if (rc == 0)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
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

static int
do_io_uring(struct call *c, struct seccomp_notif_resp *resp)
{
	(void)resp;
	return deny_text(c, NJ_WHY_IO_URING, "",
	    "io_uring makes connections the kernel does not "
	    "show netjail");
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
	{ __NR_io_uring_setup, "io_uring_setup", do_io_uring },
};

void
nj_notify_handle(const struct nj_super *s, const struct seccomp_notif *req)
{
	struct seccomp_notif_resp resp;
	struct call c = { .s = s, .req = req, .pid = (pid_t)req->pid, .pidfd = -1, .sock = -1 };
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
	if (c.sock >= 0)
		close(c.sock);
	if (c.pidfd >= 0)
		close(c.pidfd);
	if (rc == LATER)
		return; /* pending.c answers when the connect ends */
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
	(void)ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}
