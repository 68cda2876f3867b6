# shibao: one plain Makefile. `make` builds bin/, `make test` runs every test,
# `make demo` runs the whole pipeline, `make asan` the tests under ASan/UBSan.

VERSION  := 0.1.0
PKGS     := libzmq libprotobuf-c sqlite3 jansson inih libmicrohttpd
DEB_PKGS := build-essential pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler \
            libsqlite3-dev sqlite3 libjansson-dev libinih-dev libcmocka-dev procps jq \
            clang libclang-rt-14-dev iproute2 mosquitto mosquitto-clients valgrind \
            scdoc man-db groff-base dpkg-dev lintian systemd adduser \
            libmicrohttpd-dev chromium curl fonts-noto-cjk libmosquitto-dev

BUILD    ?= build
SAN      ?=
CC       ?= cc
OPT      ?= -O2
CFLAGS   := -std=c11 -Wall -Wextra -Werror $(OPT) -g -D_GNU_SOURCE \
            -DSHIBAO_VERSION='"$(VERSION)"' $(SAN) -MMD -MP \
            -I$(BUILD)/gen -Icommon -Iaggregator -Ireporter -Icollector \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  := $(SAN)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

# Test hooks (SHIBAO_TODAY, common/period.h) are compiled into what the
# tests run (make all, test, asan, bench) and never into what is installed:
# make install and make deb build with TEST_HOOKS=0. period.o, the one
# object they change, is rebuilt whenever the setting changes.
ifneq ($(filter install deb lintian,$(MAKECMDGOALS)),)
TEST_HOOKS ?= 0
endif
TEST_HOOKS ?= 1
# holds the setting period.o was last built with; rewritten (newer) when
# it changes
HOOKS_STAMP := $(BUILD)/test-hooks
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(HOOKS_STAMP) 2>/dev/null)" = "$(TEST_HOOKS)" ] || \
        echo "$(TEST_HOOKS)" >$(HOOKS_STAMP); })

GEN_C    := $(BUILD)/gen/shibao.pb-c.c
GEN_H    := $(BUILD)/gen/shibao.pb-c.h
LIB_SRC  := $(wildcard common/*.c) \
            $(filter-out %/main.c,$(wildcard aggregator/*.c reporter/*.c collector/*.c sim/*.c))
LIB_OBJ  := $(BUILD)/gen/shibao.pb-c.o $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libshibao.a
PROGS    := $(BUILD)/bin/shibao-collector $(BUILD)/bin/shibao-aggregator \
            $(BUILD)/bin/shibao-reporter $(BUILD)/bin/shibao-sim
UNIT_SRC := $(wildcard tests/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps test unit e2e demo asan bench fuzz soak clean
.SECONDARY:

all: $(PROGS) $(if $(filter build,$(BUILD)),bin-links)

.PHONY: bin-links
bin-links: $(PROGS)
	@mkdir -p bin
	@for p in $(PROGS); do ln -sf ../$$p bin/; done

$(GEN_C) $(GEN_H): proto/shibao.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen proto/shibao.proto

$(BUILD)/gen/shibao.pb-c.o: $(GEN_C)
	$(CC) $(filter-out -Werror,$(CFLAGS)) -c $< -o $@

$(BUILD)/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/common/period.o: CFLAGS += $(if $(filter 1,$(TEST_HOOKS)),-DSHIBAO_TEST_HOOKS)
$(BUILD)/common/period.o: $(HOOKS_STAMP)

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/shibao-%: $(BUILD)/%/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) $(TEST_LIBS) -o $@

$(BUILD)/bench/mqtt_peer: LDLIBS += $(shell pkg-config --libs libmosquitto 2>/dev/null || echo -lmosquitto)
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

# Installs what the build and the tests need, once, on a fresh Debian 12.
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "make deps: missing packages; run as root:"; \
	  echo "  apt-get install -y $$missing"; exit 1; \
	fi

unit: $(UNIT_BIN)
e2e: $(PROGS)

test: deps
	$(MAKE) all unit $(BENCH_BIN)
	BUILD=$(BUILD) tests/run.sh

asan:
	$(MAKE) deps
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all unit $(BENCH_SRC:bench/%.c=build-asan/bench/%)
	BUILD=build-asan ASAN_OPTIONS=detect_leaks=1 tests/run.sh

demo: deps
	$(MAKE) all
	BUILD=$(BUILD) tests/demo.sh

bench: deps
	$(MAKE) all $(BENCH_BIN)
	BUILD=$(BUILD) bench/run.sh

# libFuzzer harnesses (tests/fuzz/), built with clang; FUZZ_SECONDS each.
fuzz: deps
	$(MAKE) all
	BUILD=$(BUILD) tests/fuzz.sh

# The fault-injection suite at full scale (issue 3): long, not in CI.
soak: deps
	$(MAKE) all
	BUILD=$(BUILD) SOAK=1 tests/soak.sh

clean:
	rm -rf build build-* bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- install and packaging (issue 7)
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
UNITS    := shibao-aggregator.service shibao-reporter.service shibao-collector@.service
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
	    sed 's|/usr/bin/|$(BINDIR)/|g' packaging/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done

uninstall:
	rm -f $(INSTALL_PROGS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(filter %.1,$(MAN_PAGES)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(filter %.5,$(MAN_PAGES)))
	rm -f $(UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	rm -rf $(DESTDIR)$(DOCDIR)

deb: deps
	rm -rf $(DEB_BUILD)/stage
	$(MAKE) BUILD=$(DEB_BUILD) OPT="$(DEB_CFLAGS)" SAN="$(DEB_LDFLAGS)" install \
	    DESTDIR=$(CURDIR)/$(DEB_BUILD)/stage PREFIX=/usr UNITDIR=/lib/systemd/system
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) packaging/deb/mkdeb.sh $(DEB_BUILD)/stage $(DEB_BUILD) $(VERSION) "$(DEB_MAINTAINER)"

lintian: deb
	lintian --fail-on error --info $(DEB_FILE)
