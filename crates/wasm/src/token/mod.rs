//! The soft token in the browser: `SoftToken` (the vault in IndexedDB) and `SecurityCard` (the
//! card emulator), over the pure logic of [`secure_login_token`].
//!
//! This layer is the only one that reads the clock (`Date.now()`), draws randomness
//! (`crypto.getRandomValues` through getrandom) and touches IndexedDB. Every error reaches
//! JavaScript as a `SecureLoginError` with a stable `code`: the token's codes
//! ([`secure_login_token::Error::code`]), `InvalidArgument` for a value of the wrong type, and the
//! storage codes of [`StorageCode`].

mod args;
mod card;
mod idb;
mod soft_token;
mod types;

pub use card::SecurityCardJs;
pub use soft_token::SoftToken;
pub use types::{
    DatabaseNameJs, NewTokenUserJs, RespondOptionsJs, SecurityCardOptionsJs, TokenUserJs,
};

use wasm_bindgen::JsValue;

use super::error::{from_token, js_error};
use secure_login_token as token;

/// `?` on the token's results inside exported functions (the token's twin of
/// `super::error::IntoJs`, a trait of its own so the core's calls keep inferring their types).
pub(crate) trait TokenJs<T> {
    fn js(self) -> Result<T, JsValue>;
}

impl<T> TokenJs<T> for token::Result<T> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| from_token(&e))
    }
}

/// The error codes of the storage layer (besides the token's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageCode {
    /// The page has no IndexedDB (a private mode that disables it, an old browser).
    StorageUnavailable,
    /// IndexedDB refused an operation; the message names the browser's reason.
    StorageError,
    /// The origin's storage quota is used up.
    QuotaExceeded,
    /// This connection was closed: by `close()` or by another tab upgrading the database
    /// (`versionchange`). Open the token again.
    DatabaseClosed,
    /// The database vanished while the page had it open: deleted (another tab, the person
    /// clearing the site's data) or its connection closed by the browser. Its users are gone;
    /// nothing was written. Open the token again to start empty.
    StorageCleared,
    /// The database was written by a newer version of this library.
    DatabaseTooNew,
    /// Upgrading an older database failed; it was left as it was.
    UpgradeFailed,
}

impl StorageCode {
    /// The `code` JavaScript sees.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StorageUnavailable => "StorageUnavailable",
            Self::StorageError => "StorageError",
            Self::QuotaExceeded => "QuotaExceeded",
            Self::DatabaseClosed => "DatabaseClosed",
            Self::StorageCleared => "StorageCleared",
            Self::DatabaseTooNew => "DatabaseTooNew",
            Self::UpgradeFailed => "UpgradeFailed",
        }
    }

    pub(crate) fn error(self, message: &str) -> JsValue {
        js_error(self.as_str(), message)
    }
}

/// Unix seconds now, from `Date.now()`.
pub(crate) fn now_secs() -> u64 {
    now_ms() / 1000
}

/// Unix milliseconds now, from `Date.now()` (0 for a clock before 1970).
pub(crate) fn now_ms() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        // Date.now() is an integer below 2^53; the cast is exact.
        ms as u64
    } else {
        0
    }
}

/// `N` bytes from the browser's CSPRNG.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        js_error(
            "EntropyUnavailable",
            &format!("no random bytes available: {e}"),
        )
    })?;
    Ok(bytes)
}

/// A fresh random id: 16 bytes in hex.
pub(crate) fn random_id() -> Result<String, JsValue> {
    Ok(secure_login_otp::hex_encode(&random::<16>()?))
}
