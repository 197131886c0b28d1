#!/bin/sh
# relay.sh - the DNS relay of netjail run --supervise (SPEC.md §8a): programs that speak DNS
# themselves (a static Go program, busybox-static wget, node's dns.resolve4, a resolver of our
# own in python) and glibc's getaddrinfo, under --supervise with host rules: the allowed name
# reaches its listener, another name is denied with the listener silent, a blocked name is
# answered REFUSED by the relay and never reaches our DNS server (its log says so).  Then the
# protocol: unconnected sendto and sendmsg, several queries in flight on one socket, TCP,
# EDNS0, a truncated answer and the TCP retry, an IPv6 nameserver; a nameserver the rules
# deny; malformed answers; a nameserver that never answers while the tree connects elsewhere;
# netjail learn --supervise naming what a Go program looked up.
# Runs as root in its own network namespace with our DNS server (tests/shell/dns.py) on
# 127.0.0.1 and ::1: no lookup reaches the machine's resolver, no connection leaves.
. "$(dirname "$0")/lib.sh"
nj_netns "$@"
set -f

C=$(cd "$(dirname "$0")/clients" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
P=$NJ_PROBE
T=$NJ_TMP
nj_clients

# (udp:53 on every address: a query to a nameserver other than ours lands there)
nj_listen tcp:8080 tcp:8081 udp:53
# the zone; big.njdns.example has 40 addresses, more than 512 bytes: truncated over UDP
# without EDNS0
set -- 'api.njdns.example A 127.0.0.41' 'other.njelse.example A 127.0.0.46' \
    'x.evil.example A 127.0.0.47' 'bad-pointer.njdns.example BAD pointer' \
    'bad-length.njdns.example BAD length' 'bad-count.njdns.example BAD count' \
    'bad-many.njdns.example BAD many' 'lure.njdns.example FORGE api2.njdns.example=127.0.0.48' \
    'lure.njdns.example A 127.0.0.49' 'api2.njdns.example A 127.0.0.48'
for i in $(seq 40); do set -- "$@" "big.njdns.example A 127.0.3.$i"; done
nj_dns "$@"
DNS6_LOG=$T/dns6.log
python3 "$(dirname "$0")/dns.py" "$DNS6_LOG" ::1 53 "$T/zone" &
DNS6=$!
nj_ready "$DNS6_LOG" "the IPv6 DNS server"
trap 'kill $DNS6 2>/dev/null; nj_cleanup' EXIT

# (big.njdns.example's rule names no proto: glibc's getaddrinfo sorts several answers by
# connecting a UDP socket to each, which --supervise sees and judges like any connect)
R=$(nj_rules 'allow @resolvers port 53' 'allow ::1 port 53' 'allow unix /var/run/nscd/socket' \
    'allow tcp host api.njdns.example port 8080' 'allow host big.njdns.example port 8080' \
    'allow tcp host api2.njdns.example port 8080' \
    'block host *.evil.example')
OK="tcp 127.0.0.41 8080"     # api.njdns.example
NONAME="tcp 127.0.0.46 8080" # other.njelse.example: no rule names it
asked() { grep -c -F "query $1" "$NJ_DNS_LOG" || true; }

# ---- the clients: the name allowed, another name denied, a blocked name never asked ----
# check NAME: the last run printed the relay's refusal of x.evil.example, and our server
# was never asked for it
refused() {
	nj_only "$1" || return 0
	if [ "$(asked x.evil.example)" != 0 ]; then
		nj_bad "$1: the blocked name reached the DNS server"
	elif ! printf '%s\n' "$NJ_OUT" |
	    grep -q 'netjail: deny query udp 127.0.0.1:53 for x.evil.example (.*): block host \*\.evil\.example'; then
		nj_bad "$1: no line says the relay refused the blocked name (exit $NJ_RC)"
	else
		nj_ok
	fi
}

n=$(asked 'api.njdns.example A')
nj_reach_sup c-getaddrinfo "$R" "$OK" -- $P gai-connect api.njdns.example 8080
if nj_only c-getaddrinfo-forwarded; then
	if [ "$(asked 'api.njdns.example A')" -gt "$n" ]; then nj_ok
	else nj_bad "c-getaddrinfo-forwarded: the query never reached the DNS server"; fi
fi
nj_deny_sup c-getaddrinfo-other-name "$R" "$NONAME" -- $P gai-connect other.njelse.example 8080
nj_run_sup "$R" $P gai-connect x.evil.example 8080
refused c-getaddrinfo-blocked
# the answer is the tree's: a child connects to what its parent looked up
nj_reach_sup c-tree-memory "$R" "$OK" -- sh -c "python3 -c 'import socket
socket.getaddrinfo(\"api.njdns.example\", 8080)' && $P connect tcp 127.0.0.41 8080"
nj_deny_sup c-address-alone "$R" "$OK" -- $P connect tcp 127.0.0.41 8080

if have go; then
	mkdir -p "$T/go"
	cp "$SRC/probes/go/goprobe.go" "$T/go/"
	if (cd "$T/go" && env GOFLAGS=-mod=mod GOCACHE="$T/gocache" GOPATH="$T/gopath" \
	    GOPROXY=off CGO_ENABLED=0 go build -o goprobe goprobe.go) >"$T/go.log" 2>&1; then
		G=$T/go/goprobe
		n=$(asked 'api.njdns.example')
		nj_reach_sup go-static "$R" "$OK" -- "$G" tcp api.njdns.example:8080
		if nj_only go-forwarded; then
			if [ "$(asked 'api.njdns.example')" -gt "$n" ]; then nj_ok
			else nj_bad "go-forwarded: Go's query never reached the DNS server"; fi
		fi
		nj_deny_sup go-static-other-name "$R" "$NONAME" -- "$G" tcp other.njelse.example:8080
		nj_run_sup "$R" "$G" tcp x.evil.example:8080
		refused go-static-blocked
	else
		nj_bad "go: the Go probe did not build"
		sed 's/^/    | /' "$T/go.log"
	fi
fi
if have busybox && ! readelf -l "$(command -v busybox)" 2>/dev/null | grep -q INTERP; then
	W="busybox wget -q -O /dev/null" # (its -T crashes busybox 1.35)
	nj_reach_sup busybox-wget "$R" "$OK" -- $W http://api.njdns.example:8080/
	nj_deny_sup busybox-wget-other-name "$R" "$NONAME" -- $W http://other.njelse.example:8080/
	nj_run_sup "$R" $W http://x.evil.example:8080/
	refused busybox-wget-blocked
fi
if have node; then
	nj_reach_sup node-resolve4 "$R" "$OK" -- node "$C/node.js" resolve api.njdns.example 8080
	nj_deny_sup node-resolve4-other-name "$R" "$NONAME" -- node "$C/node.js" resolve other.njelse.example 8080
	nj_run_sup "$R" node "$C/node.js" resolve x.evil.example 8080
	refused node-resolve4-blocked
fi

# ---- the protocol, with a resolver of our own ----
Q="python3 $C/dnsq.py"
nj_reach_sup udp-sendto "$R" "$OK" -- $Q sendto 127.0.0.1 8080 api.njdns.example
nj_deny_sup udp-sendto-other-name "$R" "$NONAME" -- $Q sendto 127.0.0.1 8080 other.njelse.example
nj_reach_sup udp-sendmsg "$R" "$OK" -- $Q sendmsg 127.0.0.1 8080 api.njdns.example
nj_reach_sup udp-sendmmsg "$R" "tcp 127.0.3.* 8080" -- \
    $Q sendmmsg 127.0.0.1 8080 api.njdns.example big.njdns.example
nj_reach_sup udp-sendmmsg-ipv6 "$R" "$OK" -- $Q sendmmsg ::1 8080 api.njdns.example
nj_reach_sup udp-inflight "$R" "tcp 127.0.3.* 8080" -- \
    $Q inflight 127.0.0.1 8080 api.njdns.example big.njdns.example
n=$(asked 'big.njdns.example A tcp')
nj_reach_sup tcp-query "$R" "tcp 127.0.3.* 8080" -- $Q tcp 127.0.0.1 8080 big.njdns.example
nj_reach_sup edns0-large "$R" "tcp 127.0.3.* 8080" -- $Q edns 127.0.0.1 8080 big.njdns.example
if nj_only edns0-large-udp; then
	case $NJ_OUT in *"big.njdns.example=40"*) nj_ok ;;
	*) nj_bad "edns0-large-udp: not all 40 answers came over UDP: $NJ_OUT" ;; esac
fi
n=$(asked 'big.njdns.example A tcp')
nj_reach_sup truncated-then-tcp "$R" "tcp 127.0.3.* 8080" -- $Q truncated 127.0.0.1 8080 big.njdns.example
if nj_only truncated-retried-over-tcp; then
	if [ "$(asked 'big.njdns.example A tcp')" -gt "$n" ]; then nj_ok
	else nj_bad "truncated-retried-over-tcp: the DNS server saw no TCP query"; fi
fi
n=$(asked 'big.njdns.example A tcp')
nj_reach_sup c-getaddrinfo-truncated "$R" "tcp 127.0.3.* 8080" -- $P gai-connect big.njdns.example 8080
if nj_only c-getaddrinfo-truncated-tcp; then
	if [ "$(asked 'big.njdns.example A tcp')" -gt "$n" ]; then nj_ok
	else nj_bad "c-getaddrinfo-truncated-tcp: glibc's retry over TCP never reached the server"; fi
fi
n=$(grep -c -F 'query api.njdns.example A' "$DNS6_LOG" || true)
nj_reach_sup ipv6-nameserver "$R" "$OK" -- $Q sendto ::1 8080 api.njdns.example
if nj_only ipv6-nameserver-asked; then
	if [ "$(grep -c -F 'query api.njdns.example A' "$DNS6_LOG")" -gt "$n" ]; then nj_ok
	else nj_bad "ipv6-nameserver-asked: the query never reached the IPv6 server"; fi
fi
# an answer nobody asked for (another id, another name) teaches the tree nothing: asking
# lure.njdns.example draws a forged answer for api2.njdns.example first
nj_deny_sup forged-answer "$R" "tcp 127.0.0.48 8080" -- \
    sh -c "$Q sendto 127.0.0.1 8081 lure.njdns.example; $P connect tcp 127.0.0.48 8080"
nj_reach_sup forged-answer-twin "$R" "tcp 127.0.0.48 8080" -- $Q sendto 127.0.0.1 8080 api2.njdns.example

# a nameserver the rules do not allow: denied, never reached (its port 53 is the listener's)
nj_deny_sup denied-nameserver "$R" "udp 127.0.0.3 53" -- $Q sendto 127.0.0.3 8080 api.njdns.example
# (the twin: allowed, so relayed, and forwarded to the listener, which answers nothing)
nj_reach_sup denied-nameserver-twin "$(nj_rules 'allow udp 127.0.0.3 port 53' \
    'allow tcp host api.njdns.example port 8080')" "udp 127.0.0.3 53" -- \
    env DNSQ_TIMEOUT=1 $Q sendto 127.0.0.3 8080 api.njdns.example

# ---- more lookups than the relay has room for flows: each answered; and the supervisor
# holds no upstream socket for a query answered (its descriptors counted while the tree waits)
if nj_only many-flows; then
	rm -f "$T/hold"
	env -u LD_PRELOAD -u NETJAIL_RULES -u NETJAIL_MODE -u NETJAIL_LOG "$NJ_NETJAIL" run \
	    --supervise -r "$R" -- env DNSQ_COUNT=1100 DNSQ_HOLD="$T/hold" \
	    $Q many 127.0.0.1 8080 api.njdns.example >"$T/many.out" 2>&1 &
	sup=$!
	i=0
	while ! grep -q '^held' "$T/many.out" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
	fds=$(ls "/proc/$sup/fd" 2>/dev/null | wc -l)
	touch "$T/hold"
	wait $sup
	rc=$?
	if [ $rc != 0 ] || ! grep -q '^ok api.njdns.example=1$' "$T/many.out"; then
		nj_bad "many-flows: not every lookup was answered (exit $rc): $(tail -3 "$T/many.out")"
	elif [ "$fds" -gt 100 ]; then
		nj_bad "many-flows: after 1,100 lookups answered, the supervisor held $fds descriptors"
	else
		nj_ok
		echo "many-flows: 1,100 lookups, each on a socket of its own; the supervisor then held $fds descriptors"
	fi
fi

# ---- malformed answers: dropped, logged; the supervisor carries on ----
for kind in pointer length count many; do
	nj_only "malformed-$kind" || continue
	nj_run_sup "$R" sh -c "DNSQ_TIMEOUT=2 $Q sendto 127.0.0.1 8080 bad-$kind.njdns.example; $Q sendto 127.0.0.1 8080 api.njdns.example"
	if ! printf '%s\n' "$NJ_OUT" | grep -q 'netjail: deny query udp 127.0.0.1:53 (.*): a malformed DNS answer'; then
		nj_bad "malformed-$kind: no line says the answer was dropped: $NJ_OUT"
	elif ! printf '%s\n' "$NJ_OUT" | grep -q '^err timed out$'; then
		nj_bad "malformed-$kind: the client got the answer the relay should have withheld"
	elif ! printf '%s\n' "$NJ_OUT" | grep -q '^ok api.njdns.example=1$'; then
		nj_bad "malformed-$kind: the next lookup did not work: $NJ_OUT"
	else
		nj_ok
	fi
done

# ---- a nameserver that never answers holds up nothing else ----
if nj_only dead-nameserver; then
	python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.2", 53)); time.sleep(120)' &
	dead=$!
	sleep 0.2
	nj_run_sup "$(nj_rules 'allow udp 127.0.0.2 port 53' 'allow tcp 127.0.0.1 port 8080' \
	    'allow tcp host api.njdns.example port 8080')" sh -c "
	    $Q sendto 127.0.0.2 8080 api.njdns.example & sleep 0.3
	    python3 -c 'import socket, time
t = time.monotonic(); socket.create_connection((\"127.0.0.1\", 8080)).close()
print(\"connected in %.1f ms\" % ((time.monotonic() - t) * 1000))'
	    wait"
	kill $dead
	# the connect finished while the lookup still waited (it gives up after 5 s)
	if printf '%s\n' "$NJ_OUT" | head -1 | grep -q '^connected in'; then
		nj_ok
		printf '%s\n' "$NJ_OUT" | sed -n 's/^connected in/dead-nameserver: a connect while a query waits: connected in/p'
	else
		nj_bad "dead-nameserver: the connect waited for the lookup: $NJ_OUT"
	fi
fi

# ---- netjail learn --supervise names what a static program looked up ----
if [ -n "${G:-}" ] && nj_only learn-supervise-names; then
	out=$(timeout 60 "$NJ_NETJAIL" learn --supervise -r "$(nj_rules 'allow @resolvers port 53')" \
	    -o "$T/learned.rules" -- "$G" tcp api.njdns.example:8080 2>&1)
	if grep -q '^# allow tcp host api.njdns.example port 8080$' "$T/learned.rules" 2>/dev/null; then
		nj_ok
	else
		nj_bad "learn-supervise-names: no host rule learned: $out"
		sed 's/^/    | /' "$T/learned.rules" 2>/dev/null
	fi
fi

nj_done
