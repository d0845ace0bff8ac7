use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::clock::Mint;
use crate::domain::{ActorName, Decision, IdentifiedBy, Pause, PauseState, Title, Verdict, Via};

fn settled_pause(actor: &str) -> Pause {
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let mut pause: Pause = serde_json::from_value(json!({
        "id": Mint::system().pause_id().to_string(),
        "state": "approved",
        "title": "Load",
        "description": "",
        "data": {"rows": 10, "env": "dev"},
        "target": null,
        "on_reject": null,
        "notify": {"email": [], "channels": []},
        "created_at": "2026-11-25T08:00:00Z",
        "expires_at": "2026-11-26T08:00:00Z",
        "decided_at": "2026-11-25T09:00:00Z",
        "decisions": [],
        "deliveries": [],
        "callback": null
    }))
    .unwrap();
    pause.decisions.push(Decision {
        on_behalf_of: None,
        decision: Verdict::Approve,
        actor: Some(ActorName::parse("actor", actor).unwrap()),
        via: Via::Link,
        identified_by: Some(IdentifiedBy::Email),
        groups: Vec::new(),
        inputs: None,
        comment: None,
        at,
    });
    pause.state = PauseState::Approved;
    pause
}

fn notary() -> Notary {
    Notary::new(SigningKey::generate().unwrap(), Some("https://gate".into())).unwrap()
}

#[test]
fn a_sealed_receipt_verifies_with_its_key_and_says_what_happened() {
    let notary = notary();
    let pause = settled_pause("ana@example.com");
    let receipt = notary.seal(&pause).unwrap();
    let jwks = Jwks::of(&[notary.key().public().clone()]);
    let claims = verify(&receipt, &jwks).unwrap();
    assert_eq!(claims.sub, pause.id.to_string());
    assert_eq!((claims.seq, claims.prev.as_deref()), (None, None));
    assert_eq!(claims.outcome, "approved");
    assert_eq!(
        claims.data_sha256,
        data_sha256(&json!({"env": "dev", "rows": 10}))
    );
    assert_eq!(
        claims.decisions[0].actor.as_deref(),
        Some("ana@example.com")
    );
    assert!(claims.differences(&pause).is_empty());
}

#[test]
fn a_receipt_signed_by_an_unpublished_key_is_refused() {
    let receipt = notary().seal(&settled_pause("a@b.c")).unwrap();
    let other = Jwks::of(&[SigningKey::generate().unwrap().public().clone()]);
    assert!(
        verify(&receipt, &other)
            .unwrap_err()
            .contains("no published key")
    );
}

#[test]
fn a_changed_byte_in_the_payload_breaks_the_signature() {
    let notary = notary();
    let receipt = notary.seal(&settled_pause("a@b.c")).unwrap();
    let mut parts: Vec<String> = receipt.split('.').map(str::to_owned).collect();
    let claims = verify(&receipt, &Jwks::of(&[notary.key().public().clone()])).unwrap();
    let mut forged = serde_json::to_value(&claims).unwrap();
    forged["outcome"] = json!("rejected");
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&forged).unwrap());
    let error = verify(
        &parts.join("."),
        &Jwks::of(&[notary.key().public().clone()]),
    );
    assert!(error.unwrap_err().contains("does not verify"));
}

/// A receipt of the chain that came before the log: number `seq`, after
/// the receipt whose hash is `prev`.
fn chained(notary: &Notary, email: &str, seq: i64, prev: Option<&str>) -> String {
    let pause = settled_pause(email);
    let claims = ReceiptClaims::for_pause(&pause, Some(seq), prev.map(str::to_owned), None);
    notary.sign(&claims).unwrap()
}

#[test]
fn the_chain_before_the_log_names_a_missing_or_changed_receipt() {
    let notary = notary();
    let jwks = Jwks::of(&[notary.key().public().clone()]);
    let first = chained(&notary, "a@b.c", 1, None);
    let second = chained(&notary, "b@b.c", 2, Some(&receipt_hash(&first)));
    let third = chained(&notary, "c@b.c", 3, Some(&receipt_hash(&second)));
    let mut chain = Chain::default();
    for r in [&first, &second, &third] {
        chain.follow(r, &verify(r, &jwks).unwrap()).unwrap();
    }
    let mut gap = Chain::default();
    gap.follow(&first, &verify(&first, &jwks).unwrap()).unwrap();
    let error = gap.follow(&third, &verify(&third, &jwks).unwrap());
    assert!(error.unwrap_err().contains("receipt 2 is missing"));
    let mut changed = Chain::after(1, "0".repeat(64));
    let error = changed.follow(&second, &verify(&second, &jwks).unwrap());
    assert!(error.unwrap_err().contains("receipt 1 was changed"));
    // Receipts signed since the log began name no other: the chain lets them by.
    let unchained = notary.seal(&settled_pause("d@b.c")).unwrap();
    let claims = verify(&unchained, &jwks).unwrap();
    assert_eq!((claims.seq, claims.prev.as_deref()), (None, None));
    chain.follow(&unchained, &claims).unwrap();
}

#[test]
fn differences_name_the_changed_decision_field() {
    let pause = settled_pause("ana@example.com");
    let claims = ReceiptClaims::for_pause(&pause, None, None, None);
    let mut tampered = pause.clone();
    tampered.decisions[0].actor = Some(ActorName::from_stored("mallory@example.com".into()));
    tampered.data = json!({"rows": 10, "env": "prod"});
    let found = claims.differences(&tampered);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("data's SHA-256"));
    assert!(found[1].contains("decision 1's actor"));
    assert!(found[1].contains("mallory@example.com"));
}

#[test]
fn differences_name_a_changed_title_description_or_comment() {
    let mut pause = settled_pause("ana@example.com");
    pause.description = "12 rows staged".into();
    pause.decisions[0].comment = Some("looks right".into());
    let claims = ReceiptClaims::for_pause(&pause, None, None, None);
    assert_eq!(claims.title.as_deref(), Some("Load"));
    assert_eq!(
        claims.decisions[0].comment_sha256,
        Some(text_sha256("looks right"))
    );
    let mut tampered = pause.clone();
    tampered.title = Title::from_stored("Load (staging)".into());
    tampered.description = "0 rows staged".into();
    tampered.decisions[0].comment = None;
    let found = claims.differences(&tampered);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        found[0],
        r#"the title is "Load (staging)" in the database, "Load" in the receipt"#
    );
    assert!(found[1].starts_with("the description's SHA-256 is"));
    assert!(found[1].contains(&text_sha256("0 rows staged")));
    assert!(found[2].starts_with("decision 1's comment's SHA-256 is nothing in the database"));
}

#[test]
fn a_receipt_signed_before_titles_were_covered_still_verifies_and_leaves_them_unchecked() {
    let notary = notary();
    let pause = settled_pause("ana@example.com");
    let claims = ReceiptClaims::for_pause(&pause, None, None, None);
    // The payload as it was signed before: no title, description or comment digests.
    let mut old = serde_json::to_value(&claims).unwrap();
    old.as_object_mut().unwrap().remove("title");
    old.as_object_mut().unwrap().remove("description_sha256");
    let old: ReceiptClaims = serde_json::from_value(old).unwrap();
    assert!(!old.covers_text() && claims.covers_text());
    let mut edited = pause.clone();
    edited.title = Title::from_stored("Something else".into());
    edited.decisions[0].comment = Some("added later".into());
    assert!(old.differences(&edited).is_empty());
    assert_eq!(claims.differences(&edited).len(), 2);
    let receipt = notary.seal(&pause).unwrap();
    let jwks = Jwks::of(&[notary.key().public().clone()]);
    assert!(verify(&receipt, &jwks).unwrap().covers_text());
}

#[test]
fn a_receipt_naming_another_issuer_is_refused_naming_both() {
    use trust::{Anchor, Pinned, verify_trusted};
    let forger = Notary::new(
        SigningKey::generate().unwrap(),
        Some("https://forger.example".into()),
    )
    .unwrap();
    let forged = forger.seal(&settled_pause("a@b.c")).unwrap();
    // Even with the forger's own key in hand, the pinned issuer decides.
    let anchor = Anchor {
        keys: Jwks::of(&[forger.key().public().clone()]),
        source: "test".into(),
    };
    let pinned = Pinned::new(&["https://gate"]).unwrap();
    let error = verify_trusted(&forged, &anchor, &pinned).unwrap_err();
    assert!(error.contains("https://forger.example"), "{error}");
    assert!(error.contains("trusted issuer is https://gate"), "{error}");

    let genuine = notary();
    let receipt = genuine.seal(&settled_pause("a@b.c")).unwrap();
    let anchor = Anchor {
        keys: Jwks::of(&[genuine.key().public().clone()]),
        source: "test".into(),
    };
    let trusted = verify_trusted(&receipt, &anchor, &pinned).unwrap();
    assert_eq!(trusted.issuer.as_deref(), Some("https://gate"));
    assert_eq!(trusted.kid, genuine.key().public().kid);
}

#[test]
fn a_start_a_change_window_held_is_signed_and_its_later_delivery_is_no_difference() {
    use crate::domain::{Delivery, DeliveryId, DeliveryKind, DeliveryState};
    let mut pause = settled_pause("ana@example.com");
    let decided_at = pause.decided_at.unwrap();
    let monday = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
    let trigger = |due, state| Delivery {
        id: DeliveryId::from_stored("del_1"),
        kind: DeliveryKind::Trigger,
        destination: "deploy".into(),
        state,
        attempts: 0,
        last_error: None,
        external_id: None,
        next_attempt_at: Some(due),
        updated_at: decided_at,
    };
    pause.deliveries = vec![trigger(decided_at, DeliveryState::Pending)];
    let unheld = ReceiptClaims::for_pause(&pause, None, None, None);
    assert_eq!(unheld.starts_at, None, "due at the settlement: not held");

    pause.deliveries = vec![trigger(monday, DeliveryState::Pending)];
    let claims = ReceiptClaims::for_pause(&pause, None, None, None);
    assert_eq!(
        claims.starts_at.as_deref(),
        Some("2026-11-30T08:00:00.000Z")
    );
    pause.deliveries = vec![trigger(monday, DeliveryState::Delivered)];
    assert!(claims.differences(&pause).is_empty());
    let notary = notary();
    let jwks = Jwks::of(&[notary.key().public().clone()]);
    let verified = verify(&notary.seal(&pause).unwrap(), &jwks).unwrap();
    assert_eq!(verified.starts_at, None, "a delivered start is not held");
}
