//! One log line per request: method, matched route (`/api/login/{id}/factor`, never the path
//! itself: ids in paths are secrets), status, latency and client address. Refusals that matter
//! to security (401, 403, 421, 429) and server failures (5xx) are at `warn` with the error's
//! code; everything else at `info`. No header, query, body or cookie is ever logged.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::client_addr::ClientAddr;
use crate::error::ErrorLogged;

/// Statuses logged at `warn`: failed sign-ins, refused origins and hosts, throttling.
fn security_refusal(status: u16) -> bool {
    matches!(status, 401 | 403 | 421 | 429)
}

/// The middleware.
pub async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || "(static or unknown)".to_owned(),
        |p| p.as_str().to_owned(),
    );
    let client = request
        .extensions()
        .get::<ClientAddr>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = response.extensions().get::<ErrorLogged>();
    let code = error.map_or("", |e| e.code);
    if status >= 500 {
        let error = error.map_or("", |e| e.message.as_str());
        tracing::warn!(%method, route, status, latency_ms, %client, code, error, "request failed");
    } else if security_refusal(status) {
        tracing::warn!(%method, route, status, latency_ms, %client, code, "request refused");
    } else {
        tracing::info!(%method, route, status, latency_ms, %client, code, "request");
    }
    response
}
