//! What a reader relies on is signed: editing a settled pause's title,
//! description or a decision's comment in the SQLite file makes
//! `pausegate audit verify` fail naming the field; receipts signed before
//! those fields were covered still verify, and the audit says they are not
//! covered instead of failing.

use serde_json::json;

use super::trust::python_signs;
use super::{pausegate, stderr, stdout};
use crate::helpers::TestApp;

/// Runs `sql` on the SQLite database at `path`, the server still running.
fn sqlite(path: &str, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.execute(sql, []).unwrap();
}

/// A pause with a title, description and comment, approved; its id.
async fn approved_with_words(app: &TestApp) -> String {
    let (_, created) = app
        .api
        .create(json!({"title": "Deploy 1.4", "description": "12 rows staged"}))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let body = json!({"actor": "ana", "comment": "checked the rows"});
    app.api.decide_ok_with(&id, "approve", body).await;
    id
}

#[tokio::test]
async fn audit_verify_names_an_edited_title_description_or_comment() {
    let app = TestApp::builder().start().await;
    let id = approved_with_words(&app).await;
    let url = app.settings.database_url.clone();
    let path = url.trim_start_matches("sqlite://").to_owned();
    let args = ["audit", "verify", "--database-url", &url];
    let audit = || pausegate(&args);
    let clean = audit().await;
    assert!(clean.status.success(), "untouched: {}", stderr(&clean));

    let pause = format!("WHERE id = '{id}'");
    let decision = format!("WHERE pause_id = '{id}'");
    let edits = [
        (
            format!("UPDATE pauses SET title = 'Deploy 9.9' {pause}"),
            format!("UPDATE pauses SET title = 'Deploy 1.4' {pause}"),
            r#"the title is "Deploy 9.9" in the database, "Deploy 1.4" in the receipt"#,
        ),
        (
            format!("UPDATE pauses SET description = '0 rows staged' {pause}"),
            format!("UPDATE pauses SET description = '12 rows staged' {pause}"),
            "the description's SHA-256 is",
        ),
        (
            format!("UPDATE decisions SET comment = 'did not look' {decision}"),
            format!("UPDATE decisions SET comment = 'checked the rows' {decision}"),
            "decision 1's comment's SHA-256 is",
        ),
    ];
    for (edit, restore, named) in edits {
        sqlite(&path, &edit);
        let found = audit().await;
        assert_eq!(found.status.code(), Some(1), "{edit}");
        let said = stderr(&found);
        assert!(
            said.contains(&format!("receipt 1 (pause {id}): {named}")),
            "{said}"
        );
        sqlite(&path, &restore);
        assert!(audit().await.status.success(), "restored after {edit}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_receipt_signed_before_titles_were_covered_still_passes_and_the_audit_says_so() {
    let app = TestApp::builder().start().await;
    let id = approved_with_words(&app).await;
    let signed = app.api.receipt(&id).await;
    // The same claims as a receipt signed before the change carried them.
    let mut claims = signed["claims"].clone();
    let object = claims.as_object_mut().unwrap();
    object.remove("title");
    object.remove("description_sha256");
    for decision in claims["decisions"].as_array_mut().unwrap() {
        decision.as_object_mut().unwrap().remove("comment_sha256");
    }
    let url = app.settings.database_url.clone();
    let path = url.trim_start_matches("sqlite://").to_owned();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let key: String = conn
        .query_row("SELECT private_key FROM receipt_keys", [], |row| row.get(0))
        .unwrap();
    let key_file = app.dir.path().join("stored.key");
    std::fs::write(&key_file, key).unwrap();
    let old = python_signs(&app.dir.path().join("old"), &claims, Some(&key_file));
    let hash = pausegate::receipts::receipt_hash(&old);
    sqlite(
        &path,
        &format!("UPDATE receipts SET jws = '{old}', hash = '{hash}' WHERE seq = 1"),
    );

    let args = ["audit", "verify", "--database-url", &url];
    let audit = || pausegate(&args);
    let passed = audit().await;
    assert!(passed.status.success(), "{}", stderr(&passed));
    let not_covered =
        "1 receipts were signed before titles, descriptions and comments were covered";
    assert!(stdout(&passed).contains(not_covered), "{}", stdout(&passed));
    sqlite(
        &path,
        &format!("UPDATE pauses SET title = 'Edited' WHERE id = '{id}'"),
    );
    let still = audit().await;
    assert!(
        still.status.success(),
        "not covered, so not failed: {}",
        stderr(&still)
    );
    assert!(stdout(&still).contains(not_covered));

    let jwks = format!("{}/.well-known/jwks.json", app.base);
    let verified = pausegate(&["verify", &old, "--jwks", &jwks]).await;
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(stdout(&verified).contains("not covered: the title, description and comments"));
    app.stop().await;
}
