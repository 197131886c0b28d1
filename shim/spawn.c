/* spawn.c - interposed posix_spawn, posix_spawnp, system and popen. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>

#include "shim/shim.h"

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
	if (!nj_exec_check("posix_spawn", AT_FDCWD, path, 0))
		return EACCES;
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
	if (*file && !nj_exec_check_search("posix_spawnp", file))
		return EACCES;
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

	*ret_alloc = 0;
	if (!nj_exec_check(call, AT_FDCWD, "/bin/sh", 0))
		return NULL;
	if ((env = nj_child_env(nj_environ(), &ce)) == NULL)
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
