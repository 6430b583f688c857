#!/usr/bin/env bash
# Starts an emulator on a free port, runs a command with KAIZALA_EMULATOR_URL set, then stops it.
# Usage: scripts/with-emulator.sh [emulator flags --] command...
# KAIZALA_EMULATOR_LIMIT sets both call limits (default 100000 a minute, so tests are never throttled).
# KAIZALA_EMULATOR_PROFILE=dev runs the debug build (what `cargo test` already built: `make test`
# saves a release build of the emulator that way); the default is the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

flags=()
if [[ " $* " == *" -- "* ]]; then
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
fi

profile="${KAIZALA_EMULATOR_PROFILE:-release}"
case "$profile" in
  release) bin=target/release/kaizala-emulator ;;
  dev) bin=target/debug/kaizala-emulator ;;
  *) echo "KAIZALA_EMULATOR_PROFILE must be release or dev, not $profile" >&2; exit 2 ;;
esac
[ -x "$bin" ] && [ -z "$(find emulator -newer "$bin" -name '*.rs' -print -quit)" ] \
  || cargo build --profile "$profile" -q -p kaizala-emulator

out=$(mktemp)
limit="${KAIZALA_EMULATOR_LIMIT:-100000}"
"$bin" --port 0 --quiet --connector-limit "$limit" --tenant-limit "$limit" \
  --webhook-backoff-ms 50 "${flags[@]}" >"$out" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"; }
trap cleanup EXIT INT TERM

for _ in $(seq 1 100); do
  url=$(sed -n 's/^Kaizala emulator listening on //p' "$out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; echo "the emulator did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "the emulator did not print its URL" >&2; exit 1; }
export KAIZALA_EMULATOR_URL="$url"
echo "(emulator at $url)"
"$@"
