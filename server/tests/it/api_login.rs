//! Logins over real HTTP, one per kind of second factor, and what goes around them: M2FS,
//! the resend throttle, lockout, sessions, the account page, phone change, TOTP enrollment.

use crate::harness::in_process::*;
use reqwest::header::SET_COOKIE;
use secure_login_otp::hex_encode;
use serde_json::{json, Value};

/// Asserts a success that set the session cookie with every attribute.
#[track_caller]
fn assert_signed_in(answer: &Answer, username: &str) {
    assert_eq!(
        answer.ok(),
        &json!({ "outcome": "success", "username": username })
    );
    let cookie = answer.headers[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("sl_session="), "{cookie}");
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sl_session=");
    assert_eq!(value.len(), 64, "a 256-bit id in hex: {cookie}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
}

/// Password, then the account's first factor (its SMS), then the code from the outbox.
async fn sign_in_by_sms(browser: &mut Client, username: &str) {
    let (login, _) = browser.login(username, PASSWORD).await;
    browser.choose(&login, 1).await.ok();
    let code = browser.last_code().await;
    assert_signed_in(&browser.respond(&login, &code).await, username);
}

#[tokio::test(flavor = "multi_thread")]
async fn soft_token_challenge_response() {
    let server = start().await;
    server.account("alice", &[("IB Key", soft_token("dev-a"))]);
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    assert_eq!(
        factors,
        vec![json!({ "id": 1, "kind": "soft_token", "label": "IB Key" })]
    );
    let prompt = browser.choose(&login, 1).await;
    let prompt = prompt.ok();
    assert_eq!(prompt["prompt"], "challenge");
    assert_eq!(prompt["responseDigits"], 8);
    assert_eq!(prompt["expiresAt"], T0 + 180);
    let challenge = prompt["challenge"].as_str().unwrap();
    assert_eq!(challenge.len(), 8);
    let response = ocra_response(SOFT_SUITE, SOFT_SECRET, challenge, None);
    assert_signed_in(&browser.respond(&login, &response).await, "alice");
    assert_eq!(browser.get("/api/account").await.ok()["username"], "alice");
    // The same response again is refused like a wrong one, and opens nothing.
    let mut replay = server.client();
    let again = replay.respond(&login, &response).await;
    assert_eq!(again.ok()["outcome"], "wrong_code");
    assert!(again.headers.get(SET_COOKIE).is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn authenticator_app_code_and_its_replay() {
    let server = start().await;
    server.account("alice", &[("app", totp_factor())]);
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    let totp = Client::factor(&factors, "totp");
    assert_eq!(
        browser.choose(&login, totp).await.ok(),
        &json!({ "prompt": "code", "digits": 6 })
    );
    let code = totp_code(TOTP_SECRET, T0);
    assert_signed_in(&browser.respond(&login, &code).await, "alice");

    let mut other = server.client();
    let (second, _) = other.login("alice", PASSWORD).await;
    other.choose(&second, totp).await.ok();
    let replayed = other.respond(&second, &code).await;
    assert_eq!(
        replayed.ok(),
        &json!({ "outcome": "wrong_code", "attemptsLeft": 9 })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sms_code_from_the_outbox() {
    let server = start().await;
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    assert_eq!(factors[0]["phone"], "•••••••••01");
    let prompt = browser
        .choose(&login, Client::factor(&factors, "sms"))
        .await;
    assert_eq!(
        prompt.ok(),
        &json!({
            "prompt": "code_sent", "channel": "sms", "to": "•••••••••01", "digits": 6,
            "expiresAt": T0 + 600, "resendAfter": T0 + 120, "delivery": "sent",
        })
    );
    let messages = browser.messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["channel"], "sms");
    assert_eq!(messages[0]["to"], PHONE);
    assert_eq!(messages[0]["at"], T0);
    let code = browser.last_code().await;
    assert_eq!(
        messages[0]["text"],
        format!(
            "Your secure-login code is {code}. Never share it: secure-login will never ask you for it.\n\n@localhost #{code}"
        )
    );
    assert_eq!(
        browser.respond(&login, &wrong(&code)).await.ok()["attemptsLeft"],
        9
    );
    assert_signed_in(&browser.respond(&login, &code).await, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn voice_call_reads_the_code() {
    let server = start().await;
    server.account("alice", &[("call me", voice(PHONE))]);
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    let prompt = browser
        .choose(&login, Client::factor(&factors, "voice"))
        .await;
    assert_eq!(prompt.ok()["channel"], "voice");
    let messages = browser.messages().await;
    let text = messages[0]["text"].as_str().unwrap();
    assert!(text.starts_with("Your secure-login code is "), "{text}");
    let code = browser.last_code().await;
    let spoken: Vec<String> = code.chars().map(String::from).collect();
    assert_eq!(
        text,
        format!(
            "Your secure-login code is {}. Never share it.",
            spoken.join(", ")
        )
    );
    assert_eq!(messages[0]["channel"], "voice");
    assert_signed_in(&browser.respond(&login, &code).await, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn temporary_passcode_once_and_until_it_expires() {
    let server = start().await;
    let id = server.account("carol", &[]);
    let issued = server
        .state
        .verifier
        .issue_temporary_passcode(&id, 3600)
        .unwrap();
    let mut browser = server.client();
    let (login, factors) = browser.login("carol", PASSWORD).await;
    let factor = Client::factor(&factors, "temporary_passcode");
    assert_eq!(
        browser.choose(&login, factor).await.ok(),
        &json!({ "prompt": "passcode" })
    );
    assert_signed_in(&browser.respond(&login, &issued.passcode).await, "carol");

    // Used: gone from the list, and refused if named.
    let mut again = server.client();
    let (second, factors) = again.login("carol", PASSWORD).await;
    assert!(factors.is_empty(), "{factors:?}");
    again
        .choose(&second, factor)
        .await
        .assert_error(404, "NotFound");

    // Another passcode, too late.
    let late = server
        .state
        .verifier
        .issue_temporary_passcode(&id, 60)
        .unwrap();
    let (third, factors) = again.login("carol", PASSWORD).await;
    let factor = Client::factor(&factors, "temporary_passcode");
    again.choose(&third, factor).await.ok();
    again.set_clock(T0 + 61).await;
    let refused = again.respond(&third, &late.passcode).await;
    assert_eq!(refused.ok()["outcome"], "wrong_code");
}

#[tokio::test(flavor = "multi_thread")]
async fn security_card_with_its_pin() {
    let server = start().await;
    let id = server.account("alice", &[]);
    let card = server.state.verifier.issue_card(&id, "4711").unwrap();
    let secret = hex_encode(card.secret.expose_secret());
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    let factor = Client::factor(&factors, "security_card");
    let prompt = browser.choose(&login, factor).await;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    assert_eq!(challenge.len(), 6);
    assert_eq!(prompt.body["responseDigits"], 8);
    // The wrong PIN gives a plausible response that is refused and counted.
    let with_wrong_pin = ocra_response(&card.suite, &secret, &challenge, Some("1234"));
    assert_eq!(
        browser.respond(&login, &with_wrong_pin).await.ok()["attemptsLeft"],
        9
    );
    let right = ocra_response(&card.suite, &secret, &challenge, Some("4711"));
    assert_signed_in(&browser.respond(&login, &right).await, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn m2fs_lists_every_factor_and_any_may_be_chosen() {
    let server = start().await;
    server.account(
        "alice",
        &[
            ("IB Key", soft_token("dev-a")),
            ("app", totp_factor()),
            ("mobile", sms(PHONE)),
            ("mobile (voice)", voice(PHONE)),
        ],
    );
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    let kinds: Vec<&str> = factors
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["soft_token", "totp", "sms", "voice"]);
    assert!(factors[0].get("phone").is_none());
    // Changing one's mind: first the token, then the app.
    assert_eq!(browser.choose(&login, 1).await.ok()["prompt"], "challenge");
    assert_eq!(browser.choose(&login, 2).await.ok()["prompt"], "code");
    assert_signed_in(
        &browser.respond(&login, &totp_code(TOTP_SECRET, T0)).await,
        "alice",
    );
    // Once complete, no more choosing.
    browser
        .choose(&login, 3)
        .await
        .assert_error(409, "NotAllowed");
    browser
        .choose("0123456789abcdef0123456789abcdef", 3)
        .await
        .assert_error(404, "NotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn resend_is_refused_at_119_s_and_allowed_at_121_s() {
    let server = start().await;
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    browser
        .choose(&login, Client::factor(&factors, "sms"))
        .await
        .ok();
    let first = browser.last_code().await;
    let resend = format!("/api/login/{login}/resend");

    browser.set_clock(T0 + 119).await;
    let early = browser.post(&resend, json!({ "channel": "sms" })).await;
    early.assert_error(429, "Throttled");
    assert_eq!(early.body["error"]["retryAfter"], 1);
    assert_eq!(early.headers["retry-after"], "1");
    assert_eq!(browser.messages().await.len(), 1);

    browser.set_clock(T0 + 121).await;
    let again = browser.post(&resend, json!({ "channel": "voice" })).await;
    assert_eq!(again.ok()["channel"], "voice");
    assert_eq!(again.body["resendAfter"], T0 + 241);
    assert_eq!(browser.messages().await.len(), 2);
    let second = browser.last_code().await;
    // Only the newest code works.
    if first != second {
        assert_eq!(
            browser.respond(&login, &first).await.ok()["outcome"],
            "wrong_code"
        );
    }
    assert_signed_in(&browser.respond(&login, &second).await, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_failures_lock_the_factor_even_for_the_right_code() {
    let server = start().await;
    server.account("alice", &[("app", totp_factor()), ("mobile", sms(PHONE))]);
    let mut browser = server.client();
    let (login, factors) = browser.login("alice", PASSWORD).await;
    let totp = Client::factor(&factors, "totp");
    browser.choose(&login, totp).await.ok();
    let right = totp_code(TOTP_SECRET, T0);
    for attempt in 1..=9u64 {
        let answer = browser.respond(&login, &wrong(&right)).await;
        assert_eq!(
            answer.ok(),
            &json!({ "outcome": "wrong_code", "attemptsLeft": 10 - attempt })
        );
    }
    let tenth = browser.respond(&login, &wrong(&right)).await;
    assert_eq!(
        tenth.ok(),
        &json!({ "outcome": "locked", "until": T0 + 900 })
    );
    let refused = browser.respond(&login, &right).await;
    assert_eq!(
        refused.ok(),
        &json!({ "outcome": "locked", "until": T0 + 900 })
    );
    // The account page (after another factor) shows the lock.
    let (other, _) = browser.login("alice", PASSWORD).await;
    browser
        .choose(&other, Client::factor(&factors, "sms"))
        .await
        .ok();
    let code = browser.last_code().await;
    assert_signed_in(&browser.respond(&other, &code).await, "alice");
    let account = browser.get("/api/account").await;
    let events = account.ok()["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["kind"] == "factor_locked"
        && e["factor"] == totp
        && e["detail"] == format!("until {}", T0 + 900)));
    // At the end of the lock, the right code of the time goes through.
    browser.set_clock(T0 + 900).await;
    let (late, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&late, totp).await.ok();
    let now_code = totp_code(TOTP_SECRET, T0 + 900);
    assert_signed_in(&browser.respond(&late, &now_code).await, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_end_at_logout_and_one_login_opens_one_session() {
    let server = start().await;
    server.account("alice", &[("app", totp_factor())]);
    let mut browser = server.client();
    browser
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    let (login, _) = browser.login("alice", PASSWORD).await;
    // Not complete yet: no session.
    browser
        .post(&format!("/api/login/{login}/session"), json!({}))
        .await
        .assert_error(409, "NotAllowed");
    browser.choose(&login, 1).await.ok();
    assert_signed_in(
        &browser.respond(&login, &totp_code(TOTP_SECRET, T0)).await,
        "alice",
    );
    let cookie = browser.cookie.clone();
    // The login is complete, but it opened its session already.
    let mut thief = server.client();
    thief
        .post(&format!("/api/login/{login}/session"), json!({}))
        .await
        .assert_error(409, "NotAllowed");
    assert_eq!(
        thief.get(&format!("/api/login/{login}/status")).await.ok(),
        &json!({ "status": "succeeded" })
    );

    let out = browser.post("/api/logout", json!({})).await;
    assert_eq!(out.ok(), &json!({}));
    let cleared = out.headers[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("sl_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(browser.cookie, None);
    browser
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    // The old cookie is dead too.
    browser.cookie = cookie;
    browser
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    // A made-up cookie is nobody.
    browser.cookie = Some(format!("sl_session={}", "ab".repeat(32)));
    browser
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    // Logging out without a session is harmless.
    assert_eq!(
        server.client().post("/api/logout", json!({})).await.ok(),
        &json!({})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_expire() {
    let server = start().await;
    server.account("alice", &[("app", totp_factor())]);
    let mut browser = server.client();
    let (login, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&login, 1).await.ok();
    assert_signed_in(
        &browser.respond(&login, &totp_code(TOTP_SECRET, T0)).await,
        "alice",
    );
    // Idle for 30 minutes: signed out.
    browser.set_clock(T0 + 1799).await;
    browser.get("/api/account").await.ok();
    browser.set_clock(T0 + 1799 + 1800).await;
    browser
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    // Active, every 25 minutes: signed out after 12 hours all the same.
    let (login, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&login, 1).await.ok();
    let start = T0 + 3600;
    browser.set_clock(start).await;
    assert_signed_in(
        &browser
            .respond(&login, &totp_code(TOTP_SECRET, start))
            .await,
        "alice",
    );
    let mut at = start;
    while at + 1500 < start + 12 * 3600 {
        at += 1500;
        browser.set_clock(at).await;
        browser.get("/api/account").await.ok();
    }
    browser.set_clock(start + 12 * 3600).await;
    browser
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_account_page_shows_factors_and_events() {
    let server = start().await;
    server.account("alice", &[("mobile", sms(PHONE)), ("app", totp_factor())]);
    let mut browser = server.client();
    let (login, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&login, 1).await.ok();
    let code = browser.last_code().await;
    browser.respond(&login, &wrong(&code)).await.ok();
    assert_signed_in(&browser.respond(&login, &code).await, "alice");
    let account = browser.get("/api/account").await;
    let body = account.ok();
    assert_eq!(body["username"], "alice");
    assert_eq!(
        body["factors"],
        json!([
            { "id": 1, "kind": "sms", "label": "mobile", "phone": "•••••••••01",
              "createdAt": T0, "lastUsed": T0 },
            { "id": 2, "kind": "totp", "label": "app", "createdAt": T0, "lastUsed": null },
        ])
    );
    let kinds: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // Newest first.
    assert_eq!(
        kinds[..5],
        [
            "login_succeeded",
            "code_rejected",
            "message_sent",
            "message_queued",
            "password_accepted"
        ]
    );
    let sent = &body["events"][2];
    assert_eq!(sent["at"], T0);
    assert_eq!(sent["factor"], 1);
    assert_eq!(sent["detail"], "sms to •••••••••01, attempt 1");
    assert_eq!(body["events"][3]["detail"], "sms to •••••••••01");
    // No secret and no full number anywhere on the page.
    assert!(!account.text.contains(PHONE) && !account.text.contains(&code));
}

#[tokio::test(flavor = "multi_thread")]
async fn phone_change_only_soon_after_a_second_factor_and_only_by_the_new_numbers_code() {
    let server = start().await;
    server.account("alice", &[("mobile", sms(PHONE)), ("app", totp_factor())]);
    let mut browser = server.client();
    browser
        .post("/api/account/phone", json!({ "phone": "+41 79 999 99 99" }))
        .await
        .assert_error(401, "NotSignedIn");
    let (login, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&login, 2).await.ok();
    assert_signed_in(
        &browser.respond(&login, &totp_code(TOTP_SECRET, T0)).await,
        "alice",
    );
    browser
        .post("/api/account/phone", json!({ "phone": "call me maybe" }))
        .await
        .assert_error(400, "InvalidInput");
    let started = browser
        .post("/api/account/phone", json!({ "phone": "+41 79 999 99 99" }))
        .await;
    assert_eq!(started.ok()["to"], "•••••••••99");
    assert_eq!(started.ok()["delivery"], "sent");
    let change = started.ok()["changeId"].as_str().unwrap().to_owned();
    let sent = browser.messages().await.last().unwrap().clone();
    assert_eq!(sent["to"], "+41799999999");
    let code = code_of(sent["text"].as_str().unwrap());
    let confirm = format!("/api/account/phone/{change}/confirm");
    let unchanged = browser.get("/api/account").await;
    assert!(
        unchanged.text.contains("•••••••••01"),
        "bound only by the code"
    );
    let answer = browser
        .post(&confirm, json!({ "code": wrong(&code) }))
        .await;
    assert_eq!(
        answer.ok(),
        &json!({ "outcome": "wrong_code", "attemptsLeft": 9 })
    );
    let answer = browser.post(&confirm, json!({ "code": code })).await;
    assert_eq!(answer.ok(), &json!({ "outcome": "changed" }));
    // The old number is told, with no code in the text.
    let messages = browser
        .messages_until(|m| m["to"] == PHONE && m["at"] == T0)
        .await;
    let notice = messages
        .iter()
        .find(|m| m["to"] == PHONE && m["at"] == T0)
        .unwrap();
    let text = notice["text"].as_str().unwrap();
    assert!(
        text.contains("no longer sends codes to this number"),
        "{text}"
    );
    assert!(!text.chars().any(|c| c.is_ascii_digit()), "no code: {text}");
    let account = browser.get("/api/account").await;
    let factors = account.ok()["factors"].as_array().unwrap().clone();
    assert!(factors
        .iter()
        .any(|f| f["kind"] == "sms" && f["phone"] == "•••••••••99"));
    assert!(!factors.iter().any(|f| f["phone"] == "•••••••••01"));
    // The next code (once the 2-minute throttle allows one) goes to the new number.
    let mut other = server.client();
    other.set_clock(T0 + 120).await;
    let (next, factors) = other.login("alice", PASSWORD).await;
    other
        .choose(&next, Client::factor(&factors, "sms"))
        .await
        .ok();
    assert_eq!(other.messages().await.last().unwrap()["to"], "+41799999999");
    // Five minutes after the login, no more.
    browser.set_clock(T0 + 301).await;
    browser
        .post("/api/account/phone", json!({ "phone": "+41 79 888 88 88" }))
        .await
        .assert_error(409, "NotAllowed");
}

/// Issue 13: "an authenticator app can be added 321 s after login" no longer holds: a session
/// older than the re-authentication window (5 minutes) neither gets a key nor confirms one.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_past_the_reauth_window_adds_no_authenticator_app() {
    let server = start().await;
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut browser = server.client();
    sign_in_by_sms(&mut browser, "alice").await;
    let started = browser.post("/api/account/totp", json!({})).await;
    let uri = started.ok()["uri"].as_str().unwrap().to_owned();
    browser.set_clock(T0 + 321).await;
    browser
        .post(
            "/api/account/totp/confirm",
            json!({ "code": totp_code_of_uri(&uri, T0 + 321) }),
        )
        .await
        .assert_error(409, "NotAllowed");
    browser
        .post("/api/account/totp", json!({}))
        .await
        .assert_error(409, "NotAllowed");
    let account = browser.get("/api/account").await;
    let factors = account.ok()["factors"].as_array().unwrap().clone();
    assert!(!factors.iter().any(|f| f["kind"] == "totp"), "{factors:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn totp_enrollment_by_key_uri_and_qr_code() {
    let server = start().await;
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut browser = server.client();
    browser
        .post("/api/account/totp", json!({}))
        .await
        .assert_error(401, "NotSignedIn");
    sign_in_by_sms(&mut browser, "alice").await;

    browser
        .post("/api/account/totp/confirm", json!({ "code": "123456" }))
        .await
        .assert_error(409, "NotAllowed");
    let started = browser.post("/api/account/totp", json!({})).await;
    let uri = started.ok()["uri"].as_str().unwrap().to_owned();
    assert!(
        uri.starts_with("otpauth://totp/secure-login:alice?secret="),
        "{uri}"
    );
    let svg = started.body["qrSvg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    let right = totp_code_of_uri(&uri, T0);
    browser
        .post(
            "/api/account/totp/confirm",
            json!({ "code": wrong(&right) }),
        )
        .await
        .assert_error(400, "WrongCode");
    browser
        .post("/api/account/totp/confirm", json!({ "code": "12 456" }))
        .await
        .assert_error(400, "InvalidInput");
    let confirmed = browser
        .post("/api/account/totp/confirm", json!({ "code": right }))
        .await;
    let factor = confirmed.ok()["factorId"].as_u64().unwrap();
    assert_eq!(factor, 2);
    let account = browser.get("/api/account").await;
    assert!(account.ok()["factors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == factor && f["kind"] == "totp"));
    // The pending key is used up; and now that alice has an app, her SMS login binds no other.
    browser
        .post("/api/account/totp/confirm", json!({ "code": right }))
        .await
        .assert_error(403, "StrongerFactorNeeded");
    browser
        .post("/api/account/totp", json!({}))
        .await
        .assert_error(403, "StrongerFactorNeeded");

    // A login with the new app, a step later.
    browser.set_clock(T0 + 30).await;
    let mut app_login = server.client();
    let (next, _) = app_login.login("alice", PASSWORD).await;
    assert_eq!(app_login.choose(&next, factor).await.ok()["prompt"], "code");
    let code = totp_code_of_uri(&uri, T0 + 30);
    assert_signed_in(&app_login.respond(&next, &code).await, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_key_is_dropped_after_five_wrong_codes() {
    let server = start().await;
    server.account("alice", &[("app", totp_factor())]);
    let mut browser = server.client();
    let (login, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&login, 1).await.ok();
    assert_signed_in(
        &browser.respond(&login, &totp_code(TOTP_SECRET, T0)).await,
        "alice",
    );
    let started = browser.post("/api/account/totp", json!({})).await;
    let uri = started.ok()["uri"].as_str().unwrap().to_owned();
    let right = totp_code_of_uri(&uri, T0);
    for _ in 0..5 {
        browser
            .post(
                "/api/account/totp/confirm",
                json!({ "code": wrong(&right) }),
            )
            .await
            .assert_error(400, "WrongCode");
    }
    browser
        .post("/api/account/totp/confirm", json!({ "code": right }))
        .await
        .assert_error(409, "NotAllowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_and_unknown_users_look_alike() {
    let server = start().await;
    server.account("alice", &[("app", totp_factor())]);
    let mut browser = server.client();
    let wrong_password = browser
        .post(
            "/api/login",
            json!({ "username": "alice", "password": "nope nope" }),
        )
        .await;
    let unknown = browser
        .post(
            "/api/login",
            json!({ "username": "mallory", "password": PASSWORD }),
        )
        .await;
    wrong_password.assert_error(401, "BadCredentials");
    unknown.assert_error(401, "BadCredentials");
    assert_eq!(wrong_password.body, unknown.body);
    let _: &Value = &unknown.body;
}
