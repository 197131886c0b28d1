#!/bin/sh
# hardening.sh - the shim under stress and hostile input (SPEC.md §2, §3 limits, §7): threads
# hammering connect, signal handlers that connect (or exec) while the main thread is inside
# the shim, fork from a multithreaded process, eight threads racing the lazy first load of the
# rules, and rules files that are replaced, huge, looping or not files at all.
# Every denial is proved from both sides where a destination is involved: the client saw
# EACCES and the listener saw nothing; beside it an allowed twin reaches the listener.
#   8081  the denied destination: the listener watches it, so a leak shows up in its log
#   8082  the allowed twin: the listener logs every arrival
#   8083  allowed, nothing listens: an allowed connect ends in ECONNREFUSED (cheap, for the
#         high-volume loops)
# Runs in its own network namespace (every address local: nothing leaves the machine); every
# jailed command runs under `timeout`, so a hang fails a test instead of blocking.
# Needs build/tests/probes/{probe,hard-threads,hard-signal,hard-fork,hard-steps,
# hard-exec-signal}.
#   NJ_DEBUG=1 tests/shell/hardening.sh    also name every check that passes, with its time
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

PD=$NJ_BUILD/tests/probes
P=$PD/probe
T=$NJ_TMP
# python3 may be a version manager's shell wrapper (pyenv): put the interpreter first in PATH
# (nj_sync starts one per check)
if command -v python3 >/dev/null 2>&1; then
	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$py" ] &&
	    PATH=$(dirname "$py"):$PATH
fi
for f in "$P" "$PD/hard-threads" "$PD/hard-signal" "$PD/hard-fork" "$PD/hard-steps" \
    "$PD/hard-exec-signal"; do
	[ -x "$f" ] || { echo "missing $f: make build/tests/probes/$(basename "$f")"; exit 1; }
done
HJ_T0=$(date +%s)
if [ -n "${NJ_DEBUG:-}" ]; then
	nj_ok() {
		NJ_PASS=$((NJ_PASS + 1))
		echo "ok: ${hj_name:-${name:-?}} ($(($(date +%s) - HJ_T0)) s)"
		hj_name=
	}
fi

nj_listen tcp:8081 tcp:8082

NO="tcp 127.0.0.1 8081"
OK="tcp 127.0.0.1 8082"

# hj_run LOG RULES CMD...: nj_run with NETJAIL_LOG=LOG.  (Not "nj_run RULES env NETJAIL_LOG=..":
# the jail is sticky, so env, itself jailed, would start CMD with the start-up value again.)
hj_run() {
	hj_log=$1 hj_rules=$2
	shift 2
	NJ_OUT=$(timeout 90 env LD_PRELOAD="$NJ_SHIM" NETJAIL_RULES="$hj_rules" NETJAIL_LOG="$hj_log" \
	    "$@" 2>&1)
	NJ_RC=$?
}

# hj_check NAME WHAT CONDITION: pass when the shell CONDITION (a string, evaluated now)
# holds; else fail with WHAT
hj_check() {
	hj_name=$1
	if eval "$3"; then nj_ok; else nj_bad "$1: $2"; fi
}

# hj_field KEY: the value of "KEY=VALUE" in the line of NJ_OUT that starts with $hj_line
hj_field() {
	printf '%s\n' "$NJ_OUT" | grep "^$hj_line " | head -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# hj_delta EP BEFORE: how many more times the listener has seen EP than BEFORE
hj_delta() { echo $(($(nj_count_ep "$1") - $2)); }

# hj_errors: how many "netjail: error:" lines NJ_OUT holds
hj_errors() { printf '%s\n' "$NJ_OUT" | grep -c '^netjail: error:'; }

# hj_leak NAME EP BEFORE: the listener must not have seen EP since BEFORE (after nj_sync)
hj_leak() {
	d=$(hj_delta "$2" "$3")
	hj_check "$1" "the listener saw \"$2\" $d time(s) (a leak)" '[ "$d" = 0 ]'
}

# hj_arrived NAME EP BEFORE N: the listener saw EP exactly N more times since BEFORE
hj_arrived() {
	d=$(hj_delta "$2" "$3")
	hj_exp=$4
	hj_check "$1" "the listener saw \"$2\" $d time(s), expected $4" '[ "$d" = "$hj_exp" ]'
}

# ==== 1. concurrency: 8 threads x 50,000 connects, exact verdict counts ====
# Attempt k of thread t goes to destination (t + k) % 6: the even ones denied (a block rule
# on loopback, v4 and v6, and no allow rule for TEST-NET), the odd ones allowed (nothing
# listens there: ECONNREFUSED).  Exactly half of 400,000 each way.
CONC=$(nj_rules 'allow tcp 127.0.0.0/8' 'allow tcp ::1' 'block tcp 127.0.0.1 port 8081' \
    'block ::1 port 8081')
b81=$(nj_count_ep "tcp * 8081")
hj_run off "$CONC" "$PD/hard-threads" storm 8 50000 \
    d:127.0.0.1:8081 a:127.0.0.1:8083 'd:[::1]:8081' 'a:[::1]:8083' d:192.0.2.1:8081 \
    a:127.0.0.2:8083
nj_sync
hj_check storm-exact-counts "expected exactly 200000 EACCES and 200000 ECONNREFUSED (exit $NJ_RC)" \
    '[ "$NJ_OUT" = "storm allowed=200000 denied=200000 eacces=200000 refused=200000 ok=0 other=0 wrong=0" ]'
hj_leak storm-no-leak "tcp * 8081" "$b81"
# the twin: the same probe, allowed attempts to the listener, every one arrives
b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK")
hj_run off "$CONC" "$PD/hard-threads" storm 4 26 a:127.0.0.1:8082 d:127.0.0.1:8081
nj_sync
hj_check storm-twin-counts "expected 52 ok and 52 EACCES (exit $NJ_RC)" \
    '[ "$NJ_OUT" = "storm allowed=52 denied=52 eacces=52 refused=0 ok=52 other=0 wrong=0" ]'
hj_arrived storm-twin-arrivals "$OK" "$b82" 52
hj_leak storm-twin-no-leak "tcp * 8081" "$b81"
# with the deny lines on: 8 threads x 2,000, every denial accounted for by whole lines (the
# identical ones rate-limited: each line written stands for itself and its "[N more ...]")
hj_run "$T/storm.log" "$CONC" "$PD/hard-threads" storm 8 2000 \
    d:127.0.0.1:8081 a:127.0.0.1:8083
read -r nl ne <<EOF
$(nj_rl_events "$T/storm.log" '^netjail: deny connect tcp 127[.]0[.]0[.]1:8081 [(]hard-threads[[][0-9]+[]][)]: block tcp 127[.]0[.]0[.]1 port 8081 [(].*:3[)]$')
EOF
hj_check storm-logged "expected whole deny lines for 8000 denials, got $nl lines for $ne; $(wc -l < "$T/storm.log") lines (exit $NJ_RC)" \
    '[ "$NJ_RC" = 0 ] && [ "$ne" = 8000 ] && [ "$(wc -l < "$T/storm.log")" = "$nl" ] && [ "$nl" -le 8 ]'

# ==== 2. signal handlers that connect while the main thread is inside the shim ====
SIG=$(nj_rules 'allow tcp 127.0.0.1 port 8082-8083')
# the main thread connects (8083 allowed, 8081 denied) while a SIGALRM handler connects
# (8082 allowed, 8081 denied); deny lines to a file (opened and written in the handler too)
b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK")
rm -f "$T/sig.log"
hj_run "$T/sig.log" "$SIG" "$PD/hard-signal" connect 600 127.0.0.1:8083 \
    127.0.0.1:8081 127.0.0.1:8082 127.0.0.1:8081
nj_sync
hj_check signal-in-connect-no-deadlock "the probe did not finish (exit $NJ_RC; 124 is a hang)" '[ "$NJ_RC" = 0 ]'
hj_line=main
ma=$(hj_field allowed) mr=$(hj_field refused) md=$(hj_field denied) me=$(hj_field eacces) mo=$(hj_field other)
hj_check signal-in-connect-main "main thread: $ma allowed/$mr refused, $md denied/$me EACCES, $mo other" \
    '[ -n "$ma" ] && [ "$ma" = "$mr" ] && [ "$md" = "$me" ] && [ "$mo" = 0 ] && [ "$md" -gt 0 ]'
hj_line=handler
ha=$(hj_field allowed) ho=$(hj_field ok) hd=$(hj_field denied) he=$(hj_field eacces) hx=$(hj_field other) hi=$(hj_field inside)
hj_check signal-in-connect-handler "handler: $ha allowed/$ho ok, $hd denied/$he EACCES, $hx other" \
    '[ "$ha" = 300 ] && [ "$ho" = 300 ] && [ "$hd" = 300 ] && [ "$he" = 300 ] && [ "$hx" = 0 ]'
hj_check signal-in-connect-interrupted "only $hi of 600 handler runs interrupted a connect (want >= 60)" \
    '[ "${hi:-0}" -ge 60 ]'
hj_arrived signal-in-connect-twin "$OK" "$b82" 300
hj_leak signal-in-connect-no-leak "tcp * 8081" "$b81"
read -r nl ne <<EOF
$(nj_rl_events "$T/sig.log" '^netjail: deny connect tcp 127[.]0[.]0[.]1:8081 [(]hard-signal[[][0-9]+[]][)]: no allow rule matches')
EOF
hj_check signal-in-connect-logged "expected whole deny lines for $((md + hd)) denials, got $nl lines for $ne of $(wc -l < "$T/sig.log")" \
    '[ "$ne" = $((md + hd)) ] && [ "$(wc -l < "$T/sig.log")" = "$nl" ]'
# the main thread inside getaddrinfo("localhost"): the handler's connects are the program's,
# not the resolver's, and are checked like any other
b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK")
hj_run off "$SIG" "$PD/hard-signal" gai 600 localhost 8082 127.0.0.1:8082 127.0.0.1:8081
nj_sync
hj_check signal-in-gai-no-deadlock "the probe did not finish (exit $NJ_RC; 124 is a hang)" '[ "$NJ_RC" = 0 ]'
hj_line=main
hj_check signal-in-gai-main "main thread's getaddrinfo: first answers \"$(hj_field first)\", $(hj_field other) failed" \
    '[ "$(hj_field first)" = 127.0.0.1 ] && [ "$(hj_field other)" = 0 ]'
hj_line=handler
ha=$(hj_field allowed) ho=$(hj_field ok) hd=$(hj_field denied) he=$(hj_field eacces) hx=$(hj_field other) hi=$(hj_field inside)
hj_check signal-in-gai-handler "handler: $ha allowed/$ho ok, $hd denied/$he EACCES, $hx other ($(printf '%s\n' "$NJ_OUT" | sed -n 's/.*last-other=//p'))" \
    '[ "$ha" = 300 ] && [ "$ho" = 300 ] && [ "$hd" = 300 ] && [ "$he" = 300 ] && [ "$hx" = 0 ]'
hj_check signal-in-gai-interrupted "only $hi of 600 handler runs interrupted getaddrinfo (want >= 60)" \
    '[ "${hi:-0}" -ge 60 ]'
hj_arrived signal-in-gai-twin "$OK" "$b82" 301	# 300 from the handler, 1 before the timer
hj_leak signal-in-gai-no-leak "tcp * 8081" "$b81"

# a handler that execs while the shim is in the middle of checking another exec on the same
# thread (the check's scratch is per thread: the handler's check must take its own). OUTER
# looks statically linked to the check, with its program headers past the first 1 KiB, so
# the check reads them apart; a seccomp filter turns that read into SIGSYS, whose handler
# does the read and execs INNER (dynamic, not executable: checked, then EACCES). The kernel
# refuses OUTER itself with ENOEXEC (a core file's type): so ENOEXEC means the shim let it
# through, which it must only where "allow exec" names it (the twin).
python3 - "$T/outer" <<'EOF'
import struct, sys
machine = open("/bin/true", "rb").read(20)[18:20]
eh = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack("<H", 4) + machine +
      struct.pack("<IQQQIHHHHHH", 1, 0x401000, 2048, 0, 0, 64, 56, 1, 64, 0, 0))
ph = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 4096, 4096, 4096)
open(sys.argv[1], "wb").write(eh + bytes(2048 - len(eh)) + ph)
EOF
chmod 755 "$T/outer"
cp /bin/true "$T/inner" && chmod 644 "$T/inner"
hj_run stderr "$(nj_rules 'allow any')" "$PD/hard-exec-signal" "$T/outer" "$T/inner"
case $NJ_OUT in
skip:*) echo "skip: exec-in-handler-* (${NJ_OUT#skip: })" ;;
*)
	hj_check exec-in-handler-denied "expected outer=EACCES inner=EACCES traps=1 and one \"statically linked\" denial; got: $NJ_OUT" \
	    '[ "$NJ_RC" = 0 ] && printf "%s\n" "$NJ_OUT" | grep -qx "outer=EACCES inner=EACCES traps=1" &&
	    [ "$(printf "%s\n" "$NJ_OUT" | grep -c "^netjail: deny execve $T/outer (hard-exec-signal\[[0-9]*\]): it is statically linked")" = 1 ]'
	hj_run stderr "$(nj_rules 'allow any' "allow exec $T/outer")" "$PD/hard-exec-signal" "$T/outer" "$T/inner"
	hj_check exec-in-handler-twin "expected outer=ENOEXEC inner=EACCES traps=1; got: $NJ_OUT" \
	    '[ "$NJ_RC" = 0 ] && printf "%s\n" "$NJ_OUT" | grep -qx "outer=ENOEXEC inner=EACCES traps=1"'
	;;
esac

# ==== 3. fork from a multithreaded jailed process ====
FORK=$(nj_rules 'allow tcp 127.0.0.1 port 8082-8083')
# 8 threads connecting (8083 allowed, 8081 denied) when 20 children are forked; each child
# connects to 8082 (allowed) and 8081 (denied)
b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK")
hj_run off "$FORK" "$PD/hard-fork" busy 8 20 127.0.0.1:8083 127.0.0.1:8081 \
    127.0.0.1:8082 127.0.0.1:8081
nj_sync
hj_line=children
hj_check fork-busy-children "children: $(hj_field right) right, $(hj_field wrong) wrong, $(hj_field hung) hung (exit $NJ_RC)" \
    '[ "$(hj_field right)" = 20 ] && [ "$NJ_RC" = 0 ]'
hj_line=threads
hj_check fork-busy-threads "parent's threads: $(hj_field wrong) wrong verdicts, $(hj_field other) other errors" \
    '[ "$(hj_field wrong)" = 0 ] && [ "$(hj_field other)" = 0 ] && [ "$(hj_field denied)" -gt 0 ]'
hj_arrived fork-busy-twin "$OK" "$b82" 20
hj_leak fork-busy-no-leak "tcp * 8081" "$b81"
# forked while another thread is still loading the rules (they load lazily, on first use):
# the child must not wait for a loader that does not exist in it.  A large policy makes the
# load last long enough (about 0.2 s) for the forks to land inside it.
BIG=$T/big.rules
{
	echo 'allow tcp 127.0.0.1 port 8082-8083'
	awk 'BEGIN { for (i = 1; i < 200000; i++)
	    printf "allow tcp 10.%d.%d.%d port 8082\n", int(i / 65536), int(i / 256) % 256, i % 256 }'
} > "$BIG"
b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK")
hj_run off "$BIG" "$PD/hard-fork" early 8 4 127.0.0.1:8083 127.0.0.1:8081 \
    127.0.0.1:8082 127.0.0.1:8081
nj_sync
hj_line=children
[ "$(hj_field during-load)" -ge 1 ] 2>/dev/null ||
    echo "note: fork-during-load: no child was forked while the rules were loading"
hj_check fork-during-load "children: $(hj_field right) right, $(hj_field wrong) wrong, $(hj_field hung) hung, $(hj_field during-load) forked during the load (exit $NJ_RC)" \
    '[ "$(hj_field right)" = 4 ] && [ "$NJ_RC" = 0 ]'
hj_arrived fork-during-load-twin "$OK" "$b82" 4
hj_leak fork-during-load-no-leak "tcp * 8081" "$b81"

# ==== 4. the first network call, from 8 threads at once (the rules load lazily) ====
# A valid policy: threads 0, 2, 4, 6 connect to 8082 (allowed), 1, 3, 5, 7 to 8081 (denied).
# Small policy (the load is quick: the threads meet at the once-guard) and the large one
# (seven threads wait while one loads).
RACE=$(nj_rules 'allow tcp 127.0.0.1 port 8082')
ok=0 runs=0 b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK") why=
for rules in "$RACE" "$RACE" "$RACE" "$RACE" "$RACE" "$RACE" "$RACE" "$RACE" "$BIG" "$BIG"; do
	runs=$((runs + 1))
	hj_run stderr "$rules" "$PD/hard-threads" race 8 a:127.0.0.1:8082 d:127.0.0.1:8081
	deny=$(printf '%s\n' "$NJ_OUT" | grep -c '^netjail: deny connect tcp 127.0.0.1:8081 ')
	if [ "$NJ_RC" = 0 ] && [ "$deny" = 4 ] && [ "$(hj_errors)" = 0 ] && printf '%s\n' "$NJ_OUT" |
	    grep -q -x 'race allowed=4 denied=4 eacces=4 refused=0 ok=4 other=0 wrong=0'; then
		ok=$((ok + 1))
	else
		why="run $runs ($rules): exit $NJ_RC, $deny deny lines; $(printf '%s\n' "$NJ_OUT" | grep -v '^netjail: deny' | tr '\n' ';')"
	fi
done
nj_sync
hj_check race-valid-verdicts "$ok of $runs runs gave every thread its verdict; last bad: $why" '[ "$ok" = "$runs" ]'
hj_arrived race-valid-twin "$OK" "$b82" $((4 * runs))
hj_leak race-valid-no-leak "tcp * 8081" "$b81"
# an invalid policy (an error on line 2): exactly one error line however many threads race,
# and every thread denied
RACEBAD=$(nj_rules 'allow tcp 127.0.0.1 port 8082' 'allow tcp 1.2.3.4 port https')
ok=0 runs=0 b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK") why=
while [ $runs -lt 10 ]; do
	runs=$((runs + 1))
	hj_run stderr "$RACEBAD" "$PD/hard-threads" race 8 a:127.0.0.1:8082 d:127.0.0.1:8081
	errs=$(hj_errors)
	if [ "$errs" = 1 ] && printf '%s\n' "$NJ_OUT" |
	    grep -q "^netjail: error: $RACEBAD:2:24: expected a port number" &&
	    printf '%s\n' "$NJ_OUT" | grep -q -x 'race allowed=4 denied=4 eacces=8 refused=0 ok=0 other=0 wrong=4'; then
		ok=$((ok + 1))
	else
		why="run $runs: $errs error lines; $(printf '%s\n' "$NJ_OUT" | grep -v '^netjail: deny' | tr '\n' ';')"
	fi
done
nj_sync
hj_check race-invalid-one-error "$ok of $runs runs had exactly one error line and every thread denied; last bad: $why" \
    '[ "$ok" = "$runs" ]'
hj_arrived race-invalid-allowed-denied-too "$OK" "$b82" 0
hj_leak race-invalid-no-leak "tcp * 8081" "$b81"

# ==== 5. hostile rules files ====
H=$T/hostile
mkdir -p "$H"

# steps NAME RULES CHANGE...: hard-steps connects to 8082 (the rules load), waits while the
# test runs CHANGE (a shell command), then connects to 8081 and 8082 again.  The rules that
# loaded allow only 8082, whatever CHANGE wrote: expect ok, EACCES, ok.
steps() {
	s_name=$1 s_rules=$2
	shift 2
	s_go=$H/go.$s_name
	b81=$(nj_count_ep "tcp * 8081") b82=$(nj_count "$OK")
	timeout 20 env LD_PRELOAD="$NJ_SHIM" NETJAIL_RULES="$s_rules" NETJAIL_LOG=off \
	    "$PD/hard-steps" c 127.0.0.1 8082 w "$s_go" c 127.0.0.1 8081 c 127.0.0.1 8082 \
	    > "$H/out.$s_name" 2>&1 &
	s_pid=$!
	for _ in $(seq 500); do
		[ -s "$H/out.$s_name" ] && break
		sleep 0.01
	done
	# the policy as the probe holds it: mapped shared from the snapshot cache
	s_shared=$(grep -c ' r--s .*\.nj$' /proc/"$(pgrep -P $s_pid | head -1)"/maps 2>/dev/null)
	sh -c "$*"
	touch "$s_go"
	wait $s_pid
	s_rc=$?
	nj_sync
	NJ_OUT=$(cat "$H/out.$s_name")
	hj_check "$s_name" "expected ok, err EACCES, ok; got \"$(printf '%s' "$NJ_OUT" | tr '\n' ',')\" (exit $s_rc$([ $s_rc -gt 128 ] && echo ": killed by signal $((s_rc - 128))"))" \
	    '[ "$NJ_OUT" = "$(printf "ok\\nerr EACCES\\nok")" ]'
	hj_leak "$s_name-no-leak" "tcp * 8081" "$b81"
	hj_arrived "$s_name-twin" "$OK" "$b82" 2
}
printf 'allow tcp 127.0.0.1 port 8082\n' > "$H/only8082"
printf 'allow any\n' > "$H/any"
cp "$H/only8082" "$H/renamed.rules"
steps replaced-by-rename "$H/renamed.rules" "cp $H/any $H/renamed.rules.new && mv $H/renamed.rules.new $H/renamed.rules"
cp "$H/only8082" "$H/inplace.rules"
steps rewritten-in-place "$H/inplace.rules" "cat $H/any > $H/inplace.rules"
cp "$H/only8082" "$H/appended.rules"
steps appended-to "$H/appended.rules" "cat $H/any >> $H/appended.rules"
# a compiled policy is mapped, not read: the same changes to it must not reach the rules
# either.  a.rules and b.rules differ only in the port, so their compiled forms have one size
# and layout: b.nj written over a.nj in place is a valid policy that allows 8081.
printf 'allow tcp 127.0.0.1 port 8082\n' > "$H/a.rules"
printf 'allow tcp 127.0.0.1 port 8081\n' > "$H/b.rules"
"$NJ_NETJAIL" compile "$H/a.rules" -o "$H/a.nj" >/dev/null &&
    "$NJ_NETJAIL" compile "$H/b.rules" -o "$H/b.nj" >/dev/null
hj_check compiled-twins-same-size "a.nj and b.nj differ in size" \
    '[ "$(stat -c %s "$H/a.nj")" = "$(stat -c %s "$H/b.nj")" ]'
cp "$H/a.nj" "$H/c-renamed.nj"
steps compiled-replaced-by-rename "$H/c-renamed.nj" "cp $H/b.nj $H/c-renamed.nj.new && mv $H/c-renamed.nj.new $H/c-renamed.nj"
cp "$H/a.nj" "$H/c-inplace.nj"
steps compiled-rewritten-in-place "$H/c-inplace.nj" "cat $H/b.nj > $H/c-inplace.nj"
cp "$H/a.nj" "$H/c-truncated.nj"
steps compiled-truncated "$H/c-truncated.nj" ": > $H/c-truncated.nj"
# the same with large twins (90,000 more rules, ~3.5 MB compiled); the probe that loaded one
# holds it mapped shared from the snapshot cache, no copy of its own
python3 -c 'import sys
for i in range(45000): sys.stdout.write("block %d.%d.%d.0/24\nblock 2001:db8:%x::/48\n" % (10 + (i >> 16), i >> 8 & 255, i & 255, i))' > "$H/many"
cat "$H/a.rules" "$H/many" > "$H/A.rules"
cat "$H/b.rules" "$H/many" > "$H/B.rules"
"$NJ_NETJAIL" compile "$H/A.rules" -o "$H/A.nj" >/dev/null &&
    "$NJ_NETJAIL" compile "$H/B.rules" -o "$H/B.nj" >/dev/null
hj_check compiled-large-twins-same-size "A.nj and B.nj differ in size, or are small" \
    '[ "$(stat -c %s "$H/A.nj")" = "$(stat -c %s "$H/B.nj")" ] && [ "$(stat -c %s "$H/A.nj")" -gt 3000000 ]'
cp "$H/A.nj" "$H/C-inplace.nj"
steps compiled-large-rewritten-in-place "$H/C-inplace.nj" "cat $H/B.nj > $H/C-inplace.nj"
hj_check compiled-large-shared \
    "the probe holds ${s_shared:-no} shared mappings of the policy" '[ "${s_shared:-0}" = 1 ]'
cp "$H/A.nj" "$H/C-truncated.nj"
steps compiled-large-truncated "$H/C-truncated.nj" ": > $H/C-truncated.nj"

# world-writable: a warning from `netjail check`, still valid; the shim still enforces it
cp "$H/only8082" "$H/world.rules"
chmod 0666 "$H/world.rules"
NJ_OUT=$("$NJ_NETJAIL" check "$H/world.rules" 2>&1)
rc=$?
hj_check world-writable-check "netjail check: exit $rc (want 0), or no \"world-writable\" warning" \
    '[ $rc = 0 ] && printf "%s\\n" "$NJ_OUT" | grep -q "warning: .*world-writable"'
nj_allow world-writable-shim-allows "$H/world.rules" "$OK" -- "$P" connect tcp 127.0.0.1 8082
nj_deny world-writable-shim-denies "$H/world.rules" "$NO" -- "$P" connect tcp 127.0.0.1 8081

# hostile NAME RULES PATTERN: the probe's connect to 8082 (allowed, were the file loadable) is
# denied, the listener sees nothing, the run ends (no hang), and the shim printed exactly one
# "netjail: error:" line, matching PATTERN
hostile() {
	nj_deny "$1" "$2" "$OK" -- "$P" connect tcp 127.0.0.1 8082
	hj_check "$1-no-hang" "the probe did not finish (exit $NJ_RC; 124 is a hang)" '[ "$NJ_RC" = 1 ]'
	hj_pat=$3
	hj_check "$1-one-error" "expected one error line matching /$3/, got $(hj_errors)" \
	    '[ "$(hj_errors)" = 1 ] && printf "%s\\n" "$NJ_OUT" | grep -q "^netjail: error: .*$hj_pat"'
}
# mkfile PATH SIZE [NOLF]: "allow tcp 127.0.0.1 port 8082", then comment lines of 1 KiB, cut to
# exactly SIZE bytes; NOLF: one line (the rule, then a comment running to the end)
mkfile() {
	python3 - "$@" <<-'EOF'
	import sys
	path, size = sys.argv[1], int(sys.argv[2])
	head = b"allow tcp 127.0.0.1 port 8082"
	if len(sys.argv) > 3:
	    body = head + b" #" + b"x" * (size - len(head) - 2)
	else:
	    pad = b"#" + b"x" * 1022 + b"\n"
	    body = head + b"\n" + pad * ((size - len(head)) // len(pad) + 1)
	with open(path, "wb") as f:
	    f.write(body[:size])
	EOF
}
MiB64=67108864
mkfile "$H/oneline.rules" $MiB64 nolf
hj_check oneline-size "the one-line file is not 64 MiB" '[ "$(stat -c %s "$H/oneline.rules")" = $MiB64 ]'
hostile oneline-64MiB "$H/oneline.rules" "$H/oneline.rules:1:4097: line longer than 4096 bytes"
rm -f "$H/oneline.rules"
mkfile "$H/limit.rules" $MiB64
nj_allow size-64MiB-exactly-loads "$H/limit.rules" "$OK" -- "$P" connect tcp 127.0.0.1 8082
mkfile "$H/over.rules" $((MiB64 + 1))
hj_check over-size "the file is not 64 MiB + 1" '[ "$(stat -c %s "$H/over.rules")" = $((MiB64 + 1)) ]'
hostile size-64MiB-plus-1 "$H/over.rules" "$H/over.rules: file of 67108865 bytes is larger than the limit"
rm -f "$H/limit.rules" "$H/over.rules"

# 1,000,000 rules: valid; one more bad line: rejected, and the error names line 1000001
M=$H/million.rules
{
	echo 'allow tcp 127.0.0.1 port 8082'
	awk 'BEGIN { for (i = 1; i < 1000000; i++)
	    printf "allow tcp 10.%d.%d.%d port 8082\n", int(i / 65536), int(i / 256) % 256, i % 256 }'
} > "$M"
nj_allow million-rules-load "$M" "$OK" -- "$P" connect tcp 127.0.0.1 8082
cp "$M" "$H/million-bad.rules"
echo 'allow tcp 1.2.3.4 port https' >> "$H/million-bad.rules"
hostile million-plus-bad-line "$H/million-bad.rules" "$H/million-bad.rules:1000001:24: expected a port number"
NJ_OUT=$("$NJ_NETJAIL" check "$H/million-bad.rules" 2>&1)
rc=$?
hj_check million-plus-bad-line-check "netjail check: exit $rc (want 1), or no error naming line 1000001" \
    '[ $rc = 1 ] && printf "%s\\n" "$NJ_OUT" | grep -q "^$H/million-bad.rules:1000001:24: error: expected a port number"'
cp "$M" "$H/million-plus-1.rules"
echo 'allow tcp 10.200.0.1 port 8082' >> "$H/million-plus-1.rules"
hostile million-plus-one-rule "$H/million-plus-1.rules" "$H/million-plus-1.rules:1000001:1: more than 1000000 rules"
NJ_OUT=$("$NJ_NETJAIL" check "$H/million-plus-1.rules" 2>&1)
rc=$?
hj_check million-plus-one-rule-check "netjail check: exit $rc (want 1), or no error naming line 1000001" \
    '[ $rc = 1 ] && printf "%s\\n" "$NJ_OUT" | grep -q "^$H/million-plus-1.rules:1000001:1: error: more than 1000000 rules"'
rm -f "$M" "$H/million-bad.rules" "$H/million-plus-1.rules"

# not a file at all
ln -s "$H/loop-b" "$H/loop-a"
ln -s "$H/loop-a" "$H/loop-b"
hostile symlink-loop "$H/loop-a" "$H/loop-a: cannot open: Too many levels of symbolic links"
hostile dev-zero /dev/zero "/dev/zero: not a regular file"
hostile proc-self-mem /proc/self/mem "/proc/self/mem: cannot read"
hostile proc-self-environ /proc/self/environ "/proc/self/environ: "

echo "time: $(($(date +%s) - HJ_T0)) s"
nj_done
