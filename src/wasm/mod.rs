//! The JavaScript API (wasm-bindgen): the only module that touches wasm-bindgen and js-sys.
//!
//! Names are camelCase, TypeScript types are generated (see `types.rs`), and every error reaches
//! JavaScript as an `Error` named `SecureLoginError` with a stable `code` property.

mod api;
mod convert;
mod error;
mod key;
#[cfg(feature = "provisioning")]
mod provisioning;
#[cfg(feature = "token")]
mod token;
mod types;

pub use api::*;
pub use key::OtpKey;
#[cfg(feature = "provisioning")]
pub use provisioning::*;
#[cfg(feature = "token")]
pub use token::{
    DatabaseNameJs, NewTokenUserJs, RespondOptionsJs, SecurityCardJs, SecurityCardOptionsJs,
    SoftToken, StorageCode, TokenUserJs,
};
#[cfg(feature = "provisioning")]
pub use types::KeyUriInfoJs;
pub use types::{
    Counter, HotpMatchJs, HotpOptionsJs, OcraInputJs, OcraMatchJs, OcraSuiteInfoJs,
    OcraVerifyOptionsJs, TotpMatchJs, TotpOptionsJs, VerifyHotpOptionsJs, VerifyTotpOptionsJs,
};
