//! A real portal on 127.0.0.1:0 over a fresh SQLite file, and a small HTTP client for it.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "shared by several test crates; a failed unwrap is a failed test"
)]

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use secure_login_otp::Secret;
use secure_login_server::{AppState, Config};
use secure_login_verifier::{DeviceCredential, FactorKind, Policy};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::net::TcpListener;

pub use super::kit::*;

pub const PHONE: &str = "+41790000001";

/// The default policy with a cheap password hash, so tests run fast. In process every request
/// comes from one unknown source: the password throttles get room here, and are tested against
/// the real binary (`password_attacks.rs`).
pub fn test_policy() -> Policy {
    Policy {
        password_memory_kib: 64,
        password_iterations: 1,
        password_free_failures: 1000,
        source_free_failures: 1000,
        ..Policy::default()
    }
}

/// A running portal.
pub struct Server {
    pub base: String,
    pub state: Arc<AppState>,
    pub dir: Arc<TempDir>,
    pub db: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A config over a fresh directory: test clock on, cheap passwords.
pub fn test_config(dir: &TempDir) -> Config {
    let www = dir.path().join("www");
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html><title>t</title>").unwrap();
    let mut config = Config::new(dir.path().join("portal.sqlite3"), www, pkg);
    config.policy = test_policy();
    config.test_clock = true;
    config
}

/// Starts a portal with `config`, serving on a free loopback port.
pub async fn start_with(config: Config, dir: Arc<TempDir>) -> Server {
    let db = config.db.sqlite_path().unwrap().to_path_buf();
    let portal = tokio::task::spawn_blocking(move || secure_login_server::portal(config))
        .await
        .unwrap()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = portal.router;
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let server = Server {
        base: format!("http://{addr}"),
        state: portal.state,
        dir,
        db,
        task,
    };
    server.client().set_clock(T0).await;
    server
}

impl Server {
    /// A portal a test started itself (on a listener it bound first, e.g. to know its origin).
    pub fn from_parts(
        base: String,
        state: Arc<AppState>,
        dir: Arc<TempDir>,
        task: tokio::task::JoinHandle<()>,
    ) -> Self {
        let db = dir.path().join("portal.sqlite3");
        Self {
            base,
            state,
            dir,
            db,
            task,
        }
    }
}

/// A fresh portal with the test clock at [`T0`].
pub async fn start() -> Server {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config = test_config(&dir);
    start_with(config, dir).await
}

/// An answer: status, headers and JSON body (Null when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts a typed JSON error with this status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.code(), code, "{}", self.text);
        assert!(
            self.body["error"]["message"].is_string(),
            "no message: {}",
            self.text
        );
    }

    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        &self.body
    }
}

/// A browser-like client: keeps the session cookie, sends the CSRF header on POST.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
}

impl Server {
    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            cookie: None,
        }
    }

    /// Sets up `username` with the password and the given factors, directly through the verifier
    /// (as the admin CLI would); returns the account id.
    pub fn account(&self, username: &str, factors: &[(&str, FactorKind)]) -> String {
        let v = &self.state.verifier;
        let id = v.create_account(username, PASSWORD).unwrap().id;
        for (label, kind) in factors {
            v.add_factor(&id, label, kind.clone()).unwrap();
        }
        id
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(cookie) => request.header(COOKIE, cookie),
            None => request,
        }
    }

    fn keep_cookie(&mut self, answer: &Answer) {
        if let Some(set) = answer.headers.get(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self.with_cookie(self.http.get(self.url(path)));
        let answer = answer(request.send().await.unwrap()).await;
        self.keep_cookie(&answer);
        answer
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
            .post("/api/token/challenge", json!({ "handle": handle }))
            .await;
        let nonce = issued.ok()["nonce"].as_str().unwrap().to_owned();
        device_fields(handle, &nonce, key_hex, action, detail)
    }

    /// `POST /api/token/pushes` by the token with `handle` and `key_hex`.
    pub async fn pushes_of(&mut self, handle: &str, key_hex: &str) -> Answer {
        let body = self.prove(handle, key_hex, "pushes", "").await;
        self.post("/api/token/pushes", body).await
    }

    /// `POST /api/token/pushes` by the harness's token on `device`.
    pub async fn pushes(&mut self, device: &str) -> Answer {
        self.pushes_of(&handle_of(device), DEVICE_KEY).await
    }

    /// `POST /api/push/{id}` (the `path`) by the token with `handle` and `key_hex`: `body` (the
    /// decision and the MAC) with the device proof added.
    pub async fn answer_as(
        &mut self,
        path: &str,
        handle: &str,
        key_hex: &str,
        body: Value,
    ) -> Answer {
        let request = path.rsplit('/').next().unwrap().to_owned();
        let decision = body["decision"].as_str().unwrap_or("").to_owned();
        let proof = self
            .prove(handle, key_hex, "answer", &format!("{request} {decision}"))
            .await;
        let mut body = body;
        for (k, v) in proof.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post(path, body).await
    }

    /// `POST /api/push/{id}` by the harness's token on `device`.
    pub async fn answer(&mut self, path: &str, device: &str, body: Value) -> Answer {
        self.answer_as(path, &handle_of(device), DEVICE_KEY, body)
            .await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Answer {
        self.post_raw(path, "application/json", body.to_string().into_bytes())
            .await
    }

    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let request = self
            .http
            .request(Method::POST, self.url(path))
            .header("X-Secure-Login", "1")
            .header(CONTENT_TYPE, content_type)
            .body(body);
        let answer = answer(self.with_cookie(request).send().await.unwrap()).await;
        self.keep_cookie(&answer);
        answer
    }

    pub async fn set_clock(&mut self, now: u64) {
        let answer = self.post("/api/test/clock", json!({ "now": now })).await;
        assert_eq!(answer.ok()["now"], now);
    }

    /// Password step; returns the login id and the factors.
    pub async fn login(&mut self, username: &str, password: &str) -> (String, Vec<Value>) {
        let answer = self
            .post(
                "/api/login",
                json!({ "username": username, "password": password }),
            )
            .await;
        let body = answer.ok();
        (
            body["loginId"].as_str().unwrap().to_owned(),
            body["factors"].as_array().unwrap().clone(),
        )
    }

    /// The id of the factor of `kind` among `factors`.
    pub fn factor(factors: &[Value], kind: &str) -> u64 {
        factors
            .iter()
            .find(|f| f["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} factor in {factors:?}"))["id"]
            .as_u64()
            .unwrap()
    }

    pub async fn choose(&mut self, login: &str, factor: u64) -> Answer {
        self.post(
            &format!("/api/login/{login}/factor"),
            json!({ "factorId": factor }),
        )
        .await
    }

    pub async fn respond(&mut self, login: &str, response: &str) -> Answer {
        self.post(
            &format!("/api/login/{login}/response"),
            json!({ "response": response }),
        )
        .await
    }

    /// The demo phone's messages.
    pub async fn messages(&mut self) -> Vec<Value> {
        self.get("/api/phone/messages")
            .await
            .ok()
            .as_array()
            .unwrap()
            .clone()
    }

    /// The demo phone's messages once one satisfies `wanted` (the delivery worker sends in the
    /// background: a notice nobody waits for arrives a moment later). Panics after a minute.
    pub async fn messages_until(&mut self, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
        for _ in 0..3000 {
            let messages = self.messages().await;
            if messages.iter().any(&wanted) {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the message never arrived on the demo phone");
    }

    /// The code in the newest message of the demo phone that carries one (a notice, such as
    /// the old number's after a phone change, has none); digits only, a call's commas dropped.
    pub async fn last_code(&mut self) -> String {
        let messages = self.messages().await;
        let text = messages
            .iter()
            .rev()
            .filter_map(|m| m["text"].as_str())
            .find(|text| text.contains("code is "))
            .expect("a message with a code")
            .to_owned();
        // `... code is 123456. Never share it ...` or a call's `code is 1, 2, 3, 4, 5, 6. ...`
        let tail = text.split_once("code is ").map_or("", |(_, tail)| tail);
        let spoken = tail.split('.').next().unwrap_or_default();
        spoken.chars().filter(char::is_ascii_digit).collect()
    }
}

pub const SOFT_SECRET: &str = "3132333435363738393031323334353637383930313233343536373839303132";
pub const TOTP_SECRET: &str = "3132333435363738393031323334353637383930";

pub fn soft_token(device: &str) -> FactorKind {
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

pub fn totp_factor() -> FactorKind {
    FactorKind::authenticator_app(Secret::from_hex(TOTP_SECRET).unwrap())
}

pub fn sms(phone: &str) -> FactorKind {
    FactorKind::Sms {
        phone: phone.into(),
    }
}

pub fn voice(phone: &str) -> FactorKind {
    FactorKind::Voice {
        phone: phone.into(),
    }
}
