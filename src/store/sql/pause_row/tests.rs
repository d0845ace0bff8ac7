//! The table against a real SQLite database: what an insert writes reads
//! back as the pause the record describes, every field set.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration};
use serde_json::json;

use crate::domain::{
    Callback, CreatePolicy, DeliveryId, DeliveryKind, Event, ID_RANDOM_BYTES, IdentifiedBy,
    KeyScope, NewDelivery, PauseId, TOKEN_BYTES, Token,
};
use crate::pauses::PauseRequest;
use crate::store::NewPauseRecord;

/// A record with every field of the pause set to something other than
/// its empty value.
fn full_record() -> NewPauseRecord {
    let policy = CreatePolicy {
        default_expires_in: Duration::hours(1),
        max_expires_in: Duration::days(1),
        targets: BTreeMap::from([("hook".to_owned(), vec!["branch".to_owned()])]),
        channels: ["ops".to_owned()].into(),
        default_remind_before: None,
        callbacks: Default::default(),
        callback_kinds: std::sync::Arc::new(crate::domain::NoCallbackKinds),
    };
    let request: PauseRequest = serde_json::from_value(json!({
        "title": "Deploy", "description": "to prod", "data": {"build": 7, "ok": true},
        "target": "hook", "target_params": {"branch": "main"}, "on_reject": "hook",
        "on_expire": "approve", "notify": {"email": ["ana@example.com"], "channels": ["ops"]},
        "idempotency_key": "k-1", "approvers": ["ana@example.com", "bo@example.com"],
        "approvals_required": 2, "group": "deploy:prod", "tags": ["team:data", "prod"],
        "input_fields": [{"name": "rows", "type": "number", "required": true}],
        "subjects": [{"name": "registry.example/app", "digest": {"sha256": "ab".repeat(32)}}],
    }))
    .unwrap();
    let mut pause = request.parse(&policy).unwrap();
    pause.requested_by = Some("ci".to_owned());
    pause.requester_identified_by = Some(IdentifiedBy::ApiKey);
    pause.callback = Some(Callback {
        kind: "a_kind".to_owned(),
        url: "https://callbacks.example.com/x".to_owned(),
        shown: BTreeMap::from([("account".to_owned(), "prod".to_owned())]),
        details: json!({"token": "t0k3n"}).as_object().unwrap().clone(),
    });
    let created_at = DateTime::from_timestamp_millis(1_700_000_000_123).unwrap();
    NewPauseRecord {
        id: PauseId::from_parts(1_700_000_000_123, &[9; ID_RANDOM_BYTES]),
        created_at,
        expires_at: created_at + pause.expires_in,
        creator_token: Token::from_random(&[5; TOKEN_BYTES]).hash(),
        key_scope: KeyScope::Server,
        fingerprint: "f".repeat(64),
        deliveries: vec![NewDelivery {
            id: DeliveryId::from_parts(1_700_000_000_123, &[3; ID_RANDOM_BYTES]),
            kind: DeliveryKind::Email,
            destination: "ana@example.com".to_owned(),
            event: Event::Requested,
            not_before: None,
        }],
        pause,
        settle_at_once: None,
    }
}

#[tokio::test]
async fn a_pause_with_every_field_set_reads_back_as_its_record_describes_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("row.db").display());
    let store = crate::store::open(&url, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let record = full_record();
    let expected = record.to_pause();
    store.create_pause(record).await.unwrap();
    let stored = store.pause(&expected.id).await.unwrap().unwrap();
    assert_eq!(stored, expected);
    store.close().await;
}
