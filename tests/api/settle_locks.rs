//! Nothing all pauses share on PostgreSQL's settle path: read from the
//! server's statement log while sixty approvals settle at once on two
//! replicas, approvals waiting together share a transaction (group
//! commit), no settling transaction sends `NOTIFY` (a payload-free one
//! goes after commit, outside any transaction) and nothing takes an
//! advisory lock, hourly limits included (they hold a row of
//! `target_turns`). A long poll on one replica still wakes when the other
//! decides: by `NOTIFY`, and by polling with it switched off. An hourly
//! limit still holds across two replicas.

mod statement_log;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{RunningBinary, TestApp};
use crate::pg::PgDatabase;
use crate::standins;
use statement_log::{Statement, StatementLog, by_transaction};

/// Two `pausegate serve` processes on `database` with target `hook`
/// (`hook_extra` added to its table) and `[database] notify = notify`.
fn two_replicas(
    dir: &std::path::Path,
    database: &PgDatabase,
    receiver: &str,
    hook_extra: &str,
    notify: bool,
) -> [RunningBinary; 2] {
    // Many requests at once on a loaded machine may wait longer than the
    // default half second for a connection.
    let config = format!(
        "[database]\ntimeout = \"5s\"\nnotify = {notify}\n\
         [targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n{hook_extra}\n"
    );
    let serve = TestApp::builder()
        .database(&database.url)
        .config(&config)
        .dir(dir);
    [serve.binary(), serve.binary()]
}

/// `n` pauses with target `hook`, made through `replica`; their ids.
async fn create_many(replica: &RunningBinary, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let body = json!({"title": format!("Deploy {i}?"), "target": "hook"});
        ids.push(replica.api.create_id(body).await);
    }
    ids
}

/// Approves every pause at once, alternating replicas; each must succeed.
async fn approve_all_at_once(replicas: &[RunningBinary; 2], ids: &[String]) {
    let attempts: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let path = format!("/api/v1/pauses/{id}/approve");
            let approve = replicas[i % 2].api.request(Method::POST, &path).send();
            tokio::spawn(async move { approve.await.unwrap().status() })
        })
        .collect();
    for attempt in attempts {
        assert_eq!(attempt.await.unwrap(), StatusCode::OK);
    }
}

/// Polls `done` every 100 ms for up to `limit`; true once it holds.
async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}

/// Sixty pauses on two replicas, a long poll on the first, all approved at
/// once (half through each replica) and their triggers sent through a
/// target with an hourly limit: what the database ran meanwhile.
async fn sixty_approvals_logged() -> Vec<Statement> {
    let database = PgDatabase::create().await;
    let mut log = StatementLog::switch_on(&database).await;
    let (receiver, requests) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let replicas = two_replicas(
        dir.path(),
        &database,
        &receiver,
        "max_per_hour = 1000",
        true,
    );
    let ids = create_many(&replicas[0], 60).await;
    // Start-up (migrations included) is not the settle path.
    log.mark();
    let (api, waited) = (replicas[0].api.clone(), ids[1].clone());
    let waiting = tokio::spawn(async move { api.wait(&waited, "30s").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    approve_all_at_once(&replicas, &ids).await;
    assert_eq!(waiting.await.unwrap().1["state"], "approved");
    let sent = eventually(Duration::from_secs(20), || requests.requests().len() >= 60).await;
    assert!(sent, "{} of 60 triggers sent", requests.requests().len());
    let [mut a, mut b] = replicas;
    assert!(a.terminate() && b.terminate());
    log.statements()
}

/// The distinct statements among `statements`, for a failure message.
fn distinct(statements: &[&Statement]) -> Vec<String> {
    let mut texts: Vec<String> = statements.iter().map(|s| s.text.clone()).collect();
    texts.sort();
    texts.dedup();
    texts
}

// Several threads: stopping a replica blocks, and the receiver of the
// triggers runs in this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_settlements_at_once_share_transactions_and_send_no_notify_inside_them() {
    let statements = sixty_approvals_logged().await;
    let (transactions, outside) = by_transaction(&statements);
    let settles = |t: &Vec<Statement>| {
        t.iter()
            .filter(|s| s.mentions("UPDATE pauses SET state"))
            .count()
    };
    let settled: usize = transactions.iter().map(settles).sum();
    assert!(
        settled >= 60,
        "{settled} settlements logged in transactions"
    );
    // Group commit: approvals waiting together commit together.
    let most = transactions.iter().map(settles).max().unwrap_or(0);
    assert!(most > 1, "no transaction held more than {most} settlement");
    let inside: Vec<&Statement> = transactions
        .iter()
        .flatten()
        .filter(|s| s.notifies())
        .collect();
    assert!(
        inside.is_empty(),
        "NOTIFY inside a transaction: {:?}",
        distinct(&inside)
    );
    let after = outside.iter().filter(|s| s.notifies()).count();
    assert!(
        (1..=60).contains(&after),
        "{after} wake-ups sent after commit for 60 settlements"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_settlements_and_their_rate_limited_triggers_take_no_advisory_lock() {
    let statements = sixty_approvals_logged().await;
    assert!(
        statements.iter().any(|s| s.mentions("target_turns")),
        "the hourly limit was checked"
    );
    let advisory: Vec<&Statement> = statements
        .iter()
        .filter(|s| s.mentions("advisory"))
        .collect();
    assert!(
        advisory.is_empty(),
        "advisory locks taken: {:?}",
        distinct(&advisory)
    );
}

/// How long after `other` decides a long poll on `waiting` answers.
async fn wake_lag(waiting: &RunningBinary, other: &RunningBinary) -> Duration {
    let body = json!({"title": "Deploy?", "target": "hook"});
    let id = waiting.api.create_id(body).await;
    let (api, waited) = (waiting.api.clone(), id.clone());
    let wait = tokio::spawn(async move {
        let (_, answer) = api.wait(&waited, "30s").await;
        (Instant::now(), answer)
    });
    // Let the long poll settle in before deciding.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(other.api.approve(&id).await.0, StatusCode::OK);
    let decided = Instant::now();
    let (woken, answer) = wait.await.unwrap();
    assert_eq!(answer["state"], "approved");
    woken.saturating_duration_since(decided)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_on_one_replica_wakes_by_notify_when_the_other_decides() {
    let database = PgDatabase::create().await;
    let (receiver, _requests) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let [mut a, mut b] = two_replicas(dir.path(), &database, &receiver, "", true);
    // Listening replicas never poll: a lost wake-up would wait 30 s.
    let lag = wake_lag(&a, &b).await;
    assert!(lag < Duration::from_secs(1), "woken {lag:?} after");
    assert!(a.terminate() && b.terminate());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_notify_switched_off_a_wait_on_one_replica_wakes_by_polling() {
    let database = PgDatabase::create().await;
    let log = StatementLog::switch_on(&database).await;
    let (receiver, _requests) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let [mut a, mut b] = two_replicas(dir.path(), &database, &receiver, "", false);
    let lag = wake_lag(&a, &b).await;
    assert!(lag < Duration::from_secs(3), "woken {lag:?} after");
    assert!(a.terminate() && b.terminate());
    let statements = log.statements();
    assert!(
        statements.iter().any(|s| s.mentions("state <> 'pending'")),
        "the replicas polled"
    );
    let notify: Vec<&Statement> = statements
        .iter()
        .filter(|s| s.listens() || s.notifies())
        .collect();
    assert!(notify.is_empty(), "{:?}", distinct(&notify));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hourly_limit_holds_across_two_replicas_claiming_at_once() {
    let database = PgDatabase::create().await;
    let (receiver, requests) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let replicas = two_replicas(dir.path(), &database, &receiver, "max_per_hour = 5", true);
    let ids = create_many(&replicas[0], 20).await;
    approve_all_at_once(&replicas, &ids).await;
    let postponed = || async {
        let mut waiting = 0;
        for id in &ids {
            let delivery = &replicas[1].api.deliveries(id).await[0];
            waiting += usize::from(delivery["state"] == "pending");
        }
        waiting
    };
    let until = Instant::now() + Duration::from_secs(20);
    while postponed().await > 15 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both outboxes have had time to send more if they could.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(requests.requests().len(), 5, "five an hour");
    assert_eq!(postponed().await, 15);
    let [mut a, mut b] = replicas;
    assert!(a.terminate() && b.terminate());
}
