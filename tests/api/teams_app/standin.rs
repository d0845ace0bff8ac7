//! Stand-ins for what a Teams bot talks to, each checking requests as the
//! documents say: Entra's token endpoint (client credentials, form-encoded,
//! the bot's id and secret, scope `https://api.botframework.com/.default`),
//! the Bot Framework's OpenID metadata and key set, and the Bot Connector
//! (Send to Conversation, Update Activity, Get Conversation Member(s), each
//! with the Entra token as bearer). Every accepted call is recorded.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use crate::standins::serve;

pub(crate) const TENANT: &str = "11111111-2222-3333-4444-555555555555";
pub(crate) const APP_ID: &str = "66666666-7777-8888-9999-000000000000";
pub(crate) const SECRET: &str = "bot-client-secret";
const ACCESS_TOKEN: &str = "connector-access-token";

/// The team's members: id, name and address.
pub(crate) const MEMBERS: [(&str, &str); 4] = [
    ("29:ana", "ana@example.com"),
    ("29:bo", "bo@example.com"),
    ("29:cy", "cy@example.com"),
    ("29:zed", "zed@other.org"),
];

/// One recorded call: what, the path's ids, and the body.
pub(crate) type Call = (String, Vec<String>, Value);

#[derive(Clone, Default)]
struct Shared {
    calls: Arc<Mutex<Vec<Call>>>,
    jwks: Arc<Mutex<Value>>,
    base: Arc<Mutex<String>>,
}

/// The running stand-in.
pub(crate) struct Standin {
    pub base: String,
    shared: Shared,
}

impl Standin {
    /// Every call accepted so far.
    pub(crate) fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// The accepted calls named `what`.
    pub(crate) fn calls_to(&self, what: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.0 == what).collect()
    }

    /// Publishes `jwks` as the Bot Framework's keys.
    pub(crate) fn publish(&self, jwks: Value) {
        *self.shared.jwks.lock().unwrap() = jwks;
    }
}

/// Starts the stand-in.
pub(crate) async fn start() -> Standin {
    let shared = Shared::default();
    let router = Router::new()
        .route("/login/{tenant}/oauth2/v2.0/token", post(token))
        .route("/botframework/openidconfiguration", get(metadata))
        .route("/botframework/keys", get(keys))
        .route("/v3/conversations/{conversation}/activities", post(send))
        .route(
            "/v3/conversations/{conversation}/activities/{activity}",
            put(update),
        )
        .route("/v3/conversations/{conversation}/members", get(members))
        .route(
            "/v3/conversations/{conversation}/members/{member}",
            get(member),
        )
        .with_state(shared.clone());
    let base = serve(router).await;
    base.clone_into(&mut shared.base.lock().unwrap());
    Standin { base, shared }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": "BadArgument", "message": message}})),
    )
        .into_response()
}

fn record(shared: &Shared, what: &str, ids: Vec<String>, body: Value) {
    shared
        .calls
        .lock()
        .unwrap()
        .push((what.to_owned(), ids, body));
}

/// Entra's v2.0 token endpoint, client-credentials grant.
async fn token(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = headers.get("content-type").and_then(|v| v.to_str().ok());
    if tenant != TENANT || !form.is_some_and(|f| f.starts_with("application/x-www-form-urlencoded"))
    {
        return refuse(StatusCode::BAD_REQUEST, "AADSTS900144: not a token request");
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let expected = [
        ("grant_type", "client_credentials"),
        ("client_id", APP_ID),
        ("client_secret", SECRET),
        ("scope", "https://api.botframework.com/.default"),
    ];
    if expected.iter().any(|(k, v)| field(k) != Some(v)) {
        return refuse(StatusCode::UNAUTHORIZED, "AADSTS7000215: invalid client");
    }
    record(&shared, "token", vec![tenant], Value::Null);
    let answer = json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                        "access_token": ACCESS_TOKEN});
    axum::Json(answer).into_response()
}

async fn metadata(State(shared): State<Shared>) -> axum::Json<Value> {
    let base = shared.base.lock().unwrap().clone();
    axum::Json(json!({
        "issuer": "https://api.botframework.com",
        "authorization_endpoint": "https://invalid.botframework.com",
        "jwks_uri": format!("{base}/botframework/keys"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    }))
}

async fn keys(State(shared): State<Shared>) -> axum::Json<Value> {
    axum::Json(shared.jwks.lock().unwrap().clone())
}

/// The Connector's own check: the Entra token as bearer.
fn bearer_ok(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {ACCESS_TOKEN}"))
}

/// A card activity as the Connector takes it, or why not.
fn card_activity(headers: &HeaderMap, body: &[u8]) -> Result<Value, (StatusCode, &'static str)> {
    if !bearer_ok(headers) {
        return Err((StatusCode::UNAUTHORIZED, "Authorization has been denied"));
    }
    let json = headers.get("content-type").and_then(|v| v.to_str().ok());
    let activity: Value = match (json, serde_json::from_slice(body)) {
        (Some(t), Ok(activity)) if t.starts_with("application/json") => activity,
        _ => return Err((StatusCode::BAD_REQUEST, "the body is not a JSON activity")),
    };
    let attachment = &activity["attachments"][0];
    let card = &attachment["content"];
    if activity["type"] != "message"
        || attachment["contentType"] != "application/vnd.microsoft.card.adaptive"
        || card["type"] != "AdaptiveCard"
    {
        return Err((
            StatusCode::BAD_REQUEST,
            "not a message with an Adaptive Card",
        ));
    }
    Ok(activity)
}

async fn send(
    State(shared): State<Shared>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let activity = match card_activity(&headers, &body) {
        Ok(activity) => activity,
        Err((status, message)) => return refuse(status, message),
    };
    let id = format!("act-{}", shared.calls.lock().unwrap().len());
    record(&shared, "send", vec![conversation, id.clone()], activity);
    (StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response()
}

async fn update(
    State(shared): State<Shared>,
    Path((conversation, activity_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let activity = match card_activity(&headers, &body) {
        Ok(activity) => activity,
        Err((status, message)) => return refuse(status, message),
    };
    if activity["id"] != activity_id.as_str() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "the activity's id is not the path's",
        );
    }
    record(
        &shared,
        "update",
        vec![conversation, activity_id.clone()],
        activity,
    );
    axum::Json(json!({"id": activity_id})).into_response()
}

fn account(id: &str, address: &str) -> Value {
    let name = address.split('@').next().unwrap_or_default();
    json!({"id": id, "name": name, "aadObjectId": format!("aad-{name}"), "email": address,
           "userPrincipalName": address, "tenantId": TENANT, "userRole": "user"})
}

async fn members(
    State(shared): State<Shared>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !bearer_ok(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "Authorization has been denied");
    }
    record(&shared, "members", vec![conversation], Value::Null);
    let all: Vec<Value> = MEMBERS
        .iter()
        .map(|(id, address)| account(id, address))
        .collect();
    axum::Json(Value::Array(all)).into_response()
}

async fn member(
    State(shared): State<Shared>,
    Path((conversation, member)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !bearer_ok(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "Authorization has been denied");
    }
    record(
        &shared,
        "member",
        vec![conversation, member.clone()],
        Value::Null,
    );
    match MEMBERS.iter().find(|(id, _)| *id == member) {
        Some((id, address)) => axum::Json(account(id, address)).into_response(),
        None => refuse(StatusCode::NOT_FOUND, "The member was not found"),
    }
}
