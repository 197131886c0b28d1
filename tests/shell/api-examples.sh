#!/bin/sh
# api-examples.sh - the library's examples as their users run them: examples/webhook-sender
# (built against build/, and again from a `make install` through pkg-config, shared and
# static) and examples/ctypes_example.py, in a private network namespace where every address
# is local, so nothing leaves the machine and no name is ever resolved.  Every denial is
# proved on both sides - the client saw EACCES and the listener saw nothing on the port -
# next to an allowed twin that arrives.  Under the preload too: the library and
# libnetjail.so each refuse what their own rules leave out.
#
# Usage: NJ_BUILD=/abs/build tests/shell/api-examples.sh   (run by `make check-api-examples`)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

SRC=$(cd "$(dirname "$0")/../.." && pwd)	# the top
PORT=8096
WS=$NJ_BUILD/examples/webhook-sender
PY=$SRC/examples/ctypes_example.py
export NETJAIL_RULES_LIB="$NJ_BUILD/libnetjail-rules.so"

# plain RULES CMD...: CMD as it is, without the preload (RULES unused); output in NJ_OUT,
# status in NJ_RC (nj_run's shape, so nj_run can stand in for it)
plain() {
	shift
	NJ_OUT=$(timeout 20 env -u LD_PRELOAD -u NETJAIL_RULES "$@" 2>&1)
	NJ_RC=$?
}

# status NAME STATUS: the last command exited STATUS
status() {
	if [ "$NJ_RC" = "$2" ]; then nj_ok; else nj_bad "$1: exit $NJ_RC, want $2"; fi
}
# reached NAME ENDPOINT CMD... / refused NAME CMD...: CMD, without the preload, reaches the
# listener at ENDPOINT and exits 0 / sees EACCES, nothing arrives on the port, and exits 1
reached() { n=$1 ep=$2; shift 2; nj__reach plain "$n" "" "$ep" -- "$@"; status "$n" 0; }
refused() { n=$1; shift; nj__deny plain "$n" "" "tcp * $PORT" -- "$@"; status "$n" 1; }

# has NAME PATTERN: the last command's output has a line matching PATTERN (grep -x)
has() {
	if printf '%s\n' "$NJ_OUT" | grep -q -x -e "$2"; then nj_ok; else nj_bad "$1: no line /$2/"; fi
}
# lacks NAME PATTERN: it has none
lacks() {
	if printf '%s\n' "$NJ_OUT" | grep -q -e "$2"; then nj_bad "$1: a line /$2/"; else nj_ok; fi
}

nj_listen "tcp:$PORT"

# ---- webhook-sender, built against build/: "allow @public" ----

reached "webhook: a public IPv4 address" "tcp 8.8.8.8 $PORT" -- "$WS" "8.8.8.8:$PORT"
has "webhook: says so" "8.8.8.8:$PORT: delivered"
reached "webhook: a public IPv6 address" "tcp 2606:4700::1111 $PORT" -- "$WS" "[2606:4700::1111]:$PORT"
reached "webhook: NAT64 of a public address" "tcp 64:ff9b::808:808 $PORT" -- "$WS" "[64:ff9b::808:808]:$PORT"
refused "webhook: loopback" "$WS" "127.0.0.1:$PORT"
has "webhook: the refusal names the rule to add" "webhook-sender: 127.0.0.1:$PORT: refused: Permission denied (no allow rule matches (webhook-sender); to allow it: allow tcp 127.0.0.1 port $PORT)"
refused "webhook: IPv6 loopback" "$WS" "[::1]:$PORT"
refused "webhook: 0.0.0.0 (reaches this host)" "$WS" "0.0.0.0:$PORT"
refused "webhook: v4-mapped loopback" "$WS" "[::ffff:127.0.0.1]:$PORT"
refused "webhook: NAT64 of loopback" "$WS" "[64:ff9b::7f00:1]:$PORT"
refused "webhook: cloud metadata" "$WS" "169.254.169.254:$PORT"
refused "webhook: NAT64 of cloud metadata" "$WS" "[64:ff9b::a9fe:a9fe]:$PORT"
refused "webhook: Azure's public metadata address" "$WS" "168.63.129.16:$PORT"
refused "webhook: a private address" "$WS" "10.0.0.1:$PORT"
refused "webhook: a unique-local IPv6 address" "$WS" "[fd00::1]:$PORT"

# one run, two targets: the public one delivered, the loopback one refused and never seen
before_ok=$(nj_count "tcp 8.8.4.4 $PORT") before_lo=$(nj_count "tcp 127.0.0.1 $PORT")
plain "" "$WS" "8.8.4.4:$PORT" "127.0.0.1:$PORT"
nj_sync
if [ "$NJ_RC" = 1 ] && [ "$(nj_count "tcp 8.8.4.4 $PORT")" != "$before_ok" ] &&
    [ "$(nj_count "tcp 127.0.0.1 $PORT")" = "$before_lo" ]; then
	nj_ok
else
	nj_bad "webhook: two targets, one refused (exit $NJ_RC)"
fi
plain "" "$WS"
[ "$NJ_RC" = 2 ] && nj_ok || nj_bad "webhook: no target is a usage error (exit $NJ_RC)"

# ---- webhook-sender under libnetjail.so: both rule sets must allow ----

if nm -D --defined-only "$NJ_SHIM" | grep -q ' netjail_scope_enter$'; then
	SCOPES=1
else
	SCOPES=0	# the shim has no scopes yet: the example must run without them
fi
PROC=$(nj_rules "allow tcp 8.8.8.8 port $PORT" "allow tcp 127.0.0.1 port $PORT")
nj_reach "preload: both allow" "$PROC" "tcp 8.8.8.8 $PORT" -- "$WS" "8.8.8.8:$PORT"
status "preload: both allow" 0
if [ "$SCOPES" = 1 ]; then
	has "preload: deliveries run in scopes" ".*each delivery runs in a scope"
else
	lacks "preload: no scope functions, none used" "runs in a scope"
fi
nj_deny "preload: the process rules refuse a public address" "$PROC" "tcp * $PORT" -- \
    "$WS" "1.1.1.1:$PORT"
status "preload: the process rules refuse a public address" 1
has "preload: the shim's own deny line" "netjail: deny connect tcp 1.1.1.1:$PORT .*"
nj_deny "preload: the library refuses what the process rules allow" "$PROC" "tcp * $PORT" -- \
    "$WS" "127.0.0.1:$PORT"
status "preload: the library refuses what the process rules allow" 1
has "preload: the library's refusal" "webhook-sender: 127.0.0.1:$PORT: refused: Permission denied (no allow rule matches.*"
lacks "preload: refused before the shim saw a connect" 'netjail: deny'

# ---- ctypes_example.py: the same library from Python ----

reached "python: a public address" "tcp 8.8.8.8 $PORT" -- python3 "$PY" "8.8.8.8:$PORT"
has "python: connected" "8.8.8.8:$PORT: connected"
has "python: decides 8.8.8.8" "allow 8.8.8.8 port 443: allow @public (python:1)"
has "python: decides loopback" "deny 127.0.0.1 port 80: no allow rule matches (python); to allow it: allow tcp 127.0.0.1 port 80"
has "python: decides v4-mapped loopback" "deny ::ffff:127.0.0.1 port 80: no allow rule matches (python); to allow it: allow tcp 127.0.0.1 port 80"
has "python: decides NAT64 of metadata" "deny 64:ff9b::a9fe:a9fe port 80: it stands for 169.254.169.254, and no allow rule matches (python); to allow it: allow tcp 169.254.169.254 port 80"
refused "python: loopback" python3 "$PY" "127.0.0.1:$PORT"
has "python: refused with EACCES" "127.0.0.1:$PORT: refused: Permission denied"
refused "python: v4-mapped loopback" python3 "$PY" "[::ffff:127.0.0.1]:$PORT"
reached "python: a public IPv6 address" "tcp 2606:4700::1111 $PORT" -- python3 "$PY" "[2606:4700::1111]:$PORT"

# ---- installed: make install, then the README's pkg-config line ----

P=$NJ_TMP/prefix
make -s -C "$SRC" B="$NJ_BUILD" install PREFIX="$P" >/dev/null 2>&1 || nj_bad "make install PREFIX=$P"
for f in include/netjail.h lib/libnetjail-rules.a lib/libnetjail-rules.so.1 \
    lib/pkgconfig/netjail.pc; do
	if [ -s "$P/$f" ]; then nj_ok; else nj_bad "installed: $f missing"; fi
done
[ "$(readlink "$P/lib/libnetjail-rules.so")" = libnetjail-rules.so.1 ] && nj_ok ||
    nj_bad "installed: libnetjail-rules.so is not a link to libnetjail-rules.so.1"
export PKG_CONFIG_PATH=$P/lib/pkgconfig
flags=$(echo $(pkg-config --cflags --libs netjail))	# words, without pkg-config's trailing space
[ "$flags" = "-I$P/include -L$P/lib -lnetjail-rules" ] && nj_ok ||
    nj_bad "installed: pkg-config says \"$flags\""

# shared: found where it was installed (LD_LIBRARY_PATH stands in for ldconfig)
if out=$(cc -o "$NJ_TMP/ws-shared" "$SRC/examples/webhook-sender.c" \
    $(pkg-config --cflags --libs netjail) 2>&1); then nj_ok; else nj_bad "installed: cc shared: $out"; fi
export LD_LIBRARY_PATH=$P/lib
case $(ldd "$NJ_TMP/ws-shared") in
*"libnetjail-rules.so.1 => $P/lib/libnetjail-rules.so.1"*) nj_ok ;;
*) nj_bad "installed: ws-shared does not use the installed library" ;;
esac
reached "installed shared: public" "tcp 8.8.8.8 $PORT" -- "$NJ_TMP/ws-shared" "8.8.8.8:$PORT"
refused "installed shared: loopback" "$NJ_TMP/ws-shared" "127.0.0.1:$PORT"
unset LD_LIBRARY_PATH

# static: the archive alone, nothing to find at run time
if out=$(cc -o "$NJ_TMP/ws-static" "$SRC/examples/webhook-sender.c" \
    $(pkg-config --cflags netjail) "$P/lib/libnetjail-rules.a" 2>&1); then nj_ok
else nj_bad "installed: cc static: $out"; fi
case $(ldd "$NJ_TMP/ws-static") in
*libnetjail-rules*) nj_bad "installed: ws-static needs the shared library" ;;
*) nj_ok ;;
esac
reached "installed static: public" "tcp 8.8.8.8 $PORT" -- "$NJ_TMP/ws-static" "8.8.8.8:$PORT"
refused "installed static: metadata" "$NJ_TMP/ws-static" "169.254.169.254:$PORT"

make -s -C "$SRC" B="$NJ_BUILD" uninstall PREFIX="$P" >/dev/null 2>&1 || nj_bad "make uninstall"
left=$(find "$P" ! -type d)
if [ -z "$left" ]; then nj_ok; else nj_bad "uninstall left: $left"; fi

nj_done
