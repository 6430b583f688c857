#!/usr/bin/env bash
# `make pkg`: builds the npm package `kaizala` into pkg/.
#   1. installs what is missing (wasm target, wasm-bindgen-cli at the Cargo.lock version, npm tools)
#   2. compiles the crate to wasm32 with the size-tuned `wasm` profile
#   3. runs wasm-bindgen twice: --target web and --target nodejs, into target/pkg-build/{web,node}, and
#      inlines the JS modules the crate imports into each kaizala.js (scripts/inline-snippets.cjs)
#   4. shrinks each _bg.wasm with wasm-opt -Oz (from the npm `binaryen` package in tests/node_modules)
#   5. assembles pkg/ from pkg-template/ and the generated files
# Steps 3-5 are skipped when their inputs did not change (content hashes kept in target/pkg-build/).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

scripts/setup.sh wasm node

build=target/pkg-build
out=pkg
wasm_in=target/wasm32-unknown-unknown/wasm/kaizala.wasm
wasm_opt=tests/node_modules/.bin/wasm-opt
opt_flags=(-Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int)
mkdir -p "$build"

# 2. Cargo skips the compile itself when nothing changed.
cargo build --lib --target wasm32-unknown-unknown --profile wasm -p kaizala -q
[ -f "$wasm_in" ] || { echo "build-pkg: cargo did not produce $wasm_in" >&2; exit 1; }

# 3 + 4. wasm-bindgen and wasm-opt, only when the compiled wasm, the JS modules it imports (src/wasm/*.js,
# inlined into kaizala.js here), the tools or the flags changed.
bindgen_key="$(hash_of "$wasm_in" src/wasm/*.js scripts/build-pkg.sh scripts/inline-snippets.cjs) $(wasm-bindgen --version) $("$wasm_opt" --version) ${opt_flags[*]}"
if [ "$(cat "$build/.bindgen.key" 2>/dev/null)" != "$bindgen_key" ] \
  || [ ! -f "$build/web/kaizala_bg.wasm" ] || [ ! -f "$build/node/kaizala_bg.wasm" ]; then
  rm -f "$build/.bindgen.key"
  for target in web node; do
    bg_target=$target; [ "$target" = node ] && bg_target=nodejs
    say "wasm-bindgen --target $bg_target"
    rm -rf "${build:?}/$target"
    wasm-bindgen "$wasm_in" --target "$bg_target" --out-name kaizala --out-dir "$build/$target" --no-typescript
    # The JS modules the crate imports (`#[wasm_bindgen(module = ...)]`) go into kaizala.js.
    node scripts/inline-snippets.cjs "$build/$target"
    say "wasm-opt ${opt_flags[*]} ($target)"
    "$wasm_opt" "${opt_flags[@]}" "$build/$target/kaizala_bg.wasm" -o "$build/$target/kaizala_bg.opt.wasm"
    mv "$build/$target/kaizala_bg.opt.wasm" "$build/$target/kaizala_bg.wasm"
  done
  echo "$bindgen_key" >"$build/.bindgen.key"
fi

# 5. pkg/, only when the template or the generated files changed (or pkg/ was touched by hand).
pkg_inputs=(
  "$build/web/kaizala.js" "$build/web/kaizala_bg.wasm" "$build/node/kaizala.js" "$build/node/kaizala_bg.wasm"
  pkg-template/package.json pkg-template/api.js pkg-template/receivers.js pkg-template/csv.js pkg-template/workflows.js
  pkg-template/kaizala.d.ts pkg-template/README.md
  pkg-template/web/package.json pkg-template/node/package.json Cargo.toml scripts/build-pkg.sh
)
pkg_key="$(hash_of "${pkg_inputs[@]}")"
pkg_now() { [ -d "$out" ] && find "$out" -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1; }
if [ "$(cat "$build/.pkg.key" 2>/dev/null)" = "$pkg_key $(pkg_now)" ]; then
  echo "pkg/ is up to date"
  exit 0
fi

say "assembling $out/"
stage="$build/pkg.tmp"
rm -rf "$stage"
mkdir -p "$stage/web" "$stage/node"
cp pkg-template/kaizala.d.ts pkg-template/README.md "$stage/"
cp pkg-template/web/package.json "$stage/web/"
cp pkg-template/node/package.json "$stage/node/"
cp "$build/web/kaizala.js" "$build/web/kaizala_bg.wasm" "$stage/web/"
cp "$build/node/kaizala.js" "$stage/node/"
# Both targets get the same wasm bytes; the package ships them once (web/kaizala_bg.wasm) and the
# Node loader reads that file. Should they ever differ, Node gets its own copy.
wasm_line='const wasmPath = `${__dirname}/kaizala_bg.wasm`;'
grep -qF "$wasm_line" "$stage/node/kaizala.js" \
  || { echo "build-pkg: node/kaizala.js does not load its wasm the expected way" >&2; exit 1; }
shared_wasm=0
if cmp -s "$build/web/kaizala_bg.wasm" "$build/node/kaizala_bg.wasm"; then
  shared_wasm=1
  node -e '
    const fs = require("fs");
    const [file, line] = process.argv.slice(1);
    const src = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, src.replace(line, "const wasmPath = require(\"path\").join(__dirname, \"..\", \"web\", \"kaizala_bg.wasm\");"));
  ' "$stage/node/kaizala.js" "$wasm_line"
else
  cp "$build/node/kaizala_bg.wasm" "$stage/node/"
fi

# The version comes from the crate.
version=$(awk -F'"' '/^\[package\]/{p=1} p && /^version *=/{print $2; exit}' Cargo.toml)
node -e '
  const fs = require("fs");
  const [src, dst, version, shared] = process.argv.slice(1);
  const p = JSON.parse(fs.readFileSync(src, "utf8"));
  p.version = version;
  if (shared === "0") p.files.push("node/kaizala_bg.wasm");
  fs.writeFileSync(dst, JSON.stringify(p, null, 2) + "\n");
' pkg-template/package.json "$stage/package.json" "$version" "$shared_wasm"

# The names the package exports: whatever wrap() returns, asked of the Node build.
names=$(node -e '
  const fs = require("fs"), path = require("path");
  const raw = require(path.resolve(process.argv[1]));
  const src = process.argv.slice(2).map((f) => fs.readFileSync(f, "utf8")).join("\n");
  const wrap = new Function(src + "\nreturn wrap;")();
  const names = Object.keys(wrap(raw, () => { throw new Error("not loaded here"); })).sort();
  for (const n of names) if (!/^[A-Za-z_$][\w$]*$/.test(n)) throw new Error("not an identifier: " + n);
  for (const n of ["KaizalaClient", "KaizalaError"]) if (!names.includes(n)) throw new Error("missing export " + n);
  console.log(names.join(", "));
' "$stage/node/kaizala.js" pkg-template/api.js pkg-template/receivers.js)

header="// Generated by scripts/build-pkg.sh from pkg-template/ (api.js, receivers.js, csv.js, workflows.js); do not edit."
# The browser entry loads the workflows (CSV imports and exports) on first use only: a bundler that
# splits code puts them in a chunk of their own that an app never calling them never fetches.
{
  echo "$header"
  echo "import init, * as raw from './kaizala.js';"
  echo
  echo "await init({ module_or_path: new URL('./kaizala_bg.wasm', import.meta.url) });"
  echo
  cat pkg-template/api.js
  echo
  cat pkg-template/receivers.js
  echo
  echo "const api = wrap(raw, () => import('./workflows.js'));"
  echo "export const { $names } = api;"
  echo "export default api;"
} >"$stage/web/index.js"
{
  echo "$header"
  cat pkg-template/csv.js
  echo
  cat pkg-template/workflows.js
  echo
  echo "export { workflows };"
} >"$stage/web/workflows.js"
# Node loads the same web/workflows.js on first use (a dynamic import works from CommonJS too), so
# the package ships that code once.
{
  echo "$header"
  echo "'use strict';"
  echo "const raw = require('./kaizala.js');"
  echo
  cat pkg-template/api.js
  echo
  cat pkg-template/receivers.js
  echo
  echo "module.exports = wrap(raw, () => import('../web/workflows.js'));"
} >"$stage/node/index.cjs"
{
  echo "$header"
  echo "import api from './index.cjs';"
  echo
  echo "export const { $names } = api;"
  echo "export default api;"
} >"$stage/node/index.mjs"

# Every file `files` lists must be there, and nothing else.
node -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1];
  const files = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).files;
  const missing = files.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) { console.error("build-pkg: missing from the package: " + missing.join(", ")); process.exit(1); }
' "$stage"

rm -rf "$out"
mv "$stage" "$out"
echo "$pkg_key $(pkg_now)" >"$build/.pkg.key"
du -b "$out"/*/kaizala_bg.wasm | awk '{printf "  %s: %d bytes\n", $2, $1}'
echo "built $out/ (kaizala $version)"
