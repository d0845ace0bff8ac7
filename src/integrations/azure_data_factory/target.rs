//! `[targets.NAME] kind = "azure_data_factory"`: an Entra ID
//! client-credentials token (see [`super::entra`]; fetched again on a 401),
//! then "Pipelines - Create Run" (`POST …/pipelines/{p}/createRun`,
//! api-version 2018-06-01, the body holding the pipeline parameters). The
//! answer's `runId` becomes the delivery's `external_id`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::{Env, Secret, parse_url};
use crate::integrations::entra::{Principal, TokenCache, token};
use crate::integrations::kit::{
    Kit, Raw, Starter, Target, TargetParts, Trigger, join_path, started_id,
};
use crate::outbox::{SendError, Sent, check, transport};

/// The Data Factory REST API version.
pub(crate) const API_VERSION: &str = "2018-06-01";

/// The target kind.
pub(crate) const KIND: &str = "azure_data_factory";

#[derive(Deserialize)]
struct CreateRunResponse {
    #[serde(rename = "runId")]
    run_id: Option<String>,
}

/// `kind = "azure_data_factory"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdfFile {
    tenant_id: String,
    client_id: String,
    client_secret_env: String,
    subscription_id: String,
    resource_group: String,
    factory: String,
    pipeline: String,
    #[serde(default)]
    overridable: Vec<String>,
    authority_host: Option<String>,
    management_endpoint: Option<String>,
    parameters: Option<BTreeMap<String, String>>,
    max_per_hour: Option<u32>,
}

/// An Azure Data Factory pipeline and the service principal that starts it.
#[derive(Debug, Clone)]
pub(crate) struct AdfTarget {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub subscription_id: String,
    pub resource_group: String,
    pub factory: String,
    pub pipeline: String,
    /// Entra ID host, e.g. `https://login.microsoftonline.com`.
    pub authority_host: Url,
    /// ARM host, e.g. `https://management.azure.com`.
    pub management_endpoint: Url,
    /// The pipeline parameters `createRun` passes, and where each comes from.
    pub parameters: BTreeMap<String, ParameterSource>,
}

/// Where a pipeline parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParameterSource {
    /// The pause id.
    PauseId,
    /// The whole `data` object.
    Data,
    /// One top-level key of `data` (`data.run_date`); `null` when absent.
    DataKey(String),
    /// The approver's `inputs`.
    Inputs,
    /// One of the approver's `inputs` (`inputs.ticket`); `null` when absent.
    InputsKey(String),
    /// The pause title.
    Title,
    /// `pause.approved`, `pause.rejected` or `pause.expired`.
    Event,
    /// Who decided, if anyone.
    Actor,
    /// The decider's comment, if any.
    Comment,
    /// The signed decision receipt (JWS).
    Receipt,
}

impl ParameterSource {
    /// Reads `pause_id`, `data`, `data.KEY`, `inputs`, `inputs.KEY`, `title`,
    /// `event`, `actor`, `comment` or `receipt`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pause_id" => Self::PauseId,
            "data" => Self::Data,
            "title" => Self::Title,
            "event" => Self::Event,
            "actor" => Self::Actor,
            "comment" => Self::Comment,
            "inputs" => Self::Inputs,
            "receipt" => Self::Receipt,
            _ => match (text.strip_prefix("data."), text.strip_prefix("inputs.")) {
                (Some(key), _) if !key.is_empty() => Self::DataKey(key.to_owned()),
                (_, Some(key)) if !key.is_empty() => Self::InputsKey(key.to_owned()),
                _ => return None,
            },
        })
    }
}

fn parse_parameters(
    key: &str,
    parameters: Option<BTreeMap<String, String>>,
) -> Result<BTreeMap<String, ParameterSource>, String> {
    let Some(parameters) = parameters else {
        return Ok(BTreeMap::from([
            ("pause_id".to_owned(), ParameterSource::PauseId),
            ("data".to_owned(), ParameterSource::Data),
        ]));
    };
    parameters
        .into_iter()
        .map(|(name, source)| match ParameterSource::parse(&source) {
            Some(parsed) => Ok((name, parsed)),
            None => Err(format!(
                "{key}.{name}: {source:?} is not a source; use pause_id, data, data.KEY, \
                 inputs, inputs.KEY, title, event, actor, comment or receipt"
            )),
        })
        .collect()
}

/// Reads `[targets.NAME]` of this kind; `tokens` is shared by every target.
pub(crate) fn resolve(
    name: &str,
    raw: &Raw,
    env: &Env,
    tokens: Arc<TokenCache>,
) -> Result<TargetParts, String> {
    let mut file: AdfFile = raw.parse(&format!("targets.{name}"))?;
    let (overridable, max_per_hour) = (std::mem::take(&mut file.overridable), file.max_per_hour);
    let adf = target_of(name, file, env)?;
    Ok(TargetParts {
        starter: Arc::new(Adf { adf, tokens }),
        overridable,
        max_per_hour,
        allowed: &["pipeline", "factory", "resource_group"],
    })
}

/// The pipeline and principal `file` describes; errors name the key.
fn target_of(name: &str, f: AdfFile, env: &Env) -> Result<AdfTarget, String> {
    let key = |k: &str| format!("targets.{name}.{k}");
    let url = |k: &str, given: Option<String>, default: &str| {
        parse_url(&key(k), given.as_deref().unwrap_or(default))
    };
    Ok(AdfTarget {
        parameters: parse_parameters(&key("parameters"), f.parameters)?,
        client_secret: env.secret(&key("client_secret_env"), &f.client_secret_env)?,
        authority_host: url(
            "authority_host",
            f.authority_host,
            "https://login.microsoftonline.com",
        )?,
        management_endpoint: url(
            "management_endpoint",
            f.management_endpoint,
            "https://management.azure.com",
        )?,
        tenant_id: f.tenant_id,
        client_id: f.client_id,
        subscription_id: f.subscription_id,
        resource_group: f.resource_group,
        factory: f.factory,
        pipeline: f.pipeline,
    })
}

/// Starts pipeline runs of one target.
pub(crate) struct Adf {
    /// The pipeline and its principal.
    pub adf: AdfTarget,
    tokens: Arc<TokenCache>,
}

#[async_trait]
impl Starter for Adf {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn what(&self) -> &'static str {
        "Azure Data Factory pipeline"
    }

    async fn start(
        &self,
        kit: &Kit,
        target: &Target,
        trigger: Trigger<'_>,
    ) -> Result<Sent, SendError> {
        send(
            &kit.client,
            &*kit.clock,
            &self.tokens,
            target,
            &self.adf,
            trigger,
        )
        .await
    }
}

/// Starts the pipeline run.
async fn send(
    client: &reqwest::Client,
    clock: &dyn crate::clock::Clock,
    tokens: &TokenCache,
    target: &Target,
    adf: &AdfTarget,
    trigger: Trigger<'_>,
) -> Result<Sent, SendError> {
    let url = create_run_url(target, adf, trigger);
    let body = Value::Object(parameters(adf, trigger)).to_string();
    let principal = Principal::new(
        &adf.authority_host,
        &adf.tenant_id,
        &adf.client_id,
        &adf.client_secret,
        adf.management_endpoint.as_str(),
    );
    let mut token = token(client, clock, tokens, &principal).await?;
    let mut response = create_run(client, &url, &token, &body).await?;
    if response.status() == StatusCode::UNAUTHORIZED {
        // Revoked or rotated early: fetch a fresh token once.
        tokens.forget(&principal.cache_key);
        token = self::token(client, clock, tokens, &principal).await?;
        response = create_run(client, &url, &token, &body).await?;
    }
    let response = check("Azure Data Factory", response).await?;
    let pick = |answer: CreateRunResponse| answer.run_id;
    Ok(started_id(response, "Data Factory", pick).await)
}

async fn create_run(
    client: &reqwest::Client,
    url: &reqwest::Url,
    token: &str,
    body: &str,
) -> Result<reqwest::Response, SendError> {
    client
        .post(url.clone())
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| transport("Azure Data Factory", e))
}

/// `{management}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataFactory/factories/{f}/pipelines/{p}/createRun?api-version=2018-06-01`.
fn create_run_url(target: &Target, adf: &AdfTarget, trigger: Trigger<'_>) -> Url {
    let resource_group = trigger.setting(target, "resource_group", &adf.resource_group);
    let factory = trigger.setting(target, "factory", &adf.factory);
    let pipeline = trigger.setting(target, "pipeline", &adf.pipeline);
    let mut url = join_path(
        &adf.management_endpoint,
        &[
            "subscriptions",
            &adf.subscription_id,
            "resourceGroups",
            resource_group,
            "providers",
            "Microsoft.DataFactory",
            "factories",
            factory,
            "pipelines",
            pipeline,
            "createRun",
        ],
    );
    url.query_pairs_mut()
        .append_pair("api-version", API_VERSION);
    url
}

/// The pipeline parameters, each from the source the config names.
fn parameters(adf: &AdfTarget, trigger: Trigger<'_>) -> Map<String, Value> {
    let pause = trigger.pause;
    let decision = pause.decision();
    adf.parameters
        .iter()
        .map(|(name, source)| {
            let value = match source {
                ParameterSource::PauseId => Value::from(pause.id.as_str()),
                ParameterSource::Data => pause.data.clone(),
                ParameterSource::DataKey(key) => {
                    pause.data.get(key).cloned().unwrap_or(Value::Null)
                }
                ParameterSource::Inputs => pause.inputs.clone().map_or(Value::Null, Value::Object),
                ParameterSource::InputsKey(key) => pause
                    .inputs
                    .as_ref()
                    .and_then(|inputs| inputs.get(key).cloned())
                    .unwrap_or(Value::Null),
                ParameterSource::Title => Value::from(pause.title.as_str()),
                ParameterSource::Event => Value::from(trigger.event.as_str()),
                ParameterSource::Actor => decision.and_then(|d| d.actor.as_deref()).into(),
                ParameterSource::Comment => decision.and_then(|d| d.comment.clone()).into(),
                ParameterSource::Receipt => pause.receipt.clone().into(),
            };
            (name.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = r#"
kind = "azure_data_factory"
tenant_id = "t"
client_id = "c"
client_secret_env = "ADF_SECRET"
subscription_id = "s"
resource_group = "rg"
factory = "f"
pipeline = "p"
"#;

    fn adf(extra: &str) -> AdfTarget {
        let text = format!("{TARGET}{extra}");
        let raw = Raw {
            value: toml::from_str(&text).unwrap(),
            line: None,
        };
        let file: AdfFile = raw.parse("targets.sales").unwrap();
        let env = Env::from_pairs([("ADF_SECRET", "s3cret")]);
        target_of("sales", file, &env).unwrap()
    }

    #[test]
    fn the_defaults_and_the_secret_are_read() {
        let adf = adf("");
        assert_eq!(adf.client_secret.expose(), "s3cret");
        assert_eq!(
            adf.management_endpoint.as_str(),
            "https://management.azure.com/"
        );
    }

    #[test]
    fn parameters_default_to_pause_id_and_data_and_can_be_mapped() {
        let plain = adf("");
        assert_eq!(plain.parameters.len(), 2);
        assert_eq!(plain.parameters["pause_id"], ParameterSource::PauseId);
        assert_eq!(plain.parameters["data"], ParameterSource::Data);
        let mapped = adf("parameters = { run_date = \"data.run_date\", approver = \"actor\" }\n");
        assert_eq!(
            mapped.parameters["run_date"],
            ParameterSource::DataKey("run_date".into())
        );
        assert_eq!(mapped.parameters["approver"], ParameterSource::Actor);
    }
}
