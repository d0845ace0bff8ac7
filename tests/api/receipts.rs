//! Signed receipts: each settled pause gets an Ed25519 JWS that an
//! independent verifier (PyJWT) accepts from `/.well-known/jwks.json`
//! alone, title, description and comments included; `pausegate verify`
//! checks signature, chain and data offline against keys it was told to
//! trust; `pausegate audit verify` walks the chain in the database and
//! names a changed decision row, data or receipt. On SQLite and
//! PostgreSQL. Trust anchors and key rotation are in [`trust`]; edited
//! titles, descriptions and comments, and older receipts, in [`text`].

mod text;
mod trust;

use std::path::Path;
use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::pg::PgDatabase;
use crate::standins;

/// Runs the CLI without blocking the runtime the test's server runs on.
pub(crate) async fn pausegate(args: &[&str]) -> Output {
    pausegate_with_env(args, &[]).await
}

/// [`pausegate`] with `env` set, and nothing else of pausegate's from the
/// test's own environment.
async fn pausegate_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(args)
        .env_remove("PAUSEGATE_DATABASE_URL")
        .env_remove("PAUSEGATE_TRUSTED_ISSUERS")
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Creates a pause with `data` and settles it with `verdict`; its id.
async fn settled(app: &TestApp, data: Value, verdict: &str) -> String {
    let (_, created) = app.api.create(json!({"title": "Load", "data": data})).await;
    let id = created["id"].as_str().unwrap().to_owned();
    match verdict {
        "cancel" => {
            app.api.cancel(&id).await;
        }
        _ => {
            app.api.decide_ok(&id, verdict).await;
        }
    }
    id
}

/// Runs the independent verifier on `receipts` with the `pauses` (as the
/// API shows them) they are for.
pub(crate) fn python_verifies(
    dir: &Path,
    jwks: &Value,
    receipts: &[&str],
    pauses: &[Value],
) -> String {
    let python = crate::python::with(&[("jwt", "PyJWT"), ("cryptography", "cryptography")]);
    std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
    std::fs::write(dir.join("receipts.txt"), receipts.join("\n")).unwrap();
    std::fs::write(
        dir.join("data.json"),
        Value::from(pauses.to_vec()).to_string(),
    )
    .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/standins/verify_receipt.py"
    );
    let output = Command::new(python)
        .arg(script)
        .args(["jwks.json", "receipts.txt", "data.json"].map(|f| dir.join(f)))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn a_settled_pause_has_a_receipt_an_independent_verifier_accepts_from_the_jwks_alone() {
    let (receiver, log) = standins::webhook().await;
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n");
    let app = TestApp::builder().config(&config).manual().start().await;
    let data = json!({"rows": 12, "env": "dev", "note": "naïve \"quoted\"\n"});
    let (_, created) = app
        .api
        .create(
            json!({"title": "Load", "description": "12 rows, «staged»", "data": data,
                       "target": "hook"}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let (status, body) = app.api.get(&format!("/api/v1/pauses/{id}/receipt")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error_message(&body).contains("still pending"));

    let comment = json!({"actor": "ana", "comment": "checked the 12 rows ✓"});
    let first_pause = app.api.decide_ok_with(id, "approve", comment).await;
    let first = app.api.receipt(id).await;
    let second_id = settled(&app, json!({"rows": 5}), "reject").await;
    let second = app.api.receipt(&second_id).await;
    let jwks = app.api.get_json("/.well-known/jwks.json").await;
    let jws = [
        first["receipt"].as_str().unwrap(),
        second["receipt"].as_str().unwrap(),
    ];
    let pauses = [first_pause, app.api.pause(&second_id).await];
    let seen = python_verifies(app.dir.path(), &jwks, &jws, &pauses);
    assert!(seen.contains(&format!("{id} approved")), "{seen}");
    assert!(seen.contains(&format!("{second_id} rejected")), "{seen}");

    assert_eq!(first["claims"]["via"], "api");
    assert_eq!(
        second["claims"].get("prev"),
        None,
        "no chain: the log orders receipts"
    );
    assert_eq!(app.api.pause(id).await["receipt"], first["receipt"]);
    app.drain_outbox().await;
    let sent = log.requests()[0].json();
    assert_eq!(
        sent["receipt"], first["receipt"],
        "the target gets the receipt"
    );
}

#[tokio::test]
async fn pausegate_verify_checks_signature_chain_and_data_and_names_what_changed() {
    let app = TestApp::builder().start().await;
    let data = json!({"rows": 7, "table": "sales"});
    let first = app
        .api
        .receipt(&settled(&app, data.clone(), "approve").await)
        .await;
    let second = app
        .api
        .receipt(&settled(&app, json!({}), "cancel").await)
        .await;
    let jwks_url = format!("{}/.well-known/jwks.json", app.base);
    let dir = app.dir.path();
    let data_file = dir.join("data.json");
    std::fs::write(&data_file, "{ \"table\": \"sales\", \"rows\": 7 }").unwrap();
    let jws = first["receipt"].as_str().unwrap();
    let data_arg = data_file.to_str().unwrap();

    let ok = pausegate(&["verify", jws, "--data", data_arg, "--jwks", &jwks_url]).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("matches the receipt"));
    let trusted = format!("key {} from {jwks_url}", first["kid"].as_str().unwrap());
    assert!(stdout(&ok).contains(&trusted), "{}", stdout(&ok));
    // Nothing pinned: the issuer the receipt names is not asked for keys.
    let unpinned = pausegate(&["verify", jws]).await;
    assert_eq!(unpinned.status.code(), Some(1));
    assert!(
        stderr(&unpinned).contains(&app.base),
        "{}",
        stderr(&unpinned)
    );

    std::fs::write(&data_file, "{\"table\": \"sales\", \"rows\": 8}").unwrap();
    let changed = pausegate(&["verify", jws, "--data", data_arg, "--jwks", &jwks_url]).await;
    assert_eq!(changed.status.code(), Some(1));
    assert!(
        stderr(&changed).contains("data.json changed"),
        "{}",
        stderr(&changed)
    );

    let mut forged = jws.as_bytes().to_vec();
    let at = jws.find('.').unwrap() + 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let refused = pausegate(&["verify", &forged, "--jwks", &jwks_url]).await;
    assert_eq!(refused.status.code(), Some(1));
    let said = stderr(&refused);
    assert!(said.contains("signature does not verify"), "{said}");

    let chain = dir.join("chain.txt");
    let both = format!("{jws}\n{}\n", second["receipt"].as_str().unwrap());
    std::fs::write(&chain, both).unwrap();
    let whole = pausegate(&["verify", chain.to_str().unwrap(), "--jwks", &jwks_url]).await;
    assert!(whole.status.success(), "{}", stderr(&whole));
    std::fs::write(&chain, format!("{}\n", second["receipt"].as_str().unwrap())).unwrap();
    let std_out = pausegate(&["verify", chain.to_str().unwrap(), "--jwks", &jwks_url]).await;
    assert!(
        std_out.status.success(),
        "a receipt alone verifies on its own"
    );
}

/// The hex leaf hash of a log entry (RFC 9162: SHA-256 of 0x00 and the entry).
fn hex_leaf(entry: &str) -> String {
    hex::encode(pausegate::tlog::merkle::leaf_hash(entry.as_bytes()))
}

/// Settles an approval, a rejection and a cancellation; audits them;
/// then changes one stored thing at a time, each named by the audit.
async fn audit_names_each_change(app: TestApp, url: &str, sql: impl Fn(&str)) {
    let approved = settled(&app, json!({"rows": 1}), "approve").await;
    settled(&app, json!({"rows": 2}), "reject").await;
    let cancelled = settled(&app, json!({"rows": 3}), "cancel").await;
    assert_eq!(app.integrate().await, 3);
    let first_leaf = hex_leaf(
        app.api.receipt(&approved).await["receipt"]
            .as_str()
            .unwrap(),
    );
    let args = ["audit", "verify", "--database-url", url];
    let audit = || pausegate(&args);
    let clean = audit().await;
    assert!(clean.status.success(), "{}", stderr(&clean));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("3 receipts verified"));

    let first_decision = "id = (SELECT MIN(id) FROM decisions)";
    sql(&format!(
        "UPDATE decisions SET actor = actor || '-mallory' WHERE {first_decision}"
    ));
    let found = audit().await;
    assert_eq!(found.status.code(), Some(1));
    assert!(stderr(&found).contains(&format!("receipt 1 (pause {approved}): decision 1's actor")));
    assert!(stderr(&found).contains("-mallory"), "{}", stderr(&found));
    sql(&format!(
        "UPDATE decisions SET actor = REPLACE(actor, '-mallory', '') WHERE {first_decision}"
    ));

    sql(&format!(
        "UPDATE pauses SET data = '{{\"rows\":30}}' WHERE id = '{cancelled}'"
    ));
    let found = audit().await;
    assert!(stderr(&found).contains("receipt 3"), "{}", stderr(&found));
    assert!(
        stderr(&found).contains("the data's SHA-256"),
        "{}",
        stderr(&found)
    );
    sql(&format!(
        "UPDATE pauses SET data = '{{\"rows\":3}}' WHERE id = '{cancelled}'"
    ));
    assert!(
        audit().await.status.success(),
        "restored, the audit passes again"
    );

    sql("UPDATE receipts SET jws = REPLACE(jws, '.eyJ', '.eyK') WHERE log_index = 1");
    let found = audit().await;
    let said = stderr(&found);
    assert!(said.contains("receipt 2"), "{said}");
    assert!(
        said.contains("does not verify") || said.contains("not a JWS"),
        "{said}"
    );
    assert!(
        said.contains("log entry 1: its receipt differs from the one the log took in"),
        "{said}"
    );
    sql("UPDATE receipts SET jws = REPLACE(jws, '.eyK', '.eyJ') WHERE log_index = 1");
    assert!(audit().await.status.success(), "restored");

    sql("UPDATE log_checkpoints SET note = REPLACE(note, '\n3\n', '\n4\n') WHERE size = 3");
    let said = stderr(&audit().await);
    assert!(said.contains("checkpoint 3: "), "{said}");
    assert!(said.contains("it was changed"), "{said}");
    sql("UPDATE log_checkpoints SET note = REPLACE(note, '\n4\n', '\n3\n') WHERE size = 3");

    sql(
        "UPDATE log_hashes SET hash = CASE WHEN SUBSTR(hash, 1, 1) = '0' THEN '1' ELSE '0' END \
         || SUBSTR(hash, 2) WHERE tile_level = 0 AND idx = 0",
    );
    let said = stderr(&audit().await);
    assert!(said.contains("log entry 0: its receipt differs"), "{said}");
    sql(&format!(
        "UPDATE log_hashes SET hash = '{first_leaf}' WHERE tile_level = 0 AND idx = 0"
    ));
    assert!(audit().await.status.success(), "restored");

    sql("DELETE FROM receipts WHERE log_index = 2");
    let said = stderr(&audit().await);
    assert!(
        said.contains(&format!("pause {cancelled} settled with no receipt")),
        "{said}"
    );
    assert!(said.contains("log entry 2 has no receipt"), "{said}");
    app.stop().await;
}

#[tokio::test]
async fn audit_verify_names_a_changed_decision_row_data_or_receipt_on_sqlite() {
    let app = TestApp::builder().start().await;
    let url = app.settings.database_url.clone();
    let path = url.trim_start_matches("sqlite://").to_owned();
    audit_names_each_change(app, &url, |sql| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        conn.execute(sql, []).unwrap();
    })
    .await;
}

#[tokio::test]
async fn audit_verify_names_a_changed_decision_row_data_or_receipt_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    let url = database.url.clone();
    audit_names_each_change(app, &database.url, |sql| {
        let status = Command::new("psql")
            .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .status()
            .unwrap();
        assert!(status.success());
    })
    .await;
}

#[tokio::test]
async fn concurrent_settles_on_postgres_each_enter_the_log_once() {
    let database = PgDatabase::create().await;
    let app = std::sync::Arc::new(
        TestApp::builder()
            .database(&database.url)
            .manual()
            .start()
            .await,
    );
    let mut ids = Vec::new();
    for n in 0..12 {
        let (_, created) = app.api.create(json!({"title": format!("Load {n}")})).await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    // The decisions race; nothing orders their receipts but the log.
    let racing: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let app = app.clone();
            tokio::spawn(async move { app.api.decide_ok(&id, "approve").await })
        })
        .collect();
    for decision in racing {
        assert_eq!(decision.await.unwrap()["state"], "approved");
    }
    assert_eq!(app.integrate().await, 12);
    let audit = pausegate(&["audit", "verify", "--database-url", &database.url]).await;
    assert!(audit.status.success(), "{}", stderr(&audit));
    let said = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert!(said.contains("12 receipts verified"), "{said}");
    assert!(said.contains("the log's 12 entries match"), "{said}");
}
