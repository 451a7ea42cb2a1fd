//! `base32_decode` (and `hex_decode`) on any text; what decodes re-encodes and decodes to the
//! same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::{base32_decode, base32_encode, hex_decode, hex_encode, Secret};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = base32_decode(text) {
        assert!(!bytes.is_empty());
        assert_eq!(
            base32_decode(&base32_encode(&bytes)).expect("re-decodes"),
            bytes
        );
        assert_eq!(
            base32_decode(&base32_encode(&bytes).to_lowercase()).expect("lower case"),
            bytes
        );
    }
    if let Ok(bytes) = hex_decode(text) {
        assert_eq!(hex_decode(&hex_encode(&bytes)).expect("re-decodes"), bytes);
    }
    let _ = Secret::from_base32(text);
    let _ = Secret::from_hex(text);
});
