//! Device authentication of the soft token (issue 13 item 6): the device id alone yields
//! nothing; every call of the token carries a proof under its device key over a one-time nonce;
//! wrong push answers spend that push, never the factor. Included beside `verifier_scenarios.rs`
//! (as `scenarios`) by the in-memory and the SQLite test suites, which instantiate every scenario
//! with `device_scenarios!(make_store)`.
//!
//! The token's proofs are computed with `secure_login_otp::device_proof`, whose output its unit
//! tests check against Python's `hmac`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::scenarios::{
    alice, answer, challenge_of, device_code, handle_of, listed, login, ocra_response, prove,
    World, DEVICE_KEY, PASSWORD, SOFT_SECRET, SOFT_SUITE,
};
use secure_login_otp::{hex_decode, hex_encode, push_response, PushDecision, Secret};
use secure_login_verifier::{
    device_action, ActivationOutcome, DeviceCall, Error, FactorKind, FactorSummary, LoginOutcome,
    LoginStatus, PushAnswer, Store, SOFT_TOKEN_LABEL,
};

/// Another 32-byte key: what an attacker without the device key has.
const WRONG_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";

fn refused<T: std::fmt::Debug>(result: secure_login_verifier::Result<T>) -> bool {
    matches!(result, Err(Error::NotAllowed(_)))
}

fn call<'a>(handle: &'a str, nonce: &'a str, proof: &'a str) -> DeviceCall<'a> {
    DeviceCall {
        handle,
        nonce,
        proof,
    }
}

fn mac(request: &str, number: u32, decision: PushDecision) -> String {
    push_response(&hex_decode(SOFT_SECRET).unwrap(), request, number, decision).unwrap()
}

pub fn the_device_id_alone_lists_nothing_and_answers_nothing<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let push = w.verifier.start_push(&id).unwrap();
    // Whoever knows the device id: it names nothing the token's calls accept.
    assert!(matches!(
        w.verifier.device_challenge("phone-a"),
        Err(Error::InvalidInput(_))
    ));
    assert!(refused(w.verifier.device_challenge("phonea")));
    // Even the handle, without the device key: a nonce, but no proof the verifier takes.
    let handle = handle_of("phone-a");
    let (nonce, proof) = prove(&w, &handle, WRONG_KEY, device_action::PUSHES, "");
    assert!(refused(
        w.verifier.device_pushes(call(&handle, &nonce, &proof))
    ));
    let (nonce, proof) = prove(&w, &handle, WRONG_KEY, device_action::STREAM, "");
    assert!(refused(
        w.verifier.stream_ticket(call(&handle, &nonce, &proof))
    ));
    // Answering, even with the right number: refused before the push is looked at, nothing
    // counted anywhere.
    let detail = format!("{} approve", push.request_id);
    for _ in 0..5 {
        let (nonce, proof) = prove(&w, &handle, WRONG_KEY, device_action::ANSWER, &detail);
        let right = mac(&push.request_id, push.number, PushDecision::Approve);
        let wrong = mac(&push.request_id, 0, PushDecision::Approve);
        for m in [&right, &wrong] {
            assert!(refused(w.verifier.answer_push(
                call(&handle, &nonce, &proof),
                &push.request_id,
                PushDecision::Approve,
                m,
            )));
        }
    }
    assert_eq!(w.verifier.lock_state(&account, f.soft).unwrap().failures, 0);
    assert_eq!(w.verifier.login_status(&id).unwrap(), LoginStatus::Pending);
    // The token itself still lists the push and approves it.
    assert_eq!(listed(&w, "phone-a").len(), 1);
    let right = mac(&push.request_id, push.number, PushDecision::Approve);
    assert_eq!(
        answer(
            &w,
            "phone-a",
            &push.request_id,
            PushDecision::Approve,
            &right
        )
        .unwrap(),
        PushAnswer::Approved
    );
    assert_eq!(
        w.verifier.login_status(&id).unwrap(),
        LoginStatus::Succeeded
    );
}

pub fn a_wrong_replayed_or_misdirected_proof_is_refused<S: Store>(w: World<S>) {
    let (_, _) = alice(&w);
    let handle = handle_of("phone-a");
    let (nonce, proof) = prove(&w, &handle, DEVICE_KEY, device_action::PUSHES, "");
    assert!(w
        .verifier
        .device_pushes(call(&handle, &nonce, &proof))
        .is_ok());
    // The same nonce and proof again: a replay.
    assert!(refused(
        w.verifier.device_pushes(call(&handle, &nonce, &proof))
    ));
    // A proof for another action, or with a tampered MAC, is refused, and spends its nonce.
    let (nonce, proof) = prove(&w, &handle, DEVICE_KEY, device_action::PUSHES, "");
    assert!(refused(
        w.verifier.stream_ticket(call(&handle, &nonce, &proof))
    ));
    assert!(refused(
        w.verifier.device_pushes(call(&handle, &nonce, &proof))
    ));
    let (nonce, proof) = prove(&w, &handle, DEVICE_KEY, device_action::PUSHES, "");
    let mut tampered = proof.into_bytes();
    tampered[0] = if tampered[0] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(refused(
        w.verifier.device_pushes(call(&handle, &nonce, &tampered))
    ));
    // A nonce a minute old is spent.
    let (nonce, proof) = prove(&w, &handle, DEVICE_KEY, device_action::PUSHES, "");
    w.clock.advance(60);
    assert!(refused(
        w.verifier.device_pushes(call(&handle, &nonce, &proof))
    ));
    // A nonce issued to another token is no nonce of this one.
    let bob = w.verifier.create_account("bob", PASSWORD).unwrap().id;
    w.verifier
        .add_factor(&bob, "", scenarios_soft_token("phone-b"))
        .unwrap();
    let other = handle_of("phone-b");
    let nonce = w.verifier.device_challenge(&other).unwrap().nonce;
    let proof = secure_login_otp::device_proof(
        &hex_decode(DEVICE_KEY).unwrap(),
        &nonce,
        device_action::PUSHES,
        &handle,
        "",
    )
    .unwrap();
    assert!(refused(
        w.verifier.device_pushes(call(&handle, &nonce, &proof))
    ));
    // A stream ticket opens one stream, once, within its minute.
    let (nonce, proof) = prove(&w, &handle, DEVICE_KEY, device_action::STREAM, "");
    let ticket = w
        .verifier
        .stream_ticket(call(&handle, &nonce, &proof))
        .unwrap();
    assert_eq!(w.verifier.open_stream(&ticket.nonce).unwrap(), handle);
    assert!(refused(w.verifier.open_stream(&ticket.nonce)));
    let (nonce, proof) = prove(&w, &handle, DEVICE_KEY, device_action::STREAM, "");
    let ticket = w
        .verifier
        .stream_ticket(call(&handle, &nonce, &proof))
        .unwrap();
    w.clock.advance(60);
    assert!(refused(w.verifier.open_stream(&ticket.nonce)));
    assert!(refused(w.verifier.open_stream("0123456789abcdef")));
}

/// Another scenario token (the same secrets as Alice's, on `device`).
fn scenarios_soft_token(device: &str) -> FactorKind {
    super::scenarios::soft_token_kind(device)
}

pub fn three_wrong_push_answers_expire_that_push_and_leave_the_factor_unlocked<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let id = login(&w);
    let push = w.verifier.start_push(&id).unwrap();
    let wrong_number = if push.number == 10 { 11 } else { 10 };
    let wrong = mac(&push.request_id, wrong_number, PushDecision::Approve);
    let answers: Vec<PushAnswer> = (0..4)
        .map(|_| {
            answer(
                &w,
                "phone-a",
                &push.request_id,
                PushDecision::Approve,
                &wrong,
            )
            .unwrap()
        })
        .collect();
    assert_eq!(
        answers,
        [
            PushAnswer::Rejected { attempts_left: 2 },
            PushAnswer::Rejected { attempts_left: 1 },
            PushAnswer::Expired,
            PushAnswer::Expired,
        ]
    );
    // Spent: the right number no longer approves it, and the token no longer lists it.
    let right = mac(&push.request_id, push.number, PushDecision::Approve);
    assert_eq!(
        answer(
            &w,
            "phone-a",
            &push.request_id,
            PushDecision::Approve,
            &right
        )
        .unwrap(),
        PushAnswer::Expired
    );
    assert!(listed(&w, "phone-a").is_empty());
    // The factor counted nothing: the right response logs in.
    assert_eq!(w.verifier.lock_state(&account, f.soft).unwrap().failures, 0);
    let challenge = challenge_of(&w.verifier.choose_factor(&id, f.soft).unwrap());
    let response = ocra_response(SOFT_SUITE, SOFT_SECRET, &challenge, None);
    assert!(matches!(
        w.verifier.submit_response(&id, &response).unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn a_token_activated_before_device_authentication_answers_challenges_but_gets_no_push<
    S: Store,
>(
    w: World<S>,
) {
    let account = w.verifier.create_account("alice", PASSWORD).unwrap().id;
    let legacy = FactorKind::SoftToken {
        suite: SOFT_SUITE.parse().unwrap(),
        secret: Secret::from_hex(SOFT_SECRET).unwrap(),
        device_id: "65cba4e2".into(),
        device: None,
    };
    // Labelled as activations labelled them before: with the device id.
    let factor = w
        .verifier
        .add_factor(&account, "soft token on 65cba4e2", legacy)
        .unwrap();
    let shown = w.verifier.start_login("alice", PASSWORD).unwrap();
    let label = &shown.factors.iter().find(|f| f.id == factor).unwrap().label;
    assert_eq!(label, SOFT_TOKEN_LABEL, "the device id is no label");
    let id = login(&w);
    assert!(refused(w.verifier.start_push(&id)));
    let challenge = challenge_of(&w.verifier.choose_factor(&id, factor).unwrap());
    let response = ocra_response(SOFT_SUITE, SOFT_SECRET, &challenge, None);
    assert!(matches!(
        w.verifier.submit_response(&id, &response).unwrap(),
        LoginOutcome::Success { .. }
    ));
}

pub fn an_activation_hands_over_a_device_credential_and_a_label_without_the_device_id<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "65cba4e2")
        .unwrap();
    let code = device_code(&w, f.totp);
    let ActivationOutcome::Activated(token) = w
        .verifier
        .complete_activation(&started.activation_id, &code, "65cba4e2")
        .unwrap()
    else {
        panic!("activated")
    };
    assert_eq!(token.device_key.len(), 32);
    assert_eq!(token.device_handle.len(), 32);
    assert!(!token.device_handle.contains("65cba4e2"));
    let shown: Vec<FactorSummary> = w
        .verifier
        .account(&account)
        .unwrap()
        .active_factors()
        .map(FactorSummary::from)
        .collect();
    let new = shown.iter().find(|s| s.id == token.factor).unwrap();
    assert_eq!(new.label, SOFT_TOKEN_LABEL);
    assert!(shown.iter().all(|s| !s.label.contains("65cba4e2")));
    // The new token proves itself with what it was given; the old one (migrated) no longer can.
    let key_hex = hex_encode(token.device_key.expose_secret());
    let (nonce, proof) = prove(
        &w,
        &token.device_handle,
        &key_hex,
        device_action::PUSHES,
        "",
    );
    assert!(w
        .verifier
        .device_pushes(call(&token.device_handle, &nonce, &proof))
        .is_ok());
    // After the migration's cooling-off the old token proves nothing.
    w.clock.advance(w.verifier.policy().binding_cooling_off);
    assert!(refused(w.verifier.device_challenge(&handle_of("phone-a"))));
    let id = login(&w);
    let push = w.verifier.start_push(&id).unwrap();
    let secret = token.secret.expose_secret();
    let approve =
        push_response(secret, &push.request_id, push.number, PushDecision::Approve).unwrap();
    let (nonce, proof) = prove(
        &w,
        &token.device_handle,
        &key_hex,
        device_action::ANSWER,
        &format!("{} approve", push.request_id),
    );
    assert_eq!(
        w.verifier
            .answer_push(
                call(&token.device_handle, &nonce, &proof),
                &push.request_id,
                PushDecision::Approve,
                &approve,
            )
            .unwrap(),
        PushAnswer::Approved
    );
}

/// Instantiates every device scenario as a `#[test]` for the store `make()` returns.
#[macro_export]
macro_rules! device_scenarios {
    ($make:expr) => {
        $crate::device_scenarios!(@each $make;
            the_device_id_alone_lists_nothing_and_answers_nothing,
            a_wrong_replayed_or_misdirected_proof_is_refused,
            three_wrong_push_answers_expire_that_push_and_leave_the_factor_unlocked,
            a_token_activated_before_device_authentication_answers_challenges_but_gets_no_push,
            an_activation_hands_over_a_device_credential_and_a_label_without_the_device_id,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                device::$name(scenarios::world($make));
            }
        )*
    };
}
