//! Hostile and broken requests on every endpoint: each gets its typed JSON error (never a 500),
//! with the security headers and `Cache-Control: no-store`; CSRF refusals; 404/405/413/415.

use crate::harness::in_process::*;
use reqwest::header::{CONTENT_TYPE, ORIGIN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Every header every response carries, with its exact value.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// Asserts the headers of an API answer.
#[track_caller]
fn assert_api_headers(answer: &Answer, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            answer.headers.get_all(name).iter().count(),
            1,
            "{what}: {name}"
        );
        assert_eq!(answer.headers[name], value, "{what}: {name}");
    }
    assert_eq!(answer.headers["cache-control"], "no-store", "{what}");
}

/// Asserts a typed JSON error: a 4xx (or 503), `{"error": {"code", "message"}}`, the headers.
#[track_caller]
fn assert_typed(answer: &Answer, what: &str) {
    let status = answer.status.as_u16();
    assert!(
        (400..500).contains(&status) || status == 503,
        "{what}: {status} {}",
        answer.text
    );
    assert!(
        answer.body["error"]["code"].is_string(),
        "{what}: {}",
        answer.text
    );
    assert!(
        answer.body["error"]["message"].is_string(),
        "{what}: {}",
        answer.text
    );
    assert!(
        answer.headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{what}"
    );
    assert_api_headers(answer, what);
}

/// Every POST endpoint with a valid body (ids are well-formed but unknown).
fn post_endpoints() -> Vec<(&'static str, Value)> {
    let id = "0123456789abcdef0123456789abcdef";
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    vec![
        (
            "/api/login",
            json!({ "username": "alice", "password": PASSWORD }),
        ),
        (
            leak(format!("/api/login/{id}/factor")),
            json!({ "factorId": 1 }),
        ),
        (
            leak(format!("/api/login/{id}/resend")),
            json!({ "channel": "sms" }),
        ),
        (
            leak(format!("/api/login/{id}/response")),
            json!({ "response": "12345678" }),
        ),
        (leak(format!("/api/login/{id}/push")), json!({})),
        (leak(format!("/api/login/{id}/session")), json!({})),
        (
            "/api/token/activate",
            json!({ "username": "alice", "password": PASSWORD, "deviceId": "dev-a" }),
        ),
        (
            leak(format!("/api/token/activate/{id}")),
            json!({ "code": "12345678", "deviceId": "dev-a" }),
        ),
        ("/api/token/challenge", json!({ "handle": id })),
        (
            "/api/token/pushes",
            json!({ "handle": id, "nonce": id, "proof": "ab".repeat(32) }),
        ),
        (
            "/api/token/stream",
            json!({ "handle": id, "nonce": id, "proof": "ab".repeat(32) }),
        ),
        (
            leak(format!("/api/push/{id}")),
            json!({ "decision": "approve", "mac": "ab".repeat(32), "handle": "h", "nonce": "n", "proof": "ab".repeat(32) }),
        ),
        ("/api/account/totp", json!({})),
        ("/api/account/totp/confirm", json!({ "code": "123456" })),
        ("/api/account/phone", json!({ "phone": "+41790000009" })),
        ("/api/logout", json!({})),
        ("/api/test/clock", json!({ "now": T0 })),
    ]
}

/// A signed-in client (so account endpoints get as far as their bodies).
async fn signed_in(server: &Server) -> Client {
    server.account("alice", &[("app", totp_factor()), ("mobile", sms(PHONE))]);
    let mut client = server.client();
    let (login, _) = client.login("alice", PASSWORD).await;
    client.choose(&login, 1).await.ok();
    let done = client.respond(&login, &totp_code(TOTP_SECRET, T0)).await;
    assert_eq!(done.ok()["outcome"], "success");
    client
}

async fn send(
    client: &Client,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let mut request = client.http.request(method, client.url(path)).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(cookie) = &client.cookie {
        request = request.header("cookie", cookie);
    }
    answer(request.send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn csrf_refusals_on_every_post() {
    let server = start().await;
    let client = signed_in(&server).await;
    let host = client.base.trim_start_matches("http://").to_owned();
    let own_origin = client.base.clone();
    for (path, body) in post_endpoints() {
        let body = body.to_string().into_bytes();
        let json_type = ("content-type", "application/json");
        let missing = send(&client, Method::POST, path, &[json_type], body.clone()).await;
        missing.assert_error(403, "Forbidden");
        assert_typed(&missing, path);
        let wrong_value = send(
            &client,
            Method::POST,
            path,
            &[json_type, ("x-secure-login", "yes")],
            body.clone(),
        )
        .await;
        wrong_value.assert_error(403, "Forbidden");
        for origin in ["https://evil.example", "null", "http://127.0.0.1:1"] {
            let foreign = send(
                &client,
                Method::POST,
                path,
                &[json_type, ("x-secure-login", "1"), ("origin", origin)],
                body.clone(),
            )
            .await;
            foreign.assert_error(403, "Forbidden");
            assert_typed(&foreign, path);
        }
    }
    // Nothing forged went through: still signed in, the phone unchanged.
    let mut client = client;
    let account = client.get("/api/account").await;
    assert_eq!(account.ok()["username"], "alice");
    assert_eq!(account.body["factors"][1]["phone"], "•••••••••01");
    // The same requests from our own origin are not refused as CSRF.
    for (path, body) in post_endpoints() {
        let own = send(
            &client,
            Method::POST,
            path,
            &[
                ("content-type", "application/json"),
                ("x-secure-login", "1"),
                ("origin", own_origin.as_str()),
                ("host", host.as_str()),
            ],
            body.to_string().into_bytes(),
        )
        .await;
        assert_ne!(own.status, StatusCode::FORBIDDEN, "{path}: {}", own.text);
        assert_ne!(own.status.as_u16(), 500, "{path}");
    }
    // No CORS preflight is ever granted.
    let preflight = send(
        &client,
        Method::OPTIONS,
        "/api/login",
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "POST"),
        ],
        Vec::new(),
    )
    .await;
    assert!(preflight
        .headers
        .get("access-control-allow-origin")
        .is_none());
    assert_typed(&preflight, "preflight");
    let _ = ORIGIN;
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_bodies_on_every_post() {
    let server = start().await;
    let mut client = signed_in(&server).await;
    let big = format!("{{\"username\": \"{}\"}}", "a".repeat(1024 * 1024));
    for (path, valid) in post_endpoints() {
        let csrf = ("x-secure-login", "1");
        // Wrong or missing content type: 415.
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ] {
            let answer = send(
                &client,
                Method::POST,
                path,
                &[csrf, ("content-type", content_type)],
                valid.to_string().into_bytes(),
            )
            .await;
            answer.assert_error(415, "UnsupportedMediaType");
            assert_typed(&answer, path);
        }
        let untyped = send(
            &client,
            Method::POST,
            path,
            &[csrf],
            valid.to_string().into_bytes(),
        )
        .await;
        untyped.assert_error(415, "UnsupportedMediaType");
        // A megabyte: 413, whatever the endpoint.
        let huge = client
            .post_raw(path, "application/json", big.clone().into_bytes())
            .await;
        huge.assert_error(413, "TooLarge");
        assert_typed(&huge, path);
        // Not JSON, truncated JSON, not an object, invalid UTF-8: 400.
        let broken: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"{".to_vec(),
            b"{\"username\": \"al".to_vec(),
            {
                let text = valid.to_string().into_bytes();
                text[..text.len() - 1].to_vec()
            },
            b"null".to_vec(),
            b"[]".to_vec(),
            b"\"text\"".to_vec(),
            b"42".to_vec(),
            b"{\"a\": 1} trailing".to_vec(),
            vec![b'{', 0xff, 0xfe, b'}'],
            b"\0".to_vec(),
        ];
        for body in broken {
            let answer = client
                .post_raw(path, "application/json", body.clone())
                .await;
            answer.assert_error(400, "InvalidInput");
            assert_typed(&answer, &format!("{path} {body:?}"));
        }
        // Each field missing, or of the wrong type.
        let fields = valid.as_object().unwrap().clone();
        for (name, value) in &fields {
            let mut without = fields.clone();
            without.remove(name);
            let answer = client.post(path, Value::Object(without)).await;
            answer.assert_error(400, "InvalidInput");
            assert!(
                answer.text.contains(name.as_str()),
                "{path}: {}",
                answer.text
            );
            let wrong_types: Vec<Value> = if value.is_string() {
                vec![
                    json!(1),
                    json!(null),
                    json!(["x"]),
                    json!({ "x": 1 }),
                    json!(true),
                ]
            } else {
                vec![
                    json!("1"),
                    json!(null),
                    json!(-1),
                    json!(1.5),
                    json!(1e30),
                    json!([1]),
                    json!({}),
                ]
            };
            for wrong_value in wrong_types {
                let mut body = fields.clone();
                body.insert(name.clone(), wrong_value.clone());
                let answer = client.post(path, Value::Object(body)).await;
                answer.assert_error(400, "InvalidInput");
                assert_typed(&answer, &format!("{path} {name}={wrong_value}"));
                // The message never repeats what was sent.
                assert!(!answer.text.contains("[\"x\"]"), "{}", answer.text);
            }
        }
    }
    // A factor id past 32 bits is a wrong type too, and says nothing of the value.
    let (login, _) = client.login("alice", PASSWORD).await;
    let answer = client
        .post(
            &format!("/api/login/{login}/factor"),
            json!({ "factorId": 1u64 << 40 }),
        )
        .await;
    answer.assert_error(400, "InvalidInput");
    assert!(!answer.text.contains("1099511627776"), "{}", answer.text);
    // Still signed in, still working.
    assert_eq!(client.get("/api/account").await.ok()["username"], "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_and_unicode_in_every_string_field() {
    let server = start().await;
    // Logout comes after the account endpoints, so they all see the session.
    let mut client = signed_in(&server).await;
    let strange = [
        "\u{0}",
        "al\u{0}ice",
        "ａｌｉｃｅ",
        "１２３４５６",
        "🔐🔐🔐🔐🔐🔐",
        "\u{202e}evil",
        "e\u{301}",
        "\u{feff}123456",
        "' OR 1=1 --",
        "../../etc/passwd",
        "",
        "                ",
    ];
    for (path, valid) in post_endpoints() {
        let fields = valid.as_object().unwrap().clone();
        for (name, value) in &fields {
            if !value.is_string() {
                continue;
            }
            for text in strange {
                let mut body = fields.clone();
                body.insert(name.clone(), json!(text));
                let answer = client.post(path, Value::Object(body)).await;
                let what = format!("{path} {name}={text:?}");
                assert_ne!(answer.status.as_u16(), 500, "{what}");
                if answer.status != StatusCode::OK {
                    assert_typed(&answer, &what);
                }
            }
        }
    }
    // The names a person could type are refused with the right codes.
    client
        .post(
            "/api/login",
            json!({ "username": "al\u{0}ice", "password": PASSWORD }),
        )
        .await
        .assert_error(401, "BadCredentials");
    client
        .post("/api/account/phone", json!({ "phone": "+41 79\u{0} 000" }))
        .await
        .assert_error(400, "InvalidInput");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_ids_in_paths() {
    let server = start().await;
    let mut client = server.client();
    let long = "a".repeat(129);
    for id in [
        "bad%20id",
        "a%00b",
        "%F0%9F%94%90",
        "..%2F..",
        long.as_str(),
        "%ff",
    ] {
        for path in [
            format!("/api/login/{id}/status"),
            format!("/api/token/events/{id}"),
        ] {
            let answer = client.get(&path).await;
            answer.assert_error(400, "InvalidInput");
            assert_typed(&answer, &path);
        }
        for path in [
            format!("/api/login/{id}/factor"),
            format!("/api/login/{id}/push"),
            format!("/api/push/{id}"),
            format!("/api/token/activate/{id}"),
        ] {
            let answer = client.post(&path, json!({ "factorId": 1 })).await;
            assert_eq!(answer.status.as_u16(), 400, "{path}: {}", answer.text);
            assert_typed(&answer, &path);
        }
    }
    let unknown = client.get("/api/login/0123456789abcdef/status").await;
    unknown.assert_error(404, "NotFound");
    assert_typed(&unknown, "unknown login");
    // An unknown handle gets no nonce (refused like a wrong proof); a device id is no handle.
    for handle in ["neverseen", "dev-a"] {
        let none = client
            .post("/api/token/challenge", json!({ "handle": handle }))
            .await;
        assert_eq!(
            none.status.as_u16(),
            if handle == "dev-a" { 400 } else { 409 }
        );
        assert_api_headers(&none, "challenge");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_routes_and_methods_are_json() {
    let server = start().await;
    let mut client = server.client();
    for path in [
        "/api",
        "/api/",
        "/api/nope",
        "/api/login/x/y/z",
        "/api/account/totp/x",
    ] {
        let answer = client.get(path).await;
        answer.assert_error(404, "NotFound");
        assert_typed(&answer, path);
        let answer = client.post(path, json!({})).await;
        answer.assert_error(404, "NotFound");
    }
    let get_on_post = client.get("/api/login").await;
    get_on_post.assert_error(405, "MethodNotAllowed");
    assert_typed(&get_on_post, "GET /api/login");
    let post_on_get = client.post("/api/account", json!({})).await;
    post_on_get.assert_error(405, "MethodNotAllowed");
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let answer = send(
            &client,
            method.clone(),
            "/api/login",
            &[
                ("x-secure-login", "1"),
                ("content-type", "application/json"),
            ],
            b"{}".to_vec(),
        )
        .await;
        answer.assert_error(405, "MethodNotAllowed");
        let answer = send(&client, method, "/api/login", &[], b"{}".to_vec()).await;
        answer.assert_error(403, "Forbidden");
    }
    // Pages are not API answers: no JSON 404 for them.
    let page = reqwest::get(client.url("/no-such-page.html"))
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.headers().get("cache-control").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_and_test_routes_need_their_switches() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(&dir);
    config.test_clock = false;
    // A production start needs a real courier (nothing listens on port 9: no code is sent).
    config.courier = secure_login_server::CourierConfig::Webhook {
        url: "http://127.0.0.1:9/sms".into(),
        timeout: std::time::Duration::from_secs(1),
        secret: secure_login_server::courier::WebhookSecret::new(
            "the secret of this test's webhook",
        )
        .unwrap(),
    };
    let db = config.db.clone();
    let portal = tokio::task::spawn_blocking(move || secure_login_server::portal(config))
        .await
        .unwrap()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, portal.router).await.unwrap() });
    let mut client = Client {
        base,
        http: reqwest::Client::new(),
        cookie: None,
    };
    client
        .post("/api/test/clock", json!({ "now": 1 }))
        .await
        .assert_error(404, "NotFound");
    client
        .get("/api/demo/cards")
        .await
        .assert_error(404, "NotFound");
    for phone in ["/api/phone/messages", "/api/phone/events"] {
        client.get(phone).await.assert_error(404, "NotFound");
    }
    task.abort();
    drop(db);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_api_answer_carries_the_headers() {
    let server = start().await;
    let mut client = signed_in(&server).await;
    let (login, _) = client.login("alice", PASSWORD).await;
    let answers = vec![
        client.get("/api/account").await,
        client.get(&format!("/api/login/{login}/status")).await,
        client
            .post("/api/token/challenge", json!({ "handle": "neverseen" }))
            .await,
        client.get("/api/phone/messages").await,
        client
            .post(
                "/api/login",
                json!({ "username": "alice", "password": "wrong!!!" }),
            )
            .await,
        client.choose(&login, 2).await,
        client
            .post(
                &format!("/api/login/{login}/resend"),
                json!({ "channel": "sms" }),
            )
            .await,
    ];
    for answer in &answers {
        assert_ne!(answer.status.as_u16(), 500);
        assert_api_headers(answer, &answer.text);
    }
    assert_eq!(answers[6].status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_database_is_503_not_500() {
    let server = start().await;
    let mut client = signed_in(&server).await;
    // Break the database under the running server (another connection drops the records).
    let conn = rusqlite::Connection::open(&server.db).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.execute_batch("DROP TABLE records;").unwrap();
    drop(conn);
    let answers = vec![
        client
            .post(
                "/api/login",
                json!({ "username": "alice", "password": PASSWORD }),
            )
            .await,
        client.get("/api/account").await,
        client
            .post(
                "/api/token/challenge",
                json!({ "handle": handle_of("dev-a") }),
            )
            .await,
        client
            .get("/api/login/0123456789abcdef0123456789abcdef/status")
            .await,
    ];
    for answer in &answers {
        answer.assert_error(503, "StorageFailure");
        assert_typed(answer, &answer.text);
        // SQLite's text may be named; no key, value or path.
        assert!(!answer.text.contains("portal.sqlite3"), "{}", answer.text);
    }
}
