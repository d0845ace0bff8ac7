//! The rules a new pause's command is read by: each broken one names its
//! field, and what the documentation allows passes.
use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use serde_json::{Value, json};

use super::PauseRequest;
use crate::domain::{
    CallbackPolicy, CreatePolicy, MAX_DATA_BYTES, NewPause, NoCallbackKinds, OnExpire,
    ValidationError,
};

fn policy() -> CreatePolicy {
    CreatePolicy {
        default_expires_in: Duration::hours(24),
        max_expires_in: Duration::days(30),
        targets: BTreeMap::from([
            ("etl".to_owned(), vec!["pipeline".to_owned()]),
            ("hook".to_owned(), vec![]),
        ]),
        channels: BTreeSet::from(["ops".to_owned()]),
        default_remind_before: None,
        callbacks: CallbackPolicy::default(),
        callback_kinds: std::sync::Arc::new(NoCallbackKinds),
    }
}

fn request(body: Value) -> PauseRequest {
    serde_json::from_value(body).unwrap()
}

fn error_for(body: Value) -> ValidationError {
    request(body).parse(&policy()).unwrap_err()
}

#[test]
fn a_title_alone_is_enough() {
    let pause = request(json!({"title": " Load? "}))
        .parse(&policy())
        .unwrap();
    assert_eq!(pause.title, "Load?");
    assert_eq!(pause.expires_in, Duration::hours(24));
    assert_eq!(pause.data, json!({}));
    assert_eq!(pause.on_expire, OnExpire::Expire);
}

#[test]
fn each_broken_rule_names_its_field() {
    let cases = [
        (json!({}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (
            json!({"title": "t", "description": "d".repeat(10_001)}),
            "description",
        ),
        (json!({"title": "t", "expires_in": "soon"}), "expires_in"),
        (json!({"title": "t", "expires_in": "31d"}), "expires_in"),
        (json!({"title": "t", "expires_in": 0}), "expires_in"),
        (json!({"title": "t", "target": "nope"}), "target"),
        (json!({"title": "t", "on_reject": "nope"}), "on_reject"),
        (json!({"title": "t", "on_expire": "later"}), "on_expire"),
        (
            json!({"title": "t", "notify": {"email": ["not-an-address"]}}),
            "notify.email[0]",
        ),
        (
            json!({"title": "t", "notify": {"channels": ["nope"]}}),
            "notify.channels[0]",
        ),
        (
            json!({"title": "t", "target": "etl", "target_params": {"factory": "x"}}),
            "target_params",
        ),
        (
            json!({"title": "t", "data": "x".repeat(MAX_DATA_BYTES)}),
            "data",
        ),
        (
            json!({"title": "t", "remind_before": "later"}),
            "remind_before",
        ),
        (json!({"title": "t", "remind_before": 5}), "remind_before"),
    ];
    assert_each_names_its_field(cases);
}

#[test]
fn each_broken_text_or_list_rule_names_its_field() {
    let cases = [
        (json!({"title": "two\nlines"}), "title"),
        (
            json!({"title": "t", "description": "a\u{0}b"}),
            "description",
        ),
        (
            json!({"title": "t", "idempotency_key": "k\u{0}"}),
            "idempotency_key",
        ),
        (
            json!({"title": "t", "target": "etl", "target_params": {"pipeline": ".."}}),
            "target_params.pipeline",
        ),
        (
            json!({"title": "t", "target": "etl", "target_params": {"pipeline": "a\tb"}}),
            "target_params.pipeline",
        ),
        (json!({"title": "t\u{202e}gnp.exe"}), "title"),
        (
            json!({"title": "t", "notify": {"email": ["a@example.com", "a@"]}}),
            "notify.email[1]",
        ),
        (
            json!({"title": "t", "escalate_after": "1h", "escalate_to": {"email": ["a@"]}}),
            "escalate_to.email[0]",
        ),
        (
            json!({"title": "t", "escalate_after": "1h", "escalate_to": {"channels": ["x"]}}),
            "escalate_to.channels[0]",
        ),
        (json!({"title": "t", "group": "has space"}), "group"),
        (
            json!({"title": "t", "tags": ["ok", "has space"]}),
            "tags[1]",
        ),
        (
            json!({"title": "t", "description": "x\u{2066}y"}),
            "description",
        ),
    ];
    assert_each_names_its_field(cases);
}

fn assert_each_names_its_field<const N: usize>(cases: [(serde_json::Value, &str); N]) {
    for (body, field) in cases {
        let error = error_for(body.clone());
        assert_eq!(error.field, field, "{body}");
        assert!(
            error.message.contains(field),
            "{} should name {field}",
            error.message
        );
    }
}

#[test]
fn expires_in_accepts_every_documented_form_up_to_the_maximum() {
    for (value, seconds) in [(json!("1s"), 1), (json!(1), 1), (json!("30d"), 30 * 86_400)] {
        let pause = request(json!({"title": "t", "expires_in": value}))
            .parse(&policy())
            .unwrap();
        assert_eq!(pause.expires_in.num_seconds(), seconds);
    }
    assert!(
        error_for(json!({"title": "t", "expires_in": "31d"}))
            .message
            .contains("30d")
    );
}

#[test]
fn allowed_target_params_and_duplicate_recipients_pass() {
    let pause: NewPause = request(
        json!({"title": "t", "target": "etl", "target_params": {"pipeline": "p2"},
            "notify": {"email": ["a@example.com", "A@example.com"], "channels": ["ops"]}}),
    )
    .parse(&policy())
    .unwrap();
    assert_eq!(pause.notify.email, vec!["a@example.com"]);
    assert_eq!(pause.target_params, Some(json!({"pipeline": "p2"})));
}

#[test]
fn debug_shows_no_callback_url_or_token() {
    let request = request(
        json!({"title": "t", "callBackUri": "https://h.example.com/a?sig=s3cret",
        "callback": {"kind": "a_kind", "task_token": "t0k3n"}}),
    );
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("t0k3n"),
        "{shown}"
    );
}
