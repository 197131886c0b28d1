/* child.c - what every way of starting a program shares: the sticky environment and the
 * check that the preload can follow the program.
 *
 * Both run in vfork children (dash, python and the JVM exec from them), so: stack memory
 * only, no allocation, no locks, no lazy symbol lookup. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"
#include "sys/raw.h"

extern char **environ;

#define envnames nj_env_names
#define NENV NJ_NENV
static char preload_name[] = "LD_PRELOAD="; /* in .data: see nj_env_names */
#define PRELOAD preload_name

/* Does the first entry of an LD_PRELOAD list (split on ':' and ' ', as the loader does)
 * name us?  Without libc, as nj_starts: env_ok() runs at every exec, often in a fork child,
 * where each libc string function it called would be one more page fault (see sys/exec.c). */
NJ_CHILD_CODE static int
first_is_us(const char *list, const char *us)
{
	while (*list == ':' || *list == ' ')
		list++;
	while (*us && *list == *us)
		list++, us++;
	return *us == '\0' && (*list == '\0' || *list == ':' || *list == ' ');
}

/* 1 when envp already carries what a child must inherit: us first in LD_PRELOAD and every
 * NETJAIL_* variable as it was at start-up (present once, same value; absent if unset). */
NJ_CHILD_CODE static int
env_ok(const struct nj_config *c, char *const envp[])
{
	int seen[NENV] = { 0 }, preload = 0;

	for (size_t i = 0; envp && envp[i]; i++) {
		if (nj_starts(envp[i], PRELOAD)) {
			if (preload++ || !first_is_us(envp[i] + sizeof(PRELOAD) - 1, c->shim_path))
				return 0;
			continue;
		}
		for (size_t k = 0; k < NENV; k++) {
			if (!nj_starts(envp[i], envnames[k]))
				continue;
			if (seen[k]++ || !nj_streq(envp[i], nj_env_entry(c, k)))
				return 0;
		}
	}
	if (!preload)
		return 0;
	for (size_t k = 0; k < NENV; k++)
		if (!seen[k] && nj_env_entry(c, k)[0] != '\0')
			return 0;
	return 1;
}

char *const *
nj_child_env(char *const envp[], struct nj_childenv *ce, int other)
{
	const struct nj_config *c = nj_shim();
	struct nj_buf pre = { ce->preload, sizeof(ce->preload), 0 };
	const char *others = NULL, *shim = c->shim_path, *drop = NULL;
	size_t n = 0;

	if (c->shim_path[0] == '\0') {
		nj_deny_msg("exec", NJ_WHY_UNCHECKABLE, "",
		    "the shim does not know its own path, so the child could "
		    "not be jailed");
		return NULL;
	}
	if (c->shim_unloadable) {
		nj_deny_msg("exec", NJ_WHY_UNCHECKABLE, "",
		    "the shim's path holds a space or a colon, where the loader splits "
		    "LD_PRELOAD: the child would run unjailed");
		return NULL;
	}
	if (other) {
		/* the other shim first, ours left out: that loader cannot load it */
		if (nj_shim_sibling(c->shim_path, ce->other, sizeof(ce->other)) != 0)
			goto toobig;
		shim = ce->other;
		drop = c->shim_path;
	} else if (env_ok(c, envp)) {
		return envp;
	}
	for (size_t i = 0; envp && envp[i]; i++) {
		int ours = 0;

		if (nj_starts(envp[i], PRELOAD)) {
			if (others == NULL)
				others = envp[i] + strlen(PRELOAD);
			continue;
		}
		for (size_t k = 0; k < NENV && !ours; k++)
			ours = nj_starts(envp[i], envnames[k]);
		if (ours)
			continue;
		if (n >= NJ_CHILD_ENV_MAX)
			goto toobig;
		ce->v[n++] = envp[i];
	}
	/* us first, every other preload of the child's list kept, in order, once */
	nj_buf_str(&pre, PRELOAD);
	nj_preload_list(&pre, shim, others, drop);
	if (pre.len >= sizeof(ce->preload))
		goto toobig;
	ce->v[n++] = ce->preload;
	for (size_t k = 0; k < NENV; k++)
		if (nj_env_entry(c, k)[0] != '\0')
			ce->v[n++] = (char *)nj_env_entry(c, k);
	ce->v[n] = NULL;
	return ce->v;
toobig:
	nj_deny_msg("exec", NJ_WHY_UNCHECKABLE, "",
	    "the environment is too large to put the jail back into it "
	    "on the stack");
	errno = E2BIG;
	return NULL;
}

/* Is this process under the seccomp filter of netjail run --supervise?  Then the kernel
 * checks the connections of every program it starts, jailable by the preload or not.  Two
 * marks, each unforgeable where the other is not: the filter answers a probe no program
 * makes (sys/exec.h), which an environment variable alone could not prove; and the
 * environment the process started with says NETJAIL_SUPERVISED=1, which a filter the
 * program installed itself could not give it (the sticky environment puts the start-up
 * value, or its absence, into every child).  A filter cannot be removed once installed, so
 * the answer holds for this process and all it starts. */
int
nj_supervised(void)
{
	int saved = errno, yes;

	/* netjail run --supervise started us with NETJAIL_SUPERVISED=1, and the sticky
	 * environment keeps any child from getting it otherwise: a jailed process that installs
	 * a filter of its own answering the probe still has none, nor do its children */
	if (nj_real.syscall == NULL ||
	    !nj_streq(nj_shim()->env[NJ_ENV_SUPERVISED], "NETJAIL_SUPERVISED=1"))
		return 0;
	yes = nj_real.syscall(SYS_connect, -1L, 0L, (long)NJ_SUPERVISED_PROBE) == -1 &&
	    errno == NJ_SUPERVISED_ERRNO;
	errno = saved;
	return yes;
}

/* The text of an error, in English whatever the locale (glibc's strerrordesc_np; musl's
 * strerror never translates) */
static const char *
nj_errdesc(int e)
{
#ifdef __GLIBC__
	const char *s = strerrordesc_np(e);

	return s ? s : "error";
#else
	return strerror(e);
#endif
}

/* The refusal of a program the preload cannot follow, unless an "allow exec" rule names
 * it or netjail run --supervise has the kernel check it: in a frame of its own, so the
 * common path (a program we can follow) keeps its stack small.  In a fork child every
 * fresh stack page is a page fault. */
static __attribute__((noinline, cold)) int
refuse(const char *call, int dirfd, const char *path, int flags, int rc, const char *reason,
    int saved)
{
	char why[300], lit[PATH_MAX], canon[PATH_MAX], rule[PATH_MAX + 16];
	struct nj_buf b = { why, sizeof(why), 0 };
	struct nj_buf s = { rule, sizeof(rule), 0 };

	if (nj_supervised()) {
		errno = saved;
		return 1;
	}
	nj_buf_str(&b, "it is ");
	if (rc < 0) {
		nj_buf_str(&b, "a program netjail cannot read to check (");
		nj_buf_str(&b, nj_errdesc(-rc));
		nj_buf_ch(&b, ')');
	} else {
		nj_buf_str(&b, reason);
	}
	if (nj_exec_names(dirfd, path, flags, lit, canon, sizeof(lit)) != 0)
		return nj_deny_msg(call, NJ_WHY_UNCHECKABLE, path,
		           "a program whose path is too "
		           "long to check") ?
		    (errno = saved, 1) :
		    0;
	/* an allow exec rule may name the path as written or where its links lead */
	if (nj_exec_allowed_all(lit) || nj_exec_allowed_all(canon)) {
		errno = saved;
		return 1;
	}
	nj_buf_str(&s, "allow exec ");
	nj_buf_str(&s, canon);
	nj_log_text(call, NJ_WHY_UNJAILABLE, lit, why, rule);
	if (nj_shim()->audit) {
		errno = saved;
		return 1;
	}
	errno = EACCES;
	return 0;
}

/*
 * The check's scratch (what the kernel writes, or reads from us), one per thread.  It lies in
 * the thread's static TLS block, just below the thread's control block, which the kernel
 * wrote when it made a fork child (the child's thread id): often the same page.  On the
 * stack it would be a page the kernel writes for the first time in the child, one more page
 * fault in every fork + exec.  A signal handler that checks an exec while its thread is
 * inside a check takes a buffer of its own (the cold path below; tests/shell/hardening.sh
 * makes one).
 */
static NJ_TLS struct nj_jailbuf jail_buf;
static NJ_TLS int jail_buf_busy;

static __attribute__((noinline, cold)) int
jailable_own(int dirfd, const char *path, int flags, char *why, size_t size)
{
	struct nj_jailbuf own;

	return nj_jailable_at(dirfd, path, flags, &own, why, size);
}

NJ_CHILD_CODE static int
jailable(int dirfd, const char *path, int flags, char *why, size_t size)
{
	int rc;

	if (jail_buf_busy)
		return jailable_own(dirfd, path, flags, why, size);
	jail_buf_busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	rc = nj_jailable_at(dirfd, path, flags, &jail_buf, why, size);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	jail_buf_busy = 0;
	return rc;
}

static __attribute__((noinline, cold)) void
unreachable_why(const char *shim, char *why, size_t size, int secure)
{
	struct nj_buf b = { why, size, 0 };

	if (secure) {
		nj_buf_str(&b,
		    "started by a process whose effective user or group is not its real "
		    "one (seteuid): the loader drops the preload");
	} else {
		nj_buf_str(&b, "a program whose loader cannot read the shim (");
		nj_buf_str(&b, shim);
		nj_buf_str(&b,
		    ") here (after a chroot, or as another user): it would run "
		    "unjailed");
	}
	nj_buf_mem(&b, "", 0);
}

/* Will the loader of the child load the shim?  Not when the exec is a secure one, which it is
 * whenever the effective user or group differs from the real one (the kernel's rule: the new
 * effective ids against the old real ones): then the loader ignores a preload path with a
 * slash.  Otherwise it opens the path in LD_PRELOAD as the process now sees the file
 * system, after the exec: after a chroot the path may not exist in the new root, and after
 * a change of user the new one may not be allowed to read it; the loader would say
 * "ignored" and run the child unjailed.  access(2) asks with the real ids, and without the
 * capabilities a user who is not root loses at the exec: the loader's view.  0 when it will;
 * else the reason is written to why. */
NJ_CHILD_CODE static int
shim_unreachable(const char *shim, char *why, size_t size)
{
	unsigned int u[3], g[3];
	int saved = errno, secure;
	long rc;

	if (shim[0] == '\0')
		return 0; /* no path: nj_child_env refuses, saying so */
	secure = NJ_SYS(SYS_getresuid, u, u + 1, u + 2, 0) == 0 &&
	    NJ_SYS(SYS_getresgid, g, g + 1, g + 2, 0) == 0 && (u[0] != u[1] || g[0] != g[1]);
	rc = secure ? -1 : NJ_SYS(SYS_access, shim, R_OK, 0, 0);
	errno = saved;
	if (rc == 0)
		return 0;
	unreachable_why(shim, why, size, secure);
	return 1;
}

/* A program of the other C library (why says which, and its loader): 2 when the other shim
 * lies beside ours and its loader will load it; else 0, why saying what is missing. */
static __attribute__((noinline, cold)) int
other_ready(char *why, size_t size)
{
	char sib[PATH_MAX], inner[200];
	struct nj_buf b = { why, size, 0 };
	int saved = errno;
	long there;

	while (b.len < size && why[b.len]) /* (appended to the reason judge_elf wrote) */
		b.len++;
	if (nj_shim()->shim_path[0] == '\0')
		return 2; /* no path: nj_child_env refuses, saying so */
	if (nj_shim_sibling(nj_shim()->shim_path, sib, sizeof(sib)) != 0) {
		nj_buf_str(&b, ": the path of the shim for it cannot be worked out");
	} else if (!nj_preload_entry_ok(sib)) {
		nj_buf_str(&b,
		    ": the path of the shim for it holds white space or a colon, "
		    "where the loader splits LD_PRELOAD");
	} else if (shim_unreachable(sib, inner, sizeof(inner))) {
		there = NJ_SYS(SYS_access, sib, F_OK, 0, 0);
		if (there != 0) {
			nj_buf_str(&b, ", and the shim for it (");
			nj_buf_str(&b, sib);
			nj_buf_str(&b,
			    ") is not installed beside this one: the preload cannot "
			    "load into it");
		} else {
			nj_buf_str(&b, ", which is ");
			nj_buf_str(&b, inner);
		}
	} else {
		errno = saved;
		return 2;
	}
	nj_buf_mem(&b, "", 0);
	errno = saved;
	return 0;
}

NJ_CHILD_FIRST int
nj_exec_check(const char *call, int dirfd, const char *path, int flags)
{
	char why[200];
	int rc = jailable(dirfd, path, flags, why, sizeof(why)); /* keeps errno */

	if (rc == 1 && shim_unreachable(nj_shim()->shim_path, why, sizeof(why)))
		rc = 0;
	else if (rc == 2 && (rc = other_ready(why, sizeof(why))) == 2)
		return 2;
	/* followable; or missing, where the kernel will fail the same way */
	if (rc == 1 || rc == -ENOENT || rc == -ENOTDIR || rc == -ENAMETOOLONG || rc == -ELOOP)
		return 1;
	return refuse(call, dirfd, path, flags, rc, why, errno);
}

/*
 * execvp, execvpe, execlp and posix_spawnp search PATH, and glibc goes on to the next
 * directory whenever an exec fails with EACCES, ENOENT, ENOTDIR, ESTALE, ENODEV or
 * ETIMEDOUT — without asking us again.  So every candidate up to the one that will run is
 * checked: a directory, a file that is not executable or a script whose interpreter is
 * missing is passed over as glibc would; the first candidate that will run decides; an
 * unjailable one on the way is refused even when an earlier one would have failed.
 */
int
nj_exec_check_search(const char *call, const char *file)
{
	const char *p = nj_exec_path();
	char buf[PATH_MAX];
	int k;

	if (strchr(file, '/'))
		return nj_exec_check(call, AT_FDCWD, file, 0);
	while ((k = nj_path_next(&p, file, buf, sizeof(buf))) != 0) {
		char why[200];
		int saved = errno, rc;

		if (k < 0)
			continue; /* too long: exec passes over it too */
		rc = jailable(AT_FDCWD, buf, 0, why, sizeof(why));
		if (rc == 1 && nj_path_runs(buf) &&
		    shim_unreachable(nj_shim()->shim_path, why, sizeof(why)))
			return refuse(call, AT_FDCWD, buf, 0, 0, why, saved);
		if (rc == 2 && nj_path_runs(buf)) {
			errno = saved;
			return nj_exec_check(call, AT_FDCWD, buf, 0); /* 2, or refused */
		}
		if (rc == 0 && !nj_exec_check(call, AT_FDCWD, buf, 0))
			return 0;
		/* a followable program that exec will run ends the search */
		if ((rc == 1 || rc == 0) && nj_path_runs(buf)) {
			errno = saved;
			return 1;
		}
		errno = saved;
	}
	return 1; /* nothing runs: the real call fails on its own */
}

/* The real call that starts the program, with the environment it is to have. */
NJ_CHILD_CODE static long
start(const struct nj_start *s, char *const env[])
{
	switch (s->how) {
	case NJ_START_EXECVE:
		return s->via_syscall ? nj_real.syscall(SYS_execve, s->path, s->argv, env) :
		                        nj_real.execve(s->path, s->argv, env);
	case NJ_START_EXECVEAT:
		return s->via_syscall ?
		    nj_real.syscall(SYS_execveat, s->fd, s->path, s->argv, env, s->flags) :
		    nj_real.execveat(s->fd, s->path, s->argv, env, s->flags);
	case NJ_START_FEXECVE: return nj_real.fexecve(s->fd, s->argv, env);
	case NJ_START_EXECVPE: return nj_real.execvpe(s->path, s->argv, env);
	case NJ_START_SPAWN:
		return nj_real.posix_spawn(s->pid, s->path, s->fa, s->attr, s->argv, env);
	default: return nj_real.posix_spawnp(s->pid, s->path, s->fa, s->attr, s->argv, env);
	}
}

/* The environment rebuilt on the stack, in a frame of its own (see refuse()). */
static __attribute__((noinline)) long
start_rebuilt(const struct nj_start *s, char *const envp[])
{
	struct nj_childenv ce;
	char *const *env = nj_child_env(envp, &ce, s->other);

	if (env == NULL)
		return s->how >= NJ_START_SPAWN ? errno : -1;
	return start(s, env);
}

NJ_CHILD_CODE long
nj_start(const struct nj_start *s, char *const envp[])
{
	const struct nj_config *c = nj_shim();

	if (!s->other && c->shim_path[0] != '\0' && env_ok(c, envp))
		return start(s, envp);
	return start_rebuilt(s, envp);
}

char *const *
nj_environ(void)
{
	return environ;
}
