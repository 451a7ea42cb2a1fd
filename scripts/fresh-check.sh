#!/usr/bin/env bash
# Runs the README's test command as a new machine would: in a clean clone of the committed HEAD,
# in a temporary folder, with an empty CARGO_HOME (so no cargo tool and no downloaded crate is
# there), an empty target directory and an empty npm cache, and only the Rust toolchain itself
# (rustup's proxies) reused. Reports pass or fail and the minutes of the set-up and of the run.
#
#   scripts/fresh-check.sh [--keep]     (--keep: leave the temporary folder for a look)
#
# What it cannot empty: Debian's packages (Chromium, oathtool, ...) and Python's, which are
# installed system-wide; the README states their install time separately.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

work="$(mktemp -d /tmp/secure-login-fresh.XXXXXX)"
cleanup() { $keep || rm -rf "$work"; }
trap cleanup EXIT

# Only rustup's proxies on PATH from ~/.cargo/bin: no tool a previous run installed there.
rustup_bin="$(dirname "$(command -v rustup)")"
mkdir -p "$work/toolchain-bin"
for tool in cargo rustc rustup rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver; do
  [[ -x "$rustup_bin/$tool" ]] && ln -s "$rustup_bin/$tool" "$work/toolchain-bin/$tool"
done
clean_path="$work/cargo-home/bin:$work/toolchain-bin"
IFS=: read -ra parts <<<"$PATH"
for dir in "${parts[@]}"; do
  [[ "$dir" == "$rustup_bin" || "$dir" == "$HOME/.cargo/bin" ]] || clean_path+=":$dir"
done

git clone --quiet --no-local "$repo" "$work/repo"
echo "== fresh check of $(git -C "$work/repo" log -1 --format='%h %s') in $work"
echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

start=$(date +%s)
set +e
(
  cd "$work/repo"
  env PATH="$clean_path" \
    CARGO_HOME="$work/cargo-home" \
    CARGO_TARGET_DIR="$work/target" \
    npm_config_cache="$work/npm-cache" \
    scripts/test.sh
) 2>&1 | tee "$work/run.log"
status=${PIPESTATUS[0]}
set -e
end=$(date +%s)

# scripts/test.sh stamps each step with the seconds since it started; its first step comes
# right after the set-up.
setup_seconds=$(sed -n 's/^==> .* (at \([0-9]*\) s)$/\1/p' "$work/run.log" | head -1)
minutes() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 60 }'; }
echo
echo "== load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ -n "$setup_seconds" ]] && echo "== set-up: $(minutes "$setup_seconds") min"
if [[ "$status" -eq 0 ]]; then
  echo "== fresh check PASSED in $(minutes $((end - start))) min in all"
else
  echo "== fresh check FAILED (exit $status) after $(minutes $((end - start))) min; log: $work/run.log"
  keep=true
fi
exit "$status"
