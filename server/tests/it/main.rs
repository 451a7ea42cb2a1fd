//! The portal's integration tests: one test binary (the server linked once, not once per file),
//! one module per subject, sharing the harnesses: `common` (the portal in-process, a client),
//! `harness` (the binary with admin commands, races, load and crash cycles), `binary` (the
//! binary in a production start). Run one subject with `cargo test -p secure-login-server --test
//! it races::`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod binary;
mod common;
mod harness;

mod api_input;
mod api_login;
mod api_matrix;
mod api_token;
mod courier;
mod crash;
mod headers;
mod http;
mod load;
mod logs;
mod password_attacks;
mod production;
mod proxies;
mod races;
mod restart;
mod secrets_at_rest;
mod sqlite_store;
mod verifier_sqlite;
mod webhook;
