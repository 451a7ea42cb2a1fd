//! A few crash cycles for `cargo test` (the long run is `scripts/crash.sh`): the binary killed
//! with SIGKILL at random points of concurrent SMS logins, soft-token activations and push
//! logins, started again on the same database, and checked (see `harness/crash.rs`). The seed
//! is printed; `CRASH_SEED=N` repeats a run's choices (the timing of the kill still varies).

use crate::harness;

use std::path::PathBuf;

use harness::crash::{run, CrashOptions};
use harness::Rng;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_at_random_points_nothing_acknowledged_is_lost() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Rng::seed_from_time);
    let report = run(&CrashOptions {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_secure-login-server")),
        cycles: 10,
        seed,
        users_per_flow: 1,
        verbose: true,
    })
    .await;
    report.print();
    assert!(
        report.problems.is_empty(),
        "seed {seed}: {:#?}",
        report.problems
    );
    assert_eq!(report.cycles, 10);
}
