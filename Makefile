# cdmeasure — build, run and test. `make run` and `make test` are the two entry points.

CC      ?= gcc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
INC     := -Ilib -Idb -Iworkers -I/usr/include/postgresql
LIBS_COMMON := -ljansson -lpq -lrdkafka -lcurl -lcrypto -lpthread -lm
LIBS_API    := -lulfius -lmicrohttpd -lorcania -lyder

# Two builds side by side: build/ (optimised, what `make run` starts) and
# build-asan/ (AddressSanitizer + UBSan, what `make test` runs); build-fuzz/ (clang,
# libFuzzer, what `make fuzz` runs).
BUILD   ?= build
ifeq ($(BUILD),build-asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN := -fsanitize=address,undefined
else ifeq ($(BUILD),build-fuzz)
  # libFuzzer targets (tests/fuzz): Debian's clang, the sanitizers, coverage for the fuzzer.
  CC := clang
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
         -fno-sanitize-recover=undefined
  LDSAN := -fsanitize=fuzzer,address,undefined
else
  OPT := -O2 -g
  LDSAN :=
endif
CFLAGS  := $(CSTD) $(WARN) $(OPT) $(INC) -MMD -MP
LDFLAGS := $(LDSAN)

LIB_SRC := $(wildcard lib/*.c) $(wildcard db/queries*.c) db/migrate.c
API_SRC := $(wildcard api/*.c)
MIGRATIONS := $(sort $(wildcard db/migrations/*.sql))

LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/gen/migrations_sql.o
API_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(API_SRC))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

BINS := $(BUILD)/cdm-api $(BUILD)/cdm-relay $(BUILD)/cdm-indicators $(BUILD)/cdm-delivery \
        $(BUILD)/cdm-devbroker \
        $(BUILD)/tests/bounded_reads $(BUILD)/tests/statement_shapes

.PHONY: all asan deps run stop test test-structure test-unit test-integration test-static test-validators-fail valgrind bench clean demo simulate
all: $(BINS) $(UNIT_TESTS)

asan:
	$(MAKE) BUILD=build-asan all

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c $< -o $@

# Migrations are compiled into the binaries, so a deployment cannot run with
# SQL files that disagree with its code.
$(BUILD)/gen/migrations_sql.c: $(MIGRATIONS) db/embed_migrations.sh
	@mkdir -p $(dir $@)
	sh db/embed_migrations.sh $(MIGRATIONS) > $@
$(BUILD)/gen/migrations_sql.o: $(BUILD)/gen/migrations_sql.c
	$(CC) $(CFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/cdm-api: $(API_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_API) $(LIBS_COMMON)
$(BUILD)/cdm-relay: $(BUILD)/workers/relay.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_COMMON)
# The indicator workers' modules, all but main: cdm-indicators and the bounded-reads test link them.
INDICATOR_OBJ := $(patsubst %,$(BUILD)/workers/%.o,indicator_apply cell_apply alerts releases indicator_dated \
                   indicator_rebuild clock kpi_announce worker)
$(BUILD)/cdm-indicators: $(BUILD)/workers/indicator_worker.o $(INDICATOR_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_COMMON)
$(BUILD)/cdm-delivery: $(BUILD)/workers/delivery_worker.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_COMMON)
$(BUILD)/cdm-devbroker: $(BUILD)/deploy/local/devbroker.o
	$(CC) $(LDFLAGS) $^ -o $@ -lrdkafka -lpthread

$(BUILD)/tests/bounded_reads: $(BUILD)/tests/integration/bounded_reads.o $(INDICATOR_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_COMMON)

# Prepares every statement and checks its shape (tests/integration/test_statements.py).
$(BUILD)/tests/statement_shapes: $(BUILD)/tests/integration/statement_shapes.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_COMMON)

# Unit tests link the pure modules they test (no database, no broker).
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_COMMON)

# In-process API tests (tests/inproc): the API's objects, all but main.o, in one
# cmocka binary that calls Ulfius's callbacks with requests built in C. The link
# puts the fakes' __wrap_ functions in place of the pool, the statements, the
# connection's status and the log: no socket, no database.
INPROC_TEST := $(BUILD)/tests/inproc_http
INPROC_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/inproc/*.c))
INPROC_WRAP := -Wl,--wrap=pgpool_acquire,--wrap=pgpool_release,--wrap=db_run,--wrap=db_exec \
               -Wl,--wrap=db_sqlstate,--wrap=PQstatus,--wrap=log_json
all: $(INPROC_TEST)
$(BUILD)/tests/inproc/%.o: CFLAGS += -Iapi
$(INPROC_TEST): $(INPROC_OBJ) $(filter-out $(BUILD)/api/main.o,$(API_OBJ)) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(INPROC_WRAP) -lcmocka $(LIBS_API) $(LIBS_COMMON)

.PHONY: test-inproc
test-inproc: $(INPROC_TEST)
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=tests/lsan.supp $(INPROC_TEST)

# libFuzzer targets (tests/fuzz), built in build-fuzz/ by clang: `make fuzz` runs each
# for FUZZ_SECONDS and records its final stats in tests/fuzz/STATS.md (each target must
# reach its minimum of executions, tests/fuzz/run.sh); `make test` runs each briefly.
FUZZ_TARGETS := jsonschema csv_read cursor webhook_url envelope
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 120
$(BUILD)/tests/fuzz/%.o: CFLAGS += -Iapi
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_COMMON)
# The cursor is decoded in API code: its target links the API's objects, all but main.o.
$(BUILD)/fuzz/fuzz_cursor: $(BUILD)/tests/fuzz/fuzz_cursor.o $(filter-out $(BUILD)/api/main.o,$(API_OBJ)) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_API) $(LIBS_COMMON)

.PHONY: fuzz fuzz-bins test-fuzz
.PRECIOUS: $(BUILD)/tests/fuzz/%.o
fuzz-bins: $(FUZZ_BINS)

fuzz: deps
	$(MAKE) BUILD=build-fuzz fuzz-bins
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) tests/fuzz/STATS.md

# What `make test` runs: the regression inputs replayed, then each target for a few seconds.
test-fuzz:
	$(MAKE) BUILD=build-fuzz fuzz-bins
	sh tests/fuzz/run.sh build-fuzz $${FUZZ_TEST_SECONDS:-5}

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- entry points
deps:
	@sh deploy/local/install_deps.sh

run: deps all
	@sh deploy/local/run.sh

stop:
	@sh deploy/local/stop.sh

# Fields the demo's survey rounds again through the running stack's API (a
# second run changes nothing: response ids are derived). Needs CDM_API_KEY.
simulate:
	@/usr/bin/python3 deploy/local/simulate.py http://127.0.0.1:$${CDM_HTTP_PORT:-8080}

# The whole suite against its own throwaway stack: sanitizer build, unit tests,
# static checks, integration tests. Exit status is the suite's.
test: deps
	$(MAKE) BUILD=build-asan all
	$(MAKE) BUILD=build-asan test-structure
	$(MAKE) BUILD=build-asan test-unit
	$(MAKE) BUILD=build-asan test-inproc
	$(MAKE) test-fuzz
	$(MAKE) test-static
	$(MAKE) BUILD=build-asan test-validators-fail
	$(MAKE) BUILD=build-asan test-integration

# The code's structure: every result column read by its name and every
# statement run through DB_RUN (tests/static_code.py), and no cycle of any
# length in the call graph between object files (tests/static_callgraph.py,
# from nm). The statements' shapes are checked against the database by
# tests/integration/test_statements.py.
test-structure: all
	/usr/bin/python3 tests/static_code.py
	/usr/bin/python3 tests/static_callgraph.py $(BUILD)

test-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

# The contract: schemas, the example corpus and the OpenAPI document (checked
# by a real OpenAPI 3.1 validator from npm, tests/tooling, installed by deps).
test-static:
	node tests/tooling/validate-openapi.mjs schemas/openapi.json
	/usr/bin/python3 tests/static_checks.py
	/usr/bin/python3 tests/static_bounds.py
	/usr/bin/python3 tests/static_deploy.py
	/usr/bin/python3 tests/static_asyncapi.py

# Each validator shown to reject a deliberately broken input.
test-validators-fail: $(BUILD)/tests/test_corpus_schemas
	sh tests/test_validators_fail.sh $(BUILD)

test-integration: $(BINS)
	sh tests/integration/run.sh $(BUILD)

valgrind:
	$(MAKE) BUILD=build all
	@set -e; for t in $(patsubst tests/unit/%.c,build/tests/%,$(wildcard tests/unit/test_*.c)); do \
	  valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 $$t; done

bench: deps
	$(MAKE) BUILD=build all
	sh bench/run.sh

clean:
	rm -rf build build-asan build-fuzz
