//! Verification windows and the constant-time scan over them.

use subtle::{Choice, ConditionallySelectable};

use super::error::{Error, Result};

/// How far a verifier looks: counters ahead for HOTP, steps either side for TOTP and OCRA time.
///
/// Bounded by [`Window::MAX`] so a hostile configuration cannot make one check scan forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Window(u32);

impl Window {
    /// The widest window: 1000 counters or steps.
    pub const MAX: u32 = 1000;
    /// No tolerance: only the exact counter or step.
    pub const EXACT: Self = Self(0);
    /// One step either side, the TOTP default.
    pub const ONE: Self = Self(1);

    /// A window of `n` counters or steps.
    ///
    /// # Errors
    /// [`Error::InvalidWindow`] above [`Window::MAX`].
    pub fn new(n: u32) -> Result<Self> {
        if n <= Self::MAX {
            Ok(Self(n))
        } else {
            Err(Error::InvalidWindow(n))
        }
    }

    /// The number of counters or steps.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// `start ..= start + n`, cut at `u64::MAX`.
    pub(crate) fn ahead_of(self, start: u64) -> core::ops::RangeInclusive<u64> {
        start..=start.saturating_add(u64::from(self.0))
    }

    /// `centre - n ..= centre + n`, cut at 0 and `u64::MAX`.
    pub(crate) fn around(self, centre: u64) -> core::ops::RangeInclusive<u64> {
        centre.saturating_sub(u64::from(self.0))..=centre.saturating_add(u64::from(self.0))
    }
}

/// Remembers the first candidate that matched while a scan visits every candidate:
/// no branch and no early return depends on a comparison result.
pub(crate) struct FirstMatch {
    found: Choice,
    value: u64,
}

impl FirstMatch {
    pub(crate) fn new() -> Self {
        Self {
            found: Choice::from(0),
            value: 0,
        }
    }

    /// Records `candidate` if `matched` and nothing matched before.
    pub(crate) fn offer(&mut self, candidate: u64, matched: Choice) {
        let take = matched & !self.found;
        self.value.conditional_assign(&candidate, take);
        self.found |= matched;
    }

    /// The first matching candidate, if any.
    pub(crate) fn get(&self) -> Option<u64> {
        Option::from(subtle::CtOption::new(self.value, self.found))
    }
}
