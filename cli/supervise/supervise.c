/* supervise.c - netjail run --supervise: start the command under the seccomp filter
 * (seccomp.c), answer its notifications from a pool of threads (notify.c), and wait until every
 * process of the jailed tree has exited; then exit as the command did.
 *
 *   netjail (supervisor, unfiltered)          child
 *   fork ----------------------------------->  PR_SET_NO_NEW_PRIVS, filter + listener fd N
 *   read N  <--------------------------------  write N on the report pipe
 *   pidfd_getfd(child, N): the listener
 *   write "go" ----------------------------->  exec COMMAND (the listener closes on exec)
 *   workers: NOTIF_RECV, decide, NOTIF_SEND
 *   main thread: waitpid(-1) until no child is left
 *
 * The child cannot send the listener itself: once filtered, its sendmsg would wait for a
 * supervisor that does not have the listener yet.  Taking it with pidfd_getfd also proves,
 * before anything runs, that we may take the jailed programs' sockets.
 *
 * The supervisor is a child subreaper: a jailed process whose parent exits is re-parented to
 * us, so it stays our descendant (Yama's ptrace_scope 1 lets us read only descendants) and
 * "no child left" means "no jailed process left".  Descendants that outlive the command keep
 * being supervised: we exit when the last one has gone.  If the supervisor dies, the kernel
 * fails every notifying call of the tree (ENOSYS): errors, never free access.
 *
 * Out of the tree's reach: whoever holds the listener answers the tree's calls, so the tree
 * must not be able to take it (pidfd_getfd), read or write our memory (ptrace,
 * /proc/PID/mem, process_vm_writev) or open our descriptors (/proc/PID/fd).  The kernel
 * allows each of those to a process of the same user, and to any process with CAP_SYS_PTRACE.
 * So the supervisor makes itself non-dumpable (PR_SET_DUMPABLE 0: the same user is refused),
 * and the child drops CAP_SYS_PTRACE from every capability set before the filter goes on
 * (no_new_privs keeps an exec from giving it back, even to root).  Signals still reach us
 * (the same user may send them): SIGKILL fails the tree's calls, SIGSTOP holds them; neither
 * lets one through.
 *
 * Workers: each waits in NOTIF_RECV itself.  The one that takes the last idle place starts
 * another before handling its notification, so a slow one never holds up the others (up to
 * NJ_WORKERS_MAX threads; beyond that, notifications wait for a free worker).  A TCP connect
 * holds a worker only while it is started: one thread waits for every handshake under way
 * (pending.c), so that destinations that never answer do not use up the workers.  Each
 * connect under way keeps a descriptor (our copy of its socket) open, so the supervisor
 * raises its own soft limit on open files to the hard one; the tree keeps the limits it had. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/supervise/supervise.h"

#define WORKER_STACK (256u << 10)
/* <linux/seccomp.h> of Linux 6.6, newer than the headers of Debian 12 */
#define NJ_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define NJ_NOTIF_SYNC_WAKE_UP 1ul

static struct nj_super sup;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int idle, total; /* workers waiting in NOTIF_RECV; all workers */
static volatile pid_t child;

static void *worker(void *arg);

static int
start_worker(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	rc = pthread_create(&t, &attr, worker, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

/* Count a new worker in (as idle) when the last idle one just took a notification. */
static void
took_one(void)
{
	int more;

	pthread_mutex_lock(&mu);
	more = --idle == 0 && total < NJ_WORKERS_MAX;
	if (more)
		idle++, total++;
	pthread_mutex_unlock(&mu);
	if (more && start_worker() != 0) {
		pthread_mutex_lock(&mu);
		idle--, total--;
		pthread_mutex_unlock(&mu);
	}
}

static void *
worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct seccomp_notif req;

		memset(&req, 0, sizeof(req)); /* the kernel wants it zeroed */
		if (ioctl(sup.listener, NJ_IOCTL_REQ(SECCOMP_IOCTL_NOTIF_RECV), &req) != 0) {
			if (errno == EINTR || errno == ENOENT)
				continue; /* ENOENT: its caller was interrupted or died */
			pthread_mutex_lock(&mu);
			idle--, total--;
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		took_one();
		nj_notify_handle(&sup, &req);
		pthread_mutex_lock(&mu);
		idle++;
		pthread_mutex_unlock(&mu);
	}
}

/* SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 are passed on to the command.  SIGINT and SIGQUIT
 * from a terminal reach the whole process group, the command included, and are ignored here;
 * without a controlling terminal (a container's PID 1) whoever sends them means us, and they
 * are passed on too. */
static void
forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/* Do we have a controlling terminal? */
static int
terminal(void)
{
	int fd = open("/dev/tty", O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Drop CAP_SYS_PTRACE from the effective, permitted, inheritable and ambient sets and, where
 * we may, the bounding set: with it, the tree could reach a non-dumpable supervisor.  0 or
 * -errno (the sets could not be changed). */
static int
drop_ptrace(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	const __u32 bit = 1u << CAP_SYS_PTRACE; /* CAP_SYS_PTRACE < 32: the first word */

	if (syscall(SYS_capget, &h, d) != 0)
		return -errno;
	d[0].effective &= ~bit;
	d[0].permitted &= ~bit;
	d[0].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d) != 0)
		return -errno;
	/* the ambient set is a subset of permitted and inheritable: lowered with them */
	(void)prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0); /* EPERM without CAP_SETPCAP */
	if (syscall(SYS_capget, &h, d) != 0)
		return -errno;
	return (d[0].effective | d[0].permitted | d[0].inheritable) & bit ? -EPERM : 0;
}

/* The child's side: drop CAP_SYS_PTRACE, filter, report the listener's number (or the
 * error), wait for the go, exec. */
static __attribute__((noreturn)) void
jailed(const struct nj_launch *l, char *const argv[], int report, int go)
{
	int fd = drop_ptrace(), e;
	char b;

	if (fd == 0)
		fd = nj_seccomp_install(l->set, sup.relay);

	if (write(report, &fd, sizeof(fd)) != (ssize_t)sizeof(fd) || read(go, &b, 1) != 1)
		_exit(EXIT_CANNOT);
	close(fd);
	execv(l->cmd, argv);
	e = errno; /* before warn, which may change it */
	warn("%s", l->cmd);
	_exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT);
}

/* Take the child's listener (its fd number on the report pipe).  Returns it, or -1 with the
 * reason printed. */
static int
take_listener(pid_t pid, int report)
{
	__u64 id = 0;
	long pidfd, fd = -1;
	int n = -1;

	if (read(report, &n, sizeof(n)) != (ssize_t)sizeof(n)) {
		warnx("--supervise: the child died before installing the filter");
		return -1;
	}
	if (n < 0) {
		errno = -n;
		warn("--supervise: cannot drop CAP_SYS_PTRACE or install the seccomp filter");
		return -1;
	}
	if ((pidfd = syscall(SYS_pidfd_open, pid, 0)) < 0 ||
	    (fd = syscall(SYS_pidfd_getfd, (int)pidfd, n, 0)) < 0) {
		/* warnx: the reason is not last */
		warnx("--supervise: cannot take the filter's listener from the child (%s: %s)%s",
		    pidfd < 0 ? "pidfd_open" : "pidfd_getfd", strerror(errno),
		    errno == EPERM ? "; ptrace restrictions (kernel.yama.ptrace_scope) forbid it" :
		                     "");
		if (pidfd >= 0)
			close((int)pidfd);
		return -1;
	}
	close((int)pidfd);
	/* Linux 6.6: the kernel wakes the worker and the caller on the CPU that wakes them,
	 * each waiting for the other, which takes a scheduling round off every notification
	 * (docs/performance.md); an older kernel says EINVAL, and runs as before */
	(void)ioctl((int)fd, NJ_IOCTL_REQ(NJ_NOTIF_SET_FLAGS), NJ_NOTIF_SYNC_WAKE_UP);
	/* SECCOMP_IOCTL_NOTIF_ID_VALID has this number since Linux 5.9 */
	if (ioctl((int)fd, NJ_IOCTL_REQ(SECCOMP_IOCTL_NOTIF_ID_VALID), &id) != 0 &&
	    errno != ENOENT) {
		warnx("--supervise needs Linux 5.9 or later (SECCOMP_IOCTL_NOTIF_ID_VALID: %s)",
		    strerror(errno));
		close((int)fd);
		return -1;
	}
	return (int)fd;
}

/* Wait for every process of the tree; the command's status as an exit status. */
static int
wait_tree(pid_t pid)
{
	int st, status = EXIT_CANNOT;
	pid_t w;

	for (;;) {
		w = waitpid(-1, &st, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: the tree is empty */
		}
		if (w != pid)
			continue;
		child = 0;
		if (WIFEXITED(st))
			status = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			status = 128 + WTERMSIG(st);
	}
	nj_notify_flush(&sup);
	return status;
}

void
nj_die_as(int status)
{
	if (status > 128 && status < 128 + NSIG) {
		/* die as the command did (without a core of our own) */
		int sig = status - 128;
		sigset_t set;

		if (sig != SIGQUIT && sig != SIGSEGV && sig != SIGABRT && sig != SIGBUS &&
		    sig != SIGFPE && sig != SIGILL && sig != SIGSYS && sig != SIGTRAP) {
			signal(sig, SIG_DFL);
			sigemptyset(&set);
			sigaddset(&set, sig);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			raise(sig);
		}
	}
}

int
nj_supervise(const struct nj_launch *l, char *const argv[], int audit, const char *log)
{
	const char *why = nj_seccomp_unsupported();
	int report[2], go[2], listener;
	struct rlimit rl;
	sigset_t all, old;
	pid_t pid;

	if (why != NULL) {
		warnx("--supervise cannot work here: %s; nothing started", why);
		return EXIT_USAGE;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 || pipe2(report, O_CLOEXEC) != 0 ||
	    pipe2(go, O_CLOEXEC) != 0) {
		warn("--supervise");
		return EXIT_USAGE;
	}
	/* the DNS relay (relay.c): for host rules, and in audit mode to name every lookup's
	 * answers in the lines netjail learn reads */
	sup.relay = nj_rules_host_count(l->set) > 0 || audit;
	if (sup.relay) {
		void *t = mmap(NULL, nj_answers_size(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (t == MAP_FAILED) {
			warn("--supervise: no memory for the DNS relay");
			return EXIT_CANNOT;
		}
		sup.answers = t;
	}
	if ((pid = fork()) < 0) {
		warn("fork");
		return EXIT_CANNOT;
	}
	if (pid == 0) {
		close(report[0]);
		close(go[1]);
		jailed(l, argv, report[1], go[0]);
	}
	child = pid;
	close(report[1]);
	close(go[0]);
	/* before the go: from now on the tree may not ptrace us, take our descriptors or touch
	 * our memory (see the top of this file); taking the child's listener needs only its
	 * dumpability, not ours */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		warn("--supervise: cannot make the supervisor non-dumpable");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return EXIT_USAGE;
	}
	if ((listener = take_listener(pid, report[0])) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return EXIT_USAGE;
	}
	close(report[0]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	sup.listener = listener;
	sup.set = l->set;
	sup.audit = sup.log.audit = audit;
	/* (netjail run validated --log; a bad NETJAIL_LOG or NETJAIL_LOG_FORMAT means stderr
	 * and text, as in the preload) */
	(void)nj_log_set_dest(&sup.log, log ? log : getenv("NETJAIL_LOG"));
	(void)nj_log_set_format(&sup.log, getenv("NETJAIL_LOG_FORMAT"));

	/* the workers and the waiter take no signals: they go to this thread, which waits */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	idle = total = 1;
	if (nj_pending_start(&sup) != 0 || (sup.relay && nj_relay_start(&sup) != 0) ||
	    start_worker() != 0) {
		warnx("--supervise: cannot start a thread");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return EXIT_CANNOT;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	signal(SIGUSR1, forward);
	signal(SIGUSR2, forward);
	signal(SIGINT, terminal() ? SIG_IGN : forward);
	signal(SIGQUIT, terminal() ? SIG_IGN : forward);
	if (write(go[1], "g", 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return EXIT_CANNOT;
	}
	close(go[1]);
	return wait_tree(pid);
}
