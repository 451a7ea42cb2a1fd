//! The router of the static files: the pages at `/`, the wasm package at `/pkg/`, each from the
//! binary itself or from a directory on disk (`--www`, `--pkg`: while developing them).

use std::path::PathBuf;

use axum::extract::Request;
use axum::routing::any;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::assets::Embedded;
use crate::headers::security_headers;

/// Where the pages or the wasm package come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Files {
    /// Built into the binary (`build.rs`): the default.
    Embedded,
    /// A directory on disk, read at each request.
    Dir(PathBuf),
}

impl From<PathBuf> for Files {
    fn from(dir: PathBuf) -> Self {
        Self::Dir(dir)
    }
}

impl From<&std::path::Path> for Files {
    fn from(dir: &std::path::Path) -> Self {
        Self::Dir(dir.to_path_buf())
    }
}

/// Why a start cannot serve the wasm package, if it cannot: the binary was built before
/// `scripts/build-wasm.sh` made `pkg/`, and no `--pkg` names a directory instead.
pub fn missing_package(pkg: &Files) -> Option<String> {
    missing_in(pkg, Embedded::PKG)
}

fn missing_in(pkg: &Files, embedded: Embedded) -> Option<String> {
    (*pkg == Files::Embedded && !embedded.has_package()).then(|| {
        "this binary holds no wasm package: it was built before scripts/build-wasm.sh made pkg/. \
         Run scripts/build-wasm.sh, then build the server again (cargo build -p \
         secure-login-server), or pass --pkg DIR"
            .to_owned()
    })
}

/// `files` served from the router's root (the caller nests it where it belongs).
fn serve(files: Files, embedded: Embedded) -> Router {
    match files {
        Files::Dir(dir) => Router::new().fallback_service(ServeDir::new(dir)),
        Files::Embedded => Router::new().fallback(any(move |request: Request| async move {
            embedded.serve(&request)
        })),
    }
}

/// The pages and the wasm package, without the headers, gzipped for browsers that ask (the
/// wasm shrinks to about a third). Only these static files: API answers are never compressed,
/// since a compressed answer holding a secret beside attacker-chosen text leaks it (BREACH).
pub(crate) fn site(www: Files, pkg: Files) -> Router {
    Router::new()
        .nest_service("/pkg", serve(pkg, Embedded::PKG))
        .merge(serve(www, Embedded::WWW))
        .layer(CompressionLayer::new())
}

/// The portal's router of static files: the pages at `/` (a directory serves its
/// `index.html`) and the wasm package at `/pkg/` (so pages import `/pkg/secure_login.js`).
///
/// Files get their type from their extension (`.wasm` is `application/wasm`); a path that is
/// not a file among them, or that tries to leave them, is a 404. Every response carries the
/// headers of [`security_headers`].
pub fn app(www: impl Into<Files>, pkg: impl Into<Files>) -> Router {
    security_headers(site(www.into(), pkg.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_without_the_package_says_what_to_run_unless_pkg_names_a_directory() {
        let without = Embedded(&[]);
        let message = missing_in(&Files::Embedded, without).unwrap();
        assert!(message.contains("scripts/build-wasm.sh"), "{message}");
        assert!(message.contains("--pkg DIR"), "{message}");
        assert_eq!(missing_in(&Files::Dir("pkg".into()), without), None);
        let with = Embedded(&[("secure_login.js", b"export {}", "\"1\"")]);
        assert_eq!(missing_in(&Files::Embedded, with), None);
    }
}
