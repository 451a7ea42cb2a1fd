//! The crash driver of `scripts/crash.sh`: `kill -9` of `secure-login-server` (the binary next
//! to this example, or `--server PATH`) at random points of concurrent SMS logins, soft-token
//! activations and push logins, restarted on the same database each cycle, and checked against
//! what the clients saw acknowledged (see `tests/it/harness/crash.rs`). Prints where the kills fell,
//! the checks that held and a row for SECURITY.md; exits 1 if any check failed.
//!
//! ```text
//! cargo run --release -p secure-login-server --example crash -- [--cycles 5] [--seed N]
//!     [--users-per-flow 2] [--quiet] [--server PATH]
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test tool: a failed set-up ends the run"
)]

#[path = "../tests/it/harness/mod.rs"]
mod harness;

use std::path::PathBuf;
use std::process::ExitCode;

use harness::crash::{run, CrashOptions};
use harness::Rng;

fn options() -> CrashOptions {
    let mut opts = CrashOptions {
        bin: harness::sibling_binary(),
        cycles: 5,
        seed: Rng::seed_from_time(),
        users_per_flow: 2,
        verbose: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the option");
        match arg.as_str() {
            "--cycles" => opts.cycles = value().parse().expect("cycles"),
            "--seed" => opts.seed = value().parse().expect("seed"),
            "--users-per-flow" => opts.users_per_flow = value().parse().expect("users"),
            "--quiet" => opts.verbose = false,
            "--server" => opts.bin = PathBuf::from(value()),
            other => panic!("unknown argument {other} (see the example's documentation)"),
        }
    }
    opts
}

#[tokio::main]
async fn main() -> ExitCode {
    let opts = options();
    assert!(
        opts.bin.is_file(),
        "no server binary at {} (build it, or pass --server)",
        opts.bin.display()
    );
    let report = run(&opts).await;
    report.print();
    println!("row: {}", report.markdown_row());
    if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
