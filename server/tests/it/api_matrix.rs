//! The bad-input matrix of the HTTP API, with the part api_input.rs does not check: nothing
//! changes state. Every POST endpoint, on live ids (a login waiting for a push answer, an
//! activation, a push request) and with a session that has a pending TOTP key and may change
//! its phone, gets: each field dropped, each field set to each bad value (wrong types, negative
//! and overflowing numbers, `1e400`), every prefix of its valid body, bodies that are not an
//! object, wrong content types, an oversize body, no CSRF header. Each answer must be the
//! typed JSON error written down here, and after each one every table of the database must be
//! as it was, and the session still signed in. At the end the live objects are still usable.

use crate::harness::in_process::*;
use serde_json::json;

/// Every row of every table, as text, table by table (sessions and pending keys are in memory:
/// the session is checked separately after each cell).
fn snapshot(db: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.retain(|t| t != "sqlite_sequence");
    assert!(tables.contains(&"records".to_owned()) && tables.contains(&"audit".to_owned()));
    tables
        .into_iter()
        .map(|table| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))
                .unwrap();
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |row| {
                    Ok((0..columns)
                        .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join(" | "))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (table, rows)
        })
        .collect()
}

/// A field's bad values as raw JSON text, each with the answer it must get.
const NUMBER_FIELD_BAD: &[&str] = &[
    "\"1\"",
    "\"\"",
    "null",
    "-1",
    "-0.5",
    "1.5",
    "1e30",
    "1e400",
    "-9223372036854775809",
    "18446744073709551616",
    "[1]",
    "{}",
    "true",
];
const STRING_FIELD_BAD: &[&str] = &[
    "1",
    "0",
    "-1",
    "1.5",
    "1e400",
    "18446744073709551616",
    "null",
    "[\"x\"]",
    "{\"x\": 1}",
    "true",
    "false",
];

/// A JSON object written field by field from raw JSON texts.
fn object(fields: &[(&str, String)]) -> Vec<u8> {
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", json!(k)))
        .collect();
    format!("{{{}}}", inner.join(", ")).into_bytes()
}

struct Endpoint {
    path: String,
    /// The valid body's fields, as raw JSON.
    fields: Vec<(&'static str, String)>,
    /// Strings of the right type that the endpoint refuses by their shape, before any state is
    /// touched (docs/api.md): each must be 400 InvalidInput.
    refused_strings: Vec<(&'static str, String)>,
}

struct Matrix<'a> {
    server: &'a Server,
    client: Client,
    cells: usize,
}

impl Matrix<'_> {
    /// Sends one hostile request and checks the answer, the database and the session.
    async fn cell(
        &mut self,
        what: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        status: u16,
        code: &str,
    ) {
        let before = snapshot(&self.server.db);
        let mut request = self
            .client
            .http
            .post(self.client.url(path))
            .header("cookie", self.client.cookie.clone().unwrap())
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let answer = answer(request.send().await.unwrap()).await;
        assert_eq!(answer.status.as_u16(), status, "{what}: {}", answer.text);
        assert_eq!(answer.code(), code, "{what}: {}", answer.text);
        assert!(answer.body["error"]["message"].is_string(), "{what}");
        assert!(
            answer.headers.get("set-cookie").is_none(),
            "{what}: a refused request touched the cookie"
        );
        assert_eq!(
            snapshot(&self.server.db),
            before,
            "{what}: the database changed"
        );
        self.cells += 1;
    }

    async fn json(&mut self, what: &str, path: &str, body: Vec<u8>, status: u16, code: &str) {
        let headers = [
            ("x-secure-login", "1"),
            ("content-type", "application/json"),
        ];
        self.cell(what, path, &headers, body, status, code).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_on_every_post_changes_nothing() {
    let server = start().await;
    server.account(
        "alice",
        &[
            ("app", totp_factor()),
            ("mobile", sms(PHONE)),
            ("token", soft_token("dev-a")),
        ],
    );
    server.account("bob", &[("mobile", sms("+41790000002"))]);

    // A session (signed in with the app, so the phone may change), with a pending TOTP key.
    let mut client = server.client();
    let (login, factors) = client.login("alice", PASSWORD).await;
    client
        .choose(&login, Client::factor(&factors, "totp"))
        .await
        .ok();
    let done = client.respond(&login, &totp_code(TOTP_SECRET, T0)).await;
    assert_eq!(done.ok()["outcome"], "success");
    let pending = client.post("/api/account/totp", json!({})).await;
    let uri = pending.ok()["uri"].as_str().unwrap().to_owned();

    // Live ids: a login waiting for a push answer, the push request, an activation.
    let mut other = server.client();
    let (live_login, _) = other.login("alice", PASSWORD).await;
    let push = other
        .post(&format!("/api/login/{live_login}/push"), json!({}))
        .await;
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let activation = other
        .post(
            "/api/token/activate",
            json!({ "username": "bob", "password": PASSWORD, "deviceId": "dev-b" }),
        )
        .await;
    let activation = activation.ok()["activationId"].as_str().unwrap().to_owned();

    let s = |v: &str| json!(v).to_string();
    let long = |n: usize| s(&"7".repeat(n));
    let endpoints = vec![
        Endpoint {
            path: "/api/login".into(),
            fields: vec![("username", s("alice")), ("password", s(PASSWORD))],
            refused_strings: vec![],
        },
        Endpoint {
            path: format!("/api/login/{live_login}/factor"),
            fields: vec![("factorId", "1".into())],
            refused_strings: vec![],
        },
        Endpoint {
            path: format!("/api/login/{live_login}/resend"),
            fields: vec![("channel", s("sms"))],
            refused_strings: vec![
                ("channel", s("fax")),
                ("channel", s("")),
                ("channel", s("sms\u{0}")),
            ],
        },
        Endpoint {
            path: format!("/api/login/{live_login}/response"),
            fields: vec![("response", s("12345678"))],
            // Not letters and digits, or over 128 characters: 400 and no attempt (docs/api.md).
            refused_strings: vec![
                ("response", s("")),
                ("response", s("1234\u{0}5678")),
                ("response", s("1234.5678")),
                ("response", s("🔐🔐🔐🔐")),
                ("response", s("' OR 1=1 --")),
                ("response", long(129)),
                ("response", long(60_000)),
            ],
        },
        Endpoint {
            path: format!("/api/login/{live_login}/push"),
            fields: vec![],
            refused_strings: vec![],
        },
        Endpoint {
            path: format!("/api/login/{live_login}/session"),
            fields: vec![],
            refused_strings: vec![],
        },
        Endpoint {
            path: "/api/token/activate".into(),
            fields: vec![
                ("username", s("bob")),
                ("password", s(PASSWORD)),
                ("deviceId", s("dev-b")),
            ],
            // 1 to 128 letters, digits, - or _.
            refused_strings: vec![
                ("deviceId", s("")),
                ("deviceId", s("dev b")),
                ("deviceId", s("dev\u{0}b")),
                ("deviceId", s("dév")),
                ("deviceId", s(&"a".repeat(129))),
            ],
        },
        Endpoint {
            path: format!("/api/token/activate/{activation}"),
            fields: vec![("code", s("12345678")), ("deviceId", s("dev-b"))],
            refused_strings: vec![
                ("deviceId", s("")),
                ("deviceId", s("dev/b")),
                ("deviceId", s(&"a".repeat(129))),
            ],
        },
        Endpoint {
            path: format!("/api/push/{request}"),
            fields: vec![("decision", s("approve")), ("mac", s(&"ab".repeat(32)))],
            // mac: 64 hex digits; decision: approve or deny.
            refused_strings: vec![
                ("decision", s("maybe")),
                ("decision", s("")),
                ("mac", s("")),
                ("mac", s(&"ab".repeat(31))),
                ("mac", s(&"ab".repeat(33))),
                ("mac", s(&"zz".repeat(32))),
                ("mac", s(&format!("{}\u{0}", "a".repeat(63)))),
                ("mac", s(&"🔐".repeat(16))),
            ],
        },
        Endpoint {
            path: "/api/account/totp".into(),
            fields: vec![],
            refused_strings: vec![],
        },
        Endpoint {
            path: "/api/account/totp/confirm".into(),
            fields: vec![("code", s("123456"))],
            // Not 6 digits: 400 InvalidInput, not a WrongCode that counts.
            refused_strings: vec![
                ("code", s("")),
                ("code", s("12345")),
                ("code", s("1234567")),
                ("code", s("１２３４５６")),
                ("code", s("12345\u{0}")),
                ("code", long(60_000)),
            ],
        },
        Endpoint {
            path: "/api/account/phone".into(),
            fields: vec![("phone", s("+41790000009"))],
            // An optional + and 6 to 15 digits.
            refused_strings: vec![
                ("phone", s("")),
                ("phone", s("+")),
                ("phone", s("12345")),
                ("phone", s(&"1".repeat(16))),
                ("phone", s("+41 79\u{0} 000 00 09")),
                ("phone", s("+٤١٧٩٠٠٠٠٠٠٩")),
                ("phone", s("+41790000009; DROP TABLE records")),
            ],
        },
        Endpoint {
            path: "/api/logout".into(),
            fields: vec![],
            refused_strings: vec![],
        },
        Endpoint {
            path: "/api/test/clock".into(),
            fields: vec![("now", T0.to_string())],
            refused_strings: vec![],
        },
    ];

    let mut m = Matrix {
        server: &server,
        client: client.clone(),
        cells: 0,
    };
    // A body just over 64 KiB.
    let big = object(&[("username", long(64 * 1024))]);
    for endpoint in &endpoints {
        let path = endpoint.path.as_str();
        let valid = object(&endpoint.fields);
        // Each field missing.
        for (i, (name, _)) in endpoint.fields.iter().enumerate() {
            let mut fields = endpoint.fields.clone();
            fields.remove(i);
            m.json(
                &format!("{path} without {name}"),
                path,
                object(&fields),
                400,
                "InvalidInput",
            )
            .await;
        }
        // Each field set to each bad value.
        for (i, (name, value)) in endpoint.fields.iter().enumerate() {
            let bad = if value.starts_with('"') {
                STRING_FIELD_BAD
            } else {
                NUMBER_FIELD_BAD
            };
            for raw in bad {
                let mut fields = endpoint.fields.clone();
                fields[i].1 = (*raw).to_owned();
                m.json(
                    &format!("{path} {name}={raw}"),
                    path,
                    object(&fields),
                    400,
                    "InvalidInput",
                )
                .await;
            }
        }
        for (name, raw) in &endpoint.refused_strings {
            let mut fields = endpoint.fields.clone();
            fields.iter_mut().find(|(n, _)| n == name).unwrap().1 = raw.clone();
            let what = format!("{path} {name}={}", raw.chars().take(40).collect::<String>());
            m.json(&what, path, object(&fields), 400, "InvalidInput")
                .await;
        }
        // Every prefix of the valid body (the empty one included) is truncated JSON.
        for cut in 0..valid.len() {
            let what = format!(
                "{path} cut at {cut}: {}",
                String::from_utf8_lossy(&valid[..cut])
            );
            m.json(&what, path, valid[..cut].to_vec(), 400, "InvalidInput")
                .await;
        }
        // Not an object, not UTF-8, not JSON.
        for body in [
            &b"null"[..],
            b"[]",
            b"42",
            b"\"{}\"",
            b"true",
            b"{\xff}",
            b"\0",
            b"{}{}",
        ] {
            let what = format!("{path} body {}", String::from_utf8_lossy(body));
            m.json(&what, path, body.to_vec(), 400, "InvalidInput")
                .await;
        }
        // Wrong or missing content type, with the valid body.
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "application/xml",
        ] {
            let headers = [("x-secure-login", "1"), ("content-type", content_type)];
            m.cell(
                &format!("{path} as {content_type}"),
                path,
                &headers,
                valid.clone(),
                415,
                "UnsupportedMediaType",
            )
            .await;
        }
        m.cell(
            &format!("{path} untyped"),
            path,
            &[("x-secure-login", "1")],
            valid.clone(),
            415,
            "UnsupportedMediaType",
        )
        .await;
        // Over 64 KiB, and a megabyte.
        m.json(
            &format!("{path} 64 KiB + 1"),
            path,
            big.clone(),
            413,
            "TooLarge",
        )
        .await;
        let mega = object(&[("username", long(1 << 20))]);
        m.json(&format!("{path} 1 MB"), path, mega, 413, "TooLarge")
            .await;
        // No CSRF header: refused before anything else.
        m.cell(
            &format!("{path} no CSRF header"),
            path,
            &[("content-type", "application/json")],
            valid.clone(),
            403,
            "Forbidden",
        )
        .await;
    }

    // Ids of the right shape but unknown, and of the wrong shape: nothing changes either.
    for (path, body) in [
        (
            "/api/login/0123456789abcdef/factor",
            json!({ "factorId": 1 }),
        ),
        (
            "/api/login/0123456789abcdef/response",
            json!({ "response": "12345678" }),
        ),
        (
            "/api/push/0123456789abcdef",
            json!({ "decision": "deny", "mac": "ab".repeat(32) }),
        ),
        (
            "/api/token/activate/0123456789abcdef",
            json!({ "code": "12345678", "deviceId": "dev-b" }),
        ),
    ] {
        m.json(
            &format!("unknown id {path}"),
            path,
            body.to_string().into_bytes(),
            404,
            "NotFound",
        )
        .await;
    }
    for id in ["bad%20id", "a%00b", "%F0%9F%94%90", &"a".repeat(129)] {
        let path = format!("/api/login/{id}/response");
        let body = json!({ "response": "12345678" }).to_string().into_bytes();
        m.json(&format!("bad id {id}"), &path, body, 400, "InvalidInput")
            .await;
    }
    // A factor id that is a u32 but no factor of the account.
    for id in [0u64, u64::from(u32::MAX)] {
        let path = format!("/api/login/{live_login}/factor");
        let body = json!({ "factorId": id }).to_string().into_bytes();
        m.json(&format!("factor {id}"), &path, body, 404, "NotFound")
            .await;
    }
    let cells = m.cells;
    assert!(cells >= 850, "{cells} cells");
    println!("{cells} cells, each answered with its typed error and nothing changed");

    // The session is still signed in and its pending key still there: the app's code confirms it.
    let mut client = client;
    assert_eq!(client.get("/api/account").await.ok()["username"], "alice");
    let confirmed = client
        .post(
            "/api/account/totp/confirm",
            json!({ "code": totp_code_of_uri(&uri, T0) }),
        )
        .await;
    assert!(confirmed.ok()["factorId"].is_u64(), "{}", confirmed.text);
    // The login still waits for its push; the request is still listed for the token.
    let status = other.get(&format!("/api/login/{live_login}/status")).await;
    assert_eq!(status.ok()["status"], "pending");
    let pushes = other.get("/api/token/dev-a/pushes").await;
    assert_eq!(pushes.ok()[0]["requestId"], request.as_str());
    // The activation still takes its code (the newest message on the demo phone).
    let code = other.last_code().await;
    let before = snapshot(&server.db);
    let activated = other
        .post(
            &format!("/api/token/activate/{activation}"),
            json!({ "code": code, "deviceId": "dev-b" }),
        )
        .await;
    assert_eq!(activated.ok()["outcome"], "activated", "{}", activated.text);
    // And the snapshot does see a change when there is one.
    assert_ne!(snapshot(&server.db), before, "the snapshot is blind");
}

/// The test clock takes times up to 9999-12-31: later ones (up to u64::MAX, which the body's
/// type allows) are 400, not a StorageFailure on every later request. At the latest allowed
/// time every step of a login still answers, typed, never 500 or 503.
#[tokio::test(flavor = "multi_thread")]
async fn the_largest_clocks_never_break_the_portal() {
    let server = start().await;
    server.account(
        "alice",
        &[
            ("app", totp_factor()),
            ("mobile", sms(PHONE)),
            ("token", soft_token("dev-a")),
        ],
    );
    let mut client = server.client();
    for now in [u64::MAX, u64::MAX - 1, 1 << 63, 1 << 53, 253_402_300_800] {
        client
            .post("/api/test/clock", json!({ "now": now }))
            .await
            .assert_error(400, "InvalidInput");
    }
    let latest = 253_402_300_799_u64;
    assert_eq!(
        client
            .post("/api/test/clock", json!({ "now": latest }))
            .await
            .ok()["now"],
        latest
    );
    let mut answers = vec![(
        "login",
        client
            .post(
                "/api/login",
                json!({ "username": "alice", "password": PASSWORD }),
            )
            .await,
    )];
    let login = answers[0].1.ok()["loginId"].as_str().unwrap().to_owned();
    for factor in [1, 2, 3] {
        answers.push(("factor", client.choose(&login, factor).await));
    }
    answers.push((
        "push",
        client
            .post(&format!("/api/login/{login}/push"), json!({}))
            .await,
    ));
    answers.push(("response", client.respond(&login, "12345678").await));
    answers.push((
        "status",
        client.get(&format!("/api/login/{login}/status")).await,
    ));
    answers.push(("pushes", client.get("/api/token/dev-a/pushes").await));
    for (what, answer) in &answers {
        assert!(
            answer.status.is_success() || (400..500).contains(&answer.status.as_u16()),
            "{what}: {} {}",
            answer.status,
            answer.text
        );
    }
}
