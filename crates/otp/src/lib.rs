// The crate documentation is README.md (with its example, run as a doctest).
#![cfg_attr(not(test), no_std)]
#![doc = include_str!("../README.md")]

extern crate alloc;
// The `std` feature brings only `SystemClock`; everything else stays `core` + `alloc`.
#[cfg(feature = "std")]
extern crate std;

mod clock;
mod code;
mod device;
mod encoding;
mod error;
mod hash;
mod hotp;
mod key_uri;
pub mod ocra;
mod pin_rules;
mod push;
mod secret;
mod totp;
pub mod typed;
mod window;

#[cfg(all(
    feature = "std",
    not(all(target_arch = "wasm32", target_os = "unknown"))
))]
pub use clock::SystemClock;
pub use clock::TimeSource;
pub use code::{Code, Digits};
pub use device::{device_proof, verify_device_proof, MAX_DEVICE_FIELD_LEN};
pub use encoding::{base32_decode, base32_encode, hex_decode, hex_encode};
pub use error::{DataField, Error, Result};
pub use hash::{Digest, HashAlgorithm, HmacKey};
pub use hotp::{Hotp, HotpMatch};
pub use key_uri::{KeyUri, TokenKind};
pub use ocra::{Challenge, Ocra, OcraInput, OcraMatch, OcraSuite, OcraTime, OcraWindow, Pin};
pub use pin_rules::pin_weakness;
pub use push::{push_response, verify_push_response, PushDecision, MAX_REQUEST_ID_LEN};
pub use secret::{Secret, DEFAULT_SECRET_LEN, MAX_SECRET_LEN, MIN_SECRET_LEN};
pub use totp::{TimeStep, Totp, TotpMatch};
pub use window::Window;
