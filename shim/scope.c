/* scope.c - per-thread scopes: netjail_scope_enter/leave (netjail.h), and the scopes a
 * program inherits from the thread that started it (NETJAIL_SCOPES).
 *
 * A scope can only narrow: while one is active on a thread, a destination must pass the
 * process rules and every active scope's rules (nj_allowed, shim.h).  The struct netjail_rules
 * comes from the program's own copy of the engine (libnetjail-rules), maybe another build:
 * we read only its stable header (lib/api.h) and parse its text again with ours, keeping
 * the parsed sets in a small cache so a scope per request costs a lookup, not a parse.
 *
 * Entering and leaving allocate and take a lock: call them from normal code, not from a
 * signal handler.  Reading the scopes (every checked call) takes nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/api.h"
#include "shim/shim.h"

NJ_TLS int nj_scope_depth;
NJ_TLS struct nj_scope_frame nj_scope_stack[NJ_SCOPE_MAX];

#define SEP "\n--\n" /* between the sets of a NETJAIL_SCOPES value */
#define CACHE_MAX 64 /* distinct rule texts kept parsed; more are parsed each time */

/* Allocated at the first scope (most programs never enter one): as a static array it would
 * be bss that pushes the shim's start-up data over one page, a page fault in every process. */
static struct cached {
	char *text;
	size_t len;
	struct nj_rules *rules;
} * cache;
static size_t ncache;

/* The cache's lock: init.c's guard, released to 0 (fork-safe the same way). */
static long lock_;

static void
lock(void)
{
	nj_take(&lock_);
}

static void
unlock(void)
{
	__atomic_store_n(&lock_, 0, __ATOMIC_RELEASE);
}

/* Parse one set; file names it in log lines.  0 or -errno, diagnostics in d (may be NULL). */
static int
parse(const char *text, size_t len, const char *file, const struct nj_sys *sys,
    struct nj_rules **ret, struct nj_diags *d)
{
	struct nj_sys own;
	int rc;

	if (sys == NULL) {
		if (nj_sys_gather(&own) != 0)
			return -ENOMEM;
		rc = nj_rules_parse(text, len, file, &own, ret, d);
		nj_sys_free(&own);
		return rc;
	}
	return nj_rules_parse(text, len, file, sys, ret, d);
}

/* The parsed set for text: from the cache, or parsed now (*ret_owned set when the cache is
 * full and the caller must free it).  0 or -errno. */
static int
rules_for(const struct netjail_rules *api, const struct nj_rules **ret, struct nj_rules **ret_owned)
{
	char file[128];
	struct nj_buf b = { file, sizeof(file), 0 };
	struct nj_rules *r;
	int rc = 0;

	*ret_owned = NULL;
	lock();
	for (size_t i = 0; i < ncache; i++) {
		if (cache[i].len == api->len && memcmp(cache[i].text, api->text, api->len) == 0) {
			*ret = cache[i].rules;
			unlock();
			return 0;
		}
	}
	nj_buf_str(&b, "scope ");
	nj_buf_str(&b, api->name && *api->name ? api->name : "(unnamed)");
	nj_buf_mem(&b, "", 0);
	if ((rc = parse(api->text, api->len, file, NULL, &r, NULL)) != 0) {
		unlock();
		return rc == -EINVAL ? -EINVAL : rc;
	}
	if (cache == NULL)
		cache = calloc(CACHE_MAX, sizeof(*cache));
	if (cache && ncache < CACHE_MAX && (cache[ncache].text = malloc(api->len + 1)) != NULL) {
		memcpy(cache[ncache].text, api->text, api->len + 1);
		cache[ncache].len = api->len;
		cache[ncache].rules = r;
		__atomic_store_n(&ncache, ncache + 1, __ATOMIC_RELEASE);
	} else {
		*ret_owned = r;
	}
	*ret = r;
	unlock();
	return 0;
}

/* "NETJAIL_SCOPES=" + what is in force below this frame + SEP + text: what a child started
 * inside the new scope inherits. */
static char *
child_entry(const struct nj_config *c, const char *text, size_t len)
{
	const char *below = nj_env_entry(c, NJ_ENV_SCOPES);
	size_t name = strlen(nj_env_names[NJ_ENV_SCOPES]);
	size_t n;
	char *e;

	struct nj_buf b;

	below = below[0] ? below + name : "";
	n = name + strlen(below) + sizeof(SEP) + len;
	if ((e = malloc(n)) == NULL)
		return NULL;
	b.p = e, b.size = n, b.len = 0;
	nj_buf_str(&b, nj_env_names[NJ_ENV_SCOPES]);
	if (below[0]) {
		nj_buf_str(&b, below);
		nj_buf_str(&b, SEP);
	}
	nj_buf_mem(&b, text, len);
	nj_buf_mem(&b, "", 0);
	return e;
}

NJ_EXPORT int
netjail_scope_enter(const struct netjail_rules *api)
{
	const struct nj_config *c = nj_shim();
	struct nj_scope_frame f;
	int saved = errno, rc;

	if (api == NULL || api->magic != NJ_API_MAGIC || api->abi != NETJAIL_ABI ||
	    api->text == NULL || strlen(api->text) != api->len)
		return errno = EINVAL, -1;
	if (nj_scope_depth >= NJ_SCOPE_MAX)
		return errno = ENOSPC, -1;
	if ((rc = rules_for(api, &f.rules, &f.owned)) != 0)
		return errno = -rc, -1;
	if ((f.env = child_entry(c, api->text, api->len)) == NULL) {
		nj_rules_free(f.owned);
		return errno = ENOMEM, -1;
	}
	/* the frame is whole before the depth says it is there: a signal handler on this
	 * thread sees either the old stack or the new one */
	nj_scope_stack[nj_scope_depth] = f;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	nj_scope_depth++;
	/* the socket type now matters to a rule set in force: from here on every thread looks
	 * it up (one flag for all keeps the common path free of a per-thread read) */
	if (nj_rules_use_proto(f.rules))
		__atomic_store_n(&nj_config_.use_proto, 1, __ATOMIC_RELAXED);
	errno = saved;
	return 0;
}

NJ_EXPORT int
netjail_scope_leave(void)
{
	struct nj_scope_frame f;

	if (nj_scope_depth <= 0)
		return errno = EINVAL, -1;
	f = nj_scope_stack[nj_scope_depth - 1];
	nj_scope_depth--;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	free(f.env);
	nj_rules_free(f.owned);
	return 0;
}

int
nj_scopes_allow(const struct nj_dest *d, const struct nj_rules **ret)
{
	for (size_t i = 0; i < nj_config_.nextra; i++) {
		if (!nj_decide(nj_config_.extra[i], d, NULL)) {
			if (ret)
				*ret = nj_config_.extra[i];
			return 0;
		}
	}
	for (int i = 0; i < nj_scope_depth; i++) {
		if (!nj_decide(nj_scope_stack[i].rules, d, NULL)) {
			if (ret)
				*ret = nj_scope_stack[i].rules;
			return 0;
		}
	}
	return 1;
}

int
nj_exec_allowed_all(const char *path)
{
	if (!nj_exec_allowed(nj_rules_now(), path))
		return 0;
	for (size_t i = 0; i < nj_config_.nextra; i++)
		if (!nj_exec_allowed(nj_config_.extra[i], path))
			return 0;
	for (int i = 0; i < nj_scope_depth; i++)
		if (!nj_exec_allowed(nj_scope_stack[i].rules, path))
			return 0;
	return 1;
}

NJ_CHILD_CODE const char *
nj_env_entry(const struct nj_config *c, size_t k)
{
	if (k == NJ_ENV_SCOPES && nj_scope_depth > 0)
		return nj_scope_stack[nj_scope_depth - 1].env;
	return c->env[k];
}

int
nj_scopes_inherit(struct nj_config *c, const char *value, const struct nj_sys *sys,
    struct nj_diags *d, const char **ret_name)
{
	static char(*names)[32]; /* the sets' names, kept with them (see cache) */
	const char *p = value;

	if (names == NULL && (names = calloc(NJ_SCOPE_MAX, sizeof(*names))) == NULL) {
		*ret_name = "NETJAIL_SCOPES";
		return -ENOMEM;
	}

	for (size_t i = 0;; i++) {
		const char *end = strstr(p, SEP);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct nj_buf b = { names[i < NJ_SCOPE_MAX ? i : 0], sizeof(names[0]), 0 };
		struct nj_rules *r;
		int rc;

		if (i >= NJ_SCOPE_MAX) {
			*ret_name = "NETJAIL_SCOPES";
			return -E2BIG;
		}
		nj_buf_str(&b, "NETJAIL_SCOPES[");
		nj_buf_uint(&b, (unsigned long)i + 1);
		nj_buf_str(&b, "]");
		nj_buf_mem(&b, "", 0);
		*ret_name = names[i];
		if ((rc = parse(p, len, names[i], sys, &r, d)) != 0)
			return rc;
		c->extra[i] = r;
		c->nextra = i + 1;
		c->use_proto |= nj_rules_use_proto(r);
		if (end == NULL)
			return 0;
		p = end + strlen(SEP);
	}
}
