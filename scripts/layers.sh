#!/usr/bin/env bash
# The layers the compiler keeps (ARCHITECTURE.md, "The crates"), checked on the whole dependency
# graph: deny.toml's wrappers refuse a forbidden *direct* dependency; this refuses one reached
# through any path, on every target. Run by scripts/test.sh; exits 1 naming the crate and path.
#
#   scripts/layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# crate: what its normal (non-dev) dependency graph must not contain.
rules=(
  "secure-login-otp: getrandom serde wasm-bindgen js-sys web-sys secure-login-token secure-login-verifier"
  "secure-login-token: getrandom wasm-bindgen js-sys web-sys secure-login-verifier"
  "secure-login-verifier: getrandom wasm-bindgen js-sys web-sys secure-login-token"
  "secure-login-cli: wasm-bindgen js-sys web-sys secure-login-token secure-login-verifier"
  "secure-login-server: wasm-bindgen js-sys web-sys secure-login-token"
)

# Every crate is checked on every target, except the server on the machine's own: it is a
# native program, never built for wasm32, where the PostgreSQL client's crates (whoami under
# tokio-postgres, getrandom's JS backend under deadpool-postgres) would reach wasm-bindgen,
# js-sys and web-sys. deny.toml names those two as the wrappers they are.
host="$(rustc -vV | sed -n 's/^host: //p')"
declare -A target=(
  [secure-login-server]="$host"
)

broken=0
for rule in "${rules[@]}"; do
  crate="${rule%%:*}"
  on="${target[$crate]:-all}"
  tree="$(cargo tree --locked --offline -p "$crate" -e normal,build --target "$on" --prefix none)"
  for forbidden in ${rule#*:}; do
    if grep -q "^$forbidden v" <<<"$tree"; then
      echo "layer broken: $crate reaches $forbidden:" >&2
      cargo tree --locked --offline -p "$crate" -e normal,build --target "$on" -i "$forbidden" >&2 || true
      broken=1
    fi
  done
done
# The login page's bundle (scripts/build-wasm.sh: the bindings without features) is readCode
# alone: no serde, no randomness, no browser storage, no soft token.
login_tree="$(cargo tree --locked --offline -p secure-login-wasm --no-default-features -e normal,build \
  --target wasm32-unknown-unknown --prefix none)"
for forbidden in serde serde_json serde-wasm-bindgen getrandom web-sys wasm-bindgen-futures secure-login-token; do
  if grep -q "^$forbidden v" <<<"$login_tree"; then
    echo "layer broken: the login bundle (secure-login-wasm without features) reaches $forbidden:" >&2
    cargo tree --locked --offline -p secure-login-wasm --no-default-features -e normal,build \
      --target wasm32-unknown-unknown -i "$forbidden" >&2 || true
    broken=1
  fi
done

if ((broken)); then
  exit 1
fi
echo "layers kept: ${#rules[@]} crates and the login bundle, none reaches what its layer forbids"
