//! The webhook courier against a local receiver: the JSON it posts, and what a failing,
//! slow or absent gateway gives (502 `CourierFailed`, never a 500).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test crate: a failed unwrap is a failed test"
)]

mod common;

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::*;
use secure_login::verifier::{Channel, Courier, Message};
use secure_login_server::courier::WebhookCourier;
use secure_login_server::CourierConfig;
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
    };
    start_with(config, dir).await
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
    let (content_type, sent) = gateway.received.lock().unwrap()[0].clone();
    assert_eq!(content_type, "application/json");
    let text = sent["text"].as_str().unwrap().to_owned();
    let code = text
        .trim_start_matches("Your secure-login code is ")
        .to_owned();
    assert_eq!(code.len(), 6);
    assert_eq!(
        sent,
        json!({ "channel": "sms", "to": PHONE, "purpose": "login", "text": text })
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
    assert!(call["text"].as_str().unwrap().starts_with("Your code is "));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_slow_or_absent_gateway_is_502() {
    let (gateway, url) = gateway().await;
    let server = portal_with_webhook(&url).await;
    server.account("alice", &[("mobile", sms(PHONE))]);
    let mut browser = server.client();

    gateway.status.store(500, Ordering::SeqCst);
    let (login, _) = browser.login("alice", PASSWORD).await;
    let failed = browser.choose(&login, 1).await;
    failed.assert_error(502, "CourierFailed");
    assert!(failed.text.contains("500"), "{}", failed.text);
    assert!(
        !failed.text.contains("127.0.0.1"),
        "no URL in messages: {}",
        failed.text
    );

    gateway.status.store(200, Ordering::SeqCst);
    gateway.delay_ms.store(3000, Ordering::SeqCst);
    browser.set_clock(T0 + 121).await;
    let (login, _) = browser.login("alice", PASSWORD).await;
    let started = std::time::Instant::now();
    let slow = browser.choose(&login, 1).await;
    slow.assert_error(502, "CourierFailed");
    assert!(slow.text.contains("in time"), "{}", slow.text);
    assert!(started.elapsed() < Duration::from_millis(2900));

    // A gateway that is not there at all.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let courier =
        WebhookCourier::new(&format!("http://{closed}/sms"), Duration::from_secs(1)).unwrap();
    let message = Message {
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
