/* api.c - the engine as a library (netjail.h): rules in, a struct netjail_rules out; a
 * sockaddr in, a verdict (and a line saying why) out; a checked connect.
 *
 * Thin on purpose: parsing, matching and the words of an explanation are the engine's
 * (parse.c, match.c, explain.c), and a sockaddr becomes a destination exactly as the shim
 * sees it (sys/intake.h), so the library and libnetjail.so cannot disagree.  Thread-safe: a
 * struct netjail_rules is immutable once made, and nothing here keeps state.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/api.h"
#include "sys/intake.h"

/* What the library exports (-fvisibility=hidden hides the rest; the version script
 * lib/libnetjail-rules.map says the same). */
#define NJ_EXPORT __attribute__((visibility("default")))

#define DEFAULT_NAME "rules" /* netjail_rules_parse without a name */
#define MAX_DIAGS 4 /* the first error is all we report */

static const char malformed[] = "the address length does not fit its family";

/* The engine's rule set behind r, or NULL (deny everything) when r is NULL or not ours. */
static const struct nj_rules *
rules_of(const struct netjail_rules *r)
{
	if (r == NULL || r->magic != NJ_API_MAGIC || r->abi != NETJAIL_ABI)
		return NULL;
	return r->rules;
}

/* ---- making and freeing a struct netjail_rules ---- */

/* Fill err (when not NULL) with the first error of dg, as `netjail check` prints it, or with
 * rc's meaning when dg holds none. */
static void
fail(struct netjail_error *err, const char *name, const struct nj_diags *dg, int rc)
{
	const struct nj_diag *g = NULL;
	const char *msg;

	if (err == NULL)
		return;
	for (size_t i = 0; dg && i < dg->n && g == NULL; i++)
		if (dg->v[i].error)
			g = &dg->v[i];
	msg = g ? g->msg : rc == -ENOMEM ? "out of memory" : strerror(-rc);
	err->line = g ? g->line : 0;
	err->col = g ? g->col : 0;
	if (err->line)
		snprintf(err->message, sizeof(err->message), "%s:%u:%u: error: %s", name, err->line,
		    err->col, msg);
	else
		snprintf(err->message, sizeof(err->message), "%s: error: %s", name, msg);
}

/* Wrap rules and text (text[len] is its NUL; both are taken over, and freed on failure) in a
 * new struct netjail_rules with a copy of name.  Returns 0 or -ENOMEM. */
static int
wrap(struct nj_rules *rules, char *text, size_t len, const char *name, struct netjail_rules **ret)
{
	size_t nlen = strlen(name);
	struct netjail_rules *r = malloc(sizeof(*r) + nlen + 1);

	if (r == NULL) {
		nj_rules_free(rules);
		free(text);
		return -ENOMEM;
	}
	memcpy(r + 1, name, nlen + 1); /* the name lives right after the struct */
	r->magic = NJ_API_MAGIC;
	r->abi = NETJAIL_ABI;
	r->text = text;
	r->len = len;
	r->name = (const char *)(r + 1);
	r->rules = rules;
	*ret = r;
	return 0;
}

/* The rules of r as text, each on the line it came from in the original file, so that what
 * libnetjail.so says about the text (a scope's log lines) names the original's lines.
 * Writes out[0..size) when out is not NULL; returns the length (without a NUL) either way. */
static size_t
rules_as_text(const struct nj_rules *r, char *out, size_t size)
{
	size_t at = 0;
	uint32_t line = 1; /* the line the next byte lands on */

	for (uint32_t i = 0; i < nj_rules_count(r); i++, line++, at++) {
		for (; line < nj_rule_line(r, i); line++, at++)
			if (out)
				out[at] = '\n';
		at += nj_rule_format(r, i, out ? out + at : NULL, out ? size - at : 0);
		if (out)
			out[at] = '\n';
	}
	return at;
}

NJ_EXPORT int
netjail_rules_parse(const char *text, size_t len, const char *name, struct netjail_rules **ret,
    struct netjail_error *err)
{
	struct nj_diags dg = { .max = MAX_DIAGS };
	struct nj_rules *rules = NULL;
	struct nj_sys sys;
	char *copy;
	int rc;

	if (name == NULL)
		name = DEFAULT_NAME;
	if (ret == NULL || (text == NULL && len > 0))
		return fail(err, name, NULL, -EINVAL), -EINVAL;
	*ret = NULL;
	if (nj_sys_gather(&sys) != 0)
		return fail(err, name, NULL, -ENOMEM), -ENOMEM;
	rc = nj_rules_parse(text ? text : "", len, name, &sys, &rules, &dg);
	nj_sys_free(&sys);
	if (rc == 0) {
		/* a rule set that parsed holds no NUL byte: text[0..len) is a C string */
		if ((copy = malloc(len + 1)) == NULL) {
			nj_rules_free(rules);
			rc = -ENOMEM;
		} else {
			if (len)
				memcpy(copy, text, len);
			copy[len] = '\0';
			rc = wrap(rules, copy, len, name, ret);
		}
	}
	if (rc != 0)
		fail(err, name, &dg, rc);
	nj_diags_free(&dg);
	return rc;
}

NJ_EXPORT int
netjail_rules_load(const char *path, struct netjail_rules **ret, struct netjail_error *err)
{
	struct nj_diags dg = { .max = MAX_DIAGS };
	struct nj_rules *rules = NULL;
	struct nj_sys sys;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (ret == NULL || path == NULL)
		return fail(err, path ? path : DEFAULT_NAME, NULL, -EINVAL), -EINVAL;
	*ret = NULL;
	if (nj_sys_gather(&sys) != 0)
		return fail(err, path, NULL, -ENOMEM), -ENOMEM;
	rc = nj_rules_load_text(path, &sys, &rules, &dg, &text, &len);
	nj_sys_free(&sys);
	if (rc == 0 && text == NULL) {
		/* a compiled file: its rules as text, which re-parse to the same rule set */
		len = rules_as_text(rules, NULL, 0);
		if ((text = malloc(len + 1)) == NULL) {
			nj_rules_free(rules);
			rc = -ENOMEM;
		} else {
			rules_as_text(rules, text, len + 1);
			text[len] = '\0';
		}
	}
	/* the name the rules carry: the path, or for a compiled file the file it came from */
	if (rc == 0)
		rc = wrap(rules, text, len, nj_rules_file(rules), ret);
	if (rc != 0)
		fail(err, path, &dg, rc);
	nj_diags_free(&dg);
	return rc;
}

NJ_EXPORT void
netjail_rules_free(struct netjail_rules *r)
{
	if (r == NULL)
		return;
	nj_rules_free(r->rules);
	free((char *)r->text);
	/* a stale pointer later handed to a scope then fails the magic check, if the memory
	 * has not been reused (explicit: a plain store before free() may be optimised away) */
	explicit_bzero(r, sizeof(*r));
	free(r);
}

/* ---- deciding ---- */

/* The outcome of judge(): rc 1 allowed, 0 denied, -EINVAL malformed; when no verdict of the
 * rules decided (malformed, no rules, a path that cannot be resolved), why says it. */
struct judgement {
	int rc;
	const char *why;
	struct nj_dest d;
	struct nj_verdict v;
	struct sockaddr_storage ss; /* the caller's address, read once; d points into it */
	char path[PATH_MAX]; /* a unix pathname made canonical; d.path points here */
};

/* Decide d for proto; NJ_PROTO_ANY here means NETJAIL_PROTO_ANY, "whatever the protocol":
 * allowed only when it is allowed for tcp, udp and any other type alike (a rule without a
 * proto must allow it, and no block of any proto may match).  Otherwise as nj_decide. */
static int
decide_any(const struct nj_rules *r, struct nj_dest *d, int proto, struct nj_verdict *v)
{
	static const int every[] = { NJ_PROTO_OTHER, NJ_PROTO_TCP, NJ_PROTO_UDP };

	if (proto != NJ_PROTO_ANY) {
		d->proto = proto;
		return nj_decide(r, d, v);
	}
	for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++) {
		d->proto = every[i];
		if (!nj_decide(r, d, v))
			return 0;
		if (d->kind != NJ_DEST_IP || !nj_rules_use_proto(r))
			break; /* no rule names a proto: every answer is the same */
	}
	d->proto = NJ_PROTO_OTHER; /* what allowed it is a rule without a proto */
	return 1;
}

/* Judge the private copy ss[0..len) of a destination for proto (an enum nj_proto, or
 * NJ_PROTO_ANY as decide_any takes it) under r.  Unix pathnames are judged on their
 * canonical form, as the shim judges them.  errno is kept. */
static void
judge_taken(struct judgement *j, const struct netjail_rules *r, int proto)
{
	const struct nj_rules *rules = rules_of(r);

	int rc;

	if (j->d.kind == NJ_DEST_UNIX && !j->d.abstract && j->d.pathlen > 0 &&
	    (rc = nj_intake_unix(&j->d, 0, j->path, sizeof(j->path))) != 0) {
		j->rc = 0;
		j->why = nj_intake_unix_why(rc);
		return;
	}
	if (rules == NULL) {
		j->rc = 0;
		j->why = "no rule set: every destination is denied";
		return;
	}
	j->rc = decide_any(rules, &j->d, proto, &j->v);
}

/* Take sa[0..len) in (the intake: read once, into j->ss) and judge it.  Returns the intake's
 * answer; j->rc and j->why say the rest. */
static int
judge(struct judgement *j, const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len,
    int proto, int fd)
{
	int rc;

	j->why = NULL;
	memset(&j->d, 0, sizeof(j->d)); /* what the kind does not read is zero */
	rc = nj_intake(&j->d, &j->ss, sa, len, NJ_OP_CONNECT, fd);
	if (rc == NJ_INTAKE_NONE) {
		j->rc = -EINVAL;
		j->why = "AF_UNSPEC names no destination";
	} else if (rc == NJ_INTAKE_BAD) {
		j->rc = -EINVAL;
		j->why = malformed;
	} else {
		judge_taken(j, r, proto);
	}
	return rc;
}

/* netjail_explain and netjail_decide (which asks for no line: size 0). */
static int
explain(const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len, int proto,
    char *buf, size_t size)
{
	struct nj_buf b = { buf, buf ? size : 0, 0 };
	struct judgement j;
	int p = proto == NETJAIL_PROTO_ANY ? NJ_PROTO_ANY :
	    proto == NETJAIL_PROTO_TCP     ? NJ_PROTO_TCP :
	    proto == NETJAIL_PROTO_UDP     ? NJ_PROTO_UDP :
	                                     -1;

	if (p < 0) {
		j.rc = -EINVAL;
		j.why = "unknown protocol: not NETJAIL_PROTO_ANY, _TCP or _UDP";
	} else {
		judge(&j, r, sa, len, p, -1);
	}
	if (b.size == 0)
		return j.rc;
	if (j.why)
		nj_buf_str(&b, j.why);
	else
		nj_verdict_why(&b, rules_of(r), &j.d, &j.v);
	return j.rc;
}

NJ_EXPORT int
netjail_explain(const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len, int proto,
    char *buf, size_t size)
{
	return explain(r, sa, len, proto, buf, size);
}

NJ_EXPORT int
netjail_decide(const struct netjail_rules *r, const struct sockaddr *sa, socklen_t len, int proto)
{
	return explain(r, sa, len, proto, NULL, 0);
}

NJ_EXPORT int
netjail_connect(const struct netjail_rules *r, int fd, const struct sockaddr *sa, socklen_t len)
{
	struct judgement j;

	int rc = judge(&j, r, sa, len, nj_socket_proto(fd), fd);

	/* judged and connected: our copy, which no other thread can change in between; a
	 * connect to AF_UNSPEC dissolves an association and reaches nobody */
	if (rc != NJ_INTAKE_NONE && j.rc != 1)
		return errno = EACCES, -1;
	return connect(fd, (const struct sockaddr *)&j.ss, len);
}
