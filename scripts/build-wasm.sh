#!/usr/bin/env bash
# Builds the wasm package, in bundles chosen by measurement (BENCHMARKS.md, "Choosing the bundles"):
#
#   pkg/        the pages (wasm-pack --target web), size first: Cargo profile `wasm-size`
#               (opt-level "z", the SHA-1/SHA-2 compression functions at opt-level 3), then
#               wasm-opt -Oz
#   pkg/login/  the login page's bundle (served at /pkg/login/): the crate without features
#               (`--no-default-features`), which is `readCode` alone, the check of a typed code
#               (no serde, no float formatting, no HMAC, `#![no_std]`); tests/js/budget.test.mjs
#               holds it to 8 KiB gzip
#   pkg-node/   Node (--target nodejs), speed first: profile `wasm-speed` (opt-level 3), wasm-opt -O3
#
# wasm-opt is binaryen's from npm (node_modules/.bin/wasm-opt; scripts/setup.sh installs it):
# Debian's binaryen 108 breaks the externref table of wasm-bindgen 0.2.130, so wasm-pack's own
# wasm-opt step is switched off in Cargo.toml and this script runs the newer one itself.
#
# Usage: scripts/build-wasm.sh [--web-only] [--speed-web DIR]
#   --web-only       only the bundles of the pages (pkg/, pkg/login/)
#   --speed-web DIR  also a speed-first bundle for browsers in DIR (scripts/bench.sh compares it)
set -euo pipefail
cd "$(dirname "$0")/.."

web_only=false
speed_web=
while (($#)); do
  case "$1" in
    --web-only) web_only=true ;;
    --speed-web) speed_web="$2"; shift ;;
    *) echo "usage: $0 [--web-only] [--speed-web DIR]" >&2; exit 2 ;;
  esac
  shift
done

wasm_opt=node_modules/.bin/wasm-opt
if [[ ! -x "$wasm_opt" ]]; then
  echo "$wasm_opt is missing: run scripts/setup.sh (npm ci installs binaryen)" >&2
  exit 1
fi

# bundle PROFILE TARGET OUT_DIR WASM_OPT_LEVEL [CARGO_ARGS...]
bundle() {
  local profile="$1" target="$2" out="$3" level="$4"
  shift 4
  # The bindings crate, named secure_login.js / secure_login_bg.wasm as the pages import them.
  wasm-pack --quiet build crates/wasm --profile "$profile" --target "$target" --out-dir "$PWD/$out" \
    --out-name secure_login --no-opt -- "$@"
  "$wasm_opt" "$level" "$out/secure_login_bg.wasm" -o "$out/secure_login_bg.wasm"
}

bundle wasm-size web pkg -Oz
bundle wasm-size web pkg/login -Oz --no-default-features
if ! $web_only; then
  bundle wasm-speed nodejs pkg-node -O3
fi
if [[ -n "$speed_web" ]]; then
  bundle wasm-speed web "$speed_web" -O3
fi
