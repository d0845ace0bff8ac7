//! Attestations: a settled pause's decision as an in-toto statement in a
//! DSSE envelope, fetched over HTTP with the published keys, verifies with
//! securesystemslib from those keys alone (`tests/standins/verify_attestation.py`,
//! which also validates the predicate against
//! `docs/attestation-predicate.schema.json`); its subject is the artefacts
//! the request named, or else the data's digest; one changed byte of the
//! payload fails it; a rotated key stays published, so an older
//! attestation still verifies. On SQLite and PostgreSQL.

use std::process::Output;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::pg::PgDatabase;

const IMAGE: &str = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
const CHART: &str = "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8";
const PREDICATE_TYPE: &str = "https://pausegate.dev/attestation/decision/v1";

/// Made by `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`.
const CONFIGURED_KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNV+8vtE7NfnbVtm3\n\
grS9zmzF1yXcmrZOqCRMLqdIbBGhRANCAARaPrZDr4UBLG3s3Fj6lM2Eql+SRIkT\n\
K5XTXTHtHWY0oRdpEaW1DgU6AXYQ3/mxxjwQ6yjkwThSjGN73HNmW+I3\n\
-----END PRIVATE KEY-----\n";

/// The published keys: the PEM bundle, and the key IDs of the JSON list.
async fn published_keys(app: &TestApp) -> (String, Vec<String>) {
    let anonymous = app.api.anonymous();
    let url = anonymous.url("/.well-known/pausegate-attestation.pub");
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"].to_str().unwrap();
    assert_eq!(kind, "application/x-pem-file");
    let pem = response.text().await.unwrap();
    let listed = anonymous
        .get_json("/.well-known/pausegate-attestation-keys.json")
        .await;
    let keys = listed["keys"].as_array().unwrap();
    let pems: String = keys.iter().map(|k| k["pem"].as_str().unwrap()).collect();
    assert_eq!(pems, pem, "the list holds the same keys, in the same order");
    let ids = keys.iter().map(|k| k["keyid"].as_str().unwrap().to_owned());
    (pem, ids.collect())
}

/// The attestation of a settled pause.
async fn attestation(app: &TestApp, id: &str) -> Value {
    let (status, body) = app
        .api
        .get(&format!("/api/v1/pauses/{id}/attestation"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Runs the independent verifier on `envelope` with the `pem` bundle.
fn python_verifier(app: &TestApp, pem: &str, envelope: &Value) -> Output {
    let python = crate::python::with(&[
        ("cryptography", "cryptography"),
        ("securesystemslib", "securesystemslib[crypto]==1.6.0"),
        ("jsonschema", "jsonschema==4.23.0"),
    ]);
    let dir = app.dir.path();
    std::fs::write(dir.join("keys.pem"), pem).unwrap();
    std::fs::write(dir.join("envelope.json"), envelope.to_string()).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let script = format!("{root}/tests/standins/verify_attestation.py");
    let schema = format!("{root}/docs/attestation-predicate.schema.json");
    let keys = dir.join("keys.pem");
    std::process::Command::new(python)
        .arg(script)
        .args([keys, dir.join("envelope.json")])
        .arg(schema)
        .output()
        .unwrap()
}

/// The statement the verifier accepted.
fn verified(app: &TestApp, pem: &str, envelope: &Value) -> Value {
    let output = python_verifier(app, pem, envelope);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "refused: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `envelope` with one byte of its payload changed, inside `word`.
fn payload_changed(envelope: &Value, word: &str) -> Value {
    let mut payload = STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    let at = payload
        .windows(word.len())
        .position(|w| w == word.as_bytes())
        .unwrap();
    payload[at] ^= 0x01;
    let mut changed = envelope.clone();
    changed["payload"] = json!(STANDARD.encode(payload));
    changed
}

/// Creates a pause naming two artefacts, approves it, and checks its
/// attestation from the published keys alone.
async fn named_subjects_are_attested(app: &TestApp) {
    let subjects = json!([
        {"name": "registry.example/app", "digest": {"sha256": IMAGE}},
        {"name": "charts/app-1.2.0.tgz", "digest": {"sha256": CHART}},
    ]);
    let created = app
        .api
        .created(
            json!({"title": "Deploy app 1.2.0?", "data": {"env": "prod"}, "subjects": subjects}),
        )
        .await;
    assert_eq!(
        created["subjects"], subjects,
        "the pause shows its subjects"
    );
    let id = created["id"].as_str().unwrap();
    refused_while_pending(app, id).await;

    let decided = json!({"actor": "ana", "comment": "checked the digests"});
    let pause = app.api.decide_ok_with(id, "approve", decided).await;
    assert_eq!(pause["subjects"], subjects);
    let envelope = attestation(app, id).await;
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let (pem, keyids) = published_keys(app).await;
    assert_eq!(
        envelope["signatures"][0]["keyid"].as_str(),
        Some(keyids[0].as_str())
    );
    let statement = verified(app, &pem, &envelope);
    assert_eq!(statement["subject"], subjects);
    assert_eq!(statement["predicateType"], PREDICATE_TYPE);
    assert_eq!(statement["predicate"], approved_by_ana(app, id).await);

    let refused = python_verifier(app, &pem, &payload_changed(&envelope, "approved"));
    assert!(!refused.status.success(), "one changed byte is refused");

    assert_eq!(app.integrate().await, 1);
    let logged = verified(app, &pem, &attestation(app, id).await);
    assert_eq!(
        logged["predicate"]["log_index"], 0,
        "once integrated, its place in the log"
    );
}

/// A pending pause has no attestation (409), a caller without the key
/// gets none (401), and an unknown pause is not found (404).
async fn refused_while_pending(app: &TestApp, id: &str) {
    let path = format!("/api/v1/pauses/{id}/attestation");
    let (status, body) = app.api.get(&path).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(error_message(&body).contains("still pending"), "{body}");
    let (status, _) = app.api.anonymous().get(&path).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "behind the API key");
    let unknown = "/api/v1/pauses/pau_0000000000000000000000000/attestation";
    assert_eq!(app.api.get(unknown).await.0, StatusCode::NOT_FOUND);
}

/// The predicate of pause `id`, approved by Ana through the API: what its
/// receipt says, and the receipt's hash.
async fn approved_by_ana(app: &TestApp, id: &str) -> Value {
    let receipt = app.api.receipt(id).await;
    let claims = &receipt["claims"];
    json!({
        "pause_id": id,
        "title": "Deploy app 1.2.0?",
        "outcome": "approved",
        "decided_at": claims["decided_at"],
        "rule": claims["rule"],
        "policy": null,
        "decisions": [{"decision": "approve", "actor": "ana", "identified_by": "self_declared",
                       "via": "api", "at": claims["decisions"][0]["at"]}],
        "data_sha256": claims["data_sha256"],
        "receipt_sha256": receipt["hash"],
        "log_index": null,
    })
}

#[tokio::test]
async fn an_attestation_of_named_subjects_verifies_with_securesystemslib_on_sqlite() {
    let app = TestApp::builder().manual().start().await;
    named_subjects_are_attested(&app).await;
}

#[tokio::test]
async fn an_attestation_of_named_subjects_verifies_with_securesystemslib_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    named_subjects_are_attested(&app).await;
}

/// Rejects a pause that names no subjects; its attestation's subject is
/// the data, by the digest its receipt signs.
async fn the_data_is_the_subject(app: &TestApp) -> Value {
    let data = json!({"rows": 12, "table": "sales"});
    let id = app
        .api
        .create_id(json!({"title": "Load sales?", "data": data}))
        .await;
    app.api.decide_ok(&id, "reject").await;
    let envelope = attestation(app, &id).await;
    let (pem, _) = published_keys(app).await;
    let statement = verified(app, &pem, &envelope);
    let receipt = app.api.receipt(&id).await;
    let subject = json!([{"name": format!("pause:{id}/data"),
                          "digest": {"sha256": receipt["claims"]["data_sha256"]}}]);
    assert_eq!(statement["subject"], subject);
    assert_eq!(statement["predicate"]["outcome"], "rejected");
    envelope
}

#[tokio::test]
async fn without_subjects_the_data_s_digest_is_attested_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    the_data_is_the_subject(&app).await;
}

#[tokio::test]
async fn a_configured_key_signs_and_stays_published_after_it_is_rotated_out() {
    let app = TestApp::builder()
        .config("[receipts]\nattestation_key_env = \"ATTESTATION_KEY\"\n")
        .env(&[("ATTESTATION_KEY", CONFIGURED_KEY)])
        .manual()
        .start()
        .await;
    let before = the_data_is_the_subject(&app).await;
    let configured = pausegate::attestation::keys::signer_from_pem(CONFIGURED_KEY).unwrap();
    let configured_id = configured.public_key().keyid().to_owned();
    assert_eq!(before["signatures"][0]["keyid"], json!(configured_id));

    // Without the configured key, a new one is generated and stored.
    let app = app.restart_with(|s| s.attestation_key = None).await;
    let after = the_data_is_the_subject(&app).await;
    let (pem, keyids) = published_keys(&app).await;
    assert_eq!(keyids.len(), 2);
    assert_eq!(
        after["signatures"][0]["keyid"],
        json!(keyids[0]),
        "current first"
    );
    assert_eq!(keyids[1], configured_id, "the old key stays published");
    verified(&app, &pem, &before);
    let again = app.restart().await;
    assert_eq!(
        published_keys(&again).await.1,
        keyids,
        "the stored key signs on"
    );
}
