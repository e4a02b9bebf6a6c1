# sluice: `make run` and `make test` are the two commands of the quick start.
BUILD_DIR ?= build
HOST ?= 127.0.0.1
PORT ?= 9200
DATA_DIR ?= ./data
JOBS ?= $(shell nproc)

.PHONY: deps configure build run test bench clean compatibility

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/sluice serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

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
