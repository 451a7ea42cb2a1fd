//! Where a request comes from, as the password throttle keys it: the TCP peer's address (IPv6 by
//! its /64, see [`secure_login::verifier::source_of`]). The one place that decides "the client
//! address" for the password throttle; a proxy-aware rule replaces [`peer_address`] alone.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use secure_login::verifier::source_of;

/// The throttle key of the request's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSource(pub String);

/// The client's address: the TCP peer (served with `into_make_service_with_connect_info`).
/// `None` when the router is served without connection info (in-process tests).
pub fn peer_address(parts: &Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

impl<S: Send + Sync> FromRequestParts<S> for ClientSource {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            peer_address(parts).map_or_else(|| "unknown".to_owned(), source_of),
        ))
    }
}
