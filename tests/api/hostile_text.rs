//! Text that hides, reorders or breaks what people read, sent to every
//! field a person reads through every way in (the pause API, Azure DevOps'
//! check, the original recipe's `PipelinePause`, decisions by API, token
//! and page): each is answered 400 naming the field and the code point,
//! and nothing is stored.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::azure_recipe::recipe_config;
use crate::helpers::{API_KEY, TestApp, error_message};

/// Invisible, bidirectional, separator, control, tag, private-use and
/// unassigned characters.
const HOSTILE: [char; 15] = [
    '\u{200F}',
    '\u{061C}',
    '\u{200B}',
    '\u{FEFF}',
    '\u{2028}',
    '\u{202E}',
    '\u{2066}',
    '\u{00AD}',
    '\u{2060}',
    '\u{180E}',
    '\u{0007}',
    '\u{0085}',
    '\u{E0041}',
    '\u{E000}',
    '\u{0378}',
];

/// The recipe's target, a channel and the callback hosts, beside it.
fn config() -> String {
    let extra = "[channels.ops]\nkind = \"slack\"\nwebhook_url_env = \"SLACK_URL\"\n\n\
                 [callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n";
    format!("{}\n{extra}", recipe_config("http://127.0.0.1:9"))
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Each field a person reads in a create body, with `c` in it.
fn create_bodies(c: char) -> Vec<(&'static str, Value)> {
    let text = format!("a{c}b");
    let field = |extra: Value| json!({"name": "ticket", "type": "text"}).merge(extra);
    vec![
        ("title", json!({"title": format!("Deploy{c} now")})),
        ("description", json!({"title": "t", "description": text})),
        (
            "approvers[1]",
            json!({"title": "t", "approvers": ["ana@example.com", format!("bo{c}@example.com")]}),
        ),
        (
            "input_fields[0].label",
            json!({"title": "t", "input_fields": [field(json!({"label": text}))]}),
        ),
        (
            "input_fields[0].options[1]",
            json!({"title": "t", "input_fields": [{"name": "env", "type": "choice", "options": ["prod", text]}]}),
        ),
        (
            "input_fields[0].default",
            json!({"title": "t", "input_fields": [field(json!({"default": text}))]}),
        ),
        ("tags[1]", json!({"title": "t", "tags": ["ok", text]})),
        ("group", json!({"title": "t", "group": text})),
        (
            "notify.email[0]",
            json!({"title": "t", "notify": {"email": [format!("ana{c}@example.com")]}}),
        ),
        (
            "notify.channels[0]",
            json!({"title": "t", "notify": {"channels": [format!("ops{c}")]}}),
        ),
        (
            "escalate_to.email[0]",
            json!({"title": "t", "escalate_after": "1h", "escalate_to": {"email": [format!("bo{c}@example.com")]}}),
        ),
        ("target", json!({"title": "t", "target": format!("adf{c}")})),
        (
            "on_reject",
            json!({"title": "t", "on_reject": format!("adf{c}")}),
        ),
        (
            "target_params.pipeline",
            json!({"title": "t", "target": "adf", "target_params": {"pipeline": text}}),
        ),
        (
            "idempotency_key",
            json!({"title": "t", "idempotency_key": text}),
        ),
    ]
}

trait Merge {
    fn merge(self, other: Value) -> Value;
}

impl Merge for Value {
    fn merge(mut self, other: Value) -> Value {
        for (key, value) in other.as_object().unwrap() {
            self[key] = value.clone();
        }
        self
    }
}

/// A 400 in the API's shape naming `field` and `c`'s code point.
fn assert_refused(status: StatusCode, answer: &Value, field: &str, c: char, way: &str) {
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{way} {field} {c:?}: {answer}"
    );
    assert_eq!(answer["error"]["code"], "invalid_request", "{answer}");
    let message = error_message(answer);
    assert!(
        message.starts_with(field) && message.contains(&code_point(c)),
        "{way}: {message:?} should name {field} and {}",
        code_point(c)
    );
}

async fn devops_check(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    let id = "3a7e60dc-c5b0-5009-86eb-0f217c12e2ea";
    let mut request = app.api.request(Method::POST, "/integrations/azure-devops");
    for (header, value) in [
        ("PlanUrl", "http://127.0.0.1:9/org/"),
        ("ProjectId", id),
        ("HubName", "checks"),
        ("PlanId", id),
        ("JobId", id),
        ("TaskInstanceId", id),
        ("AuthToken", "run-scoped-token"),
    ] {
        request = request.header(header, value);
    }
    let response = request.json(body).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn hidden_characters_in_any_field_people_read_are_refused_and_nothing_is_stored() {
    let slack = [("SLACK_URL", "http://127.0.0.1:9/services/x")];
    let app = TestApp::builder()
        .config(&config())
        .env(&slack)
        .manual()
        .start()
        .await;
    for c in HOSTILE {
        for (field, body) in create_bodies(c) {
            let (status, answer) = app.api.create(body.clone()).await;
            assert_refused(status, &answer, field, c, "create");
            let (status, answer) = devops_check(&app, &body).await;
            assert_refused(status, &answer, field, c, "azure devops");
        }
        for parameter in ["factory_name", "resource_group", "pipeline_name"] {
            let mut body = json!({"factory_name": "f", "resource_group": "rg",
                                  "pipeline_name": "p", "expiration_time": 60});
            body[parameter] = json!(format!("x{c}y"));
            let response = app
                .api
                .anonymous()
                .request(Method::POST, &format!("/api/PipelinePause?code={API_KEY}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let answer = response.json().await.unwrap();
            assert_refused(status, &answer, parameter, c, "PipelinePause");
        }
    }
    let listed = app.api.get_json("/api/v1/pauses").await;
    assert_eq!(listed["items"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn hidden_characters_in_a_decision_are_refused_and_nothing_is_decided() {
    let app = TestApp::builder().manual().start().await;
    let (status, created) = app
        .api
        .create(json!({"title": "Load?", "input_fields": [
            {"name": "ticket", "type": "text"}, {"name": "notes", "type": "multiline"}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );
    for c in HOSTILE {
        let text = format!("a{c}b");
        for (field, body) in [
            ("comment", json!({"comment": text})),
            ("actor", json!({"actor": text})),
            ("inputs.ticket", json!({"inputs": {"ticket": text}})),
            ("inputs.notes", json!({"inputs": {"notes": text}})),
        ] {
            let response = app
                .api
                .request(Method::POST, &format!("/api/v1/pauses/{id}/approve"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert_refused(status, &response.json().await.unwrap(), field, c, "API");
        }
        let response = app
            .api
            .anonymous()
            .request(Method::POST, "/api/v1/decisions")
            .json(&json!({"token": token, "decision": "approve", "comment": text}))
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_refused(
            status,
            &response.json().await.unwrap(),
            "comment",
            c,
            "token",
        );
        let (status, page) = app
            .api
            .submit(token, &[("decision", "approve"), ("comment", &text)])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page {c:?}");
        assert!(
            page.contains(&code_point(c)),
            "the page names {}",
            code_point(c)
        );
    }
    let pause = app.api.pause(id).await;
    assert_eq!(pause["state"], "pending");
    assert_eq!(pause["decisions"], json!([]), "nothing was decided");

    // Ordinary line breaks and tabs stay fine where several lines are.
    let comment = "line one\r\nline two\twith a tab — Müller, 東京";
    let decided = app
        .api
        .decide_ok_with(
            id,
            "approve",
            json!({"comment": comment, "inputs": {"notes": "a\nb"}}),
        )
        .await;
    assert_eq!(decided["decisions"][0]["comment"], comment);
}

#[tokio::test]
async fn hidden_characters_in_data_are_shown_as_escapes_on_the_review_page() {
    let app = TestApp::builder().manual().start().await;
    let (status, created) = app
        .api
        .create(json!({"title": "Pay?", "data": {"payee": "Ana\u{202E}lim", "note\u{200B}": 1}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, page) = app.api.open_link(created["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Ana\\u202elim"),
        "the override is shown, not obeyed"
    );
    assert!(page.contains("note\\u200b"));
    assert!(!page.contains('\u{202E}') && !page.contains('\u{200B}'));
}
