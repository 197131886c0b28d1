/* hard-fork.c - fork from a multithreaded jailed process (tests/shell/hardening.sh).
 *
 *   hard-fork busy|early T NFORK BUSY_A BUSY_D CHILD_A CHILD_D
 *
 * T threads connect to BUSY_A and BUSY_D by turns until told to stop.  Meanwhile the main
 * thread forks NFORK children; each child connects once to CHILD_A and once to CHILD_D and
 * reports.  Each DEST is ADDR:PORT ("[::1]:8081" for v6); the *_A ones the rules allow, the
 * *_D ones they deny.
 *   busy:  the children are forked once every thread has connected 200 times (the rules
 *          are loaded; the threads are inside the shim when the forks happen)
 *   early: the threads' first connects start together (the rules load lazily on the first
 *          one) and child i is forked i ms later, while the rules may still be loading
 * A child that has no verdict within 30 s is killed by SIGALRM (a hang: a fork child on a busy
 * 2-core machine can take seconds, so the limit is far above any real run).  Prints:
 *   child I a=ok|err NAME d=ok|err NAME [during-load]     one line per child, from the child
 *   children right=R wrong=W hung=H during-load=L
 *   threads allowed=A denied=D wrong=W other=X
 * during-load: a thread's first connect had started and none had returned when the child
 * was forked.  Exit 0 when every verdict was right and no child hung. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hard.h"

#define MAXT 32
#define MAXF 64

static struct hard_dest busy_a, busy_d, child_a, child_d;
static pthread_barrier_t barrier;
static int stop, started, returned;

struct worker {
	pthread_t th;
	long n, allowed, denied, wrong, other;
};

static void *
worker(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&barrier);
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	for (long k = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED) && k < 10000000; k++) {
		int deny = k % 2;
		int e = conn(deny ? &busy_d : &busy_a);

		if (k == 0)
			__atomic_add_fetch(&returned, 1, __ATOMIC_SEQ_CST);
		if (deny)
			w->denied++;
		else
			w->allowed++;
		if (deny ? e != EACCES : e == EACCES)
			w->wrong++;
		else if (e != 0 && e != EACCES && e != ECONNREFUSED)
			w->other++;
		__atomic_store_n(&w->n, k + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static const char *
verdict(int e, char *buf, size_t size)
{
	if (e == 0)
		return "ok";
	snprintf(buf, size, "err %s",
	    e == EACCES           ? "EACCES" :
	        e == ECONNREFUSED ? "ECONNREFUSED" :
	                            strerror(e));
	return buf;
}

static void
child(int i, int during)
{
	char line[200], b1[64], b2[64];
	int ea, ed, n;

	alarm(30); /* a hang ends here, with SIGALRM's default action */
	ea = conn(&child_a);
	ed = conn(&child_d);
	n = snprintf(line, sizeof(line), "child %d a=%s d=%s%s\n", i, verdict(ea, b1, sizeof(b1)),
	    verdict(ed, b2, sizeof(b2)), during ? " during-load" : "");
	(void)!write(1, line, (size_t)n);
	_exit(ea == 0 && ed == EACCES ? 0 : 1);
}

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
main(int argc, char **argv)
{
	static struct worker w[MAXT];
	pid_t pids[MAXF];
	int early, nthreads, nfork, right = 0, wrong = 0, hung = 0, ndur = 0;
	long ta = 0, td = 0, tw = 0, tx = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 8 || (strcmp(argv[1], "busy") != 0 && strcmp(argv[1], "early") != 0)) {
		fprintf(stderr, "usage: see the top of hard-fork.c\n");
		return 2;
	}
	early = strcmp(argv[1], "early") == 0;
	nthreads = (int)strtol(argv[2], NULL, 10);
	nfork = (int)strtol(argv[3], NULL, 10);
	if (nthreads < 1 || nthreads > MAXT || nfork < 1 || nfork > MAXF)
		return 2;
	hard_parse(argv[4], &busy_a);
	hard_parse(argv[5], &busy_d);
	hard_parse(argv[6], &child_a);
	hard_parse(argv[7], &child_d);
	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads + 1);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&w[i].th, NULL, worker, &w[i]) != 0)
			return perror("pthread_create"), 2;
	pthread_barrier_wait(&barrier);
	if (!early) {
		/* wait (at most 10 s) until every thread is well into its loop */
		for (int t = 0; t < 10000; t++) {
			int all = 1;

			for (int i = 0; i < nthreads; i++)
				all &= __atomic_load_n(&w[i].n, __ATOMIC_RELAXED) >= 200;
			if (all)
				break;
			pause_ms(1);
		}
	}
	for (int i = 0; i < nfork; i++) {
		int during;

		if (early && i > 0)
			pause_ms(1);
		during = __atomic_load_n(&started, __ATOMIC_SEQ_CST) > 0 &&
		    __atomic_load_n(&returned, __ATOMIC_SEQ_CST) == 0;
		pids[i] = fork();
		if (pids[i] < 0)
			return perror("fork"), 2;
		if (pids[i] == 0)
			child(i, during);
		ndur += during;
	}
	for (int i = 0; i < nfork; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) != pids[i])
			return perror("waitpid"), 2;
		if (WIFSIGNALED(st)) {
			printf("child %d killed by signal %d%s\n", i, WTERMSIG(st),
			    WTERMSIG(st) == SIGALRM ? " (no verdict within 30 s: a hang)" : "");
			hung++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			right++;
		} else {
			wrong++;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(w[i].th, NULL);
		ta += w[i].allowed, td += w[i].denied, tw += w[i].wrong, tx += w[i].other;
	}
	printf("children right=%d wrong=%d hung=%d during-load=%d\n", right, wrong, hung, ndur);
	printf("threads allowed=%ld denied=%ld wrong=%ld other=%ld\n", ta, td, tw, tx);
	return wrong == 0 && hung == 0 && tw == 0 && tx == 0 ? 0 : 1;
}
