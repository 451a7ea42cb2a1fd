//! The OpenAPI document (`GET /api/openapi.json`, issue 17 item 4) against the router and the
//! running binary:
//! - every route under `/api` is in it with its method, and nothing else is: each documented
//!   operation reaches its handler (not the unknown-route 404, not a 405), every other method on
//!   its path is a 405, no source file adds an `/api` route around the document, and the
//!   document's operations are the ones docs/api.md describes;
//! - a production start's answers conform to it: a scripted session through every production
//!   route (password, SMS, TOTP and push logins, the account's changes, the soft token's calls,
//!   and their refusals) validates each answer's status, content type and body against the
//!   document's schema for it, with no field the schema does not name; and each body the
//!   server took is valid under the document's request schema.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::harness::kit::wrong;
use crate::harness::{in_process, production};

/// The document a portal serves.
async fn served_document(base: &str) -> Value {
    let answer = reqwest::get(format!("{base}/api/openapi.json"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["content-type"],
        "application/json",
        "the document's content type"
    );
    let doc: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    doc
}

/// `(METHOD, path)` of every operation of `doc`.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut all = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            all.insert((method.to_uppercase(), path.clone()));
        }
    }
    all
}

/// `path` with each `{name}` segment filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "probe1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Sends `method` to `path` as the pages do (CSRF header, JSON body `{}`), without reading a
/// body (an event stream never ends): the status and the error code, if the answer has one.
async fn probe(base: &str, method: &str, path: &str) -> (u16, String) {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = client
        .request(method, format!("{base}{path}"))
        .header("x-secure-login", "1")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let code = if is_json {
        let body: Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        format!(
            "{} {}",
            body["error"]["code"].as_str().unwrap_or(""),
            body["error"]["message"].as_str().unwrap_or("")
        )
    } else {
        String::new()
    };
    (status, code)
}

/// Every documented operation reaches a handler, and every other method on a documented path is
/// refused as the router refuses a method it does not route.
async fn routes_match_the_document(base: &str, doc: &Value) {
    let documented = operations(doc);
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for (method, path) in &documented {
        let (status, code) = probe(base, method, &concrete(path)).await;
        assert_ne!(status, 405, "{method} {path}: {code}");
        assert!(
            !code.starts_with("NotFound no such route"),
            "{method} {path} is documented but not routed: {code}"
        );
    }
    for path in paths {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if documented.contains(&(method.to_owned(), path.clone())) {
                continue;
            }
            let (status, code) = probe(base, method, &concrete(path)).await;
            assert_eq!(
                (status, code.split(' ').next().unwrap()),
                (405, "MethodNotAllowed"),
                "{method} {path} answers but is not documented"
            );
        }
    }
}

/// `(METHOD, path)` of every route docs/api.md describes (`` `POST /api/...` ``), path
/// parameters written `{}`.
fn described_in_docs() -> BTreeSet<(String, String)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md")).unwrap();
    let mut all = BTreeSet::new();
    for piece in text.split('`').skip(1).step_by(2) {
        let Some((method, path)) = piece.split_once(' ') else {
            continue;
        };
        if ["GET", "POST"].contains(&method) && path.starts_with("/api") {
            all.insert((method.to_owned(), unnamed(path)));
        }
    }
    all
}

/// `/api/login/{loginId}/factor` as `/api/login/{}/factor`.
fn unnamed(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// The routes only a demo start has.
const DEMO_ONLY: [&str; 4] = [
    "/api/phone/messages",
    "/api/phone/events",
    "/api/demo/cards",
    "/api/test/clock",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_demo_start_documents_every_route_it_has_and_docs_api_md_describes_the_same() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = in_process::test_config(&dir);
    config.demo = true;
    let server = in_process::start_with(config, dir).await;
    let doc = served_document(&server.base).await;
    routes_match_the_document(&server.base, &doc).await;
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p)| (m, unnamed(&p)))
        .collect();
    let mut described = described_in_docs();
    // The document describes itself.
    described.insert(("GET".into(), "/api/openapi.json".into()));
    assert_eq!(documented, described, "the document vs docs/api.md");
    for path in DEMO_ONLY {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_start_documents_every_route_it_has_and_no_demo_route() {
    let site = production::Site::new();
    let gateway = production::Gateway::start().await;
    let portal = production::production(&site, &gateway, &[]);
    let doc = served_document(&portal.base).await;
    routes_match_the_document(&portal.base, &doc).await;
    for path in DEMO_ONLY {
        assert!(doc["paths"].get(path).is_none(), "{path} in production");
        let (status, code) = probe(&portal.base, "GET", path).await;
        assert_eq!(status, 404, "{path}: {code}");
    }
    assert_eq!(operations(&doc).len(), 33, "{:?}", operations(&doc));
}

/// The server's sources: no route under `/api` is added but through `routes!` (which documents
/// it), except the catch-alls that answer 404 for unknown paths.
#[test]
fn no_source_adds_an_api_route_around_the_document() {
    let catch_alls = [r#""/api""#, r#""/api/""#, r#""/api/{*rest}""#];
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            checked += 1;
            for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
                for (at, _) in text.match_indices(call) {
                    let argument = text[at + call.len()..].trim_start();
                    let literal = argument.split(',').next().unwrap_or("");
                    assert!(
                        !literal.starts_with("\"/api") || catch_alls.contains(&literal),
                        "{} adds {literal} with {call} outside the OpenAPI document: use routes!",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(checked > 30, "the sources were not found ({checked} files)");
}

/// The error codes docs/api.md's table lists, with their statuses, are the document's.
#[tokio::test(flavor = "multi_thread")]
async fn the_documented_error_codes_are_the_ones_docs_api_md_lists() {
    let server = in_process::start().await;
    let doc = served_document(&server.base).await;
    let codes: BTreeSet<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md")).unwrap();
    let mut table = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if let [_, status, code, _, _] = cells[..] {
            if let (Ok(status), Some(code)) = (
                status.parse::<u16>(),
                code.strip_prefix('`').and_then(|c| c.strip_suffix('`')),
            ) {
                table.insert(code.to_owned(), status);
            }
        }
    }
    let listed: BTreeSet<&str> = table.keys().map(String::as_str).collect();
    assert_eq!(codes, listed, "ErrorCode vs docs/api.md's table");
    let described = doc["components"]["schemas"]["ErrorCode"]["description"]
        .as_str()
        .unwrap();
    for (code, status) in &table {
        assert!(
            described.contains(&format!("{code} ({status})")),
            "{code} is {status} in docs/api.md: {described}"
        );
    }
}

/// The document's schemas made strict for the check: an object answer may hold only the fields
/// its schema names (`unevaluatedProperties: false`), and an `allOf` of objects is merged first
/// (a part alone would refuse the other part's fields).
fn strict(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let schemas = doc["components"]["schemas"].as_object().unwrap().clone();
    fn resolve<'a>(schema: &'a Value, schemas: &'a serde_json::Map<String, Value>) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(reference) => &schemas[reference.rsplit('/').next().unwrap()],
            None => schema,
        }
    }
    fn tighten(schema: &mut Value, schemas: &serde_json::Map<String, Value>) {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        if let Some(parts) = object.remove("allOf") {
            let mut properties = serde_json::Map::new();
            let mut required = Vec::new();
            for part in parts.as_array().unwrap() {
                let part = resolve(part, schemas);
                if let Some(p) = part["properties"].as_object() {
                    properties.extend(p.clone());
                }
                if let Some(r) = part["required"].as_array() {
                    required.extend(r.clone());
                }
            }
            object.insert("type".into(), json!("object"));
            object.insert("properties".into(), Value::Object(properties));
            object.insert("required".into(), Value::Array(required));
        }
        if object.contains_key("properties") {
            object.insert("unevaluatedProperties".into(), json!(false));
        }
        for (key, value) in object.iter_mut() {
            if ["properties", "$defs"].contains(&key.as_str()) {
                for sub in value.as_object_mut().unwrap().values_mut() {
                    tighten(sub, schemas);
                }
            } else if ["oneOf", "anyOf"].contains(&key.as_str()) {
                for sub in value.as_array_mut().unwrap() {
                    tighten(sub, schemas);
                }
            } else if ["items", "additionalProperties"].contains(&key.as_str()) {
                tighten(value, schemas);
            }
        }
    }
    for schema in doc["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        // A struct without fields (`Empty`) is an object with no properties: none are allowed.
        // (A free-form `Object` is never a component of its own, only a field's type.)
        if schema["type"] == "object" && schema.get("properties").is_none() {
            schema["properties"] = json!({});
        }
        tighten(schema, &schemas);
    }
    doc
}

/// Checks answers against the document and keeps which operations were seen.
pub struct Conformance {
    doc: Value,
    seen: BTreeSet<(String, String)>,
    checked: usize,
}

impl Conformance {
    pub fn new(doc: &Value) -> Self {
        Self {
            doc: strict(doc),
            seen: BTreeSet::new(),
            checked: 0,
        }
    }

    /// The documented path `path` is an instance of.
    fn template(&self, path: &str) -> String {
        let path = path.split('?').next().unwrap();
        let segments: Vec<&str> = path.split('/').collect();
        let matches: Vec<&String> = self.doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|t| {
                let parts: Vec<&str> = t.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p.starts_with('{') || p == s)
            })
            .collect();
        assert_eq!(
            matches.len(),
            1,
            "{path} is no documented path: {matches:?}"
        );
        matches[0].clone()
    }

    /// Asserts that `answer` to `method path` is one the document allows: a documented status
    /// (or its `4XX`/`5XX`), the documented content type, a body valid under its schema.
    #[track_caller]
    pub fn check(&mut self, method: &str, path: &str, answer: &production::Answer) {
        let template = self.template(path);
        let operation = &self.doc["paths"][&template][method.to_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not documented"
        );
        let status = answer.status.to_string();
        let range = format!("{}XX", &status[..1]);
        let responses = &operation["responses"];
        let response = [&status, &range]
            .into_iter()
            .find_map(|s| responses.get(s.as_str()))
            .unwrap_or_else(|| {
                panic!(
                    "{method} {template} answered {status}, which the document does not list: {}",
                    answer.text
                )
            });
        let (media, content) = response["content"]
            .as_object()
            .and_then(|c| c.iter().next())
            .unwrap_or_else(|| panic!("{method} {template} {status} has no content documented"));
        let header = answer.headers["content-type"].to_str().unwrap();
        assert!(
            header.starts_with(media.as_str()),
            "{method} {template} {status}: content type {header}, documented {media}"
        );
        if media != "application/json" {
            // An event stream: its status and content type are all there is to check.
            self.checked += 1;
            self.seen.insert((method.to_uppercase(), template));
            return;
        }
        if let Err(error) = self.validate(&content["schema"], &answer.body) {
            panic!(
                "{method} {template} {status}: the body does not conform to the document:\n{error}\n{}",
                answer.text
            );
        }
        self.checked += 1;
        self.seen.insert((method.to_uppercase(), template));
    }

    /// Asserts that `body`, which the server took (its answer was a success), is valid under the
    /// request schema the document gives `method path`.
    #[track_caller]
    pub fn check_request(&mut self, method: &str, path: &str, body: &Value) {
        let template = self.template(path);
        let operation = &self.doc["paths"][&template][method.to_lowercase()];
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} documents no JSON body"
        );
        if let Err(error) = self.validate(schema, body) {
            panic!("{method} {template}: a body the server took is not the documented one:\n{error}\n{body}");
        }
    }

    /// `value` checked against `schema`, whose references point into the document.
    fn validate(&self, schema: &Value, value: &Value) -> Result<(), String> {
        let mut resource = schema.clone();
        resource["components"] = self.doc["components"].clone();
        let url = "http://conformance.test/schema.json";
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler.add_resource(url, resource).unwrap();
        let mut schemas = boon::Schemas::new();
        let index = compiler.compile(url, &mut schemas).unwrap();
        schemas.validate(value, index).map_err(|e| e.to_string())
    }

    /// The operations checked so far.
    pub fn seen(&self) -> &BTreeSet<(String, String)> {
        &self.seen
    }
}

/// `POST path body` from `client`, checked against the document.
async fn post(
    c: &mut Conformance,
    client: &mut production::Browser,
    path: &str,
    body: Value,
) -> production::Answer {
    let answer = client.post(path, &body).await;
    c.check("POST", path, &answer);
    if answer.status < 300 {
        c.check_request("POST", path, &body);
    }
    answer
}

/// `GET path` from `client`, checked against the document.
async fn get(
    c: &mut Conformance,
    client: &mut production::Browser,
    path: &str,
) -> production::Answer {
    let answer = client.get(path).await;
    c.check("GET", path, &answer);
    answer
}

/// An answer to a request the pages' client cannot send (no CSRF header, another content
/// type), as the harness's clients give it.
async fn raw(request: reqwest::RequestBuilder) -> production::Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    production::Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// The fields of a proved token call, after asking for a nonce (checked too).
async fn prove(
    c: &mut Conformance,
    token: &mut production::Browser,
    handle: &str,
    key: &str,
    action: &str,
    detail: &str,
) -> Value {
    let issued = post(
        c,
        token,
        "/api/token/challenge",
        json!({ "handle": handle }),
    )
    .await;
    let nonce = issued.ok()["nonce"].as_str().unwrap().to_owned();
    production::device_fields(handle, &nonce, key, action, detail)
}

/// `body` with `proof`'s fields added.
fn with(mut body: Value, proof: &Value) -> Value {
    for (k, v) in proof.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_start_answers_as_its_document_says() {
    use production::*;
    let site = Site::new();
    let uri = site.account("alice");
    // bob's soft token, his first device (SMS only: the SMS code binds it); alice's SMS is
    // throttled for 2 minutes after her login's code.
    site.sms_only_account_at("bob", "+41 79 555 56 78");
    // carol changes her phone number (signed in with her app, so no SMS throttles the change).
    let carol_app = site.account_at("carol", "+41 79 555 77 88");
    let mut gateway = Gateway::start().await;
    let portal = production(&site, &gateway, &[]);
    let doc = served_document(&portal.base).await;
    let c = &mut Conformance::new(&doc);
    let mut page = Browser::new(&portal.base);
    get(c, &mut page, "/api/openapi.json").await;

    // Refusals: each is the error body with a documented code.
    let wrong_password = json!({ "username": "alice", "password": "not the password" });
    post(c, &mut page, "/api/login", wrong_password)
        .await
        .assert_error(401, "BadCredentials");
    post(c, &mut page, "/api/login", json!({ "username": 1 }))
        .await
        .assert_error(400, "InvalidInput");
    let http = reqwest::Client::new();
    let login_url = format!("{}/api/login", portal.base);
    let no_csrf = raw(http
        .post(&login_url)
        .header("content-type", "application/json"))
    .await;
    c.check("POST", "/api/login", &no_csrf);
    no_csrf.assert_error(403, "Forbidden");
    let as_text = raw(http
        .post(&login_url)
        .header("x-secure-login", "1")
        .header("content-type", "text/plain")
        .body("{}"))
    .await;
    c.check("POST", "/api/login", &as_text);
    as_text.assert_error(415, "UnsupportedMediaType");
    let too_large = raw(http
        .post(&login_url)
        .header("x-secure-login", "1")
        .header("content-type", "application/json")
        .body(vec![b' '; 65 * 1024]))
    .await;
    c.check("POST", "/api/login", &too_large);
    too_large.assert_error(413, "TooLarge");
    get(c, &mut page, "/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    get(c, &mut page, "/api/login/unknown1/status")
        .await
        .assert_error(404, "NotFound");

    // An SMS login: a wrong code, a resend too soon, the right code.
    let started = post(
        c,
        &mut page,
        "/api/login",
        json!({ "username": "alice", "password": PASSWORD }),
    )
    .await;
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    let prompt = post(
        c,
        &mut page,
        &format!("/api/login/{login}/factor"),
        json!({ "factorId": 1 }),
    )
    .await;
    assert_eq!(prompt.ok()["prompt"], "code_sent");
    let code = gateway.next_code().await;
    post(
        c,
        &mut page,
        &format!("/api/login/{login}/resend"),
        json!({ "channel": "sms" }),
    )
    .await
    .assert_error(429, "Throttled");
    let wrong_code = post(
        c,
        &mut page,
        &format!("/api/login/{login}/response"),
        json!({ "response": wrong(&code) }),
    )
    .await;
    assert_eq!(wrong_code.ok()["outcome"], "wrong_code");
    let success = post(
        c,
        &mut page,
        &format!("/api/login/{login}/response"),
        json!({ "response": code }),
    )
    .await;
    assert_eq!(success.ok()["outcome"], "success");
    get(c, &mut page, &format!("/api/login/{login}/status")).await;
    post(
        c,
        &mut page,
        &format!("/api/login/{login}/session"),
        json!({}),
    )
    .await;
    let account = get(c, &mut page, "/api/account").await;
    assert_eq!(account.ok()["username"], "alice");
    // alice has an app: her SMS login changes nothing (the binding rules). The changes below
    // come from a login with an administrator's temporary passcode (a recovery means).
    post(c, &mut page, "/api/account/totp", json!({}))
        .await
        .assert_error(403, "StrongerFactorNeeded");
    let issued = site.admin(&["issue-passcode", "alice"]);
    let passcode_factor: u64 = issued
        .lines()
        .find_map(|l| l.strip_prefix("factor "))
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .parse()
        .unwrap();
    let passcode = issued
        .lines()
        .find_map(|l| l.strip_prefix("passcode: "))
        .unwrap()
        .trim()
        .to_owned();
    let started = post(
        c,
        &mut page,
        "/api/login",
        json!({ "username": "alice", "password": PASSWORD }),
    )
    .await;
    let by_passcode = started.ok()["loginId"].as_str().unwrap().to_owned();
    post(
        c,
        &mut page,
        &format!("/api/login/{by_passcode}/factor"),
        json!({ "factorId": passcode_factor }),
    )
    .await
    .ok();
    let recovered = post(
        c,
        &mut page,
        &format!("/api/login/{by_passcode}/response"),
        json!({ "response": passcode }),
    )
    .await;
    assert_eq!(recovered.ok()["outcome"], "success");
    let shown = post(c, &mut page, "/api/account/device-code", json!({})).await;
    assert_eq!(shown.ok()["code"].as_str().unwrap().len(), 14);
    post(
        c,
        &mut page,
        "/api/account/changes/nosuchchange/undo",
        json!({}),
    )
    .await
    .assert_error(404, "NotFound");

    // The account: an authenticator app, renamed; recovery codes; the password.
    let key = post(c, &mut page, "/api/account/totp", json!({})).await;
    let app = key.ok()["uri"].as_str().unwrap().to_owned();
    let right = totp_now(&app);
    post(
        c,
        &mut page,
        "/api/account/totp/confirm",
        json!({ "code": wrong(&right) }),
    )
    .await
    .assert_error(400, "WrongCode");
    let added = post(
        c,
        &mut page,
        "/api/account/totp/confirm",
        json!({ "code": right }),
    )
    .await;
    let app_factor = added.ok()["factorId"].as_u64().unwrap();
    post(
        c,
        &mut page,
        &format!("/api/account/factors/{app_factor}/rename"),
        json!({ "label": "phone app" }),
    )
    .await
    .ok();
    post(
        c,
        &mut page,
        "/api/account/factors/x/rename",
        json!({ "label": "x" }),
    )
    .await
    .assert_error(400, "InvalidInput");
    post(c, &mut page, "/api/account/recovery-codes", json!({}))
        .await
        .ok();
    post(
        c,
        &mut page,
        "/api/account/password",
        json!({ "current": "not it at all", "new": "another long password" }),
    )
    .await
    .assert_error(401, "BadCredentials");
    post(
        c,
        &mut page,
        "/api/account/password",
        json!({ "current": PASSWORD, "new": PASSWORD }),
    )
    .await
    .ok();

    // A TOTP login with the admin-made app (factor 2).
    let mut other = Browser::new(&portal.base);
    let started = post(
        c,
        &mut other,
        "/api/login",
        json!({ "username": "alice", "password": PASSWORD }),
    )
    .await;
    let second = started.ok()["loginId"].as_str().unwrap().to_owned();
    let prompt = post(
        c,
        &mut other,
        &format!("/api/login/{second}/factor"),
        json!({ "factorId": 2 }),
    )
    .await;
    assert_eq!(prompt.ok()["prompt"], "code");
    let done = post(
        c,
        &mut other,
        &format!("/api/login/{second}/response"),
        json!({ "response": totp_now(&uri) }),
    )
    .await;
    assert_eq!(done.ok()["outcome"], "success");

    // The soft token: activation, device proofs, a push login approved, its event stream.
    let mut token = Browser::new(&portal.base);
    let device = "conformance-device-1";
    let begun = post(
        c,
        &mut token,
        "/api/token/activate",
        json!({ "username": "bob", "password": PASSWORD, "deviceId": device }),
    )
    .await;
    let activation = begun.ok()["activationId"].as_str().unwrap().to_owned();
    let code = gateway.next_code().await;
    let path = format!("/api/token/activate/{activation}");
    let refused = post(
        c,
        &mut token,
        &path,
        json!({ "code": wrong(&code), "deviceId": device }),
    )
    .await;
    assert_eq!(refused.ok()["outcome"], "wrong_code");
    let activated = post(
        c,
        &mut token,
        &path,
        json!({ "code": code, "deviceId": device }),
    )
    .await;
    assert_eq!(activated.ok()["outcome"], "activated");
    let secret = activated.body["secret"].as_str().unwrap().to_owned();
    let handle = activated.body["deviceHandle"].as_str().unwrap().to_owned();
    let device_key = activated.body["deviceKey"].as_str().unwrap().to_owned();

    let mut pusher = Browser::new(&portal.base);
    let started = post(
        c,
        &mut pusher,
        "/api/login",
        json!({ "username": "bob", "password": PASSWORD }),
    )
    .await;
    let third = started.ok()["loginId"].as_str().unwrap().to_owned();
    let push = post(
        c,
        &mut pusher,
        &format!("/api/login/{third}/push"),
        json!({}),
    )
    .await;
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.body["number"].as_u64().unwrap()).unwrap();
    let status = get(c, &mut pusher, &format!("/api/login/{third}/status")).await;
    assert_eq!(status.ok()["status"], "pending");
    let proof = prove(c, &mut token, &handle, &device_key, "pushes", "").await;
    let pending = post(c, &mut token, "/api/token/pushes", proof).await;
    assert_eq!(pending.ok()[0]["requestId"], request.as_str());
    let proof = prove(c, &mut token, &handle, &device_key, "stream", "").await;
    let ticket = post(c, &mut token, "/api/token/stream", proof).await;
    let ticket = ticket.ok()["ticket"].as_str().unwrap().to_owned();
    let events = format!("/api/token/events/{ticket}");
    let stream = http
        .get(format!("{}{events}", portal.base))
        .send()
        .await
        .unwrap();
    // The stream never ends: its status and content type are what the document says.
    let streamed = production::Answer {
        status: stream.status().as_u16(),
        headers: stream.headers().clone(),
        body: Value::Null,
        text: String::new(),
    };
    drop(stream);
    c.check("GET", &events, &streamed);
    assert_eq!(streamed.status, 200);
    let used = raw(http.get(format!("{}{events}", portal.base))).await;
    c.check("GET", &events, &used);
    assert_eq!(used.status, 409, "a ticket opens one stream: {}", used.text);
    let detail = format!("{request} approve");
    let proof = prove(c, &mut token, &handle, &device_key, "answer", &detail).await;
    let body = json!({ "decision": "approve", "mac": push_mac(&secret, &request, number, true) });
    let approved = post(
        c,
        &mut token,
        &format!("/api/push/{request}"),
        with(body, &proof),
    )
    .await;
    assert_eq!(approved.ok()["answer"], "approved");
    let signed_in = post(
        c,
        &mut pusher,
        &format!("/api/login/{third}/session"),
        json!({}),
    )
    .await;
    assert_eq!(signed_in.ok()["username"], "bob");

    // Passkeys need --public-origin with a domain name: each route says so in a typed error.
    let passkey_answer = json!({ "ceremony": "c1", "credential": {} });
    for (path, body) in [
        ("/api/passkey/login".to_owned(), json!({})),
        (format!("/api/login/{third}/passkey"), json!({})),
        ("/api/passkey/finish".to_owned(), passkey_answer.clone()),
        ("/api/account/passkey".to_owned(), json!({})),
        (
            "/api/account/passkey/confirm".to_owned(),
            passkey_answer.clone(),
        ),
    ] {
        let answer = post(c, &mut pusher, &path, body).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
    }

    // carol's phone number changes (its notice to the old number is the gateway's last message).
    let mut carol = Browser::new(&portal.base);
    let (_, done) = carol
        .login_with("carol", PASSWORD, 2, &totp_now(&carol_app))
        .await;
    assert_eq!(done.ok()["outcome"], "success");
    let change = post(
        c,
        &mut carol,
        "/api/account/phone",
        json!({ "phone": "+41 79 555 99 99" }),
    )
    .await;
    let change_id = change.ok()["changeId"].as_str().unwrap().to_owned();
    let code = gateway.next_code().await;
    let path = format!("/api/account/phone/{change_id}/confirm");
    let refused = post(c, &mut carol, &path, json!({ "code": wrong(&code) })).await;
    assert_eq!(refused.ok()["outcome"], "wrong_code");
    let changed = post(c, &mut carol, &path, json!({ "code": code })).await;
    assert_eq!(changed.ok()["outcome"], "changed");

    // Removing a factor, ending every session, logging out.
    post(
        c,
        &mut page,
        &format!("/api/account/factors/{app_factor}/remove"),
        json!({}),
    )
    .await;
    // The removal ended alice's other sessions; hers ends now.
    post(c, &mut other, "/api/account/sessions/end", json!({}))
        .await
        .assert_error(401, "NotSignedIn");
    post(c, &mut page, "/api/account/sessions/end", json!({}))
        .await
        .ok();
    post(c, &mut pusher, "/api/logout", json!({})).await.ok();
    post(c, &mut pusher, "/api/logout", json!({})).await.ok();

    let expected = operations(&doc);
    assert_eq!(c.seen(), &expected, "every production route was checked");
    assert!(c.checked > expected.len(), "{} answers checked", c.checked);
}
