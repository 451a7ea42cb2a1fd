//! The real `secure-login-server` binary in a production start (no `--demo`, no
//! `--test-clock`): a webhook gateway in the test that receives the codes, the binary with its
//! stderr (the log) kept, accounts made with the `admin` subcommands, and a browser-like client
//! that can send any `Host`, `Origin` or `X-Forwarded-For` and from any loopback address.
//!
//! Shared by `production.rs`, `logs.rs`, `proxies.rs` and `courier.rs`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test harness: a failed unwrap is a failed test"
)]

use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, HOST, ORIGIN, SET_COOKIE};
use serde_json::Value;
use tokio::sync::mpsc;

pub use super::kit::{
    device_fields, ocra_response, push_mac, secret_file, CHEAP, PASSWORD, SOFT_SUITE,
    WEBHOOK_SECRET,
};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_secure-login-server");
/// The phone of every SMS factor made here.
pub const PHONE: &str = "+41 79 555 12 34";

/// An SMS gateway on a loopback port: every JSON body it receives goes to the test's channel;
/// it answers with `status` (200 unless a test changes it).
pub struct Gateway {
    pub url: String,
    pub status: Arc<AtomicU16>,
    received: mpsc::UnboundedReceiver<Value>,
}

async fn receive(
    State((sender, status)): State<(mpsc::UnboundedSender<Value>, Arc<AtomicU16>)>,
    body: String,
) -> StatusCode {
    let _ = sender.send(serde_json::from_str(&body).unwrap_or(Value::Null));
    StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap()
}

impl Gateway {
    pub async fn start() -> Self {
        let (sender, received) = mpsc::unbounded_channel();
        let status = Arc::new(AtomicU16::new(200));
        let app = Router::new()
            .route("/sms", post(receive))
            .with_state((sender, status.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            status,
            received,
        }
    }

    /// The code of the next message with a code the gateway receives (waits for it: a courier
    /// may send from a worker, after the request that queued it has answered); notices without
    /// a code (a binding told to the phone) are passed over.
    pub async fn next_code(&mut self) -> String {
        loop {
            let text = self.next_text().await;
            let has_code = text
                .split(|c: char| !c.is_ascii_digit())
                .any(|run| (6..=10).contains(&run.len()));
            if has_code {
                return code_in(&text);
            }
        }
    }

    /// The text of the next message the gateway receives (waits for it).
    pub async fn next_text(&mut self) -> String {
        let message = tokio::time::timeout(Duration::from_secs(60), self.received.recv())
            .await
            .expect("the gateway received a message within 60 s")
            .unwrap();
        message["text"].as_str().unwrap().to_owned()
    }
}

/// The first run of 6 to 10 digits in a message's text.
/// A WebOTP line (`@domain #code`), when the text ends with one, must name the same code.
pub fn code_in(text: &str) -> String {
    let code = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| (6..=10).contains(&run.len()))
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned();
    if let Some((_, bound)) = text.rsplit_once(" #") {
        assert_eq!(bound, code, "the WebOTP line names another code: {text:?}");
    }
    code
}

/// A directory with `www/`, `pkg/` and the database path.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("www")).unwrap();
        std::fs::write(
            dir.path().join("www/index.html"),
            "<!doctype html><title>t</title>",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        Self { dir }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("portal.sqlite3")
    }

    /// `--db --www --pkg` of this site, and cheap passwords.
    pub fn args(&self) -> Vec<String> {
        let path = |p: &Path| p.to_str().unwrap().to_owned();
        let mut args = vec![
            "--db".into(),
            path(&self.db()),
            "--www".into(),
            path(&self.dir.path().join("www")),
            "--pkg".into(),
            path(&self.dir.path().join("pkg")),
        ];
        args.extend(CHEAP.iter().map(|a| (*a).to_owned()));
        args
    }

    /// `admin ARGS` on this site's database; its stdout (panics with stderr on failure).
    pub fn admin(&self, args: &[&str]) -> String {
        super::admin(Path::new(BIN), &self.db(), args)
    }

    /// `admin ARGS` with `stdin` on its standard input; whether it succeeded, stdout, stderr.
    pub fn admin_fed(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        use std::io::Write as _;
        let mut child = Command::new(BIN)
            .arg("admin")
            .arg("--db")
            .arg(self.db())
            .args(CHEAP)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        (
            output.status.success(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    /// An account `name` with an SMS factor (factor 1) and a TOTP factor (factor 2); the TOTP
    /// Key URI.
    pub fn account(&self, name: &str) -> String {
        self.account_at(name, PHONE)
    }

    /// An account `name` whose one factor is SMS to `phone`: the account that activates its
    /// first soft token by SMS (one with a device moves it only with a device code).
    pub fn sms_only_account_at(&self, name: &str, phone: &str) {
        self.admin(&[
            "create-user",
            name,
            "--password-file",
            &secret_file(PASSWORD),
        ]);
        self.admin(&["add-factor", name, "sms", "--phone", phone]);
    }

    /// [`Site::account`] with its SMS to `phone`.
    pub fn account_at(&self, name: &str, phone: &str) -> String {
        self.sms_only_account_at(name, phone);
        let out = self.admin(&["add-factor", name, "totp"]);
        out.lines()
            .find_map(|l| l.strip_prefix("key URI:"))
            .unwrap()
            .trim()
            .to_owned()
    }
}

/// How a run of the binary ended when it refused to start.
#[derive(Debug)]
pub struct Exit {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `args` and `env`, expecting it to stop by itself within 60 s.
pub fn run_to_exit(args: &[String], env: &[(&str, &str)]) -> Exit {
    let mut child = Command::new(BIN)
        .args(args)
        .env("SECURE_LOGIN_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (done, wait) = std::sync::mpsc::channel();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        let mut out = String::new();
        let mut err = String::new();
        let _ = stdout.read_to_string(&mut out);
        let _ = stderr.read_to_string(&mut err);
        let _ = done.send((out, err));
    });
    let Ok((stdout, stderr)) = wait.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        panic!("the server did not stop by itself: it started");
    };
    let status = child.wait().unwrap();
    Exit {
        success: status.success(),
        stdout,
        stderr,
    }
}

/// A running binary; killed when dropped.
pub struct Running {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The port it listens on.
    pub port: u16,
    /// What it printed up to the line naming its address.
    pub printed: String,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Starts the binary with `args` and `env`; panics with its output if it does not start.
    pub fn start(args: &[String], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .env("SECURE_LOGIN_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let sink = stderr.clone();
        let reader = std::thread::spawn(move || {
            let mut line = String::new();
            while err.read_line(&mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = String::new();
        let base = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.wait();
                panic!(
                    "the server did not start: {printed}{}",
                    stderr.lock().unwrap()
                );
            };
            printed.push_str(&line);
            printed.push('\n');
            if let Some(url) = line.strip_prefix("secure-login portal listening on ") {
                break url.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        let port = base.rsplit(':').next().unwrap().parse().unwrap();
        Self {
            child,
            base,
            port,
            printed,
            stderr,
            reader: Some(reader),
        }
    }

    /// Everything it wrote to stderr so far (its log).
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Stops it (SIGKILL) and waits; its stderr is complete after this.
    pub fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader ends at the pipe's end, once the process is gone.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.log()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, headers, JSON body (Null when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        &self.body
    }

    /// Asserts a typed JSON error.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.code(), code, "{}", self.text);
        assert!(self.body["error"]["message"].is_string(), "{}", self.text);
    }
}

/// A browser: sends the CSRF header, the `Origin` it is given on POSTs, optionally another
/// `Host` or `X-Forwarded-For`, and keeps the session cookie (whatever its name).
pub struct Browser {
    pub base: String,
    http: reqwest::Client,
    pub host: Option<String>,
    pub origin: Option<String>,
    pub forwarded_for: Option<String>,
    pub cookie: Option<String>,
    /// The last `Set-Cookie` that opened a session.
    pub set_cookie: Option<String>,
}

impl Browser {
    /// A client of `base`, its POSTs with `Origin: base`.
    pub fn new(base: &str) -> Self {
        Self::from_address(base, None)
    }

    /// The same, its connections from the local address `from` (`127.0.0.2`: a client the
    /// server can tell from a proxy on `127.0.0.1`).
    pub fn from_address(base: &str, from: Option<IpAddr>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .local_address(from)
            .build()
            .unwrap();
        Self {
            base: base.to_owned(),
            http,
            host: None,
            origin: Some(base.to_owned()),
            forwarded_for: None,
            cookie: None,
            set_cookie: None,
        }
    }

    fn dress(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(host) = &self.host {
            request = request.header(HOST, host);
        }
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(forwarded) = &self.forwarded_for {
            request = request.header("x-forwarded-for", forwarded);
        }
        request
    }

    async fn finish(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let response = self.dress(request).send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        if let Some(set) = headers.get(SET_COOKIE).and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap().to_owned();
            if pair.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(pair);
                self.set_cookie = Some(set.to_owned());
            }
        }
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self.http.get(format!("{}{path}", self.base));
        self.finish(request).await
    }

    pub async fn post(&mut self, path: &str, body: &Value) -> Answer {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-Secure-Login", "1")
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(origin) = &self.origin {
            request = request.header(ORIGIN, origin);
        }
        self.finish(request).await
    }

    /// Password step: the login id.
    pub async fn password(&mut self, name: &str, password: &str) -> String {
        let answer = self
            .post(
                "/api/login",
                &serde_json::json!({ "username": name, "password": password }),
            )
            .await;
        answer.ok()["loginId"].as_str().unwrap().to_owned()
    }

    /// A login of `name` with `password`, then factor `factor` answered with `response`: the
    /// factor choice's answer and the response's.
    pub async fn login_with(
        &mut self,
        name: &str,
        password: &str,
        factor: u64,
        response: &str,
    ) -> (Answer, Answer) {
        let login = self.password(name, password).await;
        let chosen = self
            .post(
                &format!("/api/login/{login}/factor"),
                &serde_json::json!({ "factorId": factor }),
            )
            .await;
        let answer = self
            .post(
                &format!("/api/login/{login}/response"),
                &serde_json::json!({ "response": response }),
            )
            .await;
        (chosen, answer)
    }

    /// A soft-token activation of `name` on `device_id` with the activation code the gateway
    /// receives: the activation id, the code and the answer.
    pub async fn activate_token(
        &mut self,
        gateway: &mut Gateway,
        name: &str,
        device_id: &str,
    ) -> (String, String, Answer) {
        let started = self
            .post(
                "/api/token/activate",
                &serde_json::json!({ "username": name, "password": PASSWORD, "deviceId": device_id }),
            )
            .await;
        let activation = started.ok()["activationId"].as_str().unwrap().to_owned();
        let code = gateway.next_code().await;
        let activated = self
            .post(
                &format!("/api/token/activate/{activation}"),
                &serde_json::json!({ "code": code, "deviceId": device_id }),
            )
            .await;
        (activation, code, activated)
    }

    /// A whole SMS login of `name` (factor 1) with the code the gateway receives; the login id
    /// and the code.
    pub async fn sms_login(&mut self, gateway: &mut Gateway, name: &str) -> (String, String) {
        let login = self.password(name, PASSWORD).await;
        self.post(
            &format!("/api/login/{login}/factor"),
            &serde_json::json!({ "factorId": 1 }),
        )
        .await
        .ok();
        let code = gateway.next_code().await;
        let answer = self
            .post(
                &format!("/api/login/{login}/response"),
                &serde_json::json!({ "response": code }),
            )
            .await;
        assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
        (login, code)
    }
}

/// The flags of a production start of `site` on a free loopback port with `extra` flags, its
/// codes to `gateway`.
pub fn production_args(site: &Site, gateway: &Gateway, extra: &[&str]) -> Vec<String> {
    let mut args = site.args();
    args.extend(strings(&[
        "--addr",
        "127.0.0.1:0",
        "--webhook",
        &gateway.url,
    ]));
    args.extend(strings(extra));
    args
}

/// That production start, running.
pub fn production(site: &Site, gateway: &Gateway, extra: &[&str]) -> Running {
    Running::start(&production_args(site, gateway, extra), &[])
}

/// The TOTP code of a Key URI now (production runs on the system clock).
pub fn totp_now(uri: &str) -> String {
    let key = secure_login_otp::KeyUri::parse(uri).unwrap();
    let totp = secure_login_otp::Totp::new(
        key.secret.expose_secret(),
        key.algorithm,
        key.digits,
        secure_login_otp::TimeStep::DEFAULT,
    )
    .unwrap();
    totp.generate(secure_login_server::clock::system_now())
        .unwrap()
        .to_string()
}

/// A free loopback port (bound and let go: the caller binds it again at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `args` as owned strings.
pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}
