//! The pages and the wasm package built into the binary (`build.rs`), served as `ServeDir` serves
//! a directory: `GET` and `HEAD`, a directory's `index.html`, the type from the extension
//! (`.wasm` is `application/wasm`), an `ETag` and `304` for a copy the browser has, and `404`
//! for anything else (there is no file system under it to escape to).

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ALLOW, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// Files built into the binary: `(path, bytes, etag)`, sorted by path.
#[derive(Debug, Clone, Copy)]
pub struct Embedded(pub(crate) &'static [(&'static str, &'static [u8], &'static str)]);

impl Embedded {
    /// The pages (`www/`).
    pub const WWW: Self = Self(embedded::WWW);
    /// The wasm package (`pkg/`); empty when the binary was built before `scripts/build-wasm.sh`.
    pub const PKG: Self = Self(embedded::PKG);

    /// The file at `path` (relative, `/`-separated), if there is one.
    pub fn get(self, path: &str) -> Option<(&'static [u8], &'static str)> {
        self.0
            .binary_search_by(|(name, _, _)| (*name).cmp(path))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, bytes, etag)| (*bytes, *etag))
    }

    /// Whether it holds the package's glue (`secure_login.js`): false when the binary was built
    /// before the wasm.
    pub fn has_package(self) -> bool {
        self.get("secure_login.js").is_some()
    }

    /// Answers `request`, whose path is relative to where these files are served.
    pub fn serve(self, request: &Request) -> Response {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(ALLOW, HeaderValue::from_static("GET,HEAD"))],
            )
                .into_response();
        }
        let path = request.uri().path().trim_start_matches('/');
        let (path, file) = if path.is_empty() || path.ends_with('/') {
            let index = format!("{path}index.html");
            let file = self.get(&index);
            (index, file)
        } else {
            (path.to_owned(), self.get(path))
        };
        let Some((bytes, etag)) = file else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let etag = HeaderValue::from_static(etag);
        let cached = request
            .headers()
            .get(IF_NONE_MATCH)
            .is_some_and(|seen| seen == etag);
        if cached {
            return (StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response();
        }
        let mime = mime_guess::from_path(&path).first_or_octet_stream();
        let content_type = HeaderValue::from_str(mime.as_ref())
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        (
            [(CONTENT_TYPE, content_type), (ETAG, etag)],
            Body::from(bytes),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_are_the_files_of_www() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/");
        for name in ["index.html", "login.js", "lib/api.js", "favicon.svg"] {
            let (bytes, _) = Embedded::WWW.get(name).unwrap();
            assert_eq!(
                bytes,
                std::fs::read(format!("{root}{name}")).unwrap(),
                "{name}"
            );
        }
        assert!(Embedded::WWW.get("nothing.html").is_none());
        assert!(Embedded::WWW.get("../Cargo.toml").is_none());
    }

    fn answer(method: Method, path: &str, etag: Option<&str>) -> Response {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        Embedded::WWW.serve(&request.body(Body::empty()).unwrap())
    }

    #[test]
    fn a_directory_serves_its_index_and_a_known_copy_is_not_sent_again() {
        let page = answer(Method::GET, "/", None);
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[CONTENT_TYPE], "text/html");
        let etag = page.headers()[ETAG].to_str().unwrap().to_owned();
        let again = answer(Method::GET, "/index.html", Some(&etag));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other = answer(Method::GET, "/index.html", Some("\"0\""));
        assert_eq!(other.status(), StatusCode::OK);
        assert_eq!(
            answer(Method::GET, "/lib/", None).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            answer(Method::GET, "/../www/index.html", None).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            answer(Method::POST, "/", None).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
