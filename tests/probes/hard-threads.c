/* hard-threads.c - threads hammering connect under the shim (tests/shell/hardening.sh).
 *
 *   hard-threads storm T N DEST...   T threads, N connects each.  Attempt k of thread t goes to
 *                                    DEST[(t + k) % ndest].  Prints
 *       storm allowed=A denied=D eacces=E refused=R ok=O other=X wrong=W
 *                                    (A/D: attempts to "a" and "d" destinations; E/R/O/X: how
 *                                    the attempts ended; W: an "a" attempt that got EACCES or a
 *                                    "d" attempt that did not)
 *   hard-threads race T DEST...      T threads wait on a barrier, then each makes the process's
 *                                    first network call together: thread t connects once to
 *                                    DEST[t % ndest].  Prints one line per thread
 *                                    ("thread T a|d ok|err NAME") and
 *       race allowed=A denied=D eacces=E refused=R ok=O other=X wrong=W
 *
 * DEST is "a:ADDR:PORT" (the rules allow it) or "d:ADDR:PORT" (they deny it); ADDR is numeric,
 * v4 or v6 (an IPv6 ADDR in brackets: "d:[::1]:8081").  All TCP.  Exit 0 when W and X are 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hard.h"

#define MAXDEST 16
#define MAXT 64

struct dest {
	int allowed;
	struct sockaddr_storage ss;
	socklen_t len;
	char text[80];
};

static struct dest dests[MAXDEST];
static int ndest;
static long per_thread;
static pthread_barrier_t barrier;

struct counts {
	long allowed, denied, eacces, refused, ok, other, wrong;
};

struct worker {
	pthread_t th;
	int id;
	struct counts c;
	char line[160];
};

static void
parse_dest(const char *arg, struct dest *d)
{
	if (strlen(arg) < 3 || (arg[0] != 'a' && arg[0] != 'd') || arg[1] != ':') {
		fprintf(stderr, "bad destination %s\n", arg);
		exit(2);
	}
	snprintf(d->text, sizeof(d->text), "%s", arg);
	d->allowed = arg[0] == 'a';
	hostport(arg + 2, &d->ss, &d->len);
}

static const char *
ename(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case ECONNREFUSED: return "ECONNREFUSED";
	default: return strerror(e);
	}
}

/* One connect to d, counted in c.  Returns the errno (0 on success). */
static int
one(const struct dest *d, struct counts *c)
{
	int fd = socket(d->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc, e;

	if (fd < 0) {
		c->other++;
		return errno;
	}
	rc = connect(fd, (const struct sockaddr *)&d->ss, d->len);
	e = rc == 0 ? 0 : errno;
	close(fd);
	if (d->allowed)
		c->allowed++;
	else
		c->denied++;
	if (e == 0)
		c->ok++;
	else if (e == EACCES)
		c->eacces++;
	else if (e == ECONNREFUSED)
		c->refused++;
	else
		c->other++;
	if (d->allowed ? e == EACCES : e != EACCES)
		c->wrong++;
	return e;
}

static void *
storm(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&barrier);
	for (long k = 0; k < per_thread; k++)
		one(&dests[(w->id + k) % ndest], &w->c);
	return NULL;
}

static void *
race(void *arg)
{
	struct worker *w = arg;
	const struct dest *d = &dests[w->id % ndest];
	int e;

	pthread_barrier_wait(&barrier);
	e = one(d, &w->c);
	snprintf(w->line, sizeof(w->line), "thread %d %c %s%s\n", w->id, d->allowed ? 'a' : 'd',
	    e ? "err " : "ok", e ? ename(e) : "");
	return NULL;
}

int
main(int argc, char **argv)
{
	static struct worker w[MAXT];
	struct counts t = { 0 };
	int is_storm, nthreads, first;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 4 || (strcmp(argv[1], "storm") != 0 && strcmp(argv[1], "race") != 0)) {
		fprintf(stderr, "usage: see the top of hard-threads.c\n");
		return 2;
	}
	is_storm = strcmp(argv[1], "storm") == 0;
	nthreads = (int)strtol(argv[2], NULL, 10);
	if (is_storm) {
		per_thread = strtol(argv[3], NULL, 10);
		first = 4;
	} else {
		first = 3;
	}
	if (nthreads < 1 || nthreads > MAXT || argc - first < 1 || argc - first > MAXDEST) {
		fprintf(stderr, "bad thread or destination count\n");
		return 2;
	}
	for (int i = first; i < argc; i++)
		parse_dest(argv[i], &dests[ndest++]);
	/* the main thread joins the barrier too: every worker exists before any starts */
	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		w[i].id = i;
		if (pthread_create(&w[i].th, NULL, is_storm ? storm : race, &w[i]) != 0) {
			perror("pthread_create");
			return 2;
		}
	}
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(w[i].th, NULL);
		if (!is_storm)
			fputs(w[i].line, stdout);
		t.allowed += w[i].c.allowed;
		t.denied += w[i].c.denied;
		t.eacces += w[i].c.eacces;
		t.refused += w[i].c.refused;
		t.ok += w[i].c.ok;
		t.other += w[i].c.other;
		t.wrong += w[i].c.wrong;
	}
	printf("%s allowed=%ld denied=%ld eacces=%ld refused=%ld ok=%ld other=%ld wrong=%ld\n",
	    argv[1], t.allowed, t.denied, t.eacces, t.refused, t.ok, t.other, t.wrong);
	return t.wrong == 0 && t.other == 0 ? 0 : 1;
}
