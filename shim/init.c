/* init.c - start-up: resolve the real functions, read NETJAIL_*; load the rules once, on first use. */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "shim/shim.h"
#include "sys/raw.h"

struct nj_real nj_real;
NJ_TLS int nj_in_resolver;

char nj_env_names[NJ_NENV][24] = { "NETJAIL_RULES=", "NETJAIL_LOG=", "NETJAIL_MODE=",
	"NETJAIL_SCOPES=", "NETJAIL_LOG_FORMAT=", "NETJAIL_SUPERVISED=", "NETJAIL_SNAPSHOT=" };
char nj_empty[1];
struct nj_config nj_config_ = { .rules_path = nj_empty,
	.shim_path = nj_empty,
	.env = { nj_empty, nj_empty, nj_empty, nj_empty, nj_empty, nj_empty, nj_empty } };
static const struct nj_config denyall = { .log = { .dest = NJ_LOG_STDERR },
	.prog = "?",
	.rules_path = "",
	.shim_path = "",
	.env = { "", "", "", "", "", "", "" } };

/*
 * The once-guards below hold 0 (not started), 2 (done) or, while one thread works, that
 * thread's process id shifted left by two, plus one.  A child forked while another thread of
 * its parent held a guard has no such thread: waiting for it would hang forever, so the child
 * sees a process id that is not its own, takes the guard over and does the work itself.  The
 * thread that initialises marks itself, so that a call it makes (or a signal handler it runs)
 * while initialising is denied instead of waiting for itself.
 */
long nj_state_;
static NJ_TLS int initialising;

__attribute__((hot)) int
nj_take(long *state)
{
	long me = (NJ_SYS(SYS_getpid, 0, 0, 0, 0) << 2) | 1; /* getpid(), without a page of libc */

	for (;;) {
		long v = 0;

		if (__atomic_compare_exchange_n(state, &v, me, 0, __ATOMIC_ACQ_REL,
		        __ATOMIC_ACQUIRE))
			return 1;
		if (v == 2)
			return 0;
		if ((v >> 2) != (me >> 2)) {
			/* held by a thread of the process we were forked from */
			__atomic_compare_exchange_n(state, &v, 0, 0, __ATOMIC_ACQ_REL,
			    __ATOMIC_ACQUIRE);
			continue;
		}
		sched_yield(); /* another thread of ours is at it: wait for it */
	}
}

extern char *program_invocation_short_name;
extern char **environ;

/* strlen, without a call into libc: start-up code here runs in every process (/bin/true
 * too), and each page of libc or of our .rodata it touches that the program would not is a
 * page fault, which costs more than the work itself. */
__attribute__((hot)) static size_t
len(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

__attribute__((hot)) static void
copy(char *dst, size_t size, const char *src)
{
	size_t n = len(src);

	if (n >= size)
		n = size - 1;
	nj_copy_bytes(dst, src, n);
	dst[n] = '\0';
}

/* The names to look up, with where each pointer goes.  Not const: in .data, on the page the
 * constructor writes anyway, instead of a page of .rodata that every process would fault in
 * for nothing but these strings. */
static struct {
	char name[18];
	unsigned char off; /* offsetof(struct nj_real, the field) */
} real_names[] = {
/* clang-format off */
#define R(field) { #field, offsetof(struct nj_real, field) }
	R(socket), R(connect), { "__connect", offsetof(struct nj_real, connect_) }, R(sendto),
	R(sendmsg),
	R(sendmmsg), R(syscall), R(getaddrinfo), R(freeaddrinfo), R(gethostbyname),
	R(gethostbyname2), R(gethostbyname_r), R(gethostbyname2_r), R(execve), R(execveat),
	R(fexecve), R(execvpe), R(posix_spawn), R(posix_spawnp), R(system), R(popen),
#undef R
	/* clang-format on */
};
_Static_assert(sizeof(struct nj_real) <= 256, "real_names[].off is one byte");

__attribute__((hot)) static void
resolve_real(void)
{
	for (size_t i = 0; i < sizeof(real_names) / sizeof(real_names[0]); i++) {
		void *p = dlsym(RTLD_NEXT, real_names[i].name);

		/* dlsym returns void *: copied into the function pointer, not cast */
		memcpy((char *)&nj_real + real_names[i].off, &p, sizeof(p));
	}
	if (nj_real.connect_ == NULL)
		nj_real.connect_ = nj_real.connect;
}

/* The NETJAIL_* variables, copied at start-up: the program may change its environment later
 * (setenv, clearenv, a setproctitle that overwrites the strings in place), and neither the
 * rules we load on first use nor what children inherit may follow it.  Each is kept as the
 * "NAME=value" entry a child gets back: in envbuf, or allocated when it does not fit; one
 * that could not be kept (no memory) is "lost", and the setting it carried denies. */
static char envbuf[912]; /* small, so that all the shim's writable data fits one page
				 * (scripts/check-layout); longer values are allocated */
static int env_lost[NJ_NENV];

/* The words NETJAIL_MODE takes, in .data for the reason nj_env_names is. */
static char words[2][8] = { "audit", "enforce" };
enum { W_AUDIT, W_ENFORCE };

/* The value of entry i ("" for NAME=), or NULL when unset. */
__attribute__((hot)) static const char *
env_value(size_t i)
{
	return nj_config_.env[i][0] ? nj_config_.env[i] + len(nj_env_names[i]) : NULL;
}

/* The value of ENTRY ("NAME=", n bytes) in the environment, or NULL: what secure_getenv
 * returns, read without libc (see len).  The first entry of a name counts, as in getenv. */
__attribute__((hot)) static const char *
lookup(char *const *env, const char *entry, size_t n)
{
	for (; env && *env; env++)
		if (nj_starts(*env, entry))
			return *env + n;
	return NULL;
}

__attribute__((hot)) static void
remember_env(void)
{
	char(*names)[24] = nj_env_names;
	size_t used = 0;
	Dl_info info;
	char *abs;

	if (dladdr((void *)&nj_shim, &info) && info.dli_fname) {
		if (info.dli_fname[0] == '/')
			nj_config_.shim_path = info.dli_fname; /* the loader keeps it */
		else if ((abs = realpath(info.dli_fname, NULL)) != NULL)
			nj_config_.shim_path = abs; /* kept for the life of the process */
		nj_config_.shim_unloadable = !nj_preload_entry_ok(nj_config_.shim_path);
	}
	if (getauxval(AT_SECURE))
		return; /* secure execution (setuid and the like): as secure_getenv, none set */
	for (size_t i = 0; i < NJ_NENV; i++) {
		size_t n = len(names[i]);
		const char *v = lookup(environ, names[i], n);
		size_t vn;
		char *e;

		if (v == NULL)
			continue;
		vn = len(v);
		if (i != NJ_ENV_SCOPES && used + n + vn + 1 <= sizeof(envbuf)) {
			e = envbuf + used;
			used += n + vn + 1;
		} else if ((e = malloc(n + vn + 1)) == NULL) {
			/* scopes (rules text, maybe long, and rare) and long paths get their own
			 * copy; without memory it is lost, and denies */
			env_lost[i] = 1;
			continue;
		}
		nj_copy_bytes(e, names[i], n);
		nj_copy_bytes(e + n, v, vn + 1);
		nj_config_.env[i] = e;
	}
}

__attribute__((hot)) static void
read_env(void)
{
	const char *log = env_value(1);
	const char *mode = env_value(2);
	const char *format = env_value(NJ_ENV_FORMAT);
	const char *name = program_invocation_short_name;

	copy(nj_config_.prog, sizeof(nj_config_.prog), name && *name ? name : "?");
	if (nj_log_set_dest(&nj_config_.log, log) != 0 || env_lost[1])
		nj_log_problem(NJ_REC_WARNING, NJ_WHY_SETTING, NULL, 0, 0,
		    "NETJAIL_LOG must be "
		    "stderr, off or an absolute path",
		    "logging to stderr");
	if (mode && nj_streq(mode, words[W_AUDIT])) {
		nj_config_.audit = nj_config_.log.audit = 1;
	} else if ((mode && *mode && !nj_streq(mode, words[W_ENFORCE])) || env_lost[2]) {
		nj_log_problem(NJ_REC_WARNING, NJ_WHY_SETTING, NULL, 0, 0,
		    "NETJAIL_MODE must be "
		    "enforce or audit",
		    "enforcing");
	}
	if (nj_log_set_format(&nj_config_.log, format) != 0 || env_lost[NJ_ENV_FORMAT])
		nj_log_problem(NJ_REC_WARNING, NJ_WHY_SETTING, NULL, 0, 0,
		    "NETJAIL_LOG_FORMAT "
		    "must be text or json",
		    "writing text");
}

/* The first error of a failed load as one record. */
static void
report(const char *path, const struct nj_diags *d, int rc)
{
	const struct nj_diag *g = d && d->n ? &d->v[0] : NULL;

	nj_log_problem(NJ_REC_ERROR, NJ_WHY_RULES_ERROR, path, g ? g->line : 0, g ? g->col : 0,
	    g ? g->msg : strerror(-rc), "denying all network access");
}

/* The scopes the program was started inside: all of them parse, or none is kept (and the
 * caller denies everything). */
static int
inherit(const char *value, const struct nj_sys *sys)
{
	struct nj_diags d = { .max = 1 };
	const char *name = "NETJAIL_SCOPES";
	int rc = nj_scopes_inherit(&nj_config_, value, sys, &d, &name);

	if (rc != 0) {
		report(name, &d, rc);
		for (size_t i = 0; i < nj_config_.nextra; i++)
			nj_rules_free((struct nj_rules *)nj_config_.extra[i]);
		nj_config_.nextra = 0;
	}
	nj_diags_free(&d);
	return rc;
}

/* The rules of this process: the tree's snapshot when netjail run gave one (NETJAIL_SNAPSHOT:
 * shared, never parsed here), else NETJAIL_RULES through the snapshot cache.  A snapshot that
 * changed since the tree started denies; one that cannot be opened (the process changed
 * user) is replaced by NETJAIL_RULES only while that file's content is still the
 * snapshot's. */
static int
load_set(const char *path, const struct nj_sys *sys, struct nj_rules **r, struct nj_diags *d,
    const char **ret_msg)
{
	const char *v = env_value(NJ_ENV_SNAPSHOT), *why = "";
	struct nj_snap *s;
	int rc;

	*ret_msg = NULL;
	if (env_lost[NJ_ENV_SNAPSHOT])
		return *ret_msg = "NETJAIL_SNAPSHOT could not be kept (out of memory)", -ENOMEM;
	if ((s = malloc(sizeof(*s))) == NULL)
		return -ENOMEM;
	if (v == NULL || *v == '\0') {
		rc = nj_rules_load_cached(path, sys, r, d, s);
	} else if (nj_snap_parse(v, s) != 0) {
		*ret_msg = "NETJAIL_SNAPSHOT is malformed";
		rc = -EINVAL;
	} else if ((rc = nj_snap_map(s, sys, r, &why)) == -ESTALE) {
		*ret_msg = "the policy snapshot changed since netjail run started this tree";
	} else if (rc != 0 && rc != -ENOMEM) {
		/* (its -ESTALE says "changed since the tree started") */
		rc = nj_rules_load_keyed(path, s->key, sys, r, d);
	}
	free(s);
	return rc;
}

static void
load_rules(void)
{
	const char *path = env_value(0);
	struct nj_diags d = { .max = 1 };
	struct nj_rules *r = NULL;
	struct nj_sys sys;
	const char *msg;
	int rc;

	if (env_lost[0]) {
		nj_log_problem(NJ_REC_ERROR, NJ_WHY_RULES_ERROR, NULL, 0, 0,
		    "NETJAIL_RULES could "
		    "not be kept (out of memory)",
		    "denying all network access");
		return;
	}
	if (path == NULL || *path == '\0') {
		nj_log_problem(NJ_REC_ERROR, NJ_WHY_RULES_ERROR, NULL, 0, 0,
		    "NETJAIL_RULES is "
		    "not set",
		    "denying all network access");
		return;
	}
	nj_config_.rules_path = path;
	if (nj_sys_gather(&sys) != 0) {
		report(path, NULL, -ENOMEM);
		return;
	}
	rc = load_set(path, &sys, &r, &d, &msg);
	if (rc != 0 && msg) {
		nj_log_problem(NJ_REC_ERROR, NJ_WHY_RULES_ERROR, path, 0, 0, msg,
		    "denying all network access");
	} else if (rc != 0) {
		report(path, &d, rc);
	} else if (env_lost[NJ_ENV_SCOPES]) {
		report("NETJAIL_SCOPES", NULL, -ENOMEM);
		nj_rules_free(r);
	} else if (env_value(NJ_ENV_SCOPES) != NULL &&
	    (rc = inherit(env_value(NJ_ENV_SCOPES), &sys)) != 0) {
		nj_rules_free(r);
	} else {
		struct nj_ip *res;

		if (nj_rules_allow_count(r) == 0)
			nj_log_problem(NJ_REC_WARNING, NJ_WHY_SETTING, NULL, 0, 0, "no allow rules",
			    "every destination is denied");
		nj_config_.use_proto |= nj_rules_use_proto(r);
		nj_config_.has_hosts = nj_rules_host_count(r) == 0 ? 0 :
		    nj_supervised()                                ? NJ_HOSTS_SUPERVISED :
		                                                     1;
		res = sys.nresolvers ? malloc(sys.nresolvers * sizeof(*res)) : NULL;
		for (size_t i = 0; res && i < sys.nresolvers; i++)
			res[i] = sys.resolvers[i].ip;
		nj_config_.sysres = res; /* (without memory none is exempt: judged instead) */
		nj_config_.nsysres = res ? sys.nresolvers : 0;
		nj_config_.rules = r;
	}
	nj_sys_free(&sys);
	nj_diags_free(&d);
}

__attribute__((hot)) static void
init(void)
{
	int saved = errno;

	initialising = 1;
	nj_jailable_init();
	resolve_real();
	remember_env();
	read_env();
	initialising = 0;
	__atomic_store_n(&nj_state_, 2, __ATOMIC_RELEASE);
	errno = saved;
}

__attribute__((hot)) const struct nj_config *
nj_shim_slow(void)
{
	if (__atomic_load_n(&nj_state_, __ATOMIC_ACQUIRE) == 2)
		return &nj_config_;
	if (initialising)
		return &denyall; /* a call from inside our own start-up: deny */
	if (nj_take(&nj_state_))
		init();
	return &nj_config_;
}

/*
 * The rules load on first use, not at start-up: a process that never touches the network
 * (most of a CI job's processes: every fork + exec of a compiler or /bin/true) then never
 * pays for parsing a large policy.  The same once-guard as above: one thread loads, the
 * others wait; a call from inside the load on the same thread (a signal handler) is denied.
 */
long nj_rules_state_;
static NJ_TLS int rules_loading;

const struct nj_rules *
nj_rules_slow(void)
{
	if (__atomic_load_n(&nj_rules_state_, __ATOMIC_ACQUIRE) == 2)
		return nj_config_.rules;
	nj_shim();
	if (rules_loading)
		return NULL;
	if (nj_take(&nj_rules_state_)) {
		int saved = errno;

		rules_loading = 1;
		load_rules();
		rules_loading = 0;
		__atomic_store_n(&nj_rules_state_, 2, __ATOMIC_RELEASE);
		errno = saved;
	}
	return nj_config_.rules;
}

__attribute__((constructor)) static void
nj_constructor(void)
{
	nj_shim();
}
