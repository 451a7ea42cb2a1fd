//! Sessions: the cookie `sl_session` names a random 256-bit id that maps, in memory, to the
//! account, the login that created it and when. A restart signs everyone out (accounts,
//! factors and counters are in the database; sessions are not).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use secure_login_otp::hex_encode;
use secure_login_verifier::{Entropy, Result};

use crate::enroll::PendingTotp;
use crate::error::ApiError;
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE_NAME: &str = "sl_session";
/// The cookie's name when the portal is served over https: the `__Host-` prefix makes the
/// browser refuse it unless it is `Secure`, `Path=/` and without `Domain`.
pub const HOST_COOKIE_NAME: &str = "__Host-sl_session";

/// The most sessions held at once; the oldest goes when a new one would pass it.
const MAX_SESSIONS: usize = 100_000;

/// What a session knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Account id.
    pub account: String,
    /// The login that created the session (its second factor allows a phone change).
    pub login: String,
    /// Unix seconds.
    pub created_at: u64,
}

#[derive(Debug)]
struct Session {
    info: SessionInfo,
    /// An authenticator-app key shown but not yet confirmed.
    pending_totp: Option<PendingTotp>,
}

/// The sessions of a running portal.
#[derive(Debug)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    lifetime: u64,
    cookie_name: &'static str,
}

impl Sessions {
    /// No sessions; each will last `lifetime` seconds.
    pub fn new(lifetime: u64) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
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

    /// The session id in the request's `Cookie` headers, if any.
    pub fn id_in(&self, headers: &HeaderMap) -> Option<String> {
        cookie_value(headers, self.cookie_name)
    }

    /// `Set-Cookie` for a new session.
    pub fn set_cookie(&self, id: &str) -> String {
        let name = self.cookie_name;
        let lifetime = self.lifetime;
        format!("{name}={id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={lifetime}")
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn clear_cookie(&self) -> String {
        let name = self.cookie_name;
        format!("{name}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
    }

    /// The session's lifetime in seconds.
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // A map of plain values is never left half-updated: poisoning is ignored.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new session; returns its id (64 hex digits).
    ///
    /// # Errors
    /// [`secure_login_verifier::Error::Entropy`].
    pub fn create(&self, info: SessionInfo, entropy: &dyn Entropy) -> Result<String> {
        let mut bytes = [0u8; 32];
        entropy.fill(&mut bytes)?;
        let id = hex_encode(&bytes);
        let now = info.created_at;
        let mut map = self.lock();
        if map.len() >= MAX_SESSIONS {
            let lifetime = self.lifetime;
            map.retain(|_, s| now < s.info.created_at.saturating_add(lifetime));
        }
        if map.len() >= MAX_SESSIONS {
            let oldest = map
                .iter()
                .min_by_key(|(_, s)| s.info.created_at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                map.remove(&oldest);
            }
        }
        map.insert(
            id.clone(),
            Session {
                info,
                pending_totp: None,
            },
        );
        Ok(id)
    }

    /// Runs `f` on the live session `id` (an expired one is removed).
    fn with<R>(
        &self,
        id: &str,
        now: u64,
        f: impl FnOnce(&mut SessionInfo, &mut Option<PendingTotp>) -> R,
    ) -> Option<R> {
        let mut map = self.lock();
        let expired = map
            .get(id)
            .is_some_and(|s| now >= s.info.created_at.saturating_add(self.lifetime));
        if expired {
            map.remove(id);
            return None;
        }
        map.get_mut(id).map(|s| f(&mut s.info, &mut s.pending_totp))
    }

    /// The live session `id`.
    pub fn get(&self, id: &str, now: u64) -> Option<SessionInfo> {
        self.with(id, now, |info, _| info.clone())
    }

    /// Runs `f` on the session's pending authenticator-app key.
    pub fn with_pending_totp<R>(
        &self,
        id: &str,
        now: u64,
        f: impl FnOnce(&mut Option<PendingTotp>) -> R,
    ) -> Option<R> {
        self.with(id, now, |_, pending| f(pending))
    }

    /// Ends the session `id`.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
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
    /// The session id.
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
        let info = state
            .sessions
            .get(&id, state.now())
            .ok_or_else(ApiError::not_signed_in)?;
        Ok(Self { id, info })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SystemEntropy;

    fn info(at: u64) -> SessionInfo {
        SessionInfo {
            account: "acc".into(),
            login: "login".into(),
            created_at: at,
        }
    }

    #[test]
    fn sessions_live_for_their_lifetime() {
        let sessions = Sessions::new(100);
        let id = sessions.create(info(1_000), &SystemEntropy).unwrap();
        assert_eq!(id.len(), 64);
        assert_eq!(sessions.get(&id, 1_099), Some(info(1_000)));
        assert_eq!(sessions.get(&id, 1_100), None);
        assert_eq!(sessions.get(&id, 1_000), None, "an expired session is gone");
        let other = sessions.create(info(1_000), &SystemEntropy).unwrap();
        sessions.remove(&other);
        assert_eq!(sessions.get(&other, 1_000), None);
    }

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
