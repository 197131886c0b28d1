#!/bin/sh
# entrypoint.sh - scripts/netjail-entrypoint run as a real process, the way a container runtime
# runs it (ENTRYPOINT + CMD): the service's exit status and death by a signal come back
# unchanged; the process started IS the service (no shell or netjail left in between), so
# signals sent to it reach the service's own handlers, and as PID 1 of a PID namespace the
# service is PID 1; the rules file is NETJAIL_RULES or the default path
# (NETJAIL_ENTRYPOINT_RULES stands in for /etc/netjail/rules here); a missing or invalid rules
# file, a bad NETJAIL_MODE or no command refuse to start the service (it would create a marker
# file); netjail is found through NETJAIL_BIN, beside the script or on PATH; and the service
# runs jailed, proved on both sides: a denied connection never reaches the listener, its
# allowed twin does.
# Runs as root in its own network and mount namespace (tests/shell/lib.sh); no traffic leaves it.
# Usage: NJ_BUILD=/abs/build tests/shell/entrypoint.sh   (needs build/tests/probes/probe)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

EP=$(cd "$(dirname "$0")/../.." && pwd)/scripts/netjail-entrypoint
T=$NJ_TMP
P=$NJ_PROBE
SHIM=$(readlink -f "$NJ_SHIM")		# netjail run names the shim by its canonical path
PORT=8091
for f in "$EP" "$NJ_NETJAIL" "$P"; do
	[ -x "$f" ] || { echo "missing $f (make all build/tests/probes/probe)"; exit 1; }
done
unset LD_PRELOAD NETJAIL_RULES NETJAIL_MODE NETJAIL_LOG NETJAIL_BIN NETJAIL_ENTRYPOINT_RULES \
    NETJAIL_SUPERVISE
export NETJAIL_BIN="$NJ_NETJAIL"
export NETJAIL_ENTRYPOINT_RULES="$T/etc-netjail-rules"	# the default path, for these tests

# ok NAME / bad WHY: count and print; a failure shows NJ_OUT, which both then clear (a check
# that captures no output shows none)
ok() { nj_ok; echo "ok: $1"; NJ_OUT=; }
bad() { nj_bad "$@"; NJ_OUT=; }
NJ_OUT=

# wait_for FILE [PATTERN]: bounded wait (10 s) until FILE is not empty (and has a line
# matching PATTERN); no timing is asserted, only readiness
wait_for() {
	for _ in $(seq 200); do
		if [ -s "$1" ] && { [ $# -lt 2 ] || grep -q -x -e "$2" "$1"; }; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# gone PID: bounded wait (10 s) until PID has exited (gone, or a zombie waiting for us)
gone() {
	for _ in $(seq 200); do
		st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
		case $st in ''|Z) return 0 ;; esac
		sleep 0.05
	done
	return 1
}

# expect NAME STATUS PATTERN -- COMMAND...: exit status, and a line of stdout+stderr matching
# PATTERN (none if empty)
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	NJ_OUT=$(timeout 20 "$@" 2>&1)
	got=$?
	if [ "$got" != "$want" ]; then
		bad "$name: exit $got, want $want"
	elif [ -n "$pat" ] && ! printf '%s\n' "$NJ_OUT" | grep -q -e "$pat"; then
		bad "$name: output lacks /$pat/"
	else
		ok "$name"
	fi
}

# refused NAME STATUS PATTERN -- COMMAND...: expect, and the service did not run (it would
# have created $T/marker)
refused() {
	rm -f "$T/marker"
	expect "$@"
	if [ -e "$T/marker" ]; then bad "$1: the service ran"; else ok "$1: service not started"; fi
}

# the rules: the default path, one given by NETJAIL_RULES, an invalid one
printf 'allow @public\n' > "$NETJAIL_ENTRYPOINT_RULES"
GOOD=$(nj_rules 'allow @public' "allow tcp 127.0.0.1 port $PORT")
DENY=$(nj_rules 'allow @public')
BAD=$T/bad.rules
printf 'allow @public\nallow tcp 1.2.3.4 port https\n' > "$BAD"
mkdir "$T/dir.rules"
MARK="touch $T/marker"

# ---- exit status: the same as running the command without the entrypoint ----
for code in 0 1 3 42 255; do
	NETJAIL_RULES=$GOOD "$EP" sh -c "exit $code"
	got=$?
	if [ "$got" = "$code" ]; then ok "exit $code"; else bad "exit $code: got $got"; fi
done
for sig in TERM KILL; do
	# (in braces: the shell's "Terminated" note goes to /dev/null, the status stays)
	{ sh -c "kill -$sig \$\$"; } 2>/dev/null
	direct=$?
	{ NETJAIL_RULES=$GOOD "$EP" sh -c "kill -$sig \$\$"; } 2>/dev/null
	got=$?
	if [ "$got" = "$direct" ] && [ "$got" -gt 128 ]; then
		ok "killed by SIG$sig: status $got, as without the entrypoint"
	else
		bad "killed by SIG$sig: status $got, without the entrypoint $direct"
	fi
done
# the caller sees a death by the signal (wait status), not an exit with 143
got=$(NETJAIL_RULES=$GOOD python3 -c 'import subprocess, sys
print(subprocess.run(sys.argv[1:]).returncode)' "$EP" sh -c 'kill -TERM $$')
if [ "$got" = -15 ]; then ok "killed by SIGTERM: a signal death"; else bad "killed by SIGTERM: returncode $got, want -15"; fi

# ---- signals: the PID started is the service, and its handlers get the signals ----
# A container runtime starts the entrypoint with every signal at its default; a background
# job of this script has SIGINT and SIGQUIT ignored (and a shell cannot trap a signal ignored
# at its start), so they are reset with env --default-signal where env has it.
S=$T/sig
sigs="USR1 HUP TERM"
defsig=
if env --default-signal=INT true 2>/dev/null; then
	sigs="USR1 HUP INT TERM"
	defsig=--default-signal=INT,QUIT
else
	echo "skip: SIGINT forwarding (env has no --default-signal)"
fi
# shellcheck disable=SC2016 # the service's own script: expanded by the service
svc='f=$1
for s in USR1 HUP INT; do trap "echo $s >> $f.log" $s; done
trap "echo TERM >> $f.log; exit 7" TERM
echo $$ > $f.ready
while :; do sleep 0.1; done'
NETJAIL_RULES=$GOOD env $defsig "$EP" sh -c "$svc" service "$S" &
pid=$!
if ! wait_for "$S.ready"; then
	bad "signals: the service never became ready"
	kill -KILL "$pid" 2>/dev/null
else
	read -r spid < "$S.ready"
	if [ "$spid" = "$pid" ]; then ok "the service is the PID started ($pid)"
	else bad "the service is PID $spid, the PID started $pid"; fi
	argv=$(tr '\0' '\n' < "/proc/$pid/cmdline" | head -2 | tr '\n' ' ')
	if [ "$argv" = "sh -c " ]; then ok "PID $pid runs the command (no shell or netjail left)"
	else bad "PID $pid runs \"$argv...\", not the command"; fi
	if tr '\0' '\n' < "/proc/$pid/environ" | grep -q -x -F "LD_PRELOAD=$SHIM"; then
		ok "PID $pid is jailed (LD_PRELOAD)"
	else
		bad "PID $pid has no LD_PRELOAD=$SHIM"
	fi
	for s in $sigs; do
		kill -"$s" "$pid"
		if wait_for "$S.log" "$s"; then ok "SIG$s reached the service"
		else bad "SIG$s never reached the service"; fi
	done
	if ! gone "$pid"; then
		bad "the process started did not exit after SIGTERM"
		kill -KILL "$pid"
	fi
	wait "$pid"
	got=$?
	# a service that is not the process started would be left running
	[ "$spid" != "$pid" ] && kill -KILL "$spid" 2>/dev/null
	if [ "$got" = 7 ]; then ok "exit status 7 after SIGTERM"; else bad "after SIGTERM: exit $got, want 7"; fi
	# shellcheck disable=SC2086 # one word per signal
	want=$(printf '%s\n' $sigs)
	if [ "$(cat "$S.log" 2>/dev/null)" = "$want" ]; then ok "signals arrived once each, in order"
	else NJ_OUT=$(cat "$S.log" 2>/dev/null); bad "signals: the service logged something else"; fi
fi

# as PID 1 (a container's PID namespace), the service is PID 1 and its status comes back
if unshare -p -f true 2>/dev/null; then
	# shellcheck disable=SC2016
	NETJAIL_RULES=$GOOD unshare -p -f -- "$EP" sh -c 'echo $$ > "$1"; exit 5' svc "$T/pid1"
	got=$?
	if [ "$got" = 5 ] && [ "$(cat "$T/pid1" 2>/dev/null)" = 1 ]; then
		ok "in a new PID namespace the service is PID 1, exit 5 comes back"
	else
		bad "PID namespace: exit $got, the service was PID $(cat "$T/pid1" 2>/dev/null)"
	fi
else
	echo "skip: cannot create a PID namespace (unshare -p)"
fi

# ---- refusals: the service is not started ----
refused "invalid rules" 2 "bad.rules:2:24: error: expected a port number" -- \
    env NETJAIL_RULES="$BAD" "$EP" sh -c "$MARK"
refused "invalid rules at the default path" 2 "bad.rules:2:24: error" -- \
    env NETJAIL_ENTRYPOINT_RULES="$BAD" "$EP" sh -c "$MARK"
refused "missing NETJAIL_RULES file" 2 "no rules file at $T/nope.rules" -- \
    env NETJAIL_RULES="$T/nope.rules" "$EP" sh -c "$MARK"
refused "missing default rules file (no built-in fallback)" 2 "no rules file at $T/absent" -- \
    env NETJAIL_ENTRYPOINT_RULES="$T/absent" "$EP" sh -c "$MARK"
refused "rules file is a directory" 2 "not a regular file" -- \
    env NETJAIL_RULES="$T/dir.rules" "$EP" sh -c "$MARK"
refused "bad NETJAIL_MODE" 2 "NETJAIL_MODE must be enforce or audit" -- \
    env NETJAIL_RULES="$GOOD" NETJAIL_MODE=permissive "$EP" sh -c "$MARK"
refused "bad NETJAIL_SUPERVISE" 2 "NETJAIL_SUPERVISE must be 1 or 0" -- \
    env NETJAIL_RULES="$GOOD" NETJAIL_SUPERVISE=yes "$EP" sh -c "$MARK"
refused "NETJAIL_BIN not executable" 127 "NETJAIL_BIN=$T/nope is not an executable" -- \
    env NETJAIL_RULES="$GOOD" NETJAIL_BIN="$T/nope" "$EP" sh -c "$MARK"
expect "no command: usage" 2 "^usage: netjail-entrypoint COMMAND" -- env NETJAIL_RULES="$GOOD" "$EP"
expect "command not found" 127 "command not found" -- env NETJAIL_RULES="$GOOD" "$EP" "$T/no-such-cmd"
printf '#!/bin/sh\n' > "$T/noexec"
expect "command not executable" 126 "" -- env NETJAIL_RULES="$GOOD" "$EP" "$T/noexec"

# ---- which rules, which settings: what the service sees ----
# shellcheck disable=SC2016
show='printf "%s\n" "$LD_PRELOAD" "$NETJAIL_RULES" "$NETJAIL_MODE" "${NETJAIL_LOG:-}" end'
# sees NAME RULES MODE LOG -- COMMAND...: the service's LD_PRELOAD starts with the shim, and
# its NETJAIL_RULES, NETJAIL_MODE and NETJAIL_LOG are RULES, MODE and LOG
sees() {
	name=$1 want="$SHIM
$(readlink -f "$2")
$3
$4
end"
	shift 5
	NJ_OUT=$("$@" sh -c "$show" 2>&1)
	first=$(printf '%s\n' "$NJ_OUT" | head -1)
	case $first in "$SHIM:"*) first=$SHIM ;; esac	# other preloads after the shim
	got="$first
$(printf '%s\n' "$NJ_OUT" | sed 1d)"
	if [ "$got" = "$want" ]; then ok "$name"; else bad "$name: the service sees other values"; fi
}
sees "NETJAIL_RULES is used" "$GOOD" enforce "" -- env NETJAIL_RULES="$GOOD" "$EP"
sees "the default path without NETJAIL_RULES" "$NETJAIL_ENTRYPOINT_RULES" enforce "" -- "$EP"
sees "the default path with an empty NETJAIL_RULES" "$NETJAIL_ENTRYPOINT_RULES" enforce "" -- \
    env NETJAIL_RULES= "$EP"
sees "NETJAIL_MODE=audit" "$GOOD" audit "" -- env NETJAIL_RULES="$GOOD" NETJAIL_MODE=audit "$EP"
sees "NETJAIL_LOG" "$GOOD" enforce "$T/nj.log" -- env NETJAIL_RULES="$GOOD" NETJAIL_LOG="$T/nj.log" "$EP"
sees "the shim stays first before other preloads" "$GOOD" enforce "" -- \
    env NETJAIL_RULES="$GOOD" LD_PRELOAD=libc.so.6 "$EP"

# ---- finding netjail: beside the script, then PATH ----
mkdir "$T/bin" "$T/lone" "$T/pathbin"
cp "$EP" "$T/bin/netjail-entrypoint"
cp "$EP" "$T/lone/netjail-entrypoint"
ln -s "$NJ_NETJAIL" "$T/bin/netjail"
ln -s "$NJ_NETJAIL" "$T/pathbin/netjail"
sees "netjail beside the script" "$GOOD" enforce "" -- \
    env -u NETJAIL_BIN NETJAIL_RULES="$GOOD" "$T/bin/netjail-entrypoint"
sees "netjail on PATH" "$GOOD" enforce "" -- \
    env -u NETJAIL_BIN NETJAIL_RULES="$GOOD" PATH="$T/pathbin:$PATH" "$T/lone/netjail-entrypoint"
if PATH=/usr/bin:/bin command -v netjail >/dev/null; then
	echo "skip: netjail not found (a netjail is installed in /usr/bin or /bin)"
else
	refused "netjail not found" 127 "netjail not found beside" -- \
	    env -u NETJAIL_BIN NETJAIL_RULES="$GOOD" PATH=/usr/bin:/bin "$T/lone/netjail-entrypoint" \
	    sh -c "$MARK"
fi

# ---- jailed, proved on both sides: the listener sees the allowed twin, never the denied ----
# ep_run RULES CMD...: CMD through the entrypoint with NETJAIL_RULES=RULES ("" = the default
# path); output in NJ_OUT, status in NJ_RC
# shellcheck disable=SC2317 # called through nj__deny and nj__reach
ep_run() {
	r=$1
	shift
	NJ_OUT=$(NETJAIL_RULES=$r timeout 20 "$EP" "$@" 2>&1)
	# shellcheck disable=SC2034 # read by nj__deny and nj__reach
	NJ_RC=$?
}
# net NAME deny|reach RULES ENDPOINT -- CMD...: nj__deny or nj__reach through the entrypoint
net() {
	name=$1 how=$2
	shift 2
	fails=$NJ_FAIL
	"nj__$how" ep_run "$name" "$@"
	[ "$NJ_FAIL" = "$fails" ] && echo "ok: $name"
}
nj_listen "tcp:$PORT"
net "allow @public denies 127.0.0.1:$PORT" deny "$DENY" "tcp 127.0.0.1 $PORT" -- \
    "$P" connect tcp 127.0.0.1 "$PORT"
net "allow tcp 127.0.0.1 port $PORT reaches it" reach "$GOOD" "tcp 127.0.0.1 $PORT" -- \
    "$P" connect tcp 127.0.0.1 "$PORT"
net "the default path's rules deny 127.0.0.1:$PORT" deny "" "tcp 127.0.0.1 $PORT" -- \
    "$P" connect tcp 127.0.0.1 "$PORT"
net "a child of the service is denied too" deny "$DENY" "tcp 127.0.0.1 $PORT" -- \
    sh -c "\"$P\" connect tcp 127.0.0.1 $PORT"

# ---- NETJAIL_SUPERVISE=1: a statically linked service, which no preload can follow, runs
# under the supervisor, jailed by the kernel; without it the service is refused ----
SRC=$(cd "$(dirname "$0")/.." && pwd)
if cc -static -O1 -D_GNU_SOURCE -o "$T/probe-static" "$SRC/probes/probe.c" >"$T/cc.log" 2>&1; then
	PS=$T/probe-static
	expect "a static service is refused without NETJAIL_SUPERVISE" 126 \
	    "refusing to run $PS: it is statically linked" -- env NETJAIL_RULES="$GOOD" "$EP" \
	    "$PS" connect tcp 127.0.0.1 "$PORT"
	export NETJAIL_SUPERVISE=1
	net "NETJAIL_SUPERVISE=1: a static service is denied 127.0.0.1:$PORT" deny "$DENY" \
	    "tcp 127.0.0.1 $PORT" -- "$PS" connect tcp 127.0.0.1 "$PORT"
	net "NETJAIL_SUPERVISE=1: its allowed twin reaches it" reach "$GOOD" "tcp 127.0.0.1 $PORT" -- \
	    "$PS" connect tcp 127.0.0.1 "$PORT"
	NETJAIL_RULES=$GOOD "$EP" sh -c 'exit 3'
	got=$?
	if [ "$got" = 3 ]; then ok "NETJAIL_SUPERVISE=1: exit 3 comes back"; else bad "NETJAIL_SUPERVISE=1: exit $got, want 3"; fi
	# SIGTERM to the supervisor (PID 1 in a container) reaches the service
	rm -f "$S.ready" "$S.log"
	NETJAIL_RULES=$GOOD "$EP" sh -c 'trap "echo TERM >> $0.log; exit 7" TERM; echo $$ > $0.ready
	    while :; do sleep 0.1; done' "$S" &
	pid=$!
	if wait_for "$S.ready"; then
		kill -TERM "$pid"
		wait "$pid"
		got=$?
		if [ "$got" = 7 ] && [ "$(cat "$S.log" 2>/dev/null)" = TERM ]; then
			ok "NETJAIL_SUPERVISE=1: SIGTERM reaches the service, its exit 7 comes back"
		else
			bad "NETJAIL_SUPERVISE=1: after SIGTERM exit $got, the service logged $(cat "$S.log" 2>/dev/null)"
		fi
	else
		bad "NETJAIL_SUPERVISE=1: the service never became ready"
		kill -KILL "$pid"
	fi
	unset NETJAIL_SUPERVISE
else
	echo "skip: NETJAIL_SUPERVISE with a static service (cc -static failed: no libc.a?)"
fi

nj_done
