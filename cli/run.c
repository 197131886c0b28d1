/* run.c - netjail run: validate the rules, set LD_PRELOAD and NETJAIL_*, exec the command.
 * The preparation (find the shim, validate the rules, find and judge the command, set the
 * environment) is shared with netjail learn, which starts the command as a child instead. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static void
run_usage(void)
{
	fputs("usage: netjail run [-r RULES] [--audit] [--log DEST] [--allow-unjailed] "
	      "[--supervise] [--] COMMAND [ARG...]\n",
	    stderr);
}

/* Our own directory, from /proc/self/exe. */
static int
selfdir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

#ifndef NJ_SHIMDIR
#define NJ_SHIMDIR "/usr/local/lib/netjail"
#endif

/* The shim beside us (the build tree), where `make install` put it (SHIMDIR), or in
 * ../lib/netjail (an installed tree moved elsewhere).  The built-in policy file lives next to
 * it.  Returns 0 with both absolute paths filled. */
static int
find_shim(char *shim, char *policy, size_t size)
{
	char dir[PATH_MAX], cand[PATH_MAX + 64];
	const char *where[][2] = { { dir, "/" NJ_SHIM_OWN }, { NJ_SHIMDIR, "/" NJ_SHIM_OWN },
		{ dir, "/../lib/netjail/" NJ_SHIM_OWN } };

	if (selfdir(dir, sizeof(dir)) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		char *slash;

		snprintf(cand, sizeof(cand), "%s%s", where[i][0], where[i][1]);
		if (realpath(cand, shim) == NULL)
			continue;
		slash = strrchr(shim, '/');
		if ((size_t)snprintf(policy, size, "%.*s/default.rules", (int)(slash - shim),
		        shim) >= size)
			return -1;
		return 0;
	}
	return -1;
}

/* COMMAND as execvp would find it (sys/exec.c: the search the shim judges too).  Returns 0
 * with path filled, or -errno. */
static int
find_command(const char *cmd, char *path, size_t size)
{
	const char *p = nj_exec_path();
	int k, e = ENOENT;

	if (strchr(cmd, '/')) {
		if ((size_t)snprintf(path, size, "%s", cmd) >= size)
			return -ENAMETOOLONG;
		return access(path, X_OK) == 0 ? 0 : -errno;
	}
	while ((k = nj_path_next(&p, cmd, path, size)) != 0) {
		if (k > 0 && nj_path_runs(path))
			return 0;
		if (k > 0 && access(path, F_OK) == 0)
			e = EACCES; /* there, but exec would not run it */
	}
	return -e;
}

/* LD_PRELOAD with the shim first and every other preload kept (once), but drop. */
static char *
preload_value(const char *shim, const char *drop)
{
	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(shim) + (old ? strlen(old) : 0) + 2;
	char *v = malloc(n);
	struct nj_buf b = { v, n, 0 };

	if (v == NULL)
		return NULL;
	nj_preload_list(&b, shim, old, drop);
	return v;
}

/* An "allow exec" rule may name the program as written (made absolute) or where its links
 * lead, as the shim decides (nj_exec_names). */
static int
exec_allowed(const struct nj_rules *r, const char *lit, const char *canon)
{
	return nj_exec_allowed(r, lit) || nj_exec_allowed(r, canon);
}

/* The command is a program of the other C library (l->why says so): its shim, beside ours,
 * takes our place.  1 when it is there and readable; else 0, l->why saying what is missing. */
static int
other_shim(struct nj_launch *l)
{
	struct nj_buf b = { l->why, sizeof(l->why), strlen(l->why) };
	char sib[PATH_MAX];

	if (nj_shim_sibling(l->shim, sib, sizeof(sib)) != 0 || !nj_preload_entry_ok(sib)) {
		nj_buf_str(&b, ": the path of the shim for it is unusable");
		nj_buf_mem(&b, "", 0);
		return 0;
	}
	if (access(sib, R_OK) != 0) {
		nj_buf_str(&b, ", and the shim for it (");
		nj_buf_str(&b, sib);
		nj_buf_str(&b,
		    errno == ENOENT ? ") is not installed beside netjail's" : ") cannot be read");
		nj_buf_str(&b, ": the preload cannot load into it");
		nj_buf_mem(&b, "", 0);
		return 0;
	}
	memcpy(l->drop, l->shim, sizeof(l->drop));
	memcpy(l->shim, sib, sizeof(l->shim));
	l->why[0] = '\0';
	return 1;
}

int
nj_launch_prepare(struct nj_launch *l, const char *rules, const char *command, int flags)
{
	int want_text = flags & NJ_LAUNCH_TEXT;
	char policy[PATH_MAX], lit[PATH_MAX];
	struct nj_sys sys;
	int rc;

	l->set = NULL;
	l->text = NULL;
	l->tlen = 0;
	l->why[0] = '\0';
	l->drop[0] = '\0';
	if (find_shim(l->shim, policy, sizeof(l->shim)) != 0) {
		warnx("cannot find " NJ_SHIM_OWN " beside the netjail command, in %s, or in "
		      "../lib/netjail/",
		    NJ_SHIMDIR);
		return EXIT_USAGE;
	}
	if (!nj_preload_entry_ok(l->shim)) {
		warnx("%s: the shim's path holds a space or a colon, where the loader splits "
		      "LD_PRELOAD: the command would run unjailed, so nothing started (install "
		      "netjail under a path without them)",
		    l->shim);
		return EXIT_USAGE;
	}
	if (access(l->shim, R_OK) != 0) {
		warn("%s: the command's loader could not read the shim, so it would run unjailed: "
		     "nothing started",
		    l->shim);
		return EXIT_USAGE;
	}
	if (rules == NULL) {
		warnx("no -r given: using the built-in default policy (allow @public; "
		      "allow @resolvers port 53; block @metadata; block @self)");
		rules = policy;
	}
	if (realpath(rules, l->rpath) == NULL) {
		fprintf(stderr, "%s: error: cannot open: %s\n", rules, strerror(errno));
		return EXIT_USAGE;
	}
	if (nj_sys_gather(&sys) != 0) {
		warnx("out of memory");
		return EXIT_USAGE;
	}
	/* the tree's snapshot, made once per policy version (sys/cache.c); the launcher's own
	 * set is that snapshot too, unless it must hold the text or a private copy that no
	 * one else can write to (the supervisor's) */
	memset(&l->snap, 0, sizeof(l->snap));
	if (flags & (NJ_LAUNCH_TEXT | NJ_LAUNCH_PRIVATE)) {
		l->set = nj_cli_load_text(l->rpath, &sys, 0, NULL, NULL,
		    want_text ? &l->text : NULL, want_text ? &l->tlen : NULL, NULL);
		if (l->set != NULL) {
			struct nj_rules *shared = NULL;

			if (nj_rules_load_cached(l->rpath, &sys, &shared, NULL, &l->snap) != 0)
				memset(&l->snap, 0, sizeof(l->snap));
			nj_rules_free(shared);
		}
	} else {
		l->set = nj_cli_load_text(l->rpath, &sys, 0, NULL, NULL, NULL, NULL, &l->snap);
	}
	nj_sys_free(&sys);
	if (l->set == NULL) {
		warnx("the rules are invalid: nothing started");
		return EXIT_USAGE;
	}
	if ((rc = find_command(command, l->cmd, sizeof(l->cmd))) != 0) {
		errno = -rc;
		if (rc == -ENOENT)
			warnx("%s: command not found", command);
		else
			warn("%s", command);
		nj_rules_free(l->set);
		l->set = NULL;
		free(l->text);
		l->text = NULL;
		return rc == -ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT;
	}
	if (nj_exec_names(AT_FDCWD, l->cmd, 0, lit, l->canon, sizeof(lit)) != 0) {
		snprintf(lit, sizeof(lit), "%s", l->cmd);
		snprintf(l->canon, sizeof(l->canon), "%s", l->cmd);
	}
	if ((rc = nj_jailable(l->cmd, l->why, sizeof(l->why))) == 2)
		rc = other_shim(l);
	if (rc != 0 || exec_allowed(l->set, lit, l->canon))
		l->why[0] = '\0';
	else if (l->why[0] == '\0')
		snprintf(l->why, sizeof(l->why), "a program the preload cannot follow");
	return 0;
}

int
nj_launch_env(const struct nj_launch *l, int audit, const char *log, int supervised)
{
	char *preload, snap[sizeof(l->snap.path) + 160];

	if (l->snap.key[0])
		nj_snap_format(&l->snap, snap, sizeof(snap));
	if ((preload = preload_value(l->shim, l->drop[0] ? l->drop : NULL)) == NULL ||
	    setenv("LD_PRELOAD", preload, 1) != 0 ||
	    (l->snap.key[0] ? setenv("NETJAIL_SNAPSHOT", snap, 1) : unsetenv("NETJAIL_SNAPSHOT")) !=
	        0 ||
	    setenv("NETJAIL_RULES", l->rpath, 1) != 0 ||
	    setenv("NETJAIL_MODE", audit ? "audit" : "enforce", 1) != 0 ||
	    (log && setenv("NETJAIL_LOG", log, 1) != 0) ||
	    (supervised ? setenv("NETJAIL_SUPERVISED", "1", 1) : unsetenv("NETJAIL_SUPERVISED")) !=
	        0) {
		free(preload);
		warnx("out of memory");
		return -ENOMEM;
	}
	free(preload);
	return 0;
}

int
nj_cmd_run(int argc, char **argv)
{
	enum { OPT_AUDIT = 256, OPT_LOG, OPT_UNJAILED, OPT_SUPERVISE };
	static const struct option longopts[] = { { "audit", no_argument, NULL, OPT_AUDIT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "allow-unjailed", no_argument, NULL, OPT_UNJAILED },
		{ "supervise", no_argument, NULL, OPT_SUPERVISE }, { NULL, 0, NULL, 0 } };
	const char *rules = NULL, *log = NULL;
	int audit = 0, unjailed = 0, supervise = 0, c, i, rc;
	char logabs[PATH_MAX];
	struct nj_launch l;

	/* '+': the options end at COMMAND, whose own arguments are never ours */
	while ((c = getopt_long(argc, argv, "+:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': rules = optarg; break;
		case OPT_AUDIT: audit = 1; break;
		case OPT_LOG: log = optarg; break;
		case OPT_UNJAILED: unjailed = 1; break;
		case OPT_SUPERVISE: supervise = 1; break;
		default: nj_cli_badopt(c, argv); return run_usage(), EXIT_USAGE;
		}
	}
	if ((i = optind) >= argc)
		return run_usage(), EXIT_USAGE;
	if (log && strcmp(log, "stderr") != 0 && strcmp(log, "off") != 0) {
		if (log[0] != '/') {
			char cwd[PATH_MAX];

			if (getcwd(cwd, sizeof(cwd)) == NULL ||
			    (size_t)snprintf(logabs, sizeof(logabs), "%s/%s", cwd, log) >=
			        sizeof(logabs))
				errx(EXIT_USAGE, "--log %s: path too long", log);
			log = logabs;
		}
	}
	if ((rc = nj_launch_prepare(&l, rules, argv[i], supervise ? NJ_LAUNCH_PRIVATE : 0)) != 0)
		return rc;
	if (l.why[0] && !supervise) {
		if (!unjailed) {
			warnx(
			    "refusing to run %s: it is %s; netjail could not check its "
			    "connections (run it with netjail run --supervise, which can; or let it "
			    "run unjailed with \"allow exec %s\" in the rules, or --allow-unjailed)",
			    l.cmd, l.why, l.canon);
			nj_rules_free(l.set);
			return EXIT_CANNOT;
		}
		warnx("warning: %s is %s; it runs unjailed (--allow-unjailed)", l.cmd, l.why);
	}
	if (supervise) {
		/* the kernel checks what the preload cannot follow: no refusal */
		if (nj_launch_env(&l, audit, log, 1) != 0)
			rc = EXIT_USAGE;
		else
			rc = nj_supervise(&l, argv + i, audit, log);
		nj_rules_free(l.set);
		nj_die_as(rc);
		return rc;
	}
	nj_rules_free(l.set);
	if (nj_launch_env(&l, audit, log, 0) != 0)
		return EXIT_USAGE;
	execv(l.cmd, argv + i);
	err(errno == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT, "%s", l.cmd);
}
