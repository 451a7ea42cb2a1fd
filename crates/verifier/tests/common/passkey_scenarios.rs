//! The verifier's passkey rules (issue 14): registration from a recent session, ceremonies kept
//! in the store and used once, the signature counter (a copy of a credential is refused and
//! recorded), second factor and passwordless logins. The WebAuthn cryptography is the portal's
//! (server/src/api/passkey.rs, tested over HTTP and in Chromium); here the public key is opaque
//! bytes. Included beside `verifier_scenarios.rs` (as `scenarios`) by the in-memory and the
//! SQLite suites: `passkey_scenarios!(make_store)`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::scenarios::{alice, events_of, login, totp_login, World, PASSWORD};
use secure_login_verifier::{
    CeremonyPurpose, Error, EventKind, FactorKind, NewPasskey, PasskeyRefusal, PasskeyUse, Store,
    Strength,
};

const CREDENTIAL: &[u8] = b"credential-one";

/// A new login of Alice's completed with the authenticator app, its session opened.
fn sign_in<S: Store>(w: &World<S>, totp_factor: u32) -> (String, String) {
    let id = totp_login(w, totp_factor);
    (id.clone(), w.verifier.open_session(&id).unwrap().token)
}

fn new_passkey(credential: &[u8], discoverable: bool) -> NewPasskey {
    NewPasskey {
        credential_id: credential.to_vec(),
        public_key: b"opaque public key".to_vec(),
        discoverable,
        first_use: PasskeyUse {
            sign_count: 0,
            dynamic: vec![1, 2, 3],
        },
    }
}

fn counted(count: u32) -> PasskeyUse {
    PasskeyUse {
        sign_count: count,
        dynamic: vec![count as u8],
    }
}

/// Alice with a discoverable passkey registered from a fresh session; its factor id.
fn alice_with_passkey<S: Store>(w: &World<S>) -> (String, u32) {
    let (account, f) = alice(w);
    let (_, token) = sign_in(w, f.totp);
    let who = w.verifier.passkey_registrant(&token).unwrap();
    let purpose = CeremonyPurpose::Register {
        account: who.account,
        login: who.login,
    };
    let factor = w
        .verifier
        .add_passkey(&purpose, "laptop", new_passkey(CREDENTIAL, true))
        .unwrap();
    (account, factor)
}

/// A second-factor ceremony for a new password login of Alice's, taken back as the answer comes.
fn second_factor<S: Store>(w: &World<S>) -> (String, CeremonyPurpose) {
    let id = login(w);
    let (account, ids) = w.verifier.passkeys_for_login(&id).unwrap();
    assert_eq!(ids, vec![CREDENTIAL.to_vec()]);
    let saved = w
        .verifier
        .save_passkey_ceremony(
            CeremonyPurpose::SecondFactor {
                login: id.clone(),
                account,
            },
            b"library state",
        )
        .unwrap();
    let ceremony = w.verifier.take_passkey_ceremony(&saved).unwrap();
    assert_eq!(ceremony.state, b"library state");
    (id, ceremony.purpose)
}

pub fn registering_a_passkey_needs_a_recent_second_factor_and_ends_other_sessions<S: Store>(
    w: World<S>,
) {
    let (account, f) = alice(&w);
    let (_, other) = sign_in(&w, f.totp);
    let (login_id, token) = sign_in(&w, f.totp);
    let who = w.verifier.passkey_registrant(&token).unwrap();
    assert_eq!(
        (
            who.account.as_str(),
            who.username.as_str(),
            who.login.as_str()
        ),
        (account.as_str(), "alice", login_id.as_str())
    );
    assert!(who.existing.is_empty());
    let purpose = CeremonyPurpose::Register {
        account: account.clone(),
        login: login_id.clone(),
    };
    let factor = w
        .verifier
        .add_passkey(&purpose, "laptop", new_passkey(CREDENTIAL, true))
        .unwrap();
    assert!(
        w.verifier.session(&token).unwrap().is_some(),
        "stays signed in"
    );
    assert!(w.verifier.session(&other).unwrap().is_none(), "others end");
    assert_eq!(events_of(&w, &account, EventKind::FactorAdded), 5);
    // Stored and read back through the store's JSON (stored.rs).
    let stored = w.verifier.account(&account).unwrap();
    let added = stored.active_factor(factor).unwrap();
    assert_eq!(added.label, "laptop");
    assert!(matches!(
        &added.kind,
        FactorKind::Passkey { credential_id, public_key, discoverable: true }
            if credential_id == CREDENTIAL && public_key == b"opaque public key"
    ));
    // Now that Alice has a passkey, the app's login adds no other (a passkey is stronger).
    assert_eq!(
        w.verifier
            .add_passkey(&purpose, "again", new_passkey(b"credential-two", true)),
        Err(Error::StrongerFactorNeeded {
            required: Strength::PhishingResistant
        })
    );
    // One credential, one factor: registered again, even from a passkey login, it is refused.
    let (passkey_login, second) = second_factor(&w);
    let found = w
        .verifier
        .passkey_by_credential(CREDENTIAL)
        .unwrap()
        .unwrap();
    w.verifier
        .complete_passkey_login(&second, &found, &counted(1))
        .unwrap()
        .unwrap();
    let by_passkey = CeremonyPurpose::Register {
        account: account.clone(),
        login: passkey_login.clone(),
    };
    assert_eq!(
        w.verifier
            .add_passkey(&by_passkey, "again", new_passkey(CREDENTIAL, true)),
        Err(Error::NotAllowed("this passkey is registered already"))
    );
    let passkey_session = w.verifier.open_session(&passkey_login).unwrap().token;
    assert_eq!(
        w.verifier
            .passkey_registrant(&passkey_session)
            .unwrap()
            .existing,
        vec![CREDENTIAL.to_vec()]
    );
    // The login page lists the passkey first.
    let started = w.verifier.start_login("alice", PASSWORD).unwrap();
    assert_eq!(started.factors[0].kind, "passkey");
    assert_eq!(started.factors[0].id, factor);
    assert_eq!(started.factors.len(), 5);
    // After the 5-minute window, the same session registers nothing.
    w.clock.advance(301);
    assert_eq!(
        w.verifier.passkey_registrant(&token),
        Err(Error::NotAllowed("sign in with your second factor again"))
    );
    assert_eq!(
        w.verifier
            .add_passkey(&purpose, "late", new_passkey(b"credential-two", true)),
        Err(Error::NotAllowed("sign in with your second factor again"))
    );
    // Nor does a ceremony of another purpose.
    assert_eq!(
        w.verifier.add_passkey(
            &CeremonyPurpose::Passwordless,
            "x",
            new_passkey(b"credential-three", true)
        ),
        Err(Error::NotAllowed("this ceremony registers nothing"))
    );
}

pub fn a_ceremony_is_used_once_and_expires<S: Store>(w: World<S>) {
    let v = &w.verifier;
    let id = v
        .save_passkey_ceremony(CeremonyPurpose::Passwordless, b"state")
        .unwrap();
    assert_eq!(id.len(), 32);
    assert_eq!(
        v.take_passkey_ceremony(&id).unwrap().purpose,
        CeremonyPurpose::Passwordless
    );
    assert_eq!(
        v.take_passkey_ceremony(&id).unwrap_err(),
        Error::NotFound("ceremony"),
        "a replayed answer finds nothing"
    );
    let id = v
        .save_passkey_ceremony(CeremonyPurpose::Passwordless, b"state")
        .unwrap();
    w.clock.advance(181); // Policy::challenge_lifetime, 180 s
    assert_eq!(v.take_passkey_ceremony(&id).unwrap_err(), Error::Expired);
    assert_eq!(
        v.take_passkey_ceremony(&id).unwrap_err(),
        Error::NotFound("ceremony")
    );
    // Ceremonies nobody answered are swept by later ones: none piles up in the store.
    for _ in 0..20 {
        v.save_passkey_ceremony(CeremonyPurpose::Passwordless, b"state")
            .unwrap();
    }
    assert_eq!(v.store().scan("ceremony/").unwrap().len(), 20);
    w.clock.advance(181);
    let kept = v
        .save_passkey_ceremony(CeremonyPurpose::Passwordless, b"state")
        .unwrap();
    assert_eq!(v.store().scan("ceremony/").unwrap().len(), 20 - 16 + 1);
    v.save_passkey_ceremony(CeremonyPurpose::Passwordless, b"state")
        .unwrap();
    assert_eq!(v.store().scan("ceremony/").unwrap().len(), 2);
    assert!(v.take_passkey_ceremony(&kept).is_ok(), "a live one stays");
    for bad in ["", "not-hex", &"a".repeat(65)] {
        assert_eq!(
            v.take_passkey_ceremony(bad).unwrap_err(),
            Error::NotFound("ceremony")
        );
    }
    assert_eq!(
        v.save_passkey_ceremony(CeremonyPurpose::Passwordless, &[0; 4097])
            .unwrap_err(),
        Error::InvalidInput("a ceremony state is at most 4 KiB")
    );
}

pub fn a_passkey_completes_the_second_factor_and_the_session_opens<S: Store>(w: World<S>) {
    let (account, factor) = alice_with_passkey(&w);
    let (login_id, purpose) = second_factor(&w);
    let found = w
        .verifier
        .passkey_by_credential(CREDENTIAL)
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.account.as_str(), found.factor),
        (account.as_str(), factor)
    );
    assert_eq!(found.last_use.dynamic, vec![1, 2, 3]);
    let signed_in = w
        .verifier
        .complete_passkey_login(&purpose, &found, &counted(1))
        .unwrap()
        .unwrap();
    assert_eq!(signed_in.login_id, login_id);
    assert_eq!(signed_in.username, "alice");
    assert!(w.verifier.completed_login(&login_id).unwrap().is_some());
    w.verifier.open_session(&login_id).unwrap();
    // The counter and flags are stored with the success.
    let found = w
        .verifier
        .passkey_by_credential(CREDENTIAL)
        .unwrap()
        .unwrap();
    assert_eq!(found.last_use, counted(1));
    // A login that is over takes no second passkey answer.
    assert_eq!(
        w.verifier
            .complete_passkey_login(&purpose, &found, &counted(2))
            .unwrap_err(),
        Error::NotAllowed("this login is over")
    );
    // Bob's login cannot be completed with Alice's passkey.
    let bob = w.verifier.create_account("bob", PASSWORD).unwrap().id;
    let bobs = CeremonyPurpose::SecondFactor {
        login: "whatever".into(),
        account: bob,
    };
    assert_eq!(
        w.verifier
            .complete_passkey_login(&bobs, &found, &counted(3))
            .unwrap_err(),
        Error::NotAllowed("this passkey is not this account's")
    );
    assert!(w
        .verifier
        .passkey_by_credential(b"unknown")
        .unwrap()
        .is_none());
}

/// A credential copied to a second authenticator: both sign, the count that does not go up is
/// refused and recorded, and the real one goes on.
pub fn a_signature_count_that_does_not_go_up_is_refused_and_recorded<S: Store>(w: World<S>) {
    let (account, _) = alice_with_passkey(&w);
    let (_, purpose) = second_factor(&w);
    let found = w
        .verifier
        .passkey_by_credential(CREDENTIAL)
        .unwrap()
        .unwrap();
    w.verifier
        .complete_passkey_login(&purpose, &found, &counted(2))
        .unwrap()
        .unwrap();
    for presented in [2, 1, 0] {
        let (login_id, purpose) = second_factor(&w);
        let found = w
            .verifier
            .passkey_by_credential(CREDENTIAL)
            .unwrap()
            .unwrap();
        assert_eq!(
            w.verifier
                .complete_passkey_login(&purpose, &found, &counted(presented))
                .unwrap(),
            Err(PasskeyRefusal::CounterWentBack {
                stored: 2,
                presented
            })
        );
        assert!(w.verifier.completed_login(&login_id).unwrap().is_none());
    }
    assert_eq!(events_of(&w, &account, EventKind::PasskeyRefused), 3);
    let newest = &w.verifier.recent_events(&account, 1).unwrap()[0];
    assert_eq!(newest.kind, EventKind::PasskeyRefused);
    assert_eq!(
        newest.detail,
        "signature count 0 after 2: a copy of the passkey?"
    );
    // The stored count is unchanged: the original authenticator's next count passes.
    let (login_id, purpose) = second_factor(&w);
    let found = w
        .verifier
        .passkey_by_credential(CREDENTIAL)
        .unwrap()
        .unwrap();
    assert_eq!(found.last_use.sign_count, 2);
    w.verifier
        .complete_passkey_login(&purpose, &found, &counted(3))
        .unwrap()
        .unwrap();
    assert!(w.verifier.completed_login(&login_id).unwrap().is_some());
    // A stale read does not let an old count through: the check is against the stored record.
    let (_, purpose) = second_factor(&w);
    assert_eq!(
        w.verifier
            .complete_passkey_login(&purpose, &found, &counted(3))
            .unwrap(),
        Err(PasskeyRefusal::CounterWentBack {
            stored: 3,
            presented: 3
        })
    );
}

/// An authenticator that keeps no counter (always 0) is accepted each time.
pub fn an_authenticator_without_a_counter_is_accepted<S: Store>(w: World<S>) {
    let (_, _) = alice_with_passkey(&w);
    for _ in 0..3 {
        let (login_id, purpose) = second_factor(&w);
        let found = w
            .verifier
            .passkey_by_credential(CREDENTIAL)
            .unwrap()
            .unwrap();
        w.verifier
            .complete_passkey_login(&purpose, &found, &counted(0))
            .unwrap()
            .unwrap();
        assert!(w.verifier.completed_login(&login_id).unwrap().is_some());
    }
}

pub fn a_discoverable_passkey_signs_in_without_a_password<S: Store>(w: World<S>) {
    let (account, f) = alice(&w);
    let (login_id, token) = sign_in(&w, f.totp);
    let purpose = CeremonyPurpose::Register {
        account: account.clone(),
        login: login_id,
    };
    let discoverable = w
        .verifier
        .add_passkey(&purpose, "phone", new_passkey(b"resident", true))
        .unwrap();
    assert!(w.verifier.session(&token).unwrap().is_some());
    // Once Alice has a passkey, the app's login adds no other: that needs a passkey too.
    assert_eq!(
        w.verifier
            .add_passkey(&purpose, "key", new_passkey(b"server-side", false))
            .unwrap_err(),
        Error::StrongerFactorNeeded {
            required: Strength::PhishingResistant
        }
    );
    let found = w
        .verifier
        .passkey_by_credential(b"resident")
        .unwrap()
        .unwrap();
    let signed_in = w
        .verifier
        .complete_passkey_login(&CeremonyPurpose::Passwordless, &found, &counted(1))
        .unwrap()
        .unwrap();
    assert_eq!(
        (signed_in.account.as_str(), signed_in.factor),
        (account.as_str(), discoverable)
    );
    assert_ne!(signed_in.login_id, "");
    let opened = w.verifier.open_session(&signed_in.login_id).unwrap();
    assert_eq!(opened.account, account);
    // Signed in with the passkey, Alice adds a second one.
    let other = w
        .verifier
        .add_passkey(
            &CeremonyPurpose::Register {
                account: account.clone(),
                login: signed_in.login_id.clone(),
            },
            "key",
            new_passkey(b"server-side", false),
        )
        .unwrap();
    // A non-discoverable credential has no user handle to find the account by: password first.
    let found = w
        .verifier
        .passkey_by_credential(b"server-side")
        .unwrap()
        .unwrap();
    assert_eq!(found.factor, other);
    assert_eq!(
        w.verifier
            .complete_passkey_login(&CeremonyPurpose::Passwordless, &found, &counted(1))
            .unwrap_err(),
        Error::NotAllowed("this passkey needs the password first")
    );
    // A disabled account signs in with nothing; enabled again, the passkey works.
    let found = w
        .verifier
        .passkey_by_credential(b"resident")
        .unwrap()
        .unwrap();
    w.verifier.set_disabled(&account, true).unwrap();
    assert_eq!(
        w.verifier
            .complete_passkey_login(&CeremonyPurpose::Passwordless, &found, &counted(2))
            .unwrap_err(),
        Error::AccountDisabled
    );
    w.verifier.set_disabled(&account, false).unwrap();
    w.verifier
        .complete_passkey_login(&CeremonyPurpose::Passwordless, &found, &counted(2))
        .unwrap()
        .unwrap();
    // A removed passkey is unknown: it signs in no more (the account's factor removal). The
    // app's login cannot remove it: that takes a passkey login.
    let (holder, _) = sign_in(&w, f.totp);
    assert_eq!(
        w.verifier.remove_factor(&holder, discoverable),
        Err(Error::StrongerFactorNeeded {
            required: Strength::PhishingResistant
        })
    );
    let by_passkey = w
        .verifier
        .complete_passkey_login(&CeremonyPurpose::Passwordless, &found, &counted(3))
        .unwrap()
        .unwrap();
    w.verifier
        .remove_factor(&by_passkey.login_id, discoverable)
        .unwrap();
    assert!(w
        .verifier
        .passkey_by_credential(b"resident")
        .unwrap()
        .is_none());
    let found = w
        .verifier
        .passkey_by_credential(b"server-side")
        .unwrap()
        .unwrap();
    // A registration ceremony signs nobody in.
    assert_eq!(
        w.verifier
            .complete_passkey_login(&purpose, &found, &counted(1))
            .unwrap_err(),
        Error::NotAllowed("this ceremony signs nobody in")
    );
}

/// Instantiates every passkey scenario as a `#[test]` for the store `make()` returns.
#[macro_export]
macro_rules! passkey_scenarios {
    ($make:expr) => {
        $crate::passkey_scenarios!(@each $make;
            registering_a_passkey_needs_a_recent_second_factor_and_ends_other_sessions,
            a_ceremony_is_used_once_and_expires,
            a_passkey_completes_the_second_factor_and_the_session_opens,
            a_signature_count_that_does_not_go_up_is_refused_and_recorded,
            an_authenticator_without_a_counter_is_accepted,
            a_discoverable_passkey_signs_in_without_a_password,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                passkey::$name(scenarios::world($make));
            }
        )*
    };
}
