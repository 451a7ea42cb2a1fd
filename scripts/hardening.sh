#!/usr/bin/env bash
# The long versions of the hardening runs (issue 7), and a summary to paste into SECURITY.md.
#
#   scripts/hardening.sh [LOAD_SECONDS] [CRASH_CYCLES] [CONCURRENCY] [RACE_ROUNDS]
#                        (default: 60 s of load at concurrency 16, 200 crash cycles, 5 race rounds)
#
# 1. races: server/tests/it/races.rs RACE_ROUNDS times over (50 simultaneous submissions of one
#    valid response; 1,000 concurrent wrong guesses; two simultaneous resends; two tabs
#    activating two users on one device);
# 2. load: scripts/load.sh LOAD_SECONDS CONCURRENCY, with real Argon2id and again with a cheap one
#    (the password hash dominates the login; the second run shows the rest of the path);
# 3. crashes: scripts/crash.sh CRASH_CYCLES;
# 4. timing: scripts/timing.sh (200,000 samples, 300 HTTP rounds; about 2 minutes);
# 5. fuzzing, only when HARDENING_FUZZ_SECONDS is set: scripts/fuzz.sh with that many seconds per
#    target (nightly, or stable with RUSTC_BOOTSTRAP=1).
# scripts/test.sh runs the fast versions of all five (1-3 in `cargo test --workspace`,
# server/tests/it/{races,load,crash}.rs; timing short; fuzzing 7 s per target).
# Logs go to a temporary directory, named at the end. Exits non-zero if any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."

load_seconds="${1:-60}"
crash_cycles="${2:-200}"
concurrency="${3:-16}"
race_rounds="${4:-5}"
logs="$(mktemp -d -t secure-login-hardening.XXXXXX)"
status=0

when="$(date -u '+%Y-%m-%d %H:%M UTC')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
machine="${cpu:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' + uncommitted changes')"

step() { printf '\n==> %s\n' "$*"; }

step "races: server/tests/it/races.rs x $race_rounds"
race_pass=0
for round in $(seq 1 "$race_rounds"); do
    if cargo test --locked -p secure-login-server --test it races:: -- --nocapture \
        >"$logs/races-$round.log" 2>&1; then
        race_pass=$((race_pass + 1))
    else
        status=1
        echo "round $round FAILED (see $logs/races-$round.log)"
    fi
done
grep -h -E '^(one login|one TOTP|1000 guesses|factor_locked)' "$logs"/races-*.log | sort | uniq -c
echo "races: $race_pass of $race_rounds rounds passed"

step "load: $load_seconds s at concurrency $concurrency (the default policy: Argon2id 19 MiB, 2 passes)"
scripts/load.sh "$load_seconds" "$concurrency" 2>&1 | tee "$logs/load.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "load again with cheap Argon2id (64 KiB, 1 pass): what the password hash costs"
scripts/load.sh "$load_seconds" "$concurrency" -- --cheap-argon 2>&1 | tee "$logs/load-cheap.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "crashes: $crash_cycles cycles"
scripts/crash.sh "$crash_cycles" -- --quiet 2>&1 | tee "$logs/crash.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "timing side channels (scripts/timing.sh: code comparison, unknown user vs wrong password)"
scripts/timing.sh 2>&1 | tee "$logs/timing.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

if [ -n "${HARDENING_FUZZ_SECONDS:-}" ]; then
    step "fuzzing: $HARDENING_FUZZ_SECONDS s per target"
    scripts/fuzz.sh "$HARDENING_FUZZ_SECONDS" 2>&1 | tee "$logs/fuzz.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

step "summary"
echo "date:    $when"
echo "machine: $machine (load average at the start: $loadavg; shared with other work)"
echo "commit:  $commit"
echo "logs:    $logs"
echo
echo "| what | how much | what held |"
echo "|---|---|---|"
evaluated="$(grep -h -o 'evaluated (code_rejected events): [0-9]*' "$logs"/races-*.log | grep -o '[0-9]*$' | paste -sd, -)"
unaudited="$(grep -h -c '^factor_locked events: 0' "$logs"/races-*.log | awk '{ s += $1 } END { print s + 0 }')"
echo "| Races over HTTP against the binary (server/tests/it/races.rs) | $race_rounds rounds of: 50 simultaneous submissions of one valid response (to one login; one TOTP code to 50 logins), 1,000 wrong guesses (50 concurrent clients x 20), 2 simultaneous resends (x 5), 2 tabs activating 2 users on one device (x 3), 2 simultaneous push approvals and 50 simultaneous session claims | $race_pass of $race_rounds rounds passed: exactly one success, one approval, one session each time; guesses evaluated per round (code_rejected events): ${evaluated:-?}, all others answered locked; one new SMS per resend pair; both activations complete; lock not audited (no factor_locked event) in ${unaudited:-?} of $race_rounds rounds |"
grep -h '^row: ' "$logs/load.log" "$logs/load-cheap.log" "$logs/crash.log" | sed 's/^row: //'
if [ "$status" -ne 0 ]; then
    echo
    echo "SOMETHING FAILED: see the logs above and in $logs"
fi
exit "$status"
