/* spawn.c - interposed posix_spawn, posix_spawnp, system and popen. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/shim.h"

/*
 * File actions run in the child before its exec, so they can change what a path names there:
 * addchdir_np and addfchdir_np move a relative path, and addopen, adddup2, addclose and
 * closefrom renumber the descriptors a /proc/self/fd/N or /dev/fd/N path names.  The check
 * must judge what the child will run: a relative path after chdirs is judged where they lead
 * (their paths composed; after an fchdir to a descriptor the actions left alone, from that
 * descriptor); a path the parent cannot evaluate as the child will (a descriptor path after
 * descriptor actions, a relative path after an fchdir to a descriptor they touched, a PATH
 * search with relative entries after a chdir, an action this code does not know) is refused.
 *
 * The actions are the C library's own, mirrored here: glibc's an array whose layout is in its
 * public header (__used, __actions) and posix/spawn_int.h (unchanged since 2.29 added chdir;
 * newer kinds only appended); musl's a list, newest first, that its child runs from the
 * oldest (src/process/fdop.h).  An action of a kind not mirrored here cannot be followed.
 * The loader check has already made sure the program uses the C library this shim was built
 * for.
 */
enum { DO_CLOSE, DO_DUP2, DO_OPEN, DO_CHDIR, DO_FCHDIR, DO_CLOSEFROM, DO_TCSETPGRP, DO_OTHER };

/* One action, as the walk below yields them: its kind, and the path or descriptor of a
 * chdir or fchdir. */
struct action {
	int tag;
	int fd;
	const char *path;
};

#ifdef __GLIBC__
struct gl_action {
	int tag; /* spawn_do_close, _dup2, _open, _chdir, _fchdir, _closefrom, _tcsetpgrp */
	union {
		struct {
			int fd;
		} close;
		struct {
			int fd, newfd;
		} dup2;
		struct {
			int fd;
			char *path;
			int oflag;
			mode_t mode;
		} open;
		struct {
			char *path;
		} chdir;
		struct {
			int fd;
		} fchdir;
	} a;
};

static int
has_actions(const posix_spawn_file_actions_t *fa)
{
	return fa != NULL && fa->__used > 0;
}

/* The next action the child will run (*at: where the walk is; NULL to begin): 1, or 0 at
 * the end. */
static int
next_action(const posix_spawn_file_actions_t *fa, const void **at, struct action *out)
{
	const struct gl_action *act = (const struct gl_action *)fa->__actions;
	const struct gl_action *a = *at ? (const struct gl_action *)*at + 1 : act;

	if (a >= act + fa->__used)
		return 0;
	*at = a;
	out->tag = a->tag <= DO_TCSETPGRP ? a->tag : DO_OTHER;
	out->fd = a->tag == DO_FCHDIR ? a->a.fchdir.fd : -1;
	out->path = a->tag == DO_CHDIR ? a->a.chdir.path : NULL;
	return 1;
}
#else
struct mu_fdop {
	struct mu_fdop *next, *prev;
	int cmd, fd, srcfd, oflag;
	mode_t mode;
	char path[];
};
enum { MU_CLOSE = 1, MU_DUP2, MU_OPEN, MU_CHDIR, MU_FCHDIR };

static int
has_actions(const posix_spawn_file_actions_t *fa)
{
	return fa != NULL && fa->__actions != NULL;
}

static int
next_action(const posix_spawn_file_actions_t *fa, const void **at, struct action *out)
{
	const struct mu_fdop *op = *at;

	if (op == NULL) /* the oldest first, as musl's child runs them */
		for (op = fa->__actions; op->next; op = op->next)
			;
	else if ((op = op->prev) == NULL)
		return 0;
	*at = op;
	out->tag = op->cmd == MU_CLOSE ? DO_CLOSE :
	    op->cmd == MU_DUP2         ? DO_DUP2 :
	    op->cmd == MU_OPEN         ? DO_OPEN :
	    op->cmd == MU_CHDIR        ? DO_CHDIR :
	    op->cmd == MU_FCHDIR       ? DO_FCHDIR :
	                                 DO_OTHER;
	out->fd = op->fd;
	out->path = op->path;
	return 1;
}
#endif

/* Where a spawned child will be: its path composed from the chdir actions (in buf; "" for
 * our own working directory), or from dirfd, and whether descriptors were renumbered.
 * 0, or -1 when it cannot be told. */
struct child_view {
	char *dir;
	int dirfd;
	int fds_moved;
	int moved_dir;
};

static __attribute__((noinline)) int
view(const posix_spawn_file_actions_t *fa, char *buf, size_t size, struct child_view *v)
{
	struct nj_buf b = { buf, size, 0 };
	const void *at = NULL;
	struct action a;

	v->dir = buf;
	v->dirfd = AT_FDCWD;
	v->fds_moved = v->moved_dir = 0;
	buf[0] = '\0';
	while (next_action(fa, &at, &a)) {
		switch (a.tag) {
		case DO_CLOSE:
		case DO_DUP2:
		case DO_OPEN:
		case DO_CLOSEFROM: v->fds_moved = 1; break;
		case DO_TCSETPGRP: break;
		case DO_CHDIR:
			v->moved_dir = 1;
			if (a.path[0] == '/')
				b.len = 0;
			else if (b.len > 0)
				nj_buf_ch(&b, '/');
			nj_buf_str(&b, a.path);
			break;
		case DO_FCHDIR:
			v->moved_dir = 1;
			if (v->fds_moved)
				return -1; /* the descriptor may be one the actions made */
			v->dirfd = a.fd;
			b.len = 0;
			break;
		default: return -1;
		}
		if (b.len >= size)
			return -1;
		buf[b.len] = '\0';
	}
	return 0;
}

/* Does path name a file through a descriptor (/proc/PID/fd/N, /dev/fd/N, /dev/stdin, or a
 * link or a directory that leads there)?  Then it names another file in a child whose
 * descriptors the file actions renumbered. */
static int
names_fd(const char *path, int depth)
{
	char dir[PATH_MAX], canon[PATH_MAX], link[PATH_MAX];
	const char *slash = strrchr(path, '/');
	ssize_t k;

	if (depth > 8 || nj_starts(path, "/dev/fd/") || nj_starts(path, "/dev/std") ||
	    (nj_starts(path, "/proc/") && strstr(path, "/fd/")))
		return 1;
	if (!slash || (size_t)(slash - path) < sizeof(dir)) {
		size_t n = slash ? (size_t)(slash - path) : 0;

		memcpy(dir, path, n);
		dir[n] = '\0';
		if (realpath(slash ? (n ? dir : "/") : ".", canon) != NULL &&
		    ((nj_starts(canon, "/proc/") &&
		        (strstr(canon, "/fd/") || strcmp(canon + strlen(canon) - 3, "/fd") == 0))))
			return 1;
	}
	if ((k = readlink(path, link, sizeof(link) - 1)) > 0) {
		link[k] = '\0';
		return link[0] == '/' && names_fd(link, depth + 1);
	}
	return 0;
}

static __attribute__((noinline, cold)) int
cannot_tell(const char *call, const char *path)
{
	nj_deny_msg(call, NJ_WHY_UNCHECKABLE, path,
	    "its file actions change what the path names in the child, in a way netjail "
	    "cannot follow");
	return 0;
}

/* The exec check of posix_spawn (search 0) or posix_spawnp (1), for the file the child will
 * run.  1 to go on, 2 to go on with the other C library's shim, 0 refused (errno EACCES,
 * logged). */
static int
spawn_check(const char *call, const char *path, const posix_spawn_file_actions_t *fa, int search)
{
	char dir[PATH_MAX], full[PATH_MAX];
	struct child_view v;
	struct nj_buf b = { full, sizeof(full), 0 };

	if (!has_actions(fa))
		return search ? nj_exec_check_search(call, path) :
		                nj_exec_check(call, AT_FDCWD, path, 0);
	if (view(fa, dir, sizeof(dir), &v) != 0)
		return cannot_tell(call, path);
	if (search && !strchr(path, '/')) {
		/* the child searches PATH after its chdir: a relative entry names another place */
		const char *p = nj_exec_path();

		if (v.moved_dir)
			for (const char *e = p; e; e = strchr(e, ':') ? strchr(e, ':') + 1 : NULL)
				if (*e != '/')
					return cannot_tell(call, path);
		return nj_exec_check_search(call, path);
	}
	if (v.fds_moved && names_fd(path, 0))
		return cannot_tell(call, path);
	if (path[0] == '/' || !v.moved_dir)
		return nj_exec_check(call, AT_FDCWD, path, 0);
	if (v.dirfd != AT_FDCWD)
		return nj_exec_check(call, v.dirfd, path, 0);
	nj_buf_str(&b, dir);
	nj_buf_ch(&b, '/');
	nj_buf_str(&b, path);
	if (b.len >= sizeof(full))
		return cannot_tell(call, path);
	full[b.len] = '\0';
	return nj_exec_check(call, AT_FDCWD, full, 0);
}

NJ_EXPORT int
posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct nj_start s = { .how = NJ_START_SPAWN,
		.path = path,
		.argv = argv,
		.pid = pid,
		.fa = fa,
		.attr = attr };

	if (!NJ_READY(0, posix_spawn))
		return errno;
	if ((s.other = spawn_check("posix_spawn", path, fa, 0)) == 0)
		return EACCES;
	s.other = s.other == 2;
	return (int)nj_start(&s, envp);
}

NJ_EXPORT int
posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct nj_start s = { .how = NJ_START_SPAWNP,
		.path = file,
		.argv = argv,
		.pid = pid,
		.fa = fa,
		.attr = attr };

	if (!NJ_READY(0, posix_spawnp))
		return errno;
	if (*file && (s.other = spawn_check("posix_spawnp", file, fa, 1)) == 0)
		return EACCES;
	s.other = s.other == 2;
	return (int)nj_start(&s, envp);
}

/* Append s to b in single quotes, for sh. */
static void
quoted(struct nj_buf *b, const char *s)
{
	nj_buf_ch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			nj_buf_str(b, "'\\''");
		else
			nj_buf_ch(b, *s);
	}
	nj_buf_ch(b, '\'');
}

/*
 * system() and popen() run "/bin/sh -c CMD" with the process's environment and take no
 * other.  When that environment has lost the jail (the program called clearenv or
 * unsetenv), CMD becomes
 *
 *     export LD_PRELOAD='...' NETJAIL_RULES='...'; unset NETJAIL_LOG; exec /bin/sh -c 'CMD'
 *
 * so the outer shell, which only sets variables and executes, hands a jailed shell the
 * command; the program's own environment is left as the program made it.  Returns CMD
 * itself when nothing needs doing, a new string (free it) otherwise, or NULL (errno set).
 */
static char *
jailed_command(const char *call, const char *cmd, int *ret_alloc)
{
	char(*names)[24] = nj_env_names;
	const struct nj_config *c = nj_shim();
	struct nj_childenv ce;
	char *const *env;
	struct nj_buf b;
	size_t size;
	char *out;
	int go;

	*ret_alloc = 0;
	if ((go = nj_exec_check(call, AT_FDCWD, "/bin/sh", 0)) == 0)
		return NULL;
	if ((env = nj_child_env(nj_environ(), &ce, go == 2)) == NULL)
		return NULL;
	if (env == nj_environ())
		return (char *)cmd;
	size = strlen(cmd) + strlen(ce.preload);
	for (size_t k = 0; k < NJ_NENV; k++)
		size += strlen(nj_env_entry(c, k));
	size = 4 * size + 256; /* quoting at most quadruples; the words around it */
	if ((out = malloc(size)) == NULL)
		return NULL;
	b.p = out, b.size = size, b.len = 0;
	nj_buf_str(&b, "export LD_PRELOAD=");
	quoted(&b, ce.preload + strlen("LD_PRELOAD="));
	for (size_t k = 0; k < NJ_NENV; k++) {
		if (nj_env_entry(c, k)[0] == '\0')
			continue;
		nj_buf_ch(&b, ' ');
		nj_buf_mem(&b, names[k], strlen(names[k])); /* "NAME=" */
		quoted(&b, nj_env_entry(c, k) + strlen(names[k]));
	}
	nj_buf_str(&b, ";");
	for (size_t k = 0; k < NJ_NENV; k++) {
		if (nj_env_entry(c, k)[0] != '\0')
			continue;
		nj_buf_str(&b, " unset ");
		nj_buf_mem(&b, names[k], strlen(names[k]) - 1);
		nj_buf_ch(&b, ';');
	}
	nj_buf_str(&b, " exec /bin/sh -c ");
	quoted(&b, cmd);
	*ret_alloc = 1;
	return out;
}

NJ_EXPORT int
system(const char *cmd)
{
	char *run;
	int alloc, rc;

	if (!NJ_READY(0, system))
		return -1;
	if (cmd == NULL)
		return nj_real.system(cmd); /* "is there a shell?" */
	if ((run = jailed_command("system", cmd, &alloc)) == NULL)
		return -1;
	rc = nj_real.system(run);
	if (alloc)
		free(run);
	return rc;
}

NJ_EXPORT FILE *
popen(const char *cmd, const char *mode)
{
	char *run;
	FILE *f;
	int alloc;

	if (!NJ_READY(0, popen))
		return NULL;
	if (cmd == NULL)
		return nj_real.popen(cmd, mode);
	if ((run = jailed_command("popen", cmd, &alloc)) == NULL)
		return NULL;
	f = nj_real.popen(run, mode);
	if (alloc) {
		int saved = errno;

		free(run);
		errno = saved;
	}
	return f;
}
