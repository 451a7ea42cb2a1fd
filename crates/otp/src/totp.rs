//! TOTP, RFC 6238: HOTP over the number of time steps since T0.

use core::num::NonZeroU64;

use super::clock::TimeSource;
use super::code::{Code, Digits};
use super::error::{Error, Result};
use super::hash::HashAlgorithm;
use super::hotp::Hotp;
use super::key_uri::KeyUri;
use super::secret::Secret;
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
///
/// # Examples
///
/// ```
/// use secure_login_otp::{Digits, HashAlgorithm, TimeStep, Totp, Window};
///
/// // RFC 6238 Appendix B: SHA-1, 8 digits, 30-second steps from 0.
/// let totp = Totp::new(
///     b"12345678901234567890",
///     HashAlgorithm::Sha1,
///     Digits::EIGHT,
///     TimeStep::DEFAULT,
/// )?;
/// assert_eq!(totp.generate(59)?.as_str(), "94287082");
/// assert_eq!(totp.generate(1_111_111_109)?.as_str(), "07081804");
/// assert_eq!(totp.generate(2_000_000_000)?.as_str(), "69279037");
///
/// // At 89 s (step 2), the code of 59 s (step 1) is one step behind: inside a window of 1.
/// let found = totp.verify("94287082", 89, Window::new(1)?)?.expect("a match");
/// assert_eq!((found.step, found.offset), (1, -1));
/// assert_eq!(totp.verify("94287082", 89, Window::EXACT)?, None);
/// # Ok::<(), secure_login_otp::Error>(())
/// ```
///
/// From a Key URI, at "now" from the caller's clock (here a fixed one):
///
/// ```
/// use secure_login_otp::{Totp, Window};
///
/// let uri = "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8";
/// let totp = Totp::from_key_uri(uri)?;
/// let clock = || 1_234_567_890; // RFC 6238 Appendix B's time; a server passes its own clock
/// assert_eq!(totp.generate_now(clock)?.as_str(), "89005924");
/// assert!(totp.verify_now("89005924", Window::new(1)?, clock)?.is_some());
/// # Ok::<(), secure_login_otp::Error>(())
/// ```
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
    /// [`Error::SecretTooShort`] below 16 bytes ([`crate::MIN_SECRET_LEN`]; for a legacy key use
    /// [`Totp::from_secret`] with [`Secret::from_bytes_allow_short`]),
    /// [`Error::InvalidSecretLength`] above 1024.
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

    /// A generator for a [`Secret`], whatever length its constructor accepted (a legacy key
    /// from [`Secret::from_bytes_allow_short`] too).
    ///
    /// # Errors
    /// None in practice: a `Secret` is never empty.
    pub fn from_secret(
        secret: &Secret,
        algorithm: HashAlgorithm,
        digits: Digits,
        time: TimeStep,
    ) -> Result<Self> {
        Ok(Self {
            hotp: Hotp::from_secret(secret, algorithm, digits)?,
            time,
        })
    }

    /// The generator an `otpauth://totp/...` Key URI describes (secret, algorithm, digits,
    /// period): [`KeyUri::parse`] then [`KeyUri::totp`].
    ///
    /// # Errors
    /// As [`KeyUri::parse`] (a secret below 16 bytes is [`Error::SecretTooShort`]; for a legacy
    /// one, `KeyUri::parse_allow_short(uri)?.totp()`); [`Error::InvalidKeyUri`] for a hotp or
    /// ocra URI.
    pub fn from_key_uri(uri: &str) -> Result<Self> {
        KeyUri::parse(uri)?.totp()
    }

    /// The time step parameters.
    #[must_use]
    pub fn time_step(&self) -> TimeStep {
        self.time
    }

    /// The code at `unix_secs`.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a time before T0.
    pub fn generate(&self, unix_secs: u64) -> Result<Code> {
        Ok(self.hotp.generate(self.time.counter_at(unix_secs)?))
    }

    /// The code at the time `clock` tells: `totp.generate_now(|| unix_secs)`, or
    /// [`crate::SystemClock`] with the `std` feature. The core reads no clock itself.
    ///
    /// # Errors
    /// The clock's error; [`Error::InvalidTime`] for a time before T0.
    pub fn generate_now(&self, clock: impl TimeSource) -> Result<Code> {
        self.generate(clock.unix_secs()?)
    }

    /// [`Totp::verify`] at the time `clock` tells.
    ///
    /// # Errors
    /// The clock's error, and as [`Totp::verify`].
    ///
    /// # Security
    /// As [`Totp::verify`]: store the returned step and refuse codes of that step or earlier.
    pub fn verify_now(
        &self,
        code: &str,
        window: Window,
        clock: impl TimeSource,
    ) -> Result<Option<TotpMatch>> {
        self.verify(code, clock.unix_secs()?, window)
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
