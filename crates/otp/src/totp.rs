//! TOTP, RFC 6238: HOTP over the number of time steps since T0.

use core::num::NonZeroU64;

use super::code::{Code, Digits};
use super::error::{Error, Result};
use super::hash::HashAlgorithm;
use super::hotp::Hotp;
use super::window::Window;

/// The clock parameters of TOTP: step length X and start T0, both in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeStep {
    step: NonZeroU64,
    t0: u64,
}

impl TimeStep {
    /// The usual 30-second step from the Unix epoch.
    pub const DEFAULT: Self = Self {
        step: match NonZeroU64::new(30) {
            Some(step) => step,
            None => NonZeroU64::MIN,
        },
        t0: 0,
    };

    /// Steps of `step` seconds counted from `t0` ([RFC 6238 section 4.1]).
    ///
    /// [RFC 6238 section 4.1]: https://www.rfc-editor.org/rfc/rfc6238#section-4.1
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a step of zero.
    pub fn new(step: u64, t0: u64) -> Result<Self> {
        let step = NonZeroU64::new(step).ok_or(Error::InvalidTime(
            "the time step must be at least 1 second",
        ))?;
        Ok(Self { step, t0 })
    }

    /// Step length in seconds.
    #[must_use]
    pub const fn step(self) -> u64 {
        self.step.get()
    }

    /// T0 in Unix seconds.
    #[must_use]
    pub const fn t0(self) -> u64 {
        self.t0
    }

    /// T = floor((unix_secs - T0) / X).
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a time before T0.
    pub fn counter_at(self, unix_secs: u64) -> Result<u64> {
        let since = unix_secs
            .checked_sub(self.t0)
            .ok_or(Error::InvalidTime("the time is before T0"))?;
        Ok(since / self.step.get())
    }
}

impl Default for TimeStep {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A TOTP generator.
#[derive(Debug, Clone)]
pub struct Totp {
    hotp: Hotp,
    time: TimeStep,
}

/// What a successful TOTP verification matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpMatch {
    /// The time step whose code matched; refuse codes of this step and earlier from now on.
    pub step: u64,
    /// How many steps the code was off the verifier's clock (negative: the token is behind).
    pub offset: i64,
}

impl Totp {
    /// A generator for `secret`.
    ///
    /// # Errors
    /// [`Error::InvalidSecretLength`] for an empty secret.
    pub fn new(
        secret: &[u8],
        algorithm: HashAlgorithm,
        digits: Digits,
        time: TimeStep,
    ) -> Result<Self> {
        Ok(Self {
            hotp: Hotp::new(secret, algorithm, digits)?,
            time,
        })
    }

    /// The code at `unix_secs`.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a time before T0.
    pub fn generate(&self, unix_secs: u64) -> Result<Code> {
        Ok(self.hotp.generate(self.time.counter_at(unix_secs)?))
    }

    /// The HOTP generator underneath: the same key, counting time steps.
    #[must_use]
    pub fn hotp(&self) -> &Hotp {
        &self.hotp
    }

    /// The code for time step `step` itself.
    #[must_use]
    pub fn generate_step(&self, step: u64) -> Code {
        self.hotp.generate(step)
    }

    /// Checks `code` against every step within `window` of the step at `unix_secs`, all of them,
    /// in constant time, and returns the earliest step that matched.
    ///
    /// # Errors
    /// [`Error::InvalidCode`] for a malformed code; [`Error::InvalidTime`] before T0.
    ///
    /// # Security
    /// The caller must store the returned step and refuse codes of that step or earlier.
    pub fn verify(&self, code: &str, unix_secs: u64, window: Window) -> Result<Option<TotpMatch>> {
        let now = self.time.counter_at(unix_secs)?;
        let found = self.hotp.scan(code, window.around(now))?;
        Ok(found.map(|step| TotpMatch {
            step,
            offset: signed_offset(step, now),
        }))
    }
}

fn signed_offset(step: u64, now: u64) -> i64 {
    if step >= now {
        i64::try_from(step - now).unwrap_or(i64::MAX)
    } else {
        i64::try_from(now - step).map_or(i64::MIN, |d| -d)
    }
}
