//! What one instance tells the others when several share a PostgreSQL database: a push started
//! or was answered (token pages connected to any instance re-read their list at once), and a
//! message's delivery attempt was reported (the request that queued it may be waiting on another
//! instance than the one whose worker sent it). Over SQLite there is one instance, and these
//! stay in the process.
//!
//! Notes only say "look again" or repeat what the records already hold; a missed one delays a
//! page by at most its periodic re-read ([`crate::api`]'s `PUSHES_EVERY`) or a request by its
//! wait limit, and loses nothing.

use std::sync::Arc;

use secure_login_verifier::DeliveryStatus;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use crate::database::PortalStore;
use crate::state::AppState;

/// A push started or was answered.
pub const PUSHES: &str = "secure_login_pushes";
/// A delivery attempt's report ([`DeliveryNote`] as JSON).
pub const DELIVERY: &str = "secure_login_delivery";

/// The payload of a [`DELIVERY`] note.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeliveryNote {
    /// The message's id.
    pub id: String,
    /// Where it stands.
    pub status: DeliveryStatus,
}

/// Tells every instance (this one too) `payload` on `channel`; nothing over SQLite.
pub fn tell_others(store: &PortalStore, channel: &'static str, payload: String) {
    if let PortalStore::Postgres(store) = store {
        store.notify(channel, payload);
    }
}

/// Starts relaying the other instances' notes into this one's channels (PostgreSQL only; call
/// from within a runtime).
///
/// # Errors
/// [`secure_login_verifier::Error::Store`] when the store is closing.
pub fn relay(state: &Arc<AppState>) -> secure_login_verifier::Result<()> {
    let PortalStore::Postgres(store) = state.verifier.store() else {
        return Ok(());
    };
    let mut notes = store.listen(&[PUSHES, DELIVERY])?;
    let state = Arc::downgrade(state);
    tokio::spawn(async move {
        loop {
            let (channel, payload) = match notes.recv().await {
                Ok(note) => note,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            // The portal is gone: so is the need to listen.
            let Some(state) = state.upgrade() else { return };
            match channel.as_str() {
                PUSHES => {
                    // No page listening is fine.
                    let _ = state.push_changes.send(());
                }
                DELIVERY => match serde_json::from_str::<DeliveryNote>(&payload) {
                    Ok(note) => state.delivery.report(note.id, note.status),
                    Err(error) => tracing::warn!(%error, "a delivery note that does not parse"),
                },
                _ => {}
            }
        }
    });
    Ok(())
}
