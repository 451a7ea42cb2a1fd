//! The real binary, killed with SIGKILL in the middle of logins and started again on the same
//! database file: accounts, factors, lock counters, used codes and waiting logins are all still
//! there. The accounts are made with the admin subcommands of the same binary.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::harness::in_process::*;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_secure-login-server");
/// Cheap password hashes for the test.
const CHEAP: [&str; 4] = ["--password-memory-kib", "64", "--password-iterations", "1"];

/// The portal binary on a free port; returns the process and its base URL.
fn serve(dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--test-clock"])
        .arg("--db")
        .arg(dir.join("portal.sqlite3"))
        .arg("--www")
        .arg(dir.join("www"))
        .arg("--pkg")
        .arg(dir.join("pkg"))
        .args(CHEAP)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let base = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(url) = line.strip_prefix("secure-login portal listening on ") {
            break url.to_owned();
        }
    };
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

/// A fresh database directory, its database made by a first `--test-clock` start (a test start
/// runs only on a database a test or demo start created; the admin commands then fill it).
fn test_database() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    let (mut server, _) = serve(dir.path(), &[]);
    server.kill().unwrap();
    server.wait().unwrap();
    dir
}

/// `secure-login-server admin ARGS` on the database; (success, stdout, stderr).
fn admin(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .arg("admin")
        .arg("--db")
        .arg(dir.join("portal.sqlite3"))
        .args(CHEAP)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn client(base: &str) -> Client {
    Client {
        base: base.to_owned(),
        http: reqwest::Client::new(),
        cookie: None,
    }
}

fn line_value<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
        .trim()
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_flow_and_restarted_nothing_is_lost() {
    let dir = test_database();
    let path = dir.path();

    // Accounts and factors by the admin commands.
    let (ok, out, _) = admin(
        path,
        &[
            "create-user",
            "alice",
            "--password-file",
            &secret_file(PASSWORD),
        ],
    );
    assert!(ok, "{out}");
    let (ok, out, _) = admin(
        path,
        &["add-factor", "alice", "sms", "--phone", "+41 79 000 00 01"],
    );
    assert!(ok);
    assert_eq!(out.trim(), "factor 1: sms");
    let (ok, out, _) = admin(path, &["add-factor", "alice", "totp"]);
    assert!(ok);
    let uri = line_value(&out, "key URI:").to_owned();
    assert!(
        uri.starts_with("otpauth://totp/secure-login:alice?"),
        "{uri}"
    );

    let (mut server, base) = serve(path, &[]);
    let mut browser = client(&base);
    browser.set_clock(T0).await;
    // A TOTP login that succeeds (its code is now used) ...
    let (login, factors) = browser.login("alice", PASSWORD).await;
    assert_eq!(factors.len(), 2);
    browser.choose(&login, 2).await.ok();
    let used = totp_code_of_uri(&uri, T0);
    assert_eq!(
        browser.respond(&login, &used).await.ok()["outcome"],
        "success"
    );
    // ... and an SMS login in the middle: a code sent, three wrong answers.
    let (pending, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&pending, 1).await.ok();
    let code = browser.last_code().await;
    for left in [9, 8, 7] {
        let answer = browser.respond(&pending, &wrong(&code)).await;
        assert_eq!(answer.ok()["attemptsLeft"], left);
    }

    // SIGKILL: no shutdown, no flush.
    server.kill().unwrap();
    server.wait().unwrap();

    let (mut server, base) = serve(path, &[]);
    let mut browser = client(&base);
    browser.set_clock(T0 + 10).await;
    // The demo phone still shows the code; the waiting login goes on where it was.
    assert_eq!(browser.last_code().await, code);
    let answer = browser.respond(&pending, &wrong(&code)).await;
    assert_eq!(
        answer.ok(),
        &json!({ "outcome": "wrong_code", "attemptsLeft": 6 })
    );
    let done = browser.respond(&pending, &code).await;
    assert_eq!(
        done.ok(),
        &json!({ "outcome": "success", "username": "alice" })
    );
    // The used TOTP code is still used.
    let (again, factors) = browser.login("alice", PASSWORD).await;
    assert_eq!(
        factors,
        vec![
            json!({ "id": 1, "kind": "sms", "label": "mobile", "phone": "•••••••••01" }),
            json!({ "id": 2, "kind": "totp", "label": "authenticator app" }),
        ]
    );
    browser.choose(&again, 2).await.ok();
    assert_eq!(
        browser.respond(&again, &used).await.ok()["outcome"],
        "wrong_code"
    );
    // The failure just counted is in the database too (the admin sees it).
    let (ok, shown, _) = admin(path, &["show", "alice"]);
    assert!(ok);
    assert!(
        shown.contains("factor 2: totp \"authenticator app\" failures 1"),
        "{shown}"
    );
    server.kill().unwrap();
    server.wait().unwrap();

    // Once more, with sessions: a restart signs out (sessions live in memory), nothing else.
    let (mut server, base) = serve(path, &[]);
    let mut browser = client(&base);
    browser.set_clock(T0 + 60).await;
    let (login, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&login, 2).await.ok();
    let fresh = totp_code_of_uri(&uri, T0 + 60);
    assert_eq!(
        browser.respond(&login, &fresh).await.ok()["outcome"],
        "success"
    );
    assert_eq!(browser.get("/api/account").await.ok()["username"], "alice");
    server.kill().unwrap();
    server.wait().unwrap();
    let (mut server, base) = serve(path, &[]);
    let mut after = client(&base);
    after.cookie = browser.cookie.clone();
    after
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    // The completed login cannot open a second session after the restart either.
    after
        .post(&format!("/api/login/{login}/session"), json!({}))
        .await
        .assert_error(409, "NotAllowed");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands() {
    let dir = test_database();
    let path = dir.path();
    assert!(
        admin(
            path,
            &[
                "create-user",
                "bob",
                "--password-file",
                &secret_file(PASSWORD)
            ]
        )
        .0
    );
    let (ok, _, err) = admin(
        path,
        &[
            "create-user",
            "bob",
            "--password-file",
            &secret_file(PASSWORD),
        ],
    );
    assert!(!ok);
    assert!(err.starts_with("error: UsernameTaken:"), "{err}");
    let (ok, _, err) = admin(
        path,
        &[
            "create-user",
            "eve",
            "--password-file",
            &secret_file("short"),
        ],
    );
    assert!(!ok && err.contains("InvalidInput"), "{err}");
    let (ok, _, err) = admin(path, &["add-factor", "bob", "sms"]);
    assert!(!ok && err.contains("--phone"), "{err}");
    let (ok, _, err) = admin(
        path,
        &["add-factor", "nobody", "voice", "--phone", "+41790000002"],
    );
    assert!(!ok && err.contains("NotFound"), "{err}");
    assert!(
        admin(
            path,
            &["add-factor", "bob", "voice", "--phone", "+41790000002"]
        )
        .0
    );

    let (ok, card, _) = admin(
        path,
        &["issue-card", "bob", "--pin-file", &secret_file("4711")],
    );
    assert!(ok, "{card}");
    let serial = line_value(&card, "serial:").to_owned();
    let suite = line_value(&card, "suite:").to_owned();
    let secret = line_value(&card, "secret:").to_owned();
    assert_eq!(serial.len(), 10);
    assert_eq!(suite, "OCRA-1:HOTP-SHA256-8:QN06-PSHA1");
    let (ok, _, err) = admin(
        path,
        &["issue-card", "bob", "--pin-file", &secret_file("12")],
    );
    assert!(!ok && err.contains("InvalidInput"), "{err}");

    let (ok, issued, _) = admin(path, &["issue-passcode", "bob", "--lifetime", "3600"]);
    assert!(ok);
    let passcode = line_value(&issued, "passcode:").to_owned();
    assert_eq!(passcode.len(), 10);

    // The server takes the card and the passcode.
    let (mut server, base) = serve(path, &[]);
    let mut browser = client(&base);
    let now = secure_login_server::clock::system_now();
    browser.set_clock(now).await;
    let (login, factors) = browser.login("bob", PASSWORD).await;
    let card_factor = Client::factor(&factors, "security_card");
    let prompt = browser.choose(&login, card_factor).await;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    // Ten wrong responses lock the card; the admin unlocks it.
    for _ in 0..10 {
        browser.respond(&login, "00000000").await.ok();
    }
    let right = ocra_response(&suite, &secret, &challenge, Some("4711"));
    assert_eq!(
        browser.respond(&login, &right).await.ok()["outcome"],
        "locked"
    );
    let (ok, out, _) = admin(path, &["unlock", "bob", &card_factor.to_string()]);
    assert!(ok, "{out}");
    assert_eq!(
        browser.respond(&login, &right).await.ok()["outcome"],
        "success"
    );

    let (login, factors) = browser.login("bob", PASSWORD).await;
    let passcode_factor = Client::factor(&factors, "temporary_passcode");
    browser.choose(&login, passcode_factor).await.ok();
    assert_eq!(
        browser.respond(&login, &passcode).await.ok()["outcome"],
        "success"
    );

    let (ok, events, _) = admin(path, &["events", "bob", "--limit", "5"]);
    assert!(ok);
    let newest: Vec<&str> = events.lines().take(2).collect();
    assert!(
        newest[0].ends_with(" factor_retired factor 3 used"),
        "{events}"
    );
    assert!(
        newest[1].ends_with(" login_succeeded factor 3 temporary_passcode"),
        "{events}"
    );
    let (ok, events, _) = admin(path, &["events", "bob", "--limit", "100"]);
    assert!(ok);
    assert!(
        events.contains("factor_locked") && events.contains("factor_unlocked"),
        "{events}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_mode_prints_the_accounts_and_serves_the_cards() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    let path = dir.path();
    let db = path.join("portal.sqlite3");
    let output = |child: &mut Child| {
        child.kill().unwrap();
        child.wait().unwrap();
    };
    // The first start creates the accounts.
    let mut first = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--demo", "--test-clock"])
        .arg("--db")
        .arg(&db)
        .arg("--www")
        .arg(path.join("www"))
        .arg("--pkg")
        .arg(path.join("pkg"))
        .args(CHEAP)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let base = loop {
        let line = lines.next().unwrap().unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(url) = line.strip_prefix("secure-login portal listening on ") {
            break url.to_owned();
        }
    };
    for expected in [
        "alice / alice-2fa-demo",
        "bob / bob-2fa-demo",
        "carol / carol-2fa-demo",
        "PIN 7391",
        "otpauth://totp/",
    ] {
        assert!(printed.contains(expected), "{expected}: {printed}");
    }
    let passcode = printed
        .split("temporary passcode ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let mut browser = client(&base);
    let now = secure_login_server::clock::system_now();
    browser.set_clock(now).await;
    let cards = browser.get("/api/demo/cards").await;
    let card = cards.ok()[0].clone();
    assert_eq!(card["username"], "alice");
    assert_eq!(card["pin"], "7391");
    // alice's card works with the printed PIN; carol's printed passcode works.
    let (login, factors) = browser.login("alice", "alice-2fa-demo").await;
    let kinds: Vec<&str> = factors
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["sms", "voice", "totp", "security_card"]);
    let prompt = browser
        .choose(&login, Client::factor(&factors, "security_card"))
        .await;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    let response = ocra_response(
        card["suite"].as_str().unwrap(),
        card["secret"].as_str().unwrap(),
        &challenge,
        Some("7391"),
    );
    assert_eq!(
        browser.respond(&login, &response).await.ok()["outcome"],
        "success"
    );
    let (login, factors) = browser.login("carol", "carol-2fa-demo").await;
    browser
        .choose(&login, Client::factor(&factors, "temporary_passcode"))
        .await
        .ok();
    assert_eq!(
        browser.respond(&login, &passcode).await.ok()["outcome"],
        "success"
    );
    // bob can activate a token (he has SMS).
    let started = browser
        .post(
            "/api/token/activate",
            json!({ "username": "bob", "password": "bob-2fa-demo", "deviceId": "demo-device" }),
        )
        .await;
    assert!(started.ok()["activationId"].is_string());
    let messages = browser.messages().await;
    assert_eq!(messages.last().unwrap()["to"], "+41790000002");
    output(&mut first);

    // A second start keeps the same card and gives carol a new passcode (hers is used).
    let (mut second, base) = serve(path, &["--demo"]);
    let mut browser = client(&base);
    let cards_again = browser.get("/api/demo/cards").await;
    assert_eq!(cards_again.ok()[0], card);
    output(&mut second);
}
