//! The verifier's error type: what went wrong with the request itself (bad input, unknown ids,
//! the store failing). Outcomes of a login such as a wrong code or a lock are not errors: they
//! are [`super::LoginOutcome`] values the caller shows.

/// An error of the verifier.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The username and password do not match an account (unknown user and wrong password alike).
    #[error("the username or password is wrong")]
    BadCredentials,
    /// The login, factor, push request or activation named does not exist (or belongs to
    /// someone else).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The step is not allowed in the current state (for example a response before a factor
    /// was chosen, or a second factor the account does not have).
    #[error("not allowed now: {0}")]
    NotAllowed(&'static str),
    /// The login, challenge or activation is too old: start over.
    #[error("expired: start over")]
    Expired,
    /// A new SMS or voice code, or a push, was asked for too soon.
    #[error("too soon: try again in {retry_after} s")]
    Throttled {
        /// Seconds until the next request will be accepted.
        retry_after: u64,
    },
    /// Input with the wrong shape (a username too long, a phone number with letters, ...).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// A username that is taken.
    #[error("the username is taken")]
    UsernameTaken,
    /// The OTP core refused a parameter (a suite, a secret).
    #[error(transparent)]
    Otp(#[from] secure_login_otp::Error),
    /// The courier could not send a message.
    #[error("the message could not be sent: {0}")]
    Courier(String),
    /// The store failed, or stayed too busy to commit.
    #[error("storage failure: {0}")]
    Store(String),
    /// A sealed secret would not open (another key-encryption key, or a tampered record), or a
    /// secret was found in clear where a sealed one belongs.
    #[error("sealed secret: {0}")]
    Sealed(&'static str),
    /// Too many failed passwords from this account or source: try again later.
    #[error("too many failed passwords: try again in {retry_after} s")]
    PasswordThrottled {
        /// Seconds until the next password is checked.
        retry_after: u64,
    },
    /// A stored record does not parse (a factor with an unknown suite, a malformed secret):
    /// the record is damaged, and is named so an operator can find it.
    #[error("corrupt record {record}: {reason}")]
    CorruptRecord {
        /// The record and factor, e.g. `account/<id>/factor/2`.
        record: String,
        /// What does not parse.
        reason: &'static str,
    },
    /// A code given outside a login (an enrolment's confirmation) does not match.
    #[error("the code does not match; {attempts_left} tries left")]
    WrongCode {
        /// Tries before the attempt is dropped and must start again.
        attempts_left: u32,
    },
    /// The account is disabled by an administrator (said only after the right password).
    #[error("the account is disabled: ask your administrator")]
    AccountDisabled,
    /// No random bytes could be had.
    #[error("no randomness available: {0}")]
    Entropy(String),
    /// The session signed in with a factor too weak for the change (an SMS code cannot add a
    /// device to an account that has one): sign in again with a stronger one.
    #[error("sign in with a stronger second factor for this change (at least {})", required.as_str())]
    StrongerFactorNeeded {
        /// The weakest factor that would do.
        required: super::binding::Strength,
    },
}

impl Error {
    /// A stable, machine-readable name for the error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadCredentials => "BadCredentials",
            Self::NotFound(_) => "NotFound",
            Self::NotAllowed(_) => "NotAllowed",
            Self::Expired => "Expired",
            Self::Throttled { .. } => "Throttled",
            Self::InvalidInput(_) => "InvalidInput",
            Self::UsernameTaken => "UsernameTaken",
            Self::Otp(e) => e.code(),
            Self::Courier(_) => "CourierFailed",
            Self::Store(_) => "StorageFailure",
            Self::Entropy(_) => "EntropyUnavailable",
            Self::CorruptRecord { .. } => "CorruptRecord",
            Self::Sealed(_) => "SealedSecret",
            Self::PasswordThrottled { .. } => "PasswordThrottled",
            Self::WrongCode { .. } => "WrongCode",
            Self::AccountDisabled => "AccountDisabled",
            Self::StrongerFactorNeeded { .. } => "StrongerFactorNeeded",
        }
    }
}

/// Result of the verifier.
pub type Result<T> = core::result::Result<T, Error>;
