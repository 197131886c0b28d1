/* init.c - start-up: resolve the real functions, read NETJAIL_*, load the rules once, publish. */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

struct nj_real nj_real;
NJ_TLS int nj_in_resolver;

static struct nj_config config;
static const struct nj_config denyall = { .logdest = NJ_LOG_STDERR, .prog = "?" };

/* 0 not started, 1 being initialised, 2 done.  The thread that initialises marks itself so
 * that a call it makes (or a signal handler it runs) while initialising is denied instead of
 * waiting for itself. */
static int state;
static NJ_TLS int initialising;

extern char *program_invocation_short_name;

static void
copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void *
real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void
resolve_real(void)
{
	/* dlsym returns void *; the casts through a union keep -Wpedantic-style tools quiet */
#define R(field, name) do { void *p = real(name); memcpy(&nj_real.field, &p, sizeof(p)); } \
	while (0)
	R(connect, "connect");
	R(connect_, "__connect");
	R(sendto, "sendto");
	R(sendmsg, "sendmsg");
	R(sendmmsg, "sendmmsg");
	R(syscall, "syscall");
	R(getaddrinfo, "getaddrinfo");
	R(freeaddrinfo, "freeaddrinfo");
	R(gethostbyname, "gethostbyname");
	R(gethostbyname2, "gethostbyname2");
	R(gethostbyname_r, "gethostbyname_r");
	R(gethostbyname2_r, "gethostbyname2_r");
#undef R
	if (nj_real.connect_ == NULL)
		nj_real.connect_ = nj_real.connect;
}

static void
read_env(void)
{
	const char *log = secure_getenv("NETJAIL_LOG");
	const char *mode = secure_getenv("NETJAIL_MODE");
	const char *name = program_invocation_short_name;

	copy(config.prog, sizeof(config.prog), name && *name ? name : "?");
	config.logdest = NJ_LOG_STDERR;
	if (log && strcmp(log, "off") == 0) {
		config.logdest = NJ_LOG_OFF;
	} else if (log && log[0] == '/') {
		config.logdest = NJ_LOG_FILE;
		copy(config.logpath, sizeof(config.logpath), log);
	} else if (log && *log && strcmp(log, "stderr") != 0) {
		nj_log_error("netjail: warning: NETJAIL_LOG must be stderr, off or an absolute "
		    "path; logging to stderr\n");
	}
	if (mode && strcmp(mode, "audit") == 0) {
		config.audit = 1;
	} else if (mode && *mode && strcmp(mode, "enforce") != 0) {
		nj_log_error("netjail: warning: NETJAIL_MODE must be enforce or audit; "
		    "enforcing\n");
	}
}

/* The first error of a failed load as one log line. */
static void
report(const char *path, const struct nj_diags *d, int rc)
{
	char line[512];
	const struct nj_diag *g = d && d->n ? &d->v[0] : NULL;
	int n;

	if (g && g->line)
		n = snprintf(line, sizeof(line), "netjail: error: %s:%u:%u: %s; denying all "
		    "network access\n", path, g->line, g->col, g->msg);
	else if (g)
		n = snprintf(line, sizeof(line), "netjail: error: %s: %s; denying all network "
		    "access\n", path, g->msg);
	else
		n = snprintf(line, sizeof(line), "netjail: error: %s: %s; denying all network "
		    "access\n", path, strerror(-rc));
	if (n > 0)
		nj_log_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void
load_rules(void)
{
	const char *path = secure_getenv("NETJAIL_RULES");
	struct nj_diags d = { .max = 1 };
	struct nj_rules *r = NULL;
	struct nj_sys sys;
	int rc;

	if (path == NULL || *path == '\0') {
		nj_log_error("netjail: error: NETJAIL_RULES is not set; denying all network "
		    "access\n");
		return;
	}
	copy(config.rules_path, sizeof(config.rules_path), path);
	if (nj_sys_gather(&sys) != 0) {
		report(path, NULL, -ENOMEM);
		return;
	}
	rc = nj_rules_load(path, &sys, &r, &d);
	nj_sys_free(&sys);
	if (rc != 0) {
		report(path, &d, rc);
	} else {
		int allow = 0;

		for (size_t i = 0; i < nj_rules_count(r); i++)
			allow |= nj_rule_action(r, (uint32_t)i) == NJ_ALLOW;
		if (!allow)
			nj_log_error("netjail: warning: no allow rules: every destination is "
			    "denied\n");
		config.rules = r;
	}
	nj_diags_free(&d);
}

static void
init(void)
{
	int saved = errno;

	initialising = 1;
	resolve_real();
	read_env();
	load_rules();
	initialising = 0;
	__atomic_store_n(&state, 2, __ATOMIC_RELEASE);
	errno = saved;
}

const struct nj_config *
nj_shim(void)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	if (__builtin_expect(s == 2, 1))
		return &config;
	if (initialising)
		return &denyall;	/* a call from inside our own start-up: deny */
	if (s == 0 && __atomic_compare_exchange_n(&state, &s, 1, 0, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE)) {
		init();
		return &config;
	}
	while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 2)
		sched_yield();	/* another thread is loading the rules: wait for them */
	return &config;
}

__attribute__((constructor)) static void
nj_constructor(void)
{
	nj_shim();
}
