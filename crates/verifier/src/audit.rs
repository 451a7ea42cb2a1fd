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
    /// Every session of the account was ended ("sign out everywhere"); the detail counts them.
    SessionsEnded,
    /// A passkey's answer was refused (signature counter, signature, user verification).
    PasskeyRefused,
    /// The account holder changed the password.
    PasswordChanged,
    /// An administrator set a new password.
    PasswordReset,
    /// A factor got a new label (the detail).
    FactorRenamed,
    /// An administrator disabled the account.
    AccountDisabled,
    /// An administrator enabled the account again.
    AccountEnabled,
    /// An administrator deleted the account (its events stay).
    AccountDeleted,
    /// A new set of recovery codes was issued (the detail: how many).
    RecoveryCodesIssued,
    /// A recovery code signed in (the detail: how many are left).
    RecoveryCodeUsed,
    /// A device code for a new soft token was issued on the account page.
    DeviceCodeIssued,
    /// A binding was undone ("this wasn't me"; the detail: what was bound).
    BindingUndone,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 29] = [
        Self::AccountCreated,
        Self::PasswordAccepted,
        Self::PasswordRejected,
        Self::LoginSucceeded,
        Self::CodeRejected,
        Self::FactorLocked,
        Self::FactorUnlocked,
        Self::MessageQueued,
        Self::MessageSent,
        Self::MessageFailed,
        Self::PushSent,
        Self::PushApproved,
        Self::PushDenied,
        Self::TokenActivated,
        Self::FactorAdded,
        Self::FactorRetired,
        Self::PhoneChanged,
        Self::SessionsEnded,
        Self::PasskeyRefused,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::FactorRenamed,
        Self::AccountDisabled,
        Self::AccountEnabled,
        Self::AccountDeleted,
        Self::RecoveryCodesIssued,
        Self::RecoveryCodeUsed,
        Self::DeviceCodeIssued,
        Self::BindingUndone,
    ];

    /// The kind's name on the wire, in the audit log and in the database (`"code_rejected"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreated => "account_created",
            Self::PasswordAccepted => "password_accepted",
            Self::PasswordRejected => "password_rejected",
            Self::LoginSucceeded => "login_succeeded",
            Self::CodeRejected => "code_rejected",
            Self::FactorLocked => "factor_locked",
            Self::FactorUnlocked => "factor_unlocked",
            Self::MessageQueued => "message_queued",
            Self::MessageSent => "message_sent",
            Self::MessageFailed => "message_failed",
            Self::PushSent => "push_sent",
            Self::PushApproved => "push_approved",
            Self::PushDenied => "push_denied",
            Self::TokenActivated => "token_activated",
            Self::FactorAdded => "factor_added",
            Self::FactorRetired => "factor_retired",
            Self::PhoneChanged => "phone_changed",
            Self::SessionsEnded => "sessions_ended",
            Self::PasskeyRefused => "passkey_refused",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::FactorRenamed => "factor_renamed",
            Self::AccountDisabled => "account_disabled",
            Self::AccountEnabled => "account_enabled",
            Self::AccountDeleted => "account_deleted",
            Self::RecoveryCodesIssued => "recovery_codes_issued",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::DeviceCodeIssued => "device_code_issued",
            Self::BindingUndone => "binding_undone",
        }
    }
}

impl core::str::FromStr for EventKind {
    type Err = ();

    /// The kind named `name` (as [`EventKind::as_str`] writes it).
    fn from_str(name: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or(())
    }
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

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn names_are_the_wire_names_and_parse_back() {
        assert_eq!(EventKind::CodeRejected.as_str(), "code_rejected");
        assert_eq!(EventKind::PasswordRejected.as_str(), "password_rejected");
        assert_eq!(EventKind::PhoneChanged.as_str(), "phone_changed");
        for kind in EventKind::ALL {
            // serde's derived name (rename_all = "snake_case") and as_str agree.
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().into())
            );
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        }
        assert_eq!("nothing".parse::<EventKind>(), Err(()));
    }
}
