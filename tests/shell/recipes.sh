#!/bin/sh
# recipes.sh - the container recipes, examples/Dockerfile.debian and examples/Dockerfile.alpine,
# run step by step without a Docker daemon (tests/shell/recipe.py): each stage's RUN and COPY
# steps in a writable copy of this machine's root, but the package installs (apt-get, apk),
# which need the image's package manager and the network; then the final image's ENTRYPOINT
# and CMD, as `docker run` starts them.  The service is denied the cloud metadata address by
# the image's policy (the client sees the denial, the listener nothing) and, with a policy
# that allows it given at run time (-e NETJAIL_RULES), reaches it.
# Alpine's CMD is busybox wget, an Alpine program this machine does not have: there the
# service is the musl probe instead (tests/probes/probe.c built with musl-gcc), the rest of
# the recipe as written.
# Runs as root in its own network and mount namespace (tests/shell/lib.sh); no traffic leaves it.
# Usage: NJ_BUILD=/abs/build NJ_MUSL=/abs/build-musl tests/shell/recipes.sh   (make check-recipes)
. "$(dirname "$0")/lib.sh"
nj_netns "$@"

SRC=$(cd "$(dirname "$0")/../.." && pwd)	# the top: the build context
R="python3 $SRC/tests/shell/recipe.py"
MP=${NJ_MUSL:-$SRC/build-musl}/tests/probes/probe
[ -x "$MP" ] || { echo "missing $MP (make check-recipes builds it)"; exit 1; }

# the images' layers on a tmpfs of the suite's own: an overlay's upper directory cannot lie on
# an overlay file system, which /tmp may be (a container's, a fresh root's)
IMG=$NJ_TMP/images
mkdir -p "$IMG" && mount -t tmpfs -o size=2g tmpfs "$IMG" || { echo "cannot mount a tmpfs on $IMG"; exit 1; }

nj_listen tcp:80
MD="tcp 169.254.169.254 80"
TWIN=$(nj_rules 'allow tcp 169.254.169.254 port 80')

# image NAME WORK: build the recipe examples/Dockerfile.NAME into WORK
image() {
	if out=$($R build "$SRC/examples/Dockerfile.$1" "$SRC" "$2" 2>&1); then
		nj_ok
		printf '%s\n' "$out" | grep -e '^skipped:' | sed "s/^/$1: /"
	else
		nj_bad "Dockerfile.$1: a step failed"
		printf '%s\n' "$out" | tail -30 | sed 's/^/    /'
		return 1
	fi
	# only package installs are passed over
	if printf '%s\n' "$out" | grep '^skipped:' | grep -v -q -E '^skipped: RUN (apt-get|apk) '; then
		nj_bad "Dockerfile.$1: a step other than a package install was skipped"
	fi
}

# nj_run_image RULES [ARG...]: the final image of $W started as docker run starts it (RULES
# "": the image's own /etc/netjail/rules; else that file, given as -e NETJAIL_RULES), with
# ARGs in place of its CMD when given; output in NJ_OUT, status in NJ_RC
nj_run_image() {
	r=$1
	shift
	set -- ${ADD:+--add "$ADD"} "$@"
	if [ -n "$r" ]; then set -- --add "$r:/run/twin.rules" --env NETJAIL_RULES=/run/twin.rules "$@"; fi
	NJ_OUT=$(timeout 60 $R run "$W" "$@" 2>&1)
	NJ_RC=$?
}

# ---- Debian: glibc ----
W=$IMG/debian
ADD=
if image debian "$W"; then
	nj__deny nj_run_image debian-metadata-denied "" "$MD" --
	nj_run_image ""
	case $NJ_OUT in *"deny connect tcp 169.254.169.254:80 (bash["*"block @metadata"*) nj_ok ;;
	*) nj_bad "debian: the deny line: $NJ_OUT" ;; esac
	nj__reach nj_run_image debian-metadata-allowed-twin "$TWIN" "$MD" --
	# the image's netjail is the one the recipe built, with its shim
	nj_run_image "" sh -c 'echo "$LD_PRELOAD"'
	[ "$NJ_OUT" = /usr/local/lib/netjail/libnetjail.so ] && nj_ok ||
	    nj_bad "debian: the image's shim: $NJ_OUT"
fi

# ---- Alpine: musl ----
W=$IMG/alpine
ADD="$MP:/opt/probe"
if image alpine "$W"; then
	nj__deny nj_run_image alpine-metadata-denied "" "$MD" -- /opt/probe connect tcp 169.254.169.254 80
	case $NJ_OUT in *"deny connect tcp 169.254.169.254:80 (probe["*"block @metadata"*) nj_ok ;;
	*) nj_bad "alpine: the deny line: $NJ_OUT" ;; esac
	nj__reach nj_run_image alpine-metadata-allowed-twin "$TWIN" "$MD" -- /opt/probe connect tcp 169.254.169.254 80
	# the image's netjail is the musl one, with the musl shim
	if readelf -l "$W/1/up/usr/local/bin/netjail" | grep -q 'ld-musl'; then nj_ok; else
		nj_bad "alpine: the image's netjail is not a musl program"; fi
	[ -s "$W/1/up/usr/local/lib/netjail/libnetjail-musl.so" ] && nj_ok ||
	    nj_bad "alpine: no libnetjail-musl.so in the image"
fi

umount "$IMG"	# (before the cleanup removes the scratch directory)
nj_done
