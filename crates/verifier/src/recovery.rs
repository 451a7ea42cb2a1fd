//! Recovery codes (NIST SP 800-63B-4 look-up secrets) for a person who lost every device: ten
//! codes of 80 bits, shown once, stored only as keyed hashes, each good once, throttled and
//! locked like any factor (they are one factor), replaced as a set, every use recorded.

use super::audit::EventKind;
use super::binding::Change;
use super::error::{Error, Result};
use super::login::normalize_typed_code;
use super::model::{Factor, FactorKind, RecoveryCode};
use super::records::{retry, Tx};
use super::secrets;
use super::store::Store;
use super::vault::KeyVault;
use super::Verifier;

/// Codes in a set.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a code: 16 from a 32-letter alphabet, 80 bits.
const CODE_CHARS: usize = 16;
/// No `I`, `O`, `0` or `1`: nothing to misread on paper.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new set of recovery codes: show them once, as they are (`XXXX-XXXX-XXXX-XXXX`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedRecoveryCodes {
    /// The new factor holding the set.
    pub factor: u32,
    /// The codes, grouped by four for reading.
    pub codes: Vec<String>,
}

/// The index of the unused code that `typed` is, if any. Every unused code is compared (in
/// constant time each), so the time taken says nothing about which matched.
pub(crate) fn matching_code(
    vault: &dyn KeyVault,
    codes: &[RecoveryCode],
    typed: &str,
) -> Option<usize> {
    let typed = normalize_typed_code(typed);
    if typed.len() != CODE_CHARS {
        return None;
    }
    let mut found = None;
    for (index, code) in codes.iter().enumerate() {
        let matches = secrets::code_matches(vault, &code.salt_hex, &code.hash_hex, &typed);
        if matches && code.used_at.is_none() && found.is_none() {
            found = Some(index);
        }
    }
    found
}

fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

impl<S: Store> Verifier<S> {
    /// A new set of recovery codes for the account of `login_id` (a session's login), within
    /// the re-authentication window; it replaces any earlier set, and every other session of
    /// the account ends.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] outside the re-authentication window, [`Error::Entropy`].
    pub fn issue_recovery_codes(&self, login_id: &str) -> Result<IssuedRecoveryCodes> {
        let account = self.authorized(login_id, Change::RecoveryCodes)?;
        self.new_recovery_codes(&account, Some(login_id))
    }

    /// An administrator issues a new set of recovery codes for `account` (replacing any earlier
    /// set); every session of the account ends.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Entropy`].
    pub fn issue_recovery_codes_for(&self, account: &str) -> Result<IssuedRecoveryCodes> {
        self.new_recovery_codes(account, None)
    }

    fn new_recovery_codes(
        &self,
        account_id: &str,
        keep_login: Option<&str>,
    ) -> Result<IssuedRecoveryCodes> {
        let mut plain = Vec::with_capacity(RECOVERY_CODES);
        let mut stored = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let code = secrets::random_text(self.entropy.as_ref(), ALPHABET, CODE_CHARS)?;
            let (salt_hex, hash_hex) =
                secrets::hash_code(self.entropy.as_ref(), self.vault.as_ref(), &code)?;
            stored.push(RecoveryCode {
                hash_hex,
                salt_hex,
                used_at: None,
            });
            plain.push(grouped(&code));
        }
        let factor = retry(&self.store, || {
            let now = self.now();
            let account = self.account_record(account_id)?;
            let mut updated = account.value.clone();
            let mut tx = Tx::default();
            for old in updated.factors.iter_mut().filter(|f| {
                f.retired_at.is_none() && matches!(f.kind, FactorKind::RecoveryCodes { .. })
            }) {
                old.retired_at = Some(now);
                tx.event(self.event(
                    account_id,
                    Some(old.id),
                    EventKind::FactorRetired,
                    "replaced by new recovery codes",
                ));
            }
            let id = updated.next_factor_id;
            updated.next_factor_id += 1;
            updated.factors.push(Factor {
                id,
                label: "recovery codes".to_owned(),
                kind: FactorKind::RecoveryCodes {
                    codes: stored.clone(),
                },
                created_at: now,
                retired_at: None,
                retires_at: None,
            });
            tx.put_account(self.vault.as_ref(), account.version, &updated)?
                .event(self.event(
                    account_id,
                    Some(id),
                    EventKind::RecoveryCodesIssued,
                    RECOVERY_CODES.to_string(),
                ));
            self.end_sessions_in(&mut tx, account_id, keep_login)?;
            Ok((tx, id))
        })?;
        Ok(IssuedRecoveryCodes {
            factor,
            codes: plain,
        })
    }

    /// Adds to `tx` the use of code `index` of recovery-code factor `factor` (retiring the set
    /// with its last code) and its event; `false` when that code is already used.
    pub(crate) fn spend_recovery_code(
        &self,
        tx: &mut Tx,
        account_id: &str,
        factor: u32,
        index: usize,
        now: u64,
    ) -> Result<bool> {
        let loaded = self.account_record(account_id)?;
        let mut updated = loaded.value.clone();
        let Some(found) = updated
            .factors
            .iter_mut()
            .find(|f| f.id == factor && f.retired_at.is_none())
        else {
            return Ok(false);
        };
        let FactorKind::RecoveryCodes { codes } = &mut found.kind else {
            return Err(Error::NotFound("factor"));
        };
        let Some(code) = codes.get_mut(index).filter(|c| c.used_at.is_none()) else {
            return Ok(false);
        };
        code.used_at = Some(now);
        let left = codes.iter().filter(|c| c.used_at.is_none()).count();
        if left == 0 {
            found.retired_at = Some(now);
        }
        tx.put_account(self.vault.as_ref(), loaded.version, &updated)?
            .event(self.event(
                account_id,
                Some(factor),
                EventKind::RecoveryCodeUsed,
                format!("{left} left"),
            ));
        Ok(true)
    }
}
