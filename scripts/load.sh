#!/usr/bin/env bash
# Measures the emulator on loopback with wrk: throughput and latency percentiles of
# GET /groups and POST /groups/{id}/messages. Bounded: 10 s per call, 2 threads, 32 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p kaizala-emulator

if [ -z "${KAIZALA_EMULATOR_URL:-}" ]; then
  KAIZALA_EMULATOR_LIMIT=1000000000 exec scripts/with-emulator.sh "$0" "$@"
fi
url="$KAIZALA_EMULATOR_URL"
seed=$(curl -sf "$url/_emulator/seed")
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$1"; }
app=$(field "$seed" '["applicationId"]')
secret=$(field "$seed" '["applicationSecret"]')
refresh=$(field "$seed" '["userRefreshToken"]')
group=$(field "$seed" '["mainGroupId"]')
tok=$(curl -sf "$url/v1/accessToken" -H "applicationId: $app" -H "applicationSecret: $secret" -H "refreshToken: $refresh")
access=$(field "$tok" '["accessToken"]')
endpoint=$(field "$tok" '["endpointUrl"]')

lua=$(mktemp --suffix .lua)
trap 'rm -f "$lua"' EXIT
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = '{"message": "load test message"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["accessToken"] = "$access"
LUA

echo "### GET ${endpoint}v1/groups"
wrk -t2 -c32 -d10s --latency -H "accessToken: $access" "${endpoint}v1/groups"
echo
echo "### POST ${endpoint}v1/groups/{id}/messages"
wrk -t2 -c32 -d10s --latency -s "$lua" "${endpoint}v1/groups/$group/messages"
