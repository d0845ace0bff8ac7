use serde_json::{Value, json};

use super::*;
use crate::domain::{Pause, Subject as NamedSubject};
use crate::receipts::data_sha256;
use crate::tlog::dsse::DsseSigner;

const IMAGE: &str = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

fn pause(decisions: Value) -> Pause {
    serde_json::from_value(json!({
        "id": "pau_01jdx0000000000000000000000",
        "state": "approved",
        "title": "Deploy app to prod?",
        "description": "",
        "data": {"sha": "abc1234"},
        "target": null,
        "on_reject": null,
        "created_at": "2026-11-25T08:00:00Z",
        "expires_at": "2026-11-26T08:00:00Z",
        "decided_at": "2026-11-25T09:00:00Z",
        "decisions": decisions,
        "deliveries": [],
    }))
    .unwrap()
}

/// The claims a receipt of `pause` signs, as its JSON says them.
fn claims(pause: &Pause, rule: &str) -> ReceiptClaims {
    let decisions: Vec<Value> = pause
        .decisions
        .iter()
        .map(|d| {
            json!({"decision": d.decision.as_str(), "actor": d.actor.as_deref(),
                   "via": d.via.as_str(), "identified_by": d.identified_by.map(|i| i.as_str().to_owned()),
                   "at": "2026-11-25T09:00:00.000Z"})
        })
        .collect();
    serde_json::from_value(json!({
        "sub": pause.id.to_string(), "iat": 0, "seq": 1, "prev": null,
        "outcome": pause.state.as_str(), "via": "api", "rule": rule,
        "data_sha256": data_sha256(&pause.data), "decisions": decisions,
        "decided_at": "2026-11-25T09:00:00.000Z",
    }))
    .unwrap()
}

fn approval(actor: &str, via: &str, identified_by: &str) -> Value {
    json!({"decision": "approve", "actor": actor, "via": via, "identified_by": identified_by,
           "comment": "fine", "at": "2026-11-25T09:00:00Z"})
}

#[test]
fn the_predicate_says_outcome_rule_decisions_and_receipt_and_leaves_out_comments() {
    let pause = pause(json!([approval("ana@example.com", "link", "email")]));
    let rule = "1 approval(s) from any identified person";
    let said = predicate(&pause, &claims(&pause, rule), &"0f".repeat(32), Some(41));
    let json = serde_json::to_value(&said).unwrap();
    assert_eq!(
        json,
        json!({
            "pause_id": "pau_01jdx0000000000000000000000",
            "title": "Deploy app to prod?",
            "outcome": "approved",
            "decided_at": "2026-11-25T09:00:00.000Z",
            "rule": rule,
            "policy": null,
            "decisions": [{"decision": "approve", "actor": "ana@example.com",
                           "identified_by": "email", "via": "link",
                           "at": "2026-11-25T09:00:00.000Z"}],
            "data_sha256": data_sha256(&pause.data),
            "receipt_sha256": "0f".repeat(32),
            "log_index": 41,
        })
    );
}

#[test]
fn a_policy_s_decision_names_the_policy() {
    let pause = pause(json!([approval("policy:small_loads", "policy", "policy")]));
    let said = predicate(&pause, &claims(&pause, "policy"), &"0".repeat(64), None);
    assert_eq!(said.policy.as_deref(), Some("small_loads"));
    assert_eq!(said.log_index, None);
}

#[test]
fn without_named_subjects_the_subject_is_the_data_by_its_receipt_s_digest() {
    let mut pause = pause(json!([approval("ci", "api", "api_key")]));
    let digest = data_sha256(&pause.data);
    let said = statement(&pause, &claims(&pause, "r"), &"0".repeat(64), None).unwrap();
    let subject = &said.subject;
    assert_eq!(subject.len(), 1);
    assert_eq!(subject[0].name, format!("pause:{}/data", pause.id));
    assert_eq!(subject[0].digest.sha256, digest);
    assert_eq!(said.predicate_type, PREDICATE_TYPE);

    pause.subjects = vec![NamedSubject::parse("s", "registry.example/app", IMAGE).unwrap()];
    let said = statement(&pause, &claims(&pause, "r"), &"0".repeat(64), None).unwrap();
    let names: Vec<(&str, &str)> = said
        .subject
        .iter()
        .map(|s| (s.name.as_str(), s.digest.sha256.as_str()))
        .collect();
    assert_eq!(names, [("registry.example/app", IMAGE)]);
}

#[test]
fn the_signed_statement_opens_with_the_key_and_holds_the_predicate() {
    let pause = pause(json!([approval("ci", "api", "api_key")]));
    let claims = claims(&pause, "r");
    let signer = DsseSigner::generate().unwrap();
    let envelope = statement(&pause, &claims, &"0".repeat(64), None)
        .unwrap()
        .sign(&signer)
        .unwrap();
    let opened = Statement::open(&envelope, signer.public_key()).unwrap();
    assert_eq!(opened.predicate["outcome"], "approved");
    assert_eq!(envelope.signatures[0].keyid, signer.public_key().keyid());
}
