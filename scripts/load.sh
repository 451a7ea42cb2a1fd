#!/usr/bin/env bash
# Load on the login-and-verify path of the portal, then an audit of what the server recorded.
#
#   scripts/load.sh [SECONDS] [CONCURRENCY] [-- EXTRA...]     (default: 10 s at concurrency 8)
#
# Builds secure-login-server and the load client (server/examples/load.rs) in release, starts the
# server on a fresh SQLite file in a temporary directory (--test-clock, the default policy: real
# Argon2id, 19 MiB, 2 passes), makes 2 x CONCURRENCY accounts (admin subcommands; a soft token
# activated over HTTP for each), then CONCURRENCY clients log in for SECONDS: password, the soft
# token's challenge or the authenticator app, the response. Prints requests served, errors (must
# be 0), p50/p99 latency per step, and the audit: password_accepted and login_succeeded events
# equal to what the clients saw, no other event, every failure count and lock 0. Exits non-zero
# on any error or inconsistency. EXTRA goes to the client (--cheap-argon, --users N, --tick-ms N).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-10}"
concurrency="${2:-8}"
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = "--" ] && shift
case "$seconds$concurrency" in
    '' | *[!0-9.]*)
        echo "usage: $0 [SECONDS] [CONCURRENCY] [-- EXTRA...]" >&2
        exit 2
        ;;
esac

cargo build --release --locked -p secure-login-server --bin secure-login-server --example load
cargo run --quiet --release --locked -p secure-login-server --example load -- \
    --seconds "$seconds" --concurrency "$concurrency" "$@"
