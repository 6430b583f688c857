#!/usr/bin/env bash
# `make bench`: kaizala beside plain fetch, fetch with a time-out, ofetch, @octokit/request, ky and
# the floor, per call in Node and in headless Chromium; what a browser loads for each client's
# minimal app; the whole package; wasm compile + instantiate; wasm memory after 100 and 10,000
# calls. Prints Markdown tables (kept in target/bench.md; the README keeps one) and issue 14's
# targets with met / not met, and exits non-zero when one is missed.
# BENCH_ROUNDS (default 2000; one call per client each), BENCH_WARM (default 100 rounds not
# counted) and BENCH_STARTS (default 9 cold starts) change the sample sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh browser node
scripts/build-pkg.sh >&2

# The Chromium half runs on the emulator's own origin: the bench page, its measuring code, a copy
# of the web build, the peers bundled for the page and (written by bench.mjs) the minimal apps,
# served with --static under /bench/ (single-segment paths such as /page.js are the emulator's
# region endpoints).
www=target/bench-www
rm -rf "$www"
mkdir -p "$www/bench/pkg"
cp tests/bench/index.html tests/bench/page.js tests/bench/measure.js "$www/bench/"
cp pkg/web/* "$www/bench/pkg/"
tests/node_modules/.bin/esbuild tests/bench/peers.mjs --bundle --format=esm --platform=browser \
  --target=es2022 --minify --log-level=warning --outfile="$www/bench/peers.js"

# The floor (tests/bench/floor): the least a Rust async method over wasm-bindgen does per call.
cargo build --lib --target wasm32-unknown-unknown --profile wasm -p kaizala-bench-floor -q
floor_wasm=target/wasm32-unknown-unknown/wasm/kaizala_bench_floor.wasm
wasm-bindgen --target web --out-dir "$www/bench/floor" "$floor_wasm"
wasm-bindgen --target nodejs --out-dir target/bench-floor "$floor_wasm"

# Never throttled: the bench makes far more calls a minute than the platform allows.
KAIZALA_EMULATOR_LIMIT=100000000 scripts/with-emulator.sh --static "$www" --cross-origin-isolated -- node tests/bench/bench.mjs
