#!/usr/bin/env bash
# The main job: install what is missing, build the wasm package and the portal, and serve it.
# Address: SECURE_LOGIN_ADDR (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-wasm.sh --web-only
cargo build --release --locked -p secure-login-server
exec "${CARGO_TARGET_DIR:-target}/release/secure-login-server" --demo "$@"
