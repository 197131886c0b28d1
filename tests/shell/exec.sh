#!/bin/sh
# exec.sh - the jail follows a program into its children (SPEC.md §5, child processes): every
# way of starting a program (the exec family, execveat, fexecve, syscall(SYS_execve),
# posix_spawn, vfork, system, popen; env -i, sh, python, make), each after scrubbing or
# replacing the environment.  The pattern: the child connects to a destination the rules deny
# (127.0.0.1:8081 when only 8080 is allowed) and must be denied while the listener sees
# nothing; beside it an allowed twin, the same chain to 8080, reaches the listener.  Inside the
# test namespace every address is local, so a child that lost the jail would connect to 8081
# and the listener would log it: that is the leak these tests catch.
# Then the sticky environment: other NETJAIL_* values put back (also when the program rewrote
# its environment strings in place, as setproctitle does), the shim put first in LD_PRELOAD,
# an environment too large to rebuild fails with E2BIG; and programs the preload cannot follow
# (static, setuid, setgid, file capabilities, a #! script with a static interpreter, a static
# program that a PATH search reaches past an entry that fails) are refused unless
# "allow exec" names them.
# Runs as root in its own network and mount namespace; needs build/tests/probes/{probe,
# exec-child} and a C compiler (static tests are skipped without libc.a).
#   NJ_EXEC_SHIM=/path/lib.so tests/shell/exec.sh   run against another shim (to prove the tests
#                                             fail on one that does not follow children;
#                                             the `netjail run` checks keep netjail's own)
#   NJ_DEBUG=1 tests/shell/exec.sh                  also name every check that passes
. "$(dirname "$0")/lib.sh"
nj_netns "$@"
set -f	# no file name patterns: "allow exec DIR/*" is a rule, not a glob

if [ -n "${NJ_EXEC_SHIM:-}" ]; then NJ_SHIM=$NJ_EXEC_SHIM; fi
SRC=$(cd "$(dirname "$0")/.." && pwd)	# tests/
PD=$NJ_BUILD/tests/probes		# probe and exec-child, for the PATH searches
P=$PD/probe
X=$PD/exec-child
SHIM=$(readlink -f "$NJ_SHIM")		# the shim names itself by its canonical path
T=$NJ_TMP
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
# python3 may be a version manager's shell wrapper (pyenv): put the interpreter first in PATH
if command -v python3 >/dev/null 2>&1; then
	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$py" ] &&
	    PATH=$(dirname "$py"):$PATH
fi
for f in "$P" "$X"; do
	[ -x "$f" ] || { echo "missing $f: make build/tests/probes/probe build/tests/probes/exec-child"; exit 1; }
done
# NJ_DEBUG=1: name every check that passes too (by the name of the last harness call)
if [ -n "${NJ_DEBUG:-}" ]; then
	nj_ok() { NJ_PASS=$((NJ_PASS + 1)); echo "ok: ${name:-?} (exit $NJ_RC)"; }
fi
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "skip: $1 not installed"
	return 1
}

nj_listen tcp:8080 tcp:8081

LO=$(nj_rules 'allow tcp 127.0.0.1 port 8080')
ALL=$(nj_rules 'allow any')
OK="tcp 127.0.0.1 8080"		# allowed: the twins reach it
NO="tcp 127.0.0.1 8081"		# denied: a child that lost the jail would reach it
PRINTENV=$(command -v printenv)

# both NAME CMD...: CMD followed by "connect tcp 127.0.0.1 PORT" (CMD ends with the probe) is
# denied on 8081 and reaches 8080
both() {
	b_name=$1
	shift
	nj_deny "$b_name" "$LO" "$NO" -- "$@" connect tcp 127.0.0.1 8081
	nj_allow "$b_name-twin" "$LO" "$OK" -- "$@" connect tcp 127.0.0.1 8080
}

# ---- the issue's acceptance test: netjail run -- sh -c 'env -i curl ...' ----
if have curl; then
	CURL="curl -q -sS --max-time 5"
	nj_deny_cmd run-sh-env-i-curl-default "" "$OK" -- sh -c "env -i $CURL http://127.0.0.1:8080/"
	nj_reach_cmd run-sh-env-i-curl-allowed "$LO" "$OK" -- sh -c "env -i $CURL http://127.0.0.1:8080/"
	nj_deny_cmd run-sh-env-i-curl-port "$LO" "$NO" -- sh -c "env -i $CURL http://127.0.0.1:8081/"
	nj_deny env-i-curl "$LO" "$NO" -- env -i $CURL http://127.0.0.1:8081/
	nj_reach env-i-curl-twin "$LO" "$OK" -- env -i $CURL http://127.0.0.1:8080/
	nj_deny sh-env-u-curl "$LO" "$NO" -- \
	    sh -c "env -u LD_PRELOAD -u NETJAIL_RULES $CURL http://127.0.0.1:8081/"
	nj_reach sh-env-u-curl-twin "$LO" "$OK" -- \
	    sh -c "env -u LD_PRELOAD -u NETJAIL_RULES $CURL http://127.0.0.1:8080/"
	# a Makefile recipe: make starts it without a shell, then with one
	cat > "$T/Makefile" <<EOF
CURL = $CURL
deny:
	env -i \$(CURL) http://127.0.0.1:8081/
allow:
	env -i \$(CURL) http://127.0.0.1:8080/
deny-sh:
	cd / && env -i \$(CURL) http://127.0.0.1:8081/
allow-sh:
	cd / && env -i \$(CURL) http://127.0.0.1:8080/
EOF
	if have make; then
		nj_deny make-env-i-curl "$LO" "$NO" -- make -s -f "$T/Makefile" deny
		nj_reach make-env-i-curl-twin "$LO" "$OK" -- make -s -f "$T/Makefile" allow
		nj_deny make-sh-env-i-curl "$LO" "$NO" -- make -s -f "$T/Makefile" deny-sh
		nj_reach make-sh-env-i-curl-twin "$LO" "$OK" -- make -s -f "$T/Makefile" allow-sh
	fi
fi
both env-i env -i "$P"
both sh-env-i sh -c 'exec env -i "$0" "$@"' "$P"
both sh-env-u sh -c 'env -u LD_PRELOAD -u NETJAIL_RULES "$0" "$@"' "$P"
both env-i-sh-env-i env -i /bin/sh -c 'env -i "$0" "$@"' "$P"

# ---- every libc way of starting a program, with an empty or scrubbed environment ----
both execve-empty "$X" execve-empty "$P"
both execle-empty "$X" execle-empty "$P"
both unsetenv-execv "$X" unsetenv-execv "$P"
both unsetenv-execl "$X" unsetenv-execl "$P"
both clearenv-execv "$X" clearenv-execv "$P"
both execvp-path "$X" execvp-scrub "$PD" probe
both execlp-path "$X" execlp-scrub "$PD" probe
both execvpe-path "$X" execvpe-empty "$PD" probe
both execveat "$X" execveat-empty "$P"
both execveat-empty-path "$X" execveat-fd "$P"
both fexecve "$X" fexecve-empty "$P"
both fexecve-o-path "$X" fexecve-opath "$P"
both syscall-execve "$X" sys-execve-empty "$P"
both syscall-execveat "$X" sys-execveat-empty "$P"
both posix_spawn "$X" posix_spawn-empty "$P"
both posix_spawnp-path "$X" posix_spawnp-empty "$PD" probe
both vfork-execve "$X" vfork-execve-empty "$P"
both fork-execve "$X" fork-execve-empty "$P"
# a chain: each link scrubs the environment again
both chain "$X" execve-empty "$X" posix_spawn-empty "$X" vfork-execve-empty "$X" clearenv-execv "$P"
for how in system-clearenv popen-clearenv system-unsetenv; do
	nj_deny "$how" "$LO" "$NO" -- "$X" "$how" "$P connect tcp 127.0.0.1 8081"
	nj_allow "$how-twin" "$LO" "$OK" -- "$X" "$how" "$P connect tcp 127.0.0.1 8080"
done
# the shell system() starts gets the jail; what it runs after scrubbing again does too
nj_deny system-sh-env-i "$LO" "$NO" -- "$X" system-clearenv "env -i $P connect tcp 127.0.0.1 8081"
nj_output popen-sees-jail "$SHIM|$LO" "$LO" "$X" popen-clearenv 'echo "$LD_PRELOAD|$NETJAIL_RULES"'
# wordexp: glibc runs each command substitution with /bin/sh through calls of its own, with
# the process's environment; after clearenv() that shell must still be jailed, whatever the
# form of the substitution
for form in dollar backtick quoted default nested; do
	case $form in
	dollar) w='$(%s)' ;;
	backtick) w='`%s`' ;;
	quoted) w='"$(%s)"' ;;
	default) w='${NJ_UNSET:-$(%s)}' ;;
	nested) w='$(echo $(%s))' ;;
	esac
	# shellcheck disable=SC2059 # the form is the format
	nj_deny "wordexp-$form" "$LO" "$NO" -- "$X" wordexp-clearenv "$(printf "$w" "$P connect tcp 127.0.0.1 8081")"
	# shellcheck disable=SC2059
	nj_allow "wordexp-$form-twin" "$LO" "$OK" -- "$X" wordexp-clearenv "$(printf "$w" "$P connect tcp 127.0.0.1 8080")"
done
# the shell has the jail's variables; the program's environment is left empty, as it made it
# (exec-child says "err environ-changed" otherwise)
nj_output wordexp-sees-jail "ok $SHIM $LO" "$LO" \
    "$X" wordexp-clearenv "\$($PRINTENV LD_PRELOAD) \$($PRINTENV NETJAIL_RULES)"
# the environment still carries the jail: nothing to put back
nj_deny wordexp-jail-intact "$LO" "$NO" -- "$X" wordexp "\$($P connect tcp 127.0.0.1 8081)"
nj_allow wordexp-jail-intact-twin "$LO" "$OK" -- "$X" wordexp "\$($P connect tcp 127.0.0.1 8080)"
# WRDE_NOCMD refuses the substitution as glibc does, and expands the rest as glibc does
before=$(nj_count "$OK")
nj_output wordexp-nocmd "err WRDE_CMDSUB" "$LO" "$X" wordexp-clearenv-nocmd "\$($P connect tcp 127.0.0.1 8080)"
nj_sync
if [ "$(nj_count "$OK")" = "$before" ]; then nj_ok; else nj_bad "wordexp-nocmd-silent: the command ran"; fi
nj_output wordexp-nocmd-plain 'ok a b $(c) d' "$LO" "$X" wordexp-clearenv-nocmd "a \"b\" '\$(c)' \${NJ_UNSET:-d}"
nj_output wordexp-plain 'ok a b $(c) d' "$LO" "$X" wordexp-clearenv "a \"b\" '\$(c)' \${NJ_UNSET:-d}"
# other threads run: the environment cannot be put back for the call, so the substitution is
# refused (WRDE_CMDSUB, a line), on the allowed port too; with the jail intact it runs
nj_deny wordexp-threads-refused "$LO" "$OK" -- "$X" wordexp-threads-clearenv "\$($P connect tcp 127.0.0.1 8080)"
nj_expect wordexp-threads-cmdsub '^err WRDE_CMDSUB$' "$LO" \
    "$X" wordexp-threads-clearenv "\$($P connect tcp 127.0.0.1 8080)"
nj_expect wordexp-threads-logged '^netjail: deny wordexp /bin/sh (exec-child\[[0-9]*\]): a command substitution would start it without the jail' \
    "$LO" "$X" wordexp-threads-clearenv "\$($P connect tcp 127.0.0.1 8080)"
nj_deny wordexp-threads-intact "$LO" "$NO" -- "$X" wordexp-threads "\$($P connect tcp 127.0.0.1 8081)"
nj_allow wordexp-threads-intact-twin "$LO" "$OK" -- "$X" wordexp-threads "\$($P connect tcp 127.0.0.1 8080)"
# (words that only look like a substitution are expanded, with no line)
nj_output wordexp-threads-quoted 'ok $(c) d' "$LO" "$X" wordexp-threads-clearenv "'\$(c)' d"
# audit mode: the line says "would deny", and the substitution runs
NJ_OUT=$(NETJAIL_MODE=audit LD_PRELOAD=$NJ_SHIM NETJAIL_RULES=$LO \
    "$X" wordexp-threads-clearenv "\$($P connect tcp 127.0.0.1 8080)" 2>&1)
if printf '%s\n' "$NJ_OUT" | grep -q '^netjail: would deny wordexp /bin/sh' &&
    printf '%s\n' "$NJ_OUT" | grep -q '^ok ok$'; then nj_ok; else nj_bad "wordexp-threads-audit"; fi
nj_sync
# errors of the real call come through unchanged
nj_output execve-missing "err ENOENT" "$LO" "$X" execve-empty "$T/no-such-program"
nj_output posix_spawn-missing "err ENOENT" "$LO" "$X" posix_spawn-empty "$T/no-such-program"

if have python3; then
	SUB='import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:], env={}).returncode)'
	both python-subprocess-env-empty python3 -c "$SUB" "$P"
	both python-os-execve python3 -c 'import os, sys; os.execve(sys.argv[1], sys.argv[1:], {})' "$P"
	both python-os-posix_spawn python3 -c 'import os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], {})
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' "$P"
fi

# ---- a rules path longer than the shim's start-up buffer (1 KiB): kept all the same ----
# ($LO's directory, then 700 "/." components: 1,400 characters more, the same file)
LONG=$(dirname "$LO")$(printf '/.%.0s' $(seq 700))/$(basename "$LO")
nj_deny long-rules-path "$LONG" "$NO" -- "$P" connect tcp 127.0.0.1 8081
nj_allow long-rules-path-twin "$LONG" "$OK" -- "$P" connect tcp 127.0.0.1 8080
# a child that scrubs its environment gets the long value back, whole
nj_deny long-rules-path-env-i "$LONG" "$NO" -- "$X" execve-empty "$P" connect tcp 127.0.0.1 8081
nj_allow long-rules-path-env-i-twin "$LONG" "$OK" -- "$X" execve-empty "$P" connect tcp 127.0.0.1 8080

# ---- the sticky environment: the start-up values are put back ----
# a child environment that points NETJAIL_RULES at an allow-everything file
both rules-swapped "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$ALL" -- "$P"
both rules-swapped-no-preload "$X" execve-env "NETJAIL_RULES=$ALL" -- "$P"
both rules-swapped-sh sh -c 'NETJAIL_RULES=$0 exec "$@"' "$ALL" "$P"
nj_output rules-put-back "$LO" "$LO" "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$ALL" -- \
    "$PRINTENV" NETJAIL_RULES
# the same name twice: whichever copy the child reads, it must be the start-up one
both rules-twice-allow-last "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$LO" "NETJAIL_RULES=$ALL" -- "$P"
both rules-twice-allow-first "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$ALL" "NETJAIL_RULES=$LO" -- "$P"
nj_run "$LO" "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$ALL" "NETJAIL_RULES=$LO" -- "$PRINTENV"
if [ "$(printf '%s\n' "$NJ_OUT" | grep '^NETJAIL_RULES=')" = "NETJAIL_RULES=$LO" ]; then nj_ok; else
	nj_bad "rules-twice-one-left: the child has NETJAIL_RULES other than once, as at start-up"; fi
# the program rewrites its environment strings in place (setproctitle does): the child still
# gets the values of start-up
both rules-overwritten-in-place "$X" overwrite-rules "$ALL" "$P"
both setproctitle "$X" setproctitle "$P"
# and the program's own rules are those of start-up too, not what it sets or clears later
nj_deny self-setenv-rules "$LO" "$NO" -- "$X" self-setenv-connect "$ALL" 8081
nj_deny self-clearenv "$LO" "$NO" -- "$X" self-clearenv-connect 8081
nj_allow self-clearenv-twin "$LO" "$OK" -- "$X" self-clearenv-connect 8080
# NETJAIL_MODE=audit (unset at start-up) is taken away; under netjail run, enforce is put back
both mode-audit-added "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$LO" NETJAIL_MODE=audit -- "$P"
nj_run "$LO" "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$LO" NETJAIL_MODE=audit -- "$PRINTENV"
if printf '%s\n' "$NJ_OUT" | grep -q '^NETJAIL_MODE'; then
	nj_bad "mode-audit-removed: the child still has NETJAIL_MODE"; else nj_ok; fi
nj_deny_cmd run-mode-audit-in-child "$LO" "$NO" -- sh -c 'NETJAIL_MODE=audit NETJAIL_RULES=$1 exec "$0" connect tcp 127.0.0.1 8081' "$P" "$ALL"
nj_run_cmd "$LO" sh -c 'NETJAIL_MODE=audit exec "$0" NETJAIL_MODE' "$PRINTENV"
if [ "$NJ_OUT" = enforce ]; then nj_ok; else nj_bad "run-mode-put-back: child has NETJAIL_MODE=$NJ_OUT"; fi
# NETJAIL_LOG=off in the child's environment does not silence its denials
nj_expect log-off-in-child 'netjail: deny connect tcp 127.0.0.1:8081' "$LO" \
    "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$LO" NETJAIL_LOG=off -- "$P" connect tcp 127.0.0.1 8081
# audit mode at start-up is inherited too: the child logs "would deny" and proceeds
NJ_OUT=$(NETJAIL_MODE=audit LD_PRELOAD=$NJ_SHIM NETJAIL_RULES=$LO "$X" execve-empty "$P" connect tcp 127.0.0.1 8081 2>&1)
if printf '%s\n' "$NJ_OUT" | grep -q 'netjail: would deny connect tcp 127.0.0.1:8081' &&
    printf '%s\n' "$NJ_OUT" | grep -q '^ok$'; then nj_ok; else nj_bad "audit-inherited"; fi
nj_sync
# an environment that already carries the jail is passed on as it is
nj_output env-intact "LD_PRELOAD=$SHIM
NETJAIL_RULES=$LO
NJ_KEEP=1" "$LO" "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$LO" NJ_KEEP=1 -- "$PRINTENV"
nj_output env-rebuilt-keeps-others "NJ_KEEP=1
LD_PRELOAD=$SHIM
NETJAIL_RULES=$LO" "$LO" "$X" execve-env NJ_KEEP=1 "NETJAIL_RULES=$ALL" -- "$PRINTENV"

# LD_PRELOAD with other preloads: the shim first, the others kept, in order, once
printf 'int nj_other_a;\n' > "$T/a.c"
printf 'int nj_other_b;\n' > "$T/b.c"
if cc -shared -fPIC -o "$T/libothera.so" "$T/a.c" && cc -shared -fPIC -o "$T/libotherb.so" "$T/b.c"; then
	OA=$T/libothera.so OB=$T/libotherb.so
	nj_output preload-other "$SHIM:$OA" "$LO" "$X" execve-env "LD_PRELOAD=$OA" -- "$PRINTENV" LD_PRELOAD
	nj_output preload-shim-not-first "$SHIM:$OA:$OB" "$LO" \
	    "$X" execve-env "LD_PRELOAD=$OA:$SHIM:$OB" -- "$PRINTENV" LD_PRELOAD
	nj_output preload-spaces "$SHIM:$OA:$OB" "$LO" \
	    "$X" execve-env "LD_PRELOAD= $OA  $OB " -- "$PRINTENV" LD_PRELOAD
	nj_output preload-shim-first-kept "$SHIM:$OA" "$LO" \
	    "$X" execve-env "LD_PRELOAD=$SHIM:$OA" "NETJAIL_RULES=$LO" -- "$PRINTENV" LD_PRELOAD
	both preload-other-denied "$X" execve-env "LD_PRELOAD=$OA" -- "$P"
	both preload-shim-second "$X" execve-env "LD_PRELOAD=$OA:$SHIM" "NETJAIL_RULES=$LO" -- "$P"
	both preload-sh sh -c 'LD_PRELOAD=$0 exec "$@"' "$OA" "$P"
	nj_output preload-sh-shows "$SHIM:$OA" "$LO" sh -c 'LD_PRELOAD=$1 exec env -u NETJAIL_RULES "$0" LD_PRELOAD' "$PRINTENV" "$OA"
else
	echo "skip: cannot build a shared library for the LD_PRELOAD tests"
fi

# ---- an environment too large to rebuild on the stack: E2BIG, a log line, never unjailed ----
both bigenv-2048-rebuilt "$X" execve-bigenv 2048 -- "$P"
nj_deny bigenv-2049 "$LO" "$NO" -- "$X" execve-bigenv 2049 -- "$P" connect tcp 127.0.0.1 8081
nj_deny bigenv-3000-not-started "$LO" "$OK" -- "$X" execve-bigenv 3000 -- "$P" connect tcp 127.0.0.1 8080
nj_expect bigenv-E2BIG '^err E2BIG$' "$LO" "$X" execve-bigenv 3000 -- "$P" connect tcp 127.0.0.1 8080
nj_expect bigenv-logged '^netjail: deny exec (exec-child\[[0-9]*\]): the environment is too large' \
    "$LO" "$X" execve-bigenv 3000 -- "$P" connect tcp 127.0.0.1 8080
both bigenv-3000-jail-intact "$X" execve-bigenv 3000 "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$LO" -- "$P"
nj_sync

# ---- a shim loaded from a path the loader cannot put in LD_PRELOAD (a space or a colon) ----
# exec-child starts without LD_PRELOAD and dlopens a copy of the shim, then calls its execve:
# the child's LD_PRELOAD would name a path the loader splits, so the child would run unjailed:
# refused.  The twin, a copy at a plain path, puts the jail into the child.
run_dlopen() { r=$1; shift; NJ_OUT=$(timeout 20 env -u LD_PRELOAD NETJAIL_RULES="$r" "$@" 2>&1); NJ_RC=$?; }
for d in "$T/sp ace" "$T/co:lon" "$T/plain"; do mkdir -p "$d" && cp "$SHIM" "$d/libnetjail.so"; done
nj__deny run_dlopen shim-path-space "$LO" "$OK" -- "$X" dlopen-shim "$T/sp ace/libnetjail.so" "$P" connect tcp 127.0.0.1 8080
nj__deny run_dlopen shim-path-colon "$LO" "$OK" -- "$X" dlopen-shim "$T/co:lon/libnetjail.so" "$P" connect tcp 127.0.0.1 8080
name=shim-path-space-logged
nj_only "$name" && {
	run_dlopen "$LO" "$X" dlopen-shim "$T/sp ace/libnetjail.so" "$P" connect tcp 127.0.0.1 8080
	if printf '%s\n' "$NJ_OUT" | grep -q "^netjail: deny exec (exec-child\[[0-9]*\]): the shim's path holds a space or a colon"; then
		nj_ok; else nj_bad "$name: no deny line"; fi
}
nj__deny run_dlopen shim-path-plain-jails-child "$LO" "$NO" -- "$X" dlopen-shim "$T/plain/libnetjail.so" "$P" connect tcp 127.0.0.1 8081
nj__reach run_dlopen shim-path-plain-twin "$LO" "$OK" -- "$X" dlopen-shim "$T/plain/libnetjail.so" "$P" connect tcp 127.0.0.1 8080
# netjail run refuses such a shim before anything starts; the twin, the same copy at a plain path
for d in "$T/sp ace" "$T/co:lon" "$T/plain"; do cp "$NJ_NETJAIL" "$NJ_BUILD/default.rules" "$d/"; done
run_copy() { NJ_NETJAIL=$RUN_COPY nj_run_cmd "$@"; }
for d in "sp ace" "co:lon"; do
	name="run-shim-path-$d"
	nj_only "$name" || continue
	before=$(nj_count "$OK")
	RUN_COPY="$T/$d/netjail" run_copy "$ALL" "$P" connect tcp 127.0.0.1 8080
	nj_sync
	if [ "$(nj_count "$OK")" != "$before" ]; then
		nj_bad "$name: the listener saw \"$OK\" (a leak)"
	elif [ "$NJ_RC" != 2 ] || ! printf '%s\n' "$NJ_OUT" |
	    grep -q "^netjail: .*: the shim's path holds a space or a colon.*nothing started"; then
		nj_bad "$name: exit $NJ_RC, no refusal"
	else
		nj_ok
	fi
done
RUN_COPY="$T/plain/netjail" nj__deny run_copy run-shim-path-plain-jails "$LO" "$NO" -- "$P" connect tcp 127.0.0.1 8081
RUN_COPY="$T/plain/netjail" nj__reach run_copy run-shim-path-plain-twin "$LO" "$OK" -- "$P" connect tcp 127.0.0.1 8080

# ---- programs the preload cannot follow ----
SD=$T/static
mkdir -p "$SD" "$T/other"
S=$SD/exec-static
if cc -static -O1 -o "$S" "$SRC/probes/exec-static.c" 2>"$T/cc.err"; then
	# refused however it is started (the listener must not see it, even on the allowed port)
	for how in execve-empty execle-empty unsetenv-execv clearenv-execv execveat-empty \
	    execveat-fd fexecve-empty fexecve-opath sys-execve-empty sys-execveat-empty \
	    posix_spawn-empty vfork-execve-empty; do
		nj_deny "static-$how" "$LO" "$OK" -- "$X" "$how" "$S" 8080
	done
	nj_deny static-execvp-path "$LO" "$OK" -- "$X" execvp-scrub "$SD" exec-static 8080
	nj_deny static-posix_spawnp-path "$LO" "$OK" -- "$X" posix_spawnp-empty "$SD" exec-static 8080
	# the search goes on past an entry that fails to execute (a directory of that name, a
	# script whose interpreter is missing): the program judged must be the one that runs
	mkdir -p "$T/pdir/exec-static" "$T/pscript"
	printf '#!%s/no-such-interpreter\n' "$T" > "$T/pscript/exec-static"
	chmod +x "$T/pscript/exec-static"
	nj_deny static-execvp-path-dir-first "$LO" "$OK" -- "$X" execvp-scrub "$T/pdir:$SD" exec-static 8080
	nj_deny static-execvp-path-bad-script-first "$LO" "$OK" -- "$X" execvp-scrub "$T/pscript:$SD" exec-static 8080
	nj_deny static-execvpe-path-dir-first "$LO" "$OK" -- "$X" execvpe-empty "$T/pdir:$SD" exec-static 8080
	nj_deny static-posix_spawnp-path-dir-first "$LO" "$OK" -- "$X" posix_spawnp-empty "$T/pdir:$SD" exec-static 8080
	nj_deny static-env-path-dir-first "$LO" "$OK" -- env "PATH=$T/pdir:$SD" exec-static 8080
	nj_deny static-system "$LO" "$OK" -- "$X" system-clearenv "$S 8080"
	nj_deny static-popen "$LO" "$OK" -- "$X" popen-clearenv "$S 8080"
	# wordexp's shell is /bin/sh, whatever the environment: here (a mount namespace of its
	# own) the static program is /bin/sh, and "$(8080)" has it connect to port 8080
	SHS="unshare -m sh -c 'mount --bind \"\$1\" /bin/sh && exec \"\$0\" wordexp \"\\\$(8080)\"' $X $S"
	nj_deny static-wordexp "$LO" "$OK" -- sh -c "$SHS"
	nj_expect static-wordexp-log "^netjail: deny wordexp /bin/sh (exec-child\[[0-9]*\]): .*statically linked.*allow exec" "$LO" sh -c "$SHS"
	nj_allow static-wordexp-allow-exec "$(nj_rules 'allow tcp 127.0.0.1 port 8080' 'allow exec /bin/sh')" \
	    "$OK" -- sh -c "$SHS"
	nj_deny static-sh "$LO" "$OK" -- sh -c '"$0" 8080' "$S"
	nj_deny static-env-i "$LO" "$NO" -- env -i "$S" 8081
	nj_deny static-env-jail-intact "$LO" "$OK" -- "$X" execve-env "LD_PRELOAD=$SHIM" "NETJAIL_RULES=$LO" -- "$S" 8080
	nj_deny_cmd static-run-sh "$LO" "$OK" -- sh -c '"$0" 8080' "$S"
	nj_output static-errno "err EACCES
netjail: deny execve $S (exec-child[PID]): it is statically linked: the preload cannot follow it; netjail run --supervise can jail it, or to allow it: allow exec $S" \
	    "$LO" sh -c '"$0" execve-empty "$1" 8080 2>&1 | sed "s/\[[0-9]*\]/[PID]/" | sort' "$X" "$S"
	nj_expect static-log "^netjail: deny execve $S (exec-child\[[0-9]*\]): .*statically linked.*, or to allow it: allow exec $S\$" \
	    "$LO" "$X" execve-empty "$S" 8081
	nj_expect static-log-posix_spawn "^netjail: deny posix_spawn $S (exec-child\[[0-9]*\]): .*statically linked.*, or to allow it: allow exec $S\$" \
	    "$LO" "$X" posix_spawn-empty "$S" 8081
	# posix_spawn's file actions change what the path names in the child: judged there
	mkdir -p "$T/cwd-dyn" "$T/cwd-dyn2" "$T/cwd-static"
	if cc -O1 -o "$T/cwd-dyn/tool" "$SRC/probes/exec-static.c" 2>>"$T/cc.err"; then
		cp "$T/cwd-dyn/tool" "$T/cwd-dyn2/tool"
		cp "$S" "$T/cwd-static/tool"
		# from a directory holding a dynamic "tool", chdir to one holding a static "tool"
		nj_deny spawn-chdir-static "$LO" "$OK" -- sh -c 'cd "$1" && exec "$0" spawn-chdir "$2" tool 8080' \
		    "$X" "$T/cwd-dyn" "$T/cwd-static"
		nj_deny spawn-chdir-dynamic-jailed "$LO" "$NO" -- sh -c 'cd "$1" && exec "$0" spawn-chdir "$2" tool 8081' \
		    "$X" "$T/cwd-static" "$T/cwd-dyn2"
		nj_allow spawn-chdir-dynamic-twin "$LO" "$OK" -- sh -c 'cd "$1" && exec "$0" spawn-chdir "$2" tool 8080' \
		    "$X" "$T/cwd-static" "$T/cwd-dyn2"
		# /proc/self/fd/9 is a dynamic program in the parent, the static one in the child
		nj_deny spawn-fd-swap "$LO" "$OK" -- "$X" spawn-fd "$T/cwd-dyn/tool" "$S" 8080
		nj_deny spawn-fd-dynamic-jailed "$LO" "$NO" -- "$X" spawn-fd "$T/cwd-dyn/tool" - 8081
		nj_allow spawn-fd-dynamic-twin "$LO" "$OK" -- "$X" spawn-fd "$T/cwd-dyn/tool" - 8080
	else
		nj_bad "spawn-chdir: cannot build the test program: $(cat "$T/cc.err")"
	fi
	# a jailed program that answers the supervisor's probe with a filter of its own is not
	# supervised: its static child is refused, also when it hands the child
	# NETJAIL_SUPERVISED=1 (the sticky environment takes it back out); the twin, under the
	# real supervisor, is supervise.sh's static-child
	nj_deny forged-supervised "$LO" "$OK" -- "$X" forge-supervised "$S" 8080
	nj_deny forged-supervised-env "$LO" "$OK" -- "$X" execve-env NETJAIL_SUPERVISED=1 -- \
	    "$X" forge-supervised "$S" 8080
	# allowed by "allow exec": the path, a glob over its directory, or through a symbolic link
	AX=$(nj_rules 'allow tcp 127.0.0.1 port 8080' "allow exec $S")
	AG=$(nj_rules 'allow tcp 127.0.0.1 port 8080' "allow exec $SD/*")
	AO=$(nj_rules 'allow tcp 127.0.0.1 port 8080' "allow exec $T/other/*" "allow exec $SD/exec-static2")
	ln -s "$S" "$T/other-link"
	nj_allow static-allow-exec "$AX" "$OK" -- "$X" execve-empty "$S" 8080
	nj_allow static-allow-exec-posix_spawn "$AX" "$OK" -- "$X" posix_spawn-empty "$S" 8080
	nj_allow static-allow-exec-system "$AX" "$OK" -- "$X" system-clearenv "$S 8080"
	nj_allow static-allow-exec-glob "$AG" "$OK" -- "$X" execve-empty "$S" 8080
	nj_allow static-allow-exec-glob-execvp "$AG" "$OK" -- "$X" execvp-scrub "$SD" exec-static 8080
	nj_allow static-allow-exec-symlink "$AX" "$OK" -- "$X" execve-empty "$T/other-link" 8080
	nj_deny static-allow-exec-other "$AO" "$OK" -- "$X" execve-empty "$S" 8080
	nj_deny static-allow-exec-wrong-link "$AO" "$OK" -- "$X" execve-empty "$T/other-link" 8080
	# "allow exec DIR/*" does not reach out of DIR through "..": judged where the name leads
	mkdir -p "$T/outside"
	cp "$S" "$T/outside/exec-static"
	nj_deny static-allow-exec-glob-dotdot "$AG" "$OK" -- "$X" execve-empty "$SD/../outside/exec-static" 8080
	nj_deny static-allow-exec-glob-dotdot-execvp "$AG" "$OK" -- "$X" execvp-scrub "$SD/../outside" exec-static 8080
	nj_allow static-allow-exec-glob-dotdot-twin "$AG" "$OK" -- "$X" execve-empty "$SD/../static/exec-static" 8080
	for how in run-dotdot run-dotdot-twin; do
		name=static-allow-exec-glob-$how
		nj_only "$name" || continue
		target="$SD/../outside/exec-static"; want=126; seen=0
		[ "$how" = run-dotdot-twin ] && { target="$SD/../static/exec-static"; want=0; seen=1; }
		before=$(nj_count "$OK")
		nj_run_cmd "$AG" "$target" 8080
		nj_sync
		if [ "$NJ_RC" != "$want" ] || [ "$(( $(nj_count "$OK") - before ))" != "$seen" ]; then
			nj_bad "$name: netjail run $target: exit $NJ_RC, listener saw $(( $(nj_count "$OK") - before ))"
		else nj_ok; fi
	done
	# a loader judged by the file, not its name: a look-alike "ld-linux-x86-64.so.2" (here a
	# static program, which then runs unjailed) is refused; our own loader named by another
	# path (its canonical one) is ours
	mkdir -p "$T/fakeld"
	cp "$S" "$T/fakeld/ld-linux-x86-64.so.2"
	if [ ! -e /lib64/ld-linux-x86-64.so.2 ]; then
		echo "skip: loader-look-alike: not an x86_64 glibc system"
	elif cc -O1 -o "$T/fakeld-prog" "$SRC/probes/exec-static.c" \
	    "-Wl,--dynamic-linker=$T/fakeld/ld-linux-x86-64.so.2" 2>>"$T/cc.err" &&
	    cc -O1 -o "$T/canonld-prog" "$SRC/probes/exec-static.c" \
	    "-Wl,--dynamic-linker=$(readlink -f /lib64/ld-linux-x86-64.so.2)" 2>>"$T/cc.err"; then
		nj_deny loader-look-alike "$LO" "$OK" -- "$X" execve-empty "$T/fakeld-prog" 8080
		nj_expect loader-look-alike-log "^netjail: deny execve $T/fakeld-prog (exec-child\[[0-9]*\]): .*linked against another C library (loader $T/fakeld/ld-linux-x86-64.so.2)" \
		    "$LO" "$X" execve-empty "$T/fakeld-prog" 8080
		nj_deny loader-canonical-path-jailed "$LO" "$NO" -- "$X" execve-empty "$T/canonld-prog" 8081
		nj_allow loader-canonical-path-twin "$LO" "$OK" -- "$X" execve-empty "$T/canonld-prog" 8080
	else
		nj_bad "loader-look-alike: cannot build the test programs: $(cat "$T/cc.err")"
	fi
	# a #! script is judged by its interpreter
	printf '#!%s\n' "$S" > "$T/static-script"
	printf '#!/usr/bin/env %s\n' "$S" > "$T/env-static-script"
	printf '#!/bin/sh\nexec "$@"\n' > "$T/sh-script"
	chmod +x "$T/static-script" "$T/env-static-script" "$T/sh-script"
	nj_deny script-static-interp "$LO" "$OK" -- "$X" execve-empty "$T/static-script" 8080
	nj_deny script-static-interp-sh "$LO" "$OK" -- sh -c '"$0" 8080' "$T/static-script"
	nj_expect script-static-interp-log "^netjail: deny execve $T/static-script (exec-child\[[0-9]*\]): it is a script run by $S, which is statically linked" \
	    "$LO" "$X" execve-empty "$T/static-script" 8080
	nj_deny script-env-static "$LO" "$OK" -- "$X" execve-empty "$T/env-static-script" 8080
	nj_allow script-static-allow-exec-script "$(nj_rules 'allow tcp 127.0.0.1 port 8080' "allow exec $T/static-script")" \
	    "$OK" -- "$X" execve-empty "$T/static-script" 8080
	both script-dynamic-interp "$X" execve-empty "$T/sh-script" "$P"
	nj_deny script-dynamic-runs-static "$LO" "$OK" -- "$X" execve-empty "$T/sh-script" "$S" 8080
else
	echo "skip: cannot link a static binary (libc6-dev provides libc.a):"
	sed 's/^/    /' "$T/cc.err"
fi

# setuid, setgid, file capabilities: when the exec changes the process's credentials (a secure
# exec), the loader drops the preload, so they are refused; when it does not (root starting a
# setuid-root program), the preload stays and the program is jailed like any other
if awk '$1 == 0 && $2 == 0 { ok = 1 } END { exit !ok }' /proc/self/uid_map; then
	nj_for_anyone		# (nobody runs some of these)
	P=$NJ_PROBE X=$NJ_PROBES/exec-child
	chmod 644 "$LO"
	# owned by another user: running them changes who we are
	cp "$P" "$T/suid-probe" && chown nobody "$T/suid-probe" && chmod u+s "$T/suid-probe"
	cp "$P" "$T/sgid-probe" && chgrp nogroup "$T/sgid-probe" && chmod g+s "$T/sgid-probe"
	nj_deny setuid-refused "$LO" "$OK" -- "$X" execve-empty "$T/suid-probe" connect tcp 127.0.0.1 8080
	nj_deny setuid-refused-posix_spawn "$LO" "$OK" -- "$X" posix_spawn-empty "$T/suid-probe" connect tcp 127.0.0.1 8080
	nj_deny setuid-refused-sh "$LO" "$OK" -- sh -c '"$0" connect tcp 127.0.0.1 8080' "$T/suid-probe"
	nj_expect setuid-log "^netjail: deny execve $T/suid-probe (exec-child\[[0-9]*\]): it is a setuid program (it would run as another user): the loader drops the preload; netjail run --supervise can jail it, or to allow it: allow exec $T/suid-probe\$" \
	    "$LO" "$X" execve-empty "$T/suid-probe" connect tcp 127.0.0.1 8080
	nj_deny setgid-refused "$LO" "$OK" -- "$X" execve-empty "$T/sgid-probe" connect tcp 127.0.0.1 8080
	nj_expect setgid-log "it is a setgid program (it would run with another group): the loader drops the preload" \
	    "$LO" "$X" execve-empty "$T/sgid-probe" connect tcp 127.0.0.1 8080
	nj_allow setuid-allow-exec "$(nj_rules 'allow tcp 127.0.0.1 port 8080' "allow exec $T/suid-probe")" \
	    "$OK" -- "$X" execve-empty "$T/suid-probe" connect tcp 127.0.0.1 8080
	nj_allow setuid-copy-without-bit "$LO" "$OK" -- "$X" execve-empty "$P" connect tcp 127.0.0.1 8080
	# setuid-root, started by root: nothing changes, so it is jailed (denied, and its twin)
	cp "$P" "$T/suidroot-probe" && chmod u+s "$T/suidroot-probe"
	nj_deny setuid-root-by-root-jailed "$LO" "$NO" -- "$X" execve-empty "$T/suidroot-probe" connect tcp 127.0.0.1 8081
	nj_allow setuid-root-by-root-twin "$LO" "$OK" -- "$X" execve-empty "$T/suidroot-probe" connect tcp 127.0.0.1 8080
	nj_run_cmd "$LO" "$T/suidroot-probe" connect tcp 127.0.0.1 8080
	if [ "$NJ_RC" = 0 ] && [ "$NJ_OUT" = ok ]; then nj_ok; else nj_bad "run-setuid-root-by-root: refused or failed (exit $NJ_RC)"; fi
	# the same program started by an unprivileged user: it would run as root, unjailed
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
	# a jailed program whose effective user is not its real one (seteuid) starts a program:
	# the exec is a secure one and the loader drops the preload, so it is refused; the twin,
	# every id the same, is jailed
	if command -v python3 >/dev/null 2>&1; then
		PYX='import os, sys; os.setresgid(*[int(g) for g in sys.argv[1].split(",")]); os.setresuid(*[int(u) for u in sys.argv[2].split(",")]); os.execv(sys.argv[3], sys.argv[3:])'
		NB=$(id -u nobody) NG=$(getent group nogroup | cut -d: -f3)
		nj_deny seteuid-then-exec "$LO" "$OK" -- python3 -c "$PYX" "$NG,$NG,$NG" "0,$NB,0" "$P" connect tcp 127.0.0.1 8080
		nj_expect seteuid-then-exec-log "^netjail: deny execv $P (python3\[[0-9]*\]): it is started by a process whose effective user or group is not its real one" \
		    "$LO" python3 -c "$PYX" "$NG,$NG,$NG" "0,$NB,0" "$P" connect tcp 127.0.0.1 8080
		nj_deny seteuid-same-ids-jailed "$LO" "$NO" -- python3 -c "$PYX" "$NG,$NG,$NG" "$NB,$NB,$NB" "$P" connect tcp 127.0.0.1 8081
		nj_allow seteuid-same-ids-twin "$LO" "$OK" -- python3 -c "$PYX" "$NG,$NG,$NG" "$NB,$NB,$NB" "$P" connect tcp 127.0.0.1 8080
	fi
	# netjail run by a user who may not read the shim beside it: refused before anything starts
	mkdir -p "$T/noread" && cp "$NJ_NETJAIL" "$NJ_SHIM" "$NJ_BUILD/default.rules" "$T/noread/"
	chmod 755 "$T/noread" && chmod 600 "$T/noread/libnetjail.so"
	name=run-shim-unreadable
	if nj_only "$name"; then
		before=$(nj_count "$OK")
		NJ_NETJAIL=$T/noread/netjail nj_run_cmd "$LO" "$P" connect tcp 127.0.0.1 8080 >/dev/null
		NJ_OUT=$($AS env -u LD_PRELOAD "$T/noread/netjail" run -r "$LO" -- "$P" connect tcp 127.0.0.1 8080 2>&1); NJ_RC=$?
		nj_sync
		after=$(nj_count "$OK")
		if [ "$NJ_RC" = 2 ] && [ "$after" = "$((before + 1))" ] &&
		    printf '%s\n' "$NJ_OUT" | grep -q "could not read the shim"; then nj_ok
		else nj_bad "$name: exit $NJ_RC, $((after - before)) arrivals (want 1: root's twin only): $NJ_OUT"; fi
	fi
	# a jailed program that chroots, then starts a dynamic program: in a root without the
	# shim the loader would run it unjailed, so it is refused; in a root with the shim (and the
	# rules) at the same paths it is jailed
	for r in "$T/root-noshim" "$T/root-shim"; do
		mkdir -p "$r"
		for f in "$P" $(ldd "$P" | sed -n 's|.* \(/[^ ]*\) (0x.*|\1|p; s|^[[:space:]]*\(/[^ ]*\) (0x.*|\1|p'); do
			mkdir -p "$r$(dirname "$f")" && cp "$f" "$r$f"
		done
	done
	CSHIM=$(readlink -f "$NJ_SHIM")
	mkdir -p "$T/root-shim$(dirname "$CSHIM")" "$T/root-shim$(dirname "$LO")"
	cp "$CSHIM" "$T/root-shim$CSHIM"
	cp "$LO" "$T/root-shim$LO"
	nj_deny chroot-without-shim "$LO" "$OK" -- "$X" chroot-execv "$T/root-noshim" "$P" connect tcp 127.0.0.1 8080
	nj_expect chroot-without-shim-log "^netjail: deny execv $P (exec-child\[[0-9]*\]): it is a program whose loader cannot read the shim ($CSHIM) here (after a chroot" \
	    "$LO" "$X" chroot-execv "$T/root-noshim" "$P" connect tcp 127.0.0.1 8080
	nj_deny chroot-with-shim-jailed "$LO" "$NO" -- "$X" chroot-execv "$T/root-shim" "$P" connect tcp 127.0.0.1 8081
	nj_allow chroot-with-shim-twin "$LO" "$OK" -- "$X" chroot-execv "$T/root-shim" "$P" connect tcp 127.0.0.1 8080
	# a jailed root program that becomes nobody and then starts a program: nobody's loader
	# cannot read a shim in a directory only root may enter, and would run it unjailed
	mkdir -p "$T/private" && chmod 700 "$T/private" && cp "$NJ_SHIM" "$T/private/libnetjail.so"
	pshim() { NJ_SHIM=$T/private/libnetjail.so nj_run "$@"; }
	nj__deny pshim shim-unreadable-after-setuid "$LO" "$OK" -- $AS "$P" connect tcp 127.0.0.1 8080
	if nj_only shim-unreadable-after-setuid-log; then
		pshim "$LO" $AS "$P" connect tcp 127.0.0.1 8080
		if printf '%s\n' "$NJ_OUT" | grep -q "^netjail: deny execvp\{0,1\} $P (setpriv\[[0-9]*\]): it is a program whose loader cannot read the shim ($T/private/libnetjail.so)"; then
			nj_ok; else nj_bad "shim-unreadable-after-setuid-log: no deny line"; fi
	fi
	nj_deny shim-readable-after-setuid-jailed "$LO" "$NO" -- $AS "$P" connect tcp 127.0.0.1 8081
	nj_allow shim-readable-after-setuid-twin "$LO" "$OK" -- $AS "$P" connect tcp 127.0.0.1 8080
	nj_deny setuid-root-by-user-refused "$LO" "$OK" -- $AS "$X" execve-empty "$T/suidroot-probe" connect tcp 127.0.0.1 8080
	nj_run_cmd "$LO" $AS "$T/suidroot-probe" connect tcp 127.0.0.1 8080
	if [ "$NJ_RC" = 126 ] && printf '%s\n' "$NJ_OUT" | grep -q 'it is a setuid program (it would run as another user)'; then
		nj_ok; else nj_bad "run-setuid-root-by-user: not refused with its reason (exit $NJ_RC)"; fi
	cp "$P" "$T/cap-probe"
	if command -v setcap >/dev/null 2>&1 && setcap cap_net_raw+ep "$T/cap-probe" 2>/dev/null; then
		# capabilities raise an unprivileged user, not root
		nj_deny filecap-refused "$LO" "$OK" -- $AS "$X" execve-empty "$T/cap-probe" connect tcp 127.0.0.1 8080
		nj_expect filecap-log 'netjail: deny execve .*file capabilities' "$LO" \
		    $AS "$X" execve-empty "$T/cap-probe" connect tcp 127.0.0.1 8080
		nj_deny filecap-by-root-jailed "$LO" "$NO" -- "$X" execve-empty "$T/cap-probe" connect tcp 127.0.0.1 8081
		nj_allow filecap-by-root-twin "$LO" "$OK" -- "$X" execve-empty "$T/cap-probe" connect tcp 127.0.0.1 8080
	else
		echo "skip: cannot set file capabilities here (setcap)"
	fi
else
	echo "skip: setuid, setgid and capability programs (only root is mapped here)"
fi

# ---- Go: its runtime makes its own system calls, even when linked dynamically ----
if have go; then
	GOSRC=$T/go
	mkdir -p "$GOSRC"
	cp "$SRC/probes/go-dial.go" "$GOSRC/main.go"
	GO="env HOME=$T GOCACHE=$T/gocache GOPATH=$T/gopath GOFLAGS= GO111MODULE=off CGO_ENABLED=1 go build"
	if (cd "$GOSRC" && $GO -o "$T/go-dyn" . && $GO -ldflags=-buildid= -o "$T/go-nobid" . &&
	    $GO -ldflags=-linkmode=external -o "$T/go-ext" .) >"$T/go.err" 2>&1 &&
	    file "$T/go-dyn" | grep -q 'dynamically linked'; then
		for g in go-dyn go-nobid go-ext; do
			nj_deny "$g-refused" "$LO" "$NO" -- "$X" execve-empty "$T/$g" 127.0.0.1:8081
			nj_deny "$g-refused-sh" "$LO" "$NO" -- sh -c '"$0" 127.0.0.1:8081' "$T/$g"
			before=$(nj_count "$NO")
			nj_run_cmd "$LO" "$T/$g" 127.0.0.1:8081
			nj_sync
			if [ "$NJ_RC" = 126 ] && [ "$(nj_count "$NO")" = "$before" ]; then nj_ok; else
				nj_bad "$g-run-refused: netjail run did not refuse it (exit $NJ_RC)"; fi
			nj_allow "$g-allow-exec-twin" "$(nj_rules 'allow tcp 127.0.0.1 port 8080' "allow exec $T/$g")" \
			    "$OK" -- "$X" execve-empty "$T/$g" 127.0.0.1:8080
		done
		nj_expect go-log "it is a Go program, which makes its own system calls: the preload cannot see its connections; netjail run --supervise can jail it, or to allow it: allow exec $T/go-dyn" \
		    "$LO" "$X" execve-empty "$T/go-dyn" 127.0.0.1:8081
		nj_run_cmd "$LO" "$T/go-dyn" 127.0.0.1:8081
		if [ "$NJ_RC" = 126 ] && printf '%s\n' "$NJ_OUT" | grep -q 'refusing to run .*: it is a Go program.*netjail run --supervise'; then
			nj_ok; else nj_bad "go-run-says-why: no refusal with the reason and the advice (exit $NJ_RC)"; fi
		# the suggestion names the program absolute and canonical, even when given relative
		(cd "$T" && env -u LD_PRELOAD "$NJ_NETJAIL" run -r "$LO" -- ./go-dyn 127.0.0.1:8081) > "$T/rel.out" 2>&1
		if grep -q "\"allow exec $T/go-dyn\"" "$T/rel.out"; then nj_ok; else
			NJ_OUT=$(cat "$T/rel.out"); nj_bad "go-run-relative: the suggestion is not absolute"; fi
		sed -n 's/.*"\(allow exec [^"]*\)".*/\1/p' "$T/rel.out" > "$T/rel.rules"
		if [ -s "$T/rel.rules" ] && "$NJ_NETJAIL" check "$T/rel.rules" >/dev/null 2>&1; then nj_ok; else
			nj_bad "go-run-relative: netjail check rejects the suggestion"; fi
	else
		echo "skip: cannot build a dynamically linked Go program:"
		sed 's/^/    /' "$T/go.err"
	fi
fi

nj_done
