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

scripts/setup.sh rust

run fmt cargo fmt --all -- --check
run clippy cargo clippy --workspace --all-targets -- -D warnings
run rust-tests cargo test --workspace
count rust-tests

say "all steps passed: ${steps[*]}"
echo "tests: $total_passed passed, 0 failed"
