//! What every request shares: the verifier, sessions, the outbox, the push notifier, the clock.

use std::sync::Arc;

use secure_login_verifier::{Clock, Result as VerifierResult, Verifier};
use tokio::sync::broadcast;

use crate::clock::TestClock;
use crate::courier::{DeliveryWorker, Outbox};
use crate::demo::DemoCard;
use crate::error::{ApiError, ApiResult};
use crate::password_gate::PasswordGate;
use crate::session::Sessions;
use crate::PortalStore;

/// The portal's shared state.
pub struct AppState {
    /// The verifier over the SQLite or PostgreSQL store.
    pub verifier: Arc<Verifier<PortalStore>>,
    /// Sends the outbox's SMS and voice messages.
    pub delivery: Arc<DeliveryWorker>,
    /// The session cookie.
    pub sessions: Sessions,
    /// The demo phone's outbox, when it is the courier.
    pub outbox: Option<Arc<Outbox>>,
    /// Told whenever a push starts or is answered (token pages then re-read their list).
    pub push_changes: broadcast::Sender<()>,
    /// The verifier's clock.
    pub clock: Arc<dyn Clock>,
    /// The same clock when it is settable (`--test-clock`).
    pub test_clock: Option<Arc<TestClock>>,
    /// The demo cards (`--demo`).
    pub demo_cards: Option<Vec<DemoCard>>,
    /// Named in Key URIs and activations.
    pub issuer: String,
    /// Bounds the password checks running and waiting at once.
    pub password_gate: PasswordGate,
    /// The WebAuthn relying party, when `--public-origin` names a domain (passkeys).
    pub passkeys: Option<Arc<crate::api::passkey::RelyingParty>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Unix seconds on the verifier's clock.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// Runs `f` on the verifier in the blocking pool (it hashes passwords with Argon2 and does
    /// database I/O): never on the async workers.
    ///
    /// # Errors
    /// The verifier's error, or 503 `Unavailable` when the task could not finish.
    pub async fn verify<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Verifier<PortalStore>) -> VerifierResult<T> + Send + 'static,
    {
        let verifier = self.verifier.clone();
        tokio::task::spawn_blocking(move || f(&verifier))
            .await
            .map_err(|_| ApiError::unavailable())?
            .map_err(ApiError::from)
    }

    /// Tells token pages that pushes changed: this instance's at once, the others' through the
    /// database (which tells this one again: a second re-read, harmless).
    pub fn pushes_changed(&self) {
        // No listener is fine.
        let _ = self.push_changes.send(());
        crate::signals::tell_others(self.verifier.store(), crate::signals::PUSHES, String::new());
    }

    /// Opens the session of a completed login, once per login and only within the claim
    /// window of its success. Returns the session token.
    ///
    /// # Errors
    /// 409 `NotAllowed` when the login already opened its session, 410 after the claim window;
    /// store failures.
    pub async fn open_session(&self, login_id: &str) -> ApiResult<String> {
        let login_id = login_id.to_owned();
        let opened = self.verify(move |v| v.open_session(&login_id)).await?;
        Ok(opened.token)
    }
}
