//! The binding rules in a normal start of the real binary (issue 13): an attacker with alice's
//! password and her phone (every SMS to her number: a SIM swap) signs in by SMS and binds,
//! removes and moves nothing; alice's own authenticator app shows the device code that moves
//! her soft token, and a lost answer of that activation is fetched again with the same code.

use crate::harness::production::*;
use serde_json::json;

/// How often `kind` is among alice's events (the admin command's listing).
fn count(site: &Site, kind: &str) -> usize {
    site.admin(&["events", "alice", "--limit", "1000"])
        .lines()
        .filter(|line| line.split_whitespace().nth(1) == Some(kind))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_and_the_phone_bind_nothing_once_there_is_a_device() {
    let site = Site::new();
    let mut gateway = Gateway::start().await;
    let uri = site.account("alice"); // SMS (factor 1) and an authenticator app (factor 2)
    let portal = production(&site, &gateway, &[]);
    let mut attacker = Browser::new(&portal.base);
    let kinds = [
        "token_activated",
        "factor_added",
        "factor_retired",
        "phone_changed",
    ];
    let before: Vec<usize> = kinds.iter().map(|kind| count(&site, kind)).collect();

    // The attacker's token page asks for an activation: no SMS goes out for it ...
    let started = attacker
        .post(
            "/api/token/activate",
            &json!({ "username": "alice", "password": PASSWORD, "deviceId": "attacker" }),
        )
        .await;
    let activation = started.ok()["activationId"].as_str().unwrap().to_owned();
    // ... and the SMS login's code (the one message sent) completes nothing.
    let (_, sms_code) = attacker.sms_login(&mut gateway, "alice").await;
    assert_eq!(count(&site, "message_queued"), 1, "only the login's code");
    let tried = attacker
        .post(
            &format!("/api/token/activate/{activation}"),
            &json!({ "code": sms_code, "deviceId": "attacker" }),
        )
        .await;
    assert_eq!(tried.ok()["outcome"], "wrong_code", "{}", tried.text);

    // Signed in by SMS, within the re-authentication window: every change is refused.
    for (path, body) in [
        ("/api/account/device-code", json!({})),
        ("/api/account/totp", json!({})),
        ("/api/account/phone", json!({ "phone": "+41 79 666 66 66" })),
        ("/api/account/recovery-codes", json!({})),
        ("/api/account/factors/2/remove", json!({})),
        ("/api/account/factors/2/rename", json!({ "label": "mine" })),
        (
            "/api/account/password",
            json!({ "current": PASSWORD, "new": "the attacker's own passphrase" }),
        ),
    ] {
        attacker
            .post(path, &body)
            .await
            .assert_error(403, "StrongerFactorNeeded");
    }
    let after: Vec<usize> = kinds.iter().map(|kind| count(&site, kind)).collect();
    assert_eq!(
        after, before,
        "{kinds:?}: nothing bound, retired or changed"
    );
    assert_eq!(
        count(&site, "message_queued"),
        1,
        "no confirmation code either"
    );

    // alice, signed in with her app, gets a device code; her new phone types it.
    let mut laptop = Browser::new(&portal.base);
    let (_, answer) = laptop
        .login_with("alice", PASSWORD, 2, &totp_now(&uri))
        .await;
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
    let shown = laptop.post("/api/account/device-code", &json!({})).await;
    let code = shown.ok()["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 14, "{code}");
    let mut new_phone = Browser::new(&portal.base);
    let started = new_phone
        .post(
            "/api/token/activate",
            &json!({ "username": "alice", "password": PASSWORD, "deviceId": "phone-2" }),
        )
        .await;
    let path = format!(
        "/api/token/activate/{}",
        started.ok()["activationId"].as_str().unwrap()
    );
    let body = json!({ "code": code, "deviceId": "phone-2" });
    let activated = new_phone.post(&path, &body).await;
    assert_eq!(activated.ok()["outcome"], "activated", "{}", activated.text);
    // The page crashed before it saved the key: the same call fetches the same token again.
    let again = new_phone.post(&path, &body).await;
    assert_eq!(again.ok(), activated.ok());
    // The attacker's pending activation cannot use the spent device code either.
    let reused = attacker
        .post(
            &format!("/api/token/activate/{activation}"),
            &json!({ "code": code, "deviceId": "attacker" }),
        )
        .await;
    assert_eq!(reused.ok()["outcome"], "wrong_code", "{}", reused.text);
    assert_eq!(count(&site, "token_activated"), 1);
    assert_eq!(count(&site, "device_code_issued"), 1);
}
