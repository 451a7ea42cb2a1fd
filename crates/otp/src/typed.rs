//! A code as a person types it: read into the ASCII digits a verifier compares, or the reason it
//! cannot be the code.
//!
//! People group digits for reading (`123 456`, `1234-5678`), a copy and paste brings spaces and
//! dashes of every kind, and keyboards of other scripts type their own digits: full-width
//! (`１２３`, phone keyboards of East Asian languages), Arabic-Indic (`١٢٣`), Devanagari (`१२३`).
//! [`read_code`] takes all of that. It holds no policy: the caller says how many digits the code
//! has (the login prompt's "6 digits"), and it allocates nothing, so a binding that exports only
//! this stays small (the login page's bundle, `pkg/login/`).

use super::code::Code;

/// Characters a person or a copy and paste puts between groups of digits, dropped before the
/// digits are read: white space (Unicode's `White_Space`, the no-break spaces among it), the
/// zero-width spaces, the soft hyphen, and the hyphens, dashes and minus signs.
#[must_use]
pub fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' // HYPHEN-MINUS
            | '\u{00AD}' // SOFT HYPHEN
            | '\u{200B}' // ZERO WIDTH SPACE
            | '\u{2010}'
                ..='\u{2015}' // HYPHEN, NON-BREAKING HYPHEN, FIGURE DASH, EN DASH, EM DASH, HORIZONTAL BAR
            | '\u{2212}' // MINUS SIGN
            | '\u{FE63}' // SMALL HYPHEN-MINUS
            | '\u{FEFF}' // ZERO WIDTH NO-BREAK SPACE (a byte order mark pasted along)
            | '\u{FF0D}' // FULLWIDTH HYPHEN-MINUS
        )
}

/// The digit zero of each script's decimal digits: Unicode's general category `Nd` (Unicode
/// 17.0), whose characters come in runs of ten, 0 to 9 in order (a stability policy of Unicode),
/// so a digit's value is its distance from the zero before it. Sorted, for the binary search.
const DIGIT_ZEROS: [u32; 77] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x10D40, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x116D0, 0x116DA, 0x11730, 0x118E0, 0x11950, 0x11BF0, 0x11C50, 0x11D50,
    0x11DA0, 0x11DE0, 0x11F50, 0x16130, 0x16A60, 0x16AC0, 0x16B50, 0x16D70, 0x1CCF0, 0x1D7CE,
    0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E5F1, 0x1E950, 0x1FBF0,
];

/// The value of a decimal digit of any script (Unicode's `Nd`: `7`, `７`, `٧`, `७`, `𝟕`, ...),
/// `None` for anything else, superscripts (`²`), circled (`②`), Roman numerals and fractions
/// among it: those are numbers, not digits a keyboard types.
#[must_use]
pub fn decimal_digit(c: char) -> Option<u8> {
    let point = u32::from(c);
    let zeros_at_or_below = DIGIT_ZEROS.partition_point(|&zero| zero <= point);
    let zero = DIGIT_ZEROS.get(zeros_at_or_below.checked_sub(1)?)?;
    u8::try_from(point - zero).ok().filter(|&value| value < 10)
}

/// Why typed text cannot be the code. `expected` is the number of digits the code has; the
/// messages name counts only, never what was typed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TypedCodeError {
    /// Nothing but separators (or nothing at all) was typed.
    #[error("nothing was typed")]
    Empty {
        /// Digits the code has.
        expected: u8,
    },
    /// A character that is neither a digit nor a separator (the first one).
    #[error("only digits are allowed")]
    NotDigits {
        /// Digits the code has.
        expected: u8,
        /// The character.
        found: char,
    },
    /// Fewer digits than the code has.
    #[error("the code has {expected} digits, not {found}")]
    TooShort {
        /// Digits the code has.
        expected: u8,
        /// Digits typed.
        found: usize,
    },
    /// More digits than the code has.
    #[error("the code has {expected} digits, not {found}")]
    TooLong {
        /// Digits the code has.
        expected: u8,
        /// Digits typed.
        found: usize,
    },
    /// The caller asked for a code of other than [`Code::MIN_LEN`] to [`Code::MAX_LEN`] digits.
    #[error("a code has {min} to {max} digits, not {0}", min = Code::MIN_LEN, max = Code::MAX_LEN)]
    InvalidDigits(u8),
}

impl TypedCodeError {
    /// A stable, machine-readable name for the error, the `code` property JavaScript callers see.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "Empty",
            Self::NotDigits { .. } => "NotDigits",
            Self::TooShort { .. } => "TooShort",
            Self::TooLong { .. } => "TooLong",
            Self::InvalidDigits(_) => "InvalidDigits",
        }
    }
}

/// The code of `len` digits in `typed` (its characters), as ASCII digits: separators
/// ([`is_separator`]) dropped, digits of any script ([`decimal_digit`]) read as their value.
///
/// # Errors
/// Checked in this order: [`TypedCodeError::InvalidDigits`] for `len` outside
/// [`Code::MIN_LEN`]`..=`[`Code::MAX_LEN`]; [`TypedCodeError::NotDigits`] naming the first
/// character that is neither digit nor separator; [`TypedCodeError::Empty`] when no digit was
/// typed; [`TypedCodeError::TooShort`] or [`TypedCodeError::TooLong`] for the wrong number of
/// digits.
///
/// # Examples
///
/// ```
/// use secure_login_otp::typed::{read_code, TypedCodeError};
/// use secure_login_otp::{Digits, HashAlgorithm, Hotp, Window};
///
/// // RFC 4226 Appendix D's code for counter 1, typed full-width with a space, then in Arabic-Indic digits.
/// let code = read_code("２８７ ０８２".chars(), 6)?;
/// assert_eq!(code.as_str(), "287082");
/// assert_eq!(read_code("٢٨٧-٠٨٢".chars(), 6)?.as_str(), "287082");
/// let hotp = Hotp::new(b"12345678901234567890", HashAlgorithm::Sha1, Digits::SIX)?;
/// assert_eq!(hotp.verify(code.as_str(), 0, Window::new(3)?)?.map(|m| m.counter), Some(1));
///
/// assert_eq!(
///     read_code("28708".chars(), 6),
///     Err(TypedCodeError::TooShort { expected: 6, found: 5 })
/// );
/// assert_eq!(
///     read_code("287O82".chars(), 6),
///     Err(TypedCodeError::NotDigits { expected: 6, found: 'O' })
/// );
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn read_code<I: IntoIterator<Item = char>>(typed: I, len: u8) -> Result<Code, TypedCodeError> {
    if !(Code::MIN_LEN..=Code::MAX_LEN).contains(&len) {
        return Err(TypedCodeError::InvalidDigits(len));
    }
    let mut digits = [b'0'; 10];
    let mut found: usize = 0;
    for c in typed {
        if is_separator(c) {
            continue;
        }
        let Some(value) = decimal_digit(c) else {
            return Err(TypedCodeError::NotDigits {
                expected: len,
                found: c,
            });
        };
        if let Some(slot) = digits.get_mut(found) {
            *slot = b'0' + value;
        }
        found = found.saturating_add(1);
    }
    let expected = len;
    match found {
        0 => Err(TypedCodeError::Empty { expected }),
        n if n < usize::from(len) => Err(TypedCodeError::TooShort { expected, found }),
        n if n > usize::from(len) => Err(TypedCodeError::TooLong { expected, found }),
        _ => Ok(Code::from_ascii(digits, len)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};

    fn read(typed: &str, len: u8) -> Result<String, TypedCodeError> {
        read_code(typed.chars(), len).map(|code| code.as_str().to_string())
    }

    #[test]
    fn codes_as_people_type_and_paste_them() {
        for typed in [
            "123456",
            "123 456",
            "123-456",
            " 12 34 56 ",
            "\t123456\n",
            "123\u{a0}456",   // NO-BREAK SPACE
            "123\u{202f}456", // NARROW NO-BREAK SPACE
            "123\u{3000}456", // IDEOGRAPHIC SPACE
            "123\u{2013}456", // EN DASH
            "123\u{2011}456", // NON-BREAKING HYPHEN
            "123\u{2212}456", // MINUS SIGN
            "123\u{ff0d}456", // FULLWIDTH HYPHEN-MINUS
            "\u{feff}123456", // a byte order mark pasted along
            "123\u{ad}456",   // SOFT HYPHEN
            "１２３４５６",   // FULLWIDTH DIGIT ONE ... SIX (U+FF11..U+FF16)
            "１２３ ４５６",  // the same, grouped
            "١٢٣٤٥٦",         // ARABIC-INDIC DIGIT ONE ... SIX (U+0661..U+0666)
            "۱۲۳۴۵۶",         // EXTENDED ARABIC-INDIC (Persian) DIGIT ONE ... SIX
            "१२३४५६",         // DEVANAGARI DIGIT ONE ... SIX (U+0967..U+096C)
            "𝟏𝟐𝟑𝟒𝟓𝟔",         // MATHEMATICAL BOLD DIGIT ONE ... SIX (U+1D7CF..U+1D7D4)
            "12３-４56",      // mixed
        ] {
            assert_eq!(read(typed, 6).unwrap(), "123456", "{typed:?}");
        }
        assert_eq!(read("0000 0000", 8).unwrap(), "00000000");
        assert_eq!(read("٠٩٨٧", 4).unwrap(), "0987");
        assert_eq!(read("12345 67890", 10).unwrap(), "1234567890");
    }

    #[test]
    fn what_cannot_be_the_code_says_why() {
        let six = |found| TypedCodeError::TooShort { expected: 6, found };
        assert_eq!(read("12345", 6), Err(six(5)));
        assert_eq!(read("1 2 3", 6), Err(six(3)));
        assert_eq!(
            read("1234567", 6),
            Err(TypedCodeError::TooLong {
                expected: 6,
                found: 7
            })
        );
        assert_eq!(
            read(&"1".repeat(10_000), 8),
            Err(TypedCodeError::TooLong {
                expected: 8,
                found: 10_000
            })
        );
        for empty in ["", " ", " - ", "\u{3000}\u{2013}"] {
            assert_eq!(
                read(empty, 6),
                Err(TypedCodeError::Empty { expected: 6 }),
                "{empty:?}"
            );
        }
        for (typed, bad) in [
            ("12a456", 'a'),
            ("123.456", '.'),
            ("12_456", '_'),
            ("123,456", ','),
            ("+123456", '+'),
            ("１２ａ４５６", 'ａ'), // FULLWIDTH LATIN SMALL LETTER A
            ("12²456", '²'),        // SUPERSCRIPT TWO: a number, not a digit
            ("①23456", '①'),        // CIRCLED DIGIT ONE
            ("12½456", '½'),
            ("Ⅻ3456", 'Ⅻ'), // ROMAN NUMERAL TWELVE
            ("1234\u{0}56", '\u{0}'),
            // The first bad character wins over the count: short and not digits.
            ("1x", 'x'),
        ] {
            assert_eq!(
                read(typed, 6),
                Err(TypedCodeError::NotDigits {
                    expected: 6,
                    found: bad
                }),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn code_lengths_are_four_to_ten() {
        assert_eq!(read("1234", 4).unwrap(), "1234");
        for len in [0u8, 1, 3, 11, 255] {
            assert_eq!(read("123456", len), Err(TypedCodeError::InvalidDigits(len)));
        }
    }

    #[test]
    fn error_codes_and_messages() {
        let cases = [
            (
                TypedCodeError::Empty { expected: 6 },
                "Empty",
                "nothing was typed",
            ),
            (
                TypedCodeError::NotDigits {
                    expected: 6,
                    found: 'x',
                },
                "NotDigits",
                "only digits are allowed",
            ),
            (
                TypedCodeError::TooShort {
                    expected: 6,
                    found: 5,
                },
                "TooShort",
                "the code has 6 digits, not 5",
            ),
            (
                TypedCodeError::TooLong {
                    expected: 8,
                    found: 9,
                },
                "TooLong",
                "the code has 8 digits, not 9",
            ),
            (
                TypedCodeError::InvalidDigits(3),
                "InvalidDigits",
                "a code has 4 to 10 digits, not 3",
            ),
        ];
        for (error, code, message) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn digit_values_of_several_scripts() {
        // From the Unicode code charts: each script's digit zero and nine.
        for (c, value) in [
            ('0', 0),
            ('9', 9),
            ('\u{FF10}', 0),  // FULLWIDTH DIGIT ZERO
            ('\u{FF19}', 9),  // FULLWIDTH DIGIT NINE
            ('\u{0660}', 0),  // ARABIC-INDIC DIGIT ZERO
            ('\u{0663}', 3),  // ARABIC-INDIC DIGIT THREE
            ('\u{06F9}', 9),  // EXTENDED ARABIC-INDIC DIGIT NINE
            ('\u{07C0}', 0),  // NKO DIGIT ZERO
            ('\u{096F}', 9),  // DEVANAGARI DIGIT NINE
            ('\u{09E7}', 1),  // BENGALI DIGIT ONE
            ('\u{0E55}', 5),  // THAI DIGIT FIVE
            ('\u{0F29}', 9),  // TIBETAN DIGIT NINE
            ('\u{1040}', 0),  // MYANMAR DIGIT ZERO
            ('\u{17E2}', 2),  // KHMER DIGIT TWO
            ('\u{1D7CE}', 0), // MATHEMATICAL BOLD DIGIT ZERO
            ('\u{1D7D8}', 0), // MATHEMATICAL DOUBLE-STRUCK DIGIT ZERO
            ('\u{1D7FF}', 9), // MATHEMATICAL MONOSPACE DIGIT NINE
            ('\u{104A9}', 9), // OSMANYA DIGIT NINE
            ('\u{1E950}', 0), // ADLAM DIGIT ZERO
            ('\u{1FBF9}', 9), // SEGMENTED DIGIT NINE
        ] {
            assert_eq!(decimal_digit(c), Some(value), "U+{:04X}", u32::from(c));
        }
        for c in [
            '/',
            ':',
            'a',
            ' ',
            '\u{FF0F}',
            '\u{FF1A}', // the neighbours of 0-9 and ０-９
            '\u{065F}',
            '\u{066A}', // the neighbours of ٠-٩
            '\u{00B2}',
            '\u{00BD}',
            '\u{2460}',
            '\u{2167}',
            '\u{3007}', // ² ½ ① Ⅷ 〇
            '\u{1D7CD}',
            '\u{1FBFA}',
            '\u{10FFFF}',
            '\u{0}',
        ] {
            assert_eq!(decimal_digit(c), None, "U+{:04X}", u32::from(c));
        }
    }

    /// Every digit is a number by the standard library's own Unicode tables (`Nd` lies within
    /// `N`), and every run of the table is ten such characters.
    #[test]
    fn every_digit_is_numeric_by_the_standard_library() {
        let mut digits = 0;
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            if let Some(value) = decimal_digit(c) {
                assert!(c.is_numeric(), "U+{:04X}", u32::from(c));
                assert!(value < 10);
                digits += 1;
            }
        }
        assert_eq!(digits, 10 * DIGIT_ZEROS.len());
        assert!(
            DIGIT_ZEROS.windows(2).all(|w| w[0] + 10 <= w[1]),
            "sorted, runs apart"
        );
    }

    #[test]
    fn separators() {
        for c in [
            ' ', '\t', '\n', '\u{a0}', '\u{2009}', '\u{3000}', '-', '\u{2010}', '\u{2013}',
            '\u{2014}', '\u{2212}', '\u{fe63}', '\u{ff0d}', '\u{feff}', '\u{200b}', '\u{ad}',
        ] {
            assert!(is_separator(c), "U+{:04X}", u32::from(c));
        }
        for c in ['0', 'a', '.', '_', '/', '+', '\u{0}', '\u{ff10}'] {
            assert!(!is_separator(c), "U+{:04X}", u32::from(c));
        }
    }
}
