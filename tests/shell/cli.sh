#!/bin/sh
# cli.sh - the netjail command as a person uses it: check, explain, presets (SPEC.md §8).
# Usage: tests/shell/cli.sh build/netjail
set -u
NJ=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect NAME STATUS GREP-PATTERN -- COMMAND...: exit status and a line of stdout+stderr
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" != "$want" ]; then
		bad "$name: exit $got, want $want"; printf '%s\n' "$out" | sed 's/^/    /'
		return
	fi
	if [ -n "$pat" ] && ! printf '%s\n' "$out" | grep -q -- "$pat"; then
		bad "$name: output lacks /$pat/"; printf '%s\n' "$out" | sed 's/^/    /'
		return
	fi
	ok
}

cat > "$T/good.rules" <<'R'
# webhook sender
allow @public            # the internet
allow tcp 10.1.2.3 port 5432
block @metadata
R
printf 'allow any\r\nblock @loopback\r\n' > "$T/crlf.rules"
printf 'allow any\nallow 10.0.0.1/8\nallow tcp 1.2.3.4 port https\n' > "$T/bad.rules"
printf 'allow any\nallow any\nallow 10.1.0.0/16\nblock 10.0.0.0/8\n' > "$T/warn.rules"
: > "$T/empty.rules"
printf 'allow 127.0.0.1\n' > "$T/ww.rules"; chmod o+w "$T/ww.rules"
printf 'allow tcp host api.example.com port 443\nblock host *.evil.example\nblock @special\n' \
    > "$T/host.rules"
printf 'allow host 10.0.0.1\n' > "$T/hostaddr.rules"
mkdir "$T/dir.rules"
mkfifo "$T/fifo.rules"
truncate -s 2G "$T/huge.rules"

# check
expect check-good 0 'valid: 3 rules (2 allow, 1 block), 0 warnings' -- "$NJ" check "$T/good.rules"
expect check-crlf 0 'valid: 2 rules' -- "$NJ" check "$T/crlf.rules"
expect check-host 0 'valid: 3 rules' -- "$NJ" check "$T/host.rules"
expect check-host-address 1 "hostaddr.rules:1:12: error: host takes a name, not an address: write allow 10.0.0.1" -- "$NJ" check "$T/hostaddr.rules"
printf 'allow host *.example.com port 443\nblock @metadata\n' > "$T/wild.rules"
expect check-wildcard-host-warns 0 'wild.rules:1:1: warning: .*add block @special' -- \
    "$NJ" check "$T/wild.rules"
expect explain-name 0 'allow tcp host api.example.com port 443 (' -- \
    "$NJ" explain -r "$T/host.rules" tcp api.example.com:443
expect explain-name-other-port 1 'deny: no host rule allows it on this port; .*to allow it: allow tcp host api.example.com port 80$' -- \
    "$NJ" explain -r "$T/host.rules" tcp api.example.com:80
expect explain-name-answer-suggests-host 1 'no allow rule matches; to allow it: allow tcp host api.example.com port 80$' -- \
    "$NJ" explain -r "$T/host.rules" tcp api.example.com:80 --answer 93.184.216.34
expect explain-name-answer 0 'allow: tcp 93.184.216.34:443 for api.example.com' -- \
    "$NJ" explain -r "$T/host.rules" tcp api.example.com:443 --answer 93.184.216.34
expect explain-name-answer-rebinding 1 'block @special .*block always wins' -- \
    "$NJ" explain -r "$T/host.rules" tcp api.example.com:443 --answer 169.254.169.254
expect explain-name-blocked 1 'lookups of a.evil.example fail' -- \
    "$NJ" explain -r "$T/host.rules" a.evil.example:443
expect explain-answer-needs-name 2 '--answer judges an answer of a name' -- \
    "$NJ" explain -r "$T/host.rules" --answer 1.2.3.4 10.0.0.1:443
# host rules under --supervise: run, not refused (the DNS relay sees the lookups; relay.sh);
# a static program, so that no preload (an ASan build's) loads into it
if command -v busybox >/dev/null 2>&1 && ! readelf -l "$(command -v busybox)" 2>/dev/null | grep -q INTERP; then
	expect run-supervise-host-rules 0 '' -- \
	    "$NJ" run -r "$T/host.rules" --supervise -- "$(command -v busybox)" true
fi
expect check-bad-hostbits 1 "bad.rules:2:7: error: host bits set in 10.0.0.1/8; did you mean 10.0.0.0/8 (the network) or 10.0.0.1/32" -- "$NJ" check "$T/bad.rules"
expect check-bad-port 1 'bad.rules:3:24: error: expected a port number (1-65535), got "https"' -- "$NJ" check "$T/bad.rules"
expect check-bad-count 1 'invalid: 2 errors' -- "$NJ" check "$T/bad.rules"
expect check-dup 0 'warn.rules:2:1: warning: duplicate rule: "allow any" is already on line 1' -- "$NJ" check "$T/warn.rules"
expect check-useless 0 'warn.rules:3:1: warning: "allow 10.1.0.0/16" never allows anything' -- "$NJ" check "$T/warn.rules"
expect check-empty 0 'no allow rules' -- "$NJ" check "$T/empty.rules"
expect check-world-writable 0 'world-writable' -- "$NJ" check "$T/ww.rules"
expect check-missing 1 'cannot open: No such file' -- "$NJ" check "$T/nope.rules"
expect check-dir 1 'not a regular file' -- "$NJ" check "$T/dir.rules"
expect check-fifo 1 'not a regular file' -- timeout 5 "$NJ" check "$T/fifo.rules"
expect check-huge 1 'larger than the limit' -- "$NJ" check "$T/huge.rules"
expect check-usage 2 'usage' -- "$NJ" check
expect no-command 2 'usage' -- "$NJ"
expect bad-command 2 'unknown command' -- "$NJ" frobnicate

# explain: exit 0 allowed, 1 denied, 2 usage or rules error
expect explain-allow 0 'allow @public' -- "$NJ" explain -r "$T/good.rules" tcp 8.8.8.8:443
expect explain-db 0 'allow tcp 10.1.2.3 port 5432' -- "$NJ" explain -r "$T/good.rules" tcp 10.1.2.3:5432
expect explain-db-udp 1 'no allow rule matches; to allow it: allow udp 10.1.2.3 port 5432' -- "$NJ" explain -r "$T/good.rules" udp 10.1.2.3:5432
expect explain-metadata 1 'block @metadata (.*good.rules:4)' -- "$NJ" explain -r "$T/good.rules" 169.254.169.254:80
expect explain-v6 0 '^allow: tcp \[2606:4700::1111\]:443' -- "$NJ" explain -r "$T/good.rules" '[2606:4700::1111]:443'
expect explain-mapped 1 'to allow it: allow tcp 127.0.0.1 port 80' -- "$NJ" explain -r "$T/good.rules" '[::ffff:127.0.0.1]:80'
expect explain-unspecified 1 'stands for 2 addresses' -- "$NJ" explain -r "$T/crlf.rules" 0.0.0.0:80
# each address is judged alone: 0.0.0.0 itself is allowed, the 127.0.0.1 it stands for is not
printf 'allow any\nblock 127.0.0.0/8\n' > "$T/lo8.rules"
expect explain-unspecified-itself 1 '^  0\.0\.0\.0: allow$' -- "$NJ" explain -r "$T/lo8.rules" 0.0.0.0:80
expect explain-unspecified-loopback 1 '^  127\.0\.0\.1: deny$' -- "$NJ" explain -r "$T/lo8.rules" 0.0.0.0:80
expect explain-nat64-itself 1 '^  64:ff9b::7f00:1: allow$' -- "$NJ" explain -r "$T/lo8.rules" '[64:ff9b::7f00:1]:80'
expect explain-nat64 1 '169.254.169.254: deny' -- "$NJ" explain -r "$T/good.rules" '[64:ff9b::a9fe:a9fe]:80'
expect explain-nat64-public 0 '8.8.8.8: allow' -- "$NJ" explain -r "$T/good.rules" '[64:ff9b::808:808]:80'
expect explain-unix 1 'to allow it: allow unix /run/x.sock' -- "$NJ" explain -r "$T/good.rules" unix:/run/x.sock
# sockets judged whole when they are made: raw IP (family raw) and packet sockets
printf 'allow any\nallow family raw\nblock family packet\n' > "$T/raw.rules"
expect check-family-raw 0 'valid: 3 rules (2 allow, 1 block)' -- "$NJ" check "$T/raw.rules"
printf 'allow raw\n' > "$T/raw-alone.rules"
expect check-raw-alone 1 'raw-alone.rules:1:7: error: raw IP sockets are a family target; write family raw: "raw"' -- "$NJ" check "$T/raw-alone.rules"
expect explain-family-raw 0 '^  allow family raw (.*raw.rules:2)$' -- "$NJ" explain -r "$T/raw.rules" family:raw
expect explain-family-raw-any 1 'no allow rule matches; to allow it: allow family raw' -- "$NJ" explain -r "$T/good.rules" family:raw
expect explain-family-packet 1 'block family packet (.*raw.rules:3)  <- decides' -- "$NJ" explain -r "$T/raw.rules" family:packet
expect explain-family-line 1 '^deny: family packet$' -- "$NJ" explain -r "$T/raw.rules" family:packet
expect explain-family-bad 2 'invalid family destination' -- "$NJ" explain -r "$T/raw.rules" family:inet
expect explain-default 1 'built-in default policy' -- "$NJ" explain 127.0.0.1:80
expect explain-default-public 0 'allow @public' -- "$NJ" explain 1.1.1.1:443
expect explain-bad-rules 2 'host bits' -- "$NJ" explain -r "$T/bad.rules" 1.1.1.1:80
expect explain-bad-dest 2 'invalid destination' -- "$NJ" explain -r "$T/good.rules" 127.1:80
expect explain-bad-port 2 'invalid destination' -- "$NJ" explain -r "$T/good.rules" 1.1.1.1:65536
# a name is explained by the host rules (none here: its answers meet the address rules)
expect explain-hostname 1 'none: its answers are judged by the address rules alone' -- \
    "$NJ" explain -r "$T/good.rules" localhost:80
expect explain-usage 2 'usage' -- "$NJ" explain -r "$T/good.rules"

# compile: the same decisions from a file the shim maps in one go
expect compile-good 0 'compiled to' -- "$NJ" compile "$T/good.rules" -o "$T/good.nj"
expect compile-check 0 'valid: 3 rules' -- "$NJ" check "$T/good.nj"
expect compile-explain-allow 0 'allow tcp 10.1.2.3 port 5432 (.*good.rules:3)' -- "$NJ" explain -r "$T/good.nj" tcp 10.1.2.3:5432
expect compile-explain-deny 1 'block @metadata' -- "$NJ" explain -r "$T/good.nj" 169.254.169.254:80
expect compile-bad 1 'host bits' -- "$NJ" compile "$T/bad.rules" -o "$T/bad.nj"
expect compile-compiled 1 'cannot be compiled' -- "$NJ" compile "$T/good.nj" -o "$T/again.nj"
expect compile-usage 2 'usage' -- "$NJ" compile "$T/good.rules"
head -c 100 "$T/good.nj" > "$T/cut.nj"
expect compile-truncated 1 'invalid compiled policy' -- "$NJ" check "$T/cut.nj"

# presets
expect presets-all 0 '^@metadata' -- "$NJ" presets
expect presets-one 0 '168.63.129.16/32' -- "$NJ" presets metadata
expect presets-at 0 '127.0.0.0/8' -- "$NJ" presets @loopback
expect presets-public 0 '8.0.0.0/7' -- "$NJ" presets public
expect presets-unknown 2 'unknown preset' -- "$NJ" presets nosuch

# the built-in default policy is examples/default.rules
EX=$(dirname "$0")/../../examples
for d in 8.8.8.8:443 127.0.0.1:80 169.254.169.254:80 10.0.0.1:80 '[2606:4700::1111]:443' \
    '[::1]:80' 168.63.129.16:80 '[64:ff9b::a9fe:a9fe]:80' 0.0.0.0:80; do
	a=$("$NJ" explain "$d" 2>/dev/null | sed 's/(<built-in default policy>:/(:/')
	b=$("$NJ" explain -r "$EX/default.rules" "$d" 2>/dev/null | sed 's/(.*default.rules:[0-9]*)/(:)/; s/(<built-in default policy>:/(:/')
	va=$(printf '%s' "$a" | head -1) vb=$(printf '%s' "$b" | head -1)
	if [ "$va" = "$vb" ]; then ok; else bad "default policy differs from default.rules for $d: $va / $vb"; fi
done

# every example policy is valid
# the worked CI policy: its database on the socket and on loopback, nothing else
CI=$(dirname "$0")/../../examples/ci-offline.rules
expect ci-offline-socket 0 '^allow: unix /run/postgresql/.s.PGSQL.5432' -- "$NJ" explain -r "$CI" unix:/run/postgresql/.s.PGSQL.5432
expect ci-offline-loopback 0 '^allow: tcp 127.0.0.1:5432' -- "$NJ" explain -r "$CI" 127.0.0.1:5432
expect ci-offline-v6-loopback 0 '^allow: tcp \[::1\]:5432' -- "$NJ" explain -r "$CI" '[::1]:5432'
expect ci-offline-other-port 1 '^deny: tcp 127.0.0.1:6379' -- "$NJ" explain -r "$CI" 127.0.0.1:6379
expect ci-offline-internet 1 '^deny: tcp 1.1.1.1:443' -- "$NJ" explain -r "$CI" 1.1.1.1:443
expect ci-offline-udp 1 '^deny: udp 127.0.0.1:5432' -- "$NJ" explain -r "$CI" udp 127.0.0.1:5432
expect ci-offline-other-socket 1 '^deny: unix /run/docker.sock' -- "$NJ" explain -r "$CI" unix:/run/docker.sock
for f in "$(dirname "$0")"/../../examples/*.rules; do
	[ -e "$f" ] || continue
	expect "example-$(basename "$f")" 0 ', 0 warnings$' -- "$NJ" check "$f"
	# every rule says why it is there, on its own line
	bare=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$f" | grep -v '#' || true)
	if [ -z "$bare" ]; then ok; else bad "example-$(basename "$f"): rules without a comment: $bare"; fi
done

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
