/* resolve.c - interposed name resolution: answers the rules deny are removed, order kept;
 * a lookup that only parses an address is not filtered.
 *
 * While the real resolver runs, this thread is marked (nj_in_resolver): connections that NSS
 * modules make while answering (to nscd, systemd-resolved, an LDAP server) are not the
 * program's and are not checked.  Name resolution may allocate; it is not on the hot path. */
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

#include "shim/shim.h"

/* Is name an address literal, as the resolver reads one (IPv4 in every form it takes, 127.1
 * and 0x7f.0.0.1 too; IPv6 with or without a scope id)?  The resolver itself is asked, so the
 * answer is its own.  Such a lookup only parses text (SPEC.md §5): servers parse their
 * configuration this way (PostgreSQL's pg_hba.conf), so its answer is not filtered.  A
 * connection to it is judged as every connection is. */
static int
literal(const char *name)
{
	struct addrinfo hints, *res = NULL;
	int saved = errno, rc;

	if (name == NULL || nj_real.getaddrinfo == NULL || nj_real.freeaddrinfo == NULL)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	rc = nj_real.getaddrinfo(name, NULL, &hints, &res);
	if (rc == 0)
		nj_real.freeaddrinfo(res);
	errno = saved;
	return rc == 0;
}

/* May a lookup of name go ahead as far as the resolver's servers go (resolver.c)?  A literal
 * queries no server.  1, or 0 with the denial logged and errno EACCES. */
static int
servers_ok(const char *call, const char *name, int numeric)
{
	if (nj_in_resolver || numeric || !(_res.options & RES_INIT))
		return 1; /* _res not set up: the lookup reads /etc/resolv.conf, the system's */
	return literal(name) || nj_resolver_ok(call, &_res);
}

/* One removed answer list for the log line: "169.254.169.254, ::1". */
struct removed {
	char text[300];
	struct nj_buf b;
	int n, total;
	struct nj_dest first; /* the first answer removed, as it was decided */
	struct nj_ip last; /* the last one named */
	uint32_t block; /* the block host rule that denied them all, or NJ_NORULE */
};

static void
removed_init(struct removed *r)
{
	r->b.p = r->text;
	r->b.size = sizeof(r->text);
	r->b.len = 0;
	r->text[0] = '\0';
	r->n = r->total = 0;
	r->block = NJ_NORULE;
}

static void
removed_add(struct removed *r, const struct nj_dest *d)
{
	char a[64];

	/* getaddrinfo without a socket type answers each address once per type: name it once */
	if (r->n > 0 && memcmp(&r->last, &d->ip, sizeof(d->ip)) == 0) {
		r->n++;
		return;
	}
	if (r->n == 0)
		r->first = *d;
	r->last = d->ip;
	nj_ip_format(&d->ip, a, sizeof(a));
	if (r->n++)
		nj_buf_str(&r->b, ", ");
	nj_buf_str(&r->b, a);
}

/* "every answer denied (10.1.2.3): block @private (/etc/app.rules:4)": the answers removed,
 * then why the first one was, in the words of a connect's line (the rule that decided, or
 * the rule that would allow it), so the line says what to change. */
static void
log_removed(const char *call, const char *host, const struct removed *r)
{
	const struct nj_rules *rules = NULL;
	struct nj_verdict v;

	if (r->block != NJ_NORULE) { /* block host: the rule that named the name */
		rules = nj_rules_now();
		memset(&v, 0, sizeof(v));
		v.rule = r->block;
		v.addr = r->first.ip;
		v.naddr = 1;
	} else {
		nj_allowed(&r->first, &rules);
		nj_decide(rules, &r->first, &v);
	}
	nj_log_lookup(call, host, r->text, (unsigned)r->n, (unsigned)r->total, &r->first, &v,
	    rules);
}

/* A lookup that still returns an allowed answer fails nothing: the machine's own name, a
 * dual-stack name under a policy for one family.  Its line goes where a record is kept (a
 * NETJAIL_LOG file, audit mode: what netjail learn reads), never to the terminal. */
static int
worth_a_line(const struct removed *r)
{
	const struct nj_config *c = nj_shim();

	return r->n == r->total || c->audit || c->log.dest == NJ_LOG_FILE;
}

/* The name a lookup asked for, as host rules see it (SPEC.md §3a): only when the process
 * rules have host rules and a host rule names it; len 0 otherwise. */
struct asked {
	char name[NJ_HOST_MAX];
	size_t len;
	uint32_t block; /* a block host rule naming it, or NJ_NORULE */
};

static void
asked_init(struct asked *a, const char *node)
{
	const struct nj_rules *r = nj_rules_now();
	int n;

	a->len = 0;
	a->block = NJ_NORULE;
	if (!nj_names_kept() || node == NULL ||
	    (n = nj_host_norm(node, a->name, sizeof(a->name))) <= 0)
		return;
	a->block = nj_host_rule(r, NJ_BLOCK, a->name, (size_t)n, -1, NJ_PORT_ANY);
	if (a->block == NJ_NORULE &&
	    (nj_config_.audit ||
	        nj_host_rule(r, NJ_ALLOW, a->name, (size_t)n, -1, NJ_PORT_ANY) != NJ_NORULE))
		a->len = (size_t)n;
}

/* Does d (an answer) pass for proto, on some port when port is NJ_PORT_ANY, by the address
 * rules or by a host rule for the name asked?  An answer a host rule allows is remembered
 * with that name, for the connect that follows; in audit mode every answer is (the program
 * gets it anyway, and the record of its connect names the lookup). */
static int
answer_passes(struct nj_dest *d, const struct asked *a)
{
	int named = a && a->len,
	    ok = nj_allowed(d, NULL) ||
	    (named && nj_decide_host(nj_rules_now(), d, a->name, a->len, NULL));

	if (named && (ok || nj_config_.audit))
		nj_answer_keep(&d->ip, a->name, a->len);
	return ok;
}

/* Is an answer of this family and address allowed for proto, on some port when port is
 * NJ_PORT_ANY?  proto -1: unknown (gethostbyname): allowed if tcp or udp could be. */
static int
answer_allowed(int family, const void *addr, int proto, int port, const struct asked *a,
    struct nj_dest *ret)
{
	struct nj_dest *d = ret;

	memset(d, 0, sizeof(*d));
	d->kind = NJ_DEST_IP;
	d->port = port;
	d->ip.family = family == AF_INET ? 4 : 6;
	memcpy(d->ip.a, addr, family == AF_INET ? 4 : 16);
	if (a && a->block != NJ_NORULE) {
		d->proto = proto >= 0 ? proto : NJ_PROTO_TCP;
		return 0; /* block host: every answer denied */
	}
	if (proto >= 0) {
		d->proto = proto;
		return answer_passes(d, a);
	}
	d->proto = NJ_PROTO_UDP;
	if (answer_passes(d, a))
		return 1;
	d->proto = NJ_PROTO_TCP; /* denied both ways: the log line speaks of tcp */
	return answer_passes(d, a);
}

static int
ai_allowed(const struct addrinfo *ai, const struct asked *a, struct nj_dest *ret_d)
{
	int proto = ai->ai_socktype == SOCK_STREAM ? NJ_PROTO_TCP :
	    ai->ai_socktype == SOCK_DGRAM          ? NJ_PROTO_UDP :
	                                             NJ_PROTO_OTHER;

	if (ai->ai_addr == NULL)
		return 1;
	if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)ai->ai_addr;
		int port = ntohs(in->sin_port);

		return answer_allowed(AF_INET, &in->sin_addr, proto, port ? port : NJ_PORT_ANY, a,
		    ret_d);
	}
	if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)ai->ai_addr;
		int port = ntohs(in6->sin6_port);

		return answer_allowed(AF_INET6, &in6->sin6_addr, proto, port ? port : NJ_PORT_ANY,
		    a, ret_d);
	}
	return 1; /* not an address the rules speak of */
}

int
nj_getaddrinfo(const char *call, const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	const struct nj_config *c = nj_shim();
	struct addrinfo *head, **link, *ai;
	struct removed rm;
	struct asked as;
	int rc;

	if (nj_real.getaddrinfo == NULL || nj_real.freeaddrinfo == NULL ||
	    !servers_ok(call, node, hints && (hints->ai_flags & AI_NUMERICHOST)))
		return errno = EACCES, EAI_SYSTEM;
	nj_in_resolver++;
	rc = nj_real.getaddrinfo(node, service, hints, res);
	nj_in_resolver--;
	/* AI_PASSIVE asks for addresses to bind, not destinations (a server's own 0.0.0.0 and
	 * ::, or the address it listens on), and AI_NUMERICHOST or a literal only parses:
	 * nothing to filter.  A connect to one is still checked, as every connect is. */
	if (rc != 0 || res == NULL || nj_in_resolver ||
	    (hints && (hints->ai_flags & (AI_PASSIVE | AI_NUMERICHOST))) || literal(node))
		return rc;
	removed_init(&rm);
	asked_init(&as, node);
	rm.block = as.block;
	head = *res;
	link = &head;
	while ((ai = *link) != NULL) {
		struct nj_dest d;
		int ok = ai_allowed(ai, &as, &d);

		rm.total++;
		if (!ok)
			removed_add(&rm, &d);
		if (ok || c->audit) {
			link = &ai->ai_next;
			continue;
		}
		*link = ai->ai_next;
		/* glibc keeps the canonical name on the first entry only: hand it on */
		if (ai == head && ai->ai_canonname && *link && (*link)->ai_canonname == NULL) {
			(*link)->ai_canonname = ai->ai_canonname;
			ai->ai_canonname = NULL;
		}
		ai->ai_next = NULL;
		nj_real.freeaddrinfo(ai);
	}
	if (rm.n && worth_a_line(&rm))
		log_removed(call, node, &rm);
	if (head == NULL) {
		*res = NULL;
		errno = EACCES;
		return EAI_SYSTEM;
	}
	*res = head;
	return 0;
}

NJ_EXPORT int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	return nj_getaddrinfo("getaddrinfo", node, service, hints, res);
}

/* Filter a hostent's address list in place (order kept).  Returns how many are left. */
static int
filter_hostent(const char *call, const char *name, struct hostent *h)
{
	const struct nj_config *c = nj_shim();
	struct removed rm;
	struct asked as;
	int keep = 0;

	if (h == NULL || h->h_addr_list == NULL ||
	    (h->h_addrtype != AF_INET && h->h_addrtype != AF_INET6))
		return 1;
	removed_init(&rm);
	asked_init(&as, name);
	rm.block = as.block;
	for (int i = 0; h->h_addr_list[i]; i++) {
		struct nj_dest d;

		rm.total++;
		if (answer_allowed(h->h_addrtype, h->h_addr_list[i], -1, NJ_PORT_ANY, &as, &d)) {
			h->h_addr_list[keep++] = h->h_addr_list[i];
			continue;
		}
		removed_add(&rm, &d);
		if (c->audit)
			h->h_addr_list[keep++] = h->h_addr_list[i];
	}
	h->h_addr_list[keep] = NULL;
	if (rm.n && worth_a_line(&rm))
		log_removed(call, name, &rm);
	return keep;
}

static struct hostent *
host_result(const char *call, const char *name, struct hostent *h)
{
	if (h == NULL || nj_in_resolver || literal(name))
		return h;
	if (filter_hostent(call, name, h) == 0) {
		h_errno = NO_RECOVERY;
		errno = EACCES;
		return NULL;
	}
	return h;
}

NJ_EXPORT struct hostent *
gethostbyname(const char *name)
{
	struct hostent *h;

	nj_shim();
	if (nj_real.gethostbyname == NULL || !servers_ok("gethostbyname", name, 0))
		return h_errno = NO_RECOVERY, errno = EACCES, NULL;
	nj_in_resolver++;
	h = nj_real.gethostbyname(name);
	nj_in_resolver--;
	return host_result("gethostbyname", name, h);
}

NJ_EXPORT struct hostent *
gethostbyname2(const char *name, int af)
{
	struct hostent *h;

	nj_shim();
	if (nj_real.gethostbyname2 == NULL || !servers_ok("gethostbyname2", name, 0))
		return h_errno = NO_RECOVERY, errno = EACCES, NULL;
	nj_in_resolver++;
	h = nj_real.gethostbyname2(name, af);
	nj_in_resolver--;
	return host_result("gethostbyname2", name, h);
}

static int
host_result_r(const char *call, const char *name, int rc, struct hostent **result, int *h_errnop)
{
	if (rc != 0 || result == NULL || *result == NULL || nj_in_resolver || literal(name))
		return rc;
	if (filter_hostent(call, name, *result) == 0) {
		*result = NULL;
		if (h_errnop)
			*h_errnop = NO_RECOVERY;
		errno = EACCES;
		return EACCES;
	}
	return rc;
}

NJ_EXPORT int
gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
    struct hostent **result, int *h_errnop)
{
	int rc;

	nj_shim();
	if (nj_real.gethostbyname_r == NULL || !servers_ok("gethostbyname_r", name, 0))
		return (h_errnop ? *h_errnop = NO_RECOVERY : 0), errno = EACCES, EACCES;
	nj_in_resolver++;
	rc = nj_real.gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	nj_in_resolver--;
	return host_result_r("gethostbyname_r", name, rc, result, h_errnop);
}

NJ_EXPORT int
gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
    struct hostent **result, int *h_errnop)
{
	int rc;

	nj_shim();
	if (nj_real.gethostbyname2_r == NULL || !servers_ok("gethostbyname2_r", name, 0))
		return (h_errnop ? *h_errnop = NO_RECOVERY : 0), errno = EACCES, EACCES;
	nj_in_resolver++;
	rc = nj_real.gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	nj_in_resolver--;
	return host_result_r("gethostbyname2_r", name, rc, result, h_errnop);
}
