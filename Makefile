# sluice: `make run` and `make test` are the two commands of the quick start.
#   make run    builds only the server (the `sluice` target) and serves it
#   make test   builds everything (unit tests, benchmarks' libraries) and runs every test
BUILD_DIR ?= build
HOST ?= 127.0.0.1
PORT ?= 9200
DATA_DIR ?= ./data
JOBS ?= $(shell nproc)

.PHONY: deps test-deps configure sluice build run test bench clean

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

bench: build
	cmake --build $(BUILD_DIR) --target benchmarks
	scripts/run-benchmarks $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
