//! A production start of the real binary, over HTTP: it needs a courier and says what it is;
//! the demo phone, demo cards and test clock do not exist; the demo and test switches stay on
//! loopback and on databases they made; `Host` and `Origin` are checked against the public
//! origin (DNS rebinding refused); an https origin gets HSTS and a `__Host-` cookie; health.

use crate::harness::production;

use production::*;
use serde_json::json;

#[test]
fn a_production_start_without_a_courier_refuses_and_names_the_flag() {
    let site = Site::new();
    let mut args = site.args();
    args.extend(strings(&["--addr", "127.0.0.1:0"]));
    let exit = run_to_exit(&args, &[]);
    assert!(!exit.success);
    assert!(exit.stderr.contains("--webhook"), "{}", exit.stderr);
    assert!(!exit.stdout.contains("listening"), "{}", exit.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_start_has_no_phone_demo_or_test_route_and_says_its_mode() {
    let site = Site::new();
    let mut gateway = Gateway::start().await;
    site.account("alice");
    let portal = production(&site, &gateway, &[]);
    let mode = portal
        .printed
        .lines()
        .find(|l| l.starts_with("mode: "))
        .unwrap();
    assert!(
        mode.starts_with("mode: production; courier: webhook to http://127.0.0.1:"),
        "{mode}"
    );
    assert!(
        !mode.contains("/sms"),
        "the webhook's path is not printed: {mode}"
    );
    let mut browser = Browser::new(&portal.base);
    // A code is out: an SMS login waits for it.
    let login = browser.password("alice", PASSWORD).await;
    browser
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": 1 }),
        )
        .await
        .ok();
    let code = gateway.next_code().await;
    for path in [
        "/api/phone/messages",
        "/api/phone/events",
        "/api/demo/cards",
        "/api/test/clock",
    ] {
        let answer = browser.get(path).await;
        answer.assert_error(404, "NotFound");
        assert!(!answer.text.contains(&code), "{path}: {}", answer.text);
    }
    browser
        .post("/api/test/clock", &json!({ "now": 1 }))
        .await
        .assert_error(404, "NotFound");
    // The code itself still signs alice in.
    let answer = browser
        .post(
            &format!("/api/login/{login}/response"),
            &json!({ "response": code }),
        )
        .await;
    assert_eq!(answer.ok()["outcome"], "success");
}

#[test]
fn demo_and_test_starts_refuse_a_database_they_did_not_create() {
    let site = Site::new();
    site.admin(&[
        "create-user",
        "carol",
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    for switch in ["--demo", "--test-clock"] {
        let mut args = site.args();
        args.extend(strings(&["--addr", "127.0.0.1:0", switch]));
        let exit = run_to_exit(&args, &[]);
        assert!(!exit.success, "{switch}");
        assert!(
            exit.stderr.contains("demo start created"),
            "{switch}: {}",
            exit.stderr
        );
    }
    // Nothing of the demo was made: no alice, and carol has no temporary passcode.
    let output = std::process::Command::new(BIN)
        .args(["admin", "--db"])
        .arg(site.db())
        .args(["show", "alice"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let carol = site.admin(&["show", "carol"]);
    assert!(!carol.contains("temporary_passcode"), "{carol}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_start_refuses_a_demo_database() {
    let site = Site::new();
    let gateway = Gateway::start().await;
    let mut args = site.args();
    args.extend(strings(&["--addr", "127.0.0.1:0", "--demo"]));
    let mut demo = Running::start(&args, &[]);
    assert!(demo.printed.contains("mode: demo"), "{}", demo.printed);
    demo.stop();
    let args = production_args(&site, &gateway, &[]);
    let exit = run_to_exit(&args, &[]);
    assert!(!exit.success);
    assert!(
        exit.stderr.contains("created by a demo start"),
        "{}",
        exit.stderr
    );
}

#[test]
fn demo_and_test_starts_listen_on_loopback_only() {
    for switch in ["--demo", "--test-clock"] {
        let site = Site::new();
        let mut args = site.args();
        args.extend(strings(&["--addr", "0.0.0.0:0", switch]));
        let exit = run_to_exit(&args, &[]);
        assert!(!exit.success, "{switch}");
        assert!(
            exit.stderr.contains("loopback only"),
            "{switch}: {}",
            exit.stderr
        );
        assert!(!site.db().exists(), "{switch}: no database was made");
    }
}

#[test]
fn a_production_start_off_loopback_needs_a_public_origin() {
    let site = Site::new();
    let mut args = site.args();
    args.extend(strings(&[
        "--addr",
        "0.0.0.0:0",
        "--webhook",
        "http://127.0.0.1:9/sms",
    ]));
    let exit = run_to_exit(&args, &[]);
    assert!(!exit.success);
    assert!(exit.stderr.contains("--public-origin"), "{}", exit.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rebound_host_and_a_foreign_origin_are_refused() {
    let site = Site::new();
    let gateway = Gateway::start().await;
    let portal = production(&site, &gateway, &[]);
    let port = portal.port;
    // DNS rebinding: evil.example resolves to this server; the browser sends its own name.
    let mut rebound = Browser::new(&portal.base);
    rebound.host = Some(format!("evil.example:{port}"));
    rebound.origin = Some(format!("http://evil.example:{port}"));
    rebound
        .get("/")
        .await
        .assert_error(421, "MisdirectedRequest");
    rebound
        .get("/api/account")
        .await
        .assert_error(421, "MisdirectedRequest");
    rebound
        .post("/api/login", &json!({ "username": "a", "password": "b" }))
        .await
        .assert_error(421, "MisdirectedRequest");
    // Another site's page posting to the real name.
    let mut foreign = Browser::new(&portal.base);
    for origin in [
        "http://evil.example".to_owned(),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        "null".to_owned(),
    ] {
        foreign.origin = Some(origin.clone());
        foreign
            .post("/api/login", &json!({ "username": "a", "password": "b" }))
            .await
            .assert_error(403, "Forbidden");
    }
    // The loopback names themselves are served.
    let mut own = Browser::new(&portal.base);
    assert_eq!(own.get("/").await.status, 200);
    own.host = Some(format!("localhost:{port}"));
    own.origin = Some(format!("http://localhost:{port}"));
    own.post("/api/login", &json!({ "username": "a", "password": "b" }))
        .await
        .assert_error(401, "BadCredentials");
    // Over plain http: no HSTS.
    assert!(own
        .get("/")
        .await
        .headers
        .get("strict-transport-security")
        .is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_public_origin_is_the_only_host_and_gets_hsts_and_a_host_cookie() {
    let site = Site::new();
    let uri = site.account("alice");
    let gateway = Gateway::start().await;
    let portal = production(
        &site,
        &gateway,
        &["--public-origin", "https://portal.example"],
    );
    // The proxy in front terminates TLS and passes the public name on.
    let mut browser = Browser::new(&portal.base);
    browser.host = Some("portal.example".into());
    browser.origin = Some("https://portal.example".into());
    let page = browser.get("/").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.headers["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
    let refused = browser.get("/nothing-here").await;
    assert!(refused.headers.contains_key("strict-transport-security"));
    // A TOTP login: the session cookie is __Host- and locked down.
    let (_, answer) = browser
        .login_with("alice", PASSWORD, 2, &totp_now(&uri))
        .await;
    assert_eq!(answer.ok()["outcome"], "success");
    assert!(answer.headers.contains_key("strict-transport-security"));
    let set = browser.set_cookie.clone().unwrap();
    assert!(set.starts_with("__Host-sl_session="), "{set}");
    for part in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.split("; ").any(|p| p == part), "{part}: {set}");
    }
    assert!(!set.contains("Domain"), "{set}");
    assert_eq!(browser.get("/api/account").await.ok()["username"], "alice");
    // The listening address itself, or http:// of the public name, is not this portal.
    let mut direct = Browser::new(&portal.base);
    direct
        .get("/")
        .await
        .assert_error(421, "MisdirectedRequest");
    browser.origin = Some("http://portal.example".into());
    browser
        .post("/api/logout", &json!({}))
        .await
        .assert_error(403, "Forbidden");
}

/// An SMS login through `portal` as a browser on `https://portal.example`; the SMS's text.
async fn sms_text_at_portal_example(portal: &Running, gateway: &mut Gateway, name: &str) -> String {
    let mut browser = Browser::new(&portal.base);
    browser.host = Some("portal.example".into());
    browser.origin = Some("https://portal.example".into());
    let login = browser.password(name, PASSWORD).await;
    let chosen = browser
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": 1 }),
        )
        .await;
    assert_eq!(chosen.ok()["delivery"], "sent", "{}", chosen.text);
    gateway.next_text().await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sms_binds_its_code_to_the_public_origins_host_unless_sms_domain_names_another() {
    let site = Site::new();
    site.account("alice");
    // Another account and number: the first SMS holds back the next for 120 s.
    site.account_at("bob", "+41 79 555 00 01");
    let mut gateway = Gateway::start().await;
    let mut portal = production(
        &site,
        &gateway,
        &["--public-origin", "https://portal.example:443"],
    );
    let text = sms_text_at_portal_example(&portal, &mut gateway, "alice").await;
    let code = code_in(&text);
    assert!(
        text.ends_with(&format!("\n\n@portal.example #{code}")),
        "{text}"
    );
    portal.stop();
    let portal = production(
        &site,
        &gateway,
        &[
            "--public-origin",
            "https://portal.example",
            "--sms-domain",
            "login.example",
        ],
    );
    let text = sms_text_at_portal_example(&portal, &mut gateway, "bob").await;
    let code = code_in(&text);
    assert!(
        text.ends_with(&format!("\n\n@login.example #{code}")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_answers_any_host_and_readiness_reads_the_database() {
    let site = Site::new();
    let gateway = Gateway::start().await;
    let portal = production(
        &site,
        &gateway,
        &["--public-origin", "https://portal.example"],
    );
    // A load balancer probes by address, not by the public name.
    let mut probe = Browser::new(&portal.base);
    let alive = probe.get("/healthz").await;
    assert_eq!(alive.ok()["status"], "ok");
    let ready = probe.get("/readyz").await;
    assert_eq!(ready.ok()["status"], "ready");
    // The database file replaced by garbage: not ready, still alive.
    let garbage = vec![0x5a_u8; 64 * 1024];
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", site.db().display());
        if std::path::Path::new(&path).exists() {
            std::fs::write(&path, &garbage).unwrap();
        }
    }
    probe
        .get("/readyz")
        .await
        .assert_error(503, "StorageFailure");
    assert_eq!(probe.get("/healthz").await.ok()["status"], "ok");
}
