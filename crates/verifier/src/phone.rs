//! Changing the phone number as the seed describes it: the new number gets a code by SMS and is
//! bound only when that code comes back; the old number is told. A binding from a session: it
//! needs the re-authentication window, and every other session ends when it commits.

use serde::{Deserialize, Serialize};

use super::activation::normalize_phone;
use super::audit::EventKind;
use super::binding::Change;
use super::error::{Error, Result};
use super::lockout::Charge;
use super::login::LoginOutcome;
use super::model::{mask_phone, Factor, FactorKind};
use super::outbox::NewMessage;
use super::ports::Channel;
use super::records::{key, load, retry, Loaded, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;

/// The purpose of the code that confirms a new number.
pub(crate) const CONFIRM_PURPOSE: &str = "phone_confirm";
/// The purpose of the notice to the old number (it carries no code).
pub(crate) const NOTICE_PURPOSE: &str = "phone_changed";

/// A confirmation code is on its way to the new number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneChangeStarted {
    /// Names the change in [`Verifier::confirm_phone_change`].
    pub change_id: String,
    /// The new number, masked.
    pub to: String,
    /// Unix seconds when the code stops working.
    pub expires_at: u64,
    /// Unix seconds from when another code may be asked for.
    pub resend_after: u64,
    /// The outbox id of the code's message.
    pub message_id: String,
}

/// What became of a confirmation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneChangeOutcome {
    /// The number is bound; the old one was told.
    Changed,
    /// Wrong code.
    WrongCode {
        /// Attempts before phone changes lock.
        attempts_left: u32,
    },
    /// Too many wrong codes.
    Locked {
        /// Unix seconds.
        until: u64,
    },
    /// The code is too old (or used): start over.
    Expired,
}

/// A started change, stored until its code comes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PhoneChange {
    account: String,
    /// The login of the session that asked (only it may confirm).
    login: String,
    phone: String,
    hash_hex: String,
    salt_hex: String,
    expires_at: u64,
    used: bool,
}

impl<S: Store> Verifier<S> {
    /// Starts moving the account of `login_id` (a session's login) to `new_phone`: a code goes
    /// to the new number by SMS; nothing changes until [`Verifier::confirm_phone_change`].
    ///
    /// # Errors
    /// [`Error::NotAllowed`] outside the re-authentication window, [`Error::InvalidInput`] for a
    /// number that is not one, [`Error::Throttled`] by the message throttles.
    pub fn begin_phone_change(
        &self,
        login_id: &str,
        new_phone: &str,
    ) -> Result<PhoneChangeStarted> {
        let phone = normalize_phone(new_phone)?;
        let account = self.authorized(login_id, Change::Phone)?;
        let change_id = secrets::random_id(self.entropy.as_ref())?;
        retry(&self.store, || {
            let now = self.now();
            let code = secrets::random_digits(self.entropy.as_ref(), self.code_len())?;
            let (salt_hex, hash_hex) =
                secrets::hash_code(self.entropy.as_ref(), self.vault.as_ref(), &code)?;
            let expires_at = now.saturating_add(self.policy.code_lifetime);
            let mut tx = Tx::default();
            let (message_id, resend_after) = self.queue_message(
                &mut tx,
                NewMessage {
                    account: &account,
                    factor: None,
                    channel: Channel::Sms,
                    purpose: CONFIRM_PURPOSE,
                    phone: &phone,
                    code,
                    expires_at,
                },
                now,
            )?;
            tx.put(
                key::phone_change(&change_id),
                0,
                &PhoneChange {
                    account: account.clone(),
                    login: login_id.to_owned(),
                    phone: phone.clone(),
                    hash_hex,
                    salt_hex,
                    expires_at,
                    used: false,
                },
            )?;
            Ok((
                tx,
                PhoneChangeStarted {
                    change_id: change_id.clone(),
                    to: mask_phone(&phone),
                    expires_at,
                    resend_after,
                    message_id,
                },
            ))
        })
    }

    /// Confirms change `change_id` of the session's login `login_id` with the code the new
    /// number received: the account's SMS and voice factors move to it (an account without one
    /// gets an SMS factor), every other session ends, and the old number gets a notice. Wrong
    /// codes count toward a lock of the account's phone changes, like activation codes.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown change or one of another login, [`Error::InvalidInput`]
    /// for a code that is not digits.
    pub fn confirm_phone_change(
        &self,
        login_id: &str,
        change_id: &str,
        code: &str,
    ) -> Result<PhoneChangeOutcome> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.is_empty() || code.len() > 32 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidInput("a confirmation code is digits only"));
        }
        let now = self.now();
        let change = load::<PhoneChange>(&self.store, &key::phone_change(change_id))?
            .filter(|c| c.value.login == login_id)
            .ok_or(Error::NotFound("phone change"))?;
        if change.value.used || now >= change.value.expires_at {
            return Ok(PhoneChangeOutcome::Expired);
        }
        let account = change.value.account.clone();
        let lock_key = key::phone_lock(&account);
        let (attempts_left, number) = match self.charge(&account, 0, &lock_key, now)? {
            Charge::Locked { until } => return Ok(PhoneChangeOutcome::Locked { until }),
            Charge::Allowed {
                attempts_left,
                number,
            } => (attempts_left, number),
        };
        let matches = secrets::code_matches(
            self.vault.as_ref(),
            &change.value.salt_hex,
            &change.value.hash_hex,
            &code,
        );
        if matches {
            if self.bind_phone(change_id, &change, now)? {
                self.forgive(&lock_key, number)?;
                return Ok(PhoneChangeOutcome::Changed);
            }
            return Ok(PhoneChangeOutcome::Expired);
        }
        Ok(
            match self.fail(&account, 0, &lock_key, attempts_left, now)? {
                LoginOutcome::Locked { until } => PhoneChangeOutcome::Locked { until },
                _ => PhoneChangeOutcome::WrongCode { attempts_left },
            },
        )
    }

    /// Moves the account to the change's number in one commit; `false` when the change was
    /// used meanwhile.
    fn bind_phone(&self, change_id: &str, change: &Loaded<PhoneChange>, now: u64) -> Result<bool> {
        let phone = &change.value.phone;
        let account = self.account_record(&change.value.account)?;
        let old_phone = account.value.sms_phone().map(str::to_owned);
        let mut updated = account.value.clone();
        let mut new_factors = Vec::new();
        for old in updated
            .factors
            .iter_mut()
            .filter(|f| f.retired_at.is_none())
        {
            let kind = match &old.kind {
                FactorKind::Sms { .. } => FactorKind::Sms {
                    phone: phone.clone(),
                },
                FactorKind::Voice { .. } => FactorKind::Voice {
                    phone: phone.clone(),
                },
                _ => continue,
            };
            old.retired_at = Some(now);
            new_factors.push((old.label.clone(), kind));
        }
        if new_factors.is_empty() {
            new_factors.push((
                "SMS".to_owned(),
                FactorKind::Sms {
                    phone: phone.clone(),
                },
            ));
        }
        for (label, kind) in new_factors {
            let id = updated.next_factor_id;
            updated.next_factor_id += 1;
            updated.factors.push(Factor {
                id,
                label,
                kind,
                created_at: now,
                retired_at: None,
                retires_at: None,
            });
        }
        let mut tx = Tx::default();
        let used = PhoneChange {
            used: true,
            ..change.value.clone()
        };
        tx.put(key::phone_change(change_id), change.version, &used)?
            .put_account(self.vault.as_ref(), account.version, &updated)?
            .event(self.event(
                &updated.id,
                None,
                EventKind::PhoneChanged,
                format!("to {}", mask_phone(phone)),
            ));
        self.end_sessions_in(&mut tx, &updated.id, Some(&change.value.login))?;
        if let Some(old) = old_phone.filter(|old| old != phone) {
            self.queue_notice(&mut tx, &updated.id, &old, NOTICE_PURPOSE, now)?;
        }
        tx.commit(&self.store)
    }
}
