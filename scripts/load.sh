#!/usr/bin/env bash
# Measures the emulator on loopback with wrk: throughput and latency of GET /groups and
# POST /groups/{id}/messages, in memory and with --data (SQLite), with the demo tenant and with
# 100,000 members imported into its main group. Prints wrk's output, then a Markdown table.
# LOAD_SECONDS (default 10) and LOAD_CONNECTIONS (default 32) set each run; 2 wrk threads.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh load
cargo build --release -q -p kaizala-emulator

seconds="${LOAD_SECONDS:-10}"
conns="${LOAD_CONNECTIONS:-32}"
bin=target/release/kaizala-emulator
work=$(mktemp -d)
pid=""
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop; rm -rf "$work"' EXIT INT TERM

# start FLAGS...: a fresh emulator on a free port; sets $url.
start() {
  "$bin" --port 0 --quiet --connector-limit 1000000000 --tenant-limit 1000000000 "$@" >"$work/out" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^Kaizala emulator listening on //p' "$work/out")
    [ -n "$url" ] && return
    kill -0 "$pid" 2>/dev/null || { cat "$work/out" >&2; exit 1; }
    sleep 0.1
  done
  echo "the emulator did not start" >&2
  exit 1
}

# session: the organisation admin's access token, endpoint URL and the main group.
session() {
  python3 - "$url" >"$work/session" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
seed = json.load(urllib.request.urlopen(f"{url}/_emulator/seed"))
req = urllib.request.Request(f"{url}/v1/accessToken", headers={
    "applicationId": seed["applicationId"], "applicationSecret": seed["applicationSecret"],
    "refreshToken": seed["userRefreshToken"]})
tok = json.load(urllib.request.urlopen(req))
print(tok["accessToken"], tok["endpointUrl"], seed["mainGroupId"])
PY
  read -r access endpoint group <"$work/session"
}

# import_members N: adds N members to the main group, a thousand a call.
import_members() {
  python3 - "$endpoint" "$access" "$group" "$1" <<'PY'
import json, sys, urllib.request
endpoint, token, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for start in range(0, n, 1000):
    members = [f"+9177{i:08d}" for i in range(start, min(n, start + 1000))]
    req = urllib.request.Request(f"{endpoint}v1/groups/{group}/members", method="PUT",
        data=json.dumps({"members": members}).encode(),
        headers={"accessToken": token, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
}

rows=()
# measure STATE TENANT: runs both calls and adds their table rows.
measure() {
  local state="$1" tenant="$2" lua="$work/post.lua" out
  cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = '{"message": "load test message"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["accessToken"] = "$access"
LUA
  for call in groups messages; do
    echo "### $call, $state, $tenant"
    if [ "$call" = groups ]; then
      out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "accessToken: $access" "${endpoint}v1/groups")
    else
      out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$lua" "${endpoint}v1/groups/$group/messages")
    fi
    echo "$out"
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    [ -z "$errors" ] || { echo "$errors calls failed" >&2; exit 1; }
    local name="GET /groups"
    [ "$call" = messages ] && name="POST /groups/{id}/messages"
    rps=$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$rps")
    rows+=("| \`$name\` | $state | $tenant | $rps | $p50 | $p99 |")
  done
}

for state in memory data; do
  for tenant in demo 100k; do
    flags=()
    [ "$state" = data ] && { rm -f "$work"/state.db*; flags=(--data "$work/state.db"); }
    start "${flags[@]}"
    session
    label="demo tenant"
    if [ "$tenant" = 100k ]; then
      import_members 100000
      label="100,000 members"
    fi
    shown="in memory"
    [ "$state" = data ] && shown="\`--data\` (SQLite)"
    measure "$shown" "$label"
    stop
  done
done

echo
echo "wrk: 2 threads, $conns connections, ${seconds} s a run, on loopback, release build"
echo
echo "| call | state | tenant | calls/s | p50 | p99 |"
echo "| --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
