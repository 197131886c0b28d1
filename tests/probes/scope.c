/* scope.c - exercises netjail_scope_enter/leave from a program, as a program would: found with
 * dlsym(RTLD_DEFAULT, ...), so it also runs without the shim ("no-shim" is printed then).
 *
 * The rule sets are built by hand from lib/api.h, the header the shim reads, not with
 * libnetjail-rules: this tests the shim's side of the contract on its own.
 *
 *   scope [-s RULES]... connect IP PORT      enter each scope, connect (tcp), print the result
 *   scope [-s RULES]... resolve NAME         getaddrinfo(NAME, "80") inside the scopes
 *   scope [-s RULES]... fork IP PORT         enter, fork: "child RESULT"; the parent leaves
 *                                            and connects: "parent RESULT"
 *   scope [-s RULES]... exec PROG ARG...     enter, then execv PROG
 *   scope threads N IP PORT RULES            8 threads, the even ones inside a scope of RULES,
 *                                            N connects each: counts of each outcome
 *   scope lambda IP PORT                     a "runtime" thread connects outside any scope, a
 *                                            "handler" thread inside "allow @public"
 *   scope errors                             leave with none, a bad object, 17 nested
 * Results: "ok", "err EACCES", "err ECONNREFUSED", ...
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/api.h"

static int (*enter)(const struct netjail_rules *);
static int (*leave)(void);

static struct netjail_rules *
rules(const char *text, const char *name)
{
	struct netjail_rules *r = calloc(1, sizeof(*r));

	r->magic = NJ_API_MAGIC;
	r->abi = NETJAIL_ABI;
	r->text = text;
	r->len = strlen(text);
	r->name = name;
	return r;
}

static int
num(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

static const char *
ename(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	default: return strerror(e);
	}
}

/* connect to ip:port over tcp: 0, or the errno */
static int
conn(const char *ip, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, rc;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		len = sizeof(*in);
	} else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		len = sizeof(*in6);
	} else {
		return EINVAL;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		return errno;
	rc = connect(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : errno;
	close(fd);
	return rc;
}

static void
result(const char *who, int e)
{
	printf("%s%s%s%s\n", who, *who ? " " : "", e ? "err " : "ok", e ? ename(e) : "");
	fflush(stdout);
}

struct job {
	int n, scoped, port;
	const char *ip;
	const struct netjail_rules *r;
	long ok, denied, other;
};

static void *
worker(void *p)
{
	struct job *j = p;

	if (j->scoped && enter(j->r) != 0) {
		j->other = -1;
		return NULL;
	}
	for (int i = 0; i < j->n; i++) {
		int e = conn(j->ip, j->port);

		if (e == 0 || e == ECONNREFUSED)
			j->ok++; /* got through to the kernel */
		else if (e == EACCES)
			j->denied++;
		else
			j->other++;
	}
	if (j->scoped)
		leave();
	return NULL;
}

static int
threads(int n, const char *ip, int port, const char *text)
{
	struct netjail_rules *r = rules(text, "threads");
	struct job jobs[8];
	pthread_t t[8];
	long ok[2] = { 0, 0 }, denied[2] = { 0, 0 }, other = 0;

	for (int i = 0; i < 8; i++) {
		jobs[i] =
		    (struct job){ .n = n, .scoped = i % 2 == 0, .port = port, .ip = ip, .r = r };
		pthread_create(&t[i], NULL, worker, &jobs[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok[jobs[i].scoped] += jobs[i].ok;
		denied[jobs[i].scoped] += jobs[i].denied;
		other += jobs[i].other;
	}
	printf("scoped ok %ld denied %ld; unscoped ok %ld denied %ld; other %ld\n", ok[1],
	    denied[1], ok[0], denied[0], other);
	return 0;
}

struct lam {
	const char *ip;
	int port, e;
	const struct netjail_rules *r;
};

static void *
runtime(void *p)
{
	struct lam *l = p;

	l->e = conn(l->ip, l->port); /* the runtime client's poll: the process rules alone */
	return NULL;
}

static void *
handler(void *p)
{
	struct lam *l = p;

	if (enter(l->r) != 0) {
		l->e = errno;
		return NULL;
	}
	l->e = conn(l->ip, l->port); /* a forged request to the Runtime API */
	leave();
	return NULL;
}

static int
lambda(const char *ip, int port)
{
	struct lam rt = { ip, port, -1, NULL },
	           h = { ip, port, -1, rules("allow @public\n", "handler") };
	pthread_t a, b;

	pthread_create(&a, NULL, runtime, &rt);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, handler, &h);
	pthread_join(b, NULL);
	result("runtime", rt.e);
	result("handler", h.e);
	return 0;
}

static int
errors(void)
{
	struct netjail_rules *r = rules("allow any\n", "e"), bad = *r;
	int i;

	result("leave-none", leave() == 0 ? 0 : errno);
	bad.magic = 0;
	result("bad-magic", enter(&bad) == 0 ? 0 : errno);
	bad = *r;
	bad.abi = NETJAIL_ABI + 1;
	result("bad-abi", enter(&bad) == 0 ? 0 : errno);
	result("null", enter(NULL) == 0 ? 0 : errno);
	result("bad-rules", enter(rules("allow @nosuch\n", "e")) == 0 ? 0 : errno);
	for (i = 0; i < 16; i++)
		if (enter(r) != 0)
			break;
	result("sixteen", i == 16 ? 0 : errno);
	result("seventeen", enter(r) == 0 ? 0 : errno);
	while (leave() == 0)
		;
	return 0;
}

int
main(int argc, char **argv)
{
	const struct netjail_rules *s[20];
	int ns = 0, i = 1;

	enter = (int (*)(const struct netjail_rules *))dlsym(RTLD_DEFAULT, "netjail_scope_enter");
	leave = (int (*)(void))dlsym(RTLD_DEFAULT, "netjail_scope_leave");
	if (enter == NULL || leave == NULL) {
		printf("no-shim\n");
		return 3;
	}
	while (i + 1 < argc && strcmp(argv[i], "-s") == 0 && ns < 20) {
		s[ns++] = rules(argv[i + 1], "test");
		i += 2;
	}
	if (i >= argc)
		return 2;
	if (strcmp(argv[i], "threads") == 0 && argc - i == 5)
		return threads(num(argv[i + 1]), argv[i + 2], num(argv[i + 3]), argv[i + 4]);
	if (strcmp(argv[i], "lambda") == 0 && argc - i == 3)
		return lambda(argv[i + 1], num(argv[i + 2]));
	if (strcmp(argv[i], "errors") == 0)
		return errors();
	for (int k = 0; k < ns; k++) {
		if (enter(s[k]) != 0) {
			result("enter", errno);
			return 1;
		}
	}
	if (strcmp(argv[i], "connect") == 0 && argc - i == 3) {
		result("", conn(argv[i + 1], num(argv[i + 2])));
	} else if (strcmp(argv[i], "resolve") == 0 && argc - i == 2) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
		int rc = getaddrinfo(argv[i + 1], "80", &hints, &ai);

		printf(rc ? "err %s\n" : "ok\n", gai_strerror(rc));
	} else if (strcmp(argv[i], "fork") == 0 && argc - i == 3) {
		pid_t p = fork();
		int st;

		if (p == 0) {
			result("child", conn(argv[i + 1], num(argv[i + 2])));
			_exit(0);
		}
		waitpid(p, &st, 0);
		for (int k = 0; k < ns; k++)
			leave();
		result("parent", conn(argv[i + 1], num(argv[i + 2])));
	} else if (strcmp(argv[i], "exec") == 0 && argc - i >= 2) {
		execv(argv[i + 1], argv + i + 1);
		result("exec", errno);
		return 1;
	} else {
		return 2;
	}
	for (int k = 0; k < ns; k++)
		leave();
	return 0;
}
