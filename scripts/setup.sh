#!/usr/bin/env bash
# Installs what building and testing secure-login needs, skipping whatever is already there:
# the wasm32 target, wasm-bindgen-cli at the Cargo.lock version, wasm-pack, the npm packages, and
# from Debian Chromium, chromedriver and oathtool; cargo-deny, cargo-fuzz and Python's `oath`.
# Safe to run again. Usage: scripts/setup.sh [--demo]   (--demo: only what the demo needs)
set -euo pipefail
cd "$(dirname "$0")/.."

demo_only=false
[[ "${1:-}" == "--demo" ]] && demo_only=true

say() { printf '==> %s\n' "$*"; }

# Rust target for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Debian packages. (No binaryen: its wasm-opt is too old; the npm package's is used instead.)
packages=()
$demo_only || packages+=(chromium chromium-driver oathtool)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

# cargo install, trying the crate's own lock file first (it can name a version the registry
# mirror does not have; then resolve afresh).
cargo_install() {
  cargo install "$@" --locked || cargo install "$@"
}

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]]; then
  say "installing wasm-bindgen-cli $wb_version (a few minutes, once)"
  cargo_install wasm-bindgen-cli --version "$wb_version"
fi

if ! command -v wasm-pack >/dev/null; then
  say "installing wasm-pack (a few minutes, once)"
  cargo_install wasm-pack
fi

# npm packages (package-lock.json): binaryen's wasm-opt, which scripts/build-wasm.sh runs (also for
# the demo); playwright-core for the end-to-end tests (it drives Debian's Chromium and never
# downloads a browser of its own); otpauth and otplib, which scripts/bench.sh compares against.
# Installed again whenever package-lock.json is newer than what npm last installed.
if [[ -f package-lock.json ]] &&
  [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

$demo_only && exit 0

# cargo-deny checks the dependency policy (deny.toml); cargo-fuzz runs the fuzz targets
# (scripts/fuzz.sh, which also finds or installs a nightly toolchain).
if ! cargo deny --version >/dev/null 2>&1; then
  say "installing cargo-deny (a few minutes, once)"
  cargo_install cargo-deny
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (a few minutes, once)"
  cargo_install cargo-fuzz
fi

# Python's independent OCRA implementation, for the cross-check.
if ! python3 -c 'import oath' 2>/dev/null; then
  say "installing the Python package oath (independent OCRA implementation)"
  python3 -m pip install --quiet 'oath==1.4.5'
fi

say "set-up complete"
