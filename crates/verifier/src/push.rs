//! Push approval (the seed's "seamless" login): the login page shows a number, the soft token
//! asks the person to type it, and answers with a MAC over (request, number, decision).

use serde::{Deserialize, Serialize};

use super::audit::EventKind;
use super::device::{action, DeviceCall};
use super::error::{Error, Result};
use super::model::{
    FactorKind, Login, LoginState, PushLog, PushRequest, PushState, MAX_PUSH_FAILURES,
};
use super::records::{key, load, load_or_default, retry, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;
use secure_login_otp::{hex_decode, verify_push_response, PushDecision};

/// A push on its way: show `number` on the login screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushStarted {
    /// Names the request for the token.
    pub request_id: String,
    /// The number to type on the token (10 to 99).
    pub number: u32,
    /// Unix seconds.
    pub expires_at: u64,
}

/// A push waiting on a device, as the token page lists it: no number (that is on the login
/// screen, where the person must look).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPush {
    /// The request.
    pub request_id: String,
    /// Whose login it is.
    pub username: String,
    /// The soft token factor asked.
    pub factor: u32,
    /// Unix seconds.
    pub expires_at: u64,
}

/// What became of a push answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum PushAnswer {
    /// Approved with the right number: the login is complete.
    Approved,
    /// Denied on the token: the login is over.
    Denied,
    /// Wrong number, wrong MAC, or the request was answered already (all look alike).
    Rejected {
        /// Answers left before this request is spent (never the factor's attempts).
        attempts_left: u32,
    },
    /// The request is too old, or spent by [`MAX_PUSH_FAILURES`] wrong answers.
    Expired,
}

impl<S: Store> Verifier<S> {
    /// Sends a push to the account's soft token for this login.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] when the account has no soft token with a device credential (a token
    /// activated before device authentication answers challenges only) or the login is over,
    /// [`Error::Throttled`] within [`super::Policy::push_interval`] of the last push,
    /// [`Error::NotFound`], [`Error::Expired`].
    pub fn start_push(&self, login_id: &str) -> Result<PushStarted> {
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
            // The newest token: during a migration's cooling-off the old one still answers a
            // challenge, but pushes go to the device the person moved to.
            let (factor, handle) = account
                .live_factors(now)
                .filter_map(|f| match &f.kind {
                    FactorKind::SoftToken {
                        device: Some(device),
                        ..
                    } => Some((f, device.handle.clone())),
                    _ => None,
                })
                .last()
                .ok_or(Error::NotAllowed(
                    "the account has no soft token that takes pushes",
                ))?;
            let log_key = key::push_log(&account.id);
            let log = load_or_default::<PushLog>(&self.store, &log_key)?;
            if let Some(last) = log.value.last_push_at {
                let next = last.saturating_add(self.policy.push_interval);
                if now < next {
                    return Err(Error::Throttled {
                        retry_after: next - now,
                    });
                }
            }
            let request_id = secrets::random_id(self.entropy.as_ref())?;
            let number = 10 + secrets::random_below(self.entropy.as_ref(), 90)?;
            let expires_at = now.saturating_add(self.policy.push_lifetime);
            let request = PushRequest {
                login: login_id.to_owned(),
                account: account.id.clone(),
                factor: factor.id,
                number,
                expires_at,
                state: PushState::Pending,
                failures: 0,
            };
            let waiting = Login {
                state: LoginState::Push {
                    factor: factor.id,
                    request: request_id.clone(),
                },
                ..login.value.clone()
            };
            let mut tx = Tx::default();
            tx.put(key::push(&request_id), 0, &request)?
                .put(key::device_push(&handle, &request_id), 0, &handle)?
                .put(
                    log_key,
                    log.version,
                    &PushLog {
                        last_push_at: Some(now),
                    },
                )?
                .put(key::login(login_id), login.version, &waiting)?
                .event(self.event(&account.id, Some(factor.id), EventKind::PushSent, ""));
            Ok((
                tx,
                PushStarted {
                    request_id,
                    number,
                    expires_at,
                },
            ))
        })
    }

    /// Pushes waiting for the soft token `handle`, with no proof: only for a caller that
    /// authenticated the token ([`Verifier::device_pushes`], or a stream opened with
    /// [`Verifier::open_stream`]).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn pending_pushes(&self, handle: &str) -> Result<Vec<PendingPush>> {
        let now = self.now();
        let mut pending = Vec::new();
        let prefix = key::device_pushes(handle);
        for (index_key, index) in self.store.scan(&prefix)? {
            let request_id = index_key.trim_start_matches(&prefix).to_owned();
            let Some(push) = load::<PushRequest>(&self.store, &key::push(&request_id))? else {
                continue;
            };
            if push.value.state != PushState::Pending
                || now >= push.value.expires_at
                || push.value.failures >= MAX_PUSH_FAILURES
            {
                // Answered or expired: drop it from the device's index (a lost race is harmless).
                let mut tx = Tx::default();
                tx.delete(index_key, index.version);
                tx.commit(&self.store)?;
                continue;
            }
            let account = self.account(&push.value.account)?;
            let on_device = account.live_factor(push.value.factor, now).is_some_and(|f| {
                matches!(&f.kind, FactorKind::SoftToken { device: Some(d), .. } if d.handle == handle)
            });
            if on_device {
                pending.push(PendingPush {
                    request_id,
                    username: account.username.clone(),
                    factor: push.value.factor,
                    expires_at: push.value.expires_at,
                });
            }
        }
        Ok(pending)
    }

    /// The token's answer to a push: `call` proves the token ([`super::device::action::ANSWER`],
    /// detail `"{request_id} {approve|deny}"`) and `mac_hex`, from
    /// [`secure_login_otp::push_response`] over the number the person typed, proves the PIN and
    /// the number. Only the token the push went to may answer; a wrong number or PIN counts
    /// against this request ([`MAX_PUSH_FAILURES`] spend it), never against the factor.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] for a refused device proof or a push of another token,
    /// [`Error::NotFound`] for an unknown request, [`Error::InvalidInput`] for a MAC that is not
    /// hex.
    pub fn answer_push(
        &self,
        call: DeviceCall<'_>,
        request_id: &str,
        decision: PushDecision,
        mac_hex: &str,
    ) -> Result<PushAnswer> {
        if mac_hex.len() != 64 || hex_decode(mac_hex).is_err() {
            return Err(Error::InvalidInput("the push answer must be 64 hex digits"));
        }
        let word = match decision {
            PushDecision::Approve => "approve",
            PushDecision::Deny => "deny",
        };
        let device =
            self.authenticate_device(call, action::ANSWER, &format!("{request_id} {word}"))?;
        let now = self.now();
        let push = load::<PushRequest>(&self.store, &key::push(request_id))?
            .ok_or(Error::NotFound("push request"))?;
        let request = &push.value;
        if request.account != device.account || request.factor != device.factor {
            return Err(Error::NotAllowed("the device proof was refused"));
        }
        if now >= request.expires_at || request.failures >= MAX_PUSH_FAILURES {
            return Ok(PushAnswer::Expired);
        }
        let account = self.account(&request.account)?;
        let secret = account
            .live_factor(request.factor, now)
            .and_then(|f| match &f.kind {
                FactorKind::SoftToken { secret, .. } => Some(secret.expose_secret()),
                _ => None,
            });
        let genuine = secret.is_some_and(|secret| {
            matches!(
                verify_push_response(secret, request_id, request.number, decision, mac_hex),
                Ok(true)
            )
        });
        if genuine
            && request.state == PushState::Pending
            && self.settle_push(request_id, &push, decision, now)?
        {
            return Ok(match decision {
                PushDecision::Approve => PushAnswer::Approved,
                PushDecision::Deny => PushAnswer::Denied,
            });
        }
        self.fail_push(request_id)
    }

    /// Counts a wrong answer against the request (re-read, so concurrent answers all count).
    fn fail_push(&self, request_id: &str) -> Result<PushAnswer> {
        retry(&self.store, || {
            let push = load::<PushRequest>(&self.store, &key::push(request_id))?
                .ok_or(Error::NotFound("push request"))?;
            let failures = push.value.failures.saturating_add(1).min(MAX_PUSH_FAILURES);
            let mut tx = Tx::default();
            if push.value.state == PushState::Pending {
                let counted = PushRequest {
                    failures,
                    ..push.value.clone()
                };
                tx.put(key::push(request_id), push.version, &counted)?;
            }
            let answer = if failures >= MAX_PUSH_FAILURES {
                PushAnswer::Expired
            } else {
                PushAnswer::Rejected {
                    attempts_left: MAX_PUSH_FAILURES - failures,
                }
            };
            Ok((tx, answer))
        })
    }

    /// Marks the push answered and the login complete (or denied), both or neither.
    fn settle_push(
        &self,
        request_id: &str,
        push: &super::records::Loaded<PushRequest>,
        decision: PushDecision,
        now: u64,
    ) -> Result<bool> {
        let request = &push.value;
        let Some(login) = load::<Login>(&self.store, &key::login(&request.login))? else {
            return Ok(false);
        };
        let waiting =
            matches!(&login.value.state, LoginState::Push { request: r, .. } if r == request_id);
        if !waiting {
            return Ok(false); // the login moved on (another factor, or done)
        }
        let (push_state, login_state, kind) = match decision {
            PushDecision::Approve => (
                PushState::Approved,
                LoginState::Succeeded {
                    factor: request.factor,
                    at: now,
                },
                EventKind::PushApproved,
            ),
            PushDecision::Deny => (PushState::Denied, LoginState::Denied, EventKind::PushDenied),
        };
        let answered = PushRequest {
            state: push_state,
            ..request.clone()
        };
        let login_after = Login {
            state: login_state,
            ..login.value.clone()
        };
        let mut tx = Tx::default();
        tx.put(key::push(request_id), push.version, &answered)?
            .put(key::login(&request.login), login.version, &login_after)?
            .event(self.event(&request.account, Some(request.factor), kind, ""));
        if decision == PushDecision::Approve {
            tx.event(self.event(
                &request.account,
                Some(request.factor),
                EventKind::LoginSucceeded,
                "push",
            ));
        }
        tx.commit(&self.store)
    }
}
