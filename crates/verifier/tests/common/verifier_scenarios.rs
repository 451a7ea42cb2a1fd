//! The verifier's rules, each at its boundary, against any store. Included by
//! `crates/verifier/tests/verifier.rs` (in-memory store) and `server/tests/it/verifier_sqlite.rs` (SQLite), which
//! instantiate every scenario with `verifier_scenarios!(make_store)`.
//!
//! The token side of each exchange is computed with `secure_login_otp`, whose outputs the RFC
//! vectors and the oathtool / Python `oath` cross-checks establish independently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;

use secure_login_otp::{
    device_proof, hex_decode, push_response, Challenge, Digits, HashAlgorithm, Ocra, OcraInput,
    OcraSuite, Pin, PushDecision, Secret, TimeStep, Totp,
};
use secure_login_verifier::{
    device_action, ActivationOutcome, AeadVault, AuditEvent, Channel, Clock, Courier, Deliverer,
    DeliveryPolicy, DeliveryState, DeviceCall, DeviceCredential, Error, EventKind, FactorKind,
    LoginOutcome, LoginStatus, Message, PhoneChangeOutcome, Policy, Prompt, PushAnswer, Store,
    Verifier, Versioned, Write,
};

/// The start of every scenario: 2026-11-25 00:00:00 UTC.
pub const T0: u64 = 1_795_651_200;
pub const PASSWORD: &str = "correct horse battery";
pub const PHONE: &str = "+41791234567";

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The demo phone: keeps every message. Reading it first delivers what the outbox holds (as
/// the server's worker would); `refuse` makes it refuse that many deliveries, like a gateway down.
#[derive(Default)]
pub struct Phone {
    inbox: Mutex<Vec<Message>>,
    refuse: AtomicU32,
    crash: AtomicU32,
    deliver_pending: OnceLock<Box<dyn Fn() + Send + Sync>>,
}

/// The deliverer of the scenarios' "worker".
pub fn worker() -> Deliverer {
    Deliverer {
        instance: "test".into(),
        nonce: "1".into(),
    }
}

impl Phone {
    pub fn messages(&self) -> Vec<Message> {
        if let Some(deliver) = self.deliver_pending.get() {
            deliver();
        }
        self.inbox.lock().unwrap().clone()
    }
    /// Messages received so far, without delivering what is pending.
    pub fn received(&self) -> Vec<Message> {
        self.inbox.lock().unwrap().clone()
    }
    pub fn refuse(&self, times: u32) {
        self.refuse.store(times, Ordering::SeqCst);
    }
    /// The next delivery dies mid-send (a panic standing for the process being killed).
    pub fn crash_next(&self) {
        self.crash.store(1, Ordering::SeqCst);
    }
    pub fn last_code(&self) -> String {
        self.messages()
            .last()
            .expect("a message was sent")
            .code
            .clone()
    }
}

impl Courier for Phone {
    fn send(&self, message: &Message) -> secure_login_verifier::Result<()> {
        let refused = self
            .refuse
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if refused {
            return Err(Error::Courier("the gateway answered 503".into()));
        }
        if self.crash.swap(0, Ordering::SeqCst) == 1 {
            panic!("killed while sending");
        }
        self.inbox.lock().unwrap().push(message.clone());
        Ok(())
    }
}

pub struct World<S: Store> {
    pub verifier: Arc<Verifier<S>>,
    pub clock: Arc<ManualClock>,
    pub phone: Arc<Phone>,
}

/// The default policy with a cheap password hash, so tests run fast.
pub fn test_policy() -> Policy {
    Policy {
        password_memory_kib: 64,
        password_iterations: 1,
        ..Policy::default()
    }
}

pub fn world<S: Store + 'static>(store: S) -> World<S> {
    let clock = Arc::new(ManualClock(AtomicU64::new(T0)));
    let phone = Arc::new(Phone::default());
    let verifier = Verifier::new(
        store,
        test_policy(),
        clock.clone(),
        Arc::new(SeededEntropy::new("verifier")),
        phone.clone(),
        Arc::new(AeadVault::new(
            &[0x5e; 32],
            Arc::new(SeededEntropy::new("vault")),
        )),
    )
    .unwrap();
    let verifier = Arc::new(verifier);
    let weak = Arc::downgrade(&verifier);
    let deliver: Box<dyn Fn() + Send + Sync> = Box::new(move || {
        if let Some(v) = weak.upgrade() {
            for id in v.due_messages(&worker()).unwrap() {
                v.deliver(&id, &worker(), &DeliveryPolicy::default())
                    .unwrap();
            }
        }
    });
    let _ = phone.deliver_pending.set(deliver);
    World {
        verifier,
        clock,
        phone,
    }
}

/// A store that can hold an attempt right after it is charged, so a scenario can interleave
/// charges and checks exactly (what real concurrency only does by chance).
pub struct Stepped<S: Store> {
    inner: S,
    /// Threads to hold after their first commit that writes a lock record (their charge).
    held: Mutex<HashMap<ThreadId, Hold>>,
}

/// A held thread's signal "charged" and its wait for "go on".
type Hold = (Sender<()>, Receiver<()>);

impl<S: Store> Stepped<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            held: Mutex::new(HashMap::new()),
        }
    }

    fn take(&self) -> Option<Hold> {
        self.held
            .lock()
            .unwrap()
            .remove(&std::thread::current().id())
    }
}

impl<S: Store> Store for Stepped<S> {
    fn get(&self, key: &str) -> secure_login_verifier::Result<Option<Versioned>> {
        self.inner.get(key)
    }
    fn scan(&self, prefix: &str) -> secure_login_verifier::Result<Vec<(String, Versioned)>> {
        self.inner.scan(prefix)
    }
    fn commit(
        &self,
        writes: &[Write],
        events: &[AuditEvent],
    ) -> secure_login_verifier::Result<bool> {
        let committed = self.inner.commit(writes, events)?;
        if committed && writes.iter().any(|w| w.key.starts_with("lock/")) {
            if let Some((charged, go_on)) = self.take() {
                charged.send(()).unwrap();
                go_on.recv().unwrap();
            }
        }
        Ok(committed)
    }
    fn events(
        &self,
        account: &str,
        limit: usize,
    ) -> secure_login_verifier::Result<Vec<AuditEvent>> {
        self.inner.events(account, limit)
    }
}

/// An attempt charged and held before its check.
pub struct Held {
    go_on: Sender<()>,
    thread: JoinHandle<LoginOutcome>,
}

impl Held {
    /// Lets the attempt be checked; its outcome.
    pub fn finish(self) -> LoginOutcome {
        let _ = self.go_on.send(()); // gone if the attempt was never held
        self.thread.join().unwrap()
    }
}

/// Submits `response` to `login` on a thread of its own and returns once the attempt is charged,
/// held there until [`Held::finish`].
pub fn charge_and_hold<S: Store + 'static>(
    w: &World<Stepped<S>>,
    login: &str,
    response: &str,
) -> Held {
    let (charged_tx, charged) = channel();
    let (go_on, go_on_rx) = channel();
    let (verifier, login, response) = (w.verifier.clone(), login.to_owned(), response.to_owned());
    let thread = std::thread::spawn(move || {
        verifier
            .store()
            .held
            .lock()
            .unwrap()
            .insert(std::thread::current().id(), (charged_tx.clone(), go_on_rx));
        let outcome = verifier.submit_response(&login, &response).unwrap();
        // Not held (nothing was charged): say so, so the scenario fails instead of waiting.
        if verifier.store().take().is_some() {
            charged_tx.send(()).unwrap();
        }
        outcome
    });
    charged
        .recv_timeout(Duration::from_secs(30))
        .expect("the attempt was charged");
    Held { go_on, thread }
}

pub const SOFT_SUITE: &str = "OCRA-1:HOTP-SHA256-8:QN08";
pub const SOFT_SECRET: &str = "3132333435363738393031323334353637383930313233343536373839303132";
pub const TOTP_SECRET: &str = "3132333435363738393031323334353637383930";

/// The device key of the scenarios' soft tokens (any 32 bytes: the proofs are computed with
/// `secure_login_otp::device_proof`, checked against Python's hmac in its unit tests).
pub const DEVICE_KEY: &str = "4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60";

/// The handle of the soft token activated on `device` in the scenarios.
pub fn handle_of(device: &str) -> String {
    format!("handle{}", device.replace('-', ""))
}

/// The soft token factor of the scenarios (RFC 6287's 32-byte key), with its device credential.
pub fn soft_token_kind(device: &str) -> FactorKind {
    FactorKind::SoftToken {
        suite: SOFT_SUITE.parse().unwrap(),
        secret: Secret::from_hex(SOFT_SECRET).unwrap(),
        device_id: device.into(),
        device: Some(DeviceCredential {
            handle: handle_of(device),
            key: Secret::from_hex(DEVICE_KEY).unwrap(),
        }),
    }
}

/// A fresh nonce from the verifier and the token's proof of `action` with `key` (hex).
pub fn prove<S: Store>(
    w: &World<S>,
    handle: &str,
    key_hex: &str,
    action: &str,
    detail: &str,
) -> (String, String) {
    let nonce = w.verifier.device_challenge(handle).unwrap().nonce;
    let key = hex_decode(key_hex).unwrap();
    let proof = device_proof(&key, &nonce, action, handle, detail).unwrap();
    (nonce, proof)
}

/// The pushes the token `device` of the scenarios lists, with a good proof.
pub fn listed<S: Store>(w: &World<S>, device: &str) -> Vec<secure_login_verifier::PendingPush> {
    let handle = handle_of(device);
    let (nonce, proof) = prove(w, &handle, DEVICE_KEY, device_action::PUSHES, "");
    w.verifier
        .device_pushes(DeviceCall {
            handle: &handle,
            nonce: &nonce,
            proof: &proof,
        })
        .unwrap()
}

/// The token `device` of the scenarios answers push `request` (its MAC `mac`), with a good proof.
pub fn answer<S: Store>(
    w: &World<S>,
    device: &str,
    request: &str,
    decision: PushDecision,
    mac: &str,
) -> secure_login_verifier::Result<PushAnswer> {
    let handle = handle_of(device);
    let word = match decision {
        PushDecision::Approve => "approve",
        PushDecision::Deny => "deny",
    };
    let (nonce, proof) = prove(
        w,
        &handle,
        DEVICE_KEY,
        device_action::ANSWER,
        &format!("{request} {word}"),
    );
    let call = DeviceCall {
        handle: &handle,
        nonce: &nonce,
        proof: &proof,
    };
    w.verifier.answer_push(call, request, decision, mac)
}

/// The authenticator app of the scenarios (RFC 6238's SHA-1 key, 6 digits, 30 s).
pub fn totp_kind() -> FactorKind {
    FactorKind::authenticator_app(Secret::from_hex(TOTP_SECRET).unwrap())
}

/// An account with a soft token, a TOTP app, SMS and voice.
pub fn alice<S: Store>(w: &World<S>) -> (String, Factors) {
    let v = &w.verifier;
    let account = v.create_account("alice", PASSWORD).unwrap().id;
    let soft = v
        .add_factor(&account, "IB Key", soft_token_kind("phone-a"))
        .unwrap();
    let totp = v.add_factor(&account, "app", totp_kind()).unwrap();
    let sms = v
        .add_factor(
            &account,
            "mobile",
            FactorKind::Sms {
                phone: PHONE.into(),
            },
        )
        .unwrap();
    let voice = v
        .add_factor(
            &account,
            "mobile (voice)",
            FactorKind::Voice {
                phone: PHONE.into(),
            },
        )
        .unwrap();
    (
        account,
        Factors {
            soft,
            totp,
            sms,
            voice,
        },
    )
}

#[derive(Debug, Clone, Copy)]
pub struct Factors {
    pub soft: u32,
    pub totp: u32,
    pub sms: u32,
    pub voice: u32,
}

/// What the soft token answers to `challenge`.
pub fn token_response(challenge: &str) -> String {
    ocra_response(SOFT_SUITE, SOFT_SECRET, challenge, None)
}

pub fn ocra_response(suite: &str, secret_hex: &str, challenge: &str, pin: Option<&str>) -> String {
    let suite: OcraSuite = suite.parse().unwrap();
    let challenge = Challenge::new(suite.challenge(), challenge).unwrap();
    let ocra = Ocra::new(suite, &hex_decode(secret_hex).unwrap()).unwrap();
    let input = OcraInput {
        pin: pin.map(Pin::Plain),
        ..OcraInput::challenge(&challenge)
    };
    ocra.respond(&input).unwrap()
}

pub fn totp_code(at: u64) -> String {
    let totp = Totp::new(
        &hex_decode(TOTP_SECRET).unwrap(),
        HashAlgorithm::Sha1,
        Digits::SIX,
        TimeStep::DEFAULT,
    )
    .unwrap();
    totp.generate(at).unwrap().to_string()
}

pub fn challenge_of(prompt: &Prompt) -> String {
    match prompt {
        Prompt::Challenge { challenge, .. } => challenge.clone(),
        other => panic!("expected a challenge, got {other:?}"),
    }
}

/// A wrong answer of the right shape.
pub fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect()
}

pub fn login<S: Store>(w: &World<S>) -> String {
    w.verifier.start_login("alice", PASSWORD).unwrap().login_id
}

/// A new login of Alice's completed with her authenticator app (a fresh TOTP step each time).
pub fn totp_login<S: Store>(w: &World<S>, totp_factor: u32) -> String {
    let id = login(w);
    w.verifier.choose_factor(&id, totp_factor).unwrap();
    w.clock.advance(30);
    assert!(matches!(
        w.verifier
            .submit_response(&id, &totp_code(w.clock.now()))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
    id
}

/// What Alice's account page shows after a login with her authenticator app: the device code
/// that moves her soft token (an account with a device binds nothing by SMS).
pub fn device_code<S: Store>(w: &World<S>, totp_factor: u32) -> String {
    let id = totp_login(w, totp_factor);
    w.verifier.issue_device_code(&id).unwrap().code
}

pub fn events_of<S: Store>(w: &World<S>, account: &str, kind: EventKind) -> usize {
    w.verifier
        .recent_events(account, 1000)
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

// ---------------------------------------------------------------------------------------------

/// Wrong passwords for `name` from `source` until the first refusal unchecked; how many were
/// checked, and the wait the refusal named.
fn guess_until_throttled<S: Store>(w: &World<S>, name: &str, source: &str) -> (u32, u64) {
    let mut checked = 0;
    loop {
        match w.verifier.start_login_from(name, "a wrong guess", source) {
            Err(Error::BadCredentials) => checked += 1,
            Err(Error::PasswordThrottled { retry_after }) => return (checked, retry_after),
            other => panic!("{other:?}"),
        }
    }
}

pub fn wrong_passwords_wait_longer_and_longer_never_locked<S: Store>(w: World<S>) {
    let (account, _) = alice(&w);
    // Five free, the sixth sets the first wait: 1 s, then 2, 4, 8, 16, 32, 60, 60 ...
    assert_eq!(guess_until_throttled(&w, "alice", "198.51.100.1"), (6, 1));
    let mut waits = Vec::new();
    for _ in 0..8 {
        let (_, wait) = guess_until_throttled(&w, "alice", "198.51.100.1");
        w.clock.advance(wait);
        let (checked, next) = guess_until_throttled(&w, "alice", "198.51.100.1");
        assert_eq!(checked, 1);
        waits.push(next);
    }
    assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60, 60]);
    // Another address is throttled by the account all the same, and an unknown name alike.
    assert_eq!(guess_until_throttled(&w, "alice", "203.0.113.9"), (0, 60));
    assert_eq!(guess_until_throttled(&w, "mallory", "203.0.113.9"), (6, 1));
    // Every checked guess left one event; none of the refused ones did.
    assert_eq!(events_of(&w, &account, EventKind::PasswordRejected), 14);
    // The right password after the wait: accepted, and the run of failures is over.
    w.clock.advance(60);
    assert!(w
        .verifier
        .start_login_from("alice", PASSWORD, "198.51.100.1")
        .is_ok());
    assert_eq!(w.verifier.password_failures("alice").unwrap().failures, 0);
}

pub fn from_the_hundredth_failure_every_attempt_waits_fifteen_minutes<S: Store>(w: World<S>) {
    alice(&w);
    let mut failures = 0;
    let mut source = 0;
    while failures < 100 {
        // Many addresses, so only the account's throttle counts.
        source += 1;
        match w.verifier.start_login_from(
            "alice",
            "a wrong guess",
            &format!("192.0.2.{}", source % 200),
        ) {
            Err(Error::BadCredentials) => failures += 1,
            Err(Error::PasswordThrottled { retry_after }) => w.clock.advance(retry_after),
            other => panic!("{other:?}"),
        }
    }
    let (checked, wait) = guess_until_throttled(&w, "alice", "192.0.2.250");
    assert_eq!((checked, wait), (0, 900));
    w.clock.advance(900);
    assert_eq!(guess_until_throttled(&w, "alice", "192.0.2.250"), (1, 900));
    // The real user still gets in once the wait is over.
    w.clock.advance(900);
    assert!(w
        .verifier
        .start_login_from("alice", PASSWORD, "10.0.0.1")
        .is_ok());
}

pub fn a_source_is_slowed_across_accounts<S: Store>(w: World<S>) {
    for i in 0..30 {
        w.verifier
            .create_account(&format!("user{i}"), PASSWORD)
            .unwrap();
    }
    let mut checked = 0;
    let wait = loop {
        let name = format!("user{}", checked % 30);
        match w
            .verifier
            .start_login_from(&name, "a wrong guess", "2001:db8::/64")
        {
            Err(Error::BadCredentials) => checked += 1,
            Err(Error::PasswordThrottled { retry_after }) => break retry_after,
            other => panic!("{other:?}"),
        }
    };
    // Twenty free and the one that set the first wait; no account had more than one.
    assert_eq!((checked, wait), (21, 1));
    // A right password from that source is accepted, and takes back only its own charge: the
    // next guess from there still waits.
    w.clock.advance(1);
    assert!(w
        .verifier
        .start_login_from("user0", PASSWORD, "2001:db8::/64")
        .is_ok());
    assert!(matches!(
        w.verifier
            .start_login_from("user1", "a wrong guess", "2001:db8::/64"),
        Err(Error::PasswordThrottled { .. })
    ));
    // Other sources are not slowed by this one.
    assert!(w
        .verifier
        .start_login_from("user3", PASSWORD, "10.9.8.7")
        .is_ok());
}

pub fn first_factor_answers_alike<S: Store>(w: World<S>) {
    alice(&w);
    let unknown = w.verifier.start_login("mallory", PASSWORD).unwrap_err();
    let wrong_password = w
        .verifier
        .start_login("alice", "not the password")
        .unwrap_err();
    let empty = w.verifier.start_login("", "").unwrap_err();
    assert_eq!(unknown, Error::BadCredentials);
    assert_eq!(wrong_password, Error::BadCredentials);
    assert_eq!(empty, Error::BadCredentials);
    assert_eq!(unknown.to_string(), wrong_password.to_string());
    // Case of the username does not matter; the password's does.
    assert!(w.verifier.start_login("ALICE", PASSWORD).is_ok());
    assert_eq!(
        w.verifier
            .start_login("alice", &PASSWORD.to_uppercase())
            .unwrap_err(),
        Error::BadCredentials
    );
}

pub fn m2fs_lists_every_factor_and_each_can_be_chosen<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    let started = w.verifier.start_login("alice", PASSWORD).unwrap();
    let kinds: Vec<_> = started.factors.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["soft_token", "totp", "sms", "voice"]);
    assert_eq!(
        started.factors[2].phone.as_deref(),
        Some("•••••••••67"),
        "the phone is masked"
    );
    for factor in [f.soft, f.totp, f.sms, f.voice] {
        let id = login(&w);
        w.clock.advance(121); // past the message throttle of the previous round
        assert!(
            w.verifier.choose_factor(&id, factor).is_ok(),
            "factor {factor}"
        );
    }
    // The voice factor calls: the same kind of code, read aloud.
    assert_eq!(
        w.phone
            .messages()
            .iter()
            .map(|m| m.channel)
            .collect::<Vec<_>>(),
        [Channel::Sms, Channel::Voice]
    );
    let id = login(&w);
    assert_eq!(
        w.verifier.choose_factor(&id, 99).unwrap_err(),
        Error::NotFound("factor")
    );
}

pub fn soft_token_challenge_response<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let prompt = w.verifier.choose_factor(&id, f.soft).unwrap();
    let challenge = challenge_of(&prompt);
    assert_eq!(challenge.len(), 8);
    assert!(challenge.bytes().all(|b| b.is_ascii_digit()));
    let outcome = w
        .verifier
        .submit_response(&id, &token_response(&challenge))
        .unwrap();
    assert_eq!(
        outcome,
        LoginOutcome::Success {
            account: account.clone(),
            username: "alice".into()
        }
    );
    assert_eq!(
        w.verifier.login_status(&id).unwrap(),
        LoginStatus::Succeeded
    );
    assert_eq!(
        w.verifier.completed_login(&id).unwrap().unwrap().id,
        account
    );
    assert_eq!(events_of(&w, &account, EventKind::LoginSucceeded), 1);
}

pub fn challenge_expires_after_three_minutes<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    // 179 s after the challenge: accepted.
    let id = login(&w);
    let challenge = challenge_of(&w.verifier.choose_factor(&id, f.soft).unwrap());
    w.clock.advance(179);
    assert!(matches!(
        w.verifier
            .submit_response(&id, &token_response(&challenge))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
    // 181 s after: expired, start over (and no attempt is charged).
    let id = login(&w);
    let challenge = challenge_of(&w.verifier.choose_factor(&id, f.soft).unwrap());
    w.clock.advance(181);
    assert_eq!(
        w.verifier
            .submit_response(&id, &token_response(&challenge))
            .unwrap(),
        LoginOutcome::Expired
    );
    let account = w.verifier.account_by_username("alice").unwrap().unwrap().id;
    assert_eq!(w.verifier.lock_state(&account, f.soft).unwrap().failures, 0);
}

pub fn a_response_for_login_a_is_refused_for_login_b<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    let a = login(&w);
    let b = login(&w);
    let challenge_a = challenge_of(&w.verifier.choose_factor(&a, f.soft).unwrap());
    let challenge_b = challenge_of(&w.verifier.choose_factor(&b, f.soft).unwrap());
    assert_ne!(challenge_a, challenge_b);
    let outcome = w
        .verifier
        .submit_response(&b, &token_response(&challenge_a))
        .unwrap();
    assert_eq!(outcome, LoginOutcome::WrongCode { attempts_left: 9 });
    assert!(matches!(
        w.verifier
            .submit_response(&a, &token_response(&challenge_a))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn replays_look_like_wrong_codes<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    // OCRA: the same response to the same login, after it succeeded.
    let id = login(&w);
    let response = token_response(&challenge_of(
        &w.verifier.choose_factor(&id, f.soft).unwrap(),
    ));
    assert!(matches!(
        w.verifier.submit_response(&id, &response).unwrap(),
        LoginOutcome::Success { .. }
    ));
    let replay = w.verifier.submit_response(&id, &response).unwrap();
    let wrong_one = w.verifier.submit_response(&id, &wrong(&response)).unwrap();
    assert!(
        matches!(replay, LoginOutcome::WrongCode { .. }),
        "{replay:?}"
    );
    assert!(matches!(wrong_one, LoginOutcome::WrongCode { .. }));

    // TOTP: a code used in one login is refused in the next, within the same step.
    let code = totp_code(w.clock.now());
    let first = login(&w);
    w.verifier.choose_factor(&first, f.totp).unwrap();
    assert!(matches!(
        w.verifier.submit_response(&first, &code).unwrap(),
        LoginOutcome::Success { .. }
    ));
    let second = login(&w);
    w.verifier.choose_factor(&second, f.totp).unwrap();
    let replayed = w.verifier.submit_response(&second, &code).unwrap();
    assert!(
        matches!(replayed, LoginOutcome::WrongCode { .. }),
        "{replayed:?}"
    );
    // The next step's code is fine.
    w.clock.advance(30);
    assert!(matches!(
        w.verifier
            .submit_response(&second, &totp_code(w.clock.now()))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn totp_accepts_one_step_either_side<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    for (offset, accepted) in [(-60i64, false), (-30, true), (30, true), (60, false)] {
        w.clock.advance(300); // a fresh step each round, so no replay interferes
        let id = login(&w);
        w.verifier.choose_factor(&id, f.totp).unwrap();
        let at = w.clock.now().checked_add_signed(offset).unwrap();
        let outcome = w.verifier.submit_response(&id, &totp_code(at)).unwrap();
        assert_eq!(
            matches!(outcome, LoginOutcome::Success { .. }),
            accepted,
            "offset {offset}: {outcome:?}"
        );
    }
}

pub fn lockout_at_the_tenth_failure_refuses_even_the_right_code<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let challenge = challenge_of(&w.verifier.choose_factor(&id, f.soft).unwrap());
    let right = token_response(&challenge);
    for n in 1..=9 {
        let outcome = w.verifier.submit_response(&id, &wrong(&right)).unwrap();
        assert_eq!(
            outcome,
            LoginOutcome::WrongCode {
                attempts_left: 10 - n
            },
            "failure {n}"
        );
    }
    let tenth = w.verifier.submit_response(&id, &wrong(&right)).unwrap();
    let until = T0 + 15 * 60;
    assert_eq!(tenth, LoginOutcome::Locked { until });
    // The 11th attempt, with the right code, is refused unchecked.
    assert_eq!(
        w.verifier.submit_response(&id, &right).unwrap(),
        LoginOutcome::Locked { until }
    );
    assert_eq!(events_of(&w, &account, EventKind::CodeRejected), 10);
    assert_eq!(events_of(&w, &account, EventKind::FactorLocked), 1);
    // Other factors are not locked.
    let other = login(&w);
    w.verifier.choose_factor(&other, f.totp).unwrap();
    assert!(matches!(
        w.verifier
            .submit_response(&other, &totp_code(w.clock.now()))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
    // A second before the end: still locked. At the end: a fresh login goes through.
    w.clock.set(until - 1);
    let id = login(&w);
    let challenge = challenge_of(&w.verifier.choose_factor(&id, f.soft).unwrap());
    assert_eq!(
        w.verifier
            .submit_response(&id, &token_response(&challenge))
            .unwrap(),
        LoginOutcome::Locked { until }
    );
    w.clock.set(until);
    assert!(matches!(
        w.verifier
            .submit_response(&id, &token_response(&challenge))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn repeated_locks_grow_and_an_administrator_can_unlock<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let fail_ten = |w: &World<S>| {
        let id = login(w);
        w.verifier.choose_factor(&id, f.totp).unwrap();
        let mut last = None;
        for _ in 0..10 {
            last = Some(w.verifier.submit_response(&id, "000000").unwrap());
        }
        last.unwrap()
    };
    assert_eq!(fail_ten(&w), LoginOutcome::Locked { until: T0 + 900 });
    w.clock.set(T0 + 900);
    assert_eq!(
        fail_ten(&w),
        LoginOutcome::Locked {
            until: T0 + 900 + 1800
        }
    );
    w.verifier.unlock(&account, f.totp).unwrap();
    assert_eq!(
        w.verifier
            .lock_state(&account, f.totp)
            .unwrap()
            .locked_until,
        0
    );
    assert_eq!(events_of(&w, &account, EventKind::FactorUnlocked), 1);
    let id = login(&w);
    w.verifier.choose_factor(&id, f.totp).unwrap();
    assert!(matches!(
        w.verifier
            .submit_response(&id, &totp_code(w.clock.now()))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn sms_code_resend_throttle_and_lifetime<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let Prompt::CodeSent(sent) = w.verifier.choose_factor(&id, f.sms).unwrap() else {
        panic!("code sent")
    };
    assert_eq!(
        (sent.channel, sent.to.as_str(), sent.digits),
        (Channel::Sms, "•••••••••67", 6)
    );
    assert_eq!((sent.expires_at, sent.resend_after), (T0 + 600, T0 + 120));
    let first = w.phone.last_code();
    assert_eq!(first.len(), 6);

    // 119 s: too soon. 121 s: a new code, by voice this time; only the newest code works.
    w.clock.set(T0 + 119);
    assert_eq!(
        w.verifier.resend_code(&id, Channel::Voice).unwrap_err(),
        Error::Throttled { retry_after: 1 }
    );
    w.clock.set(T0 + 121);
    let again = w.verifier.resend_code(&id, Channel::Voice).unwrap();
    assert_eq!(again.channel, Channel::Voice);
    let messages = w.phone.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].channel, Channel::Voice);
    let second = w.phone.last_code();
    if first != second {
        assert!(matches!(
            w.verifier.submit_response(&id, &first).unwrap(),
            LoginOutcome::WrongCode { .. }
        ));
    }
    // The code lives 10 minutes: at +599 s after sending it is accepted.
    w.clock.set(T0 + 121 + 599);
    assert!(matches!(
        w.verifier.submit_response(&id, &second).unwrap(),
        LoginOutcome::Success { .. }
    ));
    assert_eq!(events_of(&w, &account, EventKind::MessageSent), 2);
    // Audit records mention the number only masked.
    for event in w.verifier.recent_events(&account, 100).unwrap() {
        assert!(!event.detail.contains("1234567"), "{event:?}");
    }
}

/// The records of the outbox (each holds a pending message's number and code).
fn outbox_records<S: Store>(w: &World<S>) -> Vec<String> {
    w.verifier
        .store()
        .scan("outbox/")
        .unwrap()
        .into_iter()
        .map(|(_, v)| String::from_utf8(v.value).unwrap())
        .collect()
}

fn code_sent<S: Store>(w: &World<S>, login: &str, factor: u32) -> secure_login_verifier::CodeSent {
    let Prompt::CodeSent(sent) = w.verifier.choose_factor(login, factor).unwrap() else {
        panic!("code sent")
    };
    sent
}

pub fn a_code_is_committed_with_its_message_and_the_message_leaves_the_store_once_sent<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let sent = code_sent(&w, &id, f.sms);
    // Committed, not sent yet: the message waits in the store with the code's hash.
    assert!(w.phone.received().is_empty());
    let pending = outbox_records(&w);
    assert_eq!(pending.len(), 1);
    // Sealed: neither the number (in any of its forms) nor, checked below, the code.
    for number in [PHONE, "1234567"] {
        assert!(!pending[0].contains(number), "{}", pending[0]);
    }
    assert_eq!(events_of(&w, &account, EventKind::MessageQueued), 1);
    assert_eq!(events_of(&w, &account, EventKind::MessageSent), 0);
    // The worker sends it once; then neither the code nor the number is in the outbox.
    let status = w
        .verifier
        .deliver(&sent.message_id, &worker(), &DeliveryPolicy::default())
        .unwrap()
        .unwrap();
    assert_eq!((status.state, status.attempts), (DeliveryState::Sent, 1));
    assert_eq!(
        w.verifier
            .deliver(&sent.message_id, &worker(), &DeliveryPolicy::default())
            .unwrap(),
        None
    );
    let received = w.phone.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].id, sent.message_id);
    assert!(
        !pending[0].contains(&received[0].code),
        "the code in clear: {}",
        pending[0]
    );
    assert!(outbox_records(&w).is_empty());
    assert_eq!(events_of(&w, &account, EventKind::MessageSent), 1);
    assert!(matches!(
        w.verifier.submit_response(&id, &received[0].code).unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn a_refused_message_is_retried_with_backoff_and_the_throttle_counts_only_what_went_out<
    S: Store,
>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let policy = DeliveryPolicy::default();
    let id = login(&w);
    w.phone.refuse(2);
    let sent = code_sent(&w, &id, f.sms);
    let first = w
        .verifier
        .deliver(&sent.message_id, &worker(), &policy)
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.state, first.next_attempt_at),
        (DeliveryState::Retrying, T0 + 5)
    );
    assert_eq!(events_of(&w, &account, EventKind::MessageFailed), 1);
    assert_eq!(events_of(&w, &account, EventKind::MessageSent), 0);
    // Not due before its backoff (5 s, then 10 s).
    w.clock.set(T0 + 4);
    assert!(w.verifier.due_messages(&worker()).unwrap().is_empty());
    w.clock.set(T0 + 5);
    assert_eq!(
        w.verifier.due_messages(&worker()).unwrap(),
        std::slice::from_ref(&sent.message_id)
    );
    let second = w
        .verifier
        .deliver(&sent.message_id, &worker(), &policy)
        .unwrap()
        .unwrap();
    assert_eq!(
        (second.state, second.attempts, second.next_attempt_at),
        (DeliveryState::Retrying, 2, T0 + 15)
    );
    // Refused, so not counted: the person may ask for a new code at once; it replaces the
    // pending one, which is never sent.
    let again = w.verifier.resend_code(&id, Channel::Sms).unwrap();
    assert_eq!(outbox_records(&w).len(), 1);
    let received = w.phone.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].id, again.message_id);
    assert_eq!(events_of(&w, &account, EventKind::MessageSent), 1);
    // Sent, so counted: the next one waits its 120 s.
    assert!(matches!(
        w.verifier.resend_code(&id, Channel::Sms),
        Err(Error::Throttled { retry_after: 120 })
    ));
    assert!(matches!(
        w.verifier.submit_response(&id, &received[0].code).unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn a_message_refused_five_times_is_given_up_and_a_new_code_may_be_asked_at_once<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let policy = DeliveryPolicy::default();
    let id = login(&w);
    w.phone.refuse(u32::MAX);
    let sent = code_sent(&w, &id, f.sms);
    let mut states = Vec::new();
    for _ in 0..5 {
        let due = w.verifier.due_messages(&worker()).unwrap();
        assert_eq!(due.len(), 1);
        let status = w
            .verifier
            .deliver(&sent.message_id, &worker(), &policy)
            .unwrap()
            .unwrap();
        states.push(status.state);
        w.clock.set(status.next_attempt_at);
    }
    // 5 + 10 + 20 + 40 s of backoff, then given up.
    assert_eq!(w.clock.now(), T0 + 75);
    assert_eq!(
        states,
        [
            DeliveryState::Retrying,
            DeliveryState::Retrying,
            DeliveryState::Retrying,
            DeliveryState::Retrying,
            DeliveryState::Failed
        ]
    );
    assert!(outbox_records(&w).is_empty());
    assert_eq!(events_of(&w, &account, EventKind::MessageFailed), 5);
    assert_eq!(events_of(&w, &account, EventKind::MessageSent), 0);
    w.phone.refuse(0);
    w.verifier.resend_code(&id, Channel::Voice).unwrap();
    assert_eq!(w.phone.messages().len(), 1);
}

pub fn a_message_still_pending_when_its_code_expires_is_given_up_unsent<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let sent = code_sent(&w, &id, f.sms);
    // Nobody delivered it (a server down for ten minutes): a code that no longer works is not sent.
    w.clock.set(sent.expires_at);
    let status = w
        .verifier
        .deliver(&sent.message_id, &worker(), &DeliveryPolicy::default())
        .unwrap()
        .unwrap();
    assert_eq!((status.state, status.attempts), (DeliveryState::Failed, 0));
    assert!(w.phone.messages().is_empty());
    assert!(outbox_records(&w).is_empty());
    assert_eq!(events_of(&w, &account, EventKind::MessageFailed), 1);
    assert_eq!(events_of(&w, &account, EventKind::MessageSent), 0);
}

pub fn a_claim_is_held_by_one_worker_and_taken_over_by_the_same_instance_restarted<S: Store>(
    w: World<S>,
) {
    let (_, f) = alice(&w);
    let policy = DeliveryPolicy::default();
    let id = login(&w);
    let sent = code_sent(&w, &id, f.sms);
    let first_run = Deliverer {
        instance: "a".into(),
        nonce: "run-1".into(),
    };
    w.phone.crash_next();
    let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        w.verifier.deliver(&sent.message_id, &first_run, &policy)
    }));
    assert!(killed.is_err());
    // Claimed by instance a's first run: another instance leaves it alone for the lease.
    let other = Deliverer {
        instance: "b".into(),
        nonce: "run-1".into(),
    };
    assert!(w.verifier.due_messages(&other).unwrap().is_empty());
    assert_eq!(
        w.verifier
            .deliver(&sent.message_id, &other, &policy)
            .unwrap(),
        None
    );
    // Instance a started again takes it over at once.
    let second_run = Deliverer {
        instance: "a".into(),
        nonce: "run-2".into(),
    };
    assert_eq!(
        w.verifier.due_messages(&second_run).unwrap(),
        std::slice::from_ref(&sent.message_id)
    );
    let status = w
        .verifier
        .deliver(&sent.message_id, &second_run, &policy)
        .unwrap()
        .unwrap();
    assert_eq!((status.state, status.attempts), (DeliveryState::Sent, 2));
    assert_eq!(w.phone.received().len(), 1);
}

pub fn sms_code_expires_after_ten_minutes_and_is_good_once<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    let id = login(&w);
    w.verifier.choose_factor(&id, f.sms).unwrap();
    let code = w.phone.last_code();
    w.clock.set(T0 + 601);
    assert_eq!(
        w.verifier.submit_response(&id, &code).unwrap(),
        LoginOutcome::Expired
    );

    w.clock.set(T0 + 1000);
    let id = login(&w);
    w.verifier.choose_factor(&id, f.sms).unwrap();
    let code = w.phone.last_code();
    assert!(matches!(
        w.verifier.submit_response(&id, &code).unwrap(),
        LoginOutcome::Success { .. }
    ));
    assert!(matches!(
        w.verifier.submit_response(&id, &code).unwrap(),
        LoginOutcome::WrongCode { .. }
    ));
}

pub fn resending_never_resets_the_failure_count<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    let id = login(&w);
    w.verifier.choose_factor(&id, f.sms).unwrap();
    for n in 1..=5 {
        assert_eq!(
            w.verifier.submit_response(&id, "000000").unwrap(),
            LoginOutcome::WrongCode {
                attempts_left: 10 - n
            }
        );
    }
    w.clock.advance(121);
    w.verifier.resend_code(&id, Channel::Sms).unwrap();
    assert_eq!(
        w.verifier.submit_response(&id, "000000").unwrap(),
        LoginOutcome::WrongCode { attempts_left: 4 }
    );
}

pub fn the_throttle_is_per_number_and_capped_per_day<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    // A second account on the same number: the number's throttle holds across accounts.
    let bob = w.verifier.create_account("bob", PASSWORD).unwrap().id;
    let bob_sms = w
        .verifier
        .add_factor(
            &bob,
            "mobile",
            FactorKind::Sms {
                phone: "+41 79 123 45 67".into(),
            },
        )
        .unwrap();
    let a = login(&w);
    w.verifier.choose_factor(&a, f.sms).unwrap();
    let b = w.verifier.start_login("bob", PASSWORD).unwrap().login_id;
    assert!(matches!(
        w.verifier.choose_factor(&b, bob_sms),
        Err(Error::Throttled { .. })
    ));
    // Ten messages a day per account, however spaced.
    for _ in 1..10 {
        w.clock.advance(121);
        w.verifier.resend_code(&a, Channel::Sms).unwrap();
    }
    w.clock.advance(121);
    let capped = w.verifier.resend_code(&a, Channel::Sms).unwrap_err();
    assert!(
        matches!(capped, Error::Throttled { retry_after } if retry_after > 121),
        "{capped:?}"
    );
}

pub fn push_with_number_matching<S: Store>(w: World<S>) {
    let (account, _) = alice(&w);
    let secret = hex_decode(SOFT_SECRET).unwrap();
    let id = login(&w);
    let push = w.verifier.start_push(&id).unwrap();
    assert!((10..100).contains(&push.number));
    let pending = listed(&w, "phone-a");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].username, "alice");
    assert!(w
        .verifier
        .pending_pushes("another-phone")
        .unwrap()
        .is_empty());

    // The wrong number is refused; the right one approves; approving again is refused.
    let wrong_number = if push.number == 10 {
        11
    } else {
        push.number - 1
    };
    let mac = push_response(
        &secret,
        &push.request_id,
        wrong_number,
        PushDecision::Approve,
    )
    .unwrap();
    assert_eq!(
        answer(&w, "phone-a", &push.request_id, PushDecision::Approve, &mac).unwrap(),
        PushAnswer::Rejected { attempts_left: 2 }
    );
    assert_eq!(w.verifier.login_status(&id).unwrap(), LoginStatus::Pending);
    let mac = push_response(
        &secret,
        &push.request_id,
        push.number,
        PushDecision::Approve,
    )
    .unwrap();
    assert_eq!(
        answer(&w, "phone-a", &push.request_id, PushDecision::Approve, &mac).unwrap(),
        PushAnswer::Approved
    );
    assert_eq!(
        w.verifier.login_status(&id).unwrap(),
        LoginStatus::Succeeded
    );
    assert!(matches!(
        answer(&w, "phone-a", &push.request_id, PushDecision::Approve, &mac).unwrap(),
        PushAnswer::Rejected { .. }
    ));
    assert!(listed(&w, "phone-a").is_empty());
    assert_eq!(events_of(&w, &account, EventKind::PushApproved), 1);

    // Pushes are rate limited per account, and expire.
    let id = login(&w);
    assert_eq!(
        w.verifier.start_push(&id).unwrap_err(),
        Error::Throttled { retry_after: 30 }
    );
    w.clock.advance(30);
    let push = w.verifier.start_push(&id).unwrap();
    w.clock.advance(120);
    let mac = push_response(
        &secret,
        &push.request_id,
        push.number,
        PushDecision::Approve,
    )
    .unwrap();
    assert_eq!(
        answer(&w, "phone-a", &push.request_id, PushDecision::Approve, &mac).unwrap(),
        PushAnswer::Expired
    );

    // Denied on the token: the login is over.
    let id = login(&w);
    let push = w.verifier.start_push(&id).unwrap();
    let mac = push_response(&secret, &push.request_id, push.number, PushDecision::Deny).unwrap();
    assert_eq!(
        answer(&w, "phone-a", &push.request_id, PushDecision::Deny, &mac).unwrap(),
        PushAnswer::Denied
    );
    assert_eq!(w.verifier.login_status(&id).unwrap(), LoginStatus::Denied);
    assert!(matches!(
        w.verifier.choose_factor(&id, 1),
        Err(Error::NotAllowed(_))
    ));
}

pub fn activation_add_user_and_migration<S: Store>(w: World<S>) {
    let (alice_id, f) = alice(&w);
    let bob = w.verifier.create_account("bob", PASSWORD).unwrap().id;
    w.verifier
        .add_factor(
            &bob,
            "mobile",
            FactorKind::Sms {
                phone: "+41790000001".into(),
            },
        )
        .unwrap();

    // Alice activates on device B; her soft token on device A is retired. She has a device, so
    // no SMS code is sent: her account page shows a device code after a login with the app.
    let sent = w.phone.messages().len();
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "device-b")
        .unwrap();
    assert!(!started.password_rejected);
    assert_eq!(w.phone.messages().len(), sent, "no activation SMS");
    let code = device_code(&w, f.totp);
    // The wrong device, then the wrong code, count as failures; the right code activates once.
    assert!(matches!(
        w.verifier
            .complete_activation(&started.activation_id, &code, "device-x")
            .unwrap(),
        ActivationOutcome::WrongCode { .. }
    ));
    assert!(matches!(
        w.verifier
            .complete_activation(&started.activation_id, "000000000000", "device-b")
            .unwrap(),
        ActivationOutcome::WrongCode { .. }
    ));
    let ActivationOutcome::Activated(token) = w
        .verifier
        .complete_activation(&started.activation_id, &code, "device-b")
        .unwrap()
    else {
        panic!("activated")
    };
    assert_eq!(
        (token.username.as_str(), token.suite.as_str()),
        ("alice", SOFT_SUITE)
    );
    assert_eq!(token.secret.len(), 32);
    // The answer lost (the token crashed before saving it): the same device with the same code
    // fetches the same token again; another device gets nothing.
    let ActivationOutcome::Activated(again) = w
        .verifier
        .complete_activation(&started.activation_id, &code, "device-b")
        .unwrap()
    else {
        panic!("fetched again")
    };
    assert_eq!(
        (
            again.factor,
            again.secret.expose_secret(),
            &again.device_handle
        ),
        (
            token.factor,
            token.secret.expose_secret(),
            &token.device_handle
        )
    );
    assert!(matches!(
        w.verifier
            .complete_activation(&started.activation_id, &code, "device-x")
            .unwrap(),
        ActivationOutcome::WrongCode { .. }
    ));
    // The device code is spent: another activation cannot use it.
    let other = w
        .verifier
        .begin_activation("alice", PASSWORD, "device-y")
        .unwrap();
    assert!(matches!(
        w.verifier
            .complete_activation(&other.activation_id, &code, "device-y")
            .unwrap(),
        ActivationOutcome::WrongCode { .. }
    ));
    // The old token works on through the cooling-off (its holder may undo a move that was not
    // theirs), then retires.
    let now = w.clock.now();
    let cooling_off = w.verifier.policy().binding_cooling_off;
    let account = w.verifier.account(&alice_id).unwrap();
    assert!(account.live_factor(f.soft, now).is_some());
    assert_eq!(
        account.active_factor(f.soft).unwrap().retires_at,
        Some(now + cooling_off)
    );
    assert!(account.live_factor(token.factor, now).is_some());
    w.clock.advance(cooling_off);
    let account = w.verifier.account(&alice_id).unwrap();
    assert!(
        account.live_factor(f.soft, w.clock.now()).is_none(),
        "the old token is retired"
    );
    // The new token's responses log in; the old token's no longer do.
    let id = login(&w);
    let started_login = w.verifier.start_login("alice", PASSWORD).unwrap();
    assert!(started_login.factors.iter().all(|s| s.id != f.soft));
    let challenge = challenge_of(&w.verifier.choose_factor(&id, token.factor).unwrap());
    let secret_hex = secure_login_otp::hex_encode(token.secret.expose_secret());
    let response = ocra_response(SOFT_SUITE, &secret_hex, &challenge, None);
    assert_eq!(
        w.verifier.choose_factor(&id, f.soft).unwrap_err(),
        Error::NotFound("factor")
    );
    assert!(matches!(
        w.verifier.submit_response(&id, &response).unwrap(),
        LoginOutcome::Success { .. }
    ));

    // Add User: Bob activates on the same device B; both accounts keep their tokens.
    let started = w
        .verifier
        .begin_activation("bob", PASSWORD, "device-b")
        .unwrap();
    let ActivationOutcome::Activated(bobs) = w
        .verifier
        .complete_activation(&started.activation_id, &w.phone.last_code(), "device-b")
        .unwrap()
    else {
        panic!("bob activated")
    };
    assert!(w
        .verifier
        .account(&alice_id)
        .unwrap()
        .active_factor(token.factor)
        .is_some());
    assert!(w
        .verifier
        .account(&bob)
        .unwrap()
        .active_factor(bobs.factor)
        .is_some());
    assert_eq!(events_of(&w, &alice_id, EventKind::TokenActivated), 1);

    // Wrong password: an activation like any other (no password oracle), no message, and no
    // code completes it.
    let sent = w.phone.messages().len();
    let decoy = w
        .verifier
        .begin_activation("alice", "nope nope", "device-c")
        .unwrap();
    assert!(decoy.password_rejected);
    assert_eq!(w.phone.messages().len(), sent);
    assert!(matches!(
        w.verifier
            .complete_activation(&decoy.activation_id, &code, "device-c")
            .unwrap(),
        ActivationOutcome::WrongCode { .. }
    ));
}

pub fn activation_code_expires<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "device-b")
        .unwrap();
    let code = device_code(&w, f.totp);
    w.clock.set(started.expires_at);
    assert!(matches!(
        w.verifier
            .complete_activation(&started.activation_id, &code, "device-b")
            .unwrap(),
        ActivationOutcome::Expired
    ));
}

/// Issue 13: a new number is bound only when the code sent to it comes back; the old number is
/// told; wrong codes lock phone changes like activation codes; only a recent second factor starts one.
pub fn a_new_number_is_bound_only_by_its_code_and_the_old_one_is_told<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    assert!(matches!(
        w.verifier.begin_phone_change(&id, "+41 79 999 99 99"),
        Err(Error::NotAllowed(_))
    ));
    w.verifier.choose_factor(&id, f.totp).unwrap();
    w.verifier
        .submit_response(&id, &totp_code(w.clock.now()))
        .unwrap();
    assert_eq!(
        w.verifier.begin_phone_change(&id, "not a phone"),
        Err(Error::InvalidInput(
            "a phone number is an optional + and 6 to 15 digits"
        ))
    );
    let started = w
        .verifier
        .begin_phone_change(&id, "+41 79 999 99 99")
        .unwrap();
    assert_eq!(started.to, "•••••••••99");
    let sent = w.phone.messages().last().unwrap().clone();
    assert_eq!(
        (sent.phone.as_str(), sent.purpose),
        ("+41799999999", "phone_confirm")
    );
    let sms_phone = |w: &World<S>| {
        w.verifier
            .account(&account)
            .unwrap()
            .sms_phone()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        sms_phone(&w),
        PHONE,
        "nothing changes before the code comes back"
    );
    assert!(matches!(
        w.verifier
            .confirm_phone_change(&id, &started.change_id, &wrong(&sent.code))
            .unwrap(),
        PhoneChangeOutcome::WrongCode { attempts_left: 9 }
    ));
    let other = login(&w);
    assert_eq!(
        w.verifier
            .confirm_phone_change(&other, &started.change_id, &sent.code)
            .unwrap_err(),
        Error::NotFound("phone change"),
        "only the session that asked confirms"
    );
    assert_eq!(
        w.verifier
            .confirm_phone_change(&id, &started.change_id, &sent.code)
            .unwrap(),
        PhoneChangeOutcome::Changed
    );
    assert_eq!(sms_phone(&w), "+41799999999");
    assert_eq!(events_of(&w, &account, EventKind::PhoneChanged), 1);
    let notice = w.phone.messages().last().unwrap().clone();
    assert_eq!(
        (notice.phone.as_str(), notice.purpose, notice.code.as_str()),
        (PHONE, "phone_changed", ""),
        "the old number is told, with no code"
    );
    assert_eq!(
        w.verifier
            .confirm_phone_change(&id, &started.change_id, &sent.code)
            .unwrap(),
        PhoneChangeOutcome::Expired,
        "a code binds once"
    );
    // Wrong codes lock phone changes at the tenth, even for the right code.
    w.clock.advance(120);
    let again = w
        .verifier
        .begin_phone_change(&id, "+41 79 888 88 88")
        .unwrap();
    let code = w.phone.messages().last().unwrap().code.clone();
    for _ in 0..10 {
        w.verifier
            .confirm_phone_change(&id, &again.change_id, &wrong(&code))
            .unwrap();
    }
    assert!(matches!(
        w.verifier
            .confirm_phone_change(&id, &again.change_id, &code)
            .unwrap(),
        PhoneChangeOutcome::Locked { .. }
    ));
    assert_eq!(sms_phone(&w), "+41799999999");
    w.clock.advance(181);
    assert!(matches!(
        w.verifier.begin_phone_change(&id, "+41 79 888 88 88"),
        Err(Error::NotAllowed(_))
    ));
}

pub fn temporary_passcode_is_good_once_and_expires<S: Store>(w: World<S>) {
    let (account, _) = alice(&w);
    let issued = w.verifier.issue_temporary_passcode(&account, 3600).unwrap();
    let id = login(&w);
    assert_eq!(
        w.verifier.choose_factor(&id, issued.factor).unwrap(),
        Prompt::Passcode
    );
    // Typed as people type it (issue 13: lower case used to count as a failure).
    let typed = format!(" {}-{} ", &issued.passcode[..5], &issued.passcode[5..]).to_lowercase();
    assert!(matches!(
        w.verifier.submit_response(&id, &typed).unwrap(),
        LoginOutcome::Success { .. }
    ));
    let id = login(&w);
    assert_eq!(
        w.verifier.choose_factor(&id, issued.factor).unwrap_err(),
        Error::NotFound("factor"),
        "used up"
    );

    let later = w.verifier.issue_temporary_passcode(&account, 60).unwrap();
    let id = login(&w);
    w.verifier.choose_factor(&id, later.factor).unwrap();
    w.clock.advance(60);
    assert!(matches!(
        w.verifier.submit_response(&id, &later.passcode).unwrap(),
        LoginOutcome::WrongCode { .. }
    ));
    assert!(w
        .verifier
        .start_login("alice", PASSWORD)
        .unwrap()
        .factors
        .iter()
        .all(|s| s.id != later.factor));
}

pub fn security_card_with_pin<S: Store>(w: World<S>) {
    let (account, _) = alice(&w);
    let card = w.verifier.issue_card(&account, "4711").unwrap();
    assert_eq!(card.suite, "OCRA-1:HOTP-SHA256-8:QN06-PSHA1");
    let id = login(&w);
    let challenge = challenge_of(&w.verifier.choose_factor(&id, card.factor).unwrap());
    assert_eq!(challenge.len(), 6);
    let secret_hex = secure_login_otp::hex_encode(card.secret.expose_secret());
    let wrong_pin = ocra_response(&card.suite, &secret_hex, &challenge, Some("4712"));
    assert!(matches!(
        w.verifier.submit_response(&id, &wrong_pin).unwrap(),
        LoginOutcome::WrongCode { .. }
    ));
    let right = ocra_response(&card.suite, &secret_hex, &challenge, Some("4711"));
    assert_eq!(right.len(), 8);
    assert!(matches!(
        w.verifier.submit_response(&id, &right).unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn hostile_input_gets_typed_errors<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let v = &w.verifier;
    let long = "x".repeat(1 << 20);
    assert_eq!(
        v.start_login(&long, PASSWORD).unwrap_err(),
        Error::BadCredentials
    );
    assert_eq!(
        v.start_login("alice", &long).unwrap_err(),
        Error::BadCredentials
    );
    assert_eq!(
        v.choose_factor("no-such-login", f.soft).unwrap_err(),
        Error::NotFound("login")
    );
    let id = login(&w);
    assert!(
        matches!(v.submit_response(&id, "123456"), Err(Error::NotAllowed(_))),
        "no factor chosen yet"
    );
    v.choose_factor(&id, f.soft).unwrap();
    for bad in [
        "",
        " ",
        "12.34",
        "١٢٣٤٥٦٧٨",
        "\0",
        &long,
        "12345678; DROP TABLE",
        // Spaces are ignored, but a response is not cut to fit: this one is too long.
        &format!("{}{}", "1".repeat(120), " ".repeat(400)),
    ] {
        assert!(
            matches!(v.submit_response(&id, bad), Err(Error::InvalidInput(_))),
            "{bad:?}"
        );
    }
    assert_eq!(
        v.lock_state(&account, f.soft).unwrap().failures,
        0,
        "malformed input is not charged"
    );
    assert!(matches!(
        answer(
            &w,
            "phone-a",
            "nope",
            PushDecision::Approve,
            &"0".repeat(64)
        ),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        answer(&w, "phone-a", "nope", PushDecision::Approve, "zz"),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        v.begin_activation("alice", PASSWORD, "bad device id!"),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        v.create_account("alice", PASSWORD),
        Err(Error::UsernameTaken)
    ));
    assert!(matches!(
        v.create_account("a:b", PASSWORD),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        v.add_factor(
            &account,
            "x",
            FactorKind::Sms {
                phone: "call me".into()
            }
        ),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        v.add_factor(
            &account,
            "x",
            FactorKind::SecurityCard {
                suite: "OCRA-1:HOTP-SHA256-8:QN06-PSHA1".parse().unwrap(),
                secret: Secret::from_hex(SOFT_SECRET).unwrap(),
                pin_hash: None,
                serial: "1".into(),
            }
        ),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        v.issue_card(&account, "12a4"),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(
        v.issue_card(&account, "1234").unwrap_err(),
        Error::InvalidInput("the card PIN is too easy to guess")
    );
}

/// A stored factor whose suite no longer parses (a damaged record, a hand edit) fails the login
/// with `CorruptRecord` naming the account and factor; it is never read as a wrong code (which
/// would count towards a lock) or as a factor without a suite.
pub fn a_corrupt_stored_factor_is_an_error_naming_it_not_a_wrong_code<S: Store>(w: World<S>) {
    let (account, _) = alice(&w);
    let key = format!("account/{account}");
    let stored = w.verifier.store().get(&key).unwrap().unwrap();
    let mut record: serde_json::Value = serde_json::from_slice(&stored.value).unwrap();
    assert_eq!(record["factors"][0]["kind"]["suite"], SOFT_SUITE);
    record["factors"][0]["kind"]["suite"] = "OCRA-1:HOTP-SHA256-8:QX99".into();
    let written = w
        .verifier
        .store()
        .commit(
            &[Write {
                key: key.clone(),
                expected: stored.version,
                value: Some(serde_json::to_vec(&record).unwrap()),
            }],
            &[],
        )
        .unwrap();
    assert!(written);
    let expected = Error::CorruptRecord {
        record: format!("account/{account}/factor/1"),
        reason: "an unknown OCRA suite",
    };
    assert_eq!(
        w.verifier.start_login("alice", PASSWORD).unwrap_err(),
        expected
    );
    assert_eq!(expected.code(), "CorruptRecord");
}

pub fn the_enrollment_code_cannot_sign_in_again<S: Store>(w: World<S>) {
    let account = w.verifier.create_account("alice", PASSWORD).unwrap().id;
    let now = w.clock.now();
    let kind = totp_kind();
    let factor = w
        .verifier
        .add_confirmed_totp(&account, "app", kind, now / 30)
        .unwrap();
    let id = login(&w);
    w.verifier.choose_factor(&id, factor).unwrap();
    let replay = w.verifier.submit_response(&id, &totp_code(now)).unwrap();
    assert!(
        matches!(replay, LoginOutcome::WrongCode { .. }),
        "{replay:?}"
    );
    w.clock.advance(30);
    let next = w
        .verifier
        .submit_response(&id, &totp_code(w.clock.now()))
        .unwrap();
    assert!(matches!(next, LoginOutcome::Success { .. }), "{next:?}");
}

/// 50 threads submit the same valid response at once: exactly one succeeds.
pub fn fifty_simultaneous_replays_give_one_success<S: Store + 'static>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let response = token_response(&challenge_of(
        &w.verifier.choose_factor(&id, f.soft).unwrap(),
    ));
    let barrier = Arc::new(std::sync::Barrier::new(50));
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let (v, id, response, barrier) = (
                w.verifier.clone(),
                id.clone(),
                response.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                barrier.wait();
                v.submit_response(&id, &response).unwrap()
            })
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let successes = outcomes
        .iter()
        .filter(|o| matches!(o, LoginOutcome::Success { .. }))
        .count();
    assert_eq!(successes, 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| matches!(
        o,
        LoginOutcome::Success { .. } | LoginOutcome::WrongCode { .. } | LoginOutcome::Locked { .. }
    )));
    // At most 20 of the 50 can be allowed (the success's number, and ten after it), so one is
    // refused and takes a lock after the success's charge, which the success does not lift.
    assert!(
        w.verifier
            .lock_state(&account, f.soft)
            .unwrap()
            .locked_until
            > w.clock.now(),
        "{outcomes:?}"
    );
}

/// 1,000 concurrent wrong guesses: at most the threshold are ever checked.
pub fn a_thousand_concurrent_guesses_check_at_most_the_limit<S: Store + 'static>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    w.verifier.choose_factor(&id, f.soft).unwrap();
    let threads: Vec<_> = (0..20)
        .map(|t| {
            let (v, id) = (w.verifier.clone(), id.clone());
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        v.submit_response(&id, &format!("{:08}", t * 50 + i))
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let outcomes: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(outcomes.len(), 1000);
    let checked = events_of(&w, &account, EventKind::CodeRejected);
    assert!(checked <= 10, "{checked} guesses were checked");
    assert!(
        outcomes
            .iter()
            .filter(|o| matches!(o, LoginOutcome::Locked { .. }))
            .count()
            >= 990
    );
}

/// The person's login and an attacker's (who has the password), both on the soft token: the
/// person's right response and the attacker's wrong guess.
fn person_and_attacker<S: Store>(w: &World<S>, f: Factors) -> (String, String, String, String) {
    let mine = login(w);
    let right = token_response(&challenge_of(
        &w.verifier.choose_factor(&mine, f.soft).unwrap(),
    ));
    let theirs = login(w);
    let guess = wrong(&token_response(&challenge_of(
        &w.verifier.choose_factor(&theirs, f.soft).unwrap(),
    )));
    (mine, right, theirs, guess)
}

/// A success forgives the attempts charged up to its own, not those charged after it: at most
/// the threshold are checked after a success's charge, however the checks interleave.
pub fn a_success_forgives_only_the_attempts_charged_up_to_its_own<S: Store + 'static>(
    w: World<Stepped<S>>,
) {
    let (account, f) = alice(&w);
    let (mine, right, theirs, guess) = person_and_attacker(&w, f);
    // One guess is charged before the right response, eight after it; all ten are in flight.
    let early = charge_and_hold(&w, &theirs, &guess);
    let success = charge_and_hold(&w, &mine, &right);
    let late: Vec<_> = (0..8)
        .map(|_| charge_and_hold(&w, &theirs, &guess))
        .collect();
    let outcome = success.finish();
    assert!(
        matches!(outcome, LoginOutcome::Success { .. }),
        "{outcome:?}"
    );
    for held in std::iter::once(early).chain(late) {
        let outcome = held.finish();
        assert!(
            matches!(outcome, LoginOutcome::WrongCode { .. }),
            "{outcome:?}"
        );
    }
    // The guess charged before the success is forgiven, the eight charged after it are not.
    assert_eq!(w.verifier.lock_state(&account, f.soft).unwrap().failures, 8);
    // So two more guesses are checked, and the second (the tenth after the success) locks.
    assert_eq!(
        w.verifier.submit_response(&theirs, &guess).unwrap(),
        LoginOutcome::WrongCode { attempts_left: 1 }
    );
    let until = T0 + 15 * 60;
    assert_eq!(
        w.verifier.submit_response(&theirs, &guess).unwrap(),
        LoginOutcome::Locked { until }
    );
    assert_eq!(events_of(&w, &account, EventKind::CodeRejected), 1 + 10);
    assert_eq!(events_of(&w, &account, EventKind::FactorLocked), 1);
    // From now on nothing is checked, not even the right response of a new login.
    let (next, right, _, _) = person_and_attacker(&w, f);
    assert_eq!(
        w.verifier.submit_response(&next, &right).unwrap(),
        LoginOutcome::Locked { until }
    );
    assert_eq!(events_of(&w, &account, EventKind::CodeRejected), 11);
}

/// A lock taken while a success was being checked (every allowed attempt in flight) stays.
pub fn a_success_never_lifts_a_lock_taken_after_its_charge<S: Store + 'static>(
    w: World<Stepped<S>>,
) {
    let (account, f) = alice(&w);
    let (mine, right, theirs, guess) = person_and_attacker(&w, f);
    let success = charge_and_hold(&w, &mine, &right);
    let late: Vec<_> = (0..9)
        .map(|_| charge_and_hold(&w, &theirs, &guess))
        .collect();
    // Ten attempts in flight: the eleventh is refused and takes the lock.
    let until = T0 + 15 * 60;
    assert_eq!(
        w.verifier.submit_response(&theirs, &guess).unwrap(),
        LoginOutcome::Locked { until }
    );
    let outcome = success.finish();
    assert!(
        matches!(outcome, LoginOutcome::Success { .. }),
        "{outcome:?}"
    );
    for held in late {
        assert_eq!(held.finish(), LoginOutcome::Locked { until });
    }
    assert_eq!(
        w.verifier
            .lock_state(&account, f.soft)
            .unwrap()
            .locked_until,
        until
    );
    let (next, right, _, _) = person_and_attacker(&w, f);
    assert_eq!(
        w.verifier.submit_response(&next, &right).unwrap(),
        LoginOutcome::Locked { until }
    );
    // Ten checked in all: the success and the nine guesses charged beside it.
    assert_eq!(events_of(&w, &account, EventKind::CodeRejected), 9);
    assert_eq!(events_of(&w, &account, EventKind::LoginSucceeded), 1);
}

/// Instantiates every scenario as a `#[test]` for the store `make()` returns.
#[macro_export]
macro_rules! verifier_scenarios {
    ($make:expr) => {
        $crate::verifier_scenarios!(@each $make;
            first_factor_answers_alike,
            m2fs_lists_every_factor_and_each_can_be_chosen,
            soft_token_challenge_response,
            challenge_expires_after_three_minutes,
            a_response_for_login_a_is_refused_for_login_b,
            replays_look_like_wrong_codes,
            totp_accepts_one_step_either_side,
            lockout_at_the_tenth_failure_refuses_even_the_right_code,
            repeated_locks_grow_and_an_administrator_can_unlock,
            sms_code_resend_throttle_and_lifetime,
            a_code_is_committed_with_its_message_and_the_message_leaves_the_store_once_sent,
            a_refused_message_is_retried_with_backoff_and_the_throttle_counts_only_what_went_out,
            a_message_refused_five_times_is_given_up_and_a_new_code_may_be_asked_at_once,
            a_claim_is_held_by_one_worker_and_taken_over_by_the_same_instance_restarted,
            a_message_still_pending_when_its_code_expires_is_given_up_unsent,
            sms_code_expires_after_ten_minutes_and_is_good_once,
            resending_never_resets_the_failure_count,
            the_throttle_is_per_number_and_capped_per_day,
            push_with_number_matching,
            activation_add_user_and_migration,
            activation_code_expires,
            a_new_number_is_bound_only_by_its_code_and_the_old_one_is_told,
            temporary_passcode_is_good_once_and_expires,
            security_card_with_pin,
            hostile_input_gets_typed_errors,
            the_enrollment_code_cannot_sign_in_again,
            a_corrupt_stored_factor_is_an_error_naming_it_not_a_wrong_code,
            fifty_simultaneous_replays_give_one_success,
            a_thousand_concurrent_guesses_check_at_most_the_limit,
            wrong_passwords_wait_longer_and_longer_never_locked,
            from_the_hundredth_failure_every_attempt_waits_fifteen_minutes,
            a_source_is_slowed_across_accounts
        );
        $crate::verifier_scenarios!(@stepped $make;
            a_success_forgives_only_the_attempts_charged_up_to_its_own,
            a_success_never_lifts_a_lock_taken_after_its_charge
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                scenarios::$name(scenarios::world($make));
            }
        )*
    };
    (@stepped $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                scenarios::$name(scenarios::world(scenarios::Stepped::new($make)));
            }
        )*
    };
}

/// The scenarios' randomness: SHA-256 over a seed and a counter. The verifier draws randomness
/// only through its Entropy port and its crate has no getrandom; a seeded generator also makes a
/// failing scenario repeat exactly.
struct SeededEntropy {
    seed: &'static str,
    counter: std::sync::atomic::AtomicU64,
}

impl SeededEntropy {
    fn new(seed: &'static str) -> Self {
        Self {
            seed,
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl secure_login_verifier::Entropy for SeededEntropy {
    fn fill(&self, buf: &mut [u8]) -> secure_login_verifier::Result<()> {
        use sha2::{Digest, Sha256};
        for chunk in buf.chunks_mut(32) {
            let n = self
                .counter
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let block = Sha256::new()
                .chain_update(self.seed)
                .chain_update(n.to_le_bytes())
                .finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}
