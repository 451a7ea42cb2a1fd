//! `secure-login-server admin ...`: administration on the database file (the server may be
//! running on it meanwhile: SQLite takes turns).
//!
//! Each command returns the text to print; secrets it hands out (a card's secret, a Key URI,
//! a temporary passcode) are printed once and kept by the verifier only as it needs them.

use clap::{Subcommand, ValueEnum};
use secure_login_otp::{hex_encode, Digits, HashAlgorithm, KeyUri, TokenKind};
use secure_login_verifier::{
    Account, Error, FactorKind, FactorSummary, KeyVault as _, Store, Verifier,
};

/// What `add-factor` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NewFactor {
    /// Codes by text message (needs --phone).
    Sms,
    /// Codes by voice call (needs --phone).
    Voice,
    /// An authenticator app (prints the Key URI to scan).
    Totp,
}

/// The admin commands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AdminCommand {
    /// Creates an account.
    CreateUser {
        /// The username.
        name: String,
        /// The password (8 to 1024 characters).
        #[arg(long, env = "SECURE_LOGIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Adds an SMS, voice or authenticator-app factor.
    AddFactor {
        /// The username.
        name: String,
        /// sms, voice or totp.
        kind: NewFactor,
        /// The phone number, for sms and voice.
        #[arg(long)]
        phone: Option<String>,
        /// What the person calls it.
        #[arg(long)]
        label: Option<String>,
    },
    /// Issues a Digital Security Card+ with a PIN; prints its serial, suite and secret.
    IssueCard {
        /// The username.
        name: String,
        /// The card's 4-digit PIN.
        #[arg(long)]
        pin: String,
    },
    /// Issues a temporary passcode (for a lost device); prints it once.
    IssuePasscode {
        /// The username.
        name: String,
        /// Seconds it stays valid (at most 7 days).
        #[arg(long, default_value_t = 3600)]
        lifetime: u64,
    },
    /// Lifts a factor's lock and failure count.
    Unlock {
        /// The username.
        name: String,
        /// The factor's id (see `show`).
        factor_id: u32,
    },
    /// Lists an account's factors with their ids and failure counts.
    Show {
        /// The username.
        name: String,
    },
    /// Re-seals every factor secret under a new key-encryption key, all or nothing. The old key
    /// keeps working until this commits; then start the server with the new key.
    RotateKey {
        /// The new key file (created with mode 0600 if missing).
        #[arg(long)]
        new_key_file: std::path::PathBuf,
    },
    /// Prints an account's newest security events.
    Events {
        /// The username.
        name: String,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

fn account<S: Store>(verifier: &Verifier<S>, name: &str) -> Result<Account, Error> {
    verifier
        .account_by_username(name)?
        .ok_or(Error::NotFound("account"))
}

/// Runs `command`; the text to print, or the error (its `code()` and message).
///
/// # Errors
/// The verifier's error; [`Error::InvalidInput`] for `sms`/`voice` without `--phone`.
pub fn run<S: Store>(
    verifier: &Verifier<S>,
    command: AdminCommand,
    issuer: &str,
) -> Result<String, Error> {
    match command {
        AdminCommand::CreateUser { name, password } => {
            let created = verifier.create_account(&name, &password)?;
            Ok(format!("created {} (id {})", created.username, created.id))
        }
        AdminCommand::AddFactor {
            name,
            kind,
            phone,
            label,
        } => {
            let account = account(verifier, &name)?;
            let need_phone = || phone.clone().ok_or(Error::InvalidInput("give --phone"));
            let (kind_value, default_label) = match kind {
                NewFactor::Sms => (
                    FactorKind::Sms {
                        phone: need_phone()?,
                    },
                    "mobile",
                ),
                NewFactor::Voice => (
                    FactorKind::Voice {
                        phone: need_phone()?,
                    },
                    "mobile (voice)",
                ),
                NewFactor::Totp => {
                    let secret = crate::entropy::random_secret()?;
                    let uri = KeyUri {
                        kind: TokenKind::Totp { period: 30 },
                        account: account.username.clone(),
                        issuer: Some(issuer.to_owned()),
                        secret: secret.clone(),
                        algorithm: HashAlgorithm::Sha1,
                        digits: Digits::SIX,
                    }
                    .to_uri()?;
                    let factor = verifier.add_factor(
                        &account.id,
                        label.as_deref().unwrap_or("authenticator app"),
                        FactorKind::authenticator_app(secret),
                    )?;
                    return Ok(format!(
                        "factor {factor}: authenticator app\nkey URI: {uri}"
                    ));
                }
            };
            let factor = verifier.add_factor(
                &account.id,
                label.as_deref().unwrap_or(default_label),
                kind_value,
            )?;
            Ok(format!("factor {factor}: {}", kind_name(kind)))
        }
        AdminCommand::IssueCard { name, pin } => {
            let account = account(verifier, &name)?;
            let card = verifier.issue_card(&account.id, &pin)?;
            Ok(format!(
                "factor {}: security card\nserial: {}\nsuite: {}\nsecret: {}",
                card.factor,
                card.serial,
                card.suite,
                hex_encode(card.secret.expose_secret())
            ))
        }
        AdminCommand::IssuePasscode { name, lifetime } => {
            let account = account(verifier, &name)?;
            let issued = verifier.issue_temporary_passcode(&account.id, lifetime)?;
            Ok(format!(
                "factor {}: temporary passcode\npasscode: {}\nexpires at: {}",
                issued.factor, issued.passcode, issued.expires_at
            ))
        }
        AdminCommand::Unlock { name, factor_id } => {
            let account = account(verifier, &name)?;
            verifier.unlock(&account.id, factor_id)?;
            Ok(format!(
                "factor {factor_id} of {} unlocked",
                account.username
            ))
        }
        AdminCommand::Show { name } => {
            let account = account(verifier, &name)?;
            let passwords = verifier.password_failures(&account.username)?;
            let mut out = format!(
                "{} (id {})\npassword failures {} next check at {}",
                account.username, account.id, passwords.failures, passwords.next_at
            );
            for factor in account.active_factors() {
                let summary = FactorSummary::from(factor);
                let lock = verifier.lock_state(&account.id, factor.id)?;
                out.push_str(&format!(
                    "\nfactor {}: {} \"{}\"{} failures {} locked until {}",
                    summary.id,
                    summary.kind,
                    summary.label,
                    summary.phone.map(|p| format!(" {p}")).unwrap_or_default(),
                    lock.failures,
                    lock.locked_until
                ));
            }
            Ok(out)
        }
        AdminCommand::RotateKey { new_key_file } => {
            let new = crate::kek::KeySource::File(new_key_file.clone())
                .vault()
                .map_err(|e| Error::Store(e.0))?;
            let count = verifier.rewrap_secrets(new.as_ref())?;
            Ok(format!(
                "{count} accounts re-sealed under key {}; start the server with --key-file {}",
                new.key_id(),
                new_key_file.display()
            ))
        }
        AdminCommand::Events { name, limit } => {
            let account = account(verifier, &name)?;
            let events = verifier.recent_events(&account.id, limit)?;
            let lines: Vec<String> = events
                .iter()
                .map(|e| {
                    let kind = e.kind.as_str();
                    let factor = e.factor.map(|f| format!(" factor {f}")).unwrap_or_default();
                    format!("{} {kind}{factor} {}", e.at, e.detail)
                        .trim_end()
                        .to_owned()
                })
                .collect();
            Ok(lines.join("\n"))
        }
    }
}

fn kind_name(kind: NewFactor) -> &'static str {
    match kind {
        NewFactor::Sms => "sms",
        NewFactor::Voice => "voice",
        NewFactor::Totp => "totp",
    }
}
