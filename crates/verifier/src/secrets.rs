//! Random ids and codes, and the hashes the verifier stores instead of codes and passwords.

use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

use super::error::{Error, Result};
use super::policy::Policy;
use super::ports::Entropy;
use super::vault::KeyVault;
use secure_login_otp::{hex_encode, Secret};

/// A new factor secret of `len` bytes from the entropy port.
pub(crate) fn random_secret(entropy: &dyn Entropy, len: usize) -> Result<Secret> {
    Ok(Secret::generate(len, |buf: &mut [u8]| entropy.fill(buf))?)
}

/// A random id: 128 bits in hex.
pub(crate) fn random_id(entropy: &dyn Entropy) -> Result<String> {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes)?;
    Ok(hex_encode(&bytes))
}

/// A uniformly random number below `n` (n >= 1).
pub(crate) fn random_below(entropy: &dyn Entropy, n: u32) -> Result<u32> {
    let n = n.max(1);
    // Reject the top of the range so every value is equally likely.
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let mut bytes = [0u8; 4];
        entropy.fill(&mut bytes)?;
        let value = u32::from_le_bytes(bytes);
        if value < zone {
            return Ok(value % n);
        }
    }
}

/// `len` random characters from `alphabet`.
pub(crate) fn random_text(entropy: &dyn Entropy, alphabet: &[u8], len: usize) -> Result<String> {
    let count =
        u32::try_from(alphabet.len()).map_err(|_| Error::InvalidInput("alphabet too large"))?;
    (0..len)
        .map(|_| {
            let i = random_below(entropy, count)?;
            alphabet
                .get(usize::try_from(i).unwrap_or(0))
                .map(|&b| char::from(b))
                .ok_or(Error::InvalidInput("empty alphabet"))
        })
        .collect()
}

/// `len` random decimal digits.
pub(crate) fn random_digits(entropy: &dyn Entropy, len: usize) -> Result<String> {
    random_text(entropy, b"0123456789", len)
}

/// A fresh salt and the keyed hash of `code` under it, both hex. Codes are stored only this way:
/// HMAC-SHA256 under the vault's code-hash key, so the 10^6 candidates of a 6-digit code cannot
/// be tried against a stored hash without that key.
pub(crate) fn hash_code(
    entropy: &dyn Entropy,
    vault: &dyn KeyVault,
    code: &str,
) -> Result<(String, String)> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt)?;
    let salt_hex = hex_encode(&salt);
    Ok((salt_hex.clone(), keyed_hash(vault, &salt_hex, code)))
}

/// Whether `typed` hashes to `hash_hex` under `salt_hex`, compared in constant time.
pub(crate) fn code_matches(
    vault: &dyn KeyVault,
    salt_hex: &str,
    hash_hex: &str,
    typed: &str,
) -> bool {
    bool::from(
        keyed_hash(vault, salt_hex, typed)
            .as_bytes()
            .ct_eq(hash_hex.as_bytes()),
    )
}

fn keyed_hash(vault: &dyn KeyVault, salt_hex: &str, code: &str) -> String {
    let mut data = zeroize::Zeroizing::new(Vec::with_capacity(salt_hex.len() + 1 + code.len()));
    data.extend_from_slice(salt_hex.as_bytes());
    data.push(0);
    data.extend_from_slice(code.as_bytes());
    hex_encode(&vault.code_mac(&data))
}

/// A keyed hash of a phone number, hex: lets the per-number throttle key on it without storing
/// it (unkeyed, the few billion numbers could be tried).
pub(crate) fn phone_key(vault: &dyn KeyVault, phone: &str) -> String {
    let mut data = b"phone\0".to_vec();
    data.extend_from_slice(phone.as_bytes());
    hex_encode(&vault.code_mac(&data))
}

fn argon2(policy: &Policy) -> Result<Argon2<'static>> {
    let params = Params::new(
        policy.password_memory_kib,
        policy.password_iterations,
        1,
        None,
    )
    .map_err(|_| Error::InvalidInput("impossible argon2 parameters"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An Argon2id hash of `password` in PHC format.
pub(crate) fn hash_password(
    password: &str,
    policy: &Policy,
    entropy: &dyn Entropy,
) -> Result<String> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| Error::InvalidInput("salt"))?;
    argon2(policy)?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| Error::InvalidInput("the password could not be hashed"))
}

/// Whether `password` matches the PHC string `hash` (its own parameters are used), compared in
/// constant time. As the argon2 crate's `verify_password`, but in work memory kept between
/// checks (see [`with_work_memory`]).
pub(crate) fn password_matches(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        version,
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = zeroize::Zeroizing::new(vec![0u8; expected.len()]);
    let hashed = with_work_memory(blocks, |memory| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, memory)
    });
    hashed.is_ok() && bool::from(computed.as_slice().ct_eq(expected.as_bytes()))
}

/// Argon2 work memory (19 MiB by default) kept between password checks, as many buffers as the
/// machine has cores. Allocated afresh for every check, whether the allocator reused the block
/// depended on what else the request had allocated: a known user's check (which also reads the
/// account) then came out faster in median than an unknown user's, and slower in its tail, a
/// difference an attacker could time (SECURITY.md). Kept, the memory is already mapped for
/// every check alike. Argon2 overwrites every block it uses, so nothing leaks between checks.
fn with_work_memory<T>(blocks: usize, run: impl FnOnce(&mut [Block]) -> T) -> T {
    static KEPT: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
    let mut memory = KEPT
        .lock()
        .ok()
        .and_then(|mut kept| kept.pop())
        .unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let result = run(memory.get_mut(..blocks).unwrap_or_default());
    let room = std::thread::available_parallelism().map_or(1, usize::from);
    if let Ok(mut kept) = KEPT.lock() {
        if kept.len() < room {
            kept.push(memory);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordVerifier as _;

    use super::*;

    /// The argon2 crate's own check, the oracle for `password_matches`.
    fn upstream(password: &str, hash: &str) -> bool {
        PasswordHash::new(hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    }

    fn phc(algorithm: Algorithm, version: Version, m: u32, t: u32, password: &str) -> String {
        let params = Params::new(m, t, 1, None).unwrap();
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        Argon2::new(algorithm, version, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn password_matches_agrees_with_the_argon2_crate() {
        let mut hashes = Vec::new();
        for algorithm in [Algorithm::Argon2id, Algorithm::Argon2i, Algorithm::Argon2d] {
            for version in [Version::V0x13, Version::V0x10] {
                for (m, t) in [(64, 1), (256, 2), (8, 3)] {
                    hashes.push(phc(algorithm, version, m, t, "correct horse"));
                }
            }
        }
        // Shapes the parser or the parameters refuse.
        let good = hashes[0].clone();
        hashes.push(good.replace("m=64", "m=7"));
        hashes.push(good.replace("$argon2id$", "$argon2x$"));
        hashes.push(good.rsplit_once('$').unwrap().0.to_owned());
        hashes.push(format!("{good}A"));
        hashes.push(String::new());
        hashes.push("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$".to_owned());
        let mut matched = 0;
        for hash in &hashes {
            for password in ["correct horse", "correct horsE", "", "correct horse "] {
                let ours = password_matches(password, hash);
                assert_eq!(
                    ours,
                    upstream(password, hash),
                    "{password:?} against {hash}"
                );
                matched += usize::from(ours);
            }
        }
        assert_eq!(matched, 18, "each good hash matched its password once");
    }

    #[test]
    fn checks_in_parallel_share_the_kept_memory_safely() {
        let hashes: Vec<String> = (0..4)
            .map(|i| phc(Algorithm::Argon2id, Version::V0x13, 64 << i, 1, "pw"))
            .collect();
        std::thread::scope(|scope| {
            for round in 0..8 {
                let hashes = &hashes;
                scope.spawn(move || {
                    for (i, hash) in hashes.iter().enumerate() {
                        assert!(password_matches("pw", hash), "round {round}, hash {i}");
                        assert!(!password_matches("px", hash), "round {round}, hash {i}");
                    }
                });
            }
        });
    }
}
