//! The security headers every response carries.

use axum::http::header::{
    HeaderName, HeaderValue, CONTENT_SECURITY_POLICY as CSP, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of every page: scripts only from this origin (and compiling
/// WebAssembly), no inline script or style, no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// `Cross-Origin-Opener-Policy` (not among `http`'s named headers).
const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// The headers and their values, in the order they are added.
fn header_values() -> [(HeaderName, HeaderValue); 5] {
    [
        (CSP, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            CROSS_ORIGIN_OPENER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    ]
}

/// `Strict-Transport-Security` of an https portal: two years, subdomains too.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// Wraps `router` so that every response carries [`STRICT_TRANSPORT_SECURITY`] (only for a
/// portal whose public origin is https: over http the header means nothing, and on a loopback
/// name it would pin every other local service to https).
pub fn strict_transport_security<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::overriding(
        axum::http::header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
    ))
}

/// Wraps `router` so that every response, including 404s and fallbacks, carries the security
/// headers (replacing any value a handler set).
pub fn security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    header_values()
        .into_iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::overriding(name, value))
        })
}
