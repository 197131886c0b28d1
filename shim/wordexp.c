/* wordexp.c - interposed wordexp: the shell a command substitution runs stays jailed.
 *
 * glibc runs "/bin/sh -c CMD" for each $(CMD) or `CMD` through its internal posix_spawn,
 * which no wrapper sees, with the process's environment and no other.  When that environment
 * has lost the jail (clearenv), the shell would start unjailed.  Unlike system(), the
 * command cannot be rewritten: it is found by wordexp's own parser, inside quotes, nested
 * substitutions and ${x:-...} defaults, and one missed would run unjailed.  So the jail's
 * variables are put into the environment for the call, the way the shell will read them:
 * environ points to a copy that carries them (the program's strings, the start-up
 * NETJAIL_* values, us first in LD_PRELOAD) and is pointed back afterwards.
 *
 * That is safe only while no other thread runs: another thread could read environ while it
 * points to the copy (getenv, or an exec taking environ) or change it meanwhile (setenv);
 * glibc itself never changes environ around a call (where its wordexp needs another
 * environment for the shell, without IFS, it hands it a copy).  So in a process that has
 * started a thread, a command substitution is refused instead, as WRDE_NOCMD refuses it
 * (WRDE_CMDSUB, and a log line), unless audit mode lets it run unjailed.  The refusal is
 * glibc's own: the call is made with WRDE_NOCMD added, so the caller's wordexp_t ends as
 * glibc leaves it.
 *
 * Within the call, $LD_PRELOAD and $NETJAIL_* expand to the jail's values, as the shell
 * sees them (system()'s shell sees them too).  Not on the vfork path: allocating is fine. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>
#ifdef __GLIBC__
#include <sys/single_threaded.h>
#else
/* musl does not say whether a thread was ever started: as though one had (the copy of the
 * environment is then used only when no substitution runs; see above) */
#define __libc_single_threaded 0
#endif

#include "shim/shim.h"

extern char **environ;

typedef int (*wordexp_fn)(const char *, wordexp_t *, int);

/* Looked up on the first call, not at start-up: every jailed process pays for a symbol looked
 * up there, and few call wordexp. */
static wordexp_fn
real_wordexp(void)
{
	static wordexp_fn fn;
	wordexp_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);

	if (f == NULL) {
		void *p = dlsym(RTLD_NEXT, "wordexp");

		memcpy(&f, &p, sizeof(f)); /* dlsym returns void *: copied, not cast */
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	return f;
}

/* Can words run a command?  Only through "$(" or "`" in the text itself: wordexp never reads
 * a variable's value as words. */
static int
mentions_command(const char *words)
{
	return words && (strchr(words, '`') || strstr(words, "$("));
}

/* Would words run a command substitution?  Asked of wordexp itself, with WRDE_NOCMD, into a
 * wordexp_t of our own: the caller's is not touched. */
static int
substitutes(wordexp_fn real, const char *words, int flags)
{
	wordexp_t w;
	int rc;

	memset(&w, 0, sizeof(w));
	rc = real(words, &w, (flags & ~(WRDE_APPEND | WRDE_DOOFFS | WRDE_REUSE)) | WRDE_NOCMD);
	wordfree(&w);
	return rc == WRDE_CMDSUB;
}

/* The call with environ pointing to env for its duration (one thread only: see above). */
static int
with_environ(wordexp_fn real, char *const *env, const char *words, wordexp_t *we, int flags)
{
	char **saved = environ;
	int rc;

	environ = (char **)env;
	rc = real(words, we, flags);
	environ = saved;
	return rc;
}

NJ_EXPORT int
wordexp(const char *words, wordexp_t *we, int flags)
{
	wordexp_fn real = real_wordexp();
	struct nj_childenv *ce;
	char *const *env;
	int saved = errno, rc, go;

	nj_shim();
	if (real == NULL) {
		errno = EACCES;
		return WRDE_NOSPACE;
	}
	if ((flags & WRDE_NOCMD) || !mentions_command(words))
		return real(words, we, flags);
	/* the shell must be one the preload can follow, as for system() (logged if not) */
	if ((go = nj_exec_check("wordexp", AT_FDCWD, "/bin/sh", 0)) == 0) {
		errno = saved;
		return real(words, we, flags | WRDE_NOCMD);
	}
	/* the environment with the jail put back, or the process's own when it still has it */
	if ((ce = malloc(sizeof(*ce))) == NULL)
		return real(words, we, flags | WRDE_NOCMD);
	env = nj_child_env(environ, ce, go == 2); /* logged when it cannot be done */
	if (env == NULL || env == environ) {
		free(ce);
		errno = saved;
		return real(words, we, env ? flags : flags | WRDE_NOCMD);
	}
	errno = saved;
	if (__libc_single_threaded) {
		rc = with_environ(real, env, words, we, flags);
	} else if (!substitutes(real, words, flags)) {
		rc = real(words, we, flags);
	} else if (nj_deny_msg("wordexp", NJ_WHY_UNCHECKABLE, "/bin/sh",
	               "a command substitution would start it without the jail: the "
	               "environment has lost it, and with other threads running it cannot "
	               "be put back for the call")) {
		errno = saved;
		rc = real(words, we, flags); /* audit mode */
	} else {
		errno = saved;
		rc = real(words, we, flags | WRDE_NOCMD);
	}
	saved = errno;
	free(ce);
	errno = saved;
	return rc;
}
