//! The router: `www/` at `/`, `pkg/` at `/pkg/`.

use std::path::PathBuf;

use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::headers::security_headers;

/// The pages and the wasm package, without the headers, gzipped for browsers that ask (the
/// wasm shrinks to about a third). Only these static files: API answers are never compressed,
/// since a compressed answer holding a secret beside attacker-chosen text leaks it (BREACH).
pub(crate) fn site(www: PathBuf, pkg: PathBuf) -> Router {
    Router::new()
        .nest_service("/pkg", ServeDir::new(pkg))
        .fallback_service(ServeDir::new(www))
        .layer(CompressionLayer::new())
}

/// The portal's router: the pages in `www` at `/` (a directory serves its `index.html`) and the
/// wasm package in `pkg` at `/pkg/` (so pages import `/pkg/secure_login.js`).
///
/// Files get their type from their extension (`.wasm` is `application/wasm`); a path that is
/// not a file under those directories, or that tries to leave them, is a 404. Every response
/// carries the headers of [`security_headers`].
pub fn app(www: impl Into<PathBuf>, pkg: impl Into<PathBuf>) -> Router {
    security_headers(site(www.into(), pkg.into()))
}
