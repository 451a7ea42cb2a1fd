//! The load client of `scripts/load.sh`: starts `secure-login-server` (the binary next to this
//! example, or `--server PATH`) on a fresh database in a temporary directory, sets up accounts,
//! drives the login-and-verify path (password, soft token or TOTP, response) at a given
//! concurrency for a given time, then audits what the server recorded (see
//! `tests/it/harness/load.rs`). Prints the figures and a row for SECURITY.md; exits 1 on any error
//! or inconsistency.
//!
//! ```text
//! cargo run --release -p secure-login-server --example load -- [--seconds 10] [--concurrency 8]
//!     [--users N] [--cheap-argon] [--tick-ms 1000] [--server PATH]
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a load tool: a failed set-up ends the run"
)]

#[path = "../tests/it/harness/mod.rs"]
mod harness;

use std::path::PathBuf;
use std::process::ExitCode;

use harness::load::{run, LoadOptions};

fn options() -> LoadOptions {
    let mut opts = LoadOptions {
        bin: harness::sibling_binary(),
        seconds: 10.0,
        concurrency: 8,
        users: 0,
        cheap_argon: false,
        tick_ms: 1000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the option");
        match arg.as_str() {
            "--seconds" => opts.seconds = value().parse().expect("seconds"),
            "--concurrency" => opts.concurrency = value().parse().expect("concurrency"),
            "--users" => opts.users = value().parse().expect("users"),
            "--tick-ms" => opts.tick_ms = value().parse().expect("milliseconds"),
            "--cheap-argon" => opts.cheap_argon = true,
            "--server" => opts.bin = PathBuf::from(value()),
            other => panic!("unknown argument {other} (see the example's documentation)"),
        }
    }
    if opts.users < opts.concurrency {
        opts.users = opts.concurrency * 2;
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
    if report.errors == 0 && report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
