//! Device authentication of the soft token over HTTP, against the binary in a production start
//! (issue 13 item 6): whoever knows a token's device id (from a label, a proxy log, a backup)
//! cannot list its pushes, open its event stream, answer its pushes or lock its factor; no answer
//! or page shows the device id.

use crate::harness::production;

use production::*;
use serde_json::{json, Value};

/// The device id of bob's token page (what leaked before: labels, URL paths, backups).
const DEVICE: &str = "65cba4e2d1f04a7b";
/// bob's phone.
const BOB_PHONE: &str = "+41 79 555 56 78";
/// Not bob's device key.
const WRONG_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";

/// The fields of a call proved with `key` after asking for a nonce.
async fn prove(client: &mut Browser, handle: &str, key: &str, action: &str, detail: &str) -> Value {
    let issued = client
        .post("/api/token/challenge", &json!({ "handle": handle }))
        .await;
    let nonce = issued.ok()["nonce"].as_str().unwrap().to_owned();
    device_fields(handle, &nonce, key, action, detail)
}

/// `body` with the fields of `proof` added.
fn with(mut body: Value, proof: &Value) -> Value {
    for (k, v) in proof.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn whoever_knows_the_device_id_cannot_list_stream_answer_or_lock_a_token() {
    let site = Site::new();
    site.sms_only_account_at("bob", BOB_PHONE);
    let mut gateway = Gateway::start().await;
    let mut portal = production(&site, &gateway, &[]);
    let mut token = Browser::new(&portal.base);

    // bob activates his token page; the answer hands over a device credential, not the id.
    let (_, _, activated) = token.activate_token(&mut gateway, "bob", DEVICE).await;
    assert_eq!(activated.ok()["outcome"], "activated", "{}", activated.text);
    assert!(!activated.text.contains(DEVICE), "{}", activated.text);
    let secret = activated.body["secret"].as_str().unwrap().to_owned();
    let factor = activated.body["factorId"].as_u64().unwrap();
    let handle = activated.body["deviceHandle"].as_str().unwrap().to_owned();
    let key = activated.body["deviceKey"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 64);

    // The login page: the factor's label is neutral, no answer names the device.
    let mut page = Browser::new(&portal.base);
    let login = page
        .post(
            "/api/login",
            &json!({ "username": "bob", "password": PASSWORD }),
        )
        .await;
    assert!(!login.text.contains(DEVICE), "{}", login.text);
    let soft: Vec<&Value> = login.ok()["factors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "soft_token")
        .collect();
    assert_eq!(soft.len(), 1);
    assert_eq!(soft[0]["label"], "Soft token");
    let login_id = login.body["loginId"].as_str().unwrap().to_owned();
    let push = page
        .post(&format!("/api/login/{login_id}/push"), &json!({}))
        .await;
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.body["number"].as_u64().unwrap()).unwrap();

    // The attacker knows the device id: no route takes it, no handle is it.
    let mut attacker = Browser::new(&portal.base);
    for path in [
        format!("/api/token/{DEVICE}/pushes"),
        format!("/api/token/{DEVICE}/events"),
        format!("/api/token/events/{DEVICE}"),
    ] {
        let answer = attacker.get(&path).await;
        assert!(
            [404, 409].contains(&answer.status),
            "{path}: {} {}",
            answer.status,
            answer.text
        );
        assert!(
            !answer.text.contains("requestId"),
            "{path}: {}",
            answer.text
        );
    }
    attacker
        .post("/api/token/challenge", &json!({ "handle": DEVICE }))
        .await
        .assert_error(409, "NotAllowed");
    // Even with the handle (say, from a body in a proxy's debug log), without the device key
    // nothing lists, streams or answers.
    let fields = prove(&mut attacker, &handle, WRONG_KEY, "pushes", "").await;
    let listed = attacker.post("/api/token/pushes", &fields).await;
    listed.assert_error(409, "NotAllowed");
    assert!(!listed.text.contains(&request));
    let fields = prove(&mut attacker, &handle, WRONG_KEY, "stream", "").await;
    attacker
        .post("/api/token/stream", &fields)
        .await
        .assert_error(409, "NotAllowed");
    let wrong_number = if number == 99 { 10 } else { number + 1 };
    let detail = format!("{request} approve");
    for _ in 0..12 {
        let fields = prove(&mut attacker, &handle, WRONG_KEY, "answer", &detail).await;
        let body = json!({ "decision": "approve", "mac": push_mac(&secret, &request, wrong_number, true) });
        attacker
            .post(&format!("/api/push/{request}"), &with(body, &fields))
            .await
            .assert_error(409, "NotAllowed");
    }
    // A proof seen on the wire is no good twice.
    let fields = prove(&mut token, &handle, &key, "pushes", "").await;
    let mine = token.post("/api/token/pushes", &fields).await;
    assert_eq!(mine.ok()[0]["requestId"], request.as_str());
    attacker
        .post("/api/token/pushes", &fields)
        .await
        .assert_error(409, "NotAllowed");

    // bob's token still approves: nothing was spent on his push or his factor.
    let fields = prove(&mut token, &handle, &key, "answer", &detail).await;
    let body = json!({ "decision": "approve", "mac": push_mac(&secret, &request, number, true) });
    let approved = token
        .post(&format!("/api/push/{request}"), &with(body, &fields))
        .await;
    assert_eq!(approved.ok(), &json!({ "answer": "approved" }));
    page.post(&format!("/api/login/{login_id}/session"), &json!({}))
        .await
        .ok();
    let account = page.get("/api/account").await;
    assert_eq!(account.ok()["username"], "bob");
    assert!(!account.text.contains(DEVICE), "{}", account.text);

    // And the challenge/response of the same factor is not locked.
    let next = page.password("bob", PASSWORD).await;
    let prompt = page
        .post(
            &format!("/api/login/{next}/factor"),
            &json!({ "factorId": factor }),
        )
        .await;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    let response = ocra_response(SOFT_SUITE, &secret, &challenge, None);
    let done = page
        .post(
            &format!("/api/login/{next}/response"),
            &json!({ "response": response }),
        )
        .await;
    assert_eq!(done.ok()["outcome"], "success", "{}", done.text);
    let log = portal.stop();
    assert!(!log.contains(DEVICE), "the device id is in the log");
    assert!(!log.contains(&key), "the device key is in the log");
}
