//! The log of the real binary (stderr), in a production start: one line per request with the
//! method, the matched route (never the path, whose ids are secrets), status, latency and
//! client; refusals and failures at warn; and, at the most verbose level, never a password,
//! code, session cookie, login or activation id, device id, token key or full phone number.

use crate::harness::production;

use production::*;
use serde_json::{json, Value};

/// A device id of the token page (secret: it names the device to the server).
const DEVICE: &str = "device-7f3a9c41d2e8";
/// bob's phone.
const BOB_PHONE: &str = "+41 79 555 56 78";
/// A wrong password: a typo of the real one is as secret as the real one.
const WRONG_PASSWORD: &str = "correct horse battery?";

/// The log's JSON lines.
fn json_lines(log: &str) -> Vec<Value> {
    log.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_login_at_trace_level_logs_every_request_and_no_secret() {
    let site = Site::new();
    let totp_uri = site.account("alice");
    // bob activates a token (alice's SMS would be throttled so soon after her login's).
    site.sms_only_account_at("bob", BOB_PHONE);
    let mut gateway = Gateway::start().await;
    let args = production_args(&site, &gateway, &["--log-format", "json"]);
    let mut portal = Running::start(&args, &[("RUST_LOG", "trace")]);
    let mut browser = Browser::new(&portal.base);
    let mut secrets: Vec<String> = vec![
        PASSWORD.into(),
        WRONG_PASSWORD.into(),
        DEVICE.into(),
        PHONE.into(),
        PHONE.replace(' ', ""),
        BOB_PHONE.into(),
        BOB_PHONE.replace(' ', ""),
        // The authenticator app's key, as Base32 in its Key URI.
        totp_uri
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("secret="))
            .unwrap()
            .to_owned(),
    ];
    // A wrong password, then a whole SMS login, the account page, a logout.
    browser
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": WRONG_PASSWORD }),
        )
        .await
        .assert_error(401, "BadCredentials");
    let (login, sms_code) = browser.sms_login(&mut gateway, "alice").await;
    secrets.push(login.clone());
    secrets.push(sms_code);
    secrets.push(browser.cookie.clone().unwrap());
    let session = browser.cookie.clone().unwrap();
    secrets.push(session.split_once('=').unwrap().1.to_owned());
    assert_eq!(browser.get("/api/account").await.ok()["username"], "alice");
    browser.post("/api/logout", &json!({})).await.ok();
    // A soft token activation: an activation code by SMS, a token key in the answer.
    let (activation, code, activated) = browser.activate_token(&mut gateway, "bob", DEVICE).await;
    assert_eq!(activated.ok()["outcome"], "activated");
    secrets.push(activation);
    secrets.push(code);
    secrets.push(activated.body["secret"].as_str().unwrap().to_owned());
    let handle = activated.body["deviceHandle"].as_str().unwrap().to_owned();
    let key = activated.body["deviceKey"].as_str().unwrap().to_owned();
    secrets.push(key.clone());
    // The token lists its pushes, proving itself with the device key.
    let issued = browser
        .post("/api/token/challenge", &json!({ "handle": handle }))
        .await;
    let nonce = issued.ok()["nonce"].as_str().unwrap().to_owned();
    let fields = device_fields(&handle, &nonce, &key, "pushes", "");
    browser.post("/api/token/pushes", &fields).await.ok();

    let log = portal.stop();
    assert_eq!(secrets.len(), 16);
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "{secret} is in the log:\n{log}"
        );
    }
    let lines = json_lines(&log);
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["route"].is_string() && l["status"].is_u64())
        .collect();
    // One line per request, each with its method, route, status, latency and client.
    assert_eq!(requests.len(), 10, "{log}");
    for line in &requests {
        assert!(line["method"].is_string(), "{line}");
        assert!(line["latency_ms"].is_f64(), "{line}");
        assert_eq!(line["client"], "127.0.0.1", "{line}");
    }
    let routes: Vec<(&str, u64)> = requests
        .iter()
        .map(|l| (l["route"].as_str().unwrap(), l["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        routes,
        [
            ("/api/login", 401),
            ("/api/login", 200),
            ("/api/login/{id}/factor", 200),
            ("/api/login/{id}/response", 200),
            ("/api/account", 200),
            ("/api/logout", 200),
            ("/api/token/activate", 200),
            ("/api/token/activate/{id}", 200),
            ("/api/token/challenge", 200),
            ("/api/token/pushes", 200),
        ]
    );
    // The failed password is a security event: at warn, with its code.
    let failed = requests[0];
    assert_eq!(failed["level"], "WARN", "{failed}");
    assert_eq!(failed["code"], "BadCredentials", "{failed}");
    assert_eq!(requests[1]["level"], "INFO");
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_hosts_and_origins_and_a_failing_gateway_are_warnings() {
    let site = Site::new();
    site.account("alice");
    let mut gateway = Gateway::start().await;
    gateway
        .status
        .store(500, std::sync::atomic::Ordering::SeqCst);
    let args = production_args(&site, &gateway, &["--lockout-threshold", "2"]);
    // No RUST_LOG: the default level (info) in text.
    let mut portal = Running::start(&args, &[("RUST_LOG", "")]);
    let mut browser = Browser::new(&portal.base);
    let login = browser.password("alice", PASSWORD).await;
    let failed = browser
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": 1 }),
        )
        .await;
    // The gateway's refusal is no error of the request: the code is retried, and the person
    // may ask for another at once.
    assert_eq!(failed.ok()["delivery"], "retrying", "{}", failed.text);
    let refused_code = gateway.next_code().await;
    // Two wrong authenticator-app codes: a rejection, then the lock.
    // A wrong password: a warning naming the event and where it came from, never the password.
    browser
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": WRONG_PASSWORD }),
        )
        .await
        .assert_error(401, "BadCredentials");
    let login_2 = browser.password("alice", PASSWORD).await;
    browser
        .post(
            &format!("/api/login/{login_2}/factor"),
            &json!({ "factorId": 2 }),
        )
        .await
        .ok();
    for outcome in ["wrong_code", "locked"] {
        let answer = browser
            .post(
                &format!("/api/login/{login_2}/response"),
                &json!({ "response": "000000" }),
            )
            .await;
        assert_eq!(answer.ok()["outcome"], outcome, "{}", answer.text);
    }
    let mut rebound = Browser::new(&portal.base);
    rebound.host = Some("evil.example".into());
    rebound
        .get("/")
        .await
        .assert_error(421, "MisdirectedRequest");
    let mut foreign = Browser::new(&portal.base);
    foreign.origin = Some("http://evil.example".into());
    foreign
        .post("/api/logout", &json!({}))
        .await
        .assert_error(403, "Forbidden");
    let log = portal.stop();
    let warning = |needles: &[&str]| {
        log.lines()
            .any(|line| line.contains(" WARN ") && needles.iter().all(|n| line.contains(n)))
    };
    assert!(
        warning(&[
            "message_failed",
            "channel=\"sms\"",
            "the gateway answered 500"
        ]),
        "{log}"
    );
    assert!(
        warning(&["a message is not delivered yet", "Retrying", "attempts=1"]),
        "{log}"
    );
    // Neither the code it carried, nor the number, nor the webhook's secret.
    for secret in [refused_code.as_str(), PHONE, "+41795551234", WEBHOOK_SECRET] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
    assert!(warning(&["status=421", "MisdirectedRequest"]), "{log}");
    assert!(
        warning(&["password_rejected", "alice", "127.0.0.1"]),
        "{log}"
    );
    assert!(!log.contains(WRONG_PASSWORD), "{log}");
    assert!(
        warning(&["code_rejected", "client=127.0.0.1", "attempts_left=1"]),
        "{log}"
    );
    assert!(warning(&["factor_locked", "client=127.0.0.1"]), "{log}");
    assert!(warning(&["host_refused", "client=127.0.0.1"]), "{log}");
    assert!(warning(&["csrf_refused", "client=127.0.0.1"]), "{log}");
    assert!(
        warning(&["/api/logout", "status=403", "Forbidden"]),
        "{log}"
    );
    assert!(!log.contains(&login), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains(" INFO ") && l.contains("mode: production")),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_level_flag_applies_when_rust_log_is_unset() {
    let site = Site::new();
    let gateway = Gateway::start().await;
    let args = production_args(&site, &gateway, &["--log-level", "warn"]);
    let mut portal = Running::start(&args, &[("RUST_LOG", "")]);
    let mut browser = Browser::new(&portal.base);
    assert_eq!(browser.get("/healthz").await.ok()["status"], "ok");
    browser
        .post(
            "/api/login",
            &json!({ "username": "nobody", "password": "x" }),
        )
        .await
        .assert_error(401, "BadCredentials");
    let log = portal.stop();
    assert!(!log.contains(" INFO "), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains(" WARN ") && l.contains("status=401")),
        "{log}"
    );
}
