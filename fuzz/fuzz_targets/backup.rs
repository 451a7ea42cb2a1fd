//! Backup files (`secure_login_token::backup::import`) from any bytes: a typed error
//! (`BackupMalformed`, `BackupUnsupported`, `BackupTampered`, `WrongPassphrase`), never a panic,
//! and whatever imports is a list of valid records that export and import again unchanged.
//!
//! An input starting with byte 0 is a *payload*: the rest is sealed here into a well-formed
//! backup (cheap Argon2id: 1 MiB, 1 pass, 1 lane; the format of the module documentation,
//! rebuilt independently), so the fuzzer reaches the decrypted user list, which a random file
//! never would (it would need the passphrase's check value and the cipher's tag). It must import,
//! or fail as `BackupMalformed` only.
//!
//! Any other input is a backup file as a user might pick one, imported twice: as it is, and with
//! its digest recomputed (and an expensive KDF cut down to at most 4 MiB and 2 passes), so the
//! fuzzer also gets past the digest to the salt, KDF and passphrase checks.
#![no_main]

use std::sync::OnceLock;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use secure_login_otp::hex_encode;
use secure_login_token::backup::{self, BackupKdf, BackupRandom};
use secure_login_token::{Error, UserRecord};
use serde_json::Value;
use sha2::{Digest, Sha256};

const PASSPHRASE: &str = "correct horse battery staple";
const SALT: [u8; 16] = *b"fuzz-backup-salt";
const NONCE: [u8; 12] = *b"fuzz-nonce12";

fn cheap_kdf() -> BackupKdf {
    BackupKdf::new(1024, 1, 1).expect("the cheapest parameters allowed")
}

fn hmac(key: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// `master = Argon2id(PASSPHRASE, SALT, 1 MiB, 1 pass, 1 lane)`, computed once.
fn master() -> &'static [u8; 32] {
    static MASTER: OnceLock<[u8; 32]> = OnceLock::new();
    MASTER.get_or_init(|| {
        let params = argon2::Params::new(1024, 1, 1, Some(32)).expect("params");
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = [0u8; 32];
        argon
            .hash_password_into(PASSPHRASE.as_bytes(), &SALT, &mut out)
            .expect("argon2");
        out
    })
}

/// The header the cipher authenticates: the fields as written, one per line.
fn header(v: &Value) -> Option<String> {
    let kdf = v.get("kdf")?;
    let text = |value: &Value, name: &str| value.get(name)?.as_str().map(str::to_owned);
    let number = |value: &Value, name: &str| {
        let n = value.get(name)?.as_u64()?;
        u32::try_from(n).ok().map(|n| n.to_string())
    };
    Some(
        [
            text(v, "format")?,
            number(v, "version")?,
            text(kdf, "algorithm")?,
            number(kdf, "memoryKib")?,
            number(kdf, "passes")?,
            number(kdf, "parallelism")?,
            text(kdf, "salt")?,
            text(v, "cipher")?,
            text(v, "nonce")?,
        ]
        .join("\n"),
    )
}

/// `SHA-256(header || "\n" || check || "\n" || ciphertext)` in hex.
fn digest(v: &Value) -> Option<String> {
    let mut hash = Sha256::new();
    hash.update(header(v)?.as_bytes());
    hash.update(b"\n");
    hash.update(v.get("check")?.as_str()?.as_bytes());
    hash.update(b"\n");
    hash.update(v.get("ciphertext")?.as_str()?.as_bytes());
    Some(hex_encode(&hash.finalize()))
}

/// A well-formed backup of `plaintext` under [`PASSPHRASE`].
fn seal(plaintext: &[u8]) -> String {
    let master = master();
    let key = hmac(master, b"secure-login backup v1 key");
    let check = hmac(master, b"secure-login backup v1 check");
    let mut v = serde_json::json!({
        "format": "secure-login-backup",
        "version": 1,
        "kdf": {
            "algorithm": "argon2id",
            "memoryKib": 1024,
            "passes": 1,
            "parallelism": 1,
            "salt": hex_encode(&SALT),
        },
        "cipher": "ChaCha20-Poly1305",
        "nonce": hex_encode(&NONCE),
        "check": hex_encode(&check[..16]),
        "ciphertext": "",
        "digest": "",
    });
    let aad = header(&v).expect("a complete header");
    let sealed = ChaCha20Poly1305::new(Key::from_slice(&key))
        .encrypt(
            Nonce::from_slice(&NONCE),
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .expect("encrypts");
    v["ciphertext"] = data_encoding::BASE64.encode(&sealed).into();
    v["digest"] = digest(&v).expect("complete").into();
    v.to_string()
}

/// A file as given, with an expensive KDF cut down and the digest made right again.
fn redigested(text: &str) -> Option<String> {
    let mut v: Value = serde_json::from_str(text).ok()?;
    let kdf = v.get_mut("kdf")?.as_object_mut()?;
    if let Some(m) = kdf.get("memoryKib").and_then(Value::as_u64) {
        if (4097..=65_536).contains(&m) {
            kdf.insert("memoryKib".into(), (1024 + m % 3072).into());
        }
    }
    if let Some(p) = kdf.get("passes").and_then(Value::as_u64) {
        if (3..=10).contains(&p) {
            kdf.insert("passes".into(), (1 + p % 2).into());
        }
    }
    let fixed = digest(&v)?;
    *v.get_mut("digest")? = fixed.into();
    Some(v.to_string())
}

/// Records that imported are valid: each reads back, and all export and import again.
fn imported_hold(users: &[UserRecord]) {
    for user in users {
        let json = user.to_json().expect("writes");
        assert_eq!(&UserRecord::from_json(&json).expect("reads back"), user);
    }
    let random = BackupRandom {
        salt: SALT,
        nonce: NONCE,
    };
    let file =
        backup::export(users, PASSPHRASE, cheap_kdf(), random, 1_795_651_200).expect("exports");
    assert_eq!(backup::import(&file, PASSPHRASE).expect("imports"), users);
}

fn refused_alike(e: &Error) -> bool {
    matches!(
        e,
        Error::BackupMalformed(_)
            | Error::BackupUnsupported(_)
            | Error::BackupTampered
            | Error::WrongPassphrase
    )
}

fuzz_target!(|data: &[u8]| {
    if let Some((0, payload)) = data.split_first() {
        match backup::import(&seal(payload), PASSPHRASE) {
            Ok(users) => imported_hold(&users),
            Err(Error::BackupMalformed(_)) => {}
            Err(e) => panic!("a sealed payload gave {e:?}"),
        }
        return;
    }
    let text = String::from_utf8_lossy(data);
    let tries = [Some(text.to_string()), redigested(&text)];
    for file in tries.iter().flatten() {
        match backup::import(file, PASSPHRASE) {
            Ok(users) => imported_hold(&users),
            Err(e) => assert!(refused_alike(&e), "{e:?}"),
        }
    }
});
