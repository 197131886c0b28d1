/* webhook-sender.c - deliver a webhook to each target on the command line, the way a server
 * that sends webhooks to addresses its users typed should: through netjail.
 *
 *     webhook-sender IP:PORT | [IPv6]:PORT ...
 *
 * Build against the installed library:
 *
 *     cc -o webhook-sender webhook-sender.c $(pkg-config --cflags --libs netjail)
 *
 * The rules ("allow @public": the internet, nothing internal) are parsed once.  Each delivery
 * is socket() + netjail_connect(), so a target that points inside (127.0.0.1, 0.0.0.0,
 * 169.254.169.254, 10.x, ::ffff:127.0.0.1, 64:ff9b::7f00:1) is refused with EACCES before a
 * packet leaves.  Targets are numeric here; a real sender resolves the name first and hands
 * each answer to netjail_connect the same way.
 *
 * When the program also runs under libnetjail.so (netjail run), each delivery runs inside a
 * scope of the same rules (netjail_scope_enter/leave), so whatever else the delivery does on
 * this thread - follow a redirect with plain connect(), resolve a name, start a helper - is
 * held to them as well as to the process rules.  Without the preload those two functions do
 * not exist, dlsym finds nothing, and the program works the same.
 *
 * Exit status: 0 every delivery made; 1 one or more refused or failed; 2 usage.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netjail.h>

static const char policy[] = "allow @public\n";

/* The scope functions of libnetjail.so, when it is loaded. */
static int (*scope_enter)(const struct netjail_rules *);
static int (*scope_leave)(void);

static void
find_scopes(void)
{
	scope_enter = (int (*)(const struct netjail_rules *))dlsym(RTLD_DEFAULT,
	    "netjail_scope_enter");
	scope_leave = (int (*)(void))dlsym(RTLD_DEFAULT, "netjail_scope_leave");
	if (scope_enter == NULL || scope_leave == NULL)
		scope_enter = NULL, scope_leave = NULL;
}

/* "1.2.3.4:80" or "[2001:db8::1]:443" into *ss.  Returns its length, or 0 when malformed. */
static socklen_t
parse_target(const char *s, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t n;
	char *end;
	long port;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0 || n >= sizeof(host))
		return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return 0;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[n - 1] == ']') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return 0;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return 0;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return sizeof(*in);
	}
}

/* One delivery: connect through the rules, send the payload.  Returns 0 or -1 (said why). */
static int
deliver(const struct netjail_rules *rules, const char *target, const struct sockaddr_storage *ss,
    socklen_t len)
{
	static const char body[] = "{\"event\":\"ping\"}";
	char req[256], why[300];
	int fd, n;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "webhook-sender: %s: socket: %s\n", target, strerror(errno));
		return -1;
	}
	if (netjail_connect(rules, fd, (const struct sockaddr *)ss, len) != 0) {
		int e = errno;

		/* our rules said no: say which, and what would allow it (an EACCES they did
		 * not cause is libnetjail.so's, which logs its own reason) */
		if (e == EACCES &&
		    netjail_explain(rules, (const struct sockaddr *)ss, len, NETJAIL_PROTO_TCP, why,
		        sizeof(why)) == 0) {
			fprintf(stderr, "webhook-sender: %s: refused: %s (%s)\n", target,
			    strerror(e), why);
		} else {
			fprintf(stderr, "webhook-sender: %s: connect: %s\n", target, strerror(e));
		}
		close(fd);
		return -1;
	}
	n = snprintf(req, sizeof(req),
	    "POST / HTTP/1.0\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s",
	    sizeof(body) - 1, body);
	/* the far side may close at once: no SIGPIPE, and the delivery was made */
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
		fprintf(stderr, "webhook-sender: %s: send: %s\n", target, strerror(errno));
	close(fd);
	printf("%s: delivered\n", target);
	return 0;
}

int
main(int argc, char **argv)
{
	struct netjail_rules *rules;
	struct netjail_error err;
	int failed = 0;

	if (argc < 2) {
		fputs("usage: webhook-sender IP:PORT | [IPv6]:PORT ...\n", stderr);
		return 2;
	}
	if (netjail_rules_parse(policy, strlen(policy), "webhook-sender", &rules, &err) != 0) {
		fprintf(stderr, "webhook-sender: %s\n", err.message);
		return 1;
	}
	find_scopes();
	if (scope_enter)
		fputs("webhook-sender: libnetjail.so is loaded: each delivery runs in a scope\n",
		    stderr);
	for (int i = 1; i < argc; i++) {
		struct sockaddr_storage ss;
		socklen_t len = parse_target(argv[i], &ss);

		if (len == 0) {
			fprintf(stderr, "webhook-sender: %s: expected IP:PORT or [IPv6]:PORT\n",
			    argv[i]);
			failed = 1;
			continue;
		}
		/* fail closed: a scope that cannot be entered stops this delivery */
		if (scope_enter && scope_enter(rules) != 0) {
			fprintf(stderr, "webhook-sender: %s: cannot enter a netjail scope: %s\n",
			    argv[i], strerror(errno));
			failed = 1;
			continue;
		}
		if (deliver(rules, argv[i], &ss, len) != 0)
			failed = 1;
		if (scope_leave && scope_leave() != 0) {
			fprintf(stderr, "webhook-sender: cannot leave the netjail scope: %s\n",
			    strerror(errno));
			failed = 1;
			break; /* the thread's scopes are not what we think: stop here */
		}
	}
	netjail_rules_free(rules); /* after the last scope is left: it must outlive it */
	return failed;
}
