# genauth-sidecar — the commands a newcomer needs. Every target installs what is missing first
# (Debian packages via scripts/install-deps.sh; idempotent and quick when all are present).
#   make build   build everything; the sidecar lands at build/genauth-sidecar
#   make test    build and run every test (GoogleTest under ctest)
#   make demo    run emulator + webhook receiver + sidecar and trigger one webhook through the CLI
#   make lint    clang-format check and clang-tidy (CI runs it)
#   make docs    regenerate docs/configuration.md from the settings table (a test checks it)
#   make test-asan / make test-tsan   the whole suite under sanitizers
#   make image       container images (FROM scratch, podman + runc, offline); not part of make test
#   make pod-test    the deploy/k8s pod under `podman kube play`, one webhook through it (root)
#   make measure     the sidecar's memory and CPU idle and under a short load (resource sizing)
#   make bench       the sidecar's overhead versus direct REST, open loop, and the far-GenAuth
#                    profile (BENCHMARKS.md; about a quarter of an hour)
#   make soak        5 min of mixed traffic at 500 calls/s with random upstream faults; checks no
#                    crash, hang, duplicate trigger or memory growth (SOAK_DURATION, SOAK_RATE)
#   make fleet       50 sidecars started together against one emulator with 30 s tokens, light
#                    traffic and random faults, ~3 min: token fetches per second over time,
#                    fetches per lifetime, load amplification, RSS per sidecar (BENCHMARKS.md)
#   make bench-metadata  what idempotency keys and trace context cost per call, and a soak
#                    with unique keys (BENCHMARKS.md; about 10 min)
#   make fuzz        libFuzzer targets (tests/fuzz) built with clang + ASan/UBSan in build-fuzz,
#                    each run FUZZ_SECONDS (default 60) on a copy of its seed corpus; fails on any
#                    finding and prints where the crash input is. make test replays the corpora.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := envelope token_reply jwt_claims retry_after config fault transcoder

# Only the binaries the demo, the images and the pod test need, not the whole test suite.
DEPLOY_BINARIES := genauth-sidecar genauth-cli genauth-emulator webhook-receiver

SOURCES := $(shell git ls-files '*.cc' '*.h' 2>/dev/null || find src tests -name '*.cc' -o -name '*.h')

.PHONY: all deps configure build test demo docs lint format format-check tidy test-asan test-tsan \
        clean image pod-test measure bench bench-metadata soak fleet fuzz

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest -j $(JOBS) --output-on-failure --timeout 180

# Only the four binaries the demo starts, not the tests and fuzz replays (a fresh clone's first run).
demo: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(DEPLOY_BINARIES)
	@scripts/demo.sh $(BUILD_DIR)

# The configuration reference is generated from src/config/settings_table.cc; commit the result.
docs: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target genauth-sidecar
	$(BUILD_DIR)/genauth-sidecar --help-markdown > docs/configuration.md.tmp
	mv docs/configuration.md.tmp docs/configuration.md

format: deps
	clang-format -i $(SOURCES)

format-check: deps
	clang-format --dry-run --Werror $(SOURCES)

# clang-tidy reads compile_commands.json from the build directory; only our sources are checked.
tidy: configure
	cmake --build $(BUILD_DIR) --target sidecar_proto -j $(JOBS)
	run-clang-tidy -p $(BUILD_DIR) -j $(JOBS) -quiet '$(CURDIR)/src/.*\.cc$$' > $(BUILD_DIR)/clang-tidy.log 2>&1 \
	  || { sed 's/\x1b\[[0-9;]*m//g' $(BUILD_DIR)/clang-tidy.log | grep -E 'error:|warning:' \
	       | grep -v 'warnings generated' | sort -u; \
	       echo 'clang-tidy found problems (full log: $(BUILD_DIR)/clang-tidy.log)'; exit 1; }

lint: format-check tidy

test-asan:
	$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=Debug CMAKE_FLAGS=-DSIDECAR_SANITIZE=address

test-tsan:
	$(MAKE) test BUILD_DIR=build-tsan BUILD_TYPE=Debug CMAKE_FLAGS=-DSIDECAR_SANITIZE=thread

image: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(DEPLOY_BINARIES)
	scripts/build-image.sh $(BUILD_DIR)

pod-test: image
	scripts/pod-test.sh $(BUILD_DIR)

measure: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(DEPLOY_BINARIES)
	scripts/measure-resources.sh $(BUILD_DIR)

# Only what the benchmark runs; gnuplot and perf come from scripts/install-bench-deps.sh so that
# `make test` never needs them. Results go to bench/results (BENCH_* variables: scripts/bench.sh).
BENCH_BINARIES := $(DEPLOY_BINARIES) genauth-loadgen genauth-far-upstream genauth-grpc-floor

# install-bench-deps comes first and cmake runs again: genauth-far-upstream exists only once
# libnghttp2-dev is there.
bench: deps
	@scripts/install-bench-deps.sh
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(BENCH_BINARIES)
	scripts/bench.sh $(BUILD_DIR)

SOAK_DURATION ?= 5m
SOAK_RATE ?= 500

soak: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(BENCH_BINARIES)
	scripts/soak.sh $(BUILD_DIR) $(SOAK_DURATION) $(SOAK_RATE)

# FLEET_SIZE sidecars started together against one emulator (scripts/fleet.sh for the knobs).
fleet: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(BENCH_BINARIES)
	scripts/fleet.sh $(BUILD_DIR)

# The cost of idempotency keys and trace context per call, interleaved with plain calls (and with
# BENCH_BASELINE_SIDECAR, another sidecar binary), then a soak with unique keys
# (scripts/bench-metadata.sh for the knobs; about 10 minutes).
bench-metadata: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(DEPLOY_BINARIES) genauth-loadgen
	scripts/bench-metadata.sh $(BUILD_DIR)

# clang only (CMake refuses SIDECAR_FUZZ with gcc); builds just the fuzz binaries.
fuzz: deps
	@scripts/install-fuzz-deps.sh
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSIDECAR_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addsuffix _fuzzer,$(FUZZ_TARGETS))
	scripts/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf build build-asan build-tsan build-fuzz
