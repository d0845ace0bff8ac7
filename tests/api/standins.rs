//! Local stand-ins for the services pausegate calls. Each checks a request
//! the way the real API documents it and answers the way the real API
//! does; every request is recorded for the test to inspect.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use serde_json::{Value, json};

/// One request a stand-in received.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A scripted answer: status, headers, body.
type Answer = (StatusCode, Vec<(&'static str, String)>, String);
/// An answer as a test writes it.
pub(crate) type ScriptLine<'a> = (u16, &'a [(&'static str, &'a str)], &'a str);

/// What a stand-in has seen, and the answers it is scripted to give.
#[derive(Clone, Default)]
pub(crate) struct Log {
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl Log {
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub(crate) fn matching(&self, path_part: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.contains(path_part))
            .collect()
    }

    /// Queues answers given before the stand-in's normal one.
    pub(crate) fn script(&self, answers: &[ScriptLine<'_>]) {
        let mut script = self.script.lock().unwrap();
        for (status, headers, body) in answers {
            let headers = headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
            script.push_back((
                StatusCode::from_u16(*status).unwrap(),
                headers,
                (*body).to_owned(),
            ));
        }
    }

    fn record(&self, method: Method, uri: &Uri, headers: HeaderMap, body: Bytes) {
        let query = uri.query().map(url_pairs).unwrap_or_default();
        assert_eq!(
            method,
            Method::POST,
            "pausegate only ever POSTs to receivers"
        );
        self.requests.lock().unwrap().push(Recorded {
            path: uri.path().to_owned(),
            query,
            headers,
            body,
        });
    }

    fn scripted(&self) -> Option<Response> {
        let (status, headers, body) = self.script.lock().unwrap().pop_front()?;
        let mut response = (status, body).into_response();
        for (name, value) in headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        Some(response)
    }
}

fn url_pairs(query: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Serves `router` on a free local port; returns its base URL.
pub(crate) async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": "BadRequest", "message": message}})),
    )
        .into_response()
}

/// A webhook receiver: records everything, answers scripted statuses, then 200.
pub(crate) async fn webhook() -> (String, Log) {
    let log = Log::default();
    let router = Router::new()
        .route(
            "/{*path}",
            any(
                |State(log): State<Log>,
                 method: Method,
                 uri: Uri,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    log.record(method, &uri, headers, body);
                    log.scripted()
                        .unwrap_or_else(|| (StatusCode::OK, "ok").into_response())
                },
            ),
        )
        .with_state(log.clone());
    (serve(router).await, log)
}

/// Microsoft Entra ID's token endpoint and Azure Resource Manager's
/// Data Factory `createRun`, in one server.
pub(crate) async fn azure(
    tenant: &'static str,
    client_id: &'static str,
    secret: &'static str,
) -> (String, Log) {
    let log = Log::default();
    let issued: Arc<Mutex<Vec<String>>> = Arc::default();
    let token_route = {
        let (log, issued) = (log.clone(), issued.clone());
        move |Path(path_tenant): Path<String>, headers: HeaderMap, uri: Uri, body: Bytes| async move {
            log.record(Method::POST, &uri, headers.clone(), body.clone());
            if path_tenant != tenant {
                return error(StatusCode::BAD_REQUEST, "AADSTS90002: tenant not found");
            }
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !content_type.starts_with("application/x-www-form-urlencoded") {
                return error(
                    StatusCode::BAD_REQUEST,
                    "AADSTS900144: expected a form body",
                );
            }
            let form = url_pairs(std::str::from_utf8(&body).unwrap());
            let expected = [
                ("client_id", client_id),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
            ];
            for (key, value) in expected {
                if form.get(key).map(String::as_str) != Some(value) {
                    let body = json!({"error": "invalid_client", "error_description": format!("AADSTS7000215: bad {key}")});
                    return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
                }
            }
            if !form.get("scope").is_some_and(|s| s.ends_with("/.default")) || form.len() != 4 {
                return error(StatusCode::BAD_REQUEST, "AADSTS70011: invalid scope");
            }
            let token = format!("token-{}", issued.lock().unwrap().len() + 1);
            issued.lock().unwrap().push(token.clone());
            axum::Json(json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}))
                .into_response()
        }
    };
    let create_run = {
        let (log, issued) = (log.clone(), issued.clone());
        move |Query(query): Query<HashMap<String, String>>,
              headers: HeaderMap,
              uri: Uri,
              body: Bytes| async move {
            log.record(Method::POST, &uri, headers.clone(), body.clone());
            if let Some(scripted) = log.scripted() {
                return scripted;
            }
            if query.get("api-version").map(String::as_str) != Some("2018-06-01") {
                return error(StatusCode::BAD_REQUEST, "MissingApiVersionParameter");
            }
            let bearer = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let known = bearer
                .strip_prefix("Bearer ")
                .is_some_and(|t| issued.lock().unwrap().iter().any(|i| i == t));
            if !known {
                return error(StatusCode::UNAUTHORIZED, "AuthenticationFailed");
            }
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(_)) => {}
                _ => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "the body must be the parameters object",
                    );
                }
            }
            let run = format!("run-{}", log.matching("/createRun").len());
            axum::Json(json!({"runId": run})).into_response()
        }
    };
    let router = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token_route))
        .route(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataFactory/factories/{factory}/pipelines/{pipeline}/createRun",
            post(create_run),
        );
    (serve(router).await, log)
}

/// GitHub's `workflow_dispatch` endpoint.
pub(crate) async fn github(token: &'static str) -> (String, Log) {
    let log = Log::default();
    let dispatch = {
        let log = log.clone();
        move |headers: HeaderMap, uri: Uri, body: Bytes| async move {
            log.record(Method::POST, &uri, headers.clone(), body.clone());
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            if header("user-agent").is_empty() {
                return error(
                    StatusCode::FORBIDDEN,
                    "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
                );
            }
            if header("authorization") != format!("Bearer {token}") {
                return error(StatusCode::UNAUTHORIZED, "Bad credentials");
            }
            if header("accept") != "application/vnd.github+json"
                || header("x-github-api-version") != "2022-11-28"
            {
                return error(
                    StatusCode::BAD_REQUEST,
                    "unexpected Accept or X-GitHub-Api-Version",
                );
            }
            let body: Value = serde_json::from_slice(&body).unwrap_or_default();
            let inputs_are_strings = body["inputs"]
                .as_object()
                .is_some_and(|i| i.values().all(Value::is_string));
            if !body["ref"].is_string() || !inputs_are_strings {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid request: ref and string inputs are required",
                );
            }
            StatusCode::NO_CONTENT.into_response()
        }
    };
    // GitHub.com serves the API at the root, GitHub Enterprise under /api/v3.
    let path = "/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches";
    let router = Router::new()
        .route(path, post(dispatch.clone()))
        .route(&format!("/api/v3{path}"), post(dispatch));
    (serve(router).await, log)
}

/// Airflow 3's `POST /api/v2/dags/{dag_id}/dagRuns`.
pub(crate) async fn airflow(token: &'static str) -> (String, Log) {
    let log = Log::default();
    let trigger = {
        let log = log.clone();
        move |Path(dag_id): Path<String>, headers: HeaderMap, uri: Uri, body: Bytes| async move {
            log.record(Method::POST, &uri, headers.clone(), body.clone());
            let bearer = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if bearer != format!("Bearer {token}") {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({"detail": "Not authenticated"})),
                )
                    .into_response();
            }
            let known = [
                "dag_run_id",
                "data_interval_start",
                "data_interval_end",
                "logical_date",
                "run_after",
                "conf",
                "note",
            ];
            let body: Value = serde_json::from_slice(&body).unwrap_or_default();
            let fields_ok = body.as_object().is_some_and(|o| {
                o.contains_key("logical_date") && o.keys().all(|k| known.contains(&k.as_str()))
            });
            if !fields_ok || !body["conf"].is_object() {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(
                        json!({"detail": [{"type": "missing", "loc": ["body", "logical_date"]}]}),
                    ),
                )
                    .into_response();
            }
            let run_id = format!("manual__2026-11-23T19:05:00+00:00_{}", log.requests().len());
            axum::Json(json!({
                "dag_run_id": run_id, "dag_id": dag_id, "logical_date": null, "queued_at": "2026-11-23T19:05:00Z",
                "state": "queued", "run_type": "manual", "conf": body["conf"], "note": null,
            }))
            .into_response()
        }
    };
    let router = Router::new().route("/api/v2/dags/{dag_id}/dagRuns", post(trigger));
    (serve(router).await, log)
}

/// A webhook receiver that never answers its first request (as if the
/// sender died waiting) and answers 200 to the rest.
pub(crate) async fn holding_webhook() -> (String, Log, tokio::sync::mpsc::UnboundedReceiver<()>) {
    let log = Log::default();
    let (arrived, arrivals) = tokio::sync::mpsc::unbounded_channel();
    let router = Router::new()
        .route(
            "/{*path}",
            any(
                move |State(log): State<Log>,
                      method: Method,
                      uri: Uri,
                      headers: HeaderMap,
                      body: Bytes| {
                    let arrived = arrived.clone();
                    async move {
                        log.record(method, &uri, headers, body);
                        arrived.send(()).ok();
                        if log.requests().len() == 1 {
                            std::future::pending::<()>().await;
                        }
                        (StatusCode::OK, "ok").into_response()
                    }
                },
            ),
        )
        .with_state(log.clone());
    (serve(router).await, log, arrivals)
}

/// A Slack incoming webhook: checks the body against Slack's documented
/// message shape (text, blocks of known types, buttons with text and URL)
/// and answers `ok`, or 400 `invalid_blocks` as Slack does.
pub(crate) async fn slack() -> (String, Log) {
    let log = Log::default();
    let router = Router::new()
        .route(
            "/services/{team}/{bot}/{secret}",
            post(
                |State(log): State<Log>, headers: HeaderMap, uri: Uri, body: Bytes| async move {
                    log.record(Method::POST, &uri, headers, body.clone());
                    match serde_json::from_slice::<Value>(&body) {
                        Ok(message) if slack_message_is_valid(&message) => {
                            (StatusCode::OK, "ok").into_response()
                        }
                        _ => (StatusCode::BAD_REQUEST, "invalid_blocks").into_response(),
                    }
                },
            ),
        )
        .with_state(log.clone());
    (serve(router).await, log)
}

fn slack_message_is_valid(message: &Value) -> bool {
    let text_ok = message["text"]
        .as_str()
        .is_some_and(|t| !t.is_empty() && t.len() <= 40_000);
    let Some(blocks) = message["blocks"].as_array() else {
        return false;
    };
    let block_ok = |block: &Value| match block["type"].as_str() {
        Some("section") => {
            block["text"]["type"] == "mrkdwn"
                && block["text"]["text"]
                    .as_str()
                    .is_some_and(|t| t.chars().count() <= 3000)
        }
        Some("context") => block["elements"]
            .as_array()
            .is_some_and(|e| !e.is_empty() && e.len() <= 10),
        Some("actions") => block["elements"].as_array().is_some_and(|elements| {
            elements.iter().all(|button| {
                button["type"] == "button"
                    && button["text"]["type"] == "plain_text"
                    && button["text"]["text"]
                        .as_str()
                        .is_some_and(|t| t.chars().count() <= 75)
                    && button["url"]
                        .as_str()
                        .is_some_and(|u| reqwest::Url::parse(u).is_ok() && u.len() <= 3000)
            })
        }),
        _ => false,
    };
    text_ok && blocks.len() <= 50 && blocks.iter().all(block_ok)
}

/// A Teams (Workflows) incoming webhook: checks the message envelope and
/// the Adaptive Card, and answers 202 Accepted as Workflows webhooks do.
pub(crate) async fn teams() -> (String, Log) {
    let log = Log::default();
    let router = Router::new()
        .route(
            "/webhookb2/{id}",
            post(
                |State(log): State<Log>, headers: HeaderMap, uri: Uri, body: Bytes| async move {
                    log.record(Method::POST, &uri, headers, body.clone());
                    match serde_json::from_slice::<Value>(&body) {
                        Ok(message) if teams_message_is_valid(&message) => {
                            StatusCode::ACCEPTED.into_response()
                        }
                        _ => (StatusCode::BAD_REQUEST, "Bad payload").into_response(),
                    }
                },
            ),
        )
        .with_state(log.clone());
    (serve(router).await, log)
}

fn teams_message_is_valid(message: &Value) -> bool {
    let attachment = &message["attachments"][0];
    let card = &attachment["content"];
    let version_ok = card["version"]
        .as_str()
        .is_some_and(|v| ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"].contains(&v));
    let body_ok = card["body"].as_array().is_some_and(|body| {
        body.iter().all(|element| match element["type"].as_str() {
            Some("TextBlock") => element["text"].is_string(),
            Some("FactSet") => element["facts"].as_array().is_some_and(|f| {
                f.iter()
                    .all(|f| f["title"].is_string() && f["value"].is_string())
            }),
            _ => false,
        })
    });
    let actions_ok = card["actions"].as_array().is_none_or(|actions| {
        actions.iter().all(|a| {
            a["type"] == "Action.OpenUrl"
                && a["title"].is_string()
                && a["url"]
                    .as_str()
                    .is_some_and(|u| reqwest::Url::parse(u).is_ok())
        })
    });
    message["type"] == "message"
        && message["attachments"]
            .as_array()
            .is_some_and(|a| a.len() == 1)
        && attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        && card["type"] == "AdaptiveCard"
        && card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
        && version_ok
        && body_ok
        && actions_ok
}
