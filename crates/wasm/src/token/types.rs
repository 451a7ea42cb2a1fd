//! TypeScript declarations of the token API's arguments and results.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TOKEN_TYPES: &str = r#"
/** A user of the soft token as `users()` lists it: never any key material. */
export interface TokenUser {
  /** Names the user in every call. */
  id: string;
  username: string;
  /** The portal. */
  issuer: string;
  type: "ocra" | "totp";
  /** OCRA: the suite. */
  suite?: string;
  /** OCRA suites with a counter: the counter of the next response. */
  counter?: number;
  /** TOTP: hash, digits, seconds per step, T0. */
  algorithm?: HashName;
  digits?: number;
  step?: number;
  t0?: number;
  /** The device the user was activated on. */
  deviceId: string;
  /** Unix seconds. */
  createdAt: number;
  /** The handle of its device credential (never the key); absent for a user activated before
   * device authentication, which answers challenges but cannot prove itself for pushes. */
  deviceHandle?: string;
}
/** A user to add. Give `suite` (OCRA; default "OCRA-1:HOTP-SHA256-8:QN08") or `totp`, not both. */
export interface NewTokenUser {
  username: string;
  issuer: string;
  /** 16 to 64 bytes, or the same as Base32 text. */
  secret: Uint8Array | string;
  /** 4 to 12 digits, not an obvious one (0000, 1234, 2580, ...). */
  pin: string;
  suite?: string;
  /** The first counter, for suites with C (default 0). */
  counter?: number;
  totp?: { algorithm?: HashName; digits?: number; step?: number; t0?: number };
  /** PBKDF2 iterations; leave the default (chosen for ~0.3 s) except in tests. */
  iterations?: number;
  /**
   * The id of a user this one replaces (the same account activated again): the old user is
   * removed in the same transaction, so it stays if the new one cannot be stored.
   */
  replaces?: string;
  /** The device credential of the activation answer (`deviceHandle`, `deviceKey` in hex), given
   * together: kept with the user (not under the PIN) for `deviceProof`. */
  deviceHandle?: string;
  deviceKey?: string;
}
/** Options of `respond`: session information in hex, for suites with S. */
export interface RespondOptions { session?: string; }
/** How a security card is issued. */
export interface SecurityCardOptions {
  /** 16 to 64 bytes, or Base32 text. */
  secret: Uint8Array | string;
  /** Exactly 4 digits, not an obvious one. */
  pin: string;
  /** Default "OCRA-1:HOTP-SHA256-8:QN06-PSHA1". */
  suite?: string;
  /** The serial number printed on the card (default "DSC+"). */
  serial?: string;
  /** PBKDF2 iterations; leave the default except in tests. */
  iterations?: number;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `TokenUser` in TypeScript.
    #[wasm_bindgen(typescript_type = "TokenUser")]
    pub type TokenUserJs;
    /// `NewTokenUser` in TypeScript.
    #[wasm_bindgen(typescript_type = "NewTokenUser")]
    pub type NewTokenUserJs;
    /// `RespondOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "RespondOptions")]
    pub type RespondOptionsJs;
    /// `SecurityCardOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "SecurityCardOptions")]
    pub type SecurityCardOptionsJs;
    /// A database name, `string` in TypeScript.
    #[wasm_bindgen(typescript_type = "string")]
    pub type DatabaseNameJs;
}
