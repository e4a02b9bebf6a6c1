# sluice: `make run` and `make test` are the two commands of the quick start.
#   make run    builds only the server (the `sluice` target) and serves it
#   make test   builds everything (unit tests, benchmarks' libraries) and runs every test
BUILD_DIR ?= build
HOST ?= 127.0.0.1
PORT ?= 9200
DATA_DIR ?= ./data
JOBS ?= $(shell nproc)

.PHONY: deps test-deps configure sluice build run test bench clean compatibility stress \
  test-sanitize test-asan test-tsan test-fuzz thread-safety

# Debian packages the build needs (no Node).
deps:
	@scripts/install-deps

# The end-to-end tests' npm packages (needs Node 20; only `make test` needs it).
test-deps:
	@scripts/install-test-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

configure: $(BUILD_DIR)/build.ninja

# The server binary and only what it links.
sluice: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target sluice

# Every target: the server, the unit test binaries, the benchmarks.
build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: sluice
	$(BUILD_DIR)/sluice serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

# Re-configures first so that end-to-end tests are registered once Node is found.
test: deps test-deps configure
	cmake -S . -B $(BUILD_DIR) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# ---- crash test (not in CI; `make test` runs 5 iterations) ----
STRESS_ITERATIONS ?= 100
STRESS_SEED ?= 1
stress: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target sluice
	SLUICE_BIN=$(abspath $(BUILD_DIR))/sluice node tests/stress/crash_test.mjs \
	  --iterations $(STRESS_ITERATIONS) --seed $(STRESS_SEED) --max-seconds 3600

# ---- sanitizers (CI runs these after `make test`) ----
# Each variant has its own build dir and builds only what it runs: no benchmarks.
# -O1 -g1: sanitizer builds compile faster and still give line numbers in reports.
SAN_CMAKE = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_BUILD_BENCH=OFF \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1"
ASAN_DIR ?= build/asan
TSAN_DIR ?= build/tsan
FUZZ_DIR ?= build/fuzz
# End-to-end tests run against the ASan+UBSan server: bulk, search, knn, batch
# ingestion, durability (kill -9 and restart) and the crash test.
ASAN_E2E ?= e2e_(foundation|knn|durability|batch_ingestion_records|batch_ingestion_lifecycle)$$|^stress_crash_test$$
# Unit-test binaries with threads: index write + search, catalog, task manager,
# batch writer and progress, HTTP server with its worker pools and admission control.
TSAN_TARGETS ?= search_search_concurrency_test index_index_test index_catalog_test \
  task_manager_test batch_writer_test ingest_progress_test http_server_test \
  http_server_admission_test http_admission_test
FUZZ_TARGETS ?= http_request_fuzz bulk_fuzz query_fuzz mapping_fuzz record_mapper_fuzz
FUZZ_SECONDS ?= 20
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/tests/sanitizers/ubsan.supp
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/sanitizers/tsan.supp

test-sanitize: test-asan test-tsan test-fuzz

test-asan: deps
	cmake -S . -B $(ASAN_DIR) $(SAN_CMAKE) -DSLUICE_SANITIZE=address >/dev/null
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900 -LE 'e2e|stress'
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900 -R '^($(ASAN_E2E))'

test-tsan: deps
	cmake -S . -B $(TSAN_DIR) $(SAN_CMAKE) -DSLUICE_SANITIZE=thread >/dev/null
	cmake --build $(TSAN_DIR) -j $(JOBS) --target $(TSAN_TARGETS)
	# Only the binaries built above are run (gtest discovery marks the others _NOT_BUILT);
	# no e2e, conformance or crash test (they need the server binary, not built here).
	cd $(TSAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900 -LE 'e2e|stress' \
	  -E '_NOT_BUILT$$|^jsonpath_fuzz$$'

# libFuzzer targets (clang). Building them also compiles the annotated modules
# with clang's -Wthread-safety as an error (see SLUICE_THREAD_SAFETY).
test-fuzz: deps
	cmake -S . -B $(FUZZ_DIR) $(SAN_CMAKE) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	  -DSLUICE_SANITIZE=fuzzer -DSLUICE_BUILD_FUZZ=ON -DSLUICE_BUILD_TESTS=OFF \
	  -DSLUICE_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(FUZZ_TARGETS)
	cd $(FUZZ_DIR) && ctest --output-on-failure -L fuzz --timeout 900

# clang -Wthread-safety on the annotated modules only (no sanitizers, no fuzzers).
THREAD_SAFETY_DIR ?= build/clang
thread-safety: deps
	cmake -S . -B $(THREAD_SAFETY_DIR) $(SAN_CMAKE) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	  -DSLUICE_BUILD_TESTS=OFF >/dev/null
	cmake --build $(THREAD_SAFETY_DIR) -j $(JOBS) --target sluice_metrics sluice_index sluice_ingest sluice_tasks

bench: build
	cmake --build $(BUILD_DIR) --target benchmarks
	scripts/run-benchmarks $(BUILD_DIR)

# docs/compatibility.md from a conformance run (OpenSearch's YAML REST tests).
compatibility: configure
	cmake --build $(BUILD_DIR) --target sluice
	SLUICE_BIN=$(BUILD_DIR)/sluice node tests/conformance/run.mjs --report $(BUILD_DIR)/conformance.json; [ $$? -le 1 ]
	node tests/conformance/compatibility.mjs $(BUILD_DIR)/conformance.json docs/compatibility.md

clean:
	rm -rf $(BUILD_DIR)
