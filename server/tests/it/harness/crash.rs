//! Crash cycles: the binary is killed with SIGKILL at a random point of concurrent flows, started
//! again on the same database file, and what the clients saw acknowledged is checked against it.
//!
//! Each cycle, at its own day of the test clock (so the SMS and push throttles and the daily cap
//! start afresh), runs at once, for `users_per_flow` accounts each:
//! - **SMS login**: password, choose SMS, read the code on the demo phone, 0-2 wrong codes, the
//!   right code (success and session), the account page;
//! - **activation** of a soft token on a new device (the account's previous token migrates):
//!   start, read the activation code, maybe a wrong code, the right code, then a login with the
//!   new token (challenge and OCRA response);
//! - **push login**: password, push, the device's list of pushes, maybe a wrong number, approve
//!   (or deny) with the number's MAC, status, session.
//!
//! A killer thread waits until the k-th request of the cycle has gone out (k random, sometimes
//! past the last one) and a random 0-3 ms more, then sends SIGKILL. The server is started again
//! on the same file and, per account:
//! - **nothing acknowledged is lost**: every audit event of an answered request is there (count
//!   per kind >= what was acknowledged), and nothing was invented (count <= acknowledged + what
//!   the one request cut by the kill could have written); failure counts likewise; accounts and
//!   factors are all there, with their ids;
//! - **no used code is usable again**: the SMS code of a completed login, the activation code of a
//!   completed activation and the MAC of an answered push are refused after the restart; a
//!   completed login opens no second session, and a session acknowledged before the kill still
//!   signs in (sessions are in the store);
//! - **no half-made activation is usable**: at most one active soft token; an acknowledged one is
//!   the active one and works, the token it replaced is gone; an activation cut by the kill either
//!   committed whole (its code is then used) or not at all (its code then completes it now);
//! - what was cut resumes: a code sent before the kill still completes its login, a login whose
//!   success was cut is either complete or completes with the same code, never both.

use crate::harness::kit::secret_file;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{
    admin, code_of, device_fields, event_counts, ocra_response, push_mac, show, Answer, Http,
    Portal, Rng, Shown, CHEAP, PASSWORD, SOFT_SUITE, T0,
};

/// What to run.
#[derive(Debug, Clone)]
pub struct CrashOptions {
    /// The `secure-login-server` binary.
    pub bin: PathBuf,
    /// Kill-and-restart cycles.
    pub cycles: usize,
    /// Seed of the kill points and the flows' choices.
    pub seed: u64,
    /// Accounts per kind of flow (each cycle runs 3 x this many flows at once).
    pub users_per_flow: usize,
    /// Print a line per cycle.
    pub verbose: bool,
}

/// What the cycles did and found.
#[derive(Debug, Clone, Default)]
pub struct CrashReport {
    pub cycles: usize,
    pub seed: u64,
    pub seconds: f64,
    /// Requests answered before a kill.
    pub acknowledged: u64,
    /// Requests cut by a kill (sent, never answered).
    pub cut: u64,
    /// What each flow was doing when the server died (`flow/step`).
    pub kill_points: BTreeMap<String, u64>,
    /// How the cut request turned out (`flow/step: committed|not committed`).
    pub resolved: BTreeMap<String, u64>,
    /// Checks that held, by kind.
    pub held: BTreeMap<String, u64>,
    /// Observed and allowed, but worth knowing (not failures).
    pub findings: BTreeMap<String, u64>,
    /// Checks that failed.
    pub problems: Vec<String>,
}

impl CrashReport {
    fn held(&mut self, what: &str) {
        *self.held.entry(what.to_owned()).or_insert(0) += 1;
    }

    fn finding(&mut self, what: &str) {
        *self.findings.entry(what.to_owned()).or_insert(0) += 1;
    }

    /// Human-readable figures.
    pub fn print(&self) {
        println!(
            "crash: {} kill -9 cycles in {:.1} s (seed {}): {} requests acknowledged, {} cut by a kill",
            self.cycles, self.seconds, self.seed, self.acknowledged, self.cut
        );
        println!("  where the kills fell (flow/request in flight):");
        for (k, n) in &self.kill_points {
            println!("    {n:>5}  {k}");
        }
        println!("  the request cut by the kill, after the restart:");
        for (k, n) in &self.resolved {
            println!("    {n:>5}  {k}");
        }
        println!("  checks that held:");
        for (k, n) in &self.held {
            println!("    {n:>5}  {k}");
        }
        for (k, n) in &self.findings {
            println!("  finding ({n}x): {k}");
        }
        for p in &self.problems {
            println!("  BROKEN: {p}");
        }
    }

    /// A row for SECURITY.md's figures table.
    pub fn markdown_row(&self) -> String {
        let checks: u64 = self.held.values().sum();
        let mid_flow: u64 = self
            .kill_points
            .iter()
            .filter(|(k, _)| !k.ends_with("/done") && !k.ends_with("/not started"))
            .map(|(_, n)| n)
            .sum();
        format!(
            "| Crashes: `kill -9` of the binary at random points of concurrent SMS logins, soft-token activations and push logins, restart on the same SQLite file | {} cycles, {} flows cut mid-way, {} requests acknowledged and {} cut | {} |",
            self.cycles,
            mid_flow,
            self.acknowledged,
            self.cut,
            if self.problems.is_empty() {
                format!("{checks} checks, none failed: no acknowledged account, factor, failure count or audit event lost, none invented; no used SMS code, activation code or push answer accepted again; no second session, no acknowledged session lost; at most one soft token, never a half-made one")
            } else {
                format!("{} checks held, {} FAILED", checks, self.problems.len())
            }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Sms,
    Activation,
    Push,
}

impl Flow {
    fn name(self) -> &'static str {
        match self {
            Self::Sms => "sms login",
            Self::Activation => "activation",
            Self::Push => "push login",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Password,
    ChooseSms,
    ReadPhone,
    WrongCode,
    RightCode,
    Account,
    BeginActivation,
    WrongActivation,
    CompleteActivation,
    ChooseToken,
    TokenResponse,
    StartPush,
    ListPushes,
    WrongPush,
    AnswerPush,
    Status,
    Session,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Self::Password => "POST /api/login (password)",
            Self::ChooseSms => "POST factor (SMS sent)",
            Self::ReadPhone => "GET /api/phone/messages",
            Self::WrongCode => "POST response (wrong code)",
            Self::RightCode => "POST response (right code)",
            Self::Account => "GET /api/account",
            Self::BeginActivation => "POST /api/token/activate (SMS sent)",
            Self::WrongActivation => "POST activate/{id} (wrong code)",
            Self::CompleteActivation => "POST activate/{id} (right code)",
            Self::ChooseToken => "POST factor (token challenge)",
            Self::TokenResponse => "POST response (OCRA)",
            Self::StartPush => "POST push",
            Self::ListPushes => "POST /api/token/pushes",
            Self::WrongPush => "POST /api/push/{id} (wrong number)",
            Self::AnswerPush => "POST /api/push/{id} (answer)",
            Self::Status => "GET status",
            Self::Session => "POST session",
        }
    }
}

/// What the server recorded for an account, as the client can tell from its answers.
#[derive(Debug, Clone, Default)]
struct Ledger {
    /// Audit events per kind (counted from the baseline plus acknowledged answers).
    events: BTreeMap<String, u64>,
    /// Failure counts per factor id.
    failures: BTreeMap<u32, u32>,
}

impl Ledger {
    fn add(&mut self, kind: &str) {
        *self.events.entry(kind.to_owned()).or_insert(0) += 1;
    }

    fn failed(&mut self, factor: u32) {
        *self.failures.entry(factor).or_insert(0) += 1;
    }
}

/// One account and what its flow has seen this cycle.
struct Account {
    name: String,
    flow: Flow,
    phone: String,
    ledger: Ledger,
    /// The request sent and not answered when the server died.
    inflight: Option<Step>,
    /// Reached the end of the flow.
    done: bool,
    /// The newest demo-phone message id seen for this phone.
    last_message: i64,
    /// The known active soft token (factor id, secret).
    token: Option<(u32, String)>,
    /// The known active token's device handle and key (hex), empty when unknown.
    cred: (String, String),
    device: String,
    // This cycle:
    login: Option<String>,
    code: Option<String>,
    succeeded: bool,
    cookie: Option<String>,
    session_opened: bool,
    activation: Option<String>,
    activation_code: Option<String>,
    /// The device code of a migration (an account with a token moves it only with one), shown
    /// to a login with the old token before the cycle.
    device_code: Option<String>,
    activated: bool,
    retired: Option<u32>,
    push: Option<(String, u32)>,
    approve: bool,
    answered: bool,
    problems: Vec<String>,
    acknowledged: u64,
}

impl Account {
    fn new(name: String, flow: Flow, phone: String) -> Self {
        Self {
            name,
            flow,
            phone,
            ledger: Ledger::default(),
            inflight: None,
            done: false,
            last_message: 0,
            token: None,
            cred: (String::new(), String::new()),
            device: String::new(),
            login: None,
            code: None,
            succeeded: false,
            cookie: None,
            session_opened: false,
            activation: None,
            activation_code: None,
            device_code: None,
            activated: false,
            retired: None,
            push: None,
            approve: true,
            answered: false,
            problems: Vec::new(),
            acknowledged: 0,
        }
    }

    fn new_cycle(&mut self) {
        self.inflight = None;
        self.done = false;
        self.login = None;
        self.code = None;
        self.succeeded = false;
        self.cookie = None;
        self.session_opened = false;
        self.activation = None;
        self.activation_code = None;
        self.device_code = None;
        self.activated = false;
        self.retired = None;
        self.push = None;
        self.approve = true;
        self.answered = false;
    }

    fn problem(&mut self, what: String) {
        self.problems
            .push(format!("{} ({}): {what}", self.name, self.flow.name()));
    }

    /// Sends one request of the flow; `None` when the server died under it.
    async fn send(
        &mut self,
        http: &mut Http,
        step: Step,
        path: &str,
        body: Option<Value>,
    ) -> Option<Answer> {
        self.inflight = Some(step);
        let answer = match body {
            Some(body) => http.post(path, &body).await,
            None => http.get(path).await,
        };
        match answer {
            Ok(answer) => {
                self.inflight = None;
                self.acknowledged += 1;
                Some(answer)
            }
            Err(_) => None,
        }
    }

    /// The code of the newest message to this account's phone after the last one read, which
    /// becomes the last one read.
    fn take_new_code(&mut self, messages: &Answer) -> Option<String> {
        let (id, text) = newest_to(messages, &self.phone, self.last_message)?;
        self.last_message = id;
        Some(code_of(&text))
    }

    /// The code of a new message to this account's phone, waiting for the delivery worker (at
    /// most 10 s); `None` if none comes.
    async fn wait_for_new_code(&mut self, http: &mut Http) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = get(http, "/api/phone/messages").await;
            if let Some(code) = self.take_new_code(&messages) {
                return Some(code);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Reads the demo phone (a step of the flow) for the code just sent; a problem, `missing`,
    /// when no new message came.
    async fn read_new_code(&mut self, http: &mut Http, missing: &str) -> Option<String> {
        let messages = self
            .expect(http, Step::ReadPhone, "/api/phone/messages", None, None)
            .await?;
        let code = self.take_new_code(&messages);
        if code.is_none() {
            self.problem(missing.to_owned());
        }
        code
    }

    /// `send`, expecting a 200 whose `outcome`/`answer` (if `outcome` is given) matches.
    async fn expect(
        &mut self,
        http: &mut Http,
        step: Step,
        path: &str,
        body: Option<Value>,
        outcome: Option<&str>,
    ) -> Option<Answer> {
        let answer = self.send(http, step, path, body).await?;
        let fine = answer.status == 200 && outcome.is_none_or(|o| answer.outcome() == o);
        if !fine {
            self.problem(format!(
                "{}: expected {}, got {} {}",
                step.name(),
                outcome.unwrap_or("200"),
                answer.status,
                answer.text
            ));
            return None;
        }
        Some(answer)
    }

    /// The events and failure counts the request cut by the kill may have added.
    fn cut_may_write(&self) -> (Vec<&'static str>, Option<u32>, bool) {
        let token = self.token.as_ref().map(|(f, _)| *f);
        match self.inflight {
            Some(Step::Password) => (vec!["password_accepted"], None, false),
            Some(Step::ChooseSms) => (vec!["message_queued", "message_sent"], None, false),
            Some(Step::BeginActivation) => (
                vec!["message_queued", "message_sent", "password_accepted"],
                None,
                false,
            ),
            Some(Step::WrongCode) => (vec!["code_rejected", "factor_locked"], Some(1), false),
            Some(Step::RightCode) => (vec!["login_succeeded"], Some(1), true),
            Some(Step::WrongActivation) => (vec!["code_rejected", "factor_locked"], None, false),
            // With the notice to the phone (queued in the same commit, sent before the answer).
            Some(Step::CompleteActivation) => (
                vec![
                    "token_activated",
                    "factor_retired",
                    "message_queued",
                    "message_sent",
                ],
                None,
                false,
            ),
            Some(Step::TokenResponse) => (vec!["login_succeeded"], token, true),
            Some(Step::StartPush) => (vec!["push_sent"], None, false),
            // A wrong push answer counts against the push only: no event, no factor failure.
            Some(Step::WrongPush) => (vec![], None, false),
            Some(Step::AnswerPush) if self.approve => {
                (vec!["push_approved", "login_succeeded"], None, true)
            }
            Some(Step::AnswerPush) => (vec!["push_denied"], None, true),
            _ => (vec![], None, false),
        }
    }
}

fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| match c {
            '0'..='8' => char::from(c as u8 + 1),
            '9' => '0',
            other => other,
        })
        .collect()
}

/// The newest message to `phone` after `after`, from a messages answer.
fn newest_to(answer: &Answer, phone: &str, after: i64) -> Option<(i64, String)> {
    answer
        .body
        .as_array()?
        .iter()
        .filter(|m| m["to"] == phone && m["id"].as_i64().unwrap_or(0) > after)
        .map(|m| {
            (
                m["id"].as_i64().unwrap_or(0),
                m["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .next_back()
}

async fn sms_flow(a: &mut Account, http: &mut Http, rng: &mut Rng) {
    let body = json!({ "username": a.name, "password": PASSWORD });
    let Some(answer) = a
        .expect(http, Step::Password, "/api/login", Some(body), None)
        .await
    else {
        return;
    };
    a.ledger.add("password_accepted");
    let login = answer.body["loginId"].as_str().unwrap_or("").to_owned();
    a.login = Some(login.clone());
    let path = format!("/api/login/{login}/factor");
    if a.expect(
        http,
        Step::ChooseSms,
        &path,
        Some(json!({ "factorId": 1 })),
        None,
    )
    .await
    .is_none()
    {
        return;
    }
    a.ledger.add("message_queued");
    a.ledger.add("message_sent");
    let Some(code) = a
        .read_new_code(
            http,
            "code_sent answered, but no new message on the demo phone",
        )
        .await
    else {
        return;
    };
    a.code = Some(code.clone());
    let path = format!("/api/login/{login}/response");
    for _ in 0..rng.below(3) {
        let body = json!({ "response": wrong(&code) });
        if a.expect(http, Step::WrongCode, &path, Some(body), Some("wrong_code"))
            .await
            .is_none()
        {
            return;
        }
        a.ledger.add("code_rejected");
        a.ledger.failed(1);
    }
    let body = json!({ "response": code });
    let Some(answer) = a
        .expect(http, Step::RightCode, &path, Some(body), Some("success"))
        .await
    else {
        return;
    };
    a.ledger.add("login_succeeded");
    a.ledger.failures.insert(1, 0);
    a.succeeded = true;
    a.session_opened = true;
    a.cookie = answer.session;
    if let Some(page) = a
        .expect(http, Step::Account, "/api/account", None, None)
        .await
    {
        if page.body["username"] != a.name.as_str() {
            a.problem(format!("account page of someone else: {}", page.text));
        }
    }
    a.done = true;
}

/// A login with the known soft token: password, challenge, OCRA response.
async fn token_login(a: &mut Account, http: &mut Http) -> Option<()> {
    let (factor, secret) = a.token.clone()?;
    let body = json!({ "username": a.name, "password": PASSWORD });
    let answer = a
        .expect(http, Step::Password, "/api/login", Some(body), None)
        .await?;
    a.ledger.add("password_accepted");
    let login = answer.body["loginId"].as_str().unwrap_or("").to_owned();
    a.login = Some(login.clone());
    let path = format!("/api/login/{login}/factor");
    let prompt = a
        .expect(
            http,
            Step::ChooseToken,
            &path,
            Some(json!({ "factorId": factor })),
            None,
        )
        .await?;
    let challenge = prompt.body["challenge"].as_str().unwrap_or("").to_owned();
    let response = ocra_response(SOFT_SUITE, &secret, &challenge, None);
    let path = format!("/api/login/{login}/response");
    let answer = a
        .expect(
            http,
            Step::TokenResponse,
            &path,
            Some(json!({ "response": response })),
            Some("success"),
        )
        .await?;
    a.ledger.add("login_succeeded");
    a.ledger.failures.insert(factor, 0);
    a.succeeded = true;
    a.cookie = answer.session;
    Some(())
}

/// For an account whose token works: a login with it (outside the kill window) and the device
/// code its account page shows, with which the cycle's activation moves the token. `None` for
/// an account without one (its first activation is by SMS) or whose token's secret was lost.
async fn device_code_of(a: &Account, http: &mut Http) -> Option<String> {
    let (factor, secret) = a.token.clone().filter(|(_, s)| !s.is_empty())?;
    let started = post(
        http,
        "/api/login",
        json!({ "username": a.name, "password": PASSWORD }),
    )
    .await;
    let login = started.body["loginId"].as_str()?.to_owned();
    let prompt = post(
        http,
        &format!("/api/login/{login}/factor"),
        json!({ "factorId": factor }),
    )
    .await;
    let challenge = prompt.body["challenge"].as_str()?.to_owned();
    let response = ocra_response(SOFT_SUITE, &secret, &challenge, None);
    let answer = post(
        http,
        &format!("/api/login/{login}/response"),
        json!({ "response": response }),
    )
    .await;
    assert_eq!(answer.outcome(), "success", "{}", answer.text);
    let shown = post(http, "/api/account/device-code", json!({})).await;
    Some(shown.ok()["code"].as_str()?.to_owned())
}

async fn activation_flow(a: &mut Account, http: &mut Http, rng: &mut Rng, cycle: usize) {
    a.device = format!("crash-{}-{cycle}", a.name);
    let body = json!({ "username": a.name, "password": PASSWORD, "deviceId": a.device });
    let Some(answer) = a
        .send(
            http,
            Step::BeginActivation,
            "/api/token/activate",
            Some(body),
        )
        .await
    else {
        return;
    };
    if answer.status == 200 {
        a.ledger.add("password_accepted");
        if a.device_code.is_none() {
            a.ledger.add("message_queued");
            a.ledger.add("message_sent");
        }
    } else {
        a.problem(format!(
            "activation start: {} {}",
            answer.status, answer.text
        ));
        return;
    }
    let id = answer.body["activationId"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    a.activation = Some(id.clone());
    let code = match a.device_code.clone() {
        Some(code) => code,
        None => {
            let Some(code) = a
                .read_new_code(
                    http,
                    "activation started, but no new message on the demo phone",
                )
                .await
            else {
                return;
            };
            code
        }
    };
    a.activation_code = Some(code.clone());
    let path = format!("/api/token/activate/{id}");
    if rng.chance(30) {
        let body = json!({ "code": wrong(&code), "deviceId": a.device });
        let Some(answer) = a.send(http, Step::WrongActivation, &path, Some(body)).await else {
            return;
        };
        if answer.outcome() != "wrong_code" {
            a.problem(format!("wrong activation code: {}", answer.text));
            return;
        }
        a.ledger.add("code_rejected");
    }
    let body = json!({ "code": code, "deviceId": a.device });
    let Some(answer) = a
        .send(http, Step::CompleteActivation, &path, Some(body))
        .await
    else {
        return;
    };
    if answer.outcome() != "activated" {
        a.problem(format!("activation: {}", answer.text));
        return;
    }
    a.ledger.add("token_activated");
    // The notice to the account's phone, sent before the answer.
    a.ledger.add("message_queued");
    a.ledger.add("message_sent");
    let factor = u32::try_from(answer.body["factorId"].as_u64().unwrap_or(0)).unwrap_or(0);
    let secret = answer.body["secret"].as_str().unwrap_or("").to_owned();
    if let Some((old, _)) = a.token.take() {
        a.ledger.add("factor_retired");
        a.ledger.failures.remove(&old);
        a.retired = Some(old);
    }
    a.token = Some((factor, secret));
    a.cred = credential(&answer.body);
    a.ledger.failures.insert(factor, 0);
    a.activated = true;
    if token_login(a, http).await.is_some() {
        a.done = true;
    }
}

async fn push_flow(a: &mut Account, http: &mut Http, rng: &mut Rng) {
    let Some((_, secret)) = a.token.clone() else {
        a.problem("no token".into());
        return;
    };
    let body = json!({ "username": a.name, "password": PASSWORD });
    let Some(answer) = a
        .expect(http, Step::Password, "/api/login", Some(body), None)
        .await
    else {
        return;
    };
    a.ledger.add("password_accepted");
    let login = answer.body["loginId"].as_str().unwrap_or("").to_owned();
    a.login = Some(login.clone());
    let Some(started) = a
        .expect(
            http,
            Step::StartPush,
            &format!("/api/login/{login}/push"),
            Some(json!({})),
            None,
        )
        .await
    else {
        return;
    };
    a.ledger.add("push_sent");
    let request = started.body["requestId"].as_str().unwrap_or("").to_owned();
    let number = u32::try_from(started.body["number"].as_u64().unwrap_or(0)).unwrap_or(0);
    a.push = Some((request.clone(), number));
    a.approve = !rng.chance(20);
    let Some(fields) = proved(a, http, Step::ListPushes, "pushes", "").await else {
        return;
    };
    let Some(list) = a
        .expect(
            http,
            Step::ListPushes,
            "/api/token/pushes",
            Some(fields),
            None,
        )
        .await
    else {
        return;
    };
    let listed = list
        .body
        .as_array()
        .is_some_and(|l| l.iter().any(|p| p["requestId"] == request.as_str()));
    if !listed {
        a.problem(format!("push {request} not on the device: {}", list.text));
    }
    let path = format!("/api/push/{request}");
    if rng.chance(30) {
        let wrong_number = if number == 99 { 10 } else { number + 1 };
        let mac = push_mac(&secret, &request, wrong_number, true);
        let detail = format!("{request} approve");
        let Some(mut body) = proved(a, http, Step::WrongPush, "answer", &detail).await else {
            return;
        };
        body["decision"] = json!("approve");
        body["mac"] = json!(mac);
        if a.expect(http, Step::WrongPush, &path, Some(body), Some("rejected"))
            .await
            .is_none()
        {
            return;
        }
        // Counted against this push only: no event, the factor's failures unchanged.
    }
    let mac = push_mac(&secret, &request, number, a.approve);
    let decision = if a.approve { "approve" } else { "deny" };
    let expected = if a.approve { "approved" } else { "denied" };
    let detail = format!("{request} {decision}");
    let Some(mut body) = proved(a, http, Step::AnswerPush, "answer", &detail).await else {
        return;
    };
    body["decision"] = json!(decision);
    body["mac"] = json!(mac);
    if a.expect(http, Step::AnswerPush, &path, Some(body), Some(expected))
        .await
        .is_none()
    {
        return;
    }
    a.answered = true;
    if a.approve {
        a.ledger.add("push_approved");
        a.ledger.add("login_succeeded");
        a.succeeded = true;
    } else {
        a.ledger.add("push_denied");
    }
    let Some(status) = a
        .expect(
            http,
            Step::Status,
            &format!("/api/login/{login}/status"),
            None,
            None,
        )
        .await
    else {
        return;
    };
    let want = if a.approve { "succeeded" } else { "denied" };
    if status.body["status"] != want {
        a.problem(format!("status after the answer: {}", status.text));
    }
    if a.approve {
        let Some(answer) = a
            .expect(
                http,
                Step::Session,
                &format!("/api/login/{login}/session"),
                Some(json!({})),
                None,
            )
            .await
        else {
            return;
        };
        a.session_opened = true;
        a.cookie = answer.session;
    }
    a.done = true;
}

/// The shared pieces of a run.
struct Run {
    bin: PathBuf,
    db: PathBuf,
    report: CrashReport,
}

impl Run {
    fn baseline(&self, a: &mut Account) {
        a.ledger.events = event_counts(&self.bin, &self.db, &a.name);
        a.ledger.failures = show(&self.bin, &self.db, &a.name)
            .into_iter()
            .map(|f| (f.id, f.failures))
            .collect();
    }

    /// After the restart: the records against the ledger. Returns whether the cut request
    /// committed, as far as its events tell (None when it writes none).
    fn verify_ledger(&mut self, a: &mut Account, shown: &[Shown]) -> Option<bool> {
        let found = event_counts(&self.bin, &self.db, &a.name);
        let (may, charge, may_reset) = a.cut_may_write();
        let kinds: BTreeSet<String> = found
            .keys()
            .chain(a.ledger.events.keys())
            .cloned()
            .collect();
        for kind in kinds {
            let acked = a.ledger.events.get(&kind).copied().unwrap_or(0);
            let there = found.get(&kind).copied().unwrap_or(0);
            let slack = u64::from(may.contains(&kind.as_str()));
            if there < acked {
                a.problem(format!(
                    "LOST {kind} events: {acked} acknowledged, {there} after the restart"
                ));
            } else if there > acked + slack {
                a.problem(format!(
                    "{kind} events: {acked} acknowledged (+{slack} cut), {there} after the restart"
                ));
            } else {
                self.report.held(
                    "audit event count per kind within [acknowledged, acknowledged + cut request]",
                );
            }
        }

        let count = |map: &BTreeMap<String, u64>, kind: &str| map.get(kind).copied().unwrap_or(0);
        let committed = may
            .first()
            .map(|kind| count(&found, kind) > count(&a.ledger.events, kind));
        let replaced = if a.inflight == Some(Step::CompleteActivation) && committed == Some(true) {
            a.token.as_ref().map(|(f, _)| *f)
        } else {
            None
        };
        for (factor, acked) in a.ledger.failures.clone() {
            let Some(now) = shown.iter().find(|f| f.id == factor) else {
                if replaced == Some(factor) {
                    self.report
                        .held("the token replaced by an activation that committed is retired");
                } else {
                    a.problem(format!("LOST factor {factor}"));
                }
                continue;
            };
            let fine = now.failures == acked
                || (charge == Some(factor) && now.failures == acked + 1)
                || (may_reset && charge == Some(factor) && now.failures == 0);
            if fine {
                self.report.held(
                    "failure count = acknowledged (or + the cut attempt, or reset by its success)",
                );
            } else {
                a.problem(format!(
                    "factor {factor}: {} failures after the restart, {acked} acknowledged (cut: {:?})",
                    now.failures, a.inflight
                ));
            }
        }
        committed
    }
}

/// Everything about an account's soft tokens after the restart.
fn soft_tokens(shown: &[Shown]) -> Vec<u32> {
    shown
        .iter()
        .filter(|f| f.kind == "soft_token")
        .map(|f| f.id)
        .collect()
}

/// The device handle and key of an activation answer.
fn credential(body: &Value) -> (String, String) {
    let text = |name: &str| body[name].as_str().unwrap_or("").to_owned();
    (text("deviceHandle"), text("deviceKey"))
}

/// A nonce from `POST /api/token/challenge` (sent as `step`: a kill may cut it) and the token's
/// proof of `action`: the fields its call adds to the body.
async fn proved(
    a: &mut Account,
    http: &mut Http,
    step: Step,
    action: &str,
    detail: &str,
) -> Option<Value> {
    let (handle, key) = a.cred.clone();
    let body = json!({ "handle": handle });
    let issued = a
        .expect(http, step, "/api/token/challenge", Some(body), None)
        .await?;
    let nonce = issued.body["nonce"].as_str().unwrap_or("").to_owned();
    Some(device_fields(&handle, &nonce, &key, action, detail))
}

async fn post(http: &mut Http, path: &str, body: Value) -> Answer {
    http.post(path, &body)
        .await
        .unwrap_or_else(|e| panic!("the restarted server does not answer {path}: {e}"))
}

async fn get(http: &mut Http, path: &str) -> Answer {
    http.get(path)
        .await
        .unwrap_or_else(|e| panic!("the restarted server does not answer {path}: {e}"))
}

/// The session of a completed login, opened after the restart when the cut took it: once at most.
async fn check_session(run: &mut Run, a: &mut Account, http: &mut Http, login: &str) {
    let path = format!("/api/login/{login}/session");
    if !a.session_opened {
        let first = post(http, &path, json!({})).await;
        if first.status != 200 && first.code() != "NotAllowed" {
            a.problem(format!("session after the restart: {}", first.text));
        }
    }
    let again = post(http, &path, json!({})).await;
    if again.status == 409 && again.code() == "NotAllowed" {
        run.report
            .held("a completed login opens no second session after the restart");
    } else {
        a.problem(format!("second session: {} {}", again.status, again.text));
    }
    if let Some(cookie) = a.cookie.take() {
        let mut old = Http::new(&http.base);
        old.cookie = Some(cookie);
        let page = get(&mut old, "/api/account").await;
        if page.status == 200 {
            run.report
                .held("a session acknowledged before the kill still signs in after the restart");
        } else {
            a.problem(format!(
                "old session after restart: {} {}",
                page.status, page.text
            ));
        }
    }
}

async fn recover_sms(run: &mut Run, a: &mut Account, http: &mut Http, committed: Option<bool>) {
    let Some(login) = a.login.clone() else {
        return;
    };
    let respond = format!("/api/login/{login}/response");
    let Some(code) = a.code.clone() else {
        // A code committed before the kill must reach the phone: at once, or from the restarted
        // server's delivery worker.
        let committed_code = a.inflight == Some(Step::ReadPhone) || committed == Some(true);
        let code = if committed_code {
            a.wait_for_new_code(http).await
        } else {
            let messages = get(http, "/api/phone/messages").await;
            a.take_new_code(&messages)
        };
        match code {
            Some(code) => {
                let done = post(http, &respond, json!({ "response": code })).await;
                if done.outcome() == "success" {
                    run.report
                        .held("an SMS code committed before the kill reaches the phone and completes its login after it");
                    a.session_opened = true;
                    check_session(run, a, http, &login).await;
                } else {
                    a.problem(format!("the code sent before the kill: {}", done.text));
                }
            }
            None if committed_code => {
                a.problem("an SMS code committed before the kill never reached the phone".into());
            }
            None => {}
        }
        return;
    };
    if a.succeeded {
        let replay = post(http, &respond, json!({ "response": code })).await;
        if replay.outcome() == "wrong_code" {
            run.report
                .held("a used SMS code is refused after the restart");
        } else {
            a.problem(format!("used SMS code after the restart: {}", replay.text));
        }
        check_session(run, a, http, &login).await;
        return;
    }
    let status = get(http, &format!("/api/login/{login}/status")).await;
    let retry = post(http, &respond, json!({ "response": code })).await;
    match status.body["status"].as_str() {
        Some("succeeded") if a.inflight == Some(Step::RightCode) => {
            if retry.outcome() == "wrong_code" {
                run.report
                    .held("a success cut by the kill is complete and its code used");
            } else {
                a.problem(format!("code of a completed login: {}", retry.text));
            }
            check_session(run, a, http, &login).await;
        }
        Some("pending") => {
            if retry.outcome() == "success" {
                run.report
                    .held("a pending SMS login completes with its code after the restart");
                a.session_opened = true;
                check_session(run, a, http, &login).await;
            } else {
                a.problem(format!("pending login, its code: {}", retry.text));
            }
        }
        _ => a.problem(format!("status {} with {:?} cut", status.text, a.inflight)),
    }
}

async fn recover_token_login(run: &mut Run, a: &mut Account, http: &mut Http) {
    let before = a.ledger.clone();
    if token_login(a, http).await.is_some() {
        run.report
            .held("the acknowledged soft token works after the restart");
    } else {
        a.problem("the soft token does not log in after the restart".into());
    }
    a.ledger = before;
}

async fn recover_activation(
    run: &mut Run,
    a: &mut Account,
    http: &mut Http,
    committed: Option<bool>,
    shown: &[Shown],
) {
    let tokens = soft_tokens(shown);
    if tokens.len() > 1 {
        a.problem(format!("{} active soft tokens: {tokens:?}", tokens.len()));
        return;
    }
    run.report.held("at most one active soft token");
    let known = a.token.as_ref().map(|(f, _)| *f);
    let Some(id) = a.activation.clone() else {
        // Not started (or its start cut): the factors are as before.
        if tokens.first().copied() == known || known.is_none() {
            run.report
                .held("an activation whose start was cut changed no factor");
        } else {
            a.problem(format!("soft tokens {tokens:?}, known {known:?}"));
        }
        return;
    };
    let code = match a.activation_code.clone().or_else(|| a.device_code.clone()) {
        Some(code) => code,
        None => {
            let messages = get(http, "/api/phone/messages").await;
            let Some(code) = a.take_new_code(&messages) else {
                a.problem("activation start acknowledged, its SMS gone after the restart".into());
                return;
            };
            code
        }
    };
    let path = format!("/api/token/activate/{id}");
    let body = json!({ "code": code, "deviceId": a.device });
    if a.activated {
        if tokens.first().copied() == known {
            run.report
                .held("an acknowledged activation's token is the active one after the restart");
        } else {
            a.problem(format!("soft tokens {tokens:?}, acknowledged {known:?}"));
        }
        if let Some(old) = a.retired {
            let mut browser = Http::new(&http.base);
            let start = post(
                &mut browser,
                "/api/login",
                json!({ "username": a.name, "password": PASSWORD }),
            )
            .await;
            let login = start.body["loginId"].as_str().unwrap_or("").to_owned();
            let chosen = post(
                &mut browser,
                &format!("/api/login/{login}/factor"),
                json!({ "factorId": old }),
            )
            .await;
            if chosen.status == 404 {
                run.report
                    .held("the token an activation replaced stays retired after the restart");
            } else {
                a.problem(format!("retired token {old}: {}", chosen.text));
            }
        }
        // The same code from the same device fetches the same token again (its answer may
        // have been lost); it binds nothing new, and from another device it is refused.
        let replay = post(http, &path, body).await;
        let same = replay.body["factorId"].as_u64().map(|f| f as u32) == known;
        if replay.outcome() == "activated" && same {
            run.report.held(
                "a used activation code binds nothing new after the restart (it fetches the same token)",
            );
        } else {
            a.problem(format!("used activation code: {}", replay.text));
        }
        let elsewhere = json!({ "code": code, "deviceId": format!("{}-other", a.device) });
        let replay = post(http, &path, elsewhere).await;
        if replay.outcome() == "wrong_code" {
            run.report
                .held("a used activation code is refused to another device after the restart");
        } else {
            a.problem(format!(
                "used activation code, other device: {}",
                replay.text
            ));
        }
        recover_token_login(run, a, http).await;
        return;
    }
    let retry = post(http, &path, body).await;
    if a.inflight == Some(Step::CompleteActivation) && committed == Some(true) {
        // Committed whole while its answer was lost.
        let orphan = tokens.first().copied();
        let fetched = retry.body["factorId"].as_u64().map(|f| f as u32);
        if retry.outcome() == "activated"
            && orphan.is_some()
            && orphan != known
            && fetched == orphan
        {
            run.report.held(
                "an activation cut after its commit is whole (one new token), and its lost answer is fetched again with the same code",
            );
            let secret = retry.body["secret"].as_str().unwrap_or("").to_owned();
            a.token = orphan.map(|f| (f, secret));
            a.cred = credential(&retry.body);
            recover_token_login(run, a, http).await;
        } else {
            a.problem(format!(
                "committed activation: retry {} tokens {tokens:?} known {known:?}",
                retry.text
            ));
        }
        return;
    }
    match retry.outcome() {
        "activated" => {
            run.report.held(
                "an activation cut before its commit completes with its code after the restart",
            );
            let factor = u32::try_from(retry.body["factorId"].as_u64().unwrap_or(0)).unwrap_or(0);
            let secret = retry.body["secret"].as_str().unwrap_or("").to_owned();
            a.token = Some((factor, secret));
            a.cred = credential(&retry.body);
            recover_token_login(run, a, http).await;
        }
        _ => a.problem(format!("activation after the restart: {}", retry.text)),
    }
}

async fn recover_push(run: &mut Run, a: &mut Account, http: &mut Http, shown: &[Shown]) {
    let token = a.token.clone();
    if let Some((factor, _)) = &token {
        if soft_tokens(shown) == [*factor] {
            run.report
                .held("the push account's token is still there, same id");
        } else {
            a.problem(format!(
                "tokens {:?}, expected [{factor}]",
                soft_tokens(shown)
            ));
        }
    }
    let (Some(login), Some((_, secret))) = (a.login.clone(), token) else {
        return;
    };
    let status = get(http, &format!("/api/login/{login}/status")).await;
    let status = status.body["status"].as_str().unwrap_or("").to_owned();
    let Some((request, number)) = a.push.clone() else {
        if status == "pending" {
            run.report
                .held("a login whose push start was cut is still pending");
        } else {
            a.problem(format!("status {status} before any answer"));
        }
        return;
    };
    let mac = push_mac(&secret, &request, number, a.approve);
    let decision = if a.approve { "approve" } else { "deny" };
    let (handle, key) = a.cred.clone();
    let issued = post(http, "/api/token/challenge", json!({ "handle": handle })).await;
    let nonce = issued.body["nonce"].as_str().unwrap_or("").to_owned();
    let mut body = device_fields(
        &handle,
        &nonce,
        &key,
        "answer",
        &format!("{request} {decision}"),
    );
    body["decision"] = json!(decision);
    body["mac"] = json!(mac);
    let path = format!("/api/push/{request}");
    let settled = if a.approve { "succeeded" } else { "denied" };
    let answered = a.answered || status == settled;
    if a.answered && status != settled {
        a.problem(format!("answered push, status {status} after the restart"));
    }
    let retry = post(http, &path, body).await;
    if answered {
        if matches!(retry.outcome(), "rejected" | "locked") {
            run.report
                .held("an answered push cannot be answered again after the restart");
        } else {
            a.problem(format!("second answer to a push: {}", retry.text));
        }
    } else if status == "pending" {
        let want = if a.approve { "approved" } else { "denied" };
        if retry.outcome() == want {
            run.report
                .held("a push whose answer was cut is answered after the restart");
        } else {
            a.problem(format!("push after the restart: {}", retry.text));
        }
    } else {
        a.problem(format!("status {status} with {:?} cut", a.inflight));
    }
    if a.approve {
        check_session(run, a, http, &login).await;
    }
}

/// Runs the cycles. Panics only when the set-up fails or the restarted server does not answer.
pub async fn run(opts: &CrashOptions) -> CrashReport {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // A migration retires the old token at once here (no cooling-off), so "at most one active
    // token" and "the replaced token stays retired" are checkable right after each restart; the
    // cooling-off is the lifecycle scenarios' subject.
    let args = [&CHEAP[..], &["--binding-cooling-off", "0"]].concat();
    let mut portal = Portal::start(&opts.bin, dir.path(), &args);
    let mut run = Run {
        bin: opts.bin.clone(),
        db: portal.db(),
        report: CrashReport {
            seed: opts.seed,
            ..CrashReport::default()
        },
    };
    let mut rng = Rng::new(opts.seed);
    let mut accounts = Vec::new();
    let mut number = 0;
    for flow in [Flow::Sms, Flow::Activation, Flow::Push] {
        for i in 0..opts.users_per_flow.max(1) {
            number += 1;
            let name = match flow {
                Flow::Sms => format!("sms-{i}"),
                Flow::Activation => format!("act-{i}"),
                Flow::Push => format!("push-{i}"),
            };
            let phone = format!("+417930{number:05}");
            admin(
                &run.bin,
                &run.db,
                &[
                    "create-user",
                    &name,
                    "--password-file",
                    &secret_file(PASSWORD),
                ],
            );
            admin(
                &run.bin,
                &run.db,
                &["add-factor", &name, "sms", "--phone", &phone],
            );
            accounts.push(Account::new(name, flow, phone));
        }
    }
    // The push accounts' tokens, activated before the first cycle.
    let mut http = portal.client();
    http.set_clock(T0 - 86_400).await;
    for a in accounts.iter_mut().filter(|a| a.flow == Flow::Push) {
        a.device = format!("crash-{}", a.name);
        let begun = post(
            &mut http,
            "/api/token/activate",
            json!({ "username": a.name, "password": PASSWORD, "deviceId": a.device }),
        )
        .await;
        let id = begun.ok()["activationId"].as_str().unwrap().to_owned();
        let messages = get(&mut http, "/api/phone/messages").await;
        let (message, text) = newest_to(&messages, &a.phone, 0).unwrap();
        a.last_message = message;
        let done = post(
            &mut http,
            &format!("/api/token/activate/{id}"),
            json!({ "code": code_of(&text), "deviceId": a.device }),
        )
        .await;
        let body = done.ok();
        let factor = u32::try_from(body["factorId"].as_u64().unwrap()).unwrap();
        a.token = Some((factor, body["secret"].as_str().unwrap().to_owned()));
        a.cred = credential(body);
    }

    for cycle in 0..opts.cycles {
        let now = T0 + cycle as u64 * 86_400;
        portal.client().set_clock(now).await;
        for a in &mut accounts {
            a.new_cycle();
            if a.flow == Flow::Activation {
                a.device_code = device_code_of(a, &mut portal.client()).await;
            }
            run.baseline(a);
        }
        // The flows, all at once, and the killer.
        let sent = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let expected = 6 * accounts.len() as u64;
        let kill_at = 1 + rng.below(expected + expected / 8 + 1) as usize;
        let delay = Duration::from_micros(rng.below(3000));
        let killer = {
            let sent = sent.clone();
            let finished = finished.clone();
            let switch = portal.killer();
            std::thread::spawn(move || {
                let waiting = Instant::now();
                while sent.load(Ordering::SeqCst) < kill_at
                    && !finished.load(Ordering::SeqCst)
                    && waiting.elapsed() < Duration::from_secs(60)
                {
                    std::thread::sleep(Duration::from_micros(50));
                }
                std::thread::sleep(delay);
                switch.kill();
            })
        };
        let tasks: Vec<_> = accounts
            .drain(..)
            .map(|mut a| {
                let mut http = portal.client();
                http.sent = Some(sent.clone());
                let mut rng = Rng::new(rng.next_u64());
                tokio::spawn(async move {
                    match a.flow {
                        Flow::Sms => sms_flow(&mut a, &mut http, &mut rng).await,
                        Flow::Activation => {
                            activation_flow(&mut a, &mut http, &mut rng, cycle).await
                        }
                        Flow::Push => push_flow(&mut a, &mut http, &mut rng).await,
                    }
                    a
                })
            })
            .collect();
        for task in tasks {
            accounts.push(task.await.unwrap());
        }
        finished.store(true, Ordering::SeqCst);
        killer.join().unwrap();
        portal.restart();
        run.db = portal.db();
        let mut http = portal.client();
        http.set_clock(now).await;

        let mut cut = 0;
        for a in &mut accounts {
            run.report.acknowledged += a.acknowledged;
            a.acknowledged = 0;
            let point = match (a.inflight, a.done) {
                (Some(step), _) => {
                    cut += 1;
                    step.name()
                }
                (None, true) => "done",
                (None, false) if a.problems.is_empty() => "not started",
                (None, false) => "stopped by a problem",
            };
            *run.report
                .kill_points
                .entry(format!("{}/{point}", a.flow.name()))
                .or_insert(0) += 1;
            let shown = show(&run.bin, &run.db, &a.name);
            run.report.held("the account is there after the restart");
            if !shown.iter().any(|f| f.id == 1 && f.kind == "sms") {
                a.problem(format!("the SMS factor is gone: {shown:?}"));
            }
            let committed = run.verify_ledger(a, &shown);
            if let (Some(step), Some(done)) = (a.inflight, committed) {
                let verdict = if done { "committed" } else { "not committed" };
                *run.report
                    .resolved
                    .entry(format!("{}/{}: {verdict}", a.flow.name(), step.name()))
                    .or_insert(0) += 1;
            }
            let mut http = portal.client();
            match a.flow {
                Flow::Sms => recover_sms(&mut run, a, &mut http, committed).await,
                Flow::Activation => {
                    recover_activation(&mut run, a, &mut http, committed, &shown).await;
                }
                Flow::Push => recover_push(&mut run, a, &mut http, &shown).await,
            }
            // The test's own wrong codes and replays must not lock the next cycle out.
            for factor in show(&run.bin, &run.db, &a.name) {
                if factor.failures >= 5 || factor.locked_until > now {
                    admin(
                        &run.bin,
                        &run.db,
                        &["unlock", &a.name, &factor.id.to_string()],
                    );
                }
            }
            run.report.problems.append(&mut a.problems);
        }
        run.report.cut += cut;
        run.report.cycles += 1;
        if opts.verbose {
            let points: Vec<String> = accounts
                .iter()
                .map(|a| {
                    format!(
                        "{}:{}",
                        a.name,
                        a.inflight
                            .map_or(if a.done { "done" } else { "-" }, Step::name)
                    )
                })
                .collect();
            println!(
                "cycle {cycle}: killed after request {kill_at} + {} us; {}",
                delay.as_micros(),
                points.join(", ")
            );
        }
        if !run.report.problems.is_empty() {
            break;
        }
    }
    portal.kill();
    run.report.seconds = started.elapsed().as_secs_f64();
    run.report
}
