/* sys.h - the platform layer: the engine's I/O (reading and mapping policies, this machine's
 * addresses and resolvers), canonical paths, and where decision lines go.  Shared by the shim,
 * the library and the command; depends only on engine/. */
#ifndef NJ_SYS_H
#define NJ_SYS_H

#include <stddef.h>

#include "engine/engine.h"

/* ---- load.c, hostinfo.c ---- */

/* I/O.  Read the rules file at path (opened non-blocking; must be a regular file of at most
 * NJ_MAX_FILE bytes) and parse it as nj_rules_parse does; or, when it starts with the magic
 * of a compiled policy (nj_rules_compile; at most NJ_MAX_COMPILED bytes), map it and
 * validate it whole.  File-level problems are line-0 errors in diags and -errno returns.
 * A world-writable file gets a warning. */
#define NJ_MAX_COMPILED (1024u << 20)
int nj_rules_load(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags);

/* I/O.  nj_rules_load, keeping the text: when the file held rules text and parsed, *ret_text
 * is that text (NUL-terminated, malloc'd: the caller frees it) and *ret_len its length; for
 * a compiled file, or on failure, *ret_text is NULL.  ret_text and ret_len are both given or
 * both NULL (then this is nj_rules_load). */
int nj_rules_load_text(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags, char **ret_text, size_t *ret_len);

/* I/O.  Write r in compiled form to fd (nj_rules_load maps it back with one mmap).  r must
 * have been parsed without a struct nj_sys (the dynamic presets are filled in where the
 * compiled file loads): otherwise -EINVAL.  Returns 0 or -errno. */
int nj_rules_compile(const struct nj_rules *r, int fd);
/* I/O.  Write p[0..n) whole to the descriptor *(int *)arg (EINTR retried): 0 or -errno.  The
 * shape nj_compiled_write's writer takes. */
int nj_write_all(void *arg, const void *p, size_t n);

/* ---- cache.c: the snapshot cache (docs/design.md, "Snapshots") ---- */

/* A snapshot: a cache entry, named by its content key and pinned by its identity. */
struct nj_snap {
	char key[65]; /* hex SHA-256; "" for none */
	unsigned long long dev, ino, size;
	long long ctime_sec;
	long ctime_nsec;
	char path[4096];
};

/* I/O.  This user's cache directory for this build, made if missing (0700): 0, or -errno
 * when there is none to use (no HOME, not ours, not private). */
int nj_cache_dir(char *out, size_t size);

/* I/O.  nj_rules_load through the cache: the set is the policy's entry, mapped shared, made
 * when missing (snap filled; its key "" when no cache could be used, and the set was loaded
 * as nj_rules_load does).  path is absolute. */
int nj_rules_load_cached(const char *path, const struct nj_sys *sys, struct nj_rules **ret,
    struct nj_diags *diags, struct nj_snap *snap);

/* I/O.  The snapshot s mapped: its entry must still be the file it was (inode, size, ctime,
 * ours and read-only): -ESTALE (with *why) when it is not, -errno when it cannot be opened. */
int nj_snap_map(const struct nj_snap *s, const struct nj_sys *sys, struct nj_rules **ret,
    const char **why);

/* I/O.  The policy at path loaded privately, only when its content key is still key: else
 * -ESTALE.  What a process does whose snapshot it cannot open (it changed user). */
int nj_rules_load_keyed(const char *path, const char *key, const struct nj_sys *sys,
    struct nj_rules **ret, struct nj_diags *diags);

/* NETJAIL_SNAPSHOT's value: "KEY:DEV:INO:SIZE:CSEC.CNSEC:PATH" (hex numbers).  format is
 * snprintf-like; parse returns 0 or -EINVAL. */
size_t nj_snap_format(const struct nj_snap *s, char *buf, size_t size);
int nj_snap_parse(const char *v, struct nj_snap *s);

/* I/O.  Gather @self (getifaddrs) and @resolvers (/etc/resolv.conf; a missing file gives an
 * empty set).  Returns 0 or -ENOMEM; *ret must be released with nj_sys_free. */
int nj_sys_gather(struct nj_sys *ret);
void nj_sys_free(struct nj_sys *s);

/* I/O (path.c).  path[0..n) made absolute and canonical the way the kernel will resolve it
 * (symbolic links followed, "." and ".." taken physically); a path that does not resolve is
 * given as written, made absolute: the unix socket paths the rules see (SPEC.md §3), and the
 * programs an "allow exec" rule names.
 * Returns 0, or -1 when it does not fit or n is 0 (the caller denies).
 * Async-signal-safe: readlink(2) and getcwd(3) into our buffers only; errno may change. */
int nj_path_abs(const char *path, size_t n, char *out, size_t size);

/* ---- ratelimit.c: identical lines from one process, written a few times, then summarised
 * (the first 3; then one at the 10th, 100th, 1000th..., or an hour after the last written,
 * with the count of those held back).  Lock-free and allocation-free once its table is
 * mapped (on the first line): async-signal-safe. ---- */
enum { NJ_RL_WRITE = 1, NJ_RL_HOLD = 0 };
/* Note one line, told apart from others by key[0..keylen); line[0..len) is what is written
 * (kept for the summary at exit).  NJ_RL_WRITE: write it, and when *ret_held is not 0, say
 * that many like it were held back since the last one written; NJ_RL_HOLD: do not. */
int nj_rl_note(const char *key, size_t keylen, const char *line, size_t len,
    unsigned long *ret_held);
/* At exit: fn(line, len, held, arg) for each line with some held back since it was last
 * written: the line as first held stands for the last of them, held counts the others (it
 * may be 0). */
void nj_rl_flush(void (*fn)(const char *line, size_t len, unsigned long held, void *arg),
    void *arg);

/* ---- log.c: where decision records go (the shim's NETJAIL_LOG and NETJAIL_LOG_FORMAT, the
 * supervisor's --log) ---- */
enum nj_logdest { NJ_LOG_STDERR = 0, NJ_LOG_OFF, NJ_LOG_FILE };
struct nj_log {
	int dest; /* enum nj_logdest */
	const char *path; /* NJ_LOG_FILE: absolute; opened, written and closed per line */
	int json; /* one JSON object per line, not the text */
	int audit; /* audit mode: "would deny", and every line written */
};
/* NETJAIL_LOG's value into l: "stderr" (or NULL, ""), "off", an absolute path.  0, or -EINVAL
 * (l left at stderr).  Async-signal-safe. */
int nj_log_set_dest(struct nj_log *l, const char *value);
/* NETJAIL_LOG_FORMAT's value: "text" (or NULL, ""), "json".  0, or -EINVAL (text). */
int nj_log_set_format(struct nj_log *l, const char *value);
/* Write r where l says, as its format says, stamped with the time (JSON).  Identical denials
 * are rate-limited (ratelimit.c) but in audit mode; errors and warnings are not.  One
 * write(2) per line.  Async-signal-safe; errno kept. */
void nj_log_record(const struct nj_log *l, struct nj_record *r);
/* At exit: the lines held back since their last summary. */
void nj_log_flush(const struct nj_log *l);

#endif
