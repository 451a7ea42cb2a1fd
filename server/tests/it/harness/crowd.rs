//! Many clients at once, for the race tests (`races.rs` on one instance, `instances.rs` on
//! three): each on its own connection, opened before a barrier releases them all, so the
//! barrier releases requests, not handshakes. Client or request `i` goes to `bases[i % n]`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::sync::Barrier;

use super::{Answer, Http};

/// Posts each of `requests` (path, body) from its own client, all released at once, request
/// `i` to `bases[i % bases.len()]`; the answers in the same order.
pub async fn all_at_once(bases: &[String], requests: Vec<(String, Value)>) -> Vec<Answer> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .enumerate()
        .map(|(i, (path, body))| {
            let barrier = barrier.clone();
            let mut http = Http::new(&bases[i % bases.len()]);
            tokio::spawn(async move {
                http.get("/api/phone/messages").await.unwrap();
                barrier.wait().await;
                http.post(&path, &body).await.unwrap()
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// `clients` clients, client `c` on `bases[c % bases.len()]`, released together, each sending
/// `each` distinct wrong 8-digit guesses (never `right`) to `path` one after the other; all the
/// answers.
pub async fn flood(
    bases: &[String],
    path: &str,
    right: &str,
    clients: u64,
    each: u64,
) -> Vec<Answer> {
    let barrier = Arc::new(Barrier::new(usize::try_from(clients).unwrap()));
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let barrier = barrier.clone();
            let path = path.to_owned();
            let right = right.to_owned();
            let mut http = Http::new(&bases[usize::try_from(client).unwrap() % bases.len()]);
            tokio::spawn(async move {
                http.get("/api/phone/messages").await.unwrap();
                barrier.wait().await;
                let mut answers = Vec::new();
                for n in 0..each {
                    let mut guess = format!("{:08}", (client * each + n) * 99_991 % 100_000_000);
                    if guess == right {
                        guess = format!("{:08}", 99_999_999 - client);
                    }
                    answers.push(
                        http.post(&path, &json!({ "response": guess }))
                            .await
                            .unwrap(),
                    );
                }
                answers
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.extend(task.await.unwrap());
    }
    answers
}

/// How many answers of each outcome (`success`, `wrong_code`, ...) or error (`429 Throttled`).
pub fn tally(answers: &[Answer]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for a in answers {
        let key = if a.status == 200 {
            a.outcome().to_owned()
        } else {
            format!("{} {}", a.status, a.code())
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}
