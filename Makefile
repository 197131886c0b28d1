# netjail - plain GNU make.
#
#   make                 build/netjail, build/libnetjail.so, the library and the default policy
#   make check           every test (installs what it needs that is missing, as root)
#   make check-SUITE     one suite: unit cli man shim exec scope snapshot learn supervise entrypoint
#                        clients api-examples hardening install bench musl recipes (ONLY=NAME)
#   make MUSL=1          build-musl/: the command and libnetjail-musl.so for musl programs
#   make install         PREFIX, BINDIR, LIBDIR, MANDIR, INCLUDEDIR, DATADIR, DESTDIR
#   make bench           the performance figures (docs/performance.md)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SHIMDIR    ?= $(LIBDIR)/netjail
DESTDIR    ?=
CC         ?= cc
CFLAGS     ?= -O2 -g
LDFLAGS    ?=

# Project flags live apart from CFLAGS so `make CFLAGS=-O0` cannot drop them.  Includes are
# written with their folder ("engine/engine.h"): the one include path is the top.
NJ_CFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wconversion -fvisibility=hidden -fPIC -fstack-protector-strong \
	-D_FORTIFY_SOURCE=2 -MMD -MP -I. -ffunction-sections -fdata-sections
NJ_LDFLAGS = -Wl,-z,relro,-z,now -Wl,--no-undefined

B := build

# make MUSL=1: the command and a shim for musl programs (libnetjail-musl.so), built into
# build-musl/ with musl-gcc (Debian's musl-tools) or, where the C library is musl itself
# (Alpine), with cc.  musl-gcc sees only musl's headers: the kernel's are linked into
# build-musl/kernel-include from the system's.  See README.md "musl".
SHIM_NAME := libnetjail.so
SHIM_MAP  := shim/libnetjail.map
ifeq ($(MUSL),1)
B         := build-musl
CC        := $(shell command -v musl-gcc 2>/dev/null || echo cc)
SHIM_NAME := libnetjail-musl.so
SHIM_MAP  := shim/libnetjail-musl.map
KINC      := $(shell printf '\043include <linux/netlink.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 || \
	echo $(B)/kernel-include)
endif

ENGINE_SRC := $(wildcard engine/*.c)
SYS_SRC    := $(wildcard sys/*.c)
LIB_SRC    := $(wildcard lib/*.c)
SHIM_SRC   := $(wildcard shim/*.c)
ifeq ($(MUSL),1)
# musl has no getaddrinfo_a (nor res_n*, execveat: shim/libnetjail-musl.map)
SHIM_SRC   := $(filter-out shim/gai_a.c,$(SHIM_SRC))
NJ_CFLAGS  := $(filter-out -D_FORTIFY_SOURCE=2,$(NJ_CFLAGS)) $(if $(KINC),-I$(KINC))
endif
CLI_SRC    := $(wildcard cli/*.c cli/learn/*.c cli/supervise/*.c)
UNIT_SRC   := $(wildcard tests/unit/*.c)
# the engine, the platform layer and the public library: one archive, one shared library
CORE_OBJ   := $(patsubst %.c,$(B)/%.o,$(ENGINE_SRC) $(SYS_SRC) $(LIB_SRC))
SHIM_OBJ   := $(SHIM_SRC:%.c=$(B)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(B)/%.o)
UNIT_OBJ   := $(UNIT_SRC:%.c=$(B)/%.o)

LIB_SONAME  := libnetjail-rules.so.1
LIB_VERSION := 0.1.0
LIB_MAP     := lib/libnetjail-rules.map

.PHONY: all check clean install install-shim uninstall deb check-deb bench fuzz fuzz-dns deps check-perf check-layers check-banned \
	check-format \
	check-exports check-lib-exports check-presets check-unit check-cli check-man check-shim \
	check-exec check-scope check-snapshot check-learn check-supervise check-entrypoint check-clients \
	check-names check-relay check-musl check-recipes install-shim \
	check-api-examples check-hardening check-install check-bench check-asan check-clang \
	check-valgrind

all: $(B)/netjail $(B)/$(SHIM_NAME) $(B)/default.rules $(B)/libnetjail-rules.a \
	$(B)/libnetjail-rules.so

$(B)/%.o: %.c | $(KINC)
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) $(NJ_CFLAGS_LAST) -c -o $@ $<

# the kernel's headers for musl-gcc, which looks only in musl's: the system's, linked
$(B)/kernel-include:
	@mkdir -p $@
	ln -sfn /usr/include/linux /usr/include/asm-generic $@/
	ln -sfn /usr/include/$$(gcc -dumpmachine)/asm $@/asm

# The code a fork child runs between fork and exec (sys/exec.c, and the shim's exec paths):
# see sys/exec.h for why it avoids jump tables (.rodata) and lazy binding.
$(SHIM_OBJ) $(B)/sys/exec.o: NJ_CFLAGS += -fno-jump-tables
$(B)/shim/init.o $(B)/sys/exec.o: NJ_CFLAGS += -fno-plt
$(B)/sys/exec.o $(B)/shim/child.o: NJ_CFLAGS_LAST = -Os

$(B)/libnetjail-rules.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/netjail: $(CLI_OBJ) $(B)/libnetjail-rules.a
	$(CC) $(NJ_CFLAGS) $(CFLAGS) $(NJ_LDFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) \
		$(B)/libnetjail-rules.a -pthread

# netjail run finds the shim beside itself (the build tree), then where `make install` puts it
$(B)/cli/run.o: NJ_CFLAGS += -DNJ_SHIMDIR='"$(SHIMDIR)"'

# The shim: the core objects linked in, only the names of the version script exported.  Its
# layout keeps start-up cheap in every process it jails (docs/performance.md; make check-perf).
SHIM_LDFLAGS = -Wl,-z,norelro,-z,lazy,-z,noseparate-code -Wl,--no-undefined
$(B)/$(SHIM_NAME): $(SHIM_OBJ) $(CORE_OBJ) $(SHIM_MAP)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -shared $(SHIM_LDFLAGS) $(LDFLAGS) \
		-nostartfiles -Wl,--gc-sections -Wl,--version-script=$(SHIM_MAP) -o $@ \
		$(SHIM_OBJ) $(CORE_OBJ) -ldl

$(B)/$(LIB_SONAME): $(CORE_OBJ) $(LIB_MAP)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -shared $(NJ_LDFLAGS) $(LDFLAGS) -Wl,--gc-sections \
		-Wl,-soname,$(LIB_SONAME) -Wl,--version-script=$(LIB_MAP) -o $@ $(CORE_OBJ)

$(B)/libnetjail-rules.so: $(B)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

# netjail run without -r points the shim at this copy of the built-in policy
$(B)/default.rules: examples/default.rules
	@mkdir -p $(dir $@)
	cp $< $@

# ---- tests ----

deps:
	@scripts/install-deps

$(B)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -Wno-conversion $$(pkg-config --cflags check) -c -o $@ $<

$(B)/tests/unit/unit: $(UNIT_OBJ) $(B)/libnetjail-rules.a
	$(CC) $(NJ_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(B)/libnetjail-rules.a \
		$$(pkg-config --libs check)

# probes: small programs the shell suites run under the jail (plain flags: test code)
PROBE_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -I. $(if $(KINC),-I$(KINC))
$(B)/tests/probes/%: tests/probes/%.c $(wildcard tests/probes/*.h) | $(KINC)
	@mkdir -p $(dir $@)
	$(CC) $(PROBE_CFLAGS) -pthread -o $@ $<

# the probe statically linked (make MUSL=1: a static musl program, for netjail run --supervise)
$(B)/tests/probes/probe-static: tests/probes/probe.c $(wildcard tests/probes/*.h) | $(KINC)
	@mkdir -p $(dir $@)
	$(CC) $(PROBE_CFLAGS) -static -pthread -o $@ $<

# an NSS module whose lookups connect to a unix socket (tests/shell/shim.sh)
$(B)/tests/nss/libnss_njtest.so.2: tests/nss/nss_njtest.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O1 -g -fPIC -shared -o $@ $<

# a library whose constructor connects before the shim's may have run
$(B)/tests/libs/libearly.so: tests/libs/early.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O1 -g -fPIC -shared -o $@ $<

# a plugin that connects, loaded past the preload (tests/shell/supervise.sh)
$(B)/tests/libs/libplugin.so: tests/libs/plugin.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O1 -g -fPIC -shared -o $@ $<

# the examples, built against build/ as a user builds against the installed library (the
# pkg-config path itself is tried by tests/shell/api-examples.sh); found at run time beside us
EXAMPLES := $(B)/examples/webhook-sender
$(B)/examples/%: examples/%.c $(B)/libnetjail-rules.so
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) -Ilib $(CFLAGS) $(NJ_LDFLAGS) $(LDFLAGS) -o $@ $< -L$(B) -lnetjail-rules \
		-Wl,-rpath,'$$ORIGIN/..'

PROBES := $(patsubst tests/probes/%.c,$(B)/tests/probes/%,$(wildcard tests/probes/*.c)) \
	$(B)/tests/nss/libnss_njtest.so.2 $(B)/tests/libs/libearly.so \
	$(B)/tests/libs/libplugin.so

check: deps
	$(MAKE) check-presets check-banned check-format
	$(MAKE) all $(B)/tests/unit/unit $(PROBES) $(EXAMPLES)
	$(MAKE) check-layers check-exports check-lib-exports check-unit check-cli check-man \
		check-shim check-exec check-scope check-snapshot check-learn check-supervise check-entrypoint \
		check-clients check-names check-relay check-api-examples check-hardening check-install check-bench \
		check-musl check-recipes

# what the folders promise: the engine makes no system call, and no layer includes one above it
check-layers: $(ENGINE_SRC:%.c=$(B)/%.o)
	@scripts/check-layers $^

check-banned:
	@scripts/check-banned

# the style: .clang-format (scripts/check-format --fix applies it)
check-format:
	@scripts/check-format

check-presets:
	@mkdir -p $(B)
	@scripts/gen-presets data/presets.tsv > $(B)/presets_table.h.new
	@cmp -s $(B)/presets_table.h.new engine/presets_table.h || \
		{ echo "engine/presets_table.h is stale: run scripts/gen-presets data/presets.tsv > engine/presets_table.h"; exit 1; }
	@echo "presets table matches data/presets.tsv"

check-exports: $(B)/$(SHIM_NAME)
	scripts/check-exports $(B)/$(SHIM_NAME) $(SHIM_MAP)

# exactly the map's names exported, and the map names every function of netjail.h but the
# scopes (libnetjail.so's)
check-lib-exports: $(B)/libnetjail-rules.so
	scripts/check-exports $(B)/$(LIB_SONAME) $(LIB_MAP)
	@h=$$(grep -o 'netjail_[a-z_]*(' lib/netjail.h | tr -d '(' | grep -v '^netjail_scope_' | sort -u); \
	m=$$(grep -o 'netjail_[a-z_]*;' $(LIB_MAP) | tr -d ';' | sort); \
	[ "$$h" = "$$m" ] || { echo "check-lib-exports: $(LIB_MAP) and lib/netjail.h disagree"; exit 1; }

check-unit: $(B)/tests/unit/unit
	cd tests/unit && ../../$(B)/tests/unit/unit

check-cli: $(B)/netjail
	tests/shell/cli.sh $(B)/netjail

check-man: $(B)/netjail
	NJ_BUILD=$(CURDIR)/$(B) tests/shell/man.sh

# The suites that resolve names run twice: with a stock hosts file (localhost on 127.0.0.1 and
# ::1) and with one that lacks "::1 localhost" (tests/shell/lib.sh, nj_etc).
NJ_HOSTS_FILES = stock v4
suite    = NJ_BUILD=$(CURDIR)/$(B) NJ_ONLY='$(ONLY)' tests/shell/$(1).sh
resolving = rc=0; for h in $(NJ_HOSTS_FILES); do NJ_HOSTS=$$h $(call suite,$(1)) || rc=1; \
	done; exit $$rc

check-shim: all $(PROBES)
	@$(call resolving,shim)
check-exec: all $(PROBES)
	@$(call suite,exec)
check-scope: all $(PROBES)
	@$(call resolving,scope)
check-snapshot: all $(PROBES)
	@$(call suite,snapshot)
check-learn: all $(PROBES)
	@$(call resolving,learn)
# netjail run --supervise: static, inline-assembly, Go and busybox-static programs
check-supervise: all $(PROBES)
	@$(call suite,supervise)
check-entrypoint: all $(PROBES)
	@$(call suite,entrypoint)
check-clients: all $(PROBES)
	@$(call resolving,clients)
check-names: all $(PROBES)
	@$(call suite,names)
# the DNS relay of netjail run --supervise (SPEC.md §8a): static Go, busybox, node, glibc
check-relay: all $(PROBES)
	@$(call suite,relay)
check-api-examples: all $(EXAMPLES)
	@$(call suite,api-examples)
check-hardening: all $(PROBES)
	@$(call resolving,hardening)
check-install: all $(PROBES)
	@$(call suite,install)
# musl (README.md "musl"): make MUSL=1 builds build-musl/ (the command, libnetjail-musl.so and
# musl probes), then tests/shell/musl.sh jails musl programs and trees mixing both C
# libraries.  Where musl-gcc cannot be had (scripts/install-deps installs musl-tools as root
# on Debian) it says so and passes over the suite.
MUSL_PROBES = build-musl/tests/probes/probe build-musl/tests/probes/exec-child \
	build-musl/tests/probes/probe-static
check-musl: all $(PROBES)
	@if ! command -v musl-gcc >/dev/null 2>&1; then \
		echo "check-musl: SKIPPED: no musl-gcc (apt-get install musl-tools)"; exit 0; fi; \
	$(MAKE) --no-print-directory -s MUSL=1 all $(MUSL_PROBES) && \
	export NJ_MUSL=$(CURDIR)/build-musl && $(call resolving,musl)

# the container recipes, examples/Dockerfile.debian and .alpine, step by step without a Docker
# daemon (tests/shell/recipes.sh): their builds, their images' netjail, the service denied and
# its allowed twin.  The Alpine one needs musl-gcc, as check-musl does.
check-recipes: all $(PROBES)
	@if ! command -v musl-gcc >/dev/null 2>&1; then \
		echo "check-recipes: SKIPPED: no musl-gcc (apt-get install musl-tools)"; exit 0; fi; \
	$(MAKE) --no-print-directory -s MUSL=1 build-musl/tests/probes/probe && \
	export NJ_MUSL=$(CURDIR)/build-musl && $(call suite,recipes)

# the Debian packages, installed into this machine's /usr and purged (tests/shell/deb.sh): not
# part of check; run it in a fresh Debian root
check-deb: all $(PROBES)
	@scripts/install-deps dpkg-dev lintian
	@$(call suite,deb)

# ASan + UBSan: the unit suite, the command and the shim suite, built instrumented in
# build-asan/.  The instrumented shim brings libasan in as its dependency, after itself in
# the library list, which ASan accepts with verify_asan_link_order=0.  (The exec suite is
# not run: its children scrub the environment, ASAN_OPTIONS with it.)
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
check-asan: deps
	$(MAKE) B=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		all build-asan/tests/unit/unit $(subst $(B)/,build-asan/,$(PROBES))
	cd tests/unit && ../../build-asan/tests/unit/unit
	tests/shell/cli.sh build-asan/netjail
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0:abort_on_error=1 \
		NJ_BUILD=$(CURDIR)/build-asan tests/shell/shim.sh

# the same sources, warning-free under clang too (-Werror is in the project flags)
check-clang:
	$(MAKE) B=build-clang CC=clang all build-clang/tests/unit/unit
	@echo "clang: built warning-free"

# memcheck, errors fatal: the unit suite (in one process: CK_FORK=no), each interposed path,
# and the whole shim suite with every probe under memcheck
check-valgrind: $(B)/tests/unit/unit all $(PROBES)
	cd tests/unit && CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite ../../$(B)/tests/unit/unit
	NJ_BUILD=$(CURDIR)/$(B) tests/shell/valgrind.sh
	NJ_VALGRIND=1 NJ_BUILD=$(CURDIR)/$(B) tests/shell/shim.sh

# ---- performance ----

$(B)/bench/rules-bench: scripts/rules-bench.c $(B)/libnetjail-rules.a
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -o $@ $< $(B)/libnetjail-rules.a

$(B)/bench/shim-bench: scripts/shim-bench.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -o $@ $<

# The shim's start-up layout, which the bench figures depend on (docs/performance.md): a
# constraint of gcc -O2 builds, checked here and by make bench, not by make check.
check-perf: $(B)/libnetjail.so
	scripts/check-layout $(B)/libnetjail.so

bench: all $(B)/bench/rules-bench $(B)/bench/shim-bench
	-@$(MAKE) --no-print-directory check-perf
	B=$(B) scripts/bench

# every step of make bench on tiny workloads, so the bench cannot break unnoticed (its
# figures mean nothing; nothing is timed or asserted but that each step runs)
check-bench: all $(B)/bench/rules-bench $(B)/bench/shim-bench
	@B=$(B) NJ_BENCH_SMOKE=1 scripts/bench > $(B)/bench-smoke.log 2>&1 || \
		{ cat $(B)/bench-smoke.log; echo "make bench is broken (above)"; exit 1; }
	@echo "bench: every step runs ($(B)/bench-smoke.log)"

# ---- fuzzing: `make fuzz` (FUZZ_SECONDS=N make fuzz runs for N seconds; scripts/fuzz) ----
# The engine and the platform layer (the fuzzer round-trips compiled files) compiled again with
# clang, libFuzzer and the sanitizers: not the archive.
FUZZ_CC     ?= clang
FUZZ_CFLAGS ?= -O1 -g
FUZZ_SECONDS ?= 60
FUZZ_JOBS   ?= 1
$(B)/fuzz/fuzz_rules: tests/fuzz/fuzz_rules.c $(ENGINE_SRC) $(SYS_SRC) $(wildcard engine/*.h sys/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -I. -Wall -Wextra $(FUZZ_CFLAGS) \
		-fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz_rules.c $(ENGINE_SRC) $(SYS_SRC)

fuzz: $(B)/fuzz/fuzz_rules
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz $(B)/fuzz/fuzz_rules

# the DNS messages of the supervisor's relay (engine/dns.c), seeds in tests/fuzz/corpus-dns/
$(B)/fuzz/fuzz_dns: tests/fuzz/fuzz_dns.c engine/dns.c $(wildcard engine/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -I. -Wall -Wextra $(FUZZ_CFLAGS) \
		-fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz_dns.c engine/dns.c

fuzz-dns: $(B)/fuzz/fuzz_dns
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_CORPUS=tests/fuzz/corpus-dns \
		scripts/fuzz $(B)/fuzz/fuzz_dns

# ---- install ----

# only the shim (and the default policy beside it): `make MUSL=1 install-shim` after
# `make install` puts musl's shim beside glibc's, for a tree whose programs come from both
install-shim: $(B)/$(SHIM_NAME) $(B)/default.rules
	@case '$(SHIMDIR)' in *[[:space:]:]*) echo "make install: SHIMDIR ($(SHIMDIR)) holds a space or a" \
		"colon (or other white space), where the loader splits LD_PRELOAD: the shim could" \
		"not be loaded from it" >&2; exit 1 ;; esac
	install -d $(DESTDIR)$(SHIMDIR)
	install -m 0755 $(B)/$(SHIM_NAME) $(DESTDIR)$(SHIMDIR)/$(SHIM_NAME)
	install -m 0644 $(B)/default.rules $(DESTDIR)$(SHIMDIR)/default.rules

install: all install-shim
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(DATADIR)/netjail/examples \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(B)/netjail $(DESTDIR)$(BINDIR)/netjail
	install -m 0755 scripts/netjail-entrypoint $(DESTDIR)$(BINDIR)/netjail-entrypoint
	install -m 0644 man/netjail.1 $(DESTDIR)$(MANDIR)/man1/netjail.1
	install -m 0644 man/netjail.rules.5 $(DESTDIR)$(MANDIR)/man5/netjail.rules.5
	install -m 0644 man/netjail-entrypoint.1 $(DESTDIR)$(MANDIR)/man1/netjail-entrypoint.1
	install -m 0644 examples/*.rules $(DESTDIR)$(DATADIR)/netjail/examples/
	install -m 0644 lib/netjail.h $(DESTDIR)$(INCLUDEDIR)/netjail.h
	install -m 0644 $(B)/libnetjail-rules.a $(DESTDIR)$(LIBDIR)/libnetjail-rules.a
	install -m 0755 $(B)/$(LIB_SONAME) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libnetjail-rules.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
		lib/netjail.pc.in > $(B)/netjail.pc
	install -m 0644 $(B)/netjail.pc $(DESTDIR)$(LIBDIR)/pkgconfig/netjail.pc

# the Debian packages, into build/deb/ (scripts/deb; needs dpkg-dev)
deb:
	scripts/deb $(LIB_VERSION) $(LIB_SONAME)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/netjail $(DESTDIR)$(BINDIR)/netjail-entrypoint \
		$(DESTDIR)$(MANDIR)/man1/netjail.1 $(DESTDIR)$(MANDIR)/man5/netjail.rules.5 \
		$(DESTDIR)$(MANDIR)/man1/netjail-entrypoint.1 $(DESTDIR)$(INCLUDEDIR)/netjail.h \
		$(DESTDIR)$(LIBDIR)/libnetjail-rules.a $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
		$(DESTDIR)$(LIBDIR)/libnetjail-rules.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/netjail.pc
	rm -rf $(DESTDIR)$(SHIMDIR) $(DESTDIR)$(DATADIR)/netjail

clean:
	rm -rf $(B) build-asan build-clang build-musl

-include $(shell find $(B) -name '*.d' 2>/dev/null)
