#![doc = include_str!("../README.md")]

pub mod entropy;
pub mod otp;
pub mod token;
pub mod verifier;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
