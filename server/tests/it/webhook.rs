//! The webhook courier against a local receiver, in process with the test clock: the JSON it
//! posts, and a failing, slow or absent gateway (the answer says `retrying`; the delivery worker
//! tries again once the backoff has passed on the portal's clock). The signature, the crash and
//! the throttle are tested against the real binary in `courier.rs`.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::harness::in_process::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use secure_login_server::courier::{MessageTexts, WebhookCourier, WebhookSecret};
use secure_login_server::CourierConfig;
use secure_login_verifier::{Channel, Courier, Message};
use serde_json::{json, Value};

/// A gateway: records what it receives, answers with `status` after `delay_ms`.
#[derive(Default)]
struct Gateway {
    received: Mutex<Vec<(String, Value)>>,
    status: AtomicU16,
    delay_ms: AtomicU64,
}

async fn receive(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    gateway
        .received
        .lock()
        .unwrap()
        .push((content_type, serde_json::from_str(&body).unwrap()));
    tokio::time::sleep(Duration::from_millis(
        gateway.delay_ms.load(Ordering::SeqCst),
    ))
    .await;
    StatusCode::from_u16(gateway.status.load(Ordering::SeqCst)).unwrap()
}

async fn gateway() -> (Arc<Gateway>, String) {
    let gateway = Arc::new(Gateway::default());
    gateway.status.store(200, Ordering::SeqCst);
    let app = Router::new()
        .route("/sms", post(receive))
        .with_state(gateway.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (gateway, url)
}

async fn portal_with_webhook(url: &str) -> Server {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(&dir);
    config.courier = CourierConfig::Webhook {
        url: url.to_owned(),
        timeout: Duration::from_secs(1),
        secret: WebhookSecret::new("the secret of the webhook test").unwrap(),
    };
    start_with(config, dir).await
}

/// The gateway's requests so far, waiting (at most 10 s) until there are `n`.
async fn wait_for(gateway: &Gateway, n: usize) -> Vec<(String, Value)> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let received = gateway.received.lock().unwrap().clone();
        if received.len() >= n || std::time::Instant::now() > deadline {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sms_and_voice_codes_go_to_the_gateway_as_json() {
    let (gateway, url) = gateway().await;
    let server = portal_with_webhook(&url).await;
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut browser = server.client();
    let (login, _) = browser.login("alice", PASSWORD).await;
    let prompt = browser.choose(&login, 1).await;
    assert_eq!(prompt.ok()["prompt"], "code_sent");
    assert_eq!(prompt.ok()["delivery"], "sent");
    let (content_type, sent) = gateway.received.lock().unwrap()[0].clone();
    assert_eq!(content_type, "application/json");
    let text = sent["text"].as_str().unwrap().to_owned();
    let code = text
        .trim_start_matches("Your secure-login code is ")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>();
    assert_eq!(code.len(), 6);
    assert_eq!(
        sent,
        json!({ "id": sent["id"], "channel": "sms", "to": PHONE, "purpose": "login", "text": text })
    );
    // The demo phone is not there with a real gateway.
    browser
        .get("/api/phone/messages")
        .await
        .assert_error(404, "NotFound");
    browser
        .get("/api/phone/events")
        .await
        .assert_error(404, "NotFound");
    let done = browser.respond(&login, &code).await;
    assert_eq!(done.ok()["outcome"], "success");

    // "Didn't receive a security code?" by voice, two minutes later.
    browser.set_clock(T0 + 120).await;
    let (second, _) = browser.login("alice", PASSWORD).await;
    browser.choose(&second, 1).await.ok();
    browser.set_clock(T0 + 240).await;
    let voice = browser
        .post(
            &format!("/api/login/{second}/resend"),
            json!({ "channel": "voice" }),
        )
        .await;
    assert_eq!(voice.ok()["channel"], "voice");
    let (_, call) = gateway.received.lock().unwrap().last().unwrap().clone();
    assert_eq!(call["channel"], "voice");
    assert!(call["text"]
        .as_str()
        .unwrap()
        .starts_with("Your secure-login code is "));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_or_slow_gateway_is_retried_after_its_backoff_on_the_portal_clock() {
    let (gateway, url) = gateway().await;
    let server = portal_with_webhook(&url).await;
    let alice = server.account("alice", &[("mobile", sms(PHONE))]);
    let mut browser = server.client();

    gateway.status.store(500, Ordering::SeqCst);
    let (login, _) = browser.login("alice", PASSWORD).await;
    let failed = browser.choose(&login, 1).await;
    assert_eq!(failed.ok()["delivery"], "retrying");
    assert_eq!(failed.ok()["resendAfter"], T0);
    assert!(!failed.text.contains("127.0.0.1"), "{}", failed.text);
    let events = server.state.verifier.recent_events(&alice, 10).unwrap();
    let failure = events
        .iter()
        .find(|e| e.detail.contains("retry at"))
        .unwrap();
    assert!(
        failure.detail.contains("the gateway answered 500"),
        "{failure:?}"
    );

    // Slow: the gateway takes 3 s, the portal waits 1 s; the attempt fails as "not in time".
    gateway.status.store(200, Ordering::SeqCst);
    gateway.delay_ms.store(3000, Ordering::SeqCst);
    browser.set_clock(T0 + 5).await;
    let received = wait_for(&gateway, 2).await;
    assert_eq!(received.len(), 2, "retried once its 5 s backoff passed");
    // The gateway saw the request at once; the attempt fails when the portal stops waiting.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let timed_out = loop {
        let events = server.state.verifier.recent_events(&alice, 10).unwrap();
        if events.iter().any(|e| e.detail.contains("in time")) {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        timed_out,
        "the slow attempt is recorded as not answered in time"
    );

    // Answering again: the third attempt (10 s later) goes out with the same message id.
    gateway.delay_ms.store(0, Ordering::SeqCst);
    browser.set_clock(T0 + 15).await;
    let received = wait_for(&gateway, 3).await;
    assert_eq!(received.len(), 3);
    assert_eq!(received[0].1["id"], received[2].1["id"]);
    let code: String = received[2].1["text"]
        .as_str()
        .unwrap()
        .trim_start_matches("Your secure-login code is ")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(
        browser.respond(&login, &code).await.ok()["outcome"],
        "success"
    );

    // A gateway that is not there at all.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let courier = WebhookCourier::new(
        &format!("http://{closed}/sms"),
        Duration::from_secs(1),
        WebhookSecret::new("the secret of the webhook test").unwrap(),
        MessageTexts::default(),
    )
    .unwrap();
    let message = Message {
        id: "m1".into(),
        channel: Channel::Sms,
        phone: PHONE.into(),
        purpose: "login",
        code: "123456".into(),
    };
    let error = tokio::task::spawn_blocking(move || courier.send(&message))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.code(), "CourierFailed");
    assert!(!error.to_string().contains("123456"));
}
