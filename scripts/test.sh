#!/usr/bin/env bash
# Every test of secure-login, after installing what is missing (scripts/setup.sh):
# format and lints (native and wasm32), the dependency policy, native tests (with short race,
# load and crash runs against the portal, and the same races and a kill -9 over three portals on
# one throwaway PostgreSQL cluster), the RFC vectors in headless Chromium, the JavaScript
# API in Node, a minute of fuzzing, a short timing check, and the pages end to end in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step is stamped with the seconds since the start (scripts/fresh-check.sh reads them).
step() { printf '\n==> %s (at %d s)\n' "$*" "$SECONDS"; }

scripts/setup.sh --test

step "fetch every crate the lock files name (for every target: the offline steps below need them)"
cargo fetch --locked
cargo fetch --locked --manifest-path fuzz/Cargo.toml

step "format"
cargo fmt --all --check

step "clippy (native, then wasm32)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --lib --tests --target wasm32-unknown-unknown --locked \
  -p secure-login-otp -p secure-login-token -p secure-login-verifier -p secure-login-wasm -- -D warnings
# The login page's bundle: the bindings without features (no_std, readCode alone).
cargo clippy --lib --target wasm32-unknown-unknown --locked -p secure-login-wasm --no-default-features -- -D warnings

step "dependency policy (deny.toml)"
cargo deny --workspace --frozen check licenses bans sources
step "the layers: no crate reaches what its layer forbids (scripts/layers.sh)"
scripts/layers.sh
# The advisory check needs the RustSec database, cloned from GitHub: run where it can be reached.
if timeout 20 git ls-remote https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
  cargo deny --workspace --locked check advisories
else
  echo "advisories NOT checked: the RustSec database (github.com) cannot be reached from here"
fi

step "native tests (the PostgreSQL store's and the three-instance tests start a throwaway cluster of their own)"
cargo test --workspace --locked

step "the same vector files in headless Chromium: wasm-pack test --headless --chrome"
# wasm-pack finds Debian's chromedriver on PATH and the root-safe Chromium flags in
# webdriver.json; the cargo runner (README) runs the same tests. The runner gives a whole test
# file 20 s by default, which the soft token's PBKDF2 (825,000 iterations, debug build) can pass
# on a loaded machine: a limit for a hung browser, not a measure, so a generous one.
export WASM_BINDGEN_TEST_TIMEOUT=900
# From each crate's folder: given a path, wasm-pack 0.15 hands what follows `--` to the test
# binary instead of to cargo.
(cd crates/otp && wasm-pack test --headless --chrome -- --locked --test vectors)
(cd crates/wasm && wasm-pack test --headless --chrome -- --locked --test web --test web_token)
step "the vectors again through cargo's runner (README: the other way to run them)"
CHROMEDRIVER=/usr/bin/chromedriver \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked --target wasm32-unknown-unknown -p secure-login-otp --test vectors

step "wasm package"
scripts/build-wasm.sh

step "JavaScript API in Node"
node --test tests/js/

step "a minute of fuzzing (9 targets x 7 s; scripts/fuzz.sh 600 for the long run)"
scripts/fuzz.sh 7

step "timing side channels, short (fails only on a gross leak; scripts/timing.sh for the long run)"
scripts/timing.sh 20000 60

if [[ -d tests/e2e ]]; then
  step "pages end to end in Chromium"
  cargo build --locked -p secure-login-server
  node --test tests/e2e/
fi

step "all tests passed"
