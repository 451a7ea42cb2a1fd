//! `--demo`: the demo accounts, created when missing and printed at every start.
//!
//! - `alice`: SMS and voice to +41 79 000 00 01, an authenticator app (Key URI printed), a
//!   security card with PIN 7391, and a soft token to activate on the token page.
//! - `bob`: SMS to +41 79 000 00 02 only (for activation and Add User).
//! - `carol`: a temporary passcode, issued anew whenever the last one is used or expired.
//!
//! The cards (with their PINs, which the verifier keeps only hashed) and carol's passcode are
//! kept in the store record `portal/demo`, so a restart prints and serves the same ones.

use secure_login_otp::{hex_encode, KeyUri, TokenKind};
use secure_login_verifier::{Account, Error, FactorKind, Result, Store, Verifier, Write};
use serde::{Deserialize, Serialize};

/// A demo card, as `GET /api/demo/cards` gives it to the card page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DemoCard {
    /// Whose card.
    pub username: String,
    /// Printed on the card.
    pub serial: String,
    /// OCRA suite.
    pub suite: String,
    /// The card's secret, hex.
    pub secret: String,
    /// The PIN set at issue.
    pub pin: String,
}

/// The demo's own record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DemoRecord {
    cards: Vec<DemoCard>,
    passcode: String,
    passcode_expires_at: u64,
}

/// What a demo start prints and serves.
#[derive(Debug, Clone)]
pub struct Demo {
    /// For `GET /api/demo/cards`.
    pub cards: Vec<DemoCard>,
    /// The accounts, their passwords and factors, for the console.
    pub report: String,
}

const RECORD: &str = "portal/demo";
/// Demo users: name, password, phone.
const ALICE: (&str, &str, &str) = ("alice", "alice-2fa-demo", "+41 79 000 00 01");
const BOB: (&str, &str, &str) = ("bob", "bob-2fa-demo", "+41 79 000 00 02");
const CAROL: (&str, &str) = ("carol", "carol-2fa-demo");
const CARD_PIN: &str = "7391";
/// How long carol's passcode lives.
const PASSCODE_LIFETIME: u64 = 24 * 3600;

fn load_record<S: Store>(verifier: &Verifier<S>) -> Result<(DemoRecord, u64)> {
    match verifier.store().get(RECORD)? {
        Some(found) => Ok((
            serde_json::from_slice(&found.value).unwrap_or_default(),
            found.version,
        )),
        None => Ok((DemoRecord::default(), 0)),
    }
}

fn save_record<S: Store>(verifier: &Verifier<S>, record: &DemoRecord, version: u64) -> Result<()> {
    let value = serde_json::to_vec(record).map_err(|e| Error::Store(e.to_string()))?;
    let written = verifier.store().commit(
        &[Write {
            key: RECORD.into(),
            expected: version,
            value: Some(value),
        }],
        &[],
    )?;
    if written {
        Ok(())
    } else {
        Err(Error::Store("the demo record changed meanwhile".into()))
    }
}

fn create_alice<S: Store>(verifier: &Verifier<S>, record: &mut DemoRecord) -> Result<()> {
    let (name, password, phone) = ALICE;
    let account = verifier.create_account(name, password)?;
    verifier.add_factor(
        &account.id,
        "mobile",
        FactorKind::Sms {
            phone: phone.into(),
        },
    )?;
    verifier.add_factor(
        &account.id,
        "mobile (voice)",
        FactorKind::Voice {
            phone: phone.into(),
        },
    )?;
    let secret = crate::entropy::random_secret()?;
    verifier.add_factor(
        &account.id,
        "authenticator app",
        FactorKind::authenticator_app(secret),
    )?;
    let card = verifier.issue_card(&account.id, CARD_PIN)?;
    record.cards.push(DemoCard {
        username: name.into(),
        serial: card.serial,
        suite: card.suite,
        secret: hex_encode(card.secret.expose_secret()),
        pin: CARD_PIN.into(),
    });
    Ok(())
}

fn has_usable_passcode(account: &Account, now: u64) -> bool {
    account.active_factors().any(
        |f| matches!(f.kind, FactorKind::TemporaryPasscode { expires_at, .. } if now < expires_at),
    )
}

fn totp_uri(account: &Account, issuer: &str) -> Option<String> {
    account.active_factors().find_map(|f| match &f.kind {
        FactorKind::Totp {
            secret,
            algorithm,
            digits,
            period,
        } => KeyUri {
            kind: TokenKind::Totp {
                period: period.step(),
            },
            account: account.username.clone(),
            issuer: Some(issuer.to_owned()),
            secret: secret.clone(),
            algorithm: *algorithm,
            digits: *digits,
        }
        .to_uri()
        .ok(),
        _ => None,
    })
}

/// Creates the missing demo accounts, renews carol's passcode when needed, and says what there is.
///
/// # Errors
/// The verifier's and the store's.
pub fn prepare<S: Store>(verifier: &Verifier<S>, now: u64, issuer: &str) -> Result<Demo> {
    let (mut record, version) = load_record(verifier)?;
    if verifier.account_by_username(ALICE.0)?.is_none() {
        create_alice(verifier, &mut record)?;
    }
    if verifier.account_by_username(BOB.0)?.is_none() {
        let account = verifier.create_account(BOB.0, BOB.1)?;
        verifier.add_factor(
            &account.id,
            "mobile",
            FactorKind::Sms {
                phone: BOB.2.into(),
            },
        )?;
    }
    let carol = match verifier.account_by_username(CAROL.0)? {
        Some(account) => account,
        None => verifier.create_account(CAROL.0, CAROL.1)?,
    };
    if !has_usable_passcode(&carol, now) || record.passcode.is_empty() {
        let issued = verifier.issue_temporary_passcode(&carol.id, PASSCODE_LIFETIME)?;
        record.passcode = issued.passcode;
        record.passcode_expires_at = issued.expires_at;
    }
    save_record(verifier, &record, version)?;

    let alice = verifier.account_by_username(ALICE.0)?;
    let mut report = String::from("Demo accounts (username / password: second factors):\n");
    report.push_str(&format!(
        "  {} / {}: SMS and voice to {}; soft token: log in with the app or the card, then \
         \"Show a device code\" on the account page and type it on /token.html\n",
        ALICE.0, ALICE.1, ALICE.2
    ));
    if let Some(uri) = alice.as_ref().and_then(|a| totp_uri(a, issuer)) {
        report.push_str(&format!("      authenticator app: {uri}\n"));
    }
    for card in &record.cards {
        report.push_str(&format!(
            "      security card {} with PIN {} (load it on /card.html)\n",
            card.serial, card.pin
        ));
    }
    report.push_str(&format!(
        "  {} / {}: SMS to {} (activate a token, or Add User on one)\n",
        BOB.0, BOB.1, BOB.2
    ));
    report.push_str(&format!(
        "  {} / {}: temporary passcode {} (valid once, until {} Unix time)\n",
        CAROL.0, CAROL.1, record.passcode, record.passcode_expires_at
    ));
    report.push_str("Codes sent by SMS and voice appear on the demo phone: /phone.html\n");
    Ok(Demo {
        cards: record.cards,
        report,
    })
}
