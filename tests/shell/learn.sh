#!/bin/sh
# learn.sh - netjail learn: a command runs in audit mode (its connections really happen: the
# listener sees them), every destination the rules would have denied comes back as an exact,
# commented-out allow line with its count and programs, and the learned file, uncommented,
# lets the same command through under `netjail run` while anything it did not do stays
# denied.  Every denial is proved on both sides (the client saw EACCES, the listener saw
# nothing) beside an allowed twin.  Also: invalid rules start nothing, the command's exit
# status is learn's, the output passes `netjail check` as it is and uncommented, its order does
# not depend on the order of events, a block rule gets an explanation instead of a useless
# allow, and log lines that are cut short, garbled or forged never become a rule.
# Runs in its own network namespace (tests/shell/lib.sh); needs build/tests/probes/probe, python3,
# and a C compiler with libc.a for the static-program cases (skipped without).
# Usage: NJ_BUILD=$PWD/build tests/shell/learn.sh
. "$(dirname "$0")/lib.sh"
nj_netns "$@"
set -f

SRC=$(cd "$(dirname "$0")/.." && pwd)	# tests/
P=$NJ_BUILD/tests/probes/probe
NJ=$NJ_NETJAIL
T=$(readlink -f "$NJ_TMP")	# the shim logs canonical unix paths
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
# python3 may be a version manager's shell wrapper (pyenv): put the interpreter first in PATH
if command -v python3 >/dev/null 2>&1; then
	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$py" ] &&
	    PATH=$(dirname "$py"):$PATH
fi
[ -x "$P" ] || { echo "missing $P: make build/tests/probes/probe"; exit 1; }

S=
if cc -static -O1 -o "$T/exec-static" "$SRC/probes/exec-static.c" 2>/dev/null; then
	S=$T/exec-static
else
	echo "skip: static programs (no libc.a)"
fi

nj_listen tcp:5432 tcp:5433 udp:53 udp:54 tcp:53 tcp:8080 tcp:8081 \
    "unix:$T/app.sock" "unix:$T/other.sock"

ok() { nj_ok; }
bad() { nj_bad "$@"; }

# learn ARGS...: netjail learn with no jail of ours around it; output in NJ_OUT, status NJ_RC
learn() {
	NJ_OUT=$(timeout 60 env -u LD_PRELOAD -u NETJAIL_RULES -u NETJAIL_MODE -u NETJAIL_LOG \
	    "$NJ" learn "$@" 2>&1)
	NJ_RC=$?
}

# has NAME FILE LINE: FILE holds LINE exactly
has() {
	if grep -q -x -F -e "$3" "$2"; then ok; else bad "$1: $2 lacks \"$3\""; sed 's/^/    | /' "$2"; fi
}
# hasre NAME FILE PATTERN: some line of FILE matches PATTERN (grep -E)
hasre() {
	if grep -q -E -e "$3" "$2"; then ok; else bad "$1: $2 lacks /$3/"; sed 's/^/    | /' "$2"; fi
}
# hasnt NAME FILE PATTERN: no line of FILE matches PATTERN (grep -E)
hasnt() {
	if grep -q -E -e "$3" "$2"; then bad "$1: $2 has /$3/"; grep -E -e "$3" "$2" | sed 's/^/    | /'; else ok; fi
}
# status NAME WANT: the last command's exit status
status() {
	if [ "$NJ_RC" = "$2" ]; then ok; else bad "$1: exit $NJ_RC, want $2"; fi
}
# arrived NAME ENDPOINT BEFORE: the listener saw ENDPOINT since the count was BEFORE
arrived() {
	nj_sync
	if [ "$(nj_count "$2")" -gt "$3" ]; then ok; else bad "$1: the listener never saw \"$2\""; fi
}
# valid NAME FILE: netjail check accepts FILE as it is, and with every suggestion uncommented
valid() {
	if "$NJ" check "$2" >/dev/null 2>&1; then ok; else bad "$1: netjail check $2 fails"; "$NJ" check "$2"; fi
	sed 's/^# allow /allow /' "$2" > "$2.on"
	if "$NJ" check "$2.on" >/dev/null 2>&1; then ok; else bad "$1: netjail check $2 uncommented fails"; "$NJ" check "$2.on"; fi
}

# ---- the workload: tcp twice (two programs), udp, a unix socket, a static program ----
cat > "$T/work.sh" <<EOF
#!/bin/sh
"$P" connect tcp 127.0.0.1 5432
python3 -c "import socket; socket.create_connection(('127.0.0.1', 5432)).close(); print('ok')"
"$P" sendto udp 10.9.8.7 53
"$P" unix "$T/app.sock"
[ -z "$S" ] || "$S" 8080
echo from-the-command-on-stderr >&2
exit 7
EOF
chmod +x "$T/work.sh"
BASE=$(readlink -f "$(nj_rules '# the team policy so far' 'allow tcp 127.0.0.1 port 8081')")
L=$T/learned.rules

tcp0=$(nj_count "tcp 127.0.0.1 5432") udp0=$(nj_count "udp 10.9.8.7 53")
unix0=$(nj_count "unix $T/app.sock") st0=$(nj_count "tcp 127.0.0.1 8080")
learn -r "$BASE" -o "$L" -- "$T/work.sh"
status learn-exit-status 7
# audit mode: everything really happened
arrived audit-tcp "tcp 127.0.0.1 5432" "$tcp0"
if [ "$(nj_count "tcp 127.0.0.1 5432")" -ge $((tcp0 + 2)) ]; then ok; else bad "audit-tcp-twice: both connections should arrive"; fi
arrived audit-udp "udp 10.9.8.7 53" "$udp0"
arrived audit-unix "unix $T/app.sock" "$unix0"
[ -z "$S" ] || arrived audit-static "tcp 127.0.0.1 8080" "$st0"
# the command's own stderr is untouched, and the decisions did not go there
if printf '%s\n' "$NJ_OUT" | grep -q -x from-the-command-on-stderr; then ok; else bad "command-stderr: the command's stderr is lost"; fi
if printf '%s\n' "$NJ_OUT" | grep -q 'would deny'; then bad "stderr-clean: decision lines on stderr"; printf '%s\n' "$NJ_OUT"; else ok; fi
# the suggestions: exact proto, address, port; counts; programs
[ -f "$L" ] || { bad "learn wrote no $L"; printf '%s\n' "$NJ_OUT"; nj_done; }
if head -n 2 "$L" | cmp -s - "$BASE"; then ok; else bad "rules-verbatim: $L does not start with the given rules"; fi
has tcp "$L" '# allow tcp 127.0.0.1 port 5432'
has tcp-count "$L" '# connect tcp 127.0.0.1:5432: 2 times, by probe, python3'
has udp "$L" '# allow udp 10.9.8.7 port 53'
has udp-count "$L" '# sendto udp 10.9.8.7:53: 1 time, by probe'
has unix "$L" "# allow unix $T/app.sock"
has unix-count "$L" "# connect unix $T/app.sock: 1 time, by probe"
if [ -n "$S" ]; then
	has exec "$L" "# allow exec $S"
	has exec-count "$L" "# execve $S (statically linked): 1 time, by sh"
fi
hasnt never-any "$L" '^# allow .*(any|@|/[0-9]+ |\*)'
hasnt no-active-rules "$L" '^allow (tcp 127.0.0.1 port 5432|udp|unix|exec)'
hasnt header-once "$L" '^# ---- netjail learn: .*----.*----'
has header "$L" "# ---- end of netjail learn ----"
valid learned "$L"
U=$L.on

# ---- adopted: the same command under netjail run -r learned (uncommented) ----
tcp0=$(nj_count "tcp 127.0.0.1 5432") udp0=$(nj_count "udp 10.9.8.7 53")
unix0=$(nj_count "unix $T/app.sock") st0=$(nj_count "tcp 127.0.0.1 8080")
nj_run_cmd "$U" "$T/work.sh"
status run-learned-exit 7
if printf '%s\n' "$NJ_OUT" | grep -q 'netjail: deny'; then bad "run-learned: something was denied"; printf '%s\n' "$NJ_OUT"; else ok; fi
arrived run-learned-tcp "tcp 127.0.0.1 5432" "$tcp0"
arrived run-learned-udp "udp 10.9.8.7 53" "$udp0"
arrived run-learned-unix "unix $T/app.sock" "$unix0"
[ -z "$S" ] || arrived run-learned-static "tcp 127.0.0.1 8080" "$st0"
# each learned rule is exact: its neighbours stay denied (both sides), beside allowed twins
nj_reach_cmd learned-tcp "$U" "tcp 127.0.0.1 5432" -- "$P" connect tcp 127.0.0.1 5432
nj_deny_cmd learned-tcp-other-port "$U" "tcp 127.0.0.1 5433" -- "$P" connect tcp 127.0.0.1 5433
nj_reach_cmd learned-udp "$U" "udp 10.9.8.7 53" -- "$P" sendto udp 10.9.8.7 53
nj_deny_cmd learned-udp-other-port "$U" "udp 10.9.8.7 54" -- "$P" sendto udp 10.9.8.7 54
nj_deny_cmd learned-udp-not-tcp "$U" "tcp 10.9.8.7 53" -- "$P" connect tcp 10.9.8.7 53
nj_deny_cmd learned-udp-other-address "$U" "udp 10.9.8.6 53" -- "$P" sendto udp 10.9.8.6 53
nj_reach_cmd learned-unix "$U" "unix $T/app.sock" -- "$P" unix "$T/app.sock"
nj_deny_cmd learned-unix-other "$U" "unix $T/other.sock" -- "$P" unix "$T/other.sock"
# and the learned lines are what allows them: under the given rules the same is denied
nj_deny_cmd given-tcp "$BASE" "tcp 127.0.0.1 5432" -- "$P" connect tcp 127.0.0.1 5432
nj_reach_cmd given-tcp-twin "$BASE" "tcp 127.0.0.1 8081" -- "$P" connect tcp 127.0.0.1 8081
nj_deny_cmd given-udp "$BASE" "udp 10.9.8.7 53" -- "$P" sendto udp 10.9.8.7 53
nj_deny_cmd given-unix "$BASE" "unix $T/app.sock" -- "$P" unix "$T/app.sock"
if [ -n "$S" ]; then
	nj_deny_cmd given-static "$BASE" "tcp 127.0.0.1 8080" -- sh -c '"$0" 8080' "$S"
	nj_reach_cmd learned-static "$U" "tcp 127.0.0.1 8080" -- sh -c '"$0" 8080' "$S"
fi

# ---- a block rule: an explanation, not an allow that could never work ----
BLK=$(readlink -f "$(nj_rules 'allow tcp 127.0.0.1 port 8081' 'block 10.0.0.0/8')")
learn -r "$BLK" -o "$T/blk.rules" -- "$P" sendto udp 10.9.8.7 53
status block-exit 0
has block-comment "$T/blk.rules" "# blocked by \"block 10.0.0.0/8\" ($BLK:2): a block always wins, so \"allow udp 10.9.8.7 port 53\" would not help; narrow or remove that block if this destination is wanted"
hasnt block-no-allow "$T/blk.rules" '^# allow udp 10\.9\.8\.7'
valid block "$T/blk.rules"
nj_deny_cmd block-still-denied "$T/blk.rules.on" "udp 10.9.8.7 53" -- "$P" sendto udp 10.9.8.7 53
nj_reach_cmd block-twin "$T/blk.rules.on" "tcp 127.0.0.1 8081" -- "$P" connect tcp 127.0.0.1 8081

# ---- sockets that write headers of their own: learned as the family rule that allows them
# (audit mode made them, so their datagrams arrived) ----
nj_raw_setup
RAWB=$(readlink -f "$(nj_rules 'allow 127.0.0.1')")
raw0=$(nj_count "udp 127.0.0.9 54") pk0=$(nj_count "udp 192.0.2.9 54")
learn -r "$RAWB" -o "$T/raw.rules" -- sh -c '"$0" raw4 127.0.0.1 127.0.0.9 54 &&
    "$0" packet 192.0.2.9 192.0.2.1 54' "$P"
status raw-exit 0
arrived raw-audit "udp 127.0.0.9 54" "$raw0"
arrived packet-audit "udp 192.0.2.9 54" "$pk0"
has raw-learned "$T/raw.rules" '# allow family raw'
has raw-count "$T/raw.rules" '# socket family raw: 1 time, by probe'
has packet-learned "$T/raw.rules" '# allow family packet'
valid raw "$T/raw.rules"
nj_reach_cmd raw-learned-twin "$T/raw.rules.on" "udp 127.0.0.9 54" -- "$P" raw4 127.0.0.1 127.0.0.9 54
nj_deny_cmd raw-given "$RAWB" "udp 127.0.0.9 54" -- "$P" raw4 127.0.0.1 127.0.0.9 54
nj_reach_cmd packet-learned-twin "$T/raw.rules.on" "udp 192.0.2.9 54" -- "$P" packet 192.0.2.9 192.0.2.1 54
nj_deny_cmd packet-given "$RAWB" "udp 192.0.2.9 54" -- "$P" packet 192.0.2.9 192.0.2.1 54

# ---- invalid rules: exit 2, nothing started ----
BAD=$(nj_rules 'allow 10.0.0.1/8')
learn -r "$BAD" -o "$T/bad.out" -- sh -c ": > '$T/started'"
status invalid-rules 2
if [ -e "$T/started" ] || [ -e "$T/bad.out" ]; then bad "invalid-rules: the command ran or output was written"; else ok; fi
if printf '%s\n' "$NJ_OUT" | grep -q 'host bits'; then ok; else bad "invalid-rules: no error shown"; printf '%s\n' "$NJ_OUT"; fi
learn -r "$T/no-such.rules" -- sh -c ": > '$T/started'"
status missing-rules 2
"$NJ" compile "$BASE" -o "$T/base.nj" >/dev/null 2>&1
learn -r "$T/base.nj" -- sh -c ": > '$T/started'"
status compiled-rules 2
learn -r "$BASE" -o "$T" -- sh -c ": > '$T/started'"
status output-directory 2
learn -r "$BASE" -o "$T/no/such/dir/x.rules" -- sh -c ": > '$T/started'"
status output-missing-dir 2
learn -r "$BASE"
status no-command 2
learn -x -- true
status unknown-option 2
learn -r "$BASE" -- "$T/no-such-command"
status command-not-found 127
if [ -e "$T/started" ]; then bad "usage errors: the command ran"; else ok; fi

# inside a jail, learn would learn nothing: the outer shim keeps its own settings in children
nj_run_cmd "$BASE" "$NJ" learn -r "$BASE" -- sh -c ": > '$T/started'"
status nested 2
if printf '%s\n' "$NJ_OUT" | grep -q 'cannot run inside netjail'; then ok; else bad "nested: no reason given"; printf '%s\n' "$NJ_OUT"; fi
if [ -e "$T/started" ]; then bad "nested: the command ran"; else ok; fi

# ---- exit status: the command's own; a signal as a shell reports it ----
learn -r "$BASE" -o "$T/x.rules" -- sh -c 'exit 42'
status exit-42 42
learn -r "$BASE" -o "$T/x.rules" -- sh -c 'kill -TERM $$'
status exit-signal 143
learn -r "$BASE" -o "$T/x.rules" -- true
status exit-0 0
has nothing-denied "$T/x.rules" "# Nothing would have been denied: the rules ($BASE) allow everything the command did."

# ---- deterministic: the same events in another order give the same file, byte for byte ----
cat > "$T/order.sh" <<EOF
#!/bin/sh
a() { "$P" connect tcp 127.0.0.1 5432; }
b() { "$P" sendto udp 10.9.8.7 53; }
c() { "$P" unix "$T/app.sock"; }
d() { "$P" connect tcp ::1 5432; }
e() { "$P" connect tcp 127.0.0.1 5433; }
for f in \$ORDER; do \$f; done
EOF
chmod +x "$T/order.sh"
ORDER='a b c d e' SOURCE_DATE_EPOCH=0 learn -r "$BASE" -o "$T/o1.rules" -- "$T/order.sh"
ORDER='e d c b a' SOURCE_DATE_EPOCH=0 learn -r "$BASE" -o "$T/o2.rules" -- "$T/order.sh"
if cmp -s "$T/o1.rules" "$T/o2.rules"; then ok; else bad "deterministic: the order of events shows"; diff "$T/o1.rules" "$T/o2.rules"; fi
has date "$T/o1.rules" "# ---- netjail learn: $T/order.sh (1970-01-01 00:00:00 UTC) ----"
got=$(grep '^# allow' "$T/o1.rules" | tr '\n' '|')
want="# allow udp 10.9.8.7 port 53|# allow tcp 127.0.0.1 port 5432|# allow tcp 127.0.0.1 port 5433|# allow tcp ::1 port 5432|# allow unix $T/app.sock|"
if [ "$got" = "$want" ]; then ok; else bad "sorted: got $got"; fi

# more programs than an entry names: the ones named do not depend on the order either
cat > "$T/progs.sh" <<'EOF'
#!/bin/sh
for i in $ORDER; do
	printf '{"v":1,"time":"1970-01-01T00:00:00.000Z","pid":%s,"prog":"prog%s","call":"connect","verdict":"would-deny","proto":"tcp","addr":"192.0.2.1","port":443,"reason":"no-allow"}\n' "$i" "$i" >> "$NETJAIL_LOG"
done
EOF
chmod +x "$T/progs.sh"
ORDER=$(seq -w 1 40 | tr '\n' ' ') SOURCE_DATE_EPOCH=0 learn -r "$BASE" -o "$T/p1.rules" -- "$T/progs.sh"
ORDER=$(seq -w 40 -1 1 | tr '\n' ' ') SOURCE_DATE_EPOCH=0 learn -r "$BASE" -o "$T/p2.rules" -- "$T/progs.sh"
if cmp -s "$T/p1.rules" "$T/p2.rules"; then ok; else bad "deterministic-programs: the order of programs shows"; diff "$T/p1.rules" "$T/p2.rules"; fi
has programs-named "$T/p1.rules" '# connect tcp 192.0.2.1:443: 40 times, by prog01, prog02, prog03, prog04, prog05, prog06, prog07, prog08 and others'

# ---- -o may be the rules file itself: replaced whole, mode kept ----
cp "$BASE" "$T/self.rules"
chmod 640 "$T/self.rules"
learn -r "$T/self.rules" -o "$T/self.rules" -- "$P" connect tcp 127.0.0.1 5432
status self-exit 0
if head -n 2 "$T/self.rules" | cmp -s - "$BASE"; then ok; else bad "self: the given rules were not kept"; fi
has self-suggestion "$T/self.rules" '# allow tcp 127.0.0.1 port 5432'
if [ "$(stat -c %a "$T/self.rules")" = 640 ]; then ok; else bad "self: mode $(stat -c %a "$T/self.rules"), want 640"; fi
valid self "$T/self.rules"
if [ -n "$(find "$T" -name 'self.rules.??????')" ]; then bad "self: a temporary file was left"; else ok; fi

# ---- without -o: standard output; without -r: the built-in default policy ----
NJ_OUT=$(timeout 60 env -u LD_PRELOAD -u NETJAIL_RULES "$NJ" learn -- \
    sh -c '"$0" connect tcp 127.0.0.1 5432 >/dev/null' "$P" 2>"$T/default.err")
if [ "$(printf '%s\n' "$NJ_OUT" | head -n "$(wc -l < "$NJ_BUILD/default.rules")")" = "$(cat "$NJ_BUILD/default.rules")" ]; then ok; else bad "default: the built-in policy's text is not first"; printf '%s\n' "$NJ_OUT"; fi
if grep -q 'built-in default policy' "$T/default.err"; then ok; else bad "default: not said on stderr"; fi
# loopback is one of this host's addresses: the default policy's "block @self" decides
if printf '%s\n' "$NJ_OUT" | grep -q '^# blocked by "block @self"'; then ok; else bad "default: 127.0.0.1 not explained as blocked by @self"; printf '%s\n' "$NJ_OUT"; fi
printf '%s\n' "$NJ_OUT" > "$T/default.out"
valid default "$T/default.out"

# ---- names: listed for reference, no rule of their own ----
learn -r "$BASE" -o "$T/gai.rules" -- "$P" gai localhost
hasre gai "$T/gai.rules" '^# getaddrinfo localhost: every answer denied \(.*127\.0\.0\.1.*\) \(1 time, by probe\)$'
hasnt gai-no-rule "$T/gai.rules" '^# allow'
# a lookup that kept an answer prints nothing to the terminal, yet learn hears of it
printf 'allow 127.0.0.21\n' > "$T/two.rules"
learn -r "$T/two.rules" -o "$T/gai-two.rules" -- "$P" gai njtest-two
hasre gai-partial "$T/gai-two.rules" '^# getaddrinfo njtest-two: removed 1 of 2 answers \(127\.0\.0\.22\)'
# getaddrinfo_a's lookups are names too
learn -r "$BASE" -o "$T/gai-a.rules" -- "$P" gai-a localhost 5432
hasre gai-a "$T/gai-a.rules" '^# getaddrinfo_a localhost: every answer denied \(.*127\.0\.0\.1.*\) \(1 time, by probe\)$'
# a lookup that only parses an address is no name: nothing to list (the connect it leads to
# is learned as any connect is)
learn -r "$BASE" -o "$T/gai-literal.rules" -- "$P" gai-connect ::1 5432
hasnt gai-literal-not-a-name "$T/gai-literal.rules" '^# getaddrinfo'
has gai-literal-connect "$T/gai-literal.rules" '# allow tcp ::1 port 5432'

# ---- the static command itself: it runs unjailed, and allow exec is suggested ----
if [ -n "$S" ]; then
	st0=$(nj_count "tcp 127.0.0.1 8080")
	learn -r "$BASE" -o "$T/static.rules" -- "$S" 8080
	status static-command 0
	arrived static-command-ran "tcp 127.0.0.1 8080" "$st0"
	has static-command-rule "$T/static.rules" "# allow exec $S"
	if printf '%s\n' "$NJ_OUT" | grep -q 'runs unjailed'; then ok; else bad "static-command: no warning"; fi
fi

# ---- what the command writes into the log itself: cut, garbled, forged ----
# (learn reads the records by their fields: what a record suggests is never copied, a path
# with a glob, '#' or a space never becomes a rule, and a line that is not one whole record
# is skipped and counted)
cat > "$T/forge.sh" <<'EOF'
#!/bin/sh
R='{"v":1,"time":"1970-01-01T00:00:00.000Z","pid":1,'
printf 'garbage\n%s"prog":"half","call":"connect"\n' "$R" >> "$NETJAIL_LOG"
printf '%s"prog":"evil","call":"connect","verdict":"would-deny","proto":"tcp","addr":"1.2.3.4","port":80,"suggest":"allow any"}\n' "$R" >> "$NETJAIL_LOG"
for p in '/tmp/x*' '/tmp/a#b' '/tmp/s p'; do
	printf '%s"prog":"evil","call":"connect","verdict":"would-deny","path":"%s","reason":"no-allow","suggest":"allow unix %s"}\n' "$R" "$p" "$p" >> "$NETJAIL_LOG"
done
printf '%s"prog":"evil","call":"execve","verdict":"would-deny","path":"/bin/x","reason":"unjailable","message":"it is statically linked","suggest":"allow exec /bin/*"}\n' "$R" >> "$NETJAIL_LOG"
printf '%s"prog":"evil (2)","call":"connect","verdict":"would-deny","proto":"tcp","addr":"0.0.0.0","port":80,"suggest":"allow tcp 0.0.0.0 port 80"}\n' "$R" >> "$NETJAIL_LOG"
printf '%s"prog":"evil (3)","call":"connect","verdict":"would-deny","path":"/tmp/ok.sock","reason":"no-allow"}\n' "$R" >> "$NETJAIL_LOG"
printf '%s"prog":"evil","call":"connect","verdict":"would-deny","proto":"tcp","addr":"127.0.0.1","port":80}' "$R" >> "$NETJAIL_LOG"
EOF
chmod +x "$T/forge.sh"
learn -r "$BASE" -o "$T/forge.rules" -- "$T/forge.sh"
status forge-exit 0
if printf '%s\n' "$NJ_OUT" | grep -q 'lines of the audit log could not be read'; then ok; else bad "forge: no warning about skipped lines"; printf '%s\n' "$NJ_OUT"; fi
has forge-count "$T/forge.rules" '# 3 lines of the audit log could not be read (cut short or garbled) and were skipped.'
has forge-exact "$T/forge.rules" '# allow tcp 1.2.3.4 port 80'
hasnt forge-no-any "$T/forge.rules" '^# allow (any|.*\*|.*#)'
hasnt forge-no-space "$T/forge.rules" '^# allow unix /tmp/s'
has forge-parens "$T/forge.rules" '# connect tcp 0.0.0.0:80: 1 time, by evil (2)'
has forge-loopback "$T/forge.rules" '# allow tcp 127.0.0.1 port 80'
has forge-loopback-why "$T/forge.rules" '# connect tcp 0.0.0.0:80 (which stands for 127.0.0.1): 1 time, by evil (2)'
# a program name with " (" in it is only a name: the record is read whole
has forge-unix-named-program "$T/forge.rules" '# allow unix /tmp/ok.sock'
if [ "$(grep -c '^# allow unix' "$T/forge.rules")" = 1 ]; then ok; else bad "forge-one-unix: another unix rule was written"; fi
hasre forge-exec-glob-note "$T/forge.rules" '^# execve /bin/x \(statically linked\): cannot be written as a rule'
valid forge "$T/forge.rules"

# ---- a suite that starts its own servers: a mock on an ephemeral port, a socket in a
# directory made by mktemp; the learned policy, uncommented, passes the next run ----
cat > "$T/suite.py" <<'EOF'
import os, socket, subprocess
mock = socket.socket()
mock.bind(("127.0.0.1", 0))
mock.listen()
socket.create_connection(mock.getsockname()).close()
d = subprocess.check_output(["mktemp", "-d"], text=True).strip()
srv = socket.socket(socket.AF_UNIX)
srv.bind(d + "/db.sock")
srv.listen()
c = socket.socket(socket.AF_UNIX)
c.connect(d + "/db.sock")
c.close()
os.unlink(d + "/db.sock")
os.rmdir(d)
print("suite passed")
EOF
range=$(cat /proc/sys/net/ipv4/ip_local_port_range)	# (dash's read of /proc stops short)
eph_lo=${range%%[!0-9]*} eph_hi=${range##*[!0-9]}
: > "$T/suite-base.rules"
learn -r "$T/suite-base.rules" -o "$T/suite.rules" -- python3 "$T/suite.py"
status suite-learn 0
has suite-ephemeral "$T/suite.rules" "# allow tcp 127.0.0.1 port $eph_lo-$eph_hi"
hasre suite-ephemeral-why "$T/suite.rules" "^# \(the port is in this machine's ephemeral range \($eph_lo-$eph_hi, /proc/sys/net/ipv4/ip_local_port_range\)"
has suite-mktemp "$T/suite.rules" '# allow unix /tmp/tmp.*'
hasre suite-mktemp-why "$T/suite.rules" '^# \(a directory made for the run \(mktemp\)'
hasnt suite-no-exact-port "$T/suite.rules" '^# allow tcp 127\.0\.0\.1 port [0-9]+$'
valid suite "$T/suite.rules"
# the next run, under the learned rules uncommented (its ports and directory are new)
sed 's/^# allow /allow /' "$T/suite.rules" > "$T/suite.on"
NJ_OUT=$(timeout 60 env -u LD_PRELOAD "$NJ" run -r "$T/suite.on" -- python3 "$T/suite.py" 2>&1)
NJ_RC=$?
if [ "$NJ_RC" = 0 ] && [ "$NJ_OUT" = "suite passed" ]; then ok; else
	bad "suite-next-run: the learned rules do not pass the next run (exit $NJ_RC)"; fi
# and what the suite never did stays denied
nj_deny_cmd suite-other-port "$T/suite.on" "tcp 127.0.0.1 8081" -- "$P" connect tcp 127.0.0.1 8081
nj_deny_cmd suite-other-socket "$T/suite.on" "unix $T/other.sock" -- "$P" unix "$T/other.sock"

# learning from an empty file, as README's CI recipe does: no warning that nothing is allowed
: > "$T/empty.rules"
learn -r "$T/empty.rules" -o "$T/from-empty.rules" -- "$P" connect tcp 127.0.0.1 5432
printf '%s\n' "$NJ_OUT" > "$T/from-empty.err"
hasnt empty-no-warning "$T/from-empty.err" 'no allow rules'
has empty-suggests "$T/from-empty.rules" '# allow tcp 127.0.0.1 port 5432'


# ---- names (SPEC.md §3a): a destination a lookup gave is learned as a host rule, a numeric
# one as an address rule; --wildcards puts sibling names under one wildcard ----
nj_dns 'api.njlearn.example A 127.0.0.51' 'cdn.njlearn.example A 127.0.0.52' \
    'one.njother.example A 127.0.0.53' 'meta.njlearn.example A 169.254.169.254'
cat > "$T/names-ok.sh" <<EOF
#!/bin/sh
"$P" gai-connect api.njlearn.example 8080 && "$P" gai-connect cdn.njlearn.example 8080 &&
"$P" ghbn-connect one.njother.example 8080 && "$P" connect tcp 127.0.0.54 8080
EOF
printf '#!/bin/sh\n"%s"\n"%s" gai-connect meta.njlearn.example 8080\nexit 0\n' "$T/names-ok.sh" "$P" \
    > "$T/names.sh"
chmod +x "$T/names-ok.sh" "$T/names.sh"
printf 'block @metadata  # no name may lead here\n' > "$T/names-base.rules"
learn -r "$T/names-base.rules" -o "$T/names.rules" -- "$T/names.sh"
status names-learn 0
has names-host "$T/names.rules" '# allow tcp host api.njlearn.example port 8080'
has names-host-two "$T/names.rules" '# allow tcp host cdn.njlearn.example port 8080'
has names-host-ghbn "$T/names.rules" '# allow tcp host one.njother.example port 8080'
has names-numeric "$T/names.rules" '# allow tcp 127.0.0.54 port 8080'
hasnt names-no-address-rule "$T/names.rules" '^# allow tcp 127\.0\.0\.5[123]'
hasnt names-no-wildcard "$T/names.rules" 'host \*\.'
hasre names-blocked-stays-blocked "$T/names.rules" '^# blocked by "block @metadata"'
hasnt names-blocked-no-host-rule "$T/names.rules" 'host meta\.'
valid names "$T/names.rules"
# adopted: every name the command used arrives; the blocked one, and a bare address, do not
sed 's/^# allow /allow /' "$T/names.rules" > "$T/names.on"
nj_reach_cmd names-adopted "$T/names.on" "tcp 127.0.0.52 8080" -- "$T/names-ok.sh"
nj_deny_cmd names-adopted-metadata "$T/names.on" "tcp 169.254.169.254 8080" -- \
    "$P" gai-connect meta.njlearn.example 8080
nj_deny_cmd names-adopted-address-alone "$T/names.on" "tcp 127.0.0.51 8080" -- \
    "$P" connect tcp 127.0.0.51 8080
learn --wildcards -r "$T/names-base.rules" -o "$T/wild.rules" -- "$T/names.sh"
status names-wildcards-learn 0
has names-wildcard "$T/wild.rules" '# allow tcp host *.njlearn.example port 8080'
hasre names-wildcard-why "$T/wild.rules" '^# \(--wildcards: 2 names under njlearn\.example were seen \(api\.njlearn\.example, cdn\.njlearn\.example\)'
hasnt names-wildcard-replaces "$T/wild.rules" 'host (api|cdn)\.njlearn'
has names-wildcard-alone-stays "$T/wild.rules" '# allow tcp host one.njother.example port 8080'
valid names-wildcards "$T/wild.rules"

nj_done
