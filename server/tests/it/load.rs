//! The short load run of `cargo test` (the long one is `scripts/load.sh`): the login-and-verify
//! path against the binary on a fresh database for a few seconds, then the audit of what the
//! server recorded (see `harness/load.rs`). Cheap Argon2 here: the debug build of the test
//! would spend its seconds in the password hash; `scripts/load.sh` measures the real one.

use crate::harness;

use std::path::PathBuf;

use harness::load::{run, LoadOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_short_load_run_has_no_errors_and_consistent_records() {
    let report = run(&LoadOptions {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_secure-login-server")),
        seconds: 3.0,
        concurrency: 4,
        users: 8,
        cheap_argon: true,
        tick_ms: 1000,
    })
    .await;
    report.print();
    assert_eq!(report.errors, 0, "{:?}", report.error_samples);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.soft_token_logins > 0 && report.totp_logins > 0);
}
