//! The login transaction: password -> factor chosen -> challenge or code -> response -> success.

use serde::{Deserialize, Serialize};

use super::audit::EventKind;
use super::error::{Error, Result};
use super::lockout::{self, Charge};
use super::model::{
    Account, Factor, FactorKind, FactorSummary, LockState, Login, LoginState, ReplayState,
};
use super::outbox::NewMessage;
use super::ports::Channel;
use super::records::{key, load, load_or_default, retry, Loaded, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;
use secure_login_otp::ocra::ChallengeFormat;
use secure_login_otp::{
    Challenge, Ocra, OcraInput, OcraSuite, OcraWindow, Pin, Secret, Totp, Window,
};

/// The password was right: the login waits for one of these factors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginStarted {
    /// Names this login in the following calls.
    pub login_id: String,
    /// The account's factors to choose from (M2FS).
    pub factors: Vec<FactorSummary>,
}

/// What the login page shows once a factor is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "prompt", rename_all = "snake_case")]
pub enum Prompt {
    /// Type this challenge into the token or card and its response here.
    Challenge {
        /// The challenge.
        challenge: String,
        /// Digits of the expected response (0: the whole HMAC in hex).
        response_digits: u8,
        /// Unix seconds.
        expires_at: u64,
    },
    /// Type the authenticator app's current code.
    Code {
        /// Digits of the code.
        digits: u32,
    },
    /// A code was sent by SMS or voice.
    CodeSent(CodeSent),
    /// Type the temporary passcode.
    Passcode,
    /// Type one of the recovery codes.
    RecoveryCode,
}

/// An SMS or voice code on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSent {
    /// SMS or voice.
    pub channel: Channel,
    /// The number, masked.
    pub to: String,
    /// Digits of the code.
    pub digits: u32,
    /// Unix seconds when the code stops working.
    pub expires_at: u64,
    /// Unix seconds from when a new code may be asked for.
    pub resend_after: u64,
    /// The outbox id of the message (for [`Verifier::deliver`] and
    /// [`Verifier::delivery_status`]).
    #[serde(default)]
    pub message_id: String,
}

/// The answer to a response, a code or a push approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LoginOutcome {
    /// The login is complete.
    Success {
        /// Account id.
        account: String,
        /// The account's username.
        username: String,
    },
    /// Wrong (or already used) code.
    WrongCode {
        /// Attempts before the factor locks.
        attempts_left: u32,
    },
    /// Too many failures: nothing is checked until then, not even the right code.
    Locked {
        /// Unix seconds.
        until: u64,
    },
    /// The challenge, code or login is too old: start over.
    Expired,
}

/// Where a login stands (for the login page waiting on a push).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginStatus {
    /// Waiting for a second factor.
    Pending,
    /// Complete.
    Succeeded,
    /// The token denied the push.
    Denied,
    /// Too old.
    Expired,
}

impl LoginStatus {
    /// The status's name on the wire (`"pending"`, `"succeeded"`, `"denied"`, `"expired"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Denied => "denied",
            Self::Expired => "expired",
        }
    }
}

/// The longest response looked at.
const MAX_RESPONSE: usize = 128;

impl<S: Store> Verifier<S> {
    /// [`Verifier::start_login_from`] for a caller without a network source (tools, tests): every
    /// such call shares the source `local`.
    ///
    /// # Errors
    /// As [`Verifier::start_login_from`].
    pub fn start_login(&self, username: &str, password: &str) -> Result<LoginStarted> {
        self.start_login_from(username, password, "local")
    }

    /// Checks the first factor from `source` (the client address's throttle key, see
    /// [`super::source_of`]) and opens a login. Unknown usernames and wrong passwords give the
    /// same [`Error::BadCredentials`] after the same Argon2 work, and are throttled alike.
    ///
    /// # Errors
    /// [`Error::PasswordThrottled`], [`Error::BadCredentials`], [`Error::InvalidInput`],
    /// [`Error::Store`].
    pub fn start_login_from(
        &self,
        username: &str,
        password: &str,
        source: &str,
    ) -> Result<LoginStarted> {
        let account = self.check_password(username, password, source)?;
        let login_id = secrets::random_id(self.entropy.as_ref())?;
        let now = self.now();
        let login = Login {
            account: account.id.clone(),
            created_at: now,
            state: LoginState::AwaitingFactor,
            session_opened: false,
        };
        let mut tx = Tx::default();
        tx.put(key::login(&login_id), 0, &login)?.event(self.event(
            &account.id,
            None,
            EventKind::PasswordAccepted,
            format!("from {source}"),
        ));
        if !tx.commit(&self.store)? {
            return Err(Error::Store("login id collision".into()));
        }
        // Passkeys first: the one factor a phishing page cannot relay (issue 14).
        let mut factors: Vec<FactorSummary> = usable_factors(&account, now)
            .map(FactorSummary::from)
            .collect();
        // A token a migration replaced (working through its cooling-off) comes last.
        factors.sort_by_key(|f| (f.kind != "passkey", f.retires_at.is_some()));
        Ok(LoginStarted { login_id, factors })
    }

    /// Chooses the second factor of a login (the seed's M2FS: any of the account's factors).
    /// For a token or card this draws the challenge; for SMS or voice it queues the code's
    /// message in the same commit as the code's hash ([`Verifier::deliver`] sends it).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown login or factor, [`Error::Expired`],
    /// [`Error::NotAllowed`] once the login is over, [`Error::Throttled`] for a code asked too
    /// soon.
    pub fn choose_factor(&self, login_id: &str, factor_id: u32) -> Result<Prompt> {
        retry(&self.store, || {
            let now = self.now();
            let login = self.live_login(login_id, now)?;
            if matches!(
                login.value.state,
                LoginState::Succeeded { .. } | LoginState::Denied
            ) {
                return Err(Error::NotAllowed("this login is over"));
            }
            let account = self.account(&login.value.account)?;
            let factor = usable_factors(&account, now)
                .find(|f| f.id == factor_id)
                .ok_or(Error::NotFound("factor"))?;
            let mut tx = Tx::default();
            let (state, prompt) = match &factor.kind {
                FactorKind::SoftToken { suite, .. } | FactorKind::SecurityCard { suite, .. } => {
                    let challenge = self.random_challenge(suite)?;
                    let expires_at = now.saturating_add(self.policy.challenge_lifetime);
                    let state = LoginState::Challenge {
                        factor: factor.id,
                        challenge: challenge.clone(),
                        expires_at,
                    };
                    let prompt = Prompt::Challenge {
                        challenge,
                        response_digits: suite.digits(),
                        expires_at,
                    };
                    (state, prompt)
                }
                FactorKind::Totp { digits, .. } => (
                    LoginState::Totp { factor: factor.id },
                    Prompt::Code {
                        digits: u32::from(digits.get()),
                    },
                ),
                FactorKind::Sms { phone } | FactorKind::Voice { phone } => {
                    let channel = if matches!(factor.kind, FactorKind::Voice { .. }) {
                        Channel::Voice
                    } else {
                        Channel::Sms
                    };
                    let previous = login.value.state.message();
                    let (state, sent) =
                        self.new_code(&mut tx, &account, factor, (phone, channel), previous, now)?;
                    (state, Prompt::CodeSent(sent))
                }
                FactorKind::TemporaryPasscode { .. } => {
                    (LoginState::Passcode { factor: factor.id }, Prompt::Passcode)
                }
                FactorKind::Passkey { .. } => {
                    return Err(Error::NotAllowed(
                        "a passkey answers through its own ceremony (/passkey)",
                    ))
                }
                FactorKind::RecoveryCodes { .. } => (
                    LoginState::RecoveryCode { factor: factor.id },
                    Prompt::RecoveryCode,
                ),
            };
            let updated = Login {
                state,
                ..login.value.clone()
            };
            tx.put(key::login(login_id), login.version, &updated)?;
            Ok((tx, prompt))
        })
    }

    /// Sends a new SMS or voice code for a login waiting on one ("Didn't receive a security
    /// code?"). Only the newest code is valid afterwards. At most one per
    /// [`super::Policy::resend_interval`] per account and per number; resending never resets the
    /// failure count.
    ///
    /// # Errors
    /// [`Error::Throttled`] with the seconds to wait, [`Error::NotAllowed`] when the login is not
    /// waiting on a code, and as [`Verifier::choose_factor`].
    pub fn resend_code(&self, login_id: &str, channel: Channel) -> Result<CodeSent> {
        retry(&self.store, || {
            let now = self.now();
            let login = self.live_login(login_id, now)?;
            let LoginState::Code {
                factor,
                ref message,
                ..
            } = login.value.state
            else {
                return Err(Error::NotAllowed(
                    "this login is not waiting for an SMS or voice code",
                ));
            };
            let account = self.account(&login.value.account)?;
            let factor = account
                .live_factor(factor, now)
                .ok_or(Error::NotFound("factor"))?;
            let (FactorKind::Sms { phone } | FactorKind::Voice { phone }) = &factor.kind else {
                return Err(Error::NotAllowed("this factor has no phone"));
            };
            let mut tx = Tx::default();
            let (state, sent) = self.new_code(
                &mut tx,
                &account,
                factor,
                (phone, channel),
                message.as_deref(),
                now,
            )?;
            let updated = Login {
                state,
                ..login.value.clone()
            };
            tx.put(key::login(login_id), login.version, &updated)?;
            Ok((tx, sent))
        })
    }

    /// Checks the response, code or passcode typed for a login. Each attempt is charged before
    /// it is checked; a replayed code is refused exactly like a wrong one.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown login, [`Error::NotAllowed`] when no factor was chosen,
    /// [`Error::InvalidInput`] for a response that is no code at all (nothing is charged then);
    /// spaces and dashes in it are ignored.
    pub fn submit_response(&self, login_id: &str, response: &str) -> Result<LoginOutcome> {
        // Spaces and dashes typed for reading (`ABCD-EFGH`, `123 456`) are not part of a code.
        // Whatever its length, nothing of the input is dropped unread: too long is refused.
        if response.len() > MAX_RESPONSE * 4 {
            return Err(Error::InvalidInput("a response is letters and digits only"));
        }
        let response: String = response
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let response = response.as_str();
        if response.is_empty()
            || response.len() > MAX_RESPONSE
            || !response.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::InvalidInput("a response is letters and digits only"));
        }
        let now = self.now();
        let Some(login) = load::<Login>(&self.store, &key::login(login_id))? else {
            return Err(Error::NotFound("login"));
        };
        if self.login_expired(&login.value, now) {
            return Ok(LoginOutcome::Expired);
        }
        let factor_id = match &login.value.state {
            LoginState::Succeeded { factor, .. } => *factor, // a replay: charged and refused below
            LoginState::Push { .. } => {
                return Err(Error::NotAllowed(
                    "this login waits for a push; choose a factor",
                ))
            }
            state => state
                .pending_factor()
                .ok_or(Error::NotAllowed("choose a second factor first"))?,
        };
        if state_expired(&login.value.state, now) {
            return Ok(LoginOutcome::Expired);
        }
        let lock_key = key::lock(&login.value.account, factor_id);
        let (attempts_left, number) =
            match self.charge(&login.value.account, factor_id, &lock_key, now)? {
                Charge::Locked { until } => return Ok(LoginOutcome::Locked { until }),
                Charge::Allowed {
                    attempts_left,
                    number,
                } => (attempts_left, number),
            };
        let account = self.account(&login.value.account)?;
        if let Some(factor) = account.live_factor(factor_id, now) {
            if let Some(acceptance) = self.check(&login.value.state, factor, response, now) {
                if self.accept(login_id, &login, &account, factor, acceptance, now)? {
                    self.forgive(&lock_key, number)?;
                    return Ok(LoginOutcome::Success {
                        account: account.id.clone(),
                        username: account.username.clone(),
                    });
                }
            }
        }
        self.fail(&account.id, factor_id, &lock_key, attempts_left, now)
    }

    /// Where a login stands.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown login.
    pub fn login_status(&self, login_id: &str) -> Result<LoginStatus> {
        let login =
            load::<Login>(&self.store, &key::login(login_id))?.ok_or(Error::NotFound("login"))?;
        Ok(match login.value.state {
            LoginState::Succeeded { .. } => LoginStatus::Succeeded,
            LoginState::Denied => LoginStatus::Denied,
            _ if self.login_expired(&login.value, self.now()) => LoginStatus::Expired,
            _ => LoginStatus::Pending,
        })
    }

    /// The account of a completed login (for the server's session), if it is complete.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown login.
    pub fn completed_login(&self, login_id: &str) -> Result<Option<Account>> {
        let login =
            load::<Login>(&self.store, &key::login(login_id))?.ok_or(Error::NotFound("login"))?;
        match login.value.state {
            LoginState::Succeeded { .. } => Ok(Some(self.account(&login.value.account)?)),
            _ => Ok(None),
        }
    }

    pub(crate) fn live_login(&self, login_id: &str, now: u64) -> Result<Loaded<Login>> {
        let login =
            load::<Login>(&self.store, &key::login(login_id))?.ok_or(Error::NotFound("login"))?;
        if self.login_expired(&login.value, now) {
            return Err(Error::Expired);
        }
        Ok(login)
    }

    fn login_expired(&self, login: &Login, now: u64) -> bool {
        !matches!(login.state, LoginState::Succeeded { .. })
            && now >= login.created_at.saturating_add(self.policy.login_lifetime)
    }

    /// Charges one attempt against the lock at `lock_key`.
    pub(crate) fn charge(
        &self,
        account: &str,
        factor: u32,
        lock_key: &str,
        now: u64,
    ) -> Result<Charge> {
        retry(&self.store, || {
            let lock = load_or_default::<LockState>(&self.store, lock_key)?;
            let (next, verdict) = lockout::charge(&lock.value, now, &self.policy);
            let mut tx = Tx::default();
            if next != lock.value {
                tx.put(lock_key.to_owned(), lock.version, &next)?;
                // Guesses still being checked used up the attempts: this charge takes the lock.
                if let (Charge::Locked { until }, true) = (verdict, lock.value.locked_until <= now)
                {
                    tx.event(self.event(
                        account,
                        Some(factor),
                        EventKind::FactorLocked,
                        format!("until {until}"),
                    ));
                }
            }
            Ok((tx, verdict))
        })
    }

    /// After the success of the attempt charged as `number`: forgives the attempts charged up to
    /// it, not those charged since (see [`lockout::after_success`]).
    pub(crate) fn forgive(&self, lock_key: &str, number: u64) -> Result<()> {
        retry(&self.store, || {
            let lock = load_or_default::<LockState>(&self.store, lock_key)?;
            let next = lockout::after_success(&lock.value, number);
            let mut tx = Tx::default();
            if next != lock.value {
                tx.put(lock_key.to_owned(), lock.version, &next)?;
            }
            Ok((tx, ()))
        })
    }

    /// Records a failed check: locks the factor at the threshold.
    pub(crate) fn fail(
        &self,
        account: &str,
        factor: u32,
        lock_key: &str,
        attempts_left: u32,
        now: u64,
    ) -> Result<LoginOutcome> {
        retry(&self.store, || {
            let lock = load_or_default::<LockState>(&self.store, lock_key)?;
            let (next, locked) = lockout::after_failure(&lock.value, now, &self.policy);
            let mut tx = Tx::default();
            tx.event(self.event(account, Some(factor), EventKind::CodeRejected, ""));
            if next != lock.value {
                tx.put(lock_key.to_owned(), lock.version, &next)?;
            }
            let outcome = match locked {
                Some(until) => {
                    if next != lock.value {
                        tx.event(self.event(
                            account,
                            Some(factor),
                            EventKind::FactorLocked,
                            format!("until {until}"),
                        ));
                    }
                    LoginOutcome::Locked { until }
                }
                None => LoginOutcome::WrongCode { attempts_left },
            };
            Ok((tx, outcome))
        })
    }

    /// Whether `response` answers the login's prompt for `factor`; what to commit if it does.
    fn check(
        &self,
        state: &LoginState,
        factor: &Factor,
        response: &str,
        now: u64,
    ) -> Option<Acceptance> {
        match (state, &factor.kind) {
            (
                LoginState::Challenge { challenge, .. },
                FactorKind::SoftToken { suite, secret, .. },
            ) => {
                ocra_matches(suite, secret, None, challenge, response).then_some(Acceptance::Plain)
            }
            (
                LoginState::Challenge { challenge, .. },
                FactorKind::SecurityCard {
                    suite,
                    secret,
                    pin_hash,
                    ..
                },
            ) => ocra_matches(
                suite,
                secret,
                pin_hash.as_ref().map(|h| h.as_slice()),
                challenge,
                response,
            )
            .then_some(Acceptance::Plain),
            (
                LoginState::Totp { .. },
                FactorKind::Totp {
                    secret,
                    algorithm,
                    digits,
                    period,
                },
            ) => {
                let totp = Totp::from_secret(secret, *algorithm, *digits, *period).ok()?;
                let window = Window::new(self.policy.totp_window).ok()?;
                let found = totp.verify(response, now, window).ok()??;
                Some(Acceptance::TotpStep(found.step))
            }
            (
                LoginState::Code {
                    hash_hex, salt_hex, ..
                },
                FactorKind::Sms { .. } | FactorKind::Voice { .. },
            ) => secrets::code_matches(self.vault.as_ref(), salt_hex, hash_hex, response)
                .then_some(Acceptance::Plain),
            (
                LoginState::Passcode { .. },
                FactorKind::TemporaryPasscode {
                    hash_hex,
                    salt_hex,
                    expires_at,
                },
            ) => (now < *expires_at
                && secrets::code_matches(
                    self.vault.as_ref(),
                    salt_hex,
                    hash_hex,
                    &normalize_typed_code(response),
                ))
            .then_some(Acceptance::RetireFactor),
            (LoginState::RecoveryCode { .. }, FactorKind::RecoveryCodes { codes }) => {
                super::recovery::matching_code(self.vault.as_ref(), codes, response)
                    .map(Acceptance::RecoveryCode)
            }
            _ => None,
        }
    }

    /// Commits a success; `false` when another request used this login (or code) first.
    fn accept(
        &self,
        login_id: &str,
        login: &Loaded<Login>,
        account: &Account,
        factor: &Factor,
        acceptance: Acceptance,
        now: u64,
    ) -> Result<bool> {
        if matches!(login.value.state, LoginState::Succeeded { .. }) {
            return Ok(false);
        }
        let mut tx = Tx::default();
        let done = Login {
            state: LoginState::Succeeded {
                factor: factor.id,
                at: now,
            },
            ..login.value.clone()
        };
        tx.put(key::login(login_id), login.version, &done)?
            .event(self.event(
                &account.id,
                Some(factor.id),
                EventKind::LoginSucceeded,
                factor.kind.name(),
            ));
        match acceptance {
            Acceptance::Plain => {}
            Acceptance::TotpStep(step) => {
                let replay_key = key::replay(&account.id, factor.id);
                let replay = load_or_default::<ReplayState>(&self.store, &replay_key)?;
                if replay.value.last_step.is_some_and(|last| step <= last) {
                    return Ok(false); // this step's code was already used
                }
                tx.put(
                    replay_key,
                    replay.version,
                    &ReplayState {
                        last_step: Some(step),
                    },
                )?;
            }
            Acceptance::RecoveryCode(index) => {
                if !self.spend_recovery_code(&mut tx, &account.id, factor.id, index, now)? {
                    return Ok(false); // another login spent this code first
                }
            }
            Acceptance::RetireFactor => {
                let loaded = self.account_record(&account.id)?;
                let mut updated = loaded.value.clone();
                for f in updated.factors.iter_mut().filter(|f| f.id == factor.id) {
                    f.retired_at = Some(now);
                }
                tx.put_account(self.vault.as_ref(), loaded.version, &updated)?
                    .event(self.event(
                        &account.id,
                        Some(factor.id),
                        EventKind::FactorRetired,
                        "used",
                    ));
            }
        }
        tx.commit(&self.store)
    }

    /// Draws a code and writes into `tx` its hash (the new login state, returned), its message
    /// in the outbox, and the throttles; the login's `previous` message, if still pending, is
    /// superseded.
    fn new_code(
        &self,
        tx: &mut Tx,
        account: &Account,
        factor: &Factor,
        (phone, channel): (&str, Channel),
        previous: Option<&str>,
        now: u64,
    ) -> Result<(LoginState, CodeSent)> {
        let code = secrets::random_digits(self.entropy.as_ref(), self.code_len())?;
        let (salt_hex, hash_hex) =
            secrets::hash_code(self.entropy.as_ref(), self.vault.as_ref(), &code)?;
        let expires_at = now.saturating_add(self.policy.code_lifetime);
        let (message_id, resend_after) = self.queue_message(
            tx,
            NewMessage {
                account: &account.id,
                factor: Some(factor.id),
                channel,
                purpose: "login",
                phone,
                code,
                expires_at,
            },
            now,
        )?;
        if let Some(previous) = previous {
            self.supersede(tx, previous, now)?;
        }
        let state = LoginState::Code {
            factor: factor.id,
            hash_hex,
            salt_hex,
            expires_at,
            message: Some(message_id.clone()),
        };
        let sent = CodeSent {
            channel,
            to: super::model::mask_phone(phone),
            digits: self.policy.code_digits,
            expires_at,
            resend_after,
            message_id,
        };
        Ok((state, sent))
    }

    pub(crate) fn code_len(&self) -> usize {
        usize::try_from(self.policy.code_digits).unwrap_or(6)
    }

    /// A challenge for the suite, drawn at its full length.
    fn random_challenge(&self, suite: &OcraSuite) -> Result<String> {
        let spec = suite.challenge();
        let alphabet: &[u8] = match spec.format() {
            ChallengeFormat::Numeric => b"0123456789",
            ChallengeFormat::Hex => b"0123456789ABCDEF",
            ChallengeFormat::Alphanumeric => b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789",
        };
        secrets::random_text(self.entropy.as_ref(), alphabet, spec.max_len())
    }
}

/// What committing a success must also do.
#[derive(Debug, Clone, Copy)]
enum Acceptance {
    /// Nothing more: the login's state change is the single use.
    Plain,
    /// Record the TOTP step as used.
    TotpStep(u64),
    /// Retire the factor (a temporary passcode is good once).
    RetireFactor,
    /// Mark this recovery code used (and retire the set when it was the last).
    RecoveryCode(usize),
}

/// A typed passcode or recovery code as issued: upper case, without the spaces and dashes people
/// type for reading.
pub(crate) fn normalize_typed_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Factors a login may use now: active, and temporary passcodes only before they expire.
pub(crate) fn usable_factors(account: &Account, now: u64) -> impl Iterator<Item = &Factor> {
    account.live_factors(now).filter(move |f| match &f.kind {
        FactorKind::TemporaryPasscode { expires_at, .. } => now < *expires_at,
        FactorKind::RecoveryCodes { codes } => codes.iter().any(|c| c.used_at.is_none()),
        _ => true,
    })
}

fn state_expired(state: &LoginState, now: u64) -> bool {
    match state {
        LoginState::Challenge { expires_at, .. } | LoginState::Code { expires_at, .. } => {
            now > *expires_at
        }
        _ => false,
    }
}

/// Whether `response` is the OCRA response to `challenge`, checked in constant time.
pub(crate) fn ocra_matches(
    suite: &OcraSuite,
    secret: &Secret,
    pin_hash: Option<&[u8]>,
    challenge: &str,
    response: &str,
) -> bool {
    let Ok(challenge) = Challenge::new(suite.challenge(), challenge) else {
        return false;
    };
    let Ok(ocra) = Ocra::from_secret(suite.clone(), secret) else {
        return false;
    };
    let input = OcraInput {
        pin: pin_hash.map(Pin::Hash),
        ..OcraInput::challenge(&challenge)
    };
    matches!(
        ocra.verify(response, &input, OcraWindow::default()),
        Ok(Some(_))
    )
}

impl<S: Store> Verifier<S> {
    /// The account with this id.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn account(&self, id: &str) -> Result<Account> {
        Ok(self.account_record(id)?.value)
    }

    pub(crate) fn account_record(&self, id: &str) -> Result<Loaded<Account>> {
        let stored = self
            .store
            .get(&key::account(id))?
            .ok_or(Error::NotFound("account"))?;
        Ok(Loaded {
            value: super::sealing::open_account(&stored.value, self.vault.as_ref())?,
            version: stored.version,
        })
    }

    /// The account registered under `username` (case-insensitive), if any.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn account_by_username(&self, username: &str) -> Result<Option<Account>> {
        match load::<String>(&self.store, &key::username(username))? {
            Some(id) => Ok(Some(self.account(&id.value)?)),
            None => Ok(None),
        }
    }
}
