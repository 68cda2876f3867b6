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
DEB_PKGS   := $(sort $(BUILD_DEPS) $(TEST_DEPS) $(BENCH_DEPS) $(PKG_DEPS) $(FUZZ_DEPS))

BUILD    ?= build
SAN      ?=
CC       ?= cc
OPT      ?= -O2
# Only common/ (and the generated protobuf) is on every file's include
# path; each directory adds its own below (LAYER_CFLAGS).
CFLAGS   := -std=c11 -Wall -Wextra -Werror $(OPT) -g -D_GNU_SOURCE \
            -DSHIBAO_VERSION='"$(VERSION)"' $(SAN) -MMD -MP \
            -I$(BUILD)/gen -Icommon \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  := $(SAN)
# libcsv (<csv.h>) ships no pkg-config file
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

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
INC_reporter     := -Ireporter $(shell pkg-config --cflags $(REPORTER_PKGS) 2>/dev/null)
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

$(BUILD)/bin/shibao-reporter $(UNIT_BIN) $(FUZZ_BIN): LDLIBS += $(shell pkg-config --libs $(REPORTER_PKGS) 2>/dev/null)
# test_docx reads the package back with libxml2 (the programs do not link it)
$(BUILD)/tests/test_docx: LDLIBS += $(shell pkg-config --libs libxml-2.0 2>/dev/null || echo -lxml2)
$(BUILD)/bench/mqtt_peer: LDLIBS += $(shell pkg-config --libs libmosquitto 2>/dev/null || echo -lmosquitto)
$(BUILD)/bench/nats_peer: LDLIBS += $(shell pkg-config --libs libnats 2>/dev/null || echo -lnats)
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libshibao-aggregator.a $(COMMON_LIB)
	$(CC) $(LDFLAGS) $< $(BUILD)/libshibao-aggregator.a $(COMMON_LIB) $(LDLIBS) -o $@

# libFuzzer harnesses: only in the fuzz variant (make fuzz), where SAN has
# -fsanitize=fuzzer-no-link for the libraries; the harness itself links
# libFuzzer's main. Compiled like a unit test (INC_tests).
$(BUILD)/fuzz/%: tests/fuzz/%.c $(GEN_H) $(PROGRAM_LIBS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_tests) -fsanitize=fuzzer $< $(PROGRAM_LIBS) $(COMMON_LIB) $(LDLIBS) -o $@
fuzzers: $(FUZZ_BIN)

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
.PHONY: deps-build deps-test deps-bench deps-pkg deps-fuzz
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

# libFuzzer harnesses (tests/fuzz/): a build variant like asan, in
# build-fuzz with clang; tests/fuzz.sh runs each for FUZZ_SECONDS.
FUZZ_BUILD := build-fuzz
fuzz: deps-fuzz
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" fuzzers
	BUILD=$(FUZZ_BUILD) tests/fuzz.sh

# The fault-injection suite at full scale: long, not in CI.
soak: deps-test
	$(MAKE) all
	BUILD=$(BUILD) SOAK=1 tests/soak.sh

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
DEB_CFLAGS      = $(shell dpkg-buildflags --get CFLAGS) $(shell dpkg-buildflags --get CPPFLAGS)
DEB_LDFLAGS     = $(shell DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
DEB_FILE        = $(DEB_BUILD)/shibao_$(VERSION)_$(shell dpkg --print-architecture).deb

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
                          $(INSTALL_PROGS:%=$(BUILD)/bin/%)
	@mkdir -p $(dir $@)
	packaging/check-examples.sh $(BUILD)/bin
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

deb: deps-pkg
	rm -rf $(DEB_BUILD)/stage
	$(MAKE) BUILD=$(DEB_BUILD) OPT="$(DEB_CFLAGS)" SAN="$(DEB_LDFLAGS)" install \
	    DESTDIR=$(CURDIR)/$(DEB_BUILD)/stage PREFIX=/usr UNITDIR=/lib/systemd/system
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) packaging/deb/mkdeb.sh $(DEB_BUILD)/stage $(DEB_BUILD) $(VERSION) "$(DEB_MAINTAINER)"

lintian: deb
	lintian --fail-on error --info $(DEB_FILE)
