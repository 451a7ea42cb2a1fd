//! The transactional outbox: an SMS or voice message is a store record, committed in the same
//! transaction as its code's hash and the throttles it counts against, and delivered afterwards
//! by [`Verifier::deliver`] (the request that queued it tries at once; the server's worker retries
//! and picks up whatever a crash left). So no code exists that its owner cannot receive, and no
//! code is sent that the store does not know.
//!
//! - **Claims.** A delivery first claims the message for a lease (`claimed_until`, `claimed_by`) in
//!   one compare-and-set, so two workers sharing the store never send it at the same time. A
//!   worker that dies holding a claim is replaced after the lease, or at once by the same
//!   instance started again (its claims carry its instance name and a per-start nonce).
//! - **At least once.** Dying after the gateway took a message and before `sent` is committed
//!   sends it again; the message id travels as an idempotency key so the gateway can drop it.
//! - **Only until sent.** The number and the code are in the record while it is pending; `sent`,
//!   `failed` and `superseded` wipe both (the masked number stays for the audit's detail).
//! - **Throttles count what was sent or queued.** A failed attempt gives the resend throttle and
//!   the daily cap back (the person may ask again at once); a later success counts it again.

use serde::{Deserialize, Serialize};

use super::audit::EventKind;
use super::error::{Error, Result};
use super::model::{mask_phone, MessageLog};
use super::ports::{Channel, Message};
use super::records::{key, load, load_or_default, Loaded, Tx};
use super::store::Store;
use super::Verifier;

/// How deliveries are paced: the lease of a claim and the retries of a refused message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Seconds a claim lasts: longer than the gateway may take to answer.
    pub lease: u64,
    /// Attempts before a message is given up.
    pub max_attempts: u32,
    /// Seconds before the first retry; each further retry waits twice as long.
    pub first_backoff: u64,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            lease: 30,
            max_attempts: 5,
            first_backoff: 5,
        }
    }
}

impl DeliveryPolicy {
    /// Seconds to wait after the `attempts`-th failed attempt (5, 10, 20, ... by default).
    fn backoff(&self, attempts: u32) -> u64 {
        let doublings = attempts.saturating_sub(1).min(20);
        self.first_backoff.saturating_mul(1 << doublings)
    }
}

/// Who delivers: an instance of the server (its name is stable across restarts) in one run of it
/// (the nonce is drawn at each start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deliverer {
    /// Names the instance; several instances sharing a store need different names.
    pub instance: String,
    /// Random per start: a claim by the same instance with another nonce was left by a crash.
    pub nonce: String,
}

impl Deliverer {
    fn claim_name(&self) -> String {
        format!("{}/{}", self.instance, self.nonce)
    }

    /// Whether a claim was made by this instance in an earlier run (which is dead: this one runs).
    fn left_by_earlier_run(&self, claimed_by: &str) -> bool {
        claimed_by
            .strip_prefix(self.instance.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|nonce| nonce != self.nonce)
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not sent yet: waiting for its first attempt or its next retry.
    Pending,
    /// The gateway took it.
    Sent,
    /// Given up: refused at every attempt, or the code expired first.
    Failed,
    /// A newer code of the same login replaced it before it went out.
    Superseded,
}

/// A message's delivery, as the login page may be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// Unix seconds of the next attempt while pending.
    pub next_attempt_at: u64,
}

/// One queued message (the record at `outbox/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutboxEntry {
    pub account: String,
    pub factor: Option<u32>,
    pub channel: Channel,
    pub purpose: String,
    /// The full number while pending; masked once done.
    pub phone: String,
    /// The code while pending; empty once done.
    pub code: String,
    pub state: DeliveryState,
    pub queued_at: u64,
    /// When the code stops working: no point in sending it after.
    pub expires_at: u64,
    pub attempts: u32,
    pub next_attempt_at: u64,
    pub claimed_until: u64,
    pub claimed_by: String,
    /// Whether it counts in the throttles now (not while its last attempt failed).
    pub counted: bool,
    /// The key of the number's throttle (a hash, not the number).
    pub number_key: String,
}

impl OutboxEntry {
    fn status(&self) -> DeliveryStatus {
        DeliveryStatus {
            state: self.state,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
        }
    }

    fn claimable(&self, now: u64, by: &Deliverer) -> bool {
        self.state == DeliveryState::Pending
            && now >= self.next_attempt_at
            && (now >= self.claimed_until || by.left_by_earlier_run(&self.claimed_by))
    }

    fn message(&self, id: &str) -> Message {
        Message {
            id: id.to_owned(),
            channel: self.channel,
            phone: self.phone.clone(),
            purpose: if self.purpose == "activation" {
                "activation"
            } else {
                "login"
            },
            code: self.code.clone(),
        }
    }

    /// Done: the code and the full number go.
    fn close(&mut self, state: DeliveryState) {
        self.state = state;
        self.phone = mask_phone(&self.phone);
        self.code.clear();
        self.claimed_until = 0;
        self.claimed_by.clear();
    }

    /// `sms to •••••••01`: the number masked (it is masked in the record once done).
    fn detail(&self) -> String {
        let masked = if self.state == DeliveryState::Pending {
            mask_phone(&self.phone)
        } else {
            self.phone.clone()
        };
        format!("{} to {masked}", channel_name(self.channel))
    }
}

/// What the queue needs to know about a new message.
pub(crate) struct NewMessage<'a> {
    pub account: &'a str,
    pub factor: Option<u32>,
    pub channel: Channel,
    pub purpose: &'static str,
    pub phone: &'a str,
    pub code: String,
    pub expires_at: u64,
}

/// A claimed message and the version the claim wrote.
struct Claimed {
    entry: OutboxEntry,
    version: u64,
}

impl<S: Store> Verifier<S> {
    /// Queues `message` into `tx`: the entry, the throttles it counts against, and the
    /// `message_queued` event. Returns the message id and when the next message may be asked for.
    /// [`Error::Throttled`] when one was sent or queued too recently or the day's cap is used.
    pub(crate) fn queue_message(
        &self,
        tx: &mut Tx,
        message: NewMessage<'_>,
        now: u64,
    ) -> Result<(String, u64)> {
        let id = super::secrets::random_id(self.entropy.as_ref())?;
        let today = now / 86_400;
        let account_key = key::messages(message.account);
        let number_key = key::number(&super::secrets::phone_key(message.phone));
        let by_account = load_or_default::<MessageLog>(&self.store, &account_key)?;
        let by_number = load_or_default::<MessageLog>(&self.store, &number_key)?;
        for log in [&by_account.value, &by_number.value] {
            if let Some(last) = log.last_sent_at {
                let next = last.saturating_add(self.policy.resend_interval);
                if now < next {
                    return Err(Error::Throttled {
                        retry_after: next - now,
                    });
                }
            }
        }
        let sent_today = if by_account.value.day == today {
            by_account.value.sent_today
        } else {
            0
        };
        if sent_today >= self.policy.daily_message_cap {
            return Err(Error::Throttled {
                retry_after: (today + 1) * 86_400 - now,
            });
        }
        let logged = |old: &MessageLog| MessageLog {
            last_sent_at: Some(now),
            day: today,
            sent_today: if old.day == today {
                old.sent_today + 1
            } else {
                1
            },
            last_message: Some(id.clone()),
        };
        let entry = OutboxEntry {
            account: message.account.to_owned(),
            factor: message.factor,
            channel: message.channel,
            purpose: message.purpose.to_owned(),
            phone: message.phone.to_owned(),
            code: message.code,
            state: DeliveryState::Pending,
            queued_at: now,
            expires_at: message.expires_at,
            attempts: 0,
            next_attempt_at: now,
            claimed_until: 0,
            claimed_by: String::new(),
            counted: true,
            number_key: number_key.clone(),
        };
        tx.put(account_key, by_account.version, &logged(&by_account.value))?
            .put(number_key, by_number.version, &logged(&by_number.value))?
            .put(key::outbox(&id), 0, &entry)?
            .event(self.event(
                message.account,
                message.factor,
                EventKind::MessageQueued,
                entry.detail(),
            ));
        Ok((id, now.saturating_add(self.policy.resend_interval)))
    }

    /// Into `tx`: the pending message `id` is replaced by a newer one, unless it is being sent
    /// right now (then it goes out; its code no longer works anyway).
    pub(crate) fn supersede(&self, tx: &mut Tx, id: &str, now: u64) -> Result<()> {
        let Some(loaded) = load::<OutboxEntry>(&self.store, &key::outbox(id))? else {
            return Ok(());
        };
        let entry = &loaded.value;
        if entry.state != DeliveryState::Pending || now < entry.claimed_until {
            return Ok(());
        }
        let mut closed = entry.clone();
        closed.close(DeliveryState::Superseded);
        tx.put(key::outbox(id), loaded.version, &closed)?;
        Ok(())
    }

    /// Where message `id` stands.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown (or long finished) message.
    pub fn delivery_status(&self, id: &str) -> Result<DeliveryStatus> {
        load::<OutboxEntry>(&self.store, &key::outbox(id))?
            .map(|loaded| loaded.value.status())
            .ok_or(Error::NotFound("message"))
    }

    /// Makes one attempt at message `id` if it is due and nobody else holds it: claims it, hands
    /// it to the courier, and commits `sent` (event `message_sent`) or the failure (event
    /// `message_failed`, and a retry after the backoff until `max_attempts` or the code's
    /// expiry). Returns where the message stands afterwards.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown message, [`Error::Store`].
    pub fn deliver(
        &self,
        id: &str,
        by: &Deliverer,
        policy: &DeliveryPolicy,
    ) -> Result<DeliveryStatus> {
        let Some(claimed) = self.claim(id, by, policy)? else {
            return self.delivery_status(id);
        };
        let outcome = self.courier.send(&claimed.entry.message(id));
        self.settle(id, claimed, outcome, policy)
    }

    /// Every pending message that is due and free, each given one attempt (the worker's round);
    /// finished messages whose code has expired are deleted. Returns the attempts made.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn deliver_due(&self, by: &Deliverer, policy: &DeliveryPolicy) -> Result<usize> {
        let now = self.now();
        let mut attempts = 0;
        for (record_key, versioned) in self.store.scan(key::OUTBOX)? {
            let Ok(entry) = serde_json::from_slice::<OutboxEntry>(&versioned.value) else {
                continue;
            };
            let id = record_key.trim_start_matches(key::OUTBOX);
            if entry.state != DeliveryState::Pending {
                if now >= entry.expires_at {
                    // Lost races are harmless: the next round tries again.
                    let _ = self
                        .store
                        .commit(&[delete(record_key.clone(), versioned.version)], &[]);
                }
                continue;
            }
            if entry.claimable(now, by) {
                self.deliver(id, by, policy)?;
                attempts += 1;
            }
        }
        Ok(attempts)
    }

    /// Claims message `id` for `policy.lease`, or gives it up when its code expired unsent;
    /// `None` when it is not due, not pending, or held by another worker.
    fn claim(&self, id: &str, by: &Deliverer, policy: &DeliveryPolicy) -> Result<Option<Claimed>> {
        let record_key = key::outbox(id);
        loop {
            let now = self.now();
            let loaded =
                load::<OutboxEntry>(&self.store, &record_key)?.ok_or(Error::NotFound("message"))?;
            if !loaded.value.claimable(now, by) {
                return Ok(None);
            }
            let mut tx = Tx::default();
            if now >= loaded.value.expires_at {
                self.give_up(
                    &mut tx,
                    id,
                    &loaded,
                    "the code expired before it could be sent",
                )?;
                if tx.commit(&self.store)? {
                    return Ok(None);
                }
                continue;
            }
            let mut entry = loaded.value.clone();
            entry.attempts = entry.attempts.saturating_add(1);
            entry.claimed_until = now.saturating_add(policy.lease);
            entry.claimed_by = by.claim_name();
            tx.put(record_key.clone(), loaded.version, &entry)?;
            if tx.commit(&self.store)? {
                return Ok(Some(Claimed {
                    entry,
                    version: loaded.version + 1,
                }));
            }
        }
    }

    /// Commits what the courier said about a claimed message.
    fn settle(
        &self,
        id: &str,
        claimed: Claimed,
        outcome: Result<()>,
        policy: &DeliveryPolicy,
    ) -> Result<DeliveryStatus> {
        let now = self.now();
        let loaded = Loaded {
            value: claimed.entry,
            version: claimed.version,
        };
        let mut tx = Tx::default();
        let mut entry = loaded.value.clone();
        match outcome {
            Ok(()) => {
                if !entry.counted {
                    self.count_again(&mut tx, id, &entry, now)?;
                }
                entry.close(DeliveryState::Sent);
                tx.event(self.event(
                    &entry.account,
                    entry.factor,
                    EventKind::MessageSent,
                    format!("{}, attempt {}", entry.detail(), entry.attempts),
                ));
                tx.put(key::outbox(id), loaded.version, &entry)?;
            }
            Err(error) => {
                let reason = match &error {
                    Error::Courier(reason) => reason.clone(),
                    other => other.code().to_owned(),
                };
                let retry_at = now.saturating_add(policy.backoff(entry.attempts));
                if entry.attempts >= policy.max_attempts || retry_at >= entry.expires_at {
                    let reason = format!("attempt {}: {reason}", entry.attempts);
                    self.give_up(&mut tx, id, &loaded, &reason)?;
                } else {
                    if entry.counted {
                        self.uncount(&mut tx, id, &entry)?;
                        entry.counted = false;
                    }
                    entry.next_attempt_at = retry_at;
                    entry.claimed_until = 0;
                    entry.claimed_by.clear();
                    tx.event(self.event(
                        &entry.account,
                        entry.factor,
                        EventKind::MessageFailed,
                        format!(
                            "{}, attempt {}: {reason}; retry at {retry_at}",
                            entry.detail(),
                            entry.attempts
                        ),
                    ));
                    tx.put(key::outbox(id), loaded.version, &entry)?;
                }
            }
        }
        if tx.commit(&self.store)? {
            return self.delivery_status(id);
        }
        // Only a claim's holder writes a pending message; another write means the lease ran out
        // and someone else holds it now. Their attempt decides; the gateway drops the repeat.
        self.delivery_status(id)
    }

    /// Into `tx`: the message is given up (event `message_failed`) and stops counting.
    fn give_up(
        &self,
        tx: &mut Tx,
        id: &str,
        loaded: &Loaded<OutboxEntry>,
        reason: &str,
    ) -> Result<()> {
        let mut entry = loaded.value.clone();
        if entry.counted {
            self.uncount(tx, id, &entry)?;
        }
        entry.counted = false;
        tx.event(self.event(
            &entry.account,
            entry.factor,
            EventKind::MessageFailed,
            format!("{}, given up: {reason}", entry.detail()),
        ));
        entry.close(DeliveryState::Failed);
        tx.put(key::outbox(id), loaded.version, &entry)?;
        Ok(())
    }

    /// Into `tx`: message `id` no longer counts in its throttles (if it is still the last one
    /// they counted).
    fn uncount(&self, tx: &mut Tx, id: &str, entry: &OutboxEntry) -> Result<()> {
        for log_key in [key::messages(&entry.account), entry.number_key.clone()] {
            let log = load_or_default::<MessageLog>(&self.store, &log_key)?;
            if log.value.last_message.as_deref() != Some(id) {
                continue;
            }
            let mut updated = log.value.clone();
            updated.last_sent_at = None;
            if updated.day == entry.queued_at / 86_400 {
                updated.sent_today = updated.sent_today.saturating_sub(1);
            }
            tx.put(log_key, log.version, &updated)?;
        }
        Ok(())
    }

    /// Into `tx`: message `id`, sent after a failed attempt, counts again.
    fn count_again(&self, tx: &mut Tx, id: &str, entry: &OutboxEntry, now: u64) -> Result<()> {
        for log_key in [key::messages(&entry.account), entry.number_key.clone()] {
            let log = load_or_default::<MessageLog>(&self.store, &log_key)?;
            if log.value.last_message.as_deref() != Some(id) {
                continue;
            }
            let mut updated = log.value.clone();
            updated.last_sent_at = Some(now);
            if updated.day == now / 86_400 {
                updated.sent_today = updated.sent_today.saturating_add(1);
            } else {
                updated.day = now / 86_400;
                updated.sent_today = 1;
            }
            tx.put(log_key, log.version, &updated)?;
        }
        Ok(())
    }
}

fn delete(key: String, expected: u64) -> super::store::Write {
    super::store::Write {
        key,
        expected,
        value: None,
    }
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Voice => "voice",
    }
}
