//! The rules of an authenticator's life after the login (issue 13): sessions in the store with
//! their timeouts, cap and revocations, and bindings made from a session. Included beside
//! `verifier_scenarios.rs` (as `scenarios`) by the in-memory and the SQLite test suites, which
//! instantiate every scenario with `lifecycle_scenarios!(make_store)`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::scenarios::{alice, login, totp_code, World, PASSWORD};
use secure_login_otp::{Digits, HashAlgorithm, TimeStep, Totp};
use secure_login_verifier::{ActivationOutcome, Clock, Error, EventKind, LoginOutcome, Store};

/// A new login of Alice's completed with the authenticator app, and its session opened.
fn sign_in<S: Store>(w: &World<S>, totp_factor: u32) -> (String, String) {
    let id = login(w);
    w.verifier.choose_factor(&id, totp_factor).unwrap();
    // A new step each time: a TOTP code is good once.
    w.clock.advance(30);
    assert!(matches!(
        w.verifier
            .submit_response(&id, &totp_code(w.clock.now()))
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
    let opened = w.verifier.open_session(&id).unwrap();
    (id, opened.token)
}

fn live<S: Store>(w: &World<S>, token: &str) -> bool {
    w.verifier.session(token).unwrap().is_some()
}

pub fn a_session_ends_when_idle_or_too_old_and_a_login_opens_only_one<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let (login_id, token) = sign_in(&w, f.totp);
    assert_eq!(token.len(), 64);
    let info = w.verifier.session(&token).unwrap().unwrap();
    assert_eq!(
        (info.account.as_str(), info.login.as_str()),
        (account.as_str(), login_id.as_str())
    );
    assert_eq!(
        w.verifier.open_session(&login_id).unwrap_err(),
        Error::NotAllowed("this login has already signed in")
    );
    // Idle: 30 minutes without a request end it; each request starts the count again.
    w.clock.advance(1799);
    assert!(live(&w, &token));
    w.clock.advance(1799);
    assert!(live(&w, &token));
    w.clock.advance(1800);
    assert!(!live(&w, &token), "30 minutes idle");
    // Absolute: 12 hours however active.
    let (_, token) = sign_in(&w, f.totp);
    let opened_at = w.clock.now();
    while w.clock.now() + 1500 < opened_at + 12 * 3600 {
        w.clock.advance(1500);
        assert!(live(&w, &token));
    }
    w.clock.set(opened_at + 12 * 3600 - 1);
    assert!(live(&w, &token));
    w.clock.advance(1);
    assert!(!live(&w, &token), "12 hours old");
    // Anything that is not a token is no session, and no error.
    for junk in ["", "x", &"0".repeat(64), &"g".repeat(64), &"ab".repeat(100)] {
        assert_eq!(w.verifier.session(junk).unwrap(), None);
    }
}

pub fn a_completed_login_nobody_claims_expires_after_a_minute<S: Store>(w: World<S>) {
    let (_, f) = alice(&w);
    let id = login(&w);
    assert_eq!(
        w.verifier.open_session(&id).unwrap_err(),
        Error::NotAllowed("sign in with your second factor first")
    );
    w.verifier.choose_factor(&id, f.totp).unwrap();
    w.verifier
        .submit_response(&id, &totp_code(w.clock.now()))
        .unwrap();
    w.clock.advance(61);
    assert_eq!(w.verifier.open_session(&id).unwrap_err(), Error::Expired);
    let (_, token) = sign_in(&w, f.totp);
    assert!(live(&w, &token), "claimed at once");
}

pub fn sign_out_everywhere_and_the_cap_of_ten_sessions<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let tokens: Vec<String> = (0..11).map(|_| sign_in(&w, f.totp).1).collect();
    assert!(!live(&w, &tokens[0]), "the eleventh evicted the oldest");
    assert!(tokens[1..].iter().all(|t| live(&w, t)));
    // Signing out ends one.
    w.verifier.end_session(&tokens[1]).unwrap();
    assert!(!live(&w, &tokens[1]) && live(&w, &tokens[2]));
    w.verifier.end_session(&tokens[1]).unwrap();
    w.verifier.end_session("not a token").unwrap();
    // "Sign out everywhere" ends the other nine, and says so in the account's events.
    assert_eq!(w.verifier.end_all_sessions(&account).unwrap(), 9);
    assert!(tokens.iter().all(|t| !live(&w, t)));
    let events = w.verifier.recent_events(&account, 5).unwrap();
    assert_eq!(events[0].kind, EventKind::SessionsEnded);
    assert_eq!(events[0].detail, "9");
    assert_eq!(w.verifier.end_all_sessions(&account).unwrap(), 0);
}

/// A stolen session cookie, used after the re-authentication window, adds no factor; a binding
/// made in time ends every other session of the account.
pub fn adding_an_authenticator_app_needs_a_recent_second_factor<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let (_, other) = sign_in(&w, f.totp);
    let (_, token) = sign_in(&w, f.totp);
    assert_eq!(
        w.verifier
            .confirm_totp_enrollment(&token, "new app", "123456"),
        Err(Error::NotAllowed(
            "no authenticator key is waiting: start again"
        ))
    );
    let shown = w.verifier.begin_totp_enrollment(&token).unwrap();
    assert_eq!(shown.username, "alice");
    assert_eq!(shown.secret.len(), 20);
    let app = Totp::new(
        shown.secret.expose_secret(),
        HashAlgorithm::Sha1,
        Digits::SIX,
        TimeStep::DEFAULT,
    )
    .unwrap();
    let code = app.generate(w.clock.now()).unwrap().to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        w.verifier
            .confirm_totp_enrollment(&token, "new app", "12ab56"),
        Err(Error::InvalidInput("the code is 6 digits"))
    );
    for left in (1..5).rev() {
        assert_eq!(
            w.verifier.confirm_totp_enrollment(&token, "new app", wrong),
            Err(Error::WrongCode {
                attempts_left: left
            })
        );
    }
    let added = w
        .verifier
        .confirm_totp_enrollment(&token, "new app", &code)
        .unwrap();
    let stored = w.verifier.account(&account).unwrap();
    assert_eq!(stored.active_factor(added).unwrap().label, "new app");
    assert!(live(&w, &token), "the person who bound it stays signed in");
    assert!(!live(&w, &other), "every other session ends");
    // The fifth wrong code drops the key.
    w.verifier.begin_totp_enrollment(&token).unwrap();
    for _ in 0..5 {
        let _ = w.verifier.confirm_totp_enrollment(&token, "x", wrong);
    }
    assert_eq!(
        w.verifier.confirm_totp_enrollment(&token, "x", &code),
        Err(Error::NotAllowed(
            "no authenticator key is waiting: start again"
        ))
    );
    // After the 5-minute window, the same cookie binds nothing.
    w.clock.advance(301);
    assert!(live(&w, &token));
    assert_eq!(
        w.verifier.begin_totp_enrollment(&token).unwrap_err(),
        Error::NotAllowed("sign in with your second factor again")
    );
    assert_eq!(
        w.verifier
            .account(&account)
            .unwrap()
            .active_factors()
            .count(),
        5
    );
}

pub fn a_phone_change_ends_the_other_sessions_and_a_migration_ends_all<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let (_, other) = sign_in(&w, f.totp);
    let (login_id, token) = sign_in(&w, f.totp);
    w.verifier
        .change_phone(&login_id, "+41 79 999 99 99")
        .unwrap();
    assert!(live(&w, &token) && !live(&w, &other));
    // A new token on a new device: the sessions opened with the old one all end.
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "device-b")
        .unwrap();
    let code = w.phone.last_code();
    let outcome = w
        .verifier
        .complete_activation(&started.activation_id, &code, "device-b")
        .unwrap();
    assert!(matches!(outcome, ActivationOutcome::Activated(_)));
    assert!(!live(&w, &token));
    assert_eq!(w.verifier.end_all_sessions(&account).unwrap(), 0);
}

/// Instantiates every lifecycle scenario as a `#[test]` for the store `make()` returns.
#[macro_export]
macro_rules! lifecycle_scenarios {
    ($make:expr) => {
        $crate::lifecycle_scenarios!(@each $make;
            a_session_ends_when_idle_or_too_old_and_a_login_opens_only_one,
            a_completed_login_nobody_claims_expires_after_a_minute,
            sign_out_everywhere_and_the_cap_of_ten_sessions,
            adding_an_authenticator_app_needs_a_recent_second_factor,
            a_phone_change_ends_the_other_sessions_and_a_migration_ends_all,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                lifecycle::$name(scenarios::world($make));
            }
        )*
    };
}
