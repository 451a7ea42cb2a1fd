//! Sessions in a normal start of the real binary, over HTTP: they live in the database, so a
//! restart keeps them; "sign out everywhere" ends every one of the account; signing out ends one.

use crate::harness::production::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_keeps_sessions_and_sign_out_everywhere_ends_them_all() {
    let site = Site::new();
    let mut gateway = Gateway::start().await;
    site.account("alice");
    site.account_at("bob", "+41790000002");
    // Alice's second device signs in with a temporary passcode (SMS allows one code in 2 min).
    let issued = site.admin(&["issue-passcode", "alice"]);
    let value = |prefix: &str| {
        let line = issued.lines().find_map(|l| l.strip_prefix(prefix)).unwrap();
        line.split(':').next().unwrap().trim().to_owned()
    };
    let (factor, passcode) = (value("factor "), value("passcode: "));
    let mut portal = production(&site, &gateway, &[]);
    let mut laptop = Browser::new(&portal.base);
    let mut phone = Browser::new(&portal.base);
    let mut bob = Browser::new(&portal.base);
    laptop.sms_login(&mut gateway, "alice").await;
    let (_, answer) = phone
        .login_with("alice", PASSWORD, factor.parse().unwrap(), &passcode)
        .await;
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
    bob.sms_login(&mut gateway, "bob").await;
    let cookies = [&laptop, &phone, &bob].map(|b| b.cookie.clone().unwrap());
    assert!(cookies.iter().all(|c| c.len() == "sl_session=".len() + 64));

    portal.stop();
    let portal = production(&site, &gateway, &[]);
    for (browser, cookie) in [&mut laptop, &mut phone, &mut bob]
        .into_iter()
        .zip(&cookies)
    {
        *browser = Browser::new(&portal.base);
        browser.cookie = Some(cookie.clone());
        browser.get("/api/account").await.ok();
    }

    let ended = laptop.post("/api/account/sessions/end", &json!({})).await;
    assert_eq!(ended.ok()["ended"], 2, "{}", ended.text);
    assert!(
        laptop.cookie.is_none(),
        "the answer clears this browser's cookie"
    );
    for browser in [&mut laptop, &mut phone] {
        browser.cookie = Some(cookies[0].clone());
        browser
            .get("/api/account")
            .await
            .assert_error(401, "NotSignedIn");
    }
    phone.cookie = Some(cookies[1].clone());
    phone
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    // Another account's session is not touched; its own sign-out ends it for good.
    bob.get("/api/account").await.ok();
    bob.post("/api/logout", &json!({})).await.ok();
    bob.cookie = Some(cookies[2].clone());
    bob.get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    let events = site.admin(&["events", "alice"]);
    assert!(events.contains("sessions_ended"), "{events}");
}
