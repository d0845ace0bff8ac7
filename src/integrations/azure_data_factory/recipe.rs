//! The original Azure Functions approval recipe's two endpoints, so that a
//! pipeline built on it moves over by changing a host name.
//!
//! The recipe ("Pausable pipelines", maxwellrules.com/misc/start_stop_pipelines.html;
//! its functions `PipelinePause/__init__.py`, `PipelineRestart/__init__.py`
//! and `utilities/utilities.py` in the GCBallesteros/Function-Automate
//! repository) had two HTTP functions under the Functions host's `/api`
//! prefix:
//! - `PipelinePause` (function key as `?code=` or `x-functions-key`, the
//!   Functions HTTP trigger's key forms) read `factory_name`,
//!   `resource_group`, `pipeline_name`, `expiration_time` (seconds), `data`,
//!   `web_path` and `share_name`, each from the query string first and then
//!   from a JSON body, stored them under a random token and answered 200
//!   with `{"token": …}`;
//! - `PipelineRestart?token=…` started the pipeline on any GET or POST.
//!
//! Here `PipelinePause` takes the same parameters in the same places and
//! answers the same 200 `{"token"}` (plus `id` and `review_url`), creating
//! a pause whose target is the configured Data Factory target
//! (`[azure_recipe] target`) with the request's factory, resource group and
//! pipeline. `PipelineRestart` shows the review page on GET (a mail
//! scanner opening the link decides nothing) and decides only on the
//! page's POST. Bad input is a 400 naming the parameter, where the recipe
//! answered 500. `web_path` and `share_name` (the recipe's own success page
//! in Azure Files) are accepted and unused: pausegate shows its own.

use std::collections::HashMap;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Map, Value, json};

use crate::domain::plain_name;
use crate::http::{ApiError, AppState, ErrorBody, decide_token, identify, review_token};
use crate::pauses::{PauseRequest, Requester};

/// The Data Factory target `PipelinePause` starts (`[azure_recipe]
/// target`), if the section is there.
#[derive(Clone)]
pub(crate) struct RecipeTarget(pub Option<Arc<str>>);

/// The recipe's two endpoints.
pub(crate) fn router(target: RecipeTarget) -> Router<AppState> {
    Router::new()
        .route("/api/PipelinePause", post(pipeline_pause))
        .route("/api/PipelineRestart", get(review).post(decide))
        .layer(Extension(target))
}

/// The recipe's parameters as a JSON body (each may come in the query
/// string instead, which wins).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Read as JSON by `Params`; this type only documents it.
pub(crate) struct RecipeBody {
    /// The Data Factory to start the pipeline in.
    factory_name: Option<String>,
    /// Its resource group.
    resource_group: Option<String>,
    /// The pipeline to start on approval.
    pipeline_name: Option<String>,
    /// Seconds until the link expires (a number, or a string of digits).
    #[schema(value_type = Option<u64>, minimum = 1)]
    expiration_time: Option<Value>,
    /// Any JSON, passed to the pipeline as its `data` parameter.
    data: Option<Value>,
    /// Accepted and unused (the recipe's own success page).
    web_path: Option<String>,
    /// Accepted and unused (the recipe's own success page).
    share_name: Option<String>,
}

/// What `PipelinePause` answers: the recipe's `token`, plus the pause.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct RecipeAnswer {
    /// The review token, as the recipe returned it (shown only this once).
    token: String,
    /// The pause it made.
    id: String,
    /// The review page for the token.
    review_url: String,
}

/// `POST /api/PipelinePause`: a pause from the recipe's parameters.
#[utoipa::path(post, path = "/api/PipelinePause", tag = "pauses",
    params(
        ("code" = Option<String>, Query, description = "The API key, as the recipe's function key was sent"),
        ("x-functions-key" = Option<String>, Header, description = "The API key, the recipe's other way"),
        ("factory_name" = Option<String>, Query, description = "As in the body; the query string wins"),
        ("resource_group" = Option<String>, Query, description = "As in the body"),
        ("pipeline_name" = Option<String>, Query, description = "As in the body"),
        ("expiration_time" = Option<String>, Query, description = "As in the body: seconds"),
    ),
    request_body(content = Option<RecipeBody>, description = "The recipe's parameters"),
    responses(
        (status = 200, description = "The pause was made; its token", body = RecipeAnswer),
        (status = 400, description = "A parameter is missing or invalid; the message names it", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No [azure_recipe] target is configured", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn pipeline_pause(
    State(state): State<AppState>,
    Extension(RecipeTarget(target)): Extension<RecipeTarget>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RecipeAnswer>, ApiError> {
    let caller = identify(&state, presented_key(&headers, &query).as_deref()).await?;
    let Some(target) = target else {
        return Err(ApiError::NotFound(
            "PipelinePause is off: name a Data Factory target in [azure_recipe] target".to_owned(),
        ));
    };
    let params = Params::read(query, &body)?;
    let request = params.pause_request(&target)?;
    let created = state
        .pauses
        .create(request, Requester::caller(&caller))
        .await?;
    let token = created.token.expose().to_owned();
    Ok(Json(RecipeAnswer {
        review_url: state.review_url(&token),
        id: created.pause.id.to_string(),
        token,
    }))
}

/// `GET /api/PipelineRestart?token=…`: the review page, never a decision.
pub(crate) async fn review(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let token = query.get("token").map_or("", String::as_str);
    review_token(&state, token).await
}

/// `POST /api/PipelineRestart?token=…`: the review form's decision.
pub(crate) async fn decide(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let token = query.get("token").map_or("", String::as_str);
    decide_token(&state, token, request).await
}

/// The API key as `Authorization: Bearer`, or as the Functions host took a
/// function key: the `x-functions-key` header or the `code` parameter.
fn presented_key(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        return value.to_str().ok().map(str::to_owned);
    }
    let key = match headers.get("x-functions-key") {
        Some(value) => value.to_str().ok()?.to_owned(),
        None => query.get("code")?.clone(),
    };
    Some(format!("Bearer {key}"))
}

/// The recipe's parameters: the query string first, then the JSON body.
struct Params {
    query: HashMap<String, String>,
    body: Map<String, Value>,
}

impl Params {
    fn read(query: HashMap<String, String>, body: &Bytes) -> Result<Self, ApiError> {
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err(ApiError::invalid_request("body must be a JSON object")),
                Err(e) => {
                    return Err(ApiError::invalid_request(format!(
                        "body is not valid JSON: {e}"
                    )));
                }
            }
        };
        Ok(Self { query, body })
    }

    /// A parameter as given: a query value is a string, a body value any JSON.
    fn get(&self, name: &str) -> Option<Value> {
        match self.query.get(name) {
            Some(text) if !text.is_empty() => Some(Value::String(text.clone())),
            _ => self.body.get(name).filter(|v| !v.is_null()).cloned(),
        }
    }

    /// A required non-empty text parameter; it is shown on the review
    /// page and becomes part of the request that starts the pipeline, so
    /// it must be a plain name of readable text.
    fn text(&self, name: &str) -> Result<String, ApiError> {
        match self.get(name) {
            Some(Value::String(text)) if !text.trim().is_empty() => {
                plain_name(name, &text)?;
                Ok(text)
            }
            Some(_) => Err(invalid(name, "must be a non-empty string")),
            None => Err(invalid(name, "is required")),
        }
    }

    /// `expiration_time`: whole seconds, as a number or a string of digits.
    fn expiration_seconds(&self) -> Result<u64, ApiError> {
        let name = "expiration_time";
        let seconds = match self.get(name) {
            None => {
                return Err(invalid(
                    name,
                    "is required (seconds until the link expires)",
                ));
            }
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(text)) => text.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        match seconds {
            Some(s) if s > 0 => Ok(s),
            _ => Err(invalid(name, "must be a positive whole number of seconds")),
        }
    }

    fn pause_request(&self, target: &str) -> Result<PauseRequest, ApiError> {
        let factory = self.text("factory_name")?;
        let resource_group = self.text("resource_group")?;
        let pipeline = self.text("pipeline_name")?;
        let seconds = self.expiration_seconds()?;
        Ok(PauseRequest {
            title: Some(format!("Run {pipeline} in {factory}?")),
            description: Some(format!(
                "Requested through PipelinePause: pipeline {pipeline} of data factory \
                 {factory} in resource group {resource_group}."
            )),
            data: self.get("data"),
            target: Some(target.to_owned()),
            target_params: Some(json!({
                "factory": factory,
                "resource_group": resource_group,
                "pipeline": pipeline,
            })),
            expires_in: Some(json!(seconds)),
            ..PauseRequest::default()
        })
    }
}

fn invalid(field: &str, problem: &str) -> ApiError {
    ApiError::invalid(field, format!("{field} {problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &[(&str, &str)], body: &str) -> Params {
        let query = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Params::read(query, &Bytes::from(body.to_owned())).unwrap()
    }

    #[test]
    fn the_query_string_wins_over_the_body_as_in_the_recipe() {
        let p = params(
            &[("pipeline_name", "from-query")],
            r#"{"pipeline_name": "from-body"}"#,
        );
        assert_eq!(p.text("pipeline_name").unwrap(), "from-query");
    }

    #[test]
    fn expiration_time_is_seconds_as_a_number_or_digits() {
        assert_eq!(
            params(&[("expiration_time", "3600")], "")
                .expiration_seconds()
                .unwrap(),
            3600
        );
        let body = params(&[], r#"{"expiration_time": 60}"#);
        assert_eq!(body.expiration_seconds().unwrap(), 60);
        for bad in [
            r#"{"expiration_time": "soon"}"#,
            r#"{"expiration_time": -5}"#,
            r#"{"expiration_time": 0}"#,
        ] {
            let error = params(&[], bad).expiration_seconds().unwrap_err();
            assert!(
                matches!(error, ApiError::Invalid { message: m, .. } if m.starts_with("expiration_time"))
            );
        }
    }

    #[test]
    fn a_missing_parameter_is_named() {
        let error = params(&[], r#"{"factory_name": "f"}"#)
            .pause_request("adf")
            .unwrap_err();
        assert!(
            matches!(error, ApiError::Invalid { message: m, .. } if m == "resource_group is required")
        );
    }
}
