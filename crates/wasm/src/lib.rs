//! The JavaScript API (wasm-bindgen): the only crate that touches wasm-bindgen and js-sys.
//!
//! Names are camelCase, TypeScript types are generated (see `types.rs`), and every error reaches
//! JavaScript as an `Error` named `SecureLoginError` with a stable `code` property (and, where
//! the Rust error has them, `expected`, `found` and `reason`).
//!
//! Features: `otp` (the OTP functions and `OtpKey`), `provisioning` (Key URIs, Base32, random
//! secrets) and `token` (`SoftToken`, `SecurityCard`), all default. `readCode`, the login page's
//! check of a typed code, is always there; built without features it is all there is (the login
//! page's bundle, `pkg/login/`).
//!
//! The only crate of the workspace with wasm-bindgen, js-sys and web-sys; built for anything but
//! `wasm32-unknown-unknown` it is empty.
//!
//! Built without the `otp` feature (the login bundle) the crate is `#![no_std]`: a bump allocator
//! serves wasm-bindgen's table of JavaScript values, and a panic (there is none in `readCode`)
//! traps. The standard library's allocator and panic machinery, with the formatter it pulls in,
//! would be most of that bundle's bytes.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "otp")), no_std)]

#[cfg(target_arch = "wasm32")]
#[cfg(feature = "otp")]
mod api;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "otp")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "otp")]
mod key;
#[cfg(target_arch = "wasm32")]
mod login;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "provisioning")]
mod provisioning;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "token")]
mod token;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "otp")]
mod types;

#[cfg(target_arch = "wasm32")]
#[cfg(feature = "otp")]
pub use api::*;
#[cfg(target_arch = "wasm32")]
#[cfg(feature = "otp")]
pub use key::OtpKey;
#[cfg(target_arch = "wasm32")]
pub use login::read_code;
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
#[cfg(feature = "otp")]
pub use types::{
    Counter, HotpMatchJs, HotpOptionsJs, OcraInputJs, OcraMatchJs, OcraSuiteInfoJs,
    OcraVerifyOptionsJs, TotpMatchJs, TotpOptionsJs, VerifyHotpOptionsJs, VerifyTotpOptionsJs,
};

/// What the standard library would give the login bundle, at a fraction of the bytes.
#[cfg(all(target_arch = "wasm32", not(feature = "otp")))]
mod runtime {
    use lol_alloc::{LeakingAllocator, LockedAllocator};

    /// Allocations come only from wasm-bindgen's table of JavaScript values, which grows by
    /// doubling to the most values alive at once (a handful per `readCode` call): a bump
    /// allocator that never frees leaks a few hundred bytes in a page's life, and is too simple
    /// to be wrong.
    #[global_allocator]
    static ALLOCATOR: LockedAllocator<LeakingAllocator> =
        LockedAllocator::new(LeakingAllocator::new());

    /// A panic traps (JavaScript sees a `RuntimeError`). `readCode` has no panicking path: its
    /// code reads through `get` and checked arithmetic.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}
