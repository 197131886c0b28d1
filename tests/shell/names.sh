#!/bin/sh
# names.sh - host rules (SPEC.md §3a) against a DNS server of our own: real clients (curl,
# python's urllib and sockets, node's http and fetch, java's HttpClient, C over getaddrinfo
# and gethostbyname) allowed to a name and denied another name, another port, and the bare
# address; then CNAME chains, wildcards at several depths, protos and ports, block host and
# rebinding; then the edges of what a process remembers: numeric lookups, fork and exec,
# eviction from the table, and a signal handler connecting while lookups write the table.
# Every denial is proved from both sides (the client saw EACCES, "Permission denied" or a
# netjail deny line; the listener saw nothing) beside an allowed twin.
# Runs as root in its own network namespace, where resolv.conf names our server on
# 127.0.0.1 (tests/shell/dns.py): no lookup reaches the machine's resolver, no connection
# leaves.  A client that is not installed is skipped ("skip: X not installed").
. "$(dirname "$0")/lib.sh"
nj_netns "$@"
set -f

C=$(cd "$(dirname "$0")/clients" && pwd)
P=$NJ_PROBE
N=$NJ_BUILD/tests/probes/names
nj_clients

nj_listen tcp:8080 tcp:8081 udp:9000
# the zone: a name, a CNAME chain of two links into another domain, names at two depths
# under a domain and the bare domain, a name of another domain, one that points at the
# metadata address and one at a public address (inside the namespace it is our listener),
# and nK.many.njdns.example for K = 0, 1, ... at 127.1.0.0 + K
nj_dns 'api.njdns.example A 127.0.0.41' \
    'cdn.njdns.example CNAME edge.njcdn.example' 'edge.njcdn.example CNAME e1.njcdn.example' \
    'e1.njcdn.example A 127.0.0.42' \
    'a.njdns.example A 127.0.0.43' 'x.y.njdns.example A 127.0.0.44' 'njdns.example A 127.0.0.45' \
    'other.njelse.example A 127.0.0.46' \
    'meta.njdns.example A 169.254.169.254' 'pub.njdns.example A 93.184.216.34' \
    'many.njdns.example SERIES 127.1.0.0'

API=$(nj_rules 'allow tcp host api.njdns.example port 8080')
OK="tcp 127.0.0.41 8080"      # api.njdns.example: the allowed twin's endpoint
NONAME="tcp 127.0.0.46 8080"  # other.njelse.example: no rule names it
NOPORT="tcp 127.0.0.41 8081"  # the allowed name, another port

# the resolver is ours: a lookup through the jail reaches it, and it wrote the query down
if nj_only dns-ours; then
	nj_run "$(nj_rules 'allow tcp host api.njdns.example')" $P gai api.njdns.example
	if [ "$NJ_OUT" = "ok 127.0.0.41" ] && grep -q '^query api.njdns.example A$' "$NJ_DNS_LOG"
	then nj_ok; else nj_bad "dns-ours: the lookup did not reach our DNS server"; fi
fi

# ---- the clients: the name allowed; another name, another port, the bare address denied ----
if have curl; then
	CURL="curl -q -sS --max-time 5 --noproxy *"
	nj_reach curl "$API" "$OK" -- $CURL http://api.njdns.example:8080/
	nj_deny curl-other-name "$API" "$NONAME" -- $CURL http://other.njelse.example:8080/
	nj_deny curl-other-port "$API" "$NOPORT" -- $CURL http://api.njdns.example:8081/
	nj_deny curl-address "$API" "$OK" -- $CURL http://127.0.0.41:8080/
	# curl asks for the port it will use: the lookup itself is denied, and says so
	nj_expect curl-deny-names-lookup \
	    'netjail: deny getaddrinfo api\.njdns\.example (curl\[[0-9]*\]): every answer denied' \
	    "$API" $CURL http://api.njdns.example:8081/
fi
if have python3; then
	nj_reach python-urllib "$API" "$OK" -- python3 "$C/py.py" urllib http://api.njdns.example:8080/
	nj_deny python-urllib-other-name "$API" "$NONAME" -- \
	    python3 "$C/py.py" urllib http://other.njelse.example:8080/
	nj_deny python-urllib-other-port "$API" "$NOPORT" -- \
	    python3 "$C/py.py" urllib http://api.njdns.example:8081/
	nj_allow python-socket "$API" "$OK" -- python3 "$C/py.py" tcp api.njdns.example 8080
	nj_deny python-socket-other-name "$API" "$NONAME" -- \
	    python3 "$C/py.py" tcp other.njelse.example 8080
	nj_deny python-socket-other-port "$API" "$NOPORT" -- \
	    python3 "$C/py.py" tcp api.njdns.example 8081
	nj_deny python-socket-address "$API" "$OK" -- python3 "$C/py.py" tcp 127.0.0.41 8080
fi
if have node; then
	for m in http fetch; do
		nj_reach "node-$m" "$API" "$OK" -- node "$C/node.js" $m http://api.njdns.example:8080/
		nj_deny "node-$m-other-name" "$API" "$NONAME" -- \
		    node "$C/node.js" $m http://other.njelse.example:8080/
		nj_deny "node-$m-other-port" "$API" "$NOPORT" -- \
		    node "$C/node.js" $m http://api.njdns.example:8081/
		nj_deny "node-$m-address" "$API" "$OK" -- node "$C/node.js" $m http://127.0.0.41:8080/
	done
fi
if have java && have javac; then
	mkdir -p "$NJ_TMP/java"
	if javac -d "$NJ_TMP/java" "$C/Http.java"; then
		J="java -cp $NJ_TMP/java Http"
		nj_reach java "$API" "$OK" -- $J http://api.njdns.example:8080/
		nj_deny java-other-name "$API" "$NONAME" -- $J http://other.njelse.example:8080/
		nj_deny java-other-port "$API" "$NOPORT" -- $J http://api.njdns.example:8081/
		nj_deny java-address "$API" "$OK" -- $J http://127.0.0.41:8080/
	else
		nj_bad "java: Http.java does not compile"
	fi
fi
nj_allow c-getaddrinfo "$API" "$OK" -- $P gai-connect api.njdns.example 8080
nj_deny c-getaddrinfo-other-name "$API" "$NONAME" -- $P gai-connect other.njelse.example 8080
nj_deny c-getaddrinfo-other-port "$API" "$NOPORT" -- $P gai-connect api.njdns.example 8081
nj_allow c-gethostbyname "$API" "$OK" -- $P ghbn-connect api.njdns.example 8080
nj_deny c-gethostbyname-other-name "$API" "$NONAME" -- $P ghbn-connect other.njelse.example 8080
nj_deny c-gethostbyname-other-port "$API" "$NOPORT" -- $P ghbn-connect api.njdns.example 8081

# ---- CNAME chains: the name the program asked for counts, not the targets on the way ----
CDN=$(nj_rules 'allow tcp host cdn.njdns.example port 8080')
nj_allow cname-chain "$CDN" "tcp 127.0.0.42 8080" -- $P gai-connect cdn.njdns.example 8080
nj_allow cname-chain-ghbn "$CDN" "tcp 127.0.0.42 8080" -- $P ghbn-connect cdn.njdns.example 8080
if have curl; then
	nj_reach cname-chain-curl "$CDN" "tcp 127.0.0.42 8080" -- $CURL http://cdn.njdns.example:8080/
fi
TARGET=$(nj_rules 'allow tcp host e1.njcdn.example port 8080')
nj_deny cname-target-is-not-the-name "$TARGET" "tcp 127.0.0.42 8080" -- \
    $P gai-connect cdn.njdns.example 8080
nj_allow cname-target-twin "$TARGET" "tcp 127.0.0.42 8080" -- $P gai-connect e1.njcdn.example 8080

# ---- wildcards: one label or more under the domain, never the bare domain ----
WILD=$(nj_rules 'allow tcp host *.njdns.example port 8080')
nj_allow wildcard-one-label "$WILD" "tcp 127.0.0.43 8080" -- $P gai-connect a.njdns.example 8080
nj_allow wildcard-two-labels "$WILD" "tcp 127.0.0.44 8080" -- $P gai-connect x.y.njdns.example 8080
nj_deny wildcard-bare-domain "$WILD" "tcp 127.0.0.45 8080" -- $P gai-connect njdns.example 8080
nj_deny wildcard-other-domain "$WILD" "$NONAME" -- $P gai-connect other.njelse.example 8080
DEEP=$(nj_rules 'allow tcp host *.y.njdns.example port 8080')
nj_allow wildcard-deeper "$DEEP" "tcp 127.0.0.44 8080" -- $P gai-connect x.y.njdns.example 8080
nj_deny wildcard-deeper-sibling "$DEEP" "tcp 127.0.0.43 8080" -- $P gai-connect a.njdns.example 8080

# ---- protos and ports ----
UDP=$(nj_rules 'allow udp host api.njdns.example port 9000')
nj_allow proto-udp "$UDP" "udp 127.0.0.41 9000" -- python3 "$C/py.py" udp api.njdns.example 9000
nj_deny proto-udp-not-tcp "$UDP" "tcp 127.0.0.41 9000" -- $P gai-connect api.njdns.example 9000
nj_deny proto-udp-other-port "$UDP" "udp 127.0.0.41 9001" -- \
    python3 "$C/py.py" udp api.njdns.example 9001
ANYPROTO=$(nj_rules 'allow host api.njdns.example port 8080')
nj_allow proto-any-tcp "$ANYPROTO" "$OK" -- $P gai-connect api.njdns.example 8080
nj_deny proto-any-other-port "$ANYPROTO" "$NOPORT" -- $P gai-connect api.njdns.example 8081
ANYPORT=$(nj_rules 'allow tcp host api.njdns.example')
nj_allow port-any "$ANYPORT" "$NOPORT" -- $P gai-connect api.njdns.example 8081

# ---- block host: the lookup fails, whatever the addresses and whatever allows them ----
BLOCK=$(nj_rules 'allow tcp host *.njdns.example port 8080' 'block host x.y.njdns.example')
nj_deny block-host "$BLOCK" "tcp 127.0.0.44 8080" -- $P gai-connect x.y.njdns.example 8080
nj_expect block-host-lookup-fails '^err ' "$BLOCK" $P gai x.y.njdns.example
nj_allow block-host-twin "$BLOCK" "tcp 127.0.0.43 8080" -- $P gai-connect a.njdns.example 8080
BLOCKW=$(nj_rules 'allow tcp 127.0.0.0/24 port 8080' 'block host *.njdns.example')
nj_deny block-host-wildcard "$BLOCKW" "tcp 127.0.0.43 8080" -- $P gai-connect a.njdns.example 8080
nj_allow block-host-wildcard-twin "$BLOCKW" "$NONAME" -- $P gai-connect other.njelse.example 8080

# ---- rebinding: a name under an allowed wildcard points at the metadata address ----
REBIND=$(nj_rules 'allow tcp host *.njdns.example port 8080' 'block @special')
nj_deny rebinding "$REBIND" "tcp 169.254.169.254 8080" -- $P gai-connect meta.njdns.example 8080
nj_allow rebinding-twin "$REBIND" "tcp 93.184.216.34 8080" -- $P gai-connect pub.njdns.example 8080
if have curl; then
	nj_deny rebinding-curl "$REBIND" "tcp 169.254.169.254 8080" -- \
	    $CURL http://meta.njdns.example:8080/
	nj_reach rebinding-curl-twin "$REBIND" "tcp 93.184.216.34 8080" -- \
	    $CURL http://pub.njdns.example:8080/
fi

# ---- the edges of what a process remembers ----
# numeric lookups only parse: the answer is not filtered, and it makes no name
nj_expect numeric-not-filtered '^ok 127\.0\.0\.41$' "$API" $P gai 127.0.0.41
nj_deny numeric-makes-no-name "$API" "$OK" -- $P gai-connect 127.0.0.41 8080
# a forked child starts with its parent's answers; without the parent's lookup, denied
nj_allow fork-child-inherits "$API" "$OK" -- $N fork api.njdns.example 8080 127.0.0.41
nj_deny fork-child-without-lookup "$API" "$OK" -- $N fork - 8080 127.0.0.41
# a program started by exec starts with none
nj_deny exec-starts-empty "$API" "$OK" -- $N exec api.njdns.example 8080 127.0.0.41
nj_allow exec-own-lookup "$API" "$OK" -- sh -c "$N fork api.njdns.example 8080 127.0.0.41"
# the table holds at least 4,096 answers: the first of 4,096 is still there; the oldest of
# 5,000 has been dropped and would have to be looked up again
MANY=$(nj_rules 'allow tcp host api.njdns.example port 8080' \
    'allow tcp host *.many.njdns.example port 8080')
nj_allow table-holds-4096 "$MANY" "$OK" -- $N evict api.njdns.example 8080 many.njdns.example 4095
nj_deny table-evicts-oldest "$MANY" "$OK" -- $N evict api.njdns.example 8080 many.njdns.example 5000
# a signal handler connects (to the remembered answer, and to an address no rule allows)
# again and again while the lookups of 2,000 names write the table
SIG="$N signal api.njdns.example 8080 127.0.0.46 many.njdns.example 2000"
nj_expect signal-during-lookups '^signal ok=[1-9][0-9]* denied=[1-9][0-9]* wrong=0$' "$MANY" $SIG
nj_deny signal-during-lookups-no-leak "$MANY" "$NONAME" -- $SIG
nj_allow signal-during-lookups-twin "$MANY" "$OK" -- $SIG

[ -n "$NJ_MISSING" ] && echo "note: skipped (not installed):$NJ_MISSING"
nj_done
