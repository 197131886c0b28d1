#!/bin/sh
# scope.sh - per-thread scopes (netjail_scope_enter/leave) under the shim, in a private network
# namespace: a scope narrows and never widens; nested scopes; 8 threads, half inside a scope;
# fork and exec inside a scope; name resolution; the AWS Lambda case.  Every denial is proved
# on both sides (the client got EACCES, the listener saw nothing), each with its allowed twin.
#
# Usage: NJ_BUILD=/abs/build tests/shell/scope.sh   (run by `make check-scope`)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

S=$NJ_BUILD/tests/probes/scope
P=$NJ_PROBE
PORT=8094
RT=9001			# the Lambda Runtime API's port
LO="tcp 127.0.0.1 $PORT"
PUB="tcp 8.8.8.8 $PORT"

nj_listen "tcp:$PORT" "tcp:$RT"
ANY=$(nj_rules 'allow any')
LAMBDA=$(nj_rules 'allow @public' "allow tcp 127.0.0.1 port $RT")
export NETJAIL_LOG=off

# out NAME PATTERN RULES CMD...: the output of CMD under the shim matches PATTERN
out() { nj_expect "$@"; }

# a scope narrows: loopback allowed by the process rules, denied inside "allow @public"
nj_reach scope-outside "$ANY" "$LO" -- "$S" connect 127.0.0.1 "$PORT"
nj_deny scope-narrows "$ANY" "$LO" -- "$S" -s 'allow @public' connect 127.0.0.1 "$PORT"
nj_reach scope-public-inside "$ANY" "$PUB" -- "$S" -s 'allow @public' connect 8.8.8.8 "$PORT"
# ... and never widens: the process rules deny 8.8.8.8, a scope allowing it changes nothing
ONLY_LO=$(nj_rules "allow tcp 127.0.0.1 port $PORT")
nj_deny scope-never-widens "$ONLY_LO" "$PUB" -- "$S" -s 'allow any' connect 8.8.8.8 "$PORT"
nj_reach scope-never-widens-twin "$ONLY_LO" "$LO" -- "$S" -s 'allow any' connect 127.0.0.1 "$PORT"
# a scope that names a protocol, in a process whose rules name none: the socket type counts
nj_reach scope-proto-tcp "$ANY" "$PUB" -- "$S" -s "allow tcp 8.8.8.8 port $PORT" connect 8.8.8.8 "$PORT"
nj_deny scope-proto-udp-only "$ANY" "$PUB" -- "$S" -s 'allow udp 8.8.8.8' connect 8.8.8.8 "$PORT"
# a scope with no rules denies everything
nj_deny scope-empty "$ANY" "$PUB" -- "$S" -s '# nothing' connect 8.8.8.8 "$PORT"

# nested: both must allow; leaving the inner one restores the outer one
nj_deny scope-nested "$ANY" "$PUB" -- "$S" -s 'allow any' -s 'allow 10.0.0.0/8' connect 8.8.8.8 "$PORT"
nj_reach scope-nested-twin "$ANY" "$PUB" -- "$S" -s 'allow any' -s 'allow 8.0.0.0/8' connect 8.8.8.8 "$PORT"
nj_deny scope-nested-outer "$ANY" "$PUB" -- "$S" -s 'allow 10.0.0.0/8' -s 'allow any' connect 8.8.8.8 "$PORT"

# the log line names the scope that denied
unset NETJAIL_LOG
out scope-log 'no allow rule matches (scope test); to allow it: allow tcp 127.0.0.1 port' \
    "$ANY" "$S" -s 'allow @public' connect 127.0.0.1 "$PORT"
export NETJAIL_LOG=off

# errors: leave without a scope, objects that are not rules, too deep, rules that do not parse
out scope-errors-none 'leave-none err EINVAL' "$ANY" "$S" errors
out scope-errors-magic 'bad-magic err EINVAL' "$ANY" "$S" errors
out scope-errors-abi 'bad-abi err EINVAL' "$ANY" "$S" errors
out scope-errors-null 'null err EINVAL' "$ANY" "$S" errors
out scope-errors-parse 'bad-rules err EINVAL' "$ANY" "$S" errors
out scope-errors-16 'sixteen ok' "$ANY" "$S" errors
out scope-errors-17 'seventeen err ENOSPC' "$ANY" "$S" errors
# without the shim the program runs on: it finds no scope functions
if [ "$("$S" connect 127.0.0.1 "$PORT")" = no-shim ]; then nj_ok; else nj_bad scope-no-shim; fi

# 8 threads at once, the even ones inside a scope: exact counts on both sides
N=200
before=$(nj_count "$LO")
nj_run "$ANY" "$S" threads "$N" 127.0.0.1 "$PORT" 'allow @public'
nj_sync
after=$(nj_count "$LO")
want="scoped ok 0 denied $((4 * N)); unscoped ok $((4 * N)) denied 0; other 0"
if [ "$NJ_OUT" != "$want" ]; then
	nj_bad "scope-threads: \"$NJ_OUT\", want \"$want\""
elif [ $((after - before)) != $((4 * N)) ]; then
	nj_bad "scope-threads: the listener saw $((after - before)) connections, want $((4 * N))"
else
	nj_ok
fi

# fork inside a scope: the child keeps it; the parent, having left it, gets through
before=$(nj_count "$LO")
nj_run "$ANY" "$S" -s 'allow @public' fork 127.0.0.1 "$PORT"
nj_sync
after=$(nj_count "$LO")
case $NJ_OUT in
*"child err EACCES"*"parent ok"*)
	if [ $((after - before)) = 1 ]; then nj_ok; else nj_bad "scope-fork: $((after - before)) arrivals, want 1 (the parent's)"; fi ;;
*) nj_bad "scope-fork: $NJ_OUT" ;;
esac

# exec inside a scope: the new program starts with the scope folded into its rules, and keeps
# it for its own children; the same exec outside a scope gets through
nj_deny scope-exec "$ANY" "$LO" -- "$S" -s 'allow @public' exec "$P" connect tcp 127.0.0.1 "$PORT"
nj_reach scope-exec-twin "$ANY" "$LO" -- "$S" -s 'allow any' exec "$P" connect tcp 127.0.0.1 "$PORT"
nj_deny scope-exec-grandchild "$ANY" "$LO" -- "$S" -s 'allow @public' exec /bin/sh -c \
    "env -u NETJAIL_SCOPES \"$P\" connect tcp 127.0.0.1 $PORT"
nj_deny scope-exec-nested "$ANY" "$PUB" -- "$S" -s 'allow any' -s 'allow 10.0.0.0/8' exec "$P" connect tcp 8.8.8.8 "$PORT"
nj_reach scope-exec-nested-twin "$ANY" "$PUB" -- "$S" -s 'allow any' -s 'allow 8.0.0.0/8' exec "$P" connect tcp 8.8.8.8 "$PORT"
# an inherited scope that does not parse denies everything
# (set before the shim starts: a program's own changes to NETJAIL_* never reach its children)
export NETJAIL_SCOPES='allow @nosuch'
nj_deny scope-inherit-bad "$ANY" "$PUB" -- "$P" connect tcp 8.8.8.8 "$PORT"
NETJAIL_SCOPES='allow any
--
allow 8.0.0.0/8'
nj_reach scope-inherit-twin "$ANY" "$PUB" -- "$P" connect tcp 8.8.8.8 "$PORT"
nj_deny scope-inherit-second "$ANY" "tcp 9.9.9.9 $PORT" -- "$P" connect tcp 9.9.9.9 "$PORT"
unset NETJAIL_SCOPES

# name resolution inside a scope: localhost's answer is filtered out
out scope-resolve 'err' "$ANY" "$S" -s 'allow @public' resolve localhost
out scope-resolve-twin '^ok$' "$ANY" "$S" -s 'allow any' resolve localhost

# AWS Lambda: the runtime client (no scope) reaches the Runtime API on 127.0.0.1:9001; the
# handler, inside "allow @public", is refused the same address
before=$(nj_count "tcp 127.0.0.1 $RT")
nj_run "$LAMBDA" "$S" lambda 127.0.0.1 "$RT"
nj_sync
after=$(nj_count "tcp 127.0.0.1 $RT")
case $NJ_OUT in
*"runtime ok"*"handler err EACCES"*)
	if [ $((after - before)) = 1 ]; then nj_ok; else nj_bad "scope-lambda: $((after - before)) arrivals at the Runtime API, want 1 (the runtime's)"; fi ;;
*) nj_bad "scope-lambda: $NJ_OUT" ;;
esac

nj_done
