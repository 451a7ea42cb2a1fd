//! Accounts as the store keeps them: every factor secret (an OTP or OCRA key, a card's PIN hash)
//! sealed by the [`KeyVault`], bound to its account, factor and field. In memory an [`Account`]
//! holds its secrets in clear; only this module turns one into stored bytes and back.

use serde_json::Value;
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::model::Account;
use super::stored::AccountV1;
use super::vault::{KeyVault, Sealed};

/// The fields of a factor's kind that hold a secret (`FactorKindV1` in `stored.rs`).
const SECRET_FIELDS: [&str; 3] = ["secret_hex", "pin_hash_hex", "device_key_hex"];

/// The associated data of one sealed field: moving it to another field, factor or account makes
/// it fail to open.
fn context(account: &str, factor: u64, field: &str) -> String {
    format!("account/{account}/factor/{factor}/{field}")
}

/// The account as stored: JSON with every secret field sealed.
pub(crate) fn seal_account(account: &Account, vault: &dyn KeyVault) -> Result<Vec<u8>> {
    let mut value = serde_json::to_value(AccountV1::from(account)).map_err(encode_error)?;
    each_secret(&mut value, |context, field| {
        let Value::String(plain) = field else {
            return Err(Error::Sealed("a factor secret is not text"));
        };
        let plain = Zeroizing::new(std::mem::take(plain));
        let sealed = vault.seal(&context, plain.as_bytes())?;
        *field = serde_json::to_value(sealed).map_err(encode_error)?;
        Ok(())
    })?;
    serde_json::to_vec(&value).map_err(encode_error)
}

/// The account from its stored bytes, every secret opened. A secret in clear is refused: only
/// [`open_legacy_account`] reads a record written before sealing.
pub(crate) fn open_account(bytes: &[u8], vault: &dyn KeyVault) -> Result<Account> {
    open_with(bytes, vault, false)
}

/// As [`open_account`], but secrets found in clear are taken as they are (a database written
/// before secrets were sealed, being migrated).
pub(crate) fn open_legacy_account(bytes: &[u8], vault: &dyn KeyVault) -> Result<Account> {
    open_with(bytes, vault, true)
}

/// Whether a stored account holds any secret in clear.
pub(crate) fn has_clear_secret(bytes: &[u8]) -> Result<bool> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(decode_error)?;
    let mut clear = false;
    each_secret(&mut value, |_, field| {
        clear |= field.is_string();
        Ok(())
    })?;
    Ok(clear)
}

fn open_with(bytes: &[u8], vault: &dyn KeyVault, allow_clear: bool) -> Result<Account> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(decode_error)?;
    each_secret(&mut value, |context, field| {
        if field.is_string() {
            return if allow_clear {
                Ok(())
            } else {
                Err(Error::Sealed(
                    "a factor secret is stored in clear; start the server once to seal it",
                ))
            };
        }
        let sealed: Sealed = serde_json::from_value(field.take()).map_err(decode_error)?;
        let plain = vault.open(&context, &sealed)?;
        let text = std::str::from_utf8(&plain)
            .map_err(|_| Error::Sealed("a sealed factor secret is not text"))?;
        *field = Value::String(text.to_owned());
        Ok(())
    })?;
    let stored: AccountV1 = serde_json::from_value(value).map_err(decode_error)?;
    Account::try_from(stored)
}

/// Calls `f` with the context and the value of every secret field of every factor.
fn each_secret(
    account: &mut Value,
    mut f: impl FnMut(String, &mut Value) -> Result<()>,
) -> Result<()> {
    let id = account
        .get("id")
        .and_then(Value::as_str)
        .ok_or(Error::Store("an account record without an id".into()))?
        .to_owned();
    let Some(factors) = account.get_mut("factors").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for factor in factors {
        let factor_id = factor
            .get("id")
            .and_then(Value::as_u64)
            .ok_or(Error::Store("a factor without an id".into()))?;
        let Some(kind) = factor.get_mut("kind").and_then(Value::as_object_mut) else {
            continue;
        };
        for field in SECRET_FIELDS {
            if let Some(value) = kind.get_mut(field) {
                f(context(&id, factor_id, field), value)?;
            }
        }
    }
    Ok(())
}

fn encode_error(e: serde_json::Error) -> Error {
    Error::Store(format!("unencodable record: {e}"))
}

fn decode_error(e: serde_json::Error) -> Error {
    Error::Store(format!("undecodable record: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ports::TestEntropy;
    use crate::{AeadVault, Factor, FactorKind};
    use secure_login_otp::{hex_decode, Secret};

    fn account() -> Account {
        Account {
            id: "a1".into(),
            username: "alice".into(),
            password_hash: "x".into(),
            created_at: 0,
            factors: vec![Factor {
                id: 1,
                label: "card".into(),
                kind: FactorKind::SecurityCard {
                    suite: "OCRA-1:HOTP-SHA256-8:QN06-PSHA1".parse().unwrap(),
                    secret: Secret::from_hex("3132333435363738393031323334353637383930").unwrap(),
                    pin_hash: Some(Zeroizing::new(
                        hex_decode("7110eda4d09e062aa5e4a390b0a572ac0d2c0220").unwrap(),
                    )),
                    serial: "12".into(),
                },
                created_at: 0,
                retired_at: None,
                retires_at: None,
            }],
            next_factor_id: 2,
            disabled: false,
        }
    }

    /// The account as its stored form's JSON, secrets in clear: equal exactly when every field is.
    fn clear(account: &Account) -> Value {
        serde_json::to_value(AccountV1::from(account)).unwrap()
    }

    #[test]
    fn a_stored_account_holds_no_secret_and_opens_back() {
        let vault = AeadVault::new(&[3; 32], Arc::new(TestEntropy::default()));
        let stored = seal_account(&account(), &vault).unwrap();
        let text = String::from_utf8(stored.clone()).unwrap();
        assert!(!text.contains("3132333435"), "{text}");
        assert!(!text.contains("7110eda4"), "{text}");
        assert_eq!(
            clear(&open_account(&stored, &vault).unwrap()),
            clear(&account())
        );
        assert!(!has_clear_secret(&stored).unwrap());
        let other = AeadVault::new(&[4; 32], Arc::new(TestEntropy::default()));
        assert!(open_account(&stored, &other).is_err());
    }

    #[test]
    fn a_sealed_secret_moved_to_another_factor_does_not_open() {
        let vault = AeadVault::new(&[3; 32], Arc::new(TestEntropy::default()));
        let mut two = account();
        let mut second = two.factors[0].clone();
        second.id = 2;
        two.factors.push(second);
        let stored = seal_account(&two, &vault).unwrap();
        let mut value: Value = serde_json::from_slice(&stored).unwrap();
        let first = value["factors"][0]["kind"]["secret_hex"].clone();
        value["factors"][1]["kind"]["secret_hex"] = first;
        let moved = serde_json::to_vec(&value).unwrap();
        assert!(matches!(
            open_account(&moved, &vault),
            Err(Error::Sealed(_))
        ));
    }

    #[test]
    fn a_clear_record_is_refused_unless_migrating() {
        let vault = AeadVault::new(&[3; 32], Arc::new(TestEntropy::default()));
        let plain = serde_json::to_vec(&clear(&account())).unwrap();
        assert!(has_clear_secret(&plain).unwrap());
        assert!(matches!(
            open_account(&plain, &vault),
            Err(Error::Sealed(_))
        ));
        assert_eq!(
            clear(&open_legacy_account(&plain, &vault).unwrap()),
            clear(&account())
        );
    }
}
