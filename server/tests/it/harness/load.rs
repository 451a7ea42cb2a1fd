//! Load on the login-and-verify path, then an audit of what the server recorded.
//!
//! Set-up (not timed): `users` accounts made with the admin subcommands of the binary (an
//! authenticator app and an SMS factor each), each with a soft token activated over HTTP with
//! the code from the demo phone. Timed: `concurrency` workers, each a browser on its own
//! keep-alive connection owning `users / concurrency` accounts, log in over and over until the
//! time is up: `POST /api/login` (password, Argon2id), `POST /api/login/{id}/factor` (the soft
//! token's challenge or the authenticator app, alternately), `POST /api/login/{id}/response`
//! (the OCRA response or the TOTP code, computed here), which must be `success` with a session
//! cookie. Anything else (another status or outcome, a transport error) is an error.
//!
//! The server runs with `--test-clock`; a ticker moves it on by one TOTP step (30 s) every
//! `tick_ms`, so every account has fresh TOTP codes (each step is accepted once per factor).
//! A TOTP response is sent under a read lock of the ticker, so the step it was computed for is
//! still the server's.
//!
//! Afterwards, per account, from the audit table and `admin show`: `password_accepted` and
//! `login_succeeded` events equal the password steps and the logins the client saw succeed,
//! no other event was written, every failure count and lock is 0; and the newest session of each
//! account opens its account page.

use crate::harness::kit::secret_file;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::RwLock;

use super::{
    admin, admin_with, event_counts, line_value, ocra_response, percentile_ms, show, Http, Portal,
    TotpKey, CHEAP, PASSWORD, SOFT_SUITE, T0,
};

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The `secure-login-server` binary.
    pub bin: PathBuf,
    /// How long the timed phase lasts.
    pub seconds: f64,
    /// Workers (simultaneous logins).
    pub concurrency: usize,
    /// Accounts (at least `concurrency`).
    pub users: usize,
    /// Cheap Argon2 (64 KiB, 1 pass) instead of the default policy (19 MiB, 2 passes).
    pub cheap_argon: bool,
    /// Wall milliseconds per TOTP step of the test clock.
    pub tick_ms: u64,
}

/// Latency figures of one kind of request, in milliseconds.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Latency {
    fn of(mut us: Vec<u64>) -> Self {
        us.sort_unstable();
        let count = us.len();
        let mean = if count == 0 {
            0.0
        } else {
            us.iter().sum::<u64>() as f64 / count as f64 / 1000.0
        };
        Self {
            count,
            p50: percentile_ms(&us, 50.0),
            p99: percentile_ms(&us, 99.0),
            max: us.last().map_or(0.0, |m| *m as f64 / 1000.0),
            mean,
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "n {:>6}  p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  mean {:>8.2} ms",
            self.count, self.p50, self.p99, self.max, self.mean
        )
    }
}

/// What a run did and found.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub seconds: f64,
    pub setup_seconds: f64,
    pub concurrency: usize,
    pub users: usize,
    pub argon: String,
    /// HTTP requests of the timed phase that got an answer.
    pub requests: u64,
    /// Logins completed (`success` with a session cookie).
    pub logins: u64,
    pub soft_token_logins: u64,
    pub totp_logins: u64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub password: Latency,
    pub choose: Latency,
    pub response: Latency,
    /// The three steps of one login together.
    pub login: Latency,
    pub clock_ticks: u64,
    /// Consistency checks that passed (one line each).
    pub checks: Vec<String>,
    /// Consistency checks that failed.
    pub problems: Vec<String>,
}

impl LoadReport {
    /// Human-readable figures.
    pub fn print(&self) {
        println!(
            "load: {:.1} s at concurrency {} over {} accounts, Argon2id {} (set-up {:.1} s)",
            self.seconds, self.concurrency, self.users, self.argon, self.setup_seconds
        );
        println!(
            "  requests served {}  ({:.1}/s)   logins {} ({:.1}/s: {} soft token, {} TOTP)   errors {}",
            self.requests,
            self.requests as f64 / self.seconds,
            self.logins,
            self.logins as f64 / self.seconds,
            self.soft_token_logins,
            self.totp_logins,
            self.errors
        );
        println!("  password  {}", self.password);
        println!("  factor    {}", self.choose);
        println!("  response  {}", self.response);
        println!("  login     {}  (the three steps)", self.login);
        for e in &self.error_samples {
            println!("  error: {e}");
        }
        for c in &self.checks {
            println!("  held: {c}");
        }
        for p in &self.problems {
            println!("  BROKEN: {p}");
        }
    }

    /// A row for SECURITY.md's figures table.
    pub fn markdown_row(&self) -> String {
        format!(
            "| Load: login-and-verify (password, Argon2id {}; soft token or TOTP; response) against the binary on a fresh SQLite file | {:.0} s at concurrency {}, {} accounts: {} requests ({:.0}/s), {} logins ({:.1}/s); p50/p99 per step: password {:.1}/{:.1} ms, factor {:.1}/{:.1} ms, response {:.1}/{:.1} ms | {} errors; afterwards {} |",
            self.argon,
            self.seconds,
            self.concurrency,
            self.users,
            self.requests,
            self.requests as f64 / self.seconds,
            self.logins,
            self.logins as f64 / self.seconds,
            self.password.p50,
            self.password.p99,
            self.choose.p50,
            self.choose.p99,
            self.response.p50,
            self.response.p99,
            self.errors,
            if self.problems.is_empty() {
                "every event count, failure count and lock matched the requests sent".to_owned()
            } else {
                format!("{} inconsistencies", self.problems.len())
            }
        )
    }
}

/// One account of the run.
struct User {
    name: String,
    totp: TotpKey,
    /// The authenticator app's factor id (added after the token).
    totp_factor: u64,
    soft_factor: u64,
    soft_secret: String,
    /// The newest TOTP step used.
    last_step: Option<u64>,
    /// Use the app next (else the token).
    totp_next: bool,
    password_steps: u64,
    logins: u64,
    session: Option<String>,
}

#[derive(Default)]
struct Tally {
    requests: u64,
    soft: u64,
    totp: u64,
    errors: u64,
    samples: Vec<String>,
    password: Vec<u64>,
    choose: Vec<u64>,
    response: Vec<u64>,
    login: Vec<u64>,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.samples.len() < 10 {
            self.samples.push(what);
        }
    }
}

fn micros(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Sets up the accounts (not timed).
async fn setup(opts: &LoadOptions, portal: &Portal, policy: &[&str]) -> Vec<User> {
    let bin = opts.bin.clone();
    let db = portal.db();
    let mut http = portal.client();
    http.set_clock(T0).await;
    let mut users = Vec::new();
    for i in 0..opts.users {
        let name = format!("load-{i:04}");
        let phone = format!("+417920{i:05}");
        admin_with(
            &bin,
            &db,
            policy,
            &[
                "create-user",
                &name,
                "--password-file",
                &secret_file(PASSWORD),
            ],
        );
        // SMS first: the first token binds by SMS only while the account has no device.
        admin(&bin, &db, &["add-factor", &name, "sms", "--phone", &phone]);
        let device = format!("load-device-{i:04}");
        let begun = http
            .post(
                "/api/token/activate",
                &json!({ "username": name, "password": PASSWORD, "deviceId": device }),
            )
            .await
            .unwrap();
        let id = begun.ok()["activationId"].as_str().unwrap().to_owned();
        let messages = http.messages_to(&phone).await.unwrap();
        let code = super::code_of(&messages.last().unwrap().1);
        let done = http
            .post(
                &format!("/api/token/activate/{id}"),
                &json!({ "code": code, "deviceId": device }),
            )
            .await
            .unwrap();
        let body = done.ok();
        assert_eq!(body["outcome"], "activated", "{body}");
        let totp = admin(&bin, &db, &["add-factor", &name, "totp"]);
        let uri = line_value(&totp, "key URI:").to_owned();
        let totp_factor: u64 = line_value(&totp, "factor ")
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        users.push(User {
            totp_factor,
            name,
            totp: TotpKey::from_uri(&uri),
            soft_factor: body["factorId"].as_u64().unwrap(),
            soft_secret: body["secret"].as_str().unwrap().to_owned(),
            last_step: None,
            totp_next: i % 2 == 0,
            password_steps: 0,
            logins: 0,
            session: None,
        });
    }
    users
}

/// One login of `user`; pushes latencies and errors into `tally`.
async fn one_login(http: &mut Http, user: &mut User, clock: &RwLock<u64>, tally: &mut Tally) {
    http.cookie = None;
    let started = Instant::now();
    let answer = http
        .post(
            "/api/login",
            &json!({ "username": user.name, "password": PASSWORD }),
        )
        .await;
    tally.password.push(micros(started));
    let answer = match answer {
        Ok(a) if a.status == 200 => a,
        Ok(a) => return tally.error(format!("password step: {} {}", a.status, a.text)),
        Err(e) => return tally.error(format!("password step: {e}")),
    };
    tally.requests += 1;
    user.password_steps += 1;
    let login_id = answer.body["loginId"].as_str().unwrap_or("").to_owned();

    // The app when its turn has come and a fresh step is there; else the token.
    let guard = clock.read().await;
    let now_step = *guard / 30;
    let step = user
        .last_step
        .map_or(now_step - 1, |s| (s + 1).max(now_step - 1));
    let use_totp = user.totp_next && step <= now_step + 1;
    if !use_totp {
        drop(guard);
    }
    user.totp_next = !user.totp_next;
    let factor = if use_totp {
        user.totp_factor
    } else {
        user.soft_factor
    };
    let t = Instant::now();
    let prompt = http
        .post(
            &format!("/api/login/{login_id}/factor"),
            &json!({ "factorId": factor }),
        )
        .await;
    tally.choose.push(micros(t));
    let prompt = match prompt {
        Ok(a) if a.status == 200 => a,
        Ok(a) => return tally.error(format!("factor step: {} {}", a.status, a.text)),
        Err(e) => return tally.error(format!("factor step: {e}")),
    };
    tally.requests += 1;
    let response = if use_totp {
        user.last_step = Some(step);
        user.totp.code(step * 30)
    } else {
        let challenge = prompt.body["challenge"].as_str().unwrap_or("");
        ocra_response(SOFT_SUITE, &user.soft_secret, challenge, None)
    };
    let t = Instant::now();
    let outcome = http
        .post(
            &format!("/api/login/{login_id}/response"),
            &json!({ "response": response }),
        )
        .await;
    tally.response.push(micros(t));
    tally.login.push(micros(started));
    match outcome {
        Ok(a) if a.status == 200 && a.outcome() == "success" && a.session.is_some() => {
            tally.requests += 1;
            user.logins += 1;
            user.session = a.session;
            if use_totp {
                tally.totp += 1;
            } else {
                tally.soft += 1;
            }
        }
        Ok(a) => {
            tally.requests += 1;
            tally.error(format!(
                "response step ({}): {} {}",
                if use_totp { "totp" } else { "soft token" },
                a.status,
                a.text
            ));
        }
        Err(e) => tally.error(format!("response step: {e}")),
    }
}

/// Runs the load and the audit after it. Panics only when the set-up fails.
pub async fn run(opts: &LoadOptions) -> LoadReport {
    let dir = tempfile::tempdir().unwrap();
    let policy: &[&str] = if opts.cheap_argon { &CHEAP } else { &[] };
    let mut portal = Portal::start(&opts.bin, dir.path(), policy);
    let setup_started = Instant::now();
    let users = setup(opts, &portal, policy).await;
    let setup_seconds = setup_started.elapsed().as_secs_f64();
    let baseline: Vec<BTreeMap<String, u64>> = users
        .iter()
        .map(|u| event_counts(&opts.bin, &portal.db(), &u.name))
        .collect();

    // The ticker: one TOTP step per tick.
    let clock = Arc::new(RwLock::new(T0));
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let clock = clock.clone();
        let stop = stop.clone();
        let mut http = portal.client();
        let tick = Duration::from_millis(opts.tick_ms.max(50));
        tokio::spawn(async move {
            let mut ticks = 0u64;
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(tick).await;
                let mut now = clock.write().await;
                http.set_clock(*now + 30).await;
                *now += 30;
                ticks += 1;
            }
            ticks
        })
    };

    // Workers, each owning every `concurrency`-th account.
    let concurrency = opts.concurrency.max(1).min(users.len());
    let mut owned: Vec<Vec<User>> = (0..concurrency).map(|_| Vec::new()).collect();
    for (i, user) in users.into_iter().enumerate() {
        owned[i % concurrency].push(user);
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(opts.seconds);
    let workers: Vec<_> = owned
        .into_iter()
        .map(|mut mine| {
            let clock = clock.clone();
            let mut http = portal.client();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut next = 0;
                while Instant::now() < deadline {
                    let at = next % mine.len();
                    let user = &mut mine[at];
                    next += 1;
                    one_login(&mut http, user, &clock, &mut tally).await;
                }
                (mine, tally)
            })
        })
        .collect();
    let mut users = Vec::new();
    let mut all = Tally::default();
    for worker in workers {
        let (mine, tally) = worker.await.unwrap();
        users.extend(mine);
        all.requests += tally.requests;
        all.soft += tally.soft;
        all.totp += tally.totp;
        all.errors += tally.errors;
        all.samples.extend(tally.samples);
        all.password.extend(tally.password);
        all.choose.extend(tally.choose);
        all.response.extend(tally.response);
        all.login.extend(tally.login);
    }
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::SeqCst);
    let clock_ticks = ticker.await.unwrap();
    users.sort_by(|a, b| a.name.cmp(&b.name));

    let mut report = LoadReport {
        seconds,
        setup_seconds,
        concurrency,
        users: users.len(),
        argon: if opts.cheap_argon {
            "64 KiB, 1 pass (cheap)".into()
        } else {
            "19 MiB, 2 passes (default)".into()
        },
        requests: all.requests,
        logins: all.soft + all.totp,
        soft_token_logins: all.soft,
        totp_logins: all.totp,
        errors: all.errors,
        error_samples: all.samples,
        password: Latency::of(all.password),
        choose: Latency::of(all.choose),
        response: Latency::of(all.response),
        login: Latency::of(all.login),
        clock_ticks,
        checks: Vec::new(),
        problems: Vec::new(),
    };
    audit(opts, &portal, &users, &baseline, &mut report).await;
    portal.kill();
    report
}

/// Compares what the server recorded with what the client saw.
async fn audit(
    opts: &LoadOptions,
    portal: &Portal,
    users: &[User],
    baseline: &[BTreeMap<String, u64>],
    report: &mut LoadReport,
) {
    let bin: &Path = &opts.bin;
    let (mut steps, mut logins, mut factors, mut sessions) = (0u64, 0u64, 0usize, 0usize);
    for (user, before) in users.iter().zip(baseline) {
        let after = event_counts(bin, &portal.db(), &user.name);
        let delta = |kind: &str| {
            after.get(kind).copied().unwrap_or(0) - before.get(kind).copied().unwrap_or(0)
        };
        if delta("password_accepted") != user.password_steps {
            report.problems.push(format!(
                "{}: {} password_accepted events for {} password steps answered",
                user.name,
                delta("password_accepted"),
                user.password_steps
            ));
        }
        if delta("login_succeeded") != user.logins {
            report.problems.push(format!(
                "{}: {} login_succeeded events for {} successful logins",
                user.name,
                delta("login_succeeded"),
                user.logins
            ));
        }
        for kind in after.keys() {
            if kind != "password_accepted" && kind != "login_succeeded" && delta(kind) != 0 {
                report.problems.push(format!(
                    "{}: {} unexpected {kind} events",
                    user.name,
                    delta(kind)
                ));
            }
        }
        steps += user.password_steps;
        logins += user.logins;
        for factor in show(bin, &portal.db(), &user.name) {
            factors += 1;
            if factor.failures != 0 || factor.locked_until != 0 {
                report.problems.push(format!(
                    "{}: factor {} ({}) has failures {} locked until {}",
                    user.name, factor.id, factor.kind, factor.failures, factor.locked_until
                ));
            }
        }
        if let Some(cookie) = &user.session {
            let mut http = portal.client();
            http.cookie = Some(cookie.clone());
            match http.get("/api/account").await {
                Ok(a) if a.status == 200 && a.body["username"] == user.name.as_str() => {
                    sessions += 1;
                }
                Ok(a) => report.problems.push(format!(
                    "{}: newest session: {} {}",
                    user.name, a.status, a.text
                )),
                Err(e) => report
                    .problems
                    .push(format!("{}: newest session: {e}", user.name)),
            }
        }
    }
    report.checks.push(format!(
        "password_accepted events = password steps answered = {steps}"
    ));
    report.checks.push(format!(
        "login_succeeded events = successful logins = {logins}"
    ));
    report.checks.push(format!(
        "no code_rejected, factor_locked or other event; {factors} factors with failures 0 and no lock"
    ));
    report.checks.push(format!(
        "the newest session of {sessions} accounts opens the account page"
    ));
    if logins != report.logins {
        report.problems.push(format!(
            "{logins} logins counted per account, {} in total",
            report.logins
        ));
    }
}
