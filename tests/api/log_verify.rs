//! The transparency log checked from outside with the CLI: `pausegate
//! verify --proof` proves one receipt is an entry under a checkpoint the
//! pinned log key signed, and names a changed receipt, path or
//! checkpoint; `pausegate log verify URL` rebuilds a healthy log from its
//! tiles and proves it extends a checkpoint saved earlier (`--since`), as
//! `log verify --database-url` does from the database.
//! What a change to the database does to both is in [`tampering`], on
//! SQLite and PostgreSQL.

mod tampering;

use std::path::{Path, PathBuf};
use std::process::Output;

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

/// Asserts that `said` holds every one of `parts`.
fn says(said: &str, parts: &[&str]) {
    for part in parts {
        assert!(said.contains(part), "wanted {part:?} in:\n{said}");
    }
}

/// The proof with its checkpoint's note (the part after the first blank
/// line) changed by `change`.
fn change_checkpoint(proof: &str, change: impl Fn(&str) -> String) -> String {
    let (head, checkpoint) = proof.split_once("\n\n").unwrap();
    format!("{head}\n\n{}", change(checkpoint))
}

/// `text` with its byte at `at` changed (to another base64 character).
fn one_byte_changed(text: &str, at: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// Three receipts in the log, the second's proof saved, the log key
/// pinned from a saved file.
struct Proved {
    app: TestApp,
    ids: Vec<String>,
    jws: String,
    proof: String,
    vkey_text: String,
    vkey: String,
}

impl Proved {
    async fn start() -> Self {
        let app = TestApp::builder().manual().start().await;
        let ids = settle(&app, 3).await;
        assert_eq!(app.integrate().await, 3);
        let body = app.api.receipt(&ids[1]).await;
        let vkey_text = String::from_utf8(fetch(&app, "/log/vkey").await).unwrap();
        let vkey = file(&app, "log.vkey", &vkey_text);
        Self {
            jws: body["receipt"].as_str().unwrap().to_owned(),
            proof: body["log_proof"].as_str().unwrap().to_owned(),
            app,
            ids,
            vkey_text,
            vkey,
        }
    }

    fn origin(&self) -> &str {
        self.vkey_text.split('+').next().unwrap()
    }

    /// `pausegate verify JWS --proof PROOF --vkey FILE`, the proof's text
    /// written to a file first.
    async fn verify(&self, jws: &str, proof: &str) -> Output {
        let proof = file(&self.app, "proof", proof);
        let jwks = format!("{}/.well-known/jwks.json", self.app.base);
        let args = [
            "verify", jws, "--jwks", &jwks, "--proof", &proof, "--vkey", &self.vkey,
        ];
        pausegate(&args).await
    }

    async fn refused(&self, jws: &str, proof: &str) -> String {
        let output = self.verify(jws, proof).await;
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        stderr(&output)
    }
}

#[tokio::test]
async fn verify_with_a_proof_and_a_pinned_log_key_names_the_index_and_size_and_refuses_another_receipt()
 {
    let proved = Proved::start().await;
    let ok = proved.verify(&proved.jws, &proved.proof).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    let entry = format!(
        "entry 1 of {}, in its checkpoint of 3 entries",
        proved.origin()
    );
    let key = format!(
        "log key {} from --vkey {} (pinned)",
        proved.vkey_text.trim(),
        proved.vkey
    );
    says(&stdout(&ok), &[&entry, &key]);

    let other = proved.app.api.receipt(&proved.ids[2]).await;
    let other = other["receipt"].as_str().unwrap();
    let said = proved.refused(other, &proved.proof).await;
    says(
        &said,
        &["the receipt is not entry 1 of the checkpoint's tree of 3"],
    );
    let changed = one_byte_changed(&proved.jws, proved.jws.find('.').unwrap() + 10);
    let said = proved.refused(&changed, &proved.proof).await;
    says(&said, &["signature does not verify"]);
}

#[tokio::test]
async fn verify_with_a_proof_names_a_changed_path_or_checkpoint_and_refuses_a_forgers_key() {
    let proved = Proved::start().await;
    let first_hash = proved.proof.find("\nindex 1\n").unwrap() + "\nindex 1\n".len();
    let bad_path = one_byte_changed(&proved.proof, first_hash);
    let said = proved.refused(&proved.jws, &bad_path).await;
    says(
        &said,
        &[
            "is not entry 1",
            "or the proof's index or path, was changed",
        ],
    );

    let grown = change_checkpoint(&proved.proof, |note| note.replacen("\n3\n", "\n4\n", 1));
    let said = proved.refused(&proved.jws, &grown).await;
    says(
        &said,
        &[
            "the checkpoint in the proof in",
            "does not verify: it was changed",
        ],
    );

    let forged = change_checkpoint(&proved.proof, |note| forge(note, proved.origin()));
    let said = proved.refused(&proved.jws, &forged).await;
    says(&said, &["no signature by a known key"]);
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
    let pending = app.api.receipt(&ids[0]).await.to_string();
    let pending = file(&app, "pending.json", pending);
    let said = accepted(&["verify", &pending, "--issuer", &app.base]).await;
    says(&said, &["not in the log yet"]);
    app.integrate().await;
    let body: Value = app.api.receipt(&ids[0]).await;
    let json = file(&app, "receipt.json", body.to_string());
    let said = accepted(&["verify", &json, "--issuer", &app.base]).await;
    let key = format!("from {}/log/vkey (the pinned issuer's)", app.base);
    says(&said, &["entry 0 of", &key]);
    let jwks = format!("{}/.well-known/jwks.json", app.base);
    let said = refused(&["verify", &json, "--jwks", &jwks]).await;
    says(
        &said,
        &["nothing says which key to trust: pin it with --vkey"],
    );
}

#[tokio::test]
async fn log_verify_rebuilds_a_healthy_log_from_its_tiles_and_proves_it_extends_a_saved_checkpoint()
{
    let app = TestApp::builder().manual().start().await;
    settle(&app, 5).await;
    assert_eq!(app.integrate().await, 5);
    let first = path_text(&app.dir.path().join("first.checkpoint"));
    let said = accepted(&["log", "verify", &app.base, "--save", &first]).await;
    says(
        &said,
        &[
            "the server's own word, not pinned",
            "5 of its 5 entries are receipts",
        ],
    );
    settle(&app, 256).await;
    assert_eq!(app.integrate().await, 261);
    let vkey = file(&app, "log.vkey", fetch(&app, "/log/vkey").await);
    let second = path_text(&app.dir.path().join("second.checkpoint"));
    let pinned = ["log", "verify", &app.base, "--vkey", &vkey];
    let said = accepted(&[&pinned[..], &["--since", &first, "--save", &second]].concat()).await;
    let prefix = format!("the checkpoint of 5 entries in {first} is a prefix of its 261");
    says(
        &said,
        &[
            "checkpoint of 261 entries is signed by the log key",
            "its 261 entries rebuild its root and every hash tile (2 tile levels)",
            &prefix,
        ],
    );
    assert_eq!(
        std::fs::read(&second).unwrap(),
        fetch(&app, "/log/checkpoint").await
    );
    let said = accepted(&[&pinned[..], &["--since", &second]].concat()).await;
    says(&said, &["(a consistency proof of 0 hashes)"]);
    let said = refused(&[&pinned[..], &["--since", &vkey]].concat()).await;
    says(&said, &["(--since): the note is malformed"]);
    let database = [
        "log",
        "verify",
        "--database-url",
        &app.settings.database_url,
    ];
    let said = accepted(&[&database[..], &["--vkey", &vkey, "--since", &first]].concat()).await;
    says(&said, &["audit: 261 receipts verified", &prefix]);
}

fn path_text(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}
