//! The soft token's side over real HTTP: activation by SMS code, Add User, migration to a new
//! device, push approval with number matching, and the server-sent events of the token page and
//! the demo phone.

use std::time::Duration;

use crate::harness::in_process::*;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde_json::{json, Value};

/// Activates `username`'s token on `device` through the API, with the code from the demo phone;
/// returns the activation answer.
async fn activate(client: &mut Client, username: &str, device: &str) -> Value {
    let started = client
        .post(
            "/api/token/activate",
            json!({ "username": username, "password": PASSWORD, "deviceId": device }),
        )
        .await;
    let id = started.ok()["activationId"].as_str().unwrap().to_owned();
    let code = client.last_code().await;
    assert_eq!(code.len(), 8);
    let done = client
        .post(
            &format!("/api/token/activate/{id}"),
            json!({ "code": code, "deviceId": device }),
        )
        .await;
    done.ok().clone()
}

/// The device handle and key (hex) of an activation answer.
fn credential(activated: &Value) -> (String, String) {
    (
        activated["deviceHandle"].as_str().unwrap().to_owned(),
        activated["deviceKey"].as_str().unwrap().to_owned(),
    )
}

/// A full challenge/response login with a token's secret; returns the outcome.
async fn token_login(server: &Server, username: &str, factor: u64, secret: &str) -> Value {
    let mut browser = server.client();
    let (login, _) = browser.login(username, PASSWORD).await;
    let prompt = browser.choose(&login, factor).await;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    let response = ocra_response(SOFT_SUITE, secret, &challenge, None);
    browser.respond(&login, &response).await.ok().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn activation_add_user_and_migration() {
    let server = start().await;
    server.account("bob", &[("mobile", sms("+41790000002"))]);
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut token = server.client();

    // Activation: the code goes by SMS; a wrong one is counted.
    let started = token
        .post(
            "/api/token/activate",
            json!({ "username": "bob", "password": PASSWORD, "deviceId": "device-1" }),
        )
        .await;
    let body = started.ok().clone();
    assert_eq!(body["expiresAt"], T0 + 600);
    let messages = token.messages().await;
    let code = token.last_code().await;
    assert_eq!(
        messages.last().unwrap()["text"],
        format!("Your secure-login activation code is {code}. Never share it: secure-login will never ask you for it.\n\n@localhost #{code}")
    );
    let path = format!(
        "/api/token/activate/{}",
        body["activationId"].as_str().unwrap()
    );
    let refused = token
        .post(
            &path,
            json!({ "code": wrong(&code), "deviceId": "device-1" }),
        )
        .await;
    assert_eq!(
        refused.ok(),
        &json!({ "outcome": "wrong_code", "attemptsLeft": 9 })
    );
    let done = token
        .post(&path, json!({ "code": code, "deviceId": "device-1" }))
        .await;
    let bob = done.ok().clone();
    assert_eq!(bob["outcome"], "activated");
    assert_eq!(bob["username"], "bob");
    assert_eq!(bob["issuer"], "secure-login");
    assert_eq!(bob["suite"], SOFT_SUITE);
    let bob_secret = bob["secret"].as_str().unwrap().to_owned();
    assert_eq!(bob_secret.len(), 64, "a 256-bit secret for SHA-256");
    let bob_factor = bob["factorId"].as_u64().unwrap();
    // The device credential: a handle and a 256-bit key, neither the device id.
    let (bob_handle, bob_key) = credential(&bob);
    assert_eq!(bob_key.len(), 64);
    assert!(!done.text.contains("device-1"), "{}", done.text);
    // The answer lost: the same device with the same code fetches it again; no other device.
    let again = token
        .post(&path, json!({ "code": code, "deviceId": "device-1" }))
        .await;
    assert_eq!(again.ok(), &bob);
    let elsewhere = token
        .post(&path, json!({ "code": code, "deviceId": "device-9" }))
        .await;
    assert_eq!(elsewhere.ok()["outcome"], "wrong_code");
    assert_eq!(
        token_login(&server, "bob", bob_factor, &bob_secret).await,
        json!({ "outcome": "success", "username": "bob" })
    );

    // Add User: alice on the same device; both answer pushes there.
    let alice = activate(&mut token, "alice", "device-1").await;
    assert_eq!(alice["outcome"], "activated");
    let alice_secret = alice["secret"].as_str().unwrap().to_owned();
    assert_ne!(alice_secret, bob_secret);
    assert_eq!(
        token_login(
            &server,
            "alice",
            alice["factorId"].as_u64().unwrap(),
            &alice_secret
        )
        .await["outcome"],
        "success"
    );
    let mut login_page = server.client();
    let (alice_login, _) = login_page.login("alice", PASSWORD).await;
    let (bob_login, _) = login_page.login("bob", PASSWORD).await;
    login_page
        .post(&format!("/api/login/{alice_login}/push"), json!({}))
        .await
        .ok();
    login_page
        .post(&format!("/api/login/{bob_login}/push"), json!({}))
        .await
        .ok();
    // Each user of the token proves itself with its own credential and hears its own push.
    let (alice_handle, alice_key) = credential(&alice);
    assert_ne!(alice_handle, bob_handle);
    let alices = token.pushes_of(&alice_handle, &alice_key).await;
    assert_eq!(alices.ok()[0]["username"], "alice");
    assert_eq!(alices.body.as_array().unwrap().len(), 1);
    let bobs = token.pushes_of(&bob_handle, &bob_key).await;
    assert_eq!(bobs.ok()[0]["username"], "bob");
    assert_eq!(bobs.body.as_array().unwrap().len(), 1);
    // The other's key proves nothing.
    let crossed = token.prove(&bob_handle, &alice_key, "pushes", "").await;
    token
        .post("/api/token/pushes", crossed)
        .await
        .assert_error(409, "NotAllowed");

    // Migration: bob moves to device-2; the old token stops working. bob has a token now, so
    // no SMS is sent: his account page shows a device code after a login with the old token.
    token.set_clock(T0 + 121).await;
    let activation_codes = |messages: Vec<serde_json::Value>| {
        messages
            .iter()
            .filter(|m| m["text"].as_str().unwrap().contains("activation code"))
            .count()
    };
    let sent = activation_codes(token.messages().await);
    let started = token
        .post(
            "/api/token/activate",
            json!({ "username": "bob", "password": PASSWORD, "deviceId": "device-2" }),
        )
        .await;
    let id = started.ok()["activationId"].as_str().unwrap().to_owned();
    assert_eq!(
        activation_codes(token.messages().await),
        sent,
        "no activation SMS"
    );
    let mut account_page = server.client();
    let (login, _) = account_page.login("bob", PASSWORD).await;
    let prompt = account_page.choose(&login, bob_factor).await;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    let response = ocra_response(SOFT_SUITE, &bob_secret, &challenge, None);
    account_page.respond(&login, &response).await.ok();
    let shown = account_page
        .post("/api/account/device-code", json!({}))
        .await;
    let device_code = shown.ok()["code"].as_str().unwrap().to_owned();
    assert_eq!(shown.body["expiresAt"], T0 + 121 + 600);
    let moved = token
        .post(
            &format!("/api/token/activate/{id}"),
            json!({ "code": device_code, "deviceId": "device-2" }),
        )
        .await
        .ok()
        .clone();
    assert_eq!(moved["outcome"], "activated");
    let new_secret = moved["secret"].as_str().unwrap().to_owned();
    let new_factor = moved["factorId"].as_u64().unwrap();
    // Through the cooling-off the old token still signs in (bob could undo a move that was
    // not his), and the account page offers the undo; then it stops.
    let mut owner = server.client();
    let (login, listed) = owner.login("bob", PASSWORD).await;
    // The login lists the new token first and the old one last, with the end of its days.
    let tokens: Vec<&Value> = listed
        .iter()
        .filter(|f| f["kind"] == "soft_token")
        .collect();
    assert_eq!(tokens.len(), 2, "{listed:?}");
    assert_eq!(tokens[0]["id"], new_factor);
    assert_eq!(tokens[0].get("retiresAt"), None);
    assert_eq!(tokens[1]["id"], bob_factor);
    assert_eq!(tokens[1]["retiresAt"], T0 + 121 + 86_400);
    let prompt = owner.choose(&login, bob_factor).await;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    let response = ocra_response(SOFT_SUITE, &bob_secret, &challenge, None);
    assert_eq!(
        owner.respond(&login, &response).await.ok()["outcome"],
        "success"
    );
    let page = owner.get("/api/account").await;
    // Both of the day's bindings: the first token, and the move.
    let changes = page.ok()["changes"].as_array().unwrap().clone();
    assert_eq!(changes.len(), 2, "{}", page.text);
    assert_eq!(changes[1]["kind"], "token");
    assert_eq!(changes[1]["factorId"], new_factor);
    assert_eq!(changes[1]["replaces"], json!([bob_factor]));
    assert_eq!(changes[1]["until"], T0 + 121 + 86_400);
    assert_eq!(page.body["factors"][1]["retiresAt"], T0 + 121 + 86_400);
    token.set_clock(T0 + 121 + 86_400).await;
    let mut browser = server.client();
    let (login, factors) = browser.login("bob", PASSWORD).await;
    let tokens: Vec<&Value> = factors
        .iter()
        .filter(|f| f["kind"] == "soft_token")
        .collect();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["id"], new_factor);
    browser
        .choose(&login, bob_factor)
        .await
        .assert_error(404, "NotFound");
    assert_eq!(
        token_login(&server, "bob", new_factor, &new_secret).await["outcome"],
        "success"
    );
    // bob's pushes now go to the new device only.
    let (next, _) = browser.login("bob", PASSWORD).await;
    browser
        .post(&format!("/api/login/{next}/push"), json!({}))
        .await
        .ok();
    // The retired token's credential names nothing any more.
    token
        .post("/api/token/challenge", json!({ "handle": bob_handle }))
        .await
        .assert_error(409, "NotAllowed");
    let (new_handle, new_key) = credential(&moved);
    let listed = token.pushes_of(&new_handle, &new_key).await;
    assert_eq!(listed.ok()[0]["username"], "bob");
    assert_eq!(listed.body[0]["factorId"], new_factor);
}

#[tokio::test(flavor = "multi_thread")]
async fn activation_refusals() {
    let server = start().await;
    server.account("bob", &[("mobile", sms("+41790000002"))]);
    server.account("nophone", &[("app", totp_factor())]);
    let mut token = server.client();
    // A wrong password and an account without a phone answer as a right one does (no password
    // oracle): an activation id that no code completes, and no message.
    let mut decoys = Vec::new();
    for (name, password) in [("bob", "wrong password"), ("nophone", PASSWORD)] {
        let answer = token
            .post(
                "/api/token/activate",
                json!({ "username": name, "password": password, "deviceId": "d1" }),
            )
            .await;
        let keys: Vec<&String> = answer.ok().as_object().unwrap().keys().collect();
        assert_eq!(keys, ["activationId", "delivery", "expiresAt"], "{name}");
        assert_eq!(answer.body["delivery"], "sent", "{name}");
        decoys.push(answer.ok()["activationId"].as_str().unwrap().to_owned());
    }
    assert!(token.messages().await.is_empty());
    token
        .post(
            "/api/token/activate",
            json!({ "username": "bob", "password": PASSWORD, "deviceId": "not a device!" }),
        )
        .await
        .assert_error(400, "InvalidInput");
    let started = token
        .post(
            "/api/token/activate",
            json!({ "username": "bob", "password": PASSWORD, "deviceId": "d1" }),
        )
        .await;
    let id = started.ok()["activationId"].as_str().unwrap().to_owned();
    let keys: Vec<&String> = started.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["activationId", "delivery", "expiresAt"]);
    assert_eq!(started.body["delivery"], "sent");
    // A second code within 2 minutes is not sent, and the answer says nothing of it either.
    let again = token
        .post(
            "/api/token/activate",
            json!({ "username": "bob", "password": PASSWORD, "deviceId": "d1" }),
        )
        .await;
    assert_eq!(again.ok()["delivery"], "sent");
    decoys.push(again.ok()["activationId"].as_str().unwrap().to_owned());
    assert_eq!(token.messages().await.len(), 1);
    let code = token.last_code().await;
    for decoy in &decoys {
        let answer = token
            .post(
                &format!("/api/token/activate/{decoy}"),
                json!({ "code": code, "deviceId": "d1" }),
            )
            .await;
        assert_eq!(answer.ok()["outcome"], "wrong_code");
    }
    // Another device cannot use the code.
    let other = token
        .post(
            &format!("/api/token/activate/{id}"),
            json!({ "code": code, "deviceId": "d2" }),
        )
        .await;
    assert_eq!(other.ok()["outcome"], "wrong_code");
    token
        .post(
            &format!("/api/token/activate/{id}"),
            json!({ "code": "12ab", "deviceId": "d1" }),
        )
        .await
        .assert_error(400, "InvalidInput");
    token
        .post(
            "/api/token/activate/ffffffffffffffffffffffffffffffff",
            json!({ "code": code, "deviceId": "d1" }),
        )
        .await
        .assert_error(404, "NotFound");
    token.set_clock(T0 + 600).await;
    let late = token
        .post(
            &format!("/api/token/activate/{id}"),
            json!({ "code": code, "deviceId": "d1" }),
        )
        .await;
    assert_eq!(late.ok(), &json!({ "outcome": "expired" }));
}

#[tokio::test(flavor = "multi_thread")]
async fn push_with_number_matching() {
    let server = start().await;
    server.account(
        "alice",
        &[("IB Key", soft_token("dev-a")), ("app", totp_factor())],
    );
    let mut login_page = server.client();
    let mut token = server.client();
    let (login, _) = login_page.login("alice", PASSWORD).await;
    let status = format!("/api/login/{login}/status");
    assert_eq!(
        login_page.get(&status).await.ok(),
        &json!({ "status": "pending" })
    );

    let push = login_page
        .post(&format!("/api/login/{login}/push"), json!({}))
        .await;
    let push = push.ok().clone();
    let request = push["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push["number"].as_u64().unwrap()).unwrap();
    assert!((10..=99).contains(&number));
    assert_eq!(push["expiresAt"], T0 + 120);

    // The token lists the request, without the number.
    let listed = token.pushes("dev-a").await;
    assert_eq!(
        listed.ok(),
        &json!([{ "requestId": request, "username": "alice", "factorId": 1, "expiresAt": T0 + 120 }])
    );
    assert!(!listed.text.contains("\"number\""));
    // A handle no token has: refused like a wrong proof.
    token
        .post(
            "/api/token/challenge",
            json!({ "handle": handle_of("dev-b") }),
        )
        .await
        .assert_error(409, "NotAllowed");

    // The wrong number is refused and counted against this push (never the factor).
    let other = if number == 99 { 10 } else { number + 1 };
    let answer = format!("/api/push/{request}");
    let refused = token
        .answer(
            &answer,
            "dev-a",
            json!({ "decision": "approve", "mac": push_mac(SOFT_SECRET, &request, other, true) }),
        )
        .await;
    assert_eq!(
        refused.ok(),
        &json!({ "answer": "rejected", "attemptsLeft": 2 })
    );
    assert_eq!(login_page.get(&status).await.ok()["status"], "pending");
    token
        .answer(
            &answer,
            "dev-a",
            json!({ "decision": "approve", "mac": "zz" }),
        )
        .await
        .assert_error(400, "InvalidInput");
    token
        .answer(
            &answer,
            "dev-a",
            json!({ "decision": "maybe", "mac": push_mac(SOFT_SECRET, &request, number, true) }),
        )
        .await
        .assert_error(400, "InvalidInput");

    // The right one logs the browser in.
    let mac = push_mac(SOFT_SECRET, &request, number, true);
    let approved = token
        .answer(
            &answer,
            "dev-a",
            json!({ "decision": "approve", "mac": mac }),
        )
        .await;
    assert_eq!(approved.ok(), &json!({ "answer": "approved" }));
    assert_eq!(
        login_page.get(&status).await.ok(),
        &json!({ "status": "succeeded" })
    );
    let session = login_page
        .post(&format!("/api/login/{login}/session"), json!({}))
        .await;
    assert_eq!(session.ok(), &json!({ "username": "alice" }));
    assert!(login_page.cookie.is_some());
    assert_eq!(
        login_page.get("/api/account").await.ok()["username"],
        "alice"
    );
    // Answered: gone from the list; the same approval again is refused.
    assert_eq!(token.pushes("dev-a").await.ok(), &json!([]));
    let replay = token
        .answer(
            &answer,
            "dev-a",
            json!({ "decision": "approve", "mac": mac }),
        )
        .await;
    assert_eq!(replay.ok()["answer"], "rejected");
    token
        .answer(
            "/api/push/00000000000000000000000000000000",
            "dev-a",
            json!({ "decision": "approve", "mac": mac }),
        )
        .await
        .assert_error(404, "NotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn push_denied_expired_and_throttled() {
    let server = start().await;
    server.account("alice", &[("IB Key", soft_token("dev-a"))]);
    server.account("nokey", &[("app", totp_factor())]);
    let mut page = server.client();
    let (login, _) = page.login("alice", PASSWORD).await;
    let push = page
        .post(&format!("/api/login/{login}/push"), json!({}))
        .await;
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.body["number"].as_u64().unwrap()).unwrap();
    // Within 30 s, no second push.
    page.post(&format!("/api/login/{login}/push"), json!({}))
        .await
        .assert_error(429, "Throttled");
    let denied = page
        .answer(
            &format!("/api/push/{request}"),
            "dev-a",
            json!({ "decision": "deny", "mac": push_mac(SOFT_SECRET, &request, number, false) }),
        )
        .await;
    assert_eq!(denied.ok(), &json!({ "answer": "denied" }));
    assert_eq!(
        page.get(&format!("/api/login/{login}/status")).await.ok(),
        &json!({ "status": "denied" })
    );
    page.post(&format!("/api/login/{login}/session"), json!({}))
        .await
        .assert_error(409, "NotAllowed");

    page.set_clock(T0 + 31).await;
    let (second, _) = page.login("alice", PASSWORD).await;
    let push = page
        .post(&format!("/api/login/{second}/push"), json!({}))
        .await;
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.body["number"].as_u64().unwrap()).unwrap();
    page.set_clock(T0 + 31 + 120).await;
    let late = page
        .answer(
            &format!("/api/push/{request}"),
            "dev-a",
            json!({ "decision": "approve", "mac": push_mac(SOFT_SECRET, &request, number, true) }),
        )
        .await;
    assert_eq!(late.ok(), &json!({ "answer": "expired" }));

    let (other, _) = page.login("nokey", PASSWORD).await;
    page.post(&format!("/api/login/{other}/push"), json!({}))
        .await
        .assert_error(409, "NotAllowed");
}

/// Reads server-sent events from a streaming response.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(client: &Client, path: &str) -> Self {
        let response = client.http.get(client.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event with a name: (name, data as JSON).
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(n) = line.strip_prefix("event: ") {
                        name = Some(n.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data.push_str(d);
                    }
                }
                if let Some(name) = name {
                    return (name, serde_json::from_str(&data).unwrap());
                }
                continue; // a keep-alive comment
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream goes on");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_page_hears_of_pushes_as_they_come_and_go() {
    let server = start().await;
    server.account("alice", &[("IB Key", soft_token("dev-a"))]);
    let mut page = server.client();
    let fields = page
        .prove(&handle_of("dev-a"), DEVICE_KEY, "stream", "")
        .await;
    let ticket = page.post("/api/token/stream", fields).await;
    let ticket = ticket.ok()["ticket"].as_str().unwrap().to_owned();
    let stream = format!("/api/token/events/{ticket}");
    let mut events = Events::open(&page, &stream).await;
    // The ticket opened one stream: not a second.
    page.get(&stream).await.assert_error(409, "NotAllowed");
    assert_eq!(events.next().await, ("pushes".to_owned(), json!([])));

    let (login, _) = page.login("alice", PASSWORD).await;
    let push = page
        .post(&format!("/api/login/{login}/push"), json!({}))
        .await;
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.body["number"].as_u64().unwrap()).unwrap();
    let (name, list) = events.next().await;
    assert_eq!(name, "pushes");
    assert_eq!(list[0]["requestId"], request.as_str());
    assert_eq!(list[0]["username"], "alice");

    page.answer(
        &format!("/api/push/{request}"),
        "dev-a",
        json!({ "decision": "approve", "mac": push_mac(SOFT_SECRET, &request, number, true) }),
    )
    .await
    .ok();
    assert_eq!(events.next().await, ("pushes".to_owned(), json!([])));
    // And again every few seconds, as a keep-alive.
    let started = std::time::Instant::now();
    assert_eq!(events.next().await, ("pushes".to_owned(), json!([])));
    assert!(started.elapsed() >= Duration::from_secs(3));
    page.get("/api/token/events/bad%20id")
        .await
        .assert_error(400, "InvalidInput");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_phone_hears_of_each_message() {
    let server = start().await;
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut page = server.client();
    let mut events = Events::open(&page, "/api/phone/events").await;
    let (login, _) = page.login("alice", PASSWORD).await;
    page.choose(&login, 1).await.ok();
    let (name, message) = events.next().await;
    assert_eq!(name, "message");
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["to"], PHONE);
    assert_eq!(message["at"], T0);
    assert_eq!(message, page.messages().await[0]);
    assert_eq!(message["id"], 1);
}
