# shibao: one plain Makefile. `make` builds bin/, `make test` runs every test,
# `make demo` runs the whole pipeline, `make asan` the tests under ASan/UBSan.

VERSION  := 0.1.0
PKGS     := libzmq libprotobuf-c sqlite3 jansson inih
DEB_PKGS := build-essential pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler \
            libsqlite3-dev sqlite3 libjansson-dev libinih-dev libcmocka-dev procps jq \
            clang libclang-rt-14-dev iproute2 mosquitto mosquitto-clients valgrind

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

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/shibao-%: $(BUILD)/%/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) $(TEST_LIBS) -o $@

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
	$(MAKE) all unit
	BUILD=$(BUILD) tests/run.sh

asan:
	$(MAKE) deps
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all unit
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
