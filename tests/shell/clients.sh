#!/bin/sh
# clients.sh - libnetjail.so inside real, unmodified clients: curl, wget, python3 (urllib,
# socket, UDP), nc, socat, perl, node (TCP and UDP), git over http and ssh, each allowed to one
# loopback address and denied another; then the SSRF spellings of loopback and metadata
# addresses (decimal, octal, hex, short, bracketed and mapped IPv6, zero forms) through curl and
# python under `netjail run` with its default policy.  Every denial is proved from both sides
# (the client saw EACCES, "Permission denied" or a netjail deny line; the listener saw nothing)
# beside an allowed twin: the same client reaching an allowed destination.
# Runs as root in its own network namespace (every address is local: nothing leaves the machine).
# A client that is not installed is skipped ("skip: X not installed"); scripts/install-deps
# installs them.  NJ_DEBUG=1 prints the output of every passing check too.
. "$(dirname "$0")/lib.sh"
nj_netns "$@"
set -f  # the URLs and endpoints below hold "*" and "[...]": never file name patterns

C=$(cd "$(dirname "$0")/clients" && pwd)
nj_clients

if [ -n "${NJ_DEBUG:-}" ]; then
	nj_ok() { NJ_PASS=$((NJ_PASS + 1)); printf '%s\n' "--- ok (exit $NJ_RC)" "$NJ_OUT"; }
fi

nj_listen tcp:8080 tcp:8081 tcp:8088 udp:9000 udp:9001 udp:5353

LO=$(nj_rules 'allow tcp 127.0.0.1 port 8080' 'allow udp 127.0.0.1 port 9000' \
    'allow tcp ::1 port 8080')
OK4="tcp 127.0.0.1 8080"   # the allowed twin's endpoint
NO4="tcp 127.0.0.2 8080"   # another loopback address: denied
NOP="tcp 127.0.0.1 8081"   # the allowed address, another port: denied
OK6="tcp ::1 8080"
NO6="tcp 2001:db8::1 8080"  # TEST-NET: inside the namespace it would land on the listener
UOK="udp 127.0.0.1 9000"
UNO="udp 127.0.0.2 9000"
UNOP="udp 127.0.0.1 9001"

# ---- curl ----
if have curl; then
	CURL="curl -q -g -sS --max-time 5 --noproxy *"
	nj_reach curl "$LO" "$OK4" -- $CURL http://127.0.0.1:8080/
	nj_deny curl-addr "$LO" "$NO4" -- $CURL http://127.0.0.2:8080/
	nj_deny curl-port "$LO" "$NOP" -- $CURL http://127.0.0.1:8081/
	nj_reach curl-v6 "$LO" "$OK6" -- $CURL "http://[::1]:8080/"
	nj_deny curl-v6-addr "$LO" "$NO6" -- $CURL "http://[2001:db8::1]:8080/"
	nj_deny curl-v6-port "$LO" "tcp ::1 8081" -- $CURL "http://[::1]:8081/"
	# curl resolves localhost itself (::1 and 127.0.0.1): the allowed one is used
	nj_reach curl-localhost "$LO" "tcp * 8080" -- $CURL http://localhost:8080/
	nj_deny curl-localhost-port-v4 "$LO" "tcp 127.0.0.1 8081" -- $CURL http://localhost:8081/
	nj_deny curl-localhost-port-v6 "$LO" "tcp ::1 8081" -- $CURL http://localhost:8081/
	# curl's own error (not the shim's log line): curl -v says why the connect failed
	nj_expect curl-own-error 'Permission denied' "$LO" $CURL -v http://127.0.0.2:8080/
fi

# ---- wget ----
if have wget; then
	WGET="wget -O /dev/null --tries=1 --timeout=5 --no-proxy"
	nj_reach wget "$LO" "$OK4" -- $WGET http://127.0.0.1:8080/
	nj_deny wget-addr "$LO" "$NO4" -- $WGET http://127.0.0.2:8080/
	nj_deny wget-port "$LO" "$NOP" -- $WGET http://127.0.0.1:8081/
fi

# ---- python3: urllib, socket.create_connection, a UDP sendto ----
if have python3; then
	nj_reach python-urllib "$LO" "$OK4" -- python3 "$C/py.py" urllib http://127.0.0.1:8080/
	nj_deny python-urllib-addr "$LO" "$NO4" -- python3 "$C/py.py" urllib http://127.0.0.2:8080/
	nj_deny python-urllib-port "$LO" "$NOP" -- python3 "$C/py.py" urllib http://127.0.0.1:8081/
	nj_allow python-socket "$LO" "$OK4" -- python3 "$C/py.py" tcp 127.0.0.1 8080
	nj_deny python-socket-addr "$LO" "$NO4" -- python3 "$C/py.py" tcp 127.0.0.2 8080
	nj_deny python-socket-port "$LO" "$NOP" -- python3 "$C/py.py" tcp 127.0.0.1 8081
	nj_allow python-socket-v6 "$LO" "$OK6" -- python3 "$C/py.py" tcp ::1 8080
	nj_deny python-socket-v6-addr "$LO" "$NO6" -- python3 "$C/py.py" tcp 2001:db8::1 8080
	# create_connection("localhost") walks getaddrinfo's answers: the denied ones are removed
	# (::1 first with a stock hosts file, 127.0.0.1 without its "::1 localhost" line)
	nj_allow python-socket-localhost "$LO" "tcp * 8080" -- python3 "$C/py.py" tcp localhost 8080
	nj_deny python-socket-localhost-port "$LO" "$NOP" -- python3 "$C/py.py" tcp localhost 8081
	nj_allow python-udp "$LO" "$UOK" -- python3 "$C/py.py" udp 127.0.0.1 9000
	nj_deny python-udp-addr "$LO" "$UNO" -- python3 "$C/py.py" udp 127.0.0.2 9000
	nj_deny python-udp-port "$LO" "$UNOP" -- python3 "$C/py.py" udp 127.0.0.1 9001
fi

# ---- nc (OpenBSD netcat) ----
if have nc; then
	nj_allow nc "$LO" "$OK4" -- nc -z -w 3 127.0.0.1 8080
	nj_deny nc-addr "$LO" "$NO4" -- nc -z -w 3 127.0.0.2 8080
	nj_deny nc-port "$LO" "$NOP" -- nc -z -w 3 127.0.0.1 8081
	nj_allow nc-v6 "$LO" "$OK6" -- nc -z -w 3 ::1 8080
	nj_deny nc-v6-addr "$LO" "$NO6" -- nc -z -w 3 2001:db8::1 8080
	# (Debian's nc -u -z sends nothing: send one datagram from stdin instead)
	nj_allow nc-udp "$LO" "$UOK" -- sh -c 'printf x | nc -u -q 0 127.0.0.1 9000'
	nj_deny nc-udp-addr "$LO" "$UNO" -- sh -c 'printf x | nc -u -q 0 127.0.0.2 9000'
	nj_deny nc-udp-port "$LO" "$UNOP" -- sh -c 'printf x | nc -u -q 0 127.0.0.1 9001'
fi

# ---- socat ----
if have socat; then
	nj_allow socat "$LO" "$OK4" -- socat -u /dev/null TCP:127.0.0.1:8080
	nj_deny socat-addr "$LO" "$NO4" -- socat -u /dev/null TCP:127.0.0.2:8080
	nj_deny socat-port "$LO" "$NOP" -- socat -u /dev/null TCP:127.0.0.1:8081
	nj_allow socat-udp "$LO" "$UOK" -- sh -c 'echo x | socat -u - UDP:127.0.0.1:9000'
	nj_deny socat-udp-addr "$LO" "$UNO" -- sh -c 'echo x | socat -u - UDP:127.0.0.2:9000'
	nj_allow socat-udp-sendto "$LO" "$UOK" -- sh -c 'echo x | socat -u - UDP-SENDTO:127.0.0.1:9000'
	nj_deny socat-udp-sendto-port "$LO" "$UNOP" -- \
	    sh -c 'echo x | socat -u - UDP-SENDTO:127.0.0.1:9001'
fi

# ---- perl: IO::Socket::INET, and send() with a destination ----
if have perl; then
	nj_allow perl "$LO" "$OK4" -- perl "$C/perl.pl" tcp 127.0.0.1 8080
	nj_deny perl-addr "$LO" "$NO4" -- perl "$C/perl.pl" tcp 127.0.0.2 8080
	nj_deny perl-port "$LO" "$NOP" -- perl "$C/perl.pl" tcp 127.0.0.1 8081
	nj_allow perl-udp "$LO" "$UOK" -- perl "$C/perl.pl" udp 127.0.0.1 9000
	nj_deny perl-udp-addr "$LO" "$UNO" -- perl "$C/perl.pl" udp 127.0.0.2 9000
	nj_allow perl-udp-sendto "$LO" "$UOK" -- perl "$C/perl.pl" udp-sendto 127.0.0.1 9000
	nj_deny perl-udp-sendto-port "$LO" "$UNOP" -- perl "$C/perl.pl" udp-sendto 127.0.0.1 9001
fi

# ---- node: net.connect and dgram ----
if have node; then
	nj_allow node "$LO" "$OK4" -- node "$C/node.js" tcp 127.0.0.1 8080
	nj_deny node-addr "$LO" "$NO4" -- node "$C/node.js" tcp 127.0.0.2 8080
	nj_deny node-port "$LO" "$NOP" -- node "$C/node.js" tcp 127.0.0.1 8081
	nj_allow node-v6 "$LO" "$OK6" -- node "$C/node.js" tcp ::1 8080
	nj_deny node-v6-addr "$LO" "$NO6" -- node "$C/node.js" tcp 2001:db8::1 8080
	nj_allow node-udp "$LO" "$UOK" -- node "$C/node.js" udp 127.0.0.1 9000
	nj_deny node-udp-addr "$LO" "$UNO" -- node "$C/node.js" udp 127.0.0.2 9000
	nj_deny node-udp-port "$LO" "$UNOP" -- node "$C/node.js" udp 127.0.0.1 9001
fi

# ---- git over http (git-remote-http is a child process: the jail follows it) ----
if have git; then
	GIT="git -c http.proxy= -c credential.helper= ls-remote"
	export GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1
	nj_reach git-http "$LO" "$OK4" -- $GIT http://127.0.0.1:8080/repo.git
	nj_deny git-http-addr "$LO" "$NO4" -- $GIT http://127.0.0.2:8080/repo.git
	nj_deny git-http-port "$LO" "$NOP" -- $GIT http://127.0.0.1:8081/repo.git
fi

# ---- ssh ----
if have ssh; then
	SSH="ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
	    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR"
	nj_reach ssh "$LO" "$OK4" -- $SSH -p 8080 127.0.0.1 true
	nj_deny ssh-addr "$LO" "$NO4" -- $SSH -p 8080 127.0.0.2 true
	nj_deny ssh-port "$LO" "$NOP" -- $SSH -p 8081 127.0.0.1 true
fi

# ---- dig: it parses /etc/resolv.conf's nameserver lines with numeric lookups, which the
# jail does not filter, even when they name a server the rules deny ----
if have dig; then
	cp /etc/resolv.conf "$NJ_TMP/resolv.conf.suite"
	printf 'nameserver 192.0.2.53\n' > /etc/resolv.conf	# the suite's own copy (nj_etc)
	DIG="dig +tries=1 +time=1 -p 5353"
	DR=$(nj_rules 'allow udp 127.0.0.1 port 5353')
	nj_reach_cmd dig-server "$DR" "udp 127.0.0.1 5353" -- $DIG @127.0.0.1 njtest.example
	nj_deny_cmd dig-server-addr "$DR" "udp 127.0.0.2 5353" -- $DIG @127.0.0.2 njtest.example
	cat "$NJ_TMP/resolv.conf.suite" > /etc/resolv.conf
fi

# ---- PostgreSQL: initdb writes the pg_hba.conf it always writes, and the server, which
# parses "::1" in it, starts under a narrow policy; psql reaches it and nothing else ----
set +f
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
set -f
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	echo "skip: postgresql not installed"
	NJ_MISSING="$NJ_MISSING postgresql"
elif ! awk '$1 == 0 && $2 == 0 { ok = 1 } END { exit !ok }' /proc/self/uid_map; then
	echo "skip: postgresql (the server refuses root, and only root is mapped here)"
else
	nj_for_anyone		# (the server runs as nobody)
	PG=$NJ_TMP/pg
	mkdir -p "$PG/sock"
	chown -R nobody "$PG"
	PGR=$(nj_rules "allow unix $PG/sock/*" 'allow tcp 127.0.0.1 port 5434')
	chmod 644 "$PGR"
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
	nj_run_cmd "$PGR" $AS "$PGBIN/initdb" -D "$PG/data" -U postgres --auth=trust --no-locale \
	    -E UTF8
	if [ "$NJ_RC" = 0 ] && grep -q '^host[[:space:]].*::1/128' "$PG/data/pg_hba.conf"; then
		nj_ok
	else
		nj_bad "postgres-initdb: initdb failed or commented out the ::1 line (exit $NJ_RC)"
	fi
	# the server gets the ::1 line whatever initdb did (as it has outside the jail)
	grep -q '^host[[:space:]].*::1/128' "$PG/data/pg_hba.conf" ||
	    echo 'host all all ::1/128 trust' >> "$PG/data/pg_hba.conf"
	env -u LD_PRELOAD "$NJ_NETJAIL" run -r "$PGR" -- $AS "$PGBIN/postgres" -D "$PG/data" \
	    -k "$PG/sock" -p 5434 -c listen_addresses=127.0.0.1 > "$PG/server.log" 2>&1 &
	pgpid=$!
	for _ in $(seq 100); do
		[ -S "$PG/sock/.s.PGSQL.5434" ] && break
		kill -0 "$pgpid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -S "$PG/sock/.s.PGSQL.5434" ]; then
		nj_ok
	else
		NJ_OUT=$(cat "$PG/server.log")
		nj_bad "postgres-starts: the server did not start under $PGR"
	fi
	if have psql; then
		nj_run_cmd "$PGR" $AS env -C / psql -X -A -t -U postgres -h 127.0.0.1 -p 5434 -c 'select 41+1'
		if [ "$NJ_OUT" = 42 ]; then nj_ok; else nj_bad "psql-tcp: no answer over TCP"; fi
		nj_run_cmd "$PGR" $AS env -C / psql -X -A -t -U postgres -h "$PG/sock" -p 5434 -c 'select 41+1'
		if [ "$NJ_OUT" = 42 ]; then nj_ok; else nj_bad "psql-unix: no answer over the socket"; fi
		nj_deny_cmd psql-port "$PGR" "tcp 127.0.0.1 8081" -- $AS psql -X -U postgres \
		    -h 127.0.0.1 -p 8081 -c 'select 1'
	fi
	kill -INT "$pgpid" 2>/dev/null
	wait "$pgpid" 2>/dev/null
fi

# ---- redis-server as a replica of a primary it may not reach: it retries once a second, for
# ever; the jail writes the first lines, then a count when it stops (SIGTERM), and the
# listener sees nothing.  Its twin reaches an allowed primary ----
if have redis-server; then
	REDIS="redis-server --port 0 --unixsocket $NJ_TMP/redis.sock --save  --appendonly no
	    --dir $NJ_TMP --logfile /dev/null --replicaof"
	before=$(nj_count "tcp 192.0.2.99 8080")
	NJ_OUT=$(env -u LD_PRELOAD timeout 8 "$NJ_NETJAIL" run -r "$LO" -- $REDIS 192.0.2.99 8080 2>&1)
	nj_sync
	# about 7 tries in 8 seconds: 3 lines, then one line counting the rest at exit
	n=$(printf '%s\n' "$NJ_OUT" | grep -c '^netjail: deny connect tcp 192.0.2.99:8080 ')
	if [ "$n" = 4 ] && printf '%s\n' "$NJ_OUT" | grep -q 'more like it not shown\]$' &&
	    [ "$(nj_count "tcp 192.0.2.99 8080")" = "$before" ]; then nj_ok; else
		nj_bad "redis-replica-ratelimited: $n lines, or no count, or the primary saw a connection"; fi
	before=$(nj_count "$OK4")
	NJ_OUT=$(env -u LD_PRELOAD timeout 2 "$NJ_NETJAIL" run -r "$LO" -- $REDIS 127.0.0.1 8080 2>&1)
	nj_sync
	if [ "$(nj_count "$OK4")" -gt "$before" ] && ! printf '%s\n' "$NJ_OUT" | grep -q 'netjail: deny'; then
		nj_ok; else nj_bad "redis-replica-twin: the allowed primary saw nothing"; fi
fi

# ---- sudo: started by root it changes no credentials, so the loader keeps the preload and
# sudo is jailed like any program; its PAM and audit messages to the kernel (netlink) are no
# network destination and pass; what it starts is jailed too.  Started by another user it
# would run as root, where the loader drops the preload: refused, saying so ----
if ! have sudo; then
	:
elif ! awk '$1 == 0 && $2 == 0 { ok = 1 } END { exit !ok }' /proc/self/uid_map; then
	echo "skip: sudo (only root is mapped here)"
else
	nj_for_anyone		# (what sudo starts runs as nobody)
	chmod 644 "$LO"
	SUDO="sudo -n -u nobody $NJ_PROBE connect tcp 127.0.0.1"
	before=$(nj_count "$OK4")
	nj_run_cmd "$LO" $SUDO 8080
	nj_sync
	if [ "$NJ_RC" = 0 ] && printf '%s\n' "$NJ_OUT" | grep -q '^ok$' &&
	    [ "$(nj_count "$OK4")" != "$before" ]; then nj_ok; else
		nj_bad "sudo-by-root: sudo or its child failed under the jail (exit $NJ_RC)"; fi
	if printf '%s\n' "$NJ_OUT" | grep -q -e 'family netlink' -e 'PAM'; then
		nj_bad "sudo-by-root-netlink: its messages to the kernel were denied"; else nj_ok; fi
	nj_deny_cmd sudo-child-jailed "$LO" "$NOP" -- $SUDO 8081
	NJ_OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- env -u LD_PRELOAD \
	    "$NJ_NETJAIL" run -r "$LO" -- sudo -n true 2>&1)
	NJ_RC=$?
	if [ "$NJ_RC" = 126 ] && printf '%s\n' "$NJ_OUT" | grep -q 'refusing to run /usr/bin/sudo: it is a setuid program (it would run as another user): the loader drops the preload'; then
		nj_ok; else nj_bad "sudo-by-user: not refused with the true reason (exit $NJ_RC)"; fi
	nj_run_cmd "$LO" setpriv --reuid=nobody --regid=nogroup --clear-groups -- sudo -n true
	if [ "$NJ_RC" = 126 ] && printf '%s\n' "$NJ_OUT" | grep -q 'deny execvp /usr/bin/sudo (setpriv\[[0-9]*\]): it is a setuid program (it would run as another user): the loader drops the preload'; then
		nj_ok; else nj_bad "sudo-by-user-child: the jailed exec not refused with the true reason (exit $NJ_RC)"; fi
fi

# ---- SSRF spellings under `netjail run` and its default policy ----
# (allow @public; allow @resolvers port 53; block @metadata; block @self).  Each URL names
# loopback, an unspecified address (which lands on loopback) or the metadata address; the
# listener on 8088 catches any arrival there, whatever address it came to.
if [ ! -f "$NJ_BUILD/default.rules" ]; then
	nj_bad "netjail run: $NJ_BUILD/default.rules (its default policy) is missing: run make"
	nj_done
fi
SSRF="decimal=2130706433 octal=0177.0.0.1 octal-whole=017700000001 hex=0x7f000001
    hex-dotted=0x7f.0.0.1 hex-short=0x7f.1 short=127.1 dotted=127.0.0.1 localhost=localhost
    v6=[::1] v6-mapped=[::ffff:127.0.0.1] v6-mapped-hex=[::ffff:7f00:1]
    v6-mapped-long=[0:0:0:0:0:ffff:127.0.0.1] zero=0.0.0.0 zero-short=0 v6-zero=[::]
    metadata=169.254.169.254 metadata-decimal=2852039166 metadata-hex=0xa9fea9fe
    metadata-mapped=[::ffff:169.254.169.254]"
# allowed twins: 8.8.8.8 (public; inside the namespace it is our own listener) in the same
# spellings, so a denial above is the address's doing, not the spelling's
PUBLIC="dotted=8.8.8.8 decimal=134744072 hex=0x8080808 short=8.8.2056
    v6-mapped=[::ffff:8.8.8.8]"
nj_run_cmd "" true
if printf '%s\n' "$NJ_OUT" | grep -q 'built-in default policy'; then nj_ok; else
	nj_bad "netjail run without -r does not announce its default policy"; fi

if have curl; then
	CURL="curl -q -g -sS --max-time 5 --noproxy *"
	before=$(nj_count_ep "tcp * 8088")
	for f in $PUBLIC; do
		nj_reach_cmd "ssrf-curl-public-${f%%=*}" "" "tcp 8.8.8.8 8088" -- \
		    $CURL "http://${f#*=}:8088/"
	done
	# the leak detector below ("tcp * 8088") does count arrivals
	if [ "$(nj_count_ep "tcp * 8088")" -gt "$before" ]; then nj_ok; else
		nj_bad "ssrf: \"tcp * 8088\" counts no arrival"; fi
	for f in $SSRF; do
		nj_deny_cmd "ssrf-curl-${f%%=*}" "" "tcp * 8088" -- $CURL "http://${f#*=}:8088/"
	done
fi

# python: urlopen; python or its resolver may refuse a spelling before connecting: that still
# must not reach the listener, and it is noted
if have python3; then
	for f in $PUBLIC; do
		nj_reach_cmd "ssrf-python-public-${f%%=*}" "" "tcp 8.8.8.8 8088" -- \
		    python3 "$C/py.py" urllib "http://${f#*=}:8088/"
	done
	rejects=""
	for f in $SSRF; do
		name=ssrf-python-${f%%=*}
		before=$(nj_count_ep "tcp * 8088")
		nj_run_cmd "" python3 "$C/py.py" ssrf "http://${f#*=}:8088/"
		nj_sync
		after=$(nj_count_ep "tcp * 8088")
		if [ "$after" != "$before" ]; then
			nj_bad "$name: the listener saw a connection on 8088 (a leak)"
		elif printf '%s\n' "$NJ_OUT" | grep -q '^denied: .*Permission denied'; then
			nj_ok
		elif printf '%s\n' "$NJ_OUT" | grep -q '^python rejects: '; then
			nj_ok
			rejects="$rejects ${f#*=}($(printf '%s\n' "$NJ_OUT" |
			    sed -n 's/^python rejects: //p' | head -n 1))"
		else
			nj_bad "$name: neither a denial nor a refusal of python's own"
		fi
	done
	echo "note: python refused these spellings itself (no connection tried):${rejects:- none}"
fi

[ -n "$NJ_MISSING" ] && echo "note: skipped (not installed):$NJ_MISSING"
nj_done
