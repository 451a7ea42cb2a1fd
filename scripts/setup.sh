#!/usr/bin/env bash
# Installs what secure-login needs, skipping whatever is already there. Safe to run again.
#
#   scripts/setup.sh          what building and serving the portal needs (scripts/demo.sh):
#                             the wasm32 target, wasm-bindgen-cli at the Cargo.lock version,
#                             wasm-pack, the npm packages (binaryen's wasm-opt, ...)
#   scripts/setup.sh --test   also what only the tests need (scripts/test.sh): Chromium,
#                             chromedriver, oathtool, nginx and Caddy (the reverse-proxy tests),
#                             PostgreSQL (the tests start throwaway clusters of their own)
#                             from Debian, cargo-deny, cargo-fuzz and Python's `oath`
#
# The cargo tools are built by one `cargo install` into one shared target directory (their
# common crates are compiled once), without LTO and at opt-level 1: they only run during builds
# and tests, and so build in about half the time of their own release profiles (README: set-up
# figures).
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
case "${1:-}" in
  '') ;;
  --test) with_tests=true ;;
  *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac

say() { printf '==> %s\n' "$*"; }

# Rust target for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Debian packages, for the tests only. (No binaryen: its wasm-opt is too old; npm's is used.)
if $with_tests; then
  missing=()
  for p in chromium chromium-driver oathtool nginx caddy postgresql; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
  fi
fi

# The cargo tools that are missing, at pinned versions. wasm-bindgen-cli must be exactly the
# version of the wasm-bindgen crate in Cargo.lock.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
tools=()
[[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $wb_version" ]] || tools+=("wasm-bindgen-cli@$wb_version")
command -v wasm-pack >/dev/null || tools+=(wasm-pack@0.15.1)
if $with_tests; then
  cargo deny --version >/dev/null 2>&1 || tools+=(cargo-deny@0.20.2)
  cargo fuzz --version >/dev/null 2>&1 || tools+=(cargo-fuzz@0.13.1)
fi
if ((${#tools[@]})); then
  say "building ${tools[*]} (once; several minutes on a new machine)"
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/cargo-install"
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  export CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false
  # Each tool's own lock file first; where it names a version the registry no longer serves
  # (yanked), resolve that tool afresh.
  if ! cargo install --locked "${tools[@]}"; then
    for tool in "${tools[@]}"; do
      cargo install --locked "$tool" || cargo install "$tool"
    done
  fi
fi

# npm packages (package-lock.json): binaryen's wasm-opt, which scripts/build-wasm.sh runs;
# playwright-core for the end-to-end tests (it drives Debian's Chromium and never downloads a
# browser of its own); otpauth and otplib, which scripts/bench.sh compares against; typescript,
# esbuild and vite, with which tests/js/npm_package.test.mjs checks the npm package. Installed
# again whenever package-lock.json is newer than what npm last installed.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

# Python's independent OCRA implementation, for the cross-check.
if $with_tests && ! python3 -c 'import oath' 2>/dev/null; then
  say "installing the Python package oath (independent OCRA implementation)"
  python3 -m pip install --quiet 'oath==1.4.5'
fi

say "set-up complete"
