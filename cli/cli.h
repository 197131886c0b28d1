/* cli.h - shared by the netjail command's files: loading rules and printing diagnostics. */
#ifndef NJ_CLI_H
#define NJ_CLI_H

#include <limits.h>

#include "engine/engine.h"
#include "sys/exec.h"
#include "sys/sys.h"

/* Exit statuses of SPEC.md §8. */
#define EXIT_USAGE 2
#define EXIT_CANNOT 126 /* as a shell says of a command it found but cannot run */
#define EXIT_NOTFOUND 127

/* Load RULES (or the built-in default policy when path is NULL), printing every error and
 * warning to stderr as FILE:LINE:COL: error|warning: MESSAGE.  With lint, the warnings of
 * nj_rules_lint are printed too.  Returns the rule set or NULL (errors printed).  The
 * counts of errors and warnings printed are added to *ret_nerr and *ret_nwarn when given. */
struct nj_rules *nj_cli_load(const char *path, const struct nj_sys *sys, int lint, size_t *ret_nerr,
    size_t *ret_nwarn);
/* The same, keeping a rules file's text (nj_rules_load_text: NULL for a compiled policy). */
/* With snap: through the snapshot cache (nj_rules_load_cached; no text kept). */
struct nj_rules *nj_cli_load_text(const char *path, const struct nj_sys *sys, int lint,
    size_t *ret_nerr, size_t *ret_nwarn, char **ret_text, size_t *ret_len, struct nj_snap *snap);

/* A command about to be started under the shim (run.c): what netjail run and netjail learn
 * share. */
struct nj_launch {
	char shim[PATH_MAX]; /* the shim, absolute and canonical: ours (NJ_SHIM_OWN), or the
				 * other C library's beside it for a command of that library */
	char drop[PATH_MAX]; /* the shim the command's loader cannot load, left out of its
				 * LD_PRELOAD */
	char rpath[PATH_MAX]; /* the rules file, absolute and canonical */
	char cmd[PATH_MAX]; /* the command's file, as execv takes it */
	char canon[PATH_MAX]; /* the same, absolute and canonical: what an allow exec rule
				 * for it names */
	char why[300]; /* "" when the preload can follow the command or an allow exec
				 * rule names it; else why it cannot ("statically linked: ...") */
	struct nj_rules *set; /* the rules, loaded and valid; owned by the caller */
	char *text; /* with want_text: the rules file's text, read with the rules
				 * (NULL for a compiled policy); owned by the caller */
	size_t tlen;
	struct nj_snap snap; /* the tree's snapshot (NETJAIL_SNAPSHOT); key "" for none */
};
enum { NJ_LAUNCH_TEXT = 1, NJ_LAUNCH_PRIVATE = 2 };

/* Find the shim and the built-in policy (used when rules is NULL, saying so on stderr),
 * validate the rules (want_text: keeping their text, read once), find command as execvp
 * would and judge whether the preload can follow it.  Returns 0 with *l filled (the caller frees l->set), or the exit status to leave with
 * (EXIT_USAGE: no shim or invalid rules; EXIT_NOTFOUND, EXIT_CANNOT), the reason printed. */
int nj_launch_prepare(struct nj_launch *l, const char *rules, const char *command, int flags);

/* Put the jail into our own environment, for the command to inherit: LD_PRELOAD with the shim
 * first, NETJAIL_RULES, NETJAIL_MODE (audit or enforce), when log is not NULL NETJAIL_LOG,
 * and NETJAIL_SUPERVISED=1 when the command starts under the supervisor's filter (else it is
 * removed: only netjail says so).  Returns 0, or -ENOMEM (printed). */
int nj_launch_env(const struct nj_launch *l, int audit, const char *log, int supervised);

/* netjail run --supervise (supervise.c): start the command (l prepared and its environment
 * set) under the seccomp filter that sends its connections and datagrams to us, answer them
 * with l->set until every process of the jailed tree has exited.  log: --log's value or NULL
 * (then NETJAIL_LOG, else stderr).  Returns the command's exit status (or dies of its
 * signal), EXIT_USAGE when this kernel cannot supervise (nothing started, reason printed). */
int nj_supervise(const struct nj_launch *l, char *const argv[], int audit, const char *log);
/* For an exit status of 128 + a signal (not one that dumps core): die of that signal, as
 * the command did.  Returns otherwise. */
void nj_die_as(int status);

/* Parse "1.2.3.4", "1.2.3.4:80", "[::1]:80", "[::1]" or "::1" (a bare IPv6 address has no
 * port) into d (kind, ip, port; NJ_PORT_ANY without a port).  Returns 0 or -EINVAL. */
int nj_cli_ip_dest(const char *s, struct nj_dest *d);

/* After getopt_long returned '?' or ':' (an optstring starting "+:" or "-:"), say which option
 * was wrong: "netjail: unknown option -x" or "netjail: option -r needs an argument".  Long
 * options without a short form have values above 255, so that optopt tells the two apart. */
void nj_cli_badopt(int c, char *const argv[]);

int nj_cmd_run(int argc, char **argv);
int nj_cmd_check(int argc, char **argv);
int nj_cmd_compile(int argc, char **argv);
int nj_cmd_explain(int argc, char **argv);
int nj_cmd_presets(int argc, char **argv);
int nj_cmd_learn(int argc, char **argv);

#endif
