/* resolver.c - the resolver's own servers.  glibc sends its queries through internal calls no
 * preload sees.  To the nameservers /etc/resolv.conf named when the rules loaded (the
 * system's own resolvers) that is exempt (SPEC.md §5); but a program can point the resolver
 * anywhere through _res (nsaddr_list, its IPv6 extension, RES_USEVC for TCP), and glibc would
 * then query that server on the program's behalf: loopback, the metadata service, any port.
 * So before each interposed lookup and each res_* call, every other server the resolver would
 * use is judged as a UDP and a TCP destination on its port, and the call is refused when one
 * is denied.
 *
 * The res_* functions are looked up when called, not at start-up: few programs call them. */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

#include "shim/shim.h"
#include "sys/intake.h"

/* Is the server at sa one of the system's own, on the DNS port? */
static int
system_server(const struct nj_config *c, const struct nj_dest *d)
{
	if (d->port != 53)
		return 0;
	for (size_t i = 0; i < c->nsysres; i++)
		if (memcmp(&c->sysres[i], &d->ip, sizeof(d->ip)) == 0)
			return 1;
	return 0;
}

/* One server: allowed as UDP and as TCP (the resolver falls back to TCP, or uses it only with
 * RES_USEVC)?  1, or 0 when denied (logged; in audit mode logged and 1). */
static int
server_ok(const char *call, const struct nj_config *c, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage ss;
	struct nj_dest d;
	static const int protos[2] = { NJ_PROTO_UDP, NJ_PROTO_TCP };

	if (len > sizeof(ss))
		return 0;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len);
	memset(&d, 0, sizeof(d));
	if (nj_sockaddr_dest(&d, &ss, len, sa->sa_family) != 0 || d.kind != NJ_DEST_IP)
		return sa->sa_family == AF_UNSPEC; /* an unused slot */
	if (system_server(c, &d))
		return 1;
	for (int i = 0; i < 2; i++) {
		const struct nj_rules *r = NULL;
		struct nj_verdict v;

		d.proto = protos[i];
		if (nj_allowed(&d, &r))
			continue;
		nj_decide(r, &d, &v);
		nj_log_verdict(call, &d, &v, r, NULL);
		return c->audit;
	}
	return 1;
}

int
nj_resolver_ok(const char *call, const struct __res_state *st)
{
	const struct nj_config *c = nj_shim();
	int saved = errno;

	if (st == NULL || !(st->options & RES_INIT))
		return 1; /* not set up yet: it will read /etc/resolv.conf, the system's servers */
	(void)nj_rules_now(); /* the system's servers are noted when the rules load */
	for (int i = 0; i < st->nscount && i < MAXNS; i++) {
		/* glibc's choice (resolv/res_send.c, get_nsaddr): the IPv6 address when the IPv4
		 * slot is empty */
		const struct sockaddr_in6 *in6 = st->nsaddr_list[i].sin_family == 0 ?
		    st->_u._ext.nsaddrs[i] :
		    NULL;
		int ok = in6 ? server_ok(call, c, (const struct sockaddr *)in6, sizeof(*in6)) :
		               server_ok(call, c, (const struct sockaddr *)&st->nsaddr_list[i],
		                   sizeof(st->nsaddr_list[i]));

		if (!ok) {
			errno = EACCES;
			return 0;
		}
	}
	errno = saved;
	return 1;
}

/* The real function (the newer name first: glibc 2.34 moved them into libc under it; before,
 * libresolv exported only the __res_ one).  Looked up at each call, not kept: a query costs
 * far more, and a cache would take room in the page of writable data every process touches. */
static void *
real(const char *name, const char *old)
{
	void *f = dlsym(RTLD_NEXT, name);

	return f ? f : dlsym(RTLD_NEXT, old);
}

/* A refused res_* call: -1, h_errno NO_RECOVERY, errno EACCES, as when the query fails. */
static int
refused(void)
{
	h_errno = NO_RECOVERY;
	errno = EACCES;
	return -1;
}

typedef int (*query_fn)(const char *, int, int, unsigned char *, int);
typedef int (*nquery_fn)(res_state, const char *, int, int, unsigned char *, int);
typedef int (*qdomain_fn)(const char *, const char *, int, int, unsigned char *, int);
typedef int (*nqdomain_fn)(res_state, const char *, const char *, int, int, unsigned char *, int);
typedef int (*send_fn)(const unsigned char *, int, unsigned char *, int);
typedef int (*nsend_fn)(res_state, const unsigned char *, int, unsigned char *, int);

/* Each res_* function under both its names: the one glibc 2.34 gave it and the __res_ one
 * that older binaries call (libresolv exported only that).  Both end in one checked call. */
#undef res_query
#undef res_search
#undef res_querydomain
#undef res_send
#undef res_nquery
#undef res_nsearch
#undef res_nquerydomain
#undef res_nsend

static int
q(const char *call, const char *old, res_state st, const char *dname, const char *domain, int class,
    int type, unsigned char *ans, int n)
{
	void *f = real(call, old);

	if (f == NULL || !nj_resolver_ok(call, st ? st : &_res))
		return refused();
	if (domain && st)
		return ((nqdomain_fn)f)(st, dname, domain, class, type, ans, n);
	if (domain)
		return ((qdomain_fn)f)(dname, domain, class, type, ans, n);
	if (st)
		return ((nquery_fn)f)(st, dname, class, type, ans, n);
	return ((query_fn)f)(dname, class, type, ans, n);
}

static int
snd(const char *call, const char *old, res_state st, const unsigned char *msg, int len,
    unsigned char *ans, int n)
{
	void *f = real(call, old);

	if (f == NULL || !nj_resolver_ok(call, st ? st : &_res))
		return refused();
	if (st)
		return ((nsend_fn)f)(st, msg, len, ans, n);
	return ((send_fn)f)(msg, len, ans, n);
}

#define NJ_QUERY(name, other)                                                      \
	NJ_EXPORT int name(const char *d, int c, int t, unsigned char *a, int n)   \
	{                                                                          \
		return q(#name, #other, NULL, d, NULL, c, t, a, n);                \
	}                                                                          \
	NJ_EXPORT int other(const char *d, int c, int t, unsigned char *a, int n); \
	int other(const char *d, int c, int t, unsigned char *a, int n)            \
	{                                                                          \
		return q(#name, #other, NULL, d, NULL, c, t, a, n);                \
	}
#define NJ_NQUERY(name, other)                                                                   \
	NJ_EXPORT int name(res_state st, const char *d, int c, int t, unsigned char *a, int n)   \
	{                                                                                        \
		return q(#name, #other, st, d, NULL, c, t, a, n);                                \
	}                                                                                        \
	NJ_EXPORT int other(res_state st, const char *d, int c, int t, unsigned char *a, int n); \
	int other(res_state st, const char *d, int c, int t, unsigned char *a, int n)            \
	{                                                                                        \
		return q(#name, #other, st, d, NULL, c, t, a, n);                                \
	}

NJ_QUERY(res_query, __res_query)
NJ_QUERY(res_search, __res_search)
#ifdef __GLIBC__ /* musl has no res_n* functions */
NJ_NQUERY(res_nquery, __res_nquery)
NJ_NQUERY(res_nsearch, __res_nsearch)
#endif

NJ_EXPORT int
res_querydomain(const char *name, const char *domain, int c, int t, unsigned char *a, int n)
{
	return q("res_querydomain", "__res_querydomain", NULL, name, domain, c, t, a, n);
}
NJ_EXPORT int __res_querydomain(const char *, const char *, int, int, unsigned char *, int);
int
__res_querydomain(const char *name, const char *domain, int c, int t, unsigned char *a, int n)
{
	return res_querydomain(name, domain, c, t, a, n);
}

#ifdef __GLIBC__
NJ_EXPORT int
res_nquerydomain(res_state st, const char *name, const char *domain, int c, int t, unsigned char *a,
    int n)
{
	return q("res_nquerydomain", "__res_nquerydomain", st, name, domain, c, t, a, n);
}
NJ_EXPORT int __res_nquerydomain(res_state, const char *, const char *, int, int, unsigned char *,
    int);
int
__res_nquerydomain(res_state st, const char *name, const char *domain, int c, int t,
    unsigned char *a, int n)
{
	return res_nquerydomain(st, name, domain, c, t, a, n);
}
#endif

NJ_EXPORT int
res_send(const unsigned char *msg, int len, unsigned char *ans, int n)
{
	return snd("res_send", "__res_send", NULL, msg, len, ans, n);
}
NJ_EXPORT int __res_send(const unsigned char *, int, unsigned char *, int);
int
__res_send(const unsigned char *msg, int len, unsigned char *ans, int n)
{
	return res_send(msg, len, ans, n);
}

#ifdef __GLIBC__
NJ_EXPORT int
res_nsend(res_state st, const unsigned char *msg, int len, unsigned char *ans, int n)
{
	return snd("res_nsend", "__res_nsend", st, msg, len, ans, n);
}
NJ_EXPORT int __res_nsend(res_state, const unsigned char *, int, unsigned char *, int);
int
__res_nsend(res_state st, const unsigned char *msg, int len, unsigned char *ans, int n)
{
	return res_nsend(st, msg, len, ans, n);
}
#endif
