//! The bad create requests of the table: every kind of field of the body,
//! nested paths into it, and the headers.

use reqwest::Method;
use serde_json::{Value, json};

use super::cases::{Body, Case, RUN_ID, case, create, with_headers};

/// Every bad create request of the table.
pub(crate) fn create_cases() -> Vec<Case> {
    let mut cases = top_level();
    cases.extend(nested());
    cases.extend(callbacks_and_headers());
    cases.extend(subjects());
    cases
}

/// Fields at the top of the body, and who is told.
fn top_level() -> Vec<Case> {
    vec![
        create(json!({"description": "no title"}), "title"),
        create(json!({"title": 7}), "title"),
        create(json!({"title": "x".repeat(201)}), "title"),
        create(json!({"title": "t", "description": 5}), "description"),
        create(json!({"title": "t", "expires_in": "soon"}), "expires_in"),
        create(json!({"title": "t", "expires_in": true}), "expires_in"),
        create(json!({"title": "t", "target": "nowhere"}), "target"),
        create(json!({"title": "t", "on_reject": "nowhere"}), "on_reject"),
        create(json!({"title": "t", "on_expire": "later"}), "on_expire"),
        create(json!({"title": "t", "remind_before": 5}), "remind_before"),
        create(json!({"title": "t", "expire_in": "1h"}), "expire_in"),
        create(
            json!({"title": "t", "notify": {"email": ["ana@example.com", "bo@"]}}),
            "notify.email[1]",
        ),
        create(
            json!({"title": "t", "notify": {"email": ["ana@example.com", 5]}}),
            "notify.email[1]",
        ),
        create(
            json!({"title": "t", "notify": {"channels": ["ops", "nope"]}}),
            "notify.channels[1]",
        ),
        create(json!({"title": "t", "notify": {"mail": []}}), "notify.mail"),
        create(
            json!({"title": "t", "escalate_after": "1h", "escalate_to": {"email": ["bo@"]}}),
            "escalate_to.email[0]",
        ),
        create(json!({"title": "t", "escalate_after": "1h"}), "escalate_to"),
    ]
}

/// Paths into lists and objects of the body.
fn nested() -> Vec<Case> {
    let field = |extra: Value| {
        let mut declared = json!({"name": "ticket", "type": "text"});
        for (key, value) in extra.as_object().unwrap() {
            declared[key] = value.clone();
        }
        declared
    };
    vec![
        create(
            json!({"title": "t", "input_fields": [field(json!({"type": "colour"}))]}),
            "input_fields[0].type",
        ),
        create(
            json!({"title": "t", "input_fields": [field(json!({})), {"type": "text"}]}),
            "input_fields[1].name",
        ),
        create(
            json!({"title": "t", "input_fields": [field(json!({"label": "two\nlines"}))]}),
            "input_fields[0].label",
        ),
        create(
            json!({"title": "t", "input_fields": [field(json!({"default": 5}))]}),
            "input_fields[0].default",
        ),
        create(
            json!({"title": "t", "approvers": ["ana@example.com", "bo@example.com", "a*b"]}),
            "approvers[2]",
        ),
        create(
            json!({"title": "t", "approvals_required": 0}),
            "approvals_required",
        ),
        create(
            json!({"title": "t", "tags": ["ok", "has space"]}),
            "tags[1]",
        ),
        create(json!({"title": "t", "group": "has space"}), "group"),
        create(
            json!({"title": "t", "target": "adf", "target_params": {"pipeline": ".."}}),
            "target_params.pipeline",
        ),
        create(
            json!({"title": "t", "idempotency_key": ""}),
            "idempotency_key",
        ),
    ]
}

/// Callbacks, their kinds' own fields, JSON that breaks inside a field,
/// and the headers.
fn callbacks_and_headers() -> Vec<Case> {
    let devops = |task: Value| {
        json!({"title": "t", "callback": {"kind": "azure_devops",
               "url": "http://127.0.0.1:9/org/_apis", "devops": task}})
    };
    vec![
        create(
            json!({"title": "t", "callback": {"kind": "logic_apps", "url": "https://evil.example.com/x"}}),
            "callback.url",
        ),
        create(
            json!({"title": "t", "callback": {"kind": "jenkins", "url": "http://127.0.0.1:9/x"}}),
            "callback.kind",
        ),
        create(
            devops(json!({"job_id": "not an id", "task_id": RUN_ID, "auth_token": "a"})),
            "callback.devops.job_id",
        ),
        create(
            devops(json!({"job_id": RUN_ID, "auth_token": "a"})),
            "callback.devops.task_id",
        ),
        create(
            json!({"title": "t", "callBackUri": "not a url"}),
            "callBackUri",
        ),
        create(
            json!({"title": "t", "callback_timeout": "soon"}),
            "callback_timeout",
        ),
        case(
            Method::POST,
            "/api/v1/pauses",
            Some(Body::Raw(r#"{"title": "t", "data": [1, }"#)),
            "data",
        ),
        with_headers(
            create(json!({"title": "t"}), "Idempotency-Key"),
            &[("Idempotency-Key", b"caf\xe9")],
        ),
        with_headers(
            create(
                json!({"title": "t", "idempotency_key": "b"}),
                "idempotency_key",
            ),
            &[("Idempotency-Key", b"a")],
        ),
    ]
}

/// The artefacts a pause names: each part of each subject, by its place.
fn subjects() -> Vec<Case> {
    let digest = "ab".repeat(32);
    let good = json!({"name": "registry.example/app", "digest": {"sha256": digest}});
    let with = |second: Value| json!({"title": "t", "subjects": [good.clone(), second]});
    vec![
        create(
            with(json!({"name": "app", "digest": {"sha256": digest.to_uppercase()}})),
            "subjects[1].digest.sha256",
        ),
        create(
            with(json!({"name": "app", "digest": {"sha256": "abc"}})),
            "subjects[1].digest.sha256",
        ),
        create(
            with(json!({"name": "", "digest": {"sha256": digest}})),
            "subjects[1].name",
        ),
        create(
            with(json!({"name": "x".repeat(257), "digest": {"sha256": digest}})),
            "subjects[1].name",
        ),
        create(with(json!({"name": "app"})), "subjects[1].digest"),
        create(
            with(json!({"name": "app", "digest": {"sha256": digest, "sha512": "00"}})),
            "subjects[1].digest.sha512",
        ),
        create(
            with(json!({"name": "app", "digest": {"sha256": digest}, "uri": "x"})),
            "subjects[1].uri",
        ),
        create(with(json!(["app", digest])), "subjects[1]"),
        create(json!({"title": "t", "subjects": "app"}), "subjects"),
        create(
            json!({"title": "t", "subjects": vec![good.clone(); 65]}),
            "subjects",
        ),
    ]
}
