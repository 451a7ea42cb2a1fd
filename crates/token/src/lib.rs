//! The soft token's brain (the seed's "IB Key" and its "Digital Security Card+"): a vault of
//! users on one device, each secret wrapped under the user's PIN with no integrity tag, the
//! answers (OCRA responses, TOTP codes, push approvals), the card emulator and encrypted
//! backups.
//!
//! Pure like [`secure_login_otp`]: nothing here reads the clock, draws randomness or touches a
//! browser API. Ids, salts and nonces come in from the caller (the wasm layer draws them from
//! `crypto.getRandomValues`), and so does the time. Storage is the caller's too: the browser
//! keeps records in IndexedDB (`src/wasm/token/`), loading them into a [`Vault`] inside one
//! transaction per change.
//!
//! # Security
//! * The vault never holds a raw secret: [`wrap`] explains the PIN-derived keystream, and why a
//!   wrong PIN is never an error.
//! * PINs ([`Pin`]) and unwrapped secrets are zeroized when dropped, after each use.
//! * Errors ([`Error`]) never carry a secret, a PIN, a passphrase or a response.

pub mod backup;
pub mod card;
mod error;
pub mod input;
mod pin;
mod record;
mod vault;
pub mod wrap;

pub use backup::{BackupKdf, BackupRandom};
pub use card::{CardRecord, SecurityCard, CARD_SUITE};
pub use error::{Error, Result};
pub use pin::{Pin, CARD_PIN_LEN, MAX_PIN_LEN, MIN_PIN_LEN};
pub use record::{
    DeviceCredential, Moment, NewUser, Provenance, Responded, TokenParams, UserInfo, UserRecord,
    MAX_SAFE_INTEGER, SCHEMA,
};
pub use vault::{Changes, Vault, MAX_USERS};
pub use wrap::{Kdf, DEFAULT_ITERATIONS, SALT_LEN};

/// The soft token's default suite (docs/design.md, "Defaults"): 8-digit challenge, 8-digit
/// response, SHA-256; the PIN only unwraps the key and never leaves the device.
pub const TOKEN_SUITE: &str = "OCRA-1:HOTP-SHA256-8:QN08";
