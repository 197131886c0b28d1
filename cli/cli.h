/* cli.h - shared by the netjail command's files: loading rules and printing diagnostics. */
#ifndef NJ_CLI_H
#define NJ_CLI_H

#include "rules.h"

/* Exit statuses of SPEC.md §8. */
#define EXIT_USAGE 2

/* Load RULES (or the built-in default policy when path is NULL), printing every error and
 * warning to stderr as FILE:LINE:COL: error|warning: MESSAGE.  With lint, the warnings of
 * nj_rules_lint are printed too.  Returns the rule set or NULL (errors printed).  The
 * counts of errors and warnings printed are added to *ret_nerr and *ret_nwarn when given. */
struct nj_rules *nj_cli_load(const char *path, const struct nj_sys *sys, int lint,
    size_t *ret_nerr, size_t *ret_nwarn);

int nj_cmd_run(int argc, char **argv);
int nj_cmd_check(int argc, char **argv);
int nj_cmd_compile(int argc, char **argv);
int nj_cmd_explain(int argc, char **argv);
int nj_cmd_presets(int argc, char **argv);

#endif
