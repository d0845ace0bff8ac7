//! The bad requests of the table, by way in: how a case is written, and
//! those for deciding, listing and the integrations' endpoints.

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::helpers::API_KEY;

/// The named key `ci-bot` decides as.
pub(crate) const CI_BOT_KEY: &str = "ci-bot-key-0123456789";
/// A check's run and task ids.
pub(crate) const RUN_ID: &str = "3a7e60dc-c5b0-5009-86eb-0f217c12e2ea";

/// What a case sends as its body.
pub(crate) enum Body {
    /// JSON, in which `"{token}"` stands for the test pause's token.
    Json(Value),
    /// Bytes as they are, for JSON that does not parse.
    Raw(&'static str),
}

/// One bad request and the field its 400 must name.
pub(crate) struct Case {
    /// How it is sent.
    pub method: Method,
    /// `{id}` and `{token}` stand for the test pause's.
    pub path: &'static str,
    /// Sent with the server's key unless the case names another.
    pub bearer: &'static str,
    /// Headers besides the bearer.
    pub headers: Vec<(&'static str, HeaderValue)>,
    /// What it sends, if anything.
    pub body: Option<Body>,
    /// The `field` its 400 must name.
    pub field: &'static str,
}

/// A case sent with the server's key and no extra headers.
pub(crate) fn case(
    method: Method,
    path: &'static str,
    body: Option<Body>,
    field: &'static str,
) -> Case {
    Case {
        method,
        path,
        bearer: API_KEY,
        headers: Vec::new(),
        body,
        field,
    }
}

/// `POST /api/v1/pauses` with `body`.
pub(crate) fn create(body: Value, field: &'static str) -> Case {
    case(
        Method::POST,
        "/api/v1/pauses",
        Some(Body::Json(body)),
        field,
    )
}

/// Approving the test pause through the API with `body`.
pub(crate) fn approve(body: Value, field: &'static str) -> Case {
    let path = "/api/v1/pauses/{id}/approve";
    case(Method::POST, path, Some(Body::Json(body)), field)
}

/// `POST /api/v1/decisions` with `body`.
pub(crate) fn by_token(body: Value, field: &'static str) -> Case {
    case(
        Method::POST,
        "/api/v1/decisions",
        Some(Body::Json(body)),
        field,
    )
}

/// A `GET` of `path`, whose query is wrong.
pub(crate) fn list(path: &'static str, field: &'static str) -> Case {
    case(Method::GET, path, None, field)
}

/// `case` with `headers` added.
pub(crate) fn with_headers(mut case: Case, headers: &[(&'static str, &'static [u8])]) -> Case {
    for (name, value) in headers {
        case.headers
            .push((name, HeaderValue::from_bytes(value).unwrap()));
    }
    case
}

/// The Azure DevOps check's headers, `broken` changed (empty: left out).
pub(crate) fn devops(broken: &'static str, value: &'static [u8], field: &'static str) -> Case {
    let mut headers: Vec<(&'static str, &'static [u8])> = vec![
        ("PlanUrl", b"http://127.0.0.1:9/org/"),
        ("ProjectId", RUN_ID.as_bytes()),
        ("HubName", b"checks"),
        ("PlanId", RUN_ID.as_bytes()),
        ("JobId", RUN_ID.as_bytes()),
        ("TaskInstanceId", RUN_ID.as_bytes()),
        ("AuthToken", b"run-scoped-token"),
    ];
    headers.retain(|(name, _)| *name != broken);
    if !value.is_empty() {
        headers.push((broken, value));
    }
    let path = "/integrations/azure-devops";
    let body = Some(Body::Json(json!({"title": "Deploy?"})));
    with_headers(case(Method::POST, path, body, field), &headers)
}

/// `PipelinePause` with the recipe's parameters, `changes` applied.
pub(crate) fn recipe(changes: Value, field: &'static str) -> Case {
    let mut body = json!({"factory_name": "adf-sales", "resource_group": "rg-data",
                          "pipeline_name": "load", "expiration_time": 3600});
    for (key, value) in changes.as_object().unwrap() {
        body[key] = value.clone();
    }
    let path = "/api/PipelinePause";
    case(Method::POST, path, Some(Body::Json(body)), field)
}

/// `POST /api/v1/callbacks/unsubscribe` with `body`.
pub(crate) fn unsubscribe(body: Value, field: &'static str) -> Case {
    let path = "/api/v1/callbacks/unsubscribe";
    case(Method::POST, path, Some(Body::Json(body)), field)
}

/// Deciding by the API (the server's key and a named one) and by a token.
pub(crate) fn decide_cases() -> Vec<Case> {
    let mut claimed = approve(json!({"actor": "somebody-else"}), "actor");
    claimed.bearer = CI_BOT_KEY;
    vec![
        approve(json!({"comment": 5}), "comment"),
        approve(json!({"comment": "x".repeat(2_001)}), "comment"),
        approve(json!({"actor": "two\nlines"}), "actor"),
        approve(json!({"actr": "ana"}), "actr"),
        approve(json!({"inputs": {"ticket": "CHG-x"}}), "inputs.ticket"),
        approve(
            json!({"inputs": {"ticket": "CHG-1", "colour": "red"}}),
            "inputs.colour",
        ),
        approve(
            json!({"inputs": {"ticket": "CHG-1", "rows": [1]}}),
            "inputs.rows",
        ),
        claimed,
        by_token(json!({"token": "{token}", "decision": "maybe"}), "decision"),
        by_token(json!({"decision": "approve"}), "token"),
        by_token(
            json!({"token": "{token}", "decision": "approve", "actor": "a\u{202e}b"}),
            "actor",
        ),
        by_token(
            json!({"token": "{token}", "decision": "reject", "comment": "a\u{0}b"}),
            "comment",
        ),
        by_token(
            json!({"token": "{token}", "decision": "approve",
                   "inputs": {"ticket": "CHG-1", "rows": 101}}),
            "inputs.rows",
        ),
        by_token(
            json!({"token": "{token}", "decision": "approve", "inputs": ["CHG-1"]}),
            "inputs",
        ),
    ]
}

/// The list's and the wait's query, and the integrations' endpoints.
pub(crate) fn list_and_integration_cases() -> Vec<Case> {
    vec![
        list("/api/v1/pauses?state=done", "state"),
        list("/api/v1/pauses?limit=0", "limit"),
        list("/api/v1/pauses?limit=abc", "limit"),
        list("/api/v1/pauses?cursor=zzz", "cursor"),
        list("/api/v1/pauses?tag=has%20space", "tag"),
        list("/api/v1/pauses/{id}/wait?timeout=soon", "timeout"),
        devops("PlanUrl", b"", "PlanUrl"),
        devops("HubName", b"a/b", "HubName"),
        devops("PlanUrl", b"https://dev.azure.com/org/", "PlanUrl"),
        devops("AuthToken", b"", "AuthToken"),
        recipe(json!({"pipeline_name": null}), "pipeline_name"),
        recipe(json!({"pipeline_name": ".."}), "pipeline_name"),
        recipe(json!({"expiration_time": "an hour"}), "expiration_time"),
        recipe(json!({"factory_name": 5}), "factory_name"),
        unsubscribe(json!({}), "callback_url"),
        unsubscribe(json!({"callback_url": 5}), "callback_url"),
        unsubscribe(
            json!({"callback_url": "http://127.0.0.1:9/cb", "extra": 1}),
            "extra",
        ),
    ]
}
