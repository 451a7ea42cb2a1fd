#!/usr/bin/env bash
# Builds the wasm package: pkg/ for browsers (ES module) and pkg-node/ for Node.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm-pack --quiet build --release --target web --out-dir pkg
if [[ "${1:-}" != "--web-only" ]]; then
  wasm-pack --quiet build --release --target nodejs --out-dir pkg-node
fi
