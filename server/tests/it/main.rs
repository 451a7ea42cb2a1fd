//! The portal's integration tests: one test binary (the server linked once, not once per file),
//! one module per subject, over one harness (`harness/`): its testkit (`kit`: the numbers and the
//! token's side of each exchange), and three ways to start the portal: `in_process` (the router
//! in the test's process, with a client), `Portal` (the binary under the test clock, with the
//! admin subcommands: races, load, crash cycles) and `production` (the binary in a production
//! start, behind nginx and Caddy). Run one subject with `cargo test -p secure-login-server --test
//! it races::`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a test crate: a failed unwrap is a failed test (one allowance for every module)"
)]

mod harness;

mod account_management;
mod api_input;
mod api_login;
mod api_matrix;
mod api_passkey;
mod api_token;
mod backup;
mod binding;
mod courier;
mod crash;
mod device_auth;
mod headers;
mod http;
mod instances;
mod load;
mod logs;
mod one_file;
mod openapi;
mod password_attacks;
mod pg_store;
mod production;
mod proxies;
mod races;
mod restart;
mod secrets_at_rest;
mod sessions;
mod sqlite_store;
mod verifier_postgres;
mod verifier_sqlite;
mod webhook;
