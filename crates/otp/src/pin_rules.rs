//! Which new PINs are too easy to guess: one rule for the soft token and the security card that
//! let a person choose a PIN, and for the issuer that sets a card's first PIN.

use alloc::vec::Vec;

/// PINs refused besides runs and repeated patterns: the keypad's middle column and its reverse,
/// keypad lines and shapes, and years and numbers that top the published lists of common PINs.
const COMMON_PINS: &[&str] = &[
    "2580", "0852", "1004", "2000", "1122", "5683", "6969", "1998", "1999", "2001", "2002", "2020",
    "2021", "2022", "2023", "2024", "2025", "2026", "0007", "1357", "2468", "7410", "1590",
    "112233", "111222", "147258", "147852", "159753", "258456", "789456", "753951", "852456",
    "102030", "010203", "101010",
];

/// Why a PIN being chosen is obvious, if it is: all one digit, a run (1234, 7890, 4321), a
/// repeated block (1212, 123123) or one of the most common PINs. `None` for anything else,
/// including text that is not digits (its shape is the caller's check).
#[must_use]
pub fn pin_weakness(pin: &str) -> Option<&'static str> {
    let digits = pin.as_bytes();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let steps: Vec<u8> = digits
        .windows(2)
        .filter_map(|pair| match pair {
            [a, b] => Some((10 + b - a) % 10),
            _ => None,
        })
        .collect();
    if steps.iter().all(|&s| s == 0) {
        return Some("all the same digit");
    }
    // 1234, 7890, 901234 (ascending, wrapping after 9) and 4321, 3210, 109876 (descending).
    if steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == 9) {
        return Some("a run of consecutive digits");
    }
    // 1212, 6969, 123123, 12341234: a block repeated.
    let len = digits.len();
    let repeated = (1..len).filter(|block| len % block == 0).any(|block| {
        digits
            .chunks(block)
            .all(|c| c == digits.get(..block).unwrap_or(&[]))
    });
    if repeated {
        return Some("a repeated pattern");
    }
    if COMMON_PINS.contains(&pin) {
        return Some("one of the most common PINs");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::pin_weakness;

    #[test]
    fn each_rule_names_itself() {
        assert_eq!(pin_weakness("7777"), Some("all the same digit"));
        assert_eq!(pin_weakness("901234"), Some("a run of consecutive digits"));
        assert_eq!(pin_weakness("3210"), Some("a run of consecutive digits"));
        assert_eq!(pin_weakness("1212"), Some("a repeated pattern"));
        assert_eq!(pin_weakness("2580"), Some("one of the most common PINs"));
        assert_eq!(pin_weakness("8265"), None);
        assert_eq!(pin_weakness(""), None);
        assert_eq!(pin_weakness("12a4"), None);
    }
}
