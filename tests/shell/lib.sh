# lib.sh - shared by the shim's shell tests: a private network namespace, a listener that
# writes down every arrival, and assertions that look at both sides.
#
# Source it from a test script, then:
#   nj_netns "$@"                   re-run the script inside a new network namespace where
#                                   every IPv4 and IPv6 address is local (so nothing can
#                                   leave the machine: a leak lands on our own listener),
#                                   a private mount namespace and a private host name, with
#                                   /etc/hosts, /etc/resolv.conf, /etc/nsswitch.conf and
#                                   /etc/host.conf of its own (nj_etc): no test reads this
#                                   machine's.  NJ_HOSTS picks the hosts file: "stock"
#                                   (default: Debian's, localhost on 127.0.0.1 and ::1) or
#                                   "v4" (localhost on 127.0.0.1 only); make check runs the
#                                   suites that resolve names with each
#   nj_listen tcp:8080 udp:9000 unix:/path ...   start the listener (once per script)
#   nj_dns 'NAME A ADDR' ...        start a DNS server of ours where resolv.conf points
#   nj_clients; have CMD            the environment of real clients; is CMD installed?
#   nj_raw_setup                    let the namespace take in what the tests of raw, packet
#                                   and ping sockets send (after nj_netns)
#   nj_icmp_echos 4|6               how many ICMP echo requests the namespace has taken in:
#                                   the listener of a ping
#   nj_rules 'allow ...' ...        write a rules file, print its path
#   nj_deny NAME RULES ENDPOINT -- CMD...   CMD (run under the shim with RULES) must fail
#                                   with EACCES (its output shows "EACCES", "Permission
#                                   denied" or a netjail deny line) and the listener must
#                                   never see ENDPOINT ("tcp 127.0.0.1 8080")
#   nj_allow NAME RULES ENDPOINT -- CMD...  CMD must succeed and ENDPOINT must arrive (a "*"
#                                   in ENDPOINT stands for any one word, as for nj_deny_cmd)
#   nj_reach NAME RULES ENDPOINT -- CMD...  ENDPOINT must arrive and CMD must print no netjail
#                                   deny line; CMD's exit status is not checked (a real client
#                                   fails after connecting: the listener speaks no protocol)
#   nj_run_cmd RULES CMD...         like nj_run, but through `netjail run` (-r RULES; RULES ""
#                                   means its built-in default policy)
#   nj_deny_cmd / nj_reach_cmd NAME RULES ENDPOINT -- CMD...   nj_deny / nj_reach through
#                                   `netjail run`; in their ENDPOINT a "*" stands for any one
#                                   word: "tcp * 8088" is any address on TCP port 8088
#   nj_run_sup RULES CMD...         like nj_run_cmd, through `netjail run --supervise`
#   nj_deny_sup / nj_reach_sup NAME RULES ENDPOINT -- CMD...   nj_deny_cmd / nj_reach_cmd
#                                   through `netjail run --supervise`
#   nj_ping NAME reply|denied 4|6 RULES CMD...   CMD (under the shim) is a ping: it must print
#                                   "ok reply" and the namespace take in an echo request, or
#                                   fail with EACCES while none is taken in (nj_icmp_echos)
#   nj_ping_sup ...                 nj_ping through `netjail run --supervise`
#   nj_output NAME EXPECTED RULES CMD...   CMD's whole output (under the shim, stdout and
#                                   stderr) is exactly EXPECTED
#   nj_done                         print "shim: N passed, N failed" and exit
set -u

NJ_BUILD=${NJ_BUILD:-$(cd "$(dirname "$0")/../../build" && pwd)}
NJ_SHIM=$NJ_BUILD/libnetjail.so
NJ_PROBE=$NJ_BUILD/tests/probes/probe
NJ_NETJAIL=$NJ_BUILD/netjail
NJ_TMP=$(mktemp -d /tmp/netjail-test.XXXXXX)
# the snapshot cache of this run (sys/cache.c), never the account's own
XDG_CACHE_HOME=$NJ_TMP/cache
export XDG_CACHE_HOME
NJ_LOG=$NJ_TMP/listener.log
NJ_PASS=0
NJ_FAIL=0
NJ_LISTENER=
NJ_MARK_PORT=7999
NJ_MARKS=0

nj_netns() {
	if [ -z "${NJ_IN_NETNS:-}" ]; then
		rm -rf "$NJ_TMP"
		if [ "$(id -u)" = 0 ]; then
			exec env NJ_IN_NETNS=1 unshare -n -m -u -- "$0" "$@"
		fi
		exec env NJ_IN_NETNS=1 unshare -r -n -m -u -- "$0" "$@"
	fi
	ip link set lo up
	ip route add local 0.0.0.0/0 dev lo
	ip -6 route add local ::/0 dev lo
	trap nj_cleanup EXIT
	nj_etc
}

# The host name and the resolver's files the suite runs with, whatever this machine has.
# The host name is the namespace's own; the files are bind-mounted over the machine's (in the
# private mount namespace: the machine's stay as they are), so a test that needs other
# contents writes to /etc/FILE itself.  A file that is a symbolic link
# (systemd-resolved's resolv.conf) or missing cannot take a bind mount of its own, so then
# /etc is overlaid instead; when neither can be done the suite stops, rather than run against
# the machine's configuration.
NJ_HOSTNAME=njtest-host
nj_etc() {
	e=$NJ_TMP/etc
	mkdir -p "$e"
	python3 -c 'import socket, sys; socket.sethostname(sys.argv[1])' "$NJ_HOSTNAME" || {
		echo "nj_etc: cannot set the namespace's host name" >&2
		exit 1
	}
	case ${NJ_HOSTS:-stock} in
	stock)
		printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n' "$NJ_HOSTNAME"
		printf '# The following lines are desirable for IPv6 capable hosts\n'
		printf '::1     localhost ip6-localhost ip6-loopback\n'
		printf 'ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n' ;;
	v4)
		printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$NJ_HOSTNAME" ;;
	*)
		echo "nj_etc: NJ_HOSTS must be stock or v4, not \"$NJ_HOSTS\"" >&2
		exit 1 ;;
	esac > "$e/hosts"
	# and names of the suites' own: one with two answers (a lookup that keeps one)
	printf '127.0.0.21\tnjtest-two\n127.0.0.22\tnjtest-two\n' >> "$e/hosts"
	# and for host rules (SPEC.md §3a): a name, names under a domain, the bare domain, a
	# name that points at the metadata address (rebinding), one sibling of another's address
	printf '%s\n' '127.0.0.31 api.njtest.example' '127.0.0.32 a.b.njtest.example' \
	    '127.0.0.33 njtest.example' '169.254.169.254 evil.njtest.example' \
	    '127.0.0.34 other.example' >> "$e/hosts"
	# nothing listens on port 53 here (unless the suite starts nj_dns): a query that reaches
	# the network fails at once
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$e/resolv.conf"
	printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'gshadow: files' \
	    'hosts: files dns' 'networks: files' 'protocols: files' 'services: files' \
	    'ethers: files' 'rpc: files' 'netgroup: files' > "$e/nsswitch.conf"
	printf 'multi on\n' > "$e/host.conf"
	for f in hosts resolv.conf nsswitch.conf host.conf; do
		if [ -f "/etc/$f" ] && [ ! -L "/etc/$f" ]; then
			mount --bind "$e/$f" "/etc/$f" && continue
		fi
		nj_etc_overlay && return 0
		echo "nj_etc: cannot put a test /etc/$f in place (not a plain file, and /etc" \
		    "cannot be overlaid)" >&2
		exit 1
	done
}

# /etc overlaid (private mount namespace): our files replace the machine's, links and all.
nj_etc_overlay() {
	for f in hosts resolv.conf nsswitch.conf host.conf; do
		mountpoint -q "/etc/$f" && umount "/etc/$f"
	done
	mkdir -p "$NJ_TMP/etc-upper" "$NJ_TMP/etc-work"
	cp "$NJ_TMP/etc/hosts" "$NJ_TMP/etc/resolv.conf" "$NJ_TMP/etc/nsswitch.conf" \
	    "$NJ_TMP/etc/host.conf" "$NJ_TMP/etc-upper/" &&
	mount -t overlay overlay \
	    -o "lowerdir=/etc,upperdir=$NJ_TMP/etc-upper,workdir=$NJ_TMP/etc-work" /etc
}

nj_cleanup() {
	[ -n "$NJ_LISTENER" ] && kill "$NJ_LISTENER" 2>/dev/null
	[ -n "$NJ_DNS" ] && kill "$NJ_DNS" 2>/dev/null
	umount -l /etc/hosts /etc/resolv.conf /etc/nsswitch.conf /etc/host.conf /etc \
	    2>/dev/null
	rm -rf "$NJ_TMP"
}

nj_raw_setup() {
	# a frame sent on a packet socket comes in again on lo with no route attached yet, and
	# its source is one of our own addresses (here every address is): take it in
	echo 1 > /proc/sys/net/ipv4/conf/lo/accept_local
	# ping sockets for our group (under unshare -r the only group mapped)
	g=$(id -g)
	echo "$g $g" > /proc/sys/net/ipv4/ping_group_range
}

nj_icmp_echos() {
	if [ "$1" = 6 ]; then
		awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
	else
		awk '$1 == "Icmp:" { if (!c) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i }
		    else print $c }' /proc/net/snmp
	fi
}

# nj_ready LOG WHAT: wait until LOG says "ready", or stop the suite: WHAT did not start
nj_ready() {
	for _ in $(seq 100); do
		grep -q ready "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "$2 did not start" >&2
	exit 1
}

nj_listen() {
	python3 "$(dirname "$0")/listener.py" "$NJ_LOG" "tcp:$NJ_MARK_PORT" "$@" &
	NJ_LISTENER=$!
	nj_ready "$NJ_LOG" "the listener"
}

# nj_dns ZONE-LINE...: our own DNS server (tests/shell/dns.py, with these records) on
# 127.0.0.1 port 53, where the suite's resolv.conf points: names not in the hosts file resolve
# there, never with the machine's resolver.  Every query it answers is in NJ_DNS_LOG.
NJ_DNS=
NJ_DNS_LOG=$NJ_TMP/dns.log
nj_dns() {
	printf '%s\n' "$@" > "$NJ_TMP/zone"
	python3 "$(dirname "$0")/dns.py" "$NJ_DNS_LOG" 127.0.0.1 53 "$NJ_TMP/zone" &
	NJ_DNS=$!
	nj_ready "$NJ_DNS_LOG" "the DNS server"
}

# nj_clients: for the suites of real clients (after nj_netns).  The clients go where their
# URLs say, never to a proxy from the environment; python3 may be a version manager's shell
# wrapper (pyenv) that costs a third of a second a start, so the interpreter it stands for
# comes first in PATH (for the harness's markers too); git and ssh read no configuration of
# the person running the tests (a HOME of the run's own).  Then have CMD: is CMD installed?
# If not it says "skip: CMD not installed" and adds CMD to NJ_MISSING.
NJ_MISSING=""
nj_clients() {
	unset http_proxy https_proxy ftp_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY \
	    FTP_PROXY ALL_PROXY NO_PROXY
	if command -v python3 >/dev/null 2>&1; then
		py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$py" ] &&
		    PATH=$(dirname "$py"):$PATH
	fi
	HOME=$NJ_TMP/home
	export HOME
	mkdir -p "$HOME"
}
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "skip: $1 not installed"
	NJ_MISSING="$NJ_MISSING $1"
	return 1
}

nj_rules() {
	f=$(mktemp "$NJ_TMP/XXXXXX.rules")
	printf '%s\n' "$@" > "$f"
	echo "$f"
}

# Connect to the marker port (without the shim) and wait until the listener logs it: every
# arrival before the marker is then in the log too.
nj_sync() {
	NJ_MARKS=$((NJ_MARKS + 1))
	python3 -c "import socket; socket.create_connection(('127.0.0.$((NJ_MARKS % 200 + 2))', $NJ_MARK_PORT)).close()"
	for _ in $(seq 200); do
		[ "$(grep -c "^tcp 127.0.0.* $NJ_MARK_PORT\$" "$NJ_LOG")" -ge "$NJ_MARKS" ] && return 0
		sleep 0.02
	done
	echo "listener did not see the marker" >&2
}

nj_ok() { NJ_PASS=$((NJ_PASS + 1)); }

# nj_only NAME: is the test NAME to run?  With NJ_ONLY set (make check-SUITE ONLY=PATTERN),
# only the harness tests whose name matches the shell pattern run; the others are counted as
# skipped.  (A suite's own checks between them still run: they are cheap, and some set up
# what later tests use.)
NJ_SKIPPED=0
nj_only() {
	[ -z "${NJ_ONLY:-}" ] && return 0
	# shellcheck disable=SC2254 # a pattern, on purpose
	case $1 in $NJ_ONLY) return 0 ;; esac
	NJ_SKIPPED=$((NJ_SKIPPED + 1))
	return 1
}
nj_bad() {
	NJ_FAIL=$((NJ_FAIL + 1))
	echo "FAIL: $*"
	[ -n "${NJ_OUT:-}" ] && printf '%s\n' "$NJ_OUT" | sed 's/^/    | /'
	return 0
}

nj_count() { grep -c -x -F "$1" "$NJ_LOG" 2>/dev/null || true; }

# nj_run RULES CMD...: run CMD under the shim; output in NJ_OUT, status in NJ_RC (with
# NJ_FORMAT=json, NETJAIL_LOG_FORMAT=json)
#
# With NJ_VALGRIND=1 (make check-valgrind) CMD runs under memcheck: valgrind's tool is started
# directly, outside the jail (its launcher would be refused: the tool is statically linked),
# and CMD inside it with the shim preloaded; a memcheck error counts as a failed test.
nj_run() {
	r=$1
	shift
	if [ -n "${NJ_VALGRIND:-}" ]; then
		NJ_OUT=$(timeout 300 env LD_PRELOAD="$NJ_SHIM" NETJAIL_RULES="$r" \
		    VALGRIND_LIB=/usr/libexec/valgrind VALGRIND_LAUNCHER=/usr/bin/valgrind \
		    /usr/libexec/valgrind/memcheck-amd64-linux -q --error-exitcode=99 \
		    --leak-check=no "$@" 2>&1)
		NJ_RC=$?
		if [ "$NJ_RC" = 99 ] || printf '%s\n' "$NJ_OUT" | grep -q '^==[0-9]*== '; then
			NJ_VG_ERRORS=$(( ${NJ_VG_ERRORS:-0} + 1 ))
			echo "memcheck: errors in: $*"
			printf '%s\n' "$NJ_OUT" | grep '^==' | head -20
		fi
		return
	fi
	NJ_OUT=$(timeout 20 env LD_PRELOAD="$NJ_SHIM" NETJAIL_RULES="$r" \
	    ${NJ_FORMAT:+"NETJAIL_LOG_FORMAT=$NJ_FORMAT"} "$@" 2>&1)
	NJ_RC=$?
}

nj_deny() { nj__deny nj_run "$@"; }

nj_allow() {
	name=$1 rules=$2 ep=$3
	nj_only "$name" || return 0
	shift 4
	before=$(nj_count_ep "$ep")
	nj_run "$rules" "$@"
	nj_sync
	after=$(nj_count_ep "$ep")
	if [ "$NJ_RC" != 0 ]; then
		nj_bad "$name: the client failed (exit $NJ_RC)"
	elif [ "$after" = "$before" ]; then
		nj_bad "$name: the listener never saw \"$ep\""
	else
		nj_ok
	fi
}

# nj_expect NAME PATTERN RULES CMD...: CMD's output (under the shim) matches PATTERN
nj_expect() {
	name=$1 pat=$2 rules=$3
	nj_only "$name" || return 0
	shift 3
	nj_run "$rules" "$@"
	if printf '%s\n' "$NJ_OUT" | grep -q -e "$pat"; then
		nj_ok
	else
		nj_bad "$name: output lacks /$pat/"
	fi
}

# nj_count_ep ENDPOINT: nj_count, where a "*" in ENDPOINT stands for any one word
nj_count_ep() {
	case $1 in
	*'*'*) grep -c -x -e "$(printf '%s\n' "$1" | sed 's/[].[^$\\]/\\&/g; s/\*/[^ ]*/g')" \
	    "$NJ_LOG" 2>/dev/null || true ;;
	*) nj_count "$1" ;;
	esac
}

# nj_run_cmd RULES CMD...: run CMD under `netjail run` (RULES "" = the built-in default
# policy), with no NETJAIL_* or LD_PRELOAD of ours around it; output in NJ_OUT, status in NJ_RC
nj_run_cmd() {
	r=$1
	shift
	if [ -n "$r" ]; then set -- -r "$r" -- "$@"; else set -- -- "$@"; fi
	NJ_OUT=$(timeout 20 env -u LD_PRELOAD -u NETJAIL_RULES -u NETJAIL_MODE -u NETJAIL_LOG \
	    ${NJ_FORMAT:+"NETJAIL_LOG_FORMAT=$NJ_FORMAT"} "$NJ_NETJAIL" run "$@" 2>&1)
	NJ_RC=$?
}

# nj_run_sup RULES CMD...: nj_run_cmd through `netjail run --supervise` (kernel enforcement)
nj_run_sup() {
	r=$1
	shift
	NJ_OUT=$(timeout 120 env -u LD_PRELOAD -u NETJAIL_RULES -u NETJAIL_MODE -u NETJAIL_LOG \
	    ${NJ_FORMAT:+"NETJAIL_LOG_FORMAT=$NJ_FORMAT"} "$NJ_NETJAIL" run --supervise -r "$r" -- \
	    "$@" 2>&1)
	NJ_RC=$?
}

# nj__deny RUNNER NAME RULES ENDPOINT -- CMD...: nj_deny, CMD run by RUNNER (nj_run or nj_run_cmd)
nj__deny() {
	run=$1 name=$2 rules=$3 ep=$4
	nj_only "$name" || return 0
	shift 5
	before=$(nj_count_ep "$ep")
	"$run" "$rules" "$@"
	nj_sync
	after=$(nj_count_ep "$ep")
	if [ "$after" != "$before" ]; then
		nj_bad "$name: the listener saw \"$ep\" (a leak)"
	elif ! printf '%s\n' "$NJ_OUT" | grep -q -e EACCES -e 'Permission denied' -e 'netjail: deny'; then
		nj_bad "$name: the client did not see a denial (exit $NJ_RC)"
	else
		nj_ok
	fi
}

# nj__reach RUNNER NAME RULES ENDPOINT -- CMD...: ENDPOINT arrives, no deny line; any exit status
nj__reach() {
	run=$1 name=$2 rules=$3 ep=$4
	nj_only "$name" || return 0
	shift 5
	before=$(nj_count_ep "$ep")
	"$run" "$rules" "$@"
	nj_sync
	after=$(nj_count_ep "$ep")
	if [ "$after" = "$before" ]; then
		nj_bad "$name: the listener never saw \"$ep\" (exit $NJ_RC)"
	elif printf '%s\n' "$NJ_OUT" | grep -q 'netjail: deny'; then
		nj_bad "$name: \"$ep\" arrived, but the shim denied something on the way"
	else
		nj_ok
	fi
}

# nj__ping RUNNER NAME reply|denied 4|6 RULES CMD...: nj_ping, CMD run by RUNNER
nj__ping() {
	run=$1 name=$2 want=$3 fam=$4 rules=$5
	nj_only "$name" || return 0
	shift 5
	before=$(nj_icmp_echos "$fam")
	"$run" "$rules" "$@"
	after=$(nj_icmp_echos "$fam")
	case $want in
	reply)
		if [ "$NJ_OUT" = "ok reply" ] && [ "$after" -gt "$before" ]; then nj_ok; else
			nj_bad "$name: no reply, or no echo request arrived (exit $NJ_RC)"; fi ;;
	*)
		if printf '%s\n' "$NJ_OUT" | grep -q '^err EACCES$' && [ "$after" = "$before" ]; then
			nj_ok; else nj_bad "$name: not denied, or an echo request arrived"; fi ;;
	esac
}

nj_reach() { nj__reach nj_run "$@"; }
nj_ping() { nj__ping nj_run "$@"; }
nj_ping_sup() { nj__ping nj_run_sup "$@"; }
nj_deny_cmd() { nj__deny nj_run_cmd "$@"; }
nj_reach_cmd() { nj__reach nj_run_cmd "$@"; }
nj_deny_sup() { nj__deny nj_run_sup "$@"; }
nj_reach_sup() { nj__reach nj_run_sup "$@"; }

# nj_output NAME EXPECTED RULES CMD...: CMD's output (under the shim) is exactly EXPECTED
nj_output() {
	name=$1 want=$2 rules=$3
	nj_only "$name" || return 0
	shift 3
	nj_run "$rules" "$@"
	if [ "$NJ_OUT" = "$want" ]; then
		nj_ok
	else
		nj_bad "$name: expected output \"$want\" (exit $NJ_RC)"
	fi
}

# nj_for_anyone: from here on, the shim, netjail and the probes are copies every user can
# read and run, in NJ_TMP (made enterable): for tests that become another user (nobody), who
# could not load a shim from a build in a private home directory.  Sets NJ_SHIM, NJ_NETJAIL,
# NJ_PROBE and NJ_PROBES (the probes' directory).
nj_for_anyone() {
	NJ_PROBES=$NJ_TMP/anyone/tests/probes
	mkdir -p "$NJ_PROBES"
	cp "$NJ_BUILD/netjail" "$NJ_BUILD/libnetjail.so" "$NJ_BUILD/default.rules" "$NJ_TMP/anyone/"
	cp -R "$NJ_BUILD/tests/probes/." "$NJ_PROBES/"	# (no glob: suites may run with set -f)
	chmod -R a+rX "$NJ_TMP/anyone"
	chmod 755 "$NJ_TMP"
	NJ_SHIM=$NJ_TMP/anyone/libnetjail.so
	NJ_NETJAIL=$NJ_TMP/anyone/netjail
	NJ_PROBE=$NJ_PROBES/probe
}

# nj_records NAME KEY=VALUE...: NJ_OUT's JSON records are whole and well formed, and one has
# every KEY=VALUE (tests/shell/records.py)
nj_records() {
	name=$1
	nj_only "$name" || return 0
	shift
	if rr=$(printf '%s\n' "$NJ_OUT" | python3 "$(dirname "$0")/records.py" "$@"); then
		nj_ok
	else
		nj_bad "$name: $rr"
	fi
}

# nj_rl_check WHAT EVENTS: the deny lines of NJ_OUT for WHAT ("connect tcp 127.0.0.1:8081")
# are rate-limited and account for EVENTS denials: at most 8 lines, each standing for itself
# and the N of its "[N more like it not shown]".  Prints "ok", or what it found.
nj_rl_check() {
	printf '%s\n' "$NJ_OUT" | awk -v what="netjail: deny $1 " -v want="$2" '
	index($0, what) == 1 { n++; t++
		if (match($0, /\[[0-9]+ more like it not shown\]$/))
			t += substr($0, RSTART + 1, RLENGTH - 1) + 0 }
	END { if (n <= 8 && t == want) print "ok"; else print "lines " n+0 " events " t+0 }'
}

# nj_rl_events FILE REGEX: of FILE's lines, how many are whole lines matching REGEX (an ERE
# for the line without the rate limit's " [N more like it not shown]"), and how many events
# they stand for (each itself and its N): prints "LINES EVENTS".
nj_rl_events() {
	awk -v re="$2" '
	{ n = 0; l = $0
	  if (match(l, / \[[0-9]+ more like it not shown\]$/)) {
		n = substr(l, RSTART + 2, RLENGTH - 2) + 0; l = substr(l, 1, RSTART - 1) }
	  if (l ~ re) { lines++; events += 1 + n } }
	END { print lines + 0, events + 0 }' "$1"
}

nj_done() {
	NJ_FAIL=$((NJ_FAIL + ${NJ_VG_ERRORS:-0}))
	echo "$(basename "$0" .sh) (hosts ${NJ_HOSTS:-stock}): $NJ_PASS passed, $NJ_FAIL failed${NJ_ONLY:+, $NJ_SKIPPED skipped (ONLY=$NJ_ONLY)}"
	[ "$NJ_FAIL" = 0 ]
	exit $?
}
