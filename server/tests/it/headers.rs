//! The security headers on everything the portal answers, over real HTTP:
//!
//! * every file of the real `www/` (each page and each script, style sheet, icon, message file),
//!   `/`, the wasm package and a 404 carry the Content-Security-Policy, `X-Content-Type-Options`,
//!   `Referrer-Policy`, `X-Frame-Options` (and `frame-ancestors 'none'` in the policy) and
//!   `Cross-Origin-Opener-Policy`;
//! * every API route, with GET and POST, answers both a success and an error with those headers
//!   and `Cache-Control: no-store` (the event streams too), and never a 500;
//! * no page holds what the policy would block: inline script, inline style, event-handler
//!   attributes, `javascript:` URLs (the browser side of this, an injected inline script that does
//!   not run while the wasm module loads, is `tests/e2e/calculator.test.mjs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::harness::in_process::*;
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::Method;
use serde_json::json;

/// Every header every response carries, with its exact value.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// Every route of the API (`server/src/api/mod.rs`), as method and pattern.
const ROUTES: &[&str] = &[
    "POST /api/login",
    "POST /api/login/{id}/factor",
    "POST /api/login/{id}/resend",
    "POST /api/login/{id}/response",
    "POST /api/login/{id}/push",
    "GET /api/login/{id}/status",
    "POST /api/login/{id}/session",
    "POST /api/token/activate",
    "POST /api/token/activate/{id}",
    "POST /api/token/challenge",
    "POST /api/token/pushes",
    "POST /api/token/stream",
    "GET /api/token/events/{ticket}",
    "POST /api/push/{id}",
    "GET /api/account",
    "POST /api/account/totp",
    "POST /api/account/totp/confirm",
    "POST /api/account/phone",
    "POST /api/account/phone/{id}/confirm",
    "POST /api/account/password",
    "POST /api/account/recovery-codes",
    "POST /api/account/device-code",
    "POST /api/account/changes/{id}/undo",
    "POST /api/account/factors/{id}/rename",
    "POST /api/account/factors/{id}/remove",
    "POST /api/account/sessions/end",
    "POST /api/logout",
    "GET /api/phone/messages",
    "GET /api/phone/events",
    "GET /api/demo/cards",
    "POST /api/test/clock",
    "ANY /api/{*rest}",
];

fn www_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../www")
}

#[track_caller]
fn assert_security_headers(headers: &HeaderMap, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        let got: Vec<_> = headers.get_all(name).iter().collect();
        assert_eq!(got.len(), 1, "{what}: {name} {got:?}");
        assert_eq!(got[0], value, "{what}: {name}");
    }
}

/// A portal over the real `www/` (the copy built into the binary) and a stand-in wasm package,
/// with the demo accounts (for `/api/demo/cards`) and the test clock at [`T0`].
async fn portal() -> Server {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(&dir);
    config.www = secure_login_server::Files::Embedded;
    let pkg = dir.path().join("pkg");
    std::fs::write(pkg.join("secure_login_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(pkg.join("secure_login.js"), b"export default 1;\n").unwrap();
    config.demo = true;
    start_with(config, dir).await
}

/// Every file under `dir`, as URL paths.
fn files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let path = format!("{prefix}/{name}");
        if entry.file_type().unwrap().is_dir() {
            files(&entry.path(), &path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_and_file_of_www_carries_the_headers() {
    let server = portal().await;
    let mut paths = Vec::new();
    files(&www_dir(), "", &mut paths);
    paths.sort();
    let pages = paths.iter().filter(|p| p.ends_with(".html")).count();
    assert!(pages >= 6, "the pages of www/: {paths:?}");
    for path in &paths {
        let response = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_security_headers(response.headers(), path);
        if path.ends_with(".html") {
            let kind = response.headers()[CONTENT_TYPE].to_str().unwrap();
            assert!(kind.starts_with("text/html"), "{path}: {kind}");
        }
    }
    for (path, status) in [
        ("/", 200),
        ("/pkg/secure_login_bg.wasm", 200),
        ("/pkg/secure_login.js", 200),
        ("/no-such-page.html", 404),
        ("/pkg/nothing.wasm", 404),
        ("/../Cargo.toml", 404),
    ] {
        let response = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_security_headers(response.headers(), path);
    }
}

/// The tags of an HTML text: what is between `<` and `>`, lower-cased.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| {
            rest.split_once('>')
                .map(|(tag, _)| tag.to_ascii_lowercase())
        })
        .collect()
}

#[test]
fn no_page_holds_what_the_policy_blocks() {
    let mut paths = Vec::new();
    files(&www_dir(), "", &mut paths);
    for path in paths.iter().filter(|p| p.ends_with(".html")) {
        let html = std::fs::read_to_string(www_dir().join(&path[1..])).unwrap();
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<style"), "{path}: a <style> element");
        assert!(!lower.contains("javascript:"), "{path}: a javascript: URL");
        for tag in tags(&html) {
            let mut words = tag.split_whitespace();
            let element = words.next().unwrap_or("");
            for attribute in words.filter_map(|w| w.split_once('=').map(|(name, _)| name)) {
                assert!(
                    !(attribute.starts_with("on") && attribute.len() > 2),
                    "{path}: <{element} {attribute}=...>"
                );
                assert_ne!(attribute, "style", "{path}: <{element} style=...>");
            }
            if element == "script" {
                assert!(tag.contains(" src="), "{path}: an inline <{tag}>");
            }
        }
        // Every script element is empty: `<script ... src=...></script>`.
        for (at, _) in lower.match_indices("<script") {
            let close = lower[at..].find('>').unwrap() + at + 1;
            assert!(
                lower[close..].starts_with("</script>"),
                "{path}: a script element with a body"
            );
        }
    }
}

/// The answers seen per route: did it answer a success, did it answer an error.
#[derive(Default)]
struct Seen(BTreeMap<&'static str, (bool, bool)>);

impl Seen {
    /// Checks an API answer (headers, no-store, no 500) and notes it for `route`.
    #[track_caller]
    fn api(&mut self, route: &'static str, status: u16, headers: &HeaderMap, what: &str) {
        assert!(ROUTES.contains(&route), "{route} is not in ROUTES");
        assert_ne!(status, 500, "{route}: {what}");
        assert_security_headers(headers, &format!("{route} {status}"));
        assert_eq!(headers["cache-control"], "no-store", "{route} {status}");
        let entry = self.0.entry(route).or_default();
        if (200..300).contains(&status) {
            entry.0 = true;
        } else {
            assert!((400..500).contains(&status), "{route}: {status} {what}");
            entry.1 = true;
        }
    }

    #[track_caller]
    fn answer(&mut self, route: &'static str, answer: Answer) -> Answer {
        self.api(route, answer.status.as_u16(), &answer.headers, &answer.text);
        answer
    }

    /// An event stream: only its head is read (it does not end).
    async fn stream(&mut self, route: &'static str, client: &Client, path: &str) -> u16 {
        let response = client.http.get(client.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        self.api(route, status, response.headers(), path);
        if status == 200 {
            assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        }
        status
    }
}

/// A request with any method, headers and body (the CSRF header only when given).
async fn raw(
    client: &Client,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut request = client
        .http
        .request(method, client.url(path))
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(cookie) = &client.cookie {
        request = request.header("cookie", cookie);
    }
    answer(request.send().await.unwrap()).await
}

const JSON_CSRF: [(&str, &str); 2] = [
    ("x-secure-login", "1"),
    ("content-type", "application/json"),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_api_route_answers_success_and_error_with_the_headers() {
    let server = portal().await;
    server.account(
        "ruth",
        &[
            ("app", totp_factor()),
            ("IB Key", soft_token("dev-a")),
            ("mobile", sms(PHONE)),
        ],
    );
    let mut seen = Seen::default();
    let mut browser = server.client();
    let unknown = "0123456789abcdef0123456789abcdef";

    // The test clock, the demo cards, unknown routes, wrong methods.
    seen.answer(
        "POST /api/test/clock",
        browser.post("/api/test/clock", json!({ "now": T0 })).await,
    );
    seen.answer(
        "POST /api/test/clock",
        browser
            .post("/api/test/clock", json!({ "now": "soon" }))
            .await,
    );
    seen.answer("GET /api/demo/cards", browser.get("/api/demo/cards").await);
    seen.answer(
        "GET /api/demo/cards",
        raw(&browser, Method::POST, "/api/demo/cards", &JSON_CSRF, b"{}").await,
    );
    for path in ["/api", "/api/", "/api/nope", "/api/login/x/y/z"] {
        seen.answer("ANY /api/{*rest}", browser.get(path).await);
        seen.answer("ANY /api/{*rest}", browser.post(path, json!({})).await);
    }

    // Password step: success, wrong password, and the refusals before any handler (CSRF,
    // content type, size, broken JSON).
    let started = seen.answer(
        "POST /api/login",
        browser
            .post(
                "/api/login",
                json!({ "username": "ruth", "password": PASSWORD }),
            )
            .await,
    );
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    let factors = started.body["factors"].as_array().unwrap().clone();
    let app = Client::factor(&factors, "totp");
    seen.answer(
        "POST /api/login",
        browser
            .post(
                "/api/login",
                json!({ "username": "ruth", "password": "wrong!!!" }),
            )
            .await,
    );
    let credentials = json!({ "username": "ruth", "password": PASSWORD }).to_string();
    for (headers, body) in [
        (
            vec![("content-type", "application/json")],
            credentials.clone().into_bytes(),
        ),
        (
            vec![("x-secure-login", "1"), ("content-type", "text/plain")],
            credentials.clone().into_bytes(),
        ),
        (
            vec![
                ("x-secure-login", "1"),
                ("content-type", "application/json"),
                ("origin", "https://evil.example"),
            ],
            credentials.into_bytes(),
        ),
        (JSON_CSRF.to_vec(), vec![b' '; 100 * 1024]),
        (JSON_CSRF.to_vec(), b"{\"username\": ".to_vec()),
    ] {
        seen.answer(
            "POST /api/login",
            raw(&browser, Method::POST, "/api/login", &headers, &body).await,
        );
    }
    seen.answer(
        "POST /api/login",
        raw(&browser, Method::GET, "/api/login", &[], b"").await,
    );

    // Status, factor choice and the code.
    let status = format!("/api/login/{login}/status");
    seen.answer("GET /api/login/{id}/status", browser.get(&status).await);
    seen.answer(
        "GET /api/login/{id}/status",
        browser.get(&format!("/api/login/{unknown}/status")).await,
    );
    seen.answer(
        "POST /api/login/{id}/factor",
        browser
            .post(
                &format!("/api/login/{login}/factor"),
                json!({ "factorId": 999 }),
            )
            .await,
    );
    seen.answer(
        "POST /api/login/{id}/factor",
        browser.choose(&login, app).await,
    );
    seen.answer(
        "POST /api/login/{id}/response",
        browser.respond(&login, "not a code!").await,
    );
    let done = seen.answer(
        "POST /api/login/{id}/response",
        browser.respond(&login, &totp_code(TOTP_SECRET, T0)).await,
    );
    assert_eq!(done.ok()["outcome"], "success", "{}", done.text);
    seen.answer(
        "POST /api/login/{id}/session",
        browser
            .post(&format!("/api/login/{unknown}/session"), json!({}))
            .await,
    );
    if browser.cookie.is_none() {
        seen.answer(
            "POST /api/login/{id}/session",
            browser
                .post(&format!("/api/login/{login}/session"), json!({}))
                .await,
        );
    }
    assert!(browser.cookie.is_some(), "signed in");

    // The account, signed in and not.
    let stranger = server.client();
    seen.answer("GET /api/account", browser.get("/api/account").await);
    seen.answer(
        "GET /api/account",
        stranger.clone().get("/api/account").await,
    );
    seen.answer(
        "POST /api/account/totp",
        stranger.clone().post("/api/account/totp", json!({})).await,
    );
    let enrolling = seen.answer(
        "POST /api/account/totp",
        browser.post("/api/account/totp", json!({})).await,
    );
    let uri = enrolling.ok()["uri"].as_str().unwrap().to_owned();
    let right = totp_code_of_uri(&uri, T0);
    seen.answer(
        "POST /api/account/totp/confirm",
        browser
            .post(
                "/api/account/totp/confirm",
                json!({ "code": wrong(&right) }),
            )
            .await,
    );
    seen.answer(
        "POST /api/account/totp/confirm",
        browser
            .post("/api/account/totp/confirm", json!({ "code": right }))
            .await,
    );
    // The new app is a binding this login (with a factor from before) may undo.
    let page = browser.get("/api/account").await;
    let change = page.ok()["changes"][0]["id"].as_str().unwrap().to_owned();
    seen.answer(
        "POST /api/account/changes/{id}/undo",
        browser
            .post(&format!("/api/account/changes/{change}/undo"), json!({}))
            .await,
    );
    seen.answer(
        "POST /api/account/phone",
        browser
            .post("/api/account/phone", json!({ "phone": "call me maybe" }))
            .await,
    );
    let started = seen.answer(
        "POST /api/account/phone",
        browser
            .post("/api/account/phone", json!({ "phone": "+41 79 999 99 99" }))
            .await,
    );
    let change_id = started.ok()["changeId"].as_str().unwrap().to_owned();
    let code = browser.last_code().await;
    seen.answer(
        "POST /api/account/phone/{id}/confirm",
        browser
            .post(
                &format!("/api/account/phone/{change_id}/confirm"),
                json!({ "code": code }),
            )
            .await,
    );
    let change = seen.answer(
        "POST /api/account/phone/{id}/confirm",
        browser
            .post(
                &format!("/api/account/phone/{unknown}/confirm"),
                json!({ "code": "123456" }),
            )
            .await,
    );
    assert_eq!(change.status, 404);
    seen.answer(
        "POST /api/account/phone/{id}/confirm",
        browser
            .post("/api/account/phone/x/confirm", json!({ "code": "12" }))
            .await,
    );
    seen.answer(
        "POST /api/account/factors/{id}/rename",
        browser
            .post("/api/account/factors/1/rename", json!({ "label": "work" }))
            .await,
    );
    seen.answer(
        "POST /api/account/factors/{id}/rename",
        browser
            .post("/api/account/factors/x/rename", json!({ "label": "work" }))
            .await,
    );
    seen.answer(
        "POST /api/account/recovery-codes",
        stranger
            .clone()
            .post("/api/account/recovery-codes", json!({}))
            .await,
    );
    seen.answer(
        "POST /api/account/recovery-codes",
        browser.post("/api/account/recovery-codes", json!({})).await,
    );
    seen.answer(
        "POST /api/account/device-code",
        stranger
            .clone()
            .post("/api/account/device-code", json!({}))
            .await,
    );
    seen.answer(
        "POST /api/account/device-code",
        browser.post("/api/account/device-code", json!({})).await,
    );
    seen.answer(
        "POST /api/account/changes/{id}/undo",
        browser
            .post("/api/account/changes/nothere/undo", json!({}))
            .await,
    );
    seen.answer(
        "POST /api/account/changes/{id}/undo",
        browser
            .post("/api/account/changes/no%20such/undo", json!({}))
            .await,
    );
    seen.answer(
        "POST /api/account/factors/{id}/remove",
        browser
            .post("/api/account/factors/999/remove", json!({}))
            .await,
    );
    let recovery = browser.get("/api/account").await;
    let codes_factor = recovery.ok()["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "recovery_codes")
        .unwrap()["id"]
        .clone();
    seen.answer(
        "POST /api/account/factors/{id}/remove",
        browser
            .post(
                &format!("/api/account/factors/{codes_factor}/remove"),
                json!({}),
            )
            .await,
    );
    seen.answer(
        "POST /api/account/password",
        browser
            .post(
                "/api/account/password",
                json!({ "current": "wrong", "new": "whatever it is" }),
            )
            .await,
    );
    seen.answer(
        "POST /api/account/password",
        browser
            .post(
                "/api/account/password",
                json!({ "current": PASSWORD, "new": PASSWORD }),
            )
            .await,
    );

    // Push with number matching, and the token page's list and events.
    let mut page = server.client();
    let token = server.client();
    let (pushing, _) = page.login("ruth", PASSWORD).await;
    seen.answer(
        "POST /api/login/{id}/push",
        page.post(&format!("/api/login/{unknown}/push"), json!({}))
            .await,
    );
    let push = seen.answer(
        "POST /api/login/{id}/push",
        page.post(&format!("/api/login/{pushing}/push"), json!({}))
            .await,
    );
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.body["number"].as_u64().unwrap()).unwrap();
    seen.answer(
        "POST /api/token/challenge",
        token
            .clone()
            .post("/api/token/challenge", json!({ "handle": "bad id" }))
            .await,
    );
    seen.answer(
        "POST /api/token/pushes",
        token.clone().pushes("dev-a").await,
    );
    seen.answer(
        "POST /api/token/pushes",
        token
            .clone()
            .post("/api/token/pushes", json!({ "handle": "bad id" }))
            .await,
    );
    seen.answer(
        "POST /api/token/challenge",
        token
            .clone()
            .post(
                "/api/token/challenge",
                json!({ "handle": handle_of("dev-a") }),
            )
            .await,
    );
    seen.answer(
        "POST /api/token/stream",
        token
            .clone()
            .post("/api/token/stream", json!({ "handle": "bad id" }))
            .await,
    );
    let fields = token
        .clone()
        .prove(&handle_of("dev-a"), DEVICE_KEY, "stream", "")
        .await;
    let ticket = seen.answer(
        "POST /api/token/stream",
        token.clone().post("/api/token/stream", fields).await,
    );
    let ticket = ticket.ok()["ticket"].as_str().unwrap().to_owned();
    assert_eq!(
        seen.stream(
            "GET /api/token/events/{ticket}",
            &token,
            &format!("/api/token/events/{ticket}"),
        )
        .await,
        200
    );
    seen.stream(
        "GET /api/token/events/{ticket}",
        &token,
        "/api/token/events/bad%20id",
    )
    .await;
    let reply = format!("/api/push/{request}");
    seen.answer(
        "POST /api/push/{id}",
        token
            .clone()
            .answer(
                &reply,
                "dev-a",
                json!({ "decision": "approve", "mac": "zz" }),
            )
            .await,
    );
    let approved = seen.answer(
        "POST /api/push/{id}",
        token
            .clone()
            .answer(
                &reply,
                "dev-a",
                json!({ "decision": "approve", "mac": push_mac(SOFT_SECRET, &request, number, true) }),
            )
            .await,
    );
    assert_eq!(approved.ok()["answer"], "approved");
    seen.answer(
        "POST /api/login/{id}/session",
        page.post(&format!("/api/login/{pushing}/session"), json!({}))
            .await,
    );

    // Activation of another device (the code comes by SMS to the demo phone).
    let mut device = server.client();
    seen.answer(
        "POST /api/token/activate",
        device
            .post(
                "/api/token/activate",
                json!({ "username": "ruth", "password": PASSWORD, "deviceId": "not a device!" }),
            )
            .await,
    );
    let activation = seen.answer(
        "POST /api/token/activate",
        device
            .post(
                "/api/token/activate",
                json!({ "username": "ruth", "password": PASSWORD, "deviceId": "dev-b" }),
            )
            .await,
    );
    let activation = activation.ok()["activationId"].as_str().unwrap().to_owned();
    let code = seen.answer(
        "GET /api/phone/messages",
        device.get("/api/phone/messages").await,
    );
    assert!(!code.ok().as_array().unwrap().is_empty());
    let code = device.last_code().await;
    seen.answer(
        "POST /api/token/activate/{id}",
        device
            .post(
                &format!("/api/token/activate/{unknown}"),
                json!({ "code": code, "deviceId": "dev-b" }),
            )
            .await,
    );
    seen.answer(
        "POST /api/token/activate/{id}",
        device
            .post(
                &format!("/api/token/activate/{activation}"),
                json!({ "code": code, "deviceId": "dev-b" }),
            )
            .await,
    );
    seen.answer(
        "GET /api/phone/messages",
        raw(
            &device,
            Method::POST,
            "/api/phone/messages",
            &JSON_CSRF,
            b"{}",
        )
        .await,
    );
    assert_eq!(
        seen.stream("GET /api/phone/events", &device, "/api/phone/events")
            .await,
        200
    );
    seen.answer(
        "GET /api/phone/events",
        raw(
            &device,
            Method::POST,
            "/api/phone/events",
            &JSON_CSRF,
            b"{}",
        )
        .await,
    );

    // An SMS login: a resend too soon is refused, one after 121 s goes out.
    browser.set_clock(T0 + 300).await;
    let mut sms_page = server.client();
    // (The phone change above replaced the SMS factor: take its id anew.)
    let (texting, factors) = sms_page.login("ruth", PASSWORD).await;
    let mobile = Client::factor(&factors, "sms");
    let sent = sms_page.choose(&texting, mobile).await;
    assert_eq!(sent.ok()["prompt"], "code_sent", "{}", sent.text);
    let resend = format!("/api/login/{texting}/resend");
    seen.answer(
        "POST /api/login/{id}/resend",
        sms_page.post(&resend, json!({ "channel": "sms" })).await,
    );
    browser.set_clock(T0 + 300 + 121).await;
    let again = seen.answer(
        "POST /api/login/{id}/resend",
        sms_page.post(&resend, json!({ "channel": "sms" })).await,
    );
    assert_eq!(again.status, 200, "{}", again.text);

    // Logout: refused without the CSRF header, then done.
    seen.answer(
        "POST /api/logout",
        raw(
            &browser,
            Method::POST,
            "/api/logout",
            &[("content-type", "application/json")],
            b"{}",
        )
        .await,
    );
    seen.answer(
        "POST /api/account/sessions/end",
        stranger
            .clone()
            .post("/api/account/sessions/end", json!({}))
            .await,
    );
    seen.answer(
        "POST /api/account/sessions/end",
        browser.post("/api/account/sessions/end", json!({})).await,
    );
    seen.answer(
        "POST /api/logout",
        browser.post("/api/logout", json!({})).await,
    );

    // Every route answered both ways.
    let missing: Vec<String> = ROUTES
        .iter()
        .filter_map(|route| match seen.0.get(route) {
            Some((true, true)) => None,
            // Unknown routes have nothing but a 404 to answer.
            Some((false, true)) if *route == "ANY /api/{*rest}" => None,
            Some((ok, err)) => Some(format!("{route}: success {ok}, error {err}")),
            None => Some(format!("{route}: never asked")),
        })
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
}

/// Pages and scripts are gzipped for a browser that asks; API answers never are (BREACH: a
/// compressed answer holding a secret beside text an attacker chose leaks it by its length).
#[tokio::test(flavor = "multi_thread")]
async fn static_files_are_gzipped_api_answers_never() {
    let server = portal().await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", server.base))
            .header("accept-encoding", "gzip")
            .send()
    };
    let encoding = |response: &reqwest::Response| {
        response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    for path in ["/login.js", "/lib/text.js", "/style.css", "/token.html"] {
        let response = get(path).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(encoding(&response).as_deref(), Some("gzip"), "{path}");
    }
    for path in ["/api/demo/cards", "/api/account", "/api/no-such-route"] {
        let response = get(path).await.unwrap();
        let body = response.headers().get("content-length").cloned();
        assert_eq!(encoding(&response), None, "{path}");
        assert!(body.is_some(), "{path}: a plain JSON answer");
    }
    let login = http
        .post(format!("{}/api/login", server.base))
        .header("accept-encoding", "gzip")
        .header("x-secure-login", "1")
        .header("content-type", "application/json")
        .header("origin", server.base.clone())
        .body(r#"{"username": "alice", "password": "not the password at all"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(encoding(&login), None, "POST /api/login");
}
