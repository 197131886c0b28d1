#!/bin/sh
# snapshot.sh - the policy snapshot (sys/cache.c, docs/design.md "Snapshots"): netjail run
# compiles a policy once per version into the cache and every process of the tree maps that
# entry shared; plain LD_PRELOAD users share it too.  Launches racing on a fresh cache; a
# snapshot tampered with under a running tree; a tree whose top process has exited; a program
# that closes every descriptor; a process that changes user; no cache at all.  Every denial
# is proved on both sides (the client got EACCES, the listener saw nothing), with its allowed
# twin, inside a private network namespace.
#
# Usage: NJ_BUILD=/abs/build tests/shell/snapshot.sh   (run by `make check-snapshot`)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

P=$NJ_PROBE
PORT=8095
OK="tcp 10.1.2.3 $PORT"	# allowed by every policy below
NO="tcp 10.9.9.9 $PORT"	# blocked by every policy below
nj_listen "tcp:$PORT"
CACHE=$XDG_CACHE_HOME/netjail

# a policy of a few thousand prefixes: allow any, blocks around (and on) 10.9.9.0/24
big() {
	python3 -c 'import sys
print("allow any")
for i in range(1500): print("block 11.%d.%d.0/24" % (i >> 8, i & 255))
print("block 10.9.9.0/24")
for i in range(1500): print("block 2001:db8:%x::/48" % i)' > "$1"
}
R=$NJ_TMP/big.rules
big "$R"

# shared NAME: the last run's processes mapped the snapshot shared (probe shared ...)
shared() {
	if printf '%s\n' "$NJ_OUT" | grep -q 'shared=1'; then nj_ok; else nj_bad "$1: not shared"; fi
}
entries() { find "$CACHE" -name '*.nj' | wc -l; }

# one snapshot for the tree, mapped shared, deciding as the policy says
nj_deny_cmd snap-deny "$R" "$NO" -- "$P" shared connect tcp 10.9.9.9 $PORT
shared snap-deny-shared
nj_reach_cmd snap-allow "$R" "$OK" -- "$P" shared connect tcp 10.1.2.3 $PORT
shared snap-allow-shared
# ... in every process of it, forked or executed, through a shell
nj_deny_cmd snap-deny-grandchild "$R" "$NO" -- sh -c "sh -c '$P shared connect tcp 10.9.9.9 $PORT'"
shared snap-deny-grandchild-shared
nj_reach_cmd snap-allow-grandchild "$R" "$OK" -- sh -c "sh -c '$P shared connect tcp 10.1.2.3 $PORT'"
[ "$(entries)" = 1 ] && nj_ok || nj_bad "snap-one-entry: $(entries) entries for one policy"

# once per version: an unchanged policy is not compiled again (the entry is the same file);
# a changed one is, and decides as it now says
e1=$(find "$CACHE" -name '*.nj' -exec stat -c %i {} +)
nj_reach_cmd snap-again "$R" "$OK" -- "$P" connect tcp 10.1.2.3 $PORT
e2=$(find "$CACHE" -name '*.nj' -exec stat -c %i {} +)
[ "$e1" = "$e2" ] && nj_ok || nj_bad "snap-not-compiled-again: the entry changed ($e1, $e2)"
sed -i 's|^block 10.9.9.0/24$|block 10.1.2.0/24|' "$R"
nj_deny_cmd snap-changed-denies "$R" "$OK" -- "$P" shared connect tcp 10.1.2.3 $PORT
shared snap-changed-shared
nj_reach_cmd snap-changed-allows "$R" "$NO" -- "$P" connect tcp 10.9.9.9 $PORT
[ "$(entries)" = 2 ] && nj_ok || nj_bad "snap-new-version-entry: $(entries) entries, not 2"
# the same size, written within one clock tick of the last launch: its time stamps may be the
# old ones, and the launch must still see the new text (the memo is not believed)
S=$NJ_TMP/same.rules
printf 'allow any\nblock 10.9.9.9\n' > "$S"
nj_deny_cmd snap-racy-before "$S" "$NO" -- "$P" connect tcp 10.9.9.9 $PORT
printf 'allow any\nblock 10.1.2.3\n' > "$S"
nj_deny_cmd snap-racy-after "$S" "$OK" -- "$P" connect tcp 10.1.2.3 $PORT
nj_reach_cmd snap-racy-after-twin "$S" "$NO" -- "$P" connect tcp 10.9.9.9 $PORT
big "$R" # (as it was: its first entry serves it again)

# races: eight launches at once on a version no one has compiled: each decides right, one
# entry results, nothing half-written is left behind
big "$NJ_TMP/race.rules"
echo 'block 10.1.2.4' >> "$NJ_TMP/race.rules"
n0=$(entries)
before_ok=$(nj_count_ep "$OK") before_no=$(nj_count_ep "$NO")
pids=
for i in 1 2 3 4; do
	"$NJ_NETJAIL" run -r "$NJ_TMP/race.rules" -- "$P" shared connect tcp 10.1.2.3 $PORT > "$NJ_TMP/race-ok.$i" 2>&1 &
	pids="$pids $!"
	"$NJ_NETJAIL" run -r "$NJ_TMP/race.rules" -- "$P" shared connect tcp 10.9.9.9 $PORT > "$NJ_TMP/race-no.$i" 2>&1 &
	pids="$pids $!"
done
# shellcheck disable=SC2086 # a list of process ids
wait $pids
nj_sync
bad=0
for i in 1 2 3 4; do
	grep -q '^ok' "$NJ_TMP/race-ok.$i" && grep -q 'shared=1' "$NJ_TMP/race-ok.$i" || bad=1
	grep -q 'EACCES' "$NJ_TMP/race-no.$i" && grep -q 'shared=1' "$NJ_TMP/race-no.$i" || bad=1
done
[ $bad = 0 ] && nj_ok || nj_bad "snap-race: a racing launch decided wrong or did not share: $(cat "$NJ_TMP"/race-*)"
[ "$(nj_count_ep "$OK")" = $((before_ok + 4)) ] && [ "$(nj_count_ep "$NO")" = "$before_no" ] &&
    nj_ok || nj_bad "snap-race-listener: the listener saw the wrong connects"
[ "$(entries)" = $((n0 + 1)) ] && nj_ok || nj_bad "snap-race-one-entry: $(entries) entries, not $((n0 + 1))"
[ -z "$(find "$CACHE" -name 'tmp-*')" ] && nj_ok || nj_bad "snap-race-no-leftovers: $(find "$CACHE" -name 'tmp-*')"

# tampered: a process of the tree makes its snapshot writable and changes a byte of it; the
# processes that load after it deny everything (fail closed, and say why), the twin that
# leaves the snapshot alone connects, and the next launch makes the entry again
T=$NJ_TMP/tamper.rules
printf 'allow any\nblock 10.9.9.0/24\n' > "$T"
TAMPER='f=${NETJAIL_SNAPSHOT#*:*:*:*:*:}; chmod u+w "$f" && printf "\377" | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null'
nj_deny_cmd snap-tampered "$T" "$OK" -- sh -c "$TAMPER; $P connect tcp 10.1.2.3 $PORT"
printf '%s\n' "$NJ_OUT" | grep -q 'changed since netjail run started this tree' && nj_ok ||
    nj_bad "snap-tampered-says-why: no message naming the change"
nj_reach_cmd snap-tampered-twin "$T" "$OK" -- sh -c "$P connect tcp 10.1.2.3 $PORT"
nj_reach_cmd snap-tampered-next-launch "$T" "$OK" -- "$P" shared connect tcp 10.1.2.3 $PORT
shared snap-tampered-next-launch-shared
nj_deny_cmd snap-tampered-next-launch-denies "$T" "$NO" -- "$P" connect tcp 10.9.9.9 $PORT
# a program that points its children at another snapshot changes nothing: the tree's own
# is put back in their environment (sticky, as every NETJAIL_* setting)
OPEN=$(nj_rules 'allow any')
nj_run_cmd "$OPEN" sh -c 'echo "$NETJAIL_SNAPSHOT" > '"$NJ_TMP/open.snap"
nj_deny_cmd snap-other-refused "$T" "$NO" -- sh -c "NETJAIL_SNAPSHOT=\$(cat $NJ_TMP/open.snap) $P connect tcp 10.9.9.9 $PORT"

# a tree whose top process has exited: its child, started later, still has the snapshot
for v in ok no; do
	[ $v = ok ] && a=10.1.2.3 ep=$OK || a=10.9.9.9 ep=$NO
	before=$(nj_count_ep "$ep")
	rm -f "$NJ_TMP/orphan.$v"
	"$NJ_NETJAIL" run -r "$R" -- sh -c "(sleep 1; $P shared connect tcp $a $PORT > $NJ_TMP/orphan.$v 2>&1) & exit 0"
	for _ in $(seq 400); do grep -q shared "$NJ_TMP/orphan.$v" 2>/dev/null && break; sleep 0.05; done
	nj_sync
	after=$(nj_count_ep "$ep")
	out=$(cat "$NJ_TMP/orphan.$v" 2>/dev/null)
	case $v in
	no) [ "$after" = "$before" ] && printf '%s' "$out" | grep -q EACCES ;;
	ok) [ "$after" = $((before + 1)) ] && printf '%s' "$out" | grep -q '^ok' ;;
	esac && printf '%s' "$out" | grep -q 'shared=1' && nj_ok ||
	    nj_bad "snap-orphan-$v: after the top process exited: \"$out\" (listener $before -> $after)"
done

# a program that closes every descriptor it does not use before it starts its child
# (ssh's closefrom): nothing of the snapshot lives in a descriptor
CLOSE='import os, sys; os.closerange(3, 1 << 16); os.execv(sys.argv[1], sys.argv[1:])'
nj_deny_cmd snap-closefrom "$R" "$NO" -- python3 -c "$CLOSE" "$P" shared connect tcp 10.9.9.9 $PORT
shared snap-closefrom-shared
nj_reach_cmd snap-closefrom-twin "$R" "$OK" -- python3 -c "$CLOSE" "$P" shared connect tcp 10.1.2.3 $PORT

# a process that changes user cannot open the tree's cache (ours, 0700): it loads the policy
# file itself, while that file still says what the snapshot says, and denies once it does not
# (only where that user can read the shim at all: else the exec is refused, rightly, and
# proves nothing here)
AS='setpriv --reuid=65534 --regid=65534 --clear-groups'
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && $AS test -r "$NJ_SHIM" &&
    $AS test -x "$P"; then
	W=$NJ_TMP/world
	mkdir -p "$W" && chmod 755 "$NJ_TMP" "$W"
	printf 'allow any\nblock 10.9.9.0/24\n' > "$W/p.rules"
	chmod 644 "$W/p.rules"
	nj_deny_cmd snap-setuid "$W/p.rules" "$NO" -- $AS "$P" shared connect tcp 10.9.9.9 $PORT
	nj_reach_cmd snap-setuid-twin "$W/p.rules" "$OK" -- $AS "$P" shared connect tcp 10.1.2.3 $PORT
	nj_deny_cmd snap-setuid-changed "$W/p.rules" "$OK" -- sh -c "echo '# changed' >> $W/p.rules; $AS $P connect tcp 10.1.2.3 $PORT"
	printf '%s\n' "$NJ_OUT" | grep -q 'changed since the tree started' && nj_ok ||
	    nj_bad "snap-setuid-changed-says-why: no message naming the change"
	chmod 700 "$NJ_TMP"
fi

# no usable cache (no home; or a cache directory others may enter): the same decisions, each
# process loading the policy itself
SAVE_X=$XDG_CACHE_HOME SAVE_H=${HOME:-}
XDG_CACHE_HOME=relative HOME=relative
nj_deny_cmd snap-none "$R" "$NO" -- "$P" shared connect tcp 10.9.9.9 $PORT
printf '%s\n' "$NJ_OUT" | grep -q 'shared=0' && nj_ok || nj_bad "snap-none-private: $NJ_OUT"
nj_reach_cmd snap-none-twin "$R" "$OK" -- "$P" connect tcp 10.1.2.3 $PORT
XDG_CACHE_HOME=$SAVE_X HOME=$SAVE_H
chmod 755 "$CACHE"
nj_deny_cmd snap-open-dir "$R" "$NO" -- "$P" shared connect tcp 10.9.9.9 $PORT
printf '%s\n' "$NJ_OUT" | grep -q 'shared=0' && nj_ok || nj_bad "snap-open-dir-private: $NJ_OUT"
nj_reach_cmd snap-open-dir-twin "$R" "$OK" -- "$P" connect tcp 10.1.2.3 $PORT
chmod 700 "$CACHE"

# plain LD_PRELOAD: a compiled file is shared through the cache too (never mapped itself: a
# later `cp` over it cannot reach a process that loaded it)
"$NJ_NETJAIL" compile "$R" -o "$NJ_TMP/big.nj" >/dev/null
nj_deny snap-preload-compiled "$NJ_TMP/big.nj" "$NO" -- "$P" shared connect tcp 10.9.9.9 $PORT
shared snap-preload-compiled-shared
nj_reach snap-preload-compiled-twin "$NJ_TMP/big.nj" "$OK" -- "$P" shared connect tcp 10.1.2.3 $PORT
shared snap-preload-compiled-twin-shared
nj_deny snap-preload-text "$R" "$NO" -- "$P" shared connect tcp 10.9.9.9 $PORT
shared snap-preload-text-shared

nj_done
