#!/usr/bin/env bash
# Timing side channels (issue 7, item 6), measured and printed. scripts/test.sh runs a short
# version (20,000 samples, 60 rounds); it can fail only on a gross leak, never on a busy machine.
#
#   scripts/timing.sh [CORE_SAMPLES_PER_RUN] [HTTP_ROUNDS_PER_RUN]
#
# 1. Code comparison: Hotp::verify and Ocra::verify with a response wrong in its first digit vs
#    its last (crates/otp/examples/timing.rs: random class per sample, medians, Welch's t; 3 runs; and a
#    control that times one class against itself).
# 2. POST /api/login: unknown user vs wrong password, against the portal binary with --demo on a
#    temporary database on 127.0.0.1 (scripts/timing_http.py: rounds of wrong password, unknown
#    user and a control in random order, 2 runs).
#
# |t| below about 4.5 means no difference was found. Exits non-zero only on a gross leak:
# |t| > 10 in every run of one comparison. Defaults: 200,000 samples, 300 rounds (about 1.5
# minutes after the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
# Where cargo builds (a set CARGO_TARGET_DIR moves it).
target="${CARGO_TARGET_DIR:-target}"

core_samples="${1:-200000}"
http_rounds="${2:-300}"

echo "== building (release)"
cargo build --release --locked --example timing -p secure-login-otp
cargo build --release --locked -p secure-login-server

echo "== code comparison: early vs late mismatch"
core=0
"$target/release/examples/timing" "$core_samples" 3 || core=$?

echo "== POST /api/login: unknown user vs wrong password"
http=0
python3 scripts/timing_http.py "$target/release/secure-login-server" "$http_rounds" 2 || http=$?

echo "== machine: $(nproc) cores, $(uname -srm); load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$core" -ne 0 ] || [ "$http" -ne 0 ]; then
    echo "TIMING LEAK (see above)" >&2
    exit 1
fi
echo "== no gross timing leak"
