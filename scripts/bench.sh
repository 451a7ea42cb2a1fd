#!/usr/bin/env bash
# Every figure of BENCHMARKS.md in one run on this machine:
#   native     criterion (crates/otp/benches/otp.rs): HOTP, TOTP, OCRA in this crate and in totp-rs, and the
#              bare compression functions; `openssl speed` for the CPU's SHA-1/SHA-256 compression
#              rate (the physical limit), run next to each criterion run
#   node       the wasm package (pkg-node/ and pkg/) against otpauth, otplib and WebCrypto
#   chromium   www/bench.html in headless Chromium: the wasm package (size-first and speed
#              bundles) against WebCrypto and the browser builds of otpauth and otplib
#   bytes      what the login and token pages load from the package, raw and gzip -9, against
#              the libraries' browser bundles
#   portal     second-factor verifications per second over HTTP on loopback, SQLite store
# then writes target/bench/report.md (the tables and whether each target stands).
#
# Usage: scripts/bench.sh [--runs N] [--no-build] [--write]
#   --runs N    repeat each world N times (default 3); figures are medians over the runs with
#               their range, so a burst of load from elsewhere shows as spread, not as a result
#   --no-build  use pkg/, pkg-node/ and the binaries as they are
#   --write     also replace the results section of BENCHMARKS.md with this run's tables
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
build=true
write=false
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --no-build) build=false ;;
    --write) write=true ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "--runs wants a positive number" >&2; exit 2; }

out=target/bench
step() { printf '\n==> %s (load average %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
load() { printf '%s %s %s\n' "$(date -u +%H:%M:%S)" "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/load.txt"; }

step "set-up and builds"
scripts/setup.sh --test
rm -rf "$out"
mkdir -p "$out"
if $build; then
  scripts/build-wasm.sh --speed-web "$out/pkg-speed"
  cargo build --release --locked -p secure-login-server
  cargo bench --locked -p secure-login-otp --bench otp --no-run
  cargo bench --locked -p secure-login-server --bench portal --no-run
elif [[ ! -f pkg/secure_login_bg.wasm || ! -f pkg-node/secure_login_bg.wasm ]]; then
  echo "pkg/ or pkg-node/ is missing: run without --no-build" >&2
  exit 1
fi

commit="$(git rev-parse --short HEAD)"
git diff --quiet HEAD -- . ':!target' 2>/dev/null || commit="$commit+changes"
cat >"$out/meta.json" <<EOF
{
  "date": "$(date -u '+%Y-%m-%d %H:%M UTC')",
  "commit": "$commit",
  "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')",
  "cpus": $(nproc),
  "sha_ni": $(grep -qw sha_ni /proc/cpuinfo && echo true || echo false),
  "kernel": "$(uname -r)",
  "rustc": "$(rustc --version)",
  "node": "$(node --version)",
  "openssl": "$(openssl version)",
  "runs": $runs
}
EOF
load start

# The CPU's compression rate: bytes per second of SHA-1 and SHA-256 over 16 KiB buffers (the
# compression function back to back, 64 bytes a block) and over 64-byte messages (two blocks
# with the padding, plus OpenSSL's per-call cost).
openssl_speed() {
  for algorithm in sha1 sha256; do
    for bytes in 16384 64; do
      openssl speed -mr -seconds 2 -bytes "$bytes" -evp "$algorithm" 2>/dev/null |
        awk -F: -v a="$algorithm" -v b="$bytes" '/^\+F:/ { print a, b, $4 }'
    done
  done
}

for run in $(seq "$runs"); do
  step "native, run $run of $runs: openssl speed, criterion, openssl speed"
  openssl_speed >"$out/openssl-$run-before.txt"
  cargo bench --locked -p secure-login-otp --bench otp -- --noplot 2>&1 | grep -E 'time:|^[a-zA-Z_0-9/-]+$' || true
  mkdir -p "$out/criterion-$run"
  (cd target/criterion && find . -path '*/new/estimates.json' -exec cp --parents {} "../../$out/criterion-$run/" \;)
  openssl_speed >"$out/openssl-$run-after.txt"
  load "native-$run"
done

for run in $(seq "$runs"); do
  step "node, run $run of $runs"
  node benches/js/node.mjs --out "$out/node-$run.json"
  load "node-$run"
done

step "chromium, $runs runs"
node benches/js/browser.mjs --server "${CARGO_TARGET_DIR:-target}/release/secure-login-server" --runs "$runs" \
  --speed-pkg "$out/pkg-speed" --out "$out/chromium.json"
load chromium

step "bytes"
node benches/js/sizes.mjs --speed-pkg "$out/pkg-speed" --out "$out/sizes.json"

step "portal, $runs runs at each concurrency"
cargo bench --locked -p secure-login-server --bench portal -- \
  --concurrency 1,16 --logins 2000 --users 16 --runs "$runs" --json "$PWD/$out/portal.json"
load end

step "report"
report_args=(--dir "$out")
$write && report_args+=(--write BENCHMARKS.md)
node benches/js/report.mjs "${report_args[@]}"
echo "report: $out/report.md"
