# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it is missing.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: test demo pkg bench setup emulator load clean

## Run every check: formatting, lints, Rust tests, wasm tests in Chromium and Node, package, size and page tests.
test:
	scripts/test.sh

## Build the client package and serve the demo page on the emulator at http://127.0.0.1:8080 (PORT=… to change).
demo:
	scripts/demo.sh

## Build the npm package into pkg/ (wasm for browsers and Node, JS wrapper, type declarations).
pkg:
	scripts/build-pkg.sh

## Measure kaizala beside plain fetch, ofetch, @octokit/request and ky: per call, size, start-up, memory; fails when a target is missed (table in README.md, history in docs/performance.md).
bench:
	scripts/bench.sh

## Build the emulator (release).
emulator:
	cargo build --release -p kaizala-emulator

## Measure the emulator's throughput and latency on loopback (numbers kept in README.md).
load:
	scripts/load.sh

## Install everything the build and tests need (skips what is there).
setup:
	scripts/setup.sh all

clean:
	cargo clean
	rm -rf pkg tests/node_modules www/pkg
