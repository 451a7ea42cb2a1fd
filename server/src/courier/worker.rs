//! The delivery worker: a task of the server that hands the verifier's pending messages to the
//! courier. It makes a round at start (what a crash left), whenever woken (a request queued a
//! message, or the test clock moved), and every [`ROUND`] (retries that came due); on a test
//! clock only when woken. Each message
//! is sent in the blocking pool, several at once; the verifier's claims keep any message from
//! being sent twice at the same time, by this worker or another instance's.
//!
//! A request that queued a message waits (at most [`DeliveryWorker::wait_limit`]) for the report
//! of its first attempt, so the page can say whether the code went out. Over PostgreSQL the
//! report reaches every instance ([`crate::signals`]), since another instance's worker may be
//! the one that claimed the message.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use secure_login_otp::hex_encode;
use secure_login_verifier::{
    Deliverer, DeliveryPolicy, DeliveryState, DeliveryStatus, Entropy, Result, Verifier,
};
use tokio::sync::{broadcast, Notify};

use crate::entropy::SystemEntropy;
use crate::signals::{tell_others, DeliveryNote, DELIVERY};
use crate::PortalStore;

/// How often the worker looks for retries that came due without being woken.
pub const ROUND: Duration = Duration::from_secs(1);

/// Reports kept for requests that start waiting after the attempt they wait for (a round may
/// pick a message up between its commit and its request's subscribing).
const KEEP_REPORTS: usize = 256;

/// Sends the outbox's messages; shared by the worker task and the request handlers.
pub struct DeliveryWorker {
    verifier: Arc<Verifier<PortalStore>>,
    deliverer: Deliverer,
    policy: DeliveryPolicy,
    wake: Notify,
    reports: broadcast::Sender<(String, DeliveryStatus)>,
    recent: Mutex<VecDeque<(String, DeliveryStatus)>>,
}

impl std::fmt::Debug for DeliveryWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryWorker")
            .field("deliverer", &self.deliverer)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl DeliveryWorker {
    /// A worker for the server instance named `instance` (a fresh nonce marks this run).
    ///
    /// # Errors
    /// [`secure_login_verifier::Error::Entropy`] when no nonce can be drawn.
    pub fn new(
        verifier: Arc<Verifier<PortalStore>>,
        instance: &str,
        policy: DeliveryPolicy,
    ) -> Result<Self> {
        let mut nonce = [0u8; 8];
        SystemEntropy.fill(&mut nonce)?;
        let (reports, _) = broadcast::channel(256);
        Ok(Self {
            verifier,
            deliverer: Deliverer {
                instance: instance.to_owned(),
                nonce: hex_encode(&nonce),
            },
            policy,
            wake: Notify::new(),
            reports,
            recent: Mutex::new(VecDeque::new()),
        })
    }

    /// How long a request waits for the first attempt at its message: the lease (longer than
    /// the gateway's timeout) and a second.
    pub fn wait_limit(&self) -> Duration {
        Duration::from_secs(self.policy.lease.saturating_add(1))
    }

    /// Asks for a round now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Wakes the worker and waits for the report of an attempt at message `id`; `None` when none
    /// came within [`DeliveryWorker::wait_limit`] (the message stays queued).
    pub async fn wait_for(&self, id: &str) -> Option<DeliveryStatus> {
        let mut reports = self.reports.subscribe();
        if let Some(status) = self.recent_report(id) {
            return Some(status);
        }
        self.wake();
        let wait = async {
            loop {
                match reports.recv().await {
                    Ok((reported, status)) if reported == id => return Some(status),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        };
        tokio::time::timeout(self.wait_limit(), wait)
            .await
            .ok()
            .flatten()
    }

    /// Runs rounds for as long as the server runs: at start and every [`ROUND`] on the system
    /// clock; only when woken on a test clock (which moves only when set: a round at start would
    /// run at whatever time the clock holds before the test sets it).
    pub async fn run(self: Arc<Self>, test_clock: bool) {
        if test_clock {
            loop {
                self.wake.notified().await;
                self.round().await;
            }
        }
        loop {
            self.round().await;
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(ROUND) => {}
            }
        }
    }

    /// Starts one attempt at every message due now, each in the blocking pool (a slow gateway
    /// holds up no other message, nor the next round: a claimed message is not due).
    async fn round(self: &Arc<Self>) {
        let worker = self.clone();
        let due =
            tokio::task::spawn_blocking(move || worker.verifier.due_messages(&worker.deliverer))
                .await;
        let ids = match due {
            Ok(Ok(ids)) => ids,
            Ok(Err(error)) => {
                tracing::warn!(%error, "the outbox could not be read");
                return;
            }
            Err(_) => return,
        };
        for id in ids {
            let worker = self.clone();
            tokio::task::spawn_blocking(move || worker.attempt(id));
        }
    }

    /// The report of an attempt at `id` made lately, if any.
    fn recent_report(&self, id: &str) -> Option<DeliveryStatus> {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent
            .iter()
            .rev()
            .find(|(reported, _)| reported == id)
            .map(|(_, status)| *status)
    }

    /// The report of an attempt at `id`, by this instance's worker or another's, to whoever
    /// waits for it here.
    pub fn report(&self, id: String, status: DeliveryStatus) {
        {
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            recent.push_back((id.clone(), status));
            while recent.len() > KEEP_REPORTS {
                recent.pop_front();
            }
        }
        // No request waiting is not an error.
        let _ = self.reports.send((id, status));
    }

    /// One attempt at message `id` (blocking), reported to whoever waits for it (on any
    /// instance).
    fn attempt(&self, id: String) {
        match self.verifier.deliver(&id, &self.deliverer, &self.policy) {
            Ok(Some(status)) => {
                if status.state != DeliveryState::Sent {
                    tracing::warn!(
                        message = %id,
                        state = ?status.state,
                        attempts = status.attempts,
                        next_attempt_at = status.next_attempt_at,
                        "a message is not delivered yet"
                    );
                }
                let note = serde_json::to_string(&DeliveryNote {
                    id: id.clone(),
                    status,
                });
                match note {
                    // The others, and through them this instance again (a repeat is harmless).
                    Ok(note) => tell_others(self.verifier.store(), DELIVERY, note),
                    Err(error) => tracing::warn!(%error, "a delivery note was not made"),
                }
                self.report(id, status);
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(message = %id, %error, "a message could not be delivered"),
        }
    }
}
