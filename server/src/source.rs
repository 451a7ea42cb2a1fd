//! Where a request comes from, as the password throttle keys it: the client address of
//! [`ClientAddr`] (the TCP peer, or the address a `--trusted-proxy` names in
//! `X-Forwarded-For`), IPv6 by its /64 (see [`secure_login_verifier::source_of`]).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use secure_login_verifier::source_of;

use crate::client_addr::ClientAddr;

/// The throttle key of the request's client (`0.0.0.0` in-process, where no address is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSource(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientSource {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ClientAddr(client) = ClientAddr::from_request_parts(parts, state).await?;
        Ok(Self(source_of(client)))
    }
}
