//! `secure-login-server admin ...`: administration on the database file (the server may be
//! running on it meanwhile: SQLite takes turns).
//!
//! Each command returns the text to print; secrets it hands out (a card's secret, a Key URI,
//! a temporary passcode) are printed once and kept by the verifier only as it needs them.
//! Secrets it takes (a password, a card's PIN) come from an environment variable or a file
//! (`-`: standard input), never from the command line, which `ps` and shell history show.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use secure_login_otp::{hex_encode, Digits, HashAlgorithm, KeyUri, TokenKind};
use secure_login_verifier::{
    Account, Error, FactorKind, FactorSummary, KeyVault as _, Store, Verifier,
};
use zeroize::Zeroizing;

use crate::SqliteStore;

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
    /// Creates an account. The password (8 to 1024 characters) comes from
    /// SECURE_LOGIN_PASSWORD or --password-file.
    CreateUser {
        /// The username.
        name: String,
        /// A file holding the password (`-`: read it from standard input).
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
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
    /// Issues a Digital Security Card+ with a PIN; prints its serial, suite and secret. The
    /// 4-digit PIN comes from SECURE_LOGIN_PIN or --pin-file.
    IssueCard {
        /// The username.
        name: String,
        /// A file holding the card's PIN (`-`: read it from standard input).
        #[arg(long, value_name = "PATH")]
        pin_file: Option<PathBuf>,
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
    /// Lists every account: username, id, active factors, disabled or not.
    ListUsers,
    /// Disables an account: its password is refused and every session ends.
    Disable {
        /// The username.
        name: String,
    },
    /// Enables a disabled account again.
    Enable {
        /// The username.
        name: String,
    },
    /// Deletes an account (its security events stay); the username becomes free.
    Delete {
        /// The username.
        name: String,
    },
    /// Sets a new password (from SECURE_LOGIN_PASSWORD or --password-file); every session ends.
    ResetPassword {
        /// The username.
        name: String,
        /// A file holding the new password (`-`: read it from standard input).
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
    },
    /// Retires a factor (a lost card, a stolen phone); every session ends.
    RetireFactor {
        /// The username.
        name: String,
        /// The factor's id (see `show`).
        factor_id: u32,
    },
    /// Issues a new set of 10 recovery codes (replacing any earlier set); prints them once.
    IssueRecoveryCodes {
        /// The username.
        name: String,
    },
    /// Ends every session of an account.
    RevokeSessions {
        /// The username.
        name: String,
    },
    /// Copies the live database into the new file DEST (SQLite's online backup: safe while the
    /// server runs). The key file is not in the copy: keep it apart, a restore needs it.
    Backup {
        /// The new file (refused if it exists).
        dest: PathBuf,
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

/// A secret from `file` (`-`: standard input), else from the environment variable `env`; one
/// trailing line end is dropped.
fn read_secret(
    env: &str,
    file: Option<&Path>,
    what: &'static str,
) -> Result<Zeroizing<String>, Error> {
    let mut text = Zeroizing::new(String::new());
    match file {
        Some(path) if path == Path::new("-") => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|_| Error::InvalidInput("standard input is not readable UTF-8 text"))?;
        }
        Some(path) => {
            *text = std::fs::read_to_string(path)
                .map_err(|_| Error::InvalidInput("the secret file is not readable UTF-8 text"))?;
        }
        None => match std::env::var(env) {
            Ok(value) => *text = value,
            Err(_) => return Err(Error::InvalidInput(what)),
        },
    }
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(Zeroizing::new(trimmed.to_owned()))
}

const NO_PASSWORD: &str =
    "give the password in SECURE_LOGIN_PASSWORD or --password-file (- for standard input)";
const NO_PIN: &str = "give the PIN in SECURE_LOGIN_PIN or --pin-file (- for standard input)";

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
        AdminCommand::CreateUser {
            name,
            password_file,
        } => {
            let password = read_secret(
                "SECURE_LOGIN_PASSWORD",
                password_file.as_deref(),
                NO_PASSWORD,
            )?;
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
        AdminCommand::IssueCard { name, pin_file } => {
            let pin = read_secret("SECURE_LOGIN_PIN", pin_file.as_deref(), NO_PIN)?;
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
        AdminCommand::ListUsers => {
            let lines: Vec<String> = verifier
                .list_accounts()?
                .iter()
                .map(|a| {
                    let state = if a.disabled { " disabled" } else { "" };
                    format!("{} (id {}) {} factors{state}", a.username, a.id, a.factors)
                })
                .collect();
            Ok(lines.join("\n"))
        }
        AdminCommand::Disable { name } => {
            let account = account(verifier, &name)?;
            verifier.set_disabled(&account.id, true)?;
            Ok(format!(
                "{} disabled; every session ended",
                account.username
            ))
        }
        AdminCommand::Enable { name } => {
            let account = account(verifier, &name)?;
            verifier.set_disabled(&account.id, false)?;
            Ok(format!("{} enabled", account.username))
        }
        AdminCommand::Delete { name } => {
            let account = account(verifier, &name)?;
            verifier.delete_account(&account.id)?;
            Ok(format!("{} (id {}) deleted", account.username, account.id))
        }
        AdminCommand::ResetPassword {
            name,
            password_file,
        } => {
            let password = read_secret(
                "SECURE_LOGIN_PASSWORD",
                password_file.as_deref(),
                NO_PASSWORD,
            )?;
            let account = account(verifier, &name)?;
            verifier.reset_password(&account.id, &password)?;
            Ok(format!(
                "new password set for {}; every session ended",
                account.username
            ))
        }
        AdminCommand::RetireFactor { name, factor_id } => {
            let account = account(verifier, &name)?;
            verifier.retire_factor(&account.id, factor_id)?;
            Ok(format!(
                "factor {factor_id} of {} retired; every session ended",
                account.username
            ))
        }
        AdminCommand::IssueRecoveryCodes { name } => {
            let account = account(verifier, &name)?;
            let issued = verifier.issue_recovery_codes_for(&account.id)?;
            Ok(format!(
                "factor {}: recovery codes (each good once; every session ended)\n{}",
                issued.factor,
                issued.codes.join("\n")
            ))
        }
        AdminCommand::RevokeSessions { name } => {
            let account = account(verifier, &name)?;
            let ended = verifier.end_all_sessions(&account.id)?;
            Ok(format!("{ended} sessions of {} ended", account.username))
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
        // The copy is of the SQLite file, below the verifier: the binary runs it with
        // [`backup`] before opening a verifier (it needs no key).
        AdminCommand::Backup { .. } => Err(Error::InvalidInput(
            "backup copies the SQLite file: run it as `admin backup DEST`",
        )),
    }
}

/// `admin backup DEST`: the database at `db` copied into the new file `dest` (see
/// [`SqliteStore::backup_to`]); the text to print.
///
/// # Errors
/// [`Error::InvalidInput`] when `db` is no file; as [`SqliteStore::backup_to`], and the
/// store's when `db` does not open.
pub fn backup(db: &Path, dest: &Path) -> Result<String, Error> {
    if !db.is_file() {
        // Opening would create an empty database, and back that up.
        return Err(Error::InvalidInput("no database file at --db"));
    }
    let store = SqliteStore::open(db)?;
    let pages = store.backup_to(dest)?;
    Ok(format!(
        "backed up {} to {} ({pages} pages); the key file is not in it: keep it apart",
        db.display(),
        dest.display()
    ))
}

fn kind_name(kind: NewFactor) -> &'static str {
    match kind {
        NewFactor::Sms => "sms",
        NewFactor::Voice => "voice",
        NewFactor::Totp => "totp",
    }
}
