/* records.c - netjail learn reads the records the command's processes wrote (JSON, one per
 * line: engine/record.c, NETJAIL_LOG_FORMAT=json) by their named fields, never a sentence.
 *
 * The log is the command's to write into too (it is in NETJAIL_LOG): a line that is not one
 * whole flat JSON object of ours is counted and skipped, and what a record suggests is never
 * copied (suggest.c builds every rule from the destination itself). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/learn/learn.h"

#define FIELDS_MAX 32

/* One field: its key, and its value as text (a string unescaped, a number or true/false as
 * written), both pointing into the caller's buffer and NUL-terminated. */
struct field {
	const char *key, *val;
	size_t vlen;
	int string;
};

struct record {
	struct field f[FIELDS_MAX];
	size_t n;
};

/* A JSON string at *p (after its opening quote), unescaped in place: \u00XX is the byte XX
 * (what the record writer makes of a byte outside printable ASCII), other \uXXXX are
 * written as UTF-8.  Returns its length, or -1. */
static long
unquote(char **p)
{
	char *r = *p, *w = *p, *start = *p;

	for (;;) {
		unsigned char c = (unsigned char)*r++;

		if (c == '"')
			break;
		if (c == '\0' || c < 0x20)
			return -1;
		if (c != '\\') {
			*w++ = (char)c;
			continue;
		}
		switch (c = (unsigned char)*r++) {
		case '"':
		case '\\':
		case '/': *w++ = (char)c; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u': {
			unsigned v = 0;

			for (int i = 0; i < 4; i++) {
				char h = *r++;

				v <<= 4;
				if (h >= '0' && h <= '9')
					v |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					v |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					v |= (unsigned)(h - 'A' + 10);
				else
					return -1;
			}
			if (v < 0x100) {
				if (v == 0)
					return -1; /* a NUL would cut the value */
				*w++ = (char)v;
			} else if (v < 0x800) {
				*w++ = (char)(0xc0 | (v >> 6));
				*w++ = (char)(0x80 | (v & 0x3f));
			} else {
				*w++ = (char)(0xe0 | (v >> 12));
				*w++ = (char)(0x80 | ((v >> 6) & 0x3f));
				*w++ = (char)(0x80 | (v & 0x3f));
			}
			break;
		}
		default: return -1;
		}
	}
	*p = r;
	*w = '\0';
	return (long)(w - start);
}

static char *
blank(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse line (modified in place) as one flat object: string keys, values that are strings,
 * numbers, true, false or null.  0, or -1. */
static int
parse(char *line, struct record *rec)
{
	char *p = blank(line);

	rec->n = 0;
	if (*p++ != '{')
		return -1;
	p = blank(p);
	if (*p == '}')
		return *blank(p + 1) == '\0' ? 0 : -1;
	for (;;) {
		struct field *f;
		long n;

		if (rec->n == FIELDS_MAX || *p++ != '"')
			return -1;
		f = &rec->f[rec->n++];
		f->key = p;
		if (unquote(&p) < 0)
			return -1;
		p = blank(p);
		if (*p++ != ':')
			return -1;
		p = blank(p);
		if (*p == '"') {
			p++;
			f->val = p;
			if ((n = unquote(&p)) < 0)
				return -1;
			f->vlen = (size_t)n;
			f->string = 1;
		} else {
			size_t k = strspn(p, "-+.0123456789eEtrufalsn");

			if (k == 0)
				return -1;
			f->val = p;
			f->vlen = k;
			f->string = 0;
			p += k;
			/* terminated below, once the separator after it has been read */
		}
		p = blank(p);
		if (*p == ',') {
			if (!f->string)
				*p = '\0';
			p = blank(p + 1);
			continue;
		}
		if (*p != '}')
			return -1;
		if (!f->string)
			*p = '\0';
		return *blank(p + 1) == '\0' ? 0 : -1;
	}
}

static const struct field *
get(const struct record *rec, const char *key)
{
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(rec->f[i].key, key) == 0)
			return &rec->f[i];
	return NULL;
}

static const char *
str(const struct record *rec, const char *key)
{
	const struct field *f = get(rec, key);

	return f && f->string && strlen(f->val) == f->vlen ? f->val : NULL;
}

/* A whole number in [0, max], or -1. */
static long
num(const struct record *rec, const char *key, long max)
{
	const struct field *f = get(rec, key);
	unsigned long v;

	if (f == NULL || f->string)
		return -1;
	if (nj_num_parse(f->val, f->vlen, (unsigned long)max, &v) != 0)
		return -1;
	return (long)v;
}

static int
yes(const struct record *rec, const char *key)
{
	const struct field *f = get(rec, key);

	return f && !f->string && strcmp(f->val, "true") == 0;
}

/* The destination of a record: 1 with d filled, 0 when it has none, -1 when it is wrong. */
static int
dest_of(const struct record *rec, struct nj_dest *d)
{
	const char *proto = str(rec, "proto"), *addr = str(rec, "addr");
	const char *path = get(rec, "path") ? str(rec, "path") : NULL;
	const struct field *fam = get(rec, "family");
	long port;

	memset(d, 0, sizeof(*d));
	if (addr) {
		if (proto == NULL)
			return -1;
		d->kind = NJ_DEST_IP;
		if (strcmp(proto, "tcp") == 0)
			d->proto = NJ_PROTO_TCP;
		else if (strcmp(proto, "udp") == 0)
			d->proto = NJ_PROTO_UDP;
		else if (strcmp(proto, "ip") == 0)
			d->proto = NJ_PROTO_OTHER;
		else
			return -1;
		if (nj_ip_parse(addr, strlen(addr), &d->ip) != 0)
			return -1;
		if (get(rec, "port") == NULL)
			d->port = NJ_PORT_ANY;
		else if ((port = num(rec, "port", 65535)) < 0)
			return -1;
		else
			d->port = (int)port;
		return 1;
	}
	if (fam) {
		d->kind = NJ_DEST_FAMILY;
		d->family = fam->string ? nj_family_find(fam->val, strlen(fam->val)) :
		                          (int)num(rec, "family", 255);
		return d->family < 0 ? -1 : 1;
	}
	if (path && !(str(rec, "reason") && strcmp(str(rec, "reason"), "unjailable") == 0)) {
		/* a unix destination (a path that is a program's comes with "unjailable") */
		d->kind = NJ_DEST_UNIX;
		d->abstract = yes(rec, "abstract");
		d->path = path;
		d->pathlen = strlen(path);
		if (!d->abstract && path[0] != '/')
			return -1;
		return 1;
	}
	return 0;
}

static int
is_resolver(const char *call)
{
	return strcmp(call, "getaddrinfo") == 0 || strcmp(call, "getaddrinfo_a") == 0 ||
	    strncmp(call, "gethostbyname", 13) == 0;
}

/* "statically linked" from "it is statically linked: the preload cannot follow it" */
static void
short_why(const char *message, char *buf, size_t size)
{
	if (message == NULL)
		message = "";
	if (strncmp(message, "it is ", 6) == 0)
		message += 6;
	nj_learn_fmt(buf, size, "%.*s", (int)strcspn(message, ":;"), message);
}

/* An error or a warning of the shim: said again on stderr, once each (but the one about no
 * allow rules: learning from an empty file is the point). */
static void
problem(struct learned *L, const struct record *rec, int verdict)
{
	struct nj_record r = { 0 };
	char line[NJ_LINE_MAX];
	struct nj_buf b = { line, sizeof(line), 0 };
	long n;

	L->said++;
	r.verdict = verdict;
	r.file = str(rec, "file");
	r.line = (n = num(rec, "line", UINT32_MAX)) > 0 ? (uint32_t)n : 0;
	r.col = (n = num(rec, "col", UINT32_MAX)) > 0 ? (uint32_t)n : 0;
	r.text = str(rec, "message");
	r.effect = str(rec, "effect");
	if (verdict == NJ_REC_WARNING && r.text && strcmp(r.text, "no allow rules") == 0)
		return;
	nj_record_text(&b, &r);
	if (nj_names_add(&L->shim_said, b.p, b.len < sizeof(line) ? b.len : sizeof(line) - 1))
		L->oom = 1;
}

/* One record.  0, or -1 when it is not one of ours (the caller counts it). */
static int
one(struct learned *L, const struct nj_rules *r, const struct record *rec)
{
	const char *verdict = str(rec, "verdict"), *call = str(rec, "call");
	const char *prog = str(rec, "prog"), *what;
	char dtext[NJ_LINE_MAX], why[200];
	struct nj_buf b = { dtext, sizeof(dtext), 0 };
	struct nj_dest d;
	long count = get(rec, "count") ? num(rec, "count", LONG_MAX) : 0;
	int k;

	if (num(rec, "v", 1) != 1 || verdict == NULL || prog == NULL || count < 0)
		return -1;
	if (strcmp(verdict, "error") == 0 || strcmp(verdict, "warning") == 0) {
		problem(L, rec, verdict[0] == 'e' ? NJ_REC_ERROR : NJ_REC_WARNING);
		return 0;
	}
	if ((strcmp(verdict, "would-deny") != 0 && strcmp(verdict, "deny") != 0) || call == NULL)
		return -1;
	if (yes(rec, "cut"))
		return -1; /* a path or a name may have lost its end */
	L->weight = 1 + (unsigned long)count;
	L->decisions += L->weight;
	if ((k = dest_of(rec, &d)) < 0)
		return -1;
	if (k == 1) {
		nj_line_dest(&b, &d);
		dtext[b.len < sizeof(dtext) ? b.len : sizeof(dtext) - 1] = '\0';
		if (d.kind == NJ_DEST_IP)
			nj_learn_ip(L, r, &d, str(rec, "host"), call, dtext, prog, strlen(prog));
		else
			nj_learn_other(L, r, &d, call, dtext, prog, strlen(prog));
		return 0;
	}
	if ((what = str(rec, "path")) != NULL && str(rec, "suggest") &&
	    strncmp(str(rec, "suggest"), "allow exec /", 12) == 0 && what[0] == '/' &&
	    str(rec, "reason") && strcmp(str(rec, "reason"), "unjailable") == 0) {
		short_why(str(rec, "message"), why, sizeof(why));
		nj_learn_exec(L, r, call, what, str(rec, "suggest") + 11, why, prog, strlen(prog));
		return 0;
	}
	if (is_resolver(call) && (what = str(rec, "name")) != NULL && str(rec, "answers")) {
		/* "every answer denied (10.1.2.3)": what follows (why, and the rule that would
		 * allow it) is the connection's business, which has a record of its own */
		long removed = num(rec, "removed", UINT32_MAX),
		     total = num(rec, "total", UINT32_MAX);
		char text[TEXT_MAX];

		if (removed < 1 || total < removed)
			return -1;
		if (removed == total)
			nj_learn_fmt(text, sizeof(text), "%s %s: every answer denied (%s)", call,
			    what, str(rec, "answers"));
		else
			nj_learn_fmt(text, sizeof(text), "%s %s: removed %ld of %ld answers (%s)",
			    call, what, removed, total, str(rec, "answers"));
		nj_learn_add(L, S_NAME, what, text, call, NULL, prog, strlen(prog));
		return 0;
	}
	/* io_uring, a malformed address, a path too long to resolve, an environment too
	 * large: nothing a rule can allow */
	{
		char text[TEXT_MAX];
		const char *w = str(rec, "what") ? str(rec, "what") : str(rec, "path");

		nj_learn_fmt(text, sizeof(text), "%s%s%s: %s; no rule can allow it", call,
		    w && *w ? " " : "", w ? w : "",
		    str(rec, "message") ? str(rec, "message") : "denied");
		nj_learn_add(L, S_NOTE, "", text, call, NULL, prog, strlen(prog));
	}
	return 0;
}

void
nj_learn_records(struct learned *L, const struct nj_rules *r, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct record rec;

	while ((n = getline(&line, &cap, f)) > 0 && !L->oom) {
		size_t len = (size_t)n;

		/* one whole line of ours: a newline at its end, no NUL in it, within the bound */
		if (line[len - 1] != '\n' || len > NJ_RECORD_MAX ||
		    memchr(line, '\0', len) != NULL) {
			L->skipped++;
			continue;
		}
		line[--len] = '\0';
		if (parse(line, &rec) != 0 || one(L, r, &rec) != 0)
			L->skipped++;
	}
	free(line);
}
