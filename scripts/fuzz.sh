#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS_PER_TARGET seconds (default 60), one after the
# other, and exits non-zero if any of them finds a crash, a leak or a timeout.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Each target starts from its committed seeds (fuzz/seeds/<target>/), copied into the working
# corpus fuzz/corpus/<target>/ (git-ignored), which keeps what earlier runs found. Crashing inputs
# land in fuzz/artifacts/<target>/; replay one with
#   (cd fuzz && cargo +nightly fuzz run <target> artifacts/<target>/crash-...)
# (without nightly: RUSTC_BOOTSTRAP=1 cargo fuzz run --target-dir target/stable <target> ...).
# Needs cargo-fuzz (scripts/setup.sh --test installs it). cargo-fuzz needs nightly's -Z flags:
# an installed nightly toolchain is used; without one, the stable toolchain runs with
# RUSTC_BOOTSTRAP=1, building into fuzz/target/stable/.
set -euo pipefail

seconds="${1:-60}"
shift || true
case "$seconds" in
    '' | *[!0-9]*)
        echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
        exit 2
        ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"

# A nightly toolchain only where one is installed: none is fetched (a new machine has only the
# stable one, and this step must not depend on what a machine happens to hold beyond it).
if rustup toolchain list 2>/dev/null | grep -q '^nightly' && cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
    dir=()
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
    dir=(--target-dir target/stable)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: run scripts/setup.sh --test" >&2
    exit 1
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list)
fi

echo "== building the fuzz targets"
"${fuzz[@]}" build "${dir[@]}"

failed=()
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    if [ -d "seeds/$target" ]; then
        cp -n "seeds/$target"/* "$corpus"/ 2>/dev/null || true
    fi
    echo "== fuzzing $target for ${seconds}s (corpus: fuzz/$corpus)"
    if ! "${fuzz[@]}" run "${dir[@]}" "$target" "$corpus" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
        failed+=("$target")
        echo "!! $target failed; inputs in fuzz/artifacts/$target/" >&2
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "== all ${#targets[@]} targets ran ${seconds}s each without a crash"
