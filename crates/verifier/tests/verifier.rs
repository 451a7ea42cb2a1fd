//! The verifier's rules against the in-memory store (the same scenarios run against SQLite in
//! `server/tests/it/verifier_sqlite.rs`).
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[macro_use]
#[path = "common/verifier_scenarios.rs"]
mod scenarios;

#[macro_use]
#[path = "common/lifecycle_scenarios.rs"]
mod lifecycle;

#[macro_use]
#[path = "common/device_scenarios.rs"]
mod device;

#[macro_use]
#[path = "common/passkey_scenarios.rs"]
mod passkey;

use secure_login_verifier::MemoryStore;

verifier_scenarios!(MemoryStore::new());
lifecycle_scenarios!(MemoryStore::new());
device_scenarios!(MemoryStore::new());
passkey_scenarios!(MemoryStore::new());
