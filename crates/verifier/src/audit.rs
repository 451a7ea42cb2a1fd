//! The security events the verifier records: when, which account and factor, what happened.
//! Never a secret, a code or a full phone number.

use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An account was created.
    AccountCreated,
    /// The password was right; a second factor is awaited.
    PasswordAccepted,
    /// A wrong password (or an unknown username) was given; the detail names the source.
    PasswordRejected,
    /// A second factor completed a login.
    LoginSucceeded,
    /// A wrong (or replayed, or late) code or response was given.
    CodeRejected,
    /// A factor was locked after too many failures.
    FactorLocked,
    /// An administrator unlocked a factor.
    FactorUnlocked,
    /// An SMS or voice message was committed to the outbox, with its code.
    MessageQueued,
    /// The gateway took an SMS or voice message.
    MessageSent,
    /// An attempt to send an SMS or voice message failed (the detail says whether it is retried).
    MessageFailed,
    /// A push request went to a soft token.
    PushSent,
    /// The soft token approved a push.
    PushApproved,
    /// The soft token denied a push.
    PushDenied,
    /// A soft token was activated.
    TokenActivated,
    /// A factor was added.
    FactorAdded,
    /// A factor was retired (moved to a new device, or used up).
    FactorRetired,
    /// The phone number changed.
    PhoneChanged,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Unix seconds.
    pub at: u64,
    /// Account id.
    pub account: String,
    /// The factor concerned, if one is.
    pub factor: Option<u32>,
    /// What happened.
    pub kind: EventKind,
    /// A short note without secrets: a channel, a masked number, a lock's end.
    pub detail: String,
}
