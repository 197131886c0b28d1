/* hard-signal.c - a signal handler that connects while the main thread is inside the shim
 * (tests/shell/hardening.sh).
 *
 *   hard-signal connect NSIG MAIN_A MAIN_D HANDLER_A HANDLER_D
 *       the main thread connects to MAIN_A and MAIN_D by turns while an interval timer
 *       (SIGALRM every 200 us) runs a handler that connects to HANDLER_A and HANDLER_D by turns
 *   hard-signal gai NSIG HOST PORT HANDLER_A HANDLER_D
 *       the same, but the main thread calls getaddrinfo(HOST, PORT) (SOCK_STREAM) in a loop
 *
 * Each DEST is ADDR:PORT ("[::1]:8081" for v6); the *_A ones the rules allow, the *_D ones
 * they deny.  The main thread makes one connect to MAIN_A/HANDLER_A before the timer starts,
 * so the rules are loaded before any handler runs.  It stops after NSIG handler runs (or 10 s);
 * a handler run after the NSIG-th does nothing, so the counts below are exact.
 * Prints:
 *   main allowed=A refused=R ok=O denied=D eacces=E other=X       (connect mode)
 *   main gai=N first=ADDR... other=X                              (gai mode: the count of
 *                                                                 calls, the distinct first
 *                                                                 answers seen)
 *   handler allowed=A ok=O refused=R denied=D eacces=E other=X inside=I [last-other=WHAT]
 * (WHAT: the last unexpected result, "connected" or an errno message) where inside counts handler runs that interrupted the main thread inside connect or
 * getaddrinfo.  Every counter is exact: the test compares them. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hard.h"

static struct hard_dest h_a, h_d;
static volatile sig_atomic_t in_call, runs;
static int nsig; /* handler runs that connect; later ones return at once */
static volatile long h_allowed, h_ok, h_refused, h_denied, h_eacces, h_other, h_inside;
static volatile int h_other_errno; /* the last unexpected result */

static void
on_alarm(int s)
{
	int saved = errno;
	int e;

	(void)s;
	if (runs >= nsig)
		return;
	if (in_call)
		h_inside++;
	if (runs % 2 == 0) {
		h_allowed++;
		e = conn(&h_a);
		if (e == 0)
			h_ok++;
		else if (e == ECONNREFUSED)
			h_refused++;
		else
			h_other++, h_other_errno = e;
	} else {
		h_denied++;
		e = conn(&h_d);
		if (e == EACCES)
			h_eacces++;
		else
			h_other++, h_other_errno = e ? e : -1; /* -1: it connected */
	}
	runs++;
	errno = saved;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	struct hard_dest m_a, m_d;
	long m_allowed = 0, m_refused = 0, m_ok = 0, m_denied = 0, m_eacces = 0, m_other = 0;
	long ngai = 0;
	char firsts[256] = "";
	int is_gai;
	double end;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 7 || (strcmp(argv[1], "connect") != 0 && strcmp(argv[1], "gai") != 0)) {
		fprintf(stderr, "usage: see the top of hard-signal.c\n");
		return 2;
	}
	is_gai = strcmp(argv[1], "gai") == 0;
	nsig = (int)strtol(argv[2], NULL, 10);
	hard_parse(argv[5], &h_a);
	hard_parse(argv[6], &h_d);
	if (!is_gai) {
		hard_parse(argv[3], &m_a);
		hard_parse(argv[4], &m_d);
		(void)conn(&m_a); /* the rules load here, before any handler runs */
	} else {
		(void)conn(&h_a);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	end = now() + 10;
	for (long i = 0; runs < nsig && now() < end; i++) {
		if (is_gai) {
			struct addrinfo hints, *res = NULL;
			char a[INET6_ADDRSTRLEN] = "?";
			int rc;

			memset(&hints, 0, sizeof(hints));
			hints.ai_socktype = SOCK_STREAM;
			in_call = 1;
			rc = getaddrinfo(argv[3], argv[4], &hints, &res);
			in_call = 0;
			ngai++;
			if (rc != 0 || res == NULL) {
				m_other++;
				continue;
			}
			if (res->ai_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr,
				    a, sizeof(a));
			else if (res->ai_family == AF_INET6)
				inet_ntop(AF_INET6,
				    &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, a,
				    sizeof(a));
			if (strstr(firsts, a) == NULL &&
			    strlen(firsts) + strlen(a) + 2 < sizeof(firsts)) {
				size_t fl = strlen(firsts);

				snprintf(firsts + fl, sizeof(firsts) - fl, "%s%s", fl ? "," : "",
				    a);
			}
			freeaddrinfo(res);
		} else if (i % 2 == 0) {
			int e;

			m_allowed++;
			in_call = 1;
			e = conn(&m_a);
			in_call = 0;
			if (e == 0)
				m_ok++;
			else if (e == ECONNREFUSED)
				m_refused++;
			else
				m_other++;
		} else {
			int e;

			m_denied++;
			in_call = 1;
			e = conn(&m_d);
			in_call = 0;
			if (e == EACCES)
				m_eacces++;
			else
				m_other++;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	if (is_gai)
		printf("main gai=%ld first=%s other=%ld\n", ngai, firsts, m_other);
	else
		printf("main allowed=%ld refused=%ld ok=%ld denied=%ld eacces=%ld other=%ld\n",
		    m_allowed, m_refused, m_ok, m_denied, m_eacces, m_other);
	printf(
	    "handler allowed=%ld ok=%ld refused=%ld denied=%ld eacces=%ld other=%ld inside=%ld%s%s\n",
	    h_allowed, h_ok, h_refused, h_denied, h_eacces, h_other, h_inside,
	    h_other ? " last-other=" : "",
	    h_other == 0            ? "" :
	        h_other_errno == -1 ? "connected" :
	                              strerror(h_other_errno));
	return 0;
}
