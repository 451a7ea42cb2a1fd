//! The one harness of the portal's tests. Here: the real `secure-login-server` binary under the
//! test clock on a database file in a temporary directory ([`Portal`]), started, killed with
//! SIGKILL and started again; an HTTP client that says whether an answer arrived (a request cut
//! by a kill is an error, not a panic); the admin subcommands. Beside it: [`kit`] (the numbers
//! and the token's side of each exchange), `in_process` (the portal's router in the test's
//! process) and `production` (the binary in a production start).
//!
//! The examples `load` and `crash` (the long runs of `scripts/hardening.sh`) include this
//! module by path, for `Portal` alone.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test harness: a failed unwrap is a failed run"
)]

pub mod crash;
#[cfg(test)]
pub mod crowd;
pub mod kit;
// The other two launchers, for the test binary only (the load and crash examples include this
// module for `Portal` alone).
#[cfg(test)]
pub mod in_process;
pub mod load;
pub mod postgres;
#[cfg(test)]
pub mod production;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::Value;

pub use kit::*;

/// A portal process on a free loopback port, over `dir/portal.sqlite3` or a PostgreSQL database
/// that other instances may share.
pub struct Portal {
    bin: PathBuf,
    dir: PathBuf,
    /// The PostgreSQL URL, when not the SQLite file.
    postgres: Option<String>,
    args: Vec<String>,
    child: Arc<Mutex<Option<Child>>>,
    /// `http://127.0.0.1:PORT` of the running process.
    pub base: String,
}

impl Portal {
    /// Starts the binary with `--test-clock` and `args` (policy flags and the like). A
    /// production start (no test clock) is `production::Running`.
    pub fn start(bin: &Path, dir: &Path, args: &[&str]) -> Self {
        Self::start_with(bin, dir, None, args)
    }

    /// [`Portal::start`] on the PostgreSQL database at `url` (sealed with [`PG_KEY`]): one
    /// instance of several, when others are started on the same `url`.
    pub fn start_on(bin: &Path, dir: &Path, url: &str, args: &[&str]) -> Self {
        Self::start_with(bin, dir, Some(url.to_owned()), args)
    }

    fn start_with(bin: &Path, dir: &Path, postgres: Option<String>, args: &[&str]) -> Self {
        std::fs::create_dir_all(dir.join("www")).unwrap();
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        let mut portal = Self {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            postgres,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            child: Arc::new(Mutex::new(None)),
            base: String::new(),
        };
        portal.spawn();
        portal
    }

    fn spawn(&mut self) {
        let mut command = Command::new(&self.bin);
        if self.postgres.is_some() {
            command.env("SECURE_LOGIN_KEY", PG_KEY);
        }
        let mut child = command
            .args(["--addr", "127.0.0.1:0", "--test-clock"])
            .env("SECURE_LOGIN_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .arg("--db")
            .arg(self.db())
            .arg("--www")
            .arg(self.dir.join("www"))
            .arg("--pkg")
            .arg(self.dir.join("pkg"))
            .args(&self.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server prints its address")
                .unwrap();
            if let Some(url) = line.strip_prefix("secure-login portal listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.base = base;
        *self.child.lock().unwrap() = Some(child);
    }

    /// The database: the SQLite file, or the PostgreSQL URL (what `--db` takes either way).
    pub fn db(&self) -> PathBuf {
        match &self.postgres {
            Some(url) => PathBuf::from(url),
            None => self.dir.join("portal.sqlite3"),
        }
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.lock().unwrap().as_ref().map(Child::id)
    }

    /// SIGKILL (no shutdown, no flush), and wait for the process to be gone.
    pub fn kill(&mut self) {
        let taken = self.child.lock().unwrap().take();
        if let Some(mut child) = taken {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A handle another thread can use to SIGKILL the running process at a moment of its
    /// choosing (the process is reaped by [`Portal::kill`] or [`Portal::restart`]).
    pub fn killer(&self) -> Killer {
        Killer(self.child.clone())
    }

    /// Starts the binary again on the same database (a new port).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// `secure-login-server admin ARGS` on this portal's database.
    pub fn admin(&self, args: &[&str]) -> String {
        admin(&self.bin, &self.db(), args)
    }

    /// A fresh client (its own connections, no cookie).
    pub fn client(&self) -> Http {
        Http::new(&self.base)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.kill();
    }
}

/// See [`Portal::killer`].
#[derive(Clone)]
pub struct Killer(Arc<Mutex<Option<Child>>>);

impl Killer {
    /// SIGKILL now (`Child::kill` sends SIGKILL on Unix).
    pub fn kill(&self) {
        if let Some(child) = self.0.lock().unwrap().as_mut() {
            let _ = child.kill();
        }
    }
}

/// `secure-login-server admin --db DB` with cheap Argon2 parameters, then `args`; its stdout.
/// Panics with its stderr when it fails.
pub fn admin(bin: &Path, db: &Path, args: &[&str]) -> String {
    admin_with(bin, db, &CHEAP, args)
}

/// [`admin`] with the given policy flags (`&[]`: the default policy, real Argon2).
pub fn admin_with(bin: &Path, db: &Path, policy: &[&str], args: &[&str]) -> String {
    let mut command = Command::new(bin);
    if is_postgres(db) {
        command.env("SECURE_LOGIN_KEY", PG_KEY);
    }
    let output = command
        .arg("admin")
        .arg("--db")
        .arg(db)
        .args(policy)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The id of account `name` (from `admin show`; ids never change, so they are kept).
pub fn account_id(bin: &Path, db: &Path, name: &str) -> String {
    static IDS: OnceLock<Mutex<HashMap<(PathBuf, String), String>>> = OnceLock::new();
    let ids = IDS.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (db.to_path_buf(), name.to_owned());
    if let Some(id) = ids.lock().unwrap().get(&key) {
        return id.clone();
    }
    let out = admin(bin, db, &["show", name]);
    let first = out.lines().next().unwrap_or("");
    let id = first
        .rsplit("(id ")
        .next()
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no id in {first}"))
        .to_owned();
    ids.lock().unwrap().insert(key, id.clone());
    id
}

/// How many audit events of each kind account `name` has, all of them: counted in the `audit`
/// table of the database file (read-only, beside the running server: WAL lets it), or read
/// whole from a PostgreSQL database, because `admin events` shows at most the newest 1,000.
pub fn event_counts(bin: &Path, db: &Path, name: &str) -> BTreeMap<String, u64> {
    let id = account_id(bin, db, name);
    if is_postgres(db) {
        use secure_login_verifier::Store;
        let store = secure_login_server::PgStore::open(db.to_str().unwrap()).unwrap();
        let mut counts = BTreeMap::new();
        for event in store.events(&id, usize::MAX).unwrap() {
            *counts.entry(event.kind.as_str().to_owned()).or_insert(0) += 1;
        }
        return counts;
    }
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let mut statement = conn
        .prepare("SELECT kind, COUNT(*) FROM audit WHERE account = ?1 GROUP BY kind")
        .unwrap();
    let rows = statement
        .query_map([&id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .unwrap();
    rows.map(|row| {
        let (kind, n) = row.unwrap();
        (kind, u64::try_from(n).unwrap())
    })
    .collect()
}

/// One factor as `admin show` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub id: u32,
    pub kind: String,
    pub failures: u32,
    pub locked_until: u64,
}

/// `admin show NAME`: the active factors with their failure counts and locks.
pub fn show(bin: &Path, db: &Path, name: &str) -> Vec<Shown> {
    let out = admin(bin, db, &["show", name]);
    out.lines()
        .filter_map(|line| line.strip_prefix("factor "))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let after = |key: &str| {
                let at = words.iter().position(|w| *w == key).unwrap();
                words[at + if key == "locked" { 2 } else { 1 }]
            };
            Shown {
                id: words[0].trim_end_matches(':').parse().unwrap(),
                kind: words[1].to_owned(),
                failures: after("failures").parse().unwrap(),
                locked_until: after("locked").parse().unwrap(),
            }
        })
        .collect()
}

/// An answer that arrived: status, JSON body (Null if not JSON), and the session cookie it set.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub session: Option<String>,
}

impl Answer {
    /// The error code of an error answer ("" otherwise).
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The body of a 200, or a panic naming what came instead.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        &self.body
    }

    /// `outcome` (login, activation) or `answer` (push) of a 200.
    pub fn outcome(&self) -> &str {
        if self.status != 200 {
            return "";
        }
        self.body["outcome"]
            .as_str()
            .or_else(|| self.body["answer"].as_str())
            .unwrap_or("")
    }
}

/// A browser: one connection pool, the CSRF header on every POST, the session cookie kept.
/// `sent` (if shared) counts requests as they go out, for a killer that waits for the k-th.
#[derive(Clone)]
pub struct Http {
    pub base: String,
    pub client: reqwest::Client,
    pub cookie: Option<String>,
    pub sent: Option<Arc<AtomicUsize>>,
}

impl Http {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            cookie: None,
            sent: None,
        }
    }

    fn count(&self) {
        if let Some(sent) = &self.sent {
            sent.fetch_add(1, Ordering::SeqCst);
        }
    }

    async fn finish(&mut self, request: reqwest::RequestBuilder) -> reqwest::Result<Answer> {
        let request = match &self.cookie {
            Some(cookie) => request.header(COOKIE, cookie),
            None => request,
        };
        self.count();
        let response = request.send().await?;
        let status = response.status().as_u16();
        let session = response
            .headers()
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .filter(|pair| pair.starts_with("sl_session=") && !pair.ends_with('='))
            .map(str::to_owned);
        let text = response.text().await?;
        if let Some(pair) = &session {
            self.cookie = Some(pair.clone());
        }
        Ok(Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
            session,
        })
    }

    /// `POST path` with a JSON body and the CSRF header.
    pub async fn post(&mut self, path: &str, body: &Value) -> reqwest::Result<Answer> {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("X-Secure-Login", "1")
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.finish(request).await
    }

    /// A nonce from `POST /api/token/challenge` and the proof of `action` by the token `handle`
    /// with `key_hex`: the fields to add to the call's body.
    pub async fn prove(
        &mut self,
        handle: &str,
        key_hex: &str,
        action: &str,
        detail: &str,
    ) -> Value {
        let issued = self
            .post(
                "/api/token/challenge",
                &serde_json::json!({ "handle": handle }),
            )
            .await
            .unwrap();
        let nonce = issued.ok()["nonce"].as_str().unwrap().to_owned();
        device_fields(handle, &nonce, key_hex, action, detail)
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> reqwest::Result<Answer> {
        let request = self.client.get(format!("{}{path}", self.base));
        self.finish(request).await
    }

    /// Sets the test clock (panics if the server does not answer).
    pub async fn set_clock(&mut self, now: u64) {
        let answer = self
            .post("/api/test/clock", &serde_json::json!({ "now": now }))
            .await
            .unwrap();
        assert_eq!(answer.ok()["now"], now);
    }

    /// The demo phone's messages to `phone` (full number), oldest first: (id, text).
    pub async fn messages_to(&mut self, phone: &str) -> reqwest::Result<Vec<(i64, String)>> {
        let answer = self.get("/api/phone/messages").await?;
        Ok(answer
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["to"] == phone)
            .map(|m| {
                (
                    m["id"].as_i64().unwrap(),
                    m["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect())
    }
}

/// The value after `prefix` on a line of `text`.
pub fn line_value<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
        .trim()
}

/// A small PRNG (xorshift64*): kill points and guesses need no more, and the seed is printed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A seed from the clock and the process id.
    pub fn seed_from_time() -> u64 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        nanos ^ (u64::from(std::process::id()) << 32)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The `p`-th percentile (0..=100) of sorted microseconds, in milliseconds.
pub fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted_us.len()) - 1;
    sorted_us[index] as f64 / 1000.0
}

/// The binary next to a running example (`target/PROFILE/examples/x` ->
/// `target/PROFILE/secure-login-server`).
pub fn sibling_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap();
    let dir = if dir.ends_with("examples") {
        dir.parent().unwrap()
    } else {
        dir
    };
    dir.join("secure-login-server")
}
