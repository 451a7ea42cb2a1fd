//! The time source the caller hands to the "now" conveniences: the core reads no clock itself.

use super::error::Result;

/// Where "now" comes from, in Unix seconds: the caller's clock, passed to
/// [`crate::Totp::generate_now`] and [`crate::Totp::verify_now`].
///
/// Any `Fn() -> u64` is one (`|| unix_secs`), so a test or a server with a clock of its own
/// passes a closure; with the `std` feature, [`SystemClock`] reads the operating system's clock.
///
/// # Errors
/// An implementation returns [`crate::Error::InvalidTime`] when it cannot tell the time.
pub trait TimeSource {
    /// The current time in Unix seconds.
    ///
    /// # Errors
    /// [`crate::Error::InvalidTime`] when the clock cannot be read.
    fn unix_secs(&self) -> Result<u64>;
}

impl<F: Fn() -> u64> TimeSource for F {
    fn unix_secs(&self) -> Result<u64> {
        Ok(self())
    }
}

/// The operating system's clock (`std::time::SystemTime`), with the `std` feature.
///
/// Not built for `wasm32-unknown-unknown`, where `SystemTime::now()` panics: there, pass
/// `|| (js_sys::Date::now() / 1000.0) as u64` or the like.
#[cfg(all(
    feature = "std",
    not(all(target_arch = "wasm32", target_os = "unknown"))
))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

#[cfg(all(
    feature = "std",
    not(all(target_arch = "wasm32", target_os = "unknown"))
))]
impl TimeSource for SystemClock {
    /// # Errors
    /// [`crate::Error::InvalidTime`] for a system clock set before 1970.
    fn unix_secs(&self) -> Result<u64> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_secs())
            .map_err(|_| crate::Error::InvalidTime("the system clock is before 1970"))
    }
}
