//! The session cookie: `sl_session` (or `__Host-sl_session` over https) carries the token of a
//! session the verifier keeps in the store (idle timeout, absolute lifetime, revocation: see
//! `secure_login_verifier::SessionInfo`). This module only reads and writes the cookie.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use secure_login_verifier::SessionInfo;

use crate::error::ApiError;
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE_NAME: &str = "sl_session";
/// The cookie's name when the portal is served over https: the `__Host-` prefix makes the
/// browser refuse it unless it is `Secure`, `Path=/` and without `Domain`.
pub const HOST_COOKIE_NAME: &str = "__Host-sl_session";

/// How the portal names and sets its session cookie.
#[derive(Debug)]
pub struct Sessions {
    /// The cookie's `Max-Age`: the session's absolute lifetime.
    lifetime: u64,
    cookie_name: &'static str,
}

impl Sessions {
    /// Cookies that live `lifetime` seconds.
    pub fn new(lifetime: u64) -> Self {
        Self {
            lifetime,
            cookie_name: COOKIE_NAME,
        }
    }

    /// The same, with the cookie named [`HOST_COOKIE_NAME`] (an https public origin).
    #[must_use]
    pub fn with_host_prefix(mut self) -> Self {
        self.cookie_name = HOST_COOKIE_NAME;
        self
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &'static str {
        self.cookie_name
    }

    /// The session token in the request's `Cookie` headers, if any.
    pub fn id_in(&self, headers: &HeaderMap) -> Option<String> {
        cookie_value(headers, self.cookie_name)
    }

    /// `Set-Cookie` for a new session.
    pub fn set_cookie(&self, token: &str) -> String {
        let name = self.cookie_name;
        let lifetime = self.lifetime;
        format!("{name}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={lifetime}")
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn clear_cookie(&self) -> String {
        let name = self.cookie_name;
        format!("{name}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
    }
}

/// The value of the cookie `name` in the request's `Cookie` headers, if any.
fn cookie_value(headers: &HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie_name)
        .map(|(_, value)| value.trim().to_owned())
}

/// The session id in the request's `Cookie` headers, if any (the plain cookie name).
pub fn cookie_session(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE_NAME)
}

/// A request with a live session (else 401 `NotSignedIn`).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session token.
    pub id: String,
    /// The session.
    pub info: SessionInfo,
}

impl FromRequestParts<Arc<AppState>> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> std::result::Result<Self, ApiError> {
        let id = state
            .sessions
            .id_in(&parts.headers)
            .ok_or_else(ApiError::not_signed_in)?;
        let token = id.clone();
        let info = state
            .verify(move |v| v.session(&token))
            .await?
            .ok_or_else(ApiError::not_signed_in)?;
        Ok(Self { id, info })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, "a=1; sl_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie_session(&headers).as_deref(), Some("abc"));
        assert_eq!(cookie_session(&HeaderMap::new()), None);
        let plain = Sessions::new(5);
        assert_eq!(plain.id_in(&headers).as_deref(), Some("abc"));
        assert!(plain
            .set_cookie("x")
            .starts_with("sl_session=x; HttpOnly; Secure; SameSite=Strict; Path=/"));
        let https = Sessions::new(5).with_host_prefix();
        assert_eq!(https.id_in(&headers), None);
        headers.append(COOKIE, "__Host-sl_session=def".parse().unwrap());
        assert_eq!(https.id_in(&headers).as_deref(), Some("def"));
        assert!(https
            .set_cookie("x")
            .starts_with("__Host-sl_session=x; HttpOnly; Secure; SameSite=Strict; Path=/"));
        assert!(https.clear_cookie().starts_with("__Host-sl_session=;"));
    }
}
