#!/bin/sh
# deb.sh - the Debian packages (make deb, scripts/deb): built, checked with lintian (no error,
# no warning but those docs/design.md justifies), installed with dpkg, used as a user would
# (netjail run finds the packaged shim; curl to the cloud metadata address is denied with the
# listener silent, and reaches it under a rule that allows it; the examples validate; the man
# pages open; a program builds with pkg-config against the -dev package), then purged: nothing
# of them is left.  It installs into this machine's /usr, so it is not part of `make check`:
# run it in a fresh Debian root (`../shared/tools/newcomer.sh "$PWD" 'make check-deb'`) or on
# a machine where that is wanted.  Root only.
#
# Usage: NJ_BUILD=/abs/build tests/shell/deb.sh   (run by `make check-deb`)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
PKGS="netjail libnetjail-rules1 libnetjail-rules-dev"
# the lintian warnings docs/design.md ("The Debian packages") justifies
JUSTIFIED='hardening-no-relro \[usr/lib/'"$MA"'/netjail/libnetjail.so\]|initial-upload-closes-no-bugs'

check() {	# check NAME CMD...: CMD succeeds
	name=$1
	shift
	if out=$("$@" 2>&1); then nj_ok; else nj_bad "$name"; printf '%s\n' "$out" | sed 's/^/    /'; fi
}

for p in $PKGS; do
	if dpkg -s "$p" >/dev/null 2>&1; then
		echo "deb: $p is installed already: this suite installs and purges it; remove it first"
		exit 1
	fi
done
debs=$(cd "$SRC" && make -s deb) || { nj_bad "make deb"; nj_done; }
lint=$(lintian $debs 2>&1 | grep -v 'running with root privileges')
if printf '%s\n' "$lint" | grep -q '^E:'; then
	nj_bad "lintian: errors"
	printf '%s\n' "$lint" | sed 's/^/    /'
elif printf '%s\n' "$lint" | grep '^W:' | grep -Ev "$JUSTIFIED" | grep -q .; then
	nj_bad "lintian: warnings docs/design.md does not justify"
	printf '%s\n' "$lint" | grep '^W:' | grep -Ev "$JUSTIFIED" | sed 's/^/    /'
else
	nj_ok
fi
# every file the packages hold, for the check that purging leaves none
for d in $debs; do dpkg-deb -c "$d"; done | awk '{ print substr($6, 2) }' | sort -u > "$NJ_TMP/files"

check "dpkg -i" dpkg -i $debs
NJ_NETJAIL=/usr/bin/netjail
check "netjail is /usr/bin/netjail" test "$(command -v netjail)" = /usr/bin/netjail
nj_run_cmd "" sh -c 'echo "$LD_PRELOAD"'
case $(printf '%s\n' "$NJ_OUT" | tail -1) in
"/usr/lib/$MA/netjail/libnetjail.so") nj_ok ;;
*) nj_bad "netjail run preloads something other than the packaged shim" ;;
esac

# the README's first command, against the cloud metadata address (here: our own listener)
nj_listen tcp:80
META="tcp 169.254.169.254 80"
if have curl; then
	nj_deny_cmd curl-metadata "" "$META" -- curl -sS -m 5 http://169.254.169.254/
	nj_reach_cmd curl-metadata-twin "$(nj_rules 'allow tcp 169.254.169.254 port 80')" "$META" -- \
	    curl -sS -m 5 -o /dev/null http://169.254.169.254/
else
	nj_bad "curl is not installed (scripts/install-deps installs it)"
fi
for f in /usr/share/netjail/examples/*.rules; do
	check "$(basename "$f") is valid" netjail check "$f"
done
for m in man1/netjail.1 man1/netjail-entrypoint.1 man5/netjail.rules.5; do
	if command -v man >/dev/null 2>&1; then
		check "man $m opens" sh -c "man -l /usr/share/man/$m.gz >/dev/null"
	else
		check "$m renders" sh -c "zcat /usr/share/man/$m.gz | groff -man -ww -z 2>&1 | { ! grep .; }"
	fi
done
if cc -o "$NJ_TMP/use" "$SRC/tests/shell/clients/use-lib.c" $(pkg-config --cflags --libs netjail) &&
    [ "$("$NJ_TMP/use" 169.254.169.254 8.8.8.8)" = "0 1" ]; then
	nj_ok
else
	nj_bad "a program built with pkg-config netjail against the packages"
fi

check "dpkg -P" dpkg -P $PKGS
left=$(while read -r f; do [ -e "$f" ] && ! [ -d "$f" ] && echo "$f"; done < "$NJ_TMP/files")
for d in "/usr/lib/$MA/netjail" /usr/share/netjail /usr/share/doc/netjail; do
	[ -e "$d" ] && left="$left $d"
done
if [ -n "$left" ]; then nj_bad "dpkg -P left: $left"; else nj_ok; fi
nj_done
