#!/bin/sh
# musl.sh - the jail in musl programs (README.md "musl"): the musl shim (make MUSL=1,
# libnetjail-musl.so) jails programs built with musl-gcc the way the glibc shim jails glibc
# ones, and a tree whose programs come from both C libraries is jailed throughout: each exec
# hands the child the shim its own loader can load (the other one lies beside ours), or is
# refused with the reason when that shim is not installed; never does a child start unjailed
# because its loader passed over an LD_PRELOAD entry it could not use (musl's loader says
# nothing of a missing one).  Every denial is proved on both sides (the client saw EACCES,
# the listener nothing) beside an allowed twin.
#
# The mixed tree is `make install` and `make MUSL=1 install-shim` into one scratch DESTDIR: the
# installed glibc netjail, with both shims in its lib/netjail/.
# Runs as root in its own network and mount namespace (tests/shell/lib.sh); no traffic leaves it.
# Usage: NJ_BUILD=/abs/build NJ_MUSL=/abs/build-musl tests/shell/musl.sh   (make check-musl)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

SRC=$(cd "$(dirname "$0")/../.." && pwd)	# the top
MB=${NJ_MUSL:?NJ_MUSL names the musl build (build-musl)}
M=$MB/tests/probes		# musl probes: probe, exec-child, probe-static
G=$NJ_BUILD/tests/probes	# glibc probes
for f in "$M/probe" "$M/exec-child" "$M/probe-static" "$G/probe" "$G/exec-child" \
    "$MB/netjail" "$MB/libnetjail-musl.so"; do
	[ -x "$f" ] || { echo "missing $f (make check-musl builds it)"; exit 1; }
done
MLOADER=$(readelf -l "$M/probe" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
[ -e "$MLOADER" ] || { echo "missing musl's loader $MLOADER"; exit 1; }

# the mixed tree: both shims side by side
D=$NJ_TMP/destdir
I=$D/usr/local
make -s -C "$SRC" B="$NJ_BUILD" install DESTDIR="$D" PREFIX=/usr/local >/dev/null &&
    make -s -C "$SRC" MUSL=1 install-shim DESTDIR="$D" PREFIX=/usr/local >/dev/null ||
    { echo "make install, make MUSL=1 install-shim failed"; exit 1; }
MUSL_SHIM=$I/lib/netjail/libnetjail-musl.so
GLIBC_SHIM=$I/lib/netjail/libnetjail.so
[ -s "$MUSL_SHIM" ] && [ -s "$GLIBC_SHIM" ] || { echo "the shims are not side by side in $I"; exit 1; }

nj_listen tcp:8080 tcp:8081 udp:9080 udp:9081

LO=$(nj_rules 'allow tcp 127.0.0.1 port 8080' 'allow udp 127.0.0.1 port 9080')
HOST=$(nj_rules 'allow tcp host localhost port 8080')
OK="tcp 127.0.0.1 8080"		# allowed: the twins reach it
NO="tcp 127.0.0.1 8081"		# denied: a program that lost the jail would reach it
UOK="udp 127.0.0.1 9080"
UNO="udp 127.0.0.1 9081"

# grep_out NAME PATTERN: the last run's output has a line matching PATTERN
grep_out() {
	if printf '%s\n' "$NJ_OUT" | grep -q -e "$2"; then nj_ok; else
		nj_bad "$1: no line matching \"$2\" in: $NJ_OUT"; fi
}

# ---- musl programs under the musl shim (LD_PRELOAD, as the shim suite runs glibc's) ----
NJ_SHIM=$MUSL_SHIM
nj_deny connect "$LO" "$NO" -- "$M/probe" connect tcp 127.0.0.1 8081
nj_allow connect-twin "$LO" "$OK" -- "$M/probe" connect tcp 127.0.0.1 8080
nj_deny sys-connect "$LO" "$NO" -- "$M/probe" sys-connect tcp 127.0.0.1 8081
nj_allow sys-connect-twin "$LO" "$OK" -- "$M/probe" sys-connect tcp 127.0.0.1 8080
nj_deny sendto "$LO" "$UNO" -- "$M/probe" sendto udp 127.0.0.1 9081
nj_allow sendto-twin "$LO" "$UOK" -- "$M/probe" sendto udp 127.0.0.1 9080
nj_deny sendmsg "$LO" "$UNO" -- "$M/probe" sendmsg udp 127.0.0.1 9081
nj_allow sendmsg-twin "$LO" "$UOK" -- "$M/probe" sendmsg udp 127.0.0.1 9080
nj_deny sys-sendto "$LO" "$UNO" -- "$M/probe" sys-sendto udp 127.0.0.1 9081
nj_allow sys-sendto-twin "$LO" "$UOK" -- "$M/probe" sys-sendto udp 127.0.0.1 9080
nj_deny sendmmsg "$LO" "$UNO" -- "$M/probe" sendmmsg 127.0.0.1 9081
nj_allow sendmmsg-twin "$LO" "$UOK" -- "$M/probe" sendmmsg 127.0.0.1 9080
# getaddrinfo (musl's resolver, the suite's own hosts file), then a connect to the answer
nj_deny gai-connect "$LO" "$NO" -- "$M/probe" gai-connect localhost 8081
nj_allow gai-connect-twin "$LO" "$OK" -- "$M/probe" gai-connect localhost 8080
# a host rule: the name musl's getaddrinfo looked up allows its answer
# (localhost is ::1 too in the stock hosts file: the host rule allows either answer)
nj_deny gai-host-rule "$HOST" "tcp * 8081" -- "$M/probe" gai-connect localhost 8081
nj_allow gai-host-rule-twin "$HOST" "tcp * 8080" -- "$M/probe" gai-connect localhost 8080
nj_deny ghbn-connect "$LO" "$NO" -- "$M/probe" ghbn-connect localhost 8081
nj_allow ghbn-connect-twin "$LO" "$OK" -- "$M/probe" ghbn-connect localhost 8080

# the lines and records: the deny line names the program, the JSON record the facts
nj_run "$LO" "$M/probe" connect tcp 127.0.0.1 8081
grep_out deny-line "^netjail: deny connect tcp 127.0.0.1:8081 (probe\[[0-9]*\]): no allow rule matches"
NJ_FORMAT=json
nj_run "$LO" "$M/probe" connect tcp 127.0.0.1 8081
nj_records json-record call=connect verdict=deny mode=enforce proto=tcp addr=127.0.0.1 \
    port=8081 reason=no-allow "file=$LO" prog=probe
NJ_FORMAT=
# fail closed: a malformed rules file denies everything, naming file, line and column
BAD=$(nj_rules 'allow tcp 127.0.0.1 port 8080' 'allow tcp 127.0.0.1 port eighty')
nj_deny malformed "$BAD" "$OK" -- "$M/probe" connect tcp 127.0.0.1 8080
grep_out malformed-names-place "$BAD:2:[0-9]"
# the private copy: the policy is the tree's snapshot, mapped shared, not parsed per process
NJ_OUT=$(env -u LD_PRELOAD -u NETJAIL_RULES "$I/bin/netjail" run -r "$LO" -- \
    "$M/probe" shared connect tcp 127.0.0.1 8080 2>&1)
grep_out snapshot-shared 'shared=1'

# ---- exec: musl to musl, to glibc, and back, after scrubbing the environment ----
# (the mixed tree's shims: each finds the other beside itself)
for how in execve-empty clearenv-execv unsetenv-execv fexecve-empty posix_spawn-empty \
    vfork-execve-empty sys-execve-empty; do
	for child in "$M/probe" "$G/probe"; do
		lib=musl
		[ "$child" = "$G/probe" ] && lib=glibc
		nj_deny "musl-$how-$lib" "$LO" "$NO" -- "$M/exec-child" "$how" "$child" \
		    connect tcp 127.0.0.1 8081
		nj_allow "musl-$how-$lib-twin" "$LO" "$OK" -- "$M/exec-child" "$how" "$child" \
		    connect tcp 127.0.0.1 8080
	done
done
# a PATH search (execvp, posix_spawnp) that finds a glibc program
nj_deny musl-execvp-glibc "$LO" "$NO" -- "$M/exec-child" execvp-scrub "$G" probe \
    connect tcp 127.0.0.1 8081
nj_allow musl-execvp-glibc-twin "$LO" "$OK" -- "$M/exec-child" execvp-scrub "$G" probe \
    connect tcp 127.0.0.1 8080
nj_deny musl-spawnp-glibc "$LO" "$NO" -- "$M/exec-child" posix_spawnp-empty "$G" probe \
    connect tcp 127.0.0.1 8081
nj_allow musl-spawnp-glibc-twin "$LO" "$OK" -- "$M/exec-child" posix_spawnp-empty "$G" probe \
    connect tcp 127.0.0.1 8080
# system() runs this machine's /bin/sh, a glibc program, which starts a musl one
nj_deny musl-system "$LO" "$NO" -- "$M/exec-child" system-clearenv \
    "$M/probe connect tcp 127.0.0.1 8081"
nj_allow musl-system-twin "$LO" "$OK" -- "$M/exec-child" system-clearenv \
    "$M/probe connect tcp 127.0.0.1 8080"
# glibc to musl: a glibc program, and a glibc shell, starting a musl probe
NJ_SHIM=$GLIBC_SHIM
for how in execve-empty clearenv-execv posix_spawn-empty vfork-execve-empty; do
	nj_deny "glibc-$how-musl" "$LO" "$NO" -- "$G/exec-child" "$how" "$M/probe" \
	    connect tcp 127.0.0.1 8081
	nj_allow "glibc-$how-musl-twin" "$LO" "$OK" -- "$G/exec-child" "$how" "$M/probe" \
	    connect tcp 127.0.0.1 8080
done
nj_deny glibc-sh-musl "$LO" "$NO" -- sh -c "env -i $M/probe connect tcp 127.0.0.1 8081"
nj_allow glibc-sh-musl-twin "$LO" "$OK" -- sh -c "env -i $M/probe connect tcp 127.0.0.1 8080"
# three generations: musl, glibc, musl
nj_deny musl-glibc-musl "$LO" "$NO" -- "$G/exec-child" execve-empty "$M/exec-child" \
    execve-empty "$G/exec-child" clearenv-execv "$M/probe" connect tcp 127.0.0.1 8081
nj_allow musl-glibc-musl-twin "$LO" "$OK" -- "$G/exec-child" execve-empty "$M/exec-child" \
    execve-empty "$G/exec-child" clearenv-execv "$M/probe" connect tcp 127.0.0.1 8080
# (each twin proves the child's LD_PRELOAD names a shim its loader loads: musl's loader fails
# a program whose list names glibc's shim, and glibc's one whose list names musl's)

# ---- the other shim missing: refused with the reason, never started unjailed ----
# (the build trees hold one shim each: neither has the other beside it)
NJ_SHIM=$NJ_BUILD/libnetjail.so
nj_deny glibc-no-musl-shim "$LO" "$NO" -- "$G/exec-child" execve-empty "$M/probe" \
    connect tcp 127.0.0.1 8081
grep_out glibc-no-musl-shim-why "linked against musl (loader $MLOADER), and the shim for it ($NJ_BUILD/libnetjail-musl.so) is not installed"
nj_deny glibc-no-musl-shim-allowed-dest "$LO" "$OK" -- "$G/exec-child" execve-empty "$M/probe" \
    connect tcp 127.0.0.1 8080
nj_deny glibc-sh-no-musl-shim "$LO" "$OK" -- sh -c "$M/probe connect tcp 127.0.0.1 8080"
NJ_SHIM=$MB/libnetjail-musl.so
nj_deny musl-no-glibc-shim "$LO" "$OK" -- "$M/exec-child" execve-empty "$G/probe" \
    connect tcp 127.0.0.1 8080
grep_out musl-no-glibc-shim-why "linked against glibc (loader .*), and the shim for it ($MB/libnetjail.so) is not installed"
nj_deny musl-system-no-glibc-shim "$LO" "$OK" -- "$M/exec-child" system-clearenv \
    "$M/probe connect tcp 127.0.0.1 8080"
# their twins: the same, from the mixed tree, reach it (above: musl-execve-empty-glibc-twin,
# glibc-execve-empty-musl-twin, musl-system-twin)

# ---- netjail run: the glibc command starts a musl program with the musl shim ----
NJ_NETJAIL=$I/bin/netjail
nj_deny_cmd run-musl "$LO" "$NO" -- "$M/probe" connect tcp 127.0.0.1 8081
nj_reach_cmd run-musl-twin "$LO" "$OK" -- "$M/probe" connect tcp 127.0.0.1 8080
nj_run_cmd "$LO" sh -c 'echo "$LD_PRELOAD"'
[ "$NJ_OUT" = "$GLIBC_SHIM" ] && nj_ok || nj_bad "run-glibc-preload: $NJ_OUT"
nj_deny_cmd run-musl-default-policy "" "$OK" -- "$M/probe" connect tcp 127.0.0.1 8080
nj_deny_cmd run-sh-musl "$LO" "$NO" -- sh -c "$M/probe connect tcp 127.0.0.1 8081"
nj_reach_cmd run-sh-musl-twin "$LO" "$OK" -- sh -c "$M/probe connect tcp 127.0.0.1 8080"
# without the musl shim beside it (the build tree's netjail): refused, saying why
NJ_NETJAIL=$NJ_BUILD/netjail
before=$(nj_count_ep "$OK")
nj_run_cmd "$LO" "$M/probe" connect tcp 127.0.0.1 8080
nj_sync
if [ "$NJ_RC" = 126 ] && [ "$(nj_count_ep "$OK")" = "$before" ] &&
    printf '%s\n' "$NJ_OUT" | grep -q "refusing to run $M/probe: it is linked against musl"; then
	nj_ok; else nj_bad "run-musl-no-shim: exit $NJ_RC: $NJ_OUT"; fi

# ---- the musl command (an Alpine image's netjail), with its shim beside it ----
NJ_NETJAIL=$MB/netjail
nj_deny_cmd musl-run "$LO" "$NO" -- "$M/probe" connect tcp 127.0.0.1 8081
nj_reach_cmd musl-run-twin "$LO" "$OK" -- "$M/probe" connect tcp 127.0.0.1 8080
nj_deny_cmd musl-run-default-policy "" "$OK" -- "$M/probe" connect tcp 127.0.0.1 8080
nj_run_cmd "$LO" "$G/probe" connect tcp 127.0.0.1 8080
if [ "$NJ_RC" = 126 ] && printf '%s\n' "$NJ_OUT" | grep -q "linked against glibc"; then
	nj_ok; else nj_bad "musl-run-glibc-no-shim: exit $NJ_RC: $NJ_OUT"; fi
# a static musl program: the musl command's supervisor checks it in the kernel
nj_deny_sup musl-supervise-static "$LO" "$NO" -- "$M/probe-static" connect tcp 127.0.0.1 8081
nj_reach_sup musl-supervise-static-twin "$LO" "$OK" -- "$M/probe-static" connect tcp 127.0.0.1 8080
nj_run_cmd "$LO" "$M/probe-static" connect tcp 127.0.0.1 8080
if [ "$NJ_RC" = 126 ] && printf '%s\n' "$NJ_OUT" | grep -q "statically linked"; then
	nj_ok; else nj_bad "musl-run-static-refused: exit $NJ_RC: $NJ_OUT"; fi

nj_done
