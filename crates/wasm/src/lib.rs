//! The JavaScript API (wasm-bindgen): the only crate that touches wasm-bindgen and js-sys.
//!
//! Names are camelCase, TypeScript types are generated (see `types.rs`), and every error reaches
//! JavaScript as an `Error` named `SecureLoginError` with a stable `code` property.
//!
//! The only crate of the workspace with wasm-bindgen, js-sys and web-sys; built for anything but
//! `wasm32-unknown-unknown` it is empty.

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod key;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "provisioning")]
mod provisioning;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "token")]
mod token;
#[cfg(target_arch = "wasm32")]
mod types;

#[cfg(target_arch = "wasm32")]
pub use api::*;
#[cfg(target_arch = "wasm32")]
pub use key::OtpKey;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "provisioning")]
pub use provisioning::*;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "token")]
pub use token::{
    DatabaseNameJs, NewTokenUserJs, RespondOptionsJs, SecurityCardJs, SecurityCardOptionsJs,
    SoftToken, StorageCode, TokenUserJs,
};
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "provisioning")]
pub use types::KeyUriInfoJs;
#[cfg(target_arch = "wasm32")]
pub use types::{
    Counter, HotpMatchJs, HotpOptionsJs, OcraInputJs, OcraMatchJs, OcraSuiteInfoJs,
    OcraVerifyOptionsJs, TotpMatchJs, TotpOptionsJs, VerifyHotpOptionsJs, VerifyTotpOptionsJs,
};
