//! Races over real HTTP against the running `secure-login-server` binary (SQLite, WAL, a pool of
//! connections, the verifier in the blocking pool): many clients on their own connections,
//! released together by a barrier.
//!
//! - 50 simultaneous submissions of one valid response give exactly one success (one login and
//!   its OCRA challenge; and one TOTP code sent to 50 logins of the same account), and the lock
//!   taken beside it stays: the success forgives only the attempts charged up to its own.
//! - 1,000 concurrent wrong guesses (50 clients x 20) evaluate at most the lockout limit (10):
//!   counted by the `code_rejected` events and the lock state of `admin show`; the rest are
//!   `locked`, and so is the right response afterwards.
//! - Two simultaneous resends send exactly one new SMS (five rounds).
//! - Two "tabs" activating two different users on one device id at once both complete: both
//!   factors are present and work, and pushes to both reach the device (three rounds).

use crate::harness;

use std::collections::BTreeSet;
use std::path::Path;

use harness::crowd::{all_at_once, flood, tally};
use harness::*;
use serde_json::{json, Value};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_secure-login-server");
const THRESHOLD: u64 = 10;

fn portal() -> (TempDir, Portal) {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(Path::new(BIN), dir.path(), &CHEAP);
    (dir, portal)
}

fn admin(portal: &Portal, args: &[&str]) -> String {
    portal.admin(args)
}

fn events(portal: &Portal, name: &str, kind: &str) -> u64 {
    event_counts(Path::new(BIN), &portal.db(), name)
        .get(kind)
        .copied()
        .unwrap_or(0)
}

/// A user with a security card; (suite, secret hex).
fn user_with_card(portal: &Portal, name: &str) -> (String, String) {
    admin(
        portal,
        &[
            "create-user",
            name,
            "--password-file",
            &secret_file(PASSWORD),
        ],
    );
    let card = admin(
        portal,
        &["issue-card", name, "--pin-file", &secret_file("4711")],
    );
    (
        line_value(&card, "suite:").to_owned(),
        line_value(&card, "secret:").to_owned(),
    )
}

async fn login(http: &mut Http, name: &str) -> (String, Vec<Value>) {
    let answer = http
        .post(
            "/api/login",
            &json!({ "username": name, "password": PASSWORD }),
        )
        .await
        .unwrap();
    let body = answer.ok();
    (
        body["loginId"].as_str().unwrap().to_owned(),
        body["factors"].as_array().unwrap().clone(),
    )
}

fn factor_of(factors: &[Value], kind: &str) -> u64 {
    factors
        .iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {factors:?}"))["id"]
        .as_u64()
        .unwrap()
}

/// A login of `name` past its password, the security card chosen: the login id, the card's
/// factor id and the right response to its challenge (the card's PIN is 4711).
async fn card_login(
    http: &mut Http,
    name: &str,
    suite: &str,
    secret: &str,
) -> (String, u64, String) {
    let (login_id, factors) = login(http, name).await;
    let card = factor_of(&factors, "security_card");
    let prompt = choose(http, &login_id, card).await;
    let right = ocra_response(
        suite,
        secret,
        prompt["challenge"].as_str().unwrap(),
        Some("4711"),
    );
    (login_id, card, right)
}

async fn choose(http: &mut Http, login: &str, factor: u64) -> Value {
    http.post(
        &format!("/api/login/{login}/factor"),
        &json!({ "factorId": factor }),
    )
    .await
    .unwrap()
    .ok()
    .clone()
}

/// After one valid response was submitted many times at once on `factor` of `name`: the number
/// of attempts checked there (`login_succeeded` and `code_rejected` events since `before`).
///
/// A success forgives only the attempts charged up to its own, and never lifts a lock taken
/// after its charge. So at most the threshold are checked up to the success (it included) and at
/// most the threshold after it; once every allowed attempt is used an attempt is refused and
/// takes the lock, which then stays: one `factor_locked` event, the factor locked afterwards.
/// (The success once reset the count and lifted that lock, whatever had been charged since.)
fn checked_around_one_success(
    portal: &Portal,
    name: &str,
    factor: u64,
    before: &std::collections::BTreeMap<String, u64>,
) -> u64 {
    let now = event_counts(Path::new(BIN), &portal.db(), name);
    let since =
        |kind: &str| now.get(kind).copied().unwrap_or(0) - before.get(kind).copied().unwrap_or(0);
    let checked = since("login_succeeded") + since("code_rejected");
    assert!(
        checked <= 2 * THRESHOLD,
        "{checked} attempts checked: more than the threshold on either side of the success"
    );
    assert_eq!(
        since("factor_locked"),
        1,
        "one lock, never lifted by the success ({checked} checked)"
    );
    let shown = show(Path::new(BIN), &portal.db(), name);
    let lock = shown.iter().find(|f| u64::from(f.id) == factor).unwrap();
    assert_eq!(
        lock.locked_until,
        T0 + 900,
        "the lock taken beside the success stays ({checked} checked): {shown:?}"
    );
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_submissions_of_one_valid_response_succeed_once() {
    let (_dir, portal) = portal();
    let (suite, secret) = user_with_card(&portal, "alice");
    let uri = line_value(
        &admin(&portal, &["add-factor", "alice", "totp"]),
        "key URI:",
    )
    .to_owned();
    let mut http = portal.client();
    http.set_clock(T0).await;

    // One login, its challenge, the right response 50 times at once.
    let (login_id, card, right) = card_login(&mut http, "alice", &suite, &secret).await;
    let path = format!("/api/login/{login_id}/response");
    let before = event_counts(Path::new(BIN), &portal.db(), "alice");
    let answers = all_at_once(
        std::slice::from_ref(&portal.base),
        vec![(path, json!({ "response": right })); 50],
    )
    .await;
    let counts = tally(&answers);
    assert_eq!(counts.get("success"), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get("wrong_code").unwrap_or(&0) + counts.get("locked").unwrap_or(&0),
        49,
        "every other answer is a refusal: {counts:?}"
    );
    let sessions = answers.iter().filter(|a| a.session.is_some()).count();
    assert_eq!(sessions, 1, "one session cookie");
    assert_eq!(events(&portal, "alice", "login_succeeded"), 1);
    let checked = checked_around_one_success(&portal, "alice", card, &before);
    eprintln!("one login, one response x50: {counts:?}; checked: {checked}");

    // One TOTP code, sent to 50 logins of the same account at once: the step is used once.
    let mut logins = Vec::new();
    let mut totp = 0;
    for _ in 0..50 {
        let (id, factors) = login(&mut http, "alice").await;
        totp = factor_of(&factors, "totp");
        assert_eq!(choose(&mut http, &id, totp).await["prompt"], "code");
        logins.push(id);
    }
    let code = TotpKey::from_uri(&uri).code(T0);
    let requests = logins
        .iter()
        .map(|id| {
            (
                format!("/api/login/{id}/response"),
                json!({ "response": code }),
            )
        })
        .collect();
    let before = event_counts(Path::new(BIN), &portal.db(), "alice");
    let answers = all_at_once(std::slice::from_ref(&portal.base), requests).await;
    let counts = tally(&answers);
    assert_eq!(counts.get("success"), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get("wrong_code").unwrap_or(&0) + counts.get("locked").unwrap_or(&0),
        49,
        "{counts:?}"
    );
    assert_eq!(events(&portal, "alice", "login_succeeded"), 2);
    let checked = checked_around_one_success(&portal, "alice", totp, &before);
    eprintln!("one TOTP code on 50 logins: {counts:?}; checked: {checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_wrong_guesses_evaluate_at_most_the_limit() {
    let (_dir, portal) = portal();
    let (suite, secret) = user_with_card(&portal, "victim");
    let mut http = portal.client();
    http.set_clock(T0).await;
    let (login_id, card, right) = card_login(&mut http, "victim", &suite, &secret).await;

    // 50 clients, 20 distinct wrong 8-digit guesses each, all started together.
    let path = format!("/api/login/{login_id}/response");
    let answers = flood(std::slice::from_ref(&portal.base), &path, &right, 50, 20).await;
    assert_eq!(answers.len(), 1000);
    let counts = tally(&answers);
    let wrong = *counts.get("wrong_code").unwrap_or(&0) as u64;
    let locked = *counts.get("locked").unwrap_or(&0) as u64;
    assert_eq!(wrong + locked, 1000, "only refusals, no errors: {counts:?}");
    // Each evaluated guess was charged before its check, one at a time: distinct attemptsLeft.
    let left: BTreeSet<u64> = answers
        .iter()
        .filter(|a| a.outcome() == "wrong_code")
        .map(|a| a.body["attemptsLeft"].as_u64().unwrap())
        .collect();
    assert_eq!(left.len() as u64, wrong, "attemptsLeft repeated: {left:?}");
    let rejected = events(&portal, "victim", "code_rejected");
    assert!(
        rejected <= THRESHOLD,
        "{rejected} guesses evaluated, limit {THRESHOLD}"
    );
    assert!(
        wrong <= rejected,
        "{wrong} wrong_code answers, {rejected} events"
    );
    let lock_events = events(&portal, "victim", "factor_locked");
    eprintln!("factor_locked events: {lock_events}");
    let shown = show(Path::new(BIN), &portal.db(), "victim");
    let lock = shown.iter().find(|f| u64::from(f.id) == card).unwrap();
    assert_eq!(lock.locked_until, T0 + 900, "{shown:?}");
    // Even the right response is refused now.
    let late = http
        .post(&path, &json!({ "response": right }))
        .await
        .unwrap();
    assert_eq!(late.outcome(), "locked", "{}", late.text);
    assert_eq!(events(&portal, "victim", "login_succeeded"), 0);
    eprintln!("1000 guesses: {counts:?}; evaluated (code_rejected events): {rejected}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_simultaneous_resends_send_one_sms() {
    let (_dir, portal) = portal();
    let phone = "+41790000111";
    admin(
        &portal,
        &[
            "create-user",
            "sam",
            "--password-file",
            &secret_file(PASSWORD),
        ],
    );
    admin(&portal, &["add-factor", "sam", "sms", "--phone", phone]);
    let mut http = portal.client();
    http.set_clock(T0).await;
    let (login_id, factors) = login(&mut http, "sam").await;
    let sms = factor_of(&factors, "sms");
    assert_eq!(
        choose(&mut http, &login_id, sms).await["prompt"],
        "code_sent"
    );
    assert_eq!(http.messages_to(phone).await.unwrap().len(), 1);

    let path = format!("/api/login/{login_id}/resend");
    for round in 1..=5u64 {
        http.set_clock(T0 + round * 121).await;
        let answers = all_at_once(
            std::slice::from_ref(&portal.base),
            vec![(path.clone(), json!({ "channel": "sms" })); 2],
        )
        .await;
        let sent = answers
            .iter()
            .filter(|a| a.status == 200 && a.body["prompt"] == "code_sent")
            .count();
        let throttled = answers
            .iter()
            .filter(|a| a.status == 429 && a.code() == "Throttled")
            .count();
        assert_eq!((sent, throttled), (1, 1), "round {round}: {answers:?}");
        let messages = http.messages_to(phone).await.unwrap();
        assert_eq!(messages.len() as u64, 1 + round, "round {round}");
        assert_eq!(events(&portal, "sam", "message_sent"), 1 + round);
        assert_eq!(events(&portal, "sam", "message_queued"), 1 + round);
    }
    // Only the newest code is valid.
    let messages = http.messages_to(phone).await.unwrap();
    let older = code_of(&messages[messages.len() - 2].1);
    let newest = code_of(&messages[messages.len() - 1].1);
    let response = format!("/api/login/{login_id}/response");
    if older != newest {
        let refused = http
            .post(&response, &json!({ "response": older }))
            .await
            .unwrap();
        assert_eq!(refused.outcome(), "wrong_code");
    }
    let done = http
        .post(&response, &json!({ "response": newest }))
        .await
        .unwrap();
    assert_eq!(done.outcome(), "success", "{}", done.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_tabs_activate_two_users_on_one_device_at_once() {
    let (_dir, portal) = portal();
    let mut http = portal.client();
    http.set_clock(T0).await;
    for round in 0..3 {
        let device = format!("shared-device-{round}");
        let users = [format!("tab-a-{round}"), format!("tab-b-{round}")];
        let phones = [format!("+4179100{round}001"), format!("+4179100{round}002")];
        for (user, phone) in users.iter().zip(&phones) {
            admin(
                &portal,
                &[
                    "create-user",
                    user,
                    "--password-file",
                    &secret_file(PASSWORD),
                ],
            );
            admin(&portal, &["add-factor", user, "sms", "--phone", phone]);
        }
        // Both tabs start at once ...
        let begun = all_at_once(
            std::slice::from_ref(&portal.base),
            users
                .iter()
                .map(|u| {
                    (
                        "/api/token/activate".to_owned(),
                        json!({ "username": u, "password": PASSWORD, "deviceId": device }),
                    )
                })
                .collect(),
        )
        .await;
        let mut requests = Vec::new();
        for (answer, phone) in begun.iter().zip(&phones) {
            let id = answer.ok()["activationId"].as_str().unwrap();
            let messages = http.messages_to(phone).await.unwrap();
            let code = code_of(&messages.last().unwrap().1);
            requests.push((
                format!("/api/token/activate/{id}"),
                json!({ "code": code, "deviceId": device }),
            ));
        }
        // ... and complete at once.
        let done = all_at_once(std::slice::from_ref(&portal.base), requests).await;
        let mut secrets = BTreeSet::new();
        for (answer, user) in done.iter().zip(&users) {
            let body = answer.ok();
            assert_eq!(body["outcome"], "activated", "{body}");
            assert_eq!(body["username"], user.as_str());
            secrets.insert(body["secret"].as_str().unwrap().to_owned());
        }
        assert_eq!(secrets.len(), 2, "two different secrets");
        // Both factors present and working.
        for (answer, user) in done.iter().zip(&users) {
            let factor = answer.body["factorId"].as_u64().unwrap();
            let secret = answer.body["secret"].as_str().unwrap();
            let (login_id, factors) = login(&mut http, user).await;
            assert!(
                factors.iter().any(|f| f["kind"] == "soft_token"
                    && f["id"] == factor
                    && f["label"] == "Soft token"),
                "{factors:?}"
            );
            let prompt = choose(&mut http, &login_id, factor).await;
            let response = ocra_response(
                SOFT_SUITE,
                secret,
                prompt["challenge"].as_str().unwrap(),
                None,
            );
            let outcome = http
                .post(
                    &format!("/api/login/{login_id}/response"),
                    &json!({ "response": response }),
                )
                .await
                .unwrap();
            assert_eq!(outcome.outcome(), "success", "{}", outcome.text);
            assert_eq!(events(&portal, user, "token_activated"), 1);
        }
        // Pushes to both users reach the one device.
        for user in &users {
            let (login_id, _) = login(&mut http, user).await;
            http.post(&format!("/api/login/{login_id}/push"), &json!({}))
                .await
                .unwrap()
                .ok();
        }
        // Each user of the device lists its own push, proved with its own device key.
        for (answer, user) in done.iter().zip(&users) {
            let handle = answer.body["deviceHandle"].as_str().unwrap();
            let key = answer.body["deviceKey"].as_str().unwrap();
            let fields = http.prove(handle, key, "pushes", "").await;
            let pushes = http.post("/api/token/pushes", &fields).await.unwrap();
            let listed: Vec<&str> = pushes
                .ok()
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["username"].as_str().unwrap())
                .collect();
            assert_eq!(listed, [user.as_str()]);
        }
    }
}

/// Activates a soft token for `name` (who has an SMS factor to `phone`) on `device`; (factor,
/// secret, device handle, device key).
async fn activate(
    http: &mut Http,
    name: &str,
    phone: &str,
    device: &str,
) -> (u64, String, String, String) {
    let begun = http
        .post(
            "/api/token/activate",
            &json!({ "username": name, "password": PASSWORD, "deviceId": device }),
        )
        .await
        .unwrap();
    let id = begun.ok()["activationId"].as_str().unwrap().to_owned();
    let code = code_of(&http.messages_to(phone).await.unwrap().last().unwrap().1);
    let done = http
        .post(
            &format!("/api/token/activate/{id}"),
            &json!({ "code": code, "deviceId": device }),
        )
        .await
        .unwrap();
    let body = done.ok();
    assert_eq!(body["outcome"], "activated", "{body}");
    (
        body["factorId"].as_u64().unwrap(),
        body["secret"].as_str().unwrap().to_owned(),
        body["deviceHandle"].as_str().unwrap().to_owned(),
        body["deviceKey"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_session_claims_after_a_push_open_one_session() {
    let (_dir, portal) = portal();
    let phone = "+41790000222";
    admin(
        &portal,
        &[
            "create-user",
            "pat",
            "--password-file",
            &secret_file(PASSWORD),
        ],
    );
    admin(&portal, &["add-factor", "pat", "sms", "--phone", phone]);
    let mut http = portal.client();
    http.set_clock(T0).await;
    let (_, secret, handle, key) = activate(&mut http, "pat", phone, "pat-device").await;
    let (login_id, _) = login(&mut http, "pat").await;
    let push = http
        .post(&format!("/api/login/{login_id}/push"), &json!({}))
        .await
        .unwrap();
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.body["number"].as_u64().unwrap()).unwrap();
    // The token answers twice at once too: one approval counts.
    let mac = push_mac(&secret, &request, number, true);
    let mut replies = Vec::new();
    for _ in 0..2 {
        let mut body = http
            .prove(&handle, &key, "answer", &format!("{request} approve"))
            .await;
        body["decision"] = json!("approve");
        body["mac"] = json!(mac);
        replies.push((format!("/api/push/{request}"), body));
    }
    let answers = all_at_once(std::slice::from_ref(&portal.base), replies).await;
    let approved = answers.iter().filter(|a| a.outcome() == "approved").count();
    assert_eq!(approved, 1, "{answers:?}");
    // 50 tabs of the login page claim the session at once.
    let answers = all_at_once(
        std::slice::from_ref(&portal.base),
        vec![(format!("/api/login/{login_id}/session"), json!({})); 50],
    )
    .await;
    let opened: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    assert_eq!(opened.len(), 1, "{:?}", tally(&answers));
    assert!(opened[0].session.is_some());
    assert!(answers
        .iter()
        .filter(|a| a.status != 200)
        .all(|a| a.status == 409 && a.code() == "NotAllowed"));
    assert_eq!(events(&portal, "pat", "login_succeeded"), 1);
    assert_eq!(events(&portal, "pat", "push_approved"), 1);
}

/// A lock taken while guesses are in flight is audited: `Verifier::charge` locks the factor when
/// an attempt arrives while the threshold's worth of attempts are still being checked, and it
/// records `factor_locked` in the same commit (it once wrote no event at all).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_taken_under_concurrent_guesses_is_audited() {
    let (_dir, portal) = portal();
    let mut http = portal.client();
    http.set_clock(T0).await;
    for round in 0..5 {
        let name = format!("victim-{round}");
        let (suite, secret) = user_with_card(&portal, &name);
        let (login_id, _, right) = card_login(&mut http, &name, &suite, &secret).await;
        let path = format!("/api/login/{login_id}/response");
        flood(std::slice::from_ref(&portal.base), &path, &right, 50, 2).await;
        let shown = show(Path::new(BIN), &portal.db(), &name);
        assert_eq!(shown[0].locked_until, T0 + 900, "{shown:?}");
        assert_eq!(
            events(&portal, &name, "factor_locked"),
            1,
            "round {round}: the factor is locked, the log does not say so"
        );
    }
}
