/* log.c - the shim's decision records: built here, written by sys/log.c (where NETJAIL_LOG
 * says, as NETJAIL_LOG_FORMAT says, rate-limited). */
#include <errno.h>
#include <unistd.h>

#include "shim/shim.h"

/* A record of this process, in this mode. */
static void
who(struct nj_record *r, const struct nj_config *c, const char *call)
{
	r->verdict = c->audit ? NJ_REC_WOULD_DENY : NJ_REC_DENY;
	r->call = call;
	r->prog = c->prog;
	r->pid = (unsigned long)getpid();
}

/* What decided: the rule set and its verdict for d, or no valid rules at all. */
static void
decided_by(struct nj_record *rec, const struct nj_config *c, const struct nj_dest *d,
    const struct nj_verdict *v, const struct nj_rules *r)
{
	if (r == NULL) {
		rec->reason = NJ_WHY_NO_RULES;
		rec->rules_path = c->rules_path;
	} else {
		rec->rules = r;
		rec->v = v;
		rec->vdest = d;
	}
}

void
nj_log_verdict(const char *call, const struct nj_dest *d, const struct nj_verdict *v,
    const struct nj_rules *r, const char *host)
{
	const struct nj_config *c = nj_shim();
	struct nj_record rec = { 0 };

	if (c->log.dest == NJ_LOG_OFF)
		return;
	who(&rec, c, call);
	rec.dest = d;
	rec.host = host;
	decided_by(&rec, c, d, v, r);
	nj_log_record(&c->log, &rec);
}

void
nj_log_text(const char *call, int reason, const char *what, const char *why, const char *suggest)
{
	const struct nj_config *c = nj_shim();
	struct nj_record rec = { 0 };

	if (c->log.dest == NJ_LOG_OFF)
		return;
	who(&rec, c, call);
	rec.reason = reason;
	rec.what = what;
	rec.text = why;
	rec.suggest = suggest;
	nj_log_record(&c->log, &rec);
}

void
nj_log_lookup(const char *call, const char *name, const char *answers, unsigned removed,
    unsigned total, const struct nj_dest *d, const struct nj_verdict *v, const struct nj_rules *r)
{
	const struct nj_config *c = nj_shim();
	struct nj_record rec = { 0 };

	if (c->log.dest == NJ_LOG_OFF)
		return;
	who(&rec, c, call);
	rec.what = name ? name : "(null)";
	rec.answers = answers;
	rec.removed = removed;
	rec.total = total;
	decided_by(&rec, c, d, v, r);
	nj_log_record(&c->log, &rec);
}

/* Start-up problems: they may come before the configuration is complete; nj_shim() then
 * gives the configuration as far as it goes (stderr, text, until NETJAIL_LOG is read). */
void
nj_log_problem(int verdict, int reason, const char *file, uint32_t line, uint32_t col,
    const char *text, const char *effect)
{
	const struct nj_config *c = nj_shim();
	struct nj_record rec = { 0 };

	if (c->log.dest == NJ_LOG_OFF)
		return;
	rec.verdict = verdict;
	rec.reason = reason;
	rec.prog = c->prog;
	rec.pid = (unsigned long)getpid();
	rec.file = file;
	rec.line = line;
	rec.col = col;
	rec.text = text;
	rec.effect = effect;
	nj_log_record(&c->log, &rec);
}

/* At exit, the lines held back since their last summary.  Hot, with what it calls when
 * nothing was held (nj_log_flush, nj_rl_flush): every process runs it, and on the start-up
 * page of code it costs no page fault of its own. */
__attribute__((destructor, hot)) static void
flush_held(void)
{
	nj_log_flush(&nj_shim()->log);
}
