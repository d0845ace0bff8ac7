//! The transparency log of receipts, served by a running server on SQLite
//! and PostgreSQL: settled pauses' receipts are integrated in batches, each
//! exactly once and with no gap, and what the server publishes (its
//! checkpoints, C2SP tlog-tiles and entry bundles, a receipt's tlog-proof)
//! is checked by the independent verifier `tests/standins/tlog_verify.py`
//! (hashlib and `cryptography`), which rebuilds the tree from the tiles.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pausegate::tlog::merkle::{Hash, consistency_proof};
use pausegate::tlog::tiles::Tile;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;
use crate::pg::PgDatabase;

/// Creates and approves `n` pauses; their ids.
async fn settle(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = app
            .api
            .create_id(json!({"title": format!("Load {i}")}))
            .await;
        app.api.decide_ok(&id, "approve").await;
        ids.push(id);
    }
    ids
}

/// `GET path`'s body as bytes, which must be a success.
async fn bytes(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.api.request(Method::GET, path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.unwrap().to_vec()
}

/// Writes the newest checkpoint and every tile of its tree under `dir`, as
/// a client mirroring the log would; the level-0 hashes (the leaves).
async fn mirror(app: &TestApp, dir: &Path) -> Vec<Hash> {
    let note = bytes(app, "/log/checkpoint").await;
    std::fs::write(dir.join("checkpoint"), &note).unwrap();
    let size: u64 = String::from_utf8(note)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut leaves = Vec::new();
    for level in 0u8.. {
        let count = size >> (8 * u32::from(level));
        if count == 0 {
            break;
        }
        for index in 0..count.div_ceil(256) {
            let width = (count - index * 256).min(256) as u16;
            let tile = Tile {
                level,
                index,
                width,
            };
            let mut paths = vec![tile.path()];
            if level == 0 {
                paths.push(tile.entries_path());
            }
            for path in paths {
                let body = bytes(app, &format!("/log/{path}")).await;
                if level == 0 && !path.contains("entries") {
                    leaves.extend(body.chunks(32).map(|h| <Hash>::try_from(h).unwrap()));
                }
                let file = dir.join(&path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, body).unwrap();
            }
        }
    }
    leaves
}

/// Runs the independent verifier in `mode` on `args`; what it printed,
/// which must be a success.
fn python_accepts(mode: &str, args: &[&Path]) -> String {
    let python = crate::python::with(&[("cryptography", "cryptography")]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/standins/tlog_verify.py");
    let output = Command::new(python)
        .arg(script)
        .arg(mode)
        .args(args)
        .output();
    let output = output.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?} refused: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// Settles pauses in two rounds, integrating after each, and checks the
/// log the server publishes from the outside.
async fn the_log_verifies_independently(app: TestApp) {
    let dir = app.dir.path().join("mirror");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vkey"), bytes(&app, "/log/vkey").await).unwrap();
    let mut ids = settle(&app, 5).await;
    let before = app.api.receipt(&ids[0]).await;
    assert_eq!(before["log_index"], json!(null), "not integrated yet");
    assert_eq!(app.integrate().await, 5);
    let old_note = bytes(&app, "/log/checkpoint").await;
    std::fs::write(dir.join("old-checkpoint"), &old_note).unwrap();
    ids.extend(settle(&app, 300).await);
    assert_eq!(app.integrate().await, 305, "two batches, 256 and 44");

    let mut indexes = Vec::new();
    for id in [&ids[0], &ids[200], &ids[304]] {
        let receipt = app.api.receipt(id).await;
        indexes.push(receipt["log_index"].as_u64().unwrap());
        std::fs::write(dir.join("proof"), receipt["log_proof"].as_str().unwrap()).unwrap();
        std::fs::write(dir.join("entry"), receipt["receipt"].as_str().unwrap()).unwrap();
        let said = python_accepts(
            "proof",
            &[&dir.join("vkey"), &dir.join("proof"), &dir.join("entry")],
        );
        assert!(said.ends_with("is in the tree of 305\n"), "{said}");
    }
    assert_eq!(
        indexes,
        [0, 200, 304],
        "indexes in the order receipts were signed"
    );

    let leaves = mirror(&app, &dir).await;
    let said = python_accepts("tiles", &[&dir.join("vkey"), &dir]);
    assert_eq!(
        said,
        "305 entries and 2 tile levels rebuild the checkpoint's root\n"
    );
    let proof = consistency_proof(5, 305, leaves.as_slice()).unwrap();
    let lines: String = proof.iter().map(|h| STANDARD.encode(h) + "\n").collect();
    std::fs::write(dir.join("consistency"), lines).unwrap();
    let said = python_accepts(
        "consistency",
        &[
            &dir.join("vkey"),
            &dir.join("old-checkpoint"),
            &dir.join("checkpoint"),
            &dir.join("consistency"),
        ],
    );
    assert_eq!(said, "the tree of 5 is a prefix of the tree of 305\n");
    let unknown = app.api.get("/log/tile/0/001").await.0;
    assert_eq!(unknown, StatusCode::NOT_FOUND, "a full tile the log lacks");
    let bad = app.api.get("/log/tile/0/01").await.0;
    assert_eq!(bad, StatusCode::BAD_REQUEST, "a leading zero");
}

#[tokio::test]
async fn receipts_enter_the_log_once_each_and_its_tiles_and_proofs_verify_in_python_on_sqlite() {
    let app = TestApp::builder().manual().start().await;
    the_log_verifies_independently(app).await;
}

#[tokio::test]
async fn receipts_enter_the_log_once_each_and_its_tiles_and_proofs_verify_in_python_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    the_log_verifies_independently(app).await;
}
