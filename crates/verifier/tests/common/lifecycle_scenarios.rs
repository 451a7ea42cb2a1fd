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

use super::scenarios::{
    alice, challenge_of, device_code, events_of, login, ocra_response, totp_code, totp_login,
    World, PASSWORD, SOFT_SECRET, SOFT_SUITE,
};
use secure_login_otp::{Digits, HashAlgorithm, TimeStep, Totp};
use secure_login_verifier::{
    ActivationOutcome, BindingKind, Clock, Error, EventKind, FactorKind, LoginOutcome,
    PhoneChangeOutcome, Prompt, Store, Strength, RECOVERY_CODES,
};

/// A new login of Alice's completed with the authenticator app, and its session opened.
fn sign_in<S: Store>(w: &World<S>, totp_factor: u32) -> (String, String) {
    let id = totp_login(w, totp_factor);
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
    let change = w
        .verifier
        .begin_phone_change(&login_id, "+41 79 999 99 99")
        .unwrap();
    assert!(live(&w, &other), "nothing is bound yet");
    let code = w.phone.last_code();
    assert_eq!(
        w.verifier
            .confirm_phone_change(&login_id, &change.change_id, &code)
            .unwrap(),
        PhoneChangeOutcome::Changed
    );
    assert!(live(&w, &token) && !live(&w, &other));
    // A new token on a new device (with a device code: Alice has a device): the sessions
    // opened with the old one all end.
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "device-b")
        .unwrap();
    let code = device_code(&w, f.totp);
    let outcome = w
        .verifier
        .complete_activation(&started.activation_id, &code, "device-b")
        .unwrap();
    assert!(matches!(outcome, ActivationOutcome::Activated(_)));
    assert!(!live(&w, &token));
    assert_eq!(w.verifier.end_all_sessions(&account).unwrap(), 0);
}

pub fn the_holder_renames_and_removes_factors_but_never_the_last<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let (_, other) = sign_in(&w, f.totp);
    let (login_id, token) = sign_in(&w, f.totp);
    assert_eq!(
        w.verifier.factors_last_used(&account).unwrap().get(&f.totp),
        Some(&w.clock.now())
    );
    w.verifier
        .rename_factor(&login_id, f.sms, "  work phone ")
        .unwrap();
    let stored = w.verifier.account(&account).unwrap();
    assert_eq!(stored.active_factor(f.sms).unwrap().label, "work phone");
    assert!(live(&w, &other), "a new label changes how nobody signs in");
    for bad in ["", "   ", &"x".repeat(65), "tab\there"] {
        assert!(matches!(
            w.verifier.rename_factor(&login_id, f.sms, bad),
            Err(Error::InvalidInput(_))
        ));
    }
    w.verifier.remove_factor(&login_id, f.voice).unwrap();
    assert!(w
        .verifier
        .account(&account)
        .unwrap()
        .active_factor(f.voice)
        .is_none());
    assert!(live(&w, &token) && !live(&w, &other));
    assert_eq!(
        w.verifier.remove_factor(&login_id, f.voice),
        Err(Error::NotFound("factor"))
    );
    assert_eq!(
        w.verifier.rename_factor(&login_id, f.voice, "x"),
        Err(Error::NotFound("factor"))
    );
    w.verifier.remove_factor(&login_id, f.sms).unwrap();
    w.verifier.remove_factor(&login_id, f.soft).unwrap();
    assert_eq!(
        w.verifier.remove_factor(&login_id, f.totp),
        Err(Error::NotAllowed(
            "this is the account's last second factor: add another first"
        ))
    );
    let retired = w
        .verifier
        .recent_events(&account, 10)
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::FactorRetired)
        .count();
    assert_eq!(retired, 3);
    // The removed factors are no longer offered at login.
    let offered: Vec<u32> = w
        .verifier
        .start_login("alice", PASSWORD)
        .unwrap()
        .factors
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(offered, vec![f.totp]);
    // A stolen cookie after the window removes nothing.
    w.clock.advance(301);
    assert_eq!(
        w.verifier.rename_factor(&login_id, f.totp, "mine"),
        Err(Error::NotAllowed("sign in with your second factor again"))
    );
}

pub fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let (_, other) = sign_in(&w, f.totp);
    let (login_id, token) = sign_in(&w, f.totp);
    const NEW: &str = "a new passphrase, long";
    assert_eq!(
        w.verifier
            .change_password(&login_id, "not the password", NEW, "test"),
        Err(Error::BadCredentials)
    );
    assert_eq!(
        w.verifier
            .change_password(&login_id, PASSWORD, "short", "test"),
        Err(Error::InvalidInput("a password has 8 to 1024 characters"))
    );
    w.verifier
        .change_password(&login_id, PASSWORD, NEW, "test")
        .unwrap();
    assert!(live(&w, &token) && !live(&w, &other));
    assert_eq!(
        w.verifier.start_login("alice", PASSWORD).unwrap_err(),
        Error::BadCredentials
    );
    w.verifier.start_login("alice", NEW).unwrap();
    let kinds: Vec<EventKind> = w
        .verifier
        .recent_events(&account, 20)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&EventKind::PasswordChanged));
    assert!(
        kinds.contains(&EventKind::PasswordRejected),
        "the wrong current one"
    );
    w.clock.advance(301);
    assert_eq!(
        w.verifier.change_password(&login_id, NEW, PASSWORD, "test"),
        Err(Error::NotAllowed("sign in with your second factor again"))
    );
}

pub fn an_administrator_disables_resets_retires_and_deletes<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    w.verifier.create_account("bob", PASSWORD).unwrap();
    let listed = w.verifier.list_accounts().unwrap();
    let names: Vec<(&str, usize, bool)> = listed
        .iter()
        .map(|a| (a.username.as_str(), a.factors, a.disabled))
        .collect();
    assert_eq!(names, vec![("alice", 4, false), ("bob", 0, false)]);

    let (_, token) = sign_in(&w, f.totp);
    w.verifier.set_disabled(&account, true).unwrap();
    assert!(!live(&w, &token));
    assert_eq!(
        w.verifier.start_login("alice", PASSWORD).unwrap_err(),
        Error::AccountDisabled
    );
    assert_eq!(
        w.verifier
            .start_login("alice", "wrong password")
            .unwrap_err(),
        Error::BadCredentials,
        "a wrong password says nothing about the account"
    );
    assert!(w.verifier.list_accounts().unwrap()[0].disabled);
    w.verifier.set_disabled(&account, false).unwrap();

    let (_, token) = sign_in(&w, f.totp);
    w.verifier
        .reset_password(&account, "reset by the desk")
        .unwrap();
    assert!(!live(&w, &token));
    assert_eq!(
        w.verifier.start_login("alice", PASSWORD).unwrap_err(),
        Error::BadCredentials
    );
    w.verifier.reset_password(&account, PASSWORD).unwrap();

    let (_, token) = sign_in(&w, f.totp);
    w.verifier.retire_factor(&account, f.soft).unwrap();
    assert!(!live(&w, &token));
    assert!(w
        .verifier
        .account(&account)
        .unwrap()
        .active_factor(f.soft)
        .is_none());

    let (_, token) = sign_in(&w, f.totp);
    w.verifier.delete_account(&account).unwrap();
    assert!(!live(&w, &token));
    assert_eq!(
        w.verifier.start_login("alice", PASSWORD).unwrap_err(),
        Error::BadCredentials
    );
    assert_eq!(
        w.verifier.account(&account).unwrap_err(),
        Error::NotFound("account")
    );
    let kinds: Vec<EventKind> = w
        .verifier
        .recent_events(&account, 100)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    for kind in [
        EventKind::AccountDeleted,
        EventKind::FactorRetired,
        EventKind::PasswordReset,
        EventKind::AccountEnabled,
        EventKind::AccountDisabled,
        EventKind::AccountCreated,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} kept in {kinds:?}");
    }
    // The name is free again, for a new account.
    let again = w.verifier.create_account("alice", PASSWORD).unwrap();
    assert_ne!(again.id, account);
}

/// Logs alice in with recovery code `code` of factor `factor`: the outcome.
fn recovery_login<S: Store>(w: &World<S>, factor: u32, code: &str) -> LoginOutcome {
    let id = login(w);
    assert_eq!(
        w.verifier.choose_factor(&id, factor).unwrap(),
        Prompt::RecoveryCode
    );
    w.verifier.submit_response(&id, code).unwrap()
}

pub fn recovery_codes_are_shown_once_good_once_throttled_and_replaced_as_a_set<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let (_, other) = sign_in(&w, f.totp);
    let (login_id, token) = sign_in(&w, f.totp);
    let issued = w.verifier.issue_recovery_codes(&login_id).unwrap();
    assert_eq!(issued.codes.len(), RECOVERY_CODES);
    let alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for code in &issued.codes {
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 4, "{code}");
        assert!(groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| alphabet.contains(c))));
    }
    let distinct: std::collections::BTreeSet<&String> = issued.codes.iter().collect();
    assert_eq!(distinct.len(), RECOVERY_CODES);
    assert!(live(&w, &token) && !live(&w, &other), "a new binding");
    // Only keyed hashes are stored: no code, grouped or not, is in the account's record.
    let raw = w.verifier.store().scan("account/").unwrap();
    let raw: String = raw
        .iter()
        .map(|(_, v)| String::from_utf8_lossy(&v.value).into_owned())
        .collect();
    for code in &issued.codes {
        assert!(!raw.contains(code.as_str()) && !raw.contains(&code.replace('-', "")));
    }

    // A code signs in once, typed any way a person types it; the account is told.
    let first = issued.codes[0].to_lowercase().replace('-', " ");
    assert!(matches!(
        recovery_login(&w, issued.factor, &first),
        LoginOutcome::Success { .. }
    ));
    let events = w.verifier.recent_events(&account, 5).unwrap();
    let used = events
        .iter()
        .find(|e| e.kind == EventKind::RecoveryCodeUsed)
        .unwrap();
    assert_eq!(used.detail, "9 left");
    assert!(matches!(
        recovery_login(&w, issued.factor, &issued.codes[0]),
        LoginOutcome::WrongCode { .. }
    ));
    let summary = w
        .verifier
        .start_login("alice", PASSWORD)
        .unwrap()
        .factors
        .into_iter()
        .find(|s| s.id == issued.factor)
        .unwrap();
    assert_eq!(summary.codes_left, Some(9));

    // Throttled like a factor: the tenth failure in a row locks it, even for a good code.
    for _ in 1..10 {
        recovery_login(&w, issued.factor, "AAAA-AAAA-AAAA-AAAA");
    }
    assert!(matches!(
        recovery_login(&w, issued.factor, &issued.codes[1]),
        LoginOutcome::Locked { .. }
    ));
    w.verifier.unlock(&account, issued.factor).unwrap();
    assert!(matches!(
        recovery_login(&w, issued.factor, &issued.codes[1]),
        LoginOutcome::Success { .. }
    ));

    // A new set replaces the old one: its codes are no longer offered or accepted.
    let renewed = w.verifier.issue_recovery_codes_for(&account).unwrap();
    assert!(
        !live(&w, &token),
        "an administrator's new set ends every session"
    );
    assert_eq!(
        w.verifier.choose_factor(&login(&w), issued.factor),
        Err(Error::NotFound("factor"))
    );
    // The last code used retires the set.
    for (n, code) in renewed.codes.iter().enumerate() {
        assert!(
            matches!(
                recovery_login(&w, renewed.factor, code),
                LoginOutcome::Success { .. }
            ),
            "code {n}"
        );
    }
    let stored = w.verifier.account(&account).unwrap();
    assert!(stored.active_factor(renewed.factor).is_none());
    assert!(w
        .verifier
        .recent_events(&account, 3)
        .unwrap()
        .iter()
        .any(|e| e.kind == EventKind::RecoveryCodeUsed && e.detail == "0 left"));
    // Outside the re-authentication window, a session issues none.
    w.clock.advance(301);
    assert_eq!(
        w.verifier.issue_recovery_codes(&login_id).unwrap_err(),
        Error::NotAllowed("sign in with your second factor again")
    );
}

/// A login of Alice's completed with an SMS code (what a SIM swap or a forwarded SMS gives an
/// attacker who has her password).
fn sms_login<S: Store>(w: &World<S>, sms_factor: u32) -> String {
    let id = login(w);
    w.verifier.choose_factor(&id, sms_factor).unwrap();
    let code = w.phone.last_code();
    assert!(matches!(
        w.verifier.submit_response(&id, &code).unwrap(),
        LoginOutcome::Success { .. }
    ));
    id
}

fn active_ids<S: Store>(w: &World<S>, account: &str) -> Vec<u32> {
    let account = w.verifier.account(account).unwrap();
    account.active_factors().map(|f| f.id).collect()
}

const POSSESSION: Error = Error::StrongerFactorNeeded {
    required: Strength::Possession,
};

/// Issue 13, the binding rules: Alice has a soft token; an attacker has her password and her
/// phone number (a SIM swap). The SMS logs in, and binds nothing.
pub fn a_password_and_the_phone_bind_nothing_on_an_account_with_a_device<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let before = active_ids(&w, &account);
    // Activation on the attacker's device: no SMS goes out, and no code the phone receives
    // (here a login code) completes it.
    let sent = w.phone.messages().len();
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "attacker")
        .unwrap();
    assert_eq!(w.phone.messages().len(), sent, "no activation SMS");
    let id = sms_login(&w, f.sms);
    let sms_code = w.phone.last_code();
    assert!(matches!(
        w.verifier
            .complete_activation(&started.activation_id, &sms_code, "attacker")
            .unwrap(),
        ActivationOutcome::WrongCode { .. }
    ));
    // Signed in by SMS: every binding is refused, at once and within the re-auth window.
    let session = w.verifier.open_session(&id).unwrap().token;
    assert_eq!(w.verifier.issue_device_code(&id), Err(POSSESSION));
    assert_eq!(
        w.verifier.begin_totp_enrollment(&session).unwrap_err(),
        POSSESSION
    );
    assert_eq!(
        w.verifier.passkey_registrant(&session).unwrap_err(),
        POSSESSION
    );
    assert_eq!(
        w.verifier
            .begin_phone_change(&id, "+41 79 666 66 66")
            .unwrap_err(),
        POSSESSION
    );
    assert_eq!(
        w.verifier.issue_recovery_codes(&id).unwrap_err(),
        POSSESSION
    );
    assert_eq!(w.verifier.remove_factor(&id, f.soft), Err(POSSESSION));
    assert_eq!(
        w.verifier
            .change_password(&id, PASSWORD, "the attacker's own", "local"),
        Err(POSSESSION)
    );
    assert_eq!(active_ids(&w, &account), before, "nothing bound or removed");
    assert_eq!(events_of(&w, &account, EventKind::TokenActivated), 0);
    // The token's own login may do each of them.
    let strong = totp_login(&w, f.totp);
    assert!(w.verifier.issue_device_code(&strong).is_ok());
}

/// Issue 13: an account with nothing but SMS enrols its first soft token by SMS (the seed's
/// activation); from then on SMS moves it no more: the token's own login shows a device code.
pub fn the_first_token_binds_by_sms_and_then_only_a_device_code_moves_it<S: Store>(w: World<S>) {
    let v = &w.verifier;
    let carol = v.create_account("carol", PASSWORD).unwrap().id;
    let sms = v
        .add_factor(
            &carol,
            "mobile",
            FactorKind::Sms {
                phone: "+41790000007".into(),
            },
        )
        .unwrap();
    let started = v.begin_activation("carol", PASSWORD, "phone-1").unwrap();
    let ActivationOutcome::Activated(first) = v
        .complete_activation(&started.activation_id, &w.phone.last_code(), "phone-1")
        .unwrap()
    else {
        panic!("the first token binds by SMS")
    };
    // The second activation sends no SMS, and an SMS login shows no device code.
    let sent = w.phone.messages().len();
    let again = v.begin_activation("carol", PASSWORD, "phone-2").unwrap();
    assert_eq!(w.phone.messages().len(), sent);
    w.clock.advance(120); // the SMS throttle, after the activation's code
    let by_sms = v.start_login("carol", PASSWORD).unwrap().login_id;
    v.choose_factor(&by_sms, sms).unwrap();
    v.submit_response(&by_sms, &w.phone.last_code()).unwrap();
    assert_eq!(v.issue_device_code(&by_sms), Err(POSSESSION));
    // Signed in with the first token's response, Carol gets a device code that moves it.
    let by_token = v.start_login("carol", PASSWORD).unwrap().login_id;
    let challenge = challenge_of(&v.choose_factor(&by_token, first.factor).unwrap());
    let secret = secure_login_otp::hex_encode(first.secret.expose_secret());
    let response = ocra_response(&first.suite, &secret, &challenge, None);
    assert!(matches!(
        v.submit_response(&by_token, &response).unwrap(),
        LoginOutcome::Success { .. }
    ));
    let device_code = v.issue_device_code(&by_token).unwrap();
    assert_eq!(device_code.code.len(), 14, "12 digits in groups of four");
    let ActivationOutcome::Activated(second) = v
        .complete_activation(&again.activation_id, &device_code.code, "phone-2")
        .unwrap()
    else {
        panic!("the device code moves the token")
    };
    // The first token works through the cooling-off, then retires.
    w.clock.advance(v.policy().binding_cooling_off);
    let account = v.account(&carol).unwrap();
    assert!(account.live_factor(first.factor, w.clock.now()).is_none());
    assert!(account.live_factor(second.factor, w.clock.now()).is_some());
}

/// Issue 13: a person who lost every device signs in with a recovery code, or with an
/// administrator's temporary passcode, and binds a new token.
pub fn a_lost_device_is_replaced_through_a_recovery_code_or_a_temporary_passcode<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let codes = w
        .verifier
        .issue_recovery_codes(&totp_login(&w, f.totp))
        .unwrap();
    // Everything lost: a recovery code signs in and shows a device code.
    let id = login(&w);
    w.verifier.choose_factor(&id, codes.factor).unwrap();
    w.verifier.submit_response(&id, &codes.codes[0]).unwrap();
    let code = w.verifier.issue_device_code(&id).unwrap().code;
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "new-phone")
        .unwrap();
    assert!(matches!(
        w.verifier
            .complete_activation(&started.activation_id, &code, "new-phone")
            .unwrap(),
        ActivationOutcome::Activated(_)
    ));
    // And with the administrator's temporary passcode.
    let passcode = w.verifier.issue_temporary_passcode(&account, 3600).unwrap();
    let id = login(&w);
    w.verifier.choose_factor(&id, passcode.factor).unwrap();
    assert!(matches!(
        w.verifier.submit_response(&id, &passcode.passcode).unwrap(),
        LoginOutcome::Success { .. }
    ));
    let code = w.verifier.issue_device_code(&id).unwrap().code;
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "newer-phone")
        .unwrap();
    assert!(matches!(
        w.verifier
            .complete_activation(&started.activation_id, &code, "newer-phone")
            .unwrap(),
        ActivationOutcome::Activated(_)
    ));
}

/// A challenge/response login of Alice's with the soft token `factor` of `suite` and `secret`.
fn token_login<S: Store>(w: &World<S>, factor: u32, suite: &str, secret_hex: &str) -> String {
    let id = login(w);
    let challenge = challenge_of(&w.verifier.choose_factor(&id, factor).unwrap());
    let response = ocra_response(suite, secret_hex, &challenge, None);
    assert!(matches!(
        w.verifier.submit_response(&id, &response).unwrap(),
        LoginOutcome::Success { .. }
    ));
    id
}

/// Issue 13: every binding is told to the phone and can be undone ("this wasn't me") during a
/// cooling-off in which the token it replaced keeps working, by a factor the account had
/// before; never by the new factor itself, nor after the cooling-off.
pub fn a_migration_is_told_and_undone_from_the_old_token_during_its_cooling_off<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    // Someone with a relayed app code moves Alice's token to their device.
    let started = w
        .verifier
        .begin_activation("alice", PASSWORD, "intruder")
        .unwrap();
    let code = device_code(&w, f.totp);
    let ActivationOutcome::Activated(theirs) = w
        .verifier
        .complete_activation(&started.activation_id, &code, "intruder")
        .unwrap()
    else {
        panic!("activated")
    };
    let told = w.phone.messages().last().unwrap().clone();
    assert_eq!((told.purpose, told.code.as_str()), ("token_activated", ""));
    let recent = w.verifier.recent_bindings(&account).unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(
        (recent[0].kind, recent[0].factor, recent[0].replaces.clone()),
        (BindingKind::Token, theirs.factor, vec![f.soft])
    );
    // The new token cannot undo its own binding.
    let their_secret = secure_login_otp::hex_encode(theirs.secret.expose_secret());
    let by_them = token_login(&w, theirs.factor, &theirs.suite, &their_secret);
    assert_eq!(
        w.verifier.undo_binding(&by_them, &recent[0].id),
        Err(Error::NotAllowed(
            "undo it with a factor you had before this change"
        ))
    );
    // Her SMS (a SIM swap) undoes nothing: she had a token before.
    w.clock.advance(3600);
    let by_sms = login(&w);
    w.verifier.choose_factor(&by_sms, f.sms).unwrap();
    let sms_code = w.phone.last_code();
    w.verifier.submit_response(&by_sms, &sms_code).unwrap();
    assert_eq!(
        w.verifier.undo_binding(&by_sms, &recent[0].id),
        Err(POSSESSION)
    );
    // Alice's old token still signs in, and undoes it: their token is retired, hers stays.
    let by_alice = token_login(&w, f.soft, SOFT_SUITE, SOFT_SECRET);
    let alices_session = w.verifier.open_session(&by_alice).unwrap().token;
    w.verifier.undo_binding(&by_alice, &recent[0].id).unwrap();
    assert_eq!(
        w.verifier.undo_binding(&by_alice, &recent[0].id),
        Err(Error::NotAllowed("this change can no longer be undone"))
    );
    assert!(w.verifier.session(&alices_session).unwrap().is_some());
    assert!(w.verifier.recent_bindings(&account).unwrap().is_empty());
    assert_eq!(events_of(&w, &account, EventKind::BindingUndone), 1);
    let id = login(&w);
    assert_eq!(
        w.verifier.choose_factor(&id, theirs.factor).unwrap_err(),
        Error::NotFound("factor")
    );
    // Long after the cooling-off, Alice's token still works: its retirement was called off.
    w.clock.advance(7 * 86_400);
    token_login(&w, f.soft, SOFT_SUITE, SOFT_SECRET);
}

/// Issue 13: an authenticator app bound to an SMS-only account (by whoever had the phone for a
/// moment) is undone from the SMS login Alice had before; after the cooling-off, nothing is.
pub fn a_factor_binding_is_undone_by_an_older_factor_and_not_after_the_cooling_off<S: Store>(
    w: World<S>,
) {
    let v = &w.verifier;
    let dave = v.create_account("dave", PASSWORD).unwrap().id;
    let sms = v
        .add_factor(
            &dave,
            "mobile",
            FactorKind::Sms {
                phone: "+41790000008".into(),
            },
        )
        .unwrap();
    let sms_login = |w: &World<S>| {
        let id = w.verifier.start_login("dave", PASSWORD).unwrap().login_id;
        w.verifier.choose_factor(&id, sms).unwrap();
        let code = w.phone.last_code();
        w.verifier.submit_response(&id, &code).unwrap();
        id
    };
    let id = sms_login(&w);
    let factor = enrol_app(&w, &id);
    assert_eq!(w.phone.messages().last().unwrap().purpose, "factor_added");
    let binding = v.recent_bindings(&dave).unwrap().remove(0);
    assert_eq!(
        (binding.kind, binding.factor),
        (BindingKind::Factor, factor)
    );
    // Dave's own SMS login (a factor older than the app) undoes it.
    w.clock.advance(120);
    let older = sms_login(&w);
    v.undo_binding(&older, &binding.id).unwrap();
    assert!(v.account(&dave).unwrap().active_factor(factor).is_none());
    // A second app, left alone past the cooling-off, stays.
    let id = sms_login_after(&w, 120, &sms_login);
    let second = enrol_app(&w, &id);
    let binding = v.recent_bindings(&dave).unwrap().remove(0);
    w.clock.advance(v.policy().binding_cooling_off);
    let late = sms_login_after(&w, 0, &sms_login);
    assert_eq!(
        v.undo_binding(&late, &binding.id),
        Err(Error::NotAllowed("this change can no longer be undone"))
    );
    assert!(v.recent_bindings(&dave).unwrap().is_empty());
    assert!(v.account(&dave).unwrap().active_factor(second).is_some());
}

/// An authenticator app enrolled from a session of login `id`: its factor.
fn enrol_app<S: Store>(w: &World<S>, id: &str) -> u32 {
    let session = w.verifier.open_session(id).unwrap().token;
    let shown = w.verifier.begin_totp_enrollment(&session).unwrap();
    let app = Totp::new(
        shown.secret.expose_secret(),
        HashAlgorithm::Sha1,
        Digits::SIX,
        TimeStep::DEFAULT,
    )
    .unwrap();
    let code = app.generate(w.clock.now()).unwrap().to_string();
    w.verifier
        .confirm_totp_enrollment(&session, "app", &code)
        .unwrap()
}

/// `sms_login` after `seconds` (the SMS throttle wants 120 between codes).
fn sms_login_after<S: Store>(
    w: &World<S>,
    seconds: u64,
    sms_login: &dyn Fn(&World<S>) -> String,
) -> String {
    w.clock.advance(seconds);
    sms_login(w)
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
            the_holder_renames_and_removes_factors_but_never_the_last,
            changing_the_password_needs_the_current_one_and_ends_the_other_sessions,
            an_administrator_disables_resets_retires_and_deletes,
            recovery_codes_are_shown_once_good_once_throttled_and_replaced_as_a_set,
            a_password_and_the_phone_bind_nothing_on_an_account_with_a_device,
            the_first_token_binds_by_sms_and_then_only_a_device_code_moves_it,
            a_lost_device_is_replaced_through_a_recovery_code_or_a_temporary_passcode,
            a_migration_is_told_and_undone_from_the_old_token_during_its_cooling_off,
            a_factor_binding_is_undone_by_an_older_factor_and_not_after_the_cooling_off,
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
