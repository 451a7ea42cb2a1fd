//! The reference portal of `secure-login`.
//!
//! For now it serves the static pages (`www/`) at `/` and the wasm package built by `wasm-pack`
//! (`pkg/`) at `/pkg/`, with a strict Content-Security-Policy and the other security headers on
//! every response, errors and 404s included.

mod headers;
mod static_files;

pub use headers::{security_headers, CONTENT_SECURITY_POLICY};
pub use static_files::app;
