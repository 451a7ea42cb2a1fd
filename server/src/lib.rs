//! The reference portal of `secure-login`.
//!
//! For now it serves the static pages (`www/`) at `/` and the wasm package built by `wasm-pack`
//! (`pkg/`) at `/pkg/`, with a strict Content-Security-Policy and the other security headers on
//! every response, errors and 404s included.
//!
//! [`SqliteStore`] keeps the verifier's records and audit log in an SQLite file.

mod headers;
pub mod sqlite_store;
mod static_files;

pub use headers::{security_headers, CONTENT_SECURITY_POLICY};
pub use sqlite_store::{SqliteOptions, SqliteStore};
pub use static_files::app;
