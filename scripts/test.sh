#!/usr/bin/env bash
# Runs every check `make test` promises, step by step; stops at the first failure and names it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

LOGDIR=target/test-logs
mkdir -p "$LOGDIR"
total_passed=0
steps=()

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# run NAME COMMAND...: runs a step, keeps its output in target/test-logs/NAME.log.
run() {
  local name="$1"; shift
  say "$name"
  local log="$LOGDIR/$name.log"
  if ! "$@" 2>&1 | tee "$log"; then
    printf '\n\033[1;31mFAILED: %s\033[0m (full output: %s)\n' "$name" "$log"
    echo "0 passed, 1 failed"
    exit 1
  fi
  steps+=("$name")
}

# count NAME: adds the tests a step ran (cargo / wasm-bindgen-test / node --test) and fails a step
# that ran none, so a suite that silently skipped everything cannot pass.
count() {
  local name="$1" log="$LOGDIR/$1.log" n
  n=$( { grep -Eo 'test result: ok\. [0-9]+ passed' "$log" || true; } | awk '{s+=$4} END {print s+0}')
  local node_n; node_n=$( { grep -Eo '^# pass [0-9]+' "$log" || true; } | awk '{s+=$3} END {print s+0}')
  n=$((n + node_n))
  if [ "$n" -eq 0 ]; then
    printf '\n\033[1;31mFAILED: %s ran no tests\033[0m\n' "$name"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "($name: $n tests passed)"
  total_passed=$((total_passed + n))
}

scripts/setup.sh rust wasm browser node

run fmt cargo fmt --all -- --check
run clippy cargo clippy --workspace --all-targets -- -D warnings
run clippy-wasm cargo clippy -p kaizala -p kaizala-bench-floor --target wasm32-unknown-unknown --all-targets -- -D warnings
run rust-tests cargo test --workspace
count rust-tests

# The wasm suites and the package and page tests run against emulators of their own on free ports;
# the wasm suites also against a misbehaving platform (tests/support/hostile-server.mjs). They use
# the emulator's debug build, which `cargo test` has just built: a release build would add minutes
# and these suites do not measure speed (`make bench` and `make demo` use the release build).
export KAIZALA_EMULATOR_PROFILE=dev
run emulator-build cargo build -q -p kaizala-emulator
# The headless runner bounds the whole browser suite by one time-out, whose default is close to
# what the suite takes on a busy 2-core machine: a slow run would fail as "timed out", not a test.
run wasm-chrome env CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=180 scripts/with-emulator.sh -- \
  scripts/with-hostile.sh -- wasm-pack test --mode no-install --headless --chrome . --test browser
count wasm-chrome
run wasm-node scripts/with-emulator.sh -- \
  scripts/with-hostile.sh -- wasm-pack test --mode no-install --node . --test node
count wasm-node
run pkg scripts/build-pkg.sh
run package-tests scripts/with-emulator.sh -- node --test tests/package/
count package-tests
# What a browser loads for the minimal app, and the whole package, within tests/size/budget.json.
run size-tests scripts/with-emulator.sh -- node --test tests/size/
count size-tests
# Servers of the suite's own on 127.0.0.1 that redirect, loop, send huge bodies, echo tokens.
run hostile-tests node --test tests/hostile/
count hostile-tests
run page-tests scripts/with-emulator.sh --static www -- node --test tests/page/
count page-tests

say "all steps passed: ${steps[*]}"
echo "tests: $total_passed passed, 0 failed"
