/* test_explain.c - explain.c: rules as text (and back), the suggested allow rule, which rules
 * match a destination, and the warnings of lint. */
#include "tests.h"

/* ---- nj_rule_format: normalised text that re-parses to the same rule ---- */

static const struct {
	const char *in, *out;
} formats[] = {
	{ "allow 10.0.0.0/8", "allow 10.0.0.0/8" },
	{ "block tcp 10.0.0.0/8 port 22,80-90", "block tcp 10.0.0.0/8 port 22,80-90" },
	{ "allow\t udp\t 10.0.0.0/8 \tport 53,1-10 # c", "allow udp 10.0.0.0/8 port 53,1-10" },
	{ "allow ::ffff:127.0.0.0/104", "allow 127.0.0.0/8" },
	{ "allow ::ffff:0:0/96", "allow 0.0.0.0/0" },
	{ "allow ::ffff:10.0.0.1", "allow 10.0.0.1" },
	{ "allow 2001:DB8:0:0:0:0:0:1", "allow 2001:db8::1" },
	{ "allow 2001:db8::1/128", "allow 2001:db8::1" },
	{ "allow 10.0.0.1/32", "allow 10.0.0.1" },
	{ "allow tcp 1.2.3.4/32 port 1-1", "allow tcp 1.2.3.4 port 1" },
	{ "allow any port 1-65535", "allow any port 1-65535" },
	{ "allow tcp any port 443", "allow tcp any port 443" },
	{ "allow any", "allow any" },
	{ "allow 0.0.0.0/0", "allow 0.0.0.0/0" },
	{ "allow ::/0", "allow ::/0" },
	{ "allow ::", "allow ::" },
	{ "allow ::1.2.3.4", "allow ::102:304" },
	{ "allow 64:ff9b::8.8.8.8", "allow 64:ff9b::808:808" },
	{ "block 64:ff9b::/96", "block 64:ff9b::/96" },
	{ "allow udp @resolvers port 53", "allow udp @resolvers port 53" },
	{ "block @metadata", "block @metadata" },
	{ "allow tcp @public port 80,443", "allow tcp @public port 80,443" },
	{ "allow unix /run/pg/*", "allow unix /run/pg/*" },
	{ "allow unix /", "allow unix /" },
	{ "allow unix @*", "allow unix @*" },
	{ "allow unix @abc", "allow unix @abc" },
	{ "block unix /var/run/docker.sock", "block unix /var/run/docker.sock" },
	{ "block family netlink", "block family netlink" },
	{ "allow family packet", "allow family packet" },
	{ "allow family raw", "allow family raw" },
	{ "block family raw", "block family raw" },
	{ "allow exec /usr/bin/*", "allow exec /usr/bin/*" },
	{ "allow exec /usr/bin/curl", "allow exec /usr/bin/curl" },
};

START_TEST(test_rule_format)
{
	struct nj_rules *r = rules_ok(formats[_i].in), *again;
	char buf[256], buf2[256], tiny[8];
	size_t n;

	n = nj_rule_format(r, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, formats[_i].out);
	ck_assert_uint_eq(n, strlen(formats[_i].out));
	ck_assert_uint_eq(nj_rule_format(r, 0, tiny, sizeof(tiny)), n); /* snprintf-like */
	ck_assert_uint_eq(strlen(tiny), sizeof(tiny) - 1);
	ck_assert_int_eq(strncmp(tiny, buf, sizeof(tiny) - 1), 0);
	again = rules_ok(buf);
	nj_rule_format(again, 0, buf2, sizeof(buf2));
	ck_assert_str_eq(buf2, buf);
	nj_rules_free(again);
	nj_rules_free(r);
}
END_TEST

/* The whole list, formatted and parsed again, decides every probe as the original does. */
START_TEST(test_format_roundtrip_decides_the_same)
{
	static const char *const probes[] = {
		"tcp 10.0.0.1:22",
		"tcp 10.0.0.1:85",
		"udp 10.0.0.1:53",
		"udp 10.0.0.1:5",
		"other 10.0.0.1:80",
		"tcp 127.0.0.1:80",
		"tcp [::1]:80",
		"tcp 8.8.8.8:443",
		"udp 8.8.8.8:80",
		"tcp [2001:db8::1]:80",
		"tcp 1.2.3.4:1",
		"tcp 1.2.3.4:2",
		"tcp [64:ff9b::808:808]:80",
		"tcp [::ffff:10.0.0.1]:80",
		"tcp 10.0.0.1",
		"udp 10.0.0.1",
		"tcp 169.254.169.254:80",
		"tcp unix:/run/pg/x",
		"tcp unix:/run/x",
		"tcp unix:/var/run/docker.sock",
		"tcp unix:@abc",
		"tcp unix:@x",
		"tcp unix:",
		"tcp family:netlink",
		"tcp family:packet",
		"tcp family:vsock",
		"other family:raw",
	};
	char *text = calloc(NELEM(formats), 256), *text2 = calloc(NELEM(formats), 256);
	struct nj_rules *a, *b;
	char buf[256], buf2[256];

	for (size_t i = 0, len = 0; i < NELEM(formats); i++)
		len += (size_t)snprintf(text + len, 256, "%s\n", formats[i].in);
	a = rules_ok(text);
	for (uint32_t i = 0, len = 0; i < nj_rules_count(a); i++) {
		nj_rule_format(a, i, buf, sizeof(buf));
		len += (uint32_t)snprintf(text2 + len, 256, "%s\n", buf);
	}
	b = rules_ok(text2);
	ck_assert_uint_eq(nj_rules_count(a), nj_rules_count(b));
	for (uint32_t i = 0; i < nj_rules_count(a); i++) {
		nj_rule_format(a, i, buf, sizeof(buf));
		nj_rule_format(b, i, buf2, sizeof(buf2));
		ck_assert_str_eq(buf, buf2);
		ck_assert_int_eq(nj_rule_action(a, i), nj_rule_action(b, i));
	}
	for (size_t i = 0; i < NELEM(probes); i++) {
		char proto[8];
		const char *sp = strchr(probes[i], ' ');
		struct nj_dest d;
		struct nj_verdict va, vb;

		memcpy(proto, probes[i], (size_t)(sp - probes[i]));
		proto[sp - probes[i]] = '\0';
		d = dest_of(proto, sp + 1);
		ck_assert_msg(nj_decide(a, &d, &va) == nj_decide(b, &d, &vb), "%s", probes[i]);
		ck_assert_uint_eq(va.rule, vb.rule);
	}
	ck_assert_int_eq(nj_exec_allowed(a, "/usr/bin/x"), nj_exec_allowed(b, "/usr/bin/x"));
	ck_assert_int_eq(nj_exec_allowed(b, "/usr/bin/x"), 1);
	nj_rules_free(a);
	nj_rules_free(b);
	free(text);
	free(text2);
}
END_TEST

/* ---- nj_suggest_allow ---- */

static const struct {
	const char *proto, *dest, *addr, *want;
} suggest[] = {
	{ "tcp", "10.0.0.7:53", NULL, "allow tcp 10.0.0.7 port 53" },
	{ "udp", "10.0.0.7:53", NULL, "allow udp 10.0.0.7 port 53" },
	{ "udp", "[2001:db8::1]:53", NULL, "allow udp 2001:db8::1 port 53" },
	{ "other", "10.0.0.7:80", NULL, "allow 10.0.0.7 port 80" },
	{ "tcp", "10.0.0.7", NULL, "allow tcp 10.0.0.7" }, /* port unknown */
	{ "tcp", "10.0.0.7:0", NULL, "allow tcp 10.0.0.7" },
	{ "tcp", "10.0.0.7:65535", NULL, "allow tcp 10.0.0.7 port 65535" },
	{ "tcp", "[::]:80", "::1", "allow tcp ::1 port 80" },
	{ "tcp", "[::ffff:127.0.0.1]:80", "127.0.0.1", "allow tcp 127.0.0.1 port 80" },
	{ "tcp", "[64:ff9b::a9fe:a9fe]:80", "169.254.169.254",
	    "allow tcp 169.254.169.254 port 80" },
	{ "tcp", "unix:/run/x.sock", NULL, "allow unix /run/x.sock" },
	{ "udp", "unix:/run/x.sock", NULL, "allow unix /run/x.sock" },
	{ "tcp", "unix:@name", NULL, "allow unix @name" },
	{ "tcp", "family:netlink", NULL, "allow family netlink" },
	{ "other", "family:packet", NULL, "allow family packet" },
	{ "other", "family:raw", NULL, "allow family raw" },
};

START_TEST(test_suggest_allow)
{
	struct nj_dest d = dest_of(suggest[_i].proto, suggest[_i].dest);
	struct nj_ip addr;
	char buf[128], tiny[6];
	size_t n;

	if (suggest[_i].addr)
		addr = ip_of(suggest[_i].addr);
	n = nj_suggest_allow(&d, suggest[_i].addr ? &addr : NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, suggest[_i].want);
	ck_assert_uint_eq(n, strlen(suggest[_i].want));
	ck_assert_uint_eq(nj_suggest_allow(&d, suggest[_i].addr ? &addr : NULL, tiny, sizeof(tiny)),
	    n);
	ck_assert_str_eq(tiny, "allow");
	{
		/* and the suggestion, as a rule, allows what it names */
		struct nj_rules *r = rules_ok(buf);
		struct nj_dest one = d;

		if (d.kind == NJ_DEST_IP && suggest[_i].addr)
			one.ip = addr;
		ck_assert_msg(nj_decide(r, &one, NULL) == 1, "%s does not allow %s", buf,
		    suggest[_i].dest);
		nj_rules_free(r);
	}
}
END_TEST

/* ---- nj_matches ---- */

static const char matches_rules[] = "allow 10.0.0.0/8\n" /* 0 */
                                    "block 10.1.0.0/16\n" /* 1 */
                                    "allow tcp 10.1.2.0/24 port 80\n" /* 2 */
                                    "allow any\n" /* 3 */
                                    "allow udp any\n" /* 4 */
                                    "block 10.1.2.3\n" /* 5 */
                                    "allow unix /run/*\n" /* 6 */
                                    "block unix /run/x\n" /* 7 */
                                    "allow family netlink\n" /* 8 */
                                    "allow exec /run/*\n" /* 9 */
                                    "allow unix @*\n"; /* 10 */

static const struct {
	const char *proto, *dest, *addr;
	int n;
	uint32_t want[8];
} matches[] = {
	{ "tcp", "10.1.2.3:80", "10.1.2.3", 5, { 0, 1, 2, 3, 5 } },
	{ "udp", "10.1.2.3:80", "10.1.2.3", 5, { 0, 1, 3, 4, 5 } },
	{ "tcp", "10.1.2.3:81", "10.1.2.3", 4, { 0, 1, 3, 5 } },
	{ "tcp", "10.1.2.3", "10.1.2.3", 5, { 0, 1, 2, 3, 5 } }, /* any port: all that may */
	{ "other", "10.1.2.3:80", "10.1.2.3", 4, { 0, 1, 3, 5 } },
	{ "tcp", "10.1.2.4:80", "10.1.2.4", 4, { 0, 1, 2, 3 } },
	{ "tcp", "10.2.0.1:80", "10.2.0.1", 2, { 0, 3 } },
	{ "tcp", "8.8.8.8:80", "8.8.8.8", 1, { 3 } },
	{ "tcp", "[::1]:80", "::1", 1, { 3 } },
	{ "tcp", "[::ffff:10.1.2.3]:80", "10.1.2.3", 5, { 0, 1, 2, 3, 5 } },
	{ "tcp", "0.0.0.0:80", "127.0.0.1", 1, { 3 } },
	{ "tcp", "unix:/run/x", NULL, 2, { 6, 7 } },
	{ "tcp", "unix:/run/y", NULL, 1, { 6 } },
	{ "tcp", "unix:/etc/x", NULL, 0, { 0 } },
	{ "tcp", "unix:@x", NULL, 1, { 10 } },
	{ "tcp", "family:netlink", NULL, 1, { 8 } },
	{ "tcp", "family:packet", NULL, 0, { 0 } },
	{ "other", "family:raw", NULL, 0, { 0 } }, /* allow any is IP addresses only */
	/* an unnamed socket is allowed without any rule: none matches it */
	{ "tcp", "unix:", NULL, 0, { 0 } },
};

START_TEST(test_matches)
{
	struct nj_rules *r = rules_ok(matches_rules);
	struct nj_dest d = dest_of(matches[_i].proto, matches[_i].dest);
	struct nj_ip addr;
	uint32_t out[16];
	size_t n;

	if (matches[_i].addr)
		addr = ip_of(matches[_i].addr);
	memset(out, 0xff, sizeof(out));
	n = nj_matches(r, &d, matches[_i].addr ? &addr : NULL, out, NELEM(out));
	ck_assert_msg(n == (size_t)matches[_i].n, "%s %s: %zu rules match, expected %d",
	    matches[_i].proto, matches[_i].dest, n, matches[_i].n);
	for (int i = 0; i < matches[_i].n; i++)
		ck_assert_msg(out[i] == matches[_i].want[i], "%s: out[%d] = %u, expected %u",
		    matches[_i].dest, i, out[i], matches[_i].want[i]);
	/* a short out[] holds the first of them, still ascending; the count is the full one */
	for (size_t max = 0; max < (size_t)matches[_i].n; max++) {
		memset(out, 0xff, sizeof(out));
		ck_assert_uint_eq(nj_matches(r, &d, matches[_i].addr ? &addr : NULL,
		                      max ? out : NULL, max),
		    (size_t)matches[_i].n);
		for (size_t i = 0; i < max; i++)
			ck_assert_msg(out[i] == matches[_i].want[i],
			    "%s, max %zu: out[%zu] = %u, "
			    "expected %u",
			    matches[_i].dest, max, i, out[i], matches[_i].want[i]);
		ck_assert_uint_eq(out[max], UINT32_MAX); /* nothing past max */
	}
	ck_assert_uint_eq(nj_matches(NULL, &d, matches[_i].addr ? &addr : NULL, out, 4), 0);
	nj_rules_free(r);
}
END_TEST

/* A preset that lists one address twice (two interfaces share it; resolv.conf names a
 * server twice) is still one rule matching once. */
START_TEST(test_matches_preset_with_repeated_address)
{
	struct nj_prefix self[3];
	struct nj_sys sys;
	struct nj_rules *r;
	struct nj_ip ip = ip_of("192.0.2.1");
	struct nj_dest d = dest_ip(NJ_PROTO_TCP, &ip, 80);
	uint32_t out[4];

	self[0] = self[1] = pfx_of("192.0.2.1");
	self[2] = pfx_of("192.0.2.2");
	memset(&sys, 0, sizeof(sys));
	sys.self = self;
	sys.nself = 3;
	sys.resolvers = self;
	sys.nresolvers = 2;
	r = rules_sys("allow @self\nblock @resolvers port 53\n", &sys);
	ck_assert_uint_eq(nj_matches(r, &d, &ip, out, NELEM(out)), 1);
	ck_assert_uint_eq(out[0], 0);
	d.port = 53;
	ck_assert_uint_eq(nj_matches(r, &d, &ip, out, NELEM(out)), 2);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], 1);
	ck_assert_int_eq(nj_decide(r, &d, NULL), 0);
	d.port = 80;
	ck_assert_int_eq(nj_decide(r, &d, NULL), 1);
	nj_rules_free(r);
}
END_TEST

START_TEST(test_rule_accessors)
{
	ck_assert_uint_eq(nj_rules_count(NULL), 0);
	ck_assert_str_eq(nj_rules_file(NULL), "");
}
END_TEST

/* ---- lint ---- */

/* Lint text; returns the warning count and copies the first warning. */
static size_t
lint(const char *text, uint32_t *line, char *msg, size_t size)
{
	struct nj_rules *r = rules_ok(text);
	struct nj_diags dg;
	size_t n;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_lint(r, &dg), 0);
	ck_assert_uint_eq(dg.nerr, 0);
	n = dg.nwarn;
	*line = 0;
	msg[0] = '\0';
	if (dg.n) {
		*line = dg.v[0].line;
		snprintf(msg, size, "%s", dg.v[0].msg);
		ck_assert_int_eq(dg.v[0].error, 0);
	}
	nj_diags_free(&dg);
	nj_rules_free(r);
	return n;
}

START_TEST(test_lint_duplicate_names_earlier_line)
{
	uint32_t line;
	char msg[256];

	ck_assert_uint_eq(lint("allow any\n# c\nallow any\nallow unix /s\n", &line, msg,
	                      sizeof(msg)),
	    1);
	ck_assert_uint_eq(line, 3);
	ck_assert_str_eq(msg, "duplicate rule: \"allow any\" is already on line 1");
	/* the same rule however written */
	ck_assert_uint_eq(lint("allow 10.0.0.1\nallow 10.0.0.1/32\n", &line, msg, sizeof(msg)), 1);
	ck_assert_ptr_nonnull(strstr(msg, "already on line 1"));
	ck_assert_uint_eq(lint("allow ::ffff:10.0.0.0/104\nallow 10.0.0.0/8\n", &line, msg,
	                      sizeof(msg)),
	    1);
	ck_assert_uint_eq(lint("allow unix /x\nallow unix /x\nallow unix /x\n", &line, msg,
	                      sizeof(msg)),
	    2);
	/* different rules are not duplicates */
	ck_assert_uint_eq(
	    lint("allow tcp any port 80\nallow udp any port 80\nallow any port 80\n"
	         "allow any port 81\nallow any\nallow unix /x\nallow unix /x*\nallow unix @x\n"
	         "allow exec /x\n",
	        &line, msg, sizeof(msg)),
	    0);
}
END_TEST

/* "allow any" is every IP address: a policy that has it and no allow unix rule hears so */
START_TEST(test_lint_allow_any_leaves_unix_closed)
{
	uint32_t line;
	char msg[256];

	ck_assert_uint_eq(lint("block @metadata\nallow any\n", &line, msg, sizeof(msg)), 1);
	ck_assert_uint_eq(line, 2);
	ck_assert_ptr_nonnull(strstr(msg, "not unix sockets"));
	ck_assert_uint_eq(lint("allow tcp any port 443\n", &line, msg, sizeof(msg)), 1);
	ck_assert_uint_eq(lint("allow any\nallow unix /run/postgresql/*\n", &line, msg,
	                      sizeof(msg)),
	    0);
	ck_assert_uint_eq(lint("allow @public\n", &line, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(lint("allow unix /x\nblock any\n", &line, msg, sizeof(msg)), 0);
}
END_TEST

/* Paths as long as a line allows: two that differ only at the end are not duplicates, and
 * a real duplicate is found whatever its length. */
/* A wildcard host allow under blocks that leave part of @special open warns (SPEC.md §3a);
 * exact names, and full @special blocks (for every proto and port), do not. */
START_TEST(test_lint_wildcard_host_needs_special_blocked)
{
	uint32_t line;
	char msg[256];

	ck_assert_uint_eq(lint("block @metadata\nallow host *.example.com\n", &line, msg,
	                      sizeof(msg)),
	    1);
	ck_assert_uint_eq(line, 2);
	ck_assert_ptr_nonnull(strstr(msg, "add block @special"));
	ck_assert_uint_eq(lint("allow host *.example.com\nblock tcp @special\n", &line, msg,
	                      sizeof(msg)),
	    1);
	ck_assert_uint_eq(lint("allow host *.example.com\nblock @special\n", &line, msg,
	                      sizeof(msg)),
	    0);
	ck_assert_uint_eq(lint("allow host *.example.com\nblock any\n", &line, msg, sizeof(msg)),
	    0);
	ck_assert_uint_eq(lint("allow host api.example.com\n", &line, msg, sizeof(msg)), 0);
}
END_TEST

START_TEST(test_lint_duplicate_long_paths)
{
	char *a = malloc(NJ_MAX_LINE + 1), *text = malloc(3 * NJ_MAX_LINE + 16);
	size_t plen = NJ_MAX_LINE - strlen("allow exec ");
	uint32_t line;
	char msg[256];

	memset(a, 'p', NJ_MAX_LINE);
	a[0] = '/';
	/* ~600 bytes: past any fixed-size formatting buffer */
	snprintf(text, 3 * NJ_MAX_LINE + 16, "allow exec %.600s1\nallow exec %.600s2\n", a, a);
	ck_assert_uint_eq(lint(text, &line, msg, sizeof(msg)), 0);
	snprintf(text, 3 * NJ_MAX_LINE + 16, "allow exec %.600s1\nallow exec %.600s1\n", a, a);
	ck_assert_uint_eq(lint(text, &line, msg, sizeof(msg)), 1);
	ck_assert_uint_eq(line, 2);
	/* the longest a line holds */
	snprintf(text, 3 * NJ_MAX_LINE + 16, "allow exec %.*s\nallow exec %.*sq\nallow exec %.*s\n",
	    (int)plen, a, (int)plen - 1, a, (int)plen, a);
	ck_assert_uint_eq(lint(text, &line, msg, sizeof(msg)), 1);
	ck_assert_uint_eq(line, 3);
	free(a);
	free(text);
}
END_TEST

static const struct {
	const char *text;
	int warn; /* a "never allows anything" warning expected */
	uint32_t line, by; /* on this line, naming the block on line by */
} useless[] = {
	{ "allow 10.1.0.0/16\nblock 10.0.0.0/8\n", 1, 1, 2 },
	{ "block 10.0.0.0/8\nallow 10.1.0.0/16\n", 1, 2, 1 },
	{ "allow 10.0.0.0/8\nblock 10.0.0.0/8\n", 1, 1, 2 },
	{ "allow 10.0.0.0/8\nblock 10.1.0.0/16\n", 0, 0, 0 },
	{ "allow 10.1.0.0/16\nblock tcp 10.0.0.0/8\n", 0, 0, 0 }, /* narrower proto */
	{ "allow 10.1.0.0/16\nblock 10.0.0.0/8 port 1-1000\n", 0, 0, 0 }, /* narrower ports */
	{ "allow tcp 10.1.0.0/16\nblock 10.0.0.0/8\n", 1, 1, 2 },
	{ "allow tcp 10.1.0.0/16 port 80\nblock 10.0.0.0/8 port 1-1000\n", 1, 1, 2 },
	{ "allow tcp 10.1.0.0/16 port 80,2000\nblock 10.0.0.0/8 port 1-1000\n", 0, 0, 0 },
	{ "allow tcp 10.1.0.0/16 port 80,2000\nblock 10.0.0.0/8 port 1-1000,2000\n", 1, 1, 2 },
	{ "allow udp 10.1.0.0/16\nblock tcp 10.0.0.0/8\n", 0, 0, 0 },
	{ "allow 2001:db8:1::/48\nblock 2001:db8::/32\n", 1, 1, 2 },
	{ "allow 2001:db8:1::/48\nblock 10.0.0.0/8\n", 0, 0, 0 },
	{ "allow any\nblock 0.0.0.0/0\n", 0, 0, 0 }, /* IPv6 is still allowed */
	{ "allow any\nblock 0.0.0.0/0\nblock ::/0\n", 1, 1, 3 },
	{ "allow @loopback\nblock @special\n", 1, 1, 2 },
	{ "allow @private\nblock 10.0.0.0/8\n", 0, 0, 0 },
	{ "allow @metadata\nblock @special\n", 0, 0, 0 }, /* 168.63.129.16 */
	{ "allow unix /run/pg/x\nblock unix /run/*\n", 1, 1, 2 },
	{ "allow unix /run/pg/*\nblock unix /run/*\n", 1, 1, 2 },
	{ "allow unix /run/*\nblock unix /run/pg/*\n", 0, 0, 0 },
	{ "allow unix /run/pg\nblock unix /run/pg/*\n", 0, 0, 0 },
	{ "allow unix /run/x*\nblock unix /run/x\n", 0, 0, 0 },
	{ "allow unix @x\nblock unix /*\n", 0, 0, 0 },
	{ "allow unix @x\nblock unix @*\n", 1, 1, 2 },
	{ "allow family netlink\nblock family netlink\n", 1, 1, 2 },
	{ "allow family netlink\nblock family packet\n", 0, 0, 0 },
	{ "allow family raw\nblock family raw\n", 1, 1, 2 },
	{ "allow family raw\nblock family packet\n", 0, 0, 0 },
	{ "allow exec /x\nblock unix /*\n", 0, 0, 0 },
};

START_TEST(test_lint_allow_inside_block)
{
	struct nj_rules *r = rules_ok(useless[_i].text);
	struct nj_diags dg;
	size_t found = 0;

	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_lint(r, &dg), 0);
	for (size_t i = 0; i < dg.n; i++) {
		char want[64];

		if (strstr(dg.v[i].msg, "never allows anything") == NULL)
			continue;
		found++;
		ck_assert_msg(useless[_i].warn, "row %d: unexpected: %s", _i, dg.v[i].msg);
		ck_assert_uint_eq(dg.v[i].line, useless[_i].line);
		ck_assert_uint_eq(dg.v[i].col, 1);
		snprintf(want, sizeof(want), "on line %u", useless[_i].by);
		ck_assert_msg(strstr(dg.v[i].msg, want) != NULL, "row %d: %s lacks \"%s\"", _i,
		    dg.v[i].msg, want);
		ck_assert_ptr_nonnull(strstr(dg.v[i].msg, "block always wins"));
	}
	ck_assert_msg(found == (size_t)useless[_i].warn, "row %d: %zu warnings", _i, found);
	nj_diags_free(&dg);
	nj_rules_free(r);
}
END_TEST

START_TEST(test_lint_no_allow_rules)
{
	uint32_t line;
	char msg[256];
	struct nj_diags dg;

	ck_assert_uint_eq(lint("block any\nblock unix /*\n", &line, msg, sizeof(msg)), 1);
	ck_assert_uint_eq(line, 0);
	ck_assert_ptr_nonnull(strstr(msg, "no allow rules"));
	ck_assert_uint_eq(lint("", &line, msg, sizeof(msg)), 1);
	ck_assert_ptr_nonnull(strstr(msg, "no allow rules"));
	ck_assert_uint_eq(lint("# nothing\n\n", &line, msg, sizeof(msg)), 1);
	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(nj_rules_lint(NULL, &dg), 0);
	ck_assert_uint_eq(dg.nwarn, 1);
	nj_diags_free(&dg);
	/* a careful policy gets no warning at all */
	ck_assert_uint_eq(lint("allow @public\nallow tcp 10.1.2.3 port 5432\nblock @metadata\n",
	                      &line, msg, sizeof(msg)),
	    0);
	ck_assert_uint_eq(lint(nj_default_policy, &line, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(lint("allow exec /x\n", &line, msg, sizeof(msg)), 0);
}
END_TEST

Suite *
explain_suite(void)
{
	Suite *s = suite_create("explain");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_rule_format, 0, (int)NELEM(formats));
	tcase_add_test(tc, test_format_roundtrip_decides_the_same);
	tcase_add_loop_test(tc, test_suggest_allow, 0, (int)NELEM(suggest));
	suite_add_tcase(s, tc);

	tc = tcase_create("matches");
	tcase_add_loop_test(tc, test_matches, 0, (int)NELEM(matches));
	tcase_add_test(tc, test_matches_preset_with_repeated_address);
	tcase_add_test(tc, test_rule_accessors);
	suite_add_tcase(s, tc);

	tc = tcase_create("lint");
	tcase_add_test(tc, test_lint_duplicate_names_earlier_line);
	tcase_add_test(tc, test_lint_allow_any_leaves_unix_closed);
	tcase_add_test(tc, test_lint_wildcard_host_needs_special_blocked);
	tcase_add_test(tc, test_lint_duplicate_long_paths);
	tcase_add_loop_test(tc, test_lint_allow_inside_block, 0, (int)NELEM(useless));
	tcase_add_test(tc, test_lint_no_allow_rules);
	suite_add_tcase(s, tc);
	return s;
}
