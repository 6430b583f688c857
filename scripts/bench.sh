#!/usr/bin/env bash
# `make bench`: the package's size, per-call overhead of KaizalaClient against plain fetch, module
# load + instantiate time, and wasm memory after 100 and 10,000 calls, in Node and in headless
# Chromium, against a fresh emulator. Prints a Markdown table (the README keeps one).
# BENCH_CALLS (default 1000) and BENCH_LOADS (default 7) change the sample sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh browser node
scripts/build-pkg.sh >&2

# The Chromium half runs on the emulator's own origin: the bench page, its measuring code and a copy
# of the web build, served with --static under /bench/ (single-segment paths such as /page.js are
# the emulator's region endpoints).
www=target/bench-www
rm -rf "$www"
mkdir -p "$www/bench/pkg"
cp tests/bench/index.html tests/bench/page.js tests/bench/measure.js "$www/bench/"
cp pkg/web/* "$www/bench/pkg/"

# The floor (tests/bench/floor): the least a Rust async method over wasm-bindgen does per call.
cargo build --lib --target wasm32-unknown-unknown --profile wasm -p kaizala-bench-floor -q
floor_wasm=target/wasm32-unknown-unknown/wasm/kaizala_bench_floor.wasm
wasm-bindgen --target web --out-dir "$www/bench/floor" "$floor_wasm"
wasm-bindgen --target nodejs --out-dir target/bench-floor "$floor_wasm"

echo "kaizala bench: $(date -u +%Y-%m-%dT%H:%MZ), node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -1), $(nproc) cores" >&2
# Never throttled: the bench makes ~25,000 calls in a few seconds.
KAIZALA_EMULATOR_LIMIT=100000000 scripts/with-emulator.sh --static "$www" --cross-origin-isolated -- node tests/bench/bench.mjs
