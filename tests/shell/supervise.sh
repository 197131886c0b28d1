#!/bin/sh
# supervise.sh - netjail run --supervise: the kernel checks what no preload can see.  Programs
# that make their system calls without libc (a statically linked C program, an inline-assembly
# connect, Go, busybox-static, the docker client) are denied what the rules deny while the
# listener sees nothing, and each has an allowed twin that reaches it.  Then the hard cases: a
# thread rewriting the address while another connects (the checked copy is what connects), 200
# children at once (every verdict right, the supervisor still answers), a destination that
# never answers (600 connects waiting for it hold up no other, and each blocking connect gets
# the kernel's own answers: SO_SNDTIMEO, signals, refusal, non-blocking sockets), the
# supervisor killed (the jailed program gets errors, never free access), io_uring_setup, sends with a
# destination, a relative unix path, exit statuses, and the preload letting a static child
# start only under the filter.
# Runs as root in its own network and mount namespace.  Builds its static probes with
# `cc -static` (skipped with a message without libc.a) and its Go probe with the Go toolchain
# (skipped without one); the docker client is used when installed.
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

SRC=$(cd "$(dirname "$0")/.." && pwd)	# tests/
T=$NJ_TMP
P=$NJ_BUILD/tests/probes/probe
SUP=$NJ_BUILD/tests/probes/supervise
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
for f in "$P" "$SUP"; do
	[ -x "$f" ] || { echo "missing $f: make build/tests/probes/probe build/tests/probes/supervise"; exit 1; }
done
if [ -n "${NJ_DEBUG:-}" ]; then
	nj_ok() { NJ_PASS=$((NJ_PASS + 1)); echo "ok: ${name:-?} (exit $NJ_RC)"; }
fi
# check NAME PATTERN: the last run's output matches PATTERN
check() {
	nj_only "$1" || return 0
	if printf '%s\n' "$NJ_OUT" | grep -q -e "$2"; then nj_ok; else nj_bad "$1: output lacks /$2/ (exit $NJ_RC)"; fi
}

# the kernel must be able to supervise here: if not, say why and fail (never skip silently)
if ! out=$(env -u LD_PRELOAD "$NJ_NETJAIL" run --supervise -r /dev/null -- true 2>&1) &&
    printf '%s\n' "$out" | grep -q 'cannot work here'; then
	echo "supervise: this kernel cannot supervise: $out"
	exit 1
fi

nj_listen tcp:8080 tcp:8081 udp:9000 udp:9001 "unix:$T/sup.sock"

LO=$(nj_rules 'allow tcp 127.0.0.1 port 8080' 'allow udp 127.0.0.1 port 9000' \
    "allow unix $T/sup.sock")
NOUNIX=$(nj_rules 'allow tcp 127.0.0.1 port 8080')
BLOCKLO=$(nj_rules 'allow any' 'block @loopback')
OK="tcp 127.0.0.1 8080"
NO="tcp 127.0.0.1 8081"

# ---- statically linked C: libc's own connect/sendto/sendmsg, no preload can load ----
STATIC=
if cc -static -O1 -pthread -D_GNU_SOURCE -o "$T/probe-static" "$SRC/probes/probe.c" \
    >"$T/cc.log" 2>&1 &&
    cc -static -O1 -pthread -D_GNU_SOURCE -o "$T/supervise-static" "$SRC/probes/supervise.c" \
    >>"$T/cc.log" 2>&1; then
	STATIC=$T/probe-static
	SUP=$T/supervise-static		# the kernel-only probes run static from here on
else
	echo "skip: static probes: cc -static failed (is libc.a installed? Debian: libc6-dev)"
fi
if [ -n "$STATIC" ]; then
	# a program that retries: identical lines are rate-limited, every call still denied
	before=$(nj_count "$NO")
	nj_run_sup "$LO" "$STATIC" repeat 1234 tcp 127.0.0.1 8081
	nj_sync
	rl=$(nj_rl_check "connect tcp 127.0.0.1:8081" 1234)
	if printf '%s\n' "$NJ_OUT" | grep -q '^connected 0 denied 1234$' && [ "$rl" = ok ] &&
	    [ "$(nj_count "$NO")" = "$before" ]; then nj_ok; else
		nj_bad "static-ratelimit: $rl, or a call was not denied, or one arrived"; fi
	before=$(nj_count "$OK")
	nj_run_sup "$LO" "$STATIC" repeat 30 tcp 127.0.0.1 8080
	nj_sync
	if printf '%s\n' "$NJ_OUT" | grep -q '^connected 30 denied 0$' &&
	    [ "$(nj_count "$OK")" = $((before + 30)) ]; then nj_ok; else
		nj_bad "static-ratelimit-twin: the allowed connects did not all arrive"; fi
	# the supervisor's records, as JSON, are the preload's
	NJ_FORMAT=json
	nj_deny_sup static-json "$LO" "$NO" -- "$STATIC" connect tcp 127.0.0.1 8081
	nj_records static-json-record call=connect verdict=deny proto=tcp addr=127.0.0.1 port=8081 \
	    reason=no-allow prog=probe-static "suggest=allow tcp 127.0.0.1 port 8081"
	NJ_FORMAT=
	nj_deny_sup static-connect "$LO" "$NO" -- "$STATIC" connect tcp 127.0.0.1 8081
	check static-connect-err '^err EACCES'
	# the line reads as the preload's would
	check static-connect-log "^netjail: deny connect tcp 127.0.0.1:8081 (probe-static\[[0-9]*\]): no allow rule matches ($LO); to allow it: allow tcp 127.0.0.1 port 8081\$"
	nj_reach_sup static-connect-twin "$LO" "$OK" -- "$STATIC" connect tcp 127.0.0.1 8080
	nj_deny_sup static-udp-sendto "$LO" "udp 127.0.0.1 9001" -- "$STATIC" sendto udp 127.0.0.1 9001
	nj_reach_sup static-udp-sendto-twin "$LO" "udp 127.0.0.1 9000" -- "$STATIC" sendto udp 127.0.0.1 9000
	nj_deny_sup static-udp-sendmsg "$LO" "udp 127.0.0.1 9001" -- "$STATIC" sendmsg udp 127.0.0.1 9001
	nj_reach_sup static-udp-sendmsg-twin "$LO" "udp 127.0.0.1 9000" -- "$STATIC" sendmsg udp 127.0.0.1 9000
	# any denied message denies the whole sendmmsg under the supervisor
	nj_deny_sup static-sendmmsg "$LO" "udp 127.0.0.1 9001" -- "$STATIC" sendmmsg 127.0.0.1 9000 127.0.0.1 9001
	nj_reach_sup static-sendmmsg-twin "$LO" "udp 127.0.0.1 9000" -- "$STATIC" sendmmsg 127.0.0.1 9000 127.0.0.1 9000
	nj_reach_sup static-connected-udp "$LO" "udp 127.0.0.1 9000" -- "$STATIC" connect-send udp 127.0.0.1 9000
	# a relative unix path is resolved in the program's working directory, not netjail's
	nj_deny_sup static-unix-relative "$NOUNIX" "unix $T/sup.sock" -- "$STATIC" unix-chdir "$T" sup.sock
	nj_reach_sup static-unix-relative-twin "$LO" "unix $T/sup.sock" -- "$STATIC" unix-chdir "$T" sup.sock
	# a hard link to the socket in an allowed directory: the socket has two names, refused
	mkdir -p "$T/okdir" && ln "$T/sup.sock" "$T/okdir/h.sock"
	nj_deny_sup static-unix-hard-link "$(nj_rules "allow unix $T/okdir/*")" "unix $T/sup.sock" -- \
	    "$STATIC" unix "$T/okdir/h.sock"
	check static-unix-hard-link-log "it is a socket with several names (hard links)"
	rm -f "$T/okdir/h.sock"
	nj_reach_sup static-unix-hard-link-twin "$LO" "unix $T/sup.sock" -- "$STATIC" unix "$T/sup.sock"
	# IPv4-mapped IPv6 is judged as the IPv4 address, as in the preload
	nj_deny_sup static-mapped "$LO" "$NO" -- "$STATIC" mapped tcp 127.0.0.1 8081
	nj_reach_sup static-mapped-twin "$LO" "$OK" -- "$STATIC" mapped tcp 127.0.0.1 8080

	# the preload lets a dynamic shell start the static program only under the filter
	nj_deny_sup static-child "$LO" "$NO" -- sh -c "$STATIC connect tcp 127.0.0.1 8081"
	check static-child-started '^err EACCES'
	nj_reach_sup static-child-twin "$LO" "$OK" -- sh -c "$STATIC connect tcp 127.0.0.1 8080"
	nj_run_cmd "$LO" sh -c "$STATIC connect tcp 127.0.0.1 8080"
	check static-child-refused-unsupervised 'netjail: deny execve.*statically linked'
	nj_run_cmd "$LO" "$STATIC" connect tcp 127.0.0.1 8080
	if [ "$NJ_RC" = 126 ]; then nj_ok; else nj_bad "netjail run without --supervise started a static program (exit $NJ_RC)"; fi
fi

# ---- sockets that write headers of their own (a raw IP socket, a packet or XDP socket): the
# filter, built knowing the rules, refuses them unless family raw, packet or xdp is allowed; the
# datagram inside names another address than the one the socket is given; ping sockets are
# ordinary ones ----
nj_raw_setup
RAWNO=$(nj_rules 'allow 127.0.0.1' 'allow ::1')
RAWOK=$(nj_rules 'allow 127.0.0.1' 'allow ::1' 'allow family raw')
PKTOK=$(nj_rules 'allow 127.0.0.1' 'allow family packet')
if [ -n "$STATIC" ]; then
	nj_deny_sup static-raw4 "$RAWNO" "udp 127.0.0.9 9000" -- "$STATIC" raw4 127.0.0.1 127.0.0.9 9000
	check static-raw4-err '^err EACCES$'
	check static-raw4-log "^netjail: deny socket family raw (probe-static\[[0-9]*\]): no allow rule matches ($RAWNO); to allow it: allow family raw\$"
	nj_reach_sup static-raw4-twin "$RAWOK" "udp 127.0.0.9 9000" -- "$STATIC" raw4 127.0.0.1 127.0.0.9 9000
	nj_deny_sup static-raw4-allow-any "$(nj_rules 'allow any')" "udp 127.0.0.9 9000" -- \
	    "$STATIC" raw4 127.0.0.1 127.0.0.9 9000
	nj_deny_sup static-raw4-blocked "$(nj_rules 'allow any' 'allow family raw' 'block family raw')" \
	    "udp 127.0.0.9 9000" -- "$STATIC" raw4 127.0.0.1 127.0.0.9 9000
	nj_deny_sup static-raw6 "$RAWNO" "udp 2001:db8::9 9000" -- "$STATIC" raw6 ::1 2001:db8::9 2001:db8::1 9000
	nj_reach_sup static-raw6-twin "$RAWOK" "udp 2001:db8::9 9000" -- "$STATIC" raw6 ::1 2001:db8::9 2001:db8::1 9000
	nj_deny_sup static-packet "$RAWOK" "udp 192.0.2.9 9000" -- "$STATIC" packet 192.0.2.9 192.0.2.1 9000
	check static-packet-log '^netjail: deny socket family packet (probe-static\[[0-9]*\]): no allow rule matches'
	nj_reach_sup static-packet-twin "$PKTOK" "udp 192.0.2.9 9000" -- "$STATIC" packet 192.0.2.9 192.0.2.1 9000
	nj_deny_sup static-packet-legacy "$RAWOK" "udp 192.0.2.7 9000" -- "$STATIC" packet-legacy 192.0.2.7 192.0.2.1 9000
	nj_reach_sup static-packet-legacy-twin "$PKTOK" "udp 192.0.2.7 9000" -- "$STATIC" packet-legacy 192.0.2.7 192.0.2.1 9000
	XDPOK=$(nj_rules 'allow 127.0.0.1' 'allow family xdp')
	nj_deny_sup static-xdp "$PKTOK" "udp 192.0.2.5 9000" -- "$STATIC" xdp 192.0.2.5 192.0.2.1 9000
	check static-xdp-log '^netjail: deny socket family xdp (probe-static\[[0-9]*\]): no allow rule matches'
	nj_reach_sup static-xdp-twin "$XDPOK" "udp 192.0.2.5 9000" -- "$STATIC" xdp 192.0.2.5 192.0.2.1 9000
	nj_run_sup "$RAWOK" "$STATIC" socketpair-raw
	check static-socketpair-raw '^packet err EOPNOTSUPP raw err EOPNOTSUPP$'
	NJ_FORMAT=json
	nj_run_sup "$RAWNO" "$STATIC" packet 192.0.2.9 192.0.2.1 9000
	nj_records static-packet-json call=socket verdict=deny family=packet reason=no-allow \
	    "suggest=allow family packet" prog=probe-static
	NJ_FORMAT=
	# audit: the socket is made and its datagram arrives; the line says it would be denied
	before=$(nj_count "udp 127.0.0.9 9000")
	NJ_OUT=$(env -u LD_PRELOAD "$NJ_NETJAIL" run --supervise --audit -r "$RAWNO" -- "$STATIC" \
	    raw4 127.0.0.1 127.0.0.9 9000 2>&1)
	nj_sync
	if printf '%s\n' "$NJ_OUT" | grep -q '^netjail: would deny socket family raw ' &&
	    printf '%s\n' "$NJ_OUT" | grep -q '^ok$' &&
	    [ "$(nj_count "udp 127.0.0.9 9000")" != "$before" ]; then nj_ok; else
		nj_bad "static-raw-audit: no would-deny line, or the datagram did not arrive"; fi
	# ping: a ping socket is made, its echo requests judged as sends; a raw ICMP one is raw
	nj_ping_sup static-ping reply 4 "$RAWNO" "$STATIC" ping 127.0.0.1
	nj_ping_sup static-ping-denied denied 4 "$RAWNO" "$STATIC" ping 127.0.0.2
	nj_ping_sup static-ping6 reply 6 "$RAWNO" "$STATIC" ping ::1
	nj_ping_sup static-ping-raw denied 4 "$RAWNO" "$STATIC" ping-raw 127.0.0.1
	nj_ping_sup static-ping-raw-twin reply 4 "$RAWOK" "$STATIC" ping-raw 127.0.0.1
	nj_ping_sup static-ping6-raw denied 6 "$RAWNO" "$STATIC" ping-raw ::1
	nj_ping_sup static-ping6-raw-twin reply 6 "$RAWOK" "$STATIC" ping-raw ::1
fi
# a dynamically linked program: the preload refuses first, with the same line
nj_deny_sup dynamic-raw4 "$RAWNO" "udp 127.0.0.11 9000" -- "$P" raw4 127.0.0.1 127.0.0.11 9000
check dynamic-raw4-log '^netjail: deny socket family raw (probe\[[0-9]*\]): no allow rule matches'
nj_reach_sup dynamic-raw4-twin "$RAWOK" "udp 127.0.0.11 9000" -- "$P" raw4 127.0.0.1 127.0.0.11 9000
# the socket call of a 32-bit program (int $0x80 from this one: arch i386) is judged alike
nj_deny_sup i386-raw4 "$RAWNO" "udp 127.0.0.10 9000" -- "$SUP" i386-raw4 127.0.0.1 127.0.0.10 9000
check i386-raw4-log '^netjail: deny socket family raw (supervise[^[]*\[[0-9]*\]): no allow rule matches'
nj_reach_sup i386-raw4-twin "$RAWOK" "udp 127.0.0.10 9000" -- "$SUP" i386-raw4 127.0.0.1 127.0.0.10 9000

# ---- an inline-assembly connect: no libc function at all ----
nj_deny_sup asm-connect "$LO" "$NO" -- "$SUP" asm 127.0.0.1 8081
check asm-connect-err '^err EACCES'
nj_reach_sup asm-connect-twin "$LO" "$OK" -- "$SUP" asm 127.0.0.1 8080
# the same from a dynamically linked program, where the preload is there but cannot see it
nj_deny_sup asm-connect-dynamic "$LO" "$NO" -- "$NJ_BUILD/tests/probes/supervise" asm 127.0.0.1 8081
nj_reach_sup asm-connect-dynamic-twin "$LO" "$OK" -- "$NJ_BUILD/tests/probes/supervise" asm 127.0.0.1 8080

# ---- plugins bound to libc past the preload (README "Limits"): a plugin loaded with
# dlopen(RTLD_DEEPBIND), one in a dlmopen namespace, and a second libc's own connect.  The
# preload cannot see their connections; the kernel's check under --supervise does.
DP=$NJ_BUILD/tests/probes/probe
PLUG=$NJ_BUILD/tests/libs/libplugin.so
for how in deepbind dlmopen; do
	nj_deny_sup "plugin-$how" "$LO" "$NO" -- "$DP" plugin $how "$PLUG" 127.0.0.1 8081
	nj_reach_sup "plugin-$how-twin" "$LO" "$OK" -- "$DP" plugin $how "$PLUG" 127.0.0.1 8080
done
nj_deny_sup plugin-second-libc "$LO" "$NO" -- "$DP" plugin libc - 127.0.0.1 8081
nj_reach_sup plugin-second-libc-twin "$LO" "$OK" -- "$DP" plugin libc - 127.0.0.1 8080

# ---- io_uring_setup is refused (io_uring's operations never pass through seccomp) ----
nj_run_sup "$LO" "$SUP" io_uring
check io-uring-refused '^err EACCES'
check io-uring-logged '^netjail: deny io_uring_setup (supervise[^[]*\[[0-9]*\]): '

# ---- the supervisor is out of the tree's reach: its listener cannot be taken, its memory not
# read or written, its descriptors not opened (the red team took the listener with pidfd_getfd,
# then answered its own notifications).  The probe is the supervisor's child, as the command is.
reach_checks() {
	for what in pidfd_getfd ptrace mem process_vm_readv fd; do
		if printf '%s\n' "$NJ_OUT" | grep -q "^$what err "; then nj_ok
		else nj_bad "$1: the tree reached the supervisor through $what"; fi
	done
}
nj_deny_sup reach-supervisor "$LO" "$NO" -- "$SUP" reach 127.0.0.1 8081
nj_only reach-supervisor && reach_checks reach-supervisor
nj_reach_sup reach-supervisor-twin "$LO" "$OK" -- "$SUP" reach 127.0.0.1 8080
nj_only reach-supervisor-twin && reach_checks reach-supervisor-twin
# root without CAP_SYS_PTRACE (bit 19) in any set, even after an exec: no_new_privs keeps it out
if [ "$(id -u)" = 0 ] && nj_only no-cap-sys-ptrace; then
	nj_run_sup "$LO" sh -c 'grep "^Cap[EPB][fnr][fmd]" /proc/self/status'
	if printf '%s\n' "$NJ_OUT" | python3 -c 'import sys
caps = [int(l.split()[1], 16) for l in sys.stdin if l.startswith("Cap")]
sys.exit(len(caps) != 3 or any(c & (1 << 19) for c in caps))'; then nj_ok
	else nj_bad "no-cap-sys-ptrace: the tree kept CAP_SYS_PTRACE: $NJ_OUT"; fi
fi

# ---- a thread rewrites the address while another connects: the checked copy connects ----
nj__race() {
	before=$(nj_count "$NO")
	nj_run_sup "$LO" "$SUP" race 127.0.0.1 8080 8081 "$1"
	nj_sync
	after=$(nj_count "$NO")
	if [ "$after" != "$before" ]; then
		nj_bad "race: the blocked listener saw $((after - before)) connections"
	elif [ "$NJ_RC" != 0 ] || ! printf '%s\n' "$NJ_OUT" | grep -q '^ok [0-9]*, err [0-9]*$'; then
		nj_bad "race: the probe did not finish (exit $NJ_RC)"
	else
		nj_ok
	fi
}
nj__race 3000

# ---- 200 short-lived children connecting at once ----
before=$(nj_count "$NO")
nj_run_sup "$LO" "$SUP" forks 200 127.0.0.1 8080 8081
nj_sync
check forks-verdicts '^right 200 wrong 0$'
check forks-supervisor-survives '^after ok$'
if [ "$(nj_count "$NO")" = "$before" ]; then nj_ok; else nj_bad "forks: a denied child reached the listener"; fi
if [ "$NJ_RC" = 0 ]; then nj_ok; else nj_bad "forks: netjail exited $NJ_RC"; fi

# ---- a destination that never answers holds up nothing ----
# The probe's slow destination is a listener of its own on 127.0.0.1 (ports 8090-8095) whose
# accept queue is full: the kernel drops the SYNs, as a host that does not answer would.  600
# blocking connects wait for it, more than there are workers (512), and the supervisor
# connects on their behalf: one connect to the live listener must still be answered at once
# (the probe gives it 20 s; a SYN that is never answered takes minutes to fail).
SLOW=$(nj_rules 'allow tcp 127.0.0.1 port 8080' 'allow tcp 127.0.0.1 port 8090-8095')
nj_reach_sup slow-pending "$SLOW" "$OK" -- "$SUP" slow 600 127.0.0.1 8090 8080
if nj_only slow-pending; then
	check slow-pending-all '^pending 600$'
	check slow-pending-fast '^fast ok [0-9]*$'
	check slow-pending-slow '^slow done 0$'
fi
nj_deny_sup slow-pending-deny "$SLOW" "$NO" -- "$SUP" slow 600 127.0.0.1 8090 8081
if nj_only slow-pending-deny; then
	check slow-pending-deny-all '^pending 600$'
	check slow-pending-deny-err '^fast err EACCES$'
fi
# A blocking connect answered later gets what the kernel's own gives, on the same socket and
# with the same probe run without netjail (the expected output is checked against both).
# slow NAME EXPECTED ARGS...: the probe's output is exactly EXPECTED, jailed and not
slow() {
	name=$1 want=$2
	nj_only "$name" || return 0
	shift 2
	bare=$(timeout 20 "$SUP" "$@" 2>&1)
	nj_run_sup "$SLOW" "$SUP" "$@"
	if [ "$bare" != "$want" ]; then
		nj_bad "$name: without netjail the probe printed \"$bare\", not \"$want\" (the test is wrong here)"
	elif [ "$NJ_OUT" != "$want" ]; then
		nj_bad "$name: expected \"$want\", as without netjail (exit $NJ_RC)"
	else
		nj_ok
	fi
}
# SO_SNDTIMEO passes: EINPROGRESS, then EALREADY on the socket still connecting
slow slow-sndtimeo "$(printf 'first err EINPROGRESS\nagain err EALREADY')" sndtimeo 127.0.0.1 8091 300
# a signal without SA_RESTART: EINTR; the socket is still connecting
slow slow-eintr "$(printf 'first err EINTR\nagain err EALREADY')" eintr 127.0.0.1 8092
# signals with SA_RESTART every 50 ms: the connect goes on, and succeeds when the SYN's
# retransmission finds room in the queue
slow slow-restart 'connect ok' restart 127.0.0.1 8093
# a refused connect leaves the socket unconnected, as the kernel's does: it connects again;
# and a connected one is connected (EISCONN)
slow slow-refused "$(printf 'first err ECONNREFUSED\nagain ok\nthird err EISCONN')" refused 127.0.0.1 8094 8080
# a non-blocking socket is answered at once, as before
slow slow-nonblock 'err EINPROGRESS' nonblock 127.0.0.1 8095

# ---- pids used again: the supervisor keeps its callers' pidfds, and one kept for a process
# gone must never answer for the process that has its pid now.  In a pid namespace with room
# for 40 pids (pid_max of its own: Linux 6.14), 300 children each connect, allowed then denied:
# the pids wrap after the first 170.
if nj_only pid-reuse; then
	# (asked from a user namespace of its own, where a kernel without it refuses the write:
	# as root here, that write would set the whole machine's pid_max)
	if ! unshare -U -r -p -f --mount-proc sh -c 'echo 340 > /proc/sys/kernel/pid_max' 2>/dev/null; then
		echo "pid-reuse: not run: this kernel has no pid_max per pid namespace (Linux 6.14)"
	else
		pr=${STATIC:-$P}
		ok0=$(nj_count_ep "$OK") no0=$(nj_count_ep "$NO")
		NJ_OUT=$(timeout 120 unshare -p -f --mount-proc sh -c "echo 340 > /proc/sys/kernel/pid_max &&
		    exec env -u LD_PRELOAD '$NJ_NETJAIL' run --supervise -r '$LO' -- sh -c '
		    i=0
		    while [ \$i -lt 300 ]; do
			$pr connect tcp 127.0.0.1 8080 >/dev/null || { echo fail \$i; exit 1; }
			$pr connect tcp 127.0.0.1 8081 >/dev/null 2>&1 && { echo leak \$i; exit 1; }
			i=\$((i + 1))
		    done
		    echo done'" 2>&1)
		NJ_RC=$?
		nj_sync
		ok1=$(nj_count_ep "$OK") no1=$(nj_count_ep "$NO")
		if [ "$NJ_RC" != 0 ] || ! printf '%s\n' "$NJ_OUT" | grep -q '^done$'; then
			nj_bad "pid-reuse: a child's connect went wrong (exit $NJ_RC): $(printf '%s\n' "$NJ_OUT" | tail -3)"
		elif [ $((ok1 - ok0)) != 300 ] || [ "$no1" != "$no0" ]; then
			nj_bad "pid-reuse: the listeners saw $((ok1 - ok0)) allowed (300 expected) and $((no1 - no0)) denied (0 expected)"
		else
			nj_ok
		fi
	fi
fi

# ---- the supervisor killed mid-run: the jailed program gets errors, never free access ----
flag=$T/killed
out=$T/orphan.out
env -u LD_PRELOAD "$NJ_NETJAIL" run --supervise -r "$LO" -- "$SUP" orphan 127.0.0.1 8080 "$flag" \
    >"$out" 2>&1 &
nj_pid=$!
for _ in $(seq 500); do grep -q '^before' "$out" && break; sleep 0.02; done
nj_sync
before=$(nj_count "$OK")
kill -9 "$nj_pid"
wait "$nj_pid" 2>/dev/null
touch "$flag"
for _ in $(seq 1000); do grep -q '^after' "$out" && break; sleep 0.02; done
nj_sync
NJ_OUT=$(cat "$out")
NJ_RC=-
check killed-before '^before ok$'
check killed-after-error '^after err '
if [ "$(nj_count "$OK")" = "$before" ]; then nj_ok; else nj_bad "killed: a connect got through after the supervisor died"; fi

# ---- Go: its own system calls, statically linked ----
if command -v go >/dev/null 2>&1; then
	mkdir -p "$T/go"
	cp "$SRC/probes/go/goprobe.go" "$T/go/"
	if (cd "$T/go" && env GOFLAGS=-mod=mod GOCACHE="$T/gocache" GOPATH="$T/gopath" \
	    GOPROXY=off CGO_ENABLED=0 go build -o goprobe goprobe.go) >"$T/go.log" 2>&1; then
		G=$T/go/goprobe
		nj_deny_sup go-tcp "$LO" "$NO" -- "$G" tcp 127.0.0.1:8081
		nj_reach_sup go-tcp-twin "$LO" "$OK" -- "$G" tcp 127.0.0.1:8080
		nj_deny_sup go-udp "$LO" "udp 127.0.0.1 9001" -- "$G" udp 127.0.0.1:9001
		nj_reach_sup go-udp-twin "$LO" "udp 127.0.0.1 9000" -- "$G" udp 127.0.0.1:9000
	else
		nj_bad "go: the Go probe did not build"
		sed 's/^/    | /' "$T/go.log"
	fi
else
	echo "skip: Go probe: no Go toolchain (Debian: golang-go)"
fi

# ---- busybox-static wget (no -T: busybox 1.35 wget crashes on it, jailed or not) ----
BB=$(command -v busybox 2>/dev/null || true)
if [ -n "$BB" ] && ! "$NJ_BUILD/netjail" run -r "$LO" -- "$BB" true >/dev/null 2>&1; then
	# (a busybox the preload can follow would not prove anything here)
	nj_deny_sup busybox-wget "$LO" "$NO" -- "$BB" wget -q -O /dev/null http://127.0.0.1:8081/
	nj_reach_sup busybox-wget-twin "$LO" "$OK" -- "$BB" wget -q -O /dev/null http://127.0.0.1:8080/
else
	echo "skip: busybox-static wget: no statically linked busybox (Debian: busybox-static)"
fi

# ---- the issue's acceptance test: the docker client (static Go) ----
if command -v docker >/dev/null 2>&1; then
	nj_deny_sup docker-version "$BLOCKLO" "$OK" -- docker -H tcp://127.0.0.1:8080 version
	nj_reach_sup docker-version-twin "$LO" "$OK" -- docker -H tcp://127.0.0.1:8080 version
else
	echo "skip: docker client: not installed"
fi

# ---- the supervisor out of reach of a tree of the same unprivileged user (nobody) ----
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	nj_for_anyone		# (nobody runs netjail and the probe)
	case $SUP in "$T"/*) ;; *) SUP=$NJ_PROBES/supervise ;; esac
	chmod a+r "$LO"
	run_nobody() {
		r=$1
		shift
		NJ_OUT=$(timeout 120 setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		    env -u LD_PRELOAD -u NETJAIL_RULES "$NJ_NETJAIL" run --supervise -r "$r" -- "$@" 2>&1)
		NJ_RC=$?
	}
	nj__deny run_nobody reach-supervisor-nobody "$LO" "$NO" -- "$SUP" reach 127.0.0.1 8081
	nj_only reach-supervisor-nobody && reach_checks reach-supervisor-nobody
	nj__reach run_nobody reach-supervisor-nobody-twin "$LO" "$OK" -- "$SUP" reach 127.0.0.1 8080
	nj_only reach-supervisor-nobody-twin && reach_checks reach-supervisor-nobody-twin
else
	echo "skip: the supervisor out of reach as nobody: needs root and setpriv"
fi

# ---- the command's exit status is netjail's ----
nj_run_sup "$LO" sh -c 'exit 7'
if [ "$NJ_RC" = 7 ]; then nj_ok; else nj_bad "exit status: expected 7, got $NJ_RC"; fi
# (in a subshell that keeps quiet: the shell reports the death of netjail, as it should)
rc=$( { nj_run_sup "$LO" sh -c 'kill -TERM $$'; echo "$NJ_RC"; } 2>/dev/null)
if [ "$rc" = 143 ]; then nj_ok; else nj_bad "killed by SIGTERM: expected 143, got $rc"; fi

nj_done
