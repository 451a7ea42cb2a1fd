//! The pure OTP algorithms: HOTP (RFC 4226), TOTP (RFC 6238) and OCRA (RFC 6287), with the
//! secrets, encodings and Key URIs they travel in.
//!
//! Nothing here reads the clock or draws randomness: callers pass the time and the secrets in.

mod code;
mod encoding;
mod error;
mod hash;
mod hotp;
mod key_uri;
pub mod ocra;
mod push;
mod secret;
mod totp;
mod window;

pub use code::{Code, Digits};
pub use encoding::{base32_decode, base32_encode, hex_decode, hex_encode};
pub use error::{DataField, Error, Result};
pub use hash::{Digest, HashAlgorithm, HmacKey};
pub use hotp::{Hotp, HotpMatch};
pub use key_uri::{KeyUri, TokenKind};
pub use ocra::{Challenge, Ocra, OcraInput, OcraMatch, OcraSuite, OcraTime, OcraWindow, Pin};
pub use push::{push_response, verify_push_response, PushDecision, MAX_REQUEST_ID_LEN};
pub use secret::{Secret, MAX_SECRET_LEN};
pub use totp::{TimeStep, Totp, TotpMatch};
pub use window::Window;
