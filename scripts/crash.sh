#!/usr/bin/env bash
# kill -9 of the portal at random points of its flows, restart on the same database, and checks.
#
#   scripts/crash.sh [CYCLES] [-- EXTRA...]          (default: 5 cycles)
#
# Builds secure-login-server and the crash driver (server/examples/crash.rs) in release. Each
# cycle runs SMS logins, soft-token activations and push logins at once (2 accounts each), kills
# the server with SIGKILL once the k-th request of the cycle is out (k and a 0-3 ms delay random),
# starts it again on the same file, and checks against what the clients saw acknowledged: no
# account, factor, failure count or audit event lost (and none invented beyond what the one cut
# request could write); no used SMS code, activation code or push answer accepted again; no
# second session; at most one soft token and never a half-made activation; what was cut either
# committed whole or resumes. Prints where the kills fell and what held; exits non-zero if any
# check failed (with the seed: EXTRA "--seed N" repeats the choices, the timing still varies).
set -euo pipefail
cd "$(dirname "$0")/.."

cycles="${1:-5}"
shift $(( $# < 1 ? $# : 1 ))
[ "${1:-}" = "--" ] && shift
case "$cycles" in
    '' | *[!0-9]*)
        echo "usage: $0 [CYCLES] [-- EXTRA...]" >&2
        exit 2
        ;;
esac

cargo build --release --locked -p secure-login-server --bin secure-login-server --example crash
cargo run --quiet --release --locked -p secure-login-server --example crash -- \
    --cycles "$cycles" "$@"
