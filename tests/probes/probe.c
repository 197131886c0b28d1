/* probe.c - one network operation per run, for the shim tests: they run it under LD_PRELOAD
 * and look at both sides (what the probe saw, what the listener saw).
 *
 *   probe OP ARGS...     prints "ok" or "err NAME" (errno name), exits 0 or 1
 *
 * OPs (ADDR is numeric, v4 or v6):
 *   connect tcp|udp ADDR PORT        connect(2) through libc
 *   __connect tcp ADDR PORT          glibc's exported alias
 *   sys-connect tcp ADDR PORT        syscall(SYS_connect, ...)
 *   mapped tcp|udp ADDR4 PORT        an AF_INET6 socket to ::ffff:ADDR4
 *   inet-on-inet6 udp ADDR4 PORT     UDP sendto an AF_INET destination on an AF_INET6 socket
 *   unspec-udp udp ADDR4 PORT        UDP sendto an AF_UNSPEC destination on an AF_INET socket
 *   sendto udp ADDR PORT             sendto(2) a datagram
 *   sys-sendto udp ADDR PORT         syscall(SYS_sendto, ...)
 *   sendmsg udp ADDR PORT            sendmsg(2) with msg_name
 *   sys-sendmsg udp ADDR PORT        syscall(SYS_sendmsg, ...)
 *   connect-send udp ADDR PORT       connect then send (no destination on the send)
 *   fastopen-sendto ADDR PORT        TCP Fast Open via sendto(MSG_FASTOPEN)
 *   fastopen-sendmsg ADDR PORT       TCP Fast Open via sendmsg(MSG_FASTOPEN)
 *   fastopen-syscall ADDR PORT       TCP Fast Open via syscall(SYS_sendto, ..., MSG_FASTOPEN)
 *   sendmmsg ADDR PORT [ADDR PORT]... one UDP datagram to each; prints "ok N" (count sent)
 *   sys-sendmmsg ADDR PORT [...]     the same through syscall()
 *   unix PATH                        connect an AF_UNIX stream socket (relative paths allowed)
 *   unix-chdir DIR PATH              chdir(DIR), then unix PATH
 *   badlen tcp ADDR PORT LEN         connect with an address length of LEN
 *   io_uring                         syscall(SYS_io_uring_setup, 1, params)
 *   shared OP ARGS...                OP as above, then " shared=N": how many of this
 *                                    process's mappings are snapshot cache entries (*.nj
 *                                    files mapped shared: the policy not copied)
 *   netlink PID                      a NETLINK_ROUTE link dump request sent to port id PID
 *                                    (0: the kernel itself)
 *   gai HOST                         getaddrinfo; prints "ok ADDR..." or "err EAI..."
 *   gai-numeric HOST                 the same with AI_NUMERICHOST (parse only)
 *   gai-connect HOST PORT            getaddrinfo(HOST, PORT, SOCK_STREAM), then connect to
 *                                    each answer in order until one connects, as a client
 *                                    does; prints "ok ADDR" or "err EAI..." / "err ERRNO"
 *   ghbn HOST                        gethostbyname; prints "ok ADDR..." or "err ..."
 *   ghbn-connect HOST PORT           gethostbyname, then a TCP connect to its first answer
 *   gai-a NAMES PORT [MODE]          getaddrinfo_a of each name of the comma-separated list
 *                                    NAMES (SOCK_STREAM, service PORT), one call; prints
 *                                    "NAME: ADDR..." or "NAME: err EAI..." per request and
 *                                    (but for nowait and suspend) what gai_cancel says of the
 *                                    first once done, then connects to the first answer
 *                                    ("ok ADDR" or "err ..."; exit 1 when nothing connects).
 *                                    (glibc's gai_error and gai_suspend can say a request is
 *                                    done a moment before gai_cancel would: after those two
 *                                    its answer varies from run to run.)  MODE: wait
 *                                    (GAI_WAIT, the default); nowait (GAI_NOWAIT, gai_error
 *                                    polled); suspend (gai_suspend until EAI_ALLDONE);
 *                                    signal (SIGEV_SIGNAL: prints "notified" when the
 *                                    signal carries SI_ASYNCNL, our pid and the value);
 *                                    thread (SIGEV_THREAD: the notification thread prints the
 *                                    requests' lines, reading ar_result itself).  For
 *                                    lookups slower than 100 ms (NJTEST_NSS_SLEEP): timeout
 *                                    (gai_suspend for 100 ms, then gai_cancel of the first, in
 *                                    progress; then as suspend); intr (gai_suspend ended by a
 *                                    signal handler after 100 ms; then as suspend);
 *                                    cancel-last (gai_cancel of the last request, after
 *                                    glibc's 20 threads took the others; then as suspend)
 *   signal ADDR PORT ADDR2 PORT2     a SIGALRM handler connects to ADDR2 while the main
 *                                    thread connects to ADDR (both printed)
 *   errno tcp ADDR PORT              connect, then report errno on success ("ok errno=N")
 *   repeat N tcp|udp ADDR PORT       connect N times, a new socket each time, as a program
 *                                    that retries does; prints "connected C denied D"
 *   res OP NAME ADDR PORT [tcp]      point the resolver at ADDR PORT through _res (one server,
 *                                    one try of one second; tcp: RES_USEVC), then OP NAME:
 *                                    OP query (res_query), search (res_search), nquery
 *                                    (res_nquery on _res), send (res_send of a query made by
 *                                    res_mkquery), gai (getaddrinfo), ghbn (gethostbyname);
 *                                    prints "ok" or "err ERRNO" (the resolver's failure
 *                                    without EACCES: "err other")
 *   plugin deepbind|dlmopen PATH ADDR PORT   load the plugin PATH (tests/libs/plugin.c) with
 *                                    dlopen(RTLD_DEEPBIND) or dlmopen(LM_ID_NEWLM), then its
 *                                    plugin_connect(ADDR, PORT): its connect binds past the
 *                                    preload; prints "ok" or "err NAME"
 *   plugin libc - ADDR PORT          dlmopen(LM_ID_NEWLM, "libc.so.6") and that libc's connect
 *   bound tcp|udp BIND ADDR PORT     bind an AF_INET6 socket to BIND (port 0) first, then
 *                                    connect (tcp) or sendto (udp) ADDR: a socket bound to
 *                                    ::ffff:127.0.0.1 reaches 127.0.0.1 through ::
 *
 * Sockets that write headers of their own (each sends one UDP datagram, "x", to HDR PORT,
 * whatever address the socket itself is given; "err ERRNO" when the socket cannot be made):
 *   raw4 CONN HDR PORT               SOCK_RAW IPPROTO_RAW connected to CONN (IPv4), sent with
 *                                    send(): its own IP header names HDR
 *   sys-raw4 CONN HDR PORT           the same, the socket made with syscall(SYS_socket)
 *   raw6 CONN HDR SRC PORT           the same for IPv6 (IPPROTO_RAW implies IPV6_HDRINCL);
 *                                    the header's source is SRC
 *   packet HDR SRC PORT              AF_PACKET SOCK_RAW bound to lo, a whole frame sent with
 *                                    send() (no address: the bound interface)
 *   packet-legacy HDR SRC PORT       AF_INET SOCK_PACKET (the kernel makes a packet socket),
 *                                    the frame sent with sendto() to the device lo
 *   xdp HDR SRC PORT                 AF_XDP bound to lo (copy mode), the frame put on its
 *                                    transmit ring and sent with sendto() (no address)
 *   socketpair-raw                   socketpair() of AF_PACKET and of raw IPv4 sockets;
 *                                    prints "packet RESULT raw RESULT"
 * ICMP echo (prints "ok reply" when the reply came back):
 *   ping ADDR                        a datagram ("ping") socket: SOCK_DGRAM IPPROTO_ICMP(V6)
 *   ping-raw ADDR                    SOCK_RAW IPPROTO_ICMP, as ping does without ping sockets
 */
#include <dlfcn.h>
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <semaphore.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "packet.h"

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

#ifdef __GLIBC__
int __connect(int, const struct sockaddr *, socklen_t);
#else
#define __connect connect /* musl has no alias */
#endif

static const char *
ename(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case ENETUNREACH: return "ENETUNREACH";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ENOSYS: return "ENOSYS";
	case EPERM: return "EPERM";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case ENOTCONN: return "ENOTCONN";
	case EINPROGRESS: return "EINPROGRESS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAGAIN: return "EAGAIN";
	default: return strerror(e);
	}
}

static int
result(long rc)
{
	if (rc < 0) {
		printf("err %s\n", ename(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int
sock(int family, const char *proto)
{
	int fd = socket(family, strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM, 0);

	if (fd < 0) {
		perror("socket");
		exit(2);
	}
	return fd;
}

static const char *sig_addr, *sig_port;
static volatile sig_atomic_t sig_rc = 99, sig_errno;

static void
on_alarm(int s)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(sig_addr, sig_port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	int saved = errno;

	(void)s;
	sig_rc = connect(fd, (struct sockaddr *)&ss, len);
	sig_errno = errno;
	close(fd);
	errno = saved;
}

static int
mmsg(int via_syscall, int argc, char **argv)
{
	struct mmsghdr v[16];
	struct sockaddr_storage ss[16];
	struct iovec iov = { "x", 1 };
	int n = (argc - 2) / 2, fd = -1;
	long rc;

	memset(v, 0, sizeof(v));
	for (int i = 0; i < n && i < 16; i++) {
		v[i].msg_hdr.msg_namelen = mkaddr(argv[2 + 2 * i], argv[3 + 2 * i], &ss[i]);
		v[i].msg_hdr.msg_name = &ss[i];
		v[i].msg_hdr.msg_iov = &iov;
		v[i].msg_hdr.msg_iovlen = 1;
		if (fd < 0)
			fd = sock(AF_INET6, "udp"); /* dual-stack: takes v4 and v6 */
		if (ss[i].ss_family == AF_INET) {
			/* send IPv4 as v4-mapped on the dual-stack socket */
			struct sockaddr_in in = *(struct sockaddr_in *)&ss[i];
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss[i];

			memset(in6, 0, sizeof(*in6));
			in6->sin6_family = AF_INET6;
			in6->sin6_port = in.sin_port;
			in6->sin6_addr.s6_addr[10] = 0xff;
			in6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&in6->sin6_addr.s6_addr[12], &in.sin_addr, 4);
			v[i].msg_hdr.msg_namelen = sizeof(*in6);
		}
	}
	rc = via_syscall ? syscall(SYS_sendmmsg, fd, v, n, 0) : sendmmsg(fd, v, (unsigned)n, 0);
	if (rc < 0)
		return result(rc);
	printf("ok %ld\n", rc);
	return 0;
}

static int
unix_connect(const char *path)
{
	struct sockaddr_un un;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	socklen_t len;

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	if (path[0] == '@') {
		memcpy(un.sun_path + 1, path + 1, strlen(path + 1));
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path + 1));
	} else {
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
		len = sizeof(un);
	}
	return result(connect(fd, (struct sockaddr *)&un, len));
}

static void
print_gai_error(int rc)
{
	if (rc == EAI_SYSTEM)
		printf("err EAI_SYSTEM %s\n", ename(errno));
	else
		printf("err %s\n", gai_strerror(rc));
}

/* gethostbyname, then a TCP connect to its first IPv4 answer */
static int
ghbn_connect(const char *host, const char *port)
{
	struct hostent *h = gethostbyname(host);
	struct sockaddr_in in;
	char a[INET6_ADDRSTRLEN];
	int fd;

	if (h == NULL || h->h_addrtype != AF_INET || h->h_addr_list[0] == NULL) {
		printf("err h_errno=%d %s\n", h_errno, ename(errno));
		return 1;
	}
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((uint16_t)strtoul(port, NULL, 10));
	memcpy(&in.sin_addr, h->h_addr_list[0], 4);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&in, sizeof(in)) == 0) {
		printf("ok %s\n", inet_ntop(AF_INET, &in.sin_addr, a, sizeof(a)));
		return 0;
	}
	printf("err %s\n", ename(errno));
	return 1;
}

static int
gai_connect(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	char a[INET6_ADDRSTRLEN];
	int rc, e = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		print_gai_error(rc);
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		void *p = ai->ai_family == AF_INET ?
		    (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			printf("ok %s\n", inet_ntop(ai->ai_family, p, a, sizeof(a)));
			freeaddrinfo(res);
			return 0;
		}
		e = errno;
		if (fd >= 0)
			close(fd);
	}
	freeaddrinfo(res);
	printf("err %s\n", ename(e));
	return 1;
}

#ifdef __GLIBC__ /* musl has no getaddrinfo_a */
static const char *
eai_name(int rc)
{
	switch (rc) {
	case 0: return "0";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
#ifdef EAI_INPROGRESS /* glibc's, for getaddrinfo_a */
	case EAI_INPROGRESS: return "EAI_INPROGRESS";
	case EAI_CANCELED: return "EAI_CANCELED";
	case EAI_NOTCANCELED: return "EAI_NOTCANCELED";
	case EAI_ALLDONE: return "EAI_ALLDONE";
	case EAI_INTR: return "EAI_INTR";
#endif
	default: return gai_strerror(rc);
	}
}

#define GAI_A_MAX 64
static struct gaicb gai_cbs[GAI_A_MAX], *gai_list[GAI_A_MAX];
static int gai_n;
static sem_t gai_sem;

/* Each request's outcome, as the program sees it: gai_error, then ar_result. */
static void
gai_a_report(void)
{
	char a[INET6_ADDRSTRLEN];

	for (int i = 0; i < gai_n; i++) {
		int rc = gai_error(gai_list[i]);

		printf("%s:", gai_list[i]->ar_name);
		if (rc != 0) {
			printf(" err %s\n", eai_name(rc));
			continue;
		}
		for (struct addrinfo *ai = gai_list[i]->ar_result; ai; ai = ai->ai_next) {
			void *p = ai->ai_family == AF_INET ?
			    (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
			    (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

			printf(" %s", inet_ntop(ai->ai_family, p, a, sizeof(a)));
		}
		printf("\n");
	}
}

static void
on_gai_alarm(int sig)
{
	(void)sig;
}

/* gai_suspend until every request is done ("suspend: EAI_ALLDONE"). */
static void
gai_a_suspend(void)
{
	struct timespec ten = { 10, 0 };
	int s;

	while ((s = gai_suspend((const struct gaicb *const *)gai_list, gai_n, &ten)) == 0)
		;
	printf("suspend: %s\n", eai_name(s));
}

static void
gai_a_notified(union sigval v)
{
	if (v.sival_ptr != gai_list)
		printf("notified with another value\n");
	gai_a_report();
	sem_post(&gai_sem);
}

static int
gai_a(char *names, const char *port, const char *mode)
{
	static struct addrinfo hints;
	struct sigevent sev;
	struct timespec ten = { 10, 0 }, until;
	int rc = 0, reported = 0;

	hints.ai_socktype = SOCK_STREAM;
	for (char *name = names, *end; name && gai_n < GAI_A_MAX; name = end) {
		if ((end = strchr(name, ',')) != NULL)
			*end++ = '\0';
		gai_cbs[gai_n].ar_name = name;
		gai_cbs[gai_n].ar_service = port;
		gai_cbs[gai_n].ar_request = &hints;
		gai_list[gai_n] = &gai_cbs[gai_n];
		gai_n++;
	}
	memset(&sev, 0, sizeof(sev));
	sev.sigev_value.sival_ptr = gai_list;
	if (strcmp(mode, "wait") == 0) {
		rc = getaddrinfo_a(GAI_WAIT, gai_list, gai_n, NULL);
	} else if (strcmp(mode, "nowait") == 0 || strcmp(mode, "suspend") == 0) {
		rc = getaddrinfo_a(GAI_NOWAIT, gai_list, gai_n, NULL);
		if (rc == 0 && mode[0] == 'n') {
			for (int i = 0, tries = 0; i < gai_n && tries < 1000; tries++) {
				if (gai_error(gai_list[i]) != EAI_INPROGRESS)
					i++;
				else
					usleep(10000);
			}
		} else if (rc == 0) {
			gai_a_suspend();
		}
	} else if (strcmp(mode, "timeout") == 0 || strcmp(mode, "intr") == 0 ||
	    strcmp(mode, "cancel-last") == 0) {
		struct timespec brief = { 0, 100 * 1000 * 1000 };
		struct itimerval it = { { 0, 0 }, { 0, 100 * 1000 } };
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_gai_alarm; /* no SA_RESTART */
		sigaction(SIGALRM, &sa, NULL);
		if ((rc = getaddrinfo_a(GAI_NOWAIT, gai_list, gai_n, NULL)) != 0) {
			;
		} else if (mode[0] == 't') {
			printf("suspend: %s\n",
			    eai_name(
			        gai_suspend((const struct gaicb *const *)gai_list, gai_n, &brief)));
			printf("cancel: %s\n", eai_name(gai_cancel(gai_list[0])));
			gai_a_suspend();
		} else if (mode[0] == 'i') {
			setitimer(ITIMER_REAL, &it, NULL);
			printf("suspend: %s\n",
			    eai_name(
			        gai_suspend((const struct gaicb *const *)gai_list, gai_n, NULL)));
			gai_a_suspend();
		} else {
			printf("cancel: %s\n", eai_name(gai_cancel(gai_list[gai_n - 1])));
			printf("error: %s\n", eai_name(gai_error(gai_list[gai_n - 1])));
			gai_a_suspend();
		}
		mode = "suspend"; /* (no cancel line below) */
	} else if (strcmp(mode, "signal") == 0) {
		sigset_t set;
		siginfo_t si;

		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIGRTMIN;
		if ((rc = getaddrinfo_a(GAI_NOWAIT, gai_list, gai_n, &sev)) == 0) {
			if (sigtimedwait(&set, &si, &ten) != SIGRTMIN)
				printf("no signal\n");
			else if (si.si_code == SI_ASYNCNL && si.si_pid == getpid() &&
			    si.si_value.sival_ptr == gai_list)
				printf("notified\n");
			else
				printf("notified badly: code %d pid %d\n", si.si_code,
				    (int)si.si_pid);
		}
	} else if (strcmp(mode, "thread") == 0) {
		sem_init(&gai_sem, 0, 0);
		sev.sigev_notify = SIGEV_THREAD;
		sev.sigev_notify_function = gai_a_notified;
		if ((rc = getaddrinfo_a(GAI_NOWAIT, gai_list, gai_n, &sev)) == 0) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 10;
			if (sem_timedwait(&gai_sem, &until) != 0)
				printf("no notification\n");
			reported = 1;
		}
	} else {
		return fprintf(stderr, "probe: gai-a: unknown mode %s\n", mode), 2;
	}
	if (rc != 0) {
		printf("getaddrinfo_a: %s\n", eai_name(rc));
		return 1;
	}
	if (!reported)
		gai_a_report();
	if (strcmp(mode, "nowait") != 0 && strcmp(mode, "suspend") != 0)
		printf("cancel: %s\n", eai_name(gai_cancel(gai_list[0])));
	for (int i = 0; i < gai_n; i++) {
		for (struct addrinfo *ai = gai_error(gai_list[i]) == 0 ? gai_list[i]->ar_result :
		                                                         NULL;
		     ai; ai = ai->ai_next) {
			char a[INET6_ADDRSTRLEN];
			int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
			void *p = ai->ai_family == AF_INET ?
			    (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
			    (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
				return printf("ok %s\n", inet_ntop(ai->ai_family, p, a, sizeof(a))),
				       0;
			printf("err %s\n", ename(errno));
			return 1;
		}
	}
	printf("err no answer\n");
	return 1;
}
#endif

/* ---- sockets that write headers of their own (packet.h builds what they send) ---- */

static int
raw_send(const char *op, int argc, char **argv)
{
	uint8_t pkt[128];
	struct sockaddr_storage ss;
	socklen_t len;
	size_t n;
	int six = strcmp(op, "raw6") == 0, fd;

	if (argc != (six ? 6 : 5))
		return fprintf(stderr, "usage: see the top of probe.c\n"), 2;
	len = mkaddr(argv[2], "0", &ss);
	if (strcmp(op, "sys-raw4") == 0)
		fd = (int)syscall(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_RAW);
	else
		fd = socket(six ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		return result(-1);
	n = six ? ip6_udp(pkt, argv[4], argv[3], argv[5]) : ip4_udp(pkt, NULL, argv[3], argv[4]);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		return result(-1);
	return result(send(fd, pkt, n, 0));
}

static int
packet_send(const char *op, char **argv)
{
	uint8_t frame[14 + 128];
	size_t n;
	int fd;

	/* lo's link header: both addresses zero, then the type */
	memset(frame, 0, 14);
	frame[12] = 0x08;
	n = 14 + ip4_udp(frame + 14, argv[3], argv[2], argv[4]);
	if (strcmp(op, "packet") == 0) {
		struct sockaddr_ll ll;

		if ((fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP))) < 0)
			return result(-1);
		memset(&ll, 0, sizeof(ll));
		ll.sll_family = AF_PACKET;
		ll.sll_protocol = htons(ETH_P_IP);
		ll.sll_ifindex = (int)if_nametoindex("lo");
		if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) != 0)
			return result(-1);
		return result(send(fd, frame, n, 0));
	} else {
		struct sockaddr_pkt pk;

		if ((fd = socket(AF_INET, SOCK_PACKET, htons(ETH_P_IP))) < 0)
			return result(-1);
		memset(&pk, 0, sizeof(pk));
		pk.spkt_family = AF_PACKET;
		pk.spkt_protocol = htons(ETH_P_IP);
		snprintf((char *)pk.spkt_device, sizeof(pk.spkt_device), "lo");
		return result(sendto(fd, frame, n, 0, (struct sockaddr *)&pk, sizeof(pk)));
	}
}

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

/* One frame on an AF_XDP socket: its memory (the umem) registered with fill and completion
 * rings, as binding requires, and a transmit ring of which one descriptor is used. */
static int
xdp_send(char **argv)
{
	struct xdp_umem_reg mr;
	struct xdp_mmap_offsets off;
	struct sockaddr_xdp sx;
	struct xdp_desc *desc;
	socklen_t ol = sizeof(off);
	size_t ulen = 16 * 4096;
	uint8_t *umem, *tx;
	int fd, n = 4;

	if ((fd = socket(AF_XDP, SOCK_RAW, 0)) < 0)
		return result(-1);
	umem = mmap(NULL, ulen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(&mr, 0, sizeof(mr));
	mr.addr = (uintptr_t)umem;
	mr.len = ulen;
	mr.chunk_size = 2048;
	if (umem == MAP_FAILED || setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) != 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) != 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) != 0 ||
	    setsockopt(fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n)) != 0 ||
	    getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol) != 0)
		return perror("xdp setup"), 2;
	tx = mmap(NULL, off.tx.desc + (size_t)n * sizeof(*desc), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, fd, XDP_PGOFF_TX_RING);
	if (tx == MAP_FAILED)
		return perror("xdp ring"), 2;
	memset(&sx, 0, sizeof(sx));
	sx.sxdp_family = AF_XDP;
	sx.sxdp_ifindex = if_nametoindex("lo");
	sx.sxdp_flags = XDP_COPY;
	if (bind(fd, (struct sockaddr *)&sx, sizeof(sx)) != 0)
		return perror("xdp bind"), 2;
	/* lo's link header: both addresses zero, then the type */
	memset(umem, 0, 14);
	umem[12] = 0x08;
	desc = (struct xdp_desc *)(void *)(tx + off.tx.desc);
	desc[0].addr = 0;
	desc[0].len = (uint32_t)(14 + ip4_udp(umem + 14, argv[3], argv[2], argv[4]));
	desc[0].options = 0;
	__atomic_store_n((uint32_t *)(void *)(tx + off.tx.producer), 1, __ATOMIC_RELEASE);
	return result(sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0));
}

/* One ICMP echo request to addr and its reply, on a ping socket or a raw one. */
static int
ping(int raw, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(addr, "0", &ss);
	int six = ss.ss_family == AF_INET6;
	struct timeval tv = { 2, 0 };
	uint8_t req[16], rep[256];
	int fd = socket(ss.ss_family, raw ? SOCK_RAW : SOCK_DGRAM,
	    six ? IPPROTO_ICMPV6 : IPPROTO_ICMP);

	if (fd < 0)
		return result(-1);
	memset(req, 0, sizeof(req));
	req[0] = six ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	req[5] = 42; /* sequence; a ping socket sets the id itself */
	memcpy(req + 8, "netjail!", 8);
	if (!six)
		memcpy(req + 2, (uint16_t[]){ csum(0, req, sizeof(req)) }, 2);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&ss, len) < 0)
		return result(-1);
	for (;;) {
		ssize_t k = recv(fd, rep, sizeof(rep), 0);
		/* a raw IPv4 socket gets the IP header too; it also sees its own request */
		size_t off = raw && !six && k > 0 ? (size_t)(rep[0] & 15) * 4 : 0;

		if (k < 0)
			return result(-1);
		if ((size_t)k >= off + 8 && rep[off] == (six ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY))
			break;
	}
	printf("ok reply\n");
	return 0;
}

static void
print_pair(const char *what, int af, int type, int protocol)
{
	int sv[2];

	if (socketpair(af, type, protocol, sv) == 0)
		printf("%s ok", what);
	else
		printf("%s err %s", what, ename(errno));
}

/* At exit, after the op's own output: " shared=N" (see the usage). */
static void
print_shared(void)
{
	char line[4200];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, ".nj\n") != NULL && strstr(line, " r--s ") != NULL;
	if (f)
		fclose(f);
	printf(" shared=%d\n", n);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *op = argc > 1 ? argv[1] : "";
	int fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(op, "shared") == 0 && argc > 2) {
		atexit(print_shared);
		argv++, argc--;
		op = argv[1];
	}
	if (strcmp(op, "io_uring") == 0) {
		char params[120];

		memset(params, 0, sizeof(params));
		return result(syscall(SYS_io_uring_setup, 1, params));
	}
	if (strcmp(op, "netlink") == 0 && argc == 3) {
		struct {
			struct nlmsghdr nh;
			struct rtgenmsg g;
		} req;
		struct sockaddr_nl nl;

		memset(&req, 0, sizeof(req));
		req.nh.nlmsg_len = sizeof(req);
		req.nh.nlmsg_type = RTM_GETLINK;
		req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		req.g.rtgen_family = AF_UNSPEC;
		memset(&nl, 0, sizeof(nl));
		nl.nl_family = AF_NETLINK;
		nl.nl_pid = (unsigned)strtoul(argv[2], NULL, 10);
		fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
		return result(sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)));
	}
	if (strcmp(op, "raw4") == 0 || strcmp(op, "sys-raw4") == 0 || strcmp(op, "raw6") == 0)
		return raw_send(op, argc, argv);
	if ((strcmp(op, "packet") == 0 || strcmp(op, "packet-legacy") == 0) && argc == 5)
		return packet_send(op, argv);
	if (strcmp(op, "xdp") == 0 && argc == 5)
		return xdp_send(argv);
	if ((strcmp(op, "ping") == 0 || strcmp(op, "ping-raw") == 0) && argc == 3)
		return ping(op[4] == '-', argv[2]);
	if (strcmp(op, "socketpair-raw") == 0) {
		print_pair("packet", AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		print_pair(" raw", AF_INET, SOCK_RAW, IPPROTO_RAW);
		printf("\n");
		return 0;
	}
	if (strcmp(op, "unix") == 0 && argc == 3)
		return unix_connect(argv[2]);
	if (strcmp(op, "unix-chdir") == 0 && argc == 4) {
		if (chdir(argv[2]) != 0)
			return perror("chdir"), 2;
		return unix_connect(argv[3]);
	}
	if (strcmp(op, "ghbn-connect") == 0 && argc == 4)
		return ghbn_connect(argv[2], argv[3]);
	if (strcmp(op, "gai-connect") == 0 && argc == 4)
		return gai_connect(argv[2], argv[3]);
#ifdef __GLIBC__
	if (strcmp(op, "gai-a") == 0 && (argc == 4 || argc == 5))
		return gai_a(argv[2], argv[3], argc == 5 ? argv[4] : "wait");
#endif
	if ((strcmp(op, "gai") == 0 || strcmp(op, "gai-numeric") == 0 || strcmp(op, "ghbn") == 0) &&
	    argc == 3) {
		char a[INET6_ADDRSTRLEN];

		if (op[0] == 'g' && op[1] == 'a') {
			struct addrinfo hints, *res, *ai;
			int rc;

			memset(&hints, 0, sizeof(hints));
			hints.ai_socktype = SOCK_STREAM;
			if (strcmp(op, "gai-numeric") == 0)
				hints.ai_flags = AI_NUMERICHOST;
			rc = getaddrinfo(argv[2], "80", &hints, &res);
			if (rc != 0) {
				print_gai_error(rc);
				return 1;
			}
			printf("ok");
			for (ai = res; ai; ai = ai->ai_next) {
				void *p = ai->ai_family == AF_INET ?
				    (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
				    (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

				printf(" %s", inet_ntop(ai->ai_family, p, a, sizeof(a)));
			}
			printf("\n");
			freeaddrinfo(res);
			return 0;
		} else {
			struct hostent *h = gethostbyname(argv[2]);

			if (h == NULL) {
				printf("err h_errno=%d %s\n", h_errno, ename(errno));
				return 1;
			}
			printf("ok");
			for (char **p = h->h_addr_list; *p; p++)
				printf(" %s", inet_ntop(h->h_addrtype, *p, a, sizeof(a)));
			printf("\n");
			return 0;
		}
	}
	if (argc >= 4 && (strcmp(op, "sendmmsg") == 0 || strcmp(op, "sys-sendmmsg") == 0))
		return mmsg(op[0] == 's' && op[1] == 'y', argc, argv);
	if (strcmp(op, "signal") == 0 && argc == 6) {
		struct itimerval it = { { 0, 0 }, { 0, 1 } };
		int rc;

		sig_addr = argv[4];
		sig_port = argv[5];
		signal(SIGALRM, on_alarm);
		len = mkaddr(argv[2], argv[3], &ss);
		/* one connect first, so the rules are loaded: this is about a handler that
		 * connects while the main thread is inside connect, not inside the load
		 * (a call from inside the load is denied; hardening.sh covers races there) */
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		(void)!connect(fd, (struct sockaddr *)&ss, len);
		close(fd);
		setitimer(ITIMER_REAL, &it, NULL);
		for (int i = 0; i < 2000 && sig_rc == 99; i++) {
			fd = socket(ss.ss_family, SOCK_STREAM, 0);
			rc = connect(fd, (struct sockaddr *)&ss, len);
			(void)rc;
			close(fd);
		}
		if (sig_rc == 99)
			return printf("err no-signal\n"), 2;
		if (sig_rc < 0)
			printf("handler err %s\n", ename(sig_errno));
		else
			printf("handler ok\n");
		return sig_rc < 0;
	}
	if (argc == 4 && strncmp(op, "fastopen", 8) == 0) {
		struct msghdr m;
		struct iovec iov = { "GET / HTTP/1.0\r\n\r\n", 18 };
		long rc;

		len = mkaddr(argv[2], argv[3], &ss);
		fd = sock(ss.ss_family, "tcp");
		if (strcmp(op, "fastopen-sendmsg") == 0) {
			memset(&m, 0, sizeof(m));
			m.msg_name = &ss;
			m.msg_namelen = len;
			m.msg_iov = &iov;
			m.msg_iovlen = 1;
			rc = sendmsg(fd, &m, MSG_FASTOPEN);
		} else if (strcmp(op, "fastopen-syscall") == 0) {
			rc = syscall(SYS_sendto, fd, iov.iov_base, iov.iov_len, MSG_FASTOPEN, &ss,
			    len);
		} else {
			rc = sendto(fd, iov.iov_base, iov.iov_len, MSG_FASTOPEN,
			    (struct sockaddr *)&ss, len);
		}
		return result(rc);
	}
	if (strcmp(op, "repeat") == 0 && argc == 6) {
		long n = strtol(argv[2], NULL, 10), connected = 0, denied = 0;

		len = mkaddr(argv[4], argv[5], &ss);
		for (long i = 0; i < n; i++) {
			fd = sock(ss.ss_family, argv[3]);
			if (connect(fd, (struct sockaddr *)&ss, len) == 0)
				connected++;
			else if (errno == EACCES)
				denied++;
			close(fd);
		}
		printf("connected %ld denied %ld\n", connected, denied);
		return 0;
	}
#ifdef __GLIBC__ /* dlmopen and RTLD_DEEPBIND: glibc's */
	if (strcmp(op, "plugin") == 0 && argc == 6) {
		void *h;

		if (strcmp(argv[2], "libc") == 0) {
			int (*c)(int, const struct sockaddr *, socklen_t);

			len = mkaddr(argv[4], argv[5], &ss);
			if ((h = dlmopen(LM_ID_NEWLM, "libc.so.6", RTLD_NOW)) == NULL ||
			    (c = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(h,
			         "connect")) == NULL)
				return fprintf(stderr, "%s\n", dlerror()), 2;
			fd = socket(AF_INET, SOCK_STREAM, 0);
			return result(c(fd, (struct sockaddr *)&ss, len));
		} else {
			int (*pc)(const char *, int);
			long rc;

			h = strcmp(argv[2], "deepbind") == 0 ?
			    dlopen(argv[3], RTLD_NOW | RTLD_DEEPBIND) :
			    dlmopen(LM_ID_NEWLM, argv[3], RTLD_NOW);
			if (h == NULL ||
			    (pc = (int (*)(const char *, int))dlsym(h, "plugin_connect")) == NULL)
				return fprintf(stderr, "%s\n", dlerror()), 2;
			rc = pc(argv[4], (int)strtol(argv[5], NULL, 10));
			errno = (int)-rc;
			return result(rc == 0 ? 0 : -1);
		}
	}
#endif
	if (strcmp(op, "res") == 0 && (argc == 6 || argc == 7)) {
		unsigned char ans[512], q[512];
		struct addrinfo *ai = NULL;
		int rc;

		res_init();
		mkaddr(argv[4], argv[5], &ss);
		if (ss.ss_family != AF_INET)
			return 2;
		_res.nsaddr_list[0] = *(struct sockaddr_in *)&ss;
		_res.nscount = 1;
		_res.retrans = 1;
		_res.retry = 1;
		if (argc == 7)
			_res.options |= RES_USEVC;
		errno = 0;
		if (strcmp(argv[2], "query") == 0)
			rc = res_query(argv[3], C_IN, T_A, ans, sizeof(ans));
		else if (strcmp(argv[2], "search") == 0)
			rc = res_search(argv[3], C_IN, T_A, ans, sizeof(ans));
#ifdef __GLIBC__ /* musl has no res_n* */
		else if (strcmp(argv[2], "nquery") == 0)
			rc = res_nquery(&_res, argv[3], C_IN, T_A, ans, sizeof(ans));
#endif
		else if (strcmp(argv[2], "send") == 0)
			rc = (rc = res_mkquery(QUERY, argv[3], C_IN, T_A, NULL, 0, NULL, q,
			          sizeof(q))) < 0 ?
			    rc :
			    res_send(q, rc, ans, sizeof(ans));
		else if (strcmp(argv[2], "gai") == 0)
			rc = getaddrinfo(argv[3], NULL, NULL, &ai) == 0 ? 0 : -1;
		else if (strcmp(argv[2], "ghbn") == 0)
			rc = gethostbyname(argv[3]) ? 0 : -1;
		else
			return 2;
		if (rc >= 0)
			return printf("ok\n"), 0;
		if (errno == EACCES)
			return printf("err EACCES\n"), 1;
		return printf("err other\n"), 1;
	}
	if (strcmp(op, "bound") == 0 && argc == 6) {
		struct sockaddr_storage me;
		socklen_t melen = mkaddr(argv[3], "0", &me);

		len = mkaddr(argv[4], argv[5], &ss);
		fd = sock(AF_INET6, argv[2]);
		if (bind(fd, (struct sockaddr *)&me, melen) != 0)
			return perror("bind"), 2;
		if (strcmp(argv[2], "udp") == 0)
			return result(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len));
		return result(connect(fd, (struct sockaddr *)&ss, len));
	}
	if (argc < 5)
		return fprintf(stderr, "usage: see the top of probe.c\n"), 2;
	len = mkaddr(argv[3], argv[4], &ss);
	if (strcmp(op, "connect") == 0 || strcmp(op, "errno") == 0) {
		int rc;

		fd = sock(ss.ss_family, argv[2]);
		errno = 4242;
		rc = connect(fd, (struct sockaddr *)&ss, len);
		if (strcmp(op, "errno") == 0 && rc == 0)
			return printf("ok errno=%d\n", errno), 0;
		return result(rc);
	}
	if (strcmp(op, "__connect") == 0) {
		fd = sock(ss.ss_family, argv[2]);
		return result(__connect(fd, (struct sockaddr *)&ss, len));
	}
	if (strcmp(op, "sys-connect") == 0) {
		fd = sock(ss.ss_family, argv[2]);
		return result(syscall(SYS_connect, fd, &ss, len));
	}
	if (strcmp(op, "badlen") == 0 && argc == 6) {
		fd = sock(ss.ss_family, argv[2]);
		return result(
		    connect(fd, (struct sockaddr *)&ss, (socklen_t)strtol(argv[5], NULL, 10)));
	}
	if (strcmp(op, "mapped") == 0) {
		struct sockaddr_in in = *(struct sockaddr_in *)&ss;
		struct sockaddr_in6 in6;

		memset(&in6, 0, sizeof(in6));
		in6.sin6_family = AF_INET6;
		in6.sin6_port = in.sin_port;
		in6.sin6_addr.s6_addr[10] = 0xff;
		in6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&in6.sin6_addr.s6_addr[12], &in.sin_addr, 4);
		fd = sock(AF_INET6, argv[2]);
		if (strcmp(argv[2], "udp") == 0)
			return result(sendto(fd, "x", 1, 0, (struct sockaddr *)&in6, sizeof(in6)));
		return result(connect(fd, (struct sockaddr *)&in6, sizeof(in6)));
	}
	if (strcmp(op, "inet-on-inet6") == 0) {
		fd = sock(AF_INET6, "udp");
		return result(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len));
	}
	if (strcmp(op, "unspec-udp") == 0) {
		fd = sock(AF_INET, "udp");
		ss.ss_family = AF_UNSPEC;
		return result(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len));
	}
	fd = sock(ss.ss_family, argv[2]);
	if (strcmp(op, "sendto") == 0)
		return result(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len));
	if (strcmp(op, "sys-sendto") == 0)
		return result(syscall(SYS_sendto, fd, "x", 1, 0, &ss, len));
	if (strcmp(op, "sendmsg") == 0 || strcmp(op, "sys-sendmsg") == 0) {
		struct msghdr m;
		struct iovec iov = { "x", 1 };

		memset(&m, 0, sizeof(m));
		m.msg_name = &ss;
		m.msg_namelen = len;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		return result(op[0] == 's' && op[1] == 'y' ? syscall(SYS_sendmsg, fd, &m, 0) :
		                                             sendmsg(fd, &m, 0));
	}
	if (strcmp(op, "connect-send") == 0) {
		if (connect(fd, (struct sockaddr *)&ss, len) != 0)
			return result(-1);
		return result(send(fd, "x", 1, 0));
	}
	fprintf(stderr, "probe: unknown op %s\n", op);
	return 2;
}
