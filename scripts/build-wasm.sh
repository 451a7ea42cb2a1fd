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
#   pkg-npm/    the npm package `secure-login-otp` (crates/wasm/npm/: its package.json, README
#               and Node entry): web/ (pkg/'s files), login/ (pkg/login/'s), node/ (the speed
#               build for --target web, which Node's entry instantiates from the file), with
#               `exports` for ".", "./login" and the condition "node"; `npm pack pkg-npm` packs
#               it (tests/js/npm_package.test.mjs does, installs it and bundles a page with it)
#
# Every bundle with classes (OtpKey, SecurityCard, SoftToken) gets crates/wasm/js/freed.js
# appended to its glue: a method called after free() throws a SecureLoginError `Freed`.
#
# wasm-opt is binaryen's from npm (node_modules/.bin/wasm-opt; scripts/setup.sh installs it):
# Debian's binaryen 108 breaks the externref table of wasm-bindgen 0.2.130, so wasm-pack's own
# wasm-opt step is switched off in Cargo.toml and this script runs the newer one itself.
#
# Usage: scripts/build-wasm.sh [--web-only] [--speed-web DIR]
#   --web-only       only the bundles of the pages (pkg/, pkg/login/): no pkg-node/, no pkg-npm/
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
  local classes
  classes=$(grep -oP '^(?:export )?class \K\w+' "$out/secure_login.js" | paste -sd, -) || true
  if [[ -n "$classes" ]]; then
    { cat crates/wasm/js/freed.js; echo "__secureLoginGuardFreed([$classes]);"; } >>"$out/secure_login.js"
  fi
}

# The npm package in pkg-npm/ from pkg/, pkg/login/ and the speed build for browsers in $1.
npm_package() {
  local node_build="$1" dir from
  rm -rf pkg-npm
  for dir in web:pkg node:"$node_build" login:pkg/login; do
    from="${dir#*:}"
    mkdir -p "pkg-npm/${dir%%:*}"
    cp "$from"/secure_login.js "$from"/secure_login.d.ts "$from"/secure_login_bg.wasm "pkg-npm/${dir%%:*}/"
  done
  cp crates/wasm/npm/node.js pkg-npm/node/index.js
  cp crates/wasm/npm/node.js pkg-npm/login/node.js
  cp crates/wasm/npm/README.md LICENSE-MIT LICENSE-APACHE pkg-npm/
  # The version is the crate's, as wasm-pack wrote it into pkg/package.json.
  node -e '
    const fs = require("node:fs");
    const manifest = JSON.parse(fs.readFileSync("crates/wasm/npm/package.json", "utf8"));
    manifest.version = JSON.parse(fs.readFileSync("pkg/package.json", "utf8")).version;
    fs.writeFileSync("pkg-npm/package.json", JSON.stringify(manifest, null, 2) + "\n");
  '
}

bundle wasm-size web pkg -Oz
bundle wasm-size web pkg/login -Oz --no-default-features
if ! $web_only; then
  bundle wasm-speed nodejs pkg-node -O3
  # The same cargo build as pkg-node/'s (the target only changes wasm-bindgen's glue).
  bundle wasm-speed web target/npm-node -O3
  npm_package target/npm-node
fi
if [[ -n "$speed_web" ]]; then
  bundle wasm-speed web "$speed_web" -O3
fi
