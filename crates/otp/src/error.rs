//! The one error type of the OTP core.
//!
//! Every variant has a stable [`Error::code`] that the JavaScript binding hands to callers, and a
//! message that names the problem. No message ever contains a secret, a PIN or a code.

use alloc::string::String;

/// What went wrong in the OTP core.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The secret key is longer than [`crate::MAX_SECRET_LEN`] bytes, or empty where the
    /// legacy escape ([`crate::Secret::from_bytes_allow_short`]) takes shorter ones.
    #[error("the secret must be 1 to 1024 bytes long, not {0}")]
    InvalidSecretLength(usize),
    /// The secret is shorter than [`crate::MIN_SECRET_LEN`] (16 bytes, 128 bits); the number is
    /// the length given.
    #[error("the secret must be at least 16 bytes (128 bits) long, not {0}")]
    SecretTooShort(usize),
    /// The operating system or browser could not supply random bytes.
    #[error("no random bytes available from the system: {0}")]
    Entropy(String),
    /// The number of digits is out of range for the algorithm.
    #[error("digits must be {0}, not {1}")]
    InvalidDigits(&'static str, u32),
    /// A hash algorithm name is not SHA1, SHA256 or SHA512.
    #[error("unknown hash algorithm (expected SHA1, SHA256 or SHA512)")]
    InvalidHash,
    /// A TOTP time step of zero seconds, or a time before T0.
    #[error("invalid time: {0}")]
    InvalidTime(&'static str),
    /// A verification window larger than [`crate::Window::MAX`].
    #[error("the verification window must be at most {max} steps, not {0}", max = crate::Window::MAX)]
    InvalidWindow(u32),
    /// An OCRA window that would check more than [`crate::ocra::MAX_OCRA_CANDIDATES`]
    /// (counter, time step) pairs.
    #[error("the window would check {0} counter and time pairs; at most {max} are allowed", max = crate::ocra::MAX_OCRA_CANDIDATES)]
    OcraWindowTooLarge(u64),
    /// The code or response to verify is not made of the expected number of digits.
    #[error("the code must be {0}")]
    InvalidCode(String),
    /// The OCRA suite string does not follow RFC 6287 section 6.
    #[error("invalid OCRA suite: {0}")]
    InvalidSuite(&'static str),
    /// The challenge has characters its suite does not allow, or is empty.
    #[error("invalid challenge: {0}")]
    InvalidChallenge(&'static str),
    /// The challenge is longer than its suite allows.
    #[error("the challenge is {len} characters long; the suite allows at most {max}")]
    ChallengeTooLong {
        /// Characters given.
        len: usize,
        /// Characters the suite allows.
        max: usize,
    },
    /// The suite needs an input that was not given.
    #[error("the suite needs a {0} but none was given")]
    MissingInput(DataField),
    /// An input was given that the suite does not use.
    #[error("the suite takes no {0}, but one was given")]
    UnexpectedInput(DataField),
    /// A PIN hash of the wrong length for the suite's P algorithm, or a PIN that is empty.
    #[error("invalid PIN: {0}")]
    InvalidPin(&'static str),
    /// Session information longer than the suite's S length.
    #[error("the session information is {len} bytes long; the suite allows at most {max}")]
    SessionTooLong {
        /// Bytes given.
        len: usize,
        /// Bytes the suite allows.
        max: usize,
    },
    /// Text that should be Base32 (RFC 4648) is not.
    #[error("invalid Base32: {0}")]
    InvalidBase32(&'static str),
    /// Text that should be hexadecimal is not.
    #[error("invalid hex: {0}")]
    InvalidHex(&'static str),
    /// An `otpauth://` Key URI that cannot be parsed or formatted.
    #[error("invalid Key URI: {0}")]
    InvalidKeyUri(&'static str),
    /// A counter or time window would run past the largest 64-bit value.
    #[error("the counter would overflow")]
    CounterOverflow,
}

impl Error {
    /// A stable, machine-readable name for the error (`"InvalidSuite"`, `"MissingPin"`, ...),
    /// the `code` property JavaScript callers see.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidSecretLength(_) => "InvalidSecret",
            Self::SecretTooShort(_) => "SecretTooShort",
            Self::Entropy(_) => "EntropyUnavailable",
            Self::InvalidDigits(..) => "InvalidDigits",
            Self::InvalidHash => "InvalidHash",
            Self::InvalidTime(_) => "InvalidTime",
            Self::InvalidWindow(_) | Self::OcraWindowTooLarge(_) => "InvalidWindow",
            Self::InvalidCode(_) => "InvalidCode",
            Self::InvalidSuite(_) => "InvalidSuite",
            Self::InvalidChallenge(_) => "InvalidChallenge",
            Self::ChallengeTooLong { .. } => "ChallengeTooLong",
            Self::MissingInput(DataField::Counter) => "MissingCounter",
            Self::MissingInput(DataField::Pin) => "MissingPin",
            Self::MissingInput(DataField::Session) => "MissingSession",
            Self::MissingInput(DataField::Time) => "MissingTime",
            Self::UnexpectedInput(DataField::Counter) => "UnexpectedCounter",
            Self::UnexpectedInput(DataField::Pin) => "UnexpectedPin",
            Self::UnexpectedInput(DataField::Session) => "UnexpectedSession",
            Self::UnexpectedInput(DataField::Time) => "UnexpectedTime",
            Self::InvalidPin(_) => "InvalidPin",
            Self::SessionTooLong { .. } => "SessionTooLong",
            Self::InvalidBase32(_) => "InvalidBase32",
            Self::InvalidHex(_) => "InvalidHex",
            Self::InvalidKeyUri(_) => "InvalidKeyUri",
            Self::CounterOverflow => "CounterOverflow",
        }
    }
}

/// The optional parts of an OCRA data input (RFC 6287 section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataField {
    /// `C`: the 8-byte counter.
    Counter,
    /// `P`: the hashed PIN.
    Pin,
    /// `S`: the session information.
    Session,
    /// `T`: the number of time steps.
    Time,
}

impl core::fmt::Display for DataField {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Counter => "counter",
            Self::Pin => "PIN",
            Self::Session => "session",
            Self::Time => "time",
        })
    }
}

/// Result of the OTP core.
pub type Result<T> = core::result::Result<T, Error>;
