//! Three real portal binaries on one PostgreSQL database, requests spread over them (issue 16,
//! item 4): every guarantee of `races.rs` must hold whichever instance serves, since the rules
//! decide against record versions in the shared store, not in a process's memory.
//!
//! - 50 simultaneous submissions of one valid response, spread over the three: one success, one
//!   session, and that session is valid on the other two.
//! - 1,000 concurrent wrong guesses spread over the three: at most the lockout limit evaluated.
//! - Two simultaneous resends on two instances: one SMS (counted on every instance's demo phone,
//!   since the worker of whichever instance claims a message sends it).
//! - A soft token activated across instances, a push started on one, listed and approved through
//!   the other two, and the login's session claimed on yet another: once.
//! - kill -9 of one instance at a random point while card logins run over all three: every
//!   acknowledged success is in the audit log, a response whose request the kill cut ends as
//!   exactly one success (it committed, or its retry on a survivor does), no response works
//!   twice, and the sessions the killed instance handed out are valid on the others.
//!
//! Each test returns after the harness's one `skipped:` line where PostgreSQL is not installed.

use crate::harness;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use harness::crowd::{all_at_once, flood, tally};
use harness::postgres::cluster;
use harness::*;
use serde_json::{json, Value};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_secure-login-server");
const THRESHOLD: u64 = 10;

/// Three instances on one fresh PostgreSQL database, started one after the other (the first
/// marks the new database as a demo start's).
struct Three {
    portals: Vec<Portal>,
    _dir: TempDir,
}

impl Three {
    fn start() -> Option<Self> {
        let url = cluster()?.fresh_database();
        let dir = tempfile::tempdir().unwrap();
        let portals = (0..3)
            .map(|i| {
                Portal::start_on(
                    Path::new(BIN),
                    &dir.path().join(format!("instance-{i}")),
                    &url,
                    &CHEAP,
                )
            })
            .collect();
        Some(Self { portals, _dir: dir })
    }

    fn base(&self, i: usize) -> String {
        self.portals[i % 3].base.clone()
    }

    fn bases(&self) -> Vec<String> {
        (0..3).map(|i| self.base(i)).collect()
    }

    fn admin(&self, args: &[&str]) -> String {
        self.portals[0].admin(args)
    }

    fn events(&self, name: &str, kind: &str) -> u64 {
        event_counts(Path::new(BIN), &self.portals[0].db(), name)
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    /// Each instance has its own test clock: all are set alike.
    async fn set_clocks(&self, now: u64) {
        for portal in &self.portals {
            portal.client().set_clock(now).await;
        }
    }

    /// The demo phones' messages to `phone`, over every instance (each phone holds what its
    /// instance's worker sent): texts, in no particular order.
    async fn messages_to(&self, phone: &str) -> Vec<String> {
        let mut all = Vec::new();
        for portal in &self.portals {
            let messages = portal.client().messages_to(phone).await.unwrap();
            all.extend(messages.into_iter().map(|(_, text)| text));
        }
        all
    }
}

fn user_with_card(three: &Three, name: &str) -> (String, String) {
    three.admin(&[
        "create-user",
        name,
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    let card = three.admin(&["issue-card", name, "--pin-file", &secret_file("4711")]);
    (
        line_value(&card, "suite:").to_owned(),
        line_value(&card, "secret:").to_owned(),
    )
}

fn factor_of(factors: &Value, kind: &str) -> u64 {
    factors
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {factors}"))["id"]
        .as_u64()
        .unwrap()
}

/// A card login of `name` started on `first` and its factor chosen on `second`: the login id,
/// the factor and the right response.
async fn card_login(
    three: &Three,
    name: &str,
    (suite, secret): &(String, String),
    first: usize,
    second: usize,
) -> reqwest::Result<(String, u64, String)> {
    let started = Http::new(&three.base(first))
        .post(
            "/api/login",
            &json!({ "username": name, "password": PASSWORD }),
        )
        .await?;
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    let card = factor_of(&started.ok()["factors"], "security_card");
    let prompt = Http::new(&three.base(second))
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": card }),
        )
        .await?;
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    let right = ocra_response(suite, secret, &challenge, Some("4711"));
    Ok((login, card, right))
}

/// Whether `cookie` signs in on the instance at `base` (`GET /api/account`).
async fn signs_in(base: &str, cookie: &str) -> bool {
    let mut http = Http::new(base);
    http.cookie = Some(cookie.to_owned());
    http.get("/api/account").await.unwrap().status == 200
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_of_one_response_over_three_instances_succeed_once() {
    let Some(three) = Three::start() else { return };
    let card = user_with_card(&three, "alice");
    three.set_clocks(T0).await;
    let (login, factor, right) = card_login(&three, "alice", &card, 0, 1).await.unwrap();
    let path = format!("/api/login/{login}/response");
    let answers = all_at_once(
        &three.bases(),
        vec![(path, json!({ "response": right })); 50],
    )
    .await;
    let counts = tally(&answers);
    assert_eq!(counts.get("success"), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get("wrong_code").unwrap_or(&0) + counts.get("locked").unwrap_or(&0),
        49,
        "every other answer is a refusal: {counts:?}"
    );
    let winner = answers
        .iter()
        .position(|a| a.outcome() == "success")
        .unwrap();
    let cookies: Vec<&String> = answers.iter().filter_map(|a| a.session.as_ref()).collect();
    assert_eq!(cookies.len(), 1, "one session cookie");
    assert_eq!(three.events("alice", "login_succeeded"), 1);
    // At most the threshold checked on either side of the success, and the lock taken beside
    // it stays (as on one instance: races.rs).
    let checked = three.events("alice", "login_succeeded") + three.events("alice", "code_rejected");
    assert!(checked <= 2 * THRESHOLD, "{checked} attempts checked");
    assert_eq!(
        three.events("alice", "factor_locked"),
        1,
        "one lock, never lifted"
    );
    let shown = show(Path::new(BIN), &three.portals[0].db(), "alice");
    let lock = shown.iter().find(|f| u64::from(f.id) == factor).unwrap();
    assert_eq!(lock.locked_until, T0 + 900, "{shown:?}");
    // The session, opened on one instance, is valid on all three.
    for i in 0..3 {
        assert!(
            signs_in(&three.base(i), cookies[0]).await,
            "the session from instance {} on instance {i}",
            winner % 3
        );
    }
    eprintln!("one response x50 over three instances: {counts:?}; checked {checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_wrong_guesses_over_three_instances_evaluate_at_most_the_limit() {
    let Some(three) = Three::start() else { return };
    let card = user_with_card(&three, "victim");
    three.set_clocks(T0).await;
    let (login, factor, right) = card_login(&three, "victim", &card, 2, 0).await.unwrap();
    let path = format!("/api/login/{login}/response");
    // 50 clients, each on one instance (17/17/16), 20 distinct wrong guesses each.
    let answers = flood(&three.bases(), &path, &right, 50, 20).await;
    assert_eq!(answers.len(), 1000);
    let counts = tally(&answers);
    let wrong = *counts.get("wrong_code").unwrap_or(&0) as u64;
    let locked = *counts.get("locked").unwrap_or(&0) as u64;
    assert_eq!(wrong + locked, 1000, "only refusals, no errors: {counts:?}");
    let left: BTreeSet<u64> = answers
        .iter()
        .filter(|a| a.outcome() == "wrong_code")
        .map(|a| a.body["attemptsLeft"].as_u64().unwrap())
        .collect();
    assert_eq!(left.len() as u64, wrong, "attemptsLeft repeated: {left:?}");
    let rejected = three.events("victim", "code_rejected");
    assert!(
        rejected <= THRESHOLD,
        "{rejected} guesses evaluated, limit {THRESHOLD}"
    );
    let shown = show(Path::new(BIN), &three.portals[0].db(), "victim");
    let lock = shown.iter().find(|f| u64::from(f.id) == factor).unwrap();
    assert_eq!(lock.locked_until, T0 + 900, "{shown:?}");
    // The right response is refused now, whichever instance gets it.
    for i in 0..3 {
        let late = Http::new(&three.base(i))
            .post(&path, &json!({ "response": right }))
            .await
            .unwrap();
        assert_eq!(late.outcome(), "locked", "instance {i}: {}", late.text);
    }
    assert_eq!(three.events("victim", "login_succeeded"), 0);
    eprintln!("1000 guesses over three instances: {counts:?}; evaluated: {rejected}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_resends_on_two_instances_send_one_sms() {
    let Some(three) = Three::start() else { return };
    let phone = "+41790000111";
    three.admin(&[
        "create-user",
        "sam",
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    three.admin(&["add-factor", "sam", "sms", "--phone", phone]);
    three.set_clocks(T0).await;
    let mut http = Http::new(&three.base(0));
    let started = http
        .post(
            "/api/login",
            &json!({ "username": "sam", "password": PASSWORD }),
        )
        .await
        .unwrap();
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    let sms = factor_of(&started.ok()["factors"], "sms");
    let chosen = http
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": sms }),
        )
        .await
        .unwrap();
    assert_eq!(chosen.ok()["prompt"], "code_sent");
    let mut seen: Vec<String> = three.messages_to(phone).await;
    assert_eq!(seen.len(), 1);

    let path = format!("/api/login/{login}/resend");
    let mut codes = vec![code_of(&seen[0])];
    for round in 1..=5u64 {
        three.set_clocks(T0 + round * 121).await;
        // Instances 1 and 2 in the first round, then 2 and 0, then 0 and 1, ...
        let answers = all_at_once(
            &[three.base(round as usize), three.base(round as usize + 1)],
            vec![(path.clone(), json!({ "channel": "sms" })); 2],
        )
        .await;
        let sent = answers
            .iter()
            .filter(|a| a.status == 200 && a.body["prompt"] == "code_sent")
            .count();
        let throttled = answers
            .iter()
            .filter(|a| a.status == 429 && a.code() == "Throttled")
            .count();
        assert_eq!((sent, throttled), (1, 1), "round {round}: {answers:?}");
        let now = three.messages_to(phone).await;
        assert_eq!(
            now.len() as u64,
            1 + round,
            "round {round}: one more SMS in all"
        );
        let new: Vec<&String> = now.iter().filter(|m| !seen.contains(m)).collect();
        assert_eq!(new.len(), 1, "round {round}");
        codes.push(code_of(new[0]));
        seen = now;
        assert_eq!(three.events("sam", "message_sent"), 1 + round);
        assert_eq!(three.events("sam", "message_queued"), 1 + round);
    }
    // Only the newest code is valid, on any instance.
    let response = format!("/api/login/{login}/response");
    let (older, newest) = (&codes[codes.len() - 2], &codes[codes.len() - 1]);
    if older != newest {
        let refused = Http::new(&three.base(1))
            .post(&response, &json!({ "response": older }))
            .await
            .unwrap();
        assert_eq!(refused.outcome(), "wrong_code");
    }
    let done = Http::new(&three.base(2))
        .post(&response, &json!({ "response": newest }))
        .await
        .unwrap();
    assert_eq!(done.outcome(), "success", "{}", done.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_push_started_on_one_instance_is_approved_on_another_and_claimed_on_a_third() {
    let Some(three) = Three::start() else { return };
    let phone = "+41790000222";
    three.admin(&[
        "create-user",
        "pia",
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    three.admin(&["add-factor", "pia", "sms", "--phone", phone]);
    three.set_clocks(T0).await;

    // The token activated on instance 0 (the SMS from its worker), completed on instance 1.
    let started = Http::new(&three.base(0))
        .post(
            "/api/token/activate",
            &json!({ "username": "pia", "password": PASSWORD, "deviceId": "phone-of-pia" }),
        )
        .await
        .unwrap();
    let activation = started.ok()["activationId"].as_str().unwrap().to_owned();
    let texts = three.messages_to(phone).await;
    assert_eq!(texts.len(), 1);
    let activated = Http::new(&three.base(1))
        .post(
            &format!("/api/token/activate/{activation}"),
            &json!({ "code": code_of(&texts[0]), "deviceId": "phone-of-pia" }),
        )
        .await
        .unwrap();
    assert_eq!(activated.outcome(), "activated", "{}", activated.text);
    let text = |name: &str| activated.body[name].as_str().unwrap().to_owned();
    let (handle, key, secret) = (text("deviceHandle"), text("deviceKey"), text("secret"));

    // The browser signs in on instance 2 and starts the push there.
    let mut browser = Http::new(&three.base(2));
    let login = browser
        .post(
            "/api/login",
            &json!({ "username": "pia", "password": PASSWORD }),
        )
        .await
        .unwrap()
        .ok()["loginId"]
        .as_str()
        .unwrap()
        .to_owned();
    let push = browser
        .post(&format!("/api/login/{login}/push"), &json!({}))
        .await
        .unwrap();
    let request = push.ok()["requestId"].as_str().unwrap().to_owned();
    let number = u32::try_from(push.ok()["number"].as_u64().unwrap()).unwrap();

    // The token: a nonce from instance 0, the list from instance 1 (the nonce is the store's).
    let mut token = Http::new(&three.base(0));
    let fields = token.prove(&handle, &key, "pushes", "").await;
    let listed = Http::new(&three.base(1))
        .post("/api/token/pushes", &fields)
        .await
        .unwrap();
    let listed = listed.ok().as_array().unwrap().clone();
    assert!(
        listed.iter().any(|p| p["requestId"] == request.as_str()),
        "{listed:?}"
    );
    // Approved through instance 1, with a nonce from instance 2.
    let mut token = Http::new(&three.base(2));
    let mut body = token
        .prove(&handle, &key, "answer", &format!("{request} approve"))
        .await;
    body["decision"] = json!("approve");
    body["mac"] = json!(push_mac(&secret, &request, number, true));
    let approved = Http::new(&three.base(1))
        .post(&format!("/api/push/{request}"), &body)
        .await
        .unwrap();
    assert_eq!(approved.outcome(), "approved", "{}", approved.text);

    // The browser sees it on instance 2 and claims its session on instance 0, once.
    let status = browser
        .get(&format!("/api/login/{login}/status"))
        .await
        .unwrap();
    assert_eq!(status.ok()["status"], "succeeded", "{}", status.text);
    let session_path = format!("/api/login/{login}/session");
    let claimed = Http::new(&three.base(0))
        .post(&session_path, &json!({}))
        .await
        .unwrap();
    let cookie = claimed.session.clone().expect("a session cookie");
    let again = Http::new(&three.base(1))
        .post(&session_path, &json!({}))
        .await
        .unwrap();
    assert_eq!(
        (again.status, again.code()),
        (409, "NotAllowed"),
        "{}",
        again.text
    );
    for i in 0..3 {
        assert!(signs_in(&three.base(i), &cookie).await, "instance {i}");
    }
    // The same answer again, on the instance that did not take it: refused.
    let mut body = Http::new(&three.base(0))
        .prove(&handle, &key, "answer", &format!("{request} approve"))
        .await;
    body["decision"] = json!("approve");
    body["mac"] = json!(push_mac(&secret, &request, number, true));
    let replayed = Http::new(&three.base(0))
        .post(&format!("/api/push/{request}"), &body)
        .await
        .unwrap();
    assert_ne!(replayed.outcome(), "approved", "{}", replayed.text);
    assert_eq!(three.events("pia", "login_succeeded"), 1);
}

/// How one card login of the kill test ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The success was acknowledged, with this session cookie.
    Acknowledged(String),
    /// The response's request was cut; its retry on a survivor succeeded.
    RetrySucceeded,
    /// The response's request was cut; its retry was refused: the cut one had committed.
    CommittedBeforeTheCut,
    /// The login never reached its response (cut earlier, and again on the survivors): nothing
    /// to check.
    Abandoned,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_of_one_instance_loses_nothing_acknowledged_and_reuses_no_response() {
    let Some(three) = Three::start() else { return };
    const ACCOUNTS: usize = 6;
    const LOGINS_EACH: usize = 3;
    let cards: Vec<(String, String)> = (0..ACCOUNTS)
        .map(|a| user_with_card(&three, &format!("k{a}")))
        .collect();
    three.set_clocks(T0).await;

    // Instance 2 dies by SIGKILL once the k-th request of the run is out.
    let seed = Rng::seed_from_time();
    let mut rng = Rng::new(seed);
    let kill_at = 8 + rng.below(30) as usize;
    eprintln!("seed {seed}: instance 2 is killed after request {kill_at}");
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let killer = three.portals[2].killer();
    let watch = {
        let sent = sent.clone();
        tokio::spawn(async move {
            while sent.load(std::sync::atomic::Ordering::SeqCst) < kill_at {
                tokio::task::yield_now().await;
            }
            killer.kill();
        })
    };

    let three = Arc::new(three);
    let mut tasks = Vec::new();
    for (a, card) in cards.into_iter().enumerate() {
        let (three, sent) = (three.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            let name = format!("k{a}");
            let mut ended = Vec::new();
            for n in 0..LOGINS_EACH {
                // Each step on the next instance; a step whose request fails is tried again
                // on the one after (the dead instance refuses at once).
                let mut at = a + n;
                let mut step = |s: &std::sync::atomic::AtomicUsize| {
                    s.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    at += 1;
                    at
                };
                let first = step(&sent);
                let second = step(&sent);
                // A login cut before its response is started again on the two survivors.
                let started = match card_login(&three, &name, &card, first, second).await {
                    Ok(started) => Ok(started),
                    Err(_) => card_login(&three, &name, &card, 0, 1).await,
                };
                let Ok((login, _, right)) = started else {
                    ended.push((String::new(), String::new(), Ended::Abandoned));
                    continue;
                };
                let path = format!("/api/login/{login}/response");
                let body = json!({ "response": right });
                let at = step(&sent);
                match Http::new(&three.base(at)).post(&path, &body).await {
                    Ok(answer) => {
                        assert_eq!(answer.outcome(), "success", "{}", answer.text);
                        let cookie = answer.session.clone().expect("a session cookie");
                        ended.push((login, right, Ended::Acknowledged(cookie)));
                    }
                    Err(_) => {
                        // Cut (or sent to the dead instance): once more on a survivor.
                        let survivor = if (at + 1) % 3 == 2 { at + 2 } else { at + 1 };
                        let retry = Http::new(&three.base(survivor))
                            .post(&path, &body)
                            .await
                            .unwrap();
                        let how = if retry.outcome() == "success" {
                            Ended::RetrySucceeded
                        } else {
                            Ended::CommittedBeforeTheCut
                        };
                        ended.push((login, right, how));
                    }
                }
            }
            (name, ended)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    watch.abort();

    let survivors = [three.base(0), three.base(1)];
    let mut tally = std::collections::BTreeMap::new();
    for (name, ended) in &results {
        let completed = ended
            .iter()
            .filter(|(_, _, e)| *e != Ended::Abandoned)
            .count() as u64;
        // No acknowledged success lost, none invented: one event per login that ended in a
        // success, whichever request committed it.
        assert_eq!(
            three.events(name, "login_succeeded"),
            completed,
            "{name}: {ended:?}"
        );
        for (login, right, how) in ended {
            *tally
                .entry(format!("{how:?}").split('(').next().unwrap().to_owned())
                .or_insert(0) += 1;
            if *how == Ended::Abandoned {
                continue;
            }
            // No response works twice, on any survivor.
            for base in &survivors {
                let again = Http::new(base)
                    .post(
                        &format!("/api/login/{login}/response"),
                        &json!({ "response": right }),
                    )
                    .await
                    .unwrap();
                assert_ne!(again.outcome(), "success", "{name}: reused on {base}");
            }
            // Every acknowledged session, whichever instance opened it, signs in on both
            // survivors.
            if let Ended::Acknowledged(cookie) = how {
                for base in &survivors {
                    assert!(
                        signs_in(base, cookie).await,
                        "{name}: session lost on {base}"
                    );
                }
            }
        }
    }
    eprintln!("kill -9 at request {kill_at} (seed {seed}): {tally:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_the_database_is_away_every_instance_answers_503_and_afterwards_nothing_is_lost() {
    let Some(three) = Three::start() else { return };
    let Some(cluster) = cluster() else { return };
    let card = user_with_card(&three, "dora");
    three.set_clocks(T0).await;
    let (login, _, right) = card_login(&three, "dora", &card, 0, 1).await.unwrap();
    let done = Http::new(&three.base(2))
        .post(
            &format!("/api/login/{login}/response"),
            &json!({ "response": right }),
        )
        .await
        .unwrap();
    assert_eq!(done.outcome(), "success", "{}", done.text);
    let cookie = done.session.clone().unwrap();

    // The database goes away: no new connection is allowed, and every open one is cut.
    let url = three.portals[0].db();
    let db = url
        .to_str()
        .unwrap()
        .trim_start_matches("postgres://test@/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    cluster.psql(
        "postgres",
        &format!(
            "ALTER DATABASE {db} ALLOW_CONNECTIONS false; \
             SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{db}'"
        ),
    );
    for i in 0..3 {
        let mut http = Http::new(&three.base(i));
        let ready = http.get("/readyz").await.unwrap();
        assert_eq!(ready.status, 503, "instance {i}: {}", ready.text);
        let refused = http
            .post(
                "/api/login",
                &json!({ "username": "dora", "password": PASSWORD }),
            )
            .await
            .unwrap();
        assert_eq!(
            (refused.status, refused.code()),
            (503, "StorageFailure"),
            "instance {i}: {}",
            refused.text
        );
        // The process itself still answers.
        assert_eq!(http.get("/healthz").await.unwrap().status, 200);
    }

    // It comes back: every instance serves again, with what was committed before.
    cluster.psql(
        "postgres",
        &format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true"),
    );
    for i in 0..3 {
        let mut http = Http::new(&three.base(i));
        // The pool drops the cut connections as it finds them: a few 503s may come first.
        let mut ready = http.get("/readyz").await.unwrap();
        for _ in 0..50 {
            if ready.status == 200 {
                break;
            }
            ready = http.get("/readyz").await.unwrap();
        }
        assert_eq!(ready.status, 200, "instance {i}: {}", ready.text);
        assert!(signs_in(&three.base(i), &cookie).await, "instance {i}");
    }
    let (login, _, right) = card_login(&three, "dora", &card, 1, 2).await.unwrap();
    let again = Http::new(&three.base(0))
        .post(
            &format!("/api/login/{login}/response"),
            &json!({ "response": right }),
        )
        .await
        .unwrap();
    assert_eq!(again.outcome(), "success", "{}", again.text);
    assert_eq!(three.events("dora", "login_succeeded"), 2);
}
