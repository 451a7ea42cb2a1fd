//! `OcraSuite::from_str` on any text: an `InvalidSuite` error, or a suite that prints back as
//! exactly the text it was parsed from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::{Error, OcraSuite};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.parse::<OcraSuite>() {
        Ok(suite) => {
            assert_eq!(
                suite.to_string(),
                text,
                "a parsed suite prints back unchanged"
            );
            let again: OcraSuite = suite.to_string().parse().expect("a printed suite parses");
            assert_eq!(again, suite);
        }
        Err(e) => assert!(
            matches!(e, Error::InvalidSuite(_)),
            "unexpected error {e:?}"
        ),
    }
});
