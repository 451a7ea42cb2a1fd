//! Passkeys over HTTP (issue 14): registration, second factor and passwordless logins, and the
//! API's refusals: bad JSON, an answer that is no WebAuthn answer, a wrong challenge, a replayed
//! ceremony, a wrong origin (a phishing relay), a wrong RP ID, no user verification, a signature
//! count that does not go up (a copied passkey), and a portal without a domain name.
//!
//! The authenticator is this file's own: an Ed25519 key (ed25519-dalek) and the CTAP2 structures
//! written byte by byte from the WebAuthn Level 3 spec (authenticator data, "none" attestation
//! in canonical CBOR, the COSE key), independent of the portal's WebAuthn library.

use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::{Signer, SigningKey};
use secure_login_server::origin::PublicOrigin;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use crate::harness::in_process::*;

/// User present + user verified.
const UP_UV: u8 = 0x05;

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// The API's headers on a passkey answer, success or refusal (headers.rs checks every other
/// route's).
#[track_caller]
fn api_headers(answer: &Answer) {
    assert_eq!(
        answer.headers["cache-control"], "no-store",
        "{}",
        answer.text
    );
    assert_eq!(answer.headers["x-content-type-options"], "nosniff");
    assert_eq!(answer.headers["x-frame-options"], "DENY");
    assert!(answer.headers.contains_key("content-security-policy"));
}

/// CollectedClientData as a browser serialises it: the members in the spec's order (WebAuthn
/// Level 3, 5.8.1.1), which the limited verification algorithm reads.
fn client_data(kind: &str, options: &Value, origin: &str) -> String {
    format!(
        r#"{{"type":"{kind}","challenge":{},"origin":{},"crossOrigin":false}}"#,
        options["challenge"],
        Value::String(origin.to_owned())
    )
}

/// A software authenticator holding one Ed25519 credential.
struct Authenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    /// The user handle it was registered with.
    user: Vec<u8>,
    count: u32,
}

impl Authenticator {
    fn new(seed: u8) -> Self {
        Self {
            key: SigningKey::from_bytes(&[seed; 32]),
            credential_id: vec![seed; 16],
            user: Vec::new(),
            count: 0,
        }
    }

    /// Authenticator data: SHA-256(RP ID), flags, the count (big-endian), then `rest`.
    fn authenticator_data(rp_id: &str, flags: u8, count: u32, rest: &[u8]) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&count.to_be_bytes());
        data.extend_from_slice(rest);
        data
    }

    /// The COSE_Key of the public key (RFC 9053: kty OKP 1, alg EdDSA -8, crv Ed25519 6, x),
    /// keys in CTAP2 canonical order (1, 3, -1, -2).
    fn cose_key(&self) -> Vec<u8> {
        let mut key = vec![0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20];
        key.extend_from_slice(self.key.verifying_key().as_bytes());
        key
    }

    /// The navigator.credentials.create() answer (toJSON form) to creation `options`.
    fn register(&mut self, options: &Value, origin: &str) -> Value {
        let rp_id = options["rp"]["id"].as_str().unwrap();
        self.user = Base64UrlUnpadded::decode_vec(options["user"]["id"].as_str().unwrap()).unwrap();
        let client_data = client_data("webauthn.create", options, origin);
        // Attested credential data: AAGUID (zero), the id's length, the id, the COSE key.
        let mut attested = vec![0u8; 16];
        attested.extend_from_slice(
            &u16::try_from(self.credential_id.len())
                .unwrap()
                .to_be_bytes(),
        );
        attested.extend_from_slice(&self.credential_id);
        attested.extend_from_slice(&self.cose_key());
        let auth_data = Self::authenticator_data(rp_id, UP_UV | 0x40, self.count, &attested);
        // {"fmt": "none", "attStmt": {}, "authData": bytes}, canonical order (shorter keys first).
        let mut attestation = vec![0xa3, 0x63];
        attestation.extend_from_slice(b"fmt");
        attestation.push(0x64);
        attestation.extend_from_slice(b"none");
        attestation.push(0x67);
        attestation.extend_from_slice(b"attStmt");
        attestation.push(0xa0);
        attestation.push(0x68);
        attestation.extend_from_slice(b"authData");
        // A byte string in its shortest form (canonical CBOR): here 113 bytes, one length byte.
        attestation.push(0x58);
        attestation.push(u8::try_from(auth_data.len()).unwrap());
        attestation.extend_from_slice(&auth_data);
        // SubjectPublicKeyInfo of an Ed25519 key (RFC 8410).
        let mut spki = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        spki.extend_from_slice(self.key.verifying_key().as_bytes());
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "attestationObject": b64(&attestation),
                "authenticatorData": b64(&auth_data),
                "publicKey": b64(&spki),
                "publicKeyAlgorithm": -8,
                "transports": ["internal"],
            },
        })
    }

    /// The navigator.credentials.get() answer to request `options`, signed over what is given.
    fn assert(&mut self, options: &Value, origin: &str, rp_id: &str, flags: u8) -> Value {
        self.count += 1;
        let client_data = client_data("webauthn.get", options, origin);
        let auth_data = Self::authenticator_data(rp_id, flags, self.count, &[]);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
        let signature = self.key.sign(&signed);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "authenticatorData": b64(&auth_data),
                "signature": b64(&signature.to_bytes()),
                "userHandle": b64(&self.user),
            },
        })
    }
}

/// A portal at http://localhost:PORT (its --public-origin), alice with an authenticator app.
async fn portal() -> (Server, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = format!("http://localhost:{port}");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(&dir);
    config.public_origin = Some(PublicOrigin::parse(&origin).unwrap());
    let portal = tokio::task::spawn_blocking(move || secure_login_server::portal(config))
        .await
        .unwrap()
        .unwrap();
    let router = portal.router;
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let server = Server::from_parts(origin.clone(), portal.state, dir, task);
    server.client().set_clock(T0).await;
    server.account("alice", &[("app", totp_factor())]);
    (server, origin)
}

/// alice signed in with her authenticator app at `at` (a fresh time step each time).
async fn signed_in(server: &Server, at: u64) -> Client {
    let mut client = server.client();
    client.set_clock(at).await;
    let (login, factors) = client.login("alice", PASSWORD).await;
    client
        .choose(&login, Client::factor(&factors, "totp"))
        .await
        .ok();
    let answer = client.respond(&login, &totp_code(TOTP_SECRET, at)).await;
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
    client
}

/// alice's authenticator, registered from a fresh session.
async fn registered(server: &Server, origin: &str) -> Authenticator {
    let mut client = signed_in(server, T0 + 30).await;
    let started = client.post("/api/account/passkey", json!({})).await;
    api_headers(&started);
    let started = started.ok().clone();
    assert_eq!(started["options"]["rp"]["id"], "localhost");
    assert_eq!(
        started["options"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    let mut authenticator = Authenticator::new(7);
    let credential = authenticator.register(&started["options"], origin);
    let added = client
        .post(
            "/api/account/passkey/confirm",
            json!({ "ceremony": started["ceremony"], "credential": credential, "label": "laptop" }),
        )
        .await;
    api_headers(&added);
    assert!(added.ok()["factorId"].as_u64().is_some());
    authenticator
}

/// Begins a passwordless login: (ceremony, options).
async fn passwordless(client: &mut Client) -> (Value, Value) {
    let started = client.post("/api/passkey/login", json!({})).await;
    api_headers(&started);
    let body = started.ok();
    (body["ceremony"].clone(), body["options"].clone())
}

async fn finish(client: &mut Client, ceremony: &Value, credential: Value) -> Answer {
    let answer = client
        .post(
            "/api/passkey/finish",
            json!({ "ceremony": ceremony, "credential": credential }),
        )
        .await;
    api_headers(&answer);
    answer
}

#[tokio::test]
async fn a_passkey_registers_and_signs_in_as_second_factor_and_alone() {
    let (server, origin) = portal().await;
    let mut authenticator = registered(&server, &origin).await;
    // Passwordless: the session opens.
    let mut client = server.client();
    let (ceremony, options) = passwordless(&mut client).await;
    assert_eq!(options["userVerification"], "required");
    assert_eq!(options["rpId"], "localhost");
    let credential = authenticator.assert(&options, &origin, "localhost", UP_UV);
    let answer = finish(&mut client, &ceremony, credential.clone()).await;
    assert_eq!(answer.ok()["username"], "alice");
    assert!(client.cookie.is_some());
    client.get("/api/account").await.ok();
    // The same answer again: the ceremony is gone.
    finish(&mut server.client(), &ceremony, credential)
        .await
        .assert_error(404, "NotFound");
    // Second factor: the passkey is listed first, and its ceremony names it.
    let mut client = server.client();
    let (login, factors) = client.login("alice", PASSWORD).await;
    assert_eq!(factors[0]["kind"], "passkey");
    assert_eq!(factors[0]["label"], "laptop");
    let started = client
        .post(&format!("/api/login/{login}/passkey"), json!({}))
        .await;
    api_headers(&started);
    let started = started.ok().clone();
    assert_eq!(
        started["options"]["allowCredentials"][0]["id"],
        b64(&[7; 16])
    );
    let credential = authenticator.assert(&started["options"], &origin, "localhost", UP_UV);
    let answer = finish(&mut client, &started["ceremony"], credential).await;
    assert_eq!(answer.ok()["username"], "alice");
    client.get("/api/account").await.ok();
    // Choosing the passkey like a code factor is refused: it has its own ceremony.
    let (login, factors) = server.client().login("alice", PASSWORD).await;
    server
        .client()
        .choose(&login, Client::factor(&factors, "passkey"))
        .await
        .assert_error(409, "NotAllowed");
}

#[tokio::test]
async fn refusals_bad_json_wrong_challenge_origin_rp_id_and_user_verification() {
    let (server, origin) = portal().await;
    let mut authenticator = registered(&server, &origin).await;
    let mut client = server.client();
    // Not JSON, the wrong shape, no WebAuthn answer: refused before any ceremony is touched.
    client
        .post_raw("/api/passkey/finish", "application/json", b"{".to_vec())
        .await
        .assert_error(400, "InvalidInput");
    client
        .post("/api/passkey/finish", json!({ "ceremony": 1 }))
        .await
        .assert_error(400, "InvalidInput");
    let (ceremony, _) = passwordless(&mut client).await;
    finish(&mut client, &ceremony, json!({ "id": "AAAA" }))
        .await
        .assert_error(400, "InvalidInput");
    // An unknown ceremony.
    let (_, options) = passwordless(&mut client).await;
    let credential = authenticator.assert(&options, &origin, "localhost", UP_UV);
    finish(&mut client, &json!("00".repeat(16)), credential)
        .await
        .assert_error(404, "NotFound");
    // Each refusal below is one ceremony, signed correctly but over the wrong thing.
    let cases: [(&str, &str, u8, &str, &str); 4] = [
        (
            "another challenge",
            "localhost",
            UP_UV,
            "challenge",
            "challenge sent to the client does not match",
        ),
        (
            "http://localhost:1",
            "localhost",
            UP_UV,
            "origin",
            "not an allowed origin",
        ),
        (
            "",
            "evil.example",
            UP_UV,
            "RP ID",
            "hash of the RP ID doesn't match",
        ),
        (
            "",
            "localhost",
            0x01,
            "user verification",
            "user was not verified",
        ),
    ];
    for (twist, rp_id, flags, what, expected) in cases {
        let (ceremony, mut options) = passwordless(&mut client).await;
        let mut from = origin.clone();
        if twist == "another challenge" {
            options["challenge"] = json!(b64(&[0; 16]));
        } else if !twist.is_empty() {
            from = twist.to_owned();
        }
        let credential = authenticator.assert(&options, &from, rp_id, flags);
        let answer = finish(&mut client, &ceremony, credential).await;
        answer.assert_error(400, "PasskeyRefused");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{what}: {message}");
        assert!(client.cookie.is_none(), "{what}: no session");
    }
    // Each was recorded for alice.
    let account = server
        .state
        .verifier
        .account_by_username("alice")
        .unwrap()
        .unwrap();
    let refused = server
        .state
        .verifier
        .recent_events(&account.id, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.as_str() == "passkey_refused")
        .count();
    assert_eq!(refused, 4);
    // The authenticator still works with everything right.
    let (ceremony, options) = passwordless(&mut client).await;
    let credential = authenticator.assert(&options, &origin, "localhost", UP_UV);
    finish(&mut client, &ceremony, credential).await.ok();
}

#[tokio::test]
async fn a_signature_count_that_does_not_go_up_is_refused() {
    let (server, origin) = portal().await;
    let mut authenticator = registered(&server, &origin).await;
    let mut client = server.client();
    for _ in 0..3 {
        let (ceremony, options) = passwordless(&mut client).await;
        let credential = authenticator.assert(&options, &origin, "localhost", UP_UV);
        finish(&mut client, &ceremony, credential).await.ok();
    }
    // A copy of the credential, its count where the original's was after the first login.
    let mut copy = Authenticator::new(7);
    copy.user.clone_from(&authenticator.user);
    copy.count = 1;
    let mut thief = server.client();
    let (ceremony, options) = passwordless(&mut thief).await;
    let credential = copy.assert(&options, &origin, "localhost", UP_UV);
    let answer = finish(&mut thief, &ceremony, credential).await;
    answer.assert_error(400, "PasskeyRefused");
    assert!(answer.text.contains("did not go up"), "{}", answer.text);
    assert!(thief.cookie.is_none());
    // The original goes on.
    let (ceremony, options) = passwordless(&mut client).await;
    let credential = authenticator.assert(&options, &origin, "localhost", UP_UV);
    finish(&mut client, &ceremony, credential).await.ok();
}

#[tokio::test]
async fn registration_needs_a_recent_second_factor_and_a_portal_with_a_domain() {
    let (server, _) = portal().await;
    let mut client = signed_in(&server, T0 + 30).await;
    client.set_clock(T0 + 30 + 301).await;
    let late = client.post("/api/account/passkey", json!({})).await;
    late.assert_error(409, "NotAllowed");
    api_headers(&late);
    server
        .client()
        .post("/api/account/passkey", json!({}))
        .await
        .assert_error(401, "NotSignedIn");
    // A portal reached by IP address has no RP ID: no passkeys.
    let plain = start().await;
    let mut client = plain.client();
    client
        .post("/api/passkey/login", json!({}))
        .await
        .assert_error(404, "PasskeysOff");
}
