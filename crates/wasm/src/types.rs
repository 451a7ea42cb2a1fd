//! The shapes of JavaScript arguments and results, with their TypeScript declarations.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** The HMAC hash. Lower case and "SHA-1" spellings are accepted too. */
export type HashName = "SHA1" | "SHA256" | "SHA512";
/** Options of `hotp`. Defaults: 6 digits, SHA1. */
export interface HotpOptions { digits?: number; hash?: HashName; }
/** Options of `verifyHotp`: also how many counters past `counter` to try (default 0, at most 1000). */
export interface VerifyHotpOptions extends HotpOptions { lookAhead?: number; }
/** Options of `totp`. Defaults: 6 digits, SHA1, 30-second steps from T0 = 0. */
export interface TotpOptions { digits?: number; hash?: HashName; step?: number; t0?: number; }
/** Options of `verifyTotp`: also how many steps either side to try (default 1). */
export interface VerifyTotpOptions extends TotpOptions { window?: number; }
/** The data input of an OCRA computation; give exactly the parts the suite names. */
export interface OcraInput {
  /** One challenge, or two for mutual challenge/response (server: [client, server]; client: [server, client]). */
  challenge: string | [string, string];
  /** Counter C. */
  counter?: number | bigint;
  /** The PIN, hashed with the suite's P hash... */
  pin?: string;
  /** ...or its hash, in hex. */
  pinHash?: string;
  /** Session information S, in hex. */
  session?: string;
  /** Unix seconds, divided by the suite's time step... */
  time?: number;
  /** ...or the number of time steps itself. */
  timestep?: number | bigint;
}
/** Options of `verifyOcra` (both default 0). */
export interface OcraVerifyOptions { counterLookAhead?: number; timeWindow?: number; }
/** The counter that matched: store `counter + 1`. */
export interface HotpMatch { counter: number | bigint; }
/** The time step that matched, and how far from the verifier's clock. */
export interface TotpMatch { step: number; offset: number; }
/** What an OCRA verification matched (for suites with C and T). */
export interface OcraMatch { counter?: number | bigint; timeStep?: number | bigint; }
/** A parsed OCRA suite. */
export interface OcraSuiteInfo {
  suite: string;
  hash: HashName;
  /** Response digits; 0 means the whole HMAC in hex. */
  digits: number;
  counter: boolean;
  challenge: { format: "alphanumeric" | "numeric" | "hex"; maxLength: number };
  pin?: HashName;
  sessionLength?: number;
  /** Seconds per time step. */
  timeStep?: number;
}
/** A provisioning Key URI (`otpauth://`), parsed or to format. */
export interface KeyUriInfo {
  type: "totp" | "hotp" | "ocra";
  account: string;
  issuer?: string;
  secret: Uint8Array;
  algorithm?: HashName;
  digits?: number;
  period?: number;
  counter?: number | bigint;
  ocraSuite?: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `HotpOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "HotpOptions")]
    pub type HotpOptionsJs;
    /// `VerifyHotpOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "VerifyHotpOptions")]
    pub type VerifyHotpOptionsJs;
    /// `TotpOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "TotpOptions")]
    pub type TotpOptionsJs;
    /// `VerifyTotpOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "VerifyTotpOptions")]
    pub type VerifyTotpOptionsJs;
    /// `OcraInput` in TypeScript.
    #[wasm_bindgen(typescript_type = "OcraInput")]
    pub type OcraInputJs;
    /// `OcraVerifyOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "OcraVerifyOptions")]
    pub type OcraVerifyOptionsJs;
    /// `HotpMatch` in TypeScript.
    #[wasm_bindgen(typescript_type = "HotpMatch")]
    pub type HotpMatchJs;
    /// `TotpMatch` in TypeScript.
    #[wasm_bindgen(typescript_type = "TotpMatch")]
    pub type TotpMatchJs;
    /// `OcraMatch` in TypeScript.
    #[wasm_bindgen(typescript_type = "OcraMatch")]
    pub type OcraMatchJs;
    /// `OcraSuiteInfo` in TypeScript.
    #[wasm_bindgen(typescript_type = "OcraSuiteInfo")]
    pub type OcraSuiteInfoJs;
    /// `KeyUriInfo` in TypeScript.
    #[cfg(feature = "provisioning")]
    #[wasm_bindgen(typescript_type = "KeyUriInfo")]
    pub type KeyUriInfoJs;
    /// `number | bigint` in TypeScript.
    #[wasm_bindgen(typescript_type = "number | bigint")]
    pub type Counter;
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct HotpOptions {
    pub digits: Option<u32>,
    pub hash: Option<String>,
    pub look_ahead: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TotpOptions {
    pub digits: Option<u32>,
    pub hash: Option<String>,
    pub step: Option<u64>,
    pub t0: Option<u64>,
    pub window: Option<u32>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Challenges {
    One(String),
    Two(String, String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct OcraInput {
    pub challenge: Challenges,
    pub counter: Option<u64>,
    pub pin: Option<String>,
    pub pin_hash: Option<String>,
    pub session: Option<String>,
    pub time: Option<u64>,
    pub timestep: Option<u64>,
}

impl Drop for OcraInput {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pin);
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct OcraVerifyOptions {
    pub counter_look_ahead: Option<u32>,
    pub time_window: Option<u32>,
}

#[derive(Serialize)]
pub(crate) struct HotpMatch {
    #[serde(serialize_with = "js_u64")]
    pub counter: u64,
}

#[derive(Serialize)]
pub(crate) struct TotpMatch {
    #[serde(serialize_with = "js_u64")]
    pub step: u64,
    pub offset: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OcraMatch {
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "js_opt_u64")]
    pub counter: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "js_opt_u64")]
    pub time_step: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChallengeInfo {
    pub format: &'static str,
    pub max_length: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OcraSuiteInfo {
    pub suite: String,
    pub hash: &'static str,
    pub digits: u8,
    pub counter: bool,
    pub challenge: ChallengeInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_length: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_step: Option<u64>,
}

#[cfg(feature = "provisioning")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KeyUriInfo {
    #[serde(rename = "type")]
    pub kind: String,
    pub account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(with = "serde_bytes_as_uint8array")]
    pub secret: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "js_opt_u64"
    )]
    pub counter: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocra_suite: Option<String>,
}

#[cfg(feature = "provisioning")]
impl Drop for KeyUriInfo {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// `Vec<u8>` as a `Uint8Array` both ways (serde-wasm-bindgen maps bytes to `Uint8Array`).
#[cfg(feature = "provisioning")]
mod serde_bytes_as_uint8array {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a Uint8Array")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_byte_buf(Visitor)
    }
}

/// A u64 as a JavaScript number where that is exact, else a BigInt (serde-wasm-bindgen writes
/// u128 as BigInt and refuses u64 above 2^53 - 1 as a number).
fn js_u64<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    if *v <= MAX_SAFE_INTEGER {
        s.serialize_u64(*v)
    } else {
        s.serialize_u128(u128::from(*v))
    }
}

#[allow(clippy::ref_option, reason = "serde's serialize_with signature")]
fn js_opt_u64<S: serde::Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => js_u64(v, s),
        None => s.serialize_none(),
    }
}
