#!/bin/sh
# install.sh - `make install` into a scratch DESTDIR, then the installed files used as a user
# would: the installed netjail finds the installed shim and built-in policy, jails a program
# (a denial proved on both sides, with its allowed twin), the installed entrypoint finds the
# installed netjail beside itself, the man pages render, every example policy is valid; then
# `make uninstall` leaves nothing behind.  Twice: PREFIX=/usr/local and PREFIX=/opt/netjail.
#
# Usage: NJ_BUILD=/abs/build tests/shell/install.sh   (run by `make check-install`)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

SRC=$(cd "$(dirname "$0")/../.." && pwd)	# the top
P=$NJ_PROBE
PORT=8093

check() {	# check NAME CMD...: CMD succeeds
	name=$1
	shift
	if out=$("$@" 2>&1); then nj_ok; else nj_bad "$name"; printf '%s\n' "$out" | sed 's/^/    /'; fi
}

nj_listen "tcp:$PORT"
LO=$(nj_rules "allow tcp 127.0.0.1 port $PORT")

for prefix in /usr/local /opt/netjail; do
	D=$NJ_TMP/destdir$(echo "$prefix" | tr / _)
	I=$D$prefix
	make -s -C "$SRC" B="$NJ_BUILD" install DESTDIR="$D" PREFIX="$prefix" >/dev/null ||
	    nj_bad "make install PREFIX=$prefix"
	for f in bin/netjail bin/netjail-entrypoint lib/netjail/libnetjail.so \
	    lib/netjail/default.rules share/man/man1/netjail.1 share/man/man5/netjail.rules.5 \
	    share/man/man1/netjail-entrypoint.1 share/netjail/examples/default.rules; do
		check "$prefix: $f installed" test -s "$I/$f"
	done
	for f in include/netjail.h lib/libnetjail-rules.a lib/libnetjail-rules.so.1 \
	    lib/libnetjail-rules.so lib/pkgconfig/netjail.pc; do
		check "$prefix: $f installed" test -s "$I/$f"
	done
	# a program built the README's way against the installed library (pkg-config, with the
	# scratch DESTDIR as its sysroot), then run: it decides with the installed engine
	if cc -o "$NJ_TMP/use" "$SRC/tests/shell/clients/use-lib.c" \
	    $(PKG_CONFIG_PATH="$I/lib/pkgconfig" \
	    PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags --libs netjail) &&
	    [ "$(LD_LIBRARY_PATH="$I/lib" "$NJ_TMP/use" 127.0.0.1 8.8.8.8)" = "0 1" ]; then
		nj_ok
	else
		nj_bad "$prefix: a program built with pkg-config netjail against the installed library"
	fi
	for f in "$I"/share/netjail/examples/*.rules; do
		check "$prefix: $(basename "$f") is valid" "$I/bin/netjail" check "$f"
	done
	for m in man1/netjail.1 man5/netjail.rules.5 man1/netjail-entrypoint.1; do
		check "$prefix: $m renders" sh -c "groff -man -ww -z '$I/share/man/$m' 2>&1 | \
		    { ! grep .; }"
	done

	# the installed netjail, nothing of the build tree: its shim and policy are the installed ones
	NJ_NETJAIL=$I/bin/netjail
	nj_run_cmd "" sh -c 'echo "$LD_PRELOAD|$NETJAIL_RULES"'
	case $NJ_OUT in
	*"$I/lib/netjail/libnetjail.so|$I/lib/netjail/default.rules"*) nj_ok ;;
	*) nj_bad "$prefix: netjail run uses the installed shim and policy: $NJ_OUT" ;;
	esac
	nj_deny_cmd "$prefix: installed netjail run, default policy, denies loopback" "" \
	    "tcp 127.0.0.1 $PORT" -- "$P" connect tcp 127.0.0.1 "$PORT"
	nj_reach_cmd "$prefix: installed netjail run, an allowing rule reaches it" "$LO" \
	    "tcp 127.0.0.1 $PORT" -- "$P" connect tcp 127.0.0.1 "$PORT"

	# the installed entrypoint, started by its full path with nothing on PATH to find:
	# it takes the netjail beside it
	out=$(env -u NETJAIL_BIN NETJAIL_RULES="$LO" PATH=/usr/bin:/bin \
	    "$I/bin/netjail-entrypoint" sh -c 'echo "$LD_PRELOAD"' 2>&1)
	case $out in
	"$I/lib/netjail/libnetjail.so"*) nj_ok ;;
	*) nj_bad "$prefix: the installed entrypoint runs the installed netjail: $out" ;;
	esac

	make -s -C "$SRC" B="$NJ_BUILD" uninstall DESTDIR="$D" PREFIX="$prefix" >/dev/null ||
	    nj_bad "make uninstall PREFIX=$prefix"
	left=$(find "$D" ! -type d)
	if [ -z "$left" ]; then nj_ok; else nj_bad "$prefix: uninstall left: $left"; fi
done

# a shim directory the loader would split LD_PRELOAD at is refused before anything is installed
for bad in "/opt/net jail/lib" "/opt/net:jail/lib"; do
	D=$(mktemp -d "$NJ_TMP/dest.XXXXXX")
	if out=$(make -s -C "$SRC" B="$NJ_BUILD" install DESTDIR="$D" SHIMDIR="$bad" 2>&1); then
		nj_bad "make install SHIMDIR=$bad succeeded"
	elif ! printf '%s\n' "$out" | grep -q "holds a space or a colon"; then
		nj_bad "make install SHIMDIR=$bad: no reason given: $out"
	elif [ -n "$(find "$D" ! -type d)" ]; then
		nj_bad "make install SHIMDIR=$bad installed files before refusing"
	else
		nj_ok
	fi
done

nj_done
