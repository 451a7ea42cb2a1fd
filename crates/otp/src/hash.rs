//! The three HMAC hash functions of RFC 4226, 6238 and 6287, with the key's HMAC state kept once.

use core::fmt;
use core::str::FromStr;

use sha1::Sha1;
use sha2::{Sha256, Sha512};
use zeroize::Zeroize as _;

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
        // Only the first `len` bytes were ever written (`empty` starts all zero).
        self.bytes.get_mut(..self.len).unwrap_or_default().zeroize();
        self.len = 0;
    }
}

impl Drop for Digest {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self);
    }
}

/// An HMAC key ([RFC 2104]) whose inner and outer pad blocks are compressed once, when the key
/// is prepared; each [`HmacKey::mac`] then costs only the message's compressions: two for the
/// 8-byte counter of HOTP and TOTP (one inner block, one outer block), as few as HMAC allows.
/// Cheap to reuse across a verification window, and [`HmacKey::mac`] never allocates.
///
/// The compression functions are RustCrypto's (`sha1::compress`, `sha2::compress256`,
/// `sha2::compress512`, with SHA-NI where the CPU has it); only the padding of FIPS 180-4
/// section 5.1 is done here, so that no per-code state is built beyond a copy of the chaining
/// values. Tested against RFC 2202 and RFC 4231 and against the `hmac` crate.
///
/// [RFC 2104]: https://www.rfc-editor.org/rfc/rfc2104
#[derive(Clone)]
pub struct HmacKey {
    state: HmacState,
}

#[derive(Clone)]
enum HmacState {
    Sha1(Pads<Sha1Compress>),
    Sha256(Pads<Sha256Compress>),
    Sha512(Pads<Sha512Compress>),
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
        let state = match algorithm {
            HashAlgorithm::Sha1 => HmacState::Sha1(Pads::new(key, algorithm)),
            HashAlgorithm::Sha256 => HmacState::Sha256(Pads::new(key, algorithm)),
            HashAlgorithm::Sha512 => HmacState::Sha512(Pads::new(key, algorithm)),
        };
        Ok(Self { state })
    }

    /// HMAC of the concatenation of `parts`.
    #[must_use]
    pub fn mac(&self, parts: &[&[u8]]) -> Digest {
        #[cfg(test)]
        MAC_CALLS.with(|calls| calls.set(calls.get() + 1));
        let mut out = Digest::empty();
        match &self.state {
            HmacState::Sha1(pads) => pads.mac(parts, &mut out),
            HmacState::Sha256(pads) => pads.mac(parts, &mut out),
            HmacState::Sha512(pads) => pads.mac(parts, &mut out),
        }
        out
    }
}

/// One Merkle-Damgard compression function of FIPS 180-4 with its block and state shapes.
trait Compress {
    /// The chaining values.
    type State: Copy + zeroize::Zeroize;
    /// One message block (64 or 128 bytes).
    type Block: Default + AsRef<[u8]> + AsMut<[u8]>;
    /// Bytes of one block.
    const BLOCK: usize;
    /// The initial hash value (FIPS 180-4 section 5.3).
    const INIT: Self::State;
    /// Bytes of the digest.
    const OUT: usize;
    /// Bytes of the message length at the end of the last block (8 or 16).
    const LEN_BYTES: usize;
    /// Processes one block.
    fn compress(state: &mut Self::State, block: &Self::Block);
    /// Writes the first `out.len()` bytes of the digest, big-endian.
    fn write(state: &Self::State, out: &mut [u8]);
}

type Block64 = sha2::digest::generic_array::GenericArray<u8, sha2::digest::consts::U64>;
type Block128 = sha2::digest::generic_array::GenericArray<u8, sha2::digest::consts::U128>;

#[derive(Clone, Copy)]
struct Sha1Compress;
#[derive(Clone, Copy)]
struct Sha256Compress;
#[derive(Clone, Copy)]
struct Sha512Compress;

impl Compress for Sha1Compress {
    type State = [u32; 5];
    type Block = Block64;
    const BLOCK: usize = 64;
    const INIT: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    const OUT: usize = 20;
    const LEN_BYTES: usize = 8;
    fn compress(state: &mut [u32; 5], block: &Block64) {
        sha1::compress(state, core::slice::from_ref(block));
    }
    fn write(state: &[u32; 5], out: &mut [u8]) {
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
    }
}

impl Compress for Sha256Compress {
    type State = [u32; 8];
    type Block = Block64;
    const BLOCK: usize = 64;
    const INIT: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const OUT: usize = 32;
    const LEN_BYTES: usize = 8;
    fn compress(state: &mut [u32; 8], block: &Block64) {
        sha2::compress256(state, core::slice::from_ref(block));
    }
    fn write(state: &[u32; 8], out: &mut [u8]) {
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
    }
}

impl Compress for Sha512Compress {
    type State = [u64; 8];
    type Block = Block128;
    const BLOCK: usize = 128;
    const INIT: [u64; 8] = [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ];
    const OUT: usize = 64;
    const LEN_BYTES: usize = 16;
    fn compress(state: &mut [u64; 8], block: &Block128) {
        sha2::compress512(state, core::slice::from_ref(block));
    }
    fn write(state: &[u64; 8], out: &mut [u8]) {
        for (chunk, word) in out.chunks_exact_mut(8).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
    }
}

/// The chaining values after compressing `K ^ ipad` and `K ^ opad` (RFC 2104 section 2).
#[derive(Clone)]
struct Pads<C: Compress> {
    inner: C::State,
    outer: C::State,
}

impl<C: Compress> Pads<C> {
    fn new(key: &[u8], algorithm: HashAlgorithm) -> Self {
        // A key longer than a block is replaced by its digest (RFC 2104 section 2).
        let hashed;
        let key = if key.len() > C::BLOCK {
            hashed = algorithm.digest(key);
            hashed.as_bytes()
        } else {
            key
        };
        let pad = |byte: u8| {
            let mut block = C::Block::default();
            for (b, k) in block
                .as_mut()
                .iter_mut()
                .zip(key.iter().chain(core::iter::repeat(&0)))
            {
                *b = k ^ byte;
            }
            let mut state = C::INIT;
            C::compress(&mut state, &block);
            block.as_mut().zeroize();
            state
        };
        Self {
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// `H(K ^ opad || H(K ^ ipad || parts))` into `out`.
    fn mac(&self, parts: &[&[u8]], out: &mut Digest) {
        let mut state = self.inner;
        let mut block = C::Block::default();
        let mut filled = 0;
        // The ipad block is already in `state`.
        let mut total = C::BLOCK as u64;
        for part in parts {
            total = total.wrapping_add(part.len() as u64);
            let mut rest: &[u8] = part;
            while !rest.is_empty() {
                let room = block.as_mut().get_mut(filled..).unwrap_or_default();
                let take = room.len().min(rest.len());
                let (now, later) = rest.split_at(take);
                if let Some(dst) = room.get_mut(..take) {
                    dst.copy_from_slice(now);
                }
                rest = later;
                filled += take;
                if filled == C::BLOCK {
                    C::compress(&mut state, &block);
                    // Bytes past `filled` must be zero for the padding: a whole new block is a
                    // fixed-size store, cheaper than clearing a tail of variable length.
                    block = C::Block::default();
                    filled = 0;
                }
            }
        }
        finish::<C>(&mut state, &mut block, filled, total);
        // The outer hash: one block holding the inner digest, 0x80, zeros and the length.
        let mut block = C::Block::default();
        C::write(&state, block.as_mut().get_mut(..C::OUT).unwrap_or_default());
        let mut state = self.outer;
        finish::<C>(&mut state, &mut block, C::OUT, (C::BLOCK + C::OUT) as u64);
        out.len = C::OUT;
        C::write(&state, out.bytes.get_mut(..C::OUT).unwrap_or_default());
    }
}

/// Pads a message of `total` bytes whose last `filled` bytes are in `block`, the rest of which
/// is zero (FIPS 180-4 section 5.1), and compresses what is left.
fn finish<C: Compress>(state: &mut C::State, block: &mut C::Block, filled: usize, total: u64) {
    if let Some(first) = block.as_mut().get_mut(filled) {
        *first = 0x80;
    }
    if filled >= C::BLOCK - C::LEN_BYTES {
        C::compress(state, block);
        *block = C::Block::default();
    }
    let bits = total.wrapping_mul(8).to_be_bytes();
    if let Some(end) = block.as_mut().get_mut(C::BLOCK - 8..) {
        end.copy_from_slice(&bits);
    }
    C::compress(state, block);
}

impl<C: Compress> Drop for Pads<C> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
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
