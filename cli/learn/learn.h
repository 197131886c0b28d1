/* learn.h - private to netjail learn (cli/learn/): what it gathers, and the files that each do
 * one job: main.c (run the command), records.c (read its records), suggest.c and nextrun.c
 * (what rule each destination gets), entries.c (gather them), write.c (write them out). */
#ifndef NJ_LEARN_H
#define NJ_LEARN_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "cli/cli.h"

#define EXIT_LEARN 125 /* learn itself failed after the command ran (as env(1) says) */
#define NAMES_KEPT 16 /* programs, calls and destinations kept per entry */
#define NAMES_SHOWN 8
#define TEXT_MAX 1024 /* one comment line we write, before sanitising */

/* A small sorted set of names: a full set keeps the smallest, so what it holds does not
 * depend on the order they came in. */
struct names {
	char *v[NAMES_KEPT];
	size_t n;
	int more; /* some were not kept */
};

enum section {
	S_ALLOW = '1', /* a suggested allow rule */
	S_BLOCKED = '2', /* a block rule decides: an allow would not help */
	S_NOTE = '3', /* no rule can allow it, or it cannot be written as one */
	S_NAME = '4', /* names whose answers the resolver wrapper would remove */
};

/* One suggested rule or note.  key: the section, a sort key, then the text (entries.c). */
struct entry {
	char *key;
	const char *text; /* points into key: the rule, or the note */
	char *why; /* NULL, or why the rule is wider than what was seen */
	unsigned long count;
	struct names progs, calls, dests;
	int gone; /* merged into another (nj_learn_group_names): not written */
};

struct learned {
	struct entry **slot; /* open addressing, linear probing, a power of two */
	size_t cap, n;
	unsigned long decisions, skipped, said;
	unsigned long weight; /* how many decisions the record being read stands for */
	int wildcards; /* --wildcards: sibling names under one wildcard host rule */
	struct names shim_said; /* the shim's own error and warning lines, once each */
	int oom;
	/* what changes from one run to the next (nextrun.c) */
	int eph_lo, eph_hi; /* this machine's ephemeral port range; 0 0: unknown */
	char tmpdir[PATH_MAX]; /* $TMPDIR, when it is one */
	struct timespec start; /* when the command started (CLOCK_REALTIME) */
};

/* ---- entries.c ---- */
/* snprintf for texts that may be cut harmlessly (comments; rules a cut would make fail). */
void nj_learn_fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
/* Add p[0..n) to s once.  0 or -ENOMEM. */
int nj_names_add(struct names *s, const char *p, size_t n);
void nj_names_free(struct names *s);
/* Count L->weight decisions for the entry (section, sortkey, text), made by call on dest (or
 * NULL) by prog[0..progn).  The entry, or NULL when out of memory (then L->oom). */
struct entry *nj_learn_add(struct learned *L, int section, const char *sortkey, const char *text,
    const char *call, const char *dest, const char *prog, size_t progn);
/* nj_learn_add of an allow rule wider than what was seen: why says why (the first kept). */
void nj_learn_add_wide(struct learned *L, const char *sortkey, const char *rule, const char *why,
    const char *call, const char *dest, const char *prog, size_t progn);
void nj_learned_free(struct learned *L);

/* ---- suggest.c: one destination the rules would have denied ----
 * dtext is how the record names it (for the comment). */
void nj_learn_ip(struct learned *L, const struct nj_rules *r, struct nj_dest *d, const char *host,
    const char *call, const char *dtext, const char *prog, size_t progn);
/* --wildcards: the host rules of two or more names under one parent domain (of two labels or
 * more), for the same proto and port, become one "allow ... host *.PARENT ...". */
void nj_learn_group_names(struct learned *L);
void nj_learn_other(struct learned *L, const struct nj_rules *r, const struct nj_dest *d,
    const char *call, const char *dtext, const char *prog, size_t progn);
/* A program the preload cannot follow: lit as the shim saw it, canon where its links lead. */
void nj_learn_exec(struct learned *L, const struct nj_rules *r, const char *call, const char *lit,
    const char *canon, const char *why, const char *prog, size_t progn);

/* ---- nextrun.c ---- */
/* This machine's ephemeral port range, TMPDIR and the time: just before the command runs. */
void nj_learn_machine(struct learned *L);
int nj_learn_ephemeral(const struct learned *L, int port);
/* A unix path in a directory made for the run: 1 with the glob rule's path in glob. */
int nj_learn_temp_glob(const struct learned *L, const char *path, char *glob, size_t size);

/* ---- records.c ---- */
/* Every record of the log f (JSON, one per line) into L, decided against r.  A line that is
 * not one whole record of ours is counted in L->skipped. */
void nj_learn_records(struct learned *L, const struct nj_rules *r, FILE *f);

/* ---- write.c ---- */
/* Where -o writes (out's links followed), with its mode; checked before the command runs.
 * 0, or -1 (printed). */
int nj_learn_out_target(const char *out, char *path, size_t size, mode_t *ret_mode);
/* What the shim said, the rules text and the learned section to out (NULL: standard output),
 * a summary on stderr.  0, or -1 (printed). */
int nj_learn_emit(struct learned *L, const char *text, size_t tlen, char **argv, const char *rpath,
    const char *out, mode_t mode);

#endif
