//! HOTP, RFC 4226: a code from a secret and a counter.

use core::ops::RangeInclusive;

use super::code::{parse_typed_code, truncate, Code, Digits};
use super::error::Result;
use super::hash::{HashAlgorithm, HmacKey};
use super::secret::{check_len, Secret};
use super::window::{FirstMatch, Window};

/// A HOTP generator: the key's HMAC state, the hash and the digit count, fixed once.
///
/// # Examples
///
/// ```
/// use secure_login_otp::{Digits, HashAlgorithm, Hotp, Window};
///
/// // RFC 4226 Appendix D: the key "12345678901234567890", counters 0 to 9.
/// let hotp = Hotp::new(b"12345678901234567890", HashAlgorithm::Sha1, Digits::SIX)?;
/// assert_eq!(hotp.generate(0).as_str(), "755224");
/// assert_eq!(hotp.generate(1).as_str(), "287082");
/// assert_eq!(hotp.generate(9).as_str(), "520489");
///
/// // The verifier at counter 3 looks 2 ahead: counter 4's code matches; store 4.
/// let found = hotp.verify("338314", 3, Window::new(2)?)?;
/// assert_eq!(found.map(|m| m.counter), Some(4));
/// // Counter 2's code is behind the window, counter 9's beyond it.
/// assert_eq!(hotp.verify("359152", 3, Window::new(2)?)?, None);
/// assert_eq!(hotp.verify("520489", 3, Window::new(2)?)?, None);
/// # Ok::<(), secure_login_otp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Hotp {
    key: HmacKey,
    digits: Digits,
}

/// What a successful HOTP verification matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotpMatch {
    /// The counter whose code matched; store it and accept only higher counters from now on.
    pub counter: u64,
}

impl Hotp {
    /// A generator for `secret` with `algorithm` ([RFC 4226 section 5.3]; SHA-256 and SHA-512
    /// as RFC 6238 section 1.2 allows) and `digits`.
    ///
    /// [RFC 4226 section 5.3]: https://www.rfc-editor.org/rfc/rfc4226#section-5.3
    ///
    /// # Errors
    /// [`crate::Error::SecretTooShort`] below 16 bytes ([`crate::MIN_SECRET_LEN`]; for a legacy
    /// key use [`Hotp::from_secret`] with [`Secret::from_bytes_allow_short`]),
    /// [`crate::Error::InvalidSecretLength`] above 1024.
    pub fn new(secret: &[u8], algorithm: HashAlgorithm, digits: Digits) -> Result<Self> {
        check_len(secret.len())?;
        Ok(Self {
            key: HmacKey::new(algorithm, secret)?,
            digits,
        })
    }

    /// A generator for a [`Secret`], whatever length its constructor accepted (a legacy key
    /// from [`Secret::from_bytes_allow_short`] too).
    ///
    /// # Errors
    /// None in practice: a `Secret` is never empty.
    pub fn from_secret(secret: &Secret, algorithm: HashAlgorithm, digits: Digits) -> Result<Self> {
        Ok(Self {
            key: HmacKey::new(algorithm, secret.expose_secret())?,
            digits,
        })
    }

    /// The code for `counter`: HOTP(K, C) = Truncate(HMAC(K, C)), C as 8 bytes big-endian.
    #[must_use]
    pub fn generate(&self, counter: u64) -> Code {
        truncate(&self.key.mac(&[&counter.to_be_bytes()]), self.digits.get())
    }

    /// Checks `code` against every counter from `counter` to `counter + look_ahead`, all of them,
    /// in constant time, and returns the lowest counter that matched.
    ///
    /// # Errors
    /// [`crate::Error::InvalidCode`] when `code` is not exactly `digits` ASCII digits.
    ///
    /// # Security
    /// The caller must store the returned counter and never accept it (or a lower one) again.
    pub fn verify(
        &self,
        code: &str,
        counter: u64,
        look_ahead: Window,
    ) -> Result<Option<HotpMatch>> {
        let found = self.scan(code, look_ahead.ahead_of(counter))?;
        Ok(found.map(|counter| HotpMatch { counter }))
    }

    /// The lowest counter in `counters` whose code is `code`, every counter visited.
    pub(crate) fn scan(&self, code: &str, counters: RangeInclusive<u64>) -> Result<Option<u64>> {
        let typed = parse_typed_code(code, self.digits.get())?;
        let mut first = FirstMatch::new();
        for candidate in counters {
            first.offer(candidate, self.generate(candidate).ct_eq_bytes(typed));
        }
        Ok(first.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::macs_computed_by;

    const KEY: &[u8] = b"12345678901234567890";

    /// The scan must not stop at a match: an early return would make the time taken tell an
    /// attacker where in the window a code sits (and whether it matched at all).
    #[test]
    fn verification_computes_every_code_in_the_window_match_or_not() {
        let hotp = Hotp::new(KEY, HashAlgorithm::Sha1, Digits::SIX).unwrap();
        let window = Window::new(10).unwrap();
        let first = macs_computed_by(|| {
            assert_eq!(
                hotp.verify("755224", 0, window).unwrap().unwrap().counter,
                0
            )
        });
        let last = macs_computed_by(|| {
            assert!(hotp.verify("755224", 0, Window::EXACT).unwrap().is_some())
        });
        let none =
            macs_computed_by(|| assert!(hotp.verify("000000", 0, window).unwrap().is_none()));
        assert_eq!((first, none), (11, 11));
        assert_eq!(last, 1);
    }

    #[test]
    fn the_lowest_matching_counter_wins() {
        // With 6 digits over a wide window, codes repeat; the scan must report the first.
        let hotp = Hotp::new(KEY, HashAlgorithm::Sha1, Digits::SIX).unwrap();
        let code = hotp.generate(3);
        let found = hotp
            .verify(code.as_str(), 0, Window::new(1000).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(found.counter, 3);
    }

    #[test]
    fn short_keys_need_the_legacy_escape() {
        let short = b"1234567890123456";
        assert_eq!(
            Hotp::new(&short[..15], HashAlgorithm::Sha1, Digits::SIX).unwrap_err(),
            crate::Error::SecretTooShort(15)
        );
        assert!(Hotp::new(short, HashAlgorithm::Sha1, Digits::SIX).is_ok());
        let legacy = Secret::from_bytes_allow_short(short[..10].to_vec()).unwrap();
        assert!(Hotp::from_secret(&legacy, HashAlgorithm::Sha1, Digits::SIX).is_ok());
    }

    #[test]
    fn the_window_stops_at_the_largest_counter() {
        let hotp = Hotp::new(KEY, HashAlgorithm::Sha1, Digits::SIX).unwrap();
        let code = hotp.generate(u64::MAX);
        let found = hotp
            .verify(code.as_str(), u64::MAX - 2, Window::new(10).unwrap())
            .unwrap();
        assert_eq!(found.map(|m| m.counter), Some(u64::MAX));
        let macs = macs_computed_by(|| {
            drop(hotp.verify("000000", u64::MAX - 2, Window::new(10).unwrap()))
        });
        assert_eq!(macs, 3, "u64::MAX-2 ..= u64::MAX, no wrap-around to 0");
    }
}
