//! The RFC appendices' test vectors (`rfc4226.json`, `rfc6238.json`, `rfc6287.json`, `hmac.json`
//! beside this file) as typed records: one definition for every test that reads them (the OTP
//! core's `vectors.rs` natively and in Chromium, the CLI's `cli.rs`), each including this file with
//! `#[path]`.

#![allow(dead_code, clippy::expect_used)]

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Rfc4226 {
    pub secret_hex: String,
    pub digits: u32,
    pub cases: Vec<HotpCase>,
}
#[derive(Deserialize)]
pub struct HotpCase {
    pub counter: u64,
    pub hotp: String,
}

#[derive(Deserialize)]
pub struct Rfc6238 {
    pub step: u64,
    pub t0: u64,
    pub digits: u32,
    pub cases: Vec<TotpCase>,
}
#[derive(Deserialize)]
pub struct TotpCase {
    pub time: u64,
    pub step_hex: String,
    pub hash: String,
    pub secret_hex: String,
    pub totp: String,
}

#[derive(Deserialize)]
pub struct Rfc6287 {
    pub pin_sha1_hex: String,
    pub cases: Vec<OcraCase>,
}
#[derive(Deserialize)]
pub struct OcraCase {
    pub section: String,
    pub suite: String,
    pub key_hex: String,
    pub challenges: Vec<String>,
    pub response: String,
    pub counter: Option<u64>,
    pub pin: Option<String>,
    pub time_steps_hex: Option<String>,
}

#[derive(Deserialize)]
pub struct HmacFile {
    pub cases: Vec<HmacCase>,
}
#[derive(Deserialize)]
pub struct HmacCase {
    pub rfc: String,
    pub case: String,
    pub hash: String,
    pub key_hex: String,
    pub data_hex: String,
    pub mac_hex: String,
}

/// RFC 4226, Appendix D.
pub fn rfc4226() -> Rfc4226 {
    serde_json::from_str(include_str!("rfc4226.json")).expect("rfc4226.json")
}

/// RFC 6238, Appendix B.
pub fn rfc6238() -> Rfc6238 {
    serde_json::from_str(include_str!("rfc6238.json")).expect("rfc6238.json")
}

/// RFC 6287, Appendix C.
pub fn rfc6287() -> Rfc6287 {
    serde_json::from_str(include_str!("rfc6287.json")).expect("rfc6287.json")
}

/// RFC 2202 and RFC 4231 HMAC cases.
pub fn hmac() -> HmacFile {
    serde_json::from_str(include_str!("hmac.json")).expect("hmac.json")
}
