//! Factor and account management in a normal start of the real binary, over HTTP and through
//! the admin commands: the holder renames and removes factors (never the last) and changes the
//! password, each ending the other sessions; an administrator lists, disables, enables, resets,
//! retires, revokes and deletes, and takes secrets only from the environment, a file or stdin.

use crate::harness::production::*;
use serde_json::json;

/// A login of `name` with `password` and the authenticator app (factor 2).
async fn app_login(browser: &mut Browser, name: &str, password: &str, uri: &str) {
    let (_, answer) = browser.login_with(name, password, 2, &totp_now(uri)).await;
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
}

/// A login of `name` with `password` and a temporary passcode an administrator just issued
/// (a TOTP code is good once per step, an SMS once per 2 minutes).
async fn passcode_login(site: &Site, browser: &mut Browser, name: &str, password: &str) {
    let issued = site.admin(&["issue-passcode", name]);
    let value = |prefix: &str| {
        let line = issued.lines().find_map(|l| l.strip_prefix(prefix)).unwrap();
        line.split(':').next().unwrap().trim().to_owned()
    };
    let (factor, passcode) = (value("factor "), value("passcode: "));
    let factor: u64 = factor.parse().unwrap();
    let (_, answer) = browser.login_with(name, password, factor, &passcode).await;
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_holder_renames_removes_and_changes_the_password_over_http() {
    let site = Site::new();
    let mut gateway = Gateway::start().await;
    let uri = site.account("alice");
    let portal = production(&site, &gateway, &[]);
    let mut laptop = Browser::new(&portal.base);
    let mut phone = Browser::new(&portal.base);
    phone.sms_login(&mut gateway, "alice").await;
    app_login(&mut laptop, "alice", PASSWORD, &uri).await;
    // Signed in by SMS, the phone changes nothing: alice has an authenticator app.
    phone
        .post("/api/account/factors/1/rename", &json!({ "label": "x" }))
        .await
        .assert_error(403, "StrongerFactorNeeded");
    phone
        .post("/api/account/factors/2/remove", &json!({}))
        .await
        .assert_error(403, "StrongerFactorNeeded");

    let page = laptop.get("/api/account").await;
    let factors = page.ok()["factors"].as_array().unwrap().clone();
    assert_eq!(factors.len(), 2, "{}", page.text);
    assert!(factors
        .iter()
        .all(|f| f["createdAt"].as_u64().unwrap() > 1_700_000_000));
    assert!(
        factors[0]["lastUsed"].as_u64().is_some(),
        "the SMS signed in: {}",
        page.text
    );

    let rename = "/api/account/factors/1/rename";
    laptop
        .post(rename, &json!({ "label": "work phone" }))
        .await
        .ok();
    let page = laptop.get("/api/account").await;
    assert_eq!(page.ok()["factors"][0]["label"], "work phone");
    laptop
        .post(rename, &json!({ "label": "" }))
        .await
        .assert_error(400, "InvalidInput");
    laptop
        .post("/api/account/factors/abc/rename", &json!({ "label": "x" }))
        .await
        .assert_error(400, "InvalidInput");
    laptop
        .post("/api/account/factors/99/remove", &json!({}))
        .await
        .assert_error(404, "NotFound");

    // The password: the current one is checked; the change ends the phone's session only.
    let change = "/api/account/password";
    const NEW: &str = "another long passphrase";
    laptop
        .post(change, &json!({ "current": "wrong password", "new": NEW }))
        .await
        .assert_error(401, "BadCredentials");
    laptop
        .post(change, &json!({ "current": PASSWORD, "new": "short" }))
        .await
        .assert_error(400, "InvalidInput");
    laptop
        .post(change, &json!({ "current": PASSWORD, "new": NEW }))
        .await
        .ok();
    laptop.get("/api/account").await.ok();
    phone
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    let mut stranger = Browser::new(&portal.base);
    stranger
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": PASSWORD }),
        )
        .await
        .assert_error(401, "BadCredentials");

    // Removing: the app goes (and the phone's new session with it); the last factor stays.
    passcode_login(&site, &mut phone, "alice", NEW).await;
    laptop
        .post("/api/account/factors/2/remove", &json!({}))
        .await
        .ok();
    phone
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    // The passcode was used up at its login: the SMS is the last factor.
    let page = laptop.get("/api/account").await;
    assert_eq!(
        page.ok()["factors"].as_array().unwrap().len(),
        1,
        "{}",
        page.text
    );
    laptop
        .post("/api/account/factors/1/remove", &json!({}))
        .await
        .assert_error(409, "NotAllowed");
    let events = site.admin(&["events", "alice"]);
    for kind in ["password_changed", "factor_renamed", "factor_retired"] {
        assert!(events.contains(kind), "{kind} in {events}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_manages_accounts_with_no_secret_on_the_command_line() {
    let site = Site::new();
    let mut gateway = Gateway::start().await;
    site.account("alice");
    site.account_at("bob", "+41790000002");
    let portal = production(&site, &gateway, &[]);
    let mut alice = Browser::new(&portal.base);
    alice.sms_login(&mut gateway, "alice").await;

    let listed = site.admin(&["list-users"]);
    assert!(
        listed.contains("alice (id ") && listed.contains("bob (id "),
        "{listed}"
    );
    assert!(listed.contains("2 factors"), "{listed}");

    site.admin(&["disable", "alice"]);
    alice
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    let mut again = Browser::new(&portal.base);
    again
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": PASSWORD }),
        )
        .await
        .assert_error(403, "AccountDisabled");
    assert!(site.admin(&["list-users"]).contains("disabled"));
    site.admin(&["enable", "alice"]);
    again.password("alice", PASSWORD).await;

    // A new password from standard input; a password on the command line is no flag at all.
    let (ok, out, err) = site.admin_fed(
        &["reset-password", "alice", "--password-file", "-"],
        "reset at the help desk\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("every session ended"), "{out}");
    again.password("alice", "reset at the help desk").await;
    let (ok, _, err) = site.admin_fed(
        &[
            "reset-password",
            "alice",
            "--password",
            "on the command line",
        ],
        "",
    );
    assert!(!ok && err.contains("--password"), "{err}");
    let (ok, _, err) = site.admin_fed(&["create-user", "carol"], "");
    assert!(!ok && err.contains("SECURE_LOGIN_PASSWORD"), "{err}");

    let retired = site.admin(&["retire-factor", "alice", "2"]);
    assert!(retired.contains("factor 2 of alice retired"), "{retired}");
    assert!(site
        .admin(&["show", "alice"])
        .lines()
        .all(|l| !l.starts_with("factor 2:")));
    let revoked = site.admin(&["revoke-sessions", "bob"]);
    assert!(revoked.contains("0 sessions of bob ended"), "{revoked}");

    site.admin(&["delete", "alice"]);
    again
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": "reset at the help desk" }),
        )
        .await
        .assert_error(401, "BadCredentials");
    assert!(!site.admin(&["list-users"]).contains("alice"));
}

#[tokio::test(flavor = "multi_thread")]
async fn recovery_codes_over_http_and_from_the_admin_command() {
    let site = Site::new();
    let mut gateway = Gateway::start().await;
    let uri = site.account("alice");
    let portal = production(&site, &gateway, &[]);
    let mut laptop = Browser::new(&portal.base);
    laptop.sms_login(&mut gateway, "alice").await;
    // Recovery codes bind anything: an SMS login makes none once there is an app.
    laptop
        .post("/api/account/recovery-codes", &json!({}))
        .await
        .assert_error(403, "StrongerFactorNeeded");
    app_login(&mut laptop, "alice", PASSWORD, &uri).await;
    let made = laptop.post("/api/account/recovery-codes", &json!({})).await;
    let factor = made.ok()["factorId"].as_u64().unwrap();
    let codes: Vec<String> = made.ok()["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);

    let mut lost_phone = Browser::new(&portal.base);
    let typed = codes[3].to_lowercase();
    let (prompt, answer) = lost_phone
        .login_with("alice", PASSWORD, factor, &typed)
        .await;
    assert_eq!(prompt.ok(), &json!({ "prompt": "recovery_code" }));
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
    let (_, again) = Browser::new(&portal.base)
        .login_with("alice", PASSWORD, factor, &codes[3])
        .await;
    assert_eq!(again.ok()["outcome"], "wrong_code", "{}", again.text);
    let page = lost_phone.get("/api/account").await;
    let listed = page.ok()["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "recovery_codes")
        .unwrap()
        .clone();
    assert_eq!(listed["codesLeft"], 9);

    // The administrator's new set replaces the holder's: the old codes stop, the new ones work.
    let printed = site.admin(&["issue-recovery-codes", "alice"]);
    let mut lines = printed.lines();
    let head = lines.next().unwrap();
    assert!(
        head.starts_with("factor ") && head.contains("recovery codes"),
        "{printed}"
    );
    let new_factor: u64 = head["factor ".len()..]
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let new_codes: Vec<&str> = lines.collect();
    assert_eq!(new_codes.len(), 10, "{printed}");
    lost_phone
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    let mut stranger = Browser::new(&portal.base);
    let login = stranger.password("alice", PASSWORD).await;
    stranger
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": factor }),
        )
        .await
        .assert_error(404, "NotFound");
    let (_, answer) = stranger
        .login_with("alice", PASSWORD, new_factor, new_codes[0])
        .await;
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
}
