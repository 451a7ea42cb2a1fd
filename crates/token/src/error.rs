//! The one error type of the soft token.
//!
//! Every variant has a stable [`Error::code`], the `code` property JavaScript callers see, and a
//! message that names the problem. No message ever contains a secret, a PIN, a passphrase or a
//! response.

use secure_login_otp as otp;

/// What went wrong in the soft token.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A PIN that is not 4 to 12 ASCII digits (or, on the card, not exactly 4).
    #[error("invalid PIN: {0}")]
    InvalidPin(&'static str),
    /// A new PIN that is too easy to guess (`0000`, `1234`, `2580`, ...).
    #[error("this PIN is too easy to guess: {0}")]
    WeakPin(&'static str),
    /// A challenge with characters other than the suite allows (spaces and dashes aside).
    #[error("invalid challenge: {0}")]
    InvalidChallenge(&'static str),
    /// A challenge of the wrong length for the suite.
    #[error("the challenge must be {expected} characters long, not {found}")]
    ChallengeLength {
        /// What the suite needs (the most, for alphanumeric and hex challenges).
        expected: usize,
        /// Characters typed (spaces and dashes not counted).
        found: usize,
    },
    /// A push number that is not 1 to 9 digits.
    #[error("invalid number: {0}")]
    InvalidNumber(&'static str),
    /// A push request id that is empty or longer than 128 bytes.
    #[error("invalid push request id: {0}")]
    InvalidRequestId(&'static str),
    /// Session information that is not hex of at most the suite's length.
    #[error("invalid session information: {0}")]
    InvalidSession(&'static str),
    /// A username that is empty, too long or has control characters.
    #[error("invalid username: {0}")]
    InvalidUsername(&'static str),
    /// An issuer that is empty, too long or has control characters.
    #[error("invalid issuer: {0}")]
    InvalidIssuer(&'static str),
    /// A secret shorter than 16 or longer than 64 bytes.
    #[error("the secret must be 16 to 64 bytes long, not {0}")]
    InvalidSecret(usize),
    /// An id that does not name a user of this token.
    #[error("no such user")]
    UnknownUser,
    /// A user with this username and issuer is already on the token.
    #[error("this user is already on the token")]
    UserExists,
    /// The token holds as many users as it may.
    #[error("the token holds at most {0} users")]
    TooManyUsers(usize),
    /// `currentCode` for an OCRA user, or `respond` for a TOTP user.
    #[error("this user has a {0} token")]
    WrongKind(&'static str),
    /// A device credential (from an activation answer) or a device nonce of the wrong shape.
    #[error("invalid device credential: {0}")]
    InvalidDevice(&'static str),
    /// A user activated before device authentication: it cannot prove itself for pushes.
    #[error("this user has no device key; activate it again to approve pushes")]
    NoDeviceKey,
    /// A suite the token (or the card) cannot answer with.
    #[error("unsupported suite: {0}")]
    UnsupportedSuite(&'static str),
    /// Key-derivation parameters out of the accepted range.
    #[error("invalid key-derivation parameters: {0}")]
    InvalidKdf(&'static str),
    /// A stored record that does not have the expected shape.
    #[error("a stored record is damaged: {0}")]
    CorruptRecord(&'static str),
    /// A card button that does not exist (a key other than 0 to 9).
    #[error("the card has keys 0 to 9 only")]
    InvalidKey,
    /// A backup passphrase shorter than 10 characters or longer than 1024 bytes.
    #[error("the passphrase must be 10 characters to 1024 bytes long")]
    WeakPassphrase,
    /// The backup was made with another passphrase.
    #[error("wrong passphrase for this backup")]
    WrongPassphrase,
    /// The backup file was changed after it was written.
    #[error("the backup file has been altered or damaged")]
    BackupTampered,
    /// The text is not a backup file of this program.
    #[error("not a secure-login backup: {0}")]
    BackupMalformed(&'static str),
    /// A backup of a newer or unknown format.
    #[error("unsupported backup: {0}")]
    BackupUnsupported(&'static str),
    /// An error of the OTP core (a suite that does not parse, ...).
    #[error(transparent)]
    Otp(#[from] otp::Error),
}

impl Error {
    /// A stable, machine-readable name for the error (`"WeakPin"`, `"UnknownUser"`, ...), the
    /// `code` property JavaScript callers see. Errors of the OTP core keep their own code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPin(_) => "InvalidPin",
            Self::WeakPin(_) => "WeakPin",
            Self::InvalidChallenge(_) => "InvalidChallenge",
            Self::ChallengeLength { .. } => "ChallengeLength",
            Self::InvalidNumber(_) => "InvalidNumber",
            Self::InvalidRequestId(_) => "InvalidRequestId",
            Self::InvalidSession(_) => "InvalidSession",
            Self::InvalidUsername(_) => "InvalidUsername",
            Self::InvalidIssuer(_) => "InvalidIssuer",
            Self::InvalidSecret(_) => "InvalidSecret",
            Self::UnknownUser => "UnknownUser",
            Self::UserExists => "UserExists",
            Self::TooManyUsers(_) => "TooManyUsers",
            Self::WrongKind(_) => "WrongKind",
            Self::InvalidDevice(_) => "InvalidDevice",
            Self::NoDeviceKey => "NoDeviceKey",
            Self::UnsupportedSuite(_) => "UnsupportedSuite",
            Self::InvalidKdf(_) => "InvalidKdf",
            Self::CorruptRecord(_) => "CorruptRecord",
            Self::InvalidKey => "InvalidKey",
            Self::WeakPassphrase => "WeakPassphrase",
            Self::WrongPassphrase => "WrongPassphrase",
            Self::BackupTampered => "BackupTampered",
            Self::BackupMalformed(_) => "BackupMalformed",
            Self::BackupUnsupported(_) => "BackupUnsupported",
            Self::Otp(e) => e.code(),
        }
    }
}

/// Result of the soft token.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_core_codes_pass_through() {
        assert_eq!(Error::WeakPin("all the same digit").code(), "WeakPin");
        assert_eq!(Error::BackupTampered.code(), "BackupTampered");
        assert_eq!(
            Error::from(otp::Error::InvalidSuite("x")).code(),
            "InvalidSuite"
        );
    }
}
