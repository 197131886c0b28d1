/* exec-child.c - start a child program in one of the ways libc offers, after scrubbing or
 * replacing the environment, for tests/shell/exec.sh: the jail must follow the program into the
 * child (SPEC.md §5, child processes).  The child is usually `probe connect ...`, so what the
 * child could reach shows on the listener.
 *
 *   exec-child MODE ARGS...
 *
 * On failure to start the child it prints "err ERRNO-NAME" (e.g. "err EACCES", "err E2BIG")
 * and exits 1; otherwise the exit status is the child's (exec replaces us; spawn, vfork,
 * system and popen wait for it and pass its status on).
 *
 * MODEs (CMD is an absolute path followed by its arguments):
 *   execve-empty CMD...           execve(CMD, argv, {NULL})
 *   execle-empty CMD...           execle(CMD, arg0, ..., NULL, {NULL})  (at most 8 arguments)
 *   unsetenv-execv CMD...         unsetenv LD_PRELOAD and NETJAIL_RULES, then execv
 *   unsetenv-execl CMD...         the same, then execl (at most 8 arguments)
 *   clearenv-execv CMD...         clearenv(), then execv
 *   execvp-scrub DIR FILE ARGS... clearenv(), PATH=DIR, then execvp(FILE): a PATH search
 *   execlp-scrub DIR FILE ARGS... the same through execlp (at most 8 arguments)
 *   execvpe-empty DIR FILE ARGS.. PATH=DIR in our environment, execvpe(FILE, argv, {NULL})
 *   execveat-empty CMD...         execveat(open(dirname), basename, argv, {NULL}, 0)
 *   execveat-fd CMD...            execveat(open(CMD), "", argv, {NULL}, AT_EMPTY_PATH)
 *   fexecve-empty CMD...          fexecve(open(CMD, O_RDONLY), argv, {NULL})
 *   fexecve-opath CMD...          fexecve(open(CMD, O_PATH), argv, {NULL})
 *   sys-execve-empty CMD...       syscall(SYS_execve, CMD, argv, {NULL})
 *   sys-execveat-empty CMD...     syscall(SYS_execveat, AT_FDCWD, CMD, argv, {NULL}, 0)
 *   posix_spawn-empty CMD...      posix_spawn with {NULL}, wait for the child
 *   posix_spawnp-empty DIR FILE.. PATH=DIR in our environment, posix_spawnp(FILE, {NULL})
 *   vfork-execve-empty CMD...     vfork(); the child execve(CMD, argv, {NULL})
 *   fork-execve-empty CMD...      fork(); the child execve(CMD, argv, {NULL})
 *   system-clearenv SHELLCMD      clearenv(), then system(SHELLCMD)
 *   popen-clearenv SHELLCMD       clearenv(), then popen(SHELLCMD, "r"); copies its output
 *   system-unsetenv SHELLCMD      unsetenv LD_PRELOAD only, then system(SHELLCMD)
 *   execve-env VAR=VAL... -- CMD...        execve with exactly these variables
 *   execve-bigenv N VAR=VAL... -- CMD...   execve with N filler variables plus these
 *   overwrite-rules PATH CMD...   write PATH over the value of NETJAIL_RULES in place (in the
 *                                 string environ points to; PATH no longer than the value),
 *                                 then execve(CMD, argv, {NULL})
 *   setproctitle CMD...           what setproctitle() does: copy environ to the heap, then
 *                                 overwrite the original argv and environment strings with a
 *                                 title; then execve(CMD, argv, {NULL})
 *   self-setenv-connect PATH PORT   setenv NETJAIL_RULES=PATH, then connect to 127.0.0.1:PORT
 *                                 ourselves ("ok" or "err NAME")
 *   self-clearenv-connect PORT    clearenv(), then connect to 127.0.0.1:PORT ourselves
 *   spawn-chdir DIR CMD...        posix_spawn(CMD) with the file action addchdir_np(DIR) (CMD
 *                                 relative: it names DIR/CMD in the child), wait for it
 *   spawn-fd PARENT CHILD ARGS... open PARENT at descriptor 9, then posix_spawn
 *                                 "/proc/self/fd/9" with the file action addopen(9, CHILD)
 *                                 (CHILD "-": no action), wait for it
 *   forge-supervised CMD...       install a seccomp filter of our own that answers the probe
 *                                 of netjail run --supervise as its filter does, then
 *                                 execv(CMD): the preload must not take it for the real one
 *   chroot-execv DIR CMD...       chroot(DIR), chdir("/"), then execv(CMD) (CMD as the new
 *                                 root sees it)
 *   dlopen-shim SHIM CMD...       (run without LD_PRELOAD) dlopen(SHIM), then the shim's own
 *                                 execve(CMD, argv, {NULL}): the shim loaded from a path the
 *                                 loader could not put in a child's LD_PRELOAD
 *   wordexp WORDS                 wordexp(WORDS, flags 0): glibc runs each command
 *                                 substitution with /bin/sh -c, through calls of its own;
 *                                 prints "ok WORD..." or "err WRDE_..."
 *   wordexp-clearenv WORDS        clearenv(), then wordexp; "err environ-changed" when the
 *                                 environment is not empty again afterwards
 *   wordexp-clearenv-nocmd WORDS  the same with WRDE_NOCMD
 *   wordexp-threads WORDS         start a thread (it sleeps), then wordexp
 *   wordexp-threads-clearenv WORDS  start a thread, clearenv(), then wordexp
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <libgen.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#ifndef __GLIBC__
/* musl has no execveat function: its programs make the system call */
#define execveat(fd, path, argv, envp, flags) syscall(SYS_execveat, fd, path, argv, envp, flags)
#endif

#include "sys/exec.h" /* NJ_SUPERVISED_PROBE, NJ_SUPERVISED_ERRNO */

extern char **environ;

/* A filter that answers connect(_, _, NJ_SUPERVISED_PROBE) with NJ_SUPERVISED_ERRNO. */
static int
forge(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NJ_SUPERVISED_PROBE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | NJ_SUPERVISED_ERRNO),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static const char *
ename(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case E2BIG: return "E2BIG";
	case ENOENT: return "ENOENT";
	case ENOEXEC: return "ENOEXEC";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ELOOP: return "ELOOP";
	case ENOSYS: return "ENOSYS";
	default: return "other";
	}
}

static int
fail(int e)
{
	printf("err %s\n", ename(e));
	fflush(stdout);
	return 1;
}

/* The child's exit status as ours. */
static int
status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int
waitfor(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return fail(errno);
	return status(st);
}

/* Connect to 127.0.0.1:port over TCP ourselves: "ok" or "err NAME". */
static int
connect_lo(const char *port)
{
	struct sockaddr_in in;
	int fd;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((unsigned short)strtol(port, NULL, 10));
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&in, sizeof(in)) != 0)
		return fail(errno);
	printf("ok\n");
	close(fd);
	return 0;
}

static const char *
wrde_name(int rc)
{
	switch (rc) {
	case WRDE_BADCHAR: return "WRDE_BADCHAR";
	case WRDE_BADVAL: return "WRDE_BADVAL";
	case WRDE_CMDSUB: return "WRDE_CMDSUB";
	case WRDE_NOSPACE: return "WRDE_NOSPACE";
	case WRDE_SYNTAX: return "WRDE_SYNTAX";
	default: return "other";
	}
}

static void *
sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* The wordexp modes: the words, or the error. */
static int
word_exp(const char *op, const char *words)
{
	int clear = strstr(op, "clearenv") != NULL, rc;
	wordexp_t w;
	pthread_t t;

	if (strstr(op, "threads") && pthread_create(&t, NULL, sleeper, NULL) != 0)
		return fail(errno);
	if (clear)
		clearenv();
	rc = wordexp(words, &w, strstr(op, "nocmd") ? WRDE_NOCMD : 0);
	if (clear && environ != NULL)
		return printf("err environ-changed\n"), 1;
	if (rc != 0)
		return printf("err %s\n", wrde_name(rc)), 1;
	printf("ok");
	for (size_t i = 0; i < w.we_wordc; i++)
		printf(" %s", w.we_wordv[i]);
	printf("\n");
	wordfree(&w);
	return 0;
}

/* execl-style calls need their arguments spelled out: up to 8, NULL-padded. */
#define A(i) (n > (i) ? a[i] : NULL)

int
main(int argc, char **argv)
{
	static char *empty[] = { NULL };
	const char *op = argc > 1 ? argv[1] : "";
	char **a = argv + 2;
	int n = argc - 2;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (n < 1)
		return fprintf(stderr, "usage: see the top of exec-child.c\n"), 2;

	if (strcmp(op, "execve-empty") == 0)
		return execve(a[0], a, empty), fail(errno);
	if (strcmp(op, "forge-supervised") == 0) {
		if (forge() != 0)
			return perror("seccomp"), 2;
		return execv(a[0], a), fail(errno);
	}
	if (strcmp(op, "chroot-execv") == 0 && n >= 2) {
		if (chroot(a[0]) != 0 || chdir("/") != 0)
			return perror("chroot"), 2;
		return execv(a[1], a + 1), fail(errno);
	}
	if (strcmp(op, "dlopen-shim") == 0 && n >= 2) {
		void *h = dlopen(a[0], RTLD_NOW | RTLD_LOCAL);
		int (*ex)(const char *, char *const[], char *const[]);

		if (h == NULL)
			return fprintf(stderr, "dlopen: %s\n", dlerror()), 2;
		if ((ex = (int (*)(const char *, char *const[], char *const[]))dlsym(h,
		         "execve")) == NULL)
			return fprintf(stderr, "dlsym: %s\n", dlerror()), 2;
		return ex(a[1], a + 1, empty), fail(errno);
	}
	if (strcmp(op, "execle-empty") == 0 && n <= 8) {
		/* execle reads envp right after the first NULL argument */
		switch (n) {
		case 1: execle(a[0], a[0], NULL, empty); break;
		case 2: execle(a[0], a[0], a[1], NULL, empty); break;
		case 3: execle(a[0], a[0], a[1], a[2], NULL, empty); break;
		case 4: execle(a[0], a[0], a[1], a[2], a[3], NULL, empty); break;
		case 5: execle(a[0], a[0], a[1], a[2], a[3], a[4], NULL, empty); break;
		case 6: execle(a[0], a[0], a[1], a[2], a[3], a[4], a[5], NULL, empty); break;
		case 7: execle(a[0], a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL, empty); break;
		default: execle(a[0], a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL, empty);
		}
		return fail(errno);
	}
	if (strcmp(op, "unsetenv-execv") == 0 || strcmp(op, "unsetenv-execl") == 0) {
		unsetenv("LD_PRELOAD");
		unsetenv("NETJAIL_RULES");
		if (getenv("LD_PRELOAD") || getenv("NETJAIL_RULES"))
			return printf("err unsetenv\n"), 1;
		if (strcmp(op, "unsetenv-execv") == 0)
			execv(a[0], a);
		else if (n <= 8)
			execl(a[0], a[0], A(1), A(2), A(3), A(4), A(5), A(6), A(7), NULL);
		return fail(errno);
	}
	if (strcmp(op, "clearenv-execv") == 0) {
		clearenv();
		return execv(a[0], a), fail(errno);
	}
	if ((strcmp(op, "execvp-scrub") == 0 || strcmp(op, "execlp-scrub") == 0) && n >= 2) {
		clearenv();
		setenv("PATH", a[0], 1);
		if (op[4] == 'v')
			execvp(a[1], a + 1);
		else if (n <= 9)
			execlp(a[1], a[1], A(2), A(3), A(4), A(5), A(6), A(7), A(8), NULL);
		return fail(errno);
	}
	if (strcmp(op, "execvpe-empty") == 0 && n >= 2) {
		setenv("PATH", a[0], 1);
		return execvpe(a[1], a + 1, empty), fail(errno);
	}
	if (strcmp(op, "execveat-empty") == 0) {
		char d[4096], b[4096];
		int fd;

		snprintf(d, sizeof(d), "%s", a[0]);
		snprintf(b, sizeof(b), "%s", a[0]);
		if ((fd = open(dirname(d), O_RDONLY | O_DIRECTORY)) < 0)
			return fail(errno);
		return execveat(fd, basename(b), a, empty, 0), fail(errno);
	}
	if (strcmp(op, "execveat-fd") == 0) {
		int fd = open(a[0], O_RDONLY);

		if (fd < 0)
			return fail(errno);
		return execveat(fd, "", a, empty, AT_EMPTY_PATH), fail(errno);
	}
	if (strcmp(op, "fexecve-empty") == 0 || strcmp(op, "fexecve-opath") == 0) {
		int fd = open(a[0], op[8] == 'o' ? O_PATH : O_RDONLY);

		if (fd < 0)
			return fail(errno);
		return fexecve(fd, a, empty), fail(errno);
	}
	if (strcmp(op, "sys-execve-empty") == 0)
		return syscall(SYS_execve, a[0], a, empty), fail(errno);
	if (strcmp(op, "sys-execveat-empty") == 0)
		return syscall(SYS_execveat, AT_FDCWD, a[0], a, empty, 0), fail(errno);
	if ((strcmp(op, "spawn-chdir") == 0 || strcmp(op, "spawn-fd") == 0) && n >= 2) {
		posix_spawn_file_actions_t fa;
		pid_t pid;
		int rc;

		posix_spawn_file_actions_init(&fa);
		if (op[6] == 'c') {
			posix_spawn_file_actions_addchdir_np(&fa, a[0]);
			rc = posix_spawn(&pid, a[1], &fa, NULL, a + 1, empty);
		} else {
			int fd = open(a[0], O_RDONLY);

			if (fd < 0 || dup2(fd, 9) != 9)
				return perror(a[0]), 2;
			if (strcmp(a[1], "-") != 0)
				posix_spawn_file_actions_addopen(&fa, 9, a[1], O_RDONLY, 0);
			a[1] = "/proc/self/fd/9";
			rc = posix_spawn(&pid, a[1], &fa, NULL, a + 1, empty);
		}
		if (rc != 0)
			return fail(rc);
		return waitfor(pid);
	}
	if (strcmp(op, "posix_spawn-empty") == 0 || strcmp(op, "posix_spawnp-empty") == 0) {
		pid_t pid;
		int rc;

		if (op[11] == 'p') {
			if (n < 2)
				return 2;
			setenv("PATH", a[0], 1);
			rc = posix_spawnp(&pid, a[1], NULL, NULL, a + 1, empty);
		} else {
			rc = posix_spawn(&pid, a[0], NULL, NULL, a, empty);
		}
		if (rc != 0)
			return fail(rc);
		return waitfor(pid);
	}
	if (strcmp(op, "vfork-execve-empty") == 0 || strcmp(op, "fork-execve-empty") == 0) {
		pid_t pid = op[0] == 'v' ? vfork() : fork();

		if (pid < 0)
			return fail(errno);
		if (pid == 0) {
			const char *e;

			execve(a[0], a, empty);
			/* write(2) only: we may share the parent's memory */
			e = ename(errno);
			if (write(1, "err ", 4) < 0 || write(1, e, strlen(e)) < 0 ||
			    write(1, "\n", 1) < 0)
				_exit(125);
			_exit(126);
		}
		return waitfor(pid);
	}
	if (strcmp(op, "system-clearenv") == 0 || strcmp(op, "system-unsetenv") == 0) {
		int rc;

		if (op[7] == 'c')
			clearenv();
		else
			unsetenv("LD_PRELOAD");
		if ((rc = system(a[0])) < 0)
			return fail(errno);
		return status(rc);
	}
	if (strcmp(op, "popen-clearenv") == 0) {
		char buf[4096];
		size_t k;
		FILE *f;
		int rc;

		clearenv();
		if ((f = popen(a[0], "r")) == NULL)
			return fail(errno);
		while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, k, stdout);
		if ((rc = pclose(f)) < 0)
			return fail(errno);
		return status(rc);
	}
	if (strcmp(op, "execve-env") == 0 || strcmp(op, "execve-bigenv") == 0) {
		int fill = 0, i = 0, k = 0;
		char **env, **cmd;

		if (op[7] == 'b') {
			fill = (int)strtol(a[0], NULL, 10);
			i = 1;
		}
		for (k = i; k < n && strcmp(a[k], "--") != 0; k++)
			;
		if (k + 1 >= n)
			return fprintf(stderr, "exec-child: %s needs -- CMD\n", op), 2;
		cmd = a + k + 1;
		if ((env = calloc((size_t)(fill + (k - i) + 1), sizeof(*env))) == NULL)
			return fail(errno);
		for (int j = 0; j < fill; j++) {
			char v[32];

			snprintf(v, sizeof(v), "NJ_FILL_%d=x", j);
			env[j] = strdup(v);
		}
		for (int j = i; j < k; j++)
			env[fill + (j - i)] = a[j];
		return execve(cmd[0], cmd, env), fail(errno);
	}
	if (strcmp(op, "overwrite-rules") == 0 && n >= 2) {
		char *v = getenv("NETJAIL_RULES");

		if (v == NULL || strlen(a[0]) > strlen(v))
			return printf("err overwrite\n"), 1;
		memcpy(v, a[0], strlen(a[0]) + 1);
		return execve(a[1], a + 1, empty), fail(errno);
	}
	if (strcmp(op, "setproctitle") == 0) {
		char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
		char **copy, **cmd;
		size_t k = 0;

		/* the command, the environment: onto the heap, as setproctitle implementations do */
		if ((cmd = calloc((size_t)n + 1, sizeof(*cmd))) == NULL)
			return fail(errno);
		for (int i = 0; i < n; i++)
			cmd[i] = strdup(a[i]);
		while (environ[k])
			k++;
		if ((copy = calloc(k + 1, sizeof(*copy))) == NULL)
			return fail(errno);
		for (size_t i = 0; i < k; i++) {
			copy[i] = strdup(environ[i]);
			if (environ[i] + strlen(environ[i]) + 1 > end)
				end = environ[i] + strlen(environ[i]) + 1;
		}
		environ = copy;
		memset(start, 0, (size_t)(end - start));
		snprintf(start, (size_t)(end - start), "exec-child: a title");
		return execve(cmd[0], cmd, empty), fail(errno);
	}
	if (strcmp(op, "self-setenv-connect") == 0 && n == 2) {
		setenv("NETJAIL_RULES", a[0], 1);
		return connect_lo(a[1]);
	}
	if (strcmp(op, "self-clearenv-connect") == 0 && n == 1) {
		clearenv();
		return connect_lo(a[0]);
	}
	if (strncmp(op, "wordexp", 7) == 0 && n == 1)
		return word_exp(op, a[0]);
	fprintf(stderr, "exec-child: unknown mode or wrong arguments: %s\n", op);
	return 2;
}
