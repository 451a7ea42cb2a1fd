//! Backups for migration and recovery (the seed's "move IB Key to a new phone"): every user of a
//! token in one file, encrypted under a passphrase.
//!
//! The file is a versioned JSON envelope:
//!
//! ```text
//! { "format": "secure-login-backup", "version": 1,
//!   "kdf": { "algorithm": "argon2id", "memoryKib": 65536, "passes": 3, "parallelism": 4, "salt": hex },
//!   "cipher": "ChaCha20-Poly1305", "nonce": hex (12 bytes),
//!   "check": hex (16 bytes), "ciphertext": base64, "digest": hex (SHA-256) }
//! ```
//!
//! * `master = Argon2id(passphrase, salt, memoryKib, passes, parallelism)` (RFC 9106; the
//!   default is its second recommended option, 64 MiB, 3 passes, 4 lanes), 32 bytes;
//!   `key = HMAC-SHA256(master, "secure-login backup v1 key")`,
//!   `check = HMAC-SHA256(master, "secure-login backup v1 check")[..16]`.
//! * `ciphertext = ChaCha20-Poly1305(key, nonce, plaintext, aad = header)` (RFC 8439), where the
//!   header is every field above but `check`, `ciphertext` and `digest`, one per line; the
//!   plaintext is `{ "users": [user records, schema 2], "exportedAt": unix seconds }`. The user
//!   records still hold only wrapped keys: a backup opened with its passphrase still needs each
//!   user's PIN.
//! * `digest = SHA-256(header || "\n" || check || "\n" || ciphertext)`, unkeyed: it tells a file
//!   damaged or edited (`BackupTampered`) from a wrong passphrase (`WrongPassphrase`, when the
//!   `check` differs); an edit that also fixes the digest is still caught by the cipher's tag
//!   (`BackupTampered`), or, if it touched the salt or the KDF parameters, reads as a wrong
//!   passphrase. Either way nothing is imported.

use base64ct::Encoding as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::record::UserRecord;
use secure_login_otp::{hex_decode, hex_encode};

/// The `format` of a backup file.
pub const BACKUP_FORMAT: &str = "secure-login-backup";
/// The `version` written today.
pub const BACKUP_VERSION: u32 = 1;
/// Bytes of the Argon2 salt.
pub const BACKUP_SALT_LEN: usize = 16;
/// Bytes of the ChaCha20-Poly1305 nonce.
pub const BACKUP_NONCE_LEN: usize = 12;
/// The largest backup file read.
pub const MAX_BACKUP_LEN: usize = 1 << 20;
/// The fewest characters of a passphrase for a new backup.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// The most bytes of a passphrase.
pub const MAX_PASSPHRASE_LEN: usize = 1024;

const CIPHER: &str = "ChaCha20-Poly1305";
const KDF_ALGORITHM: &str = "argon2id";
const CHECK_LEN: usize = 16;

/// Argon2id parameters of a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupKdf {
    memory_kib: u32,
    passes: u32,
    parallelism: u32,
}

impl BackupKdf {
    /// RFC 9106 section 4's second recommended option (for memory-constrained settings):
    /// Argon2id with 64 MiB, 3 passes, 4 lanes. A backup is made rarely and its file may travel,
    /// so it may cost more than a PIN unwrap: an export took 0.30 s and an import 0.21 s in
    /// headless Chromium on the development machine (release build; the `backup_cost`
    /// measurement of `tests/web_token.rs`).
    pub const DEFAULT: Self = Self {
        memory_kib: 65_536,
        passes: 3,
        parallelism: 4,
    };

    /// Other parameters: memory 1 to 64 MiB (wasm32 memory is precious; a hostile file must
    /// not make the page allocate more), 1 to 10 passes, 1 to 4 lanes.
    ///
    /// # Errors
    /// [`Error::BackupUnsupported`] outside those bounds.
    pub fn new(memory_kib: u32, passes: u32, parallelism: u32) -> Result<Self> {
        let ok = (1024..=65_536).contains(&memory_kib)
            && (1..=10).contains(&passes)
            && (1..=4).contains(&parallelism);
        if ok {
            Ok(Self {
                memory_kib,
                passes,
                parallelism,
            })
        } else {
            Err(Error::BackupUnsupported(
                "key-derivation parameters out of range",
            ))
        }
    }

    fn master(&self, passphrase: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let params = argon2::Params::new(self.memory_kib, self.passes, self.parallelism, Some(32))
            .map_err(|_| Error::BackupUnsupported("key-derivation parameters out of range"))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
            .map_err(|_| Error::BackupUnsupported("key-derivation parameters out of range"))?;
        Ok(out)
    }
}

impl Default for BackupKdf {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The random bytes one export needs, drawn by the caller.
#[derive(Clone, Copy)]
pub struct BackupRandom {
    /// The Argon2 salt.
    pub salt: [u8; BACKUP_SALT_LEN],
    /// The cipher nonce.
    pub nonce: [u8; BACKUP_NONCE_LEN],
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Envelope {
    format: String,
    version: u32,
    kdf: KdfJson,
    cipher: String,
    nonce: String,
    check: String,
    ciphertext: String,
    digest: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KdfJson {
    algorithm: String,
    memory_kib: u32,
    passes: u32,
    parallelism: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Payload1 {
    users: Vec<UserRecord>,
    exported_at: u64,
}

impl Envelope {
    fn header(&self) -> String {
        [
            self.format.as_str(),
            &self.version.to_string(),
            &self.kdf.algorithm,
            &self.kdf.memory_kib.to_string(),
            &self.kdf.passes.to_string(),
            &self.kdf.parallelism.to_string(),
            &self.kdf.salt,
            &self.cipher,
            &self.nonce,
        ]
        .join("\n")
    }

    fn digest(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(self.header().as_bytes());
        hash.update(b"\n");
        hash.update(self.check.as_bytes());
        hash.update(b"\n");
        hash.update(self.ciphertext.as_bytes());
        hex_encode(&hash.finalize())
    }
}

fn subkey(master: &[u8; 32], label: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master)
        .map_err(|_| Error::BackupUnsupported("key derivation"))?;
    mac.update(label);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    Ok(out)
}

fn check_value(master: &[u8; 32]) -> Result<[u8; CHECK_LEN]> {
    let full = subkey(master, b"secure-login backup v1 check")?;
    let mut out = [0u8; CHECK_LEN];
    out.copy_from_slice(full.get(..CHECK_LEN).unwrap_or(&[0; CHECK_LEN]));
    Ok(out)
}

fn check_passphrase_shape(passphrase: &str) -> Result<()> {
    if passphrase.len() > MAX_PASSPHRASE_LEN {
        return Err(Error::WeakPassphrase);
    }
    Ok(())
}

/// Writes a backup of `users` under `passphrase` (at least 10 characters).
///
/// # Errors
/// [`Error::WeakPassphrase`].
pub fn export(
    users: &[UserRecord],
    passphrase: &str,
    kdf: BackupKdf,
    random: BackupRandom,
    exported_at: u64,
) -> Result<String> {
    check_passphrase_shape(passphrase)?;
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase);
    }
    let plaintext = Zeroizing::new(
        serde_json::to_vec(&Payload1 {
            users: users.to_vec(),
            exported_at,
        })
        .map_err(|_| Error::BackupMalformed("serialization"))?,
    );
    let master = kdf.master(passphrase, &random.salt)?;
    let mut envelope = Envelope {
        format: BACKUP_FORMAT.to_owned(),
        version: BACKUP_VERSION,
        kdf: KdfJson {
            algorithm: KDF_ALGORITHM.to_owned(),
            memory_kib: kdf.memory_kib,
            passes: kdf.passes,
            parallelism: kdf.parallelism,
            salt: hex_encode(&random.salt),
        },
        cipher: CIPHER.to_owned(),
        nonce: hex_encode(&random.nonce),
        check: hex_encode(&check_value(&master)?),
        ciphertext: String::new(),
        digest: String::new(),
    };
    let key = subkey(&master, b"secure-login backup v1 key")?;
    let aad = envelope.header();
    let ciphertext = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()))
        .encrypt(
            Nonce::from_slice(&random.nonce),
            Payload {
                msg: &plaintext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Error::BackupMalformed("encryption failed"))?;
    envelope.ciphertext = base64ct::Base64::encode_string(&ciphertext);
    envelope.digest = envelope.digest();
    serde_json::to_string_pretty(&envelope).map_err(|_| Error::BackupMalformed("serialization"))
}

/// Reads a backup: the users it holds, each record checked.
///
/// # Errors
/// [`Error::BackupMalformed`] for text that is not a backup; [`Error::BackupUnsupported`] for
/// another version, cipher or KDF; [`Error::BackupTampered`] for a file changed after it was
/// written; [`Error::WrongPassphrase`].
pub fn import(text: &str, passphrase: &str) -> Result<Vec<UserRecord>> {
    if text.len() > MAX_BACKUP_LEN {
        return Err(Error::BackupMalformed("larger than any backup"));
    }
    check_passphrase_shape(passphrase)?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| Error::BackupMalformed("not JSON"))?;
    if value.get("format").and_then(serde_json::Value::as_str) != Some(BACKUP_FORMAT) {
        return Err(Error::BackupMalformed("not a secure-login backup file"));
    }
    if value.get("version").and_then(serde_json::Value::as_u64) != Some(u64::from(BACKUP_VERSION)) {
        return Err(Error::BackupUnsupported(
            "only version 1 backups can be read",
        ));
    }
    let envelope: Envelope =
        serde_json::from_value(value).map_err(|_| Error::BackupMalformed("fields"))?;
    if envelope.cipher != CIPHER || envelope.kdf.algorithm != KDF_ALGORITHM {
        return Err(Error::BackupUnsupported(
            "only argon2id with ChaCha20-Poly1305 can be read",
        ));
    }
    let salt = hex_decode(&envelope.kdf.salt).map_err(|_| Error::BackupMalformed("salt"))?;
    let nonce: [u8; BACKUP_NONCE_LEN] = hex_decode(&envelope.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or(Error::BackupMalformed("nonce"))?;
    let check = hex_decode(&envelope.check).map_err(|_| Error::BackupMalformed("check"))?;
    let ciphertext = base64ct::Base64::decode_vec(&envelope.ciphertext)
        .map_err(|_| Error::BackupMalformed("ciphertext"))?;
    let digest_ok = envelope
        .digest()
        .as_bytes()
        .ct_eq(envelope.digest.to_ascii_lowercase().as_bytes());
    if !bool::from(digest_ok) {
        return Err(Error::BackupTampered);
    }
    if salt.len() != BACKUP_SALT_LEN || check.len() != CHECK_LEN {
        return Err(Error::BackupMalformed("salt or check length"));
    }
    let kdf = BackupKdf::new(
        envelope.kdf.memory_kib,
        envelope.kdf.passes,
        envelope.kdf.parallelism,
    )?;
    let master = kdf.master(passphrase, &salt)?;
    if !bool::from(check_value(&master)?.ct_eq(check.as_slice())) {
        return Err(Error::WrongPassphrase);
    }
    let key = subkey(&master, b"secure-login backup v1 key")?;
    let aad = envelope.header();
    let plaintext = Zeroizing::new(
        ChaCha20Poly1305::new(Key::from_slice(key.as_ref()))
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| Error::BackupTampered)?,
    );
    let payload: Payload1 = serde_json::from_slice(&plaintext)
        .map_err(|_| Error::BackupMalformed("the users in the backup"))?;
    Ok(payload.users)
}
