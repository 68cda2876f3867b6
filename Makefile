# shibao: one plain Makefile. `make` builds bin/, `make test` runs every test,
# `make demo` runs the whole pipeline, `make asan` the tests under ASan/UBSan.

VERSION  := 0.1.0
PKGS     := libzmq libprotobuf-c sqlite3 jansson inih libmicrohttpd libsodium libzip expat

# Debian packages, by what needs them. `make` needs BUILD_DEPS only;
# `make deps-build` installs just those. Each other goal installs what it
# runs (see the deps-* goals below); `make deps` installs them all.
BUILD_DEPS := build-essential pkg-config protobuf-c-compiler xxd libzmq3-dev libprotobuf-c-dev \
              libsqlite3-dev libjansson-dev libinih-dev libmicrohttpd-dev libcsv-dev \
              uthash-dev libsodium-dev libzip-dev libexpat1-dev libcairo2-dev libfontconfig-dev
# unit tests (cmocka) and the tools the end-to-end scripts call
TEST_DEPS  := libcmocka-dev libxml2-dev procps iproute2 jq sqlite3 curl python3 chromium fonts-noto-cjk valgrind \
              python3-docx libreoffice-writer-nogui poppler-utils python3-openpyxl libxml2-utils \
              python3-selenium chromium-driver strace
# bench/: mqtt_peer links libmosquitto, nats_peer libnats; bench/run.sh starts the brokers
BENCH_DEPS := libmosquitto-dev mosquitto mosquitto-clients libnats-dev nats-server procps iproute2 jq sqlite3 curl
# make man / install / deb / lintian (and e2e_deb, which installs the .deb)
PKG_DEPS   := scdoc man-db groff-base dpkg-dev lintian systemd adduser
# make fuzz: libFuzzer comes with clang's runtime
FUZZ_DEPS  := clang libclang-rt-14-dev
# make soak: the power-loss soak mounts tests/powerloss/plfs.c (FUSE)
SOAK_DEPS  := fuse3 libfuse3-dev
DEB_PKGS   := $(sort $(BUILD_DEPS) $(TEST_DEPS) $(BENCH_DEPS) $(PKG_DEPS) $(FUZZ_DEPS) $(SOAK_DEPS))
# make cross / test-arm64 / deb ARCH=arm64 (make deps-cross, not in make
# deps): the cross toolchain, qemu-user, and the libraries the programs and
# the unit tests link, for ARCH (PKG:ARCH, beside the native -dev packages:
# every one of these is Multi-Arch: same, so both stay installed, at the
# same version; uthash-dev and libcsv's header are the native packages').
# file: test-arm64 checks what it runs is an ARCH program.
CROSS_LIB_DEPS := libzmq3-dev libprotobuf-c-dev libsqlite3-dev libjansson-dev libinih-dev \
              libmicrohttpd-dev libcsv-dev libsodium-dev libzip-dev libexpat1-dev libcairo2-dev \
              libfontconfig-dev libcmocka-dev libxml2-dev
CROSS_DEPS  = crossbuild-essential-$(DEB_ARCH) qemu-user-static file $(CROSS_LIB_DEPS:%=%:$(DEB_ARCH))

# ---- cross builds (ARCH=arm64: the 信创 servers, Kunpeng and Phytium
# under Kylin or UOS). ARCH is a Debian architecture, honoured only when
# given on the command line (an ARCH in the environment, as kernel builds
# use it, changes nothing); the native one is no cross build. A cross build
# lives in build-ARCH, compiles with Debian's cross gcc (crossbuild-essential-
# ARCH) against the ARCH libraries installed beside the native ones
# (multiarch, PKG:ARCH; make deps-cross), finds them with the ARCH's
# pkg-config, and runs what it built under qemu-user (EMU): through the
# scripts $(BUILD)/emu/bin/* and $(BUILD)/emu/tests/*, so that no binfmt_misc
# registration is needed. protoc-c and xxd run on the build machine; what
# they generate is the same for every architecture.
NATIVE_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_ARCH    := $(if $(filter command line,$(origin ARCH)),$(ARCH),$(NATIVE_ARCH))
ifneq ($(DEB_ARCH),$(NATIVE_ARCH))
CROSS       := $(shell dpkg-architecture -a$(DEB_ARCH) -qDEB_HOST_MULTIARCH 2>/dev/null)
ifeq ($(CROSS),)
$(error ARCH=$(DEB_ARCH): not a Debian architecture (dpkg-architecture -L lists them))
endif
BUILD       ?= build-$(DEB_ARCH)
CC          := $(CROSS)-gcc
PKG_CONFIG  := $(CROSS)-pkg-config
STRIP       := $(CROSS)-strip
# the ARCH's loader and libraries are installed where their own machine has
# them (multiarch), so qemu needs no -L
EMU         := qemu-$(shell dpkg-architecture -a$(DEB_ARCH) -qDEB_HOST_GNU_CPU 2>/dev/null)-static
endif
PKG_CONFIG  ?= pkg-config
STRIP       ?= strip
# where the programs are run from at build time (make man checks the
# examples with them): the scripts under qemu in a cross build
RUN_BIN      = $(if $(EMU),$(BUILD)/emu/bin,$(BUILD)/bin)

BUILD    ?= build
SAN      ?=
CC       ?= cc
OPT      ?= -O2
# Only common/ (and the generated protobuf) is on every file's include
# path; each directory adds its own below (LAYER_CFLAGS).
CFLAGS   := -std=c11 -Wall -Wextra -Werror $(OPT) -g -D_GNU_SOURCE \
            -DSHIBAO_VERSION='"$(VERSION)"' $(SAN) -MMD -MP \
            -I$(BUILD)/gen -Icommon \
            $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDFLAGS  := $(SAN)
# libcsv (<csv.h>) ships no pkg-config file
LDLIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lcsv -lm
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# ---- layers
# common/ is the bottom layer: it sees only its own headers. Each program
# (aggregator, reporter, collector, sim) sees common/ and itself, never
# another program, so `#include "report.h"` in collector/ does not compile.
# tests/ (unit tests and fuzz harnesses) see every layer; bench/ sees the
# aggregator (replay.c drives ingest's sink). The flags are chosen by the
# first directory of the source path ($* in the compile rule), not by
# target-specific variables, which would leak into the prerequisites of
# whatever target set them.
PROGRAMS         := aggregator reporter collector sim
INC_common       :=
INC_aggregator   := -Iaggregator
# the reporter draws the docx's charts (reporter/chart_png.c): cairo, and
# fontconfig to find a CJK font; only the reporter (and what links its
# modules: tests, fuzzers) links them
REPORTER_PKGS    := cairo-ft fontconfig
INC_reporter     := -Ireporter $(shell $(PKG_CONFIG) --cflags $(REPORTER_PKGS) 2>/dev/null)
INC_collector    := -Icollector
INC_sim          := -Isim
INC_tests        := $(PROGRAMS:%=-I%)
INC_bench        := -Iaggregator
LAYER_CFLAGS      = $(INC_$(firstword $(subst /, ,$*)))

# Test hooks (SHIBAO_TODAY, common/date.h) are compiled into what the
# tests run (make all, test, asan, bench, fuzz) and never into what is
# installed: make install and make deb build with TEST_HOOKS=0. date.o,
# the one object they change, is rebuilt whenever the setting changes.
ifneq ($(filter install deb lintian,$(MAKECMDGOALS)),)
TEST_HOOKS ?= 0
endif
TEST_HOOKS ?= 1
# holds the setting date.o was last built with; rewritten (newer) when
# it changes
HOOKS_STAMP := $(BUILD)/test-hooks
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(HOOKS_STAMP) 2>/dev/null)" = "$(TEST_HOOKS)" ] || \
        echo "$(TEST_HOOKS)" >$(HOOKS_STAMP); })

# Sources are found by wildcard: a new common/*.c or PROGRAM/*.c builds
# without a Makefile edit.
GEN_C    := $(BUILD)/gen/shibao.pb-c.c
GEN_H    := $(BUILD)/gen/shibao.pb-c.h
# libshibao-common.a: common/ and the generated protobuf
COMMON_OBJ := $(BUILD)/gen/shibao.pb-c.o $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/*.c))
COMMON_LIB := $(BUILD)/libshibao-common.a
# each program's modules (all but main.c): PROGRAM_OBJ(aggregator) ...
PROGRAM_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(filter-out %/main.c,$(wildcard $(1)/*.c)))
# ... and the same as an archive, for tests and bench, which link modules
# of several programs
PROGRAM_LIBS := $(PROGRAMS:%=$(BUILD)/libshibao-%.a)
PROGS    := $(PROGRAMS:%=$(BUILD)/bin/shibao-%)
UNIT_SRC := $(wildcard tests/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all deps test unit e2e demo desk asan bench fuzz fuzzers soak clean
.SECONDARY:

all: $(PROGS) $(if $(filter build,$(BUILD)),bin-links)

.PHONY: bin-links
bin-links: $(PROGS)
	@mkdir -p bin
	@for p in $(PROGS); do ln -sf ../$$p bin/; done

$(GEN_C) $(GEN_H) &: proto/shibao.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen proto/shibao.proto

# Files embedded in the reporter at build time, each as a generated header
# $(BUILD)/gen/embed_NAME_EXT.h holding `static const char embed_NAME_EXT[]`
# (NUL-terminated; '-' in NAME becomes '_'): the seed report byte for
# byte, the style sheets with their newlines dropped (the page carries them
# as one line, as it always has; the files keep a rule per line to be read
# and edited). A source includes the header; its .d then names it, so the
# object rebuilds when the file changes. The reporter's objects wait for
# every embed header (order-only) so that a first build finds them.
EMBED_SRC := $(wildcard reporter/templates/*.txt reporter/style/*.css)
EMBED_H  := $(foreach f,$(EMBED_SRC),$(BUILD)/gen/embed_$(basename $(notdir $(f)))_$(subst .,,$(suffix $(f))).h)
# embed_header NAME,command printing the bytes: the header on stdout
embed_header = { echo '/* generated by make from $<: do not edit */'; \
	echo 'static const char $(1)[] = {'; $(2) | xxd -i; echo ', 0x00};'; }
$(BUILD)/gen/embed_%_txt.h: reporter/templates/%.txt
	@mkdir -p $(dir $@)
	$(call embed_header,embed_$(subst -,_,$*)_txt,cat $<) >$@.tmp && mv $@.tmp $@
$(BUILD)/gen/embed_%_css.h: reporter/style/%.css
	@mkdir -p $(dir $@)
	$(call embed_header,embed_$(subst -,_,$*)_css,tr -d '\n' <$<) >$@.tmp && mv $@.tmp $@
$(call PROGRAM_OBJ,reporter): | $(EMBED_H)

$(BUILD)/gen/shibao.pb-c.o: $(GEN_C)
	$(CC) $(filter-out -Werror,$(CFLAGS)) -c $< -o $@

$(BUILD)/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LAYER_CFLAGS) -c $< -o $@

$(BUILD)/common/date.o: CFLAGS += $(if $(filter 1,$(TEST_HOOKS)),-DSHIBAO_TEST_HOOKS)
$(BUILD)/common/date.o: $(HOOKS_STAMP)

$(COMMON_LIB): $(COMMON_OBJ)
$(BUILD)/libshibao-aggregator.a: $(call PROGRAM_OBJ,aggregator)
$(BUILD)/libshibao-reporter.a: $(call PROGRAM_OBJ,reporter)
$(BUILD)/libshibao-collector.a: $(call PROGRAM_OBJ,collector)
$(BUILD)/libshibao-sim.a: $(call PROGRAM_OBJ,sim)
$(BUILD)/libshibao-%.a:
	rm -f $@
	ar rcs $@ $^

# A program links its own objects, every one of them (not an archive, from
# which the linker would take only what main.o reaches), and the common
# archive: a call into another program's module fails to link.
$(BUILD)/bin/shibao-aggregator: $(call PROGRAM_OBJ,aggregator)
$(BUILD)/bin/shibao-reporter: $(call PROGRAM_OBJ,reporter)
$(BUILD)/bin/shibao-collector: $(call PROGRAM_OBJ,collector)
$(BUILD)/bin/shibao-sim: $(call PROGRAM_OBJ,sim)
$(BUILD)/bin/shibao-%: $(BUILD)/%/main.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(COMMON_LIB) $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(PROGRAM_LIBS) $(COMMON_LIB)
	$(CC) $(LDFLAGS) $< $(PROGRAM_LIBS) $(COMMON_LIB) $(LDLIBS) $(TEST_LIBS) -o $@

$(BUILD)/bin/shibao-reporter $(UNIT_BIN) $(FUZZ_BIN): LDLIBS += $(shell $(PKG_CONFIG) --libs $(REPORTER_PKGS) 2>/dev/null)
# test_docx reads the package back with libxml2 (the programs do not link it)
$(BUILD)/tests/test_docx: LDLIBS += $(shell $(PKG_CONFIG) --libs libxml-2.0 2>/dev/null || echo -lxml2)
$(BUILD)/bench/mqtt_peer: LDLIBS += $(shell $(PKG_CONFIG) --libs libmosquitto 2>/dev/null || echo -lmosquitto)
$(BUILD)/bench/nats_peer: LDLIBS += $(shell $(PKG_CONFIG) --libs libnats 2>/dev/null || echo -lnats)
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libshibao-aggregator.a $(COMMON_LIB)
	$(CC) $(LDFLAGS) $< $(BUILD)/libshibao-aggregator.a $(COMMON_LIB) $(LDLIBS) -o $@

# libFuzzer harnesses: only in the fuzz variant (make fuzz), where SAN has
# -fsanitize=fuzzer-no-link for the libraries; the harness itself links
# libFuzzer's main. Compiled like a unit test (INC_tests).
$(BUILD)/fuzz/%: tests/fuzz/%.c $(GEN_H) $(PROGRAM_LIBS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_tests) -fsanitize=fuzzer $< $(PROGRAM_LIBS) $(COMMON_LIB) $(LDLIBS) -o $@
fuzzers: $(FUZZ_BIN)

# plfs, the FUSE file system of the power-loss soak (tests/soak_powerloss.sh):
# built by `make soak` only, never by all, unit or test, since a machine
# without /dev/fuse or libfuse3 must still build and test everything else.
PLFS := $(BUILD)/tests/plfs
$(PLFS): tests/powerloss/plfs.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags fuse3) $< $(LDFLAGS) $(shell pkg-config --libs fuse3) -o $@

# ---- dependencies (Debian 12, as root; otherwise the apt-get line to run)
# make deps installs everything (as it always has); each goal below
# installs only what it needs.
define install_deps
	@missing=$$(for p in $(sort $(1)); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make $@: installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "make $@: missing packages; run as root:"; \
	  echo "  apt-get install -y $$missing"; exit 1; \
	fi
endef
.PHONY: deps-build deps-test deps-bench deps-pkg deps-fuzz deps-soak deps-cross
deps:
	$(call install_deps,$(DEB_PKGS))
deps-build:
	$(call install_deps,$(BUILD_DEPS))
# the suite runs e2e_deb (make deb, apt) and e2e_bench_small (bench/run.sh)
deps-test:
	$(call install_deps,$(BUILD_DEPS) $(TEST_DEPS) $(BENCH_DEPS) $(PKG_DEPS))
deps-bench:
	$(call install_deps,$(BUILD_DEPS) $(BENCH_DEPS))
deps-pkg:
	$(call install_deps,$(BUILD_DEPS) $(PKG_DEPS))
deps-fuzz:
	$(call install_deps,$(BUILD_DEPS) $(FUZZ_DEPS))
deps-soak:
	$(call install_deps,$(SOAK_DEPS))
# the ARCH packages are found only once dpkg knows the architecture
deps-cross:
	$(if $(CROSS),,$(error a cross build needs ARCH=, e.g. make cross ARCH=arm64))
	@dpkg --print-foreign-architectures | grep -qx '$(DEB_ARCH)' || \
	  if [ "$$(id -u)" = 0 ]; then echo "make $@: dpkg --add-architecture $(DEB_ARCH)"; dpkg --add-architecture $(DEB_ARCH); \
	  else echo "make $@: run as root: dpkg --add-architecture $(DEB_ARCH)"; exit 1; fi
	$(call install_deps,$(BUILD_DEPS) $(CROSS_DEPS))

unit: $(UNIT_BIN)
e2e: $(PROGS)

test: deps-test
	$(MAKE) all unit $(BENCH_BIN)
	BUILD=$(BUILD) tests/run.sh

asan: deps-test
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all unit $(BENCH_SRC:bench/%.c=build-asan/bench/%)
	BUILD=build-asan ASAN_OPTIONS=detect_leaks=1 tests/run.sh

demo: deps-build
	$(MAKE) all
	BUILD=$(BUILD) tests/demo.sh

# the village desk to try: a township and a village, the page's address printed
desk: deps-build
	$(MAKE) all
	BUILD=$(BUILD) tests/desk.sh

bench: deps-bench
	$(MAKE) all $(BENCH_BIN)
	BUILD=$(BUILD) bench/run.sh

# figure 9 alone: the tree at province scale (bench/tiers.sh; TIERS_SMALL=1 for a tiny run)
.PHONY: bench-tiers
bench-tiers: deps-bench
	$(MAKE) all $(BUILD)/bench/tiers_load
	BUILD=$(BUILD) bench/tiers.sh

# libFuzzer harnesses (tests/fuzz/): a build variant like asan, in
# build-fuzz with clang; tests/fuzz.sh runs each for FUZZ_SECONDS.
FUZZ_BUILD := build-fuzz
fuzz: deps-fuzz
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" fuzzers
	BUILD=$(FUZZ_BUILD) tests/fuzz.sh

# The fault-injection suite at full scale: long, not in CI. The power-loss
# soak needs plfs (FUSE), built here and nowhere else.
soak: deps-test deps-soak
	$(MAKE) all $(PLFS)
	BUILD=$(BUILD) SOAK=1 tests/soak.sh

# ---- the cross build and its tests under qemu-user (see "cross builds")
# make cross ARCH=arm64: the programs and the unit tests in build-arm64.
# make test-arm64: under qemu, first the pipeline's end-to-end test
#   (tests/e2e_pipeline.sh) with native villages and county around an
#   arm64 township (the wire and the township's database between the two
#   architectures; $(BUILD)/mix/bin), then the unit tests and the same
#   test on arm64 programs alone. The script checks that the aggregator it
#   talks to is qemu running an aarch64 ELF file. The tests take about two
#   minutes on two cores; from a clean tree, with both builds, about five.
.PHONY: cross test-cross test-arm64
cross: deps-cross
	$(if $(CROSS),,$(error make cross needs ARCH=, e.g. ARCH=arm64))
	$(MAKE) all unit

# What file(1) says of a program of ARCH: test-cross checks it.
ELF_MACHINE_arm64 := ARM aarch64
MIX_BIN = $(BUILD)/mix/bin
test-cross: cross
	$(if $(ELF_MACHINE_$(DEB_ARCH)),,$(error test-cross: no ELF_MACHINE_$(DEB_ARCH) in the Makefile))
	$(call install_deps,jq sqlite3 procps)
	$(MAKE) $(PROGS:$(BUILD)/%=$(BUILD)/emu/%) $(UNIT_BIN:$(BUILD)/%=$(BUILD)/emu/%)
	@for f in $(PROGS) $(UNIT_BIN); do file -L $$f | grep -q 'ELF.*$(ELF_MACHINE_$(DEB_ARCH))' || \
	  { echo "$$f: not a $(DEB_ARCH) program: $$(file -L $$f)"; exit 1; }; done; \
	  echo "$(words $(PROGS) $(UNIT_BIN)) programs and unit tests: $(ELF_MACHINE_$(DEB_ARCH)), run with $(EMU)"
	$(MAKE) ARCH=$(NATIVE_ARCH) BUILD=build all
	@mkdir -p $(MIX_BIN) tests/out
	ln -sf $(CURDIR)/build/bin/shibao-collector $(CURDIR)/build/bin/shibao-reporter \
	    $(CURDIR)/build/bin/shibao-sim $(CURDIR)/$(BUILD)/emu/bin/shibao-aggregator $(MIX_BIN)/
	@echo "== e2e_pipeline, $(NATIVE_ARCH) villages and county, $(DEB_ARCH) township"
	@BUILD=$(MIX_BIN:%/bin=%) EXPECT_ELF='$(ELF_MACHINE_$(DEB_ARCH))' bash tests/e2e_pipeline.sh \
	    >tests/out/e2e_pipeline_mixed.log 2>&1 && tail -n 1 tests/out/e2e_pipeline_mixed.log | sed 's/^/   /' || \
	  { echo "   FAILED (log: tests/out/e2e_pipeline_mixed.log)"; tail -n 30 tests/out/e2e_pipeline_mixed.log; exit 1; }
	BUILD=$(BUILD)/emu E2E=e2e_pipeline EXPECT_ELF='$(ELF_MACHINE_$(DEB_ARCH))' tests/run.sh
test-arm64:
	$(MAKE) ARCH=arm64 test-cross

# $(BUILD)/emu/X runs $(BUILD)/X under qemu-user (absolute paths: the tests
# run them from other directories)
ifneq ($(EMU),)
$(BUILD)/emu/%: $(BUILD)/%
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(EMU)' '$(CURDIR)/$<' >$@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@
endif

clean:
	rm -rf build build-* bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- install and packaging
# make man: the manuals, from docs/man/*.scd (scdoc), each checked by
#   man --warnings (the lintian way), and the shipped examples checked
#   against the programs (packaging/check-examples.sh).
# make install / uninstall: PREFIX (default /usr/local) and DESTDIR honoured.
#   The programs read /etc/shibao/PROGRAM.conf whatever the PREFIX; the
#   example files go to $(DOCDIR)/examples, the units (ExecStart under
#   $(BINDIR)) to $(UNITDIR). The units run as the users shibao-aggregator,
#   shibao-collector and shibao-reporter, which make install does not
#   create, nor /var/spool/shibao (the deb does).
# make deb: a hardened build in $(BUILD)-deb, staged with make install and
#   packed with dpkg-deb (packaging/deb/mkdeb.sh); make lintian checks it.
#   make deb ARCH=arm64: the same, cross-built (build-arm64-deb, the flags
#   dpkg-buildflags gives for arm64, the examples checked under qemu),
#   stripped with the cross strip, Depends from the arm64 libraries' shlibs.
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/shibao
UNITDIR  ?= $(PREFIX)/lib/systemd/system
INSTALL_PROGS := shibao-collector shibao-aggregator shibao-reporter
MAN_PAGES := shibao-collector.1 shibao-aggregator.1 shibao-reporter.1 shibao-events.5 shibao.conf.5
MAN_OUT  := $(MAN_PAGES:%=$(BUILD)/man/%)
UNITS    := shibao-aggregator.service shibao-reporter.service shibao-collector@.service \
            shibao-aggregator-backup.service shibao-aggregator-backup.timer \
            shibao-reporter-backup.service shibao-reporter-backup.timer \
            shibao-collector-backup@.service shibao-collector-backup@.timer
# the daily backup's script (packaging/backup), run by the backup units
LIBEXECDIR ?= $(PREFIX)/lib/shibao
EXAMPLES := $(wildcard packaging/examples/*)
# the manuals' and the package's dates: the last commit's, for reproducible builds
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)

DEB_BUILD       = $(BUILD)-deb
DEB_MAINTAINER ?= shibao maintainers <maintainers@shibao.example.org>
# dpkg-buildflags and dpkg-shlibdeps (mkdeb.sh) read the host architecture
# from DEB_HOST_ARCH
DEB_ENV         = DEB_HOST_ARCH=$(DEB_ARCH)
DEB_CFLAGS      = $(shell $(DEB_ENV) dpkg-buildflags --get CFLAGS) $(shell $(DEB_ENV) dpkg-buildflags --get CPPFLAGS)
DEB_LDFLAGS     = $(shell $(DEB_ENV) DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
DEB_FILE        = $(DEB_BUILD)/shibao_$(VERSION)_$(DEB_ARCH).deb

.PHONY: man install uninstall deb lintian

man: $(MAN_OUT) $(BUILD)/man/examples.ok

$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(VERSION)/' $< | SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) scdoc >$@.tmp
	@LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z $@.tmp 2>$@.warn >/dev/null; \
	if [ -s $@.warn ]; then echo "$<: man --warnings:"; cat $@.warn; rm -f $@.tmp $@.warn; exit 1; fi
	@rm -f $@.warn
	mv $@.tmp $@

$(BUILD)/man/examples.ok: packaging/check-examples.sh docs/man/shibao-events.5.scd $(EXAMPLES) \
                          $(INSTALL_PROGS:%=$(RUN_BIN)/%)
	@mkdir -p $(dir $@)
	packaging/check-examples.sh $(RUN_BIN)
	@touch $@

install: all man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR)
	install -m 0755 $(INSTALL_PROGS:%=$(BUILD)/bin/%) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(filter %.1,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(filter %.5,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	for u in $(UNITS); do \
	    sed 's|/usr/bin/|$(BINDIR)/|g; s|/usr/lib/shibao/|$(LIBEXECDIR)/|g' packaging/systemd/$$u \
	        >$(DESTDIR)$(UNITDIR)/$$u && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -d $(DESTDIR)$(LIBEXECDIR)
	sed 's|/usr/bin/|$(BINDIR)/|g' packaging/backup/shibao-backup >$(DESTDIR)$(LIBEXECDIR)/shibao-backup
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/shibao-backup

uninstall:
	rm -f $(INSTALL_PROGS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(filter %.1,$(MAN_PAGES)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(filter %.5,$(MAN_PAGES)))
	rm -f $(UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	rm -f $(DESTDIR)$(LIBEXECDIR)/shibao-backup
	rm -rf $(DESTDIR)$(DOCDIR)

deb: deps-pkg $(if $(CROSS),deps-cross)
	rm -rf $(DEB_BUILD)/stage
	$(MAKE) BUILD=$(DEB_BUILD) OPT="$(DEB_CFLAGS)" SAN="$(DEB_LDFLAGS)" install \
	    DESTDIR=$(CURDIR)/$(DEB_BUILD)/stage PREFIX=/usr UNITDIR=/lib/systemd/system
	$(DEB_ENV) STRIP=$(STRIP) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) \
	    packaging/deb/mkdeb.sh $(DEB_BUILD)/stage $(DEB_BUILD) $(VERSION) "$(DEB_MAINTAINER)"

lintian: deb
	lintian --fail-on error --info $(DEB_FILE)
