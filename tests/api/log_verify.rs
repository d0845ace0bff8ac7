//! The transparency log checked from outside with the CLI: `pausegate
//! verify --proof` proves one receipt is an entry under a checkpoint the
//! pinned log key signed, and names a changed receipt, path or
//! checkpoint; `pausegate log verify URL` rebuilds a healthy log from its
//! tiles and proves it extends a checkpoint saved earlier (`--since`).
//! What a change to the database does to both is in [`tampering`], on
//! SQLite and PostgreSQL.

mod tampering;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::receipts::{pausegate, stderr, stdout};

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

/// The body of `GET path` on the server, which must answer 200.
async fn fetch(app: &TestApp, path: &str) -> Vec<u8> {
    let response = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.bytes().await.unwrap().to_vec()
}

/// Writes `text` to `name` in the test's folder; the path as text.
fn file(app: &TestApp, name: &str, text: impl AsRef<[u8]>) -> String {
    let path: PathBuf = app.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Runs the CLI, which must fail (exit 1); what it said on stderr.
async fn refused(args: &[&str]) -> String {
    let output = pausegate(args).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?}: {}",
        stdout(&output)
    );
    stderr(&output)
}

/// Runs the CLI, which must succeed; what it printed.
async fn accepted(args: &[&str]) -> String {
    let output = pausegate(args).await;
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

/// The proof with one byte of its checkpoint's note (the part after the
/// first blank line) changed by `change`.
fn change_checkpoint(proof: &str, change: impl Fn(&str) -> String) -> String {
    let (head, checkpoint) = proof.split_once("\n\n").unwrap();
    format!("{head}\n\n{}", change(checkpoint))
}

#[tokio::test]
async fn verify_with_a_proof_names_the_index_and_size_and_refuses_a_changed_receipt_path_or_checkpoint()
 {
    let app = TestApp::builder().manual().start().await;
    let ids = settle(&app, 3).await;
    assert_eq!(app.integrate().await, 3);
    let body = app.api.receipt(&ids[1]).await;
    let (jws, proof) = (
        body["receipt"].as_str().unwrap(),
        body["log_proof"].as_str().unwrap(),
    );
    let vkey_text = String::from_utf8(fetch(&app, "/log/vkey").await).unwrap();
    let vkey = file(&app, "log.vkey", &vkey_text);
    let proof_file = file(&app, "proof", proof);
    let jwks = format!("{}/.well-known/jwks.json", app.base);
    let args = |jws: &str, proof: &str| {
        [
            "verify", jws, "--jwks", &jwks, "--proof", proof, "--vkey", &vkey,
        ]
        .map(str::to_owned)
    };
    let run = |args: [String; 8]| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        pausegate(&args).await
    };

    let ok = run(args(jws, &proof_file)).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    let origin = vkey_text.split('+').next().unwrap();
    let said = stdout(&ok);
    assert!(
        said.contains(&format!(
            "entry 1 of {origin}, in its checkpoint of 3 entries"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "log key {} from --vkey {vkey} (pinned)",
            vkey_text.trim()
        )),
        "{said}"
    );

    let other = app.api.receipt(&ids[2]).await;
    let wrong = run(args(other["receipt"].as_str().unwrap(), &proof_file)).await;
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("the receipt is not entry 1 of the checkpoint's tree of 3"));
    let mut bytes = jws.as_bytes().to_vec();
    let at = jws.find('.').unwrap() + 10;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let changed = run(args(std::str::from_utf8(&bytes).unwrap(), &proof_file)).await;
    assert!(
        stderr(&changed).contains("signature does not verify"),
        "{}",
        stderr(&changed)
    );

    let mut lines: Vec<String> = proof.split('\n').map(str::to_owned).collect();
    let first_hash = &mut lines[2];
    first_hash.replace_range(
        ..1,
        if first_hash.starts_with('A') {
            "B"
        } else {
            "A"
        },
    );
    let bad_path = file(&app, "bad-path", lines.join("\n"));
    let said = stderr(&run(args(jws, &bad_path)).await);
    assert!(
        said.contains("is not entry 1") && said.contains("path, was changed"),
        "{said}"
    );

    let grown = change_checkpoint(proof, |note| note.replacen("\n3\n", "\n4\n", 1));
    let bad_checkpoint = file(&app, "bad-checkpoint", grown);
    let said = stderr(&run(args(jws, &bad_checkpoint)).await);
    assert!(said.contains("the checkpoint in the proof in"), "{said}");
    assert!(said.contains("does not verify: it was changed"), "{said}");

    let forged = change_checkpoint(proof, |note| forge(note, origin));
    let forged = file(&app, "forged", forged);
    let said = stderr(&run(args(jws, &forged)).await);
    assert!(
        said.contains("no signature by a known key"),
        "a forger's key is not the pinned one: {said}"
    );
}

/// The same checkpoint text signed by another key of the same name.
fn forge(note: &str, origin: &str) -> String {
    use pausegate::tlog::checkpoint::Checkpoint;
    let text = &note[..note.rfind("\n\n").unwrap() + 1];
    let signer = pausegate::tlog::note::Signer::from_seed(origin, &[7; 32]).unwrap();
    Checkpoint::parse(text).unwrap().sign(&signer).unwrap()
}

#[tokio::test]
async fn verify_takes_the_receipt_endpoints_json_and_the_pinned_issuers_log_key_or_says_how_to_pin()
{
    let app = TestApp::builder().manual().start().await;
    let ids = settle(&app, 2).await;
    let pending = file(
        &app,
        "pending.json",
        app.api.receipt(&ids[0]).await.to_string(),
    );
    let said = accepted(&["verify", &pending, "--issuer", &app.base]).await;
    assert!(said.contains("not in the log yet"), "{said}");
    app.integrate().await;
    let body: Value = app.api.receipt(&ids[0]).await;
    let json = file(&app, "receipt.json", body.to_string());
    let said = accepted(&["verify", &json, "--issuer", &app.base]).await;
    assert!(said.contains("entry 0 of"), "{said}");
    assert!(
        said.contains(&format!("from {}/log/vkey (the pinned issuer's)", app.base)),
        "{said}"
    );
    let jwks = format!("{}/.well-known/jwks.json", app.base);
    let said = refused(&["verify", &json, "--jwks", &jwks]).await;
    assert!(
        said.contains("pin it with --vkey"),
        "nothing pins the log key: {said}"
    );
}

#[tokio::test]
async fn log_verify_rebuilds_a_healthy_log_from_its_tiles_and_proves_it_extends_a_saved_checkpoint()
{
    let app = TestApp::builder().manual().start().await;
    settle(&app, 5).await;
    assert_eq!(app.integrate().await, 5);
    let dir = app.dir.path();
    let first = path_text(&dir.join("first.checkpoint"));
    let said = accepted(&["log", "verify", &app.base, "--save", &first]).await;
    assert!(said.contains("the server's own word, not pinned"), "{said}");
    assert!(said.contains("5 of its 5 entries are receipts"), "{said}");
    settle(&app, 256).await;
    assert_eq!(app.integrate().await, 261);
    let vkey = file(&app, "log.vkey", fetch(&app, "/log/vkey").await);
    let second = path_text(&dir.join("second.checkpoint"));
    let args = [
        "log", "verify", &app.base, "--vkey", &vkey, "--since", &first, "--save", &second,
    ];
    let said = accepted(&args).await;
    assert!(
        said.contains("checkpoint of 261 entries is signed by the log key"),
        "{said}"
    );
    assert!(
        said.contains("its 261 entries rebuild its root and every hash tile (2 tile levels)"),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "the checkpoint of 5 entries in {first} is a prefix of its 261"
        )),
        "{said}"
    );
    assert_eq!(
        std::fs::read(&second).unwrap(),
        fetch(&app, "/log/checkpoint").await
    );
    let said = accepted(&[
        "log", "verify", &app.base, "--vkey", &vkey, "--since", &second,
    ])
    .await;
    assert!(
        said.contains("(a consistency proof of 0 hashes)"),
        "the same tree: {said}"
    );
    let said = refused(&[
        "log", "verify", &app.base, "--vkey", &vkey, "--since", &vkey,
    ])
    .await;
    assert!(said.contains("(--since)"), "not a checkpoint: {said}");
}

fn path_text(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}
