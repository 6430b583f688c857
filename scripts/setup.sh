#!/usr/bin/env bash
# Installs what the build and the tests need and is missing; skips what is already there.
# Usage: scripts/setup.sh [rust|wasm|browser|node|load|all]...
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock
}

need_rust() {
  command -v cargo >/dev/null || { echo "cargo is not installed: install Rust with rustup first" >&2; exit 1; }
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
}

need_wasm() {
  need_rust
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want; want="$(wasm_bindgen_version)"
  [ -n "$want" ] || { cargo generate-lockfile; want="$(wasm_bindgen_version)"; }
  local have=""; command -v wasm-bindgen >/dev/null && have="$(wasm-bindgen --version | awk '{print $2}')"
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (the version in Cargo.lock; takes a few minutes once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  if ! command -v wasm-pack >/dev/null; then
    say "installing wasm-pack (takes a few minutes once)"
    cargo install wasm-pack --locked
  fi
}

need_browser() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Chromium and ChromeDriver from Debian"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

need_node() {
  command -v node >/dev/null || { echo "node is not installed" >&2; exit 1; }
  if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.installed ]; then
    say "installing the test and build tools from npm (tests/package.json)"
    (cd tests && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed)
  fi
}

need_load() {
  if ! command -v wrk >/dev/null; then
    say "installing wrk from Debian (for make load)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
  fi
}

[ $# -gt 0 ] || set -- all
for what in "$@"; do
  case "$what" in
    rust) need_rust ;;
    wasm) need_wasm ;;
    browser) need_browser ;;
    node) need_node ;;
    load) need_load ;;
    all) need_rust; need_wasm; need_browser; need_node; need_load ;;
    *) echo "unknown: $what" >&2; exit 2 ;;
  esac
done
