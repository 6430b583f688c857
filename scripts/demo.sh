#!/usr/bin/env bash
# `make demo`: installs what is missing, builds the package and the emulator, and serves the demo page.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
port="${PORT:-8080}"

scripts/setup.sh rust wasm node
scripts/build-pkg.sh
cargo build --release -q -p kaizala-emulator

# The page imports the package from ./pkg/ (a copy: www/pkg is not in git).
rm -rf www/pkg
cp -r pkg www/pkg

cat <<MSG

  Kaizala demo: http://127.0.0.1:$port/

  Sign in with a PIN as any demo user, e.g. the organisation admin +911000000001 or the member
  +911000000010: the page shows the PIN the emulator "sent by SMS". Or use the connector's refresh
  token (prefilled), or the OAuth redirect. The demo tenant is listed at
  http://127.0.0.1:$port/_emulator/seed.  Ctrl-C stops the emulator.

MSG
exec target/release/kaizala-emulator --port "$port" --static www
