#!/usr/bin/env bash
# How the wasm bundles' settings were chosen (BENCHMARKS.md, "Choosing the bundles"): builds the
# package under several opt-levels, with and without LTO, then each through wasm-opt at several
# levels, and prints size (raw, gzip -9) against speed in Node for each. Slow (about 15 minutes:
# every variant is a build from scratch in target/bundles/, which it leaves for a second look).
#
# Usage: benches/bundles.sh [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=9
if [[ "${1:-}" == "--rounds" ]]; then rounds="$2"; fi

wasm_opt=node_modules/.bin/wasm-opt
[[ -x "$wasm_opt" ]] || { echo "run scripts/setup.sh first (binaryen's wasm-opt from npm)" >&2; exit 1; }
out=target/bundles
mkdir -p "$out"

# NAME OPT-LEVEL LTO HOT(opt-level of sha1/sha2, or -) FEATURES(default|otp: the OTP functions alone)
variants=(
  "o3 3 fat - default"
  "o2 2 fat - default"
  "os s fat - default"
  "os-hot s fat 3 default"
  "oz z fat - default"
  "oz-hot z fat 3 default"
  "oz-hot-nolto z false 3 default"
  "oz-hot-otp z fat 3 otp"
)
for v in "${variants[@]}"; do
  read -r name opt lto hot features <<<"$v"
  echo "==> $name: opt-level $opt, lto $lto, sha1/sha2 at ${hot/-/the same}, $features features"
  lto_value="\"$lto\""
  [[ "$lto" == false ]] && lto_value=false
  opt_value="$opt"
  [[ "$opt" =~ ^[0-9]$ ]] || opt_value="\"$opt\""
  args=(--config "profile.release.opt-level=$opt_value" --config "profile.release.lto=$lto_value")
  if [[ "$hot" != - ]]; then
    args+=(--config "profile.release.package.sha1.opt-level=$hot" --config "profile.release.package.sha2.opt-level=$hot")
  fi
  [[ "$features" == otp ]] && args+=(--no-default-features --features otp)
  CARGO_TARGET_DIR="$out/cargo-$name" cargo build --quiet --locked --lib --release \
    -p secure-login-wasm --target wasm32-unknown-unknown "${args[@]}"
  rm -rf "$out/$name"
  wasm-bindgen --target web --out-dir "$out/$name/none" --out-name secure_login \
    "$out/cargo-$name/wasm32-unknown-unknown/release/secure_login_wasm.wasm"
  for level in O3 Os Oz; do
    mkdir -p "$out/$name/$level"
    cp "$out/$name/none/secure_login.js" "$out/$name/$level/"
    "$wasm_opt" "-$level" "$out/$name/none/secure_login_bg.wasm" -o "$out/$name/$level/secure_login_bg.wasm"
  done
done
node benches/js/bundles.mjs --dir "$out" --rounds "$rounds"
