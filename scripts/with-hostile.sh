#!/usr/bin/env bash
# Starts tests/support/hostile-server.mjs (a misbehaving platform on two free ports), runs a command
# with KAIZALA_HOSTILE_URL (the trusted origin) and KAIZALA_FOREIGN_URL set, then stops it.
# Usage: scripts/with-hostile.sh -- command...
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--" ] && shift

out=$(mktemp)
node tests/support/hostile-server.mjs >"$out" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"; }
trap cleanup EXIT INT TERM

urls=""
for _ in $(seq 1 100); do
  urls=$(sed -n 's/^hostile server listening on //p' "$out")
  [ -n "$urls" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; echo "the hostile server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$urls" ] || { echo "the hostile server did not print its URLs" >&2; exit 1; }
export KAIZALA_HOSTILE_URL="${urls%% *}"
export KAIZALA_FOREIGN_URL="${urls##* }"
echo "(hostile server at $KAIZALA_HOSTILE_URL, foreign origin at $KAIZALA_FOREIGN_URL)"
"$@"
