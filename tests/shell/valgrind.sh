#!/bin/sh
# valgrind.sh - the shim under memcheck (errors fatal): each interposed path once, allowed and
# denied, in the test namespace.  Run by `make check-valgrind`.
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

P=$NJ_PROBE
X=$NJ_BUILD/tests/probes/exec-child
nj_listen tcp:8080 udp:9000 "unix:$NJ_TMP/ok.sock"
# valgrind's launcher starts its (static) tool: the rules must let it
R=$(nj_rules 'allow tcp 127.0.0.1 port 8080' 'allow udp 127.0.0.1 port 9000' \
    'allow udp ::1 port 9000' "allow unix $NJ_TMP/*" 'allow exec /usr/libexec/valgrind/*')

vg() {
	name=$1
	shift
	out=$(LD_PRELOAD=$NJ_SHIM NETJAIL_RULES=$R NETJAIL_LOG=off timeout 120 \
	    valgrind -q --error-exitcode=99 --leak-check=no "$@" 2>&1)
	rc=$?
	if [ $rc = 99 ] || printf '%s\n' "$out" | grep -q '^==[0-9]*=='; then
		NJ_OUT=$out
		nj_bad "memcheck: $name"
	elif [ $rc = 124 ]; then
		nj_bad "memcheck: $name timed out"
	else
		nj_ok
	fi
}

vg connect-allowed $P connect tcp 127.0.0.1 8080
vg connect-denied $P connect tcp 127.0.0.1 8081
vg connect-unspecified $P connect tcp 0.0.0.0 8080
vg connect-v6-nat64 $P connect tcp 64:ff9b::a9fe:a9fe 8080
vg __connect $P __connect tcp 192.0.2.1 8080
vg sys-connect $P sys-connect tcp 127.0.0.1 8080
vg badlen $P badlen tcp 127.0.0.1 8080 8
vg sendto $P sendto udp 127.0.0.1 9000
vg sendmsg $P sendmsg udp ::1 9000
vg sendmmsg $P sendmmsg 127.0.0.1 9000 ::1 9000 127.0.0.1 9001
vg fastopen $P fastopen-sendto 127.0.0.1 8080
vg unix-allowed $P unix "$NJ_TMP/ok.sock"
vg unix-relative $P unix-chdir "$NJ_TMP" ../../etc/passwd
vg abstract $P unix @nj-nothing
vg io_uring $P io_uring
vg socket-raw-denied $P raw4 127.0.0.1 127.0.0.9 9000
vg socket-packet-denied $P packet 192.0.2.9 192.0.2.1 9000
vg getaddrinfo $P gai localhost
vg gethostbyname $P ghbn localhost
vg execve-empty $X execve-empty "$P" connect tcp 127.0.0.1 8081
vg posix_spawn $X posix_spawn-empty "$P" connect tcp 127.0.0.1 8080
vg system-clearenv $X system-clearenv "$P connect tcp 127.0.0.1 8081"
nj_done
