//! `KeyUri::parse` on any text; a URI that parses and can be written again parses back to the same
//! token: kind, account, issuer, secret bytes and hash (and digits, except for OCRA).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::{KeyUri, TokenKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(first) = KeyUri::parse(text) else {
        return;
    };
    assert!(!first.account.is_empty());
    assert!(!first.secret.is_empty());
    // Writing may refuse (an account or issuer with ':'); it must not panic.
    let Ok(written) = first.to_uri() else {
        return;
    };
    let second = KeyUri::parse(&written).expect("a written Key URI parses");
    assert_eq!(second.kind, first.kind);
    assert_eq!(second.account, first.account);
    assert_eq!(second.issuer, first.issuer);
    assert_eq!(second.secret.expose_secret(), first.secret.expose_secret());
    assert_eq!(second.algorithm, first.algorithm);
    if !matches!(first.kind, TokenKind::Ocra { .. }) {
        assert_eq!(second.digits, first.digits);
    }
    assert_eq!(second.to_uri().expect("writes again"), written);
});
