//! PINs: 4 to 12 digits, wiped after use; new PINs must not be obvious.
//!
//! The PIN never leaves the device and is never stored: it derives the key that unwraps the
//! user's secret (see [`super::wrap`]). Only a *new* PIN is judged against the rules below; a PIN
//! typed to answer a challenge is only checked for its shape, so a wrong one (even `0000`) yields
//! a plausible wrong response instead of telling anything about the right one.

use secure_login_otp::pin_weakness;
use zeroize::Zeroizing;

use super::error::{Error, Result};

/// The fewest digits of a PIN.
pub const MIN_PIN_LEN: usize = 4;
/// The most digits of a PIN.
pub const MAX_PIN_LEN: usize = 12;
/// The digits of the security card's PIN (the seed: "the 4-digit PIN code").
pub const CARD_PIN_LEN: usize = 4;

/// A PIN as typed: 4 to 12 ASCII digits, wiped when dropped. No `Debug` content, no `Display`.
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// A PIN typed to answer: only its shape is checked (4 to 12 ASCII digits, nothing else).
    ///
    /// # Errors
    /// [`Error::InvalidPin`].
    pub fn parse(typed: &str) -> Result<Self> {
        let bytes = typed.as_bytes();
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(Error::InvalidPin("only the digits 0 to 9 are allowed"));
        }
        if !(MIN_PIN_LEN..=MAX_PIN_LEN).contains(&bytes.len()) {
            return Err(Error::InvalidPin("a PIN has 4 to 12 digits"));
        }
        Ok(Self(Zeroizing::new(typed.to_owned())))
    }

    /// A PIN being chosen: its shape, and then the rules against obvious PINs.
    ///
    /// # Errors
    /// [`Error::InvalidPin`] for the shape; [`Error::WeakPin`] naming the rule it breaks.
    pub fn choose(typed: &str) -> Result<Self> {
        let pin = Self::parse(typed)?;
        match pin_weakness(&pin.0) {
            Some(why) => Err(Error::WeakPin(why)),
            None => Ok(pin),
        }
    }

    /// A security card PIN being chosen: exactly 4 digits, and not obvious.
    ///
    /// # Errors
    /// As [`Pin::choose`].
    pub fn choose_for_card(typed: &str) -> Result<Self> {
        let pin = Self::choose(typed)?;
        pin.check_card_len()?;
        Ok(pin)
    }

    /// Fails unless the PIN has exactly [`CARD_PIN_LEN`] digits.
    pub(crate) fn check_card_len(&self) -> Result<()> {
        if self.0.len() == CARD_PIN_LEN {
            Ok(())
        } else {
            Err(Error::InvalidPin("the card's PIN has 4 digits"))
        }
    }

    /// The digits. Keep the borrow short.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for Pin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Pin([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weak(pin: &str) -> bool {
        matches!(Pin::choose(pin), Err(Error::WeakPin(_)))
    }

    #[test]
    fn shape_is_4_to_12_ascii_digits() {
        for ok in ["4826", "48265", "482659173046"] {
            assert!(Pin::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "482",
            "4826591730461",
            "48 26",
            "48-26",
            "482a",
            " 4826",
            "４８２６", // full-width digits are not ASCII digits
            "٤٨٢٦",     // nor are Arabic-Indic ones
        ] {
            assert!(
                matches!(Pin::parse(bad), Err(Error::InvalidPin(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn obvious_pins_are_refused() {
        for pin in [
            "0000",
            "1111",
            "999999999999",
            "1234",
            "2345",
            "7890",
            "8901",
            "123456",
            "0123456789",
            "4321",
            "3210",
            "987654",
            "1212",
            "6969",
            "123123",
            "12341234",
            "2580",
            "0852",
            "1004",
            "2000",
            "147258",
            "159753",
        ] {
            assert!(weak(pin), "{pin} should be refused");
        }
    }

    #[test]
    fn ordinary_pins_are_accepted() {
        for pin in [
            "4826",
            "7391",
            "5037",
            "90210",
            "318274",
            "1235",
            "9988",
            "482659173046",
        ] {
            assert!(Pin::choose(pin).is_ok(), "{pin} should be accepted");
        }
    }

    #[test]
    fn a_weak_pin_may_still_be_typed_to_answer() {
        // Typing is not choosing: a wrong guess such as 0000 gets a (wrong) response, not an error.
        assert!(Pin::parse("0000").is_ok());
    }

    #[test]
    fn the_card_pin_has_four_digits() {
        assert!(Pin::choose_for_card("7391").is_ok());
        assert!(matches!(
            Pin::choose_for_card("73915"),
            Err(Error::InvalidPin(_))
        ));
        assert!(matches!(
            Pin::choose_for_card("1234"),
            Err(Error::WeakPin(_))
        ));
    }

    #[test]
    fn debug_hides_the_digits() {
        let pin = Pin::parse("4826").unwrap();
        assert_eq!(format!("{pin:?}"), "Pin([REDACTED])");
    }
}
