//! The transactional outbox: an SMS or voice message is a store record, committed in the same
//! transaction as its code's hash and the throttles it counts against, and delivered afterwards
//! by [`Verifier::deliver`] (the server's delivery worker: at once when woken, again for retries,
//! and for whatever a crash left). So no code exists that its owner cannot receive, and no code
//! is sent that the store does not know.
//!
//! - **Claims.** An attempt first claims the message for a lease (`claimed_until`, `claimed_by`)
//!   in one compare-and-set, so two workers sharing the store never send it at the same time. A
//!   worker that dies holding a claim is replaced after the lease, or at once by the same
//!   instance started again (a claim names the instance and a nonce drawn at each start).
//! - **At least once.** Dying after the gateway took a message and before `sent` is committed
//!   sends it again; the message id travels as an idempotency key so the gateway can drop it.
//! - **Only until sent, and sealed.** The record exists while the message is pending: sending
//!   it, giving it up or replacing it by a newer code deletes it (the audit's events, with the
//!   number masked, are what remains). Its number and code are sealed by the [`KeyVault`] bound
//!   to the record's key, so a copy of the database does not show them even meanwhile.
//! - **Throttles count what was sent or queued.** A failed attempt gives the resend throttle and
//!   the daily cap back (the person may ask again at once); a later success counts it again.

use serde::{Deserialize, Serialize};

use super::audit::EventKind;
use super::error::{Error, Result};
use super::model::{mask_phone, MessageLog};
use super::ports::{Channel, Message};
use super::records::{key, load, load_or_default, Loaded, Tx};
use super::store::Store;
use super::vault::{KeyVault, Sealed};
use super::Verifier;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

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

    /// Whether a claim was made by this instance in an earlier run (which is over: this one runs).
    fn left_by_earlier_run(&self, claimed_by: &str) -> bool {
        claimed_by
            .strip_prefix(self.instance.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|nonce| nonce != self.nonce)
    }
}

/// Where a message stands after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Refused this time: tried again at `next_attempt_at`.
    Retrying,
    /// The gateway took it.
    Sent,
    /// Given up: refused at every attempt, or the code expired first.
    Failed,
}

/// A message's delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// Unix seconds of the next attempt when retrying.
    pub next_attempt_at: u64,
}

/// One pending message (the record at `outbox/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutboxEntry {
    pub account: String,
    pub factor: Option<u32>,
    pub channel: Channel,
    pub purpose: String,
    /// The number, masked (for the audit's details).
    pub masked_phone: String,
    /// [`Recipient`] (the number and the code), sealed bound to `outbox/<id>`.
    pub sealed: Sealed,
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
    fn status(&self, state: DeliveryState) -> DeliveryStatus {
        DeliveryStatus {
            state,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
        }
    }

    fn claimable(&self, now: u64, by: &Deliverer) -> bool {
        now >= self.next_attempt_at
            && (now >= self.claimed_until || by.left_by_earlier_run(&self.claimed_by))
    }

    /// The message to send, its number and code opened from the seal.
    fn message(&self, id: &str, vault: &dyn KeyVault) -> Result<Message> {
        let plain = vault.open(&key::outbox(id), &self.sealed)?;
        let recipient: Recipient = serde_json::from_slice(&plain)
            .map_err(|_| Error::Sealed("an outbox record's message is not readable"))?;
        Ok(Message {
            id: id.to_owned(),
            channel: self.channel,
            phone: recipient.phone.clone(),
            purpose: purpose_named(&self.purpose),
            code: recipient.code.clone(),
        })
    }

    /// `sms to •••••••01`: the number masked.
    fn detail(&self) -> String {
        format!("{} to {}", channel_name(self.channel), self.masked_phone)
    }
}

/// How long a notice may wait for the gateway before it is given up.
const NOTICE_LIFETIME: u64 = 86_400;

/// The `'static` name of a stored purpose (an unknown one reads as a login code's).
fn purpose_named(purpose: &str) -> &'static str {
    match purpose {
        "activation" => "activation",
        super::phone::CONFIRM_PURPOSE => super::phone::CONFIRM_PURPOSE,
        super::phone::NOTICE_PURPOSE => super::phone::NOTICE_PURPOSE,
        super::binding::TOKEN_NOTICE => super::binding::TOKEN_NOTICE,
        super::binding::FACTOR_NOTICE => super::binding::FACTOR_NOTICE,
        _ => "login",
    }
}

/// What an outbox record seals: where the message goes and the code it carries.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Recipient {
    phone: String,
    code: String,
}

/// What the outbox needs to know about a new message.
pub(crate) struct NewMessage<'a> {
    pub account: &'a str,
    pub factor: Option<u32>,
    pub channel: Channel,
    pub purpose: &'static str,
    pub phone: &'a str,
    pub code: String,
    pub expires_at: u64,
}

/// What claiming a message found.
enum Claim {
    /// Ours to send: the entry as claimed, at the version the claim wrote.
    Claimed(Box<Loaded<OutboxEntry>>),
    /// Its code expired unsent: given up.
    Expired(DeliveryStatus),
}

impl<S: Store> Verifier<S> {
    /// Queues a message into `tx`: the entry, the throttles it counts against, and the
    /// `message_queued` event. Returns the message id and when the next message may be asked
    /// for; [`Error::Throttled`] when one was sent or queued too recently or the day's cap is
    /// used up.
    pub(crate) fn queue_message(
        &self,
        tx: &mut Tx,
        message: NewMessage<'_>,
        now: u64,
    ) -> Result<(String, u64)> {
        let today = now / 86_400;
        let account_key = key::messages(message.account);
        let number_key = key::number(&super::secrets::phone_key(
            self.vault.as_ref(),
            message.phone,
        ));
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
        let id = super::secrets::random_id(self.entropy.as_ref())?;
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
        let recipient = Zeroizing::new(
            serde_json::to_vec(&Recipient {
                phone: message.phone.to_owned(),
                code: message.code,
            })
            .map_err(|_| Error::Sealed("an outbox message could not be encoded"))?,
        );
        let entry = OutboxEntry {
            account: message.account.to_owned(),
            factor: message.factor,
            channel: message.channel,
            purpose: message.purpose.to_owned(),
            masked_phone: mask_phone(message.phone),
            sealed: self.vault.seal(&key::outbox(&id), &recipient)?,
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

    /// Queues into `tx` a notice without a code to `phone` (the old number after a phone
    /// change). It skips the throttles: notices follow bindings, which need a recent second
    /// factor, and a throttle must not swallow a warning.
    pub(crate) fn queue_notice(
        &self,
        tx: &mut Tx,
        account: &str,
        phone: &str,
        purpose: &'static str,
        now: u64,
    ) -> Result<String> {
        let id = super::secrets::random_id(self.entropy.as_ref())?;
        let recipient = Zeroizing::new(
            serde_json::to_vec(&Recipient {
                phone: phone.to_owned(),
                code: String::new(),
            })
            .map_err(|_| Error::Sealed("an outbox message could not be encoded"))?,
        );
        let entry = OutboxEntry {
            account: account.to_owned(),
            factor: None,
            channel: Channel::Sms,
            purpose: purpose.to_owned(),
            masked_phone: mask_phone(phone),
            sealed: self.vault.seal(&key::outbox(&id), &recipient)?,
            queued_at: now,
            expires_at: now.saturating_add(NOTICE_LIFETIME),
            attempts: 0,
            next_attempt_at: now,
            claimed_until: 0,
            claimed_by: String::new(),
            counted: false,
            number_key: key::number(&super::secrets::phone_key(self.vault.as_ref(), phone)),
        };
        tx.put(key::outbox(&id), 0, &entry)?.event(self.event(
            account,
            None,
            EventKind::MessageQueued,
            entry.detail(),
        ));
        Ok(id)
    }

    /// Into `tx`: the pending message `id` is replaced by a newer code's (deleted), unless it is
    /// being sent right now (then it goes out; its code no longer works anyway).
    pub(crate) fn supersede(&self, tx: &mut Tx, id: &str, now: u64) -> Result<()> {
        if let Some(loaded) = load::<OutboxEntry>(&self.store, &key::outbox(id))? {
            if now >= loaded.value.claimed_until {
                tx.delete(key::outbox(id), loaded.version);
            }
        }
        Ok(())
    }

    /// The ids of the messages due for an attempt by `by` now (the worker's round), oldest
    /// first.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn due_messages(&self, by: &Deliverer) -> Result<Vec<String>> {
        let now = self.now();
        let mut due: Vec<(u64, String)> = self
            .store
            .scan(key::OUTBOX)?
            .into_iter()
            .filter_map(|(record_key, versioned)| {
                let entry = serde_json::from_slice::<OutboxEntry>(&versioned.value).ok()?;
                let id = record_key.trim_start_matches(key::OUTBOX).to_owned();
                entry.claimable(now, by).then_some((entry.queued_at, id))
            })
            .collect();
        due.sort();
        Ok(due.into_iter().map(|(_, id)| id).collect())
    }

    /// Makes one attempt at message `id` if it is due and nobody else holds it: claims it, hands
    /// it to the courier, and commits `sent` (event `message_sent`) or the failure (event
    /// `message_failed`, and a retry after the backoff until `max_attempts` or the code's
    /// expiry). Returns where the message stands afterwards; `None` when no attempt was made (not
    /// due, held by another worker, or gone).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn deliver(
        &self,
        id: &str,
        by: &Deliverer,
        policy: &DeliveryPolicy,
    ) -> Result<Option<DeliveryStatus>> {
        match self.claim(id, by, policy)? {
            None => Ok(None),
            Some(Claim::Expired(status)) => Ok(Some(status)),
            Some(Claim::Claimed(claimed)) => {
                let outcome = claimed
                    .value
                    .message(id, self.vault.as_ref())
                    .and_then(|message| self.courier.send(&message));
                self.settle(id, &claimed, outcome, policy).map(Some)
            }
        }
    }

    /// Claims message `id` for `policy.lease`, or gives it up when its code expired unsent;
    /// `None` when it is gone, not due, or held by another worker.
    fn claim(&self, id: &str, by: &Deliverer, policy: &DeliveryPolicy) -> Result<Option<Claim>> {
        let record_key = key::outbox(id);
        loop {
            let now = self.now();
            let Some(loaded) = load::<OutboxEntry>(&self.store, &record_key)? else {
                return Ok(None);
            };
            if !loaded.value.claimable(now, by) {
                return Ok(None);
            }
            let mut tx = Tx::default();
            if now >= loaded.value.expires_at {
                let status = loaded.value.status(DeliveryState::Failed);
                self.give_up(
                    &mut tx,
                    id,
                    &loaded,
                    "the code expired before it could be sent",
                )?;
                if tx.commit(&self.store)? {
                    return Ok(Some(Claim::Expired(status)));
                }
                continue;
            }
            let mut entry = loaded.value.clone();
            entry.attempts = entry.attempts.saturating_add(1);
            entry.claimed_until = now.saturating_add(policy.lease);
            entry.claimed_by = by.claim_name();
            tx.put(record_key.clone(), loaded.version, &entry)?;
            if tx.commit(&self.store)? {
                return Ok(Some(Claim::Claimed(Box::new(Loaded {
                    value: entry,
                    version: loaded.version + 1,
                }))));
            }
        }
    }

    /// Commits what the courier said about a claimed message. A lost commit means the lease ran
    /// out and another worker holds the message now: its attempt decides (and the gateway drops
    /// the repeat by its idempotency key).
    fn settle(
        &self,
        id: &str,
        claimed: &Loaded<OutboxEntry>,
        outcome: Result<()>,
        policy: &DeliveryPolicy,
    ) -> Result<DeliveryStatus> {
        let now = self.now();
        let entry = &claimed.value;
        let mut tx = Tx::default();
        let status = match outcome {
            Ok(()) => {
                if !entry.counted {
                    self.count_again(&mut tx, id, entry, now)?;
                }
                tx.delete(key::outbox(id), claimed.version)
                    .event(self.event(
                        &entry.account,
                        entry.factor,
                        EventKind::MessageSent,
                        format!("{}, attempt {}", entry.detail(), entry.attempts),
                    ));
                entry.status(DeliveryState::Sent)
            }
            Err(error) => {
                let reason = match &error {
                    Error::Courier(reason) => reason.clone(),
                    other => other.code().to_owned(),
                };
                let reason = format!("attempt {}: {reason}", entry.attempts);
                let retry_at = now.saturating_add(policy.backoff(entry.attempts));
                if entry.attempts >= policy.max_attempts || retry_at >= entry.expires_at {
                    self.give_up(&mut tx, id, claimed, &reason)?;
                    entry.status(DeliveryState::Failed)
                } else {
                    let mut retried = entry.clone();
                    if retried.counted {
                        self.uncount(&mut tx, id, entry)?;
                        retried.counted = false;
                    }
                    retried.next_attempt_at = retry_at;
                    retried.claimed_until = 0;
                    retried.claimed_by.clear();
                    tx.put(key::outbox(id), claimed.version, &retried)?
                        .event(self.event(
                            &entry.account,
                            entry.factor,
                            EventKind::MessageFailed,
                            format!("{}, {reason}; retry at {retry_at}", entry.detail()),
                        ));
                    retried.status(DeliveryState::Retrying)
                }
            }
        };
        tx.commit(&self.store)?;
        Ok(status)
    }

    /// Into `tx`: the message is given up (deleted, event `message_failed`) and stops counting.
    fn give_up(
        &self,
        tx: &mut Tx,
        id: &str,
        loaded: &Loaded<OutboxEntry>,
        reason: &str,
    ) -> Result<()> {
        let entry = &loaded.value;
        if entry.counted {
            self.uncount(tx, id, entry)?;
        }
        tx.delete(key::outbox(id), loaded.version).event(self.event(
            &entry.account,
            entry.factor,
            EventKind::MessageFailed,
            format!("{}, given up: {reason}", entry.detail()),
        ));
        Ok(())
    }

    /// Into `tx`: message `id` no longer counts in its throttles (where it is the last one they
    /// counted).
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

    /// Into `tx`: message `id`, sent after a failed attempt, counts again (where no newer
    /// message took its place).
    fn count_again(&self, tx: &mut Tx, id: &str, entry: &OutboxEntry, now: u64) -> Result<()> {
        let today = now / 86_400;
        for log_key in [key::messages(&entry.account), entry.number_key.clone()] {
            let log = load_or_default::<MessageLog>(&self.store, &log_key)?;
            if log.value.last_message.as_deref() != Some(id) {
                continue;
            }
            let mut updated = log.value.clone();
            updated.last_sent_at = Some(now);
            updated.sent_today = if updated.day == today {
                updated.sent_today.saturating_add(1)
            } else {
                1
            };
            updated.day = today;
            tx.put(log_key, log.version, &updated)?;
        }
        Ok(())
    }
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Voice => "voice",
    }
}
