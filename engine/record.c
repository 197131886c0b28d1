/* record.c - the decision record of SPEC.md §6: one description of a decision, written as the
 * line people read or as one JSON object for programs (NETJAIL_LOG_FORMAT=json, and what
 * netjail learn reads).  One source for both, so they cannot say different things.
 *
 *   netjail: deny connect tcp 127.0.0.1:8081 (curl[42]): block @loopback (/etc/app.rules:3)
 *   {"v":1,"time":"2026-12-03T14:00:00.123Z","pid":42,"prog":"curl","call":"connect",
 *    "verdict":"deny","mode":"enforce","proto":"tcp","addr":"127.0.0.1","port":8081,
 *    "reason":"blocked","rule":"block @loopback","file":"/etc/app.rules","line":3,
 *    "message":"block @loopback (/etc/app.rules:3)"}
 *
 * Pure and async-signal-safe: no allocation, no I/O; the caller supplies the time and writes
 * the line. */
#include <string.h>

#include "engine/internal.h"

/* ---- the line's pieces (SPEC.md §6) ---- */

static void
head(struct nj_buf *b, const struct nj_record *r)
{
	switch (r->verdict) {
	case NJ_REC_ERROR: nj_buf_str(b, "netjail: error: "); return;
	case NJ_REC_WARNING: nj_buf_str(b, "netjail: warning: "); return;
	default:
		nj_buf_str(b,
		    r->verdict == NJ_REC_WOULD_DENY ? "netjail: would deny " : "netjail: deny ");
		nj_buf_str(b, r->call ? r->call : "?");
	}
}

static void
who(struct nj_buf *b, const struct nj_record *r)
{
	nj_buf_str(b, " (");
	nj_buf_str(b, r->prog ? r->prog : "?");
	nj_buf_ch(b, '[');
	nj_buf_uint(b, r->pid);
	nj_buf_str(b, "]): ");
}

void
nj_line_dest(struct nj_buf *b, const struct nj_dest *d)
{
	char ip[64];

	switch (d->kind) {
	case NJ_DEST_IP:
		nj_buf_str(b,
		    d->proto == NJ_PROTO_TCP     ? "tcp " :
		        d->proto == NJ_PROTO_UDP ? "udp " :
		                                   "ip ");
		nj_ip_format(&d->ip, ip, sizeof(ip));
		if (d->ip.family == 6)
			nj_buf_ch(b, '[');
		nj_buf_str(b, ip);
		if (d->ip.family == 6)
			nj_buf_ch(b, ']');
		if (d->port != NJ_PORT_ANY) {
			nj_buf_ch(b, ':');
			nj_buf_uint(b, (unsigned long)d->port);
		}
		break;
	case NJ_DEST_UNIX:
		nj_buf_str(b, "unix ");
		if (d->abstract)
			nj_buf_ch(b, '@');
		/* abstract names may hold any byte: keep the line one line */
		for (size_t i = 0; i < d->pathlen; i++) {
			char c = d->path[i];

			nj_buf_ch(b, (c >= 0x20 && c < 0x7f) ? c : '?');
		}
		if (d->pathlen == 0 && !d->abstract)
			nj_buf_str(b, "(unnamed)");
		break;
	default:
		nj_buf_str(b, "family ");
		if (nj_family_name(d->family))
			nj_buf_str(b, nj_family_name(d->family));
		else
			nj_buf_uint(b, (unsigned long)d->family);
		break;
	}
}

void
nj_line_end(struct nj_buf *b)
{
	if (b->len > b->size - 1)
		b->len = b->size - 1; /* truncated: still one line */
	b->p[b->len++] = '\n';
}

/* The name a record's destination came from: the lookup a connect's answer came from, or
 * the name a lookup asked for.  NULL: none. */
static const char *
named(const struct nj_record *r)
{
	return r->host && r->host[0] ? r->host : r->answers ? r->what : NULL;
}

/* What the line says after "(prog[pid]): ": the reason in words. */
static void
message(struct nj_buf *b, const struct nj_record *r)
{
	if (r->answers) {
		if (r->removed == r->total) {
			nj_buf_str(b, "every answer denied (");
		} else {
			nj_buf_str(b, "removed ");
			nj_buf_uint(b, r->removed);
			nj_buf_str(b, " of ");
			nj_buf_uint(b, r->total);
			nj_buf_str(b, " answers (");
		}
		nj_buf_str(b, r->answers);
		nj_buf_str(b, "): ");
	}
	if (r->reason == NJ_WHY_NO_RULES) {
		nj_buf_str(b, "no valid rules loaded (NETJAIL_RULES");
		if (r->rules_path && r->rules_path[0]) {
			nj_buf_ch(b, '=');
			nj_buf_str(b, r->rules_path);
		}
		nj_buf_str(b, "): every destination is denied");
	} else if (r->rules && r->v && r->vdest) {
		nj_verdict_why_for(b, r->rules, r->vdest, r->v, named(r));
	} else if (r->text) {
		nj_buf_str(b, r->text);
	}
	if (r->suggest && !(r->rules && r->v)) {
		nj_buf_str(b, "; netjail run --supervise can jail it, or to allow it: ");
		nj_buf_str(b, r->suggest);
	}
}

void
nj_record_text(struct nj_buf *b, const struct nj_record *r)
{
	head(b, r);
	if (r->verdict == NJ_REC_ERROR || r->verdict == NJ_REC_WARNING) {
		if (r->file) {
			nj_buf_str(b, r->file);
			if (r->line) {
				nj_buf_ch(b, ':');
				nj_buf_uint(b, r->line);
				nj_buf_ch(b, ':');
				nj_buf_uint(b, r->col);
			}
			nj_buf_str(b, ": ");
		}
		nj_buf_str(b, r->text ? r->text : "");
		if (r->effect) {
			nj_buf_str(b, "; ");
			nj_buf_str(b, r->effect);
		}
	} else {
		if (r->dest) {
			nj_buf_ch(b, ' ');
			nj_line_dest(b, r->dest);
			if (r->host && r->host[0]) {
				nj_buf_str(b, " for ");
				nj_buf_str(b, r->host);
			}
		} else if (r->what && r->what[0]) {
			nj_buf_ch(b, ' ');
			nj_buf_str(b, r->what);
		}
		who(b, r);
		message(b, r);
	}
	if (r->count) {
		nj_buf_str(b, " [");
		nj_buf_uint(b, r->count);
		nj_buf_str(b, " more like it not shown]");
	}
}

/* ---- JSON ---- */

void
nj_buf_json_str(struct nj_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	nj_buf_ch(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			nj_buf_ch(b, '\\');
			nj_buf_ch(b, (char)c);
		} else if (c == '\n') {
			nj_buf_str(b, "\\n");
		} else if (c == '\t') {
			nj_buf_str(b, "\\t");
		} else if (c < 0x20 || c >= 0x7f) {
			/* one \u00XX per byte: the record stays ASCII and valid, and a reader
			 * gets the bytes back (netjail learn does) */
			nj_buf_str(b, "\\u00");
			nj_buf_ch(b, hex[c >> 4]);
			nj_buf_ch(b, hex[c & 15]);
		} else {
			nj_buf_ch(b, (char)c);
		}
	}
	nj_buf_ch(b, '"');
}

static void
key(struct nj_buf *b, const char *k)
{
	nj_buf_str(b, ",\"");
	nj_buf_str(b, k);
	nj_buf_str(b, "\":");
}

/* Strings longer than this are cut (the record says so): a record that would not fit its
 * line is written again with it set low. */
struct jctx {
	struct nj_buf *b;
	size_t cap;
	int cut;
};

static void
jstr(struct jctx *j, const char *v, size_t n)
{
	if (n > j->cap) {
		n = j->cap;
		j->cut = 1;
	}
	nj_buf_json_str(j->b, v, n);
}

static void
kstr(struct jctx *j, const char *k, const char *v)
{
	key(j->b, k);
	jstr(j, v, strlen(v));
}

static void
knum(struct jctx *j, const char *k, unsigned long v)
{
	key(j->b, k);
	nj_buf_uint(j->b, v);
}

static void
digits(struct nj_buf *b, unsigned long v, int width)
{
	char d[20];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < 20);
	while (n < width--)
		nj_buf_ch(b, '0');
	while (n > 0)
		nj_buf_ch(b, d[--n]);
}

void
nj_buf_time(struct nj_buf *b, long long sec, unsigned msec)
{
	/* days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's method) */
	long long days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
	long long rem = sec - days * 86400, z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	long long y = yoe + era * 400 + (m <= 2);

	digits(b, (unsigned long)(y < 0 ? 0 : y), 4);
	nj_buf_ch(b, '-');
	digits(b, (unsigned long)m, 2);
	nj_buf_ch(b, '-');
	digits(b, (unsigned long)d, 2);
	nj_buf_ch(b, 'T');
	digits(b, (unsigned long)(rem / 3600), 2);
	nj_buf_ch(b, ':');
	digits(b, (unsigned long)(rem / 60 % 60), 2);
	nj_buf_ch(b, ':');
	digits(b, (unsigned long)(rem % 60), 2);
	nj_buf_ch(b, '.');
	digits(b, msec % 1000, 3);
	nj_buf_ch(b, 'Z');
}

static const char *
reason_word(int reason)
{
	switch (reason) {
	case NJ_WHY_NO_ALLOW: return "no-allow";
	case NJ_WHY_BLOCKED: return "blocked";
	case NJ_WHY_NO_RULES: return "no-rules";
	case NJ_WHY_UNJAILABLE: return "unjailable";
	case NJ_WHY_MALFORMED: return "malformed";
	case NJ_WHY_IO_URING: return "io-uring";
	case NJ_WHY_UNCHECKABLE: return "uncheckable";
	case NJ_WHY_RULES_ERROR: return "rules-error";
	case NJ_WHY_SETTING: return "setting";
	default: return NULL;
	}
}

static const char *
verdict_word(int verdict)
{
	switch (verdict) {
	case NJ_REC_WOULD_DENY: return "would-deny";
	case NJ_REC_ERROR: return "error";
	case NJ_REC_WARNING: return "warning";
	default: return "deny";
	}
}

static void
json_dest(struct jctx *j, const struct nj_dest *d)
{
	char ip[64];

	switch (d->kind) {
	case NJ_DEST_IP:
		kstr(j, "proto",
		    d->proto == NJ_PROTO_TCP     ? "tcp" :
		        d->proto == NJ_PROTO_UDP ? "udp" :
		                                   "ip");
		nj_ip_format(&d->ip, ip, sizeof(ip));
		kstr(j, "addr", ip);
		if (d->port != NJ_PORT_ANY)
			knum(j, "port", (unsigned long)d->port);
		break;
	case NJ_DEST_UNIX:
		key(j->b, "path");
		jstr(j, d->path, d->pathlen);
		if (d->abstract)
			nj_buf_str(j->b, ",\"abstract\":true");
		break;
	default:
		if (nj_family_name(d->family))
			kstr(j, "family", nj_family_name(d->family));
		else
			knum(j, "family", (unsigned long)d->family);
		break;
	}
}

/* The deciding rule, the file, and the rule that would allow it. */
static void
json_verdict(struct jctx *j, const struct nj_record *r)
{
	const struct nj_rules *rs = r->rules;
	const struct nj_verdict *v = r->v;
	char tmp[300];

	if (r->vdest->kind == NJ_DEST_IP && v->naddr > 1 &&
	    memcmp(&v->addr, &r->vdest->ip, sizeof(v->addr)) != 0) {
		nj_ip_format(&v->addr, tmp, sizeof(tmp));
		kstr(j, "denied", tmp); /* the address it stands for that was denied */
	}
	if (v->rule != NJ_NORULE) {
		nj_rule_format(rs, v->rule, tmp, sizeof(tmp));
		kstr(j, "rule", tmp);
		kstr(j, "file", rs->file);
		knum(j, "line", rs->rule[v->rule].line);
	} else {
		kstr(j, "file", rs->file);
		nj_suggest_allow_for(r->vdest, r->vdest->kind == NJ_DEST_IP ? &v->addr : NULL,
		    named(r), tmp, sizeof(tmp));
		kstr(j, "suggest", tmp);
	}
}

/* The record as JSON, strings cut to cap bytes. */
static void
json(struct nj_buf *b, const struct nj_record *r, size_t cap)
{
	char msg[NJ_LINE_MAX];
	struct nj_buf m = { msg, sizeof(msg), 0 };
	struct jctx jc = { b, cap, 0 }, *j = &jc;
	const char *why = reason_word(r->reason);
	int verdict = r->rules && r->v && r->vdest;

	nj_buf_str(b, "{\"v\":1");
	if (r->time) {
		key(b, "time");
		nj_buf_ch(b, '"');
		nj_buf_time(b, r->time, r->msec);
		nj_buf_ch(b, '"');
	}
	knum(j, "pid", r->pid);
	kstr(j, "prog", r->prog ? r->prog : "?");
	if (r->call)
		kstr(j, "call", r->call);
	kstr(j, "verdict", verdict_word(r->verdict));
	if (r->verdict == NJ_REC_DENY || r->verdict == NJ_REC_WOULD_DENY)
		kstr(j, "mode", r->verdict == NJ_REC_WOULD_DENY ? "audit" : "enforce");
	if (r->dest) {
		json_dest(j, r->dest);
		if (r->host && r->host[0])
			kstr(j, "host", r->host);
	} else if (r->what && r->what[0])
		kstr(j, r->answers ? "name" : r->suggest ? "path" : "what", r->what);
	if (r->answers) {
		kstr(j, "answers", r->answers);
		knum(j, "removed", r->removed);
		knum(j, "total", r->total);
	}
	if (verdict)
		why = r->v->rule != NJ_NORULE ? "blocked" : "no-allow";
	if (why)
		kstr(j, "reason", why);
	if (verdict)
		json_verdict(j, r);
	else if (r->reason == NJ_WHY_NO_RULES && r->rules_path && r->rules_path[0])
		kstr(j, "file", r->rules_path);
	if (r->suggest && !verdict)
		kstr(j, "suggest", r->suggest);
	if (r->verdict == NJ_REC_ERROR || r->verdict == NJ_REC_WARNING) {
		if (r->file)
			kstr(j, "file", r->file);
		if (r->line) {
			knum(j, "line", r->line);
			knum(j, "col", r->col);
		}
		kstr(j, "message", r->text ? r->text : "");
		if (r->effect)
			kstr(j, "effect", r->effect);
	} else {
		message(&m, r);
		key(b, "message");
		jstr(j, msg, m.len < sizeof(msg) ? m.len : sizeof(msg) - 1);
	}
	if (r->count)
		knum(j, "count", r->count);
	if (jc.cut)
		nj_buf_str(b, ",\"cut\":true");
	nj_buf_ch(b, '}');
}

void
nj_record_json(struct nj_buf *b, const struct nj_record *r)
{
	size_t start = b->len;

	json(b, r, (size_t)-1);
	if (b->len + 1 < b->size)
		return;
	b->len = start; /* too long for one line: the strings cut, and said so */
	json(b, r, 160);
	if (b->len + 1 >= b->size) {
		b->len = start;
		nj_buf_str(b, "{\"v\":1,\"cut\":true}");
	}
}
