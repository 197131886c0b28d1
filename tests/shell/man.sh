#!/bin/sh
# man.sh - the manual pages render without a warning, netjail.1 documents every command the
# built netjail knows, and netjail.rules.5 every preset it lists.
# Usage: tests/shell/man.sh [BUILD-DIR]     (or NJ_BUILD=BUILD-DIR; default: build/ beside tests/)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-${NJ_BUILD:-$TOP/build}}
NJ=$(cd "$B" && pwd)/netjail
MAN=$TOP/man
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if ! command -v groff >/dev/null 2>&1; then
	echo "man: groff not found"; exit 1
fi
if [ ! -x "$NJ" ]; then
	echo "man: $NJ not built"; exit 1
fi

# The page source with its escapes for hyphens, fonts and zero-width marks taken out, so
# names can be looked for as they are typed.
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\%//g' -e 's/\\c$//' "$1"
}

# 1. Every page renders warning-free (-ww: all warnings), for print and for a terminal.
for page in "$MAN/netjail.1" "$MAN/netjail.rules.5" "$MAN/netjail-entrypoint.1"; do
	for dev in ps utf8; do
		out=$(groff -man -ww -z -T"$dev" "$page" 2>&1)
		rc=$?
		if [ "$rc" = 0 ] && [ -z "$out" ]; then
			ok
		else
			bad "$(basename "$page") (-T$dev): exit $rc"
			printf '%s\n' "$out" | sed 's/^/    /'
		fi
	done
done

# 2. Every command in the usage text of the built netjail has its own section in netjail.1
#    and a line in its synopsis.
cmds=$("$NJ" --help | sed -n 's/^\(usage:\)\{0,1\} *netjail \([a-z][a-z-]*\).*/\2/p' | sort -u)
if [ -z "$cmds" ]; then
	bad "netjail --help names no commands"
fi
for c in $cmds; do
	if plain "$MAN/netjail.1" | grep -Eq "^\.SS \"?netjail $c( |\"|\$)"; then
		ok
	else
		bad "netjail.1 has no section for \"netjail $c\""
	fi
	if plain "$MAN/netjail.1" | sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' | grep -q "^\.B netjail $c\$"; then
		ok
	else
		bad "netjail.1 synopsis lacks \"netjail $c\""
	fi
done

# 3. Every preset the built netjail lists is described in netjail.rules.5 (as a .B @NAME
#    entry of PRESETS) and named in the rendered page.
presets=$("$NJ" presets | sed -n 's/^@\([a-z0-9-]*\)$/\1/p')
if [ -z "$presets" ]; then
	bad "netjail presets lists no presets"
fi
text=$(GROFF_NO_SGR=1 groff -man -Tutf8 -P-c -P-b -P-u "$MAN/netjail.rules.5" 2>/dev/null)
for p in $presets; do
	if plain "$MAN/netjail.rules.5" | sed -n '/^\.SH PRESETS/,/^\.SH /p' | grep -q "^\.B @$p\$"; then
		ok
	else
		bad "netjail.rules.5 PRESETS has no entry for @$p"
	fi
	if printf '%s\n' "$text" | grep -Eq -- "@$p([^a-z0-9-]|\$)"; then
		ok
	else
		bad "rendered netjail.rules.5 does not name @$p"
	fi
done

echo "man: $pass passed, $fail failed"
[ "$fail" = 0 ]
