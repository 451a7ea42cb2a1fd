//! The courier against the real binary in a normal (production) start: no `--demo`, no
//! `--test-clock`, accounts made with the `admin` subcommands, codes sent to a webhook gateway
//! that this test runs.
//!
//! - every request is signed (`X-Secure-Login-Signature`, HMAC-SHA256 recomputed here with the
//!   `hmac` crate) and carries an idempotency key; the text names the site, says never to share
//!   the code and ends with the WebOTP line; no anonymous route reads a code;
//! - a failing gateway: the answer says `retrying`, the audit says `message_failed` and not
//!   `message_sent`, and the person may ask for a new code at once;
//! - `kill -9` between the commit of a code and its sending loses no message: the restarted
//!   server sends it, with the same code and idempotency key, and the code signs in.

use crate::harness;
use crate::harness::production;
use crate::harness::secret_file;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use harness::{code_of, event_counts, PASSWORD};
use hmac::{Hmac, Mac};
use production::{Running, Site};
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "a webhook secret of the test, 0123456789";
const PHONE: &str = "+41790000001";

/// What the gateway does with the next request.
const ANSWER_200: u8 = 0;
const ANSWER_503: u8 = 1;
/// Take the request and never answer (a gateway that hangs).
const HANG: u8 = 2;

/// One request as the gateway saw it.
#[derive(Debug, Clone)]
struct Delivery {
    signature: String,
    idempotency_key: String,
    body: String,
    json: Value,
    /// The status answered (None: hung).
    answered: Option<u16>,
}

/// A gateway on a free port: records every request; answers as `mode` says.
#[derive(Default)]
struct Gateway {
    received: Mutex<Vec<Delivery>>,
    mode: AtomicU8,
}

impl Gateway {
    fn received(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    fn accepted(&self) -> Vec<Delivery> {
        self.received()
            .into_iter()
            .filter(|d| d.answered == Some(200))
            .collect()
    }

    /// Waits (at most 20 s) until `n` requests came.
    async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.len() >= n || Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let mode = gateway.mode.load(Ordering::SeqCst);
    let answered = match mode {
        ANSWER_200 => Some(200),
        ANSWER_503 => Some(503),
        _ => None,
    };
    gateway.received.lock().unwrap().push(Delivery {
        signature: header("x-secure-login-signature"),
        idempotency_key: header("idempotency-key"),
        json: serde_json::from_str(&body).unwrap(),
        body,
        answered,
    });
    match answered {
        Some(status) => StatusCode::from_u16(status).unwrap(),
        None => std::future::pending().await,
    }
}

async fn gateway() -> (Arc<Gateway>, String) {
    let gateway = Arc::new(Gateway::default());
    let app = Router::new()
        .route("/sms", post(receive))
        .with_state(gateway.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (gateway, url)
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_secure-login-server"))
}

/// A production start of the real binary ([`production::Running`], the one launcher of the
/// production tests) on its own site, which can be killed and started again on the same
/// database.
struct Production {
    site: Site,
    args: Vec<String>,
    running: Running,
}

impl Production {
    /// A client that says whether an answer came (a request cut by a kill is an error).
    fn client(&self) -> harness::Http {
        harness::Http::new(&self.running.base)
    }

    fn db(&self) -> PathBuf {
        self.site.db()
    }

    /// SIGKILL, and wait for the process to be gone.
    fn kill(&mut self) {
        self.running.stop();
    }

    /// Starts the binary again on the same database and flags (a new port).
    fn restart(&mut self) {
        self.running = Running::start(&self.args, &[]);
    }
}

/// A site with an account `alice` with an SMS factor (made with `admin`, as an operator
/// would).
fn site_with_alice() -> Site {
    let site = Site::new();
    site.admin(&[
        "create-user",
        "alice",
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    site.admin(&["add-factor", "alice", "sms", "--phone", PHONE]);
    site
}

/// A production start with the webhook at `url` and its secret in a 0600 file (which wins
/// over the environment's secret the launcher gives every start).
fn production(url: &str) -> Production {
    let site = site_with_alice();
    let secret_file = site.dir.path().join("webhook.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    set_mode(&secret_file, 0o600);
    let mut args = site.args();
    args.extend(production::strings(&[
        "--addr",
        "127.0.0.1:0",
        "--webhook",
        url,
        "--webhook-timeout",
        "2",
        "--webhook-secret-file",
        secret_file.to_str().unwrap(),
        "--sms-domain",
        "portal.example",
    ]));
    let running = Running::start(&args, &[]);
    Production {
        site,
        args,
        running,
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Checks the signature header against HMAC-SHA256(SECRET, "t.body") computed here; its `t`.
fn verify_signature(delivery: &Delivery) -> u64 {
    let (t, v1) = delivery
        .signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .unwrap_or_else(|| panic!("signature header: {:?}", delivery.signature));
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", delivery.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "the signature is HMAC-SHA256 over t.body");
    // A signature under another secret does not match.
    let mut other = <Hmac<Sha256> as Mac>::new_from_slice(b"another secret, 0123456789").unwrap();
    other.update(format!("{t}.{}", delivery.body).as_bytes());
    assert_ne!(format!("{:x}", other.finalize().into_bytes()), v1);
    t.parse().unwrap()
}

/// Password, then the SMS factor: the login id and the factor answer.
async fn login_by_sms(portal: &Production) -> (String, harness::Answer) {
    let mut http = portal.client();
    let started = http
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": PASSWORD }),
        )
        .await
        .unwrap();
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    let chosen = http
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": 1 }),
        )
        .await
        .unwrap();
    (login, chosen)
}

async fn respond(portal: &Production, login: &str, code: &str) -> harness::Answer {
    portal
        .client()
        .post(
            &format!("/api/login/{login}/response"),
            &json!({ "response": code }),
        )
        .await
        .unwrap()
}

fn events(portal: &Production, kind: &str) -> u64 {
    event_counts(&bin(), &portal.db(), "alice")
        .get(kind)
        .copied()
        .unwrap_or(0)
}

/// The outbox records left in the database file (each would hold a number and a code).
fn outbox_records(portal: &Production) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        portal.db(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut statement = conn
        .prepare("SELECT CAST(value AS TEXT) FROM records WHERE key LIKE 'outbox/%'")
        .unwrap();
    let rows = statement.query_map([], |row| row.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_go_out_signed_with_an_idempotency_key_and_the_site_named() {
    let (gateway, url) = gateway().await;
    let portal = production(&url);
    let before = unix_now();
    let (login, chosen) = login_by_sms(&portal).await;
    assert_eq!(chosen.ok()["delivery"], "sent");
    let received = gateway.received();
    assert_eq!(received.len(), 1);
    let delivery = &received[0];
    let t = verify_signature(delivery);
    assert!(
        (before.saturating_sub(5)..=unix_now() + 5).contains(&t),
        "t = {t}"
    );
    let id = delivery.json["id"].as_str().unwrap();
    assert_eq!(delivery.idempotency_key, id);
    assert!(id.len() >= 16, "{id}");
    let text = delivery.json["text"].as_str().unwrap();
    let code = code_of(text);
    assert_eq!(code.len(), 6);
    assert_eq!(
        delivery.json,
        json!({ "id": id, "channel": "sms", "to": PHONE, "purpose": "login", "text": text })
    );
    assert_eq!(
        text,
        format!(
            "Your secure-login code is {code}. Never share it: secure-login will never ask you for it.\n\n@portal.example #{code}"
        )
    );
    // No anonymous route reads it; nothing of it stays in the database once sent.
    let mut anonymous = portal.client();
    for path in ["/api/phone/messages", "/api/phone/events"] {
        let answer = anonymous.get(path).await.unwrap();
        assert_eq!(answer.status, 404, "{path}");
        assert!(!answer.text.contains(&code));
    }
    assert_eq!(outbox_records(&portal), Vec::<String>::new());
    assert_eq!(
        respond(&portal, &login, &code).await.ok()["outcome"],
        "success"
    );
    assert_eq!(events(&portal, "message_queued"), 1);
    assert_eq!(events(&portal, "message_sent"), 1);
    assert_eq!(events(&portal, "message_failed"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_gateway_is_not_counted_and_the_person_may_resend_at_once() {
    let (gateway, url) = gateway().await;
    let portal = production(&url);
    gateway.mode.store(ANSWER_503, Ordering::SeqCst);
    let (login, chosen) = login_by_sms(&portal).await;
    let body = chosen.ok();
    assert_eq!(body["delivery"], "retrying", "{body}");
    // The throttle gave the message back: a new one may be asked for now, not in 120 s.
    assert!(
        body["resendAfter"].as_u64().unwrap() <= unix_now(),
        "{body}"
    );
    assert_eq!(events(&portal, "message_failed"), 1);
    assert_eq!(events(&portal, "message_sent"), 0);

    gateway.mode.store(ANSWER_200, Ordering::SeqCst);
    let resent = portal
        .client()
        .post(
            &format!("/api/login/{login}/resend"),
            &json!({ "channel": "sms" }),
        )
        .await
        .unwrap();
    assert_eq!(resent.ok()["delivery"], "sent", "{}", resent.text);
    let accepted = gateway.accepted();
    assert_eq!(accepted.len(), 1);
    let refused = &gateway.received()[0];
    assert_ne!(refused.idempotency_key, accepted[0].idempotency_key);
    let code = code_of(accepted[0].json["text"].as_str().unwrap());
    // The refused message was replaced: nothing is left to send.
    assert_eq!(outbox_records(&portal), Vec::<String>::new());
    // Sent, so counted: the next resend waits.
    let early = portal
        .client()
        .post(
            &format!("/api/login/{login}/resend"),
            &json!({ "channel": "sms" }),
        )
        .await
        .unwrap();
    assert_eq!((early.status, early.code()), (429, "Throttled"));
    assert_eq!(
        respond(&portal, &login, &code).await.ok()["outcome"],
        "success"
    );
    assert_eq!(events(&portal, "message_queued"), 2);
    assert_eq!(events(&portal, "message_failed"), 1);
    assert_eq!(events(&portal, "message_sent"), 1);
    // The refusal is in the log at WARN, with neither code, number nor secret.
    let log = portal.running.log();
    assert!(
        log.lines().any(|line| line.contains(" WARN ")
            && line.contains("message_failed")
            && line.contains("the gateway answered 503")),
        "{log}"
    );
    let refused_code = code_of(refused.json["text"].as_str().unwrap());
    for secret in [refused_code.as_str(), code.as_str(), PHONE, SECRET] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_between_commit_and_send_loses_no_message() {
    let (gateway, url) = gateway().await;
    let mut portal = production(&url);
    // The first delivery hangs: the code is committed, its message claimed and in flight.
    gateway.mode.store(HANG, Ordering::SeqCst);
    let mut http = portal.client();
    let started = http
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": PASSWORD }),
        )
        .await
        .unwrap();
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    let choose = {
        let mut http = portal.client();
        let path = format!("/api/login/{login}/factor");
        tokio::spawn(async move { http.post(&path, &json!({ "factorId": 1 })).await })
    };
    let first = gateway.wait_for(1).await;
    assert_eq!(first.len(), 1, "the first delivery reached the gateway");
    assert_eq!(outbox_records(&portal).len(), 1, "pending in the database");
    gateway.mode.store(ANSWER_200, Ordering::SeqCst);
    portal.kill();
    assert!(
        choose.await.unwrap().is_err(),
        "the request died with the server"
    );

    portal.restart();
    let all = gateway.wait_for(2).await;
    assert_eq!(all.len(), 2, "the restarted server sent the message");
    let accepted = gateway.accepted();
    assert_eq!(accepted.len(), 1, "accepted exactly once");
    assert_eq!(accepted[0].idempotency_key, first[0].idempotency_key);
    assert_eq!(accepted[0].json["text"], first[0].json["text"]);
    verify_signature(&accepted[0]);
    // Delivered, so nothing is left to send again.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !outbox_records(&portal).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(outbox_records(&portal), Vec::<String>::new());
    let code = code_of(accepted[0].json["text"].as_str().unwrap());
    assert_eq!(
        respond(&portal, &login, &code).await.ok()["outcome"],
        "success"
    );
    assert_eq!(events(&portal, "message_queued"), 1);
    assert_eq!(events(&portal, "message_sent"), 1);
    assert_eq!(events(&portal, "message_failed"), 0);
}

fn set_mode(file: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The binary's stderr when started with `args` and `envs` (it must refuse to start).
fn refused(args: &[&str], envs: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(bin())
        .args([
            "--addr",
            "127.0.0.1:0",
            "--webhook",
            "http://127.0.0.1:9/sms",
        ])
        .arg("--db")
        .arg(dir.path().join("p.sqlite3"))
        .arg("--www")
        .arg(dir.path())
        .arg("--pkg")
        .arg(dir.path())
        .args(args)
        .env_remove("SECURE_LOGIN_WEBHOOK_SECRET")
        .env_remove("SECURE_LOGIN_WEBHOOK_SECRET_FILE")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    assert!(!output.status.success(), "started with {args:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_secret_comes_from_a_private_file_or_the_environment_and_is_required() {
    let stderr = refused(&[], &[]);
    assert!(stderr.contains("--webhook-secret-file"), "{stderr}");
    // A file others may read is refused, naming the fix; the secret is not printed.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, SECRET).unwrap();
    set_mode(&file, 0o644);
    let stderr = refused(&["--webhook-secret-file", file.to_str().unwrap()], &[]);
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(!stderr.contains(SECRET));
    // Too short, from the environment.
    let stderr = refused(&[], &[("SECURE_LOGIN_WEBHOOK_SECRET", "short")]);
    assert!(stderr.contains("at least 16"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_secret_from_the_environment_signs() {
    let (gateway, url) = gateway().await;
    let site = site_with_alice();
    let mut args = site.args();
    args.extend(production::strings(&[
        "--addr",
        "127.0.0.1:0",
        "--webhook",
        &url,
    ]));
    let running = Running::start(&args, &[("SECURE_LOGIN_WEBHOOK_SECRET", SECRET)]);
    let portal = Production {
        site,
        args,
        running,
    };
    let (_, chosen) = login_by_sms(&portal).await;
    assert_eq!(chosen.ok()["delivery"], "sent");
    verify_signature(&gateway.received()[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_config_file_names_the_secret_file_the_key_file_and_the_sms_domain() {
    let (gateway, url) = gateway().await;
    let site = Site::new();
    let key_file = site.dir.path().join("from-toml.key");
    // The operator's admin commands name the same key file.
    let key = key_file.to_str().unwrap();
    site.admin(&[
        "--key-file",
        key,
        "create-user",
        "alice",
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    site.admin(&[
        "--key-file",
        key,
        "add-factor",
        "alice",
        "sms",
        "--phone",
        PHONE,
    ]);
    let secret_file = site.dir.path().join("webhook.secret");
    std::fs::write(&secret_file, SECRET).unwrap();
    set_mode(&secret_file, 0o600);
    let config = site.dir.path().join("portal.toml");
    std::fs::write(
        &config,
        format!(
            "webhook = {url:?}\nwebhook_secret_file = {:?}\nsms_domain = \"toml.example\"\ninstance_id = \"portal-2\"\nkey_file = {:?}\n",
            secret_file.to_str().unwrap(),
            key_file.to_str().unwrap()
        ),
    )
    .unwrap();
    let mut args = site.args();
    args.extend(production::strings(&[
        "--addr",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
    ]));
    // The launcher's environment secret is another: the signature proves the file's was used.
    let running = Running::start(&args, &[]);
    let portal = Production {
        site,
        args,
        running,
    };
    let (_, chosen) = login_by_sms(&portal).await;
    assert_eq!(chosen.ok()["delivery"], "sent");
    let delivery = &gateway.received()[0];
    verify_signature(delivery);
    let text = delivery.json["text"].as_str().unwrap();
    let code = code_of(text);
    assert!(
        text.ends_with(&format!("\n\n@toml.example #{code}")),
        "{text}"
    );
    // The sealing key is the file the config names (made 0600), not the default beside the
    // database.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let beside = format!("{}.key", portal.db().display());
    assert!(!Path::new(&beside).exists(), "{beside}");
}
