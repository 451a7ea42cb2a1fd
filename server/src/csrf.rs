//! CSRF defence for every request that may change state (any method but GET, HEAD and OPTIONS):
//! the header `X-Secure-Login: 1`, which a cross-site page cannot send without a CORS preflight
//! that this server never grants, and an `Origin`, when there is one, that the [`HostPolicy`]
//! allows: the public origin, or on a loopback start `http://` and the request's own `Host`.
//! Otherwise 403 `Forbidden`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::origin::HostPolicy;

/// The header every state-changing request must carry, with the value `1`.
pub const CSRF_HEADER: &str = "x-secure-login";

fn safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Why the request is refused, if it is. `authority` is the request target's, used when there
/// is no `Host` header.
fn refusal(
    policy: &HostPolicy,
    method: &Method,
    headers: &HeaderMap,
    authority: Option<&str>,
) -> Option<&'static str> {
    if safe(method) {
        return None;
    }
    if headers.get(CSRF_HEADER).map(|v| v.as_bytes()) != Some(b"1") {
        return Some("the header X-Secure-Login: 1 is missing");
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let host = match headers.get(HOST) {
            Some(host) => host.to_str().ok(),
            None => authority,
        };
        let own = origin
            .to_str()
            .is_ok_and(|origin| policy.allows_origin(origin, host));
        if !own {
            return Some("the request comes from another origin");
        }
    }
    None
}

/// The middleware.
pub async fn csrf(State(policy): State<Arc<HostPolicy>>, request: Request, next: Next) -> Response {
    let authority = request.uri().authority().map(|a| a.as_str());
    match refusal(&policy, request.method(), request.headers(), authority) {
        Some(why) => {
            let client = request
                .extensions()
                .get::<crate::client_addr::ClientAddr>()
                .map(|c| c.0.to_string())
                .unwrap_or_default();
            tracing::warn!(
                event = "csrf_refused",
                reason = why,
                %client,
                "a state-changing request was refused"
            );
            ApiError::forbidden(why).into_response()
        }
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn reads_pass_and_writes_need_the_header_and_our_origin() {
        let loopback = HostPolicy::Loopback;
        let refusal = |m: &Method, h: &HeaderMap, a: Option<&str>| refusal(&loopback, m, h, a);
        assert_eq!(refusal(&Method::GET, &headers(&[]), None), None);
        assert!(refusal(&Method::POST, &headers(&[]), None).is_some());
        assert!(refusal(&Method::POST, &headers(&[(CSRF_HEADER, "0")]), None).is_some());
        assert_eq!(
            refusal(&Method::POST, &headers(&[(CSRF_HEADER, "1")]), None),
            None
        );
        let ours = headers(&[
            (CSRF_HEADER, "1"),
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert_eq!(refusal(&Method::POST, &ours, None), None);
        for origin in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:8081",
            "https://127.0.0.1:8080",
        ] {
            let mut foreign = headers(&[(CSRF_HEADER, "1"), ("host", "127.0.0.1:8080")]);
            foreign.insert("origin", origin.parse().unwrap());
            assert!(refusal(&Method::POST, &foreign, None).is_some(), "{origin}");
        }
        let no_host = headers(&[(CSRF_HEADER, "1"), ("origin", "http://127.0.0.1:8080")]);
        assert!(refusal(&Method::DELETE, &no_host, None).is_some());
        // HTTP/2 has no Host header: the request's authority stands in.
        assert_eq!(
            refusal(&Method::POST, &no_host, Some("127.0.0.1:8080")),
            None
        );
        // A rebound name is its own Host: the Origin matches it, the policy does not.
        let rebound = headers(&[
            (CSRF_HEADER, "1"),
            ("host", "evil.example:8080"),
            ("origin", "http://evil.example:8080"),
        ]);
        assert!(refusal(&Method::POST, &rebound, None).is_some());
    }

    #[test]
    fn behind_a_public_origin_only_it_may_write() {
        let public = HostPolicy::new(Some(
            crate::origin::PublicOrigin::parse("https://portal.example").unwrap(),
        ));
        let with_origin = |origin: &'static str| {
            headers(&[
                (CSRF_HEADER, "1"),
                ("host", "portal.example"),
                ("origin", origin),
            ])
        };
        assert_eq!(
            refusal(
                &public,
                &Method::POST,
                &with_origin("https://portal.example"),
                None
            ),
            None
        );
        for origin in ["http://portal.example", "https://evil.example", "null"] {
            assert!(refusal(&public, &Method::POST, &with_origin(origin), None).is_some());
        }
    }
}
