//! Which `Host` the portal answers to and which `Origin` may change state: the public origin
//! (`--public-origin https://portal.example`), or, when there is none (a start on a loopback
//! address), the loopback names only: `127.0.0.1`, `localhost` and `[::1]`, any port.
//!
//! A page on another site that resolves its own name to this server (DNS rebinding) sends its
//! own name as `Host`: that is refused here, before any route, with 421 `MisdirectedRequest`.
//! `/healthz` and `/readyz` answer any `Host` (load balancers probe by address).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// An origin the portal is reached at: scheme, host and port, as a browser writes it in
/// `Origin` (`https://portal.example`, `http://127.0.0.1:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    https: bool,
    /// Lower case; an IPv6 address in brackets.
    host: String,
    /// None for the scheme's default port.
    port: Option<u16>,
}

impl PublicOrigin {
    /// Parses `http(s)://host[:port]` (a trailing `/` is allowed; no path, query or user).
    ///
    /// # Errors
    /// A message naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let lower = text.trim().to_ascii_lowercase();
        let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(format!(
                "{text}: the public origin starts with https:// or http://"
            ));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = split_authority(rest).ok_or_else(|| {
            format!("{text}: the public origin is scheme://host[:port], nothing more")
        })?;
        let port = port.filter(|p| *p != if https { 443 } else { 80 });
        Ok(Self { https, host, port })
    }

    /// Whether the scheme is https (then HSTS and a `__Host-` cookie).
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host, lower case (an IPv6 address in brackets), without the port.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `host[:port]`, the port only when it is not the scheme's default.
    fn authority(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// Whether `host` (a `Host` header) names this origin.
    fn matches_host(&self, host: &str) -> bool {
        let default = if self.https { 443 } else { 80 };
        match split_authority(&host.to_ascii_lowercase()) {
            Some((name, port)) => {
                name == self.host && port.unwrap_or(default) == self.port.unwrap_or(default)
            }
            None => false,
        }
    }
}

impl std::fmt::Display for PublicOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.authority())
    }
}

/// `host[:port]` split, or None when it is not a plain authority (a path, user info, an empty
/// or non-numeric port, a character no host name has).
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (format!("[{inside}]"), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    let name_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    if !name_ok {
        return None;
    }
    let port = match port {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some((host, port))
}

/// The names a loopback start answers to.
const LOOPBACK_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// The Host and Origin rule of a running portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPolicy {
    /// Only the configured public origin.
    Public(PublicOrigin),
    /// No public origin (a loopback start): the loopback names, any port, over http.
    Loopback,
}

impl HostPolicy {
    /// The policy of an optional public origin.
    pub fn new(public_origin: Option<PublicOrigin>) -> Self {
        public_origin.map_or(Self::Loopback, Self::Public)
    }

    /// Whether a request with this `Host` (or HTTP/2 authority) is for this portal.
    pub fn allows_host(&self, host: &str) -> bool {
        match self {
            Self::Public(origin) => origin.matches_host(host),
            Self::Loopback => split_authority(&host.to_ascii_lowercase())
                .is_some_and(|(name, _)| LOOPBACK_NAMES.contains(&name.as_str())),
        }
    }

    /// Whether `origin` (an `Origin` header) may change state on a request sent to `host`:
    /// the public origin, or on a loopback start `http://` and the allowed `host` itself.
    pub fn allows_origin(&self, origin: &str, host: Option<&str>) -> bool {
        match self {
            Self::Public(public) => PublicOrigin::parse(origin).is_ok_and(|o| &o == public),
            Self::Loopback => host.is_some_and(|host| {
                self.allows_host(host) && origin.eq_ignore_ascii_case(&format!("http://{host}"))
            }),
        }
    }

    /// Whether answers carry HSTS and the cookie is `__Host-` (an https public origin).
    pub fn is_https(&self) -> bool {
        matches!(self, Self::Public(origin) if origin.is_https())
    }
}

impl std::fmt::Display for HostPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Public(origin) => write!(f, "{origin}"),
            Self::Loopback => {
                f.write_str("http://127.0.0.1, localhost or [::1] (loopback, any port)")
            }
        }
    }
}

/// The `Host` of a request, or its HTTP/2 authority.
pub fn request_host(request: &Request) -> Option<&str> {
    match request.headers().get(HOST) {
        Some(host) => host.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    }
}

/// Paths that answer any `Host`.
fn probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

/// The middleware: 421 `MisdirectedRequest` for a `Host` that is not ours.
pub async fn check_host(
    State(policy): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    if probe(request.uri().path()) || request_host(&request).is_some_and(|h| policy.allows_host(h))
    {
        return next.run(request).await;
    }
    let client = request
        .extensions()
        .get::<crate::client_addr::ClientAddr>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    tracing::warn!(
        event = "host_refused",
        %client,
        "a request named a Host this portal does not serve"
    );
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        "MisdirectedRequest",
        "this server does not serve that host",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_origins_parse_with_default_ports_dropped() {
        let origin = PublicOrigin::parse("HTTPS://Portal.Example:443/").unwrap();
        assert_eq!(origin.to_string(), "https://portal.example");
        assert!(origin.is_https());
        let origin = PublicOrigin::parse("http://127.0.0.1:8081").unwrap();
        assert_eq!(origin.to_string(), "http://127.0.0.1:8081");
        for bad in [
            "portal.example",
            "ftp://portal.example",
            "https://",
            "https://portal.example/login",
            "https://user@portal.example",
            "https://portal.example:",
            "https://portal.example:99999",
            "https://portal.example?x",
        ] {
            assert!(PublicOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_public_origin_allows_its_own_host_and_origin_only() {
        let policy = HostPolicy::new(Some(PublicOrigin::parse("https://portal.example").unwrap()));
        assert!(policy.allows_host("portal.example"));
        assert!(policy.allows_host("PORTAL.example:443"));
        assert!(!policy.allows_host("portal.example:8443"));
        assert!(!policy.allows_host("evil.example"));
        assert!(!policy.allows_host("127.0.0.1:8080"));
        assert!(policy.allows_origin("https://portal.example", Some("portal.example")));
        assert!(!policy.allows_origin("http://portal.example", Some("portal.example")));
        assert!(!policy.allows_origin("https://evil.example", Some("evil.example")));
        assert!(!policy.allows_origin("null", Some("portal.example")));
        assert!(policy.is_https());
    }

    #[test]
    fn a_loopback_start_allows_loopback_names_and_the_same_origin() {
        let policy = HostPolicy::new(None);
        for host in ["127.0.0.1:8080", "localhost:1", "[::1]:8080", "localhost"] {
            assert!(policy.allows_host(host), "{host}");
        }
        for host in [
            "evil.example:8080",
            "127.0.0.2:8080",
            "localhost.evil.example",
            "",
            "a b",
        ] {
            assert!(!policy.allows_host(host), "{host}");
        }
        assert!(policy.allows_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!policy.allows_origin("http://127.0.0.1:8081", Some("127.0.0.1:8080")));
        assert!(!policy.allows_origin("http://evil.example:8080", Some("evil.example:8080")));
        assert!(!policy.allows_origin("http://127.0.0.1:8080", None));
        assert!(!policy.is_https());
    }
}
