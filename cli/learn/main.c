/* main.c - netjail learn: run a command in audit mode, gather what the rules would have
 * denied, and write the rules back with a suggested allow for each, commented out.
 *
 * The data flows one way: the records of the command's whole process tree (JSON, one write
 * each, into a private log file: records.c) -> destinations -> decided again against the same
 * rules, address by address (suggest.c) -> one entry per suggested rule, with a count and the
 * programs that asked (entries.c) -> sorted -> text (write.c).  A record's own "suggest" is
 * not copied: the rule is built from the destination, and only kept when it parses back to
 * itself and matches that destination. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/learn/learn.h"

static void
learn_usage(void)
{
	fputs(
	    "usage: netjail learn [-r RULES] [-o FILE] [--wildcards] [--supervise] [--] COMMAND [ARG...]\n",
	    stderr);
}

/* Start the command as our child and wait for it.  While it runs, SIGINT and SIGQUIT (which
 * a terminal sends to the command too) are ignored here, as system(3) does, so that what it
 * did is still written.  Returns its exit status, 128 + the signal that ended it, or
 * EXIT_CANNOT when it could not be started. */
static int
run_child(const char *cmd, char **argv)
{
	struct sigaction ign, oint, oquit;
	int st = 0;
	pid_t pid;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		warn("fork");
		st = EXIT_CANNOT << 8;
	} else if (pid == 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		execv(cmd, argv);
		int e = errno;

		warn("%s", cmd);
		_exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT);
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* The private log: a file in a directory only we can enter, named in NETJAIL_LOG.  Every
 * process of the command's tree opens, appends to and closes it per line (shim/log.c). */
static int
make_log(char *dir, size_t dsize, char *path, size_t psize)
{
	const char *t = getenv("TMPDIR");
	int fd;

	if (t == NULL || t[0] != '/' || strlen(t) > 1024)
		t = "/tmp";
	if ((size_t)snprintf(dir, dsize, "%s/netjail-learn.XXXXXX", t) >= dsize ||
	    mkdtemp(dir) == NULL) {
		warn("cannot make a directory in %s", t);
		return -1;
	}
	if ((size_t)snprintf(path, psize, "%s/log.XXXXXX", dir) >= psize ||
	    (fd = mkostemp(path, O_CLOEXEC)) < 0) {
		warn("cannot make the log in %s", dir);
		rmdir(dir);
		return -1;
	}
	return fd;
}

/* A descendant still running may create the log again between our unlink and rmdir. */
static void
remove_log(const char *dir, const char *path)
{
	for (int i = 0; i < 3; i++) {
		unlink(path);
		if (rmdir(dir) == 0 || errno != ENOTEMPTY)
			return;
	}
}

int
nj_cmd_learn(int argc, char **argv)
{
	const char *rules = NULL, *out = NULL, *pre = getenv("LD_PRELOAD");
	char outpath[PATH_MAX], dir[PATH_MAX], logpath[PATH_MAX + 16];
	struct learned L;
	struct nj_launch l;
	mode_t mode = 0644;
	static const struct option opts[] = { { "wildcards", no_argument, NULL, 'w' },
		{ "supervise", no_argument, NULL, 's' }, { NULL, 0, NULL, 0 } };
	int c, i, rc, fd, status, wildcards = 0, supervise = 0;
	FILE *f;

	/* '+': the options end at COMMAND, whose own arguments are never ours */
	while ((c = getopt_long(argc, argv, "+:r:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': rules = optarg; break;
		case 'o': out = optarg; break;
		case 'w': wildcards = 1; break;
		case 's': supervise = 1; break;
		default: nj_cli_badopt(c, argv); return learn_usage(), EXIT_USAGE;
		}
	}
	if ((i = optind) >= argc)
		return learn_usage(), EXIT_USAGE;
	/* inside a jail, the outer shim puts its own NETJAIL_* back into every child */
	if (getenv("NETJAIL_RULES") && pre && strstr(pre, "libnetjail")) {
		warnx("learn cannot run inside netjail: the jail around it would keep its own "
		      "settings in the command's processes");
		return EXIT_USAGE;
	}
	if (out && nj_learn_out_target(out, outpath, sizeof(outpath), &mode) != 0)
		return EXIT_USAGE;
	if ((rc = nj_launch_prepare(&l, rules, argv[i],
	         NJ_LAUNCH_TEXT | (supervise ? NJ_LAUNCH_PRIVATE : 0))) != 0)
		return rc;
	if (l.text == NULL) {
		fprintf(stderr,
		    "%s: error: a compiled policy has no text to write back: give "
		    "learn the rules file it was compiled from\n",
		    l.rpath);
		nj_rules_free(l.set);
		return EXIT_USAGE;
	}
	memset(&L, 0, sizeof(L));
	L.wildcards = wildcards;
	if (l.why[0] && !supervise) {
		warnx("warning: %s is %s; it runs unjailed, so what it connects to cannot be "
		      "learned (the suggestions include \"allow exec\" for it)",
		    l.cmd, l.why);
		L.decisions++;
		nj_learn_exec(&L, l.set, "exec", l.cmd, l.canon,
		    "the command itself, which netjail cannot follow", "netjail", 7);
	}
	/* the records learn reads are JSON: named fields, never a sentence for people */
	if ((fd = make_log(dir, sizeof(dir), logpath, sizeof(logpath))) < 0 ||
	    nj_launch_env(&l, 1, logpath, supervise) != 0 ||
	    setenv("NETJAIL_LOG_FORMAT", "json", 1) != 0) {
		if (fd >= 0) {
			close(fd);
			remove_log(dir, logpath);
		}
		free(l.text);
		nj_rules_free(l.set);
		nj_learned_free(&L);
		return EXIT_USAGE;
	}
	nj_learn_machine(&L);
	/* --supervise: the kernel shows us what the preload cannot follow, and the DNS relay
	 * names what the tree looked up without libc (SPEC.md §8a) */
	status = supervise ? nj_supervise(&l, argv + i, 1, logpath) : run_child(l.cmd, argv + i);

	rc = EXIT_LEARN;
	if ((f = fdopen(fd, "r")) == NULL) {
		warn("cannot read the audit log");
		close(fd);
	} else {
		nj_learn_records(&L, l.set, f);
		nj_learn_group_names(&L);
		fclose(f);
	}
	remove_log(dir, logpath);
	if (f != NULL &&
	    nj_learn_emit(&L, l.text, l.tlen, argv + i, l.rpath, out ? outpath : NULL, mode) == 0)
		rc = status;
	free(l.text);
	nj_rules_free(l.set);
	nj_learned_free(&L);
	return rc;
}
