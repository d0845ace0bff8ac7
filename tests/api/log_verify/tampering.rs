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

use super::{accepted, fetch, file, forge, refused, settle};
use crate::helpers::TestApp;
use crate::pg::PgDatabase;

/// Hex of the `n`th 32-byte hash of a tile's bytes.
fn hex_hash(tile: &[u8], n: usize) -> String {
    hex::encode(&tile[n * 32..(n + 1) * 32])
}

/// Settles 257 pauses (a full tile, so a level-1 hash) and changes what
/// `sql` can reach, one thing at a time.
async fn log_verify_names_each_change(app: TestApp, database_url: &str, sql: impl Fn(&str)) {
    let ids = settle(&app, 257).await;
    let data = app
        .api
        .create_id(json!({"title": "Data", "data": {"rows": 3}}))
        .await;
    app.api.decide_ok(&data, "reject").await;
    assert_eq!(app.integrate().await, 258);
    let vkey = file(&app, "log.vkey", fetch(&app, "/log/vkey").await);
    let base = app.base.clone();
    let by_url = ["log", "verify", base.as_str(), "--vkey", vkey.as_str()];
    let by_database = [
        "log",
        "verify",
        "--database-url",
        database_url,
        "--vkey",
        &vkey,
    ];
    accepted(&by_url).await;
    let said = accepted(&by_database).await;
    assert!(said.contains("audit: 258 receipts verified"), "{said}");

    sql("UPDATE receipts SET jws = REPLACE(jws, '.eyJ', '.eyK') WHERE log_index = 1");
    let said = refused(&by_url).await;
    assert!(
        said.contains(
            "log entry 1 (in tile/entries/000): its leaf hash is not hash 1 of tile/0/000"
        ),
        "{said}"
    );
    assert!(
        said.contains("log entry 1 (in tile/entries/000) is not a receipt signed"),
        "{said}"
    );
    assert!(
        said.contains("the checkpoint's root is not the root of its 258 entries"),
        "{said}"
    );
    sql("UPDATE receipts SET jws = REPLACE(jws, '.eyK', '.eyJ') WHERE log_index = 1");

    let level0 = hex_hash(&fetch(&app, "/log/tile/0/000").await, 0);
    let level1 = hex_hash(&fetch(&app, "/log/tile/1/000.p/1").await, 0);
    let flipped = |hash: &str| {
        format!(
            "{}{}",
            if hash.starts_with('0') { "1" } else { "0" },
            &hash[1..]
        )
    };
    let set_hash = |level: u8, hash: &str| {
        sql(&format!(
            "UPDATE log_hashes SET hash = '{hash}' WHERE tile_level = {level} AND idx = 0"
        ));
    };
    set_hash(0, &flipped(&level0));
    let said = refused(&by_url).await;
    assert!(said.contains("log entry 0 (in tile/entries/000): its leaf hash is not hash 0 of tile/0/000: the entry or the tile was changed"), "{said}");
    set_hash(0, &level0);
    set_hash(1, &flipped(&level1));
    let said = refused(&by_url).await;
    assert!(
        said.contains(
            "tile/1/000.p/1: hash 0 is not the root of tile/0/000 rebuilt from the entries"
        ),
        "{said}"
    );
    set_hash(1, &level1);

    let note = String::from_utf8(fetch(&app, "/log/checkpoint").await).unwrap();
    let set_note = |note: &str| {
        sql(&format!(
            "UPDATE log_checkpoints SET note = '{note}' WHERE size = 258"
        ))
    };
    set_note(&note.replacen("\n258\n", "\n259\n", 1));
    let said = refused(&by_url).await;
    assert!(
        said.contains(&format!(
            "the checkpoint at {base}/log/checkpoint: the signature by"
        )),
        "{said}"
    );
    assert!(said.contains("does not verify: it was changed"), "{said}");
    let origin = note.lines().next().unwrap();
    set_note(&forge(&note, origin));
    let said = refused(&by_url).await;
    assert!(
        said.contains(
            "no signature by a known key: it was changed, or is not signed by the log key"
        ),
        "{said}"
    );
    set_note(&note);
    accepted(&by_url).await;

    let first_decision = "id = (SELECT MIN(id) FROM decisions)";
    sql(&format!(
        "UPDATE decisions SET actor = actor || '-mallory' WHERE {first_decision}"
    ));
    let said = refused(&by_database).await;
    assert!(
        said.contains(&format!("(pause {}): decision 1's actor", ids[0])),
        "{said}"
    );
    sql(&format!(
        "UPDATE decisions SET actor = REPLACE(actor, '-mallory', '') WHERE {first_decision}"
    ));
    sql(&format!(
        "UPDATE pauses SET data = '{{\"rows\":30}}' WHERE id = '{data}'"
    ));
    let said = refused(&by_database).await;
    assert!(
        said.contains(&format!("(pause {data}): the data's SHA-256")),
        "{said}"
    );
    sql(&format!(
        "UPDATE pauses SET data = '{{\"rows\":3}}' WHERE id = '{data}'"
    ));
    accepted(&by_database).await;

    sql("DELETE FROM receipts WHERE log_index = 2");
    let said = refused(&by_url).await;
    assert!(
        said.contains(&format!("{base}/log/tile/entries/000 answered 500")),
        "{said}"
    );
    let said = refused(&by_database).await;
    assert!(
        said.contains("log entry 2 has no receipt: its receipt was removed"),
        "{said}"
    );
    assert!(
        said.contains(&format!("pause {} settled with no receipt", ids[2])),
        "{said}"
    );
    app.stop().await;
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
