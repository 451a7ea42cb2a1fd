//! The records the verifier keeps, as stored (JSON in the [`super::Store`]).
//!
//! An account and all its factors are one record, so adding, retiring or using a factor is one
//! atomic write. Lock counters, logins, push requests and message logs live in records of their
//! own, so a busy factor does not contend with the account.

use secure_login_otp::{Digits, HashAlgorithm, OcraSuite, Secret, TimeStep};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// An account: the first factor (password) and the second factors (M2FS: any number). Typed:
/// its factors hold parsed suites and secrets; [`super::stored`] is how it is kept.
#[derive(Debug, Clone)]
pub struct Account {
    /// Random, stable id (hex).
    pub id: String,
    /// The name typed at login, as registered.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Second factors, retired ones included (for the record).
    pub factors: Vec<Factor>,
    /// The next factor id to hand out.
    pub next_factor_id: u32,
    /// Disabled by an administrator: the password is refused and no session lives.
    pub disabled: bool,
}

impl Account {
    /// The active factor `id`.
    #[must_use]
    pub fn active_factor(&self, id: u32) -> Option<&Factor> {
        self.factors
            .iter()
            .find(|f| f.id == id && f.retired_at.is_none())
    }

    /// Active factors, in the order they were added (those waiting out a scheduled retirement
    /// included).
    pub fn active_factors(&self) -> impl Iterator<Item = &Factor> {
        self.factors.iter().filter(|f| f.retired_at.is_none())
    }

    /// The factor `id` if it signs in at `now` ([`Factor::live_at`]).
    #[must_use]
    pub fn live_factor(&self, id: u32, now: u64) -> Option<&Factor> {
        self.active_factor(id).filter(|f| f.live_at(now))
    }

    /// The factors that sign in at `now`, in the order they were added.
    pub fn live_factors(&self, now: u64) -> impl Iterator<Item = &Factor> {
        self.factors.iter().filter(move |f| f.live_at(now))
    }

    /// The phone number of the account's active SMS factor, if it has one.
    #[must_use]
    pub fn sms_phone(&self) -> Option<&str> {
        self.active_factors().find_map(|f| match &f.kind {
            FactorKind::Sms { phone } => Some(phone.as_str()),
            _ => None,
        })
    }
}

/// One second factor of an account.
#[derive(Debug, Clone)]
pub struct Factor {
    /// Id within the account.
    pub id: u32,
    /// What the person calls it ("IB Key on Pixel", "card 1234").
    pub label: String,
    /// The kind and its secrets.
    pub kind: FactorKind,
    /// Unix seconds.
    pub created_at: u64,
    /// When it was retired (a token moved to a new device, a passcode used), if it was.
    pub retired_at: Option<u64>,
    /// A retirement that waits out a cooling-off: a soft token replaced by a migration keeps
    /// working until then, so its holder can undo a migration that was not theirs.
    pub retires_at: Option<u64>,
}

impl Factor {
    /// Whether the factor signs in at `now`: not retired, and not past a scheduled retirement.
    #[must_use]
    pub fn live_at(&self, now: u64) -> bool {
        self.retired_at.is_none() && self.retires_at.is_none_or(|at| now < at)
    }
}

/// The kinds of second factor of the seed, with what the server must keep to check them, parsed:
/// a factor that exists holds a valid suite, secret and parameters. The one constructor of
/// factors for the admin commands, the demo and enrolment. Secrets are wiped on drop and never
/// shown by `Debug`.
#[derive(Debug, Clone)]
pub enum FactorKind {
    /// The soft token (the seed's "IB Key"): OCRA challenge/response and push approval.
    SoftToken {
        /// OCRA suite.
        suite: OcraSuite,
        /// Shared secret.
        secret: Secret,
        /// The device it was activated on (kept for the record; never shown, never a credential).
        device_id: String,
        /// The credential the token proves itself with on every call; `None` for a token activated
        /// before device authentication (a legacy token: challenge/response only, no push).
        device: Option<DeviceCredential>,
    },
    /// The Digital Security Card+: 6-digit challenge, 8-digit response, PIN set at issue.
    SecurityCard {
        /// OCRA suite (with P when the PIN enters the response).
        suite: OcraSuite,
        /// Shared secret.
        secret: Secret,
        /// The card PIN hashed with the suite's P hash; `Some` exactly when the suite has P.
        pin_hash: Option<Zeroizing<Vec<u8>>>,
        /// Printed on the card.
        serial: String,
    },
    /// Any authenticator app, enrolled by Key URI.
    Totp {
        /// Shared secret.
        secret: Secret,
        /// The HMAC hash.
        algorithm: HashAlgorithm,
        /// 6 to 10.
        digits: Digits,
        /// The time step (T0 is 0).
        period: TimeStep,
    },
    /// Codes by text message to a verified phone.
    Sms {
        /// E.164-style number.
        phone: String,
    },
    /// Codes read aloud by a call to a verified phone.
    Voice {
        /// E.164-style number.
        phone: String,
    },
    /// A passkey (a WebAuthn credential): phishing-resistant, bound to the portal's origin.
    /// Public data only: nothing to seal.
    Passkey {
        /// The credential id the authenticator chose.
        credential_id: Vec<u8>,
        /// The public key and its parameters in the portal's WebAuthn library's encoding.
        public_key: Vec<u8>,
        /// Kept by the authenticator (discoverable): signs in without a password too.
        discoverable: bool,
    },
    /// For a lost device: valid until `expires_at`, once.
    TemporaryPasscode {
        /// HMAC of salt and passcode, hex.
        hash_hex: String,
        /// Random salt, hex.
        salt_hex: String,
        /// Unix seconds.
        expires_at: u64,
    },
    /// Recovery codes (NIST SP 800-63B-4 look-up secrets): each good once, for a person who lost
    /// every device.
    RecoveryCodes {
        /// The set, in the order issued.
        codes: Vec<RecoveryCode>,
    },
}

/// One recovery code as stored: its keyed hash, and when it was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryCode {
    /// HMAC of salt and code, hex.
    pub hash_hex: String,
    /// Random salt, hex.
    pub salt_hex: String,
    /// Unix seconds of its use; `None` while it is good.
    pub used_at: Option<u64>,
}

impl FactorKind {
    /// An authenticator app with the parameters every app supports (RFC 6238's defaults: SHA-1,
    /// 6 digits, 30-second steps): the TOTP factor the admin command, the demo and enrolment make.
    #[must_use]
    pub fn authenticator_app(secret: Secret) -> Self {
        Self::Totp {
            secret,
            algorithm: HashAlgorithm::Sha1,
            digits: Digits::SIX,
            period: TimeStep::DEFAULT,
        }
    }

    /// The kind's name as the API shows it.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::SoftToken { .. } => "soft_token",
            Self::SecurityCard { .. } => "security_card",
            Self::Totp { .. } => "totp",
            Self::Sms { .. } => "sms",
            Self::Voice { .. } => "voice",
            Self::TemporaryPasscode { .. } => "temporary_passcode",
            Self::Passkey { .. } => "passkey",
            Self::RecoveryCodes { .. } => "recovery_codes",
        }
    }
}

/// A soft token's device credential, drawn at activation and handed to the token once: an opaque
/// `handle` that names the token in its calls (not the device id) and the 256-bit `key` of its
/// proofs ([`secure_login_otp::device_proof`]). The key is sealed at rest like the factor secret.
#[derive(Debug, Clone)]
pub struct DeviceCredential {
    /// Random hex, unique per activation.
    pub handle: String,
    /// The proof key.
    pub key: Secret,
}

/// What a login page may show about a factor: never a secret, a phone only masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorSummary {
    /// Id within the account.
    pub id: u32,
    /// `passkey`, `soft_token`, `security_card`, `totp`, `sms`, `voice` or
    /// `temporary_passcode`.
    pub kind: String,
    /// The person's label.
    pub label: String,
    /// For SMS and voice: the number with all but the last two digits hidden.
    pub phone: Option<String>,
    /// For recovery codes: how many are still good.
    pub codes_left: Option<usize>,
    /// For a soft token a migration replaced: it works until then (the cooling-off).
    pub retires_at: Option<u64>,
}

impl From<&Factor> for FactorSummary {
    fn from(factor: &Factor) -> Self {
        let phone = match &factor.kind {
            FactorKind::Sms { phone } | FactorKind::Voice { phone } => Some(mask_phone(phone)),
            _ => None,
        };
        let codes_left = match &factor.kind {
            FactorKind::RecoveryCodes { codes } => {
                Some(codes.iter().filter(|c| c.used_at.is_none()).count())
            }
            _ => None,
        };
        Self {
            id: factor.id,
            kind: factor.kind.name().to_owned(),
            label: factor.label.clone(),
            phone,
            codes_left,
            retires_at: factor.retires_at,
        }
    }
}

/// `+41 79 123 45 67` -> `••••••••67`: enough to recognise one's own phone, no more.
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let shown = digits.len().saturating_sub(2);
    digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i < shown { '•' } else { *d })
        .collect()
}

/// Consecutive failures and locks of one factor (or of activation, for an account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    /// Attempts counted: the last ones charged, since the last lock, that no success forgave.
    pub failures: u32,
    /// Refuse everything until this time (Unix seconds).
    pub locked_until: u64,
    /// Locks since the last success: each doubles the next lock.
    pub locks_in_a_row: u32,
    /// Attempts ever allowed (never reset): the last charged attempt's number, so that a success
    /// forgives only the attempts charged up to its own. Absent (0) in records written before it.
    #[serde(default)]
    pub charged: u64,
}

/// The newest accepted TOTP step of a factor: a code of this step or earlier is a replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayState {
    /// The last accepted time step, if any.
    pub last_step: Option<u64>,
}

/// One login attempt, from the password to success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    /// The account whose password was given.
    pub account: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Where the login stands.
    pub state: LoginState,
    /// Whether the completed login opened its session (once only).
    #[serde(default)]
    pub session_opened: bool,
}

/// The states of a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LoginState {
    /// Password accepted; no second factor chosen yet.
    AwaitingFactor,
    /// A challenge is shown for a soft token or a card.
    Challenge {
        /// The factor.
        factor: u32,
        /// The challenge shown.
        challenge: String,
        /// Unix seconds.
        expires_at: u64,
    },
    /// A TOTP code is awaited.
    Totp {
        /// The factor.
        factor: u32,
    },
    /// An SMS or voice code was sent.
    Code {
        /// The factor.
        factor: u32,
        /// SHA-256 of salt and code, hex.
        hash_hex: String,
        /// Random salt, hex.
        salt_hex: String,
        /// Unix seconds.
        expires_at: u64,
        /// The outbox id of the message carrying the code.
        #[serde(default)]
        message: Option<String>,
    },
    /// A temporary passcode is awaited.
    Passcode {
        /// The factor.
        factor: u32,
    },
    /// A recovery code is awaited.
    RecoveryCode {
        /// The factor.
        factor: u32,
    },
    /// A push request waits for the token.
    Push {
        /// The soft token asked.
        factor: u32,
        /// The request id.
        request: String,
    },
    /// The login is complete.
    Succeeded {
        /// The factor that completed it.
        factor: u32,
        /// Unix seconds.
        at: u64,
    },
    /// The token denied the push: this login is over.
    Denied,
}

impl LoginState {
    /// The factor the login is waiting on, if any.
    #[must_use]
    pub fn pending_factor(&self) -> Option<u32> {
        match self {
            Self::Challenge { factor, .. }
            | Self::Totp { factor }
            | Self::Code { factor, .. }
            | Self::Passcode { factor }
            | Self::RecoveryCode { factor }
            | Self::Push { factor, .. } => Some(*factor),
            Self::AwaitingFactor | Self::Succeeded { .. } | Self::Denied => None,
        }
    }

    /// The outbox id of the code's message while an SMS or voice code is awaited.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Code { message, .. } => message.as_deref(),
            _ => None,
        }
    }
}

/// One push request to a soft token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The login it would complete.
    pub login: String,
    /// The account.
    pub account: String,
    /// The soft token factor asked.
    pub factor: u32,
    /// The number shown on the login screen, which the person must type on the token.
    pub number: u32,
    /// Unix seconds.
    pub expires_at: u64,
    /// Pending, approved or denied.
    pub state: PushState,
    /// Wrong answers from the authenticated token (a wrong number or PIN): the request expires at
    /// [`MAX_PUSH_FAILURES`]; they never count against the factor. Absent (0) in older records.
    #[serde(default)]
    pub failures: u32,
}

/// Wrong answers after which a push request is spent.
pub const MAX_PUSH_FAILURES: u32 = 3;

/// Where a soft token's handle points (the record `device/{handle}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceIndex {
    /// The account.
    pub account: String,
    /// The soft token factor.
    pub factor: u32,
}

/// The unused one-time nonces issued to one token (a few, so calls may overlap).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceNonces {
    /// Nonce and expiry (Unix seconds), oldest first.
    pub nonces: Vec<(String, u64)>,
}

/// A single-use ticket that opens one event stream of a token's pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamTicket {
    /// The token's handle.
    pub handle: String,
    /// Unix seconds.
    pub expires_at: u64,
}

/// Where a push request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushState {
    /// Waiting for the token.
    Pending,
    /// Approved with the right number.
    Approved,
    /// Denied on the token.
    Denied,
}

/// Messages sent to an account or a number, for the throttles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLog {
    /// Unix seconds of the last message.
    pub last_sent_at: Option<u64>,
    /// The day (Unix seconds / 86400) `sent_today` counts.
    pub day: u64,
    /// Messages sent on `day`.
    pub sent_today: u32,
    /// The outbox id of the last message counted (a failure of it gives the count back).
    #[serde(default)]
    pub last_message: Option<String>,
}

/// The last push request of an account, for the push throttle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushLog {
    /// Unix seconds.
    pub last_push_at: Option<u64>,
}

/// A started activation of a soft token (the seed's "activate IB Key" and "Add User").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// The account being activated.
    pub account: String,
    /// The device that asked.
    pub device_id: String,
    /// SHA-256 of salt and code, hex.
    pub hash_hex: String,
    /// Random salt, hex.
    pub salt_hex: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// Whether the code was used.
    pub used: bool,
    /// An activation given for a wrong password: answers like a real one, and no code
    /// completes it.
    #[serde(default)]
    pub decoy: bool,
    /// Whether the SMS code may bind the token: only for an account with no factor stronger
    /// than SMS (the binding rules); otherwise only a device code from the portal does.
    #[serde(default)]
    pub sms_binds: bool,
    /// The factor the activation made (its answer can be fetched again with the same code).
    #[serde(default)]
    pub factor: Option<u32>,
}
