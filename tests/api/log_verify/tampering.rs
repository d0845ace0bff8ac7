//! One stored thing changed at a time, each named by `pausegate log
//! verify`: a logged receipt, a stored log hash at level 0 and level 1 (a
//! tile), the newest checkpoint's note (changed, or signed by another
//! key) through the server (`log verify URL`, which reads what the server
//! serves); a decision row and the data through the database (`log verify
//! --database-url`, the audit); a deleted receipt both ways. Each is put
//! back before the next, and the log verifies again. On SQLite and
//! PostgreSQL.

use std::process::Command;

use serde_json::json;

use super::{accepted, fetch, file, forge, refused, says, settle};
use crate::helpers::TestApp;
use crate::pg::PgDatabase;

/// A settled log, the SQL that changes its database, and the two ways
/// to verify it.
struct Scene<F: Fn(&str)> {
    app: TestApp,
    sql: F,
    by_url: Vec<String>,
    by_database: Vec<String>,
}

/// Hex of the first 32-byte hash of the tile at `path`.
async fn first_hash(app: &TestApp, path: &str) -> String {
    hex::encode(&fetch(app, path).await[..32])
}

/// The hex hash with its first digit changed.
fn flipped(hash: &str) -> String {
    let first = if hash.starts_with('0') { "1" } else { "0" };
    format!("{first}{}", &hash[1..])
}

impl<F: Fn(&str)> Scene<F> {
    /// Settles 257 pauses (a full tile, so a level-1 hash) and one with
    /// data, integrates them, and checks both ways pass.
    async fn settle(app: TestApp, database_url: &str, sql: F) -> (Self, Vec<String>, String) {
        let ids = settle(&app, 257).await;
        let body = json!({"title": "Data", "data": {"rows": 3}});
        let data = app.api.create_id(body).await;
        app.api.decide_ok(&data, "reject").await;
        assert_eq!(app.integrate().await, 258);
        let vkey = file(&app, "log.vkey", fetch(&app, "/log/vkey").await);
        let args = |how: &[&str]| {
            let mut args = vec!["log".to_owned(), "verify".to_owned()];
            args.extend(how.iter().map(|a| (*a).to_owned()));
            args.extend(["--vkey".to_owned(), vkey.clone()]);
            args
        };
        let (by_url, by_database) = (args(&[&app.base]), args(&["--database-url", database_url]));
        let scene = Self {
            app,
            sql,
            by_url,
            by_database,
        };
        scene.both_pass().await;
        (scene, ids, data)
    }

    async fn both_pass(&self) {
        accepted(&strs(&self.by_url)).await;
        let said = accepted(&strs(&self.by_database)).await;
        says(&said, &["audit: 258 receipts verified"]);
    }

    async fn url_refuses(&self) -> String {
        refused(&strs(&self.by_url)).await
    }

    async fn database_refuses(&self) -> String {
        refused(&strs(&self.by_database)).await
    }

    async fn a_changed_entry_is_named_by_entry_and_tile(&self) {
        (self.sql)("UPDATE receipts SET jws = REPLACE(jws, '.eyJ', '.eyK') WHERE log_index = 1");
        says(
            &self.url_refuses().await,
            &[
                "log entry 1 (in tile/entries/000): its leaf hash is not hash 1 of tile/0/000",
                "log entry 1 (in tile/entries/000) is not a receipt signed",
                "the checkpoint's root is not the root of its 258 entries",
            ],
        );
        (self.sql)("UPDATE receipts SET jws = REPLACE(jws, '.eyK', '.eyJ') WHERE log_index = 1");
    }

    async fn a_changed_tile_hash_is_named_at_level_0_and_1(&self) {
        let level0 = first_hash(&self.app, "/log/tile/0/000").await;
        let level1 = first_hash(&self.app, "/log/tile/1/000.p/1").await;
        let set = |level: u8, hash: &str| {
            (self.sql)(&format!(
                "UPDATE log_hashes SET hash = '{hash}' WHERE tile_level = {level} AND idx = 0"
            ));
        };
        set(0, &flipped(&level0));
        says(
            &self.url_refuses().await,
            &[
                "log entry 0 (in tile/entries/000): its leaf hash is not hash 0 of tile/0/000: the \
             entry or the tile was changed",
            ],
        );
        set(0, &level0);
        set(1, &flipped(&level1));
        says(
            &self.url_refuses().await,
            &["tile/1/000.p/1: hash 0 is not the root of tile/0/000 rebuilt from the entries"],
        );
        set(1, &level1);
    }

    async fn a_changed_or_forged_checkpoint_is_named(&self) {
        let note = String::from_utf8(fetch(&self.app, "/log/checkpoint").await).unwrap();
        let set = |note: &str| {
            (self.sql)(&format!(
                "UPDATE log_checkpoints SET note = '{note}' WHERE size = 258"
            ));
        };
        set(&note.replacen("\n258\n", "\n259\n", 1));
        let at = format!(
            "the checkpoint at {}/log/checkpoint: the signature by",
            self.app.base
        );
        says(
            &self.url_refuses().await,
            &[&at, "does not verify: it was changed"],
        );
        set(&forge(&note, note.lines().next().unwrap()));
        says(
            &self.url_refuses().await,
            &["no signature by a known key: it was changed, or is not signed by the log key"],
        );
        set(&note);
    }

    async fn a_changed_decision_or_data_is_named_by_the_audit(&self, first: &str, data: &str) {
        let first_decision = "id = (SELECT MIN(id) FROM decisions)";
        (self.sql)(&format!(
            "UPDATE decisions SET actor = actor || '-mallory' WHERE {first_decision}"
        ));
        let actor = format!("(pause {first}): decision 1's actor");
        says(&self.database_refuses().await, &[&actor]);
        (self.sql)(&format!(
            "UPDATE decisions SET actor = REPLACE(actor, '-mallory', '') WHERE {first_decision}"
        ));
        (self.sql)(&format!(
            "UPDATE pauses SET data = '{{\"rows\":30}}' WHERE id = '{data}'"
        ));
        let hash = format!("(pause {data}): the data's SHA-256");
        says(&self.database_refuses().await, &[&hash]);
        (self.sql)(&format!(
            "UPDATE pauses SET data = '{{\"rows\":3}}' WHERE id = '{data}'"
        ));
    }

    async fn a_removed_receipt_is_caught_both_ways(&self, third: &str) {
        (self.sql)("DELETE FROM receipts WHERE log_index = 2");
        let bundle = format!("{}/log/tile/entries/000 answered 500", self.app.base);
        says(&self.url_refuses().await, &[&bundle]);
        let settled = format!("pause {third} settled with no receipt");
        says(
            &self.database_refuses().await,
            &[
                "log entry 2 has no receipt: its receipt was removed",
                &settled,
            ],
        );
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Changes each thing in turn, putting it back after.
async fn log_verify_names_each_change(app: TestApp, database_url: &str, sql: impl Fn(&str)) {
    let (scene, ids, data) = Scene::settle(app, database_url, sql).await;
    scene.a_changed_entry_is_named_by_entry_and_tile().await;
    scene.a_changed_tile_hash_is_named_at_level_0_and_1().await;
    scene.a_changed_or_forged_checkpoint_is_named().await;
    scene.both_pass().await;
    scene
        .a_changed_decision_or_data_is_named_by_the_audit(&ids[0], &data)
        .await;
    scene.both_pass().await;
    scene.a_removed_receipt_is_caught_both_ways(&ids[2]).await;
    scene.app.stop().await;
}

#[tokio::test]
async fn log_verify_names_a_changed_entry_tile_checkpoint_decision_or_data_and_a_removed_receipt_on_sqlite()
 {
    let app = TestApp::builder().manual().start().await;
    let url = app.settings.database_url.clone();
    let path = url.trim_start_matches("sqlite://").to_owned();
    log_verify_names_each_change(app, &url, |sql| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        conn.execute(sql, []).unwrap();
    })
    .await;
}

#[tokio::test]
async fn log_verify_names_a_changed_entry_tile_checkpoint_decision_or_data_and_a_removed_receipt_on_postgres()
 {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    let url = database.url.clone();
    log_verify_names_each_change(app, &database.url, |sql| {
        let status = Command::new("psql")
            .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .status()
            .unwrap();
        assert!(status.success());
    })
    .await;
}
