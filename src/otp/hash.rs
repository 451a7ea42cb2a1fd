//! The three HMAC hash functions of RFC 4226, 6238 and 6287, with the key's HMAC state kept once.

use core::fmt;
use core::str::FromStr;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::error::{Error, Result};

/// The hash function under HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashAlgorithm {
    /// SHA-1, the default of RFC 4226 and of every authenticator app.
    #[default]
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The name as RFC 6287 suites and Key URIs write it: `SHA1`, `SHA256`, `SHA512`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// Bytes of one digest: 20, 32 or 64.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// The plain digest of `data` (OCRA hashes the PIN with it).
    #[must_use]
    pub fn digest(self, data: &[u8]) -> Digest {
        use sha2::Digest as _;
        let mut out = Digest::empty();
        match self {
            Self::Sha1 => out.fill(&Sha1::digest(data)),
            Self::Sha256 => out.fill(&Sha256::digest(data)),
            Self::Sha512 => out.fill(&Sha512::digest(data)),
        }
        out
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashAlgorithm {
    type Err = Error;

    /// Accepts `SHA1`, `SHA-1`, `sha1` and the like for each of the three.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "SHA1" | "SHA-1" => Ok(Self::Sha1),
            "SHA256" | "SHA-256" => Ok(Self::Sha256),
            "SHA512" | "SHA-512" => Ok(Self::Sha512),
            _ => Err(Error::InvalidHash),
        }
    }
}

/// A digest or MAC of at most 64 bytes, held on the stack so no code costs an allocation.
#[derive(Clone)]
pub struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    const fn empty() -> Self {
        Self {
            bytes: [0; 64],
            len: 0,
        }
    }

    /// A digest holding a copy of `data` (at most 64 bytes are kept).
    pub(crate) fn from_slice(data: &[u8]) -> Self {
        let mut out = Self::empty();
        out.fill(data);
        out
    }

    fn fill(&mut self, data: &[u8]) {
        let len = data.len().min(self.bytes.len());
        if let (Some(dst), Some(src)) = (self.bytes.get_mut(..len), data.get(..len)) {
            dst.copy_from_slice(src);
        }
        self.len = len;
    }

    /// The digest's bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl zeroize::Zeroize for Digest {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
    }
}

impl Drop for Digest {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self);
    }
}

/// An HMAC key whose inner and outer pad states are computed once; each [`HmacKey::mac`] then
/// costs only the message's compressions. Cheap to reuse across a verification window.
#[derive(Clone)]
pub struct HmacKey {
    state: HmacState,
}

#[derive(Clone)]
enum HmacState {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl HmacKey {
    /// Prepares `key` for HMAC with `algorithm`.
    ///
    /// # Errors
    /// [`Error::InvalidSecretLength`] for an empty key.
    pub fn new(algorithm: HashAlgorithm, key: &[u8]) -> Result<Self> {
        if key.is_empty() {
            return Err(Error::InvalidSecretLength(0));
        }
        let bad_len = |_| Error::InvalidSecretLength(key.len());
        let state = match algorithm {
            HashAlgorithm::Sha1 => HmacState::Sha1(Hmac::new_from_slice(key).map_err(bad_len)?),
            HashAlgorithm::Sha256 => HmacState::Sha256(Hmac::new_from_slice(key).map_err(bad_len)?),
            HashAlgorithm::Sha512 => HmacState::Sha512(Hmac::new_from_slice(key).map_err(bad_len)?),
        };
        Ok(Self { state })
    }

    /// HMAC of the concatenation of `parts`.
    #[must_use]
    pub fn mac(&self, parts: &[&[u8]]) -> Digest {
        #[cfg(test)]
        MAC_CALLS.with(|calls| calls.set(calls.get() + 1));
        fn run<M: Mac + Clone>(mac: &M, parts: &[&[u8]], out: &mut Digest) {
            let mut mac = mac.clone();
            for part in parts {
                mac.update(part);
            }
            out.fill(&mac.finalize().into_bytes());
        }
        let mut out = Digest::empty();
        match &self.state {
            HmacState::Sha1(m) => run(m, parts, &mut out),
            HmacState::Sha256(m) => run(m, parts, &mut out),
            HmacState::Sha512(m) => run(m, parts, &mut out),
        }
        out
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey([REDACTED])")
    }
}

#[cfg(test)]
thread_local! {
    /// HMACs computed on this thread: lets tests prove a verification scans its whole window.
    pub(crate) static MAC_CALLS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// The number of HMACs `f` computes on this thread.
#[cfg(test)]
pub(crate) fn macs_computed_by(f: impl FnOnce()) -> u64 {
    let before = MAC_CALLS.with(core::cell::Cell::get);
    f();
    MAC_CALLS.with(core::cell::Cell::get) - before
}
