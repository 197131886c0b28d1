# netjail - plain GNU make.  `make` builds build/netjail (and build/libnetjail.so once the shim
# exists); `make check` runs every test; `make bench` prints the performance figures.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=

# Project flags live apart from CFLAGS so `make CFLAGS=-O0` cannot drop them.
NJ_CFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wconversion -fvisibility=hidden -fPIC -fstack-protector-strong \
	-D_FORTIFY_SOURCE=2 -MMD -MP -Irules -ffunction-sections -fdata-sections
NJ_LDFLAGS = -Wl,-z,relro,-z,now -Wl,--no-undefined

B := build

RULES_SRC := $(wildcard rules/*.c)
RULES_OBJ := $(RULES_SRC:%.c=$(B)/%.o)
SHIM_SRC  := $(wildcard shim/*.c)
SHIM_OBJ  := $(SHIM_SRC:%.c=$(B)/%.o)
CLI_SRC   := $(wildcard cli/*.c)
CLI_OBJ   := $(CLI_SRC:%.c=$(B)/%.o)
TEST_SRC  := $(wildcard tests/*.c)
TEST_OBJ  := $(TEST_SRC:%.c=$(B)/%.o)

.PHONY: all check check-unit check-cli check-presets check-exports check-shim check-exec check-clients \
	check-banned check-hardening check-install check-man check-entrypoint check-scope check-learn check-supervise check-asan check-valgrind check-clang fuzz bench clean \
	install uninstall deps

all: $(B)/netjail $(B)/libnetjail.so $(B)/default.rules

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) $(NJ_CFLAGS_LAST) -c -o $@ $<

# What runs in a fork child between fork and exec (the exec wrappers and the jailability
# check) must not read .rodata: the child has none of the shim's read-only pages mapped, and
# each one it touches is a page fault in every fork + exec.  A switch's jump table is .rodata.
$(SHIM_OBJ) $(B)/rules/jailable.o: NJ_CFLAGS += -fno-jump-tables
# The constructor's calls into libc (getauxval, strlen, dlsym, dladdr...) go through the GOT,
# bound when the shim loads, not through the PLT: in a program that binds everything at load
# (Debian builds with -z now) they were the only lazy bindings, so every jailed process ran
# the lazy resolver just for them.  Measured with NJ_CHILD_CODE (rules.h), in one run:
# 0.1-0.5% off a fork + exec.
$(B)/shim/init.o $(B)/rules/jailable.o: NJ_CFLAGS += -fno-plt
# The jailability check (ELF headers, notes, #! scripts) is the bulk of the fork-child code:
# built for size, so that with the exec wrappers it fits one page (scripts/check-layout).  Its
# time is its system calls'.
$(B)/rules/jailable.o: NJ_CFLAGS_LAST = -Os

$(B)/libnjrules.a: $(RULES_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/netjail: $(CLI_OBJ) $(B)/libnjrules.a
	$(CC) $(NJ_CFLAGS) $(CFLAGS) $(NJ_LDFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libnjrules.a -pthread

# The shim: the rules objects linked in, only the names of the version script exported.
# It is loaded into every process it jails, so its layout is chosen for start-up cost (each
# page fault counts; README "Performance"): code and read-only data in one segment, all its
# writable data in one page (no RELRO: that would split it in two), functions bound on first
# call rather than all at load.  scripts/check-layout keeps it so.
SHIM_LDFLAGS = -Wl,-z,norelro,-z,lazy,-z,noseparate-code -Wl,--no-undefined
$(B)/libnetjail.so: $(SHIM_OBJ) $(RULES_OBJ) shim/libnetjail.map
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -shared $(SHIM_LDFLAGS) $(LDFLAGS) \
		-nostartfiles -Wl,--gc-sections -Wl,--version-script=shim/libnetjail.map -o $@ $(SHIM_OBJ) $(RULES_OBJ) -ldl

# netjail run without -r points the shim at this copy of the built-in policy
$(B)/default.rules: rules/examples/default.rules
	@mkdir -p $(dir $@)
	cp $< $@

# ---- tests ----

deps:
	@scripts/install-deps

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -Wno-conversion $$(pkg-config --cflags check) -c -o $@ $<

$(B)/tests/unit: $(TEST_OBJ) $(B)/libnjrules.a
	$(CC) $(NJ_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(B)/libnjrules.a \
		$$(pkg-config --libs check)

# probes: small programs the shim tests run under LD_PRELOAD (plain flags: test code)
$(B)/tests/probes/%: tests/probes/%.c $(wildcard tests/probes/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -Irules -pthread -o $@ $<

# an NSS module whose lookups connect to a unix socket (tests/shim.sh)
$(B)/tests/nss/libnss_njtest.so.2: tests/nss/nss_njtest.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O1 -g -fPIC -shared -o $@ $<

# a library whose constructor connects before the shim's may have run
$(B)/tests/libs/libearly.so: tests/libs/early.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O1 -g -fPIC -shared -o $@ $<

PROBES := $(patsubst tests/probes/%.c,$(B)/tests/probes/%,$(wildcard tests/probes/*.c)) \
	$(B)/tests/nss/libnss_njtest.so.2 $(B)/tests/libs/libearly.so

check: deps
	$(MAKE) check-presets
	$(MAKE) all $(B)/tests/unit $(PROBES)
	$(MAKE) check-banned check-exports check-lib-exports check-unit check-cli check-man \
		check-shim check-exec check-scope check-learn check-supervise check-entrypoint \
		check-clients check-api-examples \
		check-hardening check-install check-bench

check-banned:
	scripts/check-banned

check-exports: $(B)/libnetjail.so
	scripts/check-exports $(B)/libnetjail.so shim/libnetjail.map
	scripts/check-layout $(B)/libnetjail.so

# The suites that resolve names run twice: with a stock hosts file (localhost on 127.0.0.1 and
# ::1) and with one that lacks "::1 localhost" (tests/lib.sh, nj_etc), and pass both times.
NJ_HOSTS_FILES = stock v4
resolving = rc=0; for h in $(NJ_HOSTS_FILES); do \
	NJ_HOSTS=$$h NJ_BUILD=$(CURDIR)/$(B) $(1) || rc=1; done; exit $$rc

check-shim: all $(PROBES)
	@$(call resolving,tests/shim.sh)

check-exec: all $(PROBES)
	NJ_BUILD=$(CURDIR)/$(B) tests/exec.sh

check-hardening: all $(PROBES)
	@$(call resolving,tests/hardening.sh)

check-clients: all $(PROBES)
	@$(call resolving,tests/clients.sh)

check-presets:
	@scripts/gen-presets data/presets.tsv > $(B)/presets_table.h.new 2>/dev/null || \
		{ mkdir -p $(B) && scripts/gen-presets data/presets.tsv > $(B)/presets_table.h.new; }
	@cmp -s $(B)/presets_table.h.new rules/presets_table.h || \
		{ echo "rules/presets_table.h is stale: run scripts/gen-presets data/presets.tsv > rules/presets_table.h"; exit 1; }
	@echo "presets table matches data/presets.tsv"

check-unit: $(B)/tests/unit
	cd tests && ../$(B)/tests/unit

check-cli: $(B)/netjail
	tests/cli.sh $(B)/netjail

check-man: $(B)/netjail
	NJ_BUILD=$(CURDIR)/$(B) tests/man.sh

check-learn: all $(PROBES)
	@$(call resolving,tests/learn.sh)

check-scope: all $(PROBES)
	@$(call resolving,tests/scope.sh)

# netjail run --supervise: static, inline-assembly, Go and busybox-static programs (tests/supervise.sh)
check-supervise: all $(PROBES)
	NJ_BUILD=$(CURDIR)/$(B) tests/supervise.sh

check-entrypoint: all $(PROBES)
	NJ_BUILD=$(CURDIR)/$(B) tests/entrypoint.sh

# ASan + UBSan: the unit suite, the command and the shim suites, all built instrumented in
# build-asan/.  The instrumented shim brings libasan in as its dependency, after itself in
# the library list, which ASan accepts with verify_asan_link_order=0.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
check-asan: deps
	$(MAKE) B=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		all build-asan/tests/unit $(subst $(B)/,build-asan/,$(PROBES))
	cd tests && ../build-asan/tests/unit
	tests/cli.sh build-asan/netjail
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0:abort_on_error=1 \
		NJ_BUILD=$(CURDIR)/build-asan tests/shim.sh
# (tests/exec.sh is not run here: its children scrub the environment, ASAN_OPTIONS with it,
# and an instrumented shim cannot start without it)

# the same sources, warning-free under clang too (-Werror is in the project flags)
check-clang:
	$(MAKE) B=build-clang CC=clang all build-clang/tests/unit
	@echo "clang: built warning-free"

# memcheck, errors fatal: the unit suite (in one process: CK_FORK=no), each interposed path,
# and the whole shim suite with every probe under memcheck
check-valgrind: $(B)/tests/unit all $(PROBES)
	cd tests && CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite ../$(B)/tests/unit
	NJ_BUILD=$(CURDIR)/$(B) tests/valgrind.sh
	NJ_VALGRIND=1 NJ_BUILD=$(CURDIR)/$(B) tests/shim.sh

# ---- benchmarks ----

$(B)/bench/rules-bench: scripts/rules-bench.c $(B)/libnjrules.a
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -o $@ $< $(B)/libnjrules.a

$(B)/bench/shim-bench: scripts/shim-bench.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -o $@ $<

bench: all $(B)/bench/rules-bench $(B)/bench/shim-bench
	B=$(B) scripts/bench

# every step of make bench on tiny workloads, so the bench cannot break unnoticed (its
# figures mean nothing; nothing is timed or asserted but that each step runs)
check-bench: all $(B)/bench/rules-bench $(B)/bench/shim-bench
	B=$(B) NJ_BENCH_SMOKE=1 scripts/bench > $(B)/bench-smoke.log 2>&1 || \
		{ cat $(B)/bench-smoke.log; echo "make bench is broken (above)"; exit 1; }
	@echo "bench: every step runs ($(B)/bench-smoke.log)"

# ---- install ----

# netjail run finds the shim, and the built-in policy beside it, in ../lib/netjail/
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/netjail \
		$(DESTDIR)$(PREFIX)/share/netjail/examples $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(B)/netjail $(DESTDIR)$(PREFIX)/bin/netjail
	install -m 0755 scripts/netjail-entrypoint $(DESTDIR)$(PREFIX)/bin/netjail-entrypoint
	install -m 0644 man/netjail.1 $(DESTDIR)$(PREFIX)/share/man/man1/netjail.1
	install -m 0644 man/netjail.rules.5 $(DESTDIR)$(PREFIX)/share/man/man5/netjail.rules.5
	install -m 0755 $(B)/libnetjail.so $(DESTDIR)$(PREFIX)/lib/netjail/libnetjail.so
	install -m 0644 $(B)/default.rules $(DESTDIR)$(PREFIX)/lib/netjail/default.rules
	install -m 0644 rules/examples/*.rules $(DESTDIR)$(PREFIX)/share/netjail/examples/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/netjail $(DESTDIR)$(PREFIX)/bin/netjail-entrypoint
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/netjail.1 \
		$(DESTDIR)$(PREFIX)/share/man/man5/netjail.rules.5
	rm -rf $(DESTDIR)$(PREFIX)/lib/netjail $(DESTDIR)$(PREFIX)/share/netjail

# install into scratch DESTDIRs and use the installed files (tests/install.sh)
check-install: all $(PROBES)
	NJ_BUILD=$(CURDIR)/$(B) tests/install.sh

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- fuzzing: `make fuzz` (FUZZ_SECONDS=N make fuzz runs for N seconds; scripts/fuzz) ----
# The rules sources compiled again with clang, libFuzzer and the sanitizers: not the archive.
FUZZ_CC     ?= clang
FUZZ_CFLAGS ?= -O1 -g
FUZZ_SECONDS ?= 60
FUZZ_JOBS   ?= 1
$(B)/fuzz/fuzz_rules: tests/fuzz/fuzz_rules.c $(RULES_SRC) $(wildcard rules/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Irules -Wall -Wextra $(FUZZ_CFLAGS) \
		-fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz_rules.c $(RULES_SRC)

.PHONY: fuzz
fuzz: $(B)/fuzz/fuzz_rules
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz $(B)/fuzz/fuzz_rules

# ---- libnetjail-rules: the engine as a library (rules/netjail.h, pkg-config netjail) ----
# The same objects as the command's archive, api.o among them.  The shared library exports
# the names of its version script and nothing else (check-lib-exports), under a soname.
LIB_SONAME  := libnetjail-rules.so.1
LIB_VERSION := 0.1.0
LIB_MAP     := rules/libnetjail-rules.map
EXAMPLES    := $(B)/examples/webhook-sender

all: $(B)/libnetjail-rules.a $(B)/libnetjail-rules.so

$(B)/libnetjail-rules.a: $(RULES_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/$(LIB_SONAME): $(RULES_OBJ) $(LIB_MAP)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) -shared $(NJ_LDFLAGS) $(LDFLAGS) -Wl,--gc-sections \
		-Wl,-soname,$(LIB_SONAME) -Wl,--version-script=$(LIB_MAP) -o $@ $(RULES_OBJ)

$(B)/libnetjail-rules.so: $(B)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

# the examples, built against build/ as a user builds against the installed library (the
# pkg-config path itself is tried by tests/api-examples.sh); found at run time beside us
$(B)/examples/%: examples/%.c $(B)/libnetjail-rules.so
	@mkdir -p $(dir $@)
	$(CC) $(NJ_CFLAGS) $(CFLAGS) $(NJ_LDFLAGS) $(LDFLAGS) -o $@ $< -L$(B) -lnetjail-rules \
		-Wl,-rpath,'$$ORIGIN/..'

.PHONY: check-lib-exports check-api-examples install-lib uninstall-lib

# exactly the map's names exported, and the map names every function of netjail.h but the
# scopes (libnetjail.so's)
check-lib-exports: $(B)/libnetjail-rules.so
	scripts/check-exports $(B)/$(LIB_SONAME) $(LIB_MAP)
	@h=$$(grep -o 'netjail_[a-z_]*(' rules/netjail.h | tr -d '(' | grep -v '^netjail_scope_' | sort -u); \
	m=$$(grep -o 'netjail_[a-z_]*;' $(LIB_MAP) | tr -d ';' | sort); \
	[ "$$h" = "$$m" ] || { echo "check-lib-exports: $(LIB_MAP) and rules/netjail.h disagree"; exit 1; }

check-api-examples: all $(EXAMPLES)
	NJ_BUILD=$(CURDIR)/$(B) tests/api-examples.sh

install: install-lib
uninstall: uninstall-lib

install-lib: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0644 rules/netjail.h $(DESTDIR)$(PREFIX)/include/netjail.h
	install -m 0644 $(B)/libnetjail-rules.a $(DESTDIR)$(PREFIX)/lib/libnetjail-rules.a
	install -m 0755 $(B)/$(LIB_SONAME) $(DESTDIR)$(PREFIX)/lib/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(PREFIX)/lib/libnetjail-rules.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIB_VERSION)|' rules/netjail.pc.in \
		> $(B)/netjail.pc
	install -m 0644 $(B)/netjail.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/netjail.pc

uninstall-lib:
	rm -f $(DESTDIR)$(PREFIX)/include/netjail.h $(DESTDIR)$(PREFIX)/lib/libnetjail-rules.a \
		$(DESTDIR)$(PREFIX)/lib/$(LIB_SONAME) $(DESTDIR)$(PREFIX)/lib/libnetjail-rules.so \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/netjail.pc
