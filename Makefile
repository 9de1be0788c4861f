# The two commands of the README:
#   make demo   build, then run tandem's main job on the default guest
#   make test   build, then run every test through ctest
# Both first install the system packages the project needs (idempotent).

BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build test demo soak bench clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then cmake -S . -B $(BUILD) -G Ninja; fi
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1200

demo: build
	@./scripts/demo.sh $(BUILD)

# Long randomized runs: SOAK_SECONDS sets how long each soak runs.
soak: build
	@./scripts/soak.sh $(BUILD)

bench: build
	@./bench/run all

clean:
	rm -rf $(BUILD)
