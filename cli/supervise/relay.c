/* relay.c - the DNS relay of netjail run --supervise (SPEC.md §8a): the tree's queries to
 * the nameservers the rules allow pass through the supervisor, which remembers the answers
 * for the whole tree (engine/answers.c), so that host rules hold for programs that speak DNS
 * themselves (Go, busybox, c-ares, anything static) as they do for libc's lookups.
 *
 *   tree                          supervisor                          nameserver S
 *   connect(fd, S:53) ----------> notify.c: the rules allow S:53;
 *                                 fd bound, its address registered,
 *                                 fd connected to S's face instead
 *   send(query) ----------------> face of S (127.0.0.1:F, [::1]:F6)
 *                                 block host?  REFUSED, never sent --x
 *                                 else, from a socket of its own ------> query, unchanged
 *                                 <-------------------------------------- answer
 *                                 A/AAAA (through CNAMEs) remembered
 *   <---------------------------- the answer, unchanged, from the face
 *   recvfrom(fd, .., &from) ----> notify.c: from is S's face: S:53 instead
 *
 * A face is a set of loopback sockets standing for one nameserver: UDP and a TCP listener,
 * on 127.0.0.1 and (where IPv6 works) ::1; an IPv6 socket reaches the IPv4 ones as
 * ::ffff:127.0.0.1.  Resolvers check that an answer comes from the server they asked
 * (glibc's res_ourserver_p, musl, c-ares): so recvfrom with an address, on a socket the relay
 * serves, is answered by the supervisor (notify.c), with the face's address replaced by its
 * server's.  read(2) and recv(2) need nothing: Go reads its connected socket.
 *
 * What the relay forwards is only what it registered: a flow is (face, the client socket's
 * address as the face sees it), written by a worker before the tree's call returns, so a
 * query never arrives before its flow.  A datagram from any other address is dropped; the
 * relay never forwards to a server the rules did not allow (a face exists only for such a
 * server) and answers nothing from a cache.  A UDP flow with a query waiting has an upstream
 * socket of its own, connected to the server (a random source port; only the server's
 * datagrams arrive), closed once every query asked on it is answered: several queries in
 * flight on one socket are several datagrams on one flow, their ids the client's.  The relay
 * thread makes a few such sockets ahead for each face in use (refill), so that a query does
 * not wait for one.
 * An answer is handed back and remembered only if it answers a query asked on its flow (id,
 * name, type, class: struct asked), so a datagram nobody asked for teaches the tree nothing.
 * A flow idle for IDLE_SEC loses its upstream socket (a query never answered), not its
 * registration (the client may still hold its socket); the registration idle longest goes
 * when the table is full.  Flows are found through hash chains, never by a walk of the table.
 *
 * One thread (epoll) moves every UDP datagram and never blocks: a slow or dead nameserver
 * delays only its own answers, and nothing the workers do waits for the relay.  A TCP
 * connection (the retry after a truncated answer) gets a thread of its own (at most TCP_MAX),
 * which reads whole messages (the 2-byte length, then the message) with timeouts.
 *
 * A message the relay cannot read as one query with one question is not forwarded (the
 * relay could not tell whether it names a blocked host); an answer it cannot parse
 * (engine/dns.c refuses bad pointers, lying lengths, too many records) is not handed back.
 * Both are logged.  Everything here is the supervisor's memory, out of the tree's reach. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/supervise/supervise.h"

#define FACES_MAX 128
#define FLOWS_MAX 1024
#define IDLE_SEC 60
#define TCP_MAX 64
#define TCP_WAIT_MS 10000 /* for a TCP client's query, or its server's answer */
#define MSG_MAX 65535
#define RELAY_STACK (256u << 10)

enum { K_UDP4, K_UDP6, K_TCP4, K_TCP6, NKINDS };

#define SPARE_UP 2 /* upstream sockets made ahead, per face */

/* faces, their spare upstream sockets, one upstream socket per flow, two per TCP thread */
_Static_assert(FACES_MAX *(NKINDS + SPARE_UP) + FLOWS_MAX + 2 * TCP_MAX <= NJ_RELAY_FDS,
    "NJ_RELAY_FDS counts what the relay can hold");

struct face {
	struct nj_ip server; /* IPv4 or IPv6, never v4-mapped */
	int fd[NKINDS]; /* -1: none */
	uint16_t port[NKINDS]; /* host order */
	int up[SPARE_UP], nup; /* upstream sockets to server, made ahead (refill) */
	int used; /* one was taken: refill makes another */
};

/* A query forwarded and not yet answered: an answer is handed back, and remembered, only if
 * it answers one (its id, and its question's name, type and class), so an answer nobody asked
 * for (an off-path forgery, a stray) teaches the tree nothing. */
#define ASKED_MAX 16
struct asked {
	struct {
		uint64_t hash; /* of the name */
		uint16_t id, type, class, live;
	} q[ASKED_MAX];
	unsigned next; /* the slot the next query takes (the oldest goes) */
};

struct flow {
	int used;
	int face, kind;
	struct nj_ip ip; /* the client's address, as the face sees it */
	uint16_t port;
	ino_t ino; /* of the client's socket (nj_relay_serves) */
	pid_t pid; /* who registered it, for log lines */
	int up; /* UDP: the upstream socket while a query waits for its answer, or -1 */
	uint64_t gen; /* of the flow's use: an upstream event of an earlier use is ignored */
	int next[2]; /* the next flow in its chains: by address, by socket (-1: none) */
	struct asked asked; /* UDP: written by the relay thread, under mu */
};

static const struct nj_super *sup;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct face faces[FACES_MAX];
static int nfaces;
static struct flow flows[FLOWS_MAX];
/* when each flow was last used: apart, so that the one walk (for the oldest) is short */
static time_t lastuse[FLOWS_MAX];
static uint64_t gens;
static int ep = -1, tcp_threads;

/* epoll data: what woke us */
#define EV_FACE(f, k) (((uint64_t)1 << 62) | ((uint64_t)(f) << 8) | (uint64_t)(k))
#define EV_UP(i, g) (((uint64_t)2 << 62) | ((uint64_t)(g) << 16) | (uint64_t)(i))

static time_t
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The address ss holds, unmapped, and its port (host order).  0, or -1 when not IP. */
static int
ip_of(const struct sockaddr_storage *ss, struct nj_ip *ip, uint16_t *port)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;

		ip->family = 4;
		memcpy(ip->a, &s->sin_addr, 4);
		*port = ntohs(s->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;

		ip->family = 6;
		memcpy(ip->a, &s->sin6_addr, 16);
		nj_ip_unmap(ip);
		*port = ntohs(s->sin6_port);
		return 0;
	}
	return -1;
}

/* ip:port as a sockaddr of family fam (AF_INET6 and an IPv4 ip: v4-mapped). */
static socklen_t
sockaddr_of(const struct nj_ip *ip, uint16_t port, int fam, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, ip->a, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	if (ip->family == 4) {
		s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(s6->sin6_addr.s6_addr + 12, ip->a, 4);
	} else {
		memcpy(&s6->sin6_addr, ip->a, 16);
	}
	return sizeof(*s6);
}

static int
same_ip(const struct nj_ip *a, const struct nj_ip *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

static void
loopback(struct nj_ip *ip, int v6)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = v6 ? 6 : 4;
	if (v6)
		ip->a[15] = 1;
	else
		ip->a[0] = 127, ip->a[3] = 1;
}

/* One loopback socket of a face: bound to an ephemeral port, non-blocking.  -1: none. */
static int
face_socket(int kind, uint16_t *port)
{
	int v6 = kind == K_UDP6 || kind == K_TCP6, stream = kind >= K_TCP4;
	struct sockaddr_storage ss;
	struct nj_ip lo;
	socklen_t len;
	uint16_t p;
	int fd, one = 1;

	loopback(&lo, v6);
	fd = socket(v6 ? AF_INET6 : AF_INET,
	    (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (v6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	len = sockaddr_of(&lo, 0, v6 ? AF_INET6 : AF_INET, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || (stream && listen(fd, 128) != 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0 || ip_of(&ss, &lo, &p) != 0) {
		close(fd);
		return -1;
	}
	*port = p;
	return fd;
}

/* The face of server ip (unmapped), made on first use.  Its index, or -1.  Under mu. */
static int
face_for(const struct nj_ip *ip)
{
	struct face *f;

	for (int i = 0; i < nfaces; i++)
		if (same_ip(&faces[i].server, ip))
			return i;
	if (nfaces == FACES_MAX)
		return -1;
	f = &faces[nfaces];
	f->server = *ip;
	for (int k = 0; k < NKINDS; k++) {
		struct epoll_event ev = { .events = EPOLLIN };

		f->fd[k] = face_socket(k, &f->port[k]);
		ev.data.u64 = EV_FACE(nfaces, k);
		if (f->fd[k] >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, f->fd[k], &ev) != 0) {
			close(f->fd[k]);
			f->fd[k] = -1;
		}
	}
	if (f->fd[K_UDP4] < 0 && f->fd[K_UDP6] < 0) {
		for (int k = 0; k < NKINDS; k++)
			if (f->fd[k] >= 0)
				close(f->fd[k]);
		return -1;
	}
	return nfaces++;
}

int
nj_relay_wants(const struct nj_super *s, const struct nj_dest *d, int type)
{
	return s->relay && d->kind == NJ_DEST_IP && d->port == 53 &&
	    (type == SOCK_DGRAM || type == SOCK_STREAM);
}

/* The kind of face socket a client socket of family fam reaches server ip through. */
static int
kind_for(const struct nj_ip *server, int fam, int stream)
{
	int v6 = fam == AF_INET6 && server->family == 6;

	return stream ? (v6 ? K_TCP6 : K_TCP4) : (v6 ? K_UDP6 : K_UDP4);
}

/* ---- the table of flows (under mu) ----
 * Found by address (the source of a datagram or connection a face receives) and by socket
 * (a worker's call on it): each through a chain of its hash bucket, so that no lookup walks
 * the table; a lookup is made for every query, answer and relayed recvfrom. */

#define BUCKETS 2048 /* a power of two */
enum { BY_ADDR, BY_SOCK };

static int heads[2][BUCKETS] = { [0 ... 1] = { [0 ... BUCKETS - 1] = -1 } };
static int spare[FLOWS_MAX], nspare; /* flows released, to be taken again */
static int fresh; /* flows[fresh..] were never taken */

static uint64_t
hash_of(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3u;
	return h;
}

static unsigned
addr_bucket(int face, int kind, const struct nj_ip *ip, uint16_t port)
{
	uint64_t h = hash_of(ip->a, sizeof(ip->a)) ^
	    ((uint64_t)face << 24 | (uint64_t)kind << 16 | port) * 0x9e3779b97f4a7c15u;

	return (unsigned)(h >> 32) & (BUCKETS - 1);
}

static unsigned
sock_bucket(ino_t ino)
{
	return (unsigned)(((uint64_t)ino * 0x9e3779b97f4a7c15u) >> 32) & (BUCKETS - 1);
}

static unsigned
bucket_of(int chain, int i)
{
	return chain == BY_ADDR ?
	    addr_bucket(flows[i].face, flows[i].kind, &flows[i].ip, flows[i].port) :
	    sock_bucket(flows[i].ino);
}

static void
chain_in(int i)
{
	for (int c = 0; c < 2; c++) {
		unsigned b = bucket_of(c, i);

		flows[i].next[c] = heads[c][b];
		heads[c][b] = i;
	}
}

static void
chain_out(int i)
{
	for (int c = 0; c < 2; c++) {
		int *p = &heads[c][bucket_of(c, i)];

		while (*p != i)
			p = &flows[*p].next[c];
		*p = flows[i].next[c];
	}
}

/* The flow face f's kind k sockets see from ip:port, or -1. */
static int
flow_at(int f, int k, const struct nj_ip *ip, uint16_t port)
{
	for (int i = heads[BY_ADDR][addr_bucket(f, k, ip, port)]; i >= 0;
	     i = flows[i].next[BY_ADDR])
		if (flows[i].face == f && flows[i].kind == k && flows[i].port == port &&
		    same_ip(&flows[i].ip, ip))
			return i;
	return -1;
}

/* The UDP flow of the client socket ino (to the face on face_port; 0: any face), or -1. */
static int
flow_of(ino_t ino, uint16_t face_port)
{
	for (int i = heads[BY_SOCK][sock_bucket(ino)]; i >= 0; i = flows[i].next[BY_SOCK])
		if (flows[i].ino == ino && flows[i].kind < K_TCP4 &&
		    (face_port == 0 || faces[flows[i].face].port[flows[i].kind] == face_port))
			return i;
	return -1;
}

/* Flow i forgotten: its upstream socket closed, its slot free. */
static void
release(int i)
{
	if (flows[i].up >= 0)
		close(flows[i].up); /* (closing removes it from the epoll set) */
	flows[i].up = -1;
	chain_out(i);
	flows[i].used = 0;
	spare[nspare++] = i;
}

/* A free slot: a released one, one never used, or the one idle longest, released. */
static int
take(void)
{
	int oldest = 0;

	if (nspare > 0)
		return spare[--nspare];
	if (fresh < FLOWS_MAX)
		return fresh++;
	for (int i = 1; i < FLOWS_MAX; i++)
		if (lastuse[i] < lastuse[oldest])
			oldest = i;
	release(oldest);
	return spare[--nspare];
}

/* Has a query of a not been answered yet? */
static int
waiting(const struct asked *a)
{
	for (unsigned i = 0; i < ASKED_MAX; i++)
		if (a->q[i].live)
			return 1;
	return 0;
}

int
nj_relay_redirect(int sock, int fam, int stream, const struct nj_dest *d, pid_t pid,
    struct sockaddr_storage *to, socklen_t *len)
{
	struct sockaddr_storage me;
	socklen_t mlen = sizeof(me);
	struct nj_ip server = d->ip, client;
	struct stat st;
	uint16_t cport;
	int f, k, slot;

	nj_ip_unmap(&server);
	if ((fam != AF_INET && fam != AF_INET6) || (fam == AF_INET && server.family == 6))
		return -EAFNOSUPPORT;
	if (fstat(sock, &st) != 0 || getsockname(sock, (struct sockaddr *)&me, &mlen) != 0)
		return -errno;
	if (ip_of(&me, &client, &cport) != 0)
		return -EAFNOSUPPORT;
	if (cport == 0) {
		/* bound now, as the kernel would bind it at the connect or send: the flow is
		 * registered before anything can arrive from it */
		struct sockaddr_storage any;
		struct nj_ip zero = { .family = fam == AF_INET ? 4 : 6 };

		mlen = sockaddr_of(&zero, 0, fam, &any);
		if (bind(sock, (struct sockaddr *)&any, mlen) != 0)
			return -errno;
		mlen = sizeof(me);
		if (getsockname(sock, (struct sockaddr *)&me, &mlen) != 0 ||
		    ip_of(&me, &client, &cport) != 0)
			return -EINVAL;
	}
	pthread_mutex_lock(&mu);
	if ((f = face_for(&server)) < 0) {
		pthread_mutex_unlock(&mu);
		return -EMFILE;
	}
	k = kind_for(&server, fam, stream);
	if (faces[f].fd[k] < 0) {
		pthread_mutex_unlock(&mu);
		return -EADDRNOTAVAIL;
	}
	/* what the face will see: a socket bound to the wildcard address sends from loopback */
	{
		struct nj_ip zero = { .family = client.family };

		if (same_ip(&client, &zero))
			loopback(&client, k == K_UDP6 || k == K_TCP6);
	}
	slot = flow_at(f, k, &client, cport);
	if (slot >= 0 && flows[slot].ino != st.st_ino) {
		release(slot); /* that socket is gone: its port is another's now */
		slot = -1;
	}
	if (slot >= 0) {
		chain_out(slot); /* chained again below, with its new pid */
	} else {
		slot = take();
		flows[slot].used = 1;
		flows[slot].up = -1;
		flows[slot].gen = ++gens;
		memset(&flows[slot].asked, 0, sizeof(flows[slot].asked));
	}
	flows[slot].face = f;
	flows[slot].kind = k;
	flows[slot].ip = client;
	flows[slot].port = cport;
	flows[slot].ino = st.st_ino;
	flows[slot].pid = pid;
	chain_in(slot);
	lastuse[slot] = now_sec();
	{
		struct nj_ip lo;

		loopback(&lo, k == K_UDP6 || k == K_TCP6);
		*len = sockaddr_of(&lo, faces[f].port[k], fam, to);
	}
	pthread_mutex_unlock(&mu);
	return 0;
}

int
nj_relay_serves(ino_t ino)
{
	int yes = 0;

	pthread_mutex_lock(&mu);
	yes = flow_of(ino, 0) >= 0;
	pthread_mutex_unlock(&mu);
	return yes;
}

int
nj_relay_unface(struct sockaddr_storage *from, socklen_t *len)
{
	struct nj_ip ip, lo4, lo6;
	uint16_t port;
	int fam = from->ss_family, done = 0;

	if (ip_of(from, &ip, &port) != 0)
		return 0;
	loopback(&lo4, 0);
	loopback(&lo6, 1);
	pthread_mutex_lock(&mu);
	for (int f = 0; f < nfaces && !done; f++) {
		if ((same_ip(&ip, &lo4) && faces[f].fd[K_UDP4] >= 0 &&
		        faces[f].port[K_UDP4] == port) ||
		    (same_ip(&ip, &lo6) && faces[f].fd[K_UDP6] >= 0 &&
		        faces[f].port[K_UDP6] == port)) {
			if (fam == AF_INET6 || faces[f].server.family == 4) {
				*len = sockaddr_of(&faces[f].server, 53, fam, from);
				done = 1;
			}
		}
	}
	pthread_mutex_unlock(&mu);
	return done;
}

/* A refusal or a message dropped, as the preload logs its lines: the nameserver as the
 * destination, the name as what its lookup was for. */
static void
log_relay(const struct nj_super *s, pid_t pid, const struct nj_ip *server, int tcp,
    const char *name, uint32_t rule, const char *why)
{
	struct nj_record r = { 0 };
	struct nj_dest d = { .kind = NJ_DEST_IP, .port = 53 };
	struct nj_verdict v;
	char prog[64];

	if (s->log.dest == NJ_LOG_OFF)
		return;
	d.proto = tcp ? NJ_PROTO_TCP : NJ_PROTO_UDP;
	d.ip = *server;
	r.pid = nj_notify_who(pid, prog, sizeof(prog));
	r.prog = prog;
	r.call = "query";
	r.verdict = s->audit ? NJ_REC_WOULD_DENY : NJ_REC_DENY;
	r.dest = &d;
	r.host = name && name[0] ? name : NULL;
	if (rule != NJ_NORULE) {
		memset(&v, 0, sizeof(v));
		v.rule = rule;
		v.addr = d.ip;
		v.naddr = 1;
		r.rules = s->set;
		r.v = &v;
		r.vdest = &d;
	} else {
		r.reason = NJ_WHY_MALFORMED;
		r.text = why;
	}
	nj_log_record(&s->log, &r);
}

static void
ask(struct asked *a, const struct nj_dns_question *q)
{
	unsigned i = a->next++ % ASKED_MAX;

	a->q[i].hash = hash_of(q->name, q->len);
	a->q[i].id = q->id;
	a->q[i].type = q->type;
	a->q[i].class = q->class;
	a->q[i].live = 1;
}

/* Does answer msg (its question q, or NULL for a response without one: a FORMERR) answer a
 * query of a?  1, and that query is answered; else 0. */
static int
answers_one(struct asked *a, const uint8_t *msg, const struct nj_dns_question *q)
{
	uint16_t id = (uint16_t)(msg[0] << 8 | msg[1]);
	uint64_t h = q ? hash_of(q->name, q->len) : 0;

	for (unsigned i = 0; i < ASKED_MAX; i++) {
		if (!a->q[i].live || a->q[i].id != id)
			continue;
		if (q &&
		    (a->q[i].hash != h || a->q[i].type != q->type || a->q[i].class != q->class))
			continue;
		a->q[i].live = 0;
		return 1;
	}
	return 0;
}

/* A query from a client: 0 to forward it (its question in *ret); 1 when answered here
 * (REFUSED into out, *outlen); -1 to drop it (logged).  A name a host rule could not hold
 * (a byte outside letters, digits, '-' and '_'; a label too long) is not forwarded: neither
 * a rule nor a log line could say it safely.  In audit mode nothing is refused or dropped,
 * only logged. */
static int
judge_query(const uint8_t *msg, size_t n, pid_t pid, const struct nj_ip *server, int tcp,
    uint8_t *out, size_t *outlen, struct nj_dns_question *ret)
{
	char norm[NJ_HOST_TEXT];
	uint32_t rule;

	if (nj_dns_question(msg, n, ret) != 0 || ret->response) {
		log_relay(sup, pid, server, tcp, NULL, NJ_NORULE,
		    "a DNS message the relay cannot read as one query with one question: not "
		    "forwarded");
		return sup->audit ? 0 : -1;
	}
	if (ret->len > 0 && nj_host_norm(ret->name, norm, sizeof(norm)) != (int)ret->len) {
		log_relay(sup, pid, server, tcp, NULL, NJ_NORULE,
		    "a DNS query for a name that is not a host name: not forwarded");
		return sup->audit ? 0 : -1;
	}
	rule = nj_host_rule(sup->set, NJ_BLOCK, ret->name, ret->len, -1, NJ_PORT_ANY);
	if (rule == NJ_NORULE)
		return 0;
	log_relay(sup, pid, server, tcp, ret->name, rule, NULL);
	if (sup->audit)
		return 0; /* would deny: asked as it was */
	*outlen = nj_dns_refuse(msg, n, out, MSG_MAX);
	return *outlen ? 1 : -1;
}

/* An answer from a server, its question read into q (q->len = SIZE_MAX: it has none, a
 * FORMERR): 0 when it is well-formed enough to match against the queries asked; -1 to drop
 * it (logged, except in audit mode, where it is handed back unlearned). */
static int
read_answer(const uint8_t *msg, size_t n, pid_t pid, const struct nj_ip *server, int tcp,
    struct nj_dns_question *q)
{
	if (n >= 12 && (msg[2] & 0x80) && msg[4] == 0 && msg[5] == 0 && msg[6] == 0 &&
	    msg[7] == 0) {
		q->len = SIZE_MAX; /* no question, no answers: nothing to remember */
		return 0;
	}
	if (nj_dns_question(msg, n, q) == 0 && q->response && nj_dns_answers(msg, n, NULL, 0) >= 0)
		return 0;
	log_relay(sup, pid, server, tcp, NULL, NJ_NORULE,
	    "a malformed DNS answer: not handed back");
	q->len = SIZE_MAX;
	return sup->audit ? 0 : -1;
}

/* The A and AAAA answers of a well-formed answer to a query asked: remembered for its name. */
static void
learn_answer(const uint8_t *msg, size_t n, const struct nj_dns_question *q)
{
	struct nj_ip ips[64];
	int k;

	if (q->len == 0 || q->len >= NJ_HOST_MAX ||
	    (k = nj_dns_answers(msg, n, ips, sizeof(ips) / sizeof(ips[0]))) < 0)
		return;
	for (int i = 0; i < k; i++)
		nj_answers_keep(sup->answers, &ips[i], q->name, q->len);
}

/* ---- UDP: the relay thread ---- */

/* A UDP socket connected to server (a port of its own, chosen by the kernel), or -1. */
static int
upstream(const struct nj_ip *server)
{
	struct sockaddr_storage to;
	socklen_t tlen = sockaddr_of(server, 53, server->family == 4 ? AF_INET : AF_INET6, &to);
	int s = socket(to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s >= 0 && connect(s, (struct sockaddr *)&to, tlen) != 0) {
		close(s);
		s = -1;
	}
	return s;
}

/* Make the upstream sockets faces used since the last refill, so that a query does not wait
 * for them: the relay thread does it when it has nothing else to do. */
static void
refill(void)
{
	pthread_mutex_lock(&mu);
	for (int f = 0; f < nfaces; f++) {
		struct nj_ip server = faces[f].server;
		int s;

		if (!faces[f].used)
			continue;
		pthread_mutex_unlock(&mu);
		s = upstream(&server);
		pthread_mutex_lock(&mu);
		/* (a socket that cannot be made now is made at the query, not retried here) */
		faces[f].used = s >= 0 && faces[f].nup + 1 < SPARE_UP;
		if (s >= 0 && faces[f].nup < SPARE_UP) {
			faces[f].up[faces[f].nup++] = s;
			s = -1;
		}
		if (s >= 0)
			close(s);
	}
	pthread_mutex_unlock(&mu);
}

/* Send query msg (its question q) upstream for flow i (under mu): through the flow's socket,
 * taken (or made) when the flow had no query waiting, and recorded as asked. */
static void
send_up(int i, const struct nj_ip *server, const uint8_t *msg, size_t n,
    const struct nj_dns_question *q)
{
	if (flows[i].up < 0) {
		struct face *f = &faces[flows[i].face];
		struct epoll_event ev = { .events = EPOLLIN };
		int s = f->nup > 0 ? f->up[--f->nup] : upstream(server);

		f->used = 1;
		ev.data.u64 = EV_UP(i, flows[i].gen);
		if (s >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0) {
			close(s);
			s = -1;
		}
		flows[i].up = s;
	}
	if (flows[i].up >= 0 && send(flows[i].up, msg, n, MSG_DONTWAIT) == (ssize_t)n)
		ask(&flows[i].asked, q);
}

ssize_t
nj_relay_forward(ino_t ino, uint16_t face_port, const uint8_t *msg, size_t n)
{
	struct sockaddr_storage to;
	struct nj_dns_question q;
	struct nj_ip server;
	socklen_t tlen = 0;
	uint8_t *out;
	uint64_t gen = 0;
	size_t rn = 0;
	pid_t pid = 0;
	int i, fd = -1, verdict;

	if (n > MSG_MAX)
		return -EMSGSIZE;
	pthread_mutex_lock(&mu);
	if ((i = flow_of(ino, face_port)) >= 0) {
		lastuse[i] = now_sec();
		gen = flows[i].gen;
		pid = flows[i].pid;
		server = faces[flows[i].face].server;
		fd = faces[flows[i].face].fd[flows[i].kind];
		tlen = sockaddr_of(&flows[i].ip, flows[i].port,
		    flows[i].kind == K_UDP6 ? AF_INET6 : AF_INET, &to);
	}
	pthread_mutex_unlock(&mu);
	if (i < 0)
		return -ENOENT;
	if ((out = malloc(MSG_MAX)) == NULL)
		return -ENOMEM;
	verdict = judge_query(msg, n, pid, &server, 0, out, &rn, &q);
	if (verdict == 1) /* REFUSED, from the face, as the relay thread answers it */
		(void)sendto(fd, out, rn, MSG_DONTWAIT, (struct sockaddr *)&to, tlen);
	free(out);
	if (verdict != 0)
		return (ssize_t)n; /* (refused or dropped: sent, as far as the sender can tell) */
	pthread_mutex_lock(&mu);
	if (flows[i].used && flows[i].gen == gen)
		send_up(i, &server, msg, n, &q);
	pthread_mutex_unlock(&mu);
	return (ssize_t)n;
}

static uint8_t ubuf[MSG_MAX + 1], rbuf[MSG_MAX + 1];

static void
on_face_udp(int f, int k)
{
	struct sockaddr_storage src;
	socklen_t slen;
	ssize_t n;

	for (;;) {
		struct nj_ip ip, server;
		uint16_t port;
		struct nj_dns_question q;
		size_t rn = 0;
		int i, verdict;
		uint64_t gen;
		pid_t pid;

		slen = sizeof(src);
		n = recvfrom(faces[f].fd[k], ubuf, sizeof(ubuf), MSG_DONTWAIT,
		    (struct sockaddr *)&src, &slen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN: all read */
		}
		if (ip_of(&src, &ip, &port) != 0)
			continue;
		pthread_mutex_lock(&mu);
		if ((i = flow_at(f, k, &ip, port)) < 0) {
			pthread_mutex_unlock(&mu);
			continue; /* not registered: nobody the relay stands for */
		}
		lastuse[i] = now_sec();
		pid = flows[i].pid;
		gen = flows[i].gen;
		server = faces[f].server;
		pthread_mutex_unlock(&mu);

		verdict = n > MSG_MAX ?
		    -1 :
		    judge_query(ubuf, (size_t)n, pid, &server, 0, rbuf, &rn, &q);
		if (verdict == 1) {
			(void)sendto(faces[f].fd[k], rbuf, rn, MSG_DONTWAIT,
			    (struct sockaddr *)&src, slen);
			continue;
		}
		if (verdict < 0)
			continue;
		pthread_mutex_lock(&mu);
		if (!flows[i].used || flows[i].gen != gen) {
			pthread_mutex_unlock(&mu);
			continue; /* closed meanwhile (a worker needed its slot) */
		}
		send_up(i, &server, ubuf, (size_t)n, &q);
		pthread_mutex_unlock(&mu);
	}
}

static void
on_upstream(int i, uint64_t gen)
{
	for (;;) {
		struct sockaddr_storage to;
		struct nj_dns_question q;
		struct nj_ip server;
		socklen_t tlen;
		ssize_t n;
		int up, fd, fam, ok, last = 0;
		pid_t pid;

		pthread_mutex_lock(&mu);
		if (!flows[i].used || flows[i].gen != gen || (up = flows[i].up) < 0) {
			pthread_mutex_unlock(&mu);
			return;
		}
		n = recv(up, ubuf, sizeof(ubuf), MSG_DONTWAIT);
		if (n < 0) {
			pthread_mutex_unlock(&mu);
			if (errno == EINTR || errno == ECONNREFUSED)
				continue; /* (an ICMP error of an earlier datagram) */
			return;
		}
		fd = faces[flows[i].face].fd[flows[i].kind];
		fam = flows[i].kind == K_UDP6 ? AF_INET6 : AF_INET;
		tlen = sockaddr_of(&flows[i].ip, flows[i].port, fam, &to);
		server = faces[flows[i].face].server;
		pid = flows[i].pid;
		pthread_mutex_unlock(&mu);
		if (n > MSG_MAX || n < 12 || read_answer(ubuf, (size_t)n, pid, &server, 0, &q) != 0)
			continue;
		pthread_mutex_lock(&mu);
		ok = flows[i].used && flows[i].gen == gen &&
		    answers_one(&flows[i].asked, ubuf, q.len == SIZE_MAX ? NULL : &q);
		if (ok) {
			lastuse[i] = now_sec();
			if ((last = !waiting(&flows[i].asked)))
				flows[i].up = -1; /* the last answer: closed once handed back */
		}
		pthread_mutex_unlock(&mu);
		if (!ok)
			continue; /* answers nothing asked: a stray, or forged */
		if (q.len != SIZE_MAX)
			learn_answer(ubuf, (size_t)n, &q);
		(void)sendto(fd, ubuf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&to, tlen);
		if (last) {
			/* (a later query of the flow gets a socket, and a port, of its own) */
			close(up);
			return;
		}
	}
}

/* Flows idle too long: their upstream sockets closed (a query after that opens another).  The
 * registration stays, since the client's socket may still be connected to the face; it goes
 * only when the table is full and its slot is the one idle longest (nj_relay_redirect), or,
 * for a TCP registration no connection took, after IDLE_SEC. */
static void
sweep(void)
{
	time_t t = now_sec();

	pthread_mutex_lock(&mu);
	for (int i = 0; i < fresh; i++) {
		if (!flows[i].used || t - lastuse[i] <= IDLE_SEC)
			continue;
		if (flows[i].kind >= K_TCP4) {
			release(i);
		} else if (flows[i].up >= 0) {
			close(flows[i].up);
			flows[i].up = -1;
			memset(&flows[i].asked, 0, sizeof(flows[i].asked));
		}
	}
	pthread_mutex_unlock(&mu);
}

/* ---- TCP: a thread per connection ---- */

struct tcp_conn {
	int fd, face, kind;
	struct sockaddr_storage src;
};

/* Wait until fd is ready for events, at most ms.  1 ready, 0 not. */
static int
ready(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	while (poll(&p, 1, ms) < 0)
		if (errno != EINTR)
			return 0;
	return (p.revents & (events | POLLHUP | POLLERR)) != 0;
}

static int
read_full(int fd, uint8_t *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t k;

		if (!ready(fd, POLLIN, TCP_WAIT_MS))
			return -1;
		k = recv(fd, buf + got, n - got, MSG_DONTWAIT);
		if (k == 0)
			return -1;
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)k;
	}
	return 0;
}

static int
write_full(int fd, const uint8_t *buf, size_t n)
{
	for (size_t put = 0; put < n;) {
		ssize_t k;

		if (!ready(fd, POLLOUT, TCP_WAIT_MS))
			return -1;
		k = send(fd, buf + put, n - put, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		put += (size_t)k;
	}
	return 0;
}

/* One message of a TCP stream, its 2-byte length first, into buf[2..]; its length, or -1. */
static int
read_msg(int fd, uint8_t *buf)
{
	size_t n;

	if (read_full(fd, buf, 2) != 0)
		return -1;
	n = (size_t)buf[0] << 8 | buf[1];
	return n == 0 || read_full(fd, buf + 2, n) != 0 ? -1 : (int)n;
}

static void *
tcp_main(void *arg)
{
	struct tcp_conn c = *(struct tcp_conn *)arg;
	uint8_t *in = malloc(MSG_MAX + 2), *out = malloc(MSG_MAX + 2);
	struct asked asked;
	struct nj_dns_question q;
	struct nj_ip ip, server;
	uint16_t port;
	pid_t pid = 0;
	int up = -1, i = -1;

	free(arg);
	memset(&asked, 0, sizeof(asked));
	/* the flow is registered before the client's connect returned: by its first query */
	if (in && out && ready(c.fd, POLLIN, TCP_WAIT_MS) && ip_of(&c.src, &ip, &port) == 0) {
		pthread_mutex_lock(&mu);
		if ((i = flow_at(c.face, c.kind, &ip, port)) >= 0) {
			pid = flows[i].pid;
			server = faces[c.face].server;
			release(i); /* one connection: taken */
		}
		pthread_mutex_unlock(&mu);
	}
	if (i >= 0) {
		struct sockaddr_storage to;
		socklen_t tlen = sockaddr_of(&server, 53, server.family == 4 ? AF_INET : AF_INET6,
		    &to);
		int e = 0;
		socklen_t el = sizeof(e);

		up = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (up >= 0 && connect(up, (struct sockaddr *)&to, tlen) != 0 &&
		    (errno != EINPROGRESS || !ready(up, POLLOUT, TCP_WAIT_MS) ||
		        getsockopt(up, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0)) {
			close(up);
			up = -1;
		}
	}
	while (up >= 0) {
		struct pollfd p[2] = { { .fd = c.fd, .events = POLLIN },
			{ .fd = up, .events = POLLIN } };
		size_t rn = 0;
		int n, verdict;

		if (poll(p, 2, IDLE_SEC * 1000) <= 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			if ((n = read_msg(c.fd, in)) < 0)
				break;
			verdict = judge_query(in + 2, (size_t)n, pid, &server, 1, out + 2, &rn, &q);
			if (verdict < 0)
				break;
			if (verdict == 1) {
				out[0] = (uint8_t)(rn >> 8), out[1] = (uint8_t)rn;
				if (write_full(c.fd, out, rn + 2) != 0)
					break;
			} else if (write_full(up, in, (size_t)n + 2) != 0) {
				break;
			} else {
				ask(&asked, &q);
			}
		}
		if (p[1].revents) {
			if ((n = read_msg(up, in)) < 12 ||
			    read_answer(in + 2, (size_t)n, pid, &server, 1, &q) != 0)
				break;
			if (!answers_one(&asked, in + 2, q.len == SIZE_MAX ? NULL : &q))
				continue; /* answers nothing asked */
			if (q.len != SIZE_MAX)
				learn_answer(in + 2, (size_t)n, &q);
			if (write_full(c.fd, in, (size_t)n + 2) != 0)
				break;
		}
	}
	if (up >= 0)
		close(up);
	close(c.fd);
	free(in);
	free(out);
	pthread_mutex_lock(&mu);
	tcp_threads--;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void
on_face_tcp(int f, int k)
{
	for (;;) {
		struct tcp_conn *c = malloc(sizeof(*c));
		socklen_t slen = sizeof(c ? c->src : (struct sockaddr_storage){ 0 });
		pthread_attr_t attr;
		pthread_t t;
		int fd, go;

		if (c == NULL)
			return;
		fd = accept4(faces[f].fd[k], (struct sockaddr *)&c->src, &slen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			free(c);
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		c->fd = fd, c->face = f, c->kind = k;
		pthread_mutex_lock(&mu);
		go = tcp_threads < TCP_MAX;
		if (go)
			tcp_threads++;
		pthread_mutex_unlock(&mu);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, RELAY_STACK);
		if (!go || pthread_create(&t, &attr, tcp_main, c) != 0) {
			close(fd); /* the client sees its connection closed: it tries again */
			free(c);
			if (go) {
				pthread_mutex_lock(&mu);
				tcp_threads--;
				pthread_mutex_unlock(&mu);
			}
		}
		pthread_attr_destroy(&attr);
	}
}

static void *
relay_main(void *arg)
{
	struct epoll_event ev[64];
	time_t swept = now_sec();

	(void)arg;
	for (;;) {
		int n = epoll_wait(ep, ev, 64, 1000);

		for (int i = 0; i < n; i++) {
			uint64_t u = ev[i].data.u64;

			if (u >> 62 == 1) {
				int f = (int)((u >> 8) & 0xff), k = (int)(u & 0xff);

				if (k >= K_TCP4)
					on_face_tcp(f, k);
				else
					on_face_udp(f, k);
			} else {
				on_upstream((int)(u & 0xffff), (u >> 16) & ((1ull << 46) - 1));
			}
		}
		refill();
		if (now_sec() != swept) {
			swept = now_sec();
			sweep();
		}
	}
	return NULL;
}

int
nj_relay_start(const struct nj_super *s)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	sup = s;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, RELAY_STACK);
	rc = pthread_create(&t, &attr, relay_main, NULL);
	pthread_attr_destroy(&attr);
	return -rc;
}
